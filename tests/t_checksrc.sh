# t_checksrc.sh - scripts/checksrc passes on this tree, and it catches what
# it should (and only that) in a small tree made here.
. "$SL_SRC/tests/lib.sh"
check=$SL_SRC/scripts/checksrc

out=$("$check" "$SL_SRC" 2>&1); rc=$?
[ "$rc" -eq 0 ] || { echo "$out" >&2; fail "scripts/checksrc finds problems in the tree (exit $rc)"; }

# A tree with one of everything.
mkdir -p "$T/src/load" "$T/src/cli" "$T/include"
cat > "$T/src/load/bad.c" <<'C'
/* a comment may say sprintf(x) or exit(1) freely */
#include <stdlib.h>
static const char *s = "strcpy(a, b) in a string is fine";
int f(char *d, const char *src, char *line)
{
    char *save;
    snprintf(d, 4, "%s", src);   /* fine */
    strtok_r(line, ",", &save);  /* fine */
    sprintf(d, "%s", src);
    strcpy(d, src); strcat(d, src);
    if (atoi(src) > 3)
        exit(3);
    _exit(0);                    /* fine: not exit */
    return vsprintf(d, src, 0) + (strtok(line, ",") != 0) + (gets(d) != 0);
}
int g(char *d) { return sprintf(d, "x"); } /* checksrc: allow (test) */
C
cat > "$T/src/cli/main.c" <<'C'
#include <stdlib.h>
int main(void) { exit(0); }
C
printf 'int h(void);\n' > "$T/include/x.h"
out=$("$check" "$T" 2>"$T/err"); rc=$?
check_rc 1 "$rc" "checksrc on a bad tree"
want="src/load/bad.c:9: banned 'sprintf': use snprintf or sl_buf_addf
src/load/bad.c:10: banned 'strcpy': use sl_strlcpy or memcpy with a length
src/load/bad.c:10: banned 'strcat': use sl_buf_add
src/load/bad.c:11: banned 'atoi': use strtol and check the end and errno
src/load/bad.c:12: exit() outside src/cli/: return an SL_E* code instead
src/load/bad.c:14: banned 'vsprintf': use vsnprintf
src/load/bad.c:14: banned 'strtok': use strtok_r or a scanner that keeps its state
src/load/bad.c:14: banned 'gets': use fgets"
[ "$out" = "$want" ] || fail "checksrc output differs:
--- got
$out
--- want
$want"
grep -q "checksrc: 8 problem(s)" "$T/err" || fail "no problem count on stderr: $(cat "$T/err")"

# A clean tree passes; a wrong root is a usage error.
rm "$T/src/load/bad.c"
"$check" "$T" >/dev/null 2>&1; check_rc 0 $? "checksrc on a clean tree"
"$check" "$T/nope" >/dev/null 2>&1; check_rc 2 $? "checksrc on a missing root"
done_ok

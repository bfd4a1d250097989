# t_checksrc.sh - scripts/checksrc passes on this tree, and it catches what
# it should (and only that) in small trees made here: banned calls, the
# layers' include rules, the format.
. "$SL_SRC/tests/lib.sh"
check=$SL_SRC/scripts/checksrc

# The whole tree, format included (clang-format --dry-run -Werror with the
# project's .clang-format; `make format` fixes it).
FORMAT=
# shellcheck disable=SC2086
out=$("$check" $FORMAT "$SL_SRC" 2>&1); rc=$?
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
out=$("$check" --no-format "$T" 2>"$T/err"); rc=$?
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

# The include rules: each layer includes its own headers, those of the
# layers below it and sheetload.h; read and sink never meet; http and cli
# reach the library through sheetload.h.
rm "$T/src/load/bad.c"
mkdir -p "$T/src/read" "$T/src/sink" "$T/src/http" "$T/src/base" "$T/src/conc"
printf '#include "sheetload.h"\n#include "base/err.h"\n#include "read/xml.h"\n#include "sink/sink.h"\n' >"$T/src/read/r.c"
printf '#include "xml.h"\n#include "base/buf.h"\n' >"$T/src/read/ok.c"
printf '#include "conc/ctx.h"\n' >"$T/src/base/b.c"
printf '#include "base/err.h"\n#include "conc/chan.h"\n#include "read/reader.h"\n#include "sink/sink.h"\n#include "load/load.h"\n' >"$T/src/load/l.c"
printf '#include "sheetload.h"\n#include "http/http.h"\n#include "load/load.h"\n' >"$T/src/http/h.c"
printf '#include "cli/cli.h"\n#include "sink/sink.h"\n#include "http/http.h"\n#include "http/internal.h"\n' >"$T/src/cli/c.c"
printf '#include "base/err.h"\n' >"$T/include/x.h"
out=$("$check" --no-format "$T" 2>"$T/err"); rc=$?
check_rc 1 "$rc" "checksrc on a tree that breaks the layers"
want="include/x.h:1: include rule: include may include nothing of src/; not \"base/err.h\"
src/base/b.c:1: include rule: base may include sheetload.h, base/; not \"conc/ctx.h\"
src/cli/c.c:2: include rule: cli may include sheetload.h, base/, cli/, http/http.h; not \"sink/sink.h\"
src/cli/c.c:4: include rule: cli may include sheetload.h, base/, cli/, http/http.h; not \"http/internal.h\"
src/http/h.c:3: include rule: http may include sheetload.h, base/, http/; not \"load/load.h\"
src/read/r.c:4: include rule: read may include sheetload.h, base/, read/; not \"sink/sink.h\""
[ "$out" = "$want" ] || fail "checksrc include rules differ:
--- got
$out
--- want
$want"
rm "$T/src/read/r.c" "$T/src/base/b.c" "$T/src/cli/c.c" "$T/src/http/h.c"
printf 'int h(void);\n' >"$T/include/x.h"

# The format: a file as clang-format writes it passes, another does not.
cp "$SL_SRC/.clang-format" "$T/"
(cd "$T" && clang-format -i $(find src include -name '*.[ch]')) || fail "clang-format"
printf 'int f(void)\n{\n    return 0;\n}\n' >"$T/src/base/good.c"
printf 'int g(void) {   return 0; }\n' >"$T/src/base/ugly.c"
out=$("$check" "$T" 2>"$T/err"); rc=$?
check_rc 1 "$rc" "checksrc on a tree with an unformatted file"
[ "$out" = "src/base/ugly.c: not as clang-format writes it: run clang-format -i src/base/ugly.c (or make format)" ] ||
  fail "checksrc format output: $out"
rm "$T/src/base/ugly.c"

# A clean tree passes; a wrong root is a usage error.
"$check" "$T" >/dev/null 2>&1; check_rc 0 $? "checksrc on a clean tree"
"$check" "$T/nope" >/dev/null 2>&1; check_rc 2 $? "checksrc on a missing root"
done_ok

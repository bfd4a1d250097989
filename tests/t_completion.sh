#!/usr/bin/env bash
# t_completion.sh - the bash completion (packaging/sheetload.bash) completes
# commands, every option a command's --help lists, --method values, sheet
# names of the workbook on the line, and spreadsheets by extension. Runs the
# completion function as bash does on TAB, with bash-completion loaded.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bc=/usr/share/bash-completion/bash_completion
[ -r "$bc" ] || fail "$bc is missing: install bash-completion (scripts/deps.sh)"
mkdir -p "$T/bin" "$T/w/sub"
ln -s "$SHEETLOAD" "$T/bin/sheetload"
cd "$T/w"
"$SHEETLOAD" gen --rows 5 -o book.xlsx >/dev/null
touch data.csv old.xls notes.txt report.pdf sub/inner.csv
cat >"$T/complete.bash" <<'EOS'
set +euo pipefail
source /usr/share/bash-completion/bash_completion
source "$SL_SRC/packaging/sheetload.bash"
# complete LINE: print what TAB offers at the end of LINE, one per line.
complete_line() {
  COMP_LINE=$1 COMP_POINT=${#1}
  COMP_WORDS=($1)
  [[ $1 == *' ' ]] && COMP_WORDS+=('')
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _sheetload sheetload "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
  printf '%s\n' "${COMPREPLY[@]}" | sort
}
EOS
c() { PATH="$T/bin:$PATH" bash -c "source '$T/complete.bash'; complete_line \"\$1\"" _ "$1"; }
want() { # LINE EXPECTED... : the completions are exactly EXPECTED
  local line=$1 got exp
  shift
  got=$(c "$line")
  exp=$(printf '%s\n' "$@" | sort)
  [ "$got" = "$exp" ] || fail "'$line<TAB>' gives [$(echo $got)], want [$(echo $exp)]"
}
has() { # LINE WORD : WORD is among the completions
  c "$1" | grep -qxF -- "$2" || fail "'$1<TAB>' does not offer '$2' (got: $(c "$1" | tr '\n' ' '))"
}
want "sheetload " import serve cat gen bench
want "sheetload im" import
want "sheetload --v" --version
want "sheetload import --method " sequential concurrent batch copy
want "sheetload import --method=c" concurrent copy
want "sheetload serve --method-default b" batch
want "sheetload bench --methods batch,c" batch,concurrent batch,copy
want "sheetload gen -f " xlsx csv
want "sheetload import " book.xlsx data.csv notes.txt old.xls sub # not report.pdf
want "sheetload cat sub/" sub/inner.csv
want "sheetload import book.xlsx --sheet " "$("$SHEETLOAD" cat book.xlsx --list-sheets)"
has "sheetload import x.csv --db " sqlite:
want "sheetload import x.csv --header " auto none
has "sheetload import x.csv --encoding " cp1252
has "sheetload cat x.csv -e " macintosh
has "sheetload serve --upload-dir " sub
# An option whose --help line names a value completes nothing (not files).
want "sheetload import x.csv --workers "
want "sheetload import x.csv --table "
want "sheetload serve --max-jobs "
want "sheetload import x.csv --dry-run " book.xlsx data.csv notes.txt old.xls sub
# Every option of every command's --help completes.
for cmd in import serve cat gen bench; do
  all=$(c "sheetload $cmd --")
  for o in $("$SHEETLOAD" $cmd --help | grep -oE '^ {1,8}(-[a-z], )?--[a-z][-a-z]*' | grep -oE -- '--[a-z][-a-z]*'); do
    grep -qxF -- "$o" <<<"$all" || fail "'sheetload $cmd --<TAB>' does not offer $o"
  done
done
done_ok

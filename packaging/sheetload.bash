# bash completion for sheetload(1)                         -*- shell-script -*-
# Commands, their options (read from 'sheetload COMMAND --help', so a new
# option completes without an edit here), the values of --method and
# friends, sheet names of the workbook on the line, and file names by
# extension.

_sheetload_files()
{
    # Spreadsheets (and directories to walk into).
    _filedir '@(xlsx|XLSX|xls|XLS|csv|CSV|tsv|TSV|txt|TXT)'
}

_sheetload_sheets()
{
    # The sheets of the FILE argument already on the line, if any.
    local i w file=
    for ((i = 2; i < cword; i++)); do
        w=${words[i]}
        case $w in
        -*) ;;
        *.xlsx | *.XLSX | *.xls | *.XLS | *.csv | *.CSV) [[ -f $w ]] && file=$w ;;
        esac
    done
    [[ -n $file ]] || return
    local IFS=$'\n'
    COMPREPLY=($(compgen -W "$("$1" cat "$file" --list-sheets 2>/dev/null)" -- "$cur"))
}

_sheetload_takes_value()
{
    # PROGRAM COMMAND OPTION: does OPTION take a value, by the help line that
    # lists it ('  -s, --sheet NAME|N   ...': a word after the options)?
    local line head w
    while IFS= read -r line; do
        [[ $line =~ ^\ {1,8}(-.*)$ ]] || continue
        head=${BASH_REMATCH[1]%%  *}
        head=${head//,/ }
        [[ " $head " == *" $3 "* ]] || continue
        for w in $head; do
            [[ $w != -* ]] && return 0
        done
        return 1
    done < <("$1" "$2" --help 2>/dev/null)
    return 1
}

_sheetload()
{
    local cur prev words cword split
    _init_completion -s -n : || return

    local commands="import serve cat gen bench"
    local methods="sequential concurrent batch copy"
    local cmd= i
    for ((i = 1; i < cword; i++)); do
        if [[ ${words[i]} != -* ]]; then
            cmd=${words[i]}
            break
        fi
    done

    if [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W '--help --version' -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        fi
        return
    fi

    case $prev in
    --method | --method-default)
        COMPREPLY=($(compgen -W "$methods" -- "$cur"))
        return
        ;;
    --methods)
        # A comma-separated list: complete the last element.
        local done=${cur%"${cur##*,}"}
        COMPREPLY=($(compgen -P "$done" -W "$methods" -- "${cur##*,}"))
        compopt -o nospace
        return
        ;;
    --format | -f)
        [[ $cmd == gen ]] && COMPREPLY=($(compgen -W 'xlsx csv' -- "$cur"))
        return
        ;;
    --delimiter | -d)
        COMPREPLY=($(compgen -W "tab ';' ','" -- "$cur"))
        return
        ;;
    --header)
        COMPREPLY=($(compgen -W 'auto none' -- "$cur"))
        return
        ;;
    --encoding | -e)
        COMPREPLY=($(compgen -W 'cp1252 macintosh latin1 utf-16 utf-16le utf-16be utf-8' -- "$cur"))
        return
        ;;
    --map-file)
        _filedir
        return
        ;;
    --db)
        if [[ $cur == sqlite:* ]]; then
            local path=${cur#sqlite:}
            COMPREPLY=($(compgen -P sqlite: -f -- "$path"))
            __ltrim_colon_completions "$cur"
        elif [[ $cur == */* || $cur == .* ]]; then
            _filedir '@(db|sqlite)'
        else
            COMPREPLY=($(compgen -W 'sqlite: postgresql:// postgres://' -- "$cur"))
            __ltrim_colon_completions "$cur"
            compopt -o nospace
        fi
        return
        ;;
    --sheet | -s)
        [[ $cmd == import || $cmd == cat ]] && _sheetload_sheets "$1"
        return
        ;;
    --file)
        _sheetload_files
        return
        ;;
    --output | -o)
        if [[ $cmd == gen ]]; then
            _filedir '@(xlsx|csv)'
        else
            _filedir
        fi
        return
        ;;
    --rejects)
        _filedir csv
        return
        ;;
    --bad-list)
        _filedir
        return
        ;;
    --upload-dir)
        _filedir -d
        return
        ;;
    --listen)
        COMPREPLY=($(compgen -W '127.0.0.1:8080 0.0.0.0:8080 [::1]:8080' -- "$cur"))
        __ltrim_colon_completions "$cur"
        return
        ;;
    esac
    $split && return
    # Any other option whose --help line names a value (--table T,
    # --workers N, ...): a value only the user knows, not a file name.
    if [[ $prev == -* ]] && _sheetload_takes_value "$1" "$cmd" "$prev"; then
        return
    fi

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_parse_help "$1" "$cmd --help")" -- "$cur"))
        [[ ${COMPREPLY-} == *= ]] && compopt -o nospace
        return
    fi
    case $cmd in
    import | cat) _sheetload_files ;;
    esac
} &&
    complete -F _sheetload sheetload

# ex: filetype=sh

#!/usr/bin/env python3
"""man_options.py SHEETLOAD SRC - every man page documents exactly the
options its command accepts.

For each command of 'sheetload --help' (and the program itself), the options
it accepts are those its --help lists plus those of the getopt_long table and
short-option string in src/cli/cmd_NAME.c; the options a page documents are
the definition lines of docs/man/PAGE.1.scd ('*--name* _VALUE_' at the start
of a line). Fails naming the option, the page file and the command when one
side has an option the other lacks, or when a command has no page.
"""
import re
import subprocess
import sys

OPT = r"--?[A-Za-z0-9][-A-Za-z0-9]*"


def help_text(sheetload, args):
    r = subprocess.run([sheetload] + args + ["--help"], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"FAIL: '{' '.join(['sheetload'] + args + ['--help'])}' exited {r.returncode}: {r.stderr}")
    return r.stdout


def help_options(text):
    """Options on the option lines of a --help text: lines indented by at most
    eight spaces that start with '-', up to the gap before the description."""
    opts = set()
    for line in text.splitlines():
        m = re.match(r"^ {1,8}(-.*)$", line)
        if not m:
            continue
        head = re.split(r"\s{2,}", m.group(1).strip())[0]
        opts.update(re.findall(r"(?<![\w-])(" + OPT + ")", head))
    return opts


def help_commands(text):
    cmds, on = [], False
    for line in text.splitlines():
        if line.startswith("Commands:"):
            on = True
        elif on and re.match(r"^  [a-z]+ ", line):
            cmds.append(line.split()[0])
        elif on and not line.strip():
            break
    return cmds


def source_options(path):
    """Long options of getopt_long tables and short options of the getopt
    option string in one source file (empty when the file has neither)."""
    try:
        src = open(path, encoding="utf-8").read()
    except FileNotFoundError:
        return set()
    opts = {"--" + n for n in re.findall(
        r'\{\s*"([A-Za-z0-9][-A-Za-z0-9]*)"\s*,\s*(?:no_argument|required_argument|optional_argument)', src)}
    for spec in re.findall(r'getopt(?:_long)?\s*\([^,]+,[^,]+,\s*"([^"]*)"', src):
        opts.update("-" + c for c in re.findall(r"[A-Za-z0-9]", spec))
    return opts


def page_options(path):
    """Options on the definition lines of a page: an unindented line that
    starts with '*-', e.g. '*-s*, *--sheet* _NAME_'."""
    opts = {}
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        if line.startswith("*-"):
            for o in re.findall(r"\*(" + OPT + r")\*", line):
                opts.setdefault(o, n)
    return opts


def main():
    sheetload, src = sys.argv[1], sys.argv[2]
    top = help_text(sheetload, [])
    cmds = help_commands(top)
    if not cmds:
        sys.exit("FAIL: no commands found in the 'Commands:' list of 'sheetload --help'")
    problems = []
    main_page = f"{src}/docs/man/sheetload.1.scd"
    main_text = open(main_page, encoding="utf-8").read()
    checks = [("sheetload", [], "sheetload.1.scd", None)]
    for c in cmds:
        checks.append((f"sheetload {c}", [c], f"sheetload-{c}.1.scd", f"src/cli/cmd_{c}.c"))
        if not re.search(r"^\*" + re.escape(c) + r"\*$", main_text, re.M):
            problems.append(f"command '{c}' (in 'sheetload --help') is not listed under COMMANDS "
                            f"in docs/man/sheetload.1.scd: add a line '*{c}*' and its description")
    for cmd, args, page, srcfile in checks:
        path = f"{src}/docs/man/{page}"
        try:
            documented = page_options(path)
        except FileNotFoundError:
            problems.append(f"'{cmd}' has no man page: write docs/man/{page} "
                            f"(copy a sibling page; the build turns it into {page[:-4]})")
            continue
        in_help = help_options(help_text(sheetload, args))
        in_src = source_options(f"{src}/{srcfile}") if srcfile else set()
        accepted = in_help | in_src
        if not accepted:
            problems.append(f"'{cmd} --help' lists no option lines: the check cannot work "
                            f"(it reads lines indented by 1-8 spaces that start with '-')")
        for o in sorted(accepted - documented.keys()):
            where = "'%s --help'" % cmd if o in in_help else srcfile + " (option table)"
            problems.append(f"option {o} of '{cmd}' (from {where}) is missing from docs/man/{page}: "
                            f"add '*{o}* _VALUE_' (or '*{o}*' for a flag) with a tab-indented "
                            f"description under OPTIONS")
        for o in sorted(documented.keys() - accepted):
            problems.append(f"docs/man/{page}:{documented[o]} documents option {o}, which neither "
                            f"'{cmd} --help' nor its option table lists: remove it from the page, or add it to the command and its --help")
        for o in sorted(in_src - in_help):
            problems.append(f"option {o} is in the option table of {srcfile} but not in "
                            f"'{cmd} --help': add it to the help text")
        print(f"{page}: {len(documented)} options documented, {len(accepted)} accepted")
    if problems:
        for p in problems:
            print("FAIL: " + p, file=sys.stderr)
        sys.exit(1)
    print(f"ok: {len(checks)} pages agree with their commands")


main()

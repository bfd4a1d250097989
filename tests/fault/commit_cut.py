# commit_cut.py - ambiguous COMMITs: the importer talks to PostgreSQL through
# cutproxy.py, which lets every 5th COMMIT reach the server and commit, then
# cuts the connection before the answer comes back. A correct importer
# reconnects, finds the batch (or the row) in the ledger and does not send it
# again: the table must hold every good row exactly once.
# Usage: commit_cut.py DBURL WORKDIR
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faultlib as fl  # noqa: E402


def case(name, method, batch, workers, data, exp, db, work):
    fl.pg_reset(db)
    m = re.match(r"^(postgres(?:ql)?://[^@/]*@?127\.0\.0\.1:)(\d+)(/.*)$", db)
    if not m:
        raise fl.Fail("cannot put a proxy in front of '%s' (want a 127.0.0.1 URL)" % db)
    state = os.path.join(work, name + ".cuts")
    proxy = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(__file__), "cutproxy.py"),
                              m.group(2), "5", "3", "6", state],
                             stdout=subprocess.PIPE, universal_newlines=True)
    try:
        port = proxy.stdout.readline().strip()
        via = m.group(1) + port + m.group(3)
        rej = os.path.join(work, name + ".rejects.csv")
        cmd = fl.import_cmd(data["csv"], via, method, batch, workers, rej)
        r = fl.run(cmd, timeout=600)
    finally:
        proxy.kill()
        proxy.wait()
    cuts = int(open(state).read().strip() or 0)
    what = "%s (%s; %d COMMITs cut)" % (name, fl.shell_quote(cmd), cuts)
    if cuts == 0:
        raise fl.Fail("%s: no COMMIT was cut; the test proves nothing" % what)
    if r.returncode != 0:
        raise fl.Fail("%s: exit %d, want 0\n  stderr: %s" % (what, r.returncode,
                                                             r.stderr.strip()[-800:]))
    fl.compare(fl.pg_rows(db), exp["good"], what)
    fl.check_stats(fl.last_json(r.stdout), exp, what)
    fl.check_rejects(rej, exp["rejects"], what)
    fl.log("%s: ok, %d COMMITs cut" % (name, cuts))


def main():
    db, work = sys.argv[1], sys.argv[2]
    data = fl.gen(work, 1000, 10, 21, "cut")
    exp = fl.expected(data)
    failed = []
    for c in [("cut-copy", "copy", 50, 2), ("cut-batch", "batch", 50, 3),
              ("cut-sequential", "sequential", 100, 1), ("cut-concurrent", "concurrent", 7, 3)]:
        try:
            case(c[0], c[1], c[2], c[3], data, exp, db, work)
        except fl.Fail as e:
            failed.append(c[0])
            fl.log("%s: FAILED\n%s" % (c[0], e))
    fl.log("summary: 4 cases, %d failed %s" % (len(failed), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except fl.Fail as e:
        fl.log("FAIL: %s" % e)
        sys.exit(1)

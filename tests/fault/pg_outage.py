# pg_outage.py - the server goes away under a running import: a fast restart
# of the whole cluster (pg_ctl restart -m fast), or pg_terminate_backend of
# the importer's connections (three times). The import must finish by itself
# with exit 0, and the table must hold every good row exactly once.
# Usage: pg_outage.py DBURL WORKDIR PGTEST_SCRIPT   (SL_PG_DIR: the cluster,
# which must be this test's own: it is restarted)
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faultlib as fl  # noqa: E402

TERMINATE = ("select count(pg_terminate_backend(pid)) from pg_stat_activity "
             "where datname = current_database() and pid <> pg_backend_pid() "
             "and backend_type = 'client backend'")


def wait_rows(p, counter, n):
    while p.poll() is None:
        if counter() >= n:
            return True
        time.sleep(0.01)
    return False


def case(name, method, batch, workers, data, exp, db, work, fault, pgtest):
    fl.pg_reset(db)
    rej = os.path.join(work, name + ".rejects.csv")
    cmd = fl.import_cmd(data["csv"], db, method, batch, workers, rej)
    what = "%s (%s)" % (name, fl.shell_quote(cmd))
    total = sum(exp["good"].values())
    counter = lambda: fl.pg_count(db)  # noqa: E731
    out = open(os.path.join(work, name + ".out"), "w+")
    err = open(os.path.join(work, name + ".err"), "w+")
    p = subprocess.Popen(cmd, stdout=out, stderr=err, universal_newlines=True)
    faults = []
    try:
        if fault == "restart":
            if not wait_rows(p, counter, 1):
                raise fl.Fail("%s: the import ended before any row was seen" % what)
            seen = counter()
            r = fl.run([pgtest, "restart"])
            if r.returncode != 0:
                raise fl.Fail("%s: pg restart failed: %s" % (what, r.stderr.strip()))
            if p.poll() is not None:
                raise fl.Fail("%s: the import ended before the restart was over; the test "
                              "proves nothing (make the file bigger)" % what)
            faults.append("restart at %d rows" % seen)
        else:
            for frac in (0.1, 0.4, 0.7):
                if not wait_rows(p, counter, max(1, int(total * frac))):
                    break
                n = 0
                for _ in range(50):  # between reconnects there may be none
                    n = int(fl.pg_sql(db, TERMINATE).stdout.strip() or 0)
                    if n or p.poll() is not None:
                        break
                    time.sleep(0.01)
                faults.append("terminated %d at %d rows" % (n, counter()))
            if not faults or all(f.startswith("terminated 0") for f in faults):
                raise fl.Fail("%s: no connection of the importer was terminated (%s)"
                              % (what, faults))
        p.wait(timeout=300)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    out.seek(0), err.seek(0)
    so, se = out.read(), err.read()
    what += " after " + ", ".join(faults)
    if p.returncode != 0:
        raise fl.Fail("%s: exit %d, want 0 (the import must recover by itself)\n  stderr: %s"
                      % (what, p.returncode, se.strip()[-800:]))
    fl.compare(fl.pg_rows(db), exp["good"], what)
    fl.check_stats(fl.last_json(so), exp, what)
    fl.check_rejects(rej, exp["rejects"], what)
    st = fl.pg_sql(db, "select string_agg(status, ',') from sheetload_imports").stdout.strip()
    if st != "completed":
        raise fl.Fail("%s: sheetload_imports status is '%s', want 'completed'" % (what, st))
    fl.log("%s: ok, %s" % (name, ", ".join(faults)))


def main():
    db, work, pgtest = sys.argv[1], sys.argv[2], sys.argv[3]
    san = bool(os.environ.get("SL_SANITIZE"))
    big = fl.gen(work, 6000 if san else 20000, 40, 11, "big")
    small = fl.gen(work, 1500 if san else 3000, 30, 12, "small")
    eb, es = fl.expected(big), fl.expected(small)
    cases = [
        ("restart-copy", "copy", 50, 2, big, eb, "restart"),
        ("restart-batch", "batch", 100, 3, big, eb, "restart"),
        ("restart-sequential", "sequential", 100, 1, small, es, "restart"),
        ("restart-concurrent", "concurrent", 7, 3, small, es, "restart"),
        ("terminate-copy", "copy", 50, 3, big, eb, "terminate"),
        ("terminate-batch", "batch", 100, 2, big, eb, "terminate"),
        ("terminate-sequential", "sequential", 100, 1, small, es, "terminate"),
        ("terminate-concurrent", "concurrent", 7, 3, small, es, "terminate"),
    ]
    only = os.environ.get("SL_FAULT_CASE")
    failed = []
    for c in cases:
        if only and c[0] != only:
            continue
        try:
            case(c[0], c[1], c[2], c[3], c[4], c[5], db, work, c[6], pgtest)
        except fl.Fail as e:
            failed.append(c[0])
            fl.log("%s: FAILED\n%s" % (c[0], e))
    fl.log("summary: %d cases, %d failed %s (SL_FAULT_CASE=NAME runs one)"
           % (len(cases) if not only else 1, len(failed), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except fl.Fail as e:
        fl.log("FAIL: %s" % e)
        sys.exit(1)

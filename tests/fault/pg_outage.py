# pg_outage.py - the server goes away under a running import: a fast restart
# of the whole cluster (pg_ctl restart -m fast), a stop with 2 s of no server
# before the start, or pg_terminate_backend of the importer's connections
# (three times). The import must finish by itself with exit 0, and the table
# must hold every good row exactly once.
# Usage: pg_outage.py DBURL WORKDIR PGTEST_SCRIPT   (SL_PG_DIR: the cluster,
# which must be this test's own: it is restarted)
import os
import signal
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
        time.sleep(0.005)
    return False


def pg_ctl(action):
    """pg_ctl on this test's own cluster, as its owner (scripts/pg-test.sh
    has no stop that keeps the data)."""
    d = os.environ["SL_PG_DIR"]
    pgbin = os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin")
    cmd = [pgbin + "/pg_ctl", "-D", d + "/data", "-l", d + "/server.log", "-w", "-t", "60"]
    cmd += ["-m", "fast", "stop"] if action == "stop" else ["start"]
    if os.getuid() == 0:
        cmd = ["runuser", "-u", open(d + "/.owner").read().strip(), "--"] + cmd
    r = fl.run(cmd)
    if r.returncode != 0:
        raise fl.Fail("pg_ctl %s failed: %s %s" % (action, r.stdout.strip(), r.stderr.strip()))


def case(name, method, batch, workers, data, exp, db, work, fault, pgtest, poller):
    """fault: "restart" (pg_ctl restart -m fast), "down" (stop, 2 s with no
    server, start) or "terminate" (pg_terminate_backend, three times). The
    importer is frozen (SIGSTOP) from the moment the rows show the import is
    under way until the fault is in place, so the fault always lands in the
    middle of the import, however fast the machine; then it runs on
    (SIGCONT) and meets closed connections and, for "down", no server."""
    fl.pg_reset(db)
    rej = os.path.join(work, name + ".rejects.csv")
    cmd = fl.import_cmd(data["csv"], db, method, batch, workers, rej)
    what = "%s (%s)" % (name, fl.shell_quote(cmd))
    total = sum(exp["good"].values())
    out = open(os.path.join(work, name + ".out"), "w+")
    err = open(os.path.join(work, name + ".err"), "w+")
    p = subprocess.Popen(cmd, stdout=out, stderr=err, universal_newlines=True)
    faults = []
    try:
        points = (0.2,) if fault in ("restart", "down") else (0.1, 0.4, 0.7)
        for frac in points:
            if not wait_rows(p, poller.count, max(1, int(total * frac))):
                break
            p.send_signal(signal.SIGSTOP)
            try:
                seen = poller.count()
                if fault == "restart":
                    r = fl.run([pgtest, "restart"])
                    if r.returncode != 0:
                        raise fl.Fail("%s: pg restart failed: %s" % (what, r.stderr.strip()))
                    faults.append("restart at %d rows" % seen)
                elif fault == "down":
                    poller.close()
                    pg_ctl("stop")
                    p.send_signal(signal.SIGCONT)
                    time.sleep(2.0)
                    pg_ctl("start")
                    faults.append("server down 2 s at %d rows" % seen)
                else:
                    n = int(fl.pg_sql(db, TERMINATE).stdout.strip() or 0)
                    faults.append("terminated %d at %d rows" % (n, seen))
                    if n == 0:
                        raise fl.Fail("%s: no connection of the importer to terminate" % what)
            finally:
                p.send_signal(signal.SIGCONT)
        if not faults:
            raise fl.Fail("%s: the import ended before the fault could be injected; the test "
                          "proves nothing (make the file bigger)" % what)
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
    big = fl.gen(work, 4000 if san else 10000, 40, 11, "big")
    small = fl.gen(work, 1000 if san else 2000, 20, 12, "small")
    eb, es = fl.expected(big), fl.expected(small)
    cases = [
        ("restart-copy", "copy", 50, 2, big, eb, "restart"),
        ("restart-batch", "batch", 100, 3, big, eb, "restart"),
        ("restart-sequential", "sequential", 100, 1, small, es, "restart"),
        ("restart-concurrent", "concurrent", 7, 3, small, es, "restart"),
        ("down-copy", "copy", 50, 2, big, eb, "down"),
        ("down-sequential", "sequential", 100, 1, small, es, "down"),
        ("terminate-copy", "copy", 50, 3, big, eb, "terminate"),
        ("terminate-batch", "batch", 100, 2, big, eb, "terminate"),
        ("terminate-sequential", "sequential", 100, 1, small, es, "terminate"),
        ("terminate-concurrent", "concurrent", 7, 3, small, es, "terminate"),
    ]
    only = os.environ.get("SL_FAULT_CASE")
    poller = fl.PgPoller(db)
    failed = []
    for c in cases:
        if only and c[0] != only:
            continue
        try:
            case(c[0], c[1], c[2], c[3], c[4], c[5], db, work, c[6], pgtest, poller)
        except fl.Fail as e:
            failed.append(c[0])
            fl.log("%s: FAILED\n%s" % (c[0], e))
    poller.close()
    fl.log("summary: %d cases, %d failed %s (SL_FAULT_CASE=NAME runs one)"
           % (len(cases) if not only else 1, len(failed), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except fl.Fail as e:
        fl.log("FAIL: %s" % e)
        sys.exit(1)

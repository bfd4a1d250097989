# concurrent.py - exactly once when importers meet (issue 10). Usage:
#   concurrent.py same pg DBURL WORK     4 importers of one file at once,
#   concurrent.py same sqlite - WORK     rounds over the four methods
#   concurrent.py ddl pg DBURL WORK      4 files at once into an empty database
#   concurrent.py takeover pg DBURL WORK kill -9 of the holder; a --wait takes over
#   concurrent.py fence pg DBURL WORK    the holder's control connection is
#                                        terminated while its writers load
# Nothing waits on time: the holder is stopped at a known point by a gate (a
# trigger that takes a shared advisory lock that the test holds), and every
# wait polls for a condition the test can see (a ledger row, a lock, a log
# line), bounded by a generous limit that only a hang reaches.
# SL_CONC_ROUNDS=N sets the rounds of 'same' and 'ddl'. Standard library only.
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faultlib as fl  # noqa: E402

METHODS = ["copy", "batch", "concurrent", "sequential"]
LIMIT_S = 240 if os.environ.get("SL_SANITIZE") else 90
GATE_KEY = 424242


def wait_until(what, cond, procs=()):
    """Polls cond() until true; fails after LIMIT_S or when one of procs
    exited (the condition can then never come)."""
    t0 = time.monotonic()
    while not cond():
        for p in procs:
            if p.poll() is not None:
                raise fl.Fail("waiting for %s: importer %d exited %s first:\n%s"
                              % (what, p.pid, p.returncode, tail(p)))
        if time.monotonic() - t0 > LIMIT_S:
            raise fl.Fail("waiting for %s: not within %ds" % (what, LIMIT_S))
        time.sleep(0.02)


def tail(p):
    try:
        with open(p.errfile) as f:
            return f.read()[-2000:]
    except (AttributeError, OSError):
        return ""


def start(cmd, work, tag, env=None):
    out = open(os.path.join(work, tag + ".out"), "w")
    err = open(os.path.join(work, tag + ".err"), "w")
    p = subprocess.Popen(cmd, stdout=out, stderr=err, universal_newlines=True,
                         env=dict(os.environ, **(env or {})))
    p.outfile, p.errfile = out.name, err.name
    out.close()
    err.close()
    return p


def finish(p):
    p.wait(timeout=LIMIT_S)
    with open(p.outfile) as f:
        so = f.read()
    with open(p.errfile) as f:
        se = f.read()
    return p.returncode, so, se


def count(target, db):
    return fl.pg_count(db) if target == "pg" else fl.sq_count(db)


def rows(target, db):
    return fl.pg_rows(db) if target == "pg" else fl.sq_rows(db)


# ---- 4 importers, one file -------------------------------------------------

def same(target, db, work):
    nrounds = int(os.environ.get("SL_CONC_ROUNDS", "10"))
    want = {}
    for k in range(nrounds):
        method = METHODS[k % len(METHODS)]
        d = fl.gen(work, 2000, 10, 100 + k, tag="r%d" % k)
        exp = fl.expected(d)
        if target == "pg":
            fl.pg_reset(db)
            dburl = db
        else:
            dburl = os.path.join(work, "r%d.db" % k)
            for ext in ("", "-wal", "-shm"):
                if os.path.exists(dburl + ext):
                    os.remove(dburl + ext)
        want = exp["good"]
        procs = []
        for i in range(4):
            cmd = fl.import_cmd(d["csv"], dburl, method, 100, 2 if target == "pg" else 0,
                                os.path.join(work, "r%d_%d.rejects.csv" % (k, i)))
            procs.append(start(cmd, work, "r%d_%d" % (k, i)))
        res = [finish(p) for p in procs]
        what = "round %d (%s, %s)" % (k, target, method)
        winners = [i for i, r in enumerate(res) if r[0] == 0]
        if len(winners) != 1:
            raise fl.Fail("%s: %d importers exited 0, want exactly 1; exit codes %s\n%s"
                          % (what, len(winners), [r[0] for r in res],
                             "\n".join(r[2][-400:] for r in res)))
        w = winners[0]
        fl.check_stats(fl.last_json(res[w][1]), exp, what + ", the winner")
        for i, (rc, so, se) in enumerate(res):
            if i == w:
                continue
            if rc != 3:
                raise fl.Fail("%s: importer %d exited %d, want 3 (busy or already imported): %s"
                              % (what, i, rc, se.strip()))
            st = fl.last_json(so) or {}
            if st.get("success_count", 0) != 0:
                raise fl.Fail("%s: importer %d exited 3 but reports %s rows inserted"
                              % (what, i, st.get("success_count")))
            if "right now" not in se and "already imported" not in se:
                raise fl.Fail("%s: importer %d: no holder named: %s" % (what, i, se.strip()))
        fl.compare(rows(target, dburl), want, what)
        if target == "sqlite":
            fl.sq_integrity(dburl)
        busy = sum(1 for r in res if "right now" in r[2])
        fl.log("%s: ok (1 inserted %d rows; %d busy, %d already imported)"
               % (what, sum(want.values()), busy, 3 - busy))


# ---- an empty database, 4 files at once --------------------------------------

def ddl(target, db, work):
    nrounds = int(os.environ.get("SL_CONC_ROUNDS", "4"))
    files = [fl.gen(work, 1500, 5, 200 + i, tag="f%d" % i) for i in range(4)]
    exps = [fl.expected(d) for d in files]
    want = sum((e["good"] for e in exps), fl.collections.Counter())
    for k in range(nrounds):
        method = METHODS[k % len(METHODS)]
        fl.pg_reset(db)
        procs = [start(fl.import_cmd(d["csv"], db, method, 250, 2,
                                     os.path.join(work, "f%d.rejects.csv" % i)),
                       work, "d%d_%d" % (k, i), env={"SHEETLOAD_DEFER_MIN_BYTES": "0"})
                 for i, d in enumerate(files)]
        res = [finish(p) for p in procs]
        what = "round %d (%s)" % (k, method)
        for i, (rc, so, se) in enumerate(res):
            if rc != 0:
                raise fl.Fail("%s: import of file %d exited %d: %s" % (what, i, rc, se.strip()))
            fl.check_stats(fl.last_json(so), exps[i], "%s, file %d" % (what, i))
        fl.compare(fl.pg_rows(db), want, what)
        idx = fl.pg_sql(db, "select count(*), count(*) filter (where indisvalid and indisready) "
                            "from pg_index where indrelid = 'businesses'::regclass").stdout.split("|")
        if int(idx[0]) != 7 or int(idx[1]) != 7:
            raise fl.Fail("%s: businesses has %s indexes, %s valid; want 7 and 7"
                          % (what, idx[0].strip(), idx[1].strip()))
        pend = fl.pg_sql(db, "select count(*) from sheetload_deferred_indexes").stdout.strip()
        if pend != "0":
            raise fl.Fail("%s: %s index definitions still deferred" % (what, pend))
        fl.log("%s: ok (4 imports, %d rows, 7 valid indexes)" % (what, sum(want.values())))


# ---- the holder stopped at a gate -------------------------------------------

class Gate:
    """A trigger on businesses that, for connections named 'slgate' (the
    holder's, through PGAPPNAME), lets `free` rows through and then blocks
    each row on a shared advisory lock that this session holds."""

    def __init__(self, db, free):
        fl.pg_sql(db, "create sequence if not exists sl_gate_seq; "
                      "create or replace function sl_gate() returns trigger language plpgsql as $f$ "
                      "begin if current_setting('application_name') = 'slgate' "
                      "and nextval('sl_gate_seq') > %d then "
                      "perform pg_advisory_xact_lock_shared(%d); end if; return new; end $f$; "
                      "create trigger sl_gate before insert on businesses for each row "
                      "execute function sl_gate()" % (free, GATE_KEY))
        self.p = subprocess.Popen(["psql", db, "-XtAq"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  universal_newlines=True, bufsize=1)
        self.p.stdin.write("select 'locked', pg_advisory_lock(%d);\n" % GATE_KEY)
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        if not line.startswith("locked"):
            raise fl.Fail("the gate's session could not take its lock: %r" % line)

    def open(self):
        if self.p:
            self.p.stdin.close()
            self.p.wait()
            self.p = None


def pg_one(db, sql):
    return fl.pg_sql(db, sql).stdout.strip()


def holder_blocked(db):
    return pg_one(db, "select count(*) from pg_locks where locktype = 'advisory' and "
                      "not granted and objid = %d" % GATE_KEY) not in ("", "0")


def create_table(db, work):
    """The businesses table, made by a first import of another file."""
    d = fl.gen(work, 10, 0, 1, tag="seed")
    r = fl.run(fl.import_cmd(d["csv"], db, "copy", 100, 1, os.path.join(work, "seed.rej")))
    if r.returncode != 0:
        raise fl.Fail("seeding the table failed: %s" % r.stderr.strip())
    return fl.pg_rows(db)


def takeover(target, db, work, fence):
    method = "batch"
    fl.pg_reset(db)
    base = create_table(db, work)
    d = fl.gen(work, 2000, 10, 300, tag="tk")
    exp = fl.expected(d)
    gate = Gate(db, 500)
    try:
        holder = start(fl.import_cmd(d["csv"], db, method, 100, 2, os.path.join(work, "h.rej")),
                       work, "holder", env={"PGAPPNAME": "slgate"})
        wait_until("the holder to commit batches and block at the gate",
                   lambda: holder_blocked(db) and pg_one(
                       db, "select count(*) from sheetload_batches where import_id = "
                           "(select max(id) from sheetload_imports)") not in ("", "0"),
                   [holder])
        cmd = fl.import_cmd(d["csv"], db, method, 100, 2, os.path.join(work, "w.rej"),
                            extra=["--wait"])
        cmd.remove("--quiet")  # its notice says when it waits
        waiter = start(cmd, work, "waiter")
        wait_until("the waiter to find the claim held",
                   lambda: "right now" in open(waiter.errfile).read(), [waiter])
        if not fence:
            holder.kill()
            holder.wait()
            gate.open()
        else:
            ctl = pg_one(db, "select l.pid from pg_locks l join pg_stat_activity a on a.pid = l.pid "
                             "where l.locktype = 'advisory' and l.granted and l.mode = "
                             "'ExclusiveLock' and a.application_name = 'slgate'")
            if not ctl.isdigit():
                raise fl.Fail("no control connection of the holder holds a claim: %r" % ctl)
            pg_one(db, "select pg_terminate_backend(%s)" % ctl)
            wait_until("the waiter to take the import over",
                       lambda: pg_one(db, "select count(*) from sheetload_imports where "
                                          "pid = %d" % waiter.pid) not in ("", "0"),
                       [waiter])
            gate.open()
        rc, so, se = finish(waiter)
        if rc != 0:
            raise fl.Fail("the waiter exited %d, want 0 (take over and resume): %s"
                          % (rc, se.strip()))
        st = fl.last_json(so) or {}
        if not st.get("resumed"):
            raise fl.Fail("the waiter did not resume the holder's import: %s" % so.strip())
        fl.check_stats(st, exp, "the waiter")
        if fence:
            hrc, hso, hse = finish(holder)
            if hrc == 0:
                raise fl.Fail("the fenced holder exited 0; want a failure")
            if "lost the claim" not in hse:
                raise fl.Fail("the fenced holder's message does not say it lost its claim: %s"
                              % hse.strip())
            fl.log("fenced holder: exit %d: %s" % (hrc, hse.strip().splitlines()[-1][:200]))
    finally:
        gate.open()
        for p in [locals().get("holder"), locals().get("waiter")]:
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
    want = base + exp["good"]
    fl.compare(fl.pg_rows(db), want, "after the takeover")
    fl.log("%s: ok (%d rows exactly once)" % ("fence" if fence else "takeover",
                                              sum(want.values())))


def main():
    mode, target, db, work = sys.argv[1:5]
    try:
        if mode == "same":
            same(target, db, work)
        elif mode == "ddl":
            ddl(target, db, work)
        elif mode in ("takeover", "fence"):
            takeover(target, db, work, mode == "fence")
        else:
            raise fl.Fail("unknown mode %r" % mode)
    except fl.Fail as e:
        fl.log("FAIL: %s" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

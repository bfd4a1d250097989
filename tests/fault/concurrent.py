# concurrent.py - exactly once when importers meet (issue 10). Usage:
#   concurrent.py same pg DBURL WORK     4 importers of one file at once,
#   concurrent.py same sqlite - WORK     rounds over the four methods
#   concurrent.py ddl pg DBURL WORK      4 files at once into an empty database
#   concurrent.py takeover pg DBURL WORK kill -9 of the holder; a --wait takes over
#   concurrent.py done pg DBURL WORK     the holder completes; a --wait exits 3
#   concurrent.py inflight pg DBURL WORK as fence, the holder's batches in flight
#   concurrent.py inflight-kill pg DBURL WORK  kill -9 of a per-row holder
#                                        (--batch-size 1) with rows in flight
#   concurrent.py fence pg DBURL WORK    the holder's control connection is
#                                        terminated while its writers load
#   concurrent.py serve pg DBURL WORK    two 'sheetload serve' on one database
#   concurrent.py gone pg DBURL WORK     the holder's import row is deleted
#                                        while its writers load (as a server
#                                        crash can lose it: load.md)
# Nothing waits on time: the holder is stopped at a known point by a gate (a
# trigger that takes a shared advisory lock that the test holds), and every
# wait polls for a condition the test can see (a ledger row, a lock, a log
# line), bounded by a generous limit that only a hang reaches.
# SL_CONC_ROUNDS=N sets the rounds of same, ddl and serve (fewer under a
# sanitizer: the same checks, less time). Standard library only.
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

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
    # 10 rounds; under a sanitizer each method once (the same checks, at a
    # fraction of the time), unless SL_CONC_ROUNDS says otherwise.
    nrounds = int(os.environ.get("SL_CONC_ROUNDS",
                                 "4" if os.environ.get("SL_SANITIZE") else "10"))
    want = {}
    for k in range(nrounds):
        method = METHODS[k % len(METHODS)]
        d = fl.gen(work, 1000 if os.environ.get("SL_SANITIZE") else 2000, 10, 100 + k,
                   tag="r%d" % k)
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
    nrounds = int(os.environ.get("SL_CONC_ROUNDS", "2" if os.environ.get("SL_SANITIZE") else "4"))
    files = [fl.gen(work, 1500, 5, 200 + i, tag="f%d" % i) for i in range(4)]
    exps = [fl.expected(d) for d in files]
    want = sum((e["good"] for e in exps), fl.collections.Counter())
    for k in range(nrounds):
        method = METHODS[k % len(METHODS)]
        fl.pg_reset(db)
        procs = [start(fl.import_cmd(d["csv"], db, method, 250, 2,
                                     os.path.join(work, "f%d.rejects.csv" % i),
                                     extra=["--indexes", "defer"]),
                       work, "d%d_%d" % (k, i))
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
    """A trigger on `table` that, for connections named 'slgate' (the
    holder's, through PGAPPNAME), lets `free` rows through and then blocks
    each row on a shared advisory lock that this session holds."""

    def __init__(self, db, free, table="businesses", when="before insert"):
        fl.pg_sql(db, "create sequence if not exists sl_gate_seq; "
                      "create or replace function sl_gate() returns trigger language plpgsql as $f$ "
                      "begin if current_setting('application_name') = 'slgate' "
                      "and nextval('sl_gate_seq') > %d then "
                      "perform pg_advisory_xact_lock_shared(%d); end if; return new; end $f$; "
                      "create trigger sl_gate %s on %s for each row "
                      "execute function sl_gate()" % (free, GATE_KEY, when, table))
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
                      "not granted and objid = %d and database = (select oid from "
                      "pg_database where datname = current_database())"
                  % GATE_KEY) not in ("", "0")


def create_table(db, work):
    """The businesses table, made by a first import of another file."""
    d = fl.gen(work, 10, 0, 1, tag="seed")
    r = fl.run(fl.import_cmd(d["csv"], db, "copy", 100, 1, os.path.join(work, "seed.rej")))
    if r.returncode != 0:
        raise fl.Fail("seeding the table failed: %s" % r.stderr.strip())
    return fl.pg_rows(db)


def start_holder(db, d, method, batch, work):
    """The holder: an import through the gate, returned once it has
    committed batches and blocks there."""
    holder = start(fl.import_cmd(d["csv"], db, method, batch, 2, os.path.join(work, "h.rej")),
                   work, "holder", env={"PGAPPNAME": "slgate"})
    wait_until("the holder to commit batches and block at the gate",
               lambda: holder_blocked(db) and pg_one(
                   db, "select count(*) from sheetload_batches where import_id = "
                       "(select max(id) from sheetload_imports)") not in ("", "0"),
               [holder])
    return holder


def takeover(target, db, work, mode):
    fence = mode in ("fence", "inflight")
    method, batch = "batch", 100
    fl.pg_reset(db)
    base = create_table(db, work)
    d = fl.gen(work, 2000, 10, 300, tag="tk")
    exp = fl.expected(d)
    # inflight: the holder (a per-row method: one statement inserts a row
    # and advances its batch's ledger row) is stopped after that statement
    # wrote both, before it commits, so the takeover happens while those
    # rows are in flight: they commit after it, and the taker must wait for
    # them before it reads the ledger, or it inserts them again.
    # inflight-kill: the same with kill -9 of the holder (its statements
    # stopped at the gate outlive it in their backends and commit when the
    # gate opens, after the taker committed its takeover), --batch-size 1:
    # every row in flight is a batch of its own that the ledger the taker
    # reads must already show as done.
    if mode in ("inflight", "inflight-kill"):
        method = "concurrent"
        gate = Gate(db, 300, "sheetload_batches", "after insert or update")
        if mode == "inflight-kill":
            batch = 1
    else:
        gate = Gate(db, 500)
    try:
        holder = start_holder(db, d, method, batch, work)
        cmd = fl.import_cmd(d["csv"], db, method, batch, 2, os.path.join(work, "w.rej"),
                            extra=["--wait"])
        cmd.remove("--quiet")  # its notice says when it waits
        waiter = start(cmd, work, "waiter")
        wait_until("the waiter to find the claim held",
                   lambda: "right now" in open(waiter.errfile).read(), [waiter])
        if mode == "done":
            gate.open()
            hrc, hso, hse = finish(holder)
            if hrc != 0:
                raise fl.Fail("the holder exited %d, want 0: %s" % (hrc, hse.strip()))
            rc, so, se = finish(waiter)
            if rc != 3 or "already imported" not in se:
                raise fl.Fail("the waiter exited %d, want 3 saying the file was already "
                              "imported: %s" % (rc, se.strip()))
            fl.compare(fl.pg_rows(db), base + exp["good"], "after the holder completed")
            fl.log("wait for a holder that completes: ok (the waiter exits 3)")
            return
        if mode == "inflight-kill":
            holder.kill()
            holder.wait()
            wait_until("the waiter to take the import over",
                       lambda: pg_one(db, "select count(*) from sheetload_imports where "
                                          "pid = %d" % waiter.pid) not in ("", "0"),
                       [waiter])
            gate.open()
        elif not fence:
            holder.kill()
            holder.wait()
            gate.open()
        else:
            ctl = pg_one(db, "select distinct l.pid from pg_locks l join pg_stat_activity a on a.pid = l.pid "
                             "where l.locktype = 'advisory' and l.granted and l.mode = "
                             "'ExclusiveLock' and a.application_name = 'slgate' and "
                             "a.datname = current_database() and l.objid <> %d" % GATE_KEY)
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
    fl.log("%s: ok (%d rows exactly once)" % (mode if mode != "done" else "takeover",
                                              sum(want.values())))


# ---- two servers, one database ---------------------------------------------

def gone(target, db, work):
    """The holder's import row vanishes under it: it must stop with the
    reason (not "another run took it over") and write nothing more."""
    fl.pg_reset(db)
    base = create_table(db, work)
    d = fl.gen(work, 2000, 10, 300, tag="gone")
    gate = Gate(db, 500)
    try:
        holder = start_holder(db, d, "batch", 100, work)
        pg_one(db, "delete from sheetload_batches where import_id = (select max(id) from "
                   "sheetload_imports); delete from sheetload_imports where id = "
                   "(select max(id) from sheetload_imports)")
        before = fl.pg_rows(db)
        gate.open()
        hrc, hso, hse = finish(holder)
        if hrc == 0:
            raise fl.Fail("the holder exited 0 without its import row; want a failure")
        if "no longer in the ledger" not in hse or "took it over" in hse:
            raise fl.Fail("the holder's message does not say its import row is gone: %s"
                          % hse.strip())
        n0, n1, nb = (sum(c.values()) for c in (before, fl.pg_rows(db), base))
        if n1 != n0 or n1 <= nb:
            raise fl.Fail("rows %d before the gate opened, %d after (base %d): the holder "
                          "wrote after its import row was gone" % (n0, n1, nb))
        fl.log("import row gone: exit %d: %s" % (hrc, hse.strip().splitlines()[-1][:200]))
    finally:
        gate.open()
        if locals().get("holder") is not None and holder.poll() is None:
            holder.kill()
            holder.wait()


def http(method, url, path=None):
    """(status, parsed JSON or text) of one request; path = a file to upload
    as the form field 'file'."""
    data, headers = None, {}
    if path:
        b = "slboundary%d" % os.getpid()
        with open(path, "rb") as f:
            body = f.read()
        data = (("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
                 "Content-Type: text/csv\r\n\r\n" % (b, os.path.basename(path))).encode()
                + body + ("\r\n--%s--\r\n" % b).encode())
        headers["Content-Type"] = "multipart/form-data; boundary=" + b
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=LIMIT_S) as r:
            code, text = r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        code, text = e.code, e.read().decode()
    try:
        return code, json.loads(text)
    except ValueError:
        return code, text


class Server:
    def __init__(self, db, work, node, env=None):
        self.log = os.path.join(work, node + ".log")
        updir = os.path.join(work, node + ".up")
        with open(self.log, "w") as err:
            self.p = subprocess.Popen([fl.sheetload(), "serve", "--listen", "127.0.0.1:0",
                                       "--db", db, "--node", node, "--max-jobs", "4",
                                       "--upload-dir", updir, "--shutdown-timeout", "1s"],
                                      stdout=subprocess.DEVNULL, stderr=err,
                                      env=dict(os.environ, **(env or {})))
        self.url = None
        self.p.errfile = self.log

        def listening():
            with open(self.log) as f:
                for line in f:
                    if line.startswith("sheetload: listening on "):
                        self.url = line.split()[-1]
            return self.url is not None
        wait_until("server %s to listen" % node, listening, [self.p])

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
        rc = self.p.wait(timeout=LIMIT_S)
        if rc != 0:
            raise fl.Fail("server %s exited %d after SIGTERM:\n%s" % (self.url, rc, tail(self.p)))


def both_at_once(calls):
    """Runs the (method, url, path) calls on threads at once; their results."""
    res = [None] * len(calls)

    def one(i):
        res[i] = http(*calls[i])
    th = [threading.Thread(target=one, args=(i,)) for i in range(len(calls))]
    for t in th:
        t.start()
    for t in th:
        t.join()
    return res


def serve(target, db, work):
    fl.pg_reset(db)
    a = Server(db, work, "alpha", env={"PGAPPNAME": "slgate"})
    b = Server(db, work, "beta")
    try:
        serve_checks(db, work, a, b)
    finally:
        for srv in (a, b):
            if srv.p.poll() is None:
                srv.p.kill()
                srv.p.wait()
    fl.log("serve: ok")


def serve_checks(db, work, a, b):
    for srv, name in ((a, "alpha"), (b, "beta")):
        code, body = http("GET", srv.url + "/health")
        if code != 200 or body.get("node") != name:
            raise fl.Fail("GET /health on %s: %s %r, want 200 naming node %r"
                          % (srv.url, code, body, name))
    # An empty database: 4 different files at once, two to each node, all
    # 200 (no CREATE TABLE race answered as 422).
    files = [fl.gen(work, 1000, 5, 700 + i, tag="e%d" % i) for i in range(4)]
    exps = [fl.expected(d) for d in files]
    res = both_at_once([("POST", (a, b)[i % 2].url + "/upload", d["csv"])
                        for i, d in enumerate(files)])
    for i, (code, body) in enumerate(res):
        if code != 200:
            raise fl.Fail("empty database, 4 files at once: file %d answered %s %r"
                          % (i, code, body))
        fl.check_stats(body["stats"], exps[i], "empty database, file %d" % i)
    want = sum((e["good"] for e in exps), fl.collections.Counter())
    fl.compare(fl.pg_rows(db), want, "empty database, 4 files at once")
    fl.log("empty database, 4 files at once to two nodes: ok (4 x 200)")
    # One node, the same new file 4 times at once: one 200, three 409.
    d = fl.gen(work, 2000, 10, 800, tag="four")
    exp = fl.expected(d)
    res = both_at_once([("POST", a.url + "/upload", d["csv"])] * 4)
    codes = sorted(r[0] for r in res)
    if codes != [200, 409, 409, 409]:
        raise fl.Fail("the same file 4 times at once to one node answered %s: %r" % (codes, res))
    want += exp["good"]
    fl.compare(fl.pg_rows(db), want, "the same file 4 times at once to one node")
    fl.log("one node, the same file 4 times at once: ok (200 + 3 x 409)")
    last = None
    for k in range(int(os.environ.get("SL_CONC_ROUNDS", "3" if os.environ.get("SL_SANITIZE") else "5"))):
        d = fl.gen(work, 2000, 10, 500 + k, tag="s%d" % k)
        exp = fl.expected(d)
        res = both_at_once([("POST", a.url + "/upload", d["csv"]),
                            ("POST", b.url + "/upload", d["csv"])])
        what = "round %d" % k
        codes = sorted(r[0] for r in res)
        if codes != [200, 409]:
            raise fl.Fail("%s: the same file uploaded to both servers at once answered %s, want "
                          "one 200 and one 409: %r" % (what, codes, res))
        ok = [r[1] for r in res if r[0] == 200][0]
        no = [r[1] for r in res if r[0] == 409][0]
        fl.check_stats(ok["stats"], exp, what + ", the 200")
        lid = ok["stats"]["import_id"]
        if "running_import" in no:
            if no["running_import"] != lid or no.get("location") != "/imports/%d" % lid:
                raise fl.Fail("%s: the 409 names import %r at %r; the 200 was import %d"
                              % (what, no["running_import"], no.get("location"), lid))
        elif "already imported" not in no.get("error", ""):
            raise fl.Fail("%s: the 409 says neither who runs it nor that it was imported: %r"
                          % (what, no))
        want += exp["good"]
        fl.compare(fl.pg_rows(db), want, what)
        fl.log("%s: ok (200 + 409%s)" % (what, ", running" if "running_import" in no else ""))
        last = (lid, exp)
    # A ledger id works on every node.
    lid, exp = last
    for srv in (a, b):
        code, body = http("GET", "%s/imports/%d" % (srv.url, lid))
        if code != 200 or body.get("status") != "completed" or \
                body.get("stats", {}).get("success_count") != sum(exp["good"].values()):
            raise fl.Fail("GET /imports/%d on %s: %s %r" % (lid, srv.url, code, body))
        code, text = http("GET", "%s/imports/%d/rejects" % (srv.url, lid))
        nrej = len([ln for ln in str(text).splitlines()[1:] if ln])
        if code != 200 or nrej != len(exp["rejects"]):
            raise fl.Fail("GET /imports/%d/rejects on %s: %s, %d rows, want %d"
                          % (lid, srv.url, code, nrej, len(exp["rejects"])))
    # DELETE on beta stops an import running on alpha, stopped at the gate.
    before = fl.pg_count(db)
    d = fl.gen(work, 12000, 0, 600, tag="big")
    gate = Gate(db, 500)
    try:
        code, body = http("POST", a.url + "/imports?method=batch", d["csv"])
        if code != 202:
            raise fl.Fail("POST /imports on alpha: %s %r" % (code, body))
        job = body["id"]
        wait_until("alpha's import to block at the gate", lambda: holder_blocked(db), [a.p])
        lid = int(pg_one(db, "select max(id) from sheetload_imports"))
        code, body = http("DELETE", "%s/imports/%d" % (b.url, lid))
        if code != 202 or body.get("status") != "cancelling":
            raise fl.Fail("DELETE /imports/%d on beta: %s %r, want 202 cancelling"
                          % (lid, code, body))
    finally:
        gate.open()

    def ended():
        return http("GET", "%s/imports/%d" % (b.url, lid))[1].get("status") != "running"
    wait_until("import %d to stop" % lid, ended, [a.p, b.p])
    code, body = http("GET", "%s/imports/%d" % (b.url, lid))
    done = body.get("stats", {}).get("success_count")
    if body.get("status") != "cancelled" or not isinstance(done, int) or done >= 12000:
        raise fl.Fail("after DELETE on beta, import %d is %r" % (lid, body))
    wait_until("alpha's job %s to end" % job,
               lambda: http("GET", "%s/imports/%s" % (a.url, job))[1].get("status")
               not in ("queued", "running"), [a.p])
    code, jb = http("GET", "%s/imports/%s" % (a.url, job))
    if jb.get("status") != "cancelled":
        raise fl.Fail("alpha's job %s after a DELETE on beta: %r" % (job, jb))
    ledger = int(pg_one(db, "select coalesce(sum(rows_inserted), 0) from sheetload_batches "
                            "where import_id = %d" % lid))
    if fl.pg_count(db) - before != done or ledger != done:
        raise fl.Fail("cancelled import %d: the table gained %d rows, the ledger says %d, "
                      "the statistics %d" % (lid, fl.pg_count(db) - before, ledger, done))
    fl.log("cross-node DELETE: ok (import %d on alpha cancelled from beta after %d rows)"
           % (lid, done))
    a.stop()
    b.stop()


def main():
    mode, target, db, work = sys.argv[1:5]
    try:
        if mode == "same":
            same(target, db, work)
        elif mode == "ddl":
            ddl(target, db, work)
        elif mode == "serve":
            serve(target, db, work)
        elif mode == "gone":
            gone(target, db, work)
        elif mode in ("takeover", "fence", "done", "inflight", "inflight-kill"):
            takeover(target, db, work, mode)
        else:
            raise fl.Fail("unknown mode %r" % mode)
    except fl.Fail as e:
        fl.log("FAIL: %s" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

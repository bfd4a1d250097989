# faultlib.py - shared pieces of the fault-injection tests (tests/t_fault_*.sh):
# generate a file with known bad rows, compute the rows a correct import must
# leave in the table, read the table back (PostgreSQL through psql, SQLite
# through the sqlite3 module), compare as multisets (so a missing row and a
# duplicated row are both caught), and run the importer with a kill -9 at a
# chosen moment. Standard library only.
import collections
import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

COLS = ["name", "category", "phone", "email", "address", "city", "country",
        "website", "description"]
WS = " \t\r\n"


class Fail(Exception):
    """A guarantee did not hold; the message says which and how."""


def log(msg):
    print(msg, flush=True)


def sheetload():
    return os.environ["SHEETLOAD"]


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, **kw)


def gen(outdir, rows, bad, seed, tag="data"):
    """Generates TAG.csv and TAG.xlsx (same seed, same rows) and the bad
    list; returns a dict with their paths."""
    d = {"csv": os.path.join(outdir, tag + ".csv"),
         "xlsx": os.path.join(outdir, tag + ".xlsx"),
         "bad": os.path.join(outdir, tag + ".bad")}
    for fmt in ("csv", "xlsx"):
        cmd = [sheetload(), "gen", "--rows", str(rows), "--bad", str(bad),
               "--seed", str(seed), "--bad-list", d["bad"], "-o", d[fmt]]
        r = run(cmd)
        if r.returncode != 0:
            raise Fail("'%s' failed (exit %d): %s" % (" ".join(cmd), r.returncode,
                                                      r.stderr.strip()))
    return d


def norm(v):
    v = v.strip(WS)
    return v if v != "" else None


def expected(d):
    """From the CSV and the bad list: the rows a correct import leaves in
    the table (a Counter of tuples), the sheet rows that must be rejected,
    the blank rows, and the number of data rows."""
    with open(d["csv"], newline="", encoding="utf-8") as f:
        recs = list(csv.reader(f))
    header = [h.strip(WS).lower() for h in recs[0]]
    if header != COLS:
        raise Fail("generated header is %r, want %r" % (header, COLS))
    bad = set()
    with open(d["bad"], encoding="utf-8") as f:
        for line in f:
            first = line.split(",", 1)[0].strip()
            if first.isdigit():
                bad.add(int(first))
    good, blank, rejects = collections.Counter(), set(), set()
    for i, rec in enumerate(recs[1:]):
        row = i + 2  # sheet row: the header is row 1
        vals = [norm(v) for v in rec] + [None] * (len(COLS) - len(rec))
        if all(v is None for v in vals):
            blank.add(row)
        elif row in bad:
            rejects.add(row)
        else:
            good[tuple(vals[:len(COLS)])] += 1
    if not bad >= blank:
        raise Fail("blank rows %s are not in the bad list" % sorted(blank - bad))
    return {"good": good, "rejects": rejects, "blank": blank,
            "total": len(recs) - 1}


# ---- reading the table back -------------------------------------------------

def pg_sql(db, sql, check=True):
    r = run(["psql", db, "-XtAq", "-v", "ON_ERROR_STOP=1", "-c", sql])
    if check and r.returncode != 0:
        raise Fail("psql: %s: %s" % (sql, r.stderr.strip()))
    return r


def pg_rows(db, table="businesses"):
    sql = ("select coalesce(json_agg(json_build_array(%s)), '[]') from %s"
           % (",".join(COLS), table))
    return collections.Counter(tuple(r) for r in json.loads(pg_sql(db, sql).stdout))


def pg_count(db, table="businesses"):
    r = pg_sql(db, "select count(*) from %s" % table, check=False)
    return int(r.stdout.strip()) if r.returncode == 0 and r.stdout.strip() else 0


class PgPoller:
    """Counts the committed rows of a table through one long-lived psql, a
    few milliseconds a poll (a psql per poll costs tens of milliseconds of
    CPU that the importer then lacks). Reconnects when the server went away;
    a missing table counts 0."""
    FN = ("create schema if not exists sl_fault; "
          "create or replace function sl_fault.nrows(t text) returns bigint language plpgsql "
          "as $f$ declare n bigint; begin execute format('select count(*) from %I', t) into n; "
          "return n; exception when undefined_table then return 0; end $f$")

    def __init__(self, db, table="businesses"):
        self.db, self.table, self.p, self.last = db, table, None, 0
        pg_sql(db, self.FN)

    def _open(self):
        self.p = subprocess.Popen(["psql", self.db, "-XtAq"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  universal_newlines=True, bufsize=1)

    def count(self):
        for _ in range(2):
            if self.p is None or self.p.poll() is not None:
                self._open()
            try:
                self.p.stdin.write("select sl_fault.nrows('%s');\n" % self.table)
                self.p.stdin.flush()
                line = self.p.stdout.readline()
            except (BrokenPipeError, OSError):
                line = ""
            if line.strip().isdigit():
                self.last = int(line)
                return self.last
            self.close()
        return self.last

    def close(self):
        if self.p is not None:
            try:
                self.p.stdin.close()
            except OSError:
                pass
            self.p.kill()
            self.p.wait()
            self.p = None


def pg_reset(db):
    pg_sql(db, "drop schema public cascade; create schema public")


def sq_connect(path):
    return sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=10)


def sq_rows(path, table="businesses"):
    c = sq_connect(path)
    try:
        rows = c.execute("select %s from %s" % (",".join(COLS), table)).fetchall()
    finally:
        c.close()
    return collections.Counter(tuple(r) for r in rows)


def sq_count(path, table="businesses"):
    if not os.path.exists(path):
        return 0
    try:
        c = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=0.05)
        try:
            return c.execute("select count(*) from %s" % table).fetchone()[0]
        finally:
            c.close()
    except sqlite3.Error:
        return 0


def sq_integrity(path):
    r = run(["sqlite3", path, "PRAGMA integrity_check"])
    if r.returncode != 0 or r.stdout.strip() != "ok":
        raise Fail("PRAGMA integrity_check on '%s' says: %s %s"
                   % (path, r.stdout.strip(), r.stderr.strip()))


# ---- comparing -------------------------------------------------------------

def compare(got, want, what):
    """got and want are Counters of row tuples; raises Fail naming the
    missing, extra and duplicated rows."""
    if got == want:
        return
    missing = want - got
    extra = got - want
    dups = [r for r, n in got.items() if n > 1 and want.get(r, 0) < n]
    msg = ["%s: %d rows in the table, %d expected; %d missing, %d extra, %d duplicated"
           % (what, sum(got.values()), sum(want.values()), sum(missing.values()),
              sum(extra.values()), len(dups))]
    for r in list(missing)[:3]:
        msg.append("  missing: %r" % (r[:4],))
    for r in list(extra)[:3]:
        msg.append("  extra (x%d): %r" % (got[r] - want.get(r, 0), r[:4]))
    raise Fail("\n".join(msg))


def rejects_file_rows(path):
    """The sheet rows listed in a rejects file (first column), in order."""
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path, newline="", encoding="utf-8") as f:
        for rec in csv.reader(f):
            if rec and rec[0].strip().isdigit():
                rows.append(int(rec[0]))
    return rows


def check_rejects(path, want, what):
    rows = rejects_file_rows(path)
    if len(rows) != len(set(rows)):
        dup = sorted(r for r, n in collections.Counter(rows).items() if n > 1)
        raise Fail("%s: rows rejected more than once in '%s': %s" % (what, path, dup[:10]))
    if set(rows) != want:
        raise Fail("%s: rejects file '%s' lists rows %s; want %s (missing %s, extra %s)"
                   % (what, path, sorted(rows)[:12], sorted(want)[:12],
                      sorted(want - set(rows))[:10], sorted(set(rows) - want)[:10]))


def last_json(text):
    """The last JSON object printed on stdout (--json), or None."""
    start = text.rfind("\n{")
    s = text[start + 1:] if start >= 0 else text
    s = s[s.find("{"):] if "{" in s else ""
    try:
        return json.loads(s)
    except ValueError:
        try:
            return json.loads(text)
        except ValueError:
            return None


def check_stats(stats, exp, what, xlsx=False):
    """The final statistics must cover the whole file. An xlsx file may hold
    no <row> at all for a blank row (nothing to skip), so there a blank row
    may count as skipped or be absent from the total."""
    if stats is None:
        raise Fail("%s: no JSON statistics on stdout" % what)
    blank = len(exp["blank"])
    if xlsx and stats.get("skipped_blank") == 0:
        blank = 0
    want = {"total_records": exp["total"] - len(exp["blank"]) + blank,
            "success_count": sum(exp["good"].values()),
            "error_count": len(exp["rejects"]),
            "skipped_blank": blank}
    bad = ["%s=%s (want %s)" % (k, stats.get(k), v) for k, v in want.items()
           if stats.get(k) != v]
    if bad:
        raise Fail("%s: statistics wrong: %s" % (what, ", ".join(bad)))


# ---- running the importer --------------------------------------------------

def import_cmd(file, db, method, batch, workers, rejects, extra=()):
    cmd = [sheetload(), "import", file, "--db", db, "--method", method,
           "--batch-size", str(batch), "--rejects", rejects, "--json", "--quiet"]
    if workers:
        cmd += ["--workers", str(workers)]
    return cmd + list(extra)


def shell_quote(cmd):
    import shlex
    return " ".join(shlex.quote(c) for c in cmd)


def run_and_kill(cmd, counter, kill, poll_s=0.025, outfile=None):
    """Runs cmd. kill is None (let it finish), ("rows", N) (kill -9 once
    counter() >= N) or ("time", S) (kill -9 after S seconds). Returns
    (exit code or None if killed, stdout, stderr, rows seen at kill)."""
    out = open(outfile + ".out", "w+") if outfile else subprocess.PIPE
    err = open(outfile + ".err", "w+") if outfile else subprocess.PIPE
    p = subprocess.Popen(cmd, stdout=out, stderr=err, universal_newlines=True)
    killed, seen = False, None
    t0 = time.monotonic()
    while kill is not None and p.poll() is None:
        if kill[0] == "time":
            if time.monotonic() - t0 >= kill[1]:
                seen = counter()
                p.send_signal(signal.SIGKILL)
                killed = True
                break
            time.sleep(min(poll_s, max(0.0, kill[1] - (time.monotonic() - t0))))
        else:
            n = counter()
            if n >= kill[1]:
                p.send_signal(signal.SIGKILL)
                killed, seen = True, n
                break
            time.sleep(poll_s)
    if outfile:
        p.wait()
        out.seek(0), err.seek(0)
        so, se = out.read(), err.read()
        out.close(), err.close()
    else:
        so, se = p.communicate()
    rc = p.returncode
    if killed and rc == -signal.SIGKILL:
        return None, so, se, seen
    return rc, so, se, seen

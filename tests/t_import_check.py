#!/usr/bin/env python3
"""t_import_check.py - checks one import for the t_import*.sh tests: the
table holds exactly the good rows of the generated CSV (compared row by
row), the rejects file lists exactly the bad rows, the statistics add up.

usage: t_import_check.py CSV BADLIST DB REJECTS STATS_JSON [--partial]
DB is a postgres URL or sqlite:PATH. With --partial (a stopped import),
the table must hold exactly success_count rows, each a good row, none twice.
"""
import collections, csv, json, sqlite3, subprocess, sys

COLS = ["name", "category", "phone", "email", "address", "city", "country",
        "website", "description"]
WS = " \t\r\n\v\f"


def fail(msg):
    print("CHECK FAILED: " + msg, file=sys.stderr)
    sys.exit(1)


def norm(v):
    v = v.strip(WS)
    return v if v else None


def main():
    csv_path, bad_path, db, rej_path, stats_path = sys.argv[1:6]
    partial = "--partial" in sys.argv[6:]
    with open(csv_path, newline="", encoding="utf-8") as f:
        recs = list(csv.reader(f))
    bad = set()
    with open(bad_path, encoding="utf-8") as f:
        for line in f:
            first = line.split(",", 1)[0].strip()
            if first.isdigit():
                bad.add(int(first))
    good, blank, rejects = collections.Counter(), set(), set()
    for i, rec in enumerate(recs[1:]):
        row = i + 2
        vals = [norm(v) for v in rec] + [None] * (len(COLS) - len(rec))
        if all(v is None for v in vals):
            blank.add(row)
        elif row in bad:
            rejects.add(row)
        else:
            good[tuple(vals[:len(COLS)])] += 1
    if db.startswith("sqlite:"):
        c = sqlite3.connect(db[7:])
        rows = c.execute("select %s from businesses" % ",".join(COLS)).fetchall()
        c.close()
    else:
        out = subprocess.run(["psql", db, "-XtAq", "-v", "ON_ERROR_STOP=1", "-c",
                              "select coalesce(json_agg(json_build_array(%s)), '[]') from businesses"
                              % ",".join(COLS)], capture_output=True, text=True, check=True).stdout
        rows = json.loads(out)
    got = collections.Counter(tuple(r) for r in rows)
    with open(stats_path, encoding="utf-8") as f:
        text = f.read()
    st = json.loads(text[text.find("{"):])
    if st["total_records"] != st["success_count"] + st["error_count"] + st["skipped_blank"]:
        fail("statistics do not add up: %r" % st)
    if partial:
        extra = got - good
        if extra:
            fail("%d rows in the table are not good rows of the file (or are there twice): %r"
                 % (sum(extra.values()), list(extra)[:2]))
        if sum(got.values()) != st["success_count"]:
            fail("table holds %d rows, statistics say %d inserted"
                 % (sum(got.values()), st["success_count"]))
        return
    if got != good:
        missing, extra = good - got, got - good
        fail("table differs from the expected rows: %d missing, %d extra; e.g. missing %r extra %r"
             % (sum(missing.values()), sum(extra.values()), list(missing)[:1], list(extra)[:1]))
    want = {"total_records": len(recs) - 1, "success_count": sum(good.values()),
            "error_count": len(rejects), "skipped_blank": len(blank)}
    wrong = ["%s=%s (want %s)" % (k, st.get(k), v) for k, v in want.items() if st.get(k) != v]
    if wrong:
        fail("statistics wrong: " + ", ".join(wrong))
    listed = []
    if rejects:
        with open(rej_path, newline="", encoding="utf-8") as f:
            r = list(csv.reader(f))
        if r[0][:3] != ["row", "reason", "sqlstate"]:
            fail("rejects header is %r" % r[0][:3])
        for rec in r[1:]:
            listed.append(int(rec[0]))
            if not rec[1]:
                fail("rejects row %s has no reason" % rec[0])
    if sorted(listed) != sorted(rejects) or len(listed) != len(set(listed)):
        fail("rejects file lists %s, want %s" % (sorted(listed), sorted(rejects)))


main()

# kill_trials.py - kill -9 the importer at random moments, run the same
# command again until it exits 0, then prove the table holds every good row
# exactly once, the rejects are exactly the bad rows and the statistics
# cover the whole file. Seeded: SL_FAULT_SEED=S reruns the same trials,
# SL_FAULT_TRIAL=K runs only trial K of them, SL_FAULT_TRIALS=N sets how
# many. Usage: kill_trials.py pg DBURL WORKDIR | sqlite - WORKDIR
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faultlib as fl  # noqa: E402

METHODS = ["copy", "batch", "concurrent", "sequential"]
BATCHES = [1, 7, 100, 1000]
MAX_RUNS = 8
POLLER = None


def default_trials(target):
    san = os.environ.get("SL_SANITIZE", "")
    if target == "pg":
        return 24 if not san else 8
    return 20 if not san else 6


def plan(rng, k, target):
    """The parameters of trial k, drawn from rng (deterministic per seed)."""
    method = METHODS[k % len(METHODS)]
    batch = BATCHES[(k // len(METHODS)) % len(BATCHES)]
    if method in ("sequential", "concurrent") and batch == 1000 and rng.random() < 0.5:
        batch = 100
    workers = 1 if method == "sequential" or target == "sqlite" else rng.choice([1, 2, 3, 4])
    fmt = "xlsx" if rng.random() < 0.35 else "csv"
    # kills: the first run is always aimed at; each rerun is killed again
    # with probability 0.35 (at most 3 kills per trial)
    extra_kills = 0
    while extra_kills < 2 and rng.random() < 0.35:
        extra_kills += 1
    return {"method": method, "batch": batch, "workers": workers, "fmt": fmt,
            "kills": 1 + extra_kills, "rng_seed": rng.randrange(1 << 30)}


def kill_point(rng, seen, total):
    """Where to kill the next run: mostly after a random number of rows
    committed (polled from the table), sometimes after a random time (which
    also hits start-up: schema, ledger, resume lookup)."""
    if rng.random() < 0.25:
        return ("time", round(rng.uniform(0.0, 0.35), 3))
    lo = seen + 1
    if lo >= total:
        return ("time", round(rng.uniform(0.0, 0.1), 3))
    return ("rows", rng.randint(lo, max(lo, total - 1)))


def trial(k, p, data, exp, target, db, work):
    rng = random.Random(p["rng_seed"])
    if target == "pg":
        fl.pg_reset(db)
        dburl = db
        counter = POLLER.count
    else:
        path = os.path.join(work, "t%d.db" % k)
        for suffix in ("", "-wal", "-shm", "-journal"):
            if os.path.exists(path + suffix):
                os.unlink(path + suffix)
        dburl = "sqlite:" + path
        counter = lambda: fl.sq_count(path)  # noqa: E731
    rej = os.path.join(work, "t%d.rejects.csv" % k)
    if os.path.exists(rej):
        os.unlink(rej)
    cmd = fl.import_cmd(data[p["fmt"]], dburl, p["method"], p["batch"], p["workers"], rej)
    total_good = sum(exp["good"].values())
    kills, seen, history = 0, 0, []
    rc, so, se = None, "", ""
    for runno in range(MAX_RUNS):
        kp = kill_point(rng, seen, total_good) if kills < p["kills"] else None
        rc, so, se, at = fl.run_and_kill(cmd, counter, kp,
                                         outfile=os.path.join(work, "t%d.run%d" % (k, runno)))
        if rc is None:
            kills += 1
            seen = counter()
            history.append("killed(%s %s, rows %s)" % (kp[0], kp[1], seen))
            continue
        history.append("exit %d" % rc)
        if rc in (0, 3):
            break
        raise fl.Fail("trial %d: run %d exited %d after %s\n  command: %s\n  stderr: %s"
                      % (k, runno + 1, rc, ", ".join(history), fl.shell_quote(cmd),
                         se.strip()[-800:]))
    else:
        raise fl.Fail("trial %d: no clean exit after %d runs: %s" % (k, MAX_RUNS, history))
    what = "trial %d (%s)" % (k, ", ".join(history))
    # exit 3: the run that was killed had already marked the import complete
    if rc == 3 and kills == 0:
        raise fl.Fail("%s: refused as already imported on a fresh database: %s"
                      % (what, se.strip()))
    got = fl.pg_rows(db) if target == "pg" else fl.sq_rows(path)
    fl.compare(got, exp["good"], what)
    if target == "sqlite":
        fl.sq_integrity(path)
    # the ledger: one import, completed (a resume continues it, never starts another)
    q = "select status from sheetload_imports order by id"
    if target == "pg":
        st = fl.pg_sql(db, q).stdout.split()
    else:
        c = fl.sq_connect(path)
        st = [r[0] for r in c.execute(q).fetchall()]
        c.close()
    if st != ["completed"]:
        raise fl.Fail("%s: sheetload_imports holds %s, want one 'completed' import" % (what, st))
    if rc == 0:
        fl.check_stats(fl.last_json(so), exp, what, p["fmt"] == "xlsx")
        fl.check_rejects(rej, exp["rejects"], what)
    return kills, ("clean" if kills == 0 else
                   "resumed" if rc == 0 else "already-complete")


def main():
    target, db, work = sys.argv[1], sys.argv[2], sys.argv[3]
    seed = int(os.environ.get("SL_FAULT_SEED") or random.SystemRandom().randrange(1 << 31))
    ntrials = int(os.environ.get("SL_FAULT_TRIALS") or default_trials(target))
    only = os.environ.get("SL_FAULT_TRIAL")
    fl.log("kill trials: target %s, seed %d (rerun with SL_FAULT_SEED=%d; one trial with "
           "SL_FAULT_TRIAL=K), %d trials" % (target, seed, seed, ntrials))
    rng = random.Random(seed)
    rows = 2000 if not os.environ.get("SL_SANITIZE") else 1000
    data = fl.gen(work, rows, 20, seed % 100000 + 1)
    exp = fl.expected(data)
    fl.log("data: %d rows, %d good, %d to reject, %d blank (gen --rows %d --bad 20 --seed %d)"
           % (exp["total"], sum(exp["good"].values()), len(exp["rejects"]), len(exp["blank"]),
              rows, seed % 100000 + 1))
    global POLLER
    if target == "pg":
        POLLER = fl.PgPoller(db)
    plans = [plan(rng, k, target) for k in range(ntrials)]
    outcomes, kills, failures = {}, 0, []
    for k, p in enumerate(plans):
        if only is not None and int(only) != k:
            continue
        desc = "trial %d: %s --batch-size %d --workers %d %s, up to %d kills" % (
            k, p["method"], p["batch"], p["workers"], p["fmt"], p["kills"])
        try:
            n, outcome = trial(k, p, data, exp, target, db, work)
        except fl.Fail as e:
            failures.append(k)
            outcomes["FAILED"] = outcomes.get("FAILED", 0) + 1
            fl.log("%s: FAILED\n%s" % (desc, e))
            continue
        kills += n
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        fl.log("%s: ok, %d kills, %s" % (desc, n, outcome))
    run_n = sum(outcomes.values())
    fl.log("summary: target %s, seed %d, %d trials, %d kills, outcomes %s%s"
           % (target, seed, run_n, kills,
              ", ".join("%s=%d" % kv for kv in sorted(outcomes.items())),
              "; failed trials %s (SL_FAULT_SEED=%d SL_FAULT_TRIAL=K)" % (failures, seed)
              if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except fl.Fail as e:
        fl.log("FAIL: %s" % e)
        sys.exit(1)

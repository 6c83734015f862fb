#!/usr/bin/env python3
"""bench/pg.py -- the PostgreSQL store against SQLite, in the same run on
the same data: what `scripts/bench --backend postgresql` runs.

    scripts/bench --backend postgresql [--contacts 100000] [--repeat 3]
    python3 bench/pg.py --contacts 100000 [--leadrules build/leadrules]

On data from scripts/gen (cached under out/bench/), it starts a throwaway
server (scripts/pg-up, on a free loopback port; stopped at the end) and
times, on a new SQLite file and a new PostgreSQL database each repeat,
alternating the backends: the first `import contacts`, the same import
again (every row an update), `import activities`, `import outcomes`, and
`run bench/policy.lua` (every contact changes), the same run again
(nothing changes: the re-run), `export --json`, `report --json` and
`report --by source --json`.  It prints each step's median wall clock on
both and their ratio, and checks that both exports (after the runs:
scores, stages, grades) and both reports are the same bytes.  The
commands PostgreSQL does not serve yet are not timed: docs/postgresql.md
lists them.  Times are the client's wall clock
(the server's own CPU is another process); results go to
bench/results-pg.json and .md.
"""
import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "bench"))
from realtime import log, timed  # noqa: E402  (the same helpers)

STEPS = [
    ("import contacts (first)", ["import", "contacts", "contacts.csv",
                                 "--map", "Job Title=title"]),
    ("import contacts (again)", ["import", "contacts", "contacts.csv",
                                 "--map", "Job Title=title"]),
    ("import activities", ["import", "activities", "activities.csv"]),
    ("import outcomes", ["import", "outcomes", "outcomes.csv"]),
    ("run", ["run", os.path.join(REPO, "bench", "policy.lua")]),
    ("run again", ["run", os.path.join(REPO, "bench", "policy.lua")]),
    ("export --json", ["export", "--json"]),
    ("report --json", ["report", "--json"]),
    ("report --by source --json", ["report", "--by", "source", "--json"]),
]


def gen(a):
    data = os.path.join(a.work, "pg-%d" % a.contacts)
    if not os.path.exists(os.path.join(data, "outcomes.csv")):
        os.makedirs(data, exist_ok=True)
        timed([sys.executable, os.path.join(REPO, "scripts", "gen"), "--contacts",
               str(a.contacts), "--now", a.now, "--out", data])
    return data


def psql(uri, sql):
    subprocess.run(["psql", "-qX", uri, "-c", sql], check=True,
                   capture_output=True, text=True)


def one_pass(a, data, backend, db, n):
    """Every step on one new database; {step: seconds}, {step: digest of
    its output} for the steps that print data (export, report)."""
    out, digest = {}, {}
    for name, args in STEPS:
        args = [os.path.join(data, x) if x.endswith(".csv") else x for x in args]
        cmd = [a.leadrules, "--db", db] + args
        if a.server_log and backend == "postgresql":    # where a step starts
            psql(db, "SELECT '=== step %s'" % name)
        if args[0] in ("import", "run"):
            out[name], _ = timed(cmd + ["--now", a.now])
            continue
        path = os.path.join(data, "export-%s-%d.json" % (backend, n))
        with open(path, "wb") as f:                   # stdout to a file
            t0 = time.monotonic()
            p = subprocess.run(cmd, stdout=f, stderr=subprocess.PIPE, text=False)
            out[name] = time.monotonic() - t0
        if p.returncode != 0:
            sys.exit("bench: %s failed:\n%s" % (" ".join(cmd), p.stderr[-2000:]))
        with open(path, "rb") as f:
            digest[name] = hashlib.sha256(f.read()).hexdigest()
        os.remove(path)
    return out, digest


def markdown(r):
    lines = ["### PostgreSQL against SQLite (%s contacts, median of %d)" % (
        format(r["contacts"], ","), r["repeat"]), "",
        "| step | SQLite s | PostgreSQL s | PostgreSQL / SQLite |",
        "| --- | ---: | ---: | ---: |"]
    for name, _ in STEPS:
        s, p = r["sqlite"][name], r["postgresql"][name]
        lines.append("| %s | %.2f | %.2f | %.2fx |" % (name, s, p, p / s if s else 0))
    lines += ["", "Exports identical: %s." % ("yes" if r["same_export"] else "**no**")]
    lines += ["Reports identical: %s." % ("yes" if r["same_report"] else "**no**")]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(prog="bench/pg.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--backend", default="postgresql", choices=["postgresql"])
    ap.add_argument("--contacts", type=int, default=100000)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--now", default="2026-11-01")
    ap.add_argument("--leadrules", default=os.path.join(REPO, "build", "leadrules"))
    ap.add_argument("--work", default=os.path.join(REPO, "out", "bench"))
    ap.add_argument("--json", default=os.path.join(REPO, "bench", "results-pg.json"))
    ap.add_argument("--server-log", metavar="FILE",
                    help="log every statement's duration on the server "
                         "(log_min_duration_statement = 0) and keep its log in FILE")
    a = ap.parse_args()
    if not 1 <= a.contacts <= 10000000:
        sys.exit("bench: --contacts must be from 1 to 10,000,000")
    a.work = os.path.abspath(a.work)
    data = gen(a)
    pgdir = tempfile.mkdtemp(prefix="leadrules-bench-pg.")
    up = subprocess.run([os.path.join(REPO, "scripts", "pg-up"), pgdir],
                        capture_output=True, text=True)
    if up.returncode != 0:
        sys.exit("bench: scripts/pg-up failed:\n" + up.stderr[-2000:])
    uri = up.stdout.strip().splitlines()[-1]
    if a.server_log:
        psql(uri, "ALTER SYSTEM SET log_min_duration_statement = 0")
        psql(uri, "SELECT pg_reload_conf()")
    times = {"sqlite": {n: [] for n, _ in STEPS}, "postgresql": {n: [] for n, _ in STEPS}}
    digests, reports = set(), set()
    try:
        for n in range(a.repeat):
            for backend in ("sqlite", "postgresql"):     # alternating
                log("bench: %s, pass %d" % (backend, n + 1))
                if backend == "sqlite":
                    db = os.path.join(data, "pg-bench-%d.db" % n)
                    for f in (db, db + "-wal", db + "-shm"):
                        if os.path.exists(f):
                            os.remove(f)
                else:
                    name = "lr_bench_%d" % n
                    psql(uri, "DROP DATABASE IF EXISTS %s" % name)
                    psql(uri, "CREATE DATABASE %s" % name)
                    db = uri.rsplit("/", 1)[0] + "/" + name
                t, d = one_pass(a, data, backend, db, n)
                digests.add(d["export --json"])
                reports.add(tuple(v for k, v in sorted(d.items()) if k != "export --json"))
                for k, v in t.items():
                    times[backend][k].append(v)
                if backend == "sqlite":
                    for f in (db, db + "-wal", db + "-shm"):
                        if os.path.exists(f):
                            os.remove(f)
    finally:
        if a.server_log and os.path.exists(os.path.join(pgdir, "server.log")):
            shutil.copyfile(os.path.join(pgdir, "server.log"), a.server_log)
        subprocess.run([os.path.join(REPO, "scripts", "pg-down"), pgdir],
                       capture_output=True)
    r = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
         "cores": os.cpu_count(), "contacts": a.contacts, "repeat": a.repeat,
         "same_export": len(digests) == 1, "same_report": len(reports) == 1}
    for b in ("sqlite", "postgresql"):
        r[b] = {k: statistics.median(v) for k, v in times[b].items()}
    md = markdown(r)
    print(md)
    with open(a.json, "w") as f:
        json.dump(r, f, indent=1)
        f.write("\n")
    with open(os.path.splitext(a.json)[0] + ".md", "w") as f:
        f.write(md)
    return 0 if r["same_export"] and r["same_report"] else 1


if __name__ == "__main__":
    sys.exit(main())

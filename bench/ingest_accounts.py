#!/usr/bin/env python3
"""bench/ingest_accounts.py -- what the per-batch account re-evaluation
costs `leadrules ingest`: the same events ingested with examples/abm.lua
(accounts) and with its contact part alone (no account declarations),
alternating, on copies of one database, in the same run.

    python3 bench/ingest_accounts.py [--contacts 100000] [--events 20000]
        [--reps 3] [--leadrules build/leadrules] [--work out/bench-acc]

Data: scripts/gen (contacts keyed by email), their title mapped for the
policy, and one account per email domain (10,366 at 100,000 contacts; a
median of 7 contacts each, the largest 927), imported and run once with
abm.lua.  Events: random contacts, random types (as bench/realtime.py).
Each ingest re-evaluates the touched contacts; with accounts it also
re-evaluates each touched contact's account from all its contacts, once
per batch (docs/realtime.md).  Prints events/s (wall and CPU) and the
ratio; the CPU figure holds better on a shared machine.
"""
import argparse
import csv
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TYPES = ["email_open", "email_click", "page_view", "pricing_view",
         "demo_request", "webinar"]


def sh(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True)


def accounts_csv(contacts, out):
    """One account a domain: employees from its contacts' company size."""
    size, seen = {}, []
    with open(contacts, newline="") as f:
        for r in csv.DictReader(f):
            d = r["Email"].split("@", 1)[1].strip().lower()
            if d not in size:
                seen.append(d)
                size[d] = 0
            try:
                size[d] = max(size[d], int(r["Company Size"] or 0))
            except ValueError:
                pass
    rng = random.Random(7)
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Website", "Employees", "Tier"])
        for d in seen:
            w.writerow([d, size[d], rng.choice([1, 2, 2, 3, 3, 3])])
    return len(seen)


def prepare(a):
    data = os.path.join(a.work, "data")
    base = os.path.join(a.work, "base.db")
    if not os.path.exists(os.path.join(data, "contacts.csv")):
        sh([sys.executable, os.path.join(REPO, "scripts", "gen"), "--contacts",
            str(a.contacts), "--now", a.now, "--out", data])
    n_acc = accounts_csv(os.path.join(data, "contacts.csv"),
                         os.path.join(data, "accounts.csv"))
    with_acc = os.path.join(REPO, "examples", "abm.lua")
    text = open(with_acc).read()
    without = os.path.join(a.work, "abm_contacts_only.lua")
    with open(without, "w") as f:
        f.write(text[:text.index("-- Accounts ---")])
    if not os.path.exists(base):
        lr = [a.leadrules, "--db", base]
        sh(lr + ["import", "contacts", os.path.join(data, "contacts.csv"),
                 "--map", "Job Title=title"])
        sh(lr + ["import", "activities", os.path.join(data, "activities.csv")])
        sh(lr + ["import", "outcomes", os.path.join(data, "outcomes.csv")])
        sh(lr + ["import", "accounts", os.path.join(data, "accounts.csv")])
        sh(lr + ["run", with_acc, "--now", a.now, "--no-outbox"])
    keys = sh(["sqlite3", base, "SELECT key FROM contacts"]).stdout.split()
    rng = random.Random(a.seed)
    events = os.path.join(a.work, "events.ndjson")
    with open(events, "w") as f:
        for _ in range(a.events):
            f.write(json.dumps({"contact": rng.choice(keys),
                                "type": rng.choice(TYPES)}) + "\n")
    return base, events, {"accounts": with_acc, "contacts only": without}, n_acc


def ingest(a, base, events, policy):
    db = os.path.join(a.work, "ingest.db")
    for s in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(db + s):
            os.remove(db + s)
    shutil.copyfile(base, db)
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    p = sh([a.leadrules, "--db", db, "ingest", policy, events, "--now", a.now,
            "--batch", str(a.batch)])
    wall = time.monotonic() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
    acc = sh(["sqlite3", db, "SELECT count(*) FROM outbox WHERE kind LIKE "
              "'account_%'"]).stdout.strip()
    return wall, cpu, p.stdout.strip(), acc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--contacts", type=int, default=100000)
    ap.add_argument("--events", type=int, default=20000)
    ap.add_argument("--batch", type=int, default=10000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--now", default="2026-11-01")
    ap.add_argument("--leadrules", default=os.path.join(REPO, "build", "leadrules"))
    ap.add_argument("--work", default=os.path.join(REPO, "out", "bench-acc"))
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    base, events, policies, n_acc = prepare(a)
    print("%d contacts, %d accounts, %d events, --batch %d" %
          (a.contacts, n_acc, a.events, a.batch), flush=True)
    got = {k: [] for k in policies}
    for i in range(a.reps):
        order = list(policies) if i % 2 == 0 else list(policies)[::-1]
        for name in order:
            wall, cpu, summary, acc = ingest(a, base, events, policies[name])
            got[name].append((wall, cpu))
            print("%-13s %6.2f s wall %6.2f s CPU  %s; %s account outbox rows" %
                  (name, wall, cpu, summary, acc), flush=True)
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
           for k, v in got.items()}
    for k, (w, c) in med.items():
        print("%-13s median %.2f s wall (%.0f events/s), %.2f s CPU (%.0f events/s)"
              % (k, w, a.events / w, c, a.events / c))
    w1, c1 = med["accounts"]
    w0, c0 = med["contacts only"]
    print("accounts / contacts only: %.2fx the wall time, %.2fx the CPU" %
          (w1 / w0, c1 / c0))


if __name__ == "__main__":
    main()

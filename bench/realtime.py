#!/usr/bin/env python3
"""bench/realtime.py -- how fast are `leadrules ingest` and `leadrules
serve`, as ratios against baselines measured in the same run.

    scripts/bench --realtime [--contacts 100000]      # runs this file
    python3 bench/realtime.py --contacts 100000 [--leadrules build/leadrules]

On data from scripts/gen (cached under out/bench/), imported and run once
with bench/policy.lua, it measures:

  a. `leadrules ingest` of --events NDJSON events (random contacts, --batch
     per transaction, default the command's 10000; and --small-batch, 1000)
     in events/s, against the sqlite3 shell appending the same rows to
     activities (the floor: no evaluation), and against one full
     `leadrules run` of the same database;
  b. `leadrules serve` over loopback with a small load client (http.client,
     keep-alive): one event per POST /v1/events, request to committed
     answer, sequentially (--requests) and from --clients threads at once
     (--per-client each): p50, p99 and requests/s, against GET /healthz (the
     HTTP floor: no database) from the same client; and how many
     transactions the writer made for how many requests (group commit).

The client shares the machine's cores with the server, so the latencies
include its own time.  Results: bench/results-realtime.json and .md.
"""
import argparse
import csv
import http.client
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TYPES = ["email_open", "email_click", "page_view", "pricing_view",
         "demo_request", "webinar"]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def timed(cmd, **kw):
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    dt = time.monotonic() - t0
    if p.returncode != 0:
        sys.exit("bench: %s failed:\n%s" % (" ".join(cmd), p.stderr[-2000:]))
    return dt, p


def timed_cpu(cmd):
    """timed(), and the command's CPU seconds (user + sys): steadier than
    the wall clock on a machine other work loads."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    dt, p = timed(cmd)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return dt, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime), p


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))] * 1000.0


def prepare(a):
    """Data and a database imported and run once, cached."""
    data = os.path.join(a.work, "rt-%d" % a.contacts)
    base = os.path.join(data, "base.db")
    if not os.path.exists(os.path.join(data, "contacts.csv")):
        os.makedirs(data, exist_ok=True)
        timed([sys.executable, os.path.join(REPO, "scripts", "gen"), "--contacts",
               str(a.contacts), "--now", a.now, "--out", data])
    if not os.path.exists(base):
        tmp = base + ".tmp"
        for f in (tmp, tmp + "-wal", tmp + "-shm"):
            if os.path.exists(f):
                os.remove(f)
        timed([a.leadrules, "--db", tmp, "import", "contacts",
               os.path.join(data, "contacts.csv"), "--map", "Job Title=title"])
        timed([a.leadrules, "--db", tmp, "import", "activities",
               os.path.join(data, "activities.csv")])
        timed([a.leadrules, "--db", tmp, "run", a.policy, "--now", a.now])
        subprocess.run(["sqlite3", tmp, "PRAGMA wal_checkpoint(TRUNCATE)"],
                       capture_output=True)
        os.rename(tmp, base)
    with open(os.path.join(data, "contacts.csv"), newline="") as f:
        keys = [row["Email"].strip().lower() for row in csv.DictReader(f)]
    return data, base, keys


def copy_db(base, path):
    for f in (path, path + "-wal", path + "-shm"):
        if os.path.exists(f):
            os.remove(f)
    shutil.copyfile(base, path)


def event(rng, keys):
    return {"contact": rng.choice(keys), "type": rng.choice(TYPES)}


def bench_ingest(a, data, base, keys):
    rng = random.Random(a.seed)
    evs = [event(rng, keys) for _ in range(a.events)]
    nd = os.path.join(data, "events.ndjson")
    with open(nd, "w") as f:
        for e in evs:
            f.write(json.dumps(e) + "\n")
    ev_csv = os.path.join(data, "events.csv")
    with open(ev_csv, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["email", "type"])
        for e in evs:
            w.writerow([e["contact"], e["type"]])
    db = os.path.join(data, "ingest.db")
    copy_db(base, db)
    t_small, c_small, p = timed_cpu([a.leadrules, "--db", db, "ingest", a.policy,
                                     nd, "--batch", str(a.small_batch),
                                     "--now", a.now])
    log("bench: " + p.stdout.strip())
    copy_db(base, db)
    t_ingest, c_ingest, p = timed_cpu([a.leadrules, "--db", db, "ingest",
                                       a.policy, nd, "--batch", str(a.batch),
                                       "--now", a.now])
    log("bench: " + p.stdout.strip())
    copy_db(base, db)
    now = int(subprocess.run(["date", "-u", "-d", a.now, "+%s"], capture_output=True,
                             text=True).stdout)
    t_sql, _ = timed(["sqlite3", db, ".import --csv %s ev" % ev_csv,
                      "INSERT INTO activities(contact_id, type, occurred_at) "
                      "SELECT c.id, ev.type, %d FROM ev JOIN contacts c "
                      "ON c.key = ev.email" % now])
    copy_db(base, db)
    t_run, _ = timed([a.leadrules, "--db", db, "run", a.policy, "--now", a.now])
    os.remove(db)
    return {"events": a.events, "batch": a.batch, "seconds": t_ingest,
            "events_per_s": a.events / t_ingest,
            "cpu_seconds": c_ingest, "events_per_cpu_s": a.events / c_ingest,
            "small_batch": a.small_batch, "small_batch_seconds": t_small,
            "small_batch_cpu_seconds": c_small,
            "small_batch_events_per_s": a.events / t_small,
            "sqlite_append_seconds": t_sql, "full_run_seconds": t_run,
            "ratio_vs_sqlite_append": t_sql / t_ingest,
            "ratio_vs_full_run": t_run / t_ingest}


class Client:
    def __init__(self, port, token):
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.h = {"Authorization": "Bearer " + token,
                  "Content-Type": "application/json"}

    def call(self, method, path, body=None):
        t0 = time.monotonic()
        self.c.request(method, path, body=body, headers=self.h)
        r = self.c.getresponse()
        r.read()
        if r.status != 200:
            sys.exit("bench: %s %s: HTTP %d" % (method, path, r.status))
        return time.monotonic() - t0


def load(port, token, keys, n, seed, path):
    rng = random.Random(seed)
    c = Client(port, token)
    out = []
    for _ in range(n):
        if path == "/healthz":
            out.append(c.call("GET", path))
        else:
            out.append(c.call("POST", path, json.dumps(event(rng, keys))))
    return out


def concurrent(port, token, keys, clients, per, path):
    res = [None] * clients
    def work(i):
        res[i] = load(port, token, keys, per, 1000 + i, path)
    th = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    t0 = time.monotonic()
    for t in th:
        t.start()
    for t in th:
        t.join()
    wall = time.monotonic() - t0
    lat = [x for r in res for x in r]
    return lat, wall


def summary(lat, wall=None):
    s = {"requests": len(lat), "p50_ms": pct(lat, 50), "p99_ms": pct(lat, 99)}
    s["per_s"] = len(lat) / (wall if wall else sum(lat))
    return s


def bench_serve(a, data, base, keys):
    db = os.path.join(data, "serve.db")
    copy_db(base, db)
    token = os.path.join(data, "token")
    with open(token, "w") as f:
        f.write("bench-token-0123456789abcdef\n")
    err = open(os.path.join(data, "serve.err"), "w")
    p = subprocess.Popen([a.leadrules, "--db", db, "serve", "--policy", a.policy,
                          "--token-file", token, "--listen", "127.0.0.1:0",
                          "--now", a.now], stdout=subprocess.PIPE, stderr=err,
                         text=True)
    line = p.stdout.readline()
    if not line.startswith("listening on port "):
        sys.exit("bench: serve did not start")
    port, tok = int(line.split()[-1]), "bench-token-0123456789abcdef"
    out = {}
    load(port, tok, keys, 50, 7, "/v1/events")                    # warm up
    out["healthz_sequential"] = summary(load(port, tok, keys, a.requests, 1, "/healthz"))
    out["event_sequential"] = summary(load(port, tok, keys, a.requests, 2, "/v1/events"))
    lat, wall = concurrent(port, tok, keys, a.clients, a.per_client, "/healthz")
    out["healthz_concurrent"] = summary(lat, wall)
    lat, wall = concurrent(port, tok, keys, a.clients, a.per_client, "/v1/events")
    out["event_concurrent"] = summary(lat, wall)
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=60)
    err.close()
    with open(os.path.join(data, "serve.err")) as f:
        for l in f:
            if "stopped after" in l:
                w = l.split()
                out["transactions"], out["requests"] = int(w[4]), int(w[7])
    out["clients"] = a.clients
    os.remove(db)
    return out


def markdown(r):
    i, s = r["ingest"], r["serve"]
    lines = [
        "### Real time (%s contacts, bench/policy.lua)" % format(r["contacts"], ","),
        "",
        "| measure | value | baseline | ratio |",
        "|---|---|---|---|",
        "| ingest %d events (--batch %d) | %.0f events/s (%.2f s); of CPU: %.0f events/s (%.2f s user+sys) | sqlite3 append only: %.2f s | %.2f |"
        % (i["events"], i["batch"], i["events_per_s"], i["seconds"],
           i["events_per_cpu_s"], i["cpu_seconds"],
           i["sqlite_append_seconds"], i["ratio_vs_sqlite_append"]),
        "| ingest vs one full run | %.2f s | full run: %.2f s | %.2f |"
        % (i["seconds"], i["full_run_seconds"], i["ratio_vs_full_run"]),
        "| ingest, --batch %d | %.0f events/s (%.2f s; CPU %.2f s) | --batch %d: %.2f s (CPU %.2f s) | %.2f (CPU %.2f) |"
        % (i["small_batch"], i["small_batch_events_per_s"],
           i["small_batch_seconds"], i["small_batch_cpu_seconds"], i["batch"],
           i["seconds"], i["cpu_seconds"], i["seconds"] / i["small_batch_seconds"],
           i["cpu_seconds"] / i["small_batch_cpu_seconds"]),
    ]
    for mode in ("sequential", "concurrent"):
        e, h = s["event_" + mode], s["healthz_" + mode]
        who = "1 client" if mode == "sequential" else "%d clients" % s["clients"]
        lines.append("| POST /v1/events, %s: p50 / p99 | %.2f / %.2f ms (%.0f req/s) | "
                     "GET /healthz: %.2f / %.2f ms | p99 x%.1f |"
                     % (who, e["p50_ms"], e["p99_ms"], e["per_s"], h["p50_ms"],
                        h["p99_ms"], e["p99_ms"] / h["p99_ms"]))
    if "transactions" in s:
        lines.append("| group commit | %d transactions for %d requests | | %.2f requests each |"
                     % (s["transactions"], s["requests"],
                        s["requests"] / max(1, s["transactions"])))
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--contacts", type=int, default=100000)
    ap.add_argument("--events", type=int, default=50000)
    ap.add_argument("--batch", type=int, default=10000)
    ap.add_argument("--small-batch", type=int, default=1000)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--per-client", type=int, default=250)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--now", default="2026-11-01")
    ap.add_argument("--leadrules", default=os.path.join(REPO, "build", "leadrules"))
    ap.add_argument("--work", default=os.path.join(REPO, "out", "bench"))
    ap.add_argument("--json", default=os.path.join(REPO, "bench", "results-realtime.json"))
    a = ap.parse_args()
    a.policy = os.path.join(REPO, "bench", "policy.lua")
    a.work = os.path.abspath(a.work)
    data, base, keys = prepare(a)
    r = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
         "cores": os.cpu_count(), "contacts": a.contacts}
    log("bench: ingest")
    r["ingest"] = bench_ingest(a, data, base, keys)
    log("bench: serve")
    r["serve"] = bench_serve(a, data, base, keys)
    md = markdown(r)
    print(md)
    with open(a.json, "w") as f:
        json.dump(r, f, indent=1)
        f.write("\n")
    with open(os.path.splitext(a.json)[0] + ".md", "w") as f:
        f.write(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""bench/growth.py -- does every cost grow linearly with the contacts?

    scripts/bench --growth [1000000,3000000] [--order contact|time]
    scripts/bench --growth 2000,4000 --leadrules build/leadrules   # a smoke run

For each size (up to 10,000,000 contacts, ~8 activities each, data from
scripts/gen cached under --work) it builds one database and times each
step once, with peak RSS from /usr/bin/time:

  import contacts, import activities (--order: the log sorted by contact,
  the default, or in time order), import outcomes, run (first), run a day
  later, run --changed a day after that with new activity for 5% of the
  contacts, backtest, report, report --by source, export --json.

It prints each step's wall-clock and CPU time (user + system) per
contact in microseconds and its peak RSS at each size, and their ratio
to the smallest size (CPU time is the steadier one on a shared machine): 1.00 is linear time
(or flat memory); 1.15 means a contact costs 15% more at that size.  Then
the database's bytes per contact, table by table (indexes counted with
their table), from sqlite3's dbstat virtual table, or page counts when
the shell lacks it.  Results: bench/results-growth.json and .md (or
--json FILE).

--repeat N runs each size's whole sequence N times and reports the
median per step (the machines are shared; one pass is noisy).  --from
FILE prints the tables of a saved result again.
"""
import argparse
import importlib.machinery
import importlib.util
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAX_CONTACTS = 10000000
DAY = 86400

# Step key, label and command template ({lr}, {db}, {data}, {acts},
# {policy}, {now}, {now1}, {now2}, {day_csv}).
STEPS = [
    ("import_contacts", "import contacts",
     "{lr} --db {db} import contacts {data}/contacts.csv --map 'Job Title=title'"),
    ("import_activities", "import activities",
     "{lr} --db {db} import activities {acts}/activities.csv"),
    ("import_outcomes", "import outcomes",
     "{lr} --db {db} import outcomes {data}/outcomes.csv"),
    ("run", "run (first)", "{lr} --db {db} run {policy} --now {now}"),
    ("rerun", "run a day later", "{lr} --db {db} run {policy} --now {now1}"),
    ("day_activities", "import 5% new activity",
     "{lr} --db {db} import activities {day_csv} --now {now2i}"),
    ("changed", "run --changed a day later",
     "{lr} --db {db} run {policy} --now {now2} --changed"),
    ("backtest", "backtest", "{lr} --db {db} backtest {policy} --now {now}"),
    ("report", "report", "{lr} --db {db} report --now {now2}"),
    ("report_by", "report --by source", "{lr} --db {db} report --by source --now {now2}"),
    ("export", "export --json", "{lr} --db {db} export --json"),
]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def load_bench():
    """scripts/bench as a module: its measure(), gen() and helpers."""
    path = os.path.join(REPO, "scripts", "bench")
    loader = importlib.machinery.SourceFileLoader("lr_bench", path)
    spec = importlib.util.spec_from_loader("lr_bench", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def parse_sizes(text):
    sizes = []
    for x in text.split(","):
        x = x.strip().replace("_", "")
        if not x:
            continue
        if not x.isdigit() or not 0 < int(x) <= MAX_CONTACTS:
            sys.exit("bench: --growth: %r is not a number of contacts from 1 to %d"
                     % (x, MAX_CONTACTS))
        sizes.append(int(x))
    if not sizes:
        sys.exit("bench: --growth needs at least one size")
    return sorted(set(sizes))


def day_csv(data, path, when):
    """New activity for every 20th contact (5%), an email open at when."""
    import csv
    iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when))
    with open(os.path.join(data, "contacts.csv"), newline="", encoding="utf-8") as f, \
            open(path, "w", newline="") as out:
        r, w = csv.reader(f), csv.writer(out)
        next(r)
        w.writerow(["email", "type", "occurred_at", "value", "campaign"])
        for i, row in enumerate(r):
            if i % 20 == 7:
                w.writerow([row[0].strip().lower(), "email_open", iso, "", ""])


def db_bytes(path):
    """Bytes per table (its indexes included): dbstat, else page counts."""
    q = ("SELECT coalesce(m.tbl_name, d.name), sum(d.pgsize) FROM dbstat AS d "
         "LEFT JOIN sqlite_schema AS m ON m.name = d.name GROUP BY 1 ORDER BY 2 DESC")
    r = subprocess.run(["sqlite3", "-readonly", "-separator", "\t", path, q],
                       capture_output=True, text=True)
    out, how = {}, "dbstat"
    if r.returncode != 0:     # no dbstat: the whole file only
        how = "page_count"
        r = subprocess.run(["sqlite3", "-readonly", "-separator", "\t", path,
                            "SELECT 'all tables', page_count * page_size "
                            "FROM pragma_page_count, pragma_page_size"],
                           capture_output=True, text=True)
    for line in r.stdout.splitlines():
        name, n = line.split("\t")
        out[name] = int(n)
    return out, how


class PgServer:
    """--backend postgresql: a throwaway server (scripts/pg-up on a free
    loopback port, stopped by stop()), a new database per pass, and the
    server's CPU seconds, which the client's /usr/bin/time does not see."""

    def __init__(self, work):
        self.dir = os.path.join(work, "pg")
        shutil.rmtree(self.dir, ignore_errors=True)
        up = subprocess.run([os.path.join(REPO, "scripts", "pg-up"), self.dir],
                            capture_output=True, text=True)
        if up.returncode != 0:
            sys.exit("bench: scripts/pg-up failed:\n" + up.stderr[-2000:])
        self.uri = up.stdout.strip().splitlines()[-1]
        self.pid = int(open(os.path.join(self.dir, "data", "postmaster.pid")).readline())

    def psql(self, uri, sql):
        r = subprocess.run(["psql", "-qAtX", uri, "-c", sql], capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit("bench: psql failed: " + r.stderr[-500:])
        return r.stdout

    def fresh(self, n):
        name = "growth_%d" % n
        self.psql(self.uri, "DROP DATABASE IF EXISTS %s" % name)
        self.psql(self.uri, "CREATE DATABASE %s" % name)
        return self.uri.rsplit("/", 1)[0] + "/" + name

    def server_cpu(self):
        """CPU seconds of the postmaster and every server process, live or
        reaped (the postmaster's cutime/cstime hold the ended backends')."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                f = open("/proc/%s/stat" % pid).read()
            except OSError:
                continue
            rest = f[f.rindex(")") + 2:].split()
            if int(pid) == self.pid:
                total += sum(int(x) for x in rest[11:15])   # utime stime cutime cstime
            elif int(rest[1]) == self.pid:                  # ppid
                total += int(rest[11]) + int(rest[12])
        return total / tick

    def db_bytes(self, uri):
        out = {}
        q = ("SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
             "JOIN pg_namespace s ON s.oid = c.relnamespace WHERE c.relkind = 'r' "
             "AND s.nspname NOT IN ('pg_catalog', 'information_schema') "
             "AND s.nspname NOT LIKE 'pg_toast%'")
        for line in self.psql(uri, q).splitlines():
            name, size = line.split("|")
            out[name] = out.get(name, 0) + int(size)
        return out

    def stop(self):
        subprocess.run([os.path.join(REPO, "scripts", "pg-down"), self.dir],
                       capture_output=True)


class Growth:
    def __init__(self, a, mod):
        self.a, self.mod = a, mod
        self.b = mod.Bench(a)
        self.pg = None

    def one_pass(self, n, data, acts, w):
        a, b = self.a, self.b
        db = os.path.join(w, "growth.db")
        if self.pg:
            db = self.pg.fresh(n)
        else:
            self.mod.rm_db(db)
        t = self.mod.unix(a.now)
        dcsv = os.path.join(w, "day.csv")
        day_csv(data, dcsv, t + 2 * DAY - 3 * 3600)
        fill = dict(lr=shlex.quote(b.lr), db=shlex.quote(db), data=shlex.quote(data),
                    acts=shlex.quote(acts),
                    policy=shlex.quote(os.path.join(REPO, "bench", "policy.lua")),
                    now=str(t), now1=str(t + DAY), now2=str(t + 2 * DAY),
                    now2i=str(t + 2 * DAY - 3600), day_csv=shlex.quote(dcsv))
        st = {}
        for key, label, tmpl in STEPS:
            self.mod.LABELS[key] = label
            prof = self.perf_start(n, key)
            cpu0 = self.pg.server_cpu() if self.pg else None
            st[key] = b.measure(key, shlex.split(tmpl.format(**fill)))
            if self.pg:
                st[key]["server_cpu"] = round(self.pg.server_cpu() - cpu0, 3)
            self.perf_stop(prof)
            if not st[key]["ok"] and key.startswith("import"):
                break
        if self.pg:
            sizes, how = self.pg.db_bytes(db), "pg_total_relation_size"
        else:
            sizes, how = db_bytes(db) if os.path.exists(db) else ({}, None)
        if not self.keeps(n) and not self.pg:
            self.mod.rm_db(db)
        return st, sizes, how

    def keeps(self, n):
        """--keep keeps the largest size's database only."""
        return self.a.keep and n == max(self.sizes)

    def perf_start(self, n, key):
        """--perf DIR: sample the whole machine while one step runs (the
        step is not perf's child, so its CPU time and RSS stay its own);
        `perf report -i DIR/N-STEP.data --comm leadrules` reads it."""
        if not self.a.perf:
            return None
        out = os.path.join(self.a.perf, "%d-%s.data" % (n, key))
        p = subprocess.Popen(["perf", "record", "-a", "-g", "-F", str(self.a.perf_freq),
                              "-o", out], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(0.5)
        return p

    @staticmethod
    def perf_stop(p):
        if p is None:
            return
        p.send_signal(signal.SIGINT)
        try:
            p.wait(timeout=600)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

    def size(self, n):
        a = self.a
        log("\n== %s contacts" % self.mod.fmt_n(n))
        data, info = self.b.gen(n)
        acts = self.b.gen(n, "time")[0] if a.order == "time" else data
        w = os.path.join(a.work, "growth-%d" % n)
        shutil.rmtree(w, ignore_errors=True)
        os.makedirs(w)
        passes = []
        for i in range(a.repeat):
            if a.repeat > 1:
                log("  -- pass %d of %d" % (i + 1, a.repeat))
            passes.append(self.one_pass(n, data, acts, w))
        if self.keeps(n):
            log("  kept %s" % os.path.join(w, "growth.db"))
        else:
            shutil.rmtree(w, ignore_errors=True)
        steps = {}
        for key, _, _ in STEPS:
            tries = [p[0][key] for p in passes if key in p[0]]
            if tries:
                steps[key] = self.mod.median_step(tries)
        return {"contacts": n, "activities": info["activities"],
                "outcomes": info["outcomes"], "steps": steps,
                "bytes": passes[-1][1], "bytes_how": passes[-1][2]}


def per_contact(st, n, what="seconds"):
    return st[what] / n * 1e6 if st.get("ok") and st.get(what) is not None else None


def ratio(v, v0):
    return round(v / v0, 2) if v is not None and v0 else None


def summarize(res):
    """Per-contact time, RSS and their ratios to the smallest size."""
    sizes = res["sizes"]
    small = sizes[0]
    for s in sizes:
        s["per_contact_us"], s["time_ratio"], s["rss_ratio"] = {}, {}, {}
        s["cpu_per_contact_us"], s["cpu_ratio"] = {}, {}
        for key, st in s["steps"].items():
            v = per_contact(st, s["contacts"])
            s["per_contact_us"][key] = None if v is None else round(v, 3)
            st0 = small["steps"].get(key, {})
            c = per_contact(st, s["contacts"], "cpu")
            s["cpu_per_contact_us"][key] = None if c is None else round(c, 3)
            s["cpu_ratio"][key] = ratio(c, per_contact(st0, small["contacts"], "cpu")
                                        if st0 else None)
            s["time_ratio"][key] = ratio(v, per_contact(st0, small["contacts"])
                                         if st0 else None)
            s["rss_ratio"][key] = ratio(st.get("rss_mib") if st.get("ok") else None,
                                        st0.get("rss_mib") if st0.get("ok") else None)


def markdown(res):
    sizes = res["sizes"]
    fmt_n = res["_fmt_n"]
    head = ["step"]
    for s in sizes:
        head += ["%s s" % fmt_n(s["contacts"]), "%s us/contact" % fmt_n(s["contacts"]),
                 "%s CPU us/contact" % fmt_n(s["contacts"]), "%s MiB" % fmt_n(s["contacts"])]
    for s in sizes[1:]:
        head += ["time %s/%s" % (fmt_n(s["contacts"]), fmt_n(sizes[0]["contacts"])),
                 "CPU %s/%s" % (fmt_n(s["contacts"]), fmt_n(sizes[0]["contacts"])),
                 "RSS %s/%s" % (fmt_n(s["contacts"]), fmt_n(sizes[0]["contacts"]))]
    lines = ["## leadrules growth", "",
             "%s; activities %s; %d pass(es) per size, medians; `%s`." % (
                 res["machine"], res["params"]["order"] == "time" and "in time order"
                 or "sorted by contact", res["params"]["repeat"], res["params"]["command"]),
             "Ratios are per-contact time (or peak RSS) at that size over the "
             "smallest size: 1.00 is linear (flat).", "",
             "| " + " | ".join(head) + " |",
             "| --- |" + " ---: |" * (len(head) - 1)]
    labels = {k: l for k, l, _ in STEPS}
    for key, _, _ in STEPS:
        row = [labels[key]]
        for s in sizes:
            st = s["steps"].get(key, {})
            ok = st.get("ok")
            row += ["%.2f" % st["seconds"] if ok else "n/a",
                    "%.2f" % s["per_contact_us"][key] if ok else "n/a",
                    "%.2f" % s["cpu_per_contact_us"][key]
                    if ok and s["cpu_per_contact_us"].get(key) is not None else "n/a",
                    "%.0f" % st["rss_mib"] if ok and st.get("rss_mib") is not None else "n/a"]
        for s in sizes[1:]:
            tr, rr = s["time_ratio"].get(key), s["rss_ratio"].get(key)
            cr = s["cpu_ratio"].get(key)
            row += ["n/a" if tr is None else "%.2fx" % tr,
                    "n/a" if cr is None else "%.2fx" % cr,
                    "n/a" if rr is None else "%.2fx" % rr]
        lines.append("| " + " | ".join(row) + " |")
    # PostgreSQL: the server's own CPU, per contact, and its growth.
    if any(st.get("server_cpu") is not None for s in sizes for st in s["steps"].values()):
        lines += ["", "PostgreSQL server CPU (all its processes) per contact, us, and "
                  "client + server CPU over the smallest size:", "",
                  "| step | " + " | ".join("%s server" % fmt_n(s["contacts"]) for s in sizes)
                  + "".join(" | client+server %s/%s" % (fmt_n(s["contacts"]),
                                                       fmt_n(sizes[0]["contacts"]))
                            for s in sizes[1:]) + " |",
                  "| --- |" + " ---: |" * (2 * len(sizes) - 1)]
        for key, _, _ in STEPS:
            row, both = [labels[key]], []
            for s in sizes:
                st = s["steps"].get(key, {})
                ok = st.get("ok") and st.get("server_cpu") is not None
                row.append("%.2f" % (st["server_cpu"] / s["contacts"] * 1e6) if ok else "n/a")
                both.append((st["server_cpu"] + (st.get("cpu") or 0)) / s["contacts"]
                            if ok else None)
            for v in both[1:]:
                row.append("%.2fx" % (v / both[0]) if v and both[0] else "n/a")
            lines.append("| " + " | ".join(row) + " |")
    # What came from the disk rather than the page cache (blocks the file
    # system read, from /usr/bin/time's %I): a miss costs kernel CPU.
    if any(st.get("disk_read_mib") is not None
           for s in sizes for st in s["steps"].values()):
        lines += ["", "Read from the disk (MiB; the rest came from the page cache) "
                  "and major page faults:", "",
                  "| step | " + " | ".join("%s MiB read | %s major faults" % (
                      fmt_n(s["contacts"]), fmt_n(s["contacts"])) for s in sizes) + " |",
                  "| --- |" + " ---: | ---: |" * len(sizes)]
        for key, _, _ in STEPS:
            row = [labels[key]]
            for s in sizes:
                st = s["steps"].get(key, {})
                row += ["n/a" if st.get("disk_read_mib") is None else
                        "%.0f" % st["disk_read_mib"],
                        "n/a" if st.get("major_faults") is None else
                        "%d" % st["major_faults"]]
            lines.append("| " + " | ".join(row) + " |")
    # Tables under 1% of the largest database go into one row.
    big = sizes[-1]["bytes"]
    total = sum(big.values()) or 1
    tables = [t for t in big if big[t] >= total / 100]
    rest = lambda b: sum(v for t, v in b.items() if t not in tables)
    lines += ["", "Database bytes per contact, by table with its indexes (%s):" % (
        sizes[-1]["bytes_how"] or "n/a"), "",
        "| table | " + " | ".join(fmt_n(s["contacts"]) for s in sizes) + " |",
        "| --- |" + " ---: |" * len(sizes)]
    for t in tables + ["other tables", "total"]:
        row = [t]
        for s in sizes:
            v = (sum(s["bytes"].values()) if t == "total" else
                 rest(s["bytes"]) if t == "other tables" else s["bytes"].get(t))
            row.append("n/a" if v is None else "%.1f" % (v / s["contacts"]))
        lines.append("| " + " | ".join(row) + " |")
    failed = ["%s at %s: %s" % (labels[k], fmt_n(s["contacts"]), st.get("error"))
              for s in sizes for k, st in s["steps"].items() if not st.get("ok")]
    if failed:
        lines += ["", "n/a steps: " + "; ".join(failed)]
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(prog="scripts/bench --growth",
                                 description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n\n".join(__doc__.split("\n\n")[2:]))
    ap.add_argument("--growth", nargs="?", const="1000000,3000000", default="1000000,3000000",
                    metavar="N,N[,N]", help="sizes (default 1000000,3000000; at most 10,000,000)")
    ap.add_argument("--contacts", type=str, help="the same as --growth")
    ap.add_argument("--order", choices=("contact", "time"), default="contact",
                    help="the activity log's order (default: sorted by contact)")
    ap.add_argument("--repeat", type=int, default=1, help="passes per size (median)")
    ap.add_argument("--activities-per-contact", type=float, default=8.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--now", default="2026-11-01")
    ap.add_argument("--leadrules", help="the binary (default: build Release in build/)")
    ap.add_argument("--work", default=os.path.join(REPO, "out", "bench"),
                    help="data and databases (default out/bench)")
    ap.add_argument("--json", default=os.path.join(REPO, "bench", "results-growth.json"))
    ap.add_argument("--regen", action="store_true", help="regenerate cached data")
    ap.add_argument("--timeout", type=int, default=7200, help="seconds per step")
    ap.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite",
                    help="the store (postgresql: a throwaway server from scripts/pg-up; "
                         "the server's CPU time is a column of its own)")
    ap.add_argument("--perf", metavar="DIR",
                    help="record a perf profile of each step as DIR/N-STEP.data")
    ap.add_argument("--perf-freq", type=int, default=49, help="perf samples per second")
    ap.add_argument("--keep", action="store_true",
                    help="keep the largest size's database (WORK/growth-N/growth.db)")
    ap.add_argument("--from", dest="from_json", metavar="JSON",
                    help="print the tables of a saved result again, measure nothing")
    a = ap.parse_args(argv)
    if a.from_json:
        res = json.load(open(a.from_json))
        summarize(res)
        res["_fmt_n"] = load_bench().fmt_n
        print(markdown(res))
        return 0
    if a.repeat < 1:
        sys.exit("bench: --repeat must be at least 1")
    sizes = parse_sizes(a.contacts or a.growth)
    a.work = os.path.abspath(a.work)
    os.makedirs(a.work, exist_ok=True)
    if not shutil.which("sqlite3"):
        sys.exit("bench: needs the sqlite3 shell (scripts/setup installs it)")
    if a.perf:
        if not shutil.which("perf"):
            sys.exit("bench: --perf needs perf (Debian package linux-perf)")
        a.perf = os.path.abspath(a.perf)
        os.makedirs(a.perf, exist_ok=True)
    mod = load_bench()
    g = Growth(a, mod)
    g.sizes = sizes
    if a.backend == "postgresql":
        if a.keep:
            sys.exit("bench: --keep is for the SQLite file")
        g.pg = PgServer(a.work)
    if not g.b.have_time:
        log("bench: %s missing (Debian package `time`): no peak RSS" % mod.TIME)
    g.b.build()
    if not g.b.lr:
        sys.exit("bench: --growth needs a leadrules binary")
    machine = "%s, %d cores, %s GiB; %s" % (mod.cpu_model(), os.cpu_count(), mod.mem_gib(),
                                            g.b.lr_version or "leadrules")
    res = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "machine": machine,
           "params": {"sizes": sizes, "order": a.order, "repeat": a.repeat,
                      "seed": a.seed, "now": a.now, "policy": "bench/policy.lua",
                      "command": "scripts/bench --growth %s%s%s" % (
                          ",".join(map(str, sizes)),
                          " --order time" if a.order == "time" else "",
                          " --repeat %d" % a.repeat if a.repeat > 1 else "")
                      + (" --backend postgresql" if a.backend == "postgresql" else ""),
                      "steps": {k: t for k, _, t in STEPS}},
           "sizes": []}
    try:
        res["sizes"] = [g.size(n) for n in sizes]
    finally:
        if g.pg:
            g.pg.stop()
    res["params"]["backend"] = a.backend
    summarize(res)
    res["_fmt_n"] = mod.fmt_n
    md = markdown(res)
    del res["_fmt_n"]
    print(md)
    os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
    with open(a.json, "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    with open(os.path.splitext(a.json)[0] + ".md", "w") as f:
        f.write(md)
    log("bench: wrote %s and %s" % (a.json, os.path.splitext(a.json)[0] + ".md"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

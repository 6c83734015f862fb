#!/usr/bin/env python3
"""reference.py DB [--by X] [--since T] [--now T] [--stages a,b,c FUNNEL_N]
Every figure of `leadrules report --json`, computed independently: the
tables are read whole with plain SELECTs and everything is worked out in
Python loops (python3 stdlib only), from the definitions in
src/leadrules.h (lr_report).  --stages gives a policy's stage order and
how many of them are funnel stages (as --policy does)."""
import json
import sqlite3
import statistics
import sys

args = sys.argv[1:]
db = args.pop(0)
opt = {}
while args:
    k = args.pop(0)
    if k == "--stages":
        opt["stages"] = args.pop(0).split(",")
        opt["nfunnel"] = int(args.pop(0))
    else:
        opt[k[2:]] = args.pop(0)
by = opt.get("by")
since = int(opt.get("since", 0))
now = int(opt["now"])
con = sqlite3.connect(db)
con.row_factory = sqlite3.Row
contacts = [dict(r) for r in con.execute("SELECT * FROM contacts")]
history = [dict(r) for r in con.execute("SELECT * FROM stage_history")]
assigns = [dict(r) for r in con.execute("SELECT * FROM assignments")]
outcomes = [dict(r) for r in con.execute("SELECT * FROM outcomes")]
members = [dict(r) for r in con.execute("SELECT * FROM segment_members")]

# Groups: each contact's dimension values.
def raw_values(c):
    if by is None:
        return ["(all)"]
    if by == "segment":
        segs = [m["segment"] for m in members if m["contact_id"] == c["id"]]
        return segs or [None]
    v = c[by]
    return [None if v is None else str(v)]

count = {}
for c in contacts:
    for v in raw_values(c):
        count[v] = count.get(v, 0) + 1
named = sorted((v for v in count if v is not None), key=lambda v: (-count[v], v))
kept = named[:25]
groups = list(kept) if by else []
if by and len(named) > 25:
    groups.append("(other)")
if by and None in count:
    groups.append("(none)")
groups.append("(all)")
ALL = len(groups) - 1


def gname(v):
    if v is None:
        return "(none)"
    return v if v in kept or by is None else "(other)"


member_of = {c["id"]: sorted({groups.index(gname(v)) for v in raw_values(c)})
             for c in contacts} if by else {c["id"]: [] for c in contacts}


def gs(cid):
    return member_of[cid] + [ALL]


# Stage order.
by_contact = {}
for h in history:
    by_contact.setdefault(h["contact_id"], []).append(h)
for rows in by_contact.values():
    rows.sort(key=lambda h: (h["at"], h["id"]))
pos = {}
for rows in by_contact.values():
    for k, h in enumerate(rows, 1):
        pos.setdefault(h["to_stage"], []).append(k)
hist_order = sorted(pos, key=lambda s: (min(pos[s]), sum(pos[s]) / len(pos[s]), s))
only_contacts = sorted({c["stage"] for c in contacts if c["stage"]} - set(pos))
if "stages" in opt:
    stages = opt["stages"] + [s for s in hist_order + only_contacts if s not in opt["stages"]]
    pairs = [(opt["stages"][k], opt["stages"][k + 1]) for k in range(opt["nfunnel"] - 1)]
else:
    stages = hist_order + only_contacts
    pairs = sorted({(h["from_stage"], h["to_stage"]) for h in history
                    if h["from_stage"] is not None and h["from_stage"] != h["to_stage"]},
                   key=lambda p: (stages.index(p[0]), stages.index(p[1])))

out = {"by": by, "stage_order": "policy" if "stages" in opt else "history",
       "stages": stages, "groups": groups}

# Funnel.
funnel = [{"group": g, "stages": {s: 0 for s in stages}, "no_stage": 0, "total": 0}
          for g in groups]
for c in contacts:
    for g in gs(c["id"]):
        if c["stage"] is None:
            funnel[g]["no_stage"] += 1
        else:
            funnel[g]["stages"][c["stage"]] += 1
        funnel[g]["total"] += 1
out["funnel"] = funnel

# Conversion.  Through a funnel (--stages) a row passes stage a when it
# enters a, or moves from a funnel stage before a to one after it; moved
# on means reaching any funnel stage after a at that row or later.
# Without one, pairs are direct moves: first entry into a, later entry
# into b.
funnel = opt.get("stages", [])[:opt.get("nfunnel", 0)]
rank = {st: k for k, st in enumerate(funnel)}


def passes(h, a):
    k, t, f = rank[a], rank.get(h["to_stage"]), rank.get(h["from_stage"])
    return t == k or (f is not None and t is not None and f < k < t)


def moved_on(h, a, b):
    if funnel:
        t = rank.get(h["to_stage"])
        return t is not None and t > rank[a]
    return h["to_stage"] == b


conv = []
for g in range(len(groups)):
    for a, b in pairs:
        entered = moved = 0
        for cid, rows in by_contact.items():
            if g not in gs(cid):
                continue
            first = next((h for h in rows if (passes(h, a) if funnel
                                              else h["to_stage"] == a)), None)
            if first is None or first["at"] < since:
                continue
            entered += 1
            if any(moved_on(h, a, b) and (h["at"], h["id"]) >= (first["at"], first["id"])
                   and (funnel or h is not first) for h in rows):
                moved += 1
        conv.append({"group": groups[g], "from": a, "to": b, "entered": entered,
                     "converted": moved, "rate": moved / entered if entered else None})
out["conversion"] = conv

def quantile(v, q):    # interpolated at (n - 1) * q, as numpy's default
    v = sorted(v)
    p = (len(v) - 1) * q
    i = int(p)
    return v[i] + (p - i) * (v[i + 1] - v[i]) if i + 1 < len(v) else v[i]


# Time in stage: zero-second stays are passed through, not in the median.
stays, through = {}, {}
for cid, rows in by_contact.items():
    for h, nxt in zip(rows, rows[1:]):
        if h["at"] < since:
            continue
        for g in gs(cid):
            key = (g, h["to_stage"])
            stays.setdefault(key, [])
            through.setdefault(key, 0)
            if nxt["at"] == h["at"]:
                through[key] += 1
            else:
                stays[key].append(nxt["at"] - h["at"])
out["time_in_stage"] = [
    {"group": groups[g], "stage": s, "stays": len(stays[(g, s)]),
     "median_seconds": statistics.median(stays[(g, s)]) if stays[(g, s)] else None,
     "q1_seconds": quantile(stays[(g, s)], 0.25) if stays[(g, s)] else None,
     "q3_seconds": quantile(stays[(g, s)], 0.75) if stays[(g, s)] else None,
     "passed_through": through[(g, s)]}
    for g in range(len(groups)) for s in stages if (g, s) in stays]

# Handoffs.
hand = {}
for a in assigns:
    if a["at"] < since:
        continue
    due = a["due"]

    def after(h):    # a later time, or the same time in a later run
        return h["at"] > a["at"] or (h["at"] == a["at"] and h["run_id"] is not None
                                     and a["run_id"] is not None
                                     and h["run_id"] > a["run_id"])
    answered = due is not None and (
        any(after(h) and h["at"] <= due for h in by_contact.get(a["contact_id"], []))
        or any(o["contact_id"] == a["contact_id"] and a["at"] <= o["closed_at"] <= due
               for o in outcomes))
    breached = due is not None and due < now and not answered
    for g in gs(a["contact_id"]):
        x = hand.setdefault((g, a["owner"]), [0, 0, 0])
        x[0] += 1
        x[1] += a["due"] is not None
        x[2] += breached
out["handoffs"] = [{"group": groups[g], "owner": o, "handoffs": x[0], "with_sla": x[1],
                    "breached": x[2]} for (g, o), x in sorted(hand.items())]

# Outcomes.
res = []
for g in range(len(groups)):
    rows = [o for o in outcomes if o["closed_at"] >= since and g in gs(o["contact_id"])]
    won = [o for o in rows if o["result"] == "won"]
    lost = [o for o in rows if o["result"] == "lost"]
    amounts = [o["amount"] for o in won if o["amount"] is not None]
    res.append({"group": groups[g], "won": len(won), "lost": len(lost),
                "close_ratio": len(won) / len(rows) if rows else None,
                "average_sale": sum(amounts) / len(amounts) if amounts else None,
                "won_amount": float(sum(amounts)), "sales": len(amounts)})
out["outcomes"] = res

# Grade x engagement.
bands = ["< 0", "0-10", "10-25", "25-50", ">= 50", "none"]


def band(scores):
    e = json.loads(scores).get("engagement") if scores else None
    if e is None:
        return 5
    return 0 if e < 0 else 1 if e < 10 else 2 if e < 25 else 3 if e < 50 else 4


grades = {}
for c in contacts:
    if c["grade"] is not None:
        for g in gs(c["id"]):
            grades.setdefault((g, c["grade"]), [0] * 6)[band(c["scores"])] += 1
out["grade_engagement"] = {"bands": bands, "grades": [
    {"group": groups[g], "grade": k, "contacts": v}
    for (g, k), v in sorted(grades.items())]} if grades else None
# The dashboard.  The cohort: contacts whose history began at or after
# since; each reached every funnel stage up to the furthest it entered.
def top_of(rows):
    return max((rank[h["to_stage"]] for h in rows if h["to_stage"] in rank),
               default=-1)


cohort = {cid: top_of(rows) for cid, rows in by_contact.items()
          if min(h["at"] for h in rows) >= since}
reached = []
for g in range(len(groups)):
    mine = [t for cid, t in cohort.items() if g in gs(cid)]
    reached.append({"group": groups[g], "contacts": len(mine),
                    "stages": {st: sum(t >= k for t in mine)
                               for k, st in enumerate(funnel)}})
out["reached"] = reached
moves = {}
for h in history:
    if h["from_stage"] is not None and h["from_stage"] != h["to_stage"] \
            and h["at"] >= since:
        moves.setdefault((h["from_stage"], h["to_stage"]), set()).add(h["contact_id"])
out["moves"] = [{"from": a, "to": b, "contacts": len(c)}
                for (a, b), c in sorted(moves.items())]

DAY = 86400
first_day = {cid: min(h["at"] for h in by_contact[cid]) // DAY * DAY for cid in cohort}
hand_rows = [a for a in assigns if a["at"] >= since]
days = list(first_day.values()) + [a["at"] // DAY * DAY for a in hand_rows]
monthly = bool(days) and max(days) - min(days) > 26 * 7 * DAY


def bucket(t):
    d = t // DAY
    if not monthly:
        return (d - (d + 3) % 7) * DAY          # the week's Monday
    import datetime
    x = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
    return int(datetime.datetime(x.year, x.month, 1,
                                 tzinfo=datetime.timezone.utc).timestamp())


def buckets(ts):    # every bucket from the first to the last, as labels
    if not ts:
        return []
    import datetime
    out, b = [], bucket(min(ts))
    while b <= bucket(max(ts)):
        out.append(b)
        b = bucket(b + 32 * DAY) if monthly else b + 7 * DAY
    fmt = "%Y-%m" if monthly else "%Y-%m-%d"
    return [(b, datetime.datetime.fromtimestamp(b, datetime.timezone.utc)
             .strftime(fmt)) for b in out]


later = funnel[1:] if len(funnel) > 1 else []
out["trend"] = {"bucket": "month" if monthly else "week", "rows": [
    {"start": label, "contacts": sum(bucket(d) == b for d in first_day.values()),
     "reached": {st: sum(bucket(first_day[c]) == b and t >= k + 1
                         for c, t in cohort.items()) for k, st in enumerate(later)}}
    for b, label in buckets(list(first_day.values()))]}


def is_breached(a):
    return any(x["breached"] for x in [breach_of(a)])


def breach_of(a):
    due = a["due"]

    def after(h):
        return h["at"] > a["at"] or (h["at"] == a["at"] and h["run_id"] is not None
                                     and a["run_id"] is not None
                                     and h["run_id"] > a["run_id"])
    answered = due is not None and (
        any(after(h) and h["at"] <= due for h in by_contact.get(a["contact_id"], []))
        or any(o["contact_id"] == a["contact_id"] and a["at"] <= o["closed_at"] <= due
               for o in outcomes))
    return {"breached": due is not None and due < now and not answered}


out["handoff_trend"] = {"bucket": "month" if monthly else "week", "rows": [
    {"start": label, "handoffs": sum(bucket(a["at"]) == b for a in hand_rows),
     "breached": sum(bucket(a["at"]) == b and is_breached(a) for a in hand_rows)}
    for b, label in buckets([a["at"] for a in hand_rows])]}
small = []
for g in reversed(range(len(groups))):
    for what, n in (("contacts", reached[g]["contacts"]),
                    ("deals", res[g]["won"] + res[g]["lost"]),
                    ("sales", res[g]["sales"])):
        if 0 < n < 30:
            small.append({"group": groups[g], "of": what, "n": n})
out["small_samples"] = small
if history:
    import datetime
    iso = lambda t: datetime.datetime.fromtimestamp(t, datetime.timezone.utc) \
        .strftime("%Y-%m-%dT%H:%M:%SZ")
    out["window"] = {"first": iso(min(h["at"] for h in history)),
                     "last": iso(max(h["at"] for h in history)),
                     "history_rows": len(history)}
json.dump(out, sys.stdout, indent=1)
print()

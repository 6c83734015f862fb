#!/usr/bin/env python3
"""fixture.py > fixture.sql -- the database of the report tests: contacts
with sources, owners, cities (more than 25), segments, grades and score
groups; stage histories over six weeks (several moves in one run, moves
back to nurture and out again, rows inserted out of time order); handoffs
with and without SLA; outcomes, some contacts with two.  Deterministic
(fixed seed); apply it to a database leadrules created."""
import json
import random

rnd = random.Random(61)
T0 = 1790000000                      # 2026-09-22
DAY = 86400
FUNNEL = ["subscriber", "lead", "mql", "sql", "opportunity"]
out = ["ALTER TABLE contacts ADD COLUMN city TEXT;",
       "INSERT INTO fields(name, type, header) VALUES ('city', 'text', 'City');"]
CITIES = [f"city{k:02d}" for k in range(30)]
history, assigns, outcomes, members = [], [], [], []


def q(v):
    if v is None:
        return "NULL"
    if isinstance(v, (int, float)):
        return repr(v)
    return "'" + str(v).replace("'", "''") + "'"


for cid in range(1, 91):
    source = rnd.choice(["web", "web", "ads", "event", "referral", None])
    city = CITIES[cid - 1] if cid <= 30 else CITIES[min(29, int(rnd.expovariate(0.12)))]
    t = T0 + rnd.randint(0, 10) * DAY + rnd.randint(0, 23) * 3600
    stage = None
    path = []
    if cid % 17 != 0:                 # a few contacts never moved
        stage = rnd.choice(["subscriber", "subscriber", "lead"])
        path.append((None, stage, t))
        k = FUNNEL.index(stage)
        while k + 1 < len(FUNNEL) and rnd.random() < 0.65:
            gap = 0 if rnd.random() < 0.2 else rnd.randint(1, 9) * DAY + rnd.randint(0, 5) * 3600
            t += gap
            if rnd.random() < 0.15:   # to nurture and maybe back
                path.append((FUNNEL[k], "nurture", t))
                if rnd.random() < 0.5:
                    t += rnd.randint(1, 6) * DAY
                    path.append(("nurture", FUNNEL[k], t))
                else:
                    break
            path.append((FUNNEL[k], FUNNEL[k + 1], t))
            k += 1
        stage = path[-1][1]
    elif cid % 2:
        stage = "customer"            # set by hand: never in the history
    owner = None
    for (a, b, at) in path:
        history.append((cid, a, b, at))
        if b == "sql":
            owner = rnd.choice(["ana@corp.example", "ben@corp.example", "cy@corp.example"])
            due = None if rnd.random() < 0.2 else at + 2 * DAY
            assigns.append((cid, owner, b, at, due))
    if stage in ("opportunity", "sql") and rnd.random() < 0.8:
        for _ in range(rnd.choice([1, 1, 2])):
            res = "won" if rnd.random() < 0.5 else "lost"
            amount = rnd.choice([None, 1000, 2500.5, 4000, 12000])
            outcomes.append((cid, res, amount, t + rnd.randint(1, 20) * DAY))
    grade = rnd.choice(["A", "B", "C", "D", None])
    scores = None
    if grade:
        groups = {"fit": rnd.randint(0, 40)}
        if rnd.random() < 0.9:
            groups["engagement"] = rnd.choice([-5, 0, 3, 9.5, 10, 24, 25, 49, 50, 80])
        scores = json.dumps(groups)
    for seg in ("enterprise", "students"):
        if rnd.random() < 0.35:
            members.append((seg, cid))
    out.append("INSERT INTO contacts(id, key, email, source, owner, city, stage, "
               "grade, scores) VALUES (%d, %s, %s, %s, %s, %s, %s, %s, %s);" % (
                   cid, q(f"r{cid:03d}@x.example"), q(f"r{cid:03d}@x.example"),
                   q(source), q(owner), q(city), q(stage), q(grade), q(scores)))

rnd.shuffle(history)                  # row ids out of time order
for cid, a, b, at in history:
    out.append("INSERT INTO stage_history(contact_id, from_stage, to_stage, at, "
               "reason) VALUES (%d, %s, %s, %d, 'fixture');" % (cid, q(a), q(b), at))
for cid, owner, st, at, due in assigns:
    out.append("INSERT INTO assignments(contact_id, owner, stage, at, due) VALUES "
               "(%d, %s, %s, %d, %s);" % (cid, q(owner), q(st), at, q(due)))
for cid, res, amount, at in outcomes:
    out.append("INSERT INTO outcomes(contact_id, result, amount, closed_at) VALUES "
               "(%d, %s, %s, %d);" % (cid, q(res), q(amount), at))
for seg, cid in members:
    out.append("INSERT INTO segment_members(segment, contact_id) VALUES (%s, %d);"
               % (q(seg), cid))
print("\n".join(out))

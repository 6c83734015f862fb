#!/usr/bin/env python3
"""reference.py OLD.db NEW.db DIFF.json TOP -- check `leadrules diff --json`
against what real runs wrote: OLD.db and NEW.db are copies of one database
after `leadrules run old.lua` and `leadrules run new.lua` (same --now).
Scores, stages, score parts and stage history are read back with plain
SQL and every figure of the diff is recomputed from them (python3 stdlib).
Prints each mismatch; exit 1 if any."""
import json
import sqlite3
import sys

old_db, new_db, diff_path, top = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
got = json.load(open(diff_path))


def rows(path, q):
    con = sqlite3.connect(path)
    try:
        return con.execute(q).fetchall()
    finally:
        con.close()


old = {i: (k, s, st) for i, k, s, st in rows(old_db, "SELECT id, key, score, stage FROM contacts")}
new = {i: (k, s, st) for i, k, s, st in rows(new_db, "SELECT id, key, score, stage FROM contacts")}
assert old.keys() == new.keys()
want = {"evaluated": len(old)}
deltas = {i: new[i][1] - old[i][1] for i in old}
want["score_changes"] = sum(1 for d in deltas.values() if d != 0)
want["up"] = sum(1 for d in deltas.values() if d > 0)
want["down"] = sum(1 for d in deltas.values() if d < 0)
want["stage_changes"] = sum(1 for i in old if old[i][2].lower() != new[i][2].lower())

stages = got["stages"]
pos = {s.lower(): k for k, s in enumerate(stages)}
matrix = [[0] * len(stages) for _ in stages]
for i in old:
    matrix[pos[old[i][2].lower()]][pos[new[i][2].lower()]] += 1
want["matrix"] = matrix

ds = list(deltas.values())
edges = [(-float("inf"), -100, "(]"), (-100, -50, "(]"), (-50, -20, "(]"),
         (-20, -10, "(]"), (-10, -5, "(]"), (-5, 0, "()"), (0, 0, "[]"),
         (0, 5, "()"), (5, 10, "[)"), (10, 20, "[)"), (20, 50, "[)"),
         (50, 100, "[)"), (100, float("inf"), "[)")]


def inside(d, lo, hi, br):
    return (d > lo if br[0] == "(" else d >= lo) and (d < hi if br[1] == ")" else d <= hi)


want["score_delta"] = {
    "mean": sum(ds) / len(ds), "min": min(ds), "max": max(ds),
    "buckets": [{"contacts": sum(1 for d in ds if inside(d, lo, hi, br))}
                for lo, hi, br in edges]}
assert sum(b["contacts"] for b in want["score_delta"]["buckets"]) == len(ds)

movers = sorted((i for i in old if deltas[i] != 0), key=lambda i: (-abs(deltas[i]), i))[:top]
want["top"] = [{"key": old[i][0], "old_score": old[i][1], "new_score": new[i][1],
                "delta": deltas[i], "old_stage": old[i][2], "new_stage": new[i][2]}
               for i in movers]


def counts(path, q):
    return dict(rows(path, q))


parts_old = counts(old_db, "SELECT rule, count(*) FROM score_parts GROUP BY rule")
parts_new = counts(new_db, "SELECT rule, count(*) FROM score_parts GROUP BY rule")
moves_old = counts(old_db, "SELECT transition, count(*) FROM stage_history "
                           "WHERE transition IS NOT NULL AND run_id = (SELECT max(id) FROM runs) "
                           "GROUP BY transition")
moves_new = counts(new_db, "SELECT transition, count(*) FROM stage_history "
                           "WHERE transition IS NOT NULL AND run_id = (SELECT max(id) FROM runs) "
                           "GROUP BY transition")
errs = []
for r in got["rules"]:
    if r["old_fired"] is not None and r["old_fired"] != parts_old.get(r["name"], 0):
        errs.append(f"rule {r['name']}: old fired {r['old_fired']}, runs wrote {parts_old.get(r['name'], 0)} parts")
    if r["new_fired"] is not None and r["new_fired"] != parts_new.get(r["name"], 0):
        errs.append(f"rule {r['name']}: new fired {r['new_fired']}, runs wrote {parts_new.get(r['name'], 0)} parts")
for t in got["transitions"]:
    if t["old_moves"] is not None and t["old_moves"] != moves_old.get(t["name"], 0):
        errs.append(f"transition {t['name']}: old moves {t['old_moves']} != {moves_old.get(t['name'], 0)}")
    if t["new_moves"] is not None and t["new_moves"] != moves_new.get(t["name"], 0):
        errs.append(f"transition {t['name']}: new moves {t['new_moves']} != {moves_new.get(t['name'], 0)}")

# Contacts that change stage: every one in id order (the test lists all),
# the transition of the run's last move for each, and the rules whose
# points differ most (the listed ones carry the runs' points, and no
# unlisted rule differs more than the last listed one).
def last_moves(path):
    out = {}
    for cid, t in rows(path, "SELECT contact_id, transition FROM stage_history "
                             "WHERE transition IS NOT NULL AND run_id = (SELECT max(id) FROM runs) "
                             "ORDER BY id"):
        out[cid] = t
    return out


def parts(path):
    out = {}
    for cid, rule, pts in rows(path, "SELECT contact_id, rule, points FROM score_parts"):
        out.setdefault(cid, {})[rule] = pts
    return out


lm_old, lm_new, pt_old, pt_new = last_moves(old_db), last_moves(new_db), parts(old_db), parts(new_db)
changed = [i for i in sorted(old) if old[i][2].lower() != new[i][2].lower()]
want["stage_changes_listed"] = len(changed)
want["stage_change_list"] = [
    {"key": old[i][0], "old_stage": old[i][2], "new_stage": new[i][2], "old_score": old[i][1],
     "new_score": new[i][1], "old_transition": lm_old.get(i), "new_transition": lm_new.get(i)}
    for i in changed]
for i, c in zip(changed, got.get("stage_change_list", [])):
    po, pn = pt_old.get(i, {}), pt_new.get(i, {})
    diff = {r: pn.get(r, 0) - po.get(r, 0) for r in set(po) | set(pn)}
    diff = {r: d for r, d in diff.items() if d != 0}
    listed = c["rules"]
    if len(listed) != min(3, len(diff)):
        errs.append(f"{c['key']}: {len(listed)} rules listed, {len(diff)} differ")
    for r in listed:
        if r["old_points"] != po.get(r["name"], 0) or r["new_points"] != pn.get(r["name"], 0):
            errs.append(f"{c['key']}: rule {r['name']} points {r} != runs {po.get(r['name'], 0)} -> {pn.get(r['name'], 0)}")
    if listed and len(listed) < len(diff):
        least = min(abs(r["new_points"] - r["old_points"]) for r in listed)
        names = {r["name"] for r in listed}
        if any(abs(d) > least for r, d in diff.items() if r not in names):
            errs.append(f"{c['key']}: a rule not listed differs more than a listed one")


def cmp(e, a, path):
    if isinstance(e, dict):
        for k, v in e.items():
            cmp(v, a.get(k) if isinstance(a, dict) else None, f"{path}.{k}")
    elif isinstance(e, list):
        if not isinstance(a, list) or len(a) != len(e):
            errs.append(f"{path}: expected {e!r}, got {a!r}")
        else:
            for k, (x, y) in enumerate(zip(e, a)):
                cmp(x, y, f"{path}[{k}]")
    elif isinstance(e, float) or isinstance(a, float):
        if a is None or abs(e - a) > 1e-9:
            errs.append(f"{path}: expected {e!r}, got {a!r}")
    elif e != a:
        errs.append(f"{path}: expected {e!r}, got {a!r}")


cmp(want, got, "$")
for e in errs:
    print(e)
print(f"diff checked against the runs: {len(errs)} mismatches")
sys.exit(1 if errs else 0)

#!/usr/bin/env python3
"""outbox_vs_run.py DB RUN.json: the outbox rows of the run that
`leadrules run --json --limit 0` printed to RUN.json must be its decisions,
in the order it lists them (move_list, handoff_list, account_move_list,
account_handoff_list; then any notify rows), ids increasing, each payload
the decision itself.  Prints "ok N" (N rows) or what differs; exit 1."""
import json, sqlite3, sys, datetime

def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc) \
        .strftime("%Y-%m-%dT%H:%M:%SZ")

db, run = sys.argv[1], json.load(open(sys.argv[2]))
def moves(kind, lst):
    return [(kind, m["key"], {"from": m["from"], "to": m["to"],
             "transition": m["transition"], "reason": m["reason"]})
            for m in run.get(lst, [])]
def handoffs(kind, lst):
    return [(kind, h["key"], {"stage": h["stage"], "owner": h["owner"],
             "due": h["due_at"], "at": h["assigned_at"]})
            for h in run.get(lst, [])]
want = (moves("move", "move_list") + handoffs("handoff", "handoff_list") +
        moves("account_move", "account_move_list") +
        handoffs("account_handoff", "account_handoff_list"))
rows = sqlite3.connect(db).execute(
    "SELECT id, kind, key, contact_id, run_id, at, payload FROM outbox "
    "WHERE run_id = ? ORDER BY id", (run["run_id"],)).fetchall()
bad = []
if run["moves_listed"] != run["moves"] or run["handoffs_listed"] != run["handoffs"]:
    bad.append("run --json did not list every decision (use --limit 0)")
notify = [r for r in rows if r[1] == "notify"]
got = [r for r in rows if r[1] != "notify"]
if rows[len(got):] != notify:
    bad.append("a notify row before a move or handoff")
if len(got) != len(want):
    bad.append(f"{len(got)} outbox rows, {len(want)} decisions in run --json")
ids = [r[0] for r in rows]
if ids != sorted(set(ids)):
    bad.append("ids not increasing")
for (id_, kind, key, cid, rid, at, payload), (wk, wkey, fields) in zip(got, want):
    p = json.loads(payload)
    fields = dict(fields)
    assigned = fields.pop("at", iso(run["now"]))
    if assigned != iso(run["now"]):
        bad.append(f"#{id_}: assigned_at {assigned} is not the run's now")
    exp = {"kind": wk, "at": iso(run["now"]), "key": wkey, "run": run["run_id"]}
    exp.update(fields)
    if p != exp:
        bad.append(f"#{id_}: payload {payload} != {json.dumps(exp)}")
    if kind != wk or key != wkey or at != run["now"]:
        bad.append(f"#{id_}: columns {kind} {key} {at}")
    if (cid is None) != wk.startswith("account_"):
        bad.append(f"#{id_}: contact_id {cid} for a {wk}")
    if list(p)[:3] != ["kind", "at", "key"] or list(p)[-1] != "run":
        bad.append(f"#{id_}: members out of order: {list(p)}")
if bad:
    print("\n".join(bad[:20]))
    sys.exit(1)
print(f"ok {len(rows)}")

#!/usr/bin/env python3
"""The backtest test data (contacts.csv) and tests/backtest/policy.lua
mirrored in Python, independently of leadrules.

  dataset.py sql contacts.csv            SQL that loads the contacts and
                                         outcomes into a leadrules database
  dataset.py scored contacts.csv column  CSV of (score, label, stage, rule
  dataset.py scored contacts.csv table   fired bits), the input of
                                         reference.py; label from the
                                         `converted` column or from the
                                         latest row of `outcomes`
"""
import csv
import sys

RULES = ["a", "b", "c", "visits", "half visits", "big", "never"]
STAGES = ["lead", "mql", "sql", "nurture"]


def num(s):
    return None if s == "" else float(s) if "." in s else int(s)


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def q(s):
    return "NULL" if s is None or s == "" else "'" + str(s).replace("'", "''") + "'"


def sql(rows):
    out = ["ALTER TABLE contacts ADD COLUMN a INTEGER;",
           "ALTER TABLE contacts ADD COLUMN b INTEGER;",
           "ALTER TABLE contacts ADD COLUMN c INTEGER;",
           "ALTER TABLE contacts ADD COLUMN visits INTEGER;",
           "ALTER TABLE contacts ADD COLUMN converted INTEGER;",
           "INSERT INTO fields(name, type, header) VALUES ('a','integer','a'),"
           "('b','integer','b'),('c','integer','c'),('visits','integer','visits'),"
           "('converted','integer','Converted');"]
    for i, r in enumerate(rows, 1):
        out.append("INSERT INTO contacts(id,key,a,b,c,visits,company_size,converted)"
                   f" VALUES ({i},{q(r['key'])},{r['a']},{r['b']},{r['c']},"
                   f"{q(r['visits'])},{q(r['company_size'])},{q(r['converted'])});")
        for o in filter(None, r["outcomes"].split(";")):
            res, at, amount = o.split("@")
            out.append("INSERT INTO outcomes(contact_id,result,amount,closed_at)"
                       f" VALUES ({i},{q(res)},{q(amount)},{at});")
    return "\n".join(out) + "\n"


def label_of_column(v):
    v = v.strip().lower()
    if v in ("1", "yes", "true", "won"):
        return 1
    if v in ("0", "no", "false", "lost"):
        return 0
    return None


def label_of_outcomes(s):
    outs = [o.split("@") for o in filter(None, s.split(";"))]
    if not outs:
        return None
    latest = max(outs, key=lambda o: int(o[1]))
    return 1 if latest[0] == "won" else 0


def evaluate(r):
    """Score, fired bits and final stage under policy.lua."""
    a, b, c = int(r["a"]), int(r["b"]), int(r["c"])
    visits = num(r["visits"]) or 0
    size = num(r["company_size"])
    parts = [10 if a == 1 else 0, 5 if b == 1 else 0, -5 if c == 1 else 0,
             min(visits, 8), visits / 2, 7 if size is not None and size >= 1000 else 0,
             0]
    fired = [p != 0 for p in parts]
    score = sum(parts)
    stage = "lead"                      # every contact starts unstaged
    if stage == "lead" and score >= 15:
        stage = "mql"
    if stage == "mql" and score >= 25:
        stage = "sql"
    if stage in ("lead", "mql") and score < 0:
        stage = "nurture"
    return score, fired, stage


def scored(rows, mode):
    w = csv.writer(sys.stdout)
    w.writerow(["score", "label", "stage", "rules"])
    for r in rows:
        label = label_of_column(r["converted"]) if mode == "column" \
            else label_of_outcomes(r["outcomes"])
        score, fired, stage = evaluate(r)
        w.writerow([repr(float(score)), "" if label is None else label, stage,
                    "".join("1" if f else "0" for f in fired)])


if __name__ == "__main__":
    rows = read(sys.argv[2])
    if sys.argv[1] == "sql":
        sys.stdout.write(sql(rows))
    else:
        scored(rows, sys.argv[3])

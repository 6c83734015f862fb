#!/usr/bin/env python3
"""bench/baseline.py -- bench/policy.lua as the per-row Python script an ops
person would otherwise write: read the CRM exports into dicts, score each
contact with the 12 rules, move it through the funnel, write the scores.

    python3 bench/baseline.py --data DIR [--now 2026-11-01] [--out scores.csv]

DIR holds contacts.csv and activities.csv from scripts/gen.  Writes
email,score,stage to --out (default DIR/python_scores.csv) and prints a JSON
summary (contacts, score_sum, stages) on stdout, which scripts/bench
compares with the SQL baseline and with leadrules.
"""
import argparse
import csv
import datetime as dt
import json
import sys
from collections import defaultdict

SENIOR = ("VP", "Director", "Head of", "Chief")
TARGET_COUNTRY = {"US", "GB", "DE", "FR", "CA"}
TARGET_INDUSTRY = {"Software", "Financial Services", "Healthcare"}


def parse_now(s):
    if s.isdigit():
        return dt.datetime.fromtimestamp(int(s), dt.timezone.utc)
    d = dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
    return d if d.tzinfo else d.replace(tzinfo=dt.timezone.utc)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--now", default="2026-11-01")
    ap.add_argument("--out")
    a = ap.parse_args()
    now = parse_now(a.now)

    # Load everything, as such scripts do.
    contacts = {}
    with open(a.data + "/contacts.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            contacts[row["Email"].strip().lower()] = row
    activities = defaultdict(list)
    with open(a.data + "/activities.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            activities[row["email"].strip().lower()].append(
                (row["type"], dt.datetime.fromisoformat(row["occurred_at"])))

    def count(acts, kind, days):
        since = now - dt.timedelta(days=days)
        return sum(1 for t, at in acts if t == kind and since <= at <= now)

    def did(acts, kind, days):
        return count(acts, kind, days) > 0

    scores = []
    for email, c in contacts.items():
        acts = activities.get(email, [])
        title = c["Job Title"] or ""
        size = int(c["Company Size"]) if c["Company Size"] else 0
        score = 0
        if any(w in title for w in SENIOR):
            score += 20                                       # 1 senior title
        if size >= 1000:
            score += 15                                       # 2 enterprise
        if c["Country"] in TARGET_COUNTRY:
            score += 10                                       # 3 target country
        if c["Industry"] in TARGET_INDUSTRY:
            score += 10                                       # 4 target industry
        score += min(20, 2 * count(acts, "email_open", 30))   # 5 email engagement
        score += min(15, 5 * count(acts, "email_click", 30))  # 6 clicks
        score += min(15, count(acts, "page_view", 14))        # 7 web visits
        if did(acts, "form_submit", 30):
            score += 25                                       # 8 form fill
        if did(acts, "webinar_attended", 60):
            score += 15                                       # 9 webinar
        if did(acts, "demo_request", 14):
            score += 50                                       # 10 demo request
        if email.endswith("@rival.example"):
            score -= 100                                      # 11 competitor
        if not did(acts, "page_view", 90):
            score -= 20                                       # 12 gone quiet

        stage = "subscriber"
        if stage == "subscriber" and score >= 10:
            stage = "lead"
        if stage == "lead" and score >= 50:
            stage = "mql"
        if stage == "mql" and score >= 100 and size >= 1000:
            stage = "sql"
        if stage in ("mql", "sql") and score < 20:
            stage = "nurture"
        scores.append((email, score, stage))

    out = a.out or a.data + "/python_scores.csv"
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["email", "score", "stage"])
        w.writerows(scores)

    stages = defaultdict(int)
    for _, _, s in scores:
        stages[s] += 1
    json.dump({"contacts": len(scores), "score_sum": sum(s for _, s, _ in scores),
               "stages": dict(sorted(stages.items()))}, sys.stdout)
    print()


if __name__ == "__main__":
    main()

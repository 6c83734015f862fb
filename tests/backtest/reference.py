#!/usr/bin/env python3
"""Backtest figures computed independently of leadrules, the slow and
obvious way (python3 stdlib only).

  reference.py SCORED.csv [--capacity N]  > reference.json

SCORED.csv has columns score, label (1, 0, or empty: no outcome), stage
and rules (a string of 0/1, one per rule in policy order), as written by
dataset.py.  The JSON has the same keys as `leadrules backtest --json`.

Definitions (as documented in src/leadrules.h):
  AUC        every (positive, negative) pair: 1 when the positive scores
             higher, 1/2 on a tie; the mean over all pairs (exact, with
             fractions).
  deciles    contacts ordered by score, highest first; a contact's tie
             group occupies positions first..last (0-based: first = how
             many score strictly higher); the group lies in decile
             floor(10 * (first + last) / 2 / n) + 1, at most 10.
  threshold  for each distinct score t: called = score >= t.
  best F1    the largest F1 (= 2PR / (P + R)); on a tie the higher t.
  capacity   the lowest t whose call list has at most N contacts.
"""
import csv
import json
import math
import sys
from fractions import Fraction

STAGES = ["lead", "mql", "sql", "nurture"]
RULES = ["a", "b", "c", "visits", "half visits", "big", "never"]


def ratio(a, b):
    return None if b == 0 else a / b


def main():
    path = sys.argv[1]
    capacity = int(sys.argv[sys.argv.index("--capacity") + 1]) \
        if "--capacity" in sys.argv else 0
    rows = list(csv.DictReader(open(path, newline="")))
    evaluated = len(rows)
    data = [(float(r["score"]), int(r["label"]), r["stage"], r["rules"])
            for r in rows if r["label"] != ""]
    n = len(data)
    P = sum(l for _, l, _, _ in data)
    N = n - P
    base = ratio(P, n)
    out = {"evaluated": evaluated, "contacts": n, "no_outcome": evaluated - n,
           "positives": P, "base_rate": base}

    # AUC over all pairs.
    if P and N:
        good = Fraction(0)
        for sp, lp, _, _ in data:
            if not lp:
                continue
            for sn, ln, _, _ in data:
                if ln:
                    continue
                good += 1 if sp > sn else Fraction(1, 2) if sp == sn else 0
        out["auc"] = float(good / (P * N))
    else:
        out["auc"] = None

    def lift(pos, cnt):
        r = ratio(pos, cnt)
        return None if r is None or not base else r / base

    # Deciles by counting, not by sorting.
    dec = [{"decile": d + 1, "contacts": 0, "positives": 0, "scores": []}
           for d in range(10)]
    for s, l, _, _ in data:
        first = sum(1 for t, _, _, _ in data if t > s)
        last = first + sum(1 for t, _, _, _ in data if t == s) - 1
        d = min(9, math.floor(Fraction(10 * (first + last), 2 * n)))
        dec[d]["contacts"] += 1
        dec[d]["positives"] += l
        dec[d]["scores"].append(s)
    cum = 0
    for x in dec:
        cum += x["positives"]
        sc = x.pop("scores")
        x["min_score"] = min(sc) if sc else None
        x["max_score"] = max(sc) if sc else None
        x["rate"] = ratio(x["positives"], x["contacts"])
        x["lift"] = lift(x["positives"], x["contacts"])
        x["captured"] = ratio(cum, P)
    out["deciles"] = dec

    out["stages"] = []
    for st in STAGES:
        c = sum(1 for _, _, s, _ in data if s == st)
        p = sum(l for _, l, s, _ in data if s == st)
        out["stages"].append({"stage": st, "contacts": c, "positives": p,
                              "rate": ratio(p, c), "lift": lift(p, c)})

    thr = []
    for t in sorted({s for s, _, _, _ in data}, reverse=True):
        sel = [l for s, l, _, _ in data if s >= t]
        tp = sum(sel)
        fp = len(sel) - tp
        prec = ratio(tp, len(sel))
        rec = ratio(tp, P)
        f1 = None if P == 0 else (0.0 if prec + rec == 0
                                  else 2 * prec * rec / (prec + rec))
        f1x = None if P == 0 else Fraction(2 * tp, len(sel) + P)
        thr.append({"threshold": t, "selected": len(sel), "tp": tp, "fp": fp,
                    "precision": prec, "recall": rec, "f1": f1,
                    "fpr": ratio(fp, N), "_f1": f1x})
    best = None
    for x in thr:                        # highest threshold first: keep it on ties
        if x["_f1"] is not None and (best is None or x["_f1"] > best["_f1"]):
            best = x
    out["best_f1"] = None if best is None else {
        "threshold": best["threshold"], "f1": best["f1"],
        "precision": best["precision"], "recall": best["recall"],
        "selected": best["selected"]}
    if capacity:
        fit = [x for x in thr if x["selected"] <= capacity]
        c = fit[-1] if fit else None
        out["capacity"] = {"calls": capacity,
                           "threshold": c and c["threshold"],
                           "selected": c["selected"] if c else 0,
                           "precision": c and c["precision"],
                           "recall": c and c["recall"]}
    else:
        out["capacity"] = None
    for x in thr:
        del x["_f1"]
    out["thresholds"] = thr

    out["rules"] = []
    for i, name in enumerate(RULES):
        f = [l for _, l, _, bits in data if bits[i] == "1"]
        nf = [l for _, l, _, bits in data if bits[i] == "0"]
        out["rules"].append({"rule": name, "fired": len(f),
                             "positives_fired": sum(f),
                             "rate_fired": ratio(sum(f), len(f)),
                             "rate_not_fired": ratio(sum(nf), len(nf)),
                             "lift": lift(sum(f), len(f))})
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()

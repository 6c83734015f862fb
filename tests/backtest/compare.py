#!/usr/bin/env python3
"""compare.py EXPECTED.json ACTUAL.json: every value in EXPECTED must be
in ACTUAL (numbers to 1e-9, lists of the same length).  Extra keys in
ACTUAL are allowed.  Prints each difference; exit 1 if any."""
import json
import sys


def cmp(e, a, path, errs):
    if isinstance(e, dict):
        if not isinstance(a, dict):
            errs.append(f"{path}: expected an object, got {a!r}")
            return
        for k, v in e.items():
            if k not in a:
                errs.append(f"{path}.{k}: missing")
            else:
                cmp(v, a[k], f"{path}.{k}", errs)
    elif isinstance(e, list):
        if not isinstance(a, list) or len(a) != len(e):
            errs.append(f"{path}: expected {len(e)} items, got "
                        f"{len(a) if isinstance(a, list) else a!r}")
            return
        for i, (x, y) in enumerate(zip(e, a)):
            cmp(x, y, f"{path}[{i}]", errs)
    elif isinstance(e, (int, float)) and not isinstance(e, bool):
        if not isinstance(a, (int, float)) or isinstance(a, bool) \
                or abs(e - a) > 1e-9:
            errs.append(f"{path}: expected {e!r}, got {a!r}")
    elif e != a:
        errs.append(f"{path}: expected {e!r}, got {a!r}")


errs = []
cmp(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), "$", errs)
for e in errs[:50]:
    print(e)
if errs:
    print(f"{len(errs)} differences")
sys.exit(1 if errs else 0)

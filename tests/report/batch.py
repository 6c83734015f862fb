#!/usr/bin/env python3
"""batch.py CASES: reference.py and then compare.py for each line of CASES
(NAME, the database, then reference.py's options; tab-separated), in one
python (a python3 to start took seconds a case on a loaded machine):
writes want_NAME.json, compares it with got_NAME.json, and prints a line
a case, "NAME<TAB>STATUS<TAB>compare.py's output" (STATUS 0: the same; an
error in either script is its case's failure, with the traceback)."""
import contextlib
import io
import os
import runpy
import sys
import traceback

here = os.path.dirname(os.path.abspath(__file__))
scripts = {"reference": os.path.join(here, "reference.py"),
           "compare": os.path.join(here, "..", "backtest", "compare.py")}


def run(script, argv):
    """The script's stdout and exit status, as if run as a program."""
    out = io.StringIO()
    sys.argv = [scripts[script], *argv]
    status = 0
    with contextlib.redirect_stdout(out):
        try:
            runpy.run_path(scripts[script], run_name="__main__")
        except SystemExit as e:
            status = e.code if isinstance(e.code, int) else 1
        except Exception:
            status = 1
            print(traceback.format_exc())
    return out.getvalue(), status


for line in open(sys.argv[1]):
    name, *ref = line.rstrip("\n").split("\t")
    want, status = run("reference", ref)
    with open(f"want_{name}.json", "w") as f:
        f.write(want)
    if status == 0:
        said, status = run("compare", [f"want_{name}.json", f"got_{name}.json"])
    else:
        said = "reference.py failed: " + want
    print(f"{name}\t{status}\t{said!r}", flush=True)

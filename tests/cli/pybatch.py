#!/usr/bin/env python3
"""pybatch.py LIST: run each line of LIST (NAME, a Python script, its
arguments; tab-separated) as if it were `python3 SCRIPT ARGS...`, all in
this one python (a python3 to start took seconds on a loaded machine),
and print a line each, "NAME<TAB>STATUS<TAB>repr(its output)": STATUS is
its exit status (0: passed); an exception is status 1, with the traceback.
Each script runs in a namespace of its own (runpy), as a program would."""
import contextlib
import io
import os
import runpy
import sys
import traceback

for line in open(sys.argv[1]):
    name, script, *args = line.rstrip("\n").split("\t")
    out = io.StringIO()
    sys.argv = [script, *args]
    sys.path[0] = os.path.dirname(os.path.abspath(script))   # as python3 SCRIPT
    status = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            runpy.run_path(script, run_name="__main__")
        except SystemExit as e:
            if isinstance(e.code, int) or e.code is None:
                status = e.code or 0
            else:
                print(e.code)
                status = 1
        except Exception:
            print(traceback.format_exc())
            status = 1
    print(f"{name}\t{status}\t{out.getvalue()!r}", flush=True)

#!/usr/bin/env python3
"""Benchmark 4: the ceilings (LMDB commits and puts, Ed25519, item_batch_verify).

Waits for a quiet machine, then runs bench_ceilings (bench/bench_ceilings.c,
built next to carenet) and prints its table; --json keeps its results with
the machine description.

  bench/ceilings.py --carenet build-bench/carenet [--runs 5] [--seconds 2] [--dir DIR]
"""

import argparse
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    bl.common_args(ap)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=2.0, help="time cap of one loop")
    ap.add_argument("--dir", default=None,
                    help="where the LMDB files go (default: --base); must be a real disk")
    args = ap.parse_args()
    exe = os.path.join(os.path.dirname(os.path.abspath(args.carenet)), "bench_ceilings")
    if not os.access(exe, os.X_OK):
        print("FAIL: %s not found (build the bench_ceilings target)" % exe, file=sys.stderr)
        return 1
    out = {"benchmark": "ceilings", "machine": bl.machine(), "command": " ".join(sys.argv)}
    out["cpu_busy_before"] = bl.wait_quiet(args.quiet, args.quiet_wait)
    with tempfile.TemporaryDirectory(prefix="cnb-ceil-", dir=args.base) as tmp:
        jpath = os.path.join(tmp, "ceilings.json")
        r = bl.run([exe, "--runs", str(args.runs), "--seconds", str(args.seconds), "--dir",
                    args.dir or tmp, "--json", jpath], timeout=int(args.runs * args.seconds * 20
                                                                  + 120))
        print(r.stdout)
        with open(jpath) as f:
            out["results"] = json.load(f)
    out["machine"]["loadavg_at_end"] = bl.loadavg()
    bl.write_json(args.json, out)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except bl.BenchError as e:
        print("FAIL: %s" % e, file=sys.stderr)
        sys.exit(1)

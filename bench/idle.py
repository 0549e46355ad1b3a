#!/usr/bin/env python3
"""What an idle network costs: county -> T townships x V villages, every link
up and nothing to do, CPU seconds of each role (and its kernel part, from
/proc) over --seconds, after a settling pause. What is left is wake-ups:
the nodes' loops (node/node_wake.c), ZeroMQ's I/O threads (ZMTP heartbeats),
the pings. Run `perf record -a` beside it for the where.

  bench/idle.py --carenet build-bench/carenet [--topology 20x15] [--seconds 20] [--runs 3]
"""

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402
import fanout  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    bl.common_args(ap)
    ap.add_argument("--topology", default="20x15", help="TxV (default 20x15)")
    ap.add_argument("--seconds", type=float, default=20.0, help="each measure (default 20)")
    ap.add_argument("--settle", type=float, default=5.0,
                    help="after all links are up, before measuring (default 5)")
    ap.add_argument("--runs", type=int, default=1, help="measures of the same network")
    args = ap.parse_args()
    try:
        t, v = (int(x) for x in args.topology.lower().split("x"))
    except ValueError:
        ap.error("--topology TxV, e.g. 20x15")
    if not (1 <= t <= 40 and 1 <= v <= 40 and 1 <= args.seconds <= 300 and 1 <= args.runs <= 10
            and 0 <= args.settle <= 60):
        ap.error("--topology 1..40 x 1..40, --seconds 1..300, --runs 1..10, --settle 0..60")
    out = {"benchmark": "idle", "machine": bl.machine(), "command": " ".join(sys.argv),
           "topology": [t, v], "seconds": args.seconds, "runs": []}
    net = bl.BenchNet(args.carenet, args.base, args.keep)
    try:
        net.setup(t, v)
        net.start_all()
        net.wait_links_up(180)
        time.sleep(args.settle)
        for r in range(args.runs):
            c0, t0 = fanout.cpu_by_role(net), time.monotonic()
            time.sleep(args.seconds)
            c1, t1 = fanout.cpu_by_role(net), time.monotonic()
            d = fanout.cpu_delta(c0, c1)
            d["wall_s"] = t1 - t0
            out["runs"].append(d)
            bl.log("run %d: %.1f s: %s" % (r + 1, t1 - t0,
                                           {k: round(x, 3) for k, x in d.items()}))
        print("### Idle %dx%d (%d nodes), CPU s over %g s, median of %d\n" % (
            t, v, len(net.ids), args.seconds, args.runs))
        print("| role | CPU s | of it kernel |")
        print("|---|---:|---:|")
        for role in ("county", "township", "village"):
            print("| %s | %.3f | %.3f |" % (
                role, statistics.median(x[role] for x in out["runs"]),
                statistics.median(x[role + "_sys"] for x in out["runs"])))
        bl.write_json(args.json, out)
        return 0
    except bl.BenchError as e:
        bl.log("idle: %s" % e)
        return 1
    finally:
        net.cleanup()


if __name__ == "__main__":
    sys.exit(main())

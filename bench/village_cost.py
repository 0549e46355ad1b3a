#!/usr/bin/env python3
"""What one delivery costs each office, one directive at a time (issue 13's
"where the time goes"): county 530102 -> township 530102001 -> village
530102001001, K directives to the village issued with bench_drive one every
--interval-ms (so none arrive together, as in the 20 x 15 live run), until the
county holds every "delivered" status. Per delivery and per office, from /proc
before and after: CPU (schedstat, every thread, ns precision), context
switches (voluntary + involuntary, every thread), read and write system calls,
bytes written (wchar) and bytes sent to the disk (write_bytes). Run it under
`perf record -p PID` for the where; this says how much.

  bench/village_cost.py --carenet build-bench/carenet [--count 500] [--runs 3]
"""

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402

C, T, V = "530102", "530102001", "530102001001"
FIELDS = (("cpu_us", "CPU (µs)"), ("ctxsw", "context switches"), ("syscr", "read syscalls"),
          ("syscw", "write syscalls"), ("wchar", "bytes written"),
          ("write_bytes", "bytes to the disk"))


def sample(pid):
    """The counters of a live process, summed over its threads."""
    d = {"cpu_us": 0.0, "ctxsw": 0}
    with open("/proc/%d/io" % pid) as f:
        for line in f:
            k, v = line.split(":")
            d[k] = int(v)
    for t in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, t)) as f:
                d["cpu_us"] += int(f.read().split()[0]) / 1000.0
            with open("/proc/%d/task/%s/status" % (pid, t)) as f:
                d["ctxsw"] += sum(int(x.split()[1]) for x in f if "ctxt_switches" in x)
        except OSError:  # a thread that ended meanwhile
            pass
    return d


def drive(args, net, count, timeout):
    out, rc = bl.run_json([args.drive_path, "burst", "--node", net.data_dir(C), "--to", V,
                           "--count", str(count), "--interval-us",
                           str(int(args.interval_ms * 1000)), "--watch",
                           "%s:items_applied:%d" % (net.data_dir(V), count), "--timeout",
                           str(int(timeout))], timeout=timeout + 30, check=False)
    if rc != 0:
        raise bl.BenchError("bench_drive burst of %d: exit %d: %r" % (count, rc, out))
    return out


def one_run(args, net):
    pids = {n: net.pid(n) for n in (C, T, V)}
    before = {n: sample(p) for n, p in pids.items()}
    t0 = time.monotonic()
    drive(args, net, args.count, args.timeout)
    # the county's last "delivered" statuses: wait until its counter stops moving
    last, same = None, 0
    for _ in range(200):
        now = sample(pids[C])["cpu_us"]
        same = same + 1 if last is not None and now - last < 200 else 0
        if same >= 3:
            break
        last = now
        time.sleep(0.05)
    wall = time.monotonic() - t0
    after = {n: sample(p) for n, p in pids.items()}
    row = {"wall_s": wall}
    for n in pids:
        row[n] = {k: (after[n][k] - before[n][k]) / args.count for k, _ in FIELDS}
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    bl.common_args(ap)
    ap.add_argument("--count", type=int, default=500, help="K directives a run (default 500)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--interval-ms", type=float, default=5.0,
                    help="between two directives (default 5 ms: one at a time)")
    ap.add_argument("--timeout", type=float, default=300.0)
    args = ap.parse_args()
    if not 1 <= args.runs <= 20 or not 10 <= args.count <= 20000 or args.interval_ms < 0:
        ap.error("--runs 1..20, --count 10..20000, --interval-ms >= 0")
    args.drive_path = bl.drive_path(args)
    out = {"benchmark": "village_cost", "machine": bl.machine(), "command": " ".join(sys.argv),
           "count": args.count, "runs": []}
    net = bl.BenchNet(args.carenet, args.base, args.keep)
    try:
        net.setup(1, 1)
        net.start_all(piped=True)
        net.wait_links_up(60)
        drive(args, net, 1, 60)  # warm: the county knows the village
        for r in range(args.runs):
            bl.wait_quiet(args.quiet, args.quiet_wait)
            row = one_run(args, net)
            out["runs"].append(row)
            bl.log("run %d: %s" % (r + 1, ", ".join(
                "%s %.0f µs %.1f ctxsw" % (n, row[n]["cpu_us"], row[n]["ctxsw"])
                for n in (C, T, V))))
        print("### Per delivery, K=%d one every %g ms, median of %d runs\n" % (
            args.count, args.interval_ms, args.runs))
        print("| per delivery | county | township | village |")
        print("|---|---:|---:|---:|")
        for k, what in FIELDS:
            cells = [statistics.median(r[n][k] for r in out["runs"]) for n in (C, T, V)]
            print("| %s | %s |" % (what, " | ".join("%.1f" % c for c in cells)))
        bl.write_json(args.json, out)
        return 0
    except bl.BenchError as e:
        bl.log("village_cost: %s" % e)
        return 1
    finally:
        net.cleanup()


if __name__ == "__main__":
    sys.exit(main())

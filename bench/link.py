#!/usr/bin/env python3
"""Benchmark 5: durable link throughput, county -> township, every ack on disk.

Network: county 530102, township 530102001, village 530102001001 (so the
directives have a target), test_clock = true in every node.cfg. Directives
go in through the county's control socket with bench_drive (the same
request `carenet directive issue` sends, without a process per directive);
the CLI's own per-call cost is measured separately when the CLI has the
command.

  live burst   K directives to 530102001:village issued back to back while
               all nodes run. Timed from the first issue: the county's issue
               rate (one commit per directive), the village's items_applied
               reaching K (every directive through both links), the
               township's reaching 2K (K directives + K statuses), and the
               county's reaching K (every automatic "delivered" status back).
  backlog      township and village stopped; K directives issued (they wait
               in the county's durable outbox); the township started alone.
               Timed from its "parent up" log line (stamped on arrival
               through a pipe) to its items_applied reaching K: the
               county -> township link alone, resending from the cursor,
               every batch applied in one commit and acked after it. Then the
               village is started and the time until the county holds all K
               statuses is measured (two hops down, two up, every hop durable).

  bench/link.py --carenet build-bench/carenet [--count 2000] [--runs 5]
"""

import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402

C, T, V = "530102", "530102001", "530102001001"
SPEC = "530102001:village"


def drive(args, *argv, timeout=600):
    out, rc = bl.run_json([args.drive_path] + list(argv), timeout=timeout, check=False)
    return out, rc


def warm_up(net, args):
    """Issues single directives until the county knows the village (the
    registry fills from announcements after the links come up)."""
    deadline = time.monotonic() + 60
    last = None
    for _ in range(600):
        out, rc = drive(args, "burst", "--node", net.data_dir(C), "--to", SPEC, "--count", "1",
                        "--watch", "%s:items_applied:1" % net.data_dir(C), "--timeout", "20")
        if rc == 0:
            return
        last = out
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
    raise bl.BenchError("the county never accepted a directive to %s: %r" % (SPEC, last))


def cli_cost(net, args, n=30):
    """Seconds per `carenet directive issue` call, or None if the CLI lacks it."""
    r = bl.run([net.carenet, "directive", "issue", "--help"], check=False)
    if r.returncode != 0:
        return None, "carenet directive issue --help exited %d: %s" % (
            r.returncode, (r.stderr or r.stdout).strip()[:200])
    t0 = time.monotonic()
    for i in range(n):
        r = bl.run([net.carenet, "directive", "issue", "-c", net.cfg(C), "--kind", "task",
                    "--to", SPEC, "--title", "cli bench %d" % i, "--due", "+30d"], check=False)
        if r.returncode != 0:
            return None, "carenet directive issue exited %d: %s" % (r.returncode,
                                                                     r.stderr.strip()[:300])
    return (time.monotonic() - t0) / n, "ok"


def live_burst(net, args):
    k = args.count
    busy = bl.wait_quiet(args.quiet, args.quiet_wait)
    cpu0 = {i: bl.proc_cpu(net.pid(i)) for i in (C, T, V)}
    out, rc = drive(args, "burst", "--node", net.data_dir(C), "--to", SPEC, "--count", str(k),
                    "--watch", "%s:items_applied:%d" % (net.data_dir(V), k),
                    "--watch", "%s:items_applied:%d" % (net.data_dir(T), 2 * k),
                    "--watch", "%s:items_applied:%d" % (net.data_dir(C), k),
                    "--timeout", str(args.timeout), "--interval-us", "1000",
                    timeout=args.timeout + 60)
    if rc != 0:
        raise bl.BenchError("live burst did not complete: %r" % out)
    cpu1 = {i: bl.proc_cpu(net.pid(i)) for i in (C, T, V)}
    w = {x["node"]: x for x in out["watch"]}
    row = {"k": k, "issue_s": out["issue_seconds"], "issue_per_s": out["issue_per_second"],
           "issue_ms_median": out["issue_ms_median"], "issue_ms_p99": out["issue_ms_p99"],
           "village_all_s": w[net.data_dir(V)]["seconds"],
           "township_all_s": w[net.data_dir(T)]["seconds"],
           "county_statuses_s": w[net.data_dir(C)]["seconds"],
           "cpu_s": {i: cpu1[i] - cpu0[i] for i in cpu0}, "loadavg": bl.loadavg(),
           "cpu_busy_before": busy}
    row["directives_per_s"] = k / row["village_all_s"]
    row["round_trip_per_s"] = k / row["county_statuses_s"]
    return row


def backlog(net, args):
    k = args.count
    net.stop(V)
    net.stop(T)
    busy = bl.wait_quiet(args.quiet, args.quiet_wait)
    out, rc = drive(args, "burst", "--node", net.data_dir(C), "--to", SPEC, "--count", str(k),
                    "--timeout", str(args.timeout), timeout=args.timeout + 60)
    if rc != 0:
        raise bl.BenchError("issuing the backlog failed: %r" % out)
    row = {"k": k, "issue_alone_per_s": out["issue_per_second"], "cpu_busy_before": busy,
           "issue_alone_ms_median": out["issue_ms_median"]}
    c_cpu0 = bl.proc_cpu(net.pid(C))
    t_spawn = time.monotonic()
    net.start(T, piped=True)
    deadline = t_spawn + 30
    for _ in range(100000):
        if net.reader.first(T, "running", None, t_spawn) or time.monotonic() > deadline:
            break
        time.sleep(0.002)
    # Counters start at 0 in a new process: BASE 0.
    out, rc = drive(args, "burst", "--count", "0", "--watch",
                    "%s:items_applied:%d:0" % (net.data_dir(T), k), "--timeout",
                    str(args.timeout), "--interval-us", "1000", timeout=args.timeout + 60)
    if rc != 0:
        raise bl.BenchError("the township did not apply the backlog: %r" % out)
    t_done = out["watch"][0]["t_reached_us"] / 1e6
    t_up = net.reader.first(T, "parent_up", C, t_spawn)
    if t_up is None:
        raise bl.BenchError("no 'parent up' line from the township")
    t_cpu = bl.proc_cpu(net.pid(T))
    row.update({"drain_s": t_done - t_up, "start_to_parent_up_s": t_up - t_spawn,
                "township_cpu_s": t_cpu, "county_cpu_s": bl.proc_cpu(net.pid(C)) - c_cpu0})
    row["drain_per_s"] = k / row["drain_s"]
    # The village comes back: all K statuses must reach the county.
    base, rc = drive(args, "counter", "--node", net.data_dir(C), "--name", "items_applied")
    if rc != 0:
        raise bl.BenchError("county counter: %r" % base)
    t_v = time.monotonic()
    net.start(V, piped=True)
    out, rc = drive(args, "burst", "--count", "0", "--watch",
                    "%s:items_applied:%d:%d" % (net.data_dir(C), k, base["value"]),
                    "--timeout", str(args.timeout), "--interval-us", "1000",
                    timeout=args.timeout + 60)
    if rc != 0:
        raise bl.BenchError("the county did not get the village's statuses: %r" % out)
    row["village_catch_up_s"] = out["watch"][0]["t_reached_us"] / 1e6 - t_v
    row["village_catch_up_per_s"] = k / row["village_catch_up_s"]
    row["loadavg"] = bl.loadavg()
    return row


def table(rows, fields):
    lines = ["| measure | median | min | max |", "|---|---:|---:|---:|"]
    for key, what, d in fields:
        s = bl.summary([r[key] for r in rows])
        lines.append("| %s | %.*f | %.*f | %.*f |" % (what, d, s["median"], d, s["min"], d,
                                                     s["max"]))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    bl.common_args(ap)
    ap.add_argument("--count", type=int, default=2000, help="K directives a run (default 2000)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--skip-cli", action="store_true", help="do not time the CLI")
    args = ap.parse_args()
    if not 1 <= args.runs <= 50 or not 1 <= args.count <= 100000:
        ap.error("--runs 1..50, --count 1..100000")
    args.drive_path = bl.drive_path(args)
    out = {"benchmark": "link", "machine": bl.machine(), "command": " ".join(sys.argv),
           "count": args.count}
    net = bl.BenchNet(args.carenet, args.base, args.keep)
    try:
        net.setup(1, 1, extra_cfg="test_clock = true;\n")
        net.start_all(piped=True)
        net.wait_links_up(60)
        warm_up(net, args)
        if not args.skip_cli:
            out["cli_s_per_call"], out["cli_note"] = cli_cost(net, args)
            bl.log("CLI: %s %s" % (out["cli_s_per_call"], out["cli_note"]))
        out["live"], out["backlog"] = [], []
        for r in range(args.runs):
            row = live_burst(net, args)
            out["live"].append(row)
            bl.log("run %d live: issue %.0f/s, village has all after %.3f s (%.0f/s), county "
                   "all statuses after %.3f s" % (r + 1, row["issue_per_s"], row["village_all_s"],
                                                  row["directives_per_s"],
                                                  row["county_statuses_s"]))
            row = backlog(net, args)
            out["backlog"].append(row)
            bl.log("run %d backlog: issue alone %.0f/s; township drained %d in %.3f s (%.0f/s), "
                   "township CPU %.2f s; village catch-up %.3f s" % (
                       r + 1, row["issue_alone_per_s"], args.count, row["drain_s"],
                       row["drain_per_s"], row["township_cpu_s"], row["village_catch_up_s"]))
        print("### Live burst, K=%d, %d runs\n" % (args.count, args.runs))
        print(table(out["live"], (
            ("issue_per_s", "county issue rate (directives/s, one commit each)", 0),
            ("issue_ms_median", "issue request, median ms", 2),
            ("village_all_s", "all K applied at the village (s from first issue)", 3),
            ("directives_per_s", "directives/s end to end (K / that)", 0),
            ("township_all_s", "township applied K directives + K statuses (s)", 3),
            ("county_statuses_s", "all K 'delivered' statuses at the county (s)", 3),
            ("round_trip_per_s", "round trips/s (K / that)", 0))))
        print("\n### Backlog drain, K=%d, %d runs\n" % (args.count, args.runs))
        print(table(out["backlog"], (
            ("issue_alone_per_s", "county issue rate, links down (directives/s)", 0),
            ("start_to_parent_up_s", "township spawn to parent up (s)", 3),
            ("drain_s", "parent up to K applied at the township (s)", 3),
            ("drain_per_s", "county -> township items/s, every ack on disk", 0),
            ("township_cpu_s", "township CPU seconds (whole process life)", 3),
            ("village_catch_up_s", "village spawn to all K statuses at the county (s)", 3),
            ("village_catch_up_per_s", "that as items/s", 0))))
        if out.get("cli_s_per_call"):
            print("\n`carenet directive issue` per call: %.1f ms" % (out["cli_s_per_call"] * 1e3))
        else:
            print("\nCLI not timed: %s" % out.get("cli_note"))
    except bl.BenchError as e:
        print("FAIL: %s" % e, file=sys.stderr)
        return 1
    finally:
        net.cleanup()
        out["machine"]["loadavg_at_end"] = bl.loadavg()
        bl.write_json(args.json, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

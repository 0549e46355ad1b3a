#!/usr/bin/env python3
"""Benchmark 9: an urgent report from a village to the county, idle and while the network
replicates a record import (issue 9).

Network: `carenet demo --setup-only`, county 530102, T townships x V villages (default
20 x 15: 321 nodes), real processes on 127.0.0.1. Each run is a fresh network.

  idle     R reports (default 30), one at a time, each at another village (spread over the
           townships): `bench_drive report` files it through the village's control socket
           (ReportFileRequest, what `carenet report file` sends; the village commits it
           before it answers) and polls the county's `report show` every 1 ms until the
           county holds it. Latency = first request sent to the report seen at the county:
           the village's commit and signature, two hops on the urgent lane (village ->
           township -> county), each applied and committed.
  loaded   the same, while every village imports N children (default 50) through a pool of
           --pool `carenet record import` processes (as bench/records_fanout.py does): the
           bulk lane of the whole tree busy. Only reports filed between the first import's
           start and the moment the county held every record count as loaded; the run
           keeps filing (bounded by --repeats and the load's end).

  bench/report_latency.py --carenet build-bench/carenet [--topology 20x15] [--repeats 30]
                          [--children 50] [--runs 2]
"""

import argparse
import concurrent.futures
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402
from records_fanout import (child_values, cli_import, counter, template_header,  # noqa: E402
                            wait_sockets, write_csv)

C = bl.COUNTY


def spread(villages, n):
    """n villages taken round-robin over the townships (repeating if n > len)."""
    by_t = {}
    for v in villages:
        by_t.setdefault(bl.parent_of(v), []).append(v)
    order, k = [], 0
    while len(order) < len(villages):
        for t in sorted(by_t):
            if k < len(by_t[t]):
                order.append(by_t[t][k])
        k += 1
    return [order[i % len(order)] for i in range(n)]


def one_report(args, net, village):
    """(t_start monotonic, latency ms, file ms)."""
    out, rc = bl.run_json([args.drive_path, "report", "--node", net.data_dir(village), "--at",
                           net.data_dir(C), "--repeats", "1", "--interval-us", "1000",
                           "--timeout", "60"], timeout=90, check=False)
    if rc != 0 or out.get("done") != 1:
        raise bl.BenchError("report from %s did not reach the county: %r" % (village, out))
    return out["started_us"][0] / 1e6, out["latency_ms"][0], out["file_ms"][0]


def import_job(args, net, vid, k, header, work):
    path = os.path.join(work, "%s-children.csv" % vid)
    write_csv(path, header, [child_values(k * args.children + j, vid)
                             for j in range(args.children)])
    t0, t1, ids = cli_import(args, net, vid, "child", path)
    if len(ids) != args.children:
        raise bl.BenchError("%s: import returned %d ids" % (vid, len(ids)))
    return t0, t1


def loaded_phase(args, net, villages, header, expected):
    work = os.path.join(net.top, "csv")
    os.makedirs(work)
    base = counter(args, net, C, "items_applied")
    done = {"t_county": None}

    def watch_county(t_first):
        for _ in range(1000000):
            if counter(args, net, C, "items_applied") >= base + expected:
                done["t_county"] = time.monotonic()
                return
            if time.monotonic() > t_first + args.timeout:
                return
            time.sleep(0.02)

    samples = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.pool) as ex:
        t_first = time.monotonic()
        futs = [ex.submit(import_job, args, net, vid, k, header, work)
                for k, vid in enumerate(villages)]
        w = threading.Thread(target=watch_county, args=(t_first,), daemon=True)
        w.start()
        # Reports while the load lasts: from villages not importing yet at first (the
        # pool works in order), then any; bounded by --repeats and the county's catch-up.
        for vid in spread(villages, args.repeats)[::-1]:
            if done["t_county"] is not None:
                break
            samples.append(one_report(args, net, vid))
        jobs = [f.result(timeout=args.timeout) for f in futs]
        w.join(args.timeout)
    t_end = done["t_county"]
    if t_end is None:
        raise bl.BenchError("the county did not get all %d records" % expected)
    loaded = [s for s in samples if t_first <= s[0] and s[0] + s[1] / 1e3 <= t_end]
    return {"samples": samples, "loaded": [s[1] for s in loaded],
            "loaded_file_ms": [s[2] for s in loaded], "load_s": t_end - t_first,
            "imports_s": max(j[1] for j in jobs) - t_first}


def one_run(args, t, v, header):
    villages = [i for i in bl.plan_ids(t, v) if bl.role_of(i) == "village"]
    net = bl.BenchNet(args.carenet, args.base, args.keep)
    try:
        net.setup(t, v)
        net.start_all()
        wait_sockets(net, 120)
        net.wait_links_up(300)
        busy = bl.wait_quiet(args.quiet, args.quiet_wait)
        idle = [one_report(args, net, vid) for vid in spread(villages, args.repeats)]
        row = {"townships": t, "villages": v, "nodes": len(net.ids), "cpu_busy_before": busy,
               "loadavg_before": bl.loadavg(), "idle": [s[1] for s in idle],
               "idle_file_ms": [s[2] for s in idle]}
        row.update(loaded_phase(args, net, villages, header, len(villages) * args.children))
        return row
    finally:
        net.cleanup()


def pcts(vals):
    if not vals:
        return "–", "–", "–"
    return ("%.1f" % bl.pct(vals, 50), "%.1f" % bl.pct(vals, 99), "%.1f" % max(vals))


def report(args, t, v, rows):
    lines = ["### %d townships × %d villages (%d nodes), %d runs" % (t, v, rows[0]["nodes"],
                                                                    len(rows)), "",
             "| run | phase | reports | p50 ms | p99 ms | max ms | filing p50 ms |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for k, r in enumerate(rows, 1):
        for phase, vals, fil in (("idle", r["idle"], r["idle_file_ms"]),
                                 ("loaded (%d villages × %d children, %.1f s)" % (
                                     t * v, args.children, r["load_s"]),
                                  r["loaded"], r["loaded_file_ms"])):
            p50, p99, mx = pcts(vals)
            lines.append("| %d | %s | %d | %s | %s | %s | %s |" % (
                k, phase, len(vals), p50, p99, mx, pcts(fil)[0]))
    lines.append("")
    lines.append("Load before each run (CPU busy over 1 s / loadavg): %s." % "; ".join(
        "%.0f %% / %s" % (r["cpu_busy_before"]["cpu"] * 100, r["loadavg_before"]) for r in rows))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    bl.common_args(ap)
    ap.add_argument("--topology", default="20x15", help="TxV (default 20x15)")
    ap.add_argument("--repeats", type=int, default=30, help="reports per phase (30)")
    ap.add_argument("--children", type=int, default=50, help="children a village imports (50)")
    ap.add_argument("--pool", type=int, default=8, help="imports at a time (8)")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=600.0)
    args = ap.parse_args()
    t, v = (int(x) for x in args.topology.lower().split("x"))
    if (not 1 <= args.runs <= 20 or not 1 <= args.repeats <= 1000 or
            not 1 <= args.children <= 2000 or not 1 <= args.pool <= 64 or
            not 1 <= t <= 999 or not 1 <= v <= 999):
        ap.error("out of range")
    args.drive_path = bl.drive_path(args)
    args.visits = 0
    bl.raise_nofile()
    header = template_header(args, "child")
    rows = []
    for k in range(args.runs):
        bl.log("run %d of %d: %dx%d" % (k + 1, args.runs, t, v))
        rows.append(one_run(args, t, v, header))
        bl.log("  idle p50 %s ms, loaded p50 %s ms (%d loaded)" % (
            pcts(rows[-1]["idle"])[0], pcts(rows[-1]["loaded"])[0], len(rows[-1]["loaded"])))
    text = report(args, t, v, rows)
    print(text)
    bl.write_json(args.json, {"machine": bl.machine(), "rows": rows})
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except bl.BenchError as e:
        print("report_latency: %s" % e, file=sys.stderr)
        sys.exit(1)

#!/usr/bin/env python3
"""Benchmark 8b: field records from every village of a T x V network to the county (issue 8).

Network: `carenet demo --setup-only`, county 530102, T townships x V villages
(default 20 x 15: 321 nodes), real processes on 127.0.0.1. Each run is a
fresh network:

  files      per village, N children (default 50) and N visits (default 50),
             CSV in the layout `carenet record template` prints (every
             column, valid 身份证号 check digits, unique across the county);
             every visit names one of that village's own children (儿童 =
             the record id its child import returned); a quarter of the
             visits are of kind 核实更新.
  imports    at every village `carenet record import --type child` then
             `--type visit` (the visits need the children's ids), all
             villages at once through a pool of --pool CLI processes
             (default 8); timed from the first import's start.
  to county  until the county's items_applied has grown by villages x 2N
             (measured against its value just before the first import;
             polled with bench_drive every 20 ms).
  acked      then until every node's outbox_pending is 0 (every
             acknowledgement applied on disk): sweeps over the nodes not yet
             seen empty (villages first, then townships, then the county),
             then one confirming sweep of all of them, untimed. One sweep
             is a bench_drive process per node (about 3 s for 321 nodes on
             2 busy cores), so the moment lies between the last time a node
             was seen non-empty (reported as the lower bound) and the time the
             last one was seen empty (reported).
  cost       CPU seconds per role over the whole run (imports included: the
             village's node validates, seals, writes and signs what the CLI
             parsed), and of the import CLI processes themselves;
             county VmRSS / VmHWM at the end.

  bench/records_fanout.py --carenet build-bench/carenet [--topology 20x15] [--children 50]
                          [--visits 50] [--runs 2]
"""

import argparse
import concurrent.futures
import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402
from records import idnum, SURNAMES, GIVEN  # noqa: E402

C = bl.COUNTY


def template_header(args, rtype):
    r = bl.run([args.carenet, "record", "template", "--type", rtype], timeout=30)
    head = r.stdout.strip().splitlines()[0].lstrip("\ufeff")
    return head.split(",")


def child_values(k, village):
    """The k-th child of the county (k unique): template columns -> value."""
    d = k % 2688
    birth = "20%02d-%02d-%02d" % (10 + d // 336, 1 + d // 28 % 12, 1 + d % 28)
    name = SURNAMES[k % len(SURNAMES)] + GIVEN[k % len(GIVEN)] + GIVEN[(k * 7 + 3) % len(GIVEN)]
    return {"姓名": name, "性别": "男" if k % 2 else "女", "出生日期": birth,
            "身份证号": idnum(birth, k // 2688 % 1000), "户籍登记": "是",
            "住址": "%s村%d号" % (village[-3:], k), "类别": "留守", "监护状况": "委托监护",
            "居住情况": "与祖辈同住", "就学情况": "学龄前", "参保情况": "城乡基本医疗保险",
            "监护人姓名": name[0] + "大山", "监护人关系": "祖父母",
            "监护人电话": "138%08d" % k}


def visit_values(j, child_id):
    kind = "核实更新" if j % 4 == 0 else "定期走访"
    return {"儿童": child_id, "日期": "2024-%02d-%02d" % (1 + j % 12, 1 + j % 28),
            "走访人": "李红", "类型": kind, "见到儿童": "是", "监护人在场": "是",
            "走访情况": "生活正常，学习良好", "下次走访": "2030-%02d-%02d" % (1 + j % 12, 1 + j % 28)}


def write_csv(path, header, rows):
    with open(path, "w", encoding="utf-8") as f:
        f.write(",".join(header) + "\r\n")
        for row in rows:
            unknown = set(row) - set(header)
            if unknown:
                raise bl.BenchError("columns not in the template: %s" % ", ".join(unknown))
            f.write(",".join(row.get(h, "") for h in header) + "\r\n")


def cli_import(args, net, node_id, rtype, path):
    t0 = time.monotonic()
    r = bl.run([args.carenet, "record", "import", "-c", net.cfg(node_id), "--type", rtype, path,
                "--json"], timeout=args.timeout, check=False)
    t1 = time.monotonic()
    if r.returncode != 0:
        raise bl.BenchError("import of %s at %s exited %d: %s" % (
            rtype, node_id, r.returncode, (r.stderr or r.stdout).strip()[:400]))
    ids = json.loads(r.stdout)["ids"]
    return t0, t1, ids


def village_job(args, net, node_id, vi, headers, work):
    """Children then visits at one village; (t_start, t_end, children, visits)."""
    n = args.children
    cpath = os.path.join(work, "%s-children.csv" % node_id)
    write_csv(cpath, headers["child"], [child_values(vi * n + j, node_id) for j in range(n)])
    t0, _, cids = cli_import(args, net, node_id, "child", cpath)
    if len(cids) != n:
        raise bl.BenchError("%s: child import returned %d ids, expected %d" % (
            node_id, len(cids), n))
    vpath = os.path.join(work, "%s-visits.csv" % node_id)
    write_csv(vpath, headers["visit"],
              [visit_values(j, cids[j % len(cids)]) for j in range(args.visits)])
    _, t1, vids = cli_import(args, net, node_id, "visit", vpath)
    if len(vids) != args.visits:
        raise bl.BenchError("%s: visit import returned %d ids, expected %d" % (
            node_id, len(vids), args.visits))
    return t0, t1, len(cids), len(vids)


def counter(args, net, node_id, name):
    out, rc = bl.run_json([args.drive_path, "counter", "--node", net.data_dir(node_id), "--name",
                           name], timeout=20, check=False)
    if rc != 0:
        raise bl.BenchError("counter %s of %s: %r" % (name, node_id, out))
    return out["value"]


def wait_sockets(net, timeout):
    """Until every node's control socket exists (`status` says "not running",
    exit 1, before that, which wait_links_up treats as a failure)."""
    deadline = time.monotonic() + timeout
    for _ in range(100000):
        dead = net.dead()
        if dead:
            raise bl.BenchError("node(s) exited: %s" % ", ".join(dead[:10]))
        missing = [i for i in net.ids
                   if not os.path.exists(os.path.join(net.data_dir(i), "control.sock"))]
        if not missing:
            return
        if time.monotonic() > deadline:
            raise bl.BenchError("no control socket after %d s: %s" % (timeout, ", ".join(missing[:10])))
        time.sleep(0.05)


def cpu_by_role(net):
    out = dict.fromkeys(("county", "township", "village"), 0.0)
    for i in net.ids:
        pid = net.pid(i)
        c = bl.proc_cpu(pid) if pid else None
        if c is not None:
            out[bl.role_of(i)] += c
    return out


def wait_outboxes(args, net, deadline):
    """(t_nonempty, t_empty): the last time any node was seen with outbox_pending
    above 0, and the time the last node was seen at 0 (every ack on disk lies
    between the two; one sweep is a bench_drive process per node)."""
    order = ([i for i in net.ids if bl.role_of(i) == "village"] +
             [i for i in net.ids if bl.role_of(i) == "township"] + [C])
    pending = list(order)
    t_last = t_nonempty = time.monotonic()
    for _ in range(100000):
        still = []
        for i in pending:
            if counter(args, net, i, "outbox_pending") != 0:
                still.append(i)
                t_nonempty = time.monotonic()
            else:
                t_last = time.monotonic()
        pending = still
        if not pending:
            break
        if time.monotonic() > deadline:
            raise bl.BenchError("outboxes not empty after %d s: %s" % (
                args.timeout, ", ".join(pending[:10])))
        time.sleep(0.02)
    # Confirming sweep (untimed): nothing came back.
    again = [i for i in order if counter(args, net, i, "outbox_pending") != 0]
    if again:
        raise bl.BenchError("outboxes not empty on the confirming sweep: %s" % ", ".join(again[:10]))
    return t_nonempty, t_last


def one_run(args, t, v, headers):
    villages = [i for i in bl.plan_ids(t, v) if bl.role_of(i) == "village"]
    expected = len(villages) * (args.children + args.visits)
    net = bl.BenchNet(args.carenet, args.base, args.keep)
    try:
        net.setup(t, v)
        t_start = time.monotonic()
        net.start_all()
        wait_sockets(net, 120)
        net.wait_links_up(300)
        links_up_s = time.monotonic() - t_start
        work = os.path.join(net.top, "csv")
        os.makedirs(work)
        busy = bl.wait_quiet(args.quiet, args.quiet_wait)
        load_before = bl.loadavg()
        # Baseline: whatever else the county applies (announcements, status) keeps arriving
        # for a moment after links are up; take it after a short settle.
        time.sleep(1.0)
        base0 = counter(args, net, C, "items_applied")
        time.sleep(1.0)
        base = counter(args, net, C, "items_applied")
        cpu0 = cpu_by_role(net)
        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        jobs = []
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.pool) as ex:
            futs = [ex.submit(village_job, args, net, vid, k, headers, work)
                    for k, vid in enumerate(villages)]
            for f in futs:
                jobs.append(f.result(timeout=args.timeout))
        # Only the import CLIs ended among this process's children meanwhile.
        ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cli_cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
        t_imported = max(j[1] for j in jobs)
        t_first = min(j[0] for j in jobs)
        deadline = t_first + args.timeout
        got = base
        for _ in range(1000000):
            got = counter(args, net, C, "items_applied")
            if got >= base + expected:
                break
            if time.monotonic() > deadline:
                raise bl.BenchError("the county applied %d of %d after %d s" % (
                    got - base, expected, args.timeout))
            time.sleep(0.02)
        t_county = time.monotonic()
        t_nonempty, t_acked = wait_outboxes(args, net, deadline)
        cpu = {k: x - cpu0[k] for k, x in cpu_by_role(net).items()}
        final = counter(args, net, C, "items_applied")
        mem = bl.proc_mem(net.pid(C)) or {}
        row = {"townships": t, "villages": v, "nodes": len(net.ids), "records": expected,
               "links_up_s": links_up_s, "cpu_busy_before": busy, "loadavg_before": load_before,
               "baseline_drift_1s": base - base0, "county_applied": final - base,
               "imports_s": t_imported - t_first, "to_county_s": t_county - t_first,
               "all_acked_s": t_acked - t_first,
               "acked_after_s": max(t_county, t_nonempty) - t_first, "cpu_s": cpu,
               "cli_cpu_s": cli_cpu,
               "county_vmrss_mib": mem.get("VmRSS", 0) / 1024.0,
               "county_vmhwm_mib": mem.get("VmHWM", 0) / 1024.0,
               "loadavg_after": bl.loadavg()}
        row["records_per_s"] = expected / row["to_county_s"]
        return row
    finally:
        killed = net.cleanup()
        if killed:
            bl.log("  killed after SIGTERM timeout: %s" % ", ".join(killed))


def report(args, t, v, rows):
    nv = t * v
    lines = ["### %d townships × %d villages (%d nodes): %d children and %d visits at each "
             "village, %d records, %d runs" % (t, v, rows[0]["nodes"], args.children,
                                                args.visits, rows[0]["records"], len(rows)), ""]
    lines += ["| measure | median | min | max |", "|---|---:|---:|---:|"]

    def row(what, vals, d=2):
        s = bl.summary(vals)
        lines.append("| %s | %.*f | %.*f | %.*f |" % (what, d, s["median"], d, s["min"], d,
                                                     s["max"]))
    row("all %d villages' imports (children, then visits; %d CLI at a time), first start to "
        "last end (s)" % (nv, args.pool), [r["imports_s"] for r in rows])
    row("first import's start to all %d records applied at the county (s)" % rows[0]["records"],
        [r["to_county_s"] for r in rows])
    row("... and every outbox in the network empty, every ack on disk (s)",
        [r["all_acked_s"] for r in rows])
    row("... lower bound: last time a node's outbox was seen non-empty (s)",
        [r["acked_after_s"] for r in rows])
    row("records/s end to end (records / to county)", [r["records_per_s"] for r in rows], 0)
    for role, label in (("county", "the county"), ("township", "all townships"),
                        ("village", "all villages")):
        row("CPU s of %s over the run" % label, [r["cpu_s"][role] for r in rows])
    row("CPU s of the %d `record import` processes (read, decode, CSV parse)" % (2 * nv),
        [r["cli_cpu_s"] for r in rows])
    row("county VmRSS at the end (MiB)", [r["county_vmrss_mib"] for r in rows], 1)
    row("county VmHWM at the end (MiB)", [r["county_vmhwm_mib"] for r in rows], 1)
    lines.append("")
    lines.append("Load before each run (CPU busy over 1 s / loadavg): %s." % "; ".join(
        "%.0f %% / %s" % (r["cpu_busy_before"]["cpu"] * 100, r["loadavg_before"]) for r in rows))
    lines.append("Items applied at the county over each run: %s (expected %d)." % (
        ", ".join(str(r["county_applied"]) for r in rows), rows[0]["records"]))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    bl.common_args(ap)
    ap.add_argument("--topology", default="20x15", help="TxV (default 20x15)")
    ap.add_argument("--children", type=int, default=50, help="N children a village (50)")
    ap.add_argument("--visits", type=int, default=50, help="visits a village (50)")
    ap.add_argument("--pool", type=int, default=8, help="imports at a time (8)")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=600.0)
    args = ap.parse_args()
    t, v = (int(x) for x in args.topology.lower().split("x"))
    if (not 1 <= args.runs <= 20 or not 1 <= args.children <= 2000 or
            not 0 <= args.visits <= 2000 or not 1 <= args.pool <= 64 or
            not 1 <= t <= 999 or not 1 <= v <= 999):
        ap.error("--runs 1..20, --children 1..2000, --visits 0..2000, --pool 1..64")
    args.drive_path = bl.drive_path(args)
    nofile = bl.raise_nofile()
    headers = {"child": template_header(args, "child"), "visit": template_header(args, "visit")}
    out = {"benchmark": "records_fanout", "machine": bl.machine(), "nofile": nofile,
           "command": " ".join(sys.argv), "children": args.children, "visits": args.visits,
           "pool": args.pool, "runs": []}
    try:
        for r in range(args.runs):
            row = one_run(args, t, v, headers)
            out["runs"].append(row)
            bl.log("run %d (%dx%d): imports %.2f s; %d records at the county after %.2f s, "
                   "all acked after %.2f s (%.0f records/s); CPU s %s; county VmRSS %.1f MiB" % (
                       r + 1, t, v, row["imports_s"], row["records"], row["to_county_s"],
                       row["all_acked_s"], row["records_per_s"],
                       {k: round(x, 2) for k, x in row["cpu_s"].items()},
                       row["county_vmrss_mib"]))
        print(report(args, t, v, out["runs"]), flush=True)
    except bl.BenchError as e:
        print("FAIL: %s" % e, file=sys.stderr)
        return 1
    finally:
        out["machine"]["loadavg_at_end"] = bl.loadavg()
        bl.write_json(args.json, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

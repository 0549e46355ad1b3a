#!/usr/bin/env python3
"""Benchmark 9: evaluating yunnan-2018-demo plus mca-2018-demo at the county (issue 10).

Network: `carenet demo --setup-only`, county 530102, T townships x V villages
(default 20 x 15: 321 nodes), real processes on 127.0.0.1:

  roster     the county imports the division roster (R02): every township
             (乡镇) and village (村 or 社区, 120 children each: the large-village
             rules apply).
  villages   every village imports N children (default 50) and N visits
             (bench/records_fanout.py's rows), 1 staff (儿童主任), 1 home (R01
             儿童之家 with a manager) and 2 home activities in each of the 13
             ISO weeks before --at; all villages at once through --pool CLIs.
  wait       until the county has applied every one of them.
  evaluate   `carenet compliance --standard yunnan-2018-demo,mca-2018-demo
             --json --at 2024-12-31` at the county, --reps times: the CLI's
             wall time (request, evaluation of 77 + 77 indicators — 79 ids — in one read txn
             over the county's replica, reply, JSON), the county's CPU time for
             it, and the county's VmRSS / VmHWM before and after (memory
             bounded: the replica is streamed through LMDB cursors, not loaded).

  bench/compliance.py --carenet build-bench/carenet [--topology 20x15] [--children 50]
                      [--reps 5] [--runs 1]
"""

import argparse
import concurrent.futures
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402
import records_fanout as rf  # noqa: E402

C = bl.COUNTY
AT = "2024-12-31"
WEEK0 = "2024-09-30"  # Monday of the first of the 13 complete weeks before AT's week


def day(offset):
    import datetime
    return (datetime.date(2024, 9, 30) + datetime.timedelta(days=offset)).isoformat()


def roster(args, net, t, v, work):
    ids = bl.plan_ids(t, v)
    header = rf.template_header(args, "division")
    rows = []
    for i in ids:
        if bl.role_of(i) == "township":
            rows.append({"区划代码": i, "名称": "乡镇" + i[-3:], "类型": "乡镇", "上级代码": C,
                         "儿童数": "1000", "儿童数截至": "2024-01-01"})
        elif bl.role_of(i) == "village":
            rows.append({"区划代码": i, "名称": "村" + i[-3:], "类型": "村" if int(i[-1]) % 2 else "社区",
                         "上级代码": i[:9], "人口": "2000", "儿童数": "120",
                         "儿童数截至": "2024-01-01"})
    path = os.path.join(work, "division.csv")
    rf.write_csv(path, header, rows)
    rf.cli_import(args, net, C, "division", path)
    # the county's profile (R01, tier county): a 县, so the Ministry's weekly rule applies
    profile = [{"代码": C, "层级": "county", "类型": "指导中心", "名称": "县儿童福利指导中心",
                "上级代码": C[:4], "依托": "政务中心", "建立日期": "2018-04-01", "地址": "县政务中心",
                "县类型": "县", "人口": "300000"}]
    path = os.path.join(work, "county-office.csv")
    rf.write_csv(path, rf.template_header(args, "office"), profile)
    rf.cli_import(args, net, C, "office", path)


def village_job(args, net, node_id, vi, headers, work):
    t0, _, nc, nv = rf.village_job(args, net, node_id, vi, headers, work)
    staff = [{"姓名": "杨德明", "身份证号": rf.idnum("1985-01-01", vi % 1000), "联系电话": "13987654321",
              "岗位": "儿童主任", "专兼职": "专职", "聘用方式": "村干部兼任", "职责": "走访",
              "任职日期": "2019-05-01"}]
    home = [{"代码": node_id, "层级": "village", "类型": "儿童之家", "名称": "儿童之家" + node_id[-3:],
             "上级代码": node_id[:9], "依托": "现有设施", "建立日期": "2020-05-01", "地址": "村委会",
             "管理人": node_id + "-r1"}]
    acts = [{"类型": "儿童之家活动", "日期": day(7 * w + d), "主题": "亲子阅读", "儿童人数": "12",
             "家庭数": "5", "成人人数": "6", "工作人员": "杨德明"} for w in range(13) for d in (1, 3)]
    n = 0
    for rtype, rows in (("staff", staff), ("office", home), ("activity", acts)):
        path = os.path.join(work, "%s-%s.csv" % (node_id, rtype))
        rf.write_csv(path, headers[rtype], rows)
        _, t1, ids = rf.cli_import(args, net, node_id, rtype, path)
        n += len(ids)
    return t0, t1, nc + nv + n


def evaluate(args, net):
    pid = net.pid(C)
    mem0 = bl.proc_mem(pid) or {}
    cpu0 = bl.proc_cpu(pid) or 0.0
    t0 = time.monotonic()
    r = bl.run([args.carenet, "compliance", "-c", net.cfg(C), "--standard",
                "yunnan-2018-demo,mca-2018-demo", "--at", AT, "--json"], timeout=args.timeout)
    wall = time.monotonic() - t0
    cpu = (bl.proc_cpu(pid) or 0.0) - cpu0
    mem = bl.proc_mem(pid) or {}
    rep = json.loads(r.stdout)
    res = {x["id"]: x["result"] for x in rep["indicators"]}
    if (res.get("staff.village_director") != "pass" or res.get("cap.home_coverage") != "pass"
            or res.get("cap.home_activity") != "pass"):
        raise bl.BenchError("unexpected results: %s" % {k: res.get(k) for k in (
            "staff.village_director", "cap.home_coverage", "cap.home_activity")})
    return {"wall_s": wall, "county_cpu_s": cpu, "indicators": len(rep["indicators"]),
            "summary": rep["summary"], "home_activity": res.get("cap.home_activity"),
            "vmrss_before_mib": mem0.get("VmRSS", 0) / 1024.0,
            "vmrss_after_mib": mem.get("VmRSS", 0) / 1024.0,
            "vmhwm_after_mib": mem.get("VmHWM", 0) / 1024.0}


def one_run(args, t, v, headers):
    villages = [i for i in bl.plan_ids(t, v) if bl.role_of(i) == "village"]
    net = bl.BenchNet(args.carenet, args.base, args.keep)
    try:
        net.setup(t, v)
        net.start_all()
        rf.wait_sockets(net, 120)
        net.wait_links_up(300)
        work = os.path.join(net.top, "csv")
        os.makedirs(work)
        roster(args, net, t, v, work)
        time.sleep(1.0)
        base = rf.counter(args, net, C, "items_applied")
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.pool) as ex:
            futs = [ex.submit(village_job, args, net, vid, k, headers, work)
                    for k, vid in enumerate(villages)]
            jobs = [f.result(timeout=args.timeout) for f in futs]
        expected = sum(j[2] for j in jobs)
        deadline = time.monotonic() + args.timeout
        for _ in range(1000000):
            got = rf.counter(args, net, C, "items_applied")
            if got >= base + expected:
                break
            if time.monotonic() > deadline:
                raise bl.BenchError("the county applied %d of %d" % (got - base, expected))
            time.sleep(0.05)
        time.sleep(2.0)  # the acks and announcements settle
        load = bl.loadavg()
        reps = [evaluate(args, net) for _ in range(args.reps)]
        return {"nodes": len(net.ids), "records": expected, "reps": reps, "loadavg": load}
    finally:
        net.cleanup()


def report(args, t, v, rows):
    reps = [r for row in rows for r in row["reps"]]
    lines = ["### %d townships × %d villages (%d nodes), %d records at the county (%d children, "
             "%d visits, 1 staff, 1 home and 26 activities a village; the roster): both demo "
             "standards, %d evaluations" % (t, v, rows[0]["nodes"], rows[0]["records"],
                                            args.children, args.visits, len(reps)), "",
             "| measure | median | min | max |", "|---|---:|---:|---:|"]

    def row(what, vals, d=2):
        s = bl.summary(vals)
        lines.append("| %s | %.*f | %.*f | %.*f |" % (what, d, s["median"], d, s["min"], d,
                                                     s["max"]))
    row("`carenet compliance --json` wall time (s)", [r["wall_s"] for r in reps])
    row("county CPU for it (s)", [r["county_cpu_s"] for r in reps])
    row("county VmRSS before (MiB)", [r["vmrss_before_mib"] for r in reps], 1)
    row("county VmRSS after (MiB)", [r["vmrss_after_mib"] for r in reps], 1)
    row("county VmHWM after (MiB)", [r["vmhwm_after_mib"] for r in reps], 1)
    lines += ["", "Indicators: %d; results %s; cap.home_activity: %s. Load average when "
              "evaluating: %s." % (reps[0]["indicators"], json.dumps(reps[0]["summary"]),
                                   reps[0]["home_activity"],
                                   "; ".join(str(r["loadavg"]) for r in rows))]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    bl.common_args(ap)
    ap.add_argument("--topology", default="20x15", help="TxV (default 20x15)")
    ap.add_argument("--children", type=int, default=50)
    ap.add_argument("--visits", type=int, default=50)
    ap.add_argument("--pool", type=int, default=8)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=900.0)
    args = ap.parse_args()
    t, v = (int(x) for x in args.topology.lower().split("x"))
    if not (1 <= args.runs <= 10 and 1 <= args.reps <= 50 and 1 <= args.children <= 2000):
        ap.error("--runs 1..10, --reps 1..50, --children 1..2000")
    args.drive_path = bl.drive_path(args)
    bl.raise_nofile()
    headers = {k: rf.template_header(args, k) for k in ("child", "visit", "staff", "office",
                                                        "activity")}
    out = {"benchmark": "compliance", "machine": bl.machine(), "command": " ".join(sys.argv),
           "runs": []}
    try:
        for _ in range(args.runs):
            bl.wait_quiet(args.quiet, args.quiet_wait)
            out["runs"].append(one_run(args, t, v, headers))
            bl.log("run: %s" % json.dumps(out["runs"][-1]["reps"][0]))
        print(report(args, t, v, out["runs"]), flush=True)
    except bl.BenchError as e:
        print("FAIL: %s" % e, file=sys.stderr)
        return 1
    finally:
        bl.write_json(args.json, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

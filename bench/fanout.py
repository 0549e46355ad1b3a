#!/usr/bin/env python3
"""Benchmark 6: fan-out, county -> T townships x V villages, real processes on 127.0.0.1.

For each topology (default 10x10 and 20x15):
  deliveries  K directives to 530102:village (every village) issued back to
              back at the county through its control socket (bench_drive);
              timed from the first issue until the county's items_applied
              has grown by K*V (every village's automatic "delivered" status
              applied at the county), then checked with directive.show: all
              K*V targets at least "delivered" (polled up to 60 s more: the
              counter also counts the townships' audit checkpoints; any wait
              is added to the time).
  statuses    every village acknowledges every one of those K directives as
              done through its own control socket (bench_drive ack: one
              outstanding request per village, all villages at once: an
              operator's `carenet ack`, without a process per ack); timed
              from the first ack until the county's items_applied has grown
              by K*V again, then checked: all K*V targets "done".
              --concurrent C: over C control connections at once (one
              request outstanding on each), so requests queue at the county
              and it writes and signs them together (control.c, control_serve).
  latency     one directive to every village, timed until the county holds
              all V delivery statuses (polled every 0.5 ms); --repeats times.
  memory      VmHWM, VmRSS, Pss of every node at the end: sums and per role.

  bench/fanout.py --carenet build-bench/carenet [--topologies 10x10,20x15] [--count 100]
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402

C = "530102"
SPEC = "530102:village"


def drive(args, *argv, timeout=900):
    return bl.run_json([args.drive_path] + list(argv), timeout=timeout, check=False)


def counter(args, net, node_id, name="items_applied"):
    out, rc = drive(args, "counter", "--node", net.data_dir(node_id), "--name", name)
    if rc != 0:
        raise bl.BenchError("counter %s of %s: %r" % (name, node_id, out))
    return out["value"]


def cpu_by_role(net):
    """CPU seconds of all nodes per role; "<role>_sys" holds the kernel part."""
    out = {"county": 0.0, "township": 0.0, "village": 0.0, "county_sys": 0.0,
           "township_sys": 0.0, "village_sys": 0.0}
    for i in net.ids:
        pid = net.pid(i)
        c = bl.proc_cpu_split(pid) if pid else None
        if c is not None:
            out[bl.role_of(i)] += c[0] + c[1]
            out[bl.role_of(i) + "_sys"] += c[1]
    return out


def cpu_delta(a, b):
    return {k: b[k] - a[k] for k in a}


def registry_complete(net, args, nvill, work):
    """Issues single directives to SPEC until one expands to every village;
    waits until every warm-up delivery is back. Returns the warm-up count."""
    ids = os.path.join(work, "warmup.ids")
    base = counter(args, net, C)
    expected = 0
    deadline = time.monotonic() + 120
    for n in range(1, 1000):
        out, rc = drive(args, "burst", "--node", net.data_dir(C), "--to", SPEC, "--count", "1",
                        "--ids-file", ids, "--timeout", "30")
        if rc == 0:
            shown, _ = drive(args, "show", "--node", net.data_dir(C), "--ids-file", ids)
            expected += shown.get("targets", 0)
            if shown.get("targets") == nvill:
                break
        if time.monotonic() > deadline:
            raise bl.BenchError("the county never knew all %d villages (last: %r)" % (nvill, out))
        time.sleep(0.2)
    out, rc = drive(args, "burst", "--count", "0", "--watch",
                    "%s:items_applied:%d:%d" % (net.data_dir(C), expected, base),
                    "--timeout", "120")
    if rc != 0:
        raise bl.BenchError("warm-up deliveries did not all come back: %r" % out)
    return n


def townships_signal(net, sig):
    for i in net.ids:
        if bl.role_of(i) == "township" and net.pid(i):
            os.kill(net.pid(i), sig)


def deliveries(net, args, nvill, ids, paused=False):
    """Live: K directives issued while every node runs; timed from the first
    issue. Paused: the townships are stopped (SIGSTOP: their TCP links stay,
    well inside the heartbeat timeout) while the K directives are issued,
    then continued (SIGCONT); timed from the SIGCONT, so the whole backlog
    meets the delivery engine at once."""
    k = args.count
    busy = bl.wait_quiet(args.quiet, args.quiet_wait)
    cpu0 = cpu_by_role(net)
    if paused:
        base = counter(args, net, C)
        townships_signal(net, signal.SIGSTOP)
        try:
            out, rc = drive(args, "burst", "--node", net.data_dir(C), "--to", SPEC, "--count",
                            str(k), "--ids-file", ids, "--timeout", "4")
            if rc != 0:
                raise bl.BenchError("issuing with the townships paused failed: %r" % out)
            issue_s = out["issue_seconds"]
            issue_per_s = out["issue_per_second"]
            issue_ms = (out.get("issue_ms_median"), out.get("issue_ms_p99"))
        finally:
            t_cont = time.monotonic()
            townships_signal(net, signal.SIGCONT)
        out, rc = drive(args, "burst", "--count", "0", "--watch",
                        "%s:items_applied:%d:%d" % (net.data_dir(C), k * nvill, base),
                        "--timeout", str(args.timeout), "--interval-us", "5000",
                        timeout=args.timeout + 60)
        if rc != 0:
            raise bl.BenchError("paused-mode deliveries did not complete: %r" % out)
        w = out["watch"][0]
        w["seconds"] = w["t_reached_us"] / 1e6 - t_cont
        out["issue_seconds"], out["issue_per_second"] = issue_s, issue_per_s
        out["issue_ms_median"], out["issue_ms_p99"] = issue_ms
    else:
        out, rc = drive(args, "burst", "--node", net.data_dir(C), "--to", SPEC, "--count",
                        str(k), "--ids-file", ids, "--concurrent", str(args.concurrent), "--watch",
                        "%s:items_applied:%d" % (net.data_dir(C), k * nvill),
                        "--timeout", str(args.timeout), "--interval-us", "5000",
                        timeout=args.timeout + 60)
        if rc != 0:
            raise bl.BenchError("deliveries did not complete: %r" % out)
        w = out["watch"][0]
    cpu = cpu_delta(cpu0, cpu_by_role(net))
    # The counter counts every item the county applies, and a township's
    # audit checkpoint is one too: it can reach K*V a few deliveries early.
    # The matrix decides; what it still lacks must arrive within the deadline.
    t_counter = time.monotonic()
    late_s = 0.0
    while True:
        shown, rc = drive(args, "show", "--node", net.data_dir(C), "--ids-file", ids)
        bad = rc != 0 or shown["targets"] != k * nvill or shown["by_state"]["0"] != 0
        if not bad:
            break
        late_s = time.monotonic() - t_counter
        if late_s > 60:
            raise bl.BenchError("60 s after the counter: directive.show disagrees: %r" % shown)
        time.sleep(0.05)
    if late_s:
        bl.log("  the matrix was complete %.3f s after the counter (checkpoints counted)" % late_s)
    return {"k": k, "targets": shown["targets"], "seconds": w["seconds"] + late_s,
            "matrix_late_s": late_s,
            "per_s": k * nvill / (w["seconds"] + late_s), "issue_s": out["issue_seconds"],
            "issue_per_s": out["issue_per_second"], "issue_ms_median": out.get("issue_ms_median"),
            "issue_ms_p99": out.get("issue_ms_p99"), "cpu_s": cpu, "loadavg": bl.loadavg(),
            "cpu_busy_before": busy}


def statuses(net, args, nvill, ids, work):
    k = args.count
    nodes = os.path.join(work, "villages")
    with open(nodes, "w") as f:
        for i in net.ids:
            if bl.role_of(i) == "village":
                f.write(net.data_dir(i) + "\n")
    busy = bl.wait_quiet(args.quiet, args.quiet_wait)
    base = counter(args, net, C)
    cpu0 = cpu_by_role(net)
    acker = subprocess.Popen([args.drive_path, "ack", "--nodes-file", nodes, "--ids-file", ids,
                              "--state", "4", "--timeout", str(args.timeout)],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        out, rc = drive(args, "burst", "--count", "0", "--watch",
                        "%s:items_applied:%d:%d" % (net.data_dir(C), k * nvill, base),
                        "--timeout", str(args.timeout), "--interval-us", "5000",
                        timeout=args.timeout + 60)
        aout, aerr = acker.communicate(timeout=args.timeout + 60)
    finally:
        if acker.poll() is None:
            acker.kill()
            acker.wait(10)
    cpu = cpu_delta(cpu0, cpu_by_role(net))
    ack = json.loads(aout) if aout.strip() else {"error": aerr}
    if acker.returncode != 0 or rc != 0:
        raise bl.BenchError("statuses did not complete: ack %r / watch %r" % (ack, out))
    shown, rc = drive(args, "show", "--node", net.data_dir(C), "--ids-file", ids)
    if rc != 0 or shown["by_state"]["4"] != k * nvill:
        raise bl.BenchError("after the acks: directive.show says %r" % shown)
    t_first = ack["t_first_us"] / 1e6
    t_done = out["watch"][0]["t_reached_us"] / 1e6
    return {"k": k, "acks": ack["ok"], "seconds": t_done - t_first,
            "per_s": k * nvill / (t_done - t_first), "ack_seconds": ack["seconds"],
            "ack_per_s": ack["per_second"], "cpu_s": cpu, "loadavg": bl.loadavg(),
            "cpu_busy_before": busy}


def latency(net, args, nvill):
    bl.wait_quiet(args.quiet, args.quiet_wait)
    out, rc = drive(args, "latency", "--node", net.data_dir(C), "--to", SPEC, "--repeats",
                    str(args.repeats), "--watch", "%s:items_applied:%d" % (net.data_dir(C), nvill),
                    "--interval-us", "500", "--timeout", str(args.timeout),
                    timeout=args.timeout + 60)
    if rc != 0:
        raise bl.BenchError("latency runs did not complete: %r" % out)
    return out


def set_nice(pid, nice):
    """Gives a node's process more (or less) CPU: every thread's nice value (the
    ZeroMQ I/O thread carries the node's traffic too) and, as each node runs in
    its own session, its scheduler autogroup's (with autogroups on, CPU is
    shared between groups first and a thread's own nice only counts within its
    group)."""
    for tid in os.listdir("/proc/%d/task" % pid):
        os.setpriority(os.PRIO_PROCESS, int(tid), nice)
    try:
        with open("/proc/%d/autogroup" % pid, "w") as f:
            f.write(str(nice))
    except OSError:
        pass  # no autogroups in this kernel


def pin(pid, cpus):
    """Every thread of a node's process (the ZeroMQ I/O thread too) on cpus."""
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            os.sched_setaffinity(int(tid), cpus)
        except OSError:
            pass  # a thread that ended meanwhile


def link_counters(net):
    """Per role, the sums of the delivery counters that show wasted work:
    resends (ack overdue or asked for) and messages received twice."""
    names = ("resends", "frames_duplicate", "sequence_gaps", "items_duplicate",
             "batches_committed", "items_applied")
    out = {}
    for i in net.ids:
        st = net.status(i)
        if not st:
            continue
        role = out.setdefault(bl.role_of(i), dict.fromkeys(names, 0))
        for k in names:
            role[k] += st["counters"].get(k, 0)
    return out


def one_topology(args, t, v):
    nvill = t * v
    res = {"townships": t, "villages": v, "nodes": 1 + t * (1 + v), "deliveries": [],
           "paused": [], "statuses": [], "county_nice": args.county_nice,
           "concurrent": args.concurrent}
    net = bl.BenchNet(args.carenet, args.base, args.keep)
    try:
        net.setup(t, v)
        t0 = time.monotonic()
        net.start_all()
        if args.county_nice:
            set_nice(net.pid(C), args.county_nice)
        net.wait_links_up(180)
        res["links_up_s_incl_status_sweeps"] = time.monotonic() - t0
        if args.county_cpu is not None:
            # The county on a CPU of its own, as on its own PC in the field;
            # every other node shares the rest (a sensitivity, not the
            # peers' configuration: their counties share the machine).
            others = set(range(os.cpu_count())) - {args.county_cpu}
            for i in net.ids:
                pin(net.pid(i), {args.county_cpu} if i == C else others)
            res["county_cpu"] = args.county_cpu
        work = net.top
        res["warmups"] = registry_complete(net, args, nvill, work)
        bl.log("%dx%d: %d nodes up, registry complete after %d warm-up directive(s)" % (
            t, v, len(net.ids), res["warmups"]))
        for r in range(args.runs):
            ids = os.path.join(work, "run%d.ids" % r)
            d = deliveries(net, args, nvill, ids)
            res["deliveries"].append(d)
            bl.log("  run %d: %d deliveries in %.3f s (%.0f/s; issuing took %.3f s); CPU s %s" % (
                r + 1, d["targets"], d["seconds"], d["per_s"], d["issue_s"],
                {k: round(x, 2) for k, x in d["cpu_s"].items()}))
            if not args.skip_paused:
                pids = os.path.join(work, "paused%d.ids" % r)
                d = deliveries(net, args, nvill, pids, paused=True)
                res["paused"].append(d)
                bl.log("  run %d paused: %d deliveries %.3f s after SIGCONT (%.0f/s; issuing "
                       "took %.3f s); CPU s %s" % (
                           r + 1, d["targets"], d["seconds"], d["per_s"], d["issue_s"],
                           {k: round(x, 2) for k, x in d["cpu_s"].items()}))
            if not args.skip_statuses:
                s = statuses(net, args, nvill, ids, work)
                res["statuses"].append(s)
                bl.log("  run %d: %d done statuses at the county %.3f s after the first ack "
                       "(%.0f/s; acks took %.3f s); CPU s %s" % (
                           r + 1, s["acks"], s["seconds"], s["per_s"], s["ack_seconds"],
                           {k: round(x, 2) for k, x in s["cpu_s"].items()}))
        res["latency"] = latency(net, args, nvill)
        bl.log("  latency: median %.1f ms, p99 %.1f ms over %d" % (
            res["latency"]["median_ms"], res["latency"]["p99_ms"], res["latency"]["done"]))
        mem = net.memory()
        res["memory"] = bl.mem_by_role(mem)
        res["link_counters"] = link_counters(net)
        res["memory_raw"] = mem
        # Where one office of each role keeps its memory: the first township
        # and its first village, and the county (Pss and private pages by mapping).
        res["memory_where"] = {i: bl.proc_pss_by_mapping(net.pid(i))
                               for i in (C, C + "001", C + "001001")}
        res["links_after"] = [] if args.skip_final_check else net.link_problems()
    finally:
        killed = net.cleanup()
        if killed:
            bl.log("  killed after SIGTERM timeout: %s" % ", ".join(killed))
    return res


def report(res):
    n = res["villages"] * res["townships"]
    lines = ["### %d townships x %d villages (%d nodes), K=%d directives to every village" % (
        res["townships"], res["villages"], res["nodes"], res["deliveries"][0]["k"]), ""]
    lines += ["| measure | median | min | max | runs |", "|---|---:|---:|---:|---:|"]

    def row(what, vals, d=3):
        s = bl.summary(vals)
        lines.append("| %s | %.*f | %.*f | %.*f | %d |" % (what, d, s["median"], d, s["min"], d,
                                                          s["max"], s["n"]))
    def cpu_rows(rows, what):
        for role, label in (("county", "county"), ("township", "all townships"),
                            ("village", "all villages")):
            tot = bl.summary([x["cpu_s"][role] for x in rows])
            ker = bl.summary([x["cpu_s"][role + "_sys"] for x in rows])
            lines.append("| %s: CPU s of %s (kernel part) | %.2f (%.2f) | %.2f (%.2f) | "
                         "%.2f (%.2f) | %d |" % (what, label, tot["median"], ker["median"],
                                                 tot["min"], ker["min"], tot["max"], ker["max"],
                                                 tot["n"]))
        tot = [sum(x["cpu_s"][r] for r in ("county", "township", "village")) for x in rows]
        row("%s: CPU ms of the whole network per delivery/status" % what,
            [c * 1e3 / (x["k"] * n) for c, x in zip(tot, rows)], 3)

    dl = res["deliveries"]
    if res.get("concurrent", 1) > 1:
        lines.append("| live: issued over %d control connections at once | | | | |" % res["concurrent"])
    row("live: %d deliveries, first issue to last status at the county (s)" % dl[0]["targets"],
        [x["seconds"] for x in dl])
    row("live: deliveries/s", [x["per_s"] for x in dl], 0)
    row("live: issuing the K directives (s)", [x["issue_s"] for x in dl])
    if all(x.get("issue_ms_median") is not None for x in dl):
        row("live: one issue request, median (ms)", [x["issue_ms_median"] for x in dl], 1)
        row("live: one issue request, p99 (ms)", [x["issue_ms_p99"] for x in dl], 1)
    cpu_rows(dl, "live")
    pz = res["paused"]
    if pz:
        row("paused: %d deliveries, SIGCONT to last status at the county (s)" % pz[0]["targets"],
            [x["seconds"] for x in pz])
        row("paused: deliveries/s", [x["per_s"] for x in pz], 0)
        row("paused: issuing the K directives, townships stopped (s)",
            [x["issue_s"] for x in pz])
        cpu_rows(pz, "paused")
    st = res["statuses"]
    if st:
        row("%d done statuses: first ack to last at the county (s)" % (st[0]["k"] * n),
            [x["seconds"] for x in st])
        row("statuses/s", [x["per_s"] for x in st], 0)
        row("acks accepted by the villages/s", [x["ack_per_s"] for x in st], 0)
        cpu_rows(st, "acks")
    lat = res["latency"]
    lines.append("")
    lines.append("One directive to all %d villages until every delivery status is at the county, "
                 "%d repeats: median %.1f ms, p99 %.1f ms, min %.1f ms, max %.1f ms." % (
                     n, lat["done"], lat["median_ms"], lat["p99_ms"], lat["min_ms"],
                     lat["max_ms"]))
    m = res["memory"]
    lines.append("")
    lines.append("Memory at the end (MiB): sum of VmHWM %.1f, of VmRSS %.1f, of Pss %.1f, of "
                 "RssAnon %.1f over %d nodes." % (m["sum"]["VmHWM"], m["sum"]["VmRSS"],
                                                  m["sum"]["Pss"], m["sum"]["RssAnon"], m["n"]))
    lines.append("")
    lines.append("| role | nodes | VmHWM median | VmHWM max | Pss median | RssAnon median | "
                 "RssAnon max |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|")
    for role in ("county", "township", "village"):
        if role in m:
            r = m[role]
            lines.append("| %s | %d | %.2f | %.2f | %.2f | %.2f | %.2f |" % (
                role, r["n"], r["VmHWM"]["median"], r["VmHWM"]["max"], r["Pss"]["median"],
                r["RssAnon"]["median"], r["RssAnon"]["max"]))
    mw = res.get("memory_where", {})
    if mw:
        lines.append("")
        lines.append("Where one office of each role keeps it (KiB: Pss / private dirty, by mapping):")
        lines.append("")
        for node_id, maps in mw.items():
            lines.append("- %s: %s" % (node_id, ", ".join("%s %d/%d" % (n, p, d)
                                                          for p, d, n in maps)))
    lc = res.get("link_counters", {})
    if lc:
        lines.append("")
        lines.append("Delivery counters summed per role over the whole run (warm-up, all phases):")
        lines.append("")
        lines.append("| role | items applied | batches committed | resends | duplicate messages "
                     "received | duplicate items | sequence gaps |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|")
        for role in ("county", "township", "village"):
            if role in lc:
                c = lc[role]
                lines.append("| %s | %d | %d | %d | %d | %d | %d |" % (
                    role, c["items_applied"], c["batches_committed"], c["resends"],
                    c["frames_duplicate"], c["items_duplicate"], c["sequence_gaps"]))
    if res.get("links_after"):
        lines.append("\nLinks not all up at the end: %s" % "; ".join(res["links_after"][:10]))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    bl.common_args(ap)
    ap.add_argument("--topologies", default="10x10,20x15")
    ap.add_argument("--count", type=int, default=100, help="K directives a run (default 100)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=30, help="latency repeats (default 30)")
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("--skip-statuses", action="store_true")
    ap.add_argument("--skip-paused", action="store_true")
    ap.add_argument("--county-cpu", type=int, default=None,
                    help="pin the county's threads on this CPU and every other node's on the "
                         "others (the county as on a PC of its own; needs 2 CPUs or more)")
    ap.add_argument("--county-nice", type=int, default=0,
                    help="nice value for the county process (negative needs CAP_SYS_NICE)")
    ap.add_argument("--skip-final-check", action="store_true")
    ap.add_argument("--concurrent", type=int, default=1,
                    help="live: issue over C control connections at once, one request "
                         "outstanding on each (C operators; the peers' counties publish all "
                         "K at once); default 1, one after another")
    args = ap.parse_args()
    if not 1 <= args.runs <= 50 or not 1 <= args.count <= 10000 or not 1 <= args.repeats <= 1000 \
            or not 1 <= args.concurrent <= 64:
        ap.error("--runs 1..50, --count 1..10000, --repeats 1..1000, --concurrent 1..64")
    args.drive_path = bl.drive_path(args)
    nofile = bl.raise_nofile()
    out = {"benchmark": "fanout", "machine": bl.machine(), "nofile": nofile,
           "command": " ".join(sys.argv), "topologies": []}
    try:
        for topo in args.topologies.split(","):
            t, v = (int(x) for x in topo.lower().split("x"))
            res = one_topology(args, t, v)
            out["topologies"].append(res)
            print(report(res) + "\n", flush=True)
    except bl.BenchError as e:
        print("FAIL: %s" % e, file=sys.stderr)
        return 1
    finally:
        out["machine"]["loadavg_at_end"] = bl.loadavg()
        bl.write_json(args.json, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

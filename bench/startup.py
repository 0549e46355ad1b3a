#!/usr/bin/env python3
"""Benchmarks 1 and 2: start-up to "links up", and idle memory per node.

For each topology (county + T townships x V villages) and each run:
  1. a fresh `carenet demo --setup-only` network (new PKI, empty data dirs);
  2. every node started at once (one Popen after another, no waits);
  3. timed from each node's own log lines, read through pipes and stamped on
     arrival: "running" (initialised), "parent up" (its HELLO answered with
     WELCOME), and at each parent "<role> up" for every child;
     links are "all up" when every child logged "parent up" and every
     parent logged every child up;
  4. confirmed through `carenet status --json` of every node (every parent
     link up, exactly the direct children up);
  5. after the network idles --idle seconds: VmRSS, VmHWM (and Pss,
     RssAnon) of every node from /proc;
  6. (--restart) all nodes stopped and started again on their existing data,
     timed the same way.

  bench/startup.py --carenet build-bench/carenet [--topologies 2x2,10x10] [--runs 5]
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402


def links_up_at(net, t_after):
    """Monotonic time when the last expected link event arrived, or None."""
    r = net.reader
    last = 0.0
    for i in net.ids:
        par = bl.parent_of(i)
        if par:
            t = r.first(i, "parent_up", par, t_after)
            if t is None:
                return None
            last = max(last, t)
        for c in net.children_of(i):
            t = r.first(i, "child_up", c, t_after)
            if t is None:
                return None
            last = max(last, t)
    return last


def start_and_time(net, timeout):
    """Starts every node; returns the timings of this start."""
    t_start = time.monotonic()
    net.start_all(piped=True)
    t_spawned = time.monotonic()
    deadline = t_start + timeout
    t_all = None
    for _ in range(1000000):
        t_all = links_up_at(net, t_start)
        if t_all is not None or time.monotonic() > deadline:
            break
        dead = net.dead()
        if dead:
            raise bl.BenchError("node(s) exited during start-up: %s" % ", ".join(dead[:10]))
        time.sleep(0.01)
    if t_all is None:
        missing = [i for i in net.ids if bl.parent_of(i)
                   and net.reader.first(i, "parent_up", bl.parent_of(i), t_start) is None]
        raise bl.BenchError("links not all up after %d s; no parent link yet at %d nodes: %s" % (
            timeout, len(missing), ", ".join(missing[:10])))
    r = net.reader
    per_node = {}
    for i in net.ids:
        spawned = net.spawned[i]
        running = r.first(i, "running", None, t_start)
        par = bl.parent_of(i)
        up = r.first(i, "parent_up", par, t_start) if par else None
        per_node[i] = {"running_ms": (running - spawned) * 1e3 if running else None,
                       "parent_up_ms": (up - spawned) * 1e3 if up else None}
    # What an operator would see: every status --json agrees.
    problems = net.link_problems()
    t_confirmed = time.monotonic()
    downs = r.count("parent_down", t_start) + r.count("child_gone", t_start)
    return {"all_links_up_s": t_all - t_start, "spawn_s": t_spawned - t_start,
            "status_confirmed_s": t_confirmed - t_start, "status_problems": problems,
            "link_drops": downs, "per_node": per_node}


def per_role(runs, field):
    """Per role, over all nodes of all runs: summary of per_node[field] (ms)."""
    out = {}
    for role in ("county", "township", "village"):
        vals = [pn[field] for r in runs for i, pn in r["per_node"].items()
                if bl.role_of(i) == role and pn[field] is not None]
        if vals:
            out[role] = bl.summary(vals)
    return out


def cpu_of(net):
    vals = {}
    for i in net.ids:
        pid = net.pid(i)
        c = bl.proc_cpu(pid) if pid else None
        if c is not None:
            vals[i] = c
    return vals


def one_topology(args, t, v):
    results = {"townships": t, "villages": v, "nodes": 1 + t * (1 + v), "runs": [],
               "restarts": []}
    for n in range(args.runs):
        net = bl.BenchNet(args.carenet, args.base, args.keep)
        try:
            setup_s = net.setup(t, v)
            bl.log("%dx%d run %d/%d: setup %.1f s, starting %d nodes" % (
                t, v, n + 1, args.runs, setup_s, len(net.ids)))
            busy = bl.wait_quiet(args.quiet, args.quiet_wait)
            first = start_and_time(net, args.timeout)
            first["cpu_busy_before"] = busy
            first["setup_s"] = setup_s
            first["cpu_s"] = cpu_of(net)
            time.sleep(args.idle)  # the measurement condition: an idle network
            first["memory"] = net.memory()
            first["rss_by_mapping"] = {}
            for role in ("county", "township", "village"):
                ids = [i for i in net.ids if bl.role_of(i) == role]
                if ids and net.pid(ids[0]):
                    first["rss_by_mapping"][role] = bl.proc_rss_by_mapping(net.pid(ids[0]))
            first["loadavg"] = bl.loadavg()
            results["runs"].append(first)
            bl.log("  links up in %.3f s (spawn %.3f s), status confirmed at %.2f s, "
                   "problems %d, drops %d" % (first["all_links_up_s"], first["spawn_s"],
                                              first["status_confirmed_s"],
                                              len(first["status_problems"]),
                                              first["link_drops"]))
            if args.restart:
                net.stop_all()
                busy = bl.wait_quiet(args.quiet, args.quiet_wait)
                again = start_and_time(net, args.timeout)
                again["cpu_busy_before"] = busy
                results["restarts"].append(again)
                bl.log("  restart: links up in %.3f s" % again["all_links_up_s"])
        finally:
            killed = net.cleanup()
            if killed:
                bl.log("  killed after SIGTERM timeout: %s" % ", ".join(killed))
    return results


def report(res):
    runs = res["runs"]
    tot = bl.summary([r["all_links_up_s"] for r in runs])
    spawn = bl.summary([r["spawn_s"] for r in runs])
    lines = ["### %d townships x %d villages (%d nodes), %d runs" % (
        res["townships"], res["villages"], res["nodes"], len(runs)), ""]
    lines.append("| measure | median | min | max |")
    lines.append("|---|---:|---:|---:|")
    lines.append("| all links up, from the first spawn (s) | %.3f | %.3f | %.3f |" % (
        tot["median"], tot["min"], tot["max"]))
    lines.append("| spawning all processes (s) | %.3f | %.3f | %.3f |" % (
        spawn["median"], spawn["min"], spawn["max"]))
    if res["restarts"]:
        rs = bl.summary([r["all_links_up_s"] for r in res["restarts"]])
        lines.append("| restart on existing data: all links up (s) | %.3f | %.3f | %.3f |" % (
            rs["median"], rs["min"], rs["max"]))
    lines.append("")
    lines.append("Per node, all runs pooled (ms from its own spawn):")
    lines.append("")
    lines.append("| role | nodes | initialised median | p90 | max | parent link up median "
                 "| p90 | max |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    ini, up = per_role(runs, "running_ms"), per_role(runs, "parent_up_ms")
    for role in ("county", "township", "village"):
        if role not in ini:
            continue
        u = up.get(role, {"n": 0})
        lines.append("| %s | %d | %.1f | %.1f | %.1f | %s | %s | %s |" % (
            role, ini[role]["n"] // len(runs), ini[role]["median"], ini[role]["p90"],
            ini[role]["max"], bl.fmt(u.get("median")), bl.fmt(u.get("p90")),
            bl.fmt(u.get("max"))))
    lines.append("")
    lines.append("Idle memory after links up + idle (MiB), every node of every run:")
    lines.append("")
    lines.append("| role | VmRSS median | VmRSS max | VmHWM median | VmHWM max | Pss median "
                 "| RssAnon median |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|")
    allmem = {}
    for k, r in enumerate(runs):
        for i, m in r["memory"].items():
            allmem["%d/%s" % (k, i)] = m
    for role in ("county", "township", "village"):
        ms = [m for key, m in allmem.items() if bl.role_of(key.split("/")[1]) == role]
        if not ms:
            continue

        def med(k):
            return bl.summary([m[k] / 1024.0 for m in ms])
        lines.append("| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |" % (
            role, med("VmRSS")["median"], med("VmRSS")["max"], med("VmHWM")["median"],
            med("VmHWM")["max"], med("Pss")["median"], med("RssAnon")["median"]))
    sums = [bl.mem_by_role(r["memory"])["sum"] for r in runs]
    lines.append("")
    lines.append("Whole network (MiB, median over runs): sum of VmRSS %.1f, of VmHWM %.1f, "
                 "of Pss %.1f." % (bl.summary([s["VmRSS"] for s in sums])["median"],
                                   bl.summary([s["VmHWM"] for s in sums])["median"],
                                   bl.summary([s["Pss"] for s in sums])["median"]))
    lines.append("")
    lines.append("Largest resident mappings of one node per role (KiB, last run):")
    lines.append("")
    for role, maps in runs[-1].get("rss_by_mapping", {}).items():
        lines.append("- %s: %s" % (role, ", ".join("%s %d" % (n, kb) for kb, n in maps)))
    lines.append("")
    percpu = []
    for role in ("county", "township", "village"):
        vals = [c * 1e3 for r in runs for i, c in r["cpu_s"].items() if bl.role_of(i) == role]
        if vals:
            percpu.append("%s %.0f" % (role, bl.summary(vals)["median"]))
    lines.append("CPU time per node from spawn to links up and one status request (ms, median): "
                 "%s." % ", ".join(percpu))
    cpu = [sum(r["cpu_s"].values()) for r in runs]
    lines.append("CPU time of all nodes from spawn to links up + status sweep (s, median): "
                 "%.2f. Link drops during start-up: %s. Status sweep problems: %s." % (
                     bl.summary(cpu)["median"], [r["link_drops"] for r in runs],
                     [len(r["status_problems"]) for r in runs]))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    bl.common_args(ap)
    ap.add_argument("--topologies", default="2x2,10x10",
                    help="TOWNSHIPSxVILLAGES, comma separated (default 2x2,10x10)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--idle", type=float, default=5.0, help="idle seconds before memory")
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--restart", action="store_true",
                    help="also time a restart of all nodes on their existing data")
    args = ap.parse_args()
    if not 1 <= args.runs <= 50:
        ap.error("--runs must be 1..50")
    nofile = bl.raise_nofile()
    out = {"benchmark": "startup", "machine": bl.machine(), "nofile": nofile,
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

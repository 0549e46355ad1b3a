#!/usr/bin/env python3
"""Benchmark 3: CURVE handshakes (with HELLO/WELCOME) per second a township accepts.

A 2x2 demo network runs; two extra village identities under township
530102001 are issued the way an operator would (carenet init, ca issue,
enroll), so no running village's key is borrowed. carenet-probe
--handshakes N opens N sequential connections to the township, each a CURVE
handshake followed by HELLO (certificate chain) and the township's WELCOME.
Measured: --runs repetitions of one probe, then of two probes at once (with
different identities); for each, the probes' own per-second figures and the
township's CPU seconds (from /proc) during the run, so the rate can be put
per CPU-second of the accepting node.

  bench/handshakes.py --carenet build-bench/carenet --probe build-bench/carenet-probe
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402

TOWNSHIP = "530102001"
EXTRA = ("530102001009", "530102001008")


def identity(net, node_id):
    """Issues a node identity under the demo's county CA; returns its directory."""
    ca = os.path.join(net.dir, "ca-530102")
    d = os.path.join(net.top, "extra-" + node_id)
    c = net.carenet
    bl.run([c, "init", "--dir", d, "--id", node_id])
    bl.run([c, "ca", "issue", "--ca", ca, "--csr", os.path.join(d, "request.pem"),
            "--out", os.path.join(d, "bundle")])
    # The probe only borrows the keys and chain; these endpoints are never used.
    bl.run([c, "enroll", os.path.join(d, "bundle"), "--dir", d, "--parent-endpoint",
            "tcp://127.0.0.1:9", "--listen", "tcp://127.0.0.1:9"])
    return d


def probe_argv(args, endpoint, cert, ident, n):
    return [args.probe, "--endpoint", endpoint, "--server-cert", cert, "--identity", ident,
            "--handshakes", str(n)]


def run_probes(argvs, timeout):
    """Runs the probes at once; returns (their JSON outputs, wall seconds, their CPU seconds)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    procs = [subprocess.Popen(a, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for a in argvs]
    outs = []
    try:
        for p in procs:
            out, err = p.communicate(timeout=max(1, timeout - (time.monotonic() - t0)))
            if p.returncode != 0:
                raise bl.BenchError("probe exited %d: %s %s" % (p.returncode, out, err))
            outs.append(json.loads(out))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(10)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return outs, wall, cpu


def measure(net, args, idents, n, runs):
    endpoint = net.status(TOWNSHIP)["listen"]
    cert = os.path.join(net.dir, TOWNSHIP, "node.pem")
    pid = net.pid(TOWNSHIP)
    rows = []
    for r in range(runs):
        busy = bl.wait_quiet(args.quiet, args.quiet_wait)
        hs0 = net.counter(TOWNSHIP, "handshakes_ok")
        c0 = bl.proc_cpu(pid)
        outs, wall, probe_cpu = run_probes(
            [probe_argv(args, endpoint, cert, i, n) for i in idents], args.timeout)
        c1 = bl.proc_cpu(pid)
        hs1 = net.counter(TOWNSHIP, "handshakes_ok")
        ok = sum(o["ok"] for o in outs)
        row = {"probes": len(idents), "n_each": n, "ok": ok,
               "per_second_each": [o["per_second"] for o in outs],
               "combined_per_second": ok / max(o["seconds"] for o in outs),
               "wall_s": wall, "township_cpu_s": c1 - c0, "probe_cpu_s": probe_cpu,
               "township_handshakes_counted": hs1 - hs0, "loadavg": bl.loadavg(),
               "cpu_busy_before": busy}
        row["per_township_cpu_second"] = ok / row["township_cpu_s"] if row["township_cpu_s"] else None
        rows.append(row)
        bl.log("  %d probe(s) x %d: %.0f/s combined, township CPU %.2f s, probes CPU %.2f s, "
               "counted %d" % (len(idents), n, row["combined_per_second"], row["township_cpu_s"],
                               probe_cpu, row["township_handshakes_counted"]))
    return rows


def table(title, rows):
    def s(key):
        return bl.summary([r[key] for r in rows if r[key] is not None])
    lines = ["%s (%d runs)" % (title, len(rows)), "",
             "| measure | median | min | max |", "|---|---:|---:|---:|"]
    for key, what, d in (("combined_per_second", "handshakes/s accepted (all probes together)", 1),
                         ("township_cpu_s", "township CPU seconds per run", 2),
                         ("probe_cpu_s", "probes' CPU seconds per run", 2),
                         ("per_township_cpu_second", "handshakes per township CPU-second", 0)):
        x = s(key)
        lines.append("| %s | %.*f | %.*f | %.*f |" % (what, d, x["median"], d, x["min"], d,
                                                     x["max"]))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    bl.common_args(ap)
    ap.add_argument("--handshakes", type=int, default=200, help="N per probe (default 200)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=300.0, help="per run, seconds")
    args = ap.parse_args()
    if not args.probe or not os.access(args.probe, os.X_OK):
        ap.error("--probe PATH (carenet-probe) is required")
    if not 1 <= args.runs <= 50 or not 1 <= args.handshakes <= 100000:
        ap.error("--runs 1..50, --handshakes 1..100000")
    out = {"benchmark": "handshakes", "machine": bl.machine(), "command": " ".join(sys.argv)}
    net = bl.BenchNet(args.carenet, args.base, args.keep)
    try:
        net.setup(2, 2)
        net.start_all()
        net.wait_links_up(60)
        idents = [identity(net, i) for i in EXTRA]
        ep = net.status(TOWNSHIP)["listen"]
        cert = os.path.join(net.dir, TOWNSHIP, "node.pem")
        run_probes([probe_argv(args, ep, cert, idents[0], 20)], 60)  # warm-up, not counted
        mem0 = bl.proc_mem(net.pid(TOWNSHIP))
        bl.log("one probe:")
        out["single"] = measure(net, args, idents[:1], args.handshakes, args.runs)
        bl.log("two probes at once:")
        out["parallel"] = measure(net, args, idents, args.handshakes, args.runs)
        mem1 = bl.proc_mem(net.pid(TOWNSHIP))
        out["township_memory_kib"] = {"before": mem0, "after": mem1}
        problems = net.link_problems()
        out["links_after"] = problems
        st = net.status(TOWNSHIP)
        out["township_counters"] = st["counters"]
        print(table("One probe, N=%d sequential handshakes" % args.handshakes, out["single"]))
        print()
        print(table("Two probes at once, N=%d each" % args.handshakes, out["parallel"]))
        print()
        print("Township VmRSS before %d KiB, after %d handshakes %d KiB (VmHWM %d KiB); "
              "legitimate links after: %s" % (
                  mem0["VmRSS"], args.handshakes * args.runs * 3 + 20, mem1["VmRSS"],
                  mem1["VmHWM"], "all up" if not problems else problems))
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

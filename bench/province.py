#!/usr/bin/env python3
"""Benchmark: compliance and the bulletin at the province over 129 counties (issue 14 item 4).

Network (no townships or villages): the root CA (scope 53), the province node 53,
--prefectures prefecture nodes (Yunnan's 16 codes: 5301 5303 ... 5334) issued at
the root, and --counties county nodes spread over them (530102, 530103, ...), each
with its own county CA and the prefecture as its parent; real processes on
127.0.0.1, test clocks.

  ledger     each county imports its own children (`carenet record import
             --type child` at the county: the county's ledger written directly,
             sized like a real county: --min-children .. --max-children, spread
             over the counties), a staff row and a home (R01) per county.
  month end  the province's and prefectures' clocks move 32 days on, then every
             county's: the time from the first county's `clock --advance` until
             the province holds all the counties' roll-ups of that month (its
             `ledger summary --json`, polled), each with its compliance results
             (compliance.rollup_standards: yunnan-2018-plan, mca-2018-demo, judged
             at the month's last day inside the county's write txn; the county
             logs how long that took).
  compliance `carenet compliance --standard yunnan-2018-plan --json` at the
             province, --reps times (target < 1 s), and --html; the same of
             mca-2018-demo; `carenet bulletin --month M --json` at the province.
  bytes      per county per month on its upward link: the roll-up item's size
             (the county's log), the bytes the county's socket to its
             prefecture sent while the roll-ups went up (ss -ti bytes_acked),
             and the idle link's bytes per second (pings and the health
             summary every ping interval) over --idle seconds, times 30 days.
  memory     VmRSS of the province, prefectures and counties.

  # HOOK (province directive): "a province directive to all 129 counties
  # acknowledged back" (issue 14's target < 2 s) is added by the coordinator
  # after merging the province-directives branch: see directive_hook() below.

  bench/province.py --carenet build-bench/carenet [--prefectures 16] [--counties 129]
                    [--min-children 300] [--max-children 2000] [--reps 5] [--json FILE]
"""

import argparse
import concurrent.futures
import hashlib
import json
import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402
import records_fanout as rf  # noqa: E402

PROVINCE = "53"
PREFECTURES = ["5301", "5303", "5304", "5305", "5306", "5307", "5308", "5309", "5323", "5325",
               "5326", "5328", "5329", "5331", "5333", "5334"]
RE_RESULTS = re.compile(r"rollup: (\d+) results of \d+ standard\(s\) at \S+ evaluated in "
                        r"([\d.]+) ms")
RE_ITEM = re.compile(r"rollup: (\d+) made its roll-up of \S+ \((\d+) counts, (\d+) results, "
                     r"item (\d+) bytes\)")


def plan(nprefs, ncounties):
    prefs = PREFECTURES[:nprefs]
    counties = []
    for k in range(ncounties):
        p = prefs[k % nprefs]
        counties.append("%s%02d" % (p, 2 + k // nprefs))
    return prefs, sorted(counties)


class Net(bl.BenchNet):
    def __init__(self, args):
        super().__init__(args.carenet, args.base, args.keep)
        self.root = os.path.join(self.top, "ca-root")
        self.port = args.base_port
        self.ports = {}
        self.lock = threading.Lock()

    def cli(self, *argv, timeout=120):
        return bl.run([self.carenet] + [str(a) for a in argv], timeout=timeout)

    def node(self, nid, name, ca, parent=None, listen=True):
        nd = os.path.join(self.dir, nid)
        self.cli("init", "--dir", nd, "--id", nid, "--name", name)
        issue = ["ca", "issue", "--ca", ca, "--csr", os.path.join(nd, "request.pem")]
        if listen:
            with self.lock:
                self.ports[nid] = self.port
                self.port += 1
            issue += ["--endpoint", "tcp://127.0.0.1:%d" % self.ports[nid]]
        if parent:
            issue += ["--parent-cert", os.path.join(self.root, "issued", parent + ".pem"),
                      "--parent-endpoint", "tcp://127.0.0.1:%d" % self.ports[parent]]
        self.cli(*issue)
        enroll = ["enroll", os.path.join(ca, "issued", nid + ".bundle"), "--dir", nd,
                  "--root-sha256", self.sha]
        if listen:
            enroll += ["--listen", "tcp://127.0.0.1:%d" % self.ports[nid]]
        self.cli(*enroll)
        with open(self.cfg(nid), "a") as f:
            f.write("\ntest_clock = true;\n")

    def county(self, cid, pref):
        ca = os.path.join(self.top, "ca-" + cid)
        self.cli("ca", "init", "--dir", ca, "--scope", cid, "--name", "县 " + cid, "--root",
                 self.root)
        self.node(cid, "县儿童福利指导中心 " + cid, ca, parent=pref)

    def build(self, prefs, counties, workers):
        os.makedirs(self.dir)
        self.cli("ca", "init", "--dir", self.root, "--scope", PROVINCE, "--name",
                 "云南省民政厅 (demo)")  # a test clock needs a demo root
        self.sha = root_sha(self.root)
        self.node(PROVINCE, "云南省民政厅", self.root)
        for p in prefs:  # the root issues in order: one CA, parents first
            self.node(p, "州市民政局 " + p, self.root)
        with concurrent.futures.ThreadPoolExecutor(workers) as ex:
            for f in [ex.submit(self.county, c, c[:4]) for c in counties]:
                f.result()
        self.ids = [PROVINCE] + prefs + counties


def root_sha(root):
    """SHA-256 of the root certificate's DER (what enroll --root-sha256 wants)."""
    import base64
    with open(os.path.join(root, "ca.pem")) as f:
        text = f.read()
    b64 = text.split("-----BEGIN CERTIFICATE-----")[1].split("-----END CERTIFICATE-----")[0]
    return hashlib.sha256(base64.b64decode("".join(b64.split()))).hexdigest()


def wait_up(net, prefs, counties, timeout):
    """Each prefecture sees all its counties up and its parent up."""
    deadline = time.monotonic() + timeout
    for _ in range(100000):
        bad = []
        dead = net.dead()
        if dead:
            raise bl.BenchError("node(s) exited: %s" % ", ".join(dead[:10]))
        for p in prefs:
            try:
                st = net.status(p)
            except bl.BenchError:
                st = None  # not answering yet
            if st is None:
                bad.append(p)
                continue
            up = {c["id"] for c in st.get("children", []) if c.get("state") == "up"}
            want = {c for c in counties if c.startswith(p)}
            if not want <= up or (st.get("parent") or {}).get("state") != "up":
                bad.append("%s: %d/%d counties up" % (p, len(want & up), len(want)))
        if not bad:
            return
        if time.monotonic() > deadline:
            raise bl.BenchError("links not up: %s" % "; ".join(bad[:5]))
        time.sleep(0.5)


def sizes(args, counties):
    lo, hi = args.min_children, args.max_children
    n = len(counties)
    return {c: lo + (hi - lo) * ((k * 37) % n) // max(1, n - 1) for k, c in enumerate(counties)}


def ledger_job(args, net, cid, n, base, headers, work):
    rows = [rf.child_values(base + i, cid + "001001") for i in range(n)]
    path = os.path.join(work, "%s-children.csv" % cid)
    rf.write_csv(path, headers["child"], rows)
    t0 = time.monotonic()
    rf.cli_import(args, net, cid, "child", path)
    staff = [{"姓名": "杨德明", "身份证号": rf.idnum("1985-01-01", int(cid[-3:])),
              "联系电话": "13987654321", "岗位": "儿童督导员", "专兼职": "专职",
              "聘用方式": "政府购买服务", "职责": "督导", "任职日期": "2019-05-01"}]
    path = os.path.join(work, "%s-staff.csv" % cid)
    rf.write_csv(path, headers["staff"], staff)
    rf.cli_import(args, net, cid, "staff", path)
    return time.monotonic() - t0


def ledgers(args, net, counties, work):
    headers = {t: rf.template_header(args, t) for t in ("child", "staff")}
    want = sizes(args, counties)
    base, jobs = 0, []
    with concurrent.futures.ThreadPoolExecutor(args.workers) as ex:
        for c in counties:
            jobs.append(ex.submit(ledger_job, args, net, c, want[c], base, headers, work))
            base += want[c]
        times = [j.result() for j in jobs]
    return want, times


def sockets_up(net, counties):
    """{county: bytes_acked of its socket to its prefecture} (ss -tinp)."""
    pids = {net.pid(c): c for c in counties}
    r = bl.run(["ss", "-tinpH", "state", "established"], check=False)
    out, cur = {}, None
    for line in r.stdout.splitlines():
        if not line.startswith((" ", "\t")):
            cur = None
            m = re.search(r"pid=(\d+)", line)
            parts = line.split()
            if m and int(m.group(1)) in pids and len(parts) >= 4:
                peer = int(parts[3].rsplit(":", 1)[1])
                c = pids[int(m.group(1))]
                if peer == net.ports.get(c[:4]):
                    cur = c
            continue
        m = re.search(r"bytes_acked:(\d+)", line)
        if cur and m:
            out[cur] = out.get(cur, 0) + int(m.group(1))
    return out


def rollups_at(net):
    v, _ = bl.run_json([net.carenet, "ledger", "summary", "-c", net.cfg(PROVINCE), "--json"],
                       timeout=60)
    return {o["id"]: o for o in v["offices"]}


def month_end(args, net, prefs, counties):
    for n in [PROVINCE] + prefs:
        net.cli("clock", "-c", net.cfg(n), "--advance", "32d")
    before = sockets_up(net, counties)
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(args.workers) as ex:
        list(ex.map(lambda c: net.cli("clock", "-c", net.cfg(c), "--advance", "32d"),
                    counties))
    t_adv = time.monotonic() - t0
    month, seen = None, {}
    for _ in range(100000):
        seen = rollups_at(net)
        months = {seen[c]["month"] for c in counties if c in seen}
        if len(months) == 1 and all(c in seen for c in counties):
            month = months.pop()
            break
        if time.monotonic() - t0 > args.timeout:
            raise bl.BenchError("after %d s the province holds %d of %d roll-ups" % (
                args.timeout, sum(c in seen for c in counties), len(counties)))
        time.sleep(0.05)
    t_all = time.monotonic() - t0
    after = sockets_up(net, counties)
    sent = [after.get(c, 0) - before.get(c, 0) for c in counties if c in after and c in before]
    return month, t_adv, t_all, sent, seen


def county_logs(net, counties):
    evals, items = [], []
    for c in counties:
        with open(os.path.join(net.dir, c, "node.log"), errors="replace") as f:
            text = f.read()
        evals += [(int(m.group(1)), float(m.group(2))) for m in RE_RESULTS.finditer(text)]
        items += [(int(m.group(2)), int(m.group(3)), int(m.group(4)))
                  for m in RE_ITEM.finditer(text)]
    return evals, items


def timed(argv, reps, timeout=120):
    out = []
    for _ in range(reps):
        t0 = time.monotonic()
        r = bl.run(argv, timeout=timeout)
        out.append(time.monotonic() - t0)
    return out, r.stdout


def idle_rate(args, net, counties):
    a = sockets_up(net, counties)
    t0 = time.monotonic()
    time.sleep(args.idle)
    b = sockets_up(net, counties)
    dt = time.monotonic() - t0
    per = [(b[c] - a[c]) / dt for c in counties if c in a and c in b]
    return bl.summary(per) if per else None


def eval_alone(args, net, want, month):
    """The evaluation a roll-up carries, at the largest county with nothing
    else running: both standards at the month's last day (the CLI's wall
    time, which the county's write txn pays without the CLI's start)."""
    import calendar
    c = max(want, key=lambda k: want[k])
    y, m = int(month[:4]), int(month[5:])
    at = "%s-%02d" % (month, calendar.monthrange(y, m)[1])
    out = {"county": c, "children": want[c]}
    for std in ("yunnan-2018-plan", "mca-2018-demo"):
        ts, _ = timed([net.carenet, "compliance", "-c", net.cfg(c), "--standard", std, "--at",
                       at, "--json"], args.reps)
        out[std] = bl.summary(ts)
    bl.log("evaluation alone at %s (%d children): %.3f + %.3f s" % (
        c, want[c], out["yunnan-2018-plan"]["median"], out["mca-2018-demo"]["median"]))
    return out


def directive_hook(args, net, prefs, counties):
    """HOOK: a province directive to all the counties, acknowledged back
    (issue 14's target < 2 s). Filled in by the coordinator after merging
    province directives (roles/directives from the province down):
    issue at 53 --to 53:county, each county acks, time until the province's
    `directive show` has every county done. Returns None until then."""
    return None


def run_once(args):
    prefs, counties = plan(args.prefectures, args.counties)
    net = Net(args)
    res = {"prefectures": len(prefs), "counties": len(counties)}
    try:
        t0 = time.monotonic()
        net.build(prefs, counties, args.workers)
        res["setup_s"] = time.monotonic() - t0
        bl.log("setup: %d nodes in %.1f s" % (len(net.ids), res["setup_s"]))
        net.start_all()
        wait_up(net, prefs, counties, args.timeout)
        work = os.path.join(net.top, "work")
        os.makedirs(work)
        t0 = time.monotonic()
        want, times = ledgers(args, net, counties, work)
        res["ledger"] = {"children": sum(want.values()), "min": min(want.values()),
                         "max": max(want.values()), "s": time.monotonic() - t0}
        bl.log("ledgers: %d children in %.1f s" % (sum(want.values()), res["ledger"]["s"]))
        res["memory_before"] = mem(net, prefs, counties)
        month, t_adv, t_all, sent, seen = month_end(args, net, prefs, counties)
        res["rollup"] = {"month": month, "advance_s": t_adv, "all_at_province_s": t_all,
                         "after_last_advance_s": t_all - t_adv,
                         "link_bytes_during": bl.summary(sent) if sent else None}
        evals, items = county_logs(net, counties)
        res["rollup"]["eval_ms"] = bl.summary([e[1] for e in evals]) if evals else None
        res["rollup"]["results"] = bl.summary([e[0] for e in evals]) if evals else None
        res["rollup"]["item_bytes"] = bl.summary([i[2] for i in items]) if items else None
        res["rollup"]["counts"] = bl.summary([i[0] for i in items]) if items else None
        bl.log("roll-ups of %s: all %d at the province %.2f s after the first advance" % (
            month, len(counties), t_all))
        res["eval_alone"] = eval_alone(args, net, want, month)
        for std in ("yunnan-2018-plan", "mca-2018-demo"):
            ts, out = timed([net.carenet, "compliance", "-c", net.cfg(PROVINCE), "--standard",
                             std, "--json"], args.reps)
            v = json.loads(out)
            res["compliance_" + std] = {"s": bl.summary(ts), "counties": len(v["counties"]),
                                        "summary": v["summary"], "json_bytes": len(out)}
            bl.log("compliance %s at the province: median %.3f s (%d counties)" % (
                std, bl.summary(ts)["median"], len(v["counties"])))
        page = os.path.join(work, "province.html")
        ts, _ = timed([net.carenet, "compliance", "-c", net.cfg(PROVINCE), "--standard",
                       "yunnan-2018-plan", "--html", page], args.reps)
        res["compliance_html"] = {"s": bl.summary(ts), "bytes": os.path.getsize(page)}
        ts, out = timed([net.carenet, "bulletin", "-c", net.cfg(PROVINCE), "--month", month,
                         "--json"], args.reps)
        res["bulletin"] = {"s": bl.summary(ts), "counties": json.loads(out)["counties"]}
        res["directive"] = directive_hook(args, net, prefs, counties)
        res["idle_bytes_per_s"] = idle_rate(args, net, counties)
        res["memory_after"] = mem(net, prefs, counties)
    finally:
        killed = net.cleanup()
        if killed:
            res["killed_at_stop"] = killed
    return res


def mem(net, prefs, counties):
    m = net.memory()
    out = {}
    for role, ids in (("province", [PROVINCE]), ("prefecture", prefs), ("county", counties)):
        vals = [m[i]["VmRSS"] / 1024.0 for i in ids if i in m]
        if vals:
            out[role] = {"n": len(vals), "median_mib": sorted(vals)[len(vals) // 2],
                         "max_mib": max(vals), "sum_mib": sum(vals)}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    bl.common_args(ap)
    ap.add_argument("--prefectures", type=int, default=16)
    ap.add_argument("--counties", type=int, default=129)
    ap.add_argument("--min-children", type=int, default=300)
    ap.add_argument("--max-children", type=int, default=2000)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--workers", type=int, default=4, help="CLI calls at once (setup, imports)")
    ap.add_argument("--idle", type=float, default=20.0, help="seconds of idle link measured")
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("--base-port", type=int, default=27400)
    args = ap.parse_args()
    if not 1 <= args.prefectures <= len(PREFECTURES) or args.counties < args.prefectures:
        ap.error("--prefectures 1..16 and at least one county each")
    bl.raise_nofile()
    bl.wait_quiet(args.quiet, args.quiet_wait)
    res = {"machine": bl.machine(), "args": vars(args), "run": run_once(args)}
    bl.write_json(args.json, res)
    print(json.dumps(res["run"], indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except bl.BenchError as e:
        bl.log("bench/province.py: %s" % e)
        sys.exit(1)

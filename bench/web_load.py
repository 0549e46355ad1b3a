#!/usr/bin/env python3
"""Benchmark 11: the web pages' load time (issue 12: "loads in under a second
on the office PC").

Network: county 530102, township 530102001, village 530102001001 (1+1+1),
the village's ledger of N children (default 1,500) imported and arrived at
the county, D directives (default 20) issued from the county to the village
and acknowledged, one mandatory report filed at the village, and an
inspector's failing finding with a rectification order. `carenet web` for
the county (a supervisor signed in) serves every main page; headless
Chromium (Selenium) loads each page R times (default 15) per profile:

  desktop      no throttling (this machine as it is);
  office PC    Chromium's CPU throttled 4x (Emulation.setCPUThrottlingRate)
               and the network as a slow office line
               (Network.emulateNetworkConditions: 1.5 Mbit/s down, 0.75 up,
               100 ms latency).

Each load's time is the Navigation Timing `loadEventEnd - navigationStart`
(the page and its style sheet fetched, parsed, laid out; every answer is
no-store, so nothing comes from a cache); p50 and p95 per page, with the
HTML's size (bytes of the document as sent) and, unthrottled, the first
byte's p50 (`responseStart - requestStart`: the web process and the node's
control requests). The target: under a second.
No assertion: the numbers go to stdout (a Markdown table) and --json.

  bench/web_load.py --carenet build-bench/carenet [--children 1500] [--repeats 15]
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402
import records as rb  # noqa: E402  (the ledger's rows, cli, wait_for, arrive)

C, T, V = "530102", "530102001", "530102001001"
PASSWORD = "bench-password-1"
PROFILES = {
    "desktop": None,
    "office PC": {"cpu": 4, "latency": 100, "down": 1.5e6 / 8, "up": 0.75e6 / 8},
}
TIMING_JS = ("var t = performance.timing, n = performance.getEntriesByType('navigation')[0];"
             "return [t.loadEventEnd - t.navigationStart, n ? n.decodedBodySize : -1,"
             "        t.responseStart - t.requestStart];")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url):
    import urllib.request
    try:
        return urllib.request.urlopen(url, timeout=5).status == 200
    except OSError:
        return False


def selenium():
    try:
        import selenium as _  # noqa: F401
    except ImportError:
        sys.path.append("/usr/lib/python3/dist-packages")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    return webdriver, Service, By


def browser():
    webdriver, Service, By = selenium()
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1280,1000", "--lang=zh-CN"):
        opts.add_argument(a)
    drv = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    d = webdriver.Chrome(service=Service(drv), options=opts)
    d.set_page_load_timeout(60)
    return d, By


def populate(net, args):
    """The ledger, directives (acknowledged), a report, a finding: what a county holds."""
    rb.arrive(net, args, 0, args.children, args.timeout)
    for k in range(args.directives):
        r, _ = rb.cli(net, "directive", "issue", "-c", net.cfg(C), "--kind", "task", "--to", V,
                      "--title", "季度活动记录 %d quarterly records" % k, "--due", "+7d",
                      "--json")
        did = json.loads(r.stdout)["id"]
        rb.wait_for(lambda: any(e["id"] == did for e in json.loads(rb.cli(
            net, "inbox", "-c", net.cfg(V), "--json")[0].stdout)), 60, "%s at the village" % did)
        if k % 2 == 0:
            rb.cli(net, "ack", did, "-c", net.cfg(V), "--state", "done", "--note", "已完成")
    rb.cli(net, "report", "file", "-c", net.cfg(V), "--situation", "S03", "--summary",
           "孩子身上有多处伤痕", "--description", "男孩 约8岁")
    return did


def web_start(net, port):
    pw = os.path.join(net.top, "pw")
    with open(pw, "w") as f:
        f.write(PASSWORD + "\n")
    rb.cli(net, "user", "add", "bench", "--role", "supervisor", "--password-file", pw, "-c",
           net.cfg(C))
    log = open(os.path.join(net.top, "web.log"), "ab")
    p = subprocess.Popen([net.carenet, "web", "-c", net.cfg(C), "--listen",
                          "127.0.0.1:%d" % port], stdin=subprocess.DEVNULL, stdout=log,
                         stderr=log, start_new_session=True)
    return p, log


def sign_in(d, By, base):
    d.get(base + "/login")
    d.find_element(By.ID, "user").send_keys("bench")
    d.find_element(By.ID, "password").send_keys(PASSWORD)
    d.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    rb.wait_for(lambda: not d.current_url.endswith("/login"), 30, "signed in")


def throttle(d, prof):
    if prof is None:
        d.execute_cdp_cmd("Emulation.setCPUThrottlingRate", {"rate": 1})
        d.execute_cdp_cmd("Network.emulateNetworkConditions", {
            "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
        return
    d.execute_cdp_cmd("Network.enable", {})
    d.execute_cdp_cmd("Emulation.setCPUThrottlingRate", {"rate": prof["cpu"]})
    d.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": False, "latency": prof["latency"], "downloadThroughput": prof["down"],
        "uploadThroughput": prof["up"]})


def measure(d, base, pages, repeats):
    """{page: {"ms": [...], "html_bytes": n}} for one profile."""
    out = {}
    for path in pages:
        ms, ttfb, size = [], [], 0
        d.get(base + path)  # a first load, not counted (the process warm)
        for _ in range(repeats):
            d.get(base + path)
            t, size, first = d.execute_script(TIMING_JS)
            if "/login" in d.current_url:
                raise bl.BenchError("signed out while loading %s" % path)
            ms.append(t)
            ttfb.append(first)
        out[path] = {"ms": ms, "ttfb_ms": ttfb, "html_bytes": size}
        bl.log("  %-34s p50 %6.0f ms  p95 %6.0f ms  first byte p50 %6.0f ms  %7d B" % (
            path, bl.pct(ms, 50), bl.pct(ms, 95), bl.pct(ttfb, 50), size))
    return out


def table(res, pages):
    lines = ["| page | HTML (KiB) | first byte p50 (ms) | desktop p50 / p95 (ms) | "
             "office PC p50 / p95 (ms) |", "|---|---:|---:|---:|---:|"]
    for p in pages:
        d, o = res["desktop"][p], res["office PC"][p]
        lines.append("| `%s` | %.1f | %.0f | %.0f / %.0f | %.0f / %.0f |" % (
            p, d["html_bytes"] / 1024.0, bl.pct(d["ttfb_ms"], 50), bl.pct(d["ms"], 50),
            bl.pct(d["ms"], 95), bl.pct(o["ms"], 50), bl.pct(o["ms"], 95)))
    return "\n".join(lines)


def run(args):
    net = bl.BenchNet(args.carenet, args.base, args.keep)
    web = log = d = None
    try:
        net.setup(1, 1)
        net.start_all(piped=True)
        for i in (C, T, V):  # `status` of a node not yet listening exits 1 (not 3)
            rb.wait_for(lambda: bl.run([net.carenet, "status", "-c", net.cfg(i)], 20,
                                       False).returncode == 0, 60, "%s answering" % i)
        net.wait_links_up(60)
        did = populate(net, args)
        port = free_port()
        web, log = web_start(net, port)
        base = "http://127.0.0.1:%d" % port
        rb.wait_for(lambda: answers(base + "/login"), 30, "carenet web answering")
        pages = ["/", "/inbox", "/directives", "/directive?id=" + did, "/records?type=child",
                 "/reports", "/compliance", "/compliance/report", "/bulletin", "/inspection"]
        busy = bl.wait_quiet(args.quiet, args.quiet_wait)
        d, By = browser()
        sign_in(d, By, base)
        res = {"busy_before": busy}
        for name, prof in PROFILES.items():
            bl.log("profile %s" % name)
            throttle(d, prof)
            res[name] = measure(d, base, pages, args.repeats)
        res["loadavg"] = bl.loadavg()
        return res, pages
    finally:
        if d:
            d.quit()
        if web and web.poll() is None:
            web.send_signal(signal.SIGTERM)
            try:
                web.wait(15)
            except subprocess.TimeoutExpired:
                web.kill()
                web.wait(10)
        if log:
            log.close()
        net.cleanup()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    bl.common_args(ap)
    ap.add_argument("--children", type=int, default=1500, help="children in the ledger (1500)")
    ap.add_argument("--directives", type=int, default=20, help="directives issued (20)")
    ap.add_argument("--repeats", type=int, default=15, help="loads of each page (15)")
    ap.add_argument("--timeout", type=float, default=300.0)
    args = ap.parse_args()
    if not 1 <= args.children <= 50000 or not 1 <= args.directives <= 500 or \
            not 3 <= args.repeats <= 200:
        ap.error("--children 1..50000, --directives 1..500, --repeats 3..200")
    if not shutil.which("chromium") and not shutil.which("chromium-browser"):
        ap.error("chromium not found (apt install chromium chromium-driver python3-selenium)")
    out = {"benchmark": "web_load", "machine": bl.machine(), "command": " ".join(sys.argv),
           "children": args.children, "directives": args.directives, "repeats": args.repeats,
           "profiles": PROFILES}
    try:
        res, pages = run(args)
    except bl.BenchError as e:
        bl.log("web_load: %s" % e)
        return 1
    out["results"] = res
    print("### Web pages at the county, %d children, %d directives, %d loads a page\n" % (
        args.children, args.directives, args.repeats))
    print(table(res, pages))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

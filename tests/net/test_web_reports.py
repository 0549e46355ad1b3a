#!/usr/bin/env python3
"""Compliance and the monthly bulletin on the web page (issue 12), at a county
over a township and a village, in headless Chromium through Selenium
(test_web.py's helpers) and, for what a browser would not show, plain HTTP:

- not signed in, /compliance, /bulletin and their report pages redirect to
  the login page;
- a supervisor (and a viewer) opens /compliance from the navigation and sees
  the standards to choose from, the verdict and the counts per result that
  `carenet compliance --standard mca-2018-demo --json` gives; its printable
  report (the renderer's page, with the 6 month ends' trend and a back link)
  says the same counts;
- /bulletin (this month by default) and /bulletin?month=M show the figures
  of `carenet bulletin --month M --json`; its printable page holds the
  bulletin's headings, the trend and the back link;
- text the node sends comes escaped (a standard id with markup is refused by
  the node and shown as text), and the report pages carry no script.
Skipped (exit 77) when chromium or its driver is not installed."""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_web  # noqa: E402
from harness import check  # noqa: E402
from ops import cn_json, issue  # noqa: E402
from test_web import PASSWORD, Http, add_users, text_of, with_web  # noqa: E402

STANDARD = "mca-2018-demo"


def not_signed_in(web):
    h = Http(web.base)
    for path in ("/compliance", "/compliance/report", "/bulletin", "/bulletin/report?month=2026-01"):
        st, hdr, _ = h.req("GET", path)
        check(st in (302, 303) and hdr.get("Location", "").endswith("/login"),
              "no session: GET %s gave %d %s" % (path, st, hdr.get("Location")))


def compliance_page(net, b, web, county):
    want = cn_json(net, "compliance", "-c", net.cfg(county), "--standard", STANDARD)
    s = want["summary"]
    b.get(web.base + "/")
    b.click(b.d.find_element(b.By.LINK_TEXT, "合规评估"))
    check(b.d.current_url.endswith("/compliance"), "nav to compliance: %s" % b.d.current_url)
    opts = [o.get_attribute("value") for o in
            b.Select(b.d.find_element(b.By.ID, "std")).options]
    check(STANDARD in opts, "the standards offered: %r" % opts)
    got = {k: int(b.d.find_element(b.By.ID, i).text) for k, i in
           (("pass", "n-pass"), ("fail", "n-fail"), ("unknown", "n-unknown"), ("n/a", "n-na"))}
    check(got == {k: s[k] for k in got}, "compliance counts on the page %r, CLI %r" % (got, s))
    q = b.d.find_element(b.By.ID, "verdict").get_attribute("data-qualifies")
    check(q == ("true" if want["qualifies"] else "false"), "verdict %s, CLI %r" % (
        q, want["qualifies"]))
    b.shot("compliance")
    b.click(b.d.find_element(b.By.ID, "report"))
    t = b.text()
    check("合规评估" in t and "近六个月趋势" in t, "the compliance report:\n%s" % t[:1500])
    src = b.d.page_source
    check("<script" not in src, "a script in the compliance report")
    boxes = re.findall(r'class="box (pass|fail|unk|na)">[^<]*<b>(\d+)</b>', src)
    check([int(n) for _, n in boxes] == [s["pass"], s["fail"], s["unknown"], s["n/a"]],
          "report counts %r, CLI %r" % (boxes, s))
    b.shot("compliance-report")
    b.click(b.d.find_element(b.By.ID, "back"))
    check("/compliance?standard=" in b.d.current_url, "back: %s" % b.d.current_url)


def bulletin_page(net, b, web, county, month):
    want = cn_json(net, "bulletin", "-c", net.cfg(county), "--month", month)
    d, r, rec = want["directives"], want["reports"], want["records"]
    b.get(web.base + "/")
    b.click(b.d.find_element(b.By.LINK_TEXT, "月通报"))
    check(b.d.find_element(b.By.ID, "b-month").text == month,
          "the bulletin's default month: %s" % b.d.find_element(b.By.ID, "b-month").text)
    fields = {"b-issued": d["issued"], "b-targeted": d["targeted"], "b-on-time": d["on_time"],
              "b-late": d["late"], "b-overdue": d["overdue"], "b-open": d["open"],
              "b-filed": r["filed"], "b-hops": r["hops"], "b-added": rec["added"],
              "b-updated": rec["updated"]}
    got = {k: int(b.d.find_element(b.By.ID, k).text) for k in fields}
    check(got == fields, "bulletin figures on the page %r, CLI %r" % (got, fields))
    check(d["targeted"] >= 1, "the directive issued is in the bulletin: %r" % d)
    b.shot("bulletin")
    b.get(web.base + "/bulletin/report?month=" + month)
    t = b.text()
    for s in ("月通报", "Monthly bulletin", month, "近六个月趋势"):
        check(s in t, "the printable bulletin lacks %r:\n%s" % (s, t[:1500]))
    check("<script" not in b.d.page_source, "a script in the bulletin report")
    b.shot("bulletin-report")
    b.click(b.d.find_element(b.By.ID, "back"))
    check(("/bulletin?month=" + month) in b.d.current_url, "back: %s" % b.d.current_url)


def escaping_and_viewer(web, month):
    h = Http(web.base)
    st, _, _ = h.login("vic", PASSWORD)
    check(st == 303, "viewer sign-in: %d" % st)
    st, _, body = h.req("GET", "/compliance?standard=%3Cb%3Ex")
    check(st == 200 and "<b>x" not in body and "&lt;b&gt;x" in body,
          "a standard with markup, escaped: %d\n%s" % (st, text_of(body)[:800]))
    st, hdr, body = h.req("GET", "/bulletin/report?month=" + month)
    csp = hdr.get("Content-Security-Policy", "")
    check(st == 200 and "script" not in csp and "default-src 'none'" in csp,
          "the viewer's bulletin report: %d, CSP %r" % (st, csp))
    st, _, body = h.req("GET", "/bulletin?month=2026-13")
    check(st == 200 and "2026-13 is not a month" in text_of(body),
          "a bad month: the node's refusal shown:\n%s" % text_of(body)[:800])


def test(net, args):
    county, township, village = net.setup(1, 1)
    net.start_all()
    net.wait_for(net.all_links_up, 60, "every link up")
    issue(net, county, village, "月报测试 monthly test")
    add_users(net, county, (("sue", "supervisor"), ("vic", "viewer")))
    month = time.strftime("%Y-%m", time.gmtime(time.time() + 8 * 3600))

    def pages(web, b):
        not_signed_in(web)
        b.login(web.base, "sue", PASSWORD)
        compliance_page(net, b, web, county)
        bulletin_page(net, b, web, county, month)
        escaping_and_viewer(web, month)
    with_web(net, args, county, pages)

if __name__ == "__main__":
    sys.exit(test_web.cli(test, __doc__))

#!/usr/bin/env python3
"""The inspector's view on the web page (issue 12): /inspection at a county
over a township and a village, in headless Chromium through Selenium
(test_web.py's helpers) and, for what a browser would not show, plain HTTP:

- not signed in, /inspection redirects to the login page;
- a viewer opens it from the navigation (督导检查); the indicators awaiting an
  inspector are exactly `carenet compliance --standard S --json`'s mode I and
  A rows whose result is unknown, each with the standard's check text
  (`carenet standards show S --json`) and a box to tick;
- an inspector (scoped to the prefecture) records a passing finding and a
  failing one with --rectify at the county (`carenet inspect finding`): the
  page lists exactly `carenet inspect findings --json` (inspector, office,
  indicator, result, method, note), the failing one links its rectification
  order, and the link opens the directive's matrix page;
- the village's page lists the order from its inbox, naming the finding; the English switch
  gives the English headings; the page prints as a checklist (print media:
  no navigation, no forms, a line for the team, the date and a signature
  that the screen does not show) and carries no script.
Screenshots go to the test's directory (--screenshots DIR: also there).
Skipped (exit 77) when chromium or its driver is not installed."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_web  # noqa: E402
from harness import check  # noqa: E402
from ops import cn, cn_json, inbox, make_inspector, poll  # noqa: E402
from test_web import PASSWORD, Http, Web, add_users, free_port, text_of, with_web  # noqa: E402

STD = "mca-2018-demo"
IND = "rights.edu.needs"  # mode I in STD


def finding(net, insp, node, office, result, note, *extra):
    r = cn(net, "inspect", "finding", "-c", insp, "--node", net.status(node)["listen"],
           "--node-cert", os.path.join(net.dir, node, "node.pem"), "--standard", STD,
           "--indicator", IND, "--office", office, "--result", result, "--note", note,
           "--json", *extra)
    return json.loads(r.stdout)["id"]


def awaiting(net, node):
    rep = cn_json(net, "compliance", "-c", net.cfg(node), "--standard", STD)
    return [x["id"] for x in rep["indicators"]
            if x["mode"] in ("I", "A") and x["result"] == "unknown"]


def checks_of(net):
    rep = cn_json(net, "standards", "show", STD)
    rows = rep["indicators"] if isinstance(rep, dict) else rep
    return {x["id"]: x.get("check", "") for x in rows}


def indicators_page(net, b, web, county):
    want = awaiting(net, county)
    b.get(web.base + "/")
    b.click(b.d.find_element(b.By.LINK_TEXT, "督导检查"))
    check(b.d.current_url.endswith("/inspection"), "nav: %s" % b.d.current_url)
    rows = b.d.find_elements(b.By.CSS_SELECTOR, "#need tbody tr[data-indicator]")
    got = [r.get_attribute("data-indicator") for r in rows]
    check(got == want, "awaiting an inspector: page %r, CLI %r" % (got, want))
    check(int(b.d.find_element(b.By.ID, "n-need").text) == len(want), "the count")
    checks = checks_of(net)
    for r in rows[:5]:
        i = r.get_attribute("data-indicator")
        check(checks[i] and " ".join(checks[i].split()) in " ".join(r.text.split()),
              "%s: the check text %r not in %r" % (i, checks[i], r.text))
        check("☐" in r.text, "%s: no box to tick" % i)
    print("%d indicators await an inspector, as compliance --json says" % len(want))


def findings_page(net, b, web, county, village):
    want = cn_json(net, "inspect", "findings", "-c", net.cfg(county))
    b.get(web.base + "/inspection?standard=" + STD)
    rows = b.d.find_elements(b.By.CSS_SELECTOR, "#findings tbody tr[data-finding]")
    check([r.get_attribute("data-finding") for r in rows] == [f["id"] for f in want],
          "findings: page %r, CLI %r" % ([r.get_attribute("data-finding") for r in rows],
                                         [f["id"] for f in want]))
    for r, f in zip(rows, want):
        for k in ("inspector", "office", "indicator", "method", "note"):
            check(f[k] in r.text, "%s: %s %r not in %r" % (f["id"], k, f[k], r.text))
        check(("未达标" if f["result"] == "fail" else "达标") in r.text, "result: %r" % r.text)
    fail = [r for r, f in zip(rows, want) if f["result"] == "fail"][0]
    links = fail.find_elements(b.By.CSS_SELECTOR, "a.order")
    check(len(links) == 1, "the failing finding's order: %r" % fail.text)
    order = links[0].text
    b.shot("inspection")
    b.shot("inspection-phone", 360)
    b.click(links[0])
    check("/directive?id=" in b.d.current_url and order in b.text() and village in b.text(),
          "the order's page: %s\n%s" % (b.d.current_url, b.text()[:800]))
    print("findings %r listed; the rectification order %s opens its matrix" % (
        [f["id"] for f in want], order))
    return order


def village_page(net, village, order, fid):
    web = Web(net, village, free_port(), False)
    try:
        net.wait_for(web.up, 30, "carenet web for the village answering")
        h = Http(web.base)
        h.login("vic", PASSWORD)
        st, _, body = h.req("GET", "/inspection")
        check(st == 200 and ('href="/inbox#h-%s"' % order) in body and fid in body,
              "the village's inspection page lacks its order %s:\n%s" % (
                  order, text_of(body)[:1500]))
        st, _, body = h.req("GET", "/inspection?lang=en")
        check(st == 200 and "Indicators an inspector must decide" in body and
              "Inspectors&#39; findings" in body, "English: %s" % text_of(body)[:800])
    finally:
        check(web.stop() == 0, "carenet web for the village did not stop cleanly")
    print("the village's page links the order in its inbox; English switch")


def printable(web):
    h = Http(web.base)
    st, hdr, _ = h.req("GET", "/inspection")
    check(st in (302, 303) and hdr.get("Location", "").endswith("/login"),
          "no session: /inspection gave %d" % st)
    h.login("vic", PASSWORD)
    st, _, body = h.req("GET", "/inspection")
    check(st == 200 and "<script" not in body, "the page: %d, a script?" % st)
    st, _, css = h.req("GET", "/style.css")
    check("@media print" in css and ".noprint" in css, "no print rules in the style sheet")


def print_media(b, web):
    b.get(web.base + "/inspection")
    sign = b.d.find_element(b.By.CSS_SELECTOR, "p.printonly")
    check(not sign.is_displayed(), "the signature line shows on the screen")
    b.d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        nav = b.d.find_element(b.By.TAG_NAME, "nav").is_displayed()
        form = b.d.find_element(b.By.CSS_SELECTOR, "main form").is_displayed()
        need = b.d.find_element(b.By.ID, "need").is_displayed()
        check(not nav and not form and need and sign.is_displayed(),
              "print: nav %s, form %s, checklist %s, signature line %s" % (
                  nav, form, need, sign.is_displayed()))
        b.shot("inspection-print")
    finally:
        b.d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    print("printed: the checklist without navigation or forms")


def test(net, args):
    county, township, village = net.setup(1, 1)
    net.start_all()
    net.wait_for(net.all_links_up, 60, "every link up")
    insp = make_inspector(net, county[:4], "prov")
    finding(net, insp, county, township, "pass", "现场查看了寄宿学校", "--method", "现场查看")
    fid = finding(net, insp, county, village, "fail", "营养餐记录缺失", "--rectify", "7")
    poll(net, lambda: (bool([e for e in inbox(net, village)
                             if e["kind"] == "rectification"]), None), 30,
         "the rectification order of %s at %s" % (fid, village))
    for node in (county, village):
        add_users(net, node, (("vic", "viewer"),))

    def pages(web, b):
        printable(web)
        b.login(web.base, "vic", PASSWORD)
        indicators_page(net, b, web, county)
        order = findings_page(net, b, web, county, village)
        print_media(b, web)
        village_page(net, village, order, fid)
    with_web(net, args, county, pages)

if __name__ == "__main__":
    sys.exit(test_web.cli(test, __doc__))

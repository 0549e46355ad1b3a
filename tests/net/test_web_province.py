#!/usr/bin/env python3
"""The web page at a province (issue 12 over issue 14), in headless Chromium:
a province 53, a prefecture 5301 and two counties (1 township, 1 village each;
the villages import 3 and 1 children), every clock moved past the month's end
(the top first) so each county's roll-up reaches the province. The province's supervisor opens
/compliance from the navigation and sees, per county, the verdict, the counts
and the failing indicators that `carenet compliance --json` gives there, and
the drill-down command; the printable report (render/render_province.c) lists
every county; /bulletin?month=M shows per county the children and directives
of `carenet bulletin --month M --json`; a province task to 53:village, one
village done: its /directive page shows each county's and the prefecture's
tally as `directive show --json` gives them; nothing a county holds about a
child (no name) is on any of these pages. Skipped (exit 77) without chromium."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_web  # noqa: E402
from harness import check  # noqa: E402
from ledger_data import child, csv_text  # noqa: E402
from ops import (ack, advance, cn, cn_json, enable_test_clock, issue, past_month_end,  # noqa: E402
                 poll, show)
from test_web import PASSWORD, Browser, Web, free_port  # noqa: E402

PROVINCE = "53"
STANDARD = "mca-2018-demo"


def ledgers(net, villages):
    kids = []
    for k, (v, n) in enumerate(zip(villages, (3, 1))):
        mine = [child(10 * k + i) for i in range(n)]
        path = os.path.join(net.dir, "ledger-%s.csv" % v)
        with open(path, "w", encoding="utf-8") as f:
            f.write(csv_text(mine))
        cn(net, "record", "import", "-c", net.cfg(v), "--type", "child", path)
        kids += mine
    return kids


def rows(b, table):
    out = {}
    for tr in b.d.find_elements(b.By.CSS_SELECTOR, "#%s tbody tr[data-county]" % table):
        cells = [c.text for c in tr.find_elements(b.By.CSS_SELECTOR, "th, td")]
        out[tr.get_attribute("data-county")] = cells
    return out


def compliance(net, b, web):
    want = cn_json(net, "compliance", "-c", net.cfg(PROVINCE), "--standard", STANDARD)
    b.get(web.base + "/")
    b.click(b.d.find_element(b.By.LINK_TEXT, "合规评估"))
    b.get(web.base + "/compliance?standard=" + STANDARD)
    s = want["summary"]
    got = {k: int(b.d.find_element(b.By.ID, "c-" + k).text)
           for k in ("pass", "fail", "unknown", "stale")}
    check(got == {k: s[k] for k in got}, "counties' verdicts on the page %r, CLI %r" % (got, s))
    page = rows(b, "counties")
    check(sorted(page) == sorted(c["id"] for c in want["counties"]),
          "counties on the page %r" % sorted(page))
    for c in want["counties"]:
        cells = page[c["id"]]
        check(cells[3] == c["month"] and [int(x) for x in cells[5:8]] ==
              [c["pass"], c["fail"], c["unknown"]] and
              all(f in cells[8] for f in c["failing"]) and
              (not c["drill"] or "carenet inspect" in cells[8]),
              "%s on the page %r, CLI %r" % (c["id"], cells, c))
    b.shot("province-compliance")
    b.click(b.d.find_element(b.By.ID, "report"))
    t = b.text()
    check("各县合规评估" in t and all(c["id"] in t for c in want["counties"]),
          "the printable report:\n%s" % t[:1500])
    check("<script" not in b.d.page_source, "a script in the report")
    return want["counties"][0]["month"]


def bulletin(net, b, web, month):
    want = cn_json(net, "bulletin", "-c", net.cfg(PROVINCE), "--month", month)
    b.get(web.base + "/bulletin?month=" + month)
    page = rows(b, "counties")
    for o in want["offices"]:
        cells = page.get(o["id"])
        check(cells and cells[1].startswith(month) and int(cells[2]) == o["children"] and
              int(cells[3]) == o["directives"]["on_time"] and
              int(cells[5]) == o["directives"]["overdue"],
              "%s in the bulletin page %r, CLI %r" % (o["id"], cells, o))
    b.shot("province-bulletin")
    b.click(b.d.find_element(b.By.ID, "report"))
    check("月通报" in b.text(), "the printable bulletin:\n%s" % b.text()[:800])


def directive(net, b, web, villages):
    """A province task to 53:village, one village done: the directive's page at the province
    shows each county's and the prefecture's tally as `directive show --json` gives them."""
    did = issue(net, PROVINCE, "53:village", "全省自查 web", due="+2d")
    v = villages[0]
    origin, seq = did.split("-")  # the county's relay id (rules_relay_id)
    rid = "%s-0%d%s%s" % (v[:6], len(origin), origin, seq)
    poll(net, lambda: (any(x["id"] == rid for x in cn_json(net, "inbox", "-c", net.cfg(v))),
                       None), 60, "the relay %s at %s" % (rid, v))
    ack(net, v, rid, "done")
    want = poll(net, lambda: (lambda t: (t.get(v[:6], {}).get("done") == 1 and
                                         len(t) == 3, t))(
        {x["id"]: x for x in show(net, PROVINCE, did).get("tallies", [])}), 60,
        "the tallies at the province")
    b.get(web.base + "/directive?id=" + did)
    got = {}
    for tr in b.d.find_elements(b.By.CSS_SELECTOR, "#tallies tbody tr"):
        cells = [c.text for c in tr.find_elements(b.By.CSS_SELECTOR, "th, td")]
        got[tr.get_attribute("data-office")] = [int(x) for x in cells[1:5]]
    check(got == {k: [t["targeted"], t["acknowledged"], t["done"], t["overdue"]]
                  for k, t in want.items()}, "tallies on the page %r, CLI %r" % (got, want))
    check("转发至各村" in b.text(), "the relay is not named on the page")
    b.shot("province-directive")


def test(net, args):
    ids = net.setup(1, 1, counties=2)
    counties = [i for i in ids if len(i) == 6]
    villages = [i for i in ids if len(i) == 12]
    for i in ids:
        enable_test_clock(net, i)
    net.start_all()
    net.wait_for(net.all_links_up, 60, "every link up")
    kids = ledgers(net, villages)
    poll(net, lambda: (all(sum(v.get("children", 0) for v in cn_json(
        net, "ledger", "summary", "-c", net.cfg(c)).values()) == n
        for c, n in zip(counties, (3, 1))), None), 60, "each county holds its children")
    step = past_month_end(net, ids[0])
    for node in ids:  # every clock, the top first: no item from the future below
        advance(net, node, step)
    poll(net, lambda: (lambda s: (all(c in s for c in counties), s))(
        {o["id"] for o in cn_json(net, "ledger", "summary", "-c", net.cfg(PROVINCE))[
            "offices"]}), 60, "both counties' roll-ups at the province")
    pw = os.path.join(net.dir, "pw")
    with open(pw, "w") as f:
        f.write(PASSWORD + "\n")
    cn(net, "user", "add", "sue", "--role", "supervisor", "--password-file", pw, "-c",
       net.cfg(PROVINCE))
    shots = [os.path.join(net.dir, "screenshots")] + ([args.screenshots]
                                                      if args.screenshots else [])
    web, b = Web(net, PROVINCE, free_port(), False), None
    try:
        net.wait_for(web.up, 30, "carenet web for the province answering")
        b = Browser(shots)
        b.login(web.base, "sue", PASSWORD)
        month = compliance(net, b, web)
        bulletin(net, b, web, month)
        directive(net, b, web, villages)
        for path in ("/compliance?standard=" + STANDARD, "/compliance/report?standard=" +
                     STANDARD, "/bulletin?month=" + month, "/bulletin/report?month=" + month,
                     "/"):
            src = b.get(web.base + path)
            for k in kids:
                check(k["name"] not in src and k["id_number"] not in src,
                      "a child's name or ID number on %s" % path)
        print("province %s: the counties' verdicts, failing indicators and drill-down on "
              "/compliance; per county children and directives on /bulletin (%s); no child's "
              "name or ID number on any page; a directive's page shows every county's tally" % (
                  PROVINCE, month))
    finally:
        if b:
            b.quit()
        web.stop()


if __name__ == "__main__":
    sys.exit(test_web.cli(test, __doc__))

#!/usr/bin/env python3
"""Moves (区划调整) on the web page (issue 14), at a county over 2 townships with
a village each, in headless Chromium through Selenium (test_web.py's helpers)
and, for what a browser would not show, plain HTTP:

- not signed in, /moves redirects to the login page;
- a supervisor opens /moves from the navigation: no move held yet, and the
  form to decide one; a move of the village to itself is refused with the
  node's own reason (the one `carenet move` prints), an id with markup is
  refused and shown as text;
- a valid move (the first township's village to the second township) is
  decided on the page; /moves then shows it, and once both townships hold it
  its state "待切换 ready" and the steps with the counts of `carenet move status
  --json`;
- a viewer sees the move but no form, and a viewer's POST /move is refused (403);
- closing an office on the page (POST /close): refused without the confirming tick,
  refused with the node's reason for the township whose village has not switched, a viewer's
  POST refused (403); a village closed is then listed under the moves ("Closed
  offices"), its reason shown as text, and `carenet move closed` lists it;
- a township's own code change from the same form (two township ids) is refused with the
  node's reason while a village moving into it has not switched.
Skipped (exit 77) when chromium or its driver is not installed."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_web  # noqa: E402
from harness import check  # noqa: E402
from ops import EXIT_REFUSED, cn, cn_json, poll  # noqa: E402
from test_web import PASSWORD, Http, add_users, text_of, with_web  # noqa: E402


def not_signed_in(web):
    st, hdr, _ = Http(web.base).req("GET", "/moves")
    check(st in (302, 303) and hdr.get("Location", "").endswith("/login"),
          "no session: GET /moves gave %d %s" % (st, hdr.get("Location")))


def decide(b, old, new):
    b.fill("old", old)
    b.fill("new", new)
    b.submit()
    return b.text()


def steps_on_page(b):
    """{step: (office, records)} of the page's steps table."""
    rows = {}
    for tr in b.d.find_elements(b.By.CSS_SELECTOR, "main section table tbody tr"):
        cells = [td.text for td in tr.find_elements(b.By.TAG_NAME, "td")]
        if len(cells) == 5:
            rows[cells[1].split()[-1]] = (cells[0], int(cells[2]))
    return rows


def supervisor(net, b, web, county, old, new):
    b.login(web.base, "sue", PASSWORD)
    b.get(web.base + "/")
    b.click(b.d.find_element(b.By.LINK_TEXT, "区划调整"))
    check(b.d.current_url.endswith("/moves"), "nav to moves: %s" % b.d.current_url)
    check("本级没有迁移记录" in b.text() and b.d.find_elements(b.By.ID, "old"),
          "the county's moves before any:\n%s" % b.text())
    b.shot("moves-empty")

    # the node's own refusal, as the CLI prints it
    r = cn(net, "move", old, old, "-c", net.cfg(county), code=EXIT_REFUSED)
    reason = r.stderr.strip().split(": ", 1)[1]
    t = decide(b, old, old)
    check(reason in t, "a move to itself: the page does not give the node's reason %r:\n%s" %
          (reason, t))

    t = decide(b, old, new)
    check("已决定" in t, "the move on the page:\n%s" % t)
    b.click(b.d.find_element(b.By.LINK_TEXT, "返回"))

    def ready():
        b.get(web.base + "/moves")
        return "待切换 ready" in b.text(), b.text()
    poll(net, ready, 30, "the page showing the move ready (both townships hold it)")
    check("%s → %s" % (old, new) in b.text(), "the move's heading:\n%s" % b.text())
    check("carenet move apply -c %s/node.cfg --old %s/node.cfg" % (new, old) in b.text(),
          "the next step at ready:\n%s" % b.text())
    r = cn(net, "move", "status", "-c", net.cfg(county), "--json", code=1)  # 1: not complete
    want = [m for m in json.loads(r.stdout) if m["old"] == old]
    check(len(want) == 1 and want[0]["state"] == "ready", "the CLI's move status: %r" % want)
    got = steps_on_page(b)
    cli = {s["step"]: (s["office"], s["records"]) for s in want[0]["steps"]}
    check(got == cli, "the steps on the page %r, the CLI's %r" % (got, cli))
    b.shot("moves-ready")


def hostile_and_viewer(web, old, new):
    h = Http(web.base)
    h.login("sue", PASSWORD)
    token = h.csrf("/moves")
    st, _, body = h.req("POST", "/move", {"csrf": token, "old": "<b>x</b>", "new": new})
    check(st == 422 and "&lt;b&gt;x&lt;/b&gt;" in body and "<b>x</b>" not in body,
          "an id with markup: %d, shown as text?\n%s" % (st, text_of(body)[:800]))
    v = Http(web.base)
    v.login("vic", PASSWORD)
    st, _, body = v.req("GET", "/moves")
    check(st == 200 and "%s → %s" % (old, new) in body and 'name="old"' not in body,
          "the viewer's /moves: %d\n%s" % (st, text_of(body)[:800]))
    token = v.csrf("/moves")
    st, _, _ = v.req("POST", "/move", {"csrf": token, "old": old, "new": new})
    check(st == 403, "a viewer's POST /move: %d" % st)


def closed_shown(net, b, web, county, t1, v2, t2):
    """Closing an office on the page (a supervisor's POST /close): refused without the tick,
    refused with the node's reason for the township whose village's move has not switched, a
    viewer's POST refused (403); done for a village, then listed under the moves, its reason as text."""
    v = Http(web.base)
    v.login("vic", PASSWORD)
    st, _, body = v.req("GET", "/moves")
    check(st == 200 and 'id="closed"' not in body and 'action="/close"' not in body,
          "the viewer's /moves: no close yet, no close form: %d" % st)
    st, _, _ = v.req("POST", "/close", {"csrf": v.csrf("/moves"), "office": v2, "confirm": "1"})
    check(st == 403, "a viewer's POST /close: %d" % st)
    h = Http(web.base)
    h.login("sue", PASSWORD)
    token = h.csrf("/moves")
    st, _, body = h.req("POST", "/close", {"csrf": token, "office": v2})
    check(st == 400 and ("cannot be undone" in text_of(body) or "无法恢复" in text_of(body)),
          "a close without the tick: %d\n%s" % (st, text_of(body)[:800]))
    st, _, body = h.req("POST", "/close", {"csrf": token, "office": t1, "confirm": "1"})
    check(st == 422 and "has not switched yet" in text_of(body),
          "a township whose village has not switched: %d\n%s" % (st, text_of(body)[:800]))
    st, _, body = h.req("POST", "/close", {"csrf": token, "office": v2, "into": t2,
                                           "reason": "并村 <i>x</i>", "confirm": "1"})
    check(st == 200 and ("%s closed" % v2 in text_of(body) or "%s 已撤销" % v2 in text_of(body)),
          "the close on the page: %d\n%s" % (st, text_of(body)[:800]))
    st, _, body = v.req("GET", "/moves")
    check(st == 200 and 'id="closed"' in body and v2 in body and
          "并村 &lt;i&gt;x&lt;/i&gt;" in body and "<i>x</i>" not in body,
          "the closed village on /moves: %d\n%s" % (st, text_of(body)[:1200]))
    check(v2 in [c["office"] for c in cn_json(net, "move", "closed", "-c", net.cfg(county))],
          "the CLI does not list the close made on the page")
    b.get(web.base + "/moves")  # the supervisor's browser: the table and the close form
    check("已撤销的单位" in b.text() and v2 in b.text() and b.d.find_elements(b.By.ID, "office"),
          "the closes in the browser:\n%s" % b.text())
    b.shot("moves-closed")


def town_refused(web, t2):
    """A township's own code change (撤乡设镇) from the same form, two township ids: refused
    with the node's reason while a village moving into it has not switched."""
    h = Http(web.base)
    h.login("sue", PASSWORD)
    st, _, body = h.req("POST", "/move", {"csrf": h.csrf("/moves"), "old": t2,
                                          "new": t2[:6] + "003"})
    check(st == 422 and "has not switched yet" in text_of(body),
          "a township's code change while a village moves in: %d\n%s" % (
              st, text_of(body)[:800]))


def test(net, args):
    county, t1, v1, t2, v2 = net.setup(2, 1)
    new = t2 + "009"
    net.start_all()
    net.wait_for(net.all_links_up, 60, "every link up")
    add_users(net, county, (("sue", "supervisor"), ("vic", "viewer")))

    def pages(web, b):
        not_signed_in(web)
        supervisor(net, b, web, county, v1, new)
        hostile_and_viewer(web, v1, new)
        closed_shown(net, b, web, county, t1, v2, t2)
        town_refused(web, t2)
    with_web(net, args, county, pages)
    print("web moves: refused with the node's reason, decided, shown ready with the CLI's "
          "steps; a viewer sees it and may not decide")


if __name__ == "__main__":
    sys.exit(test_web.cli(test, __doc__))

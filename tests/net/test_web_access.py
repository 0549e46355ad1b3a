#!/usr/bin/env python3
"""The web pages at 200 % zoom and at a phone's width (issue 12: "usable on a
phone's width, keyboard-accessible, readable at 200 % zoom"), in headless
Chromium through Selenium (test_web.py's helpers), on a county and a village
holding a directive, children, a mandatory report and an inspector's
finding. Every main page, signed in as a supervisor (county) and as an
operator (village), in two viewports:

- 1280 px at 200 % zoom: a 640 CSS px wide viewport at device scale 2
  (CDP Emulation.setDeviceMetricsOverride);
- a phone: 360 CSS px wide (mobile, device scale 3).

In each: the page itself does not scroll sideways
(document.documentElement.scrollWidth <= window.innerWidth + 1; a table
may scroll inside its own box); every form field (input, select,
textarea, not hidden) has a label (<label for>, a wrapping <label>, or
aria-label/aria-labelledby); and, at 200 %, Tab alone reaches every
visible submit button of the page's main part (a closed <details>' own are
reached by opening it from its summary, itself reached), within as many presses as
the page has focusable elements, plus a few), the first press landing on
the skip link. Screenshots of the inspection page in both go to the
test's directory (--screenshots DIR: also there).
Skipped (exit 77) when chromium or its driver is not installed."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_web  # noqa: E402
from harness import check  # noqa: E402
from ops import cn, cn_json, issue, poll  # noqa: E402
from test_web import PASSWORD, Browser, Web, free_port, import_children  # noqa: E402

VIEWS = (("zoom200", {"width": 640, "height": 800, "deviceScaleFactor": 2, "mobile": False}),
         ("phone", {"width": 360, "height": 740, "deviceScaleFactor": 3, "mobile": True}))

FIELDS_JS = """
var bad = [];
document.querySelectorAll('input, select, textarea').forEach(function (e) {
  if (e.type === 'hidden' || e.type === 'submit' || e.type === 'button') return;
  var named = (e.labels && e.labels.length) || e.getAttribute('aria-label') ||
              e.getAttribute('aria-labelledby');
  if (!named) bad.push(e.outerHTML.slice(0, 160));
});
return bad;"""

WIDTH_JS = """
var d = document.documentElement, wide = [];
if (d.scrollWidth > window.innerWidth + 1)
  document.querySelectorAll('body *').forEach(function (e) {
    var r = e.getBoundingClientRect();
    if (r.right > window.innerWidth + 1 && !e.closest('.scroll'))
      wide.push(e.tagName + '.' + e.className + ' ' + Math.round(r.right) + ' ' +
                (e.textContent || '').trim().slice(0, 40));
  });
return [d.scrollWidth, window.innerWidth, wide.slice(0, 8)];"""

SUBMITS_JS = """
var v = [];
document.querySelectorAll('main button[type=submit], main button:not([type])')
  .forEach(function (b, i) {
    var r = b.getBoundingClientRect();  /* shown: not in a closed <details> */
    var shown = b.checkVisibility ? b.checkVisibility() : (r.width > 0 && r.height > 0);
    if (shown) { b.setAttribute('data-t', 'b' + i); v.push('b' + i); }
  });
var n = document.querySelectorAll('a[href], button, input, select, textarea, summary').length;
return [v, n];"""


def set_view(b, metrics):
    b.d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)


def tab_reaches(b, page):
    """Tab from the top of the page: the skip link (a report page: the back link) first, then
    every visible submit button."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    want, n = b.d.execute_script(SUBMITS_JS)
    b.d.execute_script("document.activeElement && document.activeElement.blur();"
                       "window.scrollTo(0, 0);")
    seen, first = set(), None
    for k in range(n + 5):
        ActionChains(b.d).send_keys(Keys.TAB).perform()
        a = b.d.execute_script("var a = document.activeElement; return a ? "
                               "[a.getAttribute('data-t'), a.className] : [null, null];")
        if k == 0:
            first = a[1]
        if a[0]:
            seen.add(a[0])
        if seen >= set(want):
            break
    # a printable report page has no menu to skip: its first stop is the way back
    lead = "back" if page.endswith("/report") else "skip"
    check(first == lead, "%s: the first Tab lands on %r, not the %s link" % (page, first, lead))
    check(seen >= set(want), "%s: Tab reached %d of the %d submit buttons in %d presses" % (
        page, len(seen & set(want)), len(want), n + 5))
    return len(want)


def check_page(b, base, page, view, shots):
    b.get(base + page)
    check("/login" not in b.d.current_url, "%s: signed out" % page)
    sw, iw, wide = b.d.execute_script(WIDTH_JS)
    check(sw <= iw + 1, "%s at %s: the page scrolls sideways (%d > %d): %r" % (
        page, view, sw, iw, wide))
    check(b.d.execute_script("return !!document.querySelector('meta[name=viewport]');"),
          "%s: no viewport meta: a phone would lay it out 980 px wide and zoom out" % page)
    bad = b.d.execute_script(FIELDS_JS)
    check(not bad, "%s at %s: fields without a label: %r" % (page, view, bad))
    n = tab_reaches(b, page) if view == "zoom200" else 0
    if page.startswith("/inspection") and shots:
        b.shot("inspection-" + view)
    return n


def populate(net, county, village):
    import_children(net, village)
    did = issue(net, county, village, "无障碍检查 accessibility check", due="+7d")
    cn(net, "report", "file", "-c", net.cfg(village), "--situation", "S03", "--summary",
       "孩子身上有多处伤痕", "--description", "男孩 约8岁", "--json")
    rid = cn_json(net, "report", "list", "-c", net.cfg(village))[0]["id"]
    child = cn_json(net, "record", "list", "-c", net.cfg(village), "--type", "child")[0]["id"]
    poll(net, lambda: (any(e["id"] == did for e in cn_json(net, "inbox", "-c",
                                                            net.cfg(village))), None),
         30, "the directive at the village")
    return did, rid, child


def test(net, args):
    county, township, village = net.setup(1, 1)
    net.start_all()
    net.wait_for(net.all_links_up, 60, "every link up")
    did, rid, child = populate(net, county, village)
    pw = os.path.join(net.dir, "pw")
    with open(pw, "w") as f:
        f.write(PASSWORD + "\n")
    cn(net, "user", "add", "sue", "--role", "supervisor", "--password-file", pw, "-c",
       net.cfg(county))
    cn(net, "user", "add", "alice", "--role", "operator", "--password-file", pw, "-c",
       net.cfg(village))
    pages = {
        county: ["/", "/inbox", "/directives", "/directive?id=" + did, "/records?type=child",
                 "/reports", "/compliance", "/bulletin", "/inspection", "/compliance/report",
                 "/bulletin/report", "/moves"],
        village: ["/", "/inbox", "/records?type=child", "/records/edit?id=" + child,
                  "/reports", "/report?id=" + rid, "/inspection"],
    }
    users = {county: "sue", village: "alice"}
    shots = [os.path.join(net.dir, "screenshots")] + ([args.screenshots]
                                                      if args.screenshots else [])
    b = None
    webs = []
    try:
        b = Browser(shots)
        for node in (county, village):
            w = Web(net, node, free_port(), False)
            webs.append(w)
            net.wait_for(w.up, 30, "carenet web for %s answering" % node)
            b.login(w.base, users[node], PASSWORD)
            for view, metrics in VIEWS:
                set_view(b, metrics)
                buttons = 0
                for page in pages[node]:
                    buttons += check_page(b, w.base, page, view, node == county)
                b.d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
                print("%s, %s: %d pages, no sideways scroll, every field labelled%s" % (
                    node, view, len(pages[node]),
                    ", Tab reaches all %d submit buttons" % buttons if buttons else ""))
    finally:
        if b:
            b.quit()
        codes = [w.stop() for w in webs]
    check(all(c == 0 for c in codes), "carenet web on SIGTERM exited %r" % codes)


if __name__ == "__main__":
    sys.exit(test_web.cli(test, __doc__))

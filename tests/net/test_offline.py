#!/usr/bin/env python3
"""A village that is offline misses nothing: while it is stopped the county
issues 3 directives to it and its siblings and moves its test clock past
their due time (the village is overdue at the county, never delivered).
Started again, the village receives the 3 directives exactly once each, in
the order they were issued, and the county sees them delivered. A second
restart delivers nothing twice."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import COUNTY, check, main  # noqa: E402
from ops import (advance, audit, enable_test_clock, inbox, issue, poll, show,  # noqa: E402
                 wait_registry)

TOWNSHIPS, VILLAGES = 2, 2
TIMEOUT = 60
UP_TIMEOUT = 60  # reconnect back-off is capped at 5 s by default


def delivered_here(net, vid, dids):
    """The village's own record of what arrived: its inbox, and the order of
    its audit log's deliver entries."""
    mine = [e["id"] for e in inbox(net, vid) if e["id"] in dids]
    order = [a["subject"] for a in audit(net, vid) if a["action"] == "deliver" and
             a["subject"] in dids]
    return mine, order


def test(net, args):
    net.setup(TOWNSHIPS, VILLAGES)
    enable_test_clock(net, COUNTY)
    net.start_all()
    net.wait_for(net.all_links_up, 60, "all %d links up" % (len(net.ids) - 1))
    vs = [i for i in net.ids if len(i) == 12]
    wait_registry(net, COUNTY, "%s:village" % COUNTY, vs)
    away = vs[-1]
    rc = net.stop(away)
    check(rc == 0, "%s exited %s on SIGTERM" % (away, rc))
    net.wait_for(lambda: not net.link_problems(down={away}), 30,
                 "the township to see %s down" % away)

    dids = []
    for n in range(3):
        dids.append(issue(net, COUNTY, "%s:village" % COUNTY, "离线期间 directive %d" % (n + 1),
                          due="+%dh" % (n + 1), kind=("task", "notice", "task")[n]))
    advance(net, COUNTY, "4h")
    for did in dids:
        def state():
            t = {x["id"]: x for x in show(net, COUNTY, did)["targets"]}
            return (t[away]["state"] == "pending" and t[away]["overdue"] and
                    all(t[v]["state"] == "delivered" for v in vs if v != away)), t
        poll(net, state, TIMEOUT, "%s: %s pending and overdue, the others delivered" % (did, away))
    print("offline: %s pending and overdue at the county for %s" % (away, ", ".join(dids)))

    net.start(away)
    net.wait_for(net.all_links_up, UP_TIMEOUT, "all links up after restarting %s" % away)
    for did in dids:
        poll(net, lambda: (lambda t: (t[away]["state"] == "delivered", t))(
            {x["id"]: x for x in show(net, COUNTY, did)["targets"]}), TIMEOUT,
            "%s delivered to %s at the county" % (did, away))
    mine, order = delivered_here(net, away, dids)
    check(sorted(mine) == sorted(dids) and len(mine) == 3,
          "%s's inbox holds %r, expected each of %r once" % (away, mine, dids))
    check(order == dids, "%s received %r (audit deliver order), expected %r" % (away, order, dids))
    print("offline: %s received %s once each, in order" % (away, ", ".join(dids)))

    # A restart resends nothing that was already applied.
    rc = net.stop(away)
    check(rc == 0, "%s exited %s on SIGTERM" % (away, rc))
    net.start(away)
    net.wait_for(net.all_links_up, UP_TIMEOUT, "all links up after restarting %s again" % away)
    marker = issue(net, COUNTY, away, "after the restart", due="+1h")
    poll(net, lambda: (lambda m: (marker in m, m))(delivered_here(net, away, dids + [marker])[0]),
         TIMEOUT, "%s in %s's inbox" % (marker, away))
    mine, order = delivered_here(net, away, dids)
    check(order == dids and sorted(mine) == sorted(dids),
          "after a second restart %s holds %r, delivered %r" % (away, mine, order))


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

#!/usr/bin/env python3
"""A county, 3 townships and 2 villages each come up, and every node's status
agrees on who is connected to whom."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, main, parent_of, role_of, run_cli  # noqa: E402

TOWNSHIPS, VILLAGES = 3, 2
# Counters that must stay zero in a network where every certificate is valid.
MUST_BE_ZERO = ("invalid_messages", "bans")


def check_status_shape(node_id, st):
    check(st.get("id") == node_id, "%s: status says id %r" % (node_id, st.get("id")))
    check(st.get("role") == role_of(node_id),
          "%s: role %r, expected %r" % (node_id, st.get("role"), role_of(node_id)))
    check(isinstance(st.get("children"), list), "%s: children is not a list: %r" %
          (node_id, st.get("children")))
    check(isinstance(st.get("inspectors"), list), "%s: inspectors is not a list: %r" %
          (node_id, st.get("inspectors")))
    check(st["inspectors"] == [], "%s: no inspector connected, status lists %r" %
          (node_id, st["inspectors"]))
    counters = st.get("counters")
    check(isinstance(counters, dict) and counters,
          "%s: counters is not a non-empty object: %r" % (node_id, counters))
    for name, value in counters.items():
        check(isinstance(value, int) and value >= 0,
              "%s: counter %s is %r, not a count" % (node_id, name, value))
        if name in MUST_BE_ZERO or name.startswith("handshake_refused"):
            check(value == 0, "%s: counter %s = %d in a healthy network" % (node_id, name, value))


def check_links(net, node_id, st):
    par = st.get("parent")
    if parent_of(node_id) is None:
        check(par is None, "county %s reports a parent: %r" % (node_id, par))
    else:
        check(isinstance(par, dict), "%s: parent is %r" % (node_id, par))
        check(par.get("id") == parent_of(node_id),
              "%s: parent id %r, expected %s" % (node_id, par.get("id"), parent_of(node_id)))
        check(par.get("state") == "up", "%s: parent state %r" % (node_id, par.get("state")))
    kids = {c.get("id"): c for c in st["children"]}
    want = set(net.children_of(node_id))
    check(set(kids) == want, "%s lists children %s, expected exactly %s" %
          (node_id, sorted(kids), sorted(want)))
    for cid, c in kids.items():
        check(c.get("state") == "up", "%s lists child %s as %r" % (node_id, cid, c.get("state")))
        check(isinstance(c.get("rtt_ms"), (int, float)) and c["rtt_ms"] >= 0,
              "%s: child %s rtt_ms %r" % (node_id, cid, c.get("rtt_ms")))


def test(net, args):
    ids = net.setup(TOWNSHIPS, VILLAGES)
    check(len(ids) == 1 + TOWNSHIPS * (1 + VILLAGES), "plan has %d nodes" % len(ids))
    net.start_all()
    net.wait_for(net.all_links_up, 30 + 0.5 * len(ids),
                 "all %d links up" % (len(ids) - 1))
    statuses = net.statuses()
    for node_id, st in statuses.items():
        check(st is not None, "%s stopped answering" % node_id)
        check_status_shape(node_id, st)
        check_links(net, node_id, st)
    # Both ends of every link agree.
    for node_id in ids[1:]:
        par = parent_of(node_id)
        check(any(c.get("id") == node_id and c.get("state") == "up"
                  for c in statuses[par]["children"]),
              "%s says its parent %s is up, but %s does not list it up" % (node_id, par, par))
    print("topology: %d nodes, %d links up, statuses agree" % (len(ids), len(ids) - 1))
    # Every node learns the offices below it (children at HELLO, the rest
    # announced from below): what PREFIX:ROLE targets expand against.
    def offices(node_id, *extra):
        r = run_cli([net.carenet, "offices", "-c", net.cfg(node_id), "--json"] + list(extra))
        check(r.returncode == 0, "offices at %s: exit %d %s" % (node_id, r.returncode, r.stderr))
        return json.loads(r.stdout)

    for node_id in ids:
        want = sorted(i for i in ids if i != node_id and i.startswith(node_id))
        net.wait_for(lambda: sorted(o["id"] for o in offices(node_id)) == want, 30,
                     "%s to know the %d offices below it" % (node_id, len(want)))
    villages = offices(ids[0], "--role", "village")
    check(sorted(o["id"] for o in villages) == sorted(i for i in ids if len(i) == 12) and
          all(o["role"] == "village" and o["name"] for o in villages),
          "offices --role village at the county: %r" % villages)
    print("topology: every node knows the offices below it")
    # ... and, from the summaries each node sends up, their state: the county's
    # tree says every office is up (exit 0), and offices shows it too
    net.wait_for(lambda: all(o.get("state") == "up" for o in offices(ids[0])), 60,
                 "the county to see every office up")
    r = run_cli([net.carenet, "tree", "-c", net.cfg(ids[0])])
    check(r.returncode == 0, "tree at the county with every office up: exit %d\n%s" % (
        r.returncode, r.stdout))
    print("topology: the county's tree sees every office up")


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

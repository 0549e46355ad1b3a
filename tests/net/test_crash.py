#!/usr/bin/env python3
"""Durability under SIGKILL: while a burst of directives goes down and
statuses come up, a township (then the county, then a village) is killed
with SIGKILL at many different moments and restarted. In the end every
village holds every directive exactly once, every status reaches the county
exactly once and in order per origin, and every node's audit log verifies.
Every township and village checkpoints its audit log after each new entry
(audit.checkpoint_entries = 1), so kills land while checkpoints are made,
queued, sent and applied: in the end every parent holds each child's
checkpoints once each (no sequence twice), raised no alert, and each child's
log verifies against its parent's export."""

import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import TestFailure, check, main, parent_of, run_cli  # noqa: E402
from ops import (EXIT_OK, Killer, audit, cfg_append, cn, cn_json, inbox, matrix,  # noqa: E402
                 poll, show, wait_registry)

TOWNSHIPS, VILLAGES = 3, 3
PER_VICTIM = 10          # directives issued while each victim is being killed
KILLS = 5                # SIGKILLs per victim, at random moments
SEED = int(os.environ.get("CARENET_CRASH_SEED", "20261129"))


def try_issue(net, county, title):
    """Issues to every village; None while the county is down (killed)."""
    r = run_cli([net.carenet, "directive", "issue", "-c", net.cfg(county), "--kind", "task",
                 "--to", "%s:village" % county, "--title", title, "--due", "+30d", "--json"],
                timeout=60)
    if r.returncode != EXIT_OK:
        return None
    return json.loads(r.stdout)["id"]


def try_ack_all(net, village, acked):
    """Acks done every directive in the village's inbox not yet acked; a
    village that is down is skipped this round."""
    r = run_cli([net.carenet, "inbox", "-c", net.cfg(village), "--json"], timeout=30)
    if r.returncode != EXIT_OK:
        return
    for e in json.loads(r.stdout):
        if e["id"] in acked[village] or e["state"] == "done":
            continue
        a = run_cli([net.carenet, "ack", e["id"], "-c", net.cfg(village), "--state", "done"],
                    timeout=90)
        if a.returncode == EXIT_OK:
            acked[village].add(e["id"])


def burst(net, county, victim, villages, issued, acked, rng):
    killer = Killer(net, victim, rng, KILLS, 0.6)
    killer.start()
    deadline = time.monotonic() + 120
    n = 0
    try:
        while n < PER_VICTIM and time.monotonic() < deadline:
            did = try_issue(net, county, "crash burst %s #%d" % (victim, n + 1))
            if did:
                issued.append(did)
                n += 1
            for v in rng.sample(villages, 3):
                try_ack_all(net, v, acked)
    finally:
        killer.stop.set()
        killer.join(30)
    if killer.error:
        raise killer.error
    check(n == PER_VICTIM, "only %d directives issued while killing %s" % (n, victim))
    check(killer.kills >= 1, "the killer never killed %s" % victim)
    print("crash: %s killed %d times during a burst of %d directives" % (victim, killer.kills, n))


def check_checkpoints(net, ids):
    """Each parent holds every child's checkpoints once, with no alert, up to
    the child's whole log; each child's log verifies against the export."""
    for child in ids[1:]:
        parent = parent_of(child)

        def caught_up():
            cps = cn_json(net, "audit", "-c", net.cfg(parent), "checkpoints", "--office", child)
            n = len(audit(net, child))
            return (bool(cps) and cps[-1]["seq"] == n, (n, cps[-3:]))
        poll(net, caught_up, 60, "%s's checkpoint of its whole log at %s" % (child, parent))
        cps = cn_json(net, "audit", "-c", net.cfg(parent), "checkpoints", "--office", child)
        seqs = [c["seq"] for c in cps]
        check(seqs == sorted(set(seqs)), "%s's checkpoints at %s: a sequence twice or out of "
              "order: %r" % (child, parent, seqs))
        check(not any(c["alert"] for c in cps), "%s raised an alert at %s: %r" % (
            child, parent, [c for c in cps if c["alert"]]))
        export = os.path.join(net.dir, "checkpoints-%s.csv" % child)
        with open(export, "w") as f:
            f.write(cn(net, "audit", "-c", net.cfg(parent), "checkpoints", "--csv").stdout)
        cn(net, "audit", "-c", net.cfg(child), "--verify", "--checkpoints", export)
    for i in ids:
        check(not net.status(i).get("alerts"), "%s shows alerts: %r" % (i, net.status(i)))
    print("crash: every child's checkpoints held once each, no alert, every log verified "
          "against its parent's copy")


def test(net, args):
    ids = net.setup(TOWNSHIPS, VILLAGES)
    county = ids[0]
    villages = [i for i in ids if len(i) == 12]
    for i in ids[1:]:
        cfg_append(net, i, "audit = { checkpoint_entries = 1; };")
    net.start_all()
    net.wait_for(net.all_links_up, 60, "all links up")
    issued = list(wait_registry(net, county, "%s:village" % county, villages))
    acked = {v: set() for v in villages}
    rng = random.Random(SEED)
    print("crash: seed %d" % SEED)
    for victim in (ids[1], county, villages[4]):
        burst(net, county, victim, villages, issued, acked, rng)
        net.wait_for(net.all_links_up, 60, "all links up after killing %s" % victim)

    # Every village ends with every directive exactly once.
    def inboxes_complete():
        for v in villages:
            got = [e["id"] for e in inbox(net, v)]
            if len(got) != len(set(got)):
                raise TestFailure("%s holds a directive twice: %r" % (v, got))
            if set(got) != set(issued):
                return False
        return True
    net.wait_for(inboxes_complete, 90, "every village to hold all %d directives" % len(issued))

    # Everyone acks everything; every status reaches the county.
    for v in villages:
        try_ack_all(net, v, acked)
    for v in villages:
        check(acked[v] | {e["id"] for e in inbox(net, v) if e["state"] == "done"} >= set(issued),
              "%s could not ack everything" % v)

    def all_done():
        return all(set(matrix(show(net, county, d)).values()) == {"done"} for d in issued)
    net.wait_for(all_done, 90, "the county to see every target done for every directive")

    # Exactly once, in order per origin: the county applied each status once,
    # and each village's delivery acknowledgements in the order it got them.
    log = audit(net, county)
    for v in villages:
        statuses = [(e["subject"], e["detail"].split()[0]) for e in log
                    if e["action"] == "status" and e["actor"] == v]
        check(len(statuses) == len(set(statuses)),
              "the county applied a status of %s twice: %r" % (v, statuses))
        delivered = [d for d, s in statuses if s == "delivered"]
        check(delivered == sorted(delivered, key=issued.index),
              "delivery acks of %s out of order at the county: %r" % (v, delivered))
        for d in issued:
            check((d, "done") in statuses, "%s's done for %s never reached the county" % (v, d))
    for i in ids:
        cn(net, "audit", "-c", net.cfg(i), "--verify")
    check_checkpoints(net, ids)
    st = net.status(county)
    print("crash: %d directives, %d villages: all delivered once, all statuses once and in "
          "order (county: items_duplicate=%d, frames_duplicate=%d, resends=%d)" % (
              len(issued), len(villages), st["counters"]["items_duplicate"],
              st["counters"]["frames_duplicate"], st["counters"]["resends"]))


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

#!/usr/bin/env python3
"""In-band revocation: the county publishes its CA's new revocation list; it
travels down the tree on the urgent lane, every node applies it and keeps it
across a restart, and the revoked office's live session is dropped (it is
told why) and stays refused."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, main  # noqa: E402
from ops import audit, cn  # noqa: E402

T1, VICTIM = "530102001", "530102001002"


def applied_crl(net, node_id):
    return any(e["action"] == "revocation" for e in audit(net, node_id))


def test(net, args):
    ids = net.setup(2, 2)
    county = ids[0]
    net.start_all()
    net.wait_for(net.all_links_up, 60, "all links up")
    ca = os.path.join(net.dir, "ca-530102")
    cn(net, "ca", "revoke", "--ca", ca, "--id", VICTIM)
    cn(net, "crl", "publish", "-c", net.cfg(county), os.path.join(ca, "crl.pem"))
    others = [i for i in ids if i not in (county, VICTIM)]
    net.wait_for(lambda: all(applied_crl(net, i) for i in others), 30,
                 "every node to apply the published revocation list")
    net.wait_for(lambda: net.child_state(T1, VICTIM) == "down", 30,
                 "%s to drop the live session of revoked %s" % (T1, VICTIM))
    net.wait_for(lambda: "revoked" in ((net.status(VICTIM) or {}).get("parent") or {}).get(
        "last_error", ""), 30, "%s to show that it was revoked" % VICTIM)
    check(net.status(T1)["counters"]["sessions_dropped"] >= 1, "sessions_dropped not counted")
    check(not net.link_problems(down={VICTIM}),
          "other links affected: %s" % net.link_problems(down={VICTIM}))
    print("revocation: published at %s, applied at %d nodes, %s dropped" % (
        county, len(others), VICTIM))

    # The list is kept across a restart of the relay, and the victim stays out.
    net.stop(T1)
    net.stop(VICTIM)
    net.start(T1)
    net.start(VICTIM)
    net.wait_for(lambda: not net.link_problems(down={VICTIM}), 60,
                 "links up again after restarting %s and %s" % (T1, VICTIM))
    net.wait_for(lambda: net.status(T1)["counters"]["handshake_refused_revoked"] +
                 net.status(T1)["counters"]["zap_denied"] >= 1, 30,
                 "restarted %s to refuse revoked %s" % (T1, VICTIM))
    check(net.child_state(T1, VICTIM) != "up", "revoked %s is back up" % VICTIM)
    print("revocation: kept across a restart; %s still refused" % VICTIM)


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

#!/usr/bin/env python3
"""The root's revocation list published by the province (issue 14 with issue 7's
threat: a hostile enrolled county). A province 53, a prefecture 5301 and two
counties 530102, 530103 (1 township, 1 village each). The root CA revokes the
county CA of 530103; `carenet crl publish` at the province sends the root's list
down: the prefecture, county 530102, its township and its village apply it
(audited), the prefecture drops 530103's live session and refuses it from then
on, and 530103's status says it was revoked; 530102's links stay up. A
prefecture publishing is refused (only a county or the province publishes)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, main  # noqa: E402
from ops import EXIT_REFUSED, audit, cn  # noqa: E402

PROVINCE, PREFECTURE, VICTIM = "53", "5301", "530103"


def applied_crl(net, node_id):
    """The node audited a revocation list that came from the province."""
    return any(e["action"] == "revocation" and "from %s" % PROVINCE in str(e.get("detail"))
               for e in audit(net, node_id))


def test(net, args):
    ids = net.setup(1, 1, counties=2)
    net.start_all()
    net.wait_for(net.all_links_up, 60, "every link up")
    root = os.path.join(net.dir, "ca-root")

    # refused: a prefecture publishing
    r = cn(net, "crl", "publish", "-c", net.cfg(PREFECTURE), os.path.join(root, "crl.pem"),
           code=EXIT_REFUSED)
    check(r.stderr.startswith("carenet crl publish:") and "province" in r.stderr,
          "a prefecture publishing: %r" % r.stderr)
    print("refused at the prefecture: %s" % r.stderr.strip())

    cn(net, "ca", "revoke", "--ca", root, "--id", VICTIM)
    cn(net, "crl", "publish", "-c", net.cfg(PROVINCE), os.path.join(root, "crl.pem"))
    below = [PREFECTURE] + [i for i in ids if i.startswith("530102")]
    net.wait_for(lambda: all(applied_crl(net, i) for i in below), 30,
                 "the prefecture and 530102's subtree to apply the root's list")
    net.wait_for(lambda: net.child_state(PREFECTURE, VICTIM) == "down", 30,
                 "the prefecture to drop the session of %s (its county CA revoked)" % VICTIM)
    net.wait_for(lambda: "revoked" in ((net.status(VICTIM) or {}).get("parent") or {}).get(
        "last_error", ""), 30, "%s to show that it was revoked" % VICTIM)
    check(net.child_state(PREFECTURE, "530102") == "up" and
          net.parent_state("530102001") == "up" and net.parent_state("530102001001") == "up",
          "530102's links affected")
    print("the root's list from the province: applied at %s; %s dropped and told it was "
          "revoked; 530102 and below still up" % (", ".join(below), VICTIM))


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

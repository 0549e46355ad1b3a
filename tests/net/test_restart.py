#!/usr/bin/env python3
"""Nodes killed with SIGKILL are seen down by their neighbours, and after a
restart with the same configuration everything rejoins without any operator
action: a township, then the county, then a village."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, main  # noqa: E402

TOWNSHIPS, VILLAGES = 2, 2
UP_TIMEOUT = 60     # reconnect back-off is capped at 5 s by default
DOWN_TIMEOUT = 30   # heartbeat timeout is 6 s by default


def kill_and_rejoin(net, victim):
    net.kill(victim)
    check(net.status(victim) is None, "%s was SIGKILLed but status still answers" % victim)
    # Its parent lists it down, its children show their parent down, and every
    # link that does not touch it stays up.
    net.wait_for(lambda: not net.link_problems(down={victim}), DOWN_TIMEOUT,
                 "neighbours of %s to see it down, all other links up" % victim)
    net.start(victim)
    net.wait_for(net.all_links_up, UP_TIMEOUT, "all links up again after restarting %s" % victim)
    print("restart: %s killed, seen down by its neighbours, rejoined" % victim)


def test(net, args):
    ids = net.setup(TOWNSHIPS, VILLAGES)
    net.start_all()
    net.wait_for(net.all_links_up, 30 + 0.5 * len(ids), "all %d links up" % (len(ids) - 1))
    township, county, village = ids[1], ids[0], ids[-1]
    check(len(township) == 9 and len(county) == 6 and len(village) == 12, "plan: %r" % ids)
    for victim in (township, county, village):
        kill_and_rejoin(net, victim)
    # A clean stop and start also rejoins (SIGTERM path, exit status 0).
    rc = net.stop(township)
    check(rc == 0, "%s exited %s on SIGTERM" % (township, rc))
    net.wait_for(lambda: not net.link_problems(down={township}), DOWN_TIMEOUT,
                 "neighbours of %s to see it down after SIGTERM" % township)
    net.start(township)
    net.wait_for(net.all_links_up, UP_TIMEOUT, "all links up after a clean restart of %s" % township)


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

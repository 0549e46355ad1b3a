#!/usr/bin/env python3
"""Items that break the rules are refused at the hop that receives them, over
the wire, whatever the sender: a parent's directive to a village of another
township, a status with a forged signature, a directive from a village, and a
replayed frame and item. Each is counted and nothing is applied."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, main, run_cli  # noqa: E402
from ops import inbox, issue, matrix, poll, show, wait_registry  # noqa: E402

T1, V1, V2 = "530102001", "530102001001", "530102002001"


def probe(net, args, *extra, timeout=30):
    argv = [args.probe] + list(extra)
    r = run_cli(argv, timeout=timeout)
    check(r.returncode == 0, "%s exited %d:\n%s%s" % (" ".join(argv), r.returncode, r.stdout,
                                                       r.stderr))
    return json.loads(r.stdout)


def counter(net, node_id, name):
    return net.status(node_id)["counters"][name]


def as_child(net, args, node_id, parent, *extra):
    return probe(net, args, "--endpoint", net.status(parent)["listen"], "--server-cert",
                 os.path.join(net.dir, parent, "node.pem"), "--identity",
                 os.path.join(net.dir, node_id), "--wait", "3000", *extra)


def test(net, args):
    check(args.probe and os.access(args.probe, os.X_OK), "--probe is required")
    ids = net.setup(2, 1)
    county = ids[0]
    net.start_all()
    net.wait_for(net.all_links_up, 60, "all links up")
    wait_registry(net, county, "%s:village" % county, [V1, V2])

    # 1. A "township" (the probe, with T1's keys, T1 stopped) sends V1 a
    # directive for a village of another township: V1 refuses it.
    listen = net.status(T1)["listen"]
    net.stop(T1)
    before = counter(net, V1, "items_refused")
    out = probe(net, args, "--serve", listen, "--identity", os.path.join(net.dir, T1),
                "--target", V2, "--wait", "15000", timeout=60)
    check(out["result"] == "acked", "V1 did not take the forged parent's batch: %r" % out)
    check(counter(net, V1, "items_refused") == before + 1,
          "V1 did not refuse a directive from %s to %s" % (T1, V2))
    check(not any("forged" in e["title"] for e in inbox(net, V1)),
          "the out-of-subtree directive reached V1's inbox: %r" % inbox(net, V1))
    print("refused at the village: a township's directive to another township's village")
    # ... and a directive for V1 itself whose body is over the cap (65536 bytes).
    out = probe(net, args, "--serve", listen, "--identity", os.path.join(net.dir, T1),
                "--target", V1, "--body-size", "70000", "--wait", "15000", timeout=60)
    check(out["result"] == "acked", "V1 did not take the second batch: %r" % out)
    check(counter(net, V1, "items_refused") == before + 2,
          "V1 did not refuse a directive with a 70000-byte body")
    check(not any("forged" in e["title"] for e in inbox(net, V1)),
          "the oversized directive reached V1's inbox: %r" % inbox(net, V1))
    print("refused at the village: a directive with a body over the size cap")
    net.start(T1)
    net.wait_for(net.all_links_up, 60, "all links up again")

    # A real directive to V1, delivered; then V1 stops and the probe takes its key.
    did = issue(net, county, V1, "real task for V1")
    poll(net, lambda: (matrix(show(net, county, did)).get(V1) == "delivered", None), 30,
         "the task delivered to V1")
    net.stop(V1)
    net.wait_for(lambda: net.child_state(T1, V1) == "down", 30, "T1 to see V1 down")

    # 2. A status whose signature is not V1's.
    bad = counter(net, T1, "bad_signatures")
    out = as_child(net, args, V1, T1, "--send", "status-forged", "--directive", did,
                   "--curve-key", os.path.join(net.dir, V2))
    check(out["result"] == "acked", "forged batch not acked (it must be consumed): %r" % out)
    check(counter(net, T1, "bad_signatures") == bad + 1, "forged signature not counted")
    check(matrix(show(net, county, did))[V1] == "delivered",
          "a forged status changed the matrix: %r" % show(net, county, did))
    print("refused at the township: a status with a forged signature")

    # 3. A directive from a village (signed by the village itself).
    refused = counter(net, T1, "items_refused")
    out = as_child(net, args, V1, T1, "--send", "directive", "--target", V1)
    check(counter(net, T1, "items_refused") == refused + 1, "village directive not refused")
    print("refused at the township: a directive issued by a village")

    # 4. Replays: the same frame twice (same link sequence), then the same
    # signed item at the next sequence. Applied exactly once.
    fd, idup = counter(net, T1, "frames_duplicate"), counter(net, T1, "items_duplicate")
    out = as_child(net, args, V1, T1, "--send", "replay", "--directive", did)
    check(out["acked_seq"] == out["seq"] + 1, "replay: not acknowledged up to the last frame: %r"
          % out)
    check(counter(net, T1, "frames_duplicate") == fd + 1, "replayed frame not recognised")
    check(counter(net, T1, "items_duplicate") == idup + 1, "replayed item not recognised")
    poll(net, lambda: (matrix(show(net, county, did)).get(V1) == "done",
                       show(net, county, did)), 30, "the one real status to reach the county")
    log = [e for e in run_audit(net, county) if e["action"] == "status" and e["actor"] == V1
           and e["subject"] == did and e["detail"].startswith("done")]
    check(len(log) == 1, "the county applied V1's done %d times: %r" % (len(log), log))
    print("recognised: a replayed frame and a replayed item (applied once)")
    check(not net.link_problems(down={V1}), "links: %s" % net.link_problems(down={V1}))


def run_audit(net, node_id):
    from ops import audit
    return audit(net, node_id)


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

#!/usr/bin/env python3
"""Certificate renewal while directives and acknowledgements flow: a village
renews with new keys while a status it queued under the old key waits (its
township is down), and that status still reaches the county, once, with no
bad signature anywhere; another village renews with the same keys; the
township renews with a new signing key and its villages reconnect. A renewal
request signed by another office's key is refused by the CA."""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import COUNTY, check, main  # noqa: E402
from ops import (EXIT_REFUSED, ack, cn, inbox_entries, issue, matrix, poll,  # noqa: E402
                 show, wait_registry)

UP = 60


def ca_dir(net):
    return os.path.join(net.dir, "ca-%s" % COUNTY)


def renew(net, node_id, *flags):
    """renew, ca issue --renew, enroll --renew; returns the new serial."""
    req = os.path.join(net.dir, "renew-%s.pem" % node_id)
    cn(net, "renew", "-c", net.cfg(node_id), "--out", req, *flags)
    bundle = cn(net, "ca", "issue", "--ca", ca_dir(net), "--renew", "--csr", req,
                "--out", os.path.join(net.dir, "renew-%s.bundle" % node_id)).stdout.strip()
    r = cn(net, "enroll", "--renew", bundle, "-c", net.cfg(node_id))
    m = re.search(r"serial ([0-9a-f]+) replaces ([0-9a-f]+) \((new|same) keys\)", r.stderr)
    check(m is not None, "enroll --renew of %s says nothing of the serials: %s" % (node_id,
                                                                                   r.stderr))
    return m.group(1), m.group(2), m.group(3)


def done_at_county(net, did, vid):
    poll(net, lambda: (lambda m: (m.get(vid) == "done", m))(matrix(show(net, COUNTY, did))),
         60, "%s done at the county for %s" % (vid, did))


def counter(net, node_id, name):
    return net.status(node_id)["counters"].get(name, 0)


def no_bad_signatures(net, ids, what):
    for i in ids:
        for name in ("bad_signatures", "origin_chain_refused", "items_refused"):
            n = counter(net, i, name)
            check(n == 0, "%s: %s=%d at %s" % (what, name, n, i))


def forged_request(net, a, b):
    """b's request with a's certificate, then with b's certificate and a's
    signature: the CA refuses both."""
    ra, rb = (os.path.join(net.dir, "forge-%s.pem" % x) for x in (a, b))
    cn(net, "renew", "-c", net.cfg(a), "--out", ra)
    cn(net, "renew", "-c", net.cfg(b), "--out", rb)
    blk = re.compile(r"-----BEGIN ([A-Z ]+)-----\n.*?-----END \1-----\n", re.S)
    ba = [m.group(0) for m in blk.finditer(open(ra).read())]
    bb = [m.group(0) for m in blk.finditer(open(rb).read())]
    for n, text in enumerate((bb[0] + ba[1] + ba[2], bb[0] + bb[1] + ba[2])):
        path = os.path.join(net.dir, "forged-%d.pem" % n)
        with open(path, "w") as f:
            f.write(text)
        r = cn(net, "ca", "issue", "--ca", ca_dir(net), "--renew", "--csr", path,
               code=EXIT_REFUSED)
        check("renewal refused" in r.stderr, "forged request %d: %s" % (n, r.stderr))
    print("renew: requests proven by another office's key refused")


def test(net, args):
    ids = net.setup(1, 2)
    town, va, vb = ids[1], ids[2], ids[3]
    net.start_all()
    net.wait_for(net.all_links_up, UP, "all links up")
    wait_registry(net, COUNTY, "%s:village" % COUNTY, [va, vb])
    d1 = issue(net, COUNTY, "%s:village" % COUNTY, "renewal 1", due="2030-12-31 18:00")
    poll(net, lambda: (lambda m: (m == {va: "delivered", vb: "delivered"}, m))(
        matrix(show(net, COUNTY, d1))), 60, "d1 delivered")
    forged_request(net, va, vb)

    # Village A: its status waits under the old key while it renews with new keys.
    net.stop(town)
    ack(net, va, d1, "done", "--note", "queued before the renewal")
    new, old, keys = renew(net, va, "--rotate")
    check(keys == "new" and new != old, "village renewal: %s %s %s" % (new, old, keys))
    net.stop(va)
    net.start(va)
    net.start(town)
    net.wait_for(net.all_links_up, UP, "all links up after %s renewed its keys" % va)
    done_at_county(net, d1, va)
    no_bad_signatures(net, [COUNTY, town], "the old-key status")
    v = show(net, COUNTY, d1)
    t = [x for x in v["targets"] if x["id"] == va][0]
    check(t.get("note") == "queued before the renewal" and v["counts"]["done"] == 1,
          "county's view of %s after the renewal: %r" % (va, v))
    print("renew: %s rotated keys; its status signed by the old key reached the county" % va)

    # Village B: same keys, while directives flow; then both acknowledge d2.
    new, old, keys = renew(net, vb)
    check(keys == "same", "village B renewal: %s" % keys)
    ack(net, vb, d1, "done")
    net.stop(vb)
    net.start(vb)
    net.wait_for(net.all_links_up, UP, "all links up after %s renewed" % vb)
    done_at_county(net, d1, vb)
    d2 = issue(net, COUNTY, "%s:village" % COUNTY, "renewal 2", due="2030-12-31 18:00")
    for vid in (va, vb):
        poll(net, lambda: (len(inbox_entries(net, vid, d2)) == 1, None), 60,
             "%s holds d2" % vid)
        ack(net, vid, d2, "done")
    for vid in (va, vb):
        done_at_county(net, d2, vid)
    no_bad_signatures(net, [COUNTY, town], "after the villages renewed")

    # The township renews with a new signing key; its villages reconnect.
    new, old, keys = renew(net, town, "--rotate")
    check(keys == "new", "township renewal: %s" % keys)
    net.stop(town)
    net.start(town)
    net.wait_for(net.all_links_up, UP, "villages reconnected to the renewed township")
    d3 = issue(net, COUNTY, "%s:village" % COUNTY, "renewal 3", due="2030-12-31 18:00")
    for vid in (va, vb):
        poll(net, lambda: (len(inbox_entries(net, vid, d3)) == 1, None), 60,
             "%s holds d3" % vid)
        ack(net, vid, d3, "done")
    for vid in (va, vb):
        done_at_county(net, d3, vid)
        check(len(inbox_entries(net, vid, d1)) == 1, "%s holds d1 more than once" % vid)
    no_bad_signatures(net, [COUNTY, town, va, vb], "after the township renewed")
    r = cn(net, "ca", "list", "--ca", ca_dir(net))
    check(r.stdout.count("renewed by") == 3, "ca list:\n%s" % r.stdout)
    print("renew: township renewed with a new signing key, villages reconnected, all flows")


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

#!/usr/bin/env python3
"""Hostile office, PKI side (issue 7): a revocation list held back goes noticed
(a stale CRL raises an alert in status), and a certificate superseded by
'ca issue --force' is revoked at once, so the node still presenting it is
dropped and refused once the county publishes the new list."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, main  # noqa: E402
from ops import advance, cn, enable_test_clock  # noqa: E402

T1, V1, V2 = "530102001", "530102001001", "530102001002"


def crl_of(st, issuer):
    for c in st.get("crls", []):
        if c.get("issuer") == issuer:
            return c
    return None


def test_stale_crl(net):
    st = net.status(V1)
    c = crl_of(st, "530102")
    check(c and c["state"] == "ok" and not st["alerts"],
          "fresh CRL: expected state ok and no alert: %r / %r" % (c, st.get("alerts")))
    check(c["next_update"] > c["last_update"] + 29 * 86400, "nextUpdate not kept: %r" % c)
    advance(net, V1, "24d")  # within 7 days of nextUpdate
    st = net.status(V1)
    c = crl_of(st, "530102")
    check(c["state"] == "expiring" and any("530102" in a for a in st["alerts"]),
          "24 days on: expected an 'expiring' alert: %r / %r" % (c, st["alerts"]))
    advance(net, V1, "7d")  # past it
    st = net.status(V1)
    c = crl_of(st, "530102")
    check(c["state"] == "stale" and any("STALE" in a and "ca crl" in a for a in st["alerts"]),
          "31 days on: expected a 'stale' alert: %r / %r" % (c, st["alerts"]))
    r = cn(net, "status", "-c", net.cfg(V1))
    check("ALERT" in r.stdout and "STALE" in r.stdout, "status table shows no ALERT:\n" + r.stdout)
    print("stale CRL: expiring after 24 days, STALE after 31, shown as ALERT")


def test_force_revokes(net):
    ca = os.path.join(net.dir, "ca-530102")
    with open(os.path.join(ca, "issued", V2 + ".pem")) as f:
        old = f.read()
    cn(net, "ca", "issue", "--ca", ca, "--csr", os.path.join(net.dir, V2, "request.pem"),
       "--force", "--out", os.path.join(net.dir, "v2-again.bundle"))
    revoked = open(os.path.join(ca, "revoked")).read()
    check("superseded %s" % V2 in revoked, "superseded serial not in revoked:\n" + revoked)
    check(any(f.startswith(V2 + "-") for f in os.listdir(os.path.join(ca, "issued", "superseded"))),
          "superseded certificate not kept")
    check(open(os.path.join(ca, "issued", V2 + ".pem")).read() != old, "not re-issued")
    # V2 still runs with the superseded certificate; the county publishes the CRL.
    cn(net, "crl", "publish", "-c", net.cfg(net.ids[0]), os.path.join(ca, "crl.pem"))
    net.wait_for(lambda: net.child_state(T1, V2) == "down", 30,
                 "%s to drop %s, which presents its superseded certificate" % (T1, V2))
    net.wait_for(lambda: "revoked" in ((net.status(V2) or {}).get("parent") or {}).get(
        "last_error", ""), 30, "%s to be told its certificate is revoked" % V2)
    net.wait_for(lambda: net.child_state(T1, V1) == "up", 10, "%s to stay up" % V1)
    print("ca issue --force: old serial revoked; %s refused while presenting it" % V2)


def test(net, args):
    net.setup(1, 2)
    enable_test_clock(net, V1)
    net.start_all()
    net.wait_for(net.all_links_up, 60, "all links up")
    test_stale_crl(net)
    test_force_revokes(net)


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

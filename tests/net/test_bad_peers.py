#!/usr/bin/env python3
"""Every kind of bad peer is refused with a counter while the legitimate links
stay up: garbage, oversized, truncated and unknown frames; a valid CURVE key
with no certificate; a chain from another root; a leaf of another county; a
certificate whose CURVE key differs from the connection's; a village that
connects to a township that is not its parent; expired and revoked
certificates (a revoked office's live session is dropped); a key that keeps
sending invalid messages is banned."""

import json
import os
import shutil
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, main, root_sha256, run_cli  # noqa: E402

TOWNSHIPS, VILLAGES = 2, 2
T1, T2 = "530102001", "530102002"
MAX_FRAME = 1048576


class Bad:
    def __init__(self, net, args):
        self.net, self.args = net, args
        self.carenet = net.carenet
        self.x = os.path.join(os.path.dirname(net.dir), "extra")
        os.makedirs(self.x, exist_ok=True)

    def cli(self, *argv, ok=True):
        r = run_cli([self.carenet] + list(argv), timeout=60)
        if ok:
            check(r.returncode == 0, "carenet %s exited %d:\n%s%s" % (
                " ".join(argv), r.returncode, r.stdout, r.stderr))
        return r

    def endpoint(self, node_id):
        st = self.net.status(node_id)
        check(st and st.get("listen"), "%s has no listen endpoint: %r" % (node_id, st))
        return st["listen"]

    def probe(self, target, *extra):
        argv = [self.args.probe, "--endpoint", self.endpoint(target), "--server-cert",
                os.path.join(self.net.dir, target, "node.pem")] + list(extra)
        r = run_cli(argv, timeout=30)
        check(r.returncode == 0, "%s exited %d: %s" % (" ".join(argv), r.returncode, r.stderr))
        return json.loads(r.stdout)

    def counter(self, node_id, name):
        st = self.net.status(node_id)
        check(name in st["counters"], "%s has no counter %s: %r" % (node_id, name,
                                                                    st["counters"]))
        return st["counters"][name]

    def expect(self, target, counter, what, *probe_args, result=None, error=None, down=()):
        before = self.counter(target, counter)
        out = self.probe(target, *probe_args)
        if result:
            check(out["result"] == result, "%s: node answered %r, expected %s" % (what, out,
                                                                                 result))
        if error:
            check(out["error"] == error, "%s: refusal %r, expected %s" % (what, out, error))
        self.net.wait_for(lambda: self.counter(target, counter) > before, 10,
                          "%s: counter %s of %s to grow past %d" % (what, counter, target,
                                                                    before))
        check(not self.net.link_problems(down=down),
              "%s: legitimate links affected: %s" % (what, self.net.link_problems(down=down)))
        print("refused and counted: %s (%s=%d)" % (what, counter, self.counter(target, counter)))
        return out

    def identity(self, ca, node_id, *issue_args, enroll=True):
        """A new node identity issued by the CA directory ca (its ancestors are
        issued first where that CA has not issued them); returns its directory."""
        for n in (6, 9):
            if len(node_id) > n and not os.path.exists(
                    os.path.join(ca, "issued", node_id[:n] + ".pem")):
                self.identity(ca, node_id[:n])
        d = os.path.join(self.x, "%s-%s" % (os.path.basename(ca), node_id))
        self.cli("init", "--dir", d, "--id", node_id)
        self.cli("ca", "issue", "--ca", ca, "--csr", os.path.join(d, "request.pem"),
                 "--out", os.path.join(d, "bundle"), *issue_args)
        if not enroll:
            # enroll refuses a certificate that does not verify (expired): take
            # the certificate the CA recorded and the CA's chain directly.
            shutil.copy(os.path.join(ca, "issued", node_id + ".pem"),
                        os.path.join(d, "node.pem"))
            shutil.copy(os.path.join(ca, "chain.pem"), os.path.join(d, "chain.pem"))
            return d
        # Probes only borrow the keys and chain; the endpoint is never used.
        self.cli("enroll", os.path.join(d, "bundle"), "--dir", d, "--root-sha256",
                 root_sha256(os.path.join(ca, "root.pem") if os.path.exists(
                     os.path.join(ca, "root.pem")) else os.path.join(ca, "ca.pem")), "--parent-endpoint",
                 "tcp://127.0.0.1:9", "--listen", "tcp://127.0.0.1:9")
        return d


def test(net, args):
    check(args.probe and os.access(args.probe, os.X_OK), "--probe is required")
    net.setup(TOWNSHIPS, VILLAGES)
    net.start_all()
    net.wait_for(net.all_links_up, 60, "all links up")
    b = Bad(net, args)
    county_ca = os.path.join(net.dir, "ca-530102")
    root_ca = os.path.join(net.dir, "ca-root")

    # Frames that are not protocol: each from a fresh key, so no ban interferes.
    b.expect(T1, "invalid_messages", "garbage frame", "--send", "garbage")
    b.expect(T1, "oversize_frames", "frame over limits.max_frame", "--send", "oversize",
             "--size", str(MAX_FRAME + 1))
    b.expect(T1, "invalid_messages", "truncated HELLO", "--send", "truncated")
    b.expect(T1, "invalid_messages", "unknown message type", "--send", "unknown")
    b.expect(T1, "invalid_messages", "multipart message", "--send", "multipart")
    b.expect(T1, "messages_before_hello", "valid CURVE key, no certificate", "--send", "ping",
             result="refuse", error="notready")

    # Inspectors: one whose scope covers the county is welcomed and listed;
    # one of another prefecture is refused.
    for scope, tag in (("5301", "team1"), ("5302", "team2")):
        d = os.path.join(b.x, "inspector-" + tag)
        b.cli("init", "--dir", d, "--inspector", "--scope", scope, "--id", tag)
        b.cli("ca", "issue", "--ca", root_ca, "--csr", os.path.join(d, "request.pem"), "--out",
              os.path.join(d, "bundle"))
        b.cli("enroll", os.path.join(d, "bundle"), "--dir", d, "--root-sha256",
              root_sha256(os.path.join(root_ca, "ca.pem")))
    out = b.probe("530102", "--identity", os.path.join(b.x, "inspector-team1"))
    check(out["result"] == "welcome", "inspector of 5301 not welcomed by 530102: %r" % out)
    insp = net.status("530102")["inspectors"]
    check([i["id"] for i in insp] == ["I5301-team1"] and insp[0]["scope"] == "5301",
          "county status does not list the inspector: %r" % insp)
    print("welcomed and listed: inspector I5301-team1 (scope 5301)")
    b.expect("530102", "handshake_refused_not_child", "inspector of another prefecture",
             "--identity", os.path.join(b.x, "inspector-team2"), result="refuse", error="role")

    # Certificates that must not be accepted.
    other_root = os.path.join(b.x, "root2")
    b.cli("ca", "init", "--dir", other_root, "--scope", "53", "--name", "another root")
    other_ca = os.path.join(b.x, "ca2-530102")
    b.cli("ca", "init", "--dir", other_ca, "--scope", "530102", "--name", "forged county CA",
          "--root", other_root)
    forged = b.identity(other_ca, "530102001007")
    b.expect(T1, "handshake_refused_verify", "chain from another root",
             "--identity", forged, result="refuse", error="verify")

    ca3 = os.path.join(b.x, "ca-530103")
    b.cli("ca", "init", "--dir", ca3, "--scope", "530103", "--name", "another county",
          "--root", root_ca)
    foreign = b.identity(ca3, "530103001")
    b.expect("530102", "handshake_refused_not_child", "township of another county",
             "--identity", foreign, result="refuse", error="role")

    b.expect(T1, "handshake_refused_keymismatch", "certificate CURVE key != link key",
             "--identity", os.path.join(net.dir, "530102001001"),
             "--curve-key", os.path.join(net.dir, "530102002001", "curve.key"),
             result="refuse", error="keymismatch")
    b.expect(T1, "handshake_refused_not_child", "village of another township",
             "--identity", os.path.join(net.dir, "530102002001"), result="refuse",
             error="role")

    expired = b.identity(county_ca, "530102001009", "--valid-from", "2020-01-01 00:00",
                         "--valid-until", "2020-06-01 00:00", enroll=False)
    b.expect(T1, "handshake_refused_expired", "expired certificate", "--identity", expired,
             result="refuse", error="expired")

    # Revocation: a revoked identity is refused, and a live session is dropped.
    revoked = b.identity(county_ca, "530102001008")
    b.cli("ca", "revoke", "--ca", county_ca, "--id", "530102001008")
    b.cli("ca", "revoke", "--ca", county_ca, "--id", "530102001002")
    shutil.copy(os.path.join(county_ca, "crl.pem"), os.path.join(net.dir, T1, "crl.pem"))
    os.kill(net.status(T1)["pid"], signal.SIGHUP)
    victim = "530102001002"
    net.wait_for(lambda: net.child_state(T1, victim) == "down", 20,
                 "%s to drop the live session of revoked %s" % (T1, victim))
    net.wait_for(lambda: "revoked" in (net.status(victim)["parent"] or {}).get("last_error", ""),
                 20, "revoked %s to show why its parent link is down" % victim)
    b.expect(T1, "handshake_refused_revoked", "revoked certificate", "--identity", revoked,
             result="refuse", error="revoked", down={victim})
    check(net.child_state(T1, victim) == "down",
          "revoked %s came back: %r" % (victim, net.status(T1)["children"]))
    check(b.counter(T1, "sessions_dropped") >= 1, "sessions_dropped not counted")

    # A key that keeps sending invalid messages is banned, then refused by ZAP.
    bans = b.counter(T1, "bans")
    b.probe(T1, "--send", "garbage", "--count", "8")
    net.wait_for(lambda: b.counter(T1, "bans") > bans, 10, "a ban after repeated garbage")
    check(not net.link_problems(down={victim}), "links affected by the ban: %s" %
          net.link_problems(down={victim}))
    print("banned: a key that sent 8 garbage frames (bans=%d)" % b.counter(T1, "bans"))
    for node_id in net.ids:
        if node_id not in (T1, victim):
            st = net.status(node_id)
            check(st["counters"]["bans"] == 0, "%s banned someone: %r" % (node_id,
                                                                      st["counters"]))


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

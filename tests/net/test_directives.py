#!/usr/bin/env python3
"""Directives through the CLI: a county task to 530102:village fans out to all
9 villages of 3 townships, each inbox holds it once, every village acknowledges
done (one with evidence, whose hash reaches the county) and the county's and
each township's matrices agree. Refusals come back from the node with exit 4
(a village issuing, a township addressing another township's village, a body
over the cap, a target outside the subtree), usage errors exit 2, every new
subcommand has --help, and a stopped node gives exit 1 ("not running")."""

import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import COUNTY, check, main  # noqa: E402
from ops import (EXIT_OTHER, EXIT_REFUSED, EXIT_UNREACH, EXIT_USAGE, ack, cn,  # noqa: E402
                 cn_json, enable_test_clock, inbox_entries, issue, matrix, netdir_file, poll,
                 show, wait_registry)

TOWNSHIPS, VILLAGES = 3, 3
BODY_CAP = 65536  # ROLES_MAX_BODY
HELP = [["directive"], ["directive", "issue"], ["directive", "list"], ["directive", "show"],
        ["inbox"], ["ack"], ["audit"], ["clock"], ["crl"], ["crl", "publish"]]


def test_help_and_usage(net):
    cfg = net.cfg(COUNTY)
    for sub in HELP:
        r = cn(net, *(sub + ["--help"]))
        check("usage" in r.stdout and sub[-1] in r.stdout,
              "carenet %s --help: no usage naming the command:\n%s" % (" ".join(sub), r.stdout))
    cn(net, "directive", code=EXIT_USAGE)
    cn(net, "directive", "frobnicate", code=EXIT_USAGE)
    r = cn(net, "directive", "issue", "-c", cfg, "--kind", "task", "--to", "530102:village",
           "--due", "+1h", code=EXIT_USAGE)
    check("--title" in r.stderr, "issue without --title: stderr does not say what is missing:\n%s"
          % r.stderr)
    r = cn(net, "directive", "issue", "-c", cfg, "--kind", "memo", "--to", "530102:village",
           "--title", "t", "--due", "+1h", code=EXIT_USAGE)
    check("memo" in r.stderr, "unknown kind not named: %s" % r.stderr)
    cn(net, "directive", "issue", "-c", cfg, "--kind", "task", "--to", "530102:village",
       "--title", "t", "--due", "tomorrow", code=EXIT_USAGE)
    cn(net, "directive", "issue", "-c", cfg, "--kind", "task", "--to", "530102:village",
       "--title", "t", "--due", "+1h", "--body", "a", "--body-file", cfg, code=EXIT_USAGE)
    cn(net, "directive", "list", "-c", cfg, "--state", "late", code=EXIT_USAGE)
    cn(net, "directive", "show", "-c", cfg, code=EXIT_USAGE)
    cn(net, "ack", "-c", cfg, "--state", "done", code=EXIT_USAGE)
    cn(net, "ack", "530102-1", "-c", cfg, "--state", "finished", code=EXIT_USAGE)
    cn(net, "clock", "-c", cfg, "--advance", "soon", code=EXIT_USAGE)
    cn(net, "audit", "-c", cfg, "--verify", "--since", "-1h", code=EXIT_USAGE)
    cn(net, "crl", "-c", cfg, code=EXIT_USAGE)
    for sub in (["inbox"], ["directive", "list"], ["audit"], ["clock"]):
        r = cn(net, *(sub + ["-c", cfg]), code=EXIT_UNREACH)
        check("not running" in r.stderr, "carenet %s of a stopped node: %s" % (" ".join(sub),
                                                                              r.stderr))
    print("directives: --help, usage errors (2), node not running (3)")


def villages(net, under=COUNTY):
    return [i for i in net.ids if len(i) == 12 and i.startswith(under)]


def fan_out(net):
    county, vs = COUNTY, villages(net)
    probes = wait_registry(net, county, "%s:village" % county, vs)
    did = issue(net, county, "%s:village" % county, "儿童之家台账检查 ledger check",
                due="2030-12-31 18:00",
                extra=["--body", "请核对台账并上传 check the ledger", "--indicator", "Y-2.1",
                       "--indicator", "Y-3.4", "--remind", "7d,1d"])
    check(did not in probes, "the task got a probe's id %s" % did)
    v = poll(net, lambda: (lambda m: (m == {i: "delivered" for i in vs}, m))(
        matrix(show(net, county, did))), 60, "all 9 villages delivered at the county")
    v = show(net, county, did)
    check(v["kind"] == "task" and v["issuer"] == county and v["indicators"] == ["Y-2.1", "Y-3.4"]
          and v["title"] == "儿童之家台账检查 ledger check" and v["counts"]["delivered"] == 9,
          "county's view of %s: %r" % (did, v))
    for vid in vs:
        got = inbox_entries(net, vid, did)
        check(len(got) == 1, "%s's inbox holds %s %d times: %r" % (vid, did, len(got), got))
        e = got[0]
        check(e["kind"] == "task" and e["kind_zh"] == "任务" and e["issuer"] == county and
              e["state"] == "delivered" and e["due"] == v["due"] and e["overdue"] is False,
              "%s's inbox entry: %r" % (vid, e))
    print("directives: %s delivered to %d villages, each inbox holds it once" % (did, len(vs)))
    return did


def all_done(net, did):
    county, vs = COUNTY, villages(net)
    data = os.urandom(4096) + "证明材料".encode()
    path = netdir_file(net, "evidence-签到表.bin", data)
    for n, vid in enumerate(vs):
        extra = ["--note", "已完成 done by %s" % vid]
        if n == 0:
            extra += ["--evidence", path]
        ack(net, vid, did, "done", *extra)
    poll(net, lambda: (lambda m: (m == {i: "done" for i in vs}, m))(
        matrix(show(net, county, did))), 60, "all 9 villages done at the county")
    v = show(net, county, did)
    check(v["counts"]["done"] == 9 and v["counts"]["overdue"] == 0, "counts: %r" % v["counts"])
    first = [t for t in v["targets"] if t["id"] == vs[0]][0]
    want = {"name": os.path.basename(path), "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data)}
    check(first.get("evidence") == [want], "evidence of %s at the county: %r, expected %r" % (
        vs[0], first.get("evidence"), [want]))
    check(first.get("note") == "已完成 done by %s" % vs[0], "note: %r" % first.get("note"))
    for vid in vs:
        got = inbox_entries(net, vid, did)
        check(len(got) == 1 and got[0]["state"] == "done", "%s's own state: %r" % (vid, got))
    # Each township tracks exactly its own villages, in the county's states.
    county_m = matrix(v)
    for tid in [i for i in net.ids if len(i) == 9]:
        mine = {i: county_m[i] for i in villages(net, tid)}
        poll(net, lambda: (lambda m: (m == mine, m))(matrix(show(net, tid, did))), 30,
             "%s's matrix of %s to equal the county's for its villages" % (tid, did))
    print("directives: all done, evidence hash at the county, township matrices agree")


def refusals(net, did):
    county, t1, t2 = COUNTY, COUNTY + "001", COUNTY + "002"
    v1, v2 = villages(net, t1)[0], villages(net, t2)[0]
    before = cn(net, "directive", "list", "-c", net.cfg(county), "--json").stdout

    def refused(node, to, what, must_say, extra=(), kind="task"):
        r = cn(net, "directive", "issue", "-c", net.cfg(node), "--kind", kind, "--to", to,
               "--title", "refused: %s" % what, "--due", "+2h", *extra, code=EXIT_REFUSED)
        check(r.stderr.startswith("carenet directive issue: ") and must_say in r.stderr,
              "%s: stderr should start 'carenet directive issue: ' and say %r:\n%s" % (
                  what, must_say, r.stderr))
        check(r.stdout == "", "%s: printed an id anyway: %r" % (what, r.stdout))

    refused(v1, v2, "a village issuing", "village")
    refused(t1, v2, "a township addressing another township's village", "outside")
    refused(t1, "%s:village" % t2, "a township addressing another township's subtree",
            "outside")
    refused(county, "530103001001", "a target outside the county", "outside")
    refused(county, "%s:village" % "530103", "a prefix outside the county", "outside")
    big = netdir_file(net, "body-too-big.txt", b"x" * (BODY_CAP + 1))
    refused(county, v1, "a body over the cap", str(BODY_CAP), extra=["--body-file", big])
    r = cn(net, "directive", "issue", "-c", net.cfg(county), "--kind", "task", "--to", v1,
           "--title", "past", "--due", "2020-01-01 08:00", code=EXIT_REFUSED)
    check("future" in r.stderr, "a due time in the past: %s" % r.stderr)
    r = cn(net, "ack", "530102-999999", "-c", net.cfg(v1), "--state", "done", code=EXIT_REFUSED)
    check("no directive" in r.stderr, "ack of an unknown directive: %s" % r.stderr)
    r = cn(net, "ack", did, "-c", net.cfg(v1), "--state", "unable", code=EXIT_REFUSED)
    check("note" in r.stderr, "unable without a note: %s" % r.stderr)
    gbk = netdir_file(net, "body-gbk.txt", "请核对台账".encode("gbk"))
    r = cn(net, "directive", "issue", "-c", net.cfg(county), "--kind", "task", "--to", v1,
           "--title", "gbk", "--due", "+1h", "--body-file", gbk, code=EXIT_REFUSED)
    check("UTF-8" in r.stderr, "a GBK body file: %s" % r.stderr)
    for bad, why in ((os.path.join(net.dir, "no-such-file"), "no such file"),
                     (net.dir, "not a regular file")):
        r = cn(net, "ack", did, "-c", net.cfg(v1), "--state", "done", "--evidence", bad,
               code=EXIT_REFUSED)
        check(why in r.stderr, "evidence %s: stderr should say %r: %s" % (bad, why, r.stderr))
    # A refusal changes nothing.
    after = cn(net, "directive", "list", "-c", net.cfg(county), "--json").stdout
    check(after == before, "a refused issue or ack changed the county's directive list")
    print("directives: refusals exit 4 with the node's reason, and change nothing")


def crl_publish(net):
    crl = os.path.join(net.dir, "ca-%s" % COUNTY, "crl.pem")
    check(os.path.isfile(crl), "the demo wrote no county CRL at %s" % crl)
    r = cn(net, "crl", "publish", "-c", net.cfg(COUNTY), crl)
    check("published" in r.stdout, "crl publish: %r" % r.stdout)
    r = cn(net, "crl", "publish", "-c", net.cfg(COUNTY + "001"), crl, code=EXIT_REFUSED)
    check("county" in r.stderr, "crl publish at a township: %s" % r.stderr)
    r = cn(net, "crl", "publish", "-c", net.cfg(COUNTY), net.cfg(COUNTY), code=EXIT_REFUSED)
    check("not a revocation list" in r.stderr, "crl publish of a config file: %s" % r.stderr)
    actions = [a["action"] for a in cn_json(net, "audit", "-c", net.cfg(COUNTY))]
    check("revocation" in actions, "the county's audit log lacks the revocation: %r" % actions)
    print("directives: crl publish at the county; refused at a township and for a non-CRL")


def test(net, args):
    net.setup(TOWNSHIPS, VILLAGES)
    test_help_and_usage(net)
    for i in net.ids:
        enable_test_clock(net, i)
        enable_test_clock(net, i)  # idempotent: a duplicate key would not load
    net.start_all()
    net.wait_for(net.all_links_up, 60, "all %d links up" % (len(net.ids) - 1))
    did = fan_out(net)
    all_done(net, did)
    refusals(net, did)
    crl_publish(net)


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

#!/usr/bin/env python3
"""Inspectors (issue 10, item 4) on a county, 2 townships and 2 villages each:
`carenet inspect` connects as the inspector over CURVE (HELLO with its chain)
and asks for the evaluation. An inspector scoped to the prefecture (5301)
gets the county's evaluation with the --json contract of `carenet
compliance` (the same as compliance at the county gives); one scoped to a
township, asking the county, gets only that township's subtree and is
refused (exit 4) for the other township's office; one of another county
cannot connect (exit 4); the county counts every query (inspect_queries,
inspect_refused) and audits it (who, scope, office)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, main, root_sha256  # noqa: E402
from ops import cn, cn_json  # noqa: E402

EXIT_REFUSED = 4
STD = "yunnan-2018-demo"


def make_inspector(net, scope, tag):
    d = os.path.join(os.path.dirname(net.dir), "inspector-" + tag)
    root = os.path.join(net.dir, "ca-root")
    cn(net, "init", "--dir", d, "--inspector", "--scope", scope, "--id", tag)
    cn(net, "ca", "issue", "--ca", root, "--csr", os.path.join(d, "request.pem"), "--out",
       os.path.join(d, "bundle"))
    r = cn(net, "enroll", os.path.join(d, "bundle"), "--dir", d, "--root-sha256",
           root_sha256(os.path.join(root, "ca.pem")))
    cfg = r.stdout.strip().splitlines()[-1]
    check(os.path.exists(cfg), "enroll printed no inspector config: %r" % r.stdout)
    return cfg


def inspect(net, cfg, node, *extra, code=0):
    st = net.status(node)
    return cn(net, "inspect", "-c", cfg, "--node", st["listen"], "--node-cert",
              os.path.join(net.dir, node, "node.pem"), "--standard", STD, *extra, code=code)


def inspect_json(net, cfg, node, *extra):
    import json
    r = inspect(net, cfg, node, *(list(extra) + ["--json"]))
    return json.loads(r.stdout)


def contract(rep, office):
    for key in ("standard", "office", "at", "indicators", "summary"):
        check(key in rep, "inspect --json has %s" % key)
    check(rep["standard"] == STD and rep["office"] == office, "head: %s %s" % (
        rep["standard"], rep["office"]))
    for x in rep["indicators"]:
        for key in ("id", "mode", "result", "value", "threshold", "failing_offices", "veto",
                    "data_age_s"):
            check(key in x, "%s has %s" % (x.get("id"), key))


def test(net, args):
    ids = net.setup(2, 2)
    county = ids[0]
    t1, t2 = sorted(i for i in ids if len(i) == 9)
    net.start_all()
    net.wait_for(net.all_links_up, 60, "every link up")
    prov = make_inspector(net, "5301", "prov")
    town = make_inspector(net, t1, "town")
    other = make_inspector(net, "530103", "other")

    # 1. the prefecture's inspector: the county's whole evaluation, as compliance gives it
    rep = inspect_json(net, prov, county)
    contract(rep, county)
    local = cn_json(net, "compliance", "-c", net.cfg(county), "--standard", STD)
    check([(x["id"], x["result"]) for x in rep["indicators"]] ==
          [(x["id"], x["result"]) for x in local["indicators"]],
          "inspect and compliance at the county differ")
    check(rep["summary"] == local["summary"], "summary differs: %s %s" % (rep["summary"],
                                                                         local["summary"]))
    print("prefecture inspector: the county's evaluation (%d indicators)" % len(
        rep["indicators"]))
    r = inspect(net, prov, county, "--csv")
    check(r.stdout.startswith("\ufeff"), "--csv has no BOM")

    # 2. a township's inspector asking the county: its township only; the other refused
    rep = inspect_json(net, town, county)
    contract(rep, t1)
    for x in rep["indicators"]:
        for o in x["failing_offices"]:
            check(o.startswith(t1), "%s: failing office %s outside %s" % (x["id"], o, t1))
    r = inspect(net, town, county, "--office", t2, "--json", code=EXIT_REFUSED)
    check(r.stderr.startswith("carenet inspect:") and "scope" in r.stderr,
          "refusal message: %r" % r.stderr)
    r = inspect(net, town, county, "--office", county, "--json", code=EXIT_REFUSED)
    print("township inspector: its subtree only; %s refused: %s" % (t2, r.stderr.strip()))

    # 3. another county's inspector cannot connect
    r = inspect(net, other, county, code=EXIT_REFUSED)
    check("not" in r.stderr and "530103" in r.stderr, "connect refusal: %r" % r.stderr)
    print("another county's inspector refused: %s" % r.stderr.strip())

    # 4. counted and audited at the county
    c = net.status(county)["counters"]
    check(c.get("inspect_queries") == 5 and c.get("inspect_refused") == 2,
          "counters: %s %s" % (c.get("inspect_queries"), c.get("inspect_refused")))
    r = cn(net, "audit", "-c", net.cfg(county), "--json")
    check(r.stdout.count("I5301-prov") >= 2 and "I%s-town" % t1 in r.stdout and
          "outside inspector" in r.stdout, "audit lacks the queries:\n%s" % r.stdout[-2000:])
    print("counted (5 queries, 2 refused) and audited")


if __name__ == "__main__":
    main(test, __doc__)

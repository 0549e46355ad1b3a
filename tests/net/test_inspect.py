#!/usr/bin/env python3
"""Inspectors (issue 10, item 4) on a county, 2 townships and 2 villages each:
`carenet inspect` connects as the inspector over CURVE (HELLO with its chain)
and asks for the evaluation. Inspectors scoped to the prefecture (5301) and
to the county get the county's evaluation with the --json contract of `carenet
compliance` (the same as compliance at the county gives); one scoped to a
township, asking the county, gets only that township's subtree and is
refused (exit 4) for the other township's office; one of another county
cannot connect (exit 4); the county counts every query (inspect_queries,
inspect_refused) and audits it (who, scope, office).
Findings (R28): one sent to a township about its village is kept there and
relayed up to the county, where it decides that indicator ("inspected by",
not measured) for the village; a failing one with --rectify sent to the
county puts a rectification order (限时整改) in the village's inbox; an
office outside the inspector's scope and a measured indicator are refused
(exit 4) and counted; a finding made and signed by a village (carenet-probe
finding-forged) is refused by its township and counted (items_refused)."""

import csv
import io
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, main, run_cli  # noqa: E402
from ops import cn, cn_json, inbox, make_inspector, poll, show_run  # noqa: E402

EXIT_REFUSED = 4
STD = "yunnan-2018-demo"
IND = "rights.edu.needs"  # mode I: 特殊教育需求 checked on site


def inspect(net, cfg, node, *extra, code=0):
    st = net.status(node)
    return cn(net, "inspect", "-c", cfg, "--node", st["listen"], "--node-cert",
              os.path.join(net.dir, node, "node.pem"), "--standard", STD, *extra, code=code)


def inspect_json(net, cfg, node, *extra):
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
    cty = make_inspector(net, county, "cty")

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
    rep = inspect_json(net, cty, county)
    contract(rep, county)
    check(rep["summary"] == local["summary"], "the county inspector's summary differs")
    r = inspect(net, prov, county, "--csv")
    check(r.stdout.startswith("\ufeff"), "--csv has no BOM")
    page = os.path.join(net.dir, "inspect.html")
    inspect(net, prov, county, "--html", page)
    with open(page, encoding="utf-8") as f:
        html = f.read()
    check(html.lstrip().lower().startswith("<!doctype html") and "</html>" in html,
          "--html is not a page")

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
    check(c.get("inspect_queries") == 7 and c.get("inspect_refused") == 2,
          "counters: %s %s" % (c.get("inspect_queries"), c.get("inspect_refused")))
    r = cn(net, "audit", "-c", net.cfg(county), "--json")
    check(r.stdout.count("I5301-prov") >= 2 and "I%s-town" % t1 in r.stdout and
          "outside inspector" in r.stdout, "audit lacks the queries:\n%s" % r.stdout[-2000:])
    print("counted (7 queries, 2 refused) and audited")
    findings(net, args, county, t1, t2, prov, town)
    rate_limit(net, t2, cty, prov)


def rate_limit(net, node, flooder, other):
    """10. an inspector flooding a node with queries: past 30 a minute refused and counted,
    another inspector still answered."""
    st = net.status(node)
    argv = [net.carenet, "inspect", "-c", flooder, "--node", st["listen"], "--node-cert",
            os.path.join(net.dir, node, "node.pem"), "--standard", STD, "--json"]
    answered, refused = 0, None
    for _ in range(40):
        r = run_cli(argv, timeout=60)
        if r.returncode != 0:
            refused = r
            break
        answered += 1
    check(refused is not None and refused.returncode == EXIT_REFUSED and
          "too many requests" in refused.stderr, "no refusal after %d queries: %r" % (
              answered, refused and refused.stderr))
    check(answered == 30, "%d queries answered before the refusal, not 30" % answered)
    check(net.status(node)["counters"].get("inspect_limited", 0) >= 1, "inspect_limited")
    inspect_json(net, other, node)
    print("an inspector over 30 queries a minute refused at %s: %s" % (
        node, refused.stderr.strip()))


def finding(net, cfg, node, office, result, *extra, code=0):
    return cn(net, "inspect", "finding", "-c", cfg, "--node", net.status(node)["listen"],
              "--node-cert", os.path.join(net.dir, node, "node.pem"), "--indicator", IND,
              "--office", office, "--result", result, "--note", "现场查看了学校记录", *extra,
              code=code)


def kept(net, node, fid):
    v = cn_json(net, "inspect", "findings", "-c", net.cfg(node))
    return [f for f in v if f["id"] == fid]


def indicator(net, node, office):
    rep = cn_json(net, "compliance", "-c", net.cfg(node), "--standard", STD, "--office", office)
    return [x for x in rep["indicators"] if x["id"] == IND][0]


def findings(net, args, county, t1, t2, prov, town):
    v1, v2 = t1 + "001", t1 + "002"
    check(indicator(net, county, v1)["result"] == "unknown", "before any finding")
    ev = os.path.join(net.dir, "photo.txt")
    with open(ev, "w") as f:
        f.write("现场照片\n")
    # 5. to the township about its village; relayed up to the county
    r = finding(net, prov, t1, v1, "pass", "--method", "现场查看", "--evidence", ev, "--json")
    fid = json.loads(r.stdout)["id"]
    check(kept(net, t1, fid), "the township does not keep %s" % fid)
    f = poll(net, lambda: (bool(kept(net, county, fid)), None), 30, "the finding at the county")
    got = kept(net, county, fid)[0]
    check(got["inspector"] == "I5301-prov" and got["office"] == v1 and
          got["method"] == "现场查看" and len(got["evidence"]) == 1, "kept: %r" % got)
    x = indicator(net, county, v1)
    check(x["result"] == "pass" and x["inspected"] and x["inspected"]["by"] == "I5301-prov" and
          x["inspected"]["finding"] == fid and "inspected by" in x["note"], "after: %r" % x)
    rep = inspect_json(net, prov, county, "--office", v1)
    check([y for y in rep["indicators"] if y["id"] == IND][0]["result"] == "pass",
          "the inspector's evaluation of %s does not show its finding" % v1)
    print("finding %s kept at %s, relayed to %s, decides %s for %s: %s" % (
        fid, t1, county, IND, v1, x["note"]))
    del f
    r = cn(net, "inspect", "findings", "-c", net.cfg(county), "--office", t1, "--csv")
    rows = list(csv.reader(io.StringIO(r.stdout.lstrip("\ufeff"))))
    check(r.stdout.startswith("\ufeff") and rows[0][0] == "id" and
          [x[0] for x in rows[1:]] == [fid], "findings --csv: %r" % rows)

    # 6. failing, with --rectify, at the county: a rectification order at the village
    r = finding(net, prov, county, v2, "fail", "--rectify", "7", "--json")
    fid2 = json.loads(r.stdout)["id"]

    def ordered():
        v = [e for e in inbox(net, v2) if e["kind"] == "rectification" and IND in e["title"]]
        return (bool(v), v)
    e = poll(net, ordered, 30, "the rectification order at %s" % v2)[0]
    check(e["issuer"] == county, "issued by %r" % e["issuer"])
    check(indicator(net, county, v2)["result"] == "fail", "the failing finding is not shown")
    print("failing finding %s: rectification order %s at %s" % (fid2, e["id"], v2))

    # 7. refused: out of scope, a measured indicator; counted
    before = net.status(county)["counters"]["inspect_refused"]
    r = finding(net, town, county, t2 + "001", "pass", code=EXIT_REFUSED)
    check(r.stderr.startswith("carenet inspect") and "scope" in r.stderr, "%r" % r.stderr)
    r = cn(net, "inspect", "finding", "-c", prov, "--node", net.status(county)["listen"],
           "--node-cert", os.path.join(net.dir, county, "node.pem"), "--indicator",
           "lead.county_meetings", "--office", county, "--result", "pass", "--note", "x",
           code=EXIT_REFUSED)
    check("mode M" in r.stderr, "a measured indicator: %r" % r.stderr)
    after = net.status(county)["counters"]
    check(after["inspect_refused"] == before + 2 and after["inspect_findings"] == 3,
          "counters: %r" % after)
    r = cn(net, "audit", "-c", net.cfg(county), "--json")
    check("mode M" in r.stdout and "outside inspector I%s-town" % t1 in r.stdout,
          "the refused findings are not audited")
    print("refused, counted and audited: another township's office, a measured indicator")

    # 8. a village signing a finding itself: refused by its township and counted
    before = net.status(t1)["counters"]["items_refused"]
    check(net.stop(v1) == 0, "%s did not stop cleanly" % v1)
    r = run_cli([args.probe, "--endpoint", net.status(t1)["listen"], "--server-cert",
                 os.path.join(net.dir, t1, "node.pem"), "--identity", os.path.join(net.dir, v1),
                 "--send", "finding-forged", "--target", v1])
    check(r.returncode == 0, "probe finding-forged: %s" % show_run(r))
    net.wait_for(lambda: net.status(t1)["counters"]["items_refused"] > before, 15,
                 "the township to refuse the village's finding")
    check(not kept(net, t1, v1 + "-f1"), "the forged finding was kept")
    print("forged finding signed by %s refused and counted at %s" % (v1, t1))

    # 9. out of order: A kept at the township while the county is down, then
    # B (later) at the county, then A relayed: the county keeps both (an
    # inspector's findings are kept by id, not by a sequence mark)
    check(net.stop(county) == 0, "county did not stop cleanly")
    a = json.loads(finding(net, prov, t1, t1 + "002", "pass", "--json").stdout)["id"]
    check(net.stop(t1) == 0, "%s did not stop cleanly" % t1)
    net.start(county)
    net.wait_for(lambda: net.status(county) is not None, 30, "the county back")
    b = json.loads(finding(net, prov, county, t2 + "001", "pass", "--json").stdout)["id"]
    net.start(t1)
    net.wait_for(lambda: bool(kept(net, county, a)), 30, "%s relayed after %s" % (a, b))
    check(kept(net, county, b), "%s lost" % b)
    print("out of order: %s (older, relayed late) and %s both kept at the county" % (a, b))


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

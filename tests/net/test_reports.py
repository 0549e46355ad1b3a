#!/usr/bin/env python3
"""Mandatory reports (issue 9, part A) on a county, 2 townships, 2 villages
each: a village files an urgent report, which reaches its township and the
county; the township acknowledges and refers it, the county opens a case and
closes it, and the reporting village sees each step (report show --json).
Then a second report whose township stays silent: past the deadline (test
clocks moved on every node) the county holds it, is alerted (status), the
late hop is recorded as escalated, and the township, back, sees it.
Refusals of the operator's rules: the village acknowledging its own report,
a township acknowledging a report it does not hold."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, main  # noqa: E402
from ops import (EXIT_REFUSED, EXIT_USAGE, advance, cn, cn_json, enable_test_clock,  # noqa: E402
                 netdir_file, poll)

HOP_KEYS = ("from", "to", "sent_at", "due_at", "acked_at", "escalated")


def show(net, node, rid, *extra):
    v = cn_json(net, "report", "show", rid, "-c", net.cfg(node), *extra)
    for key in ("id", "situation", "urgency", "state", "holder", "filed_at", "hops", "steps"):
        check(key in v, "report show %s at %s lacks %r: %r" % (rid, node, key, v))
    for h in v["hops"]:
        for key in HOP_KEYS:
            check(key in h, "report show %s at %s: a hop lacks %r: %r" % (rid, node, key, h))
        check(isinstance(h["escalated"], bool), "hop escalated is not a boolean: %r" % h)
    return v


def held(net, node, rid):
    """(ok, view) for poll: the report is held at node."""
    v = cn_json(net, "report", "list", "-c", net.cfg(node))
    check(isinstance(v, list), "report list --json of %s is not an array: %r" % (node, v))
    mine = [x for x in v if x["id"] == rid]
    return bool(mine), v


def wait_held(net, node, rid):
    poll(net, lambda: held(net, node, rid), 30, "report %s at %s" % (rid, node))


def wait_step(net, node, rid, kind, n=1):
    def fn():
        v = show(net, node, rid)
        return sum(1 for s in v["steps"] if s["kind"] == kind) >= n, v
    return poll(net, fn, 30, "a %s step on %s at %s" % (kind, rid, node))


def file_report(net, village, *extra):
    out = cn_json(net, "report", "file", "-c", net.cfg(village), "--situation", "S01,S03",
                  "--summary", "独居儿童 child living alone", "--description", "男孩 约8岁",
                  "--reporter", "张三", "--reporter-role", "儿童主任", "--location", "三组",
                  "--police-unit", "红云派出所", "--police-record-no", "JJ-2026-001", *extra)
    check(isinstance(out, dict) and out.get("id", "").startswith(village + "-rep"),
          "report file --json: %r" % out)
    return out["id"]


def flow(net, county, township, village):
    photo = netdir_file(net, "现场照片.jpg", b"\xff\xd8 a photo of the house " * 100)
    rid = file_report(net, village, "--evidence", photo)
    for node in (township, county):
        wait_held(net, node, rid)

    def evidence_at_county():
        docs = cn_json(net, "doc", "list", "-c", net.cfg(county))
        mine = [d for d in docs if d["record"] == rid]
        return bool(mine) and mine[0]["complete"], docs
    poll(net, evidence_at_county, 30, "the report's evidence file at the county")
    v = show(net, county, rid)
    check(v["state"] == "open" and v["holder"] == township and v["urgency"] == "urgent",
          "at the county before any ack: %r" % v)
    check(v["summary"] == "**" and v["situation"] == ["**", "**"],
          "personal fields not masked in show: %r" % v)
    full = show(net, county, rid, "--reveal")
    check(full["situation"] == ["S01", "S03"] and full["reporter_name"] == "张三",
          "--reveal does not show the fields: %r" % full)
    check([e["name"] for e in full["evidence"]] == ["现场照片.jpg"], "evidence: %r" % full)
    hop = v["hops"][0]
    check(hop["from"] == village and hop["to"] == township and hop["acked_at"] is None and
          hop["due_at"] - hop["sent_at"] == 3600, "the first hop: %r" % hop)

    r = cn(net, "report", "ack", rid, "-c", net.cfg(village), code=EXIT_REFUSED)
    check("carenet report ack:" in r.stderr, "refusal message: %s" % r.stderr)
    cn(net, "report", "ack", rid, "-c", net.cfg(county), code=EXIT_REFUSED)  # not its hop
    cn(net, "report", "ack", rid, "-c", net.cfg(township), "--note", "已受理")
    cn(net, "report", "refer", rid, "-c", net.cfg(township), "--to", "bogus", "--ref", "1",
       code=EXIT_REFUSED)
    cn(net, "report", "refer", rid, "-c", net.cfg(township), "--to", "公安", "--ref", "GA-7")
    cn(net, "report", "refer", rid, "-c", net.cfg(township), code=EXIT_USAGE)
    for node in (village, county):
        v = wait_step(net, node, rid, "refer")
        check(v["state"] == "referred" and v["hops"][0]["acked_at"] is not None and
              v["hops"][0]["acked_by"] == township, "after ack and refer at %s: %r" % (node, v))
    return rid


def close(net, county, township, village, rid):
    case = cn_json(net, "report", "open-case", rid, "-c", net.cfg(county))
    check(case.get("case", "").startswith(county + "-r"), "open-case --json: %r" % case)
    cn(net, "report", "open-case", rid, "-c", net.cfg(township), code=EXIT_REFUSED)
    cn(net, "report", "close", rid, "-c", net.cfg(county), "--outcome", "已安置")
    for node in (village, township):
        v = wait_step(net, node, rid, "close")
        check(v["state"] == "closed" and v["case"] == case["case"],
              "after open-case and close at %s: %r" % (node, v))
    cn(net, "report", "reopen", rid, "-c", net.cfg(township), code=EXIT_REFUSED)
    closed = cn_json(net, "report", "list", "-c", net.cfg(village), "--state", "closed")
    check([x["id"] for x in closed] == [rid], "list --state closed: %r" % closed)
    r = cn(net, "report", "list", "-c", net.cfg(county), "--csv")
    check(r.stdout.startswith("\ufeffid,") and rid in r.stdout, "--csv: %r" % r.stdout[:200])
    r = cn(net, "report", "show", rid, "-c", net.cfg(county), "--csv")
    rows = r.stdout.splitlines()
    check(rows[0].startswith("\ufeffid,from,to,sent_at,due_at,acked_at") and
          rows[1].startswith("%s,%s,%s," % (rid, village, township)), "show --csv: %r" % rows)


def escalation(net, ids, county, township, village):
    rid = file_report(net, village, "--urgency", "urgent")
    for node in (township, county):
        wait_held(net, node, rid)
    # Every clock moves on (the township's too, before it stops: steps that
    # claim a time ahead of the receiver's clock are refused).
    advance(net, township, "61m")
    net.stop(township)
    for node in ids:
        if node != township:
            advance(net, node, "61m")

    def escalated():
        v = show(net, county, rid)
        return v["holder"] == county and v["state"] == "escalated", v
    v = poll(net, escalated, 30, "the county to hold %s after the deadline" % rid)
    check(v["hops"][0]["escalated"] and v["hops"][0]["to"] == township and
          v["hops"][-1]["to"] == county, "hops after the escalation: %r" % v["hops"])
    st = cn_json(net, "status", "-c", net.cfg(county))
    check(any(rid in a and "escalated" in a for a in st.get("alerts", [])),
          "no alert at the county: %r" % st.get("alerts"))
    esc = cn_json(net, "report", "list", "-c", net.cfg(county), "--state", "escalated")
    check([x["id"] for x in esc] == [rid], "list --state escalated: %r" % esc)
    with open(net.log_path(county), encoding="utf-8", errors="replace") as f:
        check("report %s escalated: township %s did not acknowledge within 1h" % (rid, township)
              in f.read(), "no notice line at the county")
    net.start(township)
    net.wait_for(lambda: net.status(township) is not None, 30, "%s answering" % township)
    v = wait_step(net, township, rid, "escalate")
    wait_step(net, village, rid, "escalate")
    check(v["holder"] == county and v["hops"][0]["escalated"], "the township, back: %r" % v)
    cn(net, "report", "ack", rid, "-c", net.cfg(township), code=EXIT_REFUSED)
    cn(net, "report", "ack", rid, "-c", net.cfg(county))
    v = wait_step(net, village, rid, "ack")
    check(v["state"] == "acknowledged", "after the county's ack: %r" % v)
    st = cn_json(net, "status", "-c", net.cfg(county))
    check(not any(rid in a for a in st.get("alerts", [])), "alert stays: %r" % st.get("alerts"))


def sealed_everywhere(net, ids):
    """No node's data.mdb or log holds a report's personal field in the clear."""
    for node in ids:
        for path in (os.path.join(net.dir, node, "data", "data.mdb"), net.log_path(node)):
            with open(path, "rb") as f:
                data = f.read()
            for word in ("张三", "独居儿童", "男孩 约8岁", "三组"):
                check(word.encode() not in data, "%s holds %r in the clear" % (path, word))


def test(net, args):
    ids = net.setup(2, 2)
    for i in ids:
        enable_test_clock(net, i)
    net.start_all()
    net.wait_for(net.all_links_up, 60, "all links up")
    county = ids[0]
    townships = sorted(i for i in ids if len(i) == 9)
    village = sorted(i for i in ids if len(i) == 12 and i.startswith(townships[0]))[0]
    rid = flow(net, county, townships[0], village)
    close(net, county, townships[0], village, rid)
    other = sorted(i for i in ids if len(i) == 12 and i.startswith(townships[1]))[0]
    escalation(net, ids, county, townships[1], other)
    sealed_everywhere(net, ids)


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

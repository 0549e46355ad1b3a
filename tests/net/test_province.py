#!/usr/bin/env python3
"""Above the county (issue 14): a province 53, a prefecture 5301 and two
counties 530102, 530103 (1 township, 1 village each; `demo --province`).
Villages import children; the clocks move past the month's end; each county
sends its monthly roll-up (R29) and the province's `ledger summary --json`
equals the counties' own summaries (children, categories, staff); the
prefecture's own roll-up is their sum. No child's name or 身份证号 is in the
province's or the prefecture's raw data.mdb or log. A county forced to send a
record version upward (carenet-probe with the county's identity) is refused
and counted at the prefecture. A county SIGKILLed again and again while its
clock moves past the next two month ends at once: it makes both months'
roll-ups, each once (its audit log), and both reach the province (the
latest exactly once; the one between in the province's bulletin). Last, a county
enrolled with the province as its parent links up to it and its roll-up
arrives there directly."""

import json
import os
import random
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import TestFailure, check, main, run_cli  # noqa: E402
from ledger_data import child, csv_text  # noqa: E402
from ops import (Killer, ack, advance, audit, cn, cn_json, county_under_province,  # noqa: E402
                 enable_test_clock, inbox_entries, issue, matrix, past_month_end, poll,
                 show)

PROVINCE, PREFECTURE = "53", "5301"
PER_VILLAGE = 3


def summary(net, node):
    return cn_json(net, "ledger", "summary", "-c", net.cfg(node))


def rollups(net, node):
    """{office id: its entry} of ledger summary --json at a province/prefecture."""
    v = summary(net, node)
    check(isinstance(v, dict) and isinstance(v.get("offices"), list),
          "ledger summary --json at %s: %r" % (node, v))
    return {o["id"]: o for o in v["offices"]}


def own_totals(net, county):
    """The county's own ledger summary summed over its offices."""
    tot = {"children": 0, "staff": 0, "category": {}}
    for counts in summary(net, county).values():
        tot["children"] += counts.get("children", 0)
        tot["staff"] += counts.get("staff", 0)
        for k, n in counts.get("category", {}).items():
            tot["category"][k] = tot["category"].get(k, 0) + n
    return tot


def import_children(net, villages):
    kids, k = [], 0
    for v in villages:
        mine = [child(k + i) for i in range(PER_VILLAGE)]
        k += PER_VILLAGE
        path = os.path.join(net.dir, "ledger-%s.csv" % v)
        with open(path, "w", encoding="utf-8") as f:
            f.write(csv_text(mine))
        got = json.loads(cn(net, "record", "import", "-c", net.cfg(v), "--type", "child", path,
                            "--json").stdout)["ids"]
        check(len(got) == PER_VILLAGE, "import at %s: %s" % (v, got))
        cn(net, "record", "add", "-c", net.cfg(v), "--type", "staff", "--set", "name=李红",
           "--set", "phone=13987654321", "--set", "role=联系人", "--set", "employment=兼职",
           "--set", "engagement=村干部兼任", "--set", "duties=走访", "--set", "start_at=2019-05-01")
        kids.extend(mine)
    return kids


def check_sums(net, counties, seen):
    for c in counties:
        own, got = own_totals(net, c), seen[c]
        check(got["children"] == own["children"] == PER_VILLAGE and
              got.get("staff") == own["staff"] and got.get("category") == own["category"],
              "the province's roll-up of %s %r differs from its own summary %r" % (c, got, own))
    pre = seen[PREFECTURE]
    check(sorted(pre["counties"]) == sorted(counties) and
          pre["children"] == sum(seen[c]["children"] for c in counties),
          "the prefecture's roll-up is not the sum of its counties: %r" % pre)


def no_personal_data(net, kids):
    secrets = [k["name"] for k in kids] + [k["id_number"] for k in kids]
    for node in (PROVINCE, PREFECTURE):
        for path in (os.path.join(net.dir, node, "data", "data.mdb"), net.log_path(node)):
            with open(path, "rb") as f:
                raw = f.read()
            found = [s for s in secrets if s.encode() in raw]
            check(not found, "%s holds personal data: %s" % (path, found[:3]))
    print("no child's name or ID number in the province's or the prefecture's "
          "data.mdb and log (%d searched)" % len(secrets))


def probe_record_up(net, args, county):
    """The county's identity sends the prefecture a record version."""
    net.stop(county)
    net.wait_for(lambda: net.child_state(PREFECTURE, county) == "down", 30,
                 "the prefecture to see %s down" % county)
    before = net.status(PREFECTURE)["counters"]
    argv = [args.probe, "--endpoint", net.status(PREFECTURE)["listen"], "--server-cert",
            os.path.join(net.dir, PREFECTURE, "node.pem"), "--identity",
            os.path.join(net.dir, county), "--send", "record-id", "--target", county,
            "--wait", "5000"]
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=30,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        raise TestFailure("carenet-probe did not finish") from e
    check(r.returncode == 0 and json.loads(r.stdout)["result"] == "acked",
          "probe: %s%s" % (r.stdout, r.stderr))
    poll(net, lambda: (net.status(PREFECTURE)["counters"]["above_county_refused"] ==
                       before["above_county_refused"] + 1, net.status(PREFECTURE)["counters"]),
         10, "the record version refused and counted at the prefecture")
    why = [e["detail"] for e in audit(net, PREFECTURE) if e["action"] == "refuse"]
    check(why and "only aggregates cross above the county" in why[-1],
          "the prefecture's refusal says %r" % why[-1:])
    net.start(county)
    print("a record version from %s: refused and counted at the prefecture (%s)" % (
        county, why[-1][:80]))


def advance_killed(net, county, rng, duration):
    """Moves the county's clock on by duration while it is SIGKILLed at random."""
    killer = Killer(net, county, rng, kills=4, max_wait=0.4)
    killer.start()
    done = False
    for _ in range(100):
        r = run_cli([net.carenet, "clock", "-c", net.cfg(county), "--advance", duration,
                     "--json"])
        if r.returncode == 0:
            done = True
            break
        time.sleep(0.1)
    killer.join(30)
    killer.stop.set()
    check(killer.error is None, "killer: %r" % killer.error)
    check(done, "could not advance %s's clock while it was being killed" % county)
    if not net.running(county):
        net.start(county)
    print("%s SIGKILLed %d times around its month end" % (county, killer.kills))


def direct_county(net, county="530104"):
    """A county with no prefecture between: enrolled with the province's
    certificate as its parent; its roll-up reaches the province directly."""
    county_under_province(net, county, "直报县 (direct)", PROVINCE)
    enable_test_clock(net, county)
    net.start(county)
    def linked():
        st = net.status(county) or {}
        par = st.get("parent") or {}
        return par.get("id") == PROVINCE and par.get("state") == "up", par

    poll(net, linked, 30, "%s linked up to the province" % county)
    advance(net, county, "32d")
    seen = poll(net, lambda: (lambda s: (county in s, s))(rollups(net, PROVINCE)), 30,
                "%s's roll-up at the province" % county)
    check(seen[county]["received"] == 1 and seen[county]["children"] == 0 and
          county not in rollups(net, PREFECTURE),
          "the direct county's roll-up: %r" % seen[county])
    print("county %s, reporting to the province directly: its roll-up of %s there once" % (
        county, seen[county]["month"]))


def test(net, args):
    check(args.probe and os.access(args.probe, os.X_OK), "--probe is required")
    ids = net.setup(1, 1, counties=2)
    counties = [i for i in ids if len(i) == 6]
    villages = [i for i in ids if len(i) == 12]
    check(ids[:2] == [PROVINCE, PREFECTURE] and counties == ["530102", "530103"],
          "demo --province planned %s" % ids)
    for i in ids:
        enable_test_clock(net, i)
    net.start_all()
    net.wait_for(net.all_links_up, 60, "every link up")
    # the province's tree: the prefecture, and the counties it announced, up
    want = {PREFECTURE: 1, counties[0]: 2, counties[1]: 2}
    def tree():  # exit 1 while an office is not up yet
        t = json.loads(run_cli([net.carenet, "tree", "-c", net.cfg(PROVINCE), "--json"]).stdout)
        return {o["id"]: o["depth"] for o in t if o["state"] == "up"} == want, t

    poll(net, tree, 30, "the province's tree: %s up" % want)
    kids = import_children(net, villages)
    poll(net, lambda: (all(own_totals(net, c)["children"] == PER_VILLAGE for c in counties),
                       None), 60, "each county holds its children")

    # a task of the first county to its village, done in time (the roll-up's timeliness)
    county, village = counties[0], [v for v in villages if v.startswith(counties[0])][0]
    did = issue(net, county, village, "上报儿童信息 roll-up check", due="+2d")
    poll(net, lambda: (bool(inbox_entries(net, village, did)), None), 30, "the task at the village")
    ack(net, village, did, "done")
    poll(net, lambda: (matrix(show(net, county, did)) == {village: "done"}, None), 30,
         "the task done at the county")

    # 1. the month ends: each county's roll-up reaches the province through the prefecture
    step = past_month_end(net, PROVINCE)
    for node in [PROVINCE, PREFECTURE] + counties:
        advance(net, node, step)
    seen = poll(net, lambda: (lambda s: (all(c in s for c in counties + [PREFECTURE]) and
                                         len(s[PREFECTURE]["counties"]) == 2, s))(
        rollups(net, PROVINCE)), 60, "both counties' roll-ups at the province")
    month = seen[counties[0]]["month"]
    for c in counties:
        check(seen[c]["month"] == month and seen[c]["received"] == 1,
              "%s's roll-up at the province: %r" % (c, seen[c]))
    check_sums(net, counties, seen)
    check(seen[county].get("directives") == {"targeted": 1, "on_time": 1, "late": 0,
                                             "overdue": 0, "open": 0} and
          seen[counties[1]]["directives"]["targeted"] == 0 and
          seen[county].get("reports", {}).get("filed") == 0,
          "directives and reports in the roll-ups: %r, %r" % (seen[county], seen[counties[1]]))
    pre = rollups(net, PREFECTURE)
    check(sorted(pre) == counties and all(pre[c]["children"] == seen[c]["children"]
                                          for c in counties),
          "the prefecture's ledger summary: %r" % pre)
    print("month %s: the province holds each county's roll-up once; children %s = the "
          "counties' own summaries" % (month, [seen[c]["children"] for c in counties]))

    # 2. nothing personal above the county
    no_personal_data(net, kids)

    # 3. a county forced to send a record upward
    probe_record_up(net, args, counties[1])
    net.wait_for(net.all_links_up, 60, "every link up again")

    # 4. SIGKILL a county during its roll-ups of the next two months: the clocks move on 62
    #    days from the 2nd, past two month ends at once, so each county owes two roll-ups
    for node in (PROVINCE, PREFECTURE, counties[1]):
        advance(net, node, "62d")
    advance_killed(net, counties[0], random.Random(14), "62d")
    net.wait_for(net.all_links_up, 60, "every link up after the kills")
    seen = poll(net, lambda: (lambda s: (all(s[c]["month"] > month for c in counties), s))(
        rollups(net, PROVINCE)), 60, "the next months' roll-ups at the province")
    between = None
    for c in counties:
        check(seen[c]["received"] == 1, "%s's roll-up of %s at the province %d times" % (
            c, seen[c]["month"], seen[c]["received"]))
        made = [e for e in audit(net, c) if e["action"] == "rollup"]
        months = sorted(e["subject"] for e in made)
        check(len(made) == 3 and len(set(months)) == 3 and months[0] == month and
              months[2] == seen[c]["month"],
              "%s made its roll-ups %r" % (c, [(e["subject"], e["detail"]) for e in made]))
        between = months[1]
    # the month in between reached the province too, from both counties
    b = cn_json(net, "bulletin", "-c", net.cfg(PROVINCE), "--month", between)
    check(sorted(o["id"] for o in b["offices"]) == counties and b["stale"] == 0,
          "the bulletin of %s at the province: %r" % (between, b))
    check_sums(net, counties, seen)
    print("after the kills: each county's roll-ups of %s and %s at the province, each once" %
          (between, seen[counties[0]]["month"]))

    # 5. a county reporting to the province directly (no prefecture between)
    direct_county(net)


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

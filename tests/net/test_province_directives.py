#!/usr/bin/env python3
"""Directives from above the county (issue 14, item 3): a province 53,
prefectures 5301 and 5302, counties 530102 and 530103 under 5301 and 530202
under 5302, each with a township of two villages (`demo --province
--counties 3 --prefectures 2`). The province issues a task to 53:village:
each county relays it, and each village holds it exactly once (its inbox),
under the id derived from the province's. The villages acknowledge it done
(but one), the counties acknowledge their own; the province's `directive
show --json` has per county rows whose done counts equal the villages that
acknowledged, and per prefecture sums. After the deadline (test clocks) the
county of the silent village is late at the province, and only it. The
prefecture 5302 sends a notice to its county by id with --relay township:
the township holds it once, not the villages. A second
province task while its county is stopped (SIGSTOP), then SIGKILLed again
and again from the moment it resumes and applies it: each of its villages still holds the relay once, made once
(the county's audit log). No village's or township's status reaches the
province (only the counties' own, and their tallies). Last, a county's
correctly signed tally counting another county (carenet-probe with the
county's identity) is refused and counted at its prefecture."""

import csv
import io
import json
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import TestFailure, check, main, run_cli  # noqa: E402
from ops import (Killer, Stopped, ack, advance, audit, cn_json, enable_test_clock, inbox,  # noqa: E402
                 issue, matrix, poll, show)

PROVINCE = "53"
PREFECTURES = ["5301", "5302"]
COUNTIES = ["530102", "530103", "530202"]
SILENT = "530202001002"  # never acknowledges
TITLE1 = "省级任务 province task"
TITLE2 = "第二项省级任务 second province task"


def relay_id(county, parent):
    """rules_relay_id: "<county>-0<L><origin><seq>" for parent "<origin>-<seq>"."""
    origin, seq = parent.split("-")
    return "%s-0%d%s%s" % (county, len(origin), origin, seq)


def offices(net, node, role):
    return sorted(o["id"] for o in cn_json(net, "offices", "-c", net.cfg(node), "--role", role))


def held(net, village, title):
    """The inbox entries of this title at the village."""
    return [e for e in inbox(net, village) if e["title"] == title]


def each_once(net, villages, did, title):
    """Every village holds the county's relay of did exactly once."""
    for v in villages:
        got = poll(net, lambda v=v: (lambda h: (len(h) >= 1, h))(held(net, v, title)), 60,
                   "%s's relay at %s" % (did, v))
        check(len(got) == 1 and got[0]["id"] == relay_id(v[:6], did),
              "%s holds %r, not once %s" % (v, [e["id"] for e in got], relay_id(v[:6], did)))


def tallies(view):
    return {t["id"]: t for t in view.get("tallies", [])}


def probe_tally_other(net, args, county, other, did):
    """county's identity sends its prefecture a tally counting another county."""
    pre = county[:4]
    net.stop(county)
    net.wait_for(lambda: net.child_state(pre, county) == "down", 30,
                 "the prefecture to see %s down" % county)
    before = net.status(pre)["counters"]["items_refused"]
    argv = [args.probe, "--endpoint", net.status(pre)["listen"], "--server-cert",
            os.path.join(net.dir, pre, "node.pem"), "--identity", os.path.join(net.dir, county),
            "--send", "tally-other", "--target", "%s/%s" % (other, did), "--wait", "5000"]
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=30,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        raise TestFailure("carenet-probe did not finish") from e
    check(r.returncode == 0 and json.loads(r.stdout)["result"] == "acked",
          "probe: %s%s" % (r.stdout, r.stderr))
    poll(net, lambda: (net.status(pre)["counters"]["items_refused"] == before + 1, None), 10,
         "the forged tally refused and counted at %s" % pre)
    why = [e["detail"] for e in audit(net, pre) if e["action"] == "refuse"]
    check(why and "only its own" in why[-1], "%s's refusal says %r" % (pre, why[-1:]))
    t = tallies(show(net, PROVINCE, did))
    check(t[other]["targeted"] == 2, "the forged tally counted: %r" % t[other])
    net.start(county)
    print("%s's tally of %s: refused and counted at %s (%s)" % (county, other, pre, why[-1][:90]))


def test(net, args):
    check(args.probe and os.access(args.probe, os.X_OK), "--probe is required")
    ids = net.setup(1, 2, counties=3, prefectures=2)
    villages = [i for i in ids if len(i) == 12]
    check(sorted(i for i in ids if len(i) == 6) == COUNTIES and
          [i for i in ids if len(i) == 4] == PREFECTURES and len(villages) == 6,
          "demo --province --counties 3 --prefectures 2 planned %s" % ids)
    for i in ids:
        enable_test_clock(net, i)
    net.start_all()
    net.wait_for(net.all_links_up, 120, "every link up")
    poll(net, lambda: (lambda o: (o == COUNTIES, o))(offices(net, PROVINCE, "county")), 60,
         "the province to know the three counties")
    for c in COUNTIES:
        poll(net, lambda c=c: (lambda o: (len(o) == 2, o))(offices(net, c, "village")), 60,
             "%s to know its villages" % c)

    # 1. down: the province's task to every village, each holds it once
    did = issue(net, PROVINCE, "53:village", TITLE1, due="+2h")
    each_once(net, villages, did, TITLE1)
    v = show(net, PROVINCE, did)
    check(sorted(matrix(v)) == COUNTIES and v.get("relay") == "village",
          "the province's directive names the counties: %r" % matrix(v))
    r = show(net, COUNTIES[0], relay_id(COUNTIES[0], did))
    check(r.get("parent") == did and len(r["targets"]) == 2,
          "the county's relay: %r" % {k: r.get(k) for k in ("parent", "targets")})
    print("%s to 53:village: each of %d villages holds its county's relay once" % (
        did, len(villages)))

    # 2. up: villages done (but one), counties acknowledge their own
    for vil in villages:
        if vil != SILENT:
            ack(net, vil, relay_id(vil[:6], did), "done")
    want = {"530102": 2, "530103": 2, "530202": 1}
    for c in COUNTIES:
        poll(net, lambda c=c: (lambda m: (sum(s == "done" for s in m.values()) == want[c], m))(
            matrix(show(net, c, relay_id(c, did)))), 60, "the villages' statuses at %s" % c)
        ack(net, c, did, "done" if c != "530202" else "accepted")

    def province_counts():
        t = tallies(show(net, PROVINCE, did))
        got = {c: t.get(c, {}).get("done") for c in COUNTIES}
        ok = (got == want and t.get("5301", {}).get("done") == 4 and
              t.get("5302", {}).get("done") == 1 and
              matrix(show(net, PROVINCE, did)) == {"530102": "done", "530103": "done",
                                                   "530202": "accepted"})
        return ok, t

    t = poll(net, province_counts, 60, "per county done counts at the province")
    for c in COUNTIES:
        check(t[c]["targeted"] == 2 and t[c]["overdue"] == 0 and not t[c]["late"],
              "the province's row of %s: %r" % (c, t[c]))
    check(sorted(t["5301"]["counties"]) == COUNTIES[:2] and t["5302"]["counties"] == ["530202"],
          "the prefectures' sums: %r, %r" % (t["5301"], t["5302"]))
    statuses = [e for e in audit(net, PROVINCE) if e["action"] == "status"]
    check(statuses and all(len(e["actor"]) == 6 for e in statuses),
          "statuses at the province come from counties only: %r" % [
              e["actor"] for e in statuses])
    print("the province holds per county done counts %s (the villages that acknowledged) "
          "and per prefecture sums 4 and 1" % want)

    # 3. after the deadline: the county of the silent village is late
    for node in ids:
        advance(net, node, "3h")
    def late():
        v = show(net, PROVINCE, did)
        return v.get("late_counties") == ["530202"] and \
            tallies(v)["530202"]["overdue"] == 1, v

    v = poll(net, late, 60, "530202 late at the province")
    check(not tallies(v)["530102"]["late"] and tallies(v)["5302"]["late"] and
          v["totals"] == {"counties": 3, "targeted": 6, "acknowledged": 5, "done": 5,
                          "overdue": 1, "late": 1},
          "after the deadline: %r" % {k: v.get(k) for k in ("tallies", "totals")})
    rows = list(csv.DictReader(io.StringIO(run_cli(
        [net.carenet, "directive", "show", did, "-c", net.cfg(PROVINCE), "--csv"]).stdout.lstrip(
            "\ufeff"))))
    check({r["target"]: (r["below_done"], r["late"]) for r in rows} ==
          {"530102": ("2", "no"), "530103": ("2", "no"), "530202": ("1", "yes")},
          "directive show --csv at the province: %r" % rows)
    listed = [d for d in cn_json(net, "directive", "list", "-c", net.cfg(PROVINCE))
              if d["id"] == did]
    check(listed and listed[0]["totals"]["late"] == 1, "directive list: %r" % listed)
    print("after the deadline: late counties %s at the province" % v["late_counties"])

    # a prefecture's notice to its county by id, relayed to its township only
    did3 = issue(net, "5302", "530202", "州督导通知 prefecture notice", due="+1d", kind="notice",
                 extra=("--relay", "township"))
    got = poll(net, lambda: (lambda h: (len(h) >= 1, h))(
        [e for e in inbox(net, "530202001") if e["title"] == "州督导通知 prefecture notice"]),
        60, "the prefecture's notice at the township")
    check(len(got) == 1 and got[0]["id"] == relay_id("530202", did3) and
          not [e for e in inbox(net, SILENT) if e["title"] == "州督导通知 prefecture notice"],
          "the township holds %r" % got)
    poll(net, lambda: (lambda t: (t.get("530202", {}).get("targeted") == 1, t))(
        tallies(show(net, "5302", did3))), 60, "530202's tally at the prefecture")
    print("%s (5302 to 530202, relay township): the township holds it once, the prefecture "
          "the county's tally" % did3)

    # 4. a county SIGKILLed again and again from the moment the next task is issued
    victim = "530103"
    killer = Killer(net, victim, random.Random(143), kills=4, max_wait=0.15)
    with Stopped(net, victim) as stopped:  # the task waits at its socket
        did2 = issue(net, PROVINCE, "53:village", TITLE2, due="+2d")
        poll(net, lambda: (run_cli([net.carenet, "directive", "show", did2, "-c",
                                    net.cfg("5301")]).returncode == 0, None), 30,
             "%s at the prefecture" % did2)
        stopped.resume()
        killer.start()  # the first kill 50-150 ms after it resumes, while it applies
    killer.join(60)
    killer.stop.set()
    check(killer.error is None, "killer: %r" % killer.error)
    if not net.running(victim):
        net.start(victim)
    net.wait_for(net.all_links_up, 60, "every link up after the kills")
    each_once(net, villages, did2, TITLE2)
    made = [e for e in audit(net, victim) if e["action"] == "issue" and
            e["subject"] == relay_id(victim, did2)]
    check(len(made) == 1, "%s relayed %s %d times" % (victim, did2, len(made)))
    poll(net, lambda: (lambda t: (t.get(victim, {}).get("targeted") == 2, t))(
        tallies(show(net, PROVINCE, did2))), 60, "%s's tally of %s at the province" % (
            victim, did2))
    print("%s SIGKILLed %d times from the issue on: its villages hold %s's relay once" % (
        victim, killer.kills, did2))

    # 5. hostile: a county's correctly signed tally counting another county
    probe_tally_other(net, args, "530102", "530103", did)
    net.wait_for(net.all_links_up, 60, "every link up after the probe")


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

#!/usr/bin/env python3
"""Deadlines on the county's test clock: a task due in 2 h with a reminder 1 h
before reaches 3 villages; one is done, one has accepted, one stays silent.
61 minutes later the two not done are reminded and the done one is not; past
the due time the two are overdue at the county, and (auto_rectify, 1 h) a
rectification order referring to the task reaches them; 2 h later that order
is missed too and a circular (通报) reaches every village. A village without
test_clock refuses to move its clock (exit 4)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import COUNTY, check, main  # noqa: E402
from ops import (EXIT_REFUSED, ack, advance, cn, cn_json, cfg_append,  # noqa: E402
                 enable_test_clock, has_key, inbox, inbox_entries, issue, matrix, poll,
                 show, wait_registry)

TOWNSHIPS, VILLAGES = 1, 3
TIMEOUT = 60


def by_id(view):
    return {t["id"]: t for t in view["targets"]}


def setup(net):
    net.setup(TOWNSHIPS, VILLAGES)
    enable_test_clock(net, COUNTY)
    check(not has_key(net, COUNTY, "deadline"), "the demo config already has a deadline group")
    cfg_append(net, COUNTY, "deadline = { auto_rectify = true; rectify_hours = 1; };")
    net.start_all()
    net.wait_for(net.all_links_up, 60, "all %d links up" % (len(net.ids) - 1))
    vs = [i for i in net.ids if len(i) == 12]
    wait_registry(net, COUNTY, "%s:village" % COUNTY, vs)
    return vs


def clock_refused(net, village):
    r = cn(net, "clock", "-c", net.cfg(village), "--advance", "1h", code=EXIT_REFUSED)
    check("test_clock" in r.stderr, "clock --advance without test_clock: %s" % r.stderr)
    out = cn_json(net, "clock", "-c", net.cfg(village))
    check(out["offset"] == 0, "a refused --advance moved the clock: %r" % out)


def reminders(net, did, done, accepted, silent):
    ack(net, done, did, "done", "--note", "完成")
    ack(net, accepted, did, "accepted")
    poll(net, lambda: (lambda m: (m[done] == "done" and m[accepted] == "accepted", m))(
        matrix(show(net, COUNTY, did))), TIMEOUT, "done and accepted at the county")
    before = advance(net, COUNTY, "1m")["now"]
    now = advance(net, COUNTY, "60m")["now"]
    check(now - before >= 3600, "clock --advance 60m moved the clock by %d s" % (now - before))

    def reminded():
        t = by_id(show(net, COUNTY, did))
        seen = {v: (t[v]["reminders"], inbox_entries(net, v, did)[0]["reminders"])
                for v in (done, accepted, silent)}
        return all(seen[v][0] >= 1 and seen[v][1] >= 1 for v in (accepted, silent)), seen
    seen = poll(net, reminded, TIMEOUT, "a reminder to the 2 villages not done")
    check(seen[done] == (0, 0), "the done village %s was reminded: %r" % (done, seen))
    v = show(net, COUNTY, did)
    check(not any(t["overdue"] for t in v["targets"]), "overdue before due: %r" % v["targets"])
    print("deadlines: reminder 1 h before due to %s and %s, none to %s" % (accepted, silent,
                                                                         done))


def overdue(net, did, done, accepted, silent):
    advance(net, COUNTY, "60m")  # 121 minutes after the issue: past due

    def late():
        t = by_id(show(net, COUNTY, did))
        return {v: t[v]["overdue"] for v in t} == {done: False, accepted: True,
                                                   silent: True}, t
    poll(net, late, TIMEOUT, "the 2 villages not done overdue at the county")
    v = show(net, COUNTY, did)
    check(v["counts"]["overdue"] == 2 and v["overdue"] is True, "counts: %r" % v["counts"])
    check([t["id"] for t in v["targets"]][:2] == sorted([accepted, silent]),
          "overdue targets are not listed first: %r" % [t["id"] for t in v["targets"]])
    late_ids = [d["id"] for d in cn_json(net, "directive", "list", "-c", net.cfg(COUNTY),
                                         "--state", "overdue")]
    check(did in late_ids, "directive list --state overdue lacks %s: %r" % (did, late_ids))
    done_ids = [d["id"] for d in cn_json(net, "directive", "list", "-c", net.cfg(COUNTY),
                                         "--state", "done")]
    check(did not in done_ids, "directive list --state done lists %s" % did)

    def rectification():
        got = [e for e in inbox(net, silent) if e["kind"] == "rectification"]
        return len(got) == 1, got
    order = poll(net, rectification, TIMEOUT, "a rectification order in %s's inbox" % silent)[0]
    check(order["ref"] == did and order["issuer"] == COUNTY and order["kind_zh"] == "限时整改通知",
          "rectification order: %r" % order)
    rv = show(net, COUNTY, order["id"])
    check(sorted(matrix(rv)) == sorted([accepted, silent]) and rv["ref"] == did,
          "the rectification order %s addresses %r (ref %r), expected %s and %s" % (
              order["id"], sorted(matrix(rv)), rv["ref"], accepted, silent))
    # Issued when the overdue mark fired (the clock was 61 s past due), due 1 h later.
    check(3600 < rv["due"] - v["due"] <= 3600 + 61 + 120,
          "rectification due %d, task due %d: expected about 1 h later (rectify_hours = 1)" % (
              rv["due"], v["due"]))
    check(not [e for e in inbox(net, done) if e["kind"] == "rectification"],
          "the done village %s got a rectification order" % done)
    print("deadlines: %s and %s overdue; rectification order %s (ref %s)" % (
        accepted, silent, order["id"], did))
    return order["id"]


def circular(net, rect, villages):
    advance(net, COUNTY, "2h")

    def circulars():
        seen = {v: [e for e in inbox(net, v) if e["kind"] == "circular"] for v in villages}
        return all(len(c) == 1 for c in seen.values()), seen
    seen = poll(net, circulars, TIMEOUT, "a circular in every village's inbox")
    for v, c in seen.items():
        check(c[0]["ref"] == rect and c[0]["kind_zh"] == "通报" and c[0]["issuer"] == COUNTY,
              "%s's circular: %r" % (v, c[0]))
    actions = [(a["action"], a["subject"]) for a in cn_json(net, "audit", "-c",
                                                             net.cfg(COUNTY))]
    check(("overdue", rect) in actions and ("escalate", rect) in actions,
          "the county's audit log lacks overdue/escalate for %s: %r" % (rect, actions))
    print("deadlines: rectification %s missed, circular in all %d villages" % (rect,
                                                                            len(villages)))


def test(net, args):
    vs = setup(net)
    done, accepted, silent = vs
    clock_refused(net, silent)
    did = issue(net, COUNTY, "%s:village" % COUNTY, "季度走访 quarterly home visits", due="+2h",
                extra=["--remind", "1h"])
    poll(net, lambda: (lambda m: (m == {v: "delivered" for v in vs}, m))(
        matrix(show(net, COUNTY, did))), TIMEOUT, "3 villages delivered")
    reminders(net, did, done, accepted, silent)
    rect = overdue(net, did, done, accepted, silent)
    circular(net, rect, vs)
    # Done late: no longer counted overdue.
    ack(net, accepted, did, "done", "--note", "补做 done late")
    poll(net, lambda: (lambda v: (v["counts"]["overdue"] == 1 and v["counts"]["done"] == 2,
                                  v["counts"]))(show(net, COUNTY, did)), TIMEOUT,
         "%s done late: 1 target still overdue" % accepted)


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

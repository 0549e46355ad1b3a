#!/usr/bin/env python3
"""Closing an office (撤销; issue 14 item 5): a county, 2 townships, 1 village each.

A village first. The county's task to every village and township 2's own notice to its
village are delivered; `carenet move close V2 --into T2` at the county is refused
elsewhere (a township, an office of another county, an unknown one, a township with a
village below it) and then done. The county's row of V2 and both of township 2's rows
(its notice, and the county's task it relays) end as `retired`, counted nowhere: no
longer pending or overdue after the due time has passed (the county's clock advanced),
no reminder or overdue order, `directive list --overdue` empty, the bulletin's targets
one fewer. SIGKILLs: the county right after the close's acknowledgement, township 2
while the Close reaches it; each holds the close once, audited once. V2's `done`, sent
after the close, is refused at its township; its rows stay retired. The county's later step
on a report V2 filed before reaches T2 and is not queued for V2. V2 is listed no more; naming it is refused;
530102:village addresses only V1.

Then a township merge: `move --township T1 T2` moves T1's village; closing T1 is refused
until the village has switched (keys, the CA's bundle, `move apply`), then, with T1
stopped (retired), a notice to 530102:township and a rectification order to T1 alone
pending at its rows, done with --reissue while the county is SIGKILLed at a random moment
(then run again if it had not committed): held once, audited once, the order issued again
to T2 exactly once (the notice is T2's already), and it reaches T2; both rows are
retired, `status` lists T2 alone as a child, what the county queued for T1 is dropped
(outbox_pending 0), a new notice
to 530102:township names T2 only, `offices` lists no T1, and a
second close of T1 is refused, naming the first."""

import datetime
import json
import os
import random
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, main  # noqa: E402
from ops import (EXIT_REFUSED, EXIT_USAGE, advance, audit, cn, cn_json,  # noqa: E402
                 enable_test_clock, matrix, poll, show)
from test_move import drain_and_switch, new_identity  # noqa: E402

COUNTY, T1, T2 = "530102", "530102001", "530102002"
V1, V2 = T1 + "001", T2 + "001"


def closed(net, node):
    return {c["office"]: c for c in cn_json(net, "move", "closed", "-c", net.cfg(node))}


def offices(net, node):
    return [o["id"] for o in cn_json(net, "offices", "-c", net.cfg(node))]


def audited(net, node, action, obj):
    return [e for e in audit(net, node) if e.get("action") == action and e.get("subject") == obj]


def row(net, node, did, target):
    return [t for t in show(net, node, did)["targets"] if t["id"] == target][0]


def close_village(net, rng):
    task = cn_json(net, "directive", "issue", "-c", net.cfg(COUNTY), "--kind", "task", "--to",
                   "530102:village", "--title", "核查留守儿童", "--due", "+2h")["id"]
    note = cn_json(net, "directive", "issue", "-c", net.cfg(T2), "--kind", "notice", "--to",
                   "%s:village" % T2, "--title", "乡镇通知", "--due", "+2h")["id"]
    poll(net, lambda: (set(matrix(show(net, COUNTY, task)).values()) == {"delivered"},
                       matrix(show(net, COUNTY, task))), 60, "the task delivered")
    poll(net, lambda: (matrix(show(net, T2, note)) == {V2: "delivered"}, None), 30,
         "the township's notice delivered")
    # a mandatory report V2 files before it closes: the county's later step goes down to V2
    rep = cn_json(net, "report", "file", "-c", net.cfg(V2), "--situation", "S01", "--summary",
                  "独居儿童", "--description", "男孩", "--reporter", "张三", "--reporter-role",
                  "儿童主任", "--location", "三组", "--urgency", "normal")["id"]
    poll(net, lambda: (rep in [x["id"] for x in cn_json(net, "report", "list", "-c",
                                                         net.cfg(COUNTY))], None), 30,
         "the report at the county")

    # refusals: not a county; another county's office; unknown; one below it; bad ids
    r = cn(net, "move", "close", V2, "-c", net.cfg(T2), code=EXIT_REFUSED)
    check(r.stderr.startswith("carenet move close:") and "only the county" in r.stderr, r.stderr)
    r = cn(net, "move", "close", "530103001", "-c", net.cfg(COUNTY), code=EXIT_REFUSED)
    check("of this county" in r.stderr, r.stderr)
    r = cn(net, "move", "close", T2 + "007", "-c", net.cfg(COUNTY), code=EXIT_REFUSED)
    check("not an office known here" in r.stderr, r.stderr)
    r = cn(net, "move", "close", T2, "-c", net.cfg(COUNTY), code=EXIT_REFUSED)
    check("below it (%s first)" % V2 in r.stderr and "--township" in r.stderr, r.stderr)
    r = cn(net, "move", "close", V2, "--into", V2 + "9", "-c", net.cfg(COUNTY), code=EXIT_REFUSED)
    check("--into" in r.stderr, r.stderr)
    cn(net, "move", "close", "5301", "-c", net.cfg(COUNTY), code=EXIT_USAGE)
    cn(net, "move", "close", "-c", net.cfg(COUNTY), code=EXIT_USAGE)
    r = cn(net, "move", "close", V2, "--reissue", "-c", net.cfg(COUNTY), code=EXIT_USAGE)
    check("--reissue needs --into" in r.stderr, r.stderr)

    # the close: acknowledged means on disk (the county killed at once), and the Close
    # reaches township 2 while it is killed at a random moment
    out = cn_json(net, "move", "close", V2, "--into", T2, "--reason", "并村", "-c",
                  net.cfg(COUNTY))
    check(out["office"] == V2 and out["into"] == T2 and out["rows_retired"] == 1, out)
    net.kill(COUNTY)
    time.sleep(rng.uniform(0.0, 0.2))
    net.kill(T2)
    net.start(COUNTY)
    net.start(T2)
    net.wait_for(net.all_links_up, 60, "every link up again")
    c = closed(net, COUNTY)
    check(list(c) == [V2] and c[V2]["rows_retired"] == 1 and c[V2]["reason"] == "并村", c)
    c = poll(net, lambda: (V2 in closed(net, T2), closed(net, T2)), 30, "the close at " + T2)
    check(c[V2]["rows_retired"] == 2 and c[V2]["into"] == T2, c)  # its notice, the relayed task
    for node in (COUNTY, T2):
        check(len(audited(net, node, "close", V2)) == 1, "%s audits the close once: %r" % (
            node, audited(net, node, "close", V2)))
        check(V2 not in offices(net, node), "%s still lists %s" % (node, V2))
    check(matrix(show(net, COUNTY, task)) == {V1: "delivered", V2: "retired"},
          matrix(show(net, COUNTY, task)))
    check(matrix(show(net, T2, task)) == {V2: "retired"}, matrix(show(net, T2, task)))
    check(matrix(show(net, T2, note)) == {V2: "retired"}, matrix(show(net, T2, note)))
    counts = show(net, COUNTY, task)["counts"]
    check(counts["retired"] == 1 and counts["delivered"] == 1, counts)

    # what V2 sends now is refused (its township holds the close); its row stays retired
    cn(net, "ack", task, "-c", net.cfg(V2), "--state", "done", "--note", "已完成")
    poll(net, lambda: (any("was closed (已撤销" in e.get("detail", "")
                           for e in audit(net, T2) if e.get("action") == "refuse"), None),
         30, "V2's status refused at its township")
    check(row(net, COUNTY, task, V2)["state"] == "retired", row(net, COUNTY, task, V2))
    check(row(net, T2, task, V2)["state"] == "retired", row(net, T2, task, V2))

    # V2's node retired; the county's step on its report reaches its township, and is
    # queued for V2 no more (it would wait there for good)
    net.stop(V2)
    cn(net, "report", "update", rep, "-c", net.cfg(COUNTY), "--note", "撤村后县级跟进")
    poll(net, lambda: (any(s.get("kind") == "update" and s.get("by") == COUNTY for s in
                           cn_json(net, "report", "show", rep, "-c", net.cfg(T2))["steps"]),
                       None), 30, "the county's step at " + T2)
    poll(net, lambda: ((net.status(T2) or {}).get("counters", {}).get("outbox_pending") == 0,
                       (net.status(T2) or {}).get("counters")), 30,
         "nothing queued at %s for the closed %s" % (T2, V2))

    # past the due time: V1 is overdue, V2 is not, and nothing is sent to it
    advance(net, COUNTY, "3h")
    poll(net, lambda: (row(net, COUNTY, task, V1)["overdue"], None), 30, "V1 overdue")
    check(not row(net, COUNTY, task, V2)["overdue"], row(net, COUNTY, task, V2))
    over = cn_json(net, "directive", "list", "--state", "overdue", "-c", net.cfg(COUNTY))
    check([v["id"] for v in over] == [task] and over[0]["counts"]["overdue"] == 1, over)
    check(not [e for e in audit(net, COUNTY) if e.get("action") in ("remind", "overdue") and
               V2 in e.get("detail", "")], "a reminder or overdue entry names %s" % V2)
    created = show(net, COUNTY, task)["created"]
    month = datetime.datetime.fromtimestamp(created, datetime.timezone(
        datetime.timedelta(hours=8))).strftime("%Y-%m")
    b = cn_json(net, "bulletin", "--month", month, "-c", net.cfg(COUNTY))
    v2 = [o for o in b["offices"] if o["id"] == V2]  # listed for the report it filed
    check(b["directives"]["targeted"] == 1 and b["directives"]["overdue"] == 1 and
          all(o["targeted"] == 0 and o["overdue"] == 0 for o in v2), (b["directives"], v2))

    # addressed no more
    r = cn(net, "directive", "issue", "-c", net.cfg(COUNTY), "--kind", "notice", "--to", V2,
           "--title", "x", "--due", "+1d", code=EXIT_REFUSED)
    check("was closed (已撤销)" in r.stderr and "address %s instead" % T2 in r.stderr, r.stderr)
    again = cn_json(net, "directive", "issue", "-c", net.cfg(COUNTY), "--kind", "notice", "--to",
                    "530102:village", "--title", "撤销之后", "--due", "+1d")["id"]
    check(list(matrix(show(net, COUNTY, again))) == [V1], matrix(show(net, COUNTY, again)))
    print("village %s closed: rows retired at the county and %s, once each" % (V2, T2))


def close_township(net, rng):
    out = cn_json(net, "move", "--township", T1, T2, "-c", net.cfg(COUNTY))
    check([m["old"] for m in out] == [V1], out)
    new = out[0]["new"]
    r = cn(net, "move", "close", T1, "-c", net.cfg(COUNTY), code=EXIT_REFUSED)
    check("has not switched yet" in r.stderr, r.stderr)
    new_identity(net, V1, new)
    drain_and_switch(net, COUNTY, V1, new, rng, "V1's move complete")

    # T1 retired (stopped); a notice to every township waits at its row
    net.stop(T1)
    notice = cn_json(net, "directive", "issue", "-c", net.cfg(COUNTY), "--kind", "notice",
                     "--to", "530102:township", "--title", "合并前的通知", "--due", "+1d")["id"]
    poll(net, lambda: (matrix(show(net, COUNTY, notice)) == {T1: "pending", T2: "delivered"},
                       matrix(show(net, COUNTY, notice))), 30, "the notice delivered to T2")
    alone = cn_json(net, "directive", "issue", "-c", net.cfg(COUNTY), "--kind", "rectification",
                    "--to", T1, "--title", "限时整改：补齐工作人员", "--due", "+3d", "--ref",
                    notice)["id"]
    # the close, with the county SIGKILLed at a random moment of it: either nothing of it
    # happened (the operator runs it again) or all of it, once
    argv = [net.carenet, "move", "close", T1, "--into", T2, "--reissue", "-c",
            net.cfg(COUNTY), "--json"]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(rng.uniform(0.0, 0.03))
    net.kill(COUNTY)
    first, _ = p.communicate(timeout=60)
    net.start(COUNTY)
    net.wait_for(lambda: net.status(COUNTY) is not None, 30, "the county answering again")
    if T1 in closed(net, COUNTY):
        out = json.loads(first) if p.returncode == 0 else None
        print("the close had committed when the county was killed (exit %d)" % p.returncode)
    else:
        out = cn_json(net, "move", "close", T1, "--into", T2, "--reissue", "-c",
                      net.cfg(COUNTY))
        print("the close had not committed when the county was killed: run again")
    c = closed(net, COUNTY)[T1]
    check(c["rows_retired"] == 2 and len(audited(net, COUNTY, "close", T1)) == 1, c)
    orders = [v for v in cn_json(net, "directive", "list", "-c", net.cfg(COUNTY))
              if v["title"] == "限时整改：补齐工作人员"]
    check(len(orders) == 2, "the order and its one re-issue: %r" % [v["id"] for v in orders])
    again = [v["id"] for v in orders if v["id"] != alone][0]
    check(out is None or (out["rows_retired"] == 2 and out["reissued"] == [
        {"id": again, "from": alone}]), out)  # the notice is T2's already
    poll(net, lambda: (again in [e["id"] for e in cn_json(net, "inbox", "-c", net.cfg(T2))],
                       None), 30, "the rectification order issued again at " + T2)
    v = show(net, COUNTY, again)
    check(v["kind"] == "rectification" and v["title"] == "限时整改：补齐工作人员" and
          alone in v["body"] and v["ref"] == notice and list(matrix(v)) == [T2], v)
    check(matrix(show(net, COUNTY, notice)) == {T1: "retired", T2: "delivered"},
          matrix(show(net, COUNTY, notice)))
    check(T1 not in offices(net, COUNTY), offices(net, COUNTY))
    kids = [c.get("id") for c in (net.status(COUNTY) or {}).get("children", [])]
    check(kids == [T2], "the county's children in status: %r" % kids)
    # what was queued for T1 (the notice) is dropped with the close: nothing stays pending
    poll(net, lambda: ((net.status(COUNTY) or {}).get("counters", {}).get("outbox_pending") == 0,
                       (net.status(COUNTY) or {}).get("counters")), 30,
         "the county's queue for %s dropped" % T1)
    later = cn_json(net, "directive", "issue", "-c", net.cfg(COUNTY), "--kind", "notice", "--to",
                    "530102:township", "--title", "合并之后", "--due", "+1d")["id"]
    check(list(matrix(show(net, COUNTY, later))) == [T2], matrix(show(net, COUNTY, later)))
    r = cn(net, "move", "close", T1, "-c", net.cfg(COUNTY), code=EXIT_REFUSED)
    check("was closed (已撤销)" in r.stderr, r.stderr)
    listed = cn(net, "move", "closed", "--csv", "-c", net.cfg(COUNTY)).stdout
    check(T1 in listed and V2 in listed, listed)
    print("township %s closed after its village switched to %s" % (T1, new))


def test(net, args):
    rng = random.Random(int(os.environ.get("CARENET_TEST_SEED", time.time())))
    net.setup(2, 1)
    enable_test_clock(net, COUNTY)
    net.start_all()
    net.wait_for(net.all_links_up, 60, "every link up")
    close_village(net, rng)
    close_township(net, rng)


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

#!/usr/bin/env python3
"""A village that received a child by a transfer moves (issue 14 item 5), on a county
with 2 townships of 2 villages. Village 530102001002 transfers one of its children to
530102001001 (迁移), which accepts it; then the county moves 530102001001 to 530102002009.
The new township holds nothing of the transferred record and cannot tell from its id
that it was the village's: the county's Move names it (Move.records). The move completes
with equal counts on each side (3 = 3 = 3, the transferred child among them); the new
township and the county count the 3 children under the new id, each once; nothing is
refused anywhere.
Two more children go the same way around the move. One was transferred before the Move
and not yet accepted: the Move names it too, the moving village may not accept it (its
switch re-keys what it owns: the counts would disagree), and it accepts it after the
switch under the new id. One is transferred after the Move by the giver, which does not
hold the Move: its township sends it up and the county on to the new id, which accepts
it after the switch. Both end under the new id at the new township and the county."""

import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, main, run_cli  # noqa: E402
from ledger_data import child, csv_text  # noqa: E402
from ops import EXIT_REFUSED, audit, cn, cn_json, poll  # noqa: E402
from test_move import (NEW, OLD, children, drain_and_switch, move_of,  # noqa: E402
                       new_identity, summary)

GIVER = "530102001002"


def import_children(net, village, first, n):
    path = os.path.join(net.dir, "ledger-%s.csv" % village)
    with open(path, "w", encoding="utf-8") as f:
        f.write(csv_text([child(first + i) for i in range(n)]))
    cn(net, "record", "import", "-c", net.cfg(village), "--type", "child", path)


def owners(net, node):
    return {r["id"]: r["owner"] for r in cn_json(net, "record", "list", "-c", net.cfg(node),
                                                  "--type", "child")}


def test(net, args):
    ids = net.setup(2, 2)
    county = ids[0]
    net.start_all()
    net.wait_for(net.all_links_up, 60, "every link up")
    import_children(net, OLD, 0, 2)
    import_children(net, GIVER, 2, 3)
    poll(net, lambda: (len(owners(net, county)) == 5, owners(net, county)), 60,
         "the county holds the 5 children")

    # the giver's child goes to OLD (迁移), which accepts it
    rid, pending, late = sorted(i for i, o in owners(net, GIVER).items() if o == GIVER)
    cn(net, "record", "transfer", rid, "--to", OLD, "-c", net.cfg(GIVER))

    def accepted():  # refused until the transfer has reached OLD
        r = run_cli([net.carenet, "record", "accept", "-c", net.cfg(OLD), rid], timeout=30)
        return r.returncode == 0, r.stderr
    poll(net, accepted, 30, "%s accepts the transferred child" % OLD)
    poll(net, lambda: (owners(net, county).get(rid) == OLD, owners(net, county)), 30,
         "the county counts the transferred child under %s" % OLD)

    # another, not accepted before the move: the county holds its transfer
    cn(net, "record", "transfer", pending, "--to", OLD, "-c", net.cfg(GIVER))
    poll(net, lambda: (any(e["action"] == "transfer" and e["subject"] == pending
                           for e in audit(net, county)), None), 30,
         "the county holds the transfer of %s" % pending)

    # the move: the county's Move names the transferred record and the pending one
    cn_json(net, "move", OLD, NEW, "-c", net.cfg(county))
    poll(net, lambda: ((move_of(net, county, OLD) or {}).get("state") == "ready",
                       move_of(net, county, OLD)), 30, "ready: both townships hold the move")
    r = cn(net, "record", "accept", pending, "-c", net.cfg(OLD), code=EXIT_REFUSED)
    check("moving" in r.stderr and NEW in r.stderr, r.stderr)
    # the giver does not hold the Move: its transfer to OLD is sent on to NEW
    cn(net, "record", "transfer", late, "--to", OLD, "-c", net.cfg(GIVER))
    new_identity(net)
    rng = random.Random(int(os.environ.get("CN_SEED", "15")))
    m = drain_and_switch(net, county, OLD, NEW, rng, "the move complete at the county")
    steps = {s["step"]: s for s in m["steps"]}
    check(steps["old"]["records"] == steps["switched"]["records"] == steps["new"]["records"]
          == m["records_here"] == 3 and m["records_old_here"] == 0, m)
    t_new = NEW[:9]
    check(owners(net, t_new).get(rid) == NEW, "the new township holds %s under %s: %r" % (
        rid, NEW, owners(net, t_new)))
    s_new, s_c = summary(net, t_new), summary(net, county)
    check(s_new.get(NEW, {}).get("children") == 3, s_new)
    check(children(s_c) == 5 and s_c.get(NEW, {}).get("children") == 3, s_c)

    # after the switch, NEW takes both children transferred to OLD
    def taken():
        r = run_cli([net.carenet, "record", "accept", "--all", "-c", net.cfg(NEW)], timeout=30)
        mine = sorted(i for i, o in owners(net, NEW).items() if o == NEW)
        return {pending, late} <= set(mine), [r.returncode, r.stdout, r.stderr, mine]
    poll(net, taken, 60, "%s accepts the children transferred to %s" % (NEW, OLD))
    for node in (t_new, county):
        poll(net, lambda: (all(owners(net, node).get(i) == NEW for i in (pending, late)),
                           owners(net, node)), 30, "%s counts both under %s" % (node, NEW))
    s_new, s_c = summary(net, t_new), summary(net, county)
    check(s_new.get(NEW, {}).get("children") == 5 and children(s_c) == 5 and
          s_c.get(NEW, {}).get("children") == 5, (s_new, s_c))
    check((move_of(net, county, OLD) or {}).get("state") == "complete", move_of(net, county, OLD))
    for node in (county, OLD[:9], t_new, NEW):
        c = net.status(node)["counters"]
        check(c.get("items_refused", 0) == 0, "%s refused items: %s" % (node, c))
    print("moved with a transferred child: complete with 3 = 3 = 3, the child under %s at "
          "the new township and the county; a child transferred to it before the move and "
          "one after, both accepted under %s" % (NEW, NEW))


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

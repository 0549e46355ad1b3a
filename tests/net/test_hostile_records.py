#!/usr/bin/env python3
"""Forged record versions over the network (issue 8). carenet-probe holds a
real village's identity (its node stopped), completes HELLO with the
township and sends, correctly signed by that village, a version of the other
village's record that claims the other village as owner, then one of the
other village's record id that names itself as owner, then (issue 9) one of
its own records of a type only the county may own (an intervention), and (issue 10) one
of the read-only type `report` the rules read from the reports. Each is acknowledged,
refused and counted at the township (`items_refused`), and nothing is stored:
the township and the county still hold the other village's record at its own
version with its own fields, and no record of the forger."""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import TestFailure, check, main  # noqa: E402
from ops import audit, cn, poll  # noqa: E402
from test_records import child, csv_text, write  # noqa: E402


def probe(net, args, forger, township, mode, target):
    argv = [args.probe, "--endpoint", net.status(township)["listen"], "--server-cert",
            os.path.join(net.dir, township, "node.pem"), "--identity",
            os.path.join(net.dir, forger), "--send", mode, "--target", target, "--wait", "5000"]
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=30,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        raise TestFailure("carenet-probe --send %s did not finish" % mode) from e
    check(r.returncode == 0, "carenet-probe --send %s exited %d: %s%s" % (
        mode, r.returncode, r.stdout, r.stderr))
    return json.loads(r.stdout)


def records(net, node):
    r = cn(net, "record", "list", "-c", net.cfg(node), "--type", "child", "--reveal", "--json")
    return {x["id"]: x for x in json.loads(r.stdout)}


def test(net, args):
    check(args.probe and os.access(args.probe, os.X_OK), "--probe is required")
    ids = net.setup(1, 2)
    county, township = ids[0], ids[1]
    forger, victim = [i for i in ids if len(i) == 12]
    net.start_all()
    net.wait_for(net.all_links_up, 60, "every link up")
    kid = child(7)
    path = write(net, "victim.csv", csv_text([kid]))
    rid = json.loads(cn(net, "record", "import", "-c", net.cfg(victim), "--type", "child", path,
                        "--json").stdout)["ids"][0]
    check(rid == victim + "-r1", "the victim's record is %s" % rid)
    poll(net, lambda: (rid in records(net, county), None), 30, "the victim's record at the county")
    net.stop(forger)
    net.wait_for(lambda: net.child_state(township, forger) == "down", 30,
                 "the township to see %s down" % forger)

    for mode, why in (("record-owner", "claims owner %s but was signed by %s" % (victim, forger)),
                      ("record-id", "is not of its owner %s" % forger),
                      ("record-type", "intervention records (R19 监护干预) are kept by the "
                                      "county only, not by village %s" % forger),
                      ("record-readonly", "type report is read by the rules, never sent")):
        before = net.status(township)["counters"]["items_refused"]
        out = probe(net, args, forger, township, mode, victim)
        check(out["result"] == "acked", "%s: the township did not acknowledge the frame: %r" % (
            mode, out))
        poll(net, lambda: (net.status(township)["counters"]["items_refused"] == before + 1,
                           net.status(township)["counters"]["items_refused"]), 10,
             "%s refused and counted at the township" % mode)
        refusals = [e["detail"] for e in audit(net, township) if e["action"] == "refuse"]
        check(refusals and why in refusals[-1], "%s: the township's audit log says %r, "
              "expected %r" % (mode, refusals[-1:], why))
        print("forged %s: acknowledged, refused and counted at the township (%s)" % (mode, why))

    for node in (township, county):
        got = records(net, node)
        check(got[rid]["version"] == 1 and got[rid]["fields"] == kid and
              got[rid]["owner"] == victim, "%s holds %s as %r" % (node, rid, got[rid]))
        check(not [i for i in got if i.startswith(forger)], "%s stored a record of %s: %s" % (
            node, forger, sorted(got)))
        with open(os.path.join(net.dir, node, "data", "data.mdb"), "rb") as f:
            check("伪造者".encode() not in f.read(), "%s's data.mdb holds the forged name" % node)
        r = cn(net, "record", "list", "-c", net.cfg(node), "--type", "intervention", "--json")
        check(json.loads(r.stdout) == [], "%s stored the forged intervention" % node)
    check(net.status(county)["counters"]["items_refused"] == 0,
          "the county saw the forgeries (the township forwarded them)")
    print("nothing stored: %s keeps version 1 with its own fields at the township and the "
          "county; no record of %s anywhere" % (rid, forger))


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

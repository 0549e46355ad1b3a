#!/usr/bin/env python3
"""Forged reports and steps over the network (issue 9). carenet-probe holds a
real village's identity (its node stopped after filing one real report),
completes HELLO with its township and sends, correctly signed by that
village: a report naming a village of the other township as its office
(outside the township's subtree), a report filed an hour in the future, a
report naming a child of another village, an acknowledgement of its own
report, and an update claiming a time an hour ahead. Each is acknowledged,
refused and counted at the township (`items_refused`), its reason in the
audit log, and nothing of it is stored: the township and the county hold
only the real report, without a step."""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import TestFailure, check, main  # noqa: E402
from ops import audit, cfg_append, cn, cn_json, poll  # noqa: E402


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


def reports(net, node):
    return {x["id"]: x for x in cn_json(net, "report", "list", "-c", net.cfg(node))}


def test(net, args):
    check(args.probe and os.access(args.probe, os.X_OK), "--probe is required")
    ids = net.setup(2, 2)
    county = ids[0]
    township = sorted(i for i in ids if len(i) == 9)[0]
    forger, neighbour = sorted(i for i in ids if len(i) == 12 and i.startswith(township))
    outsider = sorted(i for i in ids if len(i) == 12 and not i.startswith(township))[0]
    # five refusals in a row would ban the prober's key (limits.ban_after, 5)
    cfg_append(net, township, "limits = { ban_after = 50; };")
    net.start_all()
    net.wait_for(net.all_links_up, 60, "every link up")
    rid = cn_json(net, "report", "file", "-c", net.cfg(forger), "--situation", "S02",
                  "--summary", "监护人外出", "--description", "女孩 约6岁")["id"]
    poll(net, lambda: (rid in reports(net, county), None), 30, "the real report at the county")
    net.stop(forger)
    net.wait_for(lambda: net.child_state(township, forger) == "down", 30,
                 "the township to see %s down" % forger)

    cases = (("report-foreign", outsider, "not from this office's subtree"),
             ("report-future", outsider, "claims a time in the future"),
             ("report-child", neighbour, "who is not of the reporting office"),
             ("report-selfack", rid, "may not acknowledge its own report"),
             ("step-future", rid, "claims a time in the future"))
    for mode, target, why in cases:
        before = net.status(township)["counters"]["items_refused"]
        out = probe(net, args, forger, township, mode, target)
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
        got = reports(net, node)
        check(sorted(got) == [rid], "%s holds %s, expected only %s" % (node, sorted(got), rid))
        v = cn_json(net, "report", "show", rid, "-c", net.cfg(node))
        check(v["steps"] == [] and v["state"] == "open", "%s: the real report changed: %r" % (
            node, v))
    check(net.status(county)["counters"]["items_refused"] == 0,
          "the county refused something: nothing forged should have gone up")


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

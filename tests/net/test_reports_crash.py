#!/usr/bin/env python3
"""Reports under SIGKILL (issue 9): while both villages of a township file
reports and add updates, the township acknowledges them and the county refers
them, the township and the county are each killed with SIGKILL at random
moments and restarted at once. In the end the county, the township and the
reporting village hold every report with the same steps, each step once, and
the audit logs of the county and of the village hold exactly one entry per
report and per step: every report and step was applied exactly once."""

import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, main, run_cli  # noqa: E402
from ops import EXIT_OK, EXIT_REFUSED, Killer, audit, cn, cn_json, poll  # noqa: E402

ROUNDS = 6
KILLS = 5
SEED = int(os.environ.get("CARENET_CRASH_SEED", "20261129"))


def attempt(net, node, *args, tries=60):
    """A step at a node that may be down for a moment: retried while it does
    not answer (exit 1). Exit 4 after a try that may have committed before the
    kill means it is done already. Returns the last exit status."""
    for _ in range(tries):
        r = run_cli([net.carenet] + [str(a) for a in args] + ["-c", net.cfg(node)], timeout=60)
        if r.returncode in (EXIT_OK, EXIT_REFUSED):
            return r.returncode
        time.sleep(0.1)
    check(False, "carenet %s at %s never answered: %s" % (" ".join(args), node, r.stderr))


def steps(net, node, rid):
    v = cn_json(net, "report", "show", rid, "-c", net.cfg(node))
    return sorted(s["id"] for s in v["steps"])


def test(net, args):
    ids = net.setup(1, 2)
    county, township = ids[0], ids[1]
    villages = [i for i in ids if len(i) == 12]
    net.start_all()
    net.wait_for(net.all_links_up, 60, "every link up")
    rng = random.Random(SEED)
    print("reports crash: seed %d" % SEED)
    killers = [Killer(net, township, random.Random(SEED + 1), KILLS, 0.7),
               Killer(net, county, random.Random(SEED + 2), KILLS, 0.9)]
    for k in killers:
        k.start()
    filed = {}
    try:
        for rnd in range(ROUNDS):
            for v in villages:
                out = cn_json(net, "report", "file", "-c", net.cfg(v), "--situation", "S01",
                              "--summary", "第%d轮 round %d" % (rnd, rnd),
                              "--description", "儿童 %d" % rnd,
                              "--urgency", rng.choice(["urgent", "high", "normal"]))
                filed[out["id"]] = v
                cn(net, "report", "update", out["id"], "-c", net.cfg(v), "--note", "补充 %d" % rnd)
            for rid in sorted(filed):
                if rng.random() < 0.5:
                    attempt(net, township, "report", "ack", rid)
                if rng.random() < 0.3:
                    attempt(net, county, "report", "refer", rid, "--to", "公安", "--ref", "GA")
            time.sleep(rng.uniform(0.0, 0.3))
    finally:
        for k in killers:
            k.stop.set()
            k.join(30)
    for k in killers:
        if k.error:
            raise k.error
    kills = [k.kills for k in killers]
    check(min(kills) >= 1, "kills: %r" % kills)
    print("reports crash: township killed %d, county %d times during %d reports" % (
        kills[0], kills[1], len(filed)))
    net.wait_for(net.all_links_up, 60, "every link up after the kills")

    def same_everywhere():
        held = {n: {x["id"] for x in cn_json(net, "report", "list", "-c", net.cfg(n))}
                for n in (county, township)}
        if any(set(filed) - h for h in held.values()):
            return False, {n: sorted(set(filed) - h) for n, h in held.items()}
        diff = {}
        for rid, v in filed.items():
            s = {n: steps(net, n, rid) for n in (v, township, county)}
            if not (s[v] == s[township] == s[county]):
                diff[rid] = s
        return not diff, diff
    poll(net, same_everywhere, 120, "every report with the same steps everywhere")

    for node in [county] + villages:
        entries = audit(net, node)
        for rid, v in filed.items():
            if node not in (county, v):
                continue
            n_steps = len(steps(net, node, rid))
            mine = [e for e in entries if e["subject"] == rid]
            check(len([e for e in mine if e["action"] == "report"]) == 1,
                  "%s: %s audited %d times as a report" % (node, rid, len(
                      [e for e in mine if e["action"] == "report"])))
            got = len([e for e in mine if e["action"].startswith("report-")])
            check(got == n_steps, "%s: %d step entries for %s, which has %d steps" % (
                node, got, rid, n_steps))
    st = net.status(county)["counters"]
    check(st["items_refused"] == 0, "the county refused items: %r" % st)
    total = sum(len(steps(net, county, rid)) for rid in filed)
    print("reports crash: %d reports and %d steps, each applied once at the county and at its "
          "village (county items_duplicate=%d)" % (len(filed), total, st["items_duplicate"]))


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

#!/usr/bin/env python3
"""Records under SIGKILL (issue 8): while both villages of a township import
children in bulk (one import of 4,000 rows: about 2.5 MB of versions, signed
as several batches) and update and close some of them, the township is killed with SIGKILL at random
moments and restarted at once. In the end the county holds every record at
the village's version with every field equal (`record list --reveal`), and
the history of each updated or closed record, and of a sample of the others,
is the village's, one entry per version (`record history`), and the county
(never restarted) applied exactly as many items as there are versions, plus
the township's announces and checkpoints: every record version arrived at
the county exactly once."""

import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, main, run_cli  # noqa: E402
from ops import EXIT_OK, Killer, cn, cn_json, poll  # noqa: E402
from test_records import child, csv_text, write  # noqa: E402

KILLS = 6
IMPORTS = [300, 4000, 400, 600, 200]   # rows per import, in turn at each village
SEED = int(os.environ.get("CARENET_CRASH_SEED", "20261129"))


def listing(net, node):
    r = cn(net, "record", "list", "-c", net.cfg(node), "--type", "child", "--reveal", "--json",
           timeout=120)
    return {x["id"]: x for x in json.loads(r.stdout)}


def history(net, node, rid):
    return cn_json(net, "record", "history", "-c", net.cfg(node), rid)


def test(net, args):
    ids = net.setup(1, 2)
    county, township = ids[0], ids[1]
    villages = [i for i in ids if len(i) == 12]
    net.start_all()
    net.wait_for(net.all_links_up, 60, "every link up")
    rng = random.Random(SEED)
    print("records crash: seed %d" % SEED)

    killer = Killer(net, township, rng, KILLS, 0.8)
    killer.start()
    k, mine, touched = 0, {v: [] for v in villages}, set()
    try:
        for n in IMPORTS:
            for v in villages:
                path = write(net, "import-%d.csv" % k, csv_text([child(k + i) for i in range(n)]))
                k += n
                r = cn(net, "record", "import", "-c", net.cfg(v), "--type", "child", path,
                       "--json", timeout=120)
                mine[v] += json.loads(r.stdout)["ids"]
                # a few updates (versions 2, 3...) and a close among what is there
                for rid in rng.sample(mine[v], 3):
                    a = run_cli([net.carenet, "record", "update", "-c", net.cfg(v), rid,
                                 "--set", "living=与父母同住" if rid not in touched
                                 else "living=单独居住"], timeout=60)
                    check(a.returncode == EXIT_OK, "update %s at %s: %s" % (rid, v, a.stderr))
                    touched.add(rid)
            cn(net, "record", "close", "-c", net.cfg(villages[0]), mine[villages[0]][-1],
               "--reason", "迁出")
            touched.add(mine[villages[0]][-1])
            time.sleep(rng.uniform(0.0, 0.3))
    finally:
        killer.stop.set()
        killer.join(30)
    if killer.error:
        raise killer.error
    check(killer.kills >= 2, "the township was killed only %d times" % killer.kills)
    print("records crash: township killed %d times during %d imports (%d children) and %d "
          "updates/closes" % (killer.kills, len(IMPORTS) * len(villages), k, len(touched)))
    net.wait_for(net.all_links_up, 60, "every link up after the kills")

    want = {}
    for v in villages:
        want.update(listing(net, v))
    check(len(want) == k, "the villages hold %d children, expected %d" % (len(want), k))

    def county_caught_up():
        got = listing(net, county)
        behind = [i for i, w in want.items() if got.get(i, {}).get("version") != w["version"]]
        return not behind and len(got) == len(want), "%d of %d behind, e.g. %s" % (
            len(behind), len(want), behind[:3])
    poll(net, county_caught_up, 120, "the county holds every version the villages wrote")
    got = listing(net, county)
    diff = [i for i in want if got[i] != want[i]]
    check(not diff, "%d records differ at the county, e.g. %s: %s vs %s" % (
        len(diff), diff[:1], diff and got[diff[0]], diff and want[diff[0]]))
    sample = sorted(touched) + rng.sample(sorted(set(want) - touched), 20)
    for rid in sample:
        hv, owner = history(net, county, rid), rid.split("-r")[0]
        hw = history(net, owner, rid)
        check([h["version"] for h in hv] == list(range(1, want[rid]["version"] + 1)),
              "%s at the county: versions %s, expected 1..%d once each" % (
                  rid, [h["version"] for h in hv], want[rid]["version"]))
        check(hv == hw, "%s: history at the county %s, at %s %s" % (rid, hv, owner, hw))
    # The county never restarted: it applied each version exactly once, besides the
    # township's announces of its two villages and its audit checkpoints.
    st = net.status(county)["counters"]
    check(st["items_refused"] == 0 and st["bad_signatures"] == 0,
          "the county refused items: %r" % st)
    versions = sum(w["version"] for w in want.values())
    cps = len(cn_json(net, "audit", "-c", net.cfg(county), "checkpoints", "--office", township))
    check(st["items_applied"] == versions + len(villages) + cps,
          "the county applied %d items: expected %d versions + %d announces + %d checkpoints" % (
              st["items_applied"], versions, len(villages), cps))
    print("records crash: %d records, %d versions applied once each at the county, %d histories "
          "equal (county: items_duplicate=%d, frames_duplicate=%d)" % (
              len(want), versions, len(sample), st["items_duplicate"], st["frames_duplicate"]))


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

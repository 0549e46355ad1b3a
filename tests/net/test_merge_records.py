#!/usr/bin/env python3
"""A merged township's own records handed to the township absorbing it
(撤乡并镇, issue 14 item 5; its villages move with `carenet move --township`,
tested in test_move.py). A county and two townships (one village each):
township 1 keeps a staff record, an activity and a budget. It is retired
(stopped: the owner is gone). At the county `carenet record transfer --all-of
T1 --to T2` transfers each of them (printing their ids); at township 2 `carenet
record accept --all` takes every one in one transaction, and the county then
holds each once, owned by T2 (T1 owns nothing), and takes T2's next version
of one. Refused: a township's record to a village, and to a township of
another county; `record accept --all` with nothing waiting accepts nothing."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, main  # noqa: E402
from ops import EXIT_REFUSED, EXIT_USAGE, cn, cn_json, poll  # noqa: E402

COUNTY, T1, T2 = "530102", "530102001", "530102002"
TYPES = ("staff", "activity", "budget")


def records(net, node, typ, office):
    return [x for x in cn_json(net, "record", "list", "-c", net.cfg(node), "--type", typ,
                               "--office", office) if x["owner"] == office]


def keep(net, typ):
    """T1's own record of typ: the template's example row, its office codes T1's."""
    row = cn(net, "record", "template", "--type", typ, "--example").stdout
    row = row.replace("530102001001", T1)
    if typ == "budget":
        row = row.replace("\n530102,", "\n%s," % T1)
    path = os.path.join(net.dir, "t1-%s.csv" % typ)
    with open(path, "w", encoding="utf-8") as f:
        f.write(row)
    cn(net, "record", "import", "-c", net.cfg(T1), "--type", typ, path)
    return records(net, T1, typ, T1)[0]["id"]


def test(net, args):
    net.setup(2, 1)
    net.start_all()
    net.wait_for(net.all_links_up, 60, "every link up")
    ids = {t: keep(net, t) for t in TYPES}
    for t, i in ids.items():
        poll(net, lambda t=t, i=i: ([x["id"] for x in records(net, COUNTY, t, T1)] == [i],
                                    None), 30, "T1's %s %s at the county" % (t, i))
    print("township %s keeps %s" % (T1, ", ".join("%s %s" % kv for kv in ids.items())))

    # refused: to a village, to a township of another county; accept with nothing waiting
    r = cn(net, "record", "transfer", "-c", net.cfg(COUNTY), ids["staff"], "--to",
           T2 + "001", code=EXIT_REFUSED)
    check("another township of the county" in r.stderr, "to a village: %r" % r.stderr)
    r = cn(net, "record", "transfer", "-c", net.cfg(COUNTY), ids["staff"], "--to",
           "530103001", code=EXIT_REFUSED)
    check(r.stderr.startswith("carenet record transfer:"), "another county: %r" % r.stderr)
    cn(net, "record", "transfer", "-c", net.cfg(COUNTY), "--to", T2, code=EXIT_USAGE)
    r = cn(net, "record", "accept", "-c", net.cfg(T2), "--all")
    check("0 record(s) accepted" in r.stdout, "nothing waiting: %r" % r.stdout)

    # T1 retired; the county hands its records to T2
    net.stop(T1 + "001")
    net.stop(T1)
    r = cn(net, "record", "transfer", "-c", net.cfg(COUNTY), "--all-of", T1, "--to", T2)
    moved = [x for x in r.stdout.split() if x in ids.values()]
    check(sorted(moved) == sorted(ids.values()) and "3 record(s) of %s" % T1 in r.stdout,
          "transfer --all-of: %r" % r.stdout)

    def accepted():
        out = cn(net, "record", "accept", "-c", net.cfg(T2), "--all").stdout
        return all(records(net, T2, t, T2) for t in TYPES), out
    poll(net, accepted, 30, "township 2 to accept T1's records")
    for t, i in ids.items():
        poll(net, lambda t=t, i=i: (lambda x: (len(x) == 1 and x[0]["id"] == i, x))(
            records(net, COUNTY, t, T2)), 30, "%s %s owned by %s at the county" % (t, i, T2))
        check(not records(net, COUNTY, t, T1), "the county still holds a %s owned by %s" % (
            t, T1))
    v = cn_json(net, "record", "show", "-c", net.cfg(COUNTY), ids["staff"])["version"]
    cn(net, "record", "update", "-c", net.cfg(T2), ids["staff"], "--set", "phone=13900000000")
    poll(net, lambda: (lambda x: (x["version"] == v + 1 and x["owner"] == T2, x))(
        cn_json(net, "record", "show", "-c", net.cfg(COUNTY), ids["staff"])), 30,
        "T2's next version of %s at the county" % ids["staff"])
    print("%s retired: its %d records transferred at the county, accepted at %s, held once "
          "there as %s's; T2 writes them on" % (T1, len(ids), T2, T2))


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

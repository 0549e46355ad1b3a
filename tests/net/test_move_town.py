#!/usr/bin/env python3
"""A township's own code change in place (撤乡设镇; issue 14 item 5): a county, 2 townships,
2 villages each; township T1 = 530102001 becomes 530102009 mid-way through a task.

Before: children at every village, a staff record of T1's own, a task from the county to
every village accepted by
one of T1's villages, and T1's own notice to its villages. Refused: the change at a
township, to a code in use, to the same code. `carenet move 530102001 530102009` at the
county moves T1 and, in the same decision, each of its villages to the same last three
digits under the new code (V2 offline from before this until after T1's switch: it
takes its parent's WELCOME under the new code without holding its Move, which it gets
over that link). T1 holds them all (step "old"). With T1 stopped, the county
issues a notice to 530102:township (addressed to the new code, queued for it). A request
for the new code made with new keys is refused by `move apply` (the villages pin T1's
CURVE key); one made with `carenet init --curve-from` T1's directory is taken. T1 starts
as 530102009, SIGKILLed at a random moment of its start and right after its switch is
logged, and the county SIGKILLed up to three times meanwhile: its step "switched" once (its staff record re-keyed, held at the county under the
new code), "ready" for each village's move, the county's queues
and cursors for the old code taken over (the notice arrives once; no sequence gap, no new
origin epoch, no resync, nothing refused anywhere), its villages' links up under their
old ids, the county's `offices` naming the new code. While its villages still run under
their old ids: one acknowledges the county's task done (the county's matrix shows it),
both acknowledge T1's own notice done (its matrix, under the directive's old id), one
adds a child (counted at the county), and a report V1 filed before goes on (the county's
step reaches the township under the new code, and V1 once it has switched, as anything
addressed to a village from the county's decision on; V1's update reaches the county; the
township under its new code acknowledges the hop to its old one). Then each village switches (keys, the CA's bundle
naming the new township, `move apply`, SIGKILLs) and its move completes with equal
counts; the township's move is complete; the county's and the township's summaries
count every child once under the new codes, the county's compliance gives the same
results across the township's switch and across the villages' (the old codes read as new); T1's and its villages' old certificates are
revoked and published, and the township stays up under the new code, its key, which
it kept, not banned."""

import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, main, run_cli  # noqa: E402
from ledger_data import child, csv_text  # noqa: E402
from ops import EXIT_REFUSED, Killer, cn, cn_json, matrix, poll, show  # noqa: E402
from test_merge_records import keep, records  # noqa: E402
from test_move import (children, compliance, drain_and_switch, move_of, new_identity,  # noqa: E402
                       report_of, status_json, steps_by, summary, switch)

COUNTY, T1, T2, NT = "530102", "530102001", "530102002", "530102009"
V1, V2 = T1 + "001", T1 + "002"
NV1, NV2 = NT + "001", NT + "002"
CA = "ca-530102"


def compare(before, after):
    return {x: (before.get(x), after.get(x)) for x in set(before) | set(after)
            if before.get(x) != after.get(x)}


def counters(net, node):
    return (net.status(node) or {}).get("counters", {})


def bad_counters(net, nodes):
    return {(n, k): v for n in nodes for k, v in counters(net, n).items()
            if k in ("sequence_gaps", "origin_epochs", "resync_requeued", "items_refused",
                     "bad_signatures") and v}


def tree(net, node):
    r = run_cli([net.carenet, "tree", "-c", net.cfg(node), "--json"], timeout=30)
    return {o["id"]: o for o in json.loads(r.stdout)} if r.stdout.startswith("[") else None


def inbox_ids(net, node):
    return [e["id"] for e in cn_json(net, "inbox", "-c", net.cfg(node))]


def town_identity(net, curve_from):
    """NT's keys (a copy of T1's, or new ones), the CA's bundle, enrolled over T1's data."""
    d = os.path.join(net.dir, NT + ("" if curve_from else "-newkeys"))
    argv = ["init", "--dir", d, "--id", NT]
    if curve_from:
        argv += ["--curve-from", os.path.join(net.dir, T1)]
    cn(net, *argv)
    cfg_t1 = open(net.cfg(T1), encoding="utf-8").read()
    listen = [ln.split("=", 1)[1].strip().strip('";') for ln in cfg_t1.splitlines()
              if ln.strip().startswith("listen")][0]
    issue = ["ca", "issue", "--ca", os.path.join(net.dir, CA), "--csr",
             os.path.join(d, "request.pem"), "--endpoint", listen]
    if curve_from:
        issue.append("--force")  # the first issue of NT carried the wrong keys
    bundle = cn(net, *issue).stdout.strip().splitlines()[-1]
    cn(net, "enroll", bundle, "--dir", d, "--root", os.path.join(net.dir, T1, "root.pem"),
       "--data-dir", os.path.join(net.dir, T1, "data"), "--listen", listen)
    return d


def test(net, args):
    rng = random.Random(int.from_bytes(os.urandom(4), "little"))
    ids = net.setup(2, 2)
    villages = sorted(i for i in ids if len(i) == 12)
    net.start_all()
    net.wait_for(net.all_links_up, 60, "every link up")

    k = 0
    for v in villages:
        path = os.path.join(net.dir, "ledger-%s.csv" % v)
        with open(path, "w", encoding="utf-8") as f:
            f.write(csv_text([child(k + i) for i in range(3)]))
        k += 3
        cn(net, "record", "import", "-c", net.cfg(v), "--type", "child", path)
    total = k
    poll(net, lambda: (children(summary(net, COUNTY)) == total, None), 60,
         "the county counts every child")
    poll(net, lambda: (children(summary(net, T1)) == 6, None), 60, "T1 counts its children")
    staff = keep(net, "staff")  # the township's own record
    poll(net, lambda: ([x["id"] for x in records(net, COUNTY, "staff", T1)] == [staff], None),
         30, "T1's staff record at the county")

    task = cn_json(net, "directive", "issue", "-c", net.cfg(COUNTY), "--kind", "task", "--to",
                   "530102:village", "--title", "核查留守儿童", "--due", "+2d")["id"]
    poll(net, lambda: (all(s != "pending" for s in matrix(show(net, COUNTY, task)).values()),
                       matrix(show(net, COUNTY, task))), 60, "the task delivered everywhere")
    cn(net, "ack", task, "-c", net.cfg(V1), "--state", "accepted")
    tnote = cn_json(net, "directive", "issue", "-c", net.cfg(T1), "--kind", "notice", "--to",
                    "%s:village" % T1, "--title", "乡镇通知", "--due", "+2d")["id"]
    check(tnote.startswith(T1 + "-"), tnote)
    for v in (V1, V2):
        poll(net, lambda: (tnote in inbox_ids(net, v), None), 30, "T1's notice at " + v)
    poll(net, lambda: (matrix(show(net, COUNTY, task))[V1] == "accepted", None), 30,
         "accepted at the county")
    # a mandatory report V1 files before: its township holds the hop
    rep = cn_json(net, "report", "file", "-c", net.cfg(V1), "--situation", "S01", "--summary",
                  "独居儿童", "--description", "男孩", "--reporter", "张三", "--reporter-role",
                  "儿童主任", "--location", "三组", "--urgency", "normal")["id"]
    for node in (T1, COUNTY):
        poll(net, lambda: (steps_by(net, node, rep) is not None, None), 30,
             "%s holds the report" % node)

    before = compliance(net, COUNTY, {V1: NV1, V2: NV2})

    # refusals: not at a township, a code in use, the same code
    r = cn(net, "move", T1, NT, "-c", net.cfg(T1), code=EXIT_REFUSED)
    check("county" in r.stderr, r.stderr)
    r = cn(net, "move", T1, T2, "-c", net.cfg(COUNTY), code=EXIT_REFUSED)
    check("in use" in r.stderr, r.stderr)
    r = cn(net, "move", T1, T1, "-c", net.cfg(COUNTY), code=EXIT_REFUSED)
    check(T1 in r.stderr, r.stderr)

    # V2 is offline from before the decision until after the township's switch: it gets
    # its Move only over the link the township opens under the new code
    poll(net, lambda: (counters(net, V2).get("outbox_pending") == 0, None), 30,
         "V2 has nothing unacknowledged")
    net.stop(V2)
    out = cn_json(net, "move", T1, NT, "-c", net.cfg(COUNTY))
    check(out["old"] == T1 and out["new"] == NT, out)
    cn(net, "move", T1, NT, "-c", net.cfg(COUNTY), code=EXIT_REFUSED)  # once
    st, _ = status_json(net, COUNTY)
    check(sorted((m["old"], m["new"]) for m in st) == [(T1, NT), (V1, NV1), (V2, NV2)], st)
    poll(net, lambda: ((move_of(net, COUNTY, T1) or {}).get("state") == "ready",
                       move_of(net, COUNTY, T1)), 30, "T1 holds its move")
    poll(net, lambda: (move_of(net, V1, V1) is not None, None), 30, "V1 holds its move")
    offices = [o["id"] for o in cn_json(net, "offices", "-c", net.cfg(COUNTY))]
    check(NT in offices and T1 not in offices and NV1 in offices and V1 not in offices,
          offices)

    # T1 stops (nothing to drain: what it queued goes on after its switch, the Move for the
    # offline V2 included); the county addresses its township notice to the new code
    net.stop(T1)
    notice = cn_json(net, "directive", "issue", "-c", net.cfg(COUNTY), "--kind", "notice",
                     "--to", "530102:township", "--title", "撤乡设镇期间的通知",
                     "--due", "+2d")["id"]
    check(sorted(matrix(show(net, COUNTY, notice))) == [T2, NT],
          matrix(show(net, COUNTY, notice)))

    # new keys: refused (the villages pin T1's CURVE key)
    d_bad = town_identity(net, curve_from=False)
    r = cn(net, "move", "apply", "-c", os.path.join(d_bad, "node.cfg"), "--old", net.cfg(T1),
           code=EXIT_REFUSED)
    check("CURVE key" in r.stderr and "--curve-from" in r.stderr, r.stderr)
    town_identity(net, curve_from=True)
    # SIGKILLs of the township at a random moment of its start and after its switch, and of
    # the county, up to three times, while the new code's first HELLO takes over its queues
    killer = Killer(net, COUNTY, rng, 3, 0.4)
    killer.start()
    try:
        switch(net, T1, NT, rng)
    finally:
        killer.stop.set()
        killer.join(30)
    check(killer.error is None, "the county's killer: %s" % killer.error)
    print("the county SIGKILLed %d time(s) during the township's switch" % killer.kills)
    poll(net, lambda: (net.parent_state(NT) == "up", None), 60, "NT's link to the county")
    net.start(V2)
    poll(net, lambda: (net.status(V2) is not None, None), 30, "V2 answering")
    poll(net, lambda: (move_of(net, V2, V2) is not None, None), 60,
         "V2, offline through the switch, holds its move")
    for v in (V1, V2):
        poll(net, lambda: (net.parent_state(v) == "up", net.status(v)), 60,
             "%s's link to its township, now %s" % (v, NT))
    m = poll(net, lambda: ((move_of(net, COUNTY, T1) or {}).get("state") == "complete",
                           move_of(net, COUNTY, T1)), 60, "the township's move complete")
    steps = [(s["office"], s["step"]) for s in m["steps"]]
    check(sorted(steps) == [(T1, "old"), (NT, "switched")], m)
    check(all(s["records"] == 1 for s in m["steps"]) and m["records_here"] == 1 and
          m["records_old_here"] == 0, "the township's own record re-keyed once: %s" % m)
    check(records(net, COUNTY, "staff", T1) == [] and
          [x["id"] for x in records(net, COUNTY, "staff", NT)] == [staff],
          "the county holds T1's staff record under NT")
    for v, nv in ((V1, NV1), (V2, NV2)):
        mv = poll(net, lambda: (any(s["step"] == "ready" for s in
                                    (move_of(net, COUNTY, v) or {}).get("steps", [])),
                                move_of(net, COUNTY, v)), 30, "%s ready" % v)
        check(sorted((s["office"], s["step"]) for s in mv["steps"]) ==
              [(T1, "old"), (NT, "ready")], mv)
    poll(net, lambda: (matrix(show(net, COUNTY, notice)).get(NT) not in (None, "pending"),
                       matrix(show(net, COUNTY, notice))), 60, "the notice reached " + NT)
    check(inbox_ids(net, NT).count(notice) == 1, inbox_ids(net, NT))

    diff = compare(before, compliance(net, COUNTY, {V1: NV1, V2: NV2}))
    check(not diff, "compliance changed with the township's switch: %s" % diff)

    # the villages, under their old ids, work on through the new code
    cn(net, "ack", task, "-c", net.cfg(V2), "--state", "done")
    poll(net, lambda: (matrix(show(net, COUNTY, task)).get(V2) == "done",
                       matrix(show(net, COUNTY, task))), 60, "V2's done at the county")
    for v in (V1, V2):
        cn(net, "ack", tnote, "-c", net.cfg(v), "--state", "done")
    poll(net, lambda: (set(matrix(show(net, NT, tnote)).values()) == {"done"},
                       show(net, NT, tnote)), 60, "T1's own notice done at the township")
    # the report goes on: the county's step reaches the township under its new code (it
    # holds the report; V1 gets it under its new code, like anything addressed to it from
    # the decision on), V1's update the county, and the township, under its new code,
    # acknowledges the hop made to its old one
    cn(net, "report", "update", rep, "-c", net.cfg(COUNTY), "--note", "县级跟进")
    poll(net, lambda: (steps_by(net, NT, rep) == [COUNTY], steps_by(net, NT, rep)), 30,
         "the county's step at " + NT)
    cn(net, "report", "update", rep, "-c", net.cfg(V1), "--note", "村级回访")
    cn(net, "report", "ack", rep, "-c", net.cfg(NT))
    poll(net, lambda: (sorted(steps_by(net, COUNTY, rep) or []) == sorted([COUNTY, V1, NT])
                       and report_of(net, COUNTY, rep)["state"] == "acknowledged",
                       report_of(net, COUNTY, rep)), 30, "V1's and NT's steps at the county")
    path = os.path.join(net.dir, "ledger-more.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write(csv_text([child(total)]))
    cn(net, "record", "import", "-c", net.cfg(V1), "--type", "child", path)
    total += 1
    poll(net, lambda: (children(summary(net, COUNTY)) == total, summary(net, COUNTY)), 60,
         "the county counts the child V1 added under its old id")
    poll(net, lambda: (children(summary(net, NT)) == 7, summary(net, NT)), 60,
         "the township counts its villages' children")
    bad = bad_counters(net, [COUNTY, NT, V1, V2])
    check(not bad, "after the township's switch: %s" % bad)
    # carenet tree lists the villages under their new codes (the registry's), up: through
    # their sessions under the old ones at the township, and its summary at the county
    for node in (NT, COUNTY):
        poll(net, lambda: (all(t.get(v, {}).get("state") == "up" for v in (NV1, NV2)), t)
             if (t := tree(net, node)) is not None else (False, None), 60,
             "the tree at %s shows the villages up" % node)
    check(not counters(net, COUNTY).get("summaries_refused"), counters(net, COUNTY))

    before = compliance(net, COUNTY, {V1: NV1, V2: NV2})  # after the report's steps
    # each village switches to its new code under the new township
    for v, nv in ((V1, NV1), (V2, NV2)):
        new_identity(net, v, nv)
        mv = drain_and_switch(net, COUNTY, v, nv, rng, "%s's move complete" % v)
        check(mv["agree"], mv)
    s_c, s_t = summary(net, COUNTY), summary(net, NT)
    check(children(s_c) == total and children(s_c, NT) == 7 and children(s_c, T1) == 0, s_c)
    check(children(s_t) == 7 and children(s_t, T1) == 0, s_t)
    kids = cn_json(net, "record", "list", "-c", net.cfg(COUNTY), "--type", "child")
    check(len(kids) == total == len({x["id"] for x in kids}), kids)
    check(not [x for x in kids if x["owner"].startswith(T1)], kids)
    poll(net, lambda: (matrix(show(net, COUNTY, task)).get(V2) == "done", None), 5, "kept")
    # the report at V1's new code: the county's update reached it after its switch, and
    # so does its referral now
    cn(net, "report", "refer", rep, "-c", net.cfg(COUNTY), "--to", "公安", "--ref", "GA-7")
    poll(net, lambda: (report_of(net, NV1, rep)["state"] == "referred" and
                       steps_by(net, NV1, rep).count(COUNTY) == 2, report_of(net, NV1, rep)),
         30, "the county's update and referral at " + NV1)
    diff = compare(before, compliance(net, COUNTY, {V1: NV1, V2: NV2}))
    check(not diff, "compliance changed with the villages' switches: %s" % diff)

    # the old certificates revoked: the township's key goes on under the new code
    for old in (T1, V1, V2):
        cn(net, "ca", "revoke", "--ca", os.path.join(net.dir, CA), "--id", old, "--reason",
           "superseded" if old == T1 else "affiliationChanged")
    cn(net, "crl", "publish", "-c", net.cfg(COUNTY), os.path.join(net.dir, CA, "crl.pem"))
    for v in (NV1, NV2):
        poll(net, lambda: (net.parent_state(v) == "up", None), 30, v + " up")
    nid = cn_json(net, "directive", "issue", "-c", net.cfg(COUNTY), "--kind", "notice", "--to",
                  "530102:village", "--title", "通知", "--due", "+2d")["id"]
    poll(net, lambda: (all(matrix(show(net, COUNTY, nid)).get(v) not in (None, "pending")
                           for v in (NV1, NV2)), matrix(show(net, COUNTY, nid))), 60,
         "a notice after the revocation reaches the renumbered villages")
    check(net.parent_state(NT) == "up", net.status(NT))
    bad = bad_counters(net, [COUNTY, NT, NV1, NV2])
    check(not bad, "at the end: %s" % bad)


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

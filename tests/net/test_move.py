#!/usr/bin/env python3
"""A village moves to another township mid-way through a directive's life
(区划调整; issue 14 item 5) on a county, 2 townships and 2 villages each.

Every village imports children; the county issues a task to every village;
village 530102001001 accepts it, then the county moves it to 530102002009
(after the id rules' refusals). The village makes keys for its new id, the
county CA issues it, it is enrolled over the village's data_dir. `move apply`
is refused while the village runs, and while a record version it wrote is not
yet acknowledged by its old township (SIGSTOPped: nothing may be lost); then
it marks the switch. The node is SIGKILLed at a random moment of its start and
again right after the switch is logged (just before or after its commit), and
started again. Then: `move status` at the county is complete with equal counts
on each side; the old township's ledger summary shows the children as moved,
the new one's counts them, the county's total is unchanged and holds each
child once, under the new id, re-keyed once; OLD's certificate is revoked; the
village acknowledges the task done at its new place and the county's matrix
shows the old target done, once; `compliance --json` at the county gives the
same results before and after. A mandatory report the village filed before
the move goes on under its new id: the county's update and referral reach it
(through the new township) and the old township, its own update reaches the
county, the old township's acknowledgement (it holds the hop) reaches the
county and the village; the new township holds no copy and nobody refuses
anything. Apply run again says it is done. Then a
township merge (--township) moves the old township's other village. Last,
the village moves again, back to its first township under another code
(OLD -> NEW -> AGAIN): complete with equal counts, each child once under
AGAIN, the first task's row kept, the report's next step at AGAIN."""

import csv
import io
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, main, run_cli  # noqa: E402
from ledger_data import child, csv_text  # noqa: E402
from ops import (EXIT_REFUSED, Stopped, cn, cn_json, make_inspector, matrix, poll,  # noqa: E402
                 show)

OLD, NEW = "530102001001", "530102002009"


def summary(net, node):
    return cn_json(net, "ledger", "summary", "-c", net.cfg(node))


def children(s, prefix=""):
    return sum(v.get("children", 0) for k, v in s.items() if k.startswith(prefix))


def compliance(net, county, moved=None):
    """Each indicator's result and value at the county, and its failing offices with each
    moved village's old id read as its new one (the per-township roll-up changes by design:
    a village changed township)."""
    moved = moved or {OLD: NEW}
    out = cn_json(net, "compliance", "-c", net.cfg(county), "--standard", "mca-2018-demo")
    check(out.get("indicators"), "compliance --json holds no indicator: %s" % str(out)[:300])
    return {x["id"]: (x["result"], x.get("value"),
                      sorted(moved.get(o, o) for o in x.get("failing_offices") or []))
            for x in out["indicators"]}


def status_json(net, node):
    r = run_cli([net.carenet, "move", "status", "-c", net.cfg(node), "--json"], timeout=30)
    check(r.returncode in (0, 1), "move status at %s: %s %s" % (node, r.returncode, r.stderr))
    return json.loads(r.stdout), r.returncode


def report_ids(net, node):
    return [x["id"] for x in cn_json(net, "report", "list", "-c", net.cfg(node))]


def report_of(net, node, rid):
    return cn_json(net, "report", "show", rid, "-c", net.cfg(node))


def steps_by(net, node, rid):
    if rid not in report_ids(net, node):
        return None
    return [x["by"] for x in report_of(net, node, rid)["steps"]]


def new_identity(net, old=OLD, new=NEW):
    """keys for new, the county CA's bundle, enrolled into old's data_dir."""
    d = os.path.join(net.dir, new)
    cn(net, "init", "--dir", d, "--id", new)
    bundle = cn(net, "ca", "issue", "--ca", os.path.join(net.dir, "ca-530102"), "--csr",
                os.path.join(d, "request.pem")).stdout.strip().splitlines()[-1]
    data = os.path.join(net.dir, old, "data")
    cn(net, "enroll", bundle, "--dir", d, "--root", os.path.join(net.dir, old, "root.pem"),
       "--data-dir", data)
    return d


def switch(net, old, new, rng):
    """old, stopped, takes new: move apply, then started with SIGKILLs at a random moment
    of its start and right after the switch is logged; up at its new parent."""
    cfg_new = os.path.join(net.dir, new, "node.cfg")
    out = cn_json(net, "move", "apply", "-c", cfg_new, "--old", net.cfg(old))
    check(out == {"old": old, "new": new, "state": "marked"}, out)
    net.ids.append(new)
    net.start(new)
    time.sleep(rng.uniform(0.0, 0.3))
    net.kill(new)
    net.start(new)

    def switched():
        with open(net.log_path(new), encoding="utf-8", errors="replace") as f:
            return "this office is now " + new in f.read()
    net.wait_for(switched, 30, "the switch logged")
    net.kill(new)  # just before or just after its commit (it logs inside its transaction)
    out = cn_json(net, "move", "apply", "-c", cfg_new, "--old", net.cfg(old))
    check(out["new"] == new and out["state"] in ("marked", "switched"), out)
    net.start(new)
    poll(net, lambda: (net.parent_state(new) == "up", None), 60,
         "%s's link to %s" % (new, new[:9]))


def move_of(net, node, old):
    st, _ = status_json(net, node)
    return ([m for m in st if m["old"] == old] or [None])[0]

def drain_and_switch(net, county, old, new, rng, what):
    """Waits until old's township acknowledged everything, stops old, switches it to new
    (switch) and waits for the county to call the move complete; the move's view."""
    poll(net, lambda: ((net.status(old) or {}).get("counters", {}).get("outbox_pending") == 0,
                       None), 30, "everything of %s acknowledged by its township" % old)
    net.stop(old)
    switch(net, old, new, rng)
    return poll(net, lambda: ((move_of(net, county, old) or {}).get("state") == "complete",
                              move_of(net, county, old)), 60, what)



def code_change(net, county, villages, total, rng):
    """A village's code changes within its township (村改居): its township is its old and
    its new parent, mid-way through a task; then a notice issued after it reaches it."""
    c_old, c_new = NEW[:9] + "001", NEW[:9] + "011"
    town = c_old[:9]
    did = cn_json(net, "directive", "issue", "-c", net.cfg(county), "--kind", "task", "--to",
                  "530102:village", "--title", "入户走访", "--due", "+2d")["id"]
    poll(net, lambda: (sorted(matrix(show(net, county, did))) == sorted(
        v for v in villages + [NEW] if v != OLD) and "pending" not in
        matrix(show(net, county, did)).values(), matrix(show(net, county, did))), 60,
        "the second task delivered everywhere (%s in, %s out)" % (NEW, OLD))
    cn(net, "ack", did, "-c", net.cfg(c_old), "--state", "accepted")
    poll(net, lambda: (matrix(show(net, county, did))[c_old] == "accepted", None), 30,
         "accepted at the county")
    before = compliance(net, county, {OLD: NEW, c_old: c_new})
    refused = net.status(town)["counters"].get("items_refused")
    s_town = summary(net, town)

    out = cn_json(net, "move", c_old, c_new, "-c", net.cfg(county))
    check(out["old"] == c_old and out["new"] == c_new, out)
    poll(net, lambda: ((move_of(net, county, c_old) or {}).get("state") == "ready",
                       move_of(net, county, c_old)), 30, "ready: its township holds the move")
    check(len(move_of(net, town, c_old)["steps"]) == 2, "old and ready at the township")
    poll(net, lambda: (move_of(net, c_old, c_old) is not None, None), 30, "the village holds it")
    check(summary(net, town) == s_town, "the township counts the village as before the switch")
    new_identity(net, c_old, c_new)
    m = drain_and_switch(net, county, c_old, c_new, rng, "the code change complete")
    steps = {s["step"]: s for s in m["steps"]}
    check(set(steps) == {"old", "ready", "switched", "new"} and m["agree"], m)
    check(steps["old"]["office"] == steps["ready"]["office"] == steps["new"]["office"] == town
          and steps["switched"]["office"] == c_new, m)
    check(steps["old"]["records"] == steps["switched"]["records"] == steps["new"]["records"]
          == m["records_here"] == 3 and m["records_old_here"] == 0, m)
    check(steps["switched"]["statuses"] == 1, m)
    at_town = move_of(net, town, c_old)
    check({(s["office"], s["step"]) for s in at_town["steps"]} == {
        (town, "old"), (town, "ready"), (c_new, "switched"), (town, "new")}, at_town)

    # counted once, under the new code, at the township and the county
    s_t, s_c = summary(net, town), summary(net, county)
    check(children(s_t) == children(s_town) and s_t.get(c_new, {}).get("children") == 3 and
          c_old not in s_t, s_t)
    check(children(s_c) == total and s_c.get(c_new, {}).get("children") == 3 and
          c_old not in s_c, s_c)
    kids = cn_json(net, "record", "list", "-c", net.cfg(town), "--type", "child")
    check(len(kids) == len({r["id"] for r in kids}) and
          [r["owner"] for r in kids if r["id"].startswith(c_old)] == [c_new] * 3, kids)

    # the task done under the new code, once on the old row, at the township and the county
    cn(net, "ack", did, "-c", net.cfg(c_new), "--state", "done")
    for node in (town, county):
        poll(net, lambda: (matrix(show(net, node, did)).get(c_old) == "done",
                           matrix(show(net, node, did))), 60, "done at %s" % node)
        v = show(net, node, did)
        check(c_new not in matrix(v) and list(matrix(v).values()).count("done") == 1, v)
        row = [t for t in v["targets"] if t["id"] == c_old][0]
        hist = [h["state"] for h in row.get("history", [])]
        check(hist.count("done") == 1 and hist.count("accepted") == 1, row)
    after = compliance(net, county, {OLD: NEW, c_old: c_new})
    check(after == before, "compliance changed with the code change: %s" % {
        k: (before.get(k), after.get(k)) for k in set(before) | set(after)
        if before.get(k) != after.get(k)})

    # down the same link: a notice issued now reaches the village under its new code
    nid = cn_json(net, "directive", "issue", "-c", net.cfg(county), "--kind", "notice", "--to",
                  "530102:village", "--title", "通知", "--due", "+2d")["id"]
    poll(net, lambda: (matrix(show(net, county, nid)).get(c_new) not in (None, "pending"),
                       matrix(show(net, county, nid))), 60, "the notice delivered to " + c_new)
    check(c_old not in matrix(show(net, county, nid)), "the old code is no target")
    # the township met the new code as a new peer: nothing renumbered, no new epoch of its
    # own sequences, nothing of the old code's archive re-sent on the new link and refused
    ct, cv = net.status(town)["counters"], net.status(c_new)["counters"]
    bad = {k: v for k, v in list(ct.items()) + list(cv.items()) if k in (
        "sequence_gaps", "origin_epochs", "resync_requeued") and v}
    check(not bad and ct.get("items_refused") == refused,
          "the link %s-%s: %s, %s items refused (was %s)" % (town, c_new, bad,
                                                              ct.get("items_refused"), refused))


def test(net, args):
    ids = net.setup(2, 2)
    county = ids[0]
    t_old, t_new = OLD[:9], NEW[:9]
    villages = sorted(i for i in ids if len(i) == 12)
    net.start_all()
    net.wait_for(net.all_links_up, 60, "every link up")

    # children at every village (3 each, 4 at the one that moves)
    k = 0
    for v in villages:
        n = 4 if v == OLD else 3
        path = os.path.join(net.dir, "ledger-%s.csv" % v)
        with open(path, "w", encoding="utf-8") as f:
            f.write(csv_text([child(k + i) for i in range(n)]))
        k += n
        cn(net, "record", "import", "-c", net.cfg(v), "--type", "child", path)
    total = k
    poll(net, lambda: (children(summary(net, county)) == total, None), 60,
         "the county counts every child")
    poll(net, lambda: (children(summary(net, t_old)) == 7, None), 60, "the old township's")
    # a mandatory report OLD files before it moves: held by its township and the county
    rep = cn_json(net, "report", "file", "-c", net.cfg(OLD), "--situation", "S01", "--summary",
                  "独居儿童", "--description", "男孩", "--reporter", "张三", "--reporter-role",
                  "儿童主任", "--location", "三组", "--urgency", "normal")["id"]
    for node in (t_old, county):
        poll(net, lambda: (rep in report_ids(net, node), None), 30, "%s holds %s" % (node, rep))

    before = compliance(net, county)

    # the old township's own notice to its villages, accepted by OLD: after the move it is
    # no longer OLD's business (the new id is not below that township), so it is not re-sent
    # to the new township, which would refuse it as another township's
    tnote = cn_json(net, "directive", "issue", "-c", net.cfg(t_old), "--kind", "notice", "--to",
                    "%s:village" % t_old, "--title", "乡镇通知", "--due", "+2d")["id"]
    poll(net, lambda: (tnote in [e["id"] for e in cn_json(net, "inbox", "-c", net.cfg(OLD))],
                       None), 30, "the township's notice at %s" % OLD)
    cn(net, "ack", tnote, "-c", net.cfg(OLD), "--state", "accepted")

    # a task to every village; OLD accepts it (mid-way)
    did = cn_json(net, "directive", "issue", "-c", net.cfg(county), "--kind", "task", "--to",
                  "530102:village", "--title", "核查留守儿童", "--due", "+2d")["id"]
    poll(net, lambda: (all(s != "pending" for s in matrix(show(net, county, did)).values()),
                       matrix(show(net, county, did))), 60, "the task delivered everywhere")
    cn(net, "ack", did, "-c", net.cfg(OLD), "--state", "accepted")
    poll(net, lambda: (matrix(show(net, county, did))[OLD] == "accepted", None), 30,
         "accepted at the county")

    # refusals: not a county, itself, a code in use, not a village of ours
    r = cn(net, "move", OLD, NEW, "-c", net.cfg(t_old), code=EXIT_REFUSED)
    check(r.stderr.startswith("carenet move:") and "county" in r.stderr, r.stderr)
    r = cn(net, "move", OLD, OLD, "-c", net.cfg(county), code=EXIT_REFUSED)
    check("in use" in r.stderr, r.stderr)
    r = cn(net, "move", OLD, "530102002001", "-c", net.cfg(county), code=EXIT_REFUSED)
    check("in use" in r.stderr, r.stderr)
    cn(net, "move", "1234", NEW, "-c", net.cfg(county), code=2)

    # the move: at the county, then held at both townships and the village
    out = cn_json(net, "move", OLD, NEW, "-c", net.cfg(county))
    check(out["old"] == OLD and out["new"] == NEW and out["id"], out)
    cn(net, "move", OLD, NEW, "-c", net.cfg(county), code=EXIT_REFUSED)  # once
    for node in (t_old, t_new, OLD):
        poll(net, lambda: (len(status_json(net, node)[0]) == 1, None), 30,
             "%s holds the move" % node)
    poll(net, lambda: (status_json(net, county)[0][0]["state"] == "ready",
                       status_json(net, county)[0]), 30, "ready: both townships hold the move")
    poll(net, lambda: (children(summary(net, t_old)) == 3, summary(net, t_old)), 30,
         "the old township stops counting %s" % OLD)
    # a notice issued between the move and the switch is addressed to NEW, which has never
    # connected: it waits on its way and arrives once the village has switched
    window = cn_json(net, "directive", "issue", "-c", net.cfg(county), "--kind", "notice",
                     "--to", "530102:village", "--title", "迁移期间的通知", "--due", "+2d")["id"]
    m = matrix(show(net, county, window))
    check(sorted(m) == sorted([v for v in villages if v != OLD] + [NEW]),
          "the notice's targets: NEW in OLD's place: %s" % m)
    # the old id is refused by name, naming the new one (a directive, a child's transfer)
    giver = [v for v in villages if v != OLD][0]
    r = cn(net, "directive", "issue", "-c", net.cfg(county), "--kind", "notice", "--to", OLD,
           "--title", "t", "--due", "+2d", code=EXIT_REFUSED)
    check("moved" in r.stderr and NEW in r.stderr, r.stderr)
    gift = sorted(x["id"] for x in cn_json(net, "record", "list", "-c", net.cfg(giver),
                                           "--type", "child"))[0]
    r = cn(net, "record", "transfer", gift, "--to", OLD, "-c", net.cfg(county), code=EXIT_REFUSED)
    check("moved" in r.stderr and NEW in r.stderr, r.stderr)
    # a review of OLD's version of a child (superseded by the one written under NEW)
    kid = sorted(x["id"] for x in cn_json(net, "record", "list", "-c", net.cfg(county), "--type",
                                          "child") if x["owner"] == OLD)[0]
    r = cn(net, "record", "review", kid, "--approve", "-c", net.cfg(county), code=EXIT_REFUSED)
    check("moved" in r.stderr and NEW in r.stderr, r.stderr)
    # a revocation list published now still reaches the village, on its session under the old
    # id (its old township's registry no longer lists it)
    ca = os.path.join(net.dir, "ca-530102")
    crl = run_cli([net.carenet, "ca", "crl", "--ca", ca], timeout=30).stdout.strip()
    cn(net, "crl", "publish", "-c", net.cfg(county), crl)
    want = max(c["number"] for c in net.status(county)["crls"] if c["issuer"] == county)
    poll(net, lambda: (any(c["issuer"] == county and c["number"] == want
                           for c in net.status(OLD)["crls"]), net.status(OLD)["crls"]), 30,
         "CRL %d of %s at %s" % (want, county, OLD))

    # the village: new keys and certificate, apply refused while it runs, then stopped
    d = new_identity(net)
    cfg_new = os.path.join(d, "node.cfg")
    r = cn(net, "move", "apply", "-c", cfg_new, "--old", net.cfg(OLD), code=EXIT_REFUSED)  # running
    check("stop it first" in r.stderr, r.stderr)
    # a version its township has not acknowledged holds the switch back (nothing lost)
    rid = sorted(r["id"] for r in cn_json(net, "record", "list", "-c", net.cfg(OLD), "--type",
                                          "child"))[0]
    with Stopped(net, t_old):
        cn(net, "record", "update", "-c", net.cfg(OLD), rid, "--set", "address=新址1号")
        net.stop(OLD)
        r = cn(net, "move", "apply", "-c", cfg_new, "--old", net.cfg(OLD), code=EXIT_REFUSED)
        check(r.stderr.startswith("carenet move apply:") and "not acknowledged" in r.stderr,
              r.stderr)
    net.start(OLD)
    poll(net, lambda: ((net.status(OLD) or {}).get("counters", {}).get("outbox_pending") == 0,
                       None), 30, "everything of %s acknowledged by its township" % OLD)
    # so does a status: re-sent under NEW it would be only the inbox's state, and this one
    # would be missing from the task's history above
    with Stopped(net, t_old):
        cn(net, "ack", did, "-c", net.cfg(OLD), "--state", "in-progress", "--note", "迁移前办理中")
        net.stop(OLD)
        r = cn(net, "move", "apply", "-c", cfg_new, "--old", net.cfg(OLD), code=EXIT_REFUSED)
        check("1 statuses" in r.stderr and "not acknowledged" in r.stderr, r.stderr)
    net.start(OLD)
    poll(net, lambda: ((net.status(OLD) or {}).get("counters", {}).get("outbox_pending") == 0,
                       None), 30, "everything of %s acknowledged by its township" % OLD)
    net.stop(OLD)
    # SIGKILL it at a random moment of its start (the switch is its first turn), then
    # right after the switch committed (its items queued, not yet sent or acknowledged)
    rng = random.Random(int(os.environ.get("CN_SEED", "14")))
    switch(net, OLD, NEW, rng)

    # hand-over: complete at the county, counts equal on each side
    def complete():
        st, rc = status_json(net, county)
        return rc == 0 and st[0]["state"] == "complete", st
    st = poll(net, complete, 60, "the move complete at the county")
    m = st[0]
    poll(net, lambda: ((net.status(NEW) or {}).get("counters", {}).get("outbox_pending") == 0,
                       None), 30, "nothing left queued at %s (none for its old township)" % NEW)
    steps = {s["step"]: s for s in m["steps"]}
    check(set(steps) == {"old", "ready", "switched", "new"} and m["agree"], m)
    check(steps["old"]["office"] == t_old and steps["new"]["office"] == t_new and
          steps["switched"]["office"] == NEW, m)
    check(steps["old"]["records"] == steps["switched"]["records"] == steps["new"]["records"]
          == m["records_here"] == 4 and m["records_old_here"] == 0, m)
    check(steps["switched"]["statuses"] == 1, m)  # a second switch would have re-keyed 0

    def window_at_new():
        ids_new = [e["id"] for e in cn_json(net, "inbox", "-c", net.cfg(NEW))]
        return (ids_new.count(window) == 1 and
                matrix(show(net, county, window))[NEW] != "pending", ids_new)
    poll(net, window_at_new, 30, "the notice issued during the move at %s, once" % NEW)
    # an inspector who knows the old id, after the switch: the order goes to the new one
    insp = make_inspector(net, county, "mv")
    cn(net, "inspect", "finding", "-c", insp, "--node", net.status(county)["listen"],
       "--node-cert", os.path.join(net.dir, county, "node.pem"), "--indicator",
       "rights.edu.needs", "--office", OLD, "--result", "fail", "--note", "迁移后督查",
       "--rectify", "7")
    poll(net, lambda: ([e["issuer"] for e in cn_json(net, "inbox", "-c", net.cfg(NEW))
                        if e["kind"] == "rectification"] == [county], None), 30,
         "the inspector's rectification order at %s" % NEW)

    # ledgers: old township without, new with, county unchanged, each child once under NEW
    s_old, s_new, s_c = summary(net, t_old), summary(net, t_new), summary(net, county)
    check(children(s_old) == 3 and s_old.get(OLD) == {"moved_to": {NEW: 4}}, s_old)
    check(children(s_new) == 10 and s_new.get(NEW, {}).get("children") == 4, s_new)
    check(children(s_c) == total and s_c.get(NEW, {}).get("children") == 4 and OLD not in s_c,
          s_c)
    kids = cn_json(net, "record", "list", "-c", net.cfg(county), "--type", "child")
    ids_c = [r["id"] for r in kids]
    check(len(ids_c) == total == len(set(ids_c)), "county: %d rows, %d ids" % (
        len(ids_c), len(set(ids_c))))
    check(sorted((r["owner"], r["version"]) for r in kids if r["id"].startswith(OLD)) ==
          [(NEW, 2)] * 3 + [(NEW, 3)], "at the county: OLD's 4 children, each once, owned by "
          "NEW, re-keyed once (the updated one at 3): %s" % [
              (r["id"], r["owner"], r["version"]) for r in kids])

    # OLD's certificate revoked now that the hand-over is complete (certs/README.md)
    cn(net, "ca", "revoke", "--ca", ca, "--id", OLD, "--reason", "affiliationChanged")
    cn(net, "crl", "publish", "-c", net.cfg(county), os.path.join(ca, "crl.pem"))

    # the task: done at the new place, shown done once for the village at the county
    check([e["state"] for e in cn_json(net, "inbox", "-c", net.cfg(NEW)) if e["id"] == did]
          == ["in-progress"], "the inbox kept the task")
    cn(net, "ack", did, "-c", net.cfg(NEW), "--state", "done", "--note", "已在新乡镇完成")
    poll(net, lambda: (matrix(show(net, county, did)).get(OLD) == "done",
                       matrix(show(net, county, did))), 60, "done at the county")
    v = show(net, county, did)
    check(sorted(matrix(v)) == villages and list(matrix(v).values()).count("done") == 1, v)
    row = [t for t in v["targets"] if t["id"] == OLD][0]
    check(row.get("moved_to") == NEW, "the county's row of %s says where it is: %r" % (OLD, row))
    old_row = [t for t in show(net, t_old, did)["targets"] if t["id"] == OLD][0]
    check(old_row.get("moved_to") == NEW, "the old township's row says so: %r" % old_row)
    # the old township's own notice: its row stays as OLD left it, and says where it went;
    # the village may no longer report on it (it would never reach that township)
    trow = [t for t in show(net, t_old, tnote)["targets"] if t["id"] == OLD][0]
    check(trow["state"] == "accepted" and trow.get("moved_to") == NEW, trow)
    r = cn(net, "ack", tnote, "-c", net.cfg(NEW), "--state", "done", code=EXIT_REFUSED)
    check("left" in r.stderr and t_old in r.stderr, r.stderr)
    r = cn(net, "directive", "show", did, "-c", net.cfg(t_old))
    check("moved: now %s" % NEW in r.stdout or "已迁移，现为 %s" % NEW in r.stdout, r.stdout)
    hist = [h["state"] for h in row.get("history", [])]
    check(hist.count("done") <= 1 and hist.count("accepted") <= 1 and
          hist.count("in-progress") == 1, row)

    # compliance at the county: the same results; apply again: nothing changes
    after = compliance(net, county)
    diff = {k: (before.get(k), after.get(k)) for k in set(before) | set(after)
            if before.get(k) != after.get(k)}
    check(not diff, "compliance changed with the move: %s" % diff)

    # the report goes on under NEW: the county's steps reach it through the new township
    # (and the old township, which holds the report too); its own update reaches the
    # county; the old township's ack (it holds the hop) reaches the county and NEW
    cn(net, "report", "update", rep, "-c", net.cfg(county), "--note", "县级跟进")
    for node in (NEW, t_old):
        poll(net, lambda: (steps_by(net, node, rep) == [county], steps_by(net, node, rep)), 30,
             "the county's step at %s" % node)
    cn(net, "report", "update", rep, "-c", net.cfg(NEW), "--note", "村级回访")
    cn(net, "report", "ack", rep, "-c", net.cfg(t_old))
    poll(net, lambda: (sorted(steps_by(net, county, rep) or []) == sorted([county, NEW, t_old])
                       and report_of(net, county, rep)["state"] == "acknowledged",
                       report_of(net, county, rep)), 30, "both steps at the county")
    cn(net, "report", "refer", rep, "-c", net.cfg(county), "--to", "公安", "--ref", "GA-7")
    poll(net, lambda: (sorted(steps_by(net, NEW, rep) or []) ==
                       sorted([county, NEW, t_old, county]) and
                       report_of(net, NEW, rep)["state"] == "referred",
                       report_of(net, NEW, rep)), 30, "the referral at %s" % NEW)
    poll(net, lambda: (steps_by(net, t_old, rep) == [county, t_old, county],
                       steps_by(net, t_old, rep)), 30, "the referral at %s" % t_old)
    check(report_of(net, NEW, rep)["office"] == OLD, "filed under OLD, kept so")
    check(rep not in report_ids(net, t_new), "the new township holds no report of OLD's")
    for node in (t_old, t_new, county):
        c = net.status(node)["counters"]
        check(c.get("items_refused", 0) == 0, "%s refused items: %s" % (node, c))

    net.stop(NEW)
    out = cn_json(net, "move", "apply", "-c", cfg_new, "--old", net.cfg(OLD))
    check(out["state"] == "switched", out)
    net.start(NEW)

    code_change(net, county, villages, total, rng)

    # a township merge (撤乡并镇) is N village moves: the rest of the old township's villages
    # to the lowest free codes of the new one (002003: 001, 002 and 009 are taken)
    out = cn_json(net, "move", "--township", t_old, t_new, "-c", net.cfg(county))
    check([(m["old"], m["new"]) for m in out] == [(t_old + "002", t_new + "003")], out)
    check(cn_json(net, "move", "--township", t_old, t_new, "-c", net.cfg(county)) == [],
          "a second merge moves nothing")
    r = cn(net, "move", "--township", t_new, t_new, "-c", net.cfg(county), code=EXIT_REFUSED)
    check(r.stderr.startswith("carenet move:") and "another township" in r.stderr, r.stderr)
    poll(net, lambda: (children(summary(net, t_old)) == 0, summary(net, t_old)), 30,
         "the old township counts no village")
    poll(net, lambda: ([m["state"] for m in status_json(net, county)[0]] ==
                       ["complete", "ready", "complete"], status_json(net, county)), 30,
         "the merge's move ready, the others complete")
    check(status_json(net, county)[1] == 1, "move status exits 1 while a move is not complete")
    r = cn(net, "move", "status", "-c", net.cfg(county), "--csv", code=1)
    check(r.stdout.startswith("\ufeff"), "--csv begins with a BOM")
    rows = list(csv.DictReader(io.StringIO(r.stdout.lstrip("\ufeff"))))
    check(len(rows) == (4 + 1) + (2 + 1) + (4 + 1) and
          {x["state"] for x in rows} == {"complete", "ready"}
          and {x["step"] for x in rows} == {"held", "old", "ready", "switched", "new"}, rows)

    moved_again(net, county, did, total, rng, rep)


def moved_again(net, county, did, total, rng, rep):
    """The village moves a second time, back to its first township under another code:
    OLD -> NEW -> AGAIN. Its records reach the county and that township under AGAIN, each
    once; the first task's row (OLD's) keeps its state; its report goes on."""
    again = OLD[:9] + "009"
    out = cn_json(net, "move", NEW, again, "-c", net.cfg(county))
    check(out["old"] == NEW and out["new"] == again, out)
    poll(net, lambda: ((move_of(net, county, NEW) or {}).get("state") == "ready",
                       move_of(net, county, NEW)), 30, "the second move ready")
    new_identity(net, OLD, again)  # the same store: OLD's data_dir
    m = drain_and_switch(net, county, NEW, again, rng, "the second move complete")
    steps = {x["step"]: x for x in m["steps"]}
    check(steps["old"]["records"] == steps["switched"]["records"] == steps["new"]["records"]
          == m["records_here"] == 4 and m["records_old_here"] == 0, m)
    s_t1, s_t2, s_c = summary(net, OLD[:9]), summary(net, NEW[:9]), summary(net, county)
    check(s_t1.get(again, {}).get("children") == 4, s_t1)
    check(NEW not in s_t2 or "children" not in s_t2[NEW], s_t2)
    check(children(s_c) == total and s_c.get(again, {}).get("children") == 4 and
          NEW not in s_c and OLD not in s_c, s_c)
    kids = [r for r in cn_json(net, "record", "list", "-c", net.cfg(county), "--type", "child")
            if r["id"].startswith(OLD)]
    check(sorted(r["owner"] for r in kids) == [again] * 4, kids)
    check(matrix(show(net, county, did)).get(OLD) == "done", "the first task's row kept")
    n = len(steps_by(net, county, rep))
    cn(net, "report", "update", rep, "-c", net.cfg(county), "--note", "第二次迁移后")
    poll(net, lambda: (len(steps_by(net, again, rep) or []) == n + 1, steps_by(net, again, rep)),
         30, "the county's step on the report at %s" % again)
    r = cn(net, "move", NEW, OLD[:9] + "019", "-c", net.cfg(county), code=EXIT_REFUSED)
    check("moved already" in r.stderr, r.stderr)  # NEW is AGAIN now


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

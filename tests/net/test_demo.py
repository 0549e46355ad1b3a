#!/usr/bin/env python3
"""carenet demo plays its directives scenario: on a 2 x 3 network the county
issues a task to every village; five accept and complete it (one with an
evidence file), the last stays silent, is reminded, falls overdue and gets a
rectification order. Then the records scenario: every village imports a
ledger of children, the county holds them all (masked) and counts them, a
village updates one and its township returns another. Then reports: one
acknowledged and made a case, one escalated when its township stays silent;
the county's compliance (an HTML report); a village moved to the other
township (step 14); the first village closed (step 15: its records taken by a
neighbour, a notice's row retired, its certificate revoked, the tree shows it
closed); the last township's own code changed in place (step 16: its move complete,
its villages' ready, the tree shows them up under it, still under their old codes);
and its web page (served, stopped with the network). Checked from the demo's
own output (each step's header, the matrices, the listings and the summary),
its exit status and files; no child's name or ID number may appear in the
clear in its output; no node process may survive it. demo --province: the
province's task relayed and tallied, then the children counted at the
province from the counties' roll-ups (none named), both counties judged, the
bulletin and the province's web page.
demo --setup-only still writes configurations without test clocks (the other
network tests build on them)."""

import csv
import hashlib
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import COUNTY, TestFailure, check, main, plan_ids, run_cli  # noqa: E402

TOWNSHIPS, VILLAGES = 2, 3
TIMEOUT = 180
HEADERS = [
    "第1步 县里向各村下发任务  Step 1: the county issues a task to every village",
    "第2步 任务送达各村  Step 2: the task reaches every village",
    "第3步 各村接收并完成，一村未回复  "
    "Step 3: the villages accept and complete it; one stays silent",
    "第4步 测试时钟前进6分钟：催办提醒  "
    "Step 4: the clocks move 6 minutes on, past the reminder time",
    "第5步 逾期：自动下发限时整改通知  "
    "Step 5: 5 more minutes, past due: overdue, and a rectification order",
    "第6步 各村导入儿童台账  Step 6: every village imports its children's ledger (儿童台账)",
    "第7步 县里汇总儿童台账  Step 7: the county holds every child, masked, and counts them",
    "第8步 村里更新一名儿童，乡镇退回一条记录  "
    "Step 8: a village updates a child; its township returns another record",
]
RECORD = re.compile(r"^(\d{12}-r\d+)  child  owner (\d{12})  version (\d+)$", re.M)
# states and marks are bilingual ("done 已完成", "OVERDUE 已逾期"): the Chinese word is optional
ROW = re.compile(r"^  (\d{12}) +(pending|delivered|accepted|in-progress|done|unable)(?: \S+)? +"
                 r"(?:(OVERDUE|late)(?: \S+)? +)?(\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?|-) +(\d+) +"
                 r"(\S.*)$")
EVIDENCE = re.compile(r"^ +evidence(?: \S+)?: (\S+) \((\d+) bytes, sha256 ([0-9a-f]{64})\)$")


def show(r):
    return "exit %s\n--- stdout\n%s--- stderr\n%s" % (r.returncode, r.stdout, r.stderr)


def sections(out):
    """{step number: text after its header}, and the text before step 1."""
    parts = {}
    for n, h in enumerate(HEADERS, 1):
        check(out.count("== %s ==" % h) == 1, "the demo's output lacks step %d's header %r" %
              (n, h))
    pos = [out.index("== %s ==" % h) for h in HEADERS] + [len(out)]
    check(pos == sorted(pos), "the steps are not printed in order")
    for n in range(len(HEADERS)):
        parts[n + 1] = out[pos[n]:pos[n + 1]]
    return parts


def matrices(text):
    """Each `directive show` block in text: {id, kind, ref, targets: {id: row}}."""
    found = []
    for block in re.split(r"\n(?=directive )", text)[1:]:
        head = re.match(r"directive(?: 任务)? +(\S+)  (.+)\n", block)
        ref = re.search(r"^ref(?: 依据)? +(\S+)$", block, re.M)
        targets, last = {}, None
        for line in block.splitlines():
            m = ROW.match(line)
            if m:
                last = m.group(1)
                targets[last] = {"state": m.group(2), "late": m.group(3) or "",
                                 "reminded": int(m.group(5)), "evidence": []}
            e = EVIDENCE.match(line)
            if e and last:
                targets[last]["evidence"].append((e.group(1), int(e.group(2)), e.group(3)))
            if line.startswith("$ ") or line.startswith("== "):
                break
        found.append({"id": head.group(1), "kind": head.group(2), "ref": ref and ref.group(1),
                      "targets": targets})
    return found


def inbox_rows(text):
    """{id: line} of the `carenet inbox` tables in text."""
    return {m.group(1): m.group(0) for m in re.finditer(r"^(\d{6}-\d+) .*$", text, re.M)}


def survivors(d):
    r = subprocess.run(["pgrep", "-af", d], capture_output=True, text=True)
    return [line for line in r.stdout.splitlines() if "pgrep" not in line]


def run_demo(net):
    argv = [net.carenet, "demo", "--dir", net.dir, "--townships", str(TOWNSHIPS),
            "--villages", str(VILLAGES), "--duration", "1"]
    t0 = time.monotonic()
    try:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=TIMEOUT)
    except subprocess.TimeoutExpired as e:
        raise TestFailure("%s did not finish within %d s; its nodes: %s" % (
            " ".join(argv), TIMEOUT, survivors(net.dir))) from e
    check(r.returncode == 0, "%s: %s" % (" ".join(argv), show(r)))
    check("all %d nodes stopped cleanly" % len(plan_ids(TOWNSHIPS, VILLAGES)) in r.stderr,
          "the demo does not say every node stopped cleanly: %s" % show(r))
    deadline = time.monotonic() + 10
    while survivors(net.dir) and time.monotonic() < deadline:
        time.sleep(0.1)
    check(not survivors(net.dir), "node processes survived the demo: %s" % survivors(net.dir))
    print("demo: exit 0 after %.1f s, every node stopped" % (time.monotonic() - t0))
    return r.stdout, r.stderr


def check_configs(net, ids):
    for i in ids:
        with open(net.cfg(i)) as f:
            text = f.read()
        check(len(re.findall(r"^test_clock = true;$", text, re.M)) == 1,
              "%s's node.cfg has not exactly one test_clock = true:\n%s" % (i, text))
        n = len(re.findall(r"^deadline = ", text, re.M))
        check(n == (1 if i == COUNTY else 0), "%s's node.cfg has %d deadline groups" % (i, n))


def check_scenario(net, out, villages):
    silent, done = villages[-1], villages[:-1]
    steps = sections(out)
    check("小结 Summary:" in steps[8] and "The network runs for 1 s" in steps[8],
          "no summary, or the network did not run on after the scenario:\n%s" % steps[8])
    first = matrices(steps[1])
    check(len(first) == 1 and sorted(first[0]["targets"]) == villages,
          "step 1: the task's matrix does not list the %d villages: %r" % (len(villages), first))
    task = first[0]["id"]
    delivered = matrices(steps[2])[0]["targets"]
    check({v: t["state"] for v, t in delivered.items()} == {v: "delivered" for v in villages},
          "step 2: not every village delivered: %r" % delivered)
    acked = matrices(steps[3])[0]["targets"]
    check({v: t["state"] for v, t in acked.items()} ==
          dict({v: "done" for v in done}, **{silent: "delivered"}),
          "step 3: expected %s done and %s delivered: %r" % (done, silent, acked))
    path = os.path.join(net.dir, "activity-record-%s.txt" % done[0])
    with open(path, "rb") as f:
        data = f.read()
    want = [(os.path.basename(path), len(data), hashlib.sha256(data).hexdigest())]
    check(acked[done[0]]["evidence"] == want, "step 3: evidence of %s is %r, the file is %r" % (
        done[0], acked[done[0]]["evidence"], want))
    reminded = matrices(steps[4])[0]["targets"]
    check({v: t["reminded"] for v, t in reminded.items()} ==
          dict({v: 0 for v in done}, **{silent: 1}),
          "step 4: expected one reminder, to %s only: %r" % (silent, reminded))
    check(re.search(r"^%s .* delivered(?: \S+)? +1 " % re.escape(task), steps[4], re.M),
          "step 4: %s's inbox does not count one reminder for %s:\n%s" % (silent, task, steps[4]))
    final = matrices(steps[5])
    check(len(final) == 2 and final[0]["id"] == task,
          "step 5: expected the task's matrix and the order's: %r" % final)
    states = {v: (t["state"], t["late"]) for v, t in final[0]["targets"].items()}
    check(states == dict({v: ("done", "") for v in done}, **{silent: ("delivered", "OVERDUE")}),
          "step 5: expected %s done and %s OVERDUE: %r" % (done, silent, states))
    order = final[1]
    check(order["kind"] == "rectification 限时整改通知" and order["ref"] == task and
          list(order["targets"]) == [silent] and
          order["targets"][silent]["state"] == "delivered",
          "step 5: the rectification order should refer to %s and target %s alone: %r" % (
              task, silent, order))
    inbox = inbox_rows(steps[5].split("$ carenet inbox", 1)[-1])
    check(set(inbox) == {task, order["id"]} and "OVERDUE" in inbox[task] and
          "rectification" in inbox[order["id"]],
          "step 5: %s's inbox should hold the overdue task and the order: %r" % (silent, inbox))
    print("demo: %s done, %s reminded, overdue and ordered to rectify (%s, ref %s)" % (
        ", ".join(done), silent, order["id"], task))


def ledgers(net, villages):
    """{village: [row dict]} of the ledgers the demo wrote and imported."""
    found = {}
    for v in villages:
        path = os.path.join(net.dir, "ledger-child-%s.csv" % v)
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        check(3 <= len(rows) <= 5, "%s holds %d children, expected 3 to 5" % (path, len(rows)))
        found[v] = rows
    return found


def check_records(net, out, err, villages):
    steps = sections(out)
    kids = ledgers(net, villages)
    total = sum(len(rows) for rows in kids.values())
    for v in villages:
        cmd = "$ carenet record import -c %s --type child %s" % (
            net.cfg(v), os.path.join(net.dir, "ledger-child-%s.csv" % v))
        check(cmd in steps[6], "step 6: no %r:\n%s" % (cmd, steps[6]))
    listing, _, summary = steps[7].partition("$ carenet ledger summary")
    check("$ carenet record list -c %s --type child" % net.cfg(COUNTY) in listing and summary,
          "step 7: the county's record list and ledger summary are not printed:\n%s" % steps[7])
    held = {}
    for _, owner, _ in RECORD.findall(listing):
        held[owner] = held.get(owner, 0) + 1
    imported = {v: len(rows) for v, rows in kids.items()}
    check(held == imported, "step 7: the county lists %r children a village, the villages "
          "imported %r" % (held, imported))
    names = re.findall(r"^  姓名 name: (.*)$", listing, re.M)
    check(len(names) == total and all(re.fullmatch(r".\*.?", n) for n in names),
          "step 7: the county's listing should show %d masked names: %r" % (total, names))
    counted = {m.group(1): int(m.group(2))
               for m in re.finditer(r"^(\d{12}) +children +(\d+)$", summary, re.M)}
    check(counted == imported, "step 7: the ledger summary counts %r, the villages imported %r"
          % (counted, imported))
    check(re.search(r"^\d{12} +category +留守 +\d+$", summary, re.M) and
          re.search(r"^\d{12} +guardianship +委托监护 +\d+$", summary, re.M),
          "step 7: the summary has no counts by category and guardianship:\n%s" % summary)
    updated = re.search(r"^\$ carenet record update -c \S+ (\S+) --set 居住情况=与父母同住$",
                        steps[8], re.M)
    reviewed = re.search(r"^\$ carenet record review -c \S+ (\S+) --return --note ", steps[8],
                         re.M)
    check(updated and reviewed, "step 8: no record update or review:\n%s" % steps[8])
    history = steps[8].split("$ carenet record history", 1)[-1]
    check(re.search(r"^%s  child  owner \d{12}  version 2\n  changed by \d{12} at \d+: living$"
                    % re.escape(updated.group(1)), history, re.M),
          "step 8: the county's history of %s has no version 2 changing living:\n%s" % (
              updated.group(1), history))
    shown = steps[8].split("$ carenet record show", 1)[-1]
    check(re.search(r"^%s  child" % re.escape(reviewed.group(1)), shown, re.M) and
          "  review: returned\n  review_note: 监护人电话无法接通" in shown,
          "step 8: the county does not show %s returned with its note:\n%s" % (
              reviewed.group(1), shown))
    line = ("儿童台账 Children's ledger: %d of the %d children imported by %d villages reached "
            "the county; personal fields stayed masked" % (total, total, len(villages)))
    check(line in steps[8], "the summary lacks %r:\n%s" % (line, steps[8]))
    for rows in kids.values():
        for row in rows:
            for col in ("姓名", "身份证号", "监护人姓名", "监护人电话", "住址"):
                check(row[col] not in out and row[col] not in err,
                      "the demo printed a child's %s in the clear: %s" % (col, row[col]))
    print("demo: %d children imported by %d villages, all at the county, masked; %s updated, "
          "%s returned" % (total, len(villages), updated.group(1), reviewed.group(1)))


LATER = [
    "第9步 村里发现独居儿童：强制报告  Step 9: a village files an urgent mandatory report",
    "第10步 乡镇受理，县级立案  Step 10: the township acknowledges, the county opens a case",
    "第11步 报告村查看进展：每一跳的时限与受理  "
    "Step 11: the reporting village sees where its report stands (its hops)",
    "第12步 乡镇未按时受理：报告自动上报县级  "
    "Step 12: a township does not acknowledge in time: the report escalates itself",
    "第13步 县级示范标准自评：合规评估  "
    "Step 13: the county checks itself against the demonstration-county standard",
]


def check_later(net, out, villages):
    """Reports (one acknowledged and made a case, one escalated), the county's
    compliance, and the web page the demo leaves running."""
    pos = [out.find("== %s ==" % h) for h in LATER]
    check(all(p >= 0 for p in pos) and pos == sorted(pos),
          "the demo's output lacks steps 9 to 13 in order: %r" % pos)
    step = {n + 9: out[pos[n]:(pos[n + 1] if n + 1 < len(pos) else len(out))]
            for n in range(len(pos))}
    first = re.search(r"^(%s-rep\d+) filed" % re.escape(villages[0]), step[9], re.M)
    check(first, "step 9: no report filed at %s:\n%s" % (villages[0], step[9]))
    check(re.search(r"^ +%s +-> +\d{9} .*acknowledged" % re.escape(villages[0]), step[11], re.M),
          "step 11: the village does not see its hop acknowledged:\n%s" % step[11])
    late = re.search(r"^(%s-rep\d+) filed" % re.escape(villages[-1]), step[12], re.M)
    check(late and re.search(r"^%s +urgent \S+ +escalated \S+ +%s " % (
        re.escape(late.group(1)), COUNTY), step[12], re.M),
          "step 12: the county's list does not show %s escalated and held by %s:\n%s" % (
              late and late.group(1), COUNTY, step[12]))
    html = os.path.join(net.dir, "compliance-%s.html" % COUNTY)
    check(os.path.getsize(html) > 10000 and re.search(
        r"^mca-2018-demo .*: (\d+) indicators — 达标 pass \d+, 未达标 fail \d+", step[13], re.M),
        "step 13: no compliance summary, or %s missing:\n%s" % (html, step[13]))
    web = re.search(r"^网页 Web page: http://127\.0\.0\.1:(\d+)/ ", out, re.M)
    pw = os.path.join(net.dir, "web-password")
    check(web and os.stat(pw).st_mode & 0o777 == 0o600,
          "no web page line, or %s is not 0600:\n%s" % (pw, step[13][-600:]))
    with open(os.path.join(net.dir, "web.log")) as f:
        log = f.read()
    check("serving http://127.0.0.1:%s/" % web.group(1) in log and "stopped" in log,
          "the web process did not serve and stop: %s" % log)
    print("demo: %s acknowledged and a case; %s escalated; compliance written; web page on %s" %
          (first.group(1), late.group(1), web.group(1)))


MOVE = ("第14步 区划调整：一个村迁入另一乡镇，儿童、任务与历史随迁  "
        "Step 14: a village moves to another township: its children, tasks and history go with it")


def check_move(net, out, villages):
    """Step 14: the second village moves to the lowest free code under the other township;
    the county's `move status` shows every step with equal counts and the move complete;
    the node runs under the new id (its log says so), OLD's certificate is revoked, and the
    demo's tree ends with the new id under the new township."""
    old = villages[1]
    new = "530102002%03d" % (VILLAGES + 1)
    check(out.count("== %s ==" % MOVE) == 1 and
          out.index("== %s ==" % MOVE) > out.index("== %s ==" % LATER[-1]),
          "the demo's output lacks step 14 after step 13")
    step = out[out.index("== %s ==" % MOVE):]
    check("$ carenet move %s %s -c " % (old, new) in step, "step 14 does not move %s to %s:\n%s"
          % (old, new, step[:2000]))
    status = step[step.index("$ carenet move status"):step.index("$ carenet ca revoke")]
    rows = re.findall(r"^%s +%s +complete \S+ +(\S+(?: \S+)?) +(old|ready|switched|new|held) +"
                      r"(\d+) " % (old, new), status, re.M)
    steps = {s: int(n) for _, s, n in rows}
    check(set(steps) == {"old", "ready", "switched", "new", "held"} and
          steps["old"] == steps["switched"] == steps["new"] == steps["held"] > 0,
          "step 14: the county's move status is not complete with equal counts:\n%s" % status)
    check(re.search(r"^%s → %s: (Handed over|移交完成).*carenet ca revoke --id %s " % (
        old, new, old), status, re.M), "step 14: no next step under move status:\n%s" % status)
    with open(os.path.join(net.dir, new, "node.log"), errors="replace") as f:
        log = f.read()
    check("this office is now " + new in log, "the moved node's log does not name %s" % new)
    check("revocation list published: 1 revoked" in step,
          "step 14: OLD's certificate not revoked:\n%s" % step[-1500:])
    tree = out[out.index("网络现状 The network now:"):].split("\n\n")[0]
    lines = [ln for ln in tree.splitlines() if re.search(r"\d{9}", ln)]
    ids = [re.search(r"(\d{6,12})", ln).group(1) for ln in lines]
    town = TOWN_NEW if new[:9] == TOWN_OLD else new[:9]  # renumbered in step 16
    check(old not in ids and new in ids and ids.index(new) > ids.index(town) and
          re.search(r"└─ %s .* up" % new, tree),
          "the tree after the move does not show %s, up, under %s:\n%s" % (new, town, tree))
    print("demo: %s moved to %s, complete with %d records on every side" % (
        old, new, steps["old"]))


CLOSE = ("第15步 撤村并村：一个村撤销，儿童转入邻村，未完成的任务状态终止  "
         "Step 15: a village is closed: its children go to a neighbour, its open rows end")


def check_close(net, out, villages):
    """Step 15: the first village's records go to the third (same township), which accepts
    them all; its node stopped, a notice delivered to every other village waits at its row;
    `move close` ends that row as retired; the certificate is revoked (two revoked now);
    the tree shows the village closed and the county's `offices` no longer lists it."""
    gone, into = villages[0], villages[2]
    check(out.count("== %s ==" % CLOSE) == 1 and
          out.index("== %s ==" % CLOSE) > out.index("== %s ==" % MOVE),
          "the demo's output lacks step 15 after step 14")
    step = out[out.index("== %s ==" % CLOSE):out.index("== %s ==" % TOWN)]
    moved = re.search(r"^(\d+) record\(s\) of %s transferred to %s" % (gone, into), step, re.M)
    taken = re.search(r"^(\d+) record\(s\) accepted: owned by %s" % into, step, re.M)
    check(moved and taken and int(moved.group(1)) == int(taken.group(1)) >= VILLAGES,
          "step 15: the records transferred and accepted differ:\n%s" % step[:1500])
    check(re.search(r"^\s*%s +retired \S+" % gone, step, re.M) and
          not re.search(r"^\s*\d{12} +pending", step.split("$ carenet move close")[1], re.M),
          "step 15: the notice's row at %s is not retired, or another is pending:\n%s"
          % (gone, step))
    check("revocation list published: 2 revoked" in step,
          "step 15: the certificate not revoked:\n%s" % step[-1200:])
    tree = out[out.index("网络现状 The network now:"):].split("\n\n")[0]
    check(re.search(r"%s .* closed 已撤销" % gone, tree),
          "the tree does not show %s closed:\n%s" % (gone, tree))
    print("demo: %s closed into %s with %s record(s); the notice's row retired" % (
        gone, into, moved.group(1)))


TOWN = ("第16步 撤乡设镇：乡镇改编码，节点、数据和密钥不变，各村随后逐一切换  "
        "Step 16: a township's code changes: same node, data and CURVE key; its villages "
        "switch afterwards, one by one")
TOWN_OLD, TOWN_NEW = "530102%03d" % TOWNSHIPS, "530102%03d" % (TOWNSHIPS + 1)


def check_town(net, out):
    """Step 16: the last township takes the lowest free township code in place: the
    county's move status shows its move complete (its old and switched steps) and each of
    its villages' moves ready (the new code holds them); its node's log names the new code;
    the tree shows the township up under the new code with its villages up below it, under
    their old codes."""
    check(out.count("== %s ==" % TOWN) == 1 and
          out.index("== %s ==" % TOWN) > out.index("== %s ==" % CLOSE),
          "the demo's output lacks step 16 after step 15")
    step = out[out.index("== %s ==" % TOWN):out.index("小结 Summary")]
    check("$ carenet move %s %s -c " % (TOWN_OLD, TOWN_NEW) in step and
          "--curve-from" in step and "$ carenet move apply" in step,
          "step 16 does not renumber %s to %s:\n%s" % (TOWN_OLD, TOWN_NEW, step[:2000]))
    status = step[step.index("$ carenet move status"):]
    rows = re.findall(r"^%s +%s +complete \S+ +(\S+(?: \S+)?) +(old|switched|held) " % (
        TOWN_OLD, TOWN_NEW), status, re.M)
    check({s for _, s in rows} == {"old", "switched", "held"},
          "step 16: the township's move is not complete:\n%s" % status)
    ready = re.findall(r"^(%s\d{3}) +(%s\d{3}) +ready \S+ +%s +ready " % (
        TOWN_OLD, TOWN_NEW, TOWN_NEW), status, re.M)
    check(len(ready) == VILLAGES + 1 and all(o[9:] == n[9:] for o, n in ready),
          "step 16: not every village's move is ready at the new code:\n%s" % status)
    with open(os.path.join(net.dir, TOWN_NEW, "node.log"), errors="replace") as f:
        check("this office is now " + TOWN_NEW in f.read(), "the township's log lacks the switch")
    tree = out[out.index("网络现状 The network now:"):].split("\n\n")[0]
    lines = tree.splitlines()
    at = [i for i, ln in enumerate(lines) if re.search(r"─ %s .* up" % TOWN_NEW, ln)]
    below = [ln for ln in lines[at[0] + 1:]] if at else []
    check(at and len(below) == VILLAGES + 1 and
          all(re.search(r"   [├└]─ %s\d{3} .* up" % TOWN_OLD, ln) for ln in below) and
          not re.search(r"─ %s " % TOWN_OLD, tree),
          "the tree does not show %s up with its villages under their old codes:\n%s" % (
              TOWN_NEW, tree))
    print("demo: %s renumbered %s in place; its %d villages linked under their old codes, "
          "their moves ready" % (TOWN_OLD, TOWN_NEW, len(ready)))


def check_help_and_setup_only(net):
    r = run_cli([net.carenet, "demo", "--help"])
    check(r.returncode == 0 and "--no-scenario" in r.stdout and "test_clock" in r.stdout,
          "demo --help does not describe --no-scenario and the test clocks: %s" % show(r))
    d = os.path.join(os.path.dirname(net.dir), "setup-only")
    r = run_cli([net.carenet, "demo", "--setup-only", "--dir", d, "--townships", "1",
                 "--villages", "1"], timeout=120)
    check(r.returncode == 0 and "test_clock = true;" in r.stdout,
          "demo --setup-only does not say how to enable a test clock: %s" % show(r))
    for i in plan_ids(1, 1):
        with open(os.path.join(d, i, "node.cfg")) as f:
            text = f.read()
        check("test_clock" not in text and "deadline" not in text,
              "demo --setup-only wrote scenario settings into %s:\n%s" % (i, text))
    print("demo: --help describes the scenario; --setup-only configurations have real clocks")


def check_province(net):
    """demo --province: the province's task relayed to every village and tallied back
    (step 1), then the villages' children at their counties and the month's end: each
    county's roll-up at the province, which counts every child (and no name), judges
    both counties and prints the bulletin over them (step 2); its web page served."""
    d = os.path.join(os.path.dirname(net.dir), "province")
    argv = [net.carenet, "demo", "--province", "--dir", d, "--townships", "1", "--villages",
            "2", "--duration", "1"]
    try:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=TIMEOUT)
    except subprocess.TimeoutExpired as e:
        raise TestFailure("%s did not finish within %d s; its nodes: %s" % (
            " ".join(argv), TIMEOUT, survivors(d))) from e
    out = r.stdout
    check(r.returncode == 0 and "all 10 nodes stopped cleanly" in r.stderr,
          "%s: %s" % (" ".join(argv), show(r)))
    for h in ("1. the province's task to every village, relayed by each county",
              "2. the month's end: each county's roll-up (汇总上报) reaches the province"):
        check(h in out, "demo --province lacks the step %r:\n%s" % (h, out[-3000:]))
    imported = {}
    for m in re.finditer(r"-c \S+/(\d{12})/node.cfg --type child \S+\n((?:\d{12}-r\d+\n)+|(\d+) "
                         r"record\(s\) written)", out):
        imported[m.group(1)] = int(m.group(3)) if m.group(3) else m.group(2).count("-r")
    check(len(imported) == 4, "the villages' imports: %r" % imported)
    kids = {c: sum(n for v, n in imported.items() if v.startswith(c)) for c in
            ("530102", "530103")}
    summary = out[out.index("$ carenet ledger summary"):out.index("$ carenet compliance")]
    for c, n in kids.items():
        check(re.search(r"^%s +children +%d *$" % (c, n), summary, re.M),
              "the province's summary does not count %d children of %s:\n%s" % (n, c, summary))
    check(re.search(r"^5301 +children +%d *$" % sum(kids.values()), summary, re.M),
          "the prefecture's sum is not %d" % sum(kids.values()))
    comp = out[out.index("$ carenet compliance"):out.index("$ carenet bulletin")]
    check("counties 县 2:" in comp and "530102" in comp and "530103" in comp,
          "the province's compliance:\n%s" % comp)
    check(re.search(r"^530102 +\d{4}-\d\d .* %d *$" % kids["530102"],
                    out[out.index("$ carenet bulletin"):], re.M),
          "the province's bulletin row of 530102:\n%s" % out[out.index("$ carenet bulletin"):])
    check("the province's operators' interface" in out, "no web page at the province")
    ledger = ""
    for f in os.listdir(d):
        if f.startswith("ledger-child-"):
            with open(os.path.join(d, f), encoding="utf-8") as fh:
                ledger += fh.read()
    names = [row.split(",")[0].strip('"') for row in ledger.splitlines()
             if row and row[0] not in "姓\ufeff"]
    check(names and not any(n in summary + comp for n in names),
          "a child's name in the province's output")
    print("demo --province: the task relayed and tallied; %d children at the province as "
          "counts (%s), both counties judged, the bulletin, the web page" % (
              sum(kids.values()), kids))


def test(net, args):
    check_help_and_setup_only(net)
    check_province(net)
    out, err = run_demo(net)
    ids = plan_ids(TOWNSHIPS, VILLAGES)
    check_configs(net, ids)
    check_scenario(net, out, [i for i in ids if len(i) == 12])
    check_records(net, out, err, [i for i in ids if len(i) == 12])
    check_later(net, out, [i for i in ids if len(i) == 12])
    check_move(net, out, [i for i in ids if len(i) == 12])
    check_close(net, out, [i for i in ids if len(i) == 12])
    check_town(net, out)


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

#!/usr/bin/env python3
"""carenet demo plays its directives scenario: on a 2 x 3 network the county
issues a task to every village; five accept and complete it (one with an
evidence file), the last stays silent, is reminded, falls overdue and gets a
rectification order. Checked from the demo's own output (each step's header,
the matrices), its exit status and files; no node process may survive it.
demo --setup-only still writes configurations without test clocks (the other
network tests build on them)."""

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
]
ROW = re.compile(r"^  (\d{12}) +(pending|delivered|accepted|in-progress|done|unable) +"
                 r"(OVERDUE|late)? *(\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?|-) +(\d+) +(\S.*)$")
EVIDENCE = re.compile(r"^ +evidence: (\S+) \((\d+) bytes, sha256 ([0-9a-f]{64})\)$")


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
    for block in re.split(r"\n(?=directive  )", text)[1:]:
        head = re.match(r"directive  (\S+)  (.+)\n", block)
        ref = re.search(r"^ref +(\S+)$", block, re.M)
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
    return r.stdout


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
    check("小结 Summary:" in steps[5] and "The network runs for 1 s" in steps[5],
          "no summary, or the network did not run on after the scenario:\n%s" % steps[5])
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
    check(re.search(r"^%s .* delivered +1 " % re.escape(task), steps[4], re.M),
          "step 4: %s's inbox does not count one reminder for %s:\n%s" % (silent, task, steps[4]))
    final = matrices(steps[5])
    check(len(final) == 2 and final[0]["id"] == task,
          "step 5: expected the task's matrix and the order's: %r" % final)
    states = {v: (t["state"], t["late"]) for v, t in final[0]["targets"].items()}
    check(states == dict({v: ("done", "") for v in done}, **{silent: ("delivered", "OVERDUE")}),
          "step 5: expected %s done and %s OVERDUE: %r" % (done, silent, states))
    order = final[1]
    check(order["kind"] == "限时整改通知 rectification" and order["ref"] == task and
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


def test(net, args):
    check_help_and_setup_only(net)
    out = run_demo(net)
    ids = plan_ids(TOWNSHIPS, VILLAGES)
    check_configs(net, ids)
    check_scenario(net, out, [i for i in ids if len(i) == 12])


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

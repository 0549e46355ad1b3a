"""Network test harness: a demo PKI and real carenet node processes on 127.0.0.1.

The tests drive the network only through the CLI, as an operator would:
  carenet demo --setup-only   builds the PKI and one node.cfg per node
  carenet run -c CFG          one process per node (output in DIR/<id>/node.log)
  carenet status -c CFG --json
Nothing here sleeps to "let things settle": wait_for() polls a condition
with a deadline and, on timeout, says what it waited for and what it saw.
Python 3 standard library only.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

COUNTY = "530102"

# carenet status exit statuses (tools/cmd.h)
# The one convention (base/err.h CN_EXIT_TEXT): a node that is not running is "anything else".
EXIT_OK, EXIT_OTHER, EXIT_USAGE, EXIT_UNREACH, EXIT_REFUSED = 0, 1, 2, 1, 4


class TestFailure(Exception):
    """A check failed; the message says what was expected and what was seen."""


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def role_of(node_id):
    return {2: "province", 4: "prefecture", 6: "county", 9: "township",
            12: "village"}[len(node_id)]


def parent_of(node_id):
    return {6: None, 9: node_id[:6], 12: node_id[:9]}[len(node_id)]


def plan_province_ids(counties, townships, villages, prefectures=1):
    """Ids of `demo --province [--prefectures N]`: province, then each
    prefecture followed by its counties' subtrees (county c under c mod N)."""
    ids = ["53"]
    for p in range(prefectures):
        pre = "53%02d" % (p + 1)
        ids.append(pre)
        for c in range(p, counties, prefectures):
            county = "%s%02d" % (pre, c // prefectures + 2)
            for i in plan_ids(townships, villages):
                ids.append(county + i[6:])
    return ids


def plan_ids(townships, villages):
    """Ids the demo uses: county, then each township followed by its villages."""
    ids = [COUNTY]
    for t in range(1, townships + 1):
        tid = "%s%03d" % (COUNTY, t)
        ids.append(tid)
        ids.extend("%s%03d" % (tid, v) for v in range(1, villages + 1))
    return ids


def root_sha256(pem_path):
    """SHA-256 of the DER of the first certificate in a PEM file (what
    'carenet ca init' prints for the root and 'enroll --root-sha256' wants)."""
    import base64
    import hashlib
    with open(pem_path) as f:
        text = f.read()
    b64 = text.split("-----BEGIN CERTIFICATE-----")[1].split("-----END CERTIFICATE-----")[0]
    return hashlib.sha256(base64.b64decode("".join(b64.split()))).hexdigest()


def run_cli(argv, timeout=30):
    """Runs a CLI command to completion; returns CompletedProcess (text)."""
    try:
        return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise TestFailure("%s did not finish within %d s" % (" ".join(argv), timeout)) from e


class Net:
    """A demo network in dir. Every process it starts is killed by cleanup()."""

    def __init__(self, carenet, dir):
        self.carenet = os.path.abspath(carenet)
        self.dir = dir
        self.ids = []
        self.procs = {}     # id -> Popen, for nodes started (and maybe exited)
        self.seen = {}      # id -> last status dict (or None) seen by status()
        self.logs = {}      # id -> open log file
        self.ended = set()  # ids the harness itself stopped or killed (not crashes)
        self.last_problems = None  # what link_problems() last found wrong

    # ---- layout ----
    def cfg(self, node_id):
        return os.path.join(self.dir, node_id, "node.cfg")

    def log_path(self, node_id):
        return os.path.join(self.dir, node_id, "node.log")

    def parent_of(self, node_id):
        """The parent in this network: a county's prefecture (province) when
        the network has one (demo --province), else parent_of."""
        if len(node_id) in (4, 6) and node_id[:len(node_id) - 2] in self.ids:
            return node_id[:len(node_id) - 2]
        return None if len(node_id) == 2 else parent_of(node_id)

    def children_of(self, node_id):
        return [i for i in self.ids if self.parent_of(i) == node_id]

    def setup(self, townships, villages, counties=None, prefectures=1):
        """demo --setup-only; with counties, demo --province --counties N
        [--prefectures P]."""
        argv = [self.carenet, "demo", "--setup-only", "--dir", self.dir,
                "--townships", str(townships), "--villages", str(villages)]
        if counties:
            argv += ["--province", "--counties", str(counties), "--prefectures",
                     str(prefectures)]
        r = run_cli(argv, timeout=120)
        check(r.returncode == 0, "%s exited %d:\n%s%s" % (" ".join(argv), r.returncode,
                                                       r.stdout, r.stderr))
        self.ids = (plan_province_ids(counties, townships, villages, prefectures) if counties
                    else plan_ids(townships, villages))
        for i in self.ids:
            check(os.path.isfile(self.cfg(i)), "demo --setup-only wrote no %s" % self.cfg(i))
            check(self.cfg(i) in r.stdout,
                  "demo --setup-only does not say how to run %s:\n%s" % (i, r.stdout))
        return self.ids

    # ---- processes ----
    def running(self, node_id):
        p = self.procs.get(node_id)
        return p is not None and p.poll() is None

    def start(self, node_id):
        check(not self.running(node_id), "start(%s): already running" % node_id)
        log = open(self.log_path(node_id), "ab")
        log.write(b"==== harness: start %s\n" % node_id.encode())
        log.flush()
        old = self.logs.pop(node_id, None)
        if old:
            old.close()
        self.logs[node_id] = log
        # the new process first, then no longer "ended": a thread polling meanwhile (a
        # Killer restarting the node) never sees the killed one as a crash
        self.procs[node_id] = subprocess.Popen(
            [self.carenet, "run", "-c", self.cfg(node_id)], stdin=subprocess.DEVNULL,
            stdout=log, stderr=log, start_new_session=True)
        self.ended.discard(node_id)

    def start_all(self):
        for i in self.ids:
            self.start(i)

    def stop(self, node_id, timeout=15):
        """SIGTERM and wait; returns the exit status (SIGKILL after timeout is a failure)."""
        p = self.procs[node_id]
        self.ended.add(node_id)
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                raise TestFailure("%s did not stop within %d s of SIGTERM" % (node_id, timeout))
        return p.returncode

    def kill(self, node_id):
        p = self.procs[node_id]
        self.ended.add(node_id)
        if p.poll() is None:
            p.kill()
        p.wait(10)

    def cleanup(self):
        """Stops every started process: SIGTERM, then SIGKILL after a grace period.
        Returns {id: problem} for nodes that did not stop cleanly or had crashed."""
        problems = {i: "exited %s before the end of the test" % p.returncode
                    for i, p in self.procs.items()
                    if p.poll() is not None and p.returncode != 0 and i not in self.ended}
        live = {i: p for i, p in self.procs.items() if p.poll() is None}
        for p in live.values():
            try:
                p.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 10
        for i, p in live.items():
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
                if p.returncode != 0:
                    problems[i] = "exited %s on SIGTERM" % p.returncode
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(10)
                problems[i] = "still running 10 s after SIGTERM (killed)"
        self.ended.update(live)
        for log in self.logs.values():
            log.close()
        self.logs.clear()
        return problems

    # ---- observation ----
    def status(self, node_id):
        """carenet status --json as a dict; None when the node is not running (exit 1, says so)."""
        argv = [self.carenet, "status", "-c", self.cfg(node_id), "--json"]
        r = run_cli(argv, timeout=20)
        if r.returncode == EXIT_UNREACH and ("not running" in r.stderr
                                             or "did not answer" in r.stderr
                                             or "stopped before it answered" in r.stderr):
            self.seen[node_id] = None
            return None
        check(r.returncode == 0, "%s exited %d: %s" % (" ".join(argv), r.returncode,
                                                      r.stderr.strip()))
        try:
            st = json.loads(r.stdout)
        except ValueError as e:
            raise TestFailure("status --json of %s is not JSON (%s):\n%s" %
                              (node_id, e, r.stdout)) from e
        check(isinstance(st, dict), "status --json of %s is not an object" % node_id)
        self.seen[node_id] = st
        return st

    def statuses(self, ids=None):
        return {i: self.status(i) for i in (ids or self.ids)}

    def describe(self, ids=None):
        """One line per node of what was last seen: for failure messages."""
        lines = []
        for i in ids or self.ids:
            p = self.procs.get(i)
            proc = "not started" if p is None else (
                "running" if p.poll() is None else "exited %s" % p.returncode)
            st = self.seen.get(i, "never asked")
            if isinstance(st, dict):
                par = st.get("parent")
                par = "-" if par is None else "%s %s%s" % (
                    par.get("id"), par.get("state"),
                    " (%s)" % par["last_error"] if par.get("last_error") else "")
                kids = ", ".join("%s %s" % (c.get("id"), c.get("state"))
                                 for c in st.get("children", [])) or "-"
                st = "parent: %s; children: %s" % (par, kids)
            elif st is None:
                st = "not reachable"
            lines.append("  %-12s [%s] %s" % (i, proc, st))
        return "\n".join(lines)

    def wait_for(self, pred, timeout, what):
        """Polls pred() every 50 ms until it is true; raises after timeout seconds
        with what and the last state seen."""
        deadline = time.monotonic() + timeout
        polls = 0
        self.last_problems = None
        while True:
            polls += 1
            if pred():
                return polls
            dead = [i for i, p in self.procs.items()
                    if i not in self.ended and p.poll() is not None]
            if dead:
                raise TestFailure("while waiting for %s: node(s) died: %s\n%s\n%s" % (
                    what, ", ".join("%s (status %s)" % (i, self.procs[i].returncode) for i in dead),
                    self.describe(), self.log_tails(dead)))
            if time.monotonic() > deadline or polls > 100000:
                problems = ""
                if self.last_problems:
                    problems = "\nwhat was wrong:\n  " + "\n  ".join(self.last_problems)
                raise TestFailure("timed out after %.0f s waiting for %s; last seen:\n%s%s" % (
                    timeout, what, self.describe(), problems))
            time.sleep(0.05)

    def log_tails(self, ids, lines=15):
        out = []
        for i in ids:
            try:
                with open(self.log_path(i), "rb") as f:
                    tail = f.read().decode("utf-8", "replace").splitlines()[-lines:]
            except OSError:
                tail = ["(no log)"]
            out.append("---- %s (last %d lines of %s)\n%s" % (i, lines, self.log_path(i),
                                                               "\n".join(tail)))
        return "\n".join(out)

    # ---- predicates ----
    def link_problems(self, down=()):
        """What is wrong with the links, from each node's own status, given the
        nodes in `down` are not running: [] when every other node answers, sees
        its parent up (or down, if the parent is in `down`), and lists each direct
        child as up (or down, if the child is in `down`) and no one else as up."""
        down = set(down)
        problems = []
        for i, st in self.statuses([i for i in self.ids if i not in down]).items():
            if st is None:
                problems.append("%s not reachable" % i)
                continue
            par = st.get("parent")
            want_parent = self.parent_of(i)
            if want_parent is None:
                if par is not None:
                    problems.append("%s (the top) reports a parent %r" % (i, par))
            else:
                want = "down" if want_parent in down else "up"
                if not isinstance(par, dict) or par.get("id") != want_parent \
                        or par.get("state") != want:
                    problems.append("%s: parent %s not %s (%r)" % (i, want_parent, want, par))
            listed = {c.get("id"): c.get("state") for c in st.get("children", [])}
            up = set(c for c, state in listed.items() if state == "up")
            want_up = set(c for c in self.children_of(i) if c not in down)
            if up != want_up:
                problems.append("%s: children up %s, expected %s" % (i, sorted(up),
                                                                    sorted(want_up)))
            for c in self.children_of(i):
                if c in down and listed.get(c) != "down":
                    problems.append("%s lists child %s as %r, expected down" % (
                        i, c, listed.get(c, "(absent)")))
        self.last_problems = problems
        return problems

    def all_links_up(self):
        return not self.link_problems()

    def parent_state(self, node_id):
        st = self.status(node_id)
        if not st or not isinstance(st.get("parent"), dict):
            return None
        return st["parent"].get("state")

    def child_state(self, parent_id, child_id):
        """State of child_id in parent_id's children list ('up', 'down', or None if absent)."""
        st = self.status(parent_id)
        if not st:
            return None
        for c in st.get("children", []):
            if c.get("id") == child_id:
                return c.get("state")
        return None


def main(test, description):
    """Runs test(net, args) in a fresh temporary directory; exit 0 on success.
    On failure the directory (configs, node logs) is kept and its path printed."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--carenet", required=True, help="path of the carenet binary")
    ap.add_argument("--probe", help="path of carenet-probe (unused by this test)")
    ap.add_argument("--keep", action="store_true", help="keep the directory even on success")
    args = ap.parse_args()
    if not os.access(args.carenet, os.X_OK):
        print("FAIL: %s is not an executable" % args.carenet, file=sys.stderr)
        return 1
    # Short path: node control sockets live under it and unix socket paths are short.
    d = tempfile.mkdtemp(prefix="cn-net-", dir="/tmp")
    net = Net(args.carenet, os.path.join(d, "net"))
    ok = False
    t0 = time.monotonic()
    problems = {}
    try:
        test(net, args)
        ok = True
    except TestFailure as e:
        print("FAIL: %s" % e, file=sys.stderr)
    except Exception:
        traceback.print_exc()
        print("FAIL: unexpected error (above)", file=sys.stderr)
    finally:
        problems = net.cleanup()
    if problems:
        # A node that crashed or ignored SIGTERM fails the test even if its checks passed.
        print("FAIL: nodes did not end cleanly:\n%s\n%s" % (
            "\n".join("  %s: %s" % kv for kv in sorted(problems.items())),
            net.log_tails(sorted(problems))), file=sys.stderr)
        ok = False
    if ok and not args.keep:
        shutil.rmtree(d, ignore_errors=True)
        print("PASS (%.1f s)" % (time.monotonic() - t0))
        return 0
    print("%s; files kept in %s" % ("PASS" if ok else "FAIL", d),
          file=sys.stderr if not ok else sys.stdout)
    return 0 if ok else 1

"""Operator commands for the directive network tests: configuration edits
before start, the CLI with expected exit statuses, its --json output, and
polling that reports the last value seen when it times out.
Python 3 standard library only."""

import datetime
import json
import os
import re
import signal
import threading
import time

from harness import TestFailure, check, root_sha256, run_cli

from harness import EXIT_OK, EXIT_OTHER, EXIT_USAGE, EXIT_UNREACH, EXIT_REFUSED  # noqa: E402,F401
STATES = ("pending", "delivered", "accepted", "in-progress", "done", "unable", "retired")


def show_run(r):
    return "exit %d\n--- stdout\n%s--- stderr\n%s" % (r.returncode, r.stdout, r.stderr)


# ---- configuration (before a node starts) ----

def cfg_text(net, node_id):
    with open(net.cfg(node_id)) as f:
        return f.read()


def cfg_append(net, node_id, line):
    """Appends a setting (the loader refuses duplicate keys: callers check first)."""
    text = cfg_text(net, node_id)
    with open(net.cfg(node_id), "a") as f:
        if text and not text.endswith("\n"):
            f.write("\n")
        f.write(line.rstrip("\n") + "\n")


def has_key(net, node_id, key):
    return re.search(r"^\s*%s\s*[=:]" % re.escape(key), cfg_text(net, node_id), re.M) is not None


def enable_test_clock(net, node_id):
    if not has_key(net, node_id, "test_clock"):
        cfg_append(net, node_id, "test_clock = true;")


# ---- the CLI ----

def cn(net, *args, code=EXIT_OK, timeout=60):
    """carenet ARGS; checks the exit status; returns the CompletedProcess."""
    argv = [net.carenet] + [str(a) for a in args]
    r = run_cli(argv, timeout=timeout)
    check(r.returncode == code, "carenet %s: expected exit %d, got %s" % (
        " ".join(argv[1:]), code, show_run(r)))
    return r


def cn_json(net, *args):
    r = cn(net, *(list(args) + ["--json"]))
    try:
        return json.loads(r.stdout)
    except ValueError as e:
        raise TestFailure("carenet %s --json is not JSON (%s):\n%s" % (
            " ".join(str(a) for a in args), e, r.stdout)) from e


def issue(net, node_id, to, title, due="+2h", kind="task", extra=()):
    out = cn_json(net, "directive", "issue", "-c", net.cfg(node_id), "--kind", kind, "--to", to,
                  "--title", title, "--due", due, *extra)
    check(isinstance(out, dict) and isinstance(out.get("id"), str) and out["id"],
          "directive issue --json printed no id: %r" % out)
    return out["id"]


def show(net, node_id, did):
    v = cn_json(net, "directive", "show", did, "-c", net.cfg(node_id))
    check(isinstance(v, dict) and v.get("id") == did,
          "directive show %s at %s: not the directive: %r" % (did, node_id, v))
    for key in ("kind", "due", "issuer", "targets", "counts", "title", "body", "ref",
                "indicators"):
        check(key in v, "directive show %s at %s lacks %r: %r" % (did, node_id, key, v))
    for t in v["targets"]:
        for key in ("id", "state", "overdue", "changed_at"):
            check(key in t, "directive show %s at %s: target lacks %r: %r" % (did, node_id, key,
                                                                              t))
        check(t["state"] in STATES, "target state %r is not one of %s" % (t["state"], STATES))
        check(isinstance(t["overdue"], bool), "target overdue is not a boolean: %r" % t)
    return v


def matrix(view):
    """{target id: state} of a directive show --json object."""
    return {t["id"]: t["state"] for t in view["targets"]}


def inbox(net, node_id):
    v = cn_json(net, "inbox", "-c", net.cfg(node_id))
    check(isinstance(v, list), "inbox --json of %s is not an array: %r" % (node_id, v))
    for e in v:
        for key in ("id", "kind", "issuer", "due", "state", "title", "kind_zh", "overdue",
                    "reminders", "changed_at"):
            check(key in e, "inbox --json of %s: an entry lacks %r: %r" % (node_id, key, e))
    return v


def inbox_entries(net, node_id, did):
    return [e for e in inbox(net, node_id) if e["id"] == did]


def ack(net, node_id, did, state, *extra):
    return cn(net, "ack", did, "-c", net.cfg(node_id), "--state", state, *extra)


def advance(net, node_id, duration):
    out = cn_json(net, "clock", "-c", net.cfg(node_id), "--advance", duration)
    check(isinstance(out.get("now"), int) and isinstance(out.get("offset"), int),
          "clock --json: %r" % out)
    return out


def past_month_end(net, node_id):
    """The --advance that takes node_id's clock to the 2nd of its next month, 00:00 China
    time (UTC+8, the roll-ups' months): exactly one month end passed, whatever today's date
    (a plain "32d" passes two from the 30th on). Give the same duration to every node."""
    now = cn_json(net, "clock", "-c", net.cfg(node_id))["now"]
    china = datetime.timezone(datetime.timedelta(hours=8))
    t = datetime.datetime.fromtimestamp(now, china)
    nxt = (t.replace(day=28) + datetime.timedelta(days=4)).replace(
        day=2, hour=0, minute=0, second=0, microsecond=0)
    return "%ds" % (int(nxt.timestamp()) - now)


def audit(net, node_id):
    v = cn_json(net, "audit", "-c", net.cfg(node_id))
    check(isinstance(v, list), "audit --json of %s is not an array: %r" % (node_id, v))
    return v


def poll(net, fn, timeout, what):
    """Polls fn() -> (ok, seen) until ok; on timeout says what it waited for
    and the last value seen (seen None: keep the one before)."""
    last = {}

    def pred():
        ok, seen = fn()
        if seen is not None:
            last["seen"] = seen
        return ok

    try:
        net.wait_for(pred, timeout, what)
    except TestFailure as e:
        raise TestFailure("%s\nlast seen: %s" % (e, json.dumps(last.get("seen"),
                                                               ensure_ascii=False,
                                                               indent=1))) from None
    return last.get("seen")


def wait_registry(net, county, spec, want, timeout=30):
    """Issues probe notices to spec until one expands to exactly the offices in
    want: the county learns the offices below it as they announce themselves,
    and nothing but an issue shows what it knows. Returns the probe ids."""
    probes, last = [], [0.0]

    def attempt():
        if time.monotonic() - last[0] < 0.3:  # a probe is a directive: not too many
            return False, None
        last[0] = time.monotonic()
        r = run_cli([net.carenet, "directive", "issue", "-c", net.cfg(county), "--kind", "notice",
                     "--to", spec, "--title", "registry probe %d" % (len(probes) + 1),
                     "--due", "+30d", "--json"], timeout=60)
        if r.returncode == EXIT_REFUSED and "no known office" in r.stderr:
            return False, r.stderr.strip()
        check(r.returncode == 0, "probe issue to %s: %s" % (spec, show_run(r)))
        did = json.loads(r.stdout)["id"]
        probes.append(did)
        got = sorted(matrix(show(net, county, did)))
        return got == sorted(want), {"probe": did, "targets": got}

    poll(net, attempt, timeout, "%s to know every office of %s" % (county, spec))
    return probes


def netdir_file(net, name, data):
    """Writes a scratch file next to the network; returns its path."""
    path = os.path.join(os.path.dirname(net.dir), name)
    with open(path, "wb") as f:
        f.write(data)
    return path


class Killer(threading.Thread):
    """Kills `victim` with SIGKILL up to `kills` times, at random moments
    (uniform in [0.05, max_wait] s apart, from `rng`), restarting it at once.
    Stop it with .stop.set() and join(); .error holds what went wrong."""

    def __init__(self, net, victim, rng, kills, max_wait):
        super().__init__(daemon=True)
        self.net, self.victim, self.rng = net, victim, rng
        self.max_kills, self.max_wait = kills, max_wait
        self.stop = threading.Event()
        self.kills = 0
        self.error = None

    def run(self):
        try:
            while self.kills < self.max_kills and not self.stop.is_set():
                if self.stop.wait(self.rng.uniform(0.05, self.max_wait)):
                    break
                self.net.kill(self.victim)
                self.kills += 1
                self.net.start(self.victim)
        except Exception as e:  # reported by the main thread
            self.error = e


class Stopped:
    """SIGSTOP a node for a with-block; SIGCONT on the way out, whatever happens."""

    def __init__(self, net, node):
        self.net, self.node = net, node

    def __enter__(self):
        os.kill(self.net.procs[self.node].pid, signal.SIGSTOP)
        return self

    def resume(self):
        if self.node:
            os.kill(self.net.procs[self.node].pid, signal.SIGCONT)
            self.node = None

    def __exit__(self, *exc):
        self.resume()
        return False


def free_port():
    """A loopback TCP port free now (the kernel's choice)."""
    import socket
    with socket.socket() as so:
        so.bind(("127.0.0.1", 0))
        return so.getsockname()[1]


def make_inspector(net, scope, tag):
    """An inspector I<scope>-<tag> issued at the root and enrolled beside the
    network; the path of its node.cfg."""
    d = os.path.join(os.path.dirname(net.dir), "inspector-" + tag)
    root = os.path.join(net.dir, "ca-root")
    cn(net, "init", "--dir", d, "--inspector", "--scope", scope, "--id", tag)
    cn(net, "ca", "issue", "--ca", root, "--csr", os.path.join(d, "request.pem"), "--out",
       os.path.join(d, "bundle"))
    r = cn(net, "enroll", os.path.join(d, "bundle"), "--dir", d, "--root-sha256",
           root_sha256(os.path.join(root, "ca.pem")))
    cfg = r.stdout.strip().splitlines()[-1]
    check(os.path.exists(cfg), "enroll printed no inspector config: %r" % r.stdout)
    return cfg


def county_under_province(net, county, name, province="53"):
    """A county with its own county CA, enrolled with the province's
    certificate as its parent (no prefecture between); set up, not started."""
    d, root = os.path.dirname(net.dir), os.path.join(net.dir, "ca-root")
    nd, ca = os.path.join(net.dir, county), os.path.join(d, "ca-" + county)
    port, sha = free_port(), root_sha256(os.path.join(root, "ca.pem"))
    for argv in (["ca", "init", "--dir", ca, "--scope", county, "--name", name, "--root", root],
                 ["init", "--dir", nd, "--id", county, "--name", name],
                 ["ca", "issue", "--ca", ca, "--csr", os.path.join(nd, "request.pem"),
                  "--endpoint", "tcp://127.0.0.1:%d" % port, "--parent-cert",
                  os.path.join(root, "issued", province + ".pem"), "--parent-endpoint",
                  net.status(province)["listen"]],
                 ["enroll", os.path.join(ca, "issued", county + ".bundle"), "--dir", nd,
                  "--root-sha256", sha]):
        r = run_cli([net.carenet] + argv)
        check(r.returncode == 0, "carenet %s: %s%s" % (" ".join(argv[:2]), r.stdout, r.stderr))
    return county

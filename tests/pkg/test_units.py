#!/usr/bin/env python3
"""The systemd units against the layout enroll writes, in a scratch root.

1. carenet.service and carenet@.service are the same unit but for the
   paths (%i), both Type=notify with a watchdog and the memory limits.
2. A county and a township are enrolled as an operator does on a real
   machine (README.md, "Install as a service"), but under ROOT: the county in
   ROOT/etc/carenet (carenet.service), the township in ROOT/etc/carenet/east
   (carenet@east.service). enroll's default data_dir must be the unit's
   writable ROOT/var/lib/carenet[/east].
3. Each unit's ExecStart line, with /usr/bin/carenet -> the built binary,
   /etc/carenet -> ROOT/etc/carenet and %i -> east, checks the configuration
   (-n), then runs under a fake service manager: READY=1 after start-up,
   WATCHDOG=1 at half WATCHDOG_USEC, RELOADING=1 and READY=1 around SIGHUP,
   STOPPING=1 and exit 0 on SIGTERM; the township's link to the county
   comes up, and a directive's arrival is logged at notice in local time.
Python 3 standard library only; needs no systemd.
"""

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "net"))
from harness import TestFailure, check, root_sha256, run_cli  # noqa: E402

SRC = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def unit(name):
    """A unit file as {section: [(key, value)]}, comments dropped."""
    out, sec = {}, None
    with open(os.path.join(SRC, "config", name)) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            m = re.match(r"\[(\w+)\]$", line)
            if m:
                sec = out.setdefault(m.group(1), [])
                continue
            k, v = line.split("=", 1)
            sec.append((k, v))
    return out


def value(u, sec, key):
    vals = [v for k, v in u[sec] if k == key]
    check(len(vals) == 1, "%s= appears %d times in [%s]" % (key, len(vals), sec))
    return vals[0]


def check_units():
    one, tmpl = unit("carenet.service"), unit("carenet@.service")
    for u in (one, tmpl):
        check(value(u, "Service", "Type") == "notify", "Type=notify")
        check(value(u, "Service", "NotifyAccess") == "main", "NotifyAccess=main")
        check(value(u, "Service", "WatchdogSec") == "30s", "WatchdogSec=30s")
        check(value(u, "Service", "MemoryMax") == "512M", "MemoryMax=512M kept")
        check(value(u, "Service", "ProtectSystem") == "strict", "ProtectSystem=strict")
    # the template is the same unit with %i in the paths
    generic = {s: [(k, v.replace("/%i", "").replace(" %i", "")) for k, v in kv]
               for s, kv in tmpl.items()}
    diff = [(s, a, b) for s in one for a, b in zip(one[s], generic.get(s, []))
            if a != b] + [("length", len(one), len(generic))] * (
                [len(v) for v in one.values()] != [len(v) for v in generic.values()])
    check(not diff, "carenet@.service differs from carenet.service beyond %%i: %s" % diff)
    check("/etc/carenet/%i/node.cfg" in value(tmpl, "Service", "ExecStart"),
          "the template's instance is /etc/carenet/%i")
    check(value(tmpl, "Service", "StateDirectory") == "carenet/%i", "StateDirectory=carenet/%i")
    crl = unit("carenet-crl.timer")
    check(value(crl, "Timer", "Persistent") == "true" and
          value(crl, "Timer", "OnCalendar").startswith("Mon"), "the CRL timer: weekly, persistent")
    return one, tmpl


def exec_start(u, carenet, root, inst=None):
    line = value(u, "Service", "ExecStart")
    if inst:
        line = line.replace("%i", inst)
    argv = shlex.split(line)
    check(argv[0] == "/usr/bin/carenet", "ExecStart runs /usr/bin/carenet: %s" % line)
    return [carenet] + [a.replace("/etc/carenet", root + "/etc/carenet") for a in argv[1:]]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(argv, want=0):
    r = run_cli(argv)
    check(r.returncode == want, "%s: exit %d, wanted %d\n%s%s" %
          (" ".join(argv), r.returncode, want, r.stdout, r.stderr))
    return r


def enroll(carenet, root, ca, sha, node_id, sub, port, parent_port=None):
    d = os.path.join(root, "etc/carenet", sub)
    cli([carenet, "init", "--dir", d, "--id", node_id])
    bundle = cli([carenet, "ca", "issue", "--ca", ca, "--csr", d + "/request.pem", "--endpoint",
                  "tcp://127.0.0.1:%d" % port]).stdout.strip()
    cli([carenet, "enroll", bundle, "--dir", d, "--root-sha256", sha, "--listen",
         "tcp://127.0.0.1:%d" % port])
    with open(os.path.join(d, "node.cfg")) as f:
        text = f.read()
    want = os.path.join(root, "var/lib/carenet", sub).rstrip("/")
    check('data_dir = "%s";' % want in text, "enroll's data_dir is %s:\n%s" % (want, text))
    # what StateDirectory= does before ExecStart
    os.makedirs(want, mode=0o700, exist_ok=True)
    return os.path.join(d, "node.cfg")


class Manager:
    """The service manager's side of the notify protocol."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.path = path

    def expect(self, what, timeout):
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                msg = self.sock.recv(4096).decode()
            except socket.timeout:
                break
            seen.append(msg)
            if what in msg.split("\n"):
                return msg
        raise TestFailure("no %s within %.1f s; got %r" % (what, timeout, seen))


def start(argv, mgr, log):
    env = dict(os.environ, NOTIFY_SOCKET=mgr.path, WATCHDOG_USEC="400000")
    env.pop("WATCHDOG_PID", None)
    return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env)


def test(carenet, root):
    one, tmpl = check_units()
    os.makedirs(os.path.join(root, "etc"), mode=0o755)
    ca_root, ca = os.path.join(root, "ca-root"), os.path.join(root, "ca-530102")
    cli([carenet, "ca", "init", "--dir", ca_root, "--scope", "53", "--name", "root"])
    cli([carenet, "ca", "init", "--dir", ca, "--scope", "530102", "--name", "county",
         "--root", ca_root])
    sha = root_sha256(os.path.join(ca_root, "ca.pem"))
    cport, tport = free_port(), free_port()
    ccfg = enroll(carenet, root, ca, sha, "530102", "", cport)
    tcfg = enroll(carenet, root, ca, sha, "530102001", "east", tport)

    county = exec_start(one, carenet, root)
    town = exec_start(tmpl, carenet, root, "east")
    check(county[-1] == ccfg and town[-1] == tcfg,
          "ExecStart reads the node.cfg enroll wrote: %s, %s" % (county, town))
    for argv in (county, town):
        r = cli(argv + ["-n"])
        check("configuration OK" in r.stderr, "run -n: %s" % r.stderr)

    procs = []
    try:
        for argv, name in ((county, "county"), (town, "east")):
            mgr = Manager(os.path.join(root, name + ".notify"))
            log = open(os.path.join(root, name + ".log"), "w")
            p = start(argv, mgr, log)
            procs.append((p, mgr, name))
            ready = mgr.expect("READY=1", 15)
            check("STATUS=" in ready, "READY=1 comes with a STATUS line: %r" % ready)
            mgr.expect("WATCHDOG=1", 2)
            t0 = time.monotonic()
            mgr.expect("WATCHDOG=1", 2)
            mgr.expect("WATCHDOG=1", 2)
            check(time.monotonic() - t0 < 1.0, "WATCHDOG=1 every ~200 ms (WATCHDOG_USEC/2)")
        deadline = time.monotonic() + 20
        while True:
            r = run_cli([carenet, "status", "-c", tcfg, "--json"])
            if r.returncode == 0 and (json.loads(r.stdout).get("parent") or {}).get("state") == "up":
                break
            check(time.monotonic() < deadline, "the township's link never came up:\n%s%s" %
                  (r.stdout, r.stderr))
            time.sleep(0.2)
        # what an operator must see is logged at notice, in local time (+0800)
        r = cli([carenet, "directive", "issue", "-c", ccfg, "--kind", "task", "--to", "530102001",
                 "--title", "季度活动记录", "--due", "+7d"])
        want = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+0800 carenet\[530102001\] "
                          r"notice: directive 530102-\d+: arrived: task 任务 \"季度活动记录\" "
                          r"from 530102 due ", re.M)
        deadline = time.monotonic() + 20
        while not want.search(open(os.path.join(root, "east.log")).read()):
            check(time.monotonic() < deadline, "no notice of the directive's arrival in the "
                  "township's log:\n%s" % open(os.path.join(root, "east.log")).read()[-3000:])
            time.sleep(0.2)
        p, mgr, _ = procs[0]
        p.send_signal(signal.SIGHUP)
        mgr.expect("RELOADING=1", 5)
        mgr.expect("READY=1", 5)
        for p, mgr, name in reversed(procs):
            p.send_signal(signal.SIGTERM)
            mgr.expect("STOPPING=1", 10)
            check(p.wait(20) == 0, "%s exits 0 on SIGTERM" % name)
    finally:
        for p, _, _ in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--carenet", required=True)
    ap.add_argument("--probe")
    args = ap.parse_args()
    root = tempfile.mkdtemp(prefix="cn-units-", dir="/tmp")
    try:
        test(os.path.abspath(args.carenet), root)
    except TestFailure as e:
        print("FAIL: %s (files kept in %s)" % (e, root), file=sys.stderr)
        return 1
    shutil.rmtree(root, ignore_errors=True)
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Hostile offices against the audit log, the registry and the status matrix
(issue 7: High 4, Medium 11, Low 12, Low 16).

- Every audit entry a control request causes names the operator (`carenet
  --operator NAME`) and the caller's uid and pid.
- Each village sends its township signed checkpoints of its audit log. A
  village whose log is then cut short (the last entries deleted, the head
  fixed) or rewritten (an entry changed and every hash after it recomputed)
  still passes `audit --verify` on its own chain, but `audit --verify
  --checkpoints` with the township's export names the lost entries or where
  the log differs (offline, on the stopped store), and the township, once the
  village's next checkpoint arrives, raises an alert in `status` and in its
  own audit log.
- A township that announces an office with no certificate is refused by the
  county and counted; the office is never registered.
- A village that reports a status 30 days ahead has its changed_at bounded
  by the township's clock (the reported time is kept as reported_at).
- test_clock = true under a root that is not a demo root: the node refuses
  to start."""

import hashlib
import json
import os
import re
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import COUNTY, TestFailure, check, main, run_cli  # noqa: E402
from ops import (EXIT_OK, EXIT_REFUSED, audit, cfg_append, cn, cn_json, inbox_entries,  # noqa: E402
                 issue, poll, show, show_run, wait_registry)

T1 = COUNTY + "001"
V1, V2 = T1 + "001", T1 + "002"
FAKE = T1 + "099"
TIMEOUT = 60


# ---- the attacker's tools: the whole LMDB environment dumped and rebuilt

def tool(name):
    path = shutil.which(name)
    check(path is not None, "%s not found: install lmdb-utils (bash scripts/setup.sh --test)"
          % name)
    return path


def dump_env(data_dir):
    """[(header lines, [(key, value)])] for every named database."""
    r = run_cli([tool("mdb_dump"), "-a", data_dir])
    check(r.returncode == 0, "mdb_dump -a: %s" % show_run(r))
    dbs, cur, pairs = [], None, None
    lines = r.stdout.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("VERSION="):
            cur = [line]
        elif cur is not None and pairs is None:
            cur.append(line)
            if line == "HEADER=END":
                pairs = []
        elif line == "DATA=END":
            dbs.append((cur, pairs))
            cur, pairs = None, None
        else:
            pairs.append((bytes.fromhex(line.strip()), bytes.fromhex(lines[i + 1].strip())))
            i += 1
        i += 1
    return dbs


def load_env(data_dir, dbs, workdir):
    """Writes dbs into a fresh environment and puts it in place of data_dir's."""
    fresh = os.path.join(workdir, "rebuilt")
    shutil.rmtree(fresh, ignore_errors=True)
    os.makedirs(fresh)
    path = os.path.join(workdir, "rebuilt.dump")
    with open(path, "w") as f:
        for header, pairs in dbs:
            f.write("\n".join(header) + "\n")
            for k, v in pairs:
                f.write(" %s\n %s\n" % (k.hex(), v.hex()))
            f.write("DATA=END\n")
    r = run_cli([tool("mdb_load"), "-f", path, fresh])
    check(r.returncode == 0, "mdb_load: %s" % show_run(r))
    shutil.copy(os.path.join(fresh, "data.mdb"), os.path.join(data_dir, "data.mdb"))
    lock = os.path.join(data_dir, "lock.mdb")
    if os.path.exists(lock):
        os.remove(lock)


def db_named(dbs, name):
    for header, pairs in dbs:
        if "database=%s" % name in header:
            return pairs
    raise TestFailure("no database %s in the dump" % name)


def set_head(meta, seq, h):
    for i, (k, _) in enumerate(meta):
        if k == b"audit.head":
            meta[i] = (k, seq.to_bytes(8, "big") + h)
            return
    raise TestFailure("no audit.head in meta")


def truncate_log(data_dir, n, workdir):
    """Deletes the last n entries and points the head at the one before."""
    dbs = dump_env(data_dir)
    log, meta = db_named(dbs, "audit"), db_named(dbs, "meta")
    del log[-n:]
    set_head(meta, int.from_bytes(log[-1][0], "big"), log[-1][1][-32:])
    load_env(data_dir, dbs, workdir)
    return len(log)


def rewrite_log(data_dir, seq, workdir):
    """Flips the case of a letter in entry seq's detail and recomputes every
    hash from there (SHA-256(previous hash || fields), base/audit.c)."""
    dbs = dump_env(data_dir)
    log, meta = db_named(dbs, "audit"), db_named(dbs, "meta")
    prev = b"\0" * 32
    for i, (k, v) in enumerate(log):
        fields = bytearray(v[:-32])
        if int.from_bytes(k, "big") == seq:
            off = 16
            for _ in range(3):
                off += 4 + int.from_bytes(fields[off:off + 4], "big")
            n = int.from_bytes(fields[off:off + 4], "big")
            j = next(j for j in range(off + 4, off + 4 + n) if chr(fields[j]).isalpha())
            fields[j] ^= 0x20
        h = hashlib.sha256(prev + bytes(fields)).digest()
        log[i] = (k, bytes(fields) + h)
        prev = h
    set_head(meta, int.from_bytes(log[-1][0], "big"), prev)
    load_env(data_dir, dbs, workdir)


# ---- the network

def checkpoints(net, office):
    return cn_json(net, "audit", "-c", net.cfg(T1), "checkpoints", "--office", office)


def alerts(net, node_id):
    st = net.status(node_id)
    return st.get("alerts", []) if st else []


def test(net, args):
    tool("mdb_dump")
    tool("mdb_load")
    work = os.path.dirname(net.dir)
    net.setup(1, 2)
    for v in (V1, V2):
        cfg_append(net, v, "audit = { checkpoint_entries = 1; checkpoint_minutes = 1; };")
    net.start_all()
    net.wait_for(net.all_links_up, 60, "all links up")
    wait_registry(net, COUNTY, "%s:village" % COUNTY, [V1, V2])
    did = issue(net, COUNTY, "%s:village" % COUNTY, "hostile audit task", due="+1d")

    # Low 12: the operator and the caller's uid in the audit entries.
    for v in (V1, V2):
        poll(net, lambda: (bool(inbox_entries(net, v, did)), None), TIMEOUT,
             "%s to receive %s" % (v, did))
        cn(net, "--operator", "alice", "ack", did, "-c", net.cfg(v), "--state", "accepted")
        cn(net, "ack", did, "-c", net.cfg(v), "--state", "in-progress")
    acks = [e for e in audit(net, V1) if e["action"] == "ack"]
    want = "operator=alice uid=%d pid=" % os.getuid()
    check(len(acks) == 2 and want in acks[0]["detail"],
          "V1's ack entry does not name %r: %r" % (want, acks))
    check("uid=%d" % os.getuid() in acks[1]["detail"] and "operator=alice" not in
          acks[1]["detail"], "the second ack (no --operator) names: %r" % acks[1])
    print("hostile: audit entries name the caller: %s" % acks[0]["detail"])

    # High 4: the township holds checkpoints of each village's whole log.
    for v in (V1, V2):
        def caught_up():
            n, cps = len(audit(net, v)), checkpoints(net, v)
            return (bool(cps) and cps[-1]["seq"] == n and not cps[-1]["alert"], (n, cps[-1:]))
        poll(net, caught_up, TIMEOUT, "%s's checkpoint of its whole log at %s" % (v, T1))
    r = cn(net, "audit", "-c", net.cfg(T1), "checkpoints", "--csv")
    export = os.path.join(work, "t1-checkpoints.csv")
    with open(export, "w") as f:
        f.write(r.stdout)
    check(r.stdout.startswith("\ufeffoffice,seq,head,"), "checkpoints --csv: %r" % r.stdout[:200])
    r = cn(net, "audit", "-c", net.cfg(V1), "--verify", "--checkpoints", export)
    check("it matches" in r.stdout, "V1 against its checkpoints: %s" % show_run(r))

    for v in (V1, V2):
        check(net.stop(v) == 0, "%s did not stop cleanly" % v)
    n1 = len(checkpoints(net, V1))
    d1, d2 = (os.path.join(net.dir, v, "data") for v in (V1, V2))
    kept = truncate_log(d1, 2, work)
    rewrite_log(d2, 2, work)
    # The chain alone sees nothing (what issue 7 found) ...
    for d in (d1, d2):
        r = cn(net, "audit", "--verify", "--data-dir", d)
        check(r.stdout.startswith("audit log verified"), "plain verify of %s: %s" % (
            d, show_run(r)))
    # ... the parent's checkpoints do, offline, with the entry numbers.
    r = cn(net, "audit", "--verify", "--data-dir", d1, "--checkpoints", export,
           code=EXIT_REFUSED)
    check("truncated" in r.stderr and "this log ends at entry %d: entries %d to %d were "
          "removed" % (kept, kept + 1, kept + 2) in r.stderr, "V1 truncated: %s" % show_run(r))
    r = cn(net, "audit", "--verify", "--data-dir", d2, "--checkpoints", export, "--json",
           code=EXIT_REFUSED)
    out = json.loads(r.stdout)
    check(out["finding"] == "rewritten" and out["verified"] is False and
          "an entry from 1 to " in out["detail"], "V2 rewritten: %r" % out)
    print("hostile: offline verify names them: %s | %s" % (
        r.stderr.strip().splitlines()[-1], out["detail"]))

    # The township flags both once their next checkpoints arrive.
    for v in (V1, V2):
        net.start(v)
    net.wait_for(net.all_links_up, 60, "all links up after the restart")

    def flagged():
        a = alerts(net, T1)
        return (any(x.startswith(V1 + ": audit log truncated") for x in a) and
                any(x.startswith(V2 + ": audit log rewritten") for x in a))
    net.wait_for(flagged, TIMEOUT, "alerts for %s (truncated) and %s (rewritten) at %s" % (
        V1, V2, T1))
    logged = [e for e in audit(net, T1) if e["action"] == "checkpoint-alert"]
    check({e["subject"] for e in logged} == {V1, V2}, "T1's audit of the alerts: %r" % logged)
    cps = checkpoints(net, V1)
    check(len(cps) > n1 and "truncated" in cps[-1]["alert"], "V1's checkpoints: %r" % cps[-2:])
    r = cn(net, "status", "-c", net.cfg(T1))
    check("ALERT" in r.stdout and V1 in r.stdout, "status shows no alert: %s" % r.stdout)
    print("hostile: %s flags %s" % (T1, alerts(net, T1)))

    # Medium 11: a township announcing an office that does not exist.
    probe_args = lambda target, ident: [args.probe, "--endpoint", net.status(target)["listen"],
                                        "--server-cert", os.path.join(net.dir, target,
                                                                      "node.pem"),
                                        "--identity", os.path.join(net.dir, ident)]
    before = net.status(COUNTY)["counters"]["items_refused"]
    check(net.stop(T1) == 0, "T1 did not stop cleanly")
    r = run_cli(probe_args(COUNTY, T1) + ["--send", "announce-forged", "--target", FAKE])
    check(r.returncode == 0, "probe announce-forged: %s" % show_run(r))
    net.wait_for(lambda: net.status(COUNTY)["counters"]["items_refused"] > before, 15,
                 "the county to refuse and count the forged announce")
    offices = [o["id"] for o in cn_json(net, "offices", "-c", net.cfg(COUNTY))]
    check(FAKE not in offices and V1 in offices, "county offices: %r" % offices)
    print("hostile: forged announce of %s refused and counted" % FAKE)
    net.start(T1)
    net.wait_for(net.all_links_up, 60, "all links up after T1's restart")

    # Low 16: a status 30 days ahead is bounded by the township's clock.
    check(net.stop(V2) == 0, "V2 did not stop cleanly")
    r = run_cli(probe_args(T1, V2) + ["--send", "status-future", "--directive", did])
    check(r.returncode == 0, "probe status-future: %s" % show_run(r))

    def bounded():
        row = [t for t in show(net, T1, did)["targets"] if t["id"] == V2][0]
        return (row["state"] == "done", row)
    row = poll(net, bounded, 15, "V2's future status at T1")
    now = int(time.time())
    check(row["changed_at"] <= now + 300 and row["reported_at"] >= now + 29 * 86400,
          "changed_at not bounded: %r (now %d)" % (row, now))
    print("hostile: a status 30 days ahead: changed_at %d (now %d), reported_at %d" % (
        row["changed_at"], now, row["reported_at"]))


    # Low 12: a test clock outside a demo network is refused, loudly.
    real = os.path.join(work, "real-root")
    cn(net, "ca", "init", "--dir", real, "--scope", "53", "--name", "云南省民政厅")
    text = open(net.cfg(V1)).read()
    root = os.path.join(real, "ca.pem")
    check(os.path.exists(root), "ca init wrote no %s: %r" % (root, os.listdir(real)))
    bad = os.path.join(net.dir, V1, "real-root.cfg")  # beside V1's (relative paths)
    with open(bad, "w") as f:
        f.write(re.sub(r'root = "[^"]*";', 'root = "%s";' % root, text) + "test_clock = true;\n")
    check(bad and re.search(r'root = "[^"]*";', text), "no identity.root in %s" % text)
    r = run_cli([net.carenet, "run", "-n", "-c", bad])
    check(r.returncode != 0 and "not a demo root" in r.stderr,
          "run -n with test_clock under a real root: %s" % show_run(r))
    ok = run_cli([net.carenet, "run", "-n", "-c", net.cfg(V1)])
    check(ok.returncode == 0, "run -n of V1's own configuration: %s" % show_run(ok))
    print("hostile: test_clock under a real root refused: %s" % r.stderr.strip()[-160:])


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

#!/usr/bin/env python3
"""The audit log is hash-chained: `carenet audit --verify` passes on a county
that issued a directive and received statuses; then, with the county stopped,
one byte of one entry's detail is changed directly in LMDB (mdb_dump /
mdb_load from lmdb-utils). Started again, the county still lists the log, but
`audit --verify` exits 4 and names the entry that was changed."""

import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import COUNTY, TestFailure, check, main, run_cli  # noqa: E402
from ops import (EXIT_REFUSED, ack, audit, cn, cn_json, inbox_entries, issue, matrix, poll, show,  # noqa: E402
                 show_run, wait_registry)

TOWNSHIPS, VILLAGES = 1, 2
TIMEOUT = 60


def lmdb_tool(name):
    path = shutil.which(name)
    check(path is not None,
          "%s not found: install lmdb-utils (bash scripts/setup.sh --test)" % name)
    return path


def parse_entry(value):
    """seq, time, [actor, action, subject, detail], hash (base/audit.c); the
    offset of each string's bytes."""
    seq, time = int.from_bytes(value[0:8], "big"), int.from_bytes(value[8:16], "big")
    strings, offsets, off = [], [], 16
    for _ in range(4):
        n = int.from_bytes(value[off:off + 4], "big")
        offsets.append(off + 4)
        strings.append(value[off + 4:off + 4 + n])
        off += 4 + n
    check(len(value) == off + 32, "audit value of %d bytes: %d of fields + 32 of hash "
          "expected (has base/audit.c's format changed?)" % (len(value), off))
    return seq, time, strings, offsets


def tamper(data_dir, seq, workdir):
    """Flips the case of the first byte of entry seq's detail; returns the new detail."""
    r = run_cli([lmdb_tool("mdb_dump"), "-s", "audit", data_dir])
    check(r.returncode == 0, "mdb_dump: %s" % show_run(r))
    lines = r.stdout.splitlines()
    check("HEADER=END" in lines and lines[-1] == "DATA=END", "mdb_dump output:\n%s" % r.stdout)
    end = lines.index("HEADER=END")
    header, pairs = lines[:end + 1], lines[end + 1:-1]
    check(all(l.startswith(" ") for l in pairs) and len(pairs) % 2 == 0,
          "mdb_dump data lines are not key/value hex pairs:\n%s" % r.stdout)
    records = {bytes.fromhex(pairs[i].strip()): bytes.fromhex(pairs[i + 1].strip())
               for i in range(0, len(pairs), 2)}
    key = seq.to_bytes(8, "big")
    check(key in records, "no audit entry %d in LMDB (keys %r)" % (seq, sorted(records)))
    value = bytearray(records[key])
    got_seq, _, strings, offsets = parse_entry(bytes(value))
    check(got_seq == seq and strings[3], "entry %d: seq %d, detail %r" % (seq, got_seq,
                                                                       strings[3]))
    check(chr(value[offsets[3]]).isalpha(), "detail of entry %d does not start with a letter: "
          "%r" % (seq, strings[3]))
    value[offsets[3]] ^= 0x20  # 'd' -> 'D': same length, still UTF-8
    path = os.path.join(workdir, "audit-tampered.dump")
    with open(path, "w") as f:
        f.write("\n".join(header) + "\n %s\n %s\nDATA=END\n" % (key.hex(), bytes(value).hex()))
    r = run_cli([lmdb_tool("mdb_load"), "-s", "audit", "-f", path, data_dir])
    check(r.returncode == 0, "mdb_load: %s" % show_run(r))
    return parse_entry(bytes(value))[2][3].decode()


def test(net, args):
    lmdb_tool("mdb_dump")
    lmdb_tool("mdb_load")
    net.setup(TOWNSHIPS, VILLAGES)
    net.start_all()
    net.wait_for(net.all_links_up, 60, "all %d links up" % (len(net.ids) - 1))
    vs = [i for i in net.ids if len(i) == 12]
    wait_registry(net, COUNTY, "%s:village" % COUNTY, vs)
    did = issue(net, COUNTY, "%s:village" % COUNTY, "审计 audited task", due="+1d")
    for v in vs:
        # ack only what has arrived: the village refuses a directive not in its inbox
        poll(net, lambda: (bool(inbox_entries(net, v, did)), None), TIMEOUT,
             "%s to receive %s" % (v, did))
        ack(net, v, did, "done", "--note", "ok")
    poll(net, lambda: (lambda m: (m == {v: "done" for v in vs}, m))(
        matrix(show(net, COUNTY, did))), TIMEOUT, "both villages done at the county")

    entries = audit(net, COUNTY)
    check(len(entries) >= 5 and [e["seq"] for e in entries] == list(range(1, len(entries) + 1)),
          "the county's audit log: %r" % entries)
    r = cn(net, "audit", "-c", net.cfg(COUNTY), "--verify")
    check(r.stdout.strip() == "audit log verified: %d entries" % len(entries),
          "audit --verify: %r (log has %d entries)" % (r.stdout, len(entries)))
    out = cn_json(net, "audit", "-c", net.cfg(COUNTY), "--verify")
    check(out == {"verified": True, "entries": len(entries), "detail": out.get("detail")},
          "audit --verify --json: %r" % out)

    # The entry to change: a status from a village (not the first, not the last).
    victim = [e for e in entries if e["action"] == "status" and e["seq"] > 1][0]
    rc = net.stop(COUNTY)
    check(rc == 0, "the county exited %s on SIGTERM" % rc)
    data_dir = os.path.join(net.dir, COUNTY, "data")
    detail = tamper(data_dir, victim["seq"], os.path.dirname(net.dir))
    net.start(COUNTY)
    net.wait_for(lambda: net.status(COUNTY) is not None, 30, "the county to answer again")

    listed = {e["seq"]: e for e in audit(net, COUNTY)}
    check(listed[victim["seq"]]["detail"] == detail,
          "the tampered detail is not what the county lists: %r vs %r" % (
              listed[victim["seq"]]["detail"], detail))
    r = cn(net, "audit", "-c", net.cfg(COUNTY), "--verify", code=EXIT_REFUSED)
    want = "audit entry %d " % victim["seq"]
    check(want in r.stderr and "verified:" not in r.stdout,
          "audit --verify after tampering with entry %d: stderr should name %r: %s" % (
              victim["seq"], want, show_run(r)))
    r = cn(net, "audit", "-c", net.cfg(COUNTY), "--verify", "--json", code=EXIT_REFUSED)
    try:
        out = json.loads(r.stdout)
    except ValueError as e:
        raise TestFailure("audit --verify --json after tampering: %s" % show_run(r)) from e
    check(out.get("verified") is False and want in out.get("detail", ""),
          "audit --verify --json after tampering: %r" % out)
    print("audit: verified %d entries; entry %d changed in LMDB is named by --verify (exit 4)" % (
        len(entries), victim["seq"]))


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

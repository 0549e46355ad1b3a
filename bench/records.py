#!/usr/bin/env python3
"""Benchmark 8: field records, a big import up to the county (issue 8).

Network: county 530102, township 530102001, village 530102001001 (1+1+1).
Each run is a fresh network:

  import       `carenet record import --type child FILE --json` of N children
               (default 10,000) at the village, timed around the CLI process:
               parse, validate, seal every version's personal fields, write,
               sign in batches that each fit a frame, one fsync'd commit.
  to county    from the start of that import until the county's
               items_applied has grown by N (every version applied and
               committed there; applies commit before they are acked), then
               until the village's and the township's outboxes are empty
               (every acknowledgement applied on disk).
  bytes        records db at the village and at the county: (branch + leaf +
               overflow pages) x page size / children, from `mdb_stat -e -s
               records` on a copy (`mdb_copy -c`) of the running store.
  list         M more children (default 5,000) imported and arrived, then
               `carenet record list --type child --json` at the county over
               all N + M (median of 3 calls; and once with --reveal).

  bench/records.py --carenet build-bench/carenet [--count 10000] [--more 5000] [--runs 3]
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402

C, T, V = "530102", "530102001", "530102001001"
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
GIVEN = "一二三四五六七八九十明华国庆红梅兰竹菊春夏秋冬山水"
HEAD = ("姓名,性别,出生日期,身份证号,户籍登记,住址,类别,监护状况,居住情况,就学情况,参保情况,"
        "监护人姓名,监护人关系,监护人电话")


def idnum(birth, seq):
    body = "530102" + birth.replace("-", "") + "%03d" % seq
    return body + "10X98765432"[sum(int(a) * b for a, b in zip(body, W)) % 11]


def child_row(k):
    """The k-th child: the shape tests/net/test_records.py uses, unique ID numbers."""
    d = k % 2688
    birth = "20%02d-%02d-%02d" % (10 + d // 336, 1 + d // 28 % 12, 1 + d % 28)
    name = SURNAMES[k % len(SURNAMES)] + GIVEN[k % len(GIVEN)] + GIVEN[(k * 7 + 3) % len(GIVEN)]
    return ",".join([name, "男" if k % 2 else "女", birth, idnum(birth, k // 2688 % 1000), "是",
                     "红云街道%d号" % k, "留守", "委托监护", "与祖辈同住", "学龄前",
                     "城乡基本医疗保险", name[0] + "大山", "祖父母", "138%08d" % k])


def write_csv(path, first, n):
    with open(path, "w", encoding="utf-8") as f:
        f.write(HEAD + "\r\n")
        for k in range(first, first + n):
            f.write(child_row(k) + "\r\n")


def cli(net, *argv, timeout=600):
    t0 = time.monotonic()
    r = bl.run([net.carenet] + list(argv), timeout=timeout, check=False)
    dt = time.monotonic() - t0
    if r.returncode != 0:
        raise bl.BenchError("carenet %s exited %d: %s" % (" ".join(argv[:3]), r.returncode,
                                                          (r.stderr or r.stdout).strip()[:400]))
    return r, dt


def wait_for(pred, timeout, what):
    deadline = time.monotonic() + timeout
    for _ in range(1000000):
        if pred():
            return time.monotonic()
        if time.monotonic() > deadline:
            raise bl.BenchError("timed out (%d s) waiting for %s" % (timeout, what))
        time.sleep(0.01)
    raise bl.BenchError("poll cap waiting for %s" % what)


def db_bytes(net, node_id, db="records"):
    """Bytes the db's pages take in a compacted copy of the node's store."""
    tmp = os.path.join(net.top, "copy-%s" % node_id)
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    bl.run(["mdb_copy", "-c", net.data_dir(node_id), tmp], timeout=120)
    out = bl.run(["mdb_stat", "-e", "-s", db, tmp], timeout=60).stdout
    shutil.rmtree(tmp, ignore_errors=True)
    psize = int(re.search(r"Page size: (\d+)", out).group(1))
    pages = sum(int(re.search(r"%s pages: (\d+)" % k, out).group(1))
                for k in ("Branch", "Leaf", "Overflow"))
    return pages * psize


def arrive(net, args, first, n, timeout):
    """Imports n children at the village; seconds of the import and until the
    county applied them all and every outbox is acknowledged."""
    path = os.path.join(net.top, "children-%d.csv" % first)
    write_csv(path, first, n)
    base = net.counter(C, "items_applied")
    t0 = time.monotonic()
    r, import_s = cli(net, "record", "import", "-c", net.cfg(V), "--type", "child", path,
                      "--json")
    ids = json.loads(r.stdout)["ids"]
    if len(ids) != n:
        raise bl.BenchError("import returned %d ids, expected %d" % (len(ids), n))
    t_county = wait_for(lambda: net.counter(C, "items_applied") >= base + n, timeout,
                        "%d versions at the county" % n)
    t_acked = wait_for(lambda: net.counter(V, "outbox_pending") == 0 and
                       net.counter(T, "outbox_pending") == 0, timeout, "every ack applied")
    os.unlink(path)
    return import_s, t_county - t0, t_acked - t0


def one_run(args):
    net = bl.BenchNet(args.carenet, args.base, args.keep)
    try:
        net.setup(1, 1)
        net.start_all(piped=True)
        net.wait_links_up(60)
        busy = bl.wait_quiet(args.quiet, args.quiet_wait)
        cpu0 = {i: bl.proc_cpu(net.pid(i)) for i in (C, T, V)}
        v_before, c_before = db_bytes(net, V), db_bytes(net, C)
        import_s, county_s, acked_s = arrive(net, args, 0, args.count, args.timeout)
        cpu1 = {i: bl.proc_cpu(net.pid(i)) for i in (C, T, V)}
        row = {"n": args.count, "import_s": import_s, "to_county_s": county_s,
               "all_acked_s": acked_s, "cpu_busy_before": busy,
               "cpu_s": {i: cpu1[i] - cpu0[i] for i in cpu0},
               "village_bytes_per_child": (db_bytes(net, V) - v_before) / args.count,
               "county_bytes_per_child": (db_bytes(net, C) - c_before) / args.count}
        row["children_per_s"] = args.count / county_s
        if args.more:
            row["more_import_s"], row["more_to_county_s"], _ = arrive(
                net, args, args.count, args.more, args.timeout)
        total = args.count + args.more
        times = []
        for _ in range(3):
            r, dt = cli(net, "record", "list", "-c", net.cfg(C), "--type", "child", "--json")
            got = len(json.loads(r.stdout))
            if got != total:
                raise bl.BenchError("the county lists %d children, expected %d" % (got, total))
            times.append(dt)
        row["list_total"] = total
        row["list_s"] = sorted(times)[1]
        _, row["list_reveal_s"] = cli(net, "record", "list", "-c", net.cfg(C), "--type",
                                      "child", "--json", "--reveal")
        row["loadavg"] = bl.loadavg()
        return row
    finally:
        net.cleanup()


def table(rows, fields):
    lines = ["| measure | median | min | max |", "|---|---:|---:|---:|"]
    for key, what, d in fields:
        s = bl.summary([r[key] for r in rows])
        lines.append("| %s | %.*f | %.*f | %.*f |" % (what, d, s["median"], d, s["min"], d,
                                                     s["max"]))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    bl.common_args(ap)
    ap.add_argument("--count", type=int, default=10000, help="N children imported (10000)")
    ap.add_argument("--more", type=int, default=5000,
                    help="M more before listing at the county (5000)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=300.0)
    args = ap.parse_args()
    if not 1 <= args.runs <= 20 or not 1 <= args.count <= 100000 or not 0 <= args.more <= 100000:
        ap.error("--runs 1..20, --count 1..100000, --more 0..100000")
    for tool in ("mdb_copy", "mdb_stat"):
        if not shutil.which(tool):
            ap.error("%s not found (lmdb-utils)" % tool)
    out = {"benchmark": "records", "machine": bl.machine(), "command": " ".join(sys.argv),
           "count": args.count, "more": args.more, "runs": []}
    try:
        for r in range(args.runs):
            row = one_run(args)
            out["runs"].append(row)
            bl.log("run %d: import %d in %.2f s; all at the county after %.2f s, all acked "
                   "after %.2f s; %.0f / %.0f bytes per child (village / county); list of %d "
                   "at the county %.2f s" % (
                       r + 1, args.count, row["import_s"], row["to_county_s"],
                       row["all_acked_s"], row["village_bytes_per_child"],
                       row["county_bytes_per_child"], row["list_total"], row["list_s"]))
        rows = out["runs"]
        print("### Records, N=%d children at one village, 1+1+1, %d runs\n" % (
            args.count, args.runs))
        print(table(rows, (
            ("import_s", "`record import` of N at the village, CLI wall time (s)", 2),
            ("to_county_s", "from the import's start to all N applied at the county (s)", 2),
            ("all_acked_s", "... and every outbox acknowledged (s)", 2),
            ("children_per_s", "children/s end to end (N / to county)", 0),
            ("village_bytes_per_child", "records db bytes per child, village", 0),
            ("county_bytes_per_child", "records db bytes per child, county", 0),
            ("list_s", "`record list --type child --json` at the county, N+M children (s)", 2),
            ("list_reveal_s", "the same with --reveal (s)", 2))))
    except bl.BenchError as e:
        print("FAIL: %s" % e, file=sys.stderr)
        return 1
    finally:
        bl.write_json(args.json, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

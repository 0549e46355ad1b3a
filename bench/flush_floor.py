#!/usr/bin/env python3
"""The disk's floor under issue 13's "one directive to 300 villages" (p50 < 100 ms): what N
processes committing at once cost on this machine's one disk, with nothing else to do. Each
child does what one durable LMDB commit of one page does (base/store.c, LMDB's default sync
mode): pwrite a 4 KiB data page and fdatasync, then pwrite the 4 KiB meta page through an
O_DSYNC descriptor (two device flushes). Its file is preallocated and written once first, so
no commit changes the inode (as the store's 256 KiB of zeros do).

  bench/flush_floor.py [--procs 300] [--runs 5] [--serial 200] [--dir /tmp]

Prints one commit alone (median of --serial), and for --procs children released at once (each
its own file, as each village has its own store): the time until the last is done, and the
children's own latencies, median of --runs; then the same children writing without a flush,
interleaved with those runs, for what the processes alone cost. In the fan-out a village commits once per
directive and is not done until its commit is, so that time is a floor under the delivery of
one directive to --procs villages before any CPU is spent."""

import argparse
import os
import statistics
import sys
import tempfile
import time

PAGE = 4096


def prepare(path, sync=True):
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, b"\0" * (64 * PAGE))
    os.fsync(fd)
    meta = os.open(path, os.O_WRONLY | (os.O_DSYNC if sync else 0))
    return fd, meta


def commit(fd, meta, k, sync=True):
    os.pwrite(fd, bytes([k & 0xff]) * PAGE, (2 + k % 60) * PAGE)
    if sync:
        os.fdatasync(fd)
    os.pwrite(meta, bytes([k & 0xff]) * PAGE, (k % 2) * PAGE)


def serial(d, n):
    fd, meta = prepare(os.path.join(d, "serial"))
    lat = []
    for k in range(n):
        t = time.perf_counter()
        commit(fd, meta, k)
        lat.append(time.perf_counter() - t)
    os.close(fd)
    os.close(meta)
    return statistics.median(lat) * 1e3


def concurrent(d, procs, sync=True):
    """Wall ms from release to the last child done; the children's own median ms. Without
    sync the same writes with no flush: what the processes alone cost (fork's children
    waking, writing and exiting on this machine's CPUs)."""
    files = [prepare(os.path.join(d, "c%d" % i), sync) for i in range(procs)]
    go_r, go_w = os.pipe()
    res_r, res_w = os.pipe()
    pids = []
    for i in range(procs):
        pid = os.fork()
        if pid == 0:
            os.close(go_w)
            os.read(go_r, 1)
            t = time.perf_counter()
            commit(files[i][0], files[i][1], i, sync)
            os.write(res_w, ("%.6f\n" % (time.perf_counter() - t)).encode())
            os._exit(0)
        pids.append(pid)
    os.close(go_r)
    os.close(res_w)
    time.sleep(0.5)  # every child blocked on the pipe
    t0 = time.perf_counter()
    os.write(go_w, b"g" * procs)
    for pid in pids:
        os.waitpid(pid, 0)
    wall = time.perf_counter() - t0
    own = []
    with os.fdopen(res_r) as f:
        own = [float(x) for x in f.read().split()]
    os.close(go_w)
    for fd, meta in files:
        os.close(fd)
        os.close(meta)
    if len(own) != procs:
        sys.exit("flush_floor: %d of %d children reported" % (len(own), procs))
    return wall * 1e3, statistics.median(own) * 1e3


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--procs", type=int, default=300)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--serial", type=int, default=200)
    ap.add_argument("--dir", default="/tmp")
    a = ap.parse_args()
    if not 1 <= a.procs <= 2000 or not 1 <= a.runs <= 50 or not 1 <= a.serial <= 10000:
        sys.exit("flush_floor: --procs 1..2000, --runs 1..50, --serial 1..10000")
    with tempfile.TemporaryDirectory(prefix="flush-floor-", dir=a.dir) as d:
        one = serial(d, a.serial)
        runs, bare = [], []
        for _ in range(a.runs):  # interleaved, so both see the same machine
            runs.append(concurrent(d, a.procs))
            bare.append(concurrent(d, a.procs, sync=False))
    walls, owns = [r[0] for r in runs], [r[1] for r in runs]
    print("one commit alone: median %.2f ms (%d commits, 2 flushes each)" % (one, a.serial))
    print("%d commits at once, each its own file: all done after median %.1f ms "
          "(runs: %s); a child's own commit median %.1f ms" % (
              a.procs, statistics.median(walls), ", ".join("%.1f" % w for w in walls),
              statistics.median(owns)))
    print("the same without a flush (the processes alone): all done after median %.1f ms "
          "(runs: %s)" % (statistics.median([b[0] for b in bare]),
                          ", ".join("%.1f" % b[0] for b in bare)))


if __name__ == "__main__":
    main()

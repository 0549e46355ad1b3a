#!/usr/bin/env python3
"""Urgent ahead of bulk (issue 9): a village imports a large ledger (N children, the bulk
lane) while the county is stopped (SIGSTOP), so the township holds all N records queued for
the county; then a report is filed at the village and reaches the township. The county
resumes (SIGCONT): the report must reach it ahead of the queued records. The township's bulk
window (delivery.window_bulk = 1) bounds what was already in flight to the stopped county;
a report that queued behind the bulk would wait for every record, one on its own lane does
not. Asserted as an order, never as a time: when the county first holds the report it has
applied fewer than N of the records, and later it applies all N (nothing of the bulk is
lost or skipped for the report). The time is printed, not judged (bench/report_latency.py
measures it)."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, main  # noqa: E402
from ledger_data import child, csv_text  # noqa: E402
from ops import Stopped, cfg_append, cn_json, netdir_file, poll  # noqa: E402

N = 12000


def applied(net, node):
    st = cn_json(net, "status", "-c", net.cfg(node))
    return int(st["counters"]["items_applied"])


def held(net, node, rid):
    v = cn_json(net, "report", "list", "-c", net.cfg(node))
    return any(x["id"] == rid for x in v), v


def test(net, args):
    ids = net.setup(1, 1)
    county, township, village = ids[0], ids[1], ids[2]
    cfg_append(net, township, "delivery = { window_bulk = 1; };")
    net.start_all()
    net.wait_for(net.all_links_up, 60, "all links up")
    base = applied(net, county)
    path = netdir_file(net, "ledger.csv", csv_text([child(k) for k in range(N)]).encode())
    with Stopped(net, county) as stopped:
        out = cn_json(net, "record", "import", "-c", net.cfg(village), "--type", "child", path)
        check(len(out["ids"]) == N, "import: %d ids, expected %d" % (len(out["ids"]), N))
        poll(net, lambda: (applied(net, township) >= N, None), 120,
             "all %d records at the township" % N)
        rid = cn_json(net, "report", "file", "-c", net.cfg(village), "--situation", "S01",
                      "--summary", "独居儿童", "--description", "女孩 约6岁")["id"]
        poll(net, lambda: held(net, township, rid), 60, "report %s at the township" % rid)
        t0 = time.monotonic()
        stopped.resume()
        poll(net, lambda: held(net, county, rid), 60, "report %s at the county" % rid)
    latency = time.monotonic() - t0
    behind = applied(net, county) - base
    print("report at the county %.0f ms after it resumed; %d of %d records applied there "
          "then" % (latency * 1e3, behind, N))
    check(behind < N, "the county had applied all %d records before the report arrived: the "
          "report waited behind the bulk lane" % N)

    def all_records():
        got = applied(net, county) - base
        return got >= N + 1, got
    poll(net, all_records, 300, "all %d records (and the report) at the county" % N)
    summary = cn_json(net, "ledger", "summary", "-c", net.cfg(county))
    check(summary.get(village, {}).get("children") == N,
          "the county's ledger summary does not count %d children of %s: %r" % (
              N, village, summary))


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

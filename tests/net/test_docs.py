#!/usr/bin/env python3
"""Documents (issue 8, item 6) on a county, one township and two villages:
a 1 MB file attached at a village (`doc add --record`) is held complete at
the township and the county, and `doc get` there writes it back
byte-identical; `doc get` of an unknown hash is refused. An ack's
`--evidence` file reaches the county as a document. A file over
records.max_document is refused at attach with its message. The township is
SIGKILLed while an 8 MB document is on its way and restarted: the county
still ends with the document complete, held once, nothing refused."""

import hashlib
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, main, run_cli  # noqa: E402
from ops import (EXIT_OK, ack, cfg_append, cn, cn_json, inbox_entries, issue,  # noqa: E402
                 netdir_file, poll)

EXIT_REFUSED = 4


def docs_at(net, node):
    return {d["sha256"]: d for d in cn_json(net, "doc", "list", "-c", net.cfg(node))}


def complete_at(net, node, sha):
    def pred():
        d = docs_at(net, node).get(sha)
        return bool(d and d["complete"] and d["held"] == d["chunks"]), d
    return pred


def fetched(net, node, sha, name):
    out = os.path.join(os.path.dirname(net.dir), name)
    cn(net, "doc", "get", "-c", net.cfg(node), sha, "--out", out)
    with open(out, "rb") as f:
        return f.read()


def test(net, args):
    ids = net.setup(1, 2)
    county, township = ids[0], ids[1]
    v1, v2 = [i for i in ids if len(i) == 12]
    cfg_append(net, v2, "records = { max_document = 2097152; };")
    net.start_all()
    net.wait_for(net.all_links_up, 60, "every link up")

    # 1 MB at a village, fetched byte-identical at the township and the county.
    data = os.urandom(1 << 20)
    path = netdir_file(net, "会议记录-minutes.bin", data)
    sha = hashlib.sha256(data).hexdigest()
    d = cn_json(net, "doc", "add", "-c", net.cfg(v1), path, "--record", v1 + "-r1")
    check(d["sha256"] == sha and d["size"] == len(data) and d["chunks"] == 4 and d["complete"],
          "doc add --json: %r" % d)
    poll(net, complete_at(net, county, sha), 60, "the 1 MB document complete at the county")
    for node in (township, county):
        got = fetched(net, node, sha, "got-%s.bin" % node)
        check(got == data, "doc get at %s: %d bytes, differ from the %d attached" % (
            node, len(got), len(data)))
        d = docs_at(net, node)[sha]
        check(d["origin"] == v1 and d["record"] == v1 + "-r1" and
              d["name"] == "会议记录-minutes.bin", "doc list at %s: %r" % (node, d))
    r = run_cli([net.carenet, "doc", "get", "-c", net.cfg(county), "0" * 64, "--out",
                 os.path.join(os.path.dirname(net.dir), "none.bin")])
    check(r.returncode == EXIT_REFUSED and "no document" in r.stderr,
          "doc get of an unknown hash: %d %s" % (r.returncode, r.stderr))
    print("docs: 1 MB from %s byte-identical at %s and %s" % (v1, township, county))

    # An ack's evidence file reaches the county as a document.
    did = issue(net, county, "%s:village" % county, "培训签到表 training sign-in")
    poll(net, lambda: (bool(inbox_entries(net, v2, did)), None), 60, "the task at " + v2)
    ev = os.urandom(300000) + "签到表".encode()
    evpath = netdir_file(net, "签到表.jpg", ev)
    ack(net, v2, did, "done", "--evidence", evpath)
    esha = hashlib.sha256(ev).hexdigest()
    poll(net, complete_at(net, county, esha), 60, "the evidence file complete at the county")
    check(fetched(net, county, esha, "evidence.jpg") == ev, "evidence differs at the county")
    check(docs_at(net, county)[esha]["record"] == did, "evidence document not of %s" % did)
    print("docs: ack evidence of %s at the county (%d bytes)" % (did, len(ev)))

    # Over the cap (2 MiB at v2): refused at attach, with the cap in the message.
    big = netdir_file(net, "too-big.bin", os.urandom(3 << 20))
    r = run_cli([net.carenet, "doc", "add", "-c", net.cfg(v2), big])
    check(r.returncode == EXIT_REFUSED and "over records.max_document (2097152 bytes)" in r.stderr,
          "a 3 MiB file at a 2 MiB cap: %d %s" % (r.returncode, r.stderr))
    check(hashlib.sha256(open(big, "rb").read()).hexdigest() not in docs_at(net, v2),
          "the refused file is held at %s" % v2)

    # SIGKILL of the township while 8 MB (32 chunks) travel.
    data = os.urandom(8 << 20)
    path = netdir_file(net, "photo-sign.bin", data)
    sha = hashlib.sha256(data).hexdigest()
    cn(net, "doc", "add", "-c", net.cfg(v1), path)
    for delay in (0.05, 0.3):
        time.sleep(delay)
        net.kill(township)
        net.start(township)
    net.wait_for(net.all_links_up, 60, "every link up after the kills")
    poll(net, complete_at(net, county, sha), 120, "the 8 MB document complete at the county")
    check(fetched(net, county, sha, "photo.bin") == data, "8 MB document differs at the county")
    held = [s for s in docs_at(net, county) if s == sha]
    check(len(held) == 1, "the county lists the document %d times" % len(held))
    st = net.status(county)["counters"]
    check(st["items_refused"] == 0, "the county refused items: %r" % st)
    print("docs: township killed twice during 8 MB; complete once at the county "
          "(items_duplicate=%d)" % st["items_duplicate"])
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

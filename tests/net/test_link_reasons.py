#!/usr/bin/env python3
"""Item 8: status says why the parent link is down, in plain words: a village
pointed at a port where nothing listens shows "connection refused", one holding
the wrong parent.pem (another server key) shows "CURVE handshake failed"."""

import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, main  # noqa: E402


def reason(net, node_id):
    st = net.status(node_id) or {}
    return ((st.get("parent") or {}).get("last_error") or "")


def test(net, args):
    county, town, v1, v2 = net.setup(1, 2)
    # v1: its parent's port plus 50, where nothing listens
    cfg = net.cfg(v1)
    with open(cfg) as f:
        text = f.read()
    text = re.sub(r'tcp://127\.0\.0\.1:(\d+)', lambda m: "tcp://127.0.0.1:%d" % (
        int(m.group(1)) + 50), text, count=1)
    with open(cfg, "w") as f:
        f.write(text)
    # v2: the county's certificate as its parent's: another CURVE server key
    vdir = os.path.dirname(net.cfg(v2))
    shutil.copy(os.path.join(os.path.dirname(net.cfg(county)), "node.pem"),
                os.path.join(vdir, "parent.pem"))
    net.start(county)
    net.start(town)
    net.start(v1)
    net.start(v2)
    net.wait_for(lambda: "connection refused" in reason(net, v1), 30,
                 "%s's status to say the connection was refused" % v1)
    check("wrong port" in reason(net, v1), "v1: %r" % reason(net, v1))
    net.wait_for(lambda: "CURVE handshake failed" in reason(net, v2), 30,
                 "%s's status to say the CURVE handshake failed" % v2)
    check("wrong server key" in reason(net, v2), "v2: %r" % reason(net, v2))
    r = net.status(v2)
    check(r["parent"]["state"] == "down", "v2's parent up with a wrong key: %r" % r["parent"])
    print("link reasons: connection refused, wrong server key")


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

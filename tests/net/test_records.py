#!/usr/bin/env python3
"""Field records flow up (issue 8): a ledger imported at every village of a
1 + 2 + 4 network reaches the county with every field equal; updates and
closes follow; bad files are refused with exact FILE:LINE:COLUMN messages
and change nothing; GB18030 and UTF-8-with-BOM files import; a township
cannot write a village's record; no node's raw data.mdb (village, township
or county) and no node's log holds any child's name or ID number."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, main  # noqa: E402
from ops import EXIT_OK, cn, cn_json, poll  # noqa: E402
from ledger_data import COLS, child, csv_text, idnum  # noqa: E402,F401

EXIT_REFUSED = 4
PER_VILLAGE = 5


def write(net, name, text, encoding="utf-8"):
    path = os.path.join(net.dir, name)
    with open(path, "wb") as f:
        f.write(text.encode(encoding) if isinstance(text, str) else text)
    return path


def records(net, node, reveal=True):
    args = ["record", "list", "-c", net.cfg(node), "--type", "child"]
    return cn_json(net, *(args + (["--reveal"] if reveal else [])))


def test(net, args):
    ids = net.setup(2, 2)
    county, townships = ids[0], [i for i in ids if len(i) == 9]
    villages = [i for i in ids if len(i) == 12]
    net.start_all()
    net.wait_for(net.all_links_up, 60, "every link up")

    # 1. a ledger at every village; the county holds every child, every field equal
    want, k = {}, 0
    for v in villages:
        kids = [child(k + i) for i in range(PER_VILLAGE)]
        k += PER_VILLAGE
        path = write(net, "ledger-%s.csv" % v, csv_text(kids))
        r = cn(net, "record", "import", "-c", net.cfg(v), "--type", "child", path, "--json")
        got = json.loads(r.stdout)["ids"]
        check(len(got) == PER_VILLAGE, "import at %s: ids %s" % (v, got))
        for rid, kid in zip(got, kids):
            check(rid.startswith(v + "-r"), "id %s is not of %s" % (rid, v))
            want[rid] = kid
    total = len(want)

    def county_has_all():
        got = {r["id"]: r for r in records(net, county)}
        return len(got) == total, "%d children" % len(got)
    poll(net, county_has_all, 60, "the county holds %d children" % total)
    got = {r["id"]: r for r in records(net, county)}
    for rid, kid in want.items():
        check(got[rid]["fields"] == kid, "county's %s: %s, expected %s" % (
            rid, got[rid]["fields"], kid))
        check(got[rid]["owner"] == rid.split("-r")[0] and got[rid]["version"] == 1,
              "county's %s: owner/version %s" % (rid, got[rid]))
    masked = {r["id"]: r for r in records(net, county, reveal=False)}
    one = sorted(want)[0]
    n = want[one]["name"]
    check(masked[one]["fields"]["name"] == n[0] + "*" + n[-1], "masked name %s" %
          masked[one]["fields"]["name"])
    check(masked[one]["fields"]["id_number"] == want[one]["id_number"][:4] + "*" * 10 +
          want[one]["id_number"][-4:], "masked id %s" % masked[one]["fields"]["id_number"])
    # each township holds exactly its villages' children
    for t in townships:
        mine = sorted(r for r in want if r.startswith(t))
        got_t = sorted(r["id"] for r in records(net, t))
        check(got_t == mine, "township %s holds %s, expected %s" % (t, got_t, mine))

    # 2. update and close at the owner: replicas follow
    v0 = villages[0]
    upd, gone = sorted(r for r in want if r.startswith(v0))[:2]
    cn(net, "record", "update", "-c", net.cfg(v0), upd, "--set", "living=与父母同住")
    cn(net, "record", "close", "-c", net.cfg(v0), gone, "--reason", "迁出")

    def followed():
        got = {r["id"]: r for r in records(net, county)}
        return (got[upd]["version"] == 2 and got[upd]["fields"]["living"] == "与父母同住"
                and got[gone]["closed"] and got[gone]["close_reason"] == "迁出"), (
                    got[upd], got[gone])
    poll(net, followed, 30, "the county follows the update and the close")
    hist = cn_json(net, "record", "history", "-c", net.cfg(county), upd)
    check([h["version"] for h in hist] == [1, 2] and hist[1]["changed"] == ["living"],
          "history at the county: %s" % hist)

    # 3. a township writing a village's record: refused
    r = cn(net, "record", "update", "-c", net.cfg(townships[0]), upd, "--set", "living=单独居住",
           code=EXIT_REFUSED)
    check("only its owner changes it" in r.stderr, "township's refusal: %s" % r.stderr)

    # 4. bad files: each exact message, the store unchanged
    v1 = villages[1]
    before = len(records(net, v1))
    good = child(900)
    bad_cases = [
        ("checkdigit", dict(good, id_number=good["id_number"][:17] +
                            ("0" if good["id_number"][17] != "0" else "1")),
         ":2:4: 身份证号 (id_number): check digit of"),
        ("category", dict(good, categories="留守、外星"),
         ":2:7: 类别 (categories): unknown value '外星'; expected some of 留守"),
        ("required", dict(good, name=""),
         ":2:1: 姓名 (name): empty; expected a value (required)"),
        ("future", dict(good, birth_date="2099-01-01", id_number=idnum("2099-01-01", 1)),
         ":2:3: 出生日期 (birth_date): 2099-01-01 is in the future"),
    ]
    for name, kid, msg in bad_cases:
        path = write(net, "bad-%s.csv" % name, csv_text([kid]))
        r = cn(net, "record", "import", "-c", net.cfg(v1), "--type", "child", path,
               code=EXIT_REFUSED)
        check(path + msg in r.stderr, "%s: expected %r in:\n%s" % (name, path + msg, r.stderr))
    cond = dict(good, orphan_type="父母双亡")
    path = write(net, "bad-conditional.csv", csv_text([cond], [("orphan_type", "孤儿类型")]))
    r = cn(net, "record", "import", "-c", net.cfg(v1), "--type", "child", path, code=EXIT_REFUSED)
    check(path + ":2:15: 孤儿类型 (orphan_type): given, but only allowed when 类别 includes 孤儿"
          in r.stderr, "conditional: %s" % r.stderr)
    path = write(net, "bad-truncated.csv", csv_text([good]) + '"赵一,男')
    r = cn(net, "record", "import", "-c", net.cfg(v1), "--type", "child", path, code=EXIT_REFUSED)
    check(path + ":3:1: unterminated quoted field" in r.stderr, "truncated: %s" % r.stderr)
    # one good row and one bad: nothing of either is written
    path = write(net, "bad-mixed.csv", csv_text([good, dict(good, gender="X")]))
    r = cn(net, "record", "import", "-c", net.cfg(v1), "--type", "child", path, code=EXIT_REFUSED)
    check(path + ":3:2: 性别 (gender): unknown value 'X'; expected one of 男, 女" in r.stderr,
          "mixed: %s" % r.stderr)
    check(len(records(net, v1)) == before, "the store changed after refusals")

    # 5. GB18030 and UTF-8 with BOM import as is
    gb = [child(950), child(951)]
    path = write(net, "gb18030.csv", csv_text(gb), "gb18030")
    cn(net, "record", "import", "-c", net.cfg(v1), "--type", "child", path)
    bom = [child(952)]
    path = write(net, "bom.csv", b"\xef\xbb\xbf" + csv_text(bom).encode())
    cn(net, "record", "import", "-c", net.cfg(v1), "--type", "child", path)
    names = {r["fields"]["name"] for r in records(net, v1)}
    check(all(c["name"] in names for c in gb + bom), "GB18030/BOM names not found: %s" % names)
    # template --example imports as is
    tpl = cn(net, "record", "template", "--type", "child", "--example").stdout
    path = write(net, "example.csv", tpl)
    cn(net, "record", "import", "-c", net.cfg(v1), "--type", "child", path, "--dry-run")

    # 6. raw files: no node's data.mdb (village, township, county: the records db,
    # the delivery outboxes the versions waited in, and the pages LMDB freed when
    # they were acknowledged) and no node's log holds any child's name or ID number
    def all_in():
        n = len(records(net, county))
        return n == total + 3, "%d children" % n
    poll(net, all_in, 30, "the county has every child")

    def acked_everywhere():
        pend = {i: net.status(i)["counters"].get("outbox_pending") for i in ids}
        return not any(pend.values()), pend
    poll(net, acked_everywhere, 30, "every outbox acknowledged")
    stored = list(want.values()) + gb + bom
    secrets = sorted({c[f] for c in stored for f in ("name", "id_number")})
    files = [os.path.join(net.dir, i, "data", "data.mdb") for i in ids]
    files += [net.log_path(i) for i in ids]
    for f in files:
        data = open(f, "rb").read()
        found = [s for s in secrets if s.encode() in data]
        check(not found, "%s holds %d of %d names and ID numbers in the clear, e.g. %s" % (
            f, len(found), len(secrets), found[:3]))
    print("records: %d names and ID numbers searched in %d data.mdb files and %d logs: "
          "none found" % (len(secrets), len(ids), len(ids)))

if __name__ == "__main__":
    sys.exit(main(test, __doc__))

#!/usr/bin/env python3
"""Records beyond the owner's writes (issue 8, items 4, 5 and 7, and --stale)
on a county, 2 townships and 4 villages: a township returns a village's
record, which shows in the village's to-do list (--where review=returned)
and at the county, and leaves it when the village corrects it; --stale 92d
lists exactly the children not verified in the window (verified_at, or a
visit of kind 核实更新); ledger summary at the county matches the imported
ledgers, with no personal field in it; a child transferred to a village of
the other township is counted once at the county before and after its new
owner accepts it, the old owner can no longer write it, the new owner can."""

import datetime
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, main, run_cli  # noqa: E402
from ops import EXIT_OK, cn, cn_json, poll  # noqa: E402

EXIT_REFUSED = 4
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
NAMES = ["赵一明", "钱二华", "孙三国", "李四庆", "周五红", "吴六梅", "郑七兰", "王八竹"]
COLS = [("name", "姓名"), ("gender", "性别"), ("birth_date", "出生日期"), ("id_number", "身份证号"),
        ("hukou_registered", "户籍登记"), ("address", "住址"), ("categories", "类别"),
        ("guardianship_status", "监护状况"), ("living", "居住情况"), ("school_stage", "就学情况"),
        ("school_name", "学校"), ("insurance", "参保情况"), ("guardian_name", "监护人姓名"),
        ("guardian_relation", "监护人关系"), ("guardian_phone", "监护人电话"),
        ("verified_at", "核实日期")]


def today():
    return (datetime.datetime.utcnow() + datetime.timedelta(hours=8)).date()


def ago(days):
    return (today() - datetime.timedelta(days=days)).isoformat()


def idnum(birth, seq):
    body = "530102" + birth.replace("-", "") + "%03d" % seq
    return body + "10X98765432"[sum(int(a) * b for a, b in zip(body, W)) % 11]


def child(k, verified):
    birth = "20%02d-%02d-%02d" % (10 + k % 8, 1 + k % 12, 1 + k % 28)
    name = NAMES[k % len(NAMES)] + "%s" % "甲乙丙丁"[k // 8 % 4]
    school = "小学" if k % 3 == 0 else "学龄前"
    return {"name": name, "gender": "男" if k % 2 else "女", "birth_date": birth,
            "id_number": idnum(birth, 100 + k), "hukou_registered": "是",
            "address": "红云街道%d号" % k,
            "categories": "留守、事实无人抚养" if k % 4 == 1 else "留守",
            "guardianship_status": "有效监护" if k % 2 else "委托监护",
            "living": "与祖辈同住", "school_stage": school,
            "school_name": "红云小学" if school == "小学" else "",
            "insurance": "城乡基本医疗保险", "guardian_name": name[0] + "大山",
            "guardian_relation": "祖父母", "guardian_phone": "138%08d" % k,
            "verified_at": verified}


def csv_text(children):
    lines = [",".join(z for _, z in COLS)]
    for c in children:
        lines.append(",".join(c.get(f, "") for f, _ in COLS))
    return "\r\n".join(lines) + "\r\n"


def listing(net, node, *extra):
    return cn_json(net, "record", "list", "-c", net.cfg(node), "--type", "child", *extra)


def summary(net, node, *extra):
    return cn_json(net, "ledger", "summary", "-c", net.cfg(node), *extra)


def test(net, args):
    ids = net.setup(2, 2)
    county, townships = ids[0], sorted(i for i in ids if len(i) == 9)
    villages = sorted(i for i in ids if len(i) == 12)
    net.start_all()
    net.wait_for(net.all_links_up, 60, "every link up")

    # A ledger at every village: 4 children; verified 10, 200 days ago, never, 300 days ago
    # (the last one verified by a visit 5 days ago); one staff member; one visit.
    want, k, stale_want = {}, 0, {}
    verified = [ago(10), ago(200), "", ago(300)]
    for v in villages:
        kids = [child(k + i, verified[i]) for i in range(4)]
        k += 4
        path = os.path.join(net.dir, "ledger-%s.csv" % v)
        with open(path, "w", encoding="utf-8") as f:
            f.write(csv_text(kids))
        got = json.loads(cn(net, "record", "import", "-c", net.cfg(v), "--type", "child", path,
                            "--json").stdout)["ids"]
        check(len(got) == 4, "import at %s: %s" % (v, got))
        want.update({rid: (v, kid) for rid, kid in zip(got, kids)})
        stale_want[v] = sorted(got[1:3])
        cn(net, "record", "add", "-c", net.cfg(v), "--type", "staff", "--set", "name=李红",
           "--set", "phone=13987654321", "--set", "role=联系人", "--set", "employment=兼职",
           "--set", "engagement=村干部兼任", "--set", "duties=走访", "--set", "start_at=2019-05-01")
        cn(net, "record", "add", "-c", net.cfg(v), "--type", "visit", "--set",
           "children=%s" % got[3], "--set", "date=%s" % ago(5), "--set", "visitor=李红",
           "--set", "kind=核实更新", "--set", "child_seen=是", "--set", "guardian_present=是",
           "--set", "findings=生活正常", "--set", "next_due=%s" % (
               today() + datetime.timedelta(days=90)).isoformat())
    total = len(want)
    poll(net, lambda: (len(listing(net, county)) == total and
                       len(cn_json(net, "record", "list", "-c", net.cfg(county), "--type",
                                   "visit")) == len(villages), None),
         60, "the county holds every child and visit")

    # 1. --stale 92d: exactly the children not verified in the window, at the village and
    #    at the county (the visits travel up too)
    for v in villages:
        got = sorted(r["id"] for r in listing(net, v, "--stale", "92d"))
        check(got == stale_want[v], "%s --stale 92d: %s, expected %s" % (v, got, stale_want[v]))
        got = sorted(r["id"] for r in listing(net, county, "--office", v, "--stale", "92d"))
        check(got == stale_want[v], "county --stale for %s: %s" % (v, got))
    got = sorted(r["id"] for r in listing(net, villages[0], "--stale", "400d"))
    check(got == [stale_want[villages[0]][1]], "--stale 400d: only the never-verified: %s" % got)

    # 2. summary at the county: the imported ledger's counts, no personal field
    s = summary(net, county)
    for v in villages:
        kids = [kid for (o, kid) in want.values() if o == v]
        mine = s.get(v, {})
        check(mine.get("children") == 4 and mine.get("staff") == 1, "summary of %s: %s" % (v, mine))
        for measure, field in (("guardianship", "guardianship_status"),
                               ("school_stage", "school_stage")):
            exp = {}
            for kid in kids:
                exp[kid[field]] = exp.get(kid[field], 0) + 1
            check(mine.get(measure) == exp, "%s %s: %s, expected %s" % (v, measure,
                                                                          mine.get(measure), exp))
        exp = {}
        for kid in kids:
            for c in kid["categories"].split("、"):
                exp[c] = exp.get(c, 0) + 1
        check(mine.get("category") == exp, "%s category: %s, expected %s" % (
            v, mine.get("category"), exp))
        check(mine.get("visits") == {ago(5)[:7]: 1}, "%s visits: %s" % (v, mine.get("visits")))
    text = cn(net, "ledger", "summary", "-c", net.cfg(county), "--csv").stdout
    for rid, (o, kid) in want.items():
        check(kid["name"] not in text and kid["id_number"] not in text and
              kid["name"] not in json.dumps(s, ensure_ascii=False), "a name in the summary")
    check(sorted(summary(net, townships[0])) == sorted(v for v in villages
                                                        if v.startswith(townships[0])),
          "the township's summary holds its villages only")

    # 3. review: the township returns one record and approves another
    v0, t0 = villages[0], townships[0]
    mine = sorted(r for r in want if want[r][0] == v0)
    ret_id, ok_id = mine[0], mine[1]
    r = cn(net, "record", "review", "-c", net.cfg(v0), ret_id, "--approve", code=EXIT_REFUSED)
    check("only an office above" in r.stderr, "the owner reviewing itself: %s" % r.stderr)
    cn(net, "record", "review", "-c", net.cfg(t0), ret_id, "--return", code=2)
    cn(net, "record", "review", "-c", net.cfg(t0), ret_id, "--return", "--note", "身份证号核对")
    cn(net, "record", "review", "-c", net.cfg(t0), ok_id, "--approve")

    def todo():
        got = [r["id"] for r in listing(net, v0, "--where", "review=returned")]
        return got == [ret_id], got
    poll(net, todo, 30, "the village's to-do list holds the returned record")

    def approved():  # the second review travels in a frame of its own, just after
        got = [r["id"] for r in listing(net, v0, "--where", "review=approved")]
        return got == [ok_id], got
    poll(net, approved, 30, "the approval at the village")

    def county_sees():
        f = cn_json(net, "record", "show", "-c", net.cfg(county), ret_id)["fields"]
        return (f.get("review") == "returned" and f.get("reviewed_by") == t0 and
                f.get("review_note") == "身份证号核对" and f.get("reviewed_at") == today().isoformat()), f
    poll(net, county_sees, 30, "the county sees the review")
    check([r["id"] for r in listing(net, county, "--where", "review=returned")] == [ret_id],
          "the county's returned list")
    # the village corrects it: off its to-do list, pending review again
    cn(net, "record", "update", "-c", net.cfg(v0), ret_id, "--set", "address=红云街道99号")
    check(listing(net, v0, "--where", "review=returned") == [], "the to-do list after the fix")
    check([r["id"] for r in listing(net, v0, "--where", "review=pending")] == [ret_id],
          "pending after the fix")

    # 4. transfer: a child of v0 (township 0) moves to v3 (township 1)
    v3, t1 = villages[3], townships[1]
    moving = mine[2]
    check(not moving.startswith(t1), "the child moves across townships")

    def county_counts():
        kids = listing(net, county)
        n = {}
        for r in kids:
            n[r["owner"]] = n.get(r["owner"], 0) + 1
        return kids, n
    kids, n = county_counts()
    check(len(kids) == total and [r["id"] for r in kids].count(moving) == 1, "before")
    r = cn(net, "record", "transfer", "-c", net.cfg(v0), moving, "--to", v0, code=EXIT_REFUSED)
    check("another village" in r.stderr, "transfer to itself: %s" % r.stderr)
    cn(net, "record", "transfer", "-c", net.cfg(v0), moving, "--to", v3)
    r = cn(net, "record", "update", "-c", net.cfg(v0), moving, "--set", "living=单独居住",
           code=EXIT_REFUSED)
    check("being transferred" in r.stderr, "the old owner's write: %s" % r.stderr)
    cn(net, "record", "accept", "-c", net.cfg(villages[2]), moving, code=EXIT_REFUSED)

    def accepted():
        return run_cli([net.carenet, "record", "accept", "-c", net.cfg(v3),
                            moving]).returncode == EXIT_OK, None
    poll(net, accepted, 30, "the new owner accepts the child")
    # before the county has the new owner's version it counts the child under v0, after
    # under v3: always once
    seen = []

    def moved():
        kids, n = county_counts()
        c = [r for r in kids if r["id"] == moving]
        seen.append((len(kids), len(c)))
        return c[0]["owner"] == v3 and c[0]["version"] == 2, (c, n)
    poll(net, moved, 30, "the county holds the child under its new owner")
    check(all(s == (total, 1) for s in seen), "counted once throughout: %s" % seen)
    kids, n = county_counts()
    check(n[v0] == 3 and n[v3] == 5 and sum(n.values()) == total, "per owner: %s" % n)
    s = summary(net, county)
    check(s[v0]["children"] == 3 and s[v3]["children"] == 5, "county summary after: %s %s" % (
        s[v0]["children"], s[v3]["children"]))
    check(moving in [r["id"] for r in listing(net, county, "--office", v3)] and
          moving not in [r["id"] for r in listing(net, county, "--office", v0)],
          "--office follows the owner")
    check(summary(net, v0)[v0]["children"] == 3, "the old village no longer counts it")
    cn(net, "record", "update", "-c", net.cfg(v3), moving, "--set", "living=与父母同住")

    def t1_follows():
        got = [r for r in listing(net, t1) if r["id"] == moving]
        return bool(got) and got[0]["version"] == 3 and got[0]["owner"] == v3, got
    poll(net, t1_follows, 30, "the new township holds the moved child")
    poll(net, lambda: (cn_json(net, "record", "show", "-c", net.cfg(county),
                               moving)["version"] == 3, None), 30, "the county follows")
    hist = cn_json(net, "record", "history", "-c", net.cfg(county), moving)
    check([h["version"] for h in hist] == [1, 2, 3] and
          [h["changed_by"] for h in hist] == [v0, v3, v3], "history kept: %s" % hist)


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

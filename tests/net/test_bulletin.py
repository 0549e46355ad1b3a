#!/usr/bin/env python3
"""The monthly bulletin (月通报, issue 10 item 7) and the application form
(申报表, item 6) on a county, 2 townships, 2 villages each, every node on a
test clock. The county issues a task to the 4 villages (due in 2 h): one is
done at once (on time); every clock moves on 3 h; one is done then (late),
two are not (overdue). Then a second task and a rectification order (both
open). Reports: one filed at a village and acknowledged by its township at
once (in time), one urgent that its township leaves (missed: the county
escalates it and acknowledges it itself). Records: the county's roster, a
staff member and a home established this month at one village, a staff
member at another.
`carenet bulletin --month M --json` at the county: every number checked
exactly (per office too), the overdue and rectification lists, the
compliance changes equal to the difference of `compliance --at` at the two
month ends; at a township: its villages only; --csv read by Python's csv
(BOM); --html written, holding the numbers (and no script; compliance --html has
the trend too); --publish: a
circular that reaches every village's inbox; a second publish refused (exit
4), --force publishes again; a bad month refused (exit 4), no --month exit 2.
`carenet compliance form mca-2018 --json --html`: the county's figures
(townships, villages, communities, homes, staff, children) and the
self-evaluation; the blank boxes for the opinions and seals."""

import calendar
import csv
import io
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, main  # noqa: E402
from ops import (EXIT_REFUSED, EXIT_USAGE, ack, advance, cn, cn_json,  # noqa: E402
                 enable_test_clock, issue, poll)

CHINA = 8 * 3600


def china_month(t):
    return time.strftime("%Y-%m", time.gmtime(t + CHINA))


def month_end(month, back=0):
    y, m = int(month[:4]), int(month[5:]) - back
    while m < 1:
        m, y = m + 12, y - 1
    return "%04d-%02d-%02d" % (y, m, calendar.monthrange(y, m)[1])


def clock(net, node):
    return cn_json(net, "clock", "-c", net.cfg(node))["now"]


def advance_all(net, ids, secs):
    for node in ids:
        advance(net, node, "%ds" % secs)


def away_from_month_end(net, ids):
    """Moves every clock into the next month when less than 8 h of this one
    are left (the test's 3 h must stay inside one month)."""
    now = clock(net, ids[0])
    y, m = int(china_month(now)[:4]), int(china_month(now)[5:])
    y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    end = calendar.timegm((y, m, 1, 0, 0, 0)) - CHINA
    if end - now < 8 * 3600:
        advance_all(net, ids, end - now + 3600)


def roster(net, county, townships, villages):
    rows = ["区划代码,名称,类型,上级代码,人口,儿童数,儿童数截至"]
    for t in townships:
        rows.append("%s,乡镇%s,乡镇,%s,,300,2024-01-01" % (t, t[-1], county))
    for k, v in enumerate(villages):
        rows.append("%s,村%s,%s,%s,2000,60,2024-01-01" % (v, v[-3:], "村" if k % 2 else "社区",
                                                          v[:9]))
    path = os.path.join(net.dir, "division.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\r\n".join(rows) + "\r\n")
    cn(net, "record", "import", "-c", net.cfg(county), "--type", "division", path)


def staff(net, v, name):
    cn(net, "record", "add", "-c", net.cfg(v), "--type", "staff", "--set", "name=%s" % name,
       "--set", "phone=13987654321", "--set", "role=儿童主任", "--set", "employment=专职",
       "--set", "engagement=村干部兼任", "--set", "duties=走访", "--set", "start_at=2019-05-01",
       "--set", "id_number=53010219850101002X")


def home(net, v, established):
    cn(net, "record", "add", "-c", net.cfg(v), "--type", "office", "--set", "code=%s" % v,
       "--set", "tier=village", "--set", "kind=儿童之家", "--set", "name=儿童之家%s" % v[-3:],
       "--set", "parent=%s" % v[:9], "--set", "host=现有设施", "--set",
       "established_at=%s" % established, "--set", "address=村委会", "--set",
       "manager=%s-r1" % v)


def file_report(net, village, urgency):
    out = cn_json(net, "report", "file", "-c", net.cfg(village), "--situation", "S01",
                  "--summary", "独居儿童", "--description", "男孩", "--reporter", "张三",
                  "--reporter-role", "儿童主任", "--location", "三组", "--urgency", urgency)
    return out["id"]


def report(net, node, rid):
    return cn_json(net, "report", "show", rid, "-c", net.cfg(node))


def wait_report(net, node, rid, pred, what):
    def fn():
        held = [x["id"] for x in cn_json(net, "report", "list", "-c", net.cfg(node))]
        if rid not in held:
            return False, held
        v = report(net, node, rid)
        return pred(v), v
    return poll(net, fn, 30, "%s: report %s at %s" % (what, rid, node))


def matrix_state(net, node, did, target):
    v = cn_json(net, "directive", "show", did, "-c", net.cfg(node))
    return {t["id"]: t["state"] for t in v["targets"]}.get(target)


def wait_done(net, county, did, village):
    poll(net, lambda: (matrix_state(net, county, did, village) == "done", None), 30,
         "%s done on %s at the county" % (village, did))


def bulletin(net, node, month, *extra):
    return cn_json(net, "bulletin", "-c", net.cfg(node), "--month", month, *extra)


def office_row(b, oid):
    rows = [o for o in b["offices"] if o["id"] == oid]
    check(len(rows) == 1, "bulletin offices hold %s once: %r" % (oid, b["offices"]))
    return rows[0]


def check_directives(b, vs):
    d = b["directives"]
    want = {"issued": 3, "targeted": 6, "on_time": 1, "late": 1, "overdue": 2, "open": 2}
    check({k: d[k] for k in want} == want, "directives: %r, want %r" % (d, want))
    check(abs(d["timeliness"] - 0.25) < 1e-9, "timeliness %r, want 0.25" % d["timeliness"])
    per = {vs[0]: (2, 1, 0, 0, 1), vs[1]: (1, 0, 1, 0, 0), vs[2]: (2, 0, 0, 1, 1),
           vs[3]: (1, 0, 0, 1, 0)}
    for v, (tg, on, late, over, opn) in per.items():
        o = office_row(b, v)
        got = (o["targeted"], o["on_time"], o["late"], o["overdue"], o["open"])
        check(got == (tg, on, late, over, opn), "%s: %r, want %r" % (v, got,
                                                                    (tg, on, late, over, opn)))
    check(office_row(b, vs[0])["timeliness"] == 1.0, "v1 timeliness: %r" % office_row(b, vs[0]))
    check(sorted(x["office"] for x in b["overdue"]) == sorted([vs[2], vs[3]]),
          "overdue list: %r" % b["overdue"])
    check([x["office"] for x in b["rectifications"]] == [vs[2]] and
          b["rectifications"][0]["kind"] == 3, "rectifications: %r" % b["rectifications"])


def check_reports(b, county, t1, t2, vs):
    r = b["reports"]
    want = {"filed": 2, "hops": 3, "in_time": 2, "late": 0, "missed": 1}
    check(r == want, "reports: %r, want %r" % (r, want))
    check(office_row(b, vs[0])["reports_filed"] == 1 and
          office_row(b, vs[2])["reports_filed"] == 1, "reports filed per office")
    o1, o2, oc = office_row(b, t1), office_row(b, t2), office_row(b, county)
    check((o1["hops"], o1["hops_in_time"]) == (1, 1), "%s hops: %r" % (t1, o1))
    check((o2["hops"], o2["hops_missed"]) == (1, 1), "%s hops: %r" % (t2, o2))
    check((oc["hops"], oc["hops_in_time"]) == (1, 1), "county hops: %r" % oc)


def check_records(b, county, vs):
    check(b["records"]["added"] == 6 + 3, "records added: %r" % b["records"])
    check(office_row(b, county)["records_added"] == 6, "county: the roster's 6 rows")
    check(office_row(b, vs[0])["records_added"] == 2, "v1: staff and home")
    check(office_row(b, vs[2])["records_added"] == 1, "v3: staff")


def check_changes(net, county, b, month):
    c = b["compliance"]
    check(c["before"] == month_end(month, 1), "before %r" % c["before"])
    before = cn_json(net, "compliance", "-c", net.cfg(county), "--standard", "mca-2018-demo",
                     "--at", c["before"])
    after = cn_json(net, "compliance", "-c", net.cfg(county), "--standard", "mca-2018-demo",
                    "--at", c["after"])
    was = {x["id"]: x["result"] for x in before["indicators"]}
    want = sorted((x["id"], was.get(x["id"], ""), x["result"]) for x in after["indicators"]
                  if was.get(x["id"], "") != x["result"])
    got = sorted((x["id"], x["before"], x["after"]) for x in c["changes"])
    check(got == want, "compliance changes %r, want %r" % (got, want))
    check(c["summary_after"] == after["summary"], "summary %r vs %r" % (c["summary_after"],
                                                                        after["summary"]))
    check(len(want) > 0, "something changed since last month (the homes, the directors)")


def check_csv(net, county, month, b):
    r = cn(net, "bulletin", "-c", net.cfg(county), "--month", month, "--csv")
    check(r.stdout.startswith("\ufeff"), "--csv begins with a BOM")
    rows = list(csv.DictReader(io.StringIO(r.stdout.lstrip("\ufeff"))))
    check(len(rows) == len(b["offices"]), "csv rows %d, offices %d" % (len(rows),
                                                                       len(b["offices"])))
    for row in rows:
        o = office_row(b, row["office"])
        for k in ("targeted", "on_time", "late", "overdue", "open", "hops_missed",
                  "records_added"):
            check(int(row[k]) == o[k], "csv %s %s: %s vs %r" % (row["office"], k, row[k], o[k]))


def check_html(net, county, month):
    path = os.path.join(net.dir, "bulletin.html")
    cn(net, "bulletin", "-c", net.cfg(county), "--month", month, "--html", path)
    with open(path, encoding="utf-8") as f:
        page = f.read()
    for s in ("月通报", "Monthly bulletin", month, "25.0%", "<svg", "逾期未办", "限时整改",
              "强制报告", "台账活动", "近六个月趋势", "</html>"):
        check(s in page, "the page holds %r" % s)
    for s in ("<script", "http://", "https://", "张三", "13987654321"):
        check(s not in page, "the page holds no %r" % s)
    path = os.path.join(net.dir, "compliance.html")  # the trend there too
    cn(net, "compliance", "-c", net.cfg(county), "--standard", "mca-2018-demo", "--html", path)
    with open(path, encoding="utf-8") as f:
        page = f.read()
    check("近六个月趋势" in page and month_end(month, 5) in page, "compliance --html: the trend")


def check_publish(net, county, month, villages, townships):
    r = cn(net, "bulletin", "-c", net.cfg(county), "--month", month, "--publish", "--json")
    import json
    did = json.loads(r.stdout)["published"]
    check(did, "--publish printed the circular's id")
    for node in villages + townships:
        def arrived(node=node):
            e = [x for x in cn_json(net, "inbox", "-c", net.cfg(node)) if x["id"] == did]
            return bool(e) and e[0]["kind"] == 4 or bool(e) and e[0].get("kind_zh") == "通报", e
        poll(net, arrived, 30, "the bulletin's circular in %s's inbox" % node)
    v = cn_json(net, "directive", "show", did, "-c", net.cfg(villages[0]))
    check(v["title"].startswith("月通报 " + month) and "按时率" in v["body"],
          "the circular: %r" % {k: v[k] for k in ("title", "body")})
    r = cn(net, "bulletin", "-c", net.cfg(county), "--month", month, "--publish",
           code=EXIT_REFUSED)
    check("published already" in r.stderr and r.stderr.startswith("carenet bulletin:"),
          "second publish: %r" % r.stderr)
    r = cn(net, "bulletin", "-c", net.cfg(county), "--month", month, "--publish", "--force",
           "--json")
    check(json.loads(r.stdout)["published"] not in ("", None, did), "--force: a new circular")


def check_form(net, county):
    f = cn_json(net, "compliance", "form", "mca-2018", "-c", net.cfg(county))
    fig = f["figures"]
    want = {"townships": 2, "villages": 2, "communities": 2, "homes": 1, "staff": 2,
            "children": 0}
    check({k: fig[k] for k in want} == want, "form figures %r, want %r" % (fig, want))
    check(fig["staff_by_post"] == {"儿童主任": 2}, "staff by post: %r" % fig["staff_by_post"])
    check(f["county"] == county and f["evaluation"]["standard"] == "mca-2018-demo" and
          f["evaluation"]["indicators"], "form head: %r" % {k: f[k] for k in ("county",)})
    check(f["blank"] == ["县级人民政府推荐意见", "地市级民政部门推荐意见", "省级民政部门推荐意见"],
          "blank boxes: %r" % f["blank"])
    path = os.path.join(net.dir, "form.html")
    cn(net, "compliance", "form", "mca-2018", "-c", net.cfg(county), "--html", path)
    with open(path, encoding="utf-8") as fh:
        page = fh.read()
    for s in ("申报表", "县级人民政府推荐意见", "地市级民政部门推荐意见", "省级民政部门推荐意见",
              "公章", "class=\"blank\"", "自评", "</html>"):
        check(s in page, "the form holds %r" % s)
    check("<script" not in page and "杨" not in page, "no script, no name in the form")
    cn(net, "compliance", "form", "mca-2019", "-c", net.cfg(county), "--json", code=EXIT_USAGE)


def test(net, args):
    ids = net.setup(2, 2)
    for i in ids:
        enable_test_clock(net, i)
    net.start_all()
    net.wait_for(net.all_links_up, 60, "every link up")
    county, townships = ids[0], sorted(i for i in ids if len(i) == 9)
    vs = sorted(i for i in ids if len(i) == 12)
    t1, t2 = townships
    away_from_month_end(net, ids)
    month = china_month(clock(net, county))

    roster(net, county, townships, vs)
    staff(net, vs[0], "杨德明")
    home(net, vs[0], month + "-01")  # new this month: a compliance change
    staff(net, vs[2], "杨德华")
    d1 = issue(net, county, ",".join(vs), "排查 survey", due="+2h")
    rep_a = file_report(net, vs[0], "normal")
    rep_b = file_report(net, vs[2], "urgent")
    wait_report(net, t1, rep_a, lambda v: True, "held")
    cn(net, "report", "ack", rep_a, "-c", net.cfg(t1))
    wait_report(net, county, rep_b, lambda v: True, "held")
    for v in vs:
        poll(net, lambda v=v: (any(x["id"] == d1 for x in
                                   cn_json(net, "inbox", "-c", net.cfg(v))), None), 30,
             "%s in %s's inbox" % (d1, v))
    ack(net, vs[0], d1, "done")
    wait_done(net, county, d1, vs[0])

    advance_all(net, ids, 3 * 3600)
    ack(net, vs[1], d1, "done")
    wait_done(net, county, d1, vs[1])
    wait_report(net, county, rep_b, lambda v: v["state"] == "escalated", "escalated")
    cn(net, "report", "ack", rep_b, "-c", net.cfg(county))
    wait_report(net, county, rep_b, lambda v: v["state"] == "acknowledged", "acknowledged")
    wait_report(net, county, rep_a, lambda v: v["state"] == "acknowledged", "acknowledged")
    issue(net, county, vs[0], "第二项 second", due="+2h")
    issue(net, county, vs[2], "整改 rectify", due="+2h", kind="rectification",
          extra=("--ref", d1))
    check(china_month(clock(net, county)) == month, "still in %s" % month)

    def recorded():
        b = bulletin(net, county, month)
        return b["records"]["added"] == 9, b["records"]
    poll(net, recorded, 30, "the villages' records at the county")
    b = bulletin(net, county, month)
    for key in ("month", "office", "directives", "reports", "records", "offices", "overdue",
                "rectifications", "compliance", "text", "published"):
        check(key in b, "bulletin --json has %s" % key)
    check(b["month"] == month and b["office"] == county and b["published"] is None,
          "head: %r" % {k: b[k] for k in ("month", "office", "published")})
    check_directives(b, vs)
    check_reports(b, county, t1, t2, vs)
    check_records(b, county, vs)
    check_changes(net, county, b, month)
    check("按时率 timeliness 25.0%" in b["text"], "the text: %r" % b["text"])

    tb = bulletin(net, t1, month)
    check(all(o["id"].startswith(t1) for o in tb["offices"]) and
          tb["directives"]["targeted"] == 3, "the township's bulletin: %r" % tb["offices"])
    check_csv(net, county, month, b)
    check_html(net, county, month)
    cn(net, "bulletin", "-c", net.cfg(county), "--month", "2026-13", code=EXIT_REFUSED)
    cn(net, "bulletin", "-c", net.cfg(county), code=EXIT_USAGE)
    check_form(net, county)
    check_publish(net, county, month, vs, townships)


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

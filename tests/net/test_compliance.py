#!/usr/bin/env python3
"""Compliance (issue 10) on a county, 2 townships and 4 villages: the county
imports the division roster (R02: 区划代码, 名称, 类型); `carenet compliance`
at the county reads the villages' replicated records: staff.village_director
and cap.home_coverage fail with the villages that lack a director or a home,
and change when the villages enter them (after replication); the --json
contract (standard, office, at, indicators[{id, mode, result, value,
threshold, failing_offices, veto, data_age_s}], summary); veto items first;
--csv with a BOM read by Python's csv; --html written; two standards: the
stricter reading and both readings where they differ; the plan's milestones
with --at; --office out of the subtree refused (exit 4); no personal field
in any output."""

import csv
import io
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, main  # noqa: E402
from ops import cn, cn_json, poll  # noqa: E402

EXIT_REFUSED = 4
DIRECTOR = "杨德明"


def ind(rep, iid):
    for x in rep["indicators"]:
        if x["id"] == iid:
            return x
    raise AssertionError("no indicator %s in %s" % (iid, [x["id"] for x in rep["indicators"]]))


def evaluate(net, node, *extra):
    return cn_json(net, "compliance", "-c", net.cfg(node), *extra)


def roster(net, county, townships, villages):
    rows = ["区划代码,名称,类型,上级代码,人口,儿童数,儿童数截至"]
    for t in townships:
        rows.append("%s,乡镇%s,乡镇,%s,,300,2024-01-01" % (t, t[-1], county))
    for k, v in enumerate(villages):
        rows.append("%s,村%s,%s,%s,2000,%d,2024-01-01" % (v, v[-3:], "村" if k % 2 else "社区",
                                                           v[:9], 120 if k == 0 else 60))
    path = os.path.join(net.dir, "division.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\r\n".join(rows) + "\r\n")
    cn(net, "record", "import", "-c", net.cfg(county), "--type", "division", path)


def director_and_home(net, v):
    cn(net, "record", "add", "-c", net.cfg(v), "--type", "staff", "--set", "name=%s" % DIRECTOR,
       "--set", "phone=13987654321", "--set", "role=儿童主任", "--set", "employment=专职",
       "--set", "engagement=村干部兼任", "--set", "duties=走访", "--set", "start_at=2019-05-01",
       "--set", "id_number=53010219850101002X")
    cn(net, "record", "add", "-c", net.cfg(v), "--type", "office", "--set", "code=%s" % v,
       "--set", "tier=village", "--set", "kind=儿童之家", "--set", "name=儿童之家%s" % v[-3:],
       "--set", "parent=%s" % v[:9], "--set", "host=现有设施", "--set",
       "established_at=2020-05-01", "--set", "address=村委会", "--set", "manager=%s-r1" % v)


def test(net, args):
    ids = net.setup(2, 2)
    county, townships = ids[0], sorted(i for i in ids if len(i) == 9)
    villages = sorted(i for i in ids if len(i) == 12)
    net.start_all()
    net.wait_for(net.all_links_up, 60, "every link up")
    roster(net, county, townships, villages)

    # 1. nothing entered yet: every community lacks a director and a home
    rep = evaluate(net, county, "--standard", "yunnan-2018-demo")
    for key in ("standard", "office", "at", "indicators", "summary"):
        check(key in rep, "--json has %s" % key)
    check(rep["standard"] == "yunnan-2018-demo" and rep["office"] == county, "head: %s" % rep)
    for x in rep["indicators"]:
        for key in ("id", "mode", "result", "value", "threshold", "failing_offices", "veto",
                    "data_age_s"):
            check(key in x, "%s has %s" % (x.get("id"), key))
        check(x["result"] in ("pass", "fail", "unknown", "n/a"), "result %s" % x["result"])
        check(x["mode"] == "M" or x["result"] in ("unknown", "n/a"),
              "%s: mode %s is never measured as %s" % (x["id"], x["mode"], x["result"]))
    check(sum(rep["summary"].values()) == len(rep["indicators"]) == 77, "summary %s" %
          rep["summary"])
    vetos = [x["veto"] for x in rep["indicators"]]
    check(vetos == sorted(vetos, reverse=True) and vetos[0], "veto items first")
    d = ind(rep, "staff.village_director")
    check(d["result"] == "fail" and d["failing_offices"] == villages, "before: %s" % d)
    h = ind(rep, "cap.home_coverage")
    check(h["result"] == "fail" and h["value"] == 0 and h["threshold"] == ">= 90%", "home %s" % h)
    check(ind(rep, "veto.extreme_incident")["result"] == "pass", "no incident recorded: none")
    check(ind(rep, "cap.social_work_org")["result"] == "fail", "no organisation yet")
    check(not rep["qualifies"], "does not qualify")

    # 2. two villages enter a director and a home; the county's evaluation follows replication
    for v in villages[:2]:
        director_and_home(net, v)

    def changed():
        r = evaluate(net, county, "--standard", "yunnan-2018-demo")
        d = ind(r, "staff.village_director")
        return d["failing_offices"] == villages[2:], d
    poll(net, changed, 60, "the county sees two villages' directors")
    rep = evaluate(net, county, "--standard", "yunnan-2018-demo")
    h = ind(rep, "cap.home_coverage")
    check(h["result"] == "fail" and abs(h["value"] - 0.5) < 1e-9, "half covered: %s" % h)
    check(sorted(t["id"] for t in h["townships"]) == townships, "roll-up: %s" % h["townships"])
    ages = {o["id"]: o["data_age_s"] for o in rep["offices"]}
    check(all(v in ages and 0 <= ages[v] < 3600 for v in villages[:2]), "data age %s" % ages)
    large = ind(rep, "cap.home_large_villages")  # village 0 has 120 children and a home
    check(large["result"] == "pass", "large villages: %s" % large)

    for v in villages[2:]:
        director_and_home(net, v)

    def all_pass():
        r = evaluate(net, county, "--standard", "yunnan-2018-demo")
        return ind(r, "staff.village_director")["result"] == "pass", ind(r, "cap.home_coverage")
    poll(net, all_pass, 60, "every community has a director")
    rep = evaluate(net, county, "--standard", "yunnan-2018-demo")
    check(ind(rep, "cap.home_coverage")["result"] == "pass", "coverage passes")

    # 3. a township sees its own subtree only; out of scope is refused
    t0 = townships[0]
    rep = evaluate(net, t0, "--standard", "yunnan-2018-demo")
    check(rep["office"] == t0, "township scope")
    r = cn(net, "compliance", "-c", net.cfg(t0), "--standard", "yunnan-2018-demo", "--office",
           townships[1], code=EXIT_REFUSED)
    check(r.stderr.startswith("carenet compliance:") and "subtree" in r.stderr, r.stderr)
    rep = evaluate(net, county, "--standard", "yunnan-2018-demo", "--office", villages[0])
    check(rep["office"] == villages[0], "--office a village at the county")
    r = cn(net, "compliance", "-c", net.cfg(county), "--standard", "no-such", code=EXIT_REFUSED)
    check("no-such" in r.stderr, r.stderr)
    cn(net, "compliance", "-c", net.cfg(county), "--standard", "yunnan-2018-demo", "--at",
       "2024-02-30", code=EXIT_REFUSED)
    cn(net, "compliance", "-c", net.cfg(county), code=2)

    # 4. two standards: the stricter reading, both where they differ
    rep = evaluate(net, county, "--standard", "yunnan-2018-demo,mca-2018-demo")
    check(rep["standard"] == "yunnan-2018-demo,mca-2018-demo", rep["standard"])
    d = ind(rep, "staff.village_director")
    check(len(d["readings"]) == 2, "the rules differ (民政助理员 / 民政协理员): %s" % d)
    a = ind(rep, "cap.home_activity")  # Yunnan: fail (no activity); Ministry: no county profile
    check(a["result"] == "fail" and {g["result"] for g in a["readings"]} == {"fail", "unknown"},
          "home activity: %s" % a)
    ids_ = [x["id"] for x in rep["indicators"]]
    check(len(ids_) == len(set(ids_)) and "cap.home_cov_city_district" in ids_, "union of ids")

    # 5. the plan's milestones: n/a before the due date, judged at it after
    rep = evaluate(net, county, "--standard", "yunnan-2018-plan", "--at", "2018-06-01")
    x = ind(rep, "plan.net.home_cov_20")
    check(x["result"] == "n/a" and "2018-10-31" in x["note"], "not due: %s" % x)
    rep = evaluate(net, county, "--standard", "yunnan-2018-plan", "--at", "2019-01-01")
    x = ind(rep, "plan.net.home_cov_20")
    check(x["result"] == "fail" and x["judged_at"] == "2018-10-31", "late: %s" % x)
    rep = evaluate(net, county, "--standard", "yunnan-2018-plan", "--at", "2021-01-01")
    check(ind(rep, "plan.net.home_cov_50")["result"] == "pass", "2020 milestone met")

    # 6. --csv (BOM, Python's csv), --html, and never a personal field
    out = cn(net, "compliance", "-c", net.cfg(county), "--standard", "yunnan-2018-demo",
             "--csv").stdout
    check(out.startswith("\ufeff"), "--csv starts with a BOM")
    rows = list(csv.DictReader(io.StringIO(out[1:])))
    check(len(rows) == 77 and rows[0]["id"] and rows[0]["result"], "csv rows %d" % len(rows))
    check({r["id"]: r["result"] for r in rows}["staff.village_director"] == "pass", "csv result")
    html = os.path.join(net.dir, "compliance.html")
    cn(net, "compliance", "-c", net.cfg(county), "--standard", "yunnan-2018-demo,mca-2018-demo",
       "--html", html)
    with open(html, encoding="utf-8") as f:
        page = f.read()
    check(page.startswith("<!DOCTYPE html>") and "合规评估" in page and "<script" not in page,
          "the HTML report")
    table = cn(net, "compliance", "-c", net.cfg(county), "--standard", "yunnan-2018-demo").stdout
    for text in (out, page, table, json.dumps(rep, ensure_ascii=False)):
        check(DIRECTOR not in text and "53010219850101002X" not in text, "a personal field")

    # 7. attestations (R27): the county declares protect.hotline (mode A) with evidence; a
    #    village declares fund.training (A) and it reaches the county; mode M is refused
    ev = os.path.join(net.dir, "hotline.pdf")
    with open(ev, "wb") as f:
        f.write(b"%PDF-1.4 hotline" * 100)
    cn(net, "attest", "-c", net.cfg(county), "--indicator", "protect.hotline", "--note",
       "12355 热线已开通，专门场地、专人运行", "--evidence", ev)
    x = ind(evaluate(net, county, "--standard", "yunnan-2018-demo"), "protect.hotline")
    check(x["result"] == "pass" and x["attested"]["by"] == county and
          "not measured" in x["note"], "attested at the county: %s" % x)
    r = cn(net, "attest", "-c", net.cfg(county), "--indicator", "staff.village_director",
           "--note", "x", code=EXIT_REFUSED)
    check("mode M" in r.stderr, r.stderr)
    cn(net, "attest", "-c", net.cfg(county), "--indicator", "no.such", "--note", "x",
       code=EXIT_REFUSED)
    cn(net, "attest", "-c", net.cfg(villages[1]), "--indicator", "fund.training", "--note",
       "培训经费已列入村级预算", "--value", "3000")

    def village_attested():
        x = ind(evaluate(net, county, "--standard", "yunnan-2018-demo", "--office", villages[1]),
                "fund.training")
        return x["result"] == "pass" and (x["attested"] or {}).get("by") == villages[1], x
    poll(net, village_attested, 60, "the village's attestation at the county")
    docs = cn_json(net, "doc", "list", "-c", net.cfg(county))
    check(any(d["name"] == "hotline.pdf" for d in docs), "the evidence is a document")

    # 8. R25 organisation and R24 incident (county records): cap.social_work_org passes, an
    #    extreme incident with bad impact fails the veto
    cn(net, "record", "add", "-c", net.cfg(county), "--type", "organisation", "--set",
       "name=红云社工中心", "--set", "credit_code=52530102MJ0000000X", "--set",
       "kind=专业社会工作机构", "--set", "in_purchase_catalogue=是", "--set",
       "contract_start=2020-01-01", "--set", "services=个案服务")
    cn(net, "record", "add", "-c", net.cfg(county), "--type", "incident", "--set",
       "region=%s" % townships[0], "--set", "occurred_at=2024-05-20", "--set", "type=极端事件",
       "--set", "impact=恶劣影响", "--set", "description=某事件经过", "--set", "source=舆情监测")
    rep = evaluate(net, county, "--standard", "yunnan-2018-demo", "--at", "2024-12-31")
    check(ind(rep, "cap.social_work_org")["result"] == "pass", "an organisation: pass")
    v = ind(rep, "veto.extreme_incident")
    check(v["result"] == "fail" and v["veto"] and v["value"] == 1, "veto %s" % v)
    check("某事件经过" not in json.dumps(rep, ensure_ascii=False), "the description never shown")

    # 9. standards list|show need no node
    lst = cn_json(net, "standards", "list")
    check(sorted(s["id"] for s in lst) == ["mca-2018-demo", "yunnan-2018-demo",
                                           "yunnan-2018-plan"], "standards list %s" % lst)
    show = cn_json(net, "standards", "show", "mca-2018-demo")
    check(len(show["indicators"]) == 77, "standards show")


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

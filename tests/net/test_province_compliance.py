#!/usr/bin/env python3
"""Compliance and the monthly bulletin at the province (issue 14 item 4): a
province 53, a prefecture 5301 and two counties 530102, 530103 with different
ledgers (`demo --province`, 1 township and 1 village each; the first county's
village also enters a director and a children's home, its county a task done
in time). The clocks move past the month's end: each county's roll-up carries
its compliance results, and the province's `carenet compliance --json`
gives per county exactly what the county's own `carenet compliance --json
--at <month end>` gives (result and value of every indicator, for both
standards of compliance.rollup_standards), its verdict and failing
indicators; --csv (BOM) and --html. The province's `bulletin --month M
--json`: its totals are the sum of the counties' rows, each county's row
equals that county's own bulletin and ledger. A month later one county's
clock stays behind: it is shown stale ("no roll-up since M"), not dropped,
with the drill-down command. Drill-down: an inspector scoped 5301 runs the
printed command against 530102 and gets its evaluation; at a county 530202
(another prefecture, enrolled with the province as its parent) it is
refused. A roll-up forged by a county whose result carries an ID number, or
a name as its threshold, is refused at the prefecture (an honest one of the
same shape is taken)."""

import csv
import io
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import TestFailure, check, main  # noqa: E402
from ledger_data import child, csv_text  # noqa: E402
from ops import (ack, advance, audit, cn, cn_json, county_under_province,  # noqa: E402
                 enable_test_clock, inbox_entries, make_inspector,
                 issue, matrix, past_month_end, poll, show)

PROVINCE, PREFECTURE = "53", "5301"
STANDARDS = ("mca-2018-demo", "yunnan-2018-plan")
EXIT_REFUSED = 4
DIRECTOR = "杨德明"


def rollups(net, node):
    v = cn_json(net, "ledger", "summary", "-c", net.cfg(node))
    return {o["id"]: o for o in v["offices"]}


def ledger(net, villages, county_children):
    """Different ledgers: county k's village imports county_children[k]
    children; the first also a director and a home."""
    kids, k = [], 0
    for v, n in zip(villages, county_children):
        mine = [child(k + i) for i in range(n)]
        k += n
        path = os.path.join(net.dir, "ledger-%s.csv" % v)
        with open(path, "w", encoding="utf-8") as f:
            f.write(csv_text(mine))
        cn(net, "record", "import", "-c", net.cfg(v), "--type", "child", path)
        kids.extend(mine)
    v = villages[0]
    cn(net, "record", "add", "-c", net.cfg(v), "--type", "staff", "--set", "name=%s" % DIRECTOR,
       "--set", "phone=13987654321", "--set", "role=儿童主任", "--set", "employment=专职",
       "--set", "engagement=村干部兼任", "--set", "duties=走访", "--set", "start_at=2019-05-01",
       "--set", "id_number=53010219850101002X")
    cn(net, "record", "add", "-c", net.cfg(v), "--type", "office", "--set", "code=%s" % v,
       "--set", "tier=village", "--set", "kind=儿童之家", "--set", "name=儿童之家%s" % v[-3:],
       "--set", "parent=%s" % v[:9], "--set", "host=现有设施", "--set",
       "established_at=2020-05-01", "--set", "address=村委会", "--set", "manager=%s-r1" % v)
    return kids


def by_id(indicators):
    return {x["id"]: (x["result"], None if x["value"] is None else round(x["value"], 6))
            for x in indicators}


def same_as_counties(net, counties, std):
    """The province's results per county = the county's own at its month end."""
    prov = cn_json(net, "compliance", "-c", net.cfg(PROVINCE), "--standard", std)
    check(prov["standard"] == std and prov["summary"]["counties"] == len(counties) and
          [c["id"] for c in prov["counties"]] == counties, "province compliance head: %r" %
          {k: prov[k] for k in ("standard", "summary", "month")})
    for c in prov["counties"]:
        own = cn_json(net, "compliance", "-c", net.cfg(c["id"]), "--standard", std, "--at",
                      c["results_at"])
        got = by_id(c["results"])
        check(got == by_id(own["indicators"]),
              "%s %s: the province's results differ from the county's own: %r" % (
                  c["id"], std, {k: (got.get(k), v) for k, v in by_id(own["indicators"]).items()
                                 if got.get(k) != v}))
        failing = sorted(x["id"] for x in own["indicators"] if x["result"] == "fail")
        verdict = "pass" if own["qualifies"] else "fail" if failing else "unknown"
        check(sorted(c["failing"]) == failing and c["verdict"] == verdict and
              c["fail"] == own["summary"]["fail"] and c["pass"] == own["summary"]["pass"] and
              c["unknown"] == own["summary"]["unknown"] and c["na"] == own["summary"]["n/a"],
              "%s %s: verdict %s %r, the county's own %s %r" % (
                  c["id"], std, c["verdict"], c["failing"], verdict, failing))
        check(not c["stale"] and c["month"] == prov["month"] and c["received_at"] > 0,
              "%s: data age %r" % (c["id"], c))
        check(bool(c["drill"]) == (verdict == "fail"), "%s: drill %r" % (c["id"], c["drill"]))
    for x in prov["indicators"]:
        n = x["counties"]
        check(n["pass"] + n["fail"] + n["unknown"] + n["n/a"] + n["missing"] == len(counties),
              "%s: counties %r" % (x["id"], n))
    return prov


def bulletin_sum(net, counties, month):
    b = cn_json(net, "bulletin", "-c", net.cfg(PROVINCE), "--month", month)
    rows = {o["id"]: o for o in b["offices"]}
    check(sorted(rows) == counties and b["counties"] == len(counties) and b["stale"] == 0,
          "bulletin offices %r" % sorted(rows))
    for key in ("targeted", "on_time", "late", "overdue", "open"):
        check(b["directives"][key] == sum(o["directives"][key] for o in rows.values()),
              "bulletin directives.%s is not the sum" % key)
    for key in ("filed", "hops", "in_time", "late", "missed"):
        check(b["reports"][key] == sum(o["reports"][key] for o in rows.values()),
              "bulletin reports.%s is not the sum" % key)
    check(b["children"] == sum(o["children"] for o in rows.values()), "children not the sum")
    for c in counties:
        own = cn_json(net, "bulletin", "-c", net.cfg(c), "--month", month)
        mine = rows[c]
        for key in ("targeted", "on_time", "late", "overdue"):
            check(mine["directives"][key] == own["directives"][key],
                  "%s: directives.%s %r at the province, %r at the county" % (
                      c, key, mine["directives"][key], own["directives"][key]))
        check(mine["reports"]["filed"] == own["reports"]["filed"], "%s: reports" % c)
        tot = sum(v.get("children", 0) for v in
                  cn_json(net, "ledger", "summary", "-c", net.cfg(c)).values())
        check(mine["children"] == tot and sum(mine["category"].values()) >= tot,
              "%s: children %r at the province, %d at the county" % (c, mine["children"], tot))
    return b


def outputs(net, std):
    r = cn(net, "compliance", "-c", net.cfg(PROVINCE), "--standard", std, "--csv")
    check(r.stdout.startswith("\ufeff"), "--csv has no BOM")
    rows = list(csv.DictReader(io.StringIO(r.stdout.lstrip("\ufeff"))))
    check(len(rows) >= 2 and {"county", "verdict", "failing", "drill"} <= set(rows[0]),
          "--csv rows %r" % rows[:1])
    page = os.path.join(net.dir, "province.html")
    cn(net, "compliance", "-c", net.cfg(PROVINCE), "--standard", std, "--html", page)
    with open(page, encoding="utf-8") as f:
        html = f.read()
    check(html.lstrip().lower().startswith("<!doctype html") and "530102" in html and
          "<script" not in html and DIRECTOR not in html, "--html page")
    r = cn(net, "compliance", "-c", net.cfg(PROVINCE), "--standard", std)
    check("530102" in r.stdout and "530103" in r.stdout, "table: %s" % r.stdout[:300])
    print("\n".join(r.stdout.splitlines()[:8]))
    return rows


def stale_county(net, counties, month):
    """A month later the second county's clock stays behind."""
    for node in (PROVINCE, PREFECTURE, counties[0]):
        advance(net, node, "31d")
    poll(net, lambda: (lambda s: (s[counties[0]]["month"] > month, s))(rollups(net, PROVINCE)),
         60, "the first county's next roll-up at the province")
    prov = cn_json(net, "compliance", "-c", net.cfg(PROVINCE), "--standard", STANDARDS[0])
    got = {c["id"]: c for c in prov["counties"]}
    late = got[counties[1]]
    check(late["stale"] and ("no roll-up since %s" % month) in late["note"] and
          late["drill"] and not got[counties[0]]["stale"] and prov["summary"]["stale"] == 1,
          "stale county: %r" % late)
    b = cn_json(net, "bulletin", "-c", net.cfg(PROVINCE), "--month", prov["month"])
    rows = {o["id"]: o for o in b["offices"]}
    check(sorted(rows) == counties and rows[counties[1]]["stale"] and b["stale"] == 1,
          "the bulletin drops or hides the stale county: %r" % rows.get(counties[1]))
    print("%s without a roll-up of %s: stale (%s), still listed" % (
        counties[1], prov["month"], late["note"]))
    return got[counties[1]]


def other_county(net, county="530202"):
    """A county under another prefecture (5302), reporting to the province."""
    county_under_province(net, county, "他州县", PROVINCE)
    net.start(county)
    poll(net, lambda: (lambda p: (p.get("state") == "up", p))(
        (net.status(county) or {}).get("parent") or {}), 30, "%s linked up" % county)
    return county


def drill_down(net, late, std):
    """The printed command, run with an inspector scoped 5301: 530102
    answers; 530202 (another prefecture) refuses it."""
    insp = make_inspector(net, PREFECTURE, "pref")
    county = "530102"
    cmd = late["drill"] if late["id"] == county else None
    if cmd is None:
        prov = cn_json(net, "compliance", "-c", net.cfg(PROVINCE), "--standard", std)
        cmd = [c for c in prov["counties"] if c["id"] == county][0]["drill"] or \
            late["drill"].replace(late["id"], county)
    argv = cmd.split()
    check(argv[:2] == ["carenet", "inspect"] and "--office" in argv, "drill: %r" % cmd)

    def fill(target):
        out = []
        for a in argv[1:]:
            a = a.replace("INSPECTOR.cfg", insp)
            a = a.replace("ENDPOINT-OF-" + late["id"], net.status(target)["listen"])
            a = a.replace("ENDPOINT-OF-" + county, net.status(target)["listen"])
            out.append(a)
        out = [x if not x.endswith(".pem") else os.path.join(net.dir, target, "node.pem")
               for x in out]
        office = out.index("--office") + 1
        out[office] = target
        return out

    rep = json.loads(cn(net, *fill(county), "--json").stdout)
    check(rep["office"] == county and rep["indicators"], "drill-down at %s: %r" % (
        county, rep.get("office")))
    other = other_county(net)
    r = cn(net, *fill(other), code=EXIT_REFUSED)
    check(r.stderr.startswith("carenet inspect:"), "refusal at %s: %r" % (other, r.stderr))
    print("drill-down: an inspector scoped %s asks %s (%d indicators); refused at %s: %s" % (
        PREFECTURE, county, len(rep["indicators"]), other, r.stderr.strip()[:100]))


def forged(net, args, county):
    """The county's identity sends its prefecture forged roll-ups."""
    net.stop(county)
    net.wait_for(lambda: net.child_state(PREFECTURE, county) == "down", 30,
                 "the prefecture to see %s down" % county)

    def probe(mode):
        argv = [args.probe, "--endpoint", net.status(PREFECTURE)["listen"], "--server-cert",
                os.path.join(net.dir, PREFECTURE, "node.pem"), "--identity",
                os.path.join(net.dir, county), "--send", mode, "--target", county,
                "--wait", "5000"]
        try:
            r = subprocess.run(argv, capture_output=True, text=True, timeout=30,
                               stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as e:
            raise TestFailure("carenet-probe did not finish") from e
        check(r.returncode == 0 and json.loads(r.stdout)["result"] == "acked",
              "probe %s: %s%s" % (mode, r.stdout, r.stderr))

    for mode in ("rollup-personal", "rollup-name"):
        before = net.status(PREFECTURE)["counters"]["items_refused"]
        probe(mode)
        poll(net, lambda: (net.status(PREFECTURE)["counters"]["items_refused"] == before + 1,
                           None), 10, "%s refused at the prefecture" % mode)
        why = [e["detail"] for e in audit(net, PREFECTURE) if e["action"] == "refuse"]
        check(why and "not a compliance result" in why[-1], "%s refused: %r" % (mode, why[-1:]))
        print("%s: refused at the prefecture (%s)" % (mode, why[-1][:90]))
    before = net.status(PREFECTURE)["counters"]
    probe("rollup-ok")
    poll(net, lambda: (net.status(PREFECTURE)["counters"]["items_applied"] >
                       before["items_applied"], None), 10, "the honest roll-up applied")
    check(net.status(PREFECTURE)["counters"]["items_refused"] == before["items_refused"],
          "the honest roll-up refused")
    with open(os.path.join(net.dir, PREFECTURE, "data", "data.mdb"), "rb") as f:
        raw = f.read()
    check(b"530102199001011234" not in raw and DIRECTOR.encode() not in raw,
          "the forged values are in the prefecture's store")
    net.start(county)


def test(net, args):
    check(args.probe and os.access(args.probe, os.X_OK), "--probe is required")
    ids = net.setup(1, 1, counties=2)
    counties = [i for i in ids if len(i) == 6]
    villages = [i for i in ids if len(i) == 12]
    check(ids[:2] == [PROVINCE, PREFECTURE] and counties == ["530102", "530103"],
          "demo --province planned %s" % ids)
    for i in ids:
        enable_test_clock(net, i)
    net.start_all()
    net.wait_for(net.all_links_up, 60, "every link up")
    ledger(net, villages, [4, 1])
    poll(net, lambda: (all(sum(v.get("children", 0) for v in cn_json(
        net, "ledger", "summary", "-c", net.cfg(c)).values()) == n
        for c, n in zip(counties, [4, 1])), None), 60, "each county holds its children")
    county, village = counties[0], villages[0]
    did = issue(net, county, village, "上报儿童信息", due="+2d")
    poll(net, lambda: (bool(inbox_entries(net, village, did)), None), 30, "the task at the village")
    ack(net, village, did, "done")
    poll(net, lambda: (matrix(show(net, county, did)) == {village: "done"}, None), 30,
         "the task done at the county")

    step = past_month_end(net, PROVINCE)
    for node in [PROVINCE, PREFECTURE] + counties:
        advance(net, node, step)
    seen = poll(net, lambda: (lambda s: (all(c in s for c in counties), s))(
        rollups(net, PROVINCE)), 60, "both counties' roll-ups at the province")
    month = seen[counties[0]]["month"]

    # 1. compliance per county = the county's own, for both standards
    for std in STANDARDS:
        prov = same_as_counties(net, counties, std)
        print("%s: per county the province's results = the county's own at %s (%s)" % (
            std, prov["counties"][0]["results_at"],
            ", ".join("%s %s" % (c["id"], c["verdict"]) for c in prov["counties"])))
    ms = {x["id"]: x for x in prov["milestones"]}
    check(ms["plan.report.prefecture_summary"]["result"] == "pass" and
          ms["plan.goal.system_2020"]["result"] in ("fail", "unknown") and
          ms["plan.demo.one_per_prefecture"]["result"] == "unknown" and
          ms["plan.demo.one_per_prefecture"]["note"], "milestones %r" % {
              k: (v["result"], v["note"]) for k, v in ms.items()})
    outputs(net, STANDARDS[0])
    pre = cn_json(net, "compliance", "-c", net.cfg(PREFECTURE), "--standard", STANDARDS[0])
    top = cn_json(net, "compliance", "-c", net.cfg(PROVINCE), "--standard", STANDARDS[0])
    check([(c["id"], c["prefecture"], c["verdict"], c["failing"]) for c in pre["counties"]] ==
          [(c["id"], PREFECTURE, c["verdict"], c["failing"]) for c in top["counties"]],
          "the prefecture's view %r" % pre["counties"])
    r = cn(net, "compliance", "-c", net.cfg(PROVINCE), "--standard", STANDARDS[0], "--office",
           "530102001", code=EXIT_REFUSED)
    check(r.stderr.startswith("carenet compliance:"), "--office a township: %r" % r.stderr)

    # 2. the bulletin: totals = the sum, each county's row = its own
    b = bulletin_sum(net, counties, month)
    print("bulletin %s: %d counties, directives %r, children %d (the counties' sum)" % (
        month, b["counties"], b["directives"], b["children"]))
    r = cn(net, "bulletin", "-c", net.cfg(PROVINCE), "--month", month, "--csv")
    check(r.stdout.startswith("\ufeff") and "530103" in r.stdout, "bulletin --csv")
    page = os.path.join(net.dir, "bulletin.html")
    cn(net, "bulletin", "-c", net.cfg(PROVINCE), "--month", month, "--html", page)

    # 3. a forged roll-up with a personal-looking value
    forged(net, args, counties[1])
    net.wait_for(net.all_links_up, 60, "every link up again")

    # 4. a county without the next month's roll-up: stale, listed
    late = stale_county(net, counties, month)

    # 5. drill-down: the printed command, scope-checked at the county
    drill_down(net, late, STANDARDS[0])


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

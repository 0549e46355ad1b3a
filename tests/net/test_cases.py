#!/usr/bin/env python3
"""Cases (issue 9, items 4 and 5) on a county, a township and a village: the
county records a hotline call and opens a case from it (`case open`), files a
report from it (`report file --hotline`: the call names the report); the
village adds a guardianship assessment, the county an intervention, a
placement and a support, the township an assistance application, each
referring to the case; `case show --json` at the county lists all of them
(the application and the assessment flowed up), masked unless --reveal; a
village cannot write a county-only type (exit 4, why); the township holds no
case; a task goes down with --ref the case, an unknown county record id is
refused; `record template --example` of the new types imports as is."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, main  # noqa: E402
from ops import cn, cn_json, poll  # noqa: E402

EXIT_REFUSED = 4


def add(net, node, rtype, **fields):
    args = ["record", "add", "-c", net.cfg(node), "--type", rtype]
    for k, v in fields.items():
        args += ["--set", "%s=%s" % (k, v)]
    out = cn_json(net, *args)
    check(len(out["ids"]) == 1, "record add %s at %s: %s" % (rtype, node, out))
    return out["ids"][0]


def test(net, args):
    ids = net.setup(1, 1)
    county = ids[0]
    township = [i for i in ids if len(i) == 9][0]
    village = [i for i in ids if len(i) == 12][0]
    net.start_all()
    net.wait_for(net.all_links_up, 60, "every link up")
    child = village + "-r77"  # a child record id (not one of the records below)

    # a hotline call at the county, and a case opened from it
    call = add(net, county, "hotline", received_at="2024-06-01 09:30", operator=county + "-r0",
               caller_type="邻居", caller_contact="13812345678", child_description="约8岁男孩",
               category="家庭监护缺失", urgency="紧急", assessment="儿童独居，需上门核实",
               status="处理中")
    r = cn(net, "case", "open", "-c", net.cfg(township), "--source", "R13", "--ref", call,
           "--description", "约8岁男孩", code=EXIT_REFUSED)
    check("kept by the county only" in r.stderr and r.stderr.startswith("carenet case open:"),
          "case open at a township: %s" % r.stderr)
    cn(net, "case", "open", "-c", net.cfg(county), "--source", "R13", "--ref", call, code=2)
    case = cn_json(net, "case", "open", "-c", net.cfg(county), "--source", "R13", "--ref", call,
                   "--child", child)["id"]
    check(case.startswith(county + "-r"), "case id %s" % case)

    # the call becomes a report (a call can create a report): filed at the county with
    # --hotline, the call's record names it, in the same transaction; only once
    rid = cn_json(net, "report", "file", "-c", net.cfg(county), "--situation", "S01",
                  "--summary", "热线：儿童独居", "--description", "约8岁男孩", "--hotline",
                  call)["id"]
    shown = cn_json(net, "record", "show", call, "-c", net.cfg(county))
    check(json.dumps(shown, ensure_ascii=False).count(rid) == 1,
          "the hotline call does not name report %s: %s" % (rid, shown))
    for bad, why in ((call, "already names report"), (case, "not a hotline call")):
        r = cn(net, "report", "file", "-c", net.cfg(county), "--situation", "S01", "--summary",
               "x", "--description", "y", "--hotline", bad, code=EXIT_REFUSED)
        check(why in r.stderr and r.stderr.startswith("carenet report file:"),
              "report file --hotline %s: %s" % (bad, r.stderr))
    held = [x["id"] for x in cn_json(net, "report", "list", "-c", net.cfg(county))]
    check(held == [rid], "a refused --hotline filing left a report behind: %s" % held)

    # records that refer to it, at the village, the county and the township
    assessment = add(net, village, "assessment", child=child, date="2024-06-05", assessor="李红",
                     result="监护不当", guidance="督促监护人履责", next_review="2024-09-05",
                     case=case)
    mine = [add(net, county, "intervention", child=child, guardian="张大山", actor="派出所",
                measure="批评训诫", reason="不履行监护职责", date="2024-06-06",
                reference_no="训字12号", case=case),
            add(net, county, "placement", child=child, type="亲属抚养", carer="张二山",
                start="2024-06-07", case=case),
            add(net, county, "support", child=child, kind="教育资助", provider="县教育局",
                source="财政", amount="1200.50", period_start="2024-03-01", case=case)]
    application = add(net, township, "application", received_at="2024-06-03 14:00",
                      applicant="张大山", child=child, types="社会救助、教育保障",
                      referrals="民政|2024-06-03 15:00; 教育|2024-06-04 09:00", case=case)

    # a village cannot write a county-only type
    r = cn(net, "record", "add", "-c", net.cfg(village), "--type", "intervention", "--set",
           "child=" + child, "--set", "guardian=张大山", "--set", "actor=派出所", "--set",
           "measure=批评训诫", "--set", "reason=遗弃", "--set", "date=2024-06-06", "--set",
           "reference_no=x", code=EXIT_REFUSED)
    check("are kept by the county only, not by village" in r.stderr, "village intervention: %s" %
          r.stderr)

    want = sorted([call, assessment, application] + mine)

    def shown():
        s = cn_json(net, "case", "show", "-c", net.cfg(county), case)
        return sorted(x["id"] for x in s["related"]) == want, s
    s = poll(net, shown, 60, "case show lists every record referring to the case")
    check(s["id"] == case and s["state"] == "open" and s["source"] == "R13" and
          s["source_ref"] == call and s["case"]["fields"]["status"] == "在办", "case: %s" % s)
    text = json.dumps(s, ensure_ascii=False)
    check(child not in text and "张大山" not in text and "13812345678" not in text,
          "masked without --reveal: %s" % text)
    rel = {x["id"]: x for x in s["related"]}
    check(rel[application]["owner"] == township and rel[assessment]["owner"] == village,
          "the application and the assessment flowed up: %s" % rel)
    check(rel[mine[2]]["fields"]["amount"] == "**", "money masked: %s" % rel[mine[2]])
    s = cn_json(net, "case", "show", "-c", net.cfg(county), case, "--reveal")
    check(s["case"]["fields"]["child"] == child and
          {x["id"]: x for x in s["related"]}[mine[0]]["fields"]["guardian"] == "张大山",
          "revealed: %s" % s)
    check(any(e.get("action") == "reveal" and e.get("subject") == case
              for e in cn_json(net, "audit", "-c", net.cfg(county))), "the reveal is audited")

    # case list: open, closed; CSV with a BOM; the township holds no case
    got = cn_json(net, "case", "list", "-c", net.cfg(county), "--state", "open")
    check([c["id"] for c in got] == [case] and got[0]["state"] == "open" and
          got[0]["child"] == "**", "case list --state open: %s" % got)
    check(cn_json(net, "case", "list", "-c", net.cfg(county), "--state", "closed") == [],
          "no closed case")
    csv = cn(net, "case", "list", "-c", net.cfg(county), "--csv").stdout
    check(csv.startswith("\ufeff") and case in csv, "case list --csv: %r" % csv[:200])
    check(cn_json(net, "case", "list", "-c", net.cfg(township)) == [], "no case at the township")
    cn(net, "case", "show", "-c", net.cfg(township), case, code=EXIT_REFUSED)

    # closing the case needs its assessment, plan and outcome
    r = cn(net, "record", "update", "-c", net.cfg(county), case, "--set", "status=结案",
           code=EXIT_REFUSED)
    check("帮扶方案 (plan): empty" in r.stderr, "close without a plan: %s" % r.stderr)
    cn(net, "record", "update", "-c", net.cfg(county), case, "--set", "status=结案",
       "--set", "closed_at=2024-07-01 10:00", "--set", "assessed_at=2024-06-05",
       "--set", "assessor=" + county + "-r0", "--set", "assessment=监护不当",
       "--set", "plan=亲属抚养、教育资助", "--set", "outcome=已安置")
    got = cn_json(net, "case", "list", "-c", net.cfg(county), "--state", "closed")
    check([c["id"] for c in got] == [case] and got[0]["state"] == "closed", "closed: %s" % got)

    # a task within the case goes down with --ref the case
    d = cn_json(net, "directive", "issue", "-c", net.cfg(county), "--kind", "task", "--to",
                village, "--title", "个案走访 case visit", "--due", "+7d", "--ref", case)
    check(d.get("id"), "task with --ref the case: %s" % d)
    r = cn(net, "directive", "issue", "-c", net.cfg(county), "--kind", "task", "--to", village,
           "--title", "x", "--due", "+7d", "--ref", county + "-r999", code=EXIT_REFUSED)
    check("no case %s-r999 here" % county in r.stderr, "unknown case ref: %s" % r.stderr)

    # templates of the new types import as they are
    for rtype, node in (("hotline", county), ("case", county), ("application", township),
                        ("assessment", village), ("support", village)):
        text = cn(net, "record", "template", "--type", rtype, "--example").stdout
        path = os.path.join(net.dir, "tpl-%s.csv" % rtype)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        out = cn_json(net, "record", "import", "-c", net.cfg(node), "--type", rtype, path)
        check(len(out["ids"]) == 1, "import of the %s template at %s: %s" % (rtype, node, out))


if __name__ == "__main__":
    sys.exit(main(test, __doc__))

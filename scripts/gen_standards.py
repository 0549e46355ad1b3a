#!/usr/bin/env python3
"""Generates config/standards/*.cfg from ../shared/docs/standards.md.

One entry per table row of sections 1-3 (yunnan-2018-plan, yunnan-2018-demo,
mca-2018-demo): id, tier, the seed's words (zh), the English gloss (en), the
software check as prose (check), mode, rule, threshold, window, due, veto,
and the seed line. The rules of mode-M rows are written by hand in RULES
below (the prose of standards.md is not machine-readable); a mode-M row
whose data carenet does not keep yet carries `needs` instead of a rule and
is evaluated as unknown, never as a pass.

Usage: scripts/gen_standards.py [STANDARDS.md] [OUTDIR]
"""
import os
import re
import sys

SECTIONS = {
    'yunnan-2018-plan': ('云南省农村留守儿童关爱保护和困境儿童福利服务保障体系建设实施方案（2018—2020年）',
                         "Yunnan's 2018-2020 plan", '2018-04-03'),
    'yunnan-2018-demo': ('全省农村留守儿童关爱保护和困境儿童保障示范县（市、区）指导标准',
                         "Yunnan's demonstration-county standard", '2018-02'),
    'mca-2018-demo': ('全国农村留守儿童关爱保护和困境儿童保障示范县（市、区、旗）指导标准（民函〔2018〕4号 附件1）',
                      "the Ministry of Civil Affairs' demonstration-county standard", '2018-01'),
}

COMM = 'division(type in {村, 社区})'
TOWN = 'division(type in {乡镇, 街道})'
HOME_MANAGED = 'home(own, active, present(manager))'

# Hand-written rules (docs/design.md, "Compliance": the language). Keys:
# id (both demo standards) or "standard:id" (one standard only).
RULES = {
    # ---- yunnan-2018-plan
    'plan.goal.center_station_2020': f'every {TOWN} : exists office(own, active, kind = 工作站) by 2020-12-31',
    'plan.goal.home_50_2020': f'share {COMM} : exists home(own, active) >= 50% by 2020-12-31',
    'plan.net.township_station': f'every {TOWN} : exists office(own, active, kind = 工作站) by 2018-04-30',
    'plan.net.home_cov_20': f'share {COMM} : exists home(own, active) >= 20% by 2018-10-31',
    'plan.net.home_cov_50': f'share {COMM} : exists home(own, active) >= 50% by 2020-12-31',
    'plan.net.home_schedule': f'every {COMM} : exists home(own, active) by 2020-12-31',
    'plan.net.three_tier': 'every home(active) : present(parent)',
    'plan.staff.center_office': 'count staff(own, active, role = 指导中心工作人员) >= 1 by 2018-04-30',
    'plan.staff.center_members': 'every staff(own, active, role = 指导中心工作人员) : present(member_unit) by 2018-04-30',
    'plan.staff.township_supervisor': f'every {TOWN} : exists staff(own, active, role = 儿童督导员, engagement in {{政府购买服务, 公益性岗位}}) by 2018-04-30',
    'plan.staff.home_director': 'every home(active) : exists staff(own, active, role = 儿童主任) by 2018-10-31',
    'plan.staff.director_20': f'share {COMM} : exists staff(own, active, role = 儿童主任) >= 20% by 2018-10-31',
    'plan.staff.director_rest': f'share {COMM} : exists staff(own, active, role = 儿童主任) >= 100% by 2020-12-31',
    'plan.train.tiered': 'exists training(audience has all {儿童督导员, 儿童主任})',
    'plan.train.supervisor_by_prefecture': 'exists training(organiser_tier = prefecture, audience has 儿童督导员)',
    'plan.train.director_by_county': 'exists training(organiser_tier = county, audience has 儿童主任)',
    'plan.train.certificate': 'every training : present(certified)',
    'plan.train.topics': 'exists training(topics has all {家庭走访, 信息采集更新, 强制报告, 政策链接, 家庭监护主体责任})',
    'plan.staff.realname': 'every staff(active, role in {儿童督导员, 儿童主任}) : present(mca_registered_at)',
    'plan.ledger.national_system': 'every child(active, categories has any {孤儿, 艾滋病病毒感染, 事实无人抚养}) : present(sys_welfare_at)',
    'plan.ledger.difficulty_entry': 'every child(active, categories has any {重残, 贫困家庭, 流浪, 监护缺失/不当}) : present(sys_lb_at) by 2018-06-30',
    'plan.ledger.collector': 'every review : review_state = approved and reviewer_tier = township',
    'plan.staff.grid': 'every child(active) : present(responsible_staff)',
    'plan.ledger.left_behind_update': 'every child(active, categories has 留守) : verified_at >= 2018-01-01 by 2018-03-31',
    'plan.ledger.no_field_missing': 'every child(active) : present(address) and present(guardianship_status) and present(school_stage) and present(insurance)',
    'plan.ledger.quarterly': 'every child(active) : verified_at in quarter',
    'plan.meet.county': 'count meeting(own, body in {政府, 党委, 领导协调机制}) in year >= 2',
    'plan.meet.township': f'every {TOWN} : count meeting(own) in year >= 1',
    'plan.meet.topics': 'every meeting in year : present(topics)',
    'plan.meet.minutes': 'every meeting in year : present(minutes)',
    'plan.staff.dedicated': 'exists staff(own, active, role = 专门工作人员) by 2018-04-30',
    'plan.ledger.work_ledger': 'exists document(own) in year',
    'plan.measures.layout': f'every {COMM} : present(population) and present(child_count) by 2018-04-30',
    'plan.measures.duties': 'every staff(active) : present(duties) by 2018-04-30',
    'plan.measures.posts': f'every {COMM} : exists staff(own, active, role = 儿童主任)',
    'plan.measures.filed': 'exists document(own, kind = 细化措施, present(filed_with), present(filed_at))',
    'plan.net.people_named': 'exists staff(own, active, role = 分管领导) by 2018-04-30',
    'plan.social.services': 'exists placement(type in {家庭寄养, 委托代养, 爱心助养})',
    'plan.social.professional': 'exists activity(type in {心理疏导, 关系调适, 家庭教育指导培训}) in year',
    'plan.social.enterprise': 'exists support(source = 企业)',
    'plan.fund.director_subsidy': 'every staff(active, role = 儿童主任) : subsidy > 0 by 2018-06-30',
    'plan.org.joint_meeting': 'count meeting(own, body in {联席会议, 领导协调机制}) in year >= 1',
    'plan.org.publicity': 'exists activity(type = 政策宣传) in year',
    'plan.org.volunteer': 'exists activity(type = 志愿服务) in year',
    'plan.social.orgs': 'exists organisation(kind in {专业社会工作机构, 慈善组织, 志愿服务组织})',
    'plan.social.ppp': 'exists organisation(kind in {托养照料, 康复训练})',
    'plan.insp.veto': 'none incident(type = 极端事件, impact = 恶劣影响) in year',
    # ---- the demonstration standards (same ids in both)
    'lead.county_meetings': 'count meeting(own, body in {党委, 政府}) in year >= 2',
    'lead.township_meetings': f'every {TOWN} : count meeting(own, body in {{党委, 政府}}) in year >= 1',
    'lead.meeting_topics': 'every meeting(body in {党委, 政府}) in year : present(topics)',
    'lead.meeting_minutes': 'every meeting(body in {党委, 政府}) in year : present(minutes)',
    'fund.director_subsidy': 'every staff(active, role in {儿童主任, 儿童督导员}) : subsidy > 0',
    'rights.living.orphan_over18': 'every child(active, categories has 孤儿, age >= 18, school_stage in {普通高中, 职业高中, 全日制本专科}) : exists support(active, kind = 孤儿基本生活费)',
    'rights.living.priority': 'every child(active, poverty_type has any {建档立卡, 低保, 特困, 重病重残}) : exists support(active)',
    'rights.living.existing': 'exists support(active, kind in {低保, 特困供养})',
    'rights.guard.effective': 'every child(active, guardianship_status in {无人监护, 监护缺失} or living = 单独居住) : exists placement(active)',
    'rights.guard.orphan_placement': 'every child(active, categories has 孤儿) : exists placement(active, type in {亲属抚养, 机构养育, 家庭寄养, 收养})',
    'rights.guard.adoption': 'every placement(type = 收养) : present(adoption_assessment) and present(registration_no)',
    'rights.guard.institution': 'every child(active, guardianship_status = 民政监护) : exists placement(active, type = 儿童福利机构收留抚养)',
    'rights.med.basic_insurance': 'share child(active, age < 18) : insurance has all {城乡基本医疗保险, 大病保险} >= 100%',
    'rights.med.rehab_0_6': 'every child(active, age <= 6, disability_type has any {视力, 听力, 言语, 智力, 肢体, 孤独症}) : exists support(active, kind = 康复救助)',
    'rights.edu.return': 'every child(active, school_stage = 辍学) : exists visit(kind = 劝返)',
    'rights.edu.disabled_verify': 'every child(active, categories has any {残疾, 重残}, school_stage = 未入学, age >= 6, age < 16) : verified_at in year',
    'rights.edu.disabled_modes': 'every child(active, categories has any {残疾, 重残}, age >= 6, age < 16) : present(school_mode)',
    'rights.guard.report_police': 'every report in year : present(police_reported_at) and police_delay_h <= 24',
    'protect.mr_police_log': 'every report in year : present(police_record_no)',
    'protect.emergency_notify': 'every report in year : present(township_notified_at) and present(county_notified_at) and acked_in_time = 是',
    'protect.monitoring_flow': 'every review : review_state = approved and (present(sys_welfare_at) or not (categories has any {孤儿, 艾滋病病毒感染, 事实无人抚养})) and (present(sys_lb_at) or not (categories has any {留守, 重残, 贫困家庭, 流浪, 监护缺失/不当}))',
    'protect.monitoring': 'every child(active) : verified_at in quarter',
    'protect.hotline_handling': 'every hotline in year : present(assessment) and (present(referred_to) or present(reported_to))',
    'protect.hotline_publicity': 'count activity(type = 热线宣传, channel in {电视, 广播}) in year >= 1',
    'protect.mr_publicity': 'count activity(type = 强制报告宣传) in year >= 1',
    'protect.case_assessment': 'every case(status = 结案) : present(assessed_at)',
    'protect.temp_custody': 'every case(temp_custody = 是) : present(temp_custody_start)',
    'protect.one_door': 'every application in year : present(referrals)',
    'protect.intervene_alone16': 'every child(active, age < 16, living = 单独居住) : exists intervention(measure = 批评训诫)',
    'cap.home_unit': 'every home(active) : present(host)',
    'yunnan-2018-demo:cap.home_coverage': f'share {COMM} : exists {HOME_MANAGED} >= 90%',
    'yunnan-2018-demo:cap.home_large_villages': f'every division(type in {{村, 社区}}, child_count >= 100) : exists {HOME_MANAGED}',
    'mca-2018-demo:cap.home_large_villages': f'when county.county_type = 县 : every division(type in {{村, 社区}}, child_count >= 100) : exists {HOME_MANAGED}',
    'yunnan-2018-demo:cap.home_activity': 'every home(active) : exists activity(own, type = 儿童之家活动) in last 3 months',
    'mca-2018-demo:cap.home_activity': 'when county.county_type = 县 : every division(type in {村, 社区}, child_count >= 100) : weekly count activity(own, type = 儿童之家活动) in last 13 weeks >= 2',
    'cap.home_open_hours': 'every home(active) : present(opening_hours)',
    'cap.home_coverage_other': f'share {COMM} : exists {HOME_MANAGED} >= 50% by 2020-12-31',
    'mca-2018-demo:cap.home_cov_municipal_district': f'when county.county_type = 直辖市城区 : share division(type = 社区) : exists {HOME_MANAGED} >= 90%',
    'mca-2018-demo:cap.home_cov_city_district': f'when county.county_type in {{县级市, 地级市辖区}} : share division(type = 村) : exists {HOME_MANAGED} >= 80%',
    'cap.home_ledger': 'every home(active) : exists child(own, active)',
    'cap.home_services': 'every child(active) : exists visit in last 92 days',
    'cap.home_family_training': 'every home(active) : count activity(own, type = 家庭教育指导培训) in year >= 4',
    'staff.township_supervisor': f'every {TOWN} : exists staff(own, active, role = 儿童督导员)',
    'yunnan-2018-demo:staff.village_director': f'every {COMM} : exists staff(own, active, role = 儿童主任, employment = 专职 or engagement = 民政助理员兼职)',
    'mca-2018-demo:staff.village_director': f'every {COMM} : exists staff(own, active, role = 儿童主任, employment = 专职 or engagement = 民政协理员兼职)',
    'staff.social_workers_county': 'count staff(own, active, role = 儿童社工) >= 2',
    'staff.social_workers_township': f'every {TOWN} : exists staff(own, active, role = 儿童社工)',
    'yunnan-2018-demo:train.annual': 'count training(organiser_tier in {prefecture, county}, kind = 集中培训, audience has all {乡镇工作人员, 儿童主任}) in year >= 1',
    'mca-2018-demo:train.annual': 'count training(organiser_tier = county, kind = 集中培训, audience has all {乡镇工作人员, 儿童主任}) in year >= 1',
    'train.certificate': 'every training(kind = 集中培训) in year : present(certified)',
    'train.publicity_county': 'count activity(own, type = 政策宣传) in year >= 2',
    'train.publicity_township': f'every {TOWN} : count activity(own, type = 政策宣传) in year >= 2',
    'veto.guardianship': 'every child(active, guardianship_status in {无人监护, 监护缺失}) : exists placement(active)',
    'cap.social_work_org': 'count organisation(own, active, kind = 专业社会工作机构) >= 1',
    'veto.extreme_incident': 'none incident(type = 极端事件, impact = 恶劣影响) in last 24 months',
    'veto.hukou': 'none child(active, categories has 留守, hukou_registered = 否)',
}

# Mode-M rows no rule can measure yet: what is missing (evaluated unknown).
NEEDS = {
    'plan.goal.system_2020': 'a roll-up over the counties of a province (no province node yet)',
    'plan.report.county_summary': 'R29 summaries are not kept yet',
    'plan.report.prefecture_summary': 'R29 summaries are not kept yet',
    'plan.report.monthly_bulletin': 'directives (circulars) are not a record source of the rules',
    'plan.demo.one_per_prefecture': 'R30 applications are not kept yet',
    'plan.demo.apply': 'R30 applications are not kept yet',
    'plan.demo.recommend': 'R30 applications are not kept yet',
    'plan.report.annual_progress': 'R29 summaries are not kept yet',
    'plan.org.accountability': 'a report over directives, not a threshold',
    'plan.insp.joint': 'R28 findings are not kept yet',
    'plan.insp.guidance': 'directives are not a record source of the rules',
    'plan.insp.rectify': 'directives and R28 findings are not a record source of the rules',
    'plan.insp.notify_leaders': 'directives are not a record source of the rules',
    'rights.edu.dropout': "the province's and prefecture's averages are an X figure (R27), not kept yet",
    'cap.home_small_villages': "R01 catchment is free text, not a list of division codes",
}

VETO_IDS = ('veto.',)


def cells(line):
    return [c.strip() for c in line.strip().strip('|').split(' | ')]


def unquote(s):
    m = re.findall(r'「([^」]*)」', s)
    return '…'.join(m) if m else s


def mode_of(text):
    t = text.strip()
    if t.startswith('—'):
        return '—'
    m = re.match(r'([MAIX])', t)
    return m.group(1) if m else '—'


def esc(s):
    return s.replace('\\', '\\\\').replace('"', '\\"')


def threshold_of(rule):
    if not rule:
        return ''
    m = re.search(r'(>=|<=|>|<|=)\s*([0-9.]+%?)\s*(?:by\s+\S+\s*)?$', rule)
    if rule.lstrip().startswith('weekly') or ' weekly ' in rule:
        m2 = re.search(r'(>=|<=)\s*(\d+)\s*$', rule)
        return f'{m2.group(1)} {m2.group(2)} per week' if m2 else ''
    if m and (rule.startswith('share') or ': share' in rule or 'count' in rule):
        return f'{m.group(1)} {m.group(2)}'
    if re.search(r'(^|: )none ', rule):
        return '= 0'
    if re.search(r'(^|: )every ', rule):
        return 'all'
    if re.search(r'(^|: )exists ', rule):
        return '>= 1'
    return ''


def window_of(rule):
    m = re.search(r'\bin (year|quarter|month|last \d+ (?:days|weeks|months))', rule or '')
    return m.group(1) if m else ''


def due_of(rule, col):
    m = re.search(r'\bby (\d{4}-\d{2}-\d{2})', rule or '')
    if m:
        return m.group(1)
    m = re.match(r'(\d{4}-\d{2}-\d{2})', col or '')
    return m.group(1) if m else ''


def rows_of(md):
    sec, out = None, {}
    for line in open(md, encoding='utf-8'):
        m = re.match(r'## \d\. `([^`]+)`', line)
        if m:
            sec = m.group(1) if m.group(1) in SECTIONS else None
            continue
        if sec and line.startswith('| ') and not line.startswith('| id ') and '|---' not in line:
            c = cells(line)
            if len(c) == 8:
                out.setdefault(sec, []).append(c)
    return out


def entry(std, c, yunnan_rows):
    iid, tier, zh, en, check, mode_text, col7, line = c
    differs = ''
    if std == 'mca-2018-demo' and iid in yunnan_rows:
        if check.startswith('as Y'):
            check = yunnan_rows[iid][4] + ' (as Yunnan)'
        if not en.startswith('= Y'):
            differs = en
        en = yunnan_rows[iid][3]
    mode = mode_of(mode_text)
    rule = RULES.get(f'{std}:{iid}', RULES.get(iid, '')) if mode == 'M' else ''
    needs = NEEDS.get(iid, '') if mode == 'M' and not rule else ''
    if mode == 'M' and not rule and not needs:
        raise SystemExit(f'{std}: {iid}: mode M without a rule or a needs reason')
    due = due_of(rule, col7 if std == 'yunnan-2018-plan' else '')
    f = [f'id = "{esc(iid)}";', f'tier = "{esc(tier)}";', f'zh = "{esc(unquote(zh))}";',
         f'en = "{esc(en)}";', f'check = "{esc(check)}";', f'mode = "{mode}";',
         f'mode_text = "{esc(mode_text)}";']
    if differs:
        f.append(f'differs = "{esc(differs)}";')
    if rule:
        f.append(f'rule = "{esc(rule)}";')
        f.append(f'threshold = "{esc(threshold_of(rule))}";')
        f.append(f'window = "{esc(window_of(rule))}";')
    if needs:
        f.append(f'needs = "{esc(needs)}";')
    if due:
        f.append(f'due = "{due}";')
    f.append(f'veto = {"true" if iid.startswith(VETO_IDS) else "false"};')
    f.append(f'seed_line = "{esc(line)}";')
    return '  {\n' + ''.join(f'    {x}\n' for x in f) + '  }'


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    md = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, '../../shared/docs/standards.md')
    outdir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, '../config/standards')
    rows = rows_of(md)
    yrows = {c[0]: c for c in rows.get('yunnan-2018-demo', [])}
    for std, (zh, en, date) in SECTIONS.items():
        body = ',\n'.join(entry(std, c, yrows) for c in rows[std])
        text = (f'# {std}: generated by scripts/gen_standards.py from standards.md; the rules\n'
                f'# are the script\'s RULES table. Edit there and regenerate, or amend here by hand.\n'
                f'standard = {{\n  id = "{std}";\n  title_zh = "{esc(zh)}";\n'
                f'  title_en = "{esc(en)}";\n  date = "{date}";\n}};\n'
                f'indicators = (\n{body}\n);\n')
        with open(os.path.join(outdir, f'{std}.cfg'), 'w', encoding='utf-8') as f:
            f.write(text)
        print(f'{std}: {len(rows[std])} indicators')


if __name__ == '__main__':
    main()

/*
 * schema: the record types of this slice as data — one row per field
 * (../shared/docs/records.md: R01 office, R02 division, R05 document,
 * R06 staff, R07 training, R08 meeting, R09 child with its R04 guardian and
 * R16 household, R10 activity, R11 visit; the cases' R13-R15, R18-R21,
 * the incident R24, organisation R25, budget line R26 and the attestation R27
 * below). validate.c reads these rows; so do the CLI's templates and CSV
 * headers (through roles.h).
 *
 * Where records.md lists a field as a list of references or a document
 * (R07 trainees, R08 minutes) this slice keeps a text or a count; documents
 * travelling up are a later issue.
 */
#include <string.h>
#include <strings.h>

#include "records.h"

#define V(...) ((const char *const[]){__VA_ARGS__, NULL})
#define N(a) (sizeof(a) / sizeof((a)[0]))
/* F(name, zh, kind, values, flags, example); W(...) adds a condition. */
#define F(n, z, k, v, f, ex) {n, z, k, v, f, NULL, NULL, 0, ex}
#define W(n, z, k, v, f, c, cv, neg, ex) {n, z, k, v, f, c, cv, neg, ex}
#define P RF_PERSONAL

/* ---- R09 child (基础信息台账), with R04 guardian and R16 household */
static const char *const categories[] = {"留守", "孤儿", "艾滋病病毒感染", "事实无人抚养",
                                         "重残", "贫困家庭", "流浪", "监护缺失/不当",
                                         "残疾", "涉案", NULL};
static const char *const in_school[] = {"小学", "初中", "普通高中", "职业高中", "全日制本专科",
                                        NULL};
static const struct rec_field child[] = {
    F("name", "姓名", RK_TEXT, NULL, RF_REQ | P, "张三明"),
    F("gender", "性别", RK_ENUM, V("男", "女"), RF_REQ | P, "男"),
    F("birth_date", "出生日期", RK_DATE, NULL, RF_REQ | P, "2012-03-07"),
    F("id_number", "身份证号", RK_IDNUM, NULL, P, "530102201203071232"),
    F("hukou_registered", "户籍登记", RK_BOOL, NULL, RF_REQ | P, "是"),
    F("hukou_place", "户籍地", RK_TEXT, NULL, P, ""),
    F("address", "住址", RK_TEXT, NULL, RF_REQ | P, "五华区红云街道1号"),
    F("categories", "类别", RK_SET, categories, RF_REQ | P, "留守、孤儿"),
    W("orphan_type", "孤儿类型", RK_ENUM, V("父母双亡", "查找不到生父母"), RF_WHEN | RF_ONLY | P,
      "categories", V("孤儿"), 0, "父母双亡"),
    W("poverty_type", "贫困类型", RK_SET, V("建档立卡", "低保", "特困", "重病重残"),
      RF_WHEN | RF_ONLY | P, "categories", V("贫困家庭"), 0, ""),
    W("disability_type", "残疾类别", RK_SET, V("视力", "听力", "言语", "智力", "肢体", "孤独症"),
      RF_WHEN | RF_ONLY | P, "categories", V("残疾", "重残"), 0, ""),
    W("disability_grade", "残疾等级", RK_ENUM, V("一级", "二级", "三级", "四级"), RF_ONLY | P,
      "categories", V("残疾", "重残"), 0, ""),
    F("guardianship_status", "监护状况", RK_ENUM,
      V("有效监护", "委托监护", "监护缺失", "监护不当", "无人监护", "民政监护"), RF_REQ | P,
      "委托监护"),
    F("living", "居住情况", RK_ENUM,
      V("与父母同住", "与祖辈同住", "与其他亲属同住", "与受委托人同住", "单独居住",
        "寄养家庭", "儿童福利机构", "寄宿学校", "流浪或下落不明"),
      RF_REQ | P, "与祖辈同住"),
    F("school_stage", "就学情况", RK_ENUM,
      V("学龄前", "小学", "初中", "普通高中", "职业高中", "全日制本专科", "未入学", "辍学",
        "不在学"),
      RF_REQ | P, "初中"),
    W("school_name", "学校", RK_TEXT, NULL, RF_WHEN | P, "school_stage", in_school, 0,
      "红云中学"),
    W("boarding", "寄宿", RK_BOOL, NULL, P, NULL, NULL, 0, "否"),
    F("insurance", "参保情况", RK_SET, V("城乡基本医疗保险", "大病保险", "意外伤害保险"),
      RF_REQ | P, "城乡基本医疗保险"),
    W("guardian_name", "监护人姓名", RK_TEXT, NULL, RF_WHEN | P, "guardianship_status",
      V("无人监护"), 1, "张大山"),
    W("guardian_relation", "监护人关系", RK_ENUM,
      V("父", "母", "祖父母", "外祖父母", "其他亲属", "受委托监护人", "民政部门",
        "儿童福利机构"),
      RF_WHEN | P, "guardianship_status", V("无人监护"), 1, "祖父母"),
    W("guardian_phone", "监护人电话", RK_PHONE, NULL, RF_WHEN | P, "guardianship_status",
      V("无人监护"), 1, "13812341234"),
    F("guardian_id_number", "监护人身份证号", RK_IDNUM, NULL, P, ""),
    F("guardian_capacity", "监护能力", RK_ENUM,
      V("有监护能力", "丧失监护能力", "不履行监护责任", "下落不明", "死亡"), P, "有监护能力"),
    F("household_head", "户主姓名", RK_TEXT, NULL, P, ""),
    F("household_phone", "户主电话", RK_PHONE, NULL, P, ""),
    F("needs", "需求", RK_TEXT, NULL, P, ""),
    F("responsible_staff", "包干人员", RK_REF, NULL, 0, ""),
    F("verified_at", "核实日期", RK_DATE, NULL, 0, "2024-03-31"),
    /* issue 10: how a disabled child is schooled; the dates of entry in the
     * two national systems (全国儿童福利信息系统: C03-C05; 全国农村留守儿童和
     * 困境儿童信息系统: C01, C06-C09). Optional, last so older sheets still fit. */
    W("school_mode", "就学方式", RK_ENUM,
      V("随班就读", "特殊教育学校", "儿童福利机构特教班", "送教进社区"), RF_ONLY | P,
      "categories", V("残疾", "重残"), 0, ""),
    F("sys_welfare_at", "儿童福利系统录入日期", RK_DATE, NULL, 0, ""),
    F("sys_lb_at", "留守困境系统录入日期", RK_DATE, NULL, 0, ""),
};

/* ---- R01 office profile */
static const struct rec_field office[] = {
    F("code", "代码", RK_CODE, NULL, RF_REQ, "530102001001"),
    F("tier", "层级", RK_ENUM, V("province", "prefecture", "county", "township", "village"),
      RF_REQ, "village"),
    F("kind", "类型", RK_ENUM,
      V("指导中心", "工作站", "儿童之家", "区域性儿童之家", "未成年人保护中心", "儿童福利机构",
        "热线", "专门业务科室", "特殊教育学校"),
      RF_REQ, "儿童之家"),
    F("name", "名称", RK_TEXT, NULL, RF_REQ, "红云社区儿童之家"),
    F("parent", "上级代码", RK_CODE, NULL, RF_REQ, "530102001"),
    W("host", "依托", RK_ENUM,
      V("政务中心", "儿童福利机构", "现有设施", "乡村学校", "少年宫", "新建住宅小区配套", "other"),
      RF_WHEN | RF_ONLY, "kind", V("指导中心", "儿童之家", "区域性儿童之家"), 0, "现有设施"),
    F("established_at", "建立日期", RK_DATE, NULL, RF_REQ, "2018-10-31"),
    F("closed_at", "撤销日期", RK_DATE, NULL, 0, ""),
    F("address", "地址", RK_TEXT, NULL, RF_REQ, "红云街道1号"),
    F("manager", "管理人", RK_REF, NULL, 0, ""),
    F("catchment", "服务范围", RK_TEXT, NULL, 0, ""),
    F("opening_hours", "开放时间", RK_TEXT, NULL, 0, "周六 9:00-17:00"),
    F("paired_unit", "挂钩单位", RK_TEXT, NULL, 0, ""),
    F("online_group", "线上群", RK_BOOL, NULL, 0, "是"),
    W("county_type", "县类型", RK_ENUM, V("县", "县级市", "地级市辖区", "直辖市城区"),
      RF_WHEN | RF_ONLY, "tier", V("county"), 0, ""),
    W("population", "人口", RK_INT, NULL, RF_WHEN | RF_ONLY, "tier", V("county"), 0, ""),
    W("special_school", "特殊教育学校", RK_BOOL, NULL, RF_ONLY, "tier", V("county"), 0, ""),
    W("hotline_number", "热线号码", RK_PHONE, NULL, RF_WHEN | RF_ONLY, "kind", V("热线"), 0, ""),
    W("space_for_orgs", "社会组织场地", RK_BOOL, NULL, RF_ONLY, "kind", V("未成年人保护中心"), 0,
      ""),
};

/* ---- R02 division roster */
static const struct rec_field division[] = {
    F("code", "区划代码", RK_CODE, NULL, RF_REQ, "530102001001"),
    F("name", "名称", RK_TEXT, NULL, RF_REQ, "红云社区"),
    F("type", "类型", RK_ENUM, V("乡镇", "街道", "村", "社区"), RF_REQ, "社区"),
    F("parent", "上级代码", RK_CODE, NULL, RF_REQ, "530102001"),
    W("population", "人口", RK_INT, NULL, RF_WHEN, "type", V("村", "社区"), 0, "3200"),
    F("child_count", "儿童数", RK_INT, NULL, RF_REQ, "640"),
    F("child_count_as_of", "儿童数截至", RK_DATE, NULL, RF_REQ, "2024-01-01"),
    F("planned_home_date", "计划建家日期", RK_DATE, NULL, RF_FUTURE, ""),
    F("responsible_staff", "包干人员", RK_REF, NULL, 0, ""),
};

/* ---- R05 document (metadata; the file stays with the owner in this slice) */
static const struct rec_field document[] = {
    F("kind", "类型", RK_ENUM,
      V("机制文件", "细化措施", "年度工作计划", "年度进展报告", "考核办法", "实施意见",
        "会议纪要", "培训方案", "经费文件", "操作规程", "证书", "照片签到", "other"),
      RF_REQ, "年度工作计划"),
    F("title", "标题", RK_TEXT, NULL, RF_REQ, "2024年儿童关爱保护工作计划"),
    F("issued_at", "印发日期", RK_DATE, NULL, RF_REQ, "2024-02-01"),
    F("year", "年度", RK_INT, NULL, RF_REQ, "2024"),
    F("doc_name", "文件名", RK_TEXT, NULL, 0, "plan-2024.pdf"),
    F("doc_sha256", "文件SHA256", RK_TEXT, NULL, 0, ""),
    W("filed_with", "备案机关", RK_CODE, NULL, RF_WHEN | RF_ONLY, "kind", V("细化措施"), 0, ""),
    W("filed_at", "备案日期", RK_DATE, NULL, RF_WHEN | RF_ONLY, "kind", V("细化措施"), 0, ""),
};

/* ---- R06 staff roster */
static const char *const registered_roles[] = {"儿童督导员", "儿童主任", NULL};
static const struct rec_field staff[] = {
    F("name", "姓名", RK_TEXT, NULL, RF_REQ | P, "李红"),
    W("id_number", "身份证号", RK_IDNUM, NULL, RF_WHEN | P, "role", registered_roles, 0,
      "53010219850101002X"),
    F("phone", "联系电话", RK_PHONE, NULL, RF_REQ | P, "13987654321"),
    F("role", "岗位", RK_ENUM,
      V("分管领导", "成员单位人员", "指导中心工作人员", "专门工作人员", "儿童督导员",
        "儿童主任", "未成年人保护专干", "儿童福利督导员", "儿童社工", "热线专人", "负责人",
        "联系人"),
      RF_REQ, "儿童主任"),
    W("member_unit", "成员单位", RK_TEXT, NULL, RF_WHEN, "role",
      V("成员单位人员", "指导中心工作人员"), 0, ""),
    F("employment", "专兼职", RK_ENUM, V("专职", "兼职"), RF_REQ, "兼职"),
    F("engagement", "聘用方式", RK_ENUM,
      V("在编", "政府购买服务", "公益性岗位", "社会工作站", "民政助理员兼职", "民政协理员兼职",
        "村干部兼任", "志愿"),
      RF_REQ, "村干部兼任"),
    F("duties", "职责", RK_TEXT, NULL, RF_REQ, "儿童信息采集、走访"),
    F("assigned_area", "包干范围", RK_TEXT, NULL, 0, "530102001001"),
    F("start_at", "任职日期", RK_DATE, NULL, RF_REQ, "2019-05-01"),
    F("end_at", "离任日期", RK_DATE, NULL, 0, ""),
    F("subsidy", "月补贴", RK_INT, NULL, P, ""),
    F("mca_registered_at", "实名登记日期", RK_DATE, NULL, 0, ""),
};

/* ---- R07 training */
static const struct rec_field training[] = {
    F("organiser_tier", "主办层级", RK_ENUM, V("prefecture", "county"), RF_REQ, "county"),
    F("kind", "类型", RK_ENUM, V("集中培训", "业务培训", "other"), RF_REQ, "集中培训"),
    F("title", "名称", RK_TEXT, NULL, RF_REQ, "儿童主任业务培训"),
    F("start", "开始日期", RK_DATE, NULL, RF_REQ, "2024-04-10"),
    F("end", "结束日期", RK_DATE, NULL, RF_REQ, "2024-04-11"),
    F("topics", "内容", RK_SET,
      V("家庭走访", "信息采集更新", "强制报告", "政策链接", "家庭监护主体责任", "other"), RF_REQ,
      "家庭走访、强制报告"),
    F("audience", "对象", RK_SET, V("相关部门", "乡镇工作人员", "儿童督导员", "儿童主任"),
      RF_REQ, "儿童主任"),
    F("trainees", "参训人数", RK_INT, NULL, RF_REQ, "36"),
    F("certified", "发证人数", RK_INT, NULL, 0, "35"),
    F("trainee_names", "学员名单", RK_TEXT, NULL, P, ""),
};

/* ---- R08 meeting */
static const struct rec_field meeting[] = {
    F("body", "会议主体", RK_ENUM, V("党委", "政府", "联席会议", "领导协调机制", "部门会商"),
      RF_REQ, "联席会议"),
    F("date", "日期", RK_DATE, NULL, RF_REQ, "2024-03-15"),
    F("chair_name", "主持人", RK_TEXT, NULL, RF_REQ, "王建国"),
    F("chair_title", "主持人职务", RK_TEXT, NULL, RF_REQ, "副县长"),
    F("chair_is_principal", "主要领导主持", RK_BOOL, NULL, RF_REQ, "否"),
    F("units_present", "参会单位", RK_TEXT, NULL, RF_REQ, "民政、教育、公安"),
    F("topics", "议题", RK_SET, V("重大问题", "重要事项", "重点个案"), RF_REQ, "重要事项"),
    W("case_refs", "个案", RK_TEXT, NULL, RF_WHEN | RF_ONLY | P, "topics", V("重点个案"), 0, ""),
    F("minutes", "会议纪要", RK_TEXT, NULL, RF_REQ, "纪要〔2024〕3号"),
    F("follow_up", "督办", RK_TEXT, NULL, 0, ""),
};

/* ---- R10 activity */
static const struct rec_field activity[] = {
    F("type", "类型", RK_ENUM,
      V("儿童之家活动", "家庭教育指导培训", "政策宣传", "强制报告宣传", "热线宣传", "心理疏导",
        "关系调适", "关爱帮扶", "志愿服务", "送教进社区", "劝返复学"),
      RF_REQ, "儿童之家活动"),
    F("date", "日期", RK_DATE, NULL, RF_REQ, "2024-05-18"),
    F("topics", "主题", RK_TEXT, NULL, RF_REQ, "亲子沟通"),
    W("channel", "渠道", RK_ENUM, V("现场", "电视", "广播", "标语", "公益广告", "网络"),
      RF_WHEN | RF_ONLY, "type", V("政策宣传", "强制报告宣传", "热线宣传"), 0, ""),
    F("children", "儿童人数", RK_INT, NULL, RF_REQ, "18"),
    F("families", "家庭数", RK_INT, NULL, RF_REQ, "6"),
    F("adults", "成人人数", RK_INT, NULL, RF_REQ, "9"),
    F("staff", "工作人员", RK_TEXT, NULL, RF_REQ, "李红"),
    F("partner", "合作机构", RK_REF, NULL, 0, ""),
    W("child_refs", "服务儿童", RK_TEXT, NULL, RF_WHEN | RF_ONLY | P, "type",
      V("心理疏导", "关系调适", "关爱帮扶"), 0, ""),
};

/* ---- R11 visit */
static const struct rec_field visit[] = {
    F("children", "儿童", RK_TEXT, NULL, RF_REQ, "530102001001-r1"),
    F("household", "家庭", RK_TEXT, NULL, 0, ""),
    F("date", "日期", RK_DATE, NULL, RF_REQ, "2024-03-20"),
    F("visitor", "走访人", RK_TEXT, NULL, RF_REQ, "李红"),
    F("kind", "类型", RK_ENUM, V("定期走访", "随访", "核实更新", "劝返"), RF_REQ, "核实更新"),
    F("child_seen", "见到儿童", RK_BOOL, NULL, RF_REQ | P, "是"),
    F("guardian_present", "监护人在场", RK_BOOL, NULL, RF_REQ | P, "是"),
    F("findings", "走访情况", RK_TEXT, NULL, RF_REQ | P, "生活正常，学习良好"),
    F("services", "服务", RK_TEXT, NULL, 0, ""),
    F("next_due", "下次走访", RK_DATE, NULL, RF_REQ | RF_FUTURE, "2024-06-20"),
};

/* ---- Cases (issue 9): R13 hotline call, R14 case, R15 assistance
 * application, R18 guardianship assessment, R19 intervention, R20
 * placement, R21 support. All stay in the county (records flow no higher).
 * Design, not in records.md: a `case` reference on R15 and R18-R21 (the case
 * they belong to; `carenet case show` collects them through it), `status`
 * on R13 and R14, child_description where records.md says "ref R09 or
 * description". Lists of structured entries (R15 referrals, decisions) are
 * RK_ENTRIES: "部门|时间; 部门|时间". */
static const struct rec_field hotline[] = {
    F("received_at", "接收时间", RK_TIME, NULL, RF_REQ, "2024-06-01 09:30"),
    F("operator", "接听人", RK_REF, NULL, RF_REQ, "530102-r3"),
    F("caller_type", "来电人类型", RK_ENUM,
      V("儿童本人", "监护人", "亲属", "邻居", "学校", "村（居）委会", "匿名", "other"),
      RF_REQ | P, "邻居"),
    F("caller_contact", "来电人联系方式", RK_TEXT, NULL, P, ""),
    F("child", "儿童", RK_REF, NULL, P, ""),
    F("child_description", "儿童描述", RK_TEXT, NULL, P, "约8岁男孩，独自在家"),
    F("category", "类别", RK_ENUM,
      V("家庭经济困难", "家庭监护缺失", "监护不当", "疑似侵害", "求助", "咨询"), RF_REQ | P,
      "家庭监护缺失"),
    F("urgency", "紧急程度", RK_ENUM, V("紧急", "较急", "一般"), RF_REQ | P, "紧急"),
    F("assessment", "评估", RK_TEXT, NULL, RF_REQ | P, "儿童独居，需上门核实"),
    F("referred_to", "转介单位", RK_TEXT, NULL, 0, ""),
    W("referred_at", "转介时间", RK_TIME, NULL, RF_ONLY, "referred_to", V(""), 1, ""),
    F("reported_to", "报告单位", RK_TEXT, NULL, 0, ""),
    W("reported_at", "报告时间", RK_TIME, NULL, RF_ONLY, "reported_to", V(""), 1, ""),
    F("report", "强制报告", RK_REF, NULL, 0, ""),
    F("status", "状态", RK_ENUM, V("处理中", "已办结"), RF_REQ, "处理中"),
    W("outcome", "结果", RK_TEXT, NULL, RF_WHEN | P, "status", V("已办结"), 0, ""),
    W("closed_at", "办结时间", RK_TIME, NULL, RF_WHEN | RF_ONLY, "status", V("已办结"), 0, ""),
};

static const struct rec_field case_[] = {
    F("child", "儿童", RK_REF, NULL, P, "530102001001-r1"),
    W("child_description", "儿童描述", RK_TEXT, NULL, RF_WHEN | P, "child", V(""), 0, ""),
    F("opened_at", "立案时间", RK_TIME, NULL, RF_REQ, "2024-06-01 10:00"),
    F("source", "来源", RK_ENUM, V("R12", "R13", "R11", "R15", "other"), RF_REQ, "R13"),
    F("source_ref", "来源编号", RK_REF, NULL, RF_REQ, "530102-r5"),
    W("assessed_at", "评估日期", RK_DATE, NULL, RF_WHEN, "status", V("结案"), 0, ""),
    W("assessor", "评估人", RK_REF, NULL, RF_WHEN, "status", V("结案"), 0, ""),
    W("assessment", "评估意见", RK_TEXT, NULL, RF_WHEN | P, "status", V("结案"), 0, ""),
    F("assessment_doc", "评估报告SHA256", RK_TEXT, NULL, 0, ""),
    F("consultation", "部门会商", RK_REF, NULL, 0, ""),
    W("plan", "帮扶方案", RK_TEXT, NULL, RF_WHEN | P, "status", V("结案"), 0, ""),
    F("temp_custody", "临时监护", RK_BOOL, NULL, P, "否"),
    W("temp_custody_institution", "临时监护机构", RK_TEXT, NULL, RF_WHEN | RF_ONLY | P,
      "temp_custody", V("是"), 0, ""),
    W("temp_custody_start", "临时监护开始", RK_DATE, NULL, RF_WHEN | RF_ONLY | P, "temp_custody",
      V("是"), 0, ""),
    W("temp_custody_end", "临时监护结束", RK_DATE, NULL, RF_ONLY | RF_FUTURE | P, "temp_custody",
      V("是"), 0, ""),
    F("legal_aid", "法律援助", RK_ENUM, V("法律援助", "司法救助"), P, ""),
    F("status", "状态", RK_ENUM, V("在办", "结案"), RF_REQ, "在办"),
    W("closed_at", "结案时间", RK_TIME, NULL, RF_WHEN | RF_ONLY, "status", V("结案"), 0, ""),
    W("outcome", "结果", RK_TEXT, NULL, RF_WHEN | P, "status", V("结案"), 0, ""),
};

static const struct rec_field application[] = {
    F("received_at", "受理时间", RK_TIME, NULL, RF_REQ, "2024-06-03 14:00"),
    F("applicant", "申请人", RK_TEXT, NULL, RF_REQ | P, "张大山"),
    F("child", "儿童", RK_REF, NULL, RF_REQ | P, "530102001001-r1"),
    F("types", "救助类型", RK_SET, V("社会救助", "社会福利", "教育保障", "医疗保障", "慈善帮扶"),
      RF_REQ | P, "社会救助、教育保障"),
    F("referrals", "转办", RK_ENTRIES, V("department", "at"), RF_REQ,
      "民政|2024-06-03 15:00; 教育|2024-06-04 09:00"),
    W("decisions", "办理结果", RK_ENTRIES, V("department", "decision", "at", "amount"),
      RF_WHEN | P, "closed_at", V(""), 1, ""),
    F("closed_at", "办结时间", RK_TIME, NULL, 0, ""),
    F("case", "个案", RK_REF, NULL, 0, ""),
};

static const struct rec_field assessment[] = {
    F("child", "儿童", RK_REF, NULL, RF_REQ | P, "530102001001-r1"),
    F("date", "日期", RK_DATE, NULL, RF_REQ, "2024-06-05"),
    F("assessor", "评估人", RK_TEXT, NULL, RF_REQ | P, "李红"),
    F("result", "评估结果", RK_ENUM, V("有效监护", "监护不当", "监护缺失"), RF_REQ | P,
      "监护不当"),
    F("guidance", "评估指导", RK_TEXT, NULL, P, ""),
    F("next_review", "下次评估", RK_DATE, NULL, RF_REQ | RF_FUTURE, "2024-09-05"),
    F("case", "个案", RK_REF, NULL, 0, ""),
};

static const struct rec_field intervention[] = {
    F("child", "儿童", RK_REF, NULL, RF_REQ | P, "530102001001-r1"),
    F("guardian", "监护人", RK_TEXT, NULL, RF_REQ | P, "张大山"),
    F("actor", "实施机关", RK_ENUM, V("公安机关", "派出所", "人民法院", "人民检察院", "司法行政"),
      RF_REQ, "派出所"),
    F("measure", "措施", RK_ENUM, V("批评训诫", "行政处罚", "刑事侦查", "批评教育", "撤销监护权"),
      RF_REQ | P, "批评训诫"),
    F("reason", "原因", RK_ENUM,
      V("让不满十六周岁的未成年人单独居住", "家庭暴力", "虐待", "遗弃", "不履行监护职责",
        "严重侵害儿童权益"),
      RF_REQ | P, "不履行监护职责"),
    F("date", "日期", RK_DATE, NULL, RF_REQ, "2024-06-06"),
    F("reference_no", "文书编号", RK_TEXT, NULL, RF_REQ, "五公（红）训字〔2024〕12号"),
    F("case", "个案", RK_REF, NULL, 0, ""),
};

static const struct rec_field placement[] = {
    F("child", "儿童", RK_REF, NULL, RF_REQ | P, "530102001001-r1"),
    F("type", "安置方式", RK_ENUM,
      V("亲属抚养", "机构养育", "家庭寄养", "收养", "儿童福利机构收留抚养", "委托代养",
        "爱心助养", "临时监护"),
      RF_REQ | P, "亲属抚养"),
    F("carer", "抚养人或机构", RK_TEXT, NULL, RF_REQ | P, "张二山"),
    F("start", "开始日期", RK_DATE, NULL, RF_REQ, "2024-06-07"),
    F("end", "结束日期", RK_DATE, NULL, RF_FUTURE, ""),
    F("court_order_ref", "法院文书", RK_TEXT, NULL, P, ""),
    W("adoption_assessment", "收养评估SHA256", RK_TEXT, NULL, RF_WHEN | RF_ONLY | P, "type",
      V("收养"), 0, ""),
    W("registration_no", "收养登记号", RK_TEXT, NULL, RF_WHEN | RF_ONLY | P, "type", V("收养"),
      0, ""),
    W("registered_at", "登记日期", RK_DATE, NULL, RF_WHEN | RF_ONLY | P, "type", V("收养"), 0,
      ""),
    F("case", "个案", RK_REF, NULL, 0, ""),
};

static const struct rec_field support[] = {
    F("household", "家庭", RK_REF, NULL, P, ""),
    W("child", "儿童", RK_REF, NULL, RF_WHEN | P, "household", V(""), 0, "530102001001-r1"),
    F("kind", "类别", RK_ENUM,
      V("孤儿基本生活费", "低保", "特困供养", "医疗救助", "康复救助", "康复训练", "教育资助",
        "法律援助", "司法救助", "慈善帮扶", "一对一帮扶"),
      RF_REQ | P, "教育资助"),
    F("provider", "提供方", RK_TEXT, NULL, RF_REQ, "县教育局"),
    F("source", "资金来源", RK_ENUM, V("财政", "社会公益", "企业", "慈善组织", "志愿者"), RF_REQ,
      "财政"),
    F("amount", "金额", RK_MONEY, NULL, RF_REQ | P, "1200"),
    F("period_start", "开始日期", RK_DATE, NULL, RF_REQ | P, "2024-03-01"),
    F("period_end", "结束日期", RK_DATE, NULL, RF_FUTURE | P, "2024-07-31"),
    W("out_of_pocket", "自付金额", RK_MONEY, NULL, RF_WHEN | RF_ONLY | P, "kind", V("医疗救助"), 0,
      ""),
    W("reimbursed", "报销金额", RK_MONEY, NULL, RF_WHEN | RF_ONLY | P, "kind", V("医疗救助"), 0,
      ""),
    W("ceiling", "封顶线", RK_MONEY, NULL, RF_ONLY | P, "kind", V("医疗救助"), 0, ""),
    F("case", "个案", RK_REF, NULL, 0, ""),
};

/* ---- R27 attestation (issue 10): an office declares an indicator met, or
 * enters another department's figure; the evaluation shows it as attested
 * (signer: the owning office; date), never as measured. The evidence files
 * travel as documents; this keeps their names and SHA-256. */
static const struct rec_field attestation[] = {
    F("standard", "标准", RK_TEXT, NULL, 0, "mca-2018-demo"),
    F("indicator", "指标", RK_TEXT, NULL, RF_REQ, "protect.hotline"),
    F("statement", "声明", RK_TEXT, NULL, RF_REQ, "已开通未成年人保护热线，有专门场地、专人运行"),
    F("value", "数值", RK_TEXT, NULL, 0, ""),
    F("external_source", "数据来源部门", RK_TEXT, NULL, 0, ""),
    F("as_of", "数据截至", RK_DATE, NULL, 0, ""),
    F("evidence", "证明材料", RK_TEXT, NULL, 0, ""),
    F("declared_by", "声明人", RK_TEXT, NULL, RF_REQ | P, "王建国"),
    F("declared_at", "声明日期", RK_DATE, NULL, RF_REQ, "2024-06-01"),
    F("valid_until", "有效期至", RK_DATE, NULL, RF_FUTURE, ""),
};

/* ---- R24 incident, R25 social organisation, R26 budget line (issue 10's
 * data gaps): county records (R26 also a township's own), flowing up as
 * records do; an incident's description and the children it names are
 * personal. `children` is a text of child ids, as on R11. */
static const struct rec_field incident[] = {
    F("region", "地区代码", RK_CODE, NULL, RF_REQ, "530102001"),
    F("occurred_at", "发生日期", RK_DATE, NULL, RF_REQ, "2024-05-20"),
    F("type", "类型", RK_ENUM, V("极端事件", "儿童权益被侵害", "重大事故", "监护责任未落实",
                                 "户籍未登记"),
      RF_REQ, "重大事故"),
    F("impact", "影响", RK_ENUM, V("恶劣影响", "other"), RF_REQ, "other"),
    F("description", "经过", RK_TEXT, NULL, RF_REQ | P, "溺水事故，已处置"),
    F("children", "涉及儿童", RK_TEXT, NULL, P, ""),
    F("source", "来源", RK_ENUM, V("报告", "舆情监测", "检查发现"), RF_REQ, "报告"),
    F("consequence", "处理", RK_SET, V("一票否决", "取消示范资格", "责任追究"), 0, ""),
    F("decided_by", "决定单位", RK_REF, NULL, 0, ""),
    F("decided_at", "决定日期", RK_DATE, NULL, 0, ""),
};

static const struct rec_field organisation[] = {
    F("name", "名称", RK_TEXT, NULL, RF_REQ, "红云社会工作服务中心"),
    F("credit_code", "统一社会信用代码", RK_TEXT, NULL, RF_REQ, "52530102MJ0000000X"),
    F("kind", "类型", RK_ENUM,
      V("专业社会工作机构", "慈善组织", "志愿服务组织", "企业", "托养照料", "康复训练",
        "社会工作站"),
      RF_REQ, "专业社会工作机构"),
    F("in_purchase_catalogue", "纳入政府购买服务目录", RK_BOOL, NULL, RF_REQ, "是"),
    F("contract_start", "合同开始", RK_DATE, NULL, 0, "2024-01-01"),
    F("contract_end", "合同结束", RK_DATE, NULL, RF_FUTURE, "2024-12-31"),
    F("services", "服务内容", RK_TEXT, NULL, RF_REQ, "困境儿童个案服务"),
    F("premises_from_center", "指导中心提供场地", RK_BOOL, NULL, 0, ""),
};

static const struct rec_field budget[] = {
    F("office", "单位代码", RK_CODE, NULL, RF_REQ, "530102"),
    F("year", "年度", RK_INT, NULL, RF_REQ, "2024"),
    F("item", "项目", RK_ENUM,
      V("监护评估", "救助帮扶", "定期随访", "政策宣传引导", "志愿服务项目",
        "未成年人保护热线运行", "儿童之家运行经费", "儿童主任工作补贴", "培训经费", "示范创建"),
      RF_REQ, "儿童之家运行经费"),
    F("target", "对象", RK_REF, NULL, 0, ""),
    F("amount", "金额", RK_MONEY, NULL, RF_REQ, "50000"),
    F("spent", "已支出", RK_MONEY, NULL, 0, ""),
    F("source", "资金来源", RK_ENUM, V("财政资金", "社会公益资金", "社会资本", "PPP", "彩票公益金"),
      RF_REQ, "财政资金"),
    F("doc", "文件", RK_TEXT, NULL, 0, ""),
};

static const struct rec_type types[] = {
    {"office", "R01", "办公场所", office, N(office), 0},
    {"division", "R02", "区划", division, N(division), 0},
    {"document", "R05", "文件", document, N(document), 0},
    {"staff", "R06", "工作人员", staff, N(staff), 0},
    {"training", "R07", "培训", training, N(training), 0},
    {"meeting", "R08", "会议", meeting, N(meeting), 0},
    {"child", "R09", "儿童", child, N(child), 0},
    {"activity", "R10", "活动", activity, N(activity), 0},
    {"visit", "R11", "走访", visit, N(visit), 0},
    {"hotline", "R13", "热线来电", hotline, N(hotline), REC_OWN_COUNTY},
    {"case", "R14", "个案", case_, N(case_), REC_OWN_COUNTY},
    {"application", "R15", "救助申请", application, N(application), REC_OWN_TOWNSHIP},
    {"assessment", "R18", "监护评估", assessment, N(assessment),
     REC_OWN_VILLAGE | REC_OWN_COUNTY},
    {"intervention", "R19", "监护干预", intervention, N(intervention), REC_OWN_COUNTY},
    {"placement", "R20", "安置", placement, N(placement), REC_OWN_COUNTY},
    {"support", "R21", "帮扶", support, N(support), REC_OWN_COUNTY | REC_OWN_VILLAGE},
    {"incident", "R24", "事件", incident, N(incident), REC_OWN_COUNTY},
    {"organisation", "R25", "社会组织", organisation, N(organisation), REC_OWN_COUNTY},
    {"budget", "R26", "经费", budget, N(budget), REC_OWN_COUNTY | REC_OWN_TOWNSHIP},
    {"attestation", "R27", "声明", attestation, N(attestation), 0},
};

/* ---- R12 mandatory report, as the rules read it (issue 10): roles/reports
 * keeps reports (and their steps) in its own store; roles top streams them
 * as records of this type (roles_reports.c: roles_reports_each), never
 * written as records (REC_READ_ONLY). filed_at is its main date;
 * police_delay_h: hours from discovered_at to police_reported_at;
 * township_notified_at: the first ack by a township (filed_at when filed
 * at or above it); county_notified_at: the county's ack, else, at the
 * county's node, the report's arrival there (the urgent lane sends it to the
 * county at once; absent at a township); acked_in_time: every hop acknowledged
 * by its deadline (否 once one is late; absent while one is pending). */
static const struct rec_field report_f[] = {
    F("office", "报告单位", RK_CODE, NULL, RF_REQ, ""),
    F("filed_at", "报告时间", RK_TIME, NULL, RF_REQ, ""),
    F("discovered_at", "发现时间", RK_TIME, NULL, RF_REQ, ""),
    F("police_reported_at", "报警时间", RK_TIME, NULL, 0, ""),
    F("police_delay_h", "报警用时（小时）", RK_INT, NULL, 0, ""),
    F("police_record_no", "接处警记录", RK_TEXT, NULL, 0, ""),
    F("urgency", "紧急程度", RK_ENUM, V("urgent", "high", "normal"), RF_REQ, ""),
    F("situation", "情形", RK_SET, V("S01", "S02", "S03", "S08", "S09", "S10", "other"), P, ""),
    F("state", "状态", RK_ENUM, V("open", "acknowledged", "referred", "escalated", "closed"),
      RF_REQ, ""),
    F("acked_in_time", "按时签收", RK_BOOL, NULL, 0, ""),
    F("escalated", "已升级", RK_BOOL, NULL, RF_REQ, ""),
    F("township_notified_at", "乡镇签收时间", RK_TIME, NULL, 0, ""),
    F("county_notified_at", "县级签收时间", RK_TIME, NULL, 0, ""),
    F("closed_at", "办结时间", RK_TIME, NULL, 0, ""),
};
/* ---- R09's review, as the rules read it (issue 10): each open child with
 * its township's review (kept beside the record by `record review`, never a
 * field the owner writes) and the dates the national systems need; streamed
 * by records_review_each (scan.c). review_state as rec_review_state. */
static const struct rec_field review_f[] = {
    F("child", "儿童", RK_REF, NULL, RF_REQ, ""),
    F("categories", "类别", RK_SET, categories, P, ""),
    F("sys_welfare_at", "儿童福利系统录入日期", RK_DATE, NULL, 0, ""),
    F("sys_lb_at", "留守困境系统录入日期", RK_DATE, NULL, 0, ""),
    F("review_state", "审核状态", RK_ENUM, V("none", "pending", "approved", "returned"), RF_REQ,
      ""),
    F("reviewed_at", "审核日期", RK_DATE, NULL, 0, ""),
    F("reviewer_tier", "审核层级", RK_ENUM, V("township", "county", "other"), 0, ""),
};
#define RO (REC_OWN_VILLAGE | REC_OWN_TOWNSHIP | REC_OWN_COUNTY | REC_READ_ONLY)
static const struct rec_type read_only[] = {
    {"report", "R12", "强制报告", report_f, N(report_f), RO},
    {"review", "R09-review", "台账审核", review_f, N(review_f), RO},
};
#undef RO

const struct rec_type *roles_record_types(size_t *n)
{
	*n = N(types);
	return types;
}

const struct rec_type *roles_record_type(const char *name)
{
	for (size_t i = 0; name && i < N(types); i++)
		if (strcmp(name, types[i].name) == 0 || strcasecmp(name, types[i].code) == 0 ||
		    strcmp(name, types[i].zh) == 0)
			return &types[i];
	for (size_t i = 0; name && i < N(read_only); i++)
		if (!strcmp(name, read_only[i].name) || !strcasecmp(name, read_only[i].code) ||
		    !strcmp(name, read_only[i].zh))
			return &read_only[i];
	return NULL;
}

int roles_record_field(const struct rec_type *t, const char *name)
{
	for (size_t i = 0; i < t->nfields; i++)
		if (strcmp(name, t->fields[i].name) == 0 || strcmp(name, t->fields[i].zh) == 0)
			return (int)i;
	return -1;
}

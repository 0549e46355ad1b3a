/*
 * test_cases: the cases' record types (roles/records/schema.c: R13 hotline,
 * R14 case, R15 application, R18-R21) — who may own each (refused at the
 * write and at every hop), the new kinds (time, money, entries), the
 * conditional rules of a case (required when 结案), opening a case
 * (record_write's case_open), showing it with every record that refers to
 * it (masked), and a directive's --ref naming a case.
 */
#include <stdlib.h>

#include "check.h"
#include "err.h"
#include "roles_fixture.h"

static Carenet__ControlReply *write_rec(struct office *o, const char *type, const char *id,
                                        const char *(*f)[2], size_t n)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__RecordWriteRequest w = CARENET__RECORD_WRITE_REQUEST__INIT;
	Carenet__RecordInput in = CARENET__RECORD_INPUT__INIT, *inp = &in;
	Carenet__Field fs[32], *fp[32];

	for (size_t i = 0; i < n; i++) {
		carenet__field__init(&fs[i]);
		fs[i].name = (char *)f[i][0];
		fs[i].value = (char *)f[i][1];
		fp[i] = &fs[i];
	}
	in.type = (char *)(type ? type : "");
	in.id = (char *)(id ? id : "");
	in.set = fp;
	in.n_set = n;
	in.line = 2;
	w.records = &inp;
	w.n_records = 1;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_RECORD_WRITE;
	req.record_write = &w;
	return control(o, &req);
}

static int has_error(const Carenet__ControlReply *rep, const char *want)
{
	for (size_t i = 0; i < rep->n_record_errors; i++)
		if (strstr(rep->record_errors[i], want))
			return 1;
	fprintf(stderr, "no error with '%s' among %zu:\n", want, rep->n_record_errors);
	for (size_t i = 0; i < rep->n_record_errors; i++)
		fprintf(stderr, "  %s\n", rep->record_errors[i]);
	return 0;
}

/* Writes a record expected to be refused with an error holding want. */
static void refused(struct office *o, const char *type, const char *(*f)[2], size_t n,
                    const char *want)
{
	Carenet__ControlReply *rep = write_rec(o, type, NULL, f, n);

	CHECK_INT(rep->code, CN_EINVAL);
	CHECK(has_error(rep, want));
	done(rep);
}

/* Writes a record expected to be accepted; its id into id (64). */
static void written(struct office *o, const char *type, const char *(*f)[2], size_t n, char *id)
{
	Carenet__ControlReply *rep = write_rec(o, type, NULL, f, n);

	CHECK_INT(rep->code, 0);
	if (rep->code)
		has_error(rep, "(written)");
	snprintf(id, 64, "%s", rep->n_record_ids ? rep->record_ids[0] : "");
	done(rep);
}

static const char *value_of(const Carenet__RecordVersion *m, const char *name)
{
	for (size_t i = 0; i < m->n_fields; i++)
		if (!strcmp(m->fields[i]->name, name))
			return m->fields[i]->value;
	return "";
}

static const char *hotline[][2] = {
    {"received_at", "2024-06-01 09:30"}, {"operator", "530102-r3"},    {"caller_type", "邻居"},
    {"child_description", "约8岁男孩"},  {"category", "家庭监护缺失"}, {"urgency", "紧急"},
    {"assessment", "儿童独居"},          {"status", "处理中"},
};
#define NHOT (sizeof(hotline) / sizeof(hotline[0]))

static const char *application[][2] = {
    {"received_at", "2024/6/3 14:00:59"},
    {"applicant", "张大山"},
    {"child", V11 "-r1"},
    {"types", "社会救助，教育保障"},
    {"referrals", "民政|2024-06-03 15:00；教育 | 2024/6/4"},
};
#define NAPP (sizeof(application) / sizeof(application[0]))

static void types_and_owners(void)
{
	char id[64];
	struct apply_ctx a;

	CHECK(roles_record_type("R14") == roles_record_type("case"));
	CHECK(roles_record_type("个案") == roles_record_type("case"));
	CHECK(roles_record_type("R13") && roles_record_type("R13")->owners == REC_OWN_COUNTY);
	CHECK(roles_record_type("R15") && roles_record_type("R15")->owners == REC_OWN_TOWNSHIP);
	CHECK(roles_record_type("R09") && roles_record_type("R09")->owners == 0);
	/* a hotline call at the county; at a village: refused with who may */
	written(&county, "hotline", hotline, NHOT, id);
	CHECK_STR(id, C "-r1");
	refused(&v11, "hotline", hotline, NHOT,
	        "hotline records (R13 热线来电) are kept by the county only, not by village");
	/* an application at the township, normalized; not at the county */
	written(&t1, "application", application, NAPP, id);
	CHECK_STR(id, T1 "-r1");
	refused(&county, "application", application, NAPP, "are kept by the township only");
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__RecordShowRequest s = CARENET__RECORD_SHOW_REQUEST__INIT;
	s.id = id;
	s.reveal = 1;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_RECORD_SHOW;
	req.record_show = &s;
	Carenet__ControlReply *rep = control(&t1, &req);
	CHECK_INT(rep->n_records, 1);
	if (rep->n_records == 1) {
		CHECK_STR(value_of(rep->records[0], "received_at"), "2024-06-03 14:00");
		CHECK_STR(value_of(rep->records[0], "types"), "社会救助、教育保障");
		CHECK_STR(value_of(rep->records[0], "referrals"),
		          "民政|2024-06-03 15:00; 教育|2024-06-04");
	}
	done(rep);
	/* it flows up to the county and stops there */
	CHECK_INT(apply(&county, &t1, t1.nitems - 1, T1, &a), 0);
	CHECK_INT(a.route.up, 0);
	/* a hostile village signing a county-only type: refused at its township */
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__RecordVersion m = CARENET__RECORD_VERSION__INIT;
	m.id = V11 "-r9";
	m.type = "intervention";
	m.owner = V11;
	m.version = 1;
	m.changed_by = V11;
	it.body_case = CARENET__ITEM__BODY_RECORD_VERSION;
	it.record_version = &m;
	CHECK_INT(apply(&t1, &v11, craft(&v11, &it), V11, &a), CN_EROLE);
	CHECK(strstr(a.why, "are kept by the county only") != NULL);
}

static void kinds(void)
{
	const char *bad_time[NHOT][2], *bad_app[NAPP][2];

	memcpy(bad_time, hotline, sizeof(hotline));
	bad_time[0][1] = "2024-06-01";
	refused(&county, "hotline", bad_time, NHOT,
	        "接收时间 (received_at): '2024-06-01' is not a time; expected YYYY-MM-DD HH:MM");
	bad_time[0][1] = "2099-06-01 10:00";
	refused(&county, "hotline", bad_time, NHOT, "is in the future");
	memcpy(bad_app, application, sizeof(application));
	bad_app[4][1] = "民政";
	refused(&t1, "application", bad_app, NAPP,
	        "转办 (referrals): entry 1: '民政' has no at; expected parts department, at");
	bad_app[4][1] = "民政|2024-06-03|x";
	refused(&t1, "application", bad_app, NAPP, "entry 1");
	/* decisions required once closed, amounts in yuan */
	const char *closed[NAPP + 2][2];
	memcpy(closed, application, sizeof(application));
	closed[NAPP][0] = "closed_at";
	closed[NAPP][1] = "2024-06-10 10:00";
	refused(
	    &t1, "application", closed, NAPP + 1,
	    "办理结果 (decisions): empty; expected a value unless 办结时间 (closed_at) is empty");
	closed[NAPP + 1][0] = "decisions";
	closed[NAPP + 1][1] = "民政|批准|2024-06-09|12.345";
	refused(&t1, "application", closed, NAPP + 2, "has no valid amount");
	char id[64];
	closed[NAPP + 1][1] = "民政|批准|2024-06-09|1200.50; 教育|不予批准|2024-06-09|";
	written(&t1, "application", closed, NAPP + 2, id);
	/* support: money; child required when no household */
	const char *sup[][2] = {
	    {"kind", "医疗救助"}, {"provider", "县医保局"},       {"source", "财政"},
	    {"amount", "800"},    {"period_start", "2024-03-01"}, {"out_of_pocket", "200"},
	    {"reimbursed", "600"}};
	refused(&county, "support", sup, 7,
	        "儿童 (child): empty; expected a value when 家庭 (household) is empty");
}

static Carenet__ControlReply *open_case(struct office *o, const char *source, const char *ref,
                                        const char *child, const char *desc)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__RecordWriteRequest w = CARENET__RECORD_WRITE_REQUEST__INIT;
	Carenet__CaseOpenRequest co = CARENET__CASE_OPEN_REQUEST__INIT;

	co.source = (char *)source;
	co.ref = (char *)ref;
	co.child = (char *)child;
	co.description = (char *)desc;
	w.case_open = &co;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_RECORD_WRITE;
	req.record_write = &w;
	return control(o, &req);
}

static Carenet__ControlReply *case_show(struct office *o, const char *id, int reveal)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__RecordShowRequest s = CARENET__RECORD_SHOW_REQUEST__INIT;

	s.id = (char *)id;
	s.reveal = reveal;
	s.related = 1;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_RECORD_SHOW;
	req.record_show = &s;
	return control(o, &req);
}

static int issue_ref(struct office *o, const char *ref, char *err)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__IssueRequest q = CARENET__ISSUE_REQUEST__INIT;
	Carenet__ControlReply *rep;
	int rc;

	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_DIRECTIVE_ISSUE;
	req.directive_issue = &q;
	q.kind = KIND_TASK;
	q.to = T1;
	q.title = "个案任务";
	q.body = "";
	q.ref = (char *)ref;
	q.due = clock_now + 7 * DAY;
	rep = control(o, &req);
	rc = rep->code;
	snprintf(err, 512, "%s", rep->error);
	done(rep);
	return rc;
}

static void cases(void)
{
	Carenet__ControlReply *rep;
	char cid[64], id[64], err[512];

	rep = open_case(&t1, "R13", C "-r1", "", "约8岁男孩");
	CHECK_INT(rep->code, CN_EROLE);
	CHECK(strstr(rep->error, "are kept by the county only") != NULL);
	done(rep);
	rep = open_case(&county, "R99", C "-r1", "", "约8岁男孩");
	CHECK_INT(rep->code, CN_EINVAL);
	done(rep);
	rep = open_case(&county, "R13", C "-r1", "", "约8岁男孩");
	CHECK_INT(rep->code, 0);
	CHECK_INT(rep->n_record_ids, 1);
	snprintf(cid, sizeof(cid), "%s", rep->n_record_ids ? rep->record_ids[0] : "");
	done(rep);
	CHECK_INT(audited(&county, "record", cid), 1);
	/* closing it needs the assessment, the plan and the outcome */
	const char *close[][2] = {{"status", "结案"}};
	rep = write_rec(&county, NULL, cid, close, 1);
	CHECK_INT(rep->code, CN_EINVAL);
	CHECK(has_error(rep, "帮扶方案 (plan): empty; expected a value when 状态 is 结案"));
	CHECK(has_error(rep, "结案时间 (closed_at): empty"));
	done(rep);
	/* records referring to it */
	const char *iv[][2] = {{"child", V11 "-r1"},         {"guardian", "张大山"},
	                       {"actor", "派出所"},          {"measure", "批评训诫"},
	                       {"reason", "不履行监护职责"}, {"date", "2024-06-06"},
	                       {"reference_no", "训字12号"}, {"case", cid}};
	written(&county, "intervention", iv, 8, id);
	const char *as[][2] = {{"child", V11 "-r1"},          {"date", "2024-06-05"},
	                       {"assessor", "李红"},          {"result", "监护不当"},
	                       {"next_review", "2024-09-05"}, {"case", cid}};
	written(&county, "assessment", as, 6, id);
	as[5][1] = C "-r77"; /* no such case: refused at the county */
	refused(&county, "assessment", as, 6, "个案 (case): no case 530102-r77 here");
	rep = open_case(&county, "other", "来电登记簿第3页", "", "另一名儿童");
	CHECK_INT(rep->code, 0);
	as[5][1] = rep->n_record_ids ? rep->record_ids[0] : ""; /* another case: not shown */
	written(&county, "assessment", as, 6, id);
	done(rep);
	rep = case_show(&county, cid, 0);
	CHECK_INT(rep->code, 0);
	CHECK_INT(rep->n_records, 4); /* the case, its source (the call), 2 */
	if (rep->n_records == 4) {
		CHECK_STR(rep->records[0]->id, cid);
		CHECK_STR(rep->records[1]->type, "hotline");
		CHECK_STR(value_of(rep->records[0], "child_description"), "约*孩");
		CHECK_STR(value_of(rep->records[2], "child"), "**");
	}
	done(rep);
	rep = case_show(&county, cid, 1);
	CHECK(rep->n_records == 4 && !strcmp(value_of(rep->records[2], "child"), V11 "-r1"));
	done(rep);
	CHECK_INT(audited(&county, "reveal", cid), 1);
	/* its consultation: a meeting of body 部门会商 held here */
	const char *cons[][2] = {{"consultation", C "-r1"}};
	rep = write_rec(&county, NULL, cid, cons, 1);
	CHECK_INT(rep->code, CN_EINVAL);
	CHECK(
	    has_error(rep, "部门会商 (consultation): 530102-r1 is not a meeting of body 部门会商"));
	done(rep);
	const char *mt[][2] = {{"body", "部门会商"},         {"date", "2024-06-08"},
	                       {"chair_name", "王建国"},     {"chair_title", "副县长"},
	                       {"chair_is_principal", "否"}, {"units_present", "民政、公安、教育"},
	                       {"topics", "重点个案"},       {"case_refs", cid},
	                       {"minutes", "会商纪要1号"}};
	char meeting[64];
	written(&county, "meeting", mt, 9, meeting);
	cons[0][1] = meeting;
	rep = write_rec(&county, NULL, cid, cons, 1);
	CHECK_INT(rep->code, 0);
	done(rep);
	rep = case_show(&county, cid, 0);
	CHECK(rep->n_records == 5 && !strcmp(rep->records[2]->id, meeting));
	done(rep);
	rep = case_show(&county, C "-r3", 0); /* not a case: the intervention */
	CHECK_INT(rep->code, CN_ENOTFOUND);
	done(rep);
	/* a task within the case: --ref the case; an unknown county record refused */
	CHECK_INT(issue_ref(&county, cid, err), 0);
	CHECK_INT(issue_ref(&county, C "-r99", err), CN_ENOTFOUND);
	CHECK(strstr(err, "no case 530102-r99 here") != NULL);
	CHECK_INT(issue_ref(&county, "五民发〔2024〕3号", err), 0); /* free text as before */
}

int main(void)
{
	fx_begin("test_cases");
	clock_now = T0;
	types_and_owners();
	kinds();
	cases();
	printf("test_cases: %d checks, %d failures\n", checks, failures);
	return (fx_end() || failures) ? 1 : 0;
}

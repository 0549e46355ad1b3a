/* demo_records: the records scenario of `carenet demo` (steps 6 to 8; see
 * demo_scenario_int.h). */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cmd.h"
#include "demo_scenario_int.h"
#include "err.h"
#include "roles.h"
#include "util.h"

/* ======================================================= records scenario */

/*
 * Steps 6 to 8: the children's ledger (儿童台账) flows up. Every village
 * imports a small CSV of fictional children in the template's layout, the
 * county ends up holding every one (masked in its listing) and counts them
 * in its ledger summary; a village updates a child, a township returns
 * another one with a note, and the county sees both. The operator's
 * commands run in this process through the CLI's own code (cmd_record,
 * cmd_ledger), so what is printed is exactly what they print.
 */

#define RC_GUARDIAN_PHONE "139"
#define RC_UPDATE_FIELD "居住情况"
#define RC_UPDATE_VALUE "与父母同住"
#define RC_REVIEW_NOTE "监护人电话无法接通，请核实后更新 (the guardian cannot be reached)"

static const char *const rc_surnames[] = {"张", "王", "李", "赵", "刘", "陈", "杨", "黄",
                                          "周", "吴", "徐", "孙", "马", "朱", "胡", "郭",
                                          "何", "高", "林", "罗", "郑", "梁", "谢", "宋"};
static const struct {
	const char *name;
	int male;
} rc_given[] = {{"子涵", 0}, {"浩然", 1}, {"雨桐", 0}, {"俊杰", 1}, {"梓萱", 0}, {"宇航", 1},
                {"诗琪", 0}, {"明轩", 1}, {"欣怡", 0}, {"嘉豪", 1}, {"雅琳", 0}, {"振宇", 1},
                {"晓雯", 0}, {"志强", 1}, {"思彤", 0}, {"天佑", 1}, {"佳怡", 0}, {"博文", 1}};
static const char *const rc_elders[] = {"建国", "秀英", "德华", "桂兰", "志刚",
                                        "玉梅", "国强", "淑芬", "永福", "凤英"};

/* Coherent situations, one a child in turn: 类别, 孤儿类型, 贫困类型, 残疾类别,
 * 残疾等级, 监护状况, 居住情况, 监护人关系, 监护能力; the guardian's surname is
 * the child's unless same_surname is 0. */
static const struct rc_profile {
	const char *categories, *orphan, *poverty, *disability, *grade, *guardianship, *living,
	    *relation, *capacity;
	int same_surname;
} rc_profiles[] = {
    {"留守", "", "", "", "", "委托监护", "与祖辈同住", "祖父母", "有监护能力", 1},
    {"孤儿", "父母双亡", "", "", "", "委托监护", "与其他亲属同住", "其他亲属", "有监护能力", 1},
    {"贫困家庭", "", "低保", "", "", "有效监护", "与父母同住", "母", "有监护能力", 0},
    {"留守、残疾", "", "", "肢体", "三级", "委托监护", "与祖辈同住", "外祖父母", "有监护能力", 0},
    {"事实无人抚养", "", "", "", "", "监护缺失", "与祖辈同住", "祖父母", "丧失监护能力", 1},
    {"留守、贫困家庭", "", "建档立卡", "", "", "委托监护", "与祖辈同住", "祖父母", "有监护能力", 1},
    {"孤儿", "查找不到生父母", "", "", "", "民政监护", "儿童福利机构", "儿童福利机构", "有监护能力",
     0},
};

struct rc_kid {
	char name[32], birth[40], idnum[24], address[96], school[48], guardian[32], phone[16],
	    verified[16];
	const char *gender, *stage, *boarding;
	const struct rc_profile *p;
};

/* The GB 11643-1999 check character of an ID number's first 17 digits. */
static char rc_check_digit(const char *d17)
{
	static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	int sum = 0;

	for (int i = 0; i < 17; i++)
		sum += (d17[i] - '0') * w[i];
	return "10X98765432"[sum % 11];
}

/* Child k (numbered over the whole demo), the nth in village's ledger; born in the
 * county (its 身份证号 area code), 4 to 16 years old at now. */
static void rc_kid_make(struct rc_kid *c, size_t k, const char *county, const char *village,
                        size_t nth, uint64_t now)
{
	size_t ns = sizeof(rc_surnames) / sizeof(rc_surnames[0]);
	size_t ng = sizeof(rc_given) / sizeof(rc_given[0]);
	size_t ne = sizeof(rc_elders) / sizeof(rc_elders[0]);
	size_t np = sizeof(rc_profiles) / sizeof(rc_profiles[0]);
	const char *surname = rc_surnames[(k * 7 + k / ns) % ns];
	time_t t = (time_t)now, seen;
	struct tm tm, vt;
	int age, year, month, day, male;
	char d17[64];

	gmtime_r(&t, &tm);
	memset(c, 0, sizeof(*c));
	c->p = &rc_profiles[k % np];
	male = rc_given[k % ng].male;
	snprintf(c->name, sizeof(c->name), "%s%s", surname, rc_given[k % ng].name);
	c->gender = male ? "男" : "女";
	age = 4 + (int)((k * 5) % 13); /* 4..16 this year */
	year = tm.tm_year + 1900 - age;
	month = 1 + (int)((k * 7) % 12);
	day = 1 + (int)((k * 11) % 28);
	snprintf(c->birth, sizeof(c->birth), "%04d-%02d-%02d", year, month, day);
	/* 17th digit odd for a boy, even for a girl */
	snprintf(d17, sizeof(d17), "%.6s%04d%02d%02d%02d%d", county, year, month, day,
	         (int)(k % 100), male ? 1 + (int)(k % 5) * 2 : (int)(k % 5) * 2);
	snprintf(c->idnum, sizeof(c->idnum), "%.17s%c", d17, rc_check_digit(d17));
	snprintf(c->address, sizeof(c->address), "示范县第%d乡镇第%d村%zu组%zu号",
	         atoi(village + 6), atoi(village + 9), 1 + nth % 4, 3 + k * 3 % 40);
	age -= month > tm.tm_mon + 1 || (month == tm.tm_mon + 1 && day > tm.tm_mday);
	c->stage = age < 6 ? "学龄前" : age < 12 ? "小学" : age < 15 ? "初中" : "普通高中";
	if (age >= 6)
		snprintf(c->school, sizeof(c->school), "示范县第%d乡镇%s", atoi(village + 6),
		         age < 12   ? "中心小学"
		         : age < 15 ? "中学"
		                    : "第一高级中学");
	c->boarding = age < 6 ? "" : age >= 12 && k % 2 ? "是" : "否";
	snprintf(c->guardian, sizeof(c->guardian), "%s%s",
	         c->p->same_surname ? surname : rc_surnames[(k * 5 + 3) % ns], rc_elders[k % ne]);
	snprintf(c->phone, sizeof(c->phone), RC_GUARDIAN_PHONE "%08zu",
	         (k * 7919 + 1234567) % 100000000);
	seen = t - (time_t)(86400 * (3 + k % 40)); /* verified in the last weeks */
	gmtime_r(&seen, &vt);
	strftime(c->verified, sizeof(c->verified), "%Y-%m-%d", &vt);
}

/* The value of one of the template's columns for c ("" if not kept). */
static const char *rc_value(const struct rc_kid *c, const char *field)
{
	const struct {
		const char *name, *value;
	} v[] = {
	    {"name", c->name},
	    {"gender", c->gender},
	    {"birth_date", c->birth},
	    {"id_number", c->idnum},
	    {"hukou_registered", "是"},
	    {"address", c->address},
	    {"categories", c->p->categories},
	    {"orphan_type", c->p->orphan},
	    {"poverty_type", c->p->poverty},
	    {"disability_type", c->p->disability},
	    {"disability_grade", c->p->grade},
	    {"guardianship_status", c->p->guardianship},
	    {"living", c->p->living},
	    {"school_stage", c->stage},
	    {"school_name", c->school},
	    {"boarding", c->boarding},
	    {"insurance", c->p->poverty[0] ? "城乡基本医疗保险、大病保险" : "城乡基本医疗保险"},
	    {"guardian_name", c->guardian},
	    {"guardian_relation", c->p->relation},
	    {"guardian_phone", c->phone},
	    {"guardian_capacity", c->p->capacity},
	    {"verified_at", c->verified},
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (strcmp(v[i].name, field) == 0)
			return v[i].value;
	return "";
}

/* One CSV cell, quoted when it needs to be. */
static void rc_cell(FILE *f, const char *v, int last)
{
	if (strpbrk(v, ",\"\r\n")) {
		fputc('"', f);
		for (; *v; v++)
			fprintf(f, *v == '"' ? "\"\"" : "%c", *v);
		fputc('"', f);
	} else {
		fputs(v, f);
	}
	fputs(last ? "\r\n" : ",", f);
}

/* DIR/ledger-child-<village>.csv: the template's header, then its children. */
static int rc_write_ledger(const struct scen *s, size_t vi, char *path, size_t len)
{
	const struct rec_type *t = roles_record_type("child");
	const struct rc_ledger *l = &s->rec.ledgers[vi];
	FILE *f;
	int rc = 0;

	snprintf(path, len, "%s/ledger-child-%s.csv", s->env->dir, s->villages[vi]->id);
	if (!t || !(f = fopen(path, "w"))) {
		fprintf(stderr, "demo: step 6: cannot write %s: %s\n", path,
		        t ? strerror(errno) : "no child record type");
		return CN_EIO;
	}
	for (size_t i = 0; i < t->nfields; i++)
		rc_cell(f, t->fields[i].zh, i + 1 == t->nfields);
	for (size_t c = 0; c < l->n; c++)
		for (size_t i = 0; i < t->nfields; i++)
			rc_cell(f, rc_value(&s->rec.kids[l->first + c], t->fields[i].name),
			        i + 1 == t->nfields);
	if (fflush(f) != 0 || ferror(f))
		rc = CN_EIO;
	if (fclose(f) != 0)
		rc = CN_EIO;
	if (rc)
		fprintf(stderr, "demo: step 6: cannot write %s: %s\n", path, strerror(errno));
	return rc;
}

/* Prints `$ carenet WORDS...` (quoted as a shell wants) and runs the command
 * in this process through the CLI's own code; its output follows. */
int sc_cli(int step, int (*fn)(int, char **), const char *const *words)
{
	char *argv[32];
	int argc = 0, status;

	printf("\n$ carenet");
	for (; words[argc] && argc < 31; argc++) {
		const char *w = words[argc];
		int plain = w[0] != 0;

		argv[argc] = (char *)w;
		for (const char *p = w; *p && plain; p++)
			plain = (unsigned char)*p >= 0x80 || strchr("-_./:=+,@%", *p) ||
			        (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
			        (*p >= 'A' && *p <= 'Z');
		if (plain) {
			printf(" %s", w);
			continue;
		}
		printf(" '");
		for (const char *p = w; *p; p++)
			printf(*p == '\'' ? "'\\''" : "%c", *p);
		printf("'");
	}
	argv[argc] = NULL;
	printf("\n");
	fflush(stdout);
	status = fn(argc, argv);
	fflush(stdout);
	fflush(stderr);
	if (status != 0) {
		fprintf(stderr, "demo: step %d: carenet %s %s exited with status %d\n", step,
		        words[0], words[1], status);
		return CN_EIO;
	}
	return 0;
}

/* The children held at an office (quiet; for polls). */
static int rc_list(const struct demo_office *o, Carenet__ControlReply **rep)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__RecordListRequest l = CARENET__RECORD_LIST_REQUEST__INIT;

	l.type = "child";
	l.office = "";
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_RECORD_LIST;
	req.record_list = &l;
	return sc_call(o, &req, CLI_WRITE_TIMEOUT_MS, 1, rep);
}

static const char *rc_field(const Carenet__RecordVersion *m, const char *name)
{
	for (size_t i = 0; i < m->n_fields; i++)
		if (strcmp(m->fields[i]->name, name) == 0)
			return m->fields[i]->value;
	return "";
}

/* The county holds every village's children (open ones). */
static int rc_arrived(struct scen *s)
{
	Carenet__ControlReply *rep = NULL;
	size_t off, open = 0;
	int rc;

	if ((rc = rc_list(s->county, &rep)) != 0) {
		snprintf(s->seen, sizeof(s->seen), "the county's list: %s", cn_strerror(rc));
		carenet__control_reply__free_unpacked(rep, NULL);
		return 0;
	}
	for (size_t i = 0; i < rep->n_records; i++)
		open += !rep->records[i]->closed;
	s->rec.at_county = open;
	off = (size_t)snprintf(s->seen, sizeof(s->seen),
	                       "the county holds %zu of %zu children:", open, s->rec.total);
	for (size_t v = 0; v < s->nv && off < sizeof(s->seen); v++) {
		size_t n = 0;
		for (size_t i = 0; i < rep->n_records; i++)
			n += !strcmp(rep->records[i]->owner, s->villages[v]->id);
		off += (size_t)snprintf(s->seen + off, sizeof(s->seen) - off, " %s %zu/%zu",
		                        s->villages[v]->id, n, s->rec.ledgers[v].n);
	}
	carenet__control_reply__free_unpacked(rep, NULL);
	return open == s->rec.total;
}

/* One record as an office holds it (quiet; for polls). */
static int rc_show(const struct demo_office *o, const char *id, Carenet__ControlReply **rep)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__RecordShowRequest q = CARENET__RECORD_SHOW_REQUEST__INIT;
	int rc;

	q.id = (char *)id;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_RECORD_SHOW;
	req.record_show = &q;
	if ((rc = sc_call(o, &req, CLI_WRITE_TIMEOUT_MS, 1, rep)) == 0 && (*rep)->n_records != 1)
		rc = CN_EPROTO;
	return rc;
}

/* The county holds the update's version 2 and the return; the village has
 * the return on its to-do list. */
static int rc_changed(struct scen *s)
{
	Carenet__ControlReply *rep = NULL;
	unsigned long long version = 0;
	char review[32] = "none", at_village[32] = "none";

	if (rc_show(s->county, s->rec.updated, &rep) == 0)
		version = rep->records[0]->version;
	carenet__control_reply__free_unpacked(rep, NULL);
	rep = NULL;
	if (rc_show(s->county, s->rec.reviewed, &rep) == 0)
		snprintf(review, sizeof(review), "%s", rc_field(rep->records[0], "review"));
	carenet__control_reply__free_unpacked(rep, NULL);
	rep = NULL;
	if (rc_show(s->villages[0], s->rec.reviewed, &rep) == 0)
		snprintf(at_village, sizeof(at_village), "%s", rc_field(rep->records[0], "review"));
	carenet__control_reply__free_unpacked(rep, NULL);
	snprintf(
	    s->seen, sizeof(s->seen),
	    "at the county %s is at version %llu and %s's review is %s; at %s its review is %s",
	    s->rec.updated, version, s->rec.reviewed, review, s->villages[0]->id, at_village);
	return version >= 2 && !strcmp(review, "returned") && !strcmp(at_village, "returned");
}

/* Plans every village's children: 3, 4, 5, 3, ... a village. */
static int rc_plan(struct scen *s)
{
	uint64_t now = util_now();
	size_t k = 0;

	if (!(s->rec.ledgers = calloc(s->nv, sizeof(*s->rec.ledgers))))
		return CN_ENOMEM;
	for (size_t v = 0; v < s->nv; v++) {
		s->rec.ledgers[v].first = s->rec.total;
		s->rec.ledgers[v].n = 3 + v % 3;
		s->rec.total += s->rec.ledgers[v].n;
	}
	if (!(s->rec.kids = calloc(s->rec.total, sizeof(*s->rec.kids))))
		return CN_ENOMEM;
	for (size_t v = 0; v < s->nv; v++)
		for (size_t c = 0; c < s->rec.ledgers[v].n; c++, k++)
			rc_kid_make(&s->rec.kids[k], k, s->county->id, s->villages[v]->id, c, now);
	return 0;
}

static int rc_step_import(struct scen *s)
{
	sc_header("第6步 各村导入儿童台账",
	          "Step 6: every village imports its children's ledger (儿童台账)");
	printf("each village fills the template (carenet record template --type child) with its\n"
	       "children — fictional ones here, written by the demo to %s/ledger-child-<id>.csv —\n"
	       "and imports it at its own node; the rows go up to the township and the county\n",
	       s->env->dir);
	return rc_import(s, 6);
}

int rc_import(struct scen *s, int step)
{
	char path[4096];
	int rc;

	if ((rc = rc_plan(s)) != 0)
		return rc;
	for (size_t v = 0; v < s->nv; v++) {
		const char *words[] = {"record", "import", "-c", s->villages[v]->cfg->path,
		                       "--type", "child",  path, NULL};

		if ((rc = rc_write_ledger(s, v, path, sizeof(path))) != 0 ||
		    (rc = sc_cli(step, cmd_record, words)) != 0)
			return rc;
	}
	return 0;
}

static int rc_step_county(struct scen *s)
{
	const char *list[] = {"record", "list",  "-c", s->county->cfg->path,
	                      "--type", "child", NULL};
	const char *summary[] = {"ledger", "summary", "-c", s->county->cfg->path, NULL};
	int rc;

	sc_header("第7步 县里汇总儿童台账",
	          "Step 7: the county holds every child, masked, and counts them");
	if ((rc = sc_wait(s, 7, "every child reaching the county", rc_arrived)) != 0)
		return rc;
	printf("all %zu children of the %zu villages are at the county; its listing masks every\n"
	       "personal field (--reveal would show them, and be written to the audit log)\n",
	       s->rec.total, s->nv);
	if ((rc = sc_cli(7, cmd_record, list)) != 0)
		return rc;
	return sc_cli(7, cmd_ledger, summary);
}

/* The office directly above a village (its township). */
static const struct demo_office *rc_township(const struct scen *s, const struct demo_office *v)
{
	for (size_t i = 0; i < s->env->n; i++) {
		const struct demo_office *o = &s->env->offices[i];
		if (o->role == PKI_ROLE_TOWNSHIP && !strncmp(o->id, v->id, strlen(o->id)))
			return o;
	}
	return s->county;
}

static int rc_step_change(struct scen *s)
{
	const struct demo_office *v = s->villages[0], *t = rc_township(s, v);
	Carenet__ControlReply *rep = NULL;
	char set[128];
	int rc;

	sc_header("第8步 村里更新一名儿童，乡镇退回一条记录",
	          "Step 8: a village updates a child; its township returns another record");
	if ((rc = rc_list(v, &rep)) != 0 || rep->n_records < 2) {
		fprintf(stderr, "demo: step 8: %s lists %zu children: %s\n", v->id,
		        rep ? rep->n_records : 0, cn_strerror(rc ? rc : CN_EPROTO));
		carenet__control_reply__free_unpacked(rep, NULL);
		return rc ? rc : CN_EPROTO;
	}
	snprintf(s->rec.updated, sizeof(s->rec.updated), "%s", rep->records[0]->id);
	snprintf(s->rec.reviewed, sizeof(s->rec.reviewed), "%s", rep->records[1]->id);
	carenet__control_reply__free_unpacked(rep, NULL);
	snprintf(set, sizeof(set), RC_UPDATE_FIELD "=" RC_UPDATE_VALUE);
	{
		const char *update[] = {"record",       "update", "-c", v->cfg->path,
		                        s->rec.updated, "--set",  set,  NULL};
		const char *review[] = {"record",     "review",        "-c",
		                        t->cfg->path, s->rec.reviewed, "--return",
		                        "--note",     RC_REVIEW_NOTE,  NULL};
		const char *history[] = {"record",       "history", "-c", s->county->cfg->path,
		                         s->rec.updated, NULL};
		const char *show[] = {"record",        "show", "-c", s->county->cfg->path,
		                      s->rec.reviewed, NULL};

		printf("%s: a child's parents came home (" RC_UPDATE_FIELD " → " RC_UPDATE_VALUE
		       "); %s: another child's guardian could not be reached\n",
		       v->id, t->id);
		if ((rc = sc_cli(8, cmd_record, update)) != 0 ||
		    (rc = sc_cli(8, cmd_record, review)) != 0 ||
		    (rc = sc_wait(s, 8, "the new version and the review reaching the county",
		                  rc_changed)) != 0)
			return rc;
		printf("\nthe county holds version 2 of %s and the township's return of %s; the "
		       "return\n"
		       "is on %s's to-do list (carenet record list --type child --where "
		       "review=returned)\n",
		       s->rec.updated, s->rec.reviewed, v->id);
		if ((rc = sc_cli(8, cmd_record, history)) != 0)
			return rc;
		return sc_cli(8, cmd_record, show);
	}
}

/* Nothing personal in the clear at rest: no child's name or ID number in the
 * data.mdb of any office that holds it (the village, its township, the county). */
static int rc_sealed(struct scen *s)
{
	for (size_t i = 0; i < s->env->n; i++) {
		const struct demo_office *o = &s->env->offices[i];
		char path[4096];
		uint8_t *buf = NULL;
		size_t len = 0;
		int rc;

		snprintf(path, sizeof(path), "%s/data.mdb", o->cfg->data_dir);
		if ((rc = util_read_file(path, (size_t)1 << 31, &buf, &len)) != 0) {
			fprintf(stderr, "demo: cannot read %s: %s\n", path, cn_strerror(rc));
			return rc;
		}
		for (size_t v = 0; v < s->nv && rc == 0; v++) {
			const struct rc_ledger *l = &s->rec.ledgers[v];
			if (strncmp(s->villages[v]->id, o->id, strlen(o->id)) != 0)
				continue; /* not below this office */
			for (size_t c = 0; c < l->n && rc == 0; c++) {
				const struct rc_kid *k = &s->rec.kids[l->first + c];
				const char *found =
				    memmem(buf, len, k->name, strlen(k->name))     ? k->name
				    : memmem(buf, len, k->idnum, strlen(k->idnum)) ? k->idnum
				                                                   : NULL;
				if (found) {
					fprintf(stderr, "demo: %s holds %s in the clear\n", path,
					        found);
					rc = CN_EPROTO;
				}
			}
		}
		free(buf);
		if (rc)
			return rc;
	}
	s->rec.sealed = 1;
	return 0;
}

int rc_run(struct scen *s)
{
	int rc;

	if ((rc = rc_step_import(s)) != 0 || (rc = rc_step_county(s)) != 0 ||
	    (rc = rc_step_change(s)) != 0)
		return rc;
	return rc_sealed(s);
}


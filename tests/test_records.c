/*
 * test_records: the records domain (roles/records/) — the schema and its
 * validation, and versions flowing up: the owner writes, replicas read,
 * versions in order, forgeries and writes by the wrong office refused,
 * personal fields sealed at rest and masked in listings.
 */
#include <stdlib.h>

#include "check.h"
#include "err.h"
#include "roles_fixture.h"

static Carenet__Field *fld(const char *name, const char *value)
{
	Carenet__Field *f = calloc(1, sizeof(*f));
	carenet__field__init(f);
	f->name = (char *)name;
	f->value = (char *)value;
	return f;
}

/* A valid child (every required field) with over[] replacing fields. */
static const char *child_ok[][2] = {
    {"name", "张三明"},           {"gender", "男"},
    {"birth_date", "2012-03-07"}, {"id_number", "530102201203071232"},
    {"hukou_registered", "是"},   {"address", "红云街道1号"},
    {"categories", "留守"},       {"guardianship_status", "委托监护"},
    {"living", "与祖辈同住"},     {"school_stage", "学龄前"},
    {"insurance", "城乡基本医疗保险"}, {"guardian_name", "张大山"},
    {"guardian_relation", "祖父母"}, {"guardian_phone", "13812341234"},
};
#define NCHILD (sizeof(child_ok) / sizeof(child_ok[0]))

/* Writes one record at o; returns the reply (errors in record_errors). */
static Carenet__ControlReply *write_one(struct office *o, const char *type, const char *id,
                                        const char *(*f)[2], size_t n, const char *close)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__RecordWriteRequest w = CARENET__RECORD_WRITE_REQUEST__INIT;
	Carenet__RecordInput in = CARENET__RECORD_INPUT__INIT, *inp = &in;
	Carenet__Field *fs[64];
	Carenet__ControlReply *rep;

	for (size_t i = 0; i < n; i++)
		fs[i] = fld(f[i][0], f[i][1]);
	in.type = (char *)(type ? type : "");
	in.id = (char *)(id ? id : "");
	in.set = fs;
	in.n_set = n;
	in.line = 2;
	if (close) {
		in.close = 1;
		in.close_reason = (char *)close;
	}
	w.records = &inp;
	w.n_records = 1;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_RECORD_WRITE;
	req.record_write = &w;
	rep = control(o, &req);
	for (size_t i = 0; i < n; i++)
		free(fs[i]);
	return rep;
}

/* The first error of writing a child with one field changed. */
static void refused(const char *name, const char *value, const char *want)
{
	const char *f[NCHILD + 1][2];
	size_t n = 0;
	Carenet__ControlReply *rep;

	for (size_t i = 0; i < NCHILD; i++)
		if (strcmp(child_ok[i][0], name) != 0) {
			f[n][0] = child_ok[i][0];
			f[n++][1] = child_ok[i][1];
		}
	if (value) {
		f[n][0] = name;
		f[n++][1] = value;
	}
	rep = write_one(&v11, "child", NULL, f, n, NULL);
	CHECK_INT(rep->code, CN_EINVAL);
	CHECK(rep->n_record_errors >= 1);
	if (rep->n_record_errors >= 1 && !strstr(rep->record_errors[0], want)) {
		fprintf(stderr, "got: %s\nwant: %s\n", rep->record_errors[0], want);
		CHECK(0);
	}
	done(rep);
}

static void validation(void)
{
	CHECK(roles_record_type("R09") == roles_record_type("child"));
	CHECK(roles_record_type("nope") == NULL);
	refused("id_number", "530102201203071234",
	        "2:0: 身份证号 (id_number): check digit of '530102201203071234' is 4; expected 2");
	refused("id_number", "530102201203081238", "differs from 出生日期 2012-03-07");
	refused("categories", "留守、外星", "unknown value '外星'; expected some of 留守");
	refused("name", NULL, "姓名 (name): empty; expected a value (required)");
	refused("orphan_type", "父母双亡", "孤儿类型 (orphan_type): given, but only allowed when 类别 includes 孤儿; expected it empty");
	refused("birth_date", "2099-01-01", "2099-01-01 is in the future");
	refused("guardian_phone", "12", "is not a phone number");
	refused("gender", "X", "unknown value 'X'; expected one of 男, 女");
	refused("school_stage", "初中", "学校 (school_name): empty; expected a value when 就学情况");
	/* nothing written by any of them */
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__RecordListRequest l = CARENET__RECORD_LIST_REQUEST__INIT;
	Carenet__ControlReply *rep;
	l.type = "child";
	l.office = "";
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_RECORD_LIST;
	req.record_list = &l;
	rep = control(&v11, &req);
	CHECK_INT(rep->code, 0);
	CHECK_INT(rep->n_records, 0);
	done(rep);
}

static Carenet__ControlReply *show(struct office *o, const char *id, int reveal, int history)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__RecordShowRequest s = CARENET__RECORD_SHOW_REQUEST__INIT;

	s.id = (char *)id;
	s.reveal = reveal;
	s.history = history;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_RECORD_SHOW;
	req.record_show = &s;
	return control(o, &req);
}

static const char *value_of(const Carenet__RecordVersion *m, const char *name)
{
	for (size_t i = 0; i < m->n_fields; i++)
		if (!strcmp(m->fields[i]->name, name))
			return m->fields[i]->value;
	return NULL;
}

static void flow(void)
{
	const char *upd[][2] = {{"living", "与父母同住"}};
	Carenet__ControlReply *rep = write_one(&v11, "child", NULL, child_ok, NCHILD, NULL);
	struct apply_ctx a;
	char id[64];
	size_t first;

	CHECK_INT(rep->code, 0);
	CHECK_INT(rep->n_record_ids, 1);
	snprintf(id, sizeof(id), "%s", rep->n_record_ids ? rep->record_ids[0] : "");
	CHECK_STR(id, V11 "-r1");
	done(rep);
	first = v11.nitems - 1;
	/* up: township, then county (no further) */
	CHECK_INT(apply(&t1, &v11, first, V11, &a), 0);
	CHECK_INT(a.route.up, 1);
	CHECK_INT(apply(&county, &v11, first, T1, &a), 0);
	CHECK_INT(a.route.up, 0);
	rep = show(&county, id, 0, 0);
	CHECK_INT(rep->n_records, 1);
	if (rep->n_records) {
		CHECK_STR(value_of(rep->records[0], "name"), "张*明");
		CHECK_STR(value_of(rep->records[0], "id_number"), "5301**********1232");
		CHECK_STR(value_of(rep->records[0], "guardian_phone"), "138****1234");
	}
	done(rep);
	rep = show(&county, id, 1, 0);
	CHECK(rep->n_records == 1 && !strcmp(value_of(rep->records[0], "name"), "张三明"));
	done(rep);
	CHECK_INT(audited(&county, "reveal", id), 1);
	/* update: version 2, applied in order; the duplicate of version 1 dropped */
	rep = write_one(&v11, NULL, id, upd, 1, NULL);
	CHECK_INT(rep->code, 0);
	done(rep);
	CHECK_INT(apply(&t1, &v11, v11.nitems - 1, V11, &a), 0);
	CHECK_INT(a.route.up, 1);
	CHECK_INT(apply(&t1, &v11, first, V11, &a), 0);
	CHECK_INT(a.route.up, 0); /* older: dropped, not forwarded */
	rep = show(&t1, id, 1, 1);
	CHECK_INT(rep->n_records, 2);
	if (rep->n_records == 2) {
		CHECK_INT(rep->records[1]->version, 2);
		CHECK_STR(value_of(rep->records[1], "living"), "与父母同住");
		CHECK_INT(rep->records[1]->n_changed, 1);
		CHECK_STR(rep->records[1]->changed[0], "living");
	}
	done(rep);
	/* a township writing a village's record: refused at the township */
	rep = write_one(&t1, NULL, id, upd, 1, NULL);
	CHECK_INT(rep->code, CN_EINVAL);
	CHECK(rep->n_record_errors == 1 && strstr(rep->record_errors[0], "only its owner"));
	done(rep);
	/* close is a version */
	rep = write_one(&v11, NULL, id, NULL, 0, "迁出");
	CHECK_INT(rep->code, 0);
	done(rep);
	CHECK_INT(apply(&t1, &v11, v11.nitems - 1, V11, &a), 0);
	rep = show(&t1, id, 0, 0);
	CHECK(rep->n_records == 1 && rep->records[0]->closed && rep->records[0]->version == 3);
	done(rep);
}

/* A village forging another village's record; one not on the path. */
static void forgeries(void)
{
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__RecordVersion m = CARENET__RECORD_VERSION__INIT;
	struct apply_ctx a;
	size_t i;

	m.id = V12 "-r9";
	m.type = "activity";
	m.owner = V12;
	m.version = 1;
	m.changed_by = V12;
	it.body_case = CARENET__ITEM__BODY_RECORD_VERSION;
	it.record_version = &m;
	i = craft(&v11, &it); /* signed by V11, claims V12 */
	CHECK_INT(apply(&t1, &v11, i, V11, &a), CN_EROLE);
	CHECK(strstr(a.why, "claims owner 530102001002") != NULL);
	m.id = V11 "-r9";
	m.owner = V11;
	m.changed_by = V11;
	i = craft(&v11, &it);
	CHECK_INT(apply(&county, &v11, i, T2, &a), CN_ESCOPE); /* via the wrong township */
	CHECK(strstr(a.why, "not on the owner's path") != NULL);
}

int main(void)
{
	fx_begin("test_records");
	validation();
	flow();
	forgeries();
	printf("test_records: %d checks, %d failures\n", checks, failures);
	return (fx_end() || failures) ? 1 : 0;
}

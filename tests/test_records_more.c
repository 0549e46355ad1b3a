/*
 * test_records_more: records beyond the owner's writes (roles/records/
 * review.c, ledger.c) — a review by the township travels to the owner and
 * the county and is refused from anyone else; a transfer goes up, turns down
 * at the county signed by it, the new owner accepts it, and from then on only
 * the new owner writes the record (the old owner's versions are refused);
 * the summary counts the child once.
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

static const char *child_ok[][2] = {
    {"name", "张三明"},
    {"gender", "男"},
    {"birth_date", "2012-03-07"},
    {"id_number", "530102201203071232"},
    {"hukou_registered", "是"},
    {"address", "红云街道1号"},
    {"categories", "留守"},
    {"guardianship_status", "委托监护"},
    {"living", "与祖辈同住"},
    {"school_stage", "学龄前"},
    {"insurance", "城乡基本医疗保险"},
    {"guardian_name", "张大山"},
    {"guardian_relation", "祖父母"},
    {"guardian_phone", "13812341234"},
};
#define NCHILD (sizeof(child_ok) / sizeof(child_ok[0]))

static int write_child(struct office *o, const char *id, const char *field, const char *value,
                       char *out, size_t outlen)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__RecordWriteRequest w = CARENET__RECORD_WRITE_REQUEST__INIT;
	Carenet__RecordInput in = CARENET__RECORD_INPUT__INIT, *inp = &in;
	Carenet__Field *fs[NCHILD];
	Carenet__ControlReply *rep;
	size_t n = id ? 1 : NCHILD;
	int rc;

	for (size_t i = 0; i < n; i++)
		fs[i] = id ? fld(field, value) : fld(child_ok[i][0], child_ok[i][1]);
	in.type = id ? "" : "child";
	in.id = (char *)(id ? id : "");
	in.set = fs;
	in.n_set = n;
	w.records = &inp;
	w.n_records = 1;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_RECORD_WRITE;
	req.record_write = &w;
	rep = control(o, &req);
	rc = rep->code;
	if (out && rep->n_record_ids)
		snprintf(out, outlen, "%s", rep->record_ids[0]);
	if (out && rep->n_record_errors)
		snprintf(out, outlen, "%s", rep->record_errors[0]);
	done(rep);
	for (size_t i = 0; i < n; i++)
		free(fs[i]);
	return rc;
}

static int review(struct office *o, const char *id, int approve, const char *note)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__RecordReviewRequest q = CARENET__RECORD_REVIEW_REQUEST__INIT;
	Carenet__ControlReply *rep;
	int rc;

	q.id = (char *)id;
	q.approve = approve;
	q.note = (char *)note;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_RECORD_REVIEW;
	req.record_review = &q;
	rep = control(o, &req);
	rc = rep->code;
	done(rep);
	return rc;
}

static int simple(struct office *o, Carenet__ControlRequest__RequestCase c, const char *id,
                  const char *to)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__RecordTransferRequest t = CARENET__RECORD_TRANSFER_REQUEST__INIT;
	Carenet__RecordShowRequest s = CARENET__RECORD_SHOW_REQUEST__INIT;
	Carenet__ControlReply *rep;
	int rc;

	req.request_case = c;
	t.id = s.id = (char *)id;
	t.to = (char *)to;
	if (c == CARENET__CONTROL_REQUEST__REQUEST_RECORD_TRANSFER)
		req.record_transfer = &t;
	else
		req.record_accept = &s;
	rep = control(o, &req);
	rc = rep->code;
	done(rep);
	return rc;
}

/* The records of o whose where-field has value; *owner of the first. */
static size_t listed(struct office *o, const char *office, const char *where, const char *value,
                     char *owner)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__RecordListRequest l = CARENET__RECORD_LIST_REQUEST__INIT;
	Carenet__Field *w = where ? fld(where, value) : NULL;
	Carenet__ControlReply *rep;
	size_t n;

	l.type = "child";
	l.office = (char *)office;
	l.where = &w;
	l.n_where = w ? 1 : 0;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_RECORD_LIST;
	req.record_list = &l;
	rep = control(o, &req);
	n = rep->n_records;
	if (owner && n)
		strcpy(owner, rep->records[0]->owner);
	done(rep);
	free(w);
	return n;
}

static uint64_t children_of(struct office *o, const char *office)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__LedgerSummaryRequest q = CARENET__LEDGER_SUMMARY_REQUEST__INIT;
	Carenet__ControlReply *rep;
	uint64_t n = 0;

	q.office = (char *)office;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_LEDGER_SUMMARY;
	req.ledger_summary = &q;
	rep = control(o, &req);
	for (size_t i = 0; i < rep->n_summary; i++)
		if (!strcmp(rep->summary[i]->measure, "children"))
			n += rep->summary[i]->count;
	done(rep);
	return n;
}

static void reviews(void)
{
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__RecordReview m = CARENET__RECORD_REVIEW__INIT;
	char id[128], *down[1] = {V11};
	struct apply_ctx a;
	size_t i;

	CHECK_INT(write_child(&v11, NULL, NULL, NULL, id, sizeof(id)), 0);
	CHECK_INT(apply(&t1, &v11, v11.nitems - 1, V11, &a), 0);
	CHECK_INT(apply(&county, &v11, v11.nitems - 1, T1, &a), 0);
	CHECK_INT(review(&v11, id, 1, ""), CN_EROLE);    /* the owner itself */
	CHECK_INT(review(&t2, id, 1, ""), CN_ENOTFOUND); /* not held: not below it */
	CHECK_INT(review(&t1, id, 0, ""), CN_EINVAL);    /* returned without a note */
	CHECK_INT(review(&t1, id, 0, "住址不全"), 0);
	i = t1.nitems - 1;
	CHECK_INT(apply(&v11, &t1, i, T1, &a), 0); /* down to the owner */
	CHECK_INT(apply(&county, &t1, i, T1, &a), 0);
	CHECK_INT(a.route.up + (int)a.route.ntargets, 0); /* not back down */
	CHECK_INT(listed(&v11, "", "review", "returned", NULL), 1);
	CHECK_INT(listed(&county, "", "review", "returned", NULL), 1);
	CHECK_INT(listed(&county, "", "review", "approved", NULL), 0);
	/* the owner corrects it: pending again */
	CHECK_INT(write_child(&v11, id, "address", "红云街道2号", NULL, 0), 0);
	CHECK_INT(listed(&v11, "", "review", "returned", NULL), 0);
	CHECK_INT(listed(&v11, "", "review", "pending", NULL), 1);
	/* a village reviewing its sibling's record; a township's review from a village link */
	m.id = id;
	m.owner = V11;
	m.version = 2;
	m.approve = 1;
	m.note = "";
	m.reviewed_by = V12;
	m.down = down;
	m.n_down = 1;
	it.body_case = CARENET__ITEM__BODY_RECORD_REVIEW;
	it.record_review = &m;
	i = craft(&v12, &it);
	CHECK_INT(apply(&t1, &v12, i, V12, &a), CN_EROLE);
	m.reviewed_by = T2;
	i = craft(&t2, &it);
	CHECK_INT(apply(&county, &t2, i, T2, &a), CN_EROLE); /* T2 is not above V11 */
}

static void transfers(void)
{
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__RecordVersion m = CARENET__RECORD_VERSION__INIT;
	char id[128], why[512], owner[64] = "";
	struct apply_ctx a;
	long k;
	size_t i;

	CHECK_INT(write_child(&v11, NULL, NULL, NULL, id, sizeof(id)), 0);
	CHECK_INT(apply(&t1, &v11, v11.nitems - 1, V11, &a), 0);
	CHECK_INT(apply(&county, &v11, v11.nitems - 1, T1, &a), 0);
	uint64_t before = children_of(&county, "");
	CHECK_INT(simple(&v11, CARENET__CONTROL_REQUEST__REQUEST_RECORD_TRANSFER, id, V11),
	          CN_ESCOPE);
	CHECK_INT(simple(&v11, CARENET__CONTROL_REQUEST__REQUEST_RECORD_TRANSFER, id, V21), 0);
	i = v11.nitems - 1;
	CHECK_INT(write_child(&v11, id, "living", "单独居住", why, sizeof(why)), CN_EINVAL);
	CHECK(strstr(why, "being transferred to " V21) != NULL);
	CHECK_INT(apply(&t1, &v11, i, V11, &a), 0);
	CHECK_INT(a.route.up, 1);
	CHECK_INT((int)a.route.ntargets, 0); /* V21 is not below T1 */
	size_t before_items = county.nitems;
	CHECK_INT(apply(&county, &v11, i, T1, &a), 0);
	CHECK_INT((int)a.route.ntargets, 0);                   /* not relayed: */
	CHECK_INT((int)(county.nitems - before_items), 1);     /* signed on by the county */
	CHECK_INT((int)children_of(&county, ""), (int)before); /* counted once */
	k = find_last(&county, CARENET__ITEM__BODY_RECORD_TRANSFER);
	CHECK(k >= 0);
	CHECK_INT(apply(&t2, &county, (size_t)k, "530102", &a), 0);
	CHECK(a.ntargets == 1 && !strcmp(a.targets[0], V21));
	CHECK_INT(simple(&v22, CARENET__CONTROL_REQUEST__REQUEST_RECORD_ACCEPT, id, NULL),
	          CN_ESCOPE); /* nothing transferred to v22 */
	CHECK_INT(apply(&v21, &county, (size_t)k, T2, &a), 0);
	CHECK_INT(simple(&v21, CARENET__CONTROL_REQUEST__REQUEST_RECORD_ACCEPT, id, NULL), 0);
	CHECK_INT(simple(&v21, CARENET__CONTROL_REQUEST__REQUEST_RECORD_ACCEPT, id, NULL),
	          CN_EINVAL); /* twice */
	i = v21.nitems - 1;
	CHECK_INT(apply(&t2, &v21, i, V21, &a), 0);
	CHECK_INT(apply(&county, &v21, i, T2, &a), 0);
	CHECK_INT(listed(&county, V21, NULL, NULL, owner), 1);
	CHECK_STR(owner, V21);
	CHECK_INT(listed(&county, V11, NULL, NULL, NULL), listed(&v11, V11, NULL, NULL, NULL) - 1);
	CHECK_INT((int)children_of(&county, ""), (int)before);
	CHECK_INT((int)children_of(&county, V21), 1);
	/* the old owner's next version: refused; the new owner writes on */
	m.id = id;
	m.type = "child";
	m.owner = V11;
	m.version = 3;
	m.changed_by = V11;
	it.body_case = CARENET__ITEM__BODY_RECORD_VERSION;
	it.record_version = &m;
	i = craft(&v11, &it);
	CHECK_INT(apply(&county, &v11, i, T1, &a), CN_EROLE);
	CHECK(strstr(a.why, "only the new owner writes it on") != NULL);
	CHECK_INT(write_child(&v21, id, "living", "与父母同住", NULL, 0), 0);
	CHECK_INT(apply(&t2, &v21, v21.nitems - 1, V21, &a), 0);
	CHECK_INT(apply(&county, &v21, v21.nitems - 1, T2, &a), 0);
	CHECK_INT(write_child(&v11, id, "living", "单独居住", why, sizeof(why)), CN_EINVAL);
}

int main(void)
{
	fx_begin("test_records_more");
	reviews();
	transfers();
	printf("test_records_more: %d checks, %d failures\n", checks, failures);
	return (fx_end() || failures) ? 1 : 0;
}

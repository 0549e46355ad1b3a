/* roles_fixture: see roles_fixture.h. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "roles_fixture.h"
#include "aead.h"
#include "audit.h"
#include "err.h"
#include "log.h"
#include "registry.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FX_CHECK(cond)                                                                             \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: fixture step failed: %s\n", __FILE__, __LINE__,    \
			        #cond);                                                            \
			fx_failures++;                                                             \
		}                                                                                  \
	} while (0)

int fx_failures;
uint64_t clock_now = T0;
struct office county, t1, t2, v11, v12, v21, v22;
char task[64];
const uint64_t task_due = T0 + 10 * DAY;
static char base[64];

/* ------------------------------------------------------ the fake engine */

static uint64_t f_now(void *arg)
{
	(void)arg;
	return clock_now;
}

int f_emit(void *arg, MDB_txn *txn, Carenet__Item *it, char *id_out, size_t idlen)
{
	struct office *o = arg;
	size_t len;

	(void)txn;
	if (o->nitems == MAXITEMS)
		return CN_ENOMEM;
	it->origin = o->me.id;
	it->lane = it->body_case == CARENET__ITEM__BODY_DOC_CHUNK ? 2 : 1; /* as the engine */
	if (it->body_case == CARENET__ITEM__BODY_ESCALATION ||
	    it->body_case == CARENET__ITEM__BODY_REPORT ||
	    it->body_case == CARENET__ITEM__BODY_REPORT_STEP)
		it->lane = 0;
	it->origin_seq = ++o->seq;
	it->created = clock_now;
	if (it->body_case == CARENET__ITEM__BODY_DIRECTIVE && !it->directive->id[0]) {
		snprintf(id_out, idlen, "%s-%llu", o->me.id, (unsigned long long)o->seq);
		it->directive->id = id_out;
	}
	if (it->body_case == CARENET__ITEM__BODY_REPORT && !it->report->id[0]) {
		snprintf(id_out, idlen, "%s-rep%llu", o->me.id, (unsigned long long)o->seq);
		it->report->id = id_out;
	}
	if (it->body_case == CARENET__ITEM__BODY_REPORT_STEP && !it->report_step->id[0]) {
		snprintf(id_out, idlen, "%s-step%llu", o->me.id, (unsigned long long)o->seq);
		it->report_step->id = id_out;
	}
	len = carenet__item__get_packed_size(it);
	o->item[o->nitems] = malloc(len);
	carenet__item__pack(it, o->item[o->nitems]);
	o->len[o->nitems++] = len;
	return 0;
}

struct wctx {
	struct office *o;
	int (*fn)(MDB_txn *, void *);
	void *arg;
	size_t nitems;
	uint64_t seq;
};

/* A replayed or failed transaction emitted nothing. */
void drop_after(struct office *o, size_t n, uint64_t seq)
{
	while (o->nitems > n)
		free(o->item[--o->nitems]);
	o->seq = seq;
}

static int w_txn(MDB_txn *txn, void *arg)
{
	struct wctx *w = arg;
	drop_after(w->o, w->nitems, w->seq);
	return w->fn(txn, w->arg);
}

int f_write(void *arg, int (*fn)(MDB_txn *, void *), void *fnarg)
{
	struct office *o = arg;
	struct wctx w = {o, fn, fnarg, o->nitems, o->seq};
	int rc = store_write(o->st, w_txn, &w);

	if (rc != 0)
		drop_after(o, w.nitems, w.seq);
	return rc;
}

/* The node's CRL keeper: counts what it is given; refuses lists that
 * start with "bad" as a list that does not verify. */
int crls_kept;
char crl_origin[PKI_ID_MAX];

static int f_crl_keep(void *arg, MDB_txn *txn, const char *origin, const uint8_t *der,
                      size_t len)
{
	(void)arg;
	(void)txn;
	if (len >= 3 && memcmp(der, "bad", 3) == 0)
		return CN_EVERIFY;
	crls_kept++;
	snprintf(crl_origin, sizeof(crl_origin), "%s", origin);
	return 0;
}

struct pki_trust *fx_trust;

static struct pki_trust *f_trust(void *arg)
{
	(void)arg;
	return fx_trust;
}

/* Records' key: each office its own, made from its id (tests only). */
static void f_key(const struct office *o, uint8_t key[AEAD_KEY_LEN])
{
	const char *id = o->keyid[0] ? o->keyid : o->me.id;
	memset(key, 0x5a, AEAD_KEY_LEN);
	memcpy(key, id, strlen(id));
}

static int f_seal(void *arg, const void *ad, size_t adlen, const void *pt, size_t ptlen,
                  uint8_t **box, size_t *boxlen)
{
	uint8_t key[AEAD_KEY_LEN];
	f_key(arg, key);
	return aead_seal(key, ad, adlen, pt, ptlen, box, boxlen);
}

static int f_open(void *arg, const void *ad, size_t adlen, const uint8_t *box, size_t boxlen,
                  uint8_t **pt, size_t *ptlen)
{
	uint8_t key[AEAD_KEY_LEN];
	f_key(arg, key);
	return aead_open(key, ad, adlen, box, boxlen, pt, ptlen);
}

void office_start(struct office *o)
{
	struct roles_env env = {&o->me, o->st,   &o->pol,    o,        f_now,  f_emit,
	                        f_write, f_crl_keep, f_trust, f_seal, f_open, NULL};

	if (store_open(o->dir, 8u << 20, &o->st) != 0) {
		fprintf(stderr, "cannot open %s\n", o->dir);
		exit(1);
	}
	env.store = o->st;
	if (roles_new(&env, &o->roles) != 0) {
		fprintf(stderr, "roles_new failed\n");
		exit(1);
	}
}

void office_stop(struct office *o)
{
	roles_free(&o->roles);
	store_close(&o->st);
}

static void office_init(struct office *o, const char *id)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->me.id, sizeof(o->me.id), "%s", id);
	snprintf(o->me.scope, sizeof(o->me.scope), "%s", id);
	o->me.role = pki_role_from_id(id);
	snprintf(o->dir, sizeof(o->dir), "%s/%s", base, id);
	o->pol.remind[0] = 3 * DAY;
	o->pol.remind[1] = 1 * DAY;
	o->pol.nremind = 2;
	o->pol.auto_rectify = 1;
	o->pol.rectify_after = 5 * DAY;
	office_start(o);
}

static void office_free(struct office *o)
{
	office_stop(o);
	drop_after(o, 0, 0);
}

void office_open(struct office *o, const char *id)
{
	office_init(o, id);
}

void office_close(struct office *o)
{
	office_free(o);
}

struct reg {
	struct office *o;
	const char *id;
	const char *name;
};

static int reg_txn(MDB_txn *txn, void *arg)
{
	struct reg *r = arg;
	int rc = registry_put(r->o->st, txn, r->id, pki_role_from_id(r->id), r->name);
	return rc < 0 ? rc : 0;
}

static void reg(struct office *o, const char *id, const char *name)
{
	struct reg r = {o, id, name};
	FX_CHECK(store_write(o->st, reg_txn, &r) == 0);
}

/* ---------------------------------------------------------- operations */

Carenet__Item *item_at(struct office *o, size_t i)
{
	if (i >= o->nitems)
		return NULL;
	return carenet__item__unpack(NULL, o->len[i], o->item[i]);
}

Carenet__Item *last_item(struct office *o)
{
	return o->nitems ? item_at(o, o->nitems - 1) : NULL;
}

/* Control request; the reply is checked by the caller and freed with done(). */
Carenet__ControlReply *control(struct office *o, Carenet__ControlRequest *req)
{
	Carenet__ControlReply *rep = calloc(1, sizeof(*rep));
	carenet__control_reply__init(rep);
	int rc = roles_control(o->roles, req, rep);
	FX_CHECK(rc == rep->code);
	return rep;
}

void done(Carenet__ControlReply *rep)
{
	roles_control_free(rep);
	free(rep);
}

int issue(struct office *o, uint32_t kind, const char *to, const char *title, const char *body,
          uint64_t due, char *id_out, char *err_out)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__IssueRequest q = CARENET__ISSUE_REQUEST__INIT;
	Carenet__ControlReply *rep;
	int rc;

	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_DIRECTIVE_ISSUE;
	req.directive_issue = &q;
	q.kind = kind;
	q.to = (char *)to;
	q.title = (char *)title;
	q.body = (char *)body;
	q.due = due;
	rep = control(o, &req);
	rc = rep->code;
	if (id_out)
		snprintf(id_out, 64, "%s", rep->id);
	if (err_out)
		snprintf(err_out, 512, "%s", rep->error);
	if (rc != 0 && !rep->error[0])
		FX_CHECK(!"a refusal without a reason");
	done(rep);
	return rc;
}

int ack(struct office *o, const char *did, uint32_t state, const char *note, int evidence)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__AckRequest a = CARENET__ACK_REQUEST__INIT;
	Carenet__Evidence ev = CARENET__EVIDENCE__INIT, *evp = &ev;
	uint8_t hash[32];
	Carenet__ControlReply *rep;
	int rc;

	memset(hash, 0xab, sizeof(hash));
	ev.name = "minutes.pdf";
	ev.sha256.data = hash;
	ev.sha256.len = 32;
	ev.size = 1234;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_ACK;
	req.ack = &a;
	a.directive = (char *)did;
	a.state = state;
	a.note = (char *)note;
	if (evidence) {
		a.evidence = &evp;
		a.n_evidence = 1;
	}
	rep = control(o, &req);
	rc = rep->code;
	done(rep);
	return rc;
}

/* directive.show (id) / directive.list (state) / inbox */
Carenet__ControlReply *query(struct office *o, const char *cmd, const char *id, const char *state)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ShowRequest show = CARENET__SHOW_REQUEST__INIT;
	Carenet__ListRequest list = CARENET__LIST_REQUEST__INIT;
	Carenet__Empty empty = CARENET__EMPTY__INIT;

	show.id = (char *)(id ? id : "");
	list.state = (char *)(state ? state : "");
	if (strcmp(cmd, "directive.show") == 0) {
		req.request_case = CARENET__CONTROL_REQUEST__REQUEST_DIRECTIVE_SHOW;
		req.directive_show = &show;
	} else if (strcmp(cmd, "directive.list") == 0) {
		req.request_case = CARENET__CONTROL_REQUEST__REQUEST_DIRECTIVE_LIST;
		req.directive_list = &list;
	} else {
		req.request_case = CARENET__CONTROL_REQUEST__REQUEST_INBOX;
		req.inbox = &empty;
	}
	return control(o, &req);
}

const Carenet__TargetView *row_of(const Carenet__ControlReply *rep, const char *target)
{
	if (rep->code != 0 || rep->n_directives != 1)
		return NULL;
	for (size_t i = 0; i < rep->directives[0]->n_targets; i++)
		if (strcmp(rep->directives[0]->targets[i]->id, target) == 0)
			return rep->directives[0]->targets[i];
	return NULL;
}

/* State of a matrix row at o; -1 if no such row. */
int row_state(struct office *o, const char *did, const char *target, int *overdue,
              uint32_t *reminders)
{
	Carenet__ControlReply *rep = query(o, "directive.show", did, NULL);
	const Carenet__TargetView *t = row_of(rep, target);
	int s = t ? (int)t->state : -1;

	if (t && overdue)
		*overdue = t->overdue;
	if (t && reminders)
		*reminders = t->reminders;
	done(rep);
	return s;
}

static int apply_txn(MDB_txn *txn, void *arg)
{
	struct apply_ctx *a = arg;

	a->rc = roles_apply(a->o->roles, txn, a->it, a->origin, a->from, &a->route, a->why,
	                    sizeof(a->why));
	a->ntargets = 0;
	for (size_t i = 0; a->rc == 0 && i < a->route.ntargets && i < 16; i++)
		snprintf(a->targets[a->ntargets++], 64, "%s", a->route.targets[i]);
	return a->rc;
}

/* Applies item i emitted by `src` at office `dst`, received from `from`. */
int apply(struct office *dst, struct office *src, size_t i, const char *from, struct apply_ctx *out)
{
	Carenet__Item *it = item_at(src, i);
	struct apply_ctx a = {dst, it, &src->me, from, {0}, "", 0, {{0}}, 0};
	int rc;

	FX_CHECK(it != NULL);
	if (!it)
		return CN_EINVAL;
	rc = f_write(dst, apply_txn, &a);
	if (out)
		*out = a;
	carenet__item__free_unpacked(it, NULL);
	return rc;
}

int has_target(const struct apply_ctx *a, const char *id)
{
	for (size_t i = 0; i < a->ntargets; i++)
		if (strcmp(a->targets[i], id) == 0)
			return 1;
	return 0;
}

struct audit_find {
	struct office *o;
	const char *action;
	const char *subject;
	int count;
};

static int audit_txn(MDB_txn *txn, void *arg)
{
	struct audit_find *f = arg;
	Carenet__AuditView **v;
	size_t n;
	int rc = audit_list(f->o->st, txn, 0, 0, &v, &n);

	for (size_t i = 0; rc == 0 && i < n; i++)
		if (strcmp(v[i]->action, f->action) == 0 &&
		    (!f->subject || strcmp(v[i]->subject, f->subject) == 0))
			f->count++;
	if (rc == 0)
		audit_views_free(v, n);
	return rc;
}

int audited(struct office *o, const char *action, const char *subject)
{
	struct audit_find f = {o, action, subject, 0};
	FX_CHECK(store_read(o->st, audit_txn, &f) == 0);
	return f.count;
}

static int fire_txn(MDB_txn *txn, void *arg)
{
	struct office *o = arg;
	return roles_fire(o->roles, txn, clock_now);
}

void fire(struct office *o)
{
	FX_CHECK(f_write(o, fire_txn, o) == 0);
}

/* Puts a hand-made item into o's emitted list; returns its index. */
size_t craft(struct office *o, Carenet__Item *it)
{
	char id[64];
	f_emit(o, NULL, it, id, sizeof(id));
	return o->nitems - 1;
}

size_t craft_status(struct office *o, const char *did, uint32_t state)
{
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__StatusUpdate su = CARENET__STATUS_UPDATE__INIT;

	su.directive = (char *)did;
	su.state = state;
	it.body_case = CARENET__ITEM__BODY_STATUS;
	it.status = &su;
	return craft(o, &it);
}

size_t craft_directive(struct office *o, const char *prefix, const char *role, char **expanded,
                       size_t n, uint64_t due)
{
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__Directive d = CARENET__DIRECTIVE__INIT;
	Carenet__Targets t = CARENET__TARGETS__INIT;

	t.prefix = (char *)prefix;
	t.role = (char *)role;
	d.kind = KIND_TASK;
	d.title = "forged";
	d.targets = &t;
	d.expanded = expanded;
	d.n_expanded = n;
	d.due = due;
	it.body_case = CARENET__ITEM__BODY_DIRECTIVE;
	it.directive = &d;
	return craft(o, &it);
}

static void setup(void)
{
	office_init(&county, C);
	office_init(&t1, T1);
	office_init(&t2, T2);
	office_init(&v11, V11);
	office_init(&v12, V12);
	office_init(&v21, V21);
	office_init(&v22, V22);
	reg(&county, T1, "城关镇 Chengguan");
	reg(&county, T2, "龙泉镇 Longquan");
	reg(&county, V11, "东村");
	reg(&county, V12, "西村");
	reg(&county, V21, "南村");
	reg(&county, V22, "北村");
	reg(&t1, V11, "东村");
	reg(&t1, V12, "西村");
	reg(&t2, V21, "南村");
	reg(&t2, V22, "北村");
}

/* Index of the last emitted item with this body, or -1. */
long find_last(struct office *o, Carenet__Item__BodyCase body)
{
	for (size_t i = o->nitems; i-- > 0;) {
		Carenet__Item *it = item_at(o, i);
		int hit = it && it->body_case == body;
		carenet__item__free_unpacked(it, NULL);
		if (hit)
			return (long)i;
	}
	return -1;
}

int list_count(struct office *o, const char *state)
{
	Carenet__ControlReply *rep = query(o, "directive.list", NULL, state);
	int n = rep->code == 0 ? (int)rep->n_directives : rep->code;
	done(rep);
	return n;
}

/* ---------------------------------------------------------- life cycle */

static int rm(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

void fx_begin(const char *name)
{
	log_init(LOG_LVL_ERROR, "test");
	snprintf(base, sizeof(base), "/tmp/%s.XXXXXX", name);
	if (!mkdtemp(base)) {
		perror("mkdtemp");
		exit(1);
	}
	setup();
}

int fx_end(void)
{
	office_free(&county);
	office_free(&t1);
	office_free(&t2);
	office_free(&v11);
	office_free(&v12);
	office_free(&v21);
	office_free(&v22);
	nftw(base, rm, 16, FTW_DEPTH | FTW_PHYS);
	return fx_failures;
}

/* ----------------------------------------------------------- the story */

int story_issue_task(char *err)
{
	return issue(&county, KIND_TASK, "530102:village", "核实台账 Verify the ledger",
	             "Verify every child's record.", task_due, task, err);
}

void story_deliver_task(void)
{
	FX_CHECK(apply(&t1, &county, 0, C, NULL) == 0);
	FX_CHECK(apply(&t2, &county, 0, C, NULL) == 0);
	FX_CHECK(apply(&v11, &county, 0, T1, NULL) == 0);
	FX_CHECK(apply(&v12, &county, 0, T1, NULL) == 0);
	FX_CHECK(apply(&v21, &county, 0, T2, NULL) == 0);
	FX_CHECK(apply(&v22, &county, 0, T2, NULL) == 0);
}

void story_statuses(void)
{
	FX_CHECK(apply(&t1, &v11, 0, V11, NULL) == 0);
	FX_CHECK(apply(&county, &v11, 0, T1, NULL) == 0);
	FX_CHECK(apply(&county, &v12, 0, T1, NULL) == 0);
	FX_CHECK(apply(&county, &v21, 0, T2, NULL) == 0);
	FX_CHECK(apply(&county, &v22, 0, T2, NULL) == 0);
	FX_CHECK(ack(&v11, task, STATE_ACCEPTED, "收到", 0) == 0);
	FX_CHECK(apply(&county, &v11, 1, T1, NULL) == 0);
	FX_CHECK(apply(&county, &v11, 0, T1, NULL) == 0); /* a late "delivered" */
	FX_CHECK(ack(&v12, task, STATE_DONE, "all 37 records verified", 1) == 0);
	FX_CHECK(apply(&county, &v12, v12.nitems - 1, T1, NULL) == 0);
}

void story_t2_notice(char *id)
{
	char err[512];

	FX_CHECK(issue(&t2, KIND_NOTICE, "530102002:village", "t2 notice", "", clock_now + DAY, id,
	               err) == 0);
	FX_CHECK(apply(&v21, &t2, t2.nitems - 1, T2, NULL) == 0);
}

/* ---- reports and moves */

static char *sit[] = {"S01"}; /* a child alone at home */

int report_file(struct office *o, char *id)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ReportFileRequest q = CARENET__REPORT_FILE_REQUEST__INIT;
	Carenet__Report p = CARENET__REPORT__INIT;
	Carenet__ControlReply *rep;
	int rc;

	p.situation = sit;
	p.n_situation = 1;
	p.summary = "独居 alone";
	p.child_description = "男孩";
	p.urgency = 1;
	q.report = &p;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_REPORT_FILE;
	req.report_file = &q;
	rep = control(o, &req);
	rc = rep->code;
	if (rc == 0)
		snprintf(id, 64, "%s", rep->id);
	done(rep);
	return rc;
}

int report_step(struct office *o, const char *id, uint32_t kind, char *err)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ReportStepRequest q = CARENET__REPORT_STEP_REQUEST__INIT;
	Carenet__ControlReply *rep;
	int rc;

	q.id = (char *)id;
	q.kind = kind;
	q.to = "公安";
	q.ref = "GA-1";
	req.request_case = kind == REPORT_STEP_OPEN_CASE
	                       ? CARENET__CONTROL_REQUEST__REQUEST_REPORT_OPEN_CASE
	                       : CARENET__CONTROL_REQUEST__REQUEST_REPORT_STEP;
	if (kind == REPORT_STEP_OPEN_CASE)
		req.report_open_case = &q;
	else
		req.report_step = &q;
	rep = control(o, &req);
	rc = rep->code;
	if (err)
		snprintf(err, 512, "%s", rep->error ? rep->error : "");
	done(rep);
	return rc;
}

int move_req(struct office *o, const char *old, const char *nw, char *err)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__MoveRequest q = CARENET__MOVE_REQUEST__INIT;
	Carenet__ControlReply *rep;
	int rc;

	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_MOVE;
	req.move = &q;
	q.old_id = (char *)old;
	q.new_id = (char *)nw;
	rep = control(o, &req);
	rc = rep->code;
	snprintf(err, 512, "%s", rep->error ? rep->error : "");
	done(rep);
	return rc;
}

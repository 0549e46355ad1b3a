/*
 * test_roles: directives, statuses and deadlines across a county, its
 * townships and villages, each with its own store and a fake delivery
 * engine (emit packs items into an array the test inspects and hands to
 * the next office's roles_apply; the clock is a variable).
 *
 * County 530102 -> townships 530102001, 530102002 -> villages
 * 530102001001, 530102001002, 530102002001, 530102002002.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include "audit.h"
#include "err.h"
#include "log.h"
#include "registry.h"
#include "roles.h"
#include "store.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define DAY 86400u
#define T0 1790000000u /* 2026-09-21 */
#define MAXITEMS 256

#define C "530102"
#define T1 "530102001"
#define T2 "530102002"
#define V11 "530102001001"
#define V12 "530102001002"
#define V21 "530102002001"
#define V22 "530102002002"

static uint64_t clock_now = T0;
static char base[] = "/tmp/test_roles.XXXXXX";

/* One office: identity, store, roles, and what it emitted. */
struct office {
	struct pki_identity me;
	char dir[256];
	struct store *st;
	struct roles *roles;
	struct roles_policy pol;
	uint64_t seq;
	uint8_t *item[MAXITEMS];
	size_t len[MAXITEMS];
	size_t nitems;
};

/* ------------------------------------------------------ the fake engine */

static uint64_t f_now(void *arg)
{
	(void)arg;
	return clock_now;
}

static int f_emit(void *arg, MDB_txn *txn, Carenet__Item *it, char *id_out, size_t idlen)
{
	struct office *o = arg;
	size_t len;

	(void)txn;
	if (o->nitems == MAXITEMS)
		return CN_ENOMEM;
	it->origin = o->me.id;
	it->lane = it->body_case == CARENET__ITEM__BODY_ESCALATION ? 0 : 1;
	it->origin_seq = ++o->seq;
	it->created = clock_now;
	if (it->body_case == CARENET__ITEM__BODY_DIRECTIVE && !it->directive->id[0]) {
		snprintf(id_out, idlen, "%s-%llu", o->me.id, (unsigned long long)o->seq);
		it->directive->id = id_out;
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
static void drop_after(struct office *o, size_t n, uint64_t seq)
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

static int f_write(void *arg, int (*fn)(MDB_txn *, void *), void *fnarg)
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
static int crls_kept;
static char crl_origin[PKI_ID_MAX];

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

static void office_start(struct office *o)
{
	struct roles_env env = {&o->me, o->st, &o->pol, o, f_now, f_emit, f_write, f_crl_keep};

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

static void office_stop(struct office *o)
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
	CHECK(store_write(o->st, reg_txn, &r) == 0);
}

/* ---------------------------------------------------------- operations */

static Carenet__Item *item_at(struct office *o, size_t i)
{
	if (i >= o->nitems)
		return NULL;
	return carenet__item__unpack(NULL, o->len[i], o->item[i]);
}

static Carenet__Item *last_item(struct office *o)
{
	return o->nitems ? item_at(o, o->nitems - 1) : NULL;
}

/* Control request; the reply is checked by the caller and freed with done(). */
static Carenet__ControlReply *control(struct office *o, Carenet__ControlRequest *req)
{
	Carenet__ControlReply *rep = calloc(1, sizeof(*rep));
	carenet__control_reply__init(rep);
	int rc = roles_control(o->roles, req, rep);
	CHECK(rc == rep->code);
	return rep;
}

static void done(Carenet__ControlReply *rep)
{
	roles_control_free(rep);
	free(rep);
}

static int issue(struct office *o, uint32_t kind, const char *to, const char *title,
                 const char *body, uint64_t due, char *id_out, char *err_out)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__IssueRequest q = CARENET__ISSUE_REQUEST__INIT;
	Carenet__ControlReply *rep;
	int rc;

	req.command = "directive.issue";
	req.issue = &q;
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
		CHECK(!"a refusal without a reason");
	done(rep);
	return rc;
}

static int ack(struct office *o, const char *did, uint32_t state, const char *note, int evidence)
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
	req.command = "ack";
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
static Carenet__ControlReply *query(struct office *o, const char *cmd, const char *id,
                                    const char *state)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__Query q = CARENET__QUERY__INIT;

	req.command = (char *)cmd;
	req.query = &q;
	q.id = (char *)(id ? id : "");
	q.state = (char *)(state ? state : "");
	return control(o, &req);
}

static const Carenet__TargetView *row_of(const Carenet__ControlReply *rep, const char *target)
{
	if (rep->code != 0 || rep->n_directives != 1)
		return NULL;
	for (size_t i = 0; i < rep->directives[0]->n_targets; i++)
		if (strcmp(rep->directives[0]->targets[i]->id, target) == 0)
			return rep->directives[0]->targets[i];
	return NULL;
}

/* State of a matrix row at o; -1 if no such row. */
static int row_state(struct office *o, const char *did, const char *target, int *overdue,
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

struct apply_ctx {
	struct office *o;
	const Carenet__Item *it;
	const struct pki_identity *origin;
	const char *from;
	struct roles_route route;
	char why[512];
	int rc;
	char targets[16][64]; /* copied: route strings point into the item */
	size_t ntargets;
};

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
static int apply(struct office *dst, struct office *src, size_t i, const char *from,
                 struct apply_ctx *out)
{
	Carenet__Item *it = item_at(src, i);
	struct apply_ctx a = {dst, it, &src->me, from, {0}, "", 0, {{0}}, 0};
	int rc;

	CHECK(it != NULL);
	if (!it)
		return CN_EINVAL;
	rc = f_write(dst, apply_txn, &a);
	if (out)
		*out = a;
	carenet__item__free_unpacked(it, NULL);
	return rc;
}

static int has_target(const struct apply_ctx *a, const char *id)
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

static int audited(struct office *o, const char *action, const char *subject)
{
	struct audit_find f = {o, action, subject, 0};
	CHECK(store_read(o->st, audit_txn, &f) == 0);
	return f.count;
}

static int fire_txn(MDB_txn *txn, void *arg)
{
	struct office *o = arg;
	return roles_fire(o->roles, txn, clock_now);
}

static void fire(struct office *o)
{
	CHECK(f_write(o, fire_txn, o) == 0);
}

/* ---------------------------------------------------------------- cases */

static struct office county, t1, t2, v11, v12, v21, v22;
static char task[64];
static const uint64_t task_due = T0 + 10 * DAY;

/* Puts a hand-made item into o's emitted list; returns its index. */
static size_t craft(struct office *o, Carenet__Item *it)
{
	char id[64];
	f_emit(o, NULL, it, id, sizeof(id));
	return o->nitems - 1;
}

static size_t craft_status(struct office *o, const char *did, uint32_t state)
{
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__StatusUpdate su = CARENET__STATUS_UPDATE__INIT;

	su.directive = (char *)did;
	su.state = state;
	it.body_case = CARENET__ITEM__BODY_STATUS;
	it.status = &su;
	return craft(o, &it);
}

static size_t craft_directive(struct office *o, const char *prefix, const char *role,
                              char **expanded, size_t n, uint64_t due)
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

static void test_refusals(void)
{
	char err[512], *big = malloc(ROLES_MAX_BODY + 2);
	uint64_t due = clock_now + 10 * DAY;

	memset(big, 'a', ROLES_MAX_BODY + 1);
	big[ROLES_MAX_BODY + 1] = 0;
	CHECK(issue(&v11, KIND_TASK, V11, "t", "", due, NULL, err) == CN_EROLE);
	CHECK(issue(&t1, KIND_TASK, V21, "t", "", due, NULL, err) == CN_ESCOPE);
	CHECK(strstr(err, "target 530102002001 is outside this office's subtree 530102001"));
	CHECK(issue(&t1, KIND_TASK, "530102:village", "t", "", due, NULL, err) == CN_ESCOPE);
	CHECK(strstr(err, "target 530102:village is outside this office's subtree 530102001"));
	CHECK(issue(&county, KIND_TASK, "530103:village", "t", "", due, NULL, err) == CN_ESCOPE);
	CHECK(strstr(err, "target 530103:village is outside this office's subtree 530102"));
	CHECK(issue(&t1, KIND_TASK, "530102001:township", "t", "", due, NULL, err) == CN_EROLE);
	CHECK(issue(&t1, KIND_TASK, "530102001001:village", "t", "", due, NULL, err) == CN_EINVAL);
	CHECK(strstr(err, "no known office matches 530102001001:village"));
	CHECK(issue(&county, KIND_TASK, "12345", "t", "", due, NULL, err) == CN_EINVAL);
	CHECK(issue(&county, KIND_TASK, C, "t", "", due, NULL, err) == CN_ESCOPE); /* itself */
	CHECK(issue(&t1, KIND_TASK, V11 "," T1, "t", "", due, NULL, err) == CN_ESCOPE);
	CHECK(strstr(err, "target 530102001 is outside"));
	CHECK(issue(&county, KIND_TASK, " , ", "t", "", due, NULL, err) == CN_EINVAL);
	CHECK(issue(&county, KIND_TASK, V11, big + ROLES_MAX_BODY - ROLES_MAX_TITLE, "", due, NULL,
	            err) == CN_ETOOBIG); /* 513 bytes */
	CHECK(issue(&county, KIND_TASK, V11, "", "", due, NULL, err) == CN_EINVAL);
	CHECK(issue(&county, KIND_TASK, V11, "t", big, due, NULL, err) == CN_ETOOBIG);
	CHECK(issue(&county, KIND_TASK, V11, "t", "", clock_now, NULL, err) == CN_EINVAL);
	CHECK(strstr(err, "not in the future"));
	CHECK(issue(&county, KIND_TASK, V11, "t", "", clock_now - 60, NULL, err) == CN_EINVAL);
	CHECK(issue(&county, 9, V11, "t", "", due, NULL, err) == CN_EINVAL);
	{ /* a reminder before now */
		Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
		Carenet__IssueRequest q = CARENET__ISSUE_REQUEST__INIT;
		Carenet__ControlReply *rep;
		uint64_t rem[] = {DAY, 11 * DAY};
		req.command = "directive.issue";
		req.issue = &q;
		q.kind = KIND_TASK;
		q.to = V11;
		q.title = "t";
		q.due = due;
		q.remind = rem;
		q.n_remind = 2;
		rep = control(&county, &req);
		CHECK(rep->code == CN_EINVAL && strstr(rep->error, "in the past"));
		done(rep);
	}
	CHECK(county.nitems == 0 && t1.nitems == 0 && v11.nitems == 0);
	CHECK(audited(&county, "issue", NULL) == 0);
	free(big);
}

static void test_issue(void)
{
	Carenet__ControlReply *rep;
	Carenet__Item *it;
	char err[512];

	CHECK(issue(&county, KIND_TASK, "530102:village", "核实台账 Verify the ledger",
	            "Verify every child's record.", task_due, task, err) == 0);
	CHECK(strcmp(task, "530102-1") == 0);
	CHECK(county.nitems == 1);
	it = item_at(&county, 0);
	CHECK(it && it->body_case == CARENET__ITEM__BODY_DIRECTIVE);
	if (it && it->directive) {
		const Carenet__Directive *d = it->directive;
		CHECK(d->n_expanded == 4);
		CHECK(d->n_expanded == 4 && strcmp(d->expanded[0], V11) == 0 &&
		      strcmp(d->expanded[3], V22) == 0);
		CHECK(strcmp(d->targets->prefix, C) == 0 &&
		      strcmp(d->targets->role, "village") == 0);
		CHECK(d->n_remind == 2 && d->remind[0] == 3 * DAY);
		CHECK(d->due == task_due && d->kind == KIND_TASK);
	}
	carenet__item__free_unpacked(it, NULL);
	rep = query(&county, "directive.show", task, NULL);
	CHECK(rep->code == 0 && rep->n_directives == 1);
	if (rep->n_directives == 1) {
		const Carenet__DirectiveView *v = rep->directives[0];
		CHECK(v->n_targets == 4);
		for (size_t i = 0; i < v->n_targets; i++)
			CHECK(v->targets[i]->state == STATE_PENDING && !v->targets[i]->overdue);
		CHECK(strcmp(v->issuer, C) == 0 && strcmp(v->targets_spec, "530102:village") == 0);
	}
	CHECK(row_of(rep, V11) && strcmp(row_of(rep, V11)->name, "东村") == 0);
	done(rep);
	CHECK(audited(&county, "issue", task) == 1);
	CHECK(roles_next_due(county.roles) == task_due - 3 * DAY);

	/* Timers and the matrix survive a restart. */
	office_stop(&county);
	office_start(&county);
	CHECK(roles_next_due(county.roles) == task_due - 3 * DAY);
	CHECK(row_state(&county, task, V22, NULL, NULL) == STATE_PENDING);
}

static void test_deliver(void)
{
	struct apply_ctx a;
	Carenet__ControlReply *rep;
	Carenet__Item *it;

	/* A township records and relays towards its own two villages only. */
	CHECK(apply(&t1, &county, 0, C, &a) == 0);
	CHECK(a.ntargets == 2 && has_target(&a, V11) && has_target(&a, V12));
	CHECK(!a.route.up && t1.nitems == 0);
	CHECK(row_state(&t1, task, V11, NULL, NULL) == STATE_PENDING);
	CHECK(row_state(&t1, task, V21, NULL, NULL) == -1);
	rep = query(&t1, "directive.list", NULL, NULL);
	CHECK(rep->code == 0 && rep->n_directives == 1 && rep->directives[0]->n_targets == 2);
	done(rep);
	CHECK(audited(&t1, "relay", task) == 1);
	CHECK(roles_next_due(t1.roles) == UINT64_MAX); /* only the issuer keeps timers */
	CHECK(apply(&t2, &county, 0, C, &a) == 0 && a.ntargets == 2 && has_target(&a, V21));

	/* A target: inbox, and the automatic "delivered" acknowledgement. */
	CHECK(apply(&v11, &county, 0, T1, &a) == 0 && a.ntargets == 0);
	CHECK(v11.nitems == 1);
	it = last_item(&v11);
	CHECK(it && it->body_case == CARENET__ITEM__BODY_STATUS &&
	      strcmp(it->status->directive, task) == 0 && it->status->state == STATE_DELIVERED);
	carenet__item__free_unpacked(it, NULL);
	rep = query(&v11, "inbox", NULL, NULL);
	CHECK(rep->code == 0 && rep->n_directives == 1);
	if (rep->n_directives == 1)
		CHECK(rep->directives[0]->my_state == STATE_DELIVERED &&
		      !rep->directives[0]->overdue &&
		      rep->directives[0]->my_changed_at == clock_now);
	done(rep);
	CHECK(audited(&v11, "deliver", task) == 1);

	/* Replays apply nothing. */
	CHECK(apply(&v11, &county, 0, T1, &a) == 0 && a.ntargets == 0 && v11.nitems == 1);
	CHECK(audited(&v11, "deliver", task) == 1);
	CHECK(apply(&t1, &county, 0, C, &a) == 0 && a.ntargets == 0);
	CHECK(audited(&t1, "relay", task) == 1);

	CHECK(apply(&v12, &county, 0, T1, NULL) == 0 && v12.nitems == 1);
	CHECK(apply(&v21, &county, 0, T2, NULL) == 0 && v21.nitems == 1);
	CHECK(apply(&v22, &county, 0, T2, NULL) == 0 && v22.nitems == 1);

	/* A directive coming up from below is refused. */
	CHECK(apply(&t2, &county, 0, V21, &a) == CN_ESCOPE);
}

static void test_authority_at_hops(void)
{
	struct apply_ctx a;
	char id[64], err[512], *one[] = {V11}, *twp[] = {T1};
	size_t i;

	/* A sibling township's directive, and one sent up to the county. */
	CHECK(issue(&t2, KIND_NOTICE, "530102002:village", "t2 notice", "", clock_now + DAY, id,
	            err) == 0);
	CHECK(apply(&v11, &t2, t2.nitems - 1, T1, &a) == CN_ESCOPE);
	CHECK(apply(&county, &t2, t2.nitems - 1, T2, &a) == CN_ESCOPE);
	CHECK(apply(&v21, &t2, t2.nitems - 1, T2, &a) == 0 && v21.nitems == 2);

	/* Expanded targets that do not match the spec; a village as issuer;
	 * a due time before the creation time. */
	i = craft_directive(&county, C, "township", one, 1, clock_now + DAY);
	CHECK(apply(&t1, &county, i, C, &a) == CN_EINVAL);
	i = craft_directive(&county, C, "township", twp, 1, clock_now - 1);
	CHECK(apply(&t1, &county, i, C, &a) == CN_EINVAL);
	i = craft_directive(&t1, T1, "village", one, 1, clock_now + DAY);
	CHECK(apply(&v11, &t1, i, T1, &a) == 0); /* the township may */
	i = craft_directive(&v12, T1, "village", one, 1, clock_now + DAY);
	CHECK(apply(&v11, &v12, i, T1, &a) == CN_ESCOPE); /* a sibling village may not */
	CHECK(row_state(&t1, task, V11, NULL, NULL) == STATE_DELIVERED);
	drop_after(&county, 1, 1); /* forget the forged, refused items */
	drop_after(&v12, v12.nitems - 1, v12.seq - 1);
}

static void test_status(void)
{
	struct apply_ctx a;
	Carenet__ControlReply *rep;
	const Carenet__TargetView *t;
	size_t i;

	CHECK(apply(&t1, &v11, 0, V11, &a) == 0 && a.route.up == 1);
	CHECK(row_state(&t1, task, V11, NULL, NULL) == STATE_DELIVERED);
	CHECK(apply(&county, &v11, 0, T1, &a) == 0 && a.route.up == 0);
	CHECK(row_state(&county, task, V11, NULL, NULL) == STATE_DELIVERED);
	CHECK(apply(&county, &v12, 0, T1, NULL) == 0);
	CHECK(apply(&county, &v21, 0, T2, NULL) == 0);
	CHECK(apply(&county, &v22, 0, T2, NULL) == 0);
	CHECK(row_state(&county, task, V22, NULL, NULL) == STATE_DELIVERED);

	CHECK(ack(&v11, task, STATE_ACCEPTED, "收到", 0) == 0 && v11.nitems == 2);
	CHECK(apply(&county, &v11, 1, T1, NULL) == 0);
	CHECK(row_state(&county, task, V11, NULL, NULL) == STATE_ACCEPTED);
	/* A late "delivered" never takes a row back. */
	CHECK(apply(&county, &v11, 0, T1, NULL) == 0);
	CHECK(row_state(&county, task, V11, NULL, NULL) == STATE_ACCEPTED);

	CHECK(ack(&v12, task, STATE_DONE, "all 37 records verified", 1) == 0);
	CHECK(apply(&county, &v12, v12.nitems - 1, T1, NULL) == 0);
	rep = query(&county, "directive.show", task, NULL);
	t = row_of(rep, V12);
	CHECK(t && t->state == STATE_DONE && strcmp(t->note, "all 37 records verified") == 0);
	CHECK(t && t->n_evidence == 1 && t->evidence[0]->size == 1234 &&
	      t->evidence[0]->sha256.len == 32);
	done(rep);

	/* Acks the node refuses. */
	CHECK(ack(&v11, "530102-99", STATE_ACCEPTED, "", 0) == CN_ENOTFOUND);
	CHECK(ack(&v11, task, 9, "", 0) == CN_EINVAL);
	CHECK(ack(&v11, task, STATE_DELIVERED, "", 0) == CN_EINVAL);
	CHECK(ack(&v11, task, STATE_UNABLE, "", 0) == CN_EINVAL);
	CHECK(v11.nitems == 2);

	/* Statuses the issuer refuses: not a target, bad state, unknown directive. */
	i = craft_status(&t1, task, STATE_ACCEPTED);
	CHECK(apply(&county, &t1, i, T1, NULL) == CN_ESCOPE);
	i = craft_status(&v21, task, 7);
	CHECK(apply(&county, &v21, i, T2, NULL) == CN_EINVAL);
	i = craft_status(&v21, "530102-77", STATE_ACCEPTED);
	CHECK(apply(&county, &v21, i, T2, NULL) == CN_ENOTFOUND);
	i = craft_status(&county, task, STATE_ACCEPTED);
	CHECK(apply(&t1, &county, i, C, NULL) == CN_ESCOPE); /* statuses go up only */
	drop_after(&t1, 0, 0);
	drop_after(&v21, 1, 1);
	drop_after(&county, 1, 1);
	CHECK(row_state(&county, task, V21, NULL, NULL) == STATE_DELIVERED);
}

/* Index of the last emitted item with this body, or -1. */
static long find_last(struct office *o, Carenet__Item__BodyCase body)
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

static int list_count(struct office *o, const char *state)
{
	Carenet__ControlReply *rep = query(o, "directive.list", NULL, state);
	int n = rep->code == 0 ? (int)rep->n_directives : rep->code;
	done(rep);
	return n;
}

/* Without auto_rectify an overdue notice is only marked; a directive whose
 * late targets all finished is no longer "overdue" but "done". */
static void test_no_autorectify(void)
{
	Carenet__Item *it;
	char notice[64];
	size_t before = t2.nitems;
	int late = 0;

	snprintf(notice, sizeof(notice), "%s-1", T2);
	it = item_at(&t2, 0);
	/* Due a day after issue: the default reminders 3d and 1d cannot fire. */
	CHECK(it && it->directive && it->directive->n_remind == 0);
	carenet__item__free_unpacked(it, NULL);
	t2.pol.auto_rectify = 0;
	CHECK(apply(&v22, &t2, 0, T2, NULL) == 0);
	CHECK(apply(&t2, &v22, v22.nitems - 1, V22, NULL) == 0);
	clock_now = T0 + DAY;
	fire(&t2);
	CHECK(t2.nitems == before); /* no reminder (too late), no rectification */
	CHECK(row_state(&t2, notice, V21, &late, NULL) == STATE_PENDING && late);
	CHECK(row_state(&t2, notice, V22, &late, NULL) == STATE_DELIVERED && late);
	CHECK(audited(&t2, "overdue", notice) == 1 && audited(&t2, "rectify", NULL) == 0);
	CHECK(list_count(&t2, "overdue") == 1);
	CHECK(ack(&v21, notice, STATE_DONE, "", 0) == 0);
	CHECK(apply(&t2, &v21, v21.nitems - 1, V21, NULL) == 0);
	CHECK(ack(&v22, notice, STATE_UNABLE, "no staff this week", 0) == 0);
	CHECK(apply(&t2, &v22, v22.nitems - 1, V22, NULL) == 0);
	CHECK(row_state(&t2, notice, V22, &late, NULL) == STATE_UNABLE && late);
	CHECK(list_count(&t2, "overdue") == 0);
	CHECK(list_count(&t2, "done") == 1);
	CHECK(list_count(&t2, "open") == 1); /* the county's task, relayed */
	t2.pol.auto_rectify = 1;
}

static void test_reminders(void)
{
	struct apply_ctx a;
	Carenet__ControlReply *rep;
	Carenet__Item *it;
	uint32_t rem = 0;
	size_t before = county.nitems, ri;

	clock_now = task_due - 3 * DAY - 1;
	fire(&county);
	CHECK(county.nitems == before);
	clock_now = task_due - 3 * DAY;
	fire(&county);
	CHECK(county.nitems == before + 1);
	ri = county.nitems - 1;
	it = item_at(&county, ri);
	CHECK(it && it->body_case == CARENET__ITEM__BODY_REMINDER);
	if (it && it->reminder) {
		const Carenet__Reminder *r = it->reminder;
		CHECK(strcmp(r->directive, task) == 0 && r->due == task_due);
		/* Not V12: it is done. */
		CHECK(r->n_targets == 3 && strcmp(r->targets[0], V11) == 0 &&
		      strcmp(r->targets[1], V21) == 0 && strcmp(r->targets[2], V22) == 0);
	}
	carenet__item__free_unpacked(it, NULL);
	CHECK(row_state(&county, task, V11, NULL, &rem) == STATE_ACCEPTED && rem == 1);
	CHECK(row_state(&county, task, V12, NULL, &rem) == STATE_DONE && rem == 0);
	CHECK(audited(&county, "remind", task) == 1);
	CHECK(roles_next_due(county.roles) == task_due - DAY);

	/* Down the tree: the township relays to V11 only, V11 counts it. */
	CHECK(apply(&t1, &county, ri, C, &a) == 0 && a.ntargets == 1 && has_target(&a, V11));
	CHECK(row_state(&t1, task, V11, NULL, &rem) == STATE_DELIVERED && rem == 1);
	CHECK(apply(&v11, &county, ri, T1, &a) == 0);
	rep = query(&v11, "inbox", NULL, NULL);
	CHECK(rep->n_directives >= 1 && rep->directives[rep->n_directives - 1]->reminders == 1);
	done(rep);
	CHECK(apply(&v12, &county, ri, T1, &a) == CN_ESCOPE); /* not reminded */

	clock_now = task_due - DAY;
	fire(&county);
	CHECK(county.nitems == before + 2);
	CHECK(row_state(&county, task, V21, NULL, &rem) == STATE_DELIVERED && rem == 2);
}

static char rect[64];

static void test_overdue(void)
{
	Carenet__ControlReply *rep;
	Carenet__Item *it;
	int late = 0;
	long ri;

	clock_now = task_due;
	fire(&county);
	CHECK(row_state(&county, task, V11, &late, NULL) == STATE_ACCEPTED && late);
	CHECK(row_state(&county, task, V12, &late, NULL) == STATE_DONE && !late);
	CHECK(row_state(&county, task, V22, &late, NULL) == STATE_DELIVERED && late);
	CHECK(audited(&county, "overdue", task) == 1);

	/* A rectification order to the three laggards, nobody else. */
	ri = find_last(&county, CARENET__ITEM__BODY_DIRECTIVE);
	CHECK(ri == (long)county.nitems - 1);
	it = ri >= 0 ? item_at(&county, (size_t)ri) : NULL;
	CHECK(it && it->directive && it->directive->kind == KIND_RECTIFICATION);
	if (it && it->directive) {
		const Carenet__Directive *d = it->directive;
		snprintf(rect, sizeof(rect), "%s", d->id);
		CHECK(strcmp(d->ref, task) == 0 && d->due == task_due + 5 * DAY);
		CHECK(strncmp(d->title, "限时整改 Rectification: 核实台账", 38) == 0);
		CHECK(d->n_expanded == 3 && d->targets->n_ids == 3);
		CHECK(d->n_expanded == 3 && strcmp(d->expanded[0], V11) == 0 &&
		      strcmp(d->expanded[1], V21) == 0 && strcmp(d->expanded[2], V22) == 0);
	}
	carenet__item__free_unpacked(it, NULL);
	CHECK(audited(&county, "rectify", rect) == 1);
	CHECK(row_state(&county, rect, V12, NULL, NULL) == -1);

	CHECK(list_count(&county, "overdue") == 1);
	CHECK(list_count(&county, "open") == 2);
	CHECK(list_count(&county, "done") == 0);
	CHECK(list_count(&county, "") == 2);
	CHECK(list_count(&county, "bogus") == CN_EINVAL);
	rep = query(&county, "directive.list", NULL, "open");
	CHECK(rep->n_directives == 2 && strcmp(rep->directives[0]->id, rect) == 0);
	/* Overdue targets first in the matrix. */
	CHECK(rep->n_directives == 2 && rep->directives[1]->n_targets == 4 &&
	      rep->directives[1]->targets[0]->overdue &&
	      strcmp(rep->directives[1]->targets[3]->id, V12) == 0);
	done(rep);

	/* Done after the due time: done, and still marked overdue. */
	CHECK(ack(&v21, task, STATE_DONE, "late but done", 0) == 0);
	CHECK(apply(&county, &v21, v21.nitems - 1, T2, NULL) == 0);
	CHECK(row_state(&county, task, V21, &late, NULL) == STATE_DONE && late);

	/* The village's own view: the task is overdue by its clock; the
	 * township's notice it answered "unable" is not. */
	rep = query(&v22, "inbox", NULL, NULL);
	CHECK(rep->n_directives == 2);
	for (size_t i = 0; i < rep->n_directives; i++) {
		const Carenet__DirectiveView *v = rep->directives[i];
		CHECK(strcmp(v->id, task) == 0 ? v->overdue && v->my_state == STATE_DELIVERED
		                               : !v->overdue && v->my_state == STATE_UNABLE);
	}
	done(rep);
	rep = query(&county, "directive.show", "530102-404", NULL);
	CHECK(rep->code == CN_ENOTFOUND && strstr(rep->error, "530102-404"));
	done(rep);
}

static void test_circular(void)
{
	struct apply_ctx a;
	Carenet__Item *it;
	long ci;

	/* V11 completes the rectification; V21 and V22 miss it. */
	CHECK(apply(&t1, &county, (size_t)find_last(&county, CARENET__ITEM__BODY_DIRECTIVE), C,
	            &a) == 0 &&
	      a.ntargets == 1);
	CHECK(apply(&v11, &county, (size_t)find_last(&county, CARENET__ITEM__BODY_DIRECTIVE), T1,
	            &a) == 0);
	CHECK(ack(&v11, rect, STATE_DONE, "corrected", 1) == 0);
	CHECK(apply(&county, &v11, v11.nitems - 1, T1, NULL) == 0);
	CHECK(row_state(&county, rect, V11, NULL, NULL) == STATE_DONE);
	/* Not for V12, nor for any office below it. */
	CHECK(apply(&v12, &county, (size_t)find_last(&county, CARENET__ITEM__BODY_DIRECTIVE), T1,
	            &a) == CN_ESCOPE);

	clock_now = task_due + 5 * DAY;
	fire(&county);
	ci = find_last(&county, CARENET__ITEM__BODY_DIRECTIVE);
	it = ci >= 0 ? item_at(&county, (size_t)ci) : NULL;
	CHECK(it && it->directive && it->directive->kind == KIND_CIRCULAR);
	if (it && it->directive) {
		const Carenet__Directive *d = it->directive;
		CHECK(strcmp(d->targets->prefix, C) == 0 &&
		      strcmp(d->targets->role, "village") == 0);
		CHECK(d->n_expanded == 4); /* every village under the county */
		CHECK(strcmp(d->ref, rect) == 0);
		CHECK(strstr(d->body, V21 "," V22) != NULL && strstr(d->body, V11) == NULL);
		CHECK(strcmp(d->title,
		             "通报 Circular: 逾期未整改 Rectification missed: 核实台账 Verify "
		             "the ledger") == 0);
	}
	carenet__item__free_unpacked(it, NULL);
	/* A county has no level above: the escalation is audited, not sent. */
	CHECK(find_last(&county, CARENET__ITEM__BODY_ESCALATION) == -1);
	CHECK(audited(&county, "escalate", rect) == 1);
	CHECK(audited(&county, "circular", NULL) == 1);
	CHECK(roles_next_due(county.roles) == UINT64_MAX); /* circulars set no timers */
}

static void test_township_escalation(void)
{
	struct apply_ctx a;
	Carenet__Item *it;
	char id[64], err[512], trect[64] = "";
	long ei;

	CHECK(issue(&t1, KIND_TASK, "530102001:village", "家访 Home visits", "",
	            clock_now + 4 * DAY, id, err) == 0);
	clock_now += 4 * DAY;
	fire(&t1); /* overdue: a rectification to both villages */
	/* The reminders came due together with the deadline: not sent. */
	CHECK(find_last(&t1, CARENET__ITEM__BODY_REMINDER) == -1);
	it = last_item(&t1);
	CHECK(it && it->directive && it->directive->kind == KIND_RECTIFICATION &&
	      it->directive->n_expanded == 2);
	if (it && it->directive)
		snprintf(trect, sizeof(trect), "%s", it->directive->id);
	carenet__item__free_unpacked(it, NULL);
	clock_now += 5 * DAY;
	fire(&t1);
	ei = find_last(&t1, CARENET__ITEM__BODY_ESCALATION);
	it = ei >= 0 ? item_at(&t1, (size_t)ei) : NULL;
	CHECK(it && it->escalation && it->escalation->kind == 1 &&
	      strcmp(it->escalation->directive, trect) == 0 && it->escalation->n_offices == 2);
	carenet__item__free_unpacked(it, NULL);
	CHECK(audited(&t1, "circular", NULL) == 1 && audited(&t1, "escalate", trect) == 1);
	if (ei < 0)
		return;
	CHECK(apply(&county, &t1, (size_t)ei, T1, &a) == 0 && !a.route.up);
	CHECK(audited(&county, "escalate", trect) == 1);
	CHECK(apply(&t2, &t1, (size_t)ei, C, &a) == CN_ESCOPE); /* not from below t2 */
}

static int regget_txn(MDB_txn *txn, void *arg)
{
	char name[PKI_NAME_MAX];
	int rc = registry_get(county.st, txn, "530102001003", arg, name, sizeof(name));
	return rc == 0 && strcmp(name, "新村") != 0 ? CN_EINVAL : rc;
}

static void test_announce_and_audit(void)
{
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__Announce an = CARENET__ANNOUNCE__INIT;
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ControlReply *rep;
	enum pki_role role = PKI_ROLE_NONE;
	size_t i;
	uint64_t n;

	an.id = "530102001003";
	an.role = "village";
	an.name = "新村";
	it.body_case = CARENET__ITEM__BODY_ANNOUNCE;
	it.announce = &an;
	i = craft(&t1, &it);
	CHECK(apply(&county, &t1, i, T1, NULL) == 0);
	an.id = "530102002003";
	i = craft(&t1, &it);
	CHECK(apply(&county, &t1, i, T1, NULL) == CN_EINVAL);

	CHECK(store_read(county.st, regget_txn, &role) == 0 && role == PKI_ROLE_VILLAGE);

	req.command = "audit.verify";
	rep = control(&county, &req);
	CHECK(rep->code == 0 && rep->verified && rep->count > 10);
	n = rep->count;
	done(rep);
	req.command = "audit";
	rep = control(&county, &req);
	CHECK(rep->code == 0 && rep->n_audit == n);
	CHECK(rep->n_audit > 0 && strcmp(rep->audit[0]->action, "issue") == 0 &&
	      strcmp(rep->audit[0]->subject, task) == 0);
	done(rep);
	req.command = "status";
	CHECK(roles_control(county.roles, &req, NULL) == 1);
}

static size_t craft_revocation(struct office *o, const char *crl)
{
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__Revocation rv = CARENET__REVOCATION__INIT;

	rv.crl.data = (uint8_t *)crl;
	rv.crl.len = strlen(crl);
	it.body_case = CARENET__ITEM__BODY_REVOCATION;
	it.revocation = &rv;
	return craft(o, &it);
}

/* Revocations: only this office's county sends them, only downwards; the
 * list reaches the node's keeper, and a list it refuses is refused. */
static void test_revocation(void)
{
	struct apply_ctx a;
	size_t i;

	crls_kept = 0;
	i = craft_revocation(&county, "crl-der");
	CHECK(apply(&t1, &county, i, C, &a) == 0 && a.route.all_children && !a.route.up);
	CHECK(crls_kept == 1 && strcmp(crl_origin, C) == 0);
	CHECK(apply(&v11, &county, i, T1, &a) == 0 && a.route.all_children && crls_kept == 2);
	/* Sent back up from below, or published by a township: refused. */
	CHECK(apply(&t1, &county, i, V11, &a) == CN_EROLE && strstr(a.why, "county"));
	i = craft_revocation(&t1, "crl-der");
	CHECK(apply(&v11, &t1, i, T1, &a) == CN_EROLE);
	i = craft_revocation(&county, "");
	CHECK(apply(&t1, &county, i, C, &a) == CN_EINVAL);
	i = craft_revocation(&county, "bad-crl");
	CHECK(apply(&t1, &county, i, C, &a) == CN_EVERIFY && strstr(a.why, "does not verify"));
	CHECK(crls_kept == 2);
}

/* Kind and state names, English and Chinese, as operators type them. */
static void test_names(void)
{
	CHECK(roles_kind_parse("task") == KIND_TASK && roles_kind_parse("任务") == KIND_TASK);
	CHECK(roles_kind_parse("notice") == KIND_NOTICE &&
	      roles_kind_parse("督导通知") == KIND_NOTICE);
	CHECK(roles_kind_parse("限时整改") == KIND_RECTIFICATION);
	CHECK(roles_kind_parse("限时整改通知") == KIND_RECTIFICATION);
	CHECK(roles_kind_parse("通报") == KIND_CIRCULAR &&
	      roles_kind_parse("circular") == KIND_CIRCULAR);
	CHECK(roles_kind_parse("memo") == 0 && roles_kind_parse("") == 0);
	CHECK(roles_state_parse("in-progress") == STATE_IN_PROGRESS);
	CHECK(roles_state_parse("pending") == 0); /* nobody reports "pending" */
}

static void run_cases(void)
{
	test_names();
	setup();
	test_refusals();
	test_issue();
	test_deliver();
	test_status();
	test_authority_at_hops();
	test_no_autorectify();
	test_reminders();
	test_overdue();
	test_circular();
	test_township_escalation();
	test_announce_and_audit();
	test_revocation();
	office_free(&county);
	office_free(&t1);
	office_free(&t2);
	office_free(&v11);
	office_free(&v12);
	office_free(&v21);
	office_free(&v22);
}

static int rm(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

int main(void)
{
	log_init(LOG_LVL_ERROR, "test");
	if (!mkdtemp(base)) {
		perror("mkdtemp");
		return 1;
	}
	run_cases();
	nftw(base, rm, 16, FTW_DEPTH | FTW_PHYS);
	if (failures)
		fprintf(stderr, "test_roles: %d failures\n", failures);
	return failures ? 1 : 0;
}

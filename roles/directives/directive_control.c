/*
 * directive_control: the directives domain's operator requests — issue,
 * list, show, inbox, ack — and the views they answer with (routed here by
 * roles/roles_control.c's table). Memory as in roles_control(): rep->error,
 * rep->id and rep->detail point into struct roles; the views are released
 * by directives_views_free().
 */
#include "arr.h"
#include "directives.h"
#include "err.h"
#include "log.h"
#include "moved.h"
#include "registry.h"
#include "roles_int.h"
#include "rules.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* -------------------------------------------------------------- issue */

struct issue_ctx {
	struct roles *r;
	const Carenet__IssueRequest *q;
};

static int push_known(const char *id, enum pki_role role, const char *name, void *arg)
{
	(void)role;
	(void)name;
	return roles_vec_push(arg, id);
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

/* PREFIX:ROLE, expanded over the offices known below this one. */
static int expand_spec(struct roles *r, MDB_txn *txn, char *text, char *colon, Carenet__Targets *t,
                       struct strvec *out, const char **relay)
{
	char *prefix, *role;
	enum pki_role want;
	int rc;

	*colon = 0;
	prefix = trim(text);
	role = trim(colon + 1);
	if (strchr(role, ',') || !role[0]) {
		roles_why(r->err, sizeof(r->err),
		          "targets %s:%s: give either ids separated by "
		          "commas, or one PREFIX:ROLE (530102:village)",
		          prefix, role);
		return CN_EINVAL;
	}
	if ((rc = rules_spec_ok(r->env.me, prefix, role, r->err, sizeof(r->err))) != 0)
		return rc;
	want = pki_role_parse(role);
	if (pki_role_above_county(r->env.me->role) &&
	    (want == PKI_ROLE_TOWNSHIP || want == PKI_ROLE_VILLAGE)) {
		*relay = role; /* the counties below relay it (above.c) */
		want = PKI_ROLE_COUNTY;
	}
	rc = registry_each(r->env.store, txn, prefix, want, push_known, out);
	if (rc < 0)
		return rc;
	if (out->n == 0) {
		roles_why(r->err, sizeof(r->err),
		          "no known office matches %s:%s (has any %s "
		          "connected yet?)",
		          prefix, role, pki_role_name(want));
		return CN_EINVAL;
	}
	t->prefix = prefix;
	t->role = role;
	return 0;
}

static int known(const struct strvec *sv, const char *id)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], id) == 0)
			return 1;
	return 0;
}

/* id,id,...: each strictly under this office and known to it (announced or
 * a child: the registry; or a move's new id), unless allow_unknown; an id
 * that moved away is refused, naming its new one; duplicates dropped. */
static int explicit_ids(struct roles *r, MDB_txn *txn, char *text, int allow_unknown,
                        Carenet__Targets *t, struct strvec *out)
{
	char *save = NULL, *tok, now[PKI_ID_MAX];
	int rc;

	for (tok = strtok_r(text, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		tok = trim(tok);
		if (!tok[0] || known(out, tok))
			continue;
		if ((rc = rules_target_ok(r->env.me, tok, r->err, sizeof(r->err))) != 0)
			return rc;
		if ((rc = roles_moved_away(r, txn, tok, "address")) != 0)
			return rc;
		if (!allow_unknown &&
		    (rc = registry_get(r->env.store, txn, tok, NULL, NULL, 0)) == CN_ENOTFOUND &&
		    moved_from(r->env.store, txn, tok, now, sizeof(now)) == 0)
			rc = 0; /* a move's new id, not connected yet (registry.h) */
		if (!allow_unknown && rc != 0) {
			if (rc == CN_ENOTFOUND)
				roles_why(r->err, sizeof(r->err),
				          "office %s is unknown here: it has never connected below "
				          "this node (carenet offices lists those known; a typo? "
				          "--allow-unknown sends to it anyway)",
				          tok);
			return rc;
		}
		if (out->n == ROLES_MAX_TARGETS) {
			roles_why(r->err, sizeof(r->err), "over %d targets", ROLES_MAX_TARGETS);
			return CN_ETOOBIG;
		}
		if ((rc = roles_vec_push(out, tok)) != 0)
			return rc;
	}
	if (out->n == 0) {
		roles_why(r->err, sizeof(r->err),
		          "no targets: give ids (530102001001,530102001002) "
		          "or PREFIX:ROLE (530102:village)");
		return CN_EINVAL;
	}
	t->ids = out->v;
	t->n_ids = out->n;
	return 0;
}

/* A rectification order's ref names a directive this node holds (issued,
 * relayed or received). */
static int ref_known(struct roles *r, MDB_txn *txn, const char *ref)
{
	Carenet__DirectiveRecord *rec = NULL;
	int rc = roles_get_directive(r, txn, ref, &rec);

	carenet__directive_record__free_unpacked(rec, NULL);
	if (rc == CN_ENOTFOUND)
		roles_why(r->err, sizeof(r->err),
		          "--ref %.64s: no such directive here (a rectification order refers to "
		          "a directive this node issued, relayed or received: carenet directive "
		          "list, carenet inbox)",
		          ref);
	return rc;
}

static int issue_txn(MDB_txn *txn, void *arg)
{
	struct issue_ctx *c = arg;
	struct roles *r = c->r;
	const Carenet__IssueRequest *q = c->q;
	Carenet__Targets t = CARENET__TARGETS__INIT;
	struct strvec exp = {0};
	struct issue_spec s = {0};
	const char *relay = q->relay;
	char *text, *colon;
	int rc;

	r->id[0] = 0; /* a replay after MAP_FULL starts afresh */
	if (!(text = strdup(q->to)))
		return CN_ENOMEM;
	if ((colon = strchr(text, ':')))
		rc = expand_spec(r, txn, text, colon, &t, &exp, &relay);
	else
		rc = explicit_ids(r, txn, text, q->allow_unknown, &t, &exp);
	if (rc == 0 && colon && q->relay[0] && strcmp(q->relay, relay) != 0) {
		roles_why(r->err, sizeof(r->err),
		          "--relay %.16s with targets %.64s: a PREFIX:ROLE's township or village "
		          "is the relay (53:village), give one or the other",
		          q->relay, q->to);
		rc = CN_EINVAL;
	}
	if (rc == 0 && q->kind == KIND_RECTIFICATION && q->ref[0])
		rc = ref_known(r, txn, q->ref);
	if (rc != 0)
		goto out;
	s.kind = q->kind;
	s.title = q->title;
	s.body = q->body;
	s.ref = q->ref;
	s.targets = &t;
	s.expanded = exp.v;
	s.nexpanded = exp.n;
	s.due = q->due;
	s.indicators = q->indicators;
	s.nindicators = q->n_indicators;
	if (q->n_remind) {
		s.remind = q->remind;
		s.nremind = q->n_remind;
	}
	s.action = "issue";
	s.relay = relay;
	rc = directive_issue(r, txn, &s, r->id, r->err, sizeof(r->err));
out:
	free(text);
	roles_vec_free(&exp);
	return rc;
}

static int cmd_issue(struct roles *r, const Carenet__IssueRequest *q, Carenet__ControlReply *rep)
{
	struct issue_ctx c = {r, q};
	uint64_t now = roles_now(r);
	char due[32], nows[32];
	int rc;

	if ((rc = rules_may_issue(r->env.me, q->kind, r->err, sizeof(r->err))) != 0)
		return rc;
	if (q->due <= now) {
		roles_fmt_utc(q->due, due, sizeof(due));
		roles_fmt_utc(now, nows, sizeof(nows));
		roles_why(r->err, sizeof(r->err),
		          "due %s is not in the future (now %s): give a "
		          "later --due",
		          due, nows);
		return CN_EINVAL;
	}
	for (size_t i = 0; i < q->n_remind; i++) {
		if (q->remind[i] >= q->due - now) {
			roles_fmt_utc(q->due, due, sizeof(due));
			roles_why(r->err, sizeof(r->err),
			          "a reminder %llu s before due %s would "
			          "be in the past: give shorter reminders",
			          (unsigned long long)q->remind[i], due);
			return CN_EINVAL;
		}
	}
	if ((rc = r->env.write(r->env.arg, issue_txn, &c)) != 0)
		return rc;
	rep->id = r->id;
	return 0;
}

/* -------------------------------------------------------------- views */

static char *sdup(const char *s)
{
	return strdup(s ? s : "");
}

static Carenet__Evidence **evidence_copy(Carenet__Evidence *const *ev, size_t n, int *err)
{
	Carenet__Evidence **v;

	if (!n)
		return NULL;
	if (!(v = calloc(n, sizeof(*v)))) {
		*err = 1;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (!(v[i] = calloc(1, sizeof(**v)))) {
			*err = 1;
			continue;
		}
		carenet__evidence__init(v[i]);
		v[i]->name = sdup(ev[i]->name);
		v[i]->size = ev[i]->size;
		v[i]->sha256.len = ev[i]->sha256.len;
		v[i]->sha256.data = malloc(ev[i]->sha256.len ? ev[i]->sha256.len : 1);
		if (!v[i]->name || !v[i]->sha256.data)
			*err = 1;
		else if (ev[i]->sha256.len)
			memcpy(v[i]->sha256.data, ev[i]->sha256.data, ev[i]->sha256.len);
	}
	return v;
}

/* A deep copy of a history (each entry packed and unpacked: the view frees
 * them with carenet__note_entry__free_unpacked). */
static Carenet__NoteEntry **history_copy(Carenet__NoteEntry *const *h, size_t n, int *err)
{
	Carenet__NoteEntry **v;
	uint8_t buf[ROLES_MAX_NOTE + 64];

	if (!n)
		return NULL;
	if (!(v = calloc(n, sizeof(*v)))) {
		*err = 1;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		size_t len = carenet__note_entry__get_packed_size(h[i]);
		if (len > sizeof(buf) ||
		    !(v[i] = carenet__note_entry__unpack(NULL, carenet__note_entry__pack(h[i], buf),
		                                         buf)))
			*err = 1;
	}
	return v;
}

static void history_free(Carenet__NoteEntry **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		if (v[i])
			carenet__note_entry__free_unpacked(v[i], NULL);
	free(v);
}

static void evidence_free(Carenet__Evidence **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		if (v[i]) {
			free(v[i]->name);
			free(v[i]->sha256.data);
			free(v[i]);
		}
	}
	free(v);
}

static void tview_free(Carenet__TargetView *t)
{
	if (!t)
		return;
	free(t->id);
	free(t->name);
	free(t->note);
	if (t->moved_to != protobuf_c_empty_string)
		free(t->moved_to);
	evidence_free(t->evidence, t->n_evidence);
	history_free(t->history, t->n_history);
	free(t);
}

static void dview_free(Carenet__DirectiveView *v)
{
	if (!v)
		return;
	free(v->id);
	free(v->title);
	free(v->body);
	free(v->issuer);
	free(v->ref);
	free(v->targets_spec);
	for (size_t i = 0; i < v->n_indicators; i++)
		free(v->indicators[i]);
	free(v->indicators);
	for (size_t i = 0; i < v->n_targets; i++)
		tview_free(v->targets[i]);
	free(v->targets);
	free(v->remind);
	history_free(v->my_history, v->n_my_history);
	if (v->my_note != protobuf_c_empty_string)
		free(v->my_note);
	above_view_free(v);
	evidence_free(v->my_evidence, v->n_my_evidence);
	free(v);
}

static Carenet__DirectiveView *dview_new(const Carenet__DirectiveRecord *rec)
{
	const Carenet__Directive *d = rec->directive;
	Carenet__DirectiveView *v = calloc(1, sizeof(*v));
	char spec[1024];
	int err = 0;

	if (!v)
		return NULL;
	carenet__directive_view__init(v);
	roles_spec_text(d->targets, spec, sizeof(spec));
	v->id = sdup(d->id);
	v->kind = d->kind;
	v->title = sdup(d->title);
	v->body = sdup(d->body);
	v->issuer = sdup(rec->issuer);
	v->due = d->due;
	v->created = rec->created;
	v->ref = sdup(d->ref);
	v->targets_spec = sdup(spec);
	if (!v->id || !v->title || !v->body || !v->issuer || !v->ref || !v->targets_spec)
		err = 1;
	if (d->n_indicators && (v->indicators = calloc(d->n_indicators, sizeof(char *)))) {
		v->n_indicators = d->n_indicators;
		for (size_t i = 0; i < d->n_indicators; i++)
			if (!(v->indicators[i] = sdup(d->indicators[i])))
				err = 1;
	} else if (d->n_indicators) {
		err = 1;
	}
	if (d->n_remind && (v->remind = malloc(d->n_remind * sizeof(uint64_t)))) {
		memcpy(v->remind, d->remind, d->n_remind * sizeof(uint64_t));
		v->n_remind = d->n_remind;
	} else if (d->n_remind) {
		err = 1;
	}
	if (err) {
		dview_free(v);
		return NULL;
	}
	return v;
}

struct rows_ctx {
	struct roles *r;
	MDB_txn *txn;
	Carenet__DirectiveView *v;
	size_t cap;
	uint64_t now;
};

static int add_row(const char *target, Carenet__TargetRow *row, void *arg)
{
	struct rows_ctx *c = arg;
	Carenet__DirectiveView *v = c->v;
	Carenet__TargetView *t;
	char now[PKI_ID_MAX];
	int err = 0, rc;

	if (ARR_GROW(v->targets, v->n_targets + 1, c->cap))
		return CN_ENOMEM;
	if (!(t = calloc(1, sizeof(*t))))
		return CN_ENOMEM;
	carenet__target_view__init(t);
	v->targets[v->n_targets++] = t;
	t->id = sdup(target);
	t->name = calloc(1, PKI_NAME_MAX);
	if (t->name)
		registry_get(c->r->env.store, c->txn, target, NULL, t->name, PKI_NAME_MAX);
	t->state = row->state;
	/* a row whose office was closed (撤销) ended: late no more */
	t->overdue = row->state != STATE_RETIRED &&
	             (row->overdue || (c->now >= v->due && !roles_state_closed(row->state)));
	t->changed_at = row->changed_at;
	t->reported_at = row->reported_at;
	t->note = sdup(row->note);
	t->evidence = evidence_copy(row->evidence, row->n_evidence, &err);
	t->n_evidence = t->evidence ? row->n_evidence : 0;
	t->reminded_at = row->reminded_at;
	t->reminders = row->reminders;
	t->history = history_copy(row->history, row->n_history, &err);
	t->n_history = t->history ? row->n_history : 0;
	/* a village that moved: its row keeps the id the directive named */
	rc = moved_now(c->r->env.store, c->txn, target, now, sizeof(now));
	t->moved_to = sdup(rc == 0 ? now : ""); /* set before any return: tview_free frees it */
	if (rc != 0 && rc != CN_ENOTFOUND)
		return rc;
	return !t->id || !t->name || !t->note || !t->moved_to || err ? CN_ENOMEM : 0;
}

/* Overdue first, then by id. */
static int cmp_target(const void *a, const void *b)
{
	const Carenet__TargetView *x = *(Carenet__TargetView *const *)a;
	const Carenet__TargetView *y = *(Carenet__TargetView *const *)b;

	if (x->overdue != y->overdue)
		return x->overdue ? -1 : 1;
	return strcmp(x->id, y->id);
}

static int add_rows(struct roles *r, MDB_txn *txn, Carenet__DirectiveView *v, uint64_t now)
{
	struct rows_ctx c = {r, txn, v, 0, now};
	int rc = roles_each_row(r, txn, v->id, add_row, &c);

	if (rc == 0 && v->n_targets > 1)
		qsort(v->targets, v->n_targets, sizeof(*v->targets), cmp_target);
	return rc;
}

/* Own state as a target. */
static int add_inbox(struct roles *r, MDB_txn *txn, Carenet__DirectiveView *v, uint64_t now)
{
	Carenet__InboxEntry *e = NULL;
	int err = 0, rc = roles_get_inbox(r, txn, v->id, &e);

	if (rc != 0)
		return rc;
	v->my_state = e->state;
	v->my_changed_at = e->changed_at;
	v->reminders = e->reminders;
	v->overdue = now >= v->due && !roles_state_closed(e->state);
	v->my_history = history_copy(e->history, e->n_history, &err);
	v->n_my_history = v->my_history ? e->n_history : 0;
	v->my_evidence = evidence_copy(e->evidence, e->n_evidence, &err);
	v->n_my_evidence = v->my_evidence ? e->n_evidence : 0;
	if (!(v->my_note = sdup(e->note)))
		err = 1;
	carenet__inbox_entry__free_unpacked(e, NULL);
	return err ? CN_ENOMEM : 0;
}

/* A full view: matrix if tracked, own state if a target. */
static int view_of(struct roles *r, MDB_txn *txn, const Carenet__DirectiveRecord *rec,
                   Carenet__DirectiveView **out)
{
	uint64_t now = roles_now(r);
	Carenet__DirectiveView *v = dview_new(rec);
	int rc = 0;

	if (!v)
		return CN_ENOMEM;
	if (rec->tracked)
		rc = add_rows(r, txn, v, now);
	if (rc == 0 && rec->target)
		rc = add_inbox(r, txn, v, now);
	if (rc == 0)
		rc = above_view(r, txn, rec, v);
	if (rc != 0) {
		dview_free(v);
		return rc;
	}
	*out = v;
	return 0;
}

/* ------------------------------------------------ list, show, inbox */

enum list_filter { F_ALL, F_OPEN, F_OVERDUE, F_DONE, F_INBOX };

struct list_ctx {
	struct roles *r;
	enum list_filter f;
	const char *id; /* show */
	Carenet__DirectiveView **v;
	size_t n, cap;
};

static int matches(const Carenet__DirectiveView *v, enum list_filter f)
{
	int open = 0, late = 0;

	for (size_t i = 0; i < v->n_targets; i++) {
		int closed = roles_state_closed(v->targets[i]->state);
		open |= !closed;
		late |= v->targets[i]->overdue && !closed;
	}
	switch (f) {
	case F_OPEN:
		return open;
	case F_OVERDUE:
		return late;
	case F_DONE:
		return !open;
	default:
		return 1;
	}
}

static int push_view(struct list_ctx *c, Carenet__DirectiveView *v)
{
	if (ARR_GROW(c->v, c->n + 1, c->cap) != 0) {
		dview_free(v);
		return CN_ENOMEM;
	}
	c->v[c->n++] = v;
	return 0;
}

/* One stored directive: view it if the listing wants it. */
static int list_one(struct list_ctx *c, MDB_txn *txn, const MDB_val *d)
{
	Carenet__DirectiveRecord *rec =
	    carenet__directive_record__unpack(NULL, d->mv_size, d->mv_data);
	Carenet__DirectiveView *v = NULL;
	int rc = 0;

	if (!rec || !rec->directive) {
		log_warnx("roles: a stored directive record does not decode");
		carenet__directive_record__free_unpacked(rec, NULL);
		return CN_ESTORE;
	}
	if (c->f == F_INBOX ? rec->target : rec->tracked) {
		if ((rc = view_of(c->r, txn, rec, &v)) == 0) {
			if (c->f == F_INBOX || matches(v, c->f))
				rc = push_view(c, v);
			else
				dview_free(v);
		}
	}
	carenet__directive_record__free_unpacked(rec, NULL);
	return rc;
}

static int cmp_newest(const void *a, const void *b)
{
	const Carenet__DirectiveView *x = *(Carenet__DirectiveView *const *)a;
	const Carenet__DirectiveView *y = *(Carenet__DirectiveView *const *)b;

	if (x->created != y->created)
		return x->created > y->created ? -1 : 1;
	return strcmp(y->id, x->id);
}

static int list_txn(MDB_txn *txn, void *arg)
{
	struct list_ctx *c = arg;
	MDB_cursor *cur;
	MDB_val k, d;
	int rc, mrc;

	if ((rc = store_err(mdb_cursor_open(txn, roles_dbi(c->r, STORE_DIRECTIVES), &cur),
	                    "directives")) != 0)
		return rc;
	for (mrc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); mrc == 0 && rc == 0;
	     mrc = mdb_cursor_get(cur, &k, &d, MDB_NEXT))
		rc = list_one(c, txn, &d);
	mdb_cursor_close(cur);
	if (rc == 0 && mrc != MDB_NOTFOUND)
		rc = store_err(mrc, "directives list");
	if (rc == 0 && c->n > 1)
		qsort(c->v, c->n, sizeof(*c->v), cmp_newest);
	return rc;
}

static int show_txn(MDB_txn *txn, void *arg)
{
	struct list_ctx *c = arg;
	Carenet__DirectiveRecord *rec = NULL;
	Carenet__DirectiveView *v = NULL;
	int rc;

	if ((rc = roles_get_directive(c->r, txn, c->id, &rec)) != 0) {
		if (rc == CN_ENOTFOUND)
			roles_why(c->r->err, sizeof(c->r->err),
			          "no directive %.64s known here "
			          "(carenet directive list and carenet "
			          "inbox list them)",
			          c->id);
		return rc;
	}
	if ((rc = view_of(c->r, txn, rec, &v)) == 0)
		rc = push_view(c, v);
	carenet__directive_record__free_unpacked(rec, NULL);
	return rc;
}

/* A listing (id NULL) filtered by f, or the one directive id; inside txn
 * when given, else in a read transaction of its own. */
static int cmd_views_in(struct roles *r, MDB_txn *txn, const char *id, enum list_filter f,
                        Carenet__ControlReply *rep)
{
	struct list_ctx c = {r, f, id, NULL, 0, 0};
	int rc = txn ? (id ? show_txn : list_txn)(txn, &c)
	             : store_read(r->env.store, id ? show_txn : list_txn, &c);

	if (rc != 0) {
		for (size_t i = 0; i < c.n; i++)
			dview_free(c.v[i]);
		free(c.v);
		return rc;
	}
	rep->directives = c.v;
	rep->n_directives = c.n;
	return 0;
}

static int cmd_views(struct roles *r, const char *id, enum list_filter f,
                     Carenet__ControlReply *rep)
{
	return cmd_views_in(r, NULL, id, f, rep);
}

int directives_list_txn(struct roles *r, MDB_txn *txn, Carenet__ControlReply *rep)
{
	return cmd_views_in(r, txn, NULL, F_ALL, rep);
}

static int parse_filter(struct roles *r, const char *s, enum list_filter *f)
{

	if (!s[0] || strcmp(s, "all") == 0)
		*f = F_ALL;
	else if (strcmp(s, "open") == 0)
		*f = F_OPEN;
	else if (strcmp(s, "overdue") == 0)
		*f = F_OVERDUE;
	else if (strcmp(s, "done") == 0)
		*f = F_DONE;
	else {
		roles_why(r->err, sizeof(r->err), "unknown state %.32s: use open, overdue or done",
		          s);
		return CN_EINVAL;
	}
	return 0;
}

/* -------------------------------------------------------- ack, audit */

struct ack_ctx {
	struct roles *r;
	const Carenet__AckRequest *a;
};

static int ack_txn(MDB_txn *txn, void *arg)
{
	struct ack_ctx *c = arg;
	return status_ack(c->r, txn, c->a, c->r->err, sizeof(c->r->err));
}

/* ------------------------------------------------------- requests */

int directives_issue_req(struct roles *r, const Carenet__ControlRequest *req,
                     Carenet__ControlReply *rep)
{
	return cmd_issue(r, req->directive_issue, rep);
}

int directives_list_req(struct roles *r, const Carenet__ControlRequest *req, Carenet__ControlReply *rep)
{
	enum list_filter f = F_ALL;
	int rc = parse_filter(r, req->directive_list->state, &f);

	return rc != 0 ? rc : cmd_views(r, NULL, f, rep);
}

int directives_show_req(struct roles *r, const Carenet__ControlRequest *req, Carenet__ControlReply *rep)
{
	if (!req->directive_show->id[0]) {
		roles_why(r->err, sizeof(r->err), "directive.show needs a directive id");
		return CN_EINVAL;
	}
	return cmd_views(r, req->directive_show->id, F_ALL, rep);
}

int directives_inbox_req(struct roles *r, const Carenet__ControlRequest *req,
                     Carenet__ControlReply *rep)
{
	(void)req;
	return cmd_views(r, NULL, F_INBOX, rep);
}

int directives_ack_req(struct roles *r, const Carenet__ControlRequest *req, Carenet__ControlReply *rep)
{
	struct ack_ctx c = {r, req->ack};

	(void)rep;
	if (!req->ack->directive[0]) {
		roles_why(r->err, sizeof(r->err), "ack needs a directive id and a state");
		return CN_EINVAL;
	}
	return r->env.write(r->env.arg, ack_txn, &c);
}

/* Frees the directive views a request put into rep (rep->directives). */
void directives_views_free(Carenet__ControlReply *rep)
{
	for (size_t i = 0; i < rep->n_directives; i++)
		dview_free(rep->directives[i]);
	free(rep->directives);
	rep->directives = NULL;
	rep->n_directives = 0;
}

/*
 * node_control: the node's side of the control server — the struct
 * control_env that node/control.c calls back (the pattern of roles_env),
 * built from struct node. control.c itself sees no struct node.
 */
#include "node.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "deliver.h"
#include "err.h"
#include "health.h"
#include "link.h"
#include "log.h"
#include "registry.h"
#include "util.h"

#define NCTRS (CTR_COUNT + 1) /* + the outbox_pending gauge */

static uint64_t ctl_now(void *arg)
{
	return node_now(arg);
}

static int ctl_reload(void *arg)
{
	return node_reload(arg);
}

static void ctl_stop(void *arg)
{
	(void)arg;
	node_sig_stop = 1;
}

#define CRLS_MAX 16

/* Appends one alert to st (control.c frees every alert of a status, these
 * and the ones roles add, with its alerts_free). */
static int alert_add(Carenet__Status *st, const char *line)
{
	char **v = realloc(st->alerts, (st->n_alerts + 1) * sizeof(*v));

	if (!v)
		return CN_ENOMEM;
	st->alerts = v;
	if (!(v[st->n_alerts] = util_strdup(line)))
		return CN_ENOMEM;
	st->n_alerts++;
	return 0;
}

/* The revocation lists (freed by crls_free) and the alerts they raise. */
static int crls_fill(struct node *n, Carenet__Status *st)
{
	struct pki_crl_info info[CRLS_MAX];
	const char *state[CRLS_MAX];
	size_t nc = node_crls(n, info, state, CRLS_MAX);
	char when[40], line[2048];

	if (nc > CRLS_MAX)
		nc = CRLS_MAX;
	if (nc == 0)
		return 0;
	if (!(st->crls = calloc(nc, sizeof(*st->crls))))
		return CN_ENOMEM;
	for (size_t i = 0; i < nc; i++) {
		Carenet__CrlStatus *c = calloc(1, sizeof(*c));
		if (!c)
			return CN_ENOMEM;
		carenet__crl_status__init(c);
		st->crls[st->n_crls++] = c;
		c->issuer = util_strdup(info[i].scope);
		c->number = info[i].number;
		c->last_update = (uint64_t)info[i].last_update;
		c->next_update = (uint64_t)info[i].next_update;
		c->state = (char *)state[i];
		if (!c->issuer)
			return CN_ENOMEM;
		if (strcmp(state[i], "ok") == 0)
			continue;
		util_fmt_time(c->next_update, n->cfg->timezone, when, sizeof(when));
		snprintf(line, sizeof(line),
		         "revocation list of %s (number %lld) %s %s: its CA must sign a new one "
		         "('carenet ca crl') and %s",
		         info[i].scope, (long long)info[i].number,
		         strcmp(state[i], "stale") == 0 ? "STALE since" : "expires", when,
		         pki_role_above_county(n->me->role)
		             ? (n->me->role == PKI_ROLE_PROVINCE
		                    ? "this node publish it ('carenet crl publish')"
		                    : "the province publish it ('carenet crl publish' there)")
		             : "the county publish it ('carenet crl publish')");
		if (alert_add(st, line) != 0)
			return CN_ENOMEM;
	}
	return 0;
}

static void crls_free(Carenet__Status *st)
{
	for (size_t i = 0; i < st->n_crls; i++) {
		free(st->crls[i]->issuer);
		free(st->crls[i]);
	}
	free(st->crls);
	st->crls = NULL;
	st->n_crls = 0;
}

/* A child's Summary counts for three ping intervals and 10 s more. */
static uint64_t summary_stale(const struct node *n)
{
	return 3ull * (uint64_t)n->cfg->ping_interval_ms / 1000u + 10u;
}

/* A village's county-direct link (failover): its state, why, what waits.
 * link_status made st->direct when it is configured; a village without it
 * gets one that says failover is disabled (link_status_free frees both). */
static int direct_fill(struct node *n, Carenet__Status *st)
{
	const struct failover *f = &n->failover;

	if (!st->direct && n->me->role != PKI_ROLE_VILLAGE)
		return 0;
	if (!st->direct) {
		if (!(st->direct = malloc(sizeof(*st->direct))))
			return CN_ENOMEM;
		carenet__direct_link__init(st->direct);
	}
	st->direct->enabled = f->enabled;
	/* the session's state now, not at the last failover step */
	st->direct->state = !f->open                  ? (char *)f->state
	                    : link_direct_up(n->link) ? "up"
	                                              : "connecting";
	st->direct->since = f->since;
	st->direct->why = (char *)f->why;
	st->direct->pending = deliver_direct_pending(n->deliver);
	return 0;
}

/* A child closed here (撤销, roles/roles_close.c) is no child any more: its
 * session, down since, leaves the list (the link keeps sessions by key). */
static int drop_closed_txn(MDB_txn *txn, void *arg)
{
	void **a = arg;
	struct node *n = a[0];
	Carenet__Status *st = a[1];
	size_t k = 0;
	int rc = 0;

	for (size_t i = 0; i < st->n_children; i++) {
		int c = rc ? 0 : registry_closed(n->store, txn, st->children[i]->id);
		if (c < 0)
			rc = c;
		if (c > 0 && !st->children[i]->up)
			free(st->children[i]);
		else
			st->children[k++] = st->children[i];
	}
	st->n_children = k;
	return rc;
}

static int ctl_status(void *arg, Carenet__Status *st)
{
	struct node *n = arg;
	Carenet__Counter *ctrs, **ctrp;
	int rc;

	st->started = n->started;
	st->listen = n->cfg->listen;
	if (!(ctrs = calloc(NCTRS, sizeof(*ctrs))) || !(ctrp = calloc(NCTRS, sizeof(*ctrp)))) {
		free(ctrs);
		return CN_ENOMEM;
	}
	for (int i = 0; i < NCTRS; i++) {
		carenet__counter__init(&ctrs[i]);
		ctrs[i].name = i < CTR_COUNT ? (char *)node_ctr_name((enum ctr)i) : "outbox_pending";
		ctrs[i].value = i < CTR_COUNT ? n->counters[i] : deliver_pending(n->deliver);
		ctrp[i] = &ctrs[i];
	}
	st->counters = ctrp;
	st->n_counters = NCTRS;
	if ((rc = crls_fill(n, st)) != 0 || (rc = link_status(n->link, st)) != 0)
		return rc;
	if (st->n_children && (rc = store_read(n->store, drop_closed_txn, (void *[]){n, st})) != 0)
		return rc;
	if ((rc = direct_fill(n, st)) != 0)
		return rc;
	return health_rows(n->health, n->store, n->me->id, st, util_now(), summary_stale(n),
	                   &st->subtree, &st->n_subtree);
}

static void ctl_status_free(void *arg, Carenet__Status *st)
{
	(void)arg;
	crls_free(st);
	link_status_free(st);
	health_rows_free(st->subtree, st->n_subtree);
	st->subtree = NULL;
	st->n_subtree = 0;
	if (st->counters)
		free(st->counters[0]); /* the array of counters itself */
	free(st->counters);
	st->counters = NULL;
	st->n_counters = 0;
}

static int ctl_clock(void *arg, int64_t advance, int64_t *offset)
{
	struct node *n = arg;
	int64_t off = n->clock_offset + advance;
	int rc;

	if (advance != 0 && !n->cfg->test_clock)
		return CN_EPERM;
	if (advance > 0) {
		if ((rc = store_meta_put(n->store, "clock_offset", &off, sizeof(off))) != 0)
			return rc;
		n->clock_offset = off;
		log_info("clock: test clock advanced by %llds (offset %llds)", (long long)advance,
		         (long long)off);
	}
	*offset = n->clock_offset;
	return 0;
}

static int ctl_crl_trust(void *arg, const uint8_t *der, size_t len)
{
	struct node *n = arg;
	int rc = pki_trust_add_crl_der(n->trust, der, len);

	if (rc == 0)
		n->crl_changed = 1;
	return rc;
}

static int ctl_crl_persist(void *arg, MDB_txn *txn, const char *origin, const uint8_t *der,
                           size_t len)
{
	return node_crl_persist(arg, txn, origin, der, len);
}

static int ctl_write(void *arg, int (*fn)(MDB_txn *, void *), void *fnarg)
{
	return deliver_write(((struct node *)arg)->deliver, fn, fnarg);
}

static int ctl_group(void *arg, int (*fn)(MDB_txn *, void *), void *fnarg)
{
	return deliver_group(((struct node *)arg)->deliver, fn, fnarg);
}

static int ctl_emit(void *arg, MDB_txn *txn, Carenet__Item *item)
{
	return deliver_emit(((struct node *)arg)->deliver, txn, item, NULL, 0);
}

/* ------------------------------------------------------ subtree health */

void node_summary_in(struct node *n, const char *child, Carenet__Frame **f)
{
	char why[200];

	if (health_take(n->health, child, f, util_now(), why, sizeof(why)) != 0) {
		n->counters[CTR_SUMMARIES_REFUSED]++;
		log_warnx("health: refused: %s", why);
		link_penalize(n->link, child, 1);
	}
	wire_free(f);
}

/* Our own row: up, now, our version and what we have queued, age 0. */
static void self_row(struct node *n, Carenet__OfficeHealth *o)
{
	o->id = (char *)n->me->id;
	o->role = (char *)pki_role_name(n->me->role);
	o->name = (char *)n->me->name;
	o->state = HEALTH_UP;
	o->last_seen = util_now();
	o->version = CARENET_VERSION;
	o->queue = deliver_pending(n->deliver);
	o->age = 0;
}

static void summary_send(struct node *n, Carenet__OfficeHealth **rows, size_t nrows)
{
	Carenet__Frame f = CARENET__FRAME__INIT;
	Carenet__Summary s = CARENET__SUMMARY__INIT;
	Carenet__OfficeHealth me = CARENET__OFFICE_HEALTH__INIT, **all;
	char parent[PKI_ID_MAX];

	if (pki_parent_of(n->me->id, n->cfg->parent_cert, parent, sizeof(parent)) != 0 ||
	    !(all = calloc(nrows + 1, sizeof(*all))))
		return;
	self_row(n, &me);
	all[0] = &me;
	if (nrows) /* rows is NULL when there are none */
		memcpy(all + 1, rows, nrows * sizeof(*rows));
	s.offices = all;
	s.n_offices = nrows + 1;
	f.body_case = CARENET__FRAME__BODY_SUMMARY;
	f.summary = &s;
	if (link_send(n->link, parent, 1, &f) != 0)
		log_debug("health: summary not sent (the parent's session went down)");
	free(all);
}

void node_summary_tick(struct node *n)
{
	Carenet__Status st = CARENET__STATUS__INIT;
	Carenet__OfficeHealth **rows = NULL;
	size_t nrows = 0;
	uint64_t now = util_mono_us();

	if (now < n->next_summary_us || n->me->role == PKI_ROLE_INSPECTOR)
		return;
	n->next_summary_us = now + (uint64_t)n->cfg->ping_interval_ms * 1000u;
	if (!link_parent_summaries(n->link))
		return;
	if (link_status(n->link, &st) == 0 &&
	    health_rows(n->health, n->store, n->me->id, &st, util_now(), summary_stale(n), &rows,
	                &nrows) == 0)
		summary_send(n, rows, nrows);
	health_rows_free(rows, nrows);
	link_status_free(&st);
}

int node_control_open(struct node *n)
{
	int rc;
	struct control_env env = {
	    .arg = n,
	    .me = n->me,
	    .store = n->store,
	    .roles = n->roles,
	    .now = ctl_now,
	    .reload = ctl_reload,
	    .stop = ctl_stop,
	    .status = ctl_status,
	    .status_free = ctl_status_free,
	    .clock = ctl_clock,
	    .crl_trust = ctl_crl_trust,
	    .crl_persist = ctl_crl_persist,
	    .write = ctl_write,
	    .group = ctl_group,
	    .emit = ctl_emit,
	};
	if ((rc = health_new(&n->health)) != 0)
		return rc;
	return control_open(n->zctx, n->cfg->data_dir, &env, &n->control);
}

/* health: see health.h. */
#include "health.h"
#include "arr.h"
#include "err.h"
#include "moved.h"
#include "office.h"
#include "registry.h"
#include "util.h"
#include "wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEALTH_MAX_AGE (3650ll * 86400) /* ages are capped at ten years */

struct report {
	char child[PKI_ID_MAX];
	uint64_t received; /* UTC seconds here */
	Carenet__Frame *f; /* its Summary */
};

struct health {
	struct report *v;
	size_t n, cap;
};

int health_new(struct health **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : CN_ENOMEM;
}

void health_free(struct health **h)
{
	if (!*h)
		return;
	for (size_t i = 0; i < (*h)->n; i++)
		wire_free(&(*h)->v[i].f);
	free((*h)->v);
	free(*h);
	*h = NULL;
}

const char *health_state_name(uint32_t state)
{
	return state == HEALTH_UP ? "up" : state == HEALTH_DOWN ? "down" : "unknown";
}

/* 1 if id is child or an office below it. */
static int in_subtree(const char *child, const char *id)
{
	size_t n = strlen(child);

	if (strncmp(id, child, n) != 0)
		return 0;
	if (!id[n])
		return 1;
	enum pki_role r = pki_role_from_id(id);
	return r != PKI_ROLE_NONE && r != PKI_ROLE_INSPECTOR;
}

static struct report *report_of(struct health *h, const char *child)
{
	for (size_t i = 0; i < h->n; i++)
		if (strcmp(h->v[i].child, child) == 0)
			return &h->v[i];
	return NULL;
}

int health_take(struct health *h, const char *child, Carenet__Frame **f, uint64_t now, char *why,
                size_t whylen)
{
	const Carenet__Summary *s = (*f)->summary;
	struct report *r;

	for (size_t i = 0; i < s->n_offices; i++) {
		if (!in_subtree(child, s->offices[i]->id)) {
			snprintf(
			    why, whylen,
			    "summary from %s names office \"%.40s\", which is not %s or below it",
			    child, s->offices[i]->id, child);
			return CN_ESCOPE;
		}
	}
	if (!(r = report_of(h, child))) {
		if (ARR_GROW(h->v, h->n + 1, h->cap))
			return CN_ENOMEM;
		r = &h->v[h->n++];
		memset(r, 0, sizeof(*r));
		snprintf(r->child, sizeof(r->child), "%s", child);
	}
	wire_free(&r->f);
	r->f = *f;
	*f = NULL;
	r->received = now;
	return 0;
}

/* ---------------------------------------------------------------- rows */

struct rows {
	Carenet__OfficeHealth **v;
	size_t n, cap;
	int rc;
	char (*was)[PKI_ID_MAX]; /* each row's id before a move, or "" (registry_txn) */
};

static int add_registered(const char *id, enum pki_role role, const char *name, void *arg)
{
	struct rows *a = arg;
	Carenet__OfficeHealth *o;

	if (ARR_GROW(a->v, a->n + 1, a->cap) || !(o = calloc(1, sizeof(*o))))
		return a->rc = CN_ENOMEM;
	carenet__office_health__init(o);
	a->v[a->n++] = o;
	o->id = util_strdup(id);
	o->role = util_strdup(pki_role_name(role));
	o->name = util_strdup(name);
	o->version = util_strdup("");
	o->last_error = util_strdup("");
	o->age = -1;
	o->state = HEALTH_UNKNOWN;
	return o->id && o->role && o->name && o->version && o->last_error ? 0 : (a->rc = CN_ENOMEM);
}

struct reg_arg {
	struct store *st;
	const char *me;
	struct rows *rows;
};

/* The registry lists a moved office under its id now (moved.h); until it
 * switches, its session is under the id it had: a village still under its
 * township's old code (撤乡设镇) is up, through that session. */
static int registry_txn(MDB_txn *txn, void *arg)
{
	struct reg_arg *a = arg;
	struct rows *r = a->rows;
	int rc = registry_each(a->st, txn, a->me, PKI_ROLE_NONE, add_registered, r);

	if (rc < 0 || r->rc)
		return rc < 0 ? rc : r->rc;
	if (r->n && !(r->was = calloc(r->n, sizeof(*r->was))))
		return CN_ENOMEM;
	for (size_t i = 0; i < r->n && rc == 0; i++)
		if ((rc = moved_from(a->st, txn, r->v[i]->id, r->was[i], sizeof(r->was[i]))) ==
		    CN_ENOTFOUND) {
			r->was[i][0] = 0;
			rc = 0;
		}
	return rc;
}

static const Carenet__PeerStatus *session_of(const Carenet__Status *links, const char *id)
{
	for (size_t i = 0; i < links->n_children; i++)
		if (strcmp(links->children[i]->id, id) == 0)
			return links->children[i];
	return NULL;
}

static const Carenet__OfficeHealth *reported(const struct report *r, const char *id)
{
	const Carenet__Summary *s = r && r->f ? r->f->summary : NULL;

	for (size_t i = 0; s && i < s->n_offices; i++)
		if (strcmp(s->offices[i]->id, id) == 0)
			return s->offices[i];
	return NULL;
}

static int set_str(char **dst, const char *src)
{
	char *c = util_strdup(src);

	if (!c)
		return CN_ENOMEM;
	free(*dst);
	*dst = c;
	return 0;
}

/* What the report says of o beside its state: version, queue, age. */
static int take_figures(Carenet__OfficeHealth *o, const Carenet__OfficeHealth *s,
                        const struct report *r, uint64_t now)
{
	int64_t held = now > r->received ? (int64_t)(now - r->received) : 0;

	o->queue = s->queue;
	o->age = s->age < 0 ? -1 : (s->age > HEALTH_MAX_AGE ? HEALTH_MAX_AGE : s->age) + held;
	return set_str(&o->version, s->version);
}

/* A direct child: its session says up or down; its own row the rest. */
static int fill_child(Carenet__OfficeHealth *o, const Carenet__PeerStatus *c,
                      const struct report *r, uint64_t now)
{
	const Carenet__OfficeHealth *s = reported(r, o->id);

	o->state = c && c->up ? HEALTH_UP : HEALTH_DOWN;
	o->last_seen = c ? c->last_seen : 0;
	/* an up session's last_error is "" unless it holds a warning (duplicate identity) */
	if (set_str(&o->last_error, !c ? "never connected" : c->last_error ? c->last_error : ""))
		return CN_ENOMEM;
	return s ? take_figures(o, s, r, now) : 0;
}

/* A village's county-direct session (failover), if it is up here. */
static const Carenet__PeerStatus *direct_up(const Carenet__Status *links, const char *id)
{
	for (size_t i = 0; i < links->n_direct_sessions; i++)
		if (links->direct_sessions[i]->up && !strcmp(links->direct_sessions[i]->id, id))
			return links->direct_sessions[i];
	return NULL;
}

/* An office further down: up while it reaches us on its county-direct link
 * (failover), else as the child above it reported, while that child's
 * session is up and its report fresh. */
static int fill_below(Carenet__OfficeHealth *o, const char *via, const Carenet__Status *links,
                      const struct report *r, uint64_t now, uint64_t stale)
{
	const Carenet__PeerStatus *c = session_of(links, via), *d;
	const Carenet__OfficeHealth *s = reported(r, o->id);
	char why[160] = "";
	int rc;

	if ((d = direct_up(links, o->id))) {
		snprintf(why, sizeof(why), "on its county-direct link (failover): %s %s", via,
		         c && c->up ? "does not acknowledge" : "is down");
		o->state = HEALTH_UP;
		o->last_seen = d->last_seen;
		if ((rc = set_str(&o->last_error, why)) != 0)
			return rc;
		return s ? take_figures(o, s, r, now) : 0;
	}
	if (!s)
		snprintf(why, sizeof(why), "%s has not reported it", via);
	else if (!c || !c->up)
		snprintf(why, sizeof(why), "%s, the office above it, is down", via);
	else if (now > r->received + stale)
		snprintf(why, sizeof(why), "no report from %s for %llus", via,
		         (unsigned long long)(now - r->received));
	if (!s)
		return set_str(&o->last_error, why);
	o->state = why[0] ? HEALTH_UNKNOWN : s->state;
	o->last_seen = s->last_seen;
	if ((rc = set_str(&o->last_error, why[0] ? why : s->last_error)) != 0)
		return rc;
	return take_figures(o, s, r, now);
}

/* The direct child of me on the way to id: of the prefixes of id that the
 * arithmetic makes children of me, the longest with a session here (a county
 * reporting to its province directly, beside its prefecture), else the
 * first (a township's id under a county). */
static void via_of(const char *me, const char *id, const Carenet__Status *links, char *via,
                   size_t len)
{
	static const size_t lens[] = {2, 4, 6, 9, 12};
	char p[PKI_ID_MAX];
	size_t ml = strlen(me), il = strlen(id);
	int found = 0;

	snprintf(via, len, "%s", id);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		if (lens[i] <= ml || lens[i] > il)
			continue;
		snprintf(p, sizeof(p), "%.*s", (int)lens[i], id);
		if (!pki_is_direct_child(me, p))
			continue;
		if (session_of(links, p) || !found)
			snprintf(via, len, "%s", p);
		found |= session_of(links, p) != NULL;
	}
}

int health_rows(struct health *h, struct store *st, const char *me, const Carenet__Status *links,
                uint64_t now, uint64_t stale, Carenet__OfficeHealth ***rows, size_t *n)
{
	struct rows a = {NULL, 0, 0, 0, NULL};
	struct reg_arg ra = {st, me, &a};
	int rc = store_read(st, registry_txn, &ra);

	for (size_t i = 0; rc == 0 && i < a.n; i++) {
		Carenet__OfficeHealth *o = a.v[i];
		char via[PKI_ID_MAX];

		via_of(me, o->id, links, via, sizeof(via));
		const struct report *r = report_of(h, via);
		const Carenet__PeerStatus *c = session_of(links, via);
		if (!c && a.was[i][0])
			c = session_of(links, a.was[i]); /* not switched yet */
		rc = strcmp(via, o->id) == 0 ? fill_child(o, c, r, now)
		                             : fill_below(o, via, links, r, now, stale);
	}
	free(a.was);
	if (rc != 0) {
		health_rows_free(a.v, a.n);
		return rc;
	}
	*rows = a.v;
	*n = a.n;
	return 0;
}

void health_rows_free(Carenet__OfficeHealth **rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!rows[i])
			continue;
		free(rows[i]->id);
		free(rows[i]->role);
		free(rows[i]->name);
		free(rows[i]->version);
		free(rows[i]->last_error);
		free(rows[i]);
	}
	free(rows);
}

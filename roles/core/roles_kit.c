/*
 * roles_kit: the small helpers every roles domain shares (roles_int.h):
 * the clock, refusal reasons, the audit helper, string lists, the route
 * array, id and time formatting.
 */
#include "arr.h"
#include "audit.h"
#include "err.h"
#include "log.h"
#include "moved.h"
#include "registry.h"
#include "roles_int.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t roles_now(const struct roles *r)
{
	return r->env.now(r->env.arg);
}

MDB_dbi roles_dbi(const struct roles *r, enum store_db db)
{
	return store_dbi(r->env.store, db);
}

void roles_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (!why || !whylen)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/* The audited events an operator must see, logged at notice as they are
 * recorded: "directive 530102-7: arrived: task 任务 "..." from 530102 due ...". */
static void audit_notice(const char *action, const char *subject, const char *detail)
{
	static const struct {
		const char *action, *words;
	} events[] = {
	    {"deliver", "arrived"},
	    {"reminded", "reminder received"},
	    {"remind", "reminder sent"},
	    {"overdue", "overdue"},
	    {"rectify", "rectification order issued"},
	    {"circular", "circular issued"},
	    {"escalate", "escalated"},
	    {"refused", "follow-up not issued"},
	};

	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		if (strcmp(action, events[i].action) == 0)
			log_notice("directive %s: %s: %s", subject, events[i].words, detail);
}

int roles_audit(struct roles *r, MDB_txn *txn, const char *actor, const char *action,
                const char *subject, const char *fmt, ...)
{
	char detail[2048];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (r->caller[0]) {
		size_t n = strlen(detail);
		snprintf(detail + n, sizeof(detail) - n, " [%s]", r->caller);
	}
	utf8_cut(detail, sizeof(detail) - 2);
	rc = audit_append(r->env.store, txn, roles_now(r), actor, action, subject, detail);
	if (rc == 0)
		audit_notice(action, subject, detail);
	return rc;
}

int roles_vec_push(struct strvec *sv, const char *s)
{
	if (ARR_GROW(sv->v, sv->n + 1, sv->cap) != 0)
		return CN_ENOMEM;
	if (!(sv->v[sv->n] = strdup(s)))
		return CN_ENOMEM;
	sv->n++;
	return 0;
}

void roles_vec_free(struct strvec *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	memset(sv, 0, sizeof(*sv));
}

int roles_route_reserve(struct roles *r, size_t n)
{
	return ARR_GROW(r->route, n, r->route_cap);
}

int roles_id_origin(const char *did, char *out, size_t outlen)
{
	const char *dash = strrchr(did, '-');
	size_t n;

	if (!dash || dash == did || !dash[1] || strspn(dash + 1, "0123456789") != strlen(dash + 1))
		return CN_EINVAL;
	n = (size_t)(dash - did);
	if (n >= outlen)
		return CN_EINVAL;
	memcpy(out, did, n);
	out[n] = 0;
	return 0;
}

int roles_did_ok(const char *did)
{
	char origin[ROLES_ID_MAX];
	size_t n = did ? strlen(did) : 0;

	return n > 0 && n < ROLES_ID_MAX && roles_id_origin(did, origin, sizeof(origin)) == 0 &&
	       pki_role_from_id(origin) != PKI_ROLE_NONE;
}

int roles_office_ok(const char *id)
{
	enum pki_role r = pki_role_from_id(id);
	return r != PKI_ROLE_NONE && r != PKI_ROLE_INSPECTOR;
}

int roles_state_closed(uint32_t state)
{
	return state == STATE_DONE || state == STATE_UNABLE || state == STATE_RETIRED;
}

void roles_fmt_utc(uint64_t t, char *out, size_t outlen)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, outlen, "%llu", (unsigned long long)t);
}

void roles_spec_text(const Carenet__Targets *t, char *out, size_t outlen)
{
	size_t off = 0;

	out[0] = 0;
	if (!t)
		return;
	if (!t->n_ids) {
		snprintf(out, outlen, "%s:%s", t->prefix, t->role[0] ? t->role : "any");
		return;
	}
	for (size_t i = 0; i < t->n_ids && off < outlen; i++) {
		int n = snprintf(out + off, outlen - off, "%s%s", i ? "," : "", t->ids[i]);
		if (n < 0 || (size_t)n >= outlen - off) {
			if (outlen > 4)
				memcpy(out + outlen - 4, "...", 4);
			return;
		}
		off += (size_t)n;
	}
}

int roles_history_add(Carenet__NoteEntry ***v, size_t *n, uint64_t at, uint32_t state,
                      const char *note, size_t nevidence)
{
	Carenet__NoteEntry *e, **grown;

	if (!(e = malloc(sizeof(*e))))
		return CN_ENOMEM;
	carenet__note_entry__init(e);
	e->at = at;
	e->state = state;
	e->evidence = (uint32_t)nevidence;
	if (note && note[0] && !(e->note = strdup(note))) {
		free(e);
		return CN_ENOMEM;
	}
	if (*n >= ROLES_MAX_HISTORY) {
		carenet__note_entry__free_unpacked((*v)[0], NULL);
		memmove(*v, *v + 1, (*n - 1) * sizeof(**v));
		(*n)--;
	}
	if (!(grown = realloc(*v, (*n + 1) * sizeof(**v)))) {
		carenet__note_entry__free_unpacked(e, NULL);
		return CN_ENOMEM;
	}
	*v = grown;
	(*v)[(*n)++] = e;
	return 0;
}

int roles_at_or_above(const char *a, const char *b)
{
	return strncmp(a, b, strlen(a)) == 0;
}

/* a strictly above b (as rules_is_ancestor, which lives above this folder) */
static int strictly_above(const char *a, const char *b)
{
	size_t n = strlen(a);
	enum pki_role role = pki_role_from_id(a);

	return n > 0 && strlen(b) > n && strncmp(a, b, n) == 0 && role != PKI_ROLE_NONE &&
	       role != PKI_ROLE_INSPECTOR;
}

static int formers_read(struct roles *r, MDB_txn *txn)
{
	int rc;

	if (r->formers_read)
		return 0;
	if ((rc = moved_formers(r->env.store, txn, r->env.me->id, r->formers,
	                        sizeof(r->formers) / sizeof(r->formers[0]), &r->nformers)) != 0)
		return rc;
	r->formers_read = 1;
	return 0;
}

static int same_id(const char *a, const char *b)
{
	return !strcmp(a, b);
}

/* 1 if rel(office, id) holds for this office's id now or one it had
 * before, 0 if not, negative on error. */
static int me_or_former(struct roles *r, MDB_txn *txn, const char *id,
                        int (*rel)(const char *office, const char *id))
{
	int rc;

	if (rel(r->env.me->id, id))
		return 1;
	if ((rc = formers_read(r, txn)) != 0)
		return rc;
	for (size_t i = 0; i < r->nformers; i++)
		if (rel(r->formers[i], id))
			return 1;
	return 0;
}

int roles_is_me(struct roles *r, MDB_txn *txn, const char *id)
{
	return me_or_former(r, txn, id, same_id);
}

int roles_below_me(struct roles *r, MDB_txn *txn, const char *id)
{
	return me_or_former(r, txn, id, strictly_above);
}

int roles_split_targets(struct roles *r, MDB_txn *txn, char *const *ids, size_t n, int *mine,
                        char **below, size_t *nbelow)
{
	const char *office[1 + sizeof(r->formers) / sizeof(r->formers[0])];
	size_t len[sizeof(office) / sizeof(office[0])], no = 0, k;
	int rc, above[sizeof(office) / sizeof(office[0])];

	*mine = 0, *nbelow = 0;
	if ((rc = formers_read(r, txn)) != 0)
		return rc;
	office[no++] = r->env.me->id;
	for (size_t i = 0; i < r->nformers; i++)
		office[no++] = r->formers[i];
	for (k = 0; k < no; k++) { /* what strictly_above asks of its office, once */
		enum pki_role role = pki_role_from_id(office[k]);
		len[k] = strlen(office[k]);
		above[k] = len[k] > 0 && role != PKI_ROLE_NONE && role != PKI_ROLE_INSPECTOR;
	}
	for (size_t i = 0; i < n; i++) {
		size_t idlen = strlen(ids[i]);
		int me = 0, under = 0;

		for (k = 0; k < no && !me; k++)
			me = idlen == len[k] && memcmp(ids[i], office[k], idlen) == 0;
		for (k = 0; k < no && !me && !under; k++)
			under =
			    above[k] && idlen > len[k] && memcmp(ids[i], office[k], len[k]) == 0;
		if (me)
			*mine = 1;
		else if (under)
			below[(*nbelow)++] = ids[i];
	}
	return 0;
}

int roles_child_of_me(struct roles *r, MDB_txn *txn, const char *id)
{
	return me_or_former(r, txn, id, pki_is_direct_child);
}

int roles_at_or_below_me(struct roles *r, MDB_txn *txn, const char *id)
{
	int rc = roles_is_me(r, txn, id);

	return rc ? rc : roles_below_me(r, txn, id);
}

int roles_was(struct roles *r, MDB_txn *txn, const char *from, const char *old)
{
	char was[PKI_ID_MAX];
	int rc;

	if (pki_role_from_id(from) != PKI_ROLE_TOWNSHIP || pki_role_from_id(old) != PKI_ROLE_TOWNSHIP)
		return 0;
	if ((rc = moved_from(r->env.store, txn, from, was, sizeof(was))) == CN_ENOTFOUND)
		return 0;
	return rc ? rc : !strcmp(was, old);
}

int roles_relays(struct roles *r, MDB_txn *txn, const char *from, const char *origin)
{
	char t[PKI_ID_MAX];

	if (roles_at_or_above(from, origin))
		return 1;
	if (strlen(origin) < 9)
		return 0;
	snprintf(t, sizeof(t), "%.9s", origin);
	return roles_was(r, txn, from, t);
}

int roles_closed_office(struct roles *r, MDB_txn *txn, const char *id, const char *then)
{
	Carenet__Close *c = NULL;
	char day[32];
	int rc = registry_close_get(r->env.store, txn, id, &c, NULL);

	if (rc == CN_ENOTFOUND)
		return 0;
	if (rc == 0) {
		roles_fmt_utc(c->at, day, sizeof(day));
		if (c->into[0])
			roles_why(r->err, sizeof(r->err),
			          "office %s was closed (已撤销) at %s, its work to %s (carenet move "
			          "closed); %s %s instead",
			          id, day, c->into, then, c->into);
		else
			roles_why(r->err, sizeof(r->err),
			          "office %s was closed (已撤销) at %s (carenet move closed)", id, day);
		rc = CN_EINVAL;
	}
	carenet__close__free_unpacked(c, NULL);
	return rc;
}

int roles_moved_away(struct roles *r, MDB_txn *txn, const char *id, const char *then)
{
	char now[PKI_ID_MAX];
	int rc = moved_now(r->env.store, txn, id, now, sizeof(now));

	if (rc == CN_ENOTFOUND)
		return roles_closed_office(r, txn, id, then);
	if (rc == 0) {
		roles_why(r->err, sizeof(r->err),
		          "office %s has moved: it is %s now (carenet move status); %s %s", id, now,
		          then, now);
		rc = CN_EINVAL;
	}
	return rc;
}

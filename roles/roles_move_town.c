/*
 * roles_move_town: a township's own code change in place (撤乡设镇, a
 * renumbering; docs/design.md "Moves", "A township's own code change").
 * Township OLDT becomes NEWT and keeps its node, its store and its CURVE key:
 * the certificate of NEWT carries OLDT's CURVE key (tools/cli_move_apply.c
 * checks it), so the links of its villages, which pin that key, hold
 * through its switch. The county decides it in one transaction: the
 * township's Move (down to OLDT alone) and one Move per village known under
 * OLDT to the same last three digits under NEWT (through OLDT to the
 * village), each of which then switches as in a code change within a
 * township, with NEWT as its one township.
 */
#include "roles_move.h"
#include "err.h"
#include "moved.h"
#include "records.h"
#include "registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REFUSE(rc, ...) (roles_why(r->err, sizeof(r->err), __VA_ARGS__), (rc))

static int town_id(const char *id)
{
	return pki_role_from_id(id) == PKI_ROLE_TOWNSHIP;
}

static int push_id(const char *id, enum pki_role role, const char *name, void *arg)
{
	(void)role;
	(void)name;
	return roles_vec_push(arg, id);
}

struct pending {
	struct roles *r;
	MDB_txn *txn;
	const char *ot;
	char old[PKI_ID_MAX], nw[PKI_ID_MAX]; /* the first move found unswitched */
};

/* A village's move into or out of OLDT whose village has not switched: its
 * items still pass OLDT under the id it had, which the township's switch
 * would leave half-way. */
static int unswitched(const Carenet__Move *m, void *arg)
{
	struct pending *p = arg;
	int rc;

	if (pki_role_from_id(m->old_id) != PKI_ROLE_VILLAGE ||
	    (strncmp(m->old_id, p->ot, 9) && strncmp(m->new_id, p->ot, 9)))
		return 0;
	if ((rc = move_switched(p->r, p->txn, m->old_id, m->new_id)) != 0)
		return rc < 0 ? rc : 0;
	snprintf(p->old, sizeof(p->old), "%s", m->old_id);
	snprintf(p->nw, sizeof(p->nw), "%s", m->new_id);
	return 1;
}

static int town_check(struct roles *r, MDB_txn *txn, const char *ot, const char *nt)
{
	const char *me = r->env.me->id;
	char name[PKI_NAME_MAX], x[PKI_ID_MAX];
	enum pki_role role;
	struct strvec below = {0};
	struct pending p = {r, txn, ot, "", ""};
	int rc;

	if (r->env.me->role != PKI_ROLE_COUNTY)
		return REFUSE(CN_EROLE, "only the county changes a township's code (this is %s)", me);
	if (!town_id(ot) || !town_id(nt) || !roles_at_or_above(me, ot) || !roles_at_or_above(me, nt))
		return REFUSE(CN_EINVAL, "%s and %s must be township ids (9 digits) of this county",
		              ot, nt);
	if (!strcmp(ot, nt))
		return REFUSE(CN_EINVAL, "%s is already its code", ot);
	if ((rc = roles_closed_office(r, txn, ot, "it went into")) != 0)
		return rc;
	if (registry_get(r->env.store, txn, ot, &role, name, sizeof(name)) != 0 ||
	    moved_to(r->env.store, txn, ot, x, sizeof(x)) == 0)
		return REFUSE(CN_ENOTFOUND,
		              "%s is not a township known here (carenet offices lists them; its "
		              "code changed already? carenet move status)",
		              ot);
	if (moved_from(r->env.store, txn, ot, x, sizeof(x)) == 0)
		return REFUSE(CN_EROLE,
		              "%s is the new code of %s: a township's code changes once (a second "
		              "change is not built: close it into a new office, carenet move close)",
		              ot, x);
	if (registry_get(r->env.store, txn, nt, &role, name, sizeof(name)) == 0 ||
	    moved_from(r->env.store, txn, nt, x, sizeof(x)) == 0 ||
	    moved_to(r->env.store, txn, nt, x, sizeof(x)) == 0 ||
	    (rc = registry_closed(r->env.store, txn, nt)) != 0)
		return rc < 0 ? rc
		              : REFUSE(CN_EEXIST,
		                       "%s is in use (an office, a closed office or a move's id): "
		                       "choose a free code",
		                       nt);
	if ((rc = registry_each(r->env.store, txn, nt, PKI_ROLE_NONE, push_id, &below)) >= 0 &&
	    below.n)
		rc = REFUSE(CN_EEXIST, "%s is known under %s: choose a free township code",
		            below.v[0], nt);
	roles_vec_free(&below);
	if (rc != 0)
		return rc;
	if ((rc = moved_each(r->env.store, txn, unswitched, &p)) < 0)
		return rc;
	if (rc)
		return REFUSE(CN_EROLE,
		              "village %s moves to %s and has not switched yet (carenet move status): "
		              "change the township's code once it has",
		              p.old, p.nw);
	return 0;
}

int move_town_new(struct roles *r, MDB_txn *txn, const char *t)
{
	char old[PKI_ID_MAX];
	int rc = moved_from(r->env.store, txn, t, old, sizeof(old));

	if (rc == CN_ENOTFOUND)
		return 0;
	return rc ? rc : town_id(old);
}

int move_town_decide(struct roles *r, MDB_txn *txn, const char *ot, const char *nt, char *id,
                     size_t idlen)
{
	Carenet__Move m = CARENET__MOVE__INIT;
	Carenet__Item it = CARENET__ITEM__INIT;
	struct strvec villages = {0};
	char **down = NULL, vid[ROLES_ID_MAX], nw[PKI_ID_MAX];
	int rc;

	if ((rc = town_check(r, txn, ot, nt)) != 0)
		return rc;
	/* the villages first: from the Move on, the registry lists them (and
	 * the township) under their new codes */
	if ((rc = registry_each(r->env.store, txn, ot, PKI_ROLE_VILLAGE, push_id, &villages)) < 0)
		goto out;
	/* down to the township and, through it, each of its villages: they
	 * read their township's steps under its new code through the map */
	rc = CN_ENOMEM;
	if (villages.n >= TOWN_VILLAGES_MAX ||
	    !(down = calloc(villages.n + 1, sizeof(*down))))
		goto out;
	down[0] = (char *)ot;
	for (size_t i = 0; i < villages.n; i++)
		down[i + 1] = villages.v[i];
	snprintf(id, idlen, "%s-move-%s", r->env.me->id, ot);
	m.id = id;
	m.old_id = (char *)ot;
	m.new_id = (char *)nt;
	m.at = roles_now(r);
	m.down = down;
	m.n_down = villages.n + 1;
	if ((rc = moved_put(r->env.store, txn, &m)) < 0)
		goto out;
	it.body_case = CARENET__ITEM__BODY_MOVE;
	it.move = &m;
	if ((rc = r->env.emit(r->env.arg, txn, &it, NULL, 0)) != 0 ||
	    (rc = roles_audit(r, txn, r->env.me->id, "move", ot,
	                      "township %s takes the code %s (撤乡设镇), %zu village(s) with it", ot,
	                      nt, villages.n)) != 0)
		goto out;
	for (size_t i = 0; i < villages.n && rc == 0; i++) {
		snprintf(nw, sizeof(nw), "%s%s", nt, villages.v[i] + 9);
		rc = move_make(r, txn, villages.v[i], nw, vid, sizeof(vid));
	}
out:
	free(down);
	roles_vec_free(&villages);
	return rc < 0 ? rc : 0;
}

int move_town_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                    struct roles_route *route, char *why, size_t whylen)
{
	const Carenet__Move *m = item->move;
	const char *me = r->env.me->id;
	uint64_t n = 0;
	int rc, village = 0;

	if (m->n_down < 1 || m->n_down > TOWN_VILLAGES_MAX || m->n_earlier || m->n_records ||
	    strcmp(m->down[0], m->old_id)) {
		roles_why(why, whylen, "a township's move goes down to that township and its villages");
		return CN_EINVAL;
	}
	for (size_t i = 1; i < m->n_down; i++) {
		if (pki_role_from_id(m->down[i]) != PKI_ROLE_VILLAGE ||
		    strncmp(m->down[i], m->old_id, 9) != 0) {
			roles_why(why, whylen, "a township's move goes down to its own villages");
			return CN_EINVAL;
		}
		village |= !strcmp(m->down[i], me);
	}
	if (strcmp(me, m->old_id) != 0 && !village) {
		roles_why(why, whylen, "the move of township %s does not concern %s", m->old_id, me);
		return CN_ESCOPE;
	}
	if ((rc = moved_put(r->env.store, txn, m)) == CN_EEXIST)
		roles_why(why, whylen, "%s or %s is held here for another move", m->old_id,
		          m->new_id);
	if (rc < 0)
		return rc;
	if (village) /* held (or held already): its township's code, for the map */
		return rc ? roles_audit(r, txn, item->origin, "move", m->old_id,
		                        "this village's township %s takes the code %s (撤乡设镇)",
		                        m->old_id, m->new_id)
		          : 0;
	if (rc == 0)
		return 0; /* held already: applied, routed and audited once */
	route->targets = m->down + 1; /* on to its villages */
	route->ntargets = m->n_down - 1;
	if ((rc = roles_audit(r, txn, item->origin, "move", m->old_id,
	                      "this township %s takes the code %s (撤乡设镇)", m->old_id,
	                      m->new_id)) == 0 &&
	    (rc = records_count_owner(r, txn, m->old_id, &n)) == 0)
		rc = move_step_emit(r, txn, m, "old", n, 0);
	return rc;
}

struct ready {
	struct roles *r;
	MDB_txn *txn;
	uint64_t n;
};

static int ready_one(const Carenet__Move *m, void *arg)
{
	struct ready *a = arg;
	const char *me = a->r->env.me->id;

	if (pki_role_from_id(m->new_id) != PKI_ROLE_VILLAGE || strncmp(m->new_id, me, 9) != 0)
		return 0;
	a->n++;
	return move_step_emit(a->r, a->txn, m, "ready", 0, 0);
}

int move_town_ready(struct roles *r, MDB_txn *txn, uint64_t *n)
{
	struct ready a = {r, txn, 0};
	int rc = moved_each(r->env.store, txn, ready_one, &a);

	*n = a.n;
	return rc;
}

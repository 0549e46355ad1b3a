/*
 * move_links: what a township's own code change (撤乡设镇, OLDT -> NEWT;
 * roles/roles_move_town.c, docs/design.md "Moves") changes on the links,
 * read from the move map (roles/core/moved.h). NEWT is the same node, with
 * the same store and the same keys, under a new certificate.
 * - At the township, which starts as NEWT after its switch: its villages
 *   still speak under OLDT+xxx until each switches; the link takes them as
 *   children (move_links_former_child) and delivery routes to them
 *   (deliver_set_formers).
 * - At the county: NEWT's first HELLO takes over what the county keeps for
 *   the peer OLDT, its queues and cursors (move_links_adopt, before the
 *   WELCOME reads the cursors), so the two stores go on from where OLDT's
 *   sequences stood: nothing sent again, nothing skipped.
 * - At a village not switched yet: its parent's WELCOME names NEWT where
 *   OLDT was expected (move_links_parent_renamed), taken when the village's
 *   own Move, from its county, gives its township that code.
 * Thread: the node's.
 */
#include "node.h"
#include "archive.h"
#include "deliver.h"
#include "err.h"
#include "log.h"
#include "moved.h"
#include "outbox.h"
#include "wire.h"

#include <stdio.h>
#include <string.h>

struct formers_arg {
	const char *me;
	char ids[4][16];
	size_t n;
};

static int read_formers(MDB_txn *txn, void *arg, struct store *st)
{
	struct formers_arg *a = arg;
	return moved_formers(st, txn, a->me, a->ids, 4, &a->n);
}

struct st_arg {
	void *arg;
	struct store *st;
	int (*fn)(MDB_txn *, void *, struct store *);
};

static int st_cb(MDB_txn *txn, void *arg)
{
	struct st_arg *a = arg;
	return a->fn(txn, a->arg, a->st);
}

int move_links_start(struct node *n)
{
	struct formers_arg a = {n->me->id, {{0}}, 0};
	struct st_arg s = {&a, n->store, read_formers};
	int rc;

	if (n->me->role != PKI_ROLE_TOWNSHIP)
		return 0;
	if ((rc = store_read(n->store, st_cb, &s)) != 0)
		return rc;
	n->nformers = 0;
	for (size_t i = 0; i < a.n; i++)
		if (pki_role_from_id(a.ids[i]) == PKI_ROLE_TOWNSHIP)
			memcpy(n->formers[n->nformers++], a.ids[i], sizeof(a.ids[i]));
	deliver_set_formers(n->deliver, n->formers, n->nformers);
	for (size_t i = 0; i < n->nformers; i++)
		log_info("move: this township was %s: its villages under that code are its "
		         "children until each switches",
		         n->formers[i]);
	return 0;
}

int move_links_former_child(void *arg, const char *id)
{
	struct node *n = arg;

	for (size_t i = 0; i < n->nformers; i++)
		if (pki_role_from_id(id) == PKI_ROLE_VILLAGE && strncmp(id, n->formers[i], 9) == 0)
			return 1;
	return 0;
}

struct renamed_arg {
	const char *me, *expected, *id;
	int ok;
};

static int read_renamed(MDB_txn *txn, void *arg, struct store *st)
{
	struct renamed_arg *a = arg;
	Carenet__Move *m = NULL;
	int rc = moved_get(st, txn, a->me, &m);

	if (rc == CN_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	/* a village Move down to the village alone, to another township code:
	 * only a township's own code change makes one (roles_move_town.c) */
	a->ok = m->n_down == 1 && strncmp(m->old_id, m->new_id, 9) != 0 &&
	        strncmp(m->new_id, a->id, 9) == 0 && strncmp(m->old_id, a->expected, 9) == 0;
	carenet__move__free_unpacked(m, NULL);
	return 0;
}

int move_links_parent_renamed(void *arg, const char *expected, const char *id)
{
	struct node *n = arg;
	struct renamed_arg a = {n->me->id, expected, id, 0};
	struct st_arg s = {&a, n->store, read_renamed};

	if (n->me->role != PKI_ROLE_VILLAGE || pki_role_from_id(id) != PKI_ROLE_TOWNSHIP ||
	    pki_role_from_id(expected) != PKI_ROLE_TOWNSHIP)
		return 0;
	if (store_read(n->store, st_cb, &s) != 0)
		return 0;
	if (a.ok)
		log_notice("move: the parent %s answers as %s, the code the county gave it",
		           expected, id);
	return a.ok;
}

struct adopt_arg {
	struct node *n;
	const char *peer;
	char old[PKI_ID_MAX];
};

static int adopt_txn(MDB_txn *txn, void *arg)
{
	struct adopt_arg *a = arg;
	struct store *st = a->n->store;
	int rc = moved_from(st, txn, a->peer, a->old, sizeof(a->old));

	if (rc != 0 || pki_role_from_id(a->old) != PKI_ROLE_TOWNSHIP)
		return rc == CN_ENOTFOUND ? 1 : rc ? rc : 1;
	if ((rc = outbox_rehome(st, txn, a->n->records_key, a->old, a->peer)) != 0)
		return rc == CN_EEXIST || rc == CN_ENOTFOUND ? 1 : rc;
	/* what OLDT acknowledged is kept for a restore of its store, by the key
	 * of a peer that is gone: dropped */
	for (unsigned lane = 0; lane < WIRE_LANES && rc == 0; lane++)
		rc = archive_drop(st, txn, a->old, lane);
	return rc;
}

void move_links_adopt(struct node *n, const char *peer)
{
	struct adopt_arg a = {n, peer, ""};
	int rc;

	if (n->me->role != PKI_ROLE_COUNTY || pki_role_from_id(peer) != PKI_ROLE_TOWNSHIP)
		return;
	/* 1: nothing to take over (no such Move, or done already) */
	if ((rc = deliver_write(n->deliver, adopt_txn, &a)) == 0)
		log_notice("move: %s is %s now: its queues and cursors go on under the new code",
		           a.old, peer);
	else if (rc != 1)
		log_warnx("move: cannot take over the link state of %s for %s: %s", a.old, peer,
		          cn_strerror(rc));
}

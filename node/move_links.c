/*
 * move_links: what a township's own code change (撤乡设镇, OLDT -> NEWT;
 * roles/roles_move_town.c, docs/design.md "Moves") changes on the links,
 * read from the move map (roles/core/moved.h). NEWT is the same node, with
 * the same store and the same keys, under a new certificate.
 * - At the township, which starts as NEWT after its switch: a village
 *   speaks under OLDT+NNN (its own three digits) up to its own switch; the
 *   link takes such villages as children (move_links_former_child) and
 *   delivery routes to them (deliver_set_formers).
 * - At the county: NEWT's first HELLO takes over what the county keeps for
 *   the peer OLDT, its queues and cursors (move_links_adopt, before the
 *   WELCOME reads the cursors), so the two stores go on from where OLDT's
 *   sequences stood: nothing sent again, nothing skipped.
 * - At a village not switched yet: its parent's WELCOME names NEWT where
 *   OLDT was expected (move_links_parent_renamed), taken because it comes
 *   with the CURVE key the village pinned for OLDT.
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

int move_links_parent_renamed(void *arg, const char *expected, const char *id)
{
	struct node *n = arg;

	/* The handshake pinned the parent's CURVE key (parent.pem) and the
	 * chain binds this certificate to that key: only the holder of the
	 * parent's secret key gets here, so it is the same office under a code
	 * its county's CA gave it. No Move is needed to take it: a village
	 * offline through the township's switch gets its Move only over this
	 * link. */
	if (n->me->role != PKI_ROLE_VILLAGE || pki_role_from_id(id) != PKI_ROLE_TOWNSHIP ||
	    pki_role_from_id(expected) != PKI_ROLE_TOWNSHIP || strncmp(id, expected, 6) != 0 ||
	    strncmp(n->me->id, expected, 9) != 0)
		return 0;
	log_notice("move: the parent %s answers as %s, with its CURVE key: its code changed",
	           expected, id);
	return 1;
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

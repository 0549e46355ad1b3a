/*
 * test_statuses: statuses flowing up to the issuer's matrix, the operator's
 * acks and the ones refused, and announces of new offices below.
 * Uses the seven offices and the story of tests/roles_fixture.h.
 */
#include "err.h"
#include "roles_fixture.h"
#include "registry.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

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

static int regget_txn(MDB_txn *txn, void *arg)
{
	char name[PKI_NAME_MAX];
	int rc = registry_get(county.st, txn, "530102001003", arg, name, sizeof(name));
	return rc == 0 && strcmp(name, "新村") != 0 ? CN_EINVAL : rc;
}

static void test_announce(void)
{
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__Announce an = CARENET__ANNOUNCE__INIT;
	enum pki_role role = PKI_ROLE_NONE;
	size_t i;

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

int main(void)
{
	fx_begin("test_statuses");
	CHECK(story_issue_task(NULL) == 0);
	story_deliver_task();
	test_status();
	test_announce();
	test_revocation();
	failures += fx_end();
	if (failures)
		fprintf(stderr, "test_statuses: %d failures\n", failures);
	return failures ? 1 : 0;
}

/*
 * test_move: a village moves to another township (区划调整; roles/roles_move.c,
 * core/moved.c; issue 14 item 5) on the roles fixture: the county's id rules
 * (only the county; OLD a known village; NEW a free code under another known
 * township; once), where the Move goes and who refuses it, the old township's
 * step, OLD leaving the registry, and a status of NEW counted against the
 * target OLD at the county (relayed untracked by the new township), once;
 * a code change within a township (its Move, both its steps, the status);
 * a village that moves again (refused until it switched; the Move's earlier
 * ids; its status on the first row; at most three moves).
 *
 * usage: test_move [TESTDATADIR] (unused). Exits non-zero on any failure.
 */
#include "err.h"
#include "moved.h"
#include "registry.h"
#include "roles_fixture.h"

#include <stdio.h>
#include <string.h>

#include "check.h"

#define NEW "530102002009"

static struct office nv; /* the village under its new id */

struct regctx {
	struct office *o;
	const char *prefix, *id;
	int n;
};

static int count_below(const char *id, enum pki_role role, const char *name, void *arg)
{
	struct regctx *c = arg;
	(void)name;
	if (!strcmp(id, c->id) && role == PKI_ROLE_VILLAGE)
		c->n++;
	return 0;
}

static int reg_id_txn(MDB_txn *txn, void *arg)
{
	int rc = registry_put(county.st, txn, arg, PKI_ROLE_VILLAGE, "moved");
	return rc < 0 ? rc : 0;
}

static int reg_txn(MDB_txn *txn, void *arg)
{
	struct regctx *c = arg;
	return registry_each(c->o->st, txn, c->prefix, PKI_ROLE_VILLAGE, count_below, c);
}

/* How often id is listed as a village below prefix at o. */
static int listed(struct office *o, const char *prefix, const char *id)
{
	struct regctx c = {o, prefix, id, 0};
	CHECK_INT(store_read(o->st, reg_txn, &c), 0);
	return c.n;
}

static int v11_listed(struct office *o)
{
	return listed(o, C, V11);
}

static void test_rules(void)
{
	char err[512];

	CHECK_INT(move_req(&t1, V11, NEW, err), CN_EROLE); /* only the county */
	CHECK(strstr(err, "county") != NULL);
	CHECK_INT(move_req(&county, V11, V11, err), CN_EEXIST); /* itself */
	CHECK_INT(move_req(&county, V11, V12, err), CN_EEXIST); /* in use, same township */
	CHECK_INT(move_req(&county, V11, V21, err), CN_EEXIST); /* NEW in use */
	CHECK_INT(move_req(&county, "530102001009", NEW, err), CN_ENOTFOUND); /* OLD unknown */
	CHECK_INT(move_req(&county, V11, "530102003001", err), CN_ENOTFOUND); /* no such township */
	CHECK_INT(move_req(&county, T1, NEW, err), CN_EINVAL);                /* not a village */
	CHECK_INT(move_req(&county, V11, "530103002001", err), CN_EINVAL);    /* another county */
	CHECK_INT(v11_listed(&county), 1);
	CHECK_INT(move_req(&county, V11, NEW, err), 0);
	CHECK_INT(v11_listed(&county), 0); /* moved away: no longer expanded or listed */
	/* NEW instead, before it ever connected: a directive issued meanwhile
	 * is addressed to it (and waits on its way), not lost */
	CHECK_INT(listed(&county, C, NEW), 1);
	CHECK_INT(listed(&county, T2, NEW), 1);
	CHECK_INT(listed(&county, T1, NEW), 0); /* not below its old township */
	/* addressed by id: the old one is refused, naming the new; the new one
	 * is taken before it ever connected */
	CHECK_INT(issue(&county, KIND_NOTICE, V11, "n", "", clock_now + DAY, NULL, err), CN_EINVAL);
	CHECK(strstr(err, NEW) != NULL && strstr(err, "moved") != NULL);
	CHECK_INT(issue(&county, KIND_NOTICE, NEW, "n", "", clock_now + DAY, NULL, err), 0);
	CHECK_INT(move_req(&county, V11, NEW, err), CN_ENOTFOUND); /* once */
	CHECK_INT(move_req(&county, V12, NEW, err), CN_EEXIST);    /* NEW taken by the move */
}

/* A Move originated by the old township itself. */
static size_t forged_move(void)
{
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__Move m = CARENET__MOVE__INIT;

	m.id = "530102001-move-x";
	m.old_id = V11;
	m.new_id = NEW;
	it.body_case = CARENET__ITEM__BODY_MOVE;
	it.move = &m;
	return craft(&t1, &it);
}

static void test_apply(size_t mi)
{
	Carenet__Item *it = item_at(&county, mi);
	struct apply_ctx a;
	long si;

	CHECK(it && it->body_case == CARENET__ITEM__BODY_MOVE);
	CHECK(it && it->move->n_down == 2 && !strcmp(it->move->down[0], V11) &&
	      !strcmp(it->move->down[1], T2));
	carenet__item__free_unpacked(it, NULL);
	CHECK_INT(apply(&t1, &county, mi, C, &a), 0); /* the old township: on to V11 */
	CHECK(a.ntargets == 1 && has_target(&a, V11));
	si = find_last(&t1, CARENET__ITEM__BODY_MOVE_STEP);
	CHECK(si >= 0);
	if (si >= 0) {
		it = item_at(&t1, (size_t)si);
		CHECK(it && !strcmp(it->move_step->step, "old"));
		carenet__item__free_unpacked(it, NULL);
		CHECK_INT(apply(&county, &t1, (size_t)si, T1, &a), 0);
		CHECK(!a.route.up);
	}
	CHECK_INT(apply(&t1, &county, mi, C, &a), 0); /* again: held, nothing more */
	CHECK_INT(apply(&t2, &county, mi, C, &a), 0); /* the new township: ready */
	CHECK_INT(a.ntargets, 0);
	si = find_last(&t2, CARENET__ITEM__BODY_MOVE_STEP);
	CHECK(si >= 0);
	if (si >= 0) {
		it = item_at(&t2, (size_t)si);
		CHECK(it && !strcmp(it->move_step->step, "ready"));
		carenet__item__free_unpacked(it, NULL);
		CHECK_INT(apply(&county, &t2, (size_t)si, T2, &a), 0);
		it = item_at(&t2, (size_t)si); /* the same step signed by T1: not T1's */
		if (it) {
			Carenet__Item f = CARENET__ITEM__INIT;
			size_t fi;
			f.body_case = CARENET__ITEM__BODY_MOVE_STEP;
			f.move_step = it->move_step;
			fi = craft(&t1, &f);
			CHECK_INT(apply(&county, &t1, fi, T1, &a), CN_EROLE);
			carenet__item__free_unpacked(it, NULL);
		}
	}
	CHECK_INT(apply(&v11, &t1, forged_move(), T1, &a), CN_EROLE); /* only a county's */
	CHECK_INT(apply(&v11, &county, mi, T1, &a), 0);               /* the village, through T1 */
	CHECK_INT(apply(&v21, &county, mi, T2, &a), CN_ESCOPE);       /* not its business */
	CHECK_INT(apply(&county, &county, mi, T1, &a), CN_EROLE);     /* up the tree: refused */
}

/* NEW's status of the county's task: relayed by T2 untracked, counted against V11 once. */
static void test_status(void)
{
	struct apply_ctx a;
	size_t si;

	int relays = audited(&t2, "relay", task);

	office_open(&nv, NEW);
	si = craft_status(&nv, task, 4 /* done */);
	CHECK_INT(apply(&t2, &nv, si, NEW, &a), 0);
	CHECK(a.route.up);
	CHECK_INT(audited(&t2, "relay", task), relays + 1);
	CHECK_INT(apply(&county, &nv, si, T2, &a), 0);
	CHECK_INT(row_state(&county, task, V11, NULL, NULL), 4);
	CHECK_INT(row_state(&county, task, NEW, NULL, NULL), -1);
	si = craft_status(&nv, task, 4); /* the same state re-sent: no second entry */
	CHECK_INT(apply(&county, &nv, si, T2, &a), 0);
	CHECK_INT(row_state(&county, task, V11, NULL, NULL), 4);
	si = craft_status(&nv, "530102001-77", 4); /* not issued above T2: refused there */
	CHECK_INT(apply(&t2, &nv, si, NEW, &a), CN_ENOTFOUND);
	si = craft_status(&nv, "530102-999", 4); /* nothing at the county: dropped, audited */
	CHECK_INT(apply(&t2, &nv, si, NEW, &a), 0);
	CHECK_INT(apply(&county, &nv, si, T2, &a), 0);
	CHECK_INT(audited(&county, "ignore", "530102-999"), 1);
	si = craft_status(&v22, task, 4); /* an office that did not move: as before */
	CHECK_INT(apply(&t1, &v22, si, V22, &a), CN_ESCOPE);
	office_close(&nv);
}

/* The step o emitted at index i, checked to be `step`. */
static void check_step(struct office *o, long i, const char *step)
{
	Carenet__Item *it = i >= 0 ? item_at(o, (size_t)i) : NULL;

	CHECK(it && it->body_case == CARENET__ITEM__BODY_MOVE_STEP &&
	      !strcmp(it->move_step->step, step) && !strcmp(it->origin, o->me.id));
	carenet__item__free_unpacked(it, NULL);
}

/* A code change within a township (村改居): V12 becomes CODE under T1, which
 * is its old and its new township: one Move down to V12 through T1, T1's
 * "old" and "ready", NEW's status on V12's row at T1 and the county, once. */
#define CODE "530102001011"
static void test_code_change(void)
{
	struct apply_ctx a;
	Carenet__Item *it;
	Carenet__Item f = CARENET__ITEM__INIT;
	Carenet__Move fm = CARENET__MOVE__INIT;
	size_t mi = county.nitems, t1n, si;
	char err[512];
	int t1_state;

	CHECK_INT(move_req(&county, V12, CODE, err), 0);
	CHECK_INT(county.nitems, mi + 1);
	it = item_at(&county, mi);
	CHECK(it && it->move->n_down == 1 && !strcmp(it->move->down[0], V12)); /* no T1 twice */
	carenet__item__free_unpacked(it, NULL);
	t1n = t1.nitems;
	CHECK_INT(apply(&t1, &county, mi, C, &a), 0); /* old and new township: on to V12 */
	CHECK(a.ntargets == 1 && has_target(&a, V12));
	CHECK_INT(t1.nitems, t1n + 2); /* "old", then "ready", both T1's */
	check_step(&t1, (long)t1n, "old");
	check_step(&t1, (long)t1n + 1, "ready");
	CHECK_INT(apply(&county, &t1, t1n, T1, &a), 0);
	CHECK_INT(apply(&county, &t1, t1n + 1, T1, &a), 0);
	CHECK_INT(apply(&t1, &county, mi, C, &a), 0); /* again: held, nothing more */
	CHECK_INT(t1.nitems, t1n + 2);
	CHECK_INT(apply(&t2, &county, mi, C, &a), CN_ESCOPE); /* not T2's business */
	CHECK_INT(apply(&v12, &county, mi, T1, &a), 0);       /* the village, through T1 */
	fm.id = "530102-move-x"; /* a county's move of a village to itself */
	fm.old_id = V22;
	fm.new_id = V22;
	f.body_case = CARENET__ITEM__BODY_MOVE;
	f.move = &fm;
	CHECK_INT(apply(&t2, &county, craft(&county, &f), C, &a), CN_EROLE);

	/* CODE's status of the task: on V12's row at T1 (which tracks it) and the county */
	office_open(&nv, CODE);
	t1_state = row_state(&t1, task, V12, NULL, NULL) >= 0 ? 5 : -1; /* a row: unable */
	si = craft_status(&nv, task, 5 /* unable */);
	CHECK_INT(apply(&t1, &nv, si, CODE, &a), 0);
	CHECK(a.route.up);
	CHECK_INT(row_state(&t1, task, V12, NULL, NULL), t1_state);
	CHECK_INT(row_state(&t1, task, CODE, NULL, NULL), -1);
	CHECK_INT(apply(&county, &nv, si, T1, &a), 0);
	CHECK_INT(row_state(&county, task, V12, NULL, NULL), 5);
	CHECK_INT(row_state(&county, task, CODE, NULL, NULL), -1);
	office_close(&nv);
}

/* A village moves again (V11 -> NEW -> AGAIN): refused until NEW has
 * switched; the second Move names V11 as earlier, so an office that holds
 * only that Move (AGAIN's new township, had it never held the first) reads
 * V11 and NEW as AGAIN's former ids; NEW's status still lands on V11's row
 * at the county; at most MOVED_CHAIN_MAX - 1 moves. */
#define AGAIN "530102001009"
#define THIRD "530102001019"
struct fresh {
	const Carenet__Move *m;
	int was_v11, was_new, was_v12, n;
	char ids[MOVED_CHAIN_MAX][16];
};

static int fresh_txn(MDB_txn *txn, void *arg)
{
	struct fresh *f = arg;
	size_t n = 0;
	int rc = moved_put(nv.st, txn, f->m);

	if (rc < 0)
		return rc;
	f->was_v11 = moved_was(nv.st, txn, AGAIN, V11);
	f->was_new = moved_was(nv.st, txn, AGAIN, NEW);
	f->was_v12 = moved_was(nv.st, txn, AGAIN, V12);
	rc = moved_formers(nv.st, txn, AGAIN, f->ids, MOVED_CHAIN_MAX, &n);
	f->n = (int)n;
	return rc;
}

static void test_twice(void)
{
	Carenet__Item it = CARENET__ITEM__INIT, *m;
	Carenet__MoveStep st = CARENET__MOVE_STEP__INIT;
	struct apply_ctx a;
	char err[512];
	long mi;
	size_t si;

	CHECK_INT(f_write(&county, reg_id_txn, NEW), 0); /* NEW announced at the county */
	CHECK_INT(listed(&county, C, NEW), 1);           /* once: from the registry now */
	CHECK_INT(move_req(&county, NEW, AGAIN, err), CN_EROLE);
	CHECK(strstr(err, "has not switched") != NULL);
	/* NEW's "switched" reaches the county */
	office_open(&nv, NEW);
	st.old_id = V11, st.new_id = NEW, st.step = "switched";
	it.body_case = CARENET__ITEM__BODY_MOVE_STEP;
	it.move_step = &st;
	si = craft(&nv, &it);
	CHECK_INT(apply(&county, &nv, si, T2, &a), 0);
	CHECK_INT(move_req(&county, NEW, AGAIN, err), 0);
	CHECK_INT(listed(&county, C, AGAIN), 1); /* the last id of the chain, once */
	CHECK_INT(listed(&county, C, NEW) + listed(&county, C, V11), 0);
	mi = find_last(&county, CARENET__ITEM__BODY_MOVE);
	m = mi >= 0 ? item_at(&county, (size_t)mi) : NULL;
	CHECK(m && !strcmp(m->move->old_id, NEW) && !strcmp(m->move->new_id, AGAIN) &&
	      m->move->n_earlier == 1 && !strcmp(m->move->earlier[0], V11));
	if (m) { /* in a store that holds this Move alone (NEW's own, unused so far) */
		struct fresh f = {.m = m->move};
		CHECK_INT(f_write(&nv, fresh_txn, &f), 0);
		CHECK(f.was_v11 == 1 && f.was_new == 1 && f.was_v12 == 0);
		CHECK(f.n == 2 && !strcmp(f.ids[0], V11) && !strcmp(f.ids[1], NEW));
		CHECK_INT(apply(&t1, &county, (size_t)mi, C, &a), 0); /* AGAIN's township */
		CHECK_INT(apply(&t2, &county, (size_t)mi, C, &a), 0); /* NEW's: on to NEW */
		CHECK(a.ntargets == 1 && has_target(&a, NEW));
	}
	carenet__item__free_unpacked(m, NULL);
	/* AGAIN's status of the first task: on V11's row at the county, once */
	office_close(&nv);
	office_open(&nv, AGAIN);
	si = craft_status(&nv, task, 5);
	CHECK_INT(apply(&county, &nv, si, T1, &a), 0);
	CHECK_INT(row_state(&county, task, V11, NULL, NULL), 5);
	CHECK_INT(row_state(&county, task, AGAIN, NULL, NULL), -1);
	/* switched, and a third move; then a fourth is one too many */
	st.old_id = NEW, st.new_id = AGAIN;
	si = craft(&nv, &it);
	CHECK_INT(apply(&county, &nv, si, T1, &a), 0);
	CHECK_INT(f_write(&county, reg_id_txn, AGAIN), 0);
	CHECK_INT(move_req(&county, AGAIN, THIRD, err), 0);
	office_close(&nv);
	office_open(&nv, THIRD);
	st.old_id = AGAIN, st.new_id = THIRD;
	si = craft(&nv, &it);
	CHECK_INT(apply(&county, &nv, si, T1, &a), 0);
	CHECK_INT(f_write(&county, reg_id_txn, THIRD), 0);
	CHECK_INT(move_req(&county, THIRD, "530102001029", err), CN_ETOOBIG);
	CHECK(strstr(err, "moved 3 times") != NULL);
	office_close(&nv);
}

/* A reminder of a task to a village that moved after the task: to the id
 * it has now, not the row's (where it would wait for an office gone). */
static void test_reminder(void)
{
	const char *nw2 = "530102002019";
	char did[64], err[512];
	Carenet__Item *it;
	long ri;

	CHECK_INT(issue(&county, KIND_TASK, V21, "t", "", clock_now + 10 * DAY, did, err), 0);
	CHECK_INT(move_req(&county, V21, nw2, err), 0);
	clock_now += 7 * DAY;
	fire(&county);
	ri = find_last(&county, CARENET__ITEM__BODY_REMINDER);
	it = ri >= 0 ? item_at(&county, (size_t)ri) : NULL;
	CHECK(it && it->reminder && !strcmp(it->reminder->directive, did));
	CHECK(it && it->reminder && it->reminder->n_targets == 1 &&
	      !strcmp(it->reminder->targets[0], nw2));
	carenet__item__free_unpacked(it, NULL);
	CHECK_INT(row_state(&county, did, V21, NULL, NULL), 0); /* the row stays V21's, pending */
}

int main(void)
{
	char err[512] = "";
	size_t mi;

	fx_begin("test_move");
	CHECK_INT(story_issue_task(err), 0);
	story_deliver_task();
	story_statuses(); /* V11 accepted */
	CHECK_INT(row_state(&county, task, V11, NULL, NULL), 2);
	mi = county.nitems;
	test_rules();
	CHECK_INT(county.nitems, mi + 2); /* one Move, one notice to NEW, nothing for the refusals */
	test_apply(mi);
	test_status();
	test_code_change();
	test_twice();
	test_reminder();
	printf("test_move: %d checks, %d failures\n", checks, failures);
	return (fx_end() || failures) ? 1 : 0;
}

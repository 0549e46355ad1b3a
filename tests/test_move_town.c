/*
 * test_move_town: a township's own code change in place (撤乡设镇;
 * roles/roles_move_town.c, issue 14 item 5) on the roles fixture: the
 * county's rules (only the county; a known township of its own; a free code,
 * not its own); one decision makes the township's Move and one per village
 * to the same last three digits under the new code; the township holds its
 * Move (step "old") and passes each village's on to it, another township
 * and a township's forgery are refused; then the township under its new
 * code (a store that holds the Moves): its old code and the villages under
 * it are itself and below it, and nobody else's are (roles_is_me,
 * roles_below_me, roles_child_of_me); its first turn reports "switched" and
 * "ready" for both villages; at the county only the new code relays what
 * the old code's villages originated (roles_relays), and its monthly
 * roll-up counts a village's staff still under the old code under the new
 * one.
 *
 * usage: test_move_town [TESTDATADIR] (unused). Exits non-zero on any failure.
 */
#include "err.h"
#include "moved.h"
#include "roles_fixture.h"
#include "roles_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define NT "530102009"

static struct office nt; /* T1 under its new code, holding the Moves */
static size_t town_mi;   /* the township's Move at the county */

static void test_rules(void)
{
	char err[512];

	CHECK_INT(move_req(&t1, T1, NT, err), CN_EROLE); /* only the county */
	CHECK(strstr(err, "county") != NULL);
	CHECK_INT(move_req(&county, T1, T1, err), CN_EINVAL);          /* its own code */
	CHECK_INT(move_req(&county, T1, T2, err), CN_EEXIST);          /* in use */
	CHECK_INT(move_req(&county, "530102007", NT, err), CN_ENOTFOUND); /* unknown */
	CHECK_INT(move_req(&county, T1, "530103009", err), CN_EINVAL);    /* another county */
	CHECK_INT(move_req(&county, T1, V11, err), CN_EINVAL);            /* not a township */
	town_mi = county.nitems;
	CHECK_INT(move_req(&county, T1, NT, err), 0);
	CHECK_INT(move_req(&county, T1, NT, err), CN_ENOTFOUND); /* once: T1 is NT now */
	CHECK_INT(move_req(&county, T2, NT, err), CN_EEXIST);    /* NT taken */
	CHECK_INT((int)county.nitems, (int)town_mi + 3);         /* T1's Move, then each village's */
	for (size_t i = 0; i < 3; i++) {
		Carenet__Item *it = item_at(&county, town_mi + i);
		const char *old = i == 0 ? T1 : i == 1 ? V11 : V12;
		const char *nw = i == 0 ? NT : i == 1 ? NT "001" : NT "002";
		CHECK(it && it->body_case == CARENET__ITEM__BODY_MOVE);
		if (it && it->move) {
			CHECK(!strcmp(it->move->old_id, old) && !strcmp(it->move->new_id, nw));
			CHECK(it->move->n_down == (i == 0 ? 3u : 1u) && !strcmp(it->move->down[0], old));
			CHECK(i || (!strcmp(it->move->down[1], V11) && !strcmp(it->move->down[2], V12)));
		}
		carenet__item__free_unpacked(it, NULL);
	}
	CHECK_INT(audited(&county, "move", T1), 1);
}

static void test_apply(void)
{
	struct apply_ctx a;
	Carenet__Item f = CARENET__ITEM__INIT;
	Carenet__Move fm = CARENET__MOVE__INIT;
	char *down[1] = {T1};
	long si;

	CHECK_INT(apply(&t2, &county, town_mi, C, &a), CN_ESCOPE); /* not its business */
	CHECK_INT(apply(&t1, &county, town_mi, C, &a), 0);
	CHECK(a.ntargets == 2 && has_target(&a, V11) && has_target(&a, V12)); /* and its villages */
	si = find_last(&t1, CARENET__ITEM__BODY_MOVE_STEP);
	CHECK(si >= 0);
	if (si >= 0) {
		Carenet__Item *it = item_at(&t1, (size_t)si);
		CHECK(it && !strcmp(it->move_step->step, "old") && !strcmp(it->move_step->old_id, T1));
		carenet__item__free_unpacked(it, NULL);
	}
	CHECK_INT(apply(&t1, &county, town_mi, C, &a), 0); /* held: once */
	CHECK_INT(audited(&t1, "move", T1), 1);
	CHECK_INT(apply(&v11, &county, town_mi, T1, &a), 0); /* a village of it holds it */
	CHECK(a.ntargets == 0 && audited(&v11, "move", T1) == 1);
	CHECK_INT(apply(&v21, &county, town_mi, T2, &a), CN_ESCOPE); /* another's: not its business */
	/* each village's, through T1 to it */
	CHECK_INT(apply(&t1, &county, town_mi + 1, C, &a), 0);
	CHECK(a.ntargets == 1 && has_target(&a, V11));
	CHECK_INT(apply(&v11, &county, town_mi + 1, T1, &a), 0);
	/* a township's own Move made by a township */
	fm.id = "530102001-move-x";
	fm.old_id = T2;
	fm.new_id = "530102008";
	fm.down = down;
	fm.n_down = 1;
	f.body_case = CARENET__ITEM__BODY_MOVE;
	f.move = &fm;
	CHECK_INT(apply(&t2, &t1, craft(&t1, &f), T1, &a), CN_EROLE);
}

struct hold {
	struct office *from;
	size_t first, n;
	int mark;
};

/* NT's store: the three Moves held as T1 held them, and the switch mark
 * `move apply` leaves (tools/cli_move_apply.c). */
static int hold_txn(MDB_txn *txn, void *arg)
{
	struct hold *h = arg;
	int rc = 0;

	for (size_t i = 0; i < h->n && rc >= 0; i++) {
		Carenet__Item *it = item_at(h->from, h->first + i);
		rc = it ? moved_put(nt.st, txn, it->move) : CN_EINVAL;
		carenet__item__free_unpacked(it, NULL);
	}
	if (rc >= 0 && h->mark) {
		MDB_val k = {sizeof(MOVED_SWITCH_KEY) - 1, MOVED_SWITCH_KEY}, v = {strlen(T1), T1};
		rc = mdb_put(txn, store_dbi(nt.st, STORE_META), &k, &v, 0) ? CN_ESTORE : 0;
	}
	return rc < 0 ? rc : 0;
}

struct me_arg {
	struct office *o;
	const char *id;
	int (*fn)(struct roles *, MDB_txn *, const char *);
};

static int me_txn(MDB_txn *txn, void *arg)
{
	struct me_arg *a = arg;
	return a->fn(a->o->roles, txn, a->id);
}

static int ask(struct office *o, int (*fn)(struct roles *, MDB_txn *, const char *),
               const char *id)
{
	struct me_arg a = {o, id, fn};
	return store_read(o->st, me_txn, &a);
}

struct rel_arg {
	struct office *o;
	const char *from, *origin;
};

static int rel_txn(MDB_txn *txn, void *arg)
{
	struct rel_arg *a = arg;
	return roles_relays(a->o->roles, txn, a->from, a->origin);
}

static int relays(struct office *o, const char *from, const char *origin)
{
	struct rel_arg a = {o, from, origin};
	return store_read(o->st, rel_txn, &a);
}

/* roles_split_targets over a directive's list, as directive_apply asks */
struct split_arg {
	struct office *o;
	char **ids, *below[8];
	size_t n, nbelow;
	int mine;
};

static int split_txn(MDB_txn *txn, void *arg)
{
	struct split_arg *a = arg;
	return roles_split_targets(a->o->roles, txn, a->ids, a->n, &a->mine, a->below, &a->nbelow);
}

static void split(struct office *o, char **ids, size_t n, struct split_arg *a)
{
	memset(a, 0, sizeof(*a));
	a->o = o, a->ids = ids, a->n = n;
	CHECK_INT(store_read(o->st, split_txn, a), 0);
}

static void test_new_code(void)
{
	struct hold h = {&county, 0, 3, 1};
	size_t n0, si;
	int ready = 0, switched = 0;

	h.first = town_mi;
	office_open(&nt, NT);
	CHECK_INT(store_write(nt.st, hold_txn, &h), 0);
	CHECK_INT(ask(&nt, roles_is_me, T1), 1);
	CHECK_INT(ask(&nt, roles_is_me, NT), 1);
	CHECK_INT(ask(&nt, roles_is_me, T2), 0);
	CHECK_INT(ask(&nt, roles_below_me, V11), 1);
	CHECK_INT(ask(&nt, roles_below_me, NT "001"), 1);
	CHECK_INT(ask(&nt, roles_below_me, V21), 0);
	CHECK_INT(ask(&nt, roles_below_me, T1), 0);
	CHECK_INT(ask(&nt, roles_child_of_me, V12), 1);
	CHECK_INT(ask(&nt, roles_child_of_me, V22), 0);
	CHECK_INT(ask(&nt, roles_at_or_below_me, T1), 1);
	{ /* the same tests over a list: its old code is it, its villages' below */
		char *ids[] = {V11, NT "001", V21, T2}, *old[] = {T1, V12};
		struct split_arg sa;

		split(&nt, ids, 4, &sa);
		CHECK(!sa.mine && sa.nbelow == 2 && !strcmp(sa.below[0], V11) &&
		      !strcmp(sa.below[1], NT "001"));
		split(&nt, old, 2, &sa);
		CHECK(sa.mine && sa.nbelow == 1 && !strcmp(sa.below[0], V12));
		split(&t2, old, 2, &sa);
		CHECK(!sa.mine && sa.nbelow == 0);
	}
	/* at T1, which never switched, nobody else's ids are its own */
	CHECK_INT(ask(&t2, roles_below_me, V11), 0);
	/* the county: NT relays what T1 and its villages originated; T2 does not */
	CHECK_INT(relays(&county, NT, V11), 1);
	CHECK_INT(relays(&county, NT, T1), 1);
	CHECK_INT(relays(&county, T2, V11), 0);
	CHECK_INT(relays(&county, NT, V21), 0);

	/* the first turn: switched, then ready for each village */
	n0 = nt.nitems;
	fire(&nt);
	for (si = n0; si < nt.nitems; si++) {
		Carenet__Item *it = item_at(&nt, si);
		if (it && it->body_case == CARENET__ITEM__BODY_MOVE_STEP) {
			switched += !strcmp(it->move_step->step, "switched") &&
			            !strcmp(it->move_step->old_id, T1);
			ready += !strcmp(it->move_step->step, "ready") &&
			         !strncmp(it->move_step->new_id, NT, 9);
		}
		carenet__item__free_unpacked(it, NULL);
	}
	CHECK_INT(switched, 1);
	CHECK_INT(ready, 2);
	n0 = nt.nitems;
	fire(&nt); /* once: the mark is gone */
	CHECK_INT((int)nt.nitems, (int)n0);

	office_close(&nt);
}

/* V11's staff record, written there and held at the county. */
static void staff_at_county(void)
{
	static const char *f[][2] = {
	    {"name", "李红"},          {"id_number", "53010219850101002X"},
	    {"phone", "13987654321"}, {"role", "儿童主任"},
	    {"employment", "兼职"},   {"engagement", "村干部兼任"},
	    {"duties", "走访"},       {"start_at", "2019-05-01"},
	};
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__RecordWriteRequest w = CARENET__RECORD_WRITE_REQUEST__INIT;
	Carenet__RecordInput in = CARENET__RECORD_INPUT__INIT, *inp = &in;
	Carenet__Field fs[8], *fp[8];
	Carenet__ControlReply *rep;
	struct apply_ctx a;

	for (size_t i = 0; i < 8; i++) {
		carenet__field__init(&fs[i]);
		fs[i].name = (char *)f[i][0];
		fs[i].value = (char *)f[i][1];
		fp[i] = &fs[i];
	}
	in.type = "staff";
	in.id = "";
	in.set = fp;
	in.n_set = 8;
	in.line = 2;
	w.records = &inp;
	w.n_records = 1;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_RECORD_WRITE;
	req.record_write = &w;
	rep = control(&v11, &req);
	CHECK_INT(rep->code, 0);
	done(rep);
	CHECK_INT(apply(&t1, &v11, v11.nitems - 1, V11, &a), 0);
	CHECK_INT(apply(&county, &v11, v11.nitems - 1, T1, &a), 0);
}

static uint64_t staff_of(const Carenet__Rollup *ro, const char *office)
{
	for (size_t i = 0; i < ro->n_counts; i++)
		if (!strcmp(ro->counts[i]->measure, "staff") && !strcmp(ro->counts[i]->office, office))
			return ro->counts[i]->count;
	return 0;
}

/* The county's monthly roll-up counts the staff of a village still under
 * the township's old code under its new one (roles_rollup.c). */
static void test_rollup(void)
{
	Carenet__Item *it;
	long ri;

	county.pol.rollup = 1;
	fire(&county); /* the first turn only records the month */
	clock_now += 40 * DAY;
	fire(&county);
	ri = find_last(&county, CARENET__ITEM__BODY_ROLLUP);
	CHECK(ri >= 0);
	it = ri >= 0 ? item_at(&county, (size_t)ri) : NULL;
	CHECK(it && it->rollup);
	if (it && it->rollup) {
		CHECK_INT(staff_of(it->rollup, NT), 1);
		CHECK_INT(staff_of(it->rollup, T1), 0);
	}
	carenet__item__free_unpacked(it, NULL);
}

int main(void)
{
	fx_begin("test_move_town");
	staff_at_county();
	test_rules();
	test_apply();
	test_new_code();
	test_rollup();
	printf("test_move_town: %d checks, %d failures\n", checks, failures);
	return (fx_end() || failures) ? 1 : 0;
}

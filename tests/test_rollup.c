/*
 * test_rollup: above the county (roles/roles_rollup.c, issue 14) on the
 * roles fixture plus a prefecture 5301 and a province 53: the county's
 * monthly roll-up made once per month (and not again after a restart), kept
 * and summed at the prefecture, kept at the province; what a province or
 * prefecture refuses from below (a record version, another office's
 * roll-up, a value that looks like an id, a month not begun, the wrong
 * path), and roles_may_cross_up.
 *
 * usage: test_rollup [TESTDATADIR] (unused). Exits non-zero on any failure.
 */
#include "err.h"
#include "roles_fixture.h"

#include <stdio.h>
#include <string.h>

#include "check.h"

static struct office pre, prov;

static uint64_t count_of(const Carenet__Rollup *ro, const char *measure, const char *value)
{
	for (size_t i = 0; i < ro->n_counts; i++)
		if (!strcmp(ro->counts[i]->measure, measure) && !strcmp(ro->counts[i]->value, value))
			return ro->counts[i]->count;
	return (uint64_t)-1;
}

static long rollups(struct office *o)
{
	long n = 0;

	for (size_t i = 0; i < o->nitems; i++) {
		Carenet__Item *it = item_at(o, i);
		n += it && it->body_case == CARENET__ITEM__BODY_ROLLUP;
		carenet__item__free_unpacked(it, NULL);
	}
	return n;
}

/* The county's roll-up: once at the month's end, not again. */
static void test_month_end(void)
{
	Carenet__Item *it;

	char err[512] = "";

	county.pol.rollup = 1;
	clock_now = T0; /* 2026-09-21 */
	CHECK_INT(story_issue_task(err), 0); /* to the 4 villages, in September */
	fire(&county);
	CHECK_INT(rollups(&county), 0); /* the first turn only records the month */
	clock_now = T0 + 15 * DAY; /* 2026-10-06 */
	fire(&county);
	fire(&county);
	CHECK_INT(rollups(&county), 1);
	office_stop(&county); /* a restart: the month is in the store */
	office_start(&county);
	fire(&county);
	CHECK_INT(rollups(&county), 1);
	CHECK_INT(audited(&county, "rollup", "2026-09"), 1);
	it = item_at(&county, (size_t)find_last(&county, CARENET__ITEM__BODY_ROLLUP));
	CHECK(it && !strcmp(it->rollup->month, "2026-09") && !strcmp(it->rollup->office, C));
	if (it) { /* the bulletin's counts of the month */
		CHECK_INT(count_of(it->rollup, "directives", "targeted"), 4);
		CHECK_INT(count_of(it->rollup, "directives", "on_time"), 0);
		CHECK_INT(count_of(it->rollup, "reports", "filed"), 0);
		CHECK_INT(count_of(it->rollup, "children", ""), (uint64_t)-1); /* none held */
	}
	carenet__item__free_unpacked(it, NULL);
	t1.pol.rollup = 1; /* only a county makes one */
	fire(&t1);
	CHECK_INT(rollups(&t1), 0);
}

/* Two month ends passed at once (a county stopped over them, or its clock
 * moved on 60 days): each month's roll-up, oldest first, once; then the
 * next only at the next month's end. */
static void test_catch_up(void)
{
	long n = rollups(&county);
	Carenet__Item *a, *b;

	clock_now = T0 + 76 * DAY; /* 2026-12-06: October and November ended */
	fire(&county);
	CHECK_INT(rollups(&county), n + 2);
	a = item_at(&county, (size_t)find_last(&county, CARENET__ITEM__BODY_ROLLUP) - 1);
	b = item_at(&county, (size_t)find_last(&county, CARENET__ITEM__BODY_ROLLUP));
	CHECK(a && b && !strcmp(a->rollup->month, "2026-10") && !strcmp(b->rollup->month, "2026-11"));
	carenet__item__free_unpacked(a, NULL);
	carenet__item__free_unpacked(b, NULL);
	CHECK_INT(audited(&county, "rollup", "2026-10"), 1);
	fire(&county);
	office_stop(&county);
	office_start(&county);
	fire(&county);
	CHECK_INT(rollups(&county), n + 2);
	/* a store silent for years: only the last ROLLUP_CATCH_UP_MAX (24)
	 * months, ROLLUP_CATCH_UP (3) a turn */
	clock_now = T0 + 76 * DAY + 40u * 31 * DAY; /* 2030-04 */
	fire(&county);
	CHECK_INT(rollups(&county), n + 2 + 3);
	for (int k = 0; k < 10; k++)
		fire(&county);
	CHECK_INT(rollups(&county), n + 2 + 24);
	CHECK_INT(audited(&county, "rollup", "2028-03"), 0);
	CHECK_INT(audited(&county, "rollup", "2028-04"), 1);
	CHECK_INT(audited(&county, "rollup", "2030-03"), 1);
}

static void test_up(void)
{
	size_t k = (size_t)find_last(&county, CARENET__ITEM__BODY_ROLLUP);
	struct apply_ctx a;
	Carenet__Item *it;

	CHECK_INT(apply(&pre, &county, k, C, &a), 0);
	CHECK_INT(a.route.up, 1); /* on to the province */
	CHECK_INT(rollups(&pre), 1); /* and the prefecture's own sum */
	it = item_at(&pre, pre.nitems - 1);
	CHECK(it && it->rollup->n_counties == 1 && !strcmp(it->rollup->counties[0], C) &&
	      !strcmp(it->rollup->office, "5301"));
	carenet__item__free_unpacked(it, NULL);
	CHECK_INT(apply(&prov, &county, k, "5301", &a), 0); /* through the prefecture */
	CHECK_INT(a.route.up, 0);
	CHECK_INT(apply(&prov, &pre, pre.nitems - 1, "5301", &a), 0);
	CHECK_INT(apply(&prov, &county, k, "5302", &a), CN_ESCOPE); /* not its path */
	CHECK(strstr(a.why, "not on its path") != NULL);
	CHECK_INT(apply(&t1, &county, k, C, &a), CN_EROLE); /* a roll-up goes up only */
}

static void test_refusals(void)
{
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__RecordVersion rv = CARENET__RECORD_VERSION__INIT;
	Carenet__Rollup ro = CARENET__ROLLUP__INIT;
	Carenet__RollupCount c = CARENET__ROLLUP_COUNT__INIT, *cp = &c;
	struct apply_ctx a;

	rv.id = C "-r1", rv.type = "child", rv.owner = C;
	it.body_case = CARENET__ITEM__BODY_RECORD_VERSION;
	it.record_version = &rv;
	CHECK_INT(apply(&pre, &county, craft(&county, &it), C, &a), CN_EROLE);
	CHECK(strstr(a.why, "only aggregates cross above the county") != NULL);
	CHECK_INT(roles_may_cross_up(&it), 0);

	it.body_case = CARENET__ITEM__BODY_ROLLUP;
	it.rollup = &ro;
	CHECK_INT(roles_may_cross_up(&it), 1);
	ro.month = "2026-09", ro.office = "530103"; /* another county's */
	CHECK_INT(apply(&pre, &county, craft(&county, &it), C, &a), CN_ESCOPE);
	ro.office = C;
	ro.counts = &cp, ro.n_counts = 1;
	c.office = C, c.measure = "category", c.value = "530102201001011234", c.count = 1;
	CHECK_INT(apply(&pre, &county, craft(&county, &it), C, &a), CN_EINVAL); /* an id */
	c.value = "留守", c.measure = "names";
	CHECK_INT(apply(&pre, &county, craft(&county, &it), C, &a), CN_EINVAL);
	c.measure = "category", c.office = "530103001"; /* outside the county */
	CHECK_INT(apply(&pre, &county, craft(&county, &it), C, &a), CN_EINVAL);
	c.office = C;
	ro.month = "2027-01"; /* not begun at the prefecture */
	CHECK_INT(apply(&pre, &county, craft(&county, &it), C, &a), CN_EINVAL);
	ro.month = "2026-10";
	CHECK_INT(apply(&pre, &county, craft(&county, &it), C, &a), 0);
}

int main(void)
{
	fx_begin("test_rollup");
	office_open(&pre, "5301");
	office_open(&prov, "53");
	test_month_end();
	test_up();
	test_refusals();
	test_catch_up();
	office_close(&pre);
	office_close(&prov);
	printf("test_rollup: %d checks, %d failures\n", checks, failures);
	return (fx_end() || failures) ? 1 : 0;
}

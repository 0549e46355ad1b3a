/*
 * test_above: directives from above the county (roles/directives/above.c,
 * issue 14 item 3) on the roles fixture plus a prefecture 5301 and a
 * province 53: the province's 53:village names the counties with relay
 * village; the prefecture relays it to its county; the county takes it
 * into its inbox and issues its own relay (derived id, parent) once, even
 * when the province's directive is applied again; the villages' statuses
 * stay in the county, its tally (counts) crosses up, the prefecture keeps
 * it, forwards it and sends its sum; the province shows per office rows
 * and the late counties after the deadline. Refused: a county's tally of
 * another county, counts that do not add up, a tally sent to a county, a
 * township's directive claiming the province's as its parent, a county's
 * relay with an id not derived from its parent.
 *
 * usage: test_above [TESTDATADIR] (unused). Exits non-zero on any failure.
 */
#include "err.h"
#include "registry.h"
#include "roles_fixture.h"

#include <stdio.h>
#include <string.h>

#include "check.h"

static struct office pre, prov;
static char pid[64];   /* the province's directive */
static char relay[64]; /* the county's relay of it */

/* rules_relay_id's form: "<county>-0<L><origin><seq>". */
static void relay_id(const char *office, const char *parent, char *out, size_t len)
{
	const char *dash = strchr(parent, '-');

	snprintf(out, len, "%s-0%d%.*s%s", office, (int)(dash - parent), (int)(dash - parent),
	         parent, dash + 1);
}

static int reg_txn(MDB_txn *txn, void *arg)
{
	const char **a = arg;
	int rc = registry_put(((struct office *)(void *)a[0])->st, txn, a[1],
	                      pki_role_from_id(a[1]), a[2]);
	return rc < 0 ? rc : 0;
}

static void known(struct office *o, const char *id, const char *name)
{
	const char *a[3] = {(const char *)(void *)o, id, name};
	CHECK_INT(store_write(o->st, reg_txn, a), 0);
}

static long count_body(struct office *o, Carenet__Item__BodyCase body)
{
	long n = 0;

	for (size_t i = 0; i < o->nitems; i++) {
		Carenet__Item *it = item_at(o, i);
		n += it && it->body_case == body;
		carenet__item__free_unpacked(it, NULL);
	}
	return n;
}

/* The province's 53:village, down to the county, relayed once. */
static void test_down(void)
{
	char err[512] = "";
	struct apply_ctx a;
	Carenet__Item *it;
	size_t k;
	long before;

	known(&prov, "5301", "示范州");
	known(&prov, C, "示范县");
	known(&pre, C, "示范县");
	clock_now = T0;
	CHECK_INT(issue(&prov, KIND_TASK, "53:township", "省级", "", T0 + 2 * DAY, NULL, err),
	          0); /* accepted: 53:township too */
	CHECK_INT(issue(&prov, KIND_TASK, "530102001", "x", "", T0 + DAY, NULL, err), CN_EROLE);
	CHECK_INT(issue(&prov, KIND_TASK, "53:village", "省级任务 province task", "正文",
	                T0 + 2 * DAY, pid, err),
	          0);
	k = (size_t)find_last(&prov, CARENET__ITEM__BODY_DIRECTIVE);
	it = item_at(&prov, k);
	CHECK(it && it->directive->n_expanded == 1 && !strcmp(it->directive->expanded[0], C) &&
	      !strcmp(it->directive->relay, "village"));
	carenet__item__free_unpacked(it, NULL);

	CHECK_INT(apply(&pre, &prov, k, "53", &a), 0);
	CHECK(has_target(&a, C));
	CHECK_INT(apply(&county, &prov, k, "5301", &a), 0);
	relay_id(C, pid, relay, sizeof(relay));
	CHECK_INT(audited(&county, "issue", relay), 1);
	before = count_body(&county, CARENET__ITEM__BODY_DIRECTIVE);
	it = item_at(&county, (size_t)find_last(&county, CARENET__ITEM__BODY_DIRECTIVE));
	CHECK(it && !strcmp(it->directive->id, relay) && !strcmp(it->directive->parent, pid) &&
	      it->directive->n_expanded == 4 && it->directive->due == T0 + 2 * DAY &&
	      !strcmp(it->directive->title, "省级任务 province task"));
	carenet__item__free_unpacked(it, NULL);
	CHECK_INT(apply(&county, &prov, k, "5301", &a), 0); /* again: nothing new */
	CHECK_INT(count_body(&county, CARENET__ITEM__BODY_DIRECTIVE), before);
	CHECK_INT(audited(&county, "deliver", pid), 1); /* in the county's inbox */
}

/* Statuses stay in the county; its own and its tally cross up. */
static void test_up(void)
{
	struct apply_ctx a;
	Carenet__Item *it;
	Carenet__ControlReply *rep;
	long k;
	size_t st;

	k = find_last(&county, CARENET__ITEM__BODY_DIRECTIVE);
	CHECK_INT(apply(&t1, &county, (size_t)k, C, &a), 0);
	CHECK_INT(apply(&v11, &county, (size_t)k, T1, &a), 0);
	CHECK_INT(ack(&v11, relay, STATE_DONE, "好了", 0), 0);
	st = v11.nitems - 1;
	it = item_at(&v11, st);
	CHECK(it && !roles_may_cross_up(it)); /* a village's status stays below */
	carenet__item__free_unpacked(it, NULL);
	CHECK_INT(apply(&t1, &v11, st, V11, &a), 0);
	CHECK_INT(apply(&county, &v11, st, T1, &a), 0);
	CHECK_INT(a.route.up, 0);
	fire(&county);
	k = find_last(&county, CARENET__ITEM__BODY_TALLY);
	it = item_at(&county, (size_t)k);
	CHECK(it && roles_may_cross_up(it) && !strcmp(it->tally->directive, pid) &&
	      !strcmp(it->tally->office, C) && it->tally->targeted == 4 && it->tally->done == 1 &&
	      it->tally->acknowledged == 1 && !it->tally->late);
	carenet__item__free_unpacked(it, NULL);
	fire(&county); /* the timer is gone: one tally per change */
	CHECK_INT(count_body(&county, CARENET__ITEM__BODY_TALLY), 1); /* the turn's changes: one */

	CHECK_INT(apply(&pre, &county, (size_t)k, C, &a), 0);
	CHECK_INT(a.route.up, 1);
	fire(&pre);
	it = last_item(&pre);
	CHECK(it && it->body_case == CARENET__ITEM__BODY_TALLY && it->tally->n_counties == 1 &&
	      !strcmp(it->tally->office, "5301") && it->tally->done == 1);
	carenet__item__free_unpacked(it, NULL);
	CHECK_INT(apply(&prov, &county, (size_t)k, "5301", &a), 0);
	CHECK_INT(apply(&prov, &pre, pre.nitems - 1, "5301", &a), 0);
	CHECK_INT(apply(&prov, &county, (size_t)k, "5302", &a), CN_ESCOPE); /* not its path */

	/* the county's own status on the province's directive crosses up */
	st = craft_status(&county, pid, STATE_ACCEPTED);
	it = item_at(&county, st);
	CHECK(it && roles_may_cross_up(it));
	carenet__item__free_unpacked(it, NULL);
	CHECK_INT(apply(&pre, &county, st, C, &a), 0);
	CHECK_INT(a.route.up, 1);
	CHECK_INT(apply(&prov, &county, st, "5301", &a), 0);

	rep = query(&prov, "directive.show", pid, NULL);
	CHECK(rep->code == 0 && rep->n_directives == 1 && rep->directives[0]->n_tallies == 2);
	if (rep->code == 0 && rep->n_directives == 1 && rep->directives[0]->n_tallies == 2) {
		Carenet__DirectiveView *v = rep->directives[0];
		/* in tree order: the prefecture, then its counties */
		CHECK(!strcmp(v->tallies[1]->office, C) && v->tallies[1]->done == 1 &&
		      v->tallies[1]->targeted == 4);
		CHECK(!strcmp(v->tallies[0]->office, "5301") && v->tallies[0]->n_counties == 1);
		CHECK_INT(v->n_late_counties, 0);
	}
	done(rep);
}

/* After the deadline: the county's villages overdue, the county late. */
static void test_late(void)
{
	struct apply_ctx a;
	Carenet__ControlReply *rep;
	long k;

	clock_now = T0 + 2 * DAY + 60;
	fire(&county);
	k = find_last(&county, CARENET__ITEM__BODY_TALLY);
	CHECK_INT(apply(&pre, &county, (size_t)k, C, &a), 0);
	CHECK_INT(apply(&prov, &county, (size_t)k, "5301", &a), 0);
	rep = query(&prov, "directive.show", pid, NULL);
	CHECK(rep->code == 0 && rep->n_directives == 1 &&
	      rep->directives[0]->n_late_counties == 1 &&
	      !strcmp(rep->directives[0]->late_counties[0], C) &&
	      rep->directives[0]->n_tallies == 2 && rep->directives[0]->tallies[1]->overdue == 3);
	done(rep);
}

/* What a prefecture, province, county or village refuses. */
static void test_refusals(void)
{
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__DirectiveTally t = CARENET__DIRECTIVE_TALLY__INIT;
	Carenet__Directive d = CARENET__DIRECTIVE__INIT;
	Carenet__Targets tg = CARENET__TARGETS__INIT;
	char *ex[1] = {V11}, fake[64];
	struct apply_ctx a;

	t.directive = pid, t.office = "530103", t.targeted = 2;
	it.body_case = CARENET__ITEM__BODY_TALLY;
	it.tally = &t;
	CHECK_INT(apply(&pre, &county, craft(&county, &it), C, &a), CN_ESCOPE); /* another's */
	CHECK(strstr(a.why, "only its own") != NULL);
	t.office = C, t.done = 3;
	CHECK_INT(apply(&pre, &county, craft(&county, &it), C, &a), CN_EINVAL); /* 3 of 2 */
	t.done = 0;
	CHECK_INT(apply(&county, &t1, craft(&t1, &it), T1, &a), CN_EROLE); /* to a county */
	t.directive = task; /* the county's own task: not from above */
	CHECK_INT(apply(&pre, &county, craft(&county, &it), C, &a), CN_ENOTFOUND);

	/* a township's directive claiming the province's as its parent */
	relay_id(T1, pid, fake, sizeof(fake));
	tg.prefix = T1, tg.role = "village";
	d.kind = KIND_TASK, d.title = "伪造", d.targets = &tg, d.expanded = ex, d.n_expanded = 1;
	d.due = clock_now + DAY, d.parent = pid, d.id = fake;
	it.body_case = CARENET__ITEM__BODY_DIRECTIVE;
	it.directive = &d;
	CHECK_INT(apply(&v11, &t1, craft(&t1, &it), T1, &a), CN_EROLE);
	CHECK(strstr(a.why, "only a county relays") != NULL);
	/* a county's relay whose id is not the parent's */
	tg.prefix = C;
	d.id = C "-777";
	CHECK_INT(apply(&v11, &county, craft(&county, &it), T1, &a), CN_EINVAL);
	/* relay asked by a county */
	d.parent = "", d.id = "", d.relay = "village";
	CHECK_INT(apply(&v11, &county, craft(&county, &it), T1, &a), CN_EROLE);
}

int main(void)
{
	fx_begin("test_above");
	office_open(&pre, "5301");
	office_open(&prov, "53");
	CHECK_INT(story_issue_task(NULL), 0); /* the county's own task (test_refusals) */
	test_down();
	test_up();
	test_late();
	test_refusals();
	office_close(&pre);
	office_close(&prov);
	printf("test_above: %d checks, %d failures\n", checks, failures);
	return (fx_end() || failures) ? 1 : 0;
}

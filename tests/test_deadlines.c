/*
 * test_deadlines: the issuer's timers — reminders, overdue marks, automatic
 * rectification orders, circulars and escalations — and the audit log the
 * whole story leaves.
 * Uses the seven offices and the story of tests/roles_fixture.h.
 */
#include "err.h"
#include "roles_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* Without auto_rectify an overdue notice is only marked; a directive whose
 * late targets all finished is no longer "overdue" but "done". */
static void test_no_autorectify(void)
{
	Carenet__Item *it;
	char notice[64];
	size_t before = t2.nitems;
	int late = 0;

	snprintf(notice, sizeof(notice), "%s-1", T2);
	it = item_at(&t2, 0);
	/* Due a day after issue: the default reminders 3d and 1d cannot fire. */
	CHECK(it && it->directive && it->directive->n_remind == 0);
	carenet__item__free_unpacked(it, NULL);
	t2.pol.auto_rectify = 0;
	CHECK(apply(&v22, &t2, 0, T2, NULL) == 0);
	CHECK(apply(&t2, &v22, v22.nitems - 1, V22, NULL) == 0);
	clock_now = T0 + DAY;
	fire(&t2);
	CHECK(t2.nitems == before); /* no reminder (too late), no rectification */
	CHECK(row_state(&t2, notice, V21, &late, NULL) == STATE_PENDING && late);
	CHECK(row_state(&t2, notice, V22, &late, NULL) == STATE_DELIVERED && late);
	CHECK(audited(&t2, "overdue", notice) == 1 && audited(&t2, "rectify", NULL) == 0);
	CHECK(list_count(&t2, "overdue") == 1);
	CHECK(ack(&v21, notice, STATE_DONE, "", 0) == 0);
	CHECK(apply(&t2, &v21, v21.nitems - 1, V21, NULL) == 0);
	CHECK(ack(&v22, notice, STATE_UNABLE, "no staff this week", 0) == 0);
	CHECK(apply(&t2, &v22, v22.nitems - 1, V22, NULL) == 0);
	CHECK(row_state(&t2, notice, V22, &late, NULL) == STATE_UNABLE && late);
	CHECK(list_count(&t2, "overdue") == 0);
	CHECK(list_count(&t2, "done") == 1);
	CHECK(list_count(&t2, "open") == 1); /* the county's task, relayed */
	t2.pol.auto_rectify = 1;
}

static void test_reminders(void)
{
	struct apply_ctx a;
	Carenet__ControlReply *rep;
	Carenet__Item *it;
	uint32_t rem = 0;
	size_t before = county.nitems, ri;

	clock_now = task_due - 3 * DAY - 1;
	fire(&county);
	CHECK(county.nitems == before);
	clock_now = task_due - 3 * DAY;
	fire(&county);
	CHECK(county.nitems == before + 1);
	ri = county.nitems - 1;
	it = item_at(&county, ri);
	CHECK(it && it->body_case == CARENET__ITEM__BODY_REMINDER);
	if (it && it->reminder) {
		const Carenet__Reminder *r = it->reminder;
		CHECK(strcmp(r->directive, task) == 0 && r->due == task_due);
		/* Not V12: it is done. */
		CHECK(r->n_targets == 3 && strcmp(r->targets[0], V11) == 0 &&
		      strcmp(r->targets[1], V21) == 0 && strcmp(r->targets[2], V22) == 0);
	}
	carenet__item__free_unpacked(it, NULL);
	CHECK(row_state(&county, task, V11, NULL, &rem) == STATE_ACCEPTED && rem == 1);
	CHECK(row_state(&county, task, V12, NULL, &rem) == STATE_DONE && rem == 0);
	CHECK(audited(&county, "remind", task) == 1);
	CHECK(roles_next_due(county.roles) == task_due - DAY);

	/* Down the tree: the township relays to V11 only, V11 counts it. */
	CHECK(apply(&t1, &county, ri, C, &a) == 0 && a.ntargets == 1 && has_target(&a, V11));
	CHECK(row_state(&t1, task, V11, NULL, &rem) == STATE_DELIVERED && rem == 1);
	CHECK(apply(&v11, &county, ri, T1, &a) == 0);
	rep = query(&v11, "inbox", NULL, NULL);
	CHECK(rep->n_directives >= 1 && rep->directives[rep->n_directives - 1]->reminders == 1);
	done(rep);
	CHECK(apply(&v12, &county, ri, T1, &a) == CN_ESCOPE); /* not reminded */

	clock_now = task_due - DAY;
	fire(&county);
	CHECK(county.nitems == before + 2);
	CHECK(row_state(&county, task, V21, NULL, &rem) == STATE_DELIVERED && rem == 2);
}

static char rect[64];

/* A rectification order to the three laggards, nobody else; its id into rect. */
static void check_rectification(void)
{
	Carenet__Item *it;
	long ri;

	ri = find_last(&county, CARENET__ITEM__BODY_DIRECTIVE);
	CHECK(ri == (long)county.nitems - 1);
	it = ri >= 0 ? item_at(&county, (size_t)ri) : NULL;
	CHECK(it && it->directive && it->directive->kind == KIND_RECTIFICATION);
	if (it && it->directive) {
		const Carenet__Directive *d = it->directive;
		snprintf(rect, sizeof(rect), "%s", d->id);
		CHECK(strcmp(d->ref, task) == 0 && d->due == task_due + 5 * DAY);
		CHECK(strncmp(d->title, "限时整改 Rectification: 核实台账", 38) == 0);
		CHECK(d->n_expanded == 3 && d->targets->n_ids == 3);
		CHECK(d->n_expanded == 3 && strcmp(d->expanded[0], V11) == 0 &&
		      strcmp(d->expanded[1], V21) == 0 && strcmp(d->expanded[2], V22) == 0);
	}
	carenet__item__free_unpacked(it, NULL);
	CHECK(audited(&county, "rectify", rect) == 1);
	CHECK(row_state(&county, rect, V12, NULL, NULL) == -1);
}

static void test_overdue(void)
{
	Carenet__ControlReply *rep;
	int late = 0;

	clock_now = task_due;
	fire(&county);
	CHECK(row_state(&county, task, V11, &late, NULL) == STATE_ACCEPTED && late);
	CHECK(row_state(&county, task, V12, &late, NULL) == STATE_DONE && !late);
	CHECK(row_state(&county, task, V22, &late, NULL) == STATE_DELIVERED && late);
	CHECK(audited(&county, "overdue", task) == 1);
	check_rectification();

	CHECK(list_count(&county, "overdue") == 1);
	CHECK(list_count(&county, "open") == 2);
	CHECK(list_count(&county, "done") == 0);
	CHECK(list_count(&county, "") == 2);
	CHECK(list_count(&county, "bogus") == CN_EINVAL);
	rep = query(&county, "directive.list", NULL, "open");
	CHECK(rep->n_directives == 2 && strcmp(rep->directives[0]->id, rect) == 0);
	/* Overdue targets first in the matrix. */
	CHECK(rep->n_directives == 2 && rep->directives[1]->n_targets == 4 &&
	      rep->directives[1]->targets[0]->overdue &&
	      strcmp(rep->directives[1]->targets[3]->id, V12) == 0);
	done(rep);

	/* Done after the due time: done, and still marked overdue. */
	CHECK(ack(&v21, task, STATE_DONE, "late but done", 0) == 0);
	CHECK(apply(&county, &v21, v21.nitems - 1, T2, NULL) == 0);
	CHECK(row_state(&county, task, V21, &late, NULL) == STATE_DONE && late);

	/* The village's own view: the task is overdue by its clock; the
	 * township's notice it answered "unable" is not. */
	rep = query(&v22, "inbox", NULL, NULL);
	CHECK(rep->n_directives == 2);
	for (size_t i = 0; i < rep->n_directives; i++) {
		const Carenet__DirectiveView *v = rep->directives[i];
		CHECK(strcmp(v->id, task) == 0 ? v->overdue && v->my_state == STATE_DELIVERED
		                               : !v->overdue && v->my_state == STATE_UNABLE);
	}
	done(rep);
	rep = query(&county, "directive.show", "530102-404", NULL);
	CHECK(rep->code == CN_ENOTFOUND && strstr(rep->error, "530102-404"));
	done(rep);
}

static void test_circular(void)
{
	struct apply_ctx a;
	Carenet__Item *it;
	long ci;

	/* V11 completes the rectification; V21 and V22 miss it. */
	CHECK(apply(&t1, &county, (size_t)find_last(&county, CARENET__ITEM__BODY_DIRECTIVE), C,
	            &a) == 0 &&
	      a.ntargets == 1);
	CHECK(apply(&v11, &county, (size_t)find_last(&county, CARENET__ITEM__BODY_DIRECTIVE), T1,
	            &a) == 0);
	CHECK(ack(&v11, rect, STATE_DONE, "corrected", 1) == 0);
	CHECK(apply(&county, &v11, v11.nitems - 1, T1, NULL) == 0);
	CHECK(row_state(&county, rect, V11, NULL, NULL) == STATE_DONE);
	/* Not for V12, nor for any office below it. */
	CHECK(apply(&v12, &county, (size_t)find_last(&county, CARENET__ITEM__BODY_DIRECTIVE), T1,
	            &a) == CN_ESCOPE);

	clock_now = task_due + 5 * DAY;
	fire(&county);
	ci = find_last(&county, CARENET__ITEM__BODY_DIRECTIVE);
	it = ci >= 0 ? item_at(&county, (size_t)ci) : NULL;
	CHECK(it && it->directive && it->directive->kind == KIND_CIRCULAR);
	if (it && it->directive) {
		const Carenet__Directive *d = it->directive;
		CHECK(strcmp(d->targets->prefix, C) == 0 &&
		      strcmp(d->targets->role, "village") == 0);
		CHECK(d->n_expanded == 4); /* every village under the county */
		CHECK(strcmp(d->ref, rect) == 0);
		CHECK(strstr(d->body, V21 "," V22) != NULL && strstr(d->body, V11) == NULL);
		CHECK(strcmp(d->title,
		             "通报 Circular: 逾期未整改 Rectification missed: 核实台账 Verify "
		             "the ledger") == 0);
	}
	carenet__item__free_unpacked(it, NULL);
	/* A county has no level above: the escalation is audited, not sent. */
	CHECK(find_last(&county, CARENET__ITEM__BODY_ESCALATION) == -1);
	CHECK(audited(&county, "escalate", rect) == 1);
	CHECK(audited(&county, "circular", NULL) == 1);
	CHECK(roles_next_due(county.roles) == UINT64_MAX); /* circulars set no timers */
}

static void test_township_escalation(void)
{
	struct apply_ctx a;
	Carenet__Item *it;
	char id[64], err[512], trect[64] = "";
	long ei;

	CHECK(issue(&t1, KIND_TASK, "530102001:village", "家访 Home visits", "",
	            clock_now + 4 * DAY, id, err) == 0);
	clock_now += 4 * DAY;
	fire(&t1); /* overdue: a rectification to both villages */
	/* The reminders came due together with the deadline: not sent. */
	CHECK(find_last(&t1, CARENET__ITEM__BODY_REMINDER) == -1);
	it = last_item(&t1);
	CHECK(it && it->directive && it->directive->kind == KIND_RECTIFICATION &&
	      it->directive->n_expanded == 2);
	if (it && it->directive)
		snprintf(trect, sizeof(trect), "%s", it->directive->id);
	carenet__item__free_unpacked(it, NULL);
	clock_now += 5 * DAY;
	fire(&t1);
	ei = find_last(&t1, CARENET__ITEM__BODY_ESCALATION);
	it = ei >= 0 ? item_at(&t1, (size_t)ei) : NULL;
	CHECK(it && it->escalation && it->escalation->kind == 1 &&
	      strcmp(it->escalation->directive, trect) == 0 && it->escalation->n_offices == 2);
	carenet__item__free_unpacked(it, NULL);
	CHECK(audited(&t1, "circular", NULL) == 1 && audited(&t1, "escalate", trect) == 1);
	if (ei < 0)
		return;
	CHECK(apply(&county, &t1, (size_t)ei, T1, &a) == 0 && !a.route.up);
	CHECK(audited(&county, "escalate", trect) == 1);
	CHECK(apply(&t2, &t1, (size_t)ei, C, &a) == CN_ESCOPE); /* not from below t2 */
}

/* The county's audit log after the whole story: intact, listed in order. */
static void test_audit(void)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__Empty empty = CARENET__EMPTY__INIT;
	Carenet__AuditRequest since = CARENET__AUDIT_REQUEST__INIT;
	Carenet__ControlReply *rep;
	uint64_t n;

	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_AUDIT_VERIFY;
	req.audit_verify = &empty;
	rep = control(&county, &req);
	CHECK(rep->code == 0 && rep->verified && rep->count > 10);
	n = rep->count;
	done(rep);
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_AUDIT;
	req.audit = &since;
	rep = control(&county, &req);
	CHECK(rep->code == 0 && rep->n_audit == n);
	CHECK(rep->n_audit > 0 && strcmp(rep->audit[0]->action, "issue") == 0 &&
	      strcmp(rep->audit[0]->subject, task) == 0);
	done(rep);
	/* a node request is not the domain's: refused, with a reason */
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_STATUS;
	req.status = &empty;
	rep = control(&county, &req);
	CHECK(rep->code == CN_EINVAL && rep->error[0]);
	done(rep);
}

int main(void)
{
	fx_begin("test_deadlines");
	CHECK(story_issue_task(NULL) == 0);
	story_deliver_task();
	story_statuses();
	story_t2_notice(NULL);
	test_no_autorectify();
	test_reminders();
	test_overdue();
	test_circular();
	test_township_escalation();
	test_audit();
	failures += fx_end();
	if (failures)
		fprintf(stderr, "test_deadlines: %d failures\n", failures);
	return failures ? 1 : 0;
}

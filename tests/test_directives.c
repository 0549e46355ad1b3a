/*
 * test_directives: issuing a directive (refusals, the expansion, the matrix,
 * timers across a restart), receiving and relaying it, the authority rules
 * at every hop, and the kind and state names operators type.
 * Uses the seven offices and the story of tests/roles_fixture.h.
 */
#include "err.h"
#include "roles_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* Kind and state names, English and Chinese, as operators type them. */
static void test_names(void)
{
	CHECK(roles_kind_parse("task") == KIND_TASK && roles_kind_parse("任务") == KIND_TASK);
	CHECK(roles_kind_parse("notice") == KIND_NOTICE &&
	      roles_kind_parse("督导通知") == KIND_NOTICE);
	CHECK(roles_kind_parse("限时整改") == KIND_RECTIFICATION);
	CHECK(roles_kind_parse("限时整改通知") == KIND_RECTIFICATION);
	CHECK(roles_kind_parse("通报") == KIND_CIRCULAR &&
	      roles_kind_parse("circular") == KIND_CIRCULAR);
	CHECK(roles_kind_parse("memo") == 0 && roles_kind_parse("") == 0);
	CHECK(roles_state_parse("in-progress") == STATE_IN_PROGRESS);
	CHECK(roles_state_parse("pending") == 0); /* nobody reports "pending" */
}

static void test_refusals(void)
{
	char err[512], *big = malloc(ROLES_MAX_BODY + 2);
	uint64_t due = clock_now + 10 * DAY;

	memset(big, 'a', ROLES_MAX_BODY + 1);
	big[ROLES_MAX_BODY + 1] = 0;
	CHECK(issue(&v11, KIND_TASK, V11, "t", "", due, NULL, err) == CN_EROLE);
	CHECK(issue(&t1, KIND_TASK, V21, "t", "", due, NULL, err) == CN_ESCOPE);
	CHECK(strstr(err, "target 530102002001 is outside this office's subtree 530102001"));
	CHECK(issue(&t1, KIND_TASK, "530102:village", "t", "", due, NULL, err) == CN_ESCOPE);
	CHECK(strstr(err, "target 530102:village is outside this office's subtree 530102001"));
	CHECK(issue(&county, KIND_TASK, "530103:village", "t", "", due, NULL, err) == CN_ESCOPE);
	CHECK(strstr(err, "target 530103:village is outside this office's subtree 530102"));
	CHECK(issue(&t1, KIND_TASK, "530102001:township", "t", "", due, NULL, err) == CN_EROLE);
	CHECK(issue(&t1, KIND_TASK, "530102001001:village", "t", "", due, NULL, err) == CN_EINVAL);
	CHECK(strstr(err, "no known office matches 530102001001:village"));
	CHECK(issue(&county, KIND_TASK, "12345", "t", "", due, NULL, err) == CN_EINVAL);
	CHECK(issue(&county, KIND_TASK, C, "t", "", due, NULL, err) == CN_ESCOPE); /* itself */
	CHECK(issue(&t1, KIND_TASK, V11 "," T1, "t", "", due, NULL, err) == CN_ESCOPE);
	CHECK(strstr(err, "target 530102001 is outside"));
	CHECK(issue(&county, KIND_TASK, " , ", "t", "", due, NULL, err) == CN_EINVAL);
	CHECK(issue(&county, KIND_TASK, V11, big + ROLES_MAX_BODY - ROLES_MAX_TITLE, "", due, NULL,
	            err) == CN_ETOOBIG); /* 513 bytes */
	CHECK(issue(&county, KIND_TASK, V11, "", "", due, NULL, err) == CN_EINVAL);
	CHECK(issue(&county, KIND_TASK, V11, "t", big, due, NULL, err) == CN_ETOOBIG);
	CHECK(issue(&county, KIND_TASK, V11, "t", "", clock_now, NULL, err) == CN_EINVAL);
	CHECK(strstr(err, "not in the future"));
	CHECK(issue(&county, KIND_TASK, V11, "t", "", clock_now - 60, NULL, err) == CN_EINVAL);
	CHECK(issue(&county, 9, V11, "t", "", due, NULL, err) == CN_EINVAL);
	{ /* a reminder before now */
		Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
		Carenet__IssueRequest q = CARENET__ISSUE_REQUEST__INIT;
		Carenet__ControlReply *rep;
		uint64_t rem[] = {DAY, 11 * DAY};
		req.request_case = CARENET__CONTROL_REQUEST__REQUEST_DIRECTIVE_ISSUE;
		req.directive_issue = &q;
		q.kind = KIND_TASK;
		q.to = V11;
		q.title = "t";
		q.due = due;
		q.remind = rem;
		q.n_remind = 2;
		rep = control(&county, &req);
		CHECK(rep->code == CN_EINVAL && strstr(rep->error, "in the past"));
		done(rep);
	}
	CHECK(county.nitems == 0 && t1.nitems == 0 && v11.nitems == 0);
	CHECK(audited(&county, "issue", NULL) == 0);
	free(big);
}

static void test_issue(void)
{
	Carenet__ControlReply *rep;
	Carenet__Item *it;
	char err[512];

	CHECK(story_issue_task(err) == 0);
	CHECK(strcmp(task, "530102-1") == 0);
	CHECK(county.nitems == 1);
	it = item_at(&county, 0);
	CHECK(it && it->body_case == CARENET__ITEM__BODY_DIRECTIVE);
	if (it && it->directive) {
		const Carenet__Directive *d = it->directive;
		CHECK(d->n_expanded == 4);
		CHECK(d->n_expanded == 4 && strcmp(d->expanded[0], V11) == 0 &&
		      strcmp(d->expanded[3], V22) == 0);
		CHECK(strcmp(d->targets->prefix, C) == 0 &&
		      strcmp(d->targets->role, "village") == 0);
		CHECK(d->n_remind == 2 && d->remind[0] == 3 * DAY);
		CHECK(d->due == task_due && d->kind == KIND_TASK);
	}
	carenet__item__free_unpacked(it, NULL);
	rep = query(&county, "directive.show", task, NULL);
	CHECK(rep->code == 0 && rep->n_directives == 1);
	if (rep->n_directives == 1) {
		const Carenet__DirectiveView *v = rep->directives[0];
		CHECK(v->n_targets == 4);
		for (size_t i = 0; i < v->n_targets; i++)
			CHECK(v->targets[i]->state == STATE_PENDING && !v->targets[i]->overdue);
		CHECK(strcmp(v->issuer, C) == 0 && strcmp(v->targets_spec, "530102:village") == 0);
	}
	CHECK(row_of(rep, V11) && strcmp(row_of(rep, V11)->name, "东村") == 0);
	done(rep);
	CHECK(audited(&county, "issue", task) == 1);
	CHECK(roles_next_due(county.roles) == task_due - 3 * DAY);

	/* Timers and the matrix survive a restart. */
	office_stop(&county);
	office_start(&county);
	CHECK(roles_next_due(county.roles) == task_due - 3 * DAY);
	CHECK(row_state(&county, task, V22, NULL, NULL) == STATE_PENDING);
}

static void test_deliver(void)
{
	struct apply_ctx a;
	Carenet__ControlReply *rep;
	Carenet__Item *it;

	/* A township records and relays towards its own two villages only. */
	CHECK(apply(&t1, &county, 0, C, &a) == 0);
	CHECK(a.ntargets == 2 && has_target(&a, V11) && has_target(&a, V12));
	CHECK(!a.route.up && t1.nitems == 0);
	CHECK(row_state(&t1, task, V11, NULL, NULL) == STATE_PENDING);
	CHECK(row_state(&t1, task, V21, NULL, NULL) == -1);
	rep = query(&t1, "directive.list", NULL, NULL);
	CHECK(rep->code == 0 && rep->n_directives == 1 && rep->directives[0]->n_targets == 2);
	done(rep);
	CHECK(audited(&t1, "relay", task) == 1);
	fire(&t1); /* a township looks once for a pending code change (move_next_due) */
	CHECK(roles_next_due(t1.roles) == UINT64_MAX); /* only the issuer keeps timers */
	CHECK(apply(&t2, &county, 0, C, &a) == 0 && a.ntargets == 2 && has_target(&a, V21));

	/* A target: inbox, and the automatic "delivered" acknowledgement. */
	CHECK(apply(&v11, &county, 0, T1, &a) == 0 && a.ntargets == 0);
	CHECK(v11.nitems == 1);
	it = last_item(&v11);
	CHECK(it && it->body_case == CARENET__ITEM__BODY_STATUS &&
	      strcmp(it->status->directive, task) == 0 && it->status->state == STATE_DELIVERED);
	carenet__item__free_unpacked(it, NULL);
	rep = query(&v11, "inbox", NULL, NULL);
	CHECK(rep->code == 0 && rep->n_directives == 1);
	if (rep->n_directives == 1)
		CHECK(rep->directives[0]->my_state == STATE_DELIVERED &&
		      !rep->directives[0]->overdue &&
		      rep->directives[0]->my_changed_at == clock_now);
	done(rep);
	CHECK(audited(&v11, "deliver", task) == 1);

	/* Replays apply nothing. */
	CHECK(apply(&v11, &county, 0, T1, &a) == 0 && a.ntargets == 0 && v11.nitems == 1);
	CHECK(audited(&v11, "deliver", task) == 1);
	CHECK(apply(&t1, &county, 0, C, &a) == 0 && a.ntargets == 0);
	CHECK(audited(&t1, "relay", task) == 1);

	CHECK(apply(&v12, &county, 0, T1, NULL) == 0 && v12.nitems == 1);
	CHECK(apply(&v21, &county, 0, T2, NULL) == 0 && v21.nitems == 1);
	CHECK(apply(&v22, &county, 0, T2, NULL) == 0 && v22.nitems == 1);

	/* A directive coming up from below is refused. */
	CHECK(apply(&t2, &county, 0, V21, &a) == CN_ESCOPE);
}

static void test_authority_at_hops(void)
{
	struct apply_ctx a;
	char id[64], *one[] = {V11}, *twp[] = {T1};
	size_t i;

	/* A sibling township's directive, and one sent up to the county. */
	story_t2_notice(id); /* V21 receives it */
	CHECK(strcmp(id, T2 "-1") == 0 && v21.nitems == 2);
	CHECK(apply(&v11, &t2, t2.nitems - 1, T1, &a) == CN_ESCOPE);
	CHECK(apply(&county, &t2, t2.nitems - 1, T2, &a) == CN_ESCOPE);

	/* Expanded targets that do not match the spec; a village as issuer;
	 * a due time before the creation time. */
	i = craft_directive(&county, C, "township", one, 1, clock_now + DAY);
	CHECK(apply(&t1, &county, i, C, &a) == CN_EINVAL);
	i = craft_directive(&county, C, "township", twp, 1, clock_now - 1);
	CHECK(apply(&t1, &county, i, C, &a) == CN_EINVAL);
	i = craft_directive(&t1, T1, "village", one, 1, clock_now + DAY);
	CHECK(apply(&v11, &t1, i, T1, &a) == 0); /* the township may */
	i = craft_directive(&v12, T1, "village", one, 1, clock_now + DAY);
	CHECK(apply(&v11, &v12, i, T1, &a) == CN_ESCOPE); /* a sibling village may not */
	CHECK(row_state(&t1, task, V11, NULL, NULL) == STATE_DELIVERED);

	/* Many ids are checked by their likeness to the one before
	 * (rules.c, like_checked); a bad one among good ones is still caught,
	 * and so is one twice, in order or not. */
	{
		char *tail[] = {V11, V12, "53010200100x"}, *other[] = {V11, V12, "530103001003"};
		char *twice[] = {V11, V12, V12}, *unsorted[] = {V12, V11, V12};
		char *mixed[] = {V11, V12, V21};

		i = craft_directive(&county, C, "village", tail, 3, clock_now + DAY);
		CHECK_INT(apply(&t1, &county, i, C, &a), CN_EINVAL);
		CHECK(strstr(a.why, "53010200100x") != NULL);
		i = craft_directive(&county, C, "village", other, 3, clock_now + DAY);
		CHECK_INT(apply(&t1, &county, i, C, &a), CN_ESCOPE);
		i = craft_directive(&county, C, "village", twice, 3, clock_now + DAY);
		CHECK_INT(apply(&t1, &county, i, C, &a), CN_EINVAL);
		CHECK(strstr(a.why, "twice") != NULL);
		i = craft_directive(&county, C, "village", unsorted, 3, clock_now + DAY);
		CHECK_INT(apply(&t1, &county, i, C, &a), CN_EINVAL);
		CHECK(strstr(a.why, "twice") != NULL);
		/* the spec's prefix is longer than the issuer's id: V21 is alike
		 * in the issuer's 6 digits, not in the spec's 9 */
		i = craft_directive(&county, T1, "village", mixed, 3, clock_now + DAY);
		CHECK_INT(apply(&t1, &county, i, C, &a), CN_EINVAL);
		CHECK(strstr(a.why, V21) != NULL);
	}
	drop_after(&county, 1, 1); /* forget the forged, refused items */
	drop_after(&v12, v12.nitems - 1, v12.seq - 1);
}

int main(void)
{
	fx_begin("test_directives");
	test_names();
	test_refusals();
	test_issue();
	test_deliver();
	story_statuses(); /* as test_statuses leaves them */
	test_authority_at_hops();
	failures += fx_end();
	if (failures)
		fprintf(stderr, "test_directives: %d failures\n", failures);
	return failures ? 1 : 0;
}

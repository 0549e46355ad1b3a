/*
 * test_close: an office is closed (撤销; roles/roles_close.c; issue 14 item
 * 5) on the roles fixture: the county's rules (only the county; a township
 * or village of it, known, nothing below it, a sane reason and --into; once),
 * the rows it ends (retired, not overdue, counted nowhere; a status on one
 * leaves it so), the Close down to the village's township and who refuses
 * it (a township's forgery, up the tree, another township, a bad reason),
 * held once, and what the closed village sends afterwards (refused).
 *
 * usage: test_close [TESTDATADIR] (unused). Exits non-zero on any failure.
 */
#include "err.h"
#include "registry.h"
#include "roles_fixture.h"

#include <stdio.h>
#include <string.h>

#include "check.h"

static Carenet__ControlReply *last; /* the last close's reply (freed by the next) */

static int close_req(struct office *o, const char *office, const char *into, const char *reason,
                     int reissue, char *err, uint64_t *retired)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__CloseRequest q = CARENET__CLOSE_REQUEST__INIT;
	Carenet__ControlReply *rep;
	int rc;

	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_CLOSE;
	req.close = &q;
	q.office = (char *)office;
	q.into = (char *)into;
	q.reason = (char *)reason;
	q.reissue = reissue;
	rep = control(o, &req);
	rc = rep->code;
	snprintf(err, 512, "%s", rep->error ? rep->error : "");
	if (rc == 0 && retired)
		*retired = rep->n_closes == 1 ? rep->closes[0]->rows_retired : 999;
	if (last)
		done(last);
	last = rep;
	return rc;
}

static int closed_txn(MDB_txn *txn, void *arg)
{
	struct office *o = ((void **)arg)[0];
	return registry_closed(o->st, txn, ((void **)arg)[1]);
}

static int is_closed(struct office *o, const char *id)
{
	void *a[2] = {o, (void *)id};
	return store_read(o->st, closed_txn, a);
}

static void test_rules(void)
{
	char err[512], big[600];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	CHECK_INT(close_req(&t2, V22, "", "", 0, err, NULL), CN_EROLE);
	CHECK(strstr(err, "only the county") != NULL);
	CHECK_INT(close_req(&county, "530103001", "", "", 0, err, NULL), CN_EINVAL);
	CHECK_INT(close_req(&county, C, "", "", 0, err, NULL), CN_EINVAL);
	CHECK_INT(close_req(&county, "530102002009", "", "", 0, err, NULL), CN_ENOTFOUND);
	CHECK_INT(close_req(&county, T1, "", "", 0, err, NULL), CN_EEXIST); /* villages below */
	CHECK(strstr(err, V11) != NULL && strstr(err, "--township") != NULL);
	CHECK_INT(close_req(&county, V22, "", big, 0, err, NULL), CN_EINVAL);
	CHECK_INT(close_req(&county, V22, "\xff", "", 0, err, NULL), CN_EINVAL); /* --into */
	CHECK_INT(close_req(&county, V22, V22, "", 0, err, NULL), CN_EINVAL);
	CHECK_INT(close_req(&county, V22, "530102002", "\xc3", 0, err, NULL), CN_EINVAL);
	CHECK_INT(is_closed(&county, V22), 0);
}

static void test_close(void)
{
	char err[512] = "";
	uint64_t retired = 0;
	size_t n;
	long ci;
	int overdue = 1;
	struct apply_ctx a;
	Carenet__Item *it;

	char only[64] = "", err2[512] = "";
	const Carenet__CloseView *v;

	/* a notice to V22 alone: issued again to V21 (--reissue); the task is V21's already */
	CHECK_INT(issue(&county, KIND_NOTICE, V22, "只给二村 For V22", "body", task_due, only, err2),
	          0);
	n = county.nitems;
	CHECK_INT(close_req(&county, V22, V21, "并村", 1, err, &retired), 0);
	CHECK_INT(retired, 2); /* the task (V22 had only delivered it) and the notice */
	v = last && last->n_closes == 1 ? last->closes[0] : NULL;
	CHECK(v && v->n_reissued == 1 && v->n_reissued_from == 1 &&
	      !strcmp(v->reissued_from[0], only));
	if (v && v->n_reissued == 1) {
		Carenet__ControlReply *sh = query(&county, "directive.show", v->reissued[0], NULL);
		CHECK(sh && sh->n_directives == 1 && sh->directives[0]->n_targets == 1 &&
		      !strcmp(sh->directives[0]->targets[0]->id, V21) &&
		      strstr(sh->directives[0]->body, only) != NULL &&
		      !strcmp(sh->directives[0]->title, "只给二村 For V22"));
		done(sh);
	}
	CHECK_INT(is_closed(&county, V22), 1);
	CHECK_INT(audited(&county, "close", V22), 1);
	CHECK_INT(row_state(&county, task, V22, &overdue, NULL), STATE_RETIRED);
	CHECK_INT(close_req(&county, V22, "", "", 0, err, NULL), CN_EINVAL); /* once */
	CHECK(strstr(err, "was closed") != NULL);
	CHECK_INT(county.nitems, n + 2); /* the notice again, the Close; nothing for the refusals */
	ci = find_last(&county, CARENET__ITEM__BODY_CLOSE);
	CHECK(ci >= 0);
	if (ci < 0)
		return;
	it = item_at(&county, (size_t)ci);
	CHECK(it && it->close->n_down == 1 && !strcmp(it->close->down[0], T2) &&
	      !strcmp(it->close->office, V22) && !strcmp(it->close->into, V21));
	carenet__item__free_unpacked(it, NULL);

	/* its township: rows ended, held once; nobody else takes it */
	CHECK_INT(apply(&t2, &county, (size_t)ci, C, &a), 0);
	CHECK_INT(a.ntargets, 0);
	CHECK(!a.route.up);
	CHECK_INT(is_closed(&t2, V22), 1);
	CHECK_INT(row_state(&t2, task, V22, &overdue, NULL), STATE_RETIRED);
	CHECK_INT(apply(&t2, &county, (size_t)ci, C, &a), 0); /* again: held, not audited twice */
	CHECK_INT(audited(&t2, "close", V22), 1);
	CHECK_INT(apply(&t1, &county, (size_t)ci, C, &a), CN_ESCOPE);
	CHECK_INT(apply(&v22, &county, (size_t)ci, T2, &a), CN_ESCOPE);
	CHECK_INT(apply(&county, &county, (size_t)ci, T2, &a), CN_EROLE); /* up the tree */

	/* forgeries: the same Close signed by a township; a bad reason */
	it = item_at(&county, (size_t)ci);
	if (it) {
		Carenet__Item f = CARENET__ITEM__INIT;
		char *office = it->close->office, *reason = it->close->reason;
		size_t fi;
		f.body_case = CARENET__ITEM__BODY_CLOSE;
		f.close = it->close;
		fi = craft(&t1, &f);
		CHECK_INT(apply(&t2, &t1, fi, C, &a), CN_EROLE);
		f.close->office = V21;
		f.close->reason = "\xe4\xb8";
		fi = craft(&county, &f);
		CHECK_INT(apply(&t2, &county, fi, C, &a), CN_EINVAL);
		CHECK_INT(is_closed(&t2, V21), 0);
		f.close->office = office; /* its own again: freed with it */
		f.close->reason = reason;
		carenet__item__free_unpacked(it, NULL);
	}

	/* V22's status after the close: refused where the close is held */
	CHECK_INT(ack(&v22, task, STATE_DONE, "done", 0), 0);
	CHECK_INT(apply(&t2, &v22, v22.nitems - 1, V22, &a), CN_EROLE);
	CHECK(strstr(a.why, "was closed") != NULL);
	CHECK_INT(apply(&county, &v22, v22.nitems - 1, T2, &a), CN_EROLE);
	CHECK_INT(row_state(&county, task, V22, &overdue, NULL), STATE_RETIRED);

	/* past due: V21 is overdue, V22 is not and gets no reminder */
	clock_now = task_due + 60;
	fire(&county);
	CHECK_INT(row_state(&county, task, V22, &overdue, NULL), STATE_RETIRED);
	CHECK_INT(overdue, 0);
	CHECK_INT(row_state(&county, task, V21, &overdue, NULL), STATE_DELIVERED);
	CHECK_INT(overdue, 1);
	CHECK_INT(list_count(&county, "overdue"), 2); /* the task, the notice issued again */
}

int main(void)
{
	char err[512] = "";

	fx_begin("test_close");
	CHECK_INT(story_issue_task(err), 0);
	story_deliver_task();
	story_statuses(); /* V11 accepted, V12 done, V21 and V22 delivered */
	test_rules();
	test_close();
	if (last)
		done(last);
	printf("test_close: %d checks, %d failures\n", checks, failures);
	return (fx_end() || failures) ? 1 : 0;
}

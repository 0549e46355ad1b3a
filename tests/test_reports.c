/*
 * test_reports: mandatory reports (roles/reports/) between real roles over
 * real stores — a village's report applied at its township and the county
 * (routed up, then nowhere); a step that reaches the county before its
 * report is kept and applied when the report arrives (same state as in the
 * other order); the same report again (straight from the village, as after
 * a failover) is a no-op, and a village's report arriving straight at the
 * county records the hop village -> county; a hop not acknowledged in time
 * is escalated by the county (holder, alert, the escalate step routed down
 * to the reporting village through its township); the operator's rules
 * (the reporter does not acknowledge; only the county opens a case).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "err.h"
#include "roles_fixture.h"

/* The report as o holds it: a copy of state and holder; -1 if not held. */
static int held(struct office *o, const char *id, char *state, char *holder, size_t *nhops,
                size_t *nsteps)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ReportShowRequest q = CARENET__REPORT_SHOW_REQUEST__INIT;
	Carenet__ControlReply *rep;
	int rc;

	q.id = (char *)id;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_REPORT_SHOW;
	req.report_show = &q;
	rep = control(o, &req);
	rc = rep->code == 0 && rep->n_reports == 1 ? 0 : -1;
	if (rc == 0) {
		snprintf(state, 32, "%s", rep->reports[0]->state);
		snprintf(holder, 32, "%s", rep->reports[0]->holder);
		*nhops = rep->reports[0]->n_hops;
		*nsteps = rep->reports[0]->n_steps;
	}
	done(rep);
	return rc;
}

static int alert_count(const char *text, void *arg)
{
	(void)text;
	++*(int *)arg;
	return 0;
}

static int alerts_txn(MDB_txn *txn, void *arg)
{
	int *n = arg;
	return roles_alerts(county.roles, txn, alert_count, n);
}

static void kept_and_duplicate(void)
{
	struct apply_ctx a;
	char id[64], st[32], h[32], err[512];
	size_t nh, ns, ri, ai;

	CHECK_INT(report_file(&v11, id), 0);
	ri = v11.nitems - 1;
	CHECK_INT(report_step(&v11, id, REPORT_STEP_ACK, err), CN_EROLE); /* the reporter itself */
	CHECK_INT(apply(&t1, &v11, ri, V11, &a), 0);
	CHECK(a.route.up && a.ntargets == 0);
	CHECK_INT(held(&t1, id, st, h, &nh, &ns), 0);
	CHECK_STR(st, "open");
	CHECK_STR(h, T1);
	CHECK_INT(report_step(&county, id, REPORT_STEP_ACK, NULL), CN_ENOTFOUND);
	CHECK_INT(report_step(&t1, id, REPORT_STEP_ACK, err), 0);
	ai = t1.nitems - 1;
	/* The ack reaches the county before the report: kept, routed on. */
	CHECK_INT(apply(&county, &t1, ai, T1, &a), 0);
	CHECK(!a.route.up && a.ntargets == 0);
	CHECK_INT(held(&county, id, st, h, &nh, &ns), -1);
	CHECK_INT(apply(&county, &v11, ri, T1, &a), 0);
	CHECK(!a.route.up && a.ntargets == 0);
	CHECK_INT(held(&county, id, st, h, &nh, &ns), 0);
	CHECK_STR(st, "acknowledged");
	CHECK_INT((long long)ns, 1);
	CHECK_INT(audited(&county, "report-step", id), 1);
	/* The same report again, straight from the village: nothing happens. */
	CHECK_INT(apply(&county, &v11, ri, V11, &a), 0);
	CHECK(!a.route.up && a.ntargets == 0);
	CHECK_INT(audited(&county, "report", id), 1);
	CHECK_INT(apply(&county, &t1, ai, T1, &a), 0);
	CHECK_INT(audited(&county, "report-step", id), 1);
	/* The ack goes down to the village too. */
	CHECK_INT(apply(&v11, &t1, ai, T1, &a), 0);
	CHECK_INT(held(&v11, id, st, h, &nh, &ns), 0);
	CHECK_STR(st, "acknowledged");
	CHECK_INT(report_step(&t1, id, REPORT_STEP_OPEN_CASE, err), CN_EROLE);
}

static void direct_and_escalate(void)
{
	struct apply_ctx a;
	char id[64], st[32], h[32];
	size_t nh, ns, ri, ei;
	int n = 0;

	CHECK_INT(report_file(&v21, id), 0);
	ri = v21.nitems - 1;
	/* Straight to the county (the township unreachable): accepted, hop recorded. */
	CHECK_INT(apply(&county, &v21, ri, V21, &a), 0);
	CHECK_INT(held(&county, id, st, h, &nh, &ns), 0);
	CHECK_INT((long long)nh, 2);
	CHECK_STR(h, T2);
	clock_now += 3601;
	ei = county.nitems;
	fire(&county);
	CHECK_INT((long long)county.nitems, (long long)ei + 1);
	CHECK_INT(held(&county, id, st, h, &nh, &ns), 0);
	CHECK_STR(st, "escalated");
	CHECK_STR(h, C);
	CHECK_INT((long long)nh, 3);
	CHECK_INT(store_read(county.st, alerts_txn, &n), 0);
	CHECK_INT(n, 1);
	fire(&county); /* once only */
	CHECK_INT((long long)county.nitems, (long long)ei + 1);
	/* The township, back: the report, then the escalation, routed down. */
	CHECK_INT(apply(&t2, &v21, ri, V21, &a), 0);
	CHECK_INT(apply(&t2, &county, ei, C, &a), 0);
	CHECK(!a.route.up && has_target(&a, V21));
	CHECK_INT(held(&t2, id, st, h, &nh, &ns), 0);
	CHECK_STR(st, "escalated");
	CHECK_INT(report_step(&t2, id, REPORT_STEP_ACK, NULL), CN_EROLE); /* no longer its to hold */
	CHECK_INT(apply(&v21, &county, ei, T2, &a), 0);
	CHECK_INT(held(&v21, id, st, h, &nh, &ns), 0);
	CHECK_STR(h, C);
	/* The county acknowledges: the alert goes. */
	CHECK_INT(report_step(&county, id, REPORT_STEP_ACK, NULL), 0);
	n = 0;
	CHECK_INT(store_read(county.st, alerts_txn, &n), 0);
	CHECK_INT(n, 0);
	CHECK_INT(held(&county, id, st, h, &nh, &ns), 0);
	CHECK_STR(st, "acknowledged");
	CHECK_INT(report_step(&county, id, REPORT_STEP_OPEN_CASE, NULL), 0);
}

/* Filed with the police told a second ago by the CLI's clock and no
 * discovery time: discovered then, not after (the delay is 0 h, not
 * unknown). */
static void told_before_filed(void)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ReportFileRequest q = CARENET__REPORT_FILE_REQUEST__INIT;
	Carenet__Report p = CARENET__REPORT__INIT;
	Carenet__ControlReply *rep;
	char *sit[] = {"S01"};
	long i;

	p.situation = sit;
	p.n_situation = 1;
	p.summary = "独居 alone";
	p.child_description = "男孩";
	p.police_unit = "红云派出所";
	p.police_reported_at = clock_now - 1;
	q.report = &p;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_REPORT_FILE;
	req.report_file = &q;
	rep = control(&v12, &req);
	CHECK_INT(rep->code, 0);
	done(rep);
	i = find_last(&v12, CARENET__ITEM__BODY_REPORT);
	CHECK(i >= 0);
	if (i >= 0) {
		Carenet__Item *it = item_at(&v12, (size_t)i);
		CHECK(it && it->report->discovered_at == clock_now - 1 &&
		      it->report->filed_at == clock_now);
		carenet__item__free_unpacked(it, NULL);
	}
}

int main(void)
{
	fx_begin("test_reports");
	kept_and_duplicate();
	direct_and_escalate();
	told_before_filed();
	printf("test_reports: %d checks, %d failures\n", checks, failures);
	return (fx_end() || failures) ? 1 : 0;
}

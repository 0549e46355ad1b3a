/*
 * test_move_reports: a mandatory report filed by a village before it moved
 * (issue 14 item 5; roles/reports/report_apply.c, report_office_now) stays
 * the report of the id it was filed under, and the village goes on working
 * it under its new id: the county's steps reach it through its new
 * township (and still reach its old one, which holds the report too), its
 * own updates are taken, a step's `down` names the new id for the engine.
 * The new township takes no report's role: its steps on it are refused.
 *
 * usage: test_move_reports. Exits non-zero on any failure.
 */
#include "err.h"
#include "roles_fixture.h"

#include <stdio.h>
#include <string.h>

#include "check.h"

#define NEW "530102002009"

/* The number of steps o holds on report id; -1 if it holds no such report. */
static long steps_held(struct office *o, const char *id)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ReportShowRequest q = CARENET__REPORT_SHOW_REQUEST__INIT;
	Carenet__ControlReply *rep;
	long n = -1;

	q.id = (char *)id;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_REPORT_SHOW;
	req.report_show = &q;
	rep = control(o, &req);
	if (rep->code == 0 && rep->n_reports == 1)
		n = (long)rep->reports[0]->n_steps;
	done(rep);
	return n;
}

/* The last step o emitted: its `down` into down (16). */
static long last_step(struct office *o, char *down)
{
	long i = find_last(o, CARENET__ITEM__BODY_REPORT_STEP);
	Carenet__Item *it = i >= 0 ? item_at(o, (size_t)i) : NULL;

	CHECK(it != NULL);
	snprintf(down, 16, "%s", it ? it->report_step->down : "?");
	carenet__item__free_unpacked(it, NULL);
	return i;
}

int main(void)
{
	char err[512] = "", rid[64] = "", down[16];
	struct apply_ctx a;
	long ri, si, mi, ai;

	fx_begin("test_move_reports");
	/* before the move: V11 files, T1 and the county hold it */
	CHECK_INT(report_file(&v11, rid), 0);
	ri = find_last(&v11, CARENET__ITEM__BODY_REPORT);
	CHECK(ri >= 0);
	CHECK_INT(apply(&t1, &v11, (size_t)ri, V11, &a), 0);
	CHECK_INT(apply(&county, &v11, (size_t)ri, T1, &a), 0);
	CHECK_INT(steps_held(&county, rid), 0);

	/* the county moves V11 to NEW under T2; the Move reaches T1, T2, V11 */
	CHECK_INT(move_req(&county, V11, NEW, err), 0);
	mi = find_last(&county, CARENET__ITEM__BODY_MOVE);
	CHECK(mi >= 0);
	CHECK_INT(apply(&t1, &county, (size_t)mi, C, &a), 0);
	CHECK_INT(apply(&t2, &county, (size_t)mi, C, &a), 0);
	CHECK_INT(apply(&v11, &county, (size_t)mi, T1, &a), 0);
	/* the switch (move apply): the same store, the new id */
	snprintf(v11.keyid, sizeof(v11.keyid), "%s", V11);
	snprintf(v11.me.id, sizeof(v11.me.id), "%s", NEW);

	/* a county's step: down names NEW; T2 takes it on to NEW, T1 keeps it */
	CHECK_INT(report_step(&county, rid, REPORT_STEP_UPDATE, err), 0);
	si = last_step(&county, down);
	CHECK(!strcmp(down, NEW));
	CHECK_INT(apply(&t2, &county, (size_t)si, C, &a), 0);
	CHECK(a.ntargets == 1 && has_target(&a, NEW) && !a.route.up);
	CHECK_INT(apply(&t1, &county, (size_t)si, C, &a), 0);
	CHECK_INT(a.ntargets, 0); /* NEW is not below T1, V11 is gone */
	CHECK_INT(steps_held(&t1, rid), 1);
	CHECK_INT(apply(&v11, &county, (size_t)si, T2, &a), 0);
	CHECK_INT(steps_held(&v11, rid), 1);

	/* the village's own update, under NEW: through T2 to the county, and
	 * no further (T1 is on another branch than its origin) */
	CHECK_INT(report_step(&v11, rid, REPORT_STEP_UPDATE, err), 0);
	si = last_step(&v11, down);
	CHECK(!strcmp(down, NEW));
	CHECK_INT(apply(&t2, &v11, (size_t)si, NEW, &a), 0);
	CHECK(a.route.up && a.ntargets == 0);
	CHECK_INT(apply(&county, &v11, (size_t)si, T2, &a), 0);
	CHECK(a.ntargets == 0 && !a.route.up);
	CHECK_INT(steps_held(&county, rid), 2);

	/* T1 still holds the hop and acknowledges: up to the county, which
	 * sends it down to NEW (a report step may cross to the other branch);
	 * the county's next step reaches NEW and T1 */
	CHECK_INT(report_step(&t1, rid, REPORT_STEP_ACK, err), 0);
	si = ai = last_step(&t1, down);
	CHECK(!strcmp(down, NEW));
	CHECK_INT(apply(&county, &t1, (size_t)si, T1, &a), 0);
	CHECK(a.ntargets == 1 && has_target(&a, NEW));
	CHECK_INT(apply(&t2, &t1, (size_t)si, C, &a), 0);
	CHECK(a.ntargets == 1 && has_target(&a, NEW));
	CHECK_INT(apply(&v11, &t1, (size_t)si, T2, &a), 0);
	CHECK_INT(apply(&v12, &t1, (size_t)si, T1, &a), CN_ESCOPE); /* not its report */
	CHECK_INT(steps_held(&county, rid), 3);
	CHECK_INT(steps_held(&v11, rid), 3);
	CHECK_INT(report_step(&county, rid, REPORT_STEP_REFER, err), 0);
	si = last_step(&county, down);
	CHECK_INT(apply(&t2, &county, (size_t)si, C, &a), 0);
	CHECK(a.ntargets == 1 && has_target(&a, NEW));
	CHECK_INT(apply(&v11, &county, (size_t)si, T2, &a), 0);
	CHECK_INT(steps_held(&v11, rid), 4); /* update, own update, T1's ack, refer */
	CHECK_INT(apply(&t1, &county, (size_t)si, C, &a), 0);
	CHECK_INT(steps_held(&t1, rid), 3); /* update, own ack, refer */

	/* the new township is not above the report's office: its ack is refused */
	{
		Carenet__Item *it = item_at(&t1, (size_t)ai);
		Carenet__Item f = CARENET__ITEM__INIT;
		size_t fi;
		CHECK(it != NULL);
		if (it) {
			Carenet__ReportStep s = *it->report_step;
			s.id = "530102002-step1";
			s.by = T2;
			f.body_case = CARENET__ITEM__BODY_REPORT_STEP;
			f.report_step = &s;
			fi = craft(&t2, &f);
			CHECK_INT(apply(&county, &t2, fi, T2, &a), CN_EROLE);
			carenet__item__free_unpacked(it, NULL);
		}
	}
	CHECK_INT(steps_held(&county, rid), 4);
	printf("test_move_reports: %d checks, %d failures\n", checks, failures);
	return (fx_end() || failures) ? 1 : 0;
}

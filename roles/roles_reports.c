/*
 * roles_reports: what reports need from two domains, at roles top (the only
 * place that calls into more than one): a report naming a child checked
 * against the records held here, a report filed from a hotline call naming
 * it in the call's record, and the operator's report requests dispatched to
 * roles/reports/.
 */
#include "err.h"
#include "records.h"
#include "reports.h"
#include "roles_int.h"
#include "roles_reports.h"

#include <stdio.h>
#include <string.h>

/* A child a report names: if its record is held here, it is a child whose
 * owner is the reporting office (or below it). */
static int child_ok(struct roles *r, MDB_txn *txn, const char *child, const char *office, char *why,
                    size_t wl)
{
	struct rec rc;
	int ret;

	if (strlen(child) >= REC_ID_MAX || !r->env.open)
		return 0;
	memset(&rc, 0, sizeof(rc));
	ret = rec_get(r, txn, child, &rc);
	if (ret == CN_ENOTFOUND)
		return 0;
	if (ret != 0)
		return ret;
	if (strcmp(rc.t->name, "child") != 0) {
		roles_why(why, wl, "record %s named as the report's child is a %s record", child,
		          rc.t->name);
		ret = CN_EINVAL;
	} else if (strcmp(rc.owner, office) != 0 && !records_above(office, rc.owner)) {
		roles_why(why, wl, "child %s belongs to %s, not to the reporting office %s", child,
		          rc.owner, office);
		ret = CN_ESCOPE;
	}
	rec_clear(&rc);
	return ret;
}

int roles_report_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                       const struct pki_identity *origin, const char *from,
                       struct roles_route *route, char *why, size_t whylen)
{
	return reports_apply(r, txn, item, origin, from, route, child_ok, why, whylen);
}

/* report file --hotline CALL: the call's record names the report, in the
 * filing's transaction. */
static int filed(struct roles *r, MDB_txn *txn, const char *report_id,
                 const Carenet__ReportFileRequest *q)
{
	return q->hotline && q->hotline[0] ? records_hotline_reported(r, txn, q->hotline, report_id)
	                                   : 0;
}

int roles_report_file(struct roles *r, const Carenet__ControlRequest *req,
                      Carenet__ControlReply *rep)
{
	return reports_file_req(r, req->report_file, rep, child_ok, filed);
}

int roles_report_step(struct roles *r, const Carenet__ControlRequest *req,
                      Carenet__ControlReply *rep)
{
	return reports_step_req(r, req->report_step, rep);
}

int roles_report_list(struct roles *r, const Carenet__ControlRequest *req,
                      Carenet__ControlReply *rep)
{
	return reports_list_req(r, req->report_list, rep);
}

int roles_report_show(struct roles *r, const Carenet__ControlRequest *req,
                      Carenet__ControlReply *rep)
{
	return reports_show_req(r, req->report_show, rep);
}

/* `report open-case ID` at the county: an R14 case from the report (records)
 * and the open_case step naming it (reports), in one transaction. */
struct case_ctx {
	struct roles *r;
	const Carenet__ReportStepRequest *q;
	char id[REC_ID_MAX];
};

static int open_case_txn(MDB_txn *txn, void *arg)
{
	struct case_ctx *c = arg;
	struct roles *r = c->r;
	Carenet__ReportStepRequest s = *c->q;
	Carenet__ReportState *st = NULL;
	int ret = report_get(r, txn, c->q->id, &st);

	if (ret == CN_ENOTFOUND)
		roles_why(r->err, sizeof(r->err),
		          "no report %.64s here (carenet report list shows the reports held)",
		          c->q->id);
	if (ret != 0)
		return ret;
	if (strlen(r->env.me->id) != 6) {
		roles_why(r->err, sizeof(r->err), "only the county opens a case from a report");
		ret = CN_EROLE;
	} else if (st->case_id[0]) {
		roles_why(r->err, sizeof(r->err), "report %s already has case %s", c->q->id,
		          st->case_id);
		ret = CN_EINVAL;
	} else {
		ret = records_case_open(r, txn, "R12", st->report->id, st->report->child,
		                        st->report->child_description, c->id, sizeof(c->id));
	}
	carenet__report_state__free_unpacked(st, NULL);
	if (ret != 0)
		return ret;
	s.kind = REPORT_STEP_OPEN_CASE;
	s.ref = c->id;
	return reports_step_txn(r, txn, &s);
}

int roles_report_open_case(struct roles *r, const Carenet__ControlRequest *req,
                           Carenet__ControlReply *rep)
{
	struct case_ctx c = {r, req->report_open_case, ""};
	int ret;

	if (!r->env.seal || !r->env.open)
		return CN_EPERM;
	if ((ret = r->env.write(r->env.arg, open_case_txn, &c)) == 0) {
		snprintf(r->id, sizeof(r->id), "%s", c.id);
		rep->id = r->id;
	}
	return ret;
}

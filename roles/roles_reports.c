/*
 * roles_reports: what reports need from two domains, at roles top (the only
 * place that calls into more than one): a report naming a child checked
 * against the records held here, and the operator's report requests
 * dispatched to roles/reports/.
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
static int child_ok(struct roles *r, MDB_txn *txn, const char *child, const char *office,
                    char *why, size_t wl)
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

int roles_report_file(struct roles *r, const Carenet__ControlRequest *req,
                      Carenet__ControlReply *rep)
{
	return reports_file_req(r, req->report_file, rep, child_ok);
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

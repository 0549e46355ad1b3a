/*
 * roles_inspect: an inspector's question over its session (wire
 * InspectQuery, node/node_inspect.c): the evaluation of the part of this
 * node's subtree the inspector's scope covers, as the control request
 * `compliance` gives it (roles/compliance, through roles_control). The
 * office asked for must lie in the inspector's scope (the scope is in its
 * id, I<SCOPE>-<TAG>, which its certificate carries and HELLO verified);
 * compliance itself refuses an office outside this node's subtree. Every
 * query is audited here, answered or refused: who, what scope, what office.
 */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "office.h"
#include "roles_int.h"

struct iq {
	struct roles *r;
	const char *inspector, *scope, *office, *standards, *outcome;
};

static int audit_txn(MDB_txn *txn, void *arg)
{
	struct iq *a = arg;

	return roles_audit(a->r, txn, a->inspector, "inspect", a->office,
	                   "inspector %s (scope %s) asked for %s at office %s: %s", a->inspector,
	                   a->scope, a->standards, a->office, a->outcome);
}

/* The office asked for: as given, else the lower of the scope and this node. */
static const char *office_of(const struct roles *r, const char *scope,
                             const Carenet__InspectQuery *q)
{
	const char *me = r->env.me->id;

	if (q->office[0])
		return q->office;
	return strlen(scope) > strlen(me) ? scope : me;
}

static int run(struct roles *r, const char *office, const Carenet__InspectQuery *q,
               Carenet__ControlReply *rep)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ComplianceRequest c = CARENET__COMPLIANCE_REQUEST__INIT;

	c.standards = q->standards, c.n_standards = q->n_standards;
	c.office = (char *)office, c.at = q->at;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_COMPLIANCE;
	req.compliance = &c;
	return roles_control(r, &req, rep);
}

int roles_inspect(struct roles *r, const char *inspector, const Carenet__InspectQuery *q,
                  Carenet__ControlReply *rep)
{
	char scope[PKI_ID_MAX] = "", ids[256] = "";
	struct iq a = {r, inspector, scope, "", ids, "answered"};
	int rc;

	for (size_t i = 0; i < q->n_standards; i++)
		snprintf(ids + strlen(ids), sizeof(ids) - strlen(ids), "%s%s", i ? "," : "",
		         q->standards[i]);
	if (pki_inspector_scope(inspector, scope, sizeof(scope)) != 0) {
		roles_why(r->err, sizeof(r->err), "%s is not an inspector", inspector);
		rep->code = CN_EROLE, rep->error = r->err;
		return CN_EROLE;
	}
	a.office = office_of(r, scope, q);
	if (!pki_scope_covers(scope, a.office)) {
		roles_why(r->err, sizeof(r->err),
		          "office %s is outside inspector %s's scope %s: ask for an office whose id "
		          "begins with %s",
		          a.office, inspector, scope, scope);
		rep->code = rc = CN_ESCOPE, rep->error = r->err;
	} else {
		rc = run(r, a.office, q, rep);
	}
	if (rc)
		a.outcome = rep->error ? rep->error : cn_strerror(rc);
	if (r->env.write)
		r->env.write(r->env.arg, audit_txn, &a);
	return rc;
}

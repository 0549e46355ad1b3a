/*
 * roles_inspect: an inspector's question over its session (wire
 * InspectQuery, node/node_inspect.c): the evaluation of the part of this
 * node's subtree the inspector's scope covers, as the control request
 * `compliance` gives it (roles/compliance, through roles_control). The
 * office asked for must lie in the inspector's scope (the scope is in its
 * id, I<SCOPE>-<TAG>, which its certificate carries and HELLO verified);
 * compliance itself refuses an office outside this node's subtree. Every
 * query is audited here, answered or refused: who, what scope, what office.
 * Findings (R28, roles_finding_apply): the compliance domain checks and
 * keeps them (roles/compliance/finding.c); the first node that takes a
 * failing one with rectify_days issues a rectification order (限时整改) to
 * the office through the directives domain, naming the finding (ref).
 */
#include <stdio.h>
#include <string.h>

#include "compliance.h"
#include "directives.h"
#include "err.h"
#include "moved.h"
#include "office.h"
#include "roles_int.h"
#include "utf8.h"

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
		roles_why(
		    r->err, sizeof(r->err),
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

/* ---- findings (R28): checked and kept by the compliance domain; the
 * first node that takes a failing one with rectify_days orders 限时整改 ---- */

static int order_rectification(struct roles *r, MDB_txn *txn, const Carenet__Item *it)
{
	const Carenet__Finding *f = it->finding;
	Carenet__Targets t = CARENET__TARGETS__INIT;
	struct issue_spec s = {0};
	char title[ROLES_MAX_TITLE + 64], body[2048], id[ROLES_ID_MAX], why[512] = "";
	char *office = f->office, *ind = f->indicator, now[PKI_ID_MAX];
	int rc;

	/* an office that moved is ordered under the id it has now (where the
	 * order can reach it: below this node, else refused and audited) */
	if ((rc = moved_now(r->env.store, txn, f->office, now, sizeof(now))) == 0)
		office = now;
	else if (rc != CN_ENOTFOUND)
		return rc;

	snprintf(title, sizeof(title), "限时整改 Rectification: %s", f->indicator);
	utf8_cut(title, ROLES_MAX_TITLE);
	snprintf(body, sizeof(body),
	         "督查发现 inspector %s found %s failing on %s (%s, finding %s): %.1200s "
	         "请于期限内整改并报告。 Rectify by the deadline and report with carenet ack.",
	         it->origin, f->indicator, f->office, f->method, f->id, f->note);
	utf8_cut(body, sizeof(body) - 1);
	t.ids = &office, t.n_ids = 1;
	s.kind = KIND_RECTIFICATION;
	s.title = title, s.body = body, s.ref = f->id;
	s.targets = &t, s.expanded = &office, s.nexpanded = 1;
	s.indicators = &ind, s.nindicators = 1;
	s.due = roles_now(r) + (uint64_t)f->rectify_days * 86400u;
	s.action = "rectify", s.note = f->id;
	rc = directive_issue(r, txn, &s, id, why, sizeof(why));
	if (rc == CN_EINVAL || rc == CN_ESCOPE || rc == CN_EROLE || rc == CN_ETOOBIG)
		return roles_audit(r, txn, r->env.me->id, "refused", f->id, "rectify: %s", why);
	return rc;
}

int roles_finding_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                        const struct pki_identity *origin, const char *from,
                        struct roles_route *route, char *why, size_t whylen)
{
	const Carenet__Finding *f = item->finding;
	int rc;

	if (origin->role != PKI_ROLE_INSPECTOR)
		return roles_why(why, whylen, "%s is no inspector: only inspectors make findings",
		                 origin->id),
		       CN_EROLE;
	if ((rc = finding_check(r, item, from, why, whylen)) != 0 ||
	    (rc = finding_keep(r, txn, item)) != 0)
		return rc == 1 ? 0 : rc; /* 1: held already, neither relayed nor ordered again */
	route->up = r->env.me->role != PKI_ROLE_COUNTY;
	if (strcmp(from, origin->id) || strcmp(f->result, "fail") || !f->rectify_days ||
	    f->rectify_days > 365)
		return 0;
	/* not about this office, under its id now or a former one: it would
	 * order itself */
	if ((rc = roles_is_me(r, txn, f->office)) != 0)
		return rc < 0 ? rc : 0;
	return order_rectification(r, txn, item);
}

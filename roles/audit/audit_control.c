/*
 * audit_control: the audit domain's operator requests — the audit log's
 * entries, its verification, and the children's checkpoints kept here
 * (routed here by roles/roles_control.c's table). Views are released by
 * roles_control_free().
 */
#include "audit.h"
#include "checkpoints.h"
#include "err.h"
#include "office.h"
#include "roles_int.h"

#include <stdio.h>

struct audit_ctx {
	struct roles *r;
	uint64_t since;
	Carenet__ControlReply *rep;
	int verify;
};

static int audit_txn(MDB_txn *txn, void *arg)
{
	struct audit_ctx *c = arg;
	struct roles *r = c->r;
	uint64_t n = 0;
	int rc;

	if (!c->verify)
		return audit_list(r->env.store, txn, c->since, 0, &c->rep->audit, &c->rep->n_audit);
	rc = audit_verify(r->env.store, txn, &n, r->detail, sizeof(r->detail));
	if (rc != 0 && rc != CN_EVERIFY)
		return rc;
	c->rep->verified = rc == 0;
	c->rep->count = n;
	if (rc == 0)
		snprintf(r->detail, sizeof(r->detail), "%llu entries, hash chain intact",
		         (unsigned long long)n);
	c->rep->detail = r->detail;
	return 0;
}

struct ckpt_ctx {
	struct roles *r;
	const char *office;
	Carenet__ControlReply *rep;
};

static int ckpt_txn(MDB_txn *txn, void *arg)
{
	struct ckpt_ctx *c = arg;
	return checkpoint_list(c->r, txn, c->office, c->rep);
}

int audit_list_req(struct roles *r, const Carenet__ControlRequest *req,
                     Carenet__ControlReply *rep)
{
	struct audit_ctx c = {r, req->audit->since, rep, 0};
	return store_read(r->env.store, audit_txn, &c);
}

int audit_verify_req(struct roles *r, const Carenet__ControlRequest *req,
                      Carenet__ControlReply *rep)
{
	struct audit_ctx c = {r, 0, rep, 1};

	(void)req;
	return store_read(r->env.store, audit_txn, &c);
}

int audit_checkpoints_req(struct roles *r, const Carenet__ControlRequest *req,
                           Carenet__ControlReply *rep)
{
	struct ckpt_ctx c = {r, req->audit_checkpoints->office, rep};
	int rc;

	if (c.office[0] && !pki_is_direct_child(r->env.me->id, c.office)) {
		roles_why(r->err, sizeof(r->err),
		          "%.40s is not a direct child of %s: a node keeps its children's "
		          "checkpoints",
		          c.office, r->env.me->id);
		return CN_EINVAL;
	}
	if ((rc = store_read(r->env.store, ckpt_txn, &c)) != 0)
		checkpoint_views_free(rep);
	return rc;
}

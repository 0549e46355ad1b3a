/*
 * roles_control: the domain's requests on the control socket (members of
 * ControlRequest's oneof), dispatched by one table indexed by the oneof
 * case to the domain that owns each: roles/directives/directive_control.c
 * (directive_issue, directive_list, directive_show, inbox, ack),
 * roles/audit/audit_control.c (audit, audit_verify, audit_checkpoints),
 * roles/records/ (record_write, record_list, record_show; with case_open and
 * related: cases.c), roles_reports.c (report_file, report_step, report_list,
 * report_show, report_open_case: on to roles/reports/, with the records
 * checks a report needs), roles/compliance/ (compliance: fed the records
 * held here through records_each inside one read txn, the reports as
 * records of type `report` through roles_reports_each, the children with
 * their reviews as `review` through records_review_each), roles_bulletin.c
 * (bulletin: directives, reports, records and compliance of a month). directive_issue passes through directive_issue_req
 * here first: a --ref naming a county record must be a case held here.
 *
 * roles_control() returns the request's result (0 or a negative error),
 * which is also in rep->code, with the reason in rep->error; CN_EINVAL for
 * a request that is not the domain's.
 *
 * Memory: rep->error, rep->id and rep->detail point into struct roles and
 * stay valid until the next roles_control() or roles_free(); the views
 * (rep->directives, rep->audit, checkpoints, records) are malloc'd and
 * released by roles_control_free().
 */
#include "audit.h"
#include "checkpoints.h"
#include "compliance.h"
#include "directives.h"
#include "docs.h"
#include "err.h"
#include "records.h"
#include "reports.h"
#include "roles_int.h"
#include "roles_bulletin.h"
#include "roles_reports.h"
#include "roles_rollup.h"
#include "roles_close.h"
#include "roles_move.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A county record's id: 6 digits, "-r", digits (530102-r7). */
static int county_record_id(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return n == 6 && s[6] == '-' && s[7] == 'r' && s[8] &&
	       strspn(s + 8, "0123456789") == strlen(s + 8);
}

struct held_ctx {
	struct roles *r;
	const char *id;
	int held;
};

static int held_txn(MDB_txn *txn, void *arg)
{
	struct held_ctx *c = arg;

	c->held = records_case_held(c->r, txn, c->id);
	return c->held < 0 ? c->held : 0;
}

/* Tasks within a case (issue 9) go down with --ref the case: at the county,
 * a --ref that is a county record's id must name a case held here (the
 * records domain looks; the directives domain issues). Other refs (free
 * text, a directive id) go on as before. */
static int directive_issue_req(struct roles *r, const Carenet__ControlRequest *req,
                               Carenet__ControlReply *rep)
{
	struct held_ctx c = {r, req->directive_issue->ref, 0};
	int rc;

	if (strlen(r->env.me->id) == 6 && c.id && county_record_id(c.id)) {
		if ((rc = store_read(r->env.store, held_txn, &c)) != 0)
			return rc;
		if (!c.held) {
			roles_why(r->err, sizeof(r->err), "--ref %.64s: no case %.64s here; a task "
			          "within a case names a case of this county (carenet case list)",
			          c.id, c.id);
			return CN_ENOTFOUND;
		}
	}
	return directives_issue_req(r, req, rep);
}

static int record_write_req(struct roles *r, const Carenet__ControlRequest *req,
                            Carenet__ControlReply *rep)
{
	if (req->record_write->case_open) /* carenet case open */
		return records_case_open_req(r, req->record_write->case_open, rep);
	return records_write_req(r, req->record_write, rep);
}

static int record_list_req(struct roles *r, const Carenet__ControlRequest *req,
                           Carenet__ControlReply *rep)
{
	return records_list(r, req->record_list, rep);
}

static int record_show_req(struct roles *r, const Carenet__ControlRequest *req,
                           Carenet__ControlReply *rep)
{
	if (req->record_show->related) /* carenet case show */
		return records_case_show(r, req->record_show, rep);
	return records_show(r, req->record_show, rep);
}

static int record_review_req(struct roles *r, const Carenet__ControlRequest *req,
                             Carenet__ControlReply *rep)
{
	return records_review_req(r, req->record_review, rep);
}

static int record_transfer_req(struct roles *r, const Carenet__ControlRequest *req,
                               Carenet__ControlReply *rep)
{
	return records_transfer_req(r, req->record_transfer, rep);
}

static int record_accept_req(struct roles *r, const Carenet__ControlRequest *req,
                             Carenet__ControlReply *rep)
{
	return records_accept_req(r, req->record_accept, rep);
}

static int doc_add_req(struct roles *r, const Carenet__ControlRequest *req,
                       Carenet__ControlReply *rep)
{
	return docs_add_req(r, req->doc_add, rep);
}

static int doc_get_req(struct roles *r, const Carenet__ControlRequest *req,
                       Carenet__ControlReply *rep)
{
	return docs_get_req(r, req->doc_get, rep);
}

static int doc_list_req(struct roles *r, const Carenet__ControlRequest *req,
                        Carenet__ControlReply *rep)
{
	(void)req;
	return docs_list_req(r, rep);
}

static int ledger_summary_req(struct roles *r, const Carenet__ControlRequest *req,
                              Carenet__ControlReply *rep)
{
	if (pki_role_above_county(r->env.me->role)) /* only roll-ups are held here */
		return rollup_summary(r, req->ledger_summary, rep);
	return records_summary(r, req->ledger_summary, rep);
}

/* compliance: roles/compliance reads the records domain's store through a
 * cmp_source bound to one read txn (records_each: one record at a time). */
struct csrc {
	struct roles *r;
	MDB_txn *txn;
	const Carenet__ComplianceRequest *q;
	Carenet__ControlReply *rep;
	int (*fn)(const struct cmp_rec *rc, void *arg);
	void *arg;
};

static int csrc_one(const struct rec *rc, void *arg)
{
	struct csrc *c = arg;
	struct cmp_rec x = {rc->t, rc->id, rc->owner, rc->changed_at, rc->val};
	return c->fn(&x, c->arg);
}

static int csrc_each(void *arg, const struct rec_type *t, const char *prefix, unsigned flags,
                     int (*fn)(const struct cmp_rec *rc, void *fnarg), void *fnarg)
{
	struct csrc c = *(struct csrc *)arg;
	c.fn = fn, c.arg = fnarg;
	if ((t->owners & REC_READ_ONLY) && !strcmp(t->name, "report")) /* roles/reports' */
		return roles_reports_each(c.r, c.txn, t, prefix, (flags & CMP_EXACT) != 0,
		                          (flags & CMP_PERSONAL) != 0, fn, fnarg);
	if ((t->owners & REC_READ_ONLY) && !strcmp(t->name, "review")) /* children, reviewed */
		return records_review_each(c.r, c.txn, t, prefix, (flags & CMP_EXACT) != 0,
		                           (flags & CMP_PERSONAL) != 0, csrc_one, &c);
	return records_each(c.r, c.txn, t, prefix, (flags & CMP_EXACT) != 0,
	                    (flags & CMP_PERSONAL) != 0, csrc_one, &c);
}

static int compliance_txn(MDB_txn *txn, void *arg)
{
	struct csrc *c = arg;
	struct cmp_source src = {c, csrc_each};
	int rc;
	c->txn = txn;
	rc = compliance_run(c->r, c->q, &src, c->rep);
	/* inspectors' findings decide their indicators (roles/compliance/finding.c) */
	return rc == 0 && c->rep->compliance ? finding_overlay(c->r, txn, c->rep->compliance) : rc;
}

int roles_compliance_txn(struct roles *r, MDB_txn *txn, const Carenet__ComplianceRequest *q,
                         Carenet__ControlReply *rep)
{
	struct csrc c = {.r = r, .q = q, .rep = rep};
	return compliance_txn(txn, &c);
}

int roles_compliance_eval(struct roles *r, const Carenet__ComplianceRequest *q,
                          Carenet__ControlReply *rep)
{
	struct csrc c = {.r = r, .q = q, .rep = rep};
	return store_read(r->env.store, compliance_txn, &c);
}

static int compliance_req(struct roles *r, const Carenet__ControlRequest *req,
                          Carenet__ControlReply *rep)
{
	if (pki_role_above_county(r->env.me->role)) /* over the counties' roll-ups */
		return rollup_compliance(r, req->compliance, rep);
	return roles_compliance_eval(r, req->compliance, rep);
}

struct flist {
	struct roles *r;
	const char *office;
	Carenet__ControlReply *rep;
};

static int finding_list_txn(MDB_txn *txn, void *arg)
{
	struct flist *f = arg;
	return finding_list(f->r, txn, f->office, f->rep);
}

static int finding_list_req(struct roles *r, const Carenet__ControlRequest *req,
                            Carenet__ControlReply *rep)
{
	struct flist f = {r, req->finding_list->office, rep};
	return store_read(r->env.store, finding_list_txn, &f);
}

static int bulletin_req(struct roles *r, const Carenet__ControlRequest *req,
                        Carenet__ControlReply *rep)
{
	if (pki_role_above_county(r->env.me->role)) /* over the counties' roll-ups */
		return rollup_bulletin(r, req->bulletin, rep);
	return roles_bulletin_req(r, req, rep);
}

/* The domain's rows of the control table (node/control.c routes them here
 * after checking the oneof member is present), indexed by the oneof case. */
struct roles_handler {
	Carenet__ControlRequest__RequestCase type;
	int (*fn)(struct roles *r, const Carenet__ControlRequest *req, Carenet__ControlReply *rep);
};

#define ROW(CASE, fn) \
	[CARENET__CONTROL_REQUEST__REQUEST_##CASE] = {CARENET__CONTROL_REQUEST__REQUEST_##CASE, fn}
static const struct roles_handler handlers[] = {
    ROW(DIRECTIVE_ISSUE, directive_issue_req),
    ROW(DIRECTIVE_LIST, directives_list_req),
    ROW(DIRECTIVE_SHOW, directives_show_req),
    ROW(INBOX, directives_inbox_req),
    ROW(ACK, directives_ack_req),
    ROW(AUDIT, audit_list_req),
    ROW(AUDIT_VERIFY, audit_verify_req),
    ROW(AUDIT_CHECKPOINTS, audit_checkpoints_req),
    ROW(RECORD_WRITE, record_write_req),
    ROW(RECORD_LIST, record_list_req),
    ROW(RECORD_SHOW, record_show_req),
    ROW(RECORD_REVIEW, record_review_req),
    ROW(RECORD_TRANSFER, record_transfer_req),
    ROW(RECORD_ACCEPT, record_accept_req),
    ROW(LEDGER_SUMMARY, ledger_summary_req),
    ROW(DOC_ADD, doc_add_req),
    ROW(DOC_GET, doc_get_req),
    ROW(DOC_LIST, doc_list_req),
    ROW(REPORT_FILE, roles_report_file),
    ROW(REPORT_STEP, roles_report_step),
    ROW(REPORT_LIST, roles_report_list),
    ROW(REPORT_SHOW, roles_report_show),
    ROW(REPORT_OPEN_CASE, roles_report_open_case),
    ROW(COMPLIANCE, compliance_req),
    ROW(FINDING_LIST, finding_list_req),
    ROW(BULLETIN, bulletin_req),
    ROW(MOVE, roles_move_req),
    ROW(MOVE_STATUS, roles_move_status),
    ROW(CLOSE, roles_close_req),
    ROW(CLOSE_LIST, roles_close_list),
};
#undef ROW

int roles_control(struct roles *r, const Carenet__ControlRequest *req, Carenet__ControlReply *rep)
{
	size_t i = (size_t)req->request_case;
	int rc;

	r->err[0] = r->id[0] = r->detail[0] = 0;
	if (i < sizeof(handlers) / sizeof(handlers[0]) && handlers[i].fn &&
	    handlers[i].type == req->request_case) {
		rc = handlers[i].fn(r, req, rep);
	} else {
		roles_why(r->err, sizeof(r->err), "not a request for the domain (case %zu)", i);
		rc = CN_EINVAL;
	}
	rep->code = rc;
	if (rc != 0) {
		if (!r->err[0])
			snprintf(r->err, sizeof(r->err), "%s", cn_strerror(rc));
		rep->error = r->err;
	}
	return rc;
}

void roles_control_free(Carenet__ControlReply *rep)
{
	if (!rep)
		return;
	directives_views_free(rep);
	records_reply_free(rep);
	records_summary_free(rep);
	docs_reply_free(rep);
	reports_reply_free(rep);
	compliance_reply_free(rep);
	finding_reply_free(rep);
	roles_bulletin_free(rep);
	rollup_summary_free(rep);
	rollup_view_free(rep);
	roles_move_free(rep);
	roles_close_free(rep);
	audit_views_free(rep->audit, rep->n_audit);
	rep->audit = NULL;
	rep->n_audit = 0;
	checkpoint_views_free(rep);
}

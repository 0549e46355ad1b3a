/*
 * roles_reports: what reports need from two domains, at roles top (the only
 * place that calls into more than one): a report naming a child checked
 * against the records held here, a report filed from a hotline call naming
 * it in the call's record, the operator's report requests dispatched to
 * roles/reports/, and the reports held here as a record source of the
 * compliance rules (read-only type `report`, R12).
 */
#include "compliance.h"
#include "err.h"
#include "records.h"
#include "reports.h"
#include "roles_int.h"
#include "roles_reports.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

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

/* ---- reports as a record source of the rules (issue 10) ----
 * Each report this node holds, replayed, as a record of the read-only type
 * `report` (roles/records/schema.c): times as "YYYY-MM-DD HH:MM" China
 * time, derived facts (police delay, acknowledgements in time, escalated),
 * the situations only when asked for personal fields. Nothing else of the
 * report (no name, child, description or place) is handed on. */
struct rsrc {
	const struct rec_type *t;
	const char *prefix;
	int exact, personal;
	uint64_t now;
	const char *me;
	int (*fn)(const struct cmp_rec *rc, void *arg);
	void *arg;
};

#define RS_FIELDS 14
#define RS_LEN 96

static void rs_time(char v[][RS_LEN], char **val, int k, uint64_t t)
{
	if (k < 0 || !t)
		return;
	util_fmt_time(t, CARENET_DEFAULT_TZ, v[k], RS_LEN);
	val[k] = v[k];
}

static void rs_text(char v[][RS_LEN], char **val, int k, const char *s)
{
	if (k < 0 || !s || !*s)
		return;
	snprintf(v[k], RS_LEN, "%s", s);
	val[k] = v[k];
}

/* The first ack by an office of the tier (len 9 township, 6 county), or
 * filed_at when the report was filed at that tier or above it. */
static uint64_t rs_acked_by(const Carenet__ReportState *st, size_t len)
{
	if (strlen(st->report->office) <= len)
		return st->report->filed_at;
	for (size_t i = 0; i < st->n_steps; i++)
		if (st->steps[i]->kind == REPORT_STEP_ACK && strlen(st->steps[i]->by) == len)
			return st->steps[i]->at;
	return 0;
}

/* The county: its ack, else (at the county's node) the report's arrival
 * here (a report goes to the county at once); unknown elsewhere. */
static uint64_t rs_county_at(const struct rsrc *c, const Carenet__ReportState *st)
{
	uint64_t t = rs_acked_by(st, 6);

	if (!t && strlen(c->me) == 6)
		t = st->received_at ? st->received_at : st->report->filed_at;
	return t;
}

/* "是" every hop acked by its due, "否" one late (or past due, or
 * escalated), NULL while one is pending. */
static const char *rs_in_time(const Carenet__ReportState *st, uint64_t now, int *esc)
{
	int pending = 0, late = 0;

	for (size_t i = 0; i < st->n_hops; i++) {
		const Carenet__ReportHop *h = st->hops[i];
		*esc |= h->escalated;
		if (h->acked_at)
			late |= h->acked_at > h->due_at;
		else if (h->escalated || h->due_at <= now)
			late = 1;
		else
			pending = 1;
	}
	return late ? "否" : pending ? NULL : "是";
}

/* The record handed on; changed_at: the newest of filing, arrival, steps. */
static int rs_emit(struct rsrc *c, const Carenet__ReportState *st, char **val)
{
	uint64_t changed = st->report->filed_at > st->received_at ? st->report->filed_at
	                                                           : st->received_at;
	struct cmp_rec x = {c->t, st->report->id, st->report->office, 0, val};

	for (size_t i = 0; i < st->n_steps; i++)
		changed = st->steps[i]->at > changed ? st->steps[i]->at : changed;
	x.changed_at = changed;
	return c->fn(&x, c->arg);
}

static int rs_one(Carenet__ReportState *st, void *arg)
{
	struct rsrc *c = arg;
	const Carenet__Report *p = st->report;
	char v[RS_FIELDS][RS_LEN];
	char *val[REC_MAX_FIELDS] = {0};
	const struct rec_type *t = c->t;
	size_t pl = strlen(c->prefix);
	int esc = 0;
	const char *in_time;

	if (!p || (c->exact ? strcmp(p->office, c->prefix) : strncmp(p->office, c->prefix, pl)))
		return 0;
	rs_text(v, val, roles_record_field(t, "office"), p->office);
	rs_time(v, val, roles_record_field(t, "filed_at"), p->filed_at);
	rs_time(v, val, roles_record_field(t, "discovered_at"), p->discovered_at);
	rs_time(v, val, roles_record_field(t, "police_reported_at"), p->police_reported_at);
	if (p->police_reported_at && p->police_reported_at >= p->discovered_at) {
		char h[24];
		snprintf(h, sizeof(h), "%llu",
		         (unsigned long long)((p->police_reported_at - p->discovered_at) / 3600));
		rs_text(v, val, roles_record_field(t, "police_delay_h"), h);
	}
	rs_text(v, val, roles_record_field(t, "police_record_no"), p->police_record_no);
	rs_text(v, val, roles_record_field(t, "urgency"), report_urgency_name(p->urgency));
	if (c->personal) {
		int k = roles_record_field(t, "situation");
		v[k][0] = 0;
		for (size_t i = 0; i < p->n_situation; i++)
			snprintf(v[k] + strlen(v[k]), RS_LEN - strlen(v[k]), "%s%s", i ? REC_SET_SEP : "",
			         p->situation[i]);
		val[k] = v[k][0] ? v[k] : NULL;
	}
	rs_text(v, val, roles_record_field(t, "state"), st->state);
	in_time = rs_in_time(st, c->now, &esc);
	rs_text(v, val, roles_record_field(t, "acked_in_time"), in_time);
	rs_text(v, val, roles_record_field(t, "escalated"), esc ? "是" : "否");
	rs_time(v, val, roles_record_field(t, "township_notified_at"), rs_acked_by(st, 9));
	rs_time(v, val, roles_record_field(t, "county_notified_at"), rs_county_at(c, st));
	rs_time(v, val, roles_record_field(t, "closed_at"), st->closed_at);
	return rs_emit(c, st, val);
}

int roles_reports_each(struct roles *r, MDB_txn *txn, const struct rec_type *t,
                       const char *prefix, int exact, int personal,
                       int (*fn)(const struct cmp_rec *rc, void *arg), void *arg)
{
	struct rsrc c = {t, prefix, exact, personal, roles_now(r), r->env.me->id, fn, arg};

	return report_each(r, txn, rs_one, &c);
}

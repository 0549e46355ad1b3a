/*
 * report_control: the operator's requests on reports — file, a step (ack,
 * refer, update, close, reopen; open_case comes through roles top), list,
 * show — each in one engine write transaction (reports.h). Refusals say
 * what was wrong and what to do, in r->err.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "reports.h"

struct fctx {
	struct roles *r;
	const Carenet__ReportFileRequest *q;
	reports_child_fn child;
	reports_filed_fn filed; /* or NULL */
};

static int file_txn(MDB_txn *txn, void *arg)
{
	struct fctx *c = arg;
	struct roles *r = c->r;
	Carenet__Report p = *c->q->report;
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__ReportState *st = NULL;
	uint64_t now = roles_now(r);
	int ret;

	snprintf(r->id, sizeof(r->id), "%s-rep0", r->env.me->id); /* checked as such; */
	p.id = r->id;                                             /* emit names it */
	p.office = (char *)r->env.me->id;
	p.filed_at = now;
	/* Not given: now, or when the police were told if that was earlier (the
	 * CLI stamps "told now" with its own clock, which may be a second
	 * behind this one; a discovery after the call made the delay unknown). */
	if (!p.discovered_at)
		p.discovered_at =
		    p.police_reported_at && p.police_reported_at < now ? p.police_reported_at : now;
	if (!p.urgency)
		p.urgency = 1;
	p.ack_due = now + report_ack_after(r, p.urgency);
	if ((ret = report_check(r, txn, &p, c->child, r->err, sizeof(r->err))) != 0)
		return ret;
	p.id = "";
	it.body_case = CARENET__ITEM__BODY_REPORT;
	it.report = &p;
	if ((ret = r->env.emit(r->env.arg, txn, &it, r->id, sizeof(r->id))) != 0 ||
	    (ret = report_state_new(&p, &st)) != 0)
		return ret;
	st->received_at = now;
	if ((ret = report_put(r, txn, st)) == 0 && (ret = report_mark(r, txn, p.id)) == 0)
		ret = roles_audit(r, txn, p.office, "report", p.id, "%s report filed; holder %s",
		                  report_urgency_name(p.urgency), st->holder);
	if (ret == 0 && c->filed)
		ret = c->filed(r, txn, p.id, c->q);
	if (ret == 0)
		log_notice("report %s filed: %s (%s); holder %s", p.id,
		           report_urgency_name(p.urgency), report_urgency_zh(p.urgency),
		           st->holder);
	carenet__report_state__free_unpacked(st, NULL);
	return ret;
}

int reports_file_req(struct roles *r, const Carenet__ReportFileRequest *q,
                     Carenet__ControlReply *rep, reports_child_fn child, reports_filed_fn filed)
{
	struct fctx c = {r, q, child, filed};
	int ret;

	if (!q->report)
		return roles_why(r->err, sizeof(r->err), "no report given"), CN_EINVAL;
	if (!roles_office_ok(r->env.me->id))
		return roles_why(r->err, sizeof(r->err), "only an office files a report"), CN_EROLE;
	if (!r->env.seal || !r->env.open)
		return CN_EPERM;
	if ((ret = r->env.write(r->env.arg, file_txn, &c)) == 0)
		rep->id = r->id;
	return ret;
}

/* ------------------------------------------------------------ steps */

/* 1 if this node is the county, or id (a holder, a closer) is this office
 * under its id now or a former one (a village's report filed under its
 * township's old code names that code), 0 if not, negative on error. */
static int me_or_county(struct roles *r, MDB_txn *txn, const char *id)
{
	return strlen(r->env.me->id) == 6 ? 1 : roles_is_me(r, txn, id);
}

/* An unacknowledged hop to this office (under its id now or a former one)
 * that it may acknowledge: 1, 0, or negative on error. */
static int ack_due_here(struct roles *r, MDB_txn *txn, const Carenet__ReportState *st)
{
	int ret = me_or_county(r, txn, st->holder);

	if (ret != 1)
		return ret;
	for (size_t i = 0; i < st->n_hops; i++)
		if (!st->hops[i]->acked_at && (ret = roles_is_me(r, txn, st->hops[i]->to)) != 0)
			return ret;
	return 0;
}

/* The operator's rules beyond the ones every hop checks: who holds it now,
 * and whether the step fits the report's state. */
static int may(struct roles *r, MDB_txn *txn, const Carenet__ReportState *st, uint32_t kind)
{
	const char *id = st->report->id;
	int closed = !strcmp(st->state, "closed"), ret;
	char *e = r->err;
	size_t el = sizeof(r->err);

	if (closed && kind != REPORT_STEP_REOPEN && kind != REPORT_STEP_UPDATE)
		return roles_why(e, el, "report %s is closed (carenet report reopen %s first)", id,
		                 id),
		       CN_EINVAL;
	switch (kind) {
	case REPORT_STEP_ACK:
		if ((ret = ack_due_here(r, txn, st)) != 0)
			return ret < 0 ? ret : 0;
		return roles_why(e, el,
		                 "report %s is held by %s and waits for no acknowledgement from "
		                 "this office (carenet report show %s)",
		                 id, st->holder, id),
		       CN_EROLE;
	case REPORT_STEP_CLOSE:
		if ((ret = me_or_county(r, txn, st->holder)) != 0)
			return ret < 0 ? ret : 0;
		return roles_why(e, el,
		                 "report %s is held by %s: only its holder or the county closes it",
		                 id, st->holder),
		       CN_EROLE;
	case REPORT_STEP_REOPEN:
		if (!closed)
			return roles_why(e, el, "report %s is not closed", id), CN_EINVAL;
		if ((ret = me_or_county(r, txn, st->closed_by)) != 0)
			return ret < 0 ? ret : 0;
		return roles_why(e, el,
		                 "report %s was closed by %s: only that office or the county "
		                 "reopens it",
		                 id, st->closed_by),
		       CN_EROLE;
	default:
		return 0;
	}
}

int reports_step_txn(struct roles *r, MDB_txn *txn, const Carenet__ReportStepRequest *q)
{
	Carenet__ReportStep s = CARENET__REPORT_STEP__INIT;
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__ReportState *st = NULL;
	char sid[REPORT_ID_MAX], down[PKI_ID_MAX];
	int ret = report_get(r, txn, q->id, &st);

	if (ret == CN_ENOTFOUND)
		roles_why(r->err, sizeof(r->err),
		          "no report %.64s here (carenet report list shows the reports held)",
		          q->id);
	if (ret != 0)
		return ret;
	if ((ret = report_replay(r, st, roles_now(r))) != 0 ||
	    (ret = may(r, txn, st, q->kind)) != 0)
		goto out;
	snprintf(sid, sizeof(sid), "%s-step0", r->env.me->id); /* checked as such; emit names it */
	s.id = sid;
	s.report = st->report->id;
	s.office = st->report->office;
	if (strcmp(report_office_now(r, txn, s.office, down, sizeof(down)), s.office))
		s.down = down; /* it moved: the engine routes there too */
	s.kind = q->kind;
	s.by = (char *)r->env.me->id;
	s.at = roles_now(r);
	s.seen = (uint32_t)st->n_steps;
	s.note = q->note;
	s.to = q->to;
	if (q->kind == REPORT_STEP_REFER && !(s.to = (char *)report_dept_parse(q->to))) {
		roles_why(r->err, sizeof(r->err),
		          "department \"%.32s\" is not one of 公安 法院 检察院 教育 卫健 医院 学校 "
		          "other (or police court procuratorate education health hospital school)",
		          q->to);
		ret = CN_EINVAL;
		goto out;
	}
	s.ref = q->ref;
	s.outcome = q->outcome;
	s.evidence = q->evidence;
	s.n_evidence = q->n_evidence;
	it.body_case = CARENET__ITEM__BODY_REPORT_STEP;
	it.report_step = &s;
	if ((ret = report_step_check(r, txn, &s, st->report, r->err, sizeof(r->err))) != 0)
		goto out;
	s.id = "";
	if ((ret = r->env.emit(r->env.arg, txn, &it, sid, sizeof(sid))) == 0 &&
	    (ret = report_step_take(r, txn, st, &s)) == 0 && (ret = report_put(r, txn, st)) == 0 &&
	    (ret = report_mark(r, txn, s.id)) == 0)
		snprintf(r->id, sizeof(r->id), "%s", s.id);
out:
	carenet__report_state__free_unpacked(st, NULL);
	return ret;
}

struct sctx {
	struct roles *r;
	const Carenet__ReportStepRequest *q;
};

static int step_txn(MDB_txn *txn, void *arg)
{
	struct sctx *c = arg;
	return reports_step_txn(c->r, txn, c->q);
}

int reports_step_req(struct roles *r, const Carenet__ReportStepRequest *q,
                     Carenet__ControlReply *rep)
{
	struct sctx c = {r, q};
	int ret;
	const char *texts[] = {q->note, q->to, q->ref, q->outcome};

	for (size_t i = 0; i < 4; i++)
		if (strlen(texts[i]) > REPORT_MAX_TEXT)
			return roles_why(r->err, sizeof(r->err), "a text over %d bytes",
			                 REPORT_MAX_TEXT),
			       CN_ETOOBIG;
	if (q->kind == REPORT_STEP_OPEN_CASE || q->kind == REPORT_STEP_ESCALATE ||
	    !report_kind_name(q->kind)[0] || report_kind_name(q->kind)[0] == '?')
		return roles_why(r->err, sizeof(r->err),
		                 "not a step an operator takes here (kind %u)", q->kind),
		       CN_EINVAL;
	if (q->n_evidence > ROLES_MAX_EVIDENCE)
		return roles_why(r->err, sizeof(r->err), "at most %d evidence files",
		                 ROLES_MAX_EVIDENCE),
		       CN_ETOOBIG;
	if (!r->env.seal || !r->env.open)
		return CN_EPERM;
	if ((ret = r->env.write(r->env.arg, step_txn, &c)) == 0)
		rep->id = r->id;
	return ret;
}

/* ------------------------------------------------------------ views */

struct vctx {
	struct roles *r;
	const char *state, *id;
	int reveal;
	Carenet__ReportState **v;
	size_t n, cap;
};

static int matches(const Carenet__ReportState *st, const char *want)
{
	if (!want || !want[0])
		return 1;
	if (!strcmp(want, "open"))
		return strcmp(st->state, "closed") != 0;
	if (!strcmp(want, "overdue"))
		return st->overdue;
	if (!strcmp(want, "escalated")) {
		for (size_t i = 0; i < st->n_hops; i++)
			if (st->hops[i]->escalated)
				return 1;
		return 0;
	}
	return !strcmp(st->state, want);
}

static int collect(Carenet__ReportState *st, void *arg)
{
	struct vctx *c = arg;
	Carenet__ReportState **nv;

	if (c->id && strcmp(st->report->id, c->id))
		return 0;
	if (!matches(st, c->state))
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		if (!(nv = realloc(c->v, cap * sizeof(*nv))))
			return CN_ENOMEM;
		c->v = nv;
		c->cap = cap;
	}
	if (!(c->v[c->n] = report_view(st, c->reveal)))
		return CN_ENOMEM;
	c->n++;
	return c->id ? 1 : 0;
}

static int view_txn(MDB_txn *txn, void *arg)
{
	struct vctx *c = arg;
	int ret = report_each(c->r, txn, collect, c);

	if (ret == 0 && c->reveal)
		ret =
		    roles_audit(c->r, txn, c->r->env.me->id, "reveal", c->id ? c->id : "reports",
		                "report %s in the clear (%zu)", c->id ? "shown" : "listing", c->n);
	return ret;
}

static int views(struct roles *r, struct vctx *c, Carenet__ControlReply *rep)
{
	int ret;

	if (!r->env.open)
		return CN_EPERM;
	/* a reveal writes its audit entry; a plain view only reads */
	ret = c->reveal ? r->env.write(r->env.arg, view_txn, c)
	                : store_read(r->env.store, view_txn, c);
	if (ret != 0) {
		for (size_t i = 0; i < c->n; i++)
			carenet__report_state__free_unpacked(c->v[i], NULL);
		free(c->v);
		return ret;
	}
	rep->reports = c->v;
	rep->n_reports = c->n;
	return 0;
}

int reports_list_txn(struct roles *r, MDB_txn *txn, Carenet__ControlReply *rep)
{
	struct vctx c = {.r = r, .state = ""};
	int ret;

	if (!r->env.open)
		return CN_EPERM;
	if ((ret = view_txn(txn, &c)) != 0) {
		for (size_t i = 0; i < c.n; i++)
			carenet__report_state__free_unpacked(c.v[i], NULL);
		free(c.v);
		return ret;
	}
	rep->reports = c.v;
	rep->n_reports = c.n;
	return 0;
}

int reports_list_req(struct roles *r, const Carenet__ReportListRequest *q,
                     Carenet__ControlReply *rep)
{
	static const char *const ok[] = {"",       "open",         "overdue", "escalated",
	                                 "closed", "acknowledged", "referred"};
	struct vctx c = {.r = r, .state = q->state, .reveal = q->reveal};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]) && strcmp(ok[i], q->state); i++)
		;
	if (i == sizeof(ok) / sizeof(ok[0]))
		return roles_why(r->err, sizeof(r->err),
		                 "state \"%.32s\" is not open, overdue, escalated or closed",
		                 q->state),
		       CN_EINVAL;
	return views(r, &c, rep);
}

int reports_show_req(struct roles *r, const Carenet__ReportShowRequest *q,
                     Carenet__ControlReply *rep)
{
	struct vctx c = {.r = r, .id = q->id, .reveal = q->reveal};
	int ret = views(r, &c, rep);

	if (ret == 0 && rep->n_reports == 0) {
		free(rep->reports);
		rep->reports = NULL;
		roles_why(r->err, sizeof(r->err),
		          "no report %.64s here (carenet report list shows the reports held)",
		          q->id);
		return CN_ENOTFOUND;
	}
	return ret;
}

void reports_reply_free(Carenet__ControlReply *rep)
{
	for (size_t i = 0; i < rep->n_reports; i++)
		carenet__report_state__free_unpacked(rep->reports[i], NULL);
	free(rep->reports);
	rep->reports = NULL;
	rep->n_reports = 0;
}

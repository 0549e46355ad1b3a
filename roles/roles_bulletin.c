/*
 * roles_bulletin: the monthly bulletin (月通报, issue 10 item 7), roles top
 * because it reads three domains, each through its own request and rules:
 * the directives this node tracks (directives_list_txn: the matrix of every
 * target), the mandatory reports held here (reports_list_req: their hops and
 * deadlines), the records written in the month (records_each over every
 * type), and the compliance evaluation at the end of the month and of the
 * month before (roles_compliance_eval, roles_control.c). Nothing here judges
 * a rule of its own but "done by the due time": a target done (state 4)
 * at or before the directive's due is on time, after it late; not done and
 * past due (or marked overdue) overdue; else open.
 *
 * --publish issues the bulletin's text as a circular (kind 4) to every office
 * known below (the registry) through directives_issue_req, titled
 * "月通报 YYYY-MM"; a circular of this office with that title refuses a
 * second publish (CN_EEXIST) unless force.
 */
#include "directives.h"
#include "err.h"
#include "records.h"
#include "registry.h"
#include "reports.h"
#include "roles_bulletin.h"
#include "roles_int.h"
#include "standards.h"
#include "arr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHINA (8 * 3600)
#define BUL_TITLE "月通报"
#define BUL_DEFAULT_STANDARD "mca-2018-demo"
#define BUL_PUBLISH_DUE (30 * 86400)

struct bul {
	struct roles *r;
	MDB_txn *txn; /* roles_bulletin_counts: inside the caller's transaction */
	Carenet__BulletinReply *b;
	Carenet__BulletinOffice **o;
	size_t no, co;
	size_t nover, cover, nrect, crect, nchg, cchg;
	int published_before;
	char published_id[64];
};

/* ---------------------------------------------------------------- helpers */

static char *sdup(const char *s)
{
	return strdup(s ? s : "");
}

static int month_parse(const char *m, uint64_t *from, uint64_t *to, int *y, int *mo)
{
	struct tm t = {0};
	char tail;

	if (!m || strlen(m) != 7 || sscanf(m, "%4d-%2d%c", y, mo, &tail) != 2 || *mo < 1 ||
	    *mo > 12 || *y < 2000 || *y > 2200 || m[4] != '-')
		return CN_EINVAL;
	t.tm_year = *y - 1900, t.tm_mon = *mo - 1, t.tm_mday = 1;
	*from = (uint64_t)timegm(&t) - CHINA;
	t.tm_mon += 1;
	*to = (uint64_t)timegm(&t) - CHINA;
	return 0;
}

/* The office's row (added in id order). NULL on ENOMEM. */
static Carenet__BulletinOffice *office(struct bul *c, const char *id)
{
	size_t lo = 0, hi = c->no;
	Carenet__BulletinOffice *x;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int k = strcmp(c->o[mid]->id, id);
		if (k == 0)
			return c->o[mid];
		if (k < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (ARR_GROW(c->o, c->no + 1, c->co) || !(x = calloc(1, sizeof(*x))))
		return NULL;
	carenet__bulletin_office__init(x);
	if (!(x->id = sdup(id)) || !(x->name = sdup(""))) {
		free(x->id), free(x);
		return NULL;
	}
	memmove(c->o + lo + 1, c->o + lo, (c->no - lo) * sizeof(*c->o));
	c->o[lo] = x, c->no++;
	return x;
}

static int item_add(Carenet__BulletinItem ***v, size_t *n, size_t *cap,
                    const Carenet__DirectiveView *d, const Carenet__TargetView *t)
{
	Carenet__BulletinItem *x;

	if (ARR_GROW(*v, *n + 1, *cap) || !(x = calloc(1, sizeof(*x))))
		return CN_ENOMEM;
	carenet__bulletin_item__init(x);
	x->directive = sdup(d->id), x->title = sdup(d->title), x->office = sdup(t->id);
	x->kind = d->kind, x->due = d->due, x->state = t->state, x->changed_at = t->changed_at;
	(*v)[(*n)++] = x;
	return x->directive && x->title && x->office ? 0 : CN_ENOMEM;
}

/* ------------------------------------------------------------- directives */

static int dir_target(struct bul *c, const Carenet__DirectiveView *d, const Carenet__TargetView *t)
{
	Carenet__BulletinReply *b = c->b;
	Carenet__BulletinOffice *o = office(c, t->id);

	if (!o)
		return CN_ENOMEM;
	o->targeted++, b->targeted++;
	if (t->state == STATE_DONE && t->changed_at <= d->due)
		o->on_time++, b->on_time++;
	else if (t->state == STATE_DONE)
		o->late++, b->late++;
	else if (t->overdue || b->now > d->due) {
		o->overdue++, b->overdue++;
		return item_add(&b->overdue_list, &c->nover, &c->cover, d, t);
	} else
		o->open++, b->open++;
	return 0;
}

/* A bulletin of the month this office published: a circular it issued, under
 * its id now or a former one (a township whose own code changed published
 * it as OLD-n): 1, 0, or negative on error. */
static int published(struct bul *c, MDB_txn *txn, const Carenet__DirectiveView *d)
{
	if (d->kind != KIND_CIRCULAR ||
	    strncmp(d->title, BUL_TITLE " ", strlen(BUL_TITLE) + 1) != 0 ||
	    strncmp(d->title + strlen(BUL_TITLE) + 1, c->b->month, 7) != 0)
		return 0;
	return roles_is_me(c->r, txn, d->issuer);
}

static int bul_directive(struct bul *c, MDB_txn *txn, const Carenet__DirectiveView *d)
{
	int rc = published(c, txn, d);

	if (rc < 0)
		return rc;
	if (rc) {
		c->published_before = 1;
		snprintf(c->published_id, sizeof(c->published_id), "%s", d->id);
	}
	rc = 0;
	if (d->created < c->b->from || d->created >= c->b->to || !d->n_targets)
		return 0;
	c->b->directives++;
	if (d->kind == KIND_CIRCULAR) /* informs: nothing to be done on time */
		return 0;
	for (size_t i = 0; i < d->n_targets && rc == 0; i++) {
		if (d->targets[i]->state == STATE_RETIRED)
			continue; /* its office was closed (撤销): counted nowhere */
		rc = dir_target(c, d, d->targets[i]);
		if (rc == 0 && d->kind == KIND_RECTIFICATION)
			rc =
			    item_add(&c->b->rectifications, &c->nrect, &c->crect, d, d->targets[i]);
	}
	return rc;
}

/* Every directive held (state all), in txn: bul_directive reads in it. */
static int directives_in(MDB_txn *txn, void *arg)
{
	struct bul *c = arg;
	Carenet__ControlReply rep = CARENET__CONTROL_REPLY__INIT;
	int rc = directives_list_txn(c->r, txn, &rep);

	for (size_t i = 0; rc == 0 && i < rep.n_directives; i++)
		rc = bul_directive(c, txn, rep.directives[i]);
	directives_views_free(&rep);
	return rc;
}

static int bul_directives(struct bul *c)
{
	return c->txn ? directives_in(c->txn, c) : store_read(c->r->env.store, directives_in, c);
}

/* ---------------------------------------------------------------- reports */

static int bul_hop(struct bul *c, const Carenet__ReportHop *h)
{
	Carenet__BulletinReply *b = c->b;
	Carenet__BulletinOffice *o = office(c, h->to);

	if (!o)
		return CN_ENOMEM;
	o->hops++, b->hops++;
	if (h->acked_at && h->acked_at <= h->due_at)
		o->hops_in_time++, b->hops_in_time++;
	else if (h->acked_at)
		o->hops_late++, b->hops_late++;
	else if (b->now > h->due_at)
		o->hops_missed++, b->hops_missed++;
	return 0;
}

static int bul_reports(struct bul *c)
{
	Carenet__ReportListRequest q = CARENET__REPORT_LIST_REQUEST__INIT;
	Carenet__ControlReply rep = CARENET__CONTROL_REPLY__INIT;
	int rc;

	q.state = "";
	rc = c->txn ? reports_list_txn(c->r, c->txn, &rep) : reports_list_req(c->r, &q, &rep);
	for (size_t i = 0; rc == 0 && i < rep.n_reports; i++) {
		const Carenet__ReportState *st = rep.reports[i];
		Carenet__BulletinOffice *o;
		if (!st->report || st->report->filed_at < c->b->from ||
		    st->report->filed_at >= c->b->to)
			continue;
		if (!(o = office(c, st->report->office))) {
			rc = CN_ENOMEM;
			break;
		}
		c->b->reports++, o->reports_filed++;
		for (size_t k = 0; rc == 0 && k < st->n_hops; k++)
			rc = bul_hop(c, st->hops[k]);
	}
	reports_reply_free(&rep);
	return rc;
}

/* ---------------------------------------------------------------- records */

struct rec_ctx {
	struct bul *c;
	MDB_txn *txn;
};

/* A record whose last version is in the month: added if its first version
 * is in the month too, else updated. */
static int bul_record(const struct rec *rc, void *arg)
{
	struct rec_ctx *x = arg;
	struct bul *c = x->c;
	Carenet__BulletinOffice *o;
	uint64_t first = rc->changed_at;

	if (rc->changed_at < c->b->from || rc->changed_at >= c->b->to)
		return 0;
	if (rc->version > 1) {
		struct rec v1;
		memset(&v1, 0, sizeof(v1));
		if (rec_get_version(c->r, x->txn, rc->id, 1, &v1) == 0)
			first = v1.changed_at;
		rec_clear(&v1);
	}
	if (!(o = office(c, rc->owner)))
		return CN_ENOMEM;
	if (first >= c->b->from)
		o->records_added++, c->b->records_added++;
	else
		o->records_updated++, c->b->records_updated++;
	return 0;
}

static int records_txn(MDB_txn *txn, void *arg)
{
	struct rec_ctx x = {arg, txn};
	size_t n = 0;
	const struct rec_type *t = roles_record_types(&n);
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = records_each(x.c->r, txn, &t[i], x.c->r->env.me->id, 0, 0, bul_record, &x);
	return rc;
}

static int name_one(MDB_txn *txn, void *arg)
{
	struct bul *c = arg;
	char name[128];

	for (size_t i = 0; i < c->no; i++) {
		name[0] = 0;
		if (registry_get(c->r->env.store, txn, c->o[i]->id, NULL, name, sizeof(name)) ==
		        0 &&
		    name[0]) {
			free(c->o[i]->name);
			if (!(c->o[i]->name = strdup(name)))
				return CN_ENOMEM;
		}
	}
	return 0;
}

/* ------------------------------------------------------------- compliance */

static int eval_at(struct bul *c, const Carenet__BulletinRequest *q, const char *at,
                   Carenet__ComplianceReply **out)
{
	Carenet__ComplianceRequest cq = CARENET__COMPLIANCE_REQUEST__INIT;
	Carenet__ControlReply rep = CARENET__CONTROL_REPLY__INIT;
	char *def[] = {BUL_DEFAULT_STANDARD};
	int rc;

	cq.standards = q->n_standards ? q->standards : def;
	cq.n_standards = q->n_standards ? q->n_standards : 1;
	cq.office = "", cq.at = (char *)at;
	rc = roles_compliance_eval(c->r, &cq, &rep);
	*out = rep.compliance;
	return rc;
}

static int summary(uint64_t **v, size_t *n, const Carenet__ComplianceReply *x)
{
	static const char *names[] = {"pass", "fail", "unknown", "n/a"};

	if (!(*v = calloc(4, sizeof(**v))))
		return CN_ENOMEM;
	*n = 4;
	for (size_t i = 0; i < x->n_indicators; i++)
		for (size_t k = 0; k < 4; k++)
			if (strcmp(x->indicators[i]->result, names[k]) == 0)
				(*v)[k]++;
	return 0;
}

static int change_add(struct bul *c, const Carenet__ComplianceIndicator *a, const char *before)
{
	Carenet__BulletinChange *x;

	if (ARR_GROW(c->b->changes, c->nchg + 1, c->cchg) || !(x = calloc(1, sizeof(*x))))
		return CN_ENOMEM;
	carenet__bulletin_change__init(x);
	x->id = sdup(a->id), x->zh = sdup(a->zh), x->en = sdup(a->en);
	x->before = sdup(before), x->after = sdup(a->result), x->veto = a->veto;
	c->b->changes[c->nchg++] = x;
	return x->id && x->zh && x->en && x->before && x->after ? 0 : CN_ENOMEM;
}

static int bul_compliance(struct bul *c, const Carenet__BulletinRequest *q)
{
	Carenet__BulletinReply *b = c->b;
	Carenet__ComplianceReply *before = NULL;
	int rc;

	if ((rc = eval_at(c, q, b->at_before, &before)) != 0 ||
	    (rc = eval_at(c, q, b->at_after, &b->compliance)) != 0)
		goto out;
	if (!(b->standard = sdup(b->compliance->standard)))
		rc = CN_ENOMEM;
	if (rc == 0 && (rc = summary(&b->summary_before, &b->n_summary_before, before)) == 0)
		rc = summary(&b->summary_after, &b->n_summary_after, b->compliance);
	for (size_t i = 0; rc == 0 && i < b->compliance->n_indicators; i++) {
		const Carenet__ComplianceIndicator *a = b->compliance->indicators[i];
		const char *was = "";
		for (size_t k = 0; k < before->n_indicators; k++)
			if (strcmp(before->indicators[k]->id, a->id) == 0)
				was = before->indicators[k]->result;
		if (strcmp(was, a->result) != 0)
			rc = change_add(c, a, was);
	}
out:
	if (before)
		carenet__compliance_reply__free_unpacked(before, NULL);
	return rc;
}

/* ------------------------------------------------------------------- text */

static double rate(uint64_t num, uint64_t den)
{
	return den ? (double)num / (double)den : 0.0;
}

static void text_build(struct bul *c, FILE *f)
{
	const Carenet__BulletinReply *b = c->b;

	fprintf(f, "%s %s Monthly bulletin — %s %s\n\n", BUL_TITLE, b->month, b->office, b->name);
	fprintf(f,
	        "一、指令办理 Directives: %llu issued, %llu targets; 按时 on time %llu, "
	        "逾期办结 late %llu, 逾期未办 overdue %llu, 办理中 open %llu; 按时率 timeliness "
	        "%.1f%%\n",
	        (unsigned long long)b->directives, (unsigned long long)b->targeted,
	        (unsigned long long)b->on_time, (unsigned long long)b->late,
	        (unsigned long long)b->overdue, (unsigned long long)b->open, 100.0 * b->timeliness);
	for (size_t i = 0; i < b->n_overdue_list; i++)
		fprintf(f, "   逾期 overdue: %s %s (%s)\n", b->overdue_list[i]->office,
		        b->overdue_list[i]->title, b->overdue_list[i]->directive);
	for (size_t i = 0; i < b->n_rectifications; i++)
		fprintf(f, "   整改 rectification: %s %s (%s)\n", b->rectifications[i]->office,
		        b->rectifications[i]->title, b->rectifications[i]->directive);
	fprintf(f,
	        "二、强制报告 Reports: %llu filed; hops %llu: 按时受理 in time %llu, 超时受理 late "
	        "%llu, 未受理 missed %llu\n",
	        (unsigned long long)b->reports, (unsigned long long)b->hops,
	        (unsigned long long)b->hops_in_time, (unsigned long long)b->hops_late,
	        (unsigned long long)b->hops_missed);
	fprintf(f, "三、台账 Ledger: %llu records added, %llu updated\n",
	        (unsigned long long)b->records_added, (unsigned long long)b->records_updated);
	fprintf(f, "四、合规 Compliance (%s) %s → %s: %zu changed\n", b->standard, b->at_before,
	        b->at_after, b->n_changes);
	for (size_t i = 0; i < b->n_changes; i++)
		fprintf(f, "   %s: %s → %s  %s\n", b->changes[i]->id,
		        b->changes[i]->before[0] ? b->changes[i]->before : "-",
		        b->changes[i]->after, b->changes[i]->zh);
}

static int text_fill(struct bul *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return CN_ENOMEM;
	text_build(c, f);
	fclose(f);
	if (len > ROLES_MAX_BODY - 1)
		buf[ROLES_MAX_BODY - 1] = 0;
	c->b->text = buf;
	return buf ? 0 : CN_ENOMEM;
}

/* ---------------------------------------------------------------- publish */

static int push_below(const char *id, enum pki_role role, const char *name, void *arg)
{
	(void)role, (void)name;
	return roles_vec_push(arg, id);
}

static int below_txn(MDB_txn *txn, void *arg)
{
	struct strvec *v = ((void **)arg)[0];
	struct roles *r = ((void **)arg)[1];
	int rc = registry_each(r->env.store, txn, r->env.me->id, PKI_ROLE_NONE, push_below, v);
	return rc < 0 ? rc : 0;
}

static int bul_publish(struct bul *c, const Carenet__BulletinRequest *q)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__IssueRequest iq = CARENET__ISSUE_REQUEST__INIT;
	Carenet__ControlReply rep = CARENET__CONTROL_REPLY__INIT;
	struct strvec v = {0};
	void *args[2] = {&v, c->r};
	char title[128], *to = NULL;
	size_t len = 0;
	int rc;

	if (c->published_before && !q->force) {
		roles_why(c->r->err, sizeof(c->r->err),
		          "the bulletin of %s was published already (circular %s): --force "
		          "publishes it again",
		          c->b->month, c->published_id);
		return CN_EEXIST;
	}
	if ((rc = store_read(c->r->env.store, below_txn, args)) != 0)
		goto out;
	if (!v.n) {
		roles_why(c->r->err, sizeof(c->r->err),
		          "no office known below %s to publish to "
		          "(carenet offices)",
		          c->r->env.me->id);
		rc = CN_ENOTFOUND;
		goto out;
	}
	for (size_t i = 0; i < v.n; i++)
		len += strlen(v.v[i]) + 1;
	if (!(to = calloc(1, len + 1))) {
		rc = CN_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < v.n; i++)
		strcat(strcat(to, i ? "," : ""), v.v[i]);
	snprintf(title, sizeof(title), "%s %s Monthly bulletin", BUL_TITLE, c->b->month);
	iq.kind = KIND_CIRCULAR, iq.to = to, iq.title = title, iq.body = c->b->text;
	iq.due = roles_now(c->r) + BUL_PUBLISH_DUE, iq.ref = "";
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_DIRECTIVE_ISSUE;
	req.directive_issue = &iq;
	if ((rc = directives_issue_req(c->r, &req, &rep)) == 0 &&
	    !(c->b->published = strdup(c->r->id)))
		rc = CN_ENOMEM;
out:
	free(to);
	roles_vec_free(&v);
	return rc;
}

/* ---------------------------------------------------------------- request */

static int bul_head(struct bul *c, const Carenet__BulletinRequest *q)
{
	Carenet__BulletinReply *b = c->b;
	uint64_t from, to;
	long today;
	int y, m;

	if (month_parse(q->month, &from, &to, &y, &m) != 0) {
		roles_why(c->r->err, sizeof(c->r->err),
		          "--month %.32s is not a month: write YYYY-MM (2026-11)", q->month);
		return CN_EINVAL;
	}
	b->from = from, b->to = to, b->now = roles_now(c->r);
	if (!(b->month = sdup(q->month)) || !(b->office = sdup(c->r->env.me->id)) ||
	    !(b->name = sdup(c->r->env.me->name)) || !(b->at_before = calloc(1, SD_DATE_LEN)) ||
	    !(b->at_after = calloc(1, SD_DATE_LEN)))
		return CN_ENOMEM;
	today = (long)((b->now + CHINA) / 86400);
	sd_days_date((long)((from + CHINA) / 86400) - 1, b->at_before);
	sd_days_date((long)((to + CHINA) / 86400) - 1 < today ? (long)((to + CHINA) / 86400) - 1
	                                                      : today,
	             b->at_after);
	return 0;
}

static void bul_offices(struct bul *c)
{
	Carenet__BulletinReply *b = c->b;

	b->timeliness = rate(b->on_time, b->targeted - b->open);
	b->offices = c->o, b->n_offices = c->no;
	b->n_overdue_list = c->nover, b->n_rectifications = c->nrect, b->n_changes = c->nchg;
}

int roles_bulletin_req(struct roles *r, const Carenet__ControlRequest *req,
                       Carenet__ControlReply *rep)
{
	const Carenet__BulletinRequest *q = req->bulletin;
	struct bul c = {.r = r};
	int rc;

	if (!(c.b = calloc(1, sizeof(*c.b))))
		return CN_ENOMEM;
	carenet__bulletin_reply__init(c.b);
	rep->bulletin = c.b;
	if ((rc = bul_head(&c, q)) || (rc = bul_directives(&c)) || (rc = bul_reports(&c)) ||
	    (rc = store_read(r->env.store, records_txn, &c)))
		goto out;
	bul_offices(&c);
	if ((rc = bul_compliance(&c, q)) || (rc = store_read(r->env.store, name_one, &c)))
		goto out;
	bul_offices(&c);
	if ((rc = text_fill(&c)) == 0 && q->publish)
		rc = bul_publish(&c, q);
out:
	bul_offices(&c);
	return rc;
}

int roles_bulletin_counts(struct roles *r, MDB_txn *txn, const char *month,
                          Carenet__BulletinReply **out)
{
	Carenet__BulletinRequest q = CARENET__BULLETIN_REQUEST__INIT;
	struct bul c = {.r = r, .txn = txn};
	int rc;

	*out = NULL;
	if (!(c.b = calloc(1, sizeof(*c.b))))
		return CN_ENOMEM;
	carenet__bulletin_reply__init(c.b);
	q.month = (char *)month;
	rc = bul_head(&c, &q);
	if (rc == 0)
		rc = bul_directives(&c);
	if (rc == 0)
		rc = bul_reports(&c);
	bul_offices(&c);
	if (rc != 0) {
		carenet__bulletin_reply__free_unpacked(c.b, NULL);
		return rc;
	}
	*out = c.b;
	return 0;
}

void roles_bulletin_free(Carenet__ControlReply *rep)
{
	if (rep && rep->bulletin) {
		carenet__bulletin_reply__free_unpacked(rep->bulletin, NULL);
		rep->bulletin = NULL;
	}
}

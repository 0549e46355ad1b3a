/*
 * report_apply: a report or a step received from a neighbour (checked,
 * applied, routed on), steps kept until their report arrives, and the
 * county's deadline timers: a hop not acknowledged by its due time
 * escalates itself (the county emits an escalate step, holds the report and
 * is alerted). See reports.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "moved.h"
#include "reports.h"

/* 1 if id is "<owner><tag><digits>" and fits. */
static int id_ok(const char *id, const char *owner, const char *tag)
{
	size_t ol = strlen(owner), tl = strlen(tag), n = strlen(id);

	if (!ol || n >= REPORT_ID_MAX || n <= ol + tl || strncmp(id, owner, ol) ||
	    strncmp(id + ol, tag, tl))
		return 0;
	for (const char *p = id + ol + tl; *p; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return 1;
}

static int text_ok(const char *s)
{
	return strlen(s) <= REPORT_MAX_TEXT;
}

static int future(struct roles *r, uint64_t t)
{
	return t > roles_now(r) + REPORT_SKEW;
}

static int check_texts(const Carenet__Report *p, char *why, size_t wl)
{
	const char *t[] = {p->reporter_name,     p->reporter_role,    p->child,
	                   p->child_description, p->description,      p->location,
	                   p->police_unit,       p->police_record_no, p->summary};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!text_ok(t[i]))
			return roles_why(why, wl, "a text of the report is over %d bytes",
			                 REPORT_MAX_TEXT),
			       CN_ETOOBIG;
	if (!p->summary[0] || (!p->child[0] && !p->child_description[0]))
		return roles_why(why, wl,
		                 "a report needs a summary and a child (id or description)"),
		       CN_EINVAL;
	if (p->n_situation < 1 || p->n_situation > REPORT_MAX_SITUATIONS)
		return roles_why(why, wl, "a report names 1 to %d situations",
		                 REPORT_MAX_SITUATIONS),
		       CN_EINVAL;
	for (size_t i = 0; i < p->n_situation; i++) {
		const char *c = report_situation_code(p->situation[i]);
		if (!c || strcmp(c, p->situation[i]))
			return roles_why(
			           why, wl,
			           "situation \"%.20s\" is not S01 S02 S03 S08 S09 S10 or other",
			           p->situation[i]),
			       CN_EINVAL;
	}
	if (p->urgency < 1 || p->urgency > 3 || p->n_evidence > ROLES_MAX_EVIDENCE)
		return roles_why(why, wl,
		                 "urgency must be urgent, high or normal; evidence at most %d",
		                 ROLES_MAX_EVIDENCE),
		       CN_EINVAL;
	return 0;
}

int report_check(struct roles *r, MDB_txn *txn, const Carenet__Report *p, reports_child_fn child,
                 char *why, size_t wl)
{
	size_t ol = strlen(p->office);
	int ret;

	if (!roles_office_ok(p->office) || !id_ok(p->id, p->office, "-rep"))
		return roles_why(why, wl, "report id \"%.64s\" is not \"<office>-rep<n>\"", p->id),
		       CN_EINVAL;
	if ((ret = check_texts(p, why, wl)) != 0)
		return ret;
	if (future(r, p->filed_at) || future(r, p->discovered_at) ||
	    future(r, p->police_reported_at))
		return roles_why(why, wl,
		                 "report %s claims a time in the future (filed, discovered or "
		                 "police reported more than %d s after this office's clock)",
		                 p->id, REPORT_SKEW),
		       CN_EINVAL;
	if (p->ack_due < p->filed_at || p->ack_due - p->filed_at > REPORT_MAX_DUE)
		return roles_why(why, wl,
		                 "report %s: its acknowledgement deadline is not within 30 days "
		                 "after it was filed",
		                 p->id),
		       CN_EINVAL;
	if (p->child[0] && (strncmp(p->child, p->office, ol) || p->child[ol] == 0 ||
	                    (p->child[ol] != '-' && ol == 12)))
		return roles_why(
		           why, wl,
		           "report %s names child %.64s, who is not of the reporting office %s",
		           p->id, p->child, p->office),
		       CN_ESCOPE;
	if (p->child[0] && child)
		return child(r, txn, p->child, p->office, why, wl);
	return 0;
}

static int above_or_county(const char *by, const char *office)
{
	return report_above(by, office) || (strlen(office) == 6 && !strcmp(by, office));
}

/* The reporting office's id now: where the Moves this node holds took it
 * (core/moved.c, moved_now), else office itself. Its reports stay its own under
 * the id they were filed with; the office acts on them under NEW. */
const char *report_office_now(struct roles *r, MDB_txn *txn, const char *office, char *buf,
                              size_t len)
{
	return moved_now(r->env.store, txn, office, buf, len) == 0 ? buf : office;
}

/* The code township `by` had before its own code changed (the Move held
 * here), else "". */
static const char *by_was(struct roles *r, MDB_txn *txn, const char *by, char *was, size_t len)
{
	if (pki_role_from_id(by) != PKI_ROLE_TOWNSHIP ||
	    moved_from(r->env.store, txn, by, was, len) != 0 ||
	    pki_role_from_id(was) != PKI_ROLE_TOWNSHIP)
		was[0] = 0;
	return was;
}

/* office: the reporting office as the report names it; now: its id today
 * (report_office_now); by_was: the code the step's author had before, if it
 * is a township whose own code changed (撤乡设镇: it is the office above
 * the villages still under that code), else "". The offices above are
 * those above office: a village's move hands no report to the new township. */
static int step_rule(const Carenet__ReportStep *s, const char *office, const char *now,
                     const char *by_was, char *why, size_t wl)
{
	const char *by = s->by;
	int own = !strcmp(by, office) || !strcmp(by, now);
	int above = report_above(by, office) || (by_was[0] && report_above(by_was, office));

	switch (s->kind) {
	case REPORT_STEP_ACK:
		if (own && strlen(office) > 6)
			return roles_why(why, wl, "office %s may not acknowledge its own report",
			                 by),
			       CN_EROLE;
		/* fall through */
	case REPORT_STEP_REFER:
	case REPORT_STEP_CLOSE:
	case REPORT_STEP_REOPEN:
		if (!above && !above_or_county(by, office))
			return roles_why(why, wl,
			                 "%s by %s: only an office above the reporting office %s",
			                 report_kind_name(s->kind), by, office),
			       CN_EROLE;
		if (s->kind == REPORT_STEP_REFER && !s->to[0])
			return roles_why(why, wl, "a referral names a department"), CN_EINVAL;
		return 0;
	case REPORT_STEP_UPDATE:
		if (!own && !above)
			return roles_why(why, wl,
			                 "update by %s: not the reporting office or above it", by),
			       CN_EROLE;
		return 0;
	case REPORT_STEP_OPEN_CASE:
	case REPORT_STEP_ESCALATE:
		if (strlen(by) != 6 || strncmp(by, office, 6))
			return roles_why(why, wl, "%s by %s: only the county of %s",
			                 report_kind_name(s->kind), by, office),
			       CN_EROLE;
		if (s->kind == REPORT_STEP_ESCALATE &&
		    (!s->hop_from[0] || !s->to[0] || s->due_at < s->at ||
		     s->due_at - s->at > REPORT_MAX_DUE))
			return roles_why(why, wl,
			                 "an escalation names the late hop and a deadline within "
			                 "30 days"),
			       CN_EINVAL;
		return 0;
	default:
		return roles_why(why, wl, "unknown report step kind %u", s->kind), CN_EINVAL;
	}
}

int report_step_check(struct roles *r, MDB_txn *txn, const Carenet__ReportStep *s,
                      const Carenet__Report *rep, char *why, size_t wl)
{
	char buf[PKI_ID_MAX], was[PKI_ID_MAX];

	if (strcmp(s->report, rep->id) || strcmp(s->office, rep->office))
		return roles_why(why, wl, "step %s names report %.64s of %.20s, not %s of %s",
		                 s->id, s->report, s->office, rep->id, rep->office),
		       CN_EINVAL;
	if (future(r, s->at))
		return roles_why(why, wl,
		                 "step %s claims a time in the future (more than %d s after this "
		                 "office's clock)",
		                 s->id, REPORT_SKEW),
		       CN_EINVAL;
	return step_rule(s, rep->office, report_office_now(r, txn, rep->office, buf, sizeof(buf)),
	                 by_was(r, txn, s->by, was, sizeof(was)), why, wl);
}

/* "1h", "90m", "45s" */
static void fmt_span(uint64_t s, char *out, size_t len)
{
	if (s && s % 86400 == 0 && s >= 4 * 86400)
		snprintf(out, len, "%llud", (unsigned long long)(s / 86400));
	else if (s && s % 3600 == 0)
		snprintf(out, len, "%lluh", (unsigned long long)(s / 3600));
	else if (s && s % 60 == 0)
		snprintf(out, len, "%llum", (unsigned long long)(s / 60));
	else
		snprintf(out, len, "%llus", (unsigned long long)s);
}

static const char *tier(const char *id)
{
	size_t n = strlen(id);
	return n == 12 ? "village" : n == 9 ? "township" : "county";
}

int report_step_take(struct roles *r, MDB_txn *txn, Carenet__ReportState *st,
                     const Carenet__ReportStep *s)
{
	const char *me = r->env.me->id, *id = st->report->id;
	char span[32];
	int ret;

	if ((ret = report_add_step(st, s)) != 0)
		return ret;
	if (strlen(me) == 6 &&
	    (s->kind == REPORT_STEP_CLOSE || (s->kind == REPORT_STEP_ACK && !strcmp(s->by, me))))
		if ((ret = report_alert_set(r, txn, id, 0, 0)) != 0)
			return ret;
	switch (s->kind) {
	case REPORT_STEP_REFER:
		return roles_audit(r, txn, s->by, "report-refer", id,
		                   "%s referred it to %.64s (%.64s)", s->by, s->to, s->ref);
	case REPORT_STEP_OPEN_CASE:
		return roles_audit(r, txn, s->by, "report-case", id, "%s opened case %.64s", s->by,
		                   s->ref);
	case REPORT_STEP_ESCALATE:
		snprintf(span, sizeof(span), "time");
		for (size_t i = 0; i < st->n_hops; i++)
			if (!strcmp(st->hops[i]->from, s->hop_from) &&
			    !strcmp(st->hops[i]->to, s->to))
				fmt_span(st->hops[i]->due_at - st->hops[i]->sent_at, span,
				         sizeof(span));
		return roles_audit(r, txn, s->by, "report-escalate", id,
		                   "%s %s did not acknowledge within %s (hop from %s): %s holds it",
		                   tier(s->to), s->to, span, s->hop_from, s->by);
	default:
		return roles_audit(r, txn, s->by, "report-step", id, "%s by %s (%s)",
		                   report_kind_name(s->kind), s->by, s->id);
	}
}

/* The sender of an item from `origin` about the subtree of `office`: up
 * from a child (origin or between; a child under this office's id now or a
 * former one), or down from the parent (origin or between). 1 if on the
 * path, *up saying which way; 0 if not; negative on error. */
static int path_of(struct roles *r, MDB_txn *txn, const char *origin, const char *from, int *up)
{
	const char *me = r->env.me->id;
	int ret = roles_below_me(r, txn, from);

	if (ret < 0)
		return ret;
	if (ret) {
		*up = 1; /* the origin below the sender, under its code now or before */
		return roles_relays(r, txn, from, origin);
	}
	*up = 0;
	return report_above(from, me) && (!strcmp(from, origin) || report_above(origin, from));
}

struct take {
	struct roles *r;
	MDB_txn *txn;
	Carenet__ReportState *st;
};

static int take_kept(Carenet__ReportStep *s, void *arg)
{
	struct take *t = arg;
	char why[256];

	if (report_step_check(t->r, t->txn, s, t->st->report, why, sizeof(why)) != 0) {
		log_info("report %s: kept step %s refused: %s", s->report, s->id, why);
		return roles_audit(t->r, t->txn, s->by, "report-refused", s->report, "step %s: %s",
		                   s->id, why);
	}
	return report_step_take(t->r, t->txn, t->st, s);
}

int reports_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                  const struct pki_identity *origin, const char *from, struct roles_route *route,
                  reports_child_fn child, char *why, size_t wl)
{
	const Carenet__Report *p = item->report;
	const char *me = r->env.me->id;
	Carenet__ReportState *st = NULL;
	int up = 0, seen, ret;

	if (!p)
		return roles_why(why, wl, "report without a body"), CN_EINVAL;
	/* filed below this office, under its id now or a former one */
	if ((ret = roles_below_me(r, txn, p->office)) == 1)
		ret = path_of(r, txn, origin->id, from, &up);
	if (ret < 0)
		return ret;
	if (!ret || !up)
		return roles_why(
		           why, wl,
		           "report %.64s of %.20s signed by %s arrived from %s: not from this "
		           "office's subtree",
		           p->id, p->office, origin->id, from),
		       CN_ESCOPE;
	if (strcmp(p->office, origin->id))
		return roles_why(why, wl,
		                 "report %.64s of %.20s is signed by %s, not by its office", p->id,
		                 p->office, origin->id),
		       CN_EROLE;
	if ((ret = report_check(r, txn, p, child, why, wl)) != 0)
		return ret;
	if ((ret = report_seen(r, txn, p->id, &seen)) != 0)
		return ret;
	if (seen || report_get(r, txn, p->id, &st) == 0) {
		carenet__report_state__free_unpacked(st, NULL);
		log_debug("report %s from %s: held already, nothing to do", p->id, from);
		return 0;
	}
	if ((ret = report_state_new(p, &st)) != 0)
		return ret;
	st->received_at = roles_now(r);
	if (!(st->arrived_from = strdup(from)))
		ret = CN_ENOMEM;
	if (ret == 0) {
		struct take t = {r, txn, st};
		ret = report_take_steps(r, txn, p->id, take_kept, &t);
	}
	if (ret == 0 && (ret = report_put(r, txn, st)) == 0 &&
	    (ret = report_mark(r, txn, p->id)) == 0)
		ret = roles_audit(r, txn, origin->id, "report", p->id, "%s report from %s via %s",
		                  report_urgency_name(p->urgency), p->office, from);
	if (ret == 0) {
		log_notice("report %s: %s (%s) from %s arrived; holder %s", p->id,
		           report_urgency_name(p->urgency), report_urgency_zh(p->urgency),
		           p->office, st->holder);
		route->up = strlen(me) > 6;
	}
	carenet__report_state__free_unpacked(st, NULL);
	return ret;
}

/* A step goes down to the reporting office unless it came up from that way.
 * When the office moved (now != office), down to it under its new id, and a
 * step of the county's also to the township it was under, which holds the
 * report too and routes it no further (now is not below it). The old
 * township's own steps cross to the new branch (the engine lets report
 * steps alone do so, origin_sideways); NEW's steps reach the county, not the
 * old township (it is no longer NEW's, and needs only the county's). */
static int step_route(struct roles *r, MDB_txn *txn, const Carenet__ReportStep *s, const char *now,
                      const char *origin, const char *from, int up, struct roles_route *route)
{
	const char *office = s->office;
	int moved = strcmp(now, office) != 0, ret;
	size_t n = 0;

	route->up = up && strlen(r->env.me->id) > 6;
	/* below: under this office's id now or a former one; not back down the
	 * branch it came up from (the office itself under the id it had before
	 * its switch included) */
	if ((ret = roles_below_me(r, txn, now)) < 0)
		return ret;
	if (ret && up) {
		int back = report_above(from, now) || !strcmp(from, now);
		if (!back && (back = moved_was(r->env.store, txn, now, from)) < 0)
			return back;
		ret = !back;
	}
	if (ret)
		snprintf(route->ids[n++], sizeof(route->ids[0]), "%s", now);
	if (moved && strlen(office) > 6) {
		char was[sizeof(route->ids[0])];
		snprintf(was, sizeof(was), "%.*s", (int)(strlen(office) - 3), office);
		if ((ret = roles_below_me(r, txn, was)) < 0)
			return ret;
		if (ret && report_above(origin, was) &&
		    !(up && (!strcmp(from, was) || report_above(was, from))))
			snprintf(route->ids[n++], sizeof(route->ids[0]), "%s", was);
	}
	for (size_t i = 0; i < n; i++)
		route->own[i] = route->ids[i];
	route->targets = n ? route->own : NULL;
	route->ntargets = n;
	return 0;
}

int reports_step_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                       const struct pki_identity *origin, const char *from,
                       struct roles_route *route, char *why, size_t wl)
{
	const Carenet__ReportStep *s = item->report_step;
	const char *me = r->env.me->id, *now;
	Carenet__ReportState *st = NULL;
	char buf[PKI_ID_MAX], was[PKI_ID_MAX];
	int up, seen, here, ret;

	if (!s || strcmp(s->by, origin->id) || !id_ok(s->id, s->by, "-step") ||
	    !roles_office_ok(s->office) || !id_ok(s->report, s->office, "-rep") ||
	    (s->down[0] && !roles_office_ok(s->down)) ||
	    !text_ok(s->note) || !text_ok(s->outcome) || !text_ok(s->to) || !text_ok(s->ref) ||
	    !text_ok(s->hop_from))
		return roles_why(why, wl,
		                 "report step malformed (ids, signer, or a text too long)"),
		       CN_EINVAL;
	now = report_office_now(r, txn, s->office, buf, sizeof(buf));
	/* the office at or below this one, under its id now or a former one */
	if ((here = roles_at_or_below_me(r, txn, now)) < 0)
		return here;
	if ((ret = here ? 1 : roles_at_or_below_me(r, txn, s->office)) < 0)
		return ret;
	if (!ret)
		return roles_why(why, wl, "step %s of %s arrived from %s, not on its path", s->id,
		                 origin->id, from),
		       CN_ESCOPE;
	if ((ret = path_of(r, txn, origin->id, from, &up)) < 0)
		return ret;
	if (!ret) {
		/* A moved office's steps come down from the parent when their
		 * origin is on the other branch (its old township's, by way of
		 * the county: node/deliver_apply.c, origin_sideways), to the
		 * office's new place only. */
		if (!strcmp(now, s->office) || !report_above(from, me) || !here)
			return roles_why(why, wl, "step %s of %s arrived from %s, not on its path",
			                 s->id, origin->id, from),
			       CN_ESCOPE;
		up = 0;
	}
	if ((ret = step_rule(s, s->office, now, by_was(r, txn, s->by, was, sizeof(was)), why,
	                     wl)) != 0)
		return ret;
	if (future(r, s->at))
		return roles_why(why, wl,
		                 "step %s claims a time in the future (more than %d s ahead)",
		                 s->id, REPORT_SKEW),
		       CN_EINVAL;
	if ((ret = report_seen(r, txn, s->id, &seen)) != 0)
		return ret;
	if (seen) {
		log_debug("report step %s from %s: held already, nothing to do", s->id, from);
		return 0;
	}
	ret = report_get(r, txn, s->report, &st);
	if (ret == CN_ENOTFOUND) {
		ret = report_keep_step(r, txn, s);
		log_debug("report step %s: report %s not here yet, kept", s->id, s->report);
	} else if (ret == 0 && (ret = report_step_check(r, txn, s, st->report, why, wl)) == 0 &&
	           (ret = report_step_take(r, txn, st, s)) == 0)
		ret = report_put(r, txn, st);
	carenet__report_state__free_unpacked(st, NULL);
	if (ret == 0 && (ret = report_mark(r, txn, s->id)) == 0)
		ret = step_route(r, txn, s, now, origin->id, from, up, route);
	if (ret == 0 && s->kind == REPORT_STEP_ESCALATE)
		log_notice("report %s escalated by the county: %s %s did not acknowledge in time",
		           s->report, tier(s->to), s->to);
	return ret;
}

/* ------------------------------------------------------------ timers */

struct first {
	struct roles *r;
	uint64_t due;
};

static int first_fn(MDB_txn *txn, void *arg)
{
	struct first *f = arg;
	char id[REPORT_ID_MAX];

	return report_first_timer(f->r, txn, &f->due, id, sizeof(id));
}

uint64_t reports_next_due(struct roles *r)
{
	struct first f = {r, UINT64_MAX};

	if (strlen(r->env.me->id) != 6 || store_read(r->env.store, first_fn, &f) != 0)
		return UINT64_MAX;
	return f.due;
}

/* The county takes a late hop: an escalate step, emitted and applied here. */
static int escalate(struct roles *r, MDB_txn *txn, Carenet__ReportState *st,
                    const Carenet__ReportHop *h, uint64_t now)
{
	Carenet__ReportStep s = CARENET__REPORT_STEP__INIT;
	Carenet__Item it = CARENET__ITEM__INIT;
	char sid[REPORT_ID_MAX], span[32], down[PKI_ID_MAX];
	int ret;

	s.id = ""; /* emit names it */
	s.report = st->report->id;
	s.office = st->report->office;
	if (strcmp(report_office_now(r, txn, s.office, down, sizeof(down)), s.office))
		s.down = down; /* it moved: the engine routes there too */
	s.kind = REPORT_STEP_ESCALATE;
	s.by = (char *)r->env.me->id;
	s.at = now;
	s.seen = (uint32_t)st->n_steps;
	s.to = h->to;
	s.hop_from = h->from;
	s.due_at = now + report_ack_after(r, st->report->urgency);
	it.body_case = CARENET__ITEM__BODY_REPORT_STEP;
	it.report_step = &s;
	fmt_span(h->due_at - h->sent_at, span, sizeof(span));
	if ((ret = r->env.emit(r->env.arg, txn, &it, sid, sizeof(sid))) != 0 ||
	    (ret = report_step_take(r, txn, st, &s)) != 0 ||
	    (ret = report_mark(r, txn, s.id)) != 0 ||
	    (ret = report_alert_set(r, txn, st->report->id, now, 1)) != 0)
		return ret;
	log_notice("report %s escalated: %s %s did not acknowledge within %s", st->report->id,
	           tier(h->to), h->to, span);
	return 0;
}

static int fire_one(struct roles *r, MDB_txn *txn, const char *id, uint64_t now)
{
	Carenet__ReportState *st = NULL;
	int ret = report_get(r, txn, id, &st);

	if (ret != 0)
		return ret;
	for (size_t i = 0; i < st->n_hops && ret == 0; i++) {
		Carenet__ReportHop *h = st->hops[i];
		if (!h->acked_at && !h->escalated && h->due_at <= now &&
		    strcmp(h->to, r->env.me->id)) {
			ret = escalate(r, txn, st, h, now);
			break; /* the hops changed: report_put replays */
		}
	}
	if (ret == 0)
		ret = report_put(r, txn, st);
	carenet__report_state__free_unpacked(st, NULL);
	return ret;
}

int reports_fire(struct roles *r, MDB_txn *txn, uint64_t now)
{
	char id[REPORT_ID_MAX], last[REPORT_ID_MAX] = "";
	uint64_t due;
	int ret = 0;

	if (strlen(r->env.me->id) != 6)
		return 0;
	for (int n = 0; n < 1000 && ret == 0; n++) {
		if ((ret = report_first_timer(r, txn, &due, id, sizeof(id))) != 0 || due > now)
			break;
		if (!strcmp(id, last)) { /* did not move: never loop on it */
			log_warn("report %s: its timer did not move; dropped", id);
			break;
		}
		snprintf(last, sizeof(last), "%s", id);
		ret = fire_one(r, txn, id, now);
	}
	return ret;
}

struct alert_arg {
	struct roles *r;
	MDB_txn *txn;
	int (*fn)(const char *text, void *arg);
	void *arg;
};

static int alert_one(const char *id, uint64_t at, void *arg)
{
	struct alert_arg *a = arg;
	Carenet__ReportState *st = NULL;
	char text[512], when[32];
	int ret = report_get(a->r, a->txn, id, &st);

	if (ret != 0)
		return ret == CN_ENOTFOUND ? 0 : ret;
	roles_fmt_utc(at, when, sizeof(when));
	for (size_t i = 0; i < st->n_hops; i++) {
		char span[32];
		const Carenet__ReportHop *h = st->hops[i];
		if (!h->escalated)
			continue;
		fmt_span(h->due_at - h->sent_at, span, sizeof(span));
		snprintf(text, sizeof(text),
		         "report %s escalated %s: %s %s did not acknowledge within %s; the county "
		         "holds it (carenet report ack %s) 强制报告超时未受理，已上报县级",
		         id, when, tier(h->to), h->to, span, id);
		ret = a->fn(text, a->arg);
		break;
	}
	carenet__report_state__free_unpacked(st, NULL);
	return ret;
}

int reports_alerts(struct roles *r, MDB_txn *txn, int (*fn)(const char *text, void *arg), void *arg)
{
	struct alert_arg a = {r, txn, fn, arg};

	return report_each_alert(r, txn, alert_one, &a);
}

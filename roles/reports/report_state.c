/*
 * report_state: a report's state in memory — a fresh one, steps added, the
 * replay that derives holder, state and hops from the report and its steps,
 * and the masked views (reports.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "reports.h"

/* A deep copy of a message (packed and unpacked: one allocator, freed
 * with its free_unpacked). NULL on ENOMEM. */
static void *dup_msg(const ProtobufCMessage *m)
{
	size_t len = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(len ? len : 1);
	void *out;

	if (!buf)
		return NULL;
	protobuf_c_message_pack(m, buf);
	out = protobuf_c_message_unpack(m->descriptor, NULL, len, buf);
	free(buf);
	return out;
}
#define DUP(m) dup_msg(&(m)->base)

int report_add_step(Carenet__ReportState *st, const Carenet__ReportStep *s)
{
	Carenet__ReportStep **v, *c;

	if (st->n_steps >= REPORT_MAX_STEPS)
		return CN_ETOOBIG;
	if (!(c = DUP(s)))
		return CN_ENOMEM;
	if (!(v = realloc(st->steps, (st->n_steps + 1) * sizeof(*v)))) {
		carenet__report_step__free_unpacked(c, NULL);
		return CN_ENOMEM;
	}
	st->steps = v;
	st->steps[st->n_steps++] = c;
	return 0;
}

int report_state_new(const Carenet__Report *rep, Carenet__ReportState **out)
{
	Carenet__ReportState *st = calloc(1, sizeof(*st));

	*out = NULL;
	if (!st)
		return CN_ENOMEM;
	carenet__report_state__init(st);
	if (!(st->report = DUP(rep))) {
		free(st);
		return CN_ENOMEM;
	}
	*out = st;
	return 0;
}

/* ------------------------------------------------------------ replay */

static int set_str(char **dst, const char *v)
{
	char *c = strdup(v ? v : "");

	if (!c)
		return CN_ENOMEM;
	if (*dst && *dst != protobuf_c_empty_string)
		free(*dst);
	*dst = c;
	return 0;
}

static void hops_free(Carenet__ReportState *st)
{
	for (size_t i = 0; i < st->n_hops; i++)
		carenet__report_hop__free_unpacked(st->hops[i], NULL);
	free(st->hops);
	st->hops = NULL;
	st->n_hops = 0;
}

static int hop_add(Carenet__ReportState *st, const char *from, const char *to, uint64_t sent,
                   uint64_t due)
{
	Carenet__ReportHop *h = calloc(1, sizeof(*h)), **v;

	if (!h)
		return CN_ENOMEM;
	carenet__report_hop__init(h);
	if (!(v = realloc(st->hops, (st->n_hops + 1) * sizeof(*v)))) {
		free(h);
		return CN_ENOMEM;
	}
	st->hops = v;
	st->hops[st->n_hops++] = h;
	h->sent_at = sent;
	h->due_at = due;
	if (set_str(&h->from, from) || set_str(&h->to, to) || set_str(&h->acked_by, ""))
		return CN_ENOMEM;
	return 0;
}

static int step_cmp(const void *a, const void *b)
{
	const Carenet__ReportStep *x = *(Carenet__ReportStep *const *)a;
	const Carenet__ReportStep *y = *(Carenet__ReportStep *const *)b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	if (x->seen != y->seen)
		return x->seen < y->seen ? -1 : 1;
	return strcmp(x->id, y->id);
}

static int on_ack(Carenet__ReportState *st, const Carenet__ReportStep *s)
{
	size_t cl = 6;

	for (size_t i = 0; i < st->n_hops; i++) {
		Carenet__ReportHop *h = st->hops[i];
		/* the county's ack answers every hop to the county; a township's the
		 * hop to its township, which the step rules (report_apply.c) let
		 * only the office's own township make, under its code now or the
		 * one it had (撤乡设镇) */
		if (h->acked_at ||
		    (strcmp(h->to, s->by) && !(strlen(s->by) == cl && strlen(h->to) == cl) &&
		     !(strlen(s->by) == 9 && strlen(h->to) == 9)))
			continue;
		h->acked_at = s->at;
		if (set_str(&h->acked_by, s->by))
			return CN_ENOMEM;
	}
	return 0;
}

static int on_escalate(Carenet__ReportState *st, const Carenet__ReportStep *s, int *held)
{
	char county[8];

	snprintf(county, sizeof(county), "%.6s", st->report->office);
	for (size_t i = 0; i < st->n_hops; i++) {
		Carenet__ReportHop *h = st->hops[i];
		if (!h->escalated && !strcmp(h->from, s->hop_from) && !strcmp(h->to, s->to)) {
			h->escalated = 1;
			*held = 1;
			return hop_add(st, s->to, county, s->at, s->due_at);
		}
	}
	return 0;
}

static int replay_steps(Carenet__ReportState *st, int *referred, int *closed, int *escalated)
{
	int ret = 0;

	for (size_t i = 0; i < st->n_steps && ret == 0; i++) {
		const Carenet__ReportStep *s = st->steps[i];
		switch (s->kind) {
		case REPORT_STEP_ACK:
			ret = on_ack(st, s);
			break;
		case REPORT_STEP_ESCALATE:
			if ((ret = on_escalate(st, s, escalated)) == 0)
				ret = set_str(&st->holder, s->by);
			break;
		case REPORT_STEP_REFER:
			*referred = 1;
			break;
		case REPORT_STEP_OPEN_CASE:
			ret = set_str(&st->case_id, s->ref);
			break;
		case REPORT_STEP_CLOSE:
			*closed = 1;
			st->closed_at = s->at;
			if ((ret = set_str(&st->closed_by, s->by)) == 0)
				ret = set_str(&st->outcome, s->outcome);
			break;
		case REPORT_STEP_REOPEN:
			*closed = 0;
			st->closed_at = 0;
			break;
		default:
			break;
		}
	}
	return ret;
}

static const char *state_of(const Carenet__ReportState *st, int referred, int closed, int esc)
{
	int waiting = 0;

	if (closed)
		return "closed";
	for (size_t i = 0; i < st->n_hops; i++)
		if (!st->hops[i]->acked_at && !strcmp(st->hops[i]->to, st->holder))
			waiting = 1;
	if (waiting)
		return esc ? "escalated" : "open";
	return referred ? "referred" : "acknowledged";
}

int report_replay(struct roles *r, Carenet__ReportState *st, uint64_t now)
{
	const Carenet__Report *rep = st->report;
	const char *me = r->env.me->id, *office = rep->office;
	char parent[16], county[8];
	int referred = 0, closed = 0, esc = 0, ret;
	size_t ol = strlen(office);

	if (st->n_steps > 1)
		qsort(st->steps, st->n_steps, sizeof(st->steps[0]), step_cmp);
	hops_free(st);
	snprintf(parent, sizeof(parent), "%.*s", (int)(ol > 6 ? ol - 3 : ol), office);
	snprintf(county, sizeof(county), "%.6s", office);
	if ((ret = set_str(&st->holder, parent)) != 0 || (ret = set_str(&st->case_id, "")) ||
	    (ret = set_str(&st->closed_by, "")) || (ret = set_str(&st->outcome, "")))
		return ret;
	st->closed_at = 0;
	if (ol > 6 && (ret = hop_add(st, office, parent, rep->filed_at, rep->ack_due)) != 0)
		return ret;
	/* a village's report that reached the county straight (failover) */
	if (ol == 12 && strlen(me) == 6 && !strcmp(st->arrived_from, office) &&
	    (ret = hop_add(st, office, county, rep->filed_at, rep->ack_due)) != 0)
		return ret;
	if ((ret = replay_steps(st, &referred, &closed, &esc)) != 0)
		return ret;
	if ((ret = set_str(&st->state, state_of(st, referred, closed, esc))) != 0)
		return ret;
	st->overdue = 0;
	for (size_t i = 0; i < st->n_hops && !closed; i++)
		if (!st->hops[i]->acked_at && !st->hops[i]->escalated && st->hops[i]->due_at <= now)
			st->overdue = 1;
	return 0;
}

/* ------------------------------------------------------------ views */

static int mask(char **s)
{
	return (*s)[0] ? set_str(s, "**") : 0;
}

Carenet__ReportState *report_view(const Carenet__ReportState *st, int reveal)
{
	Carenet__ReportState *v = DUP(st);
	Carenet__Report *p;
	int ret = 0;

	if (!v || reveal)
		return v;
	p = v->report;
	ret |= mask(&p->reporter_name) | mask(&p->reporter_role) | mask(&p->child);
	ret |= mask(&p->child_description) | mask(&p->description) | mask(&p->location);
	ret |= mask(&p->summary) | mask(&v->outcome);
	for (size_t i = 0; i < p->n_situation; i++)
		ret |= mask(&p->situation[i]);
	for (size_t i = 0; i < v->n_steps; i++)
		ret |= mask(&v->steps[i]->note) | mask(&v->steps[i]->outcome);
	if (ret) {
		carenet__report_state__free_unpacked(v, NULL);
		return NULL;
	}
	return v;
}

/*
 * province: compliance at a province or prefecture (issue 14 item 4), from
 * the counties' monthly roll-ups (R29), never from records: each county's
 * results of one standard as its own node judged them at its month end
 * (roles_rollup_eval.c carries them up), its verdict (pass: every
 * applicable indicator passes; fail: one fails; else unknown), the failing
 * indicators, its data age (the roll-up's month, when received) and a stale
 * mark when the month asked has no roll-up; per indicator how many counties
 * pass it; and the standard's province and prefecture rows (milestones)
 * that the aggregates allow: plan.goal.system_2020 (every county passes
 * plan.goal.*) and plan.report.prefecture_summary (every prefecture's
 * roll-up of the month held), the rest unknown with the reason.
 * Reads only what roles top hands it (struct prov_county).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compliance.h"
#include "err.h"

typedef Carenet__ProvinceCounty PC;
typedef Carenet__ProvinceIndicator PI;

static char *dup(const char *s)
{
	return strdup(s ? s : "");
}

static int grow(void ***v, size_t n)
{
	void **nv = realloc(*v, (n + 1) * sizeof(**v));
	if (!nv)
		return CN_ENOMEM;
	*v = nv;
	return 0;
}

static int res_copy(PC *x, const Carenet__RollupResult *s)
{
	Carenet__RollupResult *y;

	if (grow((void ***)&x->results, x->n_results) || !(y = calloc(1, sizeof(*y))))
		return CN_ENOMEM;
	x->results[x->n_results++] = y;
	carenet__rollup_result__init(y);
	y->standard = dup(s->standard), y->id = dup(s->id), y->result = dup(s->result);
	y->threshold = dup(s->threshold), y->has_value = s->has_value, y->value = s->value;
	return y->standard && y->id && y->result && y->threshold ? 0 : CN_ENOMEM;
}

/* The county's results of standard std: counts, failing ids, verdict. */
static int county_results(PC *x, const struct prov_county *c, const char *std)
{
	const Carenet__Rollup *ro = c->ro;
	int rc = 0;

	for (size_t i = 0; ro && i < ro->n_results && rc == 0; i++) {
		const Carenet__RollupResult *s = ro->results[i];
		if (strcmp(s->standard, std) != 0)
			continue;
		if ((rc = res_copy(x, s)) != 0)
			break;
		if (!strcmp(s->result, "pass"))
			x->pass++;
		else if (!strcmp(s->result, "fail")) {
			x->fail++;
			if (grow((void ***)&x->failing, x->n_failing) ||
			    !(x->failing[x->n_failing++] = dup(s->id)))
				rc = CN_ENOMEM;
		} else if (!strcmp(s->result, "unknown"))
			x->unknown++;
		else
			x->na++;
	}
	x->verdict = dup(x->fail ? "fail" : x->unknown || !x->pass ? "unknown" : "pass");
	return rc ? rc : x->verdict ? 0 : CN_ENOMEM;
}

static void county_note(PC *x, const struct prov_county *c, const char *month, const char *std)
{
	char n[256] = "";

	if (!c->ro)
		snprintf(n, sizeof(n), "no roll-up yet 尚无月汇总");
	else if (x->stale)
		snprintf(n, sizeof(n), "no roll-up since %s 自%s后无月汇总 (%s expected)",
		         c->ro->month, c->ro->month, month);
	if (c->ro && !x->n_results)
		snprintf(n + strlen(n), sizeof(n) - strlen(n),
		         "%sits roll-up holds no results of %s (the county's "
		         "compliance.rollup_standards)",
		         n[0] ? "; " : "", std);
	x->note = dup(n);
}

static int county_row(Carenet__ProvinceReply *p, const struct prov_county *c, const char *std,
                      const char *month)
{
	PC *x;
	char drill[512];

	if (grow((void ***)&p->counties, p->n_counties) || !(x = calloc(1, sizeof(*x))))
		return CN_ENOMEM;
	p->counties[p->n_counties++] = x;
	carenet__province_county__init(x);
	x->id = dup(c->id), x->prefecture = dup(c->prefecture);
	x->month = dup(c->ro ? c->ro->month : "");
	x->results_at = dup(c->ro ? c->ro->results_at : "");
	x->made_at = c->ro ? c->ro->made_at : 0, x->received_at = c->received_at;
	x->stale = !c->ro || strcmp(c->ro->month, month) < 0;
	if (county_results(x, c, std) != 0)
		return CN_ENOMEM;
	county_note(x, c, month, std);
	snprintf(drill, sizeof(drill),
	         "carenet inspect -c INSPECTOR.cfg --node ENDPOINT-OF-%s --node-cert %s.pem "
	         "--office %s --standard %s",
	         c->id, c->id, c->id, std);
	x->drill = dup(x->fail || x->stale ? drill : "");
	p->counties_pass += !x->stale && !strcmp(x->verdict, "pass");
	p->counties_fail += !x->stale && !strcmp(x->verdict, "fail");
	p->counties_unknown += !x->stale && !strcmp(x->verdict, "unknown");
	p->counties_stale += x->stale;
	return x->id && x->prefecture && x->month && x->note && x->drill ? 0 : CN_ENOMEM;
}

static PI *ind_new(Carenet__ProvinceReply *p, int milestone, const struct sd_indicator *d)
{
	PI *x;
	PI ***v = milestone ? &p->milestones : &p->indicators;
	size_t *n = milestone ? &p->n_milestones : &p->n_indicators;

	if (grow((void ***)v, *n) || !(x = calloc(1, sizeof(*x))))
		return NULL;
	(*v)[(*n)++] = x;
	carenet__province_indicator__init(x);
	x->id = dup(d->id), x->zh = dup(d->zh), x->en = dup(d->en), x->tier = dup(d->tier);
	x->mode = dup(d->mode), x->threshold = dup(d->threshold), x->due = dup(d->due);
	x->veto = d->veto;
	return x->id && x->zh && x->en && x->tier && x->mode && x->threshold && x->due ? x : NULL;
}

/* The result of indicator id in county x ("" none). */
static const char *result_of(const PC *x, const char *id)
{
	for (size_t i = 0; i < x->n_results; i++)
		if (!strcmp(x->results[i]->id, id))
			return x->results[i]->result;
	return "";
}

/* How many counties pass, fail, ... indicator d. */
static int ind_counties(Carenet__ProvinceReply *p, const struct sd_indicator *d)
{
	PI *x = ind_new(p, 0, d);

	if (!x)
		return CN_ENOMEM;
	for (size_t i = 0; i < p->n_counties; i++) {
		const char *r = result_of(p->counties[i], d->id);
		x->pass += !strcmp(r, "pass"), x->fail += !strcmp(r, "fail");
		x->unknown += !strcmp(r, "unknown"), x->na += !strcmp(r, "n/a");
		x->missing += !r[0];
	}
	x->result = dup(x->fail                    ? "fail"
	                : x->unknown || x->missing ? "unknown"
	                : x->pass                  ? "pass"
	                                           : "n/a");
	x->note = dup("");
	return x->result && x->note ? 0 : CN_ENOMEM;
}

static int above_county(const char *tier)
{
	return strstr(tier, "province") || strstr(tier, "prefecture");
}

/* plan.goal.system_2020: every county passes every other plan.goal.*. */
static void goal_system(const Carenet__ProvinceReply *p, PI *x, char *note, size_t len)
{
	size_t ok = 0, bad = 0, open = 0;

	for (size_t i = 0; i < p->n_counties; i++) {
		const PC *c = p->counties[i];
		int f = 0, u = c->stale || !c->n_results, seen = 0;
		for (size_t k = 0; k < c->n_results; k++) {
			const Carenet__RollupResult *s = c->results[k];
			if (strncmp(s->id, "plan.goal.", 10) || !strcmp(s->id, x->id))
				continue;
			seen = 1;
			f |= !strcmp(s->result, "fail");
			u |= strcmp(s->result, "pass") != 0;
		}
		u |= !seen;
		ok += !f && !u, bad += f, open += !f && u;
	}
	x->has_value = p->n_counties > 0;
	x->value = p->n_counties ? (double)ok / (double)p->n_counties : 0;
	x->pass = ok, x->fail = bad, x->unknown = open;
	x->result = dup(!p->n_counties ? "unknown" : bad ? "fail" : open ? "unknown" : "pass");
	snprintf(note, len,
	         "%zu of %zu counties pass every plan.goal.* (stale or no results: "
	         "unknown)",
	         ok, (size_t)p->n_counties);
}

/* plan.report.prefecture_summary: every prefecture's roll-up of the month. */
static void goal_prefectures(const struct prov_prefs *pf, PI *x, char *note, size_t len)
{
	size_t ok = 0;

	for (size_t i = 0; i < pf->n; i++)
		ok += pf->has_month[i] != 0;
	x->pass = ok, x->fail = pf->n - ok;
	x->has_value = pf->n > 0;
	x->value = pf->n ? (double)ok / (double)pf->n : 0;
	x->result = dup(!pf->n ? "n/a" : ok == pf->n ? "pass" : "fail");
	snprintf(note, len, "%zu of %zu prefectures sent their roll-up of %s", ok, pf->n,
	         pf->month);
}

static int milestone(Carenet__ProvinceReply *p, const struct sd_indicator *d,
                     const struct prov_prefs *pf)
{
	PI *x = ind_new(p, 1, d);
	char note[512];

	if (!x)
		return CN_ENOMEM;
	if (!strcmp(d->id, "plan.goal.system_2020"))
		goal_system(p, x, note, sizeof(note));
	else if (!strcmp(d->id, "plan.report.prefecture_summary"))
		goal_prefectures(pf, x, note, sizeof(note));
	else {
		int na = !strcmp(d->mode, "—");
		x->result = dup(na ? "n/a" : "unknown");
		snprintf(note, sizeof(note), "%s%s",
		         na ? "not assessed (mode —)"
		            : "not in the counties' roll-ups (counts and results only): ",
		         na                        ? ""
		         : d->needs && d->needs[0] ? d->needs
		                                   : "an inspector's finding or "
		                                     "an attestation at this office");
	}
	x->note = dup(note);
	return x->result && x->note ? 0 : CN_ENOMEM;
}

int province_eval(const struct sd_standard *s, const struct prov_county *c, size_t n,
                  const struct prov_prefs *pf, Carenet__ProvinceReply *p)
{
	int rc = 0;

	p->standard = dup(s->id), p->title_zh = dup(s->title_zh), p->title_en = dup(s->title_en);
	if (!p->standard || !p->title_zh || !p->title_en)
		return CN_ENOMEM;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = county_row(p, &c[i], s->id, pf->month);
	for (size_t i = 0; i < s->n && rc == 0; i++)
		rc = above_county(s->v[i].tier) ? milestone(p, &s->v[i], pf)
		                                : ind_counties(p, &s->v[i]);
	return rc;
}

/*
 * demo_province: the scenario of `carenet demo --province` (issue 14, item
 * 3), one step: once the province knows every county and each county its
 * villages, the province issues a task to 53:village; each county relays it
 * to its villages, the first village acknowledges it done, and the
 * province's `directive show` is printed once every county's tally (counts
 * only: the offices' statuses stay in the county) and the first village's
 * done have reached it. Bounded waits; errors as demo_scenario.h says.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "demo_scenario_int.h"
#include "err.h"
#include "roles.h"
#include "util.h"

/* Seconds from now to the 2nd of next month (China time, the roll-ups'
 * months): one month end passed, whatever today's date. The clocks have
 * not moved before this step. */
static int64_t past_month_end(void)
{
	uint64_t now = util_now();

	return (int64_t)(roles_next_month_start(now) + 86400u - now);
}

#define DP_DUE (24 * 3600) /* the task is due a day after it is issued */

struct dp {
	struct scen s;
	const struct demo_office *province, *village; /* the first village */
	size_t ncounties;
	char id[64];
	uint64_t done_seen;
	char month[8]; /* the roll-ups' month (step 2) */
};

/* How many offices of role o knows below it. */
static size_t dp_known(const struct demo_office *o, enum pki_role role)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	size_t n = 0;

	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_OFFICES, NULL);
	if (sc_call(o, &req, CLI_TIMEOUT_MS, 1, &rep) == 0)
		for (size_t i = 0; i < rep->n_offices; i++)
			n += pki_role_parse(rep->offices[i]->role) == role;
	carenet__control_reply__free_unpacked(rep, NULL);
	return n;
}

/* The province knows every county, each county every village below it. */
static int dp_ready(struct scen *s)
{
	struct dp *p = (struct dp *)s;
	const struct demo_scenario_env *env = s->env;
	size_t n;

	if ((n = dp_known(p->province, PKI_ROLE_COUNTY)) != p->ncounties) {
		snprintf(s->seen, sizeof(s->seen), "the province knows %zu of %zu counties", n,
		         p->ncounties);
		return 0;
	}
	for (size_t i = 0; i < env->n; i++) {
		const struct demo_office *c = &env->offices[i];
		size_t want = 0;
		if (c->role != PKI_ROLE_COUNTY)
			continue;
		for (size_t k = 0; k < env->n; k++)
			want += env->offices[k].role == PKI_ROLE_VILLAGE &&
			        !strncmp(env->offices[k].id, c->id, strlen(c->id));
		if ((n = dp_known(c, PKI_ROLE_VILLAGE)) != want) {
			snprintf(s->seen, sizeof(s->seen), "county %s knows %zu of %zu villages",
			         c->id, n, want);
			return 0;
		}
	}
	return 1;
}

static int dp_show(struct dp *p, Carenet__ControlReply **rep)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ShowRequest q = CARENET__SHOW_REQUEST__INIT;
	int rc;

	q.id = p->id;
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_DIRECTIVE_SHOW, &q);
	rc = sc_call(p->province, &req, CLI_TIMEOUT_MS, 1, rep);
	return rc == 0 && (*rep)->n_directives != 1 ? CN_EPROTO : rc;
}

/* Every county's tally at the province, the first village's done in it. */
static int dp_tallied(struct scen *s)
{
	struct dp *p = (struct dp *)s;
	Carenet__ControlReply *rep = NULL;
	size_t counties = 0;
	uint64_t done = 0;
	int rc = dp_show(p, &rep);

	if (rc == 0)
		for (size_t i = 0; i < rep->directives[0]->n_tallies; i++) {
			const Carenet__TallyView *t = rep->directives[0]->tallies[i];
			if (strlen(t->office) == 6 && t->as_of) {
				counties++;
				done += t->done;
			}
		}
	carenet__control_reply__free_unpacked(rep, NULL);
	snprintf(s->seen, sizeof(s->seen), "%s: tallies of %zu of %zu counties, %llu done",
	         rc ? cn_strerror(rc) : p->id, counties, p->ncounties, (unsigned long long)done);
	return rc == 0 && counties == p->ncounties && done >= 1;
}

/* The county's relay of the task, in the first village's inbox. */
static int dp_relayed(struct scen *s)
{
	struct dp *p = (struct dp *)s;
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	int rc;

	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_INBOX, NULL);
	rc = sc_call(p->village, &req, CLI_TIMEOUT_MS, 1, &rep);
	for (size_t i = 0; rc == 0 && i < rep->n_directives; i++)
		if (!strcmp(rep->directives[i]->parent, p->id))
			snprintf(s->task, sizeof(s->task), "%s", rep->directives[i]->id);
	carenet__control_reply__free_unpacked(rep, NULL);
	snprintf(s->seen, sizeof(s->seen), "%s's inbox: %s", p->village->id,
	         s->task[0] ? s->task : "not yet");
	return s->task[0] != 0;
}

static int dp_issue(struct dp *p)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__IssueRequest q = CARENET__ISSUE_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	uint64_t now = util_now();
	int rc;

	printf("$ carenet directive issue -c %s/node.cfg --kind task --to 53:village \\\n"
	       "      --title \"全省儿童之家台账自查 province-wide ledger self-check\" --due +1d\n",
	       p->province->id);
	q.kind = KIND_TASK;
	q.to = "53:village";
	q.title = "全省儿童之家台账自查 province-wide ledger self-check";
	q.body = "各县转发至所有儿童之家。Each county relays it to every village.";
	q.due = now + DP_DUE; /* the province's test clock runs at or ahead of real time */
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_DIRECTIVE_ISSUE, &q);
	if ((rc = sc_call(p->province, &req, CLI_WRITE_TIMEOUT_MS, 0, &rep)) == 0)
		snprintf(p->id, sizeof(p->id), "%s", rep->id);
	carenet__control_reply__free_unpacked(rep, NULL);
	return rc;
}

static int dp_ack(struct dp *p)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__AckRequest q = CARENET__ACK_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	int rc;

	printf("$ carenet ack %s -c %s/node.cfg --state done\n", p->s.task, p->village->id);
	q.directive = p->s.task;
	q.state = STATE_DONE;
	q.note = "已自查 checked";
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_ACK, &q);
	rc = sc_call(p->village, &req, CLI_WRITE_TIMEOUT_MS, 0, &rep);
	carenet__control_reply__free_unpacked(rep, NULL);
	return rc;
}

/* The children counted in o's ledger summary (quiet); with offices (at a
 * province), the counties' latest roll-ups, their month in month and how
 * many counties reported in *offices. */
static uint64_t dp_children(const struct demo_office *o, char *month, size_t mlen,
                            size_t *offices)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__LedgerSummaryRequest q = CARENET__LEDGER_SUMMARY_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	uint64_t n = 0;

	q.office = "";
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_LEDGER_SUMMARY, &q);
	if (sc_call(o, &req, CLI_TIMEOUT_MS, 1, &rep) == 0) {
		for (size_t i = 0; i < rep->n_summary; i++)
			if (!strcmp(rep->summary[i]->measure, "children") &&
			    (!offices || strlen(rep->summary[i]->office) == 6)) /* not a prefecture's sum */
				n += rep->summary[i]->count;
		for (size_t i = 0; offices && i < rep->n_rollups; i++) {
			*offices += strlen(rep->rollups[i]->id) == 6;
			if (month)
				snprintf(month, mlen, "%s", rep->rollups[i]->month);
		}
	}
	carenet__control_reply__free_unpacked(rep, NULL);
	return n;
}

/* Every county holds its villages' children. */
static int dp_counted(struct scen *s)
{
	uint64_t n = 0;

	for (size_t i = 0; i < s->env->n; i++)
		if (s->env->offices[i].role == PKI_ROLE_COUNTY)
			n += dp_children(&s->env->offices[i], NULL, 0, NULL);
	snprintf(s->seen, sizeof(s->seen), "the counties hold %llu of %zu children",
	         (unsigned long long)n, s->rec.total);
	return n == s->rec.total;
}

/* Every county's roll-up at the province, its children summed. */
static int dp_rolled(struct scen *s)
{
	struct dp *p = (struct dp *)s;
	size_t offices = 0;
	uint64_t n = dp_children(p->province, p->month, sizeof(p->month), &offices);

	snprintf(s->seen, sizeof(s->seen),
	         "the province holds the roll-ups of %zu of %zu counties, %llu of %zu children",
	         offices, p->ncounties, (unsigned long long)n, s->rec.total);
	return offices == p->ncounties && n == s->rec.total;
}

static int dp_step_month(struct dp *p)
{
	const char *cfg = p->province->cfg->path;
	const char *summary[] = {"ledger", "summary", "-c", cfg, NULL};
	const char *comp[] = {"compliance", "-c", cfg, "--standard", "mca-2018-demo", NULL};
	const char *bul[] = {"bulletin", "-c", cfg, "--month", NULL, NULL};
	int rc;

	sc_header("第2步 月末：各县汇总上报，省里只见数字",
	          "2. the month's end: each county's roll-up (汇总上报) reaches the province, "
	          "counts only");
	printf("every village imports its children (fictional, as in the county demo); they go\n"
	       "up to their county and stop there. Then the clocks move past the month's end:\n"
	       "each county sends its roll-up (counts by category, staff and homes per township,\n"
	       "directive timeliness, its compliance results); its prefecture sums them\n");
	if ((rc = rc_import(&p->s, 2)) != 0 ||
	    (rc = sc_wait(&p->s, 2, "every child at its county", dp_counted)) != 0 ||
	    (rc = sc_advance_top_first(&p->s, past_month_end())) != 0 ||
	    (rc = sc_wait(&p->s, 2, "every county's roll-up at the province", dp_rolled)) != 0 ||
	    (rc = sc_cli(2, cmd_ledger, summary)) != 0 || (rc = sc_cli(2, cmd_compliance, comp)) != 0)
		return rc;
	bul[4] = p->month;
	if ((rc = sc_cli(2, cmd_bulletin, bul)) != 0)
		return rc;
	printf("\nNo child's name, ID number or record crossed a county's upward link: the\n"
	       "province's and the prefecture's stores hold counts and results only.\n");
	return 0;
}

int demo_province_run(const struct demo_scenario_env *env)
{
	struct dp p = {.s = {.env = env, .limit_ms = 60000}};
	Carenet__ControlReply *rep = NULL;
	int rc;

	const struct demo_office **villages = calloc(env->n ? env->n : 1, sizeof(*villages));

	if (!villages)
		return CN_ENOMEM;
	for (size_t i = 0; i < env->n; i++) {
		const struct demo_office *o = &env->offices[i];
		if (o->role == PKI_ROLE_PROVINCE)
			p.province = o;
		if (o->role == PKI_ROLE_COUNTY && !p.ncounties++)
			p.s.county = o;
		if (o->role == PKI_ROLE_VILLAGE)
			villages[p.s.nv++] = o;
	}
	p.village = p.s.nv ? villages[0] : NULL;
	p.s.villages = villages;
	if (!p.province || !p.village) {
		free(villages);
		return CN_EINVAL;
	}
	p.s.tz = p.province->cfg->timezone;
	sc_header("省级任务下达到每个儿童之家", "1. the province's task to every village, relayed "
	                                        "by each county");
	if ((rc = sc_wait(&p.s, 1, "every office known", dp_ready)) < 0 ||
	    (rc = dp_issue(&p)) < 0 || (rc = sc_wait(&p.s, 1, "the relay", dp_relayed)) < 0 ||
	    (rc = dp_ack(&p)) < 0 ||
	    (rc = sc_wait(&p.s, 1, "every county's tally at the province", dp_tallied)) < 0)
		return rc;
	printf("$ carenet directive show %s -c %s/node.cfg\n", p.id, p.province->id);
	if ((rc = dp_show(&p, &rep)) == 0)
		cli_directive_print(rep->directives[0], p.s.tz);
	carenet__control_reply__free_unpacked(rep, NULL);
	printf("\nOnly counts crossed the counties' upward links: each county's tally of %s "
	       "(its villages' statuses stay in the county).\n",
	       p.id);
	if (rc == 0)
		rc = dp_step_month(&p);
	free(p.s.rec.kids);
	free(p.s.rec.ledgers);
	free(villages);
	return rc;
}

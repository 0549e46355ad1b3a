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
#include <string.h>

#include "cli.h"
#include "demo_scenario_int.h"
#include "err.h"
#include "roles.h"
#include "util.h"

#define DP_DUE (24 * 3600) /* the task is due a day after it is issued */

struct dp {
	struct scen s;
	const struct demo_office *province, *village; /* the first village */
	size_t ncounties;
	char id[64];
	uint64_t done_seen;
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

int demo_province_run(const struct demo_scenario_env *env)
{
	struct dp p = {.s = {.env = env, .limit_ms = 60000}};
	Carenet__ControlReply *rep = NULL;
	int rc;

	for (size_t i = 0; i < env->n; i++) {
		const struct demo_office *o = &env->offices[i];
		if (o->role == PKI_ROLE_PROVINCE)
			p.province = o;
		p.ncounties += o->role == PKI_ROLE_COUNTY;
		if (o->role == PKI_ROLE_VILLAGE && !p.village)
			p.village = o;
	}
	if (!p.province || !p.village)
		return CN_EINVAL;
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
	return rc;
}

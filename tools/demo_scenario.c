/* demo_scenario: the scenarios of `carenet demo` (demo_scenario.h). */
#define _GNU_SOURCE /* memmem */
#include "demo_scenario.h"
#include "demo_scenario_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cmd.h"
#include "err.h"
#include "roles.h"
#include "util.h"

#define SC_DUE 600          /* the task is due 10 test-clock minutes after it is issued */
#define SC_REMIND 300       /* one reminder 5 minutes before due */
#define SC_REMIND_TEXT "5m" /* the county's deadline.remind: the same */
#define SC_TO_REMIND 360    /* step 4 moves the clocks past the reminder time */
#define SC_TO_DUE 300       /* step 5, past due (11 minutes after the issue) */
#define SC_POLL_MS 200      /* between polls */
#define SC_TITLE "儿童之家季度活动记录 Quarterly activity records"
#define SC_NOTE "已上报本季度活动记录 activity records filed"

static const char sc_body[] =
    "请各村儿童之家于期限前上报本季度活动记录并确认完成。 Every village's children's home files "
    "this quarter's activity records and reports done before the deadline.";

/* ------------------------------------------------------------ configuration */

int demo_scenario_configure(const char *cfgpath, enum pki_role role)
{
	uint8_t *old = NULL;
	size_t len = 0;
	FILE *f = NULL;
	int rc = CN_EIO;

	if ((rc = util_read_file(cfgpath, 1 << 20, &old, &len)) != 0)
		goto out;
	rc = CN_EIO;
	if (!(f = fopen(cfgpath, "a")))
		goto out;
	fprintf(f, "%s# carenet demo: its scenario moves the clocks on (carenet clock --advance)\n",
	        len && old[len - 1] != '\n' ? "\n" : "");
	fprintf(f, "test_clock = true;\n");
	if (role == PKI_ROLE_COUNTY)
		fprintf(f, "deadline = { remind = \"" SC_REMIND_TEXT "\"; auto_rectify = true; "
		           "rectify_hours = 1; };\n");
	if (fflush(f) != 0 || ferror(f))
		goto out;
	rc = 0;
out:
	if (f && fclose(f) != 0 && rc == 0)
		rc = CN_EIO;
	if (rc)
		fprintf(stderr, "demo: cannot add the scenario's settings to %s: %s\n", cfgpath,
		        rc == CN_EIO ? strerror(errno) : cn_strerror(rc));
	free(old);
	return rc;
}

/* ---------------------------------------------------------------- requests */

static void sc_sleep(void)
{
	struct timespec ts = {0, SC_POLL_MS * 1000000L};

	nanosleep(&ts, NULL); /* a signal cuts it short; env->check sees it */
}

/* One request to an office; quiet: print nothing on failure (polls). */
int sc_call(const struct demo_office *o, Carenet__ControlRequest *req, int timeout_ms,
                   int quiet, Carenet__ControlReply **rep)
{
	char prog[64];

	snprintf(prog, sizeof(prog), "demo: %s", o->id);
	return cli_call(quiet ? NULL : prog, o->cfg, req, timeout_ms, rep);
}

/* directive show ID at the county; *rep holds exactly one view. */
static int sc_show(const struct scen *s, const char *id, int quiet, Carenet__ControlReply **rep)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ShowRequest q = CARENET__SHOW_REQUEST__INIT;
	int rc;

	q.id = (char *)id;
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_DIRECTIVE_SHOW, &q);
	if ((rc = sc_call(s->county, &req, CLI_TIMEOUT_MS, quiet, rep)) == 0 &&
	    (*rep)->n_directives != 1) {
		if (!quiet)
			fprintf(stderr, "demo: %s sent %zu directives for %s\n", s->county->id,
			        (*rep)->n_directives, id);
		rc = CN_EPROTO;
	}
	return rc;
}

static int sc_inbox(const struct demo_office *o, int quiet, Carenet__ControlReply **rep)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;

	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_INBOX, NULL);
	return sc_call(o, &req, CLI_TIMEOUT_MS, quiet, rep);
}

/* The office's clock after moving it on by advance seconds (0: just read it). */
int sc_clock(const struct demo_office *o, int64_t advance, uint64_t *now)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ClockRequest q = CARENET__CLOCK_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	int rc;

	q.advance = advance;
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_CLOCK, &q);
	rc = sc_call(o, &req, advance ? CLI_WRITE_TIMEOUT_MS : CLI_TIMEOUT_MS, 0, &rep);
	if (rc == 0)
		*now = rep->now;
	carenet__control_reply__free_unpacked(rep, NULL);
	return rc;
}

static const Carenet__TargetView *sc_target(const Carenet__DirectiveView *v, const char *id)
{
	for (size_t i = 0; i < v->n_targets; i++)
		if (strcmp(v->targets[i]->id, id) == 0)
			return v->targets[i];
	return NULL;
}

static const Carenet__DirectiveView *sc_entry(const Carenet__ControlReply *rep, const char *id)
{
	for (size_t i = 0; i < rep->n_directives; i++)
		if (strcmp(rep->directives[i]->id, id) == 0)
			return rep->directives[i];
	return NULL;
}

/* "530102001001 delivered, 530102001002 pending, ..." into s->seen. */
static void sc_seen_matrix(struct scen *s, const Carenet__DirectiveView *v)
{
	size_t off = (size_t)snprintf(s->seen, sizeof(s->seen), "%s at the county:", v->id);

	for (size_t i = 0; i < v->n_targets && off < sizeof(s->seen); i++)
		off += (size_t)snprintf(s->seen + off, sizeof(s->seen) - off, "%s %s %s%s",
		                        i ? "," : "", v->targets[i]->id,
		                        roles_state_name(v->targets[i]->state),
		                        v->targets[i]->overdue ? " (overdue)" : "");
}

/* --------------------------------------------------------------- printing */

void sc_header(const char *zh, const char *en)
{
	printf("\n== %s  %s ==\n", zh, en);
}

/* The county's matrix of one directive, as `carenet directive show ID`. */
static int sc_print_matrix(const struct scen *s, const char *id)
{
	Carenet__ControlReply *rep = NULL;
	int rc;

	printf("\n$ carenet directive show %s -c %s\n", id, s->county->cfg->path);
	if ((rc = sc_show(s, id, 0, &rep)) == 0)
		cli_directive_print(rep->directives[0], s->tz);
	carenet__control_reply__free_unpacked(rep, NULL);
	fflush(stdout);
	return rc;
}

static int sc_print_inbox(const struct scen *s, const struct demo_office *o)
{
	Carenet__ControlReply *rep = NULL;
	int rc;

	printf("\n$ carenet inbox -c %s\n", o->cfg->path);
	if ((rc = sc_inbox(o, 0, &rep)) == 0)
		cli_inbox_print(rep->directives, rep->n_directives, s->tz);
	carenet__control_reply__free_unpacked(rep, NULL);
	fflush(stdout);
	return rc;
}

/* ----------------------------------------------------------------- waiting */

/*
 * Calls cond until it returns 1, at most s->limit_ms. cond returns 0 (not
 * yet; it writes what it saw into s->seen) or negative (stop). On timeout
 * names the step, what it waited for and what it saw.
 */
int sc_wait(struct scen *s, int step, const char *what, int (*cond)(struct scen *))
{
	uint64_t end = util_mono_us() + s->limit_ms * 1000;
	int rc;

	snprintf(s->seen, sizeof(s->seen), "nothing yet");
	for (;;) {
		if ((rc = s->env->check(s->env->arg)) < 0)
			return rc;
		if ((rc = cond(s)) != 0)
			return rc < 0 ? rc : 0;
		if (util_mono_us() > end)
			break;
		sc_sleep();
	}
	fprintf(stderr, "demo: step %d: %s did not happen within %.0f s\n  last seen: %s\n", step,
	        what, (double)s->limit_ms / 1000.0, s->seen);
	return CN_ETIMEOUT;
}

/* Every township has handed its villages' announces to the county (its
 * outbox is empty), so the county knows every village. */
int sc_pending(const struct demo_office *o, uint64_t *pending)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	int rc;

	*pending = UINT64_MAX;
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_STATUS, NULL);
	if ((rc = sc_call(o, &req, CLI_TIMEOUT_MS, 1, &rep)) == 0 && rep->status)
		for (size_t c = 0; c < rep->status->n_counters; c++)
			if (!strcmp(rep->status->counters[c]->name, "outbox_pending"))
				*pending = rep->status->counters[c]->value;
	carenet__control_reply__free_unpacked(rep, NULL);
	return rc;
}

static int sc_known(struct scen *s)
{
	for (size_t i = 0; i < s->env->n; i++) {
		const struct demo_office *o = &s->env->offices[i];
		uint64_t pending;
		int rc;

		if (o->role != PKI_ROLE_TOWNSHIP)
			continue;
		if ((rc = sc_pending(o, &pending)) == 0 && pending == 0)
			continue;
		if (rc)
			snprintf(s->seen, sizeof(s->seen), "township %s: %s", o->id,
			         cn_strerror(rc));
		else
			snprintf(s->seen, sizeof(s->seen),
			         "township %s: %llu item(s) not yet acknowledged by the county",
			         o->id, (unsigned long long)pending);
		return 0;
	}
	return 1;
}

static int sc_delivered(struct scen *s)
{
	Carenet__ControlReply *rep = NULL;
	const Carenet__DirectiveView *v;
	size_t n = 0;

	if (sc_show(s, s->task, 1, &rep) != 0) {
		snprintf(s->seen, sizeof(s->seen), "the county does not show %s", s->task);
		carenet__control_reply__free_unpacked(rep, NULL);
		return 0;
	}
	v = rep->directives[0];
	for (size_t i = 0; i < v->n_targets; i++)
		n += v->targets[i]->state == STATE_DELIVERED;
	sc_seen_matrix(s, v);
	carenet__control_reply__free_unpacked(rep, NULL);
	return n == s->nv;
}

/* Every village but the silent one done at the county; the silent one delivered. */
static int sc_statuses(struct scen *s)
{
	Carenet__ControlReply *rep = NULL;
	const Carenet__TargetView *t;
	size_t ok = 0;

	if (sc_show(s, s->task, 1, &rep) != 0) {
		snprintf(s->seen, sizeof(s->seen), "the county does not show %s", s->task);
		carenet__control_reply__free_unpacked(rep, NULL);
		return 0;
	}
	for (size_t i = 0; i < s->nv; i++) {
		t = sc_target(rep->directives[0], s->villages[i]->id);
		ok += t && t->state == (s->villages[i] == s->silent ? STATE_DELIVERED : STATE_DONE);
	}
	sc_seen_matrix(s, rep->directives[0]);
	carenet__control_reply__free_unpacked(rep, NULL);
	return ok == s->nv;
}

/* The county has reminded the silent village, and its inbox counts it. */
static int sc_reminded(struct scen *s)
{
	Carenet__ControlReply *rep = NULL;
	const Carenet__TargetView *t;
	const Carenet__DirectiveView *e;
	uint32_t at_county = 0, at_village = 0;

	s->others_reminded = 0;
	if (sc_show(s, s->task, 1, &rep) == 0) {
		for (size_t i = 0; i < rep->directives[0]->n_targets; i++) {
			t = rep->directives[0]->targets[i];
			if (strcmp(t->id, s->silent->id) == 0)
				at_county = t->reminders;
			else
				s->others_reminded += t->reminders > 0;
		}
	}
	carenet__control_reply__free_unpacked(rep, NULL);
	rep = NULL;
	if (sc_inbox(s->silent, 1, &rep) == 0 && (e = sc_entry(rep, s->task)))
		at_village = e->reminders;
	carenet__control_reply__free_unpacked(rep, NULL);
	snprintf(s->seen, sizeof(s->seen), "reminders to %s: %u at the county, %u in its inbox",
	         s->silent->id, at_county, at_village);
	return at_county >= 1 && at_village >= 1;
}

/* The silent village is overdue at the county, a rectification order that
 * refers to the task is in its inbox, and the county sees it delivered. */
static int sc_rectified(struct scen *s)
{
	Carenet__ControlReply *rep = NULL;
	const Carenet__TargetView *t;
	int overdue = 0, delivered = 0;

	if (sc_show(s, s->task, 1, &rep) == 0 && (t = sc_target(rep->directives[0], s->silent->id)))
		overdue = t->overdue;
	carenet__control_reply__free_unpacked(rep, NULL);
	rep = NULL;
	if (!s->rect[0] && sc_inbox(s->silent, 1, &rep) == 0)
		for (size_t i = 0; i < rep->n_directives; i++)
			if (rep->directives[i]->kind == KIND_RECTIFICATION &&
			    strcmp(rep->directives[i]->ref, s->task) == 0)
				snprintf(s->rect, sizeof(s->rect), "%s", rep->directives[i]->id);
	carenet__control_reply__free_unpacked(rep, NULL);
	rep = NULL;
	if (s->rect[0] && sc_show(s, s->rect, 1, &rep) == 0) {
		const Carenet__DirectiveView *v = rep->directives[0];
		delivered = v->n_targets == 1 && (t = sc_target(v, s->silent->id)) &&
		            t->state >= STATE_DELIVERED;
	}
	carenet__control_reply__free_unpacked(rep, NULL);
	snprintf(s->seen, sizeof(s->seen),
	         "%s %s at the county; rectification order in its inbox: %s%s", s->silent->id,
	         overdue ? "overdue" : "not overdue", s->rect[0] ? s->rect : "none",
	         s->rect[0] && !delivered ? " (not yet delivered at the county)" : "");
	return overdue && delivered;
}

/* ------------------------------------------------------------------- steps */

/* Issues the task, retrying while the county knows no village yet. */
static int sc_issue(struct scen *s)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__IssueRequest iq = CARENET__ISSUE_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	uint64_t remind[1] = {SC_REMIND}, end = util_mono_us() + s->limit_ms * 1000;
	char to[32];
	int rc;

	snprintf(to, sizeof(to), "%s:village", s->county->id);
	if ((rc = sc_clock(s->county, 0, &iq.due)) != 0)
		return rc;
	iq.kind = KIND_TASK;
	iq.to = to;
	iq.title = SC_TITLE;
	iq.body = (char *)sc_body;
	iq.due += SC_DUE;
	iq.remind = remind;
	iq.n_remind = 1;
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_DIRECTIVE_ISSUE, &iq);
	printf("$ carenet directive issue -c %s --kind task --to %s --title '%s' --due +10m "
	       "--remind 5m\n",
	       s->county->cfg->path, to, SC_TITLE);
	for (;;) {
		rc = sc_call(s->county, &req, CLI_WRITE_TIMEOUT_MS, 1, &rep);
		if (rc == 0 || !rep || !strstr(rep->error, "no known office") ||
		    util_mono_us() > end)
			break;
		carenet__control_reply__free_unpacked(rep, NULL);
		rep = NULL;
		if ((rc = s->env->check(s->env->arg)) < 0)
			return rc;
		sc_sleep();
	}
	if (rc == 0)
		snprintf(s->task, sizeof(s->task), "%s", rep->id);
	else
		fprintf(stderr, "demo: step 1: the county did not issue the task: %s\n",
		        rep && rep->error[0] ? rep->error : cn_strerror(rc));
	carenet__control_reply__free_unpacked(rep, NULL);
	return rc;
}

static int sc_step_issue(struct scen *s)
{
	Carenet__ControlReply *rep = NULL;
	size_t n;
	int rc;

	sc_header("第1步 县里向各村下发任务", "Step 1: the county issues a task to every village");
	if ((rc = sc_wait(s, 1, "the county knowing every village", sc_known)) != 0 ||
	    (rc = sc_issue(s)) != 0)
		return rc;
	if ((rc = sc_show(s, s->task, 0, &rep)) != 0) {
		carenet__control_reply__free_unpacked(rep, NULL);
		return rc;
	}
	n = rep->directives[0]->n_targets;
	carenet__control_reply__free_unpacked(rep, NULL);
	if (n != s->nv) {
		fprintf(stderr,
		        "demo: step 1: task %s went to %zu offices, expected the %zu villages\n",
		        s->task, n, s->nv);
		return CN_EPROTO;
	}
	printf("task %s: %zu villages, due in 10 minutes on the county's test clock, a reminder 5 "
	       "minutes before\n",
	       s->task, n);
	return sc_print_matrix(s, s->task);
}

static int sc_step_delivered(struct scen *s)
{
	int rc;

	sc_header("第2步 任务送达各村", "Step 2: the task reaches every village");
	if ((rc = sc_wait(s, 2, "every village showing delivered at the county", sc_delivered)) !=
	    0)
		return rc;
	printf("every village's node received the task and said so (delivered)\n");
	return sc_print_matrix(s, s->task);
}

/* The evidence file one village attaches: DIR/activity-record-<id>.txt. */
static int sc_evidence_file(const struct scen *s, const struct demo_office *o, char *path,
                            size_t len)
{
	char text[512];
	int n, rc;

	snprintf(path, len, "%s/activity-record-%s.txt", s->env->dir, o->id);
	n = snprintf(text, sizeof(text),
	             "%s 儿童之家本季度活动记录 (demo)\n"
	             "activity records of the quarter: 12 activities, 31 children, 4 home visits\n",
	             o->id);
	if ((rc = util_write_file(path, text, (size_t)n, 0644, 0)) != 0)
		fprintf(stderr, "demo: step 3: cannot write %s: %s\n", path, cn_strerror(rc));
	return rc;
}

static int sc_ack(const struct scen *s, const struct demo_office *o, uint32_t state,
                  const char *note, const char *evidence)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__AckRequest ar = CARENET__ACK_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	Carenet__Evidence ev, *evp = &ev;
	uint8_t hash[32];
	int rc;

	carenet__evidence__init(&ev);
	if (evidence && (rc = cli_evidence(evidence, &ev, hash)) != 0) {
		fprintf(stderr, "demo: step 3: evidence %s: %s\n", evidence, cn_strerror(rc));
		return rc;
	}
	ar.directive = (char *)s->task;
	ar.state = state;
	ar.note = (char *)(note ? note : "");
	ar.evidence = evidence ? &evp : NULL;
	ar.n_evidence = evidence ? 1 : 0;
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_ACK, &ar);
	rc = sc_call(o, &req, CLI_WRITE_TIMEOUT_MS, 0, &rep);
	carenet__control_reply__free_unpacked(rep, NULL);
	return rc;
}

static int sc_step_acks(struct scen *s)
{
	char path[4096];
	int rc;

	sc_header("第3步 各村接收并完成，一村未回复",
	          "Step 3: the villages accept and complete it; one stays silent");
	printf("each village, at its own node: carenet ack %s --state accepted, then\n"
	       "  carenet ack %s --state done --note '%s' [--evidence FILE]\n",
	       s->task, s->task, SC_NOTE);
	for (size_t i = 0; i < s->nv; i++) {
		const struct demo_office *o = s->villages[i];
		int with_file = i == 0;

		if (o == s->silent) {
			printf("  %s  silent 未回复: no acknowledgement\n", o->id);
			continue;
		}
		if ((with_file && (rc = sc_evidence_file(s, o, path, sizeof(path))) != 0) ||
		    (rc = sc_ack(s, o, STATE_ACCEPTED, NULL, NULL)) != 0 ||
		    (rc = sc_ack(s, o, STATE_DONE, SC_NOTE, with_file ? path : NULL)) != 0)
			return rc;
		printf("  %s  accepted, done%s%s\n", o->id, with_file ? ", evidence " : "",
		       with_file ? path : "");
	}
	fflush(stdout);
	if ((rc = sc_wait(s, 3, "the villages' statuses arriving at the county", sc_statuses)) != 0)
		return rc;
	return sc_print_matrix(s, s->task);
}

/* Moves every node's test clock on by secs, the county last (so the
 * offices its timers address are already at the new time). */
static int advance(struct scen *s, int64_t secs, int top_first)
{
	uint64_t now = 0, t;
	char when[32];
	int rc;

	for (size_t k = 0; k < s->env->n; k++) {
		size_t i = top_first ? k : s->env->n - 1 - k;
		if ((rc = sc_clock(&s->env->offices[i], secs, &t)) != 0)
			return rc;
		if (i == 0) /* the top's clock is the one shown */
			now = t;
	}
	util_fmt_time(now, s->tz, when, sizeof(when));
	printf(
	    "$ carenet clock --advance %lldm   (at every node; the %s's clock now reads %s)\n",
	    (long long)(secs / 60), top_first ? "province" : "county", when);
	fflush(stdout);
	return 0;
}

int sc_advance(struct scen *s, int64_t secs)
{
	return advance(s, secs, 0);
}

int sc_advance_top_first(struct scen *s, int64_t secs)
{
	return advance(s, secs, 1);
}

static int sc_step_remind(struct scen *s)
{
	int rc;

	sc_header("第4步 测试时钟前进6分钟：催办提醒",
	          "Step 4: the clocks move 6 minutes on, past the reminder time");
	if ((rc = sc_advance(s, SC_TO_REMIND)) != 0 ||
	    (rc = sc_wait(s, 4, "a reminder reaching the silent village", sc_reminded)) != 0)
		return rc;
	if (s->others_reminded == 0)
		printf("%s was reminded (提醒); the villages that are done were not\n",
		       s->silent->id);
	else
		printf("%s was reminded (提醒), and %zu other village(s) too\n", s->silent->id,
		       s->others_reminded);
	if ((rc = sc_print_inbox(s, s->silent)) != 0)
		return rc;
	return sc_print_matrix(s, s->task);
}

static int sc_step_overdue(struct scen *s)
{
	int rc;

	sc_header("第5步 逾期：自动下发限时整改通知",
	          "Step 5: 5 more minutes, past due: overdue, and a rectification order");
	if ((rc = sc_advance(s, SC_TO_DUE)) != 0 ||
	    (rc = sc_wait(s, 5, "the silent village overdue and ordered to rectify",
	                  sc_rectified)) != 0)
		return rc;
	printf("%s is overdue (逾期); the county issued rectification order %s (限时整改) to it\n",
	       s->silent->id, s->rect);
	if ((rc = sc_print_matrix(s, s->task)) != 0 || (rc = sc_print_matrix(s, s->rect)) != 0)
		return rc;
	return sc_print_inbox(s, s->silent);
}

static int sc_summary(struct scen *s)
{
	Carenet__ControlReply *rep = NULL;
	const Carenet__DirectiveView *v;
	char due[32];
	size_t done = 0;
	int rc;

	if ((rc = sc_show(s, s->task, 0, &rep)) != 0)
		goto out;
	v = rep->directives[0];
	for (size_t i = 0; i < v->n_targets; i++)
		done += v->targets[i]->state == STATE_DONE;
	carenet__control_reply__free_unpacked(rep, NULL);
	rep = NULL;
	if ((rc = sc_show(s, s->rect, 0, &rep)) != 0)
		goto out;
	util_fmt_time(rep->directives[0]->due, s->tz, due, sizeof(due));
	printf("\n小结 Summary: task %s to %zu village%s: %zu done, %s silent, reminded, overdue, "
	       "and ordered to rectify by %s (%s)\n",
	       s->task, s->nv, s->nv == 1 ? "" : "s", done, s->silent->id, due, s->rect);
	printf("儿童台账 Children's ledger: %zu of the %zu children imported by %zu village%s "
	       "reached the county; personal fields stayed masked in every listing and sealed at "
	       "rest (no name or ID number in the clear in any node's data.mdb)\n",
	       s->rec.at_county, s->rec.total, s->nv, s->nv == 1 ? "" : "s");
	if (s->rep.id[0])
		printf("强制报告 Mandatory report: %s, filed at %s, was held by its township and the "
		       "county within %llu ms (the urgent lane; seen by polling), acknowledged by %s "
		       "and opened as a case at the county; the village sees every hop and step\n",
		       s->rep.id, s->villages[0]->id, (unsigned long long)s->rep.county_ms,
		       s->rep.acked_by);
	if (s->rep.late[0])
		printf("上报县级 Escalated: %s, filed at %s, was not acknowledged by its township "
		       "within reports.ack_urgent (1 h on the test clocks): the county became its "
		       "holder\n",
		       s->rep.late, s->silent->id);
	fflush(stdout);
out:
	carenet__control_reply__free_unpacked(rep, NULL);
	return rc;
}

int demo_scenario_run(const struct demo_scenario_env *env)
{
	struct scen s = {.env = env, .county = &env->offices[0]};
	int rc = CN_ENOMEM;

	if (!(s.villages = calloc(env->n, sizeof(*s.villages))))
		goto out;
	for (size_t i = 0; i < env->n; i++)
		if (env->offices[i].role == PKI_ROLE_VILLAGE)
			s.villages[s.nv++] = &env->offices[i];
	rc = CN_EINVAL;
	if (s.nv == 0 || s.county->role != PKI_ROLE_COUNTY)
		goto out;
	s.silent = s.villages[s.nv - 1];
	s.tz = s.county->cfg->timezone;
	s.limit_ms = 30000 + 50 * (uint64_t)env->n;
	printf("\n情景演示 Scenario: a task with a deadline. The nodes run test clocks: the demo "
	       "moves them on\ninstead of waiting. Commands are shown as an operator would type "
	       "them at each office.\n");
	if ((rc = sc_step_issue(&s)) != 0 || (rc = sc_step_delivered(&s)) != 0 ||
	    (rc = sc_step_acks(&s)) != 0 || (rc = sc_step_remind(&s)) != 0 ||
	    (rc = sc_step_overdue(&s)) != 0 || (rc = rc_run(&s)) != 0 || (rc = rp_run(&s)) != 0 ||
	    (rc = dc_run(&s)) != 0 || (rc = mv_run(&s)) != 0 || (rc = cl_run(&s)) != 0 ||
	    (rc = tw_run(&s)) != 0)
		goto out;
	rc = sc_summary(&s);
out:
	fflush(stdout);
	free(s.rec.kids);
	free(s.rec.ledgers);
	free(s.villages);
	return rc;
}

/* demo_scenario: the scenarios of `carenet demo` (demo_scenario.h). */
#define _GNU_SOURCE /* memmem */
#include "demo_scenario.h"

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

struct rc_kid;     /* one fictional child of the records scenario */
struct rc_ledger { /* one village's children: kids[first .. first + n) */
	size_t first, n;
};

struct scen {
	const struct demo_scenario_env *env;
	const struct demo_office *county, *silent;
	const struct demo_office **villages; /* in tree order; the last one is silent */
	size_t nv;
	const char *tz;         /* the county's timezone */
	uint64_t limit_ms;      /* per wait */
	char task[64];          /* the task's id */
	char rect[64];          /* the rectification order's id, once seen */
	char seen[512];         /* what the last poll saw, for a timeout message */
	size_t others_reminded; /* villages other than the silent one that were reminded */
	struct {
		struct rc_kid *kids;        /* every village's, in village order */
		struct rc_ledger *ledgers;  /* one a village, as s->villages */
		size_t total, at_county;    /* imported; open at the county, last seen */
		char updated[64], reviewed[64]; /* step 8's record ids */
		int sealed;                 /* no name or ID number in the clear in any data.mdb */
	} rec;
};

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
static int sc_call(const struct demo_office *o, Carenet__ControlRequest *req, int timeout_ms,
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
static int sc_clock(const struct demo_office *o, int64_t advance, uint64_t *now)
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

static void sc_header(const char *zh, const char *en)
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
static int sc_wait(struct scen *s, int step, const char *what, int (*cond)(struct scen *))
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
static int sc_known(struct scen *s)
{
	for (size_t i = 0; i < s->env->n; i++) {
		const struct demo_office *o = &s->env->offices[i];
		Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
		Carenet__ControlReply *rep = NULL;
		uint64_t pending = UINT64_MAX;
		int rc;

		if (o->role != PKI_ROLE_TOWNSHIP)
			continue;
		control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_STATUS, NULL);
		if ((rc = sc_call(o, &req, CLI_TIMEOUT_MS, 1, &rep)) == 0 && rep->status)
			for (size_t c = 0; c < rep->status->n_counters; c++)
				if (!strcmp(rep->status->counters[c]->name, "outbox_pending"))
					pending = rep->status->counters[c]->value;
		carenet__control_reply__free_unpacked(rep, NULL);
		if (pending == 0)
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
static int sc_advance(struct scen *s, int64_t secs)
{
	uint64_t now = 0;
	char when[32];
	int rc;

	for (size_t i = s->env->n; i-- > 0;)
		if ((rc = sc_clock(&s->env->offices[i], secs, &now)) != 0)
			return rc;
	util_fmt_time(now, s->tz, when, sizeof(when));
	printf(
	    "$ carenet clock --advance %lldm   (at every node; the county's clock now reads %s)\n",
	    (long long)(secs / 60), when);
	fflush(stdout);
	return 0;
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

/* ======================================================= records scenario */

/*
 * Steps 6 to 8: the children's ledger (儿童台账) flows up. Every village
 * imports a small CSV of fictional children in the template's layout, the
 * county ends up holding every one (masked in its listing) and counts them
 * in its ledger summary; a village updates a child, a township returns
 * another one with a note, and the county sees both. The operator's
 * commands run in this process through the CLI's own code (cmd_record,
 * cmd_ledger), so what is printed is exactly what they print.
 */

#define RC_GUARDIAN_PHONE "139"
#define RC_UPDATE_FIELD "居住情况"
#define RC_UPDATE_VALUE "与父母同住"
#define RC_REVIEW_NOTE "监护人电话无法接通，请核实后更新 (the guardian cannot be reached)"

static const char *const rc_surnames[] = {"张", "王", "李", "赵", "刘", "陈", "杨", "黄",
                                          "周", "吴", "徐", "孙", "马", "朱", "胡", "郭",
                                          "何", "高", "林", "罗", "郑", "梁", "谢", "宋"};
static const struct {
	const char *name;
	int male;
} rc_given[] = {{"子涵", 0}, {"浩然", 1}, {"雨桐", 0}, {"俊杰", 1}, {"梓萱", 0}, {"宇航", 1},
                {"诗琪", 0}, {"明轩", 1}, {"欣怡", 0}, {"嘉豪", 1}, {"雅琳", 0}, {"振宇", 1},
                {"晓雯", 0}, {"志强", 1}, {"思彤", 0}, {"天佑", 1}, {"佳怡", 0}, {"博文", 1}};
static const char *const rc_elders[] = {"建国", "秀英", "德华", "桂兰", "志刚",
                                        "玉梅", "国强", "淑芬", "永福", "凤英"};

/* Coherent situations, one a child in turn: 类别, 孤儿类型, 贫困类型, 残疾类别,
 * 残疾等级, 监护状况, 居住情况, 监护人关系, 监护能力; the guardian's surname is
 * the child's unless same_surname is 0. */
static const struct rc_profile {
	const char *categories, *orphan, *poverty, *disability, *grade, *guardianship, *living,
	    *relation, *capacity;
	int same_surname;
} rc_profiles[] = {
    {"留守", "", "", "", "", "委托监护", "与祖辈同住", "祖父母", "有监护能力", 1},
    {"孤儿", "父母双亡", "", "", "", "委托监护", "与其他亲属同住", "其他亲属", "有监护能力", 1},
    {"贫困家庭", "", "低保", "", "", "有效监护", "与父母同住", "母", "有监护能力", 0},
    {"留守、残疾", "", "", "肢体", "三级", "委托监护", "与祖辈同住", "外祖父母", "有监护能力", 0},
    {"事实无人抚养", "", "", "", "", "监护缺失", "与祖辈同住", "祖父母", "丧失监护能力", 1},
    {"留守、贫困家庭", "", "建档立卡", "", "", "委托监护", "与祖辈同住", "祖父母", "有监护能力", 1},
    {"孤儿", "查找不到生父母", "", "", "", "民政监护", "儿童福利机构", "儿童福利机构", "有监护能力",
     0},
};

struct rc_kid {
	char name[32], birth[40], idnum[24], address[96], school[48], guardian[32], phone[16],
	    verified[16];
	const char *gender, *stage, *boarding;
	const struct rc_profile *p;
};

/* The GB 11643-1999 check character of an ID number's first 17 digits. */
static char rc_check_digit(const char *d17)
{
	static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	int sum = 0;

	for (int i = 0; i < 17; i++)
		sum += (d17[i] - '0') * w[i];
	return "10X98765432"[sum % 11];
}

/* Child k (numbered over the whole demo), the nth in village's ledger; born in the
 * county (its 身份证号 area code), 4 to 16 years old at now. */
static void rc_kid_make(struct rc_kid *c, size_t k, const char *county, const char *village,
                        size_t nth, uint64_t now)
{
	size_t ns = sizeof(rc_surnames) / sizeof(rc_surnames[0]);
	size_t ng = sizeof(rc_given) / sizeof(rc_given[0]);
	size_t ne = sizeof(rc_elders) / sizeof(rc_elders[0]);
	size_t np = sizeof(rc_profiles) / sizeof(rc_profiles[0]);
	const char *surname = rc_surnames[(k * 7 + k / ns) % ns];
	time_t t = (time_t)now, seen;
	struct tm tm, vt;
	int age, year, month, day, male;
	char d17[64];

	gmtime_r(&t, &tm);
	memset(c, 0, sizeof(*c));
	c->p = &rc_profiles[k % np];
	male = rc_given[k % ng].male;
	snprintf(c->name, sizeof(c->name), "%s%s", surname, rc_given[k % ng].name);
	c->gender = male ? "男" : "女";
	age = 4 + (int)((k * 5) % 13); /* 4..16 this year */
	year = tm.tm_year + 1900 - age;
	month = 1 + (int)((k * 7) % 12);
	day = 1 + (int)((k * 11) % 28);
	snprintf(c->birth, sizeof(c->birth), "%04d-%02d-%02d", year, month, day);
	/* 17th digit odd for a boy, even for a girl */
	snprintf(d17, sizeof(d17), "%.6s%04d%02d%02d%02d%d", county, year, month, day,
	         (int)(k % 100), male ? 1 + (int)(k % 5) * 2 : (int)(k % 5) * 2);
	snprintf(c->idnum, sizeof(c->idnum), "%.17s%c", d17, rc_check_digit(d17));
	snprintf(c->address, sizeof(c->address), "示范县第%d乡镇第%d村%zu组%zu号",
	         atoi(village + 6), atoi(village + 9), 1 + nth % 4, 3 + k * 3 % 40);
	age -= month > tm.tm_mon + 1 || (month == tm.tm_mon + 1 && day > tm.tm_mday);
	c->stage = age < 6 ? "学龄前" : age < 12 ? "小学" : age < 15 ? "初中" : "普通高中";
	if (age >= 6)
		snprintf(c->school, sizeof(c->school), "示范县第%d乡镇%s", atoi(village + 6),
		         age < 12   ? "中心小学"
		         : age < 15 ? "中学"
		                    : "第一高级中学");
	c->boarding = age < 6 ? "" : age >= 12 && k % 2 ? "是" : "否";
	snprintf(c->guardian, sizeof(c->guardian), "%s%s",
	         c->p->same_surname ? surname : rc_surnames[(k * 5 + 3) % ns], rc_elders[k % ne]);
	snprintf(c->phone, sizeof(c->phone), RC_GUARDIAN_PHONE "%08zu",
	         (k * 7919 + 1234567) % 100000000);
	seen = t - (time_t)(86400 * (3 + k % 40)); /* verified in the last weeks */
	gmtime_r(&seen, &vt);
	strftime(c->verified, sizeof(c->verified), "%Y-%m-%d", &vt);
}

/* The value of one of the template's columns for c ("" if not kept). */
static const char *rc_value(const struct rc_kid *c, const char *field)
{
	const struct {
		const char *name, *value;
	} v[] = {
	    {"name", c->name},
	    {"gender", c->gender},
	    {"birth_date", c->birth},
	    {"id_number", c->idnum},
	    {"hukou_registered", "是"},
	    {"address", c->address},
	    {"categories", c->p->categories},
	    {"orphan_type", c->p->orphan},
	    {"poverty_type", c->p->poverty},
	    {"disability_type", c->p->disability},
	    {"disability_grade", c->p->grade},
	    {"guardianship_status", c->p->guardianship},
	    {"living", c->p->living},
	    {"school_stage", c->stage},
	    {"school_name", c->school},
	    {"boarding", c->boarding},
	    {"insurance", c->p->poverty[0] ? "城乡基本医疗保险、大病保险" : "城乡基本医疗保险"},
	    {"guardian_name", c->guardian},
	    {"guardian_relation", c->p->relation},
	    {"guardian_phone", c->phone},
	    {"guardian_capacity", c->p->capacity},
	    {"verified_at", c->verified},
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (strcmp(v[i].name, field) == 0)
			return v[i].value;
	return "";
}

/* One CSV cell, quoted when it needs to be. */
static void rc_cell(FILE *f, const char *v, int last)
{
	if (strpbrk(v, ",\"\r\n")) {
		fputc('"', f);
		for (; *v; v++)
			fprintf(f, *v == '"' ? "\"\"" : "%c", *v);
		fputc('"', f);
	} else {
		fputs(v, f);
	}
	fputs(last ? "\r\n" : ",", f);
}

/* DIR/ledger-child-<village>.csv: the template's header, then its children. */
static int rc_write_ledger(const struct scen *s, size_t vi, char *path, size_t len)
{
	const struct rec_type *t = roles_record_type("child");
	const struct rc_ledger *l = &s->rec.ledgers[vi];
	FILE *f;
	int rc = 0;

	snprintf(path, len, "%s/ledger-child-%s.csv", s->env->dir, s->villages[vi]->id);
	if (!t || !(f = fopen(path, "w"))) {
		fprintf(stderr, "demo: step 6: cannot write %s: %s\n", path,
		        t ? strerror(errno) : "no child record type");
		return CN_EIO;
	}
	for (size_t i = 0; i < t->nfields; i++)
		rc_cell(f, t->fields[i].zh, i + 1 == t->nfields);
	for (size_t c = 0; c < l->n; c++)
		for (size_t i = 0; i < t->nfields; i++)
			rc_cell(f, rc_value(&s->rec.kids[l->first + c], t->fields[i].name),
			        i + 1 == t->nfields);
	if (fflush(f) != 0 || ferror(f))
		rc = CN_EIO;
	if (fclose(f) != 0)
		rc = CN_EIO;
	if (rc)
		fprintf(stderr, "demo: step 6: cannot write %s: %s\n", path, strerror(errno));
	return rc;
}

/* Prints `$ carenet WORDS...` (quoted as a shell wants) and runs the command
 * in this process through the CLI's own code; its output follows. */
static int rc_cli(int step, int (*fn)(int, char **), const char *const *words)
{
	char *argv[32];
	int argc = 0, status;

	printf("\n$ carenet");
	for (; words[argc] && argc < 31; argc++) {
		const char *w = words[argc];
		int plain = w[0] != 0;

		argv[argc] = (char *)w;
		for (const char *p = w; *p && plain; p++)
			plain = (unsigned char)*p >= 0x80 || strchr("-_./:=+,@%", *p) ||
			        (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
			        (*p >= 'A' && *p <= 'Z');
		if (plain) {
			printf(" %s", w);
			continue;
		}
		printf(" '");
		for (const char *p = w; *p; p++)
			printf(*p == '\'' ? "'\\''" : "%c", *p);
		printf("'");
	}
	argv[argc] = NULL;
	printf("\n");
	fflush(stdout);
	status = fn(argc, argv);
	fflush(stdout);
	fflush(stderr);
	if (status != 0) {
		fprintf(stderr, "demo: step %d: carenet %s %s exited with status %d\n", step,
		        words[0], words[1], status);
		return CN_EIO;
	}
	return 0;
}

/* The children held at an office (quiet; for polls). */
static int rc_list(const struct demo_office *o, Carenet__ControlReply **rep)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__RecordListRequest l = CARENET__RECORD_LIST_REQUEST__INIT;

	l.type = "child";
	l.office = "";
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_RECORD_LIST;
	req.record_list = &l;
	return sc_call(o, &req, CLI_WRITE_TIMEOUT_MS, 1, rep);
}

static const char *rc_field(const Carenet__RecordVersion *m, const char *name)
{
	for (size_t i = 0; i < m->n_fields; i++)
		if (strcmp(m->fields[i]->name, name) == 0)
			return m->fields[i]->value;
	return "";
}

/* The county holds every village's children (open ones). */
static int rc_arrived(struct scen *s)
{
	Carenet__ControlReply *rep = NULL;
	size_t off, open = 0;
	int rc;

	if ((rc = rc_list(s->county, &rep)) != 0) {
		snprintf(s->seen, sizeof(s->seen), "the county's list: %s", cn_strerror(rc));
		carenet__control_reply__free_unpacked(rep, NULL);
		return 0;
	}
	for (size_t i = 0; i < rep->n_records; i++)
		open += !rep->records[i]->closed;
	s->rec.at_county = open;
	off = (size_t)snprintf(s->seen, sizeof(s->seen),
	                       "the county holds %zu of %zu children:", open, s->rec.total);
	for (size_t v = 0; v < s->nv && off < sizeof(s->seen); v++) {
		size_t n = 0;
		for (size_t i = 0; i < rep->n_records; i++)
			n += !strcmp(rep->records[i]->owner, s->villages[v]->id);
		off += (size_t)snprintf(s->seen + off, sizeof(s->seen) - off, " %s %zu/%zu",
		                        s->villages[v]->id, n, s->rec.ledgers[v].n);
	}
	carenet__control_reply__free_unpacked(rep, NULL);
	return open == s->rec.total;
}

/* One record as an office holds it (quiet; for polls). */
static int rc_show(const struct demo_office *o, const char *id, Carenet__ControlReply **rep)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__RecordShowRequest q = CARENET__RECORD_SHOW_REQUEST__INIT;
	int rc;

	q.id = (char *)id;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_RECORD_SHOW;
	req.record_show = &q;
	if ((rc = sc_call(o, &req, CLI_WRITE_TIMEOUT_MS, 1, rep)) == 0 && (*rep)->n_records != 1)
		rc = CN_EPROTO;
	return rc;
}

/* The county holds the update's version 2 and the return; the village has
 * the return on its to-do list. */
static int rc_changed(struct scen *s)
{
	Carenet__ControlReply *rep = NULL;
	unsigned long long version = 0;
	char review[32] = "none", at_village[32] = "none";

	if (rc_show(s->county, s->rec.updated, &rep) == 0)
		version = rep->records[0]->version;
	carenet__control_reply__free_unpacked(rep, NULL);
	rep = NULL;
	if (rc_show(s->county, s->rec.reviewed, &rep) == 0)
		snprintf(review, sizeof(review), "%s", rc_field(rep->records[0], "review"));
	carenet__control_reply__free_unpacked(rep, NULL);
	rep = NULL;
	if (rc_show(s->villages[0], s->rec.reviewed, &rep) == 0)
		snprintf(at_village, sizeof(at_village), "%s", rc_field(rep->records[0], "review"));
	carenet__control_reply__free_unpacked(rep, NULL);
	snprintf(
	    s->seen, sizeof(s->seen),
	    "at the county %s is at version %llu and %s's review is %s; at %s its review is %s",
	    s->rec.updated, version, s->rec.reviewed, review, s->villages[0]->id, at_village);
	return version >= 2 && !strcmp(review, "returned") && !strcmp(at_village, "returned");
}

/* Plans every village's children: 3, 4, 5, 3, ... a village. */
static int rc_plan(struct scen *s)
{
	uint64_t now = util_now();
	size_t k = 0;

	if (!(s->rec.ledgers = calloc(s->nv, sizeof(*s->rec.ledgers))))
		return CN_ENOMEM;
	for (size_t v = 0; v < s->nv; v++) {
		s->rec.ledgers[v].first = s->rec.total;
		s->rec.ledgers[v].n = 3 + v % 3;
		s->rec.total += s->rec.ledgers[v].n;
	}
	if (!(s->rec.kids = calloc(s->rec.total, sizeof(*s->rec.kids))))
		return CN_ENOMEM;
	for (size_t v = 0; v < s->nv; v++)
		for (size_t c = 0; c < s->rec.ledgers[v].n; c++, k++)
			rc_kid_make(&s->rec.kids[k], k, s->county->id, s->villages[v]->id, c, now);
	return 0;
}

static int rc_step_import(struct scen *s)
{
	char path[4096];
	int rc;

	sc_header("第6步 各村导入儿童台账",
	          "Step 6: every village imports its children's ledger (儿童台账)");
	printf("each village fills the template (carenet record template --type child) with its\n"
	       "children — fictional ones here, written by the demo to %s/ledger-child-<id>.csv —\n"
	       "and imports it at its own node; the rows go up to the township and the county\n",
	       s->env->dir);
	if ((rc = rc_plan(s)) != 0)
		return rc;
	for (size_t v = 0; v < s->nv; v++) {
		const char *words[] = {"record", "import", "-c", s->villages[v]->cfg->path,
		                       "--type", "child",  path, NULL};

		if ((rc = rc_write_ledger(s, v, path, sizeof(path))) != 0 ||
		    (rc = rc_cli(6, cmd_record, words)) != 0)
			return rc;
	}
	return 0;
}

static int rc_step_county(struct scen *s)
{
	const char *list[] = {"record", "list",  "-c", s->county->cfg->path,
	                      "--type", "child", NULL};
	const char *summary[] = {"ledger", "summary", "-c", s->county->cfg->path, NULL};
	int rc;

	sc_header("第7步 县里汇总儿童台账",
	          "Step 7: the county holds every child, masked, and counts them");
	if ((rc = sc_wait(s, 7, "every child reaching the county", rc_arrived)) != 0)
		return rc;
	printf("all %zu children of the %zu villages are at the county; its listing masks every\n"
	       "personal field (--reveal would show them, and be written to the audit log)\n",
	       s->rec.total, s->nv);
	if ((rc = rc_cli(7, cmd_record, list)) != 0)
		return rc;
	return rc_cli(7, cmd_ledger, summary);
}

/* The office directly above a village (its township). */
static const struct demo_office *rc_township(const struct scen *s, const struct demo_office *v)
{
	for (size_t i = 0; i < s->env->n; i++) {
		const struct demo_office *o = &s->env->offices[i];
		if (o->role == PKI_ROLE_TOWNSHIP && !strncmp(o->id, v->id, strlen(o->id)))
			return o;
	}
	return s->county;
}

static int rc_step_change(struct scen *s)
{
	const struct demo_office *v = s->villages[0], *t = rc_township(s, v);
	Carenet__ControlReply *rep = NULL;
	char set[128];
	int rc;

	sc_header("第8步 村里更新一名儿童，乡镇退回一条记录",
	          "Step 8: a village updates a child; its township returns another record");
	if ((rc = rc_list(v, &rep)) != 0 || rep->n_records < 2) {
		fprintf(stderr, "demo: step 8: %s lists %zu children: %s\n", v->id,
		        rep ? rep->n_records : 0, cn_strerror(rc ? rc : CN_EPROTO));
		carenet__control_reply__free_unpacked(rep, NULL);
		return rc ? rc : CN_EPROTO;
	}
	snprintf(s->rec.updated, sizeof(s->rec.updated), "%s", rep->records[0]->id);
	snprintf(s->rec.reviewed, sizeof(s->rec.reviewed), "%s", rep->records[1]->id);
	carenet__control_reply__free_unpacked(rep, NULL);
	snprintf(set, sizeof(set), RC_UPDATE_FIELD "=" RC_UPDATE_VALUE);
	{
		const char *update[] = {"record",       "update", "-c", v->cfg->path,
		                        s->rec.updated, "--set",  set,  NULL};
		const char *review[] = {"record",     "review",        "-c",
		                        t->cfg->path, s->rec.reviewed, "--return",
		                        "--note",     RC_REVIEW_NOTE,  NULL};
		const char *history[] = {"record",       "history", "-c", s->county->cfg->path,
		                         s->rec.updated, NULL};
		const char *show[] = {"record",        "show", "-c", s->county->cfg->path,
		                      s->rec.reviewed, NULL};

		printf("%s: a child's parents came home (" RC_UPDATE_FIELD " → " RC_UPDATE_VALUE
		       "); %s: another child's guardian could not be reached\n",
		       v->id, t->id);
		if ((rc = rc_cli(8, cmd_record, update)) != 0 ||
		    (rc = rc_cli(8, cmd_record, review)) != 0 ||
		    (rc = sc_wait(s, 8, "the new version and the review reaching the county",
		                  rc_changed)) != 0)
			return rc;
		printf("\nthe county holds version 2 of %s and the township's return of %s; the "
		       "return\n"
		       "is on %s's to-do list (carenet record list --type child --where "
		       "review=returned)\n",
		       s->rec.updated, s->rec.reviewed, v->id);
		if ((rc = rc_cli(8, cmd_record, history)) != 0)
			return rc;
		return rc_cli(8, cmd_record, show);
	}
}

/* Nothing personal in the clear at rest: no child's name or ID number in the
 * data.mdb of any office that holds it (the village, its township, the county). */
static int rc_sealed(struct scen *s)
{
	for (size_t i = 0; i < s->env->n; i++) {
		const struct demo_office *o = &s->env->offices[i];
		char path[4096];
		uint8_t *buf = NULL;
		size_t len = 0;
		int rc;

		snprintf(path, sizeof(path), "%s/data.mdb", o->cfg->data_dir);
		if ((rc = util_read_file(path, (size_t)1 << 31, &buf, &len)) != 0) {
			fprintf(stderr, "demo: cannot read %s: %s\n", path, cn_strerror(rc));
			return rc;
		}
		for (size_t v = 0; v < s->nv && rc == 0; v++) {
			const struct rc_ledger *l = &s->rec.ledgers[v];
			if (strncmp(s->villages[v]->id, o->id, strlen(o->id)) != 0)
				continue; /* not below this office */
			for (size_t c = 0; c < l->n && rc == 0; c++) {
				const struct rc_kid *k = &s->rec.kids[l->first + c];
				const char *found =
				    memmem(buf, len, k->name, strlen(k->name))     ? k->name
				    : memmem(buf, len, k->idnum, strlen(k->idnum)) ? k->idnum
				                                                   : NULL;
				if (found) {
					fprintf(stderr, "demo: %s holds %s in the clear\n", path,
					        found);
					rc = CN_EPROTO;
				}
			}
		}
		free(buf);
		if (rc)
			return rc;
	}
	s->rec.sealed = 1;
	return 0;
}

static int rc_run(struct scen *s)
{
	int rc;

	if ((rc = rc_step_import(s)) != 0 || (rc = rc_step_county(s)) != 0 ||
	    (rc = rc_step_change(s)) != 0)
		return rc;
	return rc_sealed(s);
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
	    (rc = sc_step_overdue(&s)) != 0 || (rc = rc_run(&s)) != 0)
		goto out;
	rc = sc_summary(&s);
out:
	fflush(stdout);
	free(s.rec.kids);
	free(s.rec.ledgers);
	free(s.villages);
	return rc;
}

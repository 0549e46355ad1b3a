/*
 * demo_close: step 15 of the demo's scenario -- a village is closed (撤村并村,
 * 撤销), as an operator does it (certs/README.md, "Moving a village", the
 * close): at the county every open record of the first village goes to a
 * village of the same township (`record transfer --all-of`), which takes
 * them (`record accept --all`); the closing village's node is stopped; a
 * notice the county issues meanwhile waits at its row; `carenet move close
 * V --into W` ends that row (retired 已撤销) and takes V out of the county's
 * registry; its certificate is revoked. The demo's process table marks it
 * closed (env->closed). Needs three villages (the second moved in step 14,
 * the silent one keeps its rectification order); skipped with fewer.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "demo_scenario_int.h"
#include "err.h"
#include "roles.h"

#define CL_STEP 15
#define CL_TITLE "撤并后请核对儿童名册 Check the children's list after the merge"

/* The first village closes, into another village of its township (any other
 * village of the county if it has none), neither the moved nor the silent one. */
static int cl_plan(struct scen *s)
{
	const struct demo_office *v = s->villages[0], *into = NULL;

	for (int same = 1; same >= 0 && !into; same--)
		for (size_t i = 1; i < s->nv && !into; i++) {
			const struct demo_office *o = s->villages[i];
			if (o != s->silent && o != s->mv.v && (!same || !strncmp(o->id, v->id, 9)))
				into = o;
		}
	if (!into)
		return CN_ENOTFOUND;
	s->cl.v = v;
	s->cl.into = into;
	snprintf(s->cl.id, sizeof(s->cl.id), "%s", v->id);
	return 0;
}

/* Open records the county holds of owner (every type), quietly. */
static int cl_open_at_county(struct scen *s, const char *owner, uint64_t *n)
{
	size_t ntypes;
	const struct rec_type *types = roles_record_types(&ntypes);
	int rc = 0;

	*n = 0;
	for (size_t k = 0; k < ntypes && rc == 0; k++) {
		Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
		Carenet__RecordListRequest l = CARENET__RECORD_LIST_REQUEST__INIT;
		Carenet__ControlReply *rep = NULL;

		l.type = (char *)types[k].name;
		l.office = (char *)owner;
		control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_RECORD_LIST, &l);
		if ((rc = sc_call(s->county, &req, CLI_TIMEOUT_MS, 1, &rep)) == 0)
			for (size_t i = 0; i < rep->n_records; i++)
				*n += !strcmp(rep->records[i]->owner, owner) && !rep->records[i]->closed;
		carenet__control_reply__free_unpacked(rep, NULL);
	}
	return rc;
}

/* The receiving village takes what has reached it (its operator's `record
 * accept --all`, run until nothing of V is left open at the county). */
static int cl_accepted(struct scen *s)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__RecordShowRequest q = CARENET__RECORD_SHOW_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	uint64_t left = 0;
	int rc;

	q.id = "";
	q.all = 1;
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_RECORD_ACCEPT, &q);
	if ((rc = sc_call(s->cl.into, &req, CLI_WRITE_TIMEOUT_MS, 1, &rep)) == 0)
		s->cl.accepted += rep->n_record_ids;
	carenet__control_reply__free_unpacked(rep, NULL);
	if (rc == 0)
		rc = cl_open_at_county(s, s->cl.id, &left);
	snprintf(s->seen, sizeof(s->seen), "%llu open record(s) of %s left at the county",
	         (unsigned long long)left, s->cl.id);
	return rc == 0 && left == 0;
}

/* A notice to every village while V is stopped: its row waits at V. */
static int cl_notice(struct scen *s)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__IssueRequest iq = CARENET__ISSUE_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	char to[32];
	int rc;

	snprintf(to, sizeof(to), "%s:village", s->county->id);
	if ((rc = sc_clock(s->county, 0, &iq.due)) != 0)
		return rc;
	iq.kind = KIND_NOTICE;
	iq.to = to;
	iq.title = CL_TITLE;
	iq.body = "";
	iq.due += 3 * 86400;
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_DIRECTIVE_ISSUE, &iq);
	printf("\n$ carenet directive issue -c %s --kind notice --to %s --title '%s' --due +3d\n",
	       s->county->cfg->path, to, CL_TITLE);
	if ((rc = sc_call(s->county, &req, CLI_WRITE_TIMEOUT_MS, 0, &rep)) == 0) {
		snprintf(s->cl.notice, sizeof(s->cl.notice), "%s", rep->id);
		printf("%s\n", rep->id);
	}
	carenet__control_reply__free_unpacked(rep, NULL);
	return rc;
}

/* The notice delivered everywhere but at the stopped village. */
static int cl_delivered(struct scen *s)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ShowRequest q = CARENET__SHOW_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	size_t waiting = 0;
	int rc;

	q.id = s->cl.notice;
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_DIRECTIVE_SHOW, &q);
	if ((rc = sc_call(s->county, &req, CLI_TIMEOUT_MS, 1, &rep)) == 0 && rep->n_directives == 1)
		for (size_t i = 0; i < rep->directives[0]->n_targets; i++) {
			const Carenet__TargetView *t = rep->directives[0]->targets[i];
			waiting += strcmp(t->id, s->cl.id) != 0 && t->state == STATE_PENDING;
		}
	carenet__control_reply__free_unpacked(rep, NULL);
	snprintf(s->seen, sizeof(s->seen), "notice %s: %zu village(s) still pending", s->cl.notice,
	         waiting);
	return rc == 0 && waiting == 0;
}

int cl_run(struct scen *s)
{
	const char *county = s->county->cfg->path;
	char ca[4096], crl[4200];
	int rc;

	if (!s->env->stop || !s->env->closed || cl_plan(s) != 0)
		return 0;
	sc_header("第15步 撤村并村：一个村撤销，儿童转入邻村，未完成的任务状态终止",
	          "Step 15: a village is closed: its children go to a neighbour, its open rows "
	          "end");
	if ((rc = sc_cli(CL_STEP, cmd_record,
	                 (const char *const[]){"record", "transfer", "-c", county, "--all-of",
	                                       s->cl.id, "--to", s->cl.into->id, NULL})) != 0)
		return rc;
	printf("\n$ carenet record accept --all -c %s\n", s->cl.into->cfg->path);
	fflush(stdout);
	if ((rc = sc_wait(s, CL_STEP, "the county holding no open record of the closing village",
	                  cl_accepted)) != 0)
		return rc;
	printf("%zu record(s) accepted: owned by %s now (已接收)\n", s->cl.accepted,
	       s->cl.into->id);
	printf("\n# %s's operator stops its node for good (停止节点)\n", s->cl.id);
	fflush(stdout);
	if ((rc = s->env->stop(s->env->arg, (size_t)(s->cl.v - s->env->offices))) != 0 ||
	    (rc = cl_notice(s)) != 0 ||
	    (rc = sc_wait(s, CL_STEP, "the notice delivered to the other villages",
	                  cl_delivered)) != 0 ||
	    (rc = sc_cli(CL_STEP, cmd_move,
	                 (const char *const[]){"move", "close", s->cl.id, "--into", s->cl.into->id,
	                                       "--reason", "撤村并村", "-c", county, NULL})) != 0 ||
	    (rc = sc_cli(CL_STEP, cmd_directive,
	                 (const char *const[]){"directive", "show", s->cl.notice, "-c", county,
	                                       NULL})) != 0)
		return rc;
	snprintf(ca, sizeof(ca), "%s/ca-%.6s", s->env->dir, s->county->id);
	snprintf(crl, sizeof(crl), "%s/crl.pem", ca);
	if ((rc = sc_cli(CL_STEP, cmd_ca,
	                 (const char *const[]){"ca", "revoke", "--ca", ca, "--id", s->cl.id,
	                                       "--reason", "cessationOfOperation", NULL})) != 0 ||
	    (rc = sc_cli(CL_STEP, cmd_crl,
	                 (const char *const[]){"crl", "publish", "-c", county, crl, NULL})) != 0)
		return rc;
	s->env->closed(s->env->arg, (size_t)(s->cl.v - s->env->offices));
	printf("\n撤销 Closed: %s. Its %zu record(s) are %s's; the notice's row at %s ended as "
	       "retired 已撤销 (never pending or overdue); the county lists and addresses it no "
	       "more; its certificate is revoked.\n",
	       s->cl.id, s->cl.accepted, s->cl.into->id, s->cl.id);
	fflush(stdout);
	return 0;
}

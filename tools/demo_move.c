/*
 * demo_move: step 14 of the demo's scenario -- a village moves to another
 * township of the county (区划调整; with one township, its code changes
 * within it, 村改居), as an operator does it (certs/README.md, "Moving a
 * village"): the county decides (`carenet move OLD NEW`); once both
 * townships and the village hold the Move, the county's CA issues NEW's
 * certificate and it is enrolled over the village's data; the village's
 * node is stopped when its township has acknowledged everything, `move
 * apply` switches its store and it is started as NEW, which hands its
 * children, its tasks and its history over; `move status` at the county
 * shows old = switched = new; then OLD's certificate is revoked.
 *
 * The second village moves (the first filed the report of steps 9 to 11),
 * to the lowest code under the next township that no office uses. The
 * demo's process table follows (env->stop, env->start_as).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "demo_scenario_int.h"
#include "err.h"
#include "render.h"
#include "roles.h"

#define MV_STEP 14

static int mv_status(const struct demo_office *o, Carenet__ControlReply **rep)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;

	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_MOVE_STATUS, NULL);
	return sc_call(o, &req, CLI_TIMEOUT_MS, 1, rep);
}

/* The move's state at office o ("" when it does not hold it); into s->seen. */
static int mv_state_at(struct scen *s, const struct demo_office *o, const char *want)
{
	Carenet__ControlReply *rep = NULL;
	const char *st = "", *zh;
	int rc, agree;

	if ((rc = mv_status(o, &rep)) == 0)
		for (size_t i = 0; i < rep->n_moves; i++)
			if (!strcmp(rep->moves[i]->old_id, s->mv.old))
				st = render_move_state(rep->moves[i], &agree, &zh);
	if (rc)
		snprintf(s->seen, sizeof(s->seen), "%s: %s", o->id, cn_strerror(rc));
	else
		snprintf(s->seen, sizeof(s->seen), "the move at %s: %s", o->id,
		         *st ? st : "not held yet");
	carenet__control_reply__free_unpacked(rep, NULL);
	return rc == 0 && (want ? !strcmp(st, want) : *st != 0);
}

static int mv_ready(struct scen *s)
{
	return mv_state_at(s, s->county, "ready") && mv_state_at(s, s->mv.v, NULL);
}

static int mv_complete(struct scen *s)
{
	return mv_state_at(s, s->county, "complete");
}

/* The village's township has acknowledged everything it sent (outbox_pending
 * 0, or 1: the audit checkpoint a clean stop leaves is not counted here). */
static int mv_drained(struct scen *s)
{
	uint64_t pending;
	int rc = sc_pending(s->mv.v, &pending);

	snprintf(s->seen, sizeof(s->seen), "%s: %llu item(s) not yet acknowledged", s->mv.old,
	         (unsigned long long)pending);
	return rc == 0 && pending == 0;
}

/* The village that moves, where to (the lowest free code under the next
 * township; its own township's when there is one), and the paths. */
static int mv_plan(struct scen *s)
{
	const struct demo_office *v = s->villages[s->nv > 1 ? 1 : 0];
	const char *to = NULL;
	int first = -1;

	for (size_t i = 0; i < s->env->n && !to; i++) {
		const struct demo_office *o = &s->env->offices[i];

		if (o->role != PKI_ROLE_TOWNSHIP)
			continue;
		if (first < 0)
			first = (int)i;
		if (strncmp(o->id, v->id, 9) != 0)
			to = o->id;
	}
	if (!to && first >= 0)
		to = s->env->offices[first].id;
	if (!to)
		return CN_EINVAL;
	s->mv.v = v;
	snprintf(s->mv.old, sizeof(s->mv.old), "%s", v->id);
	for (unsigned code = 1; code < 1000 && !s->mv.nw[0]; code++) {
		char id[16];
		int used = 0;

		snprintf(id, sizeof(id), "%.9s%03u", to, code);
		for (size_t i = 0; i < s->env->n && !used; i++)
			used = !strcmp(s->env->offices[i].id, id);
		if (!used)
			snprintf(s->mv.nw, sizeof(s->mv.nw), "%s", id);
	}
	if (!s->mv.nw[0])
		return CN_EINVAL;
	snprintf(s->mv.old_cfg, sizeof(s->mv.old_cfg), "%s", v->cfg->path);
	snprintf(s->mv.old_data, sizeof(s->mv.old_data), "%s", v->cfg->data_dir);
	snprintf(s->mv.dir, sizeof(s->mv.dir), "%s/%s", s->env->dir, s->mv.nw);
	snprintf(s->mv.ca, sizeof(s->mv.ca), "%s/ca-%.6s", s->env->dir, s->county->id);
	return 0;
}

/* NEW's keys, its certificate from the county's CA, enrolled over OLD's data. */
static int mv_identity(struct scen *s)
{
	char req[4200], bundle[4200], root[4200], cfg[4200];
	int rc;

	snprintf(req, sizeof(req), "%s/request.pem", s->mv.dir);
	snprintf(bundle, sizeof(bundle), "%s/issued/%s.bundle", s->mv.ca, s->mv.nw);
	snprintf(root, sizeof(root), "%s/%s/root.pem", s->env->dir, s->mv.old);
	snprintf(cfg, sizeof(cfg), "%s/node.cfg", s->mv.dir);
	if ((rc = sc_cli(MV_STEP, cmd_init,
	                 (const char *const[]){"init", "--dir", s->mv.dir, "--id", s->mv.nw,
	                                       NULL})) != 0 ||
	    (rc = sc_cli(MV_STEP, cmd_ca,
	                 (const char *const[]){"ca", "issue", "--ca", s->mv.ca, "--csr", req,
	                                       NULL})) != 0 ||
	    (rc = sc_cli(MV_STEP, cmd_enroll,
	                 (const char *const[]){"enroll", bundle, "--dir", s->mv.dir, "--root",
	                                       root, "--data-dir", s->mv.old_data, NULL})) != 0)
		return rc;
	return demo_scenario_configure(cfg, PKI_ROLE_VILLAGE);
}

static int mv_switch(struct scen *s)
{
	size_t i = (size_t)(s->mv.v - s->env->offices);
	char cfg[4200];
	int rc;

	snprintf(cfg, sizeof(cfg), "%s/node.cfg", s->mv.dir);
	if ((rc = sc_wait(s, MV_STEP, "the village's township acknowledging everything it sent",
	                  mv_drained)) != 0)
		return rc;
	printf("\n# %s's operator stops its node (停止节点) once its township has acknowledged "
	       "everything\n", s->mv.old);
	fflush(stdout);
	if ((rc = s->env->stop(s->env->arg, i)) != 0 ||
	    (rc = sc_cli(MV_STEP, cmd_move,
	                 (const char *const[]){"move", "apply", "-c", cfg, "--old", s->mv.old_cfg,
	                                       NULL})) != 0)
		return rc;
	printf("\n# and starts it again as %s (以新编码启动)\n", s->mv.nw);
	fflush(stdout);
	return s->env->start_as(s->env->arg, i, s->mv.nw, s->mv.dir);
}

int mv_run(struct scen *s)
{
	char crl[4200];
	int rc, within;

	if (!s->env->stop || !s->env->start_as)
		return 0;
	if ((rc = mv_plan(s)) != 0) {
		fprintf(stderr, "demo: step 14: no free village code to move %s to\n",
		        s->villages[0]->id);
		return rc;
	}
	within = !strncmp(s->mv.old, s->mv.nw, 9);
	if (within)
		sc_header("第14步 村改居：一个村换了编码，儿童、任务与历史随迁",
		          "Step 14: a village's code changes: its children, tasks and history go "
		          "with it");
	else
		sc_header("第14步 区划调整：一个村迁入另一乡镇，儿童、任务与历史随迁",
		          "Step 14: a village moves to another township: its children, tasks and "
		          "history go with it");
	if ((rc = sc_cli(MV_STEP, cmd_move,
	                 (const char *const[]){"move", s->mv.old, s->mv.nw, "-c",
	                                       s->county->cfg->path, NULL})) != 0 ||
	    (rc = sc_wait(s, MV_STEP, "both townships and the village holding the move",
	                  mv_ready)) != 0 ||
	    (rc = mv_identity(s)) != 0 || (rc = mv_switch(s)) != 0 ||
	    (rc = sc_wait(s, MV_STEP, "the move complete at the county", mv_complete)) != 0 ||
	    (rc = sc_cli(MV_STEP, cmd_move,
	                 (const char *const[]){"move", "status", "-c", s->county->cfg->path,
	                                       NULL})) != 0)
		return rc;
	snprintf(crl, sizeof(crl), "%s/crl.pem", s->mv.ca);
	if ((rc = sc_cli(MV_STEP, cmd_ca,
	                 (const char *const[]){"ca", "revoke", "--ca", s->mv.ca, "--id", s->mv.old,
	                                       "--reason", "affiliationChanged", NULL})) != 0 ||
	    (rc = sc_cli(MV_STEP, cmd_crl,
	                 (const char *const[]){"crl", "publish", "-c", s->county->cfg->path, crl,
	                                       NULL})) != 0)
		return rc;
	printf("\n%s Moved: %s is now %s (已迁移). %s and the county agree on what was handed "
	       "over (old = switched = new); each child counts once, under %s; the old "
	       "certificate is revoked.\n",
	       within ? "村改居" : "区划调整", s->mv.old, s->mv.nw,
	       within ? "Its township" : "Its old township, its new one", s->mv.nw);
	fflush(stdout);
	return 0;
}

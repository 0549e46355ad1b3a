/*
 * demo_town: step 16 of the demo's scenario -- a township's own code changes
 * (撤乡设镇), as its operators do it (certs/README.md, "A township's code
 * change"): the county decides (`carenet move OLDT NEWT`, which also moves
 * each of its villages to the same last three digits under NEWT); once the
 * township holds it, it asks for NEWT with its own CURVE key (`carenet init
 * --curve-from`), the county's CA issues it with the township's address, it
 * is enrolled over the township's data; the township's node is stopped,
 * `move apply` marks the switch and it starts as NEWT. Its villages stay
 * linked under their old codes (each switches later, when its operator is
 * ready, as in step 14): `move status` at the county shows the township's
 * move complete and each village's ready. The last township is renumbered,
 * to the lowest township code of the county no office uses.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "demo_scenario_int.h"
#include "err.h"
#include "render.h"
#include "roles.h"

#define TW_STEP 16

/* The county's view of the moves: the township's state, how many of its
 * villages' moves there are (into s->tw.nvillages) and how many are ready
 * (its new code holds them); into s->seen. */
static int tw_states(struct scen *s, const char *want, size_t *ready)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	const char *st = "", *zh;
	int rc, agree;

	*ready = 0;
	s->tw.nvillages = 0;
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_MOVE_STATUS, NULL);
	if ((rc = sc_call(s->county, &req, CLI_TIMEOUT_MS, 1, &rep)) == 0)
		for (size_t i = 0; i < rep->n_moves; i++) {
			const Carenet__MoveView *m = rep->moves[i];
			if (!strcmp(m->old_id, s->tw.old))
				st = render_move_state(m, &agree, &zh);
			else if (!strncmp(m->new_id, s->tw.nw, 9) && strlen(m->new_id) == 12) {
				s->tw.nvillages++;
				*ready += !strcmp(render_move_state(m, &agree, &zh), "ready");
			}
		}
	if (rc)
		snprintf(s->seen, sizeof(s->seen), "%s: %s", s->county->id, cn_strerror(rc));
	else
		snprintf(s->seen, sizeof(s->seen), "the township's move: %s; %zu village move(s) ready",
		         *st ? st : "not held yet", *ready);
	carenet__control_reply__free_unpacked(rep, NULL);
	return rc == 0 && !strcmp(st, want);
}

static int tw_held(struct scen *s)
{
	size_t ready;
	return tw_states(s, "ready", &ready);
}

static int tw_done(struct scen *s)
{
	size_t ready;
	return tw_states(s, "complete", &ready) && ready == s->tw.nvillages;
}

/* Each of its villages (but the one closed in step 15) linked to it again,
 * under the new code: their links come back on their own, after the
 * township's restart, at their next HELLO. */
static int tw_linked(struct scen *s)
{
	for (size_t i = 0; i < s->env->n; i++) {
		const struct demo_office *o = &s->env->offices[i];
		Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
		Carenet__ControlReply *rep = NULL;
		int up;

		if (o->role != PKI_ROLE_VILLAGE || strncmp(o->id, s->tw.old, 9) != 0 || o == s->cl.v)
			continue;
		control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_STATUS, NULL);
		up = sc_call(o, &req, CLI_TIMEOUT_MS, 1, &rep) == 0 && rep->status &&
		     rep->status->parent && rep->status->parent->up;
		carenet__control_reply__free_unpacked(rep, NULL);
		if (!up) {
			snprintf(s->seen, sizeof(s->seen), "%s: its link to %s not up yet", o->id,
			         s->tw.nw);
			return 0;
		}
	}
	return 1;
}

/* The last township, its villages and the lowest free township code. */
static int tw_plan(struct scen *s)
{
	const struct demo_office *t = NULL;

	for (size_t i = 0; i < s->env->n; i++)
		if (s->env->offices[i].role == PKI_ROLE_TOWNSHIP)
			t = &s->env->offices[i];
	if (!t)
		return CN_EINVAL;
	s->tw.t = t;
	snprintf(s->tw.old, sizeof(s->tw.old), "%s", t->id);
	for (unsigned code = 1; code < 1000 && !s->tw.nw[0]; code++) {
		char id[16];
		int used = 0;

		snprintf(id, sizeof(id), "%.6s%03u", s->county->id, code);
		for (size_t i = 0; i < s->env->n && !used; i++)
			used = !strncmp(s->env->offices[i].id, id, 9);
		if (!used)
			snprintf(s->tw.nw, sizeof(s->tw.nw), "%s", id);
	}
	return s->tw.nw[0] ? 0 : CN_EINVAL;
}

/* NEWT's request with the township's CURVE key, the CA's certificate at the
 * township's address, enrolled over its data with the same listening address. */
static int tw_identity(struct scen *s, char *dir, size_t dirlen) /* dir: 4096 */
{
	char old[4096], ca[4096], req[4200], bundle[4200], root[4200], cfg[4200];
	const struct config *c = s->tw.t->cfg;
	int rc;

	snprintf(dir, dirlen, "%s/%s", s->env->dir, s->tw.nw);
	snprintf(old, sizeof(old), "%s/%s", s->env->dir, s->tw.old);
	snprintf(ca, sizeof(ca), "%s/ca-%.6s", s->env->dir, s->county->id);
	snprintf(req, sizeof(req), "%s/request.pem", dir);
	snprintf(bundle, sizeof(bundle), "%s/issued/%s.bundle", ca, s->tw.nw);
	snprintf(root, sizeof(root), "%s/root.pem", old);
	snprintf(cfg, sizeof(cfg), "%s/node.cfg", dir);
	if ((rc = sc_cli(TW_STEP, cmd_init,
	                 (const char *const[]){"init", "--dir", dir, "--id", s->tw.nw,
	                                       "--curve-from", old, NULL})) != 0 ||
	    (rc = sc_cli(TW_STEP, cmd_ca,
	                 (const char *const[]){"ca", "issue", "--ca", ca, "--csr", req,
	                                       "--endpoint", c->listen, NULL})) != 0 ||
	    (rc = sc_cli(TW_STEP, cmd_enroll,
	                 (const char *const[]){"enroll", bundle, "--dir", dir, "--root", root,
	                                       "--data-dir", c->data_dir, "--listen", c->listen,
	                                       NULL})) != 0)
		return rc;
	return demo_scenario_configure(cfg, PKI_ROLE_TOWNSHIP);
}

int tw_run(struct scen *s)
{
	char dir[4096], cfg[4200];
	size_t i;
	int rc;

	if (!s->env->stop || !s->env->start_as || tw_plan(s) != 0)
		return 0;
	i = (size_t)(s->tw.t - s->env->offices);
	sc_header("第16步 撤乡设镇：乡镇改编码，节点、数据和密钥不变，各村随后逐一切换",
	          "Step 16: a township's code changes: same node, data and CURVE key; its "
	          "villages switch afterwards, one by one");
	if ((rc = sc_cli(TW_STEP, cmd_move,
	                 (const char *const[]){"move", s->tw.old, s->tw.nw, "-c",
	                                       s->county->cfg->path, NULL})) != 0 ||
	    (rc = sc_wait(s, TW_STEP, "the township holding its move", tw_held)) != 0 ||
	    (rc = tw_identity(s, dir, sizeof(dir))) != 0)
		return rc;
	snprintf(cfg, sizeof(cfg), "%s/node.cfg", dir);
	printf("\n# %s's operator stops its node (停止节点); nothing needs draining: its links "
	       "stay as they are\n", s->tw.old);
	fflush(stdout);
	if ((rc = s->env->stop(s->env->arg, i)) != 0 ||
	    (rc = sc_cli(TW_STEP, cmd_move,
	                 (const char *const[]){"move", "apply", "-c", cfg, "--old",
	                                       s->tw.t->cfg->path, NULL})) != 0)
		return rc;
	printf("\n# and starts it again as %s (以新编码启动)\n", s->tw.nw);
	fflush(stdout);
	if ((rc = s->env->start_as(s->env->arg, i, s->tw.nw, dir)) != 0 ||
	    (rc = sc_wait(s, TW_STEP, "the township's move complete and its villages' ready",
	                  tw_done)) != 0 ||
	    (rc = sc_wait(s, TW_STEP, "its villages linked to it again", tw_linked)) != 0)
		return rc;
	/* exit 1: its villages' moves wait for their switches, as they should */
	printf("\n$ carenet move status -c %s\n", s->county->cfg->path);
	fflush(stdout);
	rc = cmd_move(4, (char *[]){"move", "status", "-c", (char *)s->county->cfg->path, NULL});
	fflush(stdout);
	if (rc != 0 && rc != 1) {
		fprintf(stderr, "demo: step %d: carenet move status exited with status %d\n",
		        TW_STEP, rc);
		return CN_EIO;
	}
	printf("\n撤乡设镇 Renumbered: %s is now %s, the same node with the same data and CURVE key; "
	       "the county took over what it had queued for the old code. Its %zu village%s stay "
	       "linked under their old codes and switch when their operators are ready (carenet "
	       "move apply, as in step 14); revoke %s once every move is complete (reason "
	       "superseded).\n",
	       s->tw.old, s->tw.nw, s->tw.nvillages, s->tw.nvillages == 1 ? "" : "s", s->tw.old);
	fflush(stdout);
	return 0;
}

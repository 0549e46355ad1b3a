/*
 * demo_compliance: step 13 of the demo's scenario -- the county's compliance
 * with the Ministry's demonstration-county standard (mca-2018-demo), over
 * what the scenario left in its records: the command as an operator types it
 * (writing the HTML report to DIR/compliance-<county>.html), then a short
 * account from the same control request: how many indicators pass, fail,
 * are unknown or n/a, and the failing ones. A demo county fails most of the
 * standard: it holds a few children and no roster, meetings or staff.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "demo_scenario_int.h"
#include "err.h"

#define DC_STANDARD "mca-2018-demo"
#define DC_SHOW 6 /* failing indicators listed */

static int dc_call(struct scen *s, Carenet__ControlReply **rep)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ComplianceRequest q = CARENET__COMPLIANCE_REQUEST__INIT;
	char *std[] = {DC_STANDARD};

	q.standards = std;
	q.n_standards = 1;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_COMPLIANCE;
	req.compliance = &q;
	return sc_call(s->county, &req, CLI_WRITE_TIMEOUT_MS, 0, rep);
}

static void dc_print(const Carenet__ComplianceReply *c)
{
	static const char *const res[] = {"pass", "fail", "unknown", "n/a"};
	static const char *const zh[] = {"达标", "未达标", "不明", "不适用"};
	size_t n[4] = {0}, shown = 0;

	for (size_t i = 0; i < c->n_indicators; i++)
		for (size_t k = 0; k < 4; k++)
			n[k] += !strcmp(c->indicators[i]->result, res[k]);
	printf("\n%s %s: %zu indicators — %s %s %zu, %s %s %zu, %s %s %zu, %s %s %zu\n",
	       c->standard, c->title_en, c->n_indicators, zh[0], res[0], n[0], zh[1], res[1], n[1],
	       zh[2], res[2], n[2], zh[3], res[3], n[3]);
	for (size_t i = 0; i < c->n_indicators && shown < DC_SHOW; i++) {
		const Carenet__ComplianceIndicator *x = c->indicators[i];
		if (strcmp(x->result, "fail") != 0)
			continue;
		printf("  未达标 fail  %-32s %s  (threshold %s)\n", x->id, x->zh, x->threshold);
		shown++;
	}
	printf("Unknown is never a silent pass: it names what is missing (a roster, an "
	       "attestation, an inspector's finding).\n");
}

int dc_run(struct scen *s)
{
	Carenet__ControlReply *rep = NULL;
	char html[4096];
	int rc;

	snprintf(html, sizeof(html), "%s/compliance-%s.html", s->env->dir, s->county->id);
	sc_header("第13步 县级示范标准自评：合规评估",
	          "Step 13: the county checks itself against the demonstration-county standard");
	if ((rc = sc_cli(13, cmd_compliance,
	                 (const char *const[]){"compliance", "-c", s->county->cfg->path,
	                                       "--standard", DC_STANDARD, "--html", html,
	                                       NULL})) != 0)
		return rc;
	printf("wrote %s (one self-contained page, A4, Chinese first)\n", html);
	if ((rc = dc_call(s, &rep)) == 0 && rep->compliance)
		dc_print(rep->compliance);
	carenet__control_reply__free_unpacked(rep, NULL);
	fflush(stdout);
	return rc;
}

/* demo_reports: the reports scenario of `carenet demo` (steps 9 to 11; see
 * demo_scenario_int.h): the first village files an urgent mandatory report
 * (强制报告), its township acknowledges it, the county opens a case, and
 * the village's `report show` prints the report's hops and steps. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_report.h"
#include "cmd.h"
#include "demo_scenario_int.h"
#include "err.h"
#include "roles.h"
#include "util.h"

/* The report as office o holds it (quiet; for polls). */
static int rp_show(const struct demo_office *o, const char *id, Carenet__ControlReply **rep)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ReportShowRequest q = CARENET__REPORT_SHOW_REQUEST__INIT;
	int rc;

	q.id = (char *)id;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_REPORT_SHOW;
	req.report_show = &q;
	if ((rc = sc_call(o, &req, CLI_TIMEOUT_MS, 1, rep)) == 0 && (*rep)->n_reports != 1)
		rc = CN_EPROTO;
	return rc;
}

/* 1 when office o holds the report with at least `steps` steps. */
static int rp_holds(struct scen *s, const struct demo_office *o, size_t steps)
{
	Carenet__ControlReply *rep = NULL;
	size_t n = 0;
	int rc = rp_show(o, s->rep.id, &rep), held = rc == 0;

	if (held)
		n = rep->reports[0]->n_steps;
	snprintf(s->seen, sizeof(s->seen), "%s: %s, %zu step(s)", o->id,
	         held ? "holds it" : cn_strerror(rc), n);
	carenet__control_reply__free_unpacked(rep, NULL);
	return held && n >= steps;
}

static int rp_at_county(struct scen *s)
{
	int both = rp_holds(s, s->rep.township, 0) && rp_holds(s, s->county, 0);

	if (both == 1 && !s->rep.county_ms)
		s->rep.county_ms = (util_mono_us() - s->rep.filed_us) / 1000 + 1;
	return both;
}

static int rp_late_at_county(struct scen *s)
{
	Carenet__ControlReply *rep = NULL;
	int rc = rp_show(s->county, s->rep.late, &rep);

	snprintf(s->seen, sizeof(s->seen), "%s: %s", s->county->id,
	         rc == 0 ? "holds it" : cn_strerror(rc));
	carenet__control_reply__free_unpacked(rep, NULL);
	return rc == 0;
}

static int rp_case_at_village(struct scen *s)
{
	return rp_holds(s, s->villages[0], 2);
}

/* Files an urgent report at village v (S01 or S03); its id into out. */
static int rp_file_at(const struct demo_office *v, int abuse, char *out, size_t outlen)
{
	static char *sit[] = {"S01"}, *sit3[] = {"S03"};
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ReportFileRequest q = CARENET__REPORT_FILE_REQUEST__INIT;
	Carenet__Report p = CARENET__REPORT__INIT;
	Carenet__ControlReply *rep = NULL;
	int rc;

	p.situation = abuse ? sit3 : sit;
	p.n_situation = 1;
	p.summary = abuse ? "学校老师发现学生身上多处伤痕，疑似家庭暴力 (suspected domestic violence)"
	                  : "走访发现一名8岁儿童独自在家生活，父母外出务工失联 (a child of 8 living "
	                    "alone)";
	p.child_description = abuse ? "女孩，约10岁，五组" : "男孩，约8岁，三组";
	p.reporter_name = "王丽";
	p.reporter_role = "儿童主任";
	p.police_unit = "示范县公安局红云派出所";
	p.police_record_no = "JJ-2026-0815";
	p.urgency = 1;
	q.report = &p;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_REPORT_FILE;
	req.report_file = &q;
	printf("\n$ carenet report file -c %s --situation %s --urgency urgent \\\n"
	       "    --summary '%s' --description '%s' \\\n"
	       "    --reporter %s --reporter-role %s --police-unit %s --police-record-no %s\n",
	       v->cfg->path, p.situation[0], p.summary, p.child_description, p.reporter_name,
	       p.reporter_role, p.police_unit, p.police_record_no);
	if ((rc = sc_call(v, &req, CLI_WRITE_TIMEOUT_MS, 0, &rep)) == 0) {
		snprintf(out, outlen, "%s", rep->id);
		printf("%s filed (已报告)\n", out);
	}
	carenet__control_reply__free_unpacked(rep, NULL);
	fflush(stdout);
	return rc;
}

/* 1 when the county holds the late report escalated, itself the holder. */
static int rp_escalated(struct scen *s)
{
	Carenet__ControlReply *rep = NULL;
	int rc = rp_show(s->county, s->rep.late, &rep), ok = 0;

	if (rc == 0) {
		const Carenet__ReportState *st = rep->reports[0];
		ok = !strcmp(st->state, "escalated") && !strcmp(st->holder, s->county->id);
		snprintf(s->seen, sizeof(s->seen), "%s: state %s, holder %s", s->county->id,
		         st->state, st->holder);
	} else
		snprintf(s->seen, sizeof(s->seen), "%s: %s", s->county->id, cn_strerror(rc));
	carenet__control_reply__free_unpacked(rep, NULL);
	return ok;
}

/* Step 12: a report whose township stays silent escalates itself. */
static int rp_escalate(struct scen *s)
{
	const struct demo_office *v = s->silent;
	int rc;

	sc_header("第12步 乡镇未按时受理：报告自动上报县级",
	          "Step 12: a township does not acknowledge in time: the report escalates itself");
	printf("The last village files a second report; its township (%.9s) does not acknowledge "
	       "it.\nreports.ack_urgent is 1 h: the clocks move 61 minutes on.\n",
	       v->id);
	if ((rc = rp_file_at(v, 1, s->rep.late, sizeof(s->rep.late))) != 0 ||
	    (rc = sc_wait(s, 12, "the second report at the county", rp_late_at_county)) != 0 ||
	    (rc = sc_advance(s, 61 * 60)) != 0 ||
	    (rc = sc_wait(s, 12, "the county escalating the unacknowledged report",
	                  rp_escalated)) != 0)
		return rc;
	return sc_cli(12, cmd_report,
	              (const char *const[]){"report", "list", "-c", s->county->cfg->path, NULL});
}

int rp_run(struct scen *s)
{
	const char *village = s->villages[0]->id;
	int rc;

	for (size_t i = 0; i < s->env->n; i++)
		if (s->env->offices[i].role == PKI_ROLE_TOWNSHIP &&
		    !strncmp(village, s->env->offices[i].id, 9))
			s->rep.township = &s->env->offices[i];
	if (!s->rep.township)
		return CN_EINVAL;
	snprintf(s->rep.acked_by, sizeof(s->rep.acked_by), "%s", s->rep.township->id);
	sc_header("第9步 村里发现独居儿童：强制报告",
	          "Step 9: a village files an urgent mandatory report");
	s->rep.filed_us = util_mono_us();
	if ((rc = rp_file_at(s->villages[0], 0, s->rep.id, sizeof(s->rep.id))) != 0 ||
	    (rc = sc_wait(s, 9, "the report reaching the township and the county", rp_at_county)))
		return rc;
	sc_header("第10步 乡镇受理，县级立案",
	          "Step 10: the township acknowledges, the county opens a case");
	if ((rc = sc_cli(10, cmd_report,
	                 (const char *const[]){"report", "ack", s->rep.id, "-c",
	                                       s->rep.township->cfg->path, "--note",
	                                       "已受理，已联系派出所和村委会", NULL})) != 0 ||
	    (rc = sc_cli(10, cmd_report,
	                 (const char *const[]){"report", "open-case", s->rep.id, "-c",
	                                       s->county->cfg->path, NULL})) != 0 ||
	    (rc = sc_wait(s, 10, "the acknowledgement and the case at the village",
	                  rp_case_at_village)) != 0)
		return rc;
	sc_header("第11步 报告村查看进展：每一跳的时限与受理",
	          "Step 11: the reporting village sees where its report stands (its hops)");
	if ((rc = sc_cli(11, cmd_report,
	                 (const char *const[]){"report", "show", s->rep.id, "-c",
	                                       s->villages[0]->cfg->path, NULL})) != 0)
		return rc;
	return rp_escalate(s);
}

/*
 * cli_report_view: how `report list` and `report show` print reports — a
 * bilingual table, JSON (the interface contract of issue 9: id, situation,
 * urgency, state, holder, filed_at, hops [{from, to, sent_at, due_at,
 * acked_at, escalated}], and every field for show) or CSV.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_report.h"
#include "csv.h"
#include "json.h"
#include "roles.h"
#include "util.h"

static void json_time(struct json *j, const char *key, uint64_t t)
{
	if (t)
		json_u64(j, key, t);
	else
		json_null(j, key);
}

static void json_hops(struct json *j, const Carenet__ReportState *st)
{
	json_arr_begin(j, "hops");
	for (size_t i = 0; i < st->n_hops; i++) {
		const Carenet__ReportHop *h = st->hops[i];
		json_obj_begin(j, NULL);
		json_str(j, "from", h->from);
		json_str(j, "to", h->to);
		json_u64(j, "sent_at", h->sent_at);
		json_u64(j, "due_at", h->due_at);
		json_time(j, "acked_at", h->acked_at);
		json_str(j, "acked_by", h->acked_by);
		json_bool(j, "escalated", h->escalated);
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void json_steps(struct json *j, const Carenet__ReportState *st)
{
	json_arr_begin(j, "steps");
	for (size_t i = 0; i < st->n_steps; i++) {
		const Carenet__ReportStep *s = st->steps[i];
		json_obj_begin(j, NULL);
		json_str(j, "id", s->id);
		json_str(j, "kind", report_kind_name(s->kind));
		json_str(j, "by", s->by);
		json_u64(j, "at", s->at);
		json_str(j, "note", s->note);
		json_str(j, "to", s->to);
		json_str(j, "ref", s->ref);
		json_str(j, "outcome", s->outcome);
		cli_json_evidence(j, s->evidence, s->n_evidence);
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void json_report(struct json *j, const Carenet__ReportState *st, int full)
{
	const Carenet__Report *p = st->report;

	json_obj_begin(j, NULL);
	json_str(j, "id", p->id);
	json_str(j, "office", p->office);
	json_arr_begin(j, "situation");
	for (size_t i = 0; i < p->n_situation; i++)
		json_str(j, NULL, p->situation[i]);
	json_arr_end(j);
	json_arr_begin(j, "situation_zh");
	for (size_t i = 0; i < p->n_situation; i++)
		json_str(j, NULL,
		         strcmp(p->situation[i], "**") ? report_situation_zh(p->situation[i])
		                                       : "**");
	json_arr_end(j);
	json_str(j, "urgency", report_urgency_name(p->urgency));
	json_str(j, "state", st->state);
	json_str(j, "state_zh", report_state_zh(st->state));
	json_str(j, "holder", st->holder);
	json_u64(j, "filed_at", p->filed_at);
	json_bool(j, "overdue", st->overdue);
	json_str(j, "case", st->case_id);
	json_str(j, "summary", p->summary);
	json_hops(j, st);
	if (full) {
		json_u64(j, "discovered_at", p->discovered_at);
		json_str(j, "reporter_name", p->reporter_name);
		json_str(j, "reporter_role", p->reporter_role);
		json_str(j, "child", p->child);
		json_str(j, "child_description", p->child_description);
		json_str(j, "description", p->description);
		json_str(j, "location", p->location);
		json_time(j, "police_reported_at", p->police_reported_at);
		json_str(j, "police_unit", p->police_unit);
		json_str(j, "police_record_no", p->police_record_no);
		json_time(j, "closed_at", st->closed_at);
		json_str(j, "closed_by", st->closed_by);
		json_str(j, "outcome", st->outcome);
		json_u64(j, "received_at", st->received_at);
		cli_json_evidence(j, p->evidence, p->n_evidence);
		json_steps(j, st);
	}
	json_obj_end(j);
}

static void situations(const Carenet__Report *p, char *out, size_t len)
{
	size_t k = 0;

	out[0] = 0;
	for (size_t i = 0; i < p->n_situation && k + 1 < len; i++)
		k += (size_t)snprintf(out + k, len - k, "%s%s", i ? "," : "", p->situation[i]);
}

static void print_csv(Carenet__ReportState *const *v, size_t n, const char *tz)
{
	static const char *const head[] = {"id",      "office",    "situation", "urgency",
	                                   "state",   "state_zh",  "holder",    "filed_at",
	                                   "overdue", "escalated", "case",      "summary"};
	char filed[32], sit[128];

	csv_write_bom(stdout);
	csv_write_row(stdout, head, sizeof(head) / sizeof(head[0]));
	for (size_t i = 0; i < n; i++) {
		const Carenet__ReportState *st = v[i];
		const char *esc = "no";
		for (size_t h = 0; h < st->n_hops; h++)
			if (st->hops[h]->escalated)
				esc = "yes";
		situations(st->report, sit, sizeof(sit));
		cli_csv_time(st->report->filed_at, tz, filed, sizeof(filed));
		const char *cells[] = {st->report->id,
		                       st->report->office,
		                       sit,
		                       report_urgency_name(st->report->urgency),
		                       st->state,
		                       report_state_zh(st->state),
		                       st->holder,
		                       filed,
		                       st->overdue ? "yes" : "no",
		                       esc,
		                       st->case_id,
		                       st->report->summary};
		csv_write_row(stdout, cells, sizeof(cells) / sizeof(cells[0]));
	}
}

/* show --csv: one row per hop of each report. */
static void print_hops_csv(Carenet__ReportState *const *v, size_t n, const char *tz)
{
	static const char *const head[] = {"id",     "from",     "to",       "sent_at",
	                                   "due_at", "acked_at", "acked_by", "escalated"};
	char sent[32], due[32], acked[32];

	csv_write_bom(stdout);
	csv_write_row(stdout, head, sizeof(head) / sizeof(head[0]));
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < v[i]->n_hops; k++) {
			const Carenet__ReportHop *h = v[i]->hops[k];
			cli_csv_time(h->sent_at, tz, sent, sizeof(sent));
			cli_csv_time(h->due_at, tz, due, sizeof(due));
			cli_csv_time(h->acked_at, tz, acked, sizeof(acked));
			const char *cells[] = {v[i]->report->id,
			                       h->from,
			                       h->to,
			                       sent,
			                       due,
			                       acked,
			                       h->acked_by,
			                       h->escalated ? "yes" : "no"};
			csv_write_row(stdout, cells, sizeof(cells) / sizeof(cells[0]));
		}
}

static void state_text(const Carenet__ReportState *st, char *out, size_t len)
{
	snprintf(out, len, "%s%s%s", cli_tr(st->state, report_state_zh(st->state)),
	         st->overdue ? " " : "", st->overdue ? cli_tr("overdue", "逾期") : "");
}

static void print_table(Carenet__ReportState *const *v, size_t n, const char *tz)
{
	char filed[32], state[96], sit[128];
	struct table t;

	if (!n) {
		printf("%s\n", cli_tr("no reports", "(无报告)"));
		return;
	}
	table_init(&t, 6);
	table_add(&t, (const char *[]){cli_tr("ID", "编号"), cli_tr("URGENCY", "紧急程度"),
	                               cli_tr("STATE", "状态"), cli_tr("HOLDER", "承办"),
	                               cli_tr("FILED", "报告时间"), cli_tr("SITUATION", "情形")});
	for (size_t i = 0; i < n; i++) {
		const Carenet__ReportState *st = v[i];
		util_fmt_time(st->report->filed_at, tz, filed, sizeof(filed));
		state_text(st, state, sizeof(state));
		situations(st->report, sit, sizeof(sit));
		table_add(&t, (const char *[]){st->report->id,
		                               cli_tr(report_urgency_name(st->report->urgency),
		                                      report_urgency_zh(st->report->urgency)),
		                               state, st->holder, filed, sit});
	}
	table_print(&t, stdout);
}

static void print_hops(const Carenet__ReportState *st, const char *tz)
{
	char sent[32], due[32], acked[32];

	printf("hops 通报:\n");
	for (size_t i = 0; i < st->n_hops; i++) {
		const Carenet__ReportHop *h = st->hops[i];
		util_fmt_time(h->sent_at, tz, sent, sizeof(sent));
		util_fmt_time(h->due_at, tz, due, sizeof(due));
		if (h->acked_at)
			util_fmt_time(h->acked_at, tz, acked, sizeof(acked));
		printf("  %-12s -> %-12s sent %s  due %s  %s%s%s\n", h->from, h->to, sent, due,
		       h->acked_at ? "acknowledged 已受理 " : "not acknowledged 未受理",
		       h->acked_at ? acked : "", h->escalated ? "  ESCALATED 超时上报" : "");
	}
}

static void print_steps(const Carenet__ReportState *st, const char *tz)
{
	char at[32];

	printf("steps 处置:\n");
	for (size_t i = 0; i < st->n_steps; i++) {
		const Carenet__ReportStep *s = st->steps[i];
		util_fmt_time(s->at, tz, at, sizeof(at));
		printf("  %s  %-10s by %s", at, report_kind_name(s->kind), s->by);
		if (s->kind == REPORT_STEP_REFER)
			printf("  to %s %s, ref %s", s->to, report_dept_zh(s->to), s->ref);
		else if (s->kind == REPORT_STEP_ESCALATE)
			printf("  (%s -> %s late)", s->hop_from, s->to);
		else if (s->kind == REPORT_STEP_OPEN_CASE)
			printf("  case %s", s->ref);
		if (s->outcome[0])
			printf("  outcome: %s", s->outcome);
		if (s->note[0])
			printf("  note: %s", s->note);
		printf("\n");
	}
}

static void print_one(const Carenet__ReportState *st, const char *tz)
{
	const Carenet__Report *p = st->report;
	char t[32], state[96];

	state_text(st, state, sizeof(state));
	util_fmt_time(p->filed_at, tz, t, sizeof(t));
	printf("report 强制报告 %s  from %s  filed %s\n", p->id, p->office, t);
	printf("  urgency 紧急程度: %s %s   state 状态: %s   holder 承办: %s\n",
	       report_urgency_name(p->urgency), report_urgency_zh(p->urgency), state, st->holder);
	printf("  situation 情形:");
	for (size_t i = 0; i < p->n_situation; i++)
		printf(" %s%s%s", p->situation[i], strcmp(p->situation[i], "**") ? " " : "",
		       strcmp(p->situation[i], "**") ? report_situation_zh(p->situation[i]) : "");
	printf("\n  summary 摘要: %s\n", p->summary);
	printf("  child 儿童: %s%s%s\n", p->child,
	       p->child[0] && p->child_description[0] ? " / " : "", p->child_description);
	if (p->location[0] || p->reporter_name[0])
		printf("  location 地点: %s   reporter 报告人: %s %s\n", p->location,
		       p->reporter_name, p->reporter_role);
	if (p->police_unit[0] || p->police_record_no[0])
		printf("  police 公安: %s  record 接处警记录 %s\n", p->police_unit,
		       p->police_record_no);
	if (st->case_id[0])
		printf("  case 个案: %s\n", st->case_id);
	if (st->closed_at) {
		util_fmt_time(st->closed_at, tz, t, sizeof(t));
		printf("  closed 办结: %s by %s: %s\n", t, st->closed_by, st->outcome);
	}
	print_hops(st, tz);
	print_steps(st, tz);
}

void cli_report_print(Carenet__ReportState *const *v, size_t n, const char *tz, int show, int fmt)
{
	struct json j;

	if (fmt == 1) {
		json_init(&j, stdout);
		if (!show)
			json_arr_begin(&j, NULL);
		for (size_t i = 0; i < n; i++)
			json_report(&j, v[i], show);
		if (!show)
			json_arr_end(&j);
		json_finish(&j);
	} else if (fmt == 2 && show) {
		print_hops_csv(v, n, tz);
	} else if (fmt == 2) {
		print_csv(v, n, tz);
	} else if (show && n) {
		print_one(v[0], tz);
	} else {
		print_table(v, n, tz);
	}
}

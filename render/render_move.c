/*
 * render_move: a move's state (区划调整) as `carenet move status`, the demo
 * and the web's /moves page show it, from the node's MoveView: which steps
 * the holder has seen and whether their counts agree.
 */
#include <stdio.h>
#include <string.h>

#include "render.h"

const Carenet__MoveStepView *render_move_step(const Carenet__MoveView *m, const char *step)
{
	for (size_t i = 0; i < m->n_steps; i++)
		if (!strcmp(m->steps[i]->step, step))
			return m->steps[i];
	return NULL;
}

const char *render_move_state(const Carenet__MoveView *m, int *agree, const char **zh)
{
	const Carenet__MoveStepView *o = render_move_step(m, "old"),
	                            *s = render_move_step(m, "switched"),
	                            *n = render_move_step(m, "new");

	if (strlen(m->old_id) == 9) { /* a township's own code change: its two steps */
		*agree = o && s && o->records == s->records;
		if (*agree && m->records_old_here == 0)
			return *zh = "已完成", "complete";
		if (s)
			return *zh = "已切换", "switched";
		if (o)
			return *zh = "待切换", "ready";
		return *zh = "已发布", "issued";
	}
	/* one parent holds every record throughout: its "old" count is of the
	 * Move's time, and the village may have written more since */
	*agree = o && s && n && (m->one_parent || o->records == s->records) &&
	         s->records == n->records;
	if (*agree && m->records_old_here == 0)
		return *zh = "已完成", "complete";
	if (o && s && n)
		return *zh = "不一致", *agree ? "handing over" : "mismatch";
	if (s)
		return *zh = "已切换", "switched";
	if (o && render_move_step(m, "ready"))
		return *zh = "待切换", "ready";
	return *zh = "已发布", "issued";
}

/* The states whose next step names no id; anything else not listed below
 * is a mismatch, the last row. */
static const char *const plain_next[][3] = {
    {"issued", "等待原乡镇、新乡镇和该村收到。",
     "Waiting for both townships and the village to hold it."},
    {"switched", "村已切换，等待新乡镇接收全部记录。",
     "The village has switched; waiting for its records at the new township."},
    {"handing over", "村已切换，等待新乡镇接收全部记录。",
     "The village has switched; waiting for its records at the new township."},
    {"", "各方记录数不一致：请查看原乡镇、新乡镇和该村的日志。",
     "The counts disagree: see the logs of both townships and the village."}};

void render_move_next(const Carenet__MoveView *m, const char *st, int zh, char *out, size_t len)
{
	size_t i = 0;

	if (!strcmp(st, "ready") && strlen(m->old_id) == 9)
		snprintf(out, len,
		         zh ? "下一步：乡镇沿用原CURVE密钥为新编码申请证书（carenet init --dir %s --id %s "
		              "--curve-from 原目录），县里签发；乡镇停机并登记到原数据目录后执行 "
		              "carenet move apply -c %s/node.cfg --old %s/node.cfg"
		            : "Next: the township asks for the new code with its CURVE key (carenet "
		              "init --dir %s --id %s --curve-from ITS_OLD_DIR), the county's CA "
		              "issues it; the township stops, enrolls it over its data_dir and runs "
		              "carenet move apply -c %s/node.cfg --old %s/node.cfg",
		         m->new_id, m->new_id, m->new_id, m->old_id);
	else if (!strcmp(st, "ready")) /* the command lines stay literal formats (-Wformat=2) */
		snprintf(out, len,
		         zh ? "下一步：县里签发新编码证书；村里在乡镇确认全部收到后停机，执行 "
		              "carenet move apply -c %s/node.cfg --old %s/node.cfg"
		            : "Next: the county's CA issues the new id; once its township has "
		              "acknowledged everything, the village stops its node and runs "
		              "carenet move apply -c %s/node.cfg --old %s/node.cfg",
		         m->new_id, m->old_id);
	else if (!strcmp(st, "switched") && strlen(m->old_id) == 9)
		snprintf(out, len, "%s",
		         zh ? "乡镇已切换到新编码；各村按各自的迁移逐一切换（见上面各村的状态）。"
		            : "The township runs under its new code; each village switches by its "
		              "own move (see their rows).");
	else if (!strcmp(st, "complete") && strlen(m->old_id) == 9)
		snprintf(out, len,
		         zh ? "移交完成；各村都切换后，吊销原编码证书（密钥由新编码沿用，不会被封禁）："
		              "carenet ca revoke --id %s --reason superseded"
		            : "Handed over; once every village has switched, revoke the old code's "
		              "certificate (its CURVE key goes on under the new code, and is not banned): "
		              "carenet ca revoke --id %s --reason superseded",
		         m->old_id);
	else if (!strcmp(st, "complete"))
		snprintf(out, len,
		         zh ? "移交完成，可吊销原编码证书：carenet ca revoke --id %s --reason "
		              "affiliationChanged"
		            : "Handed over: revoke the old id's certificate: carenet ca revoke --id %s "
		              "--reason affiliationChanged",
		         m->old_id);
	else {
		while (plain_next[i][0][0] && strcmp(plain_next[i][0], st) != 0)
			i++;
		snprintf(out, len, "%s", plain_next[i][zh ? 1 : 2]);
	}
}

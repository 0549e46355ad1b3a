/*
 * render_move: a move's state (区划调整) as `carenet move status`, the demo
 * and the web's /moves page show it, from the node's MoveView: which steps
 * the holder has seen and whether their counts agree.
 */
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

	*agree = o && s && n && o->records == s->records && s->records == n->records;
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

/* failover: when a village opens and closes its county-direct link
 * (failover.h). */
#include "failover.h"

#include <stdio.h>
#include <string.h>

static void set_state(struct failover *f, const char *state, uint64_t now)
{
	if (strcmp(f->state, state) == 0)
		return;
	snprintf(f->state, sizeof(f->state), "%s", state);
	f->since = now;
}

void failover_init(struct failover *f, int enabled, uint64_t after_s, uint64_t now)
{
	memset(f, 0, sizeof(*f));
	f->enabled = enabled;
	f->after_us = after_s * 1000000u;
	set_state(f, enabled ? "closed" : "disabled", now);
	snprintf(f->why, sizeof(f->why), "%s",
	         enabled ? "not needed: nothing waits for the county"
	                 : "no county.endpoint and county.cert in node.cfg");
}

static enum failover_act step_closed(struct failover *f, const struct failover_in *in,
                                     uint64_t now_us, uint64_t now)
{
	if (in->pending == 0) {
		if (f->waiting_us)
			snprintf(f->why, sizeof(f->why),
			         "not needed: the parent holds every urgent "
			         "item");
		f->waiting_us = 0;
		return FAILOVER_NONE;
	}
	if (!f->waiting_us)
		f->waiting_us = now_us;
	if (now_us - f->waiting_us < f->after_us) {
		snprintf(f->why, sizeof(f->why),
		         "waiting: %llu urgent message%s not acknowledged by the parent %s; direct "
		         "to the county after %llu s",
		         (unsigned long long)in->pending, in->pending == 1 ? "" : "s",
		         in->parent_id, (unsigned long long)(f->after_us / 1000000u));
		return FAILOVER_NONE;
	}
	snprintf(f->why, sizeof(f->why),
	         "the parent %s (%s) has not acknowledged %llu urgent message%s for %llu s "
	         "(reports.failover)",
	         in->parent_id, in->parent_up ? "session up but silent" : "unreachable",
	         (unsigned long long)in->pending, in->pending == 1 ? "" : "s",
	         (unsigned long long)((now_us - f->waiting_us) / 1000000u));
	f->open = 1;
	f->idle_us = 0;
	set_state(f, "connecting", now);
	return FAILOVER_OPEN;
}

enum failover_act failover_step(struct failover *f, const struct failover_in *in, uint64_t now_us,
                                uint64_t now)
{
	if (!f->enabled)
		return FAILOVER_NONE;
	if (!f->open)
		return step_closed(f, in, now_us, now);
	set_state(f, in->direct_up ? "up" : "connecting", now);
	if (in->pending) {
		f->idle_us = 0;
		return FAILOVER_NONE;
	}
	if (!f->idle_us)
		f->idle_us = now_us;
	if (in->parent_up && !in->parent_pending)
		snprintf(f->why, sizeof(f->why),
		         "the parent %s acknowledges again and the county holds every urgent item",
		         in->parent_id);
	else if (now_us - f->idle_us >= FAILOVER_IDLE_US)
		snprintf(f->why, sizeof(f->why),
		         "idle: nothing for the county for %u s (the parent %s is still away)",
		         FAILOVER_IDLE_US / 1000000u, in->parent_id);
	else
		return FAILOVER_NONE;
	f->open = 0;
	f->waiting_us = 0;
	set_state(f, "closed", now);
	return FAILOVER_CLOSE;
}

/*
 * roles_names: directive kinds and status states by name, English and
 * Chinese, as operators type them (see roles.h). Moved verbatim from
 * roles/roles.c.
 */
#include "roles.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

static const char *const kind_names[] = {NULL, "task", "notice", "rectification", "circular"};
static const char *const kind_zh[] = {NULL, "任务", "督导通知", "限时整改通知", "通报"};
static const char *const state_names[] = {"pending",     "delivered", "accepted",
                                          "in-progress", "done",      "unable",
                                          "retired"};
static const char *const state_zh[] = {"待送达", "已送达",   "已受理", "办理中",
                                       "已完成", "无法完成", "已撤销"};

const char *roles_state_zh(uint32_t state)
{
	return state <= STATE_RETIRED ? state_zh[state] : "未知";
}

const char *roles_kind_name(uint32_t kind)
{
	return kind >= 1 && kind <= 4 ? kind_names[kind] : "unknown";
}

const char *roles_kind_zh(uint32_t kind)
{
	return kind >= 1 && kind <= 4 ? kind_zh[kind] : "未知";
}

uint32_t roles_kind_parse(const char *name)
{
	if (!name)
		return 0;
	for (uint32_t k = 1; k <= 4; k++)
		if (strcasecmp(name, kind_names[k]) == 0 || strcmp(name, kind_zh[k]) == 0)
			return k;
	/* Short forms operators write: the issue's own 限时整改, 督导, 工作部署. */
	if (strcasecmp(name, "supervision-notice") == 0 || strcmp(name, "督导") == 0)
		return KIND_NOTICE;
	if (strcasecmp(name, "rectify") == 0 || strcmp(name, "限时整改") == 0 ||
	    strcmp(name, "整改") == 0)
		return KIND_RECTIFICATION;
	if (strcmp(name, "工作部署") == 0)
		return KIND_TASK;
	return 0;
}

const char *roles_state_name(uint32_t state)
{
	return state <= STATE_RETIRED ? state_names[state] : "unknown";
}

uint32_t roles_state_parse(const char *name)
{
	if (!name)
		return 0;
	for (uint32_t s = STATE_DELIVERED; s <= STATE_UNABLE; s++)
		if (strcasecmp(name, state_names[s]) == 0 || strcmp(name, state_zh[s]) == 0)
			return s;
	if (strcasecmp(name, "in_progress") == 0 || strcasecmp(name, "progress") == 0)
		return STATE_IN_PROGRESS;
	return 0;
}

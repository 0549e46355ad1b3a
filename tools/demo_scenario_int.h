/*
 * demo_scenario_int: what demo_scenario.c (the directives scenario, steps 1
 * to 5, and the run) and demo_records.c (the records scenario, steps 6 to 8)
 * share, and demo_reports.c (the reports scenario, steps 9 to 11). Not for use
 * outside these files.
 */
#ifndef CARENET_DEMO_SCENARIO_INT_H
#define CARENET_DEMO_SCENARIO_INT_H

#include <stddef.h>
#include <stdint.h>

#include "control.pb-c.h"
#include "demo_scenario.h"

struct rc_kid;     /* one fictional child of the records scenario */
struct rc_ledger { /* one village's children: kids[first .. first + n) */
	size_t first, n;
};

struct scen {
	const struct demo_scenario_env *env;
	const struct demo_office *county, *silent;
	const struct demo_office **villages; /* in tree order; the last one is silent */
	size_t nv;
	const char *tz;         /* the county's timezone */
	uint64_t limit_ms;      /* per wait */
	char task[64];          /* the task's id */
	char rect[64];          /* the rectification order's id, once seen */
	char seen[512];         /* what the last poll saw, for a timeout message */
	size_t others_reminded; /* villages other than the silent one that were reminded */
	struct {
		struct rc_kid *kids;        /* every village's, in village order */
		struct rc_ledger *ledgers;  /* one a village, as s->villages */
		size_t total, at_county;    /* imported; open at the county, last seen */
		char updated[64], reviewed[64]; /* step 8's record ids */
		int sealed;                 /* no name or ID number in the clear in any data.mdb */
	} rec;
	struct {
		const struct demo_office *township; /* the first village's */
		char acked_by[16];                  /* its id then (step 16 may renumber it) */
		char id[64];                        /* the report filed in step 9 */
		uint64_t filed_us, county_ms;       /* when filed; seen at the county after */
		char late[64];                      /* step 12's report, escalated */
	} rep;
	struct {                                    /* step 14: the village that moves */
		const struct demo_office *v;
		char old[16], nw[16];               /* its id before and after */
		char old_cfg[4096], old_data[4096]; /* OLD's node.cfg and data_dir */
		char dir[4096], ca[4096];           /* DIR/<NEW>; the county's CA */
	} mv;
	struct {                                    /* step 16: the township renumbered */
		const struct demo_office *t;        /* it (its id and cfg as before) */
		char old[16], nw[16];               /* its code before and after */
		size_t nvillages;                   /* its villages' moves (the county's) */
	} tw;
	struct {                                    /* step 15: the village closed */
		const struct demo_office *v, *into; /* it, and who takes its records */
		char id[16], notice[64];            /* its id; the notice left at its row */
		size_t accepted;                    /* records the other village took */
	} cl;
};

/* demo_scenario.c: one control exchange with an office (quiet: no error
 * printed); a step's header; polling cond until it holds or the limit. */
int sc_call(const struct demo_office *o, Carenet__ControlRequest *req, int timeout_ms, int quiet,
            Carenet__ControlReply **rep);
void sc_header(const char *zh, const char *en);
/* An office's outbox_pending gauge (what its neighbours have not yet
 * acknowledged; UINT64_MAX when the reply lacks it), quietly; sc_call's errors. */
int sc_pending(const struct demo_office *o, uint64_t *pending);
int sc_wait(struct scen *s, int step, const char *what, int (*cond)(struct scen *));
/* Moves every node's test clock on by secs (the county last) and says so. */
int sc_advance(struct scen *s, int64_t secs);
/* The same, the top of the tree first (a province before its counties, so
 * no county's month-end item is ahead of the clock of the office above). */
int sc_advance_top_first(struct scen *s, int64_t secs);

/* demo_records.c: steps 6 to 8 (the children's ledger flows up); sc_cli
 * prints `$ carenet WORDS...` and runs the command in this process (its
 * output follows), CN_EIO if it exits non-zero. */
int rc_run(struct scen *s);
int sc_cli(int step, int (*fn)(int, char **), const char *const *words);
/* Every village of s->villages imports its fictional children (the county's
 * step 6, the province's step 2), each child's ID under s->county's code. */
int rc_import(struct scen *s, int step);

/* demo_reports.c: steps 9 to 12 (a mandatory report, acknowledged, a case;
 * a second one escalated when its township stays silent). */
int rp_run(struct scen *s);

/* demo_compliance.c: step 13 (the county against mca-2018-demo). */
int dc_run(struct scen *s);

/* demo_move.c: step 14 (a village moves to another township, 区划调整);
 * nothing when env->stop or env->start_as is NULL. */
int mv_run(struct scen *s);

/* demo_close.c: step 15 (a village is closed, 撤村并村); nothing with fewer
 * than three villages or when env->stop or env->closed is NULL. */
int cl_run(struct scen *s);
/* demo_town.c: step 16, a township's own code change (撤乡设镇). */
int tw_run(struct scen *s);
/* demo_scenario.c: o's clock (its test clock moved on by advance seconds
 * first, when advance is not 0) into *now. */
int sc_clock(const struct demo_office *o, int64_t advance, uint64_t *now);

#endif

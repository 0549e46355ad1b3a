/*
 * demo_scenario: the directives and records scenarios `carenet demo` plays once its
 * network is up. The county issues a task (任务) to every village, due in
 * 10 test-clock minutes with a reminder 5 minutes before; every village but
 * the last accepts and completes it (one with an evidence file), the last
 * stays silent, is reminded, falls overdue and is ordered to rectify
 * (限时整改). The county's status matrix is printed after every step.
 *
 * Then the records scenario (steps 6-8): every village imports a CSV of 3-5
 * fictional children (DIR/ledger-child-<id>.csv, the template's layout);
 * once the county holds every one, its masked `record list --type child`
 * and `ledger summary` are printed; the first village updates a child's
 * 居住情况 and its township returns another child with a note, until the
 * county holds both. Last, no office's data.mdb may hold a child's name or
 * ID number in the clear. The operator's record commands run in this process
 * through cmd_record/cmd_ledger (cmd.h), so their output is printed as is.
 *
 * Then reports (demo_reports.c, steps 9-12): the first village files an
 * urgent report, its township acknowledges, the county opens a case, the
 * village sees the hops; the last village files another that its township
 * leaves alone, the clocks move 61 minutes and the county holds it
 * escalated. Step 13 (demo_compliance.c): the county against mca-2018-demo,
 * with the HTML report written to DIR. Step 14 (demo_move.c): the second
 * village moves to another township (区划调整), switches to its new id and
 * the county's `move status` shows the hand-over complete.
 *
 * demo_scenario_configure() appends what the scenario needs to a freshly
 * enrolled node.cfg, once (the loader refuses duplicate keys): test_clock
 * on every node, and the county's deadline group. demo_scenario_run()
 * drives the running nodes through their control sockets (cli.h), moving
 * their test clocks instead of waiting, and prints on stdout.
 *
 * Every wait is bounded. Errors (printed on stderr, naming the step and
 * what was seen): CN_ETIMEOUT (a step did not complete in time), a node's
 * refusal code or CN_EUNREACH, CN_EIO / CN_ENOMEM; and whatever env->check
 * returned (it prints its own reason). Thread: the demo's only thread.
 */
#ifndef CARENET_DEMO_SCENARIO_H
#define CARENET_DEMO_SCENARIO_H

#include <stddef.h>

#include "config.h"
#include "office.h"

struct demo_office {
	const char *id;
	enum pki_role role;
	const struct config *cfg; /* loaded; the caller's */
};

struct demo_scenario_env {
	const char *dir;                   /* the demo's DIR: the evidence file goes here */
	const struct demo_office *offices; /* the county first; villages in tree order */
	size_t n;
	/* Called between polls: 0 to go on, negative to end the scenario with
	 * that error (a node died, a signal came). */
	int (*check)(void *arg);
	/* Step 14 (a village moves): stops offices[i]'s node and waits for its clean
	 * exit; starts the identity enrolled in dir (DIR/<new_id>, its node.cfg) in
	 * its place, offices[i] then naming it. 0, or an error already printed. */
	int (*stop)(void *arg, size_t i);
	int (*start_as)(void *arg, size_t i, const char *new_id, const char *dir);
	/* Step 15 (a village is closed): offices[i], stopped, is closed for good. */
	void (*closed)(void *arg, size_t i);
	void *arg;
};

/* Appends test_clock (and, for the county, the deadline group) to cfgpath.
 * Errors: CN_EIO (printed), CN_ENOMEM. */
int demo_scenario_configure(const char *cfgpath, enum pki_role role);

/* Plays the scenario on the running network (see top). */
int demo_scenario_run(const struct demo_scenario_env *env);

/* demo --province (tools/demo_province.c): the province's task to
 * 53:village, relayed by every county, one village done, the province's
 * `directive show` with every county's tally. offices: the province's tree. */
int demo_province_run(const struct demo_scenario_env *env);

#endif

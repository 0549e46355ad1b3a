/*
 * demo_int: what demo.c (argument parsing, running, watching and stopping
 * the network) and demo_setup.c (the plan of ids, names and ports, the
 * directory, and the PKI and configs made by forked `ca`/`init`/`enroll`
 * children) share. Private to `carenet demo`; not a module API.
 *
 * struct demo owns its strings and node array; demo.c frees them. Errors
 * are printed on stderr where they happen and returned as negative CN_*
 * codes (err.h). Thread: the demo's only thread.
 */
#ifndef CARENET_DEMO_INT_H
#define CARENET_DEMO_INT_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "config.h"
#include "pki.h"

#define DEMO_COUNTY "530102"
#define DEMO_COUNTY_NAME "示范县儿童福利指导中心 (demo)"
#define DEMO_ROOT_SCOPE "53"
#define DEMO_ROOT_NAME "云南省民政厅 (demo)"
/* --province: the province node (the root's scope) and prefecture 5301 over
 * --counties counties 530102, 530103, ... (issue 14); with --prefectures N,
 * prefectures 5301..53NN, county c under prefecture c % N */
#define DEMO_PROVINCE_NAME "云南省民政厅 Province (demo)"
#define DEMO_PREFECTURE "5301"
#define DEMO_PREFECTURE_NAME "示范州民政局 Prefecture (demo)"

#define DEMO_STOP_SECS 10 /* SIGTERM grace before SIGKILL */

struct demo_office; /* demo_scenario.h */

struct demo_node {
	char id[PKI_ID_MAX];
	char name[PKI_NAME_MAX];
	enum pki_role role;
	int parent;          /* index in demo.nodes; -1 for the top (county or province) */
	int port;            /* listen port; 0 for villages */
	char *dir;           /* DIR/<id> */
	char *cfg;           /* DIR/<id>/node.cfg */
	struct config *conf; /* loaded (run mode) */
	pid_t pid;           /* > 0 while running */
	int wstatus;         /* waitpid status once exited */
	int exited;
	int closed; /* closed for good (撤销, the scenario's step 15): not running, no fault */
	char was[PKI_ID_MAX]; /* the id it had before start_as (its code changed), or "" */
	char key[PKI_ID_MAX]; /* demo_reorder: its place in the tree */
	/* last poll */
	int reachable;    /* answered the status request */
	int parent_up;    /* its own view of its parent link */
	int up_at_parent; /* its parent lists it as up */
	uint64_t rtt_us;
};

struct demo {
	char *dir;
	int townships, villages, base_port, setup_only, no_scenario;
	int province, counties; /* --province [--counties N] */
	int prefectures;        /* --prefectures N: 5301, 5302, ...; counties dealt round them */
	uint64_t duration; /* seconds; 0 = until a signal */
	struct demo_node *nodes;
	size_t n;
	size_t links; /* n - 1 */
	char root_sha[65]; /* the root certificate's SHA-256: every node enrolls with it */
	pid_t web_pid;     /* the county's `carenet web`, > 0 while running */
	struct demo_office *offices; /* the scenario's view of the nodes, while it plays */
};

/* demo_setup.c */

/* Creates d->dir (a new /tmp/carenet-demo-XXXXXX if NULL) or checks that it
 * is an empty directory, and makes it absolute. CN_EEXIST: not empty. */
int demo_make_dir(struct demo *d);
/* Fills d->nodes (depth-first: parents precede children) and their paths. */
int demo_plan(struct demo *d);
/* Index of a planned node by id, or -1. */
long demo_index(const struct demo *d, const char *id);
/* Chooses listen ports for the county and the townships. */
int demo_ports(struct demo *d);
/* Builds the CAs, every node's identity and node.cfg (and, unless
 * --setup-only, the scenario's config lines). */
int demo_setup(struct demo *d);
/* --setup-only: how to run each node, on stdout. */
void demo_print_setup_only(const struct demo *d);
/* Prints the last lines of a log file on stderr. */
void demo_tail(const char *path, int lines);

/* demo.c: a node's process, its log DIR/<id>/node.log; how it ended, in words. */
pid_t demo_spawn(struct demo_node *nd, const char *exe);
void demo_describe_exit(int wstatus, char *out, size_t outlen);

/* demo_swap.c: the scenario's env->stop and env->start_as (demo_scenario.h),
 * and, after a move, the nodes sorted back into tree order (county mode). */
int demo_stop_one(void *arg, size_t i);
int demo_start_as(void *arg, size_t i, const char *new_id, const char *dir);
void demo_closed(void *arg, size_t i);
void demo_reorder(struct demo *d);

/* demo_web.c: the county's web page on a free loopback port, an account
 * `demo` (password in DIR/web-password); stopped with the network. */
int demo_web_start(struct demo *d, const char *exe);
void demo_web_stop(struct demo *d);

#endif

/*
 * demo_swap: the demo's process table follows a village's move (step 14,
 * demo_move.c): its node stops cleanly, the identity it moved to starts in
 * its place, and once the scenario is over the nodes are put back in tree
 * order for the printed tree; a village closed (step 15, demo_close.c) stays
 * stopped, marked closed; a township whose code changed (step 16,
 * demo_town.c) keeps its villages, still under its old code, below it.
 */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "cmd.h"
#include "demo_int.h"
#include "demo_scenario.h"
#include "err.h"
#include "util.h"

int demo_stop_one(void *arg, size_t i)
{
	struct demo *d = arg;
	struct demo_node *nd = &d->nodes[i];
	uint64_t deadline = util_mono_us() + DEMO_STOP_SECS * 1000000ULL;
	int wstatus = 0, killed = 0;

	if (nd->pid <= 0) {
		fprintf(stderr, "demo: node %s is not running\n", nd->id);
		return CN_EIO;
	}
	kill(nd->pid, SIGTERM);
	for (;;) {
		pid_t r = waitpid(nd->pid, &wstatus, WNOHANG);
		struct timespec ts = {0, 20 * 1000000L};

		if (r == nd->pid)
			break;
		if (r < 0 && errno != EINTR)
			return CN_EIO;
		if (!killed && util_mono_us() > deadline) {
			kill(nd->pid, SIGKILL);
			killed = 1;
		}
		nanosleep(&ts, NULL);
	}
	nd->pid = 0;
	if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
		char why[64];

		nd->exited = 1;
		nd->wstatus = wstatus;
		demo_describe_exit(wstatus, why, sizeof(why));
		fprintf(stderr, "demo: node %s did not stop cleanly: %s (log: %s/node.log)\n", nd->id,
		        why, nd->dir);
		return CN_EIO;
	}
	return 0;
}

void demo_closed(void *arg, size_t i)
{
	struct demo *d = arg;

	d->nodes[i].closed = 1;
}

int demo_start_as(void *arg, size_t i, const char *new_id, const char *dir)
{
	struct demo *d = arg;
	struct demo_node *nd = &d->nodes[i];
	struct config *conf = NULL;
	char err[512], *ndir = strdup(dir), *ncfg = NULL;
	char parent[PKI_ID_MAX];
	long p;

	snprintf(parent, sizeof(parent), "%.*s", (int)strlen(new_id) - 3, new_id);
	if (!ndir || asprintf(&ncfg, "%s/node.cfg", dir) < 0) {
		free(ndir);
		return CN_ENOMEM;
	}
	if (config_load(ncfg, &conf, err, sizeof(err)) < 0 || (p = demo_index(d, parent)) < 0) {
		fprintf(stderr, "demo: %s\n", conf ? "the new parent is not in the demo" : err);
		config_free(&conf);
		free(ndir);
		free(ncfg);
		return CN_ECONFIG;
	}
	free(nd->dir);
	free(nd->cfg);
	config_free(&nd->conf);
	nd->dir = ndir;
	nd->cfg = ncfg;
	nd->conf = conf;
	nd->parent = (int)p;
	nd->exited = 0;
	snprintf(nd->was, sizeof(nd->was), "%s", nd->id);
	snprintf(nd->id, sizeof(nd->id), "%s", new_id);
	if (d->offices)
		d->offices[i].cfg = conf;
	if ((nd->pid = demo_spawn(nd, cmd_self_exe())) < 0) {
		nd->pid = 0;
		return CN_EIO;
	}
	return 0;
}

static int by_key(const void *a, const void *b)
{
	return strcmp(((const struct demo_node *)a)->key, ((const struct demo_node *)b)->key);
}

/* Where a node sits in the tree: its id, or for a village still under a
 * township's old code (step 16) that township's id now and its own last
 * three digits. */
static void tree_key(struct demo *d, struct demo_node *nd)
{
	size_t l = strlen(nd->id);

	snprintf(nd->key, sizeof(nd->key), "%s", nd->id);
	for (size_t k = 0; k < d->n && l > 3; k++)
		if (d->nodes[k].was[0] && strlen(d->nodes[k].was) == l - 3 &&
		    !strncmp(d->nodes[k].was, nd->id, l - 3))
			snprintf(nd->key, sizeof(nd->key), "%s%s", d->nodes[k].id, nd->id + l - 3);
}

/* A county's ids spell the tree (a child's id extends its parent's), so
 * sorting by id puts every parent before its children, depth first; each
 * parent is then found again by its id (or, under a township whose code
 * changed, by the id it had). Not for --province, whose counties are dealt
 * round prefectures. */
void demo_reorder(struct demo *d)
{
	for (size_t i = 0; i < d->n; i++)
		tree_key(d, &d->nodes[i]);
	qsort(d->nodes, d->n, sizeof(*d->nodes), by_key);
	for (size_t i = 0; i < d->n; i++) {
		size_t l = strlen(d->nodes[i].key);

		d->nodes[i].parent = -1;
		if (d->nodes[i].role == PKI_ROLE_COUNTY || l <= 3)
			continue;
		for (size_t k = 0; k < d->n && d->nodes[i].parent < 0; k++)
			if (strlen(d->nodes[k].key) == l - 3 &&
			    !strncmp(d->nodes[k].key, d->nodes[i].key, l - 3))
				d->nodes[i].parent = (int)k;
	}
}

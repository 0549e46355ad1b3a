/*
 * demo: builds a demonstration PKI and network (one county 530102, N
 * townships, M villages a township) in one directory, starts every node as
 * its own process on 127.0.0.1, shows the tree and its link states, and
 * then plays the directives scenario (demo_scenario.c: a task, its deadline,
 * a reminder, an overdue village and a rectification order, on the nodes'
 * test clocks) and the records scenario (every village imports a ledger of
 * children, the county holds them masked; an update and a review), and stops the nodes on SIGINT/SIGTERM or after --duration.
 *
 * This file parses the arguments and runs, watches and stops the network;
 * demo_setup.c plans it and builds its PKI and configs (demo_int.h).
 * Single-threaded CLI tool; exit statuses as in cmd.h.
 */
#include "args.h"
#include "cmd.h"
#include "config.h"
#include "control.h"
#include "demo_int.h"
#include "demo_scenario.h"
#include "err.h"
#include "office.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEMO_RUN_MAX 2000 /* nodes started at once; larger: --setup-only */
#define DEMO_POLL_MS 300  /* control request timeout while polling */

static volatile sig_atomic_t demo_signal; /* count of SIGINT/SIGTERM received */

static const struct args_opt demo_opts[] = {
    {"dir", 'd', "DIR",
     "where to put everything (must be new or empty);\n"
     "default: a new directory /tmp/carenet-demo-XXXXXX"},
    {"townships", ARGS_LONG('t'), "N", "townships under the county, 1..99 (default 2)"},
    {"villages", ARGS_LONG('v'), "M", "villages per township, 1..999 (default 2)"},
    {"duration", ARGS_LONG('D'), "S",
     "stop the network after S (90, 90s, 15m, 2h), counted\n"
     "from the end of the scenario"},
    {"no-scenario", ARGS_LONG('N'), NULL, "start the network and play nothing (test clocks still)"},
    {"setup-only", ARGS_LONG('s'), NULL,
     "write the PKI and configs, print how to run each\n"
     "node, start nothing (configs without test clocks)"},
    {"base-port", ARGS_LONG('p'), "P", "listen on ports P, P+1, ... instead of free ports"},
    {"province", ARGS_LONG('P'), NULL,
     "above the county: province node " DEMO_ROOT_SCOPE ", prefecture\n"
     DEMO_PREFECTURE " and --counties counties under it; its scenario:\n"
     "the province's task to 53:village and the counties' tallies"},
    {"counties", ARGS_LONG('C'), "N", "with --province: counties 530102, 530103, ... (default 2)"},
    {"prefectures", ARGS_LONG('F'), "N",
     "with --province: prefectures 5301 ... 53NN (default 1),\n"
     "county c (from 0) under prefecture c mod N"},
    {0}};
static const struct args_cmd demo_cmd = {
    "carenet demo", "[-d DIR] [--province [--counties N] [--prefectures N]] [--townships N] [--villages M] [--duration S] [--no-scenario] [--setup-only] [--base-port P]",
    "Builds a demonstration PKI and network — county " DEMO_COUNTY ", N townships and M\n"
    "villages per township — and runs every node as its own process on 127.0.0.1\n"
    "until Ctrl-C (or for --duration), showing the tree and its link states.\n"
    "\n"
    "Once every link is up it plays a scenario, printing the county's status\n"
    "matrix at each step: the county issues a task (任务) to every village, due in\n"
    "10 minutes with a reminder 5 minutes before; every village but the last\n"
    "accepts and completes it, the last stays silent, is reminded, falls overdue\n"
    "and gets a rectification order (限时整改). Then the children's ledger (儿童台账)\n"
    "flows up: every village imports a few fictional children (record import),\n"
    "the county lists them masked and counts them (ledger summary), a village\n"
    "updates one and its township returns another (record review). Last, a\n"
    "village files an urgent mandatory report (强制报告: a child living alone); its\n"
    "township acknowledges it, the county opens a case (个案), and the village\n"
    "sees every hop and its deadline (report show); a second report, whose township\n"
    "stays silent past reports.ack_urgent, escalates itself to the county. The\n"
    "county checks itself against the Ministry's demonstration-county standard\n"
    "(compliance, an HTML report in DIR). Then the second village moves to the\n"
    "other township (区划调整: move, a new identity enrolled over its data, its\n"
    "node stopped, move apply, started under the new id; move status complete;\n"
    "the old certificate revoked). Then the first village is closed (撤村并村:\n"
    "its records transferred to a neighbour and accepted there, its node stopped,\n"
    "move close; a notice left at its row ends as retired; its certificate\n"
    "revoked). Then the other township's own code changes in place (撤乡设镇:\n"
    "move OLDT NEWT, a request with its CURVE key, its node stopped, move\n"
    "apply, started as NEWT; its villages stay linked under their old codes,\n"
    "their moves ready). Its web page (carenet web, a separate keyless process; user demo,\n"
    "password in DIR/web-password) is then served on a free loopback port while\n"
    "the network runs.\n"
    "\n"
    "The nodes it starts run test clocks (test_clock = true; the county:\n"
    "deadline.remind \"5m\", auto_rectify, rectify_hours 1), which the scenario\n"
    "moves on instead of waiting; move them yourself with\n"
    "carenet clock -c DIR/<id>/node.cfg --advance 1h.\n"
    "\n"
    "--province builds the tree above the county (issue 14): the province node\n"
    DEMO_ROOT_SCOPE " and prefecture " DEMO_PREFECTURE " (both issued by the root CA), and N\n"
    "counties 530102, 530103, ... each with its own county CA (DIR/ca-<county>),\n"
    "its townships and villages, reporting to the prefecture. Only each\n"
    "county's monthly roll-up, its tallies of directives from above and its\n"
    "own statuses on them cross its upward link. Its scenario: the province\n"
    "issues a task to 53:village, every county relays it to its villages, the\n"
    "first village does it, and the province's directive show prints each\n"
    "county's tally; then the villages import children, the clocks pass the\n"
    "month's end, and the province prints its ledger summary, compliance and\n"
    "bulletin from the counties' roll-ups; then its web page is served.\n",
    demo_opts,
    "Files: DIR/ca-root (root CA, scope " DEMO_ROOT_SCOPE "), DIR/ca-" DEMO_COUNTY " (county CA),\n"
    "DIR/<id>/node.cfg and DIR/<id>/node.log for every node (the moved village's\n"
    "data stays in DIR/<old id>/data), DIR/setup-logs/,\n"
    "DIR/activity-record-<id>.txt (the scenario's evidence file),\n"
    "DIR/ledger-child-<id>.csv (each village's imported ledger, fictional children).\n"
    "Exit: 0 the network came up, played the scenario and stopped cleanly (or was\n"
    "stopped by Ctrl-C), 1 a node failed or did not come up, a scenario step did\n"
    "not complete in time, or a node did not stop cleanly; 2 usage error, 4 DIR\n"
    "exists and is not empty.\n"};

static size_t demo_total(const struct demo *d)
{
	size_t county = 1 + (size_t)d->townships * (1 + (size_t)d->villages);

	return d->province ? 1 + (size_t)(d->prefectures > 0 ? d->prefectures : 1) +
	                         (size_t)d->counties * county
	                   : county;
}

static int demo_parse_int(const char *s, long lo, long hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return CN_EUSAGE;
	*out = (int)v;
	return 0;
}

/* The value of --townships, --villages, --duration or --base-port (key). */
static int demo_parse_value(struct demo *d, int key, const char *v)
{
	if (key == ARGS_LONG('t') && demo_parse_int(v, 1, 99, &d->townships) < 0)
		return args_usage_error(&demo_cmd, "--townships must be 1..99, not '%s'", v);
	if (key == ARGS_LONG('v') && demo_parse_int(v, 1, 999, &d->villages) < 0)
		return args_usage_error(&demo_cmd, "--villages must be 1..999, not '%s'", v);
	if (key == ARGS_LONG('C') && demo_parse_int(v, 1, 98, &d->counties) < 0)
		return args_usage_error(&demo_cmd, "--counties must be 1..98, not '%s'", v);
	if (key == ARGS_LONG('F') && demo_parse_int(v, 1, 16, &d->prefectures) < 0)
		return args_usage_error(&demo_cmd, "--prefectures must be 1..16, not '%s'", v);
	if (key == ARGS_LONG('p') && demo_parse_int(v, 1024, 65535 - 100, &d->base_port) < 0)
		return args_usage_error(&demo_cmd, "--base-port must be 1024..65435, not '%s'", v);
	if (key == ARGS_LONG('D') && (util_parse_duration(v, &d->duration) < 0 || d->duration == 0))
		return args_usage_error(&demo_cmd,
		                        "--duration wants a positive time such as 90, 90s, 15m, "
		                        "2h; not '%s'",
		                        v);
	return 0;
}

/* 0, 1 after --help, CN_EUSAGE (printed), CN_ENOMEM. */
static int demo_parse_args(struct demo *d, int argc, char **argv)
{
	struct args g;
	int ch, counties = 0;

	args_begin(&g, &demo_cmd, argc, argv);
	while ((ch = args_next(&g)) != ARGS_END) {
		switch (ch) {
		case 'd':
			free(d->dir);
			if (!(d->dir = util_strdup(g.val)))
				return CN_ENOMEM;
			break;
		case ARGS_LONG('s'):
			d->setup_only = 1;
			break;
		case ARGS_LONG('N'):
			d->no_scenario = 1;
			break;
		case ARGS_LONG('P'):
			d->province = 1; /* its scenario: demo_province.c */
			break;
		case ARGS_LONG('C'):
		case ARGS_LONG('F'):
			counties = 1;
			/* fall through */
		case ARGS_LONG('t'):
		case ARGS_LONG('v'):
		case ARGS_LONG('p'):
		case ARGS_LONG('D'):
			if (demo_parse_value(d, ch, g.val) != 0)
				return CN_EUSAGE;
			break;
		default:
			return g.exit == 0 ? 1 : CN_EUSAGE;
		}
	}
	if (args_operands(&g, 0, 0) != 0)
		return CN_EUSAGE;
	if (counties && !d->province)
		return args_usage_error(&demo_cmd, "--counties and --prefectures go with --province");
	if (!d->setup_only && demo_total(d) > DEMO_RUN_MAX) {
		args_usage_error(&demo_cmd,
		                 "%zu nodes would be %zu processes on this machine; at most %d "
		                 "can be started, larger networks need --setup-only",
		                 demo_total(d), demo_total(d), DEMO_RUN_MAX);
		return CN_EUSAGE;
	}
	return 0;
}

/* ---- running the network ---- */

static void demo_on_signal(int sig)
{
	(void)sig;
	demo_signal++;
}

static void demo_sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	if (!demo_signal)
		nanosleep(&ts, NULL); /* a signal cuts it short */
}

static int demo_load_configs(struct demo *d)
{
	char err[512];

	for (size_t i = 0; i < d->n; i++) {
		struct demo_node *nd = &d->nodes[i];

		if (config_load(nd->cfg, &nd->conf, err, sizeof(err)) < 0) {
			fprintf(stderr, "demo: %s\n", err);
			return CN_ECONFIG;
		}
		if (strlen(nd->conf->data_dir) + 1 + strlen(CONTROL_SOCKET_NAME) >=
		    sizeof(((struct sockaddr_un *)0)->sun_path)) {
			fprintf(stderr,
			        "demo: %s/%s is too long for a unix socket path; "
			        "use a shorter --dir\n",
			        nd->conf->data_dir, CONTROL_SOCKET_NAME);
			return CN_EINVAL;
		}
	}
	return 0;
}

pid_t demo_spawn(struct demo_node *nd, const char *exe)
{
	char log[PATH_MAX];
	pid_t pid, self = getpid();
	int fd, nul;

	snprintf(log, sizeof(log), "%s/node.log", nd->dir);
	if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0) {
		fprintf(stderr, "demo: cannot open %s: %s\n", log, strerror(errno));
		return -1;
	}
	fflush(NULL);
	if ((pid = fork()) == 0) {
		/* Own process group: Ctrl-C reaches the demo, which stops the
		 * nodes in order. If the demo dies, so do they. */
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != self)
			_exit(127);
		nul = open("/dev/null", O_RDONLY);
		if (nul < 0 || dup2(nul, STDIN_FILENO) < 0 || dup2(fd, STDOUT_FILENO) < 0 ||
		    dup2(fd, STDERR_FILENO) < 0)
			_exit(127);
		execl(exe, exe, "run", "-c", nd->cfg, (char *)NULL);
		dprintf(STDERR_FILENO, "demo: cannot execute %s: %s\n", exe, strerror(errno));
		_exit(127);
	}
	if (pid < 0)
		fprintf(stderr, "demo: fork: %s\n", strerror(errno));
	close(fd);
	return pid;
}

void demo_describe_exit(int wstatus, char *out, size_t outlen)
{
	if (WIFEXITED(wstatus))
		snprintf(out, outlen, "exited with status %d", WEXITSTATUS(wstatus));
	else if (WIFSIGNALED(wstatus))
		snprintf(out, outlen, "killed by signal %d (%s)", WTERMSIG(wstatus),
		         strsignal(WTERMSIG(wstatus)));
	else
		snprintf(out, outlen, "stopped");
}

/* Collects exited nodes; returns the index of the first one found now, or -1. */
static long demo_reap(struct demo *d)
{
	long first = -1;
	int wstatus;
	pid_t pid;

	while ((pid = waitpid(-1, &wstatus, WNOHANG)) > 0) {
		for (size_t i = 0; i < d->n; i++) {
			if (d->nodes[i].pid != pid)
				continue;
			d->nodes[i].pid = 0;
			d->nodes[i].exited = 1;
			d->nodes[i].wstatus = wstatus;
			if (first < 0)
				first = (long)i;
		}
	}
	return first;
}

static void demo_poll_one(struct demo *d, struct demo_node *nd)
{
	Carenet__ControlReply *reply = NULL;
	const Carenet__Status *st;
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;

	nd->reachable = 0;
	nd->parent_up = 0;
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_STATUS, NULL);
	if (nd->pid <= 0 || control_call(nd->conf->data_dir, &req, DEMO_POLL_MS, &reply) < 0)
		return;
	if (reply->code == 0 && (st = reply->status)) {
		nd->reachable = 1;
		nd->parent_up = st->has_parent && st->parent && st->parent->up;
		for (size_t c = 0; c < st->n_children; c++) {
			long k = demo_index(d, st->children[c]->id);

			if (k < 0 || d->nodes[k].parent != nd - d->nodes)
				continue;
			d->nodes[k].up_at_parent = st->children[c]->up;
			d->nodes[k].rtt_us = st->children[c]->rtt_us;
		}
	}
	carenet__control_reply__free_unpacked(reply, NULL);
}

/* Asks every node for its status; returns the number of links up. */
static size_t demo_poll(struct demo *d)
{
	size_t up = 0;

	for (size_t i = 0; i < d->n; i++) {
		d->nodes[i].up_at_parent = 0;
		d->nodes[i].rtt_us = 0;
	}
	for (size_t i = 0; i < d->n && !demo_signal; i++)
		demo_poll_one(d, &d->nodes[i]);
	for (size_t i = 1; i < d->n; i++)
		up += d->nodes[i].parent_up && d->nodes[i].up_at_parent;
	return up;
}

/* One word for the link between a node and its parent (or the county's state). */
static const char *demo_state(const struct demo_node *nd)
{
	if (nd->closed)
		return "closed 已撤销";
	if (nd->exited)
		return "exited";
	if (!nd->reachable)
		return "no answer";
	if (nd->parent < 0)
		return "listening";
	if (nd->parent_up && nd->up_at_parent)
		return "up";
	if (nd->parent_up || nd->up_at_parent)
		return "half-up";
	return "down";
}

static int demo_is_wide(uint32_t cp)
{
	return (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) ||
	       (cp >= 0x3041 && cp <= 0x33ff) || (cp >= 0x3400 && cp <= 0x4dbf) ||
	       (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xa000 && cp <= 0xa4cf) ||
	       (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
	       (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
	       (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x20000 && cp <= 0x3fffd);
}

/* Terminal columns taken by a UTF-8 string (CJK counts two). */
static int demo_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int w = 0;

	while (*p) {
		uint32_t cp = *p;
		int more = *p >= 0xf0 ? 3 : *p >= 0xe0 ? 2 : *p >= 0xc0 ? 1 : 0;

		cp &= more == 3 ? 0x07 : more == 2 ? 0x0f : more == 1 ? 0x1f : 0xff;
		p++;
		while (more-- > 0 && (*p & 0xc0) == 0x80)
			cp = (cp << 6) | (*p++ & 0x3f);
		w += demo_is_wide(cp) ? 2 : 1;
	}
	return w;
}

static int demo_is_last_child(const struct demo *d, size_t i)
{
	for (size_t k = i + 1; k < d->n; k++)
		if (d->nodes[k].parent == d->nodes[i].parent)
			return 0;
	return 1;
}

/* The columns of a node's ancestors below the top: "│  " where an ancestor
 * has siblings after it, else "   ". */
static void demo_tree_prefix(const struct demo *d, int a, char *out, size_t len)
{
	if (a < 0 || d->nodes[a].parent < 0)
		return;
	demo_tree_prefix(d, d->nodes[a].parent, out, len);
	if (strlen(out) + 8 < len)
		strcat(out, demo_is_last_child(d, (size_t)a) ? "   " : "│  ");
}

static void demo_print_tree(const struct demo *d, FILE *f)
{
	int namew = 0, idw = (d->villages ? 18 : 12) + (d->province ? 6 : 0);

	for (size_t i = 0; i < d->n; i++)
		if (demo_width(d->nodes[i].name) > namew)
			namew = demo_width(d->nodes[i].name);
	for (size_t i = 0; i < d->n; i++) {
		const struct demo_node *nd = &d->nodes[i];
		char prefix[64] = "";
		int w;

		demo_tree_prefix(d, nd->parent, prefix, sizeof(prefix));
		if (nd->parent >= 0)
			strcat(prefix, demo_is_last_child(d, i) ? "└─ " : "├─ ");
		w = demo_width(prefix) + (int)strlen(nd->id);
		fprintf(f, "%s%s%*s  %-*s  %s%*s  %s", prefix, nd->id, idw - w, "",
		        d->province ? 10 : 8, pki_role_name(nd->role), nd->name, namew - demo_width(nd->name), "",
		        demo_state(nd));
		if (nd->parent < 0 && nd->reachable)
			fprintf(f, " %s", nd->conf->listen);
		if (nd->parent >= 0 && nd->reachable && nd->rtt_us)
			fprintf(f, "  rtt %.1f ms", (double)nd->rtt_us / 1000.0);
		if (nd->exited) {
			char why[64];

			demo_describe_exit(nd->wstatus, why, sizeof(why));
			fprintf(f, ": %s", why);
		}
		fputc('\n', f);
	}
	fflush(f);
}

static void demo_node_died(const struct demo_node *nd)
{
	char why[64], log[PATH_MAX];

	demo_describe_exit(nd->wstatus, why, sizeof(why));
	fprintf(stderr, "demo: node %s (%s) %s\n", nd->id, nd->name, why);
	snprintf(log, sizeof(log), "%s/node.log", nd->dir);
	demo_tail(log, 15);
}

/* Waits until every link is up, a node dies, a signal comes, or time runs out. */
static int demo_wait_up(struct demo *d)
{
	uint64_t limit_us = 30000000ULL + 100000ULL * d->n;
	uint64_t deadline = util_mono_us() + limit_us;
	size_t up = 0, shown = (size_t)-1;
	int tty = isatty(STDERR_FILENO);
	long dead;

	for (;;) {
		if ((dead = demo_reap(d)) >= 0) {
			if (tty)
				fputc('\n', stderr);
			fprintf(stderr, "demo: a node failed during start-up\n");
			demo_node_died(&d->nodes[dead]);
			return CN_EIO;
		}
		if (demo_signal) {
			fprintf(stderr, "%sdemo: interrupted before all links were up\n",
			        tty ? "\n" : "");
			return CN_EIO;
		}
		up = demo_poll(d);
		if (up != shown) {
			fprintf(stderr, tty ? "\rlinks up: %zu/%zu " : "links up: %zu/%zu\n", up,
			        d->links);
			shown = up;
		}
		if (up == d->links) {
			if (tty)
				fputc('\n', stderr);
			return 0;
		}
		if (util_mono_us() > deadline)
			break;
		demo_sleep_ms(100);
	}
	fprintf(stderr, "%sdemo: only %zu of %zu links came up within %.0f s:\n", tty ? "\n" : "",
	        up, d->links, (double)limit_us / 1e6);
	demo_print_tree(d, stderr);
	for (size_t i = 1, shownlogs = 0; i < d->n && shownlogs < 2; i++) {
		char log[PATH_MAX];

		if (strcmp(demo_state(&d->nodes[i]), "up") == 0)
			continue;
		snprintf(log, sizeof(log), "%s/node.log", d->nodes[i].dir);
		demo_tail(log, 10);
		shownlogs++;
	}
	return CN_ETIMEOUT;
}

/* A short fingerprint of every node's state, to notice changes. */
static int demo_changed(const struct demo *d, char *last)
{
	int changed = 0;

	for (size_t i = 0; i < d->n; i++) {
		char c = demo_state(&d->nodes[i])[0];

		if (last[i] != c) {
			last[i] = c;
			changed = 1;
		}
	}
	return changed;
}

/* Runs until a signal or --duration; re-prints the tree when a link changes.
 * Returns the number of nodes that died meanwhile. */
static int demo_watch(struct demo *d)
{
	uint64_t end = d->duration ? util_mono_us() + d->duration * 1000000ULL : 0;
	char *last = calloc(d->n, 1);
	size_t up;
	int died = 0;
	long dead;

	if (!last)
		return 0;
	demo_changed(d, last);
	if (d->duration)
		printf("\nThe network runs for %llu s (Ctrl-C stops it sooner). Logs: "
		       "%s/<id>/node.log\n",
		       (unsigned long long)d->duration, d->dir);
	else
		printf("\nThe network is running; Ctrl-C stops it. Logs: %s/<id>/node.log\n",
		       d->dir);
	fflush(stdout);
	while (!demo_signal && (!end || util_mono_us() < end)) {
		demo_sleep_ms(1000);
		while ((dead = demo_reap(d)) >= 0) {
			demo_node_died(&d->nodes[dead]);
			died++;
		}
		if (demo_signal)
			break;
		up = demo_poll(d);
		if (demo_changed(d, last)) {
			char ts[32];

			util_fmt_time(util_now(), CARENET_DEFAULT_TZ, ts, sizeof(ts));
			printf("\n%s  links up: %zu/%zu\n", ts, up, d->links);
			demo_print_tree(d, stdout);
		}
	}
	free(last);
	return died;
}

/* SIGTERM to every node, SIGKILL after DEMO_STOP_SECS (or at a further
 * Ctrl-C); then says which did not stop cleanly. Returns the number. */
static int demo_stop_all(struct demo *d)
{
	uint64_t deadline = util_mono_us() + DEMO_STOP_SECS * 1000000ULL;
	sig_atomic_t signals = demo_signal;
	int running, unclean = 0, killed = 0;

	for (size_t i = 0; i < d->n; i++)
		if (d->nodes[i].pid > 0)
			kill(d->nodes[i].pid, SIGTERM);
	for (;;) {
		demo_reap(d);
		running = 0;
		for (size_t i = 0; i < d->n; i++)
			running += d->nodes[i].pid > 0;
		if (!running)
			break;
		if (!killed && (util_mono_us() > deadline || demo_signal != signals)) {
			fprintf(stderr, "demo: %d node(s) still running; killing them\n", running);
			for (size_t i = 0; i < d->n; i++)
				if (d->nodes[i].pid > 0)
					kill(d->nodes[i].pid, SIGKILL);
			killed = 1;
		}
		struct timespec ts = {0, 50 * 1000000L};
		nanosleep(&ts, NULL);
	}
	for (size_t i = 0; i < d->n; i++) {
		const struct demo_node *nd = &d->nodes[i];
		char why[64];

		if (!nd->exited || (WIFEXITED(nd->wstatus) && WEXITSTATUS(nd->wstatus) == 0))
			continue;
		demo_describe_exit(nd->wstatus, why, sizeof(why));
		fprintf(stderr, "demo: node %s %s (log: %s/node.log)\n", nd->id, why, nd->dir);
		unclean++;
	}
	if (unclean == 0)
		fprintf(stderr, "demo: all %zu nodes stopped cleanly\n", d->n);
	return unclean;
}

/* Between the scenario's polls: a node that died ends it, as does a signal. */
static int demo_scenario_check(void *arg)
{
	struct demo *d = arg;
	long dead;

	if ((dead = demo_reap(d)) >= 0) {
		fprintf(stderr, "demo: a node failed during the scenario\n");
		demo_node_died(&d->nodes[dead]);
		return CN_EIO;
	}
	return demo_signal ? CN_EIO : 0;
}

/* Plays the scenario. 0 also when a signal cut it short: the operator
 * stopped the demo, which then stops the network as usual. */
static int demo_scenario(struct demo *d)
{
	struct demo_scenario_env env = {.dir = d->dir, .n = d->n, .check = demo_scenario_check,
	                                .stop = demo_stop_one, .start_as = demo_start_as,
	                                .closed = demo_closed};
	struct demo_office *offices = calloc(d->n, sizeof(*offices));
	int rc;

	if (!offices)
		return CN_ENOMEM;
	for (size_t i = 0; i < d->n; i++) {
		offices[i].id = d->nodes[i].id;
		offices[i].role = d->nodes[i].role;
		offices[i].cfg = d->nodes[i].conf;
	}
	env.offices = offices;
	env.arg = d;
	d->offices = offices;
	rc = d->province ? demo_province_run(&env) : demo_scenario_run(&env);
	d->offices = NULL;
	free(offices);
	if (!d->province && rc == 0 && !demo_signal) { /* a village moved (step 14) */
		demo_reorder(d);
		demo_poll(d);
		printf("\n网络现状 The network now:\n");
		demo_print_tree(d, stdout);
	}
	if (rc < 0 && demo_signal) {
		fprintf(stderr, "demo: interrupted during the scenario\n");
		return 0;
	}
	if (rc < 0)
		fprintf(stderr, "demo: the scenario did not complete; stopping the network\n");
	return rc < 0 ? CN_EIO : 0;
}

static int demo_run(struct demo *d)
{
	const char *exe = cmd_self_exe();
	struct sigaction sa;
	uint64_t t0;
	int rc = 0, died = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = demo_on_signal; /* no SA_RESTART: sleeps end early */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if ((rc = demo_load_configs(d)) < 0)
		return rc;
	fprintf(stderr, "demo: starting %zu nodes (logs: %s/<id>/node.log)\n", d->n, d->dir);
	t0 = util_mono_us();
	for (size_t i = 0; i < d->n && rc == 0; i++)
		if ((d->nodes[i].pid = demo_spawn(&d->nodes[i], exe)) < 0) {
			d->nodes[i].pid = 0;
			rc = CN_EIO;
		}
	if (rc == 0 && (rc = demo_wait_up(d)) == 0) {
		fprintf(stderr, "demo: all %zu links up after %.1f s\n", d->links,
		        (double)(util_mono_us() - t0) / 1e6);
		demo_print_tree(d, stdout);
		if (!d->no_scenario && (rc = demo_scenario(d)) == 0 && !demo_signal)
			rc = demo_web_start(d, exe);
		if (rc == 0)
			died = demo_watch(d);
	}
	demo_web_stop(d);
	if (demo_stop_all(d) > 0 || died)
		rc = rc < 0 ? rc : CN_EIO;
	return rc;
}

static void demo_free(struct demo *d)
{
	for (size_t i = 0; d->nodes && i < d->n; i++) {
		free(d->nodes[i].dir);
		free(d->nodes[i].cfg);
		config_free(&d->nodes[i].conf);
	}
	free(d->nodes);
	free(d->dir);
	d->nodes = NULL;
	d->dir = NULL;
}

int cmd_demo(int argc, char **argv)
{
	struct demo d = {.townships = 2, .villages = 2, .counties = 2};
	int rc;

	if ((rc = demo_parse_args(&d, argc, argv)) != 0)
		goto out;
	if ((rc = demo_make_dir(&d)) < 0 || (rc = demo_plan(&d)) < 0 || (rc = demo_ports(&d)) < 0 ||
	    (rc = demo_setup(&d)) < 0)
		goto out;
	if (d.setup_only)
		demo_print_setup_only(&d);
	else
		rc = demo_run(&d);
out:
	demo_free(&d);
	if (rc == 1) /* --help */
		return 0;
	return rc == CN_EUSAGE ? 2 : rc == CN_EEXIST ? 4 : rc < 0 ? 1 : 0;
}

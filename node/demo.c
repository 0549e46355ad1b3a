/*
 * demo: builds a demonstration PKI and network (one county 530102, N
 * townships, M villages a township) in one directory, starts every node as
 * its own process on 127.0.0.1, shows the tree and its link states, and
 * then plays the directives scenario (demo_scenario.c: a task, its deadline,
 * a reminder, an overdue village and a rectification order, on the nodes'
 * test clocks), and stops the nodes on SIGINT/SIGTERM or after --duration.
 *
 * The PKI is made by this binary's own subcommands (ca, init, enroll), each
 * called in a forked child: their getopt and library state stay out of this
 * process, their output goes to DIR/setup-logs/, and independent steps run
 * in parallel. Single-threaded CLI tool; exit statuses as in cmd.h.
 */
#include "cmd.h"
#include "config.h"
#include "control.h"
#include "demo_scenario.h"
#include "err.h"
#include "pki.h"
#include "util.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEMO_COUNTY "530102"
#define DEMO_COUNTY_NAME "示范县儿童福利指导中心 (demo)"
#define DEMO_ROOT_SCOPE "53"
#define DEMO_ROOT_NAME "云南省民政厅 (demo)"
#define DEMO_RUN_MAX 2000 /* nodes started at once; larger: --setup-only */
#define DEMO_POLL_MS 300  /* control request timeout while polling */
#define DEMO_STOP_SECS 10 /* SIGTERM grace before SIGKILL */
#define DEMO_JOBS_MAX 16  /* parallel setup steps */

static volatile sig_atomic_t demo_signal; /* count of SIGINT/SIGTERM received */

struct demo_node {
	char id[PKI_ID_MAX];
	char name[PKI_NAME_MAX];
	enum pki_role role;
	int parent;          /* index in demo.nodes; -1 for the county */
	int port;            /* listen port; 0 for villages */
	char *dir;           /* DIR/<id> */
	char *cfg;           /* DIR/<id>/node.cfg */
	struct config *conf; /* loaded (run mode) */
	pid_t pid;           /* > 0 while running */
	int wstatus;         /* waitpid status once exited */
	int exited;
	/* last poll */
	int reachable;    /* answered the status request */
	int parent_up;    /* its own view of its parent link */
	int up_at_parent; /* its parent lists it as up */
	uint64_t rtt_us;
};

struct demo {
	char *dir;
	int townships, villages, base_port, setup_only, no_scenario;
	uint64_t duration; /* seconds; 0 = until a signal */
	struct demo_node *nodes;
	size_t n;
	size_t links; /* n - 1 */
};

static void demo_usage(FILE *f)
{
	fputs("usage: carenet demo [--dir DIR] [--townships N] [--villages M] [--duration S]\n"
	      "                    [--no-scenario] [--setup-only] [--base-port P]\n"
	      "\n"
	      "Builds a demonstration PKI and network — county " DEMO_COUNTY ", N townships and M\n"
	      "villages per township — and runs every node as its own process on 127.0.0.1\n"
	      "until Ctrl-C (or for --duration), showing the tree and its link states.\n"
	      "\n"
	      "Once every link is up it plays a scenario, printing the county's status\n"
	      "matrix at each step: the county issues a task (任务) to every village, due in\n"
	      "10 minutes with a reminder 5 minutes before; every village but the last\n"
	      "accepts and completes it, the last stays silent, is reminded, falls overdue\n"
	      "and gets a rectification order (限时整改). The nodes it starts run test\n"
	      "clocks (test_clock = true; the county: deadline.remind \"5m\", auto_rectify,\n"
	      "rectify_hours 1), which the scenario moves on instead of waiting; move them\n"
	      "yourself with carenet clock -c DIR/<id>/node.cfg --advance 1h.\n"
	      "\n"
	      "  -d, --dir DIR       where to put everything (must be new or empty);\n"
	      "                      default: a new directory /tmp/carenet-demo-XXXXXX\n"
	      "  -t, --townships N   townships under the county, 1..99 (default 2)\n"
	      "  -v, --villages M    villages per township, 1..999 (default 2)\n"
	      "      --duration S    stop the network after S (90, 90s, 15m, 2h), counted\n"
	      "                      from the end of the scenario\n"
	      "      --no-scenario   start the network and play nothing (test clocks still)\n"
	      "  -s, --setup-only    write the PKI and configs, print how to run each\n"
	      "                      node, start nothing (configs without test clocks)\n"
	      "  -p, --base-port P   listen on ports P, P+1, ... instead of free ports\n"
	      "  -h, --help          show this text\n"
	      "\n"
	      "Files: DIR/ca-root (root CA, scope " DEMO_ROOT_SCOPE "), DIR/ca-" DEMO_COUNTY
	      " (county CA),\n"
	      "DIR/<id>/node.cfg and DIR/<id>/node.log for every node, DIR/setup-logs/,\n"
	      "DIR/activity-record-<id>.txt (the scenario's evidence file).\n"
	      "Exit: 0 the network came up, played the scenario and stopped cleanly (or was\n"
	      "stopped by Ctrl-C), 1 a node failed or did not come up, a scenario step did\n"
	      "not complete in time, or a node did not stop cleanly; 2 usage error, 4 DIR\n"
	      "exists and is not empty.\n",
	      f);
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

static int demo_parse_args(struct demo *d, int argc, char **argv)
{
	static const struct option opts[] = {{"dir", required_argument, NULL, 'd'},
	                                     {"townships", required_argument, NULL, 't'},
	                                     {"villages", required_argument, NULL, 'v'},
	                                     {"duration", required_argument, NULL, 'D'},
	                                     {"setup-only", no_argument, NULL, 's'},
	                                     {"base-port", required_argument, NULL, 'p'},
	                                     {"no-scenario", no_argument, NULL, 'N'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	int c;

	optind = 0; /* glibc: full re-initialisation, whatever parsed argv before */
	while ((c = getopt_long(argc, argv, "d:t:v:sp:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			free(d->dir);
			if (!(d->dir = util_strdup(optarg)))
				return CN_ENOMEM;
			break;
		case 't':
			if (demo_parse_int(optarg, 1, 99, &d->townships) < 0) {
				fprintf(stderr, "demo: --townships must be 1..99, not '%s'\n",
				        optarg);
				return CN_EUSAGE;
			}
			break;
		case 'v':
			if (demo_parse_int(optarg, 1, 999, &d->villages) < 0) {
				fprintf(stderr, "demo: --villages must be 1..999, not '%s'\n",
				        optarg);
				return CN_EUSAGE;
			}
			break;
		case 'D':
			if (util_parse_duration(optarg, &d->duration) < 0 || d->duration == 0) {
				fprintf(stderr,
				        "demo: --duration wants a positive time such as 90, 90s, "
				        "15m, 2h; not '%s'\n",
				        optarg);
				return CN_EUSAGE;
			}
			break;
		case 's':
			d->setup_only = 1;
			break;
		case 'N':
			d->no_scenario = 1;
			break;
		case 'p':
			if (demo_parse_int(optarg, 1024, 65535 - 100, &d->base_port) < 0) {
				fprintf(stderr, "demo: --base-port must be 1024..65435, not '%s'\n",
				        optarg);
				return CN_EUSAGE;
			}
			break;
		case 'h':
			demo_usage(stdout);
			return 1; /* done, exit 0 */
		default:
			return CN_EUSAGE; /* getopt printed why */
		}
	}
	if (optind < argc) {
		fprintf(stderr, "demo: unexpected argument '%s'\n", argv[optind]);
		return CN_EUSAGE;
	}
	return 0;
}

/* ---- the plan: ids, names, roles, ports ---- */

/* Nodes are kept in depth-first order: county, township 1, its villages,
 * township 2, ... so parents precede children and the tree prints in order. */
static int demo_plan(struct demo *d)
{
	size_t i = 0;

	d->n = 1 + (size_t)d->townships * (1 + (size_t)d->villages);
	d->links = d->n - 1;
	if (!(d->nodes = calloc(d->n, sizeof(*d->nodes))))
		return CN_ENOMEM;
	snprintf(d->nodes[0].id, PKI_ID_MAX, "%s", DEMO_COUNTY);
	snprintf(d->nodes[0].name, PKI_NAME_MAX, "%s", DEMO_COUNTY_NAME);
	d->nodes[0].role = PKI_ROLE_COUNTY;
	d->nodes[0].parent = -1;
	for (int t = 1; t <= d->townships; t++) {
		struct demo_node *tn = &d->nodes[++i];
		int ti = (int)i;

		snprintf(tn->id, PKI_ID_MAX, "%s%03d", DEMO_COUNTY, t % 1000);
		snprintf(tn->name, PKI_NAME_MAX, "第%d乡镇工作站 Township %d", t, t);
		tn->role = PKI_ROLE_TOWNSHIP;
		tn->parent = 0;
		for (int v = 1; v <= d->villages; v++) {
			struct demo_node *vn = &d->nodes[++i];

			snprintf(vn->id, PKI_ID_MAX, "%.9s%03d", tn->id, v % 1000);
			snprintf(vn->name, PKI_NAME_MAX, "第%d-%d村儿童之家 Village %d-%d", t, v, t,
			         v);
			vn->role = PKI_ROLE_VILLAGE;
			vn->parent = ti;
		}
	}
	for (i = 0; i < d->n; i++) {
		struct demo_node *nd = &d->nodes[i];

		if (!(nd->dir = util_path_join(d->dir, nd->id)) ||
		    !(nd->cfg = util_path_join(nd->dir, "node.cfg")))
			return CN_ENOMEM;
	}
	return 0;
}

/* Index of a planned node by id, or -1 (ids encode their position). */
static long demo_index(const struct demo *d, const char *id)
{
	size_t len = strlen(id);
	long t, v = 0;

	if (strncmp(id, DEMO_COUNTY, 6) != 0 || (len != 6 && len != 9 && len != 12))
		return -1;
	if (len == 6)
		return 0;
	t = strtol((char[4]){id[6], id[7], id[8], 0}, NULL, 10);
	if (len == 12)
		v = strtol(id + 9, NULL, 10);
	if (t < 1 || t > d->townships || v < 0 || v > d->villages)
		return -1;
	return 1 + (t - 1) * (d->villages + 1) + v;
}

/* First port of the kernel's ephemeral range (outgoing connections take
 * their local ports from it). */
static int demo_ephemeral_low(void)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	int lo = 32768;

	if (f) {
		if (fscanf(f, "%d", &lo) != 1)
			lo = 32768;
		fclose(f);
	}
	return lo;
}

/* Binds a TCP socket to 127.0.0.1:port (0: any); returns it and the port. */
static int demo_bind(int port, int *got)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	socklen_t salen = sizeof(sa);
	int fd;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &salen) < 0) {
		close(fd);
		return -1;
	}
	*got = ntohs(sa.sin_port);
	return fd;
}

/* Ports for the county and the townships: P, P+1, ... with --base-port;
 * otherwise free ports below the ephemeral range, from a random start (so a
 * node restarted later finds its port not taken by some outgoing
 * connection), or any free port if that range is too small. Every socket is
 * held until all ports are chosen, so no two nodes get the same one. */
static int demo_ports(struct demo *d)
{
	int fds[100], nfd = 0, rc = CN_EIO, lo = demo_ephemeral_low();
	int span = lo - 10000, next = 0;

	if (span > 1000)
		next = 10000 + (int)(((unsigned)getpid() * 2654435761u ^ (unsigned)time(NULL)) %
		                     (unsigned)span);
	for (size_t i = 0; i < d->n; i++) {
		int tries = 0, fd = -1;

		if (d->nodes[i].role == PKI_ROLE_VILLAGE)
			continue;
		if (d->base_port) {
			d->nodes[i].port = d->base_port + nfd++;
			continue;
		}
		while (fd < 0 && span > 1000 && tries++ < 2000) {
			fd = demo_bind(next, &d->nodes[i].port);
			next = next + 1 < lo ? next + 1 : 10000;
		}
		if (fd < 0 && (fd = demo_bind(0, &d->nodes[i].port)) < 0)
			goto out;
		fds[nfd++] = fd;
	}
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "demo: cannot find a free port on 127.0.0.1: %s\n",
		        strerror(errno));
	while (!d->base_port && nfd > 0)
		close(fds[--nfd]);
	return rc;
}

/* ---- the directory ---- */

static int demo_dir_empty(const char *path)
{
	DIR *dp = opendir(path);
	struct dirent *de;
	int empty = 1;

	if (!dp)
		return 0;
	while (empty && (de = readdir(dp)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = 0;
	closedir(dp);
	return empty;
}

static int demo_make_dir(struct demo *d)
{
	char tmpl[] = "/tmp/carenet-demo-XXXXXX", *abs;
	struct stat st;

	if (!d->dir) {
		if (!mkdtemp(tmpl)) {
			fprintf(stderr, "demo: cannot create %s: %s\n", tmpl, strerror(errno));
			return CN_EIO;
		}
		if (!(d->dir = util_strdup(tmpl)))
			return CN_ENOMEM;
	} else if (stat(d->dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode) || !demo_dir_empty(d->dir)) {
			fprintf(stderr,
			        "demo: %s exists and is not an empty directory; "
			        "choose another --dir or remove it\n",
			        d->dir);
			return CN_EEXIST;
		}
	} else if (util_mkdirs(d->dir, 0700) < 0) {
		fprintf(stderr, "demo: cannot create %s: %s\n", d->dir, strerror(errno));
		return CN_EIO;
	}
	if (!(abs = realpath(d->dir, NULL))) {
		fprintf(stderr, "demo: %s: %s\n", d->dir, strerror(errno));
		return CN_EIO;
	}
	free(d->dir);
	d->dir = abs;
	return 0;
}

/* ---- setup: the binary's own subcommands in forked children ---- */

enum demo_step { STEP_INIT, STEP_ISSUE, STEP_ENROLL };

struct demo_job {
	int (*fn)(int, char **);
	int argc;
	char *argv[16];
	char arg[3][PATH_MAX]; /* storage for formatted arguments */
	char log[PATH_MAX];
	pid_t pid;
};

static void demo_tail(const char *path, int lines)
{
	char buf[4096];
	FILE *f = fopen(path, "r");
	long size, from;
	size_t len;
	char *p;

	if (!f) {
		fprintf(stderr, "  (no log: %s)\n", path);
		return;
	}
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	from = size > (long)sizeof(buf) - 1 ? size - (long)sizeof(buf) + 1 : 0;
	fseek(f, from, SEEK_SET);
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = 0;
	while (len > 0 && buf[len - 1] == '\n')
		buf[--len] = 0;
	for (p = buf + len; p > buf; p--)
		if (p[-1] == '\n' && --lines == 0)
			break;
	fprintf(stderr, "  last lines of %s:\n", path);
	while (*p) {
		char *nl = strchr(p, '\n');
		int n = nl ? (int)(nl - p) : (int)strlen(p);

		fprintf(stderr, "  | %.*s\n", n, p);
		p += n + (nl != NULL);
	}
}

/* "carenet ca init --name '示范县 (demo)'": the command line, quoted for a shell. */
static void demo_job_print(FILE *f, const struct demo_job *j)
{
	fputs("carenet", f);
	for (int i = 0; i < j->argc; i++)
		fprintf(f, strpbrk(j->argv[i], " ()'\"$") ? " '%s'" : " %s", j->argv[i]);
}

static pid_t demo_job_start(struct demo_job *j)
{
	pid_t pid;
	int fd, rc;

	fflush(NULL); /* nothing buffered may be written twice */
	if ((pid = fork()) != 0)
		return pid;
	fd = open(j->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
		_exit(1);
	fputs("$ ", stderr);
	demo_job_print(stderr, j);
	fputc('\n', stderr);
	optind = 0;
	rc = j->fn(j->argc, j->argv);
	fflush(NULL);
	_exit(rc & 0xff);
}

static int demo_job_done(const struct demo_job *j, int wstatus)
{
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0)
		return 0;
	fputs("demo: ", stderr);
	demo_job_print(stderr, j);
	if (WIFEXITED(wstatus))
		fprintf(stderr, "\n  failed with exit status %d\n", WEXITSTATUS(wstatus));
	else
		fprintf(stderr, "\n  died of signal %d\n", WTERMSIG(wstatus));
	demo_tail(j->log, 10);
	return CN_EIO;
}

static void demo_job_add(struct demo_job *j, char *arg)
{
	if (j->argc < (int)ARRAY_LEN(j->argv) - 1)
		j->argv[j->argc++] = arg;
	j->argv[j->argc] = NULL;
}

static void demo_job_fill(struct demo *d, size_t i, enum demo_step step, struct demo_job *j)
{
	struct demo_node *nd = &d->nodes[i];

	memset(j, 0, sizeof(*j));
	snprintf(j->log, sizeof(j->log), "%s/setup-logs/%s.log", d->dir, nd->id);
	if (nd->port)
		snprintf(j->arg[2], PATH_MAX, "tcp://127.0.0.1:%d", nd->port);
	switch (step) {
	case STEP_INIT:
		j->fn = cmd_init;
		demo_job_add(j, "init");
		demo_job_add(j, "--dir");
		demo_job_add(j, nd->dir);
		demo_job_add(j, "--id");
		demo_job_add(j, nd->id);
		demo_job_add(j, "--name");
		demo_job_add(j, nd->name);
		break;
	case STEP_ISSUE:
		j->fn = cmd_ca;
		snprintf(j->arg[0], PATH_MAX, "%s/ca-%s", d->dir, DEMO_COUNTY);
		snprintf(j->arg[1], PATH_MAX, "%s/request.pem", nd->dir);
		demo_job_add(j, "ca");
		demo_job_add(j, "issue");
		demo_job_add(j, "--ca");
		demo_job_add(j, j->arg[0]);
		demo_job_add(j, "--csr");
		demo_job_add(j, j->arg[1]);
		if (nd->port) {
			demo_job_add(j, "--endpoint");
			demo_job_add(j, j->arg[2]);
		}
		break;
	case STEP_ENROLL:
		j->fn = cmd_enroll;
		snprintf(j->arg[0], PATH_MAX, "%s/ca-%s/issued/%s.bundle", d->dir, DEMO_COUNTY,
		         nd->id);
		demo_job_add(j, "enroll");
		demo_job_add(j, j->arg[0]);
		demo_job_add(j, "--dir");
		demo_job_add(j, nd->dir);
		if (nd->port) {
			demo_job_add(j, "--listen");
			demo_job_add(j, j->arg[2]);
		}
		break;
	}
}

/* Runs one step for every node, up to par at a time; stops starting new
 * ones after the first failure and waits for those running. */
static int demo_step(struct demo *d, enum demo_step step, int par)
{
	static struct demo_job slots[DEMO_JOBS_MAX];
	size_t next = 0;
	int running = 0, rc = 0;

	for (;;) {
		int wstatus;
		pid_t pid;

		while (rc == 0 && next < d->n && running < par) {
			struct demo_job *j = NULL;

			for (int s = 0; s < par && !j; s++)
				if (slots[s].pid <= 0)
					j = &slots[s];
			demo_job_fill(d, next++, step, j);
			if ((j->pid = demo_job_start(j)) < 0) {
				fprintf(stderr, "demo: fork: %s\n", strerror(errno));
				rc = CN_EIO;
				break;
			}
			running++;
		}
		if (running == 0)
			return rc;
		if ((pid = waitpid(-1, &wstatus, 0)) < 0) {
			if (errno == EINTR)
				continue;
			return CN_EIO;
		}
		for (int s = 0; s < par; s++) {
			if (slots[s].pid != pid)
				continue;
			slots[s].pid = 0;
			running--;
			if (demo_job_done(&slots[s], wstatus) < 0 && rc == 0)
				rc = CN_EIO;
		}
	}
}

static int demo_ca_init(struct demo *d, const char *name, const char *scope, const char *sub)
{
	struct demo_job j;
	int wstatus;
	char root[PATH_MAX];

	memset(&j, 0, sizeof(j));
	j.fn = cmd_ca;
	snprintf(j.log, sizeof(j.log), "%s/setup-logs/ca-%s.log", d->dir, sub);
	snprintf(j.arg[0], PATH_MAX, "%s/ca-%s", d->dir, sub);
	snprintf(root, sizeof(root), "%s/ca-root", d->dir);
	demo_job_add(&j, "ca");
	demo_job_add(&j, "init");
	demo_job_add(&j, "--dir");
	demo_job_add(&j, j.arg[0]);
	demo_job_add(&j, "--scope");
	demo_job_add(&j, (char *)scope);
	demo_job_add(&j, "--name");
	demo_job_add(&j, (char *)name);
	if (strcmp(sub, "root") != 0) {
		demo_job_add(&j, "--root");
		demo_job_add(&j, root);
	}
	if ((j.pid = demo_job_start(&j)) < 0) {
		fprintf(stderr, "demo: fork: %s\n", strerror(errno));
		return CN_EIO;
	}
	while (waitpid(j.pid, &wstatus, 0) < 0)
		if (errno != EINTR)
			return CN_EIO;
	return demo_job_done(&j, wstatus);
}

static int demo_setup(struct demo *d)
{
	char logs[PATH_MAX];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int par = ncpu > 0 ? (int)(ncpu * 2 < DEMO_JOBS_MAX ? ncpu * 2 : DEMO_JOBS_MAX) : 2;
	uint64_t t0 = util_mono_us();
	int rc;

	snprintf(logs, sizeof(logs), "%s/setup-logs", d->dir);
	if (util_mkdirs(logs, 0700) < 0) {
		fprintf(stderr, "demo: cannot create %s: %s\n", logs, strerror(errno));
		return CN_EIO;
	}
	fprintf(stderr, "demo: building the PKI and %zu node configurations in %s\n", d->n, d->dir);
	if ((rc = demo_ca_init(d, DEMO_ROOT_NAME, DEMO_ROOT_SCOPE, "root")) < 0 ||
	    (rc = demo_ca_init(d, DEMO_COUNTY_NAME, DEMO_COUNTY, DEMO_COUNTY)) < 0 ||
	    (rc = demo_step(d, STEP_INIT, par)) < 0 ||
	    (rc = demo_step(d, STEP_ISSUE, 1)) < 0 || /* one CA: in order, parents first */
	    (rc = demo_step(d, STEP_ENROLL, par)) < 0)
		return rc;
	/* Only for nodes the demo runs: the network tests build their networks
	 * with --setup-only and expect real clocks and no deadline group. */
	for (size_t i = 0; i < d->n && !d->setup_only; i++)
		if ((rc = demo_scenario_configure(d->nodes[i].cfg, d->nodes[i].role)) < 0)
			return rc;
	fprintf(stderr, "demo: setup done in %.1f s\n", (double)(util_mono_us() - t0) / 1e6);
	return 0;
}

static void demo_print_setup_only(const struct demo *d)
{
	const char *exe = cmd_self_exe();

	printf("Demo network of %zu nodes set up in %s\n", d->n, d->dir);
	printf("Root CA: %s/ca-root   county CA: %s/ca-%s\n", d->dir, d->dir, DEMO_COUNTY);
	printf("Start each node (parents first), e.g. each in its own terminal:\n");
	for (size_t i = 0; i < d->n; i++)
		printf("  %s run -c %s\n", exe, d->nodes[i].cfg);
	printf("Then ask any node how it is: %s status -c %s\n", exe, d->nodes[0].cfg);
	printf("These nodes run on the real clock. For deadlines in seconds, add\n"
	       "  test_clock = true;\n"
	       "to a node.cfg before starting it and move its clock with\n"
	       "  %s clock -c CFG --advance 1h\n"
	       "('carenet demo' without --setup-only does this for every node it runs.)\n",
	       exe);
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

static pid_t demo_spawn(struct demo_node *nd, const char *exe)
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

static void demo_describe_exit(int wstatus, char *out, size_t outlen)
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

	nd->reachable = 0;
	nd->parent_up = 0;
	if (nd->pid <= 0 ||
	    control_request(nd->conf->data_dir, "status", NULL, 0, DEMO_POLL_MS, &reply) < 0)
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

static void demo_print_tree(const struct demo *d, FILE *f)
{
	int namew = 0, idw = d->villages ? 18 : 12;

	for (size_t i = 0; i < d->n; i++)
		if (demo_width(d->nodes[i].name) > namew)
			namew = demo_width(d->nodes[i].name);
	for (size_t i = 0; i < d->n; i++) {
		const struct demo_node *nd = &d->nodes[i];
		char prefix[32] = "";
		int w;

		if (nd->role == PKI_ROLE_VILLAGE)
			snprintf(prefix, sizeof(prefix), "%s",
			         demo_is_last_child(d, (size_t)nd->parent) ? "   " : "│  ");
		if (nd->parent >= 0)
			strcat(prefix, demo_is_last_child(d, i) ? "└─ " : "├─ ");
		w = demo_width(prefix) + (int)strlen(nd->id);
		fprintf(f, "%s%s%*s  %-8s  %s%*s  %s", prefix, nd->id, idw - w, "",
		        pki_role_name(nd->role), nd->name, namew - demo_width(nd->name), "",
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

			util_fmt_time(util_now(), "Asia/Shanghai", ts, sizeof(ts));
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
	struct demo_scenario_env env = {.dir = d->dir, .n = d->n, .check = demo_scenario_check};
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
	rc = demo_scenario_run(&env);
	free(offices);
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
		if (!d->no_scenario)
			rc = demo_scenario(d);
		if (rc == 0)
			died = demo_watch(d);
	}
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
	struct demo d = {.townships = 2, .villages = 2};
	size_t total;
	int rc;

	if ((rc = demo_parse_args(&d, argc, argv)) != 0)
		goto out;
	total = 1 + (size_t)d.townships * (1 + (size_t)d.villages);
	if (!d.setup_only && total > DEMO_RUN_MAX) {
		fprintf(stderr,
		        "demo: %zu nodes would be %zu processes on this machine; "
		        "at most %d can be started, larger networks need --setup-only\n",
		        total, total, DEMO_RUN_MAX);
		rc = CN_EUSAGE;
		goto out;
	}
	if ((rc = demo_make_dir(&d)) < 0 || (rc = demo_plan(&d)) < 0 || (rc = demo_ports(&d)) < 0 ||
	    (rc = demo_setup(&d)) < 0)
		goto out;
	if (d.setup_only)
		demo_print_setup_only(&d);
	else
		rc = demo_run(&d);
out:
	if (rc == CN_EUSAGE)
		fprintf(stderr, "Try 'carenet demo --help'.\n");
	demo_free(&d);
	if (rc == 1) /* --help */
		return 0;
	return rc == CN_EUSAGE ? 2 : rc == CN_EEXIST ? 4 : rc < 0 ? 1 : 0;
}

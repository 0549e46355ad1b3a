/*
 * demo_setup: the setup half of `carenet demo` (demo_int.h). Plans the
 * network (ids, names, roles, ports), makes its directory, and builds the
 * PKI and every node's config with this binary's own subcommands (ca, init,
 * enroll), each called in a forked child: their getopt and library state
 * stay out of this process, their output goes to DIR/setup-logs/, and
 * independent steps run in parallel. Single-threaded.
 */
#include "cmd.h"
#include "demo_int.h"
#include "demo_scenario.h"
#include "err.h"
#include "pki.h"
#include "util.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEMO_JOBS_MAX 16 /* parallel setup steps */

/* ---- the plan: ids, names, roles, ports ---- */

static void plan_node(struct demo_node *nd, const char *id, const char *name, enum pki_role role,
                      int parent)
{
	snprintf(nd->id, PKI_ID_MAX, "%s", id);
	snprintf(nd->name, PKI_NAME_MAX, "%s", name);
	nd->role = role;
	nd->parent = parent;
}

/* One county from index i on: the county, township 1, its villages,
 * township 2, ...; returns the index after its last node. */
static size_t plan_county(struct demo *d, size_t i, const char *county, const char *name,
                          int parent)
{
	int ci = (int)i;

	plan_node(&d->nodes[i], county, name, PKI_ROLE_COUNTY, parent);
	for (int t = 1; t <= d->townships; t++) {
		struct demo_node *tn = &d->nodes[++i];
		int ti = (int)i;

		snprintf(tn->id, PKI_ID_MAX, "%s%03d", county, t % 1000);
		snprintf(tn->name, PKI_NAME_MAX, "第%d乡镇工作站 Township %d", t, t);
		tn->role = PKI_ROLE_TOWNSHIP;
		tn->parent = ci;
		for (int v = 1; v <= d->villages; v++) {
			struct demo_node *vn = &d->nodes[++i];

			snprintf(vn->id, PKI_ID_MAX, "%.9s%03d", tn->id, v % 1000);
			snprintf(vn->name, PKI_NAME_MAX, "第%d-%d村儿童之家 Village %d-%d", t, v, t,
			         v);
			vn->role = PKI_ROLE_VILLAGE;
			vn->parent = ti;
		}
	}
	return i + 1;
}

/* Nodes are kept in depth-first order (province, prefecture,) county,
 * township 1, its villages, township 2, ... so parents precede children and
 * the tree prints in order. */
int demo_plan(struct demo *d)
{
	size_t county = 1 + (size_t)d->townships * (1 + (size_t)d->villages), i = 0;
	char id[PKI_ID_MAX], name[PKI_NAME_MAX];

	int np = d->prefectures > 0 ? d->prefectures : 1;

	d->n = d->province ? 1 + (size_t)np + (size_t)d->counties * county : county;
	d->links = d->n - 1;
	if (!(d->nodes = calloc(d->n, sizeof(*d->nodes))))
		return CN_ENOMEM;
	if (!d->province) {
		plan_county(d, 0, DEMO_COUNTY, DEMO_COUNTY_NAME, -1);
	} else {
		plan_node(&d->nodes[0], DEMO_ROOT_SCOPE, DEMO_PROVINCE_NAME, PKI_ROLE_PROVINCE, -1);
		i = 1;
		for (int p = 0; p < np; p++) {
			int pi = (int)i;
			char pid[PKI_ID_MAX];
			snprintf(pid, sizeof(pid), "%s%02d", DEMO_ROOT_SCOPE, p + 1);
			snprintf(name, sizeof(name), "第%d示范州民政局 Prefecture %d (demo)", p + 1,
			         p + 1);
			plan_node(&d->nodes[i++], pid, p ? name : DEMO_PREFECTURE_NAME,
			          PKI_ROLE_PREFECTURE, 0);
			for (int c = p; c < d->counties; c += np) { /* county c under c % np */
				snprintf(id, sizeof(id), "%.4s%02d", pid, (c / np + 2) % 100);
				snprintf(name, sizeof(name), "第%d示范县 County %d (demo)", c + 1,
				         c + 1);
				i = plan_county(d, i, id, name, pi);
			}
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

/* Index of a planned node by id, or -1. */
long demo_index(const struct demo *d, const char *id)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->nodes[i].id, id) == 0)
			return (long)i;
	return -1;
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
int demo_ports(struct demo *d)
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

int demo_make_dir(struct demo *d)
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
	char parent_cert[PATH_MAX], parent_ep[64]; /* a county under a prefecture */
	char log[PATH_MAX];
	pid_t pid;
};

void demo_tail(const char *path, int lines)
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

/* The CA that issues a node: the root (province, prefecture), else its county's. */
static void demo_ca_of(const struct demo *d, const struct demo_node *nd, char *out, size_t len)
{
	if (pki_role_above_county(nd->role))
		snprintf(out, len, "%s/ca-root", d->dir);
	else
		snprintf(out, len, "%s/ca-%.6s", d->dir, nd->id);
}

/* A county under the prefecture: its parent's certificate and endpoint. */
static void demo_issue_parent(struct demo *d, const struct demo_node *nd, struct demo_job *j)
{
	if (!d->province || nd->role != PKI_ROLE_COUNTY)
		return;
	snprintf(j->parent_cert, PATH_MAX, "%s/ca-root/issued/%s.pem", d->dir,
	         d->nodes[nd->parent].id);
	snprintf(j->parent_ep, sizeof(j->parent_ep), "tcp://127.0.0.1:%d",
	         d->nodes[nd->parent].port);
	demo_job_add(j, "--parent-cert");
	demo_job_add(j, j->parent_cert);
	demo_job_add(j, "--parent-endpoint");
	demo_job_add(j, j->parent_ep);
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
		demo_ca_of(d, nd, j->arg[0], PATH_MAX);
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
		demo_issue_parent(d, nd, j);
		break;
	case STEP_ENROLL:
		j->fn = cmd_enroll;
		demo_ca_of(d, nd, j->arg[1], PATH_MAX - 64);
		if (snprintf(j->arg[0], PATH_MAX, "%s/issued/%s.bundle", j->arg[1], nd->id) >= PATH_MAX)
			j->arg[0][0] = 0;
		demo_job_add(j, "enroll");
		demo_job_add(j, j->arg[0]);
		demo_job_add(j, "--dir");
		demo_job_add(j, nd->dir);
		demo_job_add(j, "--root-sha256");
		demo_job_add(j, d->root_sha);
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

/* The root certificate's fingerprint, which the nodes enroll with (as an
 * operator copies it from what 'carenet ca init' printed). */
static int demo_root_sha(struct demo *d)
{
	char path[PATH_MAX];
	uint8_t *pem = NULL;
	size_t len;
	int rc;

	snprintf(path, sizeof(path), "%s/ca-root/ca.pem", d->dir);
	if ((rc = util_read_file(path, 1u << 20, &pem, &len)) == 0)
		rc = pki_cert_sha256((const char *)pem, len, d->root_sha);
	free(pem);
	if (rc != 0)
		fprintf(stderr, "demo: %s: %s\n", path, cn_strerror(rc));
	return rc;
}

/* Every county's CA, issued by the root at once (--root). */
static int demo_county_cas(struct demo *d)
{
	int rc = 0;

	for (size_t i = 0; i < d->n && rc == 0; i++)
		if (d->nodes[i].role == PKI_ROLE_COUNTY)
			rc = demo_ca_init(d, d->nodes[i].name, d->nodes[i].id, d->nodes[i].id);
	return rc;
}

int demo_setup(struct demo *d)
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
	    (rc = demo_root_sha(d)) < 0 ||
	    (rc = demo_county_cas(d)) < 0 || (rc = demo_step(d, STEP_INIT, par)) < 0 ||
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

void demo_print_setup_only(const struct demo *d)
{
	const char *exe = cmd_self_exe();

	printf("Demo network of %zu nodes set up in %s\n", d->n, d->dir);
	if (d->province)
		printf("Root CA: %s/ca-root (also issues %s and the prefectures)   county CAs: "
		       "%s/ca-<county>\n",
		       d->dir, DEMO_ROOT_SCOPE, d->dir);
	else
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

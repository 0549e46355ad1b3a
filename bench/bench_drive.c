/*
 * bench_drive: drives running carenet nodes through their control sockets
 * (DATA_DIR/control.sock, the same protobuf requests the CLI sends) without
 * a process per command, and times what it sees. For the benchmark scripts
 * in bench/; never installed.
 *
 *   bench_drive counter --node D --name C
 *   bench_drive burst   --node D --to SPEC --count K [--watch D2:C:N[:BASE]]... [--timeout S]
 *   bench_drive latency --node D --to SPEC --repeats R --watch D2:C:N [--timeout S]
 *   bench_drive show    --node D --ids-file F
 *   bench_drive ack     --nodes-file F --ids-file G [--state N] [--timeout S]
 *   bench_drive report  --node D --at D2 --repeats R [--pause-ms M] [--timeout S]
 *
 * counter: prints the node's status counter C.
 * burst:   reads each watched counter, issues K directives to SPEC at node
 *          D one after another (each a request/reply: the node commits the
 *          directive before it answers), then polls every watched node
 *          until its counter C has grown by N (or --timeout), and prints
 *          when each was reached (BASE given: grown past BASE, not past the
 *          value read before the burst; --count 0: only watch). With
 *          --concurrent C: C connections, each with one request
 *          outstanding (C operators at once), as many as that at a time.
 *          Times are
 *          CLOCK_MONOTONIC microseconds
 *          (Python's time.monotonic() on Linux) and seconds from the first
 *          issue.
 * latency: R times: one directive, then poll the watched counter every
 *          --interval-us until it grew by N; prints each latency.
 * show:    directive.show for every id in F (one a line); counts targets
 *          by state (0 pending, 1 delivered, ... 4 done).
 * report:  R times: one urgent report at node D, then poll --at D2 (report
 *          show) every --interval-us until it holds it; prints each
 *          latency (bench/drive_report.c). --pause-ms between reports.
 * ack:     every node in F acknowledges every directive in G with --state
 *          (default 4, done); one outstanding request per node, all nodes
 *          at once.
 * Output: one JSON object on stdout. Exit 0 when everything asked for was
 * reached or done, 1 otherwise, 2 usage. Every loop is bounded by a count
 * and by --timeout (default 60 s).
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "control.pb-c.h"

#define MAX_WATCH 8
#define MAX_COUNT 1000000
#define MAX_NODES 4096

#include "drive_conn.h"
#include "drive_report.h"

/* ------------------------------------------------------------ options */

struct watch {
	struct conn c;
	char name[64];
	int64_t delta, base, value;
	uint64_t reached_us; /* 0: not yet */
	long polls;
};

struct opts {
	const char *node, *to, *name, *ids_file, *nodes_file, *title, *at;
	long count, repeats, state, kind, interval_us, body_bytes, pause_ms, concurrent;
	double timeout;
	struct watch w[MAX_WATCH];
	int nw;
	void *zctx;
	char body[8192]; /* directive body text */
};

static int parse_watch(struct opts *o, const char *arg)
{
	struct watch *w;
	char dir[512];
	const char *c1 = strchr(arg, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

	if (o->nw == MAX_WATCH || !c1 || !c2 || (size_t)(c1 - arg) >= sizeof(dir) ||
	    (size_t)(c2 - c1 - 1) >= sizeof(o->w[0].name))
		return -1;
	w = &o->w[o->nw++];
	memcpy(dir, arg, (size_t)(c1 - arg));
	dir[c1 - arg] = 0;
	memcpy(w->name, c1 + 1, (size_t)(c2 - c1 - 1));
	w->name[c2 - c1 - 1] = 0;
	w->delta = atoll(c2 + 1);
	w->base = -1;
	if ((c1 = strchr(c2 + 1, ':')))
		w->base = atoll(c1 + 1); /* given: not read before the burst */
	return conn_open(&w->c, o->zctx, dir);
}

/* Ids (or paths), one a line; caller frees. */
static char **read_lines(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	char line[1024], **v = NULL;

	*n = 0;
	if (!f) {
		fprintf(stderr, "bench_drive: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	while (*n < MAX_COUNT && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = 0;
		if (!line[0])
			continue;
		char **nv = realloc(v, (*n + 1) * sizeof(*v));
		if (!nv)
			break;
		v = nv;
		if (!(v[*n] = strdup(line)))
			break;
		(*n)++;
	}
	fclose(f);
	return v;
}

static void free_lines(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Percentile (0..100) of sorted v, nearest rank. */
static uint64_t pct(const uint64_t *v, size_t n, double p)
{
	size_t k;
	if (n == 0)
		return 0;
	k = (size_t)(p / 100.0 * (double)n + 0.999999);
	k = k < 1 ? 1 : k > n ? n : k;
	return v[k - 1];
}

/* ------------------------------------------------------------ issue */

static void make_body(struct opts *o, long bytes)
{
	char *body_text = o->body;
	static const char unit[] = "请各儿童之家核对留守儿童台账并于期限内反馈 Check the ledger. ";
	size_t n = 0, ul = sizeof(unit) - 1;

	bytes = bytes < 0 ? 0 : bytes >= (long)sizeof(o->body) ? (long)sizeof(o->body) - 1 : bytes;
	while (n + ul <= (size_t)bytes) {
		memcpy(body_text + n, unit, ul);
		n += ul;
	}
	body_text[n] = 0;
}

/* Issues one directive; returns 0 and copies its id, or -1 (why on stderr). */
/* The i-th directive.issue request, packed (caller frees *buf). */
static int issue_pack(const struct opts *o, long i, uint8_t **buf, size_t *len)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__IssueRequest q = CARENET__ISSUE_REQUEST__INIT;
	char title[160];

	snprintf(title, sizeof(title), "%s %ld", o->title, i);
	q.kind = (uint32_t)o->kind;
	q.to = (char *)o->to;
	q.title = title;
	q.body = (char *)o->body;
	q.due = (uint64_t)time(NULL) + 30 * 86400; /* far ahead even of a moved test clock */
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_DIRECTIVE_ISSUE;
	req.directive_issue = &q;
	*len = carenet__control_request__get_packed_size(&req);
	if (!(*buf = malloc(*len ? *len : 1)))
		return -1;
	carenet__control_request__pack(&req, *buf);
	return 0;
}

static int issue_one(struct conn *c, const struct opts *o, long i, char *id, size_t idlen)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__IssueRequest q = CARENET__ISSUE_REQUEST__INIT;
	Carenet__ControlReply *rep;
	char title[160];
	int rc = -1;

	snprintf(title, sizeof(title), "%s %ld", o->title, i);
	q.kind = (uint32_t)o->kind;
	q.to = (char *)o->to;
	q.title = title;
	q.body = (char *)o->body;
	q.due = (uint64_t)time(NULL) + 30 * 86400; /* far ahead even of a moved test clock */
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_DIRECTIVE_ISSUE;
	req.directive_issue = &q;
	if (!(rep = call(c, &req)))
		return -1;
	if (rep->code != 0)
		fprintf(stderr, "bench_drive: issue to %s refused: %s\n", o->to, rep->error);
	else {
		snprintf(id, idlen, "%s", rep->id);
		rc = 0;
	}
	carenet__control_reply__free_unpacked(rep, NULL);
	return rc;
}

#define MAX_CONCURRENT 64

static void ids_append(const struct opts *o, const char *id, int first)
{
	FILE *f;

	if (o->ids_file && (f = fopen(o->ids_file, first ? "w" : "a"))) {
		fprintf(f, "%s\n", id);
		fclose(f);
	}
}

/* K issues over o->concurrent connections, one outstanding on each; fills
 * lat[] (request to reply, us); returns how many succeeded. */
static long issue_concurrent(struct opts *o, uint64_t deadline, uint64_t *lat)
{
	struct conn c[MAX_CONCURRENT] = {0};
	zmq_pollitem_t it[MAX_CONCURRENT];
	uint64_t sent_at[MAX_CONCURRENT];
	long next = 0, ok = 0, busy = 0, n = o->concurrent;

	for (long j = 0; j < n; j++)
		if (conn_open(&c[j], o->zctx, o->node) != 0)
			goto out;
	for (long j = 0; j < n && next < o->count; j++, next++) {
		uint8_t *buf;
		size_t len;
		if (issue_pack(o, next, &buf, &len) != 0 || zmq_send(c[j].s, buf, len, 0) < 0)
			goto out;
		free(buf);
		sent_at[j] = mono_us();
		busy++;
	}
	while (busy > 0 && mono_us() < deadline) {
		for (long j = 0; j < n; j++)
			it[j] = (zmq_pollitem_t){c[j].s, 0, ZMQ_POLLIN, 0};
		if (zmq_poll(it, (int)n, 1000) < 0)
			goto out;
		for (long j = 0; j < n; j++) {
			zmq_msg_t m;
			Carenet__ControlReply *rep;
			uint8_t *buf;
			size_t len;
			if (!(it[j].revents & ZMQ_POLLIN))
				continue;
			zmq_msg_init(&m);
			if (zmq_msg_recv(&m, c[j].s, 0) < 0)
				goto out;
			rep = carenet__control_reply__unpack(NULL, zmq_msg_size(&m), zmq_msg_data(&m));
			zmq_msg_close(&m);
			busy--;
			if (!rep || rep->code != 0) {
				fprintf(stderr, "bench_drive: issue to %s refused: %s\n", o->to,
				        rep ? rep->error : "undecodable reply");
				carenet__control_reply__free_unpacked(rep, NULL);
				goto out;
			}
			lat[ok] = mono_us() - sent_at[j];
			ids_append(o, rep->id, ok == 0);
			ok++;
			carenet__control_reply__free_unpacked(rep, NULL);
			if (next < o->count) {
				if (issue_pack(o, next++, &buf, &len) != 0 ||
				    zmq_send(c[j].s, buf, len, 0) < 0)
					goto out;
				free(buf);
				sent_at[j] = mono_us();
				busy++;
			}
		}
	}
out:
	for (long j = 0; j < n; j++)
		conn_close(&c[j]);
	return ok;
}

static int poll_watches(struct opts *o, uint64_t deadline)
{
	int left = o->nw;

	for (long round = 0; left > 0 && round < 10000000; round++) {
		left = 0;
		for (int i = 0; i < o->nw; i++) {
			struct watch *w = &o->w[i];
			if (w->reached_us)
				continue;
			w->polls++;
			if ((w->value = counter(&w->c, w->name)) < 0)
				return -1;
			if (w->value - w->base >= w->delta)
				w->reached_us = mono_us();
			else
				left++;
		}
		if (left == 0 || mono_us() > deadline)
			break;
		if (o->interval_us > 0)
			usleep((useconds_t)o->interval_us);
	}
	return left;
}

static int cmd_burst(struct opts *o)
{
	struct conn c = {0};
	uint64_t t0, t1, deadline, *lat = NULL;
	char id[128], first[128] = "", last[128] = "";
	long ok = 0;
	int left = -1;

	if ((o->count > 0 && (!o->node || !o->to)) || o->count < 0 || o->count > MAX_COUNT ||
	    (o->count == 0 && o->nw == 0) || o->concurrent < 1 || o->concurrent > MAX_CONCURRENT)
		return 2;
	if ((o->count > 0 && conn_open(&c, o->zctx, o->node) != 0) ||
	    !(lat = calloc((size_t)o->count + 1, sizeof(*lat))))
		goto out;
	for (int i = 0; i < o->nw; i++)
		if (o->w[i].base < 0 && (o->w[i].base = counter(&o->w[i].c, o->w[i].name)) < 0)
			goto out;
	deadline = mono_us() + (uint64_t)(o->timeout * 1e6);
	t0 = mono_us();
	if (o->concurrent > 1)
		ok = issue_concurrent(o, deadline, lat);
	for (long i = 0; o->concurrent == 1 && i < o->count && mono_us() < deadline; i++) {
		uint64_t a = mono_us();
		if (issue_one(&c, o, i, id, sizeof(id)) != 0)
			break;
		lat[ok++] = mono_us() - a;
		if (!first[0])
			snprintf(first, sizeof(first), "%s", id);
		snprintf(last, sizeof(last), "%s", id);
		if (o->ids_file) {
			FILE *f = fopen(o->ids_file, i ? "a" : "w");
			if (f) {
				fprintf(f, "%s\n", id);
				fclose(f);
			}
		}
	}
	t1 = mono_us();
	left = ok == o->count ? poll_watches(o, deadline) : -1;
	qsort(lat, (size_t)ok, sizeof(*lat), cmp_u64);
	printf("{\"count\": %ld, \"issued\": %ld, \"first_id\": \"%s\", \"last_id\": \"%s\", "
	       "\"t_first_us\": %llu, \"t_issued_us\": %llu, \"issue_seconds\": %.6f, "
	       "\"issue_per_second\": %.1f, \"issue_ms_median\": %.3f, \"issue_ms_p99\": %.3f, "
	       "\"issue_ms_max\": %.3f, \"watch\": [",
	       o->count, ok, first, last, (unsigned long long)t0, (unsigned long long)t1,
	       (double)(t1 - t0) / 1e6, ok / ((double)(t1 - t0) / 1e6 + 1e-9),
	       (double)pct(lat, (size_t)ok, 50) / 1e3, (double)pct(lat, (size_t)ok, 99) / 1e3,
	       (double)pct(lat, (size_t)ok, 100) / 1e3);
	for (int i = 0; i < o->nw; i++) {
		struct watch *w = &o->w[i];
		printf(
		    "%s{\"node\": \"%s\", \"counter\": \"%s\", \"base\": %lld, \"value\": %lld, "
		    "\"delta\": %lld, \"reached\": %s, \"t_reached_us\": %llu, \"seconds\": %.6f, "
		    "\"polls\": %ld}",
		    i ? ", " : "", w->c.dir, w->name, (long long)w->base, (long long)w->value,
		    (long long)w->delta, w->reached_us ? "true" : "false",
		    (unsigned long long)w->reached_us,
		    w->reached_us ? (double)(w->reached_us - t0) / 1e6 : -1.0, w->polls);
	}
	printf("]}\n");
out:
	free(lat);
	conn_close(&c);
	return left == 0 ? 0 : 1;
}

static int cmd_latency(struct opts *o)
{
	struct conn c = {0};
	uint64_t *lat = NULL, *iss = NULL, deadline;
	char id[128];
	long done = 0, failed = 0;

	if (!o->node || !o->to || o->nw != 1 || o->repeats < 1 || o->repeats > 100000)
		return 2;
	if (conn_open(&c, o->zctx, o->node) != 0 ||
	    !(lat = calloc((size_t)o->repeats, sizeof(*lat))) ||
	    !(iss = calloc((size_t)o->repeats, sizeof(*iss))))
		goto out;
	deadline = mono_us() + (uint64_t)(o->timeout * 1e6);
	for (long r = 0; r < o->repeats && mono_us() < deadline; r++) {
		struct watch *w = &o->w[0];
		uint64_t t0, t1;
		if ((w->base = counter(&w->c, w->name)) < 0)
			break;
		w->reached_us = 0;
		t0 = mono_us();
		if (issue_one(&c, o, r, id, sizeof(id)) != 0)
			break;
		t1 = mono_us();
		if (poll_watches(o, deadline) != 0) {
			failed++;
			break;
		}
		iss[done] = t1 - t0;
		lat[done++] = w->reached_us - t0;
	}
	printf("{\"repeats\": %ld, \"done\": %ld, \"failed\": %ld, \"latency_ms\": [", o->repeats,
	       done, failed);
	for (long i = 0; i < done; i++)
		printf("%s%.3f", i ? ", " : "", (double)lat[i] / 1e3);
	printf("], \"issue_ms\": [");
	for (long i = 0; i < done; i++)
		printf("%s%.3f", i ? ", " : "", (double)iss[i] / 1e3);
	qsort(lat, (size_t)done, sizeof(*lat), cmp_u64);
	printf("], \"median_ms\": %.3f, \"p99_ms\": %.3f, \"min_ms\": %.3f, \"max_ms\": %.3f}\n",
	       (double)pct(lat, (size_t)done, 50) / 1e3, (double)pct(lat, (size_t)done, 99) / 1e3,
	       (double)pct(lat, (size_t)done, 0) / 1e3, (double)pct(lat, (size_t)done, 100) / 1e3);
out:
	free(lat);
	free(iss);
	conn_close(&c);
	return done == o->repeats ? 0 : 1;
}

static int cmd_show(struct opts *o)
{
	struct conn c = {0};
	char **ids = NULL;
	size_t n = 0, bad = 0, shown = 0;
	uint64_t by_state[8] = {0}, targets = 0;
	int rc = 1;

	if (!o->node || !o->ids_file)
		return 2;
	if (conn_open(&c, o->zctx, o->node) != 0 || !(ids = read_lines(o->ids_file, &n)))
		goto out;
	printf("{\"incomplete\": [");
	for (size_t i = 0; i < n; i++) {
		Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
		Carenet__ShowRequest q = CARENET__SHOW_REQUEST__INIT;
		Carenet__ControlReply *rep;
		uint64_t before = by_state[0];
		q.id = ids[i];
		req.request_case = CARENET__CONTROL_REQUEST__REQUEST_DIRECTIVE_SHOW;
		req.directive_show = &q;
		if (!(rep = call(&c, &req)))
			goto out;
		if (rep->code == 0 && rep->n_directives == 1) {
			Carenet__DirectiveView *v = rep->directives[0];
			shown++;
			for (size_t t = 0; t < v->n_targets; t++) {
				targets++;
				by_state[v->targets[t]->state < 8 ? v->targets[t]->state : 7]++;
			}
		}
		if (rep->code != 0 || rep->n_directives != 1 || by_state[0] != before)
			printf("%s\"%s\"", bad++ ? ", " : "", ids[i]);
		carenet__control_reply__free_unpacked(rep, NULL);
	}
	printf("], \"directives\": %zu, \"shown\": %zu, \"targets\": %llu, \"by_state\": {", n,
	       shown, (unsigned long long)targets);
	for (int s = 0; s < 8; s++)
		printf("%s\"%d\": %llu", s ? ", " : "", s, (unsigned long long)by_state[s]);
	printf("}}\n");
	rc = bad == 0 ? 0 : 1;
out:
	free_lines(ids, n);
	conn_close(&c);
	return rc;
}

/* ------------------------------------------------------------ ack */

static int send_ack(void *s, const char *id, uint32_t state)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__AckRequest a = CARENET__ACK_REQUEST__INIT;
	uint8_t buf[512];
	size_t len;

	a.directive = (char *)id;
	a.state = state;
	a.note = "bench";
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_ACK;
	req.ack = &a;
	if ((len = carenet__control_request__get_packed_size(&req)) > sizeof(buf))
		return -1;
	carenet__control_request__pack(&req, buf);
	if (zmq_send(s, "", 0, ZMQ_SNDMORE) < 0 || zmq_send(s, buf, len, 0) < 0)
		return -1;
	return 0;
}

static int cmd_ack(struct opts *o)
{
	char **dirs = NULL, **ids = NULL, first_err[512] = "";
	size_t nd = 0, ni = 0;
	void **socks = NULL;
	size_t *next = NULL;
	zmq_pollitem_t *items = NULL;
	uint64_t t0, deadline, sent = 0, ok = 0, refused = 0, want;
	int rc = 1, zero = 0;

	if (!o->nodes_file || !o->ids_file)
		return 2;
	if (!(dirs = read_lines(o->nodes_file, &nd)) || !(ids = read_lines(o->ids_file, &ni)) ||
	    nd > MAX_NODES)
		goto out;
	socks = calloc(nd, sizeof(*socks));
	next = calloc(nd, sizeof(*next));
	items = calloc(nd, sizeof(*items));
	if (!socks || !next || !items)
		goto out;
	for (size_t i = 0; i < nd; i++) {
		char ep[600];
		snprintf(ep, sizeof(ep), "ipc://%s/%s", dirs[i], SOCK);
		if (!(socks[i] = zmq_socket(o->zctx, ZMQ_DEALER)))
			goto out;
		zmq_setsockopt(socks[i], ZMQ_LINGER, &zero, sizeof(zero));
		if (zmq_connect(socks[i], ep) < 0)
			goto out;
		items[i] = (zmq_pollitem_t){socks[i], 0, ZMQ_POLLIN, 0};
	}
	want = (uint64_t)nd * ni;
	t0 = mono_us();
	deadline = t0 + (uint64_t)(o->timeout * 1e6);
	for (size_t i = 0; i < nd; i++)
		if (ni > 0 && send_ack(socks[i], ids[next[i]++], (uint32_t)o->state) == 0)
			sent++;
	for (uint64_t round = 0; ok + refused < sent && round < 100000000 && mono_us() < deadline;
	     round++) {
		if (zmq_poll(items, (int)nd, 100) <= 0)
			continue;
		for (size_t i = 0; i < nd; i++) {
			zmq_msg_t m;
			Carenet__ControlReply *rep;
			if (!(items[i].revents & ZMQ_POLLIN))
				continue;
			zmq_msg_init(&m);
			/* [empty delimiter][reply] */
			if (zmq_msg_recv(&m, socks[i], ZMQ_DONTWAIT) < 0 || !zmq_msg_more(&m) ||
			    zmq_msg_recv(&m, socks[i], 0) < 0) {
				zmq_msg_close(&m);
				continue;
			}
			rep = carenet__control_reply__unpack(NULL, zmq_msg_size(&m),
			                                     zmq_msg_data(&m));
			zmq_msg_close(&m);
			if (rep && rep->code == 0)
				ok++;
			else {
				refused++;
				if (!first_err[0])
					snprintf(first_err, sizeof(first_err), "%s: %s", dirs[i],
					         rep ? rep->error : "undecodable reply");
			}
			if (rep)
				carenet__control_reply__free_unpacked(rep, NULL);
			if (next[i] < ni &&
			    send_ack(socks[i], ids[next[i]++], (uint32_t)o->state) == 0)
				sent++;
		}
	}
	double secs = (double)(mono_us() - t0) / 1e6;
	for (char *p = first_err; *p; p++)
		if (*p == '"' || *p == '\\')
			*p = '\'';
	printf(
	    "{\"nodes\": %zu, \"directives\": %zu, \"wanted\": %llu, \"sent\": %llu, \"ok\": %llu, "
	    "\"refused\": %llu, \"t_first_us\": %llu, \"seconds\": %.6f, \"per_second\": %.1f, "
	    "\"first_error\": \"%s\"}\n",
	    nd, ni, (unsigned long long)want, (unsigned long long)sent, (unsigned long long)ok,
	    (unsigned long long)refused, (unsigned long long)t0, secs, ok / (secs + 1e-9),
	    first_err);
	rc = ok == want ? 0 : 1;
out:
	for (size_t i = 0; socks && i < nd; i++)
		if (socks[i])
			zmq_close(socks[i]);
	free(socks);
	free(next);
	free(items);
	free_lines(dirs, nd);
	free_lines(ids, ni);
	return rc;
}

/* ------------------------------------------------------------ main */

static void usage(FILE *f)
{
	fputs("usage: bench_drive counter --node DATA_DIR --name COUNTER\n"
	      "       bench_drive burst   --node DATA_DIR --to SPEC --count K [--watch "
	      "DIR:COUNTER:N[:BASE]]...\n"
	      "                           [--ids-file F] [--timeout S] [--interval-us U] "
	      "[--concurrent C]\n"
	      "       bench_drive latency --node DATA_DIR --to SPEC --repeats R --watch "
	      "DIR:COUNTER:N\n"
	      "                           [--timeout S] [--interval-us U]\n"
	      "       bench_drive show    --node DATA_DIR --ids-file F\n"
	      "       bench_drive ack     --nodes-file F --ids-file G [--state N] [--timeout S]\n"
	      "       bench_drive report  --node DATA_DIR --at DATA_DIR --repeats R [--pause-ms M]\n"
	      "                           [--timeout S] [--interval-us U]\n"
	      "  common: --kind N (1 task), --title T, --body-bytes N (default 200)\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {{"node", required_argument, 0, 'n'},
	                                   {"to", required_argument, 0, 't'},
	                                   {"count", required_argument, 0, 'k'},
	                                   {"watch", required_argument, 0, 'w'},
	                                   {"timeout", required_argument, 0, 'T'},
	                                   {"interval-us", required_argument, 0, 'i'},
	                                   {"repeats", required_argument, 0, 'r'},
	                                   {"ids-file", required_argument, 0, 'I'},
	                                   {"nodes-file", required_argument, 0, 'N'},
	                                   {"state", required_argument, 0, 's'},
	                                   {"name", required_argument, 0, 'c'},
	                                   {"kind", required_argument, 0, 'K'},
	                                   {"title", required_argument, 0, 'L'},
	                                   {"body-bytes", required_argument, 0, 'B'},
	                                   {"at", required_argument, 0, 'A'},
	                                   {"pause-ms", required_argument, 0, 'P'},
	                                   {"concurrent", required_argument, 0, 'C'},
	                                   {"help", no_argument, 0, 'h'},
	                                   {0, 0, 0, 0}};
	struct opts o = {.timeout = 60,
	                 .interval_us = 2000,
	                 .state = 4,
	                 .kind = 1,
	                 .title = "基准 benchmark directive",
	                 .body_bytes = 200,
	                 .concurrent = 1};
	const char *cmd;
	int ch, rc;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	cmd = argv[1];
	o.zctx = zmq_ctx_new();
	zmq_ctx_set(o.zctx, ZMQ_MAX_SOCKETS, MAX_NODES + 64);
	optind = 2;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'n':
			o.node = optarg;
			break;
		case 't':
			o.to = optarg;
			break;
		case 'k':
			o.count = atol(optarg);
			break;
		case 'w':
			if (parse_watch(&o, optarg) != 0) {
				fprintf(stderr, "bench_drive: bad --watch %s (DIR:COUNTER:N)\n",
				        optarg);
				return 2;
			}
			break;
		case 'T':
			o.timeout = atof(optarg);
			break;
		case 'i':
			o.interval_us = atol(optarg);
			break;
		case 'r':
			o.repeats = atol(optarg);
			break;
		case 'I':
			o.ids_file = optarg;
			break;
		case 'N':
			o.nodes_file = optarg;
			break;
		case 's':
			o.state = atol(optarg);
			break;
		case 'c':
			o.name = optarg;
			break;
		case 'K':
			o.kind = atol(optarg);
			break;
		case 'L':
			o.title = optarg;
			break;
		case 'B':
			o.body_bytes = atol(optarg);
			break;
		case 'A':
			o.at = optarg;
			break;
		case 'C':
			o.concurrent = atol(optarg);
			break;
		case 'P':
			o.pause_ms = atol(optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (o.timeout <= 0 || o.timeout > 3600) {
		usage(stderr);
		return 2;
	}
	make_body(&o, o.body_bytes);
	if (!strcmp(cmd, "counter")) {
		struct conn c = {0};
		int64_t v = -1;
		if (!o.node || !o.name)
			rc = 2;
		else {
			if (conn_open(&c, o.zctx, o.node) == 0)
				v = counter(&c, o.name);
			conn_close(&c);
			if (v >= 0)
				printf("{\"counter\": \"%s\", \"value\": %lld, \"t_us\": %llu}\n",
				       o.name, (long long)v, (unsigned long long)mono_us());
			rc = v >= 0 ? 0 : 1;
		}
	} else if (!strcmp(cmd, "burst"))
		rc = cmd_burst(&o);
	else if (!strcmp(cmd, "latency"))
		rc = cmd_latency(&o);
	else if (!strcmp(cmd, "show"))
		rc = cmd_show(&o);
	else if (!strcmp(cmd, "ack"))
		rc = cmd_ack(&o);
	else if (!strcmp(cmd, "report")) {
		struct drive_report_opts ro = {o.zctx, o.node, o.at, o.repeats, o.interval_us,
		                               o.pause_ms, o.timeout};
		rc = drive_report(&ro);
	}
	else
		rc = 2;
	if (rc == 2)
		usage(stderr);
	for (int i = 0; i < o.nw; i++)
		conn_close(&o.w[i].c);
	zmq_ctx_term(o.zctx);
	return rc;
}

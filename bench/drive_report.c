/*
 * drive_report: `bench_drive report` -- R times, files one urgent report at
 * a node (ReportFileRequest, the request `carenet report file` sends; the
 * node commits it before it answers) and polls another node with
 * ReportShowRequest every --interval-us until it holds that report; prints
 * each latency (first request sent to the report seen) and the time the
 * filing itself took. With --pause-ms, waits that long between reports
 * (bounded). Output: one JSON object; exit 0 when every report arrived.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "drive_conn.h"
#include "drive_report.h"

static int file_one(struct conn *c, long i, char *id, size_t idlen)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ReportFileRequest q = CARENET__REPORT_FILE_REQUEST__INIT;
	Carenet__Report p = CARENET__REPORT__INIT;
	Carenet__ControlReply *rep;
	char *sit[] = {"S01"}, summary[96];
	int rc = -1;

	snprintf(summary, sizeof(summary), "基准 benchmark report %ld", i);
	p.n_situation = 1;
	p.situation = sit;
	p.summary = summary;
	p.child_description = "基准 benchmark";
	p.description = "基准 benchmark";
	p.urgency = 1; /* urgent */
	p.police_reported_at = (uint64_t)time(NULL);
	q.report = &p;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_REPORT_FILE;
	req.report_file = &q;
	if (!(rep = call(c, &req)))
		return -1;
	if (rep->code != 0)
		fprintf(stderr, "bench_drive: report refused at %s: %s\n", c->dir, rep->error);
	else {
		snprintf(id, idlen, "%s", rep->id);
		rc = 0;
	}
	carenet__control_reply__free_unpacked(rep, NULL);
	return rc;
}

/* 1 held, 0 not (yet), -1 the request failed. */
static int held(struct conn *c, const char *id)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ReportShowRequest q = CARENET__REPORT_SHOW_REQUEST__INIT;
	Carenet__ControlReply *rep;
	int ret;

	q.id = (char *)id;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_REPORT_SHOW;
	req.report_show = &q;
	if (!(rep = call(c, &req)))
		return -1;
	ret = rep->code == 0 && rep->n_reports == 1;
	carenet__control_reply__free_unpacked(rep, NULL);
	return ret;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static double pct_ms(const uint64_t *v, size_t n, double p)
{
	size_t k;

	if (n == 0)
		return 0;
	k = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
	return (double)v[k < n ? k : n - 1] / 1e3;
}

static void print_list(const char *name, const uint64_t *v, long n)
{
	printf("\"%s\": [", name);
	for (long i = 0; i < n; i++)
		printf("%s%.3f", i ? ", " : "", (double)v[i] / 1e3);
	printf("]");
}

int drive_report(const struct drive_report_opts *o)
{
	struct conn c = {0}, w = {0};
	uint64_t *lat = NULL, *fil = NULL, *at = NULL, deadline;
	char id[128];
	long done = 0, failed = 0, polls = 0;

	if (!o->node || !o->at || o->repeats < 1 || o->repeats > 100000 || o->pause_ms < 0 ||
	    o->pause_ms > 600000)
		return 2;
	if (conn_open(&c, o->zctx, o->node) != 0 || conn_open(&w, o->zctx, o->at) != 0 ||
	    !(lat = calloc((size_t)o->repeats, sizeof(*lat))) ||
	    !(fil = calloc((size_t)o->repeats, sizeof(*fil))) ||
	    !(at = calloc((size_t)o->repeats, sizeof(*at))))
		goto out;
	deadline = mono_us() + (uint64_t)(o->timeout * 1e6);
	for (long r = 0; r < o->repeats && mono_us() < deadline; r++) {
		uint64_t t0 = mono_us(), t1;
		int h = 0;
		if (file_one(&c, r, id, sizeof(id)) != 0)
			break;
		t1 = mono_us();
		for (long k = 0; k < 10000000 && (h = held(&w, id)) == 0 && mono_us() < deadline;
		     k++) {
			polls++;
			if (o->interval_us > 0)
				usleep((useconds_t)o->interval_us);
		}
		if (h != 1) {
			failed++;
			break;
		}
		at[done] = t0;
		fil[done] = t1 - t0;
		lat[done++] = mono_us() - t0;
		if (o->pause_ms)
			usleep((useconds_t)o->pause_ms * 1000u);
	}
	printf("{\"repeats\": %ld, \"done\": %ld, \"failed\": %ld, \"polls\": %ld, ", o->repeats,
	       done, failed, polls);
	print_list("latency_ms", lat, done);
	printf(", ");
	print_list("file_ms", fil, done);
	printf(", \"started_us\": [");
	for (long i = 0; i < done; i++)
		printf("%s%llu", i ? ", " : "", (unsigned long long)at[i]);
	printf("], ");
	qsort(lat, (size_t)done, sizeof(*lat), cmp_u64);
	printf("\"median_ms\": %.3f, \"p99_ms\": %.3f, \"min_ms\": %.3f, \"max_ms\": %.3f}\n",
	       pct_ms(lat, (size_t)done, 50), pct_ms(lat, (size_t)done, 99),
	       pct_ms(lat, (size_t)done, 0), pct_ms(lat, (size_t)done, 100));
out:
	free(lat);
	free(fil);
	free(at);
	conn_close(&c);
	conn_close(&w);
	return done == o->repeats ? 0 : 1;
}

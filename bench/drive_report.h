/* drive_report: `bench_drive report` (see drive_report.c). */
#ifndef CARENET_BENCH_DRIVE_REPORT_H
#define CARENET_BENCH_DRIVE_REPORT_H

struct drive_report_opts {
	void *zctx;
	const char *node;  /* data dir of the filing office */
	const char *at;    /* data dir of the office that must hold it */
	long repeats, interval_us, pause_ms;
	double timeout;    /* seconds, for the whole run */
};

/* 0 every report arrived, 1 not, 2 bad options. */
int drive_report(const struct drive_report_opts *o);

#endif

/*
 * eval_int: what eval.c (the language's semantics: conditions, sets,
 * verdicts, joins) and eval_run.c (the driver: one pass per record type for
 * every indicator of a request) share. Not for use outside roles/compliance.
 */
#ifndef CARENET_EVAL_INT_H
#define CARENET_EVAL_INT_H

#include "compliance.h"

enum { K_F = 0, K_T = 1, K_U = 2 };

/* An inner set under a child, per office: the child ids its matching
 * records name, with how many (seen) and how many undecided (unk). Built
 * with one pass over that office's records of the inner type, kept while
 * the outer pass stays in the office (children come grouped by owner). */
#define CJ_TIERS 3
struct cj_entry {
	char id[64];
	unsigned long seen, unk;
};
struct cj_cache {
	const struct sd_verdict *v;
	char office[PKI_ID_MAX];
	struct cj_entry *e;
	size_t n, cap;
	int open;
};

struct ev {
	const struct cmp_source *src;
	const char *scope;
	char at[SD_DATE_LEN];
	long t; /* at, in days */
	int have_county;
	char county_buf[PKI_ID_MAX];
	struct cmp_rec county; /* the county profile (R01 tier county), if found */
	char *county_val[REC_MAX_FIELDS];
	int err;
	struct cmp_ages *ages;
	struct cmp_result *top;
	struct cj_cache cj[CJ_TIERS]; /* under a child: its village's, township's, county's */
	const struct sd_window *win;  /* the last window's range at t */
	long win_from, win_to;
	int win_open;
};

struct tally {
	struct ev *e;
	const struct sd_verdict *v;
	const struct cmp_rec *outer; /* the element an inner set joins */
	int top;
	unsigned long seen, unk, p, f, u;
	unsigned long week[110];
	long mon0; /* the first Monday of the weekly buckets */
	int open;
	struct cmp_result *res; /* top level: failing offices, townships */
};

/* A verdict in three steps: begin (a result >= 0 if decided without a pass
 * over records; else the pass's source prefix and exactness), every record
 * of the pass through ev_on_record(rc, t), end (the result). */
int ev_begin(struct ev *e, const struct sd_verdict *v, const struct cmp_rec *outer,
             struct cmp_result *res, struct tally *t, const char **prefix, int *exact);
int ev_on_record(const struct cmp_rec *rc, void *arg);
int ev_end(const struct sd_verdict *v, const struct tally *t, struct cmp_result *res);
/* A condition over rc (K_F, K_T, K_U); a field's value ("" and absent: NULL). */
int ev_cond(const struct ev *e, const struct sd_cond *c, const struct cmp_rec *rc);
const char *ev_val(const struct cmp_rec *rc, const char *field);

#endif

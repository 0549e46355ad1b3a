/*
 * roles/compliance: evaluating the standards (roles/core/standards.h) over
 * the records this node holds for its subtree — per indicator pass, fail,
 * unknown or n/a, the measured value, the offices that fail it, roll-up per
 * township. Reads only; never a personal value out (counts and office ids).
 *
 * compliance.h  this map and the domain's interface
 * eval.c        the evaluator: streams records through a cmp_source (one
 *               record at a time; nested sets re-scan the inner type per
 *               outer element with the owner's prefix), Kleene logic
 *
 * The records come through struct cmp_source, which roles top implements
 * over the records domain's store (LMDB cursors over the "t:" index inside
 * one read txn) and tests implement over arrays.
 *
 * May include: roles/core/, base/ headers, files of this folder.
 */
#ifndef CARENET_COMPLIANCE_H
#define CARENET_COMPLIANCE_H

#include <stdint.h>

#include "standards.h"

enum cmp_res { CR_PASS, CR_FAIL, CR_UNKNOWN, CR_NA };

/* A record as the evaluator sees it: values by schema row (NULL: absent;
 * personal values opened, never copied out). */
struct cmp_rec {
	const struct rec_type *t;
	const char *id, *owner;
	uint64_t changed_at;
	char *const *val;
};
struct cmp_source {
	void *arg;
	/* fn for every open record of type t whose owner begins with prefix
	 * (exact: whose owner is prefix), in id order; fn returns non-zero to
	 * stop, which each returns. */
	int (*each)(void *arg, const struct rec_type *t, const char *prefix, int exact,
	            int (*fn)(const struct cmp_rec *rc, void *fnarg), void *fnarg);
};

#define CMP_MAX_FAILING 200
#define CMP_MAX_TOWNSHIPS 64

struct cmp_township {
	char id[16];
	unsigned long pass, fail, unknown;
};
struct cmp_result {
	const struct sd_indicator *ind;
	enum cmp_res res;
	int has_value;
	double value, lo, hi;           /* a share: p/N in [lo, hi]; a count: seen */
	unsigned long pass, fail, unknown; /* elements of every/share */
	char *failing[CMP_MAX_FAILING]; /* offices (ids), sorted, unique */
	size_t nfailing;
	int failing_more;               /* more than CMP_MAX_FAILING */
	struct cmp_township town[CMP_MAX_TOWNSHIPS];
	size_t ntown;
	char note[256];                 /* why unknown or n/a */
	char at[SD_DATE_LEN];           /* the date judged (a `by` date, or T) */
};

struct cmp_ctx {
	const struct cmp_source *src;
	const char *scope; /* the office whose subtree is evaluated */
	char at[SD_DATE_LEN];
	uint64_t now;
	uint64_t newest;  /* the newest record version seen (data age) */
	uint64_t oldest;  /* the oldest office's newest version */
};

/* Evaluates indicator d at date at ("YYYY-MM-DD") over scope. 0, or a
 * source error (the result's note says which). */
int cmp_eval(const struct cmp_source *src, const char *scope, const char *at,
             const struct sd_indicator *d, struct cmp_result *out);
void cmp_result_free(struct cmp_result *r);
const char *cmp_res_name(enum cmp_res r);
const char *cmp_res_zh(enum cmp_res r);
/* The stricter of two results (fail > unknown > pass > n/a). */
enum cmp_res cmp_stricter(enum cmp_res a, enum cmp_res b);

#endif

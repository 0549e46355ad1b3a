/*
 * roles/compliance: evaluating the standards (roles/core/standards.h) over
 * the records this node holds for its subtree — per indicator pass, fail,
 * unknown or n/a, the measured value, the offices that fail it, roll-up per
 * township. Reads only; never a personal value out (counts and office ids).
 *
 * compliance.h  this map and the domain's interface
 * compliance_control.c  the control request `compliance` (standards
 *               loaded, evaluated, merged: the stricter reading, veto first)
 * attest.c      indicators of modes A and X: the scope office's latest R27
 *               attestation valid at T (pass, as attested), expired (fail)
 * eval.c        the language's semantics: conditions (Kleene), sets,
 *               verdicts, joins (an inner set re-scans the inner type per
 *               outer element with the owner's id; under a child, one pass
 *               per office into a table of the ids named)
 * eval_run.c    the driver: every indicator of a request begun, one pass
 *               per record type through all their tallies, each ended
 * eval_int.h    what eval.c and eval_run.c share
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

#include "roles_int.h"
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
#define CMP_EXACT 0x1    /* the owner is prefix (else: begins with it) */
#define CMP_PERSONAL 0x2 /* open the personal fields (else they may be NULL) */
struct cmp_source {
	void *arg;
	/* fn for every open record of type t whose owner begins with prefix
	 * (flags), in id order; fn returns non-zero to stop, which each returns. */
	int (*each)(void *arg, const struct rec_type *t, const char *prefix, unsigned flags,
	            int (*fn)(const struct cmp_rec *rc, void *fnarg), void *fnarg);
};

#define CMP_MAX_FAILING 200
#define CMP_MAX_OFFICES 1024 /* offices whose data age is tracked */

/* Data age: the newest record version seen from each office (changed_at),
 * over every indicator of one request. */
struct cmp_office_age {
	char id[PKI_ID_MAX];
	uint64_t newest;
};
struct cmp_ages {
	size_t n, last;
	struct cmp_office_age v[CMP_MAX_OFFICES];
};
#define CMP_MAX_TOWNSHIPS 64

struct cmp_township {
	char id[16];
	unsigned long pass, fail, unknown;
};
struct cmp_result {
	const struct sd_indicator *ind;
	enum cmp_res res;
	int has_value;
	double value, lo, hi;              /* a share: p/N in [lo, hi]; a count: seen */
	unsigned long pass, fail, unknown; /* elements of every/share */
	char *failing[CMP_MAX_FAILING];    /* offices (ids), sorted, unique */
	size_t nfailing;
	int failing_more; /* more than CMP_MAX_FAILING */
	struct cmp_township town[CMP_MAX_TOWNSHIPS];
	size_t ntown;
	char note[256];                             /* why unknown or n/a */
	char at[SD_DATE_LEN];                       /* the date judged (a `by` date, or T) */
	unsigned char touched[CMP_MAX_OFFICES / 8]; /* offices (cmp_ages index) it read */
	int attested;                  /* an R27 attestation decided it (not measured) */
	char attested_by[PKI_ID_MAX];  /* the office that signed it */
	char attested_at[SD_DATE_LEN]; /* its declared_at */
	char attested_id[64];          /* the record */
};

/* Evaluates indicator d at date at ("YYYY-MM-DD") over scope; ages (may
 * be NULL) collects the offices read and their newest record. 0, or a
 * source error (the result's note says which). */
int cmp_eval(const struct cmp_source *src, const char *scope, const char *at,
             const struct sd_indicator *d, struct cmp_ages *ages, struct cmp_result *out);
/* The same for n indicators at once (out: n results): the records of each
 * type the outer sets read pass once through every indicator reading them;
 * an indicator whose rule text repeats an earlier one's copies its result. */
int cmp_eval_many(const struct cmp_source *src, const char *scope, const char *at,
                  const struct sd_indicator *const *d, size_t n, struct cmp_ages *ages,
                  struct cmp_result *out);
/* The age (s) at now of the oldest data among the offices r read; -1: none. */
int64_t cmp_data_age(const struct cmp_ages *ages, const struct cmp_result *r, uint64_t now);
void cmp_result_free(struct cmp_result *r);
/* attest.c: d (mode A or X, no rule) from the attestations (R27) owned by
 * scope at date at: out->res, note and attested_*; 0 or a source error. */
int cmp_attested(const struct cmp_source *src, const char *scope, const char *at,
                 const struct sd_indicator *d, struct cmp_result *out);
const char *cmp_res_name(enum cmp_res r);
const char *cmp_res_zh(enum cmp_res r);
/* The stricter of two results (fail > unknown > pass > n/a). */
enum cmp_res cmp_stricter(enum cmp_res a, enum cmp_res b);

/* finding.c: inspectors' findings (R28). finding_check: may this node keep
 * item (a Finding) arriving from `from` (the inspector itself, or a child
 * relaying it)? 0 or a refusal (CN_EROLE, CN_ESCOPE, CN_EINVAL) with why.
 * finding_keep stores it and audits it: 0, or 1 when it is held already
 * (it came by another path; nothing written). finding_overlay: for each mode I or
 * A indicator of c, the latest finding for c's office (dated by c->at, of
 * a standard of c's or none) decides it (inspected, inspected_by/at,
 * note). finding_list: those kept for offices beginning with prefix into
 * rep->findings (free with finding_reply_free). finding_date: the China-time
 * date of t. finding_method_ok: one of 审阅材料 现场查看 走访 抽样调查. */
int finding_check(struct roles *r, const Carenet__Item *it, const char *from, char *why,
                  size_t whylen);
int finding_keep(struct roles *r, MDB_txn *txn, const Carenet__Item *it);
int finding_overlay(struct roles *r, MDB_txn *txn, Carenet__ComplianceReply *c);
int finding_list(struct roles *r, MDB_txn *txn, const char *prefix, Carenet__ControlReply *rep);
void finding_reply_free(Carenet__ControlReply *rep);
void finding_date(uint64_t t, char out[SD_DATE_LEN]);
int finding_method_ok(const char *m);

/* The control request compliance, inside the read txn src reads through:
 * rep->compliance (free with compliance_reply_free). Refusals: CN_EINVAL
 * (a bad standard file: FILE:LINE: ID: ..., a bad date), CN_ESCOPE (an
 * office outside this node's subtree), with the reason in r->err. */
int compliance_run(struct roles *r, const Carenet__ComplianceRequest *q,
                   const struct cmp_source *src, Carenet__ControlReply *rep);
void compliance_reply_free(Carenet__ControlReply *rep);

/* province.c: compliance at a province or prefecture from the counties'
 * roll-ups (roles top reads them and hands them here). */
struct prov_county {
	const char *id;
	const char *prefecture;    /* the prefecture it reports through ("" directly) */
	const Carenet__Rollup *ro; /* its latest roll-up, NULL none */
	uint64_t received_at;      /* when it was applied here */
};
struct prov_prefs {             /* the prefectures below, for their roll-up milestone */
	const char *month;         /* the month expected (the last that ended) */
	size_t n;
	const int *has_month;      /* per prefecture: its roll-up of month is held */
};
/* Fills p's standard, counties (in the order given), indicators (the
 * county rows of s: how many counties pass each) and milestones (its
 * province and prefecture rows). 0 or CN_ENOMEM. */
int province_eval(const struct sd_standard *s, const struct prov_county *c, size_t n,
                  const struct prov_prefs *pf, Carenet__ProvinceReply *p);

#endif

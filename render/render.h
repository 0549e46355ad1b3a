/*
 * render: the HTML reports, shared by tools/ (`carenet compliance --html`,
 * `carenet bulletin --html`, `carenet compliance form`) and web/ (the
 * /compliance and /bulletin pages). Each page is one self-contained
 * document (inline CSS and SVG, no script, no network), printable on A4,
 * Chinese first with English beside. Every text from the reply is escaped.
 * The renderers only write what they are given: the callers ask the node
 * (the trend is 6 more evaluations, asked by the caller).
 */
#ifndef CARENET_RENDER_H
#define CARENET_RENDER_H

#include <stdio.h>

#include "control.pb-c.h"

#define RENDER_TREND 6 /* month ends in the trend */

struct render_point {
	char at[11];        /* YYYY-MM-DD */
	unsigned long n[4]; /* pass fail unknown n/a */
};
struct render_trend {
	struct render_point v[RENDER_TREND];
	size_t n;
};

/* The trend's dates: the last day of each of the RENDER_TREND months up to
 * last (YYYY-MM-DD), last itself the final one, oldest first. */
void render_trend_dates(const char *last, char at[RENDER_TREND][11]);
/* One point of the trend: at and the counts per result of c. */
void render_trend_point(struct render_point *p, const char *at, const Carenet__ComplianceReply *c);

/* Counts per result (pass, fail, unknown, n/a) of c's indicators. */
void render_compliance_counts(const Carenet__ComplianceReply *c, unsigned long n[4]);
/* 1 if the standard is met: no applicable indicator other than pass and no
 * veto failing (unknown is not pass). */
int render_compliance_qualifies(const Carenet__ComplianceReply *c);
/* "达标 pass" ... for a result name. */
const char *render_result_zh(const char *result);

/* The compliance report of c; trend (may be NULL): the 6 month ends up to
 * c's date. -1 if f reports a write error. */
int render_compliance_html(const Carenet__ComplianceReply *c, const struct render_trend *trend,
                           FILE *f);
/* Its heat table: indicators with township roll-ups x townships (the
 * bulletin's page shows it too); nothing when no indicator has one. */
void render_townships(FILE *f, const Carenet__ComplianceReply *c);

/* The monthly bulletin with the trend t. */
void render_bulletin_html(const Carenet__BulletinReply *b, const struct render_trend *t, FILE *f);
/* The trend as stacked SVG columns. */
void render_trend(FILE *f, const struct render_trend *t);

/* render_province.c: a province's or prefecture's pages over the counties'
 * roll-ups (rep->province): compliance (counties x verdict, failing
 * indicators, drill-down, milestones, counties per indicator) and the
 * bulletin (b's rows, one per county, in p's county order). */
void render_province_html(const Carenet__ProvinceReply *p, FILE *f);
void render_province_bulletin_html(const Carenet__BulletinReply *b,
                                   const Carenet__ProvinceReply *p, FILE *f);

/* HTML-escaped text (< > & "); the page's head (inline CSS for A4) up to <body>. */
/* render_move.c: a move's state (区划调整) from what its holder saw: complete
 * (the old township's, the village's and the new township's record counts
 * agree and nothing is left under the old id here), handing over, mismatch,
 * switched, ready (both townships hold it), issued; its Chinese in *zh;
 * *agree: the three counts are equal. render_move_step: the step named, or
 * NULL. */
const char *render_move_state(const Carenet__MoveView *m, int *agree, const char **zh);
const Carenet__MoveStepView *render_move_step(const Carenet__MoveView *m, const char *step);
/* What the operators do next at state st (certs/README.md, "Moving a village"), in
 * Chinese (zh) or English, plain text with the command lines (the ids filled in). */
void render_move_next(const Carenet__MoveView *m, const char *st, int zh, char *out, size_t len);

void render_esc(FILE *f, const char *s);
void render_head(FILE *f, const char *title);

#endif

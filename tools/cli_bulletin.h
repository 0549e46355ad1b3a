/*
 * cli_bulletin: `carenet bulletin` (cli_bulletin.c) and its page
 * (cli_bulletin_html.c); `carenet compliance form` (cli_form.c).
 */
#ifndef CARENET_CLI_BULLETIN_H
#define CARENET_CLI_BULLETIN_H

#include <stdio.h>

#include "control.pb-c.h"

#define BUL_TREND 6 /* month ends in the trend */

struct bul_point {
	char at[11];        /* YYYY-MM-DD */
	unsigned long n[4]; /* pass fail unknown n/a */
};
struct bul_trend {
	struct bul_point v[BUL_TREND];
	size_t n;
};

/* The bulletin as one self-contained HTML page (inline CSS and SVG, A4). */
void cli_bulletin_html(const Carenet__BulletinReply *b, const struct bul_trend *t, FILE *f);
/* Shared with cli_form.c: HTML-escaped text; the page's head (inline CSS
 * for A4) up to <body>. */
void cli_html_esc(FILE *f, const char *s);
void cli_html_head(FILE *f, const char *title);

/* The evaluation at the 6 month ends up to last (YYYY-MM-DD, itself the
 * last point), asked of the node (cli_bulletin.c). */
struct config;
int cli_compliance_trend(const char *prog, const struct config *cfg, char **standards, size_t n,
                         const char *office, const char *last, struct bul_trend *t);
/* The trend as stacked SVG columns (cli_bulletin_html.c). */
void cli_html_trend(FILE *f, const struct bul_trend *t);

int cmd_bulletin(int argc, char **argv);
int cmd_compliance_form(int argc, char **argv);

#endif

/*
 * cli_bulletin: `carenet bulletin` (cli_bulletin.c; its page is
 * render/render_bulletin.c); `carenet compliance form` (cli_form.c).
 */
#ifndef CARENET_CLI_BULLETIN_H
#define CARENET_CLI_BULLETIN_H

#include <stdio.h>

#include "control.pb-c.h"
#include "render.h"

/* The evaluation at the 6 month ends up to last (YYYY-MM-DD, itself the
 * last point), asked of the node (cli_bulletin.c). */
struct config;
int cli_compliance_trend(const char *prog, const struct config *cfg, char **standards, size_t n,
                         const char *office, const char *last, struct render_trend *t);
int cmd_bulletin(int argc, char **argv);
int cmd_compliance_form(int argc, char **argv);

/* cli_bulletin_province.c: the bulletin at a province or prefecture (one
 * row per county from its roll-up of the month): table, --json, --csv, --html. */
int cli_province_bulletin(const char *prog, const Carenet__BulletinReply *b,
                          const Carenet__ProvinceReply *p, int json, int csv, const char *html);

#endif

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

#endif

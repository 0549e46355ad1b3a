/*
 * cli_compliance: `carenet standards list|show|check` (the standard files,
 * no node needed) and `carenet compliance` (the node's evaluation: table,
 * --json, --csv with a BOM, --html one self-contained file). The HTML is
 * written by render/render_compliance.c.
 */
#ifndef CARENET_CLI_COMPLIANCE_H
#define CARENET_CLI_COMPLIANCE_H

#include <stdio.h>

#include "control.pb-c.h"
#include "render.h"

/* Prints c as `carenet compliance` does: --json, --csv (BOM), --html FILE
 * (written, without the trend; the error printed as "prog: FILE: ..."),
 * else the table. 0 or the write's error. For `carenet inspect`. */
int cli_compliance_print(const char *prog, const Carenet__ComplianceReply *c, int json, int csv,
                         const char *html);
/* cli_compliance_province.c: compliance at a province or prefecture (the
 * counties' roll-ups): a table, --json, --csv (BOM), --html FILE; times in tz. */
int cli_province_compliance(const char *prog, const Carenet__ProvinceReply *p, const char *tz,
                            int json, int csv, const char *html);

#endif

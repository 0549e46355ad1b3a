/*
 * cli_compliance: `carenet standards list|show|check` (the standard files,
 * no node needed) and `carenet compliance` (the node's evaluation: table,
 * --json, --csv with a BOM, --html one self-contained file). The HTML is
 * written by cli_compliance_html.c.
 */
#ifndef CARENET_CLI_COMPLIANCE_H
#define CARENET_CLI_COMPLIANCE_H

#include <stdio.h>

#include "control.pb-c.h"

/* Counts per result (pass, fail, unknown, n/a) of c's indicators. */
void cli_compliance_counts(const Carenet__ComplianceReply *c, unsigned long n[4]);
/* 1 if the standard is met: no applicable indicator other than pass and no
 * veto failing (unknown is not pass). */
int cli_compliance_qualifies(const Carenet__ComplianceReply *c);
/* "达标 pass" ... for a result name. */
const char *cli_result_zh(const char *result);
/* Prints c as `carenet compliance` does: --json, --csv (BOM), --html FILE
 * (written, without the trend; the error printed as "prog: FILE: ..."),
 * else the table. 0 or the write's error. For `carenet inspect`. */
int cli_compliance_print(const char *prog, const Carenet__ComplianceReply *c, int json, int csv,
                         const char *html);
/* The HTML report of c (Chinese first, English beside; inline CSS and SVG). */
struct bul_trend;
/* The page; trend (may be NULL): the 6 month ends before at (cli_bulletin.h). */
int cli_compliance_html(const Carenet__ComplianceReply *c, const struct bul_trend *trend, FILE *f);
/* Its heat table: indicators with township roll-ups x townships (the
 * bulletin's page shows it too); nothing when no indicator has one. */
void cli_compliance_townships(FILE *f, const Carenet__ComplianceReply *c);

#endif

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
/* The HTML report of c (Chinese first, English beside; inline CSS and SVG). */
int cli_compliance_html(const Carenet__ComplianceReply *c, FILE *f);

#endif

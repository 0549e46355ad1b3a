/*
 * cli_report: the report commands (cli_report.c) and their listings
 * (cli_report_view.c).
 */
#ifndef CARENET_CLI_REPORT_H
#define CARENET_CLI_REPORT_H

#include <stddef.h>

#include "control.pb-c.h"

/* Prints reports: fmt 0 a table (show: one report in full), 1 JSON (list:
 * an array; show: the object), 2 CSV (UTF-8 with a BOM); times in zone tz. */
void cli_report_print(Carenet__ReportState *const *v, size_t n, const char *tz, int show, int fmt);

#endif

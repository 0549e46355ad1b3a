/*
 * cli_record_int: what cli_record.c (options, requests, subcommands) and
 * cli_record_io.c (output formats, RECORD.json and CSV readers) share. Not
 * for use outside `carenet record`, `carenet case` (cli_case.c: cases
 * are records) and `carenet attest` (cli_attest.c: attestations are R27). Functions that print do so on stdout
 * (results) or stderr (problems, each beginning with prog or the file name);
 * the int ones return 0 or a negative CN_E* value.
 */
#ifndef CARENET_CLI_RECORD_INT_H
#define CARENET_CLI_RECORD_INT_H

#include <stddef.h>

#include "control.pb-c.h"

struct json;
struct rec_type;

#define MAX_FILE (256u << 20)
#define MAX_SETS 64

struct ropts {
	const char *cfgpath, *type, *file, *reason, *note, *office, *stale;
	const char *sets[MAX_SETS], *wheres[MAX_SETS];
	size_t nsets, nwheres;
	int json, csv, reveal, example, dry_run;
	const char *operand;
};

/* cli_record.c: sends the inputs; prints the ids (or every problem after prefix). */
int record_send_write(const char *prog, const struct ropts *o, Carenet__RecordInput **in,
                      size_t n, const char *prefix);

/* cli_record_io.c: output. record_json writes one record (with its changed
 * fields when history); record_print the reply's records as o asks (--json,
 * --csv in t's layout when t is given, else text). */
void record_json(struct json *j, const Carenet__RecordVersion *m, int history);
/* The same as the member key of an object. */
void record_json_key(struct json *j, const char *key, const Carenet__RecordVersion *m,
                     int history);
/* record template: the BOM, t's Chinese column names and, if example, the
 * example row (base/csv.c writes every CSV; exports put 记录编号 first). */
void record_print(const struct rec_type *t, const Carenet__ControlReply *rep,
                  const struct ropts *o, int history);

/* cli_record_io.c: inputs (built with roles.h's roles_record_input_new). */
/* --file RECORD.json: {"FIELD": "VALUE", ...} or {"type": T, "fields": {...}}.
 * *inp: caller frees (roles_record_input_free); *type, if the file names one,
 * points to storage valid until the next call. */
int record_json_fields(const char *prog, const char *path, Carenet__RecordInput **inp,
                       const char **type);
/* record import: reads o->operand as rows of t (roles_record_csv: UTF-8 or
 * GB18030) and, if every row is well formed, sends them all
 * (record_send_write). */
int record_import_run(const char *prog, const struct ropts *o, const struct rec_type *t);

#endif

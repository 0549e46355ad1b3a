/*
 * cli_record_io: the formats of `carenet record`: records printed as text,
 * CSV (the template's layout) or JSON; RecordInputs built from a --file
 * RECORD.json; record import, whose CSV ledger roles_record_csv reads
 * (roles/records/record_csv.c, the one reader, which the web's import form
 * calls too).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_record_int.h"
#include "csv.h"
#include "err.h"
#include "json.h"
#include "roles.h"
#include "util.h"

/* ------------------------------------------------------------ output */

void record_json(struct json *j, const Carenet__RecordVersion *m, int history)
{
	record_json_key(j, NULL, m, history);
}

void record_json_key(struct json *j, const char *key, const Carenet__RecordVersion *m,
                     int history)
{
	json_obj_begin(j, key);
	json_str(j, "id", m->id);
	json_str(j, "type", m->type);
	json_str(j, "owner", m->owner);
	json_u64(j, "version", m->version);
	json_bool(j, "closed", m->closed);
	if (m->closed) {
		json_str(j, "close_reason", m->close_reason);
		json_str(j, "close_note", m->close_note);
	}
	json_u64(j, "changed_at", m->changed_at);
	json_str(j, "changed_by", m->changed_by);
	json_obj_begin(j, "fields");
	for (size_t i = 0; i < m->n_fields; i++)
		json_str(j, m->fields[i]->name, m->fields[i]->value);
	json_obj_end(j);
	if (history) {
		json_arr_begin(j, "changed");
		for (size_t i = 0; i < m->n_changed; i++)
			json_str(j, NULL, m->changed[i]);
		json_arr_end(j);
	}
	json_obj_end(j);
}

static const char *value_of(const Carenet__RecordVersion *m, const char *name)
{
	for (size_t i = 0; i < m->n_fields; i++)
		if (!strcmp(m->fields[i]->name, name))
			return m->fields[i]->value;
	return "";
}

/* One row of the export's layout through base/csv.c: with_id puts id first
 * (记录编号 in the header row, id NULL); header: t's column names, else m's
 * values. (The template: roles_record_csv_template, roles/records.) */
static void csv_row(const struct rec_type *t, int with_id, const char *id,
                    const Carenet__RecordVersion *m, int header)
{
	const char *cells[REC_MAX_FIELDS + 1];
	size_t n = 0;

	if (with_id)
		cells[n++] = header ? "记录编号" : id;
	for (size_t i = 0; i < t->nfields && n < REC_MAX_FIELDS + 1; i++)
		cells[n++] = header ? t->fields[i].zh : value_of(m, t->fields[i].name);
	csv_write_row(stdout, cells, n);
}

void record_print(const struct rec_type *t, const Carenet__ControlReply *rep,
                  const struct ropts *o, int history)
{
	struct json j;

	if (o->json) {
		json_init(&j, stdout);
		json_arr_begin(&j, NULL);
		for (size_t i = 0; i < rep->n_records; i++)
			record_json(&j, rep->records[i], history);
		json_arr_end(&j);
		json_finish(&j);
		return;
	}
	if (o->csv && t) {
		csv_write_bom(stdout);
		csv_row(t, 1, NULL, NULL, 1);
		for (size_t i = 0; i < rep->n_records; i++)
			csv_row(t, 1, rep->records[i]->id, rep->records[i], 0);
		return;
	}
	for (size_t i = 0; i < rep->n_records; i++) {
		const Carenet__RecordVersion *m = rep->records[i];
		printf("%s  %s  owner %s  version %llu%s%s\n", m->id, m->type, m->owner,
		       (unsigned long long)m->version, m->closed ? "  closed 已关闭: " : "",
		       m->closed ? m->close_reason : "");
		if (history) {
			printf("  changed by %s at %llu:", m->changed_by,
			       (unsigned long long)m->changed_at);
			for (size_t k = 0; k < m->n_changed; k++)
				printf(" %s", m->changed[k]);
			printf("\n");
			continue;
		}
		const struct rec_type *mt = roles_record_type(m->type);
		for (size_t k = 0; mt && k < mt->nfields; k++) {
			const char *v = value_of(m, mt->fields[k].name);
			if (v[0])
				printf("  %s %s: %s\n", mt->fields[k].zh, mt->fields[k].name, v);
		}
		for (size_t k = 0; mt && k < m->n_fields; k++) /* review, transfer_to */
			if (roles_record_field(mt, m->fields[k]->name) < 0)
				printf("  %s: %s\n", m->fields[k]->name, m->fields[k]->value);
	}
	if (!rep->n_records)
		printf("no records (无记录)\n");
}

/* ------------------------------------------------------------ inputs */

/* ---- a small reader for --file RECORD.json (objects of strings) */

struct jr {
	const char *p, *end;
	char err[128];
};

static void jr_ws(struct jr *r)
{
	while (r->p < r->end && strchr(" \t\r\n", *r->p))
		r->p++;
}

static void put_utf8(char **o, unsigned cp)
{
	char *q = *o;
	if (cp < 0x80) {
		*q++ = (char)cp;
	} else if (cp < 0x800) {
		*q++ = (char)(0xc0 | cp >> 6);
		*q++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*q++ = (char)(0xe0 | cp >> 12);
		*q++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*q++ = (char)(0x80 | (cp & 0x3f));
	}
	*o = q;
}

/* A string, a number or true/false (as text); malloc'd into *out. */
static int jr_scalar(struct jr *r, char **out)
{
	char *o, *buf;

	jr_ws(r);
	if (!(buf = malloc((size_t)(r->end - r->p) + 1)))
		return CN_ENOMEM;
	o = buf;
	if (r->p < r->end && *r->p == '"') {
		for (r->p++; r->p < r->end && *r->p != '"'; r->p++) {
			unsigned cp;
			if (*r->p != '\\') {
				*o++ = *r->p;
				continue;
			}
			if (++r->p == r->end)
				break;
			switch (*r->p) {
			case 'n': *o++ = '\n'; break;
			case 't': *o++ = '\t'; break;
			case 'u':
				if (r->end - r->p < 5 || sscanf(r->p + 1, "%4x", &cp) != 1)
					goto bad;
				put_utf8(&o, cp);
				r->p += 4;
				break;
			default: *o++ = *r->p;
			}
		}
		if (r->p == r->end)
			goto bad;
		r->p++;
	} else {
		while (r->p < r->end && !strchr(",}] \t\r\n", *r->p))
			*o++ = *r->p++;
		if (o == buf)
			goto bad;
	}
	*o = 0;
	*out = buf;
	return 0;
bad:
	free(buf);
	snprintf(r->err, sizeof(r->err), "expected a string or a number");
	return CN_EINVAL;
}

static int jr_object(struct jr *r, Carenet__RecordInput *in, char **type, int depth)
{
	char *key = NULL, *val = NULL;
	int rc;

	jr_ws(r);
	if (r->p == r->end || *r->p++ != '{')
		return snprintf(r->err, sizeof(r->err), "expected {"), CN_EINVAL;
	jr_ws(r);
	if (r->p < r->end && *r->p == '}')
		return r->p++, 0;
	for (;;) {
		if ((rc = jr_scalar(r, &key)) != 0)
			return rc;
		jr_ws(r);
		if (r->p == r->end || *r->p++ != ':') {
			free(key);
			return snprintf(r->err, sizeof(r->err), "expected :"), CN_EINVAL;
		}
		jr_ws(r);
		if (!depth && !strcmp(key, "fields") && r->p < r->end && *r->p == '{') {
			rc = jr_object(r, in, type, 1);
		} else if ((rc = jr_scalar(r, &val)) == 0) {
			if (!depth && !strcmp(key, "type")) {
				free(*type);
				*type = val;
				val = NULL;
			} else if (!depth && (!strcmp(key, "id") || !strcmp(key, "owner") ||
			                      !strcmp(key, "version"))) {
				/* the shape `record show --json` prints: ignored */
			} else if (in->n_set == MAX_SETS * 2) {
				rc = CN_ETOOBIG;
			} else if (!(in->set[in->n_set] =
			                 roles_record_field_new(key, strlen(key), val, 0))) {
				rc = CN_ENOMEM;
			} else {
				in->n_set++;
			}
		}
		free(key);
		free(val);
		key = val = NULL;
		if (rc)
			return rc;
		jr_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == '}')
			return r->p++, 0;
		return snprintf(r->err, sizeof(r->err), "expected , or }"), CN_EINVAL;
	}
}

int record_json_fields(const char *prog, const char *path, Carenet__RecordInput **inp,
                       const char **type)
{
	static char *ftype;
	uint8_t *buf = NULL;
	size_t len = 0;
	struct jr r;
	int rc;

	if ((rc = util_read_file(path, MAX_FILE, &buf, &len)) != 0) {
		fprintf(stderr, "%s: cannot read %s: %s\n", prog, path, cn_strerror(rc));
		return rc;
	}
	if (!(*inp = roles_record_input_new(NULL, NULL, MAX_SETS * 2))) {
		free(buf);
		return CN_ENOMEM;
	}
	r.p = (const char *)buf;
	r.end = r.p + len;
	r.err[0] = 0;
	free(ftype);
	ftype = NULL;
	if ((rc = jr_object(&r, *inp, &ftype, 0)) != 0) {
		fprintf(stderr, "%s: %s: byte %zu: %s (不是有效的 JSON)\n", prog, path,
		        (size_t)(r.p - (const char *)buf), r.err[0] ? r.err : cn_strerror(rc));
		roles_record_input_free(*inp);
		*inp = NULL;
	} else if (ftype) {
		*type = ftype;
	}
	free(buf);
	return rc;
}

/* ----------------------------------------------------- CSV ledgers */

/* roles_record_csv reads the file (UTF-8 or GB18030); its problems and the
 * node's are printed after the file name. */
int record_import_run(const char *prog, const struct ropts *o, const struct rec_type *t)
{
	struct rec_sheet s;
	uint8_t *buf = NULL;
	size_t len = 0;
	char prefix[1100];
	int rc;

	if ((rc = util_read_file(o->operand, MAX_FILE, &buf, &len)) != 0) {
		fprintf(stderr, "%s: cannot read %s: %s\n", prog, o->operand, cn_strerror(rc));
		return rc;
	}
	rc = roles_record_csv(t, buf, len, &s);
	free(buf);
	for (size_t i = 0; i < s.nproblems; i++)
		if (isdigit((unsigned char)s.problems[i][0]))
			fprintf(stderr, "%s:%s\n", o->operand, s.problems[i]);
		else
			fprintf(stderr, "%s: %s: %s\n", prog, o->operand, s.problems[i]);
	if (rc == CN_EINVAL)
		fprintf(stderr, "%s: %zu problem(s); nothing was written (未导入)\n", prog,
		        s.nproblems);
	snprintf(prefix, sizeof(prefix), "%s:", o->operand);
	if (rc == 0)
		rc = record_send_write(prog, o, s.in, s.n, prefix);
	roles_record_sheet_free(&s);
	return rc;
}

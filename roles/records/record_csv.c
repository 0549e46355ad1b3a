/*
 * record_csv: a CSV ledger read into RecordInputs (roles.h, "A CSV
 * ledger"), the one reader of ledgers: `carenet record import` (tools/)
 * and the web's import form (web/) both call roles_record_csv and send
 * what it gives in one record_write request, so the node's validation and
 * its "LINE:COLUMN: ..." problems are the same for both. Files are UTF-8
 * (with or without BOM) or GB18030 (what Excel writes on Chinese Windows):
 * a file that is not valid UTF-8 is converted with iconv. The reader's own
 * problems (encoding, header, a row's cell count, CSV syntax) are worded as
 * the node words its own. No sockets, no files: bytes in, inputs out. And
 * the template this reader takes (the header, an example row), written
 * to a stream the caller gives: the CLI's stdout, the web's download.
 */
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arr.h"
#include "csv.h"
#include "err.h"
#include "roles.h"
#include "utf8.h"

#define MAP_ID (-2) /* the column 记录编号 (id) */

Carenet__Field *roles_record_field_new(const char *name, size_t nlen, const char *value,
                                       unsigned col)
{
	Carenet__Field *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	carenet__field__init(f);
	f->name = strndup(name, nlen);
	f->value = strdup(value);
	f->column = col;
	if (!f->name || !f->value) {
		free(f->name);
		free(f->value);
		free(f);
		return NULL;
	}
	return f;
}

void roles_record_input_free(Carenet__RecordInput *in)
{
	if (!in)
		return;
	if (in->id && in->id[0])
		free(in->id); /* import rows own theirs; the CLI resets one it lent */
	for (size_t k = 0; k < in->n_set; k++) {
		free(in->set[k]->name);
		free(in->set[k]->value);
		free(in->set[k]);
	}
	free(in->set);
	free(in);
}

Carenet__RecordInput *roles_record_input_new(const char *type, const char *id, size_t nfields)
{
	Carenet__RecordInput *in = calloc(1, sizeof(*in));

	if (!in)
		return NULL;
	carenet__record_input__init(in);
	in->type = (char *)(type ? type : "");
	in->id = (char *)(id ? id : "");
	if (nfields && !(in->set = calloc(nfields, sizeof(*in->set)))) {
		free(in);
		return NULL;
	}
	return in;
}

void roles_record_sheet_free(struct rec_sheet *s)
{
	for (size_t i = 0; i < s->n; i++)
		roles_record_input_free(s->in[i]);
	free(s->in);
	for (size_t i = 0; i < s->nproblems; i++)
		free(s->problems[i]);
	free(s->problems);
	for (size_t i = 0; i < s->ncols; i++)
		free(s->cols[i]);
	memset(s, 0, sizeof(*s));
}

/* One problem: "LINE:COLUMN: what" (line 0: the words alone). */
static void problem(struct rec_sheet *s, unsigned line, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void problem(struct rec_sheet *s, unsigned line, size_t col, const char *fmt, ...)
{
	char msg[1024];
	int off = 0;
	va_list ap;

	if (line)
		off = snprintf(msg, sizeof(msg), "%u:%zu: ", line, col);
	va_start(ap, fmt);
	vsnprintf(msg + off, sizeof(msg) - (size_t)off, fmt, ap);
	va_end(ap);
	if (ARR_GROW(s->problems, s->nproblems + 1, s->pcap) ||
	    !(s->problems[s->nproblems] = strdup(msg))) {
		s->oom = 1;
		return;
	}
	s->nproblems++;
}

/* UTF-8 as is (a BOM dropped), anything else from GB18030: *out malloc'd. */
static int decode(struct rec_sheet *s, const uint8_t *data, size_t len, char **out, size_t *olen)
{
	iconv_t cd;
	char *in, *o;
	size_t il, ol, cap;

	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
		data += 3, len -= 3;
	if (utf8_valid((const char *)data, len)) {
		if (!(*out = malloc(len ? len : 1)))
			return CN_ENOMEM;
		memcpy(*out, data, len);
		*olen = len;
		return 0;
	}
	if ((cd = iconv_open("UTF-8", "GB18030")) == (iconv_t)-1) {
		problem(s, 0, 0,
		        "not UTF-8, and this system cannot convert GB18030; save the file "
		        "as CSV UTF-8");
		return CN_EINVAL;
	}
	cap = len * 2 + 16;
	if (!(*out = malloc(cap))) {
		iconv_close(cd);
		return CN_ENOMEM;
	}
	in = (char *)data, il = len, o = *out, ol = cap;
	if (iconv(cd, &in, &il, &o, &ol) == (size_t)-1) {
		problem(s, 0, 0,
		        "byte %zu is neither UTF-8 nor GB18030 (编码错误); save the file as "
		        "CSV UTF-8",
		        (size_t)(in - (const char *)data));
		iconv_close(cd);
		free(*out);
		*out = NULL;
		return CN_EINVAL;
	}
	iconv_close(cd);
	*olen = cap - ol;
	return 0;
}

/* The header row: each column's field (map), or a problem. */
static void header(const struct rec_type *t, const struct csv *c, struct rec_sheet *s)
{
	s->width = c->n;
	for (size_t i = 0; i < c->n && i < REC_MAX_FIELDS + 1; i++) {
		if (!(s->cols[i] = strdup(c->cells[i]))) {
			s->oom = 1;
			return;
		}
		s->ncols = i + 1;
	}
	if (c->n > REC_MAX_FIELDS + 1) {
		problem(s, c->line, c->n, "%zu columns; expected at most %d", c->n,
		        REC_MAX_FIELDS + 1);
		s->bad_header = 1;
		return;
	}
	for (size_t i = 0; i < c->n; i++) {
		if (!strcmp(c->cells[i], "记录编号") || !strcmp(c->cells[i], "id")) {
			s->map[i] = MAP_ID;
			continue;
		}
		if ((s->map[i] = roles_record_field(t, c->cells[i])) < 0) {
			problem(s, c->line, i + 1,
			        "unknown column '%s'; expected a column of carenet "
			        "record template --type %s",
			        c->cells[i], t->name);
			s->bad_header = 1;
		}
	}
}

/* A row under the header: one input (none after a bad header: its cells
 * have no fields to go to; their count is still checked). */
static int row(const struct rec_type *t, const struct csv *c, struct rec_sheet *s)
{
	Carenet__RecordInput *in;

	if (c->n != s->width) {
		problem(s, c->line, c->n < s->width ? c->n : s->width + 1,
		        "%zu cells; expected %zu as in the header (a truncated line?)", c->n,
		        s->width);
		return 0;
	}
	if (s->bad_header)
		return 0;
	if (ARR_GROW(s->in, s->n + 1, s->cap) ||
	    !(in = roles_record_input_new(t->name, NULL, s->width)))
		return CN_ENOMEM;
	s->in[s->n++] = in;
	in->line = c->line;
	for (size_t i = 0; i < c->n; i++) {
		const char *name = t->fields[s->map[i] < 0 ? 0 : s->map[i]].name;
		if (s->map[i] == MAP_ID) {
			if (c->cells[i][0] && !(in->id = strdup(c->cells[i])))
				return in->id = "", CN_ENOMEM;
			continue;
		}
		if (!(in->set[in->n_set] =
		          roles_record_field_new(name, strlen(name), c->cells[i], (unsigned)i + 1)))
			return CN_ENOMEM;
		in->n_set++;
	}
	if (in->id[0])
		in->type = "";
	return 0;
}

int roles_record_csv(const struct rec_type *t, const void *data, size_t len, struct rec_sheet *s)
{
	struct csv c;
	char *text = NULL;
	size_t tlen = 0;
	int rc, got = 0;

	memset(s, 0, sizeof(*s));
	if ((rc = decode(s, data, len, &text, &tlen)) != 0)
		return s->oom ? CN_ENOMEM : rc;
	csv_init(&c, text, tlen);
	for (rc = 0; rc == 0 && !s->oom && (got = csv_next(&c)) == 1;) {
		if (s->width)
			rc = row(t, &c, s);
		else
			header(t, &c, s);
	}
	if (rc == 0 && got == CN_ENOMEM)
		rc = CN_ENOMEM;
	else if (rc == 0 && got < 0)
		problem(s, c.errline, c.errcol, "%s", c.err);
	csv_free(&c);
	free(text);
	if (rc == 0 && !s->nproblems && !s->n)
		problem(s, 0, 0, "no rows under the header; expected one row a record");
	if (rc == 0 && s->oom)
		rc = CN_ENOMEM;
	if (rc || s->nproblems) { /* nothing to send */
		for (size_t i = 0; i < s->n; i++)
			roles_record_input_free(s->in[i]);
		s->n = 0;
	}
	return rc ? rc : s->nproblems ? CN_EINVAL : 0;
}

int roles_record_csv_template(const struct rec_type *t, int example, FILE *f)
{
	const char *cells[REC_MAX_FIELDS];
	size_t n = t->nfields < REC_MAX_FIELDS ? t->nfields : REC_MAX_FIELDS;

	csv_write_bom(f);
	for (size_t i = 0; i < n; i++)
		cells[i] = t->fields[i].zh;
	csv_write_row(f, cells, n);
	if (example) {
		for (size_t i = 0; i < n; i++)
			cells[i] = t->fields[i].example ? t->fields[i].example : "";
		csv_write_row(f, cells, n);
	}
	return ferror(f) ? -1 : 0;
}

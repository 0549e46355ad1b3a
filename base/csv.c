/* csv: the ledger reader (see csv.h). */
#include "csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arr.h"
#include "err.h"

void csv_init(struct csv *c, const char *data, size_t len)
{
	memset(c, 0, sizeof(*c));
	c->p = data;
	c->end = data + len;
	c->nextline = 1;
}

void csv_free(struct csv *c)
{
	free(c->cells);
	free(c->buf);
	free(c->offs);
	memset(c, 0, sizeof(*c));
}

static int put(struct csv *c, char ch)
{
	if (ARR_GROW(c->buf, c->blen + 1, c->bcap))
		return CN_ENOMEM;
	c->buf[c->blen++] = ch;
	return 0;
}

/* Ends the current cell: a NUL and its offset. */
static int end_cell(struct csv *c)
{
	if (put(c, 0))
		return CN_ENOMEM;
	c->n++;
	return 0;
}

static int fail(struct csv *c, unsigned line, unsigned col, const char *what)
{
	snprintf(c->err, sizeof(c->err), "%s", what);
	c->errline = line;
	c->errcol = col;
	return CN_EINVAL;
}

/* One quoted cell, p after the opening quote. */
static int quoted(struct csv *c, unsigned col)
{
	unsigned line = c->nextline;

	for (;;) {
		if (c->p == c->end)
			return fail(c, line, col,
			            "unterminated quoted field (a truncated line?), expected "
			            "a closing \"");
		if (*c->p == '"') {
			if (c->p + 1 < c->end && c->p[1] == '"') {
				c->p += 2;
				if (put(c, '"'))
					return CN_ENOMEM;
				continue;
			}
			c->p++;
			if (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r')
				return fail(c, c->nextline, col,
				            "text after a closing quote, expected a comma or "
				            "the end of the line");
			return 0;
		}
		if (*c->p == '\n')
			c->nextline++;
		if (put(c, *c->p++))
			return CN_ENOMEM;
	}
}

/* Skips empty lines; 1 if a row starts at p. */
static int skip_blank(struct csv *c)
{
	while (c->p < c->end && (*c->p == '\n' || *c->p == '\r')) {
		if (*c->p == '\n')
			c->nextline++;
		c->p++;
	}
	return c->p < c->end;
}

int csv_next(struct csv *c)
{
	unsigned col = 1;
	int rc;

	c->n = c->blen = 0;
	if (!skip_blank(c))
		return 0;
	c->line = c->nextline;
	for (;;) {
		if (ARR_GROW(c->offs, c->n + 1, c->ocap))
			return CN_ENOMEM;
		c->offs[c->n] = c->blen;
		if (c->p < c->end && *c->p == '"') {
			c->p++;
			if ((rc = quoted(c, col)) != 0)
				return rc;
		} else {
			while (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r')
				if (put(c, *c->p++))
					return CN_ENOMEM;
		}
		if ((rc = end_cell(c)) != 0)
			return rc;
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			col++;
			continue;
		}
		if (c->p < c->end && *c->p == '\r')
			c->p++;
		if (c->p < c->end && *c->p == '\n') {
			c->p++;
			c->nextline++;
		}
		break;
	}
	if (ARR_GROW(c->cells, c->n, c->cap))
		return CN_ENOMEM;
	for (size_t i = 0; i < c->n; i++)
		c->cells[i] = c->buf + c->offs[i];
	return 1;
}

void csv_write_bom(FILE *f)
{
	fputs("\xef\xbb\xbf", f);
}

void csv_write_row(FILE *f, const char *const *cells, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *c = cells[i] ? cells[i] : "";
		if (i)
			fputc(',', f);
		if (!c[strcspn(c, ",\"\r\n")]) {
			fputs(c, f);
			continue;
		}
		fputc('"', f);
		for (; *c; c++) {
			if (*c == '"')
				fputc('"', f);
			fputc(*c, f);
		}
		fputc('"', f);
	}
	fputs("\r\n", f);
}

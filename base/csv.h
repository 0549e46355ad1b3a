/*
 * csv: a small RFC 4180 reader for ledgers exported by spreadsheets.
 * Fields separated by commas, rows by LF or CRLF; a field in double quotes
 * may hold commas, newlines and doubled quotes (""). A quote that is never
 * closed (a truncated file) and text after a closing quote are errors.
 * Lines that are entirely empty are skipped. The input is bytes: decoding
 * (BOM, GB18030) is the caller's.
 *
 *   struct csv c;
 *   csv_init(&c, data, len);
 *   while ((rc = csv_next(&c)) == 1)
 *       use c.cells[0 .. c.n-1], starting on line c.line;
 *   if (rc < 0) report c.err at c.errline:c.errcol
 *   csv_free(&c);
 *
 * Memory: cells point into the reader, valid until the next csv_next or
 * csv_free. Thread: one reader per thread. Errors: CN_EINVAL (malformed,
 * with err/errline/errcol set), CN_ENOMEM.
 */
#ifndef CARENET_CSV_H
#define CARENET_CSV_H

#include <stddef.h>
#include <stdio.h>

struct csv {
	const char *p, *end;
	unsigned nextline; /* line of p */
	unsigned line;     /* first line of the current row */
	char **cells;
	size_t n, cap;
	char *buf;
	size_t blen, bcap;
	size_t *offs;
	size_t ocap;
	char err[160];
	unsigned errline, errcol;
};

void csv_init(struct csv *c, const char *data, size_t len);
/* 1 with the next row in cells/n, 0 at the end, or a negative error. */
int csv_next(struct csv *c);
void csv_free(struct csv *c);

/* Writing, for every listing's --csv: UTF-8 with a BOM first (so Excel
 * opens Chinese correctly), rows ended by CRLF, a cell quoted when it holds
 * a comma, quote, CR or LF (quotes doubled). Write errors show in ferror(f). */
void csv_write_bom(FILE *f);
void csv_write_row(FILE *f, const char *const *cells, size_t n);

#endif

/*
 * table: the text tables the commands print, aligned by display width (a
 * CJK character takes two columns: utf8_width), so Chinese names, states
 * and headings line up. Columns are as wide as their widest cell plus two
 * spaces; the last column is not padded.
 *
 *   struct table t;
 *   table_init(&t, 3);
 *   table_add(&t, (const char *[]){"ID", "NAME", "STATE"});
 *   ... one table_add per row, table_line for a line under a row ...
 *   table_print(&t, stdout);   (prints and frees)
 *
 * Cells are copied. Thread: one table per thread. Out of memory: the rows
 * that could not be kept are left out (table_print prints what it has).
 */
#ifndef CARENET_TABLE_H
#define CARENET_TABLE_H

#include <stddef.h>
#include <stdio.h>

struct table {
	size_t ncols, n, cap, lcap;
	char **cells;         /* n rows of ncols */
	unsigned char *lines; /* per row: 1 = a free line (cells[0] only), not aligned */
};

void table_init(struct table *t, size_t ncols);
/* One row of t->ncols cells (NULL cells print as ""). */
void table_add(struct table *t, const char *const *cells);
/* A line printed as is between rows (a note under the row before), not
 * counted in the column widths. */
void table_line(struct table *t, const char *text);
void table_print(struct table *t, FILE *f);
void table_free(struct table *t);

#endif

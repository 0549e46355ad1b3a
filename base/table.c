/* table: see table.h. */
#include "table.h"
#include "arr.h"
#include "utf8.h"
#include "util.h"

#include <stdlib.h>

void table_init(struct table *t, size_t ncols)
{
	t->ncols = ncols;
	t->n = t->cap = t->lcap = 0;
	t->cells = NULL;
	t->lines = NULL;
}

static void add(struct table *t, const char *const *cells, int line)
{
	size_t at = t->n * t->ncols;

	if (ARR_GROW(t->cells, at + t->ncols, t->cap) || ARR_GROW(t->lines, t->n + 1, t->lcap))
		return;
	for (size_t i = 0; i < t->ncols; i++)
		t->cells[at + i] = line && i ? NULL : util_strdup(cells[i] ? cells[i] : "");
	t->lines[t->n++] = (unsigned char)line;
}

void table_add(struct table *t, const char *const *cells)
{
	add(t, cells, 0);
}

void table_line(struct table *t, const char *text)
{
	add(t, &text, 1);
}

void table_print(struct table *t, FILE *f)
{
	int w[32] = {0};
	size_t nc = t->ncols < 32 ? t->ncols : 32;

	for (size_t r = 0; r < t->n; r++)
		for (size_t c = 0; c < nc && !t->lines[r]; c++) {
			const char *s = t->cells[r * t->ncols + c];
			int cw = s ? utf8_width(s) : 0;
			w[c] = cw > w[c] ? cw : w[c];
		}
	for (size_t r = 0; r < t->n; r++) {
		char **row = t->cells + r * t->ncols;
		size_t last = nc; /* cells after the last non-empty one are not padded */

		if (t->lines[r]) {
			fprintf(f, "%s\n", row[0] ? row[0] : "");
			continue;
		}
		while (last > 1 && (!row[last - 1] || !row[last - 1][0]))
			last--;
		for (size_t c = 0; c < last; c++) {
			if (c + 1 == last)
				fprintf(f, "%s", row[c] ? row[c] : "");
			else
				utf8_pad(f, row[c] ? row[c] : "", w[c] + 2);
		}
		fputc('\n', f);
	}
	table_free(t);
}

void table_free(struct table *t)
{
	for (size_t i = 0; i < t->n * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->lines);
	table_init(t, t->ncols);
}

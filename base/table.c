/* table: see table.h. */
#include "table.h"
#include "arr.h"
#include "utf8.h"
#include "util.h"

#include <stdlib.h>

void table_init(struct table *t, size_t ncols)
{
	t->ncols = ncols;
	t->n = t->cap = 0;
	t->cells = NULL;
}

void table_add(struct table *t, const char *const *cells)
{
	size_t at = t->n * t->ncols;

	if (ARR_GROW(t->cells, at + t->ncols, t->cap))
		return;
	for (size_t i = 0; i < t->ncols; i++)
		t->cells[at + i] = util_strdup(cells[i] ? cells[i] : "");
	t->n++;
}

void table_print(struct table *t, FILE *f)
{
	int w[32] = {0};
	size_t nc = t->ncols < 32 ? t->ncols : 32;

	for (size_t r = 0; r < t->n; r++)
		for (size_t c = 0; c < nc; c++) {
			const char *s = t->cells[r * t->ncols + c];
			int cw = s ? utf8_width(s) : 0;
			w[c] = cw > w[c] ? cw : w[c];
		}
	for (size_t r = 0; r < t->n; r++) {
		char **row = t->cells + r * t->ncols;
		size_t last = nc; /* cells after the last non-empty one are not padded */
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
	table_init(t, t->ncols);
}

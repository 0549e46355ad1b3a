/* test_csv: the ledger reader (base/csv.c). */
#include <stdlib.h>

#include "check.h"
#include "csv.h"
#include "err.h"

static void rows(void)
{
	const char *in = "a,b,c\r\n\"x,1\",\"say \"\"hi\"\"\",\"two\nlines\"\n\n,,\nlast";
	struct csv c;

	csv_init(&c, in, strlen(in));
	CHECK_INT(csv_next(&c), 1);
	CHECK_INT(c.line, 1);
	CHECK_INT(c.n, 3);
	CHECK_STR(c.cells[2], "c");
	CHECK_INT(csv_next(&c), 1);
	CHECK_INT(c.line, 2);
	CHECK_INT(c.n, 3);
	CHECK_STR(c.cells[0], "x,1");
	CHECK_STR(c.cells[1], "say \"hi\"");
	CHECK_STR(c.cells[2], "two\nlines");
	CHECK_INT(csv_next(&c), 1); /* the blank line 4 is skipped */
	CHECK_INT(c.line, 5);
	CHECK_INT(c.n, 3);
	CHECK_STR(c.cells[1], "");
	CHECK_INT(csv_next(&c), 1);
	CHECK_INT(c.line, 6);
	CHECK_INT(c.n, 1);
	CHECK_STR(c.cells[0], "last");
	CHECK_INT(csv_next(&c), 0);
	csv_free(&c);
}

static void errors(void)
{
	const char *trunc = "a,b\n1,\"open\n";
	const char *after = "a,\"b\"x\n";
	struct csv c;

	csv_init(&c, trunc, strlen(trunc));
	CHECK_INT(csv_next(&c), 1);
	CHECK_INT(csv_next(&c), CN_EINVAL);
	CHECK_INT(c.errline, 2);
	CHECK_INT(c.errcol, 2);
	CHECK(strstr(c.err, "unterminated") != NULL);
	csv_free(&c);
	csv_init(&c, after, strlen(after));
	CHECK_INT(csv_next(&c), CN_EINVAL);
	CHECK_INT(c.errcol, 2);
	CHECK(strstr(c.err, "after a closing quote") != NULL);
	csv_free(&c);
}

/* The writer: a BOM, CRLF rows, quoting only where needed; the reader
 * reads back what it wrote (Chinese, commas, quotes, newlines). */
static void writer(void)
{
	const char *const head[] = {"id", "name", "note"};
	const char *const row[] = {"530102001", "第1乡镇工作站, 五华区", "say \"hi\"\nbye"};
	const char *const empty[] = {"", NULL};
	const char *want = "\xef\xbb\xbfid,name,note\r\n"
	                   "530102001,\"第1乡镇工作站, 五华区\",\"say \"\"hi\"\"\nbye\"\r\n"
	                   ",\r\n";
	char *buf = NULL;
	size_t len = 0;
	struct csv c;
	FILE *f = open_memstream(&buf, &len);

	CHECK(f != NULL);
	csv_write_bom(f);
	csv_write_row(f, head, 3);
	csv_write_row(f, row, 3);
	csv_write_row(f, empty, 2);
	CHECK(!ferror(f));
	fclose(f);
	CHECK_STR(buf, want);
	csv_init(&c, buf + 3, len - 3);
	CHECK_INT(csv_next(&c), 1);
	CHECK_INT(c.n, 3);
	CHECK_STR(c.cells[2], "note");
	CHECK_INT(csv_next(&c), 1);
	CHECK_INT(c.n, 3);
	CHECK_STR(c.cells[1], row[1]);
	CHECK_STR(c.cells[2], row[2]);
	CHECK_INT(csv_next(&c), 1);
	CHECK_INT(c.n, 2);
	CHECK_STR(c.cells[0], "");
	CHECK_INT(csv_next(&c), 0);
	csv_free(&c);
	free(buf);
}

int main(void)
{
	rows();
	errors();
	writer();
	printf("test_csv: %d checks, %d failures\n", checks, failures);
	return failures != 0;
}

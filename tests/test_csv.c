/* test_csv: the ledger reader (base/csv.c). */
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

int main(void)
{
	rows();
	errors();
	printf("test_csv: %d checks, %d failures\n", checks, failures);
	return failures != 0;
}

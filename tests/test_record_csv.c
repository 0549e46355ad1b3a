/* test_record_csv: the one CSV ledger reader (roles/records/record_csv.c),
 * which `carenet record import` and the web's import form both call. */
#include <iconv.h>
#include <stdlib.h>

#include "check.h"
#include "err.h"
#include "roles.h"

static const char *value(const Carenet__RecordInput *in, const char *name)
{
	for (size_t i = 0; i < in->n_set; i++)
		if (!strcmp(in->set[i]->name, name))
			return in->set[i]->value;
	return NULL;
}

static unsigned column(const Carenet__RecordInput *in, const char *name)
{
	for (size_t i = 0; i < in->n_set; i++)
		if (!strcmp(in->set[i]->name, name))
			return in->set[i]->column;
	return 0;
}

static int read_sheet(const char *type, const char *text, size_t len, struct rec_sheet *s)
{
	return roles_record_csv(roles_record_type(type), text, len, s);
}

/* A BOM, Chinese and records.md column names, 记录编号, a quoted cell over
 * two lines: the lines and columns the node will point at. */
static void utf8_rows(void)
{
	const char *in = "\xef\xbb\xbf记录编号,姓名,gender,住址\r\n"
	                 ",张三明,男,\"红云街道\n1号\"\r\n"
	                 "\r\n"
	                 "530102001001-r7,李四,女,五华区\r\n";
	struct rec_sheet s;

	CHECK_INT(read_sheet("child", in, strlen(in), &s), 0);
	CHECK_INT(s.nproblems, 0);
	CHECK_INT(s.n, 2);
	CHECK_INT(s.ncols, 4);
	CHECK_STR(s.cols[0], "记录编号");
	CHECK_STR(s.cols[2], "gender");
	if (s.n == 2) {
		CHECK_STR(s.in[0]->type, "child");
		CHECK_STR(s.in[0]->id, "");
		CHECK_INT(s.in[0]->line, 2);
		CHECK_INT(s.in[0]->n_set, 3);
		CHECK_STR(value(s.in[0], "name"), "张三明");
		CHECK_STR(value(s.in[0], "address"), "红云街道\n1号");
		CHECK_INT(column(s.in[0], "gender"), 3);
		CHECK_STR(s.in[1]->type, ""); /* an update names its record alone */
		CHECK_STR(s.in[1]->id, "530102001001-r7");
		CHECK_INT(s.in[1]->line, 5);
		CHECK_INT(column(s.in[1], "address"), 4);
	}
	roles_record_sheet_free(&s);
	CHECK_INT(s.n, 0);
}

/* What Excel writes on Chinese Windows reads as the same rows. */
static void gb18030(void)
{
	const char *utf = "姓名,性别\n王五,男\n";
	char gb[64], *ip = (char *)utf, *op = gb;
	size_t il = strlen(utf), ol = sizeof(gb);
	iconv_t cd = iconv_open("GB18030", "UTF-8");
	struct rec_sheet s;

	CHECK(cd != (iconv_t)-1);
	if (cd == (iconv_t)-1)
		return;
	CHECK(iconv(cd, &ip, &il, &op, &ol) != (size_t)-1);
	iconv_close(cd);
	CHECK(memcmp(gb, utf, 4) != 0); /* not UTF-8 any more */
	CHECK_INT(read_sheet("child", gb, sizeof(gb) - ol, &s), 0);
	CHECK_INT(s.n, 1);
	if (s.n == 1) {
		CHECK_STR(value(s.in[0], "name"), "王五");
		CHECK_STR(value(s.in[0], "gender"), "男");
	}
	CHECK_STR(s.cols[0], "姓名");
	roles_record_sheet_free(&s);
}

static void check_problems(const char *type, const char *in, size_t len, size_t n,
                           const char *const *want)
{
	struct rec_sheet s;

	CHECK_INT(read_sheet(type, in, len, &s), CN_EINVAL);
	CHECK_INT(s.n, 0); /* nothing to send */
	CHECK_INT(s.nproblems, n);
	for (size_t i = 0; i < n && i < s.nproblems; i++)
		CHECK_STR(s.problems[i], want[i]);
	roles_record_sheet_free(&s);
}

static void problems(void)
{
	const char *unknown = "姓名,XX,性别\n张三,1,男\n李四,2\n";
	const char *const w1[] = {
	    "1:2: unknown column 'XX'; expected a column of carenet record template --type child",
	    "3:2: 2 cells; expected 3 as in the header (a truncated line?)"};
	const char *trunc = "姓名,性别\n张三,男\n\"赵一,男\n";
	const char *const w2[] = {"3:1: unterminated quoted field (a truncated line?), "
	                          "expected a closing \""};
	const char *bad = "\xff\xfe\x80,\n";
	const char *const w3[] = {"byte 0 is neither UTF-8 nor GB18030 (编码错误); save the file "
	                          "as CSV UTF-8"};
	const char *const w4[] = {"no rows under the header; expected one row a record"};
	char wide[2048] = "";

	check_problems("child", unknown, strlen(unknown), 2, w1);
	check_problems("child", trunc, strlen(trunc), 1, w2);
	check_problems("child", bad, strlen(bad), 1, w3);
	check_problems("child", "姓名,性别\r\n", strlen("姓名,性别\r\n"), 1, w4);
	check_problems("child", "", 0, 1, w4);
	/* more columns than any type has, and a row as wide: one problem, no row read */
	for (int i = 0; i < 60; i++)
		strcat(wide, i ? ",姓名" : "姓名");
	strcat(wide, "\n");
	for (int i = 0; i < 60; i++)
		strcat(wide, i ? ",a" : "a");
	const char *const w5[] = {"1:60: 60 columns; expected at most 49"};
	check_problems("child", wide, strlen(wide), 1, w5);
}

int main(void)
{
	utf8_rows();
	gb18030();
	problems();
	printf("test_record_csv: %d checks, %d failures\n", checks, failures);
	return failures != 0;
}

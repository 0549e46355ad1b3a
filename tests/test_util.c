/*
 * test_util: base/'s small toolkit: atomic file writes that never follow a
 * planted symlink and leave no temporary files, private key directories,
 * the growable array, big-endian helpers, UTF-8 validation and cutting.
 */
#include "arr.h"
#include "be.h"
#include "err.h"
#include "log.h"
#include "table.h"
#include "utf8.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

static char base[] = "/tmp/test_util.XXXXXX";

static char *path(const char *rel)
{
	static char buf[4][PATH_MAX];
	static int i;
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", base, rel);
	return buf[i];
}

static int mode_of(const char *p)
{
	struct stat sb;
	return stat(p, &sb) == 0 ? (int)(sb.st_mode & 07777) : -1;
}

static const char *content(const char *p)
{
	static char buf[256];
	FILE *f = fopen(p, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = 0;
	return f ? buf : "(missing)";
}

static int entries(const char *dir) /* names in dir, "." and ".." left out */
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;
	while (d && (de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

static void test_write_file(void)
{
	char pid_tmp[PATH_MAX];

	CHECK(mkdir(path("w"), 0700) == 0);
	CHECK_INT(util_write_file(path("w/key"), "secret", 6, 0600, 1), 0);
	CHECK_STR(content(path("w/key")), "secret");
	CHECK_INT(mode_of(path("w/key")), 0600);
	CHECK_INT(entries(path("w")), 1); /* no temporary file left */
	/* excl: an existing file is kept as it is */
	CHECK_INT(util_write_file(path("w/key"), "other", 5, 0600, 1), CN_EEXIST);
	CHECK_STR(content(path("w/key")), "secret");
	/* without excl: replaced, with the new mode */
	CHECK_INT(util_write_file(path("w/key"), "v2", 2, 0644, 0), 0);
	CHECK_STR(content(path("w/key")), "v2");
	CHECK_INT(mode_of(path("w/key")), 0644);

	/* An attacker plants symlinks where the old code put its temporary
	 * file (PATH.tmp.PID) and at the target: the victim is never written
	 * nor its mode changed. */
	CHECK_INT(util_write_file(path("victim"), "victim", 6, 0600, 1), 0);
	snprintf(pid_tmp, sizeof(pid_tmp), "%s.tmp.%d", path("w/cfg"), (int)getpid());
	CHECK(symlink(path("victim"), pid_tmp) == 0);
	CHECK_INT(util_write_file(path("w/cfg"), "cfg", 3, 0644, 1), 0);
	CHECK_STR(content(path("victim")), "victim");
	CHECK_INT(mode_of(path("victim")), 0600);
	CHECK(symlink(path("victim"), path("w/link")) == 0);
	CHECK_INT(util_write_file(path("w/link"), "x", 1, 0644, 1), CN_EEXIST);
	CHECK_INT(util_write_file(path("w/link"), "x", 1, 0644, 0), 0); /* the link is replaced */
	CHECK_STR(content(path("victim")), "victim");
	CHECK_INT(mode_of(path("victim")), 0600);

	/* A directory that does not exist: an error, nothing left behind. */
	CHECK(util_write_file(path("nodir/f"), "x", 1, 0600, 0) != 0);
	CHECK_INT(entries(base), 2); /* w, victim */

}

static void test_dir_private(void)
{
	CHECK(mkdir(path("p"), 0700) == 0);
	CHECK_INT(util_dir_private(path("p")), 0);
	CHECK(chmod(path("p"), 0750) == 0);
	CHECK_INT(util_dir_private(path("p")), CN_EPERM);
	CHECK(chmod(path("p"), 0701) == 0);
	CHECK_INT(util_dir_private(path("p")), CN_EPERM);
	CHECK(symlink(path("w"), path("plink")) == 0);
	CHECK_INT(util_dir_private(path("plink")), CN_EINVAL);
	CHECK_INT(util_dir_private(path("victim")), CN_EINVAL);
	CHECK_INT(util_dir_private(path("absent")), CN_ENOTFOUND);
}

static void test_arr(void)
{
	int *v = NULL;
	size_t n = 0, cap = 0;

	for (int i = 0; i < 1000; i++) {
		if (ARR_GROW(v, n + 1, cap) != 0)
			break;
		v[n++] = i;
	}
	CHECK_INT(n, 1000);
	CHECK(cap >= 1000 && cap <= 2048);
	CHECK_INT(v[999], 999);
	CHECK_INT(ARR_GROW(v, 10, cap), 0); /* already room: unchanged */
	CHECK(cap >= 1000);
	free(v);
	v = NULL;
	cap = 0;
	CHECK_INT(ARR_GROW(v, SIZE_MAX / 2, cap), CN_ENOMEM); /* overflow refused */
	CHECK(v == NULL && cap == 0);
}

static void test_be(void)
{
	uint8_t b[8];

	be_put64(b, 0x0102030405060708ull);
	CHECK_INT(b[0], 1);
	CHECK_INT(b[7], 8);
	CHECK(be_get64(b) == 0x0102030405060708ull);
	be_put32(b, 0xdeadbeef);
	CHECK(be_get32(b) == 0xdeadbeef);
	be_put(b, 0x123456, 3);
	CHECK_INT(be_get(b, 3), 0x123456);
}

static void test_utf8(void)
{
	char s[32];

	CHECK(utf8_valid("儿童主任", strlen("儿童主任")));
	CHECK(!utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
	CHECK(!utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
	CHECK(!utf8_valid("\xf4\x90\x80\x80", 4)); /* beyond U+10FFFF */
	CHECK(!utf8_valid("\xe5\x84", 2));         /* truncated */
	CHECK(!utf8_valid("a\0b", 3));             /* NUL inside */
	snprintf(s, sizeof(s), "%s", "儿童主任"); /* 3 bytes each */
	utf8_cut(s, 7);                           /* inside the third character */
	CHECK_STR(s, "儿童");
	utf8_cut(s, 6);
	CHECK_STR(s, "儿童");
	utf8_cut(s, 0);
	CHECK_STR(s, "");
}

/* Display width: CJK counts two columns; tables align by it. */
static void test_table(void)
{
	struct table t;
	char *buf = NULL, *l2 = NULL, *l3 = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CHECK_INT(utf8_width("第1村"), 5);
	CHECK_INT(utf8_width("up 在线"), 7);
	CHECK_INT(utf8_width("\xff"), 1); /* a stray byte shows as one character */
	table_init(&t, 3);
	table_add(&t, (const char *[]){"ID", "NAME 名称", "STATE"});
	table_add(&t, (const char *[]){"530102001", "第1乡镇工作站", "在线"});
	table_line(&t, "  a note under the row, not aligned");
	table_add(&t, (const char *[]){"1", "x", ""});
	table_print(&t, f);
	fclose(f);
	/* the third column starts at the same display column on both rows */
	CHECK(buf && (l2 = strchr(buf, '\n') + 1) && (l3 = strchr(l2, '\n') + 1));
	if (buf && l2 && l3) {
		char *s1 = strstr(buf, "STATE"), *s2 = strstr(l2, "在线");
		CHECK(s1 && s2);
		if (s1 && s2) {
			char a[128], b[128];
			snprintf(a, sizeof(a), "%.*s", (int)(s1 - buf), buf);
			snprintf(b, sizeof(b), "%.*s", (int)(s2 - l2), l2);
			CHECK_INT(utf8_width(a), utf8_width(b));
		}
		CHECK(strncmp(l3, "  a note under the row, not aligned\n", 36) == 0);
		CHECK(strstr(l3, "\n1  ") != NULL &&
		      strstr(buf, "x\n") != NULL); /* no trailing pad */
	}
	free(buf);
}

/* A peer's id with a newline and a terminal escape cannot split or colour
 * a log line. */
static void test_log_escape(void)
{
	int fd = open(path("log"), O_WRONLY | O_CREAT | O_TRUNC, 0600), saved = dup(2);
	const char *got;

	CHECK(fd >= 0 && saved >= 0);
	dup2(fd, 2);
	log_init(LOG_LVL_INFO, "t");
	log_warnx("link %s: refused", "530102\n2026-11-29T00:00:00Z carenet warn: forged\x1b[31m\xff");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	got = content(path("log"));
	CHECK(strchr(got, '\n') == got + strlen(got) - 1); /* one line */
	CHECK(strstr(got, "530102\\x0a2026-11-29") != NULL);
	CHECK(strstr(got, "forged\\x1b[31m\\xff: refused") != NULL);
}

/* Everything written to stderr while fn runs, with JOURNAL_STREAM naming
 * stderr (journal = 1) or not. */
static char *capture(void (*fn)(void), int journal)
{
	static char buf[8192];
	int fd = open(path("log2"), O_RDWR | O_CREAT | O_TRUNC, 0600), saved = dup(2);
	struct stat st;
	char js[64];
	ssize_t n;

	CHECK(fd >= 0 && saved >= 0 && fstat(fd, &st) == 0);
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
	         journal ? (unsigned long long)st.st_ino : 0ull);
	setenv("JOURNAL_STREAM", js, 1);
	dup2(fd, 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = 0;
	close(fd);
	unsetenv("JOURNAL_STREAM");
	return buf;
}

static void every_level(void)
{
	log_init(LOG_LVL_DEBUG, "530102");
	log_error("a");
	log_warnx("b");
	log_notice("directive %s: arrived", "530102-7");
	log_info("d");
	log_debug("e");
	log_setlevel(LOG_LVL_NOTICE);
	log_info("not shown");
	log_notice("shown");
}

static void flood(void)
{
	log_init(LOG_LVL_INFO, "530102");
	for (int i = 0; i < 12; i++) {
		log_notice("link: an incoming connection failed its handshake");
		if (i == 3)
			log_warnx("link 530102001: up");
	}
	log_repeats_flush(1);
	log_notice("link: an incoming connection failed its handshake"); /* a new window */
}

/* To the journal: <N> priorities, no timestamp (journald has its own);
 * elsewhere: local time in the configured zone. A flood is held back and
 * counted. */
static void test_log_journal(void)
{
	const char *got;

	CHECK_INT(log_level_parse("notice"), LOG_LVL_NOTICE);
	CHECK_STR(log_level_name(LOG_LVL_NOTICE), "notice");
	got = capture(every_level, 1);
	CHECK_STR(got, "<3>530102 error: a\n<4>530102 warn: b\n"
	               "<5>530102 notice: directive 530102-7: arrived\n<6>530102 info: d\n"
	               "<7>530102 debug: e\n<5>530102 notice: shown\n");
	log_set_timezone("Asia/Shanghai");
	got = capture(every_level, 0); /* JOURNAL_STREAM names another file */
	CHECK(strlen(got) > 26 && got[4] == '-' && got[10] == ' ' && got[13] == ':');
	CHECK(strncmp(got + 19, "+0800 carenet[530102] error: a\n", 31) == 0);
	CHECK(strstr(got, "<") == NULL);
	log_set_timezone("UTC");
	got = capture(flood, 1);
	CHECK_STR(got, "<5>530102 notice: link: an incoming connection failed its handshake\n"
	               "<5>530102 notice: link: an incoming connection failed its handshake\n"
	               "<5>530102 notice: link: an incoming connection failed its handshake\n"
	               "<5>530102 notice: link: an incoming connection failed its handshake\n"
	               "<4>530102 warn: link 530102001: up\n"
	               "<5>530102 notice: link: an incoming connection failed its handshake\n"
	               "<5>530102 notice: 7 more like this in 10 s (held back): link: an incoming "
	               "connection failed its handshake\n"
	               "<5>530102 notice: link: an incoming connection failed its handshake\n");
}

/* Zones: a known name, a rule, a typo (which the C library would take as
 * UTC); a date alone as a deadline is the end of that day. */
static void test_time(void)
{
	uint64_t a = 0, b = 0;

	CHECK(util_tz_valid("Asia/Shanghai"));
	CHECK(util_tz_valid("UTC"));
	CHECK(util_tz_valid("CST-8"));
	CHECK(!util_tz_valid("Asia/Shangai"));
	CHECK(!util_tz_valid("../../etc/passwd"));
	CHECK(!util_tz_valid(""));
	CHECK_INT(util_parse_time("2026-12-31", "Asia/Shanghai", &a), 0);
	CHECK_INT(util_parse_time_end("2026-12-31", "Asia/Shanghai", &b), 0);
	CHECK(b == a + 86399);
	CHECK(a == 1798646400ull); /* 2026-12-31 00:00 +08:00 */
	CHECK_INT(util_parse_time_end("2026-12-31 18:00", "Asia/Shanghai", &b), 0);
	CHECK(b == a + 18 * 3600);
	CHECK_INT(util_parse_time_end("2026-12-3x", "UTC", &b), CN_EINVAL);
}

int main(void)
{
	if (!mkdtemp(base)) {
		perror("mkdtemp");
		return 1;
	}
	test_write_file();
	test_dir_private();
	test_arr();
	test_be();
	test_utf8();
	test_table();
	test_log_escape();
	test_log_journal();
	test_time();
	if (failures == 0) {
		char cmd[PATH_MAX + 16];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
		if (system(cmd) != 0)
			fprintf(stderr, "test_util: could not remove %s\n", base);
	}
	printf("test_util: %d checks, %d failures\n", checks, failures);
	return failures != 0;
}

/*
 * test_config: every tests/data/config/good-*.cfg loads and prints exactly
 * its .expected; every bad-*.expected names a file (which may be missing)
 * whose load fails with exactly that text. "@DIR@" in an expected file
 * stands for the absolute config directory. Printed output loads back to
 * the same output (round trip). The key table of config/README.md is
 * config_doc()'s output. argv[1] is the tests/data directory; with --doc
 * instead, prints that table (to paste into the README) and exits.
 */
#include "config.h"
#include "err.h"
#include "log.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

static char dir[PATH_MAX];

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *m;

	if (!f)
		return NULL;
	m = open_memstream(&buf, &len);
	for (int c; (c = fgetc(f)) != EOF;)
		fputc(c, m);
	fclose(m);
	fclose(f);
	return buf;
}

/* The expected file's text with @DIR@ replaced by the config dir. */
static char *expected(const char *name)
{
	char path[PATH_MAX * 2], *raw, *out = NULL, *p;
	size_t len = 0;
	FILE *m;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(raw = slurp(path)))
		return NULL;
	m = open_memstream(&out, &len);
	for (p = raw; *p;) {
		if (strncmp(p, "@DIR@", 5) == 0) {
			fputs(dir, m);
			p += 5;
		} else {
			fputc(*p++, m);
		}
	}
	fclose(m);
	free(raw);
	return out;
}

static char *print(const struct config *cfg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	CHECK(config_print(cfg, m) == 0);
	fclose(m);
	return buf;
}

static void chomp(char *s)
{
	size_t n = strlen(s);
	if (n && s[n - 1] == '\n')
		s[n - 1] = 0;
}

/* print -> file -> load -> print gives the same text. */
static void round_trip(const char *printed, const char *tmpdir)
{
	char path[PATH_MAX], err[512];
	struct config *cfg = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "%s/rt.cfg", tmpdir);
	CHECK((f = fopen(path, "w")) != NULL);
	if (!f)
		return;
	fputs(printed, f);
	fclose(f);
	CHECK(config_load(path, &cfg, err, sizeof(err)) == 0);
	if (!cfg) {
		fprintf(stderr, "round trip: %s\n", err);
		return;
	}
	char *again = print(cfg);
	CHECK(strcmp(again, printed) == 0);
	free(again);
	config_free(&cfg);
	unlink(path);
}

static void good(const char *name, const char *tmpdir)
{
	char path[PATH_MAX * 2], ename[NAME_MAX + 16], err[512];
	struct config *cfg = NULL;
	char *want, *got;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(ename, sizeof(ename), "%.*s.expected", (int)(strlen(name) - 4), name);
	err[0] = 0;
	CHECK(config_load(path, &cfg, err, sizeof(err)) == 0);
	if (!cfg) {
		fprintf(stderr, "%s: unexpected error: %s\n", name, err);
		return;
	}
	CHECK(strcmp(cfg->path, path) == 0);
	got = print(cfg);
	want = expected(ename);
	CHECK(want != NULL);
	if (want && strcmp(got, want) != 0) {
		fprintf(stderr, "%s: printed\n%s--- but expected\n%s---\n", name, got, want);
		failures++;
	}
	round_trip(got, tmpdir);
	free(want);
	free(got);
	config_free(&cfg);
	CHECK(cfg == NULL);
}

static void bad(const char *ename)
{
	char path[PATH_MAX * 2], err[512];
	struct config *cfg = (struct config *)&err; /* must be set to NULL */
	char *want = expected(ename);
	int rc, exists;

	snprintf(path, sizeof(path), "%s/%.*s.cfg", dir, (int)(strlen(ename) - 9), ename);
	exists = access(path, F_OK) == 0;
	rc = config_load(path, &cfg, err, sizeof(err));
	CHECK(rc == (exists ? CN_ECONFIG : CN_EIO));
	CHECK(cfg == NULL);
	CHECK(want != NULL);
	if (!want)
		return;
	chomp(want);
	if (strcmp(err, want) != 0) {
		fprintf(stderr, "%s: error\n  %s\nbut expected\n  %s\n", ename, err, want);
		failures++;
	}
	free(want);
}

static int has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && strcmp(s + n - m, suf) == 0;
}

/* Every case file has its expected file. */
static void check_pairs(struct dirent **ents, int n)
{
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		char want[NAME_MAX + 16], path[PATH_MAX * 2];

		if (!has_suffix(name, ".cfg"))
			continue;
		snprintf(want, sizeof(want), "%.*s.expected", (int)(strlen(name) - 4), name);
		snprintf(path, sizeof(path), "%s/%s", dir, want);
		if (access(path, F_OK) != 0) {
			fprintf(stderr, "%s has no %s\n", name, want);
			failures++;
		}
	}
}

/* Values, not just text: the defaults and a few conversions. */
static void values(void)
{
	char path[PATH_MAX * 2], want[PATH_MAX * 2], err[512];
	struct config *cfg = NULL;

	snprintf(path, sizeof(path), "%s/good-minimal.cfg", dir);
	CHECK(config_load(path, &cfg, err, sizeof(err)) == 0);
	if (!cfg)
		return;
	snprintf(want, sizeof(want), "%s/data", dir);
	CHECK(strcmp(cfg->data_dir, want) == 0);
	CHECK(cfg->listen[0] == 0 && cfg->parent_endpoint[0] == 0 && cfg->parent_cert[0] == 0);
	CHECK(cfg->ncrl == 0);
	CHECK(cfg->log_level == LOG_LVL_INFO);
	CHECK(strcmp(cfg->timezone, "Asia/Shanghai") == 0);
	CHECK(!cfg->test_clock);
	CHECK(cfg->max_frame == 1048576 && cfg->ban_after == 5 && cfg->ban_seconds == 300);
	CHECK(cfg->hello_timeout == 10 && cfg->heartbeat_ivl_ms == 2000);
	CHECK(cfg->heartbeat_timeout_ms == 6000 && cfg->reconnect_ivl_ms == 100);
	CHECK(cfg->reconnect_ivl_max_ms == 5000 && cfg->ping_interval_ms == 5000);
	CHECK(cfg->window_urgent == 256 && cfg->window_normal == 1024 && cfg->window_bulk == 1024);
	CHECK(cfg->map_size == (size_t)64 << 20);
	CHECK(strcmp(cfg->remind, "7d,1d") == 0 && cfg->nremind == 2);
	CHECK(cfg->remind_before[0] == 7 * 86400 && cfg->remind_before[1] == 86400);
	CHECK(!cfg->auto_rectify && cfg->rectify_hours == 168);
	config_free(&cfg);

	snprintf(path, sizeof(path), "%s/good-full.cfg", dir);
	CHECK(config_load(path, &cfg, err, sizeof(err)) == 0);
	if (!cfg)
		return;
	CHECK(cfg->map_size == (size_t)128 << 20);
	CHECK(cfg->window_urgent == 64);
	CHECK(cfg->ncrl == 2);
	CHECK(cfg->log_level == LOG_LVL_DEBUG && cfg->test_clock);
	snprintf(want, sizeof(want), "%s/var/db", dir);
	CHECK(strcmp(cfg->data_dir, want) == 0);
	config_free(&cfg);
	config_free(&cfg); /* NULL is fine */
}

/* config/node.cfg.sample loads and documents the defaults: apart from
 * data_dir, every value equals the default. */
static void sample(const char *datadir)
{
	char path[PATH_MAX * 2], err[512], want[PATH_MAX * 2];
	struct config *cfg = NULL, *def = NULL;
	const char *files[] = {"node.key", "node.pem", "chain.pem", "root.pem", "curve.key"};

	snprintf(path, sizeof(path), "%s/../../config/node.cfg.sample", datadir);
	CHECK(config_load(path, &cfg, err, sizeof(err)) == 0);
	snprintf(path, sizeof(path), "%s/good-minimal.cfg", dir);
	CHECK(config_load(path, &def, err, sizeof(err)) == 0);
	if (!cfg || !def) {
		fprintf(stderr, "sample: %s\n", err);
		goto out;
	}
	CHECK(strcmp(cfg->data_dir, "/var/lib/carenet") == 0);
	char *got[] = {cfg->key_file, cfg->cert_file, cfg->chain_file, cfg->root_file,
	               cfg->curve_file};
	char *sdir = strdup(cfg->path);
	*strrchr(sdir, '/') = 0;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(want, sizeof(want), "%s/%s", sdir, files[i]);
		CHECK(strcmp(got[i], want) == 0);
	}
	free(sdir);
	CHECK(strcmp(cfg->listen, def->listen) == 0);
	CHECK(strcmp(cfg->parent_endpoint, def->parent_endpoint) == 0);
	CHECK(strcmp(cfg->parent_cert, def->parent_cert) == 0);
	CHECK(cfg->ncrl == def->ncrl && cfg->log_level == def->log_level);
	CHECK(strcmp(cfg->timezone, def->timezone) == 0 && cfg->test_clock == def->test_clock);
	CHECK(cfg->max_frame == def->max_frame && cfg->ban_after == def->ban_after);
	CHECK(cfg->ban_seconds == def->ban_seconds && cfg->hello_timeout == def->hello_timeout);
	CHECK(cfg->heartbeat_ivl_ms == def->heartbeat_ivl_ms);
	CHECK(cfg->heartbeat_timeout_ms == def->heartbeat_timeout_ms);
	CHECK(cfg->reconnect_ivl_ms == def->reconnect_ivl_ms);
	CHECK(cfg->reconnect_ivl_max_ms == def->reconnect_ivl_max_ms);
	CHECK(cfg->ping_interval_ms == def->ping_interval_ms);
	CHECK(cfg->window_urgent == def->window_urgent && cfg->window_normal == def->window_normal);
	CHECK(cfg->window_bulk == def->window_bulk && cfg->map_size == def->map_size);
out:
	config_free(&def);
	config_free(&cfg);
}

/* The README's key table, between its BEGIN KEYS and END KEYS lines, is
 * exactly what config_doc() writes. */
static void readme_table(const char *datadir)
{
	char path[PATH_MAX * 2], *readme, *doc = NULL, *begin, *end;
	size_t len = 0;
	FILE *m = open_memstream(&doc, &len);

	CHECK(config_doc(m) == 0);
	fclose(m);
	snprintf(path, sizeof(path), "%s/../../config/README.md", datadir);
	readme = slurp(path);
	CHECK(readme != NULL);
	begin = readme ? strstr(readme, "<!-- BEGIN KEYS") : NULL;
	begin = begin ? strchr(begin, '\n') : NULL;
	end = begin ? strstr(begin, "<!-- END KEYS") : NULL;
	CHECK(begin && end);
	if (begin && end) {
		begin++;
		*end = 0;
		if (strcmp(begin, doc) != 0) {
			fprintf(stderr,
			        "config/README.md's key table differs from the code's; "
			        "replace it with the output of test_config --doc:\n%s",
			        doc);
			failures++;
		}
	}
	free(readme);
	free(doc);
}

/* deadline.remind is parsed once, at load: the list, "none", and refusals. */
static void remind(const char *tmpdir)
{
	static const struct {
		const char *text;
		size_t n;
		uint64_t first;
	} cases[] = {{"5m", 1, 300}, {"none", 0, 0}, {"1d,2h,3m,4s,1s,1s,1s,1s", 8, 86400}};
	char path[PATH_MAX], err[512];
	struct config *cfg = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "%s/remind.cfg", tmpdir);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK((f = fopen(path, "w")) != NULL);
		if (!f)
			return;
		fprintf(f, "deadline = { remind = \"%s\"; };\n", cases[i].text);
		fclose(f);
		CHECK(config_load(path, &cfg, err, sizeof(err)) == 0);
		if (!cfg)
			continue;
		CHECK(cfg->nremind == cases[i].n && strcmp(cfg->remind, cases[i].text) == 0);
		CHECK(cases[i].n == 0 || cfg->remind_before[0] == cases[i].first);
		config_free(&cfg);
	}
	unlink(path);
}

/* Errors that have no file of their own. */
static void odd_inputs(void)
{
	char err[512], want[PATH_MAX + 64], small[8];
	struct config *cfg = NULL;

	CHECK(config_load(dir, &cfg, err, sizeof(err)) == CN_EIO);
	snprintf(want, sizeof(want), "%s: cannot open: Is a directory", dir);
	CHECK(strcmp(err, want) == 0);
	CHECK(cfg == NULL);

	/* a short or absent error buffer truncates, never overflows */
	CHECK(config_load("/nonexistent/x.cfg", &cfg, small, sizeof(small)) == CN_EIO);
	CHECK(strcmp(small, "/nonexi") == 0);
	CHECK(config_load("/nonexistent/x.cfg", &cfg, NULL, 0) == CN_EIO);
}

int main(int argc, char **argv)
{
	char cfgdir[PATH_MAX], tmpdir[] = "/tmp/test_config.XXXXXX";
	struct dirent **ents;
	int n, ngood = 0, nbad = 0;

	if (argc == 2 && strcmp(argv[1], "--doc") == 0)
		return config_doc(stdout) == 0 ? 0 : 1;
	if (argc != 2) {
		fprintf(stderr, "usage: %s TESTS_DATA_DIR\n", argv[0]);
		return 2;
	}
	snprintf(cfgdir, sizeof(cfgdir), "%s/config", argv[1]);
	if (!realpath(cfgdir, dir) || !mkdtemp(tmpdir)) {
		perror(cfgdir);
		return 2;
	}
	log_init(LOG_LVL_WARN, "test");
	if ((n = scandir(dir, &ents, NULL, alphasort)) < 0) {
		perror(dir);
		return 2;
	}
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		if (strncmp(name, "good-", 5) == 0 && has_suffix(name, ".cfg")) {
			good(name, tmpdir);
			ngood++;
		} else if (strncmp(name, "bad-", 4) == 0 && has_suffix(name, ".expected")) {
			bad(name);
			nbad++;
		}
	}
	check_pairs(ents, n);
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	CHECK(ngood >= 5);
	CHECK(nbad >= 27);
	values();
	sample(argv[1]);
	readme_table(argv[1]);
	remind(tmpdir);
	odd_inputs();
	rmdir(tmpdir);
	printf("test_config: %d good, %d bad files; %d failures\n", ngood, nbad, failures);
	return failures ? 1 : 0;
}

/*
 * pki_fixture: what the PKI test programs share -- a temporary directory T,
 * paths under it, running a subcommand with its output captured into `out`,
 * file helpers and chain verification from PEM files. Include once, from the
 * test's only .c file, instead of check.h (it includes check.h). The helpers
 * are static inline so that a program need not use all of them.
 */
#ifndef CARENET_TESTS_PKI_FIXTURE_H
#define CARENET_TESTS_PKI_FIXTURE_H

#include "certs_cmd.h"
#include "err.h"
#include "pki.h"
#include "util.h"

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char T[256];     /* the temporary directory */
static char out[65536]; /* output of the last CLI call */

/* A failed CHECK_INT also shows the last CLI call's output. */
#define CHECK_INT_CONTEXT()                                                                        \
	do {                                                                                       \
		if (out[0])                                                                        \
			fprintf(stderr, "  last command's output:\n%s\n", out);                    \
	} while (0)
#include "check.h"

/* ---------------------------------------------------------- helpers */

static inline const char *P(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A path under T (rotating static buffers: valid for a few calls). */
static inline const char *P(const char *fmt, ...)
{
	static char bufs[16][PATH_MAX + 300];
	static int next;
	char *b = bufs[next++ % 16], rel[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	snprintf(b, PATH_MAX + 300, "%s/%s", T, rel);
	return b;
}

/* Runs a subcommand with the given arguments (NULL-terminated), its
 * stdout and stderr captured into out. Returns its exit status. */
static inline int run(int (*fn)(int, char **), ...)
{
	char *argv[40], logpath[300];
	int argc = 0, rc, saved_out, saved_err, fd;
	const char *a;
	va_list ap;
	ssize_t n;

	va_start(ap, fn);
	while ((a = va_arg(ap, const char *)) && argc < 39)
		argv[argc++] = strdup(a);
	va_end(ap);
	argv[argc] = NULL;
	snprintf(logpath, sizeof(logpath), "%s/last.out", T);
	fflush(stdout);
	fflush(stderr);
	fd = open(logpath, O_RDWR | O_CREAT | O_TRUNC, 0600);
	saved_out = dup(1);
	saved_err = dup(2);
	dup2(fd, 1);
	dup2(fd, 2);
	rc = fn(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, out, sizeof(out) - 1);
	out[n > 0 ? n : 0] = 0;
	close(fd);
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	return rc;
}

static inline char *slurp(const char *path)
{
	uint8_t *buf = NULL;
	size_t len;
	return util_read_file(path, 1u << 22, &buf, &len) == 0 ? (char *)buf : NULL;
}

static inline int mode_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static inline int file_exists(const char *path)
{
	return mode_of(path) >= 0;
}

/* Verifies leaf PEM file + chain PEM file against trust. */
static inline int verify_files(struct pki_trust *t, const char *leaf, const char *chain,
                               struct pki_identity *id)
{
	char *a = slurp(leaf), *b = chain ? slurp(chain) : strdup(""), *all, why[512] = "";
	uint8_t **der = NULL;
	size_t *lens = NULL, n = 0;
	int rc;

	if (!a || !b)
		return -1000;
	all = malloc(strlen(a) + strlen(b) + 2);
	sprintf(all, "%s\n%s", a, b);
	rc = pki_pem_to_der(all, strlen(all), &der, &lens, &n);
	if (rc == 0)
		rc =
		    pki_verify_chain(t, (const uint8_t *const *)der, lens, n, id, why, sizeof(why));
	if (rc != 0 && getenv("VERBOSE"))
		fprintf(stderr, "  verify %s: %s: %s\n", leaf, cn_errname(rc), why);
	pki_der_list_free(&der, &lens, n);
	free(all);
	free(a);
	free(b);
	return rc;
}

/* The SHA-256 fingerprint of a PEM certificate file, for enroll
 * --root-sha256 (a static buffer: valid until the next call). */
static inline const char *root_sha(const char *pem_path)
{
	static char hex[65];
	char *pem = slurp(pem_path);

	hex[0] = 0;
	if (!pem || pki_cert_sha256(pem, strlen(pem), hex) != 0)
		fprintf(stderr, "root_sha: %s: no certificate\n", pem_path);
	free(pem);
	return hex;
}

static inline struct pki_trust *trust_of(const char *root)
{
	struct pki_trust *t = NULL;
	CHECK_INT(pki_trust_new(root, &t), 0);
	return t;
}

static inline int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(path);
}

static inline void init_node(const char *dir, const char *id, const char *name)
{
	CHECK_INT(run(cmd_init, "init", "--dir", P("%s", dir), "--id", id, "--name", name, NULL),
	          0);
	CHECK_INT(mode_of(P("%s/node.key", dir)), 0600);
	CHECK_INT(mode_of(P("%s/curve.key", dir)), 0600);
	CHECK(file_exists(P("%s/request.pem", dir)));
}

/* Makes the temporary directory T (under $TMPDIR or /tmp); 0 or -1. */
static inline int fixture_open(const char *name)
{
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

	snprintf(T, sizeof(T), "%s/%s.XXXXXX", tmp, name);
	if (!mkdtemp(T)) {
		perror("mkdtemp");
		return -1;
	}
	umask(022);
	return 0;
}

/* Removes T unless KEEP_TMP is set; reports and returns the exit status. */
static inline int fixture_close(const char *name)
{
	if (getenv("KEEP_TMP"))
		fprintf(stderr, "%s: files kept in %s\n", name, T);
	else
		nftw(T, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	fprintf(stderr, "%s: %d checks, %d failed\n", name, checks, failures);
	return failures ? 1 : 0;
}

#endif

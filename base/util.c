/* renameat2 and RENAME_NOREPLACE (Linux 3.15, glibc 2.28) */
#define _GNU_SOURCE
#include "util.h"
#include "err.h"

#include <errno.h>
#include <stdio.h> /* renameat2 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int util_read_file(const char *path, size_t max, uint8_t **buf, size_t *len)
{
	int fd, rc = CN_EIO;
	struct stat st;
	uint8_t *b = NULL;
	size_t got = 0;

	*buf = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? CN_ENOTFOUND : CN_EIO;
	if (fstat(fd, &st) < 0)
		goto out;
	if ((size_t)st.st_size > max) {
		rc = CN_ETOOBIG;
		goto out;
	}
	if (!(b = malloc((size_t)st.st_size + 1))) {
		rc = CN_ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, b + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		got += (size_t)n;
	}
	b[got] = 0;
	*buf = b;
	*len = got;
	b = NULL;
	rc = 0;
out:
	free(b);
	close(fd);
	return rc;
}

/* fsyncs the directory holding path, so a rename in it is durable. */
static int sync_dir_of(const char *path)
{
	char *dir = util_dirname(path);
	int fd, rc = CN_EIO;

	if (!dir)
		return CN_ENOMEM;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return CN_EIO;
	if (fsync(fd) == 0)
		rc = 0;
	close(fd);
	return rc;
}

static int write_all(int fd, const void *data, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = write(fd, (const char *)data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return CN_EIO;
		off += (size_t)n;
	}
	return 0;
}

/* Moves tmp onto path; with excl, never replaces an existing path (the
 * check and the rename are one atomic step: renameat2 RENAME_NOREPLACE). */
static int put_in_place(const char *tmp, const char *path, int excl)
{
	if (!excl)
		return rename(tmp, path) == 0 ? 0 : CN_EIO;
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
		return 0;
	return errno == EEXIST ? CN_EEXIST : CN_EIO;
}

int util_dir_sync(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = CN_EIO;

	if (fd < 0)
		return CN_EIO;
	if (fsync(fd) == 0)
		rc = 0;
	close(fd);
	return rc;
}

int util_file_begin(const char *path, char **tmp)
{
	char *dir = NULL;
	const char *base = strrchr(path, '/');
	int fd;

	*tmp = NULL;
	base = base ? base + 1 : path;
	if (!(dir = util_dirname(path)) || !(*tmp = malloc(strlen(dir) + strlen(base) + 16))) {
		free(dir);
		return CN_ENOMEM;
	}
	sprintf(*tmp, "%s/.%s.XXXXXX", dir, base);
	free(dir);
	if ((fd = mkstemp(*tmp)) < 0) {
		free(*tmp);
		*tmp = NULL;
		return CN_EIO;
	}
	return fd;
}

void util_file_abort(int fd, char **tmp)
{
	if (fd >= 0)
		close(fd);
	if (tmp && *tmp) {
		unlink(*tmp);
		free(*tmp);
		*tmp = NULL;
	}
}

int util_file_commit(int fd, char **tmp, const char *path, mode_t mode, int excl)
{
	int rc = CN_EIO;

	if (fchmod(fd, mode) < 0 || fsync(fd) < 0) {
		util_file_abort(fd, tmp);
		return CN_EIO;
	}
	close(fd);
	if ((rc = put_in_place(*tmp, path, excl)) != 0) {
		util_file_abort(-1, tmp);
		return rc;
	}
	free(*tmp);
	*tmp = NULL;
	return sync_dir_of(path);
}

int util_write_file(const char *path, const void *data, size_t len, mode_t mode, int excl)
{
	char *dir = NULL, *tmp = NULL;
	const char *base;
	int fd = -1, rc = CN_ENOMEM;
	struct stat st;

	if (excl && lstat(path, &st) == 0)
		return CN_EEXIST; /* early answer; put_in_place decides atomically */
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (!(dir = util_dirname(path)) || !(tmp = malloc(strlen(dir) + strlen(base) + 16)))
		goto out;
	/* mkstemp: a new name, O_EXCL, mode 0600, in the target's directory
	 * (so the rename is atomic); a planted file or symlink is never opened. */
	sprintf(tmp, "%s/.%s.XXXXXX", dir, base);
	rc = CN_EIO;
	if ((fd = mkstemp(tmp)) < 0) {
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (fchmod(fd, mode) < 0 || (rc = write_all(fd, data, len)) != 0 || fsync(fd) < 0) {
		rc = CN_EIO;
		goto out;
	}
	close(fd);
	fd = -1;
	if ((rc = put_in_place(tmp, path, excl)) != 0)
		goto out;
	free(tmp);
	tmp = NULL;
	rc = sync_dir_of(path);
out:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(dir);
	return rc;
}

int util_dir_private(const char *dir)
{
	struct stat st;

	if (lstat(dir, &st) < 0)
		return errno == ENOENT ? CN_ENOTFOUND : CN_EIO;
	if (!S_ISDIR(st.st_mode))
		return CN_EINVAL;
	if (st.st_mode & 077)
		return CN_EPERM;
	return 0;
}

int util_mkdirs(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return CN_EINVAL;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return CN_EIO;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return CN_EIO;
	return 0;
}

char *util_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

char *util_path_join(const char *dir, const char *path)
{
	char *r;
	if (!path)
		return NULL;
	if (path[0] == '/' || !dir || !dir[0])
		return strdup(path);
	if (!(r = malloc(strlen(dir) + strlen(path) + 2)))
		return NULL;
	sprintf(r, "%s/%s", dir, path);
	return r;
}

char *util_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

char *util_abspath(const char *path)
{
	char *dir = util_dirname(path), *r = NULL;
	char real[PATH_MAX];
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	if (dir && realpath(dir, real))
		r = util_path_join(real, base);
	free(dir);
	return r;
}

void util_hex(const uint8_t *in, size_t len, char *out)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = d[in[i] >> 4];
		out[2 * i + 1] = d[in[i] & 15];
	}
	out[2 * len] = 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int util_unhex(const char *hex, uint8_t *out, size_t outlen)
{
	if (strlen(hex) != 2 * outlen)
		return CN_EINVAL;
	for (size_t i = 0; i < outlen; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return CN_EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

uint64_t util_now(void)
{
	return (uint64_t)time(NULL);
}

uint64_t util_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t util_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Runs with TZ temporarily set; the process is single-threaded where used. */
static void with_tz(const char *tz, char *saved, size_t savedlen)
{
	const char *old = getenv("TZ");
	snprintf(saved, savedlen, "%s", old ? old : "");
	setenv("TZ", tz && tz[0] ? tz : "UTC", 1);
	tzset();
}

static void restore_tz(const char *saved)
{
	if (saved[0])
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
}

void util_fmt_time(uint64_t t, const char *tz, char *out, size_t outlen)
{
	char saved[128];
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0) {
		snprintf(out, outlen, "-");
		return;
	}
	with_tz(tz, saved, sizeof(saved));
	localtime_r(&tt, &tm);
	strftime(out, outlen, "%Y-%m-%d %H:%M:%S", &tm);
	restore_tz(saved);
}

int util_tz_valid(const char *tz)
{
	const char *dir = getenv("TZDIR");
	char path[PATH_MAX], magic[4];
	size_t i = 0;
	int fd, ok = 0;

	if (!tz || !tz[0] || strlen(tz) > 200)
		return 0;
	if (!strcmp(tz, "UTC") || !strcmp(tz, "GMT"))
		return 1;
	/* a POSIX rule: 3+ letters (or <...>), then an offset */
	while (tz[i] && ((tz[i] >= 'A' && tz[i] <= 'Z') || (tz[i] >= 'a' && tz[i] <= 'z')))
		i++;
	if (i >= 3 && (tz[i] == '+' || tz[i] == '-' || (tz[i] >= '0' && tz[i] <= '9')))
		return 1;
	if (tz[0] == '/' || strstr(tz, "..") || tz[0] == ':')
		return 0;
	if (snprintf(path, sizeof(path), "%s/%s", dir && dir[0] ? dir : "/usr/share/zoneinfo",
	             tz) >= (int)sizeof(path))
		return 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	ok = read(fd, magic, 4) == 4 && !memcmp(magic, "TZif", 4);
	close(fd);
	return ok;
}

int util_parse_time(const char *s, const char *tz, uint64_t *out)
{
	struct tm tm;
	char saved[128];
	int n = 0, y, mo, d, h = 0, mi = 0, sec = 0;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
		return CN_EINVAL;
	if (s[n] == ' ' || s[n] == 'T') {
		int m = 0;
		if (sscanf(s + n + 1, "%2d:%2d%n", &h, &mi, &m) != 2)
			return CN_EINVAL;
		n += 1 + m;
		if (s[n] == ':') {
			if (sscanf(s + n + 1, "%2d%n", &sec, &m) != 1)
				return CN_EINVAL;
			n += 1 + m;
		}
	}
	if (s[n] != 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return CN_EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	tm.tm_isdst = -1;
	with_tz(tz, saved, sizeof(saved));
	t = mktime(&tm);
	restore_tz(saved);
	if (t == (time_t)-1 || tm.tm_mday != d)
		return CN_EINVAL;
	*out = (uint64_t)t;
	return 0;
}

int util_parse_time_end(const char *s, const char *tz, uint64_t *out)
{
	char buf[32];

	if (strlen(s) <= 10 && !strchr(s, ' ') && !strchr(s, 'T')) {
		snprintf(buf, sizeof(buf), "%s 23:59:59", s);
		return util_parse_time(buf, tz, out);
	}
	return util_parse_time(s, tz, out);
}

int util_parse_duration(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	if (!s || !*s || *s == '-')
		return CN_EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return CN_EINVAL;
	switch (*end) {
	case 0:
	case 's':
		break;
	case 'm':
		mul = 60;
		break;
	case 'h':
		mul = 3600;
		break;
	case 'd':
		mul = 86400;
		break;
	default:
		return CN_EINVAL;
	}
	if (*end && end[1])
		return CN_EINVAL;
	if (v > UINT64_MAX / mul)
		return CN_EINVAL;
	*out = v * mul;
	return 0;
}

#include "log.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>

#include "utf8.h"

static enum log_level cur_level = LOG_LVL_INFO;
static char cur_tag[48] = "";

static const char *names[] = {"error", "warn", "info", "debug"};

void log_init(enum log_level level, const char *tag)
{
	cur_level = level;
	snprintf(cur_tag, sizeof(cur_tag), "%s", tag ? tag : "");
}

void log_setlevel(enum log_level level)
{
	cur_level = level;
}

enum log_level log_getlevel(void)
{
	return cur_level;
}

int log_level_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

const char *log_level_name(enum log_level level)
{
	return (unsigned)level < 4 ? names[level] : "?";
}

static void vlog(enum log_level level, const char *fmt, va_list ap, const char *suffix)
    __attribute__((format(printf, 2, 0)));

/* Copies in to out (outlen >= 5) with every control character, DEL and
 * byte that is not well-formed UTF-8 written as \xNN, so a line stays one
 * line whatever a peer put into a name or id (log injection). Cuts at a
 * character boundary when out is full. */
static void escape(const char *in, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t n = strlen(in), o = 0;
	uint32_t cp;

	for (size_t i = 0, k; i < n;) {
		k = utf8_next(p + i, n - i, &cp);
		if (k == 0 || cp < 0x20 || cp == 0x7f) {
			if (o + 4 >= outlen)
				break;
			snprintf(out + o, outlen - o, "\\x%02x", p[i]);
			o += 4;
			i++;
			continue;
		}
		if (o + k >= outlen)
			break;
		memcpy(out + o, p + i, k);
		o += k;
		i += k;
	}
	out[o] = 0;
}

static void vlog(enum log_level level, const char *fmt, va_list ap, const char *suffix)
{
	char ts[32], raw[LOG_LINE_MAX], line[LOG_LINE_MAX];
	time_t now;
	struct tm tm;

	if (level > cur_level)
		return;
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	escape(raw, line, sizeof(line));
	flockfile(stderr);
	if (cur_tag[0])
		fprintf(stderr, "%s carenet[%s] %s: ", ts, cur_tag, names[level]);
	else
		fprintf(stderr, "%s carenet %s: ", ts, names[level]);
	fputs(line, stderr);
	if (suffix)
		fprintf(stderr, ": %s", suffix);
	fputc('\n', stderr);
	funlockfile(stderr);
}

#define LOGFN(fn, lvl)                                                                             \
	void fn(const char *fmt, ...)                                                              \
	{                                                                                          \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		vlog(lvl, fmt, ap, NULL);                                                          \
		va_end(ap);                                                                        \
	}

LOGFN(log_warnx, LOG_LVL_WARN)
LOGFN(log_error, LOG_LVL_ERROR)
LOGFN(log_info, LOG_LVL_INFO)
LOGFN(log_debug, LOG_LVL_DEBUG)

void log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_LVL_WARN, fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

void log_ssl(const char *what)
{
	unsigned long e;
	char buf[256];
	int any = 0;

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		log_warnx("%s: openssl: %s", what, buf);
		any = 1;
	}
	if (!any)
		log_warnx("%s: openssl: no error detail", what);
}

void fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_LVL_ERROR, fmt, ap, strerror(saved));
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_LVL_ERROR, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}

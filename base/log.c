#include "log.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/err.h>

#include "utf8.h"

static enum log_level cur_level = LOG_LVL_INFO;
static char cur_tag[48] = "";
static int to_journal; /* stderr is the journal: <N> prefixes, no timestamp */

static const char *names[] = {"error", "warn", "notice", "info", "debug"};
/* syslog priorities (sd-daemon(3)'s <N> prefixes): err, warning, notice, info, debug */
static const int prio[] = {3, 4, 5, 6, 7};

/* Repeated lines: the same text at the same level more than LOG_RL_BURST
 * times in LOG_RL_WINDOW_S is held back and counted; log_repeats_flush says
 * how many once the window is over. A few slots: a flood is one line
 * repeated, not many. */
#define LOG_RL_SLOTS 32
#define LOG_RL_BURST 5
#define LOG_RL_WINDOW_S 10
struct repeat {
	uint64_t hash, since; /* since: monotonic seconds the window began */
	unsigned count, held;
	enum log_level level;
	char text[200];
};
static struct repeat repeats[LOG_RL_SLOTS];

static int stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(2, &st) != 0)
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_init(enum log_level level, const char *tag)
{
	cur_level = level;
	snprintf(cur_tag, sizeof(cur_tag), "%s", tag ? tag : "");
	to_journal = stderr_is_journal();
}

void log_set_timezone(const char *tz)
{
	if (tz && tz[0])
		setenv("TZ", tz, 1);
	tzset();
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
	for (int i = 0; i < 5; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

const char *log_level_name(enum log_level level)
{
	return (unsigned)level < 5 ? names[level] : "?";
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

/* One line: "<4>TAG warn: ..." to the journal (it stamps the time), else
 * "2026-11-29 17:45:01+0800 carenet[TAG] warn: ..." in local time (the
 * configured timezone, log_set_timezone). */
static void emit(enum log_level level, const char *line, const char *suffix)
{
	char ts[40], out[LOG_LINE_MAX + 256];
	time_t now = time(NULL);
	struct tm tm;
	int n;

	/* Formatted whole and written once: stderr is unbuffered, so piece by
	 * piece was 3 to 5 write(2) a line, and another process writing to the
	 * same file could land between the pieces. */
	if (to_journal) {
		n = snprintf(out, sizeof(out), "<%d>%s%s%s: %s%s%s\n", prio[level], cur_tag,
		             cur_tag[0] ? " " : "", names[level], line, suffix ? ": " : "",
		             suffix ? suffix : "");
	} else {
		localtime_r(&now, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S%z", &tm);
		n = snprintf(out, sizeof(out), "%s carenet%s%s%s %s: %s%s%s\n", ts,
		             cur_tag[0] ? "[" : "", cur_tag, cur_tag[0] ? "]" : "", names[level], line,
		             suffix ? ": " : "", suffix ? suffix : "");
	}
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(out)) { /* cut: still one line */
		n = (int)sizeof(out) - 1;
		out[n - 1] = '\n';
	}
	flockfile(stderr);
	fwrite(out, 1, (size_t)n, stderr);
	funlockfile(stderr);
}

static uint64_t mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec;
}

static void say_held(struct repeat *r)
{
	char line[LOG_LINE_MAX];

	snprintf(line, sizeof(line), "%u more like this in %d s (held back): %s", r->held,
	         LOG_RL_WINDOW_S, r->text);
	emit(r->level, line, NULL);
	r->held = 0;
}

/* 1 if this line is to be held back (counted) rather than written. */
static int repeated(enum log_level level, const char *line)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)level, now = mono_s();
	struct repeat *r, *oldest = NULL; /* a free slot, else the oldest window */
	char cut[LOG_LINE_MAX];
	size_t n;

	for (const unsigned char *p = (const unsigned char *)line; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	for (size_t i = 0; i < LOG_RL_SLOTS; i++) {
		r = &repeats[i];
		if (r->count && r->hash == h) {
			if (now - r->since >= LOG_RL_WINDOW_S) {
				if (r->held)
					say_held(r);
				r->since = now;
				r->count = 0;
			}
			return ++r->count > LOG_RL_BURST ? (r->held++, 1) : 0;
		}
		if (!oldest || (oldest->count && (!r->count || r->since < oldest->since)))
			oldest = r;
	}
	if (oldest->held)
		say_held(oldest);
	oldest->hash = h;
	oldest->since = now;
	oldest->count = 1;
	oldest->level = level;
	memcpy(cut, line, strlen(line) + 1);
	utf8_cut(cut, sizeof(oldest->text) - 1); /* not within a character */
	n = strlen(cut);
	memcpy(oldest->text, cut, n < sizeof(oldest->text) ? n + 1 : 1);
	return 0;
}

void log_repeats_flush(int all)
{
	uint64_t now = mono_s();

	for (size_t i = 0; i < LOG_RL_SLOTS; i++) {
		struct repeat *r = &repeats[i];
		if (r->count && (all || now - r->since >= LOG_RL_WINDOW_S)) {
			if (r->held)
				say_held(r);
			r->count = 0;
		}
	}
}

static void vlog(enum log_level level, const char *fmt, va_list ap, const char *suffix)
{
	char raw[LOG_LINE_MAX], line[LOG_LINE_MAX];

	if (level > cur_level)
		return;
	vsnprintf(raw, sizeof(raw), fmt, ap);
	escape(raw, line, sizeof(line));
	if (repeated(level, line))
		return;
	emit(level, line, suffix);
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
LOGFN(log_notice, LOG_LVL_NOTICE)
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

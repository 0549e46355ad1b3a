/*
 * log: one line per event on stderr, "key=value" fields, module and peer first:
 *   2026-11-29 16:00:00+0800 carenet[530102] warn: link 530102001: frame too long len=2097152
 * in local time (the node sets its configured timezone, log_set_timezone).
 * When stderr is the journal ($JOURNAL_STREAM names it, as systemd sets it
 * for a unit), lines carry the syslog priority and no timestamp (journald
 * stamps them): "<4>530102 warn: link ...".
 * notice is for what an operator must see (a directive arrived, a reminder,
 * overdue, a rectification order, an escalation); info for the ordinary.
 * The same line more than 5 times in 10 s is held back and counted; the
 * count is logged ("N more like this in 10 s (held back): LINE") at the
 * next such line after the window, or by log_repeats_flush.
 * What the format expands to is escaped: control characters, DEL and bytes
 * that are not UTF-8 appear as \xNN, so text from a peer cannot forge or
 * split lines; a line is cut at LOG_LINE_MAX bytes.
 * The logger is the only mutable global besides signal flags. Call from the
 * node's thread (or a single-threaded tool). fatal/fatalx exit(1) and are
 * for start-up only.
 */
#ifndef CARENET_LOG_H
#define CARENET_LOG_H

#include <stdarg.h>

#define LOG_LINE_MAX 2048

enum log_level {
	LOG_LVL_ERROR = 0,
	LOG_LVL_WARN = 1,
	LOG_LVL_NOTICE = 2,
	LOG_LVL_INFO = 3,
	LOG_LVL_DEBUG = 4
};

/* tag appears in brackets after "carenet" (the node id once known). Also
 * looks whether stderr is the journal. */
void log_init(enum log_level level, const char *tag);
/* Local time in lines is that of tz (an Olson name): sets the process's TZ. */
void log_set_timezone(const char *tz);
/* Logs the counts of held-back repeated lines whose window is over (all:
 * every count). The node calls it from its loop. */
void log_repeats_flush(int all);
void log_setlevel(enum log_level level);
enum log_level log_getlevel(void);
/* "error|warn|notice|info|debug" -> level; returns -1 if unknown. */
int log_level_parse(const char *s);
const char *log_level_name(enum log_level level);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* appends errno text */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Log the OpenSSL error queue (and clear it) at warn level, prefixed by what. */
void log_ssl(const char *what);
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif

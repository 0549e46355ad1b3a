/*
 * log: one line per event on stderr, "key=value" fields, module and peer first:
 *   2026-11-29T08:00:00Z carenet[530102] warn: link 530102001: frame too long len=2097152
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

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN = 1, LOG_LVL_INFO = 2, LOG_LVL_DEBUG = 3 };

/* tag appears in brackets after "carenet" (the node id once known). */
void log_init(enum log_level level, const char *tag);
void log_setlevel(enum log_level level);
enum log_level log_getlevel(void);
/* "error|warn|info|debug" -> level; returns -1 if unknown. */
int log_level_parse(const char *s);
const char *log_level_name(enum log_level level);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* appends errno text */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Log the OpenSSL error queue (and clear it) at warn level, prefixed by what. */
void log_ssl(const char *what);
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif

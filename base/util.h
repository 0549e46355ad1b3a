/*
 * util: small helpers shared by every module: files, paths, hex, time.
 * Thread: any. Errors: CN_EIO (errno set and logged by caller), CN_ENOMEM,
 * CN_EINVAL. Returned strings are malloc'd and owned by the caller.
 */
#ifndef CARENET_UTIL_H
#define CARENET_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The zone of times people read when the configuration names none. */
#define CARENET_DEFAULT_TZ "Asia/Shanghai"

/* Reads a whole file (at most max bytes; CN_ETOOBIG beyond). *buf is
 * NUL-terminated for convenience; caller frees. */
int util_read_file(const char *path, size_t max, uint8_t **buf, size_t *len);
/* Writes a file atomically with the given mode: a new temporary file made
 * by mkstemp in the same directory (O_EXCL, never following a planted
 * symlink), fsync, rename, fsync of the directory. With excl the file must
 * not exist (CN_EEXIST), checked atomically with the rename. */
int util_write_file(const char *path, const void *data, size_t len, mode_t mode, int excl);
/* The same in steps, for a writer that needs a file descriptor (an LMDB
 * copy): util_file_begin makes the temporary file beside path (returns its
 * fd, or CN_ENOMEM/CN_EIO; *tmp is its name, the caller's until commit or
 * abort); util_file_commit sets mode, fsyncs, renames it onto path (excl as
 * above), fsyncs the directory, and closes fd and frees *tmp whatever
 * happens; util_file_abort closes and removes it. */
int util_file_begin(const char *path, char **tmp);
/* fsyncs directory dir (a rename in it made durable). */
int util_dir_sync(const char *dir);
int util_file_commit(int fd, char **tmp, const char *path, mode_t mode, int excl);
void util_file_abort(int fd, char **tmp);
/* 0 if dir is a directory (not a symlink) that only its owner may enter
 * (no group/other bits); CN_EPERM if looser, CN_EINVAL if not a directory,
 * CN_ENOTFOUND, CN_EIO. Key directories must pass it. */
int util_dir_private(const char *dir);
/* mkdir -p with the given mode for directories created. */
int util_mkdirs(const char *path, mode_t mode);
/* Joins dir and a relative path; an absolute path is returned as is. */
char *util_path_join(const char *dir, const char *path);
/* Directory part of path (malloc'd). */
char *util_dirname(const char *path);
/* Absolute path (realpath of the directory part + base name; file may not exist). */
char *util_abspath(const char *path);
char *util_strdup(const char *s); /* aborts never; NULL on ENOMEM */

void util_hex(const uint8_t *in, size_t len, char *out);      /* out: 2*len+1 */
int util_unhex(const char *hex, uint8_t *out, size_t outlen); /* exact length */

/* Wall-clock UTC seconds and monotonic microseconds. */
uint64_t util_now(void);
uint64_t util_mono_us(void);
/* Wall-clock UTC microseconds. */
uint64_t util_now_us(void);
/* "2026-11-29 08:00" in the zone (e.g. "Asia/Shanghai"); out >= 32 bytes. */
void util_fmt_time(uint64_t t, const char *tz, char *out, size_t outlen);
/* 1 when tz names a zone this machine knows: "UTC", a TZif file under
 * $TZDIR or /usr/share/zoneinfo ("Asia/Shanghai"), or a POSIX rule
 * ("CST-8"); 0 otherwise (the C library would silently use UTC). */
int util_tz_valid(const char *tz);
/* Parses "YYYY-MM-DD[ HH:MM[:SS]]" in zone tz to UTC seconds; a date alone
 * is its first second (see util_parse_time_end). */
int util_parse_time(const char *s, const char *tz, uint64_t *out);
/* As util_parse_time, but a date alone ("2026-12-31") is the end of that
 * day, 23:59:59 in tz: a deadline given as a day means the whole day. */
int util_parse_time_end(const char *s, const char *tz, uint64_t *out);
/* Parses a duration "90", "90s", "15m", "2h", "7d" to seconds. */
int util_parse_duration(const char *s, uint64_t *out);

#endif

/*
 * config_int: the configuration schema shared by config.c (loader, printer)
 * and config_keys.c (the key table and its documentation). Nothing outside
 * config/ includes it.
 */
#ifndef CARENET_CONFIG_INT_H
#define CARENET_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

#define MIB ((size_t)1024 * 1024)

enum kind {
	K_GROUP,    /* { ... } of sub keys */
	K_STR,      /* non-empty string */
	K_PATH,     /* non-empty path, resolved against the config dir */
	K_PATH_OPT, /* path or "" (unset) */
	K_ENDPOINT, /* tcp://HOST:PORT, ipc://PATH or "" (unset) */
	K_LEVEL,    /* log level name, stored as int */
	K_TZ,       /* a zone name this machine knows (util_tz_valid) */
	K_REMIND,   /* reminder list: the string, parsed into remind_before[] */
	K_DUR,      /* a duration ("1h"): the string, parsed into the uint64_t
	             * seconds field that follows it in struct config; min..max s */
	K_BOOL,
	K_INT,   /* int field */
	K_SIZE,  /* size_t field */
	K_MB,    /* size_t field in bytes, written in MiB */
	K_PATHS, /* array of paths: char **field, size_t count after it */
};

/* One row per key. A text kind's default is def (a relative K_PATH is
 * resolved against the config dir); a number's is num (K_MB in MiB, K_BOOL
 * 0/1); K_PATHS defaults to none. */
struct key {
	const char *name;
	enum kind kind;
	size_t off; /* of the field in struct config */
	const char *def;
	long long num;
	long long min, max;    /* numbers only */
	bool reload;           /* a SIGHUP applies it; otherwise it needs a restart */
	const char *doc;       /* one line, for config/README.md */
	const struct key *sub; /* K_GROUP: members, ending with a NULL name */
};

/* The top level, in file order. */
extern const struct key config_keys[];

/* 1 if the kind is stored as a malloc'd char * (and written as a string). */
static inline int config_kind_is_str(enum kind k)
{
	return k == K_STR || k == K_TZ || k == K_PATH || k == K_PATH_OPT || k == K_ENDPOINT ||
	       k == K_REMIND || k == K_DUR;
}

#endif

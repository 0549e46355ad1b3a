/*
 * config: a node's configuration file (libconfig syntax).
 *
 * Every key has a default; unknown keys, wrong types and out-of-range
 * values are errors reported as "FILE:LINE: message". Relative paths (and
 * relative ipc:// socket paths) are resolved against the directory holding
 * the configuration file; every path in struct config is absolute.
 * A loaded config is immutable; reload parses a new one and swaps.
 * Reference of every key: config/README.md.
 * Errors: CN_ECONFIG (message in err), CN_EIO (cannot read), CN_ENOMEM.
 */
#ifndef CARENET_CONFIG_H
#define CARENET_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CONFIG_DEFAULT_PATH "/etc/carenet/node.cfg"

struct config {
	char *path;            /* absolute path of the file loaded */
	char *data_dir;        /* LMDB env, control socket; default "<cfgdir>/data" */
	char *listen;          /* ZMQ endpoint for children; "" = none (villages) */
	char *parent_endpoint; /* "" = no parent (county) */
	char *parent_cert;     /* parent's certificate (PEM), carries its CURVE key */
	char *key_file;        /* default "<cfgdir>/node.key" */
	char *cert_file;       /* default "<cfgdir>/node.pem" */
	char *chain_file;      /* default "<cfgdir>/chain.pem" */
	char *root_file;       /* default "<cfgdir>/root.pem" */
	char *curve_file;      /* default "<cfgdir>/curve.key" */
	char **crl_files;      /* default: none */
	size_t ncrl;
	int log_level;         /* enum log_level; "info" */
	char *timezone;        /* "Asia/Shanghai" */
	bool test_clock;       /* false */
	/* limits */
	size_t max_frame;      /* bytes, 1 MiB; 1 KiB .. 64 MiB */
	int ban_after;         /* invalid messages before a ban, 5 */
	int ban_seconds;       /* 300 */
	int hello_timeout;     /* seconds a connection may stay without HELLO, 10 */
	/* link timing */
	int heartbeat_ivl_ms;      /* 2000 */
	int heartbeat_timeout_ms;  /* 6000 */
	int reconnect_ivl_ms;      /* 100 */
	int reconnect_ivl_max_ms;  /* 5000 */
	int ping_interval_ms;      /* application RTT ping, 5000 */
	/* delivery (directives issue) */
	int window_urgent;     /* unacked items in flight per lane, 256 */
	int window_normal;     /* 1024 */
	int window_bulk;       /* 1024 */
	size_t map_size;       /* initial LMDB map size, 64 MiB */
	/* deadlines (issuers) */
	char *remind;          /* default reminders before due: "7d,1d", or "none" */
	bool auto_rectify;     /* issue a rectification order for overdue targets: false */
	int rectify_hours;     /* its deadline after the overdue moment: 168 (1..8760) */
};

/* Loads path (messages name it as given). On failure *out is NULL and err
 * (may be NULL) holds one line without a newline. Caller frees with
 * config_free, which accepts NULL and NULLs the pointer. */
int config_load(const char *path, struct config **out, char *err, size_t errlen);
void config_free(struct config **cfg);
/* Writes the normalized configuration (every key in file order, defaults
 * filled in, absolute paths) in libconfig syntax that config_load reads
 * back to the same values. 0, or CN_EIO if out failed. */
int config_print(const struct config *cfg, FILE *out);
/* Parses a reminder list ("7d,1d", "none") into at most max offsets in
 * seconds; CN_EINVAL if malformed. out may be NULL to validate only. */
int config_parse_remind(const char *s, uint64_t *out, size_t max, size_t *n);

#endif

/*
 * config: a node's configuration file (libconfig syntax).
 *
 * Every key has a default; unknown keys, wrong types and out-of-range
 * values are errors reported as "FILE:LINE: message". Relative paths (and
 * relative ipc:// socket paths) are resolved against the directory holding
 * the configuration file; every path in struct config is absolute.
 * A loaded config is immutable; reload parses a new one and swaps.
 * Reference of every key: config/README.md, whose key table is
 * config_doc()'s output (test_config checks they agree).
 * Errors: CN_ECONFIG (message in err), CN_EIO (cannot read), CN_ENOMEM.
 */
#ifndef CARENET_CONFIG_H
#define CARENET_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CONFIG_DEFAULT_PATH "/etc/carenet/node.cfg"
#define CONFIG_MAX_REMIND 8 /* entries in deadline.remind */

/* Defaults, bounds, whether a reload applies it, and a line of doc for
 * every key: the table in config/config_keys.c (README: config_doc). */
struct config {
	char *path;            /* absolute path of the file loaded */
	char *data_dir;        /* LMDB env, control socket */
	char *listen;          /* ZMQ endpoint for children; "" = none (villages) */
	char *parent_endpoint; /* "" = no parent (county) */
	char *parent_cert;     /* parent's certificate (PEM), carries its CURVE key */
	char *county_endpoint; /* a village's county node, for failover; "" = none */
	char *county_cert;     /* its certificate (PEM): the CURVE key expected there */
	char *key_file;
	char *cert_file;
	char *chain_file;
	char *root_file;
	char *curve_file;
	char *records_key_file; /* AES-256 key of records' personal fields at rest */
	char **crl_files;
	size_t ncrl;
	int crl_grace_days;    /* refuse an issuer's certificates this long after its CRL's
	                        * nextUpdate; 0 = never (warn only) */
	int log_level;         /* enum log_level */
	char *timezone;
	bool test_clock;
	/* limits */
	size_t max_frame;      /* bytes */
	int ban_after;         /* invalid messages before a ban */
	int ban_seconds;
	int hello_timeout;     /* seconds a connection may stay without HELLO */
	size_t prehello_bytes; /* bytes a key may send before HELLO */
	int new_keys_per_addr; /* new unauthenticated keys per address per minute */
	/* link timing */
	int heartbeat_ivl_ms;
	int heartbeat_timeout_ms;
	int reconnect_ivl_ms;
	int reconnect_ivl_max_ms;
	int ping_interval_ms;  /* application RTT ping */
	/* delivery */
	int window_urgent;     /* unacked items in flight per lane */
	int window_normal;
	int window_bulk;
	size_t map_size;       /* initial LMDB map size, bytes */
	size_t subtree_quota;  /* bytes queued here on behalf of one child's subtree */
	int keep_acked;        /* hours acknowledged outbox entries stay in the archive */
	size_t keep_acked_bytes; /* and at most this many bytes of them per (peer, lane) */
	/* deadlines (issuers) */
	char *remind;          /* default reminders before due, as written ("7d,1d", "none") */
	uint64_t remind_before[CONFIG_MAX_REMIND]; /* the same, parsed: seconds before due */
	size_t nremind;        /* 0 for "none" */
	bool auto_rectify;     /* order rectification of overdue targets */
	int rectify_hours;     /* its deadline after the overdue moment */
	/* records */
	size_t max_document;   /* bytes of one attached document (roles/docs) */
	/* reports (roles/reports): each string, then its seconds (K_DUR) */
	char *report_ack_urgent; /* a hop of an urgent report is acknowledged within */
	uint64_t report_ack_urgent_s;
	char *report_ack_high;
	uint64_t report_ack_high_s;
	char *report_ack_normal;
	uint64_t report_ack_normal_s;
	char *report_failover; /* parent unreachable this long: straight to the county */
	uint64_t report_failover_s;
	/* compliance */
	char *standards_dir;   /* the standards' directory ("": the default) */
	char *rollup_standards; /* ids evaluated for the monthly roll-up, comma-separated */
	/* audit checkpoints to the parent */
	int checkpoint_entries; /* after this many new entries */
	int checkpoint_minutes; /* or this long, if the log grew */
	/* the web interface (carenet web, web/) */
	char *web_listen;      /* HOST:PORT */
	char *web_tls_cert;    /* "" = no TLS */
	char *web_tls_key;
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
/* Writes the key table of config/README.md (markdown: key, type, default,
 * range, reload, meaning; one row per key). 0, or CN_EIO if out failed. */
int config_doc(FILE *out);
/* The same rows as roff (.TP entries) for carenet.cfg(5). 0, or CN_EIO. */
int config_doc_man(FILE *out);
/* Parses a reminder list ("7d,1d", "none") into at most max offsets in
 * seconds; CN_EINVAL if malformed. out may be NULL to validate only. */
int config_parse_remind(const char *s, uint64_t *out, size_t max, size_t *n);

#endif

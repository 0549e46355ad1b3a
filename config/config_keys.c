/*
 * config_keys: the configuration schema -- one row per key (name, type,
 * default, bounds, reloadable, one line of documentation). The loader, the
 * defaults, the range checks, config_print (carenet run -n) and the key
 * table of config/README.md (config_doc; test_config fails if they differ)
 * all come from these rows. A new key is one row here and one field in
 * struct config.
 *
 * Relations between keys are code, in check_relations() (config.c):
 *  - link.heartbeat_timeout_ms must exceed link.heartbeat_ivl_ms;
 *  - link.reconnect_ivl_max_ms must be at least link.reconnect_ivl_ms;
 *  - parent.endpoint and parent.cert are both set or both empty; so are
 *    county.endpoint and county.cert.
 * The per-key bounds below are the widest each key may take.
 */
#include "config_int.h"
#include "args.h"
#include "err.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* clang-format off */
#define F(m) offsetof(struct config, m)
/* TEXT: a string kind with default d; NUM: a number kind with default d
 * and bounds lo..hi; rl: reloadable (true) or needs a restart (false). */
#define TEXT(n, k, m, d, rl, doc) {n, k, F(m), d, 0, 0, 0, rl, doc, NULL}
#define NUM(n, k, m, d, lo, hi, rl, doc) {n, k, F(m), NULL, d, lo, hi, rl, doc, NULL}
/* DUR: a duration string with default d, lo..hi seconds. */
#define DUR(n, m, d, lo, hi, rl, doc) {n, K_DUR, F(m), d, 0, lo, hi, rl, doc, NULL}
#define GROUP(n, sub) {n, K_GROUP, 0, NULL, 0, 0, 0, false, NULL, sub}
#define END {NULL, K_GROUP, 0, NULL, 0, 0, 0, false, NULL, NULL}
/* clang-format on */

static const struct key web_keys[] = {
    TEXT("listen", K_STR, web_listen, "127.0.0.1:8080", false,
         "Where `carenet web` serves (HOST:PORT, numeric); beyond loopback only with TLS."),
    TEXT("tls_cert", K_PATH_OPT, web_tls_cert, "", false,
         "`carenet web`'s TLS certificate chain (PEM); with `tls_key`, it serves HTTPS."),
    TEXT("tls_key", K_PATH_OPT, web_tls_key, "", false,
         "Its private key (PEM), readable by the web process only; not a key of the node."),
    END,
};

static const struct key parent_keys[] = {
    TEXT("endpoint", K_ENDPOINT, parent_endpoint, "", false,
         "The parent's `listen` socket; the node connects up and reconnects with back-off."),
    TEXT("cert", K_PATH_OPT, parent_cert, "", false,
         "The parent's certificate (PEM), carrying the CURVE key expected from the parent."),
    END,
};

static const struct key county_keys[] = {
    TEXT("endpoint", K_ENDPOINT, county_endpoint, "", false,
         "A village's county node (`listen`), for failover: its urgent items go there directly "
         "while its township does not acknowledge for `reports.failover`; enroll writes it."),
    TEXT("cert", K_PATH_OPT, county_cert, "", false,
         "The county node's certificate (PEM), carrying the CURVE key expected there; unset: "
         "no failover."),
    END,
};

static const struct key identity_keys[] = {
    TEXT("key", K_PATH, key_file, "node.key", false,
         "The node's Ed25519 private key (signs items), mode 0600."),
    TEXT("cert", K_PATH, cert_file, "node.pem", false,
         "The node's leaf certificate: id, role, CURVE public key."),
    TEXT("chain", K_PATH, chain_file, "chain.pem", false,
         "Intermediate certificates (the county CA) up to the root."),
    TEXT("root", K_PATH, root_file, "root.pem", false,
         "The trusted root (province) CA certificate."),
    TEXT("curve", K_PATH, curve_file, "curve.key", false,
         "The node's CURVE key pair for ZeroMQ, mode 0600."),
    TEXT("records_key", K_PATH, records_key_file, "records.key", false,
         "AES-256 key sealing records' personal fields at rest, mode 0600; made at first "
         "start if missing; never inside `data_dir`."),
    END,
};

static const struct key limits_keys[] = {
    NUM("max_frame", K_SIZE, max_frame, 1048576, 1024, 67108864, true,
        "Largest message accepted, in bytes; longer frames are refused and counted."),
    NUM("ban_after", K_INT, ban_after, 5, 1, 1000, true,
        "Invalid messages from one key before that key is banned."),
    NUM("ban_seconds", K_INT, ban_seconds, 300, 1, 604800, true, "How long a ban lasts (s)."),
    NUM("hello_timeout", K_INT, hello_timeout, 10, 1, 3600, true,
        "Time a new connection has to complete HELLO (s)."),
    NUM("prehello_bytes", K_SIZE, prehello_bytes, 65536, 1024, 67108864, true,
        "Bytes a key may send before its HELLO is accepted; more bans the key."),
    NUM("new_keys_per_addr", K_INT, new_keys_per_addr, 32, 1, 1000000, true,
        "Keys never seen to complete HELLO that one address may connect with per minute."),
    END,
};

static const struct key link_keys[] = {
    NUM("heartbeat_ivl_ms", K_INT, heartbeat_ivl_ms, 2000, 100, 600000, false,
        "ZMTP heartbeat interval (`ZMQ_HEARTBEAT_IVL`)."),
    NUM("heartbeat_timeout_ms", K_INT, heartbeat_timeout_ms, 6000, 101, 3600000, false,
        "Silence after which the connection is dropped; must exceed `heartbeat_ivl_ms`."),
    NUM("reconnect_ivl_ms", K_INT, reconnect_ivl_ms, 100, 10, 60000, false,
        "First reconnect delay to the parent (`ZMQ_RECONNECT_IVL`)."),
    NUM("reconnect_ivl_max_ms", K_INT, reconnect_ivl_max_ms, 5000, 10, 600000, false,
        "Reconnect back-off cap; at least `reconnect_ivl_ms`."),
    NUM("ping_interval_ms", K_INT, ping_interval_ms, 5000, 100, 3600000, true,
        "Application-level round-trip ping, shown by `carenet status`."),
    END,
};

static const struct key delivery_keys[] = {
    NUM("window_urgent", K_INT, window_urgent, 256, 1, 65536, true,
        "Unacknowledged items in flight per peer on the urgent lane."),
    NUM("window_normal", K_INT, window_normal, 1024, 1, 65536, true,
        "The same for the normal lane (directives, statuses)."),
    NUM("window_bulk", K_INT, window_bulk, 1024, 1, 65536, true,
        "The same for the bulk lane (field records)."),
    NUM("map_size_mb", K_MB, map_size, 64, 1, 1048576, false,
        "Initial LMDB map size; it doubles by itself when full (a start, not a quota)."),
    NUM("subtree_quota", K_SIZE, subtree_quota, 33554432, 65536, 68719476736LL, true,
        "Bytes one child's subtree may keep queued at this node; beyond it its frames wait, "
        "refused and counted."),
    NUM("keep_acked", K_INT, keep_acked, 72, 0, 8760, true,
        "Hours acknowledged messages are kept to re-send to a neighbour restored from a backup or "
        "that lost its store; 0: none."),
    NUM("keep_acked_bytes", K_SIZE, keep_acked_bytes, 8388608, 0, 68719476736LL, true,
        "At most this many bytes of them per neighbour and lane (the oldest go first)."),
    END,
};

static const struct key deadline_keys[] = {
    TEXT("remind", K_REMIND, remind, "7d,1d", true,
         "Reminders before a directive's due time to targets not done, unless `--remind`."),
    NUM("auto_rectify", K_BOOL, auto_rectify, 0, 0, 1, true,
        "Issue a rectification order to offices whose task falls overdue."),
    NUM("rectify_hours", K_INT, rectify_hours, 168, 1, 8760, true,
        "That order's deadline, in hours after the original fell overdue."),
    END,
};

static const struct key audit_keys[] = {
    NUM("checkpoint_entries", K_INT, checkpoint_entries, 100, 1, 1000000, true,
        "A signed checkpoint of the audit log goes to the parent after this many new entries."),
    NUM("checkpoint_minutes", K_INT, checkpoint_minutes, 60, 1, 10080, true,
        "...or this long after the last one if the log grew; and at a clean stop."),
    END,
};

static const struct key records_keys[] = {
    NUM("max_document", K_SIZE, max_document, 16777216, 1024, 1073741824, true,
        "Largest document (attached file) in bytes: refused at attach and at every hop."),
    END,
};

/* The seed gives no figure for these ("第一时间", "及时"): defaults are the
 * design's (config/README.md says so). */
static const struct key reports_keys[] = {
    DUR("ack_urgent", report_ack_urgent, "1h", 60, 2592000, true,
        "An urgent report's hop must be acknowledged within this (no figure in the seed); "
        "late, the county takes it."),
    DUR("ack_high", report_ack_high, "12h", 60, 2592000, true,
        "The same for a report of high urgency."),
    DUR("ack_normal", report_ack_normal, "72h", 60, 2592000, true,
        "The same for a report of normal urgency."),
    DUR("failover", report_failover, "5m", 1, 86400, true,
        "A report's office whose parent is unreachable this long sends it straight to the "
        "county."),
    END,
};

_Static_assert(offsetof(struct config, report_ack_urgent_s) ==
                   offsetof(struct config, report_ack_urgent) + sizeof(char *),
               "K_DUR: the seconds follow the string");

static const struct key compliance_keys[] = {
    TEXT("standards_dir", K_PATH_OPT, standards_dir, "", true,
         "Directory of the standards (ID.cfg) `carenet compliance` evaluates; empty: "
         "/etc/carenet/standards, else /usr/share/carenet/standards, else the source tree's."),
    TEXT("rollup_standards", K_STR, rollup_standards, "yunnan-2018-plan,mca-2018-demo", true,
         "Standards (ids, comma-separated, at most 4) a county evaluates at each month's end "
         "for its roll-up to the prefecture or province (results per indicator only)."),
    END,
};

const struct key config_keys[] = {
    TEXT("data_dir", K_PATH, data_dir, "data", false,
         "LMDB environment, control socket and lock (mode 0700); one node per directory."),
    TEXT("listen", K_ENDPOINT, listen, "", false,
         "Socket bound for children and inspectors (CURVE server); empty: none (villages)."),
    GROUP("web", web_keys),
    GROUP("parent", parent_keys),
    GROUP("county", county_keys),
    GROUP("identity", identity_keys),
    {"crl", K_PATHS, F(crl_files), NULL, 0, 0, 0, true,
     "Revocation lists (PEM) loaded at start; newer ones also arrive from the parent.", NULL},
    NUM("crl_grace_days", K_INT, crl_grace_days, 0, 0, 365, true,
        "Days after a CRL's next update before its issuer's certificates are refused; 0: never."),
    TEXT("log_level", K_LEVEL, log_level, "info", true, "Lowest level logged to stderr."),
    TEXT(
        "timezone", K_TZ, timezone, CARENET_DEFAULT_TZ, true,
        "Zone for showing times and parsing dates; a name this machine does not know is an error."),
    NUM("test_clock", K_BOOL, test_clock, 0, 0, 1, false,
        "Lets tests shift this node's clock; only with a demo root, else the node refuses to "
        "start."),
    GROUP("limits", limits_keys),
    GROUP("link", link_keys),
    GROUP("delivery", delivery_keys),
    GROUP("deadline", deadline_keys),
    GROUP("audit", audit_keys),
    GROUP("records", records_keys),
    GROUP("reports", reports_keys),
    GROUP("compliance", compliance_keys),
    END,
};

static const char *type_name(enum kind k)
{
	static const char *const names[] = {
	    [K_GROUP] = "group",
	    [K_STR] = "string",
	    [K_PATH] = "path",
	    [K_PATH_OPT] = "path",
	    [K_ENDPOINT] = "endpoint",
	    [K_LEVEL] = "string",
	    [K_TZ] = "string",
	    [K_REMIND] = "string",
	    [K_DUR] = "string",
	    [K_BOOL] = "boolean",
	    [K_INT] = "integer",
	    [K_SIZE] = "integer",
	    [K_MB] = "integer (MiB)",
	    [K_PATHS] = "array of paths",
	};
	return names[k];
}

static void doc_default(const struct key *k, FILE *out)
{
	if (k->kind == K_PATHS)
		fputs("`[ ]`", out);
	else if (k->kind == K_BOOL)
		fputs(k->num ? "`true`" : "`false`", out);
	else if (!config_kind_is_str(k->kind) && k->kind != K_LEVEL)
		fprintf(out, "`%lld`", k->num);
	else if (k->kind == K_PATH && k->def[0] != '/')
		fprintf(out, "`\"<cfgdir>/%s\"`", k->def);
	else
		fprintf(out, "`\"%s\"`", k->def);
}

static void doc_range(const struct key *k, FILE *out)
{
	switch (k->kind) {
	case K_STR:
	case K_PATH:
		fputs("non-empty", out);
		break;
	case K_PATH_OPT:
		fputs("`\"\"` or a path", out);
		break;
	case K_ENDPOINT:
		fputs("`\"\"`, `tcp://HOST:PORT`, `ipc://PATH`", out);
		break;
	case K_LEVEL:
		fputs("`error`, `warn`, `notice`, `info`, `debug`", out);
		break;
	case K_TZ:
		fputs("a zone under /usr/share/zoneinfo, or `UTC`", out);
		break;
	case K_REMIND:
		fprintf(out, "up to %d durations (`s`, `m`, `h`, `d`), or `\"none\"`",
		        CONFIG_MAX_REMIND);
		break;
	case K_DUR:
		fprintf(out, "a duration (`s`, `m`, `h`, `d`), %llds..%llds", k->min, k->max);
		break;
	case K_BOOL:
		fputs("`true`, `false`", out);
		break;
	case K_PATHS:
		fputs("non-empty strings", out);
		break;
	default:
		fprintf(out, "%lld..%lld", k->min, k->max);
		break;
	}
}

static void doc_rows(const struct key *keys, const char *prefix, FILE *out)
{
	for (const struct key *k = keys; k->name; k++) {
		char name[64];

		snprintf(name, sizeof(name), "%s%s%s", prefix, prefix[0] ? "." : "", k->name);
		if (k->kind == K_GROUP) {
			doc_rows(k->sub, name, out);
			continue;
		}
		fprintf(out, "| `%s` | %s | ", name, type_name(k->kind));
		doc_default(k, out);
		fputs(" | ", out);
		doc_range(k, out);
		fprintf(out, " | %s | %s |\n", k->reload ? "yes" : "restart", k->doc);
	}
}

/* What fn writes to a FILE, without markdown's backticks, roff-escaped. */
static void man_field(const struct key *k, void (*fn)(const struct key *, FILE *), FILE *out)
{
	char *buf = NULL, *o;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return;
	fn(k, m);
	fclose(m);
	o = buf;
	for (char *c = buf; *c; c++)
		if (*c != '`')
			*o++ = *c;
	*o = 0;
	args_roff(out, buf, strlen(buf));
	free(buf);
}

static void man_rows(const struct key *keys, const char *prefix, FILE *out)
{
	for (const struct key *k = keys; k->name; k++) {
		char name[64];

		snprintf(name, sizeof(name), "%s%s%s", prefix, prefix[0] ? "." : "", k->name);
		if (k->kind == K_GROUP) {
			man_rows(k->sub, name, out);
			continue;
		}
		fputs(".TP\n.B ", out);
		args_roff(out, name, strlen(name));
		fprintf(out, "\n%s, default ", type_name(k->kind));
		man_field(k, doc_default, out);
		fputs("; ", out);
		man_field(k, doc_range, out);
		fprintf(out, "; %s.\n.br\n", k->reload ? "reloaded by SIGHUP" : "needs a restart");
		args_roff_text(out, k->doc);
	}
}

int config_doc_man(FILE *out)
{
	man_rows(config_keys, "", out);
	if (fflush(out) != 0 || ferror(out))
		return CN_EIO;
	return 0;
}

int config_doc(FILE *out)
{
	fputs("| key | type | default | range | reload | meaning |\n", out);
	fputs("|---|---|---|---|---|---|\n", out);
	doc_rows(config_keys, "", out);
	if (fflush(out) != 0 || ferror(out))
		return CN_EIO;
	return 0;
}

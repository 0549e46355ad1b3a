/*
 * config: libconfig file -> struct config, driven by the key table
 * (config_keys.c). Defaults are set from the table first; loading then walks
 * the file's settings in file order, so the first error reported is the
 * first one in the file; printing walks the table, so the output has every
 * key in table order and loads back unchanged.
 */
#include "config.h"
#include "config_int.h"
#include "err.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_MAX_BYTES (1024 * 1024) /* a config file larger than this is a mistake */
#define IPC_PATH_MAX 107               /* sizeof(sockaddr_un.sun_path) - 1 on Linux */

struct loader {
	const char *path;   /* as given by the caller: used in messages */
	const char *cfgdir; /* absolute directory of the file */
	const char *text;   /* the main file's text */
	char *err;
	size_t errlen;
};

#define FIELD(cfg, k, type) ((type *)(void *)((char *)(cfg) + (k)->off))

static void seterr(struct loader *ld, const char *file, unsigned line, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static void seterr(struct loader *ld, const char *file, unsigned line, const char *fmt, va_list ap)
{
	int n;

	if (!ld->err || ld->errlen == 0)
		return;
	if (line > 0)
		n = snprintf(ld->err, ld->errlen, "%s:%u: ", file, line);
	else
		n = snprintf(ld->err, ld->errlen, "%s: ", file);
	if (n >= 0 && (size_t)n < ld->errlen)
		vsnprintf(ld->err + n, ld->errlen - (size_t)n, fmt, ap);
}

/* Reports "FILE:LINE: message" for setting s (or "FILE: message" if s is
 * NULL) and returns CN_ECONFIG. */
static int fail(struct loader *ld, const config_setting_t *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct loader *ld, const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;
	char *inc = NULL;

	if (s && config_setting_source_file(s))
		inc = util_path_join(ld->cfgdir, config_setting_source_file(s));
	va_start(ap, fmt);
	seterr(ld, inc ? inc : ld->path, s ? config_setting_source_line(s) : 0, fmt, ap);
	va_end(ap);
	free(inc);
	return CN_ECONFIG;
}

static int fail_nomem(struct loader *ld)
{
	if (ld->err && ld->errlen)
		snprintf(ld->err, ld->errlen, "%s: out of memory", ld->path);
	return CN_ENOMEM;
}

/* Dotted name of a setting ("limits.max_frame"). */
static void setting_name(const config_setting_t *s, char *buf, size_t len)
{
	const config_setting_t *p = s ? config_setting_parent(s) : NULL;
	const char *name = s && config_setting_name(s) ? config_setting_name(s) : "?";

	if (p && !config_setting_is_root(p)) {
		setting_name(p, buf, len);
		size_t n = strlen(buf);
		snprintf(buf + n, len - n, ".%s", name);
	} else {
		snprintf(buf, len, "%s", name);
	}
}

static const struct key *find_key(const struct key *keys, const char *name)
{
	for (const struct key *k = keys; k->name; k++)
		if (name && strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

static int fail_unknown(struct loader *ld, const config_setting_t *s, const struct key *keys)
{
	char name[128], known[512];
	size_t n = 0;

	setting_name(s, name, sizeof(name));
	known[0] = 0;
	for (const struct key *k = keys; k->name && n < sizeof(known); k++)
		n += (size_t)snprintf(known + n, sizeof(known) - n, "%s%s", k == keys ? "" : ", ",
		                      k->name);
	return fail(ld, s, "unknown key '%s' (known keys: %s)", name, known);
}

/* Lexically cleans an absolute path in place: "//" and "." dropped, ".."
 * removes the previous component (never above "/"). */
static void path_clean(char *p)
{
	size_t n = 1;
	const char *r = p + 1;

	while (*r) {
		const char *e = strchr(r, '/');
		size_t len = e ? (size_t)(e - r) : strlen(r);

		if (len == 0 || (len == 1 && r[0] == '.')) {
			/* skip */
		} else if (len == 2 && r[0] == '.' && r[1] == '.') {
			while (n > 1 && p[n - 1] != '/')
				n--;
			if (n > 1)
				n--;
		} else {
			if (n > 1)
				p[n++] = '/';
			memmove(p + n, r, len);
			n += len;
		}
		r += len;
		if (*r == '/')
			r++;
	}
	p[n] = 0;
}

static char *resolve_path(const char *cfgdir, const char *path)
{
	char *r = util_path_join(cfgdir, path);
	if (r)
		path_clean(r);
	return r;
}

/*
 * libconfig 1.5 stores an integer literal without the L suffix in an int,
 * silently wrapping values beyond 32 bits (4294968320 reads as 1024). To
 * refuse those instead of accepting a different number, find the literal on
 * the setting's source line; if it wraps to the stored value but differs
 * from it, the literal is what the user meant. Returns the value to check.
 */
static const char *line_start(const char *text, unsigned line)
{
	for (unsigned l = 1; text && l < line; l++) {
		text = strchr(text, '\n');
		if (text)
			text++;
	}
	return text;
}

static int is_ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '*';
}

static long long literal_on_line(const char *line, const char *name, int stored)
{
	size_t nlen = strlen(name);
	const char *end = strchr(line, '\n');

	if (!end)
		end = line + strlen(line);
	for (const char *m = line; (m = strstr(m, name)) && m < end; m += nlen) {
		const char *v = m + nlen;
		char *after;
		long long lit;

		if ((m > line && is_ident(m[-1])) || is_ident(*v))
			continue;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v != '=' && *v != ':')
			continue;
		v++;
		while (*v == ' ' || *v == '\t')
			v++;
		const char *digits = (*v == '-' || *v == '+') ? v + 1 : v;
		int base = (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) ? 16 : 10;
		errno = 0;
		lit = strtoll(v, &after, base);
		if (errno || after == v || after > end)
			continue;
		if ((int32_t)(uint32_t)(unsigned long long)lit == stored)
			return lit;
	}
	return stored;
}

static long long int_value(struct loader *ld, const config_setting_t *s)
{
	uint8_t *buf = NULL;
	size_t len;
	long long v;
	const char *text = ld->text;
	const char *file = config_setting_source_file(s);

	if (config_setting_type(s) == CONFIG_TYPE_INT64)
		return config_setting_get_int64(s);
	v = config_setting_get_int(s);
	if (file) { /* an @include file: read it again, it is small */
		char *p = util_path_join(ld->cfgdir, file);
		if (!p || util_read_file(p, CONFIG_MAX_BYTES, &buf, &len) != 0)
			text = NULL;
		else
			text = (const char *)buf;
		free(p);
	}
	if (text)
		v = literal_on_line(line_start(text, config_setting_source_line(s)),
		                    config_setting_name(s), (int)v);
	free(buf);
	return v;
}

static int set_string(struct loader *ld, char **dst, const char *val)
{
	char *dup = util_strdup(val);
	if (!dup)
		return fail_nomem(ld);
	free(*dst);
	*dst = dup;
	return 0;
}

static int set_path(struct loader *ld, char **dst, const char *val)
{
	char *r = resolve_path(ld->cfgdir, val);
	if (!r)
		return fail_nomem(ld);
	free(*dst);
	*dst = r;
	return 0;
}

static int check_tcp(struct loader *ld, const config_setting_t *s, const char *name, const char *v)
{
	const char *hp = v + 6, *colon = strrchr(hp, ':');
	char *end;
	long port;

	if (!colon || colon == hp)
		return fail(ld, s, "'%s' = \"%s\" must be tcp://HOST:PORT", name, v);
	if (strcmp(colon + 1, "*") == 0)
		return 0;
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || colon[1] < '0' || colon[1] > '9' || *end || port < 1 || port > 65535)
		return fail(ld, s, "'%s' = \"%s\" has an invalid port (1..65535, or * to bind any)",
		            name, v);
	return 0;
}

/* tcp://HOST:PORT is kept as is; a relative ipc:// path is resolved
 * against the config dir like every other path. */
static int set_endpoint(struct loader *ld, const config_setting_t *s, char **dst, const char *v)
{
	char name[128], *path = NULL, *ep;
	int rc;

	if (v[0] == 0)
		return set_string(ld, dst, v);
	setting_name(s, name, sizeof(name));
	if (strncmp(v, "tcp://", 6) == 0) {
		if ((rc = check_tcp(ld, s, name, v)) != 0)
			return rc;
		return set_string(ld, dst, v);
	}
	if (strncmp(v, "ipc://", 6) != 0)
		return fail(ld, s, "'%s' = \"%s\" must start with tcp:// or ipc://", name, v);
	if (v[6] == 0)
		return fail(ld, s, "'%s' = \"%s\" has no socket path (ipc://PATH)", name, v);
	if (v[6] == '@')
		path = util_strdup(v + 6); /* Linux abstract socket: not a path */
	else
		path = resolve_path(ld->cfgdir, v + 6);
	if (!path)
		return fail_nomem(ld);
	if (strlen(path) > IPC_PATH_MAX) {
		rc = fail(ld, s, "'%s' = \"%s\": socket path %s is too long (max %d bytes)", name,
		          v, path, IPC_PATH_MAX);
		free(path);
		return rc;
	}
	ep = malloc(strlen(path) + 7);
	if (ep)
		sprintf(ep, "ipc://%s", path);
	free(path);
	if (!ep)
		return fail_nomem(ld);
	free(*dst);
	*dst = ep;
	return 0;
}

static int parse_paths(struct loader *ld, const config_setting_t *s, const struct key *k,
                       struct config *cfg)
{
	char ***dst = FIELD(cfg, k, char **);
	size_t *count = &cfg->ncrl; /* the only K_PATHS key */
	int n = config_setting_length(s);
	char **v;

	if (config_setting_type(s) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(s) != CONFIG_TYPE_LIST)
		return fail(ld, s, "'%s' must be an array of strings ([ \"a.pem\", ... ])",
		            k->name);
	if (!(v = calloc((size_t)n + 1, sizeof(*v))))
		return fail_nomem(ld);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		int rc = 0;

		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			rc = fail(ld, e, "'%s' must be an array of strings ([ \"a.pem\", ... ])",
			          k->name);
		else if (config_setting_get_string(e)[0] == 0)
			rc = fail(ld, e, "'%s' element %d must not be empty", k->name, i + 1);
		else if (!(v[i] = resolve_path(ld->cfgdir, config_setting_get_string(e))))
			rc = fail_nomem(ld);
		if (rc) {
			for (int j = 0; j < i; j++)
				free(v[j]);
			free(v);
			return rc;
		}
	}
	for (size_t j = 0; j < *count; j++)
		free((*dst)[j]);
	free(*dst);
	*dst = v;
	*count = (size_t)n;
	return 0;
}

/* Stores a number (a checked value or the default) in k's field. */
static void store_num(const struct key *k, struct config *cfg, long long v)
{
	if (k->kind == K_BOOL)
		*FIELD(cfg, k, bool) = v != 0;
	else if (k->kind == K_INT)
		*FIELD(cfg, k, int) = (int)v;
	else if (k->kind == K_SIZE)
		*FIELD(cfg, k, size_t) = (size_t)v;
	else
		*FIELD(cfg, k, size_t) = (size_t)v * MIB;
}

static int parse_int(struct loader *ld, const config_setting_t *s, const struct key *k,
                     struct config *cfg)
{
	char name[128];
	long long v;

	setting_name(s, name, sizeof(name));
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64)
		return fail(ld, s, "'%s' must be an integer", name);
	v = int_value(ld, s);
	if (v < k->min || v > k->max)
		return fail(ld, s, "'%s' = %lld is out of range (%lld..%lld)", name, v, k->min,
		            k->max);
	store_num(k, cfg, v);
	return 0;
}

/* Stores text v for k: from setting s, or k's default when s is NULL. */
static int store_text(struct loader *ld, const config_setting_t *s, const struct key *k,
                      struct config *cfg, const char *v)
{
	char name[128];
	int level;

	switch (k->kind) {
	case K_STR:
		return set_string(ld, FIELD(cfg, k, char *), v);
	case K_PATH:
		return set_path(ld, FIELD(cfg, k, char *), v);
	case K_PATH_OPT:
		if (v[0] == 0)
			return set_string(ld, FIELD(cfg, k, char *), v);
		return set_path(ld, FIELD(cfg, k, char *), v);
	case K_ENDPOINT:
		return set_endpoint(ld, s, FIELD(cfg, k, char *), v);
	default:
		break;
	}
	setting_name(s, name, sizeof(name));
	if (k->kind == K_TZ) {
		if (!util_tz_valid(v))
			return fail(
			    ld, s,
			    "'%s' = \"%s\" is not a timezone this machine knows (a name "
			    "under /usr/share/zoneinfo, e.g. \"Asia/Shanghai\", or \"UTC\")",
			    name, v);
		return set_string(ld, FIELD(cfg, k, char *), v);
	}
	if (k->kind == K_LEVEL) {
		if ((level = log_level_parse(v)) < 0)
			return fail(ld, s, "'%s' = \"%s\" must be one of error, warn, info, debug",
			            name, v);
		*FIELD(cfg, k, int) = level;
		return 0;
	}
	if (k->kind == K_DUR) {
		uint64_t secs = 0;

		if (util_parse_duration(v, &secs) != 0 || secs < (uint64_t)k->min ||
		    secs > (uint64_t)k->max)
			return fail(ld, s,
			            "'%s' = \"%s\" is not a duration from %llds to %llds "
			            "(a number and a unit s, m, h or d: \"1h\")",
			            name, v, k->min, k->max);
		*(uint64_t *)((char *)cfg + k->off + sizeof(char *)) = secs;
		return set_string(ld, FIELD(cfg, k, char *), v);
	}
	if (k->kind != K_REMIND)
		return fail(ld, s, "internal error: key '%s' has no string kind", name);
	if (config_parse_remind(v, cfg->remind_before, CONFIG_MAX_REMIND, &cfg->nremind) < 0)
		return fail(ld, s,
		            "'%s' = \"%s\" is not a list of durations like \"7d,1d\" "
		            "(at most %d; units s, m, h, d) or \"none\"",
		            name, v, CONFIG_MAX_REMIND);
	return set_string(ld, FIELD(cfg, k, char *), v);
}

static int parse_string(struct loader *ld, const config_setting_t *s, const struct key *k,
                        struct config *cfg)
{
	char name[128];
	const char *v;

	setting_name(s, name, sizeof(name));
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return fail(ld, s, "'%s' must be a string", name);
	v = config_setting_get_string(s);
	if (v[0] == 0 && k->kind != K_PATH_OPT && k->kind != K_ENDPOINT)
		return fail(ld, s, "'%s' must not be empty", name);
	return store_text(ld, s, k, cfg, v);
}

static int parse_group(struct loader *ld, const config_setting_t *grp, const struct key *keys,
                       struct config *cfg);

static int parse_key(struct loader *ld, const config_setting_t *s, const struct key *k,
                     struct config *cfg)
{
	char name[128];

	setting_name(s, name, sizeof(name));
	switch (k->kind) {
	case K_GROUP:
		if (config_setting_type(s) != CONFIG_TYPE_GROUP)
			return fail(ld, s, "'%s' must be a group ({ ... })", name);
		return parse_group(ld, s, k->sub, cfg);
	case K_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL)
			return fail(ld, s, "'%s' must be a boolean (true or false)", name);
		store_num(k, cfg, config_setting_get_bool(s));
		return 0;
	case K_INT:
	case K_SIZE:
	case K_MB:
		return parse_int(ld, s, k, cfg);
	case K_PATHS:
		return parse_paths(ld, s, k, cfg);
	default:
		return parse_string(ld, s, k, cfg);
	}
}

static int parse_group(struct loader *ld, const config_setting_t *grp, const struct key *keys,
                       struct config *cfg)
{
	int n = config_setting_length(grp);

	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(grp, (unsigned)i);
		const struct key *k = find_key(keys, config_setting_name(s));
		int rc;

		if (!k)
			return fail_unknown(ld, s, keys);
		if ((rc = parse_key(ld, s, k, cfg)) != 0)
			return rc;
	}
	return 0;
}

/* The setting at path, or the fallback if the key was left at its default. */
static const config_setting_t *where(const config_t *lc, const char *path, const char *fallback)
{
	const config_setting_t *s = config_lookup(lc, path);
	return s ? s : config_lookup(lc, fallback);
}

/* GROUP.endpoint and GROUP.cert are set together or not at all. */
static int both_or_neither(struct loader *ld, const config_t *lc, const char *group,
                           const char *endpoint, const char *cert, const char *neither)
{
	const char *set = endpoint[0] ? "endpoint" : "cert";
	const char *unset = endpoint[0] ? "cert" : "endpoint";
	char path[32];

	if (!endpoint[0] == !cert[0])
		return 0;
	snprintf(path, sizeof(path), "%s.%s", group, set);
	return fail(ld, config_lookup(lc, path),
	            "'%s.%s' is set but '%s.%s' is not (set both, or neither for %s)", group, set,
	            group, unset, neither);
}

static int check_relations(struct loader *ld, const config_t *lc, const struct config *cfg)
{
	const char *tmo = "link.heartbeat_timeout_ms", *rmax = "link.reconnect_ivl_max_ms";
	int rc;

	if (cfg->heartbeat_timeout_ms <= cfg->heartbeat_ivl_ms)
		return fail(ld, where(lc, tmo, "link.heartbeat_ivl_ms"),
		            "'%s' = %d%s is out of range (%d..3600000: must exceed "
		            "'link.heartbeat_ivl_ms')",
		            tmo, cfg->heartbeat_timeout_ms,
		            config_lookup(lc, tmo) ? "" : " (default)", cfg->heartbeat_ivl_ms + 1);
	if (cfg->reconnect_ivl_max_ms < cfg->reconnect_ivl_ms)
		return fail(ld, where(lc, rmax, "link.reconnect_ivl_ms"),
		            "'%s' = %d%s is out of range (%d..600000: must be at least "
		            "'link.reconnect_ivl_ms')",
		            rmax, cfg->reconnect_ivl_max_ms,
		            config_lookup(lc, rmax) ? "" : " (default)", cfg->reconnect_ivl_ms);
	if ((rc = both_or_neither(ld, lc, "parent", cfg->parent_endpoint, cfg->parent_cert,
	                          "a node without a parent")) != 0)
		return rc;
	if ((rc = both_or_neither(ld, lc, "county", cfg->county_endpoint, cfg->county_cert,
	                          "no failover to the county")) != 0)
		return rc;
	return 0;
}

int config_parse_remind(const char *s, uint64_t *out, size_t max, size_t *n)
{
	char buf[256], *save = NULL, *tok;
	size_t cnt = 0;

	if (n)
		*n = 0;
	if (strcmp(s, "none") == 0)
		return 0;
	if (strlen(s) >= sizeof(buf))
		return CN_EINVAL;
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint64_t v;
		if (cnt == max || util_parse_duration(tok, &v) != 0 || v == 0)
			return CN_EINVAL;
		if (out)
			out[cnt] = v;
		cnt++;
	}
	if (cnt == 0)
		return CN_EINVAL;
	if (n)
		*n = cnt;
	return 0;
}

/* Every key to its default, from the table (the file then overrides). */
static int set_defaults(struct loader *ld, const struct key *keys, struct config *cfg)
{
	int rc = 0;

	for (const struct key *k = keys; k->name && rc == 0; k++) {
		if (k->kind == K_GROUP)
			rc = set_defaults(ld, k->sub, cfg);
		else if (config_kind_is_str(k->kind) || k->kind == K_LEVEL)
			rc = store_text(ld, NULL, k, cfg, k->def);
		else if (k->kind != K_PATHS) /* K_PATHS: none (calloc) */
			store_num(k, cfg, k->num);
	}
	return rc;
}

/* Reads the file; CN_EIO with "PATH: cannot open: REASON" on failure. */
static int read_text(struct loader *ld, uint8_t **buf)
{
	size_t len;
	int rc = util_read_file(ld->path, CONFIG_MAX_BYTES, buf, &len);
	int saved = errno;

	if (rc == CN_ETOOBIG)
		return fail(ld, NULL, "file too large (max %d bytes)", CONFIG_MAX_BYTES);
	if (rc == CN_ENOMEM)
		return fail_nomem(ld);
	if (rc != 0) {
		fail(ld, NULL, "cannot open: %s", strerror(saved ? saved : EIO));
		return CN_EIO;
	}
	return 0;
}

static int load(struct loader *ld, struct config *cfg)
{
	config_t lc;
	int rc;

	config_init(&lc);
	config_set_include_dir(&lc, ld->cfgdir);
	if (!config_read_string(&lc, ld->text)) {
		/* an error inside an @include names that file, relative to cfgdir */
		char *inc = config_error_file(&lc)
		                ? util_path_join(ld->cfgdir, config_error_file(&lc))
		                : NULL;
		if (ld->err && ld->errlen)
			snprintf(ld->err, ld->errlen, "%s:%d: %s", inc ? inc : ld->path,
			         config_error_line(&lc), config_error_text(&lc));
		free(inc);
		rc = CN_ECONFIG;
		goto out;
	}
	if ((rc = parse_group(ld, config_root_setting(&lc), config_keys, cfg)) != 0)
		goto out;
	rc = check_relations(ld, &lc, cfg);
out:
	config_destroy(&lc);
	return rc;
}

int config_load(const char *path, struct config **out, char *err, size_t errlen)
{
	struct loader ld = {.path = path, .err = err, .errlen = errlen};
	struct config *cfg = NULL;
	uint8_t *text = NULL;
	char *dir = NULL;
	int rc;

	*out = NULL;
	if (err && errlen)
		err[0] = 0;
	if ((rc = read_text(&ld, &text)) != 0)
		goto out;
	ld.text = (const char *)text;
	if (!(cfg = calloc(1, sizeof(*cfg)))) {
		rc = fail_nomem(&ld);
		goto out;
	}
	if (!(cfg->path = util_abspath(path)) || !(dir = util_dirname(cfg->path))) {
		rc = fail_nomem(&ld);
		goto out;
	}
	ld.cfgdir = dir;
	if ((rc = set_defaults(&ld, config_keys, cfg)) != 0)
		goto out;
	if ((rc = load(&ld, cfg)) != 0)
		goto out;
	*out = cfg;
	cfg = NULL;
out:
	config_free(&cfg);
	free(dir);
	free(text);
	return rc;
}

static void free_keys(struct config *cfg, const struct key *keys)
{
	for (const struct key *k = keys; k->name; k++) {
		if (k->kind == K_GROUP)
			free_keys(cfg, k->sub);
		else if (config_kind_is_str(k->kind))
			free(*FIELD(cfg, k, char *));
	}
}

void config_free(struct config **cfgp)
{
	struct config *cfg;

	if (!cfgp || !(cfg = *cfgp))
		return;
	free_keys(cfg, config_keys);
	for (size_t i = 0; i < cfg->ncrl; i++)
		free(cfg->crl_files[i]);
	free(cfg->crl_files);
	free(cfg->path);
	free(cfg);
	*cfgp = NULL;
}

/* A libconfig string literal: ", \ and control bytes escaped; other bytes
 * (UTF-8 included) as they are. */
static void print_string(const char *s, FILE *out)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", out);
		else if (*p == '\t')
			fputs("\\t", out);
		else if (*p == '\r')
			fputs("\\r", out);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\x%02x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static void print_keys(const struct config *cfg, const struct key *keys, int depth, FILE *out)
{
	for (const struct key *k = keys; k->name; k++) {
		const char *base = (const char *)cfg + k->off;

		fprintf(out, "%*s%s = ", depth * 2, "", k->name);
		switch (k->kind) {
		case K_GROUP:
			fputs("{\n", out);
			print_keys(cfg, k->sub, depth + 1, out);
			fprintf(out, "%*s};\n", depth * 2, "");
			continue;
		case K_BOOL:
			fputs(*(const bool *)base ? "true" : "false", out);
			break;
		case K_INT:
			fprintf(out, "%d", *(const int *)(const void *)base);
			break;
		case K_SIZE:
			fprintf(out, "%zu", *(const size_t *)(const void *)base);
			break;
		case K_MB:
			fprintf(out, "%zu", *(const size_t *)(const void *)base / MIB);
			break;
		case K_LEVEL:
			print_string(log_level_name(*(const int *)(const void *)base), out);
			break;
		case K_PATHS:
			fputs("[", out);
			for (size_t i = 0; i < cfg->ncrl; i++) {
				fputs(i ? ", " : " ", out);
				print_string(cfg->crl_files[i], out);
			}
			fputs(" ]", out);
			break;
		default:
			print_string(*(char *const *)(const void *)base, out);
			break;
		}
		fputs(";\n", out);
	}
}

int config_print(const struct config *cfg, FILE *out)
{
	fputs("# carenet node configuration, normalized: every key, defaults filled in\n", out);
	print_keys(cfg, config_keys, 0, out);
	if (fflush(out) != 0 || ferror(out))
		return CN_EIO;
	return 0;
}

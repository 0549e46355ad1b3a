/*
 * users: the web interface's accounts (web_int.h). DATA_DIR/web-users,
 * mode 0600, written whole and atomically (util_write_file); one line per
 * account, "NAME:ROLE:CREATED:HASH", HASH libsodium's Argon2id string
 * (crypto_pwhash_str: algorithm, parameters, salt and hash in one string).
 */
#include "web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "util.h"

static const struct {
	const char *name, *zh;
} roles[] = {
    [WR_NONE] = {"", ""},
    [WR_VIEWER] = {"viewer", "查看人"},
    [WR_OPERATOR] = {"operator", "经办人"},
    [WR_SUPERVISOR] = {"supervisor", "主管"},
};

const char *web_role_name(int role)
{
	return role > WR_NONE && role <= WR_SUPERVISOR ? roles[role].name : "?";
}

const char *web_role_zh(int role)
{
	return role > WR_NONE && role <= WR_SUPERVISOR ? roles[role].zh : "?";
}

int web_role_parse(const char *s)
{
	for (int r = WR_VIEWER; s && r <= WR_SUPERVISOR; r++)
		if (!strcmp(s, roles[r].name) || !strcmp(s, roles[r].zh))
			return r;
	return WR_NONE;
}

int web_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n < 1 || n > WEB_NAME_MAX || name[0] == '-' || name[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= '0' && name[i] <= '9') || strchr("._-", name[i])))
			return 0;
	return 1;
}

char *web_users_path(const char *data_dir)
{
	return util_path_join(data_dir, WEB_USERS_FILE);
}

void web_users_free(struct web_users *u)
{
	if (u->v)
		sodium_memzero(u->v, WEB_MAX_USERS * sizeof(*u->v));
	free(u->v);
	u->v = NULL;
	u->n = 0;
}

struct web_user *web_users_find(const struct web_users *u, const char *name)
{
	for (size_t i = 0; name && i < u->n; i++)
		if (!strcmp(u->v[i].name, name))
			return &u->v[i];
	return NULL;
}

/* One line "NAME:ROLE:CREATED:HASH" into e. */
static int parse_line(char *line, struct web_user *e)
{
	char *f[4], *save = NULL, *end;
	size_t k = 0;

	for (char *t = strtok_r(line, ":", &save); t && k < 4; t = strtok_r(NULL, ":", &save))
		f[k++] = t;
	if (k != 4 || !web_name_ok(f[0]) || !(e->role = web_role_parse(f[1])))
		return CN_EINVAL;
	e->created = strtoull(f[2], &end, 10);
	if (*end || strlen(f[3]) >= sizeof(e->hash) || strncmp(f[3], "$argon2id$", 10) != 0)
		return CN_EINVAL;
	snprintf(e->name, sizeof(e->name), "%s", f[0]);
	snprintf(e->hash, sizeof(e->hash), "%s", f[3]);
	return 0;
}

int web_users_load(const char *path, struct web_users *u)
{
	uint8_t *data;
	size_t len;
	char *save = NULL;
	int rc;

	u->n = 0;
	if (!(u->v = calloc(WEB_MAX_USERS, sizeof(*u->v)))) /* room for every account */
		return CN_ENOMEM;
	rc = util_read_file(path, (size_t)WEB_MAX_USERS * 256, &data, &len);
	if (rc == CN_ENOTFOUND)
		return 0;
	if (rc != 0) {
		web_users_free(u);
		return rc;
	}
	for (char *l = strtok_r((char *)data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (u->n == WEB_MAX_USERS || parse_line(l, &u->v[u->n]) != 0) {
			rc = CN_EINVAL;
			break;
		}
		u->n++;
	}
	sodium_memzero(data, len);
	free(data);
	if (rc != 0)
		web_users_free(u);
	return rc;
}

int web_users_save(const char *path, const struct web_users *u)
{
	size_t cap = u->n * (WEB_NAME_MAX + crypto_pwhash_STRBYTES + 48) + 1, len = 0;
	char *text = malloc(cap);
	int rc;

	if (!text)
		return CN_ENOMEM;
	for (size_t i = 0; i < u->n; i++)
		len += (size_t)snprintf(text + len, cap - len, "%s:%s:%llu:%s\n", u->v[i].name,
		                        web_role_name(u->v[i].role),
		                        (unsigned long long)u->v[i].created, u->v[i].hash);
	rc = util_write_file(path, text, len, 0600, 0);
	sodium_memzero(text, cap);
	free(text);
	return rc;
}

int web_hash_password(const char *password, char out[crypto_pwhash_STRBYTES])
{
	if (sodium_init() < 0)
		return CN_ECRYPTO;
	if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return CN_ENOMEM; /* libsodium's only failure here: memory */
	return 0;
}

int web_check_password(const char *hash, const char *password)
{
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

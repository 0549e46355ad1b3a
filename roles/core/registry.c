/*
 * registry: known offices below this node. STORE_REGISTRY: key = office id,
 * value = 1 byte role (enum pki_role) followed by the display name (UTF-8,
 * no terminator).
 */
#include "registry.h"
#include "moved.h"
#include "err.h"
#include "log.h"

#include <stdio.h>
#include <string.h>

static int id_ok(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	return n > 0 && n < PKI_ID_MAX;
}

int registry_put(struct store *st, MDB_txn *txn, const char *id, enum pki_role role,
                 const char *name)
{
	MDB_dbi dbi = store_dbi(st, STORE_REGISTRY);
	uint8_t buf[1 + PKI_NAME_MAX];
	size_t nl = name ? strlen(name) : 0;
	MDB_val k = {id ? strlen(id) : 0, (void *)id}, d;
	int rc;

	if (!id_ok(id) || role <= PKI_ROLE_NONE || role > PKI_ROLE_LAST || nl >= PKI_NAME_MAX)
		return CN_EINVAL;
	buf[0] = (uint8_t)role;
	if (nl)
		memcpy(buf + 1, name, nl);
	rc = mdb_get(txn, dbi, &k, &d);
	if (rc == 0 && d.mv_size == 1 + nl && memcmp(d.mv_data, buf, 1 + nl) == 0)
		return 0;
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_err(rc, "registry get");
	d = (MDB_val){1 + nl, buf};
	if ((rc = store_err(mdb_put(txn, dbi, &k, &d, 0), "registry put")) != 0)
		return rc;
	return 1;
}

/* Splits a stored value; CN_ESTORE if malformed. */
static int decode(const MDB_val *d, enum pki_role *role, const char **name, size_t *nl)
{
	const uint8_t *p = d->mv_data;

	if (d->mv_size < 1 || d->mv_size > PKI_NAME_MAX || p[0] == PKI_ROLE_NONE ||
	    p[0] > PKI_ROLE_LAST) {
		log_warnx("registry: malformed entry of %zu bytes", d->mv_size);
		return CN_ESTORE;
	}
	*role = (enum pki_role)p[0];
	*name = (const char *)p + 1;
	*nl = d->mv_size - 1;
	return 0;
}

int registry_get(struct store *st, MDB_txn *txn, const char *id, enum pki_role *role, char *name,
                 size_t namelen)
{
	MDB_val k = {id ? strlen(id) : 0, (void *)id}, d;
	enum pki_role r;
	const char *nm;
	size_t nl;
	int rc;

	if (!id_ok(id))
		return CN_ENOTFOUND;
	if ((rc = store_err(mdb_get(txn, store_dbi(st, STORE_REGISTRY), &k, &d), "registry get")))
		return rc;
	if ((rc = decode(&d, &r, &nm, &nl)) != 0)
		return rc;
	if (role)
		*role = r;
	if (name && namelen) {
		if (nl >= namelen)
			nl = namelen - 1;
		memcpy(name, nm, nl);
		name[nl] = 0;
	}
	return 0;
}

/* The new id of a move held here that has not announced itself yet (it
 * has not connected since it switched): listed in its place, so what is
 * issued meanwhile is addressed to it and waits in the outboxes on its way
 * (a directive to "530102:village" must not miss a village between its
 * county's Move and its first HELLO under the new id). */
struct moved_in {
	struct store *st;
	MDB_txn *txn;
	const char *prefix;
	size_t pl;
	enum pki_role role;
	int (*fn)(const char *id, enum pki_role role, const char *name, void *arg);
	void *arg;
};

static int moved_in_one(const Carenet__Move *m, void *arg)
{
	struct moved_in *a = arg;
	const char *nw = m->new_id;
	enum pki_role role = pki_role_from_id(nw), r;
	char name[PKI_NAME_MAX] = "", x[PKI_ID_MAX], other[PKI_NAME_MAX];
	int rc;

	if (strlen(nw) <= a->pl || strncmp(nw, a->prefix ? a->prefix : "", a->pl) != 0 ||
	    (a->role != PKI_ROLE_NONE && role != a->role))
		return 0;
	if ((rc = moved_to(a->st, a->txn, nw, x, sizeof(x))) != CN_ENOTFOUND)
		return rc < 0 ? rc : 0; /* moved on: the last id of the chain is listed */
	if ((rc = registry_get(a->st, a->txn, nw, &r, other, sizeof(other))) != CN_ENOTFOUND)
		return rc < 0 ? rc : 0; /* announced: listed from the registry */
	if ((rc = registry_closed(a->st, a->txn, nw)) != 0)
		return rc < 0 ? rc : 0;
	if ((rc = registry_get(a->st, a->txn, m->old_id, &r, name, sizeof(name))) != 0 &&
	    rc != CN_ENOTFOUND)
		return rc;
	return a->fn(nw, role, name, a->arg);
}

int registry_each(struct store *st, MDB_txn *txn, const char *prefix, enum pki_role role,
                  int (*fn)(const char *id, enum pki_role role, const char *name, void *arg),
                  void *arg)
{
	size_t pl = prefix ? strlen(prefix) : 0;
	MDB_cursor *cur;
	MDB_val k = {pl, (void *)prefix}, d;
	char id[PKI_ID_MAX], name[PKI_NAME_MAX];
	int rc, mrc;

	if ((rc = store_err(mdb_cursor_open(txn, store_dbi(st, STORE_REGISTRY), &cur),
	                    "registry cursor")) != 0)
		return rc;
	rc = 0;
	mrc = pl ? mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE)
	         : mdb_cursor_get(cur, &k, &d, MDB_FIRST);
	for (; mrc == 0 && rc == 0; mrc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		enum pki_role r;
		const char *nm;
		size_t nl;
		if (k.mv_size < pl || memcmp(k.mv_data, prefix, pl) != 0)
			break;
		if (k.mv_size == pl || k.mv_size >= sizeof(id))
			continue; /* the prefix itself is not below it */
		if ((rc = decode(&d, &r, &nm, &nl)) != 0)
			break;
		if (role != PKI_ROLE_NONE && r != role)
			continue;
		memcpy(id, k.mv_data, k.mv_size);
		id[k.mv_size] = 0;
		if (moved_to(st, txn, id, name, sizeof(name)) == 0)
			continue; /* moved away (moved.h): its new id is listed instead */
		if ((rc = registry_closed(st, txn, id)) != 0) {
			rc = rc < 0 ? rc : 0; /* closed: listed no more */
			continue;
		}
		memcpy(name, nm, nl);
		name[nl] = 0;
		rc = fn(id, r, name, arg);
	}
	if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		rc = store_err(mrc, "registry each");
	mdb_cursor_close(cur);
	if (rc == 0) {
		struct moved_in a = {st, txn, prefix, pl, role, fn, arg};
		rc = moved_each(st, txn, moved_in_one, &a);
	}
	return rc;
}

/* ------------------------------------------------------------ closed */

#define CLOSE_MAX 4096 /* a packed Close: ids, a reason of at most 512 bytes */

static size_t close_key(char *key, size_t len, char tag, const char *office)
{
	int n = snprintf(key, len, "close:%c:%s", tag, office ? office : "");
	return n > 8 && (size_t)n < len ? (size_t)n : 0;
}

int registry_closed(struct store *st, MDB_txn *txn, const char *office)
{
	char key[64];
	MDB_val k = {close_key(key, sizeof(key), 'o', office), key}, v;
	int rc;

	if (!k.mv_size || !id_ok(office))
		return 0;
	rc = store_err(mdb_get(txn, store_dbi(st, STORE_META), &k, &v), "close get");
	return rc == 0 ? 1 : rc == CN_ENOTFOUND ? 0 : rc;
}

int registry_close_put(struct store *st, MDB_txn *txn, const Carenet__Close *c, uint64_t retired)
{
	MDB_dbi db = store_dbi(st, STORE_META);
	char key[64];
	uint8_t buf[CLOSE_MAX];
	size_t n = carenet__close__get_packed_size(c);
	MDB_val k = {close_key(key, sizeof(key), 'o', c->office), key}, v = {n, buf};
	int rc;

	if (!k.mv_size || !id_ok(c->office) || n > sizeof(buf))
		return CN_EINVAL;
	if ((rc = registry_closed(st, txn, c->office)) != 0)
		return rc < 0 ? rc : 0;
	carenet__close__pack(c, buf);
	if ((rc = store_err(mdb_put(txn, db, &k, &v, 0), "close put")) != 0 ||
	    (rc = store_put_u64(txn, db, key, close_key(key, sizeof(key), 'r', c->office),
	                        retired)) != 0)
		return rc;
	return 1;
}

/* The rows the close of office ended here (0 if unknown). */
static uint64_t retired_of(MDB_txn *txn, MDB_dbi db, const char *office)
{
	char key[64];
	size_t kl = close_key(key, sizeof(key), 'r', office);
	uint64_t n = 0;

	if (!kl || store_get_u64(txn, db, key, kl, &n) != 0)
		n = 0;
	return n;
}

int registry_close_get(struct store *st, MDB_txn *txn, const char *office, Carenet__Close **out,
                       uint64_t *retired)
{
	MDB_dbi db = store_dbi(st, STORE_META);
	char key[64];
	MDB_val k = {close_key(key, sizeof(key), 'o', office), key}, v;
	int rc;

	*out = NULL;
	if (!k.mv_size || !id_ok(office))
		return CN_ENOTFOUND;
	if ((rc = store_err(mdb_get(txn, db, &k, &v), "close get")) != 0)
		return rc;
	if (!(*out = carenet__close__unpack(NULL, v.mv_size, v.mv_data)))
		return CN_ESTORE;
	if (retired)
		*retired = retired_of(txn, db, office);
	return 0;
}

int registry_close_each(struct store *st, MDB_txn *txn,
                        int (*fn)(const Carenet__Close *c, uint64_t retired, void *arg), void *arg)
{
	MDB_dbi db = store_dbi(st, STORE_META);
	MDB_cursor *cur;
	MDB_val k = {8, "close:o:"}, v;
	int rc, mrc;

	if ((rc = store_err(mdb_cursor_open(txn, db, &cur), "close cursor")) != 0)
		return rc;
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); mrc == 0 && rc == 0;
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		Carenet__Close *c;
		if (k.mv_size <= 8 || memcmp(k.mv_data, "close:o:", 8) != 0)
			break;
		if (!(c = carenet__close__unpack(NULL, v.mv_size, v.mv_data))) {
			log_warnx("registry: a stored close of %zu bytes does not decode", v.mv_size);
			rc = CN_ESTORE;
			break;
		}
		rc = fn(c, retired_of(txn, db, c->office), arg);
		carenet__close__free_unpacked(c, NULL);
	}
	mdb_cursor_close(cur);
	if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		rc = store_err(mrc, "close each");
	return rc;
}

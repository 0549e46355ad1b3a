/*
 * roles_store: the records roles keep in the store (layout in roles_int.h),
 * read and written inside the caller's transaction.
 */
#include "err.h"
#include "log.h"
#include "roles_int.h"

#include <stdio.h>
#include <string.h>

static int get_msg(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen,
                   const ProtobufCMessageDescriptor *desc, void **out)
{
	MDB_val k = {klen, (void *)key}, d;
	int rc;

	*out = NULL;
	if ((rc = store_err(mdb_get(txn, dbi, &k, &d), "roles get")) != 0)
		return rc;
	*out = protobuf_c_message_unpack(desc, NULL, d.mv_size, d.mv_data);
	if (!*out) {
		log_warnx("roles: stored %s under %.*s does not decode", desc->short_name,
		          (int)strnlen(key, klen), (const char *)key);
		return CN_ESTORE;
	}
	return 0;
}

static int put_msg(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen,
                   const ProtobufCMessage *m)
{
	size_t len = protobuf_c_message_get_packed_size(m);
	MDB_val k = {klen, (void *)key}, d = {len, NULL};
	int rc;

	/* Reserve the value in the map and pack straight into it. */
	if ((rc = store_err(mdb_put(txn, dbi, &k, &d, MDB_RESERVE), "roles put")) != 0)
		return rc;
	protobuf_c_message_pack(m, d.mv_data);
	return 0;
}

/* A directive id usable as a key: 1..ROLES_ID_MAX-1 bytes. Checked here so
 * that no malformed id ever reaches LMDB (an empty or over-long key fails
 * there as MDB_BAD_VALSIZE, a storage error that would abort the whole
 * transaction); callers validate with roles_did_ok() first and say why. */
static int key_ok(const char *did)
{
	size_t n = did ? strlen(did) : 0;
	return n > 0 && n < ROLES_ID_MAX;
}

/* directive id '\0' target */
static size_t row_key(const char *did, const char *target, char *key, size_t keylen)
{
	int n = snprintf(key, keylen, "%s%c%s", did, 0, target);
	return n < 0 || (size_t)n >= keylen ? 0 : (size_t)n;
}

int roles_get_directive(struct roles *r, MDB_txn *txn, const char *did,
                        Carenet__DirectiveRecord **out)
{
	*out = NULL;
	if (!key_ok(did))
		return CN_ENOTFOUND;
	return get_msg(txn, roles_dbi(r, STORE_DIRECTIVES), did, strlen(did),
	               &carenet__directive_record__descriptor, (void **)out);
}

/* Stored without its expanded targets: the target rows hold them, one per
 * office, and every status read the whole record back (300 ids for a
 * county's directive to its villages; docs/benchmarks.md, "Eighth
 * session"). Nothing reads them from the record. */
int roles_put_directive(struct roles *r, MDB_txn *txn, const Carenet__DirectiveRecord *rec)
{
	const char *did = rec->directive->id;
	Carenet__DirectiveRecord slim = *rec;
	Carenet__Directive d = *rec->directive;

	if (!key_ok(did))
		return CN_EINVAL;
	d.expanded = NULL;
	d.n_expanded = 0;
	d.groups = NULL; /* the same ids as they travelled (node/item_targets.c) */
	d.n_groups = 0;
	slim.directive = &d;
	return put_msg(txn, roles_dbi(r, STORE_DIRECTIVES), did, strlen(did), &slim.base);
}

int roles_get_row(struct roles *r, MDB_txn *txn, const char *did, const char *target,
                  Carenet__TargetRow **out)
{
	char key[256];
	size_t klen = row_key(did, target, key, sizeof(key));

	*out = NULL;
	if (!klen || !key_ok(did) || !target[0])
		return CN_ENOTFOUND;
	return get_msg(txn, roles_dbi(r, STORE_STATUSES), key, klen,
	               &carenet__target_row__descriptor, (void **)out);
}

int roles_put_row(struct roles *r, MDB_txn *txn, const char *did, const char *target,
                  const Carenet__TargetRow *row)
{
	char key[256];
	size_t klen = row_key(did, target, key, sizeof(key));

	if (!klen || !key_ok(did) || !target[0])
		return CN_EINVAL;
	return put_msg(txn, roles_dbi(r, STORE_STATUSES), key, klen, &row->base);
}

int roles_get_inbox(struct roles *r, MDB_txn *txn, const char *did, Carenet__InboxEntry **out)
{
	*out = NULL;
	if (!key_ok(did))
		return CN_ENOTFOUND;
	return get_msg(txn, roles_dbi(r, STORE_INBOX), did, strlen(did),
	               &carenet__inbox_entry__descriptor, (void **)out);
}

int roles_put_inbox(struct roles *r, MDB_txn *txn, const char *did, const Carenet__InboxEntry *e)
{
	if (!key_ok(did))
		return CN_EINVAL;
	return put_msg(txn, roles_dbi(r, STORE_INBOX), did, strlen(did), &e->base);
}

int roles_each_row(struct roles *r, MDB_txn *txn, const char *did,
                   int (*fn)(const char *target, Carenet__TargetRow *row, void *arg), void *arg)
{
	size_t plen = strlen(did) + 1; /* the id and its '\0' */
	MDB_cursor *cur;
	MDB_val k = {plen, (void *)did}, d;
	char target[PKI_ID_MAX];
	int rc, mrc;

	if (!key_ok(did))
		return 0;
	if ((rc = store_err(mdb_cursor_open(txn, roles_dbi(r, STORE_STATUSES), &cur),
	                    "roles cursor")) != 0)
		return rc;
	rc = 0;
	for (mrc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE); mrc == 0 && rc == 0;
	     mrc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		Carenet__TargetRow *row;
		size_t tl = k.mv_size - plen;
		if (k.mv_size <= plen || memcmp(k.mv_data, did, plen) != 0)
			break;
		if (tl >= sizeof(target))
			continue;
		memcpy(target, (const char *)k.mv_data + plen, tl);
		target[tl] = 0;
		row = carenet__target_row__unpack(NULL, d.mv_size, d.mv_data);
		if (!row) {
			log_warnx("roles: stored row %s/%s does not decode", did, target);
			rc = CN_ESTORE;
			break;
		}
		rc = fn(target, row, arg);
		carenet__target_row__free_unpacked(row, NULL);
	}
	if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		rc = store_err(mrc, "roles rows");
	mdb_cursor_close(cur);
	return rc;
}

/*
 * roles: life cycle, the dispatch of received items by body, names, and
 * the records roles keep in the store (see roles_int.h for the layout).
 *
 * Memory: route->targets of roles_apply() is an array owned by roles,
 * valid until the next roles_apply() or roles_free(); its strings point
 * into the item.
 */
#include "roles.h"
#include "audit.h"
#include "err.h"
#include "log.h"
#include "roles_int.h"
#include "utf8.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

int roles_new(const struct roles_env *env, struct roles **out)
{
	struct roles *r;

	*out = NULL;
	if (!env || !env->me || !env->store || !env->now || !env->emit || !env->write)
		return CN_EINVAL;
	if (!(r = calloc(1, sizeof(*r))))
		return CN_ENOMEM;
	r->env = *env;
	*out = r;
	return 0;
}

void roles_free(struct roles **rp)
{
	if (!rp || !*rp)
		return;
	free((*rp)->route);
	free(*rp);
	*rp = NULL;
}

int roles_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                const struct pki_identity *origin, const char *from, struct roles_route *route,
                char *why, size_t whylen)
{
	memset(route, 0, sizeof(*route));
	if (whylen)
		why[0] = 0;
	if (!item || !origin || strcmp(item->origin, origin->id) != 0) {
		roles_why(why, whylen, "item origin %.40s is not its signer %.40s",
		          item ? item->origin : "-", origin ? origin->id : "-");
		return CN_EINVAL;
	}
	if (!from)
		from = "";
	switch (item->body_case) {
	case CARENET__ITEM__BODY_DIRECTIVE:
		return directive_apply(r, txn, item, origin, from, route, why, whylen);
	case CARENET__ITEM__BODY_STATUS:
		return status_apply(r, txn, item, origin, from, route, why, whylen);
	case CARENET__ITEM__BODY_REMINDER:
		return reminder_apply(r, txn, item, origin, from, route, why, whylen);
	case CARENET__ITEM__BODY_ESCALATION:
		return escalation_apply(r, txn, item, origin, from, route, why, whylen);
	case CARENET__ITEM__BODY_ANNOUNCE:
		return announce_apply(r, txn, item, origin, from, route, why, whylen);
	case CARENET__ITEM__BODY_REVOCATION:
		return revocation_apply(r, txn, item, origin, from, route, why, whylen);
	default:
		roles_why(why, whylen, "item without a known body (case %d)", (int)item->body_case);
		return CN_EPROTO;
	}
}

/* ---------------------------------------------------------------- names */

static const char *const kind_names[] = {NULL, "task", "notice", "rectification", "circular"};
static const char *const kind_zh[] = {NULL, "任务", "督导通知", "限时整改通知", "通报"};
static const char *const state_names[] = {"pending",     "delivered", "accepted",
                                          "in-progress", "done",      "unable"};

const char *roles_kind_name(uint32_t kind)
{
	return kind >= 1 && kind <= 4 ? kind_names[kind] : "unknown";
}

const char *roles_kind_zh(uint32_t kind)
{
	return kind >= 1 && kind <= 4 ? kind_zh[kind] : "未知";
}

uint32_t roles_kind_parse(const char *name)
{
	if (!name)
		return 0;
	for (uint32_t k = 1; k <= 4; k++)
		if (strcasecmp(name, kind_names[k]) == 0 || strcmp(name, kind_zh[k]) == 0)
			return k;
	/* Short forms operators write: the issue's own 限时整改, 督导, 工作部署. */
	if (strcasecmp(name, "supervision-notice") == 0 || strcmp(name, "督导") == 0)
		return KIND_NOTICE;
	if (strcasecmp(name, "rectify") == 0 || strcmp(name, "限时整改") == 0 ||
	    strcmp(name, "整改") == 0)
		return KIND_RECTIFICATION;
	if (strcmp(name, "工作部署") == 0)
		return KIND_TASK;
	return 0;
}

const char *roles_state_name(uint32_t state)
{
	return state <= STATE_UNABLE ? state_names[state] : "unknown";
}

uint32_t roles_state_parse(const char *name)
{
	if (!name)
		return 0;
	for (uint32_t s = STATE_DELIVERED; s <= STATE_UNABLE; s++)
		if (strcasecmp(name, state_names[s]) == 0)
			return s;
	if (strcasecmp(name, "in_progress") == 0 || strcasecmp(name, "progress") == 0)
		return STATE_IN_PROGRESS;
	return 0;
}

/* -------------------------------------------------------------- helpers */

uint64_t roles_now(const struct roles *r)
{
	return r->env.now(r->env.arg);
}

MDB_dbi roles_dbi(const struct roles *r, enum store_db db)
{
	return store_dbi(r->env.store, db);
}

void roles_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (!why || !whylen)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

int roles_audit(struct roles *r, MDB_txn *txn, const char *actor, const char *action,
                const char *subject, const char *fmt, ...)
{
	char detail[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	utf8_cut(detail, sizeof(detail) - 2);
	return audit_append(r->env.store, txn, roles_now(r), actor, action, subject, detail);
}

int roles_vec_push(struct strvec *sv, const char *s)
{
	if (sv->n == sv->cap) {
		size_t cap = sv->cap ? sv->cap * 2 : 16;
		char **v = realloc(sv->v, cap * sizeof(*v));
		if (!v)
			return CN_ENOMEM;
		sv->v = v;
		sv->cap = cap;
	}
	if (!(sv->v[sv->n] = strdup(s)))
		return CN_ENOMEM;
	sv->n++;
	return 0;
}

void roles_vec_free(struct strvec *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	memset(sv, 0, sizeof(*sv));
}

int roles_route_reserve(struct roles *r, size_t n)
{
	char **v;

	if (n <= r->route_cap)
		return 0;
	if (!(v = realloc(r->route, n * sizeof(*v))))
		return CN_ENOMEM;
	r->route = v;
	r->route_cap = n;
	return 0;
}

int roles_id_origin(const char *did, char *out, size_t outlen)
{
	const char *dash = strrchr(did, '-');
	size_t n;

	if (!dash || dash == did || !dash[1] || strspn(dash + 1, "0123456789") != strlen(dash + 1))
		return CN_EINVAL;
	n = (size_t)(dash - did);
	if (n >= outlen)
		return CN_EINVAL;
	memcpy(out, did, n);
	out[n] = 0;
	return 0;
}

int roles_state_closed(uint32_t state)
{
	return state == STATE_DONE || state == STATE_UNABLE;
}

void roles_fmt_utc(uint64_t t, char *out, size_t outlen)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, outlen, "%llu", (unsigned long long)t);
}

void roles_spec_text(const Carenet__Targets *t, char *out, size_t outlen)
{
	size_t off = 0;

	out[0] = 0;
	if (!t)
		return;
	if (!t->n_ids) {
		snprintf(out, outlen, "%s:%s", t->prefix, t->role[0] ? t->role : "any");
		return;
	}
	for (size_t i = 0; i < t->n_ids && off < outlen; i++) {
		int n = snprintf(out + off, outlen - off, "%s%s", i ? "," : "", t->ids[i]);
		if (n < 0 || (size_t)n >= outlen - off) {
			if (outlen > 4)
				memcpy(out + outlen - 4, "...", 4);
			return;
		}
		off += (size_t)n;
	}
}

/* -------------------------------------------------------------- records */

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

/* directive id '\0' target */
static size_t row_key(const char *did, const char *target, char *key, size_t keylen)
{
	int n = snprintf(key, keylen, "%s%c%s", did, 0, target);
	return n < 0 || (size_t)n >= keylen ? 0 : (size_t)n;
}

int roles_get_directive(struct roles *r, MDB_txn *txn, const char *did,
                        Carenet__DirectiveRecord **out)
{
	return get_msg(txn, roles_dbi(r, STORE_DIRECTIVES), did, strlen(did),
	               &carenet__directive_record__descriptor, (void **)out);
}

int roles_put_directive(struct roles *r, MDB_txn *txn, const Carenet__DirectiveRecord *rec)
{
	const char *did = rec->directive->id;
	return put_msg(txn, roles_dbi(r, STORE_DIRECTIVES), did, strlen(did), &rec->base);
}

int roles_get_row(struct roles *r, MDB_txn *txn, const char *did, const char *target,
                  Carenet__TargetRow **out)
{
	char key[256];
	size_t klen = row_key(did, target, key, sizeof(key));

	*out = NULL;
	if (!klen)
		return CN_ENOTFOUND;
	return get_msg(txn, roles_dbi(r, STORE_STATUSES), key, klen,
	               &carenet__target_row__descriptor, (void **)out);
}

int roles_put_row(struct roles *r, MDB_txn *txn, const char *did, const char *target,
                  const Carenet__TargetRow *row)
{
	char key[256];
	size_t klen = row_key(did, target, key, sizeof(key));

	if (!klen)
		return CN_EINVAL;
	return put_msg(txn, roles_dbi(r, STORE_STATUSES), key, klen, &row->base);
}

int roles_get_inbox(struct roles *r, MDB_txn *txn, const char *did, Carenet__InboxEntry **out)
{
	return get_msg(txn, roles_dbi(r, STORE_INBOX), did, strlen(did),
	               &carenet__inbox_entry__descriptor, (void **)out);
}

int roles_put_inbox(struct roles *r, MDB_txn *txn, const char *did, const Carenet__InboxEntry *e)
{
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

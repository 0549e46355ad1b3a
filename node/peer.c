#include "peer.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arr.h"
#include "err.h"
#include "log.h"

#define BANS_MAX 1024
#define REVOKED_KEYS_MAX 1024
#define INVALID_WINDOW 60
#define ADDRS_MAX 1024
#define ADDR_WINDOW 60

struct ban {
	char key[41];
	int has_cert; /* the key held a session: never evicted for an anonymous one */
	uint64_t until;
};

/* New unauthenticated keys seen from one network address in a window. */
struct addr_use {
	char addr[64];
	uint64_t window; /* start, UTC seconds */
	unsigned keys;
};

struct peers {
	struct peer **v;
	size_t n, cap;
	struct ban bans[BANS_MAX];
	size_t nbans;
	struct addr_use addrs[ADDRS_MAX];
	size_t naddrs;
	char (*revoked)[41];
	size_t nrevoked, revokedcap;
};

/* What the store keeps of a known child (fixed layout, versioned). */
struct peer_rec {
	uint32_t version;
	uint32_t role;
	char key[41];
	char name[PKI_NAME_MAX];
	char scope[PKI_ID_MAX];
	uint64_t last_seen;
};

struct peers *peers_new(void)
{
	return calloc(1, sizeof(struct peers));
}

void peers_free(struct peers **ps)
{
	if (!ps || !*ps)
		return;
	for (size_t i = 0; i < (*ps)->n; i++)
		free((*ps)->v[i]);
	free((*ps)->v);
	free((*ps)->revoked);
	free(*ps);
	*ps = NULL;
}

static struct peer *find_key(struct peers *ps, const char *key)
{
	for (size_t i = 0; i < ps->n; i++)
		if (strcmp(ps->v[i]->key, key) == 0)
			return ps->v[i];
	return NULL;
}

static void remove_at(struct peers *ps, size_t i)
{
	free(ps->v[i]);
	ps->v[i] = ps->v[--ps->n];
}

/* Evicts the oldest entry that never completed HELLO; 0 if none. */
static int evict_one(struct peers *ps)
{
	size_t best = ps->n;
	for (size_t i = 0; i < ps->n; i++) {
		if (ps->v[i]->ident.id[0])
			continue;
		if (best == ps->n || ps->v[i]->last_seen < ps->v[best]->last_seen)
			best = i;
	}
	if (best == ps->n)
		return 0;
	remove_at(ps, best);
	return 1;
}

static struct peer *add(struct peers *ps, const char *key, uint64_t now)
{
	struct peer *p;

	if (ps->n == PEERS_MAX && !evict_one(ps))
		return NULL;
	if (ARR_GROW(ps->v, ps->n + 1, ps->cap))
		return NULL;
	if (!(p = calloc(1, sizeof(*p))))
		return NULL;
	memcpy(p->key, key, 40);
	p->fd = -1;
	p->created = now;
	ps->v[ps->n++] = p;
	return p;
}

struct peer *peers_touch(struct peers *ps, const char *key, uint64_t now)
{
	struct peer *p = find_key(ps, key);

	if (!p && !(p = add(ps, key, now)))
		return NULL;
	return p;
}

int peer_on_conn(const struct peer *p, const void *rid, size_t rid_len)
{
	if (rid_len > PEER_RID_MAX)
		rid_len = PEER_RID_MAX;
	return p->rid_len == 0 || (rid_len == p->rid_len && memcmp(p->rid, rid, rid_len) == 0);
}

void peer_bind(struct peer *p, const void *rid, size_t rid_len, int fd, uint64_t now)
{
	if (rid_len > PEER_RID_MAX)
		rid_len = PEER_RID_MAX;
	if (p->up && !peer_on_conn(p, rid, rid_len)) {
		/* Same key on a new connection: it must say HELLO again. */
		peer_set_down(p, now, "reconnected");
	}
	memcpy(p->rid, rid, rid_len);
	p->rid_len = rid_len;
	p->fd = fd;
	p->last_seen = now;
}

int peer_has_cert(const struct peer *p)
{
	return p->ident.id[0] != 0;
}

void peer_set_up(struct peer *p, uint64_t now)
{
	if (!p->up)
		p->since = now;
	p->up = 1;
	p->prehello_bytes = 0;
	p->last_error[0] = 0;
}

void peer_set_down(struct peer *p, uint64_t now, const char *why)
{
	if (p->up)
		p->since = now;
	p->up = 0;
	snprintf(p->last_error, sizeof(p->last_error), "%s", why);
}

unsigned peer_note_invalid(struct peer *p, uint64_t now, unsigned n)
{
	if (now - p->invalid_window >= INVALID_WINDOW) {
		p->invalid_window = now;
		p->invalid = 0;
	}
	p->invalid = p->invalid + n < p->invalid ? UINT_MAX : p->invalid + n;
	return p->invalid;
}

int peers_is_banned(const struct peers *ps, const char *key, uint64_t now)
{
	for (size_t i = 0; i < ps->nbans; i++)
		if (ps->bans[i].until > now && strcmp(ps->bans[i].key, key) == 0)
			return 1;
	return 0;
}

/* The ban that ends first among those with (has_cert) or without a
 * certificate; BANS_MAX if there is none. */
static size_t first_ending(const struct peers *ps, int has_cert)
{
	size_t best = BANS_MAX;
	for (size_t k = 0; k < ps->nbans; k++)
		if (ps->bans[k].has_cert == has_cert &&
		    (best == BANS_MAX || ps->bans[k].until < ps->bans[best].until))
			best = k;
	return best;
}

int peers_ban(struct peers *ps, const char *key, uint64_t until, int has_cert)
{
	size_t i;

	for (i = 0; i < ps->nbans; i++) {
		if (strcmp(ps->bans[i].key, key) == 0) { /* banned again: keep the longer */
			if (ps->bans[i].until < until)
				ps->bans[i].until = until;
			ps->bans[i].has_cert |= has_cert;
			return 0;
		}
	}
	if (ps->nbans < BANS_MAX) {
		i = ps->nbans++;
	} else {
		/* Full: an anonymous ban makes room first; a certificate's ban
		 * only for another certificate's. */
		if ((i = first_ending(ps, 0)) == BANS_MAX && has_cert)
			i = first_ending(ps, 1);
		if (i == BANS_MAX)
			return CN_EBANNED;
	}
	snprintf(ps->bans[i].key, sizeof(ps->bans[i].key), "%s", key);
	ps->bans[i].has_cert = has_cert;
	ps->bans[i].until = until;
	return 0;
}

void peers_expire_bans(struct peers *ps, uint64_t now)
{
	for (size_t i = 0; i < ps->nbans;) {
		if (ps->bans[i].until <= now) {
			log_info("link key=%.8s: ban expired", ps->bans[i].key);
			ps->bans[i] = ps->bans[--ps->nbans];
		} else {
			i++;
		}
	}
}

void peers_unban(struct peers *ps, const char *key)
{
	for (size_t i = 0; i < ps->nbans; i++) {
		if (strcmp(ps->bans[i].key, key) == 0) {
			ps->bans[i] = ps->bans[--ps->nbans];
			return;
		}
	}
}

int peers_admit_addr(struct peers *ps, const char *addr, uint64_t now, unsigned limit)
{
	struct addr_use *u = NULL;

	for (size_t i = 0; i < ps->naddrs && !u; i++)
		if (strcmp(ps->addrs[i].addr, addr) == 0)
			u = &ps->addrs[i];
	if (!u) { /* a new address: a free slot, or the one whose window is oldest */
		u = &ps->addrs[ps->naddrs < ADDRS_MAX ? ps->naddrs++ : 0];
		for (size_t i = 1; ps->naddrs == ADDRS_MAX && i < ADDRS_MAX; i++)
			if (ps->addrs[i].window < u->window)
				u = &ps->addrs[i];
		snprintf(u->addr, sizeof(u->addr), "%s", addr);
		u->window = now;
		u->keys = 0;
	}
	if (now - u->window >= ADDR_WINDOW) {
		u->window = now;
		u->keys = 0;
	}
	if (u->keys >= limit)
		return CN_EBANNED;
	u->keys++;
	return 0;
}

int peers_is_known_key(struct peers *ps, const char *key)
{
	const struct peer *p = find_key(ps, key);
	return p && peer_has_cert(p);
}

int peers_is_revoked_key(const struct peers *ps, const char *key)
{
	for (size_t i = 0; i < ps->nrevoked; i++)
		if (strcmp(ps->revoked[i], key) == 0)
			return 1;
	return 0;
}

void peers_add_revoked_key(struct peers *ps, const char *key)
{
	if (peers_is_revoked_key(ps, key) || ps->nrevoked == REVOKED_KEYS_MAX)
		return;
	if (ARR_GROW(ps->revoked, ps->nrevoked + 1, ps->revokedcap))
		return;
	snprintf(ps->revoked[ps->nrevoked++], 41, "%s", key);
}

int peers_replace_id(struct peers *ps, struct peer *keep, const char *id, uint64_t now)
{
	int dropped = 0;
	(void)now;
	for (size_t i = 0; i < ps->n;) {
		struct peer *p = ps->v[i];
		if (p != keep && strcmp(p->ident.id, id) == 0) {
			if (p->up) {
				log_warnx("link %s: new session with key=%.8s replaces key=%.8s",
				          id, keep->key, p->key);
				dropped = 1;
			}
			remove_at(ps, i);
			continue;
		}
		i++;
	}
	return dropped;
}

void peers_fd_closed(struct peers *ps, int fd, uint64_t now)
{
	for (size_t i = 0; i < ps->n; i++) {
		struct peer *p = ps->v[i];
		if (p->fd == fd && fd >= 0) {
			p->fd = -1;
			if (p->up)
				log_info("link %s: disconnected", p->ident.id);
			peer_set_down(p, now, "disconnected");
		}
	}
}

void peers_foreach(struct peers *ps, void (*fn)(struct peer *, void *), void *arg)
{
	for (size_t i = 0; i < ps->n; i++)
		fn(ps->v[i], arg);
}

void peers_check_liveness(struct peers *ps, uint64_t now, uint64_t dead_after)
{
	for (size_t i = 0; i < ps->n; i++) {
		struct peer *p = ps->v[i];
		if (p->up && now > p->last_seen + dead_after) {
			log_info("link %s: silent for %llus, marking down", p->ident.id,
			         (unsigned long long)(now - p->last_seen));
			peer_set_down(p, now, "silent");
		}
	}
	/* Forget connections that never said HELLO after a while. */
	for (size_t i = 0; i < ps->n;) {
		struct peer *p = ps->v[i];
		if (!p->ident.id[0] && now > p->last_seen + 600)
			remove_at(ps, i);
		else
			i++;
	}
}

int peers_drop_expired(struct peers *ps, uint64_t now, void (*on_drop)(struct peer *, void *),
                       void *arg)
{
	int n = 0;
	for (size_t i = 0; i < ps->n; i++) {
		struct peer *p = ps->v[i];
		if (p->up && p->ident.not_after > 0 && (uint64_t)p->ident.not_after < now) {
			log_warnx("link %s: certificate expired, session dropped", p->ident.id);
			if (on_drop)
				on_drop(p, arg);
			peer_set_down(p, now, "certificate expired");
			n++;
		}
	}
	return n;
}

int peers_drop_revoked(struct peers *ps, const struct pki_trust *trust, uint64_t now,
                       void (*on_drop)(struct peer *, void *), void *arg)
{
	int n = 0;
	for (size_t i = 0; i < ps->n; i++) {
		struct peer *p = ps->v[i];
		if (!p->ident.id[0] || !pki_trust_identity_revoked(trust, &p->ident))
			continue;
		peers_add_revoked_key(ps, p->key);
		peers_ban(ps, p->key, UINT64_MAX, 1);
		if (p->up) {
			log_warnx("link %s: certificate serial %s revoked, session dropped",
			          p->ident.id, p->ident.serial);
			if (on_drop)
				on_drop(p, arg);
			peer_set_down(p, now, "certificate revoked");
			n++;
		}
	}
	return n;
}

struct persist_arg {
	struct store *st;
	const struct peer *p;
};

static int persist_txn(MDB_txn *txn, void *arg)
{
	struct persist_arg *a = arg;
	struct peer_rec rec;
	MDB_val k, v;

	memset(&rec, 0, sizeof(rec));
	rec.version = 1;
	rec.role = (uint32_t)a->p->ident.role;
	memcpy(rec.key, a->p->key, sizeof(rec.key));
	memcpy(rec.name, a->p->ident.name, sizeof(rec.name));
	memcpy(rec.scope, a->p->ident.scope, sizeof(rec.scope));
	rec.last_seen = a->p->last_seen;
	k.mv_data = (void *)a->p->ident.id;
	k.mv_size = strlen(a->p->ident.id);
	v.mv_data = &rec;
	v.mv_size = sizeof(rec);
	return store_err(mdb_put(txn, store_dbi(a->st, STORE_PEERS), &k, &v, 0), "peers put");
}

int peers_persist(struct peers *ps, struct store *st, const struct peer *p)
{
	struct persist_arg a = {st, p};
	(void)ps;
	return store_write(st, persist_txn, &a);
}

struct load_arg {
	struct peers *ps;
	struct store *st;
};

static int load_txn(MDB_txn *txn, void *arg)
{
	struct load_arg *a = arg;
	MDB_cursor *c;
	MDB_val k, v;
	MDB_cursor_op op = MDB_FIRST;

	if (mdb_cursor_open(txn, store_dbi(a->st, STORE_PEERS), &c) != 0)
		return CN_ESTORE;
	while (mdb_cursor_get(c, &k, &v, op) == 0) {
		struct peer_rec rec;
		struct peer *p;
		op = MDB_NEXT;
		if (v.mv_size != sizeof(rec) || k.mv_size >= PKI_ID_MAX)
			continue;
		memcpy(&rec, v.mv_data, sizeof(rec));
		rec.key[40] = 0;
		rec.name[PKI_NAME_MAX - 1] = 0;
		rec.scope[PKI_ID_MAX - 1] = 0;
		if (rec.version != 1 || strlen(rec.key) != 40 || !(p = add(a->ps, rec.key, 0)))
			continue;
		memcpy(p->ident.id, k.mv_data, k.mv_size);
		p->ident.role = (enum pki_role)rec.role;
		memcpy(p->ident.name, rec.name, sizeof(rec.name));
		memcpy(p->ident.scope, rec.scope, sizeof(rec.scope));
		p->last_seen = rec.last_seen;
		snprintf(p->last_error, sizeof(p->last_error), "not connected since restart");
	}
	mdb_cursor_close(c);
	return 0;
}

int peers_load(struct peers *ps, struct store *st)
{
	struct load_arg a = {ps, st};
	return store_read(st, load_txn, &a);
}

struct peer *peers_find_id(struct peers *ps, const char *id)
{
	for (size_t i = 0; i < ps->n; i++)
		if (ps->v[i]->up && strcmp(ps->v[i]->ident.id, id) == 0)
			return ps->v[i];
	return NULL;
}

size_t peers_count(const struct peers *ps)
{
	return ps->n;
}

struct peer *peers_at(struct peers *ps, size_t i)
{
	return i < ps->n ? ps->v[i] : NULL;
}

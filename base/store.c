/*
 * store: one LMDB environment, its named databases, and the write path
 * that grows the map and replays on MDB_MAP_FULL.
 */
#include "store.h"
#include "be.h"
#include "err.h"
#include "log.h"
#include "util.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct store {
	MDB_env *env;
	MDB_dbi dbi[STORE_NDB];
	char *dir;
	size_t map_size; /* as LMDB reports it */
	unsigned grows;  /* map doublings since open */
	int created;     /* set by init_txn: a new environment */
};

static const char *const db_names[STORE_NDB] = {
    [STORE_META] = "meta",         [STORE_PEERS] = "peers",     [STORE_OUTBOX] = "outbox",
    [STORE_CURSORS] = "cursors",   [STORE_ORIGINS] = "origins", [STORE_DIRECTIVES] = "directives",
    [STORE_STATUSES] = "statuses", [STORE_RECORDS] = "records", [STORE_ESCALATIONS] = "escalations",
    [STORE_TIMERS] = "timers",     [STORE_AUDIT] = "audit",     [STORE_REGISTRY] = "registry",
    [STORE_INBOX] = "inbox",       [STORE_ARCHIVE] = "archive",
};

int store_err(int rc, const char *what)
{
	switch (rc) {
	case 0:
		return 0;
	case MDB_NOTFOUND:
		return CN_ENOTFOUND;
	case MDB_MAP_FULL:
		return CN_EMAPFULL; /* expected: store_write grows and replays */
	default:
		break;
	}
	log_warnx("store: %s: %s", what, mdb_strerror(rc));
	if (rc == ENOMEM)
		return CN_ENOMEM;
	return rc > 0 ? CN_EIO : CN_ESTORE;
}

int store_put_u64(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, uint64_t v)
{
	uint8_t buf[8];
	MDB_val k = {klen, (void *)key}, d = {sizeof(buf), buf};

	be_put(buf, v, 8);
	return store_err(mdb_put(txn, dbi, &k, &d, 0), "put");
}

int store_get_u64(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, uint64_t *v)
{
	MDB_val k = {klen, (void *)key}, d;
	int rc;

	if ((rc = store_err(mdb_get(txn, dbi, &k, &d), "get")) != 0)
		return rc;
	if (d.mv_size != 8) {
		log_warnx("store: get: value size=%zu, expected a uint64", d.mv_size);
		return CN_ESTORE;
	}
	*v = be_get(d.mv_data, 8);
	return 0;
}

static void refresh_map_size(struct store *st)
{
	MDB_envinfo info;

	if (mdb_env_info(st->env, &info) == 0)
		st->map_size = info.me_mapsize;
}

/* Begins a txn; adopts a map grown by another process (MDB_MAP_RESIZED). */
static int txn_begin(struct store *st, unsigned flags, MDB_txn **txn)
{
	int rc = mdb_txn_begin(st->env, NULL, flags, txn);

	if (rc == MDB_MAP_RESIZED) {
		if ((rc = mdb_env_set_mapsize(st->env, 0)) != 0)
			return store_err(rc, "adopt map size");
		refresh_map_size(st);
		rc = mdb_txn_begin(st->env, NULL, flags, txn);
	}
	return store_err(rc, "txn begin");
}

/* Doubles the map. Only between transactions (none is active here). */
static int grow(struct store *st)
{
	int rc;

	if (st->map_size > SIZE_MAX / 2) {
		log_warnx("store: map full at map_size=%zu, cannot grow", st->map_size);
		return CN_ESTORE;
	}
	if ((rc = mdb_env_set_mapsize(st->env, st->map_size * 2)) != 0)
		return store_err(rc, "grow map");
	refresh_map_size(st);
	st->grows++;
	log_info("store: map full, grown map_size=%zu grows=%u", st->map_size, st->grows);
	return 0;
}

#define STORE_AHEAD (256u << 10) /* bytes of zeros kept written past LMDB's last page */
#define STORE_AHEAD_MIN (64u << 10)

/*
 * Keeps the data file STORE_AHEAD bytes longer than LMDB's last page, with
 * zeros really written (not a hole, not fallocate's unwritten extents), so
 * that a commit's new pages overwrite blocks the file already has. On ext4
 * an fdatasync after a write that grows a file or gives it new blocks also
 * writes the inode, synchronously: a third device write per commit, which a
 * store that grows with every commit (audit entries, the archive) paid
 * each time (perf, issue 13). Only ever writes past the file's end, and
 * only inside a write transaction (LMDB's writer lock held: nobody else
 * writes pages meanwhile); the commit's own sync makes the zeros durable.
 * Best effort: on any error the commit goes on as before.
 */
static void write_ahead(struct store *st)
{
	static const uint8_t zero[16384];
	MDB_envinfo info;
	MDB_stat ms;
	struct stat sb;
	off_t used, end;
	int fd;

	if (mdb_env_info(st->env, &info) != 0 || mdb_env_stat(st->env, &ms) != 0 ||
	    mdb_env_get_fd(st->env, &fd) != 0 || fstat(fd, &sb) != 0)
		return;
	used = (off_t)(info.me_last_pgno + 1) * ms.ms_psize;
	if (sb.st_size >= used + (off_t)STORE_AHEAD_MIN)
		return;
	end = used + (off_t)STORE_AHEAD;
	for (off_t off = sb.st_size; off < end;) {
		size_t n = (size_t)(end - off) < sizeof(zero) ? (size_t)(end - off) : sizeof(zero);
		ssize_t w = pwrite(fd, zero, n, off);
		if (w <= 0)
			return;
		off += w;
	}
}

int store_write(struct store *st, store_txn_fn fn, void *arg)
{
	MDB_txn *txn;
	int rc;

	for (unsigned grows = 0;; grows++) {
		if ((rc = txn_begin(st, 0, &txn)) != 0)
			return rc;
		write_ahead(st);
		if ((rc = fn(txn, arg)) != 0)
			mdb_txn_abort(txn);
		else /* commit frees txn, also on failure */
			rc = store_err(mdb_txn_commit(txn), "commit");
		if (rc != CN_EMAPFULL)
			return rc;
		if (grows == STORE_MAX_GROWS) {
			log_warnx("store: map still full after %d grows map_size=%zu",
			          STORE_MAX_GROWS, st->map_size);
			return CN_ESTORE;
		}
		if ((rc = grow(st)) != 0)
			return rc;
	}
}

int store_nested(MDB_txn *parent, store_txn_fn fn, void *arg)
{
	MDB_txn *txn;
	int rc;

	if ((rc = store_err(mdb_txn_begin(mdb_txn_env(parent), parent, 0, &txn), "nested begin")) !=
	    0)
		return rc;
	if ((rc = fn(txn, arg)) != 0)
		mdb_txn_abort(txn);
	else
		rc = store_err(mdb_txn_commit(txn), "nested commit");
	return rc;
}

int store_read(struct store *st, store_txn_fn fn, void *arg)
{
	MDB_txn *txn;
	int rc;

	if ((rc = txn_begin(st, MDB_RDONLY, &txn)) != 0)
		return rc;
	rc = fn(txn, arg);
	mdb_txn_abort(txn);
	return rc;
}

MDB_dbi store_dbi(const struct store *st, enum store_db db)
{
	assert((unsigned)db < STORE_NDB);
	return st->dbi[db];
}

size_t store_map_size(const struct store *st)
{
	return st->map_size;
}

unsigned store_grow_count(const struct store *st)
{
	return st->grows;
}

/* Tightens path to mode if it grants more (group/other bits). */
static int tighten(const char *path, mode_t mode, int must_exist)
{
	struct stat sb;

	if (stat(path, &sb) < 0) {
		if (!must_exist && errno == ENOENT)
			return 0;
		log_warn("store: %s", path);
		return CN_EIO;
	}
	if ((sb.st_mode & 07777 & ~mode) == 0)
		return 0;
	if (chmod(path, mode) < 0) {
		log_warn("store: %s: cannot tighten mode %03o to %03o", path,
		         (unsigned)(sb.st_mode & 07777), (unsigned)mode);
		return CN_EIO;
	}
	log_info("store: %s: mode %03o tightened to %03o", path, (unsigned)(sb.st_mode & 07777),
	         (unsigned)mode);
	return 0;
}

static int prepare_dir(const char *dir)
{
	struct stat sb;

	if (util_mkdirs(dir, 0700) != 0) {
		log_warn("store: cannot create %s", dir);
		return CN_EIO;
	}
	if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		log_warnx("store: %s is not a directory", dir);
		return CN_EIO;
	}
	return tighten(dir, 0700, 1);
}

static int tighten_files(const char *dir)
{
	static const char *const files[] = {"data.mdb", "lock.mdb"};
	int rc = 0;

	for (size_t i = 0; i < ARRAY_LEN(files) && rc == 0; i++) {
		char *p = util_path_join(dir, files[i]);
		rc = p ? tighten(p, 0600, 0) : CN_ENOMEM;
		free(p);
	}
	return rc;
}

/* Opens every named db and checks or writes the schema version. */
static int init_txn(MDB_txn *txn, void *arg)
{
	struct store *st = arg;
	uint8_t buf[4];
	MDB_val k = {6, "schema"}, d;
	int rc;

	for (int i = 0; i < STORE_NDB; i++)
		if ((rc = mdb_dbi_open(txn, db_names[i], MDB_CREATE, &st->dbi[i])) != 0)
			return store_err(rc, db_names[i]);
	rc = mdb_get(txn, st->dbi[STORE_META], &k, &d);
	if (rc == MDB_NOTFOUND) {
		be_put(buf, STORE_SCHEMA_VERSION, 4);
		d = (MDB_val){sizeof(buf), buf};
		if ((rc = store_err(mdb_put(txn, st->dbi[STORE_META], &k, &d, 0), "put schema")))
			return rc;
		st->created = 1;
		return store_put_u64(txn, st->dbi[STORE_META], "created", 7, util_now());
	}
	if ((rc = store_err(rc, "get schema")) != 0)
		return rc;
	if (d.mv_size != 4) {
		log_warnx("store: %s: meta schema has size=%zu, not a schema version: refusing to "
		          "open",
		          st->dir, d.mv_size);
		return CN_ESTORE;
	}
	uint64_t v = be_get(d.mv_data, 4);
	if (v != STORE_SCHEMA_VERSION) {
		log_warnx("store: %s: schema version %llu, this carenet reads version %d: refusing "
		          "to open (%s)",
		          st->dir, (unsigned long long)v, STORE_SCHEMA_VERSION,
		          v > STORE_SCHEMA_VERSION ? "upgrade carenet, or restore a backup"
		                                   : "no migration from that version");
		return CN_ESTORE;
	}
	return 0;
}

/* Opens the env; the map is the larger of map_size and the size recorded
 * in the environment (LMDB persists map size increases). */
static int env_open(struct store *st, size_t map_size)
{
	int rc, dead = 0;

	if ((rc = mdb_env_create(&st->env)) != 0) {
		st->env = NULL;
		return store_err(rc, "env create");
	}
	if ((rc = mdb_env_set_maxdbs(st->env, STORE_NDB + 2)) != 0 ||
	    (rc = mdb_env_set_mapsize(st->env, map_size)) != 0)
		return store_err(rc, "env setup");
	if ((rc = mdb_env_open(st->env, st->dir, MDB_NOTLS, 0600)) != 0) {
		log_warnx("store: open %s: %s", st->dir, mdb_strerror(rc));
		return rc == ENOMEM ? CN_ENOMEM : rc > 0 ? CN_EIO : CN_ESTORE;
	}
	if ((rc = mdb_env_set_mapsize(st->env, 0)) != 0) /* adopt the recorded size */
		return store_err(rc, "adopt map size");
	refresh_map_size(st);
	if (st->map_size < map_size) {
		if ((rc = mdb_env_set_mapsize(st->env, map_size)) != 0)
			return store_err(rc, "set map size");
		refresh_map_size(st);
	}
	if ((rc = mdb_reader_check(st->env, &dead)) != 0)
		return store_err(rc, "reader check");
	if (dead > 0)
		log_info("store: cleared stale readers count=%d", dead);
	return 0;
}

int store_open(const char *dir, size_t map_size, struct store **out)
{
	struct store *st = NULL;
	int rc;

	*out = NULL;
	/* A NULL name would open LMDB's main database, which holds the named
	 * ones: refuse rather than write over them. */
	for (int i = 0; i < STORE_NDB; i++) {
		if (!db_names[i]) {
			log_error("store: enum store_db value %d has no name in store.c db_names",
			          i);
			return CN_ESTORE;
		}
	}
	if ((rc = prepare_dir(dir)) != 0)
		return rc;
	if (!(st = calloc(1, sizeof(*st))) || !(st->dir = util_strdup(dir))) {
		rc = CN_ENOMEM;
		goto out;
	}
	if ((rc = env_open(st, map_size)) != 0 || (rc = tighten_files(dir)) != 0)
		goto out;
	if ((rc = store_write(st, init_txn, st)) != 0)
		goto out;
	if (st->created)
		log_info("store: created dir=%s schema=%d", dir, STORE_SCHEMA_VERSION);
	log_debug("store: open dir=%s map_size=%zu", dir, st->map_size);
	*out = st;
	st = NULL;
out:
	store_close(&st);
	return rc;
}

int store_write_lazy(struct store *st, store_txn_fn fn, void *arg)
{
	int rc, set = mdb_env_set_flags(st->env, MDB_NOMETASYNC, 1);

	if (set != 0)
		log_warnx("store: cannot defer the meta page's flush: %s", mdb_strerror(set));
	rc = store_write(st, fn, arg);
	if (set == 0 && (set = mdb_env_set_flags(st->env, MDB_NOMETASYNC, 0)) != 0) {
		log_warnx("store: cannot restore durable commits: %s", mdb_strerror(set));
		return CN_ESTORE; /* never keep running without durable commits */
	}
	return rc;
}

void store_close(struct store **stp)
{
	struct store *st;

	if (!stp || !(st = *stp))
		return;
	if (st->env)
		mdb_env_close(st->env);
	free(st->dir);
	free(st);
	*stp = NULL;
}

struct meta_arg {
	const struct store *st;
	const char *key;
	void *buf;
	size_t len;
};

static int meta_put_txn(MDB_txn *txn, void *arg)
{
	struct meta_arg *a = arg;
	MDB_val k = {strlen(a->key), (void *)a->key}, d = {a->len, a->buf};

	return store_err(mdb_put(txn, a->st->dbi[STORE_META], &k, &d, 0), "meta put");
}

static int meta_get_txn(MDB_txn *txn, void *arg)
{
	struct meta_arg *a = arg;
	MDB_val k = {strlen(a->key), (void *)a->key}, d;
	int rc;

	if ((rc = store_err(mdb_get(txn, a->st->dbi[STORE_META], &k, &d), "meta get")) != 0)
		return rc;
	if (d.mv_size > a->len || d.mv_size > INT_MAX)
		return CN_ETOOBIG;
	memcpy(a->buf, d.mv_data, d.mv_size);
	return (int)d.mv_size;
}

int store_meta_put(struct store *st, const char *key, const void *val, size_t len)
{
	struct meta_arg a = {st, key, (void *)val, len};

	if (!key[0])
		return CN_EINVAL;
	return store_write(st, meta_put_txn, &a);
}

int store_meta_get(struct store *st, const char *key, void *buf, size_t buflen)
{
	struct meta_arg a = {st, key, buf, buflen};

	if (!key[0])
		return CN_EINVAL;
	return store_read(st, meta_get_txn, &a);
}

/* dir must not exist (created 0700 with its parents) or be empty. */
static int backup_dir(const char *dir)
{
	DIR *d;
	struct dirent *e;
	int empty = 1;

	if (util_mkdirs(dir, 0700) != 0) {
		log_warn("store: backup: cannot create %s", dir);
		return CN_EIO;
	}
	if (!(d = opendir(dir))) {
		log_warn("store: backup: %s", dir);
		return CN_EIO;
	}
	while (empty && (e = readdir(d)))
		empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	closedir(d);
	if (!empty) {
		log_warnx("store: backup: %s is not empty: choose a new directory", dir);
		return CN_EEXIST;
	}
	return tighten(dir, 0700, 1);
}

static int fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0 || fsync(fd) < 0) {
		log_warn("store: backup: fsync %s", path);
		rc = CN_EIO;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

int store_backup(struct store *st, const char *dir)
{
	char *file = NULL;
	int rc;

	if ((rc = backup_dir(dir)) != 0)
		return rc;
	if (!(file = util_path_join(dir, "data.mdb")))
		return CN_ENOMEM;
	if ((rc = mdb_env_copy2(st->env, dir, MDB_CP_COMPACT)) != 0) {
		log_warnx("store: backup to %s: %s", dir, mdb_strerror(rc));
		rc = rc == ENOMEM ? CN_ENOMEM : rc > 0 ? CN_EIO : CN_ESTORE;
		unlink(file);
		goto out;
	}
	if (chmod(file, 0600) < 0) {
		log_warn("store: backup: chmod %s", file);
		rc = CN_EIO;
		goto out;
	}
	if ((rc = fsync_path(file)) != 0 || (rc = fsync_path(dir)) != 0)
		goto out;
	log_info("store: backup written dir=%s", dir);
out:
	free(file);
	return rc;
}

int store_backup_file(struct store *st, const char *path, int excl, uint64_t *bytes)
{
	char *tmp = NULL;
	struct stat sb;
	int fd, rc;

	*bytes = 0;
	if ((fd = util_file_begin(path, &tmp)) < 0) {
		log_warn("store: backup: cannot create a file beside %s", path);
		return fd;
	}
	if ((rc = mdb_env_copyfd2(st->env, fd, MDB_CP_COMPACT)) != 0) {
		log_warnx("store: backup to %s: %s", path, mdb_strerror(rc));
		util_file_abort(fd, &tmp);
		return rc == ENOMEM ? CN_ENOMEM : rc > 0 ? CN_EIO : CN_ESTORE;
	}
	if (fstat(fd, &sb) == 0)
		*bytes = (uint64_t)sb.st_size;
	if ((rc = util_file_commit(fd, &tmp, path, 0600, excl)) != 0) {
		if (rc == CN_EEXIST)
			log_warnx("store: backup: %s exists: choose a new name", path);
		else
			log_warn("store: backup: cannot put %s in place", path);
		return rc;
	}
	log_info("store: backup written file=%s bytes=%llu", path, (unsigned long long)*bytes);
	return 0;
}

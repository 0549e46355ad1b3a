/*
 * test_store: the LMDB environment in a temporary directory: modes, meta
 * round trip across reopen, callback errors commit nothing, MAP_FULL grows
 * and replays, a newer schema is refused, backups open with their data.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include "store.h"
#include "err.h"
#include "log.h"

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

#define MIB ((size_t)1 << 20)
#define NREC 4096   /* records written in one transaction by the MAP_FULL test */
#define RECLEN 1000 /* 4096 * 1000 bytes: about 4 MiB, far more than a 1 MiB map */

static char base[] = "/tmp/test_store.XXXXXX";

static char *path(const char *rel)
{
	static char buf[4][PATH_MAX];
	static int i;
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", base, rel);
	return buf[i];
}

static int mode_of(const char *p)
{
	struct stat sb;
	return stat(p, &sb) == 0 ? (int)(sb.st_mode & 07777) : -1;
}

static void record_value(int i, char *buf)
{
	memset(buf, 'a' + i % 26, RECLEN);
	snprintf(buf, RECLEN, "record %d", i);
}

/* --- callbacks */

struct fill {
	struct store *st;
	int calls;
};

/* Writes NREC records; on MAP_FULL returns CN_EMAPFULL (via store_err). */
static int fill_txn(MDB_txn *txn, void *arg)
{
	struct fill *f = arg;
	char key[16], val[RECLEN];
	int rc;

	f->calls++;
	for (int i = 0; i < NREC; i++) {
		MDB_val k = {(size_t)snprintf(key, sizeof(key), "rec%05d", i), key};
		MDB_val d = {RECLEN, val};
		record_value(i, val);
		if ((rc = store_err(mdb_put(txn, store_dbi(f->st, STORE_RECORDS), &k, &d, 0),
		                    "put record")) != 0)
			return rc;
	}
	return 0;
}

static int check_records_txn(MDB_txn *txn, void *arg)
{
	struct store *st = arg;
	char key[16], val[RECLEN];
	int bad = 0;

	for (int i = 0; i < NREC; i++) {
		MDB_val k = {(size_t)snprintf(key, sizeof(key), "rec%05d", i), key}, d;
		record_value(i, val);
		if (mdb_get(txn, store_dbi(st, STORE_RECORDS), &k, &d) != 0 ||
		    d.mv_size != RECLEN || memcmp(d.mv_data, val, RECLEN) != 0)
			bad++;
	}
	return bad ? CN_ENOTFOUND : 0;
}

static int always_full_txn(MDB_txn *txn, void *arg)
{
	(void)txn;
	(*(int *)arg)++;
	return CN_EMAPFULL;
}

static int put_then_fail_txn(MDB_txn *txn, void *arg)
{
	struct store *st = arg;
	int rc = store_put_u64(txn, store_dbi(st, STORE_PEERS), "530102001", 9, 42);
	CHECK(rc == 0);
	return CN_EINVAL;
}

static int get_peer_txn(MDB_txn *txn, void *arg)
{
	struct store *st = arg;
	uint64_t v;
	return store_get_u64(txn, store_dbi(st, STORE_PEERS), "530102001", 9, &v);
}

static int u64_put_txn(MDB_txn *txn, void *arg)
{
	struct store *st = arg;
	MDB_val k = {3, "odd"}, d = {3, "abc"};
	int rc = store_put_u64(txn, store_dbi(st, STORE_ORIGINS), "530102", 6, UINT64_MAX - 1);
	if (rc == 0)
		rc = store_err(mdb_put(txn, store_dbi(st, STORE_ORIGINS), &k, &d, 0), "put odd");
	return rc;
}

static int u64_get_txn(MDB_txn *txn, void *arg)
{
	struct store *st = arg;
	uint64_t v = 0;

	CHECK(store_get_u64(txn, store_dbi(st, STORE_ORIGINS), "530102", 6, &v) == 0);
	CHECK(v == UINT64_MAX - 1);
	CHECK(store_get_u64(txn, store_dbi(st, STORE_ORIGINS), "odd", 3, &v) == CN_ESTORE);
	CHECK(store_get_u64(txn, store_dbi(st, STORE_ORIGINS), "none", 4, &v) == CN_ENOTFOUND);
	return 7; /* store_read returns the callback's value as is */
}

static int bump_schema_txn(MDB_txn *txn, void *arg)
{
	struct store *st = arg;
	uint8_t v[4] = {0, 0, 0, STORE_SCHEMA_VERSION + 1}; /* big-endian */
	MDB_val k = {6, "schema"}, d = {4, v};
	return store_err(mdb_put(txn, store_dbi(st, STORE_META), &k, &d, 0), "put schema");
}

/* --- tests */

static void test_open_modes(void)
{
	struct store *st = NULL;
	char buf[32];

	CHECK(store_open(path("env/nested"), MIB, &st) == 0);
	CHECK(st != NULL);
	if (!st)
		return;
	CHECK(mode_of(path("env/nested")) == 0700);
	CHECK(mode_of(path("env")) == 0700);
	CHECK(mode_of(path("env/nested/data.mdb")) == 0600);
	CHECK(mode_of(path("env/nested/lock.mdb")) == 0600);
	CHECK(store_map_size(st) >= MIB);
	CHECK(store_grow_count(st) == 0);

	CHECK(store_meta_put(st, "node_id", "530102", 6) == 0);
	CHECK(store_meta_get(st, "node_id", buf, 3) == CN_ETOOBIG);
	CHECK(store_meta_get(st, "missing", buf, sizeof(buf)) == CN_ENOTFOUND);
	store_close(&st);
	CHECK(st == NULL);
	store_close(&st); /* NULL is fine */

	CHECK(store_open(path("env/nested"), MIB, &st) == 0);
	if (!st)
		return;
	memset(buf, 0, sizeof(buf));
	CHECK(store_meta_get(st, "node_id", buf, sizeof(buf)) == 6);
	CHECK(memcmp(buf, "530102", 6) == 0);
	CHECK(store_meta_get(st, "schema", buf, sizeof(buf)) == 4);
	CHECK(buf[0] == 0 && buf[1] == 0 && buf[2] == 0 && buf[3] == STORE_SCHEMA_VERSION);
	CHECK(store_meta_get(st, "created", buf, sizeof(buf)) == 8);
	store_close(&st);
}

static void test_loose_dir(void)
{
	struct store *st = NULL;

	CHECK(mkdir(path("loose"), 0755) == 0);
	CHECK(chmod(path("loose"), 0755) == 0);
	CHECK(store_open(path("loose"), MIB, &st) == 0);
	CHECK(mode_of(path("loose")) == 0700);
	store_close(&st);

	/* a looser data file is tightened too */
	CHECK(chmod(path("loose/data.mdb"), 0644) == 0);
	CHECK(store_open(path("loose"), MIB, &st) == 0);
	CHECK(mode_of(path("loose/data.mdb")) == 0600);
	store_close(&st);

	/* a file where the directory should be */
	FILE *f = fopen(path("afile"), "w");
	CHECK(f != NULL);
	if (f)
		fclose(f);
	st = (struct store *)&f;
	CHECK(store_open(path("afile"), MIB, &st) == CN_EIO);
	CHECK(st == NULL);
}

static void test_callback_error(void)
{
	struct store *st = NULL;
	int calls = 0;

	CHECK(store_open(path("cb"), MIB, &st) == 0);
	if (!st)
		return;
	CHECK(store_write(st, put_then_fail_txn, st) == CN_EINVAL);
	CHECK(store_read(st, get_peer_txn, st) == CN_ENOTFOUND);

	CHECK(store_write(st, u64_put_txn, st) == 0);
	CHECK(store_read(st, u64_get_txn, st) == 7);

	/* a callback that keeps claiming MAP_FULL: bounded number of grows */
	CHECK(store_write(st, always_full_txn, &calls) == CN_ESTORE);
	CHECK(calls == STORE_MAX_GROWS + 1);
	CHECK(store_grow_count(st) == STORE_MAX_GROWS);
	store_close(&st);
}

static void test_map_full(void)
{
	struct store *st = NULL;
	struct fill f = {0};
	size_t grown;
	char buf_after[8];

	CHECK(store_open(path("full"), MIB, &st) == 0);
	if (!st)
		return;
	CHECK(store_map_size(st) < (size_t)NREC * RECLEN);
	f.st = st;
	CHECK(store_write(st, fill_txn, &f) == 0);
	CHECK(store_grow_count(st) > 0);
	CHECK(f.calls == (int)store_grow_count(st) + 1); /* one replay per grow */
	CHECK(store_map_size(st) >= (size_t)NREC * RECLEN);
	CHECK(store_read(st, check_records_txn, st) == 0);
	grown = store_map_size(st);
	store_close(&st);

	/* the grown size was persisted: reopening with the small size keeps it */
	CHECK(store_open(path("full"), MIB, &st) == 0);
	if (!st)
		return;
	CHECK(store_map_size(st) == grown);
	CHECK(store_grow_count(st) == 0);
	CHECK(store_read(st, check_records_txn, st) == 0);

	/* backup: a compacted copy that opens with the same data */
	CHECK(store_backup(st, path("backup/one")) == 0);
	CHECK(mode_of(path("backup/one")) == 0700);
	CHECK(mode_of(path("backup/one/data.mdb")) == 0600);
	CHECK(store_backup(st, path("backup/one")) == CN_EEXIST);
	CHECK(mkdir(path("backup/empty"), 0755) == 0);
	CHECK(store_backup(st, path("backup/empty")) == 0);
	CHECK(mode_of(path("backup/empty")) == 0700);
	/* the same into one file, put in place atomically */
	uint64_t bytes = 0;
	CHECK(mkdir(path("backup/file"), 0700) == 0);
	CHECK(store_backup_file(st, path("backup/file/data.mdb"), 1, &bytes) == 0);
	CHECK(bytes > 0 && mode_of(path("backup/file/data.mdb")) == 0600);
	CHECK(store_backup_file(st, path("backup/file/data.mdb"), 1, &bytes) == CN_EEXIST);
	CHECK(store_backup_file(st, path("backup/file/data.mdb"), 0, &bytes) == 0);
	CHECK(store_backup_file(st, path("backup/nodir/data.mdb"), 1, &bytes) == CN_EIO);
	CHECK(store_meta_put(st, "after", "x", 1) == 0); /* not in the backup */
	store_close(&st);

	CHECK(store_open(path("backup/file"), MIB, &st) == 0);
	if (!st)
		return;
	CHECK(store_read(st, check_records_txn, st) == 0);
	CHECK(store_meta_get(st, "after", buf_after, sizeof(buf_after)) == CN_ENOTFOUND);
	store_close(&st);

	CHECK(store_open(path("backup/one"), MIB, &st) == 0);
	if (!st)
		return;
	CHECK(store_read(st, check_records_txn, st) == 0);
	char buf[8];
	CHECK(store_meta_get(st, "schema", buf, sizeof(buf)) == 4);
	CHECK(store_meta_get(st, "after", buf, sizeof(buf)) == CN_ENOTFOUND);
	store_close(&st);
}

static void test_newer_schema(void)
{
	struct store *st = NULL;

	CHECK(store_open(path("newer"), MIB, &st) == 0);
	if (!st)
		return;
	CHECK(store_write(st, bump_schema_txn, st) == 0);
	store_close(&st);
	st = (struct store *)&st;
	CHECK(store_open(path("newer"), MIB, &st) == CN_ESTORE);
	CHECK(st == NULL);
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv; /* no data files needed */
	if (!mkdtemp(base)) {
		perror(base);
		return 2;
	}
	log_init(LOG_LVL_WARN, "test");
	test_open_modes();
	test_loose_dir();
	test_callback_error();
	test_map_full();
	test_newer_schema();
	nftw(base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	printf("test_store: %d failures\n", failures);
	return failures ? 1 : 0;
}

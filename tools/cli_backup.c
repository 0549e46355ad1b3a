/*
 * cli_backup: `backup` (a compacted, consistent copy of the node's store:
 * made by the running node through its control socket, or from the data
 * directory when the node is stopped) and `restore` (puts such a copy in
 * place of a stopped node's store: same office, the replaced store kept
 * aside, the origin sequences moved to a new epoch; docs/design.md,
 * "Backup and restore").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "audit.h"
#include "cli.h"
#include "cmd.h"
#include "deliver.h"
#include "err.h"
#include "json.h"
#include "node.h"
#include "store.h"
#include "util.h"

#define BACKUP_TIMEOUT_MS 600000 /* a large store takes a while to copy */
#define STAGING "restore.tmp"    /* in data_dir: the copy being checked */

/* The data directory's lock (node.lock, as `carenet run` takes it): 0 and
 * *fd when taken; 0, *fd -1 and *busy while a node holds it. */
static int lock_data_dir(const char *prog, const struct config *cfg, int *fd, int *busy)
{
	char *path = util_path_join(cfg->data_dir, "node.lock");
	int rc = 0;

	*fd = -1;
	*busy = 0;
	if (!path)
		return CN_ENOMEM;
	if (util_mkdirs(cfg->data_dir, 0700) != 0 ||
	    (*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		fprintf(stderr, "%s: cannot open %s: %s\n", prog, path, strerror(errno));
		rc = CN_EIO;
	} else if (flock(*fd, LOCK_EX | LOCK_NB) < 0) {
		close(*fd);
		*fd = -1;
		*busy = 1;
	}
	free(path);
	return rc;
}

static void print_backup(const char *path, uint64_t bytes, uint64_t us, int live, int as_json)
{
	if (as_json) {
		struct json j;
		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_str(&j, "path", path);
		json_u64(&j, "bytes", bytes);
		json_u64(&j, "ms", us / 1000);
		json_bool(&j, "live", live);
		json_obj_end(&j);
		json_finish(&j);
		return;
	}
	printf("backup written: %s (%llu bytes, %llu ms, %s)\n", path, (unsigned long long)bytes,
	       (unsigned long long)us / 1000,
	       live ? "made by the running node" : "from the stopped node's data_dir");
}

/* The node is stopped (we hold its lock): copy the data directory's store. */
static int backup_offline(const char *prog, const struct config *cfg, const char *path, int replace,
                          int as_json)
{
	struct store *st = NULL;
	char *db = util_path_join(cfg->data_dir, "data.mdb");
	uint64_t t0 = util_mono_us(), bytes = 0;
	struct stat sb;
	int rc;

	if (!db)
		return CN_ENOMEM;
	if (stat(db, &sb) != 0) {
		fprintf(stderr, "%s: %s holds no store (no data.mdb) and the node is not running\n",
		        prog, cfg->data_dir);
		free(db);
		return CN_ENOTFOUND;
	}
	free(db);
	if ((rc = store_open(cfg->data_dir, cfg->map_size, &st)) != 0) {
		fprintf(stderr, "%s: cannot open the store in %s: %s\n", prog, cfg->data_dir,
		        cn_strerror(rc));
		return rc;
	}
	rc = store_backup_file(st, path, !replace, &bytes);
	store_close(&st);
	if (rc != 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, path,
		        rc == CN_EEXIST ? "exists: choose a new name (or --replace)"
		                        : cn_strerror(rc));
		return rc;
	}
	print_backup(path, bytes, util_mono_us() - t0, 0, as_json);
	return 0;
}

static int backup_live(const char *prog, const struct config *cfg, const char *path, int replace,
                       int as_json)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__BackupRequest q = CARENET__BACKUP_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	int rc;

	q.path = (char *)path;
	q.replace = replace;
	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_BACKUP, &q);
	rc = cli_call(prog, cfg, &req, BACKUP_TIMEOUT_MS, &rep);
	if (rc == 0 && !rep->backup)
		rc = CN_EPROTO;
	if (rc == 0)
		print_backup(rep->backup->path, rep->backup->bytes, rep->backup->micros, 1,
		             as_json);
	carenet__control_reply__free_unpacked(rep, NULL);
	return rc;
}

static const struct args_opt backup_opts[] = {
    {"config", 'c', "CFG", "the node's configuration (default " CONFIG_DEFAULT_PATH ")"},
    {"replace", ARGS_LONG('r'), NULL, "replace FILE if it exists"},
    {"json", ARGS_LONG('j'), NULL, "{path, bytes, ms, live}"},
    {0}};
static const struct args_cmd backup_cmd = {
    "carenet backup", "[-c CFG] [--replace] [--json] FILE",
    "Writes a compacted, consistent copy of this node's store (LMDB) to FILE,\n"
    "mode 0600, put in place atomically. While the node runs, the node itself\n"
    "makes the copy (one read transaction: it keeps serving; FILE must be where\n"
    "the node may write); when it is stopped, the copy is made from data_dir.\n"
    "Bring it back with `carenet restore`.\n",
    backup_opts, NULL};

int cmd_backup(int argc, char **argv)
{
	const char *cfgpath = CONFIG_DEFAULT_PATH, *prog = "carenet backup";
	struct config *cfg = NULL;
	char *path = NULL;
	struct args a;
	int ch, rc, replace = 0, as_json = 0, fd = -1, busy = 0;

	args_begin(&a, &backup_cmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END) {
		if (ch == 'c')
			cfgpath = a.val;
		else if (ch == ARGS_LONG('r'))
			replace = 1;
		else if (ch == ARGS_LONG('j'))
			as_json = 1;
		else
			return a.exit;
	}
	if ((rc = args_operands(&a, 1, 1)) != 0)
		return rc;
	if ((rc = cli_config(prog, cfgpath, &cfg)) != 0)
		return cn_exit_code(rc);
	if (!(path = util_abspath(argv[a.ind]))) {
		fprintf(stderr, "%s: %s: no such directory\n", prog, argv[a.ind]);
		rc = CN_ENOTFOUND;
		goto out;
	}
	if ((rc = lock_data_dir(prog, cfg, &fd, &busy)) != 0)
		goto out;
	if (busy) /* a node runs on this data_dir: it makes the copy */
		rc = backup_live(prog, cfg, path, replace, as_json);
	else
		rc = backup_offline(prog, cfg, path, replace, as_json);
out:
	if (fd >= 0)
		close(fd);
	free(path);
	config_free(&cfg);
	return cn_exit_code(rc);
}

/* ------------------------------------------------------------- restore */

/* Copies src to dst (a new file, 0600), fsynced. */
static int copy_file(const char *src, const char *dst)
{
	int in = open(src, O_RDONLY | O_CLOEXEC), out = -1, rc = CN_EIO;
	char buf[1 << 16];
	ssize_t n;

	if (in < 0)
		return errno == ENOENT ? CN_ENOTFOUND : CN_EIO;
	if ((out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		goto out;
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0, w; off < n; off += w)
			if ((w = write(out, buf + off, (size_t)(n - off))) <= 0)
				goto out;
	}
	if (n == 0 && fsync(out) == 0)
		rc = 0;
out:
	close(in);
	if (out >= 0)
		close(out);
	return rc;
}

/* Removes DIR/data.mdb, DIR/lock.mdb and DIR (what a staging copy holds). */
static void remove_store_dir(const char *dir)
{
	static const char *const files[] = {"data.mdb", "lock.mdb"};

	for (size_t i = 0; i < ARRAY_LEN(files); i++) {
		char *p = util_path_join(dir, files[i]);
		if (p)
			unlink(p);
		free(p);
	}
	rmdir(dir);
}

/* The highest origin sequence of a store. */
struct origin_max {
	struct store *st;
	uint64_t max;
};

static int origin_max_txn(MDB_txn *txn, void *arg)
{
	struct origin_max *a = arg;
	uint64_t seq;

	for (unsigned lane = 0; lane < WIRE_LANES; lane++)
		if (deliver_origin_last(a->st, txn, lane, &seq) == 0 && seq > a->max)
			a->max = seq;
	return 0;
}

struct restore {
	const char *prog, *file, *id, *aside;
	struct config *cfg;
	struct store *st;
	uint64_t floor, created;
	char detail[1024];
};

/* The store being replaced (if it still opens): the new epoch starts
 * above its origin sequences too, whatever the clock says. */
static uint64_t replaced_origin_max(const struct config *cfg)
{
	struct origin_max a = {NULL, 0};
	char *db = util_path_join(cfg->data_dir, "data.mdb");
	struct stat sb;

	if (db && stat(db, &sb) == 0 && store_open(cfg->data_dir, cfg->map_size, &a.st) == 0) {
		store_read(a.st, origin_max_txn, &a);
		store_close(&a.st);
	}
	free(db);
	return a.max;
}

/* In the staged copy: the same office; the origin sequences in a new
 * epoch; marked restored; an audit entry. */
static int restore_txn(MDB_txn *txn, void *arg)
{
	struct restore *r = arg;
	MDB_dbi meta = store_dbi(r->st, STORE_META);
	MDB_val k = {7, "node_id"}, v;
	int rc;

	if ((rc = mdb_get(txn, meta, &k, &v)) != 0 || v.mv_size != strlen(r->id) ||
	    memcmp(v.mv_data, r->id, v.mv_size) != 0) {
		fprintf(stderr, "%s: %s is not a store of office %s (%s %.*s)\n", r->prog, r->file,
		        r->id, rc ? "no office recorded" : "it belongs to", rc ? 0 : (int)v.mv_size,
		        rc ? "" : (const char *)v.mv_data);
		return CN_EPERM;
	}
	if (store_get_u64(txn, meta, "created", 7, &r->created) != 0)
		r->created = 0;
	if ((rc = deliver_origin_epoch(r->st, txn, r->floor)) != 0 ||
	    (rc = store_put_u64(txn, meta, "restored", 8, util_now())) != 0)
		return rc;
	return audit_append(r->st, txn, util_now(), r->id, "restore", r->id, r->detail);
}

/* Checks the staged copy in data_dir/restore.tmp and prepares it. */
static int restore_stage(struct restore *r, const char *stage)
{
	char *db = util_path_join(stage, "data.mdb");
	int rc;

	remove_store_dir(stage); /* left by an interrupted restore */
	if (!db || mkdir(stage, 0700) != 0) {
		free(db);
		fprintf(stderr, "%s: cannot create %s: %s\n", r->prog, stage, strerror(errno));
		return CN_EIO;
	}
	if ((rc = copy_file(r->file, db)) != 0) {
		fprintf(stderr, "%s: cannot copy %s: %s\n", r->prog, r->file, cn_strerror(rc));
		free(db);
		return rc;
	}
	free(db);
	if ((rc = store_open(stage, r->cfg->map_size, &r->st)) != 0) {
		fprintf(stderr, "%s: %s is not a carenet store this version reads (see above)\n",
		        r->prog, r->file);
		return rc;
	}
	snprintf(r->detail, sizeof(r->detail),
	         "store restored from %s; the replaced one kept as %s; origin sequences from %llu "
	         "[operator=%s uid=%u pid=%d]",
	         r->file, r->aside, (unsigned long long)r->floor, cli_operator(),
	         (unsigned)getuid(), (int)getpid());
	rc = store_write(r->st, restore_txn, r);
	store_close(&r->st);
	return rc;
}

/* The staged copy replaces data.mdb; the old one is kept aside. */
static int restore_swap(struct restore *r, const char *stage)
{
	char *cur = util_path_join(r->cfg->data_dir, "data.mdb");
	char *lock = util_path_join(r->cfg->data_dir, "lock.mdb");
	char *staged = util_path_join(stage, "data.mdb");
	int rc = CN_EIO;
	struct stat sb;

	if (!cur || !lock || !staged) {
		rc = CN_ENOMEM;
		goto out;
	}
	if (stat(cur, &sb) == 0 && rename(cur, r->aside) != 0) {
		fprintf(stderr, "%s: cannot keep %s as %s: %s\n", r->prog, cur, r->aside,
		        strerror(errno));
		goto out;
	}
	unlink(lock); /* LMDB's reader table of the old file; made again at open */
	if (rename(staged, cur) != 0) {
		fprintf(stderr, "%s: cannot put the copy in place: %s\n", r->prog, strerror(errno));
		goto out;
	}
	remove_store_dir(stage);
	rc = util_dir_sync(r->cfg->data_dir);
out:
	free(cur);
	free(lock);
	free(staged);
	return rc;
}

static const struct args_opt restore_opts[] = {
    {"config", 'c', "CFG", "the node's configuration (default " CONFIG_DEFAULT_PATH ")"}, {0}};
static const struct args_cmd restore_cmd = {
    "carenet restore", "[-c CFG] FILE",
    "Puts FILE (made by `carenet backup`) in place of this node's store. The node\n"
    "must be stopped. FILE must be a store of this office (the office id in its\n"
    "meta, a schema this carenet reads); the replaced store is kept as\n"
    "DATA_DIR/data.mdb.before-restore-TIME. The restored store starts a new epoch of\n"
    "origin sequences, so what the node originates from now on is never taken for\n"
    "what it originated after the backup; at the next start its parent and children\n"
    "send again what it acknowledged since the backup (delivery.keep_acked).\n",
    restore_opts,
    "Refused (exit 4): the node runs, or FILE is another office's store.\n"};

int cmd_restore(int argc, char **argv)
{
	struct restore r = {.prog = "carenet restore"};
	const char *cfgpath = CONFIG_DEFAULT_PATH;
	char id[PKI_ID_MAX], stamp[32], *stage = NULL, *file = NULL, *aside = NULL;
	enum pki_role role;
	struct args a;
	time_t now = time(NULL);
	int ch, rc, fd = -1, busy = 0;
	uint64_t max;

	args_begin(&a, &restore_cmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END) {
		if (ch == 'c')
			cfgpath = a.val;
		else
			return a.exit;
	}
	if ((rc = args_operands(&a, 1, 1)) != 0)
		return rc;
	if ((rc = cli_config(r.prog, cfgpath, &r.cfg)) != 0)
		return cn_exit_code(rc);
	if ((rc = node_check(r.cfg, id, sizeof(id), &role)) != 0) {
		fprintf(stderr, "%s: this office's identity files are not usable (see above)\n",
		        r.prog);
		goto out;
	}
	if ((rc = lock_data_dir(r.prog, r.cfg, &fd, &busy)) != 0)
		goto out;
	if (busy) {
		fprintf(stderr, "%s: the node is running on %s: stop it first\n", r.prog,
		        r.cfg->data_dir);
		rc = CN_EPERM;
		goto out;
	}
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime(&now));
	rc = CN_ENOMEM;
	if (!(file = util_abspath(argv[a.ind])) ||
	    !(stage = util_path_join(r.cfg->data_dir, STAGING)) ||
	    !(aside = malloc(strlen(r.cfg->data_dir) + 64)))
		goto out;
	sprintf(aside, "%s/data.mdb.before-restore-%s", r.cfg->data_dir, stamp);
	r.file = file;
	r.id = id;
	r.aside = aside;
	max = replaced_origin_max(r.cfg);
	r.floor = util_now_us();
	if (max >= r.floor)
		r.floor = max + 1;
	if ((rc = restore_stage(&r, stage)) != 0 || (rc = restore_swap(&r, stage)) != 0) {
		remove_store_dir(stage);
		goto out;
	}
	printf("restored %s into %s (office %s); the replaced store is kept as %s.\n"
	       "Origin sequences continue from %llu. Start the node: its parent and children send\n"
	       "again what it acknowledged after the backup.\n",
	       file, r.cfg->data_dir, id, aside, (unsigned long long)r.floor);
out:
	if (fd >= 0)
		close(fd);
	free(file);
	free(stage);
	free(aside);
	config_free(&r.cfg);
	return cn_exit_code(rc);
}

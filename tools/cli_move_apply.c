/*
 * cli_move_apply: `carenet move apply` (docs/design.md "Moves"), moved out
 * of cli_move.c. It runs without the node: it checks the data_dir's store
 * holds the county's Move of its office to this identity's id, then, in one
 * transaction, makes the store NEW's and marks the switch, which the node's
 * first turn carries out (roles/roles_move.c). Run again, it says where it is.
 */
#include "cli.h"
#include "cmd.h"
#include "aead.h"
#include "archive.h"
#include "args.h"
#include "err.h"
#include "item.h"
#include "moved.h"
#include "node.h"
#include "outbox.h"
#include "render.h"
#include "store.h"
#include "util.h"
#include "wire.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* ------------------------------------------------------------- apply */

static const struct args_opt apply_opts[] = {
    {"config", 'c', "CFG",
     "the village's (or township's) configuration for\n"
     "its NEW id (carenet enroll NEW.bundle --dir DIR\n"
     "--data-dir THE_OLD_DATA_DIR)"},
    {"old", ARGS_LONG('o'), "OLDCFG",
     "its configuration before: the same data_dir; its records key\n"
     "(which seals the records and the outbox) is copied"},
    {"json", ARGS_LONG('j'), NULL, "{old, new, state}"},
    {0}};
static const struct args_cmd apply_cmd = {
    "carenet move apply", "-c CFG --old OLDCFG [--json]",
    "At the village, its node stopped: CFG is the configuration enrolled for\n"
    "its new id, with the data_dir it has always used. Checks that the store\n"
    "belongs to OLD and holds the county's Move of OLD to this id, then makes\n"
    "it NEW's and marks the switch. Start the node: its first turn re-keys\n"
    "OLD's records to NEW, re-sends the state of every directive in its inbox\n"
    "and reports the switch, in one transaction, to the new township. The\n"
    "links to the new township and the county start afresh (they meet a new\n"
    "peer; for a code change the township is the one OLD spoke to). Safe to\n"
    "run again (it says what is done); a kill at any moment leaves the store\n"
    "either as it was or switched.\n"
    "A township whose own code changes (撤乡设镇) does the same with CFG\n"
    "enrolled for its new code from a request made with its CURVE key\n"
    "(carenet init --curve-from its old directory: its villages pin its CURVE\n"
    "key). Nothing needs draining: its links stay as they are, the county\n"
    "takes over its queues at its first HELLO, and its villages switch later,\n"
    "one by one, each by its own move.\n",
    apply_opts, NULL};

struct apply {
	const char *nw;
	uint8_t key[AEAD_KEY_LEN]; /* the records key: it seals the outbox */
	char old[PKI_ID_MAX];
	const char *state;
	char why[512];
};

static int meta_str(MDB_txn *txn, MDB_dbi db, const char *key, char *out, size_t len)
{
	MDB_val k = {strlen(key), (void *)key}, v;
	int rc = store_err(mdb_get(txn, db, &k, &v), "meta");

	if (rc != 0)
		return rc;
	if (v.mv_size >= len)
		return CN_ESTORE;
	memcpy(out, v.mv_data, v.mv_size);
	out[v.mv_size] = 0;
	return 0;
}

static int meta_set(MDB_txn *txn, MDB_dbi db, const char *key, const char *val)
{
	MDB_val k = {strlen(key), (void *)key}, v = {strlen(val), (void *)val};

	return store_err(mdb_put(txn, db, &k, &v, 0), "meta");
}

/* Counts the items of a normal-lane message that are not audit checkpoints. */
static int not_checkpoints(uint64_t seq, const char *origin, const void *msg, size_t len,
                           void *arg)
{
	Carenet__SignedBatch *sb = NULL;
	uint64_t *n = arg;

	(void)seq;
	(void)origin;
	if (item_batch_decode(msg, len, &sb) != 0) {
		++*n; /* unreadable: not dropped blindly */
		return 0;
	}
	for (size_t i = 0; i < sb->n_items; i++) {
		Carenet__Item *it = NULL;
		if (item_decode(sb->items[i].data, sb->items[i].len, &it) != 0 ||
		    it->body_case != CARENET__ITEM__BODY_CHECKPOINT)
			++*n;
		carenet__item__free_unpacked(it, NULL);
	}
	carenet__signed_batch__free_unpacked(sb, NULL);
	return 0;
}

/* Nothing the village sent may be left for the old township but audit
 * checkpoints: a report, a report step or a document chunk (urgent and bulk
 * lanes) would never leave otherwise, and a status (normal lane) would be
 * re-sent only as the inbox's current state, so the states in between would
 * be missing from the directive's history above. A clean stop always
 * queues an audit checkpoint, which the new township does without: those
 * are dropped, so no queue is left that nobody will ever acknowledge. */
static int old_queue_empty(MDB_txn *txn, struct store *st, const char *owner, struct apply *p)
{
	char parent[PKI_ID_MAX];
	uint64_t n = 0, k;
	int rc = 0;

	snprintf(parent, sizeof(parent), "%.9s", owner);
	for (unsigned lane = 0; lane < 3 && rc == 0; lane += 2) /* 0 urgent, 2 bulk */
		if ((rc = outbox_pending(st, txn, parent, lane, &k)) == 0)
			n += k;
	if (rc == 0)
		rc = outbox_each(st, txn, p->key, parent, 1, 0, not_checkpoints, &n);
	if (rc == 0 && n)
		snprintf(p->why, sizeof(p->why),
		         "%llu statuses, reports, documents or records of %s for its old township %s "
		         "are not acknowledged yet: "
		         "start the node with its old configuration (--old) until carenet status "
		         "shows outbox_pending 0 (or 1: the audit checkpoint a stop leaves), stop "
		         "it, and run this again",
		         (unsigned long long)n, owner, parent);
	if (rc == 0 && n)
		return CN_EEXIST;
	if (rc == 0 && (rc = outbox_last(st, txn, parent, 1, &k)) == 0 && k)
		rc = outbox_ack(st, txn, parent, 1, k); /* the checkpoints left: dropped */
	return rc;
}

/* The link state with the new parent and with the county (failover) starts
 * afresh: they meet NEW as a new peer (their cursors for it are 0), and a
 * code change within the township keeps the parent OLD spoke to, whose
 * sequences this store holds. Its queues are empty (old_queue_empty); the
 * county's is left as it is while it holds anything. */
static int forget_links(MDB_txn *txn, struct store *st, const char *owner, const char *nw)
{
	char peer[2][PKI_ID_MAX];
	int rc = 0;

	snprintf(peer[0], sizeof(peer[0]), "%.9s", nw);
	snprintf(peer[1], sizeof(peer[1]), "%.6s", owner);
	for (int i = 0; i < 2 && rc == 0; i++) {
		if ((rc = outbox_forget(st, txn, peer[i])) == CN_EEXIST && i == 1)
			return 0;
		for (unsigned lane = 0; lane < WIRE_LANES && rc == 0; lane++)
			rc = archive_drop(st, txn, peer[i], lane);
	}
	return rc;
}

/* A township's own code change (撤乡设镇): its links stay as they are. Its
 * parent and children are the same offices under the same ids, and its
 * villages pin its CURVE key, which NEWT keeps: the county takes over its
 * queue and cursors for OLDT at NEWT's first HELLO (node/move_links.c),
 * and its villages take NEWT's WELCOME in OLDT's place. Nothing to drain. */
static int town_txn(MDB_txn *txn, struct apply *p, struct store *st, const char *owner)
{
	MDB_dbi db = store_dbi(st, STORE_META);
	int rc;

	if ((rc = meta_set(txn, db, "node_id", p->nw)) == 0 &&
	    (rc = meta_set(txn, db, MOVED_SWITCH_KEY, owner)) == 0)
		p->state = "marked";
	return rc;
}

static int apply_txn(MDB_txn *txn, void *arg, struct store *st)
{
	struct apply *p = arg;
	MDB_dbi db = store_dbi(st, STORE_META);
	char owner[PKI_ID_MAX], nw[PKI_ID_MAX];
	int rc = meta_str(txn, db, "node_id", owner, sizeof(owner));

	if (rc != 0) {
		snprintf(p->why, sizeof(p->why), "the data_dir holds no store of an office");
		return rc == CN_ENOTFOUND ? CN_EINVAL : rc;
	}
	if (!strcmp(owner, p->nw)) {
		rc = meta_str(txn, db, MOVED_SWITCH_KEY, p->old, sizeof(p->old));
		p->state = rc == 0 ? "marked" : "switched";
		return rc == CN_ENOTFOUND ? 0 : rc;
	}
	snprintf(p->old, sizeof(p->old), "%s", owner);
	if ((rc = moved_to(st, txn, owner, nw, sizeof(nw))) != 0 || strcmp(nw, p->nw) != 0) {
		snprintf(
		    p->why, sizeof(p->why),
		    "the store of %s holds no move of it to %s (%s): the county's carenet move "
		    "must reach the village first (carenet move status -c ITS_OLD_CFG)",
		    owner, p->nw, rc == 0 ? nw : "none");
		return rc && rc != CN_ENOTFOUND ? rc : CN_EROLE;
	}
	if (pki_role_from_id(owner) == PKI_ROLE_TOWNSHIP)
		return town_txn(txn, p, st, owner);
	if ((rc = old_queue_empty(txn, st, owner, p)) != 0 ||
	    (rc = forget_links(txn, st, owner, p->nw)) != 0)
		return rc;
	if ((rc = meta_set(txn, db, "node_id", p->nw)) == 0 &&
	    (rc = meta_set(txn, db, MOVED_SWITCH_KEY, owner)) == 0)
		p->state = "marked";
	return rc;
}

struct apply_arg {
	struct apply *p;
	struct store *st;
};

static int apply_cb(MDB_txn *txn, void *arg)
{
	struct apply_arg *a = arg;
	return apply_txn(txn, a->p, a->st);
}

static int lock_dir(const char *data_dir, int *fd)
{
	char *path = util_path_join(data_dir, "node.lock");

	*fd = path ? open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600) : -1;
	free(path);
	if (*fd < 0)
		return CN_EIO;
	if (flock(*fd, LOCK_EX | LOCK_NB) < 0) {
		close(*fd);
		*fd = -1;
		return CN_EPERM;
	}
	return 0;
}

/* The old identity's records key, copied to the new one's place (the same
 * key: the store's records and outbox are sealed with it). */
static int carry_key(const char *prog, const struct config *cfg, const char *oldpath)
{
	struct config *old = NULL;
	char *a = NULL, *b = NULL;
	uint8_t *k1 = NULL, *k2 = NULL;
	size_t l1 = 0, l2 = 0;
	int rc;

	if ((rc = cli_config(prog, oldpath, &old)) != 0)
		return rc;
	a = realpath(old->data_dir, NULL);
	b = realpath(cfg->data_dir, NULL);
	if (!a || !b || strcmp(a, b) != 0) {
		fprintf(stderr,
		        "%s: %s and %s name different data_dir (%s, %s): enroll NEW with "
		        "--data-dir %s\n",
		        prog, oldpath, "the new configuration", old->data_dir, cfg->data_dir,
		        old->data_dir);
		rc = CN_EINVAL;
	} else if ((rc = util_read_file(old->records_key_file, 4096, &k1, &l1)) != 0) {
		fprintf(stderr, "%s: cannot read the records key %s: %s\n", prog,
		        old->records_key_file, cn_strerror(rc));
	} else if (util_read_file(cfg->records_key_file, 4096, &k2, &l2) == 0) {
		if (l1 != l2 || memcmp(k1, k2, l1) != 0) {
			fprintf(stderr,
			        "%s: %s is another records key than %s: remove it (the "
			        "data_dir opens only with the old one)\n",
			        prog, cfg->records_key_file, old->records_key_file);
			rc = CN_EEXIST;
		}
	} else if ((rc = util_write_file(cfg->records_key_file, k1, l1, 0600, 1)) != 0) {
		fprintf(stderr, "%s: cannot write %s: %s\n", prog, cfg->records_key_file,
		        cn_strerror(rc));
	}
	free(k1);
	free(k2);
	free(a);
	free(b);
	config_free(&old);
	return rc;
}

/* A township keeps its CURVE key: its villages pin it (parent.pem), and a
 * new one would cut every one of them off until each had a new bundle. */
static int same_curve(const char *prog, const struct config *cfg, const char *oldpath)
{
	struct config *old = NULL;
	char a[41] = "", b[41] = "";
	int rc;

	if ((rc = cli_config(prog, oldpath, &old)) != 0)
		return rc;
	if ((rc = pki_cert_file_curve(old->cert_file, a)) != 0 ||
	    (rc = pki_cert_file_curve(cfg->cert_file, b)) != 0)
		fprintf(stderr, "%s: cannot read the CURVE key of %s or %s: %s\n", prog,
		        old->cert_file, cfg->cert_file, cn_strerror(rc));
	else if (strcmp(a, b) != 0) {
		fprintf(stderr,
		        "%s: the certificate of the new code carries another CURVE key than %s's: "
		        "a township keeps its CURVE key when its code changes, or its villages are cut "
		        "off: make the request again with carenet init --curve-from DIR, DIR the "
		        "directory of %s, and have the CA issue it again (--force)\n",
		        prog, old->cert_file, old->curve_file);
		rc = CN_EINVAL;
	}
	config_free(&old);
	return rc;
}

static void apply_print(const struct apply *p, int as_json)
{
	if (as_json) {
		struct json j;
		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_str(&j, "old", p->old);
		json_str(&j, "new", p->nw);
		json_str(&j, "state", p->state);
		json_obj_end(&j);
		json_finish(&j);
	} else if (!strcmp(p->state, "marked")) {
		printf("the store is now %s's (was %s); start the node: its first turn re-keys the "
		       "records and re-sends the directive states to the new township\n",
		       p->nw, p->old);
	} else {
		printf("%s has switched already (carenet move status at the county shows the "
		       "hand-over)\n",
		       p->nw);
	}
}

static int apply_run(const char *cfgpath, const char *oldpath, int as_json)
{
	const char *prog = "carenet move apply";
	struct config *cfg = NULL;
	struct store *st = NULL;
	struct apply p = {0};
	struct apply_arg aa = {&p, NULL};
	char id[PKI_ID_MAX];
	enum pki_role role;
	int rc, fd = -1, created = 0;

	if ((rc = cli_config(prog, cfgpath, &cfg)) != 0)
		return cn_exit_code(rc);
	if ((rc = node_check(cfg, id, sizeof(id), &role)) != 0 ||
	    (role != PKI_ROLE_VILLAGE && role != PKI_ROLE_TOWNSHIP)) {
		fprintf(stderr,
		        "%s: %s is not a usable village or township identity (see above): enroll "
		        "NEW's bundle first\n",
		        prog, cfgpath);
		rc = rc ? rc : CN_EROLE;
		goto out;
	}
	if (role == PKI_ROLE_TOWNSHIP && (rc = same_curve(prog, cfg, oldpath)) != 0)
		goto out;
	p.nw = id;
	if ((rc = lock_dir(cfg->data_dir, &fd)) != 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, cfg->data_dir,
		        rc == CN_EPERM ? "the node is running: stop it first" : strerror(errno));
		goto out;
	}
	if ((rc = carry_key(prog, cfg, oldpath)) != 0)
		goto out;
	if ((rc = aead_key_load(cfg->records_key_file, 0, p.key, &created)) != 0) {
		fprintf(stderr, "%s: cannot read the records key %s: %s\n", prog,
		        cfg->records_key_file, cn_strerror(rc));
		goto out;
	}
	if ((rc = store_open(cfg->data_dir, cfg->map_size, &st)) == 0) {
		aa.st = st;
		rc = store_write(st, apply_cb, &aa);
	}
	if (rc != 0)
		fprintf(stderr, "%s: %s\n", prog, p.why[0] ? p.why : cn_strerror(rc));
	else
		apply_print(&p, as_json);
out:
	OPENSSL_cleanse(p.key, sizeof(p.key));
	store_close(&st);
	if (fd >= 0)
		close(fd);
	config_free(&cfg);
	return cn_exit_code(rc);
}

int cmd_move_apply(int argc, char **argv)
{
	const char *cfgpath = CONFIG_DEFAULT_PATH, *oldpath = NULL;
	struct args a;
	int ch, rc, as_json = 0;

	args_begin(&a, &apply_cmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END) {
		if (ch == 'c')
			cfgpath = a.val;
		else if (ch == ARGS_LONG('o'))
			oldpath = a.val;
		else if (ch == ARGS_LONG('j'))
			as_json = 1;
		else
			return a.exit;
	}
	if ((rc = args_operands(&a, 0, 0)) != 0)
		return rc;
	if (!oldpath)
		return args_usage_error(&apply_cmd,
		                        "give --old OLDCFG, the configuration it ran with");
	return apply_run(cfgpath, oldpath, as_json);
}


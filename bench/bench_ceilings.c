/*
 * bench_ceilings: the single-core ceilings that bound delivery throughput,
 * measured with the project's own modules (node/store, node/pki, node/item).
 *
 *   bench_ceilings [--dir DIR] [--runs R] [--seconds S] [--json FILE]
 *
 *   fdatasync        raw 4 KiB write + fdatasync on a file in DIR (the disk)
 *   lmdb_commit_1    store_write() with 1 put per transaction (durable commit)
 *   lmdb_put_1000    store_write() with 1000 puts per transaction (puts/s)
 *   ed25519_sign     pki_sign() over a 1-item batch message
 *   ed25519_verify   pki_verify_sig() over the same message
 *   ed25519_verify_cached_key  the same with the EVP_PKEY built once
 *   batch_verify_N   item_batch_verify() of a signed batch of N status items
 *                    (N = 1, 16, 256), and decode+verify of the same bytes
 *   aead_seal_open   aead_seal() then aead_open() of a 1,500-byte message with
 *                    40 bytes of associated data (an outbox entry, a record)
 *
 * Every measurement loop stops at a count cap or after --seconds,
 * whichever comes first. Each metric is measured --runs times; the table
 * gives median, min and max. Files go into a new directory
 * DIR/bench-ceilings-XXXXXX (DIR default: the current one), removed at the
 * end; DIR must be on the disk under test, not a tmpfs. The signing
 * identity is generated there too: a throw-away root CA and an inspector
 * leaf it issues (the same Ed25519 path as a node's key).
 * Single-threaded; exit 0 on success, 1 on any failure.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "aead.h"
#include "err.h"
#include "item.h"
#include "log.h"
#include "pki.h"
#include "pki_issue.h"
#include "store.h"
#include "util.h"

#define MAX_RUNS 50
#define MAX_METRICS 16
#define VALUE_LEN 256     /* an outbox entry's order of size */
#define KEY_SPACE 200000u /* keys cycle: the database stays bounded */
#define STATUS_NOTE_LEN 40

struct metric {
	const char *name, *unit, *what;
	double v[MAX_RUNS];
	int n;
	double per_op_items; /* items per operation, for the items/s column (0: none) */
};

/* One program run: the results so far and the settings. */
struct bench {
	struct metric metrics[MAX_METRICS];
	int nmetrics;
	double max_seconds;
	size_t item_len; /* bytes of one status item, for the report */
};

static struct metric *metric(struct bench *b, const char *name, const char *unit, const char *what,
                             double items)
{
	for (int i = 0; i < b->nmetrics; i++)
		if (strcmp(b->metrics[i].name, name) == 0)
			return &b->metrics[i];
	if (b->nmetrics == MAX_METRICS)
		return NULL;
	b->metrics[b->nmetrics] =
	    (struct metric){.name = name, .unit = unit, .what = what, .per_op_items = items};
	return &b->metrics[b->nmetrics++];
}

static void record(struct bench *b, const char *name, const char *unit, const char *what,
                   double items, double value)
{
	struct metric *m = metric(b, name, unit, what, items);
	if (m && m->n < MAX_RUNS)
		m->v[m->n++] = value;
}

static double secs_since(uint64_t t0)
{
	return (double)(util_mono_us() - t0) / 1e6;
}

/* Loop guard: under the count cap and under the time cap. */
static int more(const struct bench *b, long n, long cap, uint64_t t0)
{
	return n < cap && secs_since(t0) < b->max_seconds;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double s[MAX_RUNS];

	memcpy(s, v, sizeof(double) * (size_t)n);
	qsort(s, (size_t)n, sizeof(double), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static double vmin(const double *v, int n)
{
	double m = v[0];
	for (int i = 1; i < n; i++)
		m = v[i] < m ? v[i] : m;
	return m;
}

static double vmax(const double *v, int n)
{
	double m = v[0];
	for (int i = 1; i < n; i++)
		m = v[i] > m ? v[i] : m;
	return m;
}

/* ------------------------------------------------------------ disk */

static int bench_fdatasync(struct bench *b, const char *dir)
{
	char *path = util_path_join(dir, "fsync.bin");
	char buf[4096];
	int fd, rc = 1;
	long n = 0;
	uint64_t t0;

	memset(buf, 0x5a, sizeof(buf));
	if (!path || (fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600)) < 0) {
		fprintf(stderr, "bench_ceilings: %s: %s\n", path ? path : dir, strerror(errno));
		free(path);
		return 1;
	}
	t0 = util_mono_us();
	for (; more(b, n, 100000, t0); n++) {
		buf[0] = (char)n;
		if (pwrite(fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf) || fdatasync(fd) != 0) {
			fprintf(stderr, "bench_ceilings: fdatasync: %s\n", strerror(errno));
			goto out;
		}
	}
	record(b, "fdatasync", "syncs/s", "4 KiB pwrite + fdatasync, one file", 0,
	       n / secs_since(t0));
	rc = 0;
out:
	close(fd);
	unlink(path);
	free(path);
	return rc;
}

/* ------------------------------------------------------------ LMDB */

struct put_arg {
	struct store *st;
	uint64_t next;
	unsigned count;
	uint8_t value[VALUE_LEN];
};

static int put_txn(MDB_txn *txn, void *arg)
{
	struct put_arg *a = arg;
	MDB_dbi dbi = store_dbi(a->st, STORE_OUTBOX);

	for (unsigned i = 0; i < a->count; i++) {
		uint64_t k = (a->next + i) % KEY_SPACE;
		uint8_t key[8];
		MDB_val kv = {sizeof(key), key}, vv = {VALUE_LEN, a->value};
		for (int b = 0; b < 8; b++)
			key[b] = (uint8_t)(k >> (56 - 8 * b));
		int rc = mdb_put(txn, dbi, &kv, &vv, 0);
		if (rc != 0)
			return store_err(rc, "bench put");
	}
	return 0;
}

static int bench_lmdb(struct bench *b, const char *dir, int run)
{
	char sub[64];
	char *path;
	struct store *st = NULL;
	struct put_arg a = {0};
	uint64_t t0;
	long n;
	int rc;

	snprintf(sub, sizeof(sub), "lmdb-%d", run);
	if (!(path = util_path_join(dir, sub)))
		return 1;
	if ((rc = store_open(path, (size_t)256 << 20, &st)) != 0) {
		fprintf(stderr, "bench_ceilings: store_open %s: %s\n", path, cn_strerror(rc));
		free(path);
		return 1;
	}
	memset(a.value, 0xa5, sizeof(a.value));
	a.st = st;

	/* 1 put per transaction: every commit is durable (default sync). */
	a.count = 1;
	t0 = util_mono_us();
	for (n = 0; more(b, n, 200000, t0); n++, a.next++)
		if ((rc = store_write(st, put_txn, &a)) != 0)
			goto fail;
	record(b, "lmdb_commit_1", "commits/s", "store_write, 1 put (256 B) per txn, durable", 1,
	       n / secs_since(t0));

	/* 1000 puts per transaction. */
	a.count = 1000;
	t0 = util_mono_us();
	for (n = 0; more(b, n, 20000, t0); n++, a.next += 1000)
		if ((rc = store_write(st, put_txn, &a)) != 0)
			goto fail;
	record(b, "lmdb_put_1000", "txn/s", "store_write, 1000 puts (256 B) per txn, durable", 1000,
	       n / secs_since(t0));
	store_close(&st);
	free(path);
	return 0;
fail:
	fprintf(stderr, "bench_ceilings: store_write: %s\n", cn_strerror(rc));
	store_close(&st);
	free(path);
	return 1;
}

/* ------------------------------------------------------------ identity */

static int write_text(const char *dir, const char *name, const char *text, char **path_out)
{
	char *p = util_path_join(dir, name);
	int rc;

	if (!p)
		return CN_ENOMEM;
	rc = util_write_file(p, text, strlen(text), 0600, 0);
	if (rc == 0 && path_out)
		*path_out = p;
	else
		free(p);
	return rc;
}

/* A root CA and an inspector leaf under it, in dir/id; loads the leaf. */
static int make_identity(const char *dir, struct pki_self **self)
{
	char why[512] = "", serial[64];
	char *idd = util_path_join(dir, "identity");
	char *rkey = NULL, *rcert = NULL, *lkey = NULL, *lcert = NULL, *chain = NULL, *curve = NULL;
	char *rpem = NULL, *req = NULL, *lpem = NULL;
	struct pki_req *rq = NULL;
	struct pki_ca *ca = NULL;
	struct pki_req_params p = {.id = "I53-bench", .scope = "53", .name = "bench"};
	time_t now = time(NULL);
	int rc = CN_ENOMEM;

	if (!idd || util_mkdirs(idd, 0700) != 0)
		goto out;
	rkey = util_path_join(idd, "root.key");
	lkey = util_path_join(idd, "node.key");
	curve = util_path_join(idd, "curve.key");
	if (!rkey || !lkey || !curve)
		goto out;
	p.curve_path = curve;
	if ((rc = pki_key_generate(rkey, NULL, why, sizeof(why))) != 0 ||
	    (rc = pki_root_create(rkey, NULL, "53", "bench root", now - 60, now + 86400, &rpem, why,
	                          sizeof(why))) != 0 ||
	    (rc = write_text(idd, "root.pem", rpem, &rcert)) != 0 ||
	    (rc = pki_key_generate(lkey, NULL, why, sizeof(why))) != 0 ||
	    (rc = pki_curve_generate(curve)) != 0 ||
	    (rc = pki_req_create(lkey, &p, &req, why, sizeof(why))) != 0 ||
	    (rc = pki_req_parse(req, strlen(req), &rq, why, sizeof(why))) != 0 ||
	    (rc = pki_ca_load(rkey, NULL, rcert, &ca, why, sizeof(why))) != 0 ||
	    (rc = pki_ca_issue(ca, rq, now - 60, now + 86400, &lpem, serial, why, sizeof(why))) !=
	        0 ||
	    (rc = write_text(idd, "node.pem", lpem, &lcert)) != 0 ||
	    (rc = write_text(idd, "chain.pem", "", &chain)) != 0 ||
	    (rc = pki_self_load(lkey, lcert, chain, curve, self, why, sizeof(why))) != 0)
		fprintf(stderr, "bench_ceilings: identity: %s (%s)\n", why, cn_strerror(rc));
out:
	pki_req_free(&rq);
	pki_ca_free(&ca);
	free(rpem);
	free(req);
	free(lpem);
	free(rkey);
	free(rcert);
	free(lkey);
	free(lcert);
	free(chain);
	free(curve);
	free(idd);
	return rc;
}

/* ------------------------------------------------------------ signatures */

/* A serialized "delivered" status item, as a village originates it. */
static int status_item(uint64_t seq, uint8_t **buf, size_t *len)
{
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__StatusUpdate su = CARENET__STATUS_UPDATE__INIT;
	char did[64], note[STATUS_NOTE_LEN + 1];

	snprintf(did, sizeof(did), "530102-%llu", (unsigned long long)(1000 + seq % 100));
	memset(note, 'n', STATUS_NOTE_LEN);
	note[STATUS_NOTE_LEN] = 0;
	su.directive = did;
	su.state = 1;
	su.note = note;
	it.origin = "530102001001";
	it.lane = 1;
	it.origin_seq = seq + 1;
	it.created = 1795912684;
	it.body_case = CARENET__ITEM__BODY_STATUS;
	it.status = &su;
	*len = carenet__item__get_packed_size(&it);
	if (!(*buf = malloc(*len)))
		return CN_ENOMEM;
	carenet__item__pack(&it, *buf);
	return 0;
}

/* The same verification with the public key object built once and the
 * digest context reused: what pki_verify_sig would cost if the key of each
 * origin were cached (it builds an EVP_PKEY and fetches the algorithm on
 * every call). For comparison only; the node does not use this path. */
static int bench_verify_cached(struct bench *b, const uint8_t *pub, const uint8_t *msg, size_t len,
                               const uint8_t *sig)
{
	EVP_PKEY *key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, PKI_PUB_LEN);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint64_t t0;
	long n;
	int rc = 1;

	if (!key || !ctx)
		goto out;
	t0 = util_mono_us();
	for (n = 0; more(b, n, 1000000, t0); n++)
		if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) != 1 ||
		    EVP_DigestVerify(ctx, sig, PKI_SIG_LEN, msg, len) != 1) {
			fprintf(stderr, "bench_ceilings: cached-key verification failed\n");
			goto out;
		}
	record(b, "ed25519_verify_cached_key", "verifs/s",
	       "EVP_DigestVerify, EVP_PKEY built once (comparison)", 1, n / secs_since(t0));
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(key);
	return rc;
}

static int bench_sigs(struct bench *b, struct pki_self *self)
{
	const uint8_t *pub = pki_self_identity(self)->sign_pub;
	uint8_t msg[17 + 13 + 32], sig[PKI_SIG_LEN];
	uint64_t t0;
	long n;

	memset(msg, 0x42, sizeof(msg)); /* the size of a 1-item batch message */
	t0 = util_mono_us();
	for (n = 0; more(b, n, 1000000, t0); n++) {
		msg[0] = (uint8_t)n;
		if (pki_sign(self, msg, sizeof(msg), sig) != 0)
			return 1;
	}
	record(b, "ed25519_sign", "sigs/s", "pki_sign, 62-byte message", 1, n / secs_since(t0));

	if (pki_sign(self, msg, sizeof(msg), sig) != 0)
		return 1;
	t0 = util_mono_us();
	for (n = 0; more(b, n, 1000000, t0); n++)
		if (pki_verify_sig(pub, msg, sizeof(msg), sig) != 0) {
			fprintf(stderr, "bench_ceilings: a good signature did not verify\n");
			return 1;
		}
	record(b, "ed25519_verify", "verifs/s", "pki_verify_sig, 62-byte message", 1,
	       n / secs_since(t0));
	return bench_verify_cached(b, pub, msg, sizeof(msg), sig);
}

static int bench_aead(struct bench *b)
{
	uint8_t key[AEAD_KEY_LEN], msg[1500], ad[40], *box, *pt;
	size_t boxlen, ptlen;
	uint64_t t0;
	long n;

	memset(key, 7, sizeof(key));
	memset(msg, 0x42, sizeof(msg));
	memset(ad, 0x17, sizeof(ad));
	t0 = util_mono_us();
	for (n = 0; more(b, n, 1000000, t0); n++) {
		msg[0] = (uint8_t)n;
		if (aead_seal(key, ad, sizeof(ad), msg, sizeof(msg), &box, &boxlen) != 0)
			return 1;
		if (aead_open(key, ad, sizeof(ad), box, boxlen, &pt, &ptlen) != 0 ||
		    ptlen != sizeof(msg) || pt[0] != msg[0]) {
			fprintf(stderr, "bench_ceilings: a sealed box did not open\n");
			return 1;
		}
		free(box);
		aead_free(pt, ptlen);
	}
	record(b, "aead_seal_open", "pairs/s", "aead_seal + aead_open, 1,500 bytes, 40 of AD", 1,
	       n / secs_since(t0));
	return 0;
}

static int bench_batch(struct bench *b, struct pki_self *self, size_t nitems)
{
	static const char *const names[][2] = {{"batch_verify_1", "batch_decode_verify_1"},
	                                       {"batch_verify_16", "batch_decode_verify_16"},
	                                       {"batch_verify_256", "batch_decode_verify_256"}};
	int which = nitems == 1 ? 0 : nitems == 16 ? 1 : 2;
	const uint8_t *pub = pki_self_identity(self)->sign_pub;
	uint8_t **items = calloc(nitems, sizeof(*items)), *sbuf = NULL;
	size_t *lens = calloc(nitems, sizeof(*lens)), slen = 0;
	Carenet__SignedBatch *sb = NULL;
	uint64_t t0;
	long n;
	int rc = 1;

	if (!items || !lens)
		goto out;
	for (size_t i = 0; i < nitems; i++)
		if (status_item(i, &items[i], &lens[i]) != 0)
			goto out;
	b->item_len = lens[0];
	if (item_batch_sign(self, (const uint8_t *const *)items, lens, nitems, &sbuf, &slen) != 0 ||
	    item_batch_decode(sbuf, slen, &sb) != 0)
		goto out;

	t0 = util_mono_us();
	for (n = 0; more(b, n, 1000000, t0); n++)
		if (item_batch_verify(sb, pub) != 0) {
			fprintf(stderr, "bench_ceilings: a good batch did not verify\n");
			goto out;
		}
	record(b, names[which][0], "batches/s", "item_batch_verify (decoded batch)", (double)nitems,
	       n / secs_since(t0));

	t0 = util_mono_us();
	for (n = 0; more(b, n, 1000000, t0); n++) {
		Carenet__SignedBatch *x = NULL;
		if (item_batch_decode(sbuf, slen, &x) != 0 || item_batch_verify(x, pub) != 0) {
			carenet__signed_batch__free_unpacked(x, NULL);
			goto out;
		}
		carenet__signed_batch__free_unpacked(x, NULL);
	}
	record(b, names[which][1], "batches/s", "item_batch_decode + item_batch_verify + free",
	       (double)nitems, n / secs_since(t0));
	rc = 0;
out:
	if (sb)
		carenet__signed_batch__free_unpacked(sb, NULL);
	free(sbuf);
	for (size_t i = 0; items && i < nitems; i++)
		free(items[i]);
	free(items);
	free(lens);
	return rc;
}

/* ------------------------------------------------------------ report */

static double med(const struct bench *b, const char *name)
{
	for (int i = 0; i < b->nmetrics; i++)
		if (strcmp(b->metrics[i].name, name) == 0 && b->metrics[i].n > 0)
			return median(b->metrics[i].v, b->metrics[i].n);
	return 0;
}

static void report(const struct bench *b, FILE *f, int runs, const char *dir)
{
	fprintf(f,
	        "bench_ceilings: %d runs, at most %.1f s a measurement, dir %s, status item %zu "
	        "bytes\n\n",
	        runs, b->max_seconds, dir, b->item_len);
	fprintf(f, "| metric | what | median | min | max | unit | items/s (median) |\n");
	fprintf(f, "|---|---|---:|---:|---:|---|---:|\n");
	for (int i = 0; i < b->nmetrics; i++) {
		const struct metric *m = &b->metrics[i];
		double md = median(m->v, m->n);
		fprintf(f, "| %s | %s | %.0f | %.0f | %.0f | %s | ", m->name, m->what, md,
		        vmin(m->v, m->n), vmax(m->v, m->n), m->unit);
		if (m->per_op_items > 0)
			fprintf(f, "%.0f |\n", md * m->per_op_items);
		else
			fprintf(f, "- |\n");
	}
	fprintf(f, "\nratios (medians):\n");
	if (med(b, "lmdb_commit_1") > 0) {
		fprintf(f, "  lmdb puts/s at 1000/txn : commits/s at 1/txn = %.0f : 1\n",
		        med(b, "lmdb_put_1000") * 1000 / med(b, "lmdb_commit_1"));
		fprintf(f, "  fdatasync/s : lmdb commits/s = %.2f : 1\n",
		        med(b, "fdatasync") / med(b, "lmdb_commit_1"));
	}
	if (med(b, "ed25519_sign") > 0)
		fprintf(f, "  ed25519 verify/s : sign/s = %.2f : 1\n",
		        med(b, "ed25519_verify") / med(b, "ed25519_sign"));
	if (med(b, "ed25519_verify") > 0) {
		fprintf(
		    f,
		    "  batch items verified/s : single verifications/s = 1 -> %.2f, 16 -> %.2f, "
		    "256 -> %.2f\n",
		    med(b, "batch_verify_1") / med(b, "ed25519_verify"),
		    med(b, "batch_verify_16") * 16 / med(b, "ed25519_verify"),
		    med(b, "batch_verify_256") * 256 / med(b, "ed25519_verify"));
		fprintf(f, "  ed25519 verify/s : lmdb commits/s = %.1f : 1\n",
		        med(b, "ed25519_verify") / med(b, "lmdb_commit_1"));
	}
}

static void json(const struct bench *b, FILE *f, int runs, const char *dir)
{
	fprintf(
	    f,
	    "{\"runs\": %d, \"max_seconds\": %.2f, \"dir\": \"%s\", \"status_item_bytes\": %zu, "
	    "\"metrics\": {",
	    runs, b->max_seconds, dir, b->item_len);
	for (int i = 0; i < b->nmetrics; i++) {
		const struct metric *m = &b->metrics[i];
		fprintf(f,
		        "%s\"%s\": {\"unit\": \"%s\", \"items_per_op\": %.0f, \"median\": %.1f, "
		        "\"min\": %.1f, \"max\": %.1f, \"runs\": [",
		        i ? ", " : "", m->name, m->unit, m->per_op_items, median(m->v, m->n),
		        vmin(m->v, m->n), vmax(m->v, m->n));
		for (int j = 0; j < m->n; j++)
			fprintf(f, "%s%.1f", j ? ", " : "", m->v[j]);
		fprintf(f, "]}");
	}
	fprintf(f, "}}\n");
}

/* ------------------------------------------------------------ main */

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path) == 0 ? 0 : -1;
}

/* Removes the scratch directory this program made with mkdtemp. */
static void rm_tree(const char *dir)
{
	if (nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		fprintf(stderr, "bench_ceilings: could not remove all of %s\n", dir);
}

static void usage(FILE *f)
{
	fputs("usage: bench_ceilings [--dir DIR] [--runs R] [--seconds S] [--json FILE]\n"
	      "  --dir DIR     where to make the scratch directory bench-ceilings-XXXXXX for the\n"
	      "                LMDB and fsync files (default: .; removed at the end); must\n"
	      "                be on the disk under test, not a tmpfs\n"
	      "  --runs R      repetitions of every measurement, 1..50 (default 5)\n"
	      "  --seconds S   time cap of one measurement loop (default 2)\n"
	      "  --json FILE   also write the results as JSON\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"dir", required_argument, 0, 'd'},     {"runs", required_argument, 0, 'r'},
	    {"seconds", required_argument, 0, 's'}, {"json", required_argument, 0, 'j'},
	    {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
	const char *jpath = NULL, *parent = ".";
	char tmpl[4096], *dir;
	int runs = 5, c, rc = 1;
	struct pki_self *self = NULL;
	struct bench *b = calloc(1, sizeof(*b));

	if (!b)
		return 1;
	b->max_seconds = 2.0;

	while ((c = getopt_long(argc, argv, "d:r:s:j:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			parent = optarg;
			break;
		case 'r':
			runs = atoi(optarg);
			break;
		case 's':
			b->max_seconds = atof(optarg);
			break;
		case 'j':
			jpath = optarg;
			break;
		case 'h':
			usage(stdout);
			free(b);
			return 0;
		default:
			usage(stderr);
			free(b);
			return 2;
		}
	}
	if (runs < 1 || runs > MAX_RUNS || b->max_seconds <= 0 || b->max_seconds > 60) {
		usage(stderr);
		free(b);
		return 2;
	}
	log_init(LOG_LVL_WARN, "bench");
	/* Everything goes into a new directory under DIR, removed at the end. */
	if (util_mkdirs(parent, 0700) != 0) {
		fprintf(stderr, "bench_ceilings: cannot create %s\n", parent);
		free(b);
		return 1;
	}
	snprintf(tmpl, sizeof(tmpl), "%s/bench-ceilings-XXXXXX", parent);
	if (!(dir = mkdtemp(tmpl))) {
		fprintf(stderr, "bench_ceilings: mkdtemp %s: %s\n", tmpl, strerror(errno));
		free(b);
		return 1;
	}
	if (make_identity(dir, &self) != 0)
		goto out;
	for (int r = 0; r < runs; r++) {
		fprintf(stderr, "bench_ceilings: run %d/%d\n", r + 1, runs);
		if (bench_fdatasync(b, dir) || bench_lmdb(b, dir, r) || bench_sigs(b, self) ||
		    bench_aead(b) ||
		    bench_batch(b, self, 1) || bench_batch(b, self, 16) ||
		    bench_batch(b, self, 256))
			goto out;
	}
	report(b, stdout, runs, dir);
	if (jpath) {
		FILE *f = fopen(jpath, "w");
		if (!f) {
			fprintf(stderr, "bench_ceilings: %s: %s\n", jpath, strerror(errno));
			goto out;
		}
		json(b, f, runs, dir);
		fclose(f);
	}
	rc = 0;
out:
	pki_self_free(&self);
	rm_tree(dir);
	free(b);
	return rc;
}

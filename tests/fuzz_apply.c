/*
 * fuzz_apply: libFuzzer target for the apply path after the signature has
 * verified: a decoded Carenet__Item with an arbitrary body goes through
 * roles_apply over a real store (a temp dir) at a township, as the delivery
 * engine calls it. Whatever the item, the answer must be 0 or a refusal
 * (CN_EROLE, CN_ESCOPE, CN_EINVAL, CN_ETOOBIG, CN_ENOTFOUND, CN_EPROTO,
 * CN_EVERIFY): a storage error here would abort a whole turn of every
 * peer's frames (issue 7, High 1). Input: one byte choosing the sender (the
 * parent, a village, none), then the serialized Item. Each input is applied
 * in a transaction that is aborted, so the store stays as seeded: a
 * directive from the county to two villages of the township.
 * Build with -DCARENET_FUZZ=ON (clang); run e.g.
 *   build-fuzz/fuzz_apply -max_total_time=60 tests/data/fuzz-apply-corpus
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "office.h"
#include "roles.h"
#include "store.h"

#define ABORT_TXN 1 /* fn's answer that aborts: the store stays as seeded */

static struct store *st;
static char dir[] = "/tmp/fuzz_apply.XXXXXX";
static struct roles *roles;
static struct pki_identity me;

static uint64_t fz_now(void *arg)
{
	(void)arg;
	return 1800000000u;
}

static int fz_emit(void *arg, MDB_txn *txn, Carenet__Item *item, char *id_out, size_t idlen)
{
	(void)arg, (void)txn, (void)item, (void)id_out, (void)idlen;
	return 0;
}

static int fz_write(void *arg, int (*fn)(MDB_txn *, void *), void *fnarg)
{
	(void)arg;
	return store_write(st, fn, fnarg);
}

struct one {
	const Carenet__Item *it;
	const char *from;
	int rc;
};

static void identity_of(const char *id, struct pki_identity *o)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->id, sizeof(o->id), "%s", id);
	o->role = pki_role_from_id(id);
	if (o->role == PKI_ROLE_INSPECTOR && pki_inspector_scope(id, o->scope, sizeof(o->scope)))
		o->scope[0] = 0;
	else if (o->role != PKI_ROLE_INSPECTOR)
		snprintf(o->scope, sizeof(o->scope), "%s", id);
}

static int apply_txn(MDB_txn *txn, void *arg)
{
	struct one *o = arg;
	struct pki_identity origin;
	struct roles_route rt;
	char why[320];

	identity_of(o->it->origin, &origin);
	o->rc = roles_apply(roles, txn, o->it, &origin, o->from, &rt, why, sizeof(why));
	return o->rc == CN_EMAPFULL ? o->rc : ABORT_TXN;
}

static int commit_txn(MDB_txn *txn, void *arg)
{
	int rc;
	apply_txn(txn, arg);
	rc = ((struct one *)arg)->rc;
	return rc == CN_EMAPFULL ? rc : 0;
}

/* The county's directive to two villages of the township, applied once. */
static void seed(void)
{
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__Directive d = CARENET__DIRECTIVE__INIT;
	Carenet__Targets t = CARENET__TARGETS__INIT;
	char *ids[2] = {"530102001001", "530102001002"};
	struct one o = {&it, "530102", 0};

	t.ids = ids;
	t.n_ids = 2;
	d.id = "530102-1";
	d.kind = 1;
	d.title = "seed";
	d.targets = &t;
	d.expanded = ids;
	d.n_expanded = 2;
	d.due = fz_now(NULL) + 86400;
	it.origin = "530102";
	it.lane = 1;
	it.origin_seq = 1;
	it.created = fz_now(NULL);
	it.body_case = CARENET__ITEM__BODY_DIRECTIVE;
	it.directive = &d;
	if (store_write(st, commit_txn, &o) != 0 || o.rc != 0) {
		fprintf(stderr, "fuzz_apply: seed directive not applied (%d)\n", o.rc);
		abort();
	}
}

/* The temp store goes with the process. */
static void cleanup(void)
{
	char p[64];

	store_close(&st);
	snprintf(p, sizeof(p), "%s/data.mdb", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", dir);
	unlink(p);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct roles_env env;

	(void)argc, (void)argv;
	log_init(LOG_LVL_ERROR, "fuzz");
	if (!mkdtemp(dir) || store_open(dir, 16u << 20, &st) != 0)
		abort();
	atexit(cleanup);
	identity_of("530102001", &me);
	memset(&env, 0, sizeof(env));
	env.me = &me;
	env.store = st;
	env.now = fz_now;
	env.emit = fz_emit;
	env.write = fz_write;
	if (roles_new(&env, &roles) != 0)
		abort();
	seed();
	return 0;
}

static int refusal(int rc)
{
	return rc == 0 || rc == CN_EROLE || rc == CN_ESCOPE || rc == CN_EINVAL ||
	       rc == CN_ETOOBIG || rc == CN_ENOTFOUND || rc == CN_EPROTO || rc == CN_EVERIFY;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const froms[] = {"530102", "530102001001", "530102001002", ""};
	Carenet__Item *it;
	struct one o;
	int rc;

	if (size < 1)
		return 0;
	if (!(it = carenet__item__unpack(NULL, size - 1, data + 1)))
		return 0;
	o.it = it;
	o.from = froms[data[0] % 4];
	o.rc = 0;
	rc = store_write(st, apply_txn, &o);
	if (!refusal(o.rc) || (rc != ABORT_TXN && rc != 0)) {
		fprintf(stderr, "fuzz_apply: roles_apply answered %d (%s), store_write %d\n", o.rc,
		        cn_strerror(o.rc), rc);
		abort();
	}
	carenet__item__free_unpacked(it, NULL);
	return 0;
}

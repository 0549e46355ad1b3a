/*
 * deliver_fixture: the delivery-engine unit tests' scratch network
 * (test_deliver, test_failover, test_deliver_acks, test_deliver_gate), over
 * pki_fixture.h: a root CA (scope 53) and a county CA (530102) in T,
 * identities issued and enrolled through the real subcommands, the fixed
 * deliver_env callbacks a test engine runs with, and a write that queues
 * an urgent and a normal item. Include once, instead of check.h and
 * pki_fixture.h, from the test's only .c file.
 */
#ifndef CARENET_TESTS_DELIVER_FIXTURE_H
#define CARENET_TESTS_DELIVER_FIXTURE_H

#include "deliver.h"
#include "pki_fixture.h"

/* T/a/b (b may be ""), malloc'd. */
static inline char *path(const char *a, const char *b)
{
	char *p = malloc(strlen(T) + strlen(a) + strlen(b) + 3);
	sprintf(p, "%s/%s%s%s", T, a, b[0] ? "/" : "", b);
	return p;
}

/* T (fixture_open) with the root CA and the county CA; 0 or -1. */
static inline int fixture_cas(const char *name)
{
	if (fixture_open(name) != 0)
		return -1;
	CHECK_INT(run(cmd_ca, "ca", "init", "--dir", P("root"), "--scope", "53", "--name", "root",
	              NULL),
	          0);
	CHECK_INT(run(cmd_ca, "ca", "init", "--dir", P("ca"), "--scope", "530102", "--name",
	              "county CA", "--root", P("root"), NULL),
	          0);
	return 0;
}

/* An identity id issued by the county CA (its endpoint recorded there) and
 * enrolled (with --parent-endpoint when parent_ep is not NULL); loaded. */
static inline struct pki_self *fixture_identity(const char *id, const char *endpoint,
                                                const char *parent_ep)
{
	char sha[65], why[256];
	struct pki_self *self = NULL;

	snprintf(sha, sizeof(sha), "%s", root_sha(P("root/ca.pem")));
	CHECK_INT(run(cmd_init, "init", "--dir", P("%s", id), "--id", id, NULL), 0);
	CHECK_INT(run(cmd_ca, "ca", "issue", "--ca", P("ca"), "--csr", P("%s/request.pem", id),
	              "--endpoint", endpoint, "--out", P("%s/bundle", id), NULL),
	          0);
	CHECK_INT(parent_ep ? run(cmd_enroll, "enroll", P("%s/bundle", id), "--dir", P("%s", id),
	                          "--root-sha256", sha, "--parent-endpoint", parent_ep, NULL)
	                    : run(cmd_enroll, "enroll", P("%s/bundle", id), "--dir", P("%s", id),
	                          "--root-sha256", sha, NULL),
	          0);
	CHECK(pki_self_load(P("%s/node.key", id), P("%s/node.pem", id), P("%s/chain.pem", id),
	                    P("%s/curve.key", id), &self, why, sizeof(why)) == 0);
	return self;
}

/* The deliver_env callbacks of a test engine: a clock stopped at 1, no
 * sessions to send on, nothing to recheck. */
static inline uint64_t fixed_now(void *arg)
{
	(void)arg;
	return 1;
}

static inline int no_send(void *arg, const char *peer, int is_parent, const Carenet__Frame *f)
{
	(void)arg, (void)peer, (void)is_parent, (void)f;
	return CN_ENOTREADY;
}

static inline void no_recheck(void *arg)
{
	(void)arg;
}

/* A test engine for self over the store T/name: frames up to 1 MiB, windows
 * of 64, a parent endpoint, the root CA's trust, the fixed clock, the test's
 * send. The caller frees the engine, then closes env->store and frees
 * env->trust. */
static inline struct deliver *fixture_engine(const char *name, struct pki_self *self,
                                             struct deliver_env *env, struct config *cfg,
                                             uint64_t *counters,
                                             int (*send)(void *, const char *, int,
                                                         const Carenet__Frame *))
{
	static uint8_t key[32] = {3};
	char *dir = path(name, ""), *root = path("root", "ca.pem");
	struct deliver *d = NULL;

	cfg->max_frame = 1 << 20;
	cfg->window_urgent = cfg->window_normal = cfg->window_bulk = 64;
	cfg->parent_endpoint = "tcp://127.0.0.1:1";
	CHECK(store_open(dir, 16 << 20, &env->store) == 0);
	CHECK(pki_trust_new(root, &env->trust) == 0);
	env->self = self;
	env->cfg = cfg;
	env->counters = counters;
	env->outbox_key = key;
	env->now = fixed_now;
	env->send = send;
	env->recheck = no_recheck;
	CHECK(deliver_new(env, &d) == 0);
	free(dir);
	free(root);
	return d;
}

/* A deliver_write fn: an escalation (urgent lane) and a checkpoint (normal
 * lane) from the engine arg, going up. */
static inline int fixture_emit_two(MDB_txn *txn, void *arg)
{
	Carenet__Item a = CARENET__ITEM__INIT, b = CARENET__ITEM__INIT;
	Carenet__Escalation e = CARENET__ESCALATION__INIT;
	Carenet__Checkpoint c = CARENET__CHECKPOINT__INIT;
	int rc;

	a.body_case = CARENET__ITEM__BODY_ESCALATION;
	a.escalation = &e;
	e.detail = "urgent";
	b.body_case = CARENET__ITEM__BODY_CHECKPOINT;
	b.checkpoint = &c;
	if ((rc = deliver_emit(arg, txn, &a, NULL, 0)) != 0)
		return rc;
	return deliver_emit(arg, txn, &b, NULL, 0);
}

#endif

/*
 * test_failover: a village's county-direct link (docs/design.md "Failover
 * to the county") below the network: when node/failover.c opens and closes
 * it; that a village's bundle and enroll give it the county's certificate
 * and endpoint; that the engine queues the village's urgent items going up
 * for the county as well as for the parent, drops that queue once the parent
 * holds them, and lets a direct session carry only the village's own urgent
 * items. tests/net/test_failover.py proves the rest over real processes.
 */
#define _GNU_SOURCE /* nftw, in pki_fixture.h */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "certs_cmd.h"
#include "deliver_int.h"
#include "err.h"
#include "failover.h"
#include "outbox.h"
#include "pki.h"
#include "store.h"
#include "util.h"

#include "deliver_fixture.h"

/* When the county-direct link opens and closes. */
static void test_decisions(void)
{
	struct failover f;
	struct failover_in in = {.parent_id = "530102001"};
	const uint64_t s = 1000000u, t0 = 100 * s;

	failover_init(&f, 0, 3, 1);
	in.pending = 5;
	CHECK(failover_step(&f, &in, t0, 1) == FAILOVER_NONE && !strcmp(f.state, "disabled"));

	failover_init(&f, 1, 3, 1);
	CHECK(!strcmp(f.state, "closed"));
	in.pending = 0;
	CHECK(failover_step(&f, &in, t0, 1) == FAILOVER_NONE);
	in.pending = 1; /* waiting from now */
	CHECK(failover_step(&f, &in, t0, 1) == FAILOVER_NONE && strstr(f.why, "waiting"));
	CHECK(failover_step(&f, &in, t0 + 2 * s, 3) == FAILOVER_NONE);
	in.pending = 0; /* the parent took them: the wait starts again */
	CHECK(failover_step(&f, &in, t0 + 2 * s + 1, 3) == FAILOVER_NONE && !f.waiting_us);
	in.pending = 2;
	CHECK(failover_step(&f, &in, t0 + 3 * s, 4) == FAILOVER_NONE);
	CHECK(failover_step(&f, &in, t0 + 6 * s - 1, 6) == FAILOVER_NONE);
	CHECK(failover_step(&f, &in, t0 + 6 * s, 7) == FAILOVER_OPEN && f.open &&
	      !strcmp(f.state, "connecting") && f.since == 7 && strstr(f.why, "unreachable"));
	in.direct_up = 1;
	CHECK(failover_step(&f, &in, t0 + 7 * s, 8) == FAILOVER_NONE && !strcmp(f.state, "up"));
	/* drained, the parent still away: open until idle */
	in.pending = 0;
	CHECK(failover_step(&f, &in, t0 + 8 * s, 9) == FAILOVER_NONE);
	CHECK(failover_step(&f, &in, t0 + 8 * s + FAILOVER_IDLE_US - 1, 9) == FAILOVER_NONE);
	CHECK(failover_step(&f, &in, t0 + 8 * s + FAILOVER_IDLE_US, 70) == FAILOVER_CLOSE &&
	      !f.open && !strcmp(f.state, "closed") && strstr(f.why, "idle"));
	/* open again; drained; the parent's session up but silent (stopped):
	 * still open; once it acknowledges again, closed at once */
	in.pending = 1;
	in.direct_up = 0;
	CHECK(failover_step(&f, &in, t0 + 100 * s, 80) == FAILOVER_NONE);
	CHECK(failover_step(&f, &in, t0 + 104 * s, 84) == FAILOVER_OPEN);
	in.pending = 0;
	in.parent_up = 1;
	in.parent_pending = 1;
	CHECK(failover_step(&f, &in, t0 + 105 * s, 85) == FAILOVER_NONE && f.open);
	in.parent_pending = 0;
	CHECK(failover_step(&f, &in, t0 + 106 * s, 86) == FAILOVER_CLOSE &&
	      strstr(f.why, "acknowledges again"));
}

/* enroll wrote the county's certificate and endpoint for a village only. */
static void test_enroll(void)
{
	char *vcfg = path("530102001001", "node.cfg"), *tcfg = path("530102001", "node.cfg");
	char *vpem = path("530102001001", "county.pem"), *tpem = path("530102001", "county.pem");
	uint8_t *v = NULL, *t = NULL;
	size_t n;

	CHECK(util_read_file(vcfg, 1 << 16, &v, &n) == 0 && v &&
	      strstr((char *)v, "county = { endpoint = \"tcp://127.0.0.1:7101\"; cert = "
	                        "\"county.pem\"; };"));
	CHECK(access(vpem, R_OK) == 0);
	CHECK(util_read_file(tcfg, 1 << 16, &t, &n) == 0 && t && !strstr((char *)t, "county ="));
	CHECK(access(tpem, F_OK) != 0);
	free(v), free(t), free(vcfg), free(tcfg), free(vpem), free(tpem);
}

struct q {
	uint64_t parent[WIRE_LANES], county[WIRE_LANES];
};

static struct store *qstore;

static int queues(MDB_txn *txn, void *arg)
{
	struct q *q = arg;
	for (unsigned l = 0; l < WIRE_LANES; l++) {
		outbox_pending(qstore, txn, "530102001", l, &q->parent[l]);
		outbox_pending(qstore, txn, "530102", l, &q->county[l]);
	}
	return 0;
}

static int parent_acks(MDB_txn *txn, void *arg)
{
	uint64_t last = 0;
	(void)arg;
	outbox_last(qstore, txn, "530102001", 0, &last);
	return outbox_ack(qstore, txn, "530102001", 0, last);
}

/* The village's queue for the county: its urgent items only, dropped once
 * the parent holds them. */
static void test_village_queue(struct pki_self *village)
{
	uint64_t counters[CTR_COUNT] = {0};
	struct config cfg = {0};
	struct deliver_env env = {0};
	struct deliver *d = fixture_engine("vq", village, &env, &cfg, counters, no_send);
	struct q q = {{0}, {0}};

	qstore = env.store;
	deliver_set_direct(d, "530102");
	CHECK(deliver_write(d, fixture_emit_two, d) == 0);
	CHECK(store_read(env.store, queues, &q) == 0);
	CHECK(q.parent[0] == 1 && q.parent[1] == 1 && q.county[0] == 1 && q.county[1] == 0);
	CHECK(deliver_direct_pending(d) == 1);
	CHECK(deliver_direct_trim(d) == 0 && deliver_direct_pending(d) == 1);
	CHECK(store_write(env.store, parent_acks, NULL) == 0);
	CHECK(deliver_direct_trim(d) == 1 && deliver_direct_pending(d) == 0);
	CHECK(counters[CTR_FAILOVER_TRIMMED] == 1);
	/* without a county set, nothing is queued for it */
	deliver_set_direct(d, "");
	CHECK(deliver_write(d, fixture_emit_two, d) == 0);
	CHECK(store_read(env.store, queues, &q) == 0 && q.county[0] == 0 && q.parent[0] == 1);
	deliver_free(&d);
	store_close(&env.store);
	pki_trust_free(&env.trust);
}

/* At the county: what a village's direct session may carry. */
static void test_county_door(struct pki_self *county, struct pki_self *village)
{
	uint64_t counters[CTR_COUNT] = {0}, cur[WIRE_LANES] = {99, 99, 99};
	struct config cfg = {0};
	struct deliver_env env = {0};
	struct deliver *d = fixture_engine("door", county, &env, &cfg, counters, no_send);
	const char *v = pki_self_identity(village)->id;

	deliver_peer_up(d, pki_self_identity(village), 0, 1, cur, NULL, 0);
	CHECK(deliver_is_direct_in(d, v));
	/* what it claims to hold from the county is ignored: nothing is sent to
	 * it, and a cursor beyond that must not start a new origin epoch here */
	CHECK(d->nsyn == 0 && deliver_peer(d, v, 0)->tx[0].acked == 0);
	CHECK(deliver_direct_refusal(d, v, 0, v) == NULL);
	CHECK(deliver_direct_refusal(d, v, 1, v) && deliver_direct_refusal(d, v, 2, v));
	CHECK(deliver_direct_refusal(d, v, 0, "530102001002") != NULL);
	CHECK(deliver_direct_refusal(d, v, 0, "530102001") != NULL);
	CHECK(!deliver_is_direct_in(d, "530102001") &&
	      deliver_direct_refusal(d, "530102001", 2, "530102001001") == NULL);
	deliver_free(&d);
	store_close(&env.store);
	pki_trust_free(&env.trust);
}

static struct pki_self *identity(const char *id, const char *endpoint)
{
	return fixture_identity(id, endpoint, NULL);
}

int main(void)
{
	struct pki_self *county, *township, *village;

	test_decisions();
	if (fixture_cas("test_failover"))
		return 1;
	county = identity("530102", "tcp://127.0.0.1:7101");
	township = identity("530102001", "tcp://127.0.0.1:7102");
	village = identity("530102001001", "tcp://127.0.0.1:7103");
	test_enroll();
	if (village)
		test_village_queue(village);
	if (county && village)
		test_county_door(county, village);
	pki_self_free(&county);
	pki_self_free(&township);
	pki_self_free(&village);
	return fixture_close("test_failover");
}

/*
 * test_deliver_acks: a turn that only carries acks, none of them on the
 * urgent lane, writes nothing (node/deliver.c, defer_acks). The
 * acknowledged entries leave memory at once (nothing is sent again), and
 * the store with the next transaction, or ACK_DEFER_US later with a commit
 * a system crash may undo but never tear (store_write_lazy), or when the
 * engine stops. Urgent-lane acks are written at once (the failover reads
 * the store). After a SIGKILL the peer's cursor acknowledges them again:
 * tests/net/test_crash.py and the other SIGKILL tests run over this code.
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
#include "outbox.h"
#include "pki.h"
#include "store.h"
#include "util.h"

#include "deliver_fixture.h"

#define PARENT "530102001"

static struct store *qstore;
static unsigned nsent[WIRE_LANES];

static int count_send(void *arg, const char *peer, int is_parent, const Carenet__Frame *f)
{
	(void)arg;
	CHECK(strcmp(peer, PARENT) == 0 && is_parent);
	if (f->body_case == CARENET__FRAME__BODY_BATCH && f->batch->lane < WIRE_LANES)
		nsent[f->batch->lane]++;
	return 0;
}

static int queued(MDB_txn *txn, void *arg)
{
	uint64_t *q = arg;
	for (unsigned l = 0; l < WIRE_LANES; l++)
		outbox_pending(qstore, txn, PARENT, l, &q[l]);
	return 0;
}

/* What the store still holds for the parent on lane. */
static uint64_t in_store(unsigned lane)
{
	uint64_t q[WIRE_LANES] = {0};
	CHECK(store_read(qstore, queued, q) == 0);
	return q[lane];
}

/* The parent's ack, as the link hands it over: decoded, owned by the engine. */
static void ack(struct deliver *d, unsigned lane, uint64_t seq)
{
	Carenet__Frame f = CARENET__FRAME__INIT, *g;
	Carenet__Ack a = CARENET__ACK__INIT;
	uint8_t buf[64];
	size_t n;

	a.lane = lane;
	a.seq = seq;
	f.body_case = CARENET__FRAME__BODY_ACK;
	f.ack = &a;
	n = carenet__frame__pack(&f, buf);
	CHECK((g = carenet__frame__unpack(NULL, n, buf)) != NULL);
	deliver_on_frame(d, PARENT, &g);
}

static void test_deferred(struct pki_self *village, struct pki_self *township)
{
	uint64_t counters[CTR_COUNT] = {0}, cur[WIRE_LANES] = {0, 0, 0};
	struct config cfg = {0};
	struct deliver_env env = {0};
	struct deliver *d = fixture_engine("acks", village, &env, &cfg, counters, count_send);
	struct dpeer *p;
	uint64_t t0;

	qstore = env.store;
	CHECK(deliver_write(d, fixture_emit_two, d) == 0);
	deliver_peer_up(d, pki_self_identity(township), 1, 0, cur, NULL, 0);
	deliver_flush(d); /* the cursors' turn is written; lane 0 goes first */
	CHECK(nsent[0] == 1 && nsent[1] == 0 && in_store(0) == 1 && in_store(1) == 1);
	p = deliver_peer(d, PARENT, 0);

	/* an urgent-lane ack is written at once (the failover reads the store) */
	ack(d, 0, 1);
	deliver_flush(d);
	CHECK(p->tx[0].acked == 1 && d->ndack == 0 && in_store(0) == 0);
	CHECK(nsent[1] == 1); /* the next lane is served */

	/* other acks alone: memory moves on, the store waits */
	ack(d, 1, 1);
	deliver_flush(d);
	CHECK(p->tx[1].acked == 1 && d->ndack == 1 && in_store(1) == 1);
	CHECK(deliver_timeout(d) >= 0 && deliver_timeout(d) <= (long)(ACK_DEFER_US / 1000u) + 1);

	/* ACK_DEFER_US later a turn writes them: poll with a deadline */
	t0 = util_mono_us();
	while (in_store(1) && util_mono_us() - t0 < 3 * ACK_DEFER_US) {
		long ms = deliver_timeout(d);
		if (ms > 0)
			usleep((useconds_t)(ms > 50 ? 50 : ms) * 1000u);
		deliver_flush(d);
	}
	CHECK(in_store(1) == 0 && d->ndack == 0);
	CHECK(util_mono_us() - t0 >= ACK_DEFER_US / 2); /* not at once */

	/* the next transaction of the engine carries them */
	CHECK(deliver_write(d, fixture_emit_two, d) == 0);
	deliver_flush(d);
	ack(d, 0, 2);
	deliver_flush(d);
	CHECK(nsent[0] == 2 && nsent[1] == 2 && in_store(0) == 0 && in_store(1) == 1);
	ack(d, 1, 2);
	deliver_flush(d);
	CHECK(d->ndack == 1 && in_store(1) == 1);
	deliver_syn_ack(d, PARENT, 0, 2); /* any turn that writes */
	deliver_flush(d);
	CHECK(d->ndack == 0 && in_store(1) == 0);

	/* nothing sent again meanwhile */
	CHECK(counters[CTR_RESENDS] == 0 && nsent[0] == 2 && nsent[1] == 2);

	/* a clean stop writes what is held */
	CHECK(deliver_write(d, fixture_emit_two, d) == 0);
	deliver_flush(d);
	ack(d, 0, 3);
	deliver_flush(d);
	ack(d, 1, 3);
	deliver_flush(d);
	CHECK(d->ndack == 1 && in_store(1) == 1 && in_store(0) == 0);
	deliver_free(&d);
	CHECK(in_store(1) == 0);
	store_close(&env.store);
	pki_trust_free(&env.trust);
}

int main(void)
{
	struct pki_self *county, *township, *village;

	if (fixture_cas("test_deliver_acks"))
		return 1;
	county = fixture_identity("530102", "tcp://127.0.0.1:7101", NULL); /* parents first */
	township = fixture_identity(PARENT, "tcp://127.0.0.1:7102", NULL);
	village = fixture_identity("530102001001", "tcp://127.0.0.1:7103", NULL);
	if (township && village)
		test_deferred(village, township);
	pki_self_free(&county);
	pki_self_free(&township);
	pki_self_free(&village);
	return fixture_close("test_deliver_acks");
}

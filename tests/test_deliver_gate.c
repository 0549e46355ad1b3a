/*
 * test_deliver_gate: what the engine takes from a parent
 * (node/deliver_apply.c, origin_fits_link and origin_sideways). From its
 * parent a node takes items whose origin is above it, and, from another
 * township of its county, report steps only (a moved village's old
 * township acknowledging its report: docs/design.md, Moves). A village's
 * item never comes sideways; anything else from another township is
 * refused and counted, never applied (this engine has no roles: an item
 * let through would crash the test), and the frame is still acknowledged.
 * That a report step does pass both hops is tests/net/test_move.py's.
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
#include "item.h"
#include "outbox.h"
#include "pki.h"
#include "store.h"
#include "util.h"

#include "deliver_fixture.h"

#define PARENT "530102001"

static unsigned acks_sent;

static int count_acks(void *arg, const char *peer, int is_parent, const Carenet__Frame *f)
{
	(void)arg, (void)peer, (void)is_parent;
	acks_sent += f->body_case == CARENET__FRAME__BODY_ACK;
	return 0;
}

/* One status item of origin who, signed by it. */
static uint8_t *signed_status(const struct pki_self *who, uint64_t seq, size_t *len)
{
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__StatusUpdate st = CARENET__STATUS_UPDATE__INIT;
	uint8_t *item, *batch = NULL;
	size_t ilen;

	st.directive = "530102-1";
	st.state = 4;
	it.origin = (char *)pki_self_identity(who)->id;
	it.lane = 1;
	it.origin_seq = seq;
	it.body_case = CARENET__ITEM__BODY_STATUS;
	it.status = &st;
	ilen = carenet__item__get_packed_size(&it);
	item = malloc(ilen);
	carenet__item__pack(&it, item);
	CHECK(item_batch_sign(who, (const uint8_t *const *)&item, &ilen, 1, &batch, len) == 0);
	free(item);
	return batch;
}

/* A Batch frame from the parent carrying who's signed item at seq, with
 * who's certificate chain beside it, as the link hands it over. */
static void from_parent(struct deliver *d, const struct pki_self *who, uint64_t seq)
{
	Carenet__Frame f = CARENET__FRAME__INIT, *g;
	Carenet__Batch b = CARENET__BATCH__INIT;
	Carenet__Chain ch = CARENET__CHAIN__INIT, *chp = &ch;
	ProtobufCBinaryData msg, certs[4];
	const uint8_t *const *der;
	const size_t *dlen;
	size_t n = pki_self_chain(who, &der, &dlen), len;
	uint8_t *buf;

	for (size_t i = 0; i < n && i < 4; i++)
		certs[i].data = (uint8_t *)der[i], certs[i].len = dlen[i];
	ch.certs = certs;
	ch.n_certs = n < 4 ? n : 4;
	msg.data = signed_status(who, 1, &msg.len);
	b.lane = 1;
	b.first_seq = seq;
	b.msgs = &msg;
	b.n_msgs = 1;
	b.chains = &chp;
	b.n_chains = 1;
	f.body_case = CARENET__FRAME__BODY_BATCH;
	f.batch = &b;
	len = carenet__frame__get_packed_size(&f);
	buf = malloc(len);
	carenet__frame__pack(&f, buf);
	CHECK((g = carenet__frame__unpack(NULL, len, buf)) != NULL);
	deliver_on_frame(d, PARENT, &g);
	free(buf);
	free(msg.data);
}

static void test_gate(struct pki_self *village, struct pki_self *township,
                      struct pki_self *other_township, struct pki_self *other_village)
{
	uint64_t counters[CTR_COUNT] = {0}, cur[WIRE_LANES] = {0, 0, 0};
	struct config cfg = {0};
	struct deliver_env env = {0};
	struct deliver *d = fixture_engine("gate", village, &env, &cfg, counters, count_acks);

	if (!d)
		goto out;
	deliver_peer_up(d, pki_self_identity(township), 1, 0, cur, NULL, 0);
	deliver_flush(d);

	/* another township's status, relayed by the parent: refused, counted */
	from_parent(d, other_township, 1);
	deliver_flush(d);
	CHECK_INT((int)counters[CTR_ITEMS_REFUSED], 1);
	CHECK_INT((int)counters[CTR_ITEMS_APPLIED], 0);
	CHECK(acks_sent >= 1); /* refused items are consumed: the frame is acked */

	/* another village's: refused before its items are read */
	from_parent(d, other_village, 2);
	deliver_flush(d);
	CHECK_INT((int)counters[CTR_ITEMS_REFUSED], 2);
	CHECK_INT((int)counters[CTR_ITEMS_APPLIED], 0);
out:
	deliver_free(&d);
	store_close(&env.store);
	pki_trust_free(&env.trust);
}

int main(void)
{
	struct pki_self *county, *t1, *t2, *v11, *v21;

	if (fixture_cas("test_deliver_gate"))
		return 1;
	county = fixture_identity("530102", "tcp://127.0.0.1:7101", NULL); /* parents first */
	t1 = fixture_identity(PARENT, "tcp://127.0.0.1:7102", NULL);
	t2 = fixture_identity("530102002", "tcp://127.0.0.1:7103", NULL);
	v11 = fixture_identity("530102001001", "tcp://127.0.0.1:7104", NULL);
	v21 = fixture_identity("530102002001", "tcp://127.0.0.1:7105", NULL);
	if (t1 && t2 && v11 && v21)
		test_gate(v11, t1, t2, v21);
	pki_self_free(&county);
	pki_self_free(&t1);
	pki_self_free(&t2);
	pki_self_free(&v11);
	pki_self_free(&v21);
	return fixture_close("test_deliver_gate");
}

/* test_wire: bounded frame decoding. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "wire.h"

#include "check.h"

static int encode_hello(size_t ncerts, size_t certlen, uint32_t lane, uint8_t **buf, size_t *len)
{
	Carenet__Frame f = CARENET__FRAME__INIT;
	Carenet__Hello h = CARENET__HELLO__INIT;
	Carenet__LaneCursor c = CARENET__LANE_CURSOR__INIT, *cp = &c;
	ProtobufCBinaryData chain[8];
	uint8_t *cert = calloc(1, certlen ? certlen : 1);
	int rc;

	for (size_t i = 0; i < ncerts; i++) {
		chain[i].data = cert;
		chain[i].len = certlen;
	}
	h.version = WIRE_VERSION;
	h.chain = chain;
	h.n_chain = ncerts;
	c.lane = lane;
	c.seq = 42;
	h.cursors = &cp;
	h.n_cursors = 1;
	f.body_case = CARENET__FRAME__BODY_HELLO;
	f.hello = &h;
	rc = wire_encode(&f, buf, len);
	free(cert);
	return rc;
}

/* An inspector's query with n standards (issue 10). */
static int encode_query(size_t n, const char *office, uint8_t **buf, size_t *len)
{
	Carenet__Frame f = CARENET__FRAME__INIT;
	Carenet__InspectQuery q = CARENET__INSPECT_QUERY__INIT;
	char *ids[8] = {"yunnan-2018-demo", "mca-2018-demo", "a", "b", "c", "d", "e", "f"};

	q.standards = ids, q.n_standards = n, q.office = (char *)office;
	f.body_case = CARENET__FRAME__BODY_INSPECT_QUERY;
	f.inspect_query = &q;
	return wire_encode(&f, buf, len);
}

static int decode(const uint8_t *b, size_t len, size_t max, const char **why)
{
	Carenet__Frame *f = NULL;
	int rc = wire_decode(b, len, max, &f, why);
	CHECK((rc == 0) == (f != NULL));
	wire_free(&f);
	CHECK(f == NULL);
	return rc;
}

int main(void)
{
	uint8_t *buf;
	size_t len;
	const char *why;
	Carenet__Frame *f = NULL;
	static const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02};
	static const uint8_t unknown[] = {0x50, 0x00}; /* field 10, varint 0 */

	/* a good hello round-trips with its cursor */
	CHECK(encode_hello(2, 100, 1, &buf, &len) == 0);
	CHECK(wire_decode(buf, len, 1 << 20, &f, &why) == 0);
	CHECK(f && f->body_case == CARENET__FRAME__BODY_HELLO);
	CHECK(f && f->hello->n_chain == 2 && f->hello->chain[1].len == 100);
	CHECK(f && f->hello->n_cursors == 1 && f->hello->cursors[0]->seq == 42);
	CHECK(f && strcmp(wire_kind(f), "hello") == 0);
	wire_free(&f);

	/* the size cap is checked before decoding */
	CHECK(decode(buf, len, len - 1, &why) == CN_ETOOBIG);
	CHECK(decode(buf, len, len, &why) == 0);
	/* every truncation is refused, never a crash */
	for (size_t cut = 0; cut < len; cut++) {
		int rc = decode(buf, cut, 1 << 20, &why);
		CHECK(rc == CN_EPROTO);
	}
	free(buf);

	/* field caps */
	CHECK(encode_hello(WIRE_MAX_CHAIN + 1, 10, 0, &buf, &len) == 0);
	CHECK(decode(buf, len, 1 << 20, &why) == CN_EPROTO);
	CHECK(strstr(why, "chain") != NULL);
	free(buf);
	CHECK(encode_hello(1, WIRE_MAX_CERT + 1, 0, &buf, &len) == 0);
	CHECK(decode(buf, len, 1 << 20, &why) == CN_EPROTO);
	free(buf);
	CHECK(encode_hello(0, 10, 0, &buf, &len) == 0);
	CHECK(decode(buf, len, 1 << 20, &why) == CN_EPROTO);
	free(buf);
	CHECK(encode_hello(1, 10, WIRE_LANES, &buf, &len) == 0);
	CHECK(decode(buf, len, 1 << 20, &why) == CN_EPROTO);
	CHECK(strstr(why, "lane") != NULL);
	free(buf);

	/* an inspector's query: at most 4 standards, short strings; a finding
	 * carries its chain */
	CHECK(encode_query(2, "530102001", &buf, &len) == 0);
	CHECK(wire_decode(buf, len, 1 << 20, &f, &why) == 0);
	CHECK(f && strcmp(wire_kind(f), "inspect_query") == 0 &&
	      f->inspect_query->n_standards == 2);
	wire_free(&f);
	free(buf);
	CHECK(encode_query(5, "530102001", &buf, &len) == 0);
	CHECK(decode(buf, len, 1 << 20, &why) == CN_EPROTO);
	free(buf);
	{
		char longid[WIRE_MAX_TEXT + 2];
		memset(longid, '5', sizeof(longid) - 1);
		longid[sizeof(longid) - 1] = 0;
		CHECK(encode_query(1, longid, &buf, &len) == 0);
		CHECK(decode(buf, len, 1 << 20, &why) == CN_EPROTO);
		free(buf);
	}
	{
		Carenet__Frame fr = CARENET__FRAME__INIT;
		Carenet__InspectFinding fi = CARENET__INSPECT_FINDING__INIT;
		uint8_t b = 1;
		fi.batch.data = &b, fi.batch.len = 1;
		fr.body_case = CARENET__FRAME__BODY_INSPECT_FINDING;
		fr.inspect_finding = &fi;
		CHECK(wire_encode(&fr, &buf, &len) == 0);
		CHECK(decode(buf, len, 1 << 20, &why) == CN_EPROTO); /* no chain */
		free(buf);
	}

	/* garbage, empty, and a well-formed message of an unknown type */
	CHECK(decode(garbage, sizeof(garbage), 1 << 20, &why) == CN_EPROTO);
	CHECK(decode(garbage, 0, 1 << 20, &why) == CN_EPROTO);
	CHECK(decode(unknown, sizeof(unknown), 1 << 20, &why) == CN_EPROTO);
	CHECK(strstr(why, "unknown") != NULL);

	if (failures) {
		fprintf(stderr, "test_wire: %d failures\n", failures);
		return 1;
	}
	printf("test_wire: ok\n");
	return 0;
}

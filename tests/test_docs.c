/*
 * test_docs: documents (roles/docs/) — a file attached at a village is
 * chunked (256 KiB) and applied chunk by chunk at its township and the
 * county; it is incomplete (and `doc get` refused, saying how many chunks
 * are missing) until the last chunk, then byte-identical; a duplicate chunk
 * is a no-op and not forwarded; chunks whose whole does not hash to the
 * document are refused at the last one; the size cap is refused at attach
 * and at a hop with a smaller cap; a chunk off its origin's path is refused.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "check.h"
#include "err.h"
#include "roles_fixture.h"

#define DOC_SIZE (600 * 1024 + 17) /* three chunks: 256 KiB, 256 KiB, the rest */

static uint8_t *doc;

static Carenet__ControlReply *add(struct office *o, const uint8_t *p, size_t n, const char *rec)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__DocAddRequest q = CARENET__DOC_ADD_REQUEST__INIT;

	q.name = "minutes 会议记录.pdf";
	q.content.data = (uint8_t *)p;
	q.content.len = n;
	q.record = (char *)rec;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_DOC_ADD;
	req.doc_add = &q;
	return control(o, &req);
}

static Carenet__ControlReply *get(struct office *o, const char *hex)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__DocGetRequest q = CARENET__DOC_GET_REQUEST__INIT;

	q.sha256 = (char *)hex;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_DOC_GET;
	req.doc_get = &q;
	return control(o, &req);
}

static size_t docs_count(struct office *o)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__Empty e = CARENET__EMPTY__INIT;
	Carenet__ControlReply *rep;
	size_t n;

	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_DOC_LIST;
	req.doc_list = &e;
	rep = control(o, &req);
	n = rep->n_docs;
	done(rep);
	return n;
}

static void attach_and_travel(void)
{
	Carenet__ControlReply *rep;
	struct apply_ctx a;
	char hex[65];
	size_t first = v11.nitems;

	rep = add(&v11, doc, DOC_SIZE, "530102001001-r1");
	CHECK_INT(rep->code, 0);
	if (rep->code)
		fprintf(stderr, "doc add: %s\n", rep->error);
	CHECK(rep->id && strlen(rep->id) == 64);
	snprintf(hex, sizeof(hex), "%s", rep->id ? rep->id : "");
	CHECK_INT(rep->n_docs, 1);
	if (rep->n_docs) {
		CHECK_INT(rep->docs[0]->total, 3);
		CHECK_INT(rep->docs[0]->held, 3);
		CHECK_INT(rep->docs[0]->size, DOC_SIZE);
	}
	done(rep);
	CHECK_INT(v11.nitems - first, 3); /* three chunks emitted */
	CHECK_INT(audited(&v11, "doc_add", hex), 1);

	/* Attaching it again: already complete, nothing sent again. */
	rep = add(&v11, doc, DOC_SIZE, "");
	CHECK_INT(rep->code, 0);
	done(rep);
	CHECK_INT(v11.nitems - first, 3);

	/* Township: two chunks, incomplete, doc get refused with the count. */
	CHECK_INT(apply(&t1, &v11, first, V11, &a), 0);
	CHECK(a.route.up);
	CHECK_INT(apply(&t1, &v11, first + 1, V11, &a), 0);
	rep = get(&t1, hex);
	CHECK_INT(rep->code, CN_EINVAL);
	CHECK(rep->error && strstr(rep->error, "1 of 3 chunks missing"));
	done(rep);
	/* A chunk held again: a no-op, not forwarded. */
	CHECK_INT(apply(&t1, &v11, first + 1, V11, &a), 0);
	CHECK(!a.route.up);
	CHECK_INT(apply(&t1, &v11, first + 2, V11, &a), 0);
	CHECK(a.route.up);
	rep = get(&t1, hex);
	CHECK_INT(rep->code, 0);
	CHECK_INT(rep->doc_content.len, DOC_SIZE);
	CHECK(rep->doc_content.len == DOC_SIZE &&
	      memcmp(rep->doc_content.data, doc, DOC_SIZE) == 0);
	done(rep);
	CHECK_INT(audited(&t1, "doc_get", hex), 1);

	/* A chunk off its origin's path: V11's at T2. */
	CHECK_INT(apply(&t2, &v11, first, V11, &a), CN_ESCOPE);
	/* The county, in another order; it forwards nothing. */
	CHECK_INT(apply(&county, &v11, first + 2, T1, &a), 0);
	CHECK(!a.route.up);
	CHECK_INT(apply(&county, &v11, first, T1, &a), 0);
	CHECK_INT(apply(&county, &v11, first + 1, T1, &a), 0);
	rep = get(&county, hex);
	CHECK_INT(rep->code, 0);
	CHECK(rep->doc_content.len == DOC_SIZE &&
	      memcmp(rep->doc_content.data, doc, DOC_SIZE) == 0);
	if (rep->n_docs) {
		CHECK_STR(rep->docs[0]->origin, V11);
		CHECK_STR(rep->docs[0]->record, "530102001001-r1");
		CHECK_STR(rep->docs[0]->name, "minutes 会议记录.pdf");
	}
	done(rep);
	CHECK_INT(docs_count(&county), 1);
	rep = get(&county, "not-a-hash");
	CHECK_INT(rep->code, CN_EINVAL);
	done(rep);
}

/* Chunks of V12 claiming a hash their bytes do not have. */
static void wrong_hash(void)
{
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__DocChunk c = CARENET__DOC_CHUNK__INIT;
	Carenet__ControlReply *rep;
	struct apply_ctx a;
	uint8_t h[32];
	char hex[65];
	size_t i0;

	memset(h, 0xab, sizeof(h));
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	c.sha256.data = h;
	c.sha256.len = 32;
	c.name = "forged.jpg";
	c.size = 300 * 1024;
	c.total = 2;
	c.record = "";
	it.body_case = CARENET__ITEM__BODY_DOC_CHUNK;
	it.doc_chunk = &c;
	c.data.data = doc;
	c.data.len = 256 * 1024;
	i0 = craft(&v12, &it);
	c.index = 1;
	c.data.len = 44 * 1024;
	craft(&v12, &it);
	CHECK_INT(apply(&t1, &v12, i0, V12, &a), 0);
	CHECK_INT(apply(&t1, &v12, i0 + 1, V12, &a), CN_EVERIFY);
	CHECK(strstr(a.why, "do not hash"));
	rep = get(&t1, hex);
	CHECK_INT(rep->code, CN_EINVAL);
	CHECK(rep->error && strstr(rep->error, "1 of 2 chunks missing"));
	done(rep);
	/* A chunk of the wrong length for its index. */
	c.index = 0;
	c.data.len = 100;
	i0 = craft(&v12, &it);
	CHECK_INT(apply(&t1, &v12, i0, V12, &a), CN_EINVAL);
}

static void cap(void)
{
	Carenet__ControlReply *rep;
	struct apply_ctx a;
	size_t first;

	v21.pol.max_document = 100 * 1024;
	rep = add(&v21, doc, DOC_SIZE, "");
	CHECK_INT(rep->code, CN_ETOOBIG);
	CHECK(rep->error && strstr(rep->error, "over records.max_document (102400 bytes)"));
	done(rep);
	CHECK_INT(docs_count(&v21), 0);
	v21.pol.max_document = 0; /* the default, 16 MiB */
	first = v21.nitems;
	rep = add(&v21, doc + 1, DOC_SIZE - 1, "");
	CHECK_INT(rep->code, 0);
	done(rep);
	/* Its township's cap is smaller: refused there. */
	t2.pol.max_document = 512 * 1024;
	CHECK_INT(apply(&t2, &v21, first, V21, &a), CN_ETOOBIG);
	CHECK(strstr(a.why, "over records.max_document"));
	t2.pol.max_document = 0;
	CHECK_INT(apply(&t2, &v21, first, V21, &a), 0);
}

int main(void)
{
	fx_begin("test_docs");
	doc = malloc(DOC_SIZE);
	for (size_t i = 0; i < DOC_SIZE; i++)
		doc[i] = (uint8_t)(i * 2654435761u >> 13);
	attach_and_travel();
	wrong_hash();
	cap();
	free(doc);
	printf("test_docs: %d checks, %d failures\n", checks, failures);
	return (fx_end() || failures) ? 1 : 0;
}

/*
 * doc_control: the operator's requests on documents (map: docs.h) —
 * doc_add (attach a file here: stored, then sent up in chunks), doc_get
 * (one complete document's content; audited, as a document may be
 * personal) and doc_list. Replies: rep->docs (Document, unpacked copies)
 * and rep->doc_content, freed by docs_reply_free.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docs.h"
#include "err.h"

struct dctx {
	struct roles *r;
	Carenet__ControlReply *rep;
	const Carenet__DocAddRequest *add;
	uint8_t hash[32];
};

static int reply_push(Carenet__ControlReply *rep, Carenet__Document *d)
{
	Carenet__Document **v = realloc(rep->docs, (rep->n_docs + 1) * sizeof(*v));

	if (!v)
		return CN_ENOMEM;
	rep->docs = v;
	v[rep->n_docs++] = d;
	return 0;
}

/* A copy of the document held as hash into rep->docs. */
static int reply_meta(struct roles *r, MDB_txn *txn, const uint8_t hash[32],
                      Carenet__ControlReply *rep, Carenet__Document **out)
{
	Carenet__Document *d = NULL;
	int rc = docs_meta_get(r, txn, hash, &d);

	if (rc == 0 && (rc = reply_push(rep, d)) != 0)
		carenet__document__free_unpacked(d, NULL);
	if (out)
		*out = rc == 0 ? d : NULL;
	return rc;
}

static int add_txn(MDB_txn *txn, void *arg)
{
	struct dctx *c = arg;
	struct roles *r = c->r;
	const Carenet__DocAddRequest *q = c->add;
	char hex[65];
	int rc;

	docs_reply_free(c->rep); /* a replayed transaction starts again */
	rc = docs_attach(r, txn, q->name, q->content.data, q->content.len, q->record, c->hash,
	                 r->err, sizeof(r->err));
	if (rc != 0)
		return rc;
	docs_hex(c->hash, hex);
	/* r->id holds 63 bytes: the hash goes back in r->detail's buffer */
	snprintf(r->detail, sizeof(r->detail), "%s", hex);
	if ((rc = roles_audit(r, txn, r->env.me->id, "doc_add", hex, "%zu bytes, %u chunks%s%.64s",
	                      q->content.len, docs_chunks(q->content.len),
	                      q->record[0] ? ", record " : "", q->record)) != 0)
		return rc;
	return reply_meta(r, txn, c->hash, c->rep, NULL);
}

int docs_add_req(struct roles *r, const Carenet__DocAddRequest *q, Carenet__ControlReply *rep)
{
	struct dctx c = {.r = r, .rep = rep, .add = q};
	int rc;

	if (!r->env.seal || !r->env.open)
		return CN_EPERM;
	if ((rc = r->env.write(r->env.arg, add_txn, &c)) == 0)
		rep->id = r->detail;
	return rc;
}

static int get_txn(MDB_txn *txn, void *arg)
{
	struct dctx *c = arg;
	struct roles *r = c->r;
	Carenet__Document *d = NULL;
	char hex[65];
	size_t len = 0;
	int rc;

	docs_reply_free(c->rep);
	docs_hex(c->hash, hex);
	rc = reply_meta(r, txn, c->hash, c->rep, &d);
	if (rc == CN_ENOTFOUND)
		roles_why(r->err, sizeof(r->err), "no document %s here", hex);
	if (rc != 0)
		return rc;
	if ((rc = docs_read(r, txn, d, &c->rep->doc_content.data, &len, r->err, sizeof(r->err))) !=
	    0)
		return rc;
	c->rep->doc_content.len = len;
	return roles_audit(r, txn, r->env.me->id, "doc_get", hex, "%zu bytes", len);
}

int docs_get_req(struct roles *r, const Carenet__DocGetRequest *q, Carenet__ControlReply *rep)
{
	struct dctx c = {.r = r, .rep = rep};

	if (docs_unhex(q->sha256, c.hash) != 0) {
		roles_why(r->err, sizeof(r->err), "\"%.80s\" is not a SHA-256 (64 hex digits)",
		          q->sha256);
		return CN_EINVAL;
	}
	if (!r->env.open)
		return CN_EPERM;
	return r->env.write(r->env.arg, get_txn, &c);
}

static int list_one(Carenet__Document *d, void *arg)
{
	Carenet__ControlReply *rep = arg;
	Carenet__Document *copy;
	uint8_t buf[1024], *p = buf;
	size_t len = carenet__document__get_packed_size(d);
	int rc = CN_ENOMEM;

	if (len > sizeof(buf) && !(p = malloc(len)))
		return CN_ENOMEM;
	carenet__document__pack(d, p);
	if ((copy = carenet__document__unpack(NULL, len, p)) && (rc = reply_push(rep, copy)) != 0)
		carenet__document__free_unpacked(copy, NULL);
	if (p != buf)
		free(p);
	return rc;
}

static int list_txn(MDB_txn *txn, void *arg)
{
	struct dctx *c = arg;

	return docs_each(c->r, txn, list_one, c->rep);
}

int docs_list_req(struct roles *r, Carenet__ControlReply *rep)
{
	struct dctx c = {.r = r, .rep = rep};

	if (!r->env.open)
		return CN_EPERM;
	return store_read(r->env.store, list_txn, &c);
}

void docs_reply_free(Carenet__ControlReply *rep)
{
	for (size_t i = 0; i < rep->n_docs; i++)
		carenet__document__free_unpacked(rep->docs[i], NULL);
	free(rep->docs);
	rep->docs = NULL;
	rep->n_docs = 0;
	free(rep->doc_content.data);
	rep->doc_content.data = NULL;
	rep->doc_content.len = 0;
}

#include "wire.h"
#include "err.h"

#include <stdlib.h>
#include <string.h>

static int check_chain(size_t n, const ProtobufCBinaryData *chain, const char **why)
{
	if (n == 0 || n > WIRE_MAX_CHAIN) {
		*why = "certificate chain count out of range";
		return CN_EPROTO;
	}
	for (size_t i = 0; i < n; i++) {
		if (chain[i].len == 0 || chain[i].len > WIRE_MAX_CERT) {
			*why = "certificate size out of range";
			return CN_EPROTO;
		}
	}
	return 0;
}

static int check_cursors(size_t n, Carenet__LaneCursor *const *c, const char **why)
{
	if (n > WIRE_MAX_CURSORS) {
		*why = "too many cursors";
		return CN_EPROTO;
	}
	for (size_t i = 0; i < n; i++) {
		if (c[i]->lane >= WIRE_LANES) {
			*why = "cursor lane out of range";
			return CN_EPROTO;
		}
	}
	return 0;
}

static int check_batch(const Carenet__Batch *b, const char **why)
{
	if (b->lane >= WIRE_LANES) {
		*why = "batch lane out of range";
		return CN_EPROTO;
	}
	if (b->n_msgs == 0 || b->n_msgs > WIRE_MAX_MSGS || b->first_seq == 0) {
		*why = "batch message count or sequence out of range";
		return CN_EPROTO;
	}
	if (b->n_chains > WIRE_MAX_CHAINS) {
		*why = "too many certificate chains in a batch";
		return CN_EPROTO;
	}
	for (size_t i = 0; i < b->n_chains; i++) {
		const char *w2;
		if (check_chain(b->chains[i]->n_certs, b->chains[i]->certs, &w2) != 0) {
			*why = w2;
			return CN_EPROTO;
		}
	}
	return 0;
}

static int check_summary(const Carenet__Summary *s, const char **why)
{
	if (s->n_offices > WIRE_MAX_SUMMARY) {
		*why = "too many offices in a summary";
		return CN_EPROTO;
	}
	for (size_t i = 0; i < s->n_offices; i++) {
		const Carenet__OfficeHealth *o = s->offices[i];
		if (strlen(o->id) > WIRE_MAX_TEXT || strlen(o->role) > WIRE_MAX_TEXT ||
		    strlen(o->name) > WIRE_MAX_TEXT || strlen(o->version) > WIRE_MAX_TEXT ||
		    strlen(o->last_error) > WIRE_MAX_TEXT) {
			*why = "summary text over its cap";
			return CN_EPROTO;
		}
		if (o->state < 1 || o->state > 3) {
			*why = "summary state out of range";
			return CN_EPROTO;
		}
	}
	return 0;
}

/* An inspector's query: at most 4 standards, every string short. */
static int check_inspect(const Carenet__InspectQuery *q, const char **why)
{
	if (q->n_standards > 4 || strlen(q->office) > WIRE_MAX_TEXT ||
	    strlen(q->at) > WIRE_MAX_TEXT) {
		*why = "inspect query over its caps";
		return CN_EPROTO;
	}
	for (size_t i = 0; i < q->n_standards; i++)
		if (strlen(q->standards[i]) > WIRE_MAX_TEXT) {
			*why = "inspect query over its caps";
			return CN_EPROTO;
		}
	return 0;
}

static int check(const Carenet__Frame *f, const char **why)
{
	int rc;

	switch (f->body_case) {
	case CARENET__FRAME__BODY_HELLO:
		if ((rc = check_chain(f->hello->n_chain, f->hello->chain, why)) != 0)
			return rc;
		return check_cursors(f->hello->n_cursors, f->hello->cursors, why);
	case CARENET__FRAME__BODY_WELCOME:
		if ((rc = check_chain(f->welcome->n_chain, f->welcome->chain, why)) != 0)
			return rc;
		return check_cursors(f->welcome->n_cursors, f->welcome->cursors, why);
	case CARENET__FRAME__BODY_REFUSE:
		if (strlen(f->refuse->reason) > WIRE_MAX_REASON) {
			*why = "refuse reason too long";
			return CN_EPROTO;
		}
		return 0;
	case CARENET__FRAME__BODY_PING:
	case CARENET__FRAME__BODY_PONG:
		return 0;
	case CARENET__FRAME__BODY_BATCH:
		return check_batch(f->batch, why);
	case CARENET__FRAME__BODY_ACK:
		if (f->ack->lane >= WIRE_LANES) {
			*why = "ack lane out of range";
			return CN_EPROTO;
		}
		return 0;
	case CARENET__FRAME__BODY_SUMMARY:
		return check_summary(f->summary, why);
	case CARENET__FRAME__BODY_INSPECT_QUERY:
		return check_inspect(f->inspect_query, why);
	case CARENET__FRAME__BODY_INSPECT_FINDING:
		if (!f->inspect_finding->chain || f->inspect_finding->batch.len == 0) {
			*why = "inspect finding without chain or batch";
			return CN_EPROTO;
		}
		return check_chain(f->inspect_finding->chain->n_certs,
		                   f->inspect_finding->chain->certs, why);
	case CARENET__FRAME__BODY_INSPECT_REPLY:
		if (strlen(f->inspect_reply->reason) > WIRE_MAX_REASON) {
			*why = "inspect reply reason too long";
			return CN_EPROTO;
		}
		return 0;
	default:
		*why = "unknown frame type";
		return CN_EPROTO;
	}
}

int wire_decode(const uint8_t *buf, size_t len, size_t max_frame, Carenet__Frame **out,
                const char **why)
{
	Carenet__Frame *f;
	int rc;

	*out = NULL;
	*why = "";
	if (len > max_frame) {
		*why = "frame larger than limits.max_frame";
		return CN_ETOOBIG;
	}
	if (len == 0) {
		*why = "empty frame";
		return CN_EPROTO;
	}
	f = carenet__frame__unpack(NULL, len, buf);
	if (!f) {
		*why = "not a valid protobuf Frame (garbage or truncated)";
		return CN_EPROTO;
	}
	if ((rc = check(f, why)) != 0) {
		carenet__frame__free_unpacked(f, NULL);
		return rc;
	}
	*out = f;
	return 0;
}

void wire_free(Carenet__Frame **f)
{
	if (f && *f) {
		carenet__frame__free_unpacked(*f, NULL);
		*f = NULL;
	}
}

int wire_encode(const Carenet__Frame *f, uint8_t **buf, size_t *len)
{
	size_t n = carenet__frame__get_packed_size(f);
	uint8_t *b = malloc(n ? n : 1);

	if (!b)
		return CN_ENOMEM;
	carenet__frame__pack(f, b);
	*buf = b;
	*len = n;
	return 0;
}

const char *wire_kind(const Carenet__Frame *f)
{
	switch (f->body_case) {
	case CARENET__FRAME__BODY_HELLO:
		return "hello";
	case CARENET__FRAME__BODY_WELCOME:
		return "welcome";
	case CARENET__FRAME__BODY_REFUSE:
		return "refuse";
	case CARENET__FRAME__BODY_PING:
		return "ping";
	case CARENET__FRAME__BODY_PONG:
		return "pong";
	case CARENET__FRAME__BODY_BATCH:
		return "batch";
	case CARENET__FRAME__BODY_ACK:
		return "ack";
	case CARENET__FRAME__BODY_SUMMARY:
		return "summary";
	case CARENET__FRAME__BODY_INSPECT_QUERY:
		return "inspect_query";
	case CARENET__FRAME__BODY_INSPECT_REPLY:
		return "inspect_reply";
	case CARENET__FRAME__BODY_INSPECT_FINDING:
		return "inspect_finding";
	default:
		return "none";
	}
}

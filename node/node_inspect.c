/*
 * node_inspect: an inspector's InspectQuery on its session (node/link.c
 * passes it only from an inspector's session that said HELLO): roles top
 * answers it (roles/roles_inspect.c: scope checked, compliance evaluated,
 * audited); this file counts it (inspect_queries, inspect_refused) and
 * sends the InspectReply back on the same session. A finding
 * (InspectFinding: the inspector's signed batch) goes through delivery
 * (deliver_inject) like an item received from a child, so it is checked,
 * kept and relayed up in one write txn before the reply says it is on disk.
 */
#include "node.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deliver.h"
#include "err.h"
#include "item.h"
#include "link.h"
#include "log.h"
#include "roles.h"
#include "util.h"

static void reply(struct node *n, const char *inspector, Carenet__InspectReply *r);

/* Each query and finding evaluates standards over the subtree: an enrolled
 * inspector may ask NODE_INSPECT_PER_MIN of them a minute (one count per
 * inspector id, the 8 most recent inspectors kept), a team's pace, not a
 * flood's. 1 if this one may go on. */
#define NODE_INSPECT_PER_MIN 30
static int inspect_allowed(struct node *n, const char *inspector)
{
	uint64_t now = util_mono_us();
	struct inspect_rate *r = &n->inspect_rate[0];
	size_t k = sizeof(n->inspect_rate) / sizeof(n->inspect_rate[0]);

	for (size_t i = 0; i < k; i++) {
		if (strcmp(n->inspect_rate[i].id, inspector) == 0) {
			r = &n->inspect_rate[i];
			break;
		}
		if (n->inspect_rate[i].since_us < r->since_us)
			r = &n->inspect_rate[i]; /* the stalest, if the inspector is new */
	}
	if (strcmp(r->id, inspector) != 0 || now - r->since_us >= 60000000u) {
		snprintf(r->id, sizeof(r->id), "%s", inspector);
		r->since_us = now, r->n = 0;
	}
	return ++r->n <= NODE_INSPECT_PER_MIN;
}

static void refuse_limited(struct node *n, const char *inspector, uint64_t nonce)
{
	Carenet__InspectReply r = CARENET__INSPECT_REPLY__INIT;
	char why[160];

	n->counters[CTR_INSPECT_REFUSED]++;
	n->counters[CTR_INSPECT_LIMITED]++;
	snprintf(why, sizeof(why),
	         "too many requests from %s: at most %d queries and findings a minute "
	         "(请求过于频繁); try again in a minute",
	         inspector, NODE_INSPECT_PER_MIN);
	r.nonce = nonce, r.code = (uint32_t)-CN_EPERM, r.reason = why;
	log_notice("inspect: %s refused: over %d requests a minute", inspector,
	           NODE_INSPECT_PER_MIN);
	reply(n, inspector, &r);
}

static void reply(struct node *n, const char *inspector, Carenet__InspectReply *r)
{
	Carenet__Frame out = CARENET__FRAME__INIT;

	out.body_case = CARENET__FRAME__BODY_INSPECT_REPLY;
	out.inspect_reply = r;
	if (link_send(n->link, inspector, 0, &out) != 0)
		log_warnx("inspect: the reply to %s could not be sent (session gone)", inspector);
}

/* An inspector's finding: its own signed batch, applied through delivery
 * (deliver_inject: chain, signature, roles' checks, kept and relayed up,
 * on disk) before the reply says so. */
static void finding_in(struct node *n, const char *inspector, const Carenet__InspectFinding *q)
{
	Carenet__InspectReply r = CARENET__INSPECT_REPLY__INIT;
	Carenet__SignedBatch *sb = NULL;
	char why[WIRE_MAX_REASON] = "";
	int rc = item_batch_decode(q->batch.data, q->batch.len, &sb);

	n->counters[CTR_INSPECT_FINDINGS]++;
	if (rc == 0 && strcmp(sb->origin, inspector) != 0) {
		snprintf(why, sizeof(why), "the batch is signed as %.40s, not by this session's %s",
		         sb->origin, inspector);
		rc = CN_EROLE;
	} else if (rc == 0) {
		rc =
		    deliver_inject(n->deliver, inspector, q->chain, &q->batch, 1, why, sizeof(why));
	} else {
		snprintf(why, sizeof(why), "not a signed batch");
	}
	if (sb)
		carenet__signed_batch__free_unpacked(sb, NULL);
	r.nonce = q->nonce;
	if (rc) {
		n->counters[CTR_INSPECT_REFUSED]++;
		r.code = (uint32_t)-rc;
		r.reason = why[0] ? why : (char *)cn_strerror(rc);
		log_notice("inspect: finding from %s refused: %s", inspector, r.reason);
	} else {
		log_info("inspect: finding from %s kept", inspector);
	}
	reply(n, inspector, &r);
}

void node_inspect_in(struct node *n, const char *inspector, Carenet__Frame **f)
{
	Carenet__ControlReply rep = CARENET__CONTROL_REPLY__INIT;
	Carenet__InspectReply r = CARENET__INSPECT_REPLY__INIT;
	uint8_t *buf = NULL;
	int rc;

	if (!inspect_allowed(n, inspector)) {
		int finding = (*f)->body_case == CARENET__FRAME__BODY_INSPECT_FINDING;
		n->counters[finding ? CTR_INSPECT_FINDINGS : CTR_INSPECT_QUERIES]++;
		refuse_limited(n, inspector,
		               finding ? (*f)->inspect_finding->nonce : (*f)->inspect_query->nonce);
		wire_free(f);
		return;
	}
	if ((*f)->body_case == CARENET__FRAME__BODY_INSPECT_FINDING) {
		finding_in(n, inspector, (*f)->inspect_finding);
		wire_free(f);
		return;
	}
	rc = roles_inspect(n->roles, inspector, (*f)->inspect_query, &rep);

	n->counters[CTR_INSPECT_QUERIES]++;
	r.nonce = (*f)->inspect_query->nonce;
	if (rc == 0 && rep.compliance) {
		size_t len = carenet__compliance_reply__get_packed_size(rep.compliance);
		if ((buf = malloc(len ? len : 1)) != NULL) {
			carenet__compliance_reply__pack(rep.compliance, buf);
			r.compliance.data = buf, r.compliance.len = len;
		} else {
			rc = CN_ENOMEM;
		}
	}
	if (rc) {
		n->counters[CTR_INSPECT_REFUSED]++;
		r.code = (uint32_t)-rc;
		r.reason = (char *)(rep.error ? rep.error : cn_strerror(rc));
		log_notice("inspect: %s refused: %s", inspector, r.reason);
	} else {
		log_info("inspect: %s answered", inspector);
	}
	reply(n, inspector, &r);
	free(buf);
	roles_control_free(&rep);
	wire_free(f);
}

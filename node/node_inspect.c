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

/*
 * node_inspect: an inspector's InspectQuery on its session (node/link.c
 * passes it only from an inspector's session that said HELLO): roles top
 * answers it (roles/roles_inspect.c: scope checked, compliance evaluated,
 * audited); this file counts it (inspect_queries, inspect_refused) and
 * sends the InspectReply back on the same session.
 */
#include "node.h"

#include <stdlib.h>

#include "err.h"
#include "link.h"
#include "log.h"
#include "roles.h"

void node_inspect_in(struct node *n, const char *inspector, Carenet__Frame **f)
{
	Carenet__ControlReply rep = CARENET__CONTROL_REPLY__INIT;
	Carenet__InspectReply r = CARENET__INSPECT_REPLY__INIT;
	Carenet__Frame out = CARENET__FRAME__INIT;
	uint8_t *buf = NULL;
	int rc = roles_inspect(n->roles, inspector, (*f)->inspect_query, &rep);

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
	out.body_case = CARENET__FRAME__BODY_INSPECT_REPLY;
	out.inspect_reply = &r;
	if (link_send(n->link, inspector, 0, &out) != 0)
		log_warnx("inspect: the reply to %s could not be sent (session gone)", inspector);
	free(buf);
	roles_control_free(&rep);
	wire_free(f);
}

/*
 * link_check: who may be at the other end of a session. A HELLO's or
 * WELCOME's chain verified and bound to the CURVE key the connection
 * authenticated with, then the subtree rule for a child (direct children,
 * inspectors covering us, a county-direct village) or the configured office
 * for the parent. Pure checks: link.c acts on the answer.
 */
#include <stdio.h>
#include <string.h>

#include <zmq.h>

#include "err.h"
#include "wire.h"

#include "link_int.h"

/* Verifies a HELLO/WELCOME chain and binds it to the authenticated key. */
static int verify_peer_chain(struct link *l, size_t n, const ProtobufCBinaryData *chain,
                             const char *key, struct pki_identity *id, char *why, size_t whylen)
{
	const uint8_t *der[WIRE_MAX_CHAIN];
	size_t len[WIRE_MAX_CHAIN];
	char z85[41];
	int rc;

	for (size_t i = 0; i < n; i++) {
		der[i] = chain[i].data;
		len[i] = chain[i].len;
	}
	rc = pki_verify_chain(l->trust, der, len, n, id, why, whylen);
	if (rc != 0)
		return rc;
	zmq_z85_encode(z85, id->curve_pub, PKI_CURVE_LEN);
	if (strcmp(z85, key) != 0) {
		snprintf(why, whylen,
		         "certificate of %s carries CURVE key %.8s..., link key is %.8s...", id->id,
		         z85, key);
		return CN_EKEYMISMATCH;
	}
	return 0;
}

/* The subtree rule: direct children, and inspectors whose scope covers us.
 * At a county, a village of its subtree is also let in as a county-direct
 * session (failover: its township is unreachable); *direct says so. */
static int check_subtree(struct link *l, const struct pki_identity *id, int *direct, char *why,
                         size_t whylen)
{
	const char *me = l->me->id;

	if (id->role == PKI_ROLE_INSPECTOR) {
		/* its scope covers us, or lies below us (the county holds all) */
		if (pki_scope_covers(id->scope, me) || pki_scope_covers(me, id->scope))
			return 0;
		snprintf(why, whylen,
		         "inspector %s has scope %s, which neither covers %s nor lies below it",
		         id->id, id->scope, me);
		return CN_EROLE;
	}
	if (pki_is_direct_child(me, id->id) ||
	    (id->role == PKI_ROLE_VILLAGE && l->ev.former_child &&
	     l->ev.former_child(l->ev.arg, id->id) == 1))
		return 0;
	if (l->me->role == PKI_ROLE_COUNTY && id->role == PKI_ROLE_VILLAGE &&
	    strncmp(id->id, me, strlen(me)) == 0) {
		*direct = 1;
		return 0;
	}
	snprintf(why, whylen, "%s %s is not a direct child of %s", pki_role_name(id->role), id->id,
	         me);
	return CN_EROLE;
}

/* Checks the other side's HELLO (a child) or WELCOME (the parent): the
 * version a child speaks, the chain bound to the link key, then who may be
 * there: the subtree rule for a child, the configured office for the parent. */
int link_check_greeting(struct link *l, struct peer *s, uint32_t version, size_t n,
                        const ProtobufCBinaryData *chain, struct pki_identity *id, int *direct,
                        char *why, size_t whylen)
{
	const char *expect = s->is_parent ? link_uplink_of(l, s)->expect_id : "";
	int rc;

	if (!s->is_parent && version != WIRE_VERSION) {
		snprintf(why, whylen, "protocol version %u, this node speaks %u", version,
		         WIRE_VERSION);
		return CN_EPROTO;
	}
	if ((rc = verify_peer_chain(l, n, chain, s->key, id, why, whylen)) != 0)
		return rc;
	if (!s->is_parent)
		return check_subtree(l, id, direct, why, whylen);
	if (strcmp(id->id, expect) != 0 &&
	    !(l->ev.parent_renamed && l->ev.parent_renamed(l->ev.arg, expect, id->id) == 1)) {
		snprintf(why, whylen, "%s certificate is for %s, expected %s",
		         link_uplink_of(l, s)->direct ? "county" : "parent", id->id, expect);
		return CN_EROLE;
	}
	return 0;
}


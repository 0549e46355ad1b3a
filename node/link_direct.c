/*
 * link_direct: a village's county-direct link (failover, docs/design.md
 * "Failover to the county"). A second DEALER up, to county.endpoint with the
 * CURVE key of county.cert, opened only while the node decides to fail over
 * (node/failover.c) and closed after. The session is the same HELLO/WELCOME
 * as the parent's (link.c, on the struct uplink marked direct); delivery
 * sees the county as one more neighbour above, with its own outbox.
 */
#include "link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "err.h"
#include "log.h"
#include "util.h"

#include "link_int.h"

int link_direct_configure(struct link *l, const char *endpoint, const char *cert)
{
	struct uplink *u = &l->county;
	int rc;

	u->direct = 1;
	if (!endpoint[0] || !cert[0] || l->me->role != PKI_ROLE_VILLAGE)
		return 0;
	snprintf(u->endpoint, sizeof(u->endpoint), "%s", endpoint);
	snprintf(u->expect_id, sizeof(u->expect_id), "%.6s", l->me->id);
	if ((rc = pki_cert_file_curve(cert, u->s.key)) != 0) {
		log_error("link: cannot read the county's CURVE key from %s: %s", cert,
		          cn_strerror(rc));
		u->expect_id[0] = 0;
		return rc;
	}
	snprintf(u->s.last_error, sizeof(u->s.last_error), "closed: not needed");
	return 0;
}

int link_direct_configured(const struct link *l)
{
	return l->county.expect_id[0] != 0;
}

const char *link_direct_id(const struct link *l)
{
	return l->county.expect_id;
}

int link_direct_open(struct link *l)
{
	struct uplink *u = &l->county;
	char mon[64];

	if (!link_direct_configured(l))
		return CN_ECONFIG;
	if (u->sock)
		return 0;
	snprintf(mon, sizeof(mon), "inproc://carenet-mon-county-%u", ++l->county_opens);
	u->connected = u->tcp_up = 0;
	if (link_uplink_connect(l, u, mon) != 0) {
		link_direct_free(l);
		return CN_EIO;
	}
	return 0;
}

void link_direct_free(struct link *l)
{
	struct uplink *u = &l->county;

	if (u->sock)
		zmq_socket_monitor(u->sock, NULL, 0);
	if (u->mon)
		zmq_close(u->mon);
	if (u->sock)
		zmq_close(u->sock);
	u->mon = u->sock = NULL;
	u->connected = u->tcp_up = 0;
}

void link_direct_close(struct link *l, const char *why)
{
	struct uplink *u = &l->county;

	if (!u->sock)
		return;
	link_direct_free(l);
	link_uplink_set_down(l, u, why);
}

int link_direct_up(const struct link *l)
{
	return l->county.sock && l->county.s.up;
}

void link_parent_state(const struct link *l, int *up, uint64_t *since)
{
	*up = l->parent.sock && l->parent.s.up;
	*since = l->parent.s.since;
}

int link_direct_status(struct link *l, Carenet__Status *st)
{
	struct uplink *u = &l->county;

	if (!link_direct_configured(l))
		return 0;
	if (!(st->direct = malloc(sizeof(*st->direct))))
		return CN_ENOMEM;
	carenet__direct_link__init(st->direct);
	if (!(st->direct->county = link_peer_status(&u->s)))
		return CN_ENOMEM;
	if (!u->s.ident.id[0]) { /* before the first WELCOME */
		st->direct->county->id = u->expect_id;
		st->direct->county->role = (char *)pki_role_name(PKI_ROLE_COUNTY);
	}
	st->direct->county->endpoint = u->endpoint;
	st->direct->county->up = link_direct_up(l);
	return 0;
}

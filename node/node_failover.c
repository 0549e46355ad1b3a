/*
 * node_failover: the node's side of a village's failover to its county
 * (docs/design.md "Failover to the county"): node/failover.c decides, this
 * asks the engine and the link what it needs and opens or closes the
 * county-direct link as told, with a notice in the log saying why.
 */
#include "node.h"

#include "deliver.h"
#include "link.h"
#include "log.h"
#include "util.h"

/* A village's failover (failover.h): says at start whether it can. */
void node_failover_start(struct node *n)
{
	int on = link_direct_configured(n->link);

	failover_init(&n->failover, on, n->cfg->report_failover_s, util_now());
	if (on)
		deliver_set_direct(n->deliver, link_direct_id(n->link));
	if (on || n->me->role != PKI_ROLE_VILLAGE || !n->cfg->parent_endpoint[0])
		return;
	log_notice("node: failover to the county disabled: node.cfg has no county = { endpoint; "
	           "cert; } (enroll again with a bundle from this carenet's 'ca issue', or add "
	           "them by hand)");
}

/* Opens or closes the county-direct link as failover_step says. */
void node_failover(struct node *n)
{
	struct failover *f = &n->failover;
	struct failover_in in = {0};
	uint64_t now_us = util_mono_us(), since;
	char parent[PKI_ID_MAX] = "";

	if (!f->enabled || now_us < f->next_us)
		return;
	f->next_us = now_us + FAILOVER_POLL_US;
	if (!f->open && deliver_direct_trim(n->deliver) < 0)
		log_warnx("node: cannot trim the county-direct queue");
	pki_parent_id(n->me->id, parent, sizeof(parent));
	link_parent_state(n->link, &in.parent_up, &since);
	in.pending = deliver_direct_pending(n->deliver);
	in.parent_pending = deliver_parent_urgent_pending(n->deliver);
	in.direct_up = link_direct_up(n->link);
	in.parent_id = parent;
	if (in.parent_up && !in.pending && !in.parent_pending && !f->open && !in.direct_up)
		f->next_us = now_us + FAILOVER_IDLE_POLL_US;
	switch (failover_step(f, &in, now_us, util_now())) {
	case FAILOVER_OPEN:
		n->counters[CTR_FAILOVER_OPENS]++;
		log_notice("node: failover: opening the direct link to the county %s: %s",
		           link_direct_id(n->link), f->why);
		if (link_direct_open(n->link) != 0)
			log_warnx("node: failover: cannot open the direct link to the county");
		break;
	case FAILOVER_CLOSE:
		log_notice("node: failover: closing the direct link to the county %s: %s",
		           link_direct_id(n->link), f->why);
		link_direct_close(n->link, f->why);
		break;
	default:
		break;
	}
}

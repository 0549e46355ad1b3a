/*
 * node_wake: when the node's loop wakes next without an event. It sleeps
 * until the earliest work that is due: the link's (link_tick), delivery's
 * (deliver_timeout), a checkpoint poll, a summary, a failover check, and
 * systemd's watchdog. An idle node wakes for those, not on a fixed tick.
 */
#include "node.h"

#include "sdnotify.h"
#include "util.h"

/* WATCHDOG=1 at half systemd's WatchdogSec= from the loop itself, so a
 * wedged loop gets the node restarted; the poll timeout that keeps it so. */
long node_watchdog(struct node *n, long timeout)
{
	uint64_t now = util_mono_us();
	long left;

	if (!n->watchdog_us)
		return timeout;
	if (now >= n->next_watchdog_us) {
		sdnotify("WATCHDOG=1");
		n->next_watchdog_us = now + n->watchdog_us / 2;
	}
	left = (long)((n->next_watchdog_us - now) / 1000u) + 1;
	return timeout < 0 || left < timeout ? left : timeout;
}

/* The loop's sleep: until the link's next due work (link), the next
 * checkpoint poll, summary or failover check, whichever comes first. An
 * idle node wakes for those and for events, not on a fixed tick. */
long node_next_ms(const struct node *n, long link)
{
	uint64_t now = util_mono_us(), next = n->next_checkpoint_us;

	if (n->me->role != PKI_ROLE_INSPECTOR && n->next_summary_us < next)
		next = n->next_summary_us;
	if (n->failover.enabled && n->failover.next_us < next)
		next = n->failover.next_us;
	if (next <= now)
		return 0;
	next = (next - now + 999) / 1000;
	if (link < 0 || (uint64_t)link > next)
		link = next > NODE_CHECKPOINT_POLL_MS ? NODE_CHECKPOINT_POLL_MS : (long)next;
	return link;
}

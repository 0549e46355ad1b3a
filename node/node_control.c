/*
 * node_control: the node's side of the control server — the struct
 * control_env that node/control.c calls back (the pattern of roles_env),
 * built from struct node. control.c itself sees no struct node.
 */
#include "node.h"

#include <stdlib.h>

#include "control.h"
#include "deliver.h"
#include "err.h"
#include "link.h"
#include "log.h"

#define NCTRS (CTR_COUNT + 1) /* + the outbox_pending gauge */

static uint64_t ctl_now(void *arg)
{
	return node_now(arg);
}

static int ctl_reload(void *arg)
{
	return node_reload(arg);
}

static void ctl_stop(void *arg)
{
	(void)arg;
	node_sig_stop = 1;
}

static int ctl_status(void *arg, Carenet__Status *st)
{
	struct node *n = arg;
	Carenet__Counter *ctrs, **ctrp;

	st->started = n->started;
	st->listen = n->cfg->listen;
	if (!(ctrs = calloc(NCTRS, sizeof(*ctrs))) || !(ctrp = calloc(NCTRS, sizeof(*ctrp)))) {
		free(ctrs);
		return CN_ENOMEM;
	}
	for (int i = 0; i < NCTRS; i++) {
		carenet__counter__init(&ctrs[i]);
		ctrs[i].name = i < CTR_COUNT ? (char *)node_ctr_name((enum ctr)i) : "outbox_pending";
		ctrs[i].value = i < CTR_COUNT ? n->counters[i] : deliver_pending(n->deliver);
		ctrp[i] = &ctrs[i];
	}
	st->counters = ctrp;
	st->n_counters = NCTRS;
	return link_status(n->link, st);
}

static void ctl_status_free(void *arg, Carenet__Status *st)
{
	(void)arg;
	link_status_free(st);
	if (st->counters)
		free(st->counters[0]); /* the array of counters itself */
	free(st->counters);
	st->counters = NULL;
	st->n_counters = 0;
}

static int ctl_clock(void *arg, int64_t advance, int64_t *offset)
{
	struct node *n = arg;
	int64_t off = n->clock_offset + advance;
	int rc;

	if (advance != 0 && !n->cfg->test_clock)
		return CN_EPERM;
	if (advance > 0) {
		if ((rc = store_meta_put(n->store, "clock_offset", &off, sizeof(off))) != 0)
			return rc;
		n->clock_offset = off;
		log_info("clock: test clock advanced by %llds (offset %llds)", (long long)advance,
		         (long long)off);
	}
	*offset = n->clock_offset;
	return 0;
}

static int ctl_crl_trust(void *arg, const uint8_t *der, size_t len)
{
	struct node *n = arg;
	int rc = pki_trust_add_crl_der(n->trust, der, len);

	if (rc == 0)
		n->crl_changed = 1;
	return rc;
}

static int ctl_crl_persist(void *arg, MDB_txn *txn, const char *origin, const uint8_t *der,
                           size_t len)
{
	return node_crl_persist(arg, txn, origin, der, len);
}

static int ctl_write(void *arg, int (*fn)(MDB_txn *, void *), void *fnarg)
{
	return deliver_write(((struct node *)arg)->deliver, fn, fnarg);
}

static int ctl_emit(void *arg, MDB_txn *txn, Carenet__Item *item)
{
	return deliver_emit(((struct node *)arg)->deliver, txn, item, NULL, 0);
}

int node_control_open(struct node *n)
{
	struct control_env env = {
	    .arg = n,
	    .me = n->me,
	    .store = n->store,
	    .roles = n->roles,
	    .now = ctl_now,
	    .reload = ctl_reload,
	    .stop = ctl_stop,
	    .status = ctl_status,
	    .status_free = ctl_status_free,
	    .clock = ctl_clock,
	    .crl_trust = ctl_crl_trust,
	    .crl_persist = ctl_crl_persist,
	    .write = ctl_write,
	    .emit = ctl_emit,
	};
	return control_open(n->zctx, n->cfg->data_dir, &env, &n->control);
}

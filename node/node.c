#include "node.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <sys/file.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zmq.h>

#include "control.h"
#include "deliver.h"
#include "err.h"
#include "health.h"
#include "link.h"
#include "log.h"
#include "outbox.h"
#include "roles.h"
#include "sdnotify.h"
#include "util.h"
#include "aead.h"

#include <openssl/crypto.h>

volatile sig_atomic_t node_sig_stop, node_sig_reload;

/* How often the loop asks roles whether an audit checkpoint is due. */
#define NODE_CONTROL_BURST 32 /* control requests served per loop turn */

const char *node_ctr_name(enum ctr c)
{
	return counters_name(c);
}

uint64_t node_now(const struct node *n)
{
	return (uint64_t)((int64_t)util_now() + n->clock_offset);
}

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		node_sig_reload = 1;
	else
		node_sig_stop = 1;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* Loads root, intermediate CAs and CRLs named by cfg into a new trust store. */
static int load_trust(const struct config *cfg, struct pki_trust **out)
{
	struct pki_trust *t = NULL;
	int rc;

	if ((rc = pki_trust_new(cfg->root_file, &t)) != 0) {
		log_error("pki: cannot load root certificate %s: %s", cfg->root_file,
		          cn_strerror(rc));
		return rc;
	}
	if (access(cfg->chain_file, R_OK) == 0 &&
	    (rc = pki_trust_add_ca_file(t, cfg->chain_file)) != 0) {
		log_error("pki: cannot load CA chain %s: %s", cfg->chain_file, cn_strerror(rc));
		goto fail;
	}
	pki_trust_set_crl_grace(t, (time_t)cfg->crl_grace_days * 86400);
	for (size_t i = 0; i < cfg->ncrl; i++) {
		if ((rc = pki_trust_add_crl_file(t, cfg->crl_files[i])) != 0) {
			log_error("pki: cannot load CRL %s: %s", cfg->crl_files[i],
			          cn_strerror(rc));
			goto fail;
		}
	}
	*out = t;
	return 0;
fail:
	pki_trust_free(&t);
	return rc;
}

/* The mark `carenet demo` puts on the root it makes (DEMO_ROOT_NAME). */
#define DEMO_ROOT_MARK " (demo)"

/* 1 if the root certificate in path is a demo root. */
static int demo_root(const char *path)
{
	struct pki_identity id;
	uint8_t *pem = NULL;
	size_t len = 0, ml = strlen(DEMO_ROOT_MARK), nl;
	char why[256];
	int is_ca = 0, yes = 0;

	if (util_read_file(path, 1 << 20, &pem, &len) == 0 &&
	    pki_cert_parse((const char *)pem, len, &id, &is_ca, why, sizeof(why)) == 0 && is_ca) {
		nl = strlen(id.name);
		yes = nl >= ml && strcmp(id.name + nl - ml, DEMO_ROOT_MARK) == 0;
	}
	free(pem);
	return yes;
}

/*
 * test_clock moves the domain's clock (deadlines, reminders, statuses'
 * times) at the word of whoever can reach the control socket; a node of a
 * real network must not have one. It is honoured only under a demo root
 * (docs/design.md, "The test clock"); otherwise the node refuses to start.
 */
static int check_test_clock(const struct config *c)
{
	if (!c->test_clock)
		return 0;
	if (demo_root(c->root_file)) {
		log_warnx("node: test_clock = true: this node's clock can be moved (demo network, "
		          "root %s)",
		          c->root_file);
		return 0;
	}
	log_error("node: test_clock = true in %s, but the root %s is not a demo root (its name "
	          "does not end in \"%s\"): a test clock is for demo networks and tests only; "
	          "remove test_clock",
	          c->path, c->root_file, DEMO_ROOT_MARK);
	return CN_EPERM;
}

static int load_identity(struct node *n)
{
	const struct config *c = n->cfg;
	char why[256] = "";
	int rc;

	rc = pki_self_load(c->key_file, c->cert_file, c->chain_file, c->curve_file, &n->self, why,
	                   sizeof(why));
	if (rc != 0) {
		log_error("pki: cannot load this node's identity: %s (%s)", why, cn_strerror(rc));
		return rc;
	}
	n->me = pki_self_identity(n->self);
	if (n->me->role == PKI_ROLE_INSPECTOR) {
		log_error("pki: %s is an inspector identity; inspectors do not run a node",
		          n->me->id);
		return CN_EROLE;
	}
	if ((rc = check_test_clock(c)) != 0)
		return rc;
	return load_trust(c, &n->trust);
}

/* The records key, kept with the identity files and never in data_dir (a
 * copy of data_dir must not open the records); made at first start. */
static int load_records_key(struct node *n)
{
	const struct config *c = n->cfg;
	char *key = util_abspath(c->records_key_file), *dir = util_abspath(c->data_dir);
	size_t dl = dir ? strlen(dir) : 0;
	int rc = CN_ENOMEM, created = 0;

	if (!key || !dir)
		goto out;
	if (strncmp(key, dir, dl) == 0 && key[dl] == '/') {
		log_error("records: identity.records_key %s lies inside data_dir %s: keep it with "
		          "node.key, outside data_dir", key, dir);
		rc = CN_ECONFIG;
		goto out;
	}
	if ((rc = aead_key_load(key, 1, n->records_key, &created)) != 0)
		log_error("records: cannot load or make the records key %s: %s", key,
		          cn_strerror(rc));
	else if (created)
		log_info("records: made a new records key %s (back it up with node.key: "
		         "without it the records stored here cannot be read)", key);
out:
	free(key);
	free(dir);
	return rc;
}

/* The data directory belongs to one node: refuse another identity. */
static int check_store_owner(struct node *n)
{
	char owner[PKI_ID_MAX] = "";
	int len = store_meta_get(n->store, "node_id", owner, sizeof(owner) - 1);

	if (len == CN_ENOTFOUND)
		return store_meta_put(n->store, "node_id", n->me->id, strlen(n->me->id));
	if (len < 0)
		return len;
	owner[len] = 0;
	if (strcmp(owner, n->me->id) != 0) {
		log_error("store: data_dir %s belongs to node %s, not %s: use another data_dir",
		          n->cfg->data_dir, owner, n->me->id);
		return CN_EPERM;
	}
	return 0;
}

int node_crl_persist(struct node *n, MDB_txn *txn, const char *origin, const uint8_t *der,
                     size_t len)
{
	char key[PKI_ID_MAX + 8];
	MDB_val k, v;

	snprintf(key, sizeof(key), "crl:%s", origin);
	k.mv_data = key;
	k.mv_size = strlen(key);
	v.mv_data = (void *)der;
	v.mv_size = len;
	return store_err(mdb_put(txn, store_dbi(n->store, STORE_META), &k, &v, 0), "crl put");
}

struct crl_arg {
	struct store *st;
	struct pki_trust *trust;
	int count;
};

static int load_store_crls_txn(MDB_txn *txn, void *arg)
{
	struct crl_arg *a = arg;
	struct store *st = a->st;
	MDB_cursor *c;
	MDB_val k = {4, "crl:"}, v;
	int rc;

	if (mdb_cursor_open(txn, store_dbi(st, STORE_META), &c) != 0)
		return CN_ESTORE;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size < 4 || memcmp(k.mv_data, "crl:", 4) != 0)
			break;
		if (pki_trust_add_crl_der(a->trust, v.mv_data, v.mv_size) == 0)
			a->count++;
		else
			log_warnx("pki: a stored revocation list no longer verifies; ignored");
	}
	mdb_cursor_close(c);
	return 0;
}

/* Revocation lists that arrived in-band live in the store, not in files. */
static int load_store_crls(struct store *st, struct pki_trust *trust)
{
	struct crl_arg a = {st, trust, 0};
	return store_read(st, load_store_crls_txn, &a);
}

static uint64_t env_now(void *arg)
{
	return node_now(arg);
}

static int env_emit(void *arg, MDB_txn *txn, Carenet__Item *item, char *id_out, size_t idlen)
{
	return deliver_emit(((struct node *)arg)->deliver, txn, item, id_out, idlen);
}

static struct pki_trust *env_trust(void *arg)
{
	return ((struct node *)arg)->trust;
}

static int env_write(void *arg, int (*fn)(MDB_txn *, void *), void *fnarg)
{
	return deliver_write(((struct node *)arg)->deliver, fn, fnarg);
}

/* The link's events go to the delivery engine. */
static void ev_peer_up(void *arg, const struct pki_identity *peer, int is_parent, int direct,
                       const uint64_t cursors[WIRE_LANES], const ProtobufCBinaryData *chain,
                       size_t nchain)
{
	deliver_peer_up(((struct node *)arg)->deliver, peer, is_parent, direct, cursors, chain,
	                nchain);
}

static void ev_peer_down(void *arg, const char *peer_id)
{
	deliver_peer_down(((struct node *)arg)->deliver, peer_id);
}

static void ev_frame(void *arg, const char *peer_id, Carenet__Frame **f)
{
	if ((*f)->body_case == CARENET__FRAME__BODY_SUMMARY) {
		node_summary_in(arg, peer_id, f);
		return;
	}
	if ((*f)->body_case == CARENET__FRAME__BODY_INSPECT_QUERY ||
	    (*f)->body_case == CARENET__FRAME__BODY_INSPECT_FINDING) {
		node_inspect_in(arg, peer_id, f);
		return;
	}
	deliver_on_frame(((struct node *)arg)->deliver, peer_id, f);
}

static void ev_cursors(void *arg, const char *peer_id, uint64_t cursors[WIRE_LANES])
{
	move_links_adopt(arg, peer_id); /* 撤乡设镇: the old code's queues first */
	deliver_cursors(((struct node *)arg)->deliver, peer_id, cursors);
}

static int open_link(struct node *n)
{
	struct link_params p;

	memset(&p, 0, sizeof(p));
	p.zctx = n->zctx;
	p.store = n->store;
	p.self = n->self;
	p.cfg = n->cfg;
	p.trust = n->trust;
	p.counters = n->counters;
	p.ev.arg = n;
	p.ev.peer_up = ev_peer_up;
	p.ev.peer_down = ev_peer_down;
	p.ev.frame = ev_frame;
	p.ev.cursors = ev_cursors;
	p.ev.former_child = move_links_former_child;
	p.ev.parent_renamed = move_links_parent_renamed;
	return link_open(&p, &n->link);
}

/* A revocation list that arrived in-band (roles checked who sent it). */
static int env_crl_keep(void *arg, MDB_txn *txn, const char *origin, const uint8_t *der,
                        size_t len)
{
	struct node *n = arg;
	int rc;

	if ((rc = pki_trust_add_crl_der(n->trust, der, len)) != 0) {
		log_warnx("pki: revocation list from %s does not verify: %s", origin,
		          cn_strerror(rc));
		return CN_EVERIFY;
	}
	if ((rc = node_crl_persist(n, txn, origin, der, len)) != 0)
		return rc;
	n->crl_changed = 1;
	return 0;
}

/* An office below was closed (roles/roles_close.c): what is queued for it,
 * if it is a child, is dropped in the same transaction; it will never take
 * it, and the queue would stay pending for good. */
static int env_closed(void *arg, MDB_txn *txn, const char *office)
{
	struct node *n = arg;
	uint64_t queued = 0, c;
	int rc;

	for (unsigned l = 0; l < WIRE_LANES; l++) {
		if ((rc = outbox_pending(n->store, txn, office, l, &c)) != 0 ||
		    (rc = outbox_ack(n->store, txn, office, l, UINT64_MAX)) != 0)
			return rc;
		queued += c;
	}
	if (queued)
		log_notice("deliver %s: closed (撤销): %llu message(s) queued for it dropped", office,
		           (unsigned long long)queued);
	return 0;
}

/* The delivery engine sends over the link and has sessions rechecked. */
static int dv_send(void *arg, const char *peer_id, int is_parent, const Carenet__Frame *f)
{
	struct node *n = arg;
	return n->link ? link_send(n->link, peer_id, is_parent, f) : CN_ENOTREADY;
}

static void dv_recheck(void *arg)
{
	struct node *n = arg;

	if (n->crl_changed && n->link) {
		n->crl_changed = 0;
		link_recheck(n->link);
	}
}

/* Delivery charges a child's ban budget; the link owns bans. */
static void dv_penalize(void *arg, const char *peer_id, unsigned n)
{
	struct node *nd = arg;
	if (nd->link)
		link_penalize(nd->link, peer_id, n);
}

static int open_deliver(struct node *n)
{
	struct deliver_env env;

	memset(&env, 0, sizeof(env));
	env.arg = n;
	env.store = n->store;
	env.self = n->self;
	env.cfg = n->cfg;
	env.trust = n->trust;
	env.counters = n->counters;
	env.outbox_key = n->records_key;
	env.now = env_now;
	env.send = dv_send;
	env.recheck = dv_recheck;
	env.penalize = dv_penalize;
	return deliver_new(&env, &n->deliver);
}

static int make_policy(struct node *n)
{
	struct roles_policy *p = n->policy;

	if (!p && !(p = n->policy = calloc(1, sizeof(*p))))
		return CN_ENOMEM;
	_Static_assert(CONFIG_MAX_REMIND <= ROLES_MAX_REMIND, "deadline.remind fits the policy");
	memcpy(p->remind, n->cfg->remind_before, n->cfg->nremind * sizeof(p->remind[0]));
	p->nremind = n->cfg->nremind;
	p->auto_rectify = n->cfg->auto_rectify;
	p->rectify_after = (uint64_t)n->cfg->rectify_hours * 3600u;
	p->max_document = n->cfg->max_document;
	p->rollup = n->me->role == PKI_ROLE_COUNTY && n->cfg->parent_endpoint[0];
	p->report_ack[0] = n->cfg->report_ack_urgent_s;
	p->report_ack[1] = n->cfg->report_ack_high_s;
	p->report_ack[2] = n->cfg->report_ack_normal_s;
	snprintf(p->standards_dir, sizeof(p->standards_dir), "%s",
	         n->cfg->standards_dir ? n->cfg->standards_dir : "");
	snprintf(p->rollup_standards, sizeof(p->rollup_standards), "%s",
	         n->cfg->rollup_standards ? n->cfg->rollup_standards : "");
	return 0;
}

static int env_seal(void *arg, const void *ad, size_t adlen, const void *pt, size_t ptlen,
                    uint8_t **box, size_t *boxlen)
{
	return aead_seal(((struct node *)arg)->records_key, ad, adlen, pt, ptlen, box, boxlen);
}

static int env_open(void *arg, const void *ad, size_t adlen, const uint8_t *box, size_t boxlen,
                    uint8_t **pt, size_t *ptlen)
{
	return aead_open(((struct node *)arg)->records_key, ad, adlen, box, boxlen, pt, ptlen);
}

static int start_roles(struct node *n)
{
	struct roles_env env;
	int64_t off = 0;
	int rc;

	if (n->cfg->test_clock &&
	    store_meta_get(n->store, "clock_offset", &off, sizeof(off)) == (int)sizeof(off))
		n->clock_offset = off;
	if ((rc = make_policy(n)) != 0)
		return rc;
	if ((rc = open_deliver(n)) != 0 || (rc = move_links_start(n)) != 0)
		return rc;
	memset(&env, 0, sizeof(env));
	env.me = n->me;
	env.store = n->store;
	env.policy = n->policy;
	env.arg = n;
	env.now = env_now;
	env.emit = env_emit;
	env.write = env_write;
	env.crl_keep = env_crl_keep;
	env.trust = env_trust;
	env.seal = env_seal;
	env.open = env_open;
	env.closed = env_closed;
	if ((rc = roles_new(&env, &n->roles)) != 0)
		return rc;
	deliver_set_roles(n->deliver, n->roles);
	return 0;
}

int node_reload(struct node *n)
{
	struct config *cfg = NULL;
	struct pki_trust *trust = NULL;
	char err[512];
	int rc;

	if ((rc = config_load(n->cfg->path, &cfg, err, sizeof(err))) != 0) {
		log_warnx("reload: %s; keeping the running configuration", err);
		return rc;
	}
	if ((rc = load_trust(cfg, &trust)) != 0 || (rc = load_store_crls(n->store, trust)) != 0) {
		pki_trust_free(&trust);
		log_warnx("reload: revocation lists not usable; keeping the running configuration");
		config_free(&cfg);
		return rc;
	}
	if (strcmp(cfg->listen, n->cfg->listen) || strcmp(cfg->data_dir, n->cfg->data_dir) ||
	    strcmp(cfg->parent_endpoint, n->cfg->parent_endpoint) ||
	    strcmp(cfg->key_file, n->cfg->key_file) || strcmp(cfg->cert_file, n->cfg->cert_file))
		log_warnx("reload: listen, data_dir, parent and identity changes need a restart");
	/* Keep the settings that need a restart; take everything else. */
	free(cfg->listen);
	free(cfg->data_dir);
	free(cfg->parent_endpoint);
	cfg->listen = util_strdup(n->cfg->listen);
	cfg->data_dir = util_strdup(n->cfg->data_dir);
	cfg->parent_endpoint = util_strdup(n->cfg->parent_endpoint);
	if (!cfg->listen || !cfg->data_dir || !cfg->parent_endpoint) {
		config_free(&cfg);
		pki_trust_free(&trust);
		return CN_ENOMEM;
	}
	config_free(&n->cfg);
	n->cfg = cfg;
	pki_trust_free(&n->trust);
	n->trust = trust;
	make_policy(n);
	n->crl_checked = 0; /* warn again with what was reloaded */
	log_setlevel((enum log_level)cfg->log_level);
	log_set_timezone(cfg->timezone);
	link_configure(n->link, n->cfg, n->trust);
	deliver_configure(n->deliver, n->cfg, n->trust);
	link_recheck(n->link);
	n->failover.after_us = cfg->report_failover_s * 1000000u;
	log_info("reload: configuration %s reloaded (%zu CRLs, %zu revoked serials)", cfg->path,
	         cfg->ncrl, pki_trust_revoked_count(trust));
	return 0;
}

struct ckpt_arg {
	struct node *n;
	int force, made;
};

static int checkpoint_txn(MDB_txn *txn, void *arg)
{
	struct ckpt_arg *a = arg;
	const struct config *c = a->n->cfg;

	return roles_checkpoint(a->n->roles, txn, (uint64_t)c->checkpoint_entries,
	                        (uint64_t)c->checkpoint_minutes * 60u, a->force, &a->made);
}

/* This office's audit checkpoint, when due (roles decide), to the parent;
 * force: whatever the log grew by (a clean stop). */
static void node_checkpoint(struct node *n, int force)
{
	struct ckpt_arg a = {n, force, 0};
	int rc;

	if (!n->roles || !n->deliver || n->me->role == PKI_ROLE_COUNTY ||
	    pki_role_above_county(n->me->role))
		return;
	if ((rc = deliver_write(n->deliver, checkpoint_txn, &a)) != 0)
		log_warnx("node: audit checkpoint not made: %s", cn_strerror(rc));
	else if (a.made)
		log_debug("node: audit checkpoint queued for the parent");
}

size_t node_crls(const struct node *n, struct pki_crl_info *out, const char **state, size_t max)
{
	size_t nc = pki_trust_crls(n->trust, out, max);
	int64_t now = (int64_t)node_now(n);

	for (size_t i = 0; i < nc && i < max; i++) {
		int64_t next = (int64_t)out[i].next_update;
		state[i] = !next || now < next - NODE_CRL_WARN ? "ok"
		           : now <= next                       ? "expiring"
		                                               : "stale";
	}
	return nc;
}

/* Warns, at start and then hourly, of revocation lists near or past their
 * next update: a CA that stopped signing them, or a parent holding back the
 * one that revokes it. */
static void node_crl_check(struct node *n)
{
	struct pki_crl_info crl[16];
	const char *state[16];
	uint64_t now = node_now(n);
	size_t nc;
	char when[40];

	if (n->crl_checked && now < n->crl_checked + 3600 && now >= n->crl_checked)
		return;
	n->crl_checked = now;
	nc = node_crls(n, crl, state, 16);
	for (size_t i = 0; i < nc && i < 16; i++) {
		if (strcmp(state[i], "ok") == 0)
			continue;
		util_fmt_time((uint64_t)crl[i].next_update, n->cfg->timezone, when, sizeof(when));
		log_warnx("pki: the revocation list of %s (number %lld) %s at %s (%s): have its CA "
		          "sign a new one ('carenet ca crl') and publish it ('carenet crl publish')%s",
		          crl[i].scope, (long long)crl[i].number,
		          strcmp(state[i], "stale") == 0 ? "expired" : "expires", when,
		          n->cfg->timezone,
		          n->cfg->crl_grace_days ? "; its certificates are refused after the grace"
		                                 : "");
	}
}

static void node_loop(struct node *n)
{
	zmq_pollitem_t items[10];
	size_t nl;
	long timeout = 0;

	while (!node_sig_stop) {
		if (node_sig_reload) {
			node_sig_reload = 0;
			sdnotify("RELOADING=1");
			node_reload(n);
			sdnotify("READY=1");
		}
		nl = link_pollitems(n->link, items, 9);
		items[nl].socket = control_socket(n->control);
		items[nl].fd = 0;
		items[nl].events = ZMQ_POLLIN;
		items[nl].revents = 0;
		if (zmq_poll(items, (int)nl + 1, timeout) < 0) {
			if (errno == EINTR)
				continue;
			log_warnx("node: zmq_poll: %s", zmq_strerror(errno));
			break;
		}
		/* Operators first: a request waits for at most one turn's
		 * bounded work (deliver_flush), never behind peers' traffic. */
		control_serve(n->control, NODE_CONTROL_BURST);
		link_handle(n->link, items, nl, deliver_backlog(n->deliver) < DELIVER_BACKLOG_MAX);
		deliver_flush(n->deliver);
		node_failover(n);
		if (util_mono_us() >= n->next_checkpoint_us) {
			node_checkpoint(n, 0);
			/* What a burst freed goes back to the system: 300 idle
			 * villages on one box add up (docs/benchmarks.md, issue 13). */
			malloc_trim(0);
			n->next_checkpoint_us = util_mono_us() + NODE_CHECKPOINT_POLL_MS * 1000u;
		}
		node_crl_check(n);
		log_repeats_flush(0);
		node_summary_tick(n);
		timeout = node_next_ms(n, link_tick(n->link));
		if (deliver_timeout(n->deliver) < timeout)
			timeout = deliver_timeout(n->deliver);
		timeout = node_watchdog(n, timeout);
	}
}

static void node_free(struct node *n)
{
	control_close(&n->control);
	health_free(&n->health);
	link_close(&n->link);
	roles_free(&n->roles);
	deliver_free(&n->deliver);
	free(n->policy);
	n->policy = NULL;
	if (n->zctx)
		zmq_ctx_term(n->zctx);
	store_close(&n->store);
	pki_trust_free(&n->trust);
	pki_self_free(&n->self);
	OPENSSL_cleanse(n->records_key, sizeof(n->records_key));
	config_free(&n->cfg);
	if (n->lock_fd > 0)
		close(n->lock_fd);
}

/* One node per data_dir: an exclusive lock held for the node's life. */
static int lock_data_dir(struct node *n)
{
	char *path = util_path_join(n->cfg->data_dir, "node.lock");
	int rc = 0;

	if (!path)
		return CN_ENOMEM;
	n->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (n->lock_fd < 0) {
		log_warn("node: cannot open %s", path);
		rc = CN_EIO;
	} else if (flock(n->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		log_error("node: another carenet node is running with data_dir %s; stop it first",
		          n->cfg->data_dir);
		rc = CN_EPERM;
	}
	free(path);
	return rc;
}

static int node_start(struct node *n)
{
	char status[128];
	int rc;

	if ((rc = load_identity(n)) != 0)
		return rc;
	log_init((enum log_level)n->cfg->log_level, n->me->id);
	log_set_timezone(n->cfg->timezone);
	if ((rc = load_records_key(n)) != 0)
		return rc;
	if ((rc = store_open(n->cfg->data_dir, n->cfg->map_size, &n->store)) != 0) {
		log_error("store: cannot open %s: %s", n->cfg->data_dir, cn_strerror(rc));
		return rc;
	}
	if ((rc = lock_data_dir(n)) != 0 || (rc = check_store_owner(n)) != 0)
		return rc;
	if ((rc = load_store_crls(n->store, n->trust)) != 0 || (rc = start_roles(n)) != 0)
		return rc;
	if (!(n->zctx = zmq_ctx_new()))
		return CN_ENOMEM;
	if ((rc = open_link(n)) != 0)
		return rc;
	node_failover_start(n);
	if ((rc = node_control_open(n)) != 0)
		return rc;
	n->started = node_now(n);
	log_info("node: %s (%s, %s) running, pid %d", n->me->id, pki_role_name(n->me->role),
	         n->me->name, (int)getpid());
	/* Listening and the parent's connection under way: ready for systemd
	 * (Type=notify), which starts what is ordered after the unit now. */
	snprintf(status, sizeof(status), "READY=1\nSTATUS=%s %s running\nMAINPID=%d",
	         pki_role_name(n->me->role), n->me->id, (int)getpid());
	if (sdnotify(status) != 0)
		log_warnx("node: cannot notify systemd at NOTIFY_SOCKET=%s", getenv("NOTIFY_SOCKET"));
	n->watchdog_us = sdnotify_watchdog_us();
	n->next_watchdog_us = util_mono_us();
	return 0;
}

int node_check(const struct config *cfg, char *id, size_t idlen, enum pki_role *role)
{
	struct node n;
	int rc;

	memset(&n, 0, sizeof(n));
	n.cfg = (struct config *)cfg; /* not freed here: node_free sees NULL */
	if ((rc = load_identity(&n)) == 0) {
		snprintf(id, idlen, "%s", n.me->id);
		*role = n.me->role;
	}
	n.cfg = NULL;
	node_free(&n);
	return rc;
}

int node_run(struct config **cfg)
{
	struct node n;
	int rc;

	memset(&n, 0, sizeof(n));
	n.cfg = *cfg;
	*cfg = NULL;
	install_signals();
	/* One malloc arena: ZeroMQ's I/O thread (it allocates every received
	 * message) would otherwise keep a second heap of its own, resident
	 * after a burst. The node is one thread plus that one. */
	mallopt(M_ARENA_MAX, 1);
	if ((rc = node_start(&n)) == 0) {
		node_loop(&n);
		sdnotify("STOPPING=1");
		log_repeats_flush(1);
		log_info("node: stopping");
		node_checkpoint(&n, 1); /* sent to the parent at the next start */
	}
	node_free(&n);
	return rc;
}

/*
 * test_statuses: statuses flowing up to the issuer's matrix, the operator's
 * acks and the ones refused (and their times bounded by the receiver's
 * clock), and announces of new offices below, each checked against the
 * announced office's certificate chain (a small real PKI made here).
 * Uses the seven offices and the story of tests/roles_fixture.h.
 */
#include "err.h"
#include "pki.h"
#include "pki_issue.h"
#include "roles_fixture.h"
#include "registry.h"
#include "store.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static void test_status(void)
{
	struct apply_ctx a;
	Carenet__ControlReply *rep;
	const Carenet__TargetView *t;
	size_t i;

	CHECK(apply(&t1, &v11, 0, V11, &a) == 0 && a.route.up == 1);
	CHECK(row_state(&t1, task, V11, NULL, NULL) == STATE_DELIVERED);
	CHECK(apply(&county, &v11, 0, T1, &a) == 0 && a.route.up == 0);
	CHECK(row_state(&county, task, V11, NULL, NULL) == STATE_DELIVERED);
	CHECK(apply(&county, &v12, 0, T1, NULL) == 0);
	CHECK(apply(&county, &v21, 0, T2, NULL) == 0);
	CHECK(apply(&county, &v22, 0, T2, NULL) == 0);
	CHECK(row_state(&county, task, V22, NULL, NULL) == STATE_DELIVERED);

	CHECK(ack(&v11, task, STATE_ACCEPTED, "收到", 0) == 0 && v11.nitems == 2);
	CHECK(apply(&county, &v11, 1, T1, NULL) == 0);
	CHECK(row_state(&county, task, V11, NULL, NULL) == STATE_ACCEPTED);
	/* A late "delivered" never takes a row back. */
	CHECK(apply(&county, &v11, 0, T1, NULL) == 0);
	CHECK(row_state(&county, task, V11, NULL, NULL) == STATE_ACCEPTED);

	CHECK(ack(&v12, task, STATE_DONE, "all 37 records verified", 1) == 0);
	CHECK(apply(&county, &v12, v12.nitems - 1, T1, NULL) == 0);
	rep = query(&county, "directive.show", task, NULL);
	t = row_of(rep, V12);
	CHECK(t && t->state == STATE_DONE && strcmp(t->note, "all 37 records verified") == 0);
	CHECK(t && t->n_evidence == 1 && t->evidence[0]->size == 1234 &&
	      t->evidence[0]->sha256.len == 32);
	done(rep);

	/* Acks the node refuses. */
	CHECK(ack(&v11, "530102-99", STATE_ACCEPTED, "", 0) == CN_ENOTFOUND);
	CHECK(ack(&v11, task, 9, "", 0) == CN_EINVAL);
	CHECK(ack(&v11, task, STATE_DELIVERED, "", 0) == CN_EINVAL);
	CHECK(ack(&v11, task, STATE_UNABLE, "", 0) == CN_EINVAL);
	CHECK(v11.nitems == 2);

	/* Statuses the issuer refuses: not a target, bad state, unknown directive. */
	i = craft_status(&t1, task, STATE_ACCEPTED);
	CHECK(apply(&county, &t1, i, T1, NULL) == CN_ESCOPE);
	i = craft_status(&v21, task, 7);
	CHECK(apply(&county, &v21, i, T2, NULL) == CN_EINVAL);
	i = craft_status(&v21, "530102-77", STATE_ACCEPTED);
	CHECK(apply(&county, &v21, i, T2, NULL) == CN_ENOTFOUND);
	i = craft_status(&county, task, STATE_ACCEPTED);
	CHECK(apply(&t1, &county, i, C, NULL) == CN_ESCOPE); /* statuses go up only */
	drop_after(&t1, 0, 0);
	drop_after(&v21, 1, 1);
	drop_after(&county, 1, 1);
	CHECK(row_state(&county, task, V21, NULL, NULL) == STATE_DELIVERED);
}

/* A village's status carries its own clock: the matrix keeps it as
 * reported, but changed_at is bounded by the receiver's clock (not after
 * now + 5 min, not before the directive). */
static void test_status_time(void)
{
	struct apply_ctx a;
	Carenet__ControlReply *rep;
	const Carenet__TargetView *t;
	size_t i;

	i = craft_status(&v22, task, STATE_IN_PROGRESS);
	{
		/* the same status, claiming a time 30 days ahead */
		Carenet__Item *it = item_at(&v22, i);
		it->created = clock_now + 30 * DAY;
		free(v22.item[i]);
		v22.len[i] = carenet__item__get_packed_size(it);
		v22.item[i] = malloc(v22.len[i]);
		carenet__item__pack(it, v22.item[i]);
		carenet__item__free_unpacked(it, NULL);
	}
	CHECK(apply(&county, &v22, i, T2, &a) == 0);
	rep = query(&county, "directive.show", task, NULL);
	t = row_of(rep, V22);
	CHECK(t && t->state == STATE_IN_PROGRESS);
	CHECK(t && t->changed_at == clock_now);                 /* bounded to now */
	CHECK(t && t->reported_at == clock_now + 30 * DAY);     /* kept as reported */
	done(rep);
	CHECK(audited(&county, "status", task) > 0);

	/* One claiming a time before the directive existed: the directive's time. */
	i = craft_status(&v21, task, STATE_ACCEPTED);
	{
		Carenet__Item *it = item_at(&v21, i);
		it->created = 1000;
		free(v21.item[i]);
		v21.len[i] = carenet__item__get_packed_size(it);
		v21.item[i] = malloc(v21.len[i]);
		carenet__item__pack(it, v21.item[i]);
		carenet__item__free_unpacked(it, NULL);
	}
	CHECK(apply(&county, &v21, i, T2, &a) == 0);
	rep = query(&county, "directive.show", task, NULL);
	t = row_of(rep, V21);
	CHECK(t && t->changed_at == rep->directives[0]->created && t->reported_at == 1000);
	done(rep);

	/* Within the skew: as reported. */
	i = craft_status(&v21, task, STATE_DONE);
	CHECK(apply(&county, &v21, i, T2, &a) == 0);
	rep = query(&county, "directive.show", task, NULL);
	t = row_of(rep, V21);
	CHECK(t && t->changed_at == clock_now && t->reported_at == clock_now);
	done(rep);
}

/* ---- a small real PKI: root 53, county CA 530102, offices' certificates */

static char pki_dir[64];
static struct pki_ca *county_ca;
static char *county_ca_pem;

static const char *pk(const char *name)
{
	static char b[4][256];
	static int n;
	char *p = b[n++ % 4];
	snprintf(p, 256, "%s/%s", pki_dir, name);
	return p;
}

static int write_pem(const char *path, const char *pem)
{
	FILE *f = fopen(path, "w");
	int ok = f && fputs(pem, f) >= 0;
	if (f)
		fclose(f);
	return ok ? 0 : CN_EIO;
}

/* Issues with ca the request for params (keys made under pki_dir/tag). */
static char *issue_pem(struct pki_ca *ca, const char *tag, const struct pki_req_params *p0)
{
	struct pki_req_params p = *p0;
	struct pki_req *req = NULL;
	char key[256], curve[256], *rq = NULL, *pem = NULL, serial[64], why[256] = "";
	time_t now = time(NULL);

	snprintf(key, sizeof(key), "%s", pk(tag));
	strcat(key, ".key");
	snprintf(curve, sizeof(curve), "%s", pk(tag));
	strcat(curve, ".curve");
	if (!p.is_ca) {
		CHECK(pki_curve_generate(curve) == 0);
		p.curve_path = curve;
	}
	CHECK(pki_key_generate(key, NULL, why, sizeof(why)) == 0);
	CHECK(pki_req_create(key, &p, &rq, why, sizeof(why)) == 0);
	CHECK(rq && pki_req_parse(rq, strlen(rq), &req, why, sizeof(why)) == 0);
	if (req)
		CHECK(pki_ca_issue(ca, req, now - 60, now + 30 * 86400, &pem, serial, why,
		                   sizeof(why)) == 0);
	if (!pem)
		fprintf(stderr, "issue %s: %s\n", tag, why);
	pki_req_free(&req);
	free(rq);
	return pem;
}

static void pki_begin(void)
{
	struct pki_ca *root = NULL;
	struct pki_req_params cp = {.scope = C, .name = "county CA", .is_ca = 1};
	char *pem = NULL, why[256] = "";
	time_t now = time(NULL);

	snprintf(pki_dir, sizeof(pki_dir), "/tmp/test_statuses_pki.XXXXXX");
	CHECK(mkdtemp(pki_dir) != NULL);
	CHECK(pki_key_generate(pk("root.key"), NULL, why, sizeof(why)) == 0);
	CHECK(pki_root_create(pk("root.key"), NULL, "53", "test root", now - 60, now + 60 * 86400, &pem,
	                      why, sizeof(why)) == 0);
	CHECK(pem && write_pem(pk("root.pem"), pem) == 0);
	free(pem);
	CHECK(pki_trust_new(pk("root.pem"), &fx_trust) == 0);
	CHECK(pki_ca_load(pk("root.key"), NULL, pk("root.pem"), &root, why, sizeof(why)) == 0);
	county_ca_pem = root ? issue_pem(root, "ca", &cp) : NULL;
	CHECK(county_ca_pem && write_pem(pk("ca.pem"), county_ca_pem) == 0);
	CHECK(pki_ca_load(pk("ca.key"), NULL, pk("ca.pem"), &county_ca, why, sizeof(why)) == 0);
	pki_ca_free(&root);
}

static void pki_end(void)
{
	char cmd[128];
	pki_ca_free(&county_ca);
	pki_trust_free(&fx_trust);
	free(county_ca_pem);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", pki_dir);
	CHECK(system(cmd) == 0);
}

/* The DER chain (leaf, county CA) of a new certificate for id. */
struct chain {
	uint8_t **der;
	size_t *len, n;
};

static struct chain office_chain(const char *id)
{
	struct pki_req_params p = {.id = id, .name = "新村"};
	struct chain c = {0};
	char *leaf = county_ca ? issue_pem(county_ca, id, &p) : NULL, *both;

	if (!leaf)
		return c;
	both = malloc(strlen(leaf) + strlen(county_ca_pem) + 1);
	strcpy(both, leaf);
	strcat(both, county_ca_pem);
	CHECK(pki_pem_to_der(both, strlen(both), &c.der, &c.len, &c.n) == 0 && c.n == 2);
	free(both);
	free(leaf);
	return c;
}

static int regget_txn(MDB_txn *txn, void *arg)
{
	char name[PKI_NAME_MAX];
	int rc = registry_get(county.st, txn, "530102001003", arg, name, sizeof(name));
	return rc == 0 && strcmp(name, "新村") != 0 ? CN_EINVAL : rc;
}

static int regnone_txn(MDB_txn *txn, void *arg)
{
	char name[PKI_NAME_MAX];
	enum pki_role role;
	return registry_get(county.st, txn, arg, &role, name, sizeof(name));
}

/* An announce of id by t1, carrying chain c (or none). */
static int announce(const char *id, const char *role, const struct chain *c, char *why)
{
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__Announce an = CARENET__ANNOUNCE__INIT;
	ProtobufCBinaryData bin[4];
	struct apply_ctx a;
	int rc;

	an.id = (char *)id;
	an.role = (char *)role;
	an.name = "新村";
	for (size_t k = 0; c && k < c->n && k < 4; k++)
		bin[k] = (ProtobufCBinaryData){c->len[k], c->der[k]};
	an.chain = bin;
	an.n_chain = c ? c->n : 0;
	it.body_case = CARENET__ITEM__BODY_ANNOUNCE;
	it.announce = &an;
	rc = apply(&county, &t1, craft(&t1, &it), T1, &a);
	if (why)
		snprintf(why, 512, "%s", a.why);
	return rc;
}

static void test_announce(void)
{
	enum pki_role role = PKI_ROLE_NONE;
	struct chain v13, v14, v23, bad;
	char why[512];

	pki_begin();
	v13 = office_chain("530102001003");
	v14 = office_chain("530102001004");
	v23 = office_chain("530102002003");

	/* A forged office: no certificate at all. Refused, not registered. */
	CHECK(announce("530102001099", "village", NULL, why) == CN_EVERIFY);
	CHECK(strstr(why, "without its certificate chain") != NULL);
	/* Another office's real chain for a made-up id. */
	CHECK(announce("530102001099", "village", &v13, why) == CN_EVERIFY);
	CHECK(strstr(why, "the chain is the certificate of 530102001003") != NULL);
	/* A chain that does not verify (its leaf's bytes changed). */
	bad = office_chain("530102001005");
	if (bad.n)
		bad.der[0][bad.len[0] / 2] ^= 0x01;
	CHECK(announce("530102001005", "village", &bad, why) == CN_EVERIFY);
	CHECK(strstr(why, "does not verify") != NULL);
	/* A real office that is not below the announcing township. */
	CHECK(announce("530102002003", "village", &v23, why) == CN_EINVAL);
	CHECK(store_read(county.st, regnone_txn, "530102001099") == CN_ENOTFOUND);
	CHECK(store_read(county.st, regnone_txn, "530102001005") == CN_ENOTFOUND);
	CHECK(store_read(county.st, regnone_txn, "530102002003") == CN_ENOTFOUND);

	/* The real office, with its own chain: registered. */
	CHECK(announce("530102001003", "village", &v13, why) == 0);
	CHECK(store_read(county.st, regget_txn, &role) == 0 && role == PKI_ROLE_VILLAGE);
	/* Without a trust store nothing is believed. */
	{
		struct pki_trust *keep = fx_trust;
		fx_trust = NULL;
		CHECK(announce("530102001004", "village", &v14, why) == CN_EVERIFY);
		fx_trust = keep;
	}
	CHECK(announce("530102001004", "village", &v14, why) == 0);

	pki_der_list_free(&v13.der, &v13.len, v13.n);
	pki_der_list_free(&v14.der, &v14.len, v14.n);
	pki_der_list_free(&v23.der, &v23.len, v23.n);
	pki_der_list_free(&bad.der, &bad.len, bad.n);
	pki_end();
}

static size_t craft_revocation(struct office *o, const char *crl)
{
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__Revocation rv = CARENET__REVOCATION__INIT;

	rv.crl.data = (uint8_t *)crl;
	rv.crl.len = strlen(crl);
	it.body_case = CARENET__ITEM__BODY_REVOCATION;
	it.revocation = &rv;
	return craft(o, &it);
}

/* Revocations: only this office's county sends them, only downwards; the
 * list reaches the node's keeper, and a list it refuses is refused. */
static void test_revocation(void)
{
	struct apply_ctx a;
	size_t i;

	crls_kept = 0;
	i = craft_revocation(&county, "crl-der");
	CHECK(apply(&t1, &county, i, C, &a) == 0 && a.route.all_children && !a.route.up);
	CHECK(crls_kept == 1 && strcmp(crl_origin, C) == 0);
	CHECK(apply(&v11, &county, i, T1, &a) == 0 && a.route.all_children && crls_kept == 2);
	/* Sent back up from below, or published by a township: refused. */
	CHECK(apply(&t1, &county, i, V11, &a) == CN_EROLE && strstr(a.why, "county"));
	i = craft_revocation(&t1, "crl-der");
	CHECK(apply(&v11, &t1, i, T1, &a) == CN_EROLE);
	i = craft_revocation(&county, "");
	CHECK(apply(&t1, &county, i, C, &a) == CN_EINVAL);
	i = craft_revocation(&county, "bad-crl");
	CHECK(apply(&t1, &county, i, C, &a) == CN_EVERIFY && strstr(a.why, "does not verify"));
	CHECK(crls_kept == 2);
}

/* ---- audit checkpoints: a village's go to its township, which compares */

struct mk {
	struct office *o;
	int force, made;
};

static int mk_txn(MDB_txn *txn, void *arg)
{
	struct mk *m = arg;
	return roles_checkpoint(m->o->roles, txn, 1000, 3600, m->force, &m->made);
}

/* A checkpoint item of o with these fields (hash bytes all b / pb). */
static size_t craft_ckpt(struct office *o, uint64_t seq, uint8_t b, uint64_t prev, uint8_t pb)
{
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__Checkpoint cp = CARENET__CHECKPOINT__INIT;
	uint8_t h[32], ph[32];

	memset(h, b, sizeof(h));
	memset(ph, pb, sizeof(ph));
	cp.seq = seq;
	cp.head = (ProtobufCBinaryData){32, h};
	cp.prev_seq = prev;
	if (prev)
		cp.prev_hash = (ProtobufCBinaryData){32, ph};
	it.body_case = CARENET__ITEM__BODY_CHECKPOINT;
	it.checkpoint = &cp;
	return craft(o, &it);
}

static int alerts_n;
static char alert_last[1024];

static int on_alert(const char *text, void *arg)
{
	(void)arg;
	alerts_n++;
	snprintf(alert_last, sizeof(alert_last), "%s", text);
	return 0;
}

static int alerts_txn(MDB_txn *txn, void *arg)
{
	alerts_n = 0;
	return roles_alerts(arg, txn, on_alert, NULL);
}

static void test_checkpoints(void)
{
	struct mk m = {&v12, 0, 0};
	struct apply_ctx a;
	long i;

	/* Not due (1000 entries, an hour) unless forced; then one, and not again. */
	CHECK(f_write(&v12, mk_txn, &m) == 0 && m.made == 1); /* the first: none before */
	CHECK((i = find_last(&v12, CARENET__ITEM__BODY_CHECKPOINT)) >= 0);
	CHECK(apply(&t1, &v12, (size_t)i, V12, &a) == 0 && !a.route.up);
	m.made = 0;
	CHECK(f_write(&v12, mk_txn, &m) == 0 && m.made == 0);
	m.force = 1;
	CHECK(f_write(&v12, mk_txn, &m) == 0 && m.made == 0); /* the log did not grow */
	CHECK(store_read(t1.st, alerts_txn, t1.roles) == 0 && alerts_n == 0);
	/* Only a direct child, on its own behalf: not relayed, not from below that. */
	CHECK(apply(&county, &v12, (size_t)i, T1, &a) == CN_ESCOPE);
	CHECK(apply(&t2, &v12, (size_t)i, V12, &a) == CN_ESCOPE);

	/* V11's forged history: checkpoints at 10 then 20, then one at 15. */
	CHECK(apply(&t1, &v11, craft_ckpt(&v11, 10, 0xaa, 0, 0), V11, &a) == 0);
	CHECK(apply(&t1, &v11, craft_ckpt(&v11, 20, 0xbb, 10, 0xaa), V11, &a) == 0);
	CHECK(store_read(t1.st, alerts_txn, t1.roles) == 0 && alerts_n == 0);
	CHECK(apply(&t1, &v11, craft_ckpt(&v11, 15, 0xcc, 20, 0), V11, &a) == 0);
	CHECK(store_read(t1.st, alerts_txn, t1.roles) == 0 && alerts_n == 1);
	CHECK(strstr(alert_last, V11 ": audit log truncated") == alert_last);
	CHECK(strstr(alert_last, "entries 16 to 20 gone") != NULL);
	/* Its log at 10 now says otherwise: rewritten. */
	CHECK(apply(&t1, &v11, craft_ckpt(&v11, 30, 0xdd, 10, 0xee), V11, &a) == 0);
	CHECK(store_read(t1.st, alerts_txn, t1.roles) == 0 && alerts_n == 1);
	CHECK(strstr(alert_last, "audit log rewritten: its hash at entry 10") != NULL);
	CHECK(audited(&t1, "checkpoint-alert", V11) == 2);
	/* Malformed: refused. */
	CHECK(apply(&t1, &v11, craft_ckpt(&v11, 0, 0xdd, 0, 0), V11, &a) == CN_EINVAL);
}

/* A status that reaches a township before its directive (the township's
 * store restored from a backup: its villages re-send statuses while the
 * county re-sends the directive) is kept, not refused, sent no further, and
 * applied when the directive arrives; one of a directive the township
 * issued itself is refused as before (nobody will send it again). */
static void test_kept_until_directive(void)
{
	struct apply_ctx a;
	size_t i = craft_status(&v12, task, STATE_DONE);

	CHECK(apply(&t1, &v12, i, V12, &a) == 0 && !a.route.up && a.ntargets == 0);
	CHECK(row_state(&t1, task, V12, NULL, NULL) == -1);
	drop_after(&v12, 0, 0);
	i = craft_status(&v12, "530102001-77", STATE_DONE);
	CHECK(apply(&t1, &v12, i, V12, &a) == CN_ENOTFOUND && strstr(a.why, "unknown here"));
	drop_after(&v12, 0, 0);
	CHECK(apply(&t1, &county, 0, C, NULL) == 0); /* the task arrives */
	CHECK(row_state(&t1, task, V12, NULL, NULL) == STATE_DONE);
	CHECK(audited(&t1, "status", task) == 1);
	CHECK(apply(&t1, &county, 0, C, NULL) == 0); /* a replay: nothing kept twice */
	CHECK(row_state(&t1, task, V12, NULL, NULL) == STATE_DONE);
}

int main(void)
{
	fx_begin("test_statuses");
	CHECK(story_issue_task(NULL) == 0);
	test_kept_until_directive();
	story_deliver_task();
	test_status();
	test_status_time();
	test_announce();
	test_revocation();
	test_checkpoints();
	failures += fx_end();
	if (failures)
		fprintf(stderr, "test_statuses: %d failures\n", failures);
	return failures ? 1 : 0;
}

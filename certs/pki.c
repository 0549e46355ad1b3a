/*
 * pki: the trust store (root, known CAs, CRLs, a cache of verified chains)
 * and chain verification. Ids: office.c; certificate parsing and key files:
 * pki_x509.c; own credentials: pki_self.c; the issuing side: pki_issue.c.
 */
#include "pki.h"
#include "pki_int.h"
#include "arr.h"
#include "err.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#define CACHE_MAX 4096
#define CACHE_SLOTS 8192 /* power of two, > CACHE_MAX */
#define KNOWN_CA_MAX 1024
#define PEM_MAX (1u << 20)

/* ------------------------------------------------------ trust store */

struct known_ca {
	X509 *cert;
	char scope[PKI_ID_MAX];
};

struct crl_state { /* newest CRL seen per issuer scope */
	char scope[PKI_ID_MAX];
	int64_t number;
	time_t last_update;
	time_t next_update; /* 0: the CRL has none */
};

struct revoked {
	char scope[PKI_ID_MAX];
	char serial[64];
};

struct cache_ent {
	uint8_t fp[32];
	struct pki_identity ident;
	time_t from, until; /* validity of the whole chain */
};

struct pki_trust {
	X509_STORE *store;
	X509 *root;
	char root_scope[PKI_ID_MAX];
	time_t now; /* 0: real clock */
	time_t crl_grace; /* 0: stale CRLs are not refused */
	struct known_ca *cas;
	size_t ncas, cas_cap;
	struct crl_state *crls;
	size_t ncrls, crls_cap;
	struct revoked *revs;
	size_t nrevs, revs_cap;
	struct cache_ent *cache; /* CACHE_MAX entries, allocated on first use */
	size_t ncache;
	int32_t *slots; /* CACHE_SLOTS: index+1 into cache, 0 = empty */
};

static void chain_free(STACK_OF(X509) * sk)
{
	sk_X509_pop_free(sk, X509_free);
}

static time_t trust_now(const struct pki_trust *t)
{
	return t->now ? t->now : time(NULL);
}

static void cache_drop(struct pki_trust *t)
{
	t->ncache = 0;
	if (t->slots)
		memset(t->slots, 0, CACHE_SLOTS * sizeof(*t->slots));
}

static uint32_t cache_hash(const uint8_t fp[32])
{
	return ((uint32_t)fp[0] | (uint32_t)fp[1] << 8 | (uint32_t)fp[2] << 16) & (CACHE_SLOTS - 1);
}

static struct cache_ent *cache_find(struct pki_trust *t, const uint8_t fp[32])
{
	if (!t->slots)
		return NULL;
	for (uint32_t h = cache_hash(fp);; h = (h + 1) & (CACHE_SLOTS - 1)) {
		int32_t i = t->slots[h];
		if (i == 0)
			return NULL;
		if (memcmp(t->cache[i - 1].fp, fp, 32) == 0)
			return &t->cache[i - 1];
	}
}

static void cache_put(struct pki_trust *t, const uint8_t fp[32], const struct pki_identity *id,
                      time_t from, time_t until)
{
	uint32_t h;

	if (!t->cache) {
		t->cache = malloc(CACHE_MAX * sizeof(*t->cache));
		t->slots = calloc(CACHE_SLOTS, sizeof(*t->slots));
		if (!t->cache || !t->slots) {
			free(t->cache);
			free(t->slots);
			t->cache = NULL;
			t->slots = NULL;
			return; /* no cache: every chain is verified again */
		}
	}
	if (t->ncache >= CACHE_MAX)
		cache_drop(t);
	for (h = cache_hash(fp); t->slots[h] != 0; h = (h + 1) & (CACHE_SLOTS - 1))
		;
	memcpy(t->cache[t->ncache].fp, fp, 32);
	t->cache[t->ncache].ident = *id;
	t->cache[t->ncache].from = from;
	t->cache[t->ncache].until = until;
	t->slots[h] = (int32_t)++t->ncache;
}

int pki_trust_new_pem(const char *pem, size_t len, struct pki_trust **out)
{
	struct pki_trust *t;
	struct pki_identity id;
	char why[256];
	int is_ca = 0, rc = CN_EINVAL;

	*out = NULL;
	if (!(t = calloc(1, sizeof(*t))))
		return CN_ENOMEM;
	if (!(t->root = pki_x509_from_pem(pem, len))) {
		log_warnx("pki: root: no PEM certificate");
		goto out;
	}
	if (pki_x509_identity(t->root, &id, &is_ca, why, sizeof(why)) != 0 || !is_ca ||
	    !(X509_get_extension_flags(t->root) & EXFLAG_SS) ||
	    X509_verify(t->root, X509_get0_pubkey(t->root)) != 1) {
		log_warnx("pki: root: not a self-signed carenet CA certificate%s%s",
		          is_ca ? ": " : "", is_ca ? why : "");
		ERR_clear_error();
		goto out;
	}
	snprintf(t->root_scope, sizeof(t->root_scope), "%s", id.scope);
	rc = CN_ENOMEM;
	if (!(t->store = X509_STORE_new()) || !X509_STORE_add_cert(t->store, t->root))
		goto out;
	rc = 0;
	*out = t;
	t = NULL;
out:
	pki_trust_free(&t);
	return rc;
}

int pki_trust_new(const char *root_pem_path, struct pki_trust **out)
{
	uint8_t *buf = NULL;
	size_t len;
	int rc;

	*out = NULL;
	if ((rc = util_read_file(root_pem_path, PEM_MAX, &buf, &len)) != 0) {
		log_warnx("pki: cannot read root certificate %s: %s", root_pem_path,
		          cn_strerror(rc));
		return rc;
	}
	rc = pki_trust_new_pem((char *)buf, len, out);
	free(buf);
	return rc;
}

void pki_trust_free(struct pki_trust **trust)
{
	struct pki_trust *t = *trust;

	if (!t)
		return;
	for (size_t i = 0; i < t->ncas; i++)
		X509_free(t->cas[i].cert);
	free(t->cas);
	free(t->crls);
	free(t->revs);
	free(t->cache);
	free(t->slots);
	X509_free(t->root);
	X509_STORE_free(t->store);
	free(t);
	*trust = NULL;
}

const char *pki_trust_root_scope(const struct pki_trust *trust)
{
	return trust->root_scope;
}

void pki_trust_set_time(struct pki_trust *trust, time_t now)
{
	trust->now = now;
	cache_drop(trust);
}

size_t pki_trust_crls(const struct pki_trust *trust, struct pki_crl_info *out, size_t max)
{
	for (size_t i = 0; i < trust->ncrls && i < max; i++) {
		const struct crl_state *c = &trust->crls[i];
		snprintf(out[i].scope, sizeof(out[i].scope), "%s", c->scope);
		out[i].number = c->number;
		out[i].last_update = c->last_update;
		out[i].next_update = c->next_update;
	}
	return trust->ncrls;
}

void pki_trust_set_crl_grace(struct pki_trust *trust, time_t grace)
{
	trust->crl_grace = grace;
	cache_drop(trust);
}

/* The moment after which certificates of issuer scope are refused for a
 * stale CRL; 0: never (no grace set, no CRL held, or none with nextUpdate). */
static time_t crl_deadline(const struct pki_trust *t, const char *scope)
{
	if (!t->crl_grace)
		return 0;
	for (size_t i = 0; i < t->ncrls; i++)
		if (strcmp(t->crls[i].scope, scope) == 0 && t->crls[i].next_update)
			return t->crls[i].next_update + t->crl_grace;
	return 0;
}

size_t pki_trust_revoked_count(const struct pki_trust *trust)
{
	return trust->nrevs;
}

int pki_trust_is_revoked(const struct pki_trust *trust, const char *issuer_scope,
                         const char *serial)
{
	for (size_t i = 0; i < trust->nrevs; i++)
		if (strcmp(trust->revs[i].scope, issuer_scope) == 0 &&
		    strcasecmp(trust->revs[i].serial, serial) == 0)
			return 1;
	return 0;
}

int pki_trust_identity_revoked(const struct pki_trust *trust, const struct pki_identity *id)
{
	return pki_trust_is_revoked(trust, id->issuer_scope, id->serial) ||
	       (id->ca_serial[0] && pki_trust_is_revoked(trust, trust->root_scope, id->ca_serial));
}

/* Remembers a CA certificate that verified against the root. */
static void known_ca_add(struct pki_trust *t, X509 *ca, const char *scope)
{
	for (size_t i = 0; i < t->ncas; i++)
		if (X509_cmp(t->cas[i].cert, ca) == 0)
			return;
	if (t->ncas >= KNOWN_CA_MAX) {
		log_warnx("pki: more than %d CA certificates known, not remembering CA %s",
		          KNOWN_CA_MAX, scope);
		return;
	}
	if (ARR_GROW(t->cas, t->ncas + 1, t->cas_cap))
		return;
	if (!X509_up_ref(ca))
		return;
	t->cas[t->ncas].cert = ca;
	snprintf(t->cas[t->ncas].scope, sizeof(t->cas[0].scope), "%s", scope);
	t->ncas++;
}

/* Finds the known CA whose key signed the CRL; its scope into scope. */
static int crl_issuer(struct pki_trust *t, X509_CRL *crl, char *scope, size_t scopelen)
{
	const X509_NAME *iss = X509_CRL_get_issuer(crl);

	if (X509_NAME_cmp(iss, X509_get_subject_name(t->root)) == 0 &&
	    X509_CRL_verify(crl, X509_get0_pubkey(t->root)) == 1) {
		snprintf(scope, scopelen, "%s", t->root_scope);
		return 0;
	}
	for (size_t i = 0; i < t->ncas; i++)
		if (X509_NAME_cmp(iss, X509_get_subject_name(t->cas[i].cert)) == 0 &&
		    X509_CRL_verify(crl, X509_get0_pubkey(t->cas[i].cert)) == 1) {
			snprintf(scope, scopelen, "%s", t->cas[i].scope);
			return 0;
		}
	ERR_clear_error();
	return CN_EVERIFY;
}

/* The state of the newest CRL held for an issuer scope (created empty). */
static struct crl_state *crl_state_get(struct pki_trust *t, const char *scope)
{
	struct crl_state *n;

	for (size_t i = 0; i < t->ncrls; i++)
		if (strcmp(t->crls[i].scope, scope) == 0)
			return &t->crls[i];
	if (ARR_GROW(t->crls, t->ncrls + 1, t->crls_cap))
		return NULL;
	n = t->crls;
	memset(&n[t->ncrls], 0, sizeof(*n));
	snprintf(n[t->ncrls].scope, sizeof(n->scope), "%s", scope);
	n[t->ncrls].number = -1;
	return &n[t->ncrls++];
}

/* Replaces the revoked entries of scope by the CRL's. */
static int crl_apply(struct pki_trust *t, X509_CRL *crl, const char *scope)
{
	STACK_OF(X509_REVOKED) *revs = X509_CRL_get_REVOKED(crl);
	int nrev = revs ? sk_X509_REVOKED_num(revs) : 0;
	size_t keep = 0;

	for (size_t i = 0; i < t->nrevs; i++)
		if (strcmp(t->revs[i].scope, scope) != 0)
			t->revs[keep++] = t->revs[i];
	t->nrevs = keep;
	if (nrev == 0)
		return 0;
	if (ARR_GROW(t->revs, t->nrevs + (size_t)nrev, t->revs_cap))
		return CN_ENOMEM;
	for (int i = 0; i < nrev; i++) {
		X509_REVOKED *r = sk_X509_REVOKED_value(revs, i);
		struct revoked *e = &t->revs[t->nrevs++];
		snprintf(e->scope, sizeof(e->scope), "%s", scope);
		pki_serial_hex(X509_REVOKED_get0_serialNumber(r), e->serial);
	}
	return 0;
}

int pki_trust_add_crl_mem(struct pki_trust *trust, const uint8_t *buf, size_t len)
{
	X509_CRL *crl = NULL;
	ASN1_INTEGER *num = NULL;
	struct crl_state *st;
	char scope[PKI_ID_MAX];
	int64_t number = -1;
	time_t last, next = 0;
	int rc = CN_EINVAL;

	while (len > 0 && (*buf == ' ' || *buf == '\n' || *buf == '\r' || *buf == '\t')) {
		buf++;
		len--;
	}
	if (len > 10 && memcmp(buf, "-----BEGIN", 10) == 0) {
		BIO *bio = BIO_new_mem_buf(buf, (int)len);
		crl = bio ? PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL) : NULL;
		BIO_free(bio);
	} else {
		const unsigned char *p = buf;
		crl = d2i_X509_CRL(NULL, &p, (long)len);
		if (crl && p != buf + len) {
			X509_CRL_free(crl);
			crl = NULL;
		}
	}
	ERR_clear_error();
	if (!crl) {
		log_warnx("pki: not a CRL (PEM or DER)");
		return CN_EINVAL;
	}
	if ((rc = crl_issuer(trust, crl, scope, sizeof(scope))) != 0) {
		log_warnx("pki: CRL from an unknown issuer or with a bad signature: add the "
		          "issuing CA's certificate first");
		goto out;
	}
	if ((num = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL)) &&
	    !ASN1_INTEGER_get_int64(&number, num))
		number = -1;
	last = pki_asn1_time(X509_CRL_get0_lastUpdate(crl));
	if (X509_CRL_get0_nextUpdate(crl))
		next = pki_asn1_time(X509_CRL_get0_nextUpdate(crl));
	rc = CN_ENOMEM;
	if (!(st = crl_state_get(trust, scope)))
		goto out;
	if (number < st->number || (number == st->number && last < st->last_update)) {
		log_debug("pki: CRL of %s number=%lld older than the one held, ignored", scope,
		          (long long)number);
		rc = 0;
		goto out;
	}
	if ((rc = crl_apply(trust, crl, scope)) != 0)
		goto out;
	st->number = number;
	st->last_update = last;
	st->next_update = next;
	cache_drop(trust);
	log_debug("pki: CRL of %s number=%lld applied, %zu revoked in all", scope,
	          (long long)number, trust->nrevs);
out:
	ASN1_INTEGER_free(num);
	X509_CRL_free(crl);
	return rc;
}

int pki_trust_add_crl_der(struct pki_trust *trust, const uint8_t *der, size_t len)
{
	return pki_trust_add_crl_mem(trust, der, len);
}

int pki_trust_add_crl_file(struct pki_trust *trust, const char *path)
{
	uint8_t *buf = NULL;
	size_t len;
	int rc;

	if ((rc = util_read_file(path, 16u << 20, &buf, &len)) != 0) {
		log_warnx("pki: cannot read CRL %s: %s", path, cn_strerror(rc));
		return rc;
	}
	rc = pki_trust_add_crl_mem(trust, buf, len);
	free(buf);
	return rc;
}

static int map_x509_err(int e)
{
	switch (e) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return CN_EEXPIRED;
	case X509_V_ERR_PERMITTED_VIOLATION:
	case X509_V_ERR_EXCLUDED_VIOLATION:
	case X509_V_ERR_SUBTREE_MINMAX:
	case X509_V_ERR_PATH_LENGTH_EXCEEDED:
		return CN_ESCOPE;
	default:
		return CN_EVERIFY;
	}
}

/* OpenSSL's verification of target with the untrusted certificates; on
 * success *chain holds the verified chain (target ... root). */
static int x509_verify(struct pki_trust *t, X509 *target, STACK_OF(X509) * untrusted,
                       STACK_OF(X509) * *chain, char *why, size_t whylen)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509_VERIFY_PARAM *param;
	int rc = CN_ENOMEM, e;

	*chain = NULL;
	if (!ctx || !X509_STORE_CTX_init(ctx, t->store, target, untrusted))
		goto out;
	param = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT);
	if (t->now)
		X509_VERIFY_PARAM_set_time(param, t->now);
	if (X509_verify_cert(ctx) == 1) {
		*chain = X509_STORE_CTX_get1_chain(ctx);
		rc = *chain ? 0 : CN_ENOMEM;
		goto out;
	}
	e = X509_STORE_CTX_get_error(ctx);
	rc = map_x509_err(e);
	pki_why(why, whylen, "%s (certificate %d of the chain)", X509_verify_cert_error_string(e),
	        X509_STORE_CTX_get_error_depth(ctx));
out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	return rc;
}

/* Explicit rules for a county CA certificate (chain position 1). */
static int check_county_ca(struct pki_trust *t, X509 *ca, struct pki_identity *id, char *why,
                           size_t whylen)
{
	int is_ca = 0, rc;

	if ((rc = pki_x509_identity(ca, id, &is_ca, why, whylen)) != 0 || !is_ca) {
		if (rc == 0)
			pki_why(why, whylen, "intermediate %s is not a CA", id->id);
		return CN_EVERIFY;
	}
	if (strlen(id->scope) != 6 || !pki_scope_covers(t->root_scope, id->scope) ||
	    strcmp(id->scope, t->root_scope) == 0 || strcmp(id->issuer_scope, t->root_scope) != 0) {
		pki_why(why, whylen, "county CA %s (OU=%s) is outside the root's scope %s",
		        id->scope, id->issuer_scope, t->root_scope);
		return CN_ESCOPE;
	}
	if (pki_trust_is_revoked(t, t->root_scope, id->serial)) {
		pki_why(why, whylen, "county CA %s (serial %s) is revoked", id->scope, id->serial);
		return CN_EREVOKED;
	}
	return 0;
}

/* The CRL of issuer scope is not stale beyond the grace (pki_trust_set_crl_grace);
 * the cached verification ends at that moment. */
static int check_crl_fresh(struct pki_trust *t, const char *scope, time_t *until, char *why,
                           size_t whylen)
{
	time_t deadline = crl_deadline(t, scope);

	if (!deadline)
		return 0;
	if (trust_now(t) > deadline) {
		pki_why(why, whylen,
		        "the revocation list of %s expired (next update %lld) more than the grace "
		        "period ago: its certificates are refused until a new one arrives",
		        scope, (long long)(deadline - t->crl_grace));
		return CN_EVERIFY;
	}
	if (deadline < *until)
		*until = deadline;
	return 0;
}

/* Our rules over a chain OpenSSL verified: leaf, [county CA], root. */
static int check_chain(struct pki_trust *t, STACK_OF(X509) * chain, struct pki_identity *out,
                       time_t *until, char *why, size_t whylen)
{
	struct pki_identity ca;
	const char *issuer_scope = t->root_scope;
	int n = sk_X509_num(chain), is_ca = 0, rc;

	if (n < 2 || n > 3) {
		pki_why(why, whylen,
		        "chain of %d certificates: a leaf is issued by the root or "
		        "by a county CA",
		        n);
		return CN_ESCOPE;
	}
	*until = pki_asn1_time(X509_get0_notAfter(sk_X509_value(chain, n - 1)));
	if (n == 3) {
		if ((rc = check_county_ca(t, sk_X509_value(chain, 1), &ca, why, whylen)) != 0)
			return rc;
		issuer_scope = ca.scope;
		if (ca.not_after < *until)
			*until = ca.not_after;
	}
	if ((rc = pki_x509_identity(sk_X509_value(chain, 0), out, &is_ca, why, whylen)) != 0)
		return CN_EVERIFY;
	if (is_ca) {
		pki_why(why, whylen, "leaf %s is a CA certificate", out->id);
		return CN_EVERIFY;
	}
	if (strcmp(out->issuer_scope, issuer_scope) != 0 ||
	    !pki_scope_covers(issuer_scope,
	                      out->role == PKI_ROLE_INSPECTOR ? out->scope : out->id)) {
		pki_why(why, whylen, "id %s (scope %s, OU=%s) is outside the issuer's scope %s",
		        out->id, out->scope, out->issuer_scope, issuer_scope);
		return CN_ESCOPE;
	}
	/* The root issues inspectors and the offices above the county; a
	 * county CA the rest. */
	if ((n == 2) != (out->role == PKI_ROLE_INSPECTOR || pki_role_above_county(out->role)) &&
	    !(n == 3 && out->role == PKI_ROLE_INSPECTOR)) {
		pki_why(why, whylen, "%s %s may not be issued by %s", pki_role_name(out->role),
		        out->id, n == 2 ? "the root CA" : "a county CA");
		return CN_ESCOPE;
	}
	if (n == 3)
		snprintf(out->ca_serial, sizeof(out->ca_serial), "%s", ca.serial);
	if (pki_trust_is_revoked(t, issuer_scope, out->serial)) {
		pki_why(why, whylen, "certificate of %s (serial %s) is revoked", out->id,
		        out->serial);
		return CN_EREVOKED;
	}
	if (out->not_after < *until)
		*until = out->not_after;
	if ((rc = check_crl_fresh(t, issuer_scope, until, why, whylen)) != 0 ||
	    (n == 3 && (rc = check_crl_fresh(t, t->root_scope, until, why, whylen)) != 0))
		return rc;
	if (n == 3)
		known_ca_add(t, sk_X509_value(chain, 1), ca.scope);
	return 0;
}

static int der_to_stack(const uint8_t *const *der, const size_t *len, size_t n, X509 **leaf,
                        STACK_OF(X509) * *rest)
{
	*leaf = NULL;
	if (!(*rest = sk_X509_new_null()))
		return CN_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const unsigned char *p = der[i];
		X509 *x = d2i_X509(NULL, &p, (long)len[i]);
		if (!x || p != der[i] + len[i]) {
			X509_free(x);
			ERR_clear_error();
			return CN_EVERIFY;
		}
		if (i == 0)
			*leaf = x;
		else if (!sk_X509_push(*rest, x)) {
			X509_free(x);
			return CN_ENOMEM;
		}
	}
	return 0;
}

int pki_verify_chain(struct pki_trust *trust, const uint8_t *const *der, const size_t *len,
                     size_t n, struct pki_identity *out, char *why, size_t whylen)
{
	STACK_OF(X509) *rest = NULL, *chain = NULL;
	struct cache_ent *hit;
	X509 *leaf = NULL;
	uint8_t fp[32];
	time_t now = trust_now(trust), until = 0;
	int rc;

	if (n == 0 || n > PKI_CHAIN_MAX) {
		pki_why(why, whylen, "chain of %zu certificates (1..%d)", n, PKI_CHAIN_MAX);
		return CN_EINVAL;
	}
	if (!EVP_Digest(der[0], len[0], fp, NULL, EVP_sha256(), NULL))
		return CN_ECRYPTO;
	if ((hit = cache_find(trust, fp)) && now >= hit->from && now <= hit->until) {
		*out = hit->ident;
		return 0;
	} /* outside its window: verified again, for the reason */
	if ((rc = der_to_stack(der, len, n, &leaf, &rest)) != 0) {
		pki_why(why, whylen, "malformed certificate in the chain");
		goto out;
	}
	if ((rc = x509_verify(trust, leaf, rest, &chain, why, whylen)) != 0)
		goto out;
	if ((rc = check_chain(trust, chain, out, &until, why, whylen)) != 0)
		goto out;
	cache_put(trust, fp, out, out->not_before, until);
out:
	X509_free(leaf);
	chain_free(rest);
	chain_free(chain);
	return rc;
}

int pki_trust_add_ca_pem(struct pki_trust *trust, const char *pem, size_t len)
{
	uint8_t **der = NULL;
	size_t *lens = NULL, n = 0;
	STACK_OF(X509) *rest = NULL, *chain = NULL;
	X509 *first = NULL;
	struct pki_identity id;
	char why[256];
	int rc;

	if ((rc = pki_pem_to_der(pem, len, &der, &lens, &n)) != 0)
		return rc;
	if ((rc = der_to_stack((const uint8_t *const *)der, lens, n, &first, &rest)) != 0)
		goto out;
	if (first && !sk_X509_unshift(rest, first)) {
		rc = CN_ENOMEM;
		goto out;
	}
	first = NULL;
	for (int i = 0; i < sk_X509_num(rest); i++) {
		X509 *ca = sk_X509_value(rest, i);
		if (X509_cmp(ca, trust->root) == 0)
			continue;
		if ((rc = x509_verify(trust, ca, rest, &chain, why, sizeof(why))) == 0)
			rc = check_county_ca(trust, ca, &id, why, sizeof(why));
		chain_free(chain);
		chain = NULL;
		if (rc != 0) {
			log_warnx("pki: CA certificate refused: %s", why);
			goto out;
		}
		known_ca_add(trust, ca, id.scope);
	}
out:
	X509_free(first);
	chain_free(rest);
	pki_der_list_free(&der, &lens, n);
	return rc;
}

int pki_trust_add_ca_file(struct pki_trust *trust, const char *path)
{
	uint8_t *buf = NULL;
	size_t len;
	int rc;

	if ((rc = util_read_file(path, PEM_MAX, &buf, &len)) != 0) {
		log_warnx("pki: cannot read CA certificate %s: %s", path, cn_strerror(rc));
		return rc;
	}
	rc = pki_trust_add_ca_pem(trust, (char *)buf, len);
	free(buf);
	return rc;
}

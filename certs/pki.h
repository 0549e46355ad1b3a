/*
 * pki: identities, certificates and their verification (OpenSSL 3, Ed25519):
 * the trust store, chain verification, this node's own credentials,
 * signatures and key files. What a running node needs, and nothing more.
 * Ids and roles (the arithmetic on office ids): office.h. Issuing keys,
 * requests, certificates and CRLs (the CA tooling): pki_issue.h.
 *
 * Certificate profile (see certs/README.md):
 *   subject  O=carenet, OU=<issuer scope>, CN=<id>   (name constraints are on
 *            dirName O=carenet,OU=<county code> in a county CA)
 *   (OIDs under a self-assigned UUID arc, X.667: UUID 8f80c6aa-6f2d-4efc-9684-3ffc5168fd29
 *   = 2.25.190748246815432188973440641112446926121 = CARENET_OID)
 *   extension CARENET_OID.1 (non-critical) = DER OCTET STRING, 32-byte CURVE public key
 *   extension CARENET_OID.2 (non-critical) = UTF8String role ("county", ...)
 *   extension CARENET_OID.3 (non-critical) = UTF8String scope
 *   extension CARENET_OID.4 (non-critical) = UTF8String display name
 *
 * Thread: any, but a pki_trust must not be shared between threads.
 * Errors: CN_EVERIFY (bad signature/chain/wrong root), CN_ESCOPE (id outside
 * an issuer's scope, or a CA issuing below pathlen 0), CN_EEXPIRED,
 * CN_EREVOKED, CN_EKEYMISMATCH, CN_EPERM (key file readable by others),
 * CN_EIO, CN_EINVAL, CN_ENOMEM, CN_ECRYPTO. Reason text goes into the
 * caller's `why` buffer where one is taken.
 */
#ifndef CARENET_PKI_H
#define CARENET_PKI_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "office.h"

#define PKI_NAME_MAX 128
#define PKI_CURVE_LEN 32
#define PKI_SIG_LEN 64
#define PKI_PUB_LEN 32
#define PKI_CHAIN_MAX 8 /* certificates accepted in one chain, leaf included */

#define CARENET_OID "2.25.190748246815432188973440641112446926121"
#define CARENET_OID_CURVE CARENET_OID ".1"
#define CARENET_OID_ROLE CARENET_OID ".2"
#define CARENET_OID_SCOPE CARENET_OID ".3"
#define CARENET_OID_NAME CARENET_OID ".4"

/* ---- verified identity ---- */
struct pki_identity {
	char id[PKI_ID_MAX];
	enum pki_role role;
	char scope[PKI_ID_MAX];        /* inspectors: their scope; nodes: their own id */
	char name[PKI_NAME_MAX];       /* UTF-8 display name, may be empty */
	uint8_t curve_pub[PKI_CURVE_LEN];
	uint8_t sign_pub[PKI_PUB_LEN]; /* Ed25519 public key of the certificate */
	char serial[64];               /* hex */
	char issuer_scope[PKI_ID_MAX]; /* scope of the issuing CA */
	char ca_serial[64];            /* the issuing county CA's serial (hex, by the root);
	                                * "" when the root issued this certificate */
	time_t not_before, not_after;
};

/* ---- trust store: root, CRLs, cache of verified chains ---- */
struct pki_trust;

/* Loads the root certificate (PEM). Caller owns the result (pki_trust_free). */
int pki_trust_new(const char *root_pem_path, struct pki_trust **out);
void pki_trust_free(struct pki_trust **trust);
/* Adds a CRL (PEM or DER file); its signature must verify against the root or
 * a CA certificate already seen in a verified chain or added with
 * pki_trust_add_ca. Replaces an older CRL of the same issuer. */
int pki_trust_add_crl_file(struct pki_trust *trust, const char *path);
int pki_trust_add_crl_der(struct pki_trust *trust, const uint8_t *der, size_t len);
/* Adds an intermediate CA (PEM file or DER) so its CRLs can be checked. */
int pki_trust_add_ca_file(struct pki_trust *trust, const char *path);
/* Verification time; 0 = the real clock (default). For test clocks. */
void pki_trust_set_time(struct pki_trust *trust, time_t now);
/* The newest CRL held per issuer (the root and each county CA): its issuer
 * scope, number, lastUpdate and nextUpdate (0 if the CRL has none). */
struct pki_crl_info {
	char scope[PKI_ID_MAX];
	int64_t number;
	time_t last_update, next_update;
};
/* Fills at most max entries; returns how many CRLs are held (may exceed max). */
size_t pki_trust_crls(const struct pki_trust *trust, struct pki_crl_info *out, size_t max);
/* Refusal of stale CRLs: with grace > 0, a chain whose issuer (or county CA's
 * issuer) has a CRL whose nextUpdate is more than grace seconds past is
 * refused (CN_EVERIFY, "revocation list of ... expired"): a holder of that
 * issuer's CRL could be hiding a revocation. 0 (the default): never. An
 * issuer of which no CRL is held is not affected. */
void pki_trust_set_crl_grace(struct pki_trust *trust, time_t grace);
/* Number of revoked serials known (status/diagnostics). */
size_t pki_trust_revoked_count(const struct pki_trust *trust);
/* 1 if a certificate with this issuer scope and serial (hex) is revoked. */
int pki_trust_is_revoked(const struct pki_trust *trust, const char *issuer_scope, const char *serial);
/* 1 if a verified identity's certificate, or the county CA that issued it,
 * is on a revocation list held now (a session opened before the list came). */
int pki_trust_identity_revoked(const struct pki_trust *trust, const struct pki_identity *id);

/*
 * Verifies a chain (DER certificates, leaf first, then issuing CAs; the root
 * is taken from the trust store). Checks signatures, validity times,
 * CA:TRUE/pathlen, name constraints, the explicit prefix rule (every id
 * issued by a CA lies under that CA's scope; a county CA's scope is its own
 * county code), the role extension against the id, revocation. On success
 * fills *out. Verified chains are cached by leaf fingerprint; the cache is
 * dropped when a CRL is added or the time is changed.
 */
int pki_verify_chain(struct pki_trust *trust, const uint8_t *const *der, const size_t *len,
		     size_t n, struct pki_identity *out, char *why, size_t whylen);

/* ---- this node's own credentials ---- */
struct pki_self;

/* Loads key (Ed25519 PEM, must be 0600 or stricter), certificate (PEM),
 * chain (PEM file with the CA certificates between leaf and root; may be
 * empty for root-issued leaves) and CURVE key file (see pki_curve_write).
 * Checks that the key matches the certificate. Caller owns result. */
int pki_self_load(const char *key_path, const char *cert_path, const char *chain_path,
		  const char *curve_path, struct pki_self **out, char *why, size_t whylen);
void pki_self_free(struct pki_self **self);
const struct pki_identity *pki_self_identity(const struct pki_self *self);
/* Chain as DER, leaf first (what goes in HELLO). Owned by self. */
size_t pki_self_chain(const struct pki_self *self, const uint8_t *const **der, const size_t **len);
/* Z85 CURVE keys, 40 chars + NUL. */
void pki_self_curve(const struct pki_self *self, char pub_z85[41], char sec_z85[41]);
int pki_sign(const struct pki_self *self, const uint8_t *msg, size_t len, uint8_t sig[PKI_SIG_LEN]);
int pki_verify_sig(const uint8_t pub[PKI_PUB_LEN], const uint8_t *msg, size_t len,
		   const uint8_t sig[PKI_SIG_LEN]);

/* ---- files ---- */
/* CN_EPERM if the directory holding the key file path is looser than 0700
 * (CN_EINVAL: not a directory, or a symbolic link); the message in why says
 * which directory and the chmod to run. Every key read or written passes it. */
int pki_check_key_dir(const char *path, char *why, size_t whylen);
/* CN_EPERM if the file is readable/writable by group or others, or its
 * directory fails pki_check_key_dir (message in why). */
int pki_check_key_perms(const char *path, char *why, size_t whylen);
/* CURVE key file: two lines "public=<z85>\nsecret=<z85>\n", mode 0600. */
int pki_curve_generate(const char *path);
int pki_curve_read(const char *path, char pub_z85[41], char sec_z85[41]);
/* Reads the CURVE public key extension of a PEM certificate file (Z85). */
int pki_cert_file_curve(const char *cert_path, char pub_z85[41]);
/* The id of node me's parent: for a county, the id in its parent's
 * certificate file (node.cfg parent.cert) when that is its prefecture or
 * its province (one it reports to directly); else pki_parent_id. CN_EINVAL
 * for no parent (a province, an inspector), or a county without the file. */
int pki_parent_of(const char *me, const char *parent_cert_path, char *out, size_t outlen);

/* ---- additions: in-memory variants and helpers (pki.c) ---- */
/* Like pki_trust_new, from a PEM buffer. */
int pki_trust_new_pem(const char *pem, size_t len, struct pki_trust **out);
/* Like pki_trust_add_crl_file, from a buffer holding PEM or DER. Before a
 * county CA's CRL can be added, that CA must be known (a chain through it
 * verified, or pki_trust_add_ca_*). A CRL older than the one held for the
 * same issuer (by CRL number, then lastUpdate) is ignored and 0 returned. */
int pki_trust_add_crl_mem(struct pki_trust *trust, const uint8_t *buf, size_t len);
/* Adds the CA certificates of a PEM buffer (each must verify against the
 * root: CN_EVERIFY otherwise; CN_EEXPIRED if outside its validity). */
int pki_trust_add_ca_pem(struct pki_trust *trust, const char *pem, size_t len);
/* Scope of the trusted root ("53"). Owned by trust. */
const char *pki_trust_root_scope(const struct pki_trust *trust);

/* Splits a PEM buffer into DER certificates (in file order; 0 certificates
 * is not an error). Caller frees with pki_der_list_free. CN_EINVAL if a
 * block is not a certificate, CN_ETOOBIG beyond PKI_CHAIN_MAX. */
int pki_pem_to_der(const char *pem, size_t len, uint8_t ***der, size_t **lens, size_t *n);
void pki_der_list_free(uint8_t ***der, size_t **lens, size_t n);

/* Reads the first certificate of a PEM buffer without verifying it. For a
 * leaf, *out is its identity (issuer_scope = its subject OU); for a CA
 * certificate, out->id and out->scope hold the CA's scope, role is
 * PKI_ROLE_NONE and *is_ca is set. CN_EINVAL (reason in why) if it does not
 * follow the profile. is_ca may be NULL. */
int pki_cert_parse(const char *pem, size_t len, struct pki_identity *out, int *is_ca, char *why,
		   size_t whylen);
/* SHA-256 of the DER of the first certificate in a PEM buffer, as 64
 * lower-case hex digits (what `openssl x509 -noout -fingerprint -sha256`
 * shows with colons). CN_EINVAL if there is no certificate. */
int pki_cert_sha256(const char *pem, size_t len, char hex[65]);
/* Lower-case hex of a serial number given in hex (any case, leading zeros
 * allowed); CN_EINVAL if not hex or too long. out: 64 bytes. */
int pki_serial_normalize(const char *hex, char out[64]);

#endif

/*
 * pki_issue: the issuing side of the PKI -- keys, certificate requests, CAs,
 * certificates and CRLs. Used by the CA tooling (ca.c, ca_issue.c) and
 * enrollment (enroll.c); never by a running node.
 *
 * Thread: any; a pki_ca or pki_req must not be shared between threads.
 * Errors as in pki.h, plus CN_EEXIST (key file exists), CN_EROLE (this kind
 * of CA does not issue this kind of certificate). Reason text goes into the
 * caller's `why` buffer.
 */
#ifndef CARENET_PKI_ISSUE_H
#define CARENET_PKI_ISSUE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "pki.h"

/* PEM strings returned through char ** are malloc'd, NUL-terminated and owned
 * by the caller. Key files are read only if mode 0600 or stricter (CN_EPERM).
 */

/* Generates an Ed25519 key, PKCS#8 PEM, mode 0600; with pass (non-NULL)
 * encrypted PKCS#8 (AES-256-CBC, PBKDF2). CN_EEXIST if path exists. */
int pki_key_generate(const char *path, const char *pass, char *why, size_t whylen);
/* 0 if the key file's public key is the certificate's (first PEM certificate
 * in cert_pem); CN_EKEYMISMATCH if not. pass: as pki_ca_load. */
int pki_key_matches_cert(const char *key_path, const char *pass, const char *cert_pem, size_t len,
			 char *why, size_t whylen);

/* Certificate request. Node: id (role from its length), curve_path required.
 * Inspector: id "I<scope>-<tag>", scope, curve_path. County CA: is_ca, scope
 * = the 6-digit county code, id/curve_path NULL. name may be NULL. */
struct pki_req_params {
	const char *id;
	const char *scope;
	const char *name;
	const char *curve_path;
	const char *pass; /* the key's passphrase, NULL if not encrypted */
	int is_ca;
};
int pki_req_create(const char *key_path, const struct pki_req_params *p, char **pem, char *why,
		   size_t whylen);

/* A parsed request whose self-signature verified (CN_EVERIFY otherwise) and
 * whose fields follow the profile (CN_EINVAL otherwise: role vs id, CURVE key
 * length, inspector scope). */
struct pki_req;
int pki_req_parse(const char *pem, size_t len, struct pki_req **out, char *why, size_t whylen);
void pki_req_free(struct pki_req **req);
/* The request's fields: id/role/scope/name/curve_pub (a CA request: id =
 * scope = county code, role NONE, *is_ca = 1). Owned by req. */
const struct pki_identity *pki_req_identity(const struct pki_req *req, int *is_ca);

/* A CA: its key (encrypted with pass, or plain when pass is NULL: CN_EPERM
 * for an encrypted key without or with the wrong passphrase) and certificate. */
struct pki_ca;
int pki_ca_load(const char *key_path, const char *pass, const char *cert_path, struct pki_ca **out,
		char *why, size_t whylen);
void pki_ca_free(struct pki_ca **ca);
const char *pki_ca_scope(const struct pki_ca *ca);
const char *pki_ca_name(const struct pki_ca *ca);
int pki_ca_is_root(const struct pki_ca *ca);
time_t pki_ca_not_after(const struct pki_ca *ca);

/* Self-signed root CA certificate for the key: CA:TRUE pathlen:1, keyUsage
 * keyCertSign+cRLSign, subject O=carenet,OU=<scope>,CN=CA <scope>. */
int pki_root_create(const char *key_path, const char *pass, const char *scope, const char *name,
		    time_t not_before, time_t not_after, char **pem, char *why, size_t whylen);

/* Checks the request against the CA's authority and signs it:
 *  - root: county CA requests (6-digit code under the root scope) and
 *    inspectors whose scope is under the root scope;
 *  - county CA: its county node (id = code), townships, villages under its
 *    code, inspectors whose scope is under its code.
 * CN_ESCOPE if the id or scope lies outside the CA's scope, CN_EROLE if this
 * kind of CA does not issue this kind of certificate, CN_EINVAL for bad
 * times. not_after is clamped to the CA's own not_after. serial_hex: 64 bytes. */
int pki_ca_issue(struct pki_ca *ca, const struct pki_req *req, time_t not_before, time_t not_after,
		 char **pem, char *serial_hex, char *why, size_t whylen);
/* The authority check of pki_ca_issue alone: 0, CN_ESCOPE or CN_EROLE. */
int pki_ca_may_issue(const struct pki_ca *ca, const struct pki_req *req, char *why, size_t whylen);

/* CRL reasons (RFC 5280 codes). */
int pki_crl_reason_parse(const char *name); /* -1 if unknown */
const char *pki_crl_reason_name(int code);
struct pki_revoked {
	char serial[64]; /* hex */
	time_t when;
	int reason;
};
/* Signs a v2 CRL listing the entries (lastUpdate now, nextUpdate now+valid). */
int pki_ca_crl(struct pki_ca *ca, const struct pki_revoked *list, size_t n, uint64_t crl_number,
	       time_t valid, char **pem, char *why, size_t whylen);

#endif

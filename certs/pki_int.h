/*
 * pki_int: helpers shared by certs/pki*.c only (OpenSSL types).
 * Not part of the module's contract; nothing outside certs/pki*.c includes it.
 */
#ifndef CARENET_PKI_LOCAL_H
#define CARENET_PKI_LOCAL_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "pki.h"

/* Formats a reason into why (may be NULL). */
void pki_why(char *why, size_t whylen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* UTF8String extension by OID text: 0 and *present=1 when found and valid,
 * 0 and *present=0 when absent, CN_EINVAL when malformed, duplicated or
 * longer than outlen-1. */
int pki_ext_get_str(const STACK_OF(X509_EXTENSION) * exts, const char *oid, char *out,
                    size_t outlen, int *present);
/* CURVE key extension: OCTET STRING of exactly PKI_CURVE_LEN bytes. */
int pki_ext_get_curve(const STACK_OF(X509_EXTENSION) * exts, uint8_t out[PKI_CURVE_LEN],
                      int *present);
/* New non-critical extensions; NULL on failure. */
X509_EXTENSION *pki_ext_new_str(const char *oid, const char *val);
X509_EXTENSION *pki_ext_new_curve(const uint8_t key[PKI_CURVE_LEN]);

/* The single entry of nid in name, UTF-8; CN_EINVAL if absent, repeated,
 * too long or containing NUL. */
int pki_name_get(const X509_NAME *name, int nid, char *out, size_t outlen);

/* Identity of a certificate following the profile (see pki_cert_parse). */
int pki_x509_identity(X509 *x, struct pki_identity *out, int *is_ca, char *why, size_t whylen);
void pki_serial_hex(const ASN1_INTEGER *serial, char out[64]);
time_t pki_asn1_time(const ASN1_TIME *t);

/* Loads a private key file after the permission check; an encrypted one
 * (PKCS#8) with pass (NULL: none given). NULL on failure, *rc set: CN_EPERM
 * when the key is encrypted and no or the wrong passphrase was given. Never
 * prompts on a terminal. */
EVP_PKEY *pki_key_load(const char *path, const char *pass, int *rc, char *why, size_t whylen);
/* Reads the first certificate of a PEM buffer. */
X509 *pki_x509_from_pem(const char *pem, size_t len);
/* PEM of a certificate, malloc'd. */
char *pki_x509_to_pem(X509 *x);
/* Copies a memory BIO's contents into a malloc'd NUL-terminated string,
 * wiping the BIO's buffer. */
char *pki_bio_string(BIO *bio);

#endif

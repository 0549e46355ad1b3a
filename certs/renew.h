/*
 * renew: renewal of a node's or an inspector's certificate (certs/README.md,
 * "Renewal"). The node side: renew_request makes a renewal request, with the
 * same keys or new ones (--rotate) kept in KEYDIR/renew/ until installed;
 * renew_install installs the bundle the CA issued for it. The CA side
 * (ca issue --renew) is ca_renew_check in ca_int.h.
 *
 * A renewal request is one PEM file: the certificate request (signed by the
 * key to be certified), the office's current certificate, and a
 * "CARENET RENEWAL SIGNATURE" block: the Ed25519 signature by the current
 * key of RENEW_CONTEXT followed by the request block's text, from its BEGIN
 * line to its END line and newline. A CA tells a renewal from a new
 * enrollment by it: only the holder of a valid certificate of the office can
 * make one.
 *
 * Single-threaded tools; each function returns the process exit status and
 * prints its messages ("carenet: ...") to stderr.
 */
#ifndef CARENET_RENEW_H
#define CARENET_RENEW_H

#define RENEW_CONTEXT "carenet renewal v1\n"
#define RENEW_SIG_BEGIN "-----BEGIN CARENET RENEWAL SIGNATURE-----\n"
#define RENEW_SIG_END "-----END CARENET RENEWAL SIGNATURE-----\n"

/* The identity files of a node, as its node.cfg names them. */
struct renew_files {
	const char *key, *cert, *chain, *curve, *root;
	const char *parent; /* parent.pem, NULL for counties and inspectors */
};

/* Writes the renewal request to out (default KEYDIR/renew/request.pem; path
 * printed on stdout). rotate: 0 the same keys; RENEW_ROTATE_SIGN a new
 * Ed25519 key in KEYDIR/renew/ (made once: a second run reuses it), and a
 * new CURVE key pair too for a village or an inspector; RENEW_ROTATE_ALL
 * both keys for every role. An office with children keeps its CURVE key
 * unless told: its children pin it (parent.pem) before any handshake. */
#define RENEW_ROTATE_SIGN 1
#define RENEW_ROTATE_ALL 2
int renew_request(const struct renew_files *f, int rotate, const char *out);
/* Installs the bundle: its certificate must be of this office and of either
 * the current keys or those waiting in KEYDIR/renew/. Writes every new file
 * into KEYDIR/renew/ first, then renames them over the live ones (keys,
 * chain, parent, certificate last); the replaced files are kept in
 * KEYDIR/renew/previous/. Interrupted, running it again completes it. */
int renew_install(const struct renew_files *f, const char *bundle);

#endif

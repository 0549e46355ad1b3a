/*
 * err: the project's error codes.
 *
 * Every function that can fail returns 0 on success or one of these
 * negative values (or NULL for pointer-returning functions). Library
 * error codes (LMDB, zmq_errno, OpenSSL, libconfig) are translated once,
 * where the library is called, and their text logged there.
 * err_exit_code() maps an error to the CLI's documented exit status.
 * Thread-safe: pure functions over constant tables.
 */
#ifndef CARENET_ERR_H
#define CARENET_ERR_H

enum cn_err {
	CN_OK = 0,
	CN_ENOMEM = -1,        /* allocation failed */
	CN_EIO = -2,           /* file or socket I/O failed (errno logged) */
	CN_EINVAL = -3,        /* invalid input or argument */
	CN_ENOTFOUND = -4,     /* no such item, file or peer */
	CN_EPERM = -5,         /* permission: key file mode, not allowed by role */
	CN_ECRYPTO = -6,       /* a crypto library call failed */
	CN_EVERIFY = -7,       /* certificate or signature does not verify */
	CN_ESCOPE = -8,        /* id outside the issuer's or node's scope */
	CN_EREVOKED = -9,      /* certificate revoked */
	CN_EEXPIRED = -10,     /* certificate expired or not yet valid */
	CN_ESTORE = -11,       /* LMDB failure */
	CN_ECONFIG = -12,      /* configuration invalid */
	CN_EPROTO = -13,       /* malformed or unexpected protocol message */
	CN_ETOOBIG = -14,      /* message or field over its cap */
	CN_EUNREACH = -15,     /* node not reachable (control socket) */
	CN_EEXIST = -16,       /* already exists */
	CN_EMAPFULL = -17,     /* LMDB map full: grow and replay */
	CN_EKEYMISMATCH = -18, /* certificate CURVE key differs from link key */
	CN_EROLE = -19,        /* role rules forbid this */
	CN_EBANNED = -20,      /* peer key banned */
	CN_ETIMEOUT = -21,     /* operation timed out */
	CN_EUSAGE = -22,       /* command-line usage error */
	CN_ENOTREADY = -23,    /* handshake not complete */
	CN_ESTOPPED = -24,     /* the node stopped before it answered a control request */
};

/* Static English text for an error code; never NULL. */
const char *cn_strerror(int err);

/* Short stable name ("verify", "scope", ...) for counters and JSON. */
const char *cn_errname(int err);

/* The command line's one convention for exit statuses (README.md, tools/README.md):
 *   0  done
 *   2  the command line is malformed (unknown option, missing operand, bad value)
 *   4  well formed, but refused: not allowed, out of scope, invalid or unknown input
 *   1  anything else: the node is not running, I/O, storage, a failed check
 * cn_exit_code() maps an error to it; CN_EXIT_TEXT is the line every --help ends with. */
#define CN_EXIT_USAGE 2
#define CN_EXIT_REFUSED 4
#define CN_EXIT_OTHER 1
#define CN_EXIT_TEXT                                                                        \
	"Exit status: 0 ok, 2 malformed command line, 4 well formed but refused\n"            \
	"(not allowed, out of scope, invalid or unknown input), 1 anything else\n"            \
	"(node not running, I/O, a failed check).\n"
int cn_exit_code(int err);

#endif

/*
 * ca_local: helpers shared by the PKI command-line tools (ca.c, ca_issue.c,
 * ca_list.c, enroll.c). Not a module contract: nothing else includes it.
 * Functions returning an exit status print their message ("carenet: ...")
 * to stderr themselves.
 */
#ifndef CARENET_CA_LOCAL_H
#define CARENET_CA_LOCAL_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "pki.h"
#include "pki_issue.h"
#include "util.h"

#define WHY_MAX 512
#define DAY 86400
#define DEFAULT_TZ CARENET_DEFAULT_TZ
#define CRL_DAYS 30

/* Prints "carenet: MESSAGE" to stderr; returns the exit status for rc (>= 1). */
int ca_fail(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* dir/name into out (PATH_MAX bytes); CN_EINVAL if too long. */
int ca_path(char *out, const char *dir, const char *name);
int ca_exists(const char *path);
/* Whole file, NUL-terminated, at most 4 MiB; caller frees. */
int ca_read(const char *path, char **buf, size_t *len);
/* Atomic write (util_write_file). */
int ca_write(const char *path, const char *s, mode_t mode, int excl);
/* Writes "text\n" (atomically, 0644); errors ignored: for records like DIR/serial. */
void ca_write_line(const char *path, const char *text);
/* dir/name's contents, "" if absent or unreadable; NULL only on ENOMEM. Caller frees. */
char *ca_read_opt(const char *dir, const char *name);
int ca_parse_days(const char *s, int *days); /* 1..36500 */
int ca_endpoint_ok(const char *endpoint);    /* tcp://HOST:PORT or ipc://PATH */
/* The CA key's passphrase: the first line of file (when not NULL), else the
 * environment variable CARENET_CA_PASSPHRASE; *pass points into buf, or is
 * NULL when neither is given. 0 or an exit status (message printed). Wipe
 * buf (OPENSSL_cleanse) after use. */
#define CA_PASS_MAX 1024
#define CA_PASS_ENV "CARENET_CA_PASSPHRASE"
int ca_passphrase(const char *file, char *buf, size_t len, const char **pass);
/* Loads DIR/ca.key (with pass, NULL if none) + DIR/ca.pem; an exit status
 * (message printed) on failure. */
int ca_load_dir(const char *dir, const char *pass, struct pki_ca **ca);
/* ca_passphrase(passfile) then ca_load_dir: what every signing ca command does. */
int ca_open(const char *dir, const char *passfile, struct pki_ca **ca);
/* The --passphrase-file line of the option tables of those commands. */
#define CA_PASS_OPT                                                                                \
	{"passphrase-file", ARGS_LONG('P'), "FILE",                                                \
	 "the passphrase of an encrypted ca.key: the first line\n"                                 \
	 "of FILE (default: $" CA_PASS_ENV ")"}

/* DIR/revoked, one "SERIAL UNIXTIME REASON ID" per line. */
struct ca_revoked_line {
	struct pki_revoked r;
	char id[PKI_ID_MAX];
};
int ca_revoked_read(const char *dir, struct ca_revoked_line **out, size_t *n);
/* Moves DIR/issued/NAME.pem, if any, to DIR/issued/superseded/NAME-SERIAL.pem
 * (the history ca list shows); its serial into serial (64 bytes, "" if there
 * was none). 0, or an exit status (message printed). */
int ca_supersede_move(const char *dir, const char *name, char *serial);
/* Appends "SERIAL NOW REASON ID" to DIR/revoked (atomically). */
int ca_revoke_append(const char *dir, const char *serial, int reason, const char *id);
#define CA_REASON_SUPERSEDED 4 /* RFC 5280 CRLReason superseded */
/* Signs a CRL of every DIR/revoked entry, next CRL number; writes DIR/crl.pem. */
int ca_crl_write(const char *dir, struct pki_ca *ca, char *why, size_t whylen);
/* Root signs a county CA request; records rootdir/issued/ca-CODE.pem (the
 * certificate followed by the root's) into record. Exit status. */
int ca_root_sign(struct pki_ca *root, const char *rootdir, const struct pki_req *req, int days,
                 int force, char **cert_pem, char *record, size_t reclen);

/* enroll.c: reads the bundle at path and checks it as enroll does (its root
 * is root_file's, byte for byte; chain, CRL, parent); the certificate's
 * identity and copies of the bundle's cert, chain and parent_cert (caller
 * frees). Exit status (message printed). */
int enroll_bundle_check(const char *path, const char *root_file, struct pki_identity *id,
                        char **cert, char **chain, char **parent);
/* renew.c: checks a renewal request (see renew.h) against the CA in cadir:
 * the current certificate verifies against this CA now (issued by it, valid,
 * not revoked by its CRL), names the request's office and its key signed the
 * request. *csr: the request block (caller frees); old_serial: the
 * certificate that proved it (64 bytes). Exit status (message printed). */
int ca_renew_check(const char *cadir, const struct pki_ca *ca, const char *buf, size_t len,
                   char **csr, char *old_serial);
/* the subcommands of "carenet ca": ca.c */
int ca_init(int argc, char **argv);
/* ca_issue.c */
int ca_issue(int argc, char **argv);
int ca_revoke(int argc, char **argv);
int ca_crl(int argc, char **argv);
/* --ca DIR and nothing else (ca crl, ca list; --json where cmd has it):
 * 0, 1 after --help, CN_EUSAGE (printed). ca_issue.c */
struct args_cmd;
int ca_dir_parse(const struct args_cmd *cmd, int argc, char **argv, const char **dir,
                 int *json, const char **passfile);
/* ca_list.c */
int ca_list(int argc, char **argv);

#endif

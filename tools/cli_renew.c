/* cli_renew: `carenet renew` and `carenet enroll --renew` (certs/renew.h does
 * the work; this file finds the identity files in node.cfg). */
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "cmd.h"
#include "config.h"
#include "err.h"
#include "renew.h"

static const struct args_opt renew_opts[] = {
    {"config", 'c', "CFG", "configuration file (default " CONFIG_DEFAULT_PATH ")"},
    {"rotate", ARGS_LONG('r'), NULL,
     "new keys, kept in KEYDIR/renew/ until installed: an\n"
     "Ed25519 key, and for a village a CURVE key pair too"},
    {"rotate-curve", ARGS_LONG('C'), NULL,
     "also a new CURVE key for a township or county (its\n"
     "children then need its new certificate as parent.pem)"},
    {"out", 'o', "REQUEST", "where to write the request (default KEYDIR/renew/request.pem)"},
    {0}};
static const struct args_cmd renew_cmd = {
    "carenet renew", "-c CFG [--rotate [--rotate-curve]] [--out REQUEST]",
    "Makes a renewal request for this office's certificate, with the same keys or\n"
    "new ones (--rotate), signed by the current key so that the CA can tell it from\n"
    "a new enrollment. The CA issues it with 'carenet ca issue --renew --csr REQUEST';\n"
    "install the bundle with 'carenet enroll --renew BUNDLE -c CFG' and restart.\n"
    "The running node is not disturbed.\n",
    renew_opts,
    "A township or county keeps its CURVE key with --rotate: its children pin it\n"
    "(parent.pem) before any handshake, so a new one would cut them off until each\n"
    "gets its new certificate (see certs/README.md, \"Renewal\").\n"};

static const struct args_opt install_opts[] = {
    {"renew", 'R', "BUNDLE", "the bundle 'ca issue --renew' wrote"},
    {"config", 'c', "CFG", "configuration file (default " CONFIG_DEFAULT_PATH ")"},
    {0}};
static const struct args_cmd install_cmd = {
    "carenet enroll", "--renew BUNDLE -c CFG",
    "Installs a renewed certificate (and the new keys of 'carenet renew --rotate')\n"
    "in place of the files CFG names; the replaced files are kept in\n"
    "KEYDIR/renew/previous/. Restart the node to use them. Interrupted, the same\n"
    "command completes the installation.\n",
    install_opts, NULL};

static int load_files(const char *cfgpath, struct config **cfg, struct renew_files *f,
                      const char *prog)
{
	char err[512];
	int rc;

	if ((rc = config_load(cfgpath, cfg, err, sizeof(err))) != 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return cn_exit_code(rc);
	}
	f->key = (*cfg)->key_file;
	f->cert = (*cfg)->cert_file;
	f->chain = (*cfg)->chain_file;
	f->curve = (*cfg)->curve_file;
	f->root = (*cfg)->root_file;
	f->parent = (*cfg)->parent_cert && (*cfg)->parent_cert[0] ? (*cfg)->parent_cert : NULL;
	return 0;
}

int cmd_renew(int argc, char **argv)
{
	const char *cfgpath = CONFIG_DEFAULT_PATH, *out = NULL;
	struct config *cfg = NULL;
	struct renew_files f;
	struct args a;
	int ch, rotate = 0, rc;

	args_begin(&a, &renew_cmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END) {
		if (ch == 'c')
			cfgpath = a.val;
		else if (ch == ARGS_LONG('r') && rotate == 0)
			rotate = RENEW_ROTATE_SIGN;
		else if (ch == ARGS_LONG('r'))
			continue;
		else if (ch == ARGS_LONG('C'))
			rotate = RENEW_ROTATE_ALL;
		else if (ch == 'o')
			out = a.val;
		else
			return a.exit;
	}
	if ((rc = args_operands(&a, 0, 0)) != 0)
		return rc;
	if ((rc = load_files(cfgpath, &cfg, &f, "carenet renew")) != 0)
		return rc;
	rc = renew_request(&f, rotate, out);
	config_free(&cfg);
	return rc;
}

/* "carenet enroll --renew BUNDLE -c CFG"; any other enroll is certs/'s. */
int cmd_enroll_any(int argc, char **argv)
{
	const char *cfgpath = CONFIG_DEFAULT_PATH, *bundle = NULL;
	struct config *cfg = NULL;
	struct renew_files f;
	struct args a;
	int ch, rc, renew = 0;

	for (int i = 1; i < argc; i++)
		renew |= strncmp(argv[i], "--renew", 7) == 0;
	if (!renew)
		return cmd_enroll(argc, argv);
	args_begin(&a, &install_cmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END) {
		if (ch == 'R')
			bundle = a.val;
		else if (ch == 'c')
			cfgpath = a.val;
		else
			return a.exit;
	}
	if ((rc = args_operands(&a, 0, 0)) != 0)
		return rc;
	if ((rc = load_files(cfgpath, &cfg, &f, "carenet enroll")) != 0)
		return rc;
	rc = renew_install(&f, bundle);
	config_free(&cfg);
	return rc;
}

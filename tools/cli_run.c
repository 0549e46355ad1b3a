/* cli_run: `carenet run`, the node in the foreground (node/node.h runs it). */
#include <stdio.h>

#include "args.h"
#include "cmd.h"
#include "config.h"
#include "err.h"
#include "log.h"
#include "node.h"

static const struct args_opt run_opts[] = {
    {"config", 'c', "CFG", "configuration file (default " CONFIG_DEFAULT_PATH ")"},
    {"check", 'n', NULL,
     "check the configuration and identity files, print the\nnormalized configuration, and exit"},
    {0}};
static const struct args_cmd run_cmd = {
    "carenet run", "[-c CFG] [-n]",
    "Runs this office's node in the foreground (systemd-friendly; logs on stderr).\n"
    "Identity and role come from the certificate named in the configuration.\n",
    run_opts,
    "Signals: SIGTERM/SIGINT stop cleanly; SIGHUP reloads log level, limits and\n"
    "revocation lists.\n"};

/* -n: the configuration printed normalized, the identity files checked. */
static int run_check(const struct config *cfg)
{
	char id[PKI_ID_MAX];
	enum pki_role role;
	int rc = node_check(cfg, id, sizeof(id), &role);

	if (rc != 0) {
		fprintf(stderr, "carenet run: %s: identity files are not usable (see above)\n",
		        cfg->path);
		return cn_exit_code(rc);
	}
	config_print(cfg, stdout);
	fprintf(stderr, "carenet run: %s: configuration OK for %s (%s)\n", cfg->path, id,
	        pki_role_name(role));
	return 0;
}

int cmd_run(int argc, char **argv)
{
	const char *cfgpath = CONFIG_DEFAULT_PATH;
	struct config *cfg = NULL;
	struct args a;
	char err[512];
	int ch, check = 0, rc;

	args_begin(&a, &run_cmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END) {
		if (ch == 'c')
			cfgpath = a.val;
		else if (ch == 'n')
			check = 1;
		else
			return a.exit;
	}
	if ((rc = args_operands(&a, 0, 0)) != 0)
		return rc;
	if ((rc = config_load(cfgpath, &cfg, err, sizeof(err))) != 0) {
		fprintf(stderr, "carenet run: %s\n", err);
		return cn_exit_code(rc);
	}
	log_init((enum log_level)cfg->log_level, NULL);
	if (check) {
		rc = run_check(cfg);
		config_free(&cfg);
		return rc;
	}
	rc = node_run(&cfg);
	return rc == 0 ? 0 : cn_exit_code(rc);
}

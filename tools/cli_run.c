/* cli_run: `carenet run`, the node in the foreground (node/node.h runs it). */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "config.h"
#include "err.h"
#include "log.h"
#include "node.h"

static void run_usage(FILE *f)
{
	fprintf(f, "usage: carenet run [-c CFG] [-n]\n"
	           "\n"
	           "Runs this office's node in the foreground (systemd-friendly; logs on stderr).\n"
	           "Identity and role come from the certificate named in the configuration.\n"
	           "\n"
	           "  -c, --config CFG  configuration file (default " CONFIG_DEFAULT_PATH ")\n"
	           "  -n, --check       check the configuration and identity files, print the\n"
	           "                    normalized configuration, and exit\n"
	           "  -h, --help        this help\n"
	           "\n"
	           "Signals: SIGTERM/SIGINT stop cleanly; SIGHUP reloads log level, limits and\n"
	           "revocation lists.\n");
}

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
	static const struct option opts[] = {{"config", required_argument, 0, 'c'},
	                                     {"check", no_argument, 0, 'n'},
	                                     {"help", no_argument, 0, 'h'},
	                                     {0, 0, 0, 0}};
	const char *cfgpath = CONFIG_DEFAULT_PATH;
	struct config *cfg = NULL;
	char err[512];
	int ch, check = 0, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:nh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			cfgpath = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'h':
			run_usage(stdout);
			return 0;
		default:
			run_usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		run_usage(stderr);
		return 2;
	}
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

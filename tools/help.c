/*
 * help: `carenet help [CMD [SUB]]`, and the manual pages and completion
 * words made from the same tables as --help (base/args.h): every page is a
 * command's --help rendered as roff, carenet.cfg(5) the configuration key
 * table (config_doc_man). The build writes the pages with
 * `carenet help --man PAGE` (dist/man.sh); the bash completion asks
 * `carenet help --words [CMD [SUB]]`.
 */
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "cmd.h"
#include "config.h"

static const struct args_opt help_opts[] = {
    {"man", ARGS_LONG('m'), NULL,
     "the manual page instead: PAGE is carenet (default), a\n"
     "command (carenet-CMD(1)) or carenet.cfg (section 5), in roff"},
    {"man-list", ARGS_LONG('l'), NULL, "the manual pages there are, as man1/carenet.1.gz ..."},
    {"words", ARGS_LONG('w'), NULL,
     "what a shell completes after carenet [CMD [SUB]]: commands\n"
     "or --options, one a line"},
    {0}};
static const struct args_cmd help_cmd = {
    "carenet help", "[CMD [SUB]]\n--man [PAGE]\n--man-list\n--words [CMD [SUB]]",
    "Shows a command's help (the same as carenet CMD [SUB] --help); without CMD,\n"
    "the list of commands. Also writes the manual pages: man carenet, man\n"
    "carenet-CMD, man 5 carenet.cfg once the package is installed.\n",
    help_opts, NULL};

static void th(FILE *f, const char *name, int section)
{
	fputs(".TH \"", f);
	for (const char *c = name; *c; c++)
		fputc(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c, f);
	fprintf(f, "\" %d \"\" \"carenet %s\" \"carenet manual\"\n", section, CARENET_VERSION);
}

static const char files_text[] =
    "/etc/carenet/node.cfg\n"
    "  the node's configuration (carenet.cfg(5)), written by carenet enroll\n"
    "/etc/carenet/\n"
    "  its identity: node.key, curve.key (0600), node.pem, chain.pem, root.pem,\n"
    "  parent.pem, crl.pem; the directory 0700, owned by carenet\n"
    "/var/lib/carenet/\n"
    "  its data: the LMDB store, the control socket, the lock\n"
    "/etc/carenet/NAME/, /var/lib/carenet/NAME/\n"
    "  the same for node NAME of several on a machine (carenet@NAME.service)\n";

static int man_top(const struct args_group *top, FILE *f)
{
	th(f, "carenet", 1);
	fputs(".SH NAME\ncarenet \\- the three\\-tier child\\-welfare service network node\n"
	      ".SH SYNOPSIS\n.B carenet\n[\\-\\-operator \\fINAME\\fR] \\fICOMMAND\\fR "
	      "[\\fIARGS\\fR]\n.SH DESCRIPTION\n",
	      f);
	args_roff_text(f, top->about);
	fputs(".PP\ncarenet run is the node; every other command is a tool. "
	      "Each command has \\-\\-help, and a page of its own.\n.SH COMMANDS\n",
	      f);
	for (size_t i = 0; i < top->nsubs; i++) {
		fprintf(f, ".TP\n.BR carenet\\-%s (1)\n", top->subs[i].name);
		args_roff_text(f, top->subs[i].summary);
	}
	fputs(".SH NOTES\n", f);
	args_roff_text(f, top->epilog);
	fputs(".SH FILES\n", f);
	args_roff_text(f, files_text);
	fputs(".SH SEE ALSO\n.BR carenet.cfg (5),\n.BR systemctl (1);\n"
	      "/usr/share/doc/carenet/ (README.md, certs.md, config.md)\n",
	      f);
	return 0;
}

static int man_cfg(FILE *f)
{
	th(f, "carenet.cfg", 5);
	fputs(".SH NAME\ncarenet.cfg \\- carenet node configuration\n.SH SYNOPSIS\n"
	      "/etc/carenet/node.cfg, /etc/carenet/\\fINAME\\fR/node.cfg\n.SH DESCRIPTION\n",
	      f);
	args_roff_text(f,
	               "One file per node, in libconfig syntax, written by carenet enroll. Every\n"
	               "key has a default (an empty file is valid); unknown keys, wrong types and\n"
	               "out-of-range values are errors that name the file and line. Relative\n"
	               "paths are resolved against the file's directory. Check a file without\n"
	               "starting the node with carenet run -n -c FILE, which prints it\n"
	               "normalized. SIGHUP (systemctl reload carenet) applies what can be\n"
	               "reloaded. A node's id and role come from its certificate, never from\n"
	               "this file.\n");
	fputs(".SH KEYS\n", f);
	if (config_doc_man(f) != 0)
		return 1;
	fputs(".SH SEE ALSO\n.BR carenet (1),\n.BR carenet\\-run (1),\n.BR carenet\\-enroll (1);\n"
	      "/usr/share/doc/carenet/config.md\n",
	      f);
	return 0;
}

static int man_page(const struct args_group *top, const char *page)
{
	char name[64], *av[3] = {NULL, "--help", NULL};

	if (!page || !strcmp(page, "carenet"))
		return man_top(top, stdout);
	if (!strcmp(page, "carenet.cfg"))
		return man_cfg(stdout);
	if (!strncmp(page, "carenet-", 8))
		page += 8;
	for (size_t i = 0; i < top->nsubs; i++) {
		if (strcmp(top->subs[i].name, page) != 0)
			continue;
		snprintf(name, sizeof(name), "carenet-%s", page);
		th(stdout, name, 1);
		fprintf(stdout, ".SH NAME\ncarenet\\-%s \\- ", page);
		args_roff(stdout, top->subs[i].summary, strlen(top->subs[i].summary));
		fputc('\n', stdout);
		fflush(stdout);
		av[0] = (char *)page;
		args_set_format(ARGS_FMT_MAN);
		top->subs[i].fn(2, av);
		fflush(stdout);
		fputs(".SH SEE ALSO\n.BR carenet (1),\n.BR carenet.cfg (5)\n", stdout);
		return 0;
	}
	fprintf(stderr, "carenet help: no manual page '%s' (carenet help --man-list)\n", page);
	return 2;
}

int help_main(const struct args_group *top, int argc, char **argv)
{
	struct args a;
	int ch, mode = 0, n;
	char *av[8];

	args_begin(&a, &help_cmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END) {
		if (ch == ARGS_EXIT)
			return a.exit;
		mode = ch;
	}
	n = argc - a.ind;
	if (mode == ARGS_LONG('m'))
		return args_operands(&a, 0, 1) ? 2 : man_page(top, n ? argv[a.ind] : NULL);
	if (mode == ARGS_LONG('l')) {
		if (args_operands(&a, 0, 0))
			return 2;
		printf("man1/carenet.1.gz\nman5/carenet.cfg.5.gz\n");
		for (size_t i = 0; i < top->nsubs; i++)
			if (strcmp(top->subs[i].name, "help") != 0)
				printf("man1/carenet-%s.1.gz\n", top->subs[i].name);
		return 0;
	}
	if (args_operands(&a, 0, 2))
		return 2;
	if (mode == ARGS_LONG('w'))
		args_set_format(ARGS_FMT_WORDS);
	if (n == 0) {
		args_group_help(top, stdout);
		return 0;
	}
	av[0] = "help";
	for (int i = 0; i < n; i++)
		av[1 + i] = argv[a.ind + i];
	av[1 + n] = "--help";
	av[2 + n] = NULL;
	return args_dispatch(top, 2 + n, av);
}

/* carenet: one binary; `carenet run` is the node, the rest are tools. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "err.h"
#include "cmd.h"
#include "web_cmd.h"

static int cmd_help(int argc, char **argv);

static const struct args_sub subcommands[] = {
    {"ca", cmd_ca, "certificate authority: init, issue, revoke, list"},
    {"init", cmd_init, "create this office's keys and certificate request"},
    {"enroll", cmd_enroll_any, "install an enrollment bundle (or a renewal: --renew)"},
    {"renew", cmd_renew, "request a renewal of this office's certificate (--rotate: new keys)"},
    {"cert", cmd_cert, "show a certificate: id, role, validity, key, chain, revocation"},
    {"run", cmd_run, "run the node (foreground)"},
    {"status", cmd_status, "show the node's links and counters"},
    {"directive", cmd_directive, "issue, list and show directives (任务 督导通知 限时整改 通报)"},
    {"inbox", cmd_inbox, "the directives addressed to this office"},
    {"ack", cmd_ack, "report this office's state of a directive, with evidence"},
    {"audit", cmd_audit, "the node's hash-chained audit log; --verify"},
    {"clock", cmd_clock, "the node's clock; --advance a test clock"},
    {"crl", cmd_crl, "publish the county CA's revocation list down the tree"},
    {"offices", cmd_offices, "the offices this node knows below it"},
    {"tree", cmd_tree, "every office below, with its state (exit 1: one is down)"},
    {"record", cmd_record, "field records: add, update, close, list, import, export (台账)"},
    {"case", cmd_case, "cases at the county: open, list, show with their records (个案)"},
    {"ledger", cmd_ledger, "ledger summary: counts per office, no personal field (台账汇总)"},
    {"report", cmd_report, "mandatory reports: file, acknowledge, refer, close; hops (强制报告)"},
    {"doc", cmd_doc, "documents: attach a file (it travels up), get one back, list (文件)"},
    {"standards", cmd_standards, "the standards a county is judged by, as data: list, show (标准)"},
    {"compliance", cmd_compliance, "evaluate standards over this subtree's records (合规评估)"},
    {"inspect", cmd_inspect, "an inspector asks a node for its evaluation (督查)"},
    {"bulletin", cmd_bulletin, "the monthly bulletin of this subtree; --publish as a circular (月通报)"},
    {"attest", cmd_attest, "declare an attested indicator or another department's figure (声明)"},
    {"move", cmd_move, "a village moves to another township: move, status, apply (区划调整)"},
    {"backup", cmd_backup, "a compacted, consistent copy of the node's store"},
    {"restore", cmd_restore, "put a backup in place of a stopped node's store"},
    {"web", cmd_web, "the operators' web interface of this office (网页; a process of its own)"},
    {"user", cmd_user, "accounts of the web interface: add, passwd, list, remove"},
    {"demo", cmd_demo, "build a PKI and run a demo network on 127.0.0.1"},
    {"help", cmd_help, "a command's help (help CMD); the manual pages (help --man)"},
};

static const struct args_group carenet = {
    "carenet",
    "carenet — the three-tier child-welfare service network node\n"
    "(县级儿童福利服务指导中心 · 乡镇儿童福利服务工作站 · 儿童之家)\n",
    subcommands,
    sizeof(subcommands) / sizeof(subcommands[0]),
    "global option: --operator NAME (before the subcommand) names who operates in\n"
    "the node's audit log (default $SUDO_USER, else $USER)\n" CN_EXIT_TEXT,
};

static int cmd_help(int argc, char **argv)
{
	return help_main(&carenet, argc, argv);
}

/* `carenet --operator NAME SUBCOMMAND ...`: who operates, for the node's
 * audit log (cli_operator); before the subcommand, for every one of them. */
static int take_operator(int *argc, char ***argv)
{
	const char *name = NULL;
	int used = 0;

	if (*argc >= 3 && !strcmp((*argv)[1], "--operator")) {
		name = (*argv)[2];
		used = 2;
	} else if (*argc >= 2 && !strncmp((*argv)[1], "--operator=", 11)) {
		name = (*argv)[1] + 11;
		used = 1;
	} else if (*argc >= 2 && !strcmp((*argv)[1], "--operator")) {
		fprintf(stderr, "carenet: --operator needs a NAME (carenet --operator NAME "
		                "SUBCOMMAND ...)\n");
		return -1;
	}
	if (!used)
		return 0;
	if (!name[0] || setenv("CARENET_OPERATOR", name, 1) != 0) {
		fprintf(stderr, "carenet: --operator needs a non-empty NAME\n");
		return -1;
	}
	(*argv)[used] = (*argv)[0];
	*argv += used;
	*argc -= used;
	return 0;
}

int main(int argc, char **argv)
{
	if (take_operator(&argc, &argv) != 0)
		return 2;
	if (argc >= 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version"))) {
		printf("carenet %s\n", CARENET_VERSION);
		return 0;
	}
	return args_dispatch(&carenet, argc, argv);
}

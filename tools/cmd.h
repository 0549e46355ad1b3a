/*
 * cmd: the subcommands of the carenet binary. Each takes the argv that
 * follows its name (argv[0] is the subcommand name itself, getopt-ready),
 * prints its own --help, and returns the process exit status:
 * 0 success, 2 malformed command line, 4 well formed but refused, 1
 * anything else (cn_exit_code(), CN_EXIT_TEXT in err.h).
 */
#ifndef CARENET_CMD_H
#define CARENET_CMD_H

#include "certs_cmd.h" /* ca, init, enroll */

int cmd_run(int argc, char **argv);    /* cli_run.c: the node (node_run) */
int cmd_status(int argc, char **argv); /* cli.c: status via the control socket */
int cmd_demo(int argc, char **argv);   /* demo.c */
int cmd_directive(int argc, char **argv); /* cli_directive.c: directive issue|list|show */
int cmd_inbox(int argc, char **argv);  /* cli_inbox.c: directives addressed here */
int cmd_ack(int argc, char **argv);    /* cli_inbox.c: this office's state + evidence */
int cmd_audit(int argc, char **argv);  /* cli_audit.c: audit log, --verify */
int cmd_clock(int argc, char **argv);  /* cli_audit.c: the node's (test) clock */
int cmd_crl(int argc, char **argv);    /* cli_audit.c: crl publish */
int cmd_offices(int argc, char **argv); /* cli.c: offices known below this node */
int cmd_tree(int argc, char **argv);    /* cli.c: the subtree with states; a check */
int cmd_record(int argc, char **argv);  /* cli_record.c: field records */
int cmd_case(int argc, char **argv);    /* cli_case.c: cases (R14) open|list|show */
int cmd_ledger(int argc, char **argv);  /* cli_record_more.c: ledger summary */
int cmd_doc(int argc, char **argv);     /* cli_doc.c: documents add|get|list */
int cmd_report(int argc, char **argv);  /* cli_report.c: mandatory reports */
int cmd_standards(int argc, char **argv);  /* cli_compliance.c: standards list|show|check */
int cmd_compliance(int argc, char **argv); /* cli_compliance.c: evaluate standards */
int cmd_attest(int argc, char **argv);     /* cli_attest.c: an attestation (R27) */
int cmd_inspect(int argc, char **argv);    /* cli_inspect.c: an inspector asks a node */
int cmd_move(int argc, char **argv);       /* cli_move.c: a village moves (区划调整) */
int cmd_move_close(int argc, char **argv);  /* cli_close.c: an office is closed (撤销) */
int cmd_move_closed(int argc, char **argv); /* cli_close.c: the closes held */
int cmd_move_apply(int argc, char **argv);  /* cli_move_apply.c: the stopped office takes its new id */
int cmd_bulletin(int argc, char **argv);   /* cli_bulletin.c: the monthly bulletin */
int cmd_backup(int argc, char **argv);  /* cli_backup.c: a compacted copy of the store */
int cmd_restore(int argc, char **argv); /* cli_backup.c: put a backup in place */
int cmd_cert(int argc, char **argv);    /* cli_cert.c: cert show */
int cmd_renew(int argc, char **argv);   /* cli_renew.c: a renewal request */
/* cli_renew.c: enroll --renew here, any other enroll to cmd_enroll (certs/) */
int cmd_enroll_any(int argc, char **argv);

struct args_group;
/* help.c: `carenet help`, the man pages and completion words from top's table. */
int help_main(const struct args_group *top, int argc, char **argv);

/* The path of this executable (for the demo to start nodes); cli.c. */
const char *cmd_self_exe(void);

#endif

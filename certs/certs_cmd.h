/*
 * certs_cmd: the subcommands certs/ provides to the carenet binary (the
 * tools/ table in tools/cmd.h lists them). Each takes the argv that follows
 * its name and returns the process exit status (cn_exit_code()).
 */
#ifndef CARENET_CERTS_CMD_H
#define CARENET_CERTS_CMD_H

int cmd_ca(int argc, char **argv);     /* ca_issue.c: ca init|issue|revoke|crl|list */
int cmd_init(int argc, char **argv);   /* enroll.c: node or inspector identity + request */
int cmd_enroll(int argc, char **argv); /* enroll.c: install a bundle, write node.cfg */

#endif

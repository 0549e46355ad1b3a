/*
 * cli_record: the `carenet record` subcommands that live outside
 * cli_record.c (cli_record_more.c). Each takes the argv after `record`
 * and returns the process exit status, as cmd.h's commands do.
 */
#ifndef CARENET_CLI_RECORD_H
#define CARENET_CLI_RECORD_H

int record_review(int argc, char **argv);   /* review ID --approve|--return --note */
int record_transfer(int argc, char **argv); /* transfer ID --to OFFICE */
int record_accept(int argc, char **argv);   /* accept ID */

#endif

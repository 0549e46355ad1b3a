/*
 * cli_inspect: `carenet inspect` (cli_inspect.c: the evaluation) and
 * `carenet inspect finding|findings` (cli_inspect_finding.c). What both
 * share: the inspector's identity from its configuration, a CURVE DEALER to
 * the node, HELLO with the inspector's chain, frames out and in.
 */
#ifndef CARENET_CLI_INSPECT_H
#define CARENET_CLI_INSPECT_H

#include <stdint.h>

#include "config.h"
#include "pki.h"
#include "wire.h"

/* The inspector's identity files -c names (an inspector's only); errors printed. */
int cli_inspect_self(const char *path, struct config **cfg, struct pki_self **self);
/* A DEALER, CURVE client of the node whose certificate is cert; NULL (printed). */
void *cli_inspect_connect(void *ctx, const char *node, const char *cert,
                          const struct pki_self *self);
/* HELLO with self's chain; 0 on WELCOME, else the refusal (printed). */
int cli_inspect_hello(void *s, const struct pki_self *self, const char *node);
int cli_inspect_send(void *s, const Carenet__Frame *f);
/* The next frame of kind want, or a Refuse, before end_us (monotonic); NULL. */
Carenet__Frame *cli_inspect_recv(void *s, uint64_t end_us, Carenet__Frame__BodyCase want);
/* Prints the node's Refuse; returns its code. */
int cli_inspect_refused(const char *what, const Carenet__Refuse *r);

int cli_inspect_finding(int argc, char **argv);
int cli_inspect_findings(int argc, char **argv);

#endif

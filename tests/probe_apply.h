/*
 * probe_apply: carenet-probe's floods of signed items against the apply
 * path (tests/probe_apply.c). probe_apply_main runs when argv asks for one
 * of its --send modes and returns the exit status; -1 when the mode is not
 * one of its own (probe.c goes on with its own modes).
 */
#ifndef CARENET_PROBE_APPLY_H
#define CARENET_PROBE_APPLY_H

int probe_apply_main(int argc, char **argv);

#endif

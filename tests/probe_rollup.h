/*
 * probe_rollup: carenet-probe's forged roll-ups (tests/probe_rollup.c).
 * probe_rollup_main runs when argv asks for one of its --send modes and
 * returns the exit status; -1 when the mode is not one of its own.
 */
#ifndef CARENET_PROBE_ROLLUP_H
#define CARENET_PROBE_ROLLUP_H

int probe_rollup_main(int argc, char **argv);

#endif

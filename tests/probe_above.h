/*
 * probe_above: carenet-probe's forged directive tally (tests/probe_above.c).
 * probe_above_main runs when argv asks for its --send mode and returns the
 * exit status; -1 when the mode is not its own.
 */
#ifndef CARENET_PROBE_ABOVE_H
#define CARENET_PROBE_ABOVE_H

int probe_above_main(int argc, char **argv);

#endif

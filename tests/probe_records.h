/*
 * probe_records: carenet-probe's forged record versions (tests/probe_records.c).
 * probe_records_main runs when argv asks for one of its --send modes and
 * returns the exit status; -1 when the mode is not one of its own (probe.c
 * goes on with its own modes).
 */
#ifndef CARENET_PROBE_RECORDS_H
#define CARENET_PROBE_RECORDS_H

int probe_records_main(int argc, char **argv);

#endif

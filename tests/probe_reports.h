/*
 * probe_reports: carenet-probe's forged reports and report steps
 * (tests/probe_reports.c). probe_reports_main runs when argv asks for one of
 * its --send modes and returns the exit status; -1 when the mode is not one
 * of its own (probe.c goes on with its own modes).
 */
#ifndef CARENET_PROBE_REPORTS_H
#define CARENET_PROBE_REPORTS_H

int probe_reports_main(int argc, char **argv);

#endif

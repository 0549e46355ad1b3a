/*
 * sdnotify: the service manager's readiness and watchdog protocol
 * (sd_notify(3), "NOTES"): one datagram of "KEY=VALUE\n" lines to the
 * AF_UNIX socket named by $NOTIFY_SOCKET (a path, or "@name" for the
 * abstract namespace). Written here rather than linked from libsystemd: it
 * is one sendto() of a documented, stable protocol, and the node then needs
 * no library that a non-systemd machine or the sanitizer build lacks.
 *
 * Outside systemd (no $NOTIFY_SOCKET) every call does nothing and returns 0.
 * Single-threaded use (the node's loop).
 */
#ifndef CARENET_SDNOTIFY_H
#define CARENET_SDNOTIFY_H

#include <stdint.h>

/* Sends state ("READY=1", "WATCHDOG=1", "STOPPING=1\nSTATUS=..."). 0 when
 * sent or when there is no manager to tell; CN_EINVAL for a malformed
 * $NOTIFY_SOCKET, CN_EIO when the send failed. */
int sdnotify(const char *state);
/* The watchdog interval the manager asked for ($WATCHDOG_USEC, only when
 * $WATCHDOG_PID is unset or ours), in microseconds; 0: no watchdog. */
uint64_t sdnotify_watchdog_us(void);

#endif

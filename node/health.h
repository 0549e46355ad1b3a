/*
 * health: what `carenet tree` knows of the whole subtree, not only of this
 * node's own children: every office below with its state, last seen,
 * software version, queue depth and data age.
 *
 * Every ping interval a node sends its parent a Summary frame (wire.proto):
 * a row for itself (up, its version, its queue, age 0) and one for every
 * office below it, as health_rows() computes them here. The parent keeps
 * each child's latest Summary in memory (health_take) and folds it into its
 * own rows: a direct child's state, last seen and last error come from its
 * live session; its version, queue and age from its own row; an office
 * further down is shown as the child reported it while the child's session
 * is up and its Summary fresh, else as "unknown" (or up, when a village whose
 * township is down reaches this county on its direct link: failover). Ages
 * add up hop by hop
 * (the age a row had when sent, plus how long it has been held here), so no
 * clock has to agree with another.
 *
 * A hostile child can only speak for its own subtree: health_take refuses a
 * Summary that names any office not the child itself or below it, and the
 * rows shown are only the offices this node's registry holds (announced with
 * a verified certificate chain), with role and name from the registry. Not
 * durable: after a restart the rows say "unknown" until each child reports.
 * Thread: the node's thread only. Errors: CN_ESCOPE (a row outside the
 * child's subtree, why set), CN_ENOMEM, CN_ESTORE.
 */
#ifndef CARENET_HEALTH_H
#define CARENET_HEALTH_H

#include <stddef.h>
#include <stdint.h>

#include "control.pb-c.h"
#include "store.h"
#include "wire.pb-c.h"

enum { HEALTH_UP = 1, HEALTH_DOWN = 2, HEALTH_UNKNOWN = 3 };

struct health;

int health_new(struct health **out);
void health_free(struct health **h);

/* Child's Summary frame *f (taken; *f set to NULL) received at now (UTC
 * seconds): kept as the child's latest unless a row names an office that
 * is not child or below it (CN_ESCOPE, why says which). */
int health_take(struct health *h, const char *child, Carenet__Frame **f, uint64_t now, char *why,
                size_t whylen);

/* One row per office this node's registry holds below me, in id order, into
 * *rows (free with health_rows_free). links: this node's status as
 * link_status fills it (the children's sessions). A report older than stale
 * seconds no longer counts. */
int health_rows(struct health *h, struct store *st, const char *me, const Carenet__Status *links,
                uint64_t now, uint64_t stale, Carenet__OfficeHealth ***rows, size_t *n);
void health_rows_free(Carenet__OfficeHealth **rows, size_t n);

/* "up", "down", "unknown". */
const char *health_state_name(uint32_t state);

#endif

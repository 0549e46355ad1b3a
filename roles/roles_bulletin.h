/*
 * roles_bulletin: the monthly bulletin (月通报, roles_bulletin.c), roles top's
 * request over directives, reports, records and compliance. For
 * roles_control.c, and its counts for the monthly roll-up (roles_rollup.c).
 */
#ifndef CARENET_ROLES_BULLETIN_H
#define CARENET_ROLES_BULLETIN_H

#include "roles_int.h"

/* Control request bulletin: rep->bulletin (free with roles_bulletin_free);
 * CN_EINVAL a bad month, CN_EEXIST a second publish without force. */
int roles_bulletin_req(struct roles *r, const Carenet__ControlRequest *req,
                       Carenet__ControlReply *rep);
void roles_bulletin_free(Carenet__ControlReply *rep);
/* The month's directive and report counts of the bulletin (no records, no
 * compliance) inside txn, for the monthly roll-up (roles_rollup.c): *out
 * freed with carenet__bulletin_reply__free_unpacked. */
int roles_bulletin_counts(struct roles *r, MDB_txn *txn, const char *month,
                          Carenet__BulletinReply **out);
/* The compliance evaluation of q inside one read txn (roles_control.c):
 * rep->compliance, freed by the caller (carenet__compliance_reply__free_unpacked). */
int roles_compliance_eval(struct roles *r, const Carenet__ComplianceRequest *q,
                          Carenet__ControlReply *rep);
/* The same inside the caller's txn (the monthly roll-up, in the write txn). */
int roles_compliance_txn(struct roles *r, MDB_txn *txn, const Carenet__ComplianceRequest *q,
                         Carenet__ControlReply *rep);

#endif

/*
 * roles_bulletin: the monthly bulletin (月通报, roles_bulletin.c), roles top's
 * request over directives, reports, records and compliance. For
 * roles_control.c only.
 */
#ifndef CARENET_ROLES_BULLETIN_H
#define CARENET_ROLES_BULLETIN_H

#include "roles_int.h"

/* Control request bulletin: rep->bulletin (free with roles_bulletin_free);
 * CN_EINVAL a bad month, CN_EEXIST a second publish without force. */
int roles_bulletin_req(struct roles *r, const Carenet__ControlRequest *req,
                       Carenet__ControlReply *rep);
void roles_bulletin_free(Carenet__ControlReply *rep);
/* The compliance evaluation of q inside one read txn (roles_control.c):
 * rep->compliance, freed by the caller (carenet__compliance_reply__free_unpacked). */
int roles_compliance_eval(struct roles *r, const Carenet__ComplianceRequest *q,
                          Carenet__ControlReply *rep);

#endif

/*
 * roles_reports: roles top's part of reports (roles_reports.c): what needs
 * the records domain beside roles/reports/ (the child a report names, the
 * case opened from a report). For roles.c and roles_control.c only.
 */
#ifndef CARENET_ROLES_REPORTS_H
#define CARENET_ROLES_REPORTS_H

#include "roles_int.h"

int roles_report_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                       const struct pki_identity *origin, const char *from,
                       struct roles_route *route, char *why, size_t whylen);
int roles_report_file(struct roles *r, const Carenet__ControlRequest *req,
                      Carenet__ControlReply *rep);
int roles_report_step(struct roles *r, const Carenet__ControlRequest *req,
                      Carenet__ControlReply *rep);
int roles_report_list(struct roles *r, const Carenet__ControlRequest *req,
                      Carenet__ControlReply *rep);
int roles_report_show(struct roles *r, const Carenet__ControlRequest *req,
                      Carenet__ControlReply *rep);
int roles_report_open_case(struct roles *r, const Carenet__ControlRequest *req,
                           Carenet__ControlReply *rep);

/* Compliance's record source for the read-only type t (`report`): each
 * report held here whose office is prefix (exact) or begins with it, in id
 * order, as a record (counts and dates; the situations only if personal);
 * fn's non-zero stops and is returned. */
struct cmp_rec;
int roles_reports_each(struct roles *r, MDB_txn *txn, const struct rec_type *t,
                       const char *prefix, int exact, int personal,
                       int (*fn)(const struct cmp_rec *rc, void *arg), void *arg);

#endif

/*
 * office: office-id arithmetic. No certificates, no OpenSSL: pure functions
 * on id strings, safe from any thread.
 *
 * Ids are administrative division codes: province 2 digits, prefecture 4,
 * county 6, township 9, village 12. A is an ancestor of B iff A is a proper
 * prefix of B. A county's parent is its prefecture, or the province where
 * the county is configured to report to it directly (no prefecture between).
 * Inspectors have an id of the form "I<scope>-<tag>" (tag: 1..16 of
 * [a-z0-9]) and a scope (2..12 digits) that says which subtree they may see.
 * The role of a node follows from its id's length; a certificate's role
 * extension must agree (pki.h).
 * Errors: CN_EINVAL for an id that does not follow these rules.
 */
#ifndef CARENET_OFFICE_H
#define CARENET_OFFICE_H

#include <stddef.h>

#define PKI_ID_MAX 40 /* an id or scope, NUL included */

enum pki_role {
	PKI_ROLE_NONE = 0,
	PKI_ROLE_COUNTY,
	PKI_ROLE_TOWNSHIP,
	PKI_ROLE_VILLAGE,
	PKI_ROLE_INSPECTOR,
	PKI_ROLE_PROVINCE,   /* 2 digits: 省 (above the county: aggregates only) */
	PKI_ROLE_PREFECTURE, /* 4 digits: 州、市 */
};
#define PKI_ROLE_LAST PKI_ROLE_PREFECTURE /* arrays indexed by role: PKI_ROLE_LAST + 1 */

const char *pki_role_name(enum pki_role role);          /* "county", ...; "none" */
enum pki_role pki_role_parse(const char *name);         /* PKI_ROLE_NONE if unknown */
/* Role of a node id by its length (all digits, 2/4/6/9/12); PKI_ROLE_INSPECTOR for a
 * valid inspector id; PKI_ROLE_NONE if invalid. */
enum pki_role pki_role_from_id(const char *id);
int pki_scope_valid(const char *scope);                 /* 1 if 2..12 digits */
/* Parent id of a prefecture (prefix 2), county (prefix 4: its prefecture),
 * township (6) or village (9); CN_EINVAL otherwise (province, inspector). */
int pki_parent_id(const char *id, char *out, size_t outlen);
/* 1 if child's parent is parent: pki_parent_id, or a county under a province
 * that it reports to directly; 0 otherwise. */
int pki_is_direct_child(const char *parent, const char *child);
/* 1 for a province or prefecture: above the county, where only aggregates go. */
int pki_role_above_county(enum pki_role role);
int pki_scope_covers(const char *scope, const char *id);        /* 1 if scope is a prefix of id */

/* Scope part of an inspector id ("I5301-ab" -> "5301"); CN_EINVAL otherwise. */
int pki_inspector_scope(const char *id, char *out, size_t outlen);

#endif

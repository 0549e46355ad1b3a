/*
 * rules: the authority rules every role shares (architecture.md, "Roles and
 * authority"), checked when an office issues a directive AND at every hop
 * that receives one, whatever its signature:
 *
 *   county     any kind, to offices strictly under its id (townships, villages)
 *   township   any kind, to its own villages only
 *   village    no directives
 *   inspector  supervision notices and rectification orders, to offices
 *              its scope covers
 *   province   any kind, to its prefectures and counties; a township or
 *   prefecture village spec (53:village) names the counties, which relay
 *              it down (Directive.relay); a county's relay names the
 *              directive it relays (Directive.parent, id derived)
 *
 * Pure functions over an identity and a message; no storage. A refusal
 * writes its reason into why (what was wrong, in words an operator can act
 * on). Errors: CN_EROLE (the role may not do this), CN_ESCOPE (an id outside
 * the permitted subtree), CN_EINVAL (malformed), CN_ETOOBIG (over a cap).
 */
#ifndef CARENET_RULES_H
#define CARENET_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "items.pb-c.h"
#include "pki.h"

/* 0 if an office of o's role may originate a directive of this kind. */
int rules_may_issue(const struct pki_identity *o, uint32_t kind, char *why, size_t whylen);
/* 0 if o may address target (an office id) directly. */
int rules_target_ok(const struct pki_identity *o, const char *target, char *why, size_t whylen);
/* 0 if the prefix of a PREFIX:ROLE spec lies inside o's subtree and role is
 * one o may address (township or village; "" = any). */
int rules_spec_ok(const struct pki_identity *o, const char *prefix, const char *role, char *why,
                  size_t whylen);
/* 1 if id matches the spec (an explicit id of it, or under prefix with role). */
int rules_spec_matches(const Carenet__Targets *t, const char *id);
/* Every check on a directive originated by o at `created`: kind, title,
 * body, due, ref, indicators, reminders, spec, expanded targets (1..max,
 * no duplicates, each within o's authority and matching the spec). */
int rules_check_directive(const struct pki_identity *o, const Carenet__Directive *d,
                          uint64_t created, char *why, size_t whylen);
/* The id of county's relay of the directive parent (from a province or
 * prefecture): "<county>-0<L><origin><seq>" for parent "<origin>-<seq>", L
 * the origin's length; digits after the dash like every id, never one of the
 * county's own (they have no leading zero). CN_EINVAL if parent is not
 * from above the county. out >= ROLES_ID_MAX. */
int rules_relay_id(const char *county, const char *parent, char *out, size_t outlen);
/* 1 if id is an ancestor of me (a proper prefix of it). */
int rules_is_ancestor(const char *id, const char *me);
/* 1 if o may send directives that reach me: an ancestor office, or an
 * inspector whose scope covers me. */
int rules_is_above(const struct pki_identity *o, const char *me);

#endif

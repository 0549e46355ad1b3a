/*
 * rules: who may originate which directive, and to whom. One table a role;
 * the same checks run where a directive is issued and at every hop.
 */
#include "rules.h"
#include "directives.h"
#include "err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BIT(k) (1u << (k))

/* What each role may originate, and which roles it may address. */
static const struct role_rule {
	enum pki_role role;
	unsigned kinds;   /* BIT(kind) */
	unsigned targets; /* BIT(pki_role) */
	const char *what; /* for refusals */
} role_rules[] = {
    {PKI_ROLE_COUNTY,
     BIT(KIND_TASK) | BIT(KIND_NOTICE) | BIT(KIND_RECTIFICATION) | BIT(KIND_CIRCULAR),
     BIT(PKI_ROLE_TOWNSHIP) | BIT(PKI_ROLE_VILLAGE), "townships and villages under it"},
    {PKI_ROLE_TOWNSHIP,
     BIT(KIND_TASK) | BIT(KIND_NOTICE) | BIT(KIND_RECTIFICATION) | BIT(KIND_CIRCULAR),
     BIT(PKI_ROLE_VILLAGE), "its own villages"},
    {PKI_ROLE_VILLAGE, 0, 0, "nobody (a village sends statuses up: carenet ack)"},
    {PKI_ROLE_INSPECTOR, BIT(KIND_NOTICE) | BIT(KIND_RECTIFICATION),
     BIT(PKI_ROLE_COUNTY) | BIT(PKI_ROLE_TOWNSHIP) | BIT(PKI_ROLE_VILLAGE),
     "offices within its scope"},
    /* Above the county: counties (and prefectures) by name; townships and
     * villages only through their counties, which relay it (relay). */
    {PKI_ROLE_PROVINCE,
     BIT(KIND_TASK) | BIT(KIND_NOTICE) | BIT(KIND_RECTIFICATION) | BIT(KIND_CIRCULAR),
     BIT(PKI_ROLE_PREFECTURE) | BIT(PKI_ROLE_COUNTY),
     "its prefectures and counties (townships and villages through them: 53:village)"},
    {PKI_ROLE_PREFECTURE,
     BIT(KIND_TASK) | BIT(KIND_NOTICE) | BIT(KIND_RECTIFICATION) | BIT(KIND_CIRCULAR),
     BIT(PKI_ROLE_COUNTY), "its counties (townships and villages through them: 5301:village)"},
};

/* A role a spec may name: one the rule addresses, or, above the county, a
 * township or village its counties relay to. */
static int spec_role_ok(const struct pki_identity *o, const struct role_rule *rr,
                        enum pki_role want)
{
	if (rr->targets & BIT(want))
		return 1;
	return pki_role_above_county(o->role) &&
	       (want == PKI_ROLE_TOWNSHIP || want == PKI_ROLE_VILLAGE);
}

static const struct role_rule *rule_of(enum pki_role role)
{
	for (size_t i = 0; i < sizeof(role_rules) / sizeof(role_rules[0]); i++)
		if (role_rules[i].role == role)
			return &role_rules[i];
	return NULL;
}

int rules_is_ancestor(const char *id, const char *me)
{
	size_t n = strlen(id);
	return n > 0 && strlen(me) > n && strncmp(id, me, n) == 0 &&
	       pki_role_from_id(id) != PKI_ROLE_NONE && pki_role_from_id(id) != PKI_ROLE_INSPECTOR;
}

int rules_is_above(const struct pki_identity *o, const char *me)
{
	if (o->role == PKI_ROLE_INSPECTOR)
		return pki_scope_covers(o->scope, me);
	return rules_is_ancestor(o->id, me);
}

int rules_may_issue(const struct pki_identity *o, uint32_t kind, char *why, size_t whylen)
{
	const struct role_rule *rr = rule_of(o->role);

	if (kind < KIND_TASK || kind > KIND_CIRCULAR) {
		roles_why(why, whylen,
		          "unknown directive kind %u (task, notice, rectification, "
		          "circular)",
		          kind);
		return CN_EINVAL;
	}
	if (!rr || !(rr->kinds & BIT(kind))) {
		roles_why(why, whylen, "a %s office may not issue a %s (%s): it addresses %s",
		          pki_role_name(o->role), roles_kind_name(kind), roles_kind_zh(kind),
		          rr ? rr->what : "nobody");
		return CN_EROLE;
	}
	return 0;
}

/* Inside o's subtree: strictly under a node's id, or covered by a scope. */
static int within(const struct pki_identity *o, const char *id, int strict)
{
	if (o->role == PKI_ROLE_INSPECTOR)
		return pki_scope_covers(o->scope, id);
	return pki_scope_covers(o->id, id) && (!strict || strlen(id) > strlen(o->id));
}

static const char *subtree_of(const struct pki_identity *o)
{
	return o->role == PKI_ROLE_INSPECTOR ? o->scope : o->id;
}

int rules_target_ok(const struct pki_identity *o, const char *target, char *why, size_t whylen)
{
	const struct role_rule *rr = rule_of(o->role);
	enum pki_role tr = pki_role_from_id(target);

	if (tr == PKI_ROLE_NONE || tr == PKI_ROLE_INSPECTOR) {
		roles_why(why, whylen, "target %.40s is not an office id (2, 4, 6, 9 or 12 digits)",
		          target);
		return CN_EINVAL;
	}
	if (!rr || !rr->targets) {
		roles_why(why, whylen, "a %s office may not address other offices",
		          pki_role_name(o->role));
		return CN_EROLE;
	}
	if (!within(o, target, 1)) {
		roles_why(why, whylen, "target %s is outside this office's subtree %s", target,
		          subtree_of(o));
		return CN_ESCOPE;
	}
	if (!(rr->targets & BIT(tr))) {
		roles_why(why, whylen, "target %s is a %s: a %s office addresses %s", target,
		          pki_role_name(tr), pki_role_name(o->role), rr->what);
		return CN_EROLE;
	}
	return 0;
}

int rules_spec_ok(const struct pki_identity *o, const char *prefix, const char *role, char *why,
                  size_t whylen)
{
	const struct role_rule *rr = rule_of(o->role);
	enum pki_role want = role[0] ? pki_role_parse(role) : PKI_ROLE_NONE;

	if (!pki_scope_valid(prefix) ||
	    (role[0] && (want == PKI_ROLE_NONE || want == PKI_ROLE_INSPECTOR))) {
		roles_why(why, whylen,
		          "target %.40s:%.16s is not PREFIX:ROLE (ROLE county, township or "
		          "village)",
		          prefix, role);
		return CN_EINVAL;
	}
	if (!rr || !rr->targets) {
		roles_why(why, whylen, "a %s office may not address other offices",
		          pki_role_name(o->role));
		return CN_EROLE;
	}
	if (!within(o, prefix, 0)) {
		roles_why(why, whylen, "target %s:%s is outside this office's subtree %s", prefix,
		          role[0] ? role : "any", subtree_of(o));
		return CN_ESCOPE;
	}
	if (want != PKI_ROLE_NONE && !spec_role_ok(o, rr, want)) {
		roles_why(why, whylen, "target %s:%s: a %s office addresses %s", prefix, role,
		          pki_role_name(o->role), rr->what);
		return CN_EROLE;
	}
	return 0;
}

int rules_spec_matches(const Carenet__Targets *t, const char *id)
{
	if (t->n_ids > 0) {
		for (size_t i = 0; i < t->n_ids; i++)
			if (strcmp(t->ids[i], id) == 0)
				return 1;
		return 0;
	}
	if (!pki_scope_covers(t->prefix, id))
		return 0;
	return !t->role[0] || pki_role_from_id(id) == pki_role_parse(t->role);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* 1..max targets, no duplicate. */
static int check_unique(char **ids, size_t n, const char *what, char *why, size_t whylen)
{
	char **v;
	size_t i;
	int rc = 0;

	if (n == 0 || n > ROLES_MAX_TARGETS) {
		roles_why(why, whylen, "%zu %s: a directive has 1 to %d", n, what,
		          ROLES_MAX_TARGETS);
		return n ? CN_ETOOBIG : CN_EINVAL;
	}
	for (i = 1; i < n && strcmp(ids[i - 1], ids[i]) < 0; i++)
		;
	if (i >= n) /* strictly increasing, as an issuer expands them: none twice */
		return 0;
	if (!(v = malloc(n * sizeof(*v))))
		return CN_ENOMEM;
	memcpy(v, ids, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_str);
	for (i = 1; i < n && rc == 0; i++) {
		if (strcmp(v[i - 1], v[i]) == 0) {
			roles_why(why, whylen, "%s lists %.40s twice", what, v[i]);
			rc = CN_EINVAL;
		}
	}
	free(v);
	return rc;
}

static int check_spec(const struct pki_identity *o, const Carenet__Targets *t, char *why,
                      size_t whylen)
{
	int rc;

	if (!t || (t->n_ids > 0) == (t->prefix[0] != 0)) {
		roles_why(why, whylen, "targets must be either explicit ids or PREFIX:ROLE");
		return CN_EINVAL;
	}
	if (!t->n_ids)
		return rules_spec_ok(o, t->prefix, t->role, why, whylen);
	if ((rc = check_unique(t->ids, t->n_ids, "target ids", why, whylen)) != 0)
		return rc;
	for (size_t i = 0; i < t->n_ids; i++)
		if ((rc = rules_target_ok(o, t->ids[i], why, whylen)) != 0)
			return rc;
	return 0;
}

static int check_text(const Carenet__Directive *d, uint64_t created, char *why, size_t whylen)
{
	size_t tl = strlen(d->title), bl = strlen(d->body);

	if (tl == 0 || tl > ROLES_MAX_TITLE) {
		roles_why(why, whylen, "title is %zu bytes: give 1 to %d", tl, ROLES_MAX_TITLE);
		return tl ? CN_ETOOBIG : CN_EINVAL;
	}
	if (bl > ROLES_MAX_BODY) {
		roles_why(why, whylen,
		          "body is %zu bytes, at most %d: attach long material as "
		          "evidence instead",
		          bl, ROLES_MAX_BODY);
		return CN_ETOOBIG;
	}
	if (strlen(d->ref) > ROLES_MAX_REF || d->n_indicators > ROLES_MAX_INDICATORS ||
	    d->n_remind > ROLES_MAX_REMIND) {
		roles_why(why, whylen,
		          "ref over %d bytes, or over %d indicators, or over %d "
		          "reminders",
		          ROLES_MAX_REF, ROLES_MAX_INDICATORS, ROLES_MAX_REMIND);
		return CN_ETOOBIG;
	}
	for (size_t i = 0; i < d->n_indicators; i++) {
		size_t n = strlen(d->indicators[i]);
		if (n == 0 || n > ROLES_MAX_INDICATOR) {
			roles_why(why, whylen, "indicator %zu is %zu bytes: give 1 to %d", i + 1, n,
			          ROLES_MAX_INDICATOR);
			return n ? CN_ETOOBIG : CN_EINVAL;
		}
	}
	for (size_t i = 0; i < d->n_remind; i++) {
		if (d->remind[i] == 0) {
			roles_why(why, whylen, "a reminder offset of 0 seconds before due");
			return CN_EINVAL;
		}
	}
	if (d->due <= created) {
		roles_why(why, whylen, "due time %llu is not after the issue time %llu",
		          (unsigned long long)d->due, (unsigned long long)created);
		return CN_EINVAL;
	}
	return 0;
}

/* The role a PREFIX:ROLE spec names, as it reaches the counties: above the
 * county a township or village spec is relayed by them (""/NONE: any). */
static enum pki_role spec_relay_role(const Carenet__Targets *t)
{
	enum pki_role r = t->role[0] ? pki_role_parse(t->role) : PKI_ROLE_NONE;

	return r == PKI_ROLE_TOWNSHIP || r == PKI_ROLE_VILLAGE ? r : PKI_ROLE_NONE;
}

/* An expanded target matches the spec; above the county, a township or
 * village spec expands to the counties that relay it. */
static int expanded_matches(const struct pki_identity *o, const Carenet__Targets *t, const char *id)
{
	if (pki_role_above_county(o->role) && !t->n_ids && spec_relay_role(t) != PKI_ROLE_NONE)
		return pki_scope_covers(t->prefix, id) && pki_role_from_id(id) == PKI_ROLE_COUNTY;
	return rules_spec_matches(t, id);
}

int rules_relay_id(const char *county, const char *parent, char *out, size_t outlen)
{
	char origin[ROLES_ID_MAX];
	int n;

	if (roles_id_origin(parent, origin, sizeof(origin)) != 0 ||
	    !pki_role_above_county(pki_role_from_id(origin)))
		return CN_EINVAL;
	n = snprintf(out, outlen, "%s-0%zu%s%s", county, strlen(origin), origin,
	             parent + strlen(origin) + 1);
	return n > 0 && (size_t)n < outlen && (size_t)n < ROLES_ID_MAX ? 0 : CN_EINVAL;
}

/* How far a directive from above the county goes (relay), and the lineage
 * of a county's relayed one (parent): its origin a county, the parent's an
 * office above it, the id derived from the parent's (rules_relay_id). */
static int check_above(const struct pki_identity *o, const Carenet__Directive *d, char *why,
                       size_t whylen)
{
	enum pki_role rr = d->relay[0] ? pki_role_parse(d->relay) : PKI_ROLE_NONE;
	enum pki_role sr = d->targets->n_ids ? rr : spec_relay_role(d->targets);
	char want[ROLES_ID_MAX], porigin[ROLES_ID_MAX];

	if (d->relay[0] && (!pki_role_above_county(o->role) ||
	                    (rr != PKI_ROLE_TOWNSHIP && rr != PKI_ROLE_VILLAGE))) {
		roles_why(why, whylen,
		          "relay %.16s: only a province or prefecture asks its counties "
		          "to relay, to township or village",
		          d->relay);
		return CN_EROLE;
	}
	if (pki_role_above_county(o->role) && sr != rr) {
		roles_why(why, whylen,
		          "targets %.40s:%.16s with relay \"%.16s\": a spec's township "
		          "or village is the relay",
		          d->targets->prefix, d->targets->role, d->relay);
		return CN_EINVAL;
	}
	if (!d->parent[0])
		return 0;
	if (o->role != PKI_ROLE_COUNTY || roles_id_origin(d->parent, porigin, sizeof(porigin)) ||
	    !pki_role_above_county(pki_role_from_id(porigin)) ||
	    !rules_is_ancestor(porigin, o->id)) {
		roles_why(why, whylen,
		          "directive %.64s from %s claims parent %.64s: only a county "
		          "relays, and only a directive of a province or prefecture above it",
		          d->id, o->id, d->parent);
		return CN_EROLE;
	}
	if (d->id[0] && (rules_relay_id(o->id, d->parent, want, sizeof(want)) != 0 ||
	                 strcmp(want, d->id) != 0)) {
		roles_why(why, whylen, "relayed directive %.64s of %.64s: its id must be %s", d->id,
		          d->parent, want);
		return CN_EINVAL;
	}
	return 0;
}

/* A directive to 300 villages carries 300 ids, checked at every node it
 * reaches. Under a prefix:role spec of a county or township, the checks of
 * an id read only its length, that it is all digits, and its first `lead`
 * digits (the issuer's id and the spec's prefix): an id that shares those
 * with one already passed passes too. 0 where that does not hold (explicit
 * ids, an inspector's scope, a spec above the county): each id in full. */
static size_t same_lead(const struct pki_identity *o, const Carenet__Targets *t)
{
	size_t a = strlen(o->id), b = t->prefix ? strlen(t->prefix) : 0;

	if (t->n_ids || o->role == PKI_ROLE_INSPECTOR || pki_role_above_county(o->role))
		return 0;
	return a > b ? a : b;
}

static int like_checked(const char *id, const char *good, size_t lead)
{
	size_t n = strlen(id);

	if (n != strlen(good) || n < lead || memcmp(id, good, lead) != 0)
		return 0;
	for (size_t i = lead; i < n; i++)
		if (id[i] < '0' || id[i] > '9')
			return 0;
	return 1;
}

int rules_check_directive(const struct pki_identity *o, const Carenet__Directive *d,
                          uint64_t created, char *why, size_t whylen)
{
	int rc;

	if ((rc = rules_may_issue(o, d->kind, why, whylen)) != 0 ||
	    (rc = check_text(d, created, why, whylen)) != 0 ||
	    (rc = check_spec(o, d->targets, why, whylen)) != 0 ||
	    (rc = check_above(o, d, why, whylen)) != 0 ||
	    (rc = check_unique(d->expanded, d->n_expanded, "expanded targets", why, whylen)) != 0)
		return rc;
	for (size_t i = 0, lead = same_lead(o, d->targets); i < d->n_expanded; i++) {
		if (i > 0 && lead && like_checked(d->expanded[i], d->expanded[i - 1], lead))
			continue;
		if ((rc = rules_target_ok(o, d->expanded[i], why, whylen)) != 0)
			return rc;
		if (!expanded_matches(o, d->targets, d->expanded[i])) {
			char spec[128];
			roles_spec_text(d->targets, spec, sizeof(spec));
			roles_why(why, whylen, "expanded target %s does not match the targets %s",
			          d->expanded[i], spec);
			return CN_EINVAL;
		}
	}
	if (d->targets->n_ids && d->n_expanded != d->targets->n_ids) {
		roles_why(why, whylen, "%zu expanded targets for %zu explicit ids", d->n_expanded,
		          d->targets->n_ids);
		return CN_EINVAL;
	}
	return 0;
}

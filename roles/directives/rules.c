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
};

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
		roles_why(why, whylen, "target %.40s is not an office id (6, 9 or 12 digits)",
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
		          "target %.40s:%.16s is not PREFIX:ROLE (ROLE township or "
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
	if (want != PKI_ROLE_NONE && !(rr->targets & BIT(want))) {
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
	int rc = 0;

	if (n == 0 || n > ROLES_MAX_TARGETS) {
		roles_why(why, whylen, "%zu %s: a directive has 1 to %d", n, what,
		          ROLES_MAX_TARGETS);
		return n ? CN_ETOOBIG : CN_EINVAL;
	}
	if (!(v = malloc(n * sizeof(*v))))
		return CN_ENOMEM;
	memcpy(v, ids, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_str);
	for (size_t i = 1; i < n && rc == 0; i++) {
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

int rules_check_directive(const struct pki_identity *o, const Carenet__Directive *d,
                          uint64_t created, char *why, size_t whylen)
{
	int rc;

	if ((rc = rules_may_issue(o, d->kind, why, whylen)) != 0 ||
	    (rc = check_text(d, created, why, whylen)) != 0 ||
	    (rc = check_spec(o, d->targets, why, whylen)) != 0 ||
	    (rc = check_unique(d->expanded, d->n_expanded, "expanded targets", why, whylen)) != 0)
		return rc;
	for (size_t i = 0; i < d->n_expanded; i++) {
		if ((rc = rules_target_ok(o, d->expanded[i], why, whylen)) != 0)
			return rc;
		if (!rules_spec_matches(d->targets, d->expanded[i])) {
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

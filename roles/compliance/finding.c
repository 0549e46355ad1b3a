/*
 * finding: inspectors' on-site findings (R28, items.proto Finding) in the
 * compliance domain: the checks a node makes before keeping one (the
 * inspector's scope covers the office, the office is in this node's
 * subtree, and below the child that relayed it; the indicator is of mode I
 * or A in a standard; the method one of the four; no time in the future),
 * keeping it (records db, "F:" office '\0' indicator '\0' at(be64) id ->
 * the signed item's bytes as decoded), the list for `inspect findings`, and
 * the overlay that lets the latest finding for the evaluated office decide
 * an indicator ("inspected by X on DATE", never measured). roles top
 * (roles_inspect.c) calls these and issues the rectification order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "be.h"
#include "compliance.h"
#include "err.h"
#include "office.h"
#include "utf8.h"

#define FINDING_SKEW 300 /* seconds a finding's time may be ahead of ours */
#define FINDING_MAX_TEXT 2048
#define FINDING_MAX_EVIDENCE 16

static const char *const methods[] = {"审阅材料", "现场查看", "走访", "抽样调查"};

int finding_method_ok(const char *m)
{
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (!strcmp(m, methods[i]))
			return 1;
	return 0;
}

void finding_date(uint64_t t, char out[SD_DATE_LEN])
{
	time_t s = (time_t)(t + 8 * 3600); /* China time: UTC+8, no DST */
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(out, SD_DATE_LEN, "%Y-%m-%d", &tm);
}

/* The indicator in standard std ("" any) with mode I or A; its mode, or "". */
static int indicator_mode(struct roles *r, const char *std, const char *ind, char *mode)
{
	const char *dir = r->env.policy && r->env.policy->standards_dir[0]
	                      ? r->env.policy->standards_dir
	                      : sd_default_dir();
	char **ids = NULL, err[512];
	size_t n = 0;
	int rc;

	mode[0] = 0;
	if ((rc = sd_list_ids(dir, &ids, &n)) != 0)
		return rc;
	for (size_t i = 0; i < n && !mode[0]; i++) {
		struct sd_standard *s = NULL;
		if ((std[0] && strcmp(std, ids[i])) ||
		    sd_load_id(dir, ids[i], &s, err, sizeof(err)))
			continue;
		for (size_t k = 0; k < s->n; k++)
			if (!strcmp(s->v[k].id, ind)) {
				snprintf(mode, 4, "%s", s->v[k].mode);
				break;
			}
		sd_standard_free(s);
	}
	sd_ids_free(ids, n);
	return 0;
}

/* Valid UTF-8 without control characters (it goes into logs and the audit). */
static int text_ok(const char *s)
{
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	return utf8_valid(s, strlen(s));
}

static int fields_ok(const Carenet__Finding *f, const char *origin, char *why, size_t whylen)
{
	size_t ol = strlen(origin);

	if (strncmp(f->id, origin, ol) || f->id[ol] != '-' || strlen(f->id) >= 64)
		return roles_why(why, whylen, "finding id %.64s is not <inspector>-...", f->id),
		       CN_EINVAL;
	if (!roles_office_ok(f->office))
		return roles_why(why, whylen, "finding office \"%.40s\" is not an office id",
		                 f->office),
		       CN_EINVAL;
	if (strcmp(f->result, "pass") && strcmp(f->result, "fail"))
		return roles_why(why, whylen, "finding result \"%.16s\": pass or fail", f->result),
		       CN_EINVAL;
	if (!finding_method_ok(f->method))
		return roles_why(why, whylen,
		                 "finding method \"%.40s\": 审阅材料, 现场查看, 走访 or 抽样调查",
		                 f->method),
		       CN_EINVAL;
	if (strlen(f->note) > FINDING_MAX_TEXT || strlen(f->indicator) > 64 ||
	    strlen(f->standard) > 64 || f->n_evidence > FINDING_MAX_EVIDENCE)
		return roles_why(why, whylen, "finding over its caps"), CN_EINVAL;
	if (!text_ok(f->note) || !text_ok(f->indicator) || !text_ok(f->standard))
		return roles_why(why, whylen, "finding text is not printable UTF-8"), CN_EINVAL;
	for (size_t i = 0; i < f->n_evidence; i++)
		if (f->evidence[i]->sha256.len != 32 || strlen(f->evidence[i]->name) > 255)
			return roles_why(why, whylen,
			                 "finding evidence not named and hashed (SHA-256)"),
			       CN_EINVAL;
	return 0;
}

int finding_check(struct roles *r, const Carenet__Item *it, const char *from, char *why,
                  size_t whylen)
{
	const Carenet__Finding *f = it->finding;
	char scope[PKI_ID_MAX], mode[4];
	int rc;

	if (!f || pki_inspector_scope(it->origin, scope, sizeof(scope)) != 0)
		return roles_why(why, whylen, "a finding comes only from an inspector"), CN_EROLE;
	if ((rc = fields_ok(f, it->origin, why, whylen)) != 0)
		return rc;
	if (!pki_scope_covers(scope, f->office))
		return roles_why(why, whylen, "office %s is outside inspector %s's scope %s",
		                 f->office, it->origin, scope),
		       CN_ESCOPE;
	if (!pki_scope_covers(r->env.me->id, f->office))
		return roles_why(why, whylen, "office %s is not in %s's subtree", f->office,
		                 r->env.me->id),
		       CN_ESCOPE;
	if (strcmp(from, it->origin) && !pki_scope_covers(from, f->office))
		return roles_why(why, whylen, "a finding on %s cannot come through %s", f->office,
		                 from),
		       CN_ESCOPE;
	if (f->at == 0 || f->at > roles_now(r) + FINDING_SKEW)
		return roles_why(why, whylen, "finding time is in the future (or missing)"),
		       CN_EINVAL;
	if ((rc = indicator_mode(r, f->standard, f->indicator, mode)) != 0)
		return rc;
	if (strcmp(mode, "I") && strcmp(mode, "A"))
		return roles_why(why, whylen,
		                 mode[0] ? "indicator %s is of mode %s: only I or A are inspected"
		                         : "indicator %s%s: no standard holds it",
		                 f->indicator, mode),
		       CN_EINVAL;
	return 0;
}

static size_t key_of(char *k, size_t cap, const char *office, const char *ind, uint64_t at,
                     const char *id)
{
	int n = snprintf(k, cap, "F:%s%c%s%c", office, 0, ind, 0);
	if (n < 0 || (size_t)n + 8 + strlen(id) >= cap)
		return 0;
	be_put64((uint8_t *)k + n, at);
	memcpy(k + n + 8, id, strlen(id));
	return (size_t)n + 8 + strlen(id);
}

int finding_keep(struct roles *r, MDB_txn *txn, const Carenet__Item *it)
{
	const Carenet__Finding *f = it->finding;
	char key[512];
	size_t kl = key_of(key, sizeof(key), f->office, f->indicator, f->at, f->id);
	size_t len = carenet__item__get_packed_size(it);
	uint8_t *buf;
	MDB_val k = {kl, key}, v;
	int rc;

	if (!kl)
		return CN_EINVAL;
	rc = store_err(mdb_get(txn, roles_dbi(r, STORE_RECORDS), &k, &v), "finding get");
	if (rc != CN_ENOTFOUND)
		return rc == 0 ? 1 : rc; /* held already (another path): nothing to do */
	if (!(buf = malloc(len ? len : 1)))
		return CN_ENOMEM;
	v.mv_size = len, v.mv_data = buf;
	carenet__item__pack(it, buf);
	rc = store_err(mdb_put(txn, roles_dbi(r, STORE_RECORDS), &k, &v, 0), "finding put");
	free(buf);
	if (rc)
		return rc;
	return roles_audit(r, txn, it->origin, "finding", f->office,
	                   "%s %s on %s by %s (%s): %.200s", f->id, f->result, f->indicator,
	                   it->origin, f->method, f->note);
}

/* fn for each finding kept whose key begins with "F:" prefix (an office
 * prefix, or office '\0' indicator '\0'), in key order (by office,
 * indicator, time); fn returns non-zero to stop, which this returns. */
static int each(struct roles *r, MDB_txn *txn, const char *prefix, size_t plen,
                int (*fn)(const Carenet__Item *it, void *arg), void *arg)
{
	char pk[256];
	MDB_cursor *cur;
	MDB_val k, v;
	int mrc, rc = 0;

	if (plen + 2 > sizeof(pk))
		return CN_EINVAL;
	memcpy(pk, "F:", 2), memcpy(pk + 2, prefix, plen);
	if ((rc = store_err(mdb_cursor_open(txn, roles_dbi(r, STORE_RECORDS), &cur), "findings")))
		return rc;
	k.mv_size = plen + 2, k.mv_data = pk;
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); mrc == 0 && rc == 0;
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		Carenet__Item *it;
		if (k.mv_size < plen + 2 || memcmp(k.mv_data, pk, plen + 2))
			break;
		if (!(it = carenet__item__unpack(NULL, v.mv_size, v.mv_data)))
			continue;
		if (it->body_case == CARENET__ITEM__BODY_FINDING)
			rc = fn(it, arg);
		carenet__item__free_unpacked(it, NULL);
	}
	mdb_cursor_close(cur);
	return rc;
}

struct latest {
	const Carenet__ComplianceReply *c;
	Carenet__ComplianceIndicator *x;
	int found;
};

/* 1 if the finding names no standard or one of the evaluation's. */
static int std_matches(const char *stds, const char *s)
{
	size_t n = strlen(s);
	const char *p = stds;

	if (!s[0])
		return 1;
	for (; (p = strstr(p, s)) != NULL; p += n)
		if ((p == stds || p[-1] == ',') && (p[n] == 0 || p[n] == ','))
			return 1;
	return 0;
}

/* Replaces a reply string (the defaults are protobuf-c's static ""). */
static int set_str(char **p, const char *s)
{
	char *n = strdup(s);

	if (!n)
		return CN_ENOMEM;
	if (*p && *p != protobuf_c_empty_string)
		free(*p);
	*p = n;
	return 0;
}

static int latest_one(const Carenet__Item *it, void *arg)
{
	struct latest *l = arg;
	const Carenet__Finding *f = it->finding;
	Carenet__ComplianceIndicator *x = l->x;
	char d[SD_DATE_LEN], note[512];

	finding_date(f->at, d);
	if (strcmp(d, l->c->at) > 0 || !std_matches(l->c->standard, f->standard))
		return 0;
	snprintf(note, sizeof(note), "inspected by %s on %s (%s), not measured: %s", it->origin, d,
	         f->method, f->note);
	x->inspected = 1;
	x->attested = 0;
	l->found = 1;
	if (set_str(&x->result, f->result) || set_str(&x->note, note) ||
	    set_str(&x->inspected_by, it->origin) || set_str(&x->inspected_at, d) ||
	    set_str(&x->inspected_finding, f->id))
		return CN_ENOMEM;
	return 0;
}

int finding_overlay(struct roles *r, MDB_txn *txn, Carenet__ComplianceReply *c)
{
	char pk[200];
	int rc = 0;

	for (size_t i = 0; i < c->n_indicators && rc == 0; i++) {
		struct latest l = {c, c->indicators[i], 0};
		int n = snprintf(pk, sizeof(pk), "%s%c%s%c", c->office, 0, l.x->id, 0);
		if (strcmp(l.x->mode, "I") && strcmp(l.x->mode, "A"))
			continue;
		if (n > 0 && (size_t)n < sizeof(pk))
			rc = each(r, txn, pk, (size_t)n, latest_one, &l);
	}
	return rc;
}

/* ---- the list (`carenet inspect findings`) ---- */

struct list {
	Carenet__FindingView **v;
	size_t n, cap;
};

static int list_one(const Carenet__Item *it, void *arg)
{
	struct list *l = arg;
	const Carenet__Finding *f = it->finding;
	Carenet__FindingView *w;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		void *p = realloc(l->v, cap * sizeof(*l->v));
		if (!p)
			return CN_ENOMEM;
		l->v = p, l->cap = cap;
	}
	if (!(w = calloc(1, sizeof(*w))))
		return CN_ENOMEM;
	carenet__finding_view__init(w);
	l->v[l->n++] = w;
	w->at = f->at, w->rectify_days = f->rectify_days;
	if (set_str(&w->id, f->id) || set_str(&w->inspector, it->origin) ||
	    set_str(&w->office, f->office) || set_str(&w->standard, f->standard) ||
	    set_str(&w->indicator, f->indicator) || set_str(&w->result, f->result) ||
	    set_str(&w->method, f->method) || set_str(&w->note, f->note))
		return CN_ENOMEM;
	if (f->n_evidence && !(w->evidence = calloc(f->n_evidence, sizeof(*w->evidence))))
		return CN_ENOMEM;
	for (size_t i = 0; i < f->n_evidence; i++) {
		Carenet__Evidence *e = calloc(1, sizeof(*e));
		if (!e)
			return CN_ENOMEM;
		carenet__evidence__init(e);
		w->evidence[w->n_evidence++] = e;
		e->size = f->evidence[i]->size;
		if (set_str(&e->name, f->evidence[i]->name) || !(e->sha256.data = malloc(32)))
			return CN_ENOMEM;
		memcpy(e->sha256.data, f->evidence[i]->sha256.data, 32);
		e->sha256.len = 32;
	}
	return 0;
}

int finding_list(struct roles *r, MDB_txn *txn, const char *prefix, Carenet__ControlReply *rep)
{
	struct list l = {0};
	int rc = each(r, txn, prefix, strlen(prefix), list_one, &l);

	rep->findings = l.v, rep->n_findings = l.n;
	return rc;
}

void finding_reply_free(Carenet__ControlReply *rep)
{
	for (size_t i = 0; rep && i < rep->n_findings; i++)
		carenet__finding_view__free_unpacked(rep->findings[i], NULL);
	if (rep) {
		free(rep->findings);
		rep->findings = NULL, rep->n_findings = 0;
	}
}

/*
 * attest: indicators that software cannot measure (modes A, X) judged from
 * the attestations (R27) the evaluated office signed: the latest one for the
 * indicator (and this standard, or any when it names none) declared by T
 * and valid at T makes it pass *as attested* — the reply says by whom and
 * when, and the note says it is not measured; one that expired before T
 * makes it fail; none leaves it unknown. A value, if the attestation gives
 * a number, is shown; no threshold is checked against it yet.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compliance.h"

struct find {
	const struct sd_indicator *d;
	const char *at;
	int found, expired;
	char date[SD_DATE_LEN], until[SD_DATE_LEN], id[64], owner[PKI_ID_MAX];
	char statement[160], value[32];
};

static const char *val(const struct cmp_rec *rc, const char *name)
{
	int k = roles_record_field(rc->t, name);
	return k >= 0 && rc->val[k] ? rc->val[k] : "";
}

static int on_attestation(const struct cmp_rec *rc, void *arg)
{
	struct find *f = arg;
	const char *std = val(rc, "standard"), *date = val(rc, "declared_at");
	const char *until = val(rc, "valid_until");
	int expired;

	if (strcmp(val(rc, "indicator"), f->d->id) ||
	    (*std && f->d->std_id && strcmp(std, f->d->std_id)))
		return 0;
	if (strlen(date) < 10 || strncmp(date, f->at, 10) > 0)
		return 0; /* declared after T */
	expired = *until && strncmp(until, f->at, 10) < 0;
	if (f->found &&
	    (expired > f->expired || (expired == f->expired && strncmp(date, f->date, 10) <= 0)))
		return 0; /* a valid one beats an expired one; then the latest */
	f->found = 1, f->expired = expired;
	snprintf(f->date, sizeof(f->date), "%.10s", date);
	snprintf(f->until, sizeof(f->until), "%.10s", until);
	snprintf(f->id, sizeof(f->id), "%s", rc->id);
	snprintf(f->owner, sizeof(f->owner), "%s", rc->owner);
	snprintf(f->statement, sizeof(f->statement), "%s", val(rc, "statement"));
	snprintf(f->value, sizeof(f->value), "%s", val(rc, "value"));
	return 0;
}

int cmp_attested(const struct cmp_source *src, const char *scope, const char *at,
                 const struct sd_indicator *d, struct cmp_result *out)
{
	const struct rec_type *t = roles_record_type("attestation");
	struct find f = {.d = d, .at = at};
	char *end;
	int rc;

	if (!t || (rc = src->each(src->arg, t, scope, CMP_EXACT, on_attestation, &f)) != 0)
		return t ? rc : 0;
	if (!f.found)
		return 0;
	out->attested = 1;
	snprintf(out->attested_by, sizeof(out->attested_by), "%s", f.owner);
	snprintf(out->attested_at, sizeof(out->attested_at), "%s", f.date);
	snprintf(out->attested_id, sizeof(out->attested_id), "%s", f.id);
	if (f.expired) {
		out->res = CR_FAIL;
		snprintf(out->note, sizeof(out->note), "the attestation %s by %s expired on %s",
		         f.id, f.owner, f.until);
		return 0;
	}
	out->res = CR_PASS;
	snprintf(out->note, sizeof(out->note), "attested by %s on %s (声明, not measured): %s",
	         f.owner, f.date, f.statement);
	out->value = strtod(f.value, &end);
	out->has_value = *f.value && !*end;
	return 0;
}

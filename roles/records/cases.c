/*
 * cases: R14 case records (个案) at the county — opening one (from a report,
 * a hotline call, a visit, an application, or otherwise) as an ordinary
 * record write, so it is validated, stored, emitted and audited as every
 * record is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "records.h"

static const char *const case_sources[] = {"R12", "R13", "R11", "R15", "other", NULL};

/* "YYYY-MM-DD HH:MM" in China time (UTC+8), as RK_TIME values are kept. */
void records_time_text(uint64_t t, char *out, size_t len)
{
	time_t s = (time_t)(t + 8 * 3600);
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(out, len, "%Y-%m-%d %H:%M", &tm);
}

static void field(Carenet__Field *f, Carenet__Field **fp, size_t *n, const char *name,
                  const char *value)
{
	carenet__field__init(&f[*n]);
	f[*n].name = (char *)name;
	f[*n].value = (char *)value;
	fp[*n] = &f[*n];
	(*n)++;
}

static int source_ok(const char *source)
{
	for (size_t i = 0; case_sources[i]; i++)
		if (!strcmp(source, case_sources[i]))
			return 1;
	return 0;
}

/* The problems of a refused write, one after another, into r->err. */
static void errs_to_why(struct roles *r, const struct strvec *errs)
{
	size_t off = 0;

	r->err[0] = 0;
	for (size_t i = 0; i < errs->n && off < sizeof(r->err); i++)
		off += (size_t)snprintf(r->err + off, sizeof(r->err) - off, "%s%s", i ? "; " : "",
		                        errs->v[i]);
}

int records_case_open(struct roles *r, MDB_txn *txn, const char *source, const char *source_ref,
                      const char *child, const char *description, char *id_out, size_t idlen)
{
	Carenet__Field f[8], *fp[8];
	Carenet__RecordInput in = CARENET__RECORD_INPUT__INIT, *inp = &in;
	Carenet__RecordWriteRequest q = CARENET__RECORD_WRITE_REQUEST__INIT;
	struct strvec errs = {0}, ids = {0};
	char opened[32];
	size_t n = 0;
	int ret;

	if (!records_may_own(roles_record_type("case"), r->env.me->id, r->err, sizeof(r->err)))
		return CN_EROLE;
	if (!source || !source_ok(source) || !source_ref || !source_ref[0]) {
		roles_why(r->err, sizeof(r->err), "a case needs its source (R12, R13, R11, R15 or "
		          "other) and the id of what it comes from (--source S --ref ID)");
		return CN_EINVAL;
	}
	records_time_text(roles_now(r), opened, sizeof(opened));
	field(f, fp, &n, "opened_at", opened);
	field(f, fp, &n, "source", source);
	field(f, fp, &n, "source_ref", source_ref);
	field(f, fp, &n, "status", "在办");
	if (child && child[0])
		field(f, fp, &n, "child", child);
	if (description && description[0])
		field(f, fp, &n, "child_description", description);
	in.type = "case";
	in.set = fp;
	in.n_set = n;
	q.records = &inp;
	q.n_records = 1;
	ret = records_write(r, txn, &q, &errs, &ids);
	if (ret == CN_EINVAL && errs.n)
		errs_to_why(r, &errs);
	if (ret == 0 && id_out)
		snprintf(id_out, idlen, "%s", ids.n ? ids.v[0] : "");
	roles_vec_free(&errs);
	roles_vec_free(&ids);
	return ret;
}

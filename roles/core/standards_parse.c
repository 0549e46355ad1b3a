/*
 * standards_parse: the rule language's parser and load-time checks
 * (grammar: docs/design.md, "Compliance"). A rule is tokenized (words,
 * numbers, dates, Chinese values, punctuation), parsed by recursive descent
 * into struct sd_rule, and every field, operator and value is checked
 * against the record schema of its set's type as it is read.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "standards.h"

#define TOK_MAX 256
#define MAX_TERMS 32

struct tok {
	char s[TOK_MAX];
	size_t col; /* code points before it */
};
struct ps {
	struct tok *t;
	size_t n, i;
	char *err;
	size_t errlen;
	int failed, terms;
	const struct rec_type *county; /* R01, for county.FIELD */
};

static int fail(struct ps *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct ps *p, const char *fmt, ...)
{
	va_list ap;
	size_t col = p->i < p->n ? p->t[p->i].col : (p->n ? p->t[p->n - 1].col + 1 : 0);
	int k;

	if (p->failed)
		return CN_EINVAL;
	p->failed = 1;
	k = snprintf(p->err, p->errlen, "column %zu: ", col + 1);
	va_start(ap, fmt);
	if (k >= 0 && (size_t)k < p->errlen)
		vsnprintf(p->err + k, p->errlen - (size_t)k, fmt, ap);
	va_end(ap);
	return CN_EINVAL;
}

static int is_punct(char c)
{
	return strchr("(){},:", c) != NULL;
}

static int tokenize(const char *s, struct ps *p)
{
	size_t cap = 0, col = 0;

	while (*s) {
		struct tok *t;
		size_t len = 0;
		if (*s == ' ' || *s == '\t' || *s == '\n') {
			s++, col++;
			continue;
		}
		if (p->n == cap) {
			cap = cap ? cap * 2 : 32;
			if (!(t = realloc(p->t, cap * sizeof(*t))))
				return CN_ENOMEM;
			p->t = t;
		}
		t = &p->t[p->n++];
		t->col = col;
		if (is_punct(*s))
			len = 1;
		else if (strchr("<>=!", *s))
			len = (s[1] == '=') ? 2 : 1;
		else
			while (s[len] && !strchr(" \t\n", s[len]) && !is_punct(s[len]) &&
			       !strchr("<>=!", s[len]))
				len++;
		if (len >= TOK_MAX) {
			p->i = p->n - 1;
			return fail(p, "a word over %d bytes", TOK_MAX - 1);
		}
		memcpy(t->s, s, len);
		t->s[len] = 0;
		for (size_t k = 0; k < len; k++)
			if (((unsigned char)s[k] & 0xC0) != 0x80)
				col++;
		s += len;
	}
	return 0;
}

static const char *peek(struct ps *p)
{
	return p->i < p->n ? p->t[p->i].s : "";
}
static int accept(struct ps *p, const char *w)
{
	if (p->i < p->n && !strcmp(p->t[p->i].s, w)) {
		p->i++;
		return 1;
	}
	return 0;
}
static int expect(struct ps *p, const char *w)
{
	if (accept(p, w))
		return 0;
	return fail(p, "expected '%s', found '%s'", w, p->i < p->n ? peek(p) : "the end");
}

static int parse_num(const char *s, double *out)
{
	char *e;
	if (!*s || !(isdigit((unsigned char)*s) || *s == '-' || *s == '.'))
		return -1;
	*out = strtod(s, &e);
	return *e ? -1 : 0;
}

static int cmp_op(const char *s, enum sd_op *op)
{
	static const char *const n[] = {"=", "!=", "<", "<=", ">", ">="};
	for (int k = 0; k < 6; k++)
		if (!strcmp(s, n[k])) {
			*op = (enum sd_op)k;
			return 1;
		}
	return 0;
}

static int parse_window(struct ps *p, struct sd_window *w)
{
	double n;
	memset(w, 0, sizeof(*w));
	if (accept(p, "year"))
		w->kind = SW_YEAR;
	else if (accept(p, "quarter"))
		w->kind = SW_QUARTER;
	else if (accept(p, "month"))
		w->kind = SW_MONTH;
	else if (accept(p, "last")) {
		if (parse_num(peek(p), &n) || n < 1 || n != (int)n)
			return fail(p, "expected a whole number after 'last', found '%s'", peek(p));
		p->i++;
		w->n = (int)n;
		if (accept(p, "days"))
			w->kind = SW_DAYS;
		else if (accept(p, "weeks"))
			w->kind = SW_WEEKS, n *= 7;
		else if (accept(p, "months"))
			w->kind = SW_MONTHS, n *= 31;
		else
			return fail(p, "expected days, weeks or months, found '%s'", peek(p));
		if (n > 5 * 366)
			return fail(p, "a window over 5 years");
	} else
		return fail(p,
		            "expected a window (year, quarter, month, last N days|weeks|months), "
		            "found '%s'",
		            peek(p));
	return 0;
}

static struct sd_cond *cond_new(enum sd_op op)
{
	struct sd_cond *c = calloc(1, sizeof(*c));
	if (c)
		c->op = op;
	return c;
}

static void cond_free(struct sd_cond *c)
{
	if (!c)
		return;
	cond_free(c->a);
	cond_free(c->b);
	for (size_t k = 0; k < c->nvals; k++)
		free(c->vals[k]);
	free(c);
}

static const char *kind_name(enum rec_kind k)
{
	static const char *const n[] = {"text", "date",      "enum",   "set",   "yes/no",
	                                "code", "reference", "number", "phone", "id number",
	                                "time", "money",     "entries"};
	return (unsigned)k < sizeof(n) / sizeof(n[0]) ? n[k] : "?";
}

/* A value of field f (NULL: age) is one the schema allows. */
static int check_value(struct ps *p, const struct rec_type *t, const struct rec_field *f,
                       const char *v)
{
	double d;
	long days;
	if (!f)
		return parse_num(v, &d) ? fail(p, "age takes a number, not '%s'", v) : 0;
	if (f->kind == RK_ENUM || f->kind == RK_SET) {
		for (const char *const *x = f->values; x && *x; x++)
			if (!strcmp(*x, v))
				return 0;
		return fail(p, "'%s' is not a value of %s (%s) of %s (%s)", v, f->name, f->zh,
		            t->name, t->code);
	}
	if (f->kind == RK_BOOL && strcmp(v, "是") && strcmp(v, "否"))
		return fail(p, "%s of %s is yes/no: write 是 or 否, not '%s'", f->name, t->name, v);
	if ((f->kind == RK_INT || f->kind == RK_MONEY) && parse_num(v, &d))
		return fail(p, "%s of %s is a number, not '%s'", f->name, t->name, v);
	if ((f->kind == RK_DATE || f->kind == RK_TIME) && sd_date_days(v, &days))
		return fail(p, "%s of %s is a date: write YYYY-MM-DD, not '%s'", f->name, t->name,
		            v);
	return 0;
}

static int parse_values(struct ps *p, struct sd_cond *c, const struct rec_type *t,
                        const struct rec_field *f)
{
	int braces = accept(p, "{");
	do {
		const char *v = peek(p);
		if (p->i >= p->n || is_punct(*v))
			return fail(p, "expected a value, found '%s'", p->i < p->n ? v : "the end");
		if (c->nvals == SD_MAX_VALUES)
			return fail(p, "more than %d values", SD_MAX_VALUES);
		if (check_value(p, t, f, v))
			return CN_EINVAL;
		if (!(c->vals[c->nvals++] = strdup(v)))
			return CN_ENOMEM;
		p->i++;
	} while (braces && accept(p, ","));
	return braces ? expect(p, "}") : 0;
}

static int is_ordered(enum rec_kind k)
{
	return k == RK_INT || k == RK_MONEY || k == RK_DATE || k == RK_TIME;
}

/* FIELD CMP value (the operator is next). */
static int parse_cmp_term(struct ps *p, struct sd_cond *c, const struct rec_type *ft,
                          const struct rec_field *f, const char *name, enum sd_op op)
{
	p->i++;
	c->op = op;
	if (op > SD_NE && f && !is_ordered(f->kind))
		return fail(p, "wrong operator '%s' for %s (%s, a %s): use = or in",
		            p->t[p->i - 1].s, name, f->zh, kind_name(f->kind));
	if (f && f->kind == RK_SET)
		return fail(p, "wrong operator for %s (a set): use has", name);
	if (parse_values(p, c, ft, f))
		return CN_EINVAL;
	if (c->nvals != 1)
		return fail(p, "'%s' compares with one value", p->t[p->i - 1].s);
	parse_num(c->vals[0], &c->num);
	return 0;
}

/* FIELD [op ...]; t: the set's type. */
static int parse_field_term(struct ps *p, const struct rec_type *t, struct sd_cond **out)
{
	char name[TOK_MAX];
	const struct rec_type *ft = t;
	const struct rec_field *f = NULL;
	struct sd_cond *c;
	int county = 0, k = SD_FIELD_AGE;
	enum sd_op op;

	snprintf(name, sizeof(name), "%s", peek(p));
	if (!strncmp(name, "county.", 7)) {
		county = 1, ft = p->county;
		memmove(name, name + 7, strlen(name + 7) + 1);
	}
	if (!ft)
		return fail(p, "a rule's when reads the county profile: write county.%s", name);
	if (strcmp(name, "age") || county || roles_record_field(ft, "birth_date") < 0) {
		if ((k = roles_record_field(ft, name)) < 0)
			return fail(p, "unknown field '%s' for %s (%s)", name, ft->name, ft->code);
		f = &ft->fields[k];
	}
	p->i++;
	if (!(c = cond_new(SD_EQ)))
		return CN_ENOMEM;
	*out = c;
	c->field = k, c->county = county;
	if (cmp_op(peek(p), &op))
		return parse_cmp_term(p, c, ft, f, name, op);
	if (accept(p, "in")) {
		if (!strcmp(peek(p), "{")) {
			c->op = SD_IN;
			if (f && f->kind == RK_SET)
				return fail(p, "wrong operator 'in' for %s (a set): use has any",
				            name);
			return parse_values(p, c, ft, f);
		}
		c->op = SD_INWIN;
		if (!f || (f->kind != RK_DATE && f->kind != RK_TIME))
			return fail(p, "a window needs a date field; %s is not one", name);
		return parse_window(p, &c->win);
	}
	if (accept(p, "has")) {
		c->op = accept(p, "all") ? SD_HAS_ALL : (accept(p, "any"), SD_HAS_ANY);
		if (!f || f->kind != RK_SET)
			return fail(p, "wrong operator 'has' for %s (%s): has is for sets", name,
			            f ? kind_name(f->kind) : "a number");
		return parse_values(p, c, ft, f);
	}
	if (accept(p, "within")) {
		c->op = SD_WITHIN;
		if (!f || (f->kind != RK_DATE && f->kind != RK_TIME))
			return fail(p, "wrong operator 'within' for %s: within is for dates", name);
		if (parse_num(peek(p), &c->num) || c->num < 0 || c->num > 5 * 366)
			return fail(p, "expected a number of days (0 to 1830), found '%s'",
			            peek(p));
		p->i++;
		return expect(p, "days");
	}
	return fail(p, "expected an operator (= != < <= > >= in has within) after %s, found '%s'",
	            name, p->i < p->n ? peek(p) : "the end");
}

static int parse_cond(struct ps *p, const struct rec_type *t, struct sd_cond **out);

static int parse_term(struct ps *p, const struct rec_type *t, struct sd_cond **out)
{
	if (++p->terms > MAX_TERMS)
		return fail(p, "more than %d terms", MAX_TERMS);
	if (accept(p, "not")) {
		if (!(*out = cond_new(SD_NOT)))
			return CN_ENOMEM;
		return parse_term(p, t, &(*out)->a);
	}
	if (accept(p, "(")) {
		if (parse_cond(p, t, out))
			return CN_EINVAL;
		return expect(p, ")");
	}
	if (accept(p, "present")) {
		int k;
		if (expect(p, "("))
			return CN_EINVAL;
		if (!t || (k = roles_record_field(t, peek(p))) < 0)
			return fail(p, "unknown field '%s' for %s (%s)", peek(p), t ? t->name : "?",
			            t ? t->code : "?");
		p->i++;
		if (!(*out = cond_new(SD_PRESENT)))
			return CN_ENOMEM;
		(*out)->field = k;
		return expect(p, ")");
	}
	if (p->i >= p->n || is_punct(*peek(p)))
		return fail(p, "expected a condition, found '%s'",
		            p->i < p->n ? peek(p) : "the end");
	return parse_field_term(p, t, out);
}

static int parse_and(struct ps *p, const struct rec_type *t, struct sd_cond **out)
{
	if (parse_term(p, t, out))
		return CN_EINVAL;
	while (accept(p, "and")) {
		struct sd_cond *c = cond_new(SD_AND);
		if (!c)
			return CN_ENOMEM;
		c->a = *out, *out = c;
		if (parse_term(p, t, &c->b))
			return CN_EINVAL;
	}
	return 0;
}

static int parse_cond(struct ps *p, const struct rec_type *t, struct sd_cond **out)
{
	if (parse_and(p, t, out))
		return CN_EINVAL;
	while (accept(p, "or")) {
		struct sd_cond *c = cond_new(SD_OR);
		if (!c)
			return CN_ENOMEM;
		c->a = *out, *out = c;
		if (parse_and(p, t, &c->b))
			return CN_EINVAL;
	}
	return 0;
}

static int and_into(struct sd_cond **dst, struct sd_cond *c)
{
	struct sd_cond *a;
	if (!*dst) {
		*dst = c;
		return 0;
	}
	if (!(a = cond_new(SD_AND)))
		return CN_ENOMEM;
	a->a = *dst, a->b = c, *dst = a;
	return 0;
}

static int parse_set(struct ps *p, struct sd_set *s)
{
	const char *name = peek(p);
	if (!(s->src = sd_source(name)))
		return fail(p,
		            "unknown record type '%s' (known: division, office, home, document, "
		            "staff, training, meeting, child, activity, visit, hotline, case, "
		            "application, assessment, intervention, placement, support, "
		            "attestation)",
		            name);
	if (!(s->t = roles_record_type(s->src->type)))
		return fail(p, "record type '%s' is not in the schema", s->src->type);
	s->date_k = s->src->date ? roles_record_field(s->t, s->src->date) : -1;
	s->start_k = s->src->start ? roles_record_field(s->t, s->src->start) : -1;
	s->end_k = s->src->end ? roles_record_field(s->t, s->src->end) : -1;
	s->kind_k = s->src->kind_field ? roles_record_field(s->t, s->src->kind_field) : -1;
	p->i++;
	if (accept(p, "(")) {
		do {
			struct sd_cond *c = NULL;
			if (accept(p, "active"))
				s->active = 1;
			else if (accept(p, "own"))
				s->own = 1;
			else if (parse_cond(p, s->t, &c) || and_into(&s->filter, c)) {
				cond_free(c);
				return CN_EINVAL;
			}
		} while (accept(p, ","));
		if (expect(p, ")"))
			return CN_EINVAL;
	}
	if (accept(p, "in")) {
		if (!s->src->date)
			return fail(p, "%s has no date for a window", s->src->name);
		return parse_window(p, &s->win);
	}
	return 0;
}

/* A set nested under one of type outer must have a join key. */
static int check_join(struct ps *p, const struct sd_set *outer, const struct sd_set *inner)
{
	const char *o = outer->src->type;
	if (!strcmp(o, "division") || !strcmp(o, "office"))
		return 0; /* joined by the owning office */
	if (!strcmp(o, "child") &&
	    (roles_record_field(inner->t, "child") >= 0 || !strcmp(inner->t->name, "visit")))
		return 0; /* joined by the child's id */
	return fail(p, "%s inside %s: no join key between them", inner->src->name,
	            outer->src->name);
}

static void verdict_free(struct sd_verdict *v)
{
	if (!v)
		return;
	cond_free(v->set.filter);
	cond_free(v->when);
	cond_free(v->cond);
	verdict_free(v->inner);
	free(v);
}

static int parse_cmp_num(struct ps *p, struct sd_verdict *v, int percent)
{
	const char *s;
	char buf[TOK_MAX];
	size_t l;
	if (!cmp_op(peek(p), &v->cmp) || v->cmp == SD_NE || v->cmp == SD_EQ)
		return fail(p, "expected >=, >, <= or <, found '%s'",
		            p->i < p->n ? peek(p) : "the end");
	p->i++;
	s = peek(p);
	snprintf(buf, sizeof(buf), "%s", s);
	l = strlen(buf);
	if (percent != (l > 0 && buf[l - 1] == '%'))
		return fail(p,
		            percent ? "a share's threshold is a percentage (90%%), not '%s'"
		                    : "a count is a whole number, not '%s'",
		            s);
	if (percent)
		buf[l - 1] = 0;
	if (parse_num(buf, &v->num) || v->num < 0 || (percent && v->num > 100) ||
	    (!percent && v->num != (long)v->num))
		return fail(p, "bad threshold '%s'%s", s,
		            percent ? ": a share is 0% to 100%" : ": a count is 0 or more");
	if (percent)
		v->num /= 100;
	p->i++;
	return 0;
}

static int parse_verdict(struct ps *p, const struct sd_set *outer, int depth, int share,
                         struct sd_verdict **out);

static int parse_quant(struct ps *p, struct sd_verdict *v, const struct sd_set *outer, int depth)
{
	if (parse_set(p, &v->set) || (outer && check_join(p, outer, &v->set)))
		return CN_EINVAL;
	if (outer && !strcmp(outer->src->type, "child") && v->verb != SV_EXISTS &&
	    v->verb != SV_NONE && v->verb != SV_COUNT)
		return fail(p, "under a child only exists, none, count or a condition");
	if (v->verb == SV_EVERY || v->verb == SV_SHARE) {
		if (depth >= 2)
			return fail(p, "more than 2 nested sets");
		if (accept(p, "when") && parse_cond(p, v->set.t, &v->when))
			return CN_EINVAL;
		if (expect(p, ":"))
			return CN_EINVAL;
		if (parse_verdict(p, &v->set, depth + 1, v->verb == SV_SHARE, &v->inner))
			return CN_EINVAL;
		return v->verb == SV_SHARE ? parse_cmp_num(p, v, 1) : 0;
	}
	if (v->verb == SV_WEEKLY && v->set.win.kind == SW_NONE)
		return fail(p, "weekly needs a window (in last N weeks)");
	if (v->verb == SV_COUNT || v->verb == SV_WEEKLY)
		return parse_cmp_num(p, v, 0);
	return 0;
}

static int parse_verdict(struct ps *p, const struct sd_set *outer, int depth, int share,
                         struct sd_verdict **out)
{
	struct sd_verdict *v = calloc(1, sizeof(*v));
	if (!(*out = v))
		return CN_ENOMEM;
	if (accept(p, "every"))
		v->verb = SV_EVERY;
	else if (accept(p, "share"))
		v->verb = SV_SHARE;
	else if (accept(p, "none"))
		v->verb = SV_NONE;
	else if (accept(p, "exists"))
		v->verb = SV_EXISTS;
	else if (accept(p, "count"))
		v->verb = SV_COUNT;
	else if (accept(p, "weekly")) {
		v->verb = SV_WEEKLY;
		if (expect(p, "count"))
			return CN_EINVAL;
	} else {
		v->verb = SV_COND;
		if (!outer)
			return fail(
			    p, "expected every, share, none, exists, count or weekly, found '%s'",
			    p->i < p->n ? peek(p) : "the end");
		return parse_cond(p, outer->t, &v->cond);
	}
	(void)share;
	return parse_quant(p, v, outer, depth);
}

void sd_rule_free(struct sd_rule *r)
{
	if (!r)
		return;
	cond_free(r->when);
	verdict_free(r->v);
	free(r);
}

static int cond_personal(const struct sd_cond *c, const struct rec_type *t)
{
	if (!c)
		return 0;
	if (c->op == SD_AND || c->op == SD_OR || c->op == SD_NOT)
		return cond_personal(c->a, t) || cond_personal(c->b, t);
	if (c->county)
		return 0;
	if (c->field == SD_FIELD_AGE)
		return 1; /* birth_date */
	return (t->fields[c->field].flags & RF_PERSONAL) != 0;
}

static int name_personal(const struct rec_type *t, const char *name)
{
	int k = name ? roles_record_field(t, name) : -1;
	return k >= 0 && (t->fields[k].flags & RF_PERSONAL);
}

/* sd_set.personal of v's set and of the sets under it (what a source may
 * leave closed: a set whose rule reads no personal field). */
static void mark_personal(struct sd_verdict *v, const struct sd_set *outer)
{
	struct sd_set *s = &v->set;
	const struct sd_source *src = s->src;
	if (v->verb == SV_COND)
		return;
	s->personal = cond_personal(s->filter, s->t) || cond_personal(v->when, s->t) ||
	              name_personal(s->t, src->date) || name_personal(s->t, src->start) ||
	              name_personal(s->t, src->end) || name_personal(s->t, src->kind_field) ||
	              (outer && !strcmp(outer->src->type, "child") &&
	               (name_personal(s->t, "child") || name_personal(s->t, "children")));
	if (v->inner && v->inner->verb == SV_COND)
		s->personal |= cond_personal(v->inner->cond, s->t);
	else if (v->inner)
		mark_personal(v->inner, s);
}

static int parse_rule(struct ps *p, struct sd_rule *r)
{
	long d;
	if (accept(p, "when")) {
		if (parse_cond(p, NULL, &r->when) || expect(p, ":"))
			return CN_EINVAL;
	}
	if (parse_verdict(p, NULL, 0, 0, &r->v))
		return CN_EINVAL;
	mark_personal(r->v, NULL);
	if (accept(p, "by")) {
		if (sd_date_days(peek(p), &d))
			return fail(p, "bad date '%s': write YYYY-MM-DD", peek(p));
		snprintf(r->by, sizeof(r->by), "%.10s", peek(p));
		p->i++;
	}
	if (p->i < p->n)
		return fail(p, "unexpected '%s' after the rule", peek(p));
	return 0;
}

int sd_rule_parse(const char *text, struct sd_rule **out, char *err, size_t errlen)
{
	struct ps p = {.err = err, .errlen = errlen, .county = roles_record_type("office")};
	struct sd_rule *r = calloc(1, sizeof(*r));
	int rc;

	*out = NULL;
	if (!r)
		return CN_ENOMEM;
	if (strlen(text) > 1024)
		rc = fail(&p, "a rule over 1 KiB");
	else if (!(rc = tokenize(text, &p)))
		rc = parse_rule(&p, r);
	free(p.t);
	if (rc) {
		sd_rule_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

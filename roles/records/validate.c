/*
 * validate: every check of a record's values, in one place. Values are
 * normalized as they are checked (dates YYYY-MM-DD, sets joined by "、"
 * without repeats, booleans 是/否, 身份证号 with a capital X), so what is
 * stored and compared is one spelling.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "err.h"
#include "records.h"

#define EAST_MOST (14 * 3600) /* UTC+14: the last zone where "today" may still hold */

struct vctx {
	struct rec *rc;
	unsigned line;
	struct strvec *errs;
	int n;
	char today[16];
};

static void problem(struct vctx *c, size_t i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void problem(struct vctx *c, size_t i, const char *fmt, ...)
{
	const struct rec_field *f = &c->rc->t->fields[i];
	char msg[1024], pos[32] = "";
	va_list ap;
	int off;

	if (c->line)
		snprintf(pos, sizeof(pos), "%u:%u: ", c->line, c->rc->col[i]);
	off = snprintf(msg, sizeof(msg), "%s%s (%s): ", pos, f->zh, f->name);
	va_start(ap, fmt);
	vsnprintf(msg + off, sizeof(msg) - (size_t)off, fmt, ap);
	va_end(ap);
	c->n++;
	if (roles_vec_push(c->errs, msg) != 0)
		c->n = CN_ENOMEM;
}

static void list_values(const char *const *v, char *out, size_t outlen)
{
	size_t off = 0;

	out[0] = 0;
	for (size_t i = 0; v && v[i] && off < outlen; i++)
		off += (size_t)snprintf(out + off, outlen - off, "%s%s", i ? ", " : "", v[i]);
}

static int in_list(const char *const *v, const char *s, size_t len)
{
	for (size_t i = 0; v && v[i]; i++)
		if (strlen(v[i]) == len && memcmp(v[i], s, len) == 0)
			return 1;
	return 0;
}

/* ---- values */

static int digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static int leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int date_ok(int y, int m, int d)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return y >= 1900 && y <= 2999 && m >= 1 && m <= 12 && d >= 1 &&
	       d <= mdays[m - 1] + (m == 2 && leap(y));
}

/* YYYY-MM-DD, also YYYY/M/D and YYYY.M.D (spreadsheets), into out. */
static int parse_date(const char *s, char out[11])
{
	int y, m, d, n = 0;
	char s1, s2;

	if (sscanf(s, "%4d%c%2d%c%2d%n", &y, &s1, &m, &s2, &d, &n) != 5 || s[n] || s1 != s2 ||
	    !strchr("-/.", s1) || !date_ok(y, m, d))
		return 0;
	snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
	return 1;
}

/* "YYYY-MM-DD HH:MM[:SS]" (or T between; / or . in the date), into
 * "YYYY-MM-DD HH:MM". */
static int parse_time(const char *s, char out[17])
{
	char date[11], d[16];
	int h, mi, sec = 0, n = 0, k = 0;
	const char *sp = strpbrk(s, " T");

	if (!sp || (size_t)(sp - s) >= sizeof(d))
		return 0;
	snprintf(d, sizeof(d), "%.*s", (int)(sp - s), s);
	while (*sp == ' ' || *sp == 'T')
		sp++;
	if (!parse_date(d, date) || sscanf(sp, "%2d:%2d%n", &h, &mi, &n) != 2)
		return 0;
	if (sp[n] == ':' && sscanf(sp + n, ":%2d%n", &sec, &k) == 1)
		n += k;
	if (sp[n] || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
		return 0;
	snprintf(out, 17, "%s %02d:%02d", date, h, mi);
	return 1;
}

/* Yuan: digits, optionally a point and one or two digits. */
static int money_ok(const char *s)
{
	size_t n = strspn(s, "0123456789"), f;

	if (n == 0 || n > 9)
		return 0;
	if (!s[n])
		return 1;
	f = strspn(s + n + 1, "0123456789");
	return s[n] == '.' && f >= 1 && f <= 2 && !s[n + 1 + f];
}

int records_idnum_ok(const char *s)
{
	static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	int sum = 0, y, m, d;

	if (strlen(s) != 18 || !digits(s, 17) || !(isdigit((unsigned char)s[17]) || s[17] == 'X'))
		return 0;
	for (int i = 0; i < 17; i++)
		sum += (s[i] - '0') * w[i];
	if ("10X98765432"[sum % 11] != s[17])
		return 0;
	sscanf(s + 6, "%4d%2d%2d", &y, &m, &d);
	return date_ok(y, m, d);
}

static int phone_ok(const char *s)
{
	size_t n = strlen(s);
	const char *dash = strchr(s, '-');

	if (n == 11 && s[0] == '1' && s[1] >= '3' && digits(s, n))
		return 1; /* mobile */
	if (n == 5 && s[0] == '1' && digits(s, n))
		return 1; /* service: 12345, 12355 */
	if (s[0] != '0')
		return 0; /* landline: 0871-65123456 or 087165123456 */
	if (dash) {
		size_t a = (size_t)(dash - s), b = n - a - 1;
		return a >= 3 && a <= 4 && digits(s, a) && b >= 7 && b <= 8 && digits(dash + 1, b);
	}
	return n >= 10 && n <= 12 && digits(s, n);
}

static void check_idnum(struct vctx *c, size_t i, char *v)
{
	static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	int sum = 0;
	char want;

	if (strlen(v) == 18 && v[17] == 'x')
		v[17] = 'X';
	if (strlen(v) != 18 || !digits(v, 17) || !(isdigit((unsigned char)v[17]) || v[17] == 'X')) {
		problem(c, i, "'%.64s' is not an 18-character ID number; expected 17 digits and "
		              "a digit or X", v);
		return;
	}
	for (int k = 0; k < 17; k++)
		sum += (v[k] - '0') * w[k];
	want = "10X98765432"[sum % 11];
	if (want != v[17])
		problem(c, i, "check digit of '%s' is %c; expected %c (GB 11643-1999)", v, v[17],
		        want);
	else if (!records_idnum_ok(v))
		problem(c, i, "'%s' holds no valid birth date; expected YYYYMMDD in digits 7-14",
		        v);
}

static void set_value(struct vctx *c, size_t i, const char *v)
{
	if (rec_set(c->rc, i, v) != 0)
		c->n = CN_ENOMEM;
}

/* A set: members separated by 、 , ; ， ； or |, each known, no repeats. */
static void check_set(struct vctx *c, size_t i, const struct rec_field *f, char *v)
{
	static const char *const seps[] = {"、", ",", ";", "，", "；", "|"};
	char out[REC_MAX_VALUE], all[1024];
	size_t off = 0;
	const char *p = v;

	out[0] = 0;
	while (*p) {
		size_t len = strlen(p), sl = 0;
		const char *next = p + len;
		for (size_t k = 0; k < sizeof(seps) / sizeof(seps[0]); k++) {
			const char *q = strstr(p, seps[k]);
			if (q && q < next) {
				next = q;
				sl = strlen(seps[k]);
			}
		}
		len = (size_t)(next - p);
		while (len && p[0] == ' ')
			p++, len--;
		while (len && p[len - 1] == ' ')
			len--;
		if (len && !in_list(f->values, p, len)) {
			list_values(f->values, all, sizeof(all));
			problem(c, i, "unknown value '%.*s'; expected some of %s separated by 、",
			        (int)(len > 64 ? 64 : len), p, all);
			return;
		}
		if (len) {
			char one[256];
			snprintf(one, sizeof(one), "%.*s", (int)len, p);
			if (!records_has(f, out, one) && off < sizeof(out))
				off += (size_t)snprintf(out + off, sizeof(out) - off, "%s%s",
				                        off ? REC_SET_SEP : "", one);
		}
		p = next + sl;
		if (!sl)
			break;
	}
	set_value(c, i, out);
}

/* One part of an entry: "at" a time or a date, "amount" yuan or empty,
 * any other part non-empty text without the separators. 0 if bad. */
static int entry_part(const char *name, const char *p, size_t len, char *out, size_t outlen)
{
	char one[256], norm[17];

	if (len >= sizeof(one))
		return 0;
	snprintf(one, sizeof(one), "%.*s", (int)len, p);
	if (!strcmp(name, "at")) {
		if (!parse_time(one, norm) && !parse_date(one, norm))
			return 0;
		snprintf(out, outlen, "%s", norm);
		return 1;
	}
	if (!strcmp(name, "amount") && len && !money_ok(one))
		return 0;
	if (!len && strcmp(name, "amount") != 0)
		return 0;
	snprintf(out, outlen, "%s", one);
	return 1;
}

static size_t nparts(const char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

/* Appends a, b to out (REC_MAX_VALUE) at *off; 0 if it does not fit. */
static int cat(char *out, size_t *off, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (*off + la + lb >= REC_MAX_VALUE)
		return 0;
	memcpy(out + *off, a, la);
	memcpy(out + *off + la, b, lb + 1);
	*off += la + lb;
	return 1;
}

/* RK_ENTRIES: entries separated by ; or ； or a newline, parts by |, as
 * many as the field names (values); normalized "a|b; a|b". */
static void check_entries(struct vctx *c, size_t i, const struct rec_field *f, char *v)
{
	char out[REC_MAX_VALUE], part[256], names[256];
	size_t off = 0, want = nparts(f->values), e = 0;
	char *save = NULL, *ent;

	list_values(f->values, names, sizeof(names));
	for (char *q; (q = strstr(v, "；"));) /* one separator: ; */
		memmove(q + 1, q + 3, strlen(q + 3) + 1), *q = ';';
	out[0] = 0;
	for (ent = strtok_r(v, ";\n", &save); ent; ent = strtok_r(NULL, ";\n", &save)) {
		const char *p = ent;
		size_t k = 0;
		while (*p == ' ')
			p++;
		if (!*p)
			continue;
		e++;
		for (; k < want; k++) {
			const char *bar = k + 1 < want ? strchr(p, '|') : NULL;
			size_t len = bar ? (size_t)(bar - p) : strlen(p);
			while (len && p[len - 1] == ' ')
				len--;
			char what[96] = "";
			if (k + 1 < want && !bar)
				snprintf(what, sizeof(what), "has no %s", f->values[k + 1]);
			else if (k + 1 == want && memchr(p, '|', len))
				snprintf(what, sizeof(what), "has more than %zu parts", want);
			else if (!entry_part(f->values[k], p, len, part, sizeof(part)))
				snprintf(what, sizeof(what), "has no valid %s", f->values[k]);
			if (!what[0] && !cat(out, &off, k ? "|" : off ? "; " : "", part))
				snprintf(what, sizeof(what), "makes the list over %d bytes",
				         REC_MAX_VALUE - 1);
			if (what[0]) {
				problem(c, i, "entry %zu: '%.64s' %s; expected parts %s separated by |, "
				              "entries by ;", e, ent, what, names);
				return;
			}
			p = bar ? bar + 1 : p + len;
			while (*p == ' ')
				p++;
		}
	}
	set_value(c, i, out);
}

static void check_value(struct vctx *c, size_t i)
{
	const struct rec_field *f = &c->rc->t->fields[i];
	char *v = c->rc->val[i], all[1024], date[17];

	switch (f->kind) {
	case RK_TEXT:
	case RK_REF:
		for (const unsigned char *p = (const unsigned char *)v; *p; p++)
			if (*p < 0x20 && *p != '\n' && *p != '\t') {
				problem(c, i, "holds a control character; expected plain text");
				return;
			}
		if (f->kind == RK_REF && strlen(v) > REC_ID_MAX - 1)
			problem(c, i, "reference of %zu bytes; expected a record id of at most %d",
			        strlen(v), REC_ID_MAX - 1);
		break;
	case RK_DATE:
		if (!parse_date(v, date))
			problem(c, i, "'%.32s' is not a date; expected YYYY-MM-DD", v);
		else if (!(f->flags & RF_FUTURE) && strcmp(date, c->today) > 0)
			problem(c, i, "%s is in the future; expected a date not after today (%s)",
			        date, c->today);
		else
			set_value(c, i, date);
		break;
	case RK_ENUM:
		if (!in_list(f->values, v, strlen(v))) {
			list_values(f->values, all, sizeof(all));
			problem(c, i, "unknown value '%.64s'; expected one of %s", v, all);
		}
		break;
	case RK_SET:
		check_set(c, i, f, v);
		break;
	case RK_BOOL:
		if (!strcmp(v, "是") || !strcasecmp(v, "yes") || !strcasecmp(v, "true") ||
		    !strcmp(v, "1") || !strcasecmp(v, "y"))
			set_value(c, i, "是");
		else if (!strcmp(v, "否") || !strcasecmp(v, "no") || !strcasecmp(v, "false") ||
		         !strcmp(v, "0") || !strcasecmp(v, "n"))
			set_value(c, i, "否");
		else
			problem(c, i, "'%.32s' is not yes or no; expected 是 or 否", v);
		break;
	case RK_CODE:
		if (strlen(v) < 2 || strlen(v) > 12 || !digits(v, strlen(v)))
			problem(c, i, "'%.32s' is not a division code; expected 2 to 12 digits", v);
		break;
	case RK_INT:
		if (!v[0] || strlen(v) > 9 || !digits(v, strlen(v)))
			problem(c, i, "'%.32s' is not a whole number; expected digits (0 to 999999999)",
			        v);
		break;
	case RK_PHONE:
		if (!phone_ok(v))
			problem(c, i, "'%.32s' is not a phone number; expected a mobile "
			              "(13812345678), a landline (0871-65123456) or a service number "
			              "(12345)", v);
		break;
	case RK_IDNUM:
		check_idnum(c, i, v);
		break;
	case RK_TIME:
		if (!parse_time(v, date))
			problem(c, i, "'%.32s' is not a time; expected YYYY-MM-DD HH:MM (China time)", v);
		else if (!(f->flags & RF_FUTURE) && strncmp(date, c->today, 10) > 0)
			problem(c, i, "%s is in the future; expected a time not after today (%s)", date,
			        c->today);
		else
			set_value(c, i, date);
		break;
	case RK_MONEY:
		if (!money_ok(v))
			problem(c, i, "'%.32s' is not an amount; expected yuan (1200 or 1200.50)", v);
		break;
	case RK_ENTRIES:
		check_entries(c, i, f, v);
		break;
	}
}

/* ---- the record's rules */

int records_has(const struct rec_field *f, const char *v, const char *m)
{
	size_t ml = strlen(m);
	const char *p = v;

	if (!v || !v[0])
		return 0;
	if (f->kind != RK_SET)
		return strcmp(v, m) == 0;
	while (p) {
		const char *sep = strstr(p, REC_SET_SEP);
		size_t len = sep ? (size_t)(sep - p) : strlen(p);
		if (len == ml && memcmp(p, m, ml) == 0)
			return 1;
		p = sep ? sep + strlen(REC_SET_SEP) : NULL;
	}
	return 0;
}

/* 1 if field i's condition holds; *what describes it for messages. */
static int cond_holds(const struct rec *rc, const struct rec_field *f, char *what, size_t wl)
{
	int k = roles_record_field(rc->t, f->cond), hit = 0;
	const struct rec_field *cf;
	char vals[512];

	if (k < 0)
		return 1;
	cf = &rc->t->fields[k];
	for (size_t i = 0; f->cond_values[i]; i++)
		hit |= f->cond_values[i][0] ? records_has(cf, rc->val[k], f->cond_values[i])
		                            : !rc->val[k] || !rc->val[k][0];
	list_values(f->cond_values, vals, sizeof(vals));
	if (!f->cond_values[0][0]) /* "": empty */
		snprintf(what, wl, "%s (%s) is empty", cf->zh, cf->name);
	else
		snprintf(what, wl, "%s %s %s", cf->zh,
		         f->cond_not ? "is" : (cf->kind == RK_SET ? "includes" : "is"), vals);
	return f->cond_not ? !hit : hit;
}

static void check_rules(struct vctx *c, size_t i)
{
	const struct rec_field *f = &c->rc->t->fields[i];
	const char *v = c->rc->val[i];
	char what[600];
	int holds;

	if (!f->cond) {
		if ((f->flags & RF_REQ) && (!v || !v[0]))
			problem(c, i, "empty; expected a value (required)");
		return;
	}
	holds = cond_holds(c->rc, f, what, sizeof(what));
	if ((f->flags & RF_WHEN) && holds && (!v || !v[0]))
		problem(c, i, "empty; expected a value %s %s", f->cond_not ? "unless" : "when",
		        what);
	else if ((f->flags & RF_ONLY) && !holds && v && v[0])
		problem(c, i, "given, but only allowed %s %s; expected it empty",
		        f->cond_not ? "unless" : "when", what);
}

/* 身份证号 digits 7-14 against 出生日期. */
static void check_birth(struct vctx *c)
{
	int id = roles_record_field(c->rc->t, "id_number");
	int bd = roles_record_field(c->rc->t, "birth_date");
	const char *iv, *bv;

	if (id < 0 || bd < 0)
		return;
	iv = c->rc->val[id];
	bv = c->rc->val[bd];
	if (!iv || !bv || !iv[0] || !bv[0] || !records_idnum_ok(iv) || strlen(bv) != 10)
		return;
	if (memcmp(iv + 6, bv, 4) || memcmp(iv + 10, bv + 5, 2) || memcmp(iv + 12, bv + 8, 2))
		problem(c, (size_t)id, "birth date %.8s in the ID number differs from 出生日期 %s; "
		                       "expected the same date",
		        iv + 6, bv);
}

int records_validate(struct rec *rc, unsigned line, uint64_t now, struct strvec *errs)
{
	struct vctx c = {rc, line, errs, 0, ""};
	time_t t = (time_t)(now + EAST_MOST);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(c.today, sizeof(c.today), "%Y-%m-%d", &tm);
	for (size_t i = 0; i < rc->t->nfields && c.n >= 0; i++) {
		char *v = rc->val[i];
		size_t n;
		if (!v)
			continue;
		while (*v == ' ')
			memmove(v, v + 1, strlen(v));
		for (n = strlen(v); n && (v[n - 1] == ' ' || v[n - 1] == '\r'); n--)
			v[n - 1] = 0;
		if (strlen(v) >= REC_MAX_VALUE) {
			problem(&c, i, "%zu bytes; expected at most %d", strlen(v), REC_MAX_VALUE - 1);
			continue;
		}
		if (v[0])
			check_value(&c, i);
	}
	for (size_t i = 0; i < rc->t->nfields && c.n >= 0; i++)
		check_rules(&c, i);
	if (c.n >= 0)
		check_birth(&c);
	return c.n;
}

/*
 * standards: the standards a county is judged by, as data — libconfig files
 * (config/standards/ID.cfg, one entry per row of ../shared/docs/standards.md)
 * and the small declarative rule language of their `rule` strings (grammar
 * and semantics: docs/design.md, "Compliance"). Loading parses and checks
 * every rule against the record schema (roles.h): an unknown record type or
 * field, a wrong operator, an enum value the schema does not know, a bad
 * threshold or date, a duplicate id: refused as "FILE:LINE: ID: what is
 * wrong". Pure: no store, no node; tools read it (standards list|show) and
 * roles/compliance evaluates it.
 */
#ifndef CARENET_STANDARDS_H
#define CARENET_STANDARDS_H

#include <stddef.h>

#include "roles.h"

#define SD_DATE_LEN 11
#define SD_MAX_VALUES 16
#define SD_FIELD_AGE (-2) /* the field `age`: completed years at T from birth_date */

enum sd_op {
	SD_EQ,
	SD_NE,
	SD_LT,
	SD_LE,
	SD_GT,
	SD_GE, /* field CMP value */
	SD_IN,
	SD_HAS_ANY,
	SD_HAS_ALL, /* field in {..}, field has [any|all] {..} */
	SD_PRESENT,
	SD_WITHIN,
	SD_INWIN, /* present(f), f within N days, f in WINDOW */
	SD_AND,
	SD_OR,
	SD_NOT,
};
enum sd_win { SW_NONE, SW_YEAR, SW_QUARTER, SW_MONTH, SW_DAYS, SW_WEEKS, SW_MONTHS };
struct sd_window {
	enum sd_win kind;
	int n; /* last N days|weeks|months */
};
struct sd_cond {
	enum sd_op op;
	int field;  /* index in the set's type (or the county profile), SD_FIELD_AGE */
	int county; /* the field is county.FIELD (R01 of the county) */
	char *vals[SD_MAX_VALUES];
	size_t nvals;
	double num; /* a number value (ints, money, age), days of within */
	struct sd_window win;
	struct sd_cond *a, *b;
};
/* A record source of the language: a record type with its main date and
 * the meaning of `active` (the start and end date fields). */
struct sd_source {
	const char *name, *type;
	const char *date, *start, *end; /* field names or NULL */
	const char *kind_field;         /* an implicit filter: kind_field in kinds */
	const char *const *kinds;
};
struct sd_set {
	const struct sd_source *src;
	const struct rec_type *t;
	int active, own;
	int personal; /* a field it reads is personal: the source must open them */
	int date_k, start_k, end_k, kind_k; /* the source's fields in t (-1: none) */
	struct sd_cond *filter;             /* NULL: every record */
	struct sd_window win;               /* over src->date */
};
enum sd_verb { SV_EVERY, SV_SHARE, SV_NONE, SV_EXISTS, SV_COUNT, SV_WEEKLY, SV_COND };
struct sd_verdict {
	enum sd_verb verb;
	struct sd_set set;
	struct sd_cond *when;     /* every|share ... when COND */
	struct sd_verdict *inner; /* every|share: the verdict per element */
	enum sd_op cmp;           /* count, weekly, share */
	double num;               /* count k, share t in [0,1] */
	struct sd_cond *cond;     /* SV_COND: over the enclosing element */
};
struct sd_rule {
	struct sd_cond *when; /* over the county profile */
	struct sd_verdict *v;
	char by[SD_DATE_LEN];
};
struct sd_indicator {
	char *id, *tier, *zh, *en, *check, *mode, *mode_text, *rule_text, *threshold, *window;
	char *needs, *due, *differs, *seed_line;
	int veto;
	unsigned line;
	const char *std_id;   /* the standard's id (its sd_standard owns it) */
	struct sd_rule *rule; /* NULL: no measured rule (modes A, I, X, —, or needs) */
};
struct sd_standard {
	char *id, *title_zh, *title_en, *date, *path;
	struct sd_indicator *v;
	size_t n;
};

/* Parses one rule (for tests and the loader). 0, or CN_EINVAL with
 * "COL: what is wrong" in err (COL: the code point where it went wrong). */
int sd_rule_parse(const char *text, struct sd_rule **out, char *err, size_t errlen);
void sd_rule_free(struct sd_rule *r);
/* Loads and checks a standard file. 0, or CN_EINVAL/CN_ENOTFOUND/CN_ENOMEM
 * with "FILE:LINE: ID: what is wrong" in err. Free with sd_standard_free. */
int sd_load(const char *path, struct sd_standard **out, char *err, size_t errlen);
void sd_standard_free(struct sd_standard *s);
/* Loads standard `id` from dir (dir/ID.cfg; id: [a-z0-9.-]+). */
int sd_load_id(const char *dir, const char *id, struct sd_standard **out, char *err, size_t errlen);
/* The ids of the standards in dir (ID.cfg), sorted; free with sd_ids_free. */
int sd_list_ids(const char *dir, char ***ids, size_t *n);
void sd_ids_free(char **ids, size_t n);
/* The source named name (division, home, staff, ...) or NULL. */
const struct sd_source *sd_source(const char *name);
/* The default directory: the first of /etc/carenet/standards,
 * /usr/share/carenet/standards and the build tree's config/standards that
 * exists (CARENET_STANDARDS_DIR, set by CMake, is the last). */
const char *sd_default_dir(void);
/* Calendar helpers ("YYYY-MM-DD"): days since 1970-01-01, and back. */
int sd_date_days(const char *s, long *days);
void sd_days_date(long days, char *out);

#endif

/*
 * standards: the record sources of the rule language, calendar helpers, and
 * loading a standard file (libconfig) with every rule parsed and checked
 * (standards_parse.c). Errors name the file and the line of the entry.
 */
#include <dirent.h>
#include <errno.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "standards.h"

#define V(...) ((const char *const[]){__VA_ARGS__, NULL})

static const struct sd_source sources[] = {
    {"division", "division", NULL, NULL, NULL, NULL, NULL},
    {"office", "office", "established_at", "established_at", "closed_at", NULL, NULL},
    {"home", "office", "established_at", "established_at", "closed_at", "kind",
     V("儿童之家", "区域性儿童之家")},
    {"document", "document", "issued_at", NULL, NULL, NULL, NULL},
    {"staff", "staff", "start_at", "start_at", "end_at", NULL, NULL},
    {"training", "training", "start", NULL, NULL, NULL, NULL},
    {"meeting", "meeting", "date", NULL, NULL, NULL, NULL},
    {"child", "child", NULL, NULL, NULL, NULL, NULL},
    {"activity", "activity", "date", NULL, NULL, NULL, NULL},
    {"visit", "visit", "date", NULL, NULL, NULL, NULL},
    {"hotline", "hotline", "received_at", NULL, NULL, NULL, NULL},
    {"case", "case", "opened_at", NULL, NULL, NULL, NULL},
    {"application", "application", "received_at", NULL, NULL, NULL, NULL},
    {"assessment", "assessment", "date", NULL, NULL, NULL, NULL},
    {"intervention", "intervention", "date", NULL, NULL, NULL, NULL},
    {"placement", "placement", "start", "start", "end", NULL, NULL},
    {"support", "support", "period_start", "period_start", "period_end", NULL, NULL},
    {"report", "report", "filed_at", NULL, NULL, NULL, NULL},
    {"review", "review", NULL, NULL, NULL, NULL, NULL},
    {"incident", "incident", "occurred_at", NULL, NULL, NULL, NULL},
    {"organisation", "organisation", "contract_start", "contract_start", "contract_end", NULL,
     NULL},
    {"budget", "budget", NULL, NULL, NULL, NULL, NULL},
    {"attestation", "attestation", "declared_at", "declared_at", "valid_until", NULL, NULL},
};

const struct sd_source *sd_source(const char *name)
{
	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++)
		if (!strcmp(name, sources[i].name))
			return &sources[i];
	return NULL;
}

/* Howard Hinnant's days_from_civil. */
static long days_from_civil(long y, unsigned m, unsigned d)
{
	long era;
	unsigned yoe, doy, doe;
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

/* n digits at s as a number, or -1. */
static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int sd_date_days(const char *s, long *days)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d;
	if (!s || strnlen(s, 10) < 10 || s[4] != '-' || s[7] != '-' || (s[10] && s[10] != ' '))
		return CN_EINVAL;
	y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
	if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return CN_EINVAL;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100) || y % 400 == 0))
		return CN_EINVAL;
	*days = days_from_civil(y, (unsigned)m, (unsigned)d);
	return 0;
}

void sd_days_date(long z, char *out)
{
	long era, y;
	unsigned doe, yoe, doy, mp, d, m;
	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (long)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	if (y < 0 || y > 9999)
		y = 0;
	snprintf(out, SD_DATE_LEN, "%04u-%02u-%02u", (unsigned)y % 10000u, m % 13u, d % 32u);
}

static char *str_of(config_setting_t *e, const char *key)
{
	const char *v = NULL;
	config_setting_lookup_string(e, key, &v);
	return strdup(v ? v : "");
}

static void ind_free(struct sd_indicator *d)
{
	char **f[] = {&d->id,    &d->tier,      &d->zh,        &d->en,        &d->check,
	              &d->mode,  &d->mode_text, &d->rule_text, &d->threshold, &d->window,
	              &d->needs, &d->due,       &d->differs,   &d->seed_line};
	for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++)
		free(*f[k]);
	sd_rule_free(d->rule);
}

void sd_standard_free(struct sd_standard *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		ind_free(&s->v[i]);
	free(s->v);
	free(s->id), free(s->title_zh), free(s->title_en), free(s->date), free(s->path);
	free(s);
}

static const char *const known_keys[] = {
    "id",        "tier",   "zh",    "en",  "check",   "mode",      "mode_text", "rule",
    "threshold", "window", "needs", "due", "differs", "seed_line", "veto",      NULL};

static int check_keys(config_setting_t *e, char *bad, size_t blen)
{
	for (int k = 0; k < config_setting_length(e); k++) {
		const char *n = config_setting_name(config_setting_get_elem(e, (unsigned)k));
		const char *const *x = known_keys;
		while (*x && strcmp(*x, n ? n : ""))
			x++;
		if (!*x) {
			snprintf(bad, blen, "%s", n ? n : "?");
			return -1;
		}
	}
	return 0;
}

static int mode_ok(const char *m)
{
	return !strcmp(m, "M") || !strcmp(m, "A") || !strcmp(m, "I") || !strcmp(m, "X") ||
	       !strcmp(m, "—");
}

/* One entry: 0 or CN_EINVAL with "what is wrong" in err (the caller adds
 * FILE:LINE: ID). */
static int load_entry(config_setting_t *e, struct sd_indicator *d, char *err, size_t el)
{
	char bad[64], perr[512];
	long days;
	int veto = 0;

	d->line = (unsigned)config_setting_source_line(e);
	d->id = str_of(e, "id"), d->tier = str_of(e, "tier"), d->zh = str_of(e, "zh");
	d->en = str_of(e, "en"), d->check = str_of(e, "check"), d->mode = str_of(e, "mode");
	d->mode_text = str_of(e, "mode_text"), d->rule_text = str_of(e, "rule");
	d->threshold = str_of(e, "threshold"), d->window = str_of(e, "window");
	d->needs = str_of(e, "needs"), d->due = str_of(e, "due"), d->differs = str_of(e, "differs");
	d->seed_line = str_of(e, "seed_line");
	if (!d->id || !d->seed_line)
		return CN_ENOMEM;
	config_setting_lookup_bool(e, "veto", &veto);
	d->veto = veto;
	if (check_keys(e, bad, sizeof(bad)))
		return snprintf(err, el, "unknown key '%s'", bad), CN_EINVAL;
	if (!*d->id || strspn(d->id, "abcdefghijklmnopqrstuvwxyz0123456789._-") != strlen(d->id))
		return snprintf(err, el, "missing or malformed id (a-z 0-9 . _ -)"), CN_EINVAL;
	if (!mode_ok(d->mode))
		return snprintf(err, el, "mode must be M, A, I, X or —, not '%s'", d->mode),
		       CN_EINVAL;
	if (*d->due && sd_date_days(d->due, &days))
		return snprintf(err, el, "bad due date '%s': write YYYY-MM-DD", d->due), CN_EINVAL;
	if (*d->rule_text && strcmp(d->mode, "M"))
		return snprintf(err, el, "a rule on mode %s: only mode M is measured", d->mode),
		       CN_EINVAL;
	if (!strcmp(d->mode, "M") && !*d->rule_text && !*d->needs)
		return snprintf(err, el, "mode M needs a rule (or `needs`: what data is missing)"),
		       CN_EINVAL;
	if (*d->rule_text && sd_rule_parse(d->rule_text, &d->rule, perr, sizeof(perr)))
		return snprintf(err, el, "rule %s\n  %s", perr, d->rule_text), CN_EINVAL;
	return 0;
}

static int load_head(config_t *c, struct sd_standard *s, const char *path, char *err, size_t el)
{
	config_setting_t *h = config_lookup(c, "standard");
	if (!h)
		return snprintf(err, el, "%s:1: no `standard = { id = ...; }` group", path),
		       CN_EINVAL;
	s->id = str_of(h, "id"), s->title_zh = str_of(h, "title_zh");
	s->title_en = str_of(h, "title_en"), s->date = str_of(h, "date"), s->path = strdup(path);
	if (!s->id || !s->path || !s->date || !s->title_en || !s->title_zh)
		return CN_ENOMEM;
	if (!*s->id)
		return snprintf(err, el, "%s:%d: the standard has no id", path,
		                config_setting_source_line(h)),
		       CN_EINVAL;
	return 0;
}

static int load_all(config_t *c, struct sd_standard *s, const char *path, char *err, size_t el)
{
	config_setting_t *list = config_lookup(c, "indicators");
	char what[768];
	int rc;

	if ((rc = load_head(c, s, path, err, el)))
		return rc;
	if (!list || !config_setting_is_list(list))
		return snprintf(err, el, "%s:1: no `indicators = ( ... );` list", path), CN_EINVAL;
	s->n = (size_t)config_setting_length(list);
	if (!(s->v = calloc(s->n ? s->n : 1, sizeof(*s->v))))
		return CN_ENOMEM;
	for (size_t i = 0; i < s->n; i++) {
		struct sd_indicator *d = &s->v[i];
		d->std_id = s->id;
		if ((rc = load_entry(config_setting_get_elem(list, (unsigned)i), d, what,
		                     sizeof(what)))) {
			snprintf(err, el, "%s:%u: %s: %s", path, d->line, d->id ? d->id : "?",
			         what);
			return rc;
		}
		for (size_t j = 0; j < i; j++)
			if (!strcmp(s->v[j].id, d->id))
				return snprintf(err, el,
				                "%s:%u: %s: duplicate id (first at line %u)", path,
				                d->line, d->id, s->v[j].line),
				       CN_EINVAL;
	}
	return 0;
}

int sd_load(const char *path, struct sd_standard **out, char *err, size_t errlen)
{
	struct sd_standard *s = calloc(1, sizeof(*s));
	config_t c;
	int rc;

	*out = NULL;
	if (!s)
		return CN_ENOMEM;
	config_init(&c);
	if (!config_read_file(&c, path)) {
		if (config_error_type(&c) == CONFIG_ERR_FILE_IO) {
			snprintf(err, errlen, "%s: cannot read the file", path);
			rc = CN_ENOTFOUND;
		} else {
			snprintf(err, errlen, "%s:%d: %s", path, config_error_line(&c),
			         config_error_text(&c));
			rc = CN_EINVAL;
		}
	} else
		rc = load_all(&c, s, path, err, errlen);
	config_destroy(&c);
	if (rc)
		sd_standard_free(s);
	else
		*out = s;
	return rc;
}

static int id_ok(const char *id)
{
	return *id && strlen(id) < 64 &&
	       strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789.-") == strlen(id) && *id != '.';
}

int sd_load_id(const char *dir, const char *id, struct sd_standard **out, char *err, size_t errlen)
{
	char path[4096];
	*out = NULL;
	if (!id_ok(id))
		return snprintf(err, errlen, "'%s' is not a standard id (a-z 0-9 . -)", id),
		       CN_EINVAL;
	snprintf(path, sizeof(path), "%s/%s.cfg", dir, id);
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return snprintf(err, errlen, "no such standard '%s' (no %s)", id, path),
		       CN_ENOTFOUND;
	return sd_load(path, out, err, errlen);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void sd_ids_free(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

int sd_list_ids(const char *dir, char ***ids, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	size_t cap = 0;

	*ids = NULL, *n = 0;
	if (!d)
		return CN_ENOTFOUND;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 5 || strcmp(e->d_name + l - 4, ".cfg") || e->d_name[0] == '.')
			continue;
		if (*n == cap) {
			char **nv = realloc(v, (cap ? 2 * cap : 8) * sizeof(*v));
			if (!nv)
				break;
			v = nv, cap = cap ? 2 * cap : 8;
		}
		if ((v[*n] = strndup(e->d_name, l - 4)))
			(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_str);
	*ids = v;
	return 0;
}

const char *sd_default_dir(void)
{
	static const char *const dirs[] = {"/etc/carenet/standards",
	                                   "/usr/share/carenet/standards"};
	struct stat st;
	for (size_t i = 0; i < 2; i++)
		if (!stat(dirs[i], &st) && S_ISDIR(st.st_mode))
			return dirs[i];
#ifdef CARENET_STANDARDS_DIR
	return CARENET_STANDARDS_DIR;
#else
	return dirs[1];
#endif
}

/*
 * form: a POST's fields (web_int.h) — decoded from
 * application/x-www-form-urlencoded (form_parse), or appended part by part
 * as libmicrohttpd's post processor reads multipart/form-data
 * (form_append: files keep their name and their bytes). Every value is
 * also NUL-terminated, so text fields read as strings.
 */
#include "web_int.h"

#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 512

struct form {
	char *name[MAX_FIELDS];
	char *value[MAX_FIELDS];
	size_t len[MAX_FIELDS];
	char *file[MAX_FIELDS]; /* the part's file name, NULL for a text field */
	size_t n;
};

static int unhex(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	                              : -1;
}

/* Decodes s[0..n) into a new string: '+' is a space, %XX a byte. */
static char *decode(const char *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;

	for (size_t i = 0; out && i < n; i++) {
		if (s[i] == '+') {
			*o++ = ' ';
		} else if (s[i] == '%' && i + 2 < n && unhex(s[i + 1]) >= 0 &&
		           unhex(s[i + 2]) >= 0) {
			*o++ = (char)(unhex(s[i + 1]) * 16 + unhex(s[i + 2]));
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	if (out)
		*o = 0;
	return out;
}

struct form *form_new(void)
{
	return calloc(1, sizeof(struct form));
}

void form_free(struct form *f)
{
	for (size_t i = 0; f && i < f->n; i++) {
		free(f->name[i]);
		if (f->value[i])
			memset(f->value[i], 0, f->len[i]); /* a password may be one */
		free(f->value[i]);
		free(f->file[i]);
	}
	free(f);
}

struct form *form_parse(const char *body, size_t len)
{
	struct form *f = form_new();
	size_t i = 0;

	while (f && i < len && f->n < MAX_FIELDS) {
		size_t end = i, eq;
		while (end < len && body[end] != '&')
			end++;
		for (eq = i; eq < end && body[eq] != '='; eq++)
			;
		if (end > i) {
			size_t k = f->n++;
			f->name[k] = decode(body + i, eq - i);
			f->value[k] = decode(body + eq + (eq < end), end - eq - (eq < end));
			if (!f->name[k] || !f->value[k]) {
				form_free(f);
				return NULL;
			}
			f->len[k] = strlen(f->value[k]);
		}
		i = end + 1;
	}
	return f;
}

int form_append(struct form *f, const char *name, const char *file, const char *data, size_t size,
                int start)
{
	size_t k;
	char *v;

	if (start) {
		if (f->n == MAX_FIELDS)
			return -1;
		k = f->n++;
		f->name[k] = strdup(name ? name : "");
		f->file[k] = file ? strdup(file) : NULL;
		f->value[k] = calloc(1, 1);
		if (!f->name[k] || (file && !f->file[k]) || !f->value[k])
			return -1;
	}
	if (!f->n || !size)
		return f->n ? 0 : -1;
	k = f->n - 1;
	if (!(v = realloc(f->value[k], f->len[k] + size + 1)))
		return -1;
	memcpy(v + f->len[k], data, size);
	f->len[k] += size;
	v[f->len[k]] = 0;
	f->value[k] = v;
	return 0;
}

const char *form_get(const struct form *f, const char *name)
{
	for (size_t i = 0; f && i < f->n; i++)
		if (!f->file[i] && !strcmp(f->name[i], name))
			return f->value[i];
	return NULL;
}

size_t form_count(const struct form *f)
{
	return f ? f->n : 0;
}

void form_at(const struct form *f, size_t i, const char **name, const char **value)
{
	*name = f->name[i];
	*value = f->file[i] ? "" : f->value[i];
}

int form_file(const struct form *f, size_t i, const char **name, const char **file,
              const uint8_t **data, size_t *len)
{
	if (!f->file[i])
		return 0;
	*name = f->name[i];
	*file = f->file[i];
	*data = (const uint8_t *)f->value[i];
	*len = f->len[i];
	return 1;
}

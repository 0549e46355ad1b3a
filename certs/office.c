/*
 * office: office-id arithmetic (roles from ids, parents, scopes). Pure
 * string functions, no OpenSSL; the rules are in office.h.
 */
#include "office.h"
#include "err.h"
#include "util.h"

#include <string.h>

static const char *role_names[] = {"none",      "county",   "township",  "village",
                                   "inspector", "province", "prefecture"};

const char *pki_role_name(enum pki_role role)
{
	return (unsigned)role < ARRAY_LEN(role_names) ? role_names[role] : "none";
}

enum pki_role pki_role_parse(const char *name)
{
	for (unsigned i = 1; name && i < ARRAY_LEN(role_names); i++)
		if (strcmp(name, role_names[i]) == 0)
			return (enum pki_role)i;
	return PKI_ROLE_NONE;
}

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0;
}

int pki_scope_valid(const char *scope)
{
	size_t n = scope ? strlen(scope) : 0;
	return n >= 2 && n <= 12 && all_digits(scope, n);
}

int pki_inspector_scope(const char *id, char *out, size_t outlen)
{
	const char *dash;
	size_t slen, tlen;

	if (!id || id[0] != 'I' || !(dash = strchr(id, '-')))
		return CN_EINVAL;
	slen = (size_t)(dash - id - 1);
	tlen = strlen(dash + 1);
	if (slen < 2 || slen > 12 || !all_digits(id + 1, slen) || tlen < 1 || tlen > 16)
		return CN_EINVAL;
	for (const char *p = dash + 1; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
			return CN_EINVAL;
	if (slen >= outlen)
		return CN_EINVAL;
	memcpy(out, id + 1, slen);
	out[slen] = 0;
	return 0;
}

enum pki_role pki_role_from_id(const char *id)
{
	char scope[PKI_ID_MAX];
	size_t n;

	if (!id)
		return PKI_ROLE_NONE;
	if (id[0] == 'I')
		return pki_inspector_scope(id, scope, sizeof(scope)) == 0 ? PKI_ROLE_INSPECTOR
		                                                          : PKI_ROLE_NONE;
	n = strlen(id);
	if (!all_digits(id, n))
		return PKI_ROLE_NONE;
	switch (n) {
	case 2:
		return PKI_ROLE_PROVINCE;
	case 4:
		return PKI_ROLE_PREFECTURE;
	case 6:
		return PKI_ROLE_COUNTY;
	case 9:
		return PKI_ROLE_TOWNSHIP;
	case 12:
		return PKI_ROLE_VILLAGE;
	default:
		return PKI_ROLE_NONE;
	}
}

int pki_parent_id(const char *id, char *out, size_t outlen)
{
	size_t plen;

	switch (pki_role_from_id(id)) {
	case PKI_ROLE_PREFECTURE:
		plen = 2;
		break;
	case PKI_ROLE_COUNTY:
		plen = 4;
		break;
	case PKI_ROLE_TOWNSHIP:
		plen = 6;
		break;
	case PKI_ROLE_VILLAGE:
		plen = 9;
		break;
	default:
		return CN_EINVAL;
	}
	if (outlen <= plen)
		return CN_EINVAL;
	memcpy(out, id, plen);
	out[plen] = 0;
	return 0;
}

int pki_is_direct_child(const char *parent, const char *child)
{
	char p[PKI_ID_MAX];
	if (!parent || pki_parent_id(child, p, sizeof(p)) != 0)
		return 0;
	if (strcmp(p, parent) == 0)
		return 1;
	/* a county reporting to its province directly */
	return pki_role_from_id(child) == PKI_ROLE_COUNTY &&
	       pki_role_from_id(parent) == PKI_ROLE_PROVINCE && strncmp(child, parent, 2) == 0;
}

int pki_role_above_county(enum pki_role role)
{
	return role == PKI_ROLE_PROVINCE || role == PKI_ROLE_PREFECTURE;
}

int pki_scope_covers(const char *scope, const char *id)
{
	size_t n;

	if (!pki_scope_valid(scope) || !id || !all_digits(id, strlen(id)))
		return 0;
	n = strlen(scope);
	return strlen(id) >= n && strncmp(scope, id, n) == 0;
}

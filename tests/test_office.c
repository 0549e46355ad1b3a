/*
 * test_office: office-id arithmetic (office.h) -- roles from ids, role
 * names, scopes, parents and direct children, scope cover.
 *
 * usage: test_office [TESTDATADIR] (unused). Exits non-zero on any failure.
 */
#include "err.h"
#include "office.h"

#include <stdio.h>

#include "check.h"

static void test_ids(void)
{
	char buf[PKI_ID_MAX];

	CHECK_INT(pki_role_from_id("530102"), PKI_ROLE_COUNTY);
	CHECK_INT(pki_role_from_id("530102001"), PKI_ROLE_TOWNSHIP);
	CHECK_INT(pki_role_from_id("530102001007"), PKI_ROLE_VILLAGE);
	CHECK_INT(pki_role_from_id("I5301-ab12"), PKI_ROLE_INSPECTOR);
	CHECK_INT(pki_role_from_id("I530102001007-0123456789abcdef"), PKI_ROLE_INSPECTOR);
	CHECK_INT(pki_role_from_id("I530102001007-0123456789abcdefa"), PKI_ROLE_NONE); /* tag 17 */
	CHECK_INT(pki_role_from_id("I5-ab"), PKI_ROLE_NONE);    /* scope of 1 digit */
	CHECK_INT(pki_role_from_id("I5301-AB"), PKI_ROLE_NONE); /* upper case tag */
	CHECK_INT(pki_role_from_id("I5301-"), PKI_ROLE_NONE);
	CHECK_INT(pki_role_from_id("I5301ab"), PKI_ROLE_NONE);
	CHECK_INT(pki_role_from_id("53"), PKI_ROLE_PROVINCE);
	CHECK_INT(pki_role_from_id("5301"), PKI_ROLE_PREFECTURE);
	CHECK_INT(pki_role_from_id("5"), PKI_ROLE_NONE);
	CHECK_INT(pki_role_from_id("530"), PKI_ROLE_NONE);
	CHECK_INT(pki_role_from_id("53a1"), PKI_ROLE_NONE);
	CHECK_STR(pki_role_name(PKI_ROLE_PROVINCE), "province");
	CHECK_STR(pki_role_name(PKI_ROLE_PREFECTURE), "prefecture");
	CHECK_INT(pki_role_parse("prefecture"), PKI_ROLE_PREFECTURE);
	CHECK_INT(pki_role_above_county(PKI_ROLE_PROVINCE), 1);
	CHECK_INT(pki_role_above_county(PKI_ROLE_PREFECTURE), 1);
	CHECK_INT(pki_role_above_county(PKI_ROLE_COUNTY), 0);
	CHECK_INT(pki_role_from_id("53010"), PKI_ROLE_NONE);
	CHECK_INT(pki_role_from_id("5301020010"), PKI_ROLE_NONE);
	CHECK_INT(pki_role_from_id("53010200100a"), PKI_ROLE_NONE);
	CHECK_INT(pki_role_from_id(""), PKI_ROLE_NONE);
	CHECK_INT(pki_role_from_id(NULL), PKI_ROLE_NONE);
	CHECK_STR(pki_role_name(PKI_ROLE_TOWNSHIP), "township");
	CHECK_STR(pki_role_name((enum pki_role)99), "none");
	CHECK_INT(pki_role_parse("village"), PKI_ROLE_VILLAGE);
	CHECK_INT(pki_role_parse("none"), PKI_ROLE_NONE);
	CHECK_INT(pki_role_parse("Village"), PKI_ROLE_NONE);

	CHECK_INT(pki_scope_valid("53"), 1);
	CHECK_INT(pki_scope_valid("530102001007"), 1);
	CHECK_INT(pki_scope_valid("5"), 0);
	CHECK_INT(pki_scope_valid("5301020010071"), 0);
	CHECK_INT(pki_scope_valid("53a1"), 0);

	CHECK_INT(pki_parent_id("530102001", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "530102");
	CHECK_INT(pki_parent_id("530102001007", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "530102001");
	CHECK_INT(pki_parent_id("530102", buf, sizeof(buf)), 0); /* a county: its prefecture */
	CHECK_STR(buf, "5301");
	CHECK_INT(pki_parent_id("5301", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "53");
	CHECK_INT(pki_parent_id("53", buf, sizeof(buf)), CN_EINVAL); /* the top */
	CHECK_INT(pki_parent_id("I5301-ab", buf, sizeof(buf)), CN_EINVAL);
	CHECK_INT(pki_parent_id("530102001", buf, 6), CN_EINVAL); /* no room for 6 + NUL */

	CHECK_INT(pki_is_direct_child("530102", "530102001"), 1);
	CHECK_INT(pki_is_direct_child("530102001", "530102001007"), 1);
	CHECK_INT(pki_is_direct_child("530102", "530102001007"), 0); /* grandchild */
	CHECK_INT(pki_is_direct_child("530103", "530102001"), 0);
	CHECK_INT(pki_is_direct_child("530102", "530102"), 0);
	CHECK_INT(pki_is_direct_child("5301", "530102"), 1);
	CHECK_INT(pki_is_direct_child("53", "5301"), 1);
	CHECK_INT(pki_is_direct_child("53", "530102"), 1);  /* a county reporting directly */
	CHECK_INT(pki_is_direct_child("54", "530102"), 0);
	CHECK_INT(pki_is_direct_child("5302", "530102"), 0);
	CHECK_INT(pki_is_direct_child("53", "530102001"), 0);
	CHECK_INT(pki_is_direct_child("5301", "530102001"), 0);

	CHECK_INT(pki_scope_covers("53", "530102001"), 1);
	CHECK_INT(pki_scope_covers("530102", "530102"), 1);
	CHECK_INT(pki_scope_covers("530102", "530103001"), 0);
	CHECK_INT(pki_scope_covers("530102001", "530102"), 0); /* shorter id */
	CHECK_INT(pki_scope_covers("5", "530102"), 0);         /* invalid scope */
	CHECK_INT(pki_scope_covers("53", "I5301-ab"), 0);      /* not a division code */
}

int main(void)
{
	test_ids();
	fprintf(stderr, "test_office: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}

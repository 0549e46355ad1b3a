/*
 * test_item_targets: a directive's expanded targets (and a reminder's) as they travel
 * (node/item_targets.c): grouped under their parents by item_encode, put
 * back by item_decode in the same order, and refused when no issuer could
 * have made them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "item.h"
#include "roles.h"

#include "check.h"

/* The county's directive 530102-7 with these targets, in it and d. */
static void directive(Carenet__Item *it, Carenet__Directive *d, char **ids, size_t n)
{
	carenet__item__init(it);
	carenet__directive__init(d);
	d->id = "530102-7";
	d->title = "t";
	d->expanded = ids;
	d->n_expanded = n;
	it->body_case = CARENET__ITEM__BODY_DIRECTIVE;
	it->directive = d;
	it->origin = "530102";
	it->origin_seq = 7;
}

/* A directive item with these expanded targets, encoded as an origin does. */
static int encode(char **ids, size_t n, uint8_t **buf, size_t *len)
{
	Carenet__Item it;
	Carenet__Directive d;
	int rc;

	directive(&it, &d, ids, n);
	rc = item_encode(&it, buf, len);
	/* the caller's struct is as it was */
	CHECK(d.expanded == ids && d.n_expanded == n && d.n_groups == 0 && d.groups == NULL);
	return rc;
}

/* Encodes and decodes; 1 if the ids come back the same, in order. */
static int round_trip(char **ids, size_t n, size_t *len, size_t *ngroups)
{
	uint8_t *buf = NULL;
	Carenet__Item *it = NULL, *raw;
	int same = 0;

	if (encode(ids, n, &buf, len) != 0)
		return 0;
	raw = carenet__item__unpack(NULL, *len, buf);
	*ngroups = raw ? raw->directive->n_groups : 0;
	carenet__item__free_unpacked(raw, NULL);
	if (item_decode(buf, *len, &it) == 0 && it->directive->n_expanded == n) {
		same = 1;
		for (size_t i = 0; i < n; i++)
			same &= strcmp(it->directive->expanded[i], ids[i]) == 0;
	}
	carenet__item__free_unpacked(it, NULL);
	free(buf);
	return same;
}

static void test_round_trips(void)
{
	char *v[300], store[300][16], *mixed[] = {"530102001", "530102001001", "530102001002",
	                                          "530102002", "530102002009", "530102001003"};
	char *one[] = {"530102001001"}, *counties[] = {"530102", "530103", "530201"};
	char *odd[] = {"530102001001", "530102001002", "I530102-a"};
	size_t len, ng, plain = 0;

	for (size_t t = 0; t < 20; t++)
		for (size_t k = 0; k < 15; k++) {
			snprintf(store[t * 15 + k], 16, "530102%03zu%03zu", t + 1, k + 1);
			v[t * 15 + k] = store[t * 15 + k];
		}
	for (size_t i = 0; i < 300; i++)
		plain += strlen(v[i]) + 2;
	CHECK(round_trip(v, 300, &len, &ng) && ng == 20);
	CHECK(len < plain / 4); /* 300 villages: about a sixth of the strings */
	/* townships and villages, a parent met again after another: same order */
	CHECK(round_trip(mixed, 6, &len, &ng) && ng == 5);
	/* nothing shared: strings, as before */
	CHECK(round_trip(one, 1, &len, &ng) && ng == 0);
	CHECK(round_trip(counties, 3, &len, &ng) && ng == 2);
	/* an id that is no office below a parent: the list goes as strings
	 * (and the rules refuse it at every hop, as before) */
	CHECK(round_trip(odd, 3, &len, &ng) && ng == 0);
}

/* A directive item with hand-made groups (and, if n, expanded too). */
static uint8_t *crafted(Carenet__TargetGroup **g, size_t ng, char **ids, size_t n, size_t *len)
{
	Carenet__Item it;
	Carenet__Directive d;
	uint8_t *buf;

	directive(&it, &d, ids, n);
	d.groups = g;
	d.n_groups = ng;
	*len = carenet__item__get_packed_size(&it);
	buf = malloc(*len);
	carenet__item__pack(&it, buf);
	return buf;
}

static int decodes(Carenet__TargetGroup **g, size_t ng, char **ids, size_t n)
{
	size_t len;
	uint8_t *buf = crafted(g, ng, ids, n, &len);
	Carenet__Item *it = NULL;
	int rc = item_decode(buf, len, &it);

	CHECK((rc == 0) == (it != NULL));
	carenet__item__free_unpacked(it, NULL);
	free(buf);
	return rc;
}

static void test_refusals(void)
{
	uint32_t kids[] = {1, 2, 999}, big[] = {100}, *many;
	Carenet__TargetGroup g = CARENET__TARGET_GROUP__INIT, *gp[] = {&g};
	char *one[] = {"530102001001"};

	g.parent = "530102001", g.children = kids, g.n_children = 3;
	CHECK_INT(decodes(gp, 1, NULL, 0), 0);
	CHECK_INT(decodes(gp, 1, one, 1), CN_EPROTO); /* both forms */
	g.n_children = 0;
	CHECK_INT(decodes(gp, 1, NULL, 0), CN_EPROTO); /* an empty group */
	g.n_children = 3, g.parent = "53010200x";
	CHECK_INT(decodes(gp, 1, NULL, 0), CN_EPROTO); /* a parent not digits */
	g.parent = "53010200100";                      /* 11 digits: no office's */
	CHECK_INT(decodes(gp, 1, NULL, 0), CN_EPROTO);
	g.parent = "530102001001"; /* a village has no children */
	CHECK_INT(decodes(gp, 1, NULL, 0), CN_EPROTO);
	g.parent = "5301", g.children = big, g.n_children = 1; /* 2 digits under a prefecture */
	CHECK_INT(decodes(gp, 1, NULL, 0), CN_EPROTO);
	g.parent = "530102", big[0] = 1000;
	CHECK_INT(decodes(gp, 1, NULL, 0), CN_EPROTO);
	many = calloc(ROLES_MAX_TARGETS + 1, sizeof(*many));
	g.children = many, g.n_children = ROLES_MAX_TARGETS;
	CHECK_INT(decodes(gp, 1, NULL, 0), 0); /* as many as a directive may name */
	g.n_children = ROLES_MAX_TARGETS + 1;
	CHECK_INT(decodes(gp, 1, NULL, 0), CN_EPROTO);
	free(many);
}

/* A deadline reminder to late villages travels grouped the same way. */
static void test_reminder(void)
{
	char store[30][16], *v[30], *both[] = {"530102001001"};
	Carenet__Item it = CARENET__ITEM__INIT, *back = NULL, *raw;
	Carenet__Reminder rm = CARENET__REMINDER__INIT;
	uint32_t kids[] = {1, 2};
	Carenet__TargetGroup g = CARENET__TARGET_GROUP__INIT, *gp[] = {&g};
	uint8_t *buf = NULL;
	size_t len, plain = 0;
	int same = 1;

	for (size_t i = 0; i < 30; i++) {
		snprintf(store[i], 16, "530102%03zu%03zu", i / 15 + 1, i % 15 + 1);
		v[i] = store[i];
		plain += strlen(v[i]) + 2;
	}
	rm.directive = "530102-7";
	rm.targets = v;
	rm.n_targets = 30;
	it.body_case = CARENET__ITEM__BODY_REMINDER;
	it.reminder = &rm;
	it.origin = "530102";
	it.origin_seq = 8;
	CHECK_INT(item_encode(&it, &buf, &len), 0);
	CHECK(rm.targets == v && rm.n_targets == 30 && rm.n_groups == 0);
	raw = carenet__item__unpack(NULL, len, buf);
	CHECK(raw && raw->reminder->n_groups == 2 && raw->reminder->n_targets == 0 && len < plain);
	carenet__item__free_unpacked(raw, NULL);
	CHECK_INT(item_decode(buf, len, &back), 0);
	CHECK(back && back->reminder->n_targets == 30);
	for (size_t i = 0; back && i < 30 && i < back->reminder->n_targets; i++)
		same &= strcmp(back->reminder->targets[i], v[i]) == 0;
	CHECK(same);
	carenet__item__free_unpacked(back, NULL);
	free(buf);
	/* both forms: not decoded */
	g.parent = "530102001", g.children = kids, g.n_children = 2;
	rm.targets = both, rm.n_targets = 1, rm.groups = gp, rm.n_groups = 1;
	len = carenet__item__get_packed_size(&it);
	buf = malloc(len);
	carenet__item__pack(&it, buf);
	back = NULL;
	CHECK_INT(item_decode(buf, len, &back), CN_EPROTO);
	CHECK(back == NULL);
	free(buf);
}

int main(void)
{
	test_round_trips();
	test_reminder();
	test_refusals();
	fprintf(stderr, "test_item_targets: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}

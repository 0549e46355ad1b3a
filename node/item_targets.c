/*
 * item_targets: a directive's expanded targets on the wire (Directive.groups,
 * proto/items.proto), and a reminder's (Reminder.groups) the same way.
 *
 * A county's directive to its 300 villages names each of them: 300 ids, 4.2
 * KB, hashed, sealed and written in every queued copy at every hop (fifteen
 * at each township, one in each village's inbox) and above LMDB's inline
 * limit, so each copy took overflow pages. Grouped under their parents,
 * with the digits each adds as a number, they take about 0.7 KB.
 *
 * The roles only ever see expanded: item_encode groups the ids of a
 * directive this node originates, item_decode puts them back, in the same
 * order, so what an issuer checked is what every hop checks. Consecutive
 * ids with one parent make a group; a list in any order round-trips.
 */
#include "item.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "roles.h"

/* Digits a child adds under a parent of plen digits: province 2, prefecture
 * 4, county 6, township 9; 0 if plen is no parent's. */
static size_t child_digits(size_t plen)
{
	switch (plen) {
	case 2:
	case 4:
		return 2;
	case 6:
	case 9:
		return 3;
	default:
		return 0;
	}
}

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* The parent's length of an office id of n digits, 0 if none. */
static size_t parent_len(const char *id, size_t n)
{
	size_t p = n == 4 ? 2 : n == 6 ? 4 : n == 9 ? 6 : n == 12 ? 9 : 0;

	return p && all_digits(id, n) ? p : 0;
}

struct groups {
	Carenet__TargetGroup *g, **gp;
	uint32_t *kids;
	char (*parent)[16];
	size_t n;
};

static void groups_free(struct groups *s)
{
	free(s->g);
	free(s->gp);
	free(s->kids);
	free(s->parent);
}

/* Groups ids; 1 if one is no office below a parent, or nothing is shared
 * (the strings are then as short), CN_ENOMEM, or 0. */
static int groups_make(char *const *ids, size_t n, struct groups *s)
{
	memset(s, 0, sizeof(*s));
	if (!(s->g = calloc(n, sizeof(*s->g))) || !(s->gp = calloc(n, sizeof(*s->gp))) ||
	    !(s->kids = calloc(n, sizeof(*s->kids))) ||
	    !(s->parent = calloc(n, sizeof(*s->parent)))) {
		groups_free(s);
		return CN_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(ids[i]), plen = parent_len(ids[i], len);
		Carenet__TargetGroup *last = s->n ? &s->g[s->n - 1] : NULL;

		if (!plen) {
			groups_free(s);
			return 1;
		}
		if (!last || strlen(last->parent) != plen ||
		    memcmp(last->parent, ids[i], plen) != 0) {
			last = &s->g[s->n];
			carenet__target_group__init(last);
			memcpy(s->parent[s->n], ids[i], plen);
			last->parent = s->parent[s->n];
			last->children = &s->kids[i];
			s->gp[s->n++] = last;
		}
		last->children[last->n_children++] = (uint32_t)strtoul(ids[i] + plen, NULL, 10);
	}
	if (s->n == n) {
		groups_free(s);
		return 1;
	}
	return 0;
}

/* The list of ids an item's body names and its grouped form: a
 * directive's expanded targets, a reminder's targets; NULL ids otherwise. */
struct idlist {
	char ***ids;
	size_t *n;
	Carenet__TargetGroup ***groups;
	size_t *ngroups;
};

static int idlist_of(Carenet__Item *it, struct idlist *l)
{
	memset(l, 0, sizeof(*l));
	if (it->body_case == CARENET__ITEM__BODY_DIRECTIVE && it->directive) {
		Carenet__Directive *d = it->directive;
		*l = (struct idlist){&d->expanded, &d->n_expanded, &d->groups, &d->n_groups};
	} else if (it->body_case == CARENET__ITEM__BODY_REMINDER && it->reminder) {
		Carenet__Reminder *r = it->reminder;
		*l = (struct idlist){&r->targets, &r->n_targets, &r->groups, &r->n_groups};
	}
	return l->ids != NULL;
}

int item_encode(Carenet__Item *it, uint8_t **buf, size_t *len)
{
	struct idlist l;
	char **ids = NULL;
	size_t n = 0;
	struct groups s;
	int grouped = 0, rc;

	if (idlist_of(it, &l) && *l.n > 1 && !*l.ngroups) {
		ids = *l.ids, n = *l.n;
		if ((rc = groups_make(ids, n, &s)) < 0)
			return rc;
		if (rc == 0) {
			grouped = 1;
			*l.ids = NULL, *l.n = 0;
			*l.groups = s.gp, *l.ngroups = s.n;
		}
	}
	*len = carenet__item__get_packed_size(it);
	if ((*buf = malloc(*len ? *len : 1)))
		carenet__item__pack(it, *buf);
	if (grouped) {
		*l.ids = ids, *l.n = n;
		*l.groups = NULL, *l.ngroups = 0;
		groups_free(&s);
	}
	return *buf ? 0 : CN_ENOMEM;
}

/* Puts a decoded item's groups back as ids (malloc'd, as the unpacker's own
 * strings: free_unpacked frees them). CN_EPROTO for a list no origin makes:
 * both forms, an empty group, a parent that is no office with children, a
 * child out of its digits, more than ROLES_MAX_TARGETS in all. */
int item_targets_inflate(Carenet__Item *it)
{
	struct idlist l;
	size_t total = 0, k = 0;
	char **v;

	if (!idlist_of(it, &l) || !*l.ngroups)
		return 0;
	if (*l.n)
		return CN_EPROTO;
	for (size_t i = 0; i < *l.ngroups; i++) {
		const Carenet__TargetGroup *g = (*l.groups)[i];
		size_t plen = strlen(g->parent), w = child_digits(plen);

		if (!w || !all_digits(g->parent, plen) || !g->n_children ||
		    g->n_children > ROLES_MAX_TARGETS ||
		    (total += g->n_children) > ROLES_MAX_TARGETS)
			return CN_EPROTO;
		for (size_t j = 0; j < g->n_children; j++)
			if (g->children[j] >= (w == 2 ? 100u : 1000u))
				return CN_EPROTO;
	}
	if (!(v = calloc(total, sizeof(*v))))
		return CN_ENOMEM;
	for (size_t i = 0; i < *l.ngroups; i++) {
		const Carenet__TargetGroup *g = (*l.groups)[i];
		size_t plen = strlen(g->parent);
		int w = (int)child_digits(plen);

		for (size_t j = 0; j < g->n_children; j++, k++) {
			if (!(v[k] = malloc(plen + (size_t)w + 1))) {
				while (k)
					free(v[--k]);
				free(v);
				return CN_ENOMEM;
			}
			snprintf(v[k], plen + (size_t)w + 1, "%s%0*u", g->parent, w,
			         (unsigned)g->children[j]);
		}
	}
	*l.ids = v;
	*l.n = total;
	return 0;
}

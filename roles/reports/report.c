/*
 * report: names, the store of reports (sealed states, kept steps, ids,
 * timers, alerts) and the replay that derives a report's holder, state and
 * hops from the report and its steps (reports.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aead.h"
#include "be.h"
#include "err.h"
#include "reports.h"

/* ------------------------------------------------------------ names */

static const char *const kinds[] = {
    [REPORT_STEP_ACK] = "ack",          [REPORT_STEP_REFER] = "refer", [REPORT_STEP_UPDATE] = "update",
    [REPORT_STEP_OPEN_CASE] = "open-case", [REPORT_STEP_CLOSE] = "close", [REPORT_STEP_REOPEN] = "reopen",
    [REPORT_STEP_ESCALATE] = "escalate",
};

const char *report_kind_name(uint32_t kind)
{
	return kind && kind < sizeof(kinds) / sizeof(kinds[0]) ? kinds[kind] : "?";
}

uint32_t report_kind_parse(const char *name)
{
	for (uint32_t k = 1; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (!strcmp(name, kinds[k]))
			return k;
	return 0;
}

static const char *const urg[] = {NULL, "urgent", "high", "normal"};
static const char *const urg_zh[] = {NULL, "紧急", "较急", "一般"};

const char *report_urgency_name(uint32_t u)
{
	return u >= 1 && u <= 3 ? urg[u] : "?";
}

const char *report_urgency_zh(uint32_t u)
{
	return u >= 1 && u <= 3 ? urg_zh[u] : "?";
}

uint32_t report_urgency_parse(const char *name)
{
	for (uint32_t u = 1; u <= 3; u++)
		if (!strcmp(name, urg[u]) || !strcmp(name, urg_zh[u]))
			return u;
	return 0;
}

const char *report_state_zh(const char *state)
{
	static const char *const m[][2] = {
	    {"open", "待受理"},     {"acknowledged", "已受理"}, {"referred", "已转介"},
	    {"escalated", "已上报县级"}, {"closed", "已办结"},
	};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (!strcmp(state, m[i][0]))
			return m[i][1];
	return "?";
}

/* records.md, 1b: the situations that call for a mandatory report. */
static const char *const sit[][2] = {
    {"S01", "脱离监护单独居住或失踪"}, {"S02", "监护人丧失监护能力或不履行监护责任"},
    {"S03", "疑似遭受家庭暴力"},       {"S08", "不满十六周岁单独居住"},
    {"S09", "家庭暴力、虐待或遗弃"},   {"S10", "遭受侵害或被利用"},
    {"other", "其他"},
};

const char *report_situation_code(const char *name)
{
	for (size_t i = 0; i < sizeof(sit) / sizeof(sit[0]); i++)
		if (!strcasecmp(name, sit[i][0]) || !strcmp(name, sit[i][1]))
			return sit[i][0];
	return NULL;
}

const char *report_situation_zh(const char *code)
{
	for (size_t i = 0; i < sizeof(sit) / sizeof(sit[0]); i++)
		if (!strcmp(code, sit[i][0]))
			return sit[i][1];
	return "?";
}

static const char *const dept[][2] = {
    {"police", "公安"},    {"court", "法院"},  {"procuratorate", "检察院"}, {"education", "教育"},
    {"health", "卫健"},    {"hospital", "医院"}, {"school", "学校"},       {"other", "其他"},
};

const char *report_dept_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(dept) / sizeof(dept[0]); i++)
		if (!strcasecmp(name, dept[i][0]) || !strcmp(name, dept[i][1]))
			return dept[i][0];
	return NULL;
}

const char *report_dept_zh(const char *code)
{
	for (size_t i = 0; i < sizeof(dept) / sizeof(dept[0]); i++)
		if (!strcmp(code, dept[i][0]))
			return dept[i][1];
	return "";
}

uint64_t report_ack_after(const struct roles *r, uint32_t u)
{
	static const uint64_t def[3] = {3600, 12 * 3600, 72 * 3600};
	size_t i = u >= 1 && u <= 3 ? u - 1 : 2;
	uint64_t v = r->env.policy ? r->env.policy->report_ack[i] : 0;

	return v ? v : def[i];
}

int report_above(const char *a, const char *b)
{
	size_t n = strlen(a);
	return strlen(b) > n && strncmp(a, b, n) == 0;
}

/* ------------------------------------------------------------ store */

static MDB_dbi db(const struct roles *r)
{
	return roles_dbi(r, STORE_ESCALATIONS);
}

/* tag ':' id [ '\0' sub ] */
static size_t key_of(char *key, size_t cap, char tag, const char *id, const char *sub)
{
	size_t n = strlen(id), m = sub ? strlen(sub) + 1 : 0;

	if (n + m + 2 > cap)
		return 0;
	key[0] = tag;
	key[1] = ':';
	memcpy(key + 2, id, n);
	if (sub) {
		key[2 + n] = 0;
		memcpy(key + 3 + n, sub, m - 1);
	}
	return n + m + 2;
}

static int put_sealed(struct roles *r, MDB_txn *txn, const char *key, size_t klen,
                      const uint8_t *pt, size_t len)
{
	uint8_t *box = NULL;
	size_t boxlen = 0;
	MDB_val k = {klen, (void *)key}, d;
	int ret;

	if (!r->env.seal)
		return CN_EPERM;
	if ((ret = r->env.seal(r->env.arg, key, klen, pt, len, &box, &boxlen)) != 0)
		return ret;
	d.mv_size = boxlen;
	d.mv_data = box;
	ret = store_err(mdb_put(txn, db(r), &k, &d, 0), "reports put");
	free(box);
	return ret;
}

static int open_sealed(struct roles *r, const MDB_val *k, const MDB_val *d, uint8_t **pt,
                       size_t *len)
{
	if (!r->env.open)
		return CN_EPERM;
	return r->env.open(r->env.arg, k->mv_data, k->mv_size, d->mv_data, d->mv_size, pt, len);
}

int report_get(struct roles *r, MDB_txn *txn, const char *id, Carenet__ReportState **out)
{
	char key[REPORT_ID_MAX + 4];
	MDB_val k, d;
	uint8_t *pt = NULL;
	size_t len = 0;
	int ret;

	*out = NULL;
	if (!(k.mv_size = key_of(key, sizeof(key), 'p', id, NULL)))
		return CN_ENOTFOUND;
	k.mv_data = key;
	if ((ret = store_err(mdb_get(txn, db(r), &k, &d), "reports get")) != 0)
		return ret;
	if ((ret = open_sealed(r, &k, &d, &pt, &len)) != 0)
		return ret;
	*out = carenet__report_state__unpack(NULL, len, pt);
	aead_free(pt, len);
	return *out ? 0 : CN_ESTORE;
}

static int timer_key(char *key, uint64_t due, const char *id)
{
	size_t n = strlen(id);

	memcpy(key, "q:", 2);
	be_put64((uint8_t *)key + 2, due);
	memcpy(key + 10, id, n);
	return (int)(n + 10);
}

/* County: the earliest unacknowledged hop to an office below (0: none). */
static uint64_t timer_due(const struct roles *r, const Carenet__ReportState *st)
{
	const char *me = r->env.me->id;
	uint64_t due = 0;

	if (strlen(me) != 6 || !strcmp(st->state, "closed"))
		return 0;
	for (size_t i = 0; i < st->n_hops; i++) {
		const Carenet__ReportHop *h = st->hops[i];
		if (!h->acked_at && !h->escalated && strcmp(h->to, me) && (!due || h->due_at < due))
			due = h->due_at;
	}
	return due;
}

static int timer_move(struct roles *r, MDB_txn *txn, Carenet__ReportState *st)
{
	uint64_t due = timer_due(r, st);
	char key[REPORT_ID_MAX + 12];
	MDB_val k = {0, key}, d = {0, ""};
	int ret = 0;

	if (due == st->timer)
		return 0;
	if (st->timer) {
		k.mv_size = (size_t)timer_key(key, st->timer, st->report->id);
		ret = mdb_del(txn, db(r), &k, NULL);
		if ((ret = ret == MDB_NOTFOUND ? 0 : store_err(ret, "reports timer")) != 0)
			return ret;
	}
	if (due) {
		k.mv_size = (size_t)timer_key(key, due, st->report->id);
		if ((ret = store_err(mdb_put(txn, db(r), &k, &d, 0), "reports timer")) != 0)
			return ret;
	}
	st->timer = due;
	return 0;
}

int report_put(struct roles *r, MDB_txn *txn, Carenet__ReportState *st)
{
	char key[REPORT_ID_MAX + 4];
	size_t klen, len;
	uint8_t *pt;
	int ret;

	if ((ret = report_replay(r, st, roles_now(r))) != 0 || (ret = timer_move(r, txn, st)) != 0)
		return ret;
	if (!(klen = key_of(key, sizeof(key), 'p', st->report->id, NULL)))
		return CN_EINVAL;
	len = carenet__report_state__get_packed_size(st);
	if (!(pt = malloc(len ? len : 1)))
		return CN_ENOMEM;
	carenet__report_state__pack(st, pt);
	ret = put_sealed(r, txn, key, klen, pt, len);
	aead_free(pt, len);
	return ret;
}

int report_seen(struct roles *r, MDB_txn *txn, const char *id, int *seen)
{
	char key[REPORT_ID_MAX + 4];
	MDB_val k = {key_of(key, sizeof(key), 'i', id, NULL), key}, d;
	int ret;

	*seen = 0;
	if (!k.mv_size)
		return CN_EINVAL;
	ret = store_err(mdb_get(txn, db(r), &k, &d), "reports seen");
	if (ret == CN_ENOTFOUND)
		return 0;
	*seen = ret == 0;
	return ret;
}

int report_mark(struct roles *r, MDB_txn *txn, const char *id)
{
	char key[REPORT_ID_MAX + 4];
	MDB_val k = {key_of(key, sizeof(key), 'i', id, NULL), key}, d = {0, ""};

	if (!k.mv_size)
		return CN_EINVAL;
	return store_err(mdb_put(txn, db(r), &k, &d, 0), "reports mark");
}

int report_next_id(struct roles *r, MDB_txn *txn, const char *what, char *out, size_t len)
{
	uint64_t n = 0;
	int ret = store_get_u64(txn, db(r), "n", 1, &n);

	if (ret != 0 && ret != CN_ENOTFOUND)
		return ret;
	n++;
	if ((ret = store_put_u64(txn, db(r), "n", 1, n)) != 0)
		return ret;
	snprintf(out, len, "%s-%s%llu", r->env.me->id, what, (unsigned long long)n);
	return 0;
}

int report_keep_step(struct roles *r, MDB_txn *txn, const Carenet__ReportStep *s)
{
	char key[2 * REPORT_ID_MAX + 4];
	size_t klen = key_of(key, sizeof(key), 's', s->report, s->id);
	size_t len = carenet__report_step__get_packed_size(s);
	uint8_t *pt;
	int ret;

	if (!klen)
		return CN_EINVAL;
	if (!(pt = malloc(len ? len : 1)))
		return CN_ENOMEM;
	carenet__report_step__pack(s, pt);
	ret = put_sealed(r, txn, key, klen, pt, len);
	aead_free(pt, len);
	return ret;
}

int report_take_steps(struct roles *r, MDB_txn *txn, const char *id,
                      int (*fn)(Carenet__ReportStep *s, void *arg), void *arg)
{
	char pre[REPORT_ID_MAX + 4];
	size_t plen = key_of(pre, sizeof(pre), 's', id, NULL);
	MDB_cursor *cur;
	MDB_val k = {plen + 1, pre}, d;
	int ret, mrc;

	pre[plen] = 0; /* "s:" id '\0' */
	if ((ret = store_err(mdb_cursor_open(txn, db(r), &cur), "reports kept")) != 0)
		return ret;
	for (mrc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE); mrc == 0 && ret == 0;
	     mrc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		Carenet__ReportStep *s;
		uint8_t *pt = NULL;
		size_t len = 0;

		if (k.mv_size <= plen + 1 || memcmp(k.mv_data, pre, plen + 1) != 0)
			break;
		if ((ret = open_sealed(r, &k, &d, &pt, &len)) != 0)
			break;
		s = carenet__report_step__unpack(NULL, len, pt);
		aead_free(pt, len);
		if (!s)
			ret = CN_ESTORE;
		else
			ret = fn(s, arg);
		carenet__report_step__free_unpacked(s, NULL);
		if (ret == 0)
			ret = store_err(mdb_cursor_del(cur, 0), "reports kept del");
	}
	mdb_cursor_close(cur);
	return ret ? ret : (mrc == 0 || mrc == MDB_NOTFOUND ? 0 : store_err(mrc, "reports kept"));
}

/* A deep copy of a message (packed and unpacked: one allocator, freed
 * with its free_unpacked). NULL on ENOMEM. */
static void *dup_msg(const ProtobufCMessage *m)
{
	size_t len = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(len ? len : 1);
	void *out;

	if (!buf)
		return NULL;
	protobuf_c_message_pack(m, buf);
	out = protobuf_c_message_unpack(m->descriptor, NULL, len, buf);
	free(buf);
	return out;
}
#define DUP(m) dup_msg(&(m)->base)

int report_add_step(Carenet__ReportState *st, const Carenet__ReportStep *s)
{
	Carenet__ReportStep **v, *c;

	if (st->n_steps >= REPORT_MAX_STEPS)
		return CN_ETOOBIG;
	if (!(c = DUP(s)))
		return CN_ENOMEM;
	if (!(v = realloc(st->steps, (st->n_steps + 1) * sizeof(*v)))) {
		carenet__report_step__free_unpacked(c, NULL);
		return CN_ENOMEM;
	}
	st->steps = v;
	st->steps[st->n_steps++] = c;
	return 0;
}

int report_state_new(const Carenet__Report *rep, Carenet__ReportState **out)
{
	Carenet__ReportState *st = calloc(1, sizeof(*st));

	*out = NULL;
	if (!st)
		return CN_ENOMEM;
	carenet__report_state__init(st);
	if (!(st->report = DUP(rep))) {
		free(st);
		return CN_ENOMEM;
	}
	*out = st;
	return 0;
}

/* ------------------------------------------------------------ replay */

static int set_str(char **dst, const char *v)
{
	char *c = strdup(v ? v : "");

	if (!c)
		return CN_ENOMEM;
	if (*dst && *dst != protobuf_c_empty_string)
		free(*dst);
	*dst = c;
	return 0;
}

static void hops_free(Carenet__ReportState *st)
{
	for (size_t i = 0; i < st->n_hops; i++)
		carenet__report_hop__free_unpacked(st->hops[i], NULL);
	free(st->hops);
	st->hops = NULL;
	st->n_hops = 0;
}

static int hop_add(Carenet__ReportState *st, const char *from, const char *to, uint64_t sent,
                   uint64_t due)
{
	Carenet__ReportHop *h = calloc(1, sizeof(*h)), **v;

	if (!h)
		return CN_ENOMEM;
	carenet__report_hop__init(h);
	if (!(v = realloc(st->hops, (st->n_hops + 1) * sizeof(*v)))) {
		free(h);
		return CN_ENOMEM;
	}
	st->hops = v;
	st->hops[st->n_hops++] = h;
	h->sent_at = sent;
	h->due_at = due;
	if (set_str(&h->from, from) || set_str(&h->to, to) || set_str(&h->acked_by, ""))
		return CN_ENOMEM;
	return 0;
}

static int step_cmp(const void *a, const void *b)
{
	const Carenet__ReportStep *x = *(Carenet__ReportStep *const *)a;
	const Carenet__ReportStep *y = *(Carenet__ReportStep *const *)b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	if (x->seen != y->seen)
		return x->seen < y->seen ? -1 : 1;
	return strcmp(x->id, y->id);
}

static int on_ack(Carenet__ReportState *st, const Carenet__ReportStep *s)
{
	size_t cl = 6;

	for (size_t i = 0; i < st->n_hops; i++) {
		Carenet__ReportHop *h = st->hops[i];
		/* the county's ack answers every hop to the county */
		if (h->acked_at || (strcmp(h->to, s->by) && !(strlen(s->by) == cl && strlen(h->to) == cl)))
			continue;
		h->acked_at = s->at;
		if (set_str(&h->acked_by, s->by))
			return CN_ENOMEM;
	}
	return 0;
}

static int on_escalate(Carenet__ReportState *st, const Carenet__ReportStep *s, int *held)
{
	char county[8];

	snprintf(county, sizeof(county), "%.6s", st->report->office);
	for (size_t i = 0; i < st->n_hops; i++) {
		Carenet__ReportHop *h = st->hops[i];
		if (!h->escalated && !strcmp(h->from, s->hop_from) && !strcmp(h->to, s->to)) {
			h->escalated = 1;
			*held = 1;
			return hop_add(st, s->to, county, s->at, s->due_at);
		}
	}
	return 0;
}

static int replay_steps(Carenet__ReportState *st, int *referred, int *closed, int *escalated)
{
	int ret = 0;

	for (size_t i = 0; i < st->n_steps && ret == 0; i++) {
		const Carenet__ReportStep *s = st->steps[i];
		switch (s->kind) {
		case REPORT_STEP_ACK:
			ret = on_ack(st, s);
			break;
		case REPORT_STEP_ESCALATE:
			if ((ret = on_escalate(st, s, escalated)) == 0)
				ret = set_str(&st->holder, s->by);
			break;
		case REPORT_STEP_REFER:
			*referred = 1;
			break;
		case REPORT_STEP_OPEN_CASE:
			ret = set_str(&st->case_id, s->ref);
			break;
		case REPORT_STEP_CLOSE:
			*closed = 1;
			st->closed_at = s->at;
			if ((ret = set_str(&st->closed_by, s->by)) == 0)
				ret = set_str(&st->outcome, s->outcome);
			break;
		case REPORT_STEP_REOPEN:
			*closed = 0;
			st->closed_at = 0;
			break;
		default:
			break;
		}
	}
	return ret;
}

static const char *state_of(const Carenet__ReportState *st, int referred, int closed, int esc)
{
	int waiting = 0;

	if (closed)
		return "closed";
	for (size_t i = 0; i < st->n_hops; i++)
		if (!st->hops[i]->acked_at && !strcmp(st->hops[i]->to, st->holder))
			waiting = 1;
	if (waiting)
		return esc ? "escalated" : "open";
	return referred ? "referred" : "acknowledged";
}

int report_replay(struct roles *r, Carenet__ReportState *st, uint64_t now)
{
	const Carenet__Report *rep = st->report;
	const char *me = r->env.me->id, *office = rep->office;
	char parent[16], county[8];
	int referred = 0, closed = 0, esc = 0, ret;
	size_t ol = strlen(office);

	if (st->n_steps > 1)
		qsort(st->steps, st->n_steps, sizeof(st->steps[0]), step_cmp);
	hops_free(st);
	snprintf(parent, sizeof(parent), "%.*s", (int)(ol > 6 ? ol - 3 : ol), office);
	snprintf(county, sizeof(county), "%.6s", office);
	if ((ret = set_str(&st->holder, parent)) != 0 || (ret = set_str(&st->case_id, "")) ||
	    (ret = set_str(&st->closed_by, "")) || (ret = set_str(&st->outcome, "")))
		return ret;
	st->closed_at = 0;
	if (ol > 6 && (ret = hop_add(st, office, parent, rep->filed_at, rep->ack_due)) != 0)
		return ret;
	/* a village's report that reached the county straight (failover) */
	if (ol == 12 && strlen(me) == 6 && !strcmp(st->arrived_from, office) &&
	    (ret = hop_add(st, office, county, rep->filed_at, rep->ack_due)) != 0)
		return ret;
	if ((ret = replay_steps(st, &referred, &closed, &esc)) != 0)
		return ret;
	if ((ret = set_str(&st->state, state_of(st, referred, closed, esc))) != 0)
		return ret;
	st->overdue = 0;
	for (size_t i = 0; i < st->n_hops && !closed; i++)
		if (!st->hops[i]->acked_at && !st->hops[i]->escalated && st->hops[i]->due_at <= now)
			st->overdue = 1;
	return 0;
}

/* ------------------------------------------------------------ views */

static int mask(char **s)
{
	return (*s)[0] ? set_str(s, "**") : 0;
}

Carenet__ReportState *report_view(const Carenet__ReportState *st, int reveal)
{
	Carenet__ReportState *v = DUP(st);
	Carenet__Report *p;
	int ret = 0;

	if (!v || reveal)
		return v;
	p = v->report;
	ret |= mask(&p->reporter_name) | mask(&p->reporter_role) | mask(&p->child);
	ret |= mask(&p->child_description) | mask(&p->description) | mask(&p->location);
	ret |= mask(&p->summary) | mask(&v->outcome);
	for (size_t i = 0; i < p->n_situation; i++)
		ret |= mask(&p->situation[i]);
	for (size_t i = 0; i < v->n_steps; i++)
		ret |= mask(&v->steps[i]->note) | mask(&v->steps[i]->outcome);
	if (ret) {
		carenet__report_state__free_unpacked(v, NULL);
		return NULL;
	}
	return v;
}

int report_each(struct roles *r, MDB_txn *txn, int (*fn)(Carenet__ReportState *st, void *arg),
                void *arg)
{
	MDB_cursor *cur;
	MDB_val k = {2, "p:"}, d;
	int ret, mrc;

	if ((ret = store_err(mdb_cursor_open(txn, db(r), &cur), "reports list")) != 0)
		return ret;
	for (mrc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE); mrc == 0 && ret == 0;
	     mrc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		Carenet__ReportState *st;
		uint8_t *pt = NULL;
		size_t len = 0;

		if (k.mv_size < 3 || memcmp(k.mv_data, "p:", 2) != 0)
			break;
		if ((ret = open_sealed(r, &k, &d, &pt, &len)) != 0)
			break;
		st = carenet__report_state__unpack(NULL, len, pt);
		aead_free(pt, len);
		if (!st) {
			ret = CN_ESTORE;
			break;
		}
		ret = report_replay(r, st, roles_now(r));
		if (ret == 0)
			ret = fn(st, arg);
		carenet__report_state__free_unpacked(st, NULL);
	}
	mdb_cursor_close(cur);
	if (ret > 0)
		ret = 0;
	return ret ? ret : (mrc == 0 || mrc == MDB_NOTFOUND ? 0 : store_err(mrc, "reports list"));
}

/* ------------------------------------------------------------ timers, alerts */

int report_first_timer(struct roles *r, MDB_txn *txn, uint64_t *due, char *id, size_t idlen)
{
	MDB_cursor *cur;
	MDB_val k = {2, "q:"}, d;
	int ret, mrc;

	*due = UINT64_MAX;
	if ((ret = store_err(mdb_cursor_open(txn, db(r), &cur), "reports timer")) != 0)
		return ret;
	mrc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE);
	if (mrc == 0 && k.mv_size > 10 && !memcmp(k.mv_data, "q:", 2) &&
	    k.mv_size - 10 < idlen) {
		*due = be_get64((const uint8_t *)k.mv_data + 2);
		memcpy(id, (const char *)k.mv_data + 10, k.mv_size - 10);
		id[k.mv_size - 10] = 0;
	}
	mdb_cursor_close(cur);
	return mrc == 0 || mrc == MDB_NOTFOUND ? 0 : store_err(mrc, "reports timer");
}

int report_alert_set(struct roles *r, MDB_txn *txn, const char *id, uint64_t at, int on)
{
	char key[REPORT_ID_MAX + 4];
	size_t klen = key_of(key, sizeof(key), 'l', id, NULL);
	MDB_val k = {klen, key};
	int mrc;

	if (!klen)
		return CN_EINVAL;
	if (on)
		return store_put_u64(txn, db(r), key, klen, at);
	mrc = mdb_del(txn, db(r), &k, NULL);
	return mrc == MDB_NOTFOUND ? 0 : store_err(mrc, "reports alert");
}

int report_each_alert(struct roles *r, MDB_txn *txn,
                      int (*fn)(const char *id, uint64_t at, void *arg), void *arg)
{
	MDB_cursor *cur;
	MDB_val k = {2, "l:"}, d;
	int ret, mrc;

	if ((ret = store_err(mdb_cursor_open(txn, db(r), &cur), "reports alerts")) != 0)
		return ret;
	for (mrc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE); mrc == 0 && ret == 0;
	     mrc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		char id[REPORT_ID_MAX];

		if (k.mv_size < 3 || memcmp(k.mv_data, "l:", 2) || k.mv_size - 2 >= sizeof(id) ||
		    d.mv_size != 8)
			break;
		memcpy(id, (const char *)k.mv_data + 2, k.mv_size - 2);
		id[k.mv_size - 2] = 0;
		ret = fn(id, be_get64(d.mv_data), arg);
	}
	mdb_cursor_close(cur);
	return ret ? ret : (mrc == 0 || mrc == MDB_NOTFOUND ? 0 : store_err(mrc, "reports alerts"));
}

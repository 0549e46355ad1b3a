/*
 * report: names, and the store of reports (sealed states, kept steps, ids,
 * timers, alerts); reports.h. The state itself is report_state.c's.
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
    [REPORT_STEP_ACK] = "ack",           [REPORT_STEP_REFER] = "refer",
    [REPORT_STEP_UPDATE] = "update",     [REPORT_STEP_OPEN_CASE] = "open-case",
    [REPORT_STEP_CLOSE] = "close",       [REPORT_STEP_REOPEN] = "reopen",
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
	    {"open", "待受理"},          {"acknowledged", "已受理"}, {"referred", "已转介"},
	    {"escalated", "已上报县级"}, {"closed", "已办结"},
	};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (!strcmp(state, m[i][0]))
			return m[i][1];
	return "?";
}

/* records.md, 1b: the situations that call for a mandatory report, named
 * as the seed does (S09, S10 shortened: no 、 inside a name). */
static const char *const sit[][2] = {
    {"S01", "儿童脱离监护单独居住生活或失踪"},
    {"S02", "监护人丧失监护能力或不履行监护责任"},
    {"S03", "疑似遭受家庭暴力"},
    {"S08", "不满十六周岁的未成年人单独居住"},
    {"S09", "家庭暴力虐待或遗弃"},
    {"S10", "遭受侵害或被利用"},
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
    {"police", "公安"}, {"court", "法院"},    {"procuratorate", "检察院"}, {"education", "教育"},
    {"health", "卫健"}, {"hospital", "医院"}, {"school", "学校"},          {"other", "其他"},
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
	if (mrc == 0 && k.mv_size > 10 && !memcmp(k.mv_data, "q:", 2) && k.mv_size - 10 < idlen) {
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

/*
 * record: a record in memory (struct rec), its message forms, masking, and
 * the stored versions. Personal fields (RF_PERSONAL) are sealed at rest:
 * a packed FieldList boxed by roles_env.seal with associated data
 * id '\0' version (BE64), so a box copied to another record or version
 * does not open. The clear part holds only the non-personal fields.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aead.h"
#include "be.h"
#include "err.h"
#include "log.h"
#include "records.h"
#include "utf8.h"

void rec_clear(struct rec *rc)
{
	for (size_t i = 0; i < REC_MAX_FIELDS; i++)
		free(rc->val[i]);
	free(rc->reason);
	free(rc->note);
	memset(rc, 0, sizeof(*rc));
}

int rec_set(struct rec *rc, size_t i, const char *v)
{
	char *c = NULL;

	if (v && v[0] && !(c = strdup(v)))
		return CN_ENOMEM;
	free(rc->val[i]);
	rc->val[i] = c;
	return 0;
}

static int copy_str(char **dst, const char *s)
{
	free(*dst);
	*dst = NULL;
	if (s && s[0] && !(*dst = strdup(s)))
		return CN_ENOMEM;
	return 0;
}

/* The index of field name in t (records.md's name only), or -1; the search
 * starts at *hint, where the field after the last one found usually is
 * (versions list their fields in schema order). */
static int field_index(const struct rec_type *t, const char *name, size_t *hint)
{
	for (size_t j = 0; j < t->nfields; j++) {
		size_t k = (*hint + j) % t->nfields;
		if (!strcmp(t->fields[k].name, name)) {
			*hint = k + 1;
			return (int)k;
		}
	}
	return -1;
}

/* Adds fields to rc (a second call adds the opened personal ones). */
static int add_fields(struct rec *rc, Carenet__Field *const *f, size_t n, char *why, size_t wl)
{
	size_t hint = 0;

	for (size_t i = 0; i < n; i++) {
		int k = field_index(rc->t, f[i]->name, &hint);
		if (k < 0) {
			roles_why(why, wl, "record %.64s: unknown field %.64s for type %s", rc->id,
			          f[i]->name, rc->t->name);
			return CN_EINVAL;
		}
		if (rc->val[k]) {
			roles_why(why, wl, "record %.64s: field %s given twice", rc->id, f[i]->name);
			return CN_EINVAL;
		}
		if (strlen(f[i]->value) >= REC_MAX_VALUE) {
			roles_why(why, wl, "record %.64s: field %s over %d bytes", rc->id, f[i]->name,
			          REC_MAX_VALUE);
			return CN_ETOOBIG;
		}
		if (rec_set(rc, (size_t)k, f[i]->value) != 0)
			return CN_ENOMEM;
	}
	return 0;
}

int rec_from_msg(struct rec *rc, const Carenet__RecordVersion *m, char *why, size_t whylen)
{
	memset(rc, 0, sizeof(*rc));
	if (!(rc->t = roles_record_type(m->type)) || strcmp(rc->t->name, m->type) != 0) {
		roles_why(why, whylen, "record %.64s: unknown type %.32s", m->id, m->type);
		return CN_EINVAL;
	}
	if (rc->t->owners & REC_READ_ONLY) { /* report, review: the rules', never a version */
		roles_why(why, whylen, "record %.64s: type %.32s is read by the rules, never sent as a "
		                       "record version", m->id, m->type);
		return CN_EINVAL;
	}
	if (strlen(m->id) >= REC_ID_MAX || strlen(m->owner) >= PKI_ID_MAX ||
	    strlen(m->changed_by) >= PKI_ID_MAX || strlen(m->close_reason) > 64 ||
	    strlen(m->close_note) > ROLES_MAX_NOTE) {
		roles_why(why, whylen, "record %.64s: id, owner or close reason too long", m->id);
		return CN_ETOOBIG;
	}
	snprintf(rc->id, sizeof(rc->id), "%s", m->id);
	snprintf(rc->owner, sizeof(rc->owner), "%s", m->owner);
	snprintf(rc->changed_by, sizeof(rc->changed_by), "%s", m->changed_by);
	rc->version = m->version;
	rc->closed = m->closed;
	rc->changed_at = m->changed_at;
	for (size_t i = 0, hint = 0; i < m->n_changed; i++) {
		int k = field_index(rc->t, m->changed[i], &hint);
		if (k < 0)
			k = roles_record_field(rc->t, m->changed[i]); /* by its Chinese name */
		if (k >= 0)
			rc->changed |= 1ull << k;
	}
	if (copy_str(&rc->reason, m->close_reason) || copy_str(&rc->note, m->close_note))
		return CN_ENOMEM;
	return add_fields(rc, m->fields, m->n_fields, why, whylen);
}

/* which: 0 every field, 1 the clear ones, 2 the personal ones. */
static size_t fill_fields(const struct rec *rc, Carenet__Field *fbuf, Carenet__Field **fp,
                          int which)
{
	size_t n = 0;

	for (size_t i = 0; i < rc->t->nfields; i++) {
		int personal = !!(rc->t->fields[i].flags & RF_PERSONAL);
		if (!rc->val[i] || (which == 1 && personal) || (which == 2 && !personal))
			continue;
		carenet__field__init(&fbuf[n]);
		fbuf[n].name = (char *)rc->t->fields[i].name;
		fbuf[n].value = rc->val[i];
		fp[n] = &fbuf[n];
		n++;
	}
	return n;
}

static size_t fill_changed(const struct rec *rc, char **changed)
{
	size_t n = 0;

	for (size_t i = 0; i < rc->t->nfields; i++)
		if (rc->changed & (1ull << i))
			changed[n++] = (char *)rc->t->fields[i].name;
	return n;
}

static void fill_head(const struct rec *rc, Carenet__RecordVersion *m, char **changed)
{
	carenet__record_version__init(m);
	m->id = (char *)rc->id;
	m->type = (char *)rc->t->name;
	m->owner = (char *)rc->owner;
	m->version = rc->version;
	m->closed = rc->closed;
	m->close_reason = rc->reason ? rc->reason : "";
	m->close_note = rc->note ? rc->note : "";
	m->changed_at = rc->changed_at;
	m->changed_by = (char *)rc->changed_by;
	m->changed = changed;
	m->n_changed = fill_changed(rc, changed);
}

void rec_fill_msg(const struct rec *rc, Carenet__RecordVersion *m, Carenet__Field *fbuf,
                  Carenet__Field **fp, char **changed)
{
	fill_head(rc, m, changed);
	m->fields = fp;
	m->n_fields = fill_fields(rc, fbuf, fp, 0);
}

/* ---- masking */

void rec_mask(const struct rec_field *f, const char *v, char *out, size_t outlen)
{
	size_t n = strlen(v), off, chars = 0, first = 0, last = 0;
	uint32_t cp;

	switch (f->kind) {
	case RK_IDNUM:
		if (n > 8) {
			snprintf(out, outlen, "%.4s%.*s%s", v, (int)(n - 8), "**************",
			         v + n - 4);
			return;
		}
		break;
	case RK_PHONE:
		if (n >= 7) {
			snprintf(out, outlen, "%.3s****%s", v, v + n - 4);
			return;
		}
		break;
	case RK_TEXT:
		/* 张三明 -> 张*明, 李红 -> 李*: the first and last character. */
		for (off = 0; off < n; chars++) {
			size_t k = utf8_next((const unsigned char *)v + off, n - off, &cp);
			if (!k)
				break;
			if (chars == 0)
				first = k;
			last = off;
			off += k;
		}
		if (chars >= 3) {
			snprintf(out, outlen, "%.*s*%s", (int)first, v, v + last);
			return;
		}
		if (chars == 2) {
			snprintf(out, outlen, "%.*s*", (int)first, v);
			return;
		}
		break;
	default:
		break;
	}
	snprintf(out, outlen, "**");
}

/* ---- the view: a deep copy */

void rec_msg_free(Carenet__RecordVersion *m)
{
	if (!m)
		return;
	free(m->id);
	free(m->type);
	free(m->owner);
	free(m->close_reason);
	free(m->close_note);
	free(m->changed_by);
	for (size_t i = 0; i < m->n_fields; i++) {
		if (m->fields[i]) {
			free(m->fields[i]->name);
			free(m->fields[i]->value);
			free(m->fields[i]);
		}
	}
	free(m->fields);
	for (size_t i = 0; i < m->n_changed; i++)
		free(m->changed[i]);
	free(m->changed);
	free(m);
}

static char *dup0(const char *s)
{
	return strdup(s ? s : "");
}

Carenet__RecordVersion *rec_to_msg(const struct rec *rc, int reveal)
{
	Carenet__RecordVersion *m = calloc(1, sizeof(*m));
	char masked[REC_MAX_VALUE];
	int err = 0;

	if (!m)
		return NULL;
	carenet__record_version__init(m);
	m->id = dup0(rc->id);
	m->type = dup0(rc->t->name);
	m->owner = dup0(rc->owner);
	m->close_reason = dup0(rc->reason);
	m->close_note = dup0(rc->note);
	m->changed_by = dup0(rc->changed_by);
	m->version = rc->version;
	m->closed = rc->closed;
	m->changed_at = rc->changed_at;
	err = !m->id || !m->type || !m->owner || !m->close_reason || !m->close_note ||
	      !m->changed_by;
	if (!err && !(m->fields = calloc(rc->t->nfields, sizeof(*m->fields))))
		err = 1;
	if (!err && !(m->changed = calloc(rc->t->nfields, sizeof(*m->changed))))
		err = 1;
	for (size_t i = 0; !err && i < rc->t->nfields; i++) {
		const struct rec_field *f = &rc->t->fields[i];
		Carenet__Field *x;
		if (rc->changed & (1ull << i) && !(m->changed[m->n_changed++] = strdup(f->name)))
			err = 1;
		if (!rc->val[i])
			continue;
		if (!(x = m->fields[m->n_fields++] = calloc(1, sizeof(*x)))) {
			err = 1;
			break;
		}
		carenet__field__init(x);
		if ((f->flags & RF_PERSONAL) && !reveal)
			rec_mask(f, rc->val[i], masked, sizeof(masked));
		x->name = strdup(f->name);
		x->value = strdup((f->flags & RF_PERSONAL) && !reveal ? masked : rc->val[i]);
		err = !x->name || !x->value;
	}
	if (err) {
		rec_msg_free(m);
		return NULL;
	}
	return m;
}

/* ---- the store */

static void ad_of(const char *id, uint64_t ver, uint8_t *ad, size_t *adlen)
{
	size_t n = strlen(id);

	memcpy(ad, id, n);
	ad[n] = 0;
	be_put64(ad + n + 1, ver);
	*adlen = n + 9;
}

static size_t hist_key(const char *id, uint64_t ver, char *key)
{
	size_t n = strlen(id);

	memcpy(key, "h:", 2);
	memcpy(key + 2, id, n + 1);
	be_put64((uint8_t *)key + 3 + n, ver);
	return n + 11;
}

static int put(MDB_txn *txn, MDB_dbi db, const void *key, size_t klen, const void *v, size_t vlen)
{
	MDB_val k = {klen, (void *)key}, d = {vlen, (void *)v};
	return store_err(mdb_put(txn, db, &k, &d, 0), "records put");
}

/* current: also the "r:" current version and the type index. */
static int put_version(struct roles *r, MDB_txn *txn, const struct rec *rc, int current)
{
	Carenet__Field fbuf[REC_MAX_FIELDS], *fp[REC_MAX_FIELDS];
	char *changed[REC_MAX_FIELDS], key[REC_ID_MAX + 64];
	Carenet__StoredRecord sr = CARENET__STORED_RECORD__INIT;
	Carenet__RecordVersion head;
	Carenet__FieldList fl = CARENET__FIELD_LIST__INIT;
	uint8_t ad[REC_ID_MAX + 9], *pt = NULL, *box = NULL, *val = NULL;
	size_t adlen, ptlen, boxlen = 0, vlen, tl = strlen(rc->t->name), il = strlen(rc->id);
	MDB_dbi db = roles_dbi(r, STORE_RECORDS);
	int ret;

	if (!r->env.seal)
		return CN_EPERM;
	fill_head(rc, &head, changed);
	head.fields = fp;
	head.n_fields = fill_fields(rc, fbuf, fp, 1);
	fl.fields = fp + head.n_fields;
	fl.n_fields = fill_fields(rc, fbuf + head.n_fields, fl.fields, 2);
	ptlen = carenet__field_list__get_packed_size(&fl);
	if (!(pt = malloc(ptlen ? ptlen : 1)))
		return CN_ENOMEM;
	carenet__field_list__pack(&fl, pt);
	ad_of(rc->id, rc->version, ad, &adlen);
	if ((ret = r->env.seal(r->env.arg, ad, adlen, pt, ptlen, &box, &boxlen)) != 0)
		goto out;
	sr.head = &head;
	sr.sealed.data = box;
	sr.sealed.len = boxlen;
	vlen = carenet__stored_record__get_packed_size(&sr);
	ret = CN_ENOMEM;
	if (!(val = malloc(vlen)))
		goto out;
	carenet__stored_record__pack(&sr, val);
	memcpy(key, "r:", 2);
	memcpy(key + 2, rc->id, il);
	if ((current && (ret = put(txn, db, key, il + 2, val, vlen)) != 0) ||
	    (ret = put(txn, db, key, hist_key(rc->id, rc->version, key), val, vlen)) != 0 ||
	    !current)
		goto out;
	memcpy(key, "t:", 2);
	memcpy(key + 2, rc->t->name, tl + 1);
	memcpy(key + 3 + tl, rc->id, il);
	ret = put(txn, db, key, 3 + tl + il, "", 0);
out:
	aead_free(pt, ptlen);
	free(box);
	free(val);
	return ret;
}

int rec_put(struct roles *r, MDB_txn *txn, const struct rec *rc)
{
	return put_version(r, txn, rc, 1);
}

int rec_put_history(struct roles *r, MDB_txn *txn, const struct rec *rc)
{
	return put_version(r, txn, rc, 0);
}

int rec_decode(struct roles *r, const MDB_val *d, struct rec *out)
{
	Carenet__StoredRecord *sr = carenet__stored_record__unpack(NULL, d->mv_size, d->mv_data);
	Carenet__FieldList *fl = NULL;
	uint8_t ad[REC_ID_MAX + 9], *pt = NULL;
	size_t adlen, ptlen = 0;
	char why[256];
	int ret = CN_ESTORE;

	memset(out, 0, sizeof(*out));
	if (!sr || !sr->head || strlen(sr->head->id) >= REC_ID_MAX) {
		log_warnx("records: a stored record does not decode");
		goto out;
	}
	if ((ret = rec_from_msg(out, sr->head, why, sizeof(why))) != 0) {
		log_warnx("records: stored %s", why);
		goto out;
	}
	ret = CN_EPERM;
	if (!r->env.open)
		goto out;
	ad_of(out->id, out->version, ad, &adlen);
	if ((ret = r->env.open(r->env.arg, ad, adlen, sr->sealed.data, sr->sealed.len, &pt,
	                       &ptlen)) != 0) {
		log_warnx("records %s: personal fields do not open (%s): is this the node's "
		          "records key?", out->id, cn_strerror(ret));
		goto out;
	}
	ret = CN_ESTORE;
	if (!(fl = carenet__field_list__unpack(NULL, ptlen, pt)))
		goto out;
	ret = add_fields(out, fl->fields, fl->n_fields, why, sizeof(why));
out:
	if (ret != 0)
		rec_clear(out);
	carenet__field_list__free_unpacked(fl, NULL);
	aead_free(pt, ptlen);
	carenet__stored_record__free_unpacked(sr, NULL);
	return ret;
}

static int get_key(struct roles *r, MDB_txn *txn, const char *key, size_t klen, struct rec *out)
{
	MDB_val k = {klen, (void *)key}, d;
	int ret = store_err(mdb_get(txn, roles_dbi(r, STORE_RECORDS), &k, &d), "records get");

	if (ret != 0) {
		memset(out, 0, sizeof(*out));
		return ret;
	}
	return rec_decode(r, &d, out);
}

int rec_get(struct roles *r, MDB_txn *txn, const char *id, struct rec *out)
{
	char key[REC_ID_MAX + 2];
	size_t n = strlen(id);

	if (n >= REC_ID_MAX) {
		memset(out, 0, sizeof(*out));
		return CN_ENOTFOUND;
	}
	memcpy(key, "r:", 2);
	memcpy(key + 2, id, n);
	return get_key(r, txn, key, n + 2, out);
}

int rec_get_version(struct roles *r, MDB_txn *txn, const char *id, uint64_t ver,
                    struct rec *out)
{
	char key[REC_ID_MAX + 16];

	if (strlen(id) >= REC_ID_MAX) {
		memset(out, 0, sizeof(*out));
		return CN_ENOTFOUND;
	}
	return get_key(r, txn, key, hist_key(id, ver, key), out);
}

int rec_current_version(struct roles *r, MDB_txn *txn, const char *id, uint64_t *ver)
{
	char key[REC_ID_MAX + 2];
	size_t n = strlen(id);
	Carenet__StoredRecord *sr;
	MDB_val k = {n + 2, key}, d;
	int ret;

	if (n >= REC_ID_MAX)
		return CN_ENOTFOUND;
	memcpy(key, "r:", 2);
	memcpy(key + 2, id, n);
	if ((ret = store_err(mdb_get(txn, roles_dbi(r, STORE_RECORDS), &k, &d), "records get")))
		return ret;
	if (!(sr = carenet__stored_record__unpack(NULL, d.mv_size, d.mv_data)) || !sr->head) {
		carenet__stored_record__free_unpacked(sr, NULL);
		return CN_ESTORE;
	}
	*ver = sr->head->version;
	carenet__stored_record__free_unpacked(sr, NULL);
	return 0;
}

/*
 * probe_records: carenet-probe's forged record versions (issue 8), sent after
 * a completed HELLO with the identity of a real village whose node is
 * stopped, correctly signed by that village:
 *
 *   carenet-probe --endpoint E --server-cert PEM --identity DIR --send MODE
 *                 --target ID [--wait MS]
 *
 * MODE:
 *   record-owner  a version of record ID-r1 that claims --target (another
 *                 village) as its owner and writer
 *   record-id     a version of record ID-r1 (--target's record id) that names
 *                 the prober itself as owner
 *   record-type   a version of the prober's own record of type intervention
 *   record-readonly  a version of the prober's own record of the read-only
 *                 type report (R12 as the rules read it)
 *                 (R19: the county's only; issue 9), --target ignored
 *   direct-bulk   the record-id version, meant for a county: over a village's
 *                 county-direct session (failover) only the urgent lane passes
 *   direct-foreign the same item on the urgent lane in a batch whose origin is
 *                 --target (another office): not the village's own item
 *   direct-smuggle the same item, the village's own, claiming the urgent
 *                 lane: a record version is no urgent item
 * On the bulk lane (direct-foreign, -smuggle: urgent); the session, the
 * frame and the printed result are probe_forge.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


#include "err.h"
#include "item.h"
#include "pki.h"
#include "probe_records.h"
#include "util.h"
#include "probe_forge.h"
#include "wire.h"

static int is_mode(const char *m)
{
	return m && (!strcmp(m, "record-owner") || !strcmp(m, "record-id") ||
	             !strcmp(m, "record-type") || !strcmp(m, "record-readonly") ||
	             !strcmp(m, "direct-bulk") ||
	             !strcmp(m, "direct-foreign") || !strcmp(m, "direct-smuggle"));
}

static unsigned lane_of(const struct probe_forge *f)
{
	return strncmp(f->mode, "direct-", 7) == 0 && strcmp(f->mode, "direct-bulk") != 0 ? 0 : 2;
}

/* direct-foreign: the batch claims --target as its origin (the signature no
 * longer verifies; the county must refuse it before looking). */
static int foreign_origin(struct probe_forge *f, ProtobufCBinaryData *out)
{
	Carenet__SignedBatch *sb = NULL;
	uint8_t *buf;
	size_t len;
	char *own;

	if (strcmp(f->mode, "direct-foreign") != 0)
		return 0;
	if (item_batch_decode(out->data, out->len, &sb) != 0)
		return CN_EINVAL;
	own = sb->origin;
	sb->origin = (char *)f->target; /* the prober's own is put back to be freed */
	len = carenet__signed_batch__get_packed_size(sb);
	if ((buf = malloc(len)))
		carenet__signed_batch__pack(sb, buf);
	sb->origin = own;
	carenet__signed_batch__free_unpacked(sb, NULL);
	if (!buf)
		return CN_ENOMEM;
	free(out->data);
	out->data = buf;
	out->len = len;
	return 0;
}

/* The forged version, signed by the prober as one batch. */
static int forged_msg(struct probe_forge *f, ProtobufCBinaryData *out)
{
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__RecordVersion m = CARENET__RECORD_VERSION__INIT;
	Carenet__Field name = CARENET__FIELD__INIT, *fp[1] = {&name};
	const char *me = pki_self_identity(f->self)->id;
	char id[64];
	const uint8_t *bufs[1];
	struct timespec ts;
	uint8_t *buf;
	size_t len;
	int rc;

	snprintf(id, sizeof(id), "%s-r1", f->target);
	m.id = id;
	m.type = "child";
	m.owner = (char *)(!strcmp(f->mode, "record-owner") ? f->target : me);
	if (!strcmp(f->mode, "record-type")) { /* its own record, of a county-only type */
		snprintf(id, sizeof(id), "%s-r5000", me);
		m.type = "intervention";
		name.name = "guardian";
	}
	if (!strcmp(f->mode, "record-readonly")) { /* a type the rules read, never a record */
		snprintf(id, sizeof(id), "%s-r5001", me);
		m.type = "report";
	}
	m.changed_by = m.owner;
	m.version = 99;
	m.changed_at = util_now();
	if (strcmp(m.type, "intervention") != 0)
		name.name = "name";
	name.value = "伪造者";
	m.fields = fp;
	m.n_fields = 1;
	it.origin = (char *)me;
	it.lane = lane_of(f);
	clock_gettime(CLOCK_REALTIME, &ts); /* above any real sequence, new at every run */
	it.origin_seq = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	it.created = util_now();
	it.body_case = CARENET__ITEM__BODY_RECORD_VERSION;
	it.record_version = &m;
	len = carenet__item__get_packed_size(&it);
	if (!(buf = malloc(len)))
		return CN_ENOMEM;
	carenet__item__pack(&it, buf);
	bufs[0] = buf;
	rc = item_batch_sign(f->self, bufs, &len, 1, &out->data, &out->len);
	free(buf);
	return rc ? rc : foreign_origin(f, out);
}

int probe_records_main(int argc, char **argv)
{
	static const struct probe_forge_kind k = {is_mode, lane_of, forged_msg};
	return probe_forge_main(argc, argv, &k);
}

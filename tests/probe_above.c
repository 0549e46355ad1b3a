/*
 * probe_above: above the county (issue 14), with the identity of a real
 * county whose node is stopped, correctly signed by that county, to its
 * prefecture:
 *
 *   carenet-probe --endpoint E --server-cert PEM --identity DIR
 *                 --send tally-other --target COUNTY/DIRECTIVE [--wait MS]
 *
 *   tally-other  a DirectiveTally of DIRECTIVE counting COUNTY (another
 *                county): every village done, none overdue
 * On the normal lane; the session, the frame and the printed result are
 * probe_forge.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "item.h"
#include "pki.h"
#include "probe_above.h"
#include "probe_forge.h"
#include "util.h"

static int is_mode(const char *m)
{
	return m && !strcmp(m, "tally-other");
}

static unsigned lane_of(const struct probe_forge *f)
{
	(void)f;
	return 1;
}

static int forged_msg(struct probe_forge *f, ProtobufCBinaryData *out)
{
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__DirectiveTally t = CARENET__DIRECTIVE_TALLY__INIT;
	char office[64];
	const char *slash = strchr(f->target, '/');
	const uint8_t *bufs[1];
	struct timespec ts;
	uint8_t *buf;
	size_t len;
	int rc;

	if (!slash || slash - f->target >= (long)sizeof(office)) {
		fprintf(stderr, "carenet-probe: tally-other wants --target COUNTY/DIRECTIVE\n");
		return CN_EINVAL;
	}
	snprintf(office, sizeof(office), "%.*s", (int)(slash - f->target), f->target);
	t.directive = (char *)slash + 1;
	t.office = office;
	t.targeted = t.acknowledged = t.done = 9; /* visible if it ever counted */
	t.as_of = util_now();
	it.origin = (char *)pki_self_identity(f->self)->id;
	it.lane = lane_of(f);
	clock_gettime(CLOCK_REALTIME, &ts); /* above any real sequence, new at every run */
	it.origin_seq = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	it.created = util_now();
	it.body_case = CARENET__ITEM__BODY_TALLY;
	it.tally = &t;
	len = carenet__item__get_packed_size(&it);
	if (!(buf = malloc(len)))
		return CN_ENOMEM;
	carenet__item__pack(&it, buf);
	bufs[0] = buf;
	rc = item_batch_sign(f->self, bufs, &len, 1, &out->data, &out->len);
	free(buf);
	return rc;
}

int probe_above_main(int argc, char **argv)
{
	static const struct probe_forge_kind k = {is_mode, lane_of, forged_msg};
	return probe_forge_main(argc, argv, &k);
}

/*
 * probe_rollup: carenet-probe's forged roll-ups (R29, issue 14 item 4), sent
 * after a completed HELLO with the identity of a real county whose node is
 * stopped, correctly signed by that county, to its prefecture or province:
 *
 *   carenet-probe --endpoint E --server-cert PEM --identity DIR --send MODE
 *                 [--wait MS]
 *
 * MODE:
 *   rollup-personal  a roll-up of the county whose one compliance result
 *                    carries an ID number (530102199001011234) as its value
 *   rollup-name      one whose result's threshold is a child's name
 *   rollup-ok        the same roll-up with an honest result (the control)
 * The month is 2001-01 (older than any real one: accepted, it would not
 * become the latest). The session, the frame and the printed result are
 * probe_forge.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "item.h"
#include "pki.h"
#include "probe_forge.h"
#include "probe_rollup.h"
#include "util.h"

static int is_mode(const char *m)
{
	return m && (!strcmp(m, "rollup-personal") || !strcmp(m, "rollup-name") ||
	             !strcmp(m, "rollup-ok"));
}

static unsigned lane_of(const struct probe_forge *f)
{
	(void)f;
	return 2;
}

static int forged_msg(struct probe_forge *f, ProtobufCBinaryData *out)
{
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__Rollup ro = CARENET__ROLLUP__INIT;
	Carenet__RollupCount c = CARENET__ROLLUP_COUNT__INIT, *cp[1] = {&c};
	Carenet__RollupResult x = CARENET__ROLLUP_RESULT__INIT, *xp[1] = {&x};
	const char *me = pki_self_identity(f->self)->id;
	const uint8_t *bufs[1];
	struct timespec ts;
	uint8_t *buf;
	size_t len;
	int rc;

	c.office = (char *)me, c.measure = "children", c.value = "", c.count = 3;
	x.standard = "mca-2018-demo", x.id = "staff.village_director", x.result = "fail";
	x.has_value = 1, x.value = 0.5, x.threshold = "all";
	if (!strcmp(f->mode, "rollup-personal"))
		x.value = 530102199001011234.0;
	if (!strcmp(f->mode, "rollup-name"))
		x.threshold = "杨德明";
	ro.month = "2001-01", ro.office = (char *)me, ro.made_at = util_now();
	ro.counts = cp, ro.n_counts = 1, ro.results = xp, ro.n_results = 1;
	ro.results_at = "2001-01-31";
	it.origin = (char *)me;
	it.lane = lane_of(f);
	clock_gettime(CLOCK_REALTIME, &ts); /* above any real sequence, new at every run */
	it.origin_seq = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	it.created = util_now();
	it.body_case = CARENET__ITEM__BODY_ROLLUP;
	it.rollup = &ro;
	len = carenet__item__get_packed_size(&it);
	if (!(buf = malloc(len)))
		return CN_ENOMEM;
	carenet__item__pack(&it, buf);
	bufs[0] = buf;
	rc = item_batch_sign(f->self, bufs, &len, 1, &out->data, &out->len);
	free(buf);
	return rc;
}

int probe_rollup_main(int argc, char **argv)
{
	static const struct probe_forge_kind k = {is_mode, lane_of, forged_msg};
	return probe_forge_main(argc, argv, &k);
}

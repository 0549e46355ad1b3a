/*
 * probe_reports: carenet-probe's forged reports and steps (issue 9), sent
 * after a completed HELLO with the identity of a real village whose node is
 * stopped, correctly signed by that village, on the urgent lane:
 *
 *   carenet-probe --endpoint E --server-cert PEM --identity DIR --send MODE
 *                 --target ID [--wait MS]
 *
 * MODE:
 *   report-foreign  a report that names --target (an office outside the
 *                   prober's own subtree) as the reporting office
 *   report-future   the prober's own report, filed an hour after now
 *   report-child    the prober's report naming child --target-r1 (a child of
 *                   another village)
 *   report-selfack  an acknowledgement by the prober of its own report
 *                   --target (a report id of the prober)
 *   step-future     an update of report --target claiming a time an hour ahead
 * The session, the frame and the printed result are probe_forge.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


#include "err.h"
#include "item.h"
#include "pki.h"
#include "probe_reports.h"
#include "probe_forge.h"
#include "util.h"
#include "wire.h"

#define LANE 0

static const char *const modes[] = {"report-foreign", "report-future", "report-child",
                                    "report-selfack", "step-future"};

static int is_mode(const char *m)
{
	for (size_t i = 0; m && i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(m, modes[i]))
			return 1;
	return 0;
}

static void fill_report(struct probe_forge *f, Carenet__Report *p, char *id, size_t idlen, char *child,
                        size_t clen)
{
	static char *sit[] = {"S01"};
	const char *me = pki_self_identity(f->self)->id;
	uint64_t now = util_now();

	snprintf(id, idlen, "%s-rep%llu", !strcmp(f->mode, "report-foreign") ? f->target : me,
	         (unsigned long long)(now % 1000000));
	snprintf(child, clen, "%s-r1", f->target);
	p->id = id;
	p->office = (char *)(!strcmp(f->mode, "report-foreign") ? f->target : me);
	p->situation = sit;
	p->n_situation = 1;
	p->summary = "伪造的报告 forged";
	p->child_description = "forged";
	p->urgency = 1;
	p->filed_at = p->discovered_at = now + (!strcmp(f->mode, "report-future") ? 3600 : 0);
	p->ack_due = p->filed_at + 3600;
	if (!strcmp(f->mode, "report-child"))
		p->child = child;
}

/* The forged item, signed by the prober as one batch. */
static int forged_msg(struct probe_forge *f, ProtobufCBinaryData *out)
{
	Carenet__Item it = CARENET__ITEM__INIT;
	Carenet__Report p = CARENET__REPORT__INIT;
	Carenet__ReportStep s = CARENET__REPORT_STEP__INIT;
	const char *me = pki_self_identity(f->self)->id;
	char id[64], child[64], sid[64];
	const uint8_t *bufs[1];
	struct timespec ts;
	uint8_t *buf;
	size_t len;
	int rc;

	it.origin = (char *)me;
	it.lane = LANE;
	clock_gettime(CLOCK_REALTIME, &ts); /* above any real sequence, new at every run */
	it.origin_seq = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	it.created = util_now();
	if (!strncmp(f->mode, "report-", 7) && strcmp(f->mode, "report-selfack")) {
		fill_report(f, &p, id, sizeof(id), child, sizeof(child));
		it.body_case = CARENET__ITEM__BODY_REPORT;
		it.report = &p;
	} else {
		snprintf(sid, sizeof(sid), "%s-step%llu", me,
		         (unsigned long long)(it.origin_seq % 1000000));
		s.id = sid;
		s.report = (char *)f->target;
		s.office = (char *)me;
		s.by = (char *)me;
		s.kind = !strcmp(f->mode, "report-selfack") ? 1 : 3;
		s.at = util_now() + (!strcmp(f->mode, "step-future") ? 3600 : 0);
		s.note = "forged";
		it.body_case = CARENET__ITEM__BODY_REPORT_STEP;
		it.report_step = &s;
	}
	len = carenet__item__get_packed_size(&it);
	if (!(buf = malloc(len)))
		return CN_ENOMEM;
	carenet__item__pack(&it, buf);
	bufs[0] = buf;
	rc = item_batch_sign(f->self, bufs, &len, 1, &out->data, &out->len);
	free(buf);
	return rc;
}

static unsigned lane_of(const struct probe_forge *f)
{
	(void)f;
	return LANE;
}

int probe_reports_main(int argc, char **argv)
{
	static const struct probe_forge_kind k = {is_mode, lane_of, forged_msg};
	return probe_forge_main(argc, argv, &k);
}

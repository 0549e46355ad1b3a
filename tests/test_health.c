/*
 * test_health: node/health.c, what `carenet tree` knows of the subtree. A
 * child's Summary is kept only if every row is the child or below it (a
 * hostile village cannot speak for another office); rows fold the child's
 * session state with what it reported; offices further down become
 * "unknown" when the child above them is down or its report is stale; ages
 * add up.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "err.h"
#include "health.h"
#include "office.h"
#include "registry.h"
#include "store.h"
#include "wire.h"

/* A decoded Summary frame of n rows (ids[i], state[i], age 5, version "9.9"). */
static Carenet__Frame *summary(const char *const *ids, const uint32_t *states, size_t n)
{
	Carenet__Frame f = CARENET__FRAME__INIT, *out = NULL;
	Carenet__Summary s = CARENET__SUMMARY__INIT;
	Carenet__OfficeHealth rows[8], *rp[8];
	uint8_t *buf = NULL;
	size_t len = 0;
	const char *why = "";

	for (size_t i = 0; i < n; i++) {
		carenet__office_health__init(&rows[i]);
		rows[i].id = (char *)ids[i];
		rows[i].state = states[i];
		rows[i].version = "9.9";
		rows[i].queue = 7;
		rows[i].age = 5;
		rows[i].last_seen = 1000;
		rp[i] = &rows[i];
	}
	s.offices = rp;
	s.n_offices = n;
	f.body_case = CARENET__FRAME__BODY_SUMMARY;
	f.summary = &s;
	CHECK_INT(wire_encode(&f, &buf, &len), 0);
	CHECK_INT(wire_decode(buf, len, 1 << 20, &out, &why), 0);
	free(buf);
	return out;
}

static void test_take(struct health *h)
{
	static const uint32_t up[3] = {HEALTH_UP, HEALTH_UP, HEALTH_UP};
	const char *own[] = {"530102001", "530102001001", "530102001002"};
	const char *other[] = {"530102001", "530102002001"};
	const char *parent[] = {"530102"};
	const char *bad[] = {"5301020010011"};
	const char *insp[] = {"I530102001-x"};
	Carenet__Frame *f;
	char why[200];

	f = summary(own, up, 3);
	CHECK_INT(health_take(h, "530102001", &f, 100, why, sizeof(why)), 0);
	CHECK(f == NULL); /* taken */
	/* a village speaking for another village, its parent, a malformed id */
	f = summary(other, up, 2);
	CHECK_INT(health_take(h, "530102001", &f, 100, why, sizeof(why)), CN_ESCOPE);
	CHECK(strstr(why, "530102002001") != NULL);
	wire_free(&f);
	f = summary(parent, up, 1);
	CHECK_INT(health_take(h, "530102001001", &f, 100, why, sizeof(why)), CN_ESCOPE);
	wire_free(&f);
	f = summary(bad, up, 1);
	CHECK_INT(health_take(h, "530102001001", &f, 100, why, sizeof(why)), CN_ESCOPE);
	wire_free(&f);
	f = summary(insp, up, 1);
	CHECK_INT(health_take(h, "530102001", &f, 100, why, sizeof(why)), CN_ESCOPE);
	wire_free(&f);
}

/* The wire codec refuses a state out of range and over-long text. */
static void test_wire_caps(void)
{
	static const uint32_t bad_state[1] = {9};
	const char *ids[] = {"530102001"};
	Carenet__Frame f = CARENET__FRAME__INIT, *out = NULL;
	Carenet__Summary s = CARENET__SUMMARY__INIT;
	Carenet__OfficeHealth row = CARENET__OFFICE_HEALTH__INIT, *rp = &row;
	char big[WIRE_MAX_TEXT + 2];
	uint8_t *buf = NULL;
	size_t len = 0;
	const char *why = "";

	row.id = (char *)ids[0];
	row.state = bad_state[0];
	s.offices = &rp;
	s.n_offices = 1;
	f.body_case = CARENET__FRAME__BODY_SUMMARY;
	f.summary = &s;
	CHECK_INT(wire_encode(&f, &buf, &len), 0);
	CHECK_INT(wire_decode(buf, len, 1 << 20, &out, &why), CN_EPROTO);
	free(buf);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	row.state = HEALTH_UP;
	row.name = big;
	CHECK_INT(wire_encode(&f, &buf, &len), 0);
	CHECK_INT(wire_decode(buf, len, 1 << 20, &out, &why), CN_EPROTO);
	free(buf);
}

static int reg_txn(MDB_txn *txn, void *arg)
{
	struct store *st = arg;
	int rc = registry_put(st, txn, "530102001", PKI_ROLE_TOWNSHIP, "乡镇");
	if (rc >= 0)
		rc = registry_put(st, txn, "530102001001", PKI_ROLE_VILLAGE, "村一");
	if (rc >= 0)
		rc = registry_put(st, txn, "530102001002", PKI_ROLE_VILLAGE, "村二");
	if (rc >= 0)
		rc = registry_put(st, txn, "530102002", PKI_ROLE_TOWNSHIP, "乡镇二");
	return rc < 0 ? rc : 0;
}

static const Carenet__OfficeHealth *row_of(Carenet__OfficeHealth **rows, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(rows[i]->id, id))
			return rows[i];
	return NULL;
}

static void test_rows(struct health *h, struct store *st)
{
	Carenet__Status links = CARENET__STATUS__INIT;
	Carenet__PeerStatus town = CARENET__PEER_STATUS__INIT, *tp = &town;
	Carenet__OfficeHealth **rows = NULL;
	const Carenet__OfficeHealth *r;
	size_t n = 0;

	town.id = "530102001";
	town.up = 1;
	town.last_seen = 2000;
	links.children = &tp;
	links.n_children = 1;
	/* the report taken at 100 (test_take): 10 s later, fresh */
	CHECK_INT(health_rows(h, st, "530102", &links, 110, 30, &rows, &n), 0);
	CHECK_INT(n, 4);
	r = row_of(rows, n, "530102001");
	CHECK(r && r->state == HEALTH_UP && r->last_seen == 2000 && r->age == 15 && r->queue == 7 &&
	      !strcmp(r->version, "9.9") && !strcmp(r->name, "乡镇"));
	r = row_of(rows, n, "530102001002");
	CHECK(r && r->state == HEALTH_UP && r->age == 15 && !strcmp(r->role, "village"));
	r = row_of(rows, n, "530102002"); /* a child that never connected */
	CHECK(r && r->state == HEALTH_DOWN && r->age == -1 &&
	      !strcmp(r->last_error, "never connected"));
	health_rows_free(rows, n);
	/* stale: the villages unknown, the township still up by its session */
	CHECK_INT(health_rows(h, st, "530102", &links, 200, 30, &rows, &n), 0);
	r = row_of(rows, n, "530102001001");
	CHECK(r && r->state == HEALTH_UNKNOWN && strstr(r->last_error, "no report from 530102001"));
	CHECK(row_of(rows, n, "530102001")->state == HEALTH_UP);
	health_rows_free(rows, n);
	/* the township's session down: it is down, its villages unknown */
	town.up = 0;
	town.last_error = "disconnected";
	CHECK_INT(health_rows(h, st, "530102", &links, 110, 30, &rows, &n), 0);
	r = row_of(rows, n, "530102001");
	CHECK(r && r->state == HEALTH_DOWN && !strcmp(r->last_error, "disconnected"));
	r = row_of(rows, n, "530102001001");
	CHECK(r && r->state == HEALTH_UNKNOWN && strstr(r->last_error, "is down"));
	health_rows_free(rows, n);
	/* ... but a village on its county-direct link (failover) is up */
	Carenet__PeerStatus direct = CARENET__PEER_STATUS__INIT, *dp = &direct;
	direct.id = "530102001002";
	direct.up = 1;
	direct.last_seen = 3000;
	links.direct_sessions = &dp;
	links.n_direct_sessions = 1;
	CHECK_INT(health_rows(h, st, "530102", &links, 110, 30, &rows, &n), 0);
	r = row_of(rows, n, "530102001002");
	CHECK(r && r->state == HEALTH_UP && r->last_seen == 3000 &&
	      strstr(r->last_error, "failover"));
	CHECK(row_of(rows, n, "530102001001")->state == HEALTH_UNKNOWN);
	health_rows_free(rows, n);
}

int main(void)
{
	char dir[] = "/tmp/test_health.XXXXXX";
	struct health *h = NULL;
	struct store *st = NULL;

	CHECK(mkdtemp(dir) != NULL);
	CHECK_INT(health_new(&h), 0);
	CHECK_INT(store_open(dir, 1 << 20, &st), 0);
	CHECK_INT(store_write(st, reg_txn, st), 0);
	test_take(h);
	test_wire_caps();
	test_rows(h, st);
	health_free(&h);
	store_close(&st);
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_INT(system(cmd), 0);
	printf("test_health: %d checks, %d failed\n", checks, failures);
	return failures != 0;
}

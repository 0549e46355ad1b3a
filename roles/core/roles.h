/*
 * roles: what each office may do, and what directives, statuses and
 * deadlines mean. No sockets here (architecture.md, "Roles and authority").
 *
 * The delivery engine (node/deliver) calls roles_apply() with an item whose
 * origin signature and certificate chain it has already verified, inside
 * the write transaction that applies a whole received batch. roles check
 * the authority rules, update their state, say where the item goes next
 * (*route), and may originate new items (automatic "delivered" statuses,
 * reminders, rectification orders...) through env->emit in the same
 * transaction. Refusal has no side effects: the engine counts, logs and
 * audits it and skips the item.
 *
 * Thread: the node's thread only. Errors: CN_EROLE (role may not do this),
 * CN_ESCOPE (target or origin outside the permitted subtree), CN_EINVAL
 * (malformed: empty title, bad kind/state, due in the past...),
 * CN_ETOOBIG (a field over its cap), CN_ENOTFOUND, CN_ESTORE, CN_ENOMEM,
 * CN_EMAPFULL (pass through from LMDB puts: the transaction is replayed).
 */
#ifndef CARENET_ROLES_H
#define CARENET_ROLES_H

#include <lmdb.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "control.pb-c.h"
#include "items.pb-c.h"
#include "pki.h"
#include "store.h"
#include "wire.pb-c.h"

/* Directive kinds and status states, as on the wire (items.proto). */
enum roles_kind { KIND_TASK = 1, KIND_NOTICE = 2, KIND_RECTIFICATION = 3, KIND_CIRCULAR = 4 };
enum roles_state {
	STATE_PENDING = 0,
	STATE_DELIVERED = 1,
	STATE_ACCEPTED = 2,
	STATE_IN_PROGRESS = 3,
	STATE_DONE = 4,
	STATE_UNABLE = 5,
	/* Not on the wire: a row whose office was closed (撤销) while the row
	 * was open ends so (roles/roles_close.c); counted nowhere as targeted,
	 * pending, overdue or done. */
	STATE_RETIRED = 6,
};

#define ROLES_MAX_TITLE 512
#define ROLES_MAX_BODY 65536
#define ROLES_MAX_NOTE 4096
#define ROLES_MAX_TARGETS 10000
#define ROLES_MAX_EVIDENCE 32
#define ROLES_MAX_REMIND 8
#define ROLES_MAX_HISTORY 256 /* states kept per target; past it the oldest goes */

struct roles_policy {
	uint64_t remind[ROLES_MAX_REMIND]; /* default reminders, seconds before due */
	size_t nremind;
	int auto_rectify;                  /* issue a rectification order when overdue */
	uint64_t rectify_after;            /* its deadline: seconds after the overdue moment */
	uint64_t max_document;             /* documents' size cap in bytes (0: roles/docs' default) */
	uint64_t report_ack[3];            /* reports: a hop's acknowledgement deadline in seconds,
	                                    * by urgency (urgent, high, normal; 0: 1h, 12h, 72h) */
	char standards_dir[1024];          /* compliance.standards_dir ("": sd_default_dir()) */
	int rollup;                        /* a county with a parent: the monthly roll-up (R29) */
	char rollup_standards[256];        /* compliance.rollup_standards: ids, comma-separated */
};

struct roles_env {
	const struct pki_identity *me;
	struct store *store;
	const struct roles_policy *policy;
	void *arg; /* passed back to every callback */
	/* The node's clock (UTC seconds, including a test-clock offset). */
	uint64_t (*now)(void *arg);
	/*
	 * Originates an item from this office inside txn. The engine fills
	 * item->origin, lane (urgent for revocations, escalations, reports and
	 * their steps; bulk for records and documents; normal otherwise),
	 * origin_seq and created; for a directive whose id is "" it writes
	 * "<origin>-<seq>" into id_out (idlen >= 64) and points
	 * item->directive->id at it; for a report or a report step whose id is
	 * "", "<origin>-rep<seq>" or "<origin>-step<seq>" (a restored store's
	 * sequences start a new epoch: never the same id twice). It packs the
	 * item at once (the caller keeps ownership of *item), signs it with the
	 * rest of the transaction's items at commit, and routes it: directives
	 * and reminders down to the children whose subtree holds one of the
	 * expanded targets; statuses, escalations, announces and reports up;
	 * report steps up and down to the reporting office.
	 */
	int (*emit)(void *arg, MDB_txn *txn, Carenet__Item *item, char *id_out, size_t idlen);
	/* Runs fn in one write transaction through the engine (so emitted
	 * items are signed and queued before commit and sent after it). */
	int (*write)(void *arg, int (*fn)(MDB_txn *txn, void *fnarg), void *fnarg);
	/*
	 * Keeps a revocation list that arrived from county `origin` (already
	 * checked by roles: sender, direction, size): verifies it against the
	 * node's CAs and adds it to the trust store, stores it inside txn so a
	 * restart loads it again, and has live sessions rechecked after the
	 * commit. CN_EVERIFY if it does not verify; store errors pass through.
	 * May be NULL (no trust store, e.g. a test): the list is then only
	 * audited and forwarded.
	 */
	int (*crl_keep)(void *arg, MDB_txn *txn, const char *origin, const uint8_t *der,
	                size_t len);
	/* The node's trust store as it is now (a reload replaces it): announces
	 * are checked against it. May be NULL (or return NULL): every
	 * announce is then refused. */
	struct pki_trust *(*trust)(void *arg);
	/*
	 * Records' personal fields at rest (roles/records): seal makes an
	 * AES-256-GCM box of pt under the node's records key with associated
	 * data ad (*box malloc'd, the caller frees it); open checks and opens
	 * one (*pt malloc'd, the caller frees it with aead_free). The key
	 * stays in node.c. CN_EVERIFY if a box does not open, CN_ECRYPTO,
	 * CN_ENOMEM. May be NULL (a test without records): records are then
	 * refused with CN_EPERM.
	 */
	int (*seal)(void *arg, const void *ad, size_t adlen, const void *pt, size_t ptlen,
	            uint8_t **box, size_t *boxlen);
	int (*open)(void *arg, const void *ad, size_t adlen, const uint8_t *box, size_t boxlen,
	            uint8_t **pt, size_t *ptlen);
	/* An office below was closed here (撤销, roles/roles_close.c), inside
	 * txn: the engine drops what it queued for it (it will never take it).
	 * May be NULL. */
	int (*closed)(void *arg, MDB_txn *txn, const char *office);
};

/* Where the engine forwards a received item (its exact bytes). */
struct roles_route {
	int up;                      /* to the parent */
	int all_children;            /* to every child (revocations) */
	char **targets;              /* or: to the children above these target ids */
	size_t ntargets;             /* (pointers into the item; valid during the txn) */
	char *own[2];                /* targets kept here when the item has no such list */
	char ids[2][16];             /* (own[i] == ids[i]) */
};

struct roles;

int roles_new(const struct roles_env *env, struct roles **out);
void roles_free(struct roles **r);

/* Above the county only aggregates (docs/design.md, "Above the county"):
 * 1 if an item may cross a county's upward link (a Rollup, an Announce, a
 * DirectiveTally, and a county's or prefecture's own Status on a directive
 * from above the county), 0 for anything else (records, reports, documents,
 * the offices' statuses...).
 * The county's engine keeps the rest off that link; a province or
 * prefecture refuses it on receipt (roles_apply, CN_EROLE). */
int roles_may_cross_up(const Carenet__Item *item);

/* The first second (UTC) of the month after the one holding t, China time:
 * the monthly roll-ups' months (roles_rollup.c). */
uint64_t roles_next_month_start(uint64_t t);

/* Checks and applies an item received from the neighbour `from` (see top). */
int roles_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
		const struct pki_identity *origin, const char *from, struct roles_route *route,
		char *why, size_t whylen);

/* Deadlines: UTC seconds of the next due timer (UINT64_MAX if none), and
 * firing every timer due at `now` inside txn (reminders, overdue marks,
 * rectification orders, circulars and escalations). */
uint64_t roles_next_due(struct roles *r);
int roles_fire(struct roles *r, MDB_txn *txn, uint64_t now);

/* Audit checkpoints (roles/audit/): originates this office's checkpoint of
 * its audit log inside txn when it has grown by min_entries since the last
 * one, or max_age seconds have passed since and it grew, or force and it
 * grew (clean shutdown); *made = 1 if one was emitted. A county makes none.
 * roles_alerts calls fn with each alert a child's checkpoints raised
 * ("<child>: audit log truncated: ..."), for status. */
int roles_checkpoint(struct roles *r, MDB_txn *txn, uint64_t min_entries, uint64_t max_age,
                     int force, int *made);
int roles_alerts(struct roles *r, MDB_txn *txn, int (*fn)(const char *text, void *arg),
                 void *arg);

/* Who is asking, while a control request runs ("operator=alice uid=1000
 * pid=42"; "" or NULL: nobody): appended to every audit entry written
 * meanwhile. */
void roles_set_caller(struct roles *r, const char *who);

/* Operator requests arriving on the control socket (ControlRequest's
 * oneof): directive_issue, directive_list, directive_show, inbox, ack,
 * audit, audit_verify, audit_checkpoints; the member is present (node/control.c checks).
 * Fills rep (rep->code, rep->error for refusals: say what was wrong and
 * what to do next). CN_EINVAL for any other request. Memory put into rep
 * is released by roles_control_free(rep). */
int roles_control(struct roles *r, const Carenet__ControlRequest *req, Carenet__ControlReply *rep);
void roles_control_free(Carenet__ControlReply *rep);
/* An inspector's question on its session (roles_inspect.c): the evaluation
 * of q's office (default: the lower of the inspector's scope and this node)
 * as roles_control's compliance gives it, in rep->compliance. Refused with
 * CN_ESCOPE when the office lies outside the inspector's scope (the scope
 * is in its id) or this node's subtree; every query is audited (inspector,
 * scope, standards, office, outcome). Free rep with roles_control_free. */
int roles_inspect(struct roles *r, const char *inspector, const Carenet__InspectQuery *q,
                  Carenet__ControlReply *rep);
/* An inspector's Finding item (roles_apply's case; roles_inspect.c). */
int roles_finding_apply(struct roles *r, MDB_txn *txn, const Carenet__Item *item,
                        const struct pki_identity *origin, const char *from,
                        struct roles_route *route, char *why, size_t whylen);

/*
 * Records' schema (the data in roles/records/schema.c; records.md names the
 * fields): one row per field of a record type. The CLI reads it for CSV
 * templates and headers; the node validates with it (validate.c).
 */
enum rec_kind {
	RK_TEXT, RK_DATE, RK_ENUM, RK_SET, RK_BOOL, RK_CODE, RK_REF, RK_INT, RK_PHONE, RK_IDNUM,
	RK_TIME,    /* "YYYY-MM-DD HH:MM", China time (UTC+8) */
	RK_MONEY,   /* yuan: 1200 or 1200.5 or 1200.50 */
	RK_ENTRIES, /* a list of structured entries "a|b; a|b"; values name the parts */
};
#define RF_REQ 0x01      /* required */
#define RF_WHEN 0x02     /* required when the condition holds */
#define RF_ONLY 0x04     /* allowed only when the condition holds */
#define RF_PERSONAL 0x08 /* personal: sealed at rest, masked in listings */
#define RF_FUTURE 0x10   /* a date that may lie in the future (next_due) */
/* Offices that may own a record of a type (rec_type.owners; 0: any). */
#define REC_OWN_VILLAGE 0x1
#define REC_OWN_TOWNSHIP 0x2
#define REC_OWN_COUNTY 0x4
/* A type the rules read, never written as a record (the R12 report:
 * roles/reports keeps it; `review`: a child with its township's review). Not
 * in roles_record_types(); roles_record_type() finds it. */
#define REC_READ_ONLY 0x100
#define REC_MAX_FIELDS 48
#define REC_MAX_VALUE 2048 /* bytes of one value */

struct rec_field {
	const char *name;                /* records.md's name: id_number */
	const char *zh;                  /* the CSV column: 身份证号 */
	enum rec_kind kind;
	const char *const *values;       /* enum and set: NULL-terminated */
	unsigned flags;
	const char *cond;                /* RF_WHEN / RF_ONLY: the field the condition reads */
	const char *const *cond_values;  /* holds if cond's value (a set: one of them) is one;
	                                    "" holds when cond's field is empty */
	int cond_not;                    /* ... or, with this, if it is none of them */
	const char *example;             /* a valid value for `record template --example` */
};
struct rec_type {
	const char *name; /* child */
	const char *code; /* R09 */
	const char *zh;   /* 儿童 */
	const struct rec_field *fields;
	size_t nfields;
	unsigned owners; /* REC_OWN_*: the tiers that may own one (0: any office) */
};
/* By name, code or Chinese name (child, R09, 儿童), also the read-only
 * report and review (REC_READ_ONLY); NULL if unknown. */
const struct rec_type *roles_record_type(const char *name);
/* Every type, in records.md's order. */
const struct rec_type *roles_record_types(size_t *n);
/* The field's index in t, or -1 (by name or Chinese column name). */
int roles_record_field(const struct rec_type *t, const char *name);
/* The set separator used in normalized values ("、"). */
#define REC_SET_SEP "、"

/* A CSV ledger read into RecordInputs (roles/records/record_csv.c), the one
 * reader of ledgers, for `carenet record import` and the web's import form
 * alike: both send s->in in one record_write request, so the node checks
 * every row, answers "LINE:COLUMN: ..." and writes all or nothing. The
 * bytes are UTF-8 (a BOM dropped) or, when not valid UTF-8, GB18030 (what
 * Excel writes on Chinese Windows); the header row names t's columns in
 * Chinese or by records.md's names, and 记录编号 (or id) the record a row
 * updates. Each row is one input (of type t, or its id alone) with its
 * line, each field with its column. The reader's own problems (encoding,
 * header, a row's cell count, CSV syntax) are in problems[], worded as the
 * node words its own: "LINE:COLUMN: what; expected ...", or, about the whole
 * file, the words alone. */
struct rec_sheet {
	Carenet__RecordInput **in; /* one a row, in order */
	size_t n;
	char **problems;
	size_t nproblems;
	char *cols[REC_MAX_FIELDS + 1]; /* the header's cells as written */
	size_t ncols;
	/* the reader's */
	int map[REC_MAX_FIELDS + 1];
	size_t width, cap, pcap;
	int bad_header, oom;
};
/* 0 (s->in holds every row), CN_EINVAL (s->problems says what; s->n is 0),
 * CN_ENOMEM. data is not changed; s is freed by roles_record_sheet_free
 * whatever the result. */
int roles_record_csv(const struct rec_type *t, const void *data, size_t len, struct rec_sheet *s);
void roles_record_sheet_free(struct rec_sheet *s);
/* The ledger's template (模板) that reader takes: a BOM, the header row (t's
 * Chinese column names) and, with example, one valid row that imports as
 * is; the one writer for `carenet record template` and the web's
 * /records/template. -1 if f reports a write error. */
int roles_record_csv_template(const struct rec_type *t, int example, FILE *f);
/* The messages of a record_write, for the readers above and the CLI's
 * --set: NULL on ENOMEM. roles_record_input_new keeps type and id (not
 * copied); an id that is not "" when freed is freed (import rows strdup
 * theirs: a caller that lent one resets it to ""). Free accepts NULL. */
Carenet__Field *roles_record_field_new(const char *name, size_t nlen, const char *value,
                                       unsigned col);
Carenet__RecordInput *roles_record_input_new(const char *type, const char *id, size_t nfields);
void roles_record_input_free(Carenet__RecordInput *in);

/* Reports (roles/reports/): step kinds as on the wire (ReportStep.kind)
 * and names (report.c), for the CLI and the domain. */
enum report_step_kind {
	REPORT_STEP_ACK = 1,
	REPORT_STEP_REFER = 2,
	REPORT_STEP_UPDATE = 3,
	REPORT_STEP_OPEN_CASE = 4,
	REPORT_STEP_CLOSE = 5,
	REPORT_STEP_REOPEN = 6,
	REPORT_STEP_ESCALATE = 7,
};
#define REPORT_MAX_SITUATIONS 8
const char *report_kind_name(uint32_t kind);     /* "ack", ... */
uint32_t report_kind_parse(const char *name);    /* 0 if unknown */
const char *report_urgency_name(uint32_t u);     /* "urgent", "high", "normal" */
const char *report_urgency_zh(uint32_t u);       /* 紧急 较急 一般 */
uint32_t report_urgency_parse(const char *name); /* 0 if unknown */
const char *report_state_zh(const char *state);  /* 待受理 ... */
/* 1 if code is S01 S02 S03 S08 S09 S10 or other (or its Chinese name). */
const char *report_situation_code(const char *name); /* canonical code or NULL */
const char *report_situation_zh(const char *code);
/* Departments a report is referred to: police court procuratorate
 * education health hospital school other, or 公安 法院 检察院 教育 卫健 医院
 * 学校 其他/other; the canonical English name or NULL. */
const char *report_dept_parse(const char *name);
const char *report_dept_zh(const char *code);

/* Names: "task" / "任务", "delivered", ... ; parse returns 0 if unknown. */
const char *roles_kind_name(uint32_t kind);
const char *roles_kind_zh(uint32_t kind);
uint32_t roles_kind_parse(const char *name);
const char *roles_state_name(uint32_t state);
/* "已受理" for accepted, ... (pending 待送达, delivered 已送达). */
const char *roles_state_zh(uint32_t state);
/* English (accepted, in-progress, ...) or Chinese (已受理, 办理中, 已完成, 无法完成). */
uint32_t roles_state_parse(const char *name);
/* Appends {at, state, note, evidence} to a history (*v, *n; owned by the
 * protobuf message, freed with it), dropping the oldest past ROLES_MAX_HISTORY.
 * CN_ENOMEM. */
int roles_history_add(Carenet__NoteEntry ***v, size_t *n, uint64_t at, uint32_t state,
                      const char *note, size_t nevidence);

#endif

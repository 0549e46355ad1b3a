/*
 * web_int: the web/ layer's internals (map: web/README.md). Nothing outside
 * web/ includes this.
 *
 * One process, `carenet web`, holds no key of the node: it reads node.cfg
 * for data_dir (the control socket, the accounts file), timezone and the
 * web group, and talks to the node only through control_call, naming the
 * signed-in user as the request's operator ("alice@web"), as the CLI names
 * its user. libmicrohttpd runs every request on one internal thread, so the
 * sessions, rate limits and the accounts cache need no lock.
 */
#ifndef CARENET_WEB_INT_H
#define CARENET_WEB_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "config.h"
#include "control.h"

/* ---- accounts (users.c): DATA_DIR/web-users, one "NAME:ROLE:CREATED:HASH" a line */
#define WEB_USERS_FILE "web-users"
#define WEB_NAME_MAX 32
#define WEB_PASSWORD_MIN 8
#define WEB_PASSWORD_MAX 256
#define WEB_MAX_USERS 1000

enum web_role { WR_NONE = 0, WR_VIEWER = 1, WR_OPERATOR = 2, WR_SUPERVISOR = 3 };

struct web_user {
	char name[WEB_NAME_MAX + 1];
	int role;
	uint64_t created;
	char hash[crypto_pwhash_STRBYTES];
};

struct web_users {
	struct web_user *v;
	size_t n;
};

const char *web_role_name(int role); /* "operator" */
const char *web_role_zh(int role);   /* "经办人" */
int web_role_parse(const char *s);   /* WR_NONE if unknown */
int web_name_ok(const char *name);   /* 1..32 of [A-Za-z0-9._-], not starting with '-' */
/* DATA_DIR/web-users (malloc'd). */
char *web_users_path(const char *data_dir);
/* A missing file is an empty list; u->v has room for WEB_MAX_USERS. CN_EINVAL (a malformed line),
 * CN_EIO, CN_ENOMEM. */
int web_users_load(const char *path, struct web_users *u);
/* 0600, atomically (util_write_file). */
int web_users_save(const char *path, const struct web_users *u);
void web_users_free(struct web_users *u);
struct web_user *web_users_find(const struct web_users *u, const char *name);
/* Argon2id (crypto_pwhash_str, interactive limits). CN_ENOMEM, CN_ECRYPTO. */
int web_hash_password(const char *password, char out[crypto_pwhash_STRBYTES]);
/* 1 if password matches hash, else 0. */
int web_check_password(const char *hash, const char *password);

/* ---- a growing output buffer and HTML (html.c) */
struct buf {
	char *p;
	size_t len, cap;
	int oom;
};
void buf_put(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s HTML-escaped (& < > " ' and control characters), for text and attribute values. */
void buf_html(struct buf *b, const char *s);
/* printf whose %s arguments are HTML-escaped ("%H" is not used: only %s, %d,
 * %u, %zu, %llu, %%). Every value from the node or the user goes through it. */
void buf_htmlf(struct buf *b, const char *fmt, ...);
void buf_free(struct buf *b);
/* URL-encodes s (for a query value). */
void buf_url(struct buf *b, const char *s);

/* ---- one request in hand */
struct web;
struct session;
struct form;

struct page {
	struct web *w;
	struct session *s; /* NULL before login */
	int en;            /* English (the switch), else Chinese */
	const char *path;
	struct form *form;   /* a POST's fields, NULL for GET */
	void *conn;          /* struct MHD_Connection */
	struct buf out;      /* the body */
	int status;          /* HTTP status, 200 */
	char location[512];  /* a redirect (303) when set */
	char cookie[2][256]; /* Set-Cookie headers */
	const char *ctype;   /* the body's type when not HTML (a CSV download) */
	const char *csp;     /* a Content-Security-Policy other than the site's (a report) */
	char attachment[96]; /* its file name: Content-Disposition: attachment */
};

/* Text in the page's language: Chinese unless English was chosen. */
#define TX(pg, zh_, en_) ((pg)->en ? (en_) : (zh_))

/* A GET query value or NULL. */
const char *page_arg(struct page *pg, const char *name);
/* A POST's fields (form.c). form_parse: an application/x-www-form-urlencoded
 * body ('+' a space, %XX a byte; at most 512 fields, the rest ignored); NULL
 * on ENOMEM. form_append: multipart/form-data as libmicrohttpd's post
 * processor hands it, a part at a time (start: a new part; file: its file
 * name, NULL for a text field); -1 past 512 parts or on ENOMEM. */
struct form *form_new(void);
struct form *form_parse(const char *body, size_t len);
int form_append(struct form *f, const char *name, const char *file, const char *data, size_t size,
                int start);
void form_free(struct form *f);
/* A text field or NULL (the first of that name; files are not text). */
const char *form_get(const struct form *f, const char *name);
/* Each field in order, for forms with many inputs (name, value; "" for a file). */
size_t form_count(const struct form *f);
void form_at(const struct form *f, size_t i, const char **name, const char **value);
/* 1 and the part if field i is a file (its bytes, len of them), else 0. */
int form_file(const struct form *f, size_t i, const char **name, const char **file,
              const uint8_t **data, size_t *len);

/* Page frame: head, navigation, a heading (html.c). */
void page_begin(struct page *pg, const char *title_zh, const char *title_en);
void page_end(struct page *pg);
/* A message box: kind "ok", "error" (role=alert). text is escaped. */
void page_note(struct page *pg, const char *kind, const char *text);
/* <input type=hidden name=csrf ...> of the session. */
void page_csrf(struct page *pg);
/* An error page (status, message). */
void page_error(struct page *pg, int status, const char *zh, const char *en);
/* The style sheet served at /style.css. */
extern const char web_css[];

/* ---- the process (serve.c) and its HTTP side (http.c) */
struct sessions;
#define WEB_STD_MAX 16
struct sd_standard;
struct web_std { /* a standard the /compliance page offers */
	char id[64];
	char title[256];        /* "中文 English" */
	struct sd_standard *sd; /* the file as loaded (the inspection page's check texts) */
};
struct web {
	struct config *cfg;     /* node.cfg: data_dir, timezone, web.* */
	int tls;                /* served over TLS: cookies are Secure */
	char *users_path;       /* DATA_DIR/web-users */
	struct web_users users; /* read again when the file changes */
	int64_t users_mtime_ns; /* of the copy held (0: none) */
	long long users_size, users_ino;
	struct sessions *ss;
	char cookie[32];                    /* "cn_session_PORT": one per instance on a host */
	char dummy[crypto_pwhash_STRBYTES]; /* checked for unknown names: the same time */
	struct web_std std[WEB_STD_MAX];    /* the standards, read before the sandbox */
	size_t n_std;
};

/* One control exchange as the page's user ("NAME@web"); on failure a
 * refusal or an unreachable node is shown on the page and the code
 * returned; *rep is freed by the caller (NULL fine). */
int web_call(struct page *pg, Carenet__ControlRequest *req, int timeout_ms,
             Carenet__ControlReply **rep);
/* 1 if the node's role is role ("county", "village", ...), asked with a status
 * request (its failure shown on the page, and 0). */
int page_node_is(struct page *pg, const char *role);
/* "2026-11-29 08:00" in the node's zone. */
void web_time(const struct web *w, uint64_t t, char *out, size_t len);

/* ---- out of the keys' reach (sandbox.c) */
/* Landlock: from now on this process and the threads it starts read only
 * data_dir, the zone files, glibc's gconv modules (iconv: GB18030 ledgers),
 * /dev/urandom and /proc/self, and write nowhere; then checks
 * that the node's key files do not open (printed either way). CN_EPERM if
 * one still opens (no Landlock, or a key inside data_dir): a warning. */
int web_sandbox(const struct config *cfg);

/* ---- sessions, CSRF, login limits (session.c) */
struct session {
	char token[65]; /* the cookie */
	char csrf[65];  /* every form's hidden field */
	char user[WEB_NAME_MAX + 1];
	int role;
	char hash[crypto_pwhash_STRBYTES]; /* the password hash it was opened with */
	uint64_t created, used;
};
struct sessions;
int sessions_new(struct sessions **out);
void sessions_free(struct sessions **ss);
/* The live session of token (idle < 30 min, age < 12 h), else NULL. */
struct session *session_find(struct sessions *ss, const char *token, uint64_t now);
struct session *session_open(struct sessions *ss, const struct web_user *u, uint64_t now);
void session_close(struct sessions *ss, struct session *s);
/* Drops sessions whose user is gone, changed role or password. */
void sessions_prune(struct sessions *ss, const struct web_users *u);
/* 1 if value equals the session's CSRF token (constant time). */
int session_csrf_ok(const struct session *s, const char *value);
/* Login attempts: seconds until user / addr may try again (0: now). */
uint64_t login_wait(struct sessions *ss, const char *user, const char *addr, uint64_t now);
void login_failed(struct sessions *ss, const char *user, const char *addr, uint64_t now);
void login_ok(struct sessions *ss, const char *user, const char *addr);
#define LOGIN_USER_TRIES 5  /* failures per user before a wait */
#define LOGIN_ADDR_TRIES 20 /* per address */
#define LOGIN_WAIT 60       /* the first wait (s), doubling per failure after it, to 15 min */

/* ---- the pages (pages.c, pages_dir.c, pages_records.c, pages_record_edit.c, pages_import.c,
 * pages_reports.c) */
/* The signed-in user may do what role needs; else a 403 page and 0. */
int page_may(struct page *pg, int role);
void page_overview(struct page *pg);
void page_inbox(struct page *pg);
void page_ack(struct page *pg); /* POST */
void page_directives(struct page *pg);
void page_directive(struct page *pg);     /* one: the matrix */
void page_issue(struct page *pg);         /* POST */
void page_records(struct page *pg);       /* GET, and POST reveal */
void page_record_add(struct page *pg);    /* POST */
void page_records_csv(struct page *pg);   /* the listing as CSV (masked) */
struct rec_type;
void page_record_import(struct page *pg); /* POST: a CSV ledger (pages_import.c) */
/* The import form (in a <details>, open or not), preset to t. */
void record_import_form(struct page *pg, const struct rec_type *t, int open);
/* /records/template?type=T[&example=1]: `carenet record template`'s file (pages_import.c). */
void page_record_template(struct page *pg);
/* A ledger uploaded for import: at most 8 MiB. The web process holds the
 * file, a copy converted from GB18030 (up to twice as long) and the rows
 * read from it at once, and the node writes them in one LMDB transaction
 * while its loop waits; 8 MiB is about 40,000 children of a ledger, more than
 * a county holds, and its request stays well under the node's 64 MiB
 * control limit. Bigger files: `carenet record import`, or split them. */
#define WEB_IMPORT_MAX (8u << 20)
void page_record_edit(struct page *pg);   /* one record's edit and close forms */
void page_record_update(struct page *pg); /* POST */
/* A record field's label and input (pages_records.c): value preset (NULL:
 * empty); keep: empty means unchanged (a masked personal field). */
struct rec_field;
void record_field_input(struct page *pg, const struct rec_field *f, const char *value, int keep);
void page_reports(struct page *pg);     /* list, and the filing form */
void page_report_file(struct page *pg); /* POST */
void page_report(struct page *pg);      /* one: hops and steps */
void page_report_step(struct page *pg); /* POST */
/* pages_moves.c: the moves held here (区划调整); at a county a supervisor's
 * POST /move decides one. */
void page_moves(struct page *pg);
void page_move(struct page *pg); /* POST */
void page_close(struct page *pg); /* POST */
/* Open, overdue and escalated reports held here. */
void reports_count(struct page *pg, size_t *open, size_t *late, size_t *escalated);
/* Compliance and the monthly bulletin (pages_compliance.c): each a page in
 * the frame with its summary, and the renderer's printable document. */
void page_compliance(struct page *pg);
void page_compliance_report(struct page *pg);
void page_bulletin(struct page *pg);
void page_bulletin_report(struct page *pg);
/* The standards in compliance.standards_dir (ids and titles), for the
 * /compliance page's choice; before web_sandbox (it reads nothing outside). */
void web_standards_load(struct web *w);
void web_standards_free(struct web *w);
/* ?standard=ID, else mca-2018-demo; the standards' choice (a GET form to action). */
const char *web_chosen_standard(struct page *pg);
void web_standard_form(struct page *pg, const char *action, const char *standard);
/* The `compliance` request `carenet compliance --standard ID [--at]` sends, for this
 * office's subtree; 0 and (*rep)->compliance set, else -1 (the refusal on the page). */
int web_ask_compliance(struct page *pg, const char *standard, const char *at,
                       Carenet__ControlReply **rep);
/* The inspection page (pages_inspect.c): what an inspection team needs here. */
/* pages_province.c: /compliance's and /bulletin's body at a province or
 * prefecture, from the node's `province` reply. */
void web_province_compliance(struct page *pg, const Carenet__ProvinceReply *p);
void web_province_bulletin(struct page *pg, const Carenet__ProvinceReply *p);
/* A directive from above the county: what it relays (at a county), and at a
 * province or prefecture every county's and prefecture's tally. */
void web_directive_above(struct page *pg, const Carenet__DirectiveView *v);
void page_inspection(struct page *pg);
/* The form's files, each attached to id as a document (doc_add, as the CLI's
 * --evidence does) and named in ev (name, SHA-256, size as the node computed
 * them); 0, or the failure (shown on the page). Free with web_evidence_free. */
int web_evidence(struct page *pg, const char *id, Carenet__Evidence *ev, size_t *n);
void web_evidence_free(Carenet__Evidence *ev, size_t n);
/* State and kind as the page shows them: "已完成 done". */
void page_state(struct page *pg, uint32_t state, int overdue);

#endif

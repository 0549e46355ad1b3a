/*
 * http: every request of `carenet web` (http.h): the body of a POST
 * (application/x-www-form-urlencoded, at most 1 MiB; multipart/form-data
 * with files through the post processor), the language, the
 * session cookie, sign-in with its limits, the CSRF check of every POST,
 * the route table, and the security headers of every answer.
 *
 *   no session          -> 303 to /login (nothing done)
 *   a POST whose Origin is another site, or whose csrf field is not the
 *   session's           -> 403 (nothing done)
 *   a viewer's POST     -> 403 (page_may)
 */
#include "http.h"

#include <netdb.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "err.h"
#include "util.h"

#define MAX_BODY (1 << 20) /* a form without files */

struct req {
	struct buf body;   /* application/x-www-form-urlencoded */
	struct form *form; /* multipart/form-data, as the post processor gives it */
	struct MHD_PostProcessor *pp;
	size_t got, cap; /* bytes of the body so far, and the most taken */
	int post, too_big, bad;
};

/* The post processor's iterator: each part's bytes, in order. */
static enum MHD_Result part(void *cls, enum MHD_ValueKind kind, const char *key,
                            const char *filename, const char *content_type,
                            const char *transfer_encoding, const char *data, uint64_t off,
                            size_t size)
{
	struct req *r = cls;

	(void)kind, (void)content_type, (void)transfer_encoding;
	return form_append(r->form, key, filename, data, size, off == 0) == 0 ? MHD_YES : MHD_NO;
}

/* A POST's first call: what its body is and how much of it to take. */
static int post_begin(struct web *w, struct MHD_Connection *conn, const char *url, struct req *r)
{
	const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");

	r->cap = MAX_BODY;
	if (ct && !strncasecmp(ct, "application/x-www-form-urlencoded", 33))
		return 0;
	if (!ct || strncasecmp(ct, "multipart/form-data", 19) != 0)
		return -1;
	/* files: as many bytes as two documents of the node's cap, and the form;
	 * a ledger to import: its own cap (web_int.h, WEB_IMPORT_MAX) */
	r->cap = !strcmp(url, "/records/import") ? WEB_IMPORT_MAX + MAX_BODY
	                                         : 2 * w->cfg->max_document + MAX_BODY;
	if (!(r->form = form_new()) || !(r->pp = MHD_create_post_processor(conn, 65536, part, r)))
		return -1;
	return 0;
}

/* ------------------------------------------------------------ accounts */

static void users_refresh(struct web *w)
{
	struct web_users u;
	struct stat st;
	int rc;

	if (stat(w->users_path, &st) != 0) {
		memset(&st, 0, sizeof(st)); /* no file: no accounts */
	}
	int64_t mt = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	if (mt == w->users_mtime_ns && (long long)st.st_size == w->users_size &&
	    (long long)st.st_ino == w->users_ino)
		return;
	if ((rc = web_users_load(w->users_path, &u)) != 0) {
		fprintf(stderr, "carenet web: %s: %s; keeping the accounts read before\n",
		        w->users_path, cn_strerror(rc));
		return;
	}
	web_users_free(&w->users);
	w->users = u;
	w->users_mtime_ns = mt;
	w->users_size = (long long)st.st_size;
	w->users_ino = (long long)st.st_ino;
	sessions_prune(w->ss, &w->users);
}

int http_init(struct web *w)
{
	int rc;

	if (!(w->users_path = web_users_path(w->cfg->data_dir)))
		return CN_ENOMEM;
	if ((rc = sessions_new(&w->ss)) != 0 ||
	    (rc = web_hash_password("carenet: no such account", w->dummy)) != 0)
		return rc;
	w->users_mtime_ns = -1;
	users_refresh(w);
	return 0;
}

void http_fini(struct web *w)
{
	web_users_free(&w->users);
	sessions_free(&w->ss);
	web_standards_free(w);
	free(w->users_path);
	w->users_path = NULL;
}

/* ------------------------------------------------------------ queries */

const char *page_arg(struct page *pg, const char *name)
{
	return MHD_lookup_connection_value(pg->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* ------------------------------------------------------------ answers */

static void headers(struct web *w, struct MHD_Response *r, const char *type, const char *csp)
{
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "same-origin");
	MHD_add_response_header(
	    r, "Content-Security-Policy",
	    csp ? csp
	        : "default-src 'none'; style-src 'self'; img-src 'self'; "
	          "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
	if (w->tls)
		MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
}

static enum MHD_Result send_static(struct web *w, struct MHD_Connection *conn, int status,
                                   const char *type, const char *body)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	headers(w, r, type, NULL);
	MHD_add_response_header(r, "Cache-Control", status == 200 ? "max-age=3600" : "no-store");
	ret = MHD_queue_response(conn, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_page(struct page *pg)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	int status = pg->location[0] ? 303 : pg->status;

	if (pg->out.oom)
		return MHD_NO;
	r = MHD_create_response_from_buffer(pg->out.len, pg->out.p ? pg->out.p : (char *)"",
	                                    pg->out.p ? MHD_RESPMEM_MUST_FREE
	                                              : MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	pg->out.p = NULL; /* the response owns it */
	headers(pg->w, r, pg->ctype ? pg->ctype : "text/html; charset=utf-8", pg->csp);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (pg->attachment[0]) {
		char cd[160];
		snprintf(cd, sizeof(cd), "attachment; filename=\"%s\"", pg->attachment);
		MHD_add_response_header(r, "Content-Disposition", cd);
	}
	if (pg->location[0])
		MHD_add_response_header(r, "Location", pg->location);
	for (int i = 0; i < 2; i++)
		if (pg->cookie[i][0])
			MHD_add_response_header(r, "Set-Cookie", pg->cookie[i]);
	ret = MHD_queue_response(pg->conn, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

static void set_cookie(struct page *pg, int slot, const char *name, const char *value,
                       const char *extra)
{
	snprintf(pg->cookie[slot], sizeof(pg->cookie[slot]), "%s=%s; Path=/; SameSite=Strict%s%s",
	         name, value, pg->w->tls ? "; Secure" : "", extra);
}

static void redirect(struct page *pg, const char *to)
{
	snprintf(pg->location, sizeof(pg->location), "%s", to);
}

/* ------------------------------------------------------------ sign-in */

static void client_addr(struct MHD_Connection *conn, char *out, size_t len)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	socklen_t sl = sa && sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
	                                               : sizeof(struct sockaddr_in);

	if (!sa || getnameinfo(sa, sl, out, (socklen_t)len, NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(out, len, "?");
}

static void login_form(struct page *pg, const char *user)
{
	buf_htmlf(&pg->out,
	          "<form method=\"post\" action=\"/login\"><label for=\"user\">%s</label>"
	          "<input type=\"text\" id=\"user\" name=\"user\" autocomplete=\"username\" "
	          "required value=\"%s\"><label for=\"password\">%s</label>"
	          "<input type=\"password\" id=\"password\" name=\"password\" "
	          "autocomplete=\"current-password\" required><button type=\"submit\">%s</button>"
	          "</form>",
	          TX(pg, "用户名 Name", "Name 用户名"), user ? user : "",
	          TX(pg, "密码 Password", "Password 密码"), TX(pg, "登录", "Sign in"));
}

static void page_login(struct page *pg)
{
	page_begin(pg, "登录", "Sign in");
	login_form(pg, NULL);
	page_end(pg);
}

static void do_login(struct page *pg)
{
	struct web *w = pg->w;
	const char *user = form_get(pg->form, "user"), *pw = form_get(pg->form, "password");
	char addr[64], msg[256];
	uint64_t now = util_now(), wait;
	struct web_user *u;
	int ok;

	client_addr(pg->conn, addr, sizeof(addr));
	if (!user || !pw || strlen(pw) > WEB_PASSWORD_MAX)
		user = "", pw = "";
	if ((wait = login_wait(w->ss, user, addr, now)) > 0) {
		pg->status = 429;
		page_begin(pg, "登录", "Sign in");
		snprintf(msg, sizeof(msg),
		         pg->en ? "Too many failed attempts: try again in %llu s (尝试次数过多)"
		                : "尝试次数过多：请在 %llu 秒后再试 (too many failed attempts)",
		         (unsigned long long)wait);
		page_note(pg, "error", msg);
		login_form(pg, user);
		page_end(pg);
		return;
	}
	u = web_users_find(&w->users, user);
	ok = u ? web_check_password(u->hash, pw) : (web_check_password(w->dummy, pw) && 0);
	if (!ok) {
		login_failed(w->ss, user, addr, now);
		fprintf(stderr, "carenet web: sign-in refused for %s from %s\n",
		        web_name_ok(user) ? user : "(not an account name)", addr);
		pg->status = 401;
		page_begin(pg, "登录", "Sign in");
		page_note(pg, "error",
		          TX(pg, "用户名或密码错误 (wrong name or password)",
		             "Wrong name or password (用户名或密码错误)"));
		login_form(pg, user);
		page_end(pg);
		return;
	}
	login_ok(w->ss, user, addr);
	pg->s = session_open(w->ss, u, now);
	set_cookie(pg, 0, w->cookie, pg->s->token, "; HttpOnly");
	fprintf(stderr, "carenet web: %s signed in from %s\n", u->name, addr);
	redirect(pg, "/");
}

static void do_logout(struct page *pg)
{
	session_close(pg->w->ss, pg->s);
	pg->s = NULL;
	set_cookie(pg, 0, pg->w->cookie, "", "; HttpOnly; Max-Age=0");
	redirect(pg, "/login");
}

/* ------------------------------------------------------------ routes */

struct route {
	const char *path;
	void (*get)(struct page *);
	void (*post)(struct page *);
	const char *back; /* a GET of a POST-only path goes here */
};

static const struct route routes[] = {
    {"/", page_overview, NULL, NULL},
    {"/inbox", page_inbox, NULL, NULL},
    {"/ack", NULL, page_ack, "/inbox"},
    {"/directives", page_directives, NULL, NULL},
    {"/directive", page_directive, NULL, NULL},
    {"/issue", NULL, page_issue, "/directives"},
    {"/records", page_records, page_records, NULL},
    {"/records.csv", page_records_csv, NULL, NULL},
    {"/records/template", page_record_template, NULL, NULL},
    {"/records/edit", page_record_edit, NULL, NULL},
    {"/records/update", NULL, page_record_update, "/records"},
    {"/reports", page_reports, NULL, NULL},
    {"/reports/file", NULL, page_report_file, "/reports"},
    {"/report", page_report, page_report, NULL},
    {"/report/step", NULL, page_report_step, "/reports"},
    {"/compliance", page_compliance, NULL, NULL},
    {"/compliance/report", page_compliance_report, NULL, NULL},
    {"/bulletin", page_bulletin, NULL, NULL},
    {"/bulletin/report", page_bulletin_report, NULL, NULL},
    {"/inspection", page_inspection, NULL, NULL},
    {"/moves", page_moves, NULL, NULL},
    {"/move", NULL, page_move, "/moves"},
    {"/close", NULL, page_close, "/moves"},
    {"/records/add", NULL, page_record_add, "/records"},
    {"/records/import", NULL, page_record_import, "/records"},
    {"/logout", NULL, do_logout, "/"},
};

/* The POST came from a page of this site: Origin, when the browser sends
 * it, names the Host it was sent to. */
static int same_origin(struct page *pg)
{
	const char *origin = MHD_lookup_connection_value(pg->conn, MHD_HEADER_KIND, "Origin");
	const char *host = MHD_lookup_connection_value(pg->conn, MHD_HEADER_KIND, "Host");
	char want[300];

	if (!origin)
		return 1;
	snprintf(want, sizeof(want), "%s://%s", pg->w->tls ? "https" : "http", host ? host : "");
	return !strcmp(origin, want);
}

static void dispatch(struct page *pg, struct req *r)
{
	const struct route *rt = NULL;

	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (!strcmp(routes[i].path, pg->path))
			rt = &routes[i];
	if (!strcmp(pg->path, "/login")) {
		if (r->post && !same_origin(pg))
			page_error(pg, 403, "请求来自其他网站，已拒绝。",
			           "Refused: a form of another site.");
		else if (r->post)
			do_login(pg);
		else if (pg->s)
			redirect(pg, "/");
		else
			page_login(pg);
		return;
	}
	if (!rt)
		return page_error(pg, 404, "没有这个页面。", "No such page.");
	if (!pg->s)
		return redirect(pg, "/login");
	if (!r->post)
		return rt->get ? rt->get(pg) : redirect(pg, rt->back);
	if (!rt->post)
		return page_error(pg, 405, "此页面不接受提交。", "This page takes no form.");
	if (!same_origin(pg) || !session_csrf_ok(pg->s, form_get(pg->form, "csrf")))
		return page_error(pg, 403,
		                  "表单已失效或来自其他网站（缺少 CSRF "
		                  "令牌），未执行任何操作。请重新打开页面再提交。",
		                  "Refused: the form is stale or from another site (no valid CSRF "
		                  "token); nothing was done. Open the page again and resubmit.");
	rt->post(pg);
}

static void language(struct page *pg)
{
	const char *q = page_arg(pg, "lang");
	const char *c = MHD_lookup_connection_value(pg->conn, MHD_COOKIE_KIND, "cn_lang");

	if (q && (!strcmp(q, "en") || !strcmp(q, "zh"))) {
		set_cookie(pg, 1, "cn_lang", q, "; Max-Age=31536000");
		c = q;
	}
	pg->en = c && !strcmp(c, "en");
}

static enum MHD_Result respond(struct web *w, struct MHD_Connection *conn, const char *url,
                               struct req *r)
{
	struct page pg;
	enum MHD_Result ret;

	if (!strcmp(url, "/style.css"))
		return send_static(w, conn, 200, "text/css; charset=utf-8", web_css);
	if (r->too_big)
		return send_static(w, conn, 413, "text/plain; charset=utf-8",
		                   "request too large (a form: 1 MiB; files: twice "
		                   "records.max_document; a CSV ledger to import: 8 MiB)\n");
	if (r->bad)
		return send_static(w, conn, 400, "text/plain; charset=utf-8",
		                   "a malformed form (multipart/form-data)\n");
	memset(&pg, 0, sizeof(pg));
	pg.w = w;
	pg.conn = conn;
	pg.path = url;
	pg.status = 200;
	language(&pg);
	users_refresh(w);
	pg.s = session_find(w->ss, MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, w->cookie),
	                    util_now());
	if (r->pp) {
		pg.form = r->form; /* the page's now */
		r->form = NULL;
	} else if (r->post && !(pg.form = form_parse(r->body.p ? r->body.p : "", r->body.len))) {
		return MHD_NO;
	}
	dispatch(&pg, r);
	ret = send_page(&pg);
	buf_free(&pg.out);
	form_free(pg.form);
	return ret;
}

enum MHD_Result http_handle(void *cls, struct MHD_Connection *conn, const char *url,
                            const char *method, const char *version, const char *upload_data,
                            size_t *upload_data_size, void **con_cls)
{
	struct web *w = cls;
	struct req *r = *con_cls;

	(void)version;
	if (!r) {
		int post = !strcmp(method, "POST");
		if (!post && strcmp(method, "GET") && strcmp(method, "HEAD"))
			return send_static(w, conn, 405, "text/plain; charset=utf-8",
			                   "GET and POST only\n");
		if (!(r = calloc(1, sizeof(*r))))
			return MHD_NO;
		r->post = post;
		*con_cls = r;
		if (post && post_begin(w, conn, url, r) != 0)
			return send_static(w, conn, 415, "text/plain; charset=utf-8",
			                   "forms only (application/x-www-form-urlencoded or "
			                   "multipart/form-data)\n");
		return MHD_YES;
	}
	if (*upload_data_size) {
		r->got += *upload_data_size;
		if (r->got > r->cap)
			r->too_big = 1;
		else if (r->pp && !r->bad)
			r->bad = MHD_post_process(r->pp, upload_data, *upload_data_size) != MHD_YES;
		else if (!r->pp)
			buf_put(&r->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	return respond(w, conn, url, r);
}

void http_done(void *cls, struct MHD_Connection *conn, void **con_cls,
               enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;

	(void)cls, (void)conn, (void)toe;
	if (r) {
		if (r->body.p) /* a password may have been in it */
			sodium_memzero(r->body.p, r->body.cap);
		buf_free(&r->body);
		if (r->pp)
			MHD_destroy_post_processor(r->pp);
		form_free(r->form);
		free(r);
	}
	*con_cls = NULL;
}

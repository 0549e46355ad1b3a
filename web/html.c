/*
 * html: the output buffer, HTML escaping, and the frame every page shares
 * (web_int.h). Every value that comes from the node, the accounts or the
 * request goes through buf_html / buf_htmlf. No script anywhere; the one
 * style sheet is served by the binary (/style.css), so the pages work with
 * no network beyond the office's machine.
 */
#include "web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roles.h"

void buf_put(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

void buf_puts(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

static void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	char small[512];
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(small, sizeof(small), fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		buf_put(b, small, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		b->oom = 1;
		return;
	}
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	buf_put(b, big, (size_t)n);
	free(big);
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void buf_html(struct buf *b, const char *s)
{
	const char *run = s;

	for (; s && *s; s++) {
		const char *rep = NULL;
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		case '\r':
			rep = "";
			break; /* a form's CRLF: the LF stays */
		default:
			if (c < 0x20 && c != '\n' && c != '\t')
				rep = "&#xFFFD;";
		}
		if (!rep)
			continue;
		buf_put(b, run, (size_t)(s - run));
		buf_puts(b, rep);
		run = s + 1;
	}
	if (s)
		buf_put(b, run, (size_t)(s - run));
}

void buf_htmlf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char num[32];

	va_start(ap, fmt);
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			const char *q = strchr(p, '%');
			size_t n = q ? (size_t)(q - p) : strlen(p);
			buf_put(b, p, n);
			p += n - 1;
			continue;
		}
		p++;
		if (*p == 's') {
			buf_html(b, va_arg(ap, const char *));
		} else if (*p == 'd') {
			snprintf(num, sizeof(num), "%d", va_arg(ap, int));
			buf_puts(b, num);
		} else if (*p == 'u') {
			snprintf(num, sizeof(num), "%u", va_arg(ap, unsigned));
			buf_puts(b, num);
		} else if (!strncmp(p, "zu", 2)) {
			snprintf(num, sizeof(num), "%zu", va_arg(ap, size_t));
			buf_puts(b, num);
			p++;
		} else if (!strncmp(p, "llu", 3)) {
			snprintf(num, sizeof(num), "%llu", va_arg(ap, unsigned long long));
			buf_puts(b, num);
			p += 2;
		} else if (*p == '%') {
			buf_puts(b, "%");
		} else {
			break; /* an unknown conversion: a bug; stop rather than misread ap */
		}
	}
	va_end(ap);
}

void buf_url(struct buf *b, const char *s)
{
	char hex[4];

	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~", c)) {
			buf_put(b, s, 1);
		} else {
			snprintf(hex, sizeof(hex), "%%%02X", c);
			buf_puts(b, hex);
		}
	}
}

void buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

const char web_css[] =
    ":root{--fg:#1a1a1a;--bg:#fff;--mute:#555;--line:#bbb;--accent:#0b5394;--bad:#a00;"
    "--ok:#1e6b1e;--warn:#8a5a00}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:1rem/1.5 \"Noto Sans CJK SC\",\"Noto Sans SC\",\"WenQuanYi Micro Hei\","
    "\"Microsoft YaHei\",sans-serif;color:var(--fg);background:var(--bg)}\n"
    "header{background:var(--accent);color:#fff;padding:.5rem 1rem}\n"
    "header a{color:#fff}\n"
    "nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}\n"
    "nav a{display:inline-block;padding:.25rem 0}\n"
    "nav a[aria-current]{font-weight:bold;text-decoration:underline 3px}\n"
    "main{padding:1rem;max-width:70rem}\n"
    "a:focus,button:focus,input:focus,select:focus,textarea:focus,summary:focus"
    "{outline:3px solid #f90;outline-offset:2px}\n"
    ".skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;"
    "color:#000;padding:.5rem}\n"
    ".who{float:right}.who form{display:inline}\n"
    "table{border-collapse:collapse;width:100%;margin:.5rem 0}\n"
    "th,td{border:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}"
    "\n"
    "th{background:#eef2f7}\n"
    "caption{text-align:left;font-weight:bold;padding:.25rem 0}\n"
    ".scroll{overflow-x:auto}\n"
    ".note{padding:.5rem 1rem;border-left:6px solid var(--accent);background:#eef2f7;"
    "margin:.5rem 0}\n"
    ".note.error{border-color:var(--bad);background:#fbeaea}\n"
    ".note.ok{border-color:var(--ok);background:#eaf6ea}\n"
    ".late{color:var(--bad);font-weight:bold}\n"
    ".st-done{color:var(--ok)}.st-unable{color:var(--bad)}.st-pending{color:var(--warn)}\n"
    ".st-retired{color:var(--muted,#666);text-decoration:line-through}\n"
    "label{display:block;margin:.5rem 0 .1rem;font-weight:bold}\n"
    "input,select,textarea,button{font:inherit;padding:.35rem;max-width:100%}\n"
    "input[type=text],input[type=password],textarea,select{width:100%;max-width:36rem}\n"
    "input[type=checkbox]{width:auto}\n"
    "button{background:var(--accent);color:#fff;border:0;padding:.45rem 1rem;margin:.5rem 0;"
    "cursor:pointer}\n"
    "button.plain{background:#fff;color:var(--accent);border:1px solid var(--accent)}\n"
    "main form button[type=submit]{display:block}\n"
    "fieldset{border:1px solid var(--line);margin:.5rem 0}\n"
    ".tree{list-style:none;padding-left:0}.tree .d2{padding-left:1.5rem}"
    ".tree .d3{padding-left:3rem}\n"
    ".body{white-space:pre-wrap;border:1px solid var(--line);padding:.5rem}\n"
    ".hint{color:var(--mute);font-size:.9rem}\n"
    "@media (max-width:40rem){main{padding:.5rem}th,td{padding:.2rem}.who{float:none}}\n"
    ".tick{white-space:nowrap}.write{min-width:8rem}.printonly{display:none}\n"
    "@media print{header,.skip,.noprint,main form{display:none}main{max-width:none;padding:0}"
    ".scroll{overflow:visible}a{color:inherit;text-decoration:none}table{font-size:.8rem}"
    "table .hint{font-size:inherit}tr{break-inside:avoid}th{background:none}"
    ".write{min-width:12rem}.printonly{display:block}}\n";

static void nav_item(struct page *pg, const char *href, const char *zh, const char *en)
{
	buf_htmlf(&pg->out, "<li><a href=\"%s\"%s>%s</a></li>", href,
	          !strcmp(pg->path, href) ? " aria-current=\"page\"" : "", TX(pg, zh, en));
}

void page_begin(struct page *pg, const char *title_zh, const char *title_en)
{
	struct buf *b = &pg->out;

	buf_htmlf(b,
	          "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
	          "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
	          "<title>%s · carenet</title><link rel=\"stylesheet\" href=\"/style.css\">"
	          "</head><body><a class=\"skip\" href=\"#main\">%s</a><header>",
	          pg->en ? "en" : "zh-CN", TX(pg, title_zh, title_en),
	          TX(pg, "跳到正文", "Skip to content"));
	if (pg->s) {
		buf_htmlf(b, "<div class=\"who\">%s (%s) <form method=\"post\" action=\"/logout\">",
		          pg->s->user,
		          TX(pg, web_role_zh(pg->s->role), web_role_name(pg->s->role)));
		page_csrf(pg);
		buf_htmlf(b, "<button class=\"plain\">%s</button></form></div>",
		          TX(pg, "退出", "Sign out"));
	}
	buf_htmlf(b, "<nav aria-label=\"%s\"><ul>", TX(pg, "主菜单", "Main"));
	if (pg->s) {
		nav_item(pg, "/", "概览", "Overview");
		nav_item(pg, "/inbox", "收件箱", "Inbox");
		nav_item(pg, "/directives", "下发任务", "Directives");
		nav_item(pg, "/records", "台账", "Records");
		nav_item(pg, "/reports", "强制报告", "Reports");
		nav_item(pg, "/compliance", "合规评估", "Compliance");
		nav_item(pg, "/bulletin", "月通报", "Bulletin");
		nav_item(pg, "/inspection", "督导检查", "Inspection");
		nav_item(pg, "/moves", "区划调整", "Moves");
	}
	buf_htmlf(b, "<li><a href=\"?lang=%s\" lang=\"%s\">%s</a></li></ul></nav></header>",
	          pg->en ? "zh" : "en", pg->en ? "zh-CN" : "en", pg->en ? "中文" : "English");
	buf_htmlf(b, "<main id=\"main\"><h1>%s</h1>", TX(pg, title_zh, title_en));
}

void page_end(struct page *pg)
{
	buf_puts(&pg->out, "</main></body></html>\n");
}

void page_note(struct page *pg, const char *kind, const char *text)
{
	/* the role is markup, not text: chosen here, never escaped (buf_htmlf escapes %s) */
	buf_htmlf(&pg->out,
	          !strcmp(kind, "error") ? "<div class=\"note %s\" role=\"alert\">%s</div>"
	                                 : "<div class=\"note %s\" role=\"status\">%s</div>",
	          kind, text);
}

void page_csrf(struct page *pg)
{
	if (pg->s)
		buf_htmlf(&pg->out, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">",
		          pg->s->csrf);
}

void page_error(struct page *pg, int status, const char *zh, const char *en)
{
	pg->out.len = 0;
	if (pg->out.p)
		pg->out.p[0] = 0;
	pg->status = status;
	page_begin(pg, "出错了", "Error");
	page_note(pg, "error", TX(pg, zh, en));
	page_end(pg);
}

int page_may(struct page *pg, int role)
{
	if (pg->s && pg->s->role >= role)
		return 1;
	page_error(pg, 403, "您的账户无权执行此操作（查看人只能查看）。",
	           "Your account may not do this (a viewer may only look).");
	return 0;
}

void page_state(struct page *pg, uint32_t state, int overdue)
{
	const char *cls = state == STATE_DONE      ? "st-done"
	                  : state == STATE_UNABLE  ? "st-unable"
	                  : state == STATE_PENDING ? "st-pending"
	                  : state == STATE_RETIRED ? "st-retired"
	                                           : "st";

	buf_htmlf(&pg->out, "<span class=\"%s\">%s %s</span>", cls, roles_state_zh(state),
	          roles_state_name(state));
	if (overdue)
		buf_htmlf(&pg->out, " <span class=\"late\">⚠ %s</span>",
		          TX(pg, "已逾期 overdue", "overdue 已逾期"));
}

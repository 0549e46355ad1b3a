/* test_web: the web interface's pieces that need no server (web/): HTML
 * escaping, form decoding (urlencoded, and multipart parts), account names
 * and the accounts file, Argon2id, sessions, CSRF tokens and the sign-in
 * limits. The server itself: tests/net/test_web.py. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "err.h"
#include "web_int.h"

static void escaping(void)
{
	struct buf b = {0};

	buf_html(&b, "<a href=\"x\">'&'</a>\r\n\x01");
	CHECK_STR(b.p, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;\n&#xFFFD;");
	buf_free(&b);
	buf_htmlf(&b, "<p>%s %d %u %zu %llu %%</p>", "<b>", -3, 4u, (size_t)5,
	          (unsigned long long)6);
	CHECK_STR(b.p, "<p>&lt;b&gt; -3 4 5 6 %</p>");
	buf_free(&b);
	buf_url(&b, "530102-1 a&b=c/中");
	CHECK_STR(b.p, "530102-1%20a%26b%3Dc%2F%E4%B8%AD");
	buf_free(&b);
}

static void forms(void)
{
	const char *body = "csrf=ab12&note=%E5%B7%B2%E5%AE%8C%E6%88%90+ok&empty=&flag&bad=%zz%4";
	struct form *f = form_parse(body, strlen(body));
	const char *n, *v;

	CHECK(f != NULL);
	CHECK_STR(form_get(f, "csrf"), "ab12");
	CHECK_STR(form_get(f, "note"), "已完成 ok");
	CHECK_STR(form_get(f, "empty"), "");
	CHECK_STR(form_get(f, "flag"), "");
	CHECK_STR(form_get(f, "bad"), "%zz%4");
	CHECK(form_get(f, "missing") == NULL);
	CHECK_INT(form_count(f), 5);
	form_at(f, 1, &n, &v);
	CHECK_STR(n, "note");
	form_free(f);
	f = form_parse("", 0);
	CHECK(f != NULL && form_count(f) == 0);
	form_free(f);
}

/* multipart/form-data as the post processor hands it: parts in chunks. */
static void parts(void)
{
	struct form *f = form_new();
	const char *name, *file;
	const uint8_t *data;
	size_t len;

	CHECK_INT(form_append(f, "csrf", NULL, "ab", 2, 1), 0);
	CHECK_INT(form_append(f, "csrf", NULL, "12", 2, 0), 0);
	CHECK_INT(form_append(f, "evidence", "会议记录.pdf", "\0\1", 2, 1), 0);
	CHECK_INT(form_append(f, "evidence", "会议记录.pdf", "\2", 1, 0), 0);
	CHECK_INT(form_append(f, "evidence", "", "", 0, 1), 0); /* no file chosen */
	CHECK_STR(form_get(f, "csrf"), "ab12");
	CHECK(form_get(f, "evidence") == NULL); /* a file is not text */
	CHECK_INT(form_count(f), 3);
	CHECK(!form_file(f, 0, &name, &file, &data, &len));
	CHECK(form_file(f, 1, &name, &file, &data, &len));
	CHECK_STR(file, "会议记录.pdf");
	CHECK(len == 3 && data[0] == 0 && data[1] == 1 && data[2] == 2);
	CHECK(form_file(f, 2, &name, &file, &data, &len) && file[0] == 0 && len == 0);
	form_free(f);
}

static void names(void)
{
	CHECK(web_name_ok("alice"));
	CHECK(web_name_ok("li.hong_2-x"));
	CHECK(!web_name_ok(""));
	CHECK(!web_name_ok("-x"));
	CHECK(!web_name_ok("a:b"));
	CHECK(!web_name_ok("bad name"));
	CHECK(!web_name_ok("李红"));
	CHECK(!web_name_ok("abcdefghijabcdefghijabcdefghijabc")); /* 33 */
	CHECK_INT(web_role_parse("operator"), WR_OPERATOR);
	CHECK_INT(web_role_parse("主管"), WR_SUPERVISOR);
	CHECK_INT(web_role_parse("root"), WR_NONE);
}

static void accounts(void)
{
	char dir[] = "/tmp/cn-test-web-XXXXXX", *path;
	struct web_users u, back;
	struct stat st;
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	path = web_users_path(dir);
	CHECK_INT(web_users_load(path, &u), 0); /* no file: no accounts */
	CHECK_INT(u.n, 0);
	snprintf(u.v[0].name, sizeof(u.v[0].name), "alice");
	u.v[0].role = WR_OPERATOR;
	u.v[0].created = 1700000000;
	CHECK_INT(web_hash_password("correct-horse-7", u.v[0].hash), 0);
	u.n = 1;
	CHECK_INT(web_users_save(path, &u), 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK_INT(web_users_load(path, &back), 0);
	CHECK_INT(back.n, 1);
	CHECK(web_users_find(&back, "alice") != NULL);
	CHECK(web_users_find(&back, "bob") == NULL);
	CHECK_INT(back.v[0].role, WR_OPERATOR);
	CHECK(strncmp(back.v[0].hash, "$argon2id$", 10) == 0);
	CHECK(web_check_password(back.v[0].hash, "correct-horse-7"));
	CHECK(!web_check_password(back.v[0].hash, "correct-horse-8"));
	web_users_free(&back);
	/* a line that is not NAME:ROLE:CREATED:HASH: refused, nothing half-read */
	CHECK((f = fopen(path, "a")) != NULL);
	fputs("mallory:admin:1:$argon2id$x\n", f);
	fclose(f);
	CHECK_INT(web_users_load(path, &back), CN_EINVAL);
	CHECK(back.v == NULL && back.n == 0);
	web_users_free(&u);
	unlink(path);
	rmdir(dir);
	free(path);
}

static void sessions(void)
{
	struct sessions *ss;
	struct web_user u = {.name = "alice", .role = WR_OPERATOR, .hash = "$argon2id$h1"};
	struct web_users list = {&u, 1};
	struct session *s;
	char token[65];

	CHECK_INT(sessions_new(&ss), 0);
	s = session_open(ss, &u, 1000);
	CHECK(strlen(s->token) == 64 && strlen(s->csrf) == 64 && strcmp(s->token, s->csrf) != 0);
	snprintf(token, sizeof(token), "%s", s->token);
	CHECK(session_find(ss, token, 1100) == s);
	CHECK(session_find(ss, "00", 1100) == NULL);
	CHECK(session_csrf_ok(s, s->csrf));
	CHECK(!session_csrf_ok(s, token));
	CHECK(!session_csrf_ok(s, NULL));
	CHECK(!session_csrf_ok(s, ""));
	/* idle 30 minutes: gone */
	CHECK(session_find(ss, token, 1100 + 30 * 60 + 1) == NULL);
	/* a new password hash ends it */
	s = session_open(ss, &u, 5000);
	snprintf(token, sizeof(token), "%s", s->token);
	sessions_prune(ss, &list);
	CHECK(session_find(ss, token, 5001) != NULL);
	snprintf(u.hash, sizeof(u.hash), "$argon2id$h2");
	sessions_prune(ss, &list);
	CHECK(session_find(ss, token, 5002) == NULL);
	sessions_free(&ss);
}

static void limits(void)
{
	struct sessions *ss;
	uint64_t t = 10000;

	CHECK_INT(sessions_new(&ss), 0);
	for (int i = 0; i < LOGIN_USER_TRIES - 1; i++)
		login_failed(ss, "bob", "10.0.0.1", t);
	CHECK_INT(login_wait(ss, "bob", "10.0.0.1", t), 0);
	login_failed(ss, "bob", "10.0.0.1", t);
	CHECK_INT(login_wait(ss, "bob", "10.0.0.1", t), LOGIN_WAIT);
	CHECK_INT(login_wait(ss, "bob", "10.0.0.2", t + 10), LOGIN_WAIT - 10); /* the account */
	CHECK_INT(login_wait(ss, "alice", "10.0.0.1", t), 0); /* 5 < 20 from the address */
	CHECK_INT(login_wait(ss, "bob", "10.0.0.1", t + LOGIN_WAIT), 0);
	login_failed(ss, "bob", "10.0.0.1", t + LOGIN_WAIT);
	CHECK_INT(login_wait(ss, "bob", "10.0.0.1", t + LOGIN_WAIT), 2 * LOGIN_WAIT); /* doubles */
	login_ok(ss, "bob", "10.0.0.1");
	CHECK_INT(login_wait(ss, "bob", "10.0.0.1", t + LOGIN_WAIT), 0);
	/* an address trying many names */
	for (int i = 0; i < LOGIN_ADDR_TRIES; i++) {
		char name[16];
		snprintf(name, sizeof(name), "u%d", i);
		login_failed(ss, name, "10.0.0.9", t);
	}
	CHECK_INT(login_wait(ss, "someone", "10.0.0.9", t), LOGIN_WAIT);
	/* forgotten after an hour */
	CHECK_INT(login_wait(ss, "someone", "10.0.0.9", t + 3601), 0);
	sessions_free(&ss);
}

int main(void)
{
	escaping();
	forms();
	parts();
	names();
	accounts();
	sessions();
	limits();
	printf("test_web: %d checks, %d failures\n", checks, failures);
	return failures != 0;
}

/*
 * session: signed-in sessions, their CSRF tokens, and the login attempts'
 * limits (web_int.h). In memory only: a restart of `carenet web` signs
 * everyone out. Tokens are 32 random bytes (libsodium's randombytes) in hex.
 *
 * Limits: after LOGIN_USER_TRIES failures for one account, or
 * LOGIN_ADDR_TRIES from one address, each further attempt must wait
 * LOGIN_WAIT seconds after the last failure, doubling with each failure up
 * to 15 minutes; while waiting the password is not even checked. A success
 * clears the account's and the address's counts. Failures older than an
 * hour are forgotten.
 */
#include "web_int.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"

#define MAX_SESSIONS 256
#define MAX_TRACKED 1024
#define IDLE_SECS (30 * 60)
#define AGE_SECS (12 * 3600)
#define FORGET_SECS 3600
#define WAIT_MAX 900

struct tries {
	char key[80]; /* "u:NAME" or "a:ADDRESS" */
	unsigned fails;
	uint64_t last;
};

struct sessions {
	struct session s[MAX_SESSIONS];
	int used[MAX_SESSIONS];
	struct tries t[MAX_TRACKED];
};

int sessions_new(struct sessions **out)
{
	if (sodium_init() < 0)
		return CN_ECRYPTO;
	if (!(*out = calloc(1, sizeof(**out))))
		return CN_ENOMEM;
	return 0;
}

void sessions_free(struct sessions **ss)
{
	if (*ss)
		sodium_memzero(*ss, sizeof(**ss));
	free(*ss);
	*ss = NULL;
}

static void token(char out[65])
{
	uint8_t r[32];

	randombytes_buf(r, sizeof(r));
	sodium_bin2hex(out, 65, r, sizeof(r));
}

struct session *session_find(struct sessions *ss, const char *tok, uint64_t now)
{
	if (!tok || strlen(tok) != 64)
		return NULL;
	for (size_t i = 0; i < MAX_SESSIONS; i++) {
		struct session *s = &ss->s[i];
		if (!ss->used[i] || sodium_memcmp(s->token, tok, 64) != 0)
			continue;
		if (now > s->used + IDLE_SECS || now > s->created + AGE_SECS) {
			session_close(ss, s);
			return NULL;
		}
		s->used = now;
		return s;
	}
	return NULL;
}

struct session *session_open(struct sessions *ss, const struct web_user *u, uint64_t now)
{
	size_t pick = 0;

	/* A free slot, else the one idle longest. */
	for (size_t i = 0; i < MAX_SESSIONS; i++) {
		if (!ss->used[i]) {
			pick = i;
			break;
		}
		if (ss->s[i].used < ss->s[pick].used)
			pick = i;
	}
	struct session *s = &ss->s[pick];
	memset(s, 0, sizeof(*s));
	ss->used[pick] = 1;
	token(s->token);
	token(s->csrf);
	snprintf(s->user, sizeof(s->user), "%s", u->name);
	snprintf(s->hash, sizeof(s->hash), "%s", u->hash);
	s->role = u->role;
	s->created = s->used = now;
	return s;
}

void session_close(struct sessions *ss, struct session *s)
{
	size_t i = (size_t)(s - ss->s);

	sodium_memzero(s, sizeof(*s));
	ss->used[i] = 0;
}

void sessions_prune(struct sessions *ss, const struct web_users *u)
{
	for (size_t i = 0; i < MAX_SESSIONS; i++) {
		if (!ss->used[i])
			continue;
		const struct web_user *e = web_users_find(u, ss->s[i].user);
		if (!e || e->role != ss->s[i].role || strcmp(e->hash, ss->s[i].hash) != 0)
			session_close(ss, &ss->s[i]);
	}
}

int session_csrf_ok(const struct session *s, const char *value)
{
	return s && value && strlen(value) == 64 && sodium_memcmp(s->csrf, value, 64) == 0;
}

/* The record of key, made if make (reusing a forgotten or the oldest one). */
static struct tries *tries_of(struct sessions *ss, const char *key, int make, uint64_t now)
{
	struct tries *old = &ss->t[0];

	for (size_t i = 0; i < MAX_TRACKED; i++) {
		struct tries *t = &ss->t[i];
		if (t->fails && now > t->last + FORGET_SECS)
			memset(t, 0, sizeof(*t));
		if (t->fails && !strcmp(t->key, key))
			return t;
		if (t->last < old->last)
			old = t;
	}
	if (!make)
		return NULL;
	memset(old, 0, sizeof(*old));
	snprintf(old->key, sizeof(old->key), "%s", key);
	return old;
}

static uint64_t wait_of(const struct tries *t, unsigned allowed, uint64_t now)
{
	uint64_t wait = LOGIN_WAIT;

	if (!t || t->fails < allowed)
		return 0;
	for (unsigned k = allowed; k < t->fails && wait < WAIT_MAX; k++)
		wait *= 2;
	if (wait > WAIT_MAX)
		wait = WAIT_MAX;
	return now < t->last + wait ? t->last + wait - now : 0;
}

static void key_of(char *out, size_t len, char kind, const char *what)
{
	snprintf(out, len, "%c:%s", kind, what ? what : "");
}

uint64_t login_wait(struct sessions *ss, const char *user, const char *addr, uint64_t now)
{
	char ku[80], ka[80];
	uint64_t a, b;

	key_of(ku, sizeof(ku), 'u', user);
	key_of(ka, sizeof(ka), 'a', addr);
	a = wait_of(tries_of(ss, ku, 0, now), LOGIN_USER_TRIES, now);
	b = wait_of(tries_of(ss, ka, 0, now), LOGIN_ADDR_TRIES, now);
	return a > b ? a : b;
}

void login_failed(struct sessions *ss, const char *user, const char *addr, uint64_t now)
{
	char k[2][80];

	key_of(k[0], sizeof(k[0]), 'u', user);
	key_of(k[1], sizeof(k[1]), 'a', addr);
	for (int i = 0; i < 2; i++) {
		struct tries *t = tries_of(ss, k[i], 1, now);
		t->fails++;
		t->last = now;
	}
}

void login_ok(struct sessions *ss, const char *user, const char *addr)
{
	char k[2][80];

	key_of(k[0], sizeof(k[0]), 'u', user);
	key_of(k[1], sizeof(k[1]), 'a', addr);
	for (int i = 0; i < 2; i++) {
		struct tries *t = tries_of(ss, k[i], 0, 0);
		if (t)
			memset(t, 0, sizeof(*t));
	}
}

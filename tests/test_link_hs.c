/*
 * test_link_hs: node/link_hs.c, the lines about incoming connections that
 * failed their CURVE handshake. The loop may see a connection's ACCEPTED
 * only after the connection failed and closed (a busy machine): its address
 * is then unknown. That failure's line waits for a failure of the same kind
 * that names an address and is counted with it ("2 connections from
 * 127.0.0.1"); an unknown failure after that counts for the address that
 * failed the same way last (no line); one that finds no address within
 * HS_HOLD is written naming none, as is one held when the node stops.
 * The node's log (stderr) is caught in a file around each event.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "link_int.h"
#include "log.h"

static char logpath[] = "/tmp/test_link_hs.XXXXXX";

/* What the calls since the last one wrote to the log. */
static char *caught(void)
{
	static char buf[4096];
	FILE *f = fopen(logpath, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	buf[n] = 0;
	if (f)
		fclose(f);
	if (truncate(logpath, 0) != 0)
		buf[0] = 0;
	return buf;
}

/* An accepted TCP connection on 127.0.0.1 (its fd; *lfd and *cfd to close). */
static int loopback(int *lfd, int *cfd)
{
	struct sockaddr_in a = {0};
	socklen_t al = sizeof(a);
	int fd;

	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*lfd = socket(AF_INET, SOCK_STREAM, 0);
	*cfd = socket(AF_INET, SOCK_STREAM, 0);
	if (*lfd < 0 || *cfd < 0 || bind(*lfd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(*lfd, 1) != 0 || getsockname(*lfd, (struct sockaddr *)&a, &al) != 0 ||
	    connect(*cfd, (struct sockaddr *)&a, sizeof(a)) != 0)
		return -1;
	fd = accept(*lfd, NULL, NULL);
	return fd;
}

int main(void)
{
	struct link *l = calloc(1, sizeof(*l));
	int saved = dup(2), logfd = mkstemp(logpath), lfd = -1, cfd = -1, fd;
	char *out;

	CHECK(l && saved >= 0 && logfd >= 0);
	if (!l || saved < 0 || logfd < 0)
		return 1;
	fcntl(logfd, F_SETFL, O_APPEND); /* caught() truncates it */
	log_init(LOG_LVL_INFO, "t");
	fd = loopback(&lfd, &cfd);
	CHECK(fd >= 0);

	dup2(logfd, 2);
	/* a connection that closed before the loop looked: no address, held */
	link_hs_event(l, ZMQ_EVENT_ACCEPTED, 100000);
	link_hs_event(l, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, 0);
	link_hs_flush(l->hs, 0); /* the hold (10 s) has not passed */
	out = caught();
	dup2(saved, 2);
	CHECK_STR(out, "");

	dup2(logfd, 2);
	/* the client's retry names its address: one line for both */
	link_hs_event(l, ZMQ_EVENT_ACCEPTED, (uint32_t)fd);
	link_hs_event(l, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, 0);
	out = caught();
	dup2(saved, 2);
	CHECK(strstr(out, "2 connections from 127.0.0.1 failed their CURVE handshake") != NULL);
	CHECK(strstr(out, "another server key") != NULL);

	dup2(logfd, 2);
	/* another without an address: counted for 127.0.0.1, which failed so last */
	link_hs_event(l, ZMQ_EVENT_ACCEPTED, 100001);
	link_hs_event(l, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, 0);
	link_hs_flush(l->hs, 1);
	out = caught();
	dup2(saved, 2);
	CHECK_STR(out, "");

	dup2(logfd, 2);
	/* a refused key without an address: held, then written naming none at the stop */
	link_hs_event(l, ZMQ_EVENT_ACCEPTED, 100002);
	link_hs_event(l, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 0);
	link_hs_flush(l->hs, 0);
	out = caught();
	CHECK_STR(out, "");
	link_hs_free(l);
	out = caught();
	dup2(saved, 2);
	CHECK(strstr(out, "a connection from an unknown address failed its CURVE handshake: its "
	                  "key was refused") != NULL);

	close(fd);
	close(lfd);
	close(cfd);
	close(logfd);
	unlink(logpath);
	free(l);
	printf("test_link_hs: %d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}

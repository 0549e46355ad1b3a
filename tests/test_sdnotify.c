/* test_sdnotify: the service manager's notify protocol (base/sdnotify.c),
 * against a datagram socket standing in for systemd's. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"
#include "err.h"
#include "sdnotify.h"

/* A datagram socket at name (a path, or "@x" abstract) as systemd makes it. */
static int listener(const char *name)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	memcpy(sa.sun_path, name, n);
	if (name[0] == '@')
		sa.sun_path[0] = 0;
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, (socklen_t)(sizeof(sa.sun_family) + n)))
		return -1;
	return fd;
}

static void datagrams(const char *name)
{
	char buf[256];
	int fd = listener(name);
	ssize_t n;

	CHECK(fd >= 0);
	setenv("NOTIFY_SOCKET", name, 1);
	CHECK_INT(sdnotify("READY=1\nSTATUS=village 530102001001 running"), 0);
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	CHECK(n > 0);
	buf[n > 0 ? n : 0] = 0;
	CHECK_STR(buf, "READY=1\nSTATUS=village 530102001001 running");
	CHECK_INT(sdnotify("WATCHDOG=1"), 0);
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	buf[n > 0 ? n : 0] = 0;
	CHECK_STR(buf, "WATCHDOG=1");
	close(fd);
}

int main(void)
{
	char path[] = "/tmp/test_sdnotify.XXXXXX", sock[64], abs[64];

	/* outside systemd: nothing to tell, not an error */
	unsetenv("NOTIFY_SOCKET");
	CHECK_INT(sdnotify("READY=1"), 0);
	CHECK(mkdtemp(path) != NULL);
	snprintf(sock, sizeof(sock), "%s/notify", path);
	datagrams(sock);
	snprintf(abs, sizeof(abs), "@carenet-test-%d", (int)getpid());
	datagrams(abs);
	/* a relative name is not the protocol's; a socket nobody holds fails */
	setenv("NOTIFY_SOCKET", "notify", 1);
	CHECK_INT(sdnotify("READY=1"), CN_EINVAL);
	unlink(sock);
	setenv("NOTIFY_SOCKET", sock, 1);
	CHECK_INT(sdnotify("READY=1"), CN_EIO);
	rmdir(path);

	/* the watchdog: WATCHDOG_USEC, for this process only */
	unsetenv("WATCHDOG_PID");
	unsetenv("WATCHDOG_USEC");
	CHECK_INT(sdnotify_watchdog_us(), 0);
	setenv("WATCHDOG_USEC", "30000000", 1);
	CHECK_INT(sdnotify_watchdog_us(), 30000000);
	snprintf(sock, sizeof(sock), "%d", (int)getpid());
	setenv("WATCHDOG_PID", sock, 1);
	CHECK_INT(sdnotify_watchdog_us(), 30000000);
	setenv("WATCHDOG_PID", "1", 1);
	CHECK_INT(sdnotify_watchdog_us(), 0);
	unsetenv("WATCHDOG_PID");
	setenv("WATCHDOG_USEC", "30s", 1);
	CHECK_INT(sdnotify_watchdog_us(), 0);

	printf("test_sdnotify: %d checks, %d failed\n", checks, failures);
	return failures != 0;
}

/*
 * demo_web: the demo's web page. Once the scenario has played, the county's
 * operators' interface (`carenet web`, a separate keyless process that talks
 * to the node through its control socket) is started on a free loopback
 * port with one supervisor account, `demo`, whose password is written to
 * DIR/web-password (0600). The demo checks the page answers before it
 * prints the address, and stops the process with the network.
 *
 * The account and the server are made by running this same binary
 * (`carenet user add`, `carenet web`), as an operator would: tools/ does
 * not call into web/ (only main.c's command table names it).
 */
#include "demo_int.h"
#include "err.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WEB_USER "demo"
#define WEB_WAIT_MS 10000 /* for the page to answer */

/* A loopback port free now (the kernel's choice), or 0. */
static int free_port(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = 0;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* Runs exe with argv (stdout and stderr to log fd); if wait, waits and
 * returns the exit status, else returns the pid (-1 on failure). */
static pid_t run_self(const char *exe, char *const argv[], int logfd, int wait)
{
	pid_t pid, self = getpid();
	int st, nul;

	fflush(NULL);
	if ((pid = fork()) == 0) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != self)
			_exit(127);
		nul = open("/dev/null", O_RDONLY);
		if (nul < 0 || dup2(nul, STDIN_FILENO) < 0 || dup2(logfd, STDOUT_FILENO) < 0 ||
		    dup2(logfd, STDERR_FILENO) < 0)
			_exit(127);
		execv(exe, argv);
		_exit(127);
	}
	if (pid < 0 || !wait)
		return pid;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A password of 16 letters and digits from the kernel's random source. */
static int make_password(char out[17])
{
	static const char abc[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	unsigned char r[16];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, r, sizeof(r)) : -1;

	if (fd >= 0)
		close(fd);
	if (n != (ssize_t)sizeof(r))
		return CN_EIO;
	for (size_t i = 0; i < sizeof(r); i++)
		out[i] = abc[r[i] % (sizeof(abc) - 1)];
	out[16] = 0;
	return 0;
}

/* 1 once GET /login answers with an HTTP status line, 0 not yet. */
static int page_answers(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	static const char req[] = "GET /login HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
	struct timeval tv = {2, 0};
	char buf[16] = "";
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok = 0;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return 0;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    write(fd, req, sizeof(req) - 1) == (ssize_t)(sizeof(req) - 1) &&
	    read(fd, buf, sizeof(buf) - 1) >= 12)
		ok = !strncmp(buf, "HTTP/1.", 7);
	close(fd);
	return ok;
}

int demo_web_start(struct demo *d, const char *exe)
{
	const struct demo_node *county = &d->nodes[0];
	char pwfile[4096], log[4096], listen[32], pw[17];
	int port = free_port(), fd, rc;

	snprintf(pwfile, sizeof(pwfile), "%s/web-password", d->dir);
	snprintf(log, sizeof(log), "%s/web.log", d->dir);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	if (!port || make_password(pw) != 0)
		return CN_EIO;
	if ((rc = util_write_file(pwfile, pw, strlen(pw), 0600, 0)) != 0)
		return rc;
	if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0)
		return CN_EIO;
	rc = run_self(exe,
	              (char *const[]){(char *)exe, "user", "add", WEB_USER, "--role", "supervisor",
	                              "--password-file", pwfile, "-c", county->cfg, NULL},
	              fd, 1);
	if (rc == 0)
		d->web_pid = run_self(exe,
		                      (char *const[]){(char *)exe, "web", "-c", county->cfg,
		                                      "--listen", listen, NULL},
		                      fd, 0);
	close(fd);
	if (rc != 0 || d->web_pid <= 0) {
		fprintf(stderr, "demo: the web page did not start (%s)\n", log);
		d->web_pid = 0;
		return CN_EIO;
	}
	for (uint64_t end = util_mono_us() + WEB_WAIT_MS * 1000ULL; !page_answers(port);) {
		struct timespec ts = {0, 50 * 1000000L};
		if (util_mono_us() > end || waitpid(d->web_pid, NULL, WNOHANG) != 0) {
			fprintf(stderr, "demo: the web page did not answer on %s (%s)\n", listen,
			        log);
			return CN_EIO;
		}
		nanosleep(&ts, NULL);
	}
	printf("\n网页 Web page: http://%s/  (the %s's operators' interface, a separate "
	       "process holding no keys)\n  user 用户 %s (supervisor 主管), password 密码 in %s; "
	       "log %s\n",
	       listen, pki_role_name(county->role), WEB_USER, pwfile, log);
	fflush(stdout);
	return 0;
}

void demo_web_stop(struct demo *d)
{
	uint64_t end = util_mono_us() + 5000000ULL;

	if (d->web_pid <= 0)
		return;
	kill(d->web_pid, SIGTERM);
	while (waitpid(d->web_pid, NULL, WNOHANG) == 0) {
		struct timespec ts = {0, 50 * 1000000L};
		if (util_mono_us() > end) {
			kill(d->web_pid, SIGKILL);
			waitpid(d->web_pid, NULL, 0);
			break;
		}
		nanosleep(&ts, NULL);
	}
	d->web_pid = 0;
}

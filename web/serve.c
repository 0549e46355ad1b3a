/*
 * serve: `carenet web -c CFG` — the operators' web interface, a process of
 * its own beside the node (privilege separation): it reads node.cfg for
 * data_dir (control socket, accounts file), timezone and the web group,
 * never opens a key of the node, and asks the node everything through the
 * control socket as the signed-in user. HTTP by libmicrohttpd (http.c),
 * one internal thread; this thread waits for SIGTERM / SIGINT.
 *
 * Before the server's thread starts, web_sandbox (sandbox.c) takes the
 * process out of reach of the node's key files (Landlock).
 *
 * Serving beyond this machine needs TLS: a web.listen that is not a
 * loopback address is refused unless web.tls_cert and web.tls_key are set
 * (libmicrohttpd's GnuTLS; a build without it refuses too).
 */
#include "web_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "args.h"
#include "err.h"
#include "sdnotify.h"
#include "util.h"
#include "http.h"

static const char *prog = "carenet web";

/* ------------------------------------------------------------ listen */

/* "HOST:PORT" or "[V6]:PORT" (numeric hosts, or localhost) into sa. */
static int parse_listen(const char *s, struct sockaddr_storage *sa, int *loopback)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	char *end;
	long port;

	memset(sa, 0, sizeof(*sa));
	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return CN_EINVAL;
	port = strtol(colon + 1, &end, 10);
	if (*end || colon[1] == 0 || port < 1 || port > 65535)
		return CN_EINVAL;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = 0;
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = 0;
	}
	if (!strcmp(host, "localhost"))
		snprintf(host, sizeof(host), "127.0.0.1");
	struct sockaddr_in *v4 = (struct sockaddr_in *)sa;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)sa;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		*loopback = (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		*loopback = IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr);
		return 0;
	}
	return CN_EINVAL;
}

/* The PEM files of web.tls_cert and web.tls_key, read (NUL-terminated). */
static int read_tls(const struct config *cfg, uint8_t **cert, uint8_t **key)
{
	size_t len;
	int rc;

	*cert = *key = NULL;
	if ((rc = util_read_file(cfg->web_tls_cert, 1 << 20, cert, &len)) != 0) {
		fprintf(stderr, "%s: web.tls_cert %s: %s\n", prog, cfg->web_tls_cert,
		        cn_strerror(rc));
		return rc;
	}
	if ((rc = util_read_file(cfg->web_tls_key, 1 << 20, key, &len)) != 0)
		fprintf(stderr, "%s: web.tls_key %s: %s\n", prog, cfg->web_tls_key,
		        cn_strerror(rc));
	return rc;
}

/* Refuses what must not start; reads the TLS files. */
static int check_listen(struct web *w, const char *listen, struct sockaddr_storage *sa,
                        uint8_t **cert, uint8_t **key)
{
	const struct config *cfg = w->cfg;
	int loopback = 0;
	int tls = cfg->web_tls_cert[0] || cfg->web_tls_key[0];

	*cert = *key = NULL;
	if (parse_listen(listen, sa, &loopback) != 0) {
		fprintf(stderr,
		        "%s: web.listen %s: give a numeric HOST:PORT (127.0.0.1:8080, "
		        "[::1]:8080, 0.0.0.0:443)\n",
		        prog, listen);
		return CN_EINVAL;
	}
	if (tls && !(cfg->web_tls_cert[0] && cfg->web_tls_key[0])) {
		fprintf(stderr, "%s: set both web.tls_cert and web.tls_key (or neither) in %s\n",
		        prog, cfg->path);
		return CN_EINVAL;
	}
	if (tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		fprintf(stderr,
		        "%s: this libmicrohttpd was built without TLS: serve on a loopback "
		        "address without web.tls_cert, behind a TLS proxy\n",
		        prog);
		return CN_EPERM;
	}
	if (!loopback && !tls) {
		fprintf(
		    stderr,
		    "%s: web.listen %s is not a loopback address: serving beyond this machine "
		    "needs TLS; set web.tls_cert and web.tls_key in %s (or listen on 127.0.0.1)\n",
		    prog, listen, cfg->path);
		return CN_EPERM;
	}
	w->tls = tls;
	return tls ? read_tls(cfg, cert, key) : 0;
}

/* ------------------------------------------------------------ main */

static const struct args_opt web_opts[] = {
    {"config", 'c', "CFG", "the node's configuration (default " CONFIG_DEFAULT_PATH ")"},
    {"listen", ARGS_LONG('l'), "HOST:PORT", "instead of web.listen"},
    {0}};
static const struct args_cmd web_cmd = {
    "carenet web", "[-c CFG] [--listen HOST:PORT]",
    "Serves this office's web interface (网页) on web.listen (default\n"
    "127.0.0.1:8080): overview, inbox, directives, records, in Chinese with an\n"
    "English switch. A separate process that holds no key: it asks the node\n"
    "through its control socket, as the signed-in user (audited as NAME@web).\n"
    "Accounts: carenet user add NAME --role ROLE. A non-loopback address needs\n"
    "web.tls_cert and web.tls_key (refused otherwise, exit 4). SIGTERM stops it.\n",
    web_opts, NULL};

static struct MHD_Daemon *start(struct web *w, const struct sockaddr_storage *sa,
                                const uint8_t *cert, const uint8_t *key)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
	                 (sa->ss_family == AF_INET6 ? MHD_USE_IPv6 : 0) |
	                 (w->tls ? MHD_USE_TLS : 0);

	if (w->tls)
		return MHD_start_daemon(flags, 0, NULL, NULL, http_handle, w, MHD_OPTION_SOCK_ADDR,
		                        sa, MHD_OPTION_HTTPS_MEM_CERT, cert,
		                        MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_NOTIFY_COMPLETED,
		                        http_done, w, MHD_OPTION_CONNECTION_LIMIT, 64U,
		                        MHD_OPTION_CONNECTION_TIMEOUT, 30U, MHD_OPTION_END);
	return MHD_start_daemon(flags, 0, NULL, NULL, http_handle, w, MHD_OPTION_SOCK_ADDR, sa,
	                        MHD_OPTION_NOTIFY_COMPLETED, http_done, w,
	                        MHD_OPTION_CONNECTION_LIMIT, 64U, MHD_OPTION_CONNECTION_TIMEOUT,
	                        30U, MHD_OPTION_END);
}

static int serve(struct web *w, const char *listen, const struct sockaddr_storage *sa,
                 const uint8_t *cert, const uint8_t *key)
{
	struct MHD_Daemon *d;
	sigset_t set;
	int sig = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* the server's thread inherits it */
	web_standards_load(w);                  /* the standards' files: before the sandbox */
	web_sandbox(w->cfg);                    /* and this, before it exists */
	if (!(d = start(w, sa, cert, key))) {
		fprintf(stderr, "%s: cannot serve on %s: %s (in use? another carenet web?)\n", prog,
		        listen, strerror(errno));
		return CN_EIO;
	}
	fprintf(stderr, "%s: serving %s://%s/ for the node of %s\n", prog,
	        w->tls ? "https" : "http", listen, w->cfg->path);
	if (!w->users.n)
		fprintf(stderr,
		        "%s: no accounts yet: carenet user add NAME --role operator -c %s\n", prog,
		        w->cfg->path);
	sdnotify("READY=1");
	while (sigwait(&set, &sig) != 0 || (sig != SIGTERM && sig != SIGINT))
		;
	sdnotify("STOPPING=1");
	MHD_stop_daemon(d);
	fprintf(stderr, "%s: stopped (signal %d)\n", prog, sig);
	return 0;
}

static int parse(int argc, char **argv, const char **cfgpath, const char **listen)
{
	struct args a;
	int ch;

	*cfgpath = CONFIG_DEFAULT_PATH;
	*listen = NULL;
	args_begin(&a, &web_cmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END) {
		switch (ch) {
		case 'c':
			*cfgpath = a.val;
			break;
		case ARGS_LONG('l'):
			*listen = a.val;
			break;
		default:
			return a.exit ? a.exit : 1;
		}
	}
	return args_operands(&a, 0, 0);
}

int cmd_web(int argc, char **argv)
{
	struct web w;
	struct sockaddr_storage sa;
	const char *cfgpath, *listen;
	uint8_t *cert = NULL, *key = NULL;
	char err[512];
	int rc = parse(argc, argv, &cfgpath, &listen);

	if (rc)
		return rc == 1 ? 0 : rc;
	memset(&w, 0, sizeof(w));
	if ((rc = config_load(cfgpath, &w.cfg, err, sizeof(err))) != 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return cn_exit_code(rc);
	}
	if (!listen)
		listen = w.cfg->web_listen;
	if ((rc = check_listen(&w, listen, &sa, &cert, &key)) == 0) {
		/* cookies ignore the port: two instances on a host need two names */
		snprintf(w.cookie, sizeof(w.cookie), "cn_session_%u",
		         ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port
		                                        : ((struct sockaddr_in *)&sa)->sin_port));
		rc = http_init(&w);
	}
	if (rc == 0)
		rc = serve(&w, listen, &sa, cert, key);
	http_fini(&w);
	if (key)
		sodium_memzero(key, strlen((char *)key));
	free(cert);
	free(key);
	config_free(&w.cfg);
	return cn_exit_code(rc);
}

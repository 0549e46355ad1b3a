/*
 * sandbox: `carenet web` takes itself out of reach of the node's keys
 * (web_int.h). Before its server thread starts it asks the kernel
 * (Landlock, Linux 5.13+; Debian 12's 6.1 has it) to let this process and
 * every thread it starts after read only the node's data directory (the
 * accounts file; the control socket is connected to, not opened), the
 * zone files, glibc's iconv modules (a GB18030 ledger to import),
 * /dev/urandom and its own /proc entries, and write nowhere. Then it checks: opening
 * identity.key, identity.curve and identity.records_key must fail. The
 * systemd unit adds InaccessiblePaths= for the same files, for a kernel
 * without Landlock.
 */
#include "web_int.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "err.h"

#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif

#define FS_V1                                                                                      \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                              \
	 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |                              \
	 LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |                          \
	 LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |                              \
	 LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |                              \
	 LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |                            \
	 LANDLOCK_ACCESS_FS_MAKE_SYM)

/* Lets the ruleset read path (a directory, or a file with dir 0). A path
 * that does not exist is skipped. */
static int allow(int ruleset, const char *path, int dir)
{
	struct landlock_path_beneath_attr pb = {0};
	int rc = 0;

	pb.allowed_access = LANDLOCK_ACCESS_FS_READ_FILE | (dir ? LANDLOCK_ACCESS_FS_READ_DIR : 0);
	if ((pb.parent_fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : -1;
	if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) != 0)
		rc = -1;
	close(pb.parent_fd);
	return rc;
}

/* Where glibc keeps its iconv modules (gconv): Debian's multiarch paths,
 * then others'; those that do not exist are skipped. */
static int allow_gconv(int ruleset)
{
	static const char *const dirs[] = {"/usr/lib/x86_64-linux-gnu/gconv",
	                                   "/usr/lib/aarch64-linux-gnu/gconv",
	                                   "/usr/lib/i386-linux-gnu/gconv",
	                                   "/usr/lib/arm-linux-gnueabihf/gconv",
	                                   "/usr/lib64/gconv",
	                                   "/usr/lib/gconv"};

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (allow(ruleset, dirs[i], 1))
			return -1;
	return 0;
}

static int restrict_self(const struct config *cfg, char *why, size_t len)
{
	struct landlock_ruleset_attr ra = {0};
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	int fd, rc = 0;

	if (abi < 1) {
		snprintf(why, len, "this kernel has no Landlock (%s)", strerror(errno));
		return CN_EPERM;
	}
	ra.handled_access_fs = FS_V1 | (abi >= 2 ? LANDLOCK_ACCESS_FS_REFER : 0) |
	                       (abi >= 3 ? LANDLOCK_ACCESS_FS_TRUNCATE : 0);
	if ((fd = (int)syscall(SYS_landlock_create_ruleset, &ra, sizeof(ra), 0)) < 0) {
		snprintf(why, len, "landlock_create_ruleset: %s", strerror(errno));
		return CN_EPERM;
	}
	/* /proc/self: this process's own entries (LeakSanitizer reads them);
	 * glibc's gconv modules: iconv reads GB18030 ledgers (roles_record_csv) */
	if (allow(fd, cfg->data_dir, 1) || allow(fd, "/usr/share/zoneinfo", 1) ||
	    allow(fd, "/dev/urandom", 0) || allow(fd, "/proc/self", 1) || allow_gconv(fd)) {
		snprintf(why, len, "landlock_add_rule: %s", strerror(errno));
		rc = CN_EPERM;
	} else if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	           syscall(SYS_landlock_restrict_self, fd, 0) != 0) {
		snprintf(why, len, "landlock_restrict_self: %s", strerror(errno));
		rc = CN_EPERM;
	}
	close(fd);
	return rc;
}

int web_sandbox(const struct config *cfg)
{
	const char *keys[] = {cfg->key_file, cfg->curve_file, cfg->records_key_file};
	char why[256];
	int readable = 0;

	if (restrict_self(cfg, why, sizeof(why)) != 0)
		fprintf(stderr, "carenet web: warning: %s\n", why);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		int fd = open(keys[i], O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			fprintf(stderr,
			        "carenet web: warning: this process can read the node's key %s "
			        "(run it under carenet-web.service, which denies it)\n",
			        keys[i]);
			readable++;
		}
	}
	if (!readable)
		fprintf(stderr,
		        "carenet web: the node's keys are out of this process's reach "
		        "(%s, %s, %s)\n",
		        keys[0], keys[1], keys[2]);
	return readable ? CN_EPERM : 0;
}

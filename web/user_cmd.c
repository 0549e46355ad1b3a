/*
 * user_cmd: `carenet user add|passwd|list|remove` — the web interface's
 * accounts in DATA_DIR/web-users (users.c). Run as the node's user (the
 * data directory is 0700); the node need not be running. A password comes
 * from --password-file (its first line) or is asked twice on the terminal
 * without echo. `carenet web` reads the file again when it changes: a
 * removed account, or a new role or password, ends its open sessions.
 */
#include "web_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "args.h"
#include "csv.h"
#include "err.h"
#include "json.h"
#include "util.h"

struct uopts {
	const char *cfgpath, *role, *pwfile, *name;
	int json, csv;
};

static const struct args_opt o_cfg = {"config", 'c', "CFG",
                                      "the node's configuration (default " CONFIG_DEFAULT_PATH ")"};
static const struct args_opt o_pwfile = {"password-file", ARGS_LONG('p'), "FILE",
                                         "the password: FILE's first line (default: asked twice "
                                         "on\nthe terminal, without echo)"};

static int parse(int argc, char **argv, const struct args_cmd *cmd, int operands, struct uopts *o)
{
	struct args a;
	int ch;

	memset(o, 0, sizeof(*o));
	o->cfgpath = CONFIG_DEFAULT_PATH;
	args_begin(&a, cmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END) {
		switch (ch) {
		case 'c':
			o->cfgpath = a.val;
			break;
		case ARGS_LONG('r'):
			o->role = a.val;
			break;
		case ARGS_LONG('p'):
			o->pwfile = a.val;
			break;
		case 'j':
			o->json = 1;
			break;
		case ARGS_LONG('v'):
			o->csv = 1;
			break;
		default:
			return a.exit ? a.exit : 1;
		}
	}
	if (args_operands(&a, operands, operands) != 0)
		return CN_EXIT_USAGE;
	o->name = operands ? argv[a.ind] : NULL;
	if (o->name && !web_name_ok(o->name))
		return args_usage_error(cmd,
		                        "NAME %s: give 1 to %d letters, digits, '.', '_' or '-'",
		                        o->name, WEB_NAME_MAX);
	return 0;
}

/* The accounts file of cfgpath's node, loaded. */
static int load(const char *prog, const char *cfgpath, char **path, struct web_users *u)
{
	struct config *cfg = NULL;
	char err[512];
	int rc;

	*path = NULL;
	u->v = NULL;
	u->n = 0;
	if ((rc = config_load(cfgpath, &cfg, err, sizeof(err))) != 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return rc;
	}
	*path = web_users_path(cfg->data_dir);
	config_free(&cfg);
	if (!*path)
		return CN_ENOMEM;
	if ((rc = web_users_load(*path, u)) != 0)
		fprintf(stderr, "%s: %s: %s (%s)\n", prog, *path,
		        rc == CN_EINVAL ? "a line is not NAME:ROLE:CREATED:HASH" : cn_strerror(rc),
		        rc == CN_EIO ? strerror(errno) : "fix or remove the file");
	return rc;
}

static int save(const char *prog, const char *path, const struct web_users *u)
{
	int rc = web_users_save(path, u);

	if (rc != 0)
		fprintf(stderr,
		        "%s: cannot write %s: %s (run as the node's user; the node creates "
		        "its data directory at first start)\n",
		        prog, path, strerror(errno));
	return rc;
}

static void strip(char *s)
{
	s[strcspn(s, "\r\n")] = 0;
}

static int ask(const char *prompt, char *out, size_t len)
{
	struct termios old, quiet;
	int tty = tcgetattr(STDIN_FILENO, &old) == 0;

	if (!tty)
		return CN_EINVAL;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	fputs(prompt, stderr);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	char *got = fgets(out, (int)len, stdin);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	if (!got)
		return CN_EIO;
	strip(out);
	return 0;
}

/* The new password, from --password-file or the terminal; checked. */
static int password(const char *prog, const char *file, char *pw, size_t len)
{
	char again[WEB_PASSWORD_MAX + 2];
	int rc = 0;

	if (file) {
		FILE *f = fopen(file, "r");
		if (!f || !fgets(pw, (int)len, f)) {
			fprintf(stderr, "%s: --password-file %s: %s\n", prog, file,
			        f ? "empty" : strerror(errno));
			rc = f ? CN_EINVAL : CN_ENOTFOUND;
		}
		if (f)
			fclose(f);
		strip(pw);
	} else if ((rc = ask("password: ", pw, len)) == 0 &&
	           (rc = ask("again: ", again, sizeof(again))) == 0 && strcmp(pw, again) != 0) {
		fprintf(stderr, "%s: the two passwords differ; nothing changed\n", prog);
		rc = CN_EINVAL;
	} else if (rc == CN_EINVAL) {
		fprintf(stderr,
		        "%s: no terminal to ask the password on: give --password-file FILE\n",
		        prog);
	}
	sodium_memzero(again, sizeof(again));
	if (rc == 0 && (strlen(pw) < WEB_PASSWORD_MIN || strlen(pw) > WEB_PASSWORD_MAX)) {
		fprintf(stderr, "%s: a password has %d to %d characters\n", prog, WEB_PASSWORD_MIN,
		        WEB_PASSWORD_MAX);
		rc = CN_EINVAL;
	}
	return rc;
}

/* Sets u's hash from a new password. */
static int set_password(const char *prog, const char *file, struct web_user *u)
{
	char pw[WEB_PASSWORD_MAX + 2];
	int rc = password(prog, file, pw, sizeof(pw));

	if (rc == 0 && (rc = web_hash_password(pw, u->hash)) != 0)
		fprintf(stderr, "%s: cannot hash the password: %s\n", prog, cn_strerror(rc));
	sodium_memzero(pw, sizeof(pw));
	return rc;
}

/* ------------------------------------------------------------ add */

static const struct args_opt add_opts[] = {
    o_cfg,
    {"role", ARGS_LONG('r'), "ROLE",
     "viewer (looks), operator (acknowledges, writes records,\n"
     "reveals) or supervisor (also issues directives)"},
    o_pwfile,
    {0}};
static const struct args_cmd add_cmd = {
    "carenet user add", "NAME --role ROLE [--password-file FILE] [-c CFG]",
    "Adds an account of the web interface (carenet web). The password is hashed\n"
    "with Argon2id; the file is DATA_DIR/web-users (0600).\n",
    add_opts, NULL};

static int user_add(int argc, char **argv)
{
	const char *prog = "carenet user add";
	struct web_users u;
	struct web_user *e;
	struct uopts o;
	char *path = NULL;
	int rc = parse(argc, argv, &add_cmd, 1, &o), role;

	if (rc)
		return rc == 1 ? 0 : rc;
	if (!o.role)
		return args_usage_error(&add_cmd, "give --role viewer|operator|supervisor");
	if (!(role = web_role_parse(o.role)))
		return args_usage_error(&add_cmd, "--role %s: give viewer, operator or supervisor",
		                        o.role);
	if ((rc = load(prog, o.cfgpath, &path, &u)) != 0)
		goto out;
	if (web_users_find(&u, o.name) || u.n >= WEB_MAX_USERS) {
		fprintf(stderr, "%s: %s\n", prog,
		        u.n >= WEB_MAX_USERS ? "too many accounts"
		                             : "that account exists (carenet "
		                               "user passwd NAME, or remove it)");
		rc = CN_EEXIST;
		goto out;
	}
	e = &u.v[u.n];
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", o.name);
	e->role = role;
	e->created = util_now();
	if ((rc = set_password(prog, o.pwfile, e)) == 0) {
		u.n++;
		if ((rc = save(prog, path, &u)) == 0)
			printf("account %s (%s) added\n", o.name, web_role_name(role));
	}
out:
	web_users_free(&u);
	free(path);
	return cn_exit_code(rc);
}

/* ------------------------------------------------------------ passwd */

static const struct args_opt passwd_opts[] = {o_cfg, o_pwfile, {0}};
static const struct args_cmd passwd_cmd = {
    "carenet user passwd", "NAME [--password-file FILE] [-c CFG]",
    "Sets an account's password; its open sessions end.\n", passwd_opts, NULL};

static int user_passwd(int argc, char **argv)
{
	const char *prog = "carenet user passwd";
	struct web_users u;
	struct web_user *e;
	struct uopts o;
	char *path = NULL;
	int rc = parse(argc, argv, &passwd_cmd, 1, &o);

	if (rc)
		return rc == 1 ? 0 : rc;
	if ((rc = load(prog, o.cfgpath, &path, &u)) != 0)
		goto out;
	if (!(e = web_users_find(&u, o.name))) {
		fprintf(stderr, "%s: no account %s (carenet user list)\n", prog, o.name);
		rc = CN_ENOTFOUND;
	} else if ((rc = set_password(prog, o.pwfile, e)) == 0 &&
	           (rc = save(prog, path, &u)) == 0) {
		printf("password of %s changed\n", o.name);
	}
out:
	web_users_free(&u);
	free(path);
	return cn_exit_code(rc);
}

/* ------------------------------------------------------------ remove */

static const struct args_opt remove_opts[] = {o_cfg, {0}};
static const struct args_cmd remove_cmd = {"carenet user remove", "NAME [-c CFG]",
                                           "Removes an account; its open sessions end.\n",
                                           remove_opts, NULL};

static int user_remove(int argc, char **argv)
{
	const char *prog = "carenet user remove";
	struct web_users u;
	struct web_user *e;
	struct uopts o;
	char *path = NULL;
	int rc = parse(argc, argv, &remove_cmd, 1, &o);

	if (rc)
		return rc == 1 ? 0 : rc;
	if ((rc = load(prog, o.cfgpath, &path, &u)) != 0)
		goto out;
	if (!(e = web_users_find(&u, o.name))) {
		fprintf(stderr, "%s: no account %s (carenet user list)\n", prog, o.name);
		rc = CN_ENOTFOUND;
		goto out;
	}
	memmove(e, e + 1, (size_t)(u.v + u.n - (e + 1)) * sizeof(*e));
	u.n--;
	if ((rc = save(prog, path, &u)) == 0)
		printf("account %s removed\n", o.name);
out:
	web_users_free(&u);
	free(path);
	return cn_exit_code(rc);
}

/* ------------------------------------------------------------ list */

static const struct args_opt list_opts[] = {
    o_cfg,
    {"json", 'j', NULL, "[{name, role, role_zh, created}]"},
    {"csv", ARGS_LONG('v'), NULL, "name,role,role_zh,created (UTF-8 with BOM)"},
    {0}};
static const struct args_cmd list_cmd = {"carenet user list", "[--json|--csv] [-c CFG]",
                                         "The web interface's accounts (never a hash).\n",
                                         list_opts, NULL};

static void list_print(const struct web_users *u, const struct uopts *o)
{
	char when[32];

	if (o->json) {
		struct json j;
		json_init(&j, stdout);
		json_arr_begin(&j, NULL);
		for (size_t i = 0; i < u->n; i++) {
			json_obj_begin(&j, NULL);
			json_str(&j, "name", u->v[i].name);
			json_str(&j, "role", web_role_name(u->v[i].role));
			json_str(&j, "role_zh", web_role_zh(u->v[i].role));
			json_u64(&j, "created", u->v[i].created);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_finish(&j);
		return;
	}
	if (o->csv) {
		const char *head[] = {"name", "role", "role_zh", "created"};
		csv_write_bom(stdout);
		csv_write_row(stdout, head, 4);
	} else {
		printf("%-32s %-10s %-19s %s\n", "NAME", "ROLE", "CREATED (UTC)", "角色");
	}
	for (size_t i = 0; i < u->n; i++) {
		util_fmt_time(u->v[i].created, "UTC", when, sizeof(when));
		const char *cells[] = {u->v[i].name, web_role_name(u->v[i].role),
		                       web_role_zh(u->v[i].role), when};
		if (o->csv)
			csv_write_row(stdout, cells, 4);
		else
			printf("%-32s %-10s %-19s %s\n", cells[0], cells[1], when, cells[2]);
	}
}

static int user_list(int argc, char **argv)
{
	struct web_users u;
	struct uopts o;
	char *path = NULL;
	int rc = parse(argc, argv, &list_cmd, 0, &o);

	if (rc)
		return rc == 1 ? 0 : rc;
	if (o.json && o.csv)
		return args_usage_error(&list_cmd, "give at most one of --json and --csv");
	if ((rc = load("carenet user list", o.cfgpath, &path, &u)) == 0)
		list_print(&u, &o);
	web_users_free(&u);
	free(path);
	return cn_exit_code(rc);
}

static const struct args_sub user_subs[] = {
    {"add", user_add, "add an account: NAME --role viewer|operator|supervisor"},
    {"passwd", user_passwd, "set an account's password"},
    {"list", user_list, "the accounts"},
    {"remove", user_remove, "remove an account"},
};
static const struct args_group user_group = {
    "carenet user", "Accounts of the web interface (carenet web; 网页账户).", user_subs,
    sizeof(user_subs) / sizeof(user_subs[0]), NULL};

int cmd_user(int argc, char **argv)
{
	return args_dispatch(&user_group, argc, argv);
}

/* args: options as tables, usage and help built from them (args.h). */
#include "args.h"

#include <getopt.h>
#include <stdarg.h>
#include <string.h>

#include "err.h"

static const char *current_prog = "carenet"; /* getopt's globals are the model */

const char *args_prog(void)
{
	return current_prog;
}

static const struct args_opt help_opt = {"help", 'h', NULL, "this help"};

static size_t nopts(const struct args_cmd *cmd)
{
	size_t n = 0;

	while (cmd->opts && cmd->opts[n].name)
		n++;
	return n < ARGS_MAX_OPTS - 2 ? n : ARGS_MAX_OPTS - 2;
}

/* "  -c, --config CFG" / "      --json" into buf; its length. */
static int opt_head(const struct args_opt *o, char *buf, size_t len)
{
	int n = o->key < 0x100 ? snprintf(buf, len, "  -%c, --%s", o->key, o->name)
	                       : snprintf(buf, len, "      --%s", o->name);
	if (o->arg && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " %s", o->arg);
	return n;
}

static void print_opt(FILE *f, const struct args_opt *o, int col)
{
	char head[128];
	const char *h = o->help ? o->help : "", *nl;
	int n = opt_head(o, head, sizeof(head));

	fprintf(f, "%s%*s", head, col - n, "");
	while ((nl = strchr(h, '\n'))) {
		fprintf(f, "%.*s\n%*s", (int)(nl - h), h, col, "");
		h = nl + 1;
	}
	fprintf(f, "%s\n", h);
}

static void print_synopsis(const struct args_cmd *cmd, FILE *f)
{
	const char *s = cmd->synopsis ? cmd->synopsis : "", *nl;

	fprintf(f, "usage: ");
	while ((nl = strchr(s, '\n'))) {
		fprintf(f, "%s %.*s\n       ", cmd->prog, (int)(nl - s), s);
		s = nl + 1;
	}
	fprintf(f, "%s%s%s\n", cmd->prog, s[0] ? " " : "", s);
}

void args_help(const struct args_cmd *cmd, FILE *f)
{
	size_t n = nopts(cmd);
	char head[128];
	int col = opt_head(&help_opt, head, sizeof(head)) + 2, w;

	for (size_t i = 0; i < n; i++)
		if ((w = opt_head(&cmd->opts[i], head, sizeof(head)) + 2) > col)
			col = w;
	print_synopsis(cmd, f);
	if (cmd->about)
		fprintf(f, "\n%s", cmd->about);
	fprintf(f, "\n");
	for (size_t i = 0; i < n; i++)
		print_opt(f, &cmd->opts[i], col);
	print_opt(f, &help_opt, col);
	if (cmd->epilog)
		fprintf(f, "\n%s", cmd->epilog);
	fprintf(f, "\n%s", CN_EXIT_TEXT);
}

int args_usage_error(const struct args_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cmd->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	print_synopsis(cmd, stderr);
	fprintf(stderr, "(%s --help for details)\n", cmd->prog);
	return 2;
}

void args_begin(struct args *a, const struct args_cmd *cmd, int argc, char **argv)
{
	memset(a, 0, sizeof(*a));
	a->cmd = cmd;
	a->argc = argc;
	a->argv = argv;
	current_prog = cmd->prog;
	optind = 0; /* glibc: a full reset, for processes that parse again */
	opterr = 0;
}

/* The getopt tables from ours: ":c:nh" and the struct options. */
static void tables(const struct args_cmd *cmd, char *shorts, struct option *lo)
{
	size_t n = nopts(cmd), k = 0, s = 0;

	shorts[s++] = ':';
	for (size_t i = 0; i <= n; i++) {
		const struct args_opt *o = i < n ? &cmd->opts[i] : &help_opt;
		lo[k].name = o->name;
		lo[k].has_arg = o->arg ? required_argument : no_argument;
		lo[k].flag = NULL;
		lo[k++].val = o->key;
		if (o->key < 0x100) {
			shorts[s++] = (char)o->key;
			if (o->arg)
				shorts[s++] = ':';
		}
	}
	shorts[s] = 0;
	memset(&lo[k], 0, sizeof(lo[k]));
}

int args_next(struct args *a)
{
	char shorts[3 * ARGS_MAX_OPTS + 2];
	struct option lo[ARGS_MAX_OPTS];
	const char *bad;
	int ch;

	tables(a->cmd, shorts, lo);
	ch = getopt_long(a->argc, a->argv, shorts, lo, NULL);
	a->val = optarg;
	a->ind = optind;
	if (ch == -1)
		return ARGS_END;
	if (ch == 'h') {
		args_help(a->cmd, stdout);
		a->exit = 0;
		return ARGS_EXIT;
	}
	if (ch != '?' && ch != ':')
		return ch;
	bad = optind > 0 && optind <= a->argc ? a->argv[optind - 1] : "?";
	if (ch == ':')
		a->exit = args_usage_error(a->cmd, "option %s needs a value", bad);
	else if (optopt && optopt < 0x100 && bad[0] == '-' && bad[1] != '-')
		a->exit = args_usage_error(a->cmd, "unknown option -%c", optopt);
	else
		a->exit = args_usage_error(a->cmd, "unknown option %s", bad);
	return ARGS_EXIT;
}

int args_operands(struct args *a, int min, int max)
{
	int n = a->argc - a->ind;

	if (n < min)
		return args_usage_error(a->cmd, "missing operand");
	if (n > max)
		return args_usage_error(a->cmd, "unexpected operand '%s'", a->argv[a->ind + max]);
	return 0;
}

void args_group_help(const struct args_group *g, FILE *f)
{
	fprintf(f, "usage: %s COMMAND [ARGS]   (%s COMMAND --help for details)\n", g->prog,
	        g->prog);
	if (g->about)
		fprintf(f, "\n%s", g->about);
	fprintf(f, "\ncommands:\n");
	for (size_t i = 0; i < g->nsubs; i++)
		fprintf(f, "  %-10s %s\n", g->subs[i].name, g->subs[i].summary);
	if (g->epilog)
		fprintf(f, "\n%s", g->epilog);
}

int args_dispatch(const struct args_group *g, int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "%s: which command? (%s --help lists them)\n", g->prog, g->prog);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		args_group_help(g, stdout);
		return 0;
	}
	for (size_t i = 0; i < g->nsubs; i++)
		if (strcmp(argv[1], g->subs[i].name) == 0)
			return g->subs[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown command '%s' (%s --help lists them)\n", g->prog, argv[1],
	        g->prog);
	return 2;
}

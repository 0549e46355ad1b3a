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

/* How --help renders (args_set_format): the CLI's one mode switch, set once
 * by `carenet help --man` / `--words` before it calls a command's --help. */
static enum args_format format = ARGS_FMT_TEXT;
static int man_depth; /* 0: the page's command; 1: a subcommand's section */

void args_set_format(enum args_format f)
{
	format = f;
	man_depth = 0;
}

enum args_format args_get_format(void)
{
	return format;
}

/* roff: text with '\' escaped, '-' as \- and a leading '.' or '\'' made
 * literal, so a help text cannot issue requests. */
void args_roff(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i]; i++) {
		if (i == 0 && (s[i] == '.' || s[i] == '\''))
			fputs("\\&", f);
		if (s[i] == '\\')
			fputs("\\e", f);
		else if (s[i] == '-')
			fputs("\\-", f);
		else
			fputc(s[i], f);
	}
}

/* Paragraphs of a help text as roff: lines that start with a space are
 * kept as they are (examples), others are filled; a blank line is .PP. */
void args_roff_text(FILE *f, const char *s)
{
	int nofill = 0;

	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);

		if (n == 0) {
			fputs(nofill ? ".fi\n.PP\n" : ".PP\n", f);
			nofill = 0;
		} else {
			if ((s[0] == ' ') != nofill) {
				nofill = s[0] == ' ';
				fputs(nofill ? ".nf\n" : ".fi\n", f);
			}
			args_roff(f, s, n);
			fputc('\n', f);
		}
		s += n + (nl != NULL);
	}
	if (nofill)
		fputs(".fi\n", f);
}

static void man_opt(FILE *f, const struct args_opt *o)
{
	fputs(".TP\n.B ", f);
	if (o->key < 0x100)
		fprintf(f, "\\-%c, ", o->key);
	fputs("\\-\\-", f);
	args_roff(f, o->name, strlen(o->name));
	if (o->arg) {
		fputs(" \\fI", f);
		args_roff(f, o->arg, strlen(o->arg));
		fputs("\\fR", f);
	}
	fputc('\n', f);
	args_roff_text(f, o->help ? o->help : "");
}

static size_t nopts(const struct args_cmd *cmd);

static void man_help(const struct args_cmd *cmd, FILE *f)
{
	const char *sec = man_depth ? ".SS" : ".SH";
	const char *s = cmd->synopsis ? cmd->synopsis : "", *nl;

	if (man_depth) {
		fputs(".SH \"", f);
		args_roff(f, cmd->prog, strlen(cmd->prog));
		fputs("\"\n", f);
	}
	fprintf(f, "%s SYNOPSIS\n", sec);
	for (;;) {
		nl = strchr(s, '\n');
		fputs(".B ", f);
		args_roff(f, cmd->prog, strlen(cmd->prog));
		fputc('\n', f);
		args_roff(f, s, nl ? (size_t)(nl - s) : strlen(s));
		fputs("\n.br\n", f);
		if (!nl)
			break;
		s = nl + 1;
	}
	if (cmd->about) {
		fprintf(f, "%s DESCRIPTION\n", sec);
		args_roff_text(f, cmd->about);
	}
	fprintf(f, "%s OPTIONS\n", sec);
	for (size_t i = 0; i < nopts(cmd); i++)
		man_opt(f, &cmd->opts[i]);
	man_opt(f, &help_opt);
	if (cmd->epilog) {
		fprintf(f, "%s NOTES\n", sec);
		args_roff_text(f, cmd->epilog);
	}
}

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

	if (format == ARGS_FMT_MAN) {
		man_help(cmd, f);
		return;
	}
	if (format == ARGS_FMT_WORDS) { /* for shell completion */
		for (size_t i = 0; i < n; i++)
			fprintf(f, "--%s\n", cmd->opts[i].name);
		fputs("--help\n", f);
		return;
	}
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
	fprintf(stderr, "(%s --help for details 查看说明)\n", cmd->prog);
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
		a->exit = args_usage_error(a->cmd, "option %s needs a value (选项缺少取值)", bad);
	else if (optopt && optopt < 0x100 && bad[0] == '-' && bad[1] != '-')
		a->exit = args_usage_error(a->cmd, "unknown option -%c (未知选项)", optopt);
	else
		a->exit = args_usage_error(a->cmd, "unknown option %s (未知选项)", bad);
	return ARGS_EXIT;
}

int args_operands(struct args *a, int min, int max)
{
	int n = a->argc - a->ind;

	if (n < min)
		return args_usage_error(a->cmd, "missing operand (缺少参数)");
	if (n > max)
		return args_usage_error(a->cmd, "unexpected operand '%s' (多余的参数)", a->argv[a->ind + max]);
	return 0;
}

/* A group's man page: its commands, then each one's section (its --help). */
static void man_group(const struct args_group *g, FILE *f)
{
	char *argv[3] = {NULL, "--help", NULL};

	fputs(".SH SYNOPSIS\n.B ", f);
	args_roff(f, g->prog, strlen(g->prog));
	fputs("\n\\fICOMMAND\\fR [\\fIARGS\\fR]\n", f);
	if (g->about) {
		fputs(".SH DESCRIPTION\n", f);
		args_roff_text(f, g->about);
	}
	fputs(".SH COMMANDS\n", f);
	for (size_t i = 0; i < g->nsubs; i++) {
		fputs(".TP\n.B ", f);
		args_roff(f, g->subs[i].name, strlen(g->subs[i].name));
		fputc('\n', f);
		args_roff_text(f, g->subs[i].summary);
	}
	if (g->epilog) {
		fputs(".SH NOTES\n", f);
		args_roff_text(f, g->epilog);
	}
	fflush(f);
	man_depth = 1;
	for (size_t i = 0; i < g->nsubs; i++) {
		argv[0] = (char *)g->subs[i].name;
		g->subs[i].fn(2, argv);
	}
	man_depth = 0;
}

void args_group_help(const struct args_group *g, FILE *f)
{
	if (format == ARGS_FMT_MAN) {
		man_group(g, f);
		return;
	}
	if (format == ARGS_FMT_WORDS) {
		for (size_t i = 0; i < g->nsubs; i++)
			fprintf(f, "%s\n", g->subs[i].name);
		return;
	}
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

/* Levenshtein distance, for "did you mean"; names are short. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64], prev, t;

	if (lb >= sizeof(row) / sizeof(row[0]) || la >= 64)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			t = row[j];
			row[j] = prev + (a[i - 1] != b[j - 1]);
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			if (t + 1 < row[j])
				row[j] = t + 1;
			prev = t;
		}
	}
	return row[lb];
}

const char *args_suggest(const struct args_group *g, const char *name)
{
	const char *best = NULL, *prefix = NULL;
	size_t bestd = (size_t)-1, d, n = strlen(name), nprefix = 0;

	for (size_t i = 0; i < g->nsubs; i++) {
		if (n >= 2 && strncmp(g->subs[i].name, name, n) == 0) {
			prefix = g->subs[i].name;
			nprefix++;
		}
		if ((d = edit_distance(name, g->subs[i].name)) < bestd) {
			bestd = d;
			best = g->subs[i].name;
		}
	}
	if (nprefix == 1)
		return prefix;
	/* a typo or two, not another word: at most 2 edits, fewer than half the name */
	return best && bestd <= 2 && bestd * 2 < n ? best : NULL;
}

/* `PROG help CMD [SUB]`: CMD's --help (a group's, or its SUB's). */
static int dispatch_help(const struct args_group *g, int argc, char **argv)
{
	char *av[8];
	int n = 0;

	if (argc > 6) {
		fprintf(stderr, "%s help: too many operands\n", g->prog);
		return 2;
	}
	for (int i = 0; i < argc; i++) /* av[0] "help" stands for the program */
		av[n++] = argv[i];
	av[n++] = "--help";
	av[n] = NULL;
	return args_dispatch(g, n, av);
}

int args_dispatch(const struct args_group *g, int argc, char **argv)
{
	const char *hint;

	if (argc < 2) {
		fprintf(stderr, "%s: which command? (%s --help lists them)\n", g->prog, g->prog);
		return 2;
	}
	for (size_t i = 0; i < g->nsubs; i++)
		if (strcmp(argv[1], g->subs[i].name) == 0)
			return g->subs[i].fn(argc - 1, argv + 1);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    (!strcmp(argv[1], "help") && argc == 2)) {
		args_group_help(g, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "help"))
		return dispatch_help(g, argc - 1, argv + 1);
	if ((hint = args_suggest(g, argv[1])))
		fprintf(stderr,
		        "%s: unknown command '%s'; did you mean '%s'? (%s --help lists them)\n",
		        g->prog, argv[1], hint, g->prog);
	else
		fprintf(stderr, "%s: unknown command '%s' (%s --help lists them)\n", g->prog,
		        argv[1], g->prog);
	return 2;
}

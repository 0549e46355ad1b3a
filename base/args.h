/*
 * args: the one argument / usage / exit-code helper of every subcommand
 * (wireguard-tools' style). A subcommand declares its options as a table;
 * --help (and -h) is added to every table and prints the usage built from
 * it on stdout; a usage error says what was wrong and how to get help, on
 * stderr, and the subcommand exits 2. Exit statuses of everything else come
 * from cn_exit_code() (err.h): 0 ok, 2 malformed command line, 4 well formed
 * but refused, 1 anything else; every --help ends with that convention
 * (CN_EXIT_TEXT), so no command writes its own.
 *
 *   static const struct args_opt opts[] = {
 *       {"config", 'c', "CFG", "the node's configuration"},
 *       {"json", ARGS_LONG('j'), NULL, "JSON instead of the table"},
 *       {0}};
 *   static const struct args_cmd cmd = {"carenet status", "[-c CFG] [--json]",
 *                                       "Shows ...", opts, NULL};
 *   struct args a;
 *   args_begin(&a, &cmd, argc, argv);
 *   while ((ch = args_next(&a)) != ARGS_END) {
 *       switch (ch) {
 *       case 'c': cfgpath = a.val; break;
 *       case ARGS_LONG('j'): json = 1; break;
 *       default: return a.exit;   (ARGS_EXIT: help printed, or a usage error)
 *       }
 *   }
 *   operands: argv[a.ind .. argc-1]
 *
 * Parsing is getopt_long's (GNU permutation: options may follow operands);
 * args_begin resets it, so a process may parse many times. Thread: one
 * parse at a time (getopt's globals).
 */
#ifndef CARENET_ARGS_H
#define CARENET_ARGS_H

#include <stddef.h>
#include <stdio.h>

/* The key of an option that has no short form. */
#define ARGS_LONG(c) (0x100 | (c))
#define ARGS_END (-1)
#define ARGS_EXIT (-2)
#define ARGS_MAX_OPTS 32

struct args_opt {
	const char *name; /* long name, without "--" */
	int key;          /* the short letter ('c': also -c), or ARGS_LONG(x) */
	const char *arg;  /* the value's name ("CFG"), NULL for a flag */
	const char *help; /* one line; '\n' starts another, indented alike */
};

struct args_cmd {
	const char *prog;     /* "carenet status" */
	const char *synopsis; /* after prog on the usage line; '\n' starts another usage line */
	const char *about;    /* paragraphs between the usage and the options; NULL: none */
	const struct args_opt *opts; /* ends with {0}; NULL: none but --help */
	const char *epilog;   /* after the options; NULL: none */
};

struct args {
	const struct args_cmd *cmd;
	int argc;
	char **argv;
	const char *val; /* the value of the option args_next returned */
	int ind;         /* after ARGS_END: the first operand */
	int exit;        /* after ARGS_EXIT: the exit status (0 after --help, 2) */
};

void args_begin(struct args *a, const struct args_cmd *cmd, int argc, char **argv);
/* The next option's key; ARGS_END after the last one; ARGS_EXIT when
 * --help was printed or a usage error was (a->exit says which). */
int args_next(struct args *a);
/* The usage, built from the table: on stdout for --help. */
void args_help(const struct args_cmd *cmd, FILE *f);
/* Prints "PROG: WHAT", the usage line and how to get help on stderr;
 * returns 2 (the usage exit status). */
int args_usage_error(const struct args_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The number of operands left after ARGS_END; a usage error (returns 2,
 * prints) unless min <= n <= max. Otherwise returns 0. */
int args_operands(struct args *a, int min, int max);
/* The prog of the command being parsed (the last args_begin), "carenet"
 * before any: the prefix of every error message ("carenet ca issue: ..."). */
const char *args_prog(void);

/* A command with subcommands (carenet, carenet ca, carenet directive):
 * one table of (name, function, one-line summary), from which its --help
 * comes. args_dispatch runs argv[1]'s function with argv shifted by one,
 * prints the summary table for --help / -h / help (exit 0), and a usage
 * error for a missing or unknown name (exit 2). */
struct args_sub {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};
struct args_group {
	const char *prog;  /* "carenet ca" */
	const char *about; /* a line or two before the table; NULL: none */
	const struct args_sub *subs;
	size_t nsubs;
	const char *epilog; /* after the table; NULL: none */
};
void args_group_help(const struct args_group *g, FILE *f);
/* Also: `PROG help CMD [SUB]` prints CMD's (SUB's) --help; an unknown name
 * gets "did you mean 'NAME'?" when one is a typo or two away (or the only
 * name it begins). */
int args_dispatch(const struct args_group *g, int argc, char **argv);
/* The subcommand name is a typo of (args_dispatch's hint), or NULL. */
const char *args_suggest(const struct args_group *g, const char *name);

/* What --help writes (args_help, args_group_help): the text above, a man
 * page's sections (roff; a group's page holds each subcommand's --help as
 * a section: its functions are called with "--help"), or the words a shell
 * completes (a command's --long options, a group's subcommand names, one a
 * line). Process-wide, set by `carenet help` before it asks for --help. */
enum args_format { ARGS_FMT_TEXT, ARGS_FMT_MAN, ARGS_FMT_WORDS };
void args_set_format(enum args_format f);
enum args_format args_get_format(void);
/* roff-escaped text: n bytes of s (to a NUL); args_roff_text: paragraphs
 * (blank line: .PP; lines that begin with a space kept unfilled). */
void args_roff(FILE *f, const char *s, size_t n);
void args_roff_text(FILE *f, const char *s);

#endif

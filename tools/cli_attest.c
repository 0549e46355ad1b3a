/*
 * cli_attest: `carenet attest` — this office declares an indicator that
 * software cannot measure (mode A) or enters another department's figure
 * (mode X) as an attestation record (R27): signed by this office like any
 * record, it travels up to the county; the evidence files travel as
 * documents (cli_doc_attach) and the record keeps their names and SHA-256.
 * `carenet compliance` then shows the indicator as attested, by whom and
 * when — never as measured.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "cli.h"
#include "cli_record_int.h"
#include "cmd.h"
#include "err.h"
#include "standards.h"

#define MAX_EVIDENCE 16

struct aopts {
	const char *cfgpath, *indicator, *standard, *value, *note, *source, *as_of, *until;
	const char *evidence[MAX_EVIDENCE];
	size_t nevidence;
	int json;
};

static const struct args_opt opts[] = {
    {"config", 'c', "CFG", "the node's configuration (default " CONFIG_DEFAULT_PATH ")"},
    {"indicator", ARGS_LONG('i'), "ID", "the indicator (carenet standards show STANDARD)"},
    {"standard", ARGS_LONG('s'), "ID", "the standard it belongs to (default: any that holds it)"},
    {"value", ARGS_LONG('V'), "V", "a figure (mode X: another department's; 0.72, 300000)"},
    {"note", ARGS_LONG('n'), "TEXT", "the statement (声明): what is declared, and on what basis"},
    {"evidence", ARGS_LONG('e'), "FILE",
     "a supporting file (repeatable): it travels as a document"},
    {"source", ARGS_LONG('S'), "DEPT", "the department a figure comes from (数据来源部门)"},
    {"as-of", ARGS_LONG('a'), "DATE", "the date a figure holds at (数据截至)"},
    {"valid-until", ARGS_LONG('u'), "DATE", "after this date the attestation no longer counts"},
    {"json", 'j', NULL, "{dry_run, ids: [the record's id]}"},
    {0}};
static const struct args_cmd cmd = {
    "carenet attest",
    "--indicator ID --note TEXT [--standard ID] [--value V]\n"
    "[--evidence FILE]... [--source DEPT] [--as-of DATE] [--valid-until DATE] [-c CFG] [--json]",
    "Declares, for this office, an indicator that is attested (mode A) or\n"
    "another department's figure (mode X) as a signed attestation (R27 声明) that\n"
    "travels up to the county. The evaluation (carenet compliance) then shows it\n"
    "as attested, with the signing office and the date, not as measured. A\n"
    "measured indicator (mode M) is refused: its result comes from the records.\n",
    opts, NULL};

static int parse(int argc, char **argv, struct aopts *o)
{
	struct args a;
	int ch;

	memset(o, 0, sizeof(*o));
	args_begin(&a, &cmd, argc, argv);
	while ((ch = args_next(&a)) != ARGS_END) {
		switch (ch) {
		case 'c':
			o->cfgpath = a.val;
			break;
		case ARGS_LONG('i'):
			o->indicator = a.val;
			break;
		case ARGS_LONG('s'):
			o->standard = a.val;
			break;
		case ARGS_LONG('V'):
			o->value = a.val;
			break;
		case ARGS_LONG('n'):
			o->note = a.val;
			break;
		case ARGS_LONG('S'):
			o->source = a.val;
			break;
		case ARGS_LONG('a'):
			o->as_of = a.val;
			break;
		case ARGS_LONG('u'):
			o->until = a.val;
			break;
		case 'j':
			o->json = 1;
			break;
		case ARGS_LONG('e'):
			if (o->nevidence == MAX_EVIDENCE) {
				args_usage_error(&cmd, "at most %d --evidence files", MAX_EVIDENCE);
				return CN_EUSAGE;
			}
			o->evidence[o->nevidence++] = a.val;
			break;
		default:
			return a.exit == 0 ? 1 : CN_EUSAGE;
		}
	}
	if (args_operands(&a, 0, 0))
		return CN_EUSAGE;
	if (!o->indicator || !o->note || !*o->note) {
		args_usage_error(&cmd, "give --indicator ID and --note TEXT");
		return CN_EUSAGE;
	}
	return 0;
}

/* The indicator's mode in standard id (or any standard of dir): "" if none holds it. */
static void mode_of(const char *dir, const char *only, const char *ind, char *mode, size_t ml,
                    char *std, size_t sl)
{
	char **ids = NULL, err[1024];
	size_t n = 0;
	*mode = *std = 0;
	if (sd_list_ids(dir, &ids, &n))
		return;
	for (size_t i = 0; i < n && !*mode; i++) {
		struct sd_standard *s = NULL;
		if ((only && strcmp(only, ids[i])) || sd_load_id(dir, ids[i], &s, err, sizeof(err)))
			continue;
		for (size_t k = 0; k < s->n; k++)
			if (!strcmp(s->v[k].id, ind)) {
				snprintf(mode, ml, "%s", s->v[k].mode);
				snprintf(std, sl, "%s", s->id);
				break;
			}
		sd_standard_free(s);
	}
	sd_ids_free(ids, n);
}

static int check_indicator(const char *prog, const struct config *cfg, const struct aopts *o)
{
	const char *dir =
	    cfg->standards_dir && *cfg->standards_dir ? cfg->standards_dir : sd_default_dir();
	char mode[8], std[64];
	mode_of(dir, o->standard, o->indicator, mode, sizeof(mode), std, sizeof(std));
	if (!*mode) {
		fprintf(stderr,
		        "%s: no standard in %s holds indicator '%s'%s%s (carenet standards "
		        "show ID lists them)\n",
		        prog, dir, o->indicator, o->standard ? " in " : "",
		        o->standard ? o->standard : "");
		return CN_ENOTFOUND;
	}
	if (strcmp(mode, "A") && strcmp(mode, "X")) {
		fprintf(stderr,
		        "%s: %s is of mode %s in %s: only attested (A) and external (X) "
		        "indicators take an attestation; a measured one comes from the records, "
		        "an inspected one from a finding\n",
		        prog, o->indicator, mode, std);
		return CN_EINVAL;
	}
	return 0;
}

/* Each --evidence FILE attached as a document: "name sha256; ..." into out. */
static int attach_all(const char *prog, const struct config *cfg, const struct aopts *o, char *out,
                      size_t len)
{
	*out = 0;
	for (size_t i = 0; i < o->nevidence; i++) {
		Carenet__ControlReply *rep = NULL;
		const char *base = strrchr(o->evidence[i], '/');
		int rc = cli_doc_attach(prog, cfg, o->evidence[i], NULL, &rep);
		if (rc == 0)
			snprintf(out + strlen(out), len - strlen(out), "%s%s %s", i ? "; " : "",
			         base ? base + 1 : o->evidence[i], rep->id);
		carenet__control_reply__free_unpacked(rep, NULL);
		if (rc)
			return rc;
	}
	return 0;
}

static int send(const char *prog, const struct aopts *o, const char *evidence)
{
	const char *who = cli_operator();
	char today[16];
	time_t now = time(NULL) + 8 * 3600; /* China time */
	struct tm tm;
	struct ropts ro = {.cfgpath = o->cfgpath ? o->cfgpath : CONFIG_DEFAULT_PATH,
	                   .json = o->json};
	const char *f[][2] = {
	    {"indicator", o->indicator},    {"standard", o->standard},
	    {"statement", o->note},         {"value", o->value},
	    {"external_source", o->source}, {"as_of", o->as_of},
	    {"evidence", evidence},         {"declared_by", *who ? who : "operator"},
	    {"declared_at", today},         {"valid_until", o->until}};
	Carenet__RecordInput *in = roles_record_input_new("attestation", "", 10);
	int rc = 0;

	gmtime_r(&now, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	if (!in)
		return CN_ENOMEM;
	for (size_t i = 0; i < 10 && rc == 0; i++)
		if (f[i][1] && *f[i][1] &&
		    !(in->set[in->n_set++] =
		          roles_record_field_new(f[i][0], strlen(f[i][0]), f[i][1], 0)))
			rc = CN_ENOMEM;
	if (rc == 0)
		rc = record_send_write(prog, &ro, &in, 1, "");
	roles_record_input_free(in);
	return rc;
}

int cmd_attest(int argc, char **argv)
{
	const char *prog = "carenet attest";
	struct config *cfg = NULL;
	char evidence[2048];
	struct aopts o;
	int rc = parse(argc, argv, &o);

	if (rc)
		return cli_parse_exit(rc);
	if ((rc = cli_config(prog, o.cfgpath ? o.cfgpath : CONFIG_DEFAULT_PATH, &cfg)) != 0)
		return cn_exit_code(rc);
	if ((rc = check_indicator(prog, cfg, &o)) == 0 &&
	    (rc = attach_all(prog, cfg, &o, evidence, sizeof(evidence))) == 0)
		rc = send(prog, &o, evidence);
	config_free(&cfg);
	return cn_exit_code(rc);
}

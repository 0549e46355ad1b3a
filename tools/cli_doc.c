/*
 * cli_doc: `carenet doc add|get|list` — documents (roles/docs/): a file
 * attached at this office travels up to the county in chunks and is held
 * once by its SHA-256; `doc get` writes one back out at any office that
 * holds it whole. cli_doc_attach is also what `ack --evidence` uses.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "cmd.h"
#include "csv.h"
#include "err.h"
#include "json.h"
#include "util.h"

struct dopts {
	const char *cfgpath, *record, *out, *operand;
	int json, csv;
};

static const struct args_opt o_cfg = {"config", 'c', "CFG",
                                      "the node's configuration (default " CONFIG_DEFAULT_PATH ")"};

static int parse(int argc, char **argv, const struct args_cmd *cmd, int noperands, struct dopts *o)
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
			o->record = a.val;
			break;
		case ARGS_LONG('o'):
			o->out = a.val;
			break;
		case 'j':
			o->json = 1;
			break;
		case ARGS_LONG('v'):
			o->csv = 1;
			break;
		default:
			return a.exit == 0 ? 1 : CN_EUSAGE;
		}
	}
	if (argc - a.ind != noperands) {
		args_usage_error(cmd, noperands ? "give one operand" : "unexpected operand %s",
		                 noperands ? "" : argv[a.ind]);
		return CN_EUSAGE;
	}
	o->operand = noperands ? argv[a.ind] : NULL;
	return 0;
}

/* The whole of path (*buf malloc'd), refused over cap before it is read. */
static int read_file(const char *prog, const char *path, uint64_t cap, uint8_t **buf, size_t *len)
{
	struct stat st;
	int rc;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		fprintf(stderr, "%s: %s: not a regular file\n", prog, path);
		return CN_EINVAL;
	}
	rc = util_read_file(path, cap > SIZE_MAX - 1 ? SIZE_MAX - 1 : (size_t)cap, buf, len);
	if (rc == CN_ETOOBIG)
		fprintf(stderr, "%s: %s is %lld bytes, over records.max_document (%llu bytes)\n",
		        prog, path, (long long)st.st_size, (unsigned long long)cap);
	else if (rc != 0)
		fprintf(stderr, "%s: %s: %s\n", prog, path,
		        rc == CN_ENOTFOUND ? "no such file" : cn_strerror(rc));
	return rc;
}

int cli_doc_attach(const char *prog, const struct config *cfg, const char *path, const char *record,
                   Carenet__ControlReply **rep)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__DocAddRequest q = CARENET__DOC_ADD_REQUEST__INIT;
	const char *base = strrchr(path, '/');
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	*rep = NULL;
	if ((rc = read_file(prog, path, cfg->max_document, &buf, &len)) != 0)
		return rc;
	q.name = (char *)(base && base[1] ? base + 1 : path);
	q.content.data = buf;
	q.content.len = len;
	q.record = (char *)(record ? record : "");
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_DOC_ADD;
	req.doc_add = &q;
	rc = cli_call(prog, cfg, &req, CLI_WRITE_TIMEOUT_MS, rep);
	free(buf);
	return rc;
}

static void doc_json(struct json *j, const Carenet__Document *d)
{
	char hex[65] = "";

	for (size_t i = 0; i < d->sha256.len && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d->sha256.data[i]);
	json_obj_begin(j, NULL);
	json_str(j, "sha256", hex);
	json_str(j, "name", d->name);
	json_u64(j, "size", d->size);
	json_u64(j, "chunks", d->total);
	json_u64(j, "held", d->held);
	json_bool(j, "complete", d->held == d->total);
	json_str(j, "record", d->record);
	json_str(j, "origin", d->origin);
	json_u64(j, "created", d->created);
	json_obj_end(j);
}

static void docs_print(const Carenet__ControlReply *rep, int json, int csv)
{
	static const char *const head[] = {"sha256", "name",   "size",  "chunks",
	                                   "held",   "record", "origin"};
	struct json j;
	struct table t;
	char hex[65], held[32], size[24], total[16];

	if (json) {
		json_init(&j, stdout);
		json_arr_begin(&j, NULL);
		for (size_t i = 0; i < rep->n_docs; i++)
			doc_json(&j, rep->docs[i]);
		json_arr_end(&j);
		json_finish(&j);
		return;
	}
	if (csv) {
		csv_write_bom(stdout);
		csv_write_row(stdout, head, 7);
	}
	table_init(&t, 5);
	table_add(&t, (const char *[]){"SHA-256", cli_tr("SIZE", "大小"), cli_tr("STATE", "状态"),
	                               cli_tr("NAME", "文件名"), cli_tr("RECORD", "记录")});
	for (size_t i = 0; i < rep->n_docs; i++) {
		const Carenet__Document *d = rep->docs[i];
		for (size_t k = 0; k < 32 && k < d->sha256.len; k++)
			snprintf(hex + 2 * k, 3, "%02x", d->sha256.data[k]);
		snprintf(held, sizeof(held), "%u", d->held);
		snprintf(size, sizeof(size), "%llu", (unsigned long long)d->size);
		snprintf(total, sizeof(total), "%u", d->total);
		const char *cells[7] = {hex, d->name, size, total, held, d->record, d->origin};
		if (csv)
			csv_write_row(stdout, cells, 7);
		else
			table_add(&t, (const char *[]){hex, size,
			                               d->held == d->total
			                                   ? cli_tr("complete", "完整")
			                                   : cli_tr("incomplete", "不完整"),
			                               d->name, d->record});
	}
	if (!csv && rep->n_docs)
		table_print(&t, stdout);
	table_free(&t);
	if (!json && !csv && !rep->n_docs)
		printf("%s\n", cli_tr("no documents", "(无文件)"));
}

/* ------------------------------------------------------------ add */

static const struct args_opt add_opts[] = {
    o_cfg,
    {"record", ARGS_LONG('r'), "ID", "the record (or directive) the file belongs to"},
    {"json", 'j', NULL, "{sha256, name, size, chunks, held, complete, record, origin, created}"},
    {0}};
static const struct args_cmd add_cmd = {
    "carenet doc add", "FILE [--record ID] [--json] [-c CFG]",
    "Attaches FILE at this office: it is kept here (sealed, once by its SHA-256)\n"
    "and travels up to the county in chunks on the bulk lane. Prints the SHA-256.\n"
    "A file over records.max_document is refused.\n",
    add_opts, NULL};

static int doc_add(int argc, char **argv)
{
	Carenet__ControlReply *rep = NULL;
	struct config *cfg = NULL;
	struct dopts o;
	int rc = parse(argc, argv, &add_cmd, 1, &o);

	if (rc)
		return cli_parse_exit(rc);
	if ((rc = cli_config("carenet doc add", o.cfgpath, &cfg)) != 0)
		return cn_exit_code(rc);
	if ((rc = cli_doc_attach("carenet doc add", cfg, o.operand, o.record, &rep)) == 0) {
		if (o.json && rep->n_docs) {
			struct json j;
			json_init(&j, stdout);
			doc_json(&j, rep->docs[0]);
			json_finish(&j);
		} else {
			printf("%s\n", rep->id);
		}
	}
	carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	return cn_exit_code(rc);
}

/* ------------------------------------------------------------ get */

static const struct args_opt get_opts[] = {
    o_cfg, {"out", ARGS_LONG('o'), "FILE", "where to write the document (mode 0600)"}, {0}};
static const struct args_cmd get_cmd = {
    "carenet doc get", "HASH --out FILE [-c CFG]",
    "Writes the document whose SHA-256 is HASH, as held by this office, to FILE.\n"
    "Refused while chunks of it are still missing here (the message says how\n"
    "many). Audited: a document may be personal.\n",
    get_opts, NULL};

/* Atomically, mode 0600, never through a planted symlink (util_write_file). */
static int write_out(const char *path, const uint8_t *p, size_t n)
{
	int rc = util_write_file(path, p, n, 0600, 0);

	if (rc != 0)
		fprintf(stderr, "carenet doc get: %s: %s\n", path, strerror(errno));
	return rc;
}

static int doc_get(int argc, char **argv)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__DocGetRequest q = CARENET__DOC_GET_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	struct config *cfg = NULL;
	struct dopts o;
	int rc = parse(argc, argv, &get_cmd, 1, &o);

	if (rc)
		return cli_parse_exit(rc);
	if (!o.out)
		return args_usage_error(&get_cmd, "give --out FILE");
	if ((rc = cli_config("carenet doc get", o.cfgpath, &cfg)) != 0)
		return cn_exit_code(rc);
	q.sha256 = (char *)o.operand;
	req.request_case = CARENET__CONTROL_REQUEST__REQUEST_DOC_GET;
	req.doc_get = &q;
	if ((rc = cli_call("carenet doc get", cfg, &req, CLI_WRITE_TIMEOUT_MS, &rep)) == 0)
		rc = write_out(o.out, rep->doc_content.data, rep->doc_content.len);
	carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	return cn_exit_code(rc);
}

/* ------------------------------------------------------------ list */

static const struct args_opt list_opts[] = {
    o_cfg,
    {"json", 'j', NULL, "[{sha256, name, size, chunks, held, complete, record, origin, created}]"},
    {"csv", ARGS_LONG('v'), NULL, "sha256,name,size,chunks,held,record,origin"},
    {0}};
static const struct args_cmd list_cmd = {
    "carenet doc list", "[--json|--csv] [-c CFG]",
    "The documents held here (complete or still arriving), by SHA-256.\n", list_opts, NULL};

static int doc_list(int argc, char **argv)
{
	Carenet__ControlReply *rep = NULL;
	struct config *cfg = NULL;
	struct dopts o;
	int rc = parse(argc, argv, &list_cmd, 0, &o);

	if (rc)
		return cli_parse_exit(rc);
	if (o.json && o.csv)
		return args_usage_error(&list_cmd, "give at most one of --json and --csv");
	if ((rc = cli_request("carenet doc list", o.cfgpath,
	                      CARENET__CONTROL_REQUEST__REQUEST_DOC_LIST, &cfg, &rep)) == 0)
		docs_print(rep, o.json, o.csv);
	carenet__control_reply__free_unpacked(rep, NULL);
	config_free(&cfg);
	return cn_exit_code(rc);
}

static const struct args_sub doc_subs[] = {
    {"add", doc_add, "attach a file here; it travels up to the county"},
    {"get", doc_get, "write a document held here to a file"},
    {"list", doc_list, "the documents held here"},
};
static const struct args_group doc_group = {
    "carenet doc", "Documents attached to records and acknowledgements (文件).", doc_subs,
    sizeof(doc_subs) / sizeof(doc_subs[0]), NULL};

int cmd_doc(int argc, char **argv)
{
	return args_dispatch(&doc_group, argc, argv);
}

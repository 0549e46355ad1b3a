/* cli_common: the operator commands' exchange with their own node (cli.h). */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "roles.h"
#include "utf8.h"
#include "util.h"

int cli_parse_exit(int rc)
{
	return rc == 1 ? 0 : cn_exit_code(rc);
}

int cli_config(const char *prog, const char *path, struct config **cfg)
{
	char err[512];
	int rc;

	if ((rc = config_load(path, cfg, err, sizeof(err))) != 0)
		fprintf(stderr, "%s: %s\n", prog, err);
	return rc;
}

static void not_running(const char *prog, const struct config *cfg, int rc, int timeout_ms)
{
	if (!prog)
		return;
	if (rc == CN_ETIMEOUT && cli_zh())
		fprintf(stderr,
		        "%s: 节点在 %d 秒内未应答 (%s/%s)\n"
		        "  是否在运行? carenet status -c %s\n",
		        prog, timeout_ms / 1000, cfg->data_dir, CONTROL_SOCKET_NAME, cfg->path);
	else if (rc == CN_ETIMEOUT)
		fprintf(stderr,
		        "%s: the node did not answer within %d s on %s/%s (节点未应答)\n"
		        "  is it running? carenet status -c %s\n",
		        prog, timeout_ms / 1000, cfg->data_dir, CONTROL_SOCKET_NAME, cfg->path);
	else if (cli_zh())
		fprintf(stderr,
		        "%s: 节点未运行 (%s/%s 无应答)\n"
		        "  启动: carenet run -c %s\n",
		        prog, cfg->data_dir, CONTROL_SOCKET_NAME, cfg->path);
	else
		fprintf(stderr,
		        "%s: the node is not running (节点未运行; no answer on %s/%s)\n"
		        "  start it with: carenet run -c %s\n",
		        prog, cfg->data_dir, CONTROL_SOCKET_NAME, cfg->path);
}

const char *cli_operator(void)
{
	const char *names[] = {"CARENET_OPERATOR", "SUDO_USER", "USER", "LOGNAME"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *v = getenv(names[i]);
		if (v && v[0])
			return v;
	}
	return "";
}

int cli_call(const char *prog, const struct config *cfg, const Carenet__ControlRequest *req,
             int timeout_ms, Carenet__ControlReply **rep)
{
	Carenet__ControlRequest named = *req; /* the caller's request, with who asks */
	int rc;

	*rep = NULL;
	named.operator_ = (char *)cli_operator();
	rc = control_call(cfg->data_dir, &named, timeout_ms, rep);
	if (rc == CN_EINVAL) {
		if (prog)
			fprintf(stderr,
			        "%s: the control socket path %s/%s is too long (max 107 bytes)\n",
			        prog, cfg->data_dir, CONTROL_SOCKET_NAME);
		return rc;
	}
	if (rc == CN_ESTOPPED) {
		if (prog)
			fprintf(stderr,
			        cli_zh() ? "%s: 节点在应答前已停止：所请求的操作可能已完成，也可能未完成；\n"
			                   "  请重启节点后查看 (carenet status -c %s)，需要时再执行一次\n"
			                 : "%s: the node stopped before it answered (节点在应答前已停止): "
			                   "what was asked may or may not\n"
			                   "  have been done; once it runs again, look (carenet status -c "
			                   "%s) and run it again if needed\n",
			        prog, cfg->path);
		return CN_EUNREACH;
	}
	if (rc == CN_EUNREACH || rc == CN_ETIMEOUT || rc == CN_EIO) {
		not_running(prog, cfg, rc, timeout_ms);
		return CN_EUNREACH;
	}
	if (rc != 0) {
		if (prog)
			fprintf(stderr, "%s: %s\n", prog, cn_strerror(rc));
		return rc;
	}
	if ((*rep)->code != 0) {
		if (prog)
			fprintf(stderr, "%s: %s\n", prog,
			        (*rep)->error[0] ? (*rep)->error : cn_strerror((*rep)->code));
		return (*rep)->code;
	}
	return 0;
}

int cli_request(const char *prog, const char *cfgpath, Carenet__ControlRequest__RequestCase type,
                struct config **cfg, Carenet__ControlReply **rep)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	int rc;

	*rep = NULL;
	if ((rc = cli_config(prog, cfgpath, cfg)) != 0)
		return rc;
	if ((rc = control_request_set(&req, type, NULL)) != 0)
		return rc;
	return cli_call(prog, *cfg, &req, CLI_TIMEOUT_MS, rep);
}

int cli_zh(void)
{
	static int zh = -1;
	const char *v;

	if (zh < 0) {
		if (!(v = getenv("LC_ALL")) || !v[0])
			if (!(v = getenv("LC_MESSAGES")) || !v[0])
				v = getenv("LANG");
		zh = v && strncmp(v, "zh", 2) == 0;
	}
	return zh;
}

const char *cli_tr(const char *en, const char *zh)
{
	static char ring[16][256];
	static unsigned next;
	char *b;

	if (!zh || !zh[0])
		return en;
	if (cli_zh())
		return zh;
	b = ring[next++ % 16];
	snprintf(b, sizeof(ring[0]), "%s %s", en, zh);
	return b;
}

const char *cli_indent(const char *s)
{
	static char ring[4][128];
	static unsigned next;
	char *b = ring[next++ % 4];

	snprintf(b, sizeof(ring[0]), "  %s", s);
	return b;
}

int cli_width(const char *s)
{
	return utf8_width(s);
}

void cli_pad(FILE *f, const char *s, int width)
{
	utf8_pad(f, s, width);
}

void cli_fmt_duration(uint64_t secs, char *out, size_t outlen)
{
	static const struct {
		uint64_t mul;
		char unit;
	} units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (secs && secs % units[i].mul == 0) {
			snprintf(out, outlen, "%llu%c", (unsigned long long)(secs / units[i].mul),
			         units[i].unit);
			return;
		}
	}
	snprintf(out, outlen, "%llus", (unsigned long long)secs);
}

void cli_kind_text(uint32_t kind, char *out, size_t len)
{
	snprintf(out, len, "%s", cli_tr(roles_kind_name(kind), roles_kind_zh(kind)));
}

void cli_json_directive(struct json *j, const Carenet__DirectiveView *v)
{
	json_str(j, "id", v->id);
	json_str(j, "kind", roles_kind_name(v->kind));
	json_str(j, "kind_zh", roles_kind_zh(v->kind));
	json_str(j, "title", v->title);
	json_str(j, "body", v->body);
	json_str(j, "issuer", v->issuer);
	json_u64(j, "created", v->created);
	json_u64(j, "due", v->due);
	json_str(j, "ref", v->ref);
	json_arr_begin(j, "indicators");
	for (size_t i = 0; i < v->n_indicators; i++)
		json_str(j, NULL, v->indicators[i]);
	json_arr_end(j);
	json_str(j, "to", v->targets_spec);
	json_arr_begin(j, "remind");
	for (size_t i = 0; i < v->n_remind; i++)
		json_u64(j, NULL, v->remind[i]);
	json_arr_end(j);
}

void cli_json_evidence(struct json *j, Carenet__Evidence *const *ev, size_t n)
{
	char hex[2 * 32 + 1];

	json_arr_begin(j, "evidence");
	for (size_t i = 0; i < n; i++) {
		json_obj_begin(j, NULL);
		json_str(j, "name", ev[i]->name);
		if (ev[i]->sha256.len == 32) {
			util_hex(ev[i]->sha256.data, 32, hex);
			json_str(j, "sha256", hex);
		} else {
			json_null(j, "sha256");
		}
		json_u64(j, "size", ev[i]->size);
		json_obj_end(j);
	}
	json_arr_end(j);
}

const char *cli_state(uint32_t state)
{
	return cli_tr(roles_state_name(state), roles_state_zh(state));
}

/* One history entry as a line: "INDENT 2026-11-29 08:00  done 已完成  (2 evidence) note". */
static void history_line(char *out, size_t len, const char *indent, const Carenet__NoteEntry *e,
                         const char *tz)
{
	char at[32], ev[48] = "";
	const char *st = cli_state(e->state);
	int pad = 20 - utf8_width(st);

	util_fmt_time(e->at, tz, at, sizeof(at));
	if (e->evidence)
		snprintf(ev, sizeof(ev), "(%u %s) ", e->evidence, cli_tr("evidence", "佐证"));
	snprintf(out, len, "%s%s  %s%*s  %s%s", indent, at, st, pad > 0 ? pad : 0, "", ev, e->note);
}

void cli_history_print(const char *indent, Carenet__NoteEntry *const *h, size_t n, const char *tz)
{
	char line[1024];

	for (size_t i = 0; i < n; i++) {
		history_line(line, sizeof(line), indent, h[i], tz);
		printf("%s\n", line);
	}
}

void cli_history_lines(struct table *t, const char *indent, Carenet__NoteEntry *const *h, size_t n,
                       const char *tz)
{
	char line[1024];

	for (size_t i = 0; i < n; i++) {
		history_line(line, sizeof(line), indent, h[i], tz);
		table_line(t, line);
	}
}

void cli_json_history(struct json *j, const char *key, Carenet__NoteEntry *const *h, size_t n)
{
	json_arr_begin(j, key);
	for (size_t i = 0; i < n; i++) {
		json_obj_begin(j, NULL);
		json_u64(j, "at", h[i]->at);
		json_str(j, "state", roles_state_name(h[i]->state));
		json_str(j, "state_zh", roles_state_zh(h[i]->state));
		json_str(j, "note", h[i]->note);
		json_u64(j, "evidence", h[i]->evidence);
		json_obj_end(j);
	}
	json_arr_end(j);
}

void cli_csv_time(uint64_t t, const char *tz, char *out, size_t outlen)
{
	if (t == 0)
		out[0] = 0;
	else
		util_fmt_time(t, tz, out, outlen);
}

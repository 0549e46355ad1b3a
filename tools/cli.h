/*
 * cli: what the operator commands share (status, directive, inbox, ack,
 * audit, clock, crl): loading the node's configuration and one request /
 * reply exchange with the running node over its control socket.
 *
 * cli_call() prints every failure for the operator on stderr, prefixed by
 * prog ("carenet directive issue: ..."; prog NULL: prints nothing, for
 * callers that poll and look at the refusal themselves), and returns:
 *   0            the node answered with code 0; *rep is its reply
 *   CN_EUNREACH  the node is not running, or did not answer within
 *                timeout_ms (the message says which and how to start it)
 *   rep->code    the node refused (its rep->error printed); *rep is set
 *   other        CN_EPROTO (reply does not decode), CN_ENOMEM, CN_EINVAL
 * The caller frees *rep with carenet__control_reply__free_unpacked (NULL
 * is fine) and the config with config_free. Thread: any; one call at a time.
 */
#ifndef CARENET_CLI_H
#define CARENET_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "control.h"
#include "json.h"
#include "table.h"

#define CLI_TIMEOUT_MS 5000        /* reads */
#define CLI_WRITE_TIMEOUT_MS 30000 /* commands that write (they wait for a commit) */

/* config_load with the error printed as "prog: FILE:LINE: message". */
int cli_config(const char *prog, const char *path, struct config **cfg);

/* The exit status of a subcommand's option parsing that returned rc: 1
 * (--help printed) is 0; anything else through cn_exit_code(). */
int cli_parse_exit(int rc);

/* Sends req (with the operator's name added: cli_operator) and waits for
 * the reply. */
int cli_call(const char *prog, const struct config *cfg, const Carenet__ControlRequest *req,
             int timeout_ms, Carenet__ControlReply **rep);
/* Who operates: `carenet --operator NAME` (main.c puts it in
 * $CARENET_OPERATOR), else $SUDO_USER, $USER, $LOGNAME; "" if none. The
 * node audits it with the caller's uid and pid. */
const char *cli_operator(void);

/* Loads cfgpath and sends a request that carries nothing (status, offices). */
int cli_request(const char *prog, const char *cfgpath, Carenet__ControlRequest__RequestCase type,
                struct config **cfg, Carenet__ControlReply **rep);

/* Bilingual text: 1 when the operator's locale is Chinese (LC_ALL, else
 * LC_MESSAGES, else LANG begins "zh"); cli_tr gives zh alone then, else
 * "en zh" (Chinese beside English), or en alone when zh is NULL or "".
 * Up to 16 results stay valid at once (a ring of buffers). */
int cli_zh(void);
const char *cli_tr(const char *en, const char *zh);
/* "  s": a first column's heading over indented rows (4 results stay valid). */
const char *cli_indent(const char *s);
/* Columns s takes on a terminal (CJK and full-width characters count 2). */
int cli_width(const char *s);
/* Prints s and then spaces up to width columns (at least one space). */
void cli_pad(FILE *f, const char *s, int width);
/* A time in a --csv cell: "YYYY-MM-DD HH:MM:SS" in zone tz, "" for 0;
 * out >= 32 bytes. */
void cli_csv_time(uint64_t t, const char *tz, char *out, size_t outlen);
/* 604800 -> "7d", 5400 -> "90m", 3661 -> "3661s"; out >= 24 bytes. */
void cli_fmt_duration(uint64_t secs, char *out, size_t outlen);

/* "task 任务" for a directive kind (任务 alone under a Chinese locale);
 * out >= 64 bytes. */
void cli_kind_text(uint32_t kind, char *out, size_t outlen);
/* JSON members every directive view has (id, kind, kind_zh, title, body,
 * issuer, created, due, ref, indicators, to, remind), inside an open object. */
void cli_json_directive(struct json *j, const Carenet__DirectiveView *v);
/* "evidence": [{name, sha256 (hex), size}] inside an open object. */
void cli_json_evidence(struct json *j, Carenet__Evidence *const *ev, size_t n);

/* The tables the commands print on stdout, times shown in zone tz:
 * `directive show` (one directive: head, then the issuer's matrix of
 * targets) and `inbox` (directives addressed to this office). */
void cli_directive_print(const Carenet__DirectiveView *v, const char *tz);
void cli_inbox_print(Carenet__DirectiveView *const *v, size_t n, const char *tz);

/* Every state an office reported, oldest first, one line each after indent:
 * "2026-11-29 08:00  done 已完成  (2 evidence)  note". */
void cli_history_print(const char *indent, Carenet__NoteEntry *const *h, size_t n,
                       const char *tz);
/* The same as free lines of a table (under a row). */
void cli_history_lines(struct table *t, const char *indent, Carenet__NoteEntry *const *h, size_t n,
                       const char *tz);
/* A directive state as shown: "done 已完成", or "已完成" under a Chinese locale. */
const char *cli_state(uint32_t state);
/* "history": [{at, state, state_zh, note, evidence}] inside an open object. */
void cli_json_history(struct json *j, const char *key, Carenet__NoteEntry *const *h, size_t n);

/* Evidence for an ack: path's base name, size and SHA-256 (into hash; e
 * points at path and hash, which the caller keeps). Errors: CN_ENOTFOUND
 * (cannot open), CN_EINVAL (not a regular file), CN_EIO, CN_ECRYPTO. */
int cli_evidence(const char *path, Carenet__Evidence *e, uint8_t hash[32]);

/* Attaches the file at path as a document (cli_doc.c; to record, NULL for
 * none): refused before it is read if it is over cfg's records.max_document;
 * on 0 *rep->id is its SHA-256 in hex. Errors as cli_call, and
 * CN_ENOTFOUND / CN_EINVAL / CN_ETOOBIG / CN_EIO for the file (printed). */
int cli_doc_attach(const char *prog, const struct config *cfg, const char *path,
                   const char *record, Carenet__ControlReply **rep);

#endif

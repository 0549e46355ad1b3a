/*
 * call: the pages' one way to the node (web_int.h): a control request sent
 * as the signed-in user, "NAME@web" as the request's operator, which the
 * node writes into every audit entry the request causes (with the web
 * process's uid and pid); and times in the node's zone.
 */
#include "web_int.h"

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "util.h"

void web_time(const struct web *w, uint64_t t, char *out, size_t len)
{
	if (!t)
		snprintf(out, len, "-");
	else
		util_fmt_time(t, w->cfg->timezone, out, len);
}

int web_call(struct page *pg, Carenet__ControlRequest *req, int timeout_ms,
             Carenet__ControlReply **rep)
{
	char who[WEB_NAME_MAX + 8];
	int rc;

	*rep = NULL;
	snprintf(who, sizeof(who), "%s@web", pg->s ? pg->s->user : "-");
	req->operator_ = who;
	rc = control_call(pg->w->cfg->data_dir, req, timeout_ms, rep);
	req->operator_ = (char *)""; /* who is gone with this frame */
	if (rc == CN_ESTOPPED) {
		page_note(pg, "error",
		          TX(pg, "本办公室的节点在应答前已停止：所请求的操作可能已完成，也可能未完成；"
		                 "节点重新运行后请先查看，需要时再提交一次。",
		             "This office's node stopped before it answered: what you asked may or "
		             "may not have been done. Once it runs again, look before you submit "
		             "again."));
		return CN_EUNREACH;
	}
	if (rc == CN_EUNREACH || rc == CN_ETIMEOUT || rc == CN_EIO) {
		page_note(
		    pg, "error",
		    TX(pg, "本办公室的节点没有响应：请检查它是否在运行（carenet status）。",
		       "This office's node does not answer: is it running? (carenet status)"));
		return CN_EUNREACH;
	}
	if (rc != 0) {
		page_note(pg, "error", cn_strerror(rc));
		return rc;
	}
	if ((*rep)->code != 0) {
		page_note(pg, "error",
		          (*rep)->error[0] ? (*rep)->error : cn_strerror((*rep)->code));
		return (*rep)->code;
	}
	return 0;
}

int page_node_is(struct page *pg, const char *role)
{
	Carenet__ControlRequest req = CARENET__CONTROL_REQUEST__INIT;
	Carenet__ControlReply *rep = NULL;
	int is = 0;

	control_request_set(&req, CARENET__CONTROL_REQUEST__REQUEST_STATUS, NULL);
	if (web_call(pg, &req, 5000, &rep) == 0 && rep->status)
		is = !strcmp(rep->status->role, role);
	carenet__control_reply__free_unpacked(rep, NULL);
	return is;
}

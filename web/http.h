/*
 * http: the HTTP side of `carenet web` (http.c), as serve.c starts it:
 * libmicrohttpd's access handler and completion callback, over struct web.
 */
#ifndef CARENET_WEB_HTTPD_H
#define CARENET_WEB_HTTPD_H

#include <microhttpd.h>

#include "web_int.h"

/* The sessions, the accounts file's path and first load. CN_ENOMEM, CN_ECRYPTO,
 * or the accounts file's error (printed). */
int http_init(struct web *w);
void http_fini(struct web *w);
enum MHD_Result http_handle(void *cls, struct MHD_Connection *conn, const char *url,
                            const char *method, const char *version, const char *upload_data,
                            size_t *upload_data_size, void **con_cls);
void http_done(void *cls, struct MHD_Connection *conn, void **con_cls,
               enum MHD_RequestTerminationCode toe);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control plane's HTTP server (libevent evhttp; HTTPS through
 * OpenSSL when control.http.tls_cert/tls_key are set):
 *
 *   GET /v1/ice?ttl=N&username=U   RTCConfiguration-like JSON (Bearer API key)
 *   GET /?service=turn&username=U&key=K&ttl=N   TURN REST draft JSON
 *   GET /healthz                   200 while the process runs
 *   GET /readyz                    200 only while a dataplane is connected
 *                                  and not draining, else 503
 *   GET /metrics                   Prometheus text (cp_metrics_render)
 *   GET /ui/ice-test               the ICE test page and its .js/.css, built
 *                                  in (control/ui/; docs/ice-test.md); 404
 *                                  with control.http.ui = false
 *   OPTIONS (any path)             CORS preflight
 *
 * docs/openapi.yaml describes it; docs/control-plane.md explains it.
 */
#ifndef TP_HTTP_API_H
#define TP_HTTP_API_H

#include <stddef.h>

#include "cp.h"

/* Bind cp->cc.http_listen. NULL with a message on stderr (address in
 * use, bad certificate, ...). */
struct cp_http *cp_http_create(struct cp *cp);
void cp_http_destroy(struct cp_http *h);

/* Re-read the TLS certificate and key (SIGHUP). Connections already open
 * keep the old one. 0, or -EINVAL with @err filled (the old one stays). */
int cp_http_reload_tls(struct cp_http *h, char *err, size_t errlen);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control plane's HTTP server: see http_api.h and docs/ice-api.md.
 *
 * One evhttp on the process's loop. libevent does the HTTP/1.1 framing
 * and enforces the size and time limits set in cp_http_create; every
 * request that gets through reaches http_request(), which checks the
 * URI length and method, then dispatches on the path. The parsing that
 * can go wrong (query strings, Authorization, Origin, numbers) is in
 * http_parse.c and the JSON in ice_json.c, both pure and fuzzed; this
 * file only glues them to evhttp, cp.h and OpenSSL. The ICE test page's
 * files, embedded at build time (ui_assets.h), are served as they are
 * under /ui/ with a strict Content-Security-Policy.
 *
 * Requests libevent itself refuses never reach us, get its small HTML
 * error page and are not in cp->stats: a request line or headers over
 * 8 KiB (400), a body over 4 KiB (413), an unparsable request or HTTP
 * version (400), a method it does not know or CONNECT (501). A URI of
 * 2 KiB to 8 KiB reaches us and gets 414.
 *
 * With TLS, each accepted connection gets an SSL from the SSL_CTX in
 * force at that moment; cp_http_reload_tls swaps the SSL_CTX and frees
 * the old one, which OpenSSL keeps alive (refcounted) for the SSL
 * objects still using it.
 */
#include "http_api.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "http_parse.h"
#include "ice_json.h"
#include "key_ratelimit.h"
#include "stun_addr.h"
#include "ui_assets.h"

#define HTTP_MAX_HEADERS 8192
#define HTTP_MAX_BODY 4096
#define HTTP_TIMEOUT_S 10
#define CORS_MAX_AGE "600"
#define ALLOWED_METHODS "GET, HEAD, OPTIONS"
#define ICE_MAX_URLS (CP_CFG_MAX_URLS + 2 * TP_CFG_MAX_ADDRS)
#define BODY_MAX 32768
/* The web UI loads only its own files from this origin and talks only to
 * it (fetch /v1/ice); no inline script or style, no forms, no framing. */
#define UI_CSP                                                                                     \
	"default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "          \
	"img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

struct cp_http {
	struct cp *cp;
	struct evhttp *http;
	struct evhttp_bound_socket *sock;
	SSL_CTX *ssl; /* NULL: plain HTTP */
	struct key_ratelimit *rl;
	uint32_t rl_rate, rl_burst; /* what rl was set to, to follow reloads */
	/* One request at a time (one thread): scratch space for URLs and bodies. */
	char urls[ICE_MAX_URLS][CP_CFG_STR];
	char body[BODY_MAX];
};

/* What a request handler needs: the request, its CORS outcome. */
struct req_ctx {
	struct cp_http *h;
	struct evhttp_request *req;
	struct evkeyvalq *out;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- responses ---- */

static void
send_reply(struct req_ctx *c, int code, const char *reason, const char *ctype, const char *body,
	   size_t len)
{
	struct cp_stats *st = &c->h->cp->stats;
	struct evbuffer *b = NULL;

	if (code / 100 >= 1 && code / 100 <= 5)
		st->http_status[code / 100]++;
	if (ctype)
		evhttp_add_header(c->out, "Content-Type", ctype);
	evhttp_add_header(c->out, "Cache-Control", "no-store");
	evhttp_add_header(c->out, "X-Content-Type-Options", "nosniff");
	/* libevent 2.1 sends the body of a HEAD response; send the length
	 * it would have had and nothing else (RFC 9110 9.3.2). */
	if (evhttp_request_get_command(c->req) == EVHTTP_REQ_HEAD) {
		char cl[24];
		snprintf(cl, sizeof(cl), "%zu", len);
		evhttp_add_header(c->out, "Content-Length", cl);
		len = 0;
	}
	if (len > 0) {
		b = evbuffer_new();
		if (b == NULL || evbuffer_add(b, body, len) != 0) {
			if (b)
				evbuffer_free(b);
			evhttp_send_error(c->req, 500, NULL);
			return;
		}
	}
	evhttp_send_reply(c->req, code, reason, b);
	if (b)
		evbuffer_free(b);
}

static void
send_json(struct req_ctx *c, int code, const char *reason, const char *body, int len)
{
	if (len < 0) {
		/* Our own body did not fit or was not UTF-8: a bug or a bad
		 * configured URL, never the client's doing. */
		static const char e[] = "{\"error\":\"internal\",\"message\":\"response could not be built\"}";
		send_reply(c, 500, "Internal Server Error", "application/json", e, sizeof(e) - 1);
		return;
	}
	send_reply(c, code, reason, "application/json", body, (size_t)len);
}

static void
send_error(struct req_ctx *c, int code, const char *reason, const char *err, const char *msg)
{
	int n = ice_json_error(err, msg, c->h->body, sizeof(c->h->body));
	send_json(c, code, reason, c->h->body, n);
}

/* ---- CORS ---- */

/*
 * Add the CORS response headers when the request's Origin is allowed.
 * Vary: Origin goes on every response once origins are configured,
 * since the answer then depends on it. Returns whether it was allowed.
 */
static bool
add_cors(struct req_ctx *c, bool preflight)
{
	const struct cp_config *cc = &c->h->cp->cc;
	const char *origin;
	enum http_origin_match m = HTTP_ORIGIN_NO;

	if (cc->n_cors_origins == 0)
		return false;
	evhttp_add_header(c->out, "Vary", "Origin");
	origin = evhttp_find_header(evhttp_request_get_input_headers(c->req), "Origin");
	if (origin == NULL)
		return false;
	for (unsigned int i = 0; i < cc->n_cors_origins && m == HTTP_ORIGIN_NO; i++)
		m = http_origin_match(origin, strlen(origin), cc->cors_origins[i]);
	if (m == HTTP_ORIGIN_NO)
		return false;
	/* Exact: echo the header, which equals the configured origin up to
	 * ASCII case and passed the origin shape check (no CR/LF). */
	evhttp_add_header(c->out, "Access-Control-Allow-Origin", m == HTTP_ORIGIN_ANY ? "*" : origin);
	if (preflight) {
		evhttp_add_header(c->out, "Access-Control-Allow-Methods", "GET, OPTIONS");
		evhttp_add_header(c->out, "Access-Control-Allow-Headers", "Authorization, Content-Type");
		evhttp_add_header(c->out, "Access-Control-Max-Age", CORS_MAX_AGE);
	} else {
		evhttp_add_header(c->out, "Access-Control-Expose-Headers", "Retry-After");
	}
	return true;
}

/* ---- credentials ---- */

/* The URLs to hand out: control.ice.urls, or one stun: and one turn:
 * (UDP, the only transport the dataplane serves) per network address. */
static unsigned int
ice_urls(struct cp_http *h, const char **out)
{
	const struct cp *cp = h->cp;
	unsigned int n = 0;

	if (cp->cc.n_ice_urls > 0) {
		for (unsigned int i = 0; i < cp->cc.n_ice_urls && n < ICE_MAX_URLS; i++)
			out[n++] = cp->cc.ice_urls[i];
		return n;
	}
	for (unsigned int i = 0; i < cp->tp.n_local && n + 2 <= ICE_MAX_URLS; i++) {
		struct stun_addr a = cp->tp.local[i];
		char hp[STUN_ADDR_STRLEN];

		a.port = cp->tp.listen_port;
		if (stun_addr_format(&a, hp, sizeof(hp)) >= (int)sizeof(hp))
			continue;
		snprintf(h->urls[n], sizeof(h->urls[n]), "stun:%s", hp);
		out[n] = h->urls[n];
		n++;
		snprintf(h->urls[n], sizeof(h->urls[n]), "turn:%s?transport=udp", hp);
		out[n] = h->urls[n];
		n++;
	}
	return n;
}

/*
 * Check the API key (@key, @len bytes; NULL = none given) and take a
 * token from its bucket. Returns true to go on; false after answering
 * 400 (missing), 401 (unknown) or 429 (over its rate).
 */
static bool
check_key(struct req_ctx *c, const char *key, size_t len)
{
	struct cp_http *h = c->h;
	struct cp *cp = h->cp;
	uint8_t id[KEY_RL_ID_LEN];
	unsigned int idlen = 0;
	uint32_t retry_ms = 0;
	char ra[16];

	if (key == NULL || len == 0) {
		send_error(c, 400, "Bad Request", "missing_api_key",
			   "an API key is required (Authorization: Bearer <key>, or key= on /)");
		return false;
	}
	if (!cp_api_key_valid(cp, key, len)) {
		cp->stats.http_unauthorized++;
		evhttp_add_header(c->out, "WWW-Authenticate",
				  "Bearer realm=\"turnpike\", error=\"invalid_token\"");
		send_error(c, 401, "Unauthorized", "invalid_api_key", "the API key is not valid");
		return false;
	}
	if (h->rl_rate != cp->cc.rate || h->rl_burst != cp->cc.burst) {
		key_ratelimit_set(h->rl, cp->cc.rate, cp->cc.burst);
		h->rl_rate = cp->cc.rate;
		h->rl_burst = cp->cc.burst;
	}
	if (EVP_Digest(key, len, id, &idlen, EVP_sha256(), NULL) != 1 || idlen != sizeof(id)) {
		send_error(c, 500, "Internal Server Error", "internal", "hashing failed");
		return false;
	}
	if (!key_ratelimit_take(h->rl, id, now_ms(), &retry_ms)) {
		cp->stats.http_rate_limited++;
		snprintf(ra, sizeof(ra), "%" PRIu32, (retry_ms + 999) / 1000);
		evhttp_add_header(c->out, "Retry-After", ra);
		send_error(c, 429, "Too Many Requests", "rate_limited",
			   "too many requests for this API key; retry after Retry-After seconds");
		return false;
	}
	return true;
}

/*
 * Read ?ttl= and ?username= and mint a credential into @cred (username
 * into @user_buf, password into @pw). Returns true to go on; false after
 * answering 400 or 503.
 */
static bool
mint(struct req_ctx *c, const struct http_query *q, struct ice_cred *cred, const char **urls,
     char *user_buf, size_t user_cap, char pw[STUN_REST_PASSWORD_LEN + 1])
{
	struct cp *cp = c->h->cp;
	struct stun_rest_secrets secrets;
	uint64_t ttl = cp->cc.ice_ttl, max = cp->cc.ice_max_ttl ? cp->cc.ice_max_ttl : 1;
	const char *v;
	size_t vlen;
	uint64_t expiry;
	int n;

	v = http_query_get(q, "ttl", &vlen);
	if (v != NULL && http_parse_seconds(v, vlen, max, &ttl) != 0) {
		send_error(c, 400, "Bad Request", "invalid_ttl",
			   "ttl must be a whole number of seconds");
		return false;
	}
	if (ttl > max)
		ttl = max;
	if (ttl == 0)
		ttl = 1;

	v = http_query_get(q, "username", &vlen);
	if (v != NULL && vlen > 0) {
		if (memchr(v, ':', vlen) != NULL) {
			send_error(c, 400, "Bad Request", "invalid_username",
				   "username must not contain ':' (the expiry separator)");
			return false;
		}
		if (!http_user_id_valid(v, vlen)) {
			send_error(c, 400, "Bad Request", "invalid_username",
				   "username must be 1-128 printable ASCII characters without spaces");
			return false;
		}
	} else {
		v = NULL;
	}

	cp_rest_secrets(cp, &secrets);
	if (secrets.n == 0) {
		send_error(c, 503, "Service Unavailable", "no_rest_secret",
			   "no TURN REST secret is configured (turn.rest_secrets or Redis)");
		return false;
	}

	/* A bare "<expiry>" when no user id was given: the dataplane and
	 * coturn both accept it (stun_rest_parse_username). */
	expiry = (uint64_t)time(NULL) + ttl;
	if (v != NULL)
		n = snprintf(user_buf, user_cap, "%" PRIu64 ":%.*s", expiry, (int)vlen, v);
	else
		n = snprintf(user_buf, user_cap, "%" PRIu64, expiry);
	if (n < 0 || (size_t)n >= user_cap) {
		send_error(c, 500, "Internal Server Error", "internal", "username too long");
		return false;
	}
	stun_rest_password(secrets.s[0].val, secrets.s[0].len, user_buf, (size_t)n, pw);

	cred->username = user_buf;
	cred->credential = pw;
	cred->ttl = (uint32_t)ttl;
	cred->expires_at = expiry;
	cred->urls = urls;
	cred->n_urls = ice_urls(c->h, urls);
	return true;
}

/* ---- endpoints ---- */

static void
handle_ice(struct req_ctx *c, const char *query)
{
	struct http_query q;
	struct ice_cred cred;
	const char *urls[ICE_MAX_URLS];
	char user[64 + HTTP_USER_ID_MAX], pw[STUN_REST_PASSWORD_LEN + 1];
	const char *auth, *tok = NULL;
	size_t toklen = 0;
	int n;

	auth = evhttp_find_header(evhttp_request_get_input_headers(c->req), "Authorization");
	if (auth != NULL && http_auth_bearer(auth, strlen(auth), &tok, &toklen) != 0) {
		send_error(c, 400, "Bad Request", "invalid_authorization",
			   "the Authorization header must be \"Bearer <API key>\"");
		return;
	}
	if (!check_key(c, tok, toklen))
		return;
	if (http_query_parse(query ? query : "", query ? strlen(query) : 0, &q) != 0) {
		send_error(c, 400, "Bad Request", "invalid_query",
			   "the query string is malformed (bad escape, NUL, or a repeated parameter)");
		return;
	}
	if (!mint(c, &q, &cred, urls, user, sizeof(user), pw))
		return;
	n = ice_json_config(&cred, c->h->body, sizeof(c->h->body));
	if (n >= 0)
		c->h->cp->stats.http_ice_ok++;
	send_json(c, 200, "OK", c->h->body, n);
}

/* The TURN REST draft: GET /?service=turn&username=U&key=K&ttl=N */
static void
handle_rest(struct req_ctx *c, const char *query)
{
	struct http_query q;
	struct ice_cred cred;
	const char *urls[ICE_MAX_URLS];
	char user[64 + HTTP_USER_ID_MAX], pw[STUN_REST_PASSWORD_LEN + 1];
	const char *v;
	size_t vlen;
	int n;

	if (http_query_parse(query ? query : "", query ? strlen(query) : 0, &q) != 0) {
		send_error(c, 400, "Bad Request", "invalid_query",
			   "the query string is malformed (bad escape, NUL, or a repeated parameter)");
		return;
	}
	v = http_query_get(&q, "service", &vlen);
	if (v == NULL || vlen != 4 || memcmp(v, "turn", 4) != 0) {
		send_error(c, 400, "Bad Request", "invalid_service", "service=turn is required");
		return;
	}
	v = http_query_get(&q, "key", &vlen);
	if (!check_key(c, v, v ? vlen : 0))
		return;
	if (!mint(c, &q, &cred, urls, user, sizeof(user), pw))
		return;
	n = ice_json_rest(&cred, c->h->body, sizeof(c->h->body));
	if (n >= 0)
		c->h->cp->stats.http_ice_ok++;
	send_json(c, 200, "OK", c->h->body, n);
}

static void
handle_healthz(struct req_ctx *c)
{
	static const char ok[] = "{\"status\":\"ok\"}";
	send_json(c, 200, "OK", ok, (int)sizeof(ok) - 1);
}

static void
handle_readyz(struct req_ctx *c)
{
	static const char ok[] = "{\"status\":\"ready\"}";
	const struct cp *cp = c->h->cp;

	if (!cp->dp_connected)
		send_error(c, 503, "Service Unavailable", "not_ready", "no dataplane is connected");
	else if (cp->dp_draining)
		send_error(c, 503, "Service Unavailable", "not_ready", "the dataplane is draining");
	else
		send_json(c, 200, "OK", ok, (int)sizeof(ok) - 1);
}

static void
handle_metrics(struct req_ctx *c)
{
	struct evbuffer *b = evbuffer_new();

	if (b == NULL) {
		send_error(c, 500, "Internal Server Error", "internal", "out of memory");
		return;
	}
	cp_metrics_render(c->h->cp, b);
	c->h->cp->stats.http_status[2]++;
	if (evhttp_request_get_command(c->req) == EVHTTP_REQ_HEAD) {
		char cl[24];
		snprintf(cl, sizeof(cl), "%zu", evbuffer_get_length(b));
		evhttp_add_header(c->out, "Content-Length", cl);
		evbuffer_drain(b, evbuffer_get_length(b));
	}
	evhttp_add_header(c->out, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	evhttp_add_header(c->out, "Cache-Control", "no-store");
	evhttp_add_header(c->out, "X-Content-Type-Options", "nosniff");
	evhttp_send_reply(c->req, 200, "OK", b);
	evbuffer_free(b);
}

/* The embedded file served at @path (docs/ice-test.md), or NULL. */
static const struct ui_asset *
ui_find(const struct cp_http *h, const char *path)
{
	if (!h->cp->cc.http_ui || path == NULL || strncmp(path, "/ui/", 4) != 0)
		return NULL;
	for (size_t i = 0; i < ui_n_assets; i++)
		if (strcmp(path, ui_assets[i].path) == 0)
			return &ui_assets[i];
	return NULL;
}

/* A static file: the page never needs caching (it is small and changes
 * with the binary), and these headers keep it from being sniffed, framed,
 * or leaking its URL (which may carry ?key=) as a Referer. */
static void
handle_ui(struct req_ctx *c, const struct ui_asset *a)
{
	evhttp_add_header(c->out, "Content-Security-Policy", UI_CSP);
	evhttp_add_header(c->out, "Referrer-Policy", "no-referrer");
	evhttp_add_header(c->out, "X-Frame-Options", "DENY");
	send_reply(c, 200, "OK", a->type, (const char *)a->data, a->len);
}

enum route { R_NONE, R_ICE, R_REST, R_HEALTHZ, R_READYZ, R_METRICS, R_UI };

/* The route of @path; for R_UI, the file in *@ui. */
static enum route
route_of(const struct cp_http *h, const char *path, const struct ui_asset **ui)
{
	if (path == NULL || path[0] == '\0' || strcmp(path, "/") == 0)
		return R_REST;
	if (strcmp(path, "/v1/ice") == 0)
		return R_ICE;
	if (strcmp(path, "/healthz") == 0)
		return R_HEALTHZ;
	if (strcmp(path, "/readyz") == 0)
		return R_READYZ;
	if (strcmp(path, "/metrics") == 0)
		return R_METRICS;
	*ui = ui_find(h, path);
	if (*ui != NULL)
		return R_UI;
	return R_NONE;
}

static void
http_request(struct evhttp_request *req, void *arg)
{
	struct cp_http *h = arg;
	struct req_ctx c = {h, req, evhttp_request_get_output_headers(req)};
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *raw = evhttp_request_get_uri(req);
	enum evhttp_cmd_type method = evhttp_request_get_command(req);
	const struct ui_asset *ui = NULL;
	enum route r;

	h->cp->stats.http_requests++;
	if (raw != NULL && strlen(raw) > HTTP_URI_MAX) {
		add_cors(&c, false);
		send_error(&c, 414, "URI Too Long", "uri_too_long",
			   "the request URI is longer than 2048 bytes");
		return;
	}
	if (uri == NULL) {
		send_error(&c, 400, "Bad Request", "invalid_uri", "the request URI is malformed");
		return;
	}
	r = route_of(h, evhttp_uri_get_path(uri), &ui);

	if (method == EVHTTP_REQ_OPTIONS) {
		/* A CORS preflight (or a plain OPTIONS): on any path, as the
		 * browser asks before it knows whether the path exists. */
		add_cors(&c, true);
		evhttp_add_header(c.out, "Allow", ALLOWED_METHODS);
		send_reply(&c, 204, "No Content", NULL, NULL, 0);
		return;
	}
	add_cors(&c, false);
	if (r == R_NONE) {
		send_error(&c, 404, "Not Found", "not_found",
			   "no such endpoint; see /v1/ice, /, /healthz, /readyz, /metrics, /ui/ice-test");
		return;
	}
	if (method != EVHTTP_REQ_GET && method != EVHTTP_REQ_HEAD) {
		evhttp_add_header(c.out, "Allow", ALLOWED_METHODS);
		send_error(&c, 405, "Method Not Allowed", "method_not_allowed",
			   "only GET, HEAD and OPTIONS are allowed");
		return;
	}
	switch (r) {
	case R_ICE:
		handle_ice(&c, evhttp_uri_get_query(uri));
		break;
	case R_REST:
		handle_rest(&c, evhttp_uri_get_query(uri));
		break;
	case R_HEALTHZ:
		handle_healthz(&c);
		break;
	case R_READYZ:
		handle_readyz(&c);
		break;
	case R_METRICS:
		handle_metrics(&c);
		break;
	case R_UI:
		handle_ui(&c, ui);
		break;
	case R_NONE:
		break;
	}
}

/* ---- TLS ---- */

static void
ssl_errors(char *err, size_t errlen)
{
	unsigned long e = ERR_get_error();
	char tmp[256];

	if (e == 0) {
		snprintf(err, errlen, "unknown error");
		return;
	}
	ERR_error_string_n(e, tmp, sizeof(tmp));
	snprintf(err, errlen, "%s", tmp);
	ERR_clear_error();
}

/* A server SSL_CTX from the configured PEM files: TLS 1.2 or later,
 * no renegotiation, OpenSSL's default cipher lists. */
static SSL_CTX *
tls_ctx_new(const struct cp_config *cc, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	char why[256];

	if (ctx == NULL) {
		ssl_errors(why, sizeof(why));
		snprintf(err, errlen, "control.http: TLS context: %s", why);
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
					 SSL_OP_NO_COMPRESSION);
	if (SSL_CTX_use_certificate_chain_file(ctx, cc->tls_cert) != 1) {
		ssl_errors(why, sizeof(why));
		snprintf(err, errlen, "control.http.tls_cert: %s: %s", cc->tls_cert, why);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, cc->tls_key, SSL_FILETYPE_PEM) != 1) {
		ssl_errors(why, sizeof(why));
		snprintf(err, errlen, "control.http.tls_key: %s: %s", cc->tls_key, why);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ssl_errors(why, sizeof(why));
		snprintf(err, errlen, "control.http.tls_key: %s does not match %s: %s", cc->tls_key,
			 cc->tls_cert, why);
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

static struct bufferevent *
tls_bev(struct event_base *base, void *arg)
{
	struct cp_http *h = arg;
	struct bufferevent *bev;
	SSL *ssl = SSL_new(h->ssl);

	/* Returning NULL would make evhttp fall back to a plain socket
	 * bufferevent; there is no way to refuse the connection from here,
	 * and a client speaking TLS to it only gets an error. */
	if (ssl == NULL)
		return NULL;
	bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
					     BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	/* Clients often close without close_notify; that is not an error
	 * worth failing a finished response over. */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

static bool
tls_wanted(const struct cp_config *cc)
{
	return cc->tls_cert[0] != '\0' || cc->tls_key[0] != '\0';
}

int
cp_http_reload_tls(struct cp_http *h, char *err, size_t errlen)
{
	const struct cp_config *cc = &h->cp->cc;
	SSL_CTX *ctx;

	if (!tls_wanted(cc) && h->ssl == NULL)
		return 0;
	if (h->ssl == NULL || !tls_wanted(cc)) {
		snprintf(err, errlen,
			 "control.http: switching between HTTP and HTTPS needs a restart");
		return -EINVAL;
	}
	if (cc->tls_cert[0] == '\0' || cc->tls_key[0] == '\0') {
		snprintf(err, errlen, "control.http: tls_cert and tls_key must both be set");
		return -EINVAL;
	}
	ctx = tls_ctx_new(cc, err, errlen);
	if (ctx == NULL)
		return -EINVAL;
	SSL_CTX_free(h->ssl);
	h->ssl = ctx;
	return 0;
}

/* ---- lifecycle ---- */

/* Split "ADDR:PORT" / "[V6]:PORT" into @host and @port. */
static int
split_listen(const char *s, char *host, size_t hostcap, uint16_t *port)
{
	const char *colon, *hs = s, *he;
	char *end;
	unsigned long p;

	if (s[0] == '[') {
		he = strchr(s, ']');
		if (he == NULL || he[1] != ':')
			return -EINVAL;
		hs = s + 1;
		colon = he + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || memchr(s, ':', (size_t)(colon - s)) != NULL)
			return -EINVAL; /* IPv6 without brackets */
		he = colon;
	}
	if (he == hs || (size_t)(he - hs) >= hostcap || colon[1] == '\0')
		return -EINVAL;
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || p == 0 || p > 65535 || colon[1] < '0' || colon[1] > '9')
		return -EINVAL;
	memcpy(host, hs, (size_t)(he - hs));
	host[he - hs] = '\0';
	*port = (uint16_t)p;
	return 0;
}

struct cp_http *
cp_http_create(struct cp *cp)
{
	const struct cp_config *cc = &cp->cc;
	struct cp_http *h;
	char host[CP_CFG_STR], err[512];
	uint16_t port;

	if (split_listen(cc->http_listen, host, sizeof(host), &port) != 0) {
		fprintf(stderr, "control.http.listen: \"%s\" is not ADDR:PORT or [V6]:PORT\n",
			cc->http_listen);
		errno = EINVAL;
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		fprintf(stderr, "control.http: out of memory\n");
		return NULL;
	}
	h->cp = cp;
	h->rl_rate = cc->rate;
	h->rl_burst = cc->burst;
	h->rl = key_ratelimit_create(cc->rate, cc->burst);
	if (h->rl == NULL) {
		fprintf(stderr, "control.http: out of memory\n");
		goto fail_h;
	}
	if (tls_wanted(cc)) {
		if (cc->tls_cert[0] == '\0' || cc->tls_key[0] == '\0') {
			fprintf(stderr, "control.http: tls_cert and tls_key must both be set\n");
			goto fail_rl;
		}
		h->ssl = tls_ctx_new(cc, err, sizeof(err));
		if (h->ssl == NULL) {
			fprintf(stderr, "%s\n", err);
			goto fail_rl;
		}
	}
	h->http = evhttp_new(cp->base);
	if (h->http == NULL) {
		fprintf(stderr, "control.http: evhttp_new failed\n");
		goto fail_ssl;
	}
	evhttp_set_max_headers_size(h->http, HTTP_MAX_HEADERS);
	evhttp_set_max_body_size(h->http, HTTP_MAX_BODY);
	evhttp_set_timeout(h->http, HTTP_TIMEOUT_S);
	/* Methods evhttp would answer 501 itself are let through so that
	 * http_request() answers 405 with Allow, as RFC 9110 asks. */
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_OPTIONS |
						    EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
						    EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH |
						    EVHTTP_REQ_TRACE);
	evhttp_set_gencb(h->http, http_request, h);
	if (h->ssl)
		evhttp_set_bevcb(h->http, tls_bev, h);
	h->sock = evhttp_bind_socket_with_handle(h->http, host, port);
	if (h->sock == NULL) {
		fprintf(stderr, "control.http.listen: cannot listen on %s: %s\n", cc->http_listen,
			strerror(errno));
		goto fail_http;
	}
	return h;

fail_http:
	evhttp_free(h->http);
fail_ssl:
	SSL_CTX_free(h->ssl);
fail_rl:
	key_ratelimit_destroy(h->rl);
fail_h:
	free(h);
	return NULL;
}

void
cp_http_destroy(struct cp_http *h)
{
	if (h == NULL)
		return;
	evhttp_free(h->http);
	SSL_CTX_free(h->ssl);
	key_ratelimit_destroy(h->rl);
	free(h);
}

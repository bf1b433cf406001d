/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An asynchronous Redis connection: see redis_conn.h.
 *
 * States: IDLE (waiting for the retry timer) -> CONNECTING (TCP, TLS)
 * -> HANDSHAKE (AUTH, SELECT in flight) -> UP. Any failure goes back to
 * IDLE through conn_fail(), which frees the transport, runs every pending
 * callback with NULL and arms the retry timer. A 250 ms tick enforces
 * the connect timeout and the reply timeout, so nothing here waits on a
 * socket option or an unbounded libevent timeout.
 *
 * Re-entrancy: a callback may send commands; a handshake callback may
 * fail the connection. Every transport teardown bumps c->gen, and the
 * reply loop stops as soon as it sees the generation change.
 */
#include "redis_conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "cp_config.h"

#define BACKOFF_MIN_MS 100u
#define BACKOFF_MAX_MS 5000u
#define TICK_MS 250
#define MIN_REPLY_TIMEOUT_MS 2000u
#define MAX_CMD_ARGS 16

enum conn_state { ST_IDLE, ST_CONNECTING, ST_HANDSHAKE, ST_UP };

struct pending {
	struct pending *next;
	redis_reply_cb cb;
	void *arg;
	uint64_t sent_ms;
};

struct redis_conn {
	struct event_base *base;
	struct redis_conn_hooks hooks;
	char name[32];
	char host[CP_CFG_STR];
	uint16_t port;
	unsigned int db;
	char user[CP_CFG_STR];
	char password[CP_CFG_STR];
	char sni[CP_CFG_STR];
	bool tls, verify;
	uint32_t connect_timeout_ms, reply_timeout_ms;
	SSL_CTX *ssl_ctx;
	struct evdns_base *dns; /* only for a host name that is not an IP */

	enum conn_state st;
	unsigned int gen;
	struct bufferevent *bev;
	redisReader *reader;
	uint64_t since_ms;  /* start of the current attempt */
	unsigned int hs_left;  /* handshake replies still expected */

	struct pending *head, *tail;
	size_t n_pending;

	struct event *retry_ev, *tick_ev;
	uint32_t backoff_ms;
	char last_err[256]; /* the failure last logged while down */
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static bool
is_ip_literal(const char *s)
{
	unsigned char b[16];

	return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

bool
redis_reply_ok(const redisReply *reply)
{
	return reply && reply->type == REDIS_REPLY_STATUS && reply->len == 2 &&
	       memcmp(reply->str, "OK", 2) == 0;
}

bool
redis_reply_is_error(const redisReply *reply)
{
	return reply && reply->type == REDIS_REPLY_ERROR;
}

/* ---- pending FIFO ---- */

static void
pending_push(struct redis_conn *c, struct pending *p)
{
	p->next = NULL;
	if (c->tail)
		c->tail->next = p;
	else
		c->head = p;
	c->tail = p;
	c->n_pending++;
}

static struct pending *
pending_pop(struct redis_conn *c)
{
	struct pending *p = c->head;

	if (!p)
		return NULL;
	c->head = p->next;
	if (!c->head)
		c->tail = NULL;
	c->n_pending--;
	return p;
}

/* Run every pending callback with NULL. Detach the list first: a
 * callback may try to send (it gets -ENOTCONN) but cannot extend it. */
static void
pending_fail_all(struct redis_conn *c)
{
	struct pending *p = c->head;

	c->head = c->tail = NULL;
	c->n_pending = 0;
	while (p) {
		struct pending *next = p->next;

		p->cb(p->arg, NULL);
		free(p);
		p = next;
	}
}

/* ---- state changes ---- */

static void
transport_free(struct redis_conn *c)
{
	c->gen++;
	if (c->bev) {
		bufferevent_free(c->bev);
		c->bev = NULL;
	}
	if (c->reader) {
		redisReaderFree(c->reader);
		c->reader = NULL;
	}
}

/* Drop the connection for @why, fail what is pending and retry later. */
static void
conn_fail(struct redis_conn *c, const char *why)
{
	bool was_up = c->st == ST_UP;
	struct timeval tv;

	transport_free(c);
	c->st = ST_IDLE;
	if (was_up)
		c->backoff_ms = BACKOFF_MIN_MS;
	if (was_up || strcmp(why, c->last_err) != 0) {
		fprintf(stderr, "%s: %s %s:%u: %s; retrying in %u ms\n", c->name,
			was_up ? "lost" : "cannot connect to", c->host, c->port, why,
			c->backoff_ms);
		snprintf(c->last_err, sizeof(c->last_err), "%s", why);
	}
	tv.tv_sec = c->backoff_ms / 1000;
	tv.tv_usec = (c->backoff_ms % 1000) * 1000;
	evtimer_add(c->retry_ev, &tv);
	c->backoff_ms = c->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : c->backoff_ms * 2;

	if (was_up && c->hooks.on_state)
		c->hooks.on_state(c->hooks.arg, false, why);
	pending_fail_all(c);
}

static void
become_up(struct redis_conn *c)
{
	c->st = ST_UP;
	c->backoff_ms = BACKOFF_MIN_MS;
	c->last_err[0] = '\0';
	fprintf(stderr, "%s: connected to %s:%u%s\n", c->name, c->host, c->port,
		c->tls ? " (TLS)" : "");
	if (c->hooks.on_state)
		c->hooks.on_state(c->hooks.arg, true, NULL);
}

/* ---- sending ---- */

static int
send_cmd(struct redis_conn *c, redis_reply_cb cb, void *arg, int argc, const char **argv,
	 const size_t *argvlen)
{
	struct pending *p;
	char *cmd = NULL;
	int len;

	if (argc < 1)
		return -EINVAL;
	if (!c->bev || c->st == ST_IDLE || c->st == ST_CONNECTING)
		return -ENOTCONN;
	if (c->n_pending >= REDIS_CONN_MAX_PENDING)
		return -ENOBUFS;
	p = malloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	len = redisFormatCommandArgv(&cmd, argc, argv, argvlen);
	if (len < 0 || !cmd) {
		free(p);
		return -ENOMEM;
	}
	if (bufferevent_write(c->bev, cmd, (size_t)len) != 0) {
		redisFreeCommand(cmd);
		free(p);
		return -ENOMEM;
	}
	redisFreeCommand(cmd);
	p->cb = cb;
	p->arg = arg;
	p->sent_ms = now_ms();
	pending_push(c, p);
	return 0;
}

int
redis_conn_cmdv(struct redis_conn *c, redis_reply_cb cb, void *arg, int argc, const char **argv,
		const size_t *argvlen)
{
	if (c->st != ST_UP)
		return -ENOTCONN;
	return send_cmd(c, cb, arg, argc, argv, argvlen);
}

int
redis_conn_cmd(struct redis_conn *c, redis_reply_cb cb, void *arg, ...)
{
	const char *argv[MAX_CMD_ARGS];
	size_t lens[MAX_CMD_ARGS];
	int argc = 0;
	const char *s;
	va_list ap;

	va_start(ap, arg);
	while ((s = va_arg(ap, const char *)) != NULL) {
		if (argc == MAX_CMD_ARGS) {
			va_end(ap);
			return -EINVAL;
		}
		argv[argc] = s;
		lens[argc] = strlen(s);
		argc++;
	}
	va_end(ap);
	return redis_conn_cmdv(c, cb, arg, argc, argv, lens);
}

/* ---- handshake ---- */

static void
hs_reply(void *arg, const redisReply *reply, const char *what)
{
	struct redis_conn *c = arg;
	char why[256];

	if (!reply)
		return; /* the connection is already being torn down */
	if (reply->type == REDIS_REPLY_ERROR) {
		snprintf(why, sizeof(why), "%s failed: %.*s", what, (int)(reply->len > 200 ? 200 : reply->len),
			 reply->str);
		conn_fail(c, why);
		return;
	}
	if (--c->hs_left == 0)
		become_up(c);
}

static void
hs_auth_cb(void *arg, const redisReply *reply)
{
	hs_reply(arg, reply, "AUTH");
}

static void
hs_select_cb(void *arg, const redisReply *reply)
{
	hs_reply(arg, reply, "SELECT");
}

static void
start_handshake(struct redis_conn *c)
{
	const char *argv[3];
	size_t lens[3];
	char dbs[16];
	int n = 0;

	c->st = ST_HANDSHAKE;
	c->hs_left = 0;
	if (c->password[0]) {
		argv[n] = "AUTH", lens[n++] = 4;
		if (c->user[0])
			argv[n] = c->user, lens[n] = strlen(c->user), n++;
		argv[n] = c->password, lens[n] = strlen(c->password), n++;
		if (send_cmd(c, hs_auth_cb, c, n, argv, lens) != 0) {
			conn_fail(c, "cannot queue AUTH");
			return;
		}
		c->hs_left++;
	}
	if (c->db != 0) {
		snprintf(dbs, sizeof(dbs), "%u", c->db);
		argv[0] = "SELECT", lens[0] = 6;
		argv[1] = dbs, lens[1] = strlen(dbs);
		if (send_cmd(c, hs_select_cb, c, 2, argv, lens) != 0) {
			conn_fail(c, "cannot queue SELECT");
			return;
		}
		c->hs_left++;
	}
	if (c->hs_left == 0)
		become_up(c);
}

/* ---- transport callbacks ---- */

static bool
is_push(const redisReply *r)
{
	const redisReply *k;

	if (r->type != REDIS_REPLY_ARRAY || r->elements < 3)
		return false;
	k = r->element[0];
	if (k->type != REDIS_REPLY_STRING)
		return false;
	return (k->len == 7 && memcmp(k->str, "message", 7) == 0) ||
	       (k->len == 8 && memcmp(k->str, "pmessage", 8) == 0);
}

static void
read_cb(struct bufferevent *bev, void *arg)
{
	struct redis_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	unsigned int gen = c->gen;
	char buf[16384];
	int n;

	while ((n = evbuffer_remove(in, buf, sizeof(buf))) > 0) {
		if (redisReaderFeed(c->reader, buf, (size_t)n) != REDIS_OK) {
			conn_fail(c, "out of memory reading a reply");
			return;
		}
	}
	for (;;) {
		void *r = NULL;
		struct pending *p;
		char why[160];

		if (redisReaderGetReply(c->reader, &r) != REDIS_OK) {
			snprintf(why, sizeof(why), "protocol error: %s", c->reader->errstr);
			conn_fail(c, why);
			return;
		}
		if (!r)
			return;
		if (c->hooks.subscriber && c->hooks.on_push && is_push(r)) {
			c->hooks.on_push(c->hooks.arg, r);
		} else if ((p = pending_pop(c)) != NULL) {
			p->cb(p->arg, r);
			free(p);
		} else {
			freeReplyObject(r);
			conn_fail(c, "a reply nobody asked for");
			return;
		}
		freeReplyObject(r);
		if (c->gen != gen)
			return; /* torn down from inside the callback */
	}
}

static void
describe_error(struct redis_conn *c, struct bufferevent *bev, short what, char *why, size_t len)
{
	unsigned long e;
	int dns_err = bufferevent_socket_get_dns_error(bev);
	int sock_err = EVUTIL_SOCKET_ERROR();

	if (dns_err) {
		snprintf(why, len, "cannot resolve: %s", evutil_gai_strerror(dns_err));
		return;
	}
	if (c->tls && (e = bufferevent_get_openssl_error(bev)) != 0) {
		char es[200];
		SSL *ssl = bufferevent_openssl_get_ssl(bev);
		long vr = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;

		ERR_error_string_n(e, es, sizeof(es));
		while (bufferevent_get_openssl_error(bev) != 0)
			; /* drain the queue */
		if (vr != X509_V_OK)
			snprintf(why, len, "TLS: certificate verify failed: %s",
				 X509_verify_cert_error_string(vr));
		else
			snprintf(why, len, "TLS: %s", es);
		return;
	}
	if (what & BEV_EVENT_EOF)
		snprintf(why, len, "connection closed by the server");
	else if (sock_err)
		snprintf(why, len, "%s", evutil_socket_error_to_string(sock_err));
	else
		snprintf(why, len, "connection error");
}

static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct redis_conn *c = arg;
	char why[256];

	if (what & BEV_EVENT_CONNECTED) {
		evutil_socket_t fd = bufferevent_getfd(bev);
		int one = 1;

		if (fd >= 0) {
			setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		}
		start_handshake(c);
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		describe_error(c, bev, what, why, sizeof(why));
		conn_fail(c, why);
	}
}

static SSL *
make_ssl(struct redis_conn *c)
{
	SSL *ssl = SSL_new(c->ssl_ctx);
	const char *name = c->sni[0] ? c->sni : (is_ip_literal(c->host) ? NULL : c->host);

	if (!ssl)
		return NULL;
	/* RFC 6066: no SNI for an IP literal. */
	if (name && SSL_set_tlsext_host_name(ssl, name) != 1)
		goto fail;
	if (c->verify) {
		if (name) {
			if (SSL_set1_host(ssl, name) != 1)
				goto fail;
		} else if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), c->host) != 1) {
			goto fail;
		}
	}
	return ssl;
fail:
	SSL_free(ssl);
	return NULL;
}

static void
start_connect(struct redis_conn *c)
{
	int opts = BEV_OPT_CLOSE_ON_FREE;
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	int rc;

	c->reader = redisReaderCreate();
	if (!c->reader)
		goto nomem;
	if (c->tls) {
		SSL *ssl = make_ssl(c);

		if (!ssl)
			goto nomem;
		c->bev = bufferevent_openssl_socket_new(c->base, -1, ssl,
							BUFFEREVENT_SSL_CONNECTING, opts);
		if (!c->bev) {
			SSL_free(ssl);
			goto nomem;
		}
		bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	} else {
		c->bev = bufferevent_socket_new(c->base, -1, opts);
		if (!c->bev)
			goto nomem;
	}
	bufferevent_setcb(c->bev, read_cb, NULL, event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	c->st = ST_CONNECTING;
	c->since_ms = now_ms();

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, c->host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(c->port);
		sl = sizeof(*s4);
	} else if (inet_pton(AF_INET6, c->host, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(c->port);
		sl = sizeof(*s6);
	}
	if (sl) {
		rc = bufferevent_socket_connect(c->bev, (struct sockaddr *)&ss, (int)sl);
	} else {
		if (!c->dns)
			c->dns = evdns_base_new(c->base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
		if (!c->dns) {
			conn_fail(c, "cannot set up the DNS resolver");
			return;
		}
		rc = bufferevent_socket_connect_hostname(c->bev, c->dns, AF_UNSPEC, c->host,
							 c->port);
	}
	if (rc != 0 && c->st == ST_CONNECTING) {
		char why[256];

		snprintf(why, sizeof(why), "connect: %s",
			 evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		conn_fail(c, why);
	}
	return;
nomem:
	conn_fail(c, "out of memory");
}

static void
retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	start_connect(arg);
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct redis_conn *c = arg;
	uint64_t now = now_ms();
	char why[96];

	(void)fd;
	(void)what;
	if ((c->st == ST_CONNECTING || c->st == ST_HANDSHAKE) &&
	    now - c->since_ms > c->connect_timeout_ms) {
		snprintf(why, sizeof(why), "connect timeout after %u ms", c->connect_timeout_ms);
		conn_fail(c, why);
	} else if (c->st == ST_UP && c->head && now - c->head->sent_ms > c->reply_timeout_ms) {
		snprintf(why, sizeof(why), "no reply in %u ms", c->reply_timeout_ms);
		conn_fail(c, why);
	}
}

/* ---- TLS context ---- */

static int
tls_fail(const char *name, const char *what, const char *file)
{
	char es[200] = "";
	unsigned long e = ERR_get_error();

	if (e)
		ERR_error_string_n(e, es, sizeof(es));
	ERR_clear_error();
	fprintf(stderr, "%s: %s %s: %s\n", name, what, file, es[0] ? es : "failed");
	return -EINVAL;
}

static int
tls_setup(struct redis_conn *c, const struct cp_redis_config *cfg)
{
	struct stat st;

	c->ssl_ctx = SSL_CTX_new(TLS_client_method());
	if (!c->ssl_ctx)
		return tls_fail(c->name, "cannot create", "a TLS context");
	SSL_CTX_set_min_proto_version(c->ssl_ctx, TLS1_2_VERSION);
	if (cfg->tls_ca[0]) {
		bool dir = stat(cfg->tls_ca, &st) == 0 && S_ISDIR(st.st_mode);

		if (SSL_CTX_load_verify_locations(c->ssl_ctx, dir ? NULL : cfg->tls_ca,
						  dir ? cfg->tls_ca : NULL) != 1)
			return tls_fail(c->name, "cannot load tls_ca", cfg->tls_ca);
	} else if (SSL_CTX_set_default_verify_paths(c->ssl_ctx) != 1) {
		return tls_fail(c->name, "cannot load", "the system CA store");
	}
	if (cfg->tls_cert[0] || cfg->tls_key[0]) {
		const char *key = cfg->tls_key[0] ? cfg->tls_key : cfg->tls_cert;

		if (!cfg->tls_cert[0]) {
			fprintf(stderr, "%s: tls_key is set but tls_cert is not\n", c->name);
			return -EINVAL;
		}
		if (SSL_CTX_use_certificate_chain_file(c->ssl_ctx, cfg->tls_cert) != 1)
			return tls_fail(c->name, "cannot load tls_cert", cfg->tls_cert);
		if (SSL_CTX_use_PrivateKey_file(c->ssl_ctx, key, SSL_FILETYPE_PEM) != 1)
			return tls_fail(c->name, "cannot load tls_key", key);
		if (SSL_CTX_check_private_key(c->ssl_ctx) != 1)
			return tls_fail(c->name, "tls_key does not match", cfg->tls_cert);
	}
	SSL_CTX_set_verify(c->ssl_ctx, c->verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
	return 0;
}

/* ---- life cycle ---- */

struct redis_conn *
redis_conn_create(struct event_base *base, const struct cp_redis_config *cfg,
		  const struct redis_conn_hooks *hooks)
{
	struct redis_conn *c = calloc(1, sizeof(*c));
	struct timeval tick = {0, TICK_MS * 1000};

	if (!c) {
		fprintf(stderr, "redis: out of memory\n");
		return NULL;
	}
	c->base = base;
	c->hooks = *hooks;
	snprintf(c->name, sizeof(c->name), "%s", hooks->name ? hooks->name : "redis");
	snprintf(c->host, sizeof(c->host), "%s", cfg->host[0] ? cfg->host : "127.0.0.1");
	c->port = cfg->port ? cfg->port : 6379;
	c->db = cfg->db;
	snprintf(c->user, sizeof(c->user), "%s", cfg->user);
	snprintf(c->password, sizeof(c->password), "%s", cfg->password);
	snprintf(c->sni, sizeof(c->sni), "%s", cfg->tls_sni);
	c->tls = cfg->tls;
	c->verify = cfg->tls_verify;
	c->connect_timeout_ms = cfg->connect_timeout_ms ? cfg->connect_timeout_ms : 2000;
	c->reply_timeout_ms = c->connect_timeout_ms > MIN_REPLY_TIMEOUT_MS ? c->connect_timeout_ms
									    : MIN_REPLY_TIMEOUT_MS;
	c->backoff_ms = BACKOFF_MIN_MS;
	if (c->tls && tls_setup(c, cfg) != 0)
		goto fail;
	c->retry_ev = evtimer_new(base, retry_cb, c);
	c->tick_ev = event_new(base, -1, EV_PERSIST, tick_cb, c);
	if (!c->retry_ev || !c->tick_ev) {
		fprintf(stderr, "%s: out of memory\n", c->name);
		goto fail;
	}
	event_add(c->tick_ev, &tick);
	start_connect(c);
	return c;
fail:
	if (c->retry_ev)
		event_free(c->retry_ev);
	if (c->tick_ev)
		event_free(c->tick_ev);
	if (c->ssl_ctx)
		SSL_CTX_free(c->ssl_ctx);
	free(c);
	return NULL;
}

void
redis_conn_destroy(struct redis_conn *c)
{
	if (!c)
		return;
	transport_free(c);
	c->st = ST_IDLE;
	event_free(c->retry_ev);
	event_free(c->tick_ev);
	pending_fail_all(c);
	if (c->dns)
		evdns_base_free(c->dns, 0);
	if (c->ssl_ctx)
		SSL_CTX_free(c->ssl_ctx);
	explicit_bzero(c->password, sizeof(c->password));
	free(c);
}

bool
redis_conn_up(const struct redis_conn *c)
{
	return c && c->st == ST_UP;
}

size_t
redis_conn_pending(const struct redis_conn *c)
{
	return c ? c->n_pending : 0;
}

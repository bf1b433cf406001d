/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Blocking TURN set-up transactions over a connected UDP socket: see
 * perf_client.h.
 */
#include "perf_client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "perf_clock.h"
#include "perf_dpdk.h"
#include "udp_util.h"

#define RECV_MAX 65536
#define STRAY_MAX 64
#define ROUNDS_MAX 3
#define NEW_PORT_TRIES 8

static int64_t
now_ms(void)
{
	return (int64_t)(perf_now_ns() / 1000000);
}

int
perf_session_creds(const struct perf_cfg *cfg, struct turn_client *c)
{
	if (cfg->rest_secret != NULL)
		return turn_client_init_rest(c, (const uint8_t *)cfg->rest_secret,
					     strlen(cfg->rest_secret), cfg->rest_user,
					     (uint64_t)time(NULL) + 3600, 0);
	return turn_client_init(c, cfg->user, cfg->password);
}

int
perf_session_open(const struct perf_cfg *cfg, struct perf_session *s)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	rc = perf_session_creds(cfg, &s->c);
	if (rc != 0) {
		snprintf(s->last, sizeof(s->last), "bad credentials (%s)", strerror(-rc));
		return rc;
	}
	s->have_client = true;
	rc = udp_connect(&cfg->server);
	if (rc < 0) {
		snprintf(s->last, sizeof(s->last), "socket to the server: %s", strerror(-rc));
		return rc;
	}
	s->fd = rc;
	rc = udp_local_addr(s->fd, &s->local);
	if (rc != 0)
		snprintf(s->last, sizeof(s->last), "local address: %s", strerror(-rc));
	return rc;
}

#ifdef PERF_HAVE_DPDK
int
perf_session_open_dpdk(const struct perf_cfg *cfg, struct perf_session *s, struct perf_dpdk *d,
		       const struct stun_addr *local)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->dpdk = d;
	s->local = *local;
	rc = perf_session_creds(cfg, &s->c);
	if (rc != 0) {
		snprintf(s->last, sizeof(s->last), "bad credentials (%s)", strerror(-rc));
		return rc;
	}
	s->have_client = true;
	return 0;
}

struct dpdk_wait {
	const struct stun_addr *local;
	uint8_t *buf;
	size_t cap;
	int n; /* -1 until a datagram for @local arrived */
};

static void
dpdk_take(void *ctx, const struct stun_addr *dst, uint8_t *payload, size_t len, uint64_t now)
{
	struct dpdk_wait *w = ctx;

	(void)now;
	if (w->n >= 0 || dst->port != w->local->port || memcmp(dst->ip, w->local->ip, 4) != 0)
		return; /* another client's: stale during set-up, dropped */
	if (len > w->cap)
		len = w->cap;
	memcpy(w->buf, payload, len);
	w->n = (int)len;
}

/* Poll the port until a datagram for this session arrives or @ms pass. */
static int
dpdk_recv_wait(struct perf_session *s, uint8_t *buf, size_t cap, int ms)
{
	struct dpdk_wait w = { &s->local, buf, cap, -1 };
	int64_t deadline = now_ms() + ms;

	do {
		if (perf_dpdk_poll(s->dpdk, dpdk_take, &w) == 0 && w.n < 0) {
			struct timespec ts = { 0, 20000 };

			nanosleep(&ts, NULL);
		}
	} while (w.n < 0 && now_ms() < deadline);
	return w.n >= 0 ? w.n : -ETIMEDOUT;
}
#endif

int
perf_session_send(const struct perf_cfg *cfg, struct perf_session *s, const uint8_t *buf,
		  size_t len)
{
#ifdef PERF_HAVE_DPDK
	if (s->dpdk != NULL) {
		uint8_t *b = (uint8_t *)(uintptr_t)buf;
		int l = (int)len;

		return perf_dpdk_send(s->dpdk, &s->local, &cfg->server, &b, &l, 1) == 1 ? 0 :
											 -ENOBUFS;
	}
#endif
	return udp_send(s->fd, buf, len, NULL);
}

static int
session_recv_wait(struct perf_session *s, uint8_t *buf, size_t cap, int ms)
{
#ifdef PERF_HAVE_DPDK
	if (s->dpdk != NULL)
		return dpdk_recv_wait(s, buf, cap, ms);
#endif
	return udp_recv_wait(s->fd, buf, cap, ms, NULL);
}

/* One transaction: send, wait, resend the same bytes on each timeout. */
static int
transact(const struct perf_cfg *cfg, struct perf_session *s, const uint8_t *req, size_t len,
	 struct turn_client_result *r, int retries)
{
	uint8_t buf[RECV_MAX];
	int rc, n;

	for (int attempt = 0; attempt <= retries; attempt++) {
		int64_t deadline;

		rc = perf_session_send(cfg, s, req, len);
		if (rc != 0)
			return rc;
		deadline = now_ms() + cfg->timeout_ms;
		for (unsigned int stray = 0; stray < STRAY_MAX; stray++) {
			n = session_recv_wait(s, buf, sizeof(buf), (int)(deadline - now_ms()));
			if (n == -ETIMEDOUT)
				break;
			if (n < 0)
				return n;
			rc = turn_client_parse_response(&s->c, buf, (size_t)n, r);
			if (rc == 0 || rc == -EBADMSG)
				return rc;
		}
	}
	return -ETIMEDOUT;
}

enum op { OP_ALLOCATE, OP_BIND, OP_RELEASE };

/* Build, send, and build again while the answer asks for it (401, 438). */
static int
request(const struct perf_cfg *cfg, struct perf_session *s, enum op op, uint16_t channel,
	const struct stun_addr *peer, int retries)
{
	static const char *const names[] = { "Allocate", "ChannelBind", "Refresh" };
	uint8_t req[STUN_MAX_MSG_LEN];
	struct turn_client_result r;
	int n, rc = -EINVAL;

	for (unsigned int round = 0; round < ROUNDS_MAX; round++) {
		if (op == OP_ALLOCATE)
			n = turn_client_allocate(&s->c, NULL, req, sizeof(req));
		else if (op == OP_BIND)
			n = turn_client_channel_bind(&s->c, channel, peer, req, sizeof(req));
		else
			n = turn_client_refresh(&s->c, true, 0, req, sizeof(req));
		if (n < 0)
			return n;
		rc = transact(cfg, s, req, (size_t)n, &r, retries);
		if (rc != 0) {
			snprintf(s->last, sizeof(s->last), "%s: %s", names[op],
				 rc == -ETIMEDOUT ? "no answer" : strerror(-rc));
			return rc;
		}
		if (r.error == 0)
			break;
		if (!r.retry) {
			s->last_error = r.error;
			snprintf(s->last, sizeof(s->last), "%s: error %u %s", names[op], r.error,
				 r.reason);
			return -EPROTO;
		}
	}
	if (r.error != 0) {
		snprintf(s->last, sizeof(s->last), "%s: still error %u after %d rounds",
			 names[op], r.error, ROUNDS_MAX);
		return -EPROTO;
	}
	if (r.integrity != 0) {
		snprintf(s->last, sizeof(s->last), "%s: response integrity check failed",
			 names[op]);
		return -EACCES;
	}
	if (op == OP_ALLOCATE) {
		if (r.n_relayed == 0) {
			snprintf(s->last, sizeof(s->last), "Allocate: no XOR-RELAYED-ADDRESS");
			return -EPROTO;
		}
		s->relay = r.relayed[0];
		s->allocated = true;
	}
	return 0;
}

int
perf_session_check_realm(const struct perf_cfg *cfg, struct perf_session *s)
{
	if (cfg->realm == NULL)
		return 0;
	if (strlen(cfg->realm) != s->c.realm_len ||
	    memcmp(cfg->realm, s->c.realm, s->c.realm_len) != 0) {
		snprintf(s->last, sizeof(s->last), "the server's realm \"%.40s\" is not --realm"
			 " \"%.40s\"", s->c.realm, cfg->realm);
		return -EPROTO;
	}
	return 0;
}

/* A new ephemeral port for a kernel session whose 5-tuple the server
 * still holds: the client keeps its realm and nonce, not the transaction. */
static int
new_port(const struct perf_cfg *cfg, struct perf_session *s)
{
	int fd = udp_connect(&cfg->server), rc;

	if (fd < 0)
		return fd;
	close(s->fd);
	s->fd = fd;
	memset(s->c.tid, 0, sizeof(s->c.tid));
	s->c.method = 0;
	rc = udp_local_addr(s->fd, &s->local);
	if (rc != 0)
		snprintf(s->last, sizeof(s->last), "local address: %s", strerror(-rc));
	return rc;
}

int
perf_session_allocate(const struct perf_cfg *cfg, struct perf_session *s)
{
	int rc = request(cfg, s, OP_ALLOCATE, 0, NULL, cfg->retries);

	/* 437: the server keeps an allocation on this 5-tuple, e.g. one an
	 * earlier run (alloc-rate on coturn) left on the same ephemeral
	 * port. Another port is another client; try a few. */
	for (int i = 0; i < NEW_PORT_TRIES && rc == -EPROTO && s->last_error == 437 && s->fd >= 0;
	     i++) {
		s->last_error = 0;
		rc = new_port(cfg, s);
		if (rc == 0)
			rc = request(cfg, s, OP_ALLOCATE, 0, NULL, cfg->retries);
	}
	if (rc == 0)
		rc = perf_session_check_realm(cfg, s);
	return rc;
}

int
perf_session_bind(const struct perf_cfg *cfg, struct perf_session *s, uint16_t channel,
		  const struct stun_addr *peer)
{
	return request(cfg, s, OP_BIND, channel, peer, cfg->retries);
}

int
perf_session_release(const struct perf_cfg *cfg, struct perf_session *s)
{
	int rc = request(cfg, s, OP_RELEASE, 0, NULL, cfg->retries);

	if (rc == 0)
		s->allocated = false;
	return rc;
}

void
perf_session_close(const struct perf_cfg *cfg, struct perf_session *s)
{
	if (s->allocated && (s->fd >= 0 || s->dpdk != NULL))
		(void)request(cfg, s, OP_RELEASE, 0, NULL, 0);
	s->allocated = false;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	if (s->have_client)
		turn_client_fini(&s->c);
	s->have_client = false;
}

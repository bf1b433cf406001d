/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * turn-probe: a TURN client over kernel UDP sockets (IPv4 and IPv6) for
 * the integration tests of the dataplane. It runs named scenarios in
 * order; each prints one line, "ok SCENARIO ..." or
 * "FAIL SCENARIO: expected X, got Y", and the exit status is 1 if any
 * failed (2 for a usage error).
 *
 *   turn-probe --server 198.18.0.2 --user demo --password demo-pass \
 *       binding allocate stale-nonce mismatch relay 198.18.0.1:40000
 *   turn-probe --server [2001:db8:1::2]:3478 --rest-secret demo-secret \
 *       --rest-user probe expired-rest quota 3
 *   turn-probe --server 198.18.0.2 --user demo --password demo-pass \
 *       permission-expiry 3 198.18.0.1:40010 channel-expiry 4 198.18.0.1:40011
 *
 * The messages come from turn_client (dataplane/stun/turn_client.h); this
 * file only moves bytes and checks outcomes. Every receive has a timeout
 * (--timeout, default 1000 ms) and a request is sent again at most
 * --retries times (default 3), so a silent server costs 4 s per request;
 * every loop is bounded. Each scenario releases what it allocated
 * (Refresh with LIFETIME 0), best effort.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stun_addr.h"
#include "stun_bytes.h"
#include "stun_cred.h"
#include "stun_nonce.h"
#include "turn_client.h"
#include "udp_util.h"

#define DEFAULT_PORT 3478
#define RECV_MAX 4096
/* Datagrams that are not the awaited one, per wait: late answers to
 * retransmissions, stray data. Past this the wait gives up. */
#define STRAY_MAX 64
/* A 401 without credentials, then credentials, then a 438. */
#define MAX_ROUNDS 3
#define QUOTA_MAX 64
#define EXPIRY_MAX 3600
#define RELAY_PACKETS 100
#define RELAY_CHANNEL 0x4000
/* Any peer of an IPv4 relay will do for checks that fail before the
 * peer matters; from the benchmarking range the tests may use. */
#define SOME_PEER4 "198.19.0.1:9"

struct probe {
	struct stun_addr server;
	const char *user;
	const char *password;
	const char *rest_secret;
	const char *rest_user;
	uint64_t rest_expiry;      /* 0: an hour from now */
	int timeout_ms;
	int retries;
	uint16_t prefer_alg;
	bool fingerprint;
};

/* One client 5-tuple: a connected socket and its TURN session. */
struct session {
	int fd;
	struct turn_client c;
	struct stun_addr local;
	struct stun_addr relay;
	bool allocated;
};

enum cred_kind {
	CRED_GOOD,
	CRED_WRONG,    /* wrong password, or wrong REST secret */
	CRED_EXPIRED,  /* REST credential that expired an hour ago */
};

enum op {
	OP_BINDING,
	OP_ALLOCATE,
	OP_REFRESH,
	OP_PERMIT,
	OP_BIND,
};

struct op_args {
	struct turn_client_alloc_opts alloc;
	bool has_lifetime;
	uint32_t lifetime;
	const struct stun_addr *peers;
	unsigned int n_peer;
	uint16_t channel;
};

/* ---- output ---- */

static int __attribute__((format(printf, 2, 3)))
fail(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return -1;
}

static int __attribute__((format(printf, 2, 3)))
pass(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("ok %s", name);
	if (fmt[0] != 0) {
		printf(" ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	printf("\n");
	fflush(stdout);
	return 0;
}

static const char *
addr_str(const struct stun_addr *a, char buf[STUN_ADDR_STRLEN])
{
	if (a->family == 0)
		snprintf(buf, STUN_ADDR_STRLEN, "none");
	else
		stun_addr_format(a, buf, STUN_ADDR_STRLEN);
	return buf;
}

/* An outcome in words: "success", "error 437 (Allocation Mismatch)",
 * "no response (timeout)". */
static const char *
outcome(int rc, const struct turn_client_result *r, char *buf, size_t len)
{
	if (rc == -ETIMEDOUT)
		snprintf(buf, len, "no response (timeout)");
	else if (rc == -EBADMSG)
		snprintf(buf, len, "a malformed response");
	else if (rc < 0)
		snprintf(buf, len, "no response (%s)", strerror(-rc));
	else if (r->error == 0)
		snprintf(buf, len, "success");
	else
		snprintf(buf, len, "error %u (%s)", r->error, r->reason);
	return buf;
}

/* ---- sessions ---- */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
creds(const struct probe *p, struct turn_client *c, enum cred_kind kind)
{
	char wrong[STUN_REST_SECRET_MAX + 8];

	if (p->rest_secret != NULL) {
		const char *secret = p->rest_secret;
		uint64_t expiry = p->rest_expiry != 0 ? p->rest_expiry :
							(uint64_t)time(NULL) + 3600;
		if (kind == CRED_WRONG) {
			snprintf(wrong, sizeof(wrong), "%s-wrong", p->rest_secret);
			secret = wrong;
		} else if (kind == CRED_EXPIRED) {
			expiry = (uint64_t)time(NULL) - 3600;
		}
		return turn_client_init_rest(c, (const uint8_t *)secret, strlen(secret),
					     p->rest_user, expiry, 0);
	}
	if (kind == CRED_EXPIRED)
		return -ENOKEY;
	if (kind == CRED_WRONG) {
		snprintf(wrong, sizeof(wrong), "%s-wrong", p->password);
		return turn_client_init(c, p->user, wrong);
	}
	return turn_client_init(c, p->user, p->password);
}

/* A fresh socket connected to the server, and a client session on it. */
static int
session_open(const struct probe *p, struct session *s, enum cred_kind kind)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	rc = creds(p, &s->c, kind);
	if (rc != 0)
		return rc;
	s->c.prefer_alg = p->prefer_alg;
	s->c.fingerprint = p->fingerprint;
	rc = udp_connect(&p->server);
	if (rc < 0)
		goto err;
	s->fd = rc;
	rc = udp_local_addr(s->fd, &s->local);
	if (rc != 0) {
		close(s->fd);
		s->fd = -1;
		goto err;
	}
	return 0;

err:
	turn_client_fini(&s->c);
	return rc;
}

/*
 * Send one request and wait for its answer, sending the same bytes
 * again on each timeout (the server answers a retransmission without
 * applying it twice). Datagrams that are not the answer are skipped.
 * Returns 0 with @r filled, -ETIMEDOUT, -EBADMSG for a malformed
 * answer, or -errno from the socket.
 */
static int
transact(const struct probe *p, struct session *s, const uint8_t *req, size_t len,
	 struct turn_client_result *r)
{
	uint8_t buf[RECV_MAX];
	int rc, n;

	for (int attempt = 0; attempt <= p->retries; attempt++) {
		int64_t deadline;

		rc = udp_send(s->fd, req, len, NULL);
		if (rc != 0)
			return rc;
		deadline = now_ms() + p->timeout_ms;
		for (unsigned int stray = 0; stray < STRAY_MAX; stray++) {
			int left = (int)(deadline - now_ms());

			n = udp_recv_wait(s->fd, buf, sizeof(buf), left, NULL);
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

static int
build(struct session *s, enum op op, const struct op_args *a, uint8_t *buf, size_t cap)
{
	switch (op) {
	case OP_BINDING:
		return turn_client_binding(&s->c, buf, cap);
	case OP_ALLOCATE:
		return turn_client_allocate(&s->c, &a->alloc, buf, cap);
	case OP_REFRESH:
		return turn_client_refresh(&s->c, a->has_lifetime, a->lifetime, buf, cap);
	case OP_PERMIT:
		return turn_client_create_permission(&s->c, a->peers, a->n_peer, buf, cap);
	case OP_BIND:
		return turn_client_channel_bind(&s->c, a->channel, a->peers, buf, cap);
	}
	return -EINVAL;
}

/*
 * One request as a client makes it: built again and resent while the
 * answer says so (a 401 to the first, unauthenticated try; a 438), at
 * most MAX_ROUNDS times. Returns as transact; *rounds (may be NULL) is
 * the number of requests built. A successful Allocate marks the session
 * allocated, a successful Refresh 0 marks it released.
 */
static int
request(const struct probe *p, struct session *s, enum op op, const struct op_args *a,
	struct turn_client_result *r, unsigned int *rounds)
{
	static const struct op_args none;
	uint8_t req[STUN_MAX_MSG_LEN];
	unsigned int i;
	int n, rc = -EINVAL;

	if (a == NULL)
		a = &none;
	if (rounds == NULL)
		rounds = &i;
	for (*rounds = 1; *rounds <= MAX_ROUNDS; ++*rounds) {
		n = build(s, op, a, req, sizeof(req));
		if (n < 0)
			return n;
		rc = transact(p, s, req, (size_t)n, r);
		if (rc != 0 || !r->retry)
			break;
	}
	if (*rounds > MAX_ROUNDS)
		*rounds = MAX_ROUNDS;
	if (rc == 0 && r->error == 0) {
		if (op == OP_ALLOCATE && r->n_relayed > 0) {
			s->allocated = true;
			s->relay = r->relayed[0];
		} else if (op == OP_REFRESH && a->has_lifetime && a->lifetime == 0) {
			s->allocated = false;
		}
	}
	return rc;
}

/*
 * The answer must be @want (0: success), and any answer to credentials
 * other than a challenge must be signed with our key (RFC 8489 9.2.5).
 * Prints the FAIL line otherwise; @what says which step, or NULL.
 */
static int
expect(const char *name, const char *what, const struct session *s, int rc,
       const struct turn_client_result *r, uint16_t want)
{
	char got[64 + TURN_CLIENT_REASON_MAX], exp[32];

	if (want == 0)
		snprintf(exp, sizeof(exp), "success");
	else
		snprintf(exp, sizeof(exp), "error %u", want);
	if (rc != 0 || r->error != want)
		return fail(name, "expected %s%s%s, got %s", exp, what ? " for " : "",
			    what ? what : "", outcome(rc, r, got, sizeof(got)));
	if (s->c.authed && want != 401 && want != 438 && r->integrity != 0)
		return fail(name, "expected %s signed with our key%s%s, got integrity check %s",
			    exp, what ? " for " : "", what ? what : "", strerror(-r->integrity));
	return 0;
}

/* Refresh 0, best effort, then close. */
static void
session_close(const struct probe *p, struct session *s)
{
	struct op_args a = { .has_lifetime = true, .lifetime = 0 };
	struct turn_client_result r;

	if (s->fd >= 0 && s->allocated)
		request(p, s, OP_REFRESH, &a, &r, NULL);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	turn_client_fini(&s->c);
}

static int
open_or_fail(const struct probe *p, struct session *s, enum cred_kind kind, const char *name)
{
	int rc = session_open(p, s, kind);

	if (rc == -ENOKEY)
		return fail(name, "expected --rest-secret, got none");
	if (rc != 0)
		return fail(name, "expected a client socket, got %s", strerror(-rc));
	return 0;
}

/* Open a session and allocate; FAIL printed unless it succeeds with a
 * relayed address. */
static int
open_allocated(const struct probe *p, struct session *s, const struct turn_client_alloc_opts *o,
	       const char *name, struct turn_client_result *r)
{
	struct op_args a = { 0 };
	int rc;

	if (open_or_fail(p, s, CRED_GOOD, name) != 0)
		return -1;
	if (o != NULL)
		a.alloc = *o;
	rc = request(p, s, OP_ALLOCATE, &a, r, NULL);
	if (expect(name, "Allocate", s, rc, r, 0) != 0)
		goto err;
	if (r->n_relayed == 0) {
		fail(name, "expected XOR-RELAYED-ADDRESS, got none");
		goto err;
	}
	return 0;

err:
	session_close(p, s);
	return -1;
}

/* ---- scenarios ---- */

static int
sc_binding(const struct probe *p, const char *name, const char *const *args)
{
	struct turn_client_result r;
	struct session s;
	char a1[STUN_ADDR_STRLEN], a2[STUN_ADDR_STRLEN];
	int rc;

	(void)args;
	if (open_or_fail(p, &s, CRED_GOOD, name) != 0)
		return -1;
	rc = request(p, &s, OP_BINDING, NULL, &r, NULL);
	if (expect(name, NULL, &s, rc, &r, 0) != 0)
		rc = -1;
	else if (!r.has_mapped)
		rc = fail(name, "expected XOR-MAPPED-ADDRESS, got none");
	else if (r.mapped.family != s.local.family)
		rc = fail(name, "expected a mapped address of the socket's family, got %s",
			  addr_str(&r.mapped, a1));
	else
		rc = pass(name, "mapped %s (local %s%s)", addr_str(&r.mapped, a1),
			  addr_str(&s.local, a2),
			  stun_addr_equal(&r.mapped, &s.local) ? ", equal" : ", translated");
	session_close(p, &s);
	return rc;
}

static int
sc_allocate(const struct probe *p, const char *name, const char *const *args)
{
	struct turn_client_result r;
	struct session s;
	char a1[STUN_ADDR_STRLEN], a2[STUN_ADDR_STRLEN];
	int rc;

	(void)args;
	if (open_allocated(p, &s, NULL, name, &r) != 0)
		return -1;
	if (!r.has_mapped)
		rc = fail(name, "expected XOR-MAPPED-ADDRESS, got none");
	else if (!r.has_lifetime)
		rc = fail(name, "expected LIFETIME, got none");
	else
		rc = pass(name, "relayed %s mapped %s lifetime %u %s", addr_str(&r.relayed[0], a1),
			  addr_str(&r.mapped, a2), r.lifetime,
			  s.c.alg == STUN_PWALG_SHA256 ? "SHA-256" : "MD5");
	session_close(p, &s);
	return rc;
}

/* Credentials refused: a 401, then a 401 to the authenticated retry. */
static int
refused(const struct probe *p, const char *name, enum cred_kind kind)
{
	struct turn_client_result r;
	struct session s;
	unsigned int rounds;
	int rc;

	if (open_or_fail(p, &s, kind, name) != 0)
		return -1;
	rc = request(p, &s, OP_ALLOCATE, NULL, &r, &rounds);
	if (expect(name, "the authenticated Allocate", &s, rc, &r, 401) != 0)
		rc = -1;
	else if (rounds != 2 || !s.c.authed)
		rc = fail(name, "expected 401 after an authenticated attempt, got it after %u "
				"request(s)", rounds);
	else
		rc = pass(name, "401 after credentials");
	session_close(p, &s);
	return rc;
}

static int
sc_wrong_password(const struct probe *p, const char *name, const char *const *args)
{
	(void)args;
	return refused(p, name, CRED_WRONG);
}

static int
sc_expired_rest(const struct probe *p, const char *name, const char *const *args)
{
	(void)args;
	return refused(p, name, CRED_EXPIRED);
}

/*
 * Make the learned nonce one the server did not issue by moving its
 * timestamp a day back (its MAC no longer matches); a nonce not in our
 * format gets one character changed.
 */
static void
tamper_nonce(struct turn_client *c)
{
	char *body = c->nonce + STUN_NONCE_COOKIE_LEN + 4;
	uint8_t raw[18];

	if (c->nonce_len == STUN_NONCE_LEN &&
	    memcmp(c->nonce, STUN_NONCE_COOKIE, STUN_NONCE_COOKIE_LEN) == 0 &&
	    stun_base64_decode(body, 24, raw, sizeof(raw)) == (int)sizeof(raw)) {
		stun_wr32(raw, stun_rd32(raw) - 86400);
		stun_base64_encode(raw, sizeof(raw), body);
	} else if (c->nonce_len > 0) {
		char *last = &c->nonce[c->nonce_len - 1];
		*last = *last == 'A' ? 'B' : 'A';
	}
}

static int
sc_stale_nonce(const struct probe *p, const char *name, const char *const *args)
{
	uint8_t req[STUN_MAX_MSG_LEN];
	struct turn_client_result r;
	struct session s;
	int rc, n;

	(void)args;
	if (open_or_fail(p, &s, CRED_GOOD, name) != 0)
		return -1;
	/* Learn a nonce, then spoil it. */
	n = turn_client_allocate(&s.c, NULL, req, sizeof(req));
	rc = n < 0 ? n : transact(p, &s, req, (size_t)n, &r);
	if (expect(name, "the first Allocate", &s, rc, &r, 401) != 0) {
		rc = -1;
		goto out;
	}
	if (!r.retry) {
		rc = fail(name, "expected a 401 challenge the client can answer, got none");
		goto out;
	}
	tamper_nonce(&s.c);
	n = turn_client_allocate(&s.c, NULL, req, sizeof(req));
	rc = n < 0 ? n : transact(p, &s, req, (size_t)n, &r);
	if (rc == 0 && r.error == 0)
		s.allocated = true; /* released below, whatever the verdict */
	if (expect(name, "the Allocate with a forged nonce", &s, rc, &r, 438) != 0) {
		rc = -1;
		goto out;
	}
	if (!r.retry) {
		rc = fail(name, "expected a fresh nonce with the 438, got none usable");
		goto out;
	}
	rc = request(p, &s, OP_ALLOCATE, NULL, &r, NULL);
	if (expect(name, "the Allocate with the fresh nonce", &s, rc, &r, 0) != 0)
		rc = -1;
	else
		rc = pass(name, "438 then success");
out:
	session_close(p, &s);
	return rc;
}

static int
sc_mismatch(const struct probe *p, const char *name, const char *const *args)
{
	struct turn_client_result r;
	struct session s;
	int rc;

	(void)args;
	if (open_allocated(p, &s, NULL, name, &r) != 0)
		return -1;
	rc = request(p, &s, OP_ALLOCATE, NULL, &r, NULL);
	if (expect(name, "a second Allocate on the 5-tuple", &s, rc, &r, 437) != 0)
		rc = -1;
	else
		rc = pass(name, "437");
	session_close(p, &s);
	return rc;
}

static int
sc_bad_transport(const struct probe *p, const char *name, const char *const *args)
{
	struct op_args a = { .alloc.transport = 6 };
	struct turn_client_result r;
	struct session s;
	int rc;

	(void)args;
	if (open_or_fail(p, &s, CRED_GOOD, name) != 0)
		return -1;
	rc = request(p, &s, OP_ALLOCATE, &a, &r, NULL);
	if (expect(name, "REQUESTED-TRANSPORT 6", &s, rc, &r, 442) != 0)
		rc = -1;
	else
		rc = pass(name, "442");
	session_close(p, &s);
	return rc;
}

static int
sc_peer_denied(const struct probe *p, const char *name, const char *const *args)
{
	const char *arg = args[0];
	struct turn_client_alloc_opts o = { 0 };
	struct stun_addr peer;
	struct op_args a = { .peers = &peer, .n_peer = 1 };
	struct turn_client_result r;
	struct session s;
	int rc;

	if (stun_addr_from_string(&peer, arg, 9) != 0)
		return fail(name, "expected a peer address, got '%s'", arg);
	if (peer.family == STUN_FAMILY_IPV6)
		o.family = STUN_FAMILY_IPV6;
	if (open_allocated(p, &s, &o, name, &r) != 0)
		return -1;
	rc = request(p, &s, OP_PERMIT, &a, &r, NULL);
	if (expect(name, "CreatePermission", &s, rc, &r, 403) != 0)
		rc = -1;
	else
		rc = pass(name, "403 for %s", arg);
	session_close(p, &s);
	return rc;
}

static int
sc_quota(const struct probe *p, const char *name, const char *const *args)
{
	const char *arg = args[0];
	static struct session s[QUOTA_MAX + 1];
	struct turn_client_result r;
	char *end;
	char what[48];
	unsigned long n = strtoul(arg, &end, 10);
	unsigned int opened = 0;
	int rc = 0;

	if (*arg == 0 || *end != 0 || n == 0 || n > QUOTA_MAX)
		return fail(name, "expected a quota of 1 to %d, got '%s'", QUOTA_MAX, arg);
	for (unsigned int i = 0; i <= n && rc == 0; i++) {
		if (open_or_fail(p, &s[i], CRED_GOOD, name) != 0) {
			rc = -1;
			break;
		}
		opened++;
		snprintf(what, sizeof(what), "allocation %u of %lu", i + 1, n + 1);
		rc = request(p, &s[i], OP_ALLOCATE, NULL, &r, NULL);
		rc = expect(name, what, &s[i], rc, &r, i < n ? 0 : 486);
	}
	if (rc == 0)
		rc = pass(name, "%lu allocations, then 486", n);
	for (unsigned int i = 0; i < opened; i++)
		session_close(p, &s[i]);
	return rc;
}

static int
sc_bad_channel(const struct probe *p, const char *name, const char *const *args)
{
	struct stun_addr peer;
	struct op_args a = { .peers = &peer, .n_peer = 1, .channel = 0x3FFF };
	struct turn_client_result r;
	struct session s;
	int rc;

	(void)args;
	stun_addr_from_string(&peer, SOME_PEER4, 0);
	if (open_allocated(p, &s, NULL, name, &r) != 0)
		return -1;
	rc = request(p, &s, OP_BIND, &a, &r, NULL);
	if (expect(name, "ChannelBind 0x3FFF", &s, rc, &r, 400) != 0)
		rc = -1;
	else
		rc = pass(name, "400");
	session_close(p, &s);
	return rc;
}

static int
sc_refresh_delete(const struct probe *p, const char *name, const char *const *args)
{
	struct op_args a = { .has_lifetime = true, .lifetime = 0 };
	struct turn_client_result r;
	struct session s;
	int rc;

	(void)args;
	if (open_allocated(p, &s, NULL, name, &r) != 0)
		return -1;
	rc = request(p, &s, OP_REFRESH, &a, &r, NULL);
	if (expect(name, "Refresh 0", &s, rc, &r, 0) != 0) {
		rc = -1;
	} else if (r.has_lifetime && r.lifetime != 0) {
		rc = fail(name, "expected LIFETIME 0, got %u", r.lifetime);
	} else {
		rc = request(p, &s, OP_REFRESH, &a, &r, NULL);
		if (expect(name, "a Refresh after the deletion", &s, rc, &r, 437) != 0)
			rc = -1;
		else
			rc = pass(name, "deleted, then 437");
	}
	session_close(p, &s);
	return rc;
}

static int
sc_expiry(const struct probe *p, const char *name, const char *const *args)
{
	const char *arg = args[0];
	struct turn_client_alloc_opts o = { .has_lifetime = true };
	struct op_args a = { 0 };
	struct turn_client_result r;
	struct session s;
	char *end;
	unsigned long secs = strtoul(arg, &end, 10);
	int rc;

	if (*arg == 0 || *end != 0 || secs == 0 || secs > EXPIRY_MAX)
		return fail(name, "expected a lifetime of 1 to %d seconds, got '%s'", EXPIRY_MAX,
			    arg);
	o.lifetime = (uint32_t)secs;
	if (open_allocated(p, &s, &o, name, &r) != 0)
		return -1;
	if (!r.has_lifetime || r.lifetime != secs) {
		rc = fail(name, "expected LIFETIME %lu (a server default that low), got %u", secs,
			  r.lifetime);
		goto out;
	}
	/* A second of slack for the server's clock. */
	for (unsigned long left = secs + 1; left > 0;)
		left = sleep((unsigned int)left);
	rc = request(p, &s, OP_REFRESH, &a, &r, NULL);
	if (expect(name, "a Refresh after the lifetime", &s, rc, &r, 437) != 0) {
		rc = -1;
	} else {
		s.allocated = false;
		rc = pass(name, "gone after %lu s", secs);
	}
out:
	session_close(p, &s);
	return rc;
}

/* ---- relay ---- */

static void
fill(uint8_t *buf, size_t len, unsigned int seq)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(seq * 131 + i * 7 + (i >> 8));
}

/*
 * The next datagram on @s that is not a late STUN response, parsed into
 * @d (its payload points into @buf). 0, -ETIMEDOUT when nothing came
 * within --timeout, or the socket's or the parser's error.
 */
static int
recv_data(const struct probe *p, struct session *s, uint8_t *buf, size_t cap,
	  struct turn_client_data *d)
{
	int64_t deadline = now_ms() + p->timeout_ms;
	int n, rc;

	for (unsigned int stray = 0; stray < STRAY_MAX; stray++) {
		n = udp_recv_wait(s->fd, buf, cap, (int)(deadline - now_ms()), NULL);
		if (n < 0)
			return n;
		rc = turn_client_parse_data(buf, (size_t)n, d);
		if (rc != -ENOMSG)
			return rc;
	}
	return -ETIMEDOUT;
}

/*
 * One datagram through the relay and back: @out (already framed) goes
 * to the server, the peer socket @pfd must receive @payload from the
 * relayed address, echoes it, and the client must get it back as
 * @kind (ChannelData on @channel, or a Data indication from @peer).
 * Returns 0 or prints FAIL.
 */
static int
echo_once(const struct probe *p, const char *name, struct session *s, const uint8_t *out,
	  size_t out_len, const uint8_t *payload, size_t len, int pfd, const struct stun_addr *peer,
	  enum turn_client_data_kind kind)
{
	uint8_t buf[RECV_MAX];
	struct turn_client_data d;
	struct stun_addr from;
	char a1[STUN_ADDR_STRLEN], a2[STUN_ADDR_STRLEN];
	const char *what = kind == TURN_CLIENT_CHANNELDATA ? "ChannelData" : "Send";
	int n, rc;

	rc = udp_send(s->fd, out, out_len, NULL);
	if (rc != 0)
		return fail(name, "expected to send %s, got %s", what, strerror(-rc));
	n = udp_recv_wait(pfd, buf, sizeof(buf), p->timeout_ms, &from);
	if (n < 0)
		return fail(name, "expected %zu bytes at peer %s from %s, got %s", len,
			    addr_str(peer, a1), what, n == -ETIMEDOUT ? "nothing" : strerror(-n));
	if ((size_t)n != len || memcmp(buf, payload, len) != 0)
		return fail(name, "expected the %zu bytes of %s at the peer, got %d others",
			    len, what, n);
	if (!stun_addr_equal(&from, &s->relay))
		return fail(name, "expected the peer to see the relayed address %s, got %s",
			    addr_str(&s->relay, a1), addr_str(&from, a2));
	rc = udp_send(pfd, buf, (size_t)n, &from);
	if (rc != 0)
		return fail(name, "expected to echo from the peer, got %s", strerror(-rc));

	rc = recv_data(p, s, buf, sizeof(buf), &d);
	if (rc == -ETIMEDOUT)
		return fail(name, "expected the echo of %s back, got nothing", what);
	if (rc != 0)
		return fail(name, "expected the echo of %s, got a bad datagram (%s)", what,
			    strerror(-rc));
	if (d.kind != kind)
		return fail(name, "expected the echo of %s as %s, got %s", what,
			    kind == TURN_CLIENT_CHANNELDATA ? "ChannelData" : "a Data indication",
			    d.kind == TURN_CLIENT_CHANNELDATA ? "ChannelData" : "a Data indication");
	if (kind == TURN_CLIENT_CHANNELDATA && d.channel != RELAY_CHANNEL)
		return fail(name, "expected channel 0x%04X, got 0x%04X", RELAY_CHANNEL, d.channel);
	if (kind == TURN_CLIENT_DATA_INDICATION && !stun_addr_equal(&d.peer, peer))
		return fail(name, "expected data from peer %s, got %s", addr_str(peer, a1),
			    addr_str(&d.peer, a2));
	if (d.len != len || memcmp(d.payload, payload, len) != 0)
		return fail(name, "expected the echo of %zu bytes unchanged, got %u%s", len, d.len,
			    d.len == len ? " that differ" : " bytes");
	return 0;
}

/*
 * A UDP echo peer run by the probe itself on @arg: peer A (bound to
 * @arg) gets a channel, peer B (same IP, any port) only the permission,
 * so ChannelData comes back as ChannelData and Send indications as Data
 * indications. Lock-step, so one lost datagram is a FAIL.
 */
static int
sc_relay(const struct probe *p, const char *name, const char *const *args)
{
	const char *arg = args[0];
	uint8_t out[STUN_MAX_MSG_LEN], payload[1100];
	struct turn_client_alloc_opts o = { 0 };
	struct stun_addr pa, pb, both[2];
	struct op_args a = { .peers = both, .n_peer = 2 };
	struct turn_client_result r;
	struct session s;
	int fa = -1, fb = -1, rc, n;
	char a1[STUN_ADDR_STRLEN];

	if (stun_addr_from_string(&pa, arg, 0) != 0 || pa.port == 0)
		return fail(name, "expected a peer address with a port, got '%s'", arg);
	pb = pa;
	pb.port = 0;
	fa = udp_bind(&pa, false);
	if (fa >= 0)
		fb = udp_bind(&pb, false);
	if (fa < 0 || fb < 0) {
		rc = fail(name, "expected to bind the echo peer on %s, got %s", arg,
			  strerror(-(fa < 0 ? fa : fb)));
		goto out_fds;
	}
	rc = udp_local_addr(fb, &pb);
	if (rc != 0) {
		rc = fail(name, "expected the second peer's address, got %s", strerror(-rc));
		goto out_fds;
	}
	if (pa.family == STUN_FAMILY_IPV6)
		o.family = STUN_FAMILY_IPV6;
	if (open_allocated(p, &s, &o, name, &r) != 0) {
		rc = -1;
		goto out_fds;
	}
	both[0] = pa;
	both[1] = pb;
	rc = request(p, &s, OP_PERMIT, &a, &r, NULL);
	if (expect(name, "CreatePermission", &s, rc, &r, 0) != 0) {
		rc = -1;
		goto out;
	}
	a.n_peer = 1;
	a.channel = RELAY_CHANNEL;
	rc = request(p, &s, OP_BIND, &a, &r, NULL);
	if (expect(name, "ChannelBind", &s, rc, &r, 0) != 0) {
		rc = -1;
		goto out;
	}
	for (unsigned int i = 0; i < 2 * RELAY_PACKETS && rc == 0; i++) {
		bool chan = i < RELAY_PACKETS;
		size_t len = 1 + (i * 37) % sizeof(payload);

		fill(payload, len, i);
		if (chan)
			n = turn_client_channeldata(out, sizeof(out), RELAY_CHANNEL, payload, len,
						    i & 1);
		else
			n = turn_client_send(&s.c, &pb, payload, len, false, out, sizeof(out));
		if (n < 0) {
			rc = fail(name, "expected to build packet %u, got %s", i, strerror(-n));
			break;
		}
		rc = echo_once(p, name, &s, out, (size_t)n, payload, len, chan ? fa : fb,
			       chan ? &pa : &pb,
			       chan ? TURN_CLIENT_CHANNELDATA : TURN_CLIENT_DATA_INDICATION);
	}
	if (rc == 0)
		rc = pass(name, "%d ChannelData and %d Send echoed through %s", RELAY_PACKETS,
			  RELAY_PACKETS, addr_str(&s.relay, a1));
out:
	session_close(p, &s);
out_fds:
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return rc;
}

/* Wait on @s for ChannelData on RELAY_CHANNEL carrying exactly @payload. */
static int
recv_channel(const struct probe *p, const char *name, struct session *s, const char *what,
	     const uint8_t *payload, size_t len)
{
	uint8_t buf[RECV_MAX];
	struct turn_client_data d;
	int rc = recv_data(p, s, buf, sizeof(buf), &d);

	if (rc == -ETIMEDOUT)
		return fail(name, "expected %s, got nothing", what);
	if (rc != 0 || d.kind != TURN_CLIENT_CHANNELDATA || d.channel != RELAY_CHANNEL)
		return fail(name, "expected %s as ChannelData on 0x%04X, got another datagram",
			    what, RELAY_CHANNEL);
	if (d.len != len || memcmp(d.payload, payload, len) != 0)
		return fail(name, "expected %s unchanged (%zu bytes), got %u bytes%s", what, len,
			    d.len, d.len == len ? " that differ" : "");
	return 0;
}

/*
 * Two allocations on this server, each the other's peer, as two WebRTC
 * clients that both relay through the same TURN server: a packet relayed
 * to one of the server's own relayed addresses never leaves it and must
 * arrive at the other allocation's client as peer data from the first
 * one's relayed address. Channels both ways; lock-step, so a lost
 * datagram is a FAIL.
 */
static int
sc_hairpin(const struct probe *p, const char *name, const char *const *args)
{
	uint8_t out[STUN_MAX_MSG_LEN], payload[1100];
	struct turn_client_result r;
	struct session a, b;
	struct op_args oa = { .n_peer = 1, .channel = RELAY_CHANNEL };
	struct turn_client_alloc_opts o = { 0 };
	char a1[STUN_ADDR_STRLEN], a2[STUN_ADDR_STRLEN];
	int rc = -1, n;

	(void)args;
	/* Relayed addresses of the server's family, so IPv6 is tested too. */
	o.family = p->server.family;
	if (open_allocated(p, &a, &o, name, &r) != 0)
		return -1;
	if (open_allocated(p, &b, &o, name, &r) != 0) {
		session_close(p, &a);
		return -1;
	}
	oa.peers = &b.relay;
	rc = request(p, &a, OP_BIND, &oa, &r, NULL);
	if (expect(name, "ChannelBind A to B's relayed address", &a, rc, &r, 0) != 0) {
		rc = -1;
		goto out;
	}
	oa.peers = &a.relay;
	rc = request(p, &b, OP_BIND, &oa, &r, NULL);
	if (expect(name, "ChannelBind B to A's relayed address", &b, rc, &r, 0) != 0) {
		rc = -1;
		goto out;
	}
	for (unsigned int i = 0; i < 2 * RELAY_PACKETS && rc == 0; i++) {
		bool a_to_b = (i & 1) == 0;
		size_t len = 1 + (i * 53) % sizeof(payload);

		fill(payload, len, i);
		n = turn_client_channeldata(out, sizeof(out), RELAY_CHANNEL, payload, len, false);
		if (n < 0) {
			rc = fail(name, "expected to build packet %u, got %s", i, strerror(-n));
			break;
		}
		rc = udp_send(a_to_b ? a.fd : b.fd, out, (size_t)n, NULL);
		if (rc != 0) {
			rc = fail(name, "expected to send packet %u, got %s", i, strerror(-rc));
			break;
		}
		rc = recv_channel(p, name, a_to_b ? &b : &a, a_to_b ? "A's packet at B" :
								   "B's packet at A", payload, len);
	}
	if (rc == 0)
		rc = pass(name, "%d packets each way between %s and %s", RELAY_PACKETS,
			  addr_str(&a.relay, a1), addr_str(&b.relay, a2));
out:
	session_close(p, &a);
	session_close(p, &b);
	return rc;
}

/*
 * Peer packets from many fresh flows: @args[1] sockets bound to the peer
 * IP @args[0] (any port) each send one datagram to the relayed address,
 * before the dataplane has sent anything on that flow, and the client
 * must get every one as a Data indication from the right peer address.
 * With several workers a fresh flow lands on whichever queue the port
 * picks, so most of these reach a worker that does not own the relay
 * port and must be handed over (the test reads the hand-off counters).
 */
#define FANIN_MAX 64
static int
sc_peer_fanin(const struct probe *p, const char *name, const char *const *args)
{
	uint8_t buf[RECV_MAX], payload[32];
	struct turn_client_alloc_opts o = { 0 };
	struct stun_addr peer, from[FANIN_MAX];
	struct op_args a = { .peers = &peer, .n_peer = 1 };
	struct turn_client_result r;
	struct turn_client_data d;
	struct session s;
	int fds[FANIN_MAX], rc = 0, n;
	bool got[FANIN_MAX] = { false };
	unsigned long count;
	unsigned int received = 0, opened = 0;
	char *end;
	char a1[STUN_ADDR_STRLEN];
	int64_t deadline;

	count = strtoul(args[1], &end, 10);
	if (*end != '\0' || count == 0 || count > FANIN_MAX)
		return fail(name, "expected a count of 1..%d, got '%s'", FANIN_MAX, args[1]);
	if (stun_addr_from_string(&peer, args[0], 0) != 0)
		return fail(name, "expected a peer IP, got '%s'", args[0]);
	peer.port = 0;
	if (peer.family == STUN_FAMILY_IPV6)
		o.family = STUN_FAMILY_IPV6;
	if (open_allocated(p, &s, &o, name, &r) != 0)
		return -1;
	rc = request(p, &s, OP_PERMIT, &a, &r, NULL);
	if (expect(name, "CreatePermission", &s, rc, &r, 0) != 0) {
		rc = -1;
		goto out;
	}
	for (; opened < count; opened++) {
		fds[opened] = udp_bind(&peer, false);
		if (fds[opened] < 0 || udp_local_addr(fds[opened], &from[opened]) != 0) {
			rc = fail(name, "expected to bind peer socket %u, got an error", opened);
			if (fds[opened] >= 0)
				close(fds[opened]);
			goto out;
		}
	}
	for (unsigned int i = 0; i < count; i++) {
		snprintf((char *)payload, sizeof(payload), "fanin-%02u", i);
		rc = udp_send(fds[i], payload, strlen((char *)payload), &s.relay);
		if (rc != 0) {
			rc = fail(name, "expected to send from peer %u, got %s", i, strerror(-rc));
			goto out;
		}
	}
	deadline = now_ms() + p->timeout_ms * 2;
	for (unsigned int tries = 0; received < count && tries < count + STRAY_MAX; tries++) {
		unsigned int idx;

		n = udp_recv_wait(s.fd, buf, sizeof(buf), (int)(deadline - now_ms()), NULL);
		if (n < 0)
			break;
		if (turn_client_parse_data(buf, (size_t)n, &d) != 0 ||
		    d.kind != TURN_CLIENT_DATA_INDICATION)
			continue;
		if (d.len != 8 || memcmp(d.payload, "fanin-", 6) != 0)
			continue;
		idx = (unsigned int)(d.payload[6] - '0') * 10 + (unsigned int)(d.payload[7] - '0');
		if (idx >= count || got[idx])
			continue;
		if (!stun_addr_equal(&d.peer, &from[idx])) {
			rc = fail(name, "expected datagram %u from %s, got it from %s", idx,
				  addr_str(&from[idx], a1), addr_str(&d.peer, (char[STUN_ADDR_STRLEN]){0}));
			goto out;
		}
		got[idx] = true;
		received++;
	}
	if (received != count)
		rc = fail(name, "expected %lu Data indications through %s, got %u", count,
			  addr_str(&s.relay, a1), received);
	else
		rc = pass(name, "%lu fresh peer flows delivered through %s", count,
			  addr_str(&s.relay, a1));
out:
	for (unsigned int i = 0; i < opened; i++)
		close(fds[i]);
	session_close(p, &s);
	return rc;
}

/* ---- permission and channel expiry ---- */

/* A lifetime argument of 1..EXPIRY_MAX seconds; FAIL printed otherwise. */
static int
seconds_arg(const char *name, const char *arg, unsigned long *secs)
{
	char *end;

	*secs = strtoul(arg, &end, 10);
	if (*arg == 0 || *end != 0 || *secs == 0 || *secs > EXPIRY_MAX)
		return fail(name, "expected a lifetime of 1 to %d seconds, got '%s'", EXPIRY_MAX,
			    arg);
	return 0;
}

/* Sleep @secs, plus a second of slack for the server's clock. */
static void
outlive(unsigned long secs)
{
	for (unsigned int left = (unsigned int)secs + 1; left > 0;)
		left = sleep(left);
}

/*
 * The start of an expiry scenario: parse "SECONDS PEER_ADDR", bind an
 * echo peer on PEER_ADDR (*pfd) and allocate for its family with the
 * longest lifetime the server grants, so that only the permission or
 * channel under test can lapse during the wait. Returns 0, or -1 with
 * FAIL printed and nothing left open.
 */
static int
expiry_open(const struct probe *p, const char *name, const char *const *args,
	    unsigned long *secs, struct stun_addr *peer, int *pfd, struct session *s)
{
	struct turn_client_alloc_opts o = { .has_lifetime = true, .lifetime = EXPIRY_MAX };
	struct turn_client_result r;
	int rc;

	*pfd = -1;
	if (seconds_arg(name, args[0], secs) != 0)
		return -1;
	if (stun_addr_from_string(peer, args[1], 0) != 0 || peer->port == 0)
		return fail(name, "expected a peer address with a port, got '%s'", args[1]);
	rc = udp_bind(peer, false);
	if (rc < 0)
		return fail(name, "expected to bind the echo peer on %s, got %s", args[1],
			    strerror(-rc));
	*pfd = rc;
	if (peer->family == STUN_FAMILY_IPV6)
		o.family = STUN_FAMILY_IPV6;
	if (open_allocated(p, s, &o, name, &r) != 0)
		goto err;
	/* The checks after the wait take a few timeouts more. */
	if (!r.has_lifetime || r.lifetime < *secs + 30) {
		fail(name, "expected an allocation lifetime of at least %lu s, got %u", *secs + 30,
		     r.lifetime);
		session_close(p, s);
		goto err;
	}
	return 0;

err:
	close(*pfd);
	*pfd = -1;
	return -1;
}

/*
 * Send @out (already framed) from the client; the peer socket @pfd must
 * receive nothing within the timeout, because the server dropped it.
 * Returns 0 or prints FAIL.
 */
static int
not_relayed(const struct probe *p, const char *name, struct session *s, const uint8_t *out,
	    size_t out_len, int pfd, const char *what)
{
	uint8_t buf[RECV_MAX];
	int n, rc;

	rc = udp_send(s->fd, out, out_len, NULL);
	if (rc != 0)
		return fail(name, "expected to send %s, got %s", what, strerror(-rc));
	n = udp_recv_wait(pfd, buf, sizeof(buf), p->timeout_ms, NULL);
	if (n >= 0)
		return fail(name, "expected %s to be dropped, got %d bytes at the peer", what, n);
	if (n != -ETIMEDOUT)
		return fail(name, "expected %s to be dropped, got %s at the peer", what,
			    strerror(-n));
	return 0;
}

/*
 * A datagram from the peer socket @pfd to the relayed address must not
 * reach the client within the timeout (late responses are skipped).
 * Returns 0 or prints FAIL.
 */
static int
not_forwarded(const struct probe *p, const char *name, struct session *s, int pfd)
{
	static const uint8_t hello[] = "from the peer";
	uint8_t buf[RECV_MAX];
	struct turn_client_data d;
	int64_t deadline;
	int n, rc;

	rc = udp_send(pfd, hello, sizeof(hello), &s->relay);
	if (rc != 0)
		return fail(name, "expected to send from the peer, got %s", strerror(-rc));
	deadline = now_ms() + p->timeout_ms;
	for (unsigned int stray = 0; stray < STRAY_MAX; stray++) {
		n = udp_recv_wait(s->fd, buf, sizeof(buf), (int)(deadline - now_ms()), NULL);
		if (n == -ETIMEDOUT)
			return 0;
		if (n < 0)
			return fail(name, "expected silence at the client, got %s", strerror(-n));
		if (turn_client_parse_data(buf, (size_t)n, &d) != -ENOMSG)
			return fail(name, "expected the peer's datagram to be dropped, got it at "
					  "the client");
	}
	return fail(name, "expected silence at the client, got over %d datagrams", STRAY_MAX);
}

/* A Send indication of @payload to @peer echoed back as a Data
 * indication. Returns 0 or prints FAIL. */
static int
echo_send(const struct probe *p, const char *name, struct session *s,
	  const struct stun_addr *peer, int pfd, const uint8_t *payload, size_t len)
{
	uint8_t out[STUN_MAX_MSG_LEN];
	int n = turn_client_send(&s->c, peer, payload, len, false, out, sizeof(out));

	if (n < 0)
		return fail(name, "expected to build a Send indication, got %s", strerror(-n));
	return echo_once(p, name, s, out, (size_t)n, payload, len, pfd, peer,
			 TURN_CLIENT_DATA_INDICATION);
}

/*
 * A permission lapses after SECONDS (the server's
 * turn.permission_lifetime): a Send indication to PEER_ADDR is echoed
 * while the permission is young; SECONDS + 1 later a Send indication
 * does not reach the peer and the peer's datagram does not reach the
 * client; a new CreatePermission brings the echo back.
 */
static int
sc_permission_expiry(const struct probe *p, const char *name, const char *const *args)
{
	uint8_t out[STUN_MAX_MSG_LEN], payload[64];
	struct stun_addr peer;
	struct op_args a = { .peers = &peer, .n_peer = 1 };
	struct turn_client_result r;
	struct session s;
	unsigned long secs;
	int pfd, rc, n;

	if (expiry_open(p, name, args, &secs, &peer, &pfd, &s) != 0)
		return -1;
	fill(payload, sizeof(payload), 1);
	rc = request(p, &s, OP_PERMIT, &a, &r, NULL);
	if (expect(name, "CreatePermission", &s, rc, &r, 0) != 0 ||
	    echo_send(p, name, &s, &peer, pfd, payload, sizeof(payload)) != 0) {
		rc = -1;
		goto out;
	}
	outlive(secs);
	n = turn_client_send(&s.c, &peer, payload, sizeof(payload), false, out, sizeof(out));
	if (n < 0) {
		rc = fail(name, "expected to build a Send indication, got %s", strerror(-n));
		goto out;
	}
	if (not_relayed(p, name, &s, out, (size_t)n, pfd,
			"a Send indication after the permission lapsed") != 0 ||
	    not_forwarded(p, name, &s, pfd) != 0) {
		rc = -1;
		goto out;
	}
	rc = request(p, &s, OP_PERMIT, &a, &r, NULL);
	if (expect(name, "CreatePermission after the lapse", &s, rc, &r, 0) != 0 ||
	    echo_send(p, name, &s, &peer, pfd, payload, sizeof(payload)) != 0) {
		rc = -1;
		goto out;
	}
	rc = pass(name, "echoed, dropped both ways after %lu s, echoed after a new "
			"CreatePermission", secs + 1);
out:
	session_close(p, &s);
	close(pfd);
	return rc;
}

/* A ChannelBind of @channel to @peer must get @want (0: success). */
static int
bind_expect(const struct probe *p, const char *name, struct session *s, uint16_t channel,
	    const struct stun_addr *peer, uint16_t want, const char *what)
{
	struct op_args a = { .peers = peer, .n_peer = 1, .channel = channel };
	struct turn_client_result r;
	int rc = request(p, s, OP_BIND, &a, &r, NULL);

	return expect(name, what, s, rc, &r, want);
}

/* ChannelData of @payload on RELAY_CHANNEL echoed back as ChannelData. */
static int
echo_channel(const struct probe *p, const char *name, struct session *s,
	     const struct stun_addr *peer, int pfd, const uint8_t *payload, size_t len)
{
	uint8_t out[STUN_MAX_MSG_LEN];
	int n = turn_client_channeldata(out, sizeof(out), RELAY_CHANNEL, payload, len, false);

	if (n < 0)
		return fail(name, "expected to build ChannelData, got %s", strerror(-n));
	return echo_once(p, name, s, out, (size_t)n, payload, len, pfd, peer,
			 TURN_CLIENT_CHANNELDATA);
}

/*
 * A channel lapses after SECONDS (the server's turn.channel_lifetime) and
 * then stays reserved for the quarantine (RFC 8656 12). ChannelData on
 * RELAY_CHANNEL to PEER_ADDR is echoed while the channel is young.
 * SECONDS + 1 later the permission is renewed with CreatePermission, so
 * that whatever turn.permission_lifetime is, a drop can only be the
 * channel's; then:
 *  - a Send indication is echoed as a Data indication, not ChannelData
 *    (the server has no channel for the peer any more);
 *  - ChannelData on the number is dropped;
 *  - the number bound to another peer, and another number bound to the
 *    peer, get 400 (number and peer are quarantined);
 *  - the same number to the same peer succeeds (a refresh, allowed in
 *    quarantine) and ChannelData is echoed again.
 */
static int
sc_channel_expiry(const struct probe *p, const char *name, const char *const *args)
{
	uint8_t out[STUN_MAX_MSG_LEN], payload[64];
	struct stun_addr peer, other;
	struct op_args a = { .peers = &peer, .n_peer = 1 };
	struct turn_client_result r;
	struct session s;
	unsigned long secs;
	int pfd, rc, n;

	if (expiry_open(p, name, args, &secs, &peer, &pfd, &s) != 0)
		return -1;
	other = peer;
	other.port = peer.port == 65535 ? 65534 : peer.port + 1;
	fill(payload, sizeof(payload), 2);
	if (bind_expect(p, name, &s, RELAY_CHANNEL, &peer, 0, "ChannelBind") != 0 ||
	    echo_channel(p, name, &s, &peer, pfd, payload, sizeof(payload)) != 0) {
		rc = -1;
		goto out;
	}
	outlive(secs);
	rc = request(p, &s, OP_PERMIT, &a, &r, NULL);
	if (expect(name, "CreatePermission after the channel lapsed", &s, rc, &r, 0) != 0 ||
	    echo_send(p, name, &s, &peer, pfd, payload, sizeof(payload)) != 0) {
		rc = -1;
		goto out;
	}
	n = turn_client_channeldata(out, sizeof(out), RELAY_CHANNEL, payload, sizeof(payload),
				    false);
	if (n < 0) {
		rc = fail(name, "expected to build ChannelData, got %s", strerror(-n));
		goto out;
	}
	if (not_relayed(p, name, &s, out, (size_t)n, pfd,
			"ChannelData after the channel lapsed") != 0 ||
	    bind_expect(p, name, &s, RELAY_CHANNEL, &other, 400,
			"ChannelBind of the quarantined number to another peer") != 0 ||
	    bind_expect(p, name, &s, RELAY_CHANNEL + 1, &peer, 400,
			"ChannelBind of another number to the quarantined peer") != 0 ||
	    bind_expect(p, name, &s, RELAY_CHANNEL, &peer, 0,
			"ChannelBind of the same number and peer in quarantine") != 0 ||
	    echo_channel(p, name, &s, &peer, pfd, payload, sizeof(payload)) != 0) {
		rc = -1;
		goto out;
	}
	rc = pass(name, "echoed, dropped after %lu s, 400 for the number or peer elsewhere, "
			"rebound and echoed", secs + 1);
out:
	session_close(p, &s);
	close(pfd);
	return rc;
}

/* ---- main ---- */

struct scenario {
	const char *name;
	/* What the arguments are, space-separated ("SECONDS PEER_ADDR"), or
	 * NULL if none; run gets that many in args. */
	const char *arg;
	int (*run)(const struct probe *p, const char *name, const char *const *args);
};

static const struct scenario scenarios[] = {
	{ "binding", NULL, sc_binding },
	{ "allocate", NULL, sc_allocate },
	{ "wrong-password", NULL, sc_wrong_password },
	{ "expired-rest", NULL, sc_expired_rest },
	{ "stale-nonce", NULL, sc_stale_nonce },
	{ "mismatch", NULL, sc_mismatch },
	{ "bad-transport", NULL, sc_bad_transport },
	{ "peer-denied", "PEER", sc_peer_denied },
	{ "quota", "N", sc_quota },
	{ "bad-channel", NULL, sc_bad_channel },
	{ "relay", "PEER_ADDR", sc_relay },
	{ "hairpin", NULL, sc_hairpin },
	{ "peer-fanin", "PEER_IP COUNT", sc_peer_fanin },
	{ "refresh-delete", NULL, sc_refresh_delete },
	{ "expiry", "LIFETIME_SECONDS", sc_expiry },
	{ "permission-expiry", "SECONDS PEER_ADDR", sc_permission_expiry },
	{ "channel-expiry", "SECONDS PEER_ADDR", sc_channel_expiry },
};

#define N_SCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: turn-probe --server ADDR[:PORT]\n"
		"                  [--user U --password P | --rest-secret S [--rest-user U]\n"
		"                   [--rest-expiry UNIX]]\n"
		"                  [--timeout MS] [--retries N] [--alg sha256|md5]\n"
		"                  [--fingerprint]\n"
		"                  SCENARIO [ARG] ...\n"
		"scenarios:");
	for (size_t i = 0; i < N_SCENARIOS; i++)
		fprintf(f, " %s%s%s", scenarios[i].name, scenarios[i].arg ? " " : "",
			scenarios[i].arg ? scenarios[i].arg : "");
	fprintf(f, "\n");
}

/* How many arguments @sc takes: the words of its description. */
static int
scenario_nargs(const struct scenario *sc)
{
	int n = sc->arg != NULL;

	for (const char *c = sc->arg; c != NULL && *c != 0; c++)
		n += *c == ' ';
	return n;
}

static const struct scenario *
scenario_find(const char *name)
{
	for (size_t i = 0; i < N_SCENARIOS; i++)
		if (strcmp(scenarios[i].name, name) == 0)
			return &scenarios[i];
	return NULL;
}

static int
parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *s == 0 || *end != 0 || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "user", required_argument, NULL, 'u' },
		{ "password", required_argument, NULL, 'p' },
		{ "rest-secret", required_argument, NULL, 'S' },
		{ "rest-user", required_argument, NULL, 'U' },
		{ "rest-expiry", required_argument, NULL, 'E' },
		{ "timeout", required_argument, NULL, 't' },
		{ "retries", required_argument, NULL, 'r' },
		{ "alg", required_argument, NULL, 'a' },
		{ "fingerprint", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct probe p = {
		.timeout_ms = 1000,
		.retries = 3,
		.prefer_alg = STUN_PWALG_SHA256,
	};
	const char *server = NULL;
	unsigned int failed = 0, run = 0;
	long v;
	int c;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			server = optarg;
			break;
		case 'u':
			p.user = optarg;
			break;
		case 'p':
			p.password = optarg;
			break;
		case 'S':
			p.rest_secret = optarg;
			break;
		case 'U':
			p.rest_user = optarg;
			break;
		case 'E':
			if (parse_int(optarg, 1, INT64_MAX, &v) != 0)
				goto bad;
			p.rest_expiry = (uint64_t)v;
			break;
		case 't':
			if (parse_int(optarg, 1, 60000, &v) != 0)
				goto bad;
			p.timeout_ms = (int)v;
			break;
		case 'r':
			if (parse_int(optarg, 0, 10, &v) != 0)
				goto bad;
			p.retries = (int)v;
			break;
		case 'a':
			if (strcmp(optarg, "sha256") == 0)
				p.prefer_alg = STUN_PWALG_SHA256;
			else if (strcmp(optarg, "md5") == 0)
				p.prefer_alg = STUN_PWALG_MD5;
			else
				goto bad;
			break;
		case 'f':
			p.fingerprint = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (server == NULL || stun_addr_from_string(&p.server, server, DEFAULT_PORT) != 0) {
		fprintf(stderr, "turn-probe: --server ADDR[:PORT] is required and must parse\n");
		goto bad;
	}
	if (p.rest_secret == NULL && (p.user == NULL || p.password == NULL)) {
		fprintf(stderr, "turn-probe: give --user and --password, or --rest-secret\n");
		goto bad;
	}
	if (optind >= argc) {
		fprintf(stderr, "turn-probe: no scenario\n");
		goto bad;
	}
	/* Check the whole list before running any of it. */
	for (int i = optind; i < argc; i++) {
		const struct scenario *sc = scenario_find(argv[i]);
		if (sc == NULL) {
			fprintf(stderr, "turn-probe: unknown scenario '%s'\n", argv[i]);
			goto bad;
		}
		if (scenario_nargs(sc) > argc - 1 - i) {
			fprintf(stderr, "turn-probe: %s needs %s\n", sc->name, sc->arg);
			goto bad;
		}
		i += scenario_nargs(sc);
	}
	for (int i = optind; i < argc; i++) {
		const struct scenario *sc = scenario_find(argv[i]);
		const char *const *args = (const char *const *)&argv[i + 1];

		i += scenario_nargs(sc);
		run++;
		if (sc->run(&p, sc->name, args) != 0)
			failed++;
	}
	fprintf(stderr, "turn-probe: %u scenario(s), %u failed\n", run, failed);
	return failed ? 1 : 0;

bad:
	usage(stderr);
	return 2;
}

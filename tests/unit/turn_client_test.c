/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TURN client message layer (turn_client.h) against the in-process
 * state machine: every request the client builds goes through
 * turn_server_handle_client, every answer comes back through the
 * client's parser. The harness provides the server (users alice and
 * bob, REST secret "north", realm TH_REALM) and the clock; the client
 * here is the code under test, not the harness's own.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "channeldata.h"
#include "stun_bytes.h"
#include "stun_integrity.h"
#include "stun_msg.h"
#include "stun_nonce.h"
#include "turn_client.h"
#include "turn_harness.h"

#define CLIENT "198.18.1.1:40000"
#define CLIENT2 "198.18.1.2:40001"
#define PEER "203.0.113.5:5000"
#define PEER2 "203.0.113.6:6000"

struct fx {
	struct th h;
	struct stun_5tuple ft;
	struct turn_client c;
	uint8_t req[2048];
	size_t req_len;
	uint8_t resp[4096];
	size_t resp_len;
	struct turn_out out;
	struct turn_client_result r;
	unsigned int rounds;  /* requests sent by the last call() */
};

static struct stun_5tuple
tuple(const char *client)
{
	struct stun_5tuple ft = {
		.client = th_addr(client),
		.server = th_addr(TH_SERVER),
		.proto = TURN_TRANSPORT_UDP,
	};

	return ft;
}

static int
start(struct fx *f)
{
	if (th_start(&f->h) != 0)
		return -1;
	f->ft = tuple(CLIENT);
	if (turn_client_init(&f->c, "alice", "alice-pw") != 0)
		return -1;
	turn_client_seed(&f->c, 1);
	return 0;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	th_init(&f->h);
	if (start(f) != 0) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	turn_client_fini(&f->c);
	th_fini(&f->h);
	free(f);
	return 0;
}

/* Restart the server after changing f->h.cfg, with a fresh client. */
static void
restart(struct fx *f)
{
	th_fini(&f->h);
	turn_client_fini(&f->c);
	assert_int_equal(start(f), 0);
}

/* One datagram from @ft to the server; the answer, if it is bytes for
 * the client, flattened into f->resp. Returns the verdict. */
static enum turn_verdict
feed_from(struct fx *f, const struct stun_5tuple *ft, const uint8_t *pkt, size_t len)
{
	uint8_t obuf[TURN_OUT_BUF];
	int n;

	turn_relay_pool_set_time(f->h.pool, f->h.now);
	turn_server_handle_client(f->h.s, ft, pkt, len, f->h.now, obuf, sizeof(obuf), &f->out);
	f->resp_len = 0;
	if (f->out.verdict == TURN_REPLY || f->out.verdict == TURN_TO_CLIENT) {
		n = turn_out_flatten(&f->out, f->resp, sizeof(f->resp));
		assert_true(n > 0);
		f->resp_len = (size_t)n;
	}
	return f->out.verdict;
}

/* A datagram from @peer to @relay; the answer flattened into f->resp. */
static enum turn_verdict
from_peer(struct fx *f, const struct stun_addr *peer, const struct stun_addr *relay,
	  const uint8_t *data, size_t len)
{
	uint8_t obuf[TURN_OUT_BUF];
	int n;

	turn_server_handle_peer(f->h.s, peer, relay, data, len, f->h.now, obuf, sizeof(obuf),
				&f->out);
	f->resp_len = 0;
	if (f->out.verdict == TURN_TO_CLIENT) {
		n = turn_out_flatten(&f->out, f->resp, sizeof(f->resp));
		assert_true(n > 0);
		f->resp_len = (size_t)n;
	}
	return f->out.verdict;
}

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
	struct stun_addr peer[10];
	unsigned int n_peer;
	uint16_t channel;
};

static int
build(struct fx *f, struct turn_client *c, enum op op, const struct op_args *a)
{
	switch (op) {
	case OP_BINDING:
		return turn_client_binding(c, f->req, sizeof(f->req));
	case OP_ALLOCATE:
		return turn_client_allocate(c, &a->alloc, f->req, sizeof(f->req));
	case OP_REFRESH:
		return turn_client_refresh(c, a->has_lifetime, a->lifetime, f->req, sizeof(f->req));
	case OP_PERMIT:
		return turn_client_create_permission(c, a->peer, a->n_peer, f->req, sizeof(f->req));
	case OP_BIND:
		return turn_client_channel_bind(c, a->channel, &a->peer[0], f->req, sizeof(f->req));
	}
	return -EINVAL;
}

/*
 * What a client does: build, send, parse; once more while the answer
 * says retry (401 without credentials, 438), at most three requests.
 * Returns the error code of the last answer, 0 on success.
 */
static int
call_as(struct fx *f, struct turn_client *c, const struct stun_5tuple *ft, enum op op,
	const struct op_args *a)
{
	static const struct op_args none;
	int n;

	if (a == NULL)
		a = &none;
	for (f->rounds = 1; f->rounds <= 3; f->rounds++) {
		n = build(f, c, op, a);
		assert_true(n > 0);
		f->req_len = (size_t)n;
		assert_int_equal(feed_from(f, ft, f->req, f->req_len), TURN_REPLY);
		assert_int_equal(turn_client_parse_response(c, f->resp, f->resp_len, &f->r), 0);
		if (!f->r.retry)
			break;
	}
	assert_true(f->rounds <= 3);
	return f->r.error;
}

static int
call(struct fx *f, enum op op, const struct op_args *a)
{
	return call_as(f, &f->c, &f->ft, op, a);
}

static struct op_args
peers(const char *p0, const char *p1)
{
	struct op_args a = { .n_peer = 1 };

	a.peer[0] = th_addr(p0);
	if (p1 != NULL) {
		a.peer[1] = th_addr(p1);
		a.n_peer = 2;
	}
	return a;
}

/* The request as the server saw it. */
static void
parse_req(struct fx *f, struct stun_msg *m)
{
	assert_int_equal(stun_parse(m, f->req, f->req_len), 0);
}

/* ---- set-up and building ---- */

static void
test_init_validation(void **state)
{
	struct turn_client c;
	char long_pw[TURN_CLIENT_PASSWORD_MAX + 2];

	(void)state;
	memset(long_pw, 'p', sizeof(long_pw) - 1);
	long_pw[sizeof(long_pw) - 1] = 0;
	assert_int_equal(turn_client_init(&c, "", "x"), -EINVAL);
	assert_int_equal(turn_client_init(&c, "a\x01", "x"), -EINVAL);
	assert_int_equal(turn_client_init(&c, "alice", NULL), -EINVAL);
	assert_int_equal(turn_client_init(&c, "alice", long_pw), -ENAMETOOLONG);
	long_pw[TURN_CLIENT_PASSWORD_MAX] = 0;
	assert_int_equal(turn_client_init(&c, "alice", long_pw), 0);
	assert_int_equal(c.prefer_alg, STUN_PWALG_SHA256);
	assert_int_equal(c.nonce_len, 0);
	turn_client_fini(&c);
	assert_int_equal(c.pass_len, 0);
	assert_int_equal(c.pass[0], 0);
	assert_int_equal(turn_client_init_rest(&c, (const uint8_t *)"", 0, "u", 1, 0), -EINVAL);
	assert_int_equal(turn_client_init_rest(&c, (const uint8_t *)"north", 5, "bob", 1266890800,
					       0),
			 0);
	assert_string_equal(c.user, "1266890800:bob");
	/* password = base64(HMAC-SHA1("north", username)) */
	char pw[STUN_REST_PASSWORD_LEN + 1];
	stun_rest_password((const uint8_t *)"north", 5, "1266890800:bob", 14, pw);
	assert_string_equal(c.pass, pw);
	assert_int_equal(turn_client_init_rest(&c, (const uint8_t *)"north", 5, NULL, 7, '-'), 0);
	assert_string_equal(c.user, "7");
	assert_int_equal(turn_client_init_rest(&c, (const uint8_t *)"north", 5, "x", 7, '-'), 0);
	assert_string_equal(c.user, "7-x");
}

static void
test_tids(void **state)
{
	struct fx *f = *state;
	uint8_t a[STUN_TID_LEN], b[STUN_TID_LEN];

	turn_client_seed(&f->c, 42);
	assert_true(turn_client_binding(&f->c, f->req, sizeof(f->req)) > 0);
	memcpy(a, f->c.tid, sizeof(a));
	assert_memory_equal(f->req + 8, a, STUN_TID_LEN);
	assert_true(turn_client_binding(&f->c, f->req, sizeof(f->req)) > 0);
	memcpy(b, f->c.tid, sizeof(b));
	assert_memory_not_equal(a, b, STUN_TID_LEN);
	/* Same seed, same sequence. */
	turn_client_seed(&f->c, 42);
	assert_true(turn_client_binding(&f->c, f->req, sizeof(f->req)) > 0);
	assert_memory_equal(f->c.tid, a, STUN_TID_LEN);
	/* A Send indication is not a transaction: the request stays. */
	struct stun_addr p = th_addr(PEER);
	assert_true(turn_client_send(&f->c, &p, (const uint8_t *)"x", 1, false, f->req,
				     sizeof(f->req)) > 0);
	assert_memory_equal(f->c.tid, a, STUN_TID_LEN);
	assert_int_equal(f->c.method, STUN_METHOD_BINDING);
}

static void
test_build_errors(void **state)
{
	struct fx *f = *state;
	struct stun_addr none = { 0 }, p = th_addr(PEER);
	uint8_t small[24] = { 0 };

	assert_int_equal(turn_client_create_permission(&f->c, &p, 0, f->req, sizeof(f->req)),
			 -EINVAL);
	assert_int_equal(turn_client_create_permission(&f->c, &none, 1, f->req, sizeof(f->req)),
			 -EINVAL);
	assert_int_equal(turn_client_channel_bind(&f->c, 0x4000, &none, f->req, sizeof(f->req)),
			 -EINVAL);
	assert_int_equal(turn_client_send(&f->c, &none, small, 1, false, f->req, sizeof(f->req)),
			 -EINVAL);
	assert_int_equal(turn_client_allocate(&f->c, NULL, small, sizeof(small)), -ENOSPC);
	assert_int_equal(turn_client_channeldata(small, sizeof(small), 0x4000, f->req, 40, false),
			 -ENOSPC);
	assert_int_equal(turn_client_channeldata(f->req, sizeof(f->req), 0x4000, NULL, 4, false),
			 -EINVAL);
	/* Send indications and ChannelData: padded, unpadded. */
	assert_int_equal(turn_client_channeldata(f->req, sizeof(f->req), 0x4001,
						 (const uint8_t *)"abcde", 5, true),
			 12);
	assert_int_equal(turn_client_channeldata(f->req, sizeof(f->req), 0x4001,
						 (const uint8_t *)"abcde", 5, false),
			 9);
}

/* ---- authentication ---- */

static void
test_binding(void **state)
{
	struct fx *f = *state;
	struct stun_msg m;

	assert_int_equal(call(f, OP_BINDING, NULL), 0);
	assert_int_equal(f->rounds, 1);
	assert_int_equal(f->r.cls, STUN_CLASS_SUCCESS);
	assert_int_equal(f->r.method, STUN_METHOD_BINDING);
	assert_true(f->r.has_mapped);
	assert_true(stun_addr_equal(&f->r.mapped, &f->ft.client));
	assert_int_equal(f->r.integrity, -ENOENT);
	/* Binding never carries credentials, even with a nonce known. */
	assert_int_equal(call(f, OP_ALLOCATE, NULL), 0);
	assert_int_equal(call(f, OP_BINDING, NULL), 0);
	parse_req(f, &m);
	assert_null(stun_msg_attr(&m, STUN_SLOT_USERNAME));
	assert_int_equal(m.mi_hdr_off + m.mi256_hdr_off, 0);
}

/* A 401, then an Allocate signed with SHA-256 (preferred, offered). */
static void
test_allocate_sha256(void **state)
{
	struct fx *f = *state;
	const struct stun_attr *a;
	struct stun_msg m;
	uint32_t v;

	assert_int_equal(call(f, OP_ALLOCATE, NULL), 0);
	assert_int_equal(f->rounds, 2);
	assert_int_equal(f->r.cls, STUN_CLASS_SUCCESS);
	assert_int_equal(f->r.integrity, 0);
	assert_int_equal(f->r.n_relayed, 1);
	assert_int_equal(f->r.relayed[0].family, STUN_FAMILY_IPV4);
	struct stun_addr relay4 = th_addr(TH_RELAY4);
	assert_true(stun_addr_ip_equal(&f->r.relayed[0], &relay4));
	assert_true(f->r.has_mapped);
	assert_true(stun_addr_equal(&f->r.mapped, &f->ft.client));
	assert_true(f->r.has_lifetime);
	assert_int_equal(f->r.lifetime, TURN_DEFAULT_LIFETIME);
	assert_false(f->r.has_token);
	/* What was learned, and what the signed request carried. */
	assert_string_equal(f->c.realm, TH_REALM);
	assert_int_equal(f->c.nonce_len, STUN_NONCE_LEN);
	assert_int_equal(f->c.alg, STUN_PWALG_SHA256);
	assert_int_equal(f->c.key_len, STUN_KEY_SHA256_LEN);
	assert_int_equal(f->c.pw_algs_len, 8);
	assert_true(f->c.authed);
	parse_req(f, &m);
	assert_int_not_equal(m.mi256_hdr_off, 0);
	assert_int_equal(m.mi_hdr_off, 0);
	assert_int_equal(m.fp_hdr_off, 0);
	a = stun_msg_attr(&m, STUN_SLOT_PASSWORD_ALGORITHMS);
	assert_non_null(a);
	assert_int_equal(a->len, 8);
	/* Echoed as offered: SHA-256 then MD5. */
	assert_int_equal(stun_rd16(stun_attr_value(&m, a)), STUN_PWALG_SHA256);
	assert_int_equal(stun_rd16(stun_attr_value(&m, a) + 4), STUN_PWALG_MD5);
	assert_int_equal(stun_msg_get_u32(&m, STUN_SLOT_PASSWORD_ALGORITHM, &v), 0);
	assert_int_equal(v, (uint32_t)STUN_PWALG_SHA256 << 16);
	assert_int_equal(stun_msg_get_u32(&m, STUN_SLOT_REQUESTED_TRANSPORT, &v), 0);
	assert_int_equal(v, (uint32_t)TURN_TRANSPORT_UDP << 24);
	assert_int_equal(f->h.events[TURN_EVENT_ALLOCATED], 1);
}

static void
test_allocate_md5_preferred(void **state)
{
	struct fx *f = *state;
	struct stun_msg m;
	uint32_t v;

	f->c.prefer_alg = STUN_PWALG_MD5;
	f->c.fingerprint = true;
	assert_int_equal(call(f, OP_ALLOCATE, NULL), 0);
	assert_int_equal(f->rounds, 2);
	assert_int_equal(f->r.integrity, 0);
	assert_int_equal(f->c.alg, STUN_PWALG_MD5);
	assert_int_equal(f->c.key_len, STUN_KEY_MD5_LEN);
	parse_req(f, &m);
	assert_int_not_equal(m.mi_hdr_off, 0);
	assert_int_equal(m.mi256_hdr_off, 0);
	assert_int_equal(stun_check_fingerprint(&m), 0);
	assert_int_equal(stun_msg_get_u32(&m, STUN_SLOT_PASSWORD_ALGORITHM, &v), 0);
	assert_int_equal(v, (uint32_t)STUN_PWALG_MD5 << 16);
}

/* A server offering nothing (RFC 5389 style): MD5, neither attribute. */
static void
test_allocate_md5_legacy(void **state)
{
	struct fx *f = *state;
	struct stun_msg m;

	f->h.cfg.n_pw_algs = 0;
	restart(f);
	assert_int_equal(call(f, OP_ALLOCATE, NULL), 0);
	assert_int_equal(f->rounds, 2);
	assert_int_equal(f->r.integrity, 0);
	assert_int_equal(f->c.alg, STUN_PWALG_MD5);
	assert_int_equal(f->c.pw_algs_len, 0);
	parse_req(f, &m);
	assert_null(stun_msg_attr(&m, STUN_SLOT_PASSWORD_ALGORITHMS));
	assert_null(stun_msg_attr(&m, STUN_SLOT_PASSWORD_ALGORITHM));
	assert_int_not_equal(m.mi_hdr_off, 0);
	assert_int_equal(m.mi256_hdr_off, 0);
}

/* Only SHA-256 offered: a client preferring MD5 takes SHA-256. */
static void
test_allocate_sha256_only(void **state)
{
	struct fx *f = *state;

	f->h.cfg.pw_algs[0] = STUN_PWALG_SHA256;
	f->h.cfg.n_pw_algs = 1;
	restart(f);
	f->c.prefer_alg = STUN_PWALG_MD5;
	assert_int_equal(call(f, OP_ALLOCATE, NULL), 0);
	assert_int_equal(f->c.alg, STUN_PWALG_SHA256);
	assert_int_equal(f->c.pw_algs_len, 4);
}

static void
test_wrong_password(void **state)
{
	struct fx *f = *state;

	turn_client_fini(&f->c);
	assert_int_equal(turn_client_init(&f->c, "alice", "not-alice-pw"), 0);
	assert_int_equal(call(f, OP_ALLOCATE, NULL), STUN_ERR_UNAUTHENTICATED);
	/* 401, credentials, 401 again: no third try. */
	assert_int_equal(f->rounds, 2);
	assert_false(f->r.retry);
	assert_int_equal(f->r.integrity, -ENOENT);
	assert_int_equal(f->h.events[TURN_EVENT_ALLOCATED], 0);
	/* An unknown user the same. */
	turn_client_fini(&f->c);
	assert_int_equal(turn_client_init(&f->c, "mallory", "x"), 0);
	assert_int_equal(call(f, OP_ALLOCATE, NULL), STUN_ERR_UNAUTHENTICATED);
	assert_int_equal(f->rounds, 2);
}

static void
test_rest(void **state)
{
	struct fx *f = *state;
	const uint8_t *secret = (const uint8_t *)"north";

	turn_client_fini(&f->c);
	assert_int_equal(turn_client_init_rest(&f->c, secret, 5, "carol", f->h.now + 500, 0), 0);
	assert_int_equal(call(f, OP_ALLOCATE, NULL), 0);
	assert_int_equal(f->rounds, 2);
	assert_int_equal(f->r.integrity, 0);
	/* Refresh works through the credential's expiry second, then 401. */
	f->h.now += 500;
	assert_int_equal(call(f, OP_REFRESH, NULL), 0);
	f->h.now += 1;
	assert_int_equal(call(f, OP_REFRESH, NULL), STUN_ERR_UNAUTHENTICATED);
	assert_false(f->r.retry);

	/* Expired before the first request: 401, then 401. */
	struct turn_client c;
	struct stun_5tuple ft = tuple(CLIENT2);
	assert_int_equal(turn_client_init_rest(&c, secret, 5, "dave", f->h.now - 1, 0), 0);
	assert_int_equal(call_as(f, &c, &ft, OP_ALLOCATE, NULL), STUN_ERR_UNAUTHENTICATED);
	assert_int_equal(f->rounds, 2);
	/* And a wrong secret. */
	assert_int_equal(turn_client_init_rest(&c, (const uint8_t *)"south", 5, "dave",
					       f->h.now + 60, 0),
			 0);
	assert_int_equal(call_as(f, &c, &ft, OP_ALLOCATE, NULL), STUN_ERR_UNAUTHENTICATED);
	assert_int_equal(f->rounds, 2);
	turn_client_fini(&c);
}

/* The nonce goes stale; the 438 carries a fresh one, the retry succeeds. */
static void
test_stale_nonce(void **state)
{
	struct fx *f = *state;
	char old[STUN_MAX_NONCE_LEN + 1];
	struct op_args al = { .alloc.has_lifetime = true, .alloc.lifetime = 3600 };
	struct op_args a = { .has_lifetime = true, .lifetime = 3600 };

	assert_int_equal(call(f, OP_ALLOCATE, &al), 0);
	memcpy(old, f->c.nonce, sizeof(old));
	f->h.now += 601;
	assert_int_equal(call(f, OP_REFRESH, &a), 0);
	assert_int_equal(f->rounds, 2);
	assert_int_equal(f->r.integrity, 0);
	assert_true(f->r.has_lifetime);
	assert_int_equal(f->r.lifetime, 3600);
	assert_string_not_equal(f->c.nonce, old);

	/* A nonce that is not ours (its timestamp changed): 438 too. */
	uint8_t body[18];
	char *b64 = f->c.nonce + STUN_NONCE_COOKIE_LEN + 4;
	assert_int_equal(stun_base64_decode(b64, 24, body, sizeof(body)), 18);
	body[3] ^= 0x01;
	stun_base64_encode(body, sizeof(body), b64);
	memcpy(old, f->c.nonce, sizeof(old));
	assert_int_equal(call(f, OP_REFRESH, &a), 0);
	assert_int_equal(f->rounds, 2);
	assert_string_not_equal(f->c.nonce, old);
}

/* A hand-made challenge for the last request built. */
static size_t
challenge(struct fx *f, uint16_t code, const char *nonce, const uint8_t *algs, size_t algs_len)
{
	struct stun_builder b;
	int n;

	stun_build_init(&b, f->resp, sizeof(f->resp), f->c.method, STUN_CLASS_ERROR, f->c.tid);
	stun_put_error(&b, code, NULL);
	stun_put_attr(&b, STUN_ATTR_REALM, "elsewhere", 9);
	stun_put_attr(&b, STUN_ATTR_NONCE, nonce, strlen(nonce));
	if (algs != NULL)
		stun_put_attr(&b, STUN_ATTR_PASSWORD_ALGORITHMS, algs, algs_len);
	n = stun_build_finish(&b);
	assert_true(n > 0);
	return (size_t)n;
}

/*
 * RFC 8489 9.2.5: a nonce announcing the password-algorithms feature
 * without the list (stripped by someone in the middle), or with no
 * algorithm we know, is not answered; nothing is learned.
 */
static void
test_challenge_refused(void **state)
{
	struct fx *f = *state;
	/* "obMatJos2" + base64 of features 0x000003 */
	const char *feat = "obMatJos2AAADxyz";
	static const uint8_t unknown_alg[4] = { 0x00, 0x07, 0x00, 0x00 };
	static const uint8_t md5_only[4] = { 0x00, 0x01, 0x00, 0x00 };
	size_t n;

	assert_true(turn_client_allocate(&f->c, NULL, f->req, sizeof(f->req)) > 0);
	n = challenge(f, 401, feat, NULL, 0);
	assert_int_equal(turn_client_parse_response(&f->c, f->resp, n, &f->r), 0);
	assert_int_equal(f->r.error, 401);
	assert_false(f->r.retry);
	assert_int_equal(f->c.nonce_len, 0);
	n = challenge(f, 401, feat, unknown_alg, sizeof(unknown_alg));
	assert_int_equal(turn_client_parse_response(&f->c, f->resp, n, &f->r), 0);
	assert_false(f->r.retry);
	assert_int_equal(f->c.nonce_len, 0);
	/* MD5 alone is taken, even by a client preferring SHA-256. */
	n = challenge(f, 438, feat, md5_only, sizeof(md5_only));
	assert_int_equal(turn_client_parse_response(&f->c, f->resp, n, &f->r), 0);
	assert_true(f->r.retry);
	assert_int_equal(f->c.alg, STUN_PWALG_MD5);
	assert_string_equal(f->c.realm, "elsewhere");
	assert_string_equal(f->c.nonce, feat);
	/* An opaque nonce ignores the list: MD5 and neither attribute. */
	assert_true(turn_client_allocate(&f->c, NULL, f->req, sizeof(f->req)) > 0);
	n = challenge(f, 438, "opaque-nonce", md5_only, sizeof(md5_only));
	assert_int_equal(turn_client_parse_response(&f->c, f->resp, n, &f->r), 0);
	assert_true(f->r.retry);
	assert_int_equal(f->c.pw_algs_len, 0);
	/* A 401 to a request that carried credentials: no retry. */
	assert_true(turn_client_allocate(&f->c, NULL, f->req, sizeof(f->req)) > 0);
	assert_true(f->c.authed);
	n = challenge(f, 401, "another", NULL, 0);
	assert_int_equal(turn_client_parse_response(&f->c, f->resp, n, &f->r), 0);
	assert_false(f->r.retry);
	assert_string_equal(f->c.nonce, "opaque-nonce");
}

/* Answers to another transaction, tampered answers, non-responses. */
static void
test_response_matching(void **state)
{
	struct fx *f = *state;
	uint8_t first[sizeof(f->resp)];
	size_t first_len;

	assert_int_equal(call(f, OP_ALLOCATE, NULL), 0);
	/* The answer to a Refresh arrives after a newer request was built
	 * (a late answer to a retransmission). */
	f->req_len = (size_t)turn_client_refresh(&f->c, false, 0, f->req, sizeof(f->req));
	assert_int_equal(feed_from(f, &f->ft, f->req, f->req_len), TURN_REPLY);
	memcpy(first, f->resp, f->resp_len);
	first_len = f->resp_len;
	assert_int_equal(turn_client_parse_response(&f->c, first, first_len, &f->r), 0);
	assert_int_equal(f->r.integrity, 0);
	f->req_len = (size_t)turn_client_refresh(&f->c, false, 0, f->req, sizeof(f->req));
	assert_int_equal(turn_client_parse_response(&f->c, first, first_len, &f->r), -ESRCH);
	assert_int_equal(f->r.method, TURN_METHOD_REFRESH);
	assert_int_equal(f->r.cls, STUN_CLASS_SUCCESS);

	/* A signed answer with one bit changed fails integrity. */
	assert_int_equal(feed_from(f, &f->ft, f->req, f->req_len), TURN_REPLY);
	f->resp[STUN_HEADER_LEN + 4] ^= 0x01;
	assert_int_equal(turn_client_parse_response(&f->c, f->resp, f->resp_len, &f->r), 0);
	assert_int_equal(f->r.integrity, -EACCES);

	/* Not STUN, not a response, malformed. */
	assert_int_equal(turn_client_parse_response(&f->c, (const uint8_t *)"\x40\x00\x00\x00", 4,
						    &f->r),
			 -EINVAL);
	struct stun_addr p = th_addr(PEER);
	int n = turn_client_send(&f->c, &p, (const uint8_t *)"x", 1, false, f->req, sizeof(f->req));
	assert_int_equal(turn_client_parse_response(&f->c, f->req, (size_t)n, &f->r), -ENOMSG);
	/* An error response without ERROR-CODE. */
	struct stun_builder b;
	stun_build_init(&b, f->resp, sizeof(f->resp), f->c.method, STUN_CLASS_ERROR, f->c.tid);
	n = stun_build_finish(&b);
	assert_int_equal(turn_client_parse_response(&f->c, f->resp, (size_t)n, &f->r), -EBADMSG);
	/* A success with an attribute we must understand but do not
	 * (RFC 8489 6.3.3); an optional one is ignored. */
	stun_build_init(&b, f->resp, sizeof(f->resp), f->c.method, STUN_CLASS_SUCCESS, f->c.tid);
	stun_put_u32(&b, 0x0077, 1);
	n = stun_build_finish(&b);
	assert_int_equal(turn_client_parse_response(&f->c, f->resp, (size_t)n, &f->r), -EBADMSG);
	stun_build_init(&b, f->resp, sizeof(f->resp), f->c.method, STUN_CLASS_SUCCESS, f->c.tid);
	stun_put_u32(&b, 0x8077, 1);
	n = stun_build_finish(&b);
	assert_int_equal(turn_client_parse_response(&f->c, f->resp, (size_t)n, &f->r), 0);
	assert_int_equal(f->r.error, 0);
}

static void
test_fingerprint(void **state)
{
	struct fx *f = *state;

	f->h.cfg.fingerprint = true;
	restart(f);
	f->c.fingerprint = true;
	assert_int_equal(call(f, OP_ALLOCATE, NULL), 0);
	assert_int_equal(f->r.integrity, 0);
	/* A corrupted FINGERPRINT is not a response at all. */
	assert_int_equal(call(f, OP_REFRESH, NULL), 0);
	f->resp[f->resp_len - 1] ^= 0x01;
	assert_int_equal(turn_client_parse_response(&f->c, f->resp, f->resp_len, &f->r),
			 -EBADMSG);
}

/* ---- Allocate options ---- */

static void
test_allocate_options(void **state)
{
	struct fx *f = *state;
	struct op_args a = { 0 };
	struct turn_client c2;
	struct stun_5tuple ft2 = tuple(CLIENT2);

	/* EVEN-PORT with R: an even port and a token for the next one. */
	a.alloc.even_port = true;
	a.alloc.reserve = true;
	a.alloc.dont_fragment = true;
	a.alloc.has_lifetime = true;
	a.alloc.lifetime = 1800;
	assert_int_equal(call(f, OP_ALLOCATE, &a), 0);
	assert_int_equal(f->r.relayed[0].port % 2, 0);
	assert_true(f->r.has_token);
	assert_int_equal(f->r.lifetime, 1800);
	uint16_t port = f->r.relayed[0].port;
	uint64_t token = f->r.token;

	assert_int_equal(turn_client_init(&c2, "bob", "bob-pw"), 0);
	memset(&a, 0, sizeof(a));
	a.alloc.reservation_token = token;
	assert_int_equal(call_as(f, &c2, &ft2, OP_ALLOCATE, &a), 0);
	assert_int_equal(f->r.relayed[0].port, port + 1);
	assert_int_equal(f->r.integrity, 0);
	turn_client_fini(&c2);
}

static void
test_allocate_dual(void **state)
{
	struct fx *f = *state;
	struct op_args a = { .alloc.additional_family = STUN_FAMILY_IPV6 };
	struct turn_client c2;
	struct stun_5tuple ft2 = tuple(CLIENT2);

	assert_int_equal(call(f, OP_ALLOCATE, &a), 0);
	assert_int_equal(f->r.n_relayed, 2);
	assert_int_equal(f->r.relayed[0].family, STUN_FAMILY_IPV4);
	assert_int_equal(f->r.relayed[1].family, STUN_FAMILY_IPV6);
	assert_int_equal(f->r.addr_error, 0);

	/* IPv6 half refused: success with ADDRESS-ERROR-CODE. */
	f->h.relay_rc[STUN_FAMILY_IPV6] = -ENOSPC;
	assert_int_equal(turn_client_init(&c2, "bob", "bob-pw"), 0);
	assert_int_equal(call_as(f, &c2, &ft2, OP_ALLOCATE, &a), 0);
	assert_int_equal(f->r.n_relayed, 1);
	assert_int_equal(f->r.addr_error_family, STUN_FAMILY_IPV6);
	assert_int_equal(f->r.addr_error, STUN_ERR_INSUFFICIENT_CAPACITY);
	turn_client_fini(&c2);
}

static void
test_allocate_ipv6(void **state)
{
	struct fx *f = *state;
	struct op_args a = { .alloc.family = STUN_FAMILY_IPV6 };
	struct stun_addr relay6 = th_addr(TH_RELAY6);

	f->ft.server = th_addr(TH_SERVER6);
	f->ft.client = th_addr("[2001:db8:1::7]:40000");
	assert_int_equal(call(f, OP_ALLOCATE, &a), 0);
	assert_int_equal(f->r.n_relayed, 1);
	assert_true(stun_addr_ip_equal(&f->r.relayed[0], &relay6));
	assert_true(stun_addr_equal(&f->r.mapped, &f->ft.client));
}

/* ---- error results ---- */

enum err_case {
	ERR_REFRESH_NO_ALLOCATION,
	ERR_SECOND_ALLOCATE,
	ERR_TCP,
	ERR_FAMILY,
	ERR_QUOTA,
	ERR_PEER_DENIED,
	ERR_CHANNEL_RANGE,
	ERR_TOO_MANY_PEERS,
	ERR_PEER_FAMILY,
	ERR_OTHER_USER,
};

struct err_fixture {
	const char *name;
	enum err_case what;
	uint16_t error;
};

static const struct err_fixture err_fixtures[] = {
	{ "Refresh without allocation", ERR_REFRESH_NO_ALLOCATION, 437 },
	{ "second Allocate, new transaction", ERR_SECOND_ALLOCATE, 437 },
	{ "REQUESTED-TRANSPORT TCP", ERR_TCP, 442 },
	{ "REQUESTED-ADDRESS-FAMILY 3", ERR_FAMILY, 440 },
	{ "quota of one", ERR_QUOTA, 486 },
	{ "peer denied", ERR_PEER_DENIED, 403 },
	{ "channel 0x3FFF", ERR_CHANNEL_RANGE, 400 },
	{ "nine peers", ERR_TOO_MANY_PEERS, 508 },
	{ "IPv6 peer on an IPv4 relay", ERR_PEER_FAMILY, 443 },
	{ "Refresh by another user", ERR_OTHER_USER, 441 },
};

static void
test_errors(void **state)
{
	struct fx *f = *state;

	for (size_t i = 0; i < sizeof(err_fixtures) / sizeof(err_fixtures[0]); i++) {
		const struct err_fixture *e = &err_fixtures[i];
		struct op_args a = { 0 };
		struct turn_client c2;
		struct stun_5tuple ft2 = tuple(CLIENT2);
		int rc = -1;

		print_message("error: %s\n", e->name);
		f->h.quota_limit = 0;
		f->h.deny.family = 0;
		restart(f);
		if (e->what != ERR_REFRESH_NO_ALLOCATION && e->what != ERR_TCP &&
		    e->what != ERR_FAMILY)
			assert_int_equal(call(f, OP_ALLOCATE, NULL), 0);
		switch (e->what) {
		case ERR_REFRESH_NO_ALLOCATION:
			rc = call(f, OP_REFRESH, NULL);
			break;
		case ERR_SECOND_ALLOCATE:
			rc = call(f, OP_ALLOCATE, NULL);
			break;
		case ERR_TCP:
			a.alloc.transport = TURN_TRANSPORT_TCP;
			rc = call(f, OP_ALLOCATE, &a);
			break;
		case ERR_FAMILY:
			a.alloc.family = 3;
			rc = call(f, OP_ALLOCATE, &a);
			break;
		case ERR_QUOTA:
			f->h.quota_limit = 1;
			assert_int_equal(turn_client_init(&c2, "alice", "alice-pw"), 0);
			rc = call_as(f, &c2, &ft2, OP_ALLOCATE, NULL);
			turn_client_fini(&c2);
			break;
		case ERR_PEER_DENIED:
			a = peers(PEER, NULL);
			f->h.deny = a.peer[0];
			rc = call(f, OP_PERMIT, &a);
			break;
		case ERR_CHANNEL_RANGE:
			a = peers(PEER, NULL);
			a.channel = 0x3FFF;
			rc = call(f, OP_BIND, &a);
			break;
		case ERR_TOO_MANY_PEERS:
			a.n_peer = 9;
			for (unsigned int j = 0; j < a.n_peer; j++) {
				char s[32];
				snprintf(s, sizeof(s), "198.51.100.%u:1", j + 1);
				a.peer[j] = th_addr(s);
			}
			rc = call(f, OP_PERMIT, &a);
			break;
		case ERR_PEER_FAMILY:
			a = peers("[2001:db8:99::5]:5000", NULL);
			rc = call(f, OP_PERMIT, &a);
			break;
		case ERR_OTHER_USER:
			/* bob, on alice's 5-tuple */
			assert_int_equal(turn_client_init(&c2, "bob", "bob-pw"), 0);
			rc = call_as(f, &c2, &f->ft, OP_REFRESH, NULL);
			turn_client_fini(&c2);
			break;
		}
		assert_int_equal(rc, e->error);
		assert_int_equal(f->r.cls, STUN_CLASS_ERROR);
		assert_false(f->r.retry);
		/* Errors to authenticated requests are signed. */
		assert_int_equal(f->r.integrity, 0);
		assert_true(f->r.reason[0] != 0);
	}
}

/* ---- the data path ---- */

static void
test_relay(void **state)
{
	struct fx *f = *state;
	struct op_args a = peers(PEER, PEER2);
	struct turn_client_data d;
	struct stun_addr relay, p1 = a.peer[0], p2 = a.peer[1];
	uint8_t payload[1200];
	int n;

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(call(f, OP_ALLOCATE, NULL), 0);
	relay = f->r.relayed[0];
	assert_int_equal(call(f, OP_PERMIT, &a), 0);
	assert_int_equal(f->r.integrity, 0);
	a = peers(PEER, NULL);
	a.channel = 0x4000;
	assert_int_equal(call(f, OP_BIND, &a), 0);
	assert_int_equal(f->r.integrity, 0);

	/* ChannelData, unpadded and padded, odd sizes. */
	for (int pad = 0; pad <= 1; pad++) {
		n = turn_client_channeldata(f->req, sizeof(f->req), 0x4000, payload, 1001, pad);
		assert_int_equal(n, pad ? 1008 : 1005);
		assert_int_equal(feed_from(f, &f->ft, f->req, (size_t)n), TURN_TO_PEER);
		assert_true(stun_addr_equal(&f->out.dst, &p1));
		assert_true(stun_addr_equal(&f->out.src, &relay));
		assert_int_equal(f->out.payload_len, 1001);
		assert_memory_equal(f->out.payload, payload, 1001);
	}
	/* Send indication, with DONT-FRAGMENT. */
	n = turn_client_send(&f->c, &p2, payload, 333, true, f->req, sizeof(f->req));
	assert_true(n > 0);
	assert_int_equal(feed_from(f, &f->ft, f->req, (size_t)n), TURN_TO_PEER);
	assert_true(stun_addr_equal(&f->out.dst, &p2));
	assert_int_equal(f->out.payload_len, 333);
	assert_memory_equal(f->out.payload, payload, 333);
	assert_true(f->out.dont_fragment);
	/* Empty payload. */
	n = turn_client_send(&f->c, &p2, NULL, 0, false, f->req, sizeof(f->req));
	assert_int_equal(feed_from(f, &f->ft, f->req, (size_t)n), TURN_TO_PEER);
	assert_int_equal(f->out.payload_len, 0);

	/* Peer 1 has the channel: ChannelData back. */
	assert_int_equal(from_peer(f, &p1, &relay, payload, 517), TURN_TO_CLIENT);
	assert_int_equal(turn_client_parse_data(f->resp, f->resp_len, &d), 0);
	assert_int_equal(d.kind, TURN_CLIENT_CHANNELDATA);
	assert_int_equal(d.channel, 0x4000);
	assert_int_equal(d.len, 517);
	assert_memory_equal(d.payload, payload, 517);
	/* Peer 2 has only a permission: a Data indication. */
	assert_int_equal(from_peer(f, &p2, &relay, payload, 999), TURN_TO_CLIENT);
	assert_int_equal(turn_client_parse_data(f->resp, f->resp_len, &d), 0);
	assert_int_equal(d.kind, TURN_CLIENT_DATA_INDICATION);
	assert_true(stun_addr_equal(&d.peer, &p2));
	assert_int_equal(d.len, 999);
	assert_memory_equal(d.payload, payload, 999);
	/* A Data indication with FINGERPRINT, right and wrong. */
	struct stun_builder sb;
	uint8_t di[64];
	int dn;
	stun_build_init(&sb, di, sizeof(di), TURN_METHOD_DATA, STUN_CLASS_INDICATION, f->c.tid);
	stun_put_xor_addr(&sb, STUN_ATTR_XOR_PEER_ADDRESS, &p2);
	stun_put_attr(&sb, STUN_ATTR_DATA, "abc", 3);
	stun_put_fingerprint(&sb);
	dn = stun_build_finish(&sb);
	assert_int_equal(turn_client_parse_data(di, (size_t)dn, &d), 0);
	assert_int_equal(d.len, 3);
	di[dn - 1] ^= 1;
	assert_int_equal(turn_client_parse_data(di, (size_t)dn, &d), -EBADMSG);
	/* A response is not data. */
	assert_int_equal(call(f, OP_REFRESH, NULL), 0);
	assert_int_equal(turn_client_parse_data(f->resp, f->resp_len, &d), -ENOMSG);
}

/*
 * A Data indication larger than STUN_MAX_MSG_LEN, which the server
 * builds for a large peer datagram: the client's own walk reads it.
 */
static void
test_big_data_indication(void **state)
{
	struct fx *f = *state;
	struct op_args a = peers(PEER2, NULL);
	struct turn_client_data d;
	static uint8_t payload[3001];
	struct stun_addr relay;

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i ^ (i >> 8));
	assert_int_equal(call(f, OP_ALLOCATE, NULL), 0);
	relay = f->r.relayed[0];
	assert_int_equal(call(f, OP_PERMIT, &a), 0);
	assert_int_equal(from_peer(f, &a.peer[0], &relay, payload, sizeof(payload)),
			 TURN_TO_CLIENT);
	assert_true(f->resp_len > STUN_MAX_MSG_LEN);
	assert_int_equal(turn_client_parse_data(f->resp, f->resp_len, &d), 0);
	assert_int_equal(d.kind, TURN_CLIENT_DATA_INDICATION);
	assert_true(stun_addr_equal(&d.peer, &a.peer[0]));
	assert_int_equal(d.len, sizeof(payload));
	assert_memory_equal(d.payload, payload, sizeof(payload));

	/* Walk failures: truncated, a wrong length field, no DATA. */
	assert_int_equal(turn_client_parse_data(f->resp, f->resp_len - 4, &d), -EINVAL);
	uint8_t copy[sizeof(f->resp)];
	size_t n = f->resp_len;
	memcpy(copy, f->resp, n);
	/* DATA's length beyond the message. */
	copy[STUN_HEADER_LEN + 12 + 2] = 0xFF;
	assert_int_equal(turn_client_parse_data(copy, n, &d), -EBADMSG);
	/* DATA turned into an unknown comprehension-required type. */
	memcpy(copy, f->resp, n);
	stun_wr16(copy + STUN_HEADER_LEN + 12, 0x0077);
	assert_int_equal(turn_client_parse_data(copy, n, &d), -EBADMSG);
	/* DATA turned into an unknown optional type: no DATA left. */
	stun_wr16(copy + STUN_HEADER_LEN + 12, 0x8077);
	assert_int_equal(turn_client_parse_data(copy, n, &d), -EBADMSG);
	/* A FINGERPRINT appended: right, then wrong. */
	memcpy(copy, f->resp, n);
	stun_wr16(copy + 2, (uint16_t)(n + 8 - STUN_HEADER_LEN));
	stun_wr16(copy + n, STUN_ATTR_FINGERPRINT);
	stun_wr16(copy + n + 2, 4);
	stun_wr32(copy + n + 4, stun_crc32(copy, n) ^ STUN_FINGERPRINT_XOR);
	assert_int_equal(turn_client_parse_data(copy, n + 8, &d), 0);
	assert_int_equal(d.len, sizeof(payload));
	copy[n + 7] ^= 1;
	assert_int_equal(turn_client_parse_data(copy, n + 8, &d), -EBADMSG);
}

struct data_fixture {
	const char *name;
	uint8_t bytes[48];
	size_t len;
	int rc;
	uint16_t channel;
	uint16_t plen;
};

static const struct data_fixture data_fixtures[] = {
	{ "ChannelData", { 0x40, 0x00, 0x00, 0x02, 'h', 'i' }, 6, 0, 0x4000, 2 },
	{ "ChannelData padded", { 0x40, 0x01, 0x00, 0x02, 'h', 'i', 0, 0 }, 8, 0, 0x4001, 2 },
	{ "ChannelData RFC 5766 range", { 0x7F, 0xFF, 0x00, 0x00 }, 4, 0, 0x7FFF, 0 },
	{ "ChannelData short", { 0x40, 0x00, 0x00, 0x09, 'h', 'i' }, 6, -EBADMSG, 0, 0 },
	{ "ChannelData too much padding", { 0x40, 0x00, 0x00, 0x00, 0, 0, 0, 0 }, 8, -EBADMSG,
	  0, 0 },
	{ "RTP", { 0x80, 0x00 }, 2, -EINVAL, 0, 0 },
	{ "empty", { 0 }, 0, -EINVAL, 0, 0 },
	{ "Binding request",
	  { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 },
	  20, -ENOMSG, 0, 0 },
	/* Data indication with DATA but no XOR-PEER-ADDRESS. */
	{ "Data indication without peer",
	  { 0x00, 0x17, 0x00, 0x08, 0x21, 0x12, 0xA4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
	    0x00, 0x13, 0x00, 0x02, 'h', 'i', 0, 0 },
	  28, -EBADMSG, 0, 0 },
	/* With an unknown comprehension-required attribute. */
	{ "Data indication with unknown attribute",
	  { 0x00, 0x17, 0x00, 0x18, 0x21, 0x12, 0xA4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
	    0x00, 0x12, 0x00, 0x08, 0x00, 0x01, 0x21, 0x12, 0x21, 0x12, 0xA4, 0x43,
	    0x00, 0x13, 0x00, 0x02, 'h', 'i', 0, 0,
	    0x00, 0x77, 0x00, 0x00 },
	  44, -EBADMSG, 0, 0 },
};

static void
test_data_fixtures(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(data_fixtures) / sizeof(data_fixtures[0]); i++) {
		const struct data_fixture *x = &data_fixtures[i];
		struct turn_client_data d;

		print_message("data: %s\n", x->name);
		assert_int_equal(turn_client_parse_data(x->bytes, x->len, &d), x->rc);
		if (x->rc != 0)
			continue;
		assert_int_equal(d.kind, TURN_CLIENT_CHANNELDATA);
		assert_int_equal(d.channel, x->channel);
		assert_int_equal(d.len, x->plen);
		assert_ptr_equal(d.payload, x->bytes + 4);
	}
}

/* Refresh to zero deletes; the next Refresh finds nothing. */
static void
test_refresh_delete(void **state)
{
	struct fx *f = *state;
	struct op_args a = { .has_lifetime = true, .lifetime = 1200 };

	assert_int_equal(call(f, OP_ALLOCATE, NULL), 0);
	assert_int_equal(call(f, OP_REFRESH, &a), 0);
	assert_int_equal(f->r.lifetime, 1200);
	assert_int_equal(f->r.integrity, 0);
	a.lifetime = 0;
	assert_int_equal(call(f, OP_REFRESH, &a), 0);
	assert_true(f->r.has_lifetime);
	assert_int_equal(f->r.lifetime, 0);
	assert_int_equal(f->h.events[TURN_EVENT_DELETED], 1);
	assert_int_equal(call(f, OP_REFRESH, &a), STUN_ERR_ALLOCATION_MISMATCH);
	assert_int_equal(f->r.integrity, 0);
	/* Expiry: a short-lived allocation is gone once its time passes. */
	f->h.cfg.default_lifetime = 30;
	restart(f);
	a.lifetime = 30;
	struct op_args al = { .alloc.has_lifetime = true, .alloc.lifetime = 30 };
	assert_int_equal(call(f, OP_ALLOCATE, &al), 0);
	assert_int_equal(f->r.lifetime, 30);
	f->h.now += 30;
	assert_int_equal(call(f, OP_REFRESH, &a), STUN_ERR_ALLOCATION_MISMATCH);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_validation),
		cmocka_unit_test_setup_teardown(test_tids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_build_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_binding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allocate_sha256, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allocate_md5_preferred, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allocate_md5_legacy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allocate_sha256_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_password, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_nonce, setup, teardown),
		cmocka_unit_test_setup_teardown(test_challenge_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_response_matching, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fingerprint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allocate_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allocate_dual, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allocate_ipv6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_data_indication, setup, teardown),
		cmocka_unit_test(test_data_fixtures),
		cmocka_unit_test_setup_teardown(test_refresh_delete, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

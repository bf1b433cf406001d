/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * allocate_authenticated: one operation is a complete, successful,
 * authenticated Allocate through the TURN state machine: parse,
 * FINGERPRINT, stateless nonce check, credential lookup (a hook returning
 * a stored MD5 key, as a warm per-worker cache would), MESSAGE-INTEGRITY,
 * relay port, table insert, and the signed response.
 *
 * Every operation uses a distinct client 5-tuple, so each creates a new
 * allocation. The 401 round trip that fetches each nonce happens in setup;
 * the allocations are flushed after each timed round.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_cases.h"
#include "stun_cred.h"
#include "turn_client.h"
#include "turn_relay_pool.h"
#include "turn_server.h"
#include "turn_table.h"

#define BENCH_NOW 1700000000ull
#define REQ_MAX 256

static const char realm[] = "north.gov";

struct alloc_state {
	struct turn_server *srv;
	struct turn_table *tbl;
	struct turn_relay_pool *pool;
	uint8_t key[STUN_KEY_MD5_LEN];
	unsigned int n;
	struct stun_5tuple *ft;
	uint8_t (*req)[REQ_MAX];
	uint16_t *len;
};

static int
bench_cred_lookup(void *ctx, const struct turn_cred_req *req, struct turn_cred *out)
{
	struct alloc_state *st = ctx;
	if (req->username == NULL || req->username_len != 5 || memcmp(req->username, "gorst", 5))
		return -ENOENT;
	if (req->alg != STUN_PWALG_MD5)
		return -EOPNOTSUPP;
	memcpy(out->key, st->key, sizeof(st->key));
	out->key_len = sizeof(st->key);
	memcpy(out->user, "gorst", 5);
	out->user_len = 5;
	return 0;
}

static int
bench_relay_alloc(void *ctx, uint8_t family, unsigned int flags, uint64_t token,
		  struct stun_addr *out, uint64_t *token_out)
{
	struct alloc_state *st = ctx;
	return turn_relay_pool_alloc(st->pool, family, flags, token, out, token_out);
}

static void
bench_relay_free(void *ctx, const struct stun_addr *relay)
{
	struct alloc_state *st = ctx;
	turn_relay_pool_free(st->pool, relay);
}

static void
alloc_teardown(void *arg)
{
	struct alloc_state *st = arg;
	if (st->srv)
		turn_server_destroy(st->srv);
	if (st->tbl)
		turn_table_destroy(st->tbl);
	if (st->pool)
		turn_relay_pool_destroy(st->pool);
	free(st->ft);
	free(st->req);
	free(st->len);
	free(st);
}

/* Fetch a nonce for every client with an unauthenticated Allocate, then
 * build its authenticated request, as a real client (turn_client) does. */
static int
prepare_requests(struct alloc_state *st)
{
	uint8_t obuf[TURN_OUT_BUF];
	uint8_t first[REQ_MAX];

	for (unsigned int i = 0; i < st->n; i++) {
		struct turn_client c;
		struct turn_client_result r;
		struct turn_out o;
		uint8_t cip[4] = {198, 19, (uint8_t)(i >> 16), (uint8_t)(i >> 8)};
		uint8_t sip[4] = {198, 18, 0, 1};
		int len, rc = -EPROTO;

		stun_addr_set_v4(&st->ft[i].client, cip, (uint16_t)(1024 + (i & 0xff) * 200 + 1));
		stun_addr_set_v4(&st->ft[i].server, sip, 3478);
		st->ft[i].proto = TURN_TRANSPORT_UDP;

		if (turn_client_init(&c, "gorst", "hero") != 0)
			return -EPROTO;
		c.fingerprint = true;
		len = turn_client_allocate(&c, NULL, first, sizeof(first));
		if (len > 0 &&
		    turn_server_handle_client(st->srv, &st->ft[i], first, (size_t)len, BENCH_NOW,
					      obuf, sizeof(obuf), &o) == TURN_REPLY &&
		    turn_client_parse_response(&c, o.hdr, o.hdr_len, &r) == 0 && r.retry) {
			len = turn_client_allocate(&c, NULL, st->req[i], REQ_MAX);
			if (len > 0) {
				st->len[i] = (uint16_t)len;
				rc = 0;
			}
		}
		turn_client_fini(&c);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static void *
alloc_setup(unsigned int ops)
{
	struct alloc_state *st = calloc(1, sizeof(*st));
	if (st == NULL)
		return NULL;
	st->n = ops;
	st->ft = calloc(ops, sizeof(*st->ft));
	st->req = calloc(ops, sizeof(*st->req));
	st->len = calloc(ops, sizeof(*st->len));
	stun_key_md5("gorst", 5, realm, sizeof(realm) - 1, "hero", 4, st->key);

	struct stun_addr relay;
	stun_addr_from_string(&relay, "198.18.0.1", 0);
	st->pool = turn_relay_pool_create(&relay, NULL, 1024, 65535);
	st->tbl = turn_table_create(ops + 16);
	static const uint8_t secret[32] = "turnpike-bench nonce secret 0001";
	struct turn_config cfg = {
		.realm = realm,
		.nonce_secret = secret,
		.nonce_secret_len = sizeof(secret),
		.fingerprint = true,
	};
	struct turn_hooks hooks = {
		.cred_lookup = bench_cred_lookup,
		.relay_alloc = bench_relay_alloc,
		.relay_free = bench_relay_free,
	};
	if (st->ft == NULL || st->req == NULL || st->len == NULL || st->pool == NULL ||
	    st->tbl == NULL)
		goto fail;
	st->srv = turn_server_create(&cfg, &hooks, st, &turn_table_ops, st->tbl);
	if (st->srv == NULL || prepare_requests(st) != 0)
		goto fail;
	turn_server_flush(st->srv);
	return st;
fail:
	alloc_teardown(st);
	errno = EPROTO;
	return NULL;
}

static uint64_t
alloc_run(void *arg, unsigned int ops)
{
	struct alloc_state *st = arg;
	uint8_t obuf[TURN_OUT_BUF];
	struct turn_out o;
	unsigned int ok = 0;

	uint64_t t0 = bench_cycles();
	for (unsigned int i = 0; i < ops; i++) {
		enum turn_verdict v = turn_server_handle_client(
			st->srv, &st->ft[i], st->req[i], st->len[i], BENCH_NOW, obuf, sizeof(obuf), &o);
		ok += v == TURN_REPLY && o.error == 0;
	}
	uint64_t t1 = bench_cycles();
	turn_server_flush(st->srv);
	if (ok != ops) {
		fprintf(stderr, "allocate_authenticated: %u of %u succeeded\n", ok, ops);
		return 0;
	}
	return t1 - t0;
}

const struct bench_case bench_allocate_authenticated = {
	.name = "allocate_authenticated",
	.ops = 20000,
	.setup = alloc_setup,
	.run = alloc_run,
	.teardown = alloc_teardown,
};

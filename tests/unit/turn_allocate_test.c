/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TURN state machine, part 2: Allocate and Refresh (RFC 8656 7), their
 * error responses, retransmissions, 5-tuple separation, lifetimes and
 * expiry (lazy and by sweep), quotas, dual allocations, EVEN-PORT and
 * RESERVATION-TOKEN.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "turn_harness.h"

static bool
in_pool(const struct th *h, const struct stun_addr *a, const char *ip)
{
	struct stun_addr want = th_addr(ip);

	return stun_addr_ip_equal(a, &want) && a->port >= h->port_min && a->port <= h->port_max;
}

/* Nothing held once every allocation is gone. */
static void
assert_nothing_held(struct th *h)
{
	assert_int_equal(turn_table_count(h->tbl), 0);
	assert_int_equal(h->quota_active, 0);
	assert_int_equal(h->relays_active, 0);
	assert_int_equal(turn_relay_pool_used(h->pool, STUN_FAMILY_IPV4), 0);
	assert_int_equal(turn_relay_pool_used(h->pool, STUN_FAMILY_IPV6), 0);
}

static void
test_allocate_success(void **state)
{
	struct th *h = *state;
	struct th_client *c = th_client(h, 0);

	assert_int_equal(th_allocate(h, c, NULL), 0);
	assert_int_equal(h->out.verdict, TURN_REPLY);
	assert_true(stun_addr_equal(&h->out.src, &c->ft.server));
	assert_true(stun_addr_equal(&h->out.dst, &c->ft.client));
	assert_int_equal(h->resp.cls, STUN_CLASS_SUCCESS);
	assert_int_equal(h->resp.method, TURN_METHOD_ALLOCATE);
	assert_memory_equal(h->resp.tid, c->tid, STUN_TID_LEN);
	assert_int_equal(h->resp.n_relayed, 1);
	assert_true(in_pool(h, &h->resp.relayed[0], TH_RELAY4));
	assert_true(h->resp.has_lifetime);
	assert_int_equal(h->resp.lifetime, TURN_DEFAULT_LIFETIME);
	assert_true(h->resp.has_mapped);
	assert_true(stun_addr_equal(&h->resp.mapped, &c->ft.client));
	assert_false(h->resp.has_token);
	assert_int_equal(h->resp.addr_err_code, 0);
	assert_int_equal(h->resp.mi_check, 0);
	assert_false(h->resp.has_fp);
	/* State: one allocation, one quota, one relay, one event. */
	assert_int_equal(turn_table_count(h->tbl), 1);
	assert_int_equal(h->quota_active, 1);
	assert_int_equal(h->relays_active, 1);
	assert_int_equal(h->events[TURN_EVENT_ALLOCATED], 1);
	assert_non_null(h->out.alloc);
	assert_int_equal(h->out.alloc->expires, h->now + TURN_DEFAULT_LIFETIME);
	assert_int_equal(h->out.alloc->rest_expiry, 0);
	assert_int_equal(h->out.alloc->dont_fragment, 0);
}

/* RFC 8656 7.2 lifetimes: min(requested, max), never below the default. */
static void
test_allocate_lifetimes(void **state)
{
	struct th *h = *state;
	static const struct {
		bool has;
		uint32_t req, granted;
	} rows[] = {
		{ false, 0, 600 }, { true, 0, 600 },	   { true, 1, 600 },
		{ true, 599, 600 }, { true, 1200, 1200 }, { true, 3600, 3600 },
		{ true, 3601, 3600 }, { true, 0xFFFFFFFF, 3600 },
	};

	for (unsigned int i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct th_client *c = th_client(h, i);
		struct th_req q = { .flags = rows[i].has ? TH_LIFETIME : 0,
				    .lifetime = rows[i].req };

		assert_int_equal(th_allocate(h, c, &q), 0);
		assert_int_equal(h->resp.lifetime, rows[i].granted);
		assert_int_equal(h->out.alloc->expires, h->now + rows[i].granted);
	}
	/* Configured limits. */
	h->cfg.default_lifetime = 100;
	h->cfg.max_lifetime = 200;
	assert_int_equal(th_restart(h), 0);
	struct th_client *c = th_client(h, 0);
	c->nonce_len = 0;
	assert_int_equal(th_allocate(h, c, &(struct th_req){ .flags = TH_LIFETIME,
							     .lifetime = 1000 }),
			 0);
	assert_int_equal(h->resp.lifetime, 200);
}

/* A fixture table of Allocate errors: every row starts from a client that
 * knows a nonce and has no allocation. */
struct alloc_fixture {
	const char *name;
	void (*prep)(struct th *h);
	struct th_req req;
	uint16_t error;
	const char *reason;        /* NULL: the standard phrase */
};

static void
prep_draining(struct th *h)
{
	turn_server_set_draining(h->s, true);
}

static void
prep_quota_full(struct th *h)
{
	h->quota_rc = -EDQUOT;
}

static void
prep_quota_capacity(struct th *h)
{
	h->quota_rc = -ENOSPC;
}

static void
prep_relay_full(struct th *h)
{
	h->relay_rc[STUN_FAMILY_IPV4] = -ENOSPC;
}

static void
prep_relay_no_v4(struct th *h)
{
	h->relay_rc[STUN_FAMILY_IPV4] = -EAFNOSUPPORT;
}

static void
prep_no_v6(struct th *h)
{
	h->relay_rc[STUN_FAMILY_IPV6] = -EAFNOSUPPORT;
}

static const struct alloc_fixture alloc_fixtures[] = {
	{ "no REQUESTED-TRANSPORT", NULL, { .flags = TH_NO_TRANSPORT }, 400, NULL },
	{ "TCP", NULL, { .transport = TURN_TRANSPORT_TCP }, 442, NULL },
	{ "SCTP", NULL, { .transport = 132 }, 442, NULL },
	{ "EVEN-PORT with RESERVATION-TOKEN", NULL,
	  { .flags = TH_EVEN_PORT, .token = 0x1122334455667788ull }, 400, NULL },
	{ "RESERVATION-TOKEN with REQUESTED-ADDRESS-FAMILY", NULL,
	  { .token = 0x1122334455667788ull, .raf = STUN_FAMILY_IPV4 }, 400, NULL },
	{ "REQUESTED- with ADDITIONAL-ADDRESS-FAMILY", NULL,
	  { .raf = STUN_FAMILY_IPV4, .aaf = STUN_FAMILY_IPV6 }, 400, NULL },
	{ "ADDITIONAL-ADDRESS-FAMILY IPv4", NULL, { .aaf = STUN_FAMILY_IPV4 }, 400, NULL },
	{ "REQUESTED-ADDRESS-FAMILY unknown", NULL, { .raf = 0x03 }, 440, NULL },
	{ "REQUESTED-ADDRESS-FAMILY not served", prep_no_v6, { .raf = STUN_FAMILY_IPV6 }, 440,
	  NULL },
	{ "IPv4 not served", prep_relay_no_v4, { 0 }, 440, NULL },
	{ "unknown RESERVATION-TOKEN", NULL, { .token = 0x1122334455667788ull }, 508, NULL },
	{ "quota", prep_quota_full, { 0 }, 486, NULL },
	{ "quota backend full", prep_quota_capacity, { 0 }, 508, NULL },
	{ "relay ports exhausted", prep_relay_full, { 0 }, 508, NULL },
	{ "draining", prep_draining, { 0 }, 403, "Server is draining" },
};

static void
test_allocate_errors(void **state)
{
	struct th *h = *state;

	for (size_t i = 0; i < sizeof(alloc_fixtures) / sizeof(alloc_fixtures[0]); i++) {
		const struct alloc_fixture *f = &alloc_fixtures[i];
		struct th_client *c;
		struct th_req q = f->req;

		print_message("allocate: %s\n", f->name);
		th_fini(h);
		th_init(h);
		assert_int_equal(th_start(h), 0);
		c = th_client(h, 0);
		th_request(h, c, &(struct th_req){ .method = TURN_METHOD_ALLOCATE });
		assert_int_equal(h->resp.error, 401);
		if (f->prep != NULL)
			f->prep(h);
		q.method = TURN_METHOD_ALLOCATE;
		assert_int_equal(th_request(h, c, &q), TURN_REPLY);
		assert_int_equal(h->resp.error, f->error);
		assert_string_equal(h->resp.reason,
				    f->reason ? f->reason : stun_error_reason(f->error));
		/* Authenticated, so signed, whatever the error. */
		assert_int_equal(h->resp.mi_check, 0);
		assert_false(h->resp.has_nonce);
		assert_int_equal(h->resp.n_relayed, 0);
		assert_int_equal(turn_server_stats(h->s)->errors[f->error / 100][f->error % 100],
				 1);
		assert_nothing_held(h);
		assert_int_equal(h->events[TURN_EVENT_ALLOCATED], 0);
	}
}

static void
test_allocate_alternate(void **state)
{
	struct th *h = *state;
	struct th_client *c;

	h->cfg.alternate = th_addr("198.18.9.9:3478");
	assert_int_equal(th_restart(h), 0);
	c = th_client(h, 0);
	/* Only after authentication. */
	th_request(h, c, &(struct th_req){ .method = TURN_METHOD_ALLOCATE });
	assert_int_equal(h->resp.error, 401);
	assert_false(h->resp.has_alternate);
	assert_int_equal(th_allocate(h, c, NULL), 300);
	assert_true(h->resp.has_alternate);
	assert_true(stun_addr_equal(&h->resp.alternate, &h->cfg.alternate));
	assert_int_equal(h->resp.mi_check, 0);
	assert_nothing_held(h);
}

static void
test_allocate_table_full(void **state)
{
	struct th *h = *state;

	h->table_cap = 1;
	assert_int_equal(th_restart(h), 0);
	assert_int_equal(th_allocate(h, th_client(h, 0), NULL), 0);
	assert_int_equal(th_allocate(h, th_client(h, 1), NULL), 508);
	assert_int_equal(h->resp.mi_check, 0);
	/* The failed attempt gave its relay and quota back. */
	assert_int_equal(h->quota_active, 1);
	assert_int_equal(h->relays_active, 1);
	assert_int_equal(turn_relay_pool_used(h->pool, STUN_FAMILY_IPV4), 1);
}

static void
test_allocate_quota_per_user(void **state)
{
	struct th *h = *state;
	struct th_client *b;

	h->quota_limit = 1;
	assert_int_equal(th_allocate(h, th_client(h, 0), NULL), 0);
	b = th_client(h, 1);
	assert_int_equal(th_allocate(h, b, NULL), 486);
	assert_int_equal(h->resp.mi_check, 0);
	/* Freed by Refresh 0, the quota is available again. */
	assert_int_equal(th_refresh(h, th_client(h, 0), true, 0), 0);
	assert_int_equal(h->quota_released, 1);
	assert_int_equal(th_allocate(h, b, NULL), 0);
}

/* A retransmitted Allocate gets the same bytes and is applied once. */
static void
test_allocate_retransmission(void **state)
{
	struct th *h = *state;
	struct th_client *c = th_client(h, 0);
	uint8_t first[sizeof(h->resp.bytes)];
	size_t first_len;

	assert_int_equal(th_allocate(h, c, &(struct th_req){ .flags = TH_LIFETIME,
							     .lifetime = 1200 }),
			 0);
	first_len = h->resp.len;
	memcpy(first, h->resp.bytes, first_len);
	h->now += 5;
	assert_int_equal(th_retransmit(h, c), TURN_REPLY);
	assert_int_equal(h->resp.len, first_len);
	assert_memory_equal(h->resp.bytes, first, first_len);
	assert_int_equal(turn_table_count(h->tbl), 1);
	assert_int_equal(h->quota_acquired, 1);
	assert_int_equal(h->relays_active, 1);
	assert_int_equal(h->events[TURN_EVENT_ALLOCATED], 1);
	assert_int_equal(turn_server_stats(h->s)->allocations, 1);
	/* Not extended by the retransmission. */
	assert_int_equal(h->out.alloc->expires, TH_START_TIME + 1200);

	/* Still identical after a Refresh changed the lifetime. */
	uint8_t alloc_req[sizeof(h->req)];
	size_t alloc_len = h->req_len;
	memcpy(alloc_req, h->req, alloc_len);
	assert_int_equal(th_refresh(h, c, true, 3000), 0);
	assert_int_equal(th_input(h, c, alloc_req, alloc_len), TURN_REPLY);
	assert_memory_equal(h->resp.bytes, first, first_len);

	/* A new Allocate on the same 5-tuple: 437, signed. */
	assert_int_equal(th_allocate(h, c, NULL), 437);
	assert_int_equal(h->resp.mi_check, 0);
	assert_int_equal(turn_table_count(h->tbl), 1);
}

/* Same client, same transaction id, but another user: not a retransmission. */
static void
test_allocate_retransmission_other_user(void **state)
{
	struct th *h = *state;
	struct th_client *c = th_client(h, 0);
	uint8_t tid[STUN_TID_LEN];

	assert_int_equal(th_allocate(h, c, NULL), 0);
	memcpy(tid, c->tid, sizeof(tid));
	c->user = "bob";
	c->pass = "bob-pw";
	th_request(h, c, &(struct th_req){ .method = TURN_METHOD_ALLOCATE, .tid = tid });
	assert_int_equal(h->resp.error, 437);
}

static void
test_allocate_draining_keeps_existing(void **state)
{
	struct th *h = *state;
	struct th_client *c = th_client(h, 0);
	uint8_t first[sizeof(h->resp.bytes)];
	size_t n;

	assert_int_equal(th_allocate(h, c, NULL), 0);
	n = h->resp.len;
	memcpy(first, h->resp.bytes, n);
	turn_server_set_draining(h->s, true);
	th_retransmit(h, c);
	assert_memory_equal(h->resp.bytes, first, n);
	assert_int_equal(th_refresh(h, c, true, 900), 0);
	assert_int_equal(th_allocate(h, th_client(h, 1), NULL), 403);
	turn_server_set_draining(h->s, false);
	assert_int_equal(th_allocate(h, th_client(h, 1), NULL), 0);
}

/* Allocations are per 5-tuple: port, client IP and server address each
 * make a different one. */
static void
test_5tuple_separation(void **state)
{
	struct th *h = *state;
	struct th_client *a = th_client(h, 0), *b = th_client(h, 1), *c = th_client(h, 2);
	struct stun_addr peer = th_addr("203.0.113.5:5000");
	uint8_t d[4] = { 1, 2, 3, 4 };

	b->ft.client = a->ft.client;
	b->ft.client.port++;
	c->ft.client = a->ft.client;
	c->ft.server = th_addr("198.18.0.1:3479");
	assert_int_equal(th_allocate(h, a, NULL), 0);
	struct stun_addr ra = h->resp.relayed[0];
	assert_int_equal(th_allocate(h, b, NULL), 0);
	struct stun_addr rb = h->resp.relayed[0];
	assert_int_equal(th_allocate(h, c, NULL), 0);
	assert_false(stun_addr_equal(&ra, &rb));
	assert_int_equal(turn_table_count(h->tbl), 3);
	/* State on one does not leak to another. */
	assert_int_equal(th_permit(h, a, &peer), 0);
	assert_int_equal(th_send(h, a, &peer, d, 4), TURN_TO_PEER);
	assert_true(stun_addr_equal(&h->out.src, &ra));
	assert_int_equal(th_send(h, b, &peer, d, 4), TURN_DROP);
	assert_int_equal(h->out.drop, TP_DROP_NO_PERMISSION);
	/* Refresh 0 on one leaves the others. */
	assert_int_equal(th_refresh(h, b, true, 0), 0);
	assert_int_equal(turn_table_count(h->tbl), 2);
	assert_int_equal(th_send(h, a, &peer, d, 4), TURN_TO_PEER);
	assert_int_equal(th_refresh(h, c, false, 0), 0);
}

static void
test_dont_fragment(void **state)
{
	struct th *h = *state;
	struct th_client *c = th_client(h, 0);
	struct stun_addr peer = th_addr("203.0.113.5:5000");
	uint8_t d[4] = { 1, 2, 3, 4 };

	assert_int_equal(th_allocate(h, c, &(struct th_req){ .flags = TH_DF }), 0);
	assert_int_equal(h->out.alloc->dont_fragment, 1);
	assert_int_equal(th_bind(h, c, 0x4000, &peer), 0);
	assert_int_equal(th_send(h, c, &peer, d, 4), TURN_TO_PEER);
	assert_int_equal(h->out.dont_fragment, 1);
	assert_int_equal(th_channeldata(h, c, 0x4000, d, 4, false), TURN_TO_PEER);
	assert_int_equal(h->out.dont_fragment, 1);
}

/* ---- address families ---- */

static void
test_allocate_ipv6(void **state)
{
	struct th *h = *state;
	struct th_client *c = th_client(h, 0);

	assert_int_equal(th_allocate(h, c, &(struct th_req){ .raf = STUN_FAMILY_IPV6 }), 0);
	assert_int_equal(h->resp.n_relayed, 1);
	assert_true(in_pool(h, &h->resp.relayed[0], TH_RELAY6));
	/* Refresh naming the other family: 443. */
	th_request(h, c, &(struct th_req){ .method = TURN_METHOD_REFRESH,
					   .raf = STUN_FAMILY_IPV4 });
	assert_int_equal(h->resp.error, 443);
	assert_int_equal(h->resp.mi_check, 0);
	th_request(h, c, &(struct th_req){ .method = TURN_METHOD_REFRESH,
					   .raf = STUN_FAMILY_IPV6 });
	assert_int_equal(h->resp.error, 0);
}

static void
test_allocate_dual(void **state)
{
	struct th *h = *state;
	struct th_client *c = th_client(h, 0);
	struct stun_addr p4 = th_addr("203.0.113.5:5000"), p6 = th_addr("[2001:db8:99::5]:5000");
	uint8_t d[2] = { 7, 8 };

	assert_int_equal(th_allocate(h, c, &(struct th_req){ .aaf = STUN_FAMILY_IPV6 }), 0);
	assert_int_equal(h->resp.n_relayed, 2);
	assert_true(in_pool(h, &h->resp.relayed[0], TH_RELAY4));
	assert_true(in_pool(h, &h->resp.relayed[1], TH_RELAY6));
	assert_int_equal(h->resp.addr_err_code, 0);
	struct stun_addr r4 = h->resp.relayed[0], r6 = h->resp.relayed[1];
	/* Each family relays from its own address. */
	struct th_req q = { .method = TURN_METHOD_CREATE_PERMISSION, .n_peer = 2 };
	q.peer[0] = p4;
	q.peer[1] = p6;
	th_request(h, c, &q);
	assert_int_equal(h->resp.error, 0);
	assert_int_equal(th_send(h, c, &p6, d, 2), TURN_TO_PEER);
	assert_true(stun_addr_equal(&h->out.src, &r6));
	assert_int_equal(th_send(h, c, &p4, d, 2), TURN_TO_PEER);
	assert_true(stun_addr_equal(&h->out.src, &r4));
	/* Peer data reaches the client through either relay. */
	assert_int_equal(th_peer(h, &p6, &r6, d, 2), TURN_TO_CLIENT);
	assert_true(stun_addr_equal(&h->resp.peer, &p6));
	assert_int_equal(th_peer(h, &p4, &r4, d, 2), TURN_TO_CLIENT);
	assert_true(stun_addr_equal(&h->resp.peer, &p4));
	/* Refresh accepts either family. */
	th_request(h, c, &(struct th_req){ .method = TURN_METHOD_REFRESH,
					   .raf = STUN_FAMILY_IPV6 });
	assert_int_equal(h->resp.error, 0);
	assert_int_equal(th_refresh(h, c, true, 0), 0);
	assert_nothing_held(h);
}

/* IPv6 fails, IPv4 works: success with ADDRESS-ERROR-CODE. */
static void
test_allocate_dual_partial(void **state)
{
	struct th *h = *state;
	static const struct {
		int rc;
		uint16_t code;
	} rows[] = { { -EAFNOSUPPORT, 440 }, { -ENOSPC, 508 } };

	for (unsigned int i = 0; i < 2; i++) {
		struct th_client *c = th_client(h, i);

		h->relay_rc[STUN_FAMILY_IPV6] = rows[i].rc;
		assert_int_equal(th_allocate(h, c, &(struct th_req){ .aaf = STUN_FAMILY_IPV6 }), 0);
		assert_int_equal(h->resp.n_relayed, 1);
		assert_true(in_pool(h, &h->resp.relayed[0], TH_RELAY4));
		assert_int_equal(h->resp.addr_err_family, STUN_FAMILY_IPV6);
		assert_int_equal(h->resp.addr_err_code, rows[i].code);
		assert_int_equal(h->resp.mi_check, 0);
		/* The retransmission carries it too. */
		uint8_t first[sizeof(h->resp.bytes)];
		size_t n = h->resp.len;
		memcpy(first, h->resp.bytes, n);
		th_retransmit(h, c);
		assert_int_equal(h->resp.len, n);
		assert_memory_equal(h->resp.bytes, first, n);
	}
	/* A pool without IPv6 gives the same 440. */
	h->no_v6 = true;
	h->relay_rc[STUN_FAMILY_IPV6] = 0;
	assert_int_equal(th_restart(h), 0);
	struct th_client *c = th_client(h, 5);
	assert_int_equal(th_allocate(h, c, &(struct th_req){ .aaf = STUN_FAMILY_IPV6 }), 0);
	assert_int_equal(h->resp.addr_err_code, 440);
}

/* ---- EVEN-PORT and RESERVATION-TOKEN ---- */

static void
test_even_port_reservation(void **state)
{
	struct th *h = *state;
	struct th_client *a = th_client(h, 0), *b = th_client(h, 1), *c = th_client(h, 2);
	uint64_t token;
	uint16_t port;

	/* EVEN-PORT without R: an even port, no token. */
	assert_int_equal(th_allocate(h, c, &(struct th_req){ .flags = TH_EVEN_PORT }), 0);
	assert_int_equal(h->resp.relayed[0].port % 2, 0);
	assert_false(h->resp.has_token);

	assert_int_equal(th_allocate(h, a, &(struct th_req){ .flags = TH_EVEN_PORT,
							     .even_port = TURN_EVEN_PORT_RESERVE }),
			 0);
	port = h->resp.relayed[0].port;
	assert_int_equal(port % 2, 0);
	assert_true(h->resp.has_token);
	token = h->resp.token;
	assert_true(token != 0);
	assert_int_equal(h->out.alloc->reservation_token, token);
	/* Retransmission repeats the token. */
	th_retransmit(h, a);
	assert_int_equal(h->resp.token, token);

	assert_int_equal(th_allocate(h, b, &(struct th_req){ .token = token }), 0);
	assert_int_equal(h->resp.relayed[0].port, port + 1);
	assert_false(h->resp.has_token);
	/* A token is good once. */
	assert_int_equal(th_allocate(h, th_client(h, 3), &(struct th_req){ .token = token }), 508);
}

static void
test_reservation_ipv6(void **state)
{
	struct th *h = *state;
	struct th_client *a = th_client(h, 0), *b = th_client(h, 1);

	assert_int_equal(th_allocate(h, a, &(struct th_req){ .flags = TH_EVEN_PORT,
							     .even_port = TURN_EVEN_PORT_RESERVE,
							     .raf = STUN_FAMILY_IPV6 }),
			 0);
	assert_true(h->resp.has_token);
	uint16_t port = h->resp.relayed[0].port;
	/* The token is presented without a family and still found. */
	assert_int_equal(th_allocate(h, b, &(struct th_req){ .token = h->resp.token }), 0);
	assert_true(in_pool(h, &h->resp.relayed[0], TH_RELAY6));
	assert_int_equal(h->resp.relayed[0].port, port + 1);
}

/* ---- Refresh ---- */

static void
test_refresh(void **state)
{
	struct th *h = *state;
	struct th_client *c = th_client(h, 0);

	/* No allocation: 437, signed. */
	th_request(h, c, &(struct th_req){ .method = TURN_METHOD_REFRESH });
	assert_int_equal(h->resp.error, 401);
	assert_int_equal(th_refresh(h, c, false, 0), 437);
	assert_int_equal(h->resp.mi_check, 0);

	assert_int_equal(th_allocate(h, c, NULL), 0);
	h->now += 100;
	assert_int_equal(th_refresh(h, c, true, 1000), 0);
	assert_int_equal(h->resp.lifetime, 1000);
	assert_int_equal(h->resp.mi_check, 0);
	assert_int_equal(h->out.alloc->expires, h->now + 1000);
	assert_int_equal(h->events[TURN_EVENT_REFRESHED], 1);
	/* Without LIFETIME: the default; clamped to the maximum. */
	assert_int_equal(th_refresh(h, c, false, 0), 0);
	assert_int_equal(h->resp.lifetime, 600);
	assert_int_equal(th_refresh(h, c, true, 100000), 0);
	assert_int_equal(h->resp.lifetime, 3600);
	assert_int_equal(th_refresh(h, c, true, 10), 0);
	assert_int_equal(h->resp.lifetime, 600);
}

static void
test_refresh_zero(void **state)
{
	struct th *h = *state;
	struct th_client *c = th_client(h, 0);
	struct stun_addr relay;
	uint8_t d[1] = { 1 };
	struct stun_addr peer = th_addr("203.0.113.5:5000");

	assert_int_equal(th_allocate(h, c, NULL), 0);
	relay = h->resp.relayed[0];
	assert_int_equal(th_permit(h, c, &peer), 0);
	assert_int_equal(th_refresh(h, c, true, 0), 0);
	assert_true(h->resp.has_lifetime);
	assert_int_equal(h->resp.lifetime, 0);
	assert_int_equal(h->resp.mi_check, 0);
	assert_null(h->out.alloc);
	assert_int_equal(h->events[TURN_EVENT_DELETED], 1);
	assert_nothing_held(h);
	/* Its retransmission finds nothing: 437 (RFC 8656 7.3 allows it). */
	th_retransmit(h, c);
	assert_int_equal(h->resp.error, 437);
	/* Nor does the relay accept data any more. */
	assert_int_equal(th_peer(h, &peer, &relay, d, 1), TURN_DROP);
	assert_int_equal(h->out.drop, TP_DROP_NO_ALLOCATION);
	/* A new allocation can be made on the 5-tuple. */
	assert_int_equal(th_allocate(h, c, NULL), 0);
}

static void
test_refresh_retransmission(void **state)
{
	struct th *h = *state;
	struct th_client *c = th_client(h, 0);
	uint8_t first[sizeof(h->resp.bytes)];
	size_t n;
	uint64_t expires;

	assert_int_equal(th_allocate(h, c, NULL), 0);
	h->now += 50;
	assert_int_equal(th_refresh(h, c, true, 1500), 0);
	n = h->resp.len;
	memcpy(first, h->resp.bytes, n);
	expires = h->out.alloc->expires;
	h->now += 7;
	assert_int_equal(th_retransmit(h, c), TURN_REPLY);
	assert_int_equal(h->resp.len, n);
	assert_memory_equal(h->resp.bytes, first, n);
	assert_int_equal(h->out.alloc->expires, expires);
	assert_int_equal(h->events[TURN_EVENT_REFRESHED], 1);
	/* An error answer is replayed too. */
	th_request(h, c, &(struct th_req){ .method = TURN_METHOD_REFRESH,
					   .raf = STUN_FAMILY_IPV6 });
	assert_int_equal(h->resp.error, 443);
	n = h->resp.len;
	memcpy(first, h->resp.bytes, n);
	th_retransmit(h, c);
	assert_memory_equal(h->resp.bytes, first, n);
}

static void
test_wrong_credentials(void **state)
{
	struct th *h = *state;
	struct th_client *c = th_client(h, 0);
	struct stun_addr peer = th_addr("203.0.113.5:5000");

	assert_int_equal(th_allocate(h, c, NULL), 0);
	c->user = "bob";
	c->pass = "bob-pw";
	assert_int_equal(th_refresh(h, c, true, 0), 441);
	assert_int_equal(h->resp.mi_check, 0);
	assert_int_equal(th_permit(h, c, &peer), 441);
	assert_int_equal(th_bind(h, c, 0x4000, &peer), 441);
	assert_int_equal(turn_table_count(h->tbl), 1);
	/* The same user through USERHASH is the same identity. */
	c->user = "alice";
	c->pass = "alice-pw";
	c->userhash = true;
	assert_int_equal(th_refresh(h, c, true, 700), 0);
}

/* ---- expiry ---- */

static void
test_lazy_expiry(void **state)
{
	struct th *h = *state;
	struct th_client *c = th_client(h, 0);
	struct stun_addr peer = th_addr("203.0.113.5:5000");
	uint8_t d[1] = { 1 };

	assert_int_equal(th_allocate(h, c, NULL), 0);
	struct stun_addr relay = h->resp.relayed[0];
	assert_int_equal(th_permit(h, c, &peer), 0);
	h->now += 599;
	assert_int_equal(th_send(h, c, &peer, d, 1), TURN_DROP);
	assert_int_equal(h->out.drop, TP_DROP_NO_PERMISSION);
	assert_int_equal(th_permit(h, c, &peer), 0);
	h->now += 1;
	/* expires <= now: gone for every path. */
	assert_int_equal(th_send(h, c, &peer, d, 1), TURN_DROP);
	assert_int_equal(h->out.drop, TP_DROP_NO_ALLOCATION);
	assert_int_equal(h->events[TURN_EVENT_EXPIRED], 1);
	assert_nothing_held(h);
	assert_int_equal(th_peer(h, &peer, &relay, d, 1), TURN_DROP);
	assert_int_equal(h->out.drop, TP_DROP_NO_ALLOCATION);
	assert_int_equal(th_refresh(h, c, false, 0), 437);
}

static void
test_lazy_expiry_peer_side(void **state)
{
	struct th *h = *state;
	struct th_client *c = th_client(h, 0);
	struct stun_addr peer = th_addr("203.0.113.5:5000");
	uint8_t d[1] = { 1 };

	assert_int_equal(th_allocate(h, c, NULL), 0);
	struct stun_addr relay = h->resp.relayed[0];
	assert_int_equal(th_permit(h, c, &peer), 0);
	h->now += 600;
	assert_int_equal(th_peer(h, &peer, &relay, d, 1), TURN_DROP);
	assert_int_equal(h->out.drop, TP_DROP_NO_ALLOCATION);
	assert_int_equal(h->events[TURN_EVENT_EXPIRED], 1);
	assert_nothing_held(h);
}

static void
test_sweep(void **state)
{
	struct th *h = *state;

	for (unsigned int i = 0; i < 4; i++) {
		struct th_req q = { .flags = TH_LIFETIME, .lifetime = i < 3 ? 600 : 1200 };
		assert_int_equal(th_allocate(h, th_client(h, i), &q), 0);
	}
	assert_int_equal(turn_server_sweep(h->s, h->now + 599, 64), 0);
	assert_int_equal(turn_table_count(h->tbl), 4);
	/* Bounded work: one visited per call. */
	unsigned int removed = 0, calls = 0;
	while (turn_table_count(h->tbl) > 1 && calls < 20) {
		unsigned int n = turn_server_sweep(h->s, h->now + 600, 1);
		assert_true(n <= 1);
		removed += n;
		calls++;
	}
	assert_int_equal(removed, 3);
	assert_int_equal(h->events[TURN_EVENT_EXPIRED], 3);
	assert_int_equal(h->quota_active, 1);
	assert_int_equal(h->relays_active, 1);
	assert_int_equal(turn_server_stats(h->s)->allocations_active, 1);
	assert_int_equal(turn_server_sweep(h->s, h->now + 1200, 64), 1);
	assert_nothing_held(h);
	assert_int_equal(turn_server_sweep(h->s, h->now + 5000, 0), 0);
}

static void
test_flush(void **state)
{
	struct th *h = *state;

	for (unsigned int i = 0; i < 5; i++)
		assert_int_equal(th_allocate(h, th_client(h, i), NULL), 0);
	turn_server_flush(h->s);
	assert_int_equal(h->events[TURN_EVENT_DELETED], 5);
	assert_nothing_held(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_allocate_success, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_allocate_lifetimes, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_allocate_errors, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_allocate_alternate, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_allocate_table_full, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_allocate_quota_per_user, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_allocate_retransmission, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_allocate_retransmission_other_user, th_setup,
						th_teardown),
		cmocka_unit_test_setup_teardown(test_allocate_draining_keeps_existing, th_setup,
						th_teardown),
		cmocka_unit_test_setup_teardown(test_5tuple_separation, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_dont_fragment, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_allocate_ipv6, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_allocate_dual, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_allocate_dual_partial, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_even_port_reservation, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_reservation_ipv6, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_refresh, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_refresh_zero, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_refresh_retransmission, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_wrong_credentials, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_lazy_expiry, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_lazy_expiry_peer_side, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_sweep, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_flush, th_setup, th_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

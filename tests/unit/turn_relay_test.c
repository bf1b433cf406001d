/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TURN state machine, part 3: CreatePermission and ChannelBind (RFC 8656
 * 9, 11), permission and channel lifetimes and quarantine, and the data
 * path: Send indications, ChannelData and peer data, zero copy.
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

#include "turn_harness.h"

#define PEER "203.0.113.5:5000"
#define PEER2 "203.0.113.6:6000"
#define PEER6 "[2001:db8:99::5]:5000"

struct fx {
	struct th h;
	struct th_client *c;
	struct stun_addr relay;
	struct stun_addr peer, peer2, peer6;
};

/* Every test starts with client 0 holding an IPv4 allocation for an hour. */
static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	th_init(&f->h);
	if (th_start(&f->h) != 0)
		goto err;
	f->c = th_client(&f->h, 0);
	/* Long enough to outlive every permission and channel tested. */
	if (th_allocate(&f->h, f->c,
			&(struct th_req){ .flags = TH_LIFETIME, .lifetime = 3600 }) != 0)
		goto err_started;
	f->relay = f->h.resp.relayed[0];
	f->peer = th_addr(PEER);
	f->peer2 = th_addr(PEER2);
	f->peer6 = th_addr(PEER6);
	*state = f;
	return 0;

err_started:
	th_fini(&f->h);
err:
	free(f);
	return -1;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	th_fini(&f->h);
	free(f);
	return 0;
}

static const uint8_t payload[16] = {
	0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
};

/* ---- CreatePermission ---- */

struct perm_fixture {
	const char *name;
	const char *peers[4];
	bool deny_second;
	uint16_t error;
};

static const struct perm_fixture perm_fixtures[] = {
	{ "one peer", { PEER }, false, 0 },
	{ "three peers", { PEER, PEER2, "198.51.100.7:1" }, false, 0 },
	{ "same IP twice", { PEER, "203.0.113.5:9" }, false, 0 },
	{ "no peer", { NULL }, false, 400 },
	{ "IPv6 peer on an IPv4 allocation", { PEER, PEER6 }, false, 443 },
	{ "policy refuses one", { PEER, PEER2 }, true, 403 },
};

static void
test_permission_fixtures(void **state)
{
	struct fx *f = *state;
	struct th *h = &f->h;

	for (size_t i = 0; i < sizeof(perm_fixtures) / sizeof(perm_fixtures[0]); i++) {
		const struct perm_fixture *p = &perm_fixtures[i];
		struct th_req q = { .method = TURN_METHOD_CREATE_PERMISSION };
		struct th_client *c = th_client(h, (unsigned int)i + 1);

		print_message("permission: %s\n", p->name);
		assert_int_equal(th_allocate(h, c, NULL), 0);
		while (q.n_peer < 4 && p->peers[q.n_peer] != NULL) {
			q.peer[q.n_peer] = th_addr(p->peers[q.n_peer]);
			q.n_peer++;
		}
		h->deny = p->deny_second ? q.peer[1] : (struct stun_addr){ 0 };
		assert_int_equal(th_request(h, c, &q), TURN_REPLY);
		assert_int_equal(h->resp.error, p->error);
		assert_int_equal(h->resp.mi_check, 0);
		/* All or nothing: every peer reachable, or none. */
		for (unsigned int j = 0; j < q.n_peer; j++) {
			if (q.peer[j].family != STUN_FAMILY_IPV4)
				continue;
			enum turn_verdict v = th_send(h, c, &q.peer[j], payload, 4);
			assert_int_equal(v, p->error ? TURN_DROP : TURN_TO_PEER);
		}
		h->deny.family = 0;
	}
}

static void
test_permission_lifetime(void **state)
{
	struct fx *f = *state;
	struct th *h = &f->h;
	struct stun_addr other_port = f->peer;
	uint64_t t0 = h->now;

	other_port.port = 7777;
	assert_int_equal(th_send(h, f->c, &f->peer, payload, 4), TURN_DROP);
	assert_int_equal(h->out.drop, TP_DROP_NO_PERMISSION);
	assert_int_equal(th_permit(h, f->c, &f->peer), 0);
	assert_int_equal(h->events[TURN_EVENT_PERMISSION], 1);
	assert_int_equal(turn_server_stats(h->s)->permissions, 1);
	/* Ports are ignored. */
	assert_int_equal(th_send(h, f->c, &other_port, payload, 4), TURN_TO_PEER);
	h->now = t0 + 299;
	assert_int_equal(th_send(h, f->c, &f->peer, payload, 4), TURN_TO_PEER);
	h->now = t0 + 300;
	assert_int_equal(th_send(h, f->c, &f->peer, payload, 4), TURN_DROP);
	assert_int_equal(h->out.drop, TP_DROP_NO_PERMISSION);
	assert_int_equal(th_peer(h, &f->peer, &f->relay, payload, 4), TURN_DROP);
	assert_int_equal(h->out.drop, TP_DROP_NO_PERMISSION);
	/* Installed again; refreshed before expiry, it lasts a full
	 * lifetime from the refresh. */
	assert_int_equal(th_permit(h, f->c, &f->peer), 0);
	assert_int_equal(turn_server_stats(h->s)->permissions, 2);
	h->now = t0 + 599;
	assert_int_equal(th_permit(h, f->c, &f->peer), 0);
	assert_int_equal(turn_server_stats(h->s)->permissions, 2);
	h->now = t0 + 898;
	assert_int_equal(th_send(h, f->c, &f->peer, payload, 4), TURN_TO_PEER);
	h->now = t0 + 899;
	assert_int_equal(th_send(h, f->c, &f->peer, payload, 4), TURN_DROP);
}

static void
test_permission_capacity(void **state)
{
	struct fx *f = *state;
	struct th *h = &f->h;
	char ip[32];

	for (unsigned int i = 0; i < TURN_MAX_PERMISSIONS; i++) {
		struct stun_addr p;
		snprintf(ip, sizeof(ip), "198.51.100.%u:1", i + 1);
		p = th_addr(ip);
		assert_int_equal(th_permit(h, f->c, &p), 0);
	}
	/* Refreshing an existing one needs no slot. */
	struct stun_addr first = th_addr("198.51.100.1:9");
	assert_int_equal(th_permit(h, f->c, &first), 0);
	assert_int_equal(th_permit(h, f->c, &f->peer), 508);
	assert_int_equal(h->resp.mi_check, 0);
	/* A request needing two slots when none is free installs nothing,
	 * even the one that only needed a refresh. */
	struct th_req q = { .method = TURN_METHOD_CREATE_PERMISSION, .n_peer = 2 };
	q.peer[0] = first;
	q.peer[1] = f->peer;
	h->now += 200;
	th_request(h, f->c, &q);
	assert_int_equal(h->resp.error, 508);
	h->now += 100;
	assert_int_equal(th_send(h, f->c, &first, payload, 1), TURN_DROP);
	/* All lapsed now: room again. */
	assert_int_equal(th_permit(h, f->c, &f->peer), 0);
}

static void
test_permission_retransmission(void **state)
{
	struct fx *f = *state;
	struct th *h = &f->h;
	uint8_t first[sizeof(h->resp.bytes)];
	size_t n;
	uint64_t t0 = h->now;

	assert_int_equal(th_permit(h, f->c, &f->peer), 0);
	n = h->resp.len;
	memcpy(first, h->resp.bytes, n);
	h->now = t0 + 100;
	th_retransmit(h, f->c);
	assert_memory_equal(h->resp.bytes, first, n);
	/* Not applied again: the permission still lapses at t0 + 300. */
	h->now = t0 + 300;
	assert_int_equal(th_send(h, f->c, &f->peer, payload, 1), TURN_DROP);
	assert_int_equal(h->events[TURN_EVENT_PERMISSION], 1);
}

static void
test_permission_no_allocation(void **state)
{
	struct fx *f = *state;
	struct th *h = &f->h;
	struct th_client *c = th_client(h, 1);

	th_request(h, c, &(struct th_req){ .method = TURN_METHOD_ALLOCATE });
	assert_int_equal(th_permit(h, c, &f->peer), 437);
	assert_int_equal(h->resp.mi_check, 0);
	assert_int_equal(th_bind(h, c, 0x4000, &f->peer), 437);
}

/* ---- ChannelBind ---- */

struct bind_fixture {
	const char *name;
	uint16_t channel;
	unsigned int n_peer;
	const char *peer;
	bool deny;
	uint16_t error;
};

static const struct bind_fixture bind_fixtures[] = {
	{ "ok", 0x4000, 1, PEER, false, 0 },
	{ "highest number", 0x4FFF, 1, PEER, false, 0 },
	{ "no number", 0, 1, PEER, false, 400 },
	{ "no peer", 0x4000, 0, NULL, false, 400 },
	{ "two peers", 0x4000, 2, PEER, false, 400 },
	{ "number below range", 0x3FFF, 1, PEER, false, 400 },
	{ "number above range", 0x5000, 1, PEER, false, 400 },
	{ "IPv6 peer", 0x4000, 1, PEER6, false, 443 },
	{ "policy", 0x4000, 1, PEER, true, 403 },
};

static void
test_bind_fixtures(void **state)
{
	struct fx *f = *state;
	struct th *h = &f->h;

	for (size_t i = 0; i < sizeof(bind_fixtures) / sizeof(bind_fixtures[0]); i++) {
		const struct bind_fixture *b = &bind_fixtures[i];
		struct th_client *c = th_client(h, (unsigned int)i % 7 + 1);
		struct th_req q = { .method = TURN_METHOD_CHANNEL_BIND, .channel = b->channel,
				    .n_peer = b->n_peer };

		print_message("bind: %s\n", b->name);
		assert_int_equal(th_allocate(h, c, NULL), 0);
		if (b->peer != NULL)
			q.peer[0] = q.peer[1] = th_addr(b->peer);
		if (b->n_peer == 2)
			q.peer[1].port++;
		h->deny_all = b->deny;
		assert_int_equal(th_request(h, c, &q), TURN_REPLY);
		assert_int_equal(h->resp.error, b->error);
		assert_int_equal(h->resp.mi_check, 0);
		h->deny_all = false;
		/* A successful bind also permits the peer. */
		if (b->error == 0) {
			assert_int_equal(th_send(h, c, &q.peer[0], payload, 1), TURN_TO_PEER);
			assert_int_equal(th_channeldata(h, c, b->channel, payload, 3, false),
					 TURN_TO_PEER);
		}
		th_refresh(h, c, true, 0);
	}
}

static void
test_bind_rules(void **state)
{
	struct fx *f = *state;
	struct th *h = &f->h;
	struct stun_addr same_ip_other_port = f->peer;

	same_ip_other_port.port++;
	assert_int_equal(th_bind(h, f->c, 0x4001, &f->peer), 0);
	assert_int_equal(h->events[TURN_EVENT_CHANNEL], 1);
	assert_int_equal(turn_server_stats(h->s)->channels, 1);
	/* Same pair: a refresh. */
	assert_int_equal(th_bind(h, f->c, 0x4001, &f->peer), 0);
	assert_int_equal(turn_server_stats(h->s)->channels, 1);
	/* The number to another peer, the peer to another number: 400. */
	assert_int_equal(th_bind(h, f->c, 0x4001, &f->peer2), 400);
	assert_int_equal(h->resp.mi_check, 0);
	assert_int_equal(th_bind(h, f->c, 0x4002, &f->peer), 400);
	/* Channels are per transport address: another port of the same IP
	 * is another peer. */
	assert_int_equal(th_bind(h, f->c, 0x4002, &same_ip_other_port), 0);
	assert_int_equal(th_bind(h, f->c, 0x4003, &f->peer2), 0);
	assert_int_equal(turn_server_stats(h->s)->channels, 3);
}

static void
test_bind_capacity(void **state)
{
	struct fx *f = *state;
	struct th *h = &f->h;
	struct stun_addr p = f->peer;

	for (unsigned int i = 0; i < TURN_MAX_CHANNELS; i++) {
		p.port = (uint16_t)(1000 + i);
		assert_int_equal(th_bind(h, f->c, (uint16_t)(0x4000 + i), &p), 0);
	}
	p.port = 2000;
	assert_int_equal(th_bind(h, f->c, 0x4100, &p), 508);
	assert_int_equal(h->resp.mi_check, 0);
}

/* The permission a bind needs must fit too. */
static void
test_bind_permission_capacity(void **state)
{
	struct fx *f = *state;
	struct th *h = &f->h;
	char ip[32];

	for (unsigned int i = 0; i < TURN_MAX_PERMISSIONS; i++) {
		snprintf(ip, sizeof(ip), "198.51.100.%u:1", i + 1);
		struct stun_addr p = th_addr(ip);
		assert_int_equal(th_permit(h, f->c, &p), 0);
	}
	assert_int_equal(th_bind(h, f->c, 0x4000, &f->peer), 508);
	/* Nothing was bound. */
	assert_int_equal(th_channeldata(h, f->c, 0x4000, payload, 1, false), TURN_DROP);
	assert_int_equal(h->out.drop, TP_DROP_CHANNEL_UNBOUND);
	/* A peer that already has a permission needs no new slot. */
	struct stun_addr p1 = th_addr("198.51.100.1:77");
	assert_int_equal(th_bind(h, f->c, 0x4000, &p1), 0);
}

/* 600 s bound, then 300 s quarantine before number or peer move. */
static void
test_channel_lifetime_and_quarantine(void **state)
{
	struct fx *f = *state;
	struct th *h = &f->h;
	uint64_t t0 = h->now;

	assert_int_equal(th_bind(h, f->c, 0x4000, &f->peer), 0);
	/* Keep the permission alive separately. */
	h->now = t0 + 290;
	assert_int_equal(th_permit(h, f->c, &f->peer), 0);
	h->now = t0 + 580;
	assert_int_equal(th_permit(h, f->c, &f->peer), 0);
	h->now = t0 + 599;
	assert_int_equal(th_channeldata(h, f->c, 0x4000, payload, 4, false), TURN_TO_PEER);
	assert_int_equal(th_peer(h, &f->peer, &f->relay, payload, 4), TURN_TO_CLIENT);
	assert_int_equal(h->resp.channel, 0x4000);
	h->now = t0 + 600;
	assert_int_equal(th_channeldata(h, f->c, 0x4000, payload, 4, false), TURN_DROP);
	assert_int_equal(h->out.drop, TP_DROP_CHANNEL_UNBOUND);
	/* Peer data falls back to Data indications. */
	assert_int_equal(th_peer(h, &f->peer, &f->relay, payload, 4), TURN_TO_CLIENT);
	assert_int_equal(h->resp.method, TURN_METHOD_DATA);
	/* Quarantine: neither the number nor the peer can move. */
	h->now = t0 + 899;
	assert_int_equal(th_bind(h, f->c, 0x4000, &f->peer2), 400);
	assert_int_equal(th_bind(h, f->c, 0x4001, &f->peer), 400);
	/* After it, both can. */
	h->now = t0 + 900;
	assert_int_equal(th_bind(h, f->c, 0x4000, &f->peer2), 0);
	assert_int_equal(th_bind(h, f->c, 0x4001, &f->peer), 0);
	assert_int_equal(th_channeldata(h, f->c, 0x4000, payload, 4, false), TURN_TO_PEER);
	assert_true(stun_addr_equal(&h->out.dst, &f->peer2));
}

/* The same pair may be bound again while quarantined. */
static void
test_channel_rebind_same_pair(void **state)
{
	struct fx *f = *state;
	struct th *h = &f->h;
	uint64_t t0 = h->now;

	assert_int_equal(th_bind(h, f->c, 0x4000, &f->peer), 0);
	h->now = t0 + 700;
	assert_int_equal(th_bind(h, f->c, 0x4000, &f->peer), 0);
	assert_int_equal(th_channeldata(h, f->c, 0x4000, payload, 4, false), TURN_TO_PEER);
	assert_int_equal(turn_server_stats(h->s)->channels, 1);
}

static void
test_channel_needs_permission(void **state)
{
	struct fx *f = *state;
	struct th *h = &f->h;
	uint64_t t0 = h->now;

	assert_int_equal(th_bind(h, f->c, 0x4000, &f->peer), 0);
	h->now = t0 + 300;
	assert_int_equal(th_channeldata(h, f->c, 0x4000, payload, 4, false), TURN_DROP);
	assert_int_equal(h->out.drop, TP_DROP_NO_PERMISSION);
	assert_int_equal(th_peer(h, &f->peer, &f->relay, payload, 4), TURN_DROP);
	assert_int_equal(h->out.drop, TP_DROP_NO_PERMISSION);
	/* Re-binding refreshes the permission too. */
	assert_int_equal(th_bind(h, f->c, 0x4000, &f->peer), 0);
	assert_int_equal(th_channeldata(h, f->c, 0x4000, payload, 4, false), TURN_TO_PEER);
}

static void
test_bind_retransmission(void **state)
{
	struct fx *f = *state;
	struct th *h = &f->h;
	uint8_t first[sizeof(h->resp.bytes)];
	size_t n;
	uint64_t t0 = h->now;

	assert_int_equal(th_bind(h, f->c, 0x4000, &f->peer), 0);
	n = h->resp.len;
	memcpy(first, h->resp.bytes, n);
	h->now = t0 + 30;
	th_retransmit(h, f->c);
	assert_memory_equal(h->resp.bytes, first, n);
	assert_int_equal(h->events[TURN_EVENT_CHANNEL], 1);
	/* Not extended: lapses at t0 + 600. */
	assert_int_equal(th_permit(h, f->c, &f->peer), 0);
	h->now = t0 + 320;
	assert_int_equal(th_permit(h, f->c, &f->peer), 0);
	h->now = t0 + 600;
	assert_int_equal(th_channeldata(h, f->c, 0x4000, payload, 1, false), TURN_DROP);
	assert_int_equal(h->out.drop, TP_DROP_CHANNEL_UNBOUND);
}

/* ---- Send indications ---- */

static void
test_send(void **state)
{
	struct fx *f = *state;
	struct th *h = &f->h;

	assert_int_equal(th_permit(h, f->c, &f->peer), 0);
	assert_int_equal(th_send(h, f->c, &f->peer, payload, 5), TURN_TO_PEER);
	assert_true(stun_addr_equal(&h->out.src, &f->relay));
	assert_true(stun_addr_equal(&h->out.dst, &f->peer));
	assert_int_equal(h->out.payload_len, 5);
	assert_memory_equal(h->out.payload, payload, 5);
	/* Zero copy: the payload is the DATA value inside the request. */
	assert_true(h->out.payload >= h->req && h->out.payload + 5 <= h->req + h->req_len);
	assert_int_equal(h->out.hdr_len, 0);
	assert_int_equal(h->out.dont_fragment, 0);
	assert_non_null(h->out.alloc);
	assert_int_equal(h->out.alloc->pkts_to_peer, 1);
	assert_int_equal(h->out.alloc->bytes_to_peer, 5);
	/* An empty DATA is relayed as an empty datagram. */
	assert_int_equal(th_send(h, f->c, &f->peer, payload, 0), TURN_TO_PEER);
	assert_int_equal(h->out.payload_len, 0);
	/* DONT-FRAGMENT in the Send indication. */
	struct th_req q = { .method = TURN_METHOD_SEND, .cls = STUN_CLASS_INDICATION,
			    .flags = TH_DF, .n_peer = 1, .data = payload, .data_len = 3 };
	q.peer[0] = f->peer;
	assert_int_equal(th_request(h, f->c, &q), TURN_TO_PEER);
	assert_int_equal(h->out.dont_fragment, 1);
}

struct send_fixture {
	const char *name;
	unsigned int n_peer;
	const char *peer;
	bool data;
	bool other_client;
	enum tp_drop_reason drop;
};

static const struct send_fixture send_fixtures[] = {
	{ "no allocation", 1, PEER, true, true, TP_DROP_NO_ALLOCATION },
	{ "no peer", 0, NULL, true, false, TP_DROP_SEND_INVALID },
	{ "no data", 1, PEER, false, false, TP_DROP_SEND_INVALID },
	{ "no permission", 1, PEER2, true, false, TP_DROP_NO_PERMISSION },
	{ "IPv6 peer on IPv4 allocation", 1, PEER6, true, false, TP_DROP_PEER_FAMILY },
};

static void
test_send_fixtures(void **state)
{
	struct fx *f = *state;
	struct th *h = &f->h;

	assert_int_equal(th_permit(h, f->c, &f->peer), 0);
	for (size_t i = 0; i < sizeof(send_fixtures) / sizeof(send_fixtures[0]); i++) {
		const struct send_fixture *s = &send_fixtures[i];
		struct th_req q = { .method = TURN_METHOD_SEND, .cls = STUN_CLASS_INDICATION,
				    .n_peer = s->n_peer };
		struct th_client *c = s->other_client ? th_client(h, 5) : f->c;

		print_message("send: %s\n", s->name);
		if (s->peer != NULL)
			q.peer[0] = th_addr(s->peer);
		if (s->data) {
			q.data = payload;
			q.data_len = 4;
		}
		assert_int_equal(th_request(h, c, &q), TURN_DROP);
		assert_int_equal(h->out.drop, s->drop);
		assert_int_equal(h->out.hdr_len, 0);
	}
}

/* ---- ChannelData from the client ---- */

static void
test_channeldata(void **state)
{
	struct fx *f = *state;
	struct th *h = &f->h;

	assert_int_equal(th_channeldata(h, f->c, 0x4000, payload, 4, false), TURN_DROP);
	assert_int_equal(h->out.drop, TP_DROP_CHANNEL_UNBOUND);
	assert_int_equal(th_bind(h, f->c, 0x4000, &f->peer), 0);
	for (uint16_t len = 0; len <= 5; len++) {
		for (int pad = 0; pad <= 1; pad++) {
			assert_int_equal(th_channeldata(h, f->c, 0x4000, payload, len, pad),
					 TURN_TO_PEER);
			assert_int_equal(h->req_len, 4 + (pad ? (len + 3u) & ~3u : len));
			assert_ptr_equal(h->out.payload, h->req + 4);
			assert_int_equal(h->out.payload_len, len);
			assert_true(stun_addr_equal(&h->out.src, &f->relay));
			assert_true(stun_addr_equal(&h->out.dst, &f->peer));
		}
	}
	/* Another client's 5-tuple: no allocation. */
	assert_int_equal(th_channeldata(h, th_client(h, 4), 0x4000, payload, 4, false), TURN_DROP);
	assert_int_equal(h->out.drop, TP_DROP_NO_ALLOCATION);
	/* Unbound number in range. */
	assert_int_equal(th_channeldata(h, f->c, 0x4001, payload, 4, false), TURN_DROP);
	assert_int_equal(h->out.drop, TP_DROP_CHANNEL_UNBOUND);
	/* Declared length beyond the datagram, or too much trailing padding. */
	uint8_t bad[12] = { 0x40, 0x00, 0x00, 0x09, 1, 2, 3, 4 };
	assert_int_equal(th_input(h, f->c, bad, 8), TURN_DROP);
	assert_int_equal(h->out.drop, TP_DROP_BAD_CHANNEL);
	bad[3] = 1;
	assert_int_equal(th_input(h, f->c, bad, 12), TURN_DROP);
	assert_int_equal(h->out.drop, TP_DROP_BAD_CHANNEL);
	assert_int_equal(th_input(h, f->c, bad, 8), TURN_TO_PEER);
	assert_int_equal(h->out.payload_len, 1);
}

/* A configured RFC 5766-wide channel range reaches ChannelData 0x5000+. */
static void
test_channel_wide_range(void **state)
{
	struct fx *f = *state;
	struct th *h = &f->h;

	h->cfg.channel_max = TURN_CHANNEL_MAX_RFC5766;
	th_fini(h);
	assert_int_equal(th_start(h), 0);
	f->c->nonce_len = 0;
	assert_int_equal(th_allocate(h, f->c, NULL), 0);
	assert_int_equal(th_bind(h, f->c, 0x7FFF, &f->peer), 0);
	assert_int_equal(th_channeldata(h, f->c, 0x7FFF, payload, 4, false), TURN_TO_PEER);
	f->relay = h->resp.relayed[0];
}

/* ---- peer data ---- */

/* Data indications: payload in place, padding counted in the length. */
static void
test_data_indication_padding(void **state)
{
	struct fx *f = *state;
	struct th *h = &f->h;

	h->cfg.fingerprint = true;
	th_fini(h);
	assert_int_equal(th_start(h), 0);
	f->c->nonce_len = 0;
	assert_int_equal(th_allocate(h, f->c, NULL), 0);
	f->relay = h->resp.relayed[0];
	assert_int_equal(th_permit(h, f->c, &f->peer), 0);
	for (unsigned int len = 1; len <= 8; len++) {
		uint8_t in[8];
		unsigned int pad = (4 - (len & 3)) & 3;

		memcpy(in, payload, len);
		assert_int_equal(th_peer(h, &f->peer, &f->relay, in, len), TURN_TO_CLIENT);
		assert_true(stun_addr_equal(&h->out.src, &f->c->ft.server));
		assert_true(stun_addr_equal(&h->out.dst, &f->c->ft.client));
		assert_int_equal(h->out.hdr_len, 20 + 12 + 4);
		assert_ptr_equal(h->out.payload, in);
		assert_int_equal(h->out.payload_len, len);
		assert_int_equal(h->out.pad, pad);
		assert_int_equal(h->resp.len, 36 + len + pad);
		assert_true(h->resp.stun);
		assert_int_equal(h->resp.cls, STUN_CLASS_INDICATION);
		assert_int_equal(h->resp.method, TURN_METHOD_DATA);
		assert_int_equal(h->resp.msg_len, 12 + 4 + len + pad);
		assert_true(stun_addr_equal(&h->resp.peer, &f->peer));
		assert_int_equal(h->resp.data_len, len);
		assert_memory_equal(h->resp.data, payload, len);
		/* Never FINGERPRINT nor integrity on Data indications. */
		assert_false(h->resp.has_fp);
		assert_false(h->resp.has_mi);
	}
	assert_int_equal(h->out.alloc->pkts_from_peer, 8);
	assert_int_equal(h->out.alloc->bytes_from_peer, 36);
}

static void
test_data_indication_ids_differ(void **state)
{
	struct fx *f = *state;
	struct th *h = &f->h;
	uint8_t tid[STUN_TID_LEN];

	assert_int_equal(th_permit(h, f->c, &f->peer), 0);
	th_peer(h, &f->peer, &f->relay, payload, 4);
	memcpy(tid, h->resp.tid, sizeof(tid));
	th_peer(h, &f->peer, &f->relay, payload, 4);
	assert_memory_not_equal(tid, h->resp.tid, sizeof(tid));
}

static void
test_peer_channeldata(void **state)
{
	struct fx *f = *state;
	struct th *h = &f->h;
	struct stun_addr other_port = f->peer;

	other_port.port++;
	assert_int_equal(th_bind(h, f->c, 0x4ABC, &f->peer), 0);
	for (unsigned int len = 0; len <= 5; len++) {
		assert_int_equal(th_peer(h, &f->peer, &f->relay, payload, len), TURN_TO_CLIENT);
		assert_int_equal(h->out.hdr_len, 4);
		assert_int_equal(h->out.pad, 0);
		assert_ptr_equal(h->out.payload, payload);
		assert_int_equal(h->resp.len, 4 + len);
		assert_memory_equal(h->resp.bytes, ((uint8_t[]){ 0x4A, 0xBC, 0, (uint8_t)len }), 4);
	}
	/* Same IP, other port: not the channel's peer, so a Data indication. */
	assert_int_equal(th_peer(h, &other_port, &f->relay, payload, 4), TURN_TO_CLIENT);
	assert_int_equal(h->resp.method, TURN_METHOD_DATA);
	assert_true(stun_addr_equal(&h->resp.peer, &other_port));
}

static void
test_peer_drops(void **state)
{
	struct fx *f = *state;
	struct th *h = &f->h;
	struct stun_addr unknown_relay = f->relay;

	unknown_relay.port++;
	assert_int_equal(th_peer(h, &f->peer, &unknown_relay, payload, 4), TURN_DROP);
	assert_int_equal(h->out.drop, TP_DROP_NO_ALLOCATION);
	assert_int_equal(th_peer(h, &f->peer, &f->relay, payload, 4), TURN_DROP);
	assert_int_equal(h->out.drop, TP_DROP_NO_PERMISSION);
	assert_int_equal(turn_server_stats(h->s)->drops[TP_DROP_NO_PERMISSION], 1);
	/* Too small an output buffer. */
	uint8_t small[8];
	struct turn_out out;
	assert_int_equal(th_permit(h, f->c, &f->peer), 0);
	turn_server_handle_peer(h->s, &f->peer, &f->relay, payload, 4, h->now, small,
				sizeof(small), &out);
	assert_int_equal(out.verdict, TURN_DROP);
	assert_int_equal(out.drop, TP_DROP_TOO_BIG);
}

static void
test_peer_ipv6_data_indication(void **state)
{
	struct fx *f = *state;
	struct th *h = &f->h;
	struct th_client *c = th_client(h, 1);

	assert_int_equal(th_allocate(h, c, &(struct th_req){ .raf = STUN_FAMILY_IPV6 }), 0);
	struct stun_addr relay = h->resp.relayed[0];
	assert_int_equal(th_permit(h, c, &f->peer6), 0);
	/* An IPv4 peer cannot be permitted on it. */
	assert_int_equal(th_permit(h, c, &f->peer), 443);
	assert_int_equal(th_peer(h, &f->peer6, &relay, payload, 3), TURN_TO_CLIENT);
	assert_int_equal(h->out.hdr_len, 20 + 24 + 4);
	assert_int_equal(h->out.pad, 1);
	assert_true(stun_addr_equal(&h->resp.peer, &f->peer6));
	assert_int_equal(th_send(h, c, &f->peer6, payload, 3), TURN_TO_PEER);
	assert_true(stun_addr_equal(&h->out.src, &relay));
}

/* ---- overflow blocks: permissions and channels beyond the inline ones ---- */

/* Peer @i: a distinct IP and port per index. */
static struct stun_addr
peer_n(unsigned int i)
{
	char ip[32];

	snprintf(ip, sizeof(ip), "198.51.100.%u:%u", i + 1, 5000 + i);
	return th_addr(ip);
}

static uint64_t
ovf_used(struct th *h)
{
	return turn_server_stats(h->s)->overflow_blocks_used;
}

/* Blocks an allocation needs for @n permissions or channels. */
static unsigned int
ovf_blocks(unsigned int n)
{
	return n <= TURN_INLINE_PERMS ? 0 :
				       (n - TURN_INLINE_PERMS + TURN_OVERFLOW_RECS - 1) /
					       TURN_OVERFLOW_RECS;
}

/* Restart with a pool of @blocks and client 0 allocated again. */
static void
restart_with_pool(struct fx *f, uint32_t blocks)
{
	struct th *h = &f->h;

	h->cfg.overflow_blocks = blocks;
	assert_int_equal(th_restart(h), 0);
	f->c->nonce_len = 0;
	assert_int_equal(th_allocate(h, f->c,
				     &(struct th_req){ .flags = TH_LIFETIME, .lifetime = 3600 }),
			 0);
	f->relay = h->resp.relayed[0];
}

static void
test_allocation_size(void **state)
{
	(void)state;
	print_message("sizeof(struct turn_allocation) = %zu (perm %zu, channel %zu)\n",
		      sizeof(struct turn_allocation), sizeof(struct turn_perm),
		      sizeof(struct turn_channel));
	assert_true(sizeof(struct turn_allocation) <= 320);
	assert_true(sizeof(struct turn_perm) <= 24);
	assert_true(sizeof(struct turn_channel) <= 24);
	/* The relay path's fields start the allocation. */
	assert_int_equal(offsetof(struct turn_allocation, ft), 0);
	assert_true(offsetof(struct turn_allocation, pkts_to_peer) < 128);
	assert_true(offsetof(struct turn_allocation, bytes_from_peer) < 128);
	assert_true(offsetof(struct turn_allocation, perm) < offsetof(struct turn_allocation, last));
	assert_true(offsetof(struct turn_allocation, chan) < offsetof(struct turn_allocation, last));
}

/* Permissions 3 to 8 go into overflow blocks and relay both ways; the
 * 9th gets 508. */
static void
test_overflow_permissions(void **state)
{
	struct fx *f = *state;
	struct th *h = &f->h;
	struct turn_perm_info info[TURN_MAX_PERMISSIONS + 1];

	assert_int_equal(ovf_used(h), 0);
	for (unsigned int i = 0; i < TURN_MAX_PERMISSIONS; i++) {
		struct stun_addr p = peer_n(i);

		assert_int_equal(th_permit(h, f->c, &p), 0);
		assert_int_equal(ovf_used(h), ovf_blocks(i + 1));
		/* Every permission so far works, both ways. */
		for (unsigned int j = 0; j <= i; j++) {
			struct stun_addr q = peer_n(j);

			assert_int_equal(th_send(h, f->c, &q, payload, 4), TURN_TO_PEER);
			assert_true(stun_addr_equal(&h->out.dst, &q));
			assert_int_equal(th_peer(h, &q, &f->relay, payload, 4), TURN_TO_CLIENT);
			assert_int_equal(h->resp.method, TURN_METHOD_DATA);
			assert_true(stun_addr_equal(&h->resp.peer, &q));
		}
	}
	assert_int_equal(ovf_used(h), (TURN_MAX_PERMISSIONS - TURN_INLINE_PERMS) /
					      TURN_OVERFLOW_RECS);
	assert_int_equal(turn_server_stats(h->s)->permissions, TURN_MAX_PERMISSIONS);
	/* An unknown peer is still refused. */
	struct stun_addr ninth = peer_n(TURN_MAX_PERMISSIONS);
	assert_int_equal(th_peer(h, &ninth, &f->relay, payload, 4), TURN_DROP);
	assert_int_equal(h->out.drop, TP_DROP_NO_PERMISSION);
	/* The 9th: 508, the limit, not the pool. */
	assert_int_equal(th_permit(h, f->c, &ninth), 508);
	assert_int_equal(h->resp.mi_check, 0);
	assert_int_equal(turn_server_stats(h->s)->overflow_exhausted, 0);
	/* Refreshing one held in a block needs no slot. */
	struct stun_addr last = peer_n(TURN_MAX_PERMISSIONS - 1);
	assert_int_equal(th_permit(h, f->c, &last), 0);
	/* What the allocation holds. */
	assert_int_equal(turn_alloc_permissions(h->s, h->out.alloc, h->now, info, 2),
			 TURN_MAX_PERMISSIONS);
	assert_int_equal(turn_alloc_permissions(h->s, h->out.alloc, h->now, info,
						TURN_MAX_PERMISSIONS + 1),
			 TURN_MAX_PERMISSIONS);
	for (unsigned int i = 0; i < TURN_MAX_PERMISSIONS; i++) {
		struct stun_addr ip = peer_n(i);
		bool found = false;

		ip.port = 0;
		for (unsigned int j = 0; j < TURN_MAX_PERMISSIONS && !found; j++)
			found = stun_addr_equal(&info[j].peer, &ip);
		assert_true(found);
		assert_int_equal(info[i].expires, h->now + TURN_PERMISSION_LIFETIME);
	}
}

/* Channels 3 to 8 go into overflow blocks; ChannelData both ways through
 * each; the 9th gets 508. */
static void
test_overflow_channels(void **state)
{
	struct fx *f = *state;
	struct th *h = &f->h;
	struct turn_chan_info info[TURN_MAX_CHANNELS];

	for (unsigned int i = 0; i < TURN_MAX_CHANNELS; i++) {
		struct stun_addr p = peer_n(i);

		assert_int_equal(th_bind(h, f->c, (uint16_t)(0x4000 + i), &p), 0);
		/* Each bind brings a permission of its own: blocks of both kinds. */
		assert_int_equal(ovf_used(h), 2 * ovf_blocks(i + 1));
	}
	for (unsigned int i = 0; i < TURN_MAX_CHANNELS; i++) {
		struct stun_addr p = peer_n(i);
		uint16_t number = (uint16_t)(0x4000 + i);

		assert_int_equal(th_channeldata(h, f->c, number, payload, 5, false), TURN_TO_PEER);
		assert_true(stun_addr_equal(&h->out.dst, &p));
		assert_true(stun_addr_equal(&h->out.src, &f->relay));
		assert_int_equal(h->out.payload_len, 5);
		assert_int_equal(th_peer(h, &p, &f->relay, payload, 3), TURN_TO_CLIENT);
		assert_int_equal(h->out.hdr_len, TURN_CHANNELDATA_HDR_LEN);
		assert_int_equal(h->resp.channel, number);
		assert_int_equal(h->resp.data_len, 3);
	}
	assert_int_equal(turn_server_stats(h->s)->channels, TURN_MAX_CHANNELS);
	/* The 9th, to a peer whose IP is permitted already: 508. */
	struct stun_addr p0 = peer_n(0);
	p0.port = 9;
	assert_int_equal(th_bind(h, f->c, 0x4100, &p0), 508);
	assert_int_equal(h->resp.mi_check, 0);
	assert_int_equal(turn_server_stats(h->s)->overflow_exhausted, 0);
	/* Nothing bound, peer data from there is a Data indication. */
	assert_int_equal(th_channeldata(h, f->c, 0x4100, payload, 1, false), TURN_DROP);
	assert_int_equal(h->out.drop, TP_DROP_CHANNEL_UNBOUND);
	assert_int_equal(th_peer(h, &p0, &f->relay, payload, 3), TURN_TO_CLIENT);
	assert_int_equal(h->resp.method, TURN_METHOD_DATA);
	/* What the allocation holds. */
	assert_int_equal(turn_alloc_channels(h->s, h->out.alloc, h->now, info, TURN_MAX_CHANNELS),
			 TURN_MAX_CHANNELS);
	for (unsigned int i = 0; i < TURN_MAX_CHANNELS; i++) {
		struct stun_addr p = peer_n(info[i].number - 0x4000u);

		assert_true(info[i].number >= 0x4000 && info[i].number < 0x4000 + TURN_MAX_CHANNELS);
		assert_true(stun_addr_equal(&info[i].peer, &p));
		assert_int_equal(info[i].expires, h->now + TURN_CHANNEL_LIFETIME);
	}
}

/* IPv6 peers in overflow blocks keep their family and all 16 bytes. */
static void
test_overflow_ipv6(void **state)
{
	struct fx *f = *state;
	struct th *h = &f->h;
	struct th_client *c = th_client(h, 1);
	char a[64];

	assert_int_equal(th_allocate(h, c, &(struct th_req){ .raf = STUN_FAMILY_IPV6 }), 0);
	struct stun_addr relay = h->resp.relayed[0];
	for (unsigned int i = 0; i < TURN_MAX_CHANNELS; i++) {
		snprintf(a, sizeof(a), "[2001:db8:99::%x]:%u", i + 1, 6000 + i);
		struct stun_addr p = th_addr(a);
		assert_int_equal(th_bind(h, c, (uint16_t)(0x4800 + i), &p), 0);
	}
	for (unsigned int i = 0; i < TURN_MAX_CHANNELS; i++) {
		snprintf(a, sizeof(a), "[2001:db8:99::%x]:%u", i + 1, 6000 + i);
		struct stun_addr p = th_addr(a);
		assert_int_equal(th_channeldata(h, c, (uint16_t)(0x4800 + i), payload, 2, false),
				 TURN_TO_PEER);
		assert_true(stun_addr_equal(&h->out.dst, &p));
		assert_int_equal(th_peer(h, &p, &relay, payload, 2), TURN_TO_CLIENT);
		assert_int_equal(h->resp.channel, 0x4800 + i);
	}
}

/* A pool of 2 blocks: an allocation that needs a third gets 508, and
 * gets it once another allocation gives its blocks back. */
static void
test_overflow_pool_exhaustion(void **state)
{
	struct fx *f = *state;
	struct th *h = &f->h;
	struct th_client *b = th_client(h, 1);
	struct stun_addr p;

	restart_with_pool(f, 2);
	assert_int_equal(turn_server_stats(h->s)->overflow_blocks_total, 2);
	/* Client 0 takes both blocks: 4 permissions, then 3 channels. */
	for (unsigned int i = 0; i < 4; i++) {
		p = peer_n(i);
		assert_int_equal(th_permit(h, f->c, &p), 0);
	}
	assert_int_equal(ovf_used(h), 1);
	for (unsigned int i = 0; i < 3; i++) {
		p = peer_n(i);
		assert_int_equal(th_bind(h, f->c, (uint16_t)(0x4000 + i), &p), 0);
	}
	assert_int_equal(ovf_used(h), 2);
	/* A 4th channel fits in client 0's block; a 5th would need a block. */
	p = peer_n(3);
	assert_int_equal(th_bind(h, f->c, 0x4003, &p), 0);
	p = peer_n(0);
	p.port = 1;
	assert_int_equal(th_bind(h, f->c, 0x4004, &p), 508);
	assert_int_equal(turn_server_stats(h->s)->overflow_exhausted, 1);
	/* Another allocation: inline slots work, the third of either not. */
	assert_int_equal(th_allocate(h, b, NULL), 0);
	struct stun_addr b_relay = h->resp.relayed[0];
	for (unsigned int i = 10; i < 12; i++) {
		p = peer_n(i);
		assert_int_equal(th_permit(h, b, &p), 0);
		assert_int_equal(th_bind(h, b, (uint16_t)(0x4000 + i), &p), 0);
	}
	p = peer_n(12);
	assert_int_equal(th_permit(h, b, &p), 508);
	assert_int_equal(h->resp.mi_check, 0);
	p = peer_n(10);
	p.port = 1;
	assert_int_equal(th_bind(h, b, 0x4100, &p), 508);
	/* A bind needing both a channel block and a permission block. */
	p = peer_n(12);
	assert_int_equal(th_bind(h, b, 0x4101, &p), 508);
	assert_int_equal(turn_server_stats(h->s)->overflow_exhausted, 4);
	/* Nothing of the refused requests was installed. */
	assert_int_equal(th_peer(h, &p, &b_relay, payload, 1), TURN_DROP);
	assert_int_equal(h->out.drop, TP_DROP_NO_PERMISSION);
	assert_int_equal(th_channeldata(h, b, 0x4100, payload, 1, false), TURN_DROP);
	assert_int_equal(ovf_used(h), 2);
	/* Client 0 goes: its blocks return, and client 1 gets them. */
	assert_int_equal(th_refresh(h, f->c, true, 0), 0);
	assert_int_equal(ovf_used(h), 0);
	p = peer_n(12);
	assert_int_equal(th_permit(h, b, &p), 0);
	assert_int_equal(th_peer(h, &p, &b_relay, payload, 1), TURN_TO_CLIENT);
	p = peer_n(10);
	p.port = 1;
	assert_int_equal(th_bind(h, b, 0x4100, &p), 0);
	assert_int_equal(th_channeldata(h, b, 0x4100, payload, 1, false), TURN_TO_PEER);
	assert_true(stun_addr_equal(&h->out.dst, &p));
	assert_int_equal(ovf_used(h), 2);
}

/* A CreatePermission needing two blocks when one is left installs
 * nothing. */
static void
test_overflow_all_or_nothing(void **state)
{
	struct fx *f = *state;
	struct th *h = &f->h;
	struct th_req q = { .method = TURN_METHOD_CREATE_PERMISSION, .n_peer = 4 };

	restart_with_pool(f, 1);
	for (unsigned int i = 0; i < 4; i++)
		q.peer[i] = peer_n(i);
	/* 4 new IPs: 2 inline, 2 in one block. */
	assert_int_equal(th_request(h, f->c, &q), TURN_REPLY);
	assert_int_equal(h->resp.error, 0);
	assert_int_equal(ovf_used(h), 1);
	/* 4 more would need 2 more blocks; the pool has none. */
	for (unsigned int i = 0; i < 4; i++)
		q.peer[i] = peer_n(4 + i);
	th_request(h, f->c, &q);
	assert_int_equal(h->resp.error, 508);
	for (unsigned int i = 0; i < 4; i++)
		assert_int_equal(th_send(h, f->c, &q.peer[i], payload, 1), TURN_DROP);
	for (unsigned int i = 0; i < 4; i++) {
		struct stun_addr p = peer_n(i);
		assert_int_equal(th_send(h, f->c, &p, payload, 1), TURN_TO_PEER);
	}
	assert_int_equal(ovf_used(h), 1);
}

/* Fill client @c with 8 permissions and 8 channels: 6 blocks. */
static void
fill(struct th *h, struct th_client *c)
{
	for (unsigned int i = 0; i < TURN_MAX_CHANNELS; i++) {
		struct stun_addr p = peer_n(i);
		assert_int_equal(th_bind(h, c, (uint16_t)(0x4000 + i), &p), 0);
	}
}

/* Blocks go back whenever the allocation goes: Refresh 0, expiry found
 * by a request, by peer data or by the sweep, and flush. */
static void
test_overflow_returned_on_delete(void **state)
{
	struct fx *f = *state;
	struct th *h = &f->h;
	const unsigned int full = 2 * ovf_blocks(TURN_MAX_CHANNELS);
	struct th_client *c1 = th_client(h, 1), *c2 = th_client(h, 2), *c3 = th_client(h, 3);
	struct stun_addr p = peer_n(0);

	fill(h, f->c);
	assert_int_equal(ovf_used(h), full);
	assert_int_equal(th_refresh(h, f->c, true, 0), 0);
	assert_int_equal(ovf_used(h), 0);

	/* Expiry: found by a request, by peer data, by the sweep. */
	assert_int_equal(th_allocate(h, c1, NULL), 0);
	fill(h, c1);
	assert_int_equal(th_allocate(h, c2, NULL), 0);
	struct stun_addr relay2 = h->resp.relayed[0];
	fill(h, c2);
	assert_int_equal(th_allocate(h, c3, NULL), 0);
	fill(h, c3);
	assert_int_equal(ovf_used(h), 3 * full);
	h->now += TURN_DEFAULT_LIFETIME;
	assert_int_equal(th_permit(h, c1, &p), 437);
	assert_int_equal(ovf_used(h), 2 * full);
	assert_int_equal(th_peer(h, &p, &relay2, payload, 1), TURN_DROP);
	assert_int_equal(h->out.drop, TP_DROP_NO_ALLOCATION);
	assert_int_equal(ovf_used(h), full);
	assert_int_equal(turn_server_sweep(h->s, h->now, 1000), 1);
	assert_int_equal(ovf_used(h), 0);

	/* Flush. */
	assert_int_equal(th_allocate(h, c1, NULL), 0);
	fill(h, c1);
	assert_int_equal(ovf_used(h), full);
	turn_server_flush(h->s);
	assert_int_equal(ovf_used(h), 0);
	assert_int_equal(turn_table_count(h->tbl), 0);
}

/* Blocks go back once their permissions and channels have lapsed: at the
 * allocation's next CreatePermission or ChannelBind, or when the sweep
 * visits it; a quarantined channel keeps its block. */
static void
test_overflow_returned_on_lapse(void **state)
{
	struct fx *f = *state;
	struct th *h = &f->h;
	uint64_t t0 = h->now;
	struct stun_addr p;

	/* 5 permissions: two blocks, then all lapse; the next request
	 * compacts, so the one it installs is inline. */
	for (unsigned int i = 0; i < 5; i++) {
		p = peer_n(i);
		assert_int_equal(th_permit(h, f->c, &p), 0);
	}
	assert_int_equal(ovf_used(h), 2);
	h->now = t0 + TURN_PERMISSION_LIFETIME;
	p = peer_n(20);
	assert_int_equal(th_permit(h, f->c, &p), 0);
	assert_int_equal(ovf_used(h), 0);
	/* Live ones move inline: 4 permissions, 2 lapse, 2 remain. */
	for (unsigned int i = 0; i < 3; i++) {
		p = peer_n(i);
		assert_int_equal(th_permit(h, f->c, &p), 0);
	}
	assert_int_equal(ovf_used(h), 1);
	h->now += 100;
	p = peer_n(1);
	assert_int_equal(th_permit(h, f->c, &p), 0);
	p = peer_n(2);
	assert_int_equal(th_permit(h, f->c, &p), 0);
	h->now += 200; /* 20 and 0 lapse; 1 and 2 live */
	assert_int_equal(turn_server_sweep(h->s, h->now, 1000), 0);
	assert_int_equal(ovf_used(h), 0);
	for (unsigned int i = 1; i < 3; i++) {
		p = peer_n(i);
		assert_int_equal(th_send(h, f->c, &p, payload, 1), TURN_TO_PEER);
	}
	p = peer_n(0);
	assert_int_equal(th_send(h, f->c, &p, payload, 1), TURN_DROP);

	/* Channels: 3 bound (one block of channels, one of permissions),
	 * once 1 and 2 have lapsed too. */
	h->now += 100;
	t0 = h->now;
	for (unsigned int i = 0; i < 3; i++) {
		p = peer_n(30 + i);
		assert_int_equal(th_bind(h, f->c, (uint16_t)(0x4000 + i), &p), 0);
	}
	assert_int_equal(ovf_used(h), 2);
	/* Permissions lapse at t0 + 300, their block goes; the channels are
	 * bound until t0 + 600 and held until t0 + 900. */
	h->now = t0 + TURN_CHANNEL_LIFETIME;
	assert_int_equal(turn_server_sweep(h->s, h->now, 1000), 0);
	assert_int_equal(ovf_used(h), 1);
	h->now = t0 + TURN_CHANNEL_LIFETIME + TURN_CHANNEL_QUARANTINE - 1;
	assert_int_equal(turn_server_sweep(h->s, h->now, 1000), 0);
	assert_int_equal(ovf_used(h), 1);
	h->now++;
	assert_int_equal(turn_server_sweep(h->s, h->now, 1000), 0);
	assert_int_equal(ovf_used(h), 0);
}

/* Binding rules and quarantine are the same for a channel held in an
 * overflow block, including across compaction. */
static void
test_overflow_channel_rules(void **state)
{
	struct fx *f = *state;
	struct th *h = &f->h;
	uint64_t t0 = h->now;
	struct stun_addr p[4];

	for (unsigned int i = 0; i < 4; i++) {
		p[i] = peer_n(i);
		assert_int_equal(th_bind(h, f->c, (uint16_t)(0x4000 + i), &p[i]), 0);
	}
	assert_int_equal(turn_server_stats(h->s)->channels, 4);
	/* 0x4003 to p[3] sits in a block. Same pair: a refresh. */
	assert_int_equal(th_bind(h, f->c, 0x4003, &p[3]), 0);
	assert_int_equal(turn_server_stats(h->s)->channels, 4);
	/* Its number to another peer, its peer to another number: 400. */
	struct stun_addr other = peer_n(9);
	assert_int_equal(th_bind(h, f->c, 0x4003, &other), 400);
	assert_int_equal(h->resp.mi_check, 0);
	assert_int_equal(th_bind(h, f->c, 0x4009, &p[3]), 400);
	/* Same IP, another port: another peer. */
	struct stun_addr p3b = p[3];
	p3b.port++;
	assert_int_equal(th_bind(h, f->c, 0x4004, &p3b), 0);
	/* Channels 0x4000 and 0x4001 (inline) lapse earlier than the
	 * others: the others are refreshed at t0 + 300. Permissions are
	 * kept alive throughout. */
	h->now = t0 + 290;
	for (unsigned int i = 0; i < 4; i++)
		assert_int_equal(th_permit(h, f->c, &p[i]), 0);
	h->now = t0 + 300;
	assert_int_equal(th_bind(h, f->c, 0x4002, &p[2]), 0);
	assert_int_equal(th_bind(h, f->c, 0x4003, &p[3]), 0);
	h->now = t0 + 580;
	for (unsigned int i = 0; i < 4; i++)
		assert_int_equal(th_permit(h, f->c, &p[i]), 0);
	/* 0x4000 and 0x4001 unbound and quarantined: the sweep compacts, so
	 * 0x4002/0x4003 may move; rules must hold wherever they are. */
	h->now = t0 + 600;
	assert_int_equal(turn_server_sweep(h->s, h->now, 1000), 0);
	assert_int_equal(th_channeldata(h, f->c, 0x4000, payload, 1, false), TURN_DROP);
	assert_int_equal(h->out.drop, TP_DROP_CHANNEL_UNBOUND);
	assert_int_equal(th_channeldata(h, f->c, 0x4003, payload, 1, false), TURN_TO_PEER);
	assert_true(stun_addr_equal(&h->out.dst, &p[3]));
	assert_int_equal(th_bind(h, f->c, 0x4000, &other), 400);
	assert_int_equal(th_bind(h, f->c, 0x4009, &p[0]), 400);
	/* The quarantined pair may be bound again. */
	assert_int_equal(th_bind(h, f->c, 0x4001, &p[1]), 0);
	assert_int_equal(th_channeldata(h, f->c, 0x4001, payload, 1, false), TURN_TO_PEER);
	/* 0x4003 (refreshed at t0 + 300) lapses at t0 + 900 and is held
	 * until t0 + 1200; 0x4000 is free from t0 + 900. */
	h->now = t0 + 870;
	for (unsigned int i = 0; i < 4; i++)
		assert_int_equal(th_permit(h, f->c, &p[i]), 0);
	h->now = t0 + 900;
	assert_int_equal(th_bind(h, f->c, 0x4000, &other), 0);
	assert_int_equal(th_channeldata(h, f->c, 0x4003, payload, 1, false), TURN_DROP);
	assert_int_equal(th_bind(h, f->c, 0x4003, &p3b), 400);
	struct stun_addr other2 = peer_n(10);
	assert_int_equal(th_bind(h, f->c, 0x400A, &p[3]), 400);
	h->now = t0 + 1199;
	assert_int_equal(th_bind(h, f->c, 0x4003, &other2), 400);
	h->now = t0 + 1200;
	assert_int_equal(th_bind(h, f->c, 0x4003, &other2), 0);
	assert_int_equal(th_bind(h, f->c, 0x400A, &p[3]), 0);
	assert_int_equal(th_channeldata(h, f->c, 0x4003, payload, 1, false), TURN_TO_PEER);
	assert_true(stun_addr_equal(&h->out.dst, &other2));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_permission_fixtures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_permission_lifetime, setup, teardown),
		cmocka_unit_test_setup_teardown(test_permission_capacity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_permission_retransmission, setup, teardown),
		cmocka_unit_test_setup_teardown(test_permission_no_allocation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_fixtures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_capacity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_permission_capacity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_channel_lifetime_and_quarantine, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_channel_rebind_same_pair, setup, teardown),
		cmocka_unit_test_setup_teardown(test_channel_needs_permission, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_retransmission, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_fixtures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_channeldata, setup, teardown),
		cmocka_unit_test_setup_teardown(test_channel_wide_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_indication_padding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_indication_ids_differ, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_channeldata, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_ipv6_data_indication, setup, teardown),
		cmocka_unit_test(test_allocation_size),
		cmocka_unit_test_setup_teardown(test_overflow_permissions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overflow_channels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overflow_ipv6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overflow_pool_exhaustion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overflow_all_or_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overflow_returned_on_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overflow_returned_on_lapse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overflow_channel_rules, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

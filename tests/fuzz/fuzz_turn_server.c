/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the TURN state machine. The input is a program:
 * one configuration byte, then operations, each an opcode byte (high
 * nibble: what, low 3 bits: which client) and its operands. Operations
 * mix raw datagrams (client and peer side) with correctly authenticated
 * requests made by the test harness's client, so the fuzzer gets past
 * authentication into allocations, permissions, channels and the data
 * path, and also signs requests whose attributes it chose itself.
 *
 * Checked after every step: verdicts are consistent (replies are STUN
 * answering the request, payloads point into the input, headers into the
 * output buffer, overflow blocks within the pool), and at the end
 * nothing is leaked: once flushed, no allocation, relay port, quota or
 * overflow block is held.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "turn_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			__builtin_trap();                                                          \
	} while (0)

enum fz_op {
	FZ_RAW_CLIENT,
	FZ_RAW_PEER,
	FZ_TIME,
	FZ_ALLOCATE,
	FZ_REFRESH,
	FZ_PERMISSION,
	FZ_BIND,
	FZ_SEND,
	FZ_CHANNELDATA,
	FZ_MUTATE,
	FZ_RETRANSMIT,
	FZ_SWEEP,
	FZ_SWITCHES,
	FZ_BINDING,
	FZ_USER,
	FZ_SIGNED_RAW,
};

struct fz {
	const uint8_t *p;
	size_t n;
	struct stun_addr relay[TH_MAX_CLIENTS][2];
	struct stun_addr peers[4];
	uint8_t buf[2048];
	char rest_user[32];
	char rest_pass[STUN_REST_PASSWORD_LEN + 1];
	unsigned int auth_flags[TH_MAX_CLIENTS]; /* TH_* quirks per client */
};

static struct th fz_h;
static struct fz fz;

static uint8_t
take8(struct fz *f)
{
	if (f->n == 0)
		return 0;
	f->n--;
	return *f->p++;
}

static uint16_t
take16(struct fz *f)
{
	uint16_t hi = take8(f);
	return (uint16_t)(hi << 8 | take8(f));
}

/* Up to @want bytes of the input, in place. */
static const uint8_t *
take(struct fz *f, size_t want, size_t *got)
{
	const uint8_t *p = f->p;

	if (want > f->n)
		want = f->n;
	f->p += want;
	f->n -= want;
	*got = want;
	return p;
}

/* Invariants of one verdict; @in/@len is the datagram handled. */
static void
check_out(struct th *h, const uint8_t *in, size_t len, bool from_client)
{
	const struct turn_out *o = &h->out;
	struct stun_msg m;

#ifdef FZ_TRACE
	/* -DFZ_TRACE: print each verdict, to see what a seed reaches. */
	fprintf(stderr, "  verdict %d drop %s error %u method %#x\n", o->verdict,
		o->verdict == TURN_DROP ? tp_drop_name(o->drop) : "-", o->error,
		h->resp.method);
#endif
	switch (o->verdict) {
	case TURN_DROP:
		CHECK(o->drop < TP_DROP_MAX);
		break;
	case TURN_REPLY:
		CHECK(from_client);
		CHECK(o->hdr == h->obuf && o->hdr_len >= STUN_HEADER_LEN);
		CHECK(o->hdr_len <= sizeof(h->obuf) && o->payload_len == 0);
		CHECK(stun_parse(&m, o->hdr, o->hdr_len) == 0);
		CHECK(m.cls == STUN_CLASS_SUCCESS || m.cls == STUN_CLASS_ERROR);
		CHECK(len >= STUN_HEADER_LEN && memcmp(m.tid, in + 8, STUN_TID_LEN) == 0);
		CHECK((m.cls == STUN_CLASS_ERROR) == (o->error != 0));
		break;
	case TURN_TO_PEER:
		CHECK(from_client);
		CHECK(o->hdr_len == 0);
		CHECK(o->payload >= in && o->payload + o->payload_len <= in + len);
		CHECK(o->src.family == o->dst.family && o->alloc != NULL);
		break;
	case TURN_TO_CLIENT:
		CHECK(!from_client);
		CHECK(o->hdr == h->obuf && o->payload == in && o->payload_len == len);
		CHECK(o->pad < 4);
		if (o->hdr_len == TURN_CHANNELDATA_HDR_LEN) {
			CHECK(h->resp.data_len == len);
		} else {
			CHECK(h->resp.stun && h->resp.method == TURN_METHOD_DATA);
			CHECK(h->resp.data_len == len);
			CHECK(h->resp.data == NULL || memcmp(h->resp.data, in, len) == 0);
		}
		break;
	case TURN_PENDING:
		CHECK(from_client && h->cred_rc == -EAGAIN);
		break;
	}
}

static struct th_client *
client(struct th *h, uint8_t op)
{
	return th_client(h, op & (TH_MAX_CLIENTS - 1));
}

static void
remember_relays(struct th *h, unsigned int ci)
{
	if (h->out.verdict != TURN_REPLY || h->resp.error != 0 ||
	    h->resp.method != TURN_METHOD_ALLOCATE)
		return;
	for (unsigned int i = 0; i < h->resp.n_relayed; i++)
		fz.relay[ci][h->resp.relayed[i].family == STUN_FAMILY_IPV6] = h->resp.relayed[i];
}

/* One request; after a 438 the client retries with the fresh nonce, as
 * a real one would, so time steps do not end the deeper states. */
static void
request(struct th *h, struct th_client *c, const struct th_req *q_in)
{
	struct th_req qq = *q_in, *q = &qq;

	qq.flags |= fz.auth_flags[c->idx];
	th_request(h, c, q);
	check_out(h, h->req, h->req_len, true);
	if (h->out.verdict == TURN_REPLY && h->resp.error == STUN_ERR_STALE_NONCE) {
		th_request(h, c, q);
		check_out(h, h->req, h->req_len, true);
	}
}

/*
 * An authenticated request whose body the fuzzer wrote: its bytes are
 * appended as attributes (padded to 4) after the header, then the
 * harness adds credentials and integrity, so the server parses and acts
 * on attribute combinations no fixed builder would produce.
 */
static void
signed_raw(struct th *h, struct th_client *c, uint8_t sel)
{
	static const uint16_t methods[] = {
		TURN_METHOD_ALLOCATE, TURN_METHOD_REFRESH, TURN_METHOD_CREATE_PERMISSION,
		TURN_METHOD_CHANNEL_BIND, TURN_METHOD_CONNECT, STUN_METHOD_BINDING,
		TURN_METHOD_SEND, 0x0FF,
	};
	struct th_req q = { .method = methods[sel & 7], .flags = fz.auth_flags[c->idx] };
	struct stun_builder b;
	size_t n;
	const uint8_t *body = take(&fz, take8(&fz), &n);

	if (sel & 0x08)
		q.cls = STUN_CLASS_INDICATION;
	c->seq++;
	memcpy(c->tid, "FZ", 2);
	memcpy(c->tid + 4, &c->seq, sizeof(c->seq));
	stun_build_init(&b, h->req, sizeof(h->req), q.method, q.cls, c->tid);
	/* The body as attributes, zero-padded to 4; the length field kept
	 * current as the builder would. */
	if (b.err != 0 || n + 3 > b.cap - b.len)
		return;
	memcpy(h->req + b.len, body, n);
	memset(h->req + b.len + n, 0, ((n + 3) & ~(size_t)3) - n);
	b.len += (n + 3) & ~(size_t)3;
	h->req[2] = (uint8_t)((b.len - STUN_HEADER_LEN) >> 8);
	h->req[3] = (uint8_t)(b.len - STUN_HEADER_LEN);
	if (c->nonce_len > 0 && !(sel & 0x10))
		th_put_auth(h, c, &q, &b);
	if (sel & 0x20)
		stun_put_fingerprint(&b);
	int len = stun_build_finish(&b);
	if (len <= 0)
		return;
	h->req_len = (size_t)len;
	th_input(h, c, h->req, h->req_len);
	check_out(h, h->req, h->req_len, true);
}

static void
switches(struct th *h, uint8_t v)
{
	static const int cred[] = { 0, 0, -EAGAIN, -ENOENT };
	static const int quota[] = { 0, 0, -EDQUOT, -ENOSPC };

	h->cred_rc = cred[v & 3];
	h->quota_rc = quota[(v >> 2) & 3];
	h->relay_rc[STUN_FAMILY_IPV6] = (v & 0x10) ? -ENOSPC : 0;
	h->deny_all = (v & 0x20) != 0;
	turn_server_set_draining(h->s, (v & 0x40) != 0);
	h->quota_limit = (v & 0x80) ? 2 : 0;
}

/* Who the client is (@v) and how it gets authentication wrong (@quirk). */
static void
set_user(struct th *h, struct th_client *c, uint8_t v, uint8_t quirk)
{
	static const unsigned int quirks[8] = {
		0, 0, TH_NO_PWALGS, TH_TAMPER_PWALGS, TH_ONLY_PWALG, TH_BAD_MI, TH_NO_REALM,
		TH_BOTH_MI,
	};

	switch (v & 3) {
	case 0:
		c->user = "alice";
		c->pass = "alice-pw";
		break;
	case 1:
		c->user = "bob";
		c->pass = "bob-pw";
		break;
	case 2:
		c->user = fz.rest_user;
		c->pass = fz.rest_pass;
		break;
	default:
		c->user = "mallory";
		c->pass = "x";
		break;
	}
	c->alg = (v & 4) ? STUN_PWALG_SHA256 : STUN_PWALG_MD5;
	c->mi_sha256 = (v & 8) != 0;
	c->userhash = (v & 16) != 0;
	c->fingerprint = (v & 32) != 0;
	if (v & 64)
		c->nonce_len = 0;
	fz.auth_flags[c->idx] = quirks[quirk & 7];
	(void)h;
}

static void
step(struct th *h, uint8_t op)
{
	struct th_client *c = client(h, op);
	unsigned int ci = op & (TH_MAX_CLIENTS - 1);
	struct th_req q = { 0 };
	const uint8_t *d;
	size_t n;
	uint8_t v;

	switch ((enum fz_op)(op >> 4)) {
	case FZ_RAW_CLIENT:
		d = take(&fz, take16(&fz), &n);
		th_input(h, c, d, n);
		check_out(h, d, n, true);
		break;
	case FZ_RAW_PEER: {
		v = take8(&fz);
		const struct stun_addr *peer = &fz.peers[v & 3];
		struct stun_addr relay = fz.relay[ci][peer->family == STUN_FAMILY_IPV6];
		if (v & 4)
			relay.port ^= 1;
		d = take(&fz, take16(&fz), &n);
		th_peer(h, peer, &relay, d, n);
		check_out(h, d, n, false);
		break;
	}
	case FZ_TIME:
		v = take8(&fz);
		h->now += v < 250 ? v : 1000u * (v - 249);
		break;
	case FZ_ALLOCATE:
		v = take8(&fz);
		if (v & 1) {
			q.flags |= TH_LIFETIME;
			q.lifetime = 16u * take8(&fz);
		}
		if (v & 2)
			q.flags |= TH_EVEN_PORT;
		q.even_port = (v & 4) ? TURN_EVEN_PORT_RESERVE : 0;
		q.raf = (v & 8) ? STUN_FAMILY_IPV6 : 0;
		q.aaf = (v & 16) ? STUN_FAMILY_IPV6 : 0;
		if (v & 32)
			q.flags |= TH_DF;
		if (v & 64)
			q.transport = TURN_TRANSPORT_TCP;
		if (v & 128)
			q.token = h->resp.token ? h->resp.token : 1;
		th_allocate(h, c, &q);
		check_out(h, h->req, h->req_len, true);
		remember_relays(h, ci);
		break;
	case FZ_REFRESH:
		v = take8(&fz);
		q.method = TURN_METHOD_REFRESH;
		q.flags = TH_LIFETIME;
		q.lifetime = v == 0xFF ? 0 : 30u * v;
		if (v != 0xFF && (v & 0x80))
			q.raf = (v & 1) ? STUN_FAMILY_IPV6 : STUN_FAMILY_IPV4;
		request(h, c, &q);
		break;
	case FZ_PERMISSION:
		v = take8(&fz);
		q.method = TURN_METHOD_CREATE_PERMISSION;
		for (unsigned int i = 0; i < 4; i++)
			if (v & (1u << i))
				q.peer[q.n_peer++] = fz.peers[i];
		request(h, c, &q);
		break;
	case FZ_BIND:
		v = take8(&fz);
		q.method = TURN_METHOD_CHANNEL_BIND;
		/* Mostly in range; sometimes around the lower bound. */
		q.channel = (uint16_t)((v & 0x80) ? 0x3FF0 + (v & 0x1F) : 0x4000 + (v & 7));
		q.n_peer = (v & 0x40) ? 0 : 1;
		q.peer[0] = fz.peers[(v >> 3) & 3];
		request(h, c, &q);
		break;
	case FZ_SEND:
		v = take8(&fz);
		q.method = TURN_METHOD_SEND;
		q.cls = STUN_CLASS_INDICATION;
		q.n_peer = (v & 4) ? 0 : 1;
		q.peer[0] = fz.peers[v & 3];
		q.flags = (v & 8) ? TH_DF : 0;
		q.data = take(&fz, take8(&fz), &n);
		q.data_len = (uint16_t)n;
		if (v & 16)
			q.data = NULL;
		request(h, c, &q);
		break;
	case FZ_CHANNELDATA:
		v = take8(&fz);
		d = take(&fz, take16(&fz), &n);
		if (n > 1400)
			n = 1400;
		th_channeldata(h, c, (uint16_t)(0x4000 + (v & 7)), d, (uint16_t)n, (v & 8) != 0);
		check_out(h, h->req, h->req_len, true);
		break;
	case FZ_MUTATE: {
		uint16_t pos = take16(&fz);
		v = take8(&fz);
		if (h->req_len == 0)
			break;
		memcpy(fz.buf, h->req, h->req_len);
		fz.buf[pos % h->req_len] ^= v;
		th_input(h, c, fz.buf, h->req_len);
		check_out(h, fz.buf, h->req_len, true);
		break;
	}
	case FZ_RETRANSMIT:
		if (h->req_len == 0)
			break;
		th_retransmit(h, c);
		check_out(h, h->req, h->req_len, true);
		break;
	case FZ_SWEEP:
		turn_server_sweep(h->s, h->now, take8(&fz));
		break;
	case FZ_SWITCHES:
		switches(h, take8(&fz));
		break;
	case FZ_BINDING:
		v = take8(&fz);
		q.method = STUN_METHOD_BINDING;
		q.cls = (v & 0x80) ? STUN_CLASS_INDICATION : STUN_CLASS_REQUEST;
		q.flags = (v & 1) ? TH_CHANGE : 0;
		q.change = v & (STUN_CHANGE_IP | STUN_CHANGE_PORT);
		q.response_port = (v & 8) ? 7000 : 0;
		q.flags |= (v & 16) ? TH_FP : 0;
		q.unknown_attr = (v & 32) ? 0x0031 : 0;
		request(h, c, &q);
		break;
	case FZ_USER:
		v = take8(&fz);
		set_user(h, c, v, take8(&fz));
		break;
	case FZ_SIGNED_RAW:
		signed_raw(h, c, take8(&fz));
		break;
	}
}

/* The configuration byte: which server we are fuzzing. */
static void
configure(struct th *h, uint8_t v)
{
	h->cfg.fingerprint = (v & 1) != 0;
	h->cfg.rfc5780 = (v & 2) != 0;
	if (v & 4)
		h->cfg.n_pw_algs = 0;
	if (v & 8)
		h->cfg.other_address = th_addr(TH_OTHER);
	if (v & 16)
		h->cfg.software = "turnpike fuzz";
	if (v & 32)
		h->cfg.alternate = th_addr("198.18.9.9:3478");
	h->no_v6 = (v & 64) != 0;
	/* Small tables so capacity errors are reachable: allocations, relay
	 * ports, overflow blocks (a client reaches 3 permissions and 4
	 * channels with fz.peers, so 2 blocks). */
	h->table_cap = (v & 128) ? 2 : 8;
	h->cfg.overflow_blocks = (v & 128) ? 1 : 3;
	h->port_max = (uint16_t)(h->port_min + ((v & 128) ? 3 : 63));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct th *h = &fz_h;

	if (size == 0)
		return 0;
	th_init(h);
	memset(&fz, 0, sizeof(fz));
	fz.p = data + 1;
	fz.n = size - 1;
	configure(h, data[0]);
	stun_rest_secrets_add(&h->rest, "south", 5);
	if (th_start(h) != 0)
		return 0;
	fz.peers[0] = th_addr("203.0.113.5:5000");
	fz.peers[1] = th_addr("203.0.113.6:6000");
	fz.peers[2] = th_addr("[2001:db8:99::5]:5000");
	fz.peers[3] = th_addr("203.0.113.5:5001");
	memcpy(fz.rest_user, "1700003600:fuzz", 16);
	stun_rest_password((const uint8_t *)"north", 5, fz.rest_user, strlen(fz.rest_user),
			   fz.rest_pass);
	for (unsigned int i = 0; i < TH_MAX_CLIENTS; i++) {
		struct th_client *c = th_client(h, i);
		/* Clients 6 and 7 speak IPv6 to the server. */
		if (i >= 6) {
			char a[48];
			snprintf(a, sizeof(a), "[2001:db8:1::%u]:%u", i, 40000 + i);
			c->ft.client = th_addr(a);
			c->ft.server = th_addr(TH_SERVER6);
		}
		c->alg = STUN_PWALG_MD5;
	}

	while (fz.n > 0) {
		const struct turn_stats *st = turn_server_stats(h->s);

		step(h, take8(&fz));
		/* Overflow blocks: never more than configured, none without
		 * an allocation holding them. */
		CHECK(st->overflow_blocks_total == h->cfg.overflow_blocks);
		CHECK(st->overflow_blocks_used <= st->overflow_blocks_total);
		CHECK(st->overflow_blocks_used <=
		      st->allocations_active *
			      ((TURN_MAX_PERMISSIONS - TURN_INLINE_PERMS + TURN_MAX_CHANNELS -
				TURN_INLINE_CHANNELS) / TURN_OVERFLOW_RECS));
	}

	/* Accounting: the server's count matches the table, and flushing
	 * gives every relay port and quota back. */
	CHECK(turn_server_stats(h->s)->allocations_active == turn_table_count(h->tbl));
	turn_server_flush(h->s);
	CHECK(turn_table_count(h->tbl) == 0);
	CHECK(h->quota_active == 0);
	CHECK(h->relays_active == 0);
	CHECK(turn_server_stats(h->s)->overflow_blocks_used == 0);
	CHECK(turn_relay_pool_used(h->pool, STUN_FAMILY_IPV4) == 0);
	CHECK(turn_relay_pool_used(h->pool, STUN_FAMILY_IPV6) == 0);
	th_fini(h);
	return 0;
}

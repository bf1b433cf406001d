/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TURN test harness: see turn_harness.h. Everything here is plain C
 * over the public headers, so the same client drives the unit tests and
 * the fuzzer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stun_bytes.h"
#include "channeldata.h"
#include "stun_integrity.h"
#include "turn_harness.h"

struct stun_addr
th_addr(const char *s)
{
	struct stun_addr a;

	memset(&a, 0, sizeof(a));
	if (stun_addr_from_string(&a, s, 0) != 0) {
		fprintf(stderr, "th_addr: bad address %s\n", s);
		abort();
	}
	return a;
}

/* ---- hooks ---- */

static const struct th_user *
user_find(struct th *h, const struct turn_cred_req *req)
{
	for (unsigned int i = 0; i < h->n_users; i++) {
		const struct th_user *u = &h->users[i];
		size_t n = strlen(u->name);

		if (req->username != NULL) {
			if (req->username_len == n && memcmp(req->username, u->name, n) == 0)
				return u;
		} else if (req->userhash != NULL) {
			uint8_t uh[STUN_USERHASH_LEN];
			stun_userhash(u->name, n, req->realm, req->realm_len, uh);
			if (memcmp(uh, req->userhash, sizeof(uh)) == 0)
				return u;
		}
	}
	return NULL;
}

static int
hook_cred(void *ctx, const struct turn_cred_req *req, struct turn_cred *out)
{
	struct th *h = ctx;
	const struct th_user *u;
	size_t n;

	h->cred_calls++;
	if (h->cred_rc != 0)
		return h->cred_rc;
	u = user_find(h, req);
	if (u == NULL)
		return -ENOENT;
	n = strlen(u->name);
	if (req->alg == STUN_PWALG_SHA256) {
		if (u->no_sha256)
			return -EOPNOTSUPP;
		stun_key_sha256(u->name, n, req->realm, req->realm_len, u->pass, strlen(u->pass),
				out->key);
		out->key_len = STUN_KEY_SHA256_LEN;
	} else {
		stun_key_md5(u->name, n, req->realm, req->realm_len, u->pass, strlen(u->pass),
			     out->key);
		out->key_len = STUN_KEY_MD5_LEN;
	}
	if (n < sizeof(out->user)) {
		memcpy(out->user, u->name, n);
		out->user_len = (uint8_t)n;
	}
	return 0;
}

static bool
hook_peer(void *ctx, const struct stun_addr *peer)
{
	struct th *h = ctx;

	h->peer_checks++;
	if (h->deny_all)
		return false;
	return !(h->deny.family != 0 && stun_addr_ip_equal(&h->deny, peer));
}

static int
hook_quota_acquire(void *ctx, const char *user, size_t len, uint32_t *handle)
{
	struct th *h = ctx;

	(void)user;
	(void)len;
	if (h->quota_rc != 0)
		return h->quota_rc;
	if (h->quota_limit != 0 && h->quota_active >= h->quota_limit)
		return -EDQUOT;
	h->quota_active++;
	h->quota_acquired++;
	*handle = h->quota_acquired;
	return 0;
}

static void
hook_quota_release(void *ctx, uint32_t handle)
{
	struct th *h = ctx;

	(void)handle;
	h->quota_active--;
	h->quota_released++;
}

static int
hook_relay_alloc(void *ctx, uint8_t family, unsigned int flags, uint64_t token,
		 struct stun_addr *out, uint64_t *token_out)
{
	struct th *h = ctx;
	int rc;

	if (family < 3 && h->relay_rc[family] != 0)
		return h->relay_rc[family];
	rc = turn_relay_pool_alloc(h->pool, family, flags, token, out, token_out);
	if (rc == 0)
		h->relays_active++;
	return rc;
}

static void
hook_relay_free(void *ctx, const struct stun_addr *relay)
{
	struct th *h = ctx;

	h->relays_active--;
	turn_relay_pool_free(h->pool, relay);
}

static bool
hook_challenge_admit(void *ctx, const struct stun_addr *client)
{
	struct th *h = ctx;

	(void)client;
	h->challenge_asks++;
	if (h->challenge_budget < 0)
		return true;
	if (h->challenge_budget == 0)
		return false;
	h->challenge_budget--;
	return true;
}

static void
hook_event(void *ctx, enum turn_event ev, const struct turn_allocation *a)
{
	struct th *h = ctx;

	(void)a;
	if ((unsigned int)ev <= TURN_EVENT_CHANNEL)
		h->events[ev]++;
}

/* ---- set-up ---- */

void
th_init(struct th *h)
{
	memset(h, 0, sizeof(*h));
	for (unsigned int i = 0; i < sizeof(h->nonce_secret); i++)
		h->nonce_secret[i] = (uint8_t)(0xA5 ^ i);
	h->cfg.realm = TH_REALM;
	h->cfg.nonce_secret = h->nonce_secret;
	h->cfg.nonce_secret_len = sizeof(h->nonce_secret);
	h->cfg.pw_algs[0] = STUN_PWALG_SHA256;
	h->cfg.pw_algs[1] = STUN_PWALG_MD5;
	h->cfg.n_pw_algs = 2;
	h->cfg.rest = &h->rest;
	stun_rest_secrets_add(&h->rest, "north", 5);
	h->hooks = (struct turn_hooks){
		.cred_lookup = hook_cred,
		.peer_allowed = hook_peer,
		.quota_acquire = hook_quota_acquire,
		.quota_release = hook_quota_release,
		.relay_alloc = hook_relay_alloc,
		.relay_free = hook_relay_free,
		.challenge_admit = hook_challenge_admit,
		.event = hook_event,
	};
	h->challenge_budget = -1;
	h->port_min = 49152;
	h->port_max = 49152 + 63;
	h->table_cap = 16;
	h->now = TH_START_TIME;
	th_add_user(h, "alice", "alice-pw");
	th_add_user(h, "bob", "bob-pw");
}

int
th_add_user(struct th *h, const char *name, const char *pass)
{
	if (h->n_users >= TH_MAX_USERS)
		return -ENOSPC;
	h->users[h->n_users++] = (struct th_user){ .name = name, .pass = pass };
	return 0;
}

int
th_start(struct th *h)
{
	struct stun_addr v4 = th_addr(TH_RELAY4), v6 = th_addr(TH_RELAY6);

	h->pool = turn_relay_pool_create(h->no_v4 ? NULL : &v4, h->no_v6 ? NULL : &v6,
					 h->port_min, h->port_max);
	if (h->pool == NULL)
		return -errno;
	h->tbl = turn_table_create(h->table_cap);
	if (h->tbl == NULL)
		goto err_pool;
	h->s = turn_server_create(&h->cfg, &h->hooks, h, &turn_table_ops, h->tbl);
	if (h->s == NULL)
		goto err_tbl;
	return 0;

err_tbl:
	turn_table_destroy(h->tbl);
	h->tbl = NULL;
err_pool:
	turn_relay_pool_destroy(h->pool);
	h->pool = NULL;
	return -EINVAL;
}

void
th_fini(struct th *h)
{
	turn_server_destroy(h->s);
	turn_table_destroy(h->tbl);
	turn_relay_pool_destroy(h->pool);
	h->s = NULL;
	h->tbl = NULL;
	h->pool = NULL;
}

int
th_restart(struct th *h)
{
	th_fini(h);
	return th_start(h);
}

int
th_setup(void **state)
{
	struct th *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return -1;
	th_init(h);
	if (th_start(h) != 0) {
		free(h);
		return -1;
	}
	*state = h;
	return 0;
}

int
th_teardown(void **state)
{
	struct th *h = *state;

	th_fini(h);
	free(h);
	return 0;
}

struct th_client *
th_client(struct th *h, unsigned int i)
{
	struct th_client *c = &h->clients[i % TH_MAX_CLIENTS];
	char a[32];

	if (!c->used) {
		memset(c, 0, sizeof(*c));
		snprintf(a, sizeof(a), "198.18.1.%u:%u", i + 1, 40000 + i);
		c->ft.client = th_addr(a);
		c->ft.server = th_addr(TH_SERVER);
		c->ft.proto = TURN_TRANSPORT_UDP;
		c->user = "alice";
		c->pass = "alice-pw";
		c->alg = STUN_PWALG_SHA256;
		c->idx = (uint8_t)i;
		c->used = true;
	}
	return c;
}

/* ---- the client ---- */

static bool
needs_auth(uint16_t method)
{
	return method == TURN_METHOD_ALLOCATE || method == TURN_METHOD_REFRESH ||
	       method == TURN_METHOD_CREATE_PERMISSION || method == TURN_METHOD_CHANNEL_BIND ||
	       method == TURN_METHOD_CONNECT || method == TURN_METHOD_CONNECTION_BIND;
}

static void
put_u8x4(struct stun_builder *b, uint16_t type, uint8_t v0, uint8_t v1, uint8_t v3)
{
	uint8_t v[4] = { v0, v1, 0, v3 };

	stun_put_attr(b, type, v, sizeof(v));
}

/* The client's key for @alg, as RFC 8489 9.2.2 derives it. */
static void
client_key(struct th_client *c, const char *realm, uint16_t alg)
{
	size_t ul = strlen(c->user), rl = strlen(realm), pl = strlen(c->pass);

	if (alg == STUN_PWALG_SHA256) {
		stun_key_sha256(c->user, ul, realm, rl, c->pass, pl, c->key);
		c->key_len = STUN_KEY_SHA256_LEN;
	} else {
		stun_key_md5(c->user, ul, realm, rl, c->pass, pl, c->key);
		c->key_len = STUN_KEY_MD5_LEN;
	}
}

/*
 * The credentials part of a request, RFC 8489 9.2.3 as a client does
 * it: USERNAME or USERHASH, REALM, NONCE, and when the server offered
 * algorithms both PASSWORD-ALGORITHMS (echoed) and PASSWORD-ALGORITHM;
 * then the integrity attribute(s). Flags break each step for tests.
 */
void
th_put_auth(struct th *h, struct th_client *c, const struct th_req *q, struct stun_builder *b)
{
	const char *realm = q->realm != NULL ? q->realm : c->realm[0] ? c->realm : h->cfg.realm;
	bool offer = c->pw_algs_len > 0 && !(q->flags & TH_NO_PWALGS);
	uint16_t alg = offer ? c->alg : STUN_PWALG_MD5;
	struct stun_hmac_key k;

	if (!(q->flags & TH_NO_USER)) {
		if (c->userhash) {
			uint8_t uh[STUN_USERHASH_LEN];
			stun_userhash(c->user, strlen(c->user), realm, strlen(realm), uh);
			stun_put_attr(b, STUN_ATTR_USERHASH, uh, sizeof(uh));
		} else {
			stun_put_attr(b, STUN_ATTR_USERNAME, c->user, strlen(c->user));
		}
	}
	if (!(q->flags & TH_NO_REALM))
		stun_put_attr(b, STUN_ATTR_REALM, realm, strlen(realm));
	if (!(q->flags & TH_NO_NONCE))
		stun_put_attr(b, STUN_ATTR_NONCE, c->nonce, c->nonce_len);
	if (offer) {
		if (!(q->flags & TH_ONLY_PWALG)) {
			uint8_t v[32];
			size_t n = c->pw_algs_len;
			memcpy(v, c->pw_algs, n);
			/* A man in the middle who removed the stronger
			 * algorithm would change the list: swap the first two. */
			if ((q->flags & TH_TAMPER_PWALGS) && n >= 8) {
				uint8_t t[4];
				memcpy(t, v, 4);
				memmove(v, v + 4, 4);
				memcpy(v + 4, t, 4);
			} else if (q->flags & TH_TAMPER_PWALGS) {
				v[1] ^= 0x03;
			}
			stun_put_attr(b, STUN_ATTR_PASSWORD_ALGORITHMS, v, n);
		}
		uint8_t one[4] = { (uint8_t)(alg >> 8), (uint8_t)alg, 0, 0 };
		stun_put_attr(b, STUN_ATTR_PASSWORD_ALGORITHM, one, sizeof(one));
	}
	client_key(c, realm, alg);
	uint8_t key[STUN_KEY_MAX_LEN];
	memcpy(key, c->key, c->key_len);
	if (q->flags & TH_BAD_MI)
		key[0] ^= 0xFF;
	stun_hmac_key_init(&k, key, c->key_len);
	if (q->flags & TH_BOTH_MI)
		stun_put_integrity_sha1(b, &k);
	if (c->mi_sha256 || (q->flags & TH_BOTH_MI))
		stun_put_integrity_sha256(b, &k);
	else
		stun_put_integrity_sha1(b, &k);
}

int
th_build(struct th *h, struct th_client *c, const struct th_req *q, uint8_t *buf, size_t cap)
{
	struct stun_builder b;
	int len;

	if (q->tid != NULL) {
		memcpy(c->tid, q->tid, STUN_TID_LEN);
	} else {
		c->seq++;
		memset(c->tid, 0, STUN_TID_LEN);
		c->tid[0] = 'T';
		c->tid[1] = 'H';
		c->tid[2] = c->idx;
		memcpy(c->tid + 4, &c->seq, sizeof(c->seq));
	}
	stun_build_init(&b, buf, cap, q->method, q->cls, c->tid);
	if (q->method == TURN_METHOD_ALLOCATE && q->cls == STUN_CLASS_REQUEST &&
	    !(q->flags & TH_NO_TRANSPORT))
		put_u8x4(&b, STUN_ATTR_REQUESTED_TRANSPORT,
			 q->transport ? q->transport : TURN_TRANSPORT_UDP, 0, 0);
	if (q->flags & TH_DF)
		stun_put_attr(&b, STUN_ATTR_DONT_FRAGMENT, NULL, 0);
	if (q->flags & TH_LIFETIME)
		stun_put_u32(&b, STUN_ATTR_LIFETIME, q->lifetime);
	if (q->flags & TH_EVEN_PORT)
		stun_put_attr(&b, STUN_ATTR_EVEN_PORT, &q->even_port, 1);
	if (q->token != 0) {
		uint8_t t[8];
		for (int i = 0; i < 8; i++)
			t[i] = (uint8_t)(q->token >> (56 - 8 * i));
		stun_put_attr(&b, STUN_ATTR_RESERVATION_TOKEN, t, sizeof(t));
	}
	if (q->raf != 0)
		put_u8x4(&b, STUN_ATTR_REQUESTED_ADDRESS_FAMILY, q->raf, 0, 0);
	if (q->aaf != 0)
		put_u8x4(&b, STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY, q->aaf, 0, 0);
	if (q->channel != 0)
		put_u8x4(&b, STUN_ATTR_CHANNEL_NUMBER, (uint8_t)(q->channel >> 8),
			 (uint8_t)q->channel, 0);
	for (unsigned int i = 0; i < q->n_peer && i < 4; i++)
		stun_put_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &q->peer[i]);
	if (q->data != NULL)
		stun_put_attr(&b, STUN_ATTR_DATA, q->data, q->data_len);
	if (q->flags & TH_CHANGE)
		put_u8x4(&b, STUN_ATTR_CHANGE_REQUEST, 0, 0, q->change);
	if (q->response_port != 0)
		put_u8x4(&b, STUN_ATTR_RESPONSE_PORT, (uint8_t)(q->response_port >> 8),
			 (uint8_t)q->response_port, 0);
	if (q->unknown_attr != 0)
		put_u8x4(&b, q->unknown_attr, 0, 0, 0);
	if (needs_auth(q->method) && q->cls == STUN_CLASS_REQUEST && !(q->flags & TH_NOAUTH) &&
	    c->nonce_len > 0)
		th_put_auth(h, c, q, &b);
	if (c->fingerprint || (q->flags & (TH_FP | TH_BAD_FP)))
		stun_put_fingerprint(&b);
	len = stun_build_finish(&b);
	if (len > 0 && (q->flags & TH_BAD_FP))
		buf[len - 1] ^= 0x01;
	return len;
}

/* ---- parsing what came back ---- */

static void
learn(struct th_client *c, const struct stun_msg *m)
{
	const struct stun_attr *a;

	if (c == NULL)
		return;
	a = stun_msg_attr(m, STUN_SLOT_NONCE);
	if (a != NULL && a->len < sizeof(c->nonce)) {
		memcpy(c->nonce, stun_attr_value(m, a), a->len);
		c->nonce_len = a->len;
	}
	a = stun_msg_attr(m, STUN_SLOT_REALM);
	if (a != NULL && a->len < sizeof(c->realm)) {
		memcpy(c->realm, stun_attr_value(m, a), a->len);
		c->realm[a->len] = 0;
	}
	a = stun_msg_attr(m, STUN_SLOT_PASSWORD_ALGORITHMS);
	if (a != NULL && a->len <= sizeof(c->pw_algs)) {
		memcpy(c->pw_algs, stun_attr_value(m, a), a->len);
		c->pw_algs_len = a->len;
	}
}

static void
parse_stun(struct th_resp *r, struct th_client *c)
{
	struct stun_msg m;
	const struct stun_attr *a;

	if (stun_parse(&m, r->bytes, r->len) != 0)
		return;
	r->stun = true;
	r->cls = m.cls;
	r->method = m.method;
	r->msg_len = stun_rd16(r->bytes + 2);
	memcpy(r->tid, m.tid, STUN_TID_LEN);
	const char *reason;
	size_t rlen;
	if (stun_msg_get_error(&m, &r->error, &reason, &rlen) == 0) {
		if (rlen >= sizeof(r->reason))
			rlen = sizeof(r->reason) - 1;
		memcpy(r->reason, reason, rlen);
		r->reason[rlen] = 0;
	}
	r->has_realm = stun_msg_attr(&m, STUN_SLOT_REALM) != NULL;
	r->has_nonce = stun_msg_attr(&m, STUN_SLOT_NONCE) != NULL;
	r->has_pw_algs = stun_msg_attr(&m, STUN_SLOT_PASSWORD_ALGORITHMS) != NULL;
	r->has_software = stun_msg_attr(&m, STUN_SLOT_SOFTWARE) != NULL;
	r->has_mi = m.mi_hdr_off != 0;
	r->has_mi256 = m.mi256_hdr_off != 0;
	r->has_fp = m.fp_hdr_off != 0;
	r->mi_check = -ENOENT;
	if (c != NULL && c->key_len > 0 && (r->has_mi || r->has_mi256)) {
		struct stun_hmac_key k;
		stun_hmac_key_init(&k, c->key, c->key_len);
		r->mi_check = stun_check_integrity(&m, &k);
	}
	/* Every XOR-RELAYED-ADDRESS, not only the first: walk the bytes. */
	for (size_t off = STUN_HEADER_LEN; off + 4 <= r->len;) {
		uint16_t t = stun_rd16(r->bytes + off), l = stun_rd16(r->bytes + off + 2);
		if (off + 4 + l > r->len)
			break;
		if (t == STUN_ATTR_XOR_RELAYED_ADDRESS && r->n_relayed < 2)
			stun_addr_decode_xor(&r->relayed[r->n_relayed++], r->bytes + off + 4, l,
					     m.tid);
		off += 4 + ((l + 3u) & ~3u);
	}
	r->has_mapped = stun_msg_get_addr(&m, STUN_SLOT_XOR_MAPPED_ADDRESS, &r->mapped) == 0;
	r->has_lifetime = stun_msg_get_u32(&m, STUN_SLOT_LIFETIME, &r->lifetime) == 0;
	a = stun_msg_attr(&m, STUN_SLOT_RESERVATION_TOKEN);
	if (a != NULL && a->len == 8) {
		r->has_token = true;
		for (int i = 0; i < 8; i++)
			r->token = r->token << 8 | stun_attr_value(&m, a)[i];
	}
	a = stun_msg_attr(&m, STUN_SLOT_ADDRESS_ERROR_CODE);
	if (a != NULL && a->len >= 4) {
		const uint8_t *v = stun_attr_value(&m, a);
		r->addr_err_family = v[0];
		r->addr_err_code = (uint16_t)((v[2] & 7) * 100 + v[3]);
	}
	a = stun_msg_attr(&m, STUN_SLOT_UNKNOWN_ATTRIBUTES);
	if (a != NULL)
		for (unsigned int i = 0; i + 1 < a->len && r->n_unknown < 8; i += 2)
			r->unknown[r->n_unknown++] = stun_rd16(stun_attr_value(&m, a) + i);
	r->has_alternate = stun_msg_get_addr(&m, STUN_SLOT_ALTERNATE_SERVER, &r->alternate) == 0;
	r->has_origin = stun_msg_get_addr(&m, STUN_SLOT_RESPONSE_ORIGIN, &r->origin) == 0;
	r->has_other = stun_msg_get_addr(&m, STUN_SLOT_OTHER_ADDRESS, &r->other) == 0;
	if (m.n_peer > 0)
		stun_msg_get_peer(&m, 0, &r->peer);
	a = stun_msg_attr(&m, STUN_SLOT_DATA);
	if (a != NULL) {
		r->data = r->bytes + a->off;
		r->data_len = a->len;
	}
	if (r->cls == STUN_CLASS_ERROR || r->cls == STUN_CLASS_SUCCESS)
		learn(c, &m);
}

static void
capture(struct th *h, struct th_client *c)
{
	struct th_resp *r = &h->resp;
	int n;

	memset(r, 0, sizeof(*r));
	r->verdict = h->out.verdict;
	r->drop = h->out.drop;
	r->src = h->out.src;
	r->dst = h->out.dst;
	switch (h->out.verdict) {
	case TURN_REPLY:
	case TURN_TO_CLIENT:
		n = turn_out_flatten(&h->out, r->bytes, sizeof(r->bytes));
		if (n < 0)
			return;
		r->len = (size_t)n;
		if (h->out.verdict == TURN_TO_CLIENT && (r->bytes[0] & 0xC0) == 0x40) {
			r->channel = stun_rd16(r->bytes);
			r->data = r->bytes + TURN_CHANNELDATA_HDR_LEN;
			r->data_len = stun_rd16(r->bytes + 2);
		} else {
			parse_stun(r, c);
		}
		break;
	case TURN_TO_PEER:
		r->peer = h->out.dst;
		r->data = h->out.payload;
		r->data_len = h->out.payload_len;
		break;
	default:
		break;
	}
}

enum turn_verdict
th_input(struct th *h, struct th_client *c, const uint8_t *pkt, size_t len)
{
	turn_relay_pool_set_time(h->pool, h->now);
	turn_server_handle_client(h->s, &c->ft, pkt, len, h->now, h->obuf, sizeof(h->obuf),
				  &h->out);
	capture(h, c);
	return h->out.verdict;
}

enum turn_verdict
th_request(struct th *h, struct th_client *c, const struct th_req *q)
{
	int n = th_build(h, c, q, h->req, sizeof(h->req));

	if (n < 0) {
		fprintf(stderr, "th_request: build failed (%d)\n", n);
		abort();
	}
	h->req_len = (size_t)n;
	return th_input(h, c, h->req, h->req_len);
}

enum turn_verdict
th_retransmit(struct th *h, struct th_client *c)
{
	return th_input(h, c, h->req, h->req_len);
}

enum turn_verdict
th_peer(struct th *h, const struct stun_addr *peer, const struct stun_addr *relay,
	const uint8_t *data, size_t len)
{
	turn_relay_pool_set_time(h->pool, h->now);
	turn_server_handle_peer(h->s, peer, relay, data, len, h->now, h->obuf, sizeof(h->obuf),
				&h->out);
	capture(h, NULL);
	return h->out.verdict;
}

static int
result(struct th *h)
{
	return h->out.verdict == TURN_REPLY ? h->resp.error : -1;
}

/* A client answers 438 by retrying once with the fresh nonce. */
static int
exchange(struct th *h, struct th_client *c, const struct th_req *q)
{
	th_request(h, c, q);
	if (result(h) == STUN_ERR_STALE_NONCE)
		th_request(h, c, q);
	return result(h);
}

int
th_allocate(struct th *h, struct th_client *c, const struct th_req *q)
{
	struct th_req r;

	if (q != NULL)
		r = *q;
	else
		memset(&r, 0, sizeof(r));
	r.method = TURN_METHOD_ALLOCATE;
	r.cls = STUN_CLASS_REQUEST;
	if (c->nonce_len == 0) {
		th_request(h, c, &r);
		if (result(h) != STUN_ERR_UNAUTHENTICATED)
			return result(h);
	}
	return exchange(h, c, &r);
}

int
th_refresh(struct th *h, struct th_client *c, bool has_lifetime, uint32_t lifetime)
{
	struct th_req r = {
		.method = TURN_METHOD_REFRESH,
		.flags = has_lifetime ? TH_LIFETIME : 0,
		.lifetime = lifetime,
	};

	return exchange(h, c, &r);
}

int
th_permit(struct th *h, struct th_client *c, const struct stun_addr *peer)
{
	struct th_req r = { .method = TURN_METHOD_CREATE_PERMISSION, .n_peer = 1 };

	r.peer[0] = *peer;
	return exchange(h, c, &r);
}

int
th_bind(struct th *h, struct th_client *c, uint16_t channel, const struct stun_addr *peer)
{
	struct th_req r = { .method = TURN_METHOD_CHANNEL_BIND, .channel = channel, .n_peer = 1 };

	r.peer[0] = *peer;
	return exchange(h, c, &r);
}

enum turn_verdict
th_send(struct th *h, struct th_client *c, const struct stun_addr *peer, const uint8_t *data,
	uint16_t len)
{
	struct th_req r = {
		.method = TURN_METHOD_SEND,
		.cls = STUN_CLASS_INDICATION,
		.n_peer = 1,
		.data = data,
		.data_len = len,
	};

	r.peer[0] = *peer;
	return th_request(h, c, &r);
}

enum turn_verdict
th_channeldata(struct th *h, struct th_client *c, uint16_t channel, const uint8_t *data,
	       uint16_t len, bool pad)
{
	int n = channeldata_build(h->req, sizeof(h->req), channel, data, len, pad);

	if (n < 0) {
		fprintf(stderr, "th_channeldata: build failed (%d)\n", n);
		abort();
	}
	h->req_len = (size_t)n;
	return th_input(h, c, h->req, h->req_len);
}

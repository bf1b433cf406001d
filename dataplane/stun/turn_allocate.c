/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Allocate and Refresh (RFC 8656 sections 7.2 and 7.3), and the checks
 * every request on an existing allocation shares: 437 without one, 441
 * for other credentials, and replay of the stored answer for a
 * retransmission (RFC 8489 6.3.1: a request is applied once).
 */
#include <errno.h>
#include <string.h>

#include "turn_server_priv.h"

uint32_t
turn_lifetime_grant(const struct turn_server *s, const struct stun_msg *m)
{
	uint32_t v = s->cfg.default_lifetime;

	/* RFC 8656 7.2: the smaller of the request and our maximum, but
	 * never below the default. */
	if (stun_msg_get_u32(m, STUN_SLOT_LIFETIME, &v) != 0)
		v = s->cfg.default_lifetime;
	if (v < s->cfg.default_lifetime)
		v = s->cfg.default_lifetime;
	if (v > s->cfg.max_lifetime)
		v = s->cfg.max_lifetime;
	return v;
}

void
turn_txn_store(struct turn_req *r, struct turn_allocation *a, uint16_t error, uint32_t lifetime)
{
	memcpy(a->last.tid, r->m->tid, STUN_TID_LEN);
	a->last.method = r->m->method;
	a->last.error = error;
	a->last.lifetime = lifetime;
	a->last.alg = r->alg & 3;
	a->last.sha256 = r->sha256;
	a->last.valid = 1;
}

void
turn_txn_error(struct turn_req *r, struct turn_allocation *a, uint16_t code)
{
	turn_txn_store(r, a, code, 0);
	turn_reply_error(r, code, NULL);
	r->out->alloc = a;
}

static void
refresh_success(struct turn_req *r, uint32_t lifetime)
{
	struct stun_builder b;

	turn_reply_begin(r, &b, STUN_CLASS_SUCCESS);
	stun_put_u32(&b, STUN_ATTR_LIFETIME, lifetime);
	turn_reply_finish(r, &b, 0);
}

/*
 * The stored answer, rebuilt from what was stored rather than kept as
 * bytes: the same attributes under the same key give the same bytes, and
 * the allocation stays small.
 */
static void
txn_replay(struct turn_req *r, struct turn_allocation *a)
{
	const struct turn_last_txn *t = &a->last;

	if (t->error != 0)
		turn_reply_error(r, t->error, NULL);
	else if (t->method == TURN_METHOD_REFRESH)
		refresh_success(r, t->lifetime);
	else
		turn_reply_ok(r);
	r->out->alloc = a;
}

struct turn_allocation *
turn_alloc_for_request(struct turn_req *r)
{
	const struct stun_msg *m = r->m;
	struct turn_allocation *a = turn_alloc_find(r->s, r->ft, r->now);

	if (a == NULL) {
		turn_reply_error(r, STUN_ERR_ALLOCATION_MISMATCH, NULL);
		return NULL;
	}
	if (memcmp(a->userhash, r->userhash, STUN_USERHASH_LEN) != 0) {
		turn_reply_error(r, STUN_ERR_WRONG_CREDENTIALS, NULL);
		return NULL;
	}
	if (a->last.valid && a->last.method == m->method &&
	    memcmp(a->last.tid, m->tid, STUN_TID_LEN) == 0) {
		txn_replay(r, a);
		return NULL;
	}
	return a;
}

/* ---- Allocate ---- */

static void
put_address_error(struct stun_builder *b, uint8_t family, uint16_t code)
{
	const char *reason = stun_error_reason(code);
	size_t rlen = strlen(reason);
	uint8_t *v = stun_put_reserve(b, STUN_ATTR_ADDRESS_ERROR_CODE, 4 + rlen);

	/* RFC 8656 18.13: family, 13 reserved bits, class (3 bits), number. */
	if (v == NULL)
		return;
	v[0] = family;
	v[1] = 0;
	v[2] = (uint8_t)((code / 100) & 0x7);
	v[3] = (uint8_t)(code % 100);
	memcpy(v + 4, reason, rlen);
}

static void
allocate_success(struct turn_req *r, struct turn_allocation *a)
{
	struct stun_builder b;

	turn_reply_begin(r, &b, STUN_CLASS_SUCCESS);
	for (unsigned int i = 0; i < a->n_relay && i < 2; i++)
		stun_put_xor_addr(&b, STUN_ATTR_XOR_RELAYED_ADDRESS, &a->relay[i]);
	stun_put_u32(&b, STUN_ATTR_LIFETIME, a->lifetime);
	stun_put_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &a->ft.client);
	if (a->reservation_token != 0) {
		uint8_t tok[8];
		for (int i = 0; i < 8; i++)
			tok[i] = (uint8_t)(a->reservation_token >> (56 - 8 * i));
		stun_put_attr(&b, STUN_ATTR_RESERVATION_TOKEN, tok, sizeof(tok));
	}
	/* Only the additional (IPv6) family of a dual allocation can fail
	 * without failing the request. */
	if (a->addr_error != 0)
		put_address_error(&b, STUN_FAMILY_IPV6, a->addr_error);
	turn_reply_finish(r, &b, 0);
	r->out->alloc = a;
}

/* What the Allocate request asks for, validated. */
struct alloc_params {
	uint8_t family;           /* of the first relay */
	bool dual;                /* ADDITIONAL-ADDRESS-FAMILY IPv6 */
	bool dont_fragment;
	unsigned int flags;       /* TURN_RELAY_* */
	uint64_t token;           /* RESERVATION-TOKEN, 0 if none */
};

/*
 * RFC 8656 7.2 steps 3-8 (attributes). Returns 0 or the error code.
 */
static uint16_t
allocate_params(const struct stun_msg *m, struct alloc_params *p)
{
	const struct stun_attr *tr = stun_msg_attr(m, STUN_SLOT_REQUESTED_TRANSPORT);
	const struct stun_attr *even = stun_msg_attr(m, STUN_SLOT_EVEN_PORT);
	const struct stun_attr *tok = stun_msg_attr(m, STUN_SLOT_RESERVATION_TOKEN);
	const struct stun_attr *raf = stun_msg_attr(m, STUN_SLOT_REQUESTED_ADDRESS_FAMILY);
	const struct stun_attr *aaf = stun_msg_attr(m, STUN_SLOT_ADDITIONAL_ADDRESS_FAMILY);

	memset(p, 0, sizeof(*p));
	p->family = STUN_FAMILY_IPV4;
	if (tr == NULL || tr->len < 1)
		return STUN_ERR_BAD_REQUEST;
	if (stun_attr_value(m, tr)[0] != TURN_TRANSPORT_UDP)
		return STUN_ERR_UNSUPPORTED_TRANSPORT;
	/* We can always set DF on a UDP relay, so DONT-FRAGMENT is honoured
	 * rather than refused with 420. */
	p->dont_fragment = stun_msg_attr(m, STUN_SLOT_DONT_FRAGMENT) != NULL;
	if (tok != NULL && (even != NULL || raf != NULL))
		return STUN_ERR_BAD_REQUEST;
	if (raf != NULL && aaf != NULL)
		return STUN_ERR_BAD_REQUEST;
	if (aaf != NULL) {
		if (aaf->len < 1 || stun_attr_value(m, aaf)[0] != STUN_FAMILY_IPV6)
			return STUN_ERR_BAD_REQUEST;
		p->dual = true;
	}
	if (raf != NULL) {
		uint8_t f = raf->len >= 1 ? stun_attr_value(m, raf)[0] : 0;
		if (f != STUN_FAMILY_IPV4 && f != STUN_FAMILY_IPV6)
			return STUN_ERR_ADDRESS_FAMILY_NOT_SUPPORTED;
		p->family = f;
	}
	if (tok != NULL) {
		const uint8_t *v = stun_attr_value(m, tok);
		if (tok->len != 8)
			return STUN_ERR_BAD_REQUEST;
		for (int i = 0; i < 8; i++)
			p->token = p->token << 8 | v[i];
		/* A zero token cannot have been issued by us. */
		if (p->token == 0)
			return STUN_ERR_INSUFFICIENT_CAPACITY;
	}
	if (even != NULL) {
		if (even->len < 1)
			return STUN_ERR_BAD_REQUEST;
		p->flags = TURN_RELAY_EVEN;
		if (stun_attr_value(m, even)[0] & TURN_EVEN_PORT_RESERVE)
			p->flags |= TURN_RELAY_RESERVE_NEXT;
	}
	return 0;
}

static uint16_t
relay_error(int rc)
{
	return rc == -EAFNOSUPPORT ? STUN_ERR_ADDRESS_FAMILY_NOT_SUPPORTED :
				     STUN_ERR_INSUFFICIENT_CAPACITY;
}

/*
 * Allocate (RFC 8656 7.2): after authentication, an existing allocation
 * on the 5-tuple answers a retransmission with the original success and
 * anything else with 437; then draining (403), the attribute checks,
 * ALTERNATE-SERVER (300), the quota (486/508), the relay addresses
 * (440/508), and the table (508). Resources taken are given back on
 * every failure; nothing is stored unless the answer is a success.
 */
void
turn_allocate(struct turn_req *r)
{
	struct turn_server *s = r->s;
	struct turn_allocation *a = turn_alloc_find(s, r->ft, r->now);
	struct stun_addr relay[2];
	struct alloc_params p;
	uint64_t token_out = 0;
	uint32_t quota = 0;
	uint16_t code, addr_error = 0;
	unsigned int n_relay = 0;
	int rc;

	if (a != NULL) {
		if (memcmp(a->alloc_tid, r->m->tid, STUN_TID_LEN) == 0 &&
		    memcmp(a->userhash, r->userhash, STUN_USERHASH_LEN) == 0)
			allocate_success(r, a);
		else
			turn_reply_error(r, STUN_ERR_ALLOCATION_MISMATCH, NULL);
		return;
	}
	if (s->draining) {
		turn_reply_error(r, STUN_ERR_FORBIDDEN, "Server is draining");
		return;
	}
	code = allocate_params(r->m, &p);
	if (code != 0) {
		turn_reply_error(r, code, NULL);
		return;
	}
	if (s->cfg.alternate.family != 0) {
		struct stun_builder b;

		turn_reply_begin(r, &b, STUN_CLASS_ERROR);
		stun_put_error(&b, STUN_ERR_TRY_ALTERNATE, NULL);
		stun_put_addr(&b, STUN_ATTR_ALTERNATE_SERVER, &s->cfg.alternate);
		turn_reply_finish(r, &b, STUN_ERR_TRY_ALTERNATE);
		return;
	}

	if (s->hooks.quota_acquire != NULL) {
		rc = s->hooks.quota_acquire(s->ctx, r->user != NULL ? r->user : "", r->user_len,
					    &quota);
		if (rc != 0) {
			turn_reply_error(r, rc == -EDQUOT ? STUN_ERR_ALLOCATION_QUOTA_REACHED :
							    STUN_ERR_INSUFFICIENT_CAPACITY,
					 NULL);
			return;
		}
	}
	memset(relay, 0, sizeof(relay));
	rc = s->hooks.relay_alloc(s->ctx, p.family, p.flags, p.token, &relay[0], &token_out);
	/* A token cannot come with REQUESTED-ADDRESS-FAMILY, yet it may have
	 * been issued for an IPv6 allocation: the hook only knows it there. */
	if (p.token != 0 && (rc == -ENOENT || rc == -EAFNOSUPPORT)) {
		rc = s->hooks.relay_alloc(s->ctx, STUN_FAMILY_IPV6, p.flags, p.token, &relay[0],
					  &token_out);
		/* Unknown under either family: 508 (RFC 8656 7.2), not 440. */
		if (rc != 0)
			rc = -ENOENT;
	}
	if (rc != 0) {
		code = relay_error(rc);
		goto err_quota;
	}
	n_relay = 1;
	if (p.dual) {
		uint64_t unused = 0;

		/* RFC 8656 7.2: the IPv4 relay alone is a success, with
		 * ADDRESS-ERROR-CODE saying why IPv6 is missing. */
		rc = s->hooks.relay_alloc(s->ctx, STUN_FAMILY_IPV6, p.flags & TURN_RELAY_EVEN, 0,
					  &relay[1], &unused);
		if (rc == 0)
			n_relay = 2;
		else
			addr_error = relay_error(rc);
	}

	a = s->tops->insert(s->table, r->ft);
	if (a == NULL) {
		code = STUN_ERR_INSUFFICIENT_CAPACITY;
		goto err_relay;
	}
	a->ft = *r->ft;
	memcpy(a->relay, relay, sizeof(relay));
	a->n_relay = (uint8_t)n_relay;
	if (s->tops->index_relay(s->table, a) != 0) {
		s->tops->remove(s->table, a);
		code = STUN_ERR_INSUFFICIENT_CAPACITY;
		goto err_relay;
	}
	a->dont_fragment = p.dont_fragment;
	a->addr_error = addr_error;
	a->lifetime = turn_lifetime_grant(s, r->m);
	/* u32 Unix seconds: exact until 2106, then saturated. */
	a->created = r->now > UINT32_MAX ? UINT32_MAX : (uint32_t)r->now;
	a->expires = r->now + a->lifetime;
	a->rest_expiry = r->rest_expiry > UINT32_MAX ? UINT32_MAX : (uint32_t)r->rest_expiry;
	a->quota_handle = quota;
	memcpy(a->userhash, r->userhash, STUN_USERHASH_LEN);
	memcpy(a->alloc_tid, r->m->tid, STUN_TID_LEN);
	a->reservation_token = (p.flags & TURN_RELAY_RESERVE_NEXT) ? token_out : 0;
	turn_txn_store(r, a, 0, a->lifetime);
	a->seq = (uint16_t)s->stats.allocations;
	s->stats.allocations++;
	s->stats.allocations_active++;
	if (s->hooks.event != NULL)
		s->hooks.event(s->ctx, TURN_EVENT_ALLOCATED, a);
	allocate_success(r, a);
	return;

err_relay:
	for (unsigned int i = 0; i < n_relay; i++)
		if (s->hooks.relay_free != NULL)
			s->hooks.relay_free(s->ctx, &relay[i]);
err_quota:
	if (s->hooks.quota_release != NULL)
		s->hooks.quota_release(s->ctx, quota);
	turn_reply_error(r, code, NULL);
}

/* ---- Refresh ---- */

/*
 * Refresh (RFC 8656 7.3): LIFETIME 0 deletes the allocation and answers
 * LIFETIME 0; otherwise the lifetime is granted as for Allocate.
 * REQUESTED-ADDRESS-FAMILY must name a family the allocation has (443).
 */
void
turn_refresh(struct turn_req *r)
{
	struct turn_server *s = r->s;
	struct turn_allocation *a = turn_alloc_for_request(r);
	const struct stun_attr *raf;
	uint32_t lifetime;

	if (a == NULL)
		return;
	raf = stun_msg_attr(r->m, STUN_SLOT_REQUESTED_ADDRESS_FAMILY);
	if (raf != NULL &&
	    (raf->len < 1 || turn_alloc_relay(a, stun_attr_value(r->m, raf)[0]) == NULL)) {
		turn_txn_error(r, a, STUN_ERR_PEER_ADDRESS_FAMILY_MISMATCH);
		return;
	}
	if (stun_msg_get_u32(r->m, STUN_SLOT_LIFETIME, &lifetime) == 0 && lifetime == 0) {
		turn_alloc_remove(s, a, TURN_EVENT_DELETED);
		refresh_success(r, 0);
		return;
	}
	lifetime = turn_lifetime_grant(s, r->m);
	a->expires = r->now + lifetime;
	turn_txn_store(r, a, 0, lifetime);
	if (s->hooks.event != NULL)
		s->hooks.event(s->ctx, TURN_EVENT_REFRESHED, a);
	refresh_success(r, lifetime);
	r->out->alloc = a;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CreatePermission and ChannelBind (RFC 8656 sections 9 and 11), and the
 * fixed per-allocation permission and channel slots they fill. Slots
 * expire lazily: a permission whose time has passed is simply not live,
 * and its slot is reused; a channel slot stays reserved for
 * TURN_CHANNEL_QUARANTINE seconds after it lapses (RFC 8656 12).
 * Both requests are all-or-nothing: every check, capacity included, is
 * done before the first slot is written.
 */
#include <string.h>

#include "turn_server_priv.h"

static bool
perm_live(const struct turn_perm *p, uint64_t now)
{
	return p->family != 0 && p->expires > now;
}

static bool
perm_matches(const struct turn_perm *p, const struct stun_addr *peer)
{
	return p->family == peer->family && memcmp(p->ip, peer->ip, stun_addr_iplen(peer)) == 0;
}

struct turn_perm *
turn_perm_find(struct turn_allocation *a, const struct stun_addr *peer, uint64_t now)
{
	for (unsigned int i = 0; i < TURN_MAX_PERMISSIONS; i++)
		if (perm_live(&a->perm[i], now) && perm_matches(&a->perm[i], peer))
			return &a->perm[i];
	return NULL;
}

static unsigned int
perm_free_slots(const struct turn_allocation *a, uint64_t now)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < TURN_MAX_PERMISSIONS; i++)
		n += !perm_live(&a->perm[i], now);
	return n;
}

/*
 * Install or refresh the permission for @peer's IP. The caller has made
 * sure a slot is available. Prefers the peer's own lapsed slot so one IP
 * never holds two.
 */
static void
perm_install(struct turn_server *s, struct turn_allocation *a, const struct stun_addr *peer,
	     uint64_t now)
{
	struct turn_perm *p = turn_perm_find(a, peer, now);

	if (p == NULL) {
		for (unsigned int i = 0; i < TURN_MAX_PERMISSIONS && p == NULL; i++)
			if (a->perm[i].family != 0 && perm_matches(&a->perm[i], peer))
				p = &a->perm[i];
		for (unsigned int i = 0; i < TURN_MAX_PERMISSIONS && p == NULL; i++)
			if (!perm_live(&a->perm[i], now))
				p = &a->perm[i];
		if (p == NULL)
			return;
		memset(p, 0, sizeof(*p));
		p->family = peer->family;
		memcpy(p->ip, peer->ip, stun_addr_iplen(peer));
		s->stats.permissions++;
	}
	p->expires = now + s->cfg.permission_lifetime;
}

/* Bound (usable) until expires, then quarantined. */
static bool
chan_live(const struct turn_channel *c, uint64_t now)
{
	return c->number != 0 && c->expires > now;
}

static bool
chan_held(const struct turn_channel *c, uint64_t now)
{
	return c->number != 0 && c->expires + TURN_CHANNEL_QUARANTINE > now;
}

struct turn_channel *
turn_chan_by_number(struct turn_allocation *a, uint16_t number, uint64_t now)
{
	for (unsigned int i = 0; i < TURN_MAX_CHANNELS; i++)
		if (a->chan[i].number == number && chan_live(&a->chan[i], now))
			return &a->chan[i];
	return NULL;
}

struct turn_channel *
turn_chan_by_peer(struct turn_allocation *a, const struct stun_addr *peer, uint64_t now)
{
	for (unsigned int i = 0; i < TURN_MAX_CHANNELS; i++)
		if (chan_live(&a->chan[i], now) && stun_addr_equal(&a->chan[i].peer, peer))
			return &a->chan[i];
	return NULL;
}

static bool
peer_allowed(struct turn_server *s, const struct stun_addr *peer)
{
	return s->hooks.peer_allowed == NULL || s->hooks.peer_allowed(s->ctx, peer);
}

static void
notify(struct turn_server *s, enum turn_event ev, const struct turn_allocation *a)
{
	if (s->hooks.event != NULL)
		s->hooks.event(s->ctx, ev, a);
}

/*
 * CreatePermission (RFC 8656 9.2): every XOR-PEER-ADDRESS must decode
 * (400), be of a family the allocation relays (443) and pass the peer
 * policy (403); then all are installed, or none if the slots do not
 * suffice (508). Ports are ignored: permissions are per IP.
 */
void
turn_create_permission(struct turn_req *r)
{
	struct turn_server *s = r->s;
	const struct stun_msg *m = r->m;
	struct turn_allocation *a = turn_alloc_for_request(r);
	struct stun_addr peer[STUN_MAX_PEER_ADDRS];
	unsigned int need = 0;

	if (a == NULL)
		return;
	if (m->n_peer == 0) {
		turn_txn_error(r, a, STUN_ERR_BAD_REQUEST);
		return;
	}
	/* More peers than the parser keeps would not fit our slots anyway. */
	if (m->n_peer_dropped > 0) {
		turn_txn_error(r, a, STUN_ERR_INSUFFICIENT_CAPACITY);
		return;
	}
	for (unsigned int i = 0; i < m->n_peer; i++) {
		if (stun_msg_get_peer(m, i, &peer[i]) != 0) {
			turn_txn_error(r, a, STUN_ERR_BAD_REQUEST);
			return;
		}
	}
	for (unsigned int i = 0; i < m->n_peer; i++) {
		if (turn_alloc_relay(a, peer[i].family) == NULL) {
			turn_txn_error(r, a, STUN_ERR_PEER_ADDRESS_FAMILY_MISMATCH);
			return;
		}
	}
	for (unsigned int i = 0; i < m->n_peer; i++) {
		if (!peer_allowed(s, &peer[i])) {
			turn_txn_error(r, a, STUN_ERR_FORBIDDEN);
			return;
		}
	}
	/* Slots needed: distinct IPs without a live permission. */
	for (unsigned int i = 0; i < m->n_peer; i++) {
		bool dup = false;
		for (unsigned int j = 0; j < i && !dup; j++)
			dup = stun_addr_ip_equal(&peer[i], &peer[j]);
		if (!dup && turn_perm_find(a, &peer[i], r->now) == NULL)
			need++;
	}
	if (need > perm_free_slots(a, r->now)) {
		turn_txn_error(r, a, STUN_ERR_INSUFFICIENT_CAPACITY);
		return;
	}
	for (unsigned int i = 0; i < m->n_peer; i++)
		perm_install(s, a, &peer[i], r->now);
	turn_txn_store(r, a, 0, 0);
	notify(s, TURN_EVENT_PERMISSION, a);
	turn_reply_ok(r);
	r->out->alloc = a;
}

/*
 * The slot a ChannelBind of @number to @peer would use: the one already
 * holding exactly this pair (a refresh, allowed even in quarantine), else
 * a free one. Returns 0, or the error code: 400 when the number or the
 * peer is held by another pair (bound or quarantined), 508 when no slot
 * is free.
 */
static uint16_t
chan_slot(struct turn_allocation *a, uint16_t number, const struct stun_addr *peer,
	  uint64_t now, struct turn_channel **slot)
{
	struct turn_channel *same = NULL, *free_slot = NULL;

	for (unsigned int i = 0; i < TURN_MAX_CHANNELS; i++) {
		struct turn_channel *c = &a->chan[i];
		bool num_eq, peer_eq;

		if (!chan_held(c, now)) {
			if (free_slot == NULL)
				free_slot = c;
			continue;
		}
		num_eq = c->number == number;
		peer_eq = stun_addr_equal(&c->peer, peer);
		if (num_eq && peer_eq)
			same = c;
		else if (num_eq || peer_eq)
			return STUN_ERR_BAD_REQUEST;
	}
	*slot = same != NULL ? same : free_slot;
	return *slot != NULL ? 0 : STUN_ERR_INSUFFICIENT_CAPACITY;
}

/*
 * ChannelBind (RFC 8656 11.2): one CHANNEL-NUMBER in range and exactly
 * one XOR-PEER-ADDRESS (400), a relayed family (443), the peer policy
 * (403), the binding rules (400) and capacity for both the channel and
 * the permission it implies (508); then the channel is bound or
 * refreshed for channel_lifetime and the peer's permission installed or
 * refreshed.
 */
void
turn_channel_bind(struct turn_req *r)
{
	struct turn_server *s = r->s;
	const struct stun_msg *m = r->m;
	struct turn_allocation *a = turn_alloc_for_request(r);
	const struct stun_attr *cn;
	struct turn_channel *c = NULL;
	struct stun_addr peer;
	uint16_t number, code;
	bool fresh;

	if (a == NULL)
		return;
	cn = stun_msg_attr(m, STUN_SLOT_CHANNEL_NUMBER);
	if (cn == NULL || cn->len < 2 || m->n_peer != 1 || m->n_peer_dropped != 0 ||
	    stun_msg_get_peer(m, 0, &peer) != 0) {
		turn_txn_error(r, a, STUN_ERR_BAD_REQUEST);
		return;
	}
	number = (uint16_t)(stun_attr_value(m, cn)[0] << 8 | stun_attr_value(m, cn)[1]);
	if (number < s->cfg.channel_min || number > s->cfg.channel_max) {
		turn_txn_error(r, a, STUN_ERR_BAD_REQUEST);
		return;
	}
	if (turn_alloc_relay(a, peer.family) == NULL) {
		turn_txn_error(r, a, STUN_ERR_PEER_ADDRESS_FAMILY_MISMATCH);
		return;
	}
	if (!peer_allowed(s, &peer)) {
		turn_txn_error(r, a, STUN_ERR_FORBIDDEN);
		return;
	}
	code = chan_slot(a, number, &peer, r->now, &c);
	if (code == 0 && turn_perm_find(a, &peer, r->now) == NULL &&
	    perm_free_slots(a, r->now) == 0)
		code = STUN_ERR_INSUFFICIENT_CAPACITY;
	if (code != 0) {
		turn_txn_error(r, a, code);
		return;
	}
	fresh = c->number != number || !stun_addr_equal(&c->peer, &peer);
	if (fresh) {
		memset(c, 0, sizeof(*c));
		c->number = number;
		c->peer = peer;
		s->stats.channels++;
	}
	c->expires = r->now + s->cfg.channel_lifetime;
	perm_install(s, a, &peer, r->now);
	turn_txn_store(r, a, 0, 0);
	notify(s, TURN_EVENT_CHANNEL, a);
	turn_reply_ok(r);
	r->out->alloc = a;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CreatePermission and ChannelBind (RFC 8656 sections 9 and 11), and the
 * per-allocation permission and channel slots they fill. Slots expire
 * lazily: a permission whose time has passed is simply not live, and its
 * slot is reused; a channel slot stays reserved for
 * TURN_CHANNEL_QUARANTINE seconds after it lapses (RFC 8656 12).
 * Both requests are all-or-nothing: every check, capacity included, is
 * done before the first slot is written.
 *
 * Where slots live: TURN_INLINE_PERMS / TURN_INLINE_CHANNELS in the
 * allocation, then, up to TURN_MAX_PERMISSIONS / TURN_MAX_CHANNELS,
 * in overflow blocks of TURN_OVERFLOW_RECS records from the server's pool
 * (one chain per kind, linked by 1-based pool index). Before a request
 * changes them, an allocation's records are compacted: those still in use
 * (live permissions, bound or quarantined channels) move to the front,
 * inline first, and blocks left empty go back to the pool; the sweep does
 * the same for every allocation it visits, and removal gives back all.
 * Lookups on the relay path read the inline records first and only then
 * follow the chain. This is the only file that reads or writes records.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "turn_server_priv.h"

_Static_assert(TURN_CHANNEL_MAX_RFC5766 <= 0x7FFF, "channel numbers are kept in 15 bits");
_Static_assert((TURN_MAX_PERMISSIONS - TURN_INLINE_PERMS) % TURN_OVERFLOW_RECS == 0,
	       "permission overflow fills whole blocks");
_Static_assert((TURN_MAX_CHANNELS - TURN_INLINE_CHANNELS) % TURN_OVERFLOW_RECS == 0,
	       "channel overflow fills whole blocks");

/* Every slot an allocation can have, inline and in overflow blocks. */
#define PERM_SLOTS (TURN_INLINE_PERMS + TURN_OVF_PERM_BLOCKS * TURN_OVERFLOW_RECS)
#define CHAN_SLOTS (TURN_INLINE_CHANNELS + TURN_OVF_CHAN_BLOCKS * TURN_OVERFLOW_RECS)

/* Unix seconds as kept in records: exact until 2106, then saturated. */
static uint32_t
time32(uint64_t t)
{
	return t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

/* ---- the overflow pool ---- */

static struct turn_ovf_block *
ovf_blk(const struct turn_server *s, uint32_t idx)
{
	return &s->ovf.blocks[idx - 1];
}

int
turn_ovf_init(struct turn_server *s, uint32_t n)
{
	struct turn_ovf_pool *p = &s->ovf;

	p->blocks = calloc(n, sizeof(*p->blocks));
	if (p->blocks == NULL)
		return -ENOMEM;
	p->n = n;
	for (uint32_t i = 1; i <= n; i++)
		ovf_blk(s, i)->next = i < n ? i + 1 : 0;
	p->free_head = n > 0 ? 1 : 0;
	p->n_free = n;
	s->stats.overflow_blocks_total = n;
	s->stats.overflow_blocks_used = 0;
	return 0;
}

void
turn_ovf_fini(struct turn_server *s)
{
	free(s->ovf.blocks);
	memset(&s->ovf, 0, sizeof(s->ovf));
}

/* A zeroed block pushed on the front of the chain at @head; the caller
 * has checked that the pool holds one. */
static struct turn_ovf_block *
ovf_take(struct turn_server *s, uint32_t *head)
{
	uint32_t idx = s->ovf.free_head;
	struct turn_ovf_block *b = ovf_blk(s, idx);

	s->ovf.free_head = b->next;
	s->ovf.n_free--;
	s->stats.overflow_blocks_used++;
	memset(b, 0, sizeof(*b));
	b->next = *head;
	*head = idx;
	return b;
}

/* Give back the chain from *link on, and end the chain there. */
static void
ovf_put_chain(struct turn_server *s, uint32_t *link)
{
	uint32_t idx = *link;

	*link = 0;
	while (idx != 0) {
		struct turn_ovf_block *b = ovf_blk(s, idx);
		uint32_t next = b->next;

		b->next = s->ovf.free_head;
		s->ovf.free_head = idx;
		s->ovf.n_free++;
		s->stats.overflow_blocks_used--;
		idx = next;
	}
}

/* Keep the first @keep blocks of the chain at *head, give back the rest. */
static void
ovf_keep(struct turn_server *s, uint32_t *head, unsigned int keep)
{
	uint32_t *link = head;

	while (keep-- > 0 && *link != 0)
		link = &ovf_blk(s, *link)->next;
	ovf_put_chain(s, link);
}

/* 508 for want of pool blocks: counted, so an undersized pool shows. */
static bool
ovf_available(struct turn_server *s, unsigned int blocks)
{
	if (blocks <= s->ovf.n_free)
		return true;
	s->stats.overflow_exhausted++;
	return false;
}

/* ---- permissions ---- */

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

static const struct turn_perm *
perm_in(const struct turn_perm *p, unsigned int n, const struct stun_addr *peer, uint64_t now)
{
	for (unsigned int i = 0; i < n; i++)
		if (perm_live(&p[i], now) && perm_matches(&p[i], peer))
			return &p[i];
	return NULL;
}

/* The relay path: inline records, then the chain. */
const struct turn_perm *
turn_perm_find(const struct turn_server *s, const struct turn_allocation *a,
	       const struct stun_addr *peer, uint64_t now)
{
	const struct turn_perm *p = perm_in(a->perm, TURN_INLINE_PERMS, peer, now);

	for (uint32_t b = a->perm_ovf; p == NULL && b != 0; b = ovf_blk(s, b)->next)
		p = perm_in(ovf_blk(s, b)->perm, TURN_OVERFLOW_RECS, peer, now);
	return p;
}

/* Pointers to every permission slot, inline first; returns the count.
 * Writable because the records are: the allocation's and the pool's. */
static unsigned int
perm_slots(const struct turn_server *s, const struct turn_allocation *a,
	   struct turn_perm *slot[PERM_SLOTS])
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < TURN_INLINE_PERMS; i++)
		slot[n++] = (struct turn_perm *)&a->perm[i];
	for (uint32_t b = a->perm_ovf; b != 0 && n < PERM_SLOTS; b = ovf_blk(s, b)->next)
		for (unsigned int i = 0; i < TURN_OVERFLOW_RECS; i++)
			slot[n++] = &ovf_blk(s, b)->perm[i];
	return n;
}

/*
 * Blocks to take from the pool so that @k more permissions fit, or -1 if
 * they would make more than TURN_MAX_PERMISSIONS live ones.
 */
static int
perm_blocks_needed(struct turn_server *s, struct turn_allocation *a, uint64_t now,
		   unsigned int k)
{
	struct turn_perm *slot[PERM_SLOTS];
	unsigned int n = perm_slots(s, a, slot), live = 0, free_slots;

	for (unsigned int i = 0; i < n; i++)
		live += perm_live(slot[i], now);
	if (live + k > TURN_MAX_PERMISSIONS)
		return -1;
	free_slots = n - live;
	if (k <= free_slots)
		return 0;
	return (int)((k - free_slots + TURN_OVERFLOW_RECS - 1) / TURN_OVERFLOW_RECS);
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
	struct turn_perm *slot[PERM_SLOTS];
	unsigned int n = perm_slots(s, a, slot);
	struct turn_perm *p = NULL;

	for (unsigned int i = 0; i < n && p == NULL; i++)
		if (perm_live(slot[i], now) && perm_matches(slot[i], peer))
			p = slot[i];
	if (p == NULL) {
		for (unsigned int i = 0; i < n && p == NULL; i++)
			if (slot[i]->family != 0 && perm_matches(slot[i], peer))
				p = slot[i];
		for (unsigned int i = 0; i < n && p == NULL; i++)
			if (!perm_live(slot[i], now))
				p = slot[i];
		if (p == NULL)
			return;
		memset(p, 0, sizeof(*p));
		p->family = peer->family;
		memcpy(p->ip, peer->ip, stun_addr_iplen(peer));
		s->stats.permissions++;
	}
	p->expires = time32(now + s->cfg.permission_lifetime);
}

/* ---- channels ---- */

/* Bound (usable) until expires, then quarantined. */
static bool
chan_live(const struct turn_channel *c, uint64_t now)
{
	return c->number != 0 && c->expires > now;
}

static bool
chan_held(const struct turn_channel *c, uint64_t now)
{
	return c->number != 0 && (uint64_t)c->expires + TURN_CHANNEL_QUARANTINE > now;
}

static bool
chan_is_peer(const struct turn_channel *c, const struct stun_addr *peer)
{
	return c->port == peer->port && c->ipv6 == (peer->family == STUN_FAMILY_IPV6) &&
	       (peer->family == STUN_FAMILY_IPV4 || peer->family == STUN_FAMILY_IPV6) &&
	       memcmp(c->ip, peer->ip, stun_addr_iplen(peer)) == 0;
}

void
turn_chan_peer(const struct turn_channel *c, struct stun_addr *out)
{
	memset(out, 0, sizeof(*out));
	out->family = c->ipv6 ? STUN_FAMILY_IPV6 : STUN_FAMILY_IPV4;
	out->port = c->port;
	memcpy(out->ip, c->ip, stun_addr_iplen(out));
}

static const struct turn_channel *
chan_number_in(const struct turn_channel *c, unsigned int n, uint16_t number, uint64_t now)
{
	for (unsigned int i = 0; i < n; i++)
		if (c[i].number == number && chan_live(&c[i], now))
			return &c[i];
	return NULL;
}

static const struct turn_channel *
chan_peer_in(const struct turn_channel *c, unsigned int n, const struct stun_addr *peer,
	     uint64_t now)
{
	for (unsigned int i = 0; i < n; i++)
		if (chan_live(&c[i], now) && chan_is_peer(&c[i], peer))
			return &c[i];
	return NULL;
}

const struct turn_channel *
turn_chan_by_number(const struct turn_server *s, const struct turn_allocation *a,
		    uint16_t number, uint64_t now)
{
	const struct turn_channel *c;

	if (number == 0)
		return NULL;
	c = chan_number_in(a->chan, TURN_INLINE_CHANNELS, number, now);
	for (uint32_t b = a->chan_ovf; c == NULL && b != 0; b = ovf_blk(s, b)->next)
		c = chan_number_in(ovf_blk(s, b)->chan, TURN_OVERFLOW_RECS, number, now);
	return c;
}

const struct turn_channel *
turn_chan_by_peer(const struct turn_server *s, const struct turn_allocation *a,
		  const struct stun_addr *peer, uint64_t now)
{
	const struct turn_channel *c = chan_peer_in(a->chan, TURN_INLINE_CHANNELS, peer, now);

	for (uint32_t b = a->chan_ovf; c == NULL && b != 0; b = ovf_blk(s, b)->next)
		c = chan_peer_in(ovf_blk(s, b)->chan, TURN_OVERFLOW_RECS, peer, now);
	return c;
}

static unsigned int
chan_slots(const struct turn_server *s, const struct turn_allocation *a,
	   struct turn_channel *slot[CHAN_SLOTS])
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < TURN_INLINE_CHANNELS; i++)
		slot[n++] = (struct turn_channel *)&a->chan[i];
	for (uint32_t b = a->chan_ovf; b != 0 && n < CHAN_SLOTS; b = ovf_blk(s, b)->next)
		for (unsigned int i = 0; i < TURN_OVERFLOW_RECS; i++)
			slot[n++] = &ovf_blk(s, b)->chan[i];
	return n;
}

/* ---- compaction ---- */

/* Records in use to the front, inline first, the rest cleared; return
 * how many are in use. Moving a record changes nothing it means. */
static unsigned int
perm_compact(struct turn_perm **slot, unsigned int n, uint64_t now)
{
	unsigned int w = 0;

	for (unsigned int r = 0; r < n; r++) {
		if (!perm_live(slot[r], now))
			continue;
		if (w != r)
			*slot[w] = *slot[r];
		w++;
	}
	for (unsigned int r = w; r < n; r++)
		memset(slot[r], 0, sizeof(*slot[r]));
	return w;
}

static unsigned int
chan_compact(struct turn_channel **slot, unsigned int n, uint64_t now)
{
	unsigned int w = 0;

	for (unsigned int r = 0; r < n; r++) {
		if (!chan_held(slot[r], now))
			continue;
		if (w != r)
			*slot[w] = *slot[r];
		w++;
	}
	for (unsigned int r = w; r < n; r++)
		memset(slot[r], 0, sizeof(*slot[r]));
	return w;
}

static unsigned int
blocks_for(unsigned int used, unsigned int inline_n)
{
	return used > inline_n ? (used - inline_n + TURN_OVERFLOW_RECS - 1) / TURN_OVERFLOW_RECS :
				 0;
}

void
turn_ovf_trim(struct turn_server *s, struct turn_allocation *a, uint64_t now, bool all)
{
	if (all) {
		ovf_put_chain(s, &a->perm_ovf);
		ovf_put_chain(s, &a->chan_ovf);
		return;
	}
	if (a->perm_ovf != 0) {
		struct turn_perm *slot[PERM_SLOTS];
		unsigned int n = perm_slots(s, a, slot);
		unsigned int used = perm_compact(slot, n, now);

		ovf_keep(s, &a->perm_ovf, blocks_for(used, TURN_INLINE_PERMS));
	}
	if (a->chan_ovf != 0) {
		struct turn_channel *slot[CHAN_SLOTS];
		unsigned int n = chan_slots(s, a, slot);
		unsigned int used = chan_compact(slot, n, now);

		ovf_keep(s, &a->chan_ovf, blocks_for(used, TURN_INLINE_CHANNELS));
	}
}

/* ---- what an allocation holds ---- */

unsigned int
turn_alloc_permissions(const struct turn_server *s, const struct turn_allocation *a,
		       uint64_t now, struct turn_perm_info *out, unsigned int cap)
{
	struct turn_perm *slot[PERM_SLOTS];
	unsigned int n = perm_slots(s, a, slot), k = 0;

	for (unsigned int i = 0; i < n; i++) {
		const struct turn_perm *p = slot[i];

		if (!perm_live(p, now))
			continue;
		if (k < cap) {
			memset(&out[k], 0, sizeof(out[k]));
			out[k].peer.family = p->family;
			memcpy(out[k].peer.ip, p->ip, sizeof(p->ip));
			out[k].expires = p->expires;
		}
		k++;
	}
	return k;
}

unsigned int
turn_alloc_channels(const struct turn_server *s, const struct turn_allocation *a,
		    uint64_t now, struct turn_chan_info *out, unsigned int cap)
{
	struct turn_channel *slot[CHAN_SLOTS];
	unsigned int n = chan_slots(s, a, slot), k = 0;

	for (unsigned int i = 0; i < n; i++) {
		const struct turn_channel *c = slot[i];

		if (!chan_held(c, now))
			continue;
		if (k < cap) {
			memset(&out[k], 0, sizeof(out[k]));
			turn_chan_peer(c, &out[k].peer);
			out[k].number = c->number;
			out[k].expires = c->expires;
		}
		k++;
	}
	return k;
}

/* ---- the requests ---- */

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
	int blocks;

	if (a == NULL)
		return;
	turn_ovf_trim(s, a, r->now, false);
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
		if (!dup && turn_perm_find(s, a, &peer[i], r->now) == NULL)
			need++;
	}
	blocks = perm_blocks_needed(s, a, r->now, need);
	if (blocks < 0 || !ovf_available(s, (unsigned int)blocks)) {
		turn_txn_error(r, a, STUN_ERR_INSUFFICIENT_CAPACITY);
		return;
	}
	while (blocks-- > 0)
		ovf_take(s, &a->perm_ovf);
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
 * a free one, else NULL when a new overflow block is needed (*held tells
 * whether the limit allows one). Returns 0, or 400 when the number or the
 * peer is held by another pair (bound or quarantined).
 */
static uint16_t
chan_slot(struct turn_server *s, struct turn_allocation *a, uint16_t number,
	  const struct stun_addr *peer, uint64_t now, struct turn_channel **slot_out,
	  unsigned int *held)
{
	struct turn_channel *slot[CHAN_SLOTS];
	struct turn_channel *same = NULL, *free_slot = NULL;
	unsigned int n = chan_slots(s, a, slot);

	*held = 0;
	for (unsigned int i = 0; i < n; i++) {
		struct turn_channel *c = slot[i];
		bool num_eq, peer_eq;

		if (!chan_held(c, now)) {
			if (free_slot == NULL)
				free_slot = c;
			continue;
		}
		(*held)++;
		num_eq = c->number == number;
		peer_eq = chan_is_peer(c, peer);
		if (num_eq && peer_eq)
			same = c;
		else if (num_eq || peer_eq)
			return STUN_ERR_BAD_REQUEST;
	}
	*slot_out = same != NULL ? same : free_slot;
	return 0;
}

/*
 * ChannelBind (RFC 8656 11.2): one CHANNEL-NUMBER in range and exactly
 * one XOR-PEER-ADDRESS (400), a relayed family (443), the peer policy
 * (403), the binding rules (400) and capacity for both the channel and
 * the permission it implies (508: beyond the limits, or no overflow block
 * left for either); then the channel is bound or refreshed for
 * channel_lifetime and the peer's permission installed or refreshed.
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
	unsigned int held, chan_blocks = 0;
	int perm_blocks = 0;
	uint16_t number, code;
	bool fresh;

	if (a == NULL)
		return;
	turn_ovf_trim(s, a, r->now, false);
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
	code = chan_slot(s, a, number, &peer, r->now, &c, &held);
	if (code == 0 && c == NULL) {
		if (held >= TURN_MAX_CHANNELS)
			code = STUN_ERR_INSUFFICIENT_CAPACITY;
		else
			chan_blocks = 1;
	}
	if (code == 0 && turn_perm_find(s, a, &peer, r->now) == NULL) {
		perm_blocks = perm_blocks_needed(s, a, r->now, 1);
		if (perm_blocks < 0)
			code = STUN_ERR_INSUFFICIENT_CAPACITY;
	}
	if (code == 0 && !ovf_available(s, chan_blocks + (unsigned int)perm_blocks))
		code = STUN_ERR_INSUFFICIENT_CAPACITY;
	if (code != 0) {
		turn_txn_error(r, a, code);
		return;
	}
	if (chan_blocks > 0)
		c = &ovf_take(s, &a->chan_ovf)->chan[0];
	if (perm_blocks > 0)
		ovf_take(s, &a->perm_ovf);
	fresh = c->number != number || !chan_is_peer(c, &peer);
	if (fresh) {
		memset(c, 0, sizeof(*c));
		c->number = number;
		c->ipv6 = peer.family == STUN_FAMILY_IPV6;
		c->port = peer.port;
		memcpy(c->ip, peer.ip, stun_addr_iplen(&peer));
		s->stats.channels++;
	}
	c->expires = time32(r->now + s->cfg.channel_lifetime);
	perm_install(s, a, &peer, r->now);
	turn_txn_store(r, a, 0, 0);
	notify(s, TURN_EVENT_CHANNEL, a);
	turn_reply_ok(r);
	r->out->alloc = a;
}

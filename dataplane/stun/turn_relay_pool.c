/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Relay ports from bitmaps over [port_min, port_max], one pair per relay
 * address.
 *
 * Two bitmaps per address: "used" (a relay address is allocated) and
 * "resv" (held for a RESERVATION-TOKEN, and permanently set for the bits
 * past port_max and for a sentinel word after the last, so a free bit is
 * simply ~(used | resv), no search needs a range check, and a
 * reservation of P + 1 never leaves the range or the address). A search
 * starts at the address's rotating word cursor, which stays on a word
 * until it fills: O(1) amortised while the address is not nearly full,
 * and at worst one pass over port_range/64 words. Each address counts
 * its free ports and free even ports, so a request skips an address
 * that cannot serve it without searching; the family's addresses are
 * tried round robin, starting after the one that served last.
 *
 * Reservations live in a power-of-two slot array indexed by the low bits
 * of their token (tokens are drawn until they land on a free slot, so the
 * lookup is one probe) and on a list in issue order; as every one has
 * the same lifetime and time only moves forward, the head of that list
 * is always the next to lapse.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "turn_relay_pool.h"
#include "turn_server.h"

#define RP_NONE UINT32_MAX
#define RP_TOKEN_TRIES 64

struct rp_addr {
	struct stun_addr addr; /* port 0 */
	uint64_t *used;        /* nwords + 1 words, the last a sentinel */
	uint64_t *resv;
	uint32_t cursor;       /* word where the next search starts */
	uint32_t n_free;       /* ports neither used nor reserved */
	uint32_t n_free_even;  /* of those, even ones */
	uint8_t fam;           /* index into pool->fam */
};

struct rp_family {
	uint8_t family;        /* STUN_FAMILY_*, 0 = not served */
	uint8_t n;             /* addresses */
	uint8_t next;          /* position in ids[] where the next search starts */
	uint8_t ids[TURN_RELAY_POOL_MAX_ADDRS]; /* indices into pool->addr */
	uint32_t n_used;
};

struct rp_resv {
	uint64_t token; /* 0 = free slot */
	uint64_t expires;
	uint32_t prev, next; /* issue order */
	uint16_t port;
	uint8_t addr; /* index into pool->addr */
};

struct turn_relay_pool {
	struct rp_family fam[2]; /* [0] IPv4, [1] IPv6 */
	struct rp_addr addr[TURN_RELAY_POOL_MAX_ADDRS];
	unsigned int n_addrs;
	uint64_t *bits;          /* all bitmaps, one block */
	uint16_t port_min;
	uint16_t port_max;
	uint32_t nports;
	uint32_t nwords;
	uint64_t even;           /* bits whose port number is even */
	struct rp_resv *resv;
	uint32_t rmask;
	uint32_t n_resv;
	uint32_t max_resv;
	uint32_t oldest, newest;
	uint64_t now;
	uint64_t rng[4];
};

/* xoshiro256** (Blackman and Vigna): a few cycles per draw, enough for
 * port choice and tokens that must not be guessed blind. It is not a
 * CSPRNG: someone who sees many tokens could in principle recover the
 * state; a stolen reservation only yields a relay port, see
 * docs/protocol.md. */
static uint64_t
rotl(uint64_t x, unsigned int k)
{
	return (x << k) | (x >> ((64 - k) & 63));
}

static uint64_t
rng_next(struct turn_relay_pool *p)
{
	uint64_t *s = p->rng;
	uint64_t r = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

/* Index into pool->fam of a family we serve, or -1. */
static int
fam_index(const struct turn_relay_pool *p, uint8_t family)
{
	int i;

	if (family == STUN_FAMILY_IPV4)
		i = 0;
	else if (family == STUN_FAMILY_IPV6)
		i = 1;
	else
		return -1;
	return p->fam[i].n != 0 ? i : -1;
}

static bool
bit_even(const struct turn_relay_pool *p, uint32_t bit)
{
	return ((p->port_min + bit) & 1) == 0;
}

/* A free port of @a stops (or starts) being free. */
static void
took_free(struct turn_relay_pool *p, struct rp_addr *a, uint32_t bit)
{
	a->n_free--;
	if (bit_even(p, bit))
		a->n_free_even--;
}

static void
gave_free(struct turn_relay_pool *p, struct rp_addr *a, uint32_t bit)
{
	a->n_free++;
	if (bit_even(p, bit))
		a->n_free_even++;
}

/* The address of @family with the IP of @ip (ports ignored), or NULL. */
static struct rp_addr *
addr_find(struct turn_relay_pool *p, const struct stun_addr *ip)
{
	int fi = fam_index(p, ip->family);
	const struct rp_family *f;

	if (fi < 0)
		return NULL;
	f = &p->fam[fi];
	for (unsigned int k = 0; k < f->n; k++) {
		struct rp_addr *a = &p->addr[f->ids[k]];
		if (memcmp(a->addr.ip, ip->ip, stun_addr_iplen(ip)) == 0)
			return a;
	}
	return NULL;
}

static void
addr_init(struct turn_relay_pool *p, struct rp_addr *a, uint64_t *bits)
{
	uint32_t tail = p->nports & 63;

	a->used = bits;
	a->resv = bits + p->nwords + 1;
	if (tail != 0)
		a->resv[p->nwords - 1] = ~0ull << tail;
	a->resv[p->nwords] = ~0ull;
	a->n_free = p->nports;
	a->n_free_even = (p->nports + (p->port_min % 2 == 0)) / 2;
	/* Where the first search starts is random, so the first relay port
	 * after a restart cannot be predicted. */
	a->cursor = (uint32_t)(rng_next(p) % p->nwords);
}

struct turn_relay_pool *
turn_relay_pool_create_multi(const struct stun_addr *addrs, unsigned int n_addrs,
			     uint16_t port_min, uint16_t port_max)
{
	struct turn_relay_pool *p;
	uint32_t nslots = 2;
	uint64_t max_resv;
	int err = ENOMEM;

	if (addrs == NULL || n_addrs == 0 || n_addrs > TURN_RELAY_POOL_MAX_ADDRS ||
	    port_min == 0 || port_min > port_max) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		goto err;
	p->port_min = port_min;
	p->port_max = port_max;
	p->nports = (uint32_t)port_max - port_min + 1;
	p->nwords = (p->nports + 63) / 64;
	p->even = port_min % 2 == 0 ? 0x5555555555555555ull : 0xaaaaaaaaaaaaaaaaull;
	if (getrandom(p->rng, sizeof(p->rng), 0) != (ssize_t)sizeof(p->rng)) {
		err = errno != 0 ? errno : EIO;
		goto err_p;
	}
	p->rng[0] |= 1; /* the all-zero state is a fixed point */

	for (unsigned int i = 0; i < n_addrs; i++) {
		struct stun_addr a = addrs[i];
		struct rp_family *f;
		int fi;

		if (a.family != STUN_FAMILY_IPV4 && a.family != STUN_FAMILY_IPV6)
			goto err_inval;
		a.port = 0;
		a.pad = 0;
		if (a.family == STUN_FAMILY_IPV4)
			memset(a.ip + 4, 0, sizeof(a.ip) - 4);
		if (addr_find(p, &a) != NULL) /* the same IP twice */
			goto err_inval;
		fi = a.family == STUN_FAMILY_IPV4 ? 0 : 1;
		f = &p->fam[fi];
		f->family = a.family;
		f->ids[f->n++] = (uint8_t)i;
		p->addr[i].addr = a;
		p->addr[i].fam = (uint8_t)fi;
	}
	p->n_addrs = n_addrs;

	p->bits = calloc((size_t)n_addrs * 2 * (p->nwords + 1), sizeof(uint64_t));
	if (p->bits == NULL)
		goto err_p;
	for (unsigned int i = 0; i < n_addrs; i++)
		addr_init(p, &p->addr[i], p->bits + (size_t)i * 2 * (p->nwords + 1));

	/* At most one reservation per even port that has a successor, and
	 * at most TURN_RELAY_POOL_MAX_RESV. */
	max_resv = (uint64_t)n_addrs * ((p->nports + 1) / 2);
	p->max_resv = max_resv > TURN_RELAY_POOL_MAX_RESV ? TURN_RELAY_POOL_MAX_RESV
							  : (uint32_t)max_resv;
	/* At most half full, so a random token finds a free slot in two
	 * draws on average. */
	while (nslots < 2 * p->max_resv)
		nslots <<= 1;
	p->rmask = nslots - 1;
	p->resv = calloc(nslots, sizeof(*p->resv));
	if (p->resv == NULL)
		goto err_bits;
	p->oldest = p->newest = RP_NONE;
	return p;

err_inval:
	err = EINVAL;
err_bits:
	free(p->bits);
err_p:
	free(p);
err:
	errno = err;
	return NULL;
}

struct turn_relay_pool *
turn_relay_pool_create(const struct stun_addr *v4, const struct stun_addr *v6, uint16_t port_min,
		       uint16_t port_max)
{
	struct stun_addr a[2];
	unsigned int n = 0;

	if ((v4 == NULL && v6 == NULL) || (v4 != NULL && v4->family != STUN_FAMILY_IPV4) ||
	    (v6 != NULL && v6->family != STUN_FAMILY_IPV6)) {
		errno = EINVAL;
		return NULL;
	}
	if (v4 != NULL)
		a[n++] = *v4;
	if (v6 != NULL)
		a[n++] = *v6;
	return turn_relay_pool_create_multi(a, n, port_min, port_max);
}

void
turn_relay_pool_destroy(struct turn_relay_pool *p)
{
	if (p == NULL)
		return;
	free(p->bits);
	free(p->resv);
	free(p);
}

unsigned int
turn_relay_pool_used(const struct turn_relay_pool *p, uint8_t family)
{
	int i = fam_index(p, family);

	return i < 0 ? 0 : p->fam[i].n_used;
}

/* Drop a reservation: its port goes back to the pool unless @keep. */
static void
resv_drop(struct turn_relay_pool *p, uint32_t slot, bool keep)
{
	struct rp_resv *r = &p->resv[slot];
	struct rp_addr *a = &p->addr[r->addr];
	uint32_t bit = (uint32_t)r->port - p->port_min;

	if (!keep) {
		a->resv[bit >> 6] &= ~(1ull << (bit & 63));
		gave_free(p, a, bit);
	}
	if (r->prev != RP_NONE)
		p->resv[r->prev].next = r->next;
	else
		p->oldest = r->next;
	if (r->next != RP_NONE)
		p->resv[r->next].prev = r->prev;
	else
		p->newest = r->prev;
	memset(r, 0, sizeof(*r));
	p->n_resv--;
}

/* Lapse reservations TURN_RESERVATION_LIFETIME s after issue. A clock
 * going backwards is ignored, which keeps the issue list sorted. Each
 * reservation lapses once, so the cost is O(1) amortised. */
void
turn_relay_pool_set_time(struct turn_relay_pool *p, uint64_t now)
{
	if (now > p->now)
		p->now = now;
	while (p->oldest != RP_NONE && p->resv[p->oldest].expires <= p->now)
		resv_drop(p, p->oldest, false);
}

/* The port held under @token, which becomes allocated. */
static int
take_reserved(struct turn_relay_pool *p, int fi, uint64_t token, struct stun_addr *out)
{
	uint32_t slot = (uint32_t)(token & p->rmask), bit;
	struct rp_resv *r = &p->resv[slot];
	struct rp_addr *a;

	/* No expiry test here: set_time, the only thing that moves p->now,
	 * has already dropped every lapsed reservation. */
	if (r->token != token || p->addr[r->addr].fam != fi)
		return -ENOENT;
	a = &p->addr[r->addr];
	bit = (uint32_t)r->port - p->port_min;
	a->resv[bit >> 6] &= ~(1ull << (bit & 63));
	a->used[bit >> 6] |= 1ull << (bit & 63);
	p->fam[fi].n_used++;
	*out = a->addr;
	out->port = r->port;
	resv_drop(p, slot, true);
	return 0;
}

/*
 * Find a free bit of @a, starting at its cursor word: any free port, an
 * even one (EVEN-PORT), or an even one whose successor is free too
 * (RESERVE_NEXT; the successor of bit 63 is bit 0 of the next word, and
 * the sentinel word after the last is never free). Within the word the
 * bit is chosen from a random rotation so ports are not handed out in
 * order. Returns the bit index or RP_NONE.
 */
static uint32_t
find_port(struct turn_relay_pool *p, struct rp_addr *a, unsigned int flags)
{
	for (uint32_t n = 0; n < p->nwords; n++) {
		uint32_t w = a->cursor + n;
		uint64_t fr;
		unsigned int r;

		if (w >= p->nwords)
			w -= p->nwords;
		fr = ~(a->used[w] | a->resv[w]);
		if (flags & TURN_RELAY_RESERVE_NEXT) {
			uint64_t next = ~(a->used[w + 1] | a->resv[w + 1]);
			fr &= (fr >> 1 | next << 63) & p->even;
		} else if (flags & TURN_RELAY_EVEN) {
			fr &= p->even;
		}
		if (fr == 0)
			continue;
		r = (unsigned int)(rng_next(p) & 63);
		fr = (fr >> r) | (fr << ((64 - r) & 63));
		a->cursor = w;
		return w * 64 + (((unsigned int)__builtin_ctzll(fr) + r) & 63);
	}
	return RP_NONE;
}

/* Hold port + 1 of @a under a fresh token. Returns 0 or -ENOSPC. */
static int
resv_add(struct turn_relay_pool *p, struct rp_addr *a, uint32_t bit, uint64_t *token_out)
{
	struct rp_resv *r;
	uint64_t token = 0;
	uint32_t slot = 0;

	if (p->n_resv >= p->max_resv)
		return -ENOSPC;
	for (int i = 0; i < RP_TOKEN_TRIES; i++) {
		uint64_t t = rng_next(p);
		if (t != 0 && p->resv[t & p->rmask].token == 0) {
			token = t;
			slot = (uint32_t)(t & p->rmask);
			break;
		}
	}
	if (token == 0)
		return -ENOSPC;

	r = &p->resv[slot];
	r->token = token;
	r->expires = p->now + TURN_RESERVATION_LIFETIME;
	r->port = (uint16_t)(p->port_min + bit + 1);
	r->addr = (uint8_t)(a - p->addr);
	r->next = RP_NONE;
	r->prev = p->newest;
	if (p->newest != RP_NONE)
		p->resv[p->newest].next = slot;
	else
		p->oldest = slot;
	p->newest = slot;
	p->n_resv++;
	a->resv[(bit + 1) >> 6] |= 1ull << ((bit + 1) & 63);
	took_free(p, a, bit + 1);
	*token_out = token;
	return 0;
}

/*
 * The relay_alloc hook. With @token, the reserved port or -ENOENT (also
 * for a lapsed token or one issued for the other family); @flags are
 * then ignored. Otherwise a free port, even for TURN_RELAY_EVEN, and
 * with TURN_RELAY_RESERVE_NEXT an even port P with P + 1 held under a
 * new token in *token_out (which must not be NULL, else -EINVAL).
 * *token_out is 0 when no token was issued. Returns 0, -EAFNOSUPPORT
 * for a family without a relay address, -ENOSPC when no port fits.
 */
int
turn_relay_pool_alloc(void *ctx, uint8_t family, unsigned int flags, uint64_t token,
		      struct stun_addr *out, uint64_t *token_out)
{
	struct turn_relay_pool *p = ctx;
	int fi = fam_index(p, family);
	struct rp_family *f;

	if (token_out != NULL)
		*token_out = 0;
	if (fi < 0)
		return -EAFNOSUPPORT;
	if (token != 0)
		return take_reserved(p, fi, token, out);
	if ((flags & TURN_RELAY_RESERVE_NEXT) && token_out == NULL)
		return -EINVAL;
	if ((flags & TURN_RELAY_RESERVE_NEXT) && p->n_resv >= p->max_resv)
		return -ENOSPC;

	f = &p->fam[fi];
	for (unsigned int k = 0; k < f->n; k++) {
		unsigned int pos = f->next + k;
		struct rp_addr *a;
		uint32_t bit;

		if (pos >= f->n)
			pos -= f->n;
		a = &p->addr[f->ids[pos]];
		if ((flags & (TURN_RELAY_EVEN | TURN_RELAY_RESERVE_NEXT)) ? a->n_free_even == 0
									  : a->n_free == 0)
			continue;
		if ((flags & TURN_RELAY_RESERVE_NEXT) && a->n_free < 2)
			continue;
		bit = find_port(p, a, flags);
		if (bit == RP_NONE)
			continue;
		if ((flags & TURN_RELAY_RESERVE_NEXT) && resv_add(p, a, bit, token_out) != 0)
			return -ENOSPC;
		a->used[bit >> 6] |= 1ull << (bit & 63);
		took_free(p, a, bit);
		f->n_used++;
		f->next = (uint8_t)(pos + 1 < f->n ? pos + 1 : 0);
		*out = a->addr;
		out->port = (uint16_t)(p->port_min + bit);
		return 0;
	}
	return -ENOSPC;
}

/* Release a relay address. Addresses that are not ours, or not
 * allocated, are ignored, so a double free cannot corrupt the counts. */
void
turn_relay_pool_free(void *ctx, const struct stun_addr *relay)
{
	struct turn_relay_pool *p = ctx;
	struct rp_addr *a;
	uint32_t bit;
	uint64_t m;

	if (relay->port < p->port_min || relay->port > p->port_max)
		return;
	a = addr_find(p, relay);
	if (a == NULL)
		return;
	bit = (uint32_t)relay->port - p->port_min;
	m = 1ull << (bit & 63);
	if (a->used[bit >> 6] & m) {
		a->used[bit >> 6] &= ~m;
		gave_free(p, a, bit);
		p->fam[a->fam].n_used--;
	}
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Relay ports per family from a bitmap over [port_min, port_max].
 *
 * Two bitmaps per family: "used" (a relay address is allocated) and
 * "resv" (held for a RESERVATION-TOKEN, and permanently set for the bits
 * past port_max, so a free bit is simply ~(used | resv) and no search
 * needs a range check). A search starts at a rotating word cursor, which
 * stays on a word until it fills: O(1) amortised while the pool is not
 * nearly full, and at worst one pass over port_range/64 words.
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

struct rp_family {
	struct stun_addr addr; /* port 0; family 0 = not served */
	uint64_t *used;        /* nwords + 1 words, the last a sentinel */
	uint64_t *resv;
	uint32_t nwords;
	uint32_t cursor;
	uint32_t n_used;
	uint64_t even; /* bits whose port number is even */
};

struct rp_resv {
	uint64_t token; /* 0 = free slot */
	uint64_t expires;
	uint32_t prev, next; /* issue order */
	uint16_t port;
	uint8_t fam; /* index into pool->fam */
};

struct turn_relay_pool {
	struct rp_family fam[2]; /* [0] IPv4, [1] IPv6 */
	uint16_t port_min;
	uint16_t port_max;
	uint32_t nports;
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
	return p->fam[i].addr.family ? i : -1;
}

static struct rp_family *
fam_of(struct turn_relay_pool *p, uint8_t family)
{
	int i = fam_index(p, family);

	return i < 0 ? NULL : &p->fam[i];
}

static int
fam_init(struct turn_relay_pool *p, struct rp_family *f, const struct stun_addr *a)
{
	uint32_t tail = p->nports & 63;

	f->addr = *a;
	f->addr.port = 0;
	f->addr.pad = 0;
	if (a->family == STUN_FAMILY_IPV4)
		memset(f->addr.ip + 4, 0, sizeof(f->addr.ip) - 4);
	f->nwords = (p->nports + 63) / 64;
	f->used = calloc(f->nwords + 1, sizeof(uint64_t));
	f->resv = calloc(f->nwords + 1, sizeof(uint64_t));
	if (f->used == NULL || f->resv == NULL)
		return -ENOMEM;
	if (tail != 0)
		f->resv[f->nwords - 1] = ~0ull << tail;
	f->resv[f->nwords] = ~0ull;
	f->even = p->port_min % 2 == 0 ? 0x5555555555555555ull : 0xaaaaaaaaaaaaaaaaull;
	/* Where the first search starts is random, so the first relay port
	 * after a restart cannot be predicted. */
	f->cursor = (uint32_t)(rng_next(p) % f->nwords);
	return 0;
}

struct turn_relay_pool *
turn_relay_pool_create(const struct stun_addr *v4, const struct stun_addr *v6, uint16_t port_min,
		       uint16_t port_max)
{
	struct turn_relay_pool *p;
	uint32_t nslots = 2;
	int err = ENOMEM;

	if ((v4 == NULL && v6 == NULL) || port_min == 0 || port_min > port_max ||
	    (v4 != NULL && v4->family != STUN_FAMILY_IPV4) ||
	    (v6 != NULL && v6->family != STUN_FAMILY_IPV6)) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		goto err;
	p->port_min = port_min;
	p->port_max = port_max;
	p->nports = (uint32_t)port_max - port_min + 1;
	if (getrandom(p->rng, sizeof(p->rng), 0) != (ssize_t)sizeof(p->rng)) {
		err = errno != 0 ? errno : EIO;
		goto err_p;
	}
	p->rng[0] |= 1; /* the all-zero state is a fixed point */

	/* At most one reservation per even port that has a successor. */
	if (v4 != NULL) {
		if (fam_init(p, &p->fam[0], v4) != 0)
			goto err_fam;
		p->max_resv += (p->nports + 1) / 2;
	}
	if (v6 != NULL) {
		if (fam_init(p, &p->fam[1], v6) != 0)
			goto err_fam;
		p->max_resv += (p->nports + 1) / 2;
	}
	/* At most half full, so a random token finds a free slot in two
	 * draws on average. */
	while (nslots < 2 * p->max_resv)
		nslots <<= 1;
	p->rmask = nslots - 1;
	p->resv = calloc(nslots, sizeof(*p->resv));
	if (p->resv == NULL)
		goto err_fam;
	p->oldest = p->newest = RP_NONE;
	return p;

err_fam:
	for (int i = 0; i < 2; i++) {
		free(p->fam[i].used);
		free(p->fam[i].resv);
	}
err_p:
	free(p);
err:
	errno = err;
	return NULL;
}

void
turn_relay_pool_destroy(struct turn_relay_pool *p)
{
	if (p == NULL)
		return;
	for (int i = 0; i < 2; i++) {
		free(p->fam[i].used);
		free(p->fam[i].resv);
	}
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
	struct rp_family *f = &p->fam[r->fam];
	uint32_t bit = (uint32_t)r->port - p->port_min;

	if (!keep)
		f->resv[bit >> 6] &= ~(1ull << (bit & 63));
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
take_reserved(struct turn_relay_pool *p, struct rp_family *f, uint64_t token,
	      struct stun_addr *out)
{
	uint32_t slot = (uint32_t)(token & p->rmask), bit;
	struct rp_resv *r = &p->resv[slot];

	/* No expiry test here: set_time, the only thing that moves p->now,
	 * has already dropped every lapsed reservation. */
	if (r->token != token || &p->fam[r->fam] != f)
		return -ENOENT;
	bit = (uint32_t)r->port - p->port_min;
	f->resv[bit >> 6] &= ~(1ull << (bit & 63));
	f->used[bit >> 6] |= 1ull << (bit & 63);
	f->n_used++;
	*out = f->addr;
	out->port = r->port;
	resv_drop(p, slot, true);
	return 0;
}

/*
 * Find a free bit, starting at the cursor word: any free port, an even
 * one (EVEN-PORT), or an even one whose successor is free too
 * (RESERVE_NEXT; the successor of bit 63 is bit 0 of the next word, and
 * the sentinel word after the last is never free). Within the word the
 * bit is chosen from a random rotation so ports are not handed out in
 * order. Returns the bit index or RP_NONE.
 */
static uint32_t
find_port(struct turn_relay_pool *p, struct rp_family *f, unsigned int flags)
{
	for (uint32_t n = 0; n < f->nwords; n++) {
		uint32_t w = f->cursor + n;
		uint64_t fr;
		unsigned int r;

		if (w >= f->nwords)
			w -= f->nwords;
		fr = ~(f->used[w] | f->resv[w]);
		if (flags & TURN_RELAY_RESERVE_NEXT) {
			uint64_t next = ~(f->used[w + 1] | f->resv[w + 1]);
			fr &= (fr >> 1 | next << 63) & f->even;
		} else if (flags & TURN_RELAY_EVEN) {
			fr &= f->even;
		}
		if (fr == 0)
			continue;
		r = (unsigned int)(rng_next(p) & 63);
		fr = (fr >> r) | (fr << ((64 - r) & 63));
		f->cursor = w;
		return w * 64 + (((unsigned int)__builtin_ctzll(fr) + r) & 63);
	}
	return RP_NONE;
}

/* Hold port + 1 under a fresh token. Returns 0 or -ENOSPC. */
static int
resv_add(struct turn_relay_pool *p, struct rp_family *f, uint32_t bit, uint64_t *token_out)
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
	r->fam = (uint8_t)(f - p->fam);
	r->next = RP_NONE;
	r->prev = p->newest;
	if (p->newest != RP_NONE)
		p->resv[p->newest].next = slot;
	else
		p->oldest = slot;
	p->newest = slot;
	p->n_resv++;
	f->resv[(bit + 1) >> 6] |= 1ull << ((bit + 1) & 63);
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
	struct rp_family *f = fam_of(p, family);
	uint32_t bit;

	if (token_out != NULL)
		*token_out = 0;
	if (f == NULL)
		return -EAFNOSUPPORT;
	if (token != 0)
		return take_reserved(p, f, token, out);
	if ((flags & TURN_RELAY_RESERVE_NEXT) && token_out == NULL)
		return -EINVAL;
	if ((flags & TURN_RELAY_RESERVE_NEXT) && p->n_resv >= p->max_resv)
		return -ENOSPC;

	bit = find_port(p, f, flags);
	if (bit == RP_NONE)
		return -ENOSPC;
	if ((flags & TURN_RELAY_RESERVE_NEXT) && resv_add(p, f, bit, token_out) != 0)
		return -ENOSPC;
	f->used[bit >> 6] |= 1ull << (bit & 63);
	f->n_used++;
	*out = f->addr;
	out->port = (uint16_t)(p->port_min + bit);
	return 0;
}

/* Release a relay address. Addresses that are not ours, or not
 * allocated, are ignored, so a double free cannot corrupt the counts. */
void
turn_relay_pool_free(void *ctx, const struct stun_addr *relay)
{
	struct turn_relay_pool *p = ctx;
	struct rp_family *f = fam_of(p, relay->family);
	uint32_t bit;
	uint64_t m;

	if (f == NULL || relay->port < p->port_min || relay->port > p->port_max ||
	    memcmp(relay->ip, f->addr.ip, stun_addr_iplen(relay)) != 0)
		return;
	bit = (uint32_t)relay->port - p->port_min;
	m = 1ull << (bit & 63);
	if (f->used[bit >> 6] & m) {
		f->used[bit >> 6] &= ~m;
		f->n_used--;
	}
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-worker allocation table: see alloc_table.h.
 *
 * Entries. One array of cache-line aligned entries, each exactly a
 * struct turn_allocation (no header, so a->ft, the key, starts the
 * entry's first line). Beside it, arrays indexed like it: the timing
 * wheel's nodes (12 B), the relay slots an entry holds (8 B; while the
 * entry is free the first word links the free list) and a live bit.
 *
 * 5-tuple index. Open addressing over 64-byte buckets of 10 slots, each
 * slot a 16-bit tag (bits of the hash) and a 32-bit entry index. A key
 * lives in its home bucket or, if that is full, in the next buckets
 * (linear probing by bucket); every bucket counts the keys that passed
 * it on the way to a later one (ovf), so a lookup stops at the first
 * bucket with ovf 0, and removal needs no tombstones (F14-style, see
 * folly's F14 hash tables). A successful lookup reads one bucket line
 * and the entry's first line; a failed one usually just the bucket.
 * With at most 80% of the slots used at capacity, a key overflows its
 * home bucket rarely. The hash is keyed with 128 random bits from
 * getrandom(2), so clients cannot choose 5-tuples that share buckets.
 *
 * Relay index. For each relay address of the worker, a uint32_t per port
 * of its slice: entry index + 1, or 0. The address is found by comparing
 * the family and, for IPv4, one 32-bit word per address.
 *
 * Expiry. One tp_twheel_node per entry, node index = entry index. See
 * alloc_table.h (scan) for what is armed when.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "alloc_table.h"
#include "twheel.h"

#define AT_NONE UINT32_MAX
#define AT_SLOTS 10
#define AT_OCC_FULL ((1u << AT_SLOTS) - 1)
#define AT_OVF_MAX UINT16_MAX /* saturated: never decremented again */
#define AT_BULK 32           /* keys per stage of a bulk lookup */
#define AT_CLOCK_MAX (UINT32_MAX - 1u)

struct at_bucket {
	uint16_t tag[AT_SLOTS];
	uint16_t occ; /* bit s: slot s used */
	uint16_t ovf; /* keys whose probe passed this bucket */
	uint32_t idx[AT_SLOTS];
};

_Static_assert(sizeof(struct at_bucket) == 64, "a bucket is one cache line");

struct at_mem {
	void *p;
	size_t size;
};

enum { AT_M_ENT, AT_M_BKT, AT_M_NODE, AT_M_RSLOT, AT_M_LIVE, AT_M_SLOT, AT_M_N };

struct alloc_table {
	/* Read on every lookup. */
	uint8_t *ent;                /* capacity * ALLOC_TABLE_ENTRY_SIZE */
	struct at_bucket *bkt;
	uint32_t nb;                 /* buckets */
	uint32_t cap;
	uint64_t seed;
	/* The hint. */
	struct turn_allocation *hint_a;
	bool hint_on;
	struct stun_5tuple hint_ft;

	/* Relay addresses. */
	uint32_t *slot;              /* n_addr * nports */
	uint16_t port_lo;
	uint32_t nports;
	uint8_t n_v4, n_v6, n_addr;
	uint32_t v4[ALLOC_TABLE_MAX_RELAY];   /* IPv4 addresses, as stored in ip[0..3] */
	uint8_t v4_id[ALLOC_TABLE_MAX_RELAY]; /* their address index */
	uint8_t v6_id[ALLOC_TABLE_MAX_RELAY];
	uint8_t v6[ALLOC_TABLE_MAX_RELAY][16];

	/* Per entry. */
	struct tp_twheel_node *node;
	uint32_t (*rslot)[2];        /* slot id + 1 per relay, 0 = none; [0] links free entries */
	uint64_t *live;
	struct tp_twheel *wheel;
	uint32_t free;
	uint32_t count;
	uint64_t generation; /* inserts + removes, for alloc_table_generation */
	uint32_t clock;

	/* Memory. */
	void *(*zalloc)(size_t size, size_t align, void *arg);
	void (*mfree)(void *p, void *arg);
	void *alloc_arg;
	struct at_mem mem[AT_M_N];
	size_t footprint;
};

/* ---- memory ---- */

/* libc default: calloc keeps untouched pages lazy; the block is aligned
 * by hand and the raw pointer kept just before it. */
static void *
libc_zalloc(size_t size, size_t align, void *arg)
{
	uint8_t *raw, *p;

	(void)arg;
	if (align < sizeof(void *))
		align = sizeof(void *);
	if (size > SIZE_MAX - align - sizeof(void *))
		return NULL;
	raw = calloc(1, size + align + sizeof(void *));
	if (raw == NULL)
		return NULL;
	p = (uint8_t *)(((uintptr_t)raw + sizeof(void *) + align - 1) & ~(uintptr_t)(align - 1));
	memcpy(p - sizeof(void *), &raw, sizeof(raw));
	return p;
}

static void
libc_free(void *p, void *arg)
{
	void *raw;

	(void)arg;
	if (p == NULL)
		return;
	memcpy(&raw, (uint8_t *)p - sizeof(void *), sizeof(raw));
	free(raw);
}

static void *
at_alloc(struct alloc_table *t, int which, size_t n, size_t size, size_t align)
{
	void *p;

	if (size != 0 && n > SIZE_MAX / size)
		return NULL;
	p = t->zalloc(n * size, align, t->alloc_arg);
	if (p != NULL) {
		t->mem[which].p = p;
		t->mem[which].size = n * size;
	}
	return p;
}

/* ---- small helpers ---- */

static inline struct turn_allocation *
entry(const struct alloc_table *t, uint32_t i)
{
	return (struct turn_allocation *)(t->ent + (size_t)i * ALLOC_TABLE_ENTRY_SIZE);
}

static inline bool
is_live(const struct alloc_table *t, uint32_t i)
{
	return (t->live[i >> 6] >> (i & 63)) & 1;
}

/* Index of @a if it is a live entry of this table, else AT_NONE. */
static uint32_t
entry_of(const struct alloc_table *t, const struct turn_allocation *a)
{
	uintptr_t base = (uintptr_t)t->ent, p = (uintptr_t)a, off;

	if (p < base)
		return AT_NONE;
	off = p - base;
	if (off % ALLOC_TABLE_ENTRY_SIZE != 0 || off / ALLOC_TABLE_ENTRY_SIZE >= t->cap)
		return AT_NONE;
	return is_live(t, (uint32_t)(off / ALLOC_TABLE_ENTRY_SIZE))
		       ? (uint32_t)(off / ALLOC_TABLE_ENTRY_SIZE)
		       : AT_NONE;
}

static inline uint64_t
ld64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t
ld32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

#define AT_MUL 0x9E3779B97F4A7C15ull

/* The core's 5-tuple hash under this table's secret seed: the high half
 * picks the bucket, the low 16 bits are the tag. */
static inline uint64_t
ft_hash(const struct alloc_table *t, const struct stun_5tuple *ft)
{
	return stun_5tuple_hash64(ft, t->seed);
}

static inline uint32_t
home_of(const struct alloc_table *t, uint64_t h)
{
	return (uint32_t)(((h >> 32) * t->nb) >> 32);
}

static inline uint32_t
bucket_next(const struct alloc_table *t, uint32_t b)
{
	return b + 1 == t->nb ? 0 : b + 1;
}

/* Used slots of @bk whose tag is @tag. */
static inline unsigned int
tag_match(const struct at_bucket *bk, uint16_t tag)
{
	unsigned int m = 0;

	for (unsigned int s = 0; s < AT_SLOTS; s++)
		m |= (unsigned int)(bk->tag[s] == tag) << s;
	return m & bk->occ;
}

static struct turn_allocation *
find(const struct alloc_table *t, uint64_t h, const struct stun_5tuple *ft)
{
	uint32_t b = home_of(t, h);
	uint16_t tag = (uint16_t)h;

	for (uint32_t n = 0; n < t->nb; n++) {
		const struct at_bucket *bk = &t->bkt[b];

		for (unsigned int m = tag_match(bk, tag); m != 0; m &= m - 1) {
			struct turn_allocation *a = entry(t, bk->idx[__builtin_ctz(m)]);
			if (stun_5tuple_equal(&a->ft, ft))
				return a;
		}
		if (bk->ovf == 0)
			return NULL;
		b = bucket_next(t, b);
	}
	return NULL;
}

static void
hint_clear(struct alloc_table *t)
{
	t->hint_on = false;
	t->hint_a = NULL;
}

/* ---- relay addresses ---- */

/* Index of @a's address among the table's relay addresses, or -1. */
static inline int
addr_id(const struct alloc_table *t, const struct stun_addr *a)
{
	if (a->family == STUN_FAMILY_IPV4) {
		uint32_t ip = ld32(a->ip);
		for (unsigned int i = 0; i < t->n_v4; i++)
			if (t->v4[i] == ip)
				return t->v4_id[i];
	} else if (a->family == STUN_FAMILY_IPV6) {
		uint64_t x0 = ld64(a->ip), x1 = ld64(a->ip + 8);
		for (unsigned int i = 0; i < t->n_v6; i++)
			if (ld64(t->v6[i]) == x0 && ld64(t->v6[i] + 8) == x1)
				return t->v6_id[i];
	}
	return -1;
}

/* Slot id of a relay address (address index * nports + port offset), or
 * AT_NONE if it is not one of ours. */
static inline uint32_t
slot_id(const struct alloc_table *t, const struct stun_addr *relay)
{
	uint32_t off = (uint32_t)relay->port - t->port_lo;
	int id;

	if (off >= t->nports)
		return AT_NONE;
	id = addr_id(t, relay);
	return id < 0 ? AT_NONE : (uint32_t)id * t->nports + off;
}

static void
relay_clear(struct alloc_table *t, uint32_t i)
{
	for (unsigned int s = 0; s < 2; s++) {
		uint32_t sid = t->rslot[i][s];
		if (sid != 0 && t->slot[sid - 1] == i + 1)
			t->slot[sid - 1] = 0;
		t->rslot[i][s] = 0;
	}
}

/* ---- create / destroy ---- */

static int
relay_init(struct alloc_table *t, const struct alloc_table_config *cfg)
{
	for (unsigned int i = 0; i < cfg->n_relay; i++) {
		const struct stun_addr *a = &cfg->relay[i];

		if (a->family == STUN_FAMILY_IPV4) {
			/* ip[4..15] is zero for IPv4 (stun_addr.h); a relay
			 * address breaking that could never be matched. */
			for (unsigned int k = 4; k < 16; k++)
				if (a->ip[k] != 0)
					return -EINVAL;
			t->v4[t->n_v4] = ld32(a->ip);
			t->v4_id[t->n_v4++] = (uint8_t)i;
		} else if (a->family == STUN_FAMILY_IPV6) {
			memcpy(t->v6[t->n_v6], a->ip, 16);
			t->v6_id[t->n_v6++] = (uint8_t)i;
		} else {
			return -EINVAL;
		}
		if (addr_id(t, a) != (int)i) /* a duplicate would shadow this one */
			return -EINVAL;
	}
	t->n_addr = (uint8_t)cfg->n_relay;
	return 0;
}

struct alloc_table *
alloc_table_create(const struct alloc_table_config *cfg)
{
	struct alloc_table *t;
	uint32_t cap;
	int err = ENOMEM;

	if (cfg == NULL || cfg->capacity == 0 || cfg->capacity > ALLOC_TABLE_MAX_CAPACITY ||
	    cfg->relay == NULL || cfg->n_relay == 0 || cfg->n_relay > ALLOC_TABLE_MAX_RELAY ||
	    cfg->port_lo == 0 || cfg->port_lo > cfg->port_hi ||
	    (cfg->zalloc == NULL) != (cfg->free == NULL)) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		goto err;
	cap = cfg->capacity;
	t->cap = cap;
	t->zalloc = cfg->zalloc != NULL ? cfg->zalloc : libc_zalloc;
	t->mfree = cfg->free != NULL ? cfg->free : libc_free;
	t->alloc_arg = cfg->alloc_arg;
	t->port_lo = cfg->port_lo;
	t->nports = (uint32_t)cfg->port_hi - cfg->port_lo + 1;
	if (relay_init(t, cfg) != 0) {
		err = EINVAL;
		goto err_t;
	}
	/* 10 slots per bucket, at most 80% used at capacity. */
	t->nb = (cap + 7) / 8;

	t->ent = at_alloc(t, AT_M_ENT, cap, ALLOC_TABLE_ENTRY_SIZE, 64);
	t->bkt = at_alloc(t, AT_M_BKT, t->nb, sizeof(struct at_bucket), 64);
	t->node = at_alloc(t, AT_M_NODE, cap, sizeof(*t->node), 64);
	t->rslot = at_alloc(t, AT_M_RSLOT, cap, sizeof(*t->rslot), 64);
	t->live = at_alloc(t, AT_M_LIVE, (cap + 63) / 64, sizeof(uint64_t), 64);
	t->slot = at_alloc(t, AT_M_SLOT, (size_t)t->n_addr * t->nports, sizeof(uint32_t), 64);
	if (t->ent == NULL || t->bkt == NULL || t->node == NULL || t->rslot == NULL ||
	    t->live == NULL || t->slot == NULL)
		goto err_mem;

	if (getrandom(&t->seed, sizeof(t->seed), 0) != (ssize_t)sizeof(t->seed)) {
		/* Time and addresses still differ per run. */
		t->seed = (uint64_t)time(NULL) * AT_MUL ^ (uintptr_t)t ^ (uint64_t)clock();
	}
	t->clock = cfg->now > AT_CLOCK_MAX ? AT_CLOCK_MAX : (uint32_t)cfg->now;
	t->wheel = tp_twheel_create(t->node, cap, ALLOC_TABLE_WHEEL_SLOTS, t->clock);
	if (t->wheel == NULL)
		goto err_mem;

	/* Free list in index order, so a fresh table fills from the front. */
	for (uint32_t i = 0; i < cap; i++)
		t->rslot[i][0] = i + 1 < cap ? i + 1 : AT_NONE;
	t->free = 0;
	for (int m = 0; m < AT_M_N; m++)
		t->footprint += t->mem[m].size;
	t->footprint += sizeof(*t) + tp_twheel_footprint(t->wheel);
	return t;

err_mem:
	for (int m = 0; m < AT_M_N; m++)
		if (t->mem[m].p != NULL)
			t->mfree(t->mem[m].p, t->alloc_arg);
err_t:
	free(t);
err:
	errno = err;
	return NULL;
}

void
alloc_table_destroy(struct alloc_table *t)
{
	if (t == NULL)
		return;
	tp_twheel_destroy(t->wheel);
	for (int m = 0; m < AT_M_N; m++)
		if (t->mem[m].p != NULL)
			t->mfree(t->mem[m].p, t->alloc_arg);
	free(t);
}

unsigned int
alloc_table_count(const struct alloc_table *t)
{
	return t->count;
}

uint64_t
alloc_table_generation(const struct alloc_table *t)
{
	return t->generation;
}

unsigned int
alloc_table_capacity(const struct alloc_table *t)
{
	return t->cap;
}

size_t
alloc_table_footprint(const struct alloc_table *t)
{
	return t->footprint;
}

void
alloc_table_set_time(struct alloc_table *t, uint64_t now)
{
	uint32_t c = now > AT_CLOCK_MAX ? AT_CLOCK_MAX : (uint32_t)now;

	if (c > t->clock)
		t->clock = c;
}

/* ---- ops ---- */

static struct turn_allocation *
at_lookup(void *tp, const struct stun_5tuple *ft)
{
	struct alloc_table *t = tp;

	if (t->hint_on && stun_5tuple_equal(ft, &t->hint_ft))
		return t->hint_a;
	return find(t, ft_hash(t, ft), ft);
}

static struct turn_allocation *
at_lookup_relay(void *tp, const struct stun_addr *relay)
{
	struct alloc_table *t = tp;
	uint32_t sid = slot_id(t, relay), v;

	if (sid == AT_NONE)
		return NULL;
	v = t->slot[sid];
	return v == 0 ? NULL : entry(t, v - 1);
}

static struct turn_allocation *
at_insert(void *tp, const struct stun_5tuple *ft)
{
	struct alloc_table *t = tp;
	uint64_t h;
	uint32_t i, b;
	struct turn_allocation *a;

	if (t->free == AT_NONE)
		return NULL;
	h = ft_hash(t, ft);
	if (find(t, h, ft) != NULL)
		return NULL;
	i = t->free;

	/* A bucket with a free slot, counting the full ones passed. Below
	 * capacity one exists: the slots outnumber the entries. */
	b = home_of(t, h);
	while (t->bkt[b].occ == AT_OCC_FULL) {
		if (t->bkt[b].ovf != AT_OVF_MAX)
			t->bkt[b].ovf++;
		b = bucket_next(t, b);
	}
	{
		struct at_bucket *bk = &t->bkt[b];
		unsigned int s = (unsigned int)__builtin_ctz(~(unsigned int)bk->occ);
		bk->tag[s] = (uint16_t)h;
		bk->idx[s] = i;
		bk->occ |= (uint16_t)(1u << s);
	}

	t->free = t->rslot[i][0];
	t->rslot[i][0] = t->rslot[i][1] = 0;
	a = entry(t, i);
	memset(a, 0, sizeof(*a));
	a->ft = *ft;
	t->live[i >> 6] |= 1ull << (i & 63);
	t->count++;
	t->generation++;
	/* Visited at the next advance, once the state machine has set
	 * a->expires; from then on at a->expires. */
	tp_twheel_schedule(t->wheel, i, t->clock);
	hint_clear(t);
	return a;
}

static int
at_index_relay(void *tp, struct turn_allocation *a)
{
	struct alloc_table *t = tp;
	uint32_t i = entry_of(t, a), sid[2] = {AT_NONE, AT_NONE};

	if (i == AT_NONE || a->n_relay > 2)
		return -EINVAL;
	for (unsigned int s = 0; s < a->n_relay; s++) {
		sid[s] = slot_id(t, &a->relay[s]);
		if (sid[s] == AT_NONE)
			return -EINVAL;
	}
	if (a->n_relay == 2 && sid[0] == sid[1])
		return -EINVAL;
	for (unsigned int s = 0; s < a->n_relay; s++)
		if (t->slot[sid[s]] != 0 && t->slot[sid[s]] != i + 1)
			return -EEXIST;
	relay_clear(t, i);
	for (unsigned int s = 0; s < a->n_relay; s++) {
		t->slot[sid[s]] = i + 1;
		t->rslot[i][s] = sid[s] + 1;
	}
	return 0;
}

/* Take entry @i out of the 5-tuple index. */
static void
unindex(struct alloc_table *t, uint32_t i, const struct turn_allocation *a)
{
	uint64_t h = ft_hash(t, &a->ft);
	uint32_t home = home_of(t, h), b = home;

	for (uint32_t n = 0; n < t->nb; n++) {
		struct at_bucket *bk = &t->bkt[b];

		for (unsigned int m = bk->occ; m != 0; m &= m - 1) {
			unsigned int s = (unsigned int)__builtin_ctz(m);
			if (bk->idx[s] != i)
				continue;
			bk->occ &= (uint16_t)~(1u << s);
			/* Undo the counts the insert left on the way. */
			for (uint32_t c = home; c != b; c = bucket_next(t, c))
				if (t->bkt[c].ovf != AT_OVF_MAX)
					t->bkt[c].ovf--;
			return;
		}
		if (bk->ovf == 0)
			break;
		b = bucket_next(t, b);
	}
	/* Only if a->ft changed after insert (a broken contract): find the
	 * slot anyway so the index never names a free entry. The counts on
	 * its probe path stay, which only lengthens some probes. */
	for (b = 0; b < t->nb; b++) {
		struct at_bucket *bk = &t->bkt[b];
		for (unsigned int m = bk->occ; m != 0; m &= m - 1) {
			unsigned int s = (unsigned int)__builtin_ctz(m);
			if (bk->idx[s] == i) {
				bk->occ &= (uint16_t)~(1u << s);
				return;
			}
		}
	}
}

static void
at_remove(void *tp, struct turn_allocation *a)
{
	struct alloc_table *t = tp;
	uint32_t i = entry_of(t, a);

	if (i == AT_NONE)
		return;
	unindex(t, i, a);
	relay_clear(t, i);
	tp_twheel_cancel(t->wheel, i);
	t->live[i >> 6] &= ~(1ull << (i & 63));
	t->rslot[i][0] = t->free;
	t->free = i;
	t->count--;
	t->generation++;
	if (t->hint_a == a)
		hint_clear(t);
}

struct at_scan {
	struct alloc_table *t;
	bool (*cb)(void *arg, struct turn_allocation *a);
	void *arg;
	unsigned int visited;
};

/* The wheel's expiry: hand the allocation to @cb and, unless it was
 * removed (or removed and its entry reused, which insert re-arms), arm it
 * again at its expiry, never at or before the clock. */
static void
at_expire(void *arg, uint32_t i)
{
	struct at_scan *sc = arg;
	struct alloc_table *t = sc->t;
	struct turn_allocation *a = entry(t, i);

	sc->visited++;
	sc->cb(sc->arg, a);
	if (is_live(t, i) && !tp_twheel_armed(t->wheel, i)) {
		uint64_t d = a->expires;
		if (d <= t->clock)
			d = (uint64_t)t->clock + 1;
		if (d > AT_CLOCK_MAX)
			d = AT_CLOCK_MAX;
		tp_twheel_schedule(t->wheel, i, (uint32_t)d);
	}
}

static unsigned int
at_scan(void *tp, uint64_t *cursor, unsigned int budget,
	bool (*cb)(void *arg, struct turn_allocation *a), void *arg)
{
	struct alloc_table *t = tp;
	struct at_scan sc = {.t = t, .cb = cb, .arg = arg};
	uint64_t i = *cursor;

	if (budget == 0)
		return 0;
	if (i == ALLOC_TABLE_CURSOR_WHEEL) {
		tp_twheel_advance(t->wheel, t->clock, budget, at_expire, &sc);
		return sc.visited;
	}
	/* A full pass: entry order, skipping free entries 64 at a time. */
	if (t->count == 0)
		i = t->cap;
	while (i < t->cap && sc.visited < budget) {
		uint64_t w = i >> 6;
		uint64_t bits = t->live[w] & (~0ull << (i & 63));

		if (bits == 0) {
			i = (w + 1) << 6;
			continue;
		}
		i = (w << 6) + (uint64_t)__builtin_ctzll(bits);
		sc.visited++;
		cb(arg, entry(t, (uint32_t)i));
		i++;
	}
	*cursor = i >= t->cap ? ALLOC_TABLE_CURSOR_WHEEL : i;
	return sc.visited;
}

const struct turn_table_ops alloc_table_ops = {
	.lookup = at_lookup,
	.lookup_relay = at_lookup_relay,
	.insert = at_insert,
	.index_relay = at_index_relay,
	.remove = at_remove,
	.scan = at_scan,
};

/* ---- bursts ---- */

void
alloc_table_hint(struct alloc_table *t, const struct stun_5tuple *ft, struct turn_allocation *a)
{
	t->hint_ft = *ft;
	t->hint_a = a;
	t->hint_on = true;
}

void
alloc_table_lookup_bulk(struct alloc_table *t, const struct stun_5tuple *const *fts,
			unsigned int n, struct turn_allocation **out)
{
	uint64_t h[AT_BULK];
	uint32_t cand[AT_BULK];

	while (n > 0) {
		unsigned int k = n < AT_BULK ? n : AT_BULK;

		/* 1: hash, prefetch the home buckets. */
		for (unsigned int j = 0; j < k; j++) {
			h[j] = ft_hash(t, fts[j]);
			__builtin_prefetch(&t->bkt[home_of(t, h[j])], 0, 3);
		}
		/* 2: the first tag match of each, prefetch its entry. */
		for (unsigned int j = 0; j < k; j++) {
			const struct at_bucket *bk = &t->bkt[home_of(t, h[j])];
			unsigned int m = tag_match(bk, (uint16_t)h[j]);

			cand[j] = AT_NONE;
			if (m != 0) {
				cand[j] = bk->idx[__builtin_ctz(m)];
				__builtin_prefetch(entry(t, cand[j]), 0, 3);
			} else if (bk->ovf == 0) {
				cand[j] = AT_NONE - 1; /* certainly absent */
			}
		}
		/* 3: compare; anything unusual takes the full probe. */
		for (unsigned int j = 0; j < k; j++) {
			if (cand[j] == AT_NONE - 1) {
				out[j] = NULL;
			} else if (cand[j] != AT_NONE && stun_5tuple_equal(&entry(t, cand[j])->ft, fts[j])) {
				out[j] = entry(t, cand[j]);
			} else {
				out[j] = find(t, h[j], fts[j]);
			}
		}
		fts += k;
		out += k;
		n -= k;
	}
}

void
alloc_table_prefetch_relay(struct alloc_table *t, const struct stun_addr *relay)
{
	uint32_t sid = slot_id(t, relay), v;

	if (sid == AT_NONE)
		return;
	__builtin_prefetch(&t->slot[sid], 0, 3);
	/* The load may miss, but the next datagram's does not wait on it. */
	v = t->slot[sid];
	if (v != 0)
		__builtin_prefetch(entry(t, v - 1), 0, 3);
}

void
alloc_table_lookup_relay_bulk(struct alloc_table *t, const struct stun_addr *const *relays,
			      unsigned int n, struct turn_allocation **out)
{
	uint32_t sid[AT_BULK];

	while (n > 0) {
		unsigned int k = n < AT_BULK ? n : AT_BULK;

		for (unsigned int j = 0; j < k; j++) {
			sid[j] = slot_id(t, relays[j]);
			if (sid[j] != AT_NONE)
				__builtin_prefetch(&t->slot[sid[j]], 0, 3);
		}
		for (unsigned int j = 0; j < k; j++) {
			uint32_t v = sid[j] == AT_NONE ? 0 : t->slot[sid[j]];
			out[j] = v == 0 ? NULL : entry(t, v - 1);
			if (v != 0)
				__builtin_prefetch(out[j], 0, 3);
		}
		relays += k;
		out += k;
		n -= k;
	}
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The default allocation table: a fixed array of entries, each holding a
 * struct turn_allocation, found through two chained hashes (client
 * 5-tuple, relay address) whose links are array indices. Free entries
 * form a list through the same link field, so insert and remove are O(1)
 * and nothing is allocated after turn_table_create.
 *
 * The table keeps its own copy of each key (5-tuple, indexed relay
 * addresses): whatever the state machine later writes into the
 * allocation, the chains stay consistent and remove finds every link.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "turn_table.h"

#define TT_NONE UINT32_MAX
#define TT_MAX_CAPACITY (1u << 24)

struct tt_entry {
	struct turn_allocation a; /* first, so &a is the entry */
	struct stun_5tuple key;
	struct stun_addr relay[2]; /* as indexed */
	uint32_t hash;             /* of key */
	uint32_t next;             /* 5-tuple chain; free list when unused */
	uint32_t rnext[2];         /* relay chains; node id = index * 2 + slot */
	uint8_t n_relay;           /* relay addresses indexed */
};

struct turn_table {
	struct tt_entry *e;
	uint32_t *head;  /* 5-tuple buckets */
	uint32_t *rhead; /* relay buckets, holding node ids */
	uint64_t *used;  /* one bit per live entry, for scan */
	uint32_t cap;
	uint32_t mask;
	uint32_t rmask;
	uint32_t free;
	uint32_t count;
	uint32_t seed;
};

static uint32_t
pow2_at_least(uint32_t n)
{
	uint32_t p = 16;
	while (p < n)
		p <<= 1;
	return p;
}

/* Relay addresses come from our own pool, so an attacker cannot aim them
 * at one bucket; a seeded multiply-xorshift mix is enough. */
static uint32_t
relay_hash(const struct stun_addr *a, uint32_t seed)
{
	uint64_t x0, x1, h;

	memcpy(&x0, a->ip, 8);
	memcpy(&x1, a->ip + 8, 8);
	h = (uint64_t)seed << 32 ^ (uint64_t)a->family << 16 ^ a->port;
	h = (h ^ x0) * 0x9e3779b97f4a7c15ull;
	h ^= h >> 29;
	h = (h ^ x1) * 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return (uint32_t)h;
}

static void
used_set(struct turn_table *t, uint32_t i, bool on)
{
	uint64_t bit = 1ull << (i & 63);
	if (on)
		t->used[i >> 6] |= bit;
	else
		t->used[i >> 6] &= ~bit;
}

/* Index of the entry holding @a, or TT_NONE if @a is not a live
 * allocation of this table. */
static uint32_t
entry_of(const struct turn_table *t, const struct turn_allocation *a)
{
	uintptr_t base = (uintptr_t)t->e, p = (uintptr_t)a, off, idx;

	if (p < base)
		return TT_NONE;
	off = p - base;
	if (off % sizeof(struct tt_entry) != 0)
		return TT_NONE;
	idx = off / sizeof(struct tt_entry);
	if (idx >= t->cap || !(t->used[idx >> 6] & (1ull << (idx & 63))))
		return TT_NONE;
	return (uint32_t)idx;
}

struct turn_table *
turn_table_create(unsigned int capacity)
{
	struct turn_table *t;
	uint32_t nb, nrb;

	if (capacity == 0 || capacity > TT_MAX_CAPACITY) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		goto err;
	t->cap = capacity;
	nb = pow2_at_least(capacity);
	nrb = pow2_at_least(2 * capacity);
	t->mask = nb - 1;
	t->rmask = nrb - 1;
	t->e = calloc(capacity, sizeof(*t->e));
	if (t->e == NULL)
		goto err_t;
	t->head = malloc(nb * sizeof(*t->head));
	if (t->head == NULL)
		goto err_e;
	t->rhead = malloc(nrb * sizeof(*t->rhead));
	if (t->rhead == NULL)
		goto err_head;
	t->used = calloc((capacity + 63) / 64, sizeof(*t->used));
	if (t->used == NULL)
		goto err_rhead;

	memset(t->head, 0xff, nb * sizeof(*t->head));
	memset(t->rhead, 0xff, nrb * sizeof(*t->rhead));
	for (uint32_t i = 0; i < capacity; i++)
		t->e[i].next = i + 1 < capacity ? i + 1 : TT_NONE;
	t->free = 0;
	/* A secret seed keeps clients from choosing 5-tuples that share a
	 * bucket; if getrandom fails, time and address still differ per run. */
	if (getrandom(&t->seed, sizeof(t->seed), 0) != (ssize_t)sizeof(t->seed))
		t->seed = (uint32_t)time(NULL) ^ (uint32_t)(uintptr_t)t;
	return t;

err_rhead:
	free(t->rhead);
err_head:
	free(t->head);
err_e:
	free(t->e);
err_t:
	free(t);
err:
	errno = ENOMEM;
	return NULL;
}

void
turn_table_destroy(struct turn_table *t)
{
	if (t == NULL)
		return;
	free(t->used);
	free(t->rhead);
	free(t->head);
	free(t->e);
	free(t);
}

unsigned int
turn_table_count(const struct turn_table *t)
{
	return t->count;
}

static struct turn_allocation *
tt_lookup(void *tp, const struct stun_5tuple *ft)
{
	struct turn_table *t = tp;
	uint32_t h = stun_5tuple_hash(ft, t->seed);

	for (uint32_t i = t->head[h & t->mask]; i != TT_NONE; i = t->e[i].next)
		if (t->e[i].hash == h && stun_5tuple_equal(&t->e[i].key, ft))
			return &t->e[i].a;
	return NULL;
}

/* Node id of the indexed relay address equal to @addr, or TT_NONE. */
static uint32_t
relay_find(const struct turn_table *t, const struct stun_addr *addr)
{
	uint32_t h = relay_hash(addr, t->seed);

	for (uint32_t n = t->rhead[h & t->rmask]; n != TT_NONE; n = t->e[n >> 1].rnext[n & 1])
		if (stun_addr_equal(&t->e[n >> 1].relay[n & 1], addr))
			return n;
	return TT_NONE;
}

static struct turn_allocation *
tt_lookup_relay(void *tp, const struct stun_addr *relay)
{
	struct turn_table *t = tp;
	uint32_t n = relay_find(t, relay);

	return n == TT_NONE ? NULL : &t->e[n >> 1].a;
}

/*
 * Zeroed storage for a new allocation with a->ft already set to @ft (the
 * key). NULL when the table is full, or when @ft already has an
 * allocation: two entries under one key would make lookup ambiguous.
 * Cost: one chain walk and clearing one entry.
 */
static struct turn_allocation *
tt_insert(void *tp, const struct stun_5tuple *ft)
{
	struct turn_table *t = tp;
	struct tt_entry *e;
	uint32_t i, h;

	if (t->free == TT_NONE || tt_lookup(t, ft) != NULL)
		return NULL;
	i = t->free;
	e = &t->e[i];
	t->free = e->next;

	memset(e, 0, sizeof(*e));
	e->key = *ft;
	e->a.ft = *ft;
	h = stun_5tuple_hash(ft, t->seed);
	e->hash = h;
	e->next = t->head[h & t->mask];
	e->rnext[0] = e->rnext[1] = TT_NONE;
	t->head[h & t->mask] = i;
	used_set(t, i, true);
	t->count++;
	return &e->a;
}

static void
relay_unlink(struct turn_table *t, uint32_t node)
{
	struct tt_entry *e = &t->e[node >> 1];
	uint32_t h = relay_hash(&e->relay[node & 1], t->seed);
	uint32_t *link = &t->rhead[h & t->rmask];

	while (*link != TT_NONE) {
		if (*link == node) {
			*link = e->rnext[node & 1];
			break;
		}
		link = &t->e[*link >> 1].rnext[*link & 1];
	}
	e->rnext[node & 1] = TT_NONE;
}

static void
relay_unlink_all(struct turn_table *t, uint32_t i)
{
	for (uint32_t s = 0; s < t->e[i].n_relay; s++)
		relay_unlink(t, i * 2 + s);
	t->e[i].n_relay = 0;
}

/*
 * Index a->relay[0 .. a->n_relay). Calling it again re-indexes (the old
 * addresses are dropped first). Returns 0; -EINVAL if @a is not a live
 * allocation of this table, n_relay > 2, a relay address has no family
 * or both are the same; -EEXIST if another allocation holds one of the
 * addresses (nothing is changed then).
 */
static int
tt_index_relay(void *tp, struct turn_allocation *a)
{
	struct turn_table *t = tp;
	uint32_t i = entry_of(t, a);

	if (i == TT_NONE || a->n_relay > 2)
		return -EINVAL;
	for (uint32_t s = 0; s < a->n_relay; s++) {
		uint32_t n;
		if (a->relay[s].family != STUN_FAMILY_IPV4 && a->relay[s].family != STUN_FAMILY_IPV6)
			return -EINVAL;
		n = relay_find(t, &a->relay[s]);
		if (n != TT_NONE && n >> 1 != i)
			return -EEXIST;
	}
	if (a->n_relay == 2 && stun_addr_equal(&a->relay[0], &a->relay[1]))
		return -EINVAL;

	relay_unlink_all(t, i);
	for (uint32_t s = 0; s < a->n_relay; s++) {
		struct tt_entry *e = &t->e[i];
		uint32_t h = relay_hash(&a->relay[s], t->seed);
		e->relay[s] = a->relay[s];
		e->rnext[s] = t->rhead[h & t->rmask];
		t->rhead[h & t->rmask] = i * 2 + s;
	}
	t->e[i].n_relay = a->n_relay;
	return 0;
}

/* Unlink from both hashes and return the entry to the free list. A
 * pointer that is not a live allocation of this table is ignored. */
static void
tt_remove(void *tp, struct turn_allocation *a)
{
	struct turn_table *t = tp;
	uint32_t i = entry_of(t, a), *link;
	struct tt_entry *e;

	if (i == TT_NONE)
		return;
	e = &t->e[i];
	for (link = &t->head[e->hash & t->mask]; *link != TT_NONE; link = &t->e[*link].next) {
		if (*link == i) {
			*link = e->next;
			break;
		}
	}
	relay_unlink_all(t, i);
	used_set(t, i, false);
	e->next = t->free;
	t->free = i;
	t->count--;
}

/*
 * Walk the entry array in index order from *cursor, calling @cb on each
 * live allocation, until @budget allocations were visited or @budget
 * 64-slot words were found empty (so a sparse table still costs O(budget)
 * per call). Entries never move, so one that stays in the table through
 * a whole cycle (cursor from 0 back to 0) is visited exactly once; one
 * inserted during the cycle is visited in it or in the next. @cb may
 * remove the allocation it is given. Returns the number visited.
 */
static unsigned int
tt_scan(void *tp, uint64_t *cursor, unsigned int budget,
	bool (*cb)(void *arg, struct turn_allocation *a), void *arg)
{
	struct turn_table *t = tp;
	uint64_t i = *cursor;
	unsigned int visited = 0, empty = 0;

	if (i >= t->cap)
		i = 0;
	while (visited < budget && i < t->cap) {
		uint64_t w = i >> 6;
		uint64_t bits = t->used[w] & (~0ull << (i & 63));

		if (bits == 0) {
			i = (w + 1) << 6;
			if (++empty >= budget)
				break;
			continue;
		}
		uint32_t j = (uint32_t)(w << 6) + (uint32_t)__builtin_ctzll(bits);
		i = (uint64_t)j + 1;
		visited++;
		cb(arg, &t->e[j].a);
	}
	*cursor = i >= t->cap ? 0 : i;
	return visited;
}

const struct turn_table_ops turn_table_ops = {
	.lookup = tt_lookup,
	.lookup_relay = tt_lookup_relay,
	.insert = tt_insert,
	.index_relay = tt_index_relay,
	.remove = tt_remove,
	.scan = tt_scan,
};

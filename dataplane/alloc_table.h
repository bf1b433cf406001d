/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The allocation table of one dataplane worker (issue #4): a struct
 * turn_table_ops for the TURN state machine sized for millions of
 * allocations, with bulk lookups for a receive burst, relay ports in
 * direct arrays over the worker's port slice, and expiry through the
 * worker's hashed timing wheel (twheel.h). Pure C, no DPDK: the memory
 * comes from allocator callbacks, so a worker puts it on its NUMA socket
 * and unit tests run without an EAL.
 *
 * How a worker uses it:
 *
 *   static void *wz(size_t size, size_t align, void *arg)
 *   {
 *           return rte_zmalloc_socket("alloc_table", size, align, *(int *)arg);
 *   }
 *   static void wf(void *p, void *arg) { (void)arg; rte_free(p); }
 *
 *   uint16_t lo, hi;
 *   tp_port_slice(cfg->port_min, cfg->port_max, n_workers, worker, &lo, &hi);
 *   struct alloc_table_config tc = {
 *           .capacity = share,                       // this worker's allocations
 *           .relay = cfg->relay_addrs, .n_relay = cfg->n_relay_addrs,
 *           .port_lo = lo, .port_hi = hi,            // the same slice as the relay pool
 *           .now = unix_now,
 *           .zalloc = wz, .free = wf, .alloc_arg = &socket,
 *   };
 *   w->at = alloc_table_create(&tc);
 *   w->pool = turn_relay_pool_create_multi(cfg->relay_addrs, cfg->n_relay_addrs, lo, hi);
 *   w->ts = turn_server_create(&tcfg, &hooks, ctx, &alloc_table_ops, w->at);
 *
 *   // A burst of client datagrams:
 *   const struct stun_5tuple *fts[n];                 // parsed from the mbufs
 *   struct turn_allocation *al[n];
 *   alloc_table_lookup_bulk(w->at, fts, n, al);       // overlaps the cache misses
 *   for (i = 0; i < n; i++) {
 *           alloc_table_hint(w->at, fts[i], al[i]);    // the server's lookup: one compare
 *           turn_server_handle_client(w->ts, fts[i], pkt, len, now, obuf, cap, &out);
 *   }
 *   // A burst of peer datagrams: the relay slots and entries, then the server.
 *   alloc_table_lookup_relay_bulk(w->at, relays, n, al);   // or _prefetch_relay each
 *   for (i = 0; i < n; i++)
 *           turn_server_handle_peer(w->ts, peers[i], relays[i], ...);
 *
 *   // Housekeeping, every so often:
 *   alloc_table_set_time(w->at, unix_now);
 *   turn_server_sweep(w->ts, unix_now, 256);            // visits only what is due
 *
 *   turn_server_destroy(w->ts);                        // flushes through ops.scan
 *   alloc_table_destroy(w->at);
 *
 * Behaviour of the ops (struct turn_table_ops), as turn_table.h, except
 * where marked:
 * - insert returns storage zeroed except a->ft, which holds the key; NULL
 *   when the table is full or @ft already has an allocation.
 * - CONTRACT (differs from turn_table.h): the table keeps no copy of the
 *   5-tuple. It hashes and compares a->ft, so a->ft must keep the value
 *   insert gave it for as long as the allocation is in the table. The
 *   state machine never writes a->ft after insert (turn_allocate.c
 *   stores the same value once more, which is harmless).
 * - index_relay indexes a->relay[0 .. n_relay) (at most 2) and may be
 *   called again to re-index (the old addresses are dropped first; the
 *   table remembers which slots it set, so later changes to a->relay do
 *   not corrupt it). Returns 0; -EINVAL (not a live allocation of this
 *   table, n_relay > 2, a relay address that is not one of the table's
 *   addresses or whose port is outside [port_lo, port_hi], both relays
 *   equal); -EEXIST (another allocation holds the address; nothing
 *   changed).
 * - lookup_relay returns NULL for an address or port outside the
 *   table's set.
 * - remove ignores a pointer that is not a live allocation.
 * - scan (DIFFERS): with *cursor below ALLOC_TABLE_CURSOR_WHEEL it is a
 *   full pass in entry order from *cursor (0 = the start), visiting up
 *   to @budget live allocations per call; when the pass reaches the end
 *   *cursor becomes ALLOC_TABLE_CURSOR_WHEEL. With that value a call is
 *   an advance of the timing wheel to the table's clock
 *   (alloc_table_set_time), examining at most @budget wheel entries, and
 *   @cb only sees allocations that are due: the first advance after
 *   insert, then at a->expires (as it was when last visited). If @cb
 *   did not remove the allocation it is re-armed at max(a->expires,
 *   clock + 1). So turn_server_sweep, whose cursor starts at 0, does one
 *   full pass (immediate on an empty table) and is then driven by the
 *   wheel: each allocation is visited about once per lifetime, while
 *   turn_server_flush, which starts every pass at 0, still sees
 *   everything. Returns the number of allocations @cb was called on.
 *   A Refresh that shortens a->expires does not move the wheel entry:
 *   the allocation is visited at its previous deadline, and until then
 *   the state machine still expires it on its next packet (it checks
 *   a->expires on every lookup).
 * Not thread-safe: one table per worker. Everything is allocated at
 * create; nothing allocates afterwards. insert, remove, lookup,
 * lookup_relay, index_relay are O(1) expected.
 *
 * Memory (alloc_table_footprint returns the exact total):
 *   per entry   ALLOC_TABLE_ENTRY_SIZE (sizeof(struct turn_allocation)
 *               rounded up to a 64-byte line)
 *             + 12 B timing-wheel node + 8 B relay-slot ids + 1 bit live
 *             + 8 B of hash buckets (a 64-byte bucket of 10 slots per 8
 *               entries of capacity: at most 80% of the slots used)
 *             = ALLOC_TABLE_ENTRY_SIZE + 28.1 B (measured by
 *               alloc_table_test: 320 + 28.1 B with the 320-byte
 *               struct turn_allocation of issue #4)
 *   per relay address and port of the slice: 4 B (16 addresses over
 *   ports 1024-65535: 4 MB)
 *   fixed: the table (about 2 KB) and the wheel (4096 slots, 16 KB).
 * The wheel's own 16 KB come from tp_twheel_create (libc heap), not from
 * @zalloc; everything per entry does.
 */
#ifndef TP_ALLOC_TABLE_H
#define TP_ALLOC_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "turn_server.h"

#define ALLOC_TABLE_MAX_CAPACITY (1u << 24)
#define ALLOC_TABLE_MAX_RELAY 64
/* Bytes of one entry: the allocation, cache-line aligned. */
#define ALLOC_TABLE_ENTRY_SIZE ((sizeof(struct turn_allocation) + 63) & ~(size_t)63)
/* The scan cursor once a full pass is over: wheel advances from then on. */
#define ALLOC_TABLE_CURSOR_WHEEL UINT64_MAX
/* Slots of the timing wheel: above TURN_MAX_LIFETIME, so an allocation
 * is never looked at more than once per revolution. */
#define ALLOC_TABLE_WHEEL_SLOTS 4096u

struct alloc_table;

struct alloc_table_config {
	unsigned int capacity;          /* 1 .. ALLOC_TABLE_MAX_CAPACITY */
	const struct stun_addr *relay;  /* relay addresses (ports ignored), distinct */
	unsigned int n_relay;           /* 1 .. ALLOC_TABLE_MAX_RELAY, IPv4 and IPv6 mixed */
	uint16_t port_lo, port_hi;      /* this worker's relay port slice, 1 <= lo <= hi */
	uint64_t now;                   /* the clock at create (Unix seconds), may be 0 */
	/*
	 * Zeroed memory of @size bytes aligned to @align (a power of two, at
	 * most 64), or NULL; and its release. NULL for both = libc. They are
	 * only called from alloc_table_create and alloc_table_destroy.
	 */
	void *(*zalloc)(size_t size, size_t align, void *arg);
	void (*free)(void *p, void *arg);
	void *alloc_arg;
};

extern const struct turn_table_ops alloc_table_ops;

/* NULL with errno EINVAL (bad capacity, relay addresses or ports) or
 * ENOMEM. */
struct alloc_table *alloc_table_create(const struct alloc_table_config *cfg);
/* NULL is accepted. The allocations are dropped without callbacks: flush
 * the server first (turn_server_destroy does). */
void alloc_table_destroy(struct alloc_table *t);

unsigned int alloc_table_count(const struct alloc_table *t);
unsigned int alloc_table_capacity(const struct alloc_table *t);
/* Changes with every insert and remove: results of a bulk lookup still
 * hold while it is unchanged (so they may be given to alloc_table_hint). */
uint64_t alloc_table_generation(const struct alloc_table *t);
/* Every byte allocated at create (the wheel's included); constant for the
 * table's life. */
size_t alloc_table_footprint(const struct alloc_table *t);

/* The table's clock, Unix seconds; it never goes back (a smaller value is
 * ignored). Call before turn_server_sweep with the same @now. */
void alloc_table_set_time(struct alloc_table *t, uint64_t now);

/*
 * Look up @n 5-tuples at once: out[i] is what ops.lookup(fts[i]) returns.
 * Hashes all, prefetches the buckets, then the candidate entries, then
 * compares, so the cache misses of a burst overlap. Any @n; duplicates
 * are fine.
 */
void alloc_table_lookup_bulk(struct alloc_table *t, const struct stun_5tuple *const *fts,
			     unsigned int n, struct turn_allocation **out);

/*
 * Tell the table that @ft maps to @a (NULL: to nothing), as a bulk lookup
 * just found: until the next hint, insert, or remove of @a, ops.lookup of
 * a 5-tuple equal to @ft answers @a after one compare, without hashing.
 * Other 5-tuples take the normal path. @ft is copied.
 */
void alloc_table_hint(struct alloc_table *t, const struct stun_5tuple *ft,
		      struct turn_allocation *a);

/* Prefetch the relay slot of @relay and, when the slot is set, the entry
 * it names: call it for each datagram of a peer burst before handling
 * them. Does nothing for an address outside the table's set. */
void alloc_table_prefetch_relay(struct alloc_table *t, const struct stun_addr *relay);

/* out[i] = ops.lookup_relay(relays[i]), in stages (slots, then entries)
 * so the misses of a burst overlap. */
void alloc_table_lookup_relay_bulk(struct alloc_table *t, const struct stun_addr *const *relays,
				   unsigned int n, struct turn_allocation **out);

#endif /* TP_ALLOC_TABLE_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A simple allocation table for the TURN state machine: fixed capacity,
 * open hashing on the client 5-tuple and on the relay address, allocated
 * once at creation. Used by tests, fuzzers and the perf harness; the
 * dataplane brings its own per-worker tables (issues #3, #4).
 *
 *   struct turn_table *t = turn_table_create(1024);
 *   s = turn_server_create(&cfg, &hooks, ctx, &turn_table_ops, t);
 *
 * Behaviour of the ops beyond struct turn_table_ops:
 * - insert returns storage zeroed except a->ft, which holds the key; it
 *   returns NULL when full and also when @ft already has an allocation.
 * - index_relay indexes a->relay[0 .. n_relay) (up to 2, one per family)
 *   and may be called again to re-index. Returns 0, -EINVAL (not a live
 *   allocation of this table, n_relay > 2, a relay without family, both
 *   relays equal) or -EEXIST (another allocation holds the address).
 * - The table keeps its own copies of the keys, so changing a->ft or
 *   a->relay afterwards does not corrupt it (lookups keep using what was
 *   inserted and indexed).
 * - remove ignores a pointer that is not a live allocation of the table.
 * - scan visits in array order; an allocation present for a whole cycle
 *   (cursor from 0 back to 0) is visited exactly once. A call also stops
 *   after @budget empty 64-slot words, so it may return 0 before the end.
 * Not thread-safe. All ops are O(1) expected, scan O(budget).
 */
#ifndef TURN_TABLE_H
#define TURN_TABLE_H

#include "turn_server.h"

struct turn_table;

extern const struct turn_table_ops turn_table_ops;

/* NULL with errno EINVAL (capacity 0 or > 2^24) or ENOMEM. */
struct turn_table *turn_table_create(unsigned int capacity);
void turn_table_destroy(struct turn_table *t);
unsigned int turn_table_count(const struct turn_table *t);

#endif

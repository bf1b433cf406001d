/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A simple allocation table for the TURN state machine: fixed capacity,
 * open hashing on the client 5-tuple and on the relay address, allocated
 * once at creation. Used by tests, fuzzers and the perf harness; the
 * dataplane brings its own per-worker tables (issues #3, #4).
 *
 *   struct turn_table *t = turn_table_create(1024);
 *   s = turn_server_create(&cfg, &hooks, ctx, &turn_table_ops, t);
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

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Allocation events from a worker to the main lcore, which sends them to
 * the control plane as ALLOC_EVENT (ctl_client.c). Only with a control
 * channel configured.
 *
 *   worker_create:   h->ev = dp_events_create(worker_id, socket);
 *   turn_hooks.event (auth.c), on the worker:
 *     dp_events_push(h->ev, TURN_EVENT_ALLOCATED, a, h->quota, now_s);
 *   worker housekeeping, after the main lcore asked for an announcement:
 *     dp_events_announce(w, budget);       every live allocation once, REFRESHED
 *   main lcore:
 *     n = dp_events_take(ev, recs, max);   fixed-size records, oldest first
 *
 * One single-producer single-consumer rte_ring of fixed-size records per
 * worker: the worker never blocks, allocates or locks; a full ring drops
 * the record and counts it (dp_events.dropped, read by the main lcore
 * with relaxed loads). Announcements never drop: they pause while the
 * ring lacks room and continue at the next housekeeping.
 *
 * Allocation ids: (worker id + 1) << 56 | created (Unix seconds, 32 bits)
 * << 16 | the allocation's 16-bit sequence (turn_allocation.seq). Unique
 * within a dataplane run unless one worker makes 65,536 allocations in
 * one second; the same for every event of an allocation.
 */
#ifndef DP_ALLOC_EVENTS_H
#define DP_ALLOC_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "quota.h"
#include "turn_server.h"

#define DP_EV_RING_SIZE 1024       /* records per worker ring (1023 usable) */
#define DP_EV_ANNOUNCE_BUDGET 128  /* allocations announced per housekeeping */

/* One event, as the ring carries it. */
struct dp_event_rec {
	uint8_t kind;       /* enum ctl_alloc_kind */
	uint8_t user_len;
	uint16_t reserved;
	uint32_t lifetime;  /* seconds left; 0 for DELETED and EXPIRED */
	uint64_t alloc_id;
	uint64_t c2p_packets, c2p_bytes, p2c_packets, p2c_bytes;
	struct stun_5tuple ft;
	struct stun_addr relay;
	char user[TP_QUOTA_NAME_MAX];
};

struct dp_events {
	struct rte_ring *ring;
	uint64_t id_base;     /* (worker id + 1) << 56 */
	uint64_t dropped;     /* ring full; written by the worker only */
	uint64_t cursor;      /* the announcement's scan position */
	bool announcing;
};

/* NULL with errno set (ENOMEM, EEXIST). */
struct dp_events *dp_events_create(unsigned int worker_id, int socket);
/* NULL is accepted. */
void dp_events_destroy(struct dp_events *ev);

/* Worker: queue an event for @a (ALLOCATED becomes CREATED); the user
 * name is the one @quota keeps for a->quota_handle. */
void dp_events_push(struct dp_events *ev, int turn_event, const struct turn_allocation *a,
		    const struct tp_quota *quota, uint64_t now_s);

struct worker;
/* Worker housekeeping: start (@start) or continue an announcement of
 * every live allocation as REFRESHED, at most @budget this call. */
void dp_events_announce(struct worker *w, bool start, unsigned int budget);

/* Main lcore: up to @max records, oldest first. Returns how many. */
unsigned int dp_events_take(struct dp_events *ev, struct dp_event_rec *out, unsigned int max);

/* The allocation id of @a on the worker whose ids start at @id_base. */
static inline uint64_t
dp_alloc_id(uint64_t id_base, const struct turn_allocation *a)
{
	return id_base | (uint64_t)a->created << 16 | a->seq;
}

#endif

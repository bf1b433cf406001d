/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Credential lookups that miss a worker's key cache: the requests in
 * flight to the main lcore, the packets parked until they are answered,
 * and the two rings between them (architecture decision 5).
 *
 *   worker (in the cred_lookup hook, on a cache miss):
 *     authq_request(aq, &id, now_us)      -> the hook returns -EAGAIN
 *   worker (turn_io.c, on TURN_PENDING):
 *     authq_park(w, m, &ft, payload, len)  keeps the mbuf, or drops it
 *   worker loop:
 *     authq_poll(w)                        answers -> cache -> resubmit
 *     authq_sweep(w)                       (housekeeping) timeouts, stats
 *   main lcore, every ~1 ms, either synchronously from the config's users:
 *     authq_serve(aq, users)               requests -> credential store -> answers
 *   or asynchronously (the control channel, ctl_client.c):
 *     authq_take(aq, &t)                   a request, now
 *     authq_answer(aq, t.cookie, st, &val, ttl_s)   its answer, later
 *
 * Per worker: one request ring (worker -> main) and one reply ring
 * (main -> worker), each single-producer single-consumer, so neither
 * side takes a lock or makes a system call. An answer carries the TTL
 * the worker caches it for (the config's users: AUTHQ_TTL_S and
 * AUTHQ_NEGATIVE_TTL_S; the control plane: its own). Every request
 * taken must be answered exactly once (an error answer if nothing
 * else): the worker holds the packets parked on it until then, or until
 * AUTHQ_TIMEOUT_US.
 */
#ifndef DP_AUTHQ_H
#define DP_AUTHQ_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "keycache.h"
#include "stun_addr.h"

#define AUTHQ_RING_SIZE 64        /* request and reply rings: 63 usable each */
#define AUTHQ_INFLIGHT 32         /* distinct lookups outstanding per worker */
#define AUTHQ_PARK_SLOTS 64       /* packets parked per worker */
#define AUTHQ_TIMEOUT_US 1000000  /* a parked packet or a lookup unanswered this long is dropped */
#define AUTHQ_REPLY_BURST 8       /* answers the worker takes per loop iteration */
#define AUTHQ_SERVE_BUDGET 32     /* requests the main lcore answers per worker per tick */
#define AUTHQ_TTL_S 60          /* a config-file user's key stays cached this long */
#define AUTHQ_NEGATIVE_TTL_S 5  /* "no such user" from the config file, likewise */
#define AUTHQ_MAX_TTL_S 86400   /* answers' TTLs are clamped to 1 .. this */

struct authq;
struct dp_users;
struct worker;

enum authq_status {
	AUTHQ_FOUND,
	AUTHQ_NOT_FOUND,
	AUTHQ_ERROR,     /* the store could not answer: the parked packets are dropped */
};

/* A request taken by the main lcore: @cookie goes back with the answer. */
struct authq_ticket {
	uint32_t cookie;
	struct keycache_id id;
};

/* The rings (named after @worker_id) and state on @socket. NULL with
 * errno set (rte_errno's value: ENOMEM, EEXIST). */
struct authq *authq_create(unsigned int worker_id, int socket);
/* After the worker stopped: frees the parked mbufs and the rings. */
void authq_destroy(struct authq *aq);

/*
 * Worker, from the cred_lookup hook on a cache miss: join the lookup of
 * @id already in flight, or send a new one. Remembers which, for the
 * authq_park that follows. Returns 0, or -ENOSPC when AUTHQ_INFLIGHT
 * lookups are outstanding or the request ring is full (the park that
 * follows then drops the packet as auth_pending_full).
 */
int authq_request(struct authq *aq, const struct keycache_id *id, uint64_t hash,
		  uint64_t now_us);

/*
 * Worker, for a TURN_PENDING verdict on @m: keep it with what
 * turn_client_input needs to run it again. Takes ownership of @m: parked
 * (auth_parked) or dropped (auth_pending_full: no slot, or no lookup).
 */
void authq_park(struct worker *w, struct rte_mbuf *m, const struct stun_5tuple *ft,
		const uint8_t *payload, uint16_t len);

/*
 * Worker loop: take up to AUTHQ_REPLY_BURST answers; for each, fill the
 * key cache (found: the key; not found: a negative entry; both for the
 * answer's TTL) and resubmit the packets parked on that lookup
 * (auth_resumed); an error answer drops them (auth_pending). Cost when
 * idle: one load of the reply ring's producer index.
 */
void authq_poll(struct worker *w);

/* Worker housekeeping: time out parked packets (auth_pending) and
 * lookups, expire a few cache sets, copy the cache's counters. */
void authq_sweep(struct worker *w);

/* Main lcore: answer up to AUTHQ_SERVE_BUDGET of @aq's requests from
 * @users (unknown: NOT_FOUND), never more than the reply ring has room
 * for. The synchronous form, without a control plane. */
void authq_serve(struct authq *aq, const struct dp_users *users);

/* Main lcore: the next request into @t. 0, or -ENOENT if there is none.
 * The caller owes it one authq_answer. */
int authq_take(struct authq *aq, struct authq_ticket *t);

/* Main lcore: the answer to the request of @cookie. @val is the key and
 * user for AUTHQ_FOUND (ignored otherwise); @ttl_s how long the worker
 * may cache a FOUND or NOT_FOUND answer (clamped to 1..AUTHQ_MAX_TTL_S).
 * 0, or -ENOSPC if the reply ring is full (the worker then times the
 * request out, which fails closed like an error answer). */
int authq_answer(struct authq *aq, uint32_t cookie, enum authq_status st,
		 const struct keycache_val *val, uint32_t ttl_s);

/* Main lcore: free slots in the reply ring (it is the only producer, so
 * the number can only grow until it answers). */
unsigned int authq_reply_room(const struct authq *aq);

#endif

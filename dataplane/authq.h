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
 *   main lcore, every ~1 ms:
 *     authq_serve(aq, users)               requests -> credential store -> answers
 *
 * Per worker: one request ring (worker -> main) and one reply ring
 * (main -> worker), each single-producer single-consumer, so neither
 * side takes a lock or makes a system call. Today the main lcore answers
 * from the config file's users; the control plane (#5) goes behind
 * authq_serve without the worker changing.
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
#define AUTHQ_TTL_US (60ull * 1000000)         /* a user's key stays cached this long */
#define AUTHQ_NEGATIVE_TTL_US (5ull * 1000000) /* "no such user" stays cached this long */

struct authq;
struct dp_users;
struct worker;

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
 * key cache (found: AUTHQ_TTL_US; not found: a negative entry for
 * AUTHQ_NEGATIVE_TTL_US) and resubmit the packets parked on that lookup
 * (auth_resumed); an error answer drops them (auth_pending). Cost when
 * idle: one load of the reply ring's producer index.
 */
void authq_poll(struct worker *w);

/* Worker housekeeping: time out parked packets (auth_pending) and
 * lookups, expire a few cache sets, copy the cache's counters. */
void authq_sweep(struct worker *w);

/* Main lcore: answer up to AUTHQ_SERVE_BUDGET of @aq's requests from
 * @users, never more than the reply ring has room for. */
void authq_serve(struct authq *aq, const struct dp_users *users);

#endif

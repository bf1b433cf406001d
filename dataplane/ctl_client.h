/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane's end of the control channel (include/turnpike/ctl_proto.h,
 * docs/control-channel.md "Dataplane behaviour"): a unix stream socket to
 * turnpike-control, driven from the main lcore's service loop and never
 * blocking it.
 *
 *   dp->upd = dp_update_create(dp);
 *   dp->ctl = ctl_client_create(dp);        // only if control.socket is set
 *   every ~1 ms (signals_wait):
 *     ctl_client_tick(dp->ctl, now_ms);     // connect, read, answer, lookups,
 *                                           // events, timeouts, write
 *   ctl_client_destroy(dp->ctl);             // after the workers stopped
 *
 * What it does each tick, in order:
 *   - (re)connects with back-off (100 ms doubling to 5 s; one log line per
 *     state change), HELLO first both ways;
 *   - reads at most a bounded number of bytes into a buffer of one
 *     CTL_MAX_FRAME and handles each complete frame: CRED_ANSWER fills the
 *     asking worker's key cache; REST_SECRETS, PEER_RULES, QUOTAS go to
 *     dp_update (ACK or ERROR FAILED); COUNTERS_REQUEST gets a
 *     COUNTERS_SNAPSHOT; DRAIN sets dp->drain_requested; RELOAD runs
 *     dp_update_reload; unknown types get ERROR UNKNOWN_TYPE, malformed
 *     bodies ERROR BAD_MESSAGE; a protocol error (bad magic, version, an
 *     oversized frame, anything but HELLO first) closes and reconnects;
 *   - takes the workers' credential requests: config-file users answer
 *     at once, others become CRED_LOOKUPs (pending table of
 *     CTL_PENDING_MAX, CTL_LOOKUP_TIMEOUT_MS), or an error answer when
 *     the channel is down or full (fail closed: the client retransmits);
 *   - moves allocation events from the workers' rings into a backlog of
 *     CTL_BACKLOG_MAX records (oldest dropped when full) and from there
 *     into the write buffer while connected;
 *   - writes what the write buffer (CTL_WBUF_SIZE) holds.
 * Replies always find room: a frame is read only while one maximum frame
 * of write buffer is free, lookups leave that much free, events twice
 * that.
 */
#ifndef DP_CTL_CLIENT_H
#define DP_CTL_CLIENT_H

#include <stdint.h>

#define CTL_WBUF_SIZE (256u * 1024)
#define CTL_PENDING_MAX 1024          /* lookups in flight (a power of two) */
#define CTL_LOOKUP_TIMEOUT_MS 900     /* below the worker's AUTHQ_TIMEOUT_US */
#define CTL_BACKLOG_MAX 4096          /* allocation events held while not sending */
#define CTL_BACKOFF_MIN_MS 100
#define CTL_BACKOFF_MAX_MS 5000
#define CTL_HELLO_TIMEOUT_MS 5000     /* connected, but no HELLO from the peer */
#define CTL_READ_BUDGET 16            /* recv calls per tick */

struct dp;
struct ctl_client;

/* Monitoring numbers (telemetry /turnpike/control, the snapshot). */
struct ctl_client_stats {
	uint64_t connected;        /* 1 while the channel is up (HELLO exchanged) */
	uint64_t connects;         /* times it came up */
	uint64_t events_sent;
	uint64_t events_dropped;   /* backlog full, unencodable; the workers' ring
				    * drops are counted per worker (ctl_events_dropped) */
	uint64_t events_backlog;   /* records waiting now */
	uint64_t lookups_sent;
	uint64_t lookups_found, lookups_not_found;
	uint64_t lookup_errors;    /* answered ERROR, or an ERROR frame */
	uint64_t lookup_timeouts;
	uint64_t lookups_failed;   /* not sent: channel down, table or buffer full */
	uint64_t lookups_pending;
	uint64_t frames_in, frames_out;
	uint64_t protocol_errors;  /* connections closed for a protocol error */
	uint64_t instance_id;      /* ours, random per process start */
};

/* For dp->cfg.control_socket. NULL with errno ENOMEM. Does not connect
 * yet (the first tick does). */
struct ctl_client *ctl_client_create(struct dp *dp);
/* Closes the socket; pending lookups are not answered (the workers have
 * stopped). NULL is accepted. */
void ctl_client_destroy(struct ctl_client *c);

/* One round of the service loop at monotonic time @now_ms. */
void ctl_client_tick(struct ctl_client *c, uint64_t now_ms);

/* A copy of the numbers; safe from another thread (relaxed loads). */
void ctl_client_stats(const struct ctl_client *c, struct ctl_client_stats *out);

#endif

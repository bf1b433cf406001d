/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-worker counters. Each worker owns one struct dp_counters inside its
 * cache-aligned state and is its only writer; readers (telemetry, the
 * drain check on the main lcore) sum them across workers.
 *
 *   w->cnt.rx_client_pkts++;
 *   dp_counters_add(&total, &w->cnt);   // for each worker
 *
 * Ordering contract: plain 64-bit stores by the owner, plain 64-bit loads
 * by readers. On x86-64 (and every 64-bit DPDK target) aligned 64-bit
 * accesses do not tear, so a reader sees each counter at some recent
 * value; sums across counters are not a consistent snapshot, which is
 * fine for monitoring. The gauges are copied from turn_server_stats() by
 * the worker itself every DP_HOUSEKEEPING_ITERS loop iterations, because
 * the turn_server is not to be read from another thread.
 */
#ifndef DP_COUNTERS_H
#define DP_COUNTERS_H

#include <stdint.h>

#include "turnpike/drop.h"

/* One X-macro list so the struct, the sums and the telemetry names
 * cannot drift apart. */
#define DP_COUNTERS(X)                                                                           \
	/* Every frame received and every frame the tx queue accepted. */                       \
	X(rx_pkts) X(rx_bytes) X(tx_pkts) X(tx_bytes)                                            \
	/* UDP payloads by direction: from clients, from peers (to relays). */                  \
	X(rx_client_pkts) X(rx_client_bytes) X(rx_peer_pkts) X(rx_peer_bytes)                    \
	/* Sent, by verdict: STUN/TURN responses, relayed to peers, delivered to               \
	 * clients (ChannelData or Data indications); payload bytes. */                          \
	X(tx_reply_pkts) X(tx_reply_bytes) X(tx_peer_pkts) X(tx_peer_bytes)                      \
	X(tx_client_pkts) X(tx_client_bytes)                                                     \
	/* Control traffic answered or sent by the L2/L3 stages. */                             \
	X(arp_replies) X(arp_requests) X(nd_adverts) X(nd_solicits)                              \
	X(icmp_echo_replies) X(icmp6_echo_replies)                                               \
	/* Received and consumed: ARP replies and NAs that updated the                         \
	 * neighbour table (every other frame is a drop or a reply). */                          \
	X(arp_learnt) X(nd_learnt)                                                               \
	/* Gauges, copied from turn_server_stats() and the neighbour table. */                  \
	X(allocations_active) X(allocations_total) X(permissions) X(channels)                    \
	X(auth_ok) X(auth_fail) X(neigh_entries)                                                 \
	/* Overflow blocks for permissions and channels 3..8 in use, and                       \
	 * requests refused (508) because none was left. */                                     \
	X(overflow_blocks_used) X(overflow_exhausted)                                            \
	/* Credential lookups (auth.c, authq.c): key cache results, copied from                \
	 * the cache at housekeeping; requests parked on a miss and resubmitted. */              \
	X(keycache_hit) X(keycache_miss) X(keycache_negative) X(keycache_evictions)              \
	X(auth_parked) X(auth_resumed)                                                           \
	/* The kernel exception port (net_exception.c): frames we do not serve                 \
	 * handed to the kernel; frames from it, and of those the ones sent on                  \
	 * out of the main port and the ARP/ND answers given to it. */                         \
	X(exception_tx_pkts) X(exception_tx_bytes) X(exception_rx_pkts) X(exception_rx_bytes)   \
	X(exception_fwd_pkts) X(exception_proxy_replies)                                       \
	/* Several workers (handoff.c): frames handed to their owner and taken                 \
	 * from other workers; neighbour news sent to and applied from them. */                 \
	X(handoff_out) X(handoff_in) X(neigh_pushed) X(neigh_received)                          \
	/* Relayed datagrams to one of our own relay addresses, turned round                   \
	 * inside (udp_hairpin: both parties of a call relaying through us). */                   \
	X(hairpin_pkts)
/* (allocations_active_udp4/udp6: live allocations by the client's address
 * family; ctl_events_dropped: allocation events lost to a full worker
 * ring. See DP_COUNTERS_EXTRA.) */

/* Gauges and counts outside the list above because their external names
 * differ: the control channel's snapshot calls them
 * "allocations_active.udp4", "allocations_active.udp6" and (part of)
 * "ctl.events_dropped"; telemetry uses the field names. */
#define DP_COUNTERS_EXTRA(X) X(allocations_active_udp4) X(allocations_active_udp6) \
	X(ctl_events_dropped)

struct dp_counters {
#define DP_COUNTER_FIELD_(name) uint64_t name;
	DP_COUNTERS(DP_COUNTER_FIELD_)
	DP_COUNTERS_EXTRA(DP_COUNTER_FIELD_)
#undef DP_COUNTER_FIELD_
	uint64_t drops[TP_DROP_MAX];
};

static inline void
dp_counters_add(struct dp_counters *sum, const struct dp_counters *c)
{
#define DP_COUNTER_ADD_(name) sum->name += c->name;
	DP_COUNTERS(DP_COUNTER_ADD_)
	DP_COUNTERS_EXTRA(DP_COUNTER_ADD_)
#undef DP_COUNTER_ADD_
	for (unsigned int i = 0; i < TP_DROP_MAX; i++)
		sum->drops[i] += c->drops[i];
}

#endif

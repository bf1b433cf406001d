/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DPDK I/O of turnpike-perf: one Ethernet port (EAL port 0, e.g. a
 * net_memif client facing turnpike-dataplane's memif server, or a NIC),
 * one rx/tx queue, IPv4 and UDP only, no kernel on the path.
 *
 * On the link the generator is one host, --dpdk-ip (the dataplane's
 * gateway4): it answers ARP for that address and learns the server's MAC
 * by ARP. Every client and echo-peer address is off-link behind it, so
 * the dataplane sends all their traffic to this port's MAC and no
 * per-address neighbour entries are needed on either side.
 *
 *   struct perf_dpdk *d;
 *   perf_dpdk_open(eal_args, &self_ip, &server, &d, err, sizeof(err));
 *   perf_dpdk_set_peers(d, &first_peer, n_peers);  // echo peers
 *   perf_dpdk_send(d, &client, &server, bufs, lens, n);
 *   perf_dpdk_poll(d, on_datagram, ctx);           // echoes peers itself
 *   perf_dpdk_close(d);
 *
 * Echo peers are answered inside perf_dpdk_poll by turning the frame
 * round in place (addresses and ports swapped: the checksums stay
 * valid), so a relayed packet costs the generator no copy. Every other
 * UDP datagram is handed to the callback with its destination address;
 * the payload lives in the mbuf until the callback returns.
 *
 * Not thread-safe: one thread at a time uses the port; a thread that is
 * not an EAL lcore calls perf_dpdk_thread_enter() first.
 */
#ifndef PERF_DPDK_H
#define PERF_DPDK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stun_addr.h"

struct perf_dpdk;

#define PERF_DPDK_PEER_PORT 9000 /* every echo peer's UDP port */

struct perf_dpdk_stats {
	uint64_t rx_frames, tx_frames, tx_dropped, echoed, arp, ignored;
};

/* Callback for a UDP datagram addressed to a client. */
typedef void perf_dpdk_rx_fn(void *ctx, const struct stun_addr *dst, uint8_t *payload,
			     size_t len, uint64_t now_ns);

#ifdef PERF_HAVE_DPDK
/*
 * rte_eal_init with @eal_args (split at white space), port 0 started,
 * link up (waits up to 10 s: a memif client waits for its server), the
 * server's MAC resolved by ARP from @self (up to 5 s). Returns 0 or
 * -errno with a message in @err.
 */
int perf_dpdk_open(const char *eal_args, const struct stun_addr *self,
		   const struct stun_addr *server, struct perf_dpdk **out, char *err, size_t errlen);
void perf_dpdk_close(struct perf_dpdk *d);
/* Peers: @n addresses from @first upwards (same port). With @echo they
 * answer inside perf_dpdk_poll; without, their datagrams go to the
 * callback like a client's (sink peers). */
void perf_dpdk_set_peers(struct perf_dpdk *d, const struct stun_addr *first, unsigned int n,
			 bool echo);
/* Send @n datagrams from @src to @dst; returns how many the port took. */
unsigned int perf_dpdk_send(struct perf_dpdk *d, const struct stun_addr *src,
			    const struct stun_addr *dst, uint8_t *const *bufs, const int *lens,
			    unsigned int n);
/* One receive burst; returns the number of frames seen (0: idle). */
unsigned int perf_dpdk_poll(struct perf_dpdk *d, perf_dpdk_rx_fn *fn, void *ctx);
/* Register the calling (non-EAL) thread with EAL; 0 or -errno. */
int perf_dpdk_thread_enter(void);
void perf_dpdk_thread_leave(void);
void perf_dpdk_get_stats(const struct perf_dpdk *d, struct perf_dpdk_stats *st);
#endif

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The packet stages of a worker, one file each:
 *
 *   net_eth.c   eth_input: dispatch by ethertype; eth_output: next hop,
 *               neighbour resolution, Ethernet header, tx buffer
 *   net_arp.c   ARP replies for our IPv4 addresses, ARP requests
 *   net_ipv4.c  IPv4 validation (options, fragments, checksum), headers
 *   net_ipv6.c  IPv6 validation (extension headers, multicast), headers
 *   net_icmp.c  ICMP and ICMPv6 echo, ICMPv6 dispatch to ND
 *   net_nd.c    NS -> NA for our addresses, NA learning, NS for resolution
 *   net_udp.c   UDP validation and output (checksums by offload or software)
 *   turn_io.c   UDP payloads to the TURN state machine and its verdicts
 *               back into the same mbuf
 *   net_exception.c  packets for us that no stage serves, to the kernel
 *               through the exception port; the kernel's packets out of
 *               the main port; ARP and ND answered on the kernel's side
 *
 * Every *_input takes ownership of the mbuf: it is sent, or freed and
 * counted under a TP_DROP_* reason. Frames are single-segment (checked
 * in eth_input); data starts at the Ethernet header.
 */
#ifndef DP_NET_H
#define DP_NET_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "dp.h"

#define ETH_HLEN ((uint16_t)sizeof(struct rte_ether_hdr))
#define IP4_HLEN ((uint16_t)sizeof(struct rte_ipv4_hdr))
#define IP6_HLEN ((uint16_t)sizeof(struct rte_ipv6_hdr))
#define UDP_HLEN ((uint16_t)sizeof(struct rte_udp_hdr))

static inline uint16_t
l3_hlen(uint8_t family)
{
	return family == STUN_FAMILY_IPV6 ? IP6_HLEN : IP4_HLEN;
}

/* worker.c: transmit through the worker's buffer (flushed when full or
 * by the drain timer); frees and counts what the queue refuses. */
void worker_flush(struct worker *w);

static inline void
worker_tx(struct worker *w, struct rte_mbuf *m)
{
	w->tx_pkts[w->tx_n++] = m;
	if (w->tx_n == DP_BURST)
		worker_flush(w);
}

/* net_eth.c */
void eth_input(struct worker *w, struct rte_mbuf *m);
/* Fill the Ethernet header of @m for @dst_ip (routed through the gateway
 * when not on-link) and queue it; without a neighbour entry, solicit and
 * drop. 0 if queued, else -ENETUNREACH or -EHOSTUNREACH (dropped and
 * counted). */
int eth_output(struct worker *w, struct rte_mbuf *m, uint8_t family, const uint8_t *dst_ip);

/* Our addresses (net_eth.c). net_prepare fills dp_net's IPv4 tables from
 * its addresses; the predicates below rely on it. */
void net_prepare(struct dp_net *n);
/* One of network.addresses (where STUN/TURN listen). */
bool net_is_listen_address(const struct dp_net *n, uint8_t family, const uint8_t *ip);
/* One of relay.addresses. */
bool net_is_relay_address(const struct dp_net *n, uint8_t family, const uint8_t *ip);
/*
 * A frame another worker handed over whose source is one of our relay
 * addresses: a hairpinned datagram (udp_hairpin). Anything from the wire
 * with such a source was dropped as bad_source by the worker that got
 * it, before it could be handed over, so only hairpins pass this.
 */
static inline bool
net_is_hairpin(const struct worker *w, uint8_t family, const uint8_t *src)
{
	return w->in_handoff && net_is_relay_address(w->net, family, src);
}
/* A listen address or a relay address. */
bool net_is_local(const struct dp_net *n, uint8_t family, const uint8_t *ip);
bool net_on_link(const struct dp_net *n, uint8_t family, const uint8_t *ip);
/* true for a source address no packet may carry toward us: multicast,
 * limited or one of our subnet broadcasts, loopback, unspecified (callers
 * exempt the cases the protocol allows), or one of our own addresses. */
bool net_is_bad_source(const struct dp_net *n, uint8_t family, const uint8_t *ip);
/* The local address to source control traffic toward @dst from: one on
 * the same prefix, else the first of the family; NULL if none. */
const uint8_t *net_source_for(const struct dp_net *n, uint8_t family, const uint8_t *dst);

/* net_arp.c */
void arp_input(struct worker *w, struct rte_mbuf *m);
void arp_request(struct worker *w, const uint8_t ip[4]);
/* Turn the ARP request in @m (already validated) into our reply from the
 * main port's MAC: the target becomes the sender, back to the frame's
 * source MAC. */
void arp_reply_fill(struct worker *w, struct rte_mbuf *m);

/* net_ipv4.c / net_ipv6.c */
void ipv4_input(struct worker *w, struct rte_mbuf *m);
void ipv4_fill(struct worker *w, struct rte_mbuf *m, struct rte_ipv4_hdr *ip, const uint8_t *src,
	       const uint8_t *dst, uint8_t proto, uint16_t l4len, bool df);
void ipv6_input(struct worker *w, struct rte_mbuf *m);
void ipv6_fill(struct rte_ipv6_hdr *ip, const uint8_t *src, const uint8_t *dst, uint8_t proto,
	       uint16_t l4len, uint8_t hop_limit);

/* net_icmp.c */
void icmp4_input(struct worker *w, struct rte_mbuf *m, struct rte_ipv4_hdr *ip, uint16_t l4len);
void icmp6_input(struct worker *w, struct rte_mbuf *m, struct rte_ipv6_hdr *ip, uint16_t l4len);

/* net_nd.c: @l4 is the ICMPv6 message, checksum already verified. */
void nd_input(struct worker *w, struct rte_mbuf *m, struct rte_ipv6_hdr *ip, uint8_t *l4,
	      uint16_t l4len);
void nd_solicit(struct worker *w, const uint8_t target[16]);
/* Rewrite @m as an NA for @target, from the main port's MAC, to @dst at
 * @dmac. 0, or -ENOBUFS if the mbuf cannot hold it (@m left to the
 * caller). */
int nd_advert_fill(struct worker *w, struct rte_mbuf *m, const uint8_t target[16],
		   const uint8_t dst[16], const struct rte_ether_addr *dmac, bool solicited);

/* net_udp.c */
void udp_input(struct worker *w, struct rte_mbuf *m, uint8_t family, const void *l3,
	       struct rte_udp_hdr *udp, uint16_t l4len);
/* @m holds Ethernet + L3 + UDP header space followed by the payload;
 * writes the headers from @src to @dst and sends. @dsum: the folded sum
 * of the UDP data if known (l4sum.h), else -1. Returns eth_output's
 * answer: 0 if queued, else dropped and counted. */
/*
 * A datagram relayed to one of our own relay addresses (both parties of a
 * call relaying through this appliance): it never leaves; headers are
 * written as for the wire and it comes back in through udp_input as peer
 * data, handed to the worker owning the destination port if that is
 * another. @m's data starts where the Ethernet header goes, as for
 * udp_output.
 */
void udp_hairpin(struct worker *w, struct rte_mbuf *m, const struct stun_addr *src,
		 const struct stun_addr *dst);
/* True if @dst is one of our relayed transport addresses (a hairpin). */
bool udp_is_hairpin_dst(const struct worker *w, const struct stun_addr *dst);
int udp_output(struct worker *w, struct rte_mbuf *m, const struct stun_addr *src,
	       const struct stun_addr *dst, bool df, int32_t dsum);

/* net_exception.c */
/* A packet addressed to us that no stage serves, its frame intact: to the
 * kernel through the exception port, or without one dropped as @reason
 * (l4_unsupported, udp_no_service). */
void exception_output(struct worker *w, struct rte_mbuf *m, enum tp_drop_reason reason);
/* A frame received from the exception port. */
void exception_input(struct worker *w, struct rte_mbuf *m);
/* Send the exception port's tx buffer; frees and counts what it refuses. */
void exception_flush(struct worker *w);

/* turn_io.c */
void turn_client_input(struct worker *w, struct rte_mbuf *m, const struct stun_5tuple *ft,
		       const uint8_t *payload, uint16_t len);
void turn_peer_input(struct worker *w, struct rte_mbuf *m, const struct stun_addr *peer,
		     const struct stun_addr *relay, const uint8_t *payload, uint16_t len);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP in: length and checksum checks, then to the TURN state machine as
 * client traffic (our address, the listen port) or peer traffic (a relay
 * address, a port in the relay range), on the worker that owns it
 * (handoff.h: other workers' packets are handed over); any other port is
 * the kernel's (net_exception.c). UDP out: headers and checksums for everything the
 * TURN path sends.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "l4sum.h"
#include "net.h"

/*
 * Whether the UDP checksum is right (by the port's verdict or computed
 * here). When the tx path computes checksums in software, also the sum
 * of the UDP data into w->rx_dsum (w->rx_dsum_ok), from which turn_io.c
 * derives the relayed payload's sum without reading it again: computed
 * here anyway when the port did not verify, else implied by the verified
 * checksum field.
 */
static bool
udp_cksum_ok(struct worker *w, const struct rte_mbuf *m, uint8_t family, const void *l3,
	     const struct rte_udp_hdr *udp, uint16_t len)
{
	uint64_t f = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	bool want = !w->port->tx_udp_cksum;
	uint32_t pseudo, dsum;

	w->rx_dsum_ok = false;
	if (f == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		return false;
	if (udp->dgram_cksum == 0 && f != RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		return family == STUN_FAMILY_IPV4; /* optional in IPv4 only */
	if (f == RTE_MBUF_F_RX_L4_CKSUM_GOOD && !want)
		return true;
	if (family == STUN_FAMILY_IPV4)
		pseudo = rte_ipv4_phdr_cksum(l3, 0);
	else
		pseudo = rte_ipv6_phdr_cksum(l3, 0);
	pseudo = l4sum_add(pseudo, rte_raw_cksum(udp, UDP_HLEN));
	if (f == RTE_MBUF_F_RX_L4_CKSUM_GOOD) {
		/* Verified by the port: pseudo + header + data is all ones. */
		if (udp->dgram_cksum != 0) {
			w->rx_dsum = l4sum_sub(0xffff, pseudo);
			w->rx_dsum_ok = true;
		}
		return true;
	}
	dsum = rte_raw_cksum(udp + 1, len - UDP_HLEN);
	if (l4sum_add(pseudo, dsum) != 0xffff)
		return false;
	w->rx_dsum = dsum;
	w->rx_dsum_ok = want;
	return true;
}

void
udp_input(struct worker *w, struct rte_mbuf *m, uint8_t family, const void *l3,
	  struct rte_udp_hdr *udp, uint16_t l4len)
{
	const struct dp_net *n = w->net;
	struct stun_addr src, dst;
	uint16_t ulen, sport, dport;
	const uint8_t *sip, *dip;

	if (l4len < UDP_HLEN || rte_be_to_cpu_16(udp->dgram_len) != l4len) {
		dp_drop(w, m, TP_DROP_IP_MALFORMED);
		return;
	}
	if (!udp_cksum_ok(w, m, family, l3, udp, l4len)) {
		dp_drop(w, m, TP_DROP_L4_BAD_CHECKSUM);
		return;
	}
	ulen = l4len - UDP_HLEN;
	sport = rte_be_to_cpu_16(udp->src_port);
	dport = rte_be_to_cpu_16(udp->dst_port);
	if (family == STUN_FAMILY_IPV4) {
		const struct rte_ipv4_hdr *ip = l3;

		sip = (const uint8_t *)&ip->src_addr;
		dip = (const uint8_t *)&ip->dst_addr;
		stun_addr_set_v4(&src, sip, sport);
		stun_addr_set_v4(&dst, dip, dport);
	} else {
		const struct rte_ipv6_hdr *ip = l3;

		sip = ip->src_addr;
		dip = ip->dst_addr;
		stun_addr_set_v6(&src, sip, sport);
		stun_addr_set_v6(&dst, dip, dport);
	}

	if (dport == n->listen_port && net_is_listen_address(n, family, dip)) {
		struct stun_5tuple ft = {.client = src, .server = dst, .proto = TURN_TRANSPORT_UDP};
		const uint8_t *payload = (const uint8_t *)(udp + 1);

		/* Another worker's client, unless it is a Binding request,
		 * which needs no allocation and is answered wherever it lands. */
		if (w->steer != NULL && !(ulen >= STUN_HEADER_LEN && payload[0] == 0x00 &&
					  payload[1] == 0x01)) {
			unsigned int owner = handoff_client_owner(w->steer, m, &src, &dst);

			if (owner != w->id) {
				handoff_send(w, m, owner);
				return;
			}
		}
		w->cnt.rx_client_pkts++;
		w->cnt.rx_client_bytes += ulen;
		turn_client_input(w, m, &ft, payload, ulen);
		return;
	}
	if (dport >= n->relay_port_min && dport <= n->relay_port_max &&
	    net_is_relay_address(n, family, dip)) {
		if (w->steer != NULL) {
			unsigned int owner = handoff_peer_owner(w->steer, dport);

			if (owner != w->id) {
				handoff_send(w, m, owner);
				return;
			}
		}
		w->cnt.rx_peer_pkts++;
		w->cnt.rx_peer_bytes += ulen;
		turn_peer_input(w, m, &src, &dst, (const uint8_t *)(udp + 1), ulen);
		return;
	}
	exception_output(w, m, TP_DROP_UDP_NO_SERVICE);
}

bool
udp_is_hairpin_dst(const struct worker *w, const struct stun_addr *dst)
{
	const struct dp_net *n = w->net;

	return dst->port >= n->relay_port_min && dst->port <= n->relay_port_max &&
	       net_is_relay_address(n, dst->family, dst->ip);
}

void
udp_hairpin(struct worker *w, struct rte_mbuf *m, const struct stun_addr *src,
	    const struct stun_addr *dst)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	uint8_t *l3 = (uint8_t *)(eth + 1);
	uint16_t l3len = l3_hlen(dst->family);
	uint16_t l4len = (uint16_t)(m->pkt_len - ETH_HLEN - l3len);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(l3 + l3len);
	bool was_handoff = w->in_handoff;

	/* Turned round once at most: the peer path only ever sends to
	 * clients, which are never our own addresses, so a second pass
	 * would be a bug; drop rather than recurse. */
	if (unlikely(w->in_hairpin)) {
		dp_drop(w, m, TP_DROP_HANDOFF_LOOP);
		return;
	}
	rte_ether_addr_copy(&w->port->mac, &eth->dst_addr);
	rte_ether_addr_copy(&w->port->mac, &eth->src_addr);
	udp->src_port = rte_cpu_to_be_16(src->port);
	udp->dst_port = rte_cpu_to_be_16(dst->port);
	udp->dgram_len = rte_cpu_to_be_16(l4len);
	udp->dgram_cksum = 0;
	/* Checksums in software and no rx verdict in the flags: the input
	 * stages (here, or at the worker it is handed to) verify them as for
	 * any frame. Rare enough not to matter. */
	if (dst->family == STUN_FAMILY_IPV4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		ipv4_fill(w, m, ip, src->ip, dst->ip, IPPROTO_UDP, l4len, false);
		/* ipv4_fill may leave the checksum to the NIC; nothing transmits this. */
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)l3;

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
		ipv6_fill(ip, src->ip, dst->ip, IPPROTO_UDP, l4len, 64);
		udp->dgram_cksum = rte_ipv6_udptcp_cksum(ip, udp);
	}
	m->ol_flags = 0;
	w->cnt.hairpin_pkts++;
	w->in_hairpin = true;
	/* A new frame of ours, so it may be handed to the port's owner even
	 * when the packet that caused it was itself handed to us. */
	w->in_handoff = false;
	udp_input(w, m, dst->family, l3, udp, l4len);
	w->in_handoff = was_handoff;
	w->in_hairpin = false;
}

/*
 * Write L3 and UDP headers in front of the payload already in @m (whose
 * data starts where the Ethernet header goes) and send. The UDP checksum
 * is left to the NIC when it offers it (seeded with the pseudo-header sum
 * as the offload contract requires); else from @dsum, the sum of the UDP
 * data when the caller knows it (l4sum.h: the relay path never reads the
 * payload for it), or computed over the data here (@dsum < 0).
 */
int
udp_output(struct worker *w, struct rte_mbuf *m, const struct stun_addr *src,
	   const struct stun_addr *dst, bool df, int32_t dsum)
{
	uint8_t *l3 = rte_pktmbuf_mtod_offset(m, uint8_t *, ETH_HLEN);
	uint16_t l3len = l3_hlen(dst->family);
	uint16_t l4len = (uint16_t)(m->pkt_len - ETH_HLEN - l3len);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(l3 + l3len);
	uint32_t sum;

	udp->src_port = rte_cpu_to_be_16(src->port);
	udp->dst_port = rte_cpu_to_be_16(dst->port);
	udp->dgram_len = rte_cpu_to_be_16(l4len);
	udp->dgram_cksum = 0;
	m->ol_flags = 0;
	if (dst->family == STUN_FAMILY_IPV4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;

		ipv4_fill(w, m, ip, src->ip, dst->ip, IPPROTO_UDP, l4len, df);
		if (w->port->tx_udp_cksum) {
			m->ol_flags |= RTE_MBUF_F_TX_UDP_CKSUM;
			udp->dgram_cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
		} else if (dsum >= 0) {
			sum = l4sum_add(rte_ipv4_phdr_cksum(ip, 0), rte_raw_cksum(udp, UDP_HLEN));
			udp->dgram_cksum = l4sum_udp_field(l4sum_add(sum, (uint32_t)dsum));
		} else {
			udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
		}
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)l3;

		ipv6_fill(ip, src->ip, dst->ip, IPPROTO_UDP, l4len, 64);
		m->l2_len = ETH_HLEN;
		m->l3_len = IP6_HLEN;
		m->ol_flags |= RTE_MBUF_F_TX_IPV6;
		if (w->port->tx_udp_cksum) {
			m->ol_flags |= RTE_MBUF_F_TX_UDP_CKSUM;
			udp->dgram_cksum = rte_ipv6_phdr_cksum(ip, m->ol_flags);
		} else if (dsum >= 0) {
			sum = l4sum_add(rte_ipv6_phdr_cksum(ip, 0), rte_raw_cksum(udp, UDP_HLEN));
			udp->dgram_cksum = l4sum_udp_field(l4sum_add(sum, (uint32_t)dsum));
		} else {
			udp->dgram_cksum = rte_ipv6_udptcp_cksum(ip, udp);
		}
	}
	return eth_output(w, m, dst->family, dst->ip);
}

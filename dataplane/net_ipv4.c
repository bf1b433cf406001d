/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 in: header checks, then UDP or ICMP for our addresses. Options and
 * fragments are counted and dropped: STUN and TURN clients do not send
 * them, and reassembly would need per-flow memory.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "net.h"

static bool
ipv4_cksum_ok(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip)
{
	uint64_t f = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;

	if (f == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
		return true;
	if (f == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		return false;
	return rte_raw_cksum(ip, IP4_HLEN) == 0xffff;
}

void
ipv4_input(struct worker *w, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip;
	uint16_t total, l4len;
	uint8_t src[4], dst[4];
	bool hairpin;

	if (m->data_len < ETH_HLEN + IP4_HLEN) {
		dp_drop(w, m, TP_DROP_IP_MALFORMED);
		return;
	}
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	if ((ip->version_ihl >> 4) != 4 || (ip->version_ihl & 0xf) < 5) {
		dp_drop(w, m, TP_DROP_IP_MALFORMED);
		return;
	}
	/* Lengths before options: a header cut short is malformed whatever
	 * its IHL claims, and ip_options counts only well-formed packets. */
	total = rte_be_to_cpu_16(ip->total_length);
	if (total < (ip->version_ihl & 0xf) * 4 || total > m->data_len - ETH_HLEN) {
		dp_drop(w, m, TP_DROP_IP_MALFORMED);
		return;
	}
	if ((ip->version_ihl & 0xf) != 5) {
		dp_drop(w, m, TP_DROP_IP_OPTIONS);
		return;
	}
	if ((ip->fragment_offset &
	     rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0) {
		dp_drop(w, m, TP_DROP_IP_FRAGMENT);
		return;
	}
	if (!ipv4_cksum_ok(m, ip)) {
		dp_drop(w, m, TP_DROP_IP_BAD_CHECKSUM);
		return;
	}
	memcpy(dst, &ip->dst_addr, 4);
	if (!net_is_local(w->net, STUN_FAMILY_IPV4, dst)) {
		dp_drop(w, m, TP_DROP_NOT_FOR_US);
		return;
	}
	/* Never answer (or learn) a source that cannot be a host: a reply
	 * would go to a group, the whole link or ourselves. */
	memcpy(src, &ip->src_addr, 4);
	hairpin = net_is_hairpin(w, STUN_FAMILY_IPV4, src);
	if (!hairpin && net_is_bad_source(w->net, STUN_FAMILY_IPV4, src)) {
		dp_drop(w, m, TP_DROP_BAD_SOURCE);
		return;
	}
	/* Ethernet pads short frames: the IP length is the truth. */
	rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - ETH_HLEN - total));

	/* A packet from an on-link address refreshes its neighbour entry,
	 * so replies to clients never wait for ARP. */
	if (!hairpin && net_on_link(w->net, STUN_FAMILY_IPV4, src) &&
	    rte_is_unicast_ether_addr(&eth->src_addr))
		neigh_learn(w->neigh, STUN_FAMILY_IPV4, src, &eth->src_addr, w->now_tsc);

	l4len = total - IP4_HLEN;
	switch (ip->next_proto_id) {
	case IPPROTO_UDP:
		udp_input(w, m, STUN_FAMILY_IPV4, ip, (struct rte_udp_hdr *)(ip + 1), l4len);
		break;
	case IPPROTO_ICMP:
		icmp4_input(w, m, ip, l4len);
		break;
	default:
		exception_output(w, m, TP_DROP_L4_UNSUPPORTED);
		break;
	}
}

/*
 * Write a 20-byte IPv4 header; the checksum by the NIC when the port
 * offers it (the mbuf's tx flags are set here), otherwise in software.
 * The caller has cleared m->ol_flags.
 */
void
ipv4_fill(struct worker *w, struct rte_mbuf *m, struct rte_ipv4_hdr *ip, const uint8_t *src,
	  const uint8_t *dst, uint8_t proto, uint16_t l4len, bool df)
{
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16(IP4_HLEN + l4len);
	ip->packet_id = rte_cpu_to_be_16(w->ip_id++);
	ip->fragment_offset = df ? RTE_BE16(RTE_IPV4_HDR_DF_FLAG) : 0;
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->hdr_checksum = 0;
	memcpy(&ip->src_addr, src, 4);
	memcpy(&ip->dst_addr, dst, 4);
	m->l2_len = ETH_HLEN;
	m->l3_len = IP4_HLEN;
	m->ol_flags |= RTE_MBUF_F_TX_IPV4;
	if (w->port->tx_ip_cksum)
		m->ol_flags |= RTE_MBUF_F_TX_IP_CKSUM;
	else
		ip->hdr_checksum = rte_ipv4_cksum(ip);
}

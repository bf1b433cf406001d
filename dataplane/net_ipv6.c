/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 in: UDP to our addresses; ICMPv6 to our addresses, to all-nodes
 * and to our solicited-node groups (neighbour discovery). Extension
 * headers are counted and dropped (this includes the hop-by-hop header of
 * MLD reports, which we have no use for).
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "net.h"

#define ND_TYPE_NS 135

static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 0x01};

static bool
ipv6_is_unspecified(const uint8_t *ip)
{
	static const uint8_t unspec[16];

	return memcmp(ip, unspec, 16) == 0;
}

/* ff02::1:ffXX:XXXX for one of our addresses. */
static bool
ipv6_is_our_solicited_node(const struct dp_net *n, const uint8_t *ip)
{
	static const uint8_t prefix[13] = {0xff, 0x02, [11] = 0x01, [12] = 0xff};

	if (memcmp(ip, prefix, sizeof(prefix)) != 0)
		return false;
	for (unsigned int i = 0; i < n->n_local; i++)
		if (n->local[i].family == STUN_FAMILY_IPV6 &&
		    memcmp(n->local[i].ip + 13, ip + 13, 3) == 0)
			return true;
	for (unsigned int i = 0; i < n->n_relay; i++)
		if (n->relay[i].family == STUN_FAMILY_IPV6 &&
		    memcmp(n->relay[i].ip + 13, ip + 13, 3) == 0)
			return true;
	return false;
}

void
ipv6_input(struct worker *w, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	struct rte_ipv6_hdr *ip;
	uint16_t plen;
	bool multicast, hairpin;

	if (m->data_len < ETH_HLEN + IP6_HLEN) {
		dp_drop(w, m, TP_DROP_IP_MALFORMED);
		return;
	}
	ip = (struct rte_ipv6_hdr *)(eth + 1);
	if ((rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6) {
		dp_drop(w, m, TP_DROP_IP_MALFORMED);
		return;
	}
	plen = rte_be_to_cpu_16(ip->payload_len);
	if (plen > m->data_len - ETH_HLEN - IP6_HLEN) {
		dp_drop(w, m, TP_DROP_IP_MALFORMED);
		return;
	}
	multicast = ip->dst_addr[0] == 0xff;
	if (multicast ? !(memcmp(ip->dst_addr, all_nodes, 16) == 0 ||
			  ipv6_is_our_solicited_node(w->net, ip->dst_addr))
		      : !net_is_local(w->net, STUN_FAMILY_IPV6, ip->dst_addr)) {
		dp_drop(w, m, TP_DROP_NOT_FOR_US);
		return;
	}
	/* Never answer (or learn) a source that cannot be a host. "::" is
	 * allowed for one thing only, the NS of duplicate address detection
	 * (RFC 4861 7.1.1), whose other rules nd_input enforces. */
	hairpin = net_is_hairpin(w, STUN_FAMILY_IPV6, ip->src_addr);
	if (!hairpin && net_is_bad_source(w->net, STUN_FAMILY_IPV6, ip->src_addr) &&
	    !(ipv6_is_unspecified(ip->src_addr) && ip->proto == IPPROTO_ICMPV6 && plen >= 1 &&
	      *(const uint8_t *)(ip + 1) == ND_TYPE_NS)) {
		dp_drop(w, m, TP_DROP_BAD_SOURCE);
		return;
	}
	rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - ETH_HLEN - IP6_HLEN - plen));

	/* Learn on-link sources (not "::", which DAD uses). */
	if (!hairpin && !ipv6_is_unspecified(ip->src_addr) &&
	    net_on_link(w->net, STUN_FAMILY_IPV6, ip->src_addr) &&
	    rte_is_unicast_ether_addr(&eth->src_addr))
		neigh_learn(w->neigh, STUN_FAMILY_IPV6, ip->src_addr, &eth->src_addr, w->now_tsc);

	switch (ip->proto) {
	case IPPROTO_UDP:
		if (multicast) {
			dp_drop(w, m, TP_DROP_NOT_FOR_US);
			return;
		}
		udp_input(w, m, STUN_FAMILY_IPV6, ip, (struct rte_udp_hdr *)(ip + 1), plen);
		break;
	case IPPROTO_ICMPV6:
		icmp6_input(w, m, ip, plen);
		break;
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_FRAGMENT:
	case IPPROTO_DSTOPTS:
	case IPPROTO_AH: /* an extension header too (RFC 8200 4.1), not an upper layer */
		dp_drop(w, m, TP_DROP_IPV6_EXT_HEADER);
		break;
	default:
		if (multicast)
			dp_drop(w, m, TP_DROP_L4_UNSUPPORTED);
		else
			exception_output(w, m, TP_DROP_L4_UNSUPPORTED);
		break;
	}
}

void
ipv6_fill(struct rte_ipv6_hdr *ip, const uint8_t *src, const uint8_t *dst, uint8_t proto,
	  uint16_t l4len, uint8_t hop_limit)
{
	ip->vtc_flow = RTE_BE32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(l4len);
	ip->proto = proto;
	ip->hop_limits = hop_limit;
	memcpy(ip->src_addr, src, 16);
	memcpy(ip->dst_addr, dst, 16);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* Ethernet in and out, and the address predicates every stage uses. */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>

#include "net.h"

void
eth_input(struct worker *w, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth;

	if (!rte_pktmbuf_is_contiguous(m)) {
		dp_drop(w, m, TP_DROP_MBUF_LAYOUT);
		return;
	}
	if (m->data_len < ETH_HLEN) {
		dp_drop(w, m, TP_DROP_ETH_UNSUPPORTED);
		return;
	}
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	switch (eth->ether_type) {
	case RTE_BE16(RTE_ETHER_TYPE_IPV4):
		ipv4_input(w, m);
		break;
	case RTE_BE16(RTE_ETHER_TYPE_IPV6):
		ipv6_input(w, m);
		break;
	case RTE_BE16(RTE_ETHER_TYPE_ARP):
		arp_input(w, m);
		break;
	default:
		dp_drop(w, m, TP_DROP_ETH_UNSUPPORTED);
		break;
	}
}

static bool
prefix_match(const uint8_t *a, const uint8_t *b, unsigned int bits)
{
	unsigned int bytes = bits / 8, rem = bits % 8;

	if (memcmp(a, b, bytes) != 0)
		return false;
	if (rem == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rem));
	return (a[bytes] & mask) == (b[bytes] & mask);
}

bool
net_is_local(const struct dp_net *n, uint8_t family, const uint8_t *ip)
{
	size_t len = family == STUN_FAMILY_IPV6 ? 16 : 4;
	const struct stun_addr *relay = family == STUN_FAMILY_IPV6 ? &n->relay6 : &n->relay4;

	for (unsigned int i = 0; i < n->n_local; i++)
		if (n->local[i].family == family && memcmp(n->local[i].ip, ip, len) == 0)
			return true;
	return relay->family == family && memcmp(relay->ip, ip, len) == 0;
}

bool
net_on_link(const struct dp_net *n, uint8_t family, const uint8_t *ip)
{
	/* fe80::/10 is on-link on every IPv6 link. */
	if (family == STUN_FAMILY_IPV6 && ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80)
		return true;
	for (unsigned int i = 0; i < n->n_local; i++)
		if (n->local[i].family == family &&
		    prefix_match(n->local[i].ip, ip, n->local_prefix[i]))
			return true;
	return false;
}

const uint8_t *
net_source_for(const struct dp_net *n, uint8_t family, const uint8_t *dst)
{
	const uint8_t *first = NULL;

	for (unsigned int i = 0; i < n->n_local; i++) {
		if (n->local[i].family != family)
			continue;
		if (dst != NULL && prefix_match(n->local[i].ip, dst, n->local_prefix[i]))
			return n->local[i].ip;
		if (first == NULL)
			first = n->local[i].ip;
	}
	return first;
}

/*
 * Route and resolve: on-link destinations are their own next hop, others
 * go to the gateway of their family. IPv6 multicast maps to 33:33:xx
 * directly. An unresolved next hop sends (at most every
 * NEIGH_SOLICIT_GAP_MS) an ARP request or NS, and the packet is dropped:
 * the protocols above retransmit, and parking packets would need memory
 * per next hop.
 */
void
eth_output(struct worker *w, struct rte_mbuf *m, uint8_t family, const uint8_t *dst_ip)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	const struct dp_net *n = w->net;
	const struct rte_ether_addr *mac;
	const uint8_t *nh = dst_ip;

	if (family == STUN_FAMILY_IPV6 && dst_ip[0] == 0xff) {
		eth->dst_addr.addr_bytes[0] = 0x33;
		eth->dst_addr.addr_bytes[1] = 0x33;
		memcpy(&eth->dst_addr.addr_bytes[2], dst_ip + 12, 4);
		goto send;
	}
	if (!net_on_link(n, family, dst_ip)) {
		const struct stun_addr *gw = family == STUN_FAMILY_IPV6 ? &n->gateway6 : &n->gateway4;

		if (gw->family != family) {
			dp_drop(w, m, TP_DROP_NO_ROUTE);
			return;
		}
		nh = gw->ip;
	}
	mac = neigh_lookup(w->neigh, family, nh, w->now_tsc);
	if (mac == NULL) {
		if (neigh_should_solicit(w->neigh, family, nh, w->now_tsc)) {
			if (family == STUN_FAMILY_IPV6)
				nd_solicit(w, nh);
			else
				arp_request(w, nh);
		}
		dp_drop(w, m, TP_DROP_NO_NEIGHBOUR);
		return;
	}
	rte_ether_addr_copy(mac, &eth->dst_addr);
send:
	rte_ether_addr_copy(&w->port->mac, &eth->src_addr);
	eth->ether_type = family == STUN_FAMILY_IPV6 ? RTE_BE16(RTE_ETHER_TYPE_IPV6)
						      : RTE_BE16(RTE_ETHER_TYPE_IPV4);
	worker_tx(w, m);
}

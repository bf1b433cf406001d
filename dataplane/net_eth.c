/* SPDX-License-Identifier: BSD-3-Clause */
/* Ethernet in and out, and the address predicates every stage uses. */
#include <errno.h>
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
		dp_drop(w, m, TP_DROP_ETH_MALFORMED);
		return;
	}
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	/* A port in promiscuous mode (or a virtual one that has no filter)
	 * hands us frames unicast to other stations: they are not ours even
	 * when their IP destination is. Broadcast and multicast go on; the
	 * stages check their L3 destination. */
	if (!rte_is_multicast_ether_addr(&eth->dst_addr) &&
	    !rte_is_same_ether_addr(&eth->dst_addr, &w->port->mac)) {
		dp_drop(w, m, TP_DROP_NOT_FOR_US);
		return;
	}
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

/* An IPv4 address as it lies in memory, for compares against dp_net's
 * precomputed tables; and a 16-byte compare with a constant size, which
 * compilers inline (a length chosen at run time became a libc call per
 * address per packet). */
static inline uint32_t
ld32(const uint8_t *ip)
{
	uint32_t v;

	memcpy(&v, ip, 4);
	return v;
}

static inline bool
eq16(const uint8_t *a, const uint8_t *b)
{
	return memcmp(a, b, 16) == 0;
}

bool
net_is_listen_address(const struct dp_net *n, uint8_t family, const uint8_t *ip)
{
	if (family == STUN_FAMILY_IPV4) {
		uint32_t a = ld32(ip);

		for (unsigned int i = 0; i < n->n_local4; i++)
			if (n->local4[i] == a)
				return true;
		return false;
	}
	for (unsigned int i = 0; i < n->n_local; i++)
		if (n->local[i].family == family && eq16(n->local[i].ip, ip))
			return true;
	return false;
}

bool
net_is_relay_address(const struct dp_net *n, uint8_t family, const uint8_t *ip)
{
	if (family == STUN_FAMILY_IPV4) {
		uint32_t a = ld32(ip);

		for (unsigned int i = 0; i < n->n_relay4; i++)
			if (n->relay4[i] == a)
				return true;
		return false;
	}
	for (unsigned int i = 0; i < n->n_relay; i++)
		if (n->relay[i].family == family && eq16(n->relay[i].ip, ip))
			return true;
	return false;
}

bool
net_is_local(const struct dp_net *n, uint8_t family, const uint8_t *ip)
{
	return net_is_listen_address(n, family, ip) || net_is_relay_address(n, family, ip);
}

bool
net_on_link(const struct dp_net *n, uint8_t family, const uint8_t *ip)
{
	if (family == STUN_FAMILY_IPV4) {
		uint32_t a = ld32(ip);

		for (unsigned int i = 0; i < n->n_local4; i++)
			if (((a ^ n->local4[i]) & n->mask4[i]) == 0)
				return true;
		return false;
	}
	/* fe80::/10 is on-link on every IPv6 link. */
	if (ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80)
		return true;
	for (unsigned int i = 0; i < n->n_local; i++)
		if (n->local[i].family == family &&
		    prefix_match(n->local[i].ip, ip, n->local_prefix[i]))
			return true;
	return false;
}

/* The directed broadcast of one of our IPv4 prefixes (none for /31 and
 * /32, RFC 3021). */
static bool
ipv4_is_subnet_broadcast(const struct dp_net *n, const uint8_t *ip)
{
	uint32_t a = ld32(ip);

	for (unsigned int i = 0; i < n->n_local4; i++)
		if (n->bcast4[i] == a)
			return true;
	return false;
}

/*
 * The precomputed IPv4 tables of @n (network byte order, as addresses lie
 * in packets): our addresses, their prefix masks and directed broadcasts
 * (0.0.0.0, never a valid source anyway, for /31 and /32), and the relay
 * addresses. Call after filling local[], local_prefix[] and relay[].
 */
void
net_prepare(struct dp_net *n)
{
	n->n_local4 = 0;
	for (unsigned int i = 0; i < n->n_local; i++) {
		unsigned int bits = n->local_prefix[i];
		uint32_t mask, a;

		if (n->local[i].family != STUN_FAMILY_IPV4)
			continue;
		a = ld32(n->local[i].ip);
		mask = bits == 0 ? 0 : rte_cpu_to_be_32(UINT32_MAX << (32 - bits));
		n->local4[n->n_local4] = a;
		n->mask4[n->n_local4] = mask;
		n->bcast4[n->n_local4] = bits > 30 ? 0 : (a | ~mask);
		n->n_local4++;
	}
	n->n_relay4 = 0;
	for (unsigned int i = 0; i < n->n_relay; i++)
		if (n->relay[i].family == STUN_FAMILY_IPV4)
			n->relay4[n->n_relay4++] = ld32(n->relay[i].ip);
}

/*
 * A source no real host sends from: answering it would reflect traffic
 * to a group, to the whole link or to ourselves, and learning it would
 * poison the neighbour table. Cost: a few compares plus one pass over our
 * addresses.
 */
bool
net_is_bad_source(const struct dp_net *n, uint8_t family, const uint8_t *ip)
{
	static const uint8_t zero[16];

	if (family == STUN_FAMILY_IPV6) {
		static const uint8_t loopback[16] = {[15] = 1};

		if (ip[0] == 0xff || memcmp(ip, zero, 16) == 0 || memcmp(ip, loopback, 16) == 0)
			return true;
	} else {
		/* 224/4 multicast, 255.255.255.255, 127/8, 0.0.0.0 */
		if ((ip[0] & 0xf0) == 0xe0 || memcmp(ip, "\xff\xff\xff\xff", 4) == 0 ||
		    ip[0] == 127 || memcmp(ip, zero, 4) == 0 || ipv4_is_subnet_broadcast(n, ip))
			return true;
	}
	return net_is_local(n, family, ip);
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
 * per next hop. Returns 0 when @m was queued for tx, -ENETUNREACH (no
 * route) or -EHOSTUNREACH (no neighbour yet) when it was dropped and
 * counted; callers count what they sent only on 0.
 */
int
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
			return -ENETUNREACH;
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
		return -EHOSTUNREACH;
	}
	rte_ether_addr_copy(mac, &eth->dst_addr);
send:
	rte_ether_addr_copy(&w->port->mac, &eth->src_addr);
	eth->ether_type = family == STUN_FAMILY_IPV6 ? RTE_BE16(RTE_ETHER_TYPE_IPV6)
						      : RTE_BE16(RTE_ETHER_TYPE_IPV4);
	worker_tx(w, m);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 neighbour discovery (RFC 4861), the part a host needs: answer
 * solicitations for our addresses (including duplicate address
 * detection probes), learn from advertisements and from the source
 * link-layer option of solicitations, and solicit next hops we need.
 * No router discovery: gateways come from the config.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "net.h"

#define ND_NS 135
#define ND_NA 136
#define ND_OPT_SLLA 1
#define ND_OPT_TLLA 2
#define ND_MSG_LEN 24     /* type, code, cksum, flags/reserved, target */
#define ND_OPT_LLA_LEN 8
#define ND_NA_ROUTER 0x80u
#define ND_NA_SOLICITED 0x40u
#define ND_NA_OVERRIDE 0x20u

/* The link-layer address option of @type, or NULL. Rejects options of
 * length 0 (RFC 4861 4.6: the message must be discarded). */
static const struct rte_ether_addr *
nd_find_lla(const uint8_t *opt, uint16_t len, uint8_t type, bool *bad)
{
	const struct rte_ether_addr *found = NULL;

	*bad = false;
	while (len >= 2) {
		uint16_t olen = (uint16_t)opt[1] * 8;

		if (olen == 0 || olen > len) {
			*bad = true;
			return NULL;
		}
		if (opt[0] == type && olen == ND_OPT_LLA_LEN && found == NULL)
			found = (const struct rte_ether_addr *)(opt + 2);
		opt += olen;
		len -= olen;
	}
	return found;
}

int
nd_advert_fill(struct worker *w, struct rte_mbuf *m, const uint8_t target[16],
	       const uint8_t dst[16], const struct rte_ether_addr *dmac, bool solicited)
{
	uint16_t l4len = ND_MSG_LEN + ND_OPT_LLA_LEN;
	struct rte_ether_hdr *eth;
	struct rte_ipv6_hdr *ip;
	uint8_t *na;

	rte_pktmbuf_reset(m);
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, ETH_HLEN + IP6_HLEN + l4len);
	if (eth == NULL)
		return -ENOBUFS;
	rte_ether_addr_copy(dmac, &eth->dst_addr);
	rte_ether_addr_copy(&w->port->mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	ip = (struct rte_ipv6_hdr *)(eth + 1);
	ipv6_fill(ip, target, dst, IPPROTO_ICMPV6, l4len, 255);
	na = (uint8_t *)(ip + 1);
	memset(na, 0, l4len);
	na[0] = ND_NA;
	na[4] = (uint8_t)(ND_NA_OVERRIDE | (solicited ? ND_NA_SOLICITED : 0));
	memcpy(na + 8, target, 16);
	na[ND_MSG_LEN] = ND_OPT_TLLA;
	na[ND_MSG_LEN + 1] = 1;
	memcpy(na + ND_MSG_LEN + 2, &w->port->mac, RTE_ETHER_ADDR_LEN);
	uint16_t ck = rte_ipv6_udptcp_cksum(ip, na);
	memcpy(na + 2, &ck, 2);
	return 0;
}

/* An NA from @target to @dst at @dmac, out of the main port. */
static void
nd_advertise(struct worker *w, struct rte_mbuf *m, const uint8_t target[16],
	     const uint8_t dst[16], const struct rte_ether_addr *dmac, bool solicited)
{
	if (nd_advert_fill(w, m, target, dst, dmac, solicited) != 0) {
		dp_drop(w, m, TP_DROP_MBUF_LAYOUT);
		return;
	}
	w->cnt.nd_adverts++;
	worker_tx(w, m);
}

void
nd_input(struct worker *w, struct rte_mbuf *m, struct rte_ipv6_hdr *ip, uint8_t *l4,
	 uint16_t l4len)
{
	static const uint8_t unspec[16];
	static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 0x01};
	static const struct rte_ether_addr all_nodes_mac = {{0x33, 0x33, 0, 0, 0, 1}};
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ether_addr *lla;
	struct rte_ether_addr dmac;
	uint8_t target[16], src[16];
	bool bad, from_unspec;

	if (ip->hop_limits != 255 || l4[1] != 0 || l4len < ND_MSG_LEN || l4[8] == 0xff) {
		dp_drop(w, m, TP_DROP_ND_INVALID);
		return;
	}
	memcpy(target, l4 + 8, 16);
	memcpy(src, ip->src_addr, 16);
	from_unspec = memcmp(src, unspec, 16) == 0;
	lla = nd_find_lla(l4 + ND_MSG_LEN, l4len - ND_MSG_LEN,
			  l4[0] == ND_NS ? ND_OPT_SLLA : ND_OPT_TLLA, &bad);
	if (bad || (l4[0] == ND_NS && !net_is_local(w->net, STUN_FAMILY_IPV6, target))) {
		dp_drop(w, m, TP_DROP_ND_INVALID);
		return;
	}

	if (l4[0] == ND_NA) {
		/* Learn only what we asked about or already know: a table
		 * entry for every unsolicited NA would be a cheap flood.
		 * Never one of our own addresses (another host defending it
		 * must not redirect our traffic), nor a multicast LLA. An NA
		 * that teaches nothing is dropped as not for us, so every
		 * frame lands under some counter. */
		if (lla != NULL && !rte_is_multicast_ether_addr(lla) &&
		    !net_is_local(w->net, STUN_FAMILY_IPV6, target) &&
		    net_on_link(w->net, STUN_FAMILY_IPV6, target)) {
			bool mine = neigh_update(w->neigh, STUN_FAMILY_IPV6, target, lla,
						 w->now_tsc);

			/* With several workers the one that solicited may be
			 * another: tell them all, they update only what they
			 * asked about (counted there as neigh_received). */
			handoff_neigh_publish(w, STUN_FAMILY_IPV6, target, lla, false);
			if (mine || w->steer != NULL) {
				if (mine)
					w->cnt.nd_learnt++;
				rte_pktmbuf_free(m);
				return;
			}
		}
		dp_drop(w, m, TP_DROP_ND_INVALID);
		return;
	}

	/* NS for one of our addresses. */
	if (from_unspec) {
		/* DAD probe: must not carry SLLA; answer to all-nodes. */
		if (lla != NULL) {
			dp_drop(w, m, TP_DROP_ND_INVALID);
			return;
		}
		nd_advertise(w, m, target, all_nodes, &all_nodes_mac, false);
		return;
	}
	if (lla != NULL) {
		/* @src passed net_is_bad_source in ipv6_input: not ours, not
		 * multicast. */
		if (rte_is_multicast_ether_addr(lla)) {
			dp_drop(w, m, TP_DROP_ND_INVALID);
			return;
		}
		neigh_learn(w->neigh, STUN_FAMILY_IPV6, src, lla, w->now_tsc);
		handoff_neigh_publish(w, STUN_FAMILY_IPV6, src, lla, true);
		dmac = *lla;
	} else {
		dmac = eth->src_addr;
	}
	nd_advertise(w, m, target, src, &dmac, true);
}

void
nd_solicit(struct worker *w, const uint8_t target[16])
{
	const uint8_t *src = net_source_for(w->net, STUN_FAMILY_IPV6, target);
	uint16_t l4len = ND_MSG_LEN + ND_OPT_LLA_LEN;
	uint8_t dst[16] = {0xff, 0x02, [11] = 0x01, [12] = 0xff};
	struct rte_ether_hdr *eth;
	struct rte_ipv6_hdr *ip;
	struct rte_mbuf *m;
	uint8_t *ns;

	if (src == NULL)
		return;
	m = rte_pktmbuf_alloc(w->port->mp);
	if (m == NULL)
		return;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, ETH_HLEN + IP6_HLEN + l4len);
	if (eth == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	memcpy(dst + 13, target + 13, 3);
	eth->dst_addr.addr_bytes[0] = 0x33;
	eth->dst_addr.addr_bytes[1] = 0x33;
	memcpy(&eth->dst_addr.addr_bytes[2], dst + 12, 4);
	rte_ether_addr_copy(&w->port->mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	ip = (struct rte_ipv6_hdr *)(eth + 1);
	ipv6_fill(ip, src, dst, IPPROTO_ICMPV6, l4len, 255);
	ns = (uint8_t *)(ip + 1);
	memset(ns, 0, l4len);
	ns[0] = ND_NS;
	memcpy(ns + 8, target, 16);
	ns[ND_MSG_LEN] = ND_OPT_SLLA;
	ns[ND_MSG_LEN + 1] = 1;
	memcpy(ns + ND_MSG_LEN + 2, &w->port->mac, RTE_ETHER_ADDR_LEN);
	uint16_t ck = rte_ipv6_udptcp_cksum(ip, ns);
	memcpy(ns + 2, &ck, 2);
	w->cnt.nd_solicits++;
	worker_tx(w, m);
}

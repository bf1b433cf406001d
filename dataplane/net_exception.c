/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kernel exception port (network.exception_device): the host's own
 * services (SSH, an exporter, anything over TCP) keep working behind
 * our addresses.
 *
 * To the kernel: a packet addressed to one of our addresses that no
 * stage serves (TCP, UDP to a port that is neither the listen port nor a
 * relay port, ICMP and ICMPv6 we do not answer) leaves through the
 * exception port in the same mbuf, unchanged but for its Ethernet
 * addresses. Without an exception port it is dropped as before.
 *
 * From the kernel: IPv4 and IPv6 from one of our addresses to a unicast
 * address that is not ours go out of the main port through eth_output,
 * so our routes and neighbour table decide the next hop. ARP requests
 * and neighbour solicitations are answered with the main port's MAC for
 * any target that is not ours: the kernel then sends everything to us
 * and never resolves anything across, and ARP and ND on the real link
 * stay the dataplane's alone. Anything else from the kernel (its
 * multicast, IGMP and MLD, duplicate address detection, packets from
 * addresses that are not ours) is counted as exception_discard and
 * dropped. docs/architecture.md has the operator's side of this.
 *
 * The kernel is trusted to send well-formed packets: only the lengths
 * needed to read the headers are checked, not checksums.
 */
#include <errno.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>

#include "net.h"

#define ND_NS 135
#define ND_MSG_LEN 24 /* type, code, cksum, reserved, target */

void
exception_flush(struct worker *w)
{
	uint16_t sent = rte_eth_tx_burst(w->exc->port_id, 0, w->exc_tx_pkts, w->exc_tx_n);

	for (uint16_t i = sent; i < w->exc_tx_n; i++)
		dp_drop(w, w->exc_tx_pkts[i], TP_DROP_EXCEPTION_FULL);
	w->exc_tx_n = 0;
}

static void
exception_tx(struct worker *w, struct rte_mbuf *m)
{
	w->exc_tx_pkts[w->exc_tx_n++] = m;
	if (w->exc_tx_n == DP_BURST)
		exception_flush(w);
}

/*
 * Counted as exception_tx once queued; a later refusal by the queue is
 * counted as exception_full as well (like tx_full after a reply).
 */
void
exception_output(struct worker *w, struct rte_mbuf *m, enum tp_drop_reason reason)
{
	struct rte_ether_hdr *eth;

	if (w->exc == NULL) {
		/* The exception port's one queue pair is worker 0's. */
		if (w->exc_elsewhere)
			handoff_send(w, m, 0);
		else
			dp_drop(w, m, reason);
		return;
	}
	/* To the kernel interface's MAC, which net_tap makes the port's own,
	 * from the MAC the kernel knows us by. */
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	rte_ether_addr_copy(&w->exc->mac, &eth->dst_addr);
	rte_ether_addr_copy(&w->port->mac, &eth->src_addr);
	m->ol_flags = 0;
	w->cnt.exception_tx_pkts++;
	w->cnt.exception_tx_bytes += m->pkt_len;
	exception_tx(w, m);
}

static void
exception_discard(struct worker *w, struct rte_mbuf *m)
{
	dp_drop(w, m, TP_DROP_EXCEPTION_DISCARD);
}

/* The kernel asks for a next hop: whatever it is, we are it. Requests
 * about our own addresses (probes and announcements, RFC 5227) stay
 * unanswered, or the kernel would think its address taken. */
static void
exception_arp(struct worker *w, struct rte_mbuf *m)
{
	const struct rte_arp_hdr *arp;
	uint8_t tip[4];

	if (m->data_len < ETH_HLEN + sizeof(*arp)) {
		exception_discard(w, m);
		return;
	}
	arp = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, ETH_HLEN);
	memcpy(tip, &arp->arp_data.arp_tip, 4);
	if (arp->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) || arp->arp_hlen != 6 ||
	    arp->arp_plen != 4 || arp->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST) ||
	    arp->arp_data.arp_sip == 0 || net_is_local(w->net, STUN_FAMILY_IPV4, tip)) {
		exception_discard(w, m);
		return;
	}
	arp_reply_fill(w, m);
	w->cnt.exception_proxy_replies++;
	exception_tx(w, m);
}

/* The same for IPv6: an NA with the main port's MAC for any target that
 * is not ours; duplicate address detection (from ::) is left alone. */
static void
exception_ns(struct worker *w, struct rte_mbuf *m, const struct rte_ipv6_hdr *ip,
	     uint16_t plen)
{
	static const uint8_t unspec[16];
	const uint8_t *ns = (const uint8_t *)(ip + 1);
	struct rte_ether_addr dmac;
	uint8_t target[16], dst[16];

	memcpy(target, ns + 8, 16);
	if (plen < ND_MSG_LEN || ip->hop_limits != 255 || ns[1] != 0 || target[0] == 0xff ||
	    memcmp(ip->src_addr, unspec, 16) == 0 ||
	    net_is_local(w->net, STUN_FAMILY_IPV6, target)) {
		exception_discard(w, m);
		return;
	}
	memcpy(dst, ip->src_addr, 16);
	dmac = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->src_addr;
	if (nd_advert_fill(w, m, target, dst, &dmac, true) != 0) {
		dp_drop(w, m, TP_DROP_MBUF_LAYOUT);
		return;
	}
	w->cnt.exception_proxy_replies++;
	exception_tx(w, m);
}

/* Out of the main port as the host itself: from one of our addresses,
 * to a unicast address that is not ours. The dataplane is no router, and
 * the kernel's multicast has no business on the real link. */
static void
exception_route(struct worker *w, struct rte_mbuf *m, uint8_t family, const uint8_t *src,
		const uint8_t *dst)
{
	if (!net_is_local(w->net, family, src) || net_is_bad_source(w->net, family, dst)) {
		exception_discard(w, m);
		return;
	}
	m->ol_flags = 0;
	if (eth_output(w, m, family, dst) == 0)
		w->cnt.exception_fwd_pkts++;
}

/*
 * Every frame from the kernel ends under exactly one of
 * exception_fwd_pkts, exception_proxy_replies or a drop reason.
 * Cost: a few compares and one pass over our addresses, plus
 * eth_output's route and neighbour lookup.
 */
void
exception_input(struct worker *w, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth;

	w->cnt.exception_rx_pkts++;
	w->cnt.exception_rx_bytes += m->pkt_len;
	if (!rte_pktmbuf_is_contiguous(m)) {
		dp_drop(w, m, TP_DROP_MBUF_LAYOUT);
		return;
	}
	if (m->data_len < ETH_HLEN) {
		exception_discard(w, m);
		return;
	}
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	/* To the MAC we answer with, or to a group (ARP, NS). */
	if (!rte_is_multicast_ether_addr(&eth->dst_addr) &&
	    !rte_is_same_ether_addr(&eth->dst_addr, &w->port->mac)) {
		exception_discard(w, m);
		return;
	}
	switch (eth->ether_type) {
	case RTE_BE16(RTE_ETHER_TYPE_IPV4): {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
		uint16_t total;

		if (m->data_len < ETH_HLEN + IP4_HLEN || (ip->version_ihl >> 4) != 4 ||
		    (ip->version_ihl & 0xf) < 5) {
			exception_discard(w, m);
			return;
		}
		total = rte_be_to_cpu_16(ip->total_length);
		if (total < (ip->version_ihl & 0xf) * 4 || total > m->data_len - ETH_HLEN) {
			exception_discard(w, m);
			return;
		}
		rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - ETH_HLEN - total));
		exception_route(w, m, STUN_FAMILY_IPV4, (const uint8_t *)&ip->src_addr,
				(const uint8_t *)&ip->dst_addr);
		break;
	}
	case RTE_BE16(RTE_ETHER_TYPE_IPV6): {
		const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(eth + 1);
		uint16_t plen;

		if (m->data_len < ETH_HLEN + IP6_HLEN || (rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6) {
			exception_discard(w, m);
			return;
		}
		plen = rte_be_to_cpu_16(ip->payload_len);
		if (plen > m->data_len - ETH_HLEN - IP6_HLEN) {
			exception_discard(w, m);
			return;
		}
		rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - ETH_HLEN - IP6_HLEN - plen));
		if (ip->proto == IPPROTO_ICMPV6 && plen >= 1 && *(const uint8_t *)(ip + 1) == ND_NS)
			exception_ns(w, m, ip, plen);
		else
			exception_route(w, m, STUN_FAMILY_IPV6, ip->src_addr, ip->dst_addr);
		break;
	}
	case RTE_BE16(RTE_ETHER_TYPE_ARP):
		exception_arp(w, m);
		break;
	default:
		exception_discard(w, m);
		break;
	}
}

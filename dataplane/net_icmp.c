/* SPDX-License-Identifier: BSD-3-Clause */
/* ICMP and ICMPv6: echo replies in place; ICMPv6 ND to net_nd.c. */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "net.h"

#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129
#define ICMP6_ND_NS 135
#define ICMP6_ND_NA 136

void
icmp4_input(struct worker *w, struct rte_mbuf *m, struct rte_ipv4_hdr *ip, uint16_t l4len)
{
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);
	uint8_t src[4], dst[4];

	if (l4len < sizeof(*icmp)) {
		dp_drop(w, m, TP_DROP_IP_MALFORMED);
		return;
	}
	if (rte_raw_cksum(icmp, l4len) != 0xffff) {
		dp_drop(w, m, TP_DROP_L4_BAD_CHECKSUM);
		return;
	}
	if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || icmp->icmp_code != 0) {
		/* Echo replies and errors for the kernel's own traffic. */
		exception_output(w, m, TP_DROP_L4_UNSUPPORTED);
		return;
	}
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, l4len);
	memcpy(src, &ip->dst_addr, 4);
	memcpy(dst, &ip->src_addr, 4);
	m->ol_flags = 0;
	ipv4_fill(w, m, ip, src, dst, IPPROTO_ICMP, l4len, false);
	/* Counted once queued: eth_output may still drop it (no route or
	 * no neighbour), and then only that drop is counted. */
	if (eth_output(w, m, STUN_FAMILY_IPV4, dst) == 0)
		w->cnt.icmp_echo_replies++;
}

/* ICMPv6 checksums cover a pseudo-header; rte_ipv6_udptcp_cksum does
 * that for any upper-layer protocol in ip->proto. */
static bool
icmp6_cksum_ok(const struct rte_ipv6_hdr *ip, const void *l4, uint16_t len)
{
	uint32_t sum = rte_ipv6_phdr_cksum(ip, 0) + rte_raw_cksum(l4, len);

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

void
icmp6_input(struct worker *w, struct rte_mbuf *m, struct rte_ipv6_hdr *ip, uint16_t l4len)
{
	uint8_t *l4 = (uint8_t *)(ip + 1);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)l4;
	uint8_t peer[16];

	if (l4len < sizeof(*icmp)) {
		dp_drop(w, m, TP_DROP_IP_MALFORMED);
		return;
	}
	if (!icmp6_cksum_ok(ip, l4, l4len)) {
		dp_drop(w, m, TP_DROP_L4_BAD_CHECKSUM);
		return;
	}
	switch (icmp->icmp_type) {
	case ICMP6_ND_NS:
	case ICMP6_ND_NA:
		nd_input(w, m, ip, l4, l4len);
		return;
	case ICMP6_ECHO_REQUEST:
		break;
	default:
		/* Router advertisements, MLD and the like to a group are
		 * nobody's here; unicast (echo replies, errors) is the
		 * kernel's. */
		if (ip->dst_addr[0] == 0xff)
			dp_drop(w, m, TP_DROP_L4_UNSUPPORTED);
		else
			exception_output(w, m, TP_DROP_L4_UNSUPPORTED);
		return;
	}
	if (icmp->icmp_code != 0 || ip->dst_addr[0] == 0xff) {
		dp_drop(w, m, TP_DROP_L4_UNSUPPORTED);
		return;
	}
	memcpy(peer, ip->src_addr, 16);
	ipv6_fill(ip, ip->dst_addr, peer, IPPROTO_ICMPV6, l4len, 64);
	icmp->icmp_type = ICMP6_ECHO_REPLY;
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = rte_ipv6_udptcp_cksum(ip, icmp);
	m->ol_flags = 0;
	if (eth_output(w, m, STUN_FAMILY_IPV6, peer) == 0)
		w->cnt.icmp6_echo_replies++;
}

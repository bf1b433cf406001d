/* SPDX-License-Identifier: BSD-3-Clause */
/* ARP: answer requests for our IPv4 addresses, learn from what we see,
 * ask for next hops we need. */
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>

#include "net.h"

void
arp_input(struct worker *w, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp;
	uint8_t sip[4], tip[4];
	struct rte_ether_addr sha;

	if (m->data_len < ETH_HLEN + sizeof(*arp)) {
		dp_drop(w, m, TP_DROP_ARP_INVALID);
		return;
	}
	arp = (struct rte_arp_hdr *)(eth + 1);
	/* Only requests and replies exist for us (RFC 826); anything else
	 * (RARP, InARP, made-up opcodes) must not teach the table. */
	if (arp->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) || arp->arp_hlen != 6 ||
	    arp->arp_plen != 4 ||
	    (arp->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST) &&
	     arp->arp_opcode != RTE_BE16(RTE_ARP_OP_REPLY))) {
		dp_drop(w, m, TP_DROP_ARP_INVALID);
		return;
	}
	memcpy(sip, &arp->arp_data.arp_sip, 4);
	memcpy(tip, &arp->arp_data.arp_tip, 4);
	sha = arp->arp_data.arp_sha;
	/* Only traffic about our addresses teaches us anything: learning
	 * from every broadcast would let anyone on the link fill the table.
	 * A sender hardware address that is multicast is no station's. */
	if (!net_is_local(w->net, STUN_FAMILY_IPV4, tip) || rte_is_multicast_ether_addr(&sha)) {
		dp_drop(w, m, TP_DROP_ARP_INVALID);
		return;
	}
	if (arp->arp_data.arp_sip == 0) {
		/* An address probe (RFC 5227): a request is answered so the
		 * prober sees the address is taken; a reply from 0.0.0.0
		 * teaches nothing. */
		if (arp->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST)) {
			dp_drop(w, m, TP_DROP_ARP_INVALID);
			return;
		}
	} else if (net_is_bad_source(w->net, STUN_FAMILY_IPV4, sip)) {
		/* Claims one of our addresses, or a group or broadcast one:
		 * neither learnt nor answered. */
		dp_drop(w, m, TP_DROP_BAD_SOURCE);
		return;
	} else {
		neigh_learn(w->neigh, STUN_FAMILY_IPV4, sip, &sha, w->now_tsc);
		handoff_neigh_publish(w, STUN_FAMILY_IPV4, sip, &sha, true);
		if (arp->arp_opcode == RTE_BE16(RTE_ARP_OP_REPLY)) {
			/* Consumed: counted so every frame received shows up
			 * under some counter. */
			w->cnt.arp_learnt++;
			rte_pktmbuf_free(m);
			return;
		}
	}
	arp_reply_fill(w, m);
	w->cnt.arp_replies++;
	worker_tx(w, m);
}

void
arp_reply_fill(struct worker *w, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
	struct rte_arp_ipv4 *a = &arp->arp_data;
	rte_be32_t sip = a->arp_sip;

	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	a->arp_tha = a->arp_sha;
	a->arp_sip = a->arp_tip;
	a->arp_tip = sip;
	rte_ether_addr_copy(&w->port->mac, &a->arp_sha);
	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&w->port->mac, &eth->src_addr);
	m->ol_flags = 0;
}

void
arp_request(struct worker *w, const uint8_t ip[4])
{
	const uint8_t *src = net_source_for(w->net, STUN_FAMILY_IPV4, ip);
	struct rte_mbuf *m;
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;

	if (src == NULL)
		return;
	m = rte_pktmbuf_alloc(w->port->mp);
	if (m == NULL)
		return;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, ETH_HLEN + sizeof(*arp));
	if (eth == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	rte_ether_addr_copy(&w->port->mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	arp = (struct rte_arp_hdr *)(eth + 1);
	arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = 6;
	arp->arp_plen = 4;
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	rte_ether_addr_copy(&w->port->mac, &arp->arp_data.arp_sha);
	memcpy(&arp->arp_data.arp_sip, src, 4);
	memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
	memcpy(&arp->arp_data.arp_tip, ip, 4);
	w->cnt.arp_requests++;
	worker_tx(w, m);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Peer traffic straight to its owner's queue, where the port can do it:
 * for every worker and relay address, rte_flow rules matching UDP to
 * that address with a destination port in the worker's slice, action
 * QUEUE(worker). A slice is a contiguous range, and rte_flow matches a
 * port with a bit mask, so each slice becomes its aligned power-of-two
 * blocks (at most about 2 * 16 of them).
 *
 * All or nothing: if the port refuses any rule, every rule is removed
 * and the workers keep handing peer packets over in software
 * (handoff.h), which is always correct, only slower. net_tap, the port
 * the tests here use, offers rte_flow only with the kernel's multiq
 * qdisc; without it this falls back at the first rule.
 */
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_flow.h>

#include "dp.h"

/* More rules than this and a NIC's flow table is the wrong tool. */
#define FLOW_STEER_MAX_RULES 1024

static int
flow_rule(uint16_t port_id, const struct stun_addr *addr, uint16_t port, uint16_t mask,
	  uint16_t queue, struct rte_flow_error *err)
{
	struct rte_flow_attr attr = {.ingress = 1};
	struct rte_flow_item_ipv4 ip4 = {0}, ip4_mask = {0};
	struct rte_flow_item_ipv6 ip6 = {0}, ip6_mask = {0};
	struct rte_flow_item_udp udp = {0}, udp_mask = {0};
	struct rte_flow_action_queue q = {.index = queue};
	struct rte_flow_item pattern[4];
	struct rte_flow_action actions[2];

	memset(pattern, 0, sizeof(pattern));
	memset(actions, 0, sizeof(actions));
	pattern[0].type = RTE_FLOW_ITEM_TYPE_ETH;
	if (addr->family == STUN_FAMILY_IPV4) {
		memcpy(&ip4.hdr.dst_addr, addr->ip, 4);
		ip4_mask.hdr.dst_addr = RTE_BE32(0xffffffff);
		pattern[1].type = RTE_FLOW_ITEM_TYPE_IPV4;
		pattern[1].spec = &ip4;
		pattern[1].mask = &ip4_mask;
	} else {
		memcpy(ip6.hdr.dst_addr, addr->ip, 16);
		memset(ip6_mask.hdr.dst_addr, 0xff, 16);
		pattern[1].type = RTE_FLOW_ITEM_TYPE_IPV6;
		pattern[1].spec = &ip6;
		pattern[1].mask = &ip6_mask;
	}
	udp.hdr.dst_port = rte_cpu_to_be_16(port);
	udp_mask.hdr.dst_port = rte_cpu_to_be_16(mask);
	pattern[2].type = RTE_FLOW_ITEM_TYPE_UDP;
	pattern[2].spec = &udp;
	pattern[2].mask = &udp_mask;
	pattern[3].type = RTE_FLOW_ITEM_TYPE_END;
	actions[0].type = RTE_FLOW_ACTION_TYPE_QUEUE;
	actions[0].conf = &q;
	actions[1].type = RTE_FLOW_ACTION_TYPE_END;

	if (rte_flow_validate(port_id, &attr, pattern, actions, err) != 0)
		return -1;
	return rte_flow_create(port_id, &attr, pattern, actions, err) != NULL ? 0 : -1;
}

int
flow_steer_install(struct dp *dp)
{
	const struct dp_port *port = &dp->ports[0];
	struct rte_flow_error err;
	unsigned int rules = 0, total = 0;
	uint16_t first[TP_PORT_BLOCKS_MAX], mask[TP_PORT_BLOCKS_MAX];

	if (dp->n_workers < 2)
		return 0;
	for (unsigned int w = 0; w < dp->n_workers; w++)
		total += tp_port_blocks(dp->workers[w]->port_lo, dp->workers[w]->port_hi, first, mask,
				      TP_PORT_BLOCKS_MAX) * dp->net.n_relay;
	if (total > FLOW_STEER_MAX_RULES) {
		printf("port %u: peer steering in software (%u flow rules would be needed)\n",
		       port->port_id, total);
		return 0;
	}
	memset(&err, 0, sizeof(err));
	for (unsigned int w = 0; w < dp->n_workers; w++) {
		const struct worker *wk = dp->workers[w];
		unsigned int nb = tp_port_blocks(wk->port_lo, wk->port_hi, first, mask, TP_PORT_BLOCKS_MAX);

		for (unsigned int a = 0; a < dp->net.n_relay; a++) {
			for (unsigned int b = 0; b < nb; b++) {
				if (flow_rule(port->port_id, &dp->net.relay[a], first[b], mask[b],
					      wk->queue, &err) != 0) {
					rte_flow_flush(port->port_id, NULL);
					printf("port %u: peer steering in software (flow rule refused: "
					       "%s)\n",
					       port->port_id,
					       err.message != NULL ? err.message : "no reason given");
					return 0;
				}
				rules++;
			}
		}
	}
	dp->flow_rules = rules;
	printf("port %u: peer steering in hardware, %u flow rules\n", port->port_id, rules);
	return 0;
}

void
flow_steer_remove(struct dp *dp)
{
	if (dp->flow_rules != 0 && dp->n_ports > 0)
		rte_flow_flush(dp->ports[0].port_id, NULL);
	dp->flow_rules = 0;
}

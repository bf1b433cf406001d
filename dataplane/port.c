/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port set-up: one mempool per port, n rx and n tx queues (one pair per
 * worker), checksum offloads where the device offers them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "dp.h"

#define PORT_MBUF_CACHE 256

/*
 * Configure and start @devname (already probed by EAL) as @p. Rx and tx
 * checksum offloads are enabled when offered and recorded in @p so the tx
 * path knows whether to compute checksums itself. Returns 0 or -errno
 * with a message on stderr.
 */
int
port_init(struct dp_port *p, const char *devname, const struct tp_port_config *pc,
	  uint16_t n_queues)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t nb_rxd = pc->rx_desc ? pc->rx_desc : 1024;
	uint16_t nb_txd = pc->tx_desc ? pc->tx_desc : 1024;
	uint64_t want_tx = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	uint64_t want_rx = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
	unsigned int n_mbufs;
	uint32_t frame_max;
	uint16_t data_room;
	int socket, rc;

	rc = rte_eth_dev_get_port_by_name(devname, &p->port_id);
	if (rc != 0) {
		fprintf(stderr, "port %s: not probed by EAL (%s)\n", devname, strerror(-rc));
		return rc;
	}
	snprintf(p->name, sizeof(p->name), "%s", devname);
	rc = rte_eth_dev_info_get(p->port_id, &info);
	if (rc != 0)
		goto fail;

	memset(&conf, 0, sizeof(conf));
	conf.txmode.offloads = info.tx_offload_capa & want_tx;
	conf.rxmode.offloads = info.rx_offload_capa & want_rx;
	conf.rxmode.mtu = pc->mtu ? pc->mtu : RTE_ETHER_MTU;
	p->tx_ip_cksum = (conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) != 0;
	p->tx_udp_cksum = (conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_UDP_CKSUM) != 0;

	rc = rte_eth_dev_configure(p->port_id, n_queues, n_queues, &conf);
	if (rc != 0)
		goto fail;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &nb_rxd, &nb_txd);
	if (rc != 0)
		goto fail;

	socket = rte_eth_dev_socket_id(p->port_id);
	if (socket < 0)
		socket = (int)rte_socket_id();
	/* Enough for full rx and tx rings, a burst in flight per queue and
	 * the per-lcore caches. */
	n_mbufs = n_queues * (nb_rxd + nb_txd + 2 * DP_BURST) + RTE_MAX_LCORE * PORT_MBUF_CACHE;
	if (n_mbufs < 8191)
		n_mbufs = 8191;
	char pool_name[RTE_MEMPOOL_NAMESIZE];
	snprintf(pool_name, sizeof(pool_name), "mbufs_p%u", p->port_id);
	/* Rx scatter is off and eth_input refuses chained mbufs, so one
	 * buffer must hold the largest frame the MTU allows: Ethernet
	 * header, two VLAN tags and the CRC some drivers leave in place, plus
	 * the headroom the tx path prepends into. Never below DPDK's default,
	 * which already covers a 1500-byte MTU. */
	frame_max = (uint32_t)conf.rxmode.mtu + RTE_ETHER_HDR_LEN + 2 * RTE_VLAN_HLEN +
		    RTE_ETHER_CRC_LEN;
	data_room = (uint16_t)RTE_MAX((uint32_t)RTE_MBUF_DEFAULT_BUF_SIZE,
				      RTE_PKTMBUF_HEADROOM + frame_max);
	p->mp = rte_pktmbuf_pool_create(pool_name, n_mbufs, PORT_MBUF_CACHE, 0, data_room,
					socket);
	if (p->mp == NULL) {
		rc = -rte_errno;
		goto fail;
	}

	for (uint16_t q = 0; q < n_queues; q++) {
		struct rte_eth_rxconf rxc = info.default_rxconf;
		struct rte_eth_txconf txc = info.default_txconf;

		rxc.offloads = conf.rxmode.offloads;
		txc.offloads = conf.txmode.offloads;
		rc = rte_eth_rx_queue_setup(p->port_id, q, nb_rxd, socket, &rxc, p->mp);
		if (rc != 0)
			goto fail_pool;
		rc = rte_eth_tx_queue_setup(p->port_id, q, nb_txd, socket, &txc);
		if (rc != 0)
			goto fail_pool;
	}
	rc = rte_eth_dev_start(p->port_id);
	if (rc != 0)
		goto fail_pool;
	/* Neighbour solicitations go to solicited-node multicast groups;
	 * accept all multicast rather than programming each group. Devices
	 * without a filter (net_tap) accept everything anyway. */
	rte_eth_allmulticast_enable(p->port_id);
	rc = rte_eth_macaddr_get(p->port_id, &p->mac);
	if (rc != 0)
		goto fail_started;

	printf("port %u (%s): driver %s, mac " RTE_ETHER_ADDR_PRT_FMT
	       ", %u queue(s), rx/tx desc %u/%u, mtu %u, mbuf data room %u"
	       ", tx checksum ip=%s udp=%s\n",
	       p->port_id, devname, info.driver_name, RTE_ETHER_ADDR_BYTES(&p->mac), n_queues,
	       nb_rxd, nb_txd, conf.rxmode.mtu, data_room, p->tx_ip_cksum ? "offload" : "software",
	       p->tx_udp_cksum ? "offload" : "software");
	return 0;

fail_started:
	rte_eth_dev_stop(p->port_id);
fail_pool:
	/* The pool cannot be freed while the device may hold its mbufs:
	 * close the device first. */
	rte_eth_dev_close(p->port_id);
	rte_mempool_free(p->mp);
	p->mp = NULL;
	fprintf(stderr, "port %s: set-up failed: %s\n", devname, strerror(-rc));
	return rc;
fail:
	fprintf(stderr, "port %s: set-up failed: %s\n", devname, strerror(-rc));
	return rc;
}

/* Stop and close: net_tap removes its kernel interface on close. */
void
port_fini(struct dp_port *p)
{
	if (p->mp == NULL)
		return;
	rte_eth_dev_stop(p->port_id);
	rte_eth_dev_close(p->port_id);
	rte_mempool_free(p->mp);
	p->mp = NULL;
}

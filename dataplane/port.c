/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port set-up: one mempool per port, n rx and n tx queues (one pair per
 * worker), checksum offloads where the device offers them, and with
 * several queues RSS over UDP with our key and redirection table where
 * the device lets us set both.
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
/* The key we hash with: the default 40-byte key, repeated to the length
 * the port wants. Returns the length, or 0 if it is too long for us. */
static size_t
rss_key_for(const struct rte_eth_dev_info *info, uint8_t key[TP_RSS_KEY_MAX])
{
	size_t len = info->hash_key_size ? info->hash_key_size : TP_RSS_DEFAULT_KEY_LEN;

	if (len > TP_RSS_KEY_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		key[i] = tp_rss_default_key[i % TP_RSS_DEFAULT_KEY_LEN];
	return len;
}

/* Point every RETA entry i at queue i % n. true if the port took it. */
static bool
rss_reta_set(uint16_t port_id, uint16_t reta_size, uint16_t n)
{
	struct rte_eth_rss_reta_entry64 conf[TP_RSS_RETA_MAX / RTE_ETH_RETA_GROUP_SIZE];

	if (reta_size == 0 || reta_size > TP_RSS_RETA_MAX || (reta_size & (reta_size - 1)) != 0 ||
	    reta_size < RTE_ETH_RETA_GROUP_SIZE)
		return false;
	memset(conf, 0, sizeof(conf));
	for (uint16_t i = 0; i < reta_size; i++) {
		conf[i / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ull << (i % RTE_ETH_RETA_GROUP_SIZE);
		conf[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] = i % n;
	}
	return rte_eth_dev_rss_reta_update(port_id, conf, reta_size) == 0;
}

int
port_init(struct dp_port *p, const char *devname, const struct tp_port_config *pc,
	  uint16_t n_queues, struct tp_rss *rss, bool *hw_rss)
{
	const uint64_t rss_want = RTE_ETH_RSS_NONFRAG_IPV4_UDP | RTE_ETH_RSS_NONFRAG_IPV6_UDP;
	uint8_t key[TP_RSS_KEY_MAX];
	size_t key_len = 0;
	bool try_rss = false;
	const char *rss_note = "";
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
	if (pc->checksum_offload) {
		conf.txmode.offloads = info.tx_offload_capa & want_tx;
		conf.rxmode.offloads = info.rx_offload_capa & want_rx;
	}
	conf.rxmode.mtu = pc->mtu ? pc->mtu : RTE_ETHER_MTU;
	p->tx_ip_cksum = (conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) != 0;
	p->tx_udp_cksum = (conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_UDP_CKSUM) != 0;

	if (n_queues > info.max_rx_queues || n_queues > info.max_tx_queues) {
		fprintf(stderr, "port %s: %u workers need %u rx and tx queues, the port has %u/%u\n",
			devname, n_queues, n_queues, info.max_rx_queues, info.max_tx_queues);
		rc = -EINVAL;
		goto fail;
	}
	/* Several queues: hash client flows with our key so that the queue a
	 * flow lands on is the worker that owns it (handoff.h). The workers
	 * mirror the key and the table, so whatever the port does, they
	 * agree on the owner; the port's help only saves hand-offs. */
	if (n_queues > 1 && rss != NULL) {
		*hw_rss = false;
		key_len = rss_key_for(&info, key);
		if (key_len == 0 ||
		    tp_rss_init(rss, key, key_len, TP_RSS_RETA_MAX / 4, n_queues) != 0) {
			key_len = TP_RSS_DEFAULT_KEY_LEN;
			memcpy(key, tp_rss_default_key, key_len);
			tp_rss_init(rss, key, key_len, TP_RSS_RETA_MAX / 4, n_queues);
			rss_note = ", RSS key size not supported: workers steer in software";
		} else if ((info.flow_type_rss_offloads & rss_want) != rss_want) {
			rss_note = ", no UDP RSS: workers steer in software";
		} else {
			try_rss = true;
			conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
			conf.rx_adv_conf.rss_conf.rss_key = key;
			conf.rx_adv_conf.rss_conf.rss_key_len = (uint8_t)key_len;
			conf.rx_adv_conf.rss_conf.rss_hf = rss_want;
			conf.rxmode.offloads |= info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_RSS_HASH;
		}
	}

	rc = rte_eth_dev_configure(p->port_id, n_queues, n_queues, &conf);
	if (rc != 0 && try_rss) {
		try_rss = false;
		rss_note = ", RSS refused: workers steer in software";
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
		memset(&conf.rx_adv_conf.rss_conf, 0, sizeof(conf.rx_adv_conf.rss_conf));
		conf.rxmode.offloads &= ~RTE_ETH_RX_OFFLOAD_RSS_HASH;
		rc = rte_eth_dev_configure(p->port_id, n_queues, n_queues, &conf);
	}
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
	if (try_rss) {
		if (rss_reta_set(p->port_id, info.reta_size, n_queues) &&
		    tp_rss_init(rss, key, key_len, info.reta_size, n_queues) == 0) {
			*hw_rss = true;
			rss_note = ", RSS with our key and table";
		} else {
			rss_note = ", RSS table not settable: workers steer in software";
		}
	}

	printf("port %u (%s): driver %s, mac " RTE_ETHER_ADDR_PRT_FMT
	       ", %u queue(s), rx/tx desc %u/%u, mtu %u, mbuf data room %u"
	       ", tx checksum ip=%s udp=%s%s\n",
	       p->port_id, devname, info.driver_name, RTE_ETHER_ADDR_BYTES(&p->mac), n_queues,
	       nb_rxd, nb_txd, conf.rxmode.mtu, data_room, p->tx_ip_cksum ? "offload" : "software",
	       p->tx_udp_cksum ? "offload" : "software", rss_note);
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

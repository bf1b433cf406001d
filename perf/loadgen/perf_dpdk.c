/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK I/O of turnpike-perf: see perf_dpdk.h.
 */
#include "perf_dpdk.h"
#include "perf_clock.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#define PORT 0
#define RX_DESC 1024
#define TX_DESC 1024
#define N_MBUFS 16383
#define MBUF_CACHE 256
#define BURST 32
#define EAL_ARGS_MAX 64
#define LINK_WAIT_MS 10000
#define ARP_WAIT_MS 5000
#define ARP_RESEND_MS 200
#define TX_TRIES 64      /* rte_eth_tx_burst calls before giving up on a burst */
#define HDRS (sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr))

struct perf_dpdk {
	struct rte_mempool *pool;
	struct rte_ether_addr mac, server_mac;
	uint32_t self_ip;            /* network order */
	uint32_t peer_lo, n_peers;   /* host order */
	uint16_t peer_port;
	bool echo;                   /* peers answer; else their datagrams go to the callback */
	char *argv_buf;
	bool eal_up;
	struct perf_dpdk_stats st;
};

static uint32_t
ip4_of(const struct stun_addr *a)
{
	uint32_t v;

	memcpy(&v, a->ip, 4);
	return v;
}

/* ---- transmit ---- */

/* Send every mbuf of @m, retrying while the queue is full; frees the rest. */
static unsigned int
tx_all(struct perf_dpdk *d, struct rte_mbuf **m, unsigned int n)
{
	unsigned int sent = 0;

	for (unsigned int tries = 0; sent < n && tries < TX_TRIES; tries++)
		sent += rte_eth_tx_burst(PORT, 0, m + sent, (uint16_t)(n - sent));
	if (sent < n) {
		d->st.tx_dropped += n - sent;
		rte_pktmbuf_free_bulk(m + sent, n - sent);
	}
	d->st.tx_frames += sent;
	return sent;
}

static void
fill_udp4(struct perf_dpdk *d, struct rte_mbuf *m, uint32_t src_ip, uint16_t src_port,
	  uint32_t dst_ip, uint16_t dst_port, const uint8_t *payload, size_t len)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	rte_ether_addr_copy(&d->server_mac, &eth->dst_addr);
	rte_ether_addr_copy(&d->mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(*udp) + len));
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = src_ip;
	ip->dst_addr = dst_ip;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(src_port);
	udp->dst_port = rte_cpu_to_be_16(dst_port);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + len));
	udp->dgram_cksum = 0;
	memcpy(udp + 1, payload, len);
	m->data_len = (uint16_t)(HDRS + len);
	m->pkt_len = m->data_len;
	/* A real checksum: the dataplane checks it like a NIC would. */
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
}

unsigned int
perf_dpdk_send(struct perf_dpdk *d, const struct stun_addr *src, const struct stun_addr *dst,
	       uint8_t *const *bufs, const int *lens, unsigned int n)
{
	struct rte_mbuf *m[BURST];
	unsigned int done = 0;

	while (done < n) {
		unsigned int k = n - done < BURST ? n - done : BURST;

		if (rte_pktmbuf_alloc_bulk(d->pool, m, k) != 0) {
			d->st.tx_dropped += k;
			break;
		}
		for (unsigned int i = 0; i < k; i++) {
			size_t len = (size_t)lens[done + i];

			if (len + HDRS > rte_pktmbuf_tailroom(m[i]))
				len = 0; /* cannot happen with the sizes turnpike-perf sends */
			fill_udp4(d, m[i], ip4_of(src), src->port, ip4_of(dst), dst->port,
				  bufs[done + i], len);
		}
		unsigned int sent = tx_all(d, m, k);

		done += sent;
		if (sent < k)
			break;
	}
	return done;
}

/* ---- receive ---- */

static void
arp_send(struct perf_dpdk *d, uint16_t op, const struct rte_ether_addr *tha, uint32_t tip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(d->pool);
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;

	if (m == NULL)
		return;
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	arp = (struct rte_arp_hdr *)(eth + 1);
	if (op == RTE_ARP_OP_REQUEST)
		memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	else
		rte_ether_addr_copy(tha, &eth->dst_addr);
	rte_ether_addr_copy(&d->mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(op);
	rte_ether_addr_copy(&d->mac, &arp->arp_data.arp_sha);
	arp->arp_data.arp_sip = d->self_ip;
	if (op == RTE_ARP_OP_REQUEST)
		memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
	else
		rte_ether_addr_copy(tha, &arp->arp_data.arp_tha);
	arp->arp_data.arp_tip = tip;
	m->data_len = (uint16_t)(sizeof(*eth) + sizeof(*arp));
	m->pkt_len = m->data_len;
	(void)tx_all(d, &m, 1);
}

/* Answer requests for our address; learn the server's MAC from any ARP it sends. */
static void
rx_arp(struct perf_dpdk *d, struct rte_mbuf *m, uint32_t server_ip)
{
	struct rte_arp_hdr *arp;

	d->st.arp++;
	if (m->data_len < sizeof(struct rte_ether_hdr) + sizeof(*arp))
		return;
	arp = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, sizeof(struct rte_ether_hdr));
	if (arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		return;
	if (server_ip != 0 && arp->arp_data.arp_sip == server_ip)
		rte_ether_addr_copy(&arp->arp_data.arp_sha, &d->server_mac);
	if (arp->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) &&
	    arp->arp_data.arp_tip == d->self_ip)
		arp_send(d, RTE_ARP_OP_REPLY, &arp->arp_data.arp_sha, arp->arp_data.arp_sip);
}

/* Turn an echo peer's datagram round in place; true if @m was one (and is now queued). */
static bool
echo(struct perf_dpdk *d, struct rte_mbuf *m, struct rte_ipv4_hdr *ip, struct rte_udp_hdr *udp)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	uint32_t dst = rte_be_to_cpu_32(ip->dst_addr), t;
	uint16_t p;

	if (dst - d->peer_lo >= d->n_peers || rte_be_to_cpu_16(udp->dst_port) != d->peer_port)
		return false;
	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&d->mac, &eth->src_addr);
	t = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = t;
	ip->time_to_live = 64;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	p = udp->src_port;
	udp->src_port = udp->dst_port;
	udp->dst_port = p;
	/* The UDP checksum covers the same words in another order: unchanged. */
	return true;
}

static unsigned int
poll_once(struct perf_dpdk *d, perf_dpdk_rx_fn *fn, void *ctx, uint32_t server_ip)
{
	struct rte_mbuf *m[BURST], *back[BURST];
	unsigned int n = rte_eth_rx_burst(PORT, 0, m, BURST), n_back = 0;
	uint64_t now;

	if (n == 0)
		return 0;
	now = perf_now_ns();
	d->st.rx_frames += n;
	for (unsigned int i = 0; i < n; i++) {
		struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m[i], struct rte_ether_hdr *);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
		size_t ulen;

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(m[i + 1], void *));
		if (m[i]->data_len < sizeof(*eth)) {
			d->st.ignored++;
		} else if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
			rx_arp(d, m[i], server_ip);
		} else if (eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
			   m[i]->data_len < HDRS || m[i]->nb_segs != 1 ||
			   ip->version_ihl != RTE_IPV4_VHL_DEF || ip->next_proto_id != IPPROTO_UDP ||
			   (rte_be_to_cpu_16(ip->fragment_offset) & 0x3FFF) != 0 ||
			   (ulen = rte_be_to_cpu_16(udp->dgram_len)) < sizeof(*udp) ||
			   ulen > m[i]->data_len - sizeof(*eth) - sizeof(*ip)) {
			d->st.ignored++; /* IPv6, ICMP, fragments, truncated frames */
		} else if (d->echo && echo(d, m[i], ip, udp)) {
			d->st.echoed++;
			back[n_back++] = m[i];
			continue;
		} else if (fn != NULL) {
			struct stun_addr dst = { .family = STUN_FAMILY_IPV4,
						 .port = rte_be_to_cpu_16(udp->dst_port) };

			memcpy(dst.ip, &ip->dst_addr, 4);
			fn(ctx, &dst, (uint8_t *)(udp + 1), ulen - sizeof(*udp), now);
		}
		rte_pktmbuf_free(m[i]);
	}
	if (n_back > 0)
		(void)tx_all(d, back, n_back);
	return n;
}

unsigned int
perf_dpdk_poll(struct perf_dpdk *d, perf_dpdk_rx_fn *fn, void *ctx)
{
	return poll_once(d, fn, ctx, 0);
}

/* ---- set-up ---- */

static int
eal_init(struct perf_dpdk *d, const char *args, char *err, size_t errlen)
{
	char *argv[EAL_ARGS_MAX + 2];
	int argc = 0, rc;

	d->argv_buf = strdup(args);
	if (d->argv_buf == NULL)
		return -ENOMEM;
	argv[argc++] = (char *)"turnpike-perf";
	for (char *save = NULL, *t = strtok_r(d->argv_buf, " \t\n", &save); t != NULL;
	     t = strtok_r(NULL, " \t\n", &save)) {
		if (argc > EAL_ARGS_MAX) {
			snprintf(err, errlen, "--eal: more than %d arguments", EAL_ARGS_MAX);
			return -E2BIG;
		}
		argv[argc++] = t;
	}
	argv[argc] = NULL;
	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		snprintf(err, errlen, "rte_eal_init failed: %s (check --eal)",
			 rte_strerror(rte_errno));
		return -rte_errno;
	}
	d->eal_up = true;
	return 0;
}

static int
port_start(struct perf_dpdk *d, char *err, size_t errlen)
{
	struct rte_eth_conf conf;
	int socket, rc;

	if (rte_eth_dev_count_avail() == 0) {
		snprintf(err, errlen, "no DPDK port: give one in --eal (e.g. --vdev "
			 "net_memif0,role=client,socket=PATH)");
		return -ENODEV;
	}
	socket = rte_eth_dev_socket_id(PORT);
	if (socket < 0)
		socket = (int)rte_socket_id();
	d->pool = rte_pktmbuf_pool_create("perf_mbufs", N_MBUFS, MBUF_CACHE, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (d->pool == NULL) {
		snprintf(err, errlen, "mbuf pool: %s (give EAL more memory with -m)",
			 rte_strerror(rte_errno));
		return -ENOMEM;
	}
	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_configure(PORT, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(PORT, 0, RX_DESC, (unsigned int)socket, NULL, d->pool);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(PORT, 0, TX_DESC, (unsigned int)socket, NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(PORT);
	if (rc == 0)
		rc = rte_eth_macaddr_get(PORT, &d->mac);
	if (rc != 0) {
		snprintf(err, errlen, "port %d set-up: %s", PORT, rte_strerror(-rc));
		return rc;
	}
	return 0;
}

static int
link_wait(char *err, size_t errlen)
{
	for (unsigned int ms = 0; ms < LINK_WAIT_MS; ms += 10) {
		struct rte_eth_link link;

		if (rte_eth_link_get_nowait(PORT, &link) == 0 && link.link_status)
			return 0;
		rte_delay_ms(10);
	}
	snprintf(err, errlen, "port %d: link still down after %d s (is the server's memif "
		 "up, on the same socket?)", PORT, LINK_WAIT_MS / 1000);
	return -ENETDOWN;
}

static int
arp_resolve(struct perf_dpdk *d, const struct stun_addr *server, char *err, size_t errlen)
{
	uint32_t sip = ip4_of(server);
	static const struct rte_ether_addr zero;

	memset(&d->server_mac, 0, sizeof(d->server_mac));
	for (unsigned int ms = 0; ms < ARP_WAIT_MS; ms++) {
		if (ms % ARP_RESEND_MS == 0)
			arp_send(d, RTE_ARP_OP_REQUEST, NULL, sip);
		(void)poll_once(d, NULL, NULL, sip);
		if (!rte_is_same_ether_addr(&d->server_mac, &zero))
			return 0;
		rte_delay_ms(1);
	}
	snprintf(err, errlen, "no ARP answer from the server %u.%u.%u.%u within %d s",
		 server->ip[0], server->ip[1], server->ip[2], server->ip[3], ARP_WAIT_MS / 1000);
	return -EHOSTUNREACH;
}

int
perf_dpdk_open(const char *eal_args, const struct stun_addr *self, const struct stun_addr *server,
	       struct perf_dpdk **out, char *err, size_t errlen)
{
	struct perf_dpdk *d = calloc(1, sizeof(*d));
	int rc;

	*out = d;
	if (d == NULL)
		return -ENOMEM;
	if (self->family != STUN_FAMILY_IPV4 || server->family != STUN_FAMILY_IPV4) {
		snprintf(err, errlen, "the DPDK back-end speaks IPv4 only");
		return -EAFNOSUPPORT;
	}
	d->self_ip = ip4_of(self);
	rc = eal_init(d, eal_args, err, errlen);
	if (rc == 0)
		rc = port_start(d, err, errlen);
	if (rc == 0)
		rc = link_wait(err, errlen);
	if (rc == 0)
		rc = arp_resolve(d, server, err, errlen);
	return rc;
}

void
perf_dpdk_set_peers(struct perf_dpdk *d, const struct stun_addr *first, unsigned int n, bool echo)
{
	d->echo = echo;
	d->peer_lo = rte_be_to_cpu_32(ip4_of(first));
	d->n_peers = n;
	d->peer_port = first->port;
}

int
perf_dpdk_thread_enter(void)
{
	return rte_thread_register() == 0 ? 0 : -rte_errno;
}

void
perf_dpdk_thread_leave(void)
{
	rte_thread_unregister();
}

void
perf_dpdk_get_stats(const struct perf_dpdk *d, struct perf_dpdk_stats *st)
{
	*st = d->st;
}

void
perf_dpdk_close(struct perf_dpdk *d)
{
	if (d == NULL)
		return;
	if (d->pool != NULL) {
		(void)rte_eth_dev_stop(PORT);
		(void)rte_eth_dev_close(PORT);
		rte_mempool_free(d->pool);
	}
	if (d->eal_up)
		(void)rte_eal_cleanup();
	free(d->argv_buf);
	free(d);
}

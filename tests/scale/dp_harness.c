/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The in-process dataplane of dp_harness.h: EAL, a ring port, dp_setup,
 * frames in and out, and TURN transactions through the real worker path.
 */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_udp.h>

#include "authq.h"
#include "dp_harness.h"
#include "net.h"

#define DPH_RX_RING 1024
#define DPH_RESP_MAX 2048

static int __attribute__((format(printf, 2, 3)))
fail(struct dph *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->err, sizeof(h->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* DPDK and port_init print to stdout; keep the caller's stdout clean
 * (turnpike-bench prints JSON there). */
static int
stdout_to_stderr(void)
{
	int fd;

	fflush(stdout);
	fd = dup(STDOUT_FILENO);
	if (fd >= 0)
		dup2(STDERR_FILENO, STDOUT_FILENO);
	return fd;
}

static void
stdout_restore(int fd)
{
	fflush(stdout);
	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		close(fd);
	}
}

/* EAL's runtime directory (/var/run/dpdk/PREFIX-PID): EAL leaves it
 * behind, so it is removed at exit, like the integration tests remove
 * theirs. */
static char runtime_dir[512];

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

static void
remove_runtime_dir(void)
{
	if (runtime_dir[0] != '\0')
		nftw(runtime_dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int
dph_eal_init(const char *prefix, unsigned int mem_mb)
{
	static char mem[16], file_prefix[96];
	static char *argv[16];
	int argc = 0, fd, rc;

	snprintf(mem, sizeof(mem), "%u", mem_mb);
	snprintf(file_prefix, sizeof(file_prefix), "--file-prefix=%s-%ld", prefix,
		 (long)getpid());
	argv[argc++] = (char *)prefix;
	/* Lcore 1 is only there for dp_setup to give the worker; it is never
	 * launched, so both live on CPU 0 and one CPU is enough. */
	argv[argc++] = (char *)"--lcores=0@0,1@0";
	argv[argc++] = (char *)"--no-huge";
	argv[argc++] = (char *)"-m";
	argv[argc++] = mem;
	argv[argc++] = (char *)"--no-pci";
	argv[argc++] = (char *)"--no-telemetry";
	argv[argc++] = file_prefix;
	argv[argc++] = (char *)"--log-level=error";
	argv[argc] = NULL;

	fd = stdout_to_stderr();
	optind = 1;
	rc = rte_eal_init(argc, argv);
	optind = 1;
	stdout_restore(fd);
	if (rc < 0) {
		fprintf(stderr, "%s: EAL initialisation failed: %s\n", prefix,
			rte_strerror(rte_errno));
		return -1;
	}
	rte_openlog_stream(stderr);
	/* Only a directory of our own pid-suffixed prefix is ever removed. */
	if (strstr(rte_eal_get_runtime_dir(), file_prefix + strlen("--file-prefix=")) != NULL) {
		snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
		atexit(remove_runtime_dir);
	}
	return 0;
}

static void
set_ip4(struct stun_addr *a, uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3, uint16_t port)
{
	const uint8_t ip[4] = {b0, b1, b2, b3};

	stun_addr_set_v4(a, ip, port);
}

void
dph_client_addr(unsigned int i, struct stun_addr *a)
{
	unsigned int j = i / DPH_CLIENTS_PER_IP;

	set_ip4(a, 198, 19, (uint8_t)(j >> 8), (uint8_t)j,
		(uint16_t)(DPH_CLIENT_PORT_BASE + i % DPH_CLIENTS_PER_IP));
}

void
dph_peer_addr(unsigned int i, uint16_t port, struct stun_addr *a)
{
	unsigned int j = i % DPH_PEER_IPS;

	set_ip4(a, 198, 18, (uint8_t)(128 + j / 256), (uint8_t)j, port);
}

void
dph_relay_ip(unsigned int i, struct stun_addr *a)
{
	set_ip4(a, 198, 18, 1, (uint8_t)(i + 1), 0);
}

void
dph_config(struct tp_config *cfg, unsigned int n_relay, uint16_t port_min, uint16_t port_max,
	   uint32_t max_alloc)
{
	tp_config_defaults(cfg);
	snprintf(cfg->path, sizeof(cfg->path), "dp_harness");
	/* dph_start renames it to the ring port's ethdev name. */
	snprintf(cfg->ports[0].device, sizeof(cfg->ports[0].device), "net_ring_dph");
	cfg->n_ports = 1;

	set_ip4(&cfg->local[0], 198, 18, 0, 2, cfg->listen_port);
	cfg->local_prefix[0] = 24;
	cfg->n_local = 1;
	set_ip4(&cfg->gateway4, 198, 18, 0, 1, 0);

	if (n_relay > TP_CFG_MAX_RELAY)
		n_relay = TP_CFG_MAX_RELAY;
	for (unsigned int i = 0; i < n_relay; i++)
		dph_relay_ip(i, &cfg->relay[i]);
	cfg->n_relay = n_relay;
	cfg->relay_port_min = port_min;
	cfg->relay_port_max = port_max;

	snprintf(cfg->realm, sizeof(cfg->realm), "%s", DPH_REALM);
	snprintf(cfg->users[0].name, sizeof(cfg->users[0].name), "%s", DPH_USER);
	snprintf(cfg->users[0].password, sizeof(cfg->users[0].password), "%s", DPH_PASS);
	cfg->n_users = 1;
	stun_rest_secrets_add(&cfg->rest, DPH_REST_SECRET, strlen(DPH_REST_SECRET));

	cfg->max_allocations = max_alloc;
	/* The clients here make their allocations back to back, 16 per
	 * source address: the per-source challenge limit is not under test. */
	cfg->unauth_rate = 1000000;
	cfg->unauth_burst = 1000000;
	snprintf(cfg->allow[0].text, sizeof(cfg->allow[0].text), "198.18.0.0/15");
	cfg->n_allow = 1;
}

static int
ring_port_create(struct dph *h)
{
	char name[RTE_RING_NAMESIZE], dev[RTE_ETH_NAME_MAX_LEN];
	int port;

	snprintf(name, sizeof(name), "dph_rx_%d", (int)getpid());
	h->rxr = rte_ring_create(name, DPH_RX_RING, (int)rte_socket_id(),
				 RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "dph_tx_%d", (int)getpid());
	h->txr = rte_ring_create(name, DPH_TX_RING, (int)rte_socket_id(),
				 RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (h->rxr == NULL || h->txr == NULL)
		return fail(h, "rings: %s", rte_strerror(rte_errno));
	port = rte_eth_from_rings("dph", &h->rxr, 1, &h->txr, 1, rte_socket_id());
	if (port < 0)
		return fail(h, "rte_eth_from_rings: %s", rte_strerror(rte_errno));
	if (rte_eth_dev_get_name_by_port((uint16_t)port, dev) != 0)
		return fail(h, "ring port %d has no name", port);
	/* dp_setup finds the port by the config's device name. */
	snprintf(h->dp.cfg.ports[0].device, sizeof(h->dp.cfg.ports[0].device), "%s", dev);
	return 0;
}

/* An ARP request from the gateway for our address: the worker learns the
 * gateway's MAC (and answers, which is read and freed here). */
static int
learn_gateway(struct dph *h)
{
	uint8_t f[RTE_ETHER_HDR_LEN + sizeof(struct rte_arp_hdr)];
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f;
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
	struct rte_mbuf *out[4];
	unsigned int n;

	memset(f, 0, sizeof(f));
	memset(&eth->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	rte_ether_addr_copy(&h->gw_mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	rte_ether_addr_copy(&h->gw_mac, &arp->arp_data.arp_sha);
	memcpy(&arp->arp_data.arp_sip, h->gateway.ip, 4);
	memcpy(&arp->arp_data.arp_tip, h->server.ip, 4);
	if (dph_input_frame(h, f, sizeof(f)) != 0)
		return -1;
	n = dph_output(h, out, 4);
	rte_pktmbuf_free_bulk(out, n);
	if (n != 1)
		return fail(h, "ARP request from the gateway: %u frames out, expected the reply", n);
	if (neigh_lookup(h->w->neigh, STUN_FAMILY_IPV4, h->gateway.ip, h->w->now_tsc) == NULL)
		return fail(h, "the gateway's ARP request did not teach the neighbour table");
	return 0;
}

int
dph_start(struct dph *h)
{
	static const struct rte_ether_addr gw_mac = {{0x02, 0x00, 0x5e, 0x12, 0x00, 0x01}};
	int fd, rc;

	h->err[0] = '\0';
	h->gw_mac = gw_mac;
	h->server = h->dp.cfg.local[0];
	h->server.port = h->dp.cfg.listen_port;
	h->gateway = h->dp.cfg.gateway4;
	if (ring_port_create(h) != 0)
		return -1;
	fd = stdout_to_stderr();
	rc = dp_setup(&h->dp);
	stdout_restore(fd);
	if (rc != 0)
		return fail(h, "dp_setup: %s", strerror(-rc));
	h->started = true;
	if (h->dp.n_workers != 1)
		return fail(h, "dp_setup made %u workers, expected 1", h->dp.n_workers);
	h->w = h->dp.workers[0];
	h->mp = h->dp.ports[0].mp;
	dph_clock(h);
	return learn_gateway(h);
}

void
dph_stop(struct dph *h)
{
	int fd;

	if (h->txr != NULL)
		dph_output_drain(h);
	fd = stdout_to_stderr();
	if (h->started)
		dp_teardown(&h->dp);
	else
		/* The ring port exists but dp_setup never took it. */
		for (uint16_t p = 0; p < RTE_MAX_ETHPORTS; p++)
			if (rte_eth_dev_is_valid_port(p))
				rte_eth_dev_close(p);
	stdout_restore(fd);
	h->started = false;
	h->w = NULL;
	rte_ring_free(h->rxr);
	rte_ring_free(h->txr);
	h->rxr = h->txr = NULL;
}

uint16_t
dph_frame(const struct dph *h, uint8_t *buf, size_t cap, const struct stun_addr *src,
	  const struct stun_addr *dst, const void *payload, uint16_t len)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	size_t total = sizeof(*eth) + sizeof(*ip) + sizeof(*udp) + len;

	if (total > cap || total > UINT16_MAX)
		return 0;
	rte_ether_addr_copy(&h->dp.ports[0].mac, &eth->dst_addr);
	rte_ether_addr_copy(&h->gw_mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(*udp) + len));
	ip->packet_id = RTE_BE16(1);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	memcpy(&ip->src_addr, src->ip, 4);
	memcpy(&ip->dst_addr, dst->ip, 4);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(src->port);
	udp->dst_port = rte_cpu_to_be_16(dst->port);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + len));
	udp->dgram_cksum = 0;
	memcpy(udp + 1, payload, len);
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	return (uint16_t)total;
}

void
dph_clock(struct dph *h)
{
	worker_clock(h->w, rte_rdtsc() + h->tsc_offset);
}

int
dph_input_frame(struct dph *h, const uint8_t *frame, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(h->mp);
	char *d;

	if (m == NULL)
		return fail(h, "mbuf pool empty (%u in use)", rte_mempool_in_use_count(h->mp));
	d = rte_pktmbuf_append(m, len);
	if (d == NULL) {
		rte_pktmbuf_free(m);
		return fail(h, "frame of %u bytes does not fit an mbuf", len);
	}
	memcpy(d, frame, len);
	dph_clock(h);
	worker_input_burst(h->w, &m, 1);
	if (h->w->tx_n != 0)
		worker_flush(h->w);
	return 0;
}

unsigned int
dph_output(struct dph *h, struct rte_mbuf **out, unsigned int cap)
{
	return rte_ring_dequeue_burst(h->txr, (void **)out, cap, NULL);
}

unsigned int
dph_output_drain(struct dph *h)
{
	struct rte_mbuf *m[64];
	unsigned int n, total = 0;

	while ((n = dph_output(h, m, 64)) != 0) {
		rte_pktmbuf_free_bulk(m, n);
		total += n;
	}
	return total;
}

int
dph_parse(struct dph *h, const struct rte_mbuf *m, struct stun_addr *src, struct stun_addr *dst,
	  const uint8_t **payload, uint16_t *len)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
	const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(ip + 1);
	uint16_t ulen;

	if (!rte_pktmbuf_is_contiguous(m) || m->pkt_len < sizeof(*eth) + sizeof(*ip) + sizeof(*udp))
		return fail(h, "output frame of %u bytes, %u segments", m->pkt_len, m->nb_segs);
	if (!rte_is_same_ether_addr(&eth->dst_addr, &h->gw_mac) ||
	    !rte_is_same_ether_addr(&eth->src_addr, &h->dp.ports[0].mac))
		return fail(h, "output frame: not from our MAC to the gateway's");
	if (eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) || ip->version_ihl != RTE_IPV4_VHL_DEF ||
	    ip->next_proto_id != IPPROTO_UDP)
		return fail(h, "output frame: not IPv4/UDP without options");
	if (rte_be_to_cpu_16(ip->total_length) != m->pkt_len - sizeof(*eth))
		return fail(h, "output frame: IP length %u in a frame of %u",
			    rte_be_to_cpu_16(ip->total_length), m->pkt_len);
	ulen = rte_be_to_cpu_16(udp->dgram_len);
	if (ulen != m->pkt_len - sizeof(*eth) - sizeof(*ip) || ulen < sizeof(*udp))
		return fail(h, "output frame: UDP length %u in a frame of %u", ulen, m->pkt_len);
	if (!(m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM) && rte_raw_cksum(ip, sizeof(*ip)) != 0xffff)
		return fail(h, "output frame: bad IP checksum");
	if (!(m->ol_flags & RTE_MBUF_F_TX_UDP_CKSUM) && udp->dgram_cksum != 0) {
		uint32_t sum = rte_ipv4_phdr_cksum(ip, 0) + rte_raw_cksum(udp, ulen);

		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		if (sum != 0xffff)
			return fail(h, "output frame: bad UDP checksum");
	}
	stun_addr_set_v4(src, (const uint8_t *)&ip->src_addr, rte_be_to_cpu_16(udp->src_port));
	stun_addr_set_v4(dst, (const uint8_t *)&ip->dst_addr, rte_be_to_cpu_16(udp->dst_port));
	*payload = (const uint8_t *)(udp + 1);
	*len = (uint16_t)(ulen - sizeof(*udp));
	return 0;
}

uint64_t
dph_drops(const struct dph *h)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < TP_DROP_MAX; i++)
		n += h->w->cnt.drops[i];
	return n;
}

void
dph_drops_diff(const struct dph *h, const struct dp_counters *before, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < TP_DROP_MAX && o < len; i++) {
		uint64_t d = h->w->cnt.drops[i] - before->drops[i];
		int n;

		if (d == 0)
			continue;
		n = snprintf(buf + o, len - o, "%s%s +%llu", o ? ", " : "", tp_drop_name(i),
			     (unsigned long long)d);
		if (n < 0)
			break;
		o += (size_t)n;
	}
	if (o == 0)
		snprintf(buf, len, "none");
}

int
dph_exchange(struct dph *h, const struct stun_addr *client, const uint8_t *msg, uint16_t len,
	     uint8_t *resp, size_t cap)
{
	uint8_t frame[RTE_ETHER_HDR_LEN + 28 + STUN_MAX_MSG_LEN];
	struct rte_mbuf *out[4];
	struct stun_addr src, dst;
	const uint8_t *p;
	uint16_t plen, flen;
	uint64_t parked = h->w->cnt.auth_parked, drops = dph_drops(h);
	unsigned int n;
	int rc;

	flen = dph_frame(h, frame, sizeof(frame), client, &h->server, msg, len);
	if (flen == 0)
		return fail(h, "request of %u bytes too long", len);
	if (dph_input_frame(h, frame, flen) != 0)
		return -1;
	n = dph_output(h, out, 4);
	if (n == 0 && h->w->cnt.auth_parked != parked) {
		/* A key cache miss: the main lcore's part, then the worker's. */
		authq_serve(h->w->hooks.aq, h->dp.users);
		dph_clock(h);
		authq_poll(h->w);
		if (h->w->tx_n != 0)
			worker_flush(h->w);
		n = dph_output(h, out, 4);
	}
	if (n != 1) {
		rte_pktmbuf_free_bulk(out, n);
		return fail(h, "request: %u frames out (expected 1), drops %llu -> %llu", n,
			    (unsigned long long)drops, (unsigned long long)dph_drops(h));
	}
	rc = dph_parse(h, out[0], &src, &dst, &p, &plen);
	if (rc == 0 && (!stun_addr_equal(&src, &h->server) || !stun_addr_equal(&dst, client)))
		rc = fail(h, "reply not from the server to the client");
	if (rc == 0 && plen > cap)
		rc = fail(h, "reply of %u bytes", plen);
	if (rc == 0) {
		memcpy(resp, p, plen);
		rc = plen;
	}
	rte_pktmbuf_free(out[0]);
	return rc;
}

enum txn_kind { TXN_ALLOCATE, TXN_PERMISSION, TXN_CHANNEL };

static int
transact(struct dph *h, struct turn_client *c, const struct stun_addr *client, enum txn_kind k,
	 uint16_t channel, const struct stun_addr *peer, struct turn_client_result *r)
{
	static const char *const names[] = {"Allocate", "CreatePermission", "ChannelBind"};
	uint8_t req[STUN_MAX_MSG_LEN], resp[DPH_RESP_MAX];

	for (int round = 0; round < 3; round++) {
		int len, n, rc;

		switch (k) {
		case TXN_ALLOCATE:
			len = turn_client_allocate(c, NULL, req, sizeof(req));
			break;
		case TXN_PERMISSION:
			len = turn_client_create_permission(c, peer, 1, req, sizeof(req));
			break;
		default:
			len = turn_client_channel_bind(c, channel, peer, req, sizeof(req));
			break;
		}
		if (len <= 0)
			return fail(h, "%s: cannot build the request (%d)", names[k], len);
		n = dph_exchange(h, client, req, (uint16_t)len, resp, sizeof(resp));
		if (n < 0)
			return -1;
		rc = turn_client_parse_response(c, resp, (size_t)n, r);
		if (rc != 0)
			return fail(h, "%s: response does not parse (%s)", names[k], strerror(-rc));
		if (r->retry)
			continue;
		if (r->cls != STUN_CLASS_SUCCESS || r->error != 0)
			return fail(h, "%s: error %u %s", names[k], r->error, r->reason);
		if (r->integrity != 0)
			return fail(h, "%s: response integrity %d", names[k], r->integrity);
		return 0;
	}
	return fail(h, "%s: still challenged after 3 rounds", names[k]);
}

int
dph_allocate(struct dph *h, struct turn_client *c, const struct stun_addr *client,
	     struct stun_addr *relay)
{
	struct turn_client_result r;

	if (transact(h, c, client, TXN_ALLOCATE, 0, NULL, &r) != 0)
		return -1;
	if (r.n_relayed < 1)
		return fail(h, "Allocate: success without XOR-RELAYED-ADDRESS");
	*relay = r.relayed[0];
	return 0;
}

int
dph_create_permission(struct dph *h, struct turn_client *c, const struct stun_addr *client,
		      const struct stun_addr *peer)
{
	struct turn_client_result r;

	return transact(h, c, client, TXN_PERMISSION, 0, peer, &r);
}

int
dph_channel_bind(struct dph *h, struct turn_client *c, const struct stun_addr *client,
		 uint16_t channel, const struct stun_addr *peer)
{
	struct turn_client_result r;

	return transact(h, c, client, TXN_CHANNEL, channel, peer, &r);
}

uint64_t
dph_rss_bytes(void)
{
	unsigned long size = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &rss) != 2)
		rss = 0;
	fclose(f);
	return (uint64_t)rss * (uint64_t)sysconf(_SC_PAGESIZE);
}

uint64_t
dph_heap_bytes(void)
{
	uint64_t total = 0;

	for (unsigned int s = 0; s < rte_socket_count(); s++) {
		struct rte_malloc_socket_stats st;

		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(s), &st) == 0)
			total += st.heap_allocsz_bytes;
	}
	return total;
}

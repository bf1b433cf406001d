/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An in-process dataplane for benchmarks and scale tests: EAL, the real
 * dp_setup with one worker, and a port made of two rte_rings this process
 * owns (rte_eth_from_rings), so frames go in through worker_input_burst
 * and whatever the worker transmits can be read back from the tx ring.
 * The worker lcore is never launched: the calling thread is the worker.
 *
 *   static struct dph h;                       // large: holds struct dp
 *   dph_eal_init("scale", 4096);               // once per process
 *   dph_config(&h.dp.cfg, 20, 1024, 65535, 1000000);
 *   dph_start(&h);                             // dp_setup, gateway learnt
 *   dph_allocate(&h, &c, &client, &relay);     // 401, Allocate, ...
 *   dph_input_frame(&h, frame, len);           // one frame, then flush
 *   n = dph_output(&h, out, cap);              // what the worker sent
 *   dph_stop(&h);
 *
 * The network (every address in 198.18.0.0/15, RFC 2544's benchmarking
 * range): our address 198.18.0.2/24 (listen port 3478), the gateway
 * 198.18.0.1, relay addresses 198.18.1.1 up to 198.18.1.n. Clients
 * (198.19.0.0/16, 16 ports per address) and peers (198.18.128.0/17) are
 * off-link, behind the gateway, so the worker's neighbour table holds one
 * entry (learnt from an ARP request the gateway sends) however many
 * clients there are, as at a real site.
 *
 * Credentials: user DPH_USER / DPH_PASS (static: the first lookup goes
 * through the main lcore's authq, which dph_exchange serves), and TURN
 * REST secret DPH_REST_SECRET (verified in the worker).
 *
 * Every function returns 0 (or a count) on success and -1 with a message
 * in h->err on failure. Nothing here is thread-safe.
 */
#ifndef DP_HARNESS_H
#define DP_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dp.h"
#include "turn_client.h"

#define DPH_REALM "turnpike.test"
#define DPH_USER "bench"
#define DPH_PASS "bench-pass"
#define DPH_REST_SECRET "bench-rest-secret"
#define DPH_LISTEN_PORT 3478
#define DPH_CLIENT_PORT_BASE 20000
#define DPH_CLIENTS_PER_IP 16
#define DPH_PEER_IPS 32768
#define DPH_PEER_PORT 40000       /* the peer a channel is bound to */
#define DPH_PEER_PORT_DATA 40001  /* the same peer IP from another port: Data indications */
#define DPH_TX_RING 65536         /* frames the worker may send before they are read */
#define DPH_MAX_CLIENTS (DPH_CLIENTS_PER_IP * 65536u)

struct dph {
	struct dp dp;              /* dp.cfg is the configuration dph_start uses */
	struct worker *w;          /* the one worker */
	struct rte_ring *rxr, *txr;
	struct rte_mempool *mp;    /* the port's pool: frames given to the worker */
	struct rte_ether_addr gw_mac;
	struct stun_addr server;   /* 198.18.0.2:3478 */
	struct stun_addr gateway;  /* 198.18.0.1 */
	uint64_t tsc_offset;       /* added to the TSC for the worker's clock */
	bool started;
	char err[512];
};

/* EAL on lcores 0 (main) and 1 (the worker's lcore, never launched),
 * both on CPU 0 (--lcores=0@0,1@0), no hugepages, @mem_mb of memory, no PCI, file prefix @prefix-<pid>, log
 * level errors only. Its messages go to stderr, so stdout stays the
 * caller's. Returns 0 or -1 (message on stderr). */
int dph_eal_init(const char *prefix, unsigned int mem_mb);

/* Defaults plus the network above: @n_relay relay addresses (1 to
 * TP_CFG_MAX_RELAY) with ports @port_min..@port_max,
 * limits.max_allocations @max_alloc, the user, the REST secret,
 * peers.allow 198.18.0.0/15, and unauthenticated-request limits high
 * enough that a test making allocations back to back is never limited. */
void dph_config(struct tp_config *cfg, unsigned int n_relay, uint16_t port_min,
		uint16_t port_max, uint32_t max_alloc);

/* The ring port named as cfg->ports[0].device, dp_setup, and the gateway
 * learnt through an ARP request. */
int dph_start(struct dph *h);
/* dp_teardown and the port's rings; safe after a failed dph_start. */
void dph_stop(struct dph *h);

/* Client @i (0 .. DPH_MAX_CLIENTS): 198.19.(i/16 / 256).(i/16 % 256),
 * port 20000 + i % 16. Peer @i: 198.18.(128 + j / 256).(j % 256) with
 * j = i % DPH_PEER_IPS, port @port. */
void dph_client_addr(unsigned int i, struct stun_addr *a);
void dph_peer_addr(unsigned int i, uint16_t port, struct stun_addr *a);
/* Relay address @i (0-based): 198.18.1.(i + 1), port 0. */
void dph_relay_ip(unsigned int i, struct stun_addr *a);

/* An Ethernet/IPv4/UDP frame from the gateway's MAC to the port's, with
 * correct checksums, into @buf. Returns its length or 0 if @cap is too
 * small. */
uint16_t dph_frame(const struct dph *h, uint8_t *buf, size_t cap, const struct stun_addr *src,
		   const struct stun_addr *dst, const void *payload, uint16_t len);

/* worker_clock with the TSC plus h->tsc_offset. */
void dph_clock(struct dph *h);
/* One frame through worker_input_burst, then the tx buffer flushed. */
int dph_input_frame(struct dph *h, const uint8_t *frame, uint16_t len);
/* Up to @cap frames the worker has sent, oldest first; the caller frees. */
unsigned int dph_output(struct dph *h, struct rte_mbuf **out, unsigned int cap);
/* Free every frame left in the tx ring; returns how many. */
unsigned int dph_output_drain(struct dph *h);

/*
 * Check an output frame: to the gateway's MAC from the port's, IPv4
 * without options, lengths consistent, IP and UDP checksums right (unless
 * left to the NIC by tx offload flags). Gives the UDP addresses and
 * payload (inside @m).
 */
int dph_parse(struct dph *h, const struct rte_mbuf *m, struct stun_addr *src,
	      struct stun_addr *dst, const uint8_t **payload, uint16_t *len);

/* Every drop counter of the worker, summed. */
uint64_t dph_drops(const struct dph *h);
/* A line naming the drop counters that differ from @before (a copy of
 * w->cnt taken earlier), for messages. */
void dph_drops_diff(const struct dph *h, const struct dp_counters *before, char *buf,
		    size_t len);

/*
 * One datagram from @client to the server and the one reply: a parked
 * credential lookup is answered by authq_serve as the main lcore would.
 * The reply's UDP payload is copied to @resp (@cap bytes). Returns its
 * length or -1.
 */
int dph_exchange(struct dph *h, const struct stun_addr *client, const uint8_t *msg,
		 uint16_t len, uint8_t *resp, size_t cap);

/* Transactions through turn_client, answering 401/438 (at most 3
 * rounds); success means a success response with verified integrity. */
int dph_allocate(struct dph *h, struct turn_client *c, const struct stun_addr *client,
		 struct stun_addr *relay);
int dph_create_permission(struct dph *h, struct turn_client *c, const struct stun_addr *client,
			  const struct stun_addr *peer);
int dph_channel_bind(struct dph *h, struct turn_client *c, const struct stun_addr *client,
		     uint16_t channel, const struct stun_addr *peer);

/* Resident set size of this process, bytes (/proc/self/statm). */
uint64_t dph_rss_bytes(void);
/* Bytes allocated from the rte_malloc heaps, all sockets. */
uint64_t dph_heap_bytes(void);

#endif

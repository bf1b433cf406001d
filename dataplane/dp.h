/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DPDK process's shared types: the network identity every stage
 * consults (our addresses, prefixes, gateways, relay range), the ports,
 * and the per-worker state the poll loop owns.
 *
 *   main.c      builds struct dp from the config, starts the workers
 *   port.c      struct dp_port: queues, mempool, checksum offloads
 *   net_exception.c  the optional kernel exception port
 *   worker.c    the poll loop over struct worker
 *   net_*.c     one packet stage each, all taking the worker
 *
 * Everything in struct dp and struct dp_net is written before the workers
 * start and read-only afterwards, except the flags and the mailbox
 * documented below, and the main lcore's own state (users, upd, ctl,
 * drain_requested), which only the main lcore touches.
 */
#ifndef DP_H
#define DP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "auth.h"
#include "config.h"
#include "counters.h"
#include "handoff.h"
#include "neigh.h"
#include "turn_relay_pool.h"
#include "turn_server.h"
#include "alloc_table.h"

#define DP_BURST 32
#define DP_DRAIN_US 100              /* tx buffers flushed at least this often */
#define DP_HOUSEKEEPING_ITERS 1024   /* loop iterations between bounded upkeep */
#define DP_SWEEP_BUDGET 64           /* allocations visited per turn_server_sweep */
#define DP_NEIGH_BUDGET 16           /* neighbour slots checked per upkeep */
#define DP_EXCEPTION_POLL_ITERS 8    /* loop iterations between exception port polls */

struct dp_update;
struct ctl_client;
struct tp_peer_policy;

/*
 * Run-time changes from the main lcore to one worker (dp_update.c): the
 * peer policy, REST secrets, quota limits, a key cache flush and an
 * allocation announcement. One offer at a time.
 *
 * Ordering contract: the main lcore fills the fields, then stores @gen
 * + 1 with release semantics, and only when @ack == @gen (acquire load),
 * i.e. the worker took the previous offer. The worker loads @gen with
 * acquire in housekeeping; if it moved, it applies the fields (taking
 * ownership of @policy, copying @rest) and stores @ack = @gen with
 * release. After that acquire the main lcore may free what the worker
 * used before (it recorded it when offering) and @rest.
 */
struct dp_mailbox {
	uint32_t gen;
	struct tp_peer_policy *policy;         /* new policy, or NULL to keep */
	const struct stun_rest_secrets *rest;  /* new secrets to copy, or NULL */
	bool set_quota;
	uint32_t quota_total, quota_user;
	bool flush_keys;
	bool announce;                         /* start dp_events_announce */
	uint32_t ack __rte_cache_aligned;      /* written by the worker */
};

/* Our addresses in wire form, for cheap comparisons on the packet path. */
struct dp_net {
	struct stun_addr local[TP_CFG_MAX_ADDRS]; /* port = listen port */
	uint8_t local_prefix[TP_CFG_MAX_ADDRS];
	unsigned int n_local;
	uint16_t listen_port;
	struct stun_addr relay[TP_CFG_MAX_RELAY];  /* port 0 */
	unsigned int n_relay;
	uint16_t relay_port_min, relay_port_max;
	struct stun_addr gateway4, gateway6;
	/* The IPv4 addresses again, as 32-bit words in network order, for the
	 * per-packet predicates (net_prepare fills them). */
	uint32_t local4[TP_CFG_MAX_ADDRS], mask4[TP_CFG_MAX_ADDRS], bcast4[TP_CFG_MAX_ADDRS];
	unsigned int n_local4;
	uint32_t relay4[TP_CFG_MAX_RELAY];
	unsigned int n_relay4;
};

struct dp_port {
	uint16_t port_id;
	struct rte_ether_addr mac;
	struct rte_mempool *mp;
	bool tx_ip_cksum;   /* IPv4 header checksum by the NIC */
	bool tx_udp_cksum;  /* UDP checksum by the NIC (IPv4 and IPv6) */
	char name[64];
};

struct worker {
	unsigned int id;
	unsigned int lcore;
	struct dp_port *port;      /* this worker's rx/tx queue pair: port, queue */
	uint16_t queue;
	uint16_t port_lo, port_hi; /* its slice of the relay ports */
	struct dp_port *exc;       /* the kernel exception port (queue 0), or NULL */
	bool exc_elsewhere;        /* there is one, owned by worker 0 (not this one) */
	bool in_handoff;           /* running frames another worker handed over */
	bool in_hairpin;           /* running a hairpinned datagram (udp_hairpin) */
	bool yield_idle;           /* shares its CPU: yield after idle polls */
	const struct dp_steer *steer; /* NULL with one worker */
	const struct dp_net *net;
	struct turn_server *ts;
	struct alloc_table *tbl;   /* its allocations (alloc_table.h) */
	/* REST secrets in force (the config's, then the control plane's); the
	 * turn_server reads them in place; only this worker writes them, in
	 * housekeeping (dp_update_take). */
	struct stun_rest_secrets rest;
	uint32_t mb_seen;          /* the last mailbox generation applied */
	struct dp_hook_ctx hooks;  /* relay pool, users, policy */
	struct neigh_table *neigh;

	/* Time: TSC cycles, and Unix seconds derived from them once per burst. */
	uint64_t tsc_hz;
	uint64_t tsc_base;
	uint64_t unix_base;
	uint64_t now_tsc;
	uint64_t now_s;

	/* The received datagram's UDP data sum, when the tx path will need it
	 * (software checksums): set by udp_input, used by turn_io.c. */
	uint32_t rx_dsum;
	bool rx_dsum_ok;

	uint16_t ip_id;
	uint16_t tx_n;
	struct rte_mbuf *tx_pkts[DP_BURST];
	uint16_t exc_tx_n;
	struct rte_mbuf *exc_tx_pkts[DP_BURST];
	uint8_t obuf[TURN_OUT_BUF];

	/* Rings to (out, indexed by worker id) and from (in, packed) the
	 * other workers: frames and neighbour news (handoff.h). */
	struct rte_ring *ho_out[TP_CFG_MAX_WORKERS];
	struct rte_ring *nb_out[TP_CFG_MAX_WORKERS];
	struct rte_ring *ho_in[TP_CFG_MAX_WORKERS];
	struct rte_ring *nb_in[TP_CFG_MAX_WORKERS];
	unsigned int n_in;

	struct dp_counters cnt __rte_cache_aligned;

	/*
	 * Written by the main lcore, read by the worker every
	 * DP_HOUSEKEEPING_ITERS iterations with __atomic loads (relaxed: the
	 * flags carry no data with them). On a line of their own so the
	 * main lcore's stores do not bounce the worker's hot lines.
	 */
	uint8_t drain_req __rte_cache_aligned;
	uint8_t stop_req;

	struct dp_mailbox mb __rte_cache_aligned;
} __rte_cache_aligned;

struct dp {
	struct tp_config cfg;
	struct dp_net net;
	struct dp_port ports[TP_CFG_MAX_PORTS];
	unsigned int n_ports;
	/* network.exception_device, owned by the single worker; mp == NULL
	 * when none is configured. */
	struct dp_port exc;
	struct worker *workers[TP_CFG_MAX_WORKERS];
	unsigned int n_workers;
	struct dp_users *users;
	uint8_t nonce_secret[32];
	struct dp_steer steer;
	unsigned int flow_rules;  /* rte_flow rules steering peer traffic (flow_steer.c) */
	/* Main lcore only. */
	struct dp_update *upd;    /* run-time policy: reloads and pushes (dp_update.h) */
	struct ctl_client *ctl;   /* the control channel, NULL without one */
	bool drain_requested;     /* the control plane sent DRAIN */
	bool draining;            /* drain in progress (SIGUSR1 or DRAIN) */
};

/* dp_setup.c: after tp_config_load and rte_eal_init. Each returns 0 or
 * -errno with a message on stderr; dp_teardown undoes a partial set-up. */
int dp_setup(struct dp *dp);
int dp_launch(struct dp *dp);
void dp_wait(struct dp *dp);
void dp_teardown(struct dp *dp);
/* The ethdev name EAL gives a device spec: the vdev name before its first
 * comma, or the PCI address. */
void device_name(const char *spec, char *out, size_t len);

/* worker.c */
int worker_main(void *arg);
/* Worker @id of @n_workers: its tables, its slice of the relay ports,
 * queue @queue of @port. NULL with errno set. */
struct worker *worker_create(struct dp *dp, unsigned int id, unsigned int n_workers,
			     unsigned int lcore, struct dp_port *port, uint16_t queue);
void worker_destroy(struct worker *w);
/* One received burst through the packet stages (what worker_main does
 * with each rx burst); benchmarks and in-process tests call it directly.
 * Takes ownership of every mbuf. Call worker_clock first. */
void worker_input_burst(struct worker *w, struct rte_mbuf **pkts, uint16_t n);
/* The worker loop's bounded upkeep (expiry, neighbours, gauges, flags),
 * run every DP_HOUSEKEEPING_ITERS iterations; in-process tests call it. */
void worker_housekeeping(struct worker *w);
/* Set the worker's clock (now_s, now_us) from a TSC reading. */
void worker_clock(struct worker *w, uint64_t tsc);

/* port.c: @n_queues rx/tx queue pairs. With more than one, @rss receives
 * the key and redirection table the port hashes with (ours where it lets
 * us set them: then *@hw_rss is true and m->hash.rss is the owner's hash;
 * else false, and the workers hash in software). Both NULL for one queue. */
int port_init(struct dp_port *p, const char *devname, const struct tp_port_config *pc,
	      uint16_t n_queues, struct tp_rss *rss, bool *hw_rss);
void port_fini(struct dp_port *p);

/* flow_steer.c: peer traffic to its owner's queue by rte_flow where the
 * port accepts it, else nothing (software hand-off). Never fails. */
int flow_steer_install(struct dp *dp);
void flow_steer_remove(struct dp *dp);

/* telemetry.c */
int telemetry_init(struct dp *dp);

/* signals.c: SIGTERM/SIGINT stop, SIGUSR1 drain, SIGHUP reload. */
int signals_install(void);
/* Runs on the main lcore until a stop: returns after the workers have
 * been told to stop. */
void signals_wait(struct dp *dp);

/* Packet-path helpers shared by the net_*.c stages. */
static inline void
dp_drop(struct worker *w, struct rte_mbuf *m, enum tp_drop_reason r)
{
	w->cnt.drops[r]++;
	rte_pktmbuf_free(m);
}

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A poll-mode worker: one rx/tx queue pair, its own TURN server, tables,
 * relay pool and neighbour table; nothing shared is written.
 *
 * The loop: rx burst of DP_BURST, classify and handle each packet (the
 * stages in net_*.c), buffered tx flushed when full or every DP_DRAIN_US.
 * Every DP_HOUSEKEEPING_ITERS iterations: bounded expiry of allocations
 * and neighbours, gauges for telemetry, and the main lcore's flags. Every
 * DP_EXCEPTION_POLL_ITERS iterations: one rx burst from the kernel
 * exception port, if there is one. No allocation, system call, lock or
 * log inside the loop (beyond what a virtual port's driver does).
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "alloc_events.h"
#include "authq.h"
#include "dp_update.h"
#include "net.h"

#define PREFETCH_AHEAD 3
#define DP_YIELD_IDLE_ITERS 64 /* empty polls before a worker sharing a CPU yields it */

void
worker_flush(struct worker *w)
{
	uint16_t sent = rte_eth_tx_burst(w->port->port_id, w->queue, w->tx_pkts, w->tx_n);

	for (uint16_t i = 0; i < sent; i++)
		w->cnt.tx_bytes += w->tx_pkts[i]->pkt_len;
	w->cnt.tx_pkts += sent;
	for (uint16_t i = sent; i < w->tx_n; i++)
		dp_drop(w, w->tx_pkts[i], TP_DROP_TX_FULL);
	w->tx_n = 0;
}

/*
 * One received burst through the packet stages. The data of each frame is
 * prefetched a few packets ahead so the parse of packet i overlaps the
 * load of packet i + PREFETCH_AHEAD.
 */
/*
 * The burst's table lookups, ahead of the stages: with 100,000 and more
 * allocations the table is far larger than the cache, so each lookup is
 * a miss or two; issued together for the whole burst (bulk 5-tuple
 * lookup, relay slot prefetches) they overlap, and the state machine's
 * own lookups a moment later hit the cache. Only a peek at untrusted
 * headers: nothing here decides anything (the stages validate every
 * packet again); a client lookup's result is only handed to the table
 * as a hint for the same 5-tuple, valid while no allocation comes or
 * goes.
 */
struct burst_lookups {
	struct stun_5tuple ft[DP_BURST];
	struct turn_allocation *found[DP_BURST];
	uint8_t client[DP_BURST];   /* packet i's index in ft/found + 1; 0 = none */
	uint64_t generation;        /* the table's, when found[] was filled */
};

static void
burst_prefetch(struct worker *w, struct rte_mbuf **pkts, uint16_t n, struct burst_lookups *bl)
{
	const struct dp_net *net = w->net;
	struct stun_5tuple *fts = bl->ft;
	const struct stun_5tuple *ftp[DP_BURST];
	unsigned int nc = 0;

	for (uint16_t i = 0; i < n; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (uint16_t i = 0; i < n; i++) {
		const struct rte_mbuf *m = pkts[i];
		const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
		const struct rte_udp_hdr *udp;
		struct stun_addr src, dst;
		uint16_t et, dport;

		bl->client[i] = 0;
		if (m->data_len < ETH_HLEN + IP6_HLEN + UDP_HLEN)
			continue;
		et = (uint16_t)(f[12] << 8 | f[13]);
		if (et == RTE_ETHER_TYPE_IPV4 && f[ETH_HLEN] == 0x45 &&
		    f[ETH_HLEN + 9] == IPPROTO_UDP) {
			udp = (const struct rte_udp_hdr *)(f + ETH_HLEN + IP4_HLEN);
			stun_addr_set_v4(&src, f + ETH_HLEN + 12, rte_be_to_cpu_16(udp->src_port));
			stun_addr_set_v4(&dst, f + ETH_HLEN + 16, rte_be_to_cpu_16(udp->dst_port));
		} else if (et == RTE_ETHER_TYPE_IPV6 && f[ETH_HLEN + 6] == IPPROTO_UDP) {
			udp = (const struct rte_udp_hdr *)(f + ETH_HLEN + IP6_HLEN);
			stun_addr_set_v6(&src, f + ETH_HLEN + 8, rte_be_to_cpu_16(udp->src_port));
			stun_addr_set_v6(&dst, f + ETH_HLEN + 24, rte_be_to_cpu_16(udp->dst_port));
		} else {
			continue;
		}
		dport = dst.port;
		if (dport == net->listen_port) {
			fts[nc].client = src;
			fts[nc].server = dst;
			fts[nc].proto = TURN_TRANSPORT_UDP;
			ftp[nc] = &fts[nc];
			bl->client[i] = (uint8_t)++nc;
		} else if (dport >= w->port_lo && dport <= w->port_hi) {
			alloc_table_prefetch_relay(w->tbl, &dst);
		}
	}
	if (nc != 0)
		alloc_table_lookup_bulk(w->tbl, ftp, nc, bl->found);
	bl->generation = alloc_table_generation(w->tbl);
}

void
worker_input_burst(struct worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	struct burst_lookups bl;
	bool bulk = n > 2;

	w->cnt.rx_pkts += n;
	/* A burst of one or two gains nothing from overlapping its misses. */
	if (bulk)
		burst_prefetch(w, pkts, n, &bl);
	else
		for (uint16_t i = 0; i < n; i++)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (uint16_t i = 0; i < n; i++) {
		/* What the bulk lookup found for this client packet, as long as
		 * no allocation came or went since: the state machine's own
		 * lookup is then one compare. (A packet the stages reject or
		 * hand over leaves a hint that is still true.) */
		if (bulk && bl.client[i] != 0 &&
		    alloc_table_generation(w->tbl) == bl.generation)
			alloc_table_hint(w->tbl, &bl.ft[bl.client[i] - 1], bl.found[bl.client[i] - 1]);
		if (i + PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_AHEAD], void *));
		w->cnt.rx_bytes += pkts[i]->pkt_len;
		eth_input(w, pkts[i]);
	}
}

/* Unix seconds from the TSC: no clock_gettime on the packet path. */
void
worker_clock(struct worker *w, uint64_t tsc)
{
	uint64_t d = tsc - w->tsc_base, s = d / w->tsc_hz;

	w->now_tsc = tsc;
	w->now_s = w->unix_base + s;
	w->hooks.now_s = w->now_s;
	w->hooks.now_us = s * 1000000 + (d - s * w->tsc_hz) * 1000000 / w->tsc_hz;
}

void
worker_housekeeping(struct worker *w)
{
	const struct turn_stats *st;

	turn_relay_pool_set_time(w->hooks.pool, w->now_s);
	alloc_table_set_time(w->tbl, w->now_s);
	turn_server_sweep(w->ts, w->now_s, DP_SWEEP_BUDGET);
	neigh_expire(w->neigh, w->now_tsc, DP_NEIGH_BUDGET);

	st = turn_server_stats(w->ts);
	w->cnt.allocations_active = st->allocations_active;
	w->cnt.allocations_total = st->allocations;
	w->cnt.permissions = st->permissions;
	w->cnt.channels = st->channels;
	w->cnt.auth_ok = st->auth_ok;
	w->cnt.auth_fail = st->auth_fail;
	w->cnt.neigh_entries = neigh_count(w->neigh);
	w->cnt.overflow_blocks_used = st->overflow_blocks_used;
	w->cnt.overflow_exhausted = st->overflow_exhausted;
	w->cnt.allocations_active_udp4 = w->hooks.active4;
	w->cnt.allocations_active_udp6 = w->hooks.active6;
	if (w->hooks.ev != NULL)
		w->cnt.ctl_events_dropped = w->hooks.ev->dropped;
	authq_sweep(w);
	/* Run-time changes from the main lcore, then a bounded share of an
	 * announcement in progress. */
	dp_update_take(w);
	dp_events_announce(w, false, DP_EV_ANNOUNCE_BUDGET);

	/* Relaxed: a flag seen one round late costs nothing. */
	if (__atomic_load_n(&w->drain_req, __ATOMIC_RELAXED))
		turn_server_set_draining(w->ts, true);
}

int
worker_main(void *arg)
{
	struct worker *w = arg;
	struct rte_mbuf *pkts[DP_BURST];
	uint64_t drain_tsc = (w->tsc_hz + 1000000 - 1) / 1000000 * DP_DRAIN_US;
	uint64_t last_flush = rte_rdtsc();
	unsigned int iter = 0, idle = 0;
	uint16_t exc_id = w->exc != NULL ? w->exc->port_id : 0;

	worker_clock(w, last_flush);
	printf("worker %u: lcore %u, port %u queue %u, relay ports %u-%u%s", w->id, w->lcore,
	       w->port->port_id, w->queue, w->port_lo, w->port_hi,
	       w->yield_idle ? ", shares its CPU (yields when idle)" : "");
	if (w->exc != NULL)
		printf(", exception port %u queue 0", exc_id);
	printf("\n");
	fflush(stdout);

	for (;;) {
		uint64_t now = rte_rdtsc();
		uint16_t n;
		bool busy;

		if (now - last_flush >= drain_tsc) {
			if (w->tx_n != 0)
				worker_flush(w);
			if (w->exc_tx_n != 0)
				exception_flush(w);
			last_flush = now;
		}
		n = rte_eth_rx_burst(w->port->port_id, w->queue, pkts, DP_BURST);
		busy = n != 0;
		if (n != 0) {
			worker_clock(w, now);
			worker_input_burst(w, pkts, n);
			/* A short burst means the queue is drained: send what
			 * it produced now rather than at the next drain tick,
			 * which would add up to DP_DRAIN_US to every answer
			 * at low rates. Under load bursts are full and tx
			 * stays batched. */
			if (n < DP_BURST && w->tx_n != 0)
				worker_flush(w);
		}
		/* The exception port carries the host's own traffic, a trickle
		 * next to the relay's, and polling a TAP costs a system call:
		 * ask it only every few iterations. */
		if (w->exc != NULL && (iter % DP_EXCEPTION_POLL_ITERS) == 0) {
			n = rte_eth_rx_burst(exc_id, 0, pkts, DP_BURST);
			if (n != 0) {
				busy = true;
				worker_clock(w, now);
			}
			for (uint16_t i = 0; i < n; i++)
				exception_input(w, pkts[i]);
		}
		if (w->n_in != 0 && handoff_poll(w, now) != 0)
			busy = true;
		authq_poll(w);
		/* Several lcores on one CPU (tests, small machines): a worker
		 * spinning on empty queues would hold the CPU for its whole
		 * time slice while another has packets waiting. */
		if (w->yield_idle) {
			idle = busy ? 0 : idle + 1;
			if (idle >= DP_YIELD_IDLE_ITERS) {
				idle = 0;
				sched_yield();
			}
		}
		if (unlikely(++iter == DP_HOUSEKEEPING_ITERS)) {
			iter = 0;
			worker_clock(w, rte_rdtsc());
			worker_housekeeping(w);
			if (__atomic_load_n(&w->stop_req, __ATOMIC_RELAXED))
				break;
		}
	}
	if (w->tx_n != 0)
		worker_flush(w);
	if (w->exc_tx_n != 0)
		exception_flush(w);
	return 0;
}

/* Overflow blocks (2 permissions or 2 channels each, 52 bytes) for the
 * 3rd to 8th permission or channel of an allocation: one block per 8
 * allocations of the worker's share, at least the core's default 1024.
 * WebRTC clients mostly hold one or two of each, inline. */
#define DP_OVERFLOW_PER_ALLOCATIONS 8
#define DP_OVERFLOW_MIN 1024

static void
turn_config_from(const struct dp *dp, struct worker *w, uint32_t share, struct turn_config *tc)
{
	const struct tp_config *c = &dp->cfg;

	memset(tc, 0, sizeof(*tc));
	tc->realm = c->realm;
	tc->software = c->software[0] != '\0' ? c->software : NULL;
	tc->default_lifetime = c->default_lifetime;
	tc->max_lifetime = c->max_lifetime;
	tc->nonce_secret = dp->nonce_secret;
	tc->nonce_secret_len = sizeof(dp->nonce_secret);
	tc->nonce_lifetime = c->nonce_lifetime;
	tc->permission_lifetime = c->permission_lifetime;
	tc->channel_lifetime = c->channel_lifetime;
	tc->channel_max = c->channel_max;
	tc->pw_algs[0] = STUN_PWALG_SHA256;
	tc->pw_algs[1] = STUN_PWALG_MD5;
	tc->n_pw_algs = 2;
	/* The worker's own copy, which pushes and reloads replace in place
	 * (n = 0 means no REST credentials, as NULL would). */
	w->rest = c->rest;
	tc->rest = &w->rest;
	tc->fingerprint = c->fingerprint;
	tc->overflow_blocks = RTE_MAX(share / DP_OVERFLOW_PER_ALLOCATIONS, (uint32_t)DP_OVERFLOW_MIN);
}

/* The allocation table's memory, on the worker's socket. */
static void *
table_zalloc(size_t size, size_t align, void *arg)
{
	return rte_zmalloc_socket("alloc_table", size, align, *(const int *)arg);
}

static void
table_free(void *p, void *arg)
{
	(void)arg;
	rte_free(p);
}

/*
 * Everything a worker owns, on its lcore's socket: its tables, key cache,
 * quotas, and a relay pool over its own slice of the relay port range
 * (tp_port_slice), which is what makes the relay port name the owner of
 * a peer's packet. Returns NULL with errno set.
 */
struct worker *
worker_create(struct dp *dp, unsigned int id, unsigned int n_workers, unsigned int lcore,
	      struct dp_port *port, uint16_t queue)
{
	int socket = (int)rte_lcore_to_socket_id(lcore);
	const struct dp_net *n = &dp->net;
	struct alloc_table_config tcfg = {0};
	struct turn_relay_pool *pool;
	struct turn_config tc;
	struct timespec ts;
	struct worker *w;
	uint16_t port_lo, port_hi;
	uint32_t share;
	int err, rc;

	/* This worker's share of the allocations and of the relay ports:
	 * clients are spread over workers by hash, so an even share. */
	share = (uint32_t)(((uint64_t)dp->cfg.max_allocations + n_workers - 1) / n_workers);
	rc = tp_port_slice(n->relay_port_min, n->relay_port_max, n_workers, id, &port_lo,
			   &port_hi);
	if (rc != 0) {
		errno = -rc;
		return NULL;
	}

	w = rte_zmalloc_socket("worker", sizeof(*w), RTE_CACHE_LINE_SIZE, socket);
	if (w == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	w->id = id;
	w->lcore = lcore;
	w->port = port;
	w->queue = queue;
	w->port_lo = port_lo;
	w->port_hi = port_hi;
	/* The exception port's one queue pair is worker 0's. */
	w->exc = dp->exc.mp != NULL && id == 0 ? &dp->exc : NULL;
	w->exc_elsewhere = dp->exc.mp != NULL && id != 0;
	w->net = n;
	w->tsc_hz = rte_get_tsc_hz();
	clock_gettime(CLOCK_REALTIME, &ts);
	w->tsc_base = rte_rdtsc();
	w->unix_base = (uint64_t)ts.tv_sec;
	w->now_s = w->unix_base;

	w->neigh = neigh_create(socket);
	if (w->neigh == NULL)
		goto fail;
	tcfg.capacity = share;
	tcfg.relay = n->relay;
	tcfg.n_relay = n->n_relay;
	tcfg.port_lo = port_lo;
	tcfg.port_hi = port_hi;
	tcfg.now = w->now_s;
	tcfg.zalloc = table_zalloc;
	tcfg.free = table_free;
	tcfg.alloc_arg = &socket;
	w->tbl = alloc_table_create(&tcfg);
	if (w->tbl == NULL)
		goto fail_neigh;
	pool = turn_relay_pool_create_multi(n->relay, n->n_relay, port_lo, port_hi);
	if (pool == NULL)
		goto fail_tbl;
	rc = dp_hook_ctx_init(&w->hooks, &dp->cfg, pool, share);
	if (rc != 0) {
		errno = -rc;
		goto fail_pool;
	}
	w->hooks.aq = authq_create(id, socket);
	if (w->hooks.aq == NULL)
		goto fail_hooks;
	if (dp->cfg.control_socket[0] != '\0') {
		w->hooks.ev = dp_events_create(id, socket);
		if (w->hooks.ev == NULL)
			goto fail_authq;
	}
	turn_config_from(dp, w, share, &tc);
	w->hooks.now_s = w->now_s;
	w->ts = turn_server_create(&tc, &dp_hooks, &w->hooks, &alloc_table_ops, w->tbl);
	if (w->ts == NULL)
		goto fail_events;
	return w;

fail_events:
	err = errno;
	dp_events_destroy(w->hooks.ev);
	errno = err;
fail_authq:
	err = errno;
	authq_destroy(w->hooks.aq);
	errno = err;
fail_hooks:
	err = errno;
	dp_hook_ctx_fini(&w->hooks);
	errno = err;
fail_pool:
	err = errno;
	turn_relay_pool_destroy(pool);
	errno = err;
fail_tbl:
	err = errno;
	alloc_table_destroy(w->tbl);
	errno = err;
fail_neigh:
	err = errno;
	neigh_destroy(w->neigh);
	errno = err;
fail:
	err = errno;
	rte_free(w);
	errno = err;
	return NULL;
}

/* After the lcore has returned. The server goes first: flushing its
 * allocations hands their relay ports back to the pool. */
void
worker_destroy(struct worker *w)
{
	if (w == NULL)
		return;
	turn_server_destroy(w->ts);
	/* After the server: its flush still reports the allocations. */
	dp_events_destroy(w->hooks.ev);
	authq_destroy(w->hooks.aq);
	turn_relay_pool_destroy(w->hooks.pool);
	dp_hook_ctx_fini(&w->hooks);
	alloc_table_destroy(w->tbl);
	neigh_destroy(w->neigh);
	explicit_bzero(&w->rest, sizeof(w->rest));
	rte_free(w);
}

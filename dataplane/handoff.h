/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Several workers (issue #4, architecture decision 2): which worker owns
 * a packet, and getting it there when it landed on another.
 *
 *   client-side packet (to the listen port): the owner is the RSS hash of
 *     the 5-tuple through the redirection table. The port's own hash is
 *     used when it computes it with our key (steer->hw_rss); otherwise
 *     the worker computes the same Toeplitz hash in software.
 *   peer-side packet (to a relay address): the owner is the worker whose
 *     slice of the relay port range holds the destination port, because
 *     each worker allocates relay ports only from its own slice.
 *
 * A packet on the wrong worker goes to its owner through a single-
 * producer single-consumer rte_ring, one per ordered pair of workers, so
 * nobody takes a lock and a preempted worker (several lcores on one CPU)
 * cannot stall another. The owner runs the whole frame through its
 * stages again; the result is the same owner, so nothing is handed on
 * twice (a frame that would be is dropped as handoff_loop, which only a
 * bug can cause). A full ring drops the packet as handoff_full.
 *
 * Neighbours: ARP and ND answers reach whichever worker the port hands
 * them to, but every worker transmits and keeps its own neighbour table.
 * A worker that learns a neighbour from ARP, or gets an NA, publishes
 * (family, IP, MAC) to every other worker through a second ring per pair;
 * receivers learn it (ARP) or update an entry they solicited (NA).
 *
 * The kernel exception port has one queue pair, owned by worker 0;
 * packets for it found by other workers are handed to worker 0.
 *
 * Cost with one worker: none (no rings, steer NULL). With N: one
 * ring-empty check per inbound ring per loop iteration.
 */
#ifndef DP_HANDOFF_H
#define DP_HANDOFF_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "steer.h"

#define HANDOFF_RING_SIZE 1024   /* packets in flight per ordered pair of workers */
#define HANDOFF_NEIGH_RING_SIZE 64

struct dp;
struct worker;

/* Read-only after start-up, shared by every worker. */
struct dp_steer {
	unsigned int n_workers;
	bool hw_rss;                   /* the port's RSS hash is ours: trust m->hash.rss */
	struct tp_rss rss;             /* key and RETA (worker indexes) */
	struct tp_toeplitz_tab *tab;   /* the key's lookup tables, for software hashing */
	uint16_t relay_port_min, relay_port_max;
	uint8_t *port_owner;           /* 65536 entries: worker owning each relay port */
};

/* Build dp->steer for dp->n_workers workers (rss already filled in by
 * the port set-up) and the ring mesh between the workers. Returns 0 or
 * -errno with a message on stderr. */
int handoff_init(struct dp *dp);
void handoff_fini(struct dp *dp);

/* The owner of a client packet @src -> @dst that arrived in @m. */
static inline unsigned int
handoff_client_owner(const struct dp_steer *s, const struct rte_mbuf *m,
		     const struct stun_addr *src, const struct stun_addr *dst)
{
	uint8_t in[TP_RSS_INPUT_MAX];
	uint32_t h = 0;
	size_t n;

	if (s->hw_rss && (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH) != 0) {
		h = m->hash.rss;
	} else {
		n = tp_rss_input(in, src, dst, true);
		if (n != 0)
			h = tp_toeplitz_tab_hash(s->tab, in, n);
	}
	return tp_rss_owner(&s->rss, h);
}

/* The owner of a packet to relay port @port (inside the relay range). */
static inline unsigned int
handoff_peer_owner(const struct dp_steer *s, uint16_t port)
{
	return s->port_owner[port];
}

/* Give @m (its frame intact, data at the Ethernet header) to worker
 * @owner. Takes ownership: queued, or dropped and counted. */
void handoff_send(struct worker *w, struct rte_mbuf *m, unsigned int owner);

/* Worker loop: run what other workers handed over, and apply their
 * neighbour news; @now_tsc sets the worker's clock if anything came.
 * Returns the number of packets taken. */
unsigned int handoff_poll(struct worker *w, uint64_t now_tsc);

/* A neighbour learnt from ARP (@learn true: receivers learn it) or heard
 * in an NA (@learn false: receivers only update an entry they
 * solicited), for every other worker. */
void handoff_neigh_publish(struct worker *w, uint8_t family, const uint8_t *ip,
			   const struct rte_ether_addr *mac, bool learn);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ring mesh between workers and the steering tables; see handoff.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "handoff.h"
#include "net.h"

/* One neighbour message: 24 bytes, a multiple of 4 as rte_ring_elem
 * wants. */
struct neigh_msg {
	uint8_t family;
	uint8_t learn;
	uint8_t mac[RTE_ETHER_ADDR_LEN];
	uint8_t ip[16];
};

static struct rte_ring *
ring_make(const char *kind, unsigned int src, unsigned int dst, unsigned int esize,
	  unsigned int count, int socket)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), "%s_%u_%u", kind, src, dst);
	return rte_ring_create_elem(name, esize, count, socket,
				    RING_F_SP_ENQ | RING_F_SC_DEQ);
}

int
handoff_init(struct dp *dp)
{
	struct dp_steer *s = &dp->steer;
	unsigned int n = dp->n_workers;
	int rc;

	s->n_workers = n;
	s->relay_port_min = dp->net.relay_port_min;
	s->relay_port_max = dp->net.relay_port_max;
	if (n <= 1)
		return 0;
	s->tab = rte_zmalloc("steer_toeplitz", sizeof(*s->tab), RTE_CACHE_LINE_SIZE);
	s->port_owner = rte_zmalloc("steer_ports", 65536, RTE_CACHE_LINE_SIZE);
	if (s->tab == NULL || s->port_owner == NULL) {
		fprintf(stderr, "steering tables: out of memory\n");
		rc = -ENOMEM;
		goto fail;
	}
	rc = tp_toeplitz_tab_init(s->tab, s->rss.key, s->rss.key_len);
	if (rc != 0)
		goto fail;
	for (uint32_t p = s->relay_port_min; p <= s->relay_port_max; p++) {
		rc = tp_port_owner(s->relay_port_min, s->relay_port_max, n, (uint16_t)p);
		if (rc < 0) {
			fprintf(stderr, "relay ports %u-%u: cannot be sliced between %u workers\n",
				s->relay_port_min, s->relay_port_max, n);
			goto fail;
		}
		s->port_owner[p] = (uint8_t)rc;
	}

	for (unsigned int src = 0; src < n; src++) {
		struct worker *ws = dp->workers[src];

		for (unsigned int dst = 0; dst < n; dst++) {
			struct worker *wd = dp->workers[dst];
			int socket;

			if (src == dst)
				continue;
			/* On the consumer's socket: it polls the ring far more
			 * often than anyone writes to it. */
			socket = (int)rte_lcore_to_socket_id(wd->lcore);
			ws->ho_out[dst] = ring_make("ho", src, dst, sizeof(void *),
						    HANDOFF_RING_SIZE, socket);
			ws->nb_out[dst] = ring_make("nb", src, dst, sizeof(struct neigh_msg),
						    HANDOFF_NEIGH_RING_SIZE, socket);
			if (ws->ho_out[dst] == NULL || ws->nb_out[dst] == NULL) {
				rc = -rte_errno;
				fprintf(stderr, "hand-off rings %u->%u: %s\n", src, dst,
					rte_strerror(rte_errno));
				goto fail;
			}
			wd->ho_in[wd->n_in] = ws->ho_out[dst];
			wd->nb_in[wd->n_in] = ws->nb_out[dst];
			wd->n_in++;
		}
	}
	for (unsigned int i = 0; i < n; i++)
		dp->workers[i]->steer = s;
	return 0;

fail:
	handoff_fini(dp);
	return rc;
}

/* After the workers stopped: frees what is still in the rings. */
void
handoff_fini(struct dp *dp)
{
	struct dp_steer *s = &dp->steer;

	for (unsigned int src = 0; src < dp->n_workers; src++) {
		struct worker *w = dp->workers[src];

		if (w == NULL)
			continue;
		for (unsigned int dst = 0; dst < TP_CFG_MAX_WORKERS; dst++) {
			struct rte_mbuf *m;

			if (w->ho_out[dst] != NULL) {
				while (rte_ring_dequeue(w->ho_out[dst], (void **)&m) == 0)
					rte_pktmbuf_free(m);
				rte_ring_free(w->ho_out[dst]);
			}
			rte_ring_free(w->nb_out[dst]);
			w->ho_out[dst] = w->nb_out[dst] = NULL;
		}
		w->n_in = 0;
		w->steer = NULL;
	}
	rte_free(s->tab);
	rte_free(s->port_owner);
	s->tab = NULL;
	s->port_owner = NULL;
}

void
handoff_send(struct worker *w, struct rte_mbuf *m, unsigned int owner)
{
	/* Only a bug (workers disagreeing on ownership) brings a handed-over
	 * frame here again; never let it travel in circles. */
	if (unlikely(w->in_handoff)) {
		dp_drop(w, m, TP_DROP_HANDOFF_LOOP);
		return;
	}
	if (unlikely(rte_ring_sp_enqueue(w->ho_out[owner], m) != 0)) {
		dp_drop(w, m, TP_DROP_HANDOFF_FULL);
		return;
	}
	w->cnt.handoff_out++;
}

static void
neigh_apply(struct worker *w, const struct neigh_msg *msg)
{
	struct rte_ether_addr mac;

	memcpy(mac.addr_bytes, msg->mac, RTE_ETHER_ADDR_LEN);
	if (msg->learn)
		neigh_learn(w->neigh, msg->family, msg->ip, &mac, w->now_tsc);
	else
		neigh_update(w->neigh, msg->family, msg->ip, &mac, w->now_tsc);
	w->cnt.neigh_received++;
}

unsigned int
handoff_poll(struct worker *w, uint64_t now_tsc)
{
	struct rte_mbuf *pkts[DP_BURST];
	struct neigh_msg msgs[8];
	unsigned int total = 0;

	for (unsigned int i = 0; i < w->n_in; i++) {
		unsigned int n;

		n = rte_ring_sc_dequeue_burst_elem(w->nb_in[i], msgs, sizeof(msgs[0]), 8, NULL);
		for (unsigned int j = 0; j < n; j++)
			neigh_apply(w, &msgs[j]);

		n = rte_ring_sc_dequeue_burst(w->ho_in[i], (void **)pkts, DP_BURST, NULL);
		if (n == 0)
			continue;
		if (total == 0)
			worker_clock(w, now_tsc);
		w->cnt.handoff_in += n;
		w->in_handoff = true;
		for (unsigned int j = 0; j < n; j++)
			eth_input(w, pkts[j]);
		w->in_handoff = false;
		total += n;
	}
	return total;
}

void
handoff_neigh_publish(struct worker *w, uint8_t family, const uint8_t *ip,
		      const struct rte_ether_addr *mac, bool learn)
{
	struct neigh_msg msg;

	if (w->steer == NULL)
		return;
	memset(&msg, 0, sizeof(msg));
	msg.family = family;
	msg.learn = learn;
	memcpy(msg.mac, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	memcpy(msg.ip, ip, family == STUN_FAMILY_IPV4 ? 4 : 16);
	for (unsigned int dst = 0; dst < w->steer->n_workers; dst++) {
		if (w->nb_out[dst] == NULL)
			continue;
		/* A full ring loses one announcement: the worker that needs
		 * the neighbour solicits again within NEIGH_SOLICIT_GAP_MS. */
		if (rte_ring_sp_enqueue_elem(w->nb_out[dst], &msg, sizeof(msg)) == 0)
			w->cnt.neigh_pushed++;
	}
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Allocation events: the worker's half (records onto a ring) and the
 * main lcore's take. See alloc_events.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "alloc_events.h"
#include "alloc_table.h"
#include "dp.h"
#include "turnpike/ctl_proto.h"

_Static_assert(sizeof(struct dp_event_rec) % 4 == 0, "rte_ring element size");
_Static_assert(TP_CFG_MAX_WORKERS < 255, "worker id in the top byte of allocation ids");

struct dp_events *
dp_events_create(unsigned int worker_id, int socket)
{
	char name[RTE_RING_NAMESIZE];
	struct dp_events *ev;

	ev = rte_zmalloc_socket("dp_events", sizeof(*ev), RTE_CACHE_LINE_SIZE, socket);
	if (ev == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	ev->id_base = (uint64_t)(worker_id + 1) << 56;
	snprintf(name, sizeof(name), "tp_events_%u", worker_id);
	ev->ring = rte_ring_create_elem(name, sizeof(struct dp_event_rec), DP_EV_RING_SIZE, socket,
					RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (ev->ring == NULL) {
		rte_free(ev);
		errno = rte_errno;
		return NULL;
	}
	return ev;
}

void
dp_events_destroy(struct dp_events *ev)
{
	if (ev == NULL)
		return;
	rte_ring_free(ev->ring);
	rte_free(ev);
}

/* An address as the codec wants it: reserved byte zero, IPv4 in the
 * first four bytes and nothing after. */
static void
addr_clean(struct stun_addr *out, const struct stun_addr *in)
{
	memset(out, 0, sizeof(*out));
	out->family = in->family;
	out->port = in->port;
	memcpy(out->ip, in->ip, in->family == STUN_FAMILY_IPV4 ? 4 : 16);
}

static void
rec_fill(struct dp_event_rec *r, uint8_t kind, const struct turn_allocation *a,
	 const struct dp_events *ev, const struct tp_quota *quota, uint64_t now_s)
{
	const char *user;
	size_t ulen;

	memset(r, 0, sizeof(*r));
	r->kind = kind;
	if (kind == CTL_ALLOC_CREATED || kind == CTL_ALLOC_REFRESHED)
		r->lifetime = a->expires > now_s ? (uint32_t)RTE_MIN(a->expires - now_s,
								    (uint64_t)UINT32_MAX)
						 : 0;
	r->alloc_id = dp_alloc_id(ev->id_base, a);
	r->c2p_packets = a->pkts_to_peer;
	r->c2p_bytes = a->bytes_to_peer;
	r->p2c_packets = a->pkts_from_peer;
	r->p2c_bytes = a->bytes_from_peer;
	addr_clean(&r->ft.client, &a->ft.client);
	addr_clean(&r->ft.server, &a->ft.server);
	r->ft.proto = a->ft.proto;
	if (a->n_relay > 0)
		addr_clean(&r->relay, &a->relay[0]);
	user = tp_quota_user_name(quota, a->quota_handle, &ulen);
	if (user != NULL && ulen > 0) {
		memcpy(r->user, user, ulen);
		r->user_len = (uint8_t)ulen;
	}
}

void
dp_events_push(struct dp_events *ev, int turn_event, const struct turn_allocation *a,
	       const struct tp_quota *quota, uint64_t now_s)
{
	struct dp_event_rec r;
	uint8_t kind;

	switch (turn_event) {
	case TURN_EVENT_ALLOCATED:
		kind = CTL_ALLOC_CREATED;
		break;
	case TURN_EVENT_REFRESHED:
		kind = CTL_ALLOC_REFRESHED;
		break;
	case TURN_EVENT_DELETED:
		kind = CTL_ALLOC_DELETED;
		break;
	case TURN_EVENT_EXPIRED:
		kind = CTL_ALLOC_EXPIRED;
		break;
	default:
		return;
	}
	rec_fill(&r, kind, a, ev, quota, now_s);
	/*
	 * Ordering contract (worker -> main lcore): the single-producer
	 * enqueue copies the record in and then publishes the producer
	 * tail with release semantics; the main lcore's dequeue acquires
	 * it before copying out. @dropped is written only here and read by
	 * the main lcore with relaxed loads (a monitoring count).
	 */
	if (rte_ring_sp_enqueue_elem(ev->ring, &r, sizeof(r)) != 0)
		__atomic_store_n(&ev->dropped, ev->dropped + 1, __ATOMIC_RELAXED);
}

struct announce_arg {
	struct dp_events *ev;
	const struct tp_quota *quota;
	uint64_t now_s;
};

static bool
announce_cb(void *arg, struct turn_allocation *a)
{
	const struct announce_arg *aa = arg;

	/* An expired allocation the sweep has not reached yet is not
	 * announced: its EXPIRED event follows soon. */
	if (a->expires > aa->now_s)
		dp_events_push(aa->ev, TURN_EVENT_REFRESHED, a, aa->quota, aa->now_s);
	return false;
}

/*
 * The table's full-pass scan (alloc_table.h: a cursor below
 * ALLOC_TABLE_CURSOR_WHEEL walks entries in order without touching the
 * wheel) over at most as many allocations as the ring has room for, so
 * no announcement is dropped: the only producer of the ring is this
 * worker, so the room counted here can only grow during the scan.
 */
void
dp_events_announce(struct worker *w, bool start, unsigned int budget)
{
	struct dp_events *ev = w->hooks.ev;
	struct announce_arg aa = {.ev = ev, .quota = w->hooks.quota, .now_s = w->now_s};
	unsigned int room;

	if (ev == NULL)
		return;
	if (start) {
		ev->cursor = 0;
		ev->announcing = true;
	}
	if (!ev->announcing)
		return;
	room = rte_ring_free_count(ev->ring);
	if (room < budget)
		budget = room;
	if (budget == 0)
		return;
	alloc_table_ops.scan(w->tbl, &ev->cursor, budget, announce_cb, &aa);
	if (ev->cursor == ALLOC_TABLE_CURSOR_WHEEL)
		ev->announcing = false;
}

unsigned int
dp_events_take(struct dp_events *ev, struct dp_event_rec *out, unsigned int max)
{
	return rte_ring_sc_dequeue_burst_elem(ev->ring, out, sizeof(*out), max, NULL);
}

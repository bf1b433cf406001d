/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "authq.h"
#include "net.h"

#define AUTHQ_EXPIRE_SETS 4 /* key cache sets swept per housekeeping */

/* On the request ring. @cookie is the worker's lookup slot and its
 * generation, echoed in the reply, so the worker finds the lookup
 * without a search and ignores an answer to one it has timed out. */
struct authq_req {
	uint32_t cookie;
	struct keycache_id id;
};

/* On the reply ring. */
struct authq_reply {
	uint32_t cookie;
	uint32_t ttl_s;   /* 1 .. AUTHQ_MAX_TTL_S */
	uint8_t status;   /* enum authq_status */
	struct keycache_val val;
};

/* rte_ring element sizes must be multiples of 4. */
_Static_assert(sizeof(struct authq_req) % 4 == 0, "authq_req size");
_Static_assert(sizeof(struct authq_reply) % 4 == 0, "authq_reply size");
_Static_assert(AUTHQ_INFLIGHT <= 256 && AUTHQ_INFLIGHT < AUTHQ_RING_SIZE, "authq sizes");

#define COOKIE(slot, gen) ((uint32_t)(gen) << 8 | (uint32_t)(slot))
#define COOKIE_SLOT(c) ((c) & 0xffu)
#define COOKIE_GEN(c) ((c) >> 8)

struct authq_lookup {
	uint64_t hash;   /* keycache_hash of @id; 0 = free slot */
	uint64_t deadline_us;
	uint32_t gen;    /* 24 bits used, bumped per request */
	struct keycache_id id;
};

struct authq_parked {
	struct rte_mbuf *m;           /* NULL = free slot */
	const uint8_t *payload;       /* inside @m, untouched while parked */
	uint16_t len;
	uint32_t cookie;              /* the lookup it waits for */
	uint64_t deadline_us;
	struct stun_5tuple ft;
};

/* Worker-only state, apart from the rings (see the ordering contract at
 * the enqueue and dequeue calls). */
struct authq {
	struct rte_ring *req;          /* worker -> main lcore */
	struct rte_ring *rep;          /* main lcore -> worker */
	int last;                      /* lookup slot of the last authq_request, -1 = none */
	unsigned int n_parked;
	unsigned int n_inflight;
	struct authq_lookup lk[AUTHQ_INFLIGHT];
	struct authq_parked park[AUTHQ_PARK_SLOTS];
};

struct authq *
authq_create(unsigned int worker_id, int socket)
{
	char name[RTE_RING_NAMESIZE];
	struct authq *aq;

	aq = rte_zmalloc_socket("authq", sizeof(*aq), RTE_CACHE_LINE_SIZE, socket);
	if (aq == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	aq->last = -1;
	snprintf(name, sizeof(name), "tp_authq_req_%u", worker_id);
	aq->req = rte_ring_create_elem(name, sizeof(struct authq_req), AUTHQ_RING_SIZE, socket,
				       RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (aq->req == NULL)
		goto fail_aq;
	snprintf(name, sizeof(name), "tp_authq_rep_%u", worker_id);
	aq->rep = rte_ring_create_elem(name, sizeof(struct authq_reply), AUTHQ_RING_SIZE, socket,
				       RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (aq->rep == NULL)
		goto fail_req;
	return aq;

fail_req:
	rte_ring_free(aq->req);
fail_aq:
	rte_free(aq);
	errno = rte_errno;
	return NULL;
}

void
authq_destroy(struct authq *aq)
{
	if (aq == NULL)
		return;
	for (unsigned int i = 0; i < AUTHQ_PARK_SLOTS; i++)
		rte_pktmbuf_free(aq->park[i].m);
	rte_ring_free(aq->rep);
	rte_ring_free(aq->req);
	rte_free(aq);
}

int
authq_request(struct authq *aq, const struct keycache_id *id, uint64_t hash, uint64_t now_us)
{
	struct authq_req rq;
	int free_slot = -1;

	aq->last = -1;
	for (int i = 0; i < AUTHQ_INFLIGHT; i++) {
		const struct authq_lookup *l = &aq->lk[i];

		if (l->hash == hash && keycache_id_equal(&l->id, id)) {
			aq->last = i;
			return 0;
		}
		if (l->hash == 0 && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0)
		return -ENOSPC;

	struct authq_lookup *l = &aq->lk[free_slot];

	l->gen = (l->gen + 1) & 0xffffffu;
	rq.cookie = COOKIE(free_slot, l->gen);
	rq.id.kind = id->kind;
	rq.id.alg = id->alg;
	rq.id.len = id->len;
	memcpy(rq.id.bytes, id->bytes, id->len);
	/*
	 * Ordering contract (request ring, worker -> main lcore): the
	 * single-producer enqueue copies @rq into the ring and then
	 * publishes the producer tail with release semantics; the main
	 * lcore's dequeue reads that tail with acquire semantics before
	 * copying out, so it sees every byte of @rq. Nothing else of the
	 * authq is shared.
	 */
	if (rte_ring_sp_enqueue_elem(aq->req, &rq, sizeof(rq)) != 0)
		return -ENOSPC;
	l->hash = hash;
	l->deadline_us = now_us + AUTHQ_TIMEOUT_US;
	l->id = rq.id;
	aq->n_inflight++;
	aq->last = free_slot;
	return 0;
}

void
authq_park(struct worker *w, struct rte_mbuf *m, const struct stun_5tuple *ft,
	   const uint8_t *payload, uint16_t len)
{
	struct authq *aq = w->hooks.aq;
	int slot = aq->last;

	aq->last = -1;
	if (slot < 0 || aq->n_parked == AUTHQ_PARK_SLOTS) {
		dp_drop(w, m, TP_DROP_AUTH_PENDING_FULL);
		return;
	}
	for (unsigned int i = 0; i < AUTHQ_PARK_SLOTS; i++) {
		struct authq_parked *p = &aq->park[i];

		if (p->m != NULL)
			continue;
		p->m = m;
		p->payload = payload;
		p->len = len;
		p->ft = *ft;
		p->cookie = COOKIE(slot, aq->lk[slot].gen);
		p->deadline_us = w->hooks.now_us + AUTHQ_TIMEOUT_US;
		aq->n_parked++;
		w->cnt.auth_parked++;
		return;
	}
}

/* Run, or drop under @drop, every packet parked on @cookie. Each is
 * taken out of its slot before it runs: a resubmission that misses
 * again parks under a new cookie and is not visited twice. */
static void
park_release(struct worker *w, uint32_t cookie, bool resubmit)
{
	struct authq *aq = w->hooks.aq;

	for (unsigned int i = 0; i < AUTHQ_PARK_SLOTS && aq->n_parked > 0; i++) {
		struct authq_parked p = aq->park[i];

		if (p.m == NULL || p.cookie != cookie)
			continue;
		aq->park[i].m = NULL;
		aq->n_parked--;
		if (resubmit) {
			w->cnt.auth_resumed++;
			/* The checksum sum udp_input left belongs to another
			 * datagram by now. */
			w->rx_dsum_ok = false;
			turn_client_input(w, p.m, &p.ft, p.payload, p.len);
		} else {
			dp_drop(w, p.m, TP_DROP_AUTH_PENDING);
		}
	}
}

void
authq_poll(struct worker *w)
{
	struct authq *aq = w->hooks.aq;
	struct authq_reply rep[AUTHQ_REPLY_BURST];
	unsigned int n;

	if (aq->n_inflight == 0)
		return;
	/*
	 * Ordering contract (reply ring, main lcore -> worker): acquire on
	 * the producer tail before the answers are copied out, matching the
	 * main lcore's release after copying them in; the slots are handed
	 * back with a release of the consumer tail once copied.
	 */
	n = rte_ring_sc_dequeue_burst_elem(aq->rep, rep, sizeof(rep[0]), AUTHQ_REPLY_BURST,
					   NULL);
	for (unsigned int i = 0; i < n; i++) {
		uint32_t slot = COOKIE_SLOT(rep[i].cookie);
		struct authq_lookup *l;

		if (slot >= AUTHQ_INFLIGHT)
			continue;
		l = &aq->lk[slot];
		/* Timed out and perhaps reused since: not ours any more. */
		if (l->hash == 0 || l->gen != COOKIE_GEN(rep[i].cookie))
			continue;
		if (rep[i].status == AUTHQ_FOUND) {
			rep[i].val.negative = false;
			keycache_insert(w->hooks.keys, &l->id, &rep[i].val, w->hooks.now_us,
					(uint64_t)rep[i].ttl_s * 1000000);
		} else if (rep[i].status == AUTHQ_NOT_FOUND) {
			struct keycache_val neg = {.negative = true};

			keycache_insert(w->hooks.keys, &l->id, &neg, w->hooks.now_us,
					(uint64_t)rep[i].ttl_s * 1000000);
		}
		explicit_bzero(&rep[i].val, sizeof(rep[i].val));
		l->hash = 0;
		aq->n_inflight--;
		/* An error leaves the cache alone: resubmitting would only ask
		 * again, so the client's retransmission does that instead. */
		park_release(w, rep[i].cookie, rep[i].status != AUTHQ_ERROR);
	}
}

void
authq_sweep(struct worker *w)
{
	struct authq *aq = w->hooks.aq;
	const struct keycache_stats *st;
	uint64_t now = w->hooks.now_us;

	for (unsigned int i = 0; i < AUTHQ_PARK_SLOTS && aq->n_parked > 0; i++) {
		struct authq_parked *p = &aq->park[i];

		if (p->m == NULL || p->deadline_us > now)
			continue;
		dp_drop(w, p->m, TP_DROP_AUTH_PENDING);
		p->m = NULL;
		aq->n_parked--;
	}
	/* A lookup never answered: free its slot so the name can be asked
	 * again; its packets wait out their own deadlines above. */
	for (unsigned int i = 0; i < AUTHQ_INFLIGHT && aq->n_inflight > 0; i++) {
		if (aq->lk[i].hash != 0 && aq->lk[i].deadline_us <= now) {
			aq->lk[i].hash = 0;
			aq->n_inflight--;
		}
	}
	keycache_expire(w->hooks.keys, now, AUTHQ_EXPIRE_SETS);
	st = keycache_stats(w->hooks.keys);
	w->cnt.keycache_hit = st->hit;
	w->cnt.keycache_miss = st->miss;
	w->cnt.keycache_negative = st->negative_hit;
	w->cnt.keycache_evictions = st->evictions;
}

int
authq_take(struct authq *aq, struct authq_ticket *t)
{
	struct authq_req rq;

	/* Acquire, matching the worker's release; see authq_request. */
	if (rte_ring_sc_dequeue_elem(aq->req, &rq, sizeof(rq)) != 0)
		return -ENOENT;
	t->cookie = rq.cookie;
	t->id.kind = rq.id.kind;
	t->id.alg = rq.id.alg;
	t->id.len = rq.id.len <= KEYCACHE_ID_MAX ? rq.id.len : KEYCACHE_ID_MAX;
	memcpy(t->id.bytes, rq.id.bytes, t->id.len);
	return 0;
}

unsigned int
authq_reply_room(const struct authq *aq)
{
	return rte_ring_free_count(aq->rep);
}

int
authq_answer(struct authq *aq, uint32_t cookie, enum authq_status st,
	     const struct keycache_val *val, uint32_t ttl_s)
{
	struct authq_reply rep;
	int rc = 0;

	memset(&rep, 0, sizeof(rep));
	rep.cookie = cookie;
	rep.status = (uint8_t)st;
	rep.ttl_s = ttl_s < 1 ? 1 : ttl_s > AUTHQ_MAX_TTL_S ? AUTHQ_MAX_TTL_S : ttl_s;
	if (st == AUTHQ_FOUND)
		rep.val = *val;
	/* Release: the answer is copied in before the worker can see it. */
	if (rte_ring_sp_enqueue_elem(aq->rep, &rep, sizeof(rep)) != 0)
		rc = -ENOSPC;
	explicit_bzero(&rep.val, sizeof(rep.val));
	return rc;
}

void
authq_serve(struct authq *aq, const struct dp_users *users)
{
	unsigned int room = authq_reply_room(aq);
	struct keycache_val val;
	struct authq_ticket t;
	int rc;

	/* The only producer on the reply ring is this thread, so the room
	 * counted here can only grow before the answers below. */
	for (unsigned int i = 0; i < AUTHQ_SERVE_BUDGET && i < room; i++) {
		if (authq_take(aq, &t) != 0)
			break;
		memset(&val, 0, sizeof(val));
		rc = dp_users_resolve(users, &t.id, &val);
		if (rc == 0)
			authq_answer(aq, t.cookie, AUTHQ_FOUND, &val, AUTHQ_TTL_S);
		else if (rc == -ENOENT)
			authq_answer(aq, t.cookie, AUTHQ_NOT_FOUND, NULL, AUTHQ_NEGATIVE_TTL_S);
		else
			authq_answer(aq, t.cookie, AUTHQ_ERROR, NULL, 1);
		explicit_bzero(&val, sizeof(val));
	}
}

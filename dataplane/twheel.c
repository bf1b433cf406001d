/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hashed timing wheel (Varghese and Lauck, 1997): one chain per slot,
 * an entry due at second d lives in slot d mod nslots, and the wheel
 * visits one slot per second of clock.
 *
 * Chains are doubly linked through the caller's node array by index. The
 * head of a chain has no previous node, so its prev holds HEAD_BIT | slot:
 * unlinking any node is O(1) without a sentinel node per slot and without
 * storing the slot in every node (which lazy rescheduling would make
 * differ from deadline mod nslots anyway).
 *
 * Besides the nslots slots there is a due chain, head number nslots, for
 * entries scheduled at or before the clock: their slot may be the one
 * being visited, behind the walk, and putting them there would delay
 * them by a revolution.
 *
 * Invariant: the slot holding an armed entry comes up (is visited) at or
 * before the entry's deadline; an entry on the due chain has a deadline
 * at or before the clock. Moving a deadline later keeps both true, which
 * is why a Refresh can be a single store. The price of laziness is that
 * an entry refreshed k times before its slot comes up is still examined
 * once per slot it passes through (at most once per original deadline),
 * and that the walk touches a node that is not yet due; with lifetimes
 * of 300 to 3600 s and refreshes well before expiry this is at most one
 * extra visit per lifetime, against an unlink and relink per Refresh.
 *
 * Entries due more than a revolution ahead stay in their slot and are
 * skipped each time it comes up. With nslots above the longest lifetime
 * (4096 for 3600 s) that never happens, so a second level would buy
 * nothing but code.
 */
#include <errno.h>
#include <stdlib.h>

#include "twheel.h"

#define TW_NIL UINT32_MAX      /* end of a chain */
#define TW_IDLE UINT32_MAX     /* prev of a node that is not armed */
#define TW_HEAD_BIT 0x80000000u /* prev of a chain head: this bit | head number */

struct tp_twheel {
	struct tp_twheel_node *nodes;
	uint32_t count;   /* nodes */
	uint32_t mask;    /* nslots - 1 */
	uint32_t now;     /* the clock: highest now given to advance or create */
	uint32_t tick;    /* next second whose slot is to be visited */
	uint32_t cursor;  /* next node to examine in slot tick, while walking */
	bool walking;     /* slot tick is part visited; cursor is valid */
	uint32_t armed;
	uint32_t *heads;  /* mask + 2 chain heads; the last is the due chain */
};

static inline uint32_t
due_head(const struct tp_twheel *w)
{
	return w->mask + 1;
}

struct tp_twheel *
tp_twheel_create(struct tp_twheel_node *nodes, uint32_t count, uint32_t nslots, uint32_t now)
{
	struct tp_twheel *w;

	if (nodes == NULL || count == 0 || count > TP_TWHEEL_MAX_NODES || nslots < 2 ||
	    nslots > TP_TWHEEL_MAX_SLOTS || (nslots & (nslots - 1)) != 0) {
		errno = EINVAL;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		goto err;
	w->heads = malloc(((size_t)nslots + 1) * sizeof(*w->heads));
	if (w->heads == NULL)
		goto err_wheel;
	for (uint32_t i = 0; i <= nslots; i++)
		w->heads[i] = TW_NIL;
	for (uint32_t i = 0; i < count; i++) {
		nodes[i].next = TW_NIL;
		nodes[i].prev = TW_IDLE;
		nodes[i].deadline = 0;
	}
	w->nodes = nodes;
	w->count = count;
	w->mask = nslots - 1;
	w->now = now;
	w->tick = now + 1;
	w->cursor = TW_NIL;
	return w;

err_wheel:
	free(w);
err:
	errno = ENOMEM;
	return NULL;
}

void
tp_twheel_destroy(struct tp_twheel *w)
{
	if (w == NULL)
		return;
	free(w->heads);
	free(w);
}

/* Push @idx on chain @head. */
static void
link_head(struct tp_twheel *w, uint32_t idx, uint32_t head)
{
	struct tp_twheel_node *n = &w->nodes[idx];
	uint32_t first = w->heads[head];

	n->next = first;
	n->prev = TW_HEAD_BIT | head;
	if (first != TW_NIL)
		w->nodes[first].prev = idx;
	w->heads[head] = idx;
}

/* Chain for a deadline: the due chain if the clock has reached it, since
 * its slot may already be behind the walk. */
static void
link_deadline(struct tp_twheel *w, uint32_t idx)
{
	uint32_t d = w->nodes[idx].deadline;

	link_head(w, idx, d <= w->now ? due_head(w) : (d & w->mask));
}

/* Take armed @idx off its chain and leave it idle. If the walk was about
 * to examine it (an expire callback cancelling a later node of the same
 * slot), the walk skips to the node after it. */
static void
unlink_node(struct tp_twheel *w, uint32_t idx)
{
	struct tp_twheel_node *n = &w->nodes[idx];

	if (n->next != TW_NIL)
		w->nodes[n->next].prev = n->prev;
	if (n->prev & TW_HEAD_BIT)
		w->heads[n->prev & ~TW_HEAD_BIT] = n->next;
	else
		w->nodes[n->prev].next = n->next;
	if (w->walking && w->cursor == idx)
		w->cursor = n->next;
	n->next = TW_NIL;
	n->prev = TW_IDLE;
}

/*
 * Three cases. Idle: link. Armed and the deadline moves later while the
 * old one is still ahead of the clock: store it and nothing else (the
 * entry is in a slot that comes up no later than the old deadline, see
 * the invariant above). Otherwise (earlier, or the entry may be on the
 * due chain): unlink and link again.
 */
int
tp_twheel_schedule(struct tp_twheel *w, uint32_t idx, uint32_t deadline)
{
	struct tp_twheel_node *n;

	if (idx >= w->count)
		return -EINVAL;
	n = &w->nodes[idx];
	if (n->prev == TW_IDLE) {
		w->armed++;
	} else {
		if (deadline >= n->deadline && n->deadline > w->now) {
			n->deadline = deadline;
			return 0;
		}
		unlink_node(w, idx);
	}
	n->deadline = deadline;
	link_deadline(w, idx);
	return 0;
}

void
tp_twheel_cancel(struct tp_twheel *w, uint32_t idx)
{
	if (idx >= w->count || w->nodes[idx].prev == TW_IDLE)
		return;
	unlink_node(w, idx);
	w->armed--;
}

bool
tp_twheel_armed(const struct tp_twheel *w, uint32_t idx)
{
	return idx < w->count && w->nodes[idx].prev != TW_IDLE;
}

/* Disarm @idx and hand it to the caller. Last, because the callback may
 * re-arm it or touch any other entry. */
static void
expire_node(struct tp_twheel *w, uint32_t idx, tp_twheel_expire_fn expire, void *arg)
{
	unlink_node(w, idx);
	w->armed--;
	expire(arg, idx);
}

/*
 * The due chain first, always, including entries an expire callback puts
 * there during this call; then slots from tick up to the clock, each
 * walked from its head. A visited node that is due expires; one whose
 * deadline moved (lazy reschedule) goes to its new chain; one due in a
 * later revolution stays. New entries pushed on the slot being walked
 * land behind the cursor, which is right: anything on a slot chain is due
 * after the clock, so at least one revolution on from the slot being
 * walked.
 *
 * After a jump of the clock by nslots or more, the walk starts nslots - 1
 * seconds before the clock, which visits every slot once: skipped seconds
 * map to slots visited anyway. Cost: one step per examined node (bounded
 * by @budget) plus one per slot passed (bounded by nslots).
 */
unsigned
tp_twheel_advance(struct tp_twheel *w, uint32_t now, unsigned budget,
		  tp_twheel_expire_fn expire, void *arg)
{
	unsigned seen = 0, expired = 0;

	if (now > w->now)
		w->now = now;
	for (;;) {
		uint32_t idx;
		uint32_t slot = w->tick & w->mask;

		if (w->heads[due_head(w)] != TW_NIL) {
			if (seen == budget)
				break;
			seen++;
			expired++;
			expire_node(w, w->heads[due_head(w)], expire, arg);
			continue;
		}
		if (!w->walking) {
			if (w->tick > w->now)
				break;
			if (w->now - w->tick >= w->mask + 1) {
				w->tick = w->now - w->mask;
				slot = w->tick & w->mask;
			}
			w->cursor = w->heads[slot];
			w->walking = true;
		}
		if (w->cursor == TW_NIL) {
			w->walking = false;
			w->tick++;
			continue;
		}
		if (seen == budget)
			break;
		seen++;
		idx = w->cursor;
		w->cursor = w->nodes[idx].next;
		if (w->nodes[idx].deadline <= w->now) {
			expired++;
			expire_node(w, idx, expire, arg);
		} else if ((w->nodes[idx].deadline & w->mask) != slot) {
			unlink_node(w, idx);
			link_deadline(w, idx);
		}
	}
	return expired;
}

uint32_t
tp_twheel_count(const struct tp_twheel *w)
{
	return w->armed;
}

bool
tp_twheel_behind(const struct tp_twheel *w)
{
	return w->heads[due_head(w)] != TW_NIL || w->walking || w->tick <= w->now;
}

size_t
tp_twheel_footprint(const struct tp_twheel *w)
{
	return sizeof(*w) + ((size_t)w->mask + 2) * sizeof(*w->heads);
}

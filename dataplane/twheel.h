/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A hashed timing wheel of one worker: second-granularity deadlines for
 * allocations (up to 3600 s), permissions (300 s) and channels (600 s),
 * sized for a million entries, with nothing per entry in rte_timer
 * (issue #4).
 *
 *   struct tp_twheel_node nodes[N];          // caller-owned, e.g. one per
 *                                            // slot of the allocation table
 *   struct tp_twheel *w = tp_twheel_create(nodes, N, 4096, now);
 *   tp_twheel_schedule(w, idx, now + 600);   // Allocate
 *   tp_twheel_schedule(w, idx, now + 600);   // Refresh: usually one store
 *   tp_twheel_cancel(w, idx);                // Refresh with lifetime 0
 *   ...
 *   // In the worker loop, every N iterations:
 *   tp_twheel_advance(w, now, 256, alloc_expired, worker);
 *   ...
 *   tp_twheel_destroy(w);
 *
 * Time is whole seconds on a clock of the caller's choosing that never
 * goes back (e.g. seconds since the worker started); it is not expected
 * to reach 2^32 - 1.
 *
 * Nodes are linked by 32-bit index into the caller's array rather than by
 * pointer: a node is 12 bytes instead of 24, 12 MB instead of 24 MB at a
 * million entries, and the index is already the caller's handle (the
 * allocation's slot), so the expiry callback gets it for free.
 *
 * Guarantee: an armed entry is handed to @expire by the first advance
 * whose @now is >= its deadline, never earlier, provided that call's
 * budget is not exhausted first; if it is, the next calls resume where it
 * stopped. Each armed entry expires once per arming.
 *
 * One instance per worker, never shared, no locks. Nothing allocates
 * after create; schedule and cancel are O(1); memory is the caller's
 * node array plus 4 bytes per slot.
 */
#ifndef TP_TWHEEL_H
#define TP_TWHEEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Node indices must stay below this: the top bit of a node's prev link
 * marks the head of a slot chain. */
#define TP_TWHEEL_MAX_NODES 0x80000000u

/* Upper bound for nslots; 4096 is the intended size (one revolution
 * longer than the longest lifetime, 16 KB of slot heads). */
#define TP_TWHEEL_MAX_SLOTS (1u << 20)

/*
 * One entry, embedded in or parallel to the caller's table. Owned by the
 * wheel while armed: the caller reads deadline but never writes a field.
 */
struct tp_twheel_node {
	uint32_t next;     /* next node in the chain, or none */
	uint32_t prev;     /* previous node, a slot head marker, or idle */
	uint32_t deadline; /* expires at the first advance with now >= this */
};

struct tp_twheel;

/* Called with an entry that has expired. The entry is already disarmed;
 * the callback may schedule or cancel any entry, this one included, but
 * must not call tp_twheel_advance. */
typedef void (*tp_twheel_expire_fn)(void *arg, uint32_t idx);

/*
 * A wheel over @nodes[0 .. @count - 1] with @nslots one-second slots
 * (a power of two; choose it above the longest deadline offset so every
 * entry is visited once), whose clock reads @now. Marks every node idle.
 * The array must outlive the wheel.
 * Returns NULL with errno EINVAL (@nodes NULL, @count 0 or above
 * TP_TWHEEL_MAX_NODES, @nslots not a power of two between 2 and
 * TP_TWHEEL_MAX_SLOTS) or ENOMEM.
 */
struct tp_twheel *tp_twheel_create(struct tp_twheel_node *nodes, uint32_t count,
				   uint32_t nslots, uint32_t now);

/* NULL is accepted. The node array is left to the caller. */
void tp_twheel_destroy(struct tp_twheel *w);

/*
 * Arm entry @idx to expire at @deadline, or move its deadline if already
 * armed. A deadline at or before the wheel's clock expires at the next
 * advance. Moving a deadline later is lazy: only the stored deadline
 * changes, and the entry is moved when its old slot comes up. Moving it
 * earlier relinks it at once. Both are O(1).
 * Returns 0, or -EINVAL if @idx is out of range.
 */
int tp_twheel_schedule(struct tp_twheel *w, uint32_t idx, uint32_t deadline);

/* Disarm entry @idx; it will not expire. O(1). Idle or out-of-range
 * entries are ignored. */
void tp_twheel_cancel(struct tp_twheel *w, uint32_t idx);

/* Whether @idx is armed (false if out of range). */
bool tp_twheel_armed(const struct tp_twheel *w, uint32_t idx);

/*
 * Move the wheel's clock to @now (a smaller value is treated as the
 * current clock) and call @expire for entries that are due, examining at
 * most @budget entries: expired ones, and ones found in a visited slot
 * that are not due yet (moved to their slot after a lazy reschedule, or
 * left in place when due in a later revolution). If the budget runs out,
 * the next call continues from the same entry. Besides the budget, a call
 * looks at the head of at most @nslots slots (only when the clock jumps).
 * Returns the number of entries expired.
 */
unsigned tp_twheel_advance(struct tp_twheel *w, uint32_t now, unsigned budget,
			   tp_twheel_expire_fn expire, void *arg);

/* Entries armed. */
uint32_t tp_twheel_count(const struct tp_twheel *w);

/* Whether entries are known to be due, or slots up to the clock are
 * still unvisited, because an advance ran out of budget. */
bool tp_twheel_behind(const struct tp_twheel *w);

/* Bytes the wheel allocated at create (the node array not included). */
size_t tp_twheel_footprint(const struct tp_twheel *w);

#endif /* TP_TWHEEL_H */

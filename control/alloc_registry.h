/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The allocations the dataplane reported (ALLOC_EVENT), for the admin
 * socket and metrics. Not authoritative: the dataplane owns allocations;
 * this is what it last told us.
 *
 *   struct cp_registry *r = cp_registry_create(CP_REGISTRY_MAX);
 *   cp_registry_event(r, dp_instance, &msg.u.alloc, time(NULL));  // created/refreshed/deleted
 *   const struct cp_registry_entry *e = cp_registry_get(r, dp_instance, alloc_id);
 *   cp_registry_foreach(r, print_one, arg);                       // oldest update first
 *
 * Entries are keyed by (dataplane instance id, allocation id). DELETED
 * and EXPIRED events remove the entry; so does the sweep, once an entry
 * has not been refreshed for its lifetime plus CP_REGISTRY_GRACE seconds
 * (an event lost while the channel was down). When the dataplane goes
 * away, entries are marked stale: a dataplane that reconnects with the
 * same instance id re-announces its live allocations as REFRESHED, which
 * clears the mark; one with another instance id (a restart) had none of
 * them, so cp_registry_forget_others drops them.
 *
 * Bounded: at most @max entries. When full, a new allocation evicts the
 * least recently updated entry (stale entries are the oldest, so they go
 * first); evictions are counted. Memory: about 200 bytes plus the user
 * name per entry. One thread; no locks.
 */
#ifndef TP_ALLOC_REGISTRY_H
#define TP_ALLOC_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl_codec.h"

/* The default bound: the dataplane's own hard maximum is 16M
 * (limits.max_allocations), but a million entries (~250 MB worst case)
 * is plenty for one appliance's admin view; cp_main passes
 * max(limits.max_allocations, 1024) capped at this. */
#define CP_REGISTRY_MAX (1u << 20)
#define CP_REGISTRY_GRACE 60

struct cp_registry;

struct cp_registry_entry {
	uint64_t dp_instance;
	uint64_t alloc_id;
	struct stun_addr client, server, relay;
	uint32_t lifetime;
	uint8_t state; /* CTL_ALLOC_CREATED or CTL_ALLOC_REFRESHED (last event) */
	bool stale;    /* the dataplane disconnected since the last event */
	uint64_t c2p_packets, c2p_bytes, p2c_packets, p2c_bytes;
	uint64_t created, updated; /* Unix seconds */
	const char *user;          /* NUL-terminated, owned by the entry */
};

struct cp_registry_stats {
	uint64_t entries;
	uint64_t evicted;   /* dropped to make room */
	uint64_t swept;     /* removed by the sweep (no event for too long) */
	uint64_t unknown;   /* REFRESHED/DELETED for an id we did not hold */
};

/* NULL with errno ENOMEM, or EINVAL for @max 0. */
struct cp_registry *cp_registry_create(size_t max);
void cp_registry_destroy(struct cp_registry *r);

/*
 * Apply one ALLOC_EVENT at time @now. CREATED and REFRESHED insert or
 * update (REFRESHED for an unknown id inserts it: that is how a
 * reconnecting dataplane re-announces); DELETED and EXPIRED remove.
 * Returns 0, -ENOENT for DELETED/EXPIRED of an unknown id, -ENOMEM, or
 * -EINVAL for an unknown kind. Cost: one hash lookup, maybe a malloc.
 */
int cp_registry_event(struct cp_registry *r, uint64_t dp_instance,
		      const struct ctl_alloc_event *ev, uint64_t now);

const struct cp_registry_entry *cp_registry_get(const struct cp_registry *r,
						uint64_t dp_instance, uint64_t alloc_id);
size_t cp_registry_count(const struct cp_registry *r);
void cp_registry_get_stats(const struct cp_registry *r, struct cp_registry_stats *out);

/* Call @fn for each entry, least recently updated first, until it
 * returns non-zero or @max calls were made. @fn must not modify @r.
 * Returns the number of calls. */
typedef int (*cp_registry_fn)(void *arg, const struct cp_registry_entry *e);
size_t cp_registry_foreach(const struct cp_registry *r, cp_registry_fn fn, void *arg, size_t max);

/* The dataplane disconnected: mark every entry stale. */
void cp_registry_mark_stale(struct cp_registry *r);
/* A dataplane said HELLO with @dp_instance: drop every entry of another
 * instance. Returns how many were dropped. */
size_t cp_registry_forget_others(struct cp_registry *r, uint64_t dp_instance);

/* Remove entries not updated for lifetime + CP_REGISTRY_GRACE seconds,
 * looking at no more than @budget entries (oldest first). Returns how
 * many were removed. Call it every second. */
size_t cp_registry_sweep(struct cp_registry *r, uint64_t now, size_t budget);

/* "<16 hex>-<%018llu>" as in statsdb; @buf at least CP_ALLOC_ID_STRLEN.
 * Parse returns 0 or -EINVAL. */
#define CP_ALLOC_ID_STRLEN 40
void cp_alloc_id_format(uint64_t dp_instance, uint64_t alloc_id, char *buf, size_t len);
int cp_alloc_id_parse(const char *s, uint64_t *dp_instance, uint64_t *alloc_id);

#endif

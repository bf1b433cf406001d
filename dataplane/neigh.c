/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_malloc.h>

#include "neigh.h"
#include "stun_proto.h"

enum neigh_state {
	NEIGH_FREE = 0,
	NEIGH_INCOMPLETE, /* solicited, no answer yet */
	NEIGH_VALID,
};

struct neigh_entry {
	uint8_t state;
	uint8_t family;
	uint8_t ip[16];
	struct rte_ether_addr mac;
	uint64_t expires;   /* VALID: tsc; INCOMPLETE: when to give up */
	uint64_t solicited; /* tsc of the last solicitation */
};

struct neigh_table {
	uint64_t lifetime;   /* in tsc cycles */
	uint64_t solicit_gap;
	uint32_t cursor;
	unsigned int count;
	struct neigh_entry e[NEIGH_SIZE];
};

struct neigh_table *
neigh_create(int socket)
{
	struct neigh_table *t = rte_zmalloc_socket("neigh", sizeof(*t), RTE_CACHE_LINE_SIZE, socket);

	if (t == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	t->lifetime = rte_get_tsc_hz() * NEIGH_LIFETIME_S;
	t->solicit_gap = rte_get_tsc_hz() / 1000 * NEIGH_SOLICIT_GAP_MS;
	return t;
}

void
neigh_destroy(struct neigh_table *t)
{
	rte_free(t);
}

static size_t
ip_len(uint8_t family)
{
	return family == STUN_FAMILY_IPV6 ? 16 : 4;
}

static uint32_t
neigh_hash(uint8_t family, const uint8_t *ip)
{
	uint32_t h = family * 0x9e3779b9u;

	for (size_t i = 0; i < ip_len(family); i += 4) {
		uint32_t w;

		memcpy(&w, ip + i, 4);
		h = (h ^ w) * 0x85ebca6bu;
		h ^= h >> 13;
	}
	return h;
}

static struct neigh_entry *
neigh_find(struct neigh_table *t, uint8_t family, const uint8_t *ip)
{
	uint32_t h = neigh_hash(family, ip);

	for (unsigned int i = 0; i < NEIGH_PROBE; i++) {
		struct neigh_entry *e = &t->e[(h + i) & (NEIGH_SIZE - 1)];

		if (e->state != NEIGH_FREE && e->family == family &&
		    memcmp(e->ip, ip, ip_len(family)) == 0)
			return e;
	}
	return NULL;
}

/* A free slot in the probe window, else the one closest to expiry. */
static struct neigh_entry *
neigh_slot(struct neigh_table *t, uint8_t family, const uint8_t *ip)
{
	uint32_t h = neigh_hash(family, ip);
	struct neigh_entry *victim = NULL;

	for (unsigned int i = 0; i < NEIGH_PROBE; i++) {
		struct neigh_entry *e = &t->e[(h + i) & (NEIGH_SIZE - 1)];

		if (e->state == NEIGH_FREE) {
			t->count++;
			return e;
		}
		if (victim == NULL || e->expires < victim->expires)
			victim = e;
	}
	return victim;
}

const struct rte_ether_addr *
neigh_lookup(struct neigh_table *t, uint8_t family, const uint8_t *ip, uint64_t now)
{
	struct neigh_entry *e = neigh_find(t, family, ip);

	if (e == NULL || e->state != NEIGH_VALID || e->expires < now)
		return NULL;
	return &e->mac;
}

void
neigh_learn(struct neigh_table *t, uint8_t family, const uint8_t *ip,
	    const struct rte_ether_addr *mac, uint64_t now)
{
	struct neigh_entry *e = neigh_find(t, family, ip);

	if (e == NULL) {
		e = neigh_slot(t, family, ip);
		e->family = family;
		memset(e->ip, 0, sizeof(e->ip));
		memcpy(e->ip, ip, ip_len(family));
	}
	e->state = NEIGH_VALID;
	e->mac = *mac;
	e->expires = now + t->lifetime;
}

bool
neigh_update(struct neigh_table *t, uint8_t family, const uint8_t *ip,
	     const struct rte_ether_addr *mac, uint64_t now)
{
	struct neigh_entry *e = neigh_find(t, family, ip);

	/* An expired entry still in its slot counts: it was ours and the
	 * sweep has not reached it yet. */
	if (e == NULL)
		return false;
	e->state = NEIGH_VALID;
	e->mac = *mac;
	e->expires = now + t->lifetime;
	return true;
}

bool
neigh_should_solicit(struct neigh_table *t, uint8_t family, const uint8_t *ip, uint64_t now)
{
	struct neigh_entry *e = neigh_find(t, family, ip);

	if (e == NULL) {
		e = neigh_slot(t, family, ip);
		/* Never evict a valid, live entry for an unresolved one. */
		if (e->state == NEIGH_VALID && e->expires >= now)
			return false;
		e->state = NEIGH_INCOMPLETE;
		e->family = family;
		memset(e->ip, 0, sizeof(e->ip));
		memcpy(e->ip, ip, ip_len(family));
		e->expires = now + 3 * t->solicit_gap;
		e->solicited = now;
		return true;
	}
	if (e->state == NEIGH_VALID && e->expires >= now)
		return false;
	if (now - e->solicited < t->solicit_gap)
		return false;
	e->solicited = now;
	if (e->state != NEIGH_VALID)
		e->expires = now + 3 * t->solicit_gap;
	return true;
}

void
neigh_expire(struct neigh_table *t, uint64_t now, unsigned int budget)
{
	for (unsigned int i = 0; i < budget; i++) {
		struct neigh_entry *e = &t->e[t->cursor];

		t->cursor = (t->cursor + 1) & (NEIGH_SIZE - 1);
		if (e->state != NEIGH_FREE && e->expires < now) {
			e->state = NEIGH_FREE;
			t->count--;
		}
	}
}

unsigned int
neigh_count(const struct neigh_table *t)
{
	return t->count;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The neighbour table: IPv4 and IPv6 addresses to MAC addresses, one per
 * worker, fixed size, no allocation after creation.
 *
 *   struct neigh_table *t = neigh_create(socket);
 *   neigh_learn(t, STUN_FAMILY_IPV4, ip, &mac, now_tsc);
 *   const struct rte_ether_addr *mac = neigh_lookup(t, STUN_FAMILY_IPV4, ip, now_tsc);
 *   if (mac == NULL && neigh_should_solicit(t, STUN_FAMILY_IPV4, ip, now_tsc))
 *       send an ARP request;
 *   neigh_expire(t, now_tsc, 32);       // periodic, bounded
 *
 * Entries are learnt from ARP, NS/NA and from the source of packets
 * received from on-link addresses, and live NEIGH_LIFETIME_S seconds after
 * the last time they were confirmed. Open addressing with a short probe
 * window; when the window is full the entry closest to expiry is evicted.
 * Times are TSC cycles; every operation is O(NEIGH_PROBE). Not thread-safe.
 */
#ifndef DP_NEIGH_H
#define DP_NEIGH_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

#define NEIGH_SIZE 256        /* power of two */
#define NEIGH_PROBE 8
#define NEIGH_LIFETIME_S 300
#define NEIGH_SOLICIT_GAP_MS 500 /* at most one ARP/NS per address this often */

struct neigh_table;

/* NULL with errno ENOMEM. */
struct neigh_table *neigh_create(int socket);
void neigh_destroy(struct neigh_table *t);

const struct rte_ether_addr *neigh_lookup(struct neigh_table *t, uint8_t family,
					  const uint8_t *ip, uint64_t now);
void neigh_learn(struct neigh_table *t, uint8_t family, const uint8_t *ip,
		 const struct rte_ether_addr *mac, uint64_t now);
/* Like neigh_learn, but only for an address already in the table (one we
 * solicited, INCOMPLETE, or one we know): never takes a new slot. true if
 * it updated an entry. */
bool neigh_update(struct neigh_table *t, uint8_t family, const uint8_t *ip,
		  const struct rte_ether_addr *mac, uint64_t now);
/* true if a solicitation for @ip should go out now (and remembers that
 * one did); false while one is outstanding or if the table is full. */
bool neigh_should_solicit(struct neigh_table *t, uint8_t family, const uint8_t *ip, uint64_t now);
/* Drop expired entries among the next @budget slots. */
void neigh_expire(struct neigh_table *t, uint64_t now, unsigned int budget);
unsigned int neigh_count(const struct neigh_table *t);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which worker owns a packet (issue #4): for client-side packets, the RSS
 * hash of the client 5-tuple through the redirection table; for peer-side
 * packets, the relay port, because each worker allocates relay ports only
 * from its own slice. This file computes both in plain C, so a worker can
 * tell where a packet belongs when the port cannot do RSS (or does it with
 * a key we must mirror), and so tests run without an EAL.
 *
 *   struct tp_rss r;
 *   tp_rss_init(&r, NULL, 0, 128, n_workers);        // default key, RETA 128
 *   uint32_t h = tp_rss_hash_5tuple(&r, &client, &server);
 *   unsigned w = tp_rss_owner(&r, h);                 // client-side owner
 *
 *   uint16_t lo, hi;
 *   tp_port_slice(49152, 65535, n_workers, w, &lo, &hi);  // w allocates in [lo, hi]
 *   int owner = tp_port_owner(49152, 65535, n_workers, relay_port);  // peer-side owner
 *
 * The hash input is laid out as Microsoft RSS and DPDK define it: source
 * address, destination address, then (for the port variants) source port
 * and destination port, all in network byte order. The result only matches
 * the NIC's if the port hashes the same fields: with ports, its rss_hf
 * must include UDP (RTE_ETH_RSS_NONFRAG_IPV4_UDP / _IPV6_UDP); without
 * them use tp_rss_hash_ip.
 *
 * Nothing here allocates, locks or logs; everything is safe to call from a
 * worker on an instance it does not write to.
 */
#ifndef TP_STEER_H
#define TP_STEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stun_addr.h"

#define TP_RSS_KEY_MAX 52   /* the longest key drivers take (ice, i40e: 52 bytes) */
#define TP_RSS_RETA_MAX 512
#define TP_RSS_DEFAULT_KEY_LEN 40

/* Hash input lengths, in bytes. */
#define TP_RSS_V4_IP_LEN 8    /* src ip, dst ip */
#define TP_RSS_V4_LEN 12      /* src ip, dst ip, src port, dst port */
#define TP_RSS_V6_IP_LEN 32
#define TP_RSS_V6_LEN 36
#define TP_RSS_INPUT_MAX TP_RSS_V6_LEN

/* The 40-byte key of Microsoft's RSS verification suite, which is also
 * the default of many drivers. */
extern const uint8_t tp_rss_default_key[TP_RSS_DEFAULT_KEY_LEN];

/*
 * The Toeplitz hash of @data/@len under @key/@key_len, bit for bit what a
 * NIC computes: for every set bit i of the input (most significant bit of
 * data[0] first), XOR in the 32 key bits starting at bit i. Key bits past
 * @key_len count as zero, so a key shorter than @len + 4 bytes gives a
 * defined (if weaker) hash rather than a read past the end.
 * Cost: about 8 shift/test/XOR steps per input bit, roughly 300 for an
 * IPv6 5-tuple; no tables, no setup.
 */
uint32_t tp_toeplitz(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len);

/*
 * The same hash from tables built once per key: for each input byte
 * position (up to TP_RSS_INPUT_MAX) and each byte value, the XOR of the
 * key windows its set bits select. A hash is then one lookup and XOR per
 * input byte (36 for IPv6 with ports). The table is 36 * 256 * 4 = 36 KiB,
 * so give each worker its own copy (or share one read-only) and keep it
 * out of any struct that is copied around.
 */
struct tp_toeplitz_tab {
	uint32_t t[TP_RSS_INPUT_MAX][256];
};

/* Build @tab for @key/@key_len (same zero-extension as tp_toeplitz).
 * About 9,000 table writes. Returns 0, or -EINVAL if @key is NULL or
 * @key_len is 0. */
int tp_toeplitz_tab_init(struct tp_toeplitz_tab *tab, const uint8_t *key, size_t key_len);

/* Equal to tp_toeplitz(key, key_len, data, len) for the key @tab was
 * built with, for any @len <= TP_RSS_INPUT_MAX (the windows of a byte
 * position do not depend on the total length). Bytes past
 * TP_RSS_INPUT_MAX are ignored. */
uint32_t tp_toeplitz_tab_hash(const struct tp_toeplitz_tab *tab, const uint8_t *data, size_t len);

/*
 * Hash input layouts. Addresses are in network byte order, ports in host
 * order (written big-endian). Each returns the number of bytes written.
 */
size_t tp_rss_input_v4(uint8_t out[TP_RSS_V4_LEN], const uint8_t src[4], const uint8_t dst[4],
		       uint16_t sport, uint16_t dport);
size_t tp_rss_input_v4_ip(uint8_t out[TP_RSS_V4_IP_LEN], const uint8_t src[4],
			  const uint8_t dst[4]);
size_t tp_rss_input_v6(uint8_t out[TP_RSS_V6_LEN], const uint8_t src[16], const uint8_t dst[16],
		       uint16_t sport, uint16_t dport);
size_t tp_rss_input_v6_ip(uint8_t out[TP_RSS_V6_IP_LEN], const uint8_t src[16],
			  const uint8_t dst[16]);

/* The input for a packet from @src to @dst, with ports if @ports. Returns
 * 8, 12, 32 or 36, or 0 (nothing written) if the families differ or are
 * unset. */
size_t tp_rss_input(uint8_t out[TP_RSS_INPUT_MAX], const struct stun_addr *src,
		    const struct stun_addr *dst, bool ports);

/*
 * A port's RSS state as we mirror it: its key and its redirection table,
 * whose entries are worker indexes (the dataplane gives worker w queue w;
 * if it ever differs, overwrite reta[] with what the port reports).
 */
struct tp_rss {
	uint8_t key[TP_RSS_KEY_MAX];
	uint8_t key_len;
	uint16_t reta_size;
	uint16_t reta[TP_RSS_RETA_MAX];
};

/*
 * Copy @key/@key_len (NULL: tp_rss_default_key, @key_len ignored) and fill
 * a RETA of @reta_size entries round-robin, reta[i] = i % @n_workers, as
 * drivers and DPDK applications do by default.
 * Returns 0, or -EINVAL if @key_len is 0 or above TP_RSS_KEY_MAX,
 * @reta_size is not a power of two in 1..TP_RSS_RETA_MAX (the NIC indexes
 * the table with low hash bits, which only a power of two matches), or
 * @n_workers is 0 or above @reta_size (some worker would get no entry).
 */
int tp_rss_init(struct tp_rss *r, const uint8_t *key, size_t key_len, unsigned reta_size,
		unsigned n_workers);

/* The hash a port configured with @r's key gives a UDP packet from @src to
 * @dst (for a client packet: the client, then our listening address).
 * Uses the bit-serial tp_toeplitz. Returns 0 if the families differ or are
 * unset, which tp_rss_owner maps to reta[0], much as a NIC sends packets
 * it cannot hash to one default queue. */
uint32_t tp_rss_hash_5tuple(const struct tp_rss *r, const struct stun_addr *src,
			    const struct stun_addr *dst);
/* The same with addresses only (a port whose rss_hf lacks UDP). */
uint32_t tp_rss_hash_ip(const struct tp_rss *r, const struct stun_addr *src,
			const struct stun_addr *dst);

/* The worker owning @hash: reta[hash % reta_size]. Hardware indexes the
 * RETA with the low log2(reta_size) bits of the hash; reta_size being a
 * power of two (tp_rss_init insists) makes the two the same, and the
 * code uses the mask. */
static inline unsigned
tp_rss_owner(const struct tp_rss *r, uint32_t hash)
{
	return r->reta[hash & (uint32_t)(r->reta_size - 1u)];
}

/*
 * Relay-port slices: [@port_min, @port_max] cut into @n_workers
 * contiguous slices in worker order whose sizes differ by at most one (the
 * first size % n_workers slices get the extra port). Every port belongs to
 * exactly one worker, and tp_port_owner(p) == w iff lo_w <= p <= hi_w.
 *
 * A pair reserved with EVEN-PORT (R bit) takes p and p + 1; when a slice
 * ends on an even port that pair would cross into the next slice, so the
 * allocator must not reserve at hi_w in that case.
 *
 * tp_port_slice writes worker @worker's slice to @lo/@hi. Returns 0, or
 * -EINVAL if @port_min > @port_max, @n_workers is 0, @worker >= @n_workers,
 * or the range has fewer ports than there are workers.
 */
int tp_port_slice(uint16_t port_min, uint16_t port_max, unsigned n_workers, unsigned worker,
		  uint16_t *lo, uint16_t *hi);

/* The worker whose slice holds @port, in O(1) (two divisions). Returns it
 * (>= 0), or -EINVAL for the same bad arguments as tp_port_slice, or
 * -ERANGE if @port is outside [@port_min, @port_max]. */
int tp_port_owner(uint16_t port_min, uint16_t port_max, unsigned n_workers, uint16_t port);

/*
 * [@lo, @hi] as aligned power-of-two blocks, the form a NIC's flow rule
 * can match (port & mask == first): block i is the ports p with
 * (p & mask[i]) == first[i]. The blocks are disjoint, in order, and cover
 * the range exactly; a range of 16-bit ports needs at most
 * TP_PORT_BLOCKS_MAX. Returns their number, or 0 if @max is too small
 * (or @lo > @hi).
 */
#define TP_PORT_BLOCKS_MAX 32
unsigned tp_port_blocks(uint16_t lo, uint16_t hi, uint16_t *first, uint16_t *mask, unsigned max);

#endif

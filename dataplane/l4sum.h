/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ones'-complement sums (RFC 1071) for updating a UDP checksum without
 * reading the relayed payload again: the payload's sum is what the
 * received datagram's verified checksum implies, minus the bytes around
 * the payload (a ChannelData header, a Send indication's attributes).
 *
 * Sums are of 16-bit words as they lie in memory (native order), folded
 * to 16 bits, exactly like DPDK's rte_raw_cksum, so they mix with DPDK's
 * pseudo-header sums. A region that starts at an odd offset of the
 * datagram contributes its aligned sum byte-swapped (RFC 1071 2(B)).
 *
 *   uint32_t d = l4sum_bytes(data, len);                     // whole UDP data
 *   uint32_t p = l4sum_region(d, data, len, off, plen);      // data[off, off+plen)
 *   // p is the sum of the payload as if it started at an even offset
 *
 * Pure C, no DPDK, so the arithmetic is unit-tested against a direct sum.
 */
#ifndef TP_L4SUM_H
#define TP_L4SUM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint32_t
l4sum_fold(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

static inline uint32_t
l4sum_add(uint32_t a, uint32_t b)
{
	return l4sum_fold((uint64_t)a + b);
}

/* a - b in ones'-complement arithmetic. */
static inline uint32_t
l4sum_sub(uint32_t a, uint32_t b)
{
	return l4sum_add(a, ~b & 0xffff);
}

static inline uint32_t
l4sum_swap(uint32_t s)
{
	return ((s & 0xff) << 8) | (s >> 8);
}

/* The folded sum of @len bytes at @p; an odd last byte counts as a word
 * whose second byte is zero (what rte_raw_cksum does). */
static inline uint32_t
l4sum_bytes(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t s = 0;
	uint16_t w;

	for (; len >= 2; len -= 2, b += 2) {
		memcpy(&w, b, 2);
		s += w;
	}
	if (len != 0) {
		w = 0;
		memcpy(&w, b, 1);
		s += w;
	}
	return l4sum_fold(s);
}

/* What @len bytes at @p add to the sum of a datagram they sit in at
 * offset @off. */
static inline uint32_t
l4sum_at(const void *p, size_t len, size_t off)
{
	uint32_t s = l4sum_bytes(p, len);

	return (off & 1) != 0 ? l4sum_swap(s) : s;
}

/*
 * The sum of data[@off, @off + @plen) as if it started at an even offset,
 * given @dsum, the sum of all of data[0, @len): @dsum less the bytes
 * before and after the region, so the region itself is never read. The
 * caller guarantees @off + @plen <= @len.
 */
static inline uint32_t
l4sum_region(uint32_t dsum, const uint8_t *data, size_t len, size_t off, size_t plen)
{
	uint32_t s = l4sum_sub(dsum, l4sum_at(data, off, 0));

	s = l4sum_sub(s, l4sum_at(data + off + plen, len - off - plen, off + plen));
	return (off & 1) != 0 ? l4sum_swap(s) : s;
}

/* The UDP checksum field for a folded sum of pseudo-header, header
 * (checksum field zero) and data: its complement, with 0 sent as 0xffff
 * (0 means "no checksum"). */
static inline uint16_t
l4sum_udp_field(uint32_t s)
{
	uint16_t c = (uint16_t)(~s & 0xffff);

	return c == 0 ? 0xffff : c;
}

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet ownership for many workers: the Toeplitz hash, the RSS
 * redirection table and relay-port slices. See steer.h.
 */
#include <errno.h>
#include <string.h>

#include "steer.h"
#include "stun_bytes.h"

const uint8_t tp_rss_default_key[TP_RSS_DEFAULT_KEY_LEN] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
	0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
	0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
	0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* Key bytes past the end read as zero (see tp_toeplitz). */
static inline uint8_t
key_byte(const uint8_t *key, size_t key_len, size_t i)
{
	return i < key_len ? key[i] : 0;
}

/*
 * The bit-serial form. @win holds key bits [pos, pos + 64) top-aligned,
 * pos being the current input bit; it loses one bit per input bit and
 * gains a key byte per input byte, so it always holds at least the 32
 * bits the current position needs. Cost: 8 test/shift/XOR steps per
 * input byte plus one key load.
 */
uint32_t
tp_toeplitz(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len)
{
	uint64_t win = 0;
	uint32_t h = 0;

	for (size_t j = 0; j < 8; j++)
		win = (win << 8) | key_byte(key, key_len, j);
	for (size_t i = 0; i < len; i++) {
		for (unsigned b = 0; b < 8; b++) {
			if (data[i] & (0x80u >> b))
				h ^= (uint32_t)(win >> 32);
			win <<= 1;
		}
		win |= key_byte(key, key_len, i + 8);
	}
	return h;
}

/* Key bits [bit, bit + 32), zero-extended. */
static uint32_t
key_window(const uint8_t *key, size_t key_len, size_t bit)
{
	size_t byte = bit / 8;
	uint64_t w = 0;

	for (size_t j = 0; j < 5; j++)
		w = (w << 8) | key_byte(key, key_len, byte + j);
	return (uint32_t)(w >> (8 - bit % 8));
}

/*
 * Toeplitz is linear over XOR, so the contribution of a byte is the XOR
 * of the windows of its set bits. Each position's 256 entries come from
 * its 8 single-bit windows, one XOR per entry: entry v is entry v without
 * its lowest set bit, XOR that bit's window.
 */
int
tp_toeplitz_tab_init(struct tp_toeplitz_tab *tab, const uint8_t *key, size_t key_len)
{
	if (key == NULL || key_len == 0)
		return -EINVAL;
	for (size_t p = 0; p < TP_RSS_INPUT_MAX; p++) {
		uint32_t bitw[8]; /* bitw[k]: window of the bit of value 1 << k */

		for (unsigned k = 0; k < 8; k++)
			bitw[k] = key_window(key, key_len, p * 8 + (7 - k));
		tab->t[p][0] = 0;
		for (unsigned v = 1; v < 256; v++) {
			unsigned low = v & (0u - v);

			tab->t[p][v] = tab->t[p][v ^ low] ^ bitw[__builtin_ctz(low)];
		}
	}
	return 0;
}

uint32_t
tp_toeplitz_tab_hash(const struct tp_toeplitz_tab *tab, const uint8_t *data, size_t len)
{
	uint32_t h = 0;

	if (len > TP_RSS_INPUT_MAX)
		len = TP_RSS_INPUT_MAX;
	for (size_t i = 0; i < len; i++)
		h ^= tab->t[i][data[i]];
	return h;
}

size_t
tp_rss_input_v4(uint8_t out[TP_RSS_V4_LEN], const uint8_t src[4], const uint8_t dst[4],
		uint16_t sport, uint16_t dport)
{
	memcpy(out, src, 4);
	memcpy(out + 4, dst, 4);
	stun_wr16(out + 8, sport);
	stun_wr16(out + 10, dport);
	return TP_RSS_V4_LEN;
}

size_t
tp_rss_input_v4_ip(uint8_t out[TP_RSS_V4_IP_LEN], const uint8_t src[4], const uint8_t dst[4])
{
	memcpy(out, src, 4);
	memcpy(out + 4, dst, 4);
	return TP_RSS_V4_IP_LEN;
}

size_t
tp_rss_input_v6(uint8_t out[TP_RSS_V6_LEN], const uint8_t src[16], const uint8_t dst[16],
		uint16_t sport, uint16_t dport)
{
	memcpy(out, src, 16);
	memcpy(out + 16, dst, 16);
	stun_wr16(out + 32, sport);
	stun_wr16(out + 34, dport);
	return TP_RSS_V6_LEN;
}

size_t
tp_rss_input_v6_ip(uint8_t out[TP_RSS_V6_IP_LEN], const uint8_t src[16], const uint8_t dst[16])
{
	memcpy(out, src, 16);
	memcpy(out + 16, dst, 16);
	return TP_RSS_V6_IP_LEN;
}

size_t
tp_rss_input(uint8_t out[TP_RSS_INPUT_MAX], const struct stun_addr *src,
	     const struct stun_addr *dst, bool ports)
{
	if (src->family != dst->family)
		return 0;
	switch (src->family) {
	case STUN_FAMILY_IPV4:
		return ports ? tp_rss_input_v4(out, src->ip, dst->ip, src->port, dst->port)
			     : tp_rss_input_v4_ip(out, src->ip, dst->ip);
	case STUN_FAMILY_IPV6:
		return ports ? tp_rss_input_v6(out, src->ip, dst->ip, src->port, dst->port)
			     : tp_rss_input_v6_ip(out, src->ip, dst->ip);
	default:
		return 0;
	}
}

int
tp_rss_init(struct tp_rss *r, const uint8_t *key, size_t key_len, unsigned reta_size,
	    unsigned n_workers)
{
	if (key == NULL) {
		key = tp_rss_default_key;
		key_len = sizeof(tp_rss_default_key);
	}
	if (key_len == 0 || key_len > TP_RSS_KEY_MAX)
		return -EINVAL;
	if (reta_size == 0 || reta_size > TP_RSS_RETA_MAX || (reta_size & (reta_size - 1)) != 0)
		return -EINVAL;
	if (n_workers == 0 || n_workers > reta_size)
		return -EINVAL;

	memset(r, 0, sizeof(*r));
	memcpy(r->key, key, key_len);
	r->key_len = (uint8_t)key_len;
	r->reta_size = (uint16_t)reta_size;
	for (unsigned i = 0; i < reta_size; i++)
		r->reta[i] = (uint16_t)(i % n_workers);
	return 0;
}

static uint32_t
rss_hash(const struct tp_rss *r, const struct stun_addr *src, const struct stun_addr *dst,
	 bool ports)
{
	uint8_t in[TP_RSS_INPUT_MAX];
	size_t n = tp_rss_input(in, src, dst, ports);

	return n == 0 ? 0 : tp_toeplitz(r->key, r->key_len, in, n);
}

uint32_t
tp_rss_hash_5tuple(const struct tp_rss *r, const struct stun_addr *src,
		   const struct stun_addr *dst)
{
	return rss_hash(r, src, dst, true);
}

uint32_t
tp_rss_hash_ip(const struct tp_rss *r, const struct stun_addr *src, const struct stun_addr *dst)
{
	return rss_hash(r, src, dst, false);
}

/* Both slice functions share these checks; @n_ports is the range size,
 * up to 65536, hence 32 bits. */
static int
slice_check(uint16_t port_min, uint16_t port_max, unsigned n_workers, uint32_t *n_ports)
{
	if (port_min > port_max || n_workers == 0)
		return -EINVAL;
	*n_ports = (uint32_t)port_max - port_min + 1;
	if (*n_ports < n_workers)
		return -EINVAL;
	return 0;
}

/*
 * With q = n_ports / n_workers and rem = n_ports % n_workers, workers
 * below rem hold q + 1 ports and the rest q, in worker order, so worker w
 * starts w * q + min(w, rem) ports into the range.
 */
int
tp_port_slice(uint16_t port_min, uint16_t port_max, unsigned n_workers, unsigned worker,
	      uint16_t *lo, uint16_t *hi)
{
	uint32_t n_ports, q, rem, start, size;
	int rc = slice_check(port_min, port_max, n_workers, &n_ports);

	if (rc < 0)
		return rc;
	if (worker >= n_workers)
		return -EINVAL;
	q = n_ports / n_workers;
	rem = n_ports % n_workers;
	start = worker * q + (worker < rem ? worker : rem);
	size = q + (worker < rem ? 1 : 0);
	*lo = (uint16_t)(port_min + start);
	*hi = (uint16_t)(port_min + start + size - 1);
	return 0;
}

/* The inverse of the layout above: the first rem * (q + 1) ports are in
 * slices of q + 1, the rest in slices of q (q >= 1 as n_ports >= n_workers). */
int
tp_port_owner(uint16_t port_min, uint16_t port_max, unsigned n_workers, uint16_t port)
{
	uint32_t n_ports, q, rem, off, big;
	int rc = slice_check(port_min, port_max, n_workers, &n_ports);

	if (rc < 0)
		return rc;
	if (port < port_min || port > port_max)
		return -ERANGE;
	q = n_ports / n_workers;
	rem = n_ports % n_workers;
	off = (uint32_t)port - port_min;
	big = rem * (q + 1);
	if (off < big)
		return (int)(off / (q + 1));
	return (int)(rem + (off - big) / q);
}

unsigned
tp_port_blocks(uint16_t lo, uint16_t hi, uint16_t *first, uint16_t *mask, unsigned max)
{
	uint32_t p = lo, end = (uint32_t)hi + 1;
	unsigned n = 0;

	if (lo > hi)
		return 0;
	while (p < end && n < max) {
		/* The largest aligned block starting at p that fits. */
		uint32_t size = p == 0 ? 0x10000u : (p & (~p + 1u));

		while (p + size > end)
			size >>= 1;
		first[n] = (uint16_t)p;
		mask[n] = (uint16_t)~(size - 1u);
		n++;
		p += size;
	}
	return p < end ? 0 : n;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * steer: the Toeplitz hash against Microsoft's RSS verification suite
 * (IPv4 and IPv6, with and without ports, default key), the table-driven
 * hash against the bit-serial one and against a naive bit-indexing model
 * on random keys and inputs, the RETA fill and lookup, and relay-port
 * slices checked port by port against their inverse.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "steer.h"

/*
 * "Verifying the RSS Hash Calculation", Microsoft Windows driver docs
 * (learn.microsoft.com/windows-hardware/drivers/network/verifying-the-rss-hash-calculation),
 * with the 40-byte key that tp_rss_default_key holds. Each row is
 * destination, source, hash of the addresses only, hash with TCP ports
 * (the port layout is the same for UDP). Every value was recomputed with
 * an independent Python implementation before going in here.
 */
struct rss_vec {
	const char *dst;
	uint16_t dport;
	const char *src;
	uint16_t sport;
	uint32_t h_ip;
	uint32_t h_ports;
};

static const struct rss_vec v4_vecs[] = {
	{ "161.142.100.80", 1766, "66.9.149.187", 2794, 0x323e8fc2, 0x51ccc178 },
	{ "65.69.140.83", 4739, "199.92.111.2", 14230, 0xd718262a, 0xc626b0ea },
	{ "12.22.207.184", 38024, "24.19.198.95", 12898, 0xd2d0a5de, 0x5c2b394a },
	{ "209.142.163.6", 2217, "38.27.205.30", 48228, 0x82989176, 0xafc7327f },
	{ "202.188.127.2", 1303, "153.39.163.191", 44251, 0x5d1809c5, 0x10e828a2 },
};

static const struct rss_vec v6_vecs[] = {
	{ "3ffe:2501:200:3::1", 1766, "3ffe:2501:200:1fff::7", 2794, 0x2cc18cd5, 0x40207d3d },
	{ "ff02::1", 4739, "3ffe:501:8::260:97ff:fe40:efab", 14230, 0x0f0c461c, 0xdde51bbf },
	{ "fe80::200:f8ff:fe21:67cf", 38024, "3ffe:1900:4545:3:200:f8ff:fe21:67cf", 44251,
	  0x4b61e985, 0x02d1feef },
};

/* The key as printed on the Microsoft page, kept apart from the copy in
 * steer.c so a typo in either shows. */
static const uint8_t ms_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

static struct tp_toeplitz_tab ms_tab; /* 36 KiB: not on the stack */

static void
check_vecs(const struct rss_vec *v, size_t n, size_t ip_len, size_t full_len)
{
	struct tp_rss r;

	assert_int_equal(tp_rss_init(&r, NULL, 0, 128, 4), 0);
	assert_int_equal(tp_toeplitz_tab_init(&ms_tab, ms_key, sizeof(ms_key)), 0);
	for (size_t i = 0; i < n; i++) {
		struct stun_addr src, dst;
		uint8_t in[TP_RSS_INPUT_MAX];

		assert_int_equal(stun_addr_from_string(&src, v[i].src, v[i].sport), 0);
		assert_int_equal(stun_addr_from_string(&dst, v[i].dst, v[i].dport), 0);

		assert_int_equal(tp_rss_input(in, &src, &dst, false), ip_len);
		assert_int_equal(tp_toeplitz(ms_key, sizeof(ms_key), in, ip_len), v[i].h_ip);
		assert_int_equal(tp_toeplitz_tab_hash(&ms_tab, in, ip_len), v[i].h_ip);
		assert_int_equal(tp_rss_hash_ip(&r, &src, &dst), v[i].h_ip);

		assert_int_equal(tp_rss_input(in, &src, &dst, true), full_len);
		assert_int_equal(tp_toeplitz(ms_key, sizeof(ms_key), in, full_len), v[i].h_ports);
		assert_int_equal(tp_toeplitz_tab_hash(&ms_tab, in, full_len), v[i].h_ports);
		assert_int_equal(tp_rss_hash_5tuple(&r, &src, &dst), v[i].h_ports);
	}
}

static void
test_default_key(void **state)
{
	(void)state;
	assert_memory_equal(tp_rss_default_key, ms_key, sizeof(ms_key));
}

static void
test_ms_ipv4(void **state)
{
	(void)state;
	check_vecs(v4_vecs, sizeof(v4_vecs) / sizeof(v4_vecs[0]), TP_RSS_V4_IP_LEN, TP_RSS_V4_LEN);
}

static void
test_ms_ipv6(void **state)
{
	(void)state;
	check_vecs(v6_vecs, sizeof(v6_vecs) / sizeof(v6_vecs[0]), TP_RSS_V6_IP_LEN, TP_RSS_V6_LEN);
}

/* The layouts byte for byte, on the first IPv4 vector: source before
 * destination, ports big-endian after the addresses. */
static void
test_input_layout(void **state)
{
	(void)state;
	const uint8_t s4[4] = { 66, 9, 149, 187 }, d4[4] = { 161, 142, 100, 80 };
	const uint8_t want4[12] = { 66, 9, 149, 187, 161, 142, 100, 80, 0x0a, 0xea, 0x06, 0xe6 };
	uint8_t s6[16], d6[16], out[TP_RSS_INPUT_MAX];
	struct stun_addr a4, a6;

	assert_int_equal(tp_rss_input_v4(out, s4, d4, 2794, 1766), 12);
	assert_memory_equal(out, want4, 12);
	assert_int_equal(tp_rss_input_v4_ip(out, s4, d4), 8);
	assert_memory_equal(out, want4, 8);

	for (int i = 0; i < 16; i++) {
		s6[i] = (uint8_t)i;
		d6[i] = (uint8_t)(0xf0 + i);
	}
	assert_int_equal(tp_rss_input_v6(out, s6, d6, 0x1234, 0xabcd), 36);
	assert_memory_equal(out, s6, 16);
	assert_memory_equal(out + 16, d6, 16);
	assert_int_equal(out[32], 0x12);
	assert_int_equal(out[33], 0x34);
	assert_int_equal(out[34], 0xab);
	assert_int_equal(out[35], 0xcd);
	assert_int_equal(tp_rss_input_v6_ip(out, s6, d6), 32);

	/* Mixed or unset families have no layout and hash as 0. */
	struct tp_rss r;
	struct stun_addr none;

	memset(&none, 0, sizeof(none));
	assert_int_equal(tp_rss_init(&r, NULL, 0, 64, 2), 0);
	stun_addr_set_v4(&a4, s4, 1);
	stun_addr_set_v6(&a6, s6, 1);
	assert_int_equal(tp_rss_input(out, &a4, &a6, true), 0);
	assert_int_equal(tp_rss_input(out, &none, &none, false), 0);
	assert_int_equal(tp_rss_hash_5tuple(&r, &a4, &a6), 0);
	assert_int_equal(tp_rss_owner(&r, 0), r.reta[0]);
}

/* The definition, one input bit at a time, with nothing shared with
 * steer.c: bit i of the input selects key bits [i, i + 32), zero past the
 * end of the key. */
static uint32_t
naive_toeplitz(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len)
{
	uint32_t h = 0;

	for (size_t i = 0; i < len * 8; i++) {
		if (!(data[i / 8] >> (7 - i % 8) & 1))
			continue;
		uint32_t w = 0;

		for (size_t j = 0; j < 32; j++) {
			size_t kb = i + j;
			unsigned bit = kb / 8 < key_len ? (key[kb / 8] >> (7 - kb % 8)) & 1 : 0;

			w = (w << 1) | bit;
		}
		h ^= w;
	}
	return h;
}

static void
test_table_matches_serial(void **state)
{
	(void)state;
	static struct tp_toeplitz_tab tab;
	uint8_t key[TP_RSS_KEY_MAX], in[TP_RSS_INPUT_MAX];

	srand(4);
	for (int round = 0; round < 200; round++) {
		/* Include keys too short for the input, to pin down the
		 * zero extension in all three. */
		size_t key_len = 1 + (size_t)rand() % TP_RSS_KEY_MAX;

		for (size_t i = 0; i < key_len; i++)
			key[i] = (uint8_t)rand();
		assert_int_equal(tp_toeplitz_tab_init(&tab, key, key_len), 0);
		for (int k = 0; k < 20; k++) {
			size_t len = (size_t)rand() % (TP_RSS_INPUT_MAX + 1);

			for (size_t i = 0; i < len; i++)
				in[i] = (uint8_t)rand();
			uint32_t want = naive_toeplitz(key, key_len, in, len);

			assert_int_equal(tp_toeplitz(key, key_len, in, len), want);
			assert_int_equal(tp_toeplitz_tab_hash(&tab, in, len), want);
		}
	}
	assert_int_equal(tp_toeplitz_tab_init(&tab, NULL, 40), -EINVAL);
	assert_int_equal(tp_toeplitz_tab_init(&tab, key, 0), -EINVAL);
}

static void
test_rss_init(void **state)
{
	(void)state;
	struct tp_rss r;
	uint8_t key[TP_RSS_KEY_MAX + 1];

	memset(key, 0x5a, sizeof(key));
	assert_int_equal(tp_rss_init(&r, key, TP_RSS_KEY_MAX, 512, 7), 0);
	assert_int_equal(r.key_len, TP_RSS_KEY_MAX);
	assert_memory_equal(r.key, key, TP_RSS_KEY_MAX);
	assert_int_equal(r.reta_size, 512);
	for (unsigned i = 0; i < 512; i++)
		assert_int_equal(r.reta[i], i % 7);

	assert_int_equal(tp_rss_init(&r, NULL, 0, 1, 1), 0);
	assert_int_equal(r.key_len, 40);
	assert_int_equal(tp_rss_init(&r, NULL, 0, 128, 128), 0);

	assert_int_equal(tp_rss_init(&r, key, 0, 128, 2), -EINVAL);
	assert_int_equal(tp_rss_init(&r, key, TP_RSS_KEY_MAX + 1, 128, 2), -EINVAL);
	assert_int_equal(tp_rss_init(&r, NULL, 0, 0, 1), -EINVAL);
	assert_int_equal(tp_rss_init(&r, NULL, 0, 100, 2), -EINVAL);  /* not a power of two */
	assert_int_equal(tp_rss_init(&r, NULL, 0, 1024, 2), -EINVAL); /* above the maximum */
	assert_int_equal(tp_rss_init(&r, NULL, 0, 128, 0), -EINVAL);
	assert_int_equal(tp_rss_init(&r, NULL, 0, 64, 65), -EINVAL);
}

/* The owner is the entry of the low log2(reta_size) hash bits, i.e.
 * hash % reta_size, and follows an edited RETA. */
static void
test_rss_owner(void **state)
{
	(void)state;
	struct tp_rss r;
	unsigned count[3] = { 0, 0, 0 };

	assert_int_equal(tp_rss_init(&r, NULL, 0, 128, 3), 0);
	assert_int_equal(tp_rss_owner(&r, 0), 0);
	assert_int_equal(tp_rss_owner(&r, 1), 1);
	assert_int_equal(tp_rss_owner(&r, 2), 2);
	assert_int_equal(tp_rss_owner(&r, 3), 0);
	assert_int_equal(tp_rss_owner(&r, 127), 127 % 3);
	assert_int_equal(tp_rss_owner(&r, 128), 0);         /* wraps: only low 7 bits */
	assert_int_equal(tp_rss_owner(&r, 0xffffff80u), 0);
	assert_int_equal(tp_rss_owner(&r, 0x51ccc178u), (0x51ccc178u % 128) % 3);

	srand(44);
	for (int i = 0; i < 100000; i++) {
		uint32_t h = (uint32_t)rand() ^ ((uint32_t)rand() << 16);
		unsigned w = tp_rss_owner(&r, h);

		assert_int_equal(w, r.reta[h % 128]);
		assert_true(w < 3);
		count[w]++;
	}
	/* 43/43/42 entries: each worker near a third. */
	for (int w = 0; w < 3; w++)
		assert_in_range(count[w], 31000, 36000);

	r.reta[0x78] = 2; /* as if read back from a port */
	assert_int_equal(tp_rss_owner(&r, 0x51ccc178u), 2);
}

/* Every port of the range in exactly one slice, slices contiguous in
 * worker order and near equal, owner() agreeing with slice(). */
static void
check_slices(uint16_t pmin, uint16_t pmax, unsigned n)
{
	uint32_t n_ports = (uint32_t)pmax - pmin + 1;
	uint32_t next = pmin, smallest = UINT32_MAX, largest = 0;

	for (unsigned w = 0; w < n; w++) {
		uint16_t lo = 0, hi = 0;

		assert_int_equal(tp_port_slice(pmin, pmax, n, w, &lo, &hi), 0);
		assert_int_equal(lo, next);
		assert_true(lo <= hi);
		for (uint32_t p = lo; p <= hi; p++)
			assert_int_equal(tp_port_owner(pmin, pmax, n, (uint16_t)p), (int)w);
		if ((uint32_t)(hi - lo + 1) < smallest)
			smallest = hi - lo + 1;
		if ((uint32_t)(hi - lo + 1) > largest)
			largest = hi - lo + 1;
		next = (uint32_t)hi + 1;
	}
	assert_int_equal(next, (uint32_t)pmax + 1);
	assert_true(largest - smallest <= 1);
	assert_int_equal(smallest, n_ports / n);
	if (pmin > 0)
		assert_int_equal(tp_port_owner(pmin, pmax, n, (uint16_t)(pmin - 1)), -ERANGE);
	if (pmax < 65535)
		assert_int_equal(tp_port_owner(pmin, pmax, n, (uint16_t)(pmax + 1)), -ERANGE);
}

static void
test_port_slices(void **state)
{
	(void)state;
	static const unsigned workers[] = { 1, 2, 3, 4, 7 };
	uint16_t lo, hi;

	for (size_t i = 0; i < sizeof(workers) / sizeof(workers[0]); i++) {
		check_slices(49152, 65535, workers[i]);
		check_slices(0, 65535, workers[i]);
		check_slices(10000, 10006, workers[i]);
		check_slices(3478, 3478 + 99, workers[i]);
	}
	check_slices(50000, 50006, 7); /* one port each */
	check_slices(1, 65535, 64);

	/* 16384 ports over 3: 5462, 5461, 5461. */
	assert_int_equal(tp_port_slice(49152, 65535, 3, 0, &lo, &hi), 0);
	assert_int_equal(lo, 49152);
	assert_int_equal(hi, 54613);
	assert_int_equal(tp_port_slice(49152, 65535, 3, 1, &lo, &hi), 0);
	assert_int_equal(lo, 54614);
	assert_int_equal(hi, 60074);
	assert_int_equal(tp_port_slice(49152, 65535, 3, 2, &lo, &hi), 0);
	assert_int_equal(lo, 60075);
	assert_int_equal(hi, 65535);

	/* Fewer ports than workers, and the other bad arguments. */
	assert_int_equal(tp_port_slice(50000, 50005, 7, 0, &lo, &hi), -EINVAL);
	assert_int_equal(tp_port_owner(50000, 50005, 7, 50000), -EINVAL);
	assert_int_equal(tp_port_slice(50001, 50000, 1, 0, &lo, &hi), -EINVAL);
	assert_int_equal(tp_port_owner(50001, 50000, 1, 50000), -EINVAL);
	assert_int_equal(tp_port_slice(49152, 65535, 0, 0, &lo, &hi), -EINVAL);
	assert_int_equal(tp_port_owner(49152, 65535, 0, 50000), -EINVAL);
	assert_int_equal(tp_port_slice(49152, 65535, 4, 4, &lo, &hi), -EINVAL);
	assert_int_equal(tp_port_owner(49152, 65535, 4, 1000), -ERANGE);
}

/* Every range decomposes into disjoint aligned blocks covering exactly
 * it: checked port by port for assorted ranges, including the slices of
 * the default relay range between 3 workers and the whole port space. */
static void
test_port_blocks(void **state)
{
	static const uint16_t ranges[][2] = {
		{49152, 65535}, {0, 65535}, {1, 1}, {1024, 65535}, {49152, 54613},
		{54614, 60074}, {60075, 65535}, {3, 17}, {65535, 65535}, {0, 0},
	};
	uint16_t first[TP_PORT_BLOCKS_MAX], mask[TP_PORT_BLOCKS_MAX];

	(void)state;
	for (size_t r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++) {
		uint16_t lo = ranges[r][0], hi = ranges[r][1];
		unsigned n = tp_port_blocks(lo, hi, first, mask, TP_PORT_BLOCKS_MAX);

		assert_true(n >= 1 && n <= TP_PORT_BLOCKS_MAX);
		for (uint32_t p = 0; p <= 0xffff; p++) {
			unsigned hits = 0;

			for (unsigned b = 0; b < n; b++) {
				assert_int_equal(first[b] & (uint16_t)~mask[b], 0); /* aligned */
				hits += ((uint16_t)p & mask[b]) == first[b];
			}
			assert_int_equal(hits, p >= lo && p <= hi ? 1 : 0);
		}
	}
	/* 49152-65535 is one block; 1..65535 needs 16. */
	assert_int_equal(tp_port_blocks(49152, 65535, first, mask, TP_PORT_BLOCKS_MAX), 1);
	assert_int_equal(mask[0], 0xc000);
	assert_int_equal(tp_port_blocks(1, 65535, first, mask, TP_PORT_BLOCKS_MAX), 16);
	assert_int_equal(tp_port_blocks(1, 65535, first, mask, 15), 0);
	assert_int_equal(tp_port_blocks(5, 4, first, mask, TP_PORT_BLOCKS_MAX), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_key),
		cmocka_unit_test(test_ms_ipv4),
		cmocka_unit_test(test_ms_ipv6),
		cmocka_unit_test(test_input_layout),
		cmocka_unit_test(test_table_matches_serial),
		cmocka_unit_test(test_rss_init),
		cmocka_unit_test(test_rss_owner),
		cmocka_unit_test(test_port_slices),
		cmocka_unit_test(test_port_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

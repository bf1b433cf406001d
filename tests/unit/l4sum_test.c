/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * l4sum.h: the incremental UDP checksum arithmetic against direct sums
 * and an independent big-endian RFC 1071 reference.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "l4sum.h"

/* RFC 1071 over big-endian words, the textbook way. */
static uint16_t
ref_sum_be(const uint8_t *p, size_t len)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Ones'-complement values are equal if equal or both a zero (0, 0xffff). */
static void
assert_sum_equal(uint32_t a, uint32_t b)
{
	if (a == 0xffff)
		a = 0;
	if (b == 0xffff)
		b = 0;
	assert_int_equal(a, b);
}

/* Native-order sums are the byte-swapped big-endian ones on a
 * little-endian host and equal on a big-endian one. */
static uint32_t
native_from_be(uint16_t be)
{
	const uint16_t one = 1;
	uint8_t first;

	memcpy(&first, &one, 1);
	return first == 1 ? l4sum_swap(be) : be;
}

static void
test_bytes_match_reference(void **state)
{
	uint8_t buf[301];

	(void)state;
	srand(7);
	for (int round = 0; round < 2000; round++) {
		size_t len = (size_t)(rand() % 300);

		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)rand();
		assert_sum_equal(l4sum_bytes(buf, len), native_from_be(ref_sum_be(buf, len)));
	}
}

/* The region's sum derived from the whole equals the region summed
 * directly at an even address, for every parity of offset and length. */
static void
test_region(void **state)
{
	uint8_t data[300], copy[300];

	(void)state;
	srand(11);
	for (int round = 0; round < 20000; round++) {
		size_t len = 1 + (size_t)(rand() % 299);
		size_t off = (size_t)(rand() % (int)(len + 1));
		size_t plen = (size_t)(rand() % (int)(len - off + 1));
		uint32_t whole;

		for (size_t i = 0; i < len; i++)
			data[i] = (uint8_t)rand();
		/* Sometimes all zero or all 0xff, where 0 and 0xffff meet. */
		if (round % 97 == 0)
			memset(data, round % 2 ? 0xff : 0, len);
		whole = l4sum_bytes(data, len);
		memcpy(copy, data + off, plen);
		assert_sum_equal(l4sum_region(whole, data, len, off, plen), l4sum_bytes(copy, plen));
	}
}

/* A ChannelData datagram relayed as UDP: the checksum of the outgoing
 * datagram built from the incoming one's data sum equals the checksum
 * computed over the outgoing bytes, checked by the reference. */
static void
test_relayed_udp_checksum(void **state)
{
	uint8_t in[4 + 200], out[12 + 8 + 200];
	uint8_t pseudo_udp[12 + 8];

	(void)state;
	srand(3);
	for (int round = 0; round < 2000; round++) {
		size_t plen = 1 + (size_t)(rand() % 200);
		uint32_t s;
		uint16_t field, check;

		in[0] = 0x40;
		in[1] = 0x01;
		in[2] = (uint8_t)(plen >> 8);
		in[3] = (uint8_t)plen;
		for (size_t i = 0; i < plen; i++)
			in[4 + i] = (uint8_t)rand();
		/* Pseudo-header (IPv4: src, dst, 0, 17, length) and UDP header
		 * with a zero checksum field. */
		for (int i = 0; i < 8; i++)
			pseudo_udp[i] = (uint8_t)rand();
		pseudo_udp[8] = 0;
		pseudo_udp[9] = 17;
		pseudo_udp[10] = (uint8_t)((8 + plen) >> 8);
		pseudo_udp[11] = (uint8_t)(8 + plen);
		for (int i = 12; i < 18; i++)
			pseudo_udp[i] = (uint8_t)rand();
		pseudo_udp[18] = pseudo_udp[19] = 0;

		s = l4sum_add(l4sum_bytes(pseudo_udp, sizeof(pseudo_udp)),
			      l4sum_region(l4sum_bytes(in, 4 + plen), in, 4 + plen, 4, plen));
		field = l4sum_udp_field(s);

		/* Verify as a receiver does: everything including the field
		 * sums to all ones. */
		memcpy(out, pseudo_udp, sizeof(pseudo_udp));
		memcpy(out + 18, &field, 2);
		memcpy(out + 20, in + 4, plen);
		check = ref_sum_be(out, 20 + plen);
		assert_int_equal(check, 0xffff);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes_match_reference),
		cmocka_unit_test(test_region),
		cmocka_unit_test(test_relayed_udp_checksum),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

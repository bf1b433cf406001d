/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stun_addr: text forms, comparison, the 5-tuple hash and the
 * (XOR-)MAPPED-ADDRESS wire encodings, checked byte for byte against
 * RFC 5769 sections 2.2 and 2.3.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "stun_addr.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const uint8_t rfc5769_tid[12] = { 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34,
					 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae };

static void
test_set(void **state)
{
	(void)state;
	struct stun_addr a;
	const uint8_t v4[4] = { 192, 0, 2, 1 };
	uint8_t v6[16];

	memset(&a, 0xAA, sizeof(a));
	stun_addr_set_v4(&a, v4, 3478);
	assert_int_equal(a.family, STUN_FAMILY_IPV4);
	assert_int_equal(a.pad, 0);
	assert_int_equal(a.port, 3478);
	assert_memory_equal(a.ip, v4, 4);
	for (int i = 4; i < 16; i++)
		assert_int_equal(a.ip[i], 0);
	assert_int_equal(stun_addr_iplen(&a), 4);

	for (int i = 0; i < 16; i++)
		v6[i] = (uint8_t)(0x20 + i);
	stun_addr_set_v6(&a, v6, 1);
	assert_int_equal(a.family, STUN_FAMILY_IPV6);
	assert_int_equal(a.port, 1);
	assert_memory_equal(a.ip, v6, 16);
	assert_int_equal(stun_addr_iplen(&a), 16);
}

struct str_case {
	const char *in;
	uint16_t default_port;
	int rc;
	uint8_t family;
	uint8_t ip[16];
	uint16_t port;
};

static const struct str_case str_cases[] = {
	{ "198.18.0.1", 3478, 0, STUN_FAMILY_IPV4, { 198, 18, 0, 1 }, 3478 },
	{ "198.18.0.1:5349", 3478, 0, STUN_FAMILY_IPV4, { 198, 18, 0, 1 }, 5349 },
	{ "0.0.0.0:0", 9, 0, STUN_FAMILY_IPV4, { 0 }, 0 },
	{ "255.255.255.255:65535", 0, 0, STUN_FAMILY_IPV4, { 255, 255, 255, 255 }, 65535 },
	{ "2001:db8::1", 3478, 0, STUN_FAMILY_IPV6,
	  { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 3478 },
	{ "[2001:db8::1]:3478", 0, 0, STUN_FAMILY_IPV6,
	  { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 3478 },
	{ "[::1]", 7, 0, STUN_FAMILY_IPV6, { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 7 },
	/* Without brackets the last group is part of the address. */
	{ "::1:80", 7, 0, STUN_FAMILY_IPV6,
	  { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0x80 }, 7 },
	{ "::ffff:192.0.2.1", 1, 0, STUN_FAMILY_IPV6,
	  { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1 }, 1 },
	{ "", 0, -EINVAL, 0, { 0 }, 0 },
	{ "1.2.3", 0, -EINVAL, 0, { 0 }, 0 },
	{ "1.2.3.256", 0, -EINVAL, 0, { 0 }, 0 },
	{ "1.2.3.4:", 0, -EINVAL, 0, { 0 }, 0 },
	{ "1.2.3.4:65536", 0, -EINVAL, 0, { 0 }, 0 },
	{ "1.2.3.4:123456", 0, -EINVAL, 0, { 0 }, 0 },
	{ "1.2.3.4:-1", 0, -EINVAL, 0, { 0 }, 0 },
	{ "1.2.3.4:+1", 0, -EINVAL, 0, { 0 }, 0 },
	{ "1.2.3.4:12a", 0, -EINVAL, 0, { 0 }, 0 },
	{ "1.2.3.4: 1", 0, -EINVAL, 0, { 0 }, 0 },
	{ ":80", 0, -EINVAL, 0, { 0 }, 0 },
	{ "[::1", 0, -EINVAL, 0, { 0 }, 0 },
	{ "[::1]x", 0, -EINVAL, 0, { 0 }, 0 },
	{ "[::1]:", 0, -EINVAL, 0, { 0 }, 0 },
	{ "[]:80", 0, -EINVAL, 0, { 0 }, 0 },
	{ "[1.2.3.4]:80", 0, -EINVAL, 0, { 0 }, 0 },
	{ "fe80::1%eth0", 0, -EINVAL, 0, { 0 }, 0 },
	{ "example.org", 0, -EINVAL, 0, { 0 }, 0 },
	{ "1111:2222:3333:4444:5555:6666:7777:8888:9999", 0, -EINVAL, 0, { 0 }, 0 },
	{ "[0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0001]:1", 0, -EINVAL, 0,
	  { 0 }, 0 },
};

static void
test_from_string(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(str_cases); i++) {
		const struct str_case *c = &str_cases[i];
		struct stun_addr a;
		memset(&a, 0x55, sizeof(a));
		int rc = stun_addr_from_string(&a, c->in, c->default_port);
		if (rc != c->rc)
			fail_msg("case %zu \"%s\": rc %d, want %d", i, c->in, rc, c->rc);
		if (rc != 0)
			continue;
		assert_int_equal(a.family, c->family);
		assert_int_equal(a.port, c->port);
		assert_memory_equal(a.ip, c->ip, 16);
		assert_int_equal(a.pad, 0);
	}
	struct stun_addr a;
	assert_int_equal(stun_addr_from_string(&a, NULL, 0), -EINVAL);
}

static void
test_format(void **state)
{
	(void)state;
	struct stun_addr a;
	char buf[STUN_ADDR_STRLEN];

	assert_int_equal(stun_addr_from_string(&a, "192.0.2.1", 32853), 0);
	assert_int_equal(stun_addr_format(&a, buf, sizeof(buf)), 15);
	assert_string_equal(buf, "192.0.2.1:32853");

	assert_int_equal(stun_addr_from_string(&a, "2001:db8:1234:5678:11:2233:4455:6677", 32853),
			 0);
	assert_int_equal(stun_addr_format(&a, buf, sizeof(buf)), 44);
	assert_string_equal(buf, "[2001:db8:1234:5678:11:2233:4455:6677]:32853");

	/* The longest form fits STUN_ADDR_STRLEN. */
	static const char longest[] = "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535";
	assert_int_equal(stun_addr_from_string(&a, longest, 0), 0);
	int n = stun_addr_format(&a, buf, sizeof(buf));
	assert_true(n > 0 && (size_t)n < sizeof(buf));

	/* snprintf semantics: truncated, NUL-terminated, full length returned. */
	assert_int_equal(stun_addr_from_string(&a, "10.0.0.1:80", 0), 0);
	char small[6];
	assert_int_equal(stun_addr_format(&a, small, sizeof(small)), 11);
	assert_string_equal(small, "10.0.");

	memset(&a, 0, sizeof(a));
	assert_int_equal(stun_addr_format(&a, buf, sizeof(buf)), 7);
	assert_string_equal(buf, "(unset)");

	/* Round trip through the text form. */
	const char *forms[] = { "1.2.3.4:5", "[::]:0", "[2001:db8::ff00:42:8329]:65535" };
	for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
		struct stun_addr b;
		assert_int_equal(stun_addr_from_string(&b, forms[i], 0), 0);
		stun_addr_format(&b, buf, sizeof(buf));
		assert_string_equal(buf, forms[i]);
	}
}

static void
test_equal(void **state)
{
	(void)state;
	struct stun_addr a, b, c, d;

	stun_addr_from_string(&a, "10.0.0.1:1000", 0);
	stun_addr_from_string(&b, "10.0.0.1:1001", 0);
	stun_addr_from_string(&c, "10.0.0.2:1000", 0);
	stun_addr_from_string(&d, "[::a00:1]:1000", 0);

	assert_true(stun_addr_equal(&a, &a));
	assert_false(stun_addr_equal(&a, &b));
	assert_true(stun_addr_ip_equal(&a, &b));
	assert_false(stun_addr_ip_equal(&a, &c));
	/* Same 4 trailing bytes, different family. */
	assert_false(stun_addr_ip_equal(&a, &d));

	/* pad is not part of the identity. */
	b = a;
	b.pad = 7;
	assert_true(stun_addr_equal(&a, &b));

	struct stun_5tuple t1 = { .client = a, .server = c, .proto = TURN_TRANSPORT_UDP };
	struct stun_5tuple t2 = t1;
	assert_true(stun_5tuple_equal(&t1, &t2));
	t2.proto = TURN_TRANSPORT_TCP;
	assert_false(stun_5tuple_equal(&t1, &t2));
	t2 = t1;
	t2.server.port++;
	assert_false(stun_5tuple_equal(&t1, &t2));
	t2 = t1;
	t2.client.ip[3] ^= 1;
	assert_false(stun_5tuple_equal(&t1, &t2));
}

static void
test_hash(void **state)
{
	(void)state;
	struct stun_5tuple t = { .proto = TURN_TRANSPORT_UDP };
	stun_addr_from_string(&t.client, "198.51.100.7:40000", 0);
	stun_addr_from_string(&t.server, "203.0.113.1:3478", 0);

	uint32_t h = stun_5tuple_hash(&t, 1);
	assert_int_equal(stun_5tuple_hash(&t, 1), h);
	assert_int_not_equal(stun_5tuple_hash(&t, 2), h);

	/* pad does not take part. */
	struct stun_5tuple u = t;
	u.client.pad = 0xFF;
	u.server.pad = 0x11;
	assert_int_equal(stun_5tuple_hash(&u, 1), h);

	/* Every field does. */
	u = t;
	u.proto = TURN_TRANSPORT_TCP;
	assert_int_not_equal(stun_5tuple_hash(&u, 1), h);
	u = t;
	u.client.port++;
	assert_int_not_equal(stun_5tuple_hash(&u, 1), h);
	u = t;
	u.server.ip[15] = 1; /* breaks the v4 invariant, still must differ */
	assert_int_not_equal(stun_5tuple_hash(&u, 1), h);
	u = t;
	u.client.family = STUN_FAMILY_IPV6;
	assert_int_not_equal(stun_5tuple_hash(&u, 1), h);
	/* Swapping client and server is a different tuple. */
	u = t;
	u.client = t.server;
	u.server = t.client;
	assert_int_not_equal(stun_5tuple_hash(&u, 1), h);

	/* Spread: 65536 clients differing only in port (the common case
	 * behind one NAT) over 1024 buckets using the low bits. Uniform
	 * gives 64 per bucket; allow a wide margin but catch a hash that
	 * ignores the port or only uses high bits. */
	static unsigned int buckets[1024];
	memset(buckets, 0, sizeof(buckets));
	for (uint32_t p = 0; p < 65536; p++) {
		u = t;
		u.client.port = (uint16_t)p;
		buckets[stun_5tuple_hash(&u, 0x5eed) & 1023]++;
	}
	unsigned int max = 0, min = ~0u;
	for (size_t i = 0; i < 1024; i++) {
		if (buckets[i] > max)
			max = buckets[i];
		if (buckets[i] < min)
			min = buckets[i];
	}
	assert_true(max < 110);
	assert_true(min > 25);

	/* Same with consecutive IPv4 addresses. */
	memset(buckets, 0, sizeof(buckets));
	for (uint32_t i = 0; i < 65536; i++) {
		u = t;
		u.client.ip[2] = (uint8_t)(i >> 8);
		u.client.ip[3] = (uint8_t)i;
		buckets[stun_5tuple_hash(&u, 0) & 1023]++;
	}
	max = 0;
	for (size_t i = 0; i < 1024; i++)
		if (buckets[i] > max)
			max = buckets[i];
	assert_true(max < 110);
}

static void
test_encode_rfc5769(void **state)
{
	(void)state;
	struct stun_addr a, b;
	uint8_t out[20];

	/* RFC 5769 2.2: 192.0.2.1 port 32853. */
	static const uint8_t xor4[8] = { 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43 };
	static const uint8_t plain4[8] = { 0x00, 0x01, 0x80, 0x55, 0xc0, 0x00, 0x02, 0x01 };
	stun_addr_from_string(&a, "192.0.2.1:32853", 0);
	memset(out, 0xEE, sizeof(out));
	assert_int_equal(stun_addr_encode_xor(&a, out, rfc5769_tid), 8);
	assert_memory_equal(out, xor4, 8);
	assert_int_equal(stun_addr_encode_xor(&a, out, NULL), 8); /* v4 needs no tid */
	assert_memory_equal(out, xor4, 8);
	assert_int_equal(stun_addr_encode(&a, out), 8);
	assert_memory_equal(out, plain4, 8);

	assert_int_equal(stun_addr_decode_xor(&b, xor4, 8, rfc5769_tid), 0);
	assert_true(stun_addr_equal(&a, &b));
	assert_int_equal(stun_addr_decode(&b, plain4, 8), 0);
	assert_true(stun_addr_equal(&a, &b));

	/* RFC 5769 2.3: 2001:db8:1234:5678:11:2233:4455:6677 port 32853. */
	static const uint8_t xor6[20] = { 0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9,
					  0xfa, 0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25,
					  0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9 };
	static const uint8_t plain6[20] = { 0x00, 0x02, 0x80, 0x55, 0x20, 0x01, 0x0d,
					    0xb8, 0x12, 0x34, 0x56, 0x78, 0x00, 0x11,
					    0x22, 0x33, 0x44, 0x55, 0x66, 0x77 };
	stun_addr_from_string(&a, "[2001:db8:1234:5678:11:2233:4455:6677]:32853", 0);
	assert_int_equal(stun_addr_encode_xor(&a, out, rfc5769_tid), 20);
	assert_memory_equal(out, xor6, 20);
	assert_int_equal(stun_addr_encode(&a, out), 20);
	assert_memory_equal(out, plain6, 20);
	assert_int_equal(stun_addr_decode_xor(&b, xor6, 20, rfc5769_tid), 0);
	assert_true(stun_addr_equal(&a, &b));
	assert_int_equal(stun_addr_decode(&b, plain6, 20), 0);
	assert_true(stun_addr_equal(&a, &b));

	/* IPv6 XOR needs the transaction id. */
	assert_int_equal(stun_addr_encode_xor(&a, out, NULL), 0);
	assert_int_equal(stun_addr_decode_xor(&b, xor6, 20, NULL), -EINVAL);

	/* Nothing to encode without a family. */
	memset(&a, 0, sizeof(a));
	assert_int_equal(stun_addr_encode(&a, out), 0);
	assert_int_equal(stun_addr_encode_xor(&a, out, rfc5769_tid), 0);
}

struct dec_case {
	uint8_t val[24];
	size_t len;
	int rc;
};

static const struct dec_case dec_cases[] = {
	{ { 0 }, 0, -EBADMSG },
	{ { 0, 1, 0 }, 3, -EBADMSG },
	{ { 0, 1, 0, 1, 1, 2, 3 }, 7, -EBADMSG },
	{ { 0, 1, 0, 1, 1, 2, 3, 4, 5 }, 9, -EBADMSG },
	{ { 0, 1, 0, 1 }, 20, -EBADMSG },     /* IPv4 family, IPv6 size */
	{ { 0, 2, 0, 1 }, 8, -EBADMSG },      /* IPv6 family, IPv4 size */
	{ { 0, 2, 0, 1 }, 16, -EBADMSG },
	{ { 0, 0, 0, 1 }, 8, -EAFNOSUPPORT }, /* family 0 */
	{ { 0, 3, 0, 1 }, 8, -EAFNOSUPPORT },
	{ { 0, 3, 0, 1 }, 20, -EAFNOSUPPORT },
	{ { 0xFF, 1, 0, 1, 1, 2, 3, 4 }, 8, 0 }, /* the reserved byte is ignored */
	{ { 0, 2, 0, 1 }, 20, 0 },
};

static void
test_decode_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(dec_cases); i++) {
		const struct dec_case *c = &dec_cases[i];
		struct stun_addr a;
		int rc = stun_addr_decode(&a, c->val, c->len);
		if (rc != c->rc)
			fail_msg("plain case %zu: rc %d, want %d", i, rc, c->rc);
		rc = stun_addr_decode_xor(&a, c->val, c->len, rfc5769_tid);
		if (rc != c->rc)
			fail_msg("xor case %zu: rc %d, want %d", i, rc, c->rc);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_from_string),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_encode_rfc5769),
		cmocka_unit_test(test_decode_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

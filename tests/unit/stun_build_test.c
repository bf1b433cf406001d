/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stun_build: exact bytes for every put, the header length field after
 * each one, sticky errors, and a build -> parse round trip.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "stun_msg.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const uint8_t tid[12] = { 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34,
				 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae };

#define HDR_BYTES(t0, t1, l) t0, t1, (uint8_t)((l) >> 8), (uint8_t)(l), 0x21, 0x12, 0xa4, 0x42, \
			     0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae

static uint16_t
len_field(const uint8_t *buf)
{
	return (uint16_t)(buf[2] << 8 | buf[3]);
}

static void
test_header(void **state)
{
	(void)state;
	static const struct {
		uint16_t method;
		uint8_t cls;
		uint8_t t0, t1;
	} types[] = {
		{ STUN_METHOD_BINDING, STUN_CLASS_REQUEST, 0x00, 0x01 },
		{ STUN_METHOD_BINDING, STUN_CLASS_INDICATION, 0x00, 0x11 },
		{ STUN_METHOD_BINDING, STUN_CLASS_SUCCESS, 0x01, 0x01 },
		{ STUN_METHOD_BINDING, STUN_CLASS_ERROR, 0x01, 0x11 },
		{ TURN_METHOD_ALLOCATE, STUN_CLASS_ERROR, 0x01, 0x13 },
		{ TURN_METHOD_SEND, STUN_CLASS_INDICATION, 0x00, 0x16 },
		{ TURN_METHOD_DATA, STUN_CLASS_INDICATION, 0x00, 0x17 },
		{ TURN_METHOD_CHANNEL_BIND, STUN_CLASS_SUCCESS, 0x01, 0x09 },
		{ 0xFFF, STUN_CLASS_ERROR, 0x3F, 0xFF },
	};
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		uint8_t buf[64];
		struct stun_builder b;
		const uint8_t want[20] = { HDR_BYTES(types[i].t0, types[i].t1, 0) };
		memset(buf, 0xEE, sizeof(buf));
		stun_build_init(&b, buf, sizeof(buf), types[i].method, types[i].cls, tid);
		assert_int_equal(stun_build_finish(&b), 20);
		assert_memory_equal(buf, want, 20);
		assert_int_equal(buf[20], 0xEE);
	}
}

static void
test_init_errors(void **state)
{
	(void)state;
	uint8_t buf[64];
	struct stun_builder b;

	stun_build_init(&b, buf, 19, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
	assert_int_equal(stun_build_finish(&b), -ENOSPC);
	stun_build_init(&b, buf, 20, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
	assert_int_equal(stun_build_finish(&b), 20);
	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING, STUN_CLASS_REQUEST, NULL);
	assert_int_equal(stun_build_finish(&b), -EINVAL);
	stun_build_init(&b, NULL, 64, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
	assert_int_equal(stun_build_finish(&b), -EINVAL);
	stun_build_init(&b, buf, sizeof(buf), 0x1000, STUN_CLASS_REQUEST, tid);
	assert_int_equal(stun_build_finish(&b), -EINVAL);
	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING, 4, tid);
	assert_int_equal(stun_build_finish(&b), -EINVAL);
	/* Puts after a failed init do nothing. */
	stun_put_u32(&b, STUN_ATTR_LIFETIME, 1);
	assert_null(stun_put_reserve(&b, STUN_ATTR_DATA, 4));
	assert_int_equal(stun_build_finish(&b), -EINVAL);
}

/* Each put, its exact bytes, and the length field right after it. */
static void
test_puts_exact(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct stun_builder b;
	struct stun_addr v4, v6;

	stun_addr_from_string(&v4, "192.0.2.1:32853", 0);
	stun_addr_from_string(&v6, "[2001:db8:1234:5678:11:2233:4455:6677]:32853", 0);
	memset(buf, 0xEE, sizeof(buf));
	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING, STUN_CLASS_SUCCESS, tid);

	stun_put_attr(&b, STUN_ATTR_SOFTWARE, "test vector", 11);
	assert_int_equal(len_field(buf), 16);
	stun_put_u32(&b, STUN_ATTR_LIFETIME, 0x01020304);
	assert_int_equal(len_field(buf), 24);
	stun_put_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &v4);
	assert_int_equal(len_field(buf), 36);
	stun_put_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &v6);
	assert_int_equal(len_field(buf), 60);
	stun_put_addr(&b, STUN_ATTR_MAPPED_ADDRESS, &v4);
	assert_int_equal(len_field(buf), 72);
	stun_put_addr(&b, STUN_ATTR_OTHER_ADDRESS, &v6);
	assert_int_equal(len_field(buf), 96);
	stun_put_attr(&b, STUN_ATTR_DONT_FRAGMENT, NULL, 0);
	assert_int_equal(len_field(buf), 100);
	static const uint16_t unk[] = { 0x7777, 0x0033, 0x8fff };
	stun_put_unknown(&b, unk, 3);
	assert_int_equal(len_field(buf), 112);
	uint8_t *v = stun_put_reserve(&b, STUN_ATTR_EVEN_PORT, 1);
	assert_ptr_equal(v, buf + 136);
	*v = 0x80;
	assert_int_equal(len_field(buf), 120);
	stun_put_error(&b, 438, NULL);
	assert_int_equal(len_field(buf), 140);
	stun_put_error(&b, 420, "Huh");
	assert_int_equal(len_field(buf), 152);

	static const uint8_t want[] = {
		HDR_BYTES(0x01, 0x01, 152),
		0x80, 0x22, 0x00, 0x0b, 't', 'e', 's', 't', ' ', 'v', 'e', 'c', 't', 'o', 'r', 0x00,
		0x00, 0x0d, 0x00, 0x04, 0x01, 0x02, 0x03, 0x04,
		0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
		0x00, 0x20, 0x00, 0x14, 0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa, 0xa5, 0xd3,
		0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9,
		0x00, 0x01, 0x00, 0x08, 0x00, 0x01, 0x80, 0x55, 0xc0, 0x00, 0x02, 0x01,
		0x80, 0x2c, 0x00, 0x14, 0x00, 0x02, 0x80, 0x55, 0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34,
		0x56, 0x78, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
		0x00, 0x1a, 0x00, 0x00,
		0x00, 0x0a, 0x00, 0x06, 0x77, 0x77, 0x00, 0x33, 0x8f, 0xff, 0x00, 0x00,
		0x00, 0x18, 0x00, 0x01, 0x80, 0x00, 0x00, 0x00,
		0x00, 0x09, 0x00, 0x0f, 0x00, 0x00, 0x04, 0x26, 'S', 't', 'a', 'l', 'e', ' ', 'N',
		'o', 'n', 'c', 'e', 0x00,
		0x00, 0x09, 0x00, 0x07, 0x00, 0x00, 0x04, 0x14, 'H', 'u', 'h', 0x00,
	};
	assert_int_equal(sizeof(want), 172);
	assert_int_equal(stun_build_finish(&b), 172);
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(buf[172], 0xEE);
}

static void
test_error_puts(void **state)
{
	(void)state;
	uint8_t buf[2048];
	struct stun_builder b;

	/* Codes outside 300..699 cannot be encoded (class 3..6). */
	static const uint16_t bad_codes[] = { 0, 299, 700, 999 };
	for (size_t i = 0; i < ARRAY_SIZE(bad_codes); i++) {
		stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING, STUN_CLASS_ERROR, tid);
		stun_put_error(&b, bad_codes[i], "x");
		assert_int_equal(stun_build_finish(&b), -EINVAL);
	}
	/* 699 encodes as class 6, number 99; unknown codes get "". */
	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING, STUN_CLASS_ERROR, tid);
	stun_put_error(&b, 699, NULL);
	assert_int_equal(stun_build_finish(&b), 28);
	static const uint8_t e699[] = { 0x00, 0x09, 0x00, 0x04, 0x00, 0x00, 0x06, 0x63 };
	assert_memory_equal(buf + 20, e699, 8);

	/* Reason up to 763 bytes. */
	char reason[800];
	memset(reason, 'r', sizeof(reason));
	reason[763] = '\0';
	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING, STUN_CLASS_ERROR, tid);
	stun_put_error(&b, 400, reason);
	assert_int_equal(stun_build_finish(&b), 20 + 4 + 768);
	reason[763] = 'r';
	reason[764] = '\0';
	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING, STUN_CLASS_ERROR, tid);
	stun_put_error(&b, 400, reason);
	assert_int_equal(stun_build_finish(&b), -EINVAL);

	/* An address without a family cannot be encoded. */
	struct stun_addr none;
	memset(&none, 0, sizeof(none));
	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING, STUN_CLASS_SUCCESS, tid);
	stun_put_addr(&b, STUN_ATTR_MAPPED_ADDRESS, &none);
	assert_int_equal(stun_build_finish(&b), -EINVAL);
	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING, STUN_CLASS_SUCCESS, tid);
	stun_put_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &none);
	assert_int_equal(stun_build_finish(&b), -EINVAL);
	assert_int_equal(len_field(buf), 0);
}

static void
test_reason_phrases(void **state)
{
	(void)state;
	static const struct {
		uint16_t code;
		const char *reason;
	} phrases[] = {
		{ 300, "Try Alternate" },
		{ 400, "Bad Request" },
		{ 401, "Unauthenticated" },
		{ 403, "Forbidden" },
		{ 420, "Unknown Attribute" },
		{ 437, "Allocation Mismatch" },
		{ 438, "Stale Nonce" },
		{ 440, "Address Family not Supported" },
		{ 441, "Wrong Credentials" },
		{ 442, "Unsupported Transport Protocol" },
		{ 443, "Peer Address Family Mismatch" },
		{ 446, "Connection Already Exists" },
		{ 447, "Connection Timeout or Failure" },
		{ 486, "Allocation Quota Reached" },
		{ 487, "Role Conflict" },
		{ 500, "Server Error" },
		{ 508, "Insufficient Capacity" },
		{ 0, "" },
		{ 299, "" },
		{ 404, "" },
		{ 599, "" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(phrases); i++)
		assert_string_equal(stun_error_reason(phrases[i].code), phrases[i].reason);
}

/* A put that does not fit changes nothing and poisons the builder. */
static void
test_nospace(void **state)
{
	(void)state;
	uint8_t buf[64];
	struct stun_builder b;

	memset(buf, 0xEE, sizeof(buf));
	stun_build_init(&b, buf, 36, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
	stun_put_u32(&b, STUN_ATTR_PRIORITY, 7); /* 28 */
	stun_put_u32(&b, STUN_ATTR_LIFETIME, 7); /* 36: exactly full */
	assert_int_equal(b.len, 36);
	assert_int_equal(b.err, 0);
	stun_put_attr(&b, STUN_ATTR_DONT_FRAGMENT, NULL, 0);
	assert_int_equal(b.err, -ENOSPC);
	assert_int_equal(b.len, 36);
	assert_int_equal(len_field(buf), 16);
	assert_int_equal(buf[36], 0xEE);
	/* Later puts are no-ops even if they would fit elsewhere. */
	stun_put_u32(&b, STUN_ATTR_LIFETIME, 1);
	assert_null(stun_put_reserve(&b, STUN_ATTR_DATA, 0));
	stun_put_unknown(&b, NULL, 0);
	stun_put_error(&b, 400, NULL);
	assert_int_equal(b.len, 36);
	assert_int_equal(stun_build_finish(&b), -ENOSPC);

	/* Padding counts against the capacity. */
	stun_build_init(&b, buf, 28, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
	stun_put_attr(&b, STUN_ATTR_USERNAME, "abcde", 5);
	assert_int_equal(stun_build_finish(&b), -ENOSPC);
	stun_build_init(&b, buf, 32, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
	stun_put_attr(&b, STUN_ATTR_USERNAME, "abcde", 5);
	assert_int_equal(stun_build_finish(&b), 32);

	/* Nothing beyond STUN_MAX_MSG_LEN, whatever the buffer. */
	static uint8_t big[4096];
	stun_build_init(&b, big, sizeof(big), STUN_METHOD_BINDING, STUN_CLASS_INDICATION, tid);
	stun_put_reserve(&b, STUN_ATTR_DATA, STUN_MAX_MSG_LEN - 24);
	assert_int_equal(stun_build_finish(&b), STUN_MAX_MSG_LEN);
	stun_build_init(&b, big, sizeof(big), STUN_METHOD_BINDING, STUN_CLASS_INDICATION, tid);
	stun_put_reserve(&b, STUN_ATTR_DATA, STUN_MAX_MSG_LEN - 23);
	assert_int_equal(stun_build_finish(&b), -ENOSPC);
	stun_build_init(&b, big, sizeof(big), STUN_METHOD_BINDING, STUN_CLASS_INDICATION, tid);
	stun_put_reserve(&b, STUN_ATTR_DATA, 70000);
	assert_int_equal(stun_build_finish(&b), -ENOSPC);
}

static void
test_reserve_padding(void **state)
{
	(void)state;
	uint8_t buf[64];
	struct stun_builder b;

	for (size_t n = 0; n <= 8; n++) {
		memset(buf, 0xEE, sizeof(buf));
		stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
		uint8_t *v = stun_put_reserve(&b, STUN_ATTR_DATA, n);
		assert_ptr_equal(v, buf + 24);
		size_t padded = (n + 3) & ~(size_t)3;
		assert_int_equal(b.len, 24 + padded);
		assert_int_equal(buf[22], 0);
		assert_int_equal(buf[23], n);
		/* Value bytes untouched, padding zeroed, nothing after. */
		for (size_t i = 0; i < n; i++)
			assert_int_equal(v[i], 0xEE);
		for (size_t i = n; i < padded; i++)
			assert_int_equal(v[i], 0);
		assert_int_equal(buf[24 + padded], 0xEE);
	}
}

/* Everything the builder can write comes back through the parser. */
static void
test_round_trip(void **state)
{
	(void)state;
	uint8_t buf[512];
	struct stun_builder b;
	struct stun_msg m;
	struct stun_addr peer1, peer2, relayed, out;
	uint32_t v;

	stun_addr_from_string(&peer1, "203.0.113.9:40000", 0);
	stun_addr_from_string(&peer2, "[2001:db8::9]:40001", 0);
	stun_addr_from_string(&relayed, "198.51.100.1:49152", 0);

	stun_build_init(&b, buf, sizeof(buf), TURN_METHOD_ALLOCATE, STUN_CLASS_SUCCESS, tid);
	stun_put_xor_addr(&b, STUN_ATTR_XOR_RELAYED_ADDRESS, &relayed);
	stun_put_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &peer1);
	stun_put_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &peer2);
	stun_put_u32(&b, STUN_ATTR_LIFETIME, 600);
	stun_put_attr(&b, STUN_ATTR_RESERVATION_TOKEN, "12345678", 8);
	stun_put_error(&b, 486, NULL);
	static const uint16_t unk[] = { 0x7001 };
	stun_put_unknown(&b, unk, 1);
	int len = stun_build_finish(&b);
	assert_true(len > 0);

	assert_int_equal(stun_parse(&m, buf, (size_t)len), 0);
	assert_int_equal(m.method, TURN_METHOD_ALLOCATE);
	assert_int_equal(m.cls, STUN_CLASS_SUCCESS);
	assert_memory_equal(m.tid, tid, 12);
	assert_int_equal(stun_msg_get_addr(&m, STUN_SLOT_XOR_RELAYED_ADDRESS, &out), 0);
	assert_true(stun_addr_equal(&out, &relayed));
	assert_int_equal(m.n_peer, 2);
	assert_int_equal(stun_msg_get_peer(&m, 0, &out), 0);
	assert_true(stun_addr_equal(&out, &peer1));
	assert_int_equal(stun_msg_get_peer(&m, 1, &out), 0);
	assert_true(stun_addr_equal(&out, &peer2));
	assert_int_equal(stun_msg_get_u32(&m, STUN_SLOT_LIFETIME, &v), 0);
	assert_int_equal(v, 600);
	uint16_t code;
	const char *reason;
	size_t rlen;
	assert_int_equal(stun_msg_get_error(&m, &code, &reason, &rlen), 0);
	assert_int_equal(code, 486);
	assert_int_equal(rlen, strlen("Allocation Quota Reached"));
	assert_memory_equal(reason, "Allocation Quota Reached", rlen);
	const struct stun_attr *a = stun_msg_attr(&m, STUN_SLOT_UNKNOWN_ATTRIBUTES);
	assert_non_null(a);
	assert_int_equal(a->len, 2);
	assert_int_equal(stun_attr_value(&m, a)[0], 0x70);
	assert_int_equal(stun_attr_value(&m, a)[1], 0x01);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_puts_exact),
		cmocka_unit_test(test_error_puts),
		cmocka_unit_test(test_reason_phrases),
		cmocka_unit_test(test_nospace),
		cmocka_unit_test(test_reserve_padding),
		cmocka_unit_test(test_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

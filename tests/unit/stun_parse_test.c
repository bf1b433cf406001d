/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stun_parse: every rejection path as a fixture (input bytes, expected
 * return code, expected bad_attr), the RFC 8489 section 14 ordering
 * rules, the slot map and the typed accessors.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stun_msg.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define TID_BYTES 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c
/* Binding request header with a body of @l bytes. */
#define HDR(l) 0x00, 0x01, (uint8_t)((l) >> 8), (uint8_t)(l), 0x21, 0x12, 0xA4, 0x42, TID_BYTES
#define T(t) (uint8_t)((t) >> 8), (uint8_t)(t)

struct parse_case {
	const char *name;
	uint8_t in[80];
	size_t len;
	int rc;
	uint16_t bad_attr;
};

#define CASE(name, rc, bad, ...)                                                       \
	{ name, { __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }), rc, bad }
#define BAD(name, type, ...) CASE(name, -EBADMSG, type, __VA_ARGS__)
#define OK(name, ...) CASE(name, 0, 0, __VA_ARGS__)
#define NOTSTUN(name, ...) CASE(name, -EINVAL, 0, __VA_ARGS__)

/* Address attributes: the legal shapes and every illegal one. */
#define A8(t, fam) T(t), 0, 8, 0, fam, 0x12, 0x34, 1, 2, 3, 4
#define A20(t, fam) T(t), 0, 20, 0, fam, 0x12, 0x34, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, \
		    14, 15, 16
#define ADDR_CASES(t)                                                                  \
	OK(#t " v4", HDR(12), A8(t, 1)),                                               \
	OK(#t " v6", HDR(24), A20(t, 2)),                                              \
	BAD(#t " 8 bytes family 2", t, HDR(12), A8(t, 2)),                             \
	BAD(#t " 20 bytes family 1", t, HDR(24), A20(t, 1)),                           \
	BAD(#t " family 0", t, HDR(12), A8(t, 0)),                                     \
	BAD(#t " family 3", t, HDR(24), A20(t, 3)),                                    \
	BAD(#t " 4 bytes", t, HDR(8), T(t), 0, 4, 0, 1, 0x12, 0x34),                   \
	BAD(#t " 12 bytes", t, HDR(16), T(t), 0, 12, 0, 1, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8)

/* Fixed 4-byte values: 4 passes, 0, 3, 5 and 8 do not. */
#define FIXED4_CASES(t)                                                                \
	OK(#t " 4", HDR(8), T(t), 0, 4, 1, 2, 3, 4),                                   \
	BAD(#t " 0", t, HDR(4), T(t), 0, 0),                                           \
	BAD(#t " 3", t, HDR(8), T(t), 0, 3, 1, 2, 3, 0),                               \
	BAD(#t " 5", t, HDR(12), T(t), 0, 5, 1, 2, 3, 4, 5, 0, 0, 0),                  \
	BAD(#t " 8", t, HDR(12), T(t), 0, 8, 1, 2, 3, 4, 5, 6, 7, 8)

#define FIXED8_CASES(t)                                                                \
	OK(#t " 8", HDR(12), T(t), 0, 8, 1, 2, 3, 4, 5, 6, 7, 8),                      \
	BAD(#t " 4", t, HDR(8), T(t), 0, 4, 1, 2, 3, 4),                               \
	BAD(#t " 12", t, HDR(16), T(t), 0, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)

#define EMPTY_CASES(t)                                                                 \
	OK(#t " 0", HDR(4), T(t), 0, 0),                                               \
	BAD(#t " 1", t, HDR(8), T(t), 0, 1, 1, 0, 0, 0),                               \
	BAD(#t " 4", t, HDR(8), T(t), 0, 4, 1, 2, 3, 4)

static const struct parse_case cases[] = {
	/* ---- not STUN: -EINVAL ---- */
	NOTSTUN("19 bytes", 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42, 1, 2, 3, 4, 5, 6, 7,
		8, 9, 10, 11),
	NOTSTUN("first bit set", 0x80, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42, TID_BYTES),
	NOTSTUN("second bit set", 0x40, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42, TID_BYTES),
	NOTSTUN("bad cookie", 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x43, TID_BYTES),
	NOTSTUN("RFC 3489 zero cookie", 0x00, 0x01, 0x00, 0x00, 0, 0, 0, 0, TID_BYTES),
	NOTSTUN("length not a multiple of 4", HDR(2), 0, 0),
	NOTSTUN("length field beyond datagram", HDR(8), 0x80, 0x22, 0, 0),
	NOTSTUN("length field short of datagram", HDR(4), 0x80, 0x22, 0, 0, 0x80, 0x22, 0, 0),
	NOTSTUN("length field 0xFFFC", HDR(0xFFFC), 0x80, 0x22, 0, 0),
	OK("header only", HDR(0)),

	/* ---- TLV framing ---- */
	BAD("value past end", 0x8022, HDR(8), 0x80, 0x22, 0, 8, 'a', 'b', 'c', 'd'),
	BAD("padding past end", 0x8022, HDR(8), 0x80, 0x22, 0, 5, 'a', 'b', 'c', 'd'),
	BAD("length 0xFFFF", 0x0013, HDR(8), 0x00, 0x13, 0xFF, 0xFF, 1, 2, 3, 4),
	BAD("second attribute past end", 0x0013, HDR(12), 0x80, 0x22, 0, 0, 0x00, 0x13, 0, 8, 1,
	    2, 3, 4),
	BAD("unknown type past end", 0x7777, HDR(8), 0x77, 0x77, 0, 5, 1, 2, 3, 4),

	/* ---- address attributes ---- */
	ADDR_CASES(STUN_ATTR_MAPPED_ADDRESS),
	ADDR_CASES(STUN_ATTR_XOR_MAPPED_ADDRESS),
	ADDR_CASES(STUN_ATTR_XOR_PEER_ADDRESS),
	ADDR_CASES(STUN_ATTR_XOR_RELAYED_ADDRESS),
	ADDR_CASES(STUN_ATTR_ALTERNATE_SERVER),
	ADDR_CASES(STUN_ATTR_RESPONSE_ORIGIN),
	ADDR_CASES(STUN_ATTR_OTHER_ADDRESS),

	/* ---- fixed sizes ---- */
	FIXED4_CASES(STUN_ATTR_LIFETIME),
	FIXED4_CASES(STUN_ATTR_REQUESTED_TRANSPORT),
	FIXED4_CASES(STUN_ATTR_CHANNEL_NUMBER),
	FIXED4_CASES(STUN_ATTR_REQUESTED_ADDRESS_FAMILY),
	FIXED4_CASES(STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY),
	FIXED4_CASES(STUN_ATTR_CHANGE_REQUEST),
	FIXED4_CASES(STUN_ATTR_RESPONSE_PORT),
	FIXED4_CASES(STUN_ATTR_PRIORITY),
	FIXED4_CASES(STUN_ATTR_FINGERPRINT),
	FIXED8_CASES(STUN_ATTR_ICMP),
	FIXED8_CASES(STUN_ATTR_RESERVATION_TOKEN),
	FIXED8_CASES(STUN_ATTR_ICE_CONTROLLED),
	FIXED8_CASES(STUN_ATTR_ICE_CONTROLLING),
	EMPTY_CASES(STUN_ATTR_DONT_FRAGMENT),
	EMPTY_CASES(STUN_ATTR_USE_CANDIDATE),
	OK("EVEN-PORT 1", HDR(8), 0x00, 0x18, 0, 1, 0x80, 0, 0, 0),
	BAD("EVEN-PORT 0", STUN_ATTR_EVEN_PORT, HDR(4), 0x00, 0x18, 0, 0),
	BAD("EVEN-PORT 2", STUN_ATTR_EVEN_PORT, HDR(8), 0x00, 0x18, 0, 2, 0x80, 0, 0, 0),
	BAD("EVEN-PORT 4", STUN_ATTR_EVEN_PORT, HDR(8), 0x00, 0x18, 0, 4, 0x80, 0, 0, 0),
	BAD("ADDRESS-ERROR-CODE 3", STUN_ATTR_ADDRESS_ERROR_CODE, HDR(8), 0x80, 0x01, 0, 3, 1, 0,
	    4, 0),
	OK("ADDRESS-ERROR-CODE 4", HDR(8), 0x80, 0x01, 0, 4, 1, 0, 4, 40),
	OK("ADDRESS-ERROR-CODE 9", HDR(16), 0x80, 0x01, 0, 9, 1, 0, 4, 40, 'r', 'e', 'a', 's',
	   'n', 0, 0, 0),

	/* ---- integrity and fingerprint ---- */
	OK("MESSAGE-INTEGRITY 20", HDR(24), 0x00, 0x08, 0, 20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
	   12, 13, 14, 15, 16, 17, 18, 19, 20),
	BAD("MESSAGE-INTEGRITY 19", STUN_ATTR_MESSAGE_INTEGRITY, HDR(24), 0x00, 0x08, 0, 19, 1, 2,
	    3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 0),
	BAD("MESSAGE-INTEGRITY 21", STUN_ATTR_MESSAGE_INTEGRITY, HDR(28), 0x00, 0x08, 0, 21, 1, 2,
	    3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 0, 0, 0),
	BAD("MESSAGE-INTEGRITY 0", STUN_ATTR_MESSAGE_INTEGRITY, HDR(4), 0x00, 0x08, 0, 0),
	OK("MESSAGE-INTEGRITY-SHA256 16", HDR(20), 0x00, 0x1C, 0, 16, 1, 2, 3, 4, 5, 6, 7, 8, 9,
	   10, 11, 12, 13, 14, 15, 16),
	OK("MESSAGE-INTEGRITY-SHA256 28", HDR(32), 0x00, 0x1C, 0, 28, 1, 2, 3, 4, 5, 6, 7, 8, 9,
	   10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28),
	BAD("MESSAGE-INTEGRITY-SHA256 12", STUN_ATTR_MESSAGE_INTEGRITY_SHA256, HDR(16), 0x00, 0x1C,
	    0, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12),
	BAD("MESSAGE-INTEGRITY-SHA256 18", STUN_ATTR_MESSAGE_INTEGRITY_SHA256, HDR(24), 0x00, 0x1C,
	    0, 18, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 0, 0),
	BAD("MESSAGE-INTEGRITY-SHA256 36", STUN_ATTR_MESSAGE_INTEGRITY_SHA256, HDR(40), 0x00, 0x1C,
	    0, 36, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
	    23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36),
	BAD("FINGERPRINT not last", STUN_ATTR_FINGERPRINT, HDR(12), 0x80, 0x28, 0, 4, 1, 2, 3, 4,
	    0x80, 0x22, 0, 0),
	BAD("FINGERPRINT before an ignored attribute", STUN_ATTR_FINGERPRINT, HDR(16), 0x80, 0x28,
	    0, 4, 1, 2, 3, 4, 0x77, 0x77, 0, 2, 0, 0, 0, 0),

	/* ---- text ---- */
	BAD("USERNAME 0", STUN_ATTR_USERNAME, HDR(4), 0x00, 0x06, 0, 0),
	OK("USERNAME 1", HDR(8), 0x00, 0x06, 0, 1, 'u', 0, 0, 0),
	OK("REALM 0", HDR(4), 0x00, 0x14, 0, 0),
	OK("NONCE 0", HDR(4), 0x00, 0x15, 0, 0),
	OK("SOFTWARE 0", HDR(4), 0x80, 0x22, 0, 0),

	/* ---- ERROR-CODE ---- */
	OK("ERROR-CODE 300", HDR(4 + 4), 0x00, 0x09, 0, 4, 0, 0, 3, 0),
	OK("ERROR-CODE 699 with reason", HDR(4 + 8), 0x00, 0x09, 0, 5, 0, 0, 6, 99, 'x', 0, 0, 0),
	OK("ERROR-CODE reserved bits ignored", HDR(8), 0x00, 0x09, 0, 4, 0xFF, 0xFF, 0xFC, 20),
	BAD("ERROR-CODE 3 bytes", STUN_ATTR_ERROR_CODE, HDR(8), 0x00, 0x09, 0, 3, 0, 0, 4, 0),
	BAD("ERROR-CODE class 2", STUN_ATTR_ERROR_CODE, HDR(8), 0x00, 0x09, 0, 4, 0, 0, 2, 0),
	BAD("ERROR-CODE class 7", STUN_ATTR_ERROR_CODE, HDR(8), 0x00, 0x09, 0, 4, 0, 0, 7, 0),
	BAD("ERROR-CODE class 0", STUN_ATTR_ERROR_CODE, HDR(8), 0x00, 0x09, 0, 4, 0, 0, 0, 0),
	BAD("ERROR-CODE number 100", STUN_ATTR_ERROR_CODE, HDR(8), 0x00, 0x09, 0, 4, 0, 0, 4, 100),
	BAD("ERROR-CODE number 255", STUN_ATTR_ERROR_CODE, HDR(8), 0x00, 0x09, 0, 4, 0, 0, 4, 255),

	/* ---- lists ---- */
	OK("UNKNOWN-ATTRIBUTES 0", HDR(4), 0x00, 0x0A, 0, 0),
	OK("UNKNOWN-ATTRIBUTES 2", HDR(8), 0x00, 0x0A, 0, 2, 0x77, 0x77, 0, 0),
	OK("UNKNOWN-ATTRIBUTES 4", HDR(8), 0x00, 0x0A, 0, 4, 0x77, 0x77, 0x77, 0x78),
	BAD("UNKNOWN-ATTRIBUTES 3", STUN_ATTR_UNKNOWN_ATTRIBUTES, HDR(8), 0x00, 0x0A, 0, 3, 0x77,
	    0x77, 0x77, 0),
	BAD("USERHASH 31", STUN_ATTR_USERHASH, HDR(36), 0x00, 0x1E, 0, 31, 1, 2, 3, 4, 5, 6, 7, 8,
	    9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
	    31, 0),
	BAD("USERHASH 0", STUN_ATTR_USERHASH, HDR(4), 0x00, 0x1E, 0, 0),

	/* PASSWORD-ALGORITHM: algorithm, parameter length, parameters. */
	OK("PASSWORD-ALGORITHM SHA-256", HDR(8), 0x00, 0x1D, 0, 4, 0, 2, 0, 0),
	OK("PASSWORD-ALGORITHM params unpadded", HDR(12), 0x00, 0x1D, 0, 6, 0, 9, 0, 2, 0xAA, 0xBB,
	   0, 0),
	OK("PASSWORD-ALGORITHM params padded", HDR(12), 0x00, 0x1D, 0, 8, 0, 9, 0, 2, 0xAA, 0xBB, 0,
	   0),
	BAD("PASSWORD-ALGORITHM 3", STUN_ATTR_PASSWORD_ALGORITHM, HDR(8), 0x00, 0x1D, 0, 3, 0, 2,
	    0, 0),
	BAD("PASSWORD-ALGORITHM 0", STUN_ATTR_PASSWORD_ALGORITHM, HDR(4), 0x00, 0x1D, 0, 0),
	BAD("PASSWORD-ALGORITHM params past value", STUN_ATTR_PASSWORD_ALGORITHM, HDR(8), 0x00,
	    0x1D, 0, 4, 0, 2, 0, 4),
	BAD("PASSWORD-ALGORITHM value longer than params", STUN_ATTR_PASSWORD_ALGORITHM, HDR(12),
	    0x00, 0x1D, 0, 8, 0, 2, 0, 0, 0, 0, 0, 0),
	OK("PASSWORD-ALGORITHMS two", HDR(12), 0x80, 0x02, 0, 8, 0, 2, 0, 0, 0, 1, 0, 0),
	OK("PASSWORD-ALGORITHMS padded params", HDR(16), 0x80, 0x02, 0, 12, 0, 9, 0, 1, 0xAA, 0, 0,
	   0, 0, 2, 0, 0),
	OK("PASSWORD-ALGORITHMS last params unpadded", HDR(16), 0x80, 0x02, 0, 9, 0, 2, 0, 0, 0, 9,
	   0, 1, 0xAA, 0, 0, 0),
	BAD("PASSWORD-ALGORITHMS 0", STUN_ATTR_PASSWORD_ALGORITHMS, HDR(4), 0x80, 0x02, 0, 0),
	BAD("PASSWORD-ALGORITHMS 2", STUN_ATTR_PASSWORD_ALGORITHMS, HDR(8), 0x80, 0x02, 0, 2, 0, 2,
	    0, 0),
	BAD("PASSWORD-ALGORITHMS params past value", STUN_ATTR_PASSWORD_ALGORITHMS, HDR(12), 0x80,
	    0x02, 0, 6, 0, 9, 0, 4, 0xAA, 0xBB, 0, 0),
	BAD("PASSWORD-ALGORITHMS trailing half entry", STUN_ATTR_PASSWORD_ALGORITHMS, HDR(12), 0x80,
	    0x02, 0, 6, 0, 2, 0, 0, 0, 1, 0, 0),
	BAD("PASSWORD-ALGORITHMS inner padding missing", STUN_ATTR_PASSWORD_ALGORITHMS, HDR(12),
	    0x80, 0x02, 0, 7, 0, 9, 0, 1, 0xAA, 0, 2, 0),

	/* ---- anything goes ---- */
	OK("DATA 0", HDR(4), 0x00, 0x13, 0, 0),
	OK("DATA 3", HDR(8), 0x00, 0x13, 0, 3, 1, 2, 3, 0),
	OK("PADDING 5", HDR(12), 0x00, 0x26, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0),
	OK("unknown optional, any length", HDR(8), 0xC0, 0x01, 0, 1, 0, 0, 0, 0),
	OK("unknown required, any length", HDR(8), 0x7F, 0xFF, 0, 3, 0, 0, 0, 0),
};

static void
test_fixtures(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct parse_case *c = &cases[i];
		struct stun_msg m;
		/* Exactly-sized heap copy so ASan sees any over-read. */
		uint8_t *buf = malloc(c->len);
		assert_non_null(buf);
		memcpy(buf, c->in, c->len);
		memset(&m, 0xA5, sizeof(m));
		int rc = stun_parse(&m, buf, c->len);
		if (rc != c->rc || m.bad_attr != c->bad_attr)
			fail_msg("%s: rc %d bad_attr 0x%04x, want %d 0x%04x", c->name, rc,
				 m.bad_attr, c->rc, c->bad_attr);
		if (rc == -EBADMSG || rc == 0) {
			/* Enough to answer with 400. */
			assert_int_equal(m.method, STUN_METHOD_BINDING);
			assert_int_equal(m.cls, STUN_CLASS_REQUEST);
			assert_ptr_equal(m.tid, buf + 8);
			assert_int_equal(m.len, c->len);
		}
		free(buf);
	}
}

/* Lengths at the top of each text-like range, built at run time. */
struct long_case {
	uint16_t type;
	uint16_t len;
	int rc;
};

static const struct long_case long_cases[] = {
	{ STUN_ATTR_USERNAME, 513, 0 },
	{ STUN_ATTR_USERNAME, 514, -EBADMSG },
	{ STUN_ATTR_REALM, 763, 0 },
	{ STUN_ATTR_REALM, 764, -EBADMSG },
	{ STUN_ATTR_NONCE, 763, 0 },
	{ STUN_ATTR_NONCE, 764, -EBADMSG },
	{ STUN_ATTR_SOFTWARE, 763, 0 },
	{ STUN_ATTR_SOFTWARE, 764, -EBADMSG },
	{ STUN_ATTR_ALTERNATE_DOMAIN, 763, 0 },
	{ STUN_ATTR_ALTERNATE_DOMAIN, 764, -EBADMSG },
	{ STUN_ATTR_ERROR_CODE, 767, 0 },
	{ STUN_ATTR_ERROR_CODE, 768, -EBADMSG },
	{ STUN_ATTR_ADDRESS_ERROR_CODE, 1000, 0 },
	{ STUN_ATTR_UNKNOWN_ATTRIBUTES, 1000, 0 },
	{ STUN_ATTR_DATA, STUN_MAX_MSG_LEN - 24, 0 },
	{ STUN_ATTR_PADDING, STUN_MAX_MSG_LEN - 24, 0 },
};

static size_t
make_msg(uint8_t *buf, uint16_t type, uint16_t alen, uint8_t fill)
{
	static const uint8_t hdr[20] = { HDR(0) };
	size_t padded = (alen + 3u) & ~3u;

	memcpy(buf, hdr, 20);
	buf[2] = (uint8_t)((4 + padded) >> 8);
	buf[3] = (uint8_t)(4 + padded);
	buf[20] = (uint8_t)(type >> 8);
	buf[21] = (uint8_t)type;
	buf[22] = (uint8_t)(alen >> 8);
	buf[23] = (uint8_t)alen;
	memset(buf + 24, fill, padded);
	return 24 + padded;
}

static void
test_long_values(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(long_cases); i++) {
		const struct long_case *c = &long_cases[i];
		uint8_t *buf = malloc(24 + c->len + 3);
		struct stun_msg m;
		assert_non_null(buf);
		size_t len = make_msg(buf, c->type, c->len, 'a');
		if (c->type == STUN_ATTR_ERROR_CODE) {
			buf[24] = buf[25] = 0;
			buf[26] = 4;
			buf[27] = 0;
		}
		int rc = stun_parse(&m, buf, len);
		if (rc != c->rc)
			fail_msg("case %zu type 0x%04x len %u: rc %d, want %d", i, c->type, c->len,
				 rc, c->rc);
		assert_int_equal(m.bad_attr, rc == 0 ? 0 : c->type);
		free(buf);
	}
}

static void
test_size_limits(void **state)
{
	(void)state;
	static uint8_t buf[2048];
	struct stun_msg m;

	/* The largest accepted message, then one word more. */
	size_t len = make_msg(buf, STUN_ATTR_DATA, STUN_MAX_MSG_LEN - 24, 0);
	assert_int_equal(len, STUN_MAX_MSG_LEN);
	assert_int_equal(stun_parse(&m, buf, len), 0);
	len = make_msg(buf, STUN_ATTR_DATA, STUN_MAX_MSG_LEN - 20, 0);
	assert_int_equal(stun_parse(&m, buf, len), -EINVAL);
	assert_true(stun_is_stun(buf, len)); /* the demux test has no size cap */

	assert_int_equal(stun_parse(&m, buf, 0), -EINVAL);
	assert_int_equal(stun_parse(&m, NULL, 0), -EINVAL);
	assert_int_equal(stun_parse(&m, NULL, 20), -EINVAL);
	/* After -EINVAL the accessors see an empty message. */
	uint32_t v;
	assert_int_equal(stun_msg_get_u32(&m, STUN_SLOT_LIFETIME, &v), -ENOENT);
	assert_null(stun_msg_attr(&m, STUN_SLOT_USERNAME));
	assert_int_equal(m.n_peer, 0);
	assert_int_equal(m.n_unknown, 0);
}

static void
test_is_stun(void **state)
{
	(void)state;
	uint8_t b[24] = { HDR(4), 0x80, 0x22, 0, 0 };

	assert_true(stun_is_stun(b, 24));
	assert_false(stun_is_stun(b, 23));
	assert_false(stun_is_stun(b, 28));
	assert_false(stun_is_stun(b, 19));
	assert_false(stun_is_stun(b, 0));
	b[0] = 0x40; /* ChannelData range */
	assert_false(stun_is_stun(b, 24));
	b[0] = 0x03; /* top bits 00: still STUN (RFC 7983: 0..3) */
	assert_true(stun_is_stun(b, 24));
	b[0] = 0;
	b[7] ^= 1;
	assert_false(stun_is_stun(b, 24));
	b[7] ^= 1;
	b[3] = 5;
	assert_false(stun_is_stun(b, 25));
}

/* An Allocate request carrying most TURN attributes, laid out by hand. */
static const uint8_t allocate_req[] = {
	0x00, 0x03, 0x00, 0x8c, 0x21, 0x12, 0xA4, 0x42, TID_BYTES,
	/* 20 */ 0x00, 0x19, 0x00, 0x04, 0x11, 0x00, 0x00, 0x00, /* REQUESTED-TRANSPORT UDP */
	/* 28 */ 0x00, 0x0D, 0x00, 0x04, 0x00, 0x00, 0x02, 0x58, /* LIFETIME 600 */
	/* 36 */ 0x00, 0x06, 0x00, 0x05, 'a', 'l', 'i', 'c', 'e', 0, 0, 0, /* USERNAME */
	/* 48 */ 0x00, 0x14, 0x00, 0x02, 'e', 'x', 0, 0, /* REALM */
	/* 56 */ 0x00, 0x15, 0x00, 0x01, 'n', 0, 0, 0, /* NONCE */
	/* 64 */ 0x00, 0x18, 0x00, 0x01, 0x80, 0, 0, 0, /* EVEN-PORT R */
	/* 72 */ 0x00, 0x1A, 0x00, 0x00, /* DONT-FRAGMENT */
	/* 76 */ 0x00, 0x17, 0x00, 0x04, 0x01, 0, 0, 0, /* REQUESTED-ADDRESS-FAMILY v4 */
	/* 84 */ 0x00, 0x12, 0x00, 0x08, 0x00, 0x01, 0x21, 0x13, 0xe1, 0x12, 0xa6, 0x43,
	/* 96 */ 0x00, 0x12, 0x00, 0x08, 0x00, 0x01, 0x21, 0x10, 0xe1, 0x12, 0xa6, 0x42,
	/* 108 */ 0x77, 0x77, 0x00, 0x02, 0x01, 0x02, 0, 0, /* unknown, required */
	/* 116 */ 0xC0, 0x01, 0x00, 0x00, /* unknown, optional */
	/* 120 */ 0x80, 0x22, 0x00, 0x01, 't', 0, 0, 0, /* SOFTWARE */
	/* 128 */ 0x00, 0x08, 0x00, 0x14, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, /* MESSAGE-INTEGRITY (value not checked here) */
	/* 152 */ 0x80, 0x28, 0x00, 0x04, 0xde, 0xad, 0xbe, 0xef, /* FINGERPRINT */
};

static void
check_attr(const struct stun_msg *m, enum stun_attr_slot slot, uint16_t type, uint16_t len,
	   uint16_t off)
{
	const struct stun_attr *a = stun_msg_attr(m, slot);
	assert_non_null(a);
	assert_int_equal(a->type, type);
	assert_int_equal(a->len, len);
	assert_int_equal(a->off, off);
}

static void
test_allocate(void **state)
{
	(void)state;
	struct stun_msg m;
	struct stun_addr a;
	uint32_t v;

	assert_int_equal(sizeof(allocate_req), 160);
	assert_int_equal(stun_parse(&m, allocate_req, sizeof(allocate_req)), 0);
	assert_int_equal(m.type, 0x0003);
	assert_int_equal(m.method, TURN_METHOD_ALLOCATE);
	assert_int_equal(m.cls, STUN_CLASS_REQUEST);
	assert_int_equal(m.len, 160);

	check_attr(&m, STUN_SLOT_REQUESTED_TRANSPORT, STUN_ATTR_REQUESTED_TRANSPORT, 4, 24);
	check_attr(&m, STUN_SLOT_LIFETIME, STUN_ATTR_LIFETIME, 4, 32);
	check_attr(&m, STUN_SLOT_USERNAME, STUN_ATTR_USERNAME, 5, 40);
	check_attr(&m, STUN_SLOT_REALM, STUN_ATTR_REALM, 2, 52);
	check_attr(&m, STUN_SLOT_NONCE, STUN_ATTR_NONCE, 1, 60);
	check_attr(&m, STUN_SLOT_EVEN_PORT, STUN_ATTR_EVEN_PORT, 1, 68);
	check_attr(&m, STUN_SLOT_DONT_FRAGMENT, STUN_ATTR_DONT_FRAGMENT, 0, 76);
	check_attr(&m, STUN_SLOT_REQUESTED_ADDRESS_FAMILY, STUN_ATTR_REQUESTED_ADDRESS_FAMILY, 4,
		   80);
	check_attr(&m, STUN_SLOT_SOFTWARE, STUN_ATTR_SOFTWARE, 1, 124);
	check_attr(&m, STUN_SLOT_MESSAGE_INTEGRITY, STUN_ATTR_MESSAGE_INTEGRITY, 20, 132);
	check_attr(&m, STUN_SLOT_FINGERPRINT, STUN_ATTR_FINGERPRINT, 4, 156);
	assert_int_equal(m.mi_hdr_off, 128);
	assert_int_equal(m.mi256_hdr_off, 0);
	assert_int_equal(m.fp_hdr_off, 152);
	assert_null(stun_msg_attr(&m, STUN_SLOT_DATA));
	assert_null(stun_msg_attr(&m, STUN_SLOT_MESSAGE_INTEGRITY_SHA256));

	assert_memory_equal(stun_attr_value(&m, stun_msg_attr(&m, STUN_SLOT_USERNAME)), "alice", 5);

	assert_int_equal(stun_msg_get_u32(&m, STUN_SLOT_LIFETIME, &v), 0);
	assert_int_equal(v, 600);
	assert_int_equal(stun_msg_get_u32(&m, STUN_SLOT_REQUESTED_TRANSPORT, &v), 0);
	assert_int_equal(v >> 24, TURN_TRANSPORT_UDP);
	assert_int_equal(stun_msg_get_u32(&m, STUN_SLOT_EVEN_PORT, &v), -EBADMSG);
	assert_int_equal(stun_msg_get_u32(&m, STUN_SLOT_CHANNEL_NUMBER, &v), -ENOENT);
	assert_int_equal(stun_msg_get_u32(&m, STUN_SLOT_COUNT, &v), -EINVAL);
	assert_int_equal(stun_msg_get_u32(&m, (enum stun_attr_slot)-1, &v), -EINVAL);

	assert_int_equal(m.n_peer, 2);
	assert_int_equal(m.n_peer_dropped, 0);
	assert_int_equal(stun_msg_get_peer(&m, 0, &a), 0);
	char s[STUN_ADDR_STRLEN];
	stun_addr_format(&a, s, sizeof(s));
	assert_string_equal(s, "192.0.2.1:1");
	assert_int_equal(stun_msg_get_peer(&m, 1, &a), 0);
	stun_addr_format(&a, s, sizeof(s));
	assert_string_equal(s, "192.0.2.0:2");
	assert_int_equal(stun_msg_get_peer(&m, 2, &a), -ENOENT);

	/* Only the comprehension-required unknown type is reported. */
	assert_int_equal(m.n_unknown, 1);
	assert_int_equal(m.unknown[0], 0x7777);

	assert_int_equal(stun_msg_get_addr(&m, STUN_SLOT_XOR_RELAYED_ADDRESS, &a), -ENOENT);
	assert_int_equal(stun_msg_get_addr(&m, STUN_SLOT_USERNAME, &a), -EINVAL);
	uint16_t code;
	assert_int_equal(stun_msg_get_error(&m, &code, NULL, NULL), -ENOENT);
}

/* Every truncation of a valid message is rejected as "not STUN" (the
 * length field no longer matches) and never read past the end. */
static void
test_truncations(void **state)
{
	(void)state;
	for (size_t n = 0; n < sizeof(allocate_req); n++) {
		uint8_t *buf = malloc(n ? n : 1);
		struct stun_msg m;
		assert_non_null(buf);
		memcpy(buf, allocate_req, n);
		assert_int_equal(stun_parse(&m, buf, n), -EINVAL);
		free(buf);
	}
}

/* Same message with its length field and datagram cut at every
 * attribute boundary: each prefix is a valid message. */
static void
test_prefixes(void **state)
{
	(void)state;
	static const size_t bounds[] = { 20, 28, 36, 48, 56, 64, 72,
					 76, 84, 96, 108, 116, 120, 128 };
	for (size_t i = 0; i < ARRAY_SIZE(bounds); i++) {
		uint8_t buf[160];
		struct stun_msg m;
		memcpy(buf, allocate_req, bounds[i]);
		buf[2] = 0;
		buf[3] = (uint8_t)(bounds[i] - 20);
		assert_int_equal(stun_parse(&m, buf, bounds[i]), 0);
		assert_int_equal(m.mi_hdr_off, 0);
		assert_int_equal(m.fp_hdr_off, 0);
	}
}

static void
test_error_code(void **state)
{
	(void)state;
	static const uint8_t msg[] = { 0x01, 0x11, 0x00, 0x14, 0x21, 0x12, 0xA4, 0x42, TID_BYTES,
				       0x00, 0x09, 0x00, 0x0f, 0x00, 0x00, 0x04, 0x26,
				       'S', 't', 'a', 'l', 'e', ' ', 'N', 'o', 'n', 'c', 'e', 0 };
	struct stun_msg m;
	uint16_t code;
	const char *reason;
	size_t rlen;

	assert_int_equal(stun_parse(&m, msg, sizeof(msg)), 0);
	assert_int_equal(m.method, STUN_METHOD_BINDING);
	assert_int_equal(m.cls, STUN_CLASS_ERROR);
	assert_int_equal(stun_msg_get_error(&m, &code, &reason, &rlen), 0);
	assert_int_equal(code, 438);
	assert_int_equal(rlen, 11);
	assert_memory_equal(reason, "Stale Nonce", 11);
}

static void
test_addresses(void **state)
{
	(void)state;
	/* One of each address attribute, all 192.0.2.1:32853 (XOR-ed where
	 * the type says so, with the RFC 5769 cookie-only mask for IPv4). */
	static const uint8_t msg[] = {
		0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xA4, 0x42, TID_BYTES,
		0x00, 0x01, 0x00, 0x08, 0x00, 0x01, 0x80, 0x55, 0xc0, 0x00, 0x02, 0x01,
		0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
		0x00, 0x16, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
		0x80, 0x23, 0x00, 0x08, 0x00, 0x01, 0x80, 0x55, 0xc0, 0x00, 0x02, 0x01,
		0x80, 0x2B, 0x00, 0x08, 0x00, 0x01, 0x80, 0x55, 0xc0, 0x00, 0x02, 0x01,
		0x80, 0x2C, 0x00, 0x08, 0x00, 0x01, 0x80, 0x55, 0xc0, 0x00, 0x02, 0x01,
	};
	static const enum stun_attr_slot slots[] = {
		STUN_SLOT_MAPPED_ADDRESS, STUN_SLOT_XOR_MAPPED_ADDRESS,
		STUN_SLOT_XOR_RELAYED_ADDRESS, STUN_SLOT_ALTERNATE_SERVER,
		STUN_SLOT_RESPONSE_ORIGIN, STUN_SLOT_OTHER_ADDRESS,
	};
	struct stun_msg m;
	struct stun_addr want, a;

	stun_addr_from_string(&want, "192.0.2.1:32853", 0);
	assert_int_equal(stun_parse(&m, msg, sizeof(msg)), 0);
	for (size_t i = 0; i < ARRAY_SIZE(slots); i++) {
		memset(&a, 0, sizeof(a));
		assert_int_equal(stun_msg_get_addr(&m, slots[i], &a), 0);
		assert_true(stun_addr_equal(&a, &want));
	}
}

/* RFC 8489 14.5-14.7: what follows the integrity attributes. */
static void
test_after_integrity(void **state)
{
	(void)state;
	struct stun_msg m;
	static const uint8_t after_mi[] = {
		HDR(64),
		0x00, 0x08, 0x00, 0x14, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
		11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
		/* ignored: malformed USERNAME, unknown required type, second MI */
		0x00, 0x06, 0x00, 0x00,
		0x77, 0x77, 0x00, 0x00,
		0x00, 0x08, 0x00, 0x00,
		/* processed: MI-SHA256 (16) */
		0x00, 0x1C, 0x00, 0x10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		/* processed: FINGERPRINT */
		0x80, 0x28, 0x00, 0x04, 1, 2, 3, 4,
	};
	assert_int_equal(stun_parse(&m, after_mi, sizeof(after_mi)), 0);
	assert_int_equal(m.mi_hdr_off, 20);
	assert_int_equal(m.mi256_hdr_off, 56);
	assert_int_equal(m.fp_hdr_off, 76);
	assert_null(stun_msg_attr(&m, STUN_SLOT_USERNAME));
	assert_int_equal(m.n_unknown, 0);
	check_attr(&m, STUN_SLOT_MESSAGE_INTEGRITY, STUN_ATTR_MESSAGE_INTEGRITY, 20, 24);

	/* After MI-SHA256, even MI is ignored; a bad MI-SHA256 after MI is
	 * still an error since it is processed. */
	static const uint8_t after_mi256[] = {
		HDR(32),
		0x00, 0x1C, 0x00, 0x10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		0x00, 0x08, 0x00, 0x00,
		0x00, 0x1C, 0x00, 0x00,
		0x00, 0x13, 0x00, 0x00,
	};
	assert_int_equal(stun_parse(&m, after_mi256, sizeof(after_mi256)), 0);
	assert_int_equal(m.mi_hdr_off, 0);
	assert_int_equal(m.mi256_hdr_off, 20);
	assert_null(stun_msg_attr(&m, STUN_SLOT_DATA));

	static const uint8_t bad_mi256_after_mi[] = {
		HDR(28),
		0x00, 0x08, 0x00, 0x14, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
		11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
		0x00, 0x1C, 0x00, 0x00,
	};
	assert_int_equal(stun_parse(&m, bad_mi256_after_mi, sizeof(bad_mi256_after_mi)), -EBADMSG);
	assert_int_equal(m.bad_attr, STUN_ATTR_MESSAGE_INTEGRITY_SHA256);

	/* A bad FINGERPRINT after MI is processed too. */
	static const uint8_t bad_fp_after_mi[] = {
		HDR(28),
		0x00, 0x08, 0x00, 0x14, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
		11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
		0x80, 0x28, 0x00, 0x00,
	};
	assert_int_equal(stun_parse(&m, bad_fp_after_mi, sizeof(bad_fp_after_mi)), -EBADMSG);
	assert_int_equal(m.bad_attr, STUN_ATTR_FINGERPRINT);

	/* TLV framing is checked even for ignored attributes: otherwise
	 * FINGERPRINT could not be found. */
	static const uint8_t bad_frame_after_mi[] = {
		HDR(28),
		0x00, 0x08, 0x00, 0x14, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
		11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
		0x00, 0x06, 0x00, 0x08,
	};
	assert_int_equal(stun_parse(&m, bad_frame_after_mi, sizeof(bad_frame_after_mi)),
			 -EBADMSG);
	assert_int_equal(m.bad_attr, STUN_ATTR_USERNAME);
}

static void
test_duplicates_and_limits(void **state)
{
	(void)state;
	uint8_t buf[512];
	static const uint8_t hdr[20] = { HDR(0) };
	size_t len = 20;
	struct stun_msg m;

	memcpy(buf, hdr, 20);
	/* Two USERNAMEs: the first wins. */
	static const uint8_t u1[] = { 0x00, 0x06, 0x00, 0x01, 'a', 0, 0, 0 };
	static const uint8_t u2[] = { 0x00, 0x06, 0x00, 0x02, 'b', 'c', 0, 0 };
	memcpy(buf + len, u1, 8);
	len += 8;
	memcpy(buf + len, u2, 8);
	len += 8;
	/* Ten XOR-PEER-ADDRESS: eight kept, two counted. */
	for (int i = 0; i < 10; i++) {
		const uint8_t p[] = { 0x00, 0x12, 0x00, 0x08, 0x00, 0x01, 0x21, 0x12,
				      0xe1, 0x12, 0xa6, (uint8_t)(0x42 ^ i) };
		memcpy(buf + len, p, sizeof(p));
		len += sizeof(p);
	}
	/* Twelve unknown required types, one repeated: eight kept, no
	 * duplicates. */
	for (int i = 0; i < 12; i++) {
		uint16_t t = (uint16_t)(0x7000 + (i == 1 ? 0 : i));
		const uint8_t u[] = { (uint8_t)(t >> 8), (uint8_t)t, 0, 0 };
		memcpy(buf + len, u, 4);
		len += 4;
	}
	buf[2] = (uint8_t)((len - 20) >> 8);
	buf[3] = (uint8_t)(len - 20);

	assert_int_equal(stun_parse(&m, buf, len), 0);
	check_attr(&m, STUN_SLOT_USERNAME, STUN_ATTR_USERNAME, 1, 24);
	assert_int_equal(m.n_peer, STUN_MAX_PEER_ADDRS);
	assert_int_equal(m.n_peer_dropped, 2);
	for (unsigned int i = 0; i < m.n_peer; i++) {
		struct stun_addr a;
		assert_int_equal(stun_msg_get_peer(&m, i, &a), 0);
		assert_int_equal(a.ip[3], i);
		assert_int_equal(a.port, 0);
	}
	assert_int_equal(m.n_unknown, STUN_MAX_UNKNOWN);
	static const uint16_t want_unknown[] = { 0x7000, 0x7002, 0x7003, 0x7004,
						 0x7005, 0x7006, 0x7007, 0x7008 };
	assert_memory_equal(m.unknown, want_unknown, sizeof(want_unknown));
}

/* The slot map: every known type has its own slot, everything else -1. */
static void
test_attr_slot(void **state)
{
	(void)state;
	static const struct {
		uint16_t type;
		int slot;
	} known[] = {
		{ STUN_ATTR_MAPPED_ADDRESS, STUN_SLOT_MAPPED_ADDRESS },
		{ STUN_ATTR_CHANGE_REQUEST, STUN_SLOT_CHANGE_REQUEST },
		{ STUN_ATTR_USERNAME, STUN_SLOT_USERNAME },
		{ STUN_ATTR_MESSAGE_INTEGRITY, STUN_SLOT_MESSAGE_INTEGRITY },
		{ STUN_ATTR_ERROR_CODE, STUN_SLOT_ERROR_CODE },
		{ STUN_ATTR_UNKNOWN_ATTRIBUTES, STUN_SLOT_UNKNOWN_ATTRIBUTES },
		{ STUN_ATTR_CHANNEL_NUMBER, STUN_SLOT_CHANNEL_NUMBER },
		{ STUN_ATTR_LIFETIME, STUN_SLOT_LIFETIME },
		{ STUN_ATTR_DATA, STUN_SLOT_DATA },
		{ STUN_ATTR_REALM, STUN_SLOT_REALM },
		{ STUN_ATTR_NONCE, STUN_SLOT_NONCE },
		{ STUN_ATTR_XOR_RELAYED_ADDRESS, STUN_SLOT_XOR_RELAYED_ADDRESS },
		{ STUN_ATTR_REQUESTED_ADDRESS_FAMILY, STUN_SLOT_REQUESTED_ADDRESS_FAMILY },
		{ STUN_ATTR_EVEN_PORT, STUN_SLOT_EVEN_PORT },
		{ STUN_ATTR_REQUESTED_TRANSPORT, STUN_SLOT_REQUESTED_TRANSPORT },
		{ STUN_ATTR_DONT_FRAGMENT, STUN_SLOT_DONT_FRAGMENT },
		{ STUN_ATTR_MESSAGE_INTEGRITY_SHA256, STUN_SLOT_MESSAGE_INTEGRITY_SHA256 },
		{ STUN_ATTR_PASSWORD_ALGORITHM, STUN_SLOT_PASSWORD_ALGORITHM },
		{ STUN_ATTR_USERHASH, STUN_SLOT_USERHASH },
		{ STUN_ATTR_XOR_MAPPED_ADDRESS, STUN_SLOT_XOR_MAPPED_ADDRESS },
		{ STUN_ATTR_RESERVATION_TOKEN, STUN_SLOT_RESERVATION_TOKEN },
		{ STUN_ATTR_PRIORITY, STUN_SLOT_PRIORITY },
		{ STUN_ATTR_USE_CANDIDATE, STUN_SLOT_USE_CANDIDATE },
		{ STUN_ATTR_PADDING, STUN_SLOT_PADDING },
		{ STUN_ATTR_RESPONSE_PORT, STUN_SLOT_RESPONSE_PORT },
		{ STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY, STUN_SLOT_ADDITIONAL_ADDRESS_FAMILY },
		{ STUN_ATTR_ADDRESS_ERROR_CODE, STUN_SLOT_ADDRESS_ERROR_CODE },
		{ STUN_ATTR_PASSWORD_ALGORITHMS, STUN_SLOT_PASSWORD_ALGORITHMS },
		{ STUN_ATTR_ALTERNATE_DOMAIN, STUN_SLOT_ALTERNATE_DOMAIN },
		{ STUN_ATTR_ICMP, STUN_SLOT_ICMP },
		{ STUN_ATTR_SOFTWARE, STUN_SLOT_SOFTWARE },
		{ STUN_ATTR_ALTERNATE_SERVER, STUN_SLOT_ALTERNATE_SERVER },
		{ STUN_ATTR_FINGERPRINT, STUN_SLOT_FINGERPRINT },
		{ STUN_ATTR_ICE_CONTROLLED, STUN_SLOT_ICE_CONTROLLED },
		{ STUN_ATTR_ICE_CONTROLLING, STUN_SLOT_ICE_CONTROLLING },
		{ STUN_ATTR_RESPONSE_ORIGIN, STUN_SLOT_RESPONSE_ORIGIN },
		{ STUN_ATTR_OTHER_ADDRESS, STUN_SLOT_OTHER_ADDRESS },
	};
	unsigned int seen[STUN_SLOT_COUNT] = { 0 };

	assert_int_equal(ARRAY_SIZE(known), STUN_SLOT_COUNT);
	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		assert_int_equal(stun_attr_slot(known[i].type), known[i].slot);
	/* XOR-PEER-ADDRESS repeats and lives in peer[], not in a slot. */
	assert_int_equal(stun_attr_slot(STUN_ATTR_XOR_PEER_ADDRESS), -1);
	for (uint32_t t = 0; t <= 0xFFFF; t++) {
		int s = stun_attr_slot((uint16_t)t);
		if (s < 0)
			continue;
		assert_true(s < STUN_SLOT_COUNT);
		seen[s]++;
	}
	for (size_t i = 0; i < STUN_SLOT_COUNT; i++)
		assert_int_equal(seen[i], 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_long_values),
		cmocka_unit_test(test_size_limits),
		cmocka_unit_test(test_is_stun),
		cmocka_unit_test(test_allocate),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_error_code),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_after_integrity),
		cmocka_unit_test(test_duplicates_and_limits),
		cmocka_unit_test(test_attr_slot),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

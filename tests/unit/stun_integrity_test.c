/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CRC-32 against the bitwise definition at every length and alignment,
 * HMAC-SHA1/SHA256 against RFC 2202 / RFC 4231 and OpenSSL's HMAC(), and
 * MESSAGE-INTEGRITY(-SHA256) / FINGERPRINT through build -> parse ->
 * verify, including the length rules of RFC 8489 14.5-14.7.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "stun_integrity.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const uint8_t tid[12] = { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0xff, 0xfe };

/* The definition, one bit at a time. */
static uint32_t
crc32_bitwise(const uint8_t *p, size_t len)
{
	uint32_t c = 0xFFFFFFFFu;

	for (size_t i = 0; i < len; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
	}
	return ~c;
}

/* Deterministic filler so a failure reproduces. */
static void
fill(uint8_t *p, size_t len, uint32_t seed)
{
	for (size_t i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

static void
test_crc_known(void **state)
{
	(void)state;
	assert_int_equal(stun_crc32((const uint8_t *)"123456789", 9), 0xCBF43926u);
	assert_int_equal(stun_crc32((const uint8_t *)"", 0), 0);
	static const uint8_t zeros32[32] = { 0 };
	assert_int_equal(stun_crc32(zeros32, 32), 0x190A55ADu);
	uint8_t ones[32];
	memset(ones, 0xFF, sizeof(ones));
	assert_int_equal(stun_crc32(ones, 32), 0xFF6CAB0Bu);
	static const char *fox = "The quick brown fox jumps over the lazy dog";
	assert_int_equal(stun_crc32((const uint8_t *)fox, strlen(fox)), 0x414FA339u);
}

static void
test_crc_lengths(void **state)
{
	(void)state;
	static uint8_t data[2048 + 16];
	fill(data, sizeof(data), 1);
	/* Every length to 2 KiB: exercises each fold path and every
	 * remainder modulo 16 and 64. */
	for (size_t len = 0; len <= 2048; len++)
		if (stun_crc32(data, len) != crc32_bitwise(data, len))
			fail_msg("length %zu", len);
	/* Every alignment for the short lengths STUN uses. */
	for (size_t off = 1; off < 16; off++)
		for (size_t len = 0; len <= 300; len++)
			if (stun_crc32(data + off, len) != crc32_bitwise(data + off, len))
				fail_msg("offset %zu length %zu", off, len);
	/* A heap buffer of exactly the length, so ASan flags any
	 * over-read by the 16-byte loads. */
	for (size_t len = 1; len <= 100; len++) {
		uint8_t *p = malloc(len);
		assert_non_null(p);
		memcpy(p, data, len);
		assert_int_equal(stun_crc32(p, len), crc32_bitwise(p, len));
		free(p);
	}
}

static void
hex_eq(const uint8_t *got, const char *hex, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned int b;
		sscanf(hex + 2 * i, "%2x", &b);
		if (got[i] != b)
			fail_msg("byte %zu: %02x, want %02x (%s)", i, got[i], b, hex);
	}
}

static void
test_hmac_vectors(void **state)
{
	(void)state;
	struct stun_hmac_key k;
	uint8_t key[20], out[32];

	/* RFC 2202 test 1 and RFC 4231 test 1. */
	memset(key, 0x0b, 20);
	assert_int_equal(stun_hmac_key_init(&k, key, 20), 0);
	stun_hmac_sha1(&k, (const uint8_t *)"Hi There", 8, out);
	hex_eq(out, "b617318655057264e28bc0b6fb378c8ef146be00", 20);
	stun_hmac_sha256(&k, (const uint8_t *)"Hi There", 8, out);
	hex_eq(out, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", 32);

	/* RFC 2202 test 2 and RFC 4231 test 2. */
	const char *msg = "what do ya want for nothing?";
	assert_int_equal(stun_hmac_key_init(&k, (const uint8_t *)"Jefe", 4), 0);
	stun_hmac_sha1(&k, (const uint8_t *)msg, strlen(msg), out);
	hex_eq(out, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79", 20);
	stun_hmac_sha256(&k, (const uint8_t *)msg, strlen(msg), out);
	hex_eq(out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", 32);
}

static void
test_hmac_vs_openssl(void **state)
{
	(void)state;
	uint8_t key[64], msg[300], out[32], ref[32];
	unsigned int rlen;
	struct stun_hmac_key k;

	for (size_t klen = 1; klen <= 64; klen++) {
		fill(key, klen, (uint32_t)klen);
		assert_int_equal(stun_hmac_key_init(&k, key, klen), 0);
		for (size_t mlen = 0; mlen < sizeof(msg); mlen += 37) {
			fill(msg, mlen, (uint32_t)(klen * 1000 + mlen));
			stun_hmac_sha1(&k, msg, mlen, out);
			HMAC(EVP_sha1(), key, (int)klen, msg, mlen, ref, &rlen);
			assert_memory_equal(out, ref, 20);
			stun_hmac_sha256(&k, msg, mlen, out);
			HMAC(EVP_sha256(), key, (int)klen, msg, mlen, ref, &rlen);
			assert_memory_equal(out, ref, 32);
		}
	}
}

static void
test_key_init_errors(void **state)
{
	(void)state;
	struct stun_hmac_key k;
	uint8_t key[65] = { 0 };

	assert_int_equal(stun_hmac_key_init(&k, key, 0), -EINVAL);
	assert_int_equal(stun_hmac_key_init(&k, key, 64), 0);
	assert_int_equal(stun_hmac_key_init(&k, key, 1), 0);
}

/* Keys longer than the block are hashed first: RFC 2202 test case 6
 * (HMAC-SHA1, 80-byte key) and RFC 4231 test case 6 (HMAC-SHA256,
 * 131-byte key), both over the same message. */
static void
test_long_keys(void **state)
{
	(void)state;
	static const char msg[] = "Test Using Larger Than Block-Size Key - Hash Key First";
	struct stun_hmac_key k;
	uint8_t key[131], out[32];

	memset(key, 0xaa, sizeof(key));
	assert_int_equal(stun_hmac_key_init(&k, key, 80), 0);
	stun_hmac_sha1(&k, (const uint8_t *)msg, sizeof(msg) - 1, out);
	hex_eq(out, "aa4ae5e15272d00e95705637ce8a3b55ed402112", 20);
	assert_int_equal(stun_hmac_key_init(&k, key, 131), 0);
	stun_hmac_sha256(&k, (const uint8_t *)msg, sizeof(msg) - 1, out);
	hex_eq(out, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54", 32);
}

/* Binding request: USERNAME, MESSAGE-INTEGRITY, FINGERPRINT. */
static int
build_signed(uint8_t *buf, size_t cap, const struct stun_hmac_key *k)
{
	struct stun_builder b;

	stun_build_init(&b, buf, cap, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
	stun_put_attr(&b, STUN_ATTR_USERNAME, "user:peer", 9);
	stun_put_u32(&b, STUN_ATTR_PRIORITY, 0x6e0001ff);
	stun_put_integrity_sha1(&b, k);
	stun_put_fingerprint(&b);
	return stun_build_finish(&b);
}

static void
test_sign_verify(void **state)
{
	(void)state;
	struct stun_hmac_key k, other;
	uint8_t buf[128], copy[128];
	struct stun_msg m;

	stun_hmac_key_init(&k, (const uint8_t *)"secret", 6);
	stun_hmac_key_init(&other, (const uint8_t *)"Secret", 6);
	int len = build_signed(buf, sizeof(buf), &k);
	assert_int_equal(len, 20 + 16 + 8 + 24 + 8);
	memcpy(copy, buf, (size_t)len);

	assert_int_equal(stun_parse(&m, buf, (size_t)len), 0);
	assert_int_equal(stun_check_fingerprint(&m), 0);
	assert_int_equal(stun_check_integrity(&m, &k), 0);
	assert_int_equal(stun_check_integrity_sha1(&m, &k), 0);
	assert_int_equal(stun_check_integrity_sha256(&m, &k), -ENOENT);
	assert_int_equal(stun_check_integrity(&m, &other), -EACCES);
	/* The verifier patches a private copy of the header, not the buffer. */
	assert_memory_equal(buf, copy, (size_t)len);

	/* The MI covers the header with the length up to the MI itself. */
	uint8_t mac[20], hdr_patched[64];
	memcpy(hdr_patched, buf, 44);
	hdr_patched[3] = 24 + 24;
	stun_hmac_sha1(&k, hdr_patched, 44, mac);
	assert_memory_equal(buf + 48, mac, 20);
	/* The FINGERPRINT covers everything before it, length as sent. */
	uint32_t crc = stun_crc32(buf, 68) ^ STUN_FINGERPRINT_XOR;
	const uint8_t want_fp[4] = { (uint8_t)(crc >> 24), (uint8_t)(crc >> 16),
				     (uint8_t)(crc >> 8), (uint8_t)crc };
	assert_memory_equal(buf + 72, want_fp, 4);

	/* Any single-bit change is caught by one of the layers. */
	for (int i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(buf, copy, (size_t)len);
			buf[i] ^= (uint8_t)(1u << bit);
			if (stun_parse(&m, buf, (size_t)len) != 0)
				continue;
			int fp = stun_check_fingerprint(&m);
			int mi = stun_check_integrity(&m, &k);
			if (fp == 0 && mi == 0)
				fail_msg("flip of byte %d bit %d went unnoticed", i, bit);
			/* The FINGERPRINT covers everything before it; its own
			 * header (68..71) may stop being a FINGERPRINT. */
			if (i < 68)
				assert_int_equal(fp, -EBADMSG);
			if (i >= 72) {
				assert_int_equal(fp, -EBADMSG);
				assert_int_equal(mi, 0);
			}
			if (i >= 48 && i < 68)
				assert_int_equal(mi, -EACCES);
		}
	}
}

static void
test_absent(void **state)
{
	(void)state;
	struct stun_hmac_key k;
	uint8_t buf[64];
	struct stun_builder b;
	struct stun_msg m;

	stun_hmac_key_init(&k, (const uint8_t *)"k", 1);
	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
	stun_put_attr(&b, STUN_ATTR_SOFTWARE, "x", 1);
	int len = stun_build_finish(&b);
	assert_int_equal(stun_parse(&m, buf, (size_t)len), 0);
	assert_int_equal(stun_check_fingerprint(&m), -ENOENT);
	assert_int_equal(stun_check_integrity(&m, &k), -ENOENT);
	assert_int_equal(stun_check_integrity_sha1(&m, &k), -ENOENT);
	assert_int_equal(stun_check_integrity_sha256(&m, &k), -ENOENT);
}

/* MI, then MI-SHA256, then FINGERPRINT: each with its own length. */
static void
test_both_integrities(void **state)
{
	(void)state;
	struct stun_hmac_key k, other;
	uint8_t buf[256];
	struct stun_builder b;
	struct stun_msg m;

	stun_hmac_key_init(&k, (const uint8_t *)"0123456789abcdef", 16);
	stun_hmac_key_init(&other, (const uint8_t *)"0123456789abcdeF", 16);
	stun_build_init(&b, buf, sizeof(buf), TURN_METHOD_REFRESH, STUN_CLASS_REQUEST, tid);
	stun_put_u32(&b, STUN_ATTR_LIFETIME, 0);
	stun_put_integrity_sha1(&b, &k);
	stun_put_integrity_sha256(&b, &k);
	stun_put_fingerprint(&b);
	int len = stun_build_finish(&b);
	assert_int_equal(len, 20 + 8 + 24 + 36 + 8);

	assert_int_equal(stun_parse(&m, buf, (size_t)len), 0);
	assert_int_equal(m.mi_hdr_off, 28);
	assert_int_equal(m.mi256_hdr_off, 52);
	assert_int_equal(stun_check_integrity_sha1(&m, &k), 0);
	assert_int_equal(stun_check_integrity_sha256(&m, &k), 0);
	assert_int_equal(stun_check_integrity(&m, &k), 0);
	assert_int_equal(stun_check_fingerprint(&m), 0);
	assert_int_equal(stun_check_integrity_sha1(&m, &other), -EACCES);
	assert_int_equal(stun_check_integrity_sha256(&m, &other), -EACCES);

	/* The SHA-256 value covers the SHA-1 attribute before it, not the
	 * other way round. */
	buf[32] ^= 1;
	assert_int_equal(stun_parse(&m, buf, (size_t)len), 0);
	assert_int_equal(stun_check_integrity_sha1(&m, &k), -EACCES);
	assert_int_equal(stun_check_integrity_sha256(&m, &k), -EACCES);
	buf[32] ^= 1;
	buf[60] ^= 1;
	assert_int_equal(stun_parse(&m, buf, (size_t)len), 0);
	assert_int_equal(stun_check_integrity(&m, &k), -EACCES);
	assert_int_equal(stun_check_integrity_sha1(&m, &k), 0);
	buf[60] ^= 1;

	/* check_integrity prefers SHA-256: sign each with a different key. */
	stun_build_init(&b, buf, sizeof(buf), TURN_METHOD_REFRESH, STUN_CLASS_REQUEST, tid);
	stun_put_u32(&b, STUN_ATTR_LIFETIME, 0);
	stun_put_integrity_sha1(&b, &k);
	stun_put_integrity_sha256(&b, &other);
	len = stun_build_finish(&b);
	assert_int_equal(stun_parse(&m, buf, (size_t)len), 0);
	assert_int_equal(stun_check_integrity(&m, &other), 0);
	assert_int_equal(stun_check_integrity(&m, &k), -EACCES);
	assert_int_equal(stun_check_integrity_sha1(&m, &k), 0);
	assert_int_equal(stun_check_integrity_sha1(&m, &other), -EACCES);
}

/* RFC 8489 14.6: MESSAGE-INTEGRITY-SHA256 may be cut to 16..32 bytes;
 * the sender's length field counts the truncated attribute. */
static void
test_truncated_sha256(void **state)
{
	(void)state;
	struct stun_hmac_key k;

	stun_hmac_key_init(&k, (const uint8_t *)"truncation", 10);
	for (size_t tlen = 16; tlen <= 32; tlen += 4) {
		uint8_t buf[128], full[32];
		struct stun_builder b;
		struct stun_msg m;

		stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
		stun_put_attr(&b, STUN_ATTR_USERNAME, "u", 1);
		size_t off = b.len;
		uint8_t *v = stun_put_reserve(&b, STUN_ATTR_MESSAGE_INTEGRITY_SHA256, tlen);
		assert_non_null(v);
		stun_hmac_sha256(&k, buf, off, full);
		memcpy(v, full, tlen);
		stun_put_fingerprint(&b);
		int len = stun_build_finish(&b);
		assert_true(len > 0);

		assert_int_equal(stun_parse(&m, buf, (size_t)len), 0);
		assert_int_equal(stun_check_integrity(&m, &k), 0);
		assert_int_equal(stun_check_fingerprint(&m), 0);
		/* The last compared byte matters... */
		v[tlen - 1] ^= 0x80;
		assert_int_equal(stun_parse(&m, buf, (size_t)len), 0);
		assert_int_equal(stun_check_integrity(&m, &k), -EACCES);
		v[tlen - 1] ^= 0x80;
		/* ...and the truncated value is not compared as a full one. */
		if (tlen < 32) {
			v[0] ^= 1;
			assert_int_equal(stun_parse(&m, buf, (size_t)len), 0);
			assert_int_equal(stun_check_integrity(&m, &k), -EACCES);
		}
	}
}

/* Attributes after MESSAGE-INTEGRITY are outside it and ignored. */
static void
test_attribute_after_mi(void **state)
{
	(void)state;
	struct stun_hmac_key k;
	uint8_t buf[128];
	struct stun_builder b;
	struct stun_msg m;

	stun_hmac_key_init(&k, (const uint8_t *)"pw", 2);
	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING, STUN_CLASS_SUCCESS, tid);
	stun_put_attr(&b, STUN_ATTR_SOFTWARE, "a", 1);
	stun_put_integrity_sha1(&b, &k);
	stun_put_attr(&b, STUN_ATTR_SOFTWARE, "injected", 8);
	stun_put_fingerprint(&b);
	int len = stun_build_finish(&b);

	assert_int_equal(stun_parse(&m, buf, (size_t)len), 0);
	assert_int_equal(stun_check_integrity(&m, &k), 0);
	assert_int_equal(stun_check_fingerprint(&m), 0);
	assert_int_equal(stun_msg_attr(&m, STUN_SLOT_SOFTWARE)->len, 1);
}

static void
test_put_nospace(void **state)
{
	(void)state;
	struct stun_hmac_key k;
	uint8_t buf[128];
	struct stun_builder b;

	stun_hmac_key_init(&k, (const uint8_t *)"pw", 2);
	memset(buf, 0xEE, sizeof(buf));
	stun_build_init(&b, buf, 43, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
	stun_put_integrity_sha1(&b, &k);
	assert_int_equal(b.err, -ENOSPC);
	assert_int_equal(buf[3], 0);
	assert_int_equal(buf[20], 0xEE);

	stun_build_init(&b, buf, 55, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
	stun_put_integrity_sha256(&b, &k);
	assert_int_equal(stun_build_finish(&b), -ENOSPC);
	stun_build_init(&b, buf, 56, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
	stun_put_integrity_sha256(&b, &k);
	assert_int_equal(stun_build_finish(&b), 56);

	stun_build_init(&b, buf, 27, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
	stun_put_fingerprint(&b);
	assert_int_equal(stun_build_finish(&b), -ENOSPC);
	/* Sticky: a failed put before makes these no-ops. */
	stun_build_init(&b, buf, 24, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
	stun_put_u32(&b, STUN_ATTR_LIFETIME, 1);
	stun_put_fingerprint(&b);
	stun_put_integrity_sha1(&b, &k);
	assert_int_equal(b.len, 20);
	assert_int_equal(stun_build_finish(&b), -ENOSPC);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc_known),
		cmocka_unit_test(test_crc_lengths),
		cmocka_unit_test(test_hmac_vectors),
		cmocka_unit_test(test_hmac_vs_openssl),
		cmocka_unit_test(test_key_init_errors),
		cmocka_unit_test(test_long_keys),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_absent),
		cmocka_unit_test(test_both_integrities),
		cmocka_unit_test(test_truncated_sha256),
		cmocka_unit_test(test_attribute_after_mi),
		cmocka_unit_test(test_put_nospace),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

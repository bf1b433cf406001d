/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Long-term keys, USERHASH, USERNAME validation, hex and base64.
 *
 * The RFC vectors are checked end to end: the key we derive must
 * reproduce the MESSAGE-INTEGRITY(-SHA256) printed in the RFC, computed
 * here with OpenSSL's HMAC() so the test does not lean on our own HMAC.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "stun_cred.h"

/* "マトリックス" (RFC 5769 2.4, RFC 8489 B.1), as UTF-8 bytes. */
static const char matrix_user[] = "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf"
				   "\xe3\x82\xb9";
/* The RFC password "The<U+00AD>M<U+00AA>tr<U+2168>" after SASLprep. */
static const char matrix_pass[] = "TheMatrIX";
static const char example_realm[] = "example.org";

static void
assert_hex(const uint8_t *got, size_t len, const char *want)
{
	char hex[2 * 64 + 1];

	assert_true(len <= 64);
	stun_key_to_hex(got, len, hex);
	assert_string_equal(hex, want);
}

static void
test_key_md5_coturn(void **state)
{
	uint8_t key[STUN_KEY_MD5_LEN];

	(void)state;
	stun_key_md5("gorst", 5, "north.gov", 9, "hero", 4, key);
	assert_hex(key, sizeof(key), "7da2270ccfa49786e0115366d3a3d14d");
}

/* RFC 5769 2.4: the long-term request, MESSAGE-INTEGRITY last, no
 * FINGERPRINT, so the HMAC covers everything before the MI attribute. */
static const uint8_t rfc5769_long_term[] = {
	0x00, 0x01, 0x00, 0x60, 0x21, 0x12, 0xa4, 0x42, 0x78, 0xad, 0x34, 0x33, 0xc6, 0xad,
	0x72, 0xc0, 0x29, 0xda, 0x41, 0x2e, 0x00, 0x06, 0x00, 0x12, 0xe3, 0x83, 0x9e, 0xe3,
	0x83, 0x88, 0xe3, 0x83, 0xaa, 0xe3, 0x83, 0x83, 0xe3, 0x82, 0xaf, 0xe3, 0x82, 0xb9,
	0x00, 0x00, 0x00, 0x15, 0x00, 0x1c, 0x66, 0x2f, 0x2f, 0x34, 0x39, 0x39, 0x6b, 0x39,
	0x35, 0x34, 0x64, 0x36, 0x4f, 0x4c, 0x33, 0x34, 0x6f, 0x4c, 0x39, 0x46, 0x53, 0x54,
	0x76, 0x79, 0x36, 0x34, 0x73, 0x41, 0x00, 0x14, 0x00, 0x0b, 0x65, 0x78, 0x61, 0x6d,
	0x70, 0x6c, 0x65, 0x2e, 0x6f, 0x72, 0x67, 0x00, 0x00, 0x08, 0x00, 0x14, 0xf6, 0x70,
	0x24, 0x65, 0x6d, 0xd6, 0x4a, 0x3e, 0x02, 0xb8, 0xe0, 0x71, 0x2e, 0x85, 0xc9, 0xa2,
	0x8c, 0xa8, 0x96, 0x66,
};

static void
test_key_md5_rfc5769(void **state)
{
	uint8_t key[STUN_KEY_MD5_LEN], mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	const size_t mi_off = sizeof(rfc5769_long_term) - 24;

	(void)state;
	stun_key_md5(matrix_user, strlen(matrix_user), example_realm, strlen(example_realm),
		     matrix_pass, strlen(matrix_pass), key);
	assert_hex(key, sizeof(key), "e8ca7ad59d5eb0518e312911d2dab2a9");

	assert_non_null(HMAC(EVP_sha1(), key, sizeof(key), rfc5769_long_term, mi_off, mac,
			     &maclen));
	assert_int_equal(maclen, 20);
	assert_memory_equal(mac, rfc5769_long_term + mi_off + 4, 20);
}

/* RFC 8489 B.1 as corrected by verified erratum 6268 (header length 0x90,
 * PASSWORD-ALGORITHM SHA-256 added, MESSAGE-INTEGRITY-SHA256 recomputed). */
static const uint8_t rfc8489_b1[] = {
	0x00, 0x01, 0x00, 0x90, 0x21, 0x12, 0xa4, 0x42, 0x78, 0xad, 0x34, 0x33, 0xc6, 0xad,
	0x72, 0xc0, 0x29, 0xda, 0x41, 0x2e, 0x00, 0x1e, 0x00, 0x20, 0x4a, 0x3c, 0xf3, 0x8f,
	0xef, 0x69, 0x92, 0xbd, 0xa9, 0x52, 0xc6, 0x78, 0x04, 0x17, 0xda, 0x0f, 0x24, 0x81,
	0x94, 0x15, 0x56, 0x9e, 0x60, 0xb2, 0x05, 0xc4, 0x6e, 0x41, 0x40, 0x7f, 0x17, 0x04,
	0x00, 0x15, 0x00, 0x29, 0x6f, 0x62, 0x4d, 0x61, 0x74, 0x4a, 0x6f, 0x73, 0x32, 0x41,
	0x41, 0x41, 0x43, 0x66, 0x2f, 0x2f, 0x34, 0x39, 0x39, 0x6b, 0x39, 0x35, 0x34, 0x64,
	0x36, 0x4f, 0x4c, 0x33, 0x34, 0x6f, 0x4c, 0x39, 0x46, 0x53, 0x54, 0x76, 0x79, 0x36,
	0x34, 0x73, 0x41, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x0b, 0x65, 0x78, 0x61, 0x6d,
	0x70, 0x6c, 0x65, 0x2e, 0x6f, 0x72, 0x67, 0x00, 0x00, 0x1d, 0x00, 0x04, 0x00, 0x02,
	0x00, 0x00, 0x00, 0x1c, 0x00, 0x20, 0xb5, 0xc7, 0xbf, 0x00, 0x5b, 0x6c, 0x52, 0xa2,
	0x1c, 0x51, 0xc5, 0xe8, 0x92, 0xf8, 0x19, 0x24, 0x13, 0x62, 0x96, 0xcb, 0x92, 0x7c,
	0x43, 0x14, 0x93, 0x09, 0x27, 0x8c, 0xc6, 0x51, 0x8e, 0x65,
};

static void
test_userhash_rfc8489(void **state)
{
	uint8_t h[STUN_USERHASH_LEN];

	(void)state;
	stun_userhash(matrix_user, strlen(matrix_user), example_realm, strlen(example_realm), h);
	/* The USERHASH attribute value of B.1. */
	assert_memory_equal(h, rfc8489_b1 + 24, 32);
	assert_hex(h, sizeof(h), "4a3cf38fef6992bda952c6780417da0f24819415569e60b205c46e41407f1704");
}

static void
test_key_sha256_rfc8489(void **state)
{
	uint8_t key[STUN_KEY_SHA256_LEN], mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	const size_t mi_off = sizeof(rfc8489_b1) - 36;

	(void)state;
	assert_int_equal(sizeof(rfc8489_b1), 20 + 0x90);
	stun_key_sha256(matrix_user, strlen(matrix_user), example_realm, strlen(example_realm),
			matrix_pass, strlen(matrix_pass), key);
	assert_hex(key, sizeof(key), "dd295a613b9058c3c23d6dc7165bda072304d989c9d0af3a8c7e184b4f9bb4a1");

	assert_non_null(HMAC(EVP_sha256(), key, sizeof(key), rfc8489_b1, mi_off, mac, &maclen));
	assert_int_equal(maclen, 32);
	assert_memory_equal(mac, rfc8489_b1 + mi_off + 4, 32);
}

static void
test_key_sha256_simple(void **state)
{
	uint8_t key[STUN_KEY_SHA256_LEN];

	(void)state;
	/* SHA-256("gorst:north.gov:hero") */
	stun_key_sha256("gorst", 5, "north.gov", 9, "hero", 4, key);
	assert_hex(key, sizeof(key), "09d34a27958c1a248939ee283773900b10eb8e49ddbaab29c9306f0e2ec01e5c");
}

struct text_case {
	const char *name;
	const char *s;
	size_t len; /* 0: strlen */
	bool valid;
};

static const struct text_case username_cases[] = {
	{"ascii", "gorst", 0, true},
	{"ascii with space and punctuation", "a b.c-d_e@f:1", 0, true},
	{"katakana", "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa", 0, true},
	{"2-byte", "caf\xc3\xa9", 0, true},
	{"no-break space U+00A0", "a\xc2\xa0" "b", 0, true},
	{"4-byte U+1F600", "\xf0\x9f\x98\x80", 0, true},
	{"U+10FFFD", "\xf4\x8f\xbf\xbd", 0, true},
	{"U+FFFD", "\xef\xbf\xbd", 0, true},
	{"empty", "", 0, false},
	{"overlong 2-byte /", "\xc0\xaf", 0, false},
	{"overlong 2-byte C1", "\xc1\xbf", 0, false},
	{"overlong 3-byte", "\xe0\x80\xaf", 0, false},
	{"overlong 3-byte U+07FF", "\xe0\x9f\xbf", 0, false},
	{"overlong 4-byte", "\xf0\x80\x80\xaf", 0, false},
	{"overlong 4-byte U+FFFF", "\xf0\x8f\xbf\xbf", 0, false},
	{"surrogate D800", "\xed\xa0\x80", 0, false},
	{"surrogate DFFF", "\xed\xbf\xbf", 0, false},
	{"above U+10FFFF", "\xf4\x90\x80\x80", 0, false},
	{"lead F5", "\xf5\x80\x80\x80", 0, false},
	{"lead FF", "a\xff", 0, false},
	{"lone continuation", "a\x80", 0, false},
	{"truncated 2-byte", "ab\xc3", 0, false},
	{"truncated 3-byte", "ab\xe3\x83", 0, false},
	{"truncated 4-byte", "ab\xf0\x9f\x98", 0, false},
	{"truncated then ascii", "\xe3\x83" "A", 0, false},
	{"bad continuation", "\xc3\x28", 0, false},
	{"NUL inside", "ab\0cd", 5, false},
	{"tab", "a\tb", 0, false},
	{"newline", "a\n", 0, false},
	{"unit separator", "\x1f", 0, false},
	{"DEL", "a\x7f", 0, false},
	{"C1 U+0080", "\xc2\x80", 0, false},
	{"C1 U+009F", "\xc2\x9f", 0, false},
	{"noncharacter U+FFFE", "\xef\xbf\xbe", 0, false},
	{"noncharacter U+FDD0", "\xef\xb7\x90", 0, false},
	{"noncharacter U+1FFFF", "\xf0\x9f\xbf\xbf", 0, false},
};

static void
test_username_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(username_cases) / sizeof(username_cases[0]); i++) {
		const struct text_case *c = &username_cases[i];
		size_t len = c->len ? c->len : strlen(c->s);
		bool got = stun_username_valid((const uint8_t *)c->s, len);
		if (got != c->valid)
			fail_msg("case \"%s\": got %d, want %d", c->name, got, c->valid);
	}
}

static void
test_username_length(void **state)
{
	uint8_t buf[STUN_MAX_REALM_LEN + 1];

	(void)state;
	memset(buf, 'a', sizeof(buf));
	assert_true(stun_username_valid(buf, 1));
	assert_true(stun_username_valid(buf, 508));
	assert_false(stun_username_valid(buf, 509));
	/* A 2-byte character ending exactly at the limit, and one crossing it. */
	buf[506] = 0xc3;
	buf[507] = 0xa9;
	assert_true(stun_username_valid(buf, 508));
	buf[507] = 0xc3;
	buf[508] = 0xa9;
	assert_false(stun_username_valid(buf, 509));
	/* REALM limit through stun_text_valid. */
	memset(buf, 'r', sizeof(buf));
	assert_true(stun_text_valid(buf, STUN_MAX_REALM_LEN, STUN_MAX_REALM_LEN));
	assert_false(stun_text_valid(buf, STUN_MAX_REALM_LEN + 1, STUN_MAX_REALM_LEN));
	assert_false(stun_text_valid(buf, 0, STUN_MAX_REALM_LEN));
}

static void
test_hex(void **state)
{
	uint8_t key[16], back[16];
	char hex[33];

	(void)state;
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)(i * 17 + 3);
	stun_key_to_hex(key, sizeof(key), hex);
	assert_string_equal(hex, "031425364758697a8b9cadbecfe0f102");
	assert_int_equal(stun_key_from_hex(hex, 32, back, sizeof(back)), 0);
	assert_memory_equal(back, key, sizeof(key));
	assert_int_equal(stun_key_from_hex("031425364758697A8B9CADBECFE0F102", 32, back, 16), 0);
	assert_memory_equal(back, key, sizeof(key));

	assert_int_equal(stun_key_from_hex(hex, 31, back, 16), -EINVAL);
	assert_int_equal(stun_key_from_hex(hex, 32, back, 15), -EINVAL);
	assert_int_equal(stun_key_from_hex("03142536475869708192a3b4c5d6e7fg", 32, back, 16),
			 -EINVAL);
	assert_int_equal(stun_key_from_hex("0x142536475869708192a3b4c5d6e7f8", 32, back, 16),
			 -EINVAL);
	assert_int_equal(stun_key_from_hex(" 3142536475869708192a3b4c5d6e7f8", 32, back, 16),
			 -EINVAL);
}

static void
test_base64_rfc4648(void **state)
{
	static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
					  "Zm9vYmFy"};
	char out[16];
	uint8_t dec[8];

	(void)state;
	for (size_t i = 0; i < 7; i++) {
		size_t n = stun_base64_encode((const uint8_t *)plain[i], strlen(plain[i]), out);
		assert_int_equal(n, strlen(enc[i]));
		assert_string_equal(out, enc[i]);
		assert_int_equal(stun_base64_decode(enc[i], strlen(enc[i]), dec, sizeof(dec)),
				 (int)strlen(plain[i]));
		assert_memory_equal(dec, plain[i], strlen(plain[i]));
	}
	/* All 64 symbols. */
	const uint8_t all[] = {0x00, 0x10, 0x83, 0x10, 0x51, 0x87, 0x20, 0x92, 0x8b, 0x30, 0xd3, 0x8f,
			       0x41, 0x14, 0x93, 0x51, 0x55, 0x97, 0x61, 0x96, 0x9b, 0x71, 0xd7, 0x9f,
			       0x82, 0x18, 0xa3, 0x92, 0x59, 0xa7, 0xa2, 0x9a, 0xab, 0xb2, 0xdb, 0xaf,
			       0xc3, 0x1c, 0xb3, 0xd3, 0x5d, 0xb7, 0xe3, 0x9e, 0xbb, 0xf3, 0xdf, 0xbf};
	char big[65];
	assert_int_equal(stun_base64_encode(all, sizeof(all), big), 64);
	assert_string_equal(big,
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
}

static void
test_base64_decode_errors(void **state)
{
	uint8_t dec[16];

	(void)state;
	assert_int_equal(stun_base64_decode("Zm9", 3, dec, sizeof(dec)), -EINVAL);
	assert_int_equal(stun_base64_decode("Zm9vY", 5, dec, sizeof(dec)), -EINVAL);
	assert_int_equal(stun_base64_decode("Zm9*", 4, dec, sizeof(dec)), -EINVAL);
	assert_int_equal(stun_base64_decode("Zm-v", 4, dec, sizeof(dec)), -EINVAL);
	assert_int_equal(stun_base64_decode("Z=9v", 4, dec, sizeof(dec)), -EINVAL);
	assert_int_equal(stun_base64_decode("Zg==Zm9v", 8, dec, sizeof(dec)), -EINVAL);
	assert_int_equal(stun_base64_decode("Z===", 4, dec, sizeof(dec)), -EINVAL);
	assert_int_equal(stun_base64_decode("====", 4, dec, sizeof(dec)), -EINVAL);
	assert_int_equal(stun_base64_decode("Zm9\0", 4, dec, sizeof(dec)), -EINVAL);
	/* Non-zero bits past the data: "Zh==" and "Zm9=" decode to the same
	 * bytes as "Zg==" and "Zm8=" in a lax decoder. */
	assert_int_equal(stun_base64_decode("Zh==", 4, dec, sizeof(dec)), -EINVAL);
	assert_int_equal(stun_base64_decode("Zm9=", 4, dec, sizeof(dec)), -EINVAL);
	/* Output space. */
	assert_int_equal(stun_base64_decode("Zm9vYmFy", 8, dec, 5), -ENOSPC);
	assert_int_equal(stun_base64_decode("Zm9vYmFy", 8, dec, 6), 6);
	assert_int_equal(stun_base64_decode("Zm9vYmE=", 8, dec, 5), 5);
	assert_int_equal(stun_base64_decode("", 0, dec, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_md5_coturn),
		cmocka_unit_test(test_key_md5_rfc5769),
		cmocka_unit_test(test_userhash_rfc8489),
		cmocka_unit_test(test_key_sha256_rfc8489),
		cmocka_unit_test(test_key_sha256_simple),
		cmocka_unit_test(test_username_table),
		cmocka_unit_test(test_username_length),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_base64_rfc4648),
		cmocka_unit_test(test_base64_decode_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

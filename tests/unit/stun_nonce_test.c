/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stateless nonces: exact format, round trip, freshness, tampering,
 * address binding, secret rotation and length checks.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "stun_nonce.h"

#define NOW 1700000000ull
#define LIFETIME 600

static const uint8_t secret1[32] = "turnpike nonce test secret 0001!";
static const uint8_t secret2[32] = "turnpike nonce test secret 0002!";
static const uint8_t secret3[32] = "turnpike nonce test secret 0003!";

static struct stun_addr
v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
	struct stun_addr x;
	const uint8_t ip[4] = {a, b, c, d};

	memset(&x, 0, sizeof(x));
	stun_addr_set_v4(&x, ip, port);
	return x;
}

static struct stun_addr
v6(uint8_t last, uint16_t port)
{
	struct stun_addr x;
	uint8_t ip[16] = {0x20, 0x01, 0x0d, 0xb8};

	ip[15] = last;
	memset(&x, 0, sizeof(x));
	stun_addr_set_v6(&x, ip, port);
	return x;
}

static int
check(const struct stun_nonce_ctx *n, const char *nonce, size_t len, uint64_t now,
      const struct stun_addr *c, uint32_t *features)
{
	return stun_nonce_check(n, (const uint8_t *)nonce, len, now, c, features);
}

/* Pins the wire format: computed independently with Python's hmac. */
static void
test_known_answer(void **state)
{
	struct stun_nonce_ctx n;
	struct stun_addr c = v4(192, 0, 2, 1, 54321);
	char buf[STUN_NONCE_LEN + 1];

	(void)state;
	assert_int_equal(stun_nonce_init(&n, secret1, sizeof(secret1), LIFETIME), 0);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(stun_nonce_make(&n, NOW, &c, 0x800000, buf), STUN_NONCE_LEN);
	assert_int_equal(STUN_NONCE_LEN, 37);
	assert_string_equal(buf, "obMatJos2gAAAZVPxAMzRH5BIz7O1E9A4lNUT");
}

static void
test_round_trip_features(void **state)
{
	static const uint32_t feats[] = {0, 0x800000, 0x400000, 0xc00000, 0x000001, 0x000002,
					 0xabcdef, 0xffffff};
	struct stun_nonce_ctx n;
	struct stun_addr c = v4(198, 51, 100, 7, 40000);
	char buf[STUN_NONCE_LEN + 1];
	uint32_t f;

	(void)state;
	assert_int_equal(stun_nonce_init(&n, secret1, sizeof(secret1), LIFETIME), 0);
	for (size_t i = 0; i < sizeof(feats) / sizeof(feats[0]); i++) {
		stun_nonce_make(&n, NOW, &c, feats[i], buf);
		assert_int_equal(strlen(buf), STUN_NONCE_LEN);
		assert_memory_equal(buf, STUN_NONCE_COOKIE, STUN_NONCE_COOKIE_LEN);
		f = 0x12345678;
		assert_int_equal(check(&n, buf, STUN_NONCE_LEN, NOW, &c, &f), 0);
		assert_int_equal(f, feats[i]);
	}
	/* The 24 feature bits, most significant first, are the 4 characters
	 * after the cookie. Literals, not the STUN_FEATURE_* names: which bit
	 * a feature is belongs to stun_proto.h, not to the nonce format. */
	stun_nonce_make(&n, NOW, &c, 0x800000, buf);
	assert_memory_equal(buf + STUN_NONCE_COOKIE_LEN, "gAAA", 4);
	stun_nonce_make(&n, NOW, &c, 0x000001, buf);
	assert_memory_equal(buf + STUN_NONCE_COOKIE_LEN, "AAAB", 4);
	/* Only 24 bits travel. */
	stun_nonce_make(&n, NOW, &c, 0x7abcdef, buf);
	assert_int_equal(check(&n, buf, STUN_NONCE_LEN, NOW, &c, &f), 0);
	assert_int_equal(f, 0xabcdef);
	/* NULL features is allowed. */
	assert_int_equal(check(&n, buf, STUN_NONCE_LEN, NOW, &c, NULL), 0);
}

static void
test_ipv6(void **state)
{
	struct stun_nonce_ctx n;
	struct stun_addr c = v6(1, 3478), other = v6(2, 3478);
	char buf[STUN_NONCE_LEN + 1];
	uint32_t f;

	(void)state;
	assert_int_equal(stun_nonce_init(&n, secret1, sizeof(secret1), LIFETIME), 0);
	stun_nonce_make(&n, NOW, &c, STUN_FEATURE_USERNAME_ANONYMITY, buf);
	assert_int_equal(check(&n, buf, STUN_NONCE_LEN, NOW + 10, &c, &f), 0);
	assert_int_equal(f, STUN_FEATURE_USERNAME_ANONYMITY);
	assert_int_equal(check(&n, buf, STUN_NONCE_LEN, NOW + 10, &other, &f), -EINVAL);
}

static void
test_freshness(void **state)
{
	struct stun_nonce_ctx n;
	struct stun_addr c = v4(192, 0, 2, 1, 1000);
	char buf[STUN_NONCE_LEN + 1];

	(void)state;
	assert_int_equal(stun_nonce_init(&n, secret1, sizeof(secret1), LIFETIME), 0);
	stun_nonce_make(&n, NOW, &c, 0, buf);
	assert_int_equal(check(&n, buf, STUN_NONCE_LEN, NOW + LIFETIME, &c, NULL), 0);
	assert_int_equal(check(&n, buf, STUN_NONCE_LEN, NOW + LIFETIME + 1, &c, NULL), -ESTALE);
	assert_int_equal(check(&n, buf, STUN_NONCE_LEN, NOW + 86400, &c, NULL), -ESTALE);
	/* Slightly in the future (another worker's clock): accepted. */
	assert_int_equal(check(&n, buf, STUN_NONCE_LEN, NOW - 5, &c, NULL), 0);
	assert_int_equal(check(&n, buf, STUN_NONCE_LEN, NOW - 6, &c, NULL), -EINVAL);
	assert_int_equal(check(&n, buf, STUN_NONCE_LEN, NOW - 3600, &c, NULL), -EINVAL);

	/* Another lifetime. */
	assert_int_equal(stun_nonce_init(&n, secret1, sizeof(secret1), 30), 0);
	stun_nonce_make(&n, NOW, &c, 0, buf);
	assert_int_equal(check(&n, buf, STUN_NONCE_LEN, NOW + 30, &c, NULL), 0);
	assert_int_equal(check(&n, buf, STUN_NONCE_LEN, NOW + 31, &c, NULL), -ESTALE);
}

/* Every single-character change anywhere is rejected, whether it stays
 * within the base64 alphabet or not. */
static void
test_tamper_every_byte(void **state)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
	struct stun_nonce_ctx n;
	struct stun_addr c = v4(203, 0, 113, 9, 5000);
	char good[STUN_NONCE_LEN + 1], bad[STUN_NONCE_LEN + 1];

	(void)state;
	assert_int_equal(stun_nonce_init(&n, secret1, sizeof(secret1), LIFETIME), 0);
	stun_nonce_make(&n, NOW, &c, 0x800000, good);
	for (size_t i = 0; i < STUN_NONCE_LEN; i++) {
		for (size_t k = 0; k < sizeof(alphabet); k++) {
			/* k == sizeof - 1 is the NUL; also try a flipped bit. */
			char ch = k + 1 < sizeof(alphabet) ? alphabet[k] : (char)(good[i] ^ 0x01);
			if (ch == good[i])
				continue;
			memcpy(bad, good, sizeof(good));
			bad[i] = ch;
			int rc = check(&n, bad, STUN_NONCE_LEN, NOW, &c, NULL);
			if (rc != -EINVAL)
				fail_msg("byte %zu set to '%c': rc %d", i, ch, rc);
		}
	}
	assert_int_equal(check(&n, good, STUN_NONCE_LEN, NOW, &c, NULL), 0);
}

/* A nonce re-encoded with a later timestamp but the old MAC is caught
 * by the MAC, not mistaken for fresh. */
static void
test_tamper_timestamp(void **state)
{
	struct stun_nonce_ctx n;
	struct stun_addr c = v4(192, 0, 2, 1, 1000);
	char old[STUN_NONCE_LEN + 1], fresh[STUN_NONCE_LEN + 1], forged[STUN_NONCE_LEN + 1];

	(void)state;
	assert_int_equal(stun_nonce_init(&n, secret1, sizeof(secret1), LIFETIME), 0);
	stun_nonce_make(&n, NOW, &c, 0, old);
	stun_nonce_make(&n, NOW + 1000, &c, 0, fresh);
	/* Timestamp is the first 4 bytes of the body: its first 5 base64
	 * characters carry 30 bits of it; take them from the fresh one. */
	memcpy(forged, old, sizeof(old));
	memcpy(forged + 13, fresh + 13, 5);
	assert_int_equal(check(&n, forged, STUN_NONCE_LEN, NOW + 1000, &c, NULL), -EINVAL);
	assert_int_equal(check(&n, old, STUN_NONCE_LEN, NOW + 1000, &c, NULL), -ESTALE);
	assert_int_equal(check(&n, fresh, STUN_NONCE_LEN, NOW + 1000, &c, NULL), 0);
}

static void
test_address_binding(void **state)
{
	struct stun_nonce_ctx n;
	struct stun_addr c = v4(192, 0, 2, 1, 1000);
	struct stun_addr other_port = v4(192, 0, 2, 1, 1001);
	struct stun_addr other_ip = v4(192, 0, 2, 2, 1000);
	struct stun_addr other_family = c;
	char buf[STUN_NONCE_LEN + 1];

	(void)state;
	other_family.family = STUN_FAMILY_IPV6;
	assert_int_equal(stun_nonce_init(&n, secret1, sizeof(secret1), LIFETIME), 0);
	stun_nonce_make(&n, NOW, &c, 0, buf);
	assert_int_equal(check(&n, buf, STUN_NONCE_LEN, NOW, &c, NULL), 0);
	assert_int_equal(check(&n, buf, STUN_NONCE_LEN, NOW, &other_port, NULL), -EINVAL);
	assert_int_equal(check(&n, buf, STUN_NONCE_LEN, NOW, &other_ip, NULL), -EINVAL);
	assert_int_equal(check(&n, buf, STUN_NONCE_LEN, NOW, &other_family, NULL), -EINVAL);
	/* Another address and stale: not ours, so -EINVAL, not -ESTALE. */
	assert_int_equal(check(&n, buf, STUN_NONCE_LEN, NOW + 10000, &other_port, NULL), -EINVAL);
}

static void
test_rotation(void **state)
{
	struct stun_nonce_ctx n;
	struct stun_addr c = v4(192, 0, 2, 1, 1000);
	char n1[STUN_NONCE_LEN + 1], n2[STUN_NONCE_LEN + 1], n3[STUN_NONCE_LEN + 1];
	uint32_t f;

	(void)state;
	assert_int_equal(stun_nonce_init(&n, secret1, sizeof(secret1), LIFETIME), 0);
	stun_nonce_make(&n, NOW, &c, 0x800000, n1);

	assert_int_equal(stun_nonce_rotate(&n, secret2, sizeof(secret2)), 0);
	stun_nonce_make(&n, NOW, &c, 0x400000, n2);
	assert_string_not_equal(n1, n2);
	assert_int_equal(check(&n, n1, STUN_NONCE_LEN, NOW, &c, &f), 0);
	assert_int_equal(f, 0x800000);
	assert_int_equal(check(&n, n2, STUN_NONCE_LEN, NOW, &c, &f), 0);
	assert_int_equal(f, 0x400000);
	/* The previous secret's nonces still age out. */
	assert_int_equal(check(&n, n1, STUN_NONCE_LEN, NOW + LIFETIME + 1, &c, NULL), -ESTALE);

	assert_int_equal(stun_nonce_rotate(&n, secret3, sizeof(secret3)), 0);
	stun_nonce_make(&n, NOW, &c, 0, n3);
	assert_int_equal(check(&n, n1, STUN_NONCE_LEN, NOW, &c, NULL), -EINVAL);
	assert_int_equal(check(&n, n2, STUN_NONCE_LEN, NOW, &c, NULL), 0);
	assert_int_equal(check(&n, n3, STUN_NONCE_LEN, NOW, &c, NULL), 0);

	/* A failed rotation changes nothing. */
	assert_int_equal(stun_nonce_rotate(&n, secret1, 0), -EINVAL);
	assert_int_equal(check(&n, n2, STUN_NONCE_LEN, NOW, &c, NULL), 0);
	assert_int_equal(check(&n, n3, STUN_NONCE_LEN, NOW, &c, NULL), 0);

	/* A fresh context knows only its own secret. */
	struct stun_nonce_ctx m;
	assert_int_equal(stun_nonce_init(&m, secret2, sizeof(secret2), LIFETIME), 0);
	assert_int_equal(check(&m, n3, STUN_NONCE_LEN, NOW, &c, NULL), -EINVAL);
	assert_int_equal(check(&m, n2, STUN_NONCE_LEN, NOW, &c, NULL), 0);
}

static void
test_lengths(void **state)
{
	struct stun_nonce_ctx n;
	struct stun_addr c = v4(192, 0, 2, 1, 1000);
	char buf[STUN_NONCE_LEN + 8];

	(void)state;
	assert_int_equal(stun_nonce_init(&n, secret1, sizeof(secret1), LIFETIME), 0);
	stun_nonce_make(&n, NOW, &c, 0, buf);
	for (size_t len = 0; len < STUN_NONCE_LEN; len++)
		assert_int_equal(check(&n, buf, len, NOW, &c, NULL), -EINVAL);
	memcpy(buf + STUN_NONCE_LEN, "AAAA", 5);
	assert_int_equal(check(&n, buf, STUN_NONCE_LEN + 1, NOW, &c, NULL), -EINVAL);
	assert_int_equal(check(&n, buf, STUN_NONCE_LEN + 4, NOW, &c, NULL), -EINVAL);
	assert_int_equal(check(&n, buf, STUN_NONCE_LEN, NOW, &c, NULL), 0);
	/* Someone else's RFC 8489 nonce (B.1) and a plain random one. */
	const char b1[] = "obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA";
	assert_int_equal(check(&n, b1, strlen(b1), NOW, &c, NULL), -EINVAL);
	const char rnd[] = "f//499k954d6OL34oL9FSTvy64sA0123456789";
	assert_int_equal(check(&n, rnd, STUN_NONCE_LEN, NOW, &c, NULL), -EINVAL);
}

static void
test_init_errors(void **state)
{
	struct stun_nonce_ctx n;
	uint8_t big[65];

	(void)state;
	memset(big, 's', sizeof(big));
	assert_int_equal(stun_nonce_init(&n, secret1, 0, LIFETIME), -EINVAL);
	assert_int_equal(stun_nonce_init(&n, big, sizeof(big), LIFETIME), -EINVAL);
	assert_int_equal(stun_nonce_init(&n, secret1, sizeof(secret1), 0), -EINVAL);
	assert_int_equal(stun_nonce_init(&n, big, 64, LIFETIME), 0);
	assert_int_equal(stun_nonce_rotate(&n, big, sizeof(big)), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answer),
		cmocka_unit_test(test_round_trip_features),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_freshness),
		cmocka_unit_test(test_tamper_every_byte),
		cmocka_unit_test(test_tamper_timestamp),
		cmocka_unit_test(test_address_binding),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_init_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TURN REST API credentials: the draft's vector, both username orders,
 * secret rotation, expiry against a fixed clock, malformed usernames.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "stun_cred.h"

#define VEC_USER "1266890800:mbzrxpgjys"
#define VEC_PASS "nbRcrnq5h6xXhyNhlwk+lDLvVVo="
#define VEC_EXPIRY 1266890800ull

static void
assert_hex(const uint8_t *got, size_t len, const char *want)
{
	char hex[2 * STUN_KEY_MAX_LEN + 1];

	assert_true(len <= STUN_KEY_MAX_LEN);
	stun_key_to_hex(got, len, hex);
	assert_string_equal(hex, want);
}

static void
test_password_vector(void **state)
{
	char pw[STUN_REST_PASSWORD_LEN + 1];

	(void)state;
	memset(pw, 'x', sizeof(pw));
	stun_rest_password((const uint8_t *)"north", 5, VEC_USER, strlen(VEC_USER), pw);
	assert_string_equal(pw, VEC_PASS);
	assert_int_equal(strlen(pw), STUN_REST_PASSWORD_LEN);
}

/* A secret longer than the SHA-1 block is hashed first (RFC 2104). */
static void
test_password_long_secret(void **state)
{
	uint8_t secret[100];
	char pw[STUN_REST_PASSWORD_LEN + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(secret); i++)
		secret[i] = (uint8_t)i;
	stun_rest_password(secret, sizeof(secret), VEC_USER, strlen(VEC_USER), pw);
	assert_string_equal(pw, "aziV7oX0oPFXiu/yHZyO1qxgxMI=");
}

static void
test_key_from_secret(void **state)
{
	struct stun_rest_secrets s = {0};
	uint8_t key[STUN_KEY_MAX_LEN], want[STUN_KEY_MAX_LEN];

	(void)state;
	assert_int_equal(stun_rest_secrets_add(&s, "north", 5), 0);

	assert_int_equal(stun_rest_key(&s, 0, VEC_USER, strlen(VEC_USER), "north.gov", 9,
				       STUN_PWALG_MD5, key),
			 STUN_KEY_MD5_LEN);
	/* MD5("1266890800:mbzrxpgjys:north.gov:nbRcrnq5h6xXhyNhlwk+lDLvVVo=") */
	assert_hex(key, STUN_KEY_MD5_LEN, "189beda23cf1b5c67dd164d580ac15b0");
	stun_key_md5(VEC_USER, strlen(VEC_USER), "north.gov", 9, VEC_PASS, strlen(VEC_PASS), want);
	assert_memory_equal(key, want, STUN_KEY_MD5_LEN);

	assert_int_equal(stun_rest_key(&s, 0, VEC_USER, strlen(VEC_USER), "north.gov", 9,
				       STUN_PWALG_SHA256, key),
			 STUN_KEY_SHA256_LEN);
	assert_hex(key, STUN_KEY_SHA256_LEN,
		   "e79cfd3e09ae2c49c555e896eb6a000dec621d47a145a9e8a4cc9450f3d4084b");

	assert_int_equal(stun_rest_key(&s, 1, VEC_USER, strlen(VEC_USER), "north.gov", 9,
				       STUN_PWALG_MD5, key),
			 0);
	assert_int_equal(stun_rest_key(&s, 0, VEC_USER, strlen(VEC_USER), "north.gov", 9, 3, key),
			 0);
	assert_int_equal(stun_rest_key(&s, 0, VEC_USER, strlen(VEC_USER), "north.gov", 9, 0, key),
			 0);
}

/* The server tries each secret in turn; only the one the client's
 * password was minted with yields the client's key. */
static void
test_rotation(void **state)
{
	struct stun_rest_secrets s = {0};
	uint8_t client_key[STUN_KEY_MD5_LEN], key[STUN_KEY_MAX_LEN];
	const char *const secrets[] = {"logen", "north", "bloody9"};
	int matches = 0, which = -1;

	(void)state;
	for (int i = 0; i < 3; i++)
		assert_int_equal(stun_rest_secrets_add(&s, secrets[i], strlen(secrets[i])), 0);
	assert_int_equal(s.n, 3);

	stun_key_md5(VEC_USER, strlen(VEC_USER), "north.gov", 9, VEC_PASS, strlen(VEC_PASS),
		     client_key);
	for (unsigned int i = 0; i < s.n; i++) {
		assert_int_equal(stun_rest_key(&s, i, VEC_USER, strlen(VEC_USER), "north.gov", 9,
					       STUN_PWALG_MD5, key),
				 STUN_KEY_MD5_LEN);
		if (memcmp(key, client_key, STUN_KEY_MD5_LEN) == 0) {
			matches++;
			which = (int)i;
		}
	}
	assert_int_equal(matches, 1);
	assert_int_equal(which, 1);

	/* The old secret leaves; a new one comes; "north" still works. */
	struct stun_rest_secrets s2 = {0};
	assert_int_equal(stun_rest_secrets_add(&s2, "bloody9", 7), 0);
	assert_int_equal(stun_rest_secrets_add(&s2, "north", 5), 0);
	assert_int_equal(stun_rest_key(&s2, 1, VEC_USER, strlen(VEC_USER), "north.gov", 9,
				       STUN_PWALG_MD5, key),
			 STUN_KEY_MD5_LEN);
	assert_memory_equal(key, client_key, STUN_KEY_MD5_LEN);
	assert_int_equal(stun_rest_key(&s2, 0, VEC_USER, strlen(VEC_USER), "north.gov", 9,
				       STUN_PWALG_MD5, key),
			 STUN_KEY_MD5_LEN);
	assert_memory_not_equal(key, client_key, STUN_KEY_MD5_LEN);
}

static void
test_secrets_add_limits(void **state)
{
	struct stun_rest_secrets s = {0};
	uint8_t big[STUN_REST_SECRET_MAX + 1];
	char name[8];

	(void)state;
	memset(big, 'k', sizeof(big));
	assert_int_equal(stun_rest_secrets_add(&s, "", 0), -EINVAL);
	assert_int_equal(stun_rest_secrets_add(&s, big, sizeof(big)), -EINVAL);
	assert_int_equal(s.n, 0);
	assert_int_equal(stun_rest_secrets_add(&s, big, STUN_REST_SECRET_MAX), 0);
	assert_int_equal(s.s[0].len, STUN_REST_SECRET_MAX);
	/* Adding it again takes no slot. */
	assert_int_equal(stun_rest_secrets_add(&s, big, STUN_REST_SECRET_MAX), 0);
	assert_int_equal(s.n, 1);
	for (int i = 1; i < STUN_REST_MAX_SECRETS; i++) {
		name[0] = 's';
		name[1] = (char)('0' + i);
		assert_int_equal(stun_rest_secrets_add(&s, name, 2), 0);
	}
	assert_int_equal(s.n, STUN_REST_MAX_SECRETS);
	assert_int_equal(stun_rest_secrets_add(&s, "one more", 8), -ENOSPC);
	/* A duplicate is still fine when full. */
	assert_int_equal(stun_rest_secrets_add(&s, "s1", 2), 0);
	assert_int_equal(s.n, STUN_REST_MAX_SECRETS);
}

struct parse_case {
	const char *u;
	char sep;
	int rc;
	uint64_t expiry;
	const char *user; /* expected user id */
};

static const struct parse_case parse_cases[] = {
	{"1266890800:mbzrxpgjys", ':', 0, 1266890800, "mbzrxpgjys"},
	{"mbzrxpgjys:1266890800", ':', 0, 1266890800, "mbzrxpgjys"},
	{"1266890800", ':', 0, 1266890800, ""},
	{"1266890800:mbzrxpgjys", 0, 0, 1266890800, "mbzrxpgjys"},
	{"1266890800-mbzrxpgjys", '-', 0, 1266890800, "mbzrxpgjys"},
	{"mbzrxpgjys-1266890800", '-', 0, 1266890800, "mbzrxpgjys"},
	{"1266890800:alice:bob", ':', 0, 1266890800, "alice:bob"},
	{"alice:bob:1266890800", ':', 0, 1266890800, "alice:bob"},
	/* Both numeric: the first part is the expiry. */
	{"1266890800:12345", ':', 0, 1266890800, "12345"},
	{"0:user", ':', 0, 0, "user"},
	{"18446744073709551615:user", ':', 0, UINT64_MAX, "user"},
	{"user:18446744073709551615", ':', 0, UINT64_MAX, "user"},
	/* Another separator than the one configured: no timestamp. */
	{"1266890800-mbzrxpgjys", ':', -EINVAL, 0, NULL},
	{"", ':', -EINVAL, 0, NULL},
	{":", ':', -EINVAL, 0, NULL},
	{"::", ':', -EINVAL, 0, NULL},
	{"1266890800:", ':', -EINVAL, 0, NULL},
	{":mbzrxpgjys", ':', -EINVAL, 0, NULL},
	{":1266890800", ':', -EINVAL, 0, NULL},
	{"mbzrxpgjys:", ':', -EINVAL, 0, NULL},
	{"mbzrxpgjys", ':', -EINVAL, 0, NULL},
	{"alice:bob", ':', -EINVAL, 0, NULL},
	{"12a:user", ':', -EINVAL, 0, NULL},
	{"user:12a", ':', -EINVAL, 0, NULL},
	{"user:1266890800:", ':', -EINVAL, 0, NULL},
	{"+1266890800:user", ':', -EINVAL, 0, NULL},
	{"-1:user", ':', -EINVAL, 0, NULL},
	{" 1266890800:user", ':', -EINVAL, 0, NULL},
	{"user: 1266890800", ':', -EINVAL, 0, NULL},
	{"1266890800 ", ':', -EINVAL, 0, NULL},
	{"0x10:user", ':', -EINVAL, 0, NULL},
	{"18446744073709551616:user", ':', -EINVAL, 0, NULL},
	{"user:18446744073709551616", ':', -EINVAL, 0, NULL},
	{"99999999999999999999999", ':', -EINVAL, 0, NULL},
};

static void
test_parse_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];
		uint64_t expiry = 42;
		const char *user = NULL;
		size_t user_len = 99;
		int rc = stun_rest_parse_username(c->u, strlen(c->u), c->sep, &expiry, &user,
						  &user_len);
		if (rc != c->rc)
			fail_msg("\"%s\": rc %d, want %d", c->u, rc, c->rc);
		if (rc != 0) {
			/* Outputs untouched on failure. */
			assert_int_equal(expiry, 42);
			assert_null(user);
			assert_int_equal(user_len, 99);
			continue;
		}
		if (expiry != c->expiry)
			fail_msg("\"%s\": expiry %llu", c->u, (unsigned long long)expiry);
		assert_non_null(user);
		assert_true(user >= c->u && user + user_len <= c->u + strlen(c->u));
		if (user_len != strlen(c->user) || memcmp(user, c->user, user_len) != 0)
			fail_msg("\"%s\": user \"%.*s\"", c->u, (int)user_len, user);
	}
}

/* Length is honoured: no reading past @len, no NUL needed. */
static void
test_parse_not_terminated(void **state)
{
	const char buf[] = "1266890800:mbzrxpgjysXXXX";
	uint64_t expiry;
	const char *user;
	size_t user_len;

	(void)state;
	assert_int_equal(stun_rest_parse_username(buf, 21, ':', &expiry, &user, &user_len), 0);
	assert_int_equal(user_len, 10);
	assert_int_equal(stun_rest_parse_username(buf, 10, ':', &expiry, &user, &user_len), 0);
	assert_int_equal(expiry, VEC_EXPIRY);
	assert_int_equal(user_len, 0);
	assert_int_equal(stun_rest_parse_username(buf, 11, ':', &expiry, &user, &user_len),
			 -EINVAL);
	assert_int_equal(stun_rest_parse_username(buf, 0, ':', &expiry, &user, &user_len),
			 -EINVAL);
}

static void
test_expiry(void **state)
{
	const char *a = VEC_USER, *b = "mbzrxpgjys:1266890800";

	(void)state;
	assert_int_equal(stun_rest_check_expiry(a, strlen(a), ':', VEC_EXPIRY - 86400), 0);
	assert_int_equal(stun_rest_check_expiry(a, strlen(a), ':', VEC_EXPIRY), 0);
	assert_int_equal(stun_rest_check_expiry(a, strlen(a), ':', VEC_EXPIRY + 1), -EKEYEXPIRED);
	assert_int_equal(stun_rest_check_expiry(b, strlen(b), ':', VEC_EXPIRY), 0);
	assert_int_equal(stun_rest_check_expiry(b, strlen(b), ':', VEC_EXPIRY + 1), -EKEYEXPIRED);
	assert_int_equal(stun_rest_check_expiry("1266890800", 10, ':', VEC_EXPIRY + 1),
			 -EKEYEXPIRED);
	assert_int_equal(stun_rest_check_expiry("gorst", 5, ':', 0), -EINVAL);
	assert_int_equal(stun_rest_check_expiry("gorst:", 6, ':', 0), -EINVAL);
	/* A fixed "now" well after the vector: everything minted then is dead. */
	assert_int_equal(stun_rest_check_expiry(a, strlen(a), ':', 1700000000), -EKEYEXPIRED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password_vector),
		cmocka_unit_test(test_password_long_secret),
		cmocka_unit_test(test_key_from_secret),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_secrets_add_limits),
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_parse_not_terminated),
		cmocka_unit_test(test_expiry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

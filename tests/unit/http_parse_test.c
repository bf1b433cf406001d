/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * http_parse: percent-decoding, query strings (escapes, duplicates,
 * limits), the Bearer parser, Origin matching, seconds and user ids,
 * each with the exact values expected and each kind of refusal.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http_parse.h"

static int
dec(const char *in, char *out, size_t cap)
{
	int n = http_pct_decode(in, strlen(in), out, cap, true);
	if (n >= 0 && (size_t)n < cap)
		out[n] = '\0';
	return n;
}

static void
test_pct_decode(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(dec("abc", out, sizeof(out)), 3);
	assert_string_equal(out, "abc");
	assert_int_equal(dec("a%20b+c", out, sizeof(out)), 5);
	assert_string_equal(out, "a b c");
	assert_int_equal(dec("%3a%3A%2b", out, sizeof(out)), 3);
	assert_string_equal(out, "::+");
	assert_int_equal(dec("%e2%82%ac", out, sizeof(out)), 3);
	assert_string_equal(out, "\xe2\x82\xac");
	assert_int_equal(dec("", out, sizeof(out)), 0);
	/* '+' literal when not form-encoded */
	assert_int_equal(http_pct_decode("a+b", 3, out, sizeof(out), false), 3);
	assert_memory_equal(out, "a+b", 3);

	/* bad escapes: short, non-hex, at the very end */
	assert_int_equal(dec("%", out, sizeof(out)), -EINVAL);
	assert_int_equal(dec("%4", out, sizeof(out)), -EINVAL);
	assert_int_equal(dec("ab%", out, sizeof(out)), -EINVAL);
	assert_int_equal(dec("%zz", out, sizeof(out)), -EINVAL);
	assert_int_equal(dec("%4g", out, sizeof(out)), -EINVAL);
	assert_int_equal(dec("%%41", out, sizeof(out)), -EINVAL);
	/* a decoded NUL */
	assert_int_equal(dec("a%00b", out, sizeof(out)), -EINVAL);
	/* no room */
	assert_int_equal(dec("abcd", out, 3), -ENOSPC);
	assert_int_equal(dec("%41%42", out, 2), 2);

	/* The decoder never reads past @len: a '%' at the edge is bad even if
	 * the bytes after it in memory are hex. */
	assert_int_equal(http_pct_decode("x%41", 2, out, sizeof(out), true), -EINVAL);
}

static void
test_query_basic(void **state)
{
	struct http_query q;
	size_t n;
	const char *v;
	const char *s = "ttl=600&username=alice%40example.com&flag&x=a+b";

	(void)state;
	assert_int_equal(http_query_parse(s, strlen(s), &q), 0);
	assert_int_equal(q.n, 4);
	v = http_query_get(&q, "ttl", &n);
	assert_non_null(v);
	assert_int_equal(n, 3);
	assert_string_equal(v, "600");
	assert_string_equal(http_query_get(&q, "username", NULL), "alice@example.com");
	v = http_query_get(&q, "flag", &n);
	assert_non_null(v);
	assert_int_equal(n, 0);
	assert_string_equal(http_query_get(&q, "x", NULL), "a b");
	assert_null(http_query_get(&q, "TTL", NULL));
	assert_null(http_query_get(&q, "missing", NULL));

	/* empty segments skipped, empty value kept, '=' in value kept */
	s = "&&a=&b==c&";
	assert_int_equal(http_query_parse(s, strlen(s), &q), 0);
	assert_int_equal(q.n, 2);
	assert_string_equal(http_query_get(&q, "a", &n), "");
	assert_int_equal(n, 0);
	assert_string_equal(http_query_get(&q, "b", NULL), "=c");

	assert_int_equal(http_query_parse("", 0, &q), 0);
	assert_int_equal(q.n, 0);

	/* keys are decoded before comparing */
	s = "us%65r=1";
	assert_int_equal(http_query_parse(s, strlen(s), &q), 0);
	assert_string_equal(http_query_get(&q, "user", NULL), "1");
}

static void
test_query_errors(void **state)
{
	struct http_query q;
	char big[HTTP_QUERY_MAX + 2];
	char many[256];
	size_t off = 0;

	(void)state;
	assert_int_equal(http_query_parse("a=1&a=2", 7, &q), -EINVAL);
	assert_int_equal(http_query_parse("a=1&%61=2", 9, &q), -EINVAL); /* same after decoding */
	assert_int_equal(http_query_parse("a&a", 3, &q), -EINVAL);
	assert_int_equal(http_query_parse("=x", 2, &q), -EINVAL);
	assert_int_equal(http_query_parse("a=%zz", 5, &q), -EINVAL);
	assert_int_equal(http_query_parse("a%0=1", 5, &q), -EINVAL);
	assert_int_equal(http_query_parse("a=%00", 5, &q), -EINVAL);
	assert_int_equal(http_query_parse("a=1&b=%", 7, &q), -EINVAL);

	memset(big, 'a', sizeof(big));
	assert_int_equal(http_query_parse(big, HTTP_QUERY_MAX + 1, &q), -E2BIG);
	/* exactly the limit is fine (one long key) */
	assert_int_equal(http_query_parse(big, HTTP_QUERY_MAX, &q), 0);
	assert_int_equal(q.n, 1);
	assert_int_equal(q.p[0].key_len, HTTP_QUERY_MAX);

	for (int i = 0; i <= HTTP_QUERY_MAX_PARAMS; i++)
		off += (size_t)snprintf(many + off, sizeof(many) - off, "k%d=%d&", i, i);
	assert_int_equal(http_query_parse(many, off, &q), -E2BIG);
	/* one fewer pair fits */
	off = 0;
	for (int i = 0; i < HTTP_QUERY_MAX_PARAMS; i++)
		off += (size_t)snprintf(many + off, sizeof(many) - off, "k%d=%d&", i, i);
	assert_int_equal(http_query_parse(many, off, &q), 0);
	assert_int_equal(q.n, HTTP_QUERY_MAX_PARAMS);
	assert_string_equal(http_query_get(&q, "k15", NULL), "15");
}

static void
test_bearer(void **state)
{
	const char *t = NULL;
	size_t n = 0;
	const char *h;
	char longtok[HTTP_TOKEN_MAX + 16];

	(void)state;
	h = "Bearer abc-DEF._~+/123==";
	assert_int_equal(http_auth_bearer(h, strlen(h), &t, &n), 0);
	assert_int_equal(n, strlen("abc-DEF._~+/123=="));
	assert_memory_equal(t, "abc-DEF._~+/123==", n);

	h = "  bEaReR   key  ";
	assert_int_equal(http_auth_bearer(h, strlen(h), &t, &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(t, "key", 3);

	h = "Basic dXNlcjpwYXNz";
	assert_int_equal(http_auth_bearer(h, strlen(h), &t, &n), -ENOTSUP);
	h = "Bearerx abc";
	assert_int_equal(http_auth_bearer(h, strlen(h), &t, &n), -ENOTSUP);
	h = "Bearer";
	assert_int_equal(http_auth_bearer(h, strlen(h), &t, &n), -EINVAL);
	h = "Bearer    ";
	assert_int_equal(http_auth_bearer(h, strlen(h), &t, &n), -EINVAL);
	h = "Bearer a b";
	assert_int_equal(http_auth_bearer(h, strlen(h), &t, &n), -EINVAL);
	h = "Bearer a=b";
	assert_int_equal(http_auth_bearer(h, strlen(h), &t, &n), -EINVAL);
	h = "Bearer =abc";
	assert_int_equal(http_auth_bearer(h, strlen(h), &t, &n), -EINVAL);
	h = "Bearer a\"b";
	assert_int_equal(http_auth_bearer(h, strlen(h), &t, &n), -EINVAL);
	assert_int_equal(http_auth_bearer("", 0, &t, &n), -EINVAL);

	/* Bounded by len: "Bearer ab" cut to "Bearer a" */
	assert_int_equal(http_auth_bearer("Bearer ab", 8, &t, &n), 0);
	assert_int_equal(n, 1);

	memcpy(longtok, "Bearer ", 7);
	memset(longtok + 7, 'x', HTTP_TOKEN_MAX);
	assert_int_equal(http_auth_bearer(longtok, 7 + HTTP_TOKEN_MAX, &t, &n), 0);
	assert_int_equal(n, HTTP_TOKEN_MAX);
	longtok[7 + HTTP_TOKEN_MAX] = 'x';
	assert_int_equal(http_auth_bearer(longtok, 8 + HTTP_TOKEN_MAX, &t, &n), -EINVAL);
}

static enum http_origin_match
om(const char *o, const char *allowed)
{
	return http_origin_match(o, strlen(o), allowed);
}

static void
test_origin(void **state)
{
	(void)state;
	assert_int_equal(om("https://app.example.com", "https://app.example.com"), HTTP_ORIGIN_EXACT);
	assert_int_equal(om("HTTPS://App.Example.com", "https://app.example.com"), HTTP_ORIGIN_EXACT);
	assert_int_equal(om("https://app.example.com:8443", "https://app.example.com:8443"),
			 HTTP_ORIGIN_EXACT);
	assert_int_equal(om("https://app.example.com:8443", "https://app.example.com"),
			 HTTP_ORIGIN_NO);
	assert_int_equal(om("http://app.example.com", "https://app.example.com"), HTTP_ORIGIN_NO);
	assert_int_equal(om("https://app.example.com.evil.net", "https://app.example.com"),
			 HTTP_ORIGIN_NO);
	assert_int_equal(om("https://evil.net", "*"), HTTP_ORIGIN_ANY);
	assert_int_equal(om("null", "*"), HTTP_ORIGIN_ANY);
	assert_int_equal(om("null", "https://a.b"), HTTP_ORIGIN_NO);

	/* not origins at all: nothing matches, not even "*" */
	assert_int_equal(om("", "*"), HTTP_ORIGIN_NO);
	assert_int_equal(om("https://a.b/path", "*"), HTTP_ORIGIN_NO);
	assert_int_equal(om("https://a.b/path", "https://a.b/path"), HTTP_ORIGIN_NO);
	assert_int_equal(om("https://a.b\r\nX: y", "*"), HTTP_ORIGIN_NO);
	assert_int_equal(om("https://", "*"), HTTP_ORIGIN_NO);
	assert_int_equal(om("://a.b", "*"), HTTP_ORIGIN_NO);
	assert_int_equal(om("1http://a.b", "*"), HTTP_ORIGIN_NO);
	assert_int_equal(om("https://user@a.b", "*"), HTTP_ORIGIN_NO);
	assert_int_equal(om("https://a b", "*"), HTTP_ORIGIN_NO);
}

static void
test_seconds(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(http_parse_seconds("600", 3, 1000, &v), 0);
	assert_int_equal(v, 600);
	assert_int_equal(http_parse_seconds("0", 1, 1000, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(http_parse_seconds("1001", 4, 1000, &v), 0);
	assert_int_equal(v, 1000);
	assert_int_equal(http_parse_seconds("18446744073709551615", 20, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(http_parse_seconds("99999999999999999999", 20, 172800, &v), 0);
	assert_int_equal(v, 172800);
	v = 7;
	assert_int_equal(http_parse_seconds("", 0, 1000, &v), -EINVAL);
	assert_int_equal(http_parse_seconds("-1", 2, 1000, &v), -EINVAL);
	assert_int_equal(http_parse_seconds("+1", 2, 1000, &v), -EINVAL);
	assert_int_equal(http_parse_seconds("1 ", 2, 1000, &v), -EINVAL);
	assert_int_equal(http_parse_seconds("1e3", 3, 1000, &v), -EINVAL);
	assert_int_equal(http_parse_seconds("abc", 3, 1000, &v), -EINVAL);
	assert_int_equal(http_parse_seconds("000000000000000000001", 21, 1000, &v), -EINVAL);
	assert_int_equal(v, 7); /* untouched on error */
}

static void
test_user_id(void **state)
{
	char u[HTTP_USER_ID_MAX + 1];

	(void)state;
	assert_true(http_user_id_valid("mbzrxpgjys", 10));
	assert_true(http_user_id_valid("alice@example.com", 17));
	assert_true(http_user_id_valid("a!~", 3));
	assert_false(http_user_id_valid("", 0));
	assert_false(http_user_id_valid("a:b", 3));
	assert_false(http_user_id_valid("a b", 3));
	assert_false(http_user_id_valid("a\x7f", 2));
	assert_false(http_user_id_valid("a\n", 2));
	assert_false(http_user_id_valid("\xc3\xa9", 2));
	memset(u, 'u', sizeof(u));
	assert_true(http_user_id_valid(u, HTTP_USER_ID_MAX));
	assert_false(http_user_id_valid(u, HTTP_USER_ID_MAX + 1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pct_decode), cmocka_unit_test(test_query_basic),
		cmocka_unit_test(test_query_errors), cmocka_unit_test(test_bearer),
		cmocka_unit_test(test_origin), cmocka_unit_test(test_seconds),
		cmocka_unit_test(test_user_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for what the ICE-server API parses from a request
 * (control/http_parse.c) and writes back (control/ice_json.c). The same
 * input is used as a query string, an Authorization header value, an
 * Origin header value, a ttl and a JSON string, and each result is
 * checked against the parser's promises:
 *
 *   - percent-decoding never grows the text, and decoding the
 *     re-encoded output gives the same bytes back;
 *   - a parsed query has at most HTTP_QUERY_MAX_PARAMS distinct keys,
 *     every key and value lies inside the query's buffer, NUL-terminated,
 *     and http_query_get finds each key's own value;
 *   - a Bearer token lies inside the header, is token68, and parses to
 *     itself when put back behind "Bearer ";
 *   - an origin "*" accepts also matches itself exactly;
 *   - seconds are never above the maximum asked for;
 *   - a JSON string is quoted, has no raw control character, and is at
 *     most six bytes per input byte plus its quotes.
 *
 * The input is copied to a heap buffer of exactly its size so that
 * ASan catches any read past it. Violations abort.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"
#include "ice_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                               \
	do {                                                                                   \
		if (!(c))                                                                      \
			abort();                                                               \
	} while (0)

static struct http_query q;
static char dec[HTTP_QUERY_MAX + 16], enc[3 * HTTP_QUERY_MAX + 16], dec2[HTTP_QUERY_MAX + 16];
static char json[6 * HTTP_QUERY_MAX + 16];

static bool
in_buf(const char *p, size_t len)
{
	return p >= q.buf && p + len < q.buf + sizeof(q.buf) && p[len] == '\0';
}

/* Percent-encode every byte outside the unreserved set (RFC 3986). */
static size_t
pct_encode(const char *s, size_t len, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	return o;
}

static void
check_decode(const char *s, size_t len)
{
	int n = http_pct_decode(s, len, dec, sizeof(dec), true);
	size_t e;
	int n2;

	if (n < 0)
		return;
	CHECK((size_t)n <= len);
	e = pct_encode(dec, (size_t)n, enc);
	n2 = http_pct_decode(enc, e, dec2, sizeof(dec2), true);
	CHECK(n2 == n);
	CHECK(memcmp(dec, dec2, (size_t)n) == 0);
}

static void
check_query(const char *s, size_t len)
{
	if (http_query_parse(s, len, &q) != 0)
		return;
	CHECK(len <= HTTP_QUERY_MAX);
	CHECK(q.n <= HTTP_QUERY_MAX_PARAMS);
	for (unsigned int i = 0; i < q.n; i++) {
		const struct http_query_param *p = &q.p[i];
		size_t vlen = 0;

		CHECK(p->key_len > 0 && p->key_len <= len && p->val_len <= len);
		CHECK(in_buf(p->key, p->key_len) && in_buf(p->val, p->val_len));
		for (unsigned int k = 0; k < i; k++)
			CHECK(q.p[k].key_len != p->key_len ||
			      memcmp(q.p[k].key, p->key, p->key_len) != 0);
		/* A key holding a decoded NUL is refused, so strlen is the key. */
		CHECK(strlen(p->key) == p->key_len);
		CHECK(http_query_get(&q, p->key, &vlen) == p->val && vlen == p->val_len);
	}
}

static void
check_bearer(const char *s, size_t len)
{
	const char *tok;
	size_t tlen;
	char again[HTTP_TOKEN_MAX + 16];
	const char *tok2;
	size_t tlen2;

	if (http_auth_bearer(s, len, &tok, &tlen) != 0)
		return;
	CHECK(tok >= s && tok + tlen <= s + len);
	CHECK(tlen > 0 && tlen <= HTTP_TOKEN_MAX);
	memcpy(again, "Bearer ", 7);
	memcpy(again + 7, tok, tlen);
	CHECK(http_auth_bearer(again, 7 + tlen, &tok2, &tlen2) == 0);
	CHECK(tok2 == again + 7 && tlen2 == tlen);
}

static void
check_origin(const char *s, size_t len)
{
	char self[300];
	enum http_origin_match m = http_origin_match(s, len, "*");

	CHECK(http_origin_match(s, len, "https://example.com") != HTTP_ORIGIN_ANY);
	if (m == HTTP_ORIGIN_NO)
		return;
	CHECK(m == HTTP_ORIGIN_ANY && len < sizeof(self));
	memcpy(self, s, len);
	self[len] = '\0';
	CHECK(strlen(self) == len); /* an accepted origin holds no NUL */
	CHECK(http_origin_match(s, len, self) == HTTP_ORIGIN_EXACT);
}

static void
check_seconds(const char *s, size_t len)
{
	uint64_t v = 0;

	if (http_parse_seconds(s, len, 172800, &v) == 0)
		CHECK(v <= 172800);
}

static void
check_json(const char *s, size_t len)
{
	int n;

	if (len > HTTP_QUERY_MAX)
		len = HTTP_QUERY_MAX;
	n = ice_json_string(s, len, json, sizeof(json));
	if (n < 0) {
		CHECK(n == -EINVAL);
		return;
	}
	CHECK((size_t)n >= 2 && (size_t)n <= 6 * len + 2);
	CHECK(json[0] == '"' && json[n - 1] == '"' && json[n] == '\0');
	for (int i = 0; i < n; i++)
		CHECK((unsigned char)json[i] >= 0x20 && json[i] != 0x7F);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size ? size : 1);

	if (s == NULL)
		return 0;
	if (size > 0)
		memcpy(s, data, size);
	check_decode(s, size > HTTP_QUERY_MAX ? HTTP_QUERY_MAX : size);
	check_query(s, size);
	check_bearer(s, size);
	check_origin(s, size);
	check_seconds(s, size);
	check_json(s, size);
	/* The user-id rule is a pure predicate; just run it. */
	(void)http_user_id_valid(s, size);
	free(s);
	return 0;
}

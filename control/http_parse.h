/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The parts of an HTTP request the ICE-server API looks at, parsed
 * without libevent so they can be unit-tested and fuzzed on their own:
 * the query string, the Authorization header, the Origin header, and the
 * values of ?ttl= and ?username=.
 *
 *   struct http_query q;
 *   if (http_query_parse("ttl=600&username=alice", 22, &q) != 0)
 *       ...  // 400
 *   size_t n;
 *   const char *ttl = http_query_get(&q, "ttl", &n);   // "600", n = 3
 *
 *   const char *tok; size_t toklen;
 *   http_auth_bearer("Bearer abc", 10, &tok, &toklen);  // tok = "abc"
 *
 * Every function reads at most the @len bytes it is given (the inputs
 * need not be NUL-terminated) and runs in time linear in @len.
 */
#ifndef TP_HTTP_PARSE_H
#define TP_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest query string accepted, before decoding (the request URI as a
 * whole is limited to HTTP_URI_MAX). */
#define HTTP_URI_MAX 2048
#define HTTP_QUERY_MAX HTTP_URI_MAX
#define HTTP_QUERY_MAX_PARAMS 16

/* Longest bearer token / API key accepted. */
#define HTTP_TOKEN_MAX 512

/* A user id in a minted REST username: 1..HTTP_USER_ID_MAX bytes of
 * printable ASCII (0x21-0x7E) other than ':' (the REST separator). */
#define HTTP_USER_ID_MAX 128

struct http_query_param {
	const char *key; /* NUL-terminated, into http_query.buf */
	size_t key_len;
	const char *val; /* NUL-terminated; "" for "key" without "=" */
	size_t val_len;
};

struct http_query {
	unsigned int n;
	struct http_query_param p[HTTP_QUERY_MAX_PARAMS];
	/* Decoded keys and values, each followed by a NUL. Decoding never
	 * grows text and every pair needs at most one byte more than its
	 * encoded form plus its separator, so twice the input always fits. */
	char buf[2 * HTTP_QUERY_MAX + 2];
};

/*
 * Percent-decode @len bytes of @in into @out (application/x-www-form-
 * urlencoded: '+' is a space when @plus_space). Writes no NUL. Returns
 * the decoded length (never more than @len), -EINVAL for a '%' not
 * followed by two hex digits or for a decoded NUL byte, or -ENOSPC when
 * @cap is too small.
 */
int http_pct_decode(const char *in, size_t len, char *out, size_t cap, bool plus_space);

/*
 * Split a query string (the part after '?', without '#fragment') into
 * decoded key/value pairs. Empty segments ("a=1&&b=2", a trailing '&')
 * are skipped. Returns 0; -EINVAL for a bad escape, a decoded NUL, an
 * empty key or a key given twice (parameter pollution is refused, not
 * resolved); -E2BIG for more than HTTP_QUERY_MAX bytes or more than
 * HTTP_QUERY_MAX_PARAMS pairs. @out is undefined on error.
 */
int http_query_parse(const char *q, size_t len, struct http_query *out);

/* The value of @key (exact, case-sensitive), or NULL. @len may be NULL. */
const char *http_query_get(const struct http_query *q, const char *key, size_t *len);

/*
 * Parse an Authorization header value of the form
 * "Bearer" 1*SP token68 *SP (RFC 6750 2.1; the scheme is
 * case-insensitive). On success *@tok points into @hdr. Returns 0;
 * -ENOTSUP for another scheme (e.g. "Basic ..."); -EINVAL for anything
 * else malformed (no token, characters outside token68, a token longer
 * than HTTP_TOKEN_MAX).
 */
int http_auth_bearer(const char *hdr, size_t len, const char **tok, size_t *tok_len);

enum http_origin_match {
	HTTP_ORIGIN_NO = 0,
	HTTP_ORIGIN_EXACT, /* @allowed is this origin: echo it back */
	HTTP_ORIGIN_ANY,   /* @allowed is "*": answer "*" */
};

/*
 * Whether the Origin header value @origin (@len bytes) is allowed by one
 * configured entry @allowed (a NUL-terminated origin such as
 * "https://app.example.com" or "*"). The header must look like an origin
 * (RFC 6454 serialisation: "null", or scheme "://" host [":" port] made
 * of visible ASCII without '/', at most 255 bytes) or nothing matches.
 * Scheme and host compare ASCII case-insensitively.
 */
enum http_origin_match http_origin_match(const char *origin, size_t len, const char *allowed);

/*
 * A decimal number of seconds: 1..20 ASCII digits, no sign, no spaces.
 * Values above @max (including ones that overflow 64 bits) become @max.
 * Returns 0, or -EINVAL if it is not such a number.
 */
int http_parse_seconds(const char *s, size_t len, uint64_t max, uint64_t *out);

/* Whether @u is an acceptable user id (HTTP_USER_ID_MAX above). */
bool http_user_id_valid(const char *u, size_t len);

#endif

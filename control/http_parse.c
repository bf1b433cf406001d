/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Query strings, the Authorization header, Origin matching and the small
 * values of the ICE-server API: see http_parse.h. Pure C (no libevent),
 * so the fuzzer and the unit tests link it alone.
 *
 * Everything here is strict on purpose: a request the API cannot read
 * one way only (a bad escape, a key given twice, a token with spaces in
 * it) is answered 400 rather than guessed at.
 */
#include "http_parse.h"

#include <errno.h>
#include <string.h>

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static unsigned char
lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

int
http_pct_decode(const char *in, size_t len, char *out, size_t cap, bool plus_space)
{
	size_t i = 0, o = 0;

	while (i < len) {
		unsigned char c = (unsigned char)in[i];

		if (c == '%') {
			int hi, lo;

			if (len - i < 3)
				return -EINVAL;
			hi = hexval((unsigned char)in[i + 1]);
			lo = hexval((unsigned char)in[i + 2]);
			if (hi < 0 || lo < 0)
				return -EINVAL;
			c = (unsigned char)(hi << 4 | lo);
			i += 3;
		} else {
			if (c == '+' && plus_space)
				c = ' ';
			i++;
		}
		if (c == 0)
			return -EINVAL;
		if (o >= cap)
			return -ENOSPC;
		out[o++] = (char)c;
	}
	return (int)o;
}

/* Decode one key or value into the query's buffer, NUL-terminated. */
static int
decode_into(struct http_query *q, size_t *used, const char *s, size_t len, const char **dst,
	    size_t *dlen)
{
	size_t room = sizeof(q->buf) - *used;
	int n;

	if (room == 0)
		return -E2BIG;
	n = http_pct_decode(s, len, q->buf + *used, room - 1, true);
	if (n == -ENOSPC)
		return -E2BIG;
	if (n < 0)
		return n;
	*dst = q->buf + *used;
	*dlen = (size_t)n;
	q->buf[*used + (size_t)n] = '\0';
	*used += (size_t)n + 1;
	return 0;
}

int
http_query_parse(const char *s, size_t len, struct http_query *q)
{
	size_t i = 0, used = 0;

	q->n = 0;
	if (len > HTTP_QUERY_MAX)
		return -E2BIG;
	while (i < len) {
		const char *seg = s + i, *amp, *eq;
		size_t seglen, klen;
		struct http_query_param *p;
		int rc;

		amp = memchr(seg, '&', len - i);
		seglen = amp ? (size_t)(amp - seg) : len - i;
		i += seglen + (amp ? 1 : 0);
		if (seglen == 0)
			continue;
		if (q->n == HTTP_QUERY_MAX_PARAMS)
			return -E2BIG;
		p = &q->p[q->n];

		eq = memchr(seg, '=', seglen);
		klen = eq ? (size_t)(eq - seg) : seglen;
		if (klen == 0)
			return -EINVAL;
		rc = decode_into(q, &used, seg, klen, &p->key, &p->key_len);
		if (rc != 0)
			return rc;
		if (eq)
			rc = decode_into(q, &used, eq + 1, seglen - klen - 1, &p->val, &p->val_len);
		else
			rc = decode_into(q, &used, seg, 0, &p->val, &p->val_len);
		if (rc != 0)
			return rc;
		/* A key that decodes to nothing ("%" cannot, but be explicit) or
		 * that is already present is refused. */
		if (p->key_len == 0)
			return -EINVAL;
		for (unsigned int k = 0; k < q->n; k++)
			if (q->p[k].key_len == p->key_len &&
			    memcmp(q->p[k].key, p->key, p->key_len) == 0)
				return -EINVAL;
		q->n++;
	}
	return 0;
}

const char *
http_query_get(const struct http_query *q, const char *key, size_t *len)
{
	size_t klen = strlen(key);

	for (unsigned int i = 0; i < q->n; i++) {
		if (q->p[i].key_len == klen && memcmp(q->p[i].key, key, klen) == 0) {
			if (len)
				*len = q->p[i].val_len;
			return q->p[i].val;
		}
	}
	return NULL;
}

/* token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
static bool
token68_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

int
http_auth_bearer(const char *hdr, size_t len, const char **tok, size_t *tok_len)
{
	static const char scheme[] = "bearer";
	const size_t slen = sizeof(scheme) - 1;
	size_t i = 0, start, end;

	/* Optional whitespace around a field value is not part of it
	 * (RFC 9110 5.5); libevent already strips it, callers may not. */
	while (i < len && (hdr[i] == ' ' || hdr[i] == '\t'))
		i++;
	while (len > i && (hdr[len - 1] == ' ' || hdr[len - 1] == '\t'))
		len--;

	/* The scheme: a token up to the first space. */
	start = i;
	while (i < len && hdr[i] != ' ' && hdr[i] != '\t')
		i++;
	if (i == start)
		return -EINVAL;
	if (i - start != slen)
		return -ENOTSUP;
	for (size_t k = 0; k < slen; k++)
		if (lower((unsigned char)hdr[start + k]) != (unsigned char)scheme[k])
			return -ENOTSUP;

	while (i < len && hdr[i] == ' ')
		i++;
	start = i;
	while (i < len && token68_char((unsigned char)hdr[i]))
		i++;
	if (i == start)
		return -EINVAL;
	while (i < len && hdr[i] == '=')
		i++;
	end = i;
	if (end != len)
		return -EINVAL; /* a space inside, or a character outside token68 */
	if (end - start > HTTP_TOKEN_MAX)
		return -EINVAL;
	*tok = hdr + start;
	*tok_len = end - start;
	return 0;
}

/*
 * The shape of a serialised origin, checked loosely: "null", or
 * "<scheme>://<host>[:<port>]" with a scheme of letters/digits/+-. and a
 * host+port of visible ASCII without '/', '?', '#', '@' or whitespace.
 * Browsers send exactly this; anything else did not come from one.
 */
static bool
origin_shape_ok(const char *o, size_t len)
{
	size_t i = 0, host;

	if (len == 0 || len > 255)
		return false;
	if (len == 4 && memcmp(o, "null", 4) == 0)
		return true;
	while (i < len && ((o[i] >= 'a' && o[i] <= 'z') || (o[i] >= 'A' && o[i] <= 'Z') ||
			   (i > 0 && ((o[i] >= '0' && o[i] <= '9') || o[i] == '+' ||
				      o[i] == '-' || o[i] == '.'))))
		i++;
	if (i == 0 || len - i < 4 || memcmp(o + i, "://", 3) != 0)
		return false;
	i += 3;
	host = i;
	for (; i < len; i++) {
		unsigned char c = (unsigned char)o[i];
		if (c <= 0x20 || c >= 0x7F || c == '/' || c == '?' || c == '#' || c == '@' ||
		    c == '\\')
			return false;
	}
	return i > host;
}

enum http_origin_match
http_origin_match(const char *origin, size_t len, const char *allowed)
{
	size_t alen = strlen(allowed);

	if (!origin_shape_ok(origin, len))
		return HTTP_ORIGIN_NO;
	if (alen == 1 && allowed[0] == '*')
		return HTTP_ORIGIN_ANY;
	if (alen != len)
		return HTTP_ORIGIN_NO;
	for (size_t i = 0; i < len; i++)
		if (lower((unsigned char)origin[i]) != lower((unsigned char)allowed[i]))
			return HTTP_ORIGIN_NO;
	return HTTP_ORIGIN_EXACT;
}

int
http_parse_seconds(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	bool big = false;

	if (len == 0 || len > 20)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned int d;

		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		d = (unsigned int)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			big = true;
		else
			v = v * 10 + d;
	}
	*out = (big || v > max) ? max : v;
	return 0;
}

bool
http_user_id_valid(const char *u, size_t len)
{
	if (len == 0 || len > HTTP_USER_ID_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)u[i];
		if (c < 0x21 || c > 0x7E || c == ':')
			return false;
	}
	return true;
}

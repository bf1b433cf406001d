/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JSON bodies of the ICE-server API: see ice_json.h.
 *
 * A small append-only writer that remembers the first error, so the
 * builders read as the JSON they produce and check once at the end.
 * Strings are escaped per RFC 8259 section 7: '"', '\\' and every control
 * character (U+0000-U+001F, and DEL for good measure) are escaped; other
 * bytes pass through after a UTF-8 well-formedness check, since JSON
 * text must be UTF-8 and a byte-level escape of invalid input does not
 * exist.
 */
#include "ice_json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct jw {
	char *buf;
	size_t cap;
	size_t off;
	int err;
};

static void
jw_raw(struct jw *w, const char *s, size_t n)
{
	if (w->err)
		return;
	/* Keep one byte for the final NUL. */
	if (w->cap == 0 || n > w->cap - 1 - w->off) {
		w->err = -ENOSPC;
		return;
	}
	memcpy(w->buf + w->off, s, n);
	w->off += n;
}

static void
jw_lit(struct jw *w, const char *s)
{
	jw_raw(w, s, strlen(s));
}

static void
jw_u64(struct jw *w, uint64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%" PRIu64, v);
	jw_raw(w, tmp, (size_t)n);
}

/* Length of the well-formed UTF-8 sequence at @s (1..4), or 0 if it is
 * not one: no overlongs, no surrogates, nothing above U+10FFFF. */
static size_t
utf8_seq(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t cp, min;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2, cp = c & 0x1F, min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3, cp = c & 0x0F, min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4, cp = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

static void
jw_str(struct jw *w, const char *str, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	jw_raw(w, "\"", 1);
	while (i < len && !w->err) {
		unsigned char c = s[i];
		char esc[6];

		if (c >= 0x80) {
			size_t n = utf8_seq(s + i, len - i);
			if (n == 0) {
				w->err = -EINVAL;
				return;
			}
			jw_raw(w, str + i, n);
			i += n;
			continue;
		}
		i++;
		switch (c) {
		case '"':
			jw_raw(w, "\\\"", 2);
			break;
		case '\\':
			jw_raw(w, "\\\\", 2);
			break;
		case '\n':
			jw_raw(w, "\\n", 2);
			break;
		case '\r':
			jw_raw(w, "\\r", 2);
			break;
		case '\t':
			jw_raw(w, "\\t", 2);
			break;
		case '\b':
			jw_raw(w, "\\b", 2);
			break;
		case '\f':
			jw_raw(w, "\\f", 2);
			break;
		default:
			if (c < 0x20 || c == 0x7F) {
				memcpy(esc, "\\u00", 4);
				esc[4] = hex[c >> 4];
				esc[5] = hex[c & 0xF];
				jw_raw(w, esc, 6);
			} else {
				jw_raw(w, (const char *)&s[i - 1], 1);
			}
		}
	}
	jw_raw(w, "\"", 1);
}

static void
jw_cstr(struct jw *w, const char *s)
{
	jw_str(w, s, strlen(s));
}

static int
jw_end(struct jw *w)
{
	if (w->cap > 0)
		w->buf[w->off < w->cap ? w->off : w->cap - 1] = '\0';
	if (w->err)
		return w->err;
	return (int)w->off;
}

static bool
is_stun_url(const char *u)
{
	return strncasecmp(u, "stun:", 5) == 0 || strncasecmp(u, "stuns:", 6) == 0;
}

/* ["url", ...] of the URLs that are (@stun) or are not STUN URLs. */
static void
jw_urls(struct jw *w, const struct ice_cred *c, bool stun)
{
	bool first = true;

	jw_raw(w, "[", 1);
	for (unsigned int i = 0; i < c->n_urls; i++) {
		if (is_stun_url(c->urls[i]) != stun)
			continue;
		if (!first)
			jw_raw(w, ",", 1);
		jw_cstr(w, c->urls[i]);
		first = false;
	}
	jw_raw(w, "]", 1);
}

static unsigned int
count_urls(const struct ice_cred *c, bool stun)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < c->n_urls; i++)
		n += is_stun_url(c->urls[i]) == stun;
	return n;
}

int
ice_json_rfc3339(uint64_t t, char *out, size_t cap)
{
	struct tm tm;
	time_t tt;
	int n;

	/* 253402300799 is 9999-12-31T23:59:59Z. */
	if (t > 253402300799ULL)
		return -ERANGE;
	tt = (time_t)t;
	if (gmtime_r(&tt, &tm) == NULL)
		return -ERANGE;
	n = snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return n;
}

int
ice_json_config(const struct ice_cred *c, char *buf, size_t cap)
{
	struct jw w = {buf, cap, 0, 0};
	char when[32];
	bool any = false;
	int rc;

	rc = ice_json_rfc3339(c->expires_at, when, sizeof(when));
	if (rc < 0) {
		if (cap > 0)
			buf[0] = '\0';
		return -EINVAL; /* an expiry past year 9999 */
	}

	jw_lit(&w, "{\"iceServers\":[");
	if (count_urls(c, true) > 0) {
		jw_lit(&w, "{\"urls\":");
		jw_urls(&w, c, true);
		jw_lit(&w, "}");
		any = true;
	}
	if (count_urls(c, false) > 0) {
		if (any)
			jw_lit(&w, ",");
		jw_lit(&w, "{\"urls\":");
		jw_urls(&w, c, false);
		jw_lit(&w, ",\"username\":");
		jw_cstr(&w, c->username);
		jw_lit(&w, ",\"credential\":");
		jw_cstr(&w, c->credential);
		jw_lit(&w, "}");
	}
	jw_lit(&w, "],\"iceTransportPolicy\":\"all\",\"ttl\":");
	jw_u64(&w, c->ttl);
	jw_lit(&w, ",\"expiresAt\":");
	jw_cstr(&w, when);
	jw_lit(&w, "}");
	return jw_end(&w);
}

int
ice_json_rest(const struct ice_cred *c, char *buf, size_t cap)
{
	struct jw w = {buf, cap, 0, 0};

	jw_lit(&w, "{\"username\":");
	jw_cstr(&w, c->username);
	jw_lit(&w, ",\"password\":");
	jw_cstr(&w, c->credential);
	jw_lit(&w, ",\"ttl\":");
	jw_u64(&w, c->ttl);
	jw_lit(&w, ",\"uris\":");
	jw_urls(&w, c, false);
	jw_lit(&w, "}");
	return jw_end(&w);
}

int
ice_json_error(const char *code, const char *message, char *buf, size_t cap)
{
	struct jw w = {buf, cap, 0, 0};

	jw_lit(&w, "{\"error\":");
	jw_cstr(&w, code);
	jw_lit(&w, ",\"message\":");
	jw_cstr(&w, message);
	jw_lit(&w, "}");
	return jw_end(&w);
}

int
ice_json_string(const char *s, size_t len, char *buf, size_t cap)
{
	struct jw w = {buf, cap, 0, 0};

	jw_str(&w, s, len);
	return jw_end(&w);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The JSON bodies of the ICE-server API, written into a caller's buffer
 * (pure C, no allocation):
 *
 *   const char *urls[] = { "stun:198.18.0.2:3478", "turn:198.18.0.2:3478?transport=udp" };
 *   struct ice_cred c = { .username = "1700000000:alice", .credential = "...",
 *                         .ttl = 600, .expires_at = 1700000000,
 *                         .urls = urls, .n_urls = 2 };
 *   char body[4096];
 *   int n = ice_json_config(&c, body, sizeof(body));
 *   // {"iceServers":[{"urls":["stun:198.18.0.2:3478"]},
 *   //  {"urls":["turn:198.18.0.2:3478?transport=udp"],"username":"1700000000:alice",
 *   //   "credential":"..."}],"iceTransportPolicy":"all","ttl":600,
 *   //  "expiresAt":"2023-11-14T22:13:20Z"}
 *
 * stun:/stuns: URLs (case-insensitive scheme) go into an entry without
 * credentials; every other URL into the entry that carries them. An entry
 * with no URL is left out. The TURN REST draft body (ice_json_rest) lists
 * only the TURN URLs, as the draft's "uris".
 *
 * Every builder returns the length written (a NUL follows it), -ENOSPC
 * if @cap is too small (the buffer then holds a truncated prefix, never
 * unterminated when @cap > 0), or -EINVAL if a string is not valid UTF-8
 * (JSON text must be).
 */
#ifndef TP_ICE_JSON_H
#define TP_ICE_JSON_H

#include <stddef.h>
#include <stdint.h>

struct ice_cred {
	const char *username;   /* "<expiry>:<user id>" or "<expiry>" */
	const char *credential; /* base64(HMAC-SHA1(secret, username)) */
	uint32_t ttl;           /* seconds */
	uint64_t expires_at;    /* Unix seconds */
	const char *const *urls;
	unsigned int n_urls;
};

/* The /v1/ice body (RTCConfiguration-like). */
int ice_json_config(const struct ice_cred *c, char *buf, size_t cap);

/* The TURN REST draft body: {"username","password","ttl","uris"}. */
int ice_json_rest(const struct ice_cred *c, char *buf, size_t cap);

/* {"error":"<code>","message":"<message>"} */
int ice_json_error(const char *code, const char *message, char *buf, size_t cap);

/* Append @s (@len bytes) as a JSON string, quotes included. The rest of
 * the module uses it; exported for tests and other JSON writers. Same
 * returns as above, the length being that of the string written. */
int ice_json_string(const char *s, size_t len, char *buf, size_t cap);

/* "YYYY-MM-DDTHH:MM:SSZ" (RFC 3339, UTC) of Unix seconds @t into @out
 * (at least 21 bytes for years up to 9999). Returns the length, or
 * -ERANGE if the year does not fit in four digits. */
int ice_json_rfc3339(uint64_t t, char *out, size_t cap);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transport addresses and 5-tuples, independent of sockaddr and of DPDK.
 *
 *   struct stun_addr a;
 *   stun_addr_from_string(&a, "198.18.0.1", 3478);   // or "[2001:db8::1]:3478" with port 0
 *   char s[STUN_ADDR_STRLEN];
 *   stun_addr_format(&a, s, sizeof(s));               // "198.18.0.1:3478"
 *
 * IPv4 addresses sit in ip[0..3]; ip[4..15] are always zero so that
 * memcmp/hash over the whole struct is well defined.
 */
#ifndef STUN_ADDR_H
#define STUN_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "stun_proto.h"

#define STUN_ADDR_STRLEN 48 /* "[" + INET6_ADDRSTRLEN + "]:" + port */

struct stun_addr {
	uint8_t family; /* enum stun_family; 0 = unset */
	uint8_t pad;
	uint16_t port;  /* host byte order */
	uint8_t ip[16]; /* network byte order */
};

/* A transport 5-tuple as TURN sees it: the client's address, the server's
 * address it sent to, and the transport protocol (always UDP for now). */
struct stun_5tuple {
	struct stun_addr client;
	struct stun_addr server;
	uint8_t proto; /* TURN_TRANSPORT_UDP */
};

static inline size_t
stun_addr_iplen(const struct stun_addr *a)
{
	return a->family == STUN_FAMILY_IPV6 ? 16 : 4;
}

/* Set from raw bytes; port in host order. */
void stun_addr_set_v4(struct stun_addr *a, const uint8_t ip[4], uint16_t port);
void stun_addr_set_v6(struct stun_addr *a, const uint8_t ip[16], uint16_t port);

/* Parse "a.b.c.d", "a.b.c.d:port", "x::y", "[x::y]:port". A port in the
 * string overrides @port. Returns 0 or -EINVAL. */
int stun_addr_from_string(struct stun_addr *a, const char *s, uint16_t port);

/* "a.b.c.d:port" or "[x::y]:port". Returns the length written (snprintf
 * semantics). */
int stun_addr_format(const struct stun_addr *a, char *buf, size_t len);

bool stun_addr_equal(const struct stun_addr *a, const struct stun_addr *b);
/* Same family and IP, ports ignored (permissions are per IP). */
bool stun_addr_ip_equal(const struct stun_addr *a, const struct stun_addr *b);

static inline uint64_t
stun_ld64_(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Equal families, ports, addresses (all 16 bytes: the IPv4 tail is zero)
 * and protocol; the pad bytes are not compared, callers may leave them
 * uninitialised. Inline and branch-light: tables compare on every packet. */
static inline bool
stun_5tuple_equal(const struct stun_5tuple *a, const struct stun_5tuple *b)
{
	uint64_t d = (stun_ld64_(a->client.ip) ^ stun_ld64_(b->client.ip)) |
		     (stun_ld64_(a->client.ip + 8) ^ stun_ld64_(b->client.ip + 8)) |
		     (stun_ld64_(a->server.ip) ^ stun_ld64_(b->server.ip)) |
		     (stun_ld64_(a->server.ip + 8) ^ stun_ld64_(b->server.ip + 8));

	return d == 0 && a->client.port == b->client.port && a->server.port == b->server.port &&
	       a->client.family == b->client.family && a->server.family == b->server.family &&
	       a->proto == b->proto;
}

static inline uint64_t
stun_hash_word_(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9E3779B97F4A7C15ull;
	return h ^ (h >> 29);
}

/*
 * A seeded, non-cryptographic hash for tables: multiply-xorshift over the
 * 5-tuple's words (pad bytes skipped), finished with MurmurHash3's fmix64
 * so both halves of the result depend on every input bit (a table may
 * take buckets from the high bits and tags from the low ones). With a
 * secret seed, clients cannot aim their 5-tuples at one bucket.
 */
static inline uint64_t
stun_5tuple_hash64(const struct stun_5tuple *t, uint64_t seed)
{
	uint64_t h = seed;

	h = stun_hash_word_(h, (uint64_t)t->client.family | (uint64_t)t->client.port << 8 |
				       (uint64_t)t->server.family << 24 |
				       (uint64_t)t->server.port << 32 | (uint64_t)t->proto << 48);
	h = stun_hash_word_(h, stun_ld64_(t->client.ip));
	h = stun_hash_word_(h, stun_ld64_(t->client.ip + 8));
	h = stun_hash_word_(h, stun_ld64_(t->server.ip));
	h = stun_hash_word_(h, stun_ld64_(t->server.ip + 8));
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

/* The same, 32 bits, for tables that index with the low bits. */
static inline uint32_t
stun_5tuple_hash(const struct stun_5tuple *t, uint32_t seed)
{
	return (uint32_t)stun_5tuple_hash64(t, seed);
}

/*
 * Address attributes on the wire (MAPPED-ADDRESS style and the XOR-ed
 * form). @tid is the 12-byte transaction id, needed for XOR of IPv6.
 *
 * stun_addr_decode / stun_addr_decode_xor: @val/@len is the attribute
 * value. Returns 0, or -EBADMSG if the length does not match the family
 * (8 for IPv4, 20 for IPv6), -EAFNOSUPPORT for an unknown family, and
 * (decode_xor only) -EINVAL for an IPv6 address with @tid == NULL.
 *
 * stun_addr_encode / stun_addr_encode_xor write 8 or 20 bytes into @out
 * and return that length, or return 0 (nothing written that matters) if
 * @a has no family, or is IPv6 and @tid is NULL.
 */
int stun_addr_decode(struct stun_addr *a, const uint8_t *val, size_t len);
int stun_addr_decode_xor(struct stun_addr *a, const uint8_t *val, size_t len, const uint8_t *tid);
size_t stun_addr_encode(const struct stun_addr *a, uint8_t out[20]);
size_t stun_addr_encode_xor(const struct stun_addr *a, uint8_t out[20], const uint8_t *tid);

#endif

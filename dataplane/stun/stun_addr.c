/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transport addresses: construction, text form, comparison, the 5-tuple
 * hash used by the allocation tables, and the MAPPED-ADDRESS /
 * XOR-MAPPED-ADDRESS wire encodings (RFC 8489 sections 14.1 and 14.2).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "stun_bytes.h"
#include "stun_addr.h"

void
stun_addr_set_v4(struct stun_addr *a, const uint8_t ip[4], uint16_t port)
{
	/* Zero everything first: equality and hashing rely on ip[4..15]
	 * and pad being zero. */
	memset(a, 0, sizeof(*a));
	a->family = STUN_FAMILY_IPV4;
	a->port = port;
	memcpy(a->ip, ip, 4);
}

void
stun_addr_set_v6(struct stun_addr *a, const uint8_t ip[16], uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = STUN_FAMILY_IPV6;
	a->port = port;
	memcpy(a->ip, ip, 16);
}

/* Strict decimal port: 1 to 5 digits, no sign, no spaces, <= 65535. */
static int
parse_port(const char *s, uint16_t *port)
{
	unsigned long v = 0;
	size_t n = 0;

	for (; s[n] != '\0'; n++) {
		if (s[n] < '0' || s[n] > '9' || n >= 5)
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[n] - '0');
	}
	if (n == 0 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/*
 * Accepts "a.b.c.d", "a.b.c.d:port", "x::y", "[x::y]" and "[x::y]:port".
 * An IPv6 address without brackets cannot carry a port, since its last
 * group would be ambiguous. Zone ids ("%eth0") are refused by inet_pton.
 */
int
stun_addr_from_string(struct stun_addr *a, const char *s, uint16_t port)
{
	char host[64];
	const char *port_str = NULL;
	bool bracketed = s != NULL && s[0] == '[';
	size_t hlen;
	uint8_t ip[16];

	if (a == NULL || s == NULL)
		return -EINVAL;

	if (bracketed) {
		const char *close = strchr(s, ']');
		if (close == NULL)
			return -EINVAL;
		hlen = (size_t)(close - (s + 1));
		if (close[1] == ':')
			port_str = close + 2;
		else if (close[1] != '\0')
			return -EINVAL;
		s++;
	} else {
		const char *colon = strchr(s, ':');
		hlen = strlen(s);
		/* Exactly one colon: IPv4 with a port. More: bare IPv6. */
		if (colon != NULL && strchr(colon + 1, ':') == NULL) {
			hlen = (size_t)(colon - s);
			port_str = colon + 1;
		}
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hlen);
	host[hlen] = '\0';

	if (port_str != NULL && parse_port(port_str, &port) != 0)
		return -EINVAL;

	if (inet_pton(AF_INET, host, ip) == 1) {
		/* "[1.2.3.4]" is not a valid form. */
		if (bracketed)
			return -EINVAL;
		stun_addr_set_v4(a, ip, port);
		return 0;
	}
	if (inet_pton(AF_INET6, host, ip) == 1) {
		stun_addr_set_v6(a, ip, port);
		return 0;
	}
	return -EINVAL;
}

int
stun_addr_format(const struct stun_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	switch (a->family) {
	case STUN_FAMILY_IPV4:
		inet_ntop(AF_INET, a->ip, ip, sizeof(ip));
		return snprintf(buf, len, "%s:%u", ip, (unsigned int)a->port);
	case STUN_FAMILY_IPV6:
		inet_ntop(AF_INET6, a->ip, ip, sizeof(ip));
		return snprintf(buf, len, "[%s]:%u", ip, (unsigned int)a->port);
	default:
		return snprintf(buf, len, "(unset)");
	}
}

bool
stun_addr_ip_equal(const struct stun_addr *a, const struct stun_addr *b)
{
	/* ip[4..15] is zero for IPv4, so one 16-byte compare serves both. */
	return a->family == b->family && memcmp(a->ip, b->ip, sizeof(a->ip)) == 0;
}

bool
stun_addr_equal(const struct stun_addr *a, const struct stun_addr *b)
{
	return a->port == b->port && stun_addr_ip_equal(a, b);
}

/* Shared by both decoders: family and length checks, plain copy. */
static int
addr_decode_plain(struct stun_addr *a, const uint8_t *val, size_t len)
{
	if (len < 4)
		return -EBADMSG;
	switch (val[1]) {
	case STUN_FAMILY_IPV4:
		if (len != 8)
			return -EBADMSG;
		stun_addr_set_v4(a, val + 4, stun_rd16(val + 2));
		return 0;
	case STUN_FAMILY_IPV6:
		if (len != 20)
			return -EBADMSG;
		stun_addr_set_v6(a, val + 4, stun_rd16(val + 2));
		return 0;
	default:
		return -EAFNOSUPPORT;
	}
}

int
stun_addr_decode(struct stun_addr *a, const uint8_t *val, size_t len)
{
	return addr_decode_plain(a, val, len);
}

/* The XOR mask: cookie || transaction id, as on the wire. */
static void
xor_mask(uint8_t mask[16], const uint8_t *tid)
{
	mask[0] = (uint8_t)(STUN_MAGIC_COOKIE >> 24);
	mask[1] = (uint8_t)(STUN_MAGIC_COOKIE >> 16);
	mask[2] = (uint8_t)(STUN_MAGIC_COOKIE >> 8);
	mask[3] = (uint8_t)STUN_MAGIC_COOKIE;
	if (tid != NULL)
		memcpy(mask + 4, tid, STUN_TID_LEN);
	else
		memset(mask + 4, 0, STUN_TID_LEN);
}

int
stun_addr_decode_xor(struct stun_addr *a, const uint8_t *val, size_t len, const uint8_t *tid)
{
	uint8_t mask[16];
	int rc = addr_decode_plain(a, val, len);

	if (rc != 0)
		return rc;
	/* IPv6 needs the transaction id; without one the result would be
	 * silently wrong. */
	if (a->family == STUN_FAMILY_IPV6 && tid == NULL) {
		memset(a, 0, sizeof(*a));
		return -EINVAL;
	}
	xor_mask(mask, tid);
	a->port ^= (uint16_t)(STUN_MAGIC_COOKIE >> 16);
	for (size_t i = 0; i < stun_addr_iplen(a); i++)
		a->ip[i] ^= mask[i];
	return 0;
}

size_t
stun_addr_encode(const struct stun_addr *a, uint8_t out[20])
{
	size_t iplen;

	if (a->family != STUN_FAMILY_IPV4 && a->family != STUN_FAMILY_IPV6)
		return 0;
	iplen = stun_addr_iplen(a);
	out[0] = 0;
	out[1] = a->family;
	out[2] = (uint8_t)(a->port >> 8);
	out[3] = (uint8_t)a->port;
	memcpy(out + 4, a->ip, iplen);
	return 4 + iplen;
}

size_t
stun_addr_encode_xor(const struct stun_addr *a, uint8_t out[20], const uint8_t *tid)
{
	uint8_t mask[16];
	size_t n;

	if (a->family == STUN_FAMILY_IPV6 && tid == NULL)
		return 0;
	n = stun_addr_encode(a, out);
	if (n == 0)
		return 0;
	xor_mask(mask, tid);
	out[2] ^= mask[0];
	out[3] ^= mask[1];
	for (size_t i = 4; i < n; i++)
		out[i] ^= mask[i - 4];
	return n;
}

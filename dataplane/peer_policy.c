/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Peer policy: rule parsing, canonicalisation of embedded IPv4, and the
 * allow / deny / built-in decision. See peer_policy.h for the semantics.
 *
 * Every rule becomes one inclusive range [lo, hi] of 128-bit integers,
 * kept per family (an IPv4 address is the integer in the low 32 bits).
 * Ranges are not merged or sorted: a match is "any range contains it",
 * so overlaps are harmless and order never matters.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "peer_policy.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum { PP_V4, PP_V6, PP_NFAM };

struct u128 {
	uint64_t hi;
	uint64_t lo;
};

struct pp_range {
	struct u128 lo;
	struct u128 hi;
};

struct pp_list {
	unsigned int n[PP_NFAM];
	struct pp_range r[PP_NFAM][TP_PEER_POLICY_MAX_RULES];
};

/* The built-in list has its own small array; ARRAY_SIZE(builtin_rules)
 * bounds it. */
static const char *const builtin_rules[] = {
	"0.0.0.0/8",       /* "this network" (RFC 791) */
	"10.0.0.0/8",      /* private (RFC 1918) */
	"100.64.0.0/10",   /* CGNAT shared space (RFC 6598) */
	"127.0.0.0/8",     /* loopback */
	"169.254.0.0/16",  /* link-local */
	"172.16.0.0/12",   /* private */
	"192.0.0.0/24",    /* IETF protocol assignments (RFC 6890) */
	"192.0.2.0/24",    /* TEST-NET-1 (RFC 5737) */
	"192.88.99.0/24",  /* 6to4 relay anycast (RFC 7526) */
	"192.168.0.0/16",  /* private */
	"198.18.0.0/15",   /* benchmarking (RFC 2544) */
	"198.51.100.0/24", /* TEST-NET-2 */
	"203.0.113.0/24",  /* TEST-NET-3 */
	"224.0.0.0/4",     /* multicast */
	"240.0.0.0/4",     /* reserved, and 255.255.255.255 broadcast */
	"::/128",          /* unspecified */
	"::1/128",         /* loopback */
	"64:ff9b::/96",    /* NAT64 well-known prefix (RFC 6052) */
	"100::/64",        /* discard-only (RFC 6666) */
	"2001::/32",       /* Teredo (RFC 4380) */
	"2001:db8::/32",   /* documentation (RFC 3849) */
	"2002::/16",       /* 6to4 (RFC 3056) */
	"fc00::/7",        /* unique local (RFC 4193) */
	"fe80::/10",       /* link-local */
	"ff00::/8",        /* multicast */
};

struct pp_builtin {
	unsigned int n[PP_NFAM];
	struct pp_range r[PP_NFAM][ARRAY_SIZE(builtin_rules)];
};

struct tp_peer_policy {
	bool default_deny;
	struct pp_builtin builtin;
	struct pp_list always; /* deny-always */
	struct pp_list allow;
	struct pp_list deny;
};

static inline bool
u128_le(struct u128 a, struct u128 b)
{
	return a.hi < b.hi || (a.hi == b.hi && a.lo <= b.lo);
}

/* The integer whose low @bits bits are set (0 <= bits <= 128). */
static struct u128
u128_low_ones(unsigned int bits)
{
	struct u128 v = { 0, 0 };

	if (bits >= 128)
		return (struct u128){ UINT64_MAX, UINT64_MAX };
	if (bits >= 64) {
		v.lo = UINT64_MAX;
		v.hi = bits == 64 ? 0 : (UINT64_MAX >> (128 - bits));
	} else if (bits > 0) {
		v.lo = UINT64_MAX >> (64 - bits);
	}
	return v;
}

static uint64_t
be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static struct u128
u128_from_ip(int fam, const uint8_t *ip)
{
	if (fam == PP_V4)
		return (struct u128){ 0, (uint64_t)ip[0] << 24 | (uint64_t)ip[1] << 16 |
					      (uint64_t)ip[2] << 8 | ip[3] };
	return (struct u128){ be64(ip), be64(ip + 8) };
}

/*
 * Which IPv4-embedding block an IPv6 integer lies in: 2 for mapped
 * (::ffff:0:0/96), 1 for compatible (::/96 minus :: and ::1), 0 for
 * neither. In both blocks the IPv4 address is the low 32 bits, so the
 * block is enough to convert.
 */
static int
v6_embed_block(struct u128 v)
{
	if (v.hi != 0)
		return 0;
	if ((v.lo >> 32) == 0xffff)
		return 2;
	if ((v.lo >> 32) == 0 && v.lo > 1)
		return 1;
	return 0;
}

void
tp_peer_addr_canonical(struct stun_addr *out, const struct stun_addr *in)
{
	if (in->family == STUN_FAMILY_IPV6 &&
	    v6_embed_block(u128_from_ip(PP_V6, in->ip)) != 0) {
		uint8_t v4[4];

		memcpy(v4, in->ip + 12, 4);
		stun_addr_set_v4(out, v4, in->port);
		return;
	}
	if (out != in)
		*out = *in;
}

/* One address, no prefix or range. inet_pton refuses spaces, zone ids,
 * brackets, ports and (glibc) IPv4 octets with leading zeros. */
static int
parse_ip(const char *s, int *fam, struct u128 *v)
{
	uint8_t ip[16];

	if (inet_pton(AF_INET, s, ip) == 1) {
		*fam = PP_V4;
		*v = u128_from_ip(PP_V4, ip);
		return 0;
	}
	if (inet_pton(AF_INET6, s, ip) == 1) {
		*fam = PP_V6;
		*v = u128_from_ip(PP_V6, ip);
		return 0;
	}
	return -EINVAL;
}

int
tp_prefix_len_parse(const char *s, unsigned int max, unsigned int *out)
{
	unsigned int v = 0;
	size_t n;

	for (n = 0; s[n] != '\0'; n++) {
		if (s[n] < '0' || s[n] > '9' || n >= 3)
			return -EINVAL;
		v = v * 10 + (unsigned int)(s[n] - '0');
	}
	if (n == 0 || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/*
 * Parse @rule into a family and an inclusive range. The three forms are
 * told apart by '-' (range) and '/' (prefix); an IPv6 address contains
 * neither, so the split is unambiguous. A prefix with host bits set is
 * refused rather than masked: "192.168.1.1/16" is more likely a typo
 * than a request for 192.168.0.0/16, and a policy should not guess.
 * Finally a range lying wholly inside one IPv4-embedding block is turned
 * into the IPv4 range it stands for, matching how peers are looked up.
 * Returns 0 or -EINVAL with *why saying what is wrong.
 */
#define RULE_FAIL(msg)                                                                             \
	do {                                                                                       \
		*why = (msg);                                                                      \
		return -EINVAL;                                                                    \
	} while (0)

static int
parse_rule(const char *rule, int *fam, struct pp_range *r, const char **why)
{
	char buf[128];
	char *dash, *slash;
	size_t len;
	int fam2;

	if (rule == NULL || (len = strlen(rule)) == 0)
		RULE_FAIL("empty rule");
	if (len >= sizeof(buf))
		RULE_FAIL("rule too long");
	memcpy(buf, rule, len + 1);
	dash = strchr(buf, '-');
	slash = strchr(buf, '/');

	if (dash != NULL) {
		if (slash != NULL || strchr(dash + 1, '-') != NULL)
			RULE_FAIL("expected an address, \"addr/len\" or \"a-b\"");
		*dash = '\0';
		if (parse_ip(buf, fam, &r->lo) != 0 || parse_ip(dash + 1, &fam2, &r->hi) != 0)
			RULE_FAIL("range ends must be addresses (\"a-b\")");
		if (fam2 != *fam)
			RULE_FAIL("range ends are of different families");
		if (!u128_le(r->lo, r->hi))
			RULE_FAIL("range start is above its end");
	} else if (slash != NULL) {
		unsigned int width, plen;
		struct u128 host;

		*slash = '\0';
		if (parse_ip(buf, fam, &r->lo) != 0)
			RULE_FAIL("not an address before '/'");
		width = *fam == PP_V4 ? 32 : 128;
		if (tp_prefix_len_parse(slash + 1, width, &plen) != 0)
			RULE_FAIL(*fam == PP_V4 ? "prefix length must be 0..32"
						: "prefix length must be 0..128");
		host = u128_low_ones(width - plen);
		if ((r->lo.hi & host.hi) != 0 || (r->lo.lo & host.lo) != 0)
			RULE_FAIL("address has bits set beyond the prefix length");
		r->hi = (struct u128){ r->lo.hi | host.hi, r->lo.lo | host.lo };
	} else {
		if (parse_ip(buf, fam, &r->lo) != 0)
			RULE_FAIL("expected an address, \"addr/len\" or \"a-b\"");
		r->hi = r->lo;
	}

	if (*fam == PP_V6) {
		int block = v6_embed_block(r->lo);

		if (block != 0 && block == v6_embed_block(r->hi)) {
			*fam = PP_V4;
			r->lo = (struct u128){ 0, r->lo.lo & UINT32_MAX };
			r->hi = (struct u128){ 0, r->hi.lo & UINT32_MAX };
		}
	}
	return 0;
}

int
tp_peer_rule_check(const char *rule, const char **why)
{
	struct pp_range r;
	const char *ignored;
	int fam;

	return parse_rule(rule, &fam, &r, why != NULL ? why : &ignored);
}

static int
list_add(struct pp_list *l, const char *rule)
{
	struct pp_range r;
	const char *why;
	int fam;

	if (parse_rule(rule, &fam, &r, &why) != 0)
		return -EINVAL;
	if (l->n[fam] >= TP_PEER_POLICY_MAX_RULES)
		return -ENOSPC;
	l->r[fam][l->n[fam]++] = r;
	return 0;
}

static bool
ranges_match(const struct pp_range *r, unsigned int n, struct u128 v)
{
	for (unsigned int i = 0; i < n; i++)
		if (u128_le(r[i].lo, v) && u128_le(v, r[i].hi))
			return true;
	return false;
}

struct tp_peer_policy *
tp_peer_policy_create(bool default_deny)
{
	struct tp_peer_policy *p = calloc(1, sizeof(*p));

	if (p == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	p->default_deny = default_deny;

	/* The built-in strings go through the same parser as operator rules,
	 * so the list in the docs, the telemetry and the check cannot drift
	 * apart. They are constants: a failure is a bug caught by the unit
	 * test, reported here as EINVAL rather than ignored. */
	for (size_t i = 0; i < ARRAY_SIZE(builtin_rules); i++) {
		struct pp_range r;
		int fam;

		const char *why;

		if (parse_rule(builtin_rules[i], &fam, &r, &why) != 0) {
			free(p);
			errno = EINVAL;
			return NULL;
		}
		p->builtin.r[fam][p->builtin.n[fam]++] = r;
	}
	return p;
}

void
tp_peer_policy_destroy(struct tp_peer_policy *p)
{
	free(p);
}

int
tp_peer_policy_add(struct tp_peer_policy *p, bool allow, const char *rule)
{
	if (p == NULL)
		return -EINVAL;
	return list_add(allow ? &p->allow : &p->deny, rule);
}

int
tp_peer_policy_deny_always(struct tp_peer_policy *p, const char *rule)
{
	if (p == NULL)
		return -EINVAL;
	return list_add(&p->always, rule);
}

/*
 * Canonicalise, then walk the lists in decision order (see the header).
 * Cost: one pass over each list of the peer's family, at worst
 * 3 * TP_PEER_POLICY_MAX_RULES + 15 range comparisons.
 */
bool
tp_peer_policy_allowed(const struct tp_peer_policy *p, const struct stun_addr *peer)
{
	struct stun_addr c;
	struct u128 v;
	int fam;

	if (p == NULL || peer == NULL)
		return false;
	switch (peer->family) {
	case STUN_FAMILY_IPV4:
	case STUN_FAMILY_IPV6:
		break;
	default:
		return false;
	}
	tp_peer_addr_canonical(&c, peer);
	fam = c.family == STUN_FAMILY_IPV4 ? PP_V4 : PP_V6;
	v = u128_from_ip(fam, c.ip);

	if (ranges_match(p->always.r[fam], p->always.n[fam], v))
		return false;
	if (ranges_match(p->allow.r[fam], p->allow.n[fam], v))
		return true;
	if (p->default_deny && ranges_match(p->builtin.r[fam], p->builtin.n[fam], v))
		return false;
	return !ranges_match(p->deny.r[fam], p->deny.n[fam], v);
}

const char *const *
tp_peer_policy_builtin(size_t *n)
{
	if (n != NULL)
		*n = ARRAY_SIZE(builtin_rules);
	return builtin_rules;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Zero-copy STUN parser (RFC 8489 sections 5, 6 and 14) and the typed
 * accessors over its index. Runs once per received STUN packet in the
 * dataplane workers, so the attribute walk is one table lookup and one
 * length check per attribute, with no allocation and no copy.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "stun_bytes.h"
#include "stun_msg.h"

static inline size_t
pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* Shared by stun_is_stun and stun_parse; a separate static function
 * because the exported one cannot be inlined in a -fPIC build. */
static inline bool
header_ok(const uint8_t *buf, size_t len)
{
	if (len < STUN_HEADER_LEN || (buf[0] & 0xC0) != 0)
		return false;
	uint16_t mlen = stun_rd16(buf + 2);
	return (mlen & 3) == 0 && (size_t)mlen + STUN_HEADER_LEN == len &&
	       stun_rd32(buf + 4) == STUN_MAGIC_COOKIE;
}

bool
stun_is_stun(const uint8_t *buf, size_t len)
{
	return header_ok(buf, len);
}

/* How an attribute's value is validated beyond its [min, max] length. */
enum attr_check {
	CHK_RANGE,  /* length only */
	CHK_ADDR,   /* 8 bytes with family IPv4, or 20 with IPv6 */
	CHK_ERROR,  /* class 3..6, number 0..99 */
	CHK_EVEN,   /* a list of 16-bit types */
	CHK_MULT4,  /* truncated MESSAGE-INTEGRITY-SHA256 */
	CHK_PWALG,  /* one (algorithm, length, parameters) */
	CHK_PWALGS, /* a list of them */
};

/*
 * One row per known attribute type. slot holds the enum stun_attr_slot
 * value plus one, so that the zero-initialised rows of unknown types
 * read as "not known"; SLOT_PEER marks XOR-PEER-ADDRESS, which may repeat
 * and is kept in m->peer[] rather than in a slot.
 */
struct attr_rule {
	uint8_t slot;
	uint8_t check;
	uint16_t min;
	uint16_t max;
};

#define SLOT_PEER (STUN_SLOT_COUNT + 1)
#define ANY_LEN 0xFFFF

/* Types 0x0000-0x002F index rows 0-47, types 0x8000-0x802F rows 48-95:
 * every type this codec knows falls in one of the two windows. */
#define RULE_SPAN 0x30
#define LO(t) [(t)]
#define HI(t) [RULE_SPAN + ((t) - 0x8000)]
#define R(s, chk, lo, hi) { (uint8_t)((s) + 1), (chk), (lo), (hi) }

static const struct attr_rule rules[2 * RULE_SPAN] = {
	LO(STUN_ATTR_MAPPED_ADDRESS) = R(STUN_SLOT_MAPPED_ADDRESS, CHK_ADDR, 8, 20),
	LO(STUN_ATTR_CHANGE_REQUEST) = R(STUN_SLOT_CHANGE_REQUEST, CHK_RANGE, 4, 4),
	LO(STUN_ATTR_USERNAME) = R(STUN_SLOT_USERNAME, CHK_RANGE, 1, STUN_MAX_USERNAME_LEN),
	LO(STUN_ATTR_MESSAGE_INTEGRITY) =
		R(STUN_SLOT_MESSAGE_INTEGRITY, CHK_RANGE, STUN_MI_SHA1_LEN, STUN_MI_SHA1_LEN),
	LO(STUN_ATTR_ERROR_CODE) = R(STUN_SLOT_ERROR_CODE, CHK_ERROR, 4, 4 + STUN_MAX_REASON_LEN),
	LO(STUN_ATTR_UNKNOWN_ATTRIBUTES) = R(STUN_SLOT_UNKNOWN_ATTRIBUTES, CHK_EVEN, 0, ANY_LEN),
	LO(STUN_ATTR_CHANNEL_NUMBER) = R(STUN_SLOT_CHANNEL_NUMBER, CHK_RANGE, 4, 4),
	LO(STUN_ATTR_LIFETIME) = R(STUN_SLOT_LIFETIME, CHK_RANGE, 4, 4),
	LO(STUN_ATTR_XOR_PEER_ADDRESS) = { SLOT_PEER, CHK_ADDR, 8, 20 },
	LO(STUN_ATTR_DATA) = R(STUN_SLOT_DATA, CHK_RANGE, 0, ANY_LEN),
	LO(STUN_ATTR_REALM) = R(STUN_SLOT_REALM, CHK_RANGE, 0, STUN_MAX_REALM_LEN),
	LO(STUN_ATTR_NONCE) = R(STUN_SLOT_NONCE, CHK_RANGE, 0, STUN_MAX_NONCE_LEN),
	LO(STUN_ATTR_XOR_RELAYED_ADDRESS) = R(STUN_SLOT_XOR_RELAYED_ADDRESS, CHK_ADDR, 8, 20),
	LO(STUN_ATTR_REQUESTED_ADDRESS_FAMILY) =
		R(STUN_SLOT_REQUESTED_ADDRESS_FAMILY, CHK_RANGE, 4, 4),
	LO(STUN_ATTR_EVEN_PORT) = R(STUN_SLOT_EVEN_PORT, CHK_RANGE, 1, 1),
	LO(STUN_ATTR_REQUESTED_TRANSPORT) = R(STUN_SLOT_REQUESTED_TRANSPORT, CHK_RANGE, 4, 4),
	LO(STUN_ATTR_DONT_FRAGMENT) = R(STUN_SLOT_DONT_FRAGMENT, CHK_RANGE, 0, 0),
	LO(STUN_ATTR_MESSAGE_INTEGRITY_SHA256) = R(STUN_SLOT_MESSAGE_INTEGRITY_SHA256, CHK_MULT4,
						   STUN_MI_SHA256_MIN_LEN, STUN_MI_SHA256_MAX_LEN),
	LO(STUN_ATTR_PASSWORD_ALGORITHM) = R(STUN_SLOT_PASSWORD_ALGORITHM, CHK_PWALG, 4, ANY_LEN),
	LO(STUN_ATTR_USERHASH) =
		R(STUN_SLOT_USERHASH, CHK_RANGE, STUN_USERHASH_LEN, STUN_USERHASH_LEN),
	LO(STUN_ATTR_XOR_MAPPED_ADDRESS) = R(STUN_SLOT_XOR_MAPPED_ADDRESS, CHK_ADDR, 8, 20),
	LO(STUN_ATTR_RESERVATION_TOKEN) = R(STUN_SLOT_RESERVATION_TOKEN, CHK_RANGE, 8, 8),
	LO(STUN_ATTR_PRIORITY) = R(STUN_SLOT_PRIORITY, CHK_RANGE, 4, 4),
	LO(STUN_ATTR_USE_CANDIDATE) = R(STUN_SLOT_USE_CANDIDATE, CHK_RANGE, 0, 0),
	LO(STUN_ATTR_PADDING) = R(STUN_SLOT_PADDING, CHK_RANGE, 0, ANY_LEN),
	LO(STUN_ATTR_RESPONSE_PORT) = R(STUN_SLOT_RESPONSE_PORT, CHK_RANGE, 4, 4),
	HI(STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY) =
		R(STUN_SLOT_ADDITIONAL_ADDRESS_FAMILY, CHK_RANGE, 4, 4),
	HI(STUN_ATTR_ADDRESS_ERROR_CODE) = R(STUN_SLOT_ADDRESS_ERROR_CODE, CHK_RANGE, 4, ANY_LEN),
	HI(STUN_ATTR_PASSWORD_ALGORITHMS) =
		R(STUN_SLOT_PASSWORD_ALGORITHMS, CHK_PWALGS, 4, ANY_LEN),
	HI(STUN_ATTR_ALTERNATE_DOMAIN) = R(STUN_SLOT_ALTERNATE_DOMAIN, CHK_RANGE, 0, 763),
	HI(STUN_ATTR_ICMP) = R(STUN_SLOT_ICMP, CHK_RANGE, 8, 8),
	HI(STUN_ATTR_SOFTWARE) = R(STUN_SLOT_SOFTWARE, CHK_RANGE, 0, STUN_MAX_SOFTWARE_LEN),
	HI(STUN_ATTR_ALTERNATE_SERVER) = R(STUN_SLOT_ALTERNATE_SERVER, CHK_ADDR, 8, 20),
	HI(STUN_ATTR_FINGERPRINT) = R(STUN_SLOT_FINGERPRINT, CHK_RANGE, 4, 4),
	HI(STUN_ATTR_ICE_CONTROLLED) = R(STUN_SLOT_ICE_CONTROLLED, CHK_RANGE, 8, 8),
	HI(STUN_ATTR_ICE_CONTROLLING) = R(STUN_SLOT_ICE_CONTROLLING, CHK_RANGE, 8, 8),
	HI(STUN_ATTR_RESPONSE_ORIGIN) = R(STUN_SLOT_RESPONSE_ORIGIN, CHK_ADDR, 8, 20),
	HI(STUN_ATTR_OTHER_ADDRESS) = R(STUN_SLOT_OTHER_ADDRESS, CHK_ADDR, 8, 20),
};

static const struct attr_rule rule_unknown;

static inline const struct attr_rule *
attr_rule(uint16_t type)
{
	if (type < RULE_SPAN)
		return &rules[type];
	if ((uint16_t)(type - 0x8000) < RULE_SPAN)
		return &rules[RULE_SPAN + (type - 0x8000)];
	return &rule_unknown;
}

int
stun_attr_slot(uint16_t type)
{
	const struct attr_rule *r = attr_rule(type);

	if (r->slot == 0 || r->slot == SLOT_PEER)
		return -1;
	return r->slot - 1;
}

/* PASSWORD-ALGORITHMS: (algorithm u16, length u16, parameters padded to
 * 4) repeated. The last entry's padding may instead be the attribute's
 * own padding, so it is not required inside the value. */
static bool
pwalgs_ok(const uint8_t *v, size_t len)
{
	size_t off = 0;

	while (off < len) {
		if (len - off < 4)
			return false;
		size_t plen = stun_rd16(v + off + 2);
		if (plen > len - off - 4)
			return false;
		off += 4 + plen;
		if (off < len)
			off += pad4(plen) - plen;
	}
	return off == len;
}

static inline bool
attr_value_ok(const struct attr_rule *r, const uint8_t *v, uint16_t len)
{
	if (len < r->min || len > r->max)
		return false;
	/* Most attributes need only the length check: keep them off the
	 * switch's indirect jump. */
	if (r->check == CHK_RANGE)
		return true;
	switch (r->check) {
	case CHK_ADDR:
		return (len == 8 && v[1] == STUN_FAMILY_IPV4) ||
		       (len == 20 && v[1] == STUN_FAMILY_IPV6);
	case CHK_ERROR: {
		unsigned int cls = v[2] & 0x7;
		return cls >= 3 && cls <= 6 && v[3] <= 99;
	}
	case CHK_EVEN:
		return (len & 1) == 0;
	case CHK_MULT4:
		return (len & 3) == 0;
	case CHK_PWALG: {
		/* One entry; its parameter padding may be inside the value or
		 * left to the attribute padding. */
		size_t plen = stun_rd16(v + 2);
		return 4 + plen <= len && len <= 4 + pad4(plen);
	}
	case CHK_PWALGS:
		return pwalgs_ok(v, len);
	default:
		return true;
	}
}

static int
parse_fail(struct stun_msg *m, uint16_t type)
{
	m->bad_attr = type;
	return -EBADMSG;
}

static void
note_unknown(struct stun_msg *m, uint16_t type)
{
	for (unsigned int i = 0; i < m->n_unknown; i++)
		if (m->unknown[i] == type)
			return;
	/* Beyond STUN_MAX_UNKNOWN the 420 lists the first ones only, which
	 * still tells the client the request cannot be served. */
	if (m->n_unknown < STUN_MAX_UNKNOWN)
		m->unknown[m->n_unknown++] = type;
}

/*
 * memset would do, but for this size GCC emits "rep stos", whose start-up
 * cost (~30 cycles on current x86) was a third of the whole parse of a
 * Binding request; plain 16-byte stores take a few cycles. The empty asm
 * hides the pointer so the loop is not turned back into memset.
 */
static inline void
clear_slots(struct stun_msg *m)
{
	typedef uint8_t vec16 __attribute__((vector_size(16)));
	const vec16 z = { 0 };
	uint8_t *p = (uint8_t *)m->attr;
	const size_t n = sizeof(m->attr);

	static_assert(sizeof(m->attr) >= 16, "slot array too small");
	for (size_t i = 0; i + 16 <= n; i += 16) {
		__asm__("" : "+r"(p));
		memcpy(p + i, &z, 16);
	}
	memcpy(p + n - 16, &z, 16);
}

/* Where we are relative to the integrity attributes (RFC 8489 14.5-14.7). */
enum parse_stage {
	STAGE_OPEN,       /* everything counts */
	STAGE_AFTER_MI,   /* only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT */
	STAGE_AFTER_MI256 /* only FINGERPRINT */
};

/*
 * One pass over the attribute headers. The struct is reset first (the
 * slot array with one memset, about 230 bytes; peer[] and unknown[] are
 * only meaningful up to n_peer / n_unknown and are not cleared), so the
 * accessors are safe to call whatever this returns. Each attribute costs
 * a table lookup, a bounds check and a length check; a 100-byte Binding
 * request takes a few tens of cycles.
 */
int
stun_parse(struct stun_msg *m, const uint8_t *buf, size_t len)
{
	enum parse_stage stage = STAGE_OPEN;
	size_t off, next;

	clear_slots(m);
	m->buf = buf;
	m->len = 0;
	m->type = 0;
	m->method = 0;
	m->cls = 0;
	m->n_peer = 0;
	m->n_unknown = 0;
	m->n_peer_dropped = 0;
	m->tid = NULL;
	m->mi_hdr_off = 0;
	m->mi256_hdr_off = 0;
	m->fp_hdr_off = 0;
	m->bad_attr = 0;

	if (buf == NULL || len > STUN_MAX_MSG_LEN || !header_ok(buf, len))
		return -EINVAL;

	m->len = (uint16_t)len;
	m->type = stun_rd16(buf);
	m->method = stun_type_method(m->type);
	m->cls = stun_type_class(m->type);
	m->tid = buf + 8;

	for (off = STUN_HEADER_LEN; off < len; off = next) {
		/* The length field is a multiple of 4 and so is every padded
		 * attribute, so a whole 4-byte header is always present. */
		uint16_t type = stun_rd16(buf + off);
		uint16_t alen = stun_rd16(buf + off + 2);
		size_t voff = off + STUN_ATTR_HDR_LEN;

		next = voff + pad4(alen);
		if (next > len)
			return parse_fail(m, type);

		if (stage != STAGE_OPEN && type != STUN_ATTR_FINGERPRINT &&
		    !(stage == STAGE_AFTER_MI && type == STUN_ATTR_MESSAGE_INTEGRITY_SHA256))
			continue;

		const struct attr_rule *r = attr_rule(type);
		if (r->slot == 0) {
			if (stun_attr_comprehension_required(type))
				note_unknown(m, type);
			continue;
		}
		if (!attr_value_ok(r, buf + voff, alen))
			return parse_fail(m, type);

		struct stun_attr a = { type, alen, (uint16_t)voff };
		if (r->slot == SLOT_PEER) {
			if (m->n_peer < STUN_MAX_PEER_ADDRS)
				m->peer[m->n_peer++] = a;
			else if (m->n_peer_dropped < UINT8_MAX)
				m->n_peer_dropped++;
			continue;
		}
		if (m->attr[r->slot - 1].off == 0)
			m->attr[r->slot - 1] = a;

		switch (type) {
		case STUN_ATTR_MESSAGE_INTEGRITY:
			m->mi_hdr_off = (uint16_t)off;
			stage = STAGE_AFTER_MI;
			break;
		case STUN_ATTR_MESSAGE_INTEGRITY_SHA256:
			m->mi256_hdr_off = (uint16_t)off;
			stage = STAGE_AFTER_MI256;
			break;
		case STUN_ATTR_FINGERPRINT:
			/* RFC 8489 14.7: FINGERPRINT MUST be the last attribute.
			 * Trailing bytes would also sit outside the CRC. */
			if (next != len)
				return parse_fail(m, type);
			m->fp_hdr_off = (uint16_t)off;
			return 0;
		default:
			break;
		}
	}
	return 0;
}

int
stun_msg_get_u32(const struct stun_msg *m, enum stun_attr_slot slot, uint32_t *v)
{
	if ((unsigned int)slot >= STUN_SLOT_COUNT)
		return -EINVAL;
	const struct stun_attr *a = stun_msg_attr(m, slot);
	if (a == NULL)
		return -ENOENT;
	if (a->len != 4)
		return -EBADMSG;
	*v = stun_rd32(stun_attr_value(m, a));
	return 0;
}

int
stun_msg_get_addr(const struct stun_msg *m, enum stun_attr_slot slot, struct stun_addr *addr)
{
	bool xored;

	switch (slot) {
	case STUN_SLOT_XOR_MAPPED_ADDRESS:
	case STUN_SLOT_XOR_RELAYED_ADDRESS:
		xored = true;
		break;
	case STUN_SLOT_MAPPED_ADDRESS:
	case STUN_SLOT_ALTERNATE_SERVER:
	case STUN_SLOT_RESPONSE_ORIGIN:
	case STUN_SLOT_OTHER_ADDRESS:
		xored = false;
		break;
	default:
		return -EINVAL;
	}
	const struct stun_attr *a = stun_msg_attr(m, slot);
	if (a == NULL)
		return -ENOENT;
	if (xored)
		return stun_addr_decode_xor(addr, stun_attr_value(m, a), a->len, m->tid);
	return stun_addr_decode(addr, stun_attr_value(m, a), a->len);
}

int
stun_msg_get_peer(const struct stun_msg *m, unsigned int i, struct stun_addr *addr)
{
	if (i >= m->n_peer)
		return -ENOENT;
	const struct stun_attr *a = &m->peer[i];
	return stun_addr_decode_xor(addr, stun_attr_value(m, a), a->len, m->tid);
}

int
stun_msg_get_error(const struct stun_msg *m, uint16_t *code, const char **reason,
		   size_t *reason_len)
{
	const struct stun_attr *a = stun_msg_attr(m, STUN_SLOT_ERROR_CODE);

	if (a == NULL)
		return -ENOENT;
	if (a->len < 4)
		return -EBADMSG;
	const uint8_t *v = stun_attr_value(m, a);
	*code = (uint16_t)((v[2] & 0x7) * 100 + v[3]);
	if (reason != NULL)
		*reason = (const char *)v + 4;
	if (reason_len != NULL)
		*reason_len = a->len - 4u;
	return 0;
}

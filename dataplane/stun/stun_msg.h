/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * STUN message parser and builder (RFC 8489), zero-copy.
 *
 * Parsing indexes a received buffer without copying it:
 *
 *   struct stun_msg m;
 *   int rc = stun_parse(&m, buf, len);
 *   if (rc == -EINVAL)            // not STUN at all: drop
 *   if (rc == -EBADMSG)           // STUN header ok, attributes broken: 400
 *   const struct stun_attr *u = stun_msg_attr(&m, STUN_ATTR_USERNAME);
 *   if (u) use(stun_attr_value(&m, u), u->len);
 *
 * Building writes into a caller buffer; errors are sticky so the caller
 * checks once at the end:
 *
 *   struct stun_builder b;
 *   stun_build_init(&b, out, sizeof(out), STUN_METHOD_BINDING, STUN_CLASS_SUCCESS, m.tid);
 *   stun_put_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &client);
 *   stun_put_fingerprint(&b);
 *   int len = stun_build_finish(&b);   // length, or -ENOSPC / -EINVAL
 */
#ifndef STUN_MSG_H
#define STUN_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stun_addr.h"
#include "stun_proto.h"

/* Attributes the parser indexes by slot (first occurrence only, as RFC
 * 8489 section 14 asks). XOR-PEER-ADDRESS may repeat and has its own list. */
enum stun_attr_slot {
	STUN_SLOT_MAPPED_ADDRESS,
	STUN_SLOT_CHANGE_REQUEST,
	STUN_SLOT_USERNAME,
	STUN_SLOT_MESSAGE_INTEGRITY,
	STUN_SLOT_ERROR_CODE,
	STUN_SLOT_UNKNOWN_ATTRIBUTES,
	STUN_SLOT_CHANNEL_NUMBER,
	STUN_SLOT_LIFETIME,
	STUN_SLOT_DATA,
	STUN_SLOT_REALM,
	STUN_SLOT_NONCE,
	STUN_SLOT_XOR_RELAYED_ADDRESS,
	STUN_SLOT_REQUESTED_ADDRESS_FAMILY,
	STUN_SLOT_EVEN_PORT,
	STUN_SLOT_REQUESTED_TRANSPORT,
	STUN_SLOT_DONT_FRAGMENT,
	STUN_SLOT_MESSAGE_INTEGRITY_SHA256,
	STUN_SLOT_PASSWORD_ALGORITHM,
	STUN_SLOT_USERHASH,
	STUN_SLOT_XOR_MAPPED_ADDRESS,
	STUN_SLOT_RESERVATION_TOKEN,
	STUN_SLOT_PRIORITY,
	STUN_SLOT_USE_CANDIDATE,
	STUN_SLOT_PADDING,
	STUN_SLOT_RESPONSE_PORT,
	STUN_SLOT_ADDITIONAL_ADDRESS_FAMILY,
	STUN_SLOT_ADDRESS_ERROR_CODE,
	STUN_SLOT_PASSWORD_ALGORITHMS,
	STUN_SLOT_ALTERNATE_DOMAIN,
	STUN_SLOT_ICMP,
	STUN_SLOT_SOFTWARE,
	STUN_SLOT_ALTERNATE_SERVER,
	STUN_SLOT_FINGERPRINT,
	STUN_SLOT_ICE_CONTROLLED,
	STUN_SLOT_ICE_CONTROLLING,
	STUN_SLOT_RESPONSE_ORIGIN,
	STUN_SLOT_OTHER_ADDRESS,
	STUN_SLOT_COUNT,
};

#define STUN_MAX_PEER_ADDRS 8   /* XOR-PEER-ADDRESS occurrences kept */
#define STUN_MAX_UNKNOWN 8      /* unknown comprehension-required types kept */

/* One attribute: type, value length (unpadded), and offset of the value
 * from the start of the message. off == 0 means absent. */
struct stun_attr {
	uint16_t type;
	uint16_t len;
	uint16_t off;
};

struct stun_msg {
	const uint8_t *buf;
	uint16_t len;     /* total, header included */
	uint16_t type;
	uint16_t method;  /* enum stun_method */
	uint8_t cls;      /* enum stun_class */
	uint8_t n_peer;   /* XOR-PEER-ADDRESS occurrences in peer[] */
	uint8_t n_unknown;
	uint8_t n_peer_dropped; /* occurrences beyond STUN_MAX_PEER_ADDRS */
	const uint8_t *tid; /* 12 bytes inside buf */
	struct stun_attr attr[STUN_SLOT_COUNT];
	struct stun_attr peer[STUN_MAX_PEER_ADDRS];
	uint16_t unknown[STUN_MAX_UNKNOWN]; /* comprehension-required types we do not know */
	/* Offset of the MESSAGE-INTEGRITY / -SHA256 / FINGERPRINT attribute
	 * headers (0 = absent); the integrity covers buf[0..off). */
	uint16_t mi_hdr_off;
	uint16_t mi256_hdr_off;
	uint16_t fp_hdr_off;
	/* Which attribute failed validation when stun_parse returned -EBADMSG. */
	uint16_t bad_attr;
};

/*
 * Cheap demultiplexing test (RFC 7983 first byte 0..3, magic cookie, and
 * length field consistent with @len). Does not walk attributes.
 */
bool stun_is_stun(const uint8_t *buf, size_t len);

/*
 * Parse and validate a STUN message of exactly @len bytes.
 *
 * Checks: 20 <= length <= STUN_MAX_MSG_LEN, top two bits zero, length
 * field a multiple of 4 and equal to len - 20, the magic cookie; every
 * attribute TLV fits with its padding; every known attribute has a legal
 * length (and, for addresses, ERROR-CODE and the password-algorithm
 * lists, a legal shape) for its type. Attributes after MESSAGE-INTEGRITY
 * other than MESSAGE-INTEGRITY-SHA256 and FINGERPRINT are ignored, and
 * after MESSAGE-INTEGRITY-SHA256 all but FINGERPRINT (RFC 8489 section
 * 14); ignored attributes must still be well framed. FINGERPRINT must be
 * the last attribute (RFC 8489 14.7): anything after it is -EBADMSG with
 * bad_attr = STUN_ATTR_FINGERPRINT. Unknown comprehension-required types
 * are collected in m->unknown (the caller answers 420); optional ones are
 * skipped.
 *
 * Returns 0; -EINVAL if this is not a STUN message (drop it: no
 * transaction to answer); -EBADMSG if the header is valid but an attribute
 * is malformed (m->method, m->cls and m->tid are valid, so a request can
 * be answered with 400; m->bad_attr is the offending type). Whatever it
 * returns, the accessors are safe to call afterwards. peer[] and unknown[]
 * are only defined up to n_peer and n_unknown. Never reads outside
 * buf[0..len).
 * Cost: one pass over the attribute headers; about 30 cycles for a
 * Binding request with two attributes.
 */
int stun_parse(struct stun_msg *m, const uint8_t *buf, size_t len);

/* Slot for an attribute type, or -1 if the codec does not know it. Also
 * -1 for XOR-PEER-ADDRESS, which may repeat and is kept in peer[]. */
int stun_attr_slot(uint16_t type);

/* First occurrence of a known attribute, or NULL. */
static inline const struct stun_attr *
stun_msg_attr(const struct stun_msg *m, enum stun_attr_slot slot)
{
	return m->attr[slot].off ? &m->attr[slot] : NULL;
}

static inline const uint8_t *
stun_attr_value(const struct stun_msg *m, const struct stun_attr *a)
{
	return m->buf + a->off;
}

/* Typed accessors. Each returns 0, -ENOENT if the attribute is absent, or
 * -EBADMSG / -EAFNOSUPPORT as stun_addr_decode*. get_u32 needs a 4-byte
 * value (-EBADMSG otherwise) and an existing slot (-EINVAL). get_addr
 * takes the address slots only (-EINVAL for others) and XOR-decodes
 * XOR-MAPPED-ADDRESS and XOR-RELAYED-ADDRESS. */
int stun_msg_get_u32(const struct stun_msg *m, enum stun_attr_slot slot, uint32_t *v);
int stun_msg_get_addr(const struct stun_msg *m, enum stun_attr_slot slot, struct stun_addr *a);
int stun_msg_get_peer(const struct stun_msg *m, unsigned int i, struct stun_addr *a);
/* ERROR-CODE: code = class * 100 + number; reason points into the buffer. */
int stun_msg_get_error(const struct stun_msg *m, uint16_t *code, const char **reason,
		       size_t *reason_len);

/*
 * Builder. stun_build_init writes the header; each put appends one
 * attribute with zero padding and keeps the header length field current,
 * so integrity and fingerprint can be computed over the bytes so far.
 * A put that does not fit sets b->err = -ENOSPC and does nothing; later
 * puts are no-ops. The capacity is capped at STUN_MAX_MSG_LEN. Invalid
 * arguments set b->err = -EINVAL: a NULL buffer or tid, a method above
 * 0xFFF or a class above 3 (init), an address without a family (put_addr,
 * put_xor_addr), an error code outside 300..699 or a reason longer than
 * STUN_MAX_REASON_LEN (put_error). stun_build_finish returns the message
 * length or the first error.
 */
struct stun_builder {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err;
};

void stun_build_init(struct stun_builder *b, uint8_t *buf, size_t cap, uint16_t method,
		     uint8_t cls, const uint8_t tid[STUN_TID_LEN]);
void stun_put_attr(struct stun_builder *b, uint16_t type, const void *val, size_t len);
void stun_put_u32(struct stun_builder *b, uint16_t type, uint32_t v);
void stun_put_addr(struct stun_builder *b, uint16_t type, const struct stun_addr *a);
void stun_put_xor_addr(struct stun_builder *b, uint16_t type, const struct stun_addr *a);
/* ERROR-CODE with @reason, or the standard phrase when @reason is NULL. */
void stun_put_error(struct stun_builder *b, uint16_t code, const char *reason);
void stun_put_unknown(struct stun_builder *b, const uint16_t *types, size_t n);
/* Reserve an attribute of @len bytes and return a pointer to its value
 * (zero-filled padding written), or NULL on error. */
uint8_t *stun_put_reserve(struct stun_builder *b, uint16_t type, size_t len);
int stun_build_finish(struct stun_builder *b);

/* The standard reason phrase for an error code, "" if unknown. */
const char *stun_error_reason(uint16_t code);

#endif

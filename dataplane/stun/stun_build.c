/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * STUN message builder. Writes straight into the caller's buffer (in the
 * dataplane, the mbuf that carries the response) and keeps the header
 * length field current after every attribute, so MESSAGE-INTEGRITY and
 * FINGERPRINT can be computed over the bytes as they stand.
 */
#include <errno.h>
#include <string.h>

#include "stun_bytes.h"
#include "stun_msg.h"

void
stun_build_init(struct stun_builder *b, uint8_t *buf, size_t cap, uint16_t method,
		uint8_t cls, const uint8_t tid[STUN_TID_LEN])
{
	b->buf = buf;
	/* Nothing larger is ever built; this also keeps every length and
	 * offset inside 16 bits. */
	b->cap = cap < STUN_MAX_MSG_LEN ? cap : STUN_MAX_MSG_LEN;
	b->len = 0;
	b->err = 0;
	if (buf == NULL || tid == NULL || method > 0xFFF || cls > 3) {
		b->err = -EINVAL;
		return;
	}
	if (b->cap < STUN_HEADER_LEN) {
		b->err = -ENOSPC;
		return;
	}
	stun_wr16(buf, stun_msg_type(method, cls));
	stun_wr16(buf + 2, 0);
	stun_wr32(buf + 4, STUN_MAGIC_COOKIE);
	memcpy(buf + 8, tid, STUN_TID_LEN);
	b->len = STUN_HEADER_LEN;
}

/*
 * Append an attribute header for @len value bytes plus zeroed padding,
 * update the message length field, and return the value pointer; NULL
 * (with b->err set) if it does not fit or an earlier put failed.
 */
uint8_t *
stun_put_reserve(struct stun_builder *b, uint16_t type, size_t len)
{
	if (b->err != 0)
		return NULL;
	size_t padded = (len + 3) & ~(size_t)3;
	if (len > 0xFFFF || padded + STUN_ATTR_HDR_LEN > b->cap - b->len) {
		b->err = -ENOSPC;
		return NULL;
	}
	uint8_t *p = b->buf + b->len;
	stun_wr16(p, type);
	stun_wr16(p + 2, (uint16_t)len);
	memset(p + STUN_ATTR_HDR_LEN + len, 0, padded - len);
	b->len += STUN_ATTR_HDR_LEN + padded;
	stun_wr16(b->buf + 2, (uint16_t)(b->len - STUN_HEADER_LEN));
	return p + STUN_ATTR_HDR_LEN;
}

void
stun_put_attr(struct stun_builder *b, uint16_t type, const void *val, size_t len)
{
	uint8_t *v = stun_put_reserve(b, type, len);

	if (v != NULL && len > 0)
		memcpy(v, val, len);
}

void
stun_put_u32(struct stun_builder *b, uint16_t type, uint32_t v)
{
	uint8_t *p = stun_put_reserve(b, type, 4);

	if (p != NULL)
		stun_wr32(p, v);
}

void
stun_put_addr(struct stun_builder *b, uint16_t type, const struct stun_addr *a)
{
	uint8_t val[20];
	size_t n = stun_addr_encode(a, val);

	if (n == 0) {
		if (b->err == 0)
			b->err = -EINVAL;
		return;
	}
	stun_put_attr(b, type, val, n);
}

void
stun_put_xor_addr(struct stun_builder *b, uint16_t type, const struct stun_addr *a)
{
	uint8_t val[20];
	size_t n;

	if (b->err != 0)
		return;
	/* The transaction id is already in the header. */
	n = stun_addr_encode_xor(a, val, b->buf + 8);
	if (n == 0) {
		b->err = -EINVAL;
		return;
	}
	stun_put_attr(b, type, val, n);
}

void
stun_put_error(struct stun_builder *b, uint16_t code, const char *reason)
{
	if (b->err != 0)
		return;
	if (code < 300 || code > 699) {
		b->err = -EINVAL;
		return;
	}
	if (reason == NULL)
		reason = stun_error_reason(code);
	size_t rlen = strlen(reason);
	if (rlen > STUN_MAX_REASON_LEN) {
		b->err = -EINVAL;
		return;
	}
	uint8_t *v = stun_put_reserve(b, STUN_ATTR_ERROR_CODE, 4 + rlen);
	if (v == NULL)
		return;
	v[0] = 0;
	v[1] = 0;
	v[2] = (uint8_t)(code / 100);
	v[3] = (uint8_t)(code % 100);
	memcpy(v + 4, reason, rlen);
}

void
stun_put_unknown(struct stun_builder *b, const uint16_t *types, size_t n)
{
	if (n > 0xFFFF / 2) {
		if (b->err == 0)
			b->err = -ENOSPC;
		return;
	}
	uint8_t *v = stun_put_reserve(b, STUN_ATTR_UNKNOWN_ATTRIBUTES, 2 * n);
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		stun_wr16(v + 2 * i, types[i]);
}

int
stun_build_finish(struct stun_builder *b)
{
	if (b->err != 0)
		return b->err;
	return (int)b->len;
}

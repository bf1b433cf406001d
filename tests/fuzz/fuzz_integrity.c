/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for FINGERPRINT / MESSAGE-INTEGRITY(-SHA256):
 *
 * 1. The input as a received message: parse, then check the fingerprint
 *    and both integrities with a fixed key. Nothing may crash, the input
 *    must not change, and a message that verifies must still verify.
 * 2. The input as a script for the builder: each op byte appends one
 *    attribute (values and lengths taken from the following bytes). A
 *    message built only from well-formed puts must parse, and every
 *    integrity and fingerprint attribute in it must verify.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stun_integrity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                       \
	do {                                                                           \
		if (!(c))                                                              \
			abort();                                                       \
	} while (0)

static struct stun_hmac_key key;
static bool key_ready;

static void
check_received(const uint8_t *data, size_t size)
{
	struct stun_msg m;

	if (stun_parse(&m, data, size) != 0)
		return;
	int fp = stun_check_fingerprint(&m);
	CHECK(fp == 0 || fp == -ENOENT || fp == -EBADMSG);
	CHECK((fp == -ENOENT) == (m.fp_hdr_off == 0));
	int r1 = stun_check_integrity_sha1(&m, &key);
	CHECK(r1 == 0 || r1 == -ENOENT || r1 == -EACCES);
	CHECK((r1 == -ENOENT) == (m.mi_hdr_off == 0));
	int r256 = stun_check_integrity_sha256(&m, &key);
	CHECK(r256 == 0 || r256 == -ENOENT || r256 == -EACCES);
	CHECK((r256 == -ENOENT) == (m.mi256_hdr_off == 0));
	int r = stun_check_integrity(&m, &key);
	CHECK(r == (m.mi256_hdr_off != 0 ? r256 : r1));
	/* Deterministic: a second check gives the same answer. */
	CHECK(stun_check_fingerprint(&m) == fp);
	CHECK(stun_check_integrity(&m, &key) == r);
}

/* Byte source for the builder script; runs dry as zeros. */
struct src {
	const uint8_t *p;
	size_t n;
};

static uint8_t
u8(struct src *s)
{
	if (s->n == 0)
		return 0;
	s->n--;
	return *s->p++;
}

static uint16_t
u16(struct src *s)
{
	uint16_t hi = u8(s);
	return (uint16_t)(hi << 8 | u8(s));
}

/* Up to @max bytes of value; returns how many are really available. */
static size_t
take(struct src *s, size_t want, const uint8_t **val)
{
	if (want > s->n)
		want = s->n;
	*val = s->p;
	s->p += want;
	s->n -= want;
	return want;
}

static void
fuzz_addr(struct src *s, struct stun_addr *a)
{
	uint8_t ip[16];

	for (size_t i = 0; i < sizeof(ip); i++)
		ip[i] = u8(s);
	if (u8(s) & 1)
		stun_addr_set_v6(a, ip, u16(s));
	else
		stun_addr_set_v4(a, ip, u16(s));
}

static void
build_script(const uint8_t *data, size_t size)
{
	static const uint16_t text_types[] = { STUN_ATTR_USERNAME, STUN_ATTR_REALM,
					       STUN_ATTR_NONCE,	   STUN_ATTR_SOFTWARE,
					       STUN_ATTR_DATA,	   0xC0DE };
	static const uint16_t xor_types[] = { STUN_ATTR_XOR_MAPPED_ADDRESS,
					      STUN_ATTR_XOR_PEER_ADDRESS,
					      STUN_ATTR_XOR_RELAYED_ADDRESS };
	struct src s = { data, size };
	uint8_t out[2048], tid[STUN_TID_LEN];
	struct stun_builder b;
	struct stun_addr a;
	bool raw = false, raw_integrity = false, fp = false;
	const uint8_t *val;

	uint16_t method = u16(&s) & 0xFFF;
	uint8_t cls = u8(&s) & 3;
	for (size_t i = 0; i < sizeof(tid); i++)
		tid[i] = u8(&s);
	size_t cap = (size_t)u8(&s) * 8;
	stun_build_init(&b, out, cap, method, cls, tid);

	while (s.n > 0 && !fp) {
		switch (u8(&s) % 11) {
		case 0: {
			uint16_t t = text_types[u8(&s) % 6];
			size_t want = u16(&s) % 800;
			if (t == STUN_ATTR_USERNAME && want == 0)
				want = 1;
			size_t n = take(&s, want, &val);
			if (t == STUN_ATTR_USERNAME && n == 0)
				break;
			if (n <= (t == STUN_ATTR_USERNAME ? 513u : 763u))
				stun_put_attr(&b, t, val, n);
			break;
		}
		case 1: {
			uint32_t hi = u16(&s);
			stun_put_u32(&b, STUN_ATTR_LIFETIME, hi << 16 | u16(&s));
			break;
		}
		case 2:
			fuzz_addr(&s, &a);
			stun_put_addr(&b, STUN_ATTR_MAPPED_ADDRESS, &a);
			break;
		case 3: {
			uint16_t t = xor_types[u8(&s) % 3];
			fuzz_addr(&s, &a);
			stun_put_xor_addr(&b, t, &a);
			break;
		}
		case 4: {
			uint16_t code = u16(&s) % 1000;
			size_t n = take(&s, u8(&s), &val);
			char reason[256];
			memcpy(reason, val, n);
			reason[n] = '\0';
			stun_put_error(&b, code, (n & 1) ? reason : NULL);
			break;
		}
		case 5: {
			uint16_t types[8];
			size_t n = u8(&s) % 9;
			for (size_t i = 0; i < n; i++)
				types[i] = u16(&s);
			stun_put_unknown(&b, types, n);
			break;
		}
		case 6: {
			size_t n = u16(&s) % 1600;
			uint8_t *v = stun_put_reserve(&b, STUN_ATTR_DATA, n);
			if (v != NULL)
				memset(v, 0x5A, n);
			break;
		}
		case 7:
			stun_put_integrity_sha1(&b, &key);
			break;
		case 8:
			stun_put_integrity_sha256(&b, &key);
			break;
		case 9:
			stun_put_fingerprint(&b);
			fp = true;
			break;
		default: {
			/* Anything at all: the parser may then refuse it. */
			uint16_t t = u16(&s);
			size_t n = take(&s, u8(&s), &val);
			stun_put_attr(&b, t, val, n);
			raw = true;
			/* Junk in an integrity attribute rightly fails to verify. */
			if (t == STUN_ATTR_MESSAGE_INTEGRITY ||
			    t == STUN_ATTR_MESSAGE_INTEGRITY_SHA256 || t == STUN_ATTR_FINGERPRINT)
				raw_integrity = true;
			break;
		}
		}
	}

	int len = stun_build_finish(&b);
	CHECK(len < 0 || (size_t)len <= cap);
	if (len < 0) {
		CHECK(len == -ENOSPC || len == -EINVAL);
		return;
	}
	/* The length field is always current. */
	CHECK(((size_t)out[2] << 8 | out[3]) + STUN_HEADER_LEN == (size_t)len);
	CHECK(stun_is_stun(out, (size_t)len));

	struct stun_msg m;
	int rc = stun_parse(&m, out, (size_t)len);
	if (raw) {
		CHECK(rc == 0 || rc == -EBADMSG);
		if (rc != 0)
			return;
	} else {
		CHECK(rc == 0);
		CHECK(fp == (m.fp_hdr_off != 0));
	}
	if (raw_integrity)
		return;
	if (m.fp_hdr_off != 0)
		CHECK(stun_check_fingerprint(&m) == 0);
	if (m.mi_hdr_off != 0)
		CHECK(stun_check_integrity_sha1(&m, &key) == 0);
	if (m.mi256_hdr_off != 0)
		CHECK(stun_check_integrity_sha256(&m, &key) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!key_ready) {
		CHECK(stun_hmac_key_init(&key, (const uint8_t *)"VOkJxbRl1RmTxUk/WvJxBt", 22) == 0);
		key_ready = true;
	}
	check_received(data, size);
	build_script(data, size);
	return 0;
}

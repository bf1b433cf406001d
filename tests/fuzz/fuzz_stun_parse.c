/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the STUN parser: parse, call every accessor on
 * the result, check the index never points outside the input, and
 * re-encode every indexed attribute to check the parser accepts what it
 * indexed. Invariant violations abort so the fuzzer reports them.
 * Also feeds the same bytes to the ChannelData parser and the demux.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "channeldata.h"
#include "stun_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                       \
	do {                                                                           \
		if (!(c))                                                              \
			abort();                                                       \
	} while (0)

/* Read every value byte so ASan sees an out-of-bounds index. */
static unsigned int
touch(const uint8_t *p, size_t n)
{
	unsigned int s = 0;
	for (size_t i = 0; i < n; i++)
		s += p[i];
	return s;
}

static void
check_attr(const struct stun_msg *m, const struct stun_attr *a, size_t size)
{
	CHECK(a->off >= STUN_HEADER_LEN + STUN_ATTR_HDR_LEN);
	CHECK((size_t)a->off + a->len <= size);
	CHECK((a->off & 3) == 0);
	/* The index agrees with the TLV header in the buffer. */
	CHECK(m->buf[a->off - 4] == (a->type >> 8) && m->buf[a->off - 3] == (a->type & 0xFF));
	CHECK(m->buf[a->off - 2] == (a->len >> 8) && m->buf[a->off - 1] == (a->len & 0xFF));
	(void)touch(stun_attr_value(m, a), a->len);
}

/* Everything indexed (but the integrity attributes) rebuilt and parsed
 * again must come back with the same lengths. */
static void
check_reencode(const struct stun_msg *m)
{
	uint8_t out[STUN_MAX_MSG_LEN];
	struct stun_builder b;
	struct stun_msg m2;

	stun_build_init(&b, out, sizeof(out), m->method, m->cls, m->tid);
	for (int s = 0; s < STUN_SLOT_COUNT; s++) {
		const struct stun_attr *a = stun_msg_attr(m, (enum stun_attr_slot)s);
		if (a == NULL || s == STUN_SLOT_MESSAGE_INTEGRITY ||
		    s == STUN_SLOT_MESSAGE_INTEGRITY_SHA256 || s == STUN_SLOT_FINGERPRINT)
			continue;
		stun_put_attr(&b, a->type, stun_attr_value(m, a), a->len);
	}
	for (unsigned int i = 0; i < m->n_peer; i++)
		stun_put_attr(&b, m->peer[i].type, stun_attr_value(m, &m->peer[i]), m->peer[i].len);
	int len = stun_build_finish(&b);
	CHECK(len >= STUN_HEADER_LEN);
	CHECK(stun_parse(&m2, out, (size_t)len) == 0);
	CHECK(m2.method == m->method && m2.cls == m->cls && m2.n_peer == m->n_peer);
	CHECK(m2.n_unknown == 0);
	for (int s = 0; s < STUN_SLOT_COUNT; s++) {
		if (s == STUN_SLOT_MESSAGE_INTEGRITY || s == STUN_SLOT_MESSAGE_INTEGRITY_SHA256 ||
		    s == STUN_SLOT_FINGERPRINT)
			continue;
		const struct stun_attr *a = stun_msg_attr(m, (enum stun_attr_slot)s);
		const struct stun_attr *a2 = stun_msg_attr(&m2, (enum stun_attr_slot)s);
		CHECK((a == NULL) == (a2 == NULL));
		if (a != NULL)
			CHECK(a->len == a2->len &&
			      memcmp(stun_attr_value(m, a), stun_attr_value(&m2, a2), a->len) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stun_msg m;
	struct stun_addr a;
	uint32_t v;
	uint16_t ch, plen, code;
	const char *reason;
	size_t rlen;

	(void)stun_demux(data, size);
	if (channeldata_parse(data, size, &ch, &plen) == 0)
		CHECK((size_t)plen + TURN_CHANNELDATA_HDR_LEN <= size);

	bool is_stun = stun_is_stun(data, size);
	int rc = stun_parse(&m, data, size);
	CHECK(rc == 0 || rc == -EINVAL || rc == -EBADMSG);
	if (rc == 0 || rc == -EBADMSG)
		CHECK(is_stun && m.tid == data + 8 && m.len == size);
	if (rc != -EBADMSG)
		CHECK(m.bad_attr == 0);

	/* Every accessor, whatever rc was. */
	for (int s = 0; s < STUN_SLOT_COUNT; s++) {
		const struct stun_attr *at = stun_msg_attr(&m, (enum stun_attr_slot)s);
		if (at != NULL) {
			CHECK(rc != -EINVAL);
			check_attr(&m, at, size);
			CHECK(stun_attr_slot(at->type) == s);
		}
		int r = stun_msg_get_u32(&m, (enum stun_attr_slot)s, &v);
		CHECK(r == 0 || r == -ENOENT || r == -EBADMSG);
		r = stun_msg_get_addr(&m, (enum stun_attr_slot)s, &a);
		CHECK(r == 0 || r == -ENOENT || r == -EINVAL);
		if (r == 0)
			CHECK(a.family == STUN_FAMILY_IPV4 || a.family == STUN_FAMILY_IPV6);
	}
	CHECK(m.n_peer <= STUN_MAX_PEER_ADDRS && m.n_unknown <= STUN_MAX_UNKNOWN);
	for (unsigned int i = 0; i <= m.n_peer; i++) {
		int r = stun_msg_get_peer(&m, i, &a);
		CHECK(i < m.n_peer ? r == 0 : r == -ENOENT);
		if (i < m.n_peer)
			check_attr(&m, &m.peer[i], size);
	}
	for (unsigned int i = 0; i < m.n_unknown; i++)
		CHECK(m.unknown[i] < 0x8000 && stun_attr_slot(m.unknown[i]) < 0);
	if (stun_msg_get_error(&m, &code, &reason, &rlen) == 0) {
		CHECK(code >= 300 && code <= 699);
		(void)touch((const uint8_t *)reason, rlen);
	}
	if (m.mi_hdr_off != 0)
		CHECK(m.mi_hdr_off + 24u <= size);
	if (m.mi256_hdr_off != 0)
		CHECK(m.mi256_hdr_off + 20u <= size);
	if (rc == 0 && m.fp_hdr_off != 0)
		CHECK(m.fp_hdr_off + 8u == size);

	if (rc == 0)
		check_reencode(&m);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the control-channel decoder: treat the input as a
 * stream of frames and decode them one at a time, as a socket reader
 * would (skipping unknown types and malformed bodies by their length,
 * stopping at a protocol error or an incomplete frame). Every decoded
 * frame is re-encoded: the bytes must equal the input frame (the format
 * is canonical) and decoding them again must give the same message.
 * Invariant violations abort so the fuzzer reports them.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                       \
	do {                                                                           \
		if (!(c))                                                              \
			abort();                                                       \
	} while (0)

static struct ctl_msg m, m2;
static uint8_t out[CTL_MAX_FRAME];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	while (off < size) {
		const uint8_t *p = data + off;
		size_t left = size - off;
		int r = ctl_decode(p, left, &m);
		if (r == 0 || r == -EPROTO || r == -EMSGSIZE)
			break;
		if (r == -ENOTSUP || r == -EBADMSG) {
			CHECK(m.frame_len >= CTL_HEADER_LEN && m.frame_len <= left);
			CHECK(m.frame_len <= CTL_MAX_FRAME);
			CHECK(r == -EBADMSG || m.type == 0 || m.type > CTL_T_MAX);
			off += m.frame_len;
			continue;
		}
		CHECK(r > 0 && (size_t)r <= left && (uint32_t)r == m.frame_len);
		CHECK(r >= CTL_HEADER_LEN && r <= CTL_MAX_FRAME);
		CHECK(ctl_validate(&m) == 0);
		(void)ctl_type_name(m.type);

		/* Canonical: re-encoding gives the same bytes... */
		int n = ctl_encode(&m, out, sizeof(out));
		CHECK(n == r);
		CHECK(memcmp(out, p, (size_t)n) == 0);
		/* ...and decoding those gives the same message. */
		CHECK(ctl_decode(out, (size_t)n, &m2) == n);
		CHECK(memcmp(&m, &m2, sizeof(m)) == 0);
		/* Every strict prefix is incomplete. */
		CHECK(ctl_decode(out, (size_t)n - 1, &m2) == 0);
		/* Too small a buffer is refused, not overrun. */
		CHECK(ctl_encode(&m, out, (size_t)n - 1) == -ENOSPC);
		off += (size_t)r;
	}
	return 0;
}

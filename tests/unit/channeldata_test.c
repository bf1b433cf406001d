/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ChannelData parse/build (RFC 8656 12.4-12.5) and first-byte
 * demultiplexing (RFC 7983), as fixture tables.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "channeldata.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct cd_case {
	const char *name;
	uint8_t in[16];
	size_t len;
	int rc;
	uint16_t channel;
	uint16_t plen;
};

static const struct cd_case cd_cases[] = {
	{ "empty", { 0 }, 0, -EBADMSG, 0, 0 },
	{ "3 bytes", { 0x40, 0x00, 0x00 }, 3, -EBADMSG, 0, 0 },
	{ "header only, no payload", { 0x40, 0x00, 0x00, 0x00 }, 4, 0, 0x4000, 0 },
	{ "exact", { 0x40, 0x01, 0x00, 0x03, 'a', 'b', 'c' }, 7, 0, 0x4001, 3 },
	{ "padded to 4", { 0x4F, 0xFF, 0x00, 0x03, 'a', 'b', 'c', 0 }, 8, 0, 0x4FFF, 3 },
	{ "1 byte padded 3", { 0x40, 0x00, 0x00, 0x01, 'a', 0, 0, 0 }, 8, 0, 0x4000, 1 },
	{ "4 trailing bytes", { 0x40, 0x00, 0x00, 0x01, 'a', 0, 0, 0, 0 }, 9, -EBADMSG, 0, 0 },
	{ "empty payload, 4 trailing", { 0x40, 0x00, 0x00, 0x00, 0, 0, 0, 0 }, 8, -EBADMSG, 0, 0 },
	{ "declared longer than datagram", { 0x40, 0x00, 0x00, 0x05, 'a', 'b', 'c', 'd' }, 8,
	  -EBADMSG, 0, 0 },
	{ "declared 0xFFFF", { 0x40, 0x00, 0xFF, 0xFF, 'a' }, 5, -EBADMSG, 0, 0 },
	/* Range checks are the caller's: any number is reported. */
	{ "RFC 5766 range channel", { 0x7F, 0xFF, 0x00, 0x01, 'a' }, 5, 0, 0x7FFF, 1 },
	{ "channel 0", { 0x00, 0x00, 0x00, 0x00 }, 4, 0, 0x0000, 0 },
};

static void
test_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cd_cases); i++) {
		const struct cd_case *c = &cd_cases[i];
		uint16_t ch = 0xAAAA, plen = 0xBBBB;
		uint8_t *buf = malloc(c->len ? c->len : 1);
		assert_non_null(buf);
		memcpy(buf, c->in, c->len);
		int rc = channeldata_parse(buf, c->len, &ch, &plen);
		free(buf);
		if (rc != c->rc)
			fail_msg("%s: rc %d, want %d", c->name, rc, c->rc);
		if (rc == 0) {
			assert_int_equal(ch, c->channel);
			assert_int_equal(plen, c->plen);
		} else {
			/* Outputs untouched on error. */
			assert_int_equal(ch, 0xAAAA);
			assert_int_equal(plen, 0xBBBB);
		}
	}
}

static void
test_build(void **state)
{
	(void)state;
	uint8_t out[32];
	const uint8_t *abcde = (const uint8_t *)"abcde";

	memset(out, 0xEE, sizeof(out));
	assert_int_equal(channeldata_build(out, sizeof(out), 0x4001, abcde, 5, 0), 9);
	static const uint8_t want_unpadded[] = { 0x40, 0x01, 0x00, 0x05, 'a', 'b', 'c', 'd', 'e' };
	assert_memory_equal(out, want_unpadded, sizeof(want_unpadded));
	assert_int_equal(out[9], 0xEE);

	memset(out, 0xEE, sizeof(out));
	assert_int_equal(channeldata_build(out, sizeof(out), 0x4FFF, abcde, 5, 1), 12);
	static const uint8_t want_padded[] = { 0x4F, 0xFF, 0x00, 0x05, 'a', 'b', 'c', 'd', 'e',
					       0, 0, 0 };
	assert_memory_equal(out, want_padded, sizeof(want_padded));
	assert_int_equal(out[12], 0xEE);

	/* Already a multiple of 4: no padding added. */
	assert_int_equal(channeldata_build(out, sizeof(out), 0x4000, (const uint8_t *)"abcd", 4, 1),
			 8);
	/* Empty payload. */
	assert_int_equal(channeldata_build(out, 4, 0x4000, NULL, 0, 1), 4);
	static const uint8_t want_empty[] = { 0x40, 0x00, 0x00, 0x00 };
	assert_memory_equal(out, want_empty, 4);

	/* Capacity: padding included. */
	assert_int_equal(channeldata_build(out, 9, 0x4000, abcde, 5, 0), 9);
	assert_int_equal(channeldata_build(out, 8, 0x4000, abcde, 5, 0), -ENOSPC);
	assert_int_equal(channeldata_build(out, 11, 0x4000, abcde, 5, 1), -ENOSPC);
	assert_int_equal(channeldata_build(out, 3, 0x4000, NULL, 0, 0), -ENOSPC);

	static uint8_t big[70000];
	assert_int_equal(channeldata_build(big, sizeof(big), 0x4000, big + 4, 65536, 0), -EINVAL);
	assert_int_equal(channeldata_build(big, sizeof(big), 0x4000, big + 4, 65535, 1), 65540);
}

/* The dataplane writes the payload first and prepends the header. */
static void
test_build_in_place(void **state)
{
	(void)state;
	uint8_t buf[16] = { 0, 0, 0, 0, 'h', 'e', 'l', 'l', 'o', 0xEE, 0xEE, 0xEE };
	uint16_t ch, plen;

	assert_int_equal(channeldata_build(buf, sizeof(buf), 0x4123, buf + 4, 5, 1), 12);
	static const uint8_t want[] = { 0x41, 0x23, 0x00, 0x05, 'h', 'e', 'l', 'l', 'o', 0, 0, 0 };
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(channeldata_parse(buf, 12, &ch, &plen), 0);
	assert_int_equal(ch, 0x4123);
	assert_int_equal(plen, 5);
	assert_int_equal(channeldata_parse(buf, 9, &ch, &plen), 0);

	/* Overlapping source (payload not at out + 4) is moved safely. */
	uint8_t ov[16] = { 'a', 'b', 'c', 'd', 'e', 'f' };
	assert_int_equal(channeldata_build(ov, sizeof(ov), 0x4000, ov, 6, 0), 10);
	static const uint8_t want_ov[] = { 0x40, 0x00, 0x00, 0x06, 'a', 'b', 'c', 'd', 'e', 'f' };
	assert_memory_equal(ov, want_ov, sizeof(want_ov));

	uint8_t hdr[4];
	channeldata_write_hdr(hdr, 0x4FFE, 0x1234);
	static const uint8_t want_hdr[] = { 0x4F, 0xFE, 0x12, 0x34 };
	assert_memory_equal(hdr, want_hdr, 4);
}

static void
test_demux(void **state)
{
	(void)state;
	static const struct {
		uint8_t first;
		enum stun_demux_kind kind;
	} cases[] = {
		{ 0, STUN_DEMUX_STUN },		{ 3, STUN_DEMUX_STUN },
		{ 4, STUN_DEMUX_OTHER },	{ 15, STUN_DEMUX_OTHER },
		{ 16, STUN_DEMUX_ZRTP },	{ 19, STUN_DEMUX_ZRTP },
		{ 20, STUN_DEMUX_DTLS },	{ 63, STUN_DEMUX_DTLS },
		{ 64, STUN_DEMUX_CHANNELDATA }, { 79, STUN_DEMUX_CHANNELDATA },
		{ 80, STUN_DEMUX_OTHER },	{ 127, STUN_DEMUX_OTHER },
		{ 128, STUN_DEMUX_RTP },	{ 191, STUN_DEMUX_RTP },
		{ 192, STUN_DEMUX_OTHER },	{ 255, STUN_DEMUX_OTHER },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint8_t b = cases[i].first;
		if (stun_demux(&b, 1) != cases[i].kind)
			fail_msg("first byte %u", b);
	}
	assert_int_equal(stun_demux(NULL, 0), STUN_DEMUX_OTHER);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_build_in_place),
		cmocka_unit_test(test_demux),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

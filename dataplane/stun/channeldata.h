/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ChannelData framing (RFC 8656 section 12.4) and first-byte
 * demultiplexing (RFC 7983).
 *
 *   switch (stun_demux(buf, len)) {
 *   case STUN_DEMUX_STUN: ...
 *   case STUN_DEMUX_CHANNELDATA: channeldata_parse(buf, len, &ch, &plen);
 *   default: drop;
 *   }
 */
#ifndef CHANNELDATA_H
#define CHANNELDATA_H

#include <stddef.h>
#include <stdint.h>

#include "stun_proto.h"

enum stun_demux_kind {
	STUN_DEMUX_STUN,        /* first byte 0..3 */
	STUN_DEMUX_ZRTP,        /* 16..19 */
	STUN_DEMUX_DTLS,        /* 20..63 */
	STUN_DEMUX_CHANNELDATA, /* 64..79 */
	STUN_DEMUX_RTP,         /* 128..191 */
	STUN_DEMUX_OTHER,
};

static inline enum stun_demux_kind
stun_demux(const uint8_t *buf, size_t len)
{
	if (len == 0)
		return STUN_DEMUX_OTHER;
	uint8_t b = buf[0];
	if (b <= 3)
		return STUN_DEMUX_STUN;
	if (b >= 16 && b <= 19)
		return STUN_DEMUX_ZRTP;
	if (b >= 20 && b <= 63)
		return STUN_DEMUX_DTLS;
	if (b >= 64 && b <= 79)
		return STUN_DEMUX_CHANNELDATA;
	if (b >= 128 && b <= 191)
		return STUN_DEMUX_RTP;
	return STUN_DEMUX_OTHER;
}

/*
 * Parse a ChannelData message of @len bytes (a whole UDP payload). The
 * declared length must fit; up to 3 bytes of trailing padding are allowed
 * (RFC 8656 12.5: padding is optional over UDP). Any channel number is
 * returned; range checks belong to the caller.
 * Returns 0 with *channel and *payload_len (payload starts at offset 4),
 * or -EBADMSG.
 */
int channeldata_parse(const uint8_t *buf, size_t len, uint16_t *channel, uint16_t *payload_len);

/* Write the 4-byte header. */
static inline void
channeldata_write_hdr(uint8_t hdr[TURN_CHANNELDATA_HDR_LEN], uint16_t channel, uint16_t len)
{
	hdr[0] = (uint8_t)(channel >> 8);
	hdr[1] = (uint8_t)channel;
	hdr[2] = (uint8_t)(len >> 8);
	hdr[3] = (uint8_t)len;
}

/* Build header + payload (+ zero padding to 4 if @pad) into @out.
 * @payload may already be at out + 4 (built in place). Returns the total
 * length, -ENOSPC if it exceeds @cap, or -EINVAL if @len > 65535. */
int channeldata_build(uint8_t *out, size_t cap, uint16_t channel, const uint8_t *payload,
		      size_t len, int pad);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ChannelData framing, RFC 8656 section 12.4: a 4-byte header (channel
 * number, payload length) then the payload, padded to 4 bytes over
 * stream transports and optionally over UDP.
 */
#include <errno.h>
#include <string.h>

#include "channeldata.h"

int
channeldata_parse(const uint8_t *buf, size_t len, uint16_t *channel, uint16_t *payload_len)
{
	if (len < TURN_CHANNELDATA_HDR_LEN)
		return -EBADMSG;
	size_t plen = (size_t)buf[2] << 8 | buf[3];
	size_t room = len - TURN_CHANNELDATA_HDR_LEN;
	/* The payload must fit; at most 3 bytes may follow it (padding). */
	if (plen > room || room - plen > 3)
		return -EBADMSG;
	*channel = (uint16_t)(buf[0] << 8 | buf[1]);
	*payload_len = (uint16_t)plen;
	return 0;
}

/*
 * @payload may already sit at out + 4 (the dataplane prepends the header
 * in place), so the copy is a memmove and is skipped when it is a no-op.
 */
int
channeldata_build(uint8_t *out, size_t cap, uint16_t channel, const uint8_t *payload,
		  size_t len, int pad)
{
	if (len > 0xFFFF)
		return -EINVAL;
	size_t total = TURN_CHANNELDATA_HDR_LEN + len;
	size_t padded = pad ? (total + 3) & ~(size_t)3 : total;
	if (padded > cap)
		return -ENOSPC;
	if (len > 0 && payload != out + TURN_CHANNELDATA_HDR_LEN)
		memmove(out + TURN_CHANNELDATA_HDR_LEN, payload, len);
	channeldata_write_hdr(out, channel, (uint16_t)len);
	memset(out + total, 0, padded - total);
	return (int)padded;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RTP/SRTP test media: see perf_media.h.
 */
#include "perf_media.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <srtp2/srtp.h>

#include "stun_bytes.h"

static const uint8_t magic[4] = { 'T', 'P', 'P', 'F' };

int
perf_media_global_init(void)
{
	return srtp_init() == srtp_err_status_ok ? 0 : -EIO;
}

static int
session(srtp_t *out, const uint8_t *key, uint32_t ssrc, bool inbound)
{
	srtp_policy_t p;

	memset(&p, 0, sizeof(p));
	srtp_crypto_policy_set_rtp_default(&p.rtp);
	srtp_crypto_policy_set_rtcp_default(&p.rtcp);
	if (inbound) {
		p.ssrc.type = ssrc_any_inbound;
	} else {
		p.ssrc.type = ssrc_specific;
		p.ssrc.value = ssrc;
	}
	p.key = (unsigned char *)key;
	p.window_size = 128;
	return srtp_create(out, &p) == srtp_err_status_ok ? 0 : -EIO;
}

int
perf_media_init(struct perf_media *m, uint32_t ssrc, bool srtp, uint8_t pt)
{
	uint8_t key[SRTP_MASTER_KEY_LEN];
	srtp_t tx = NULL, rx = NULL;

	memset(m, 0, sizeof(*m));
	m->ssrc = ssrc;
	m->pt = pt & 0x7F;
	m->srtp = srtp;
	m->rtp_seq = (uint16_t)(ssrc * 2654435761u);
	if (!srtp)
		return 0;
	if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key))
		for (size_t i = 0; i < sizeof(key); i++)
			key[i] = (uint8_t)(ssrc * 31u + i * 131u);
	if (session(&tx, key, ssrc, false) != 0)
		return -EIO;
	if (session(&rx, key, ssrc, true) != 0) {
		srtp_dealloc(tx);
		return -EIO;
	}
	memset(key, 0, sizeof(key));
	m->tx = tx;
	m->rx = rx;
	return 0;
}

void
perf_media_fini(struct perf_media *m)
{
	if (m->tx != NULL)
		srtp_dealloc((srtp_t)m->tx);
	if (m->rx != NULL)
		srtp_dealloc((srtp_t)m->rx);
	m->tx = m->rx = NULL;
}

int
perf_media_build(struct perf_media *m, uint8_t *buf, size_t cap, size_t payload,
		 uint64_t seq, uint64_t send_ns, bool measured)
{
	size_t len;
	int n;

	if (payload < PERF_MEDIA_HDR)
		payload = PERF_MEDIA_HDR;
	len = PERF_RTP_HDR + payload;
	if (cap < len + PERF_MEDIA_TRAILER)
		return -ENOSPC;
	buf[0] = 0x80; /* V=2 */
	buf[1] = m->pt;
	stun_wr16(buf + 2, m->rtp_seq++);
	stun_wr32(buf + 4, m->rtp_ts);
	m->rtp_ts += 960; /* 20 ms at 48 kHz */
	stun_wr32(buf + 8, m->ssrc);
	memcpy(buf + 12, magic, 4);
	buf[16] = measured ? PERF_MEDIA_FLAG_MEASURED : 0;
	buf[17] = buf[18] = buf[19] = 0;
	stun_wr32(buf + 20, (uint32_t)(seq >> 32));
	stun_wr32(buf + 24, (uint32_t)seq);
	stun_wr32(buf + 28, (uint32_t)(send_ns >> 32));
	stun_wr32(buf + 32, (uint32_t)send_ns);
	/* Filler that changes with the sequence number, so a relay that
	 * mixes up buffers shows as SRTP failures. */
	for (size_t i = PERF_RTP_HDR + PERF_MEDIA_HDR; i < len; i++)
		buf[i] = (uint8_t)(seq + i);
	if (!m->srtp)
		return (int)len;
	n = (int)len;
	if (srtp_protect((srtp_t)m->tx, buf, &n) != srtp_err_status_ok)
		return -EIO;
	return n;
}

int
perf_media_check(struct perf_media *m, uint8_t *buf, size_t len, struct perf_media_info *info)
{
	int n = (int)len;

	if (len < PERF_RTP_HDR + PERF_MEDIA_HDR || len > 65535)
		return -EBADMSG;
	if ((buf[0] & 0xC0) != 0x80 || stun_rd32(buf + 8) != m->ssrc)
		return -EBADMSG;
	if (m->srtp) {
		srtp_err_status_t st = srtp_unprotect((srtp_t)m->rx, buf, &n);

		if (st == srtp_err_status_replay_fail || st == srtp_err_status_replay_old)
			return -EALREADY;
		if (st != srtp_err_status_ok)
			return -EACCES;
		if ((size_t)n < PERF_RTP_HDR + PERF_MEDIA_HDR)
			return -EBADMSG;
	}
	if (memcmp(buf + 12, magic, 4) != 0)
		return -EBADMSG;
	info->measured = (buf[16] & PERF_MEDIA_FLAG_MEASURED) != 0;
	info->seq = (uint64_t)stun_rd32(buf + 20) << 32 | stun_rd32(buf + 24);
	info->send_ns = (uint64_t)stun_rd32(buf + 28) << 32 | stun_rd32(buf + 32);
	return 0;
}

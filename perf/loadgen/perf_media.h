/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test media for one stream: RTP packets (RFC 3550 fixed header) whose
 * payload starts with a perf header (magic, flags, a 64-bit sequence
 * number counted from 0 in the measured phase, the sender's
 * CLOCK_MONOTONIC send time in ns), optionally SRTP-protected with
 * libsrtp2 (AES_CM_128_HMAC_SHA1_80, a random key per stream). The
 * stream protects what it sends and unprotects what comes back (the
 * echo peer returns packets unchanged), so every returned packet proves
 * the relay delivered its bytes intact.
 *
 *   perf_media_global_init();                       // once per process
 *   struct perf_media m;
 *   perf_media_init(&m, ssrc, true, 111);
 *   int n = perf_media_build(&m, buf, cap, 100, seq, now_ns, true);
 *   rc = perf_media_check(&m, buf, n, &info);       // in place
 *   perf_media_fini(&m);
 *
 * One struct per stream; not thread-safe (libsrtp sessions are not).
 */
#ifndef PERF_MEDIA_H
#define PERF_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PERF_RTP_HDR 12
/* magic(4) flags(1) pad(3) seq(8) send_ns(8) */
#define PERF_MEDIA_HDR 24
/* Room SRTP may add after the payload. */
#define PERF_MEDIA_TRAILER 16
#define PERF_MEDIA_FLAG_MEASURED 0x01

struct perf_media {
	void *tx, *rx;   /* srtp_t, NULL without SRTP */
	bool srtp;
	uint8_t pt;
	uint32_t ssrc;
	uint16_t rtp_seq;
	uint32_t rtp_ts;
};

struct perf_media_info {
	uint64_t seq;
	uint64_t send_ns;
	bool measured;
};

/* Returns 0 or -EIO if libsrtp cannot start. Not thread-safe. */
int perf_media_global_init(void);
/* Returns 0, or -EIO if a libsrtp session cannot be made. */
int perf_media_init(struct perf_media *m, uint32_t ssrc, bool srtp, uint8_t pt);
void perf_media_fini(struct perf_media *m);

/*
 * Build one packet with @payload bytes of RTP payload (at least
 * PERF_MEDIA_HDR; shorter asks are raised to it) into @buf. @cap must
 * leave PERF_MEDIA_TRAILER bytes beyond header and payload. Returns the
 * packet length, -ENOSPC, or -EIO if SRTP refuses.
 */
int perf_media_build(struct perf_media *m, uint8_t *buf, size_t cap, size_t payload,
		     uint64_t seq, uint64_t send_ns, bool measured);

/*
 * Check a returned packet in place. Returns 0 with @info filled;
 * -EACCES if SRTP authentication fails; -EALREADY if SRTP calls it a
 * replay (a duplicate or a packet older than its 128-packet window);
 * -EBADMSG if it is not this stream's packet (short, wrong SSRC or
 * magic).
 */
int perf_media_check(struct perf_media *m, uint8_t *buf, size_t len,
		     struct perf_media_info *info);

#endif

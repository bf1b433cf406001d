/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kernel UDP back-end: see perf_io_udp.h.
 *
 * Counting: a packet (or transaction) counts only if it was sent while
 * the run was in the measured phase; the packet carries that flag, so
 * warm-up packets arriving late are checked but not counted. Each
 * worker keeps its stream state to itself and publishes counters and
 * an interval latency histogram under its own mutex, once per loop
 * iteration, for the once-a-second rows; totals are summed after the
 * threads are joined.
 */
#include "perf_io_udp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "perf_client.h"
#include "perf_clock.h"
#include "perf_dpdk.h"
#include "perf_hist.h"
#include "perf_media.h"
#include "perf_proc.h"
#include "perf_rate.h"
#include "perf_seq.h"
#include "stun_bytes.h"
#include "turn_client.h"
#include "udp_util.h"

#define BATCH 32
#define BUF_SIZE 4096
#define RX_ROUNDS 8             /* recvmmsg batches per socket per wake-up */
#define BINDING_WINDOW 32       /* outstanding Binding requests per client */
#define STALL_NS 100000000ull   /* window reset after 100 ms of silence */
#define LOST_EVERY_NS 100000000ull
#define SAMPLES 1024
#define CHANNEL0 0x4000
#define BINDING_REQUEST 0x0001
#define BINDING_SUCCESS 0x0101

enum phase { PH_WARMUP, PH_MEASURE, PH_DRAIN, PH_STOP };
enum mode { MODE_BINDING, MODE_CHURN, MODE_MEDIA, MODE_RAMP };
/* alloc-rate's round: Allocate, Refresh (keep it), Refresh 0 (delete). */
enum churn { CH_IDLE, CH_ALLOC, CH_KEEP, CH_REFRESH };

struct stream {
	struct perf_session sess;
	struct perf_media media;
	bool media_ok;
	struct perf_rate rate;
	struct perf_seq seq;
	uint64_t next_seq, warm_seq;
	uint64_t sent;              /* measured */
	unsigned int next_peer;
	unsigned int inflight;      /* binding window */
	uint64_t last_rx_ns;
	unsigned int slot;          /* index in its worker's st[] and pfd[] */
	/* alloc-rate */
	enum churn state;
	bool op_measured;
	bool used;                  /* an Allocate went out on this 5-tuple */
	uint8_t req[STUN_MAX_MSG_LEN];
	int req_len;
	int attempts;
	uint64_t sent_at_ns, op_start_ns;
};

struct counters {
	uint64_t sent, received, reordered, duplicates, srtp_failures, bad;
	uint64_t allocations, failures, retransmits, lost_est;
	uint64_t active;            /* alloc-rate: streams inside a transaction */
	int phase;                  /* the phase of the last loop published */
};

struct worker {
	pthread_t th;
	struct perf_run *run;
	struct stream **st;
	unsigned int n_st;
	int peer_fd[PERF_MAX_PEERS];
	struct stun_addr peer[PERF_MAX_PEERS];
	struct pollfd *pfd;
	/* loop-local */
	struct counters local;
	int pub_phase;               /* the phase of the loop in progress */
	uint64_t samples[SAMPLES];
	unsigned int n_samples;
	struct perf_hist total;
	uint64_t lost_at_ns;
	uint8_t *rx, *tx;            /* BATCH * BUF_SIZE each */
	struct sockaddr_storage names[BATCH];
	/* published, under mu */
	pthread_mutex_t mu;
	struct counters pub;
	struct perf_hist ivl;
};

struct perf_run {
	const struct perf_cfg *cfg;
	enum mode mode;
	struct perf_dpdk *dpdk;      /* NULL: kernel sockets */
	uint32_t client_base;        /* DPDK: client i is client_base + i, host order */
	uint32_t peer_base;          /* DPDK: echo/sink peer j is peer_base + j, host order */
	uint32_t ssrc_base;          /* stream i sends SSRC ssrc_base + i */
	_Atomic uint64_t ramp_started; /* concurrency-ramp: Allocates begun */
	_Atomic unsigned int ramp_full;  /* the error that ended the ramp (508, 486), or 0 */
	struct stream *streams;
	unsigned int n_streams;
	struct worker *w;
	unsigned int n_w;
	_Atomic int phase;
	uint64_t rate;
	unsigned int payload;
	bool busy;                   /* poll without sleeping */
};

/* alloc-rate and concurrency-ramp: streams that run transactions. */
static bool
churning(const struct perf_run *run)
{
	return run->mode == MODE_CHURN || run->mode == MODE_RAMP;
}

static void
sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };

	nanosleep(&ts, NULL);
}

static int
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

/* ---- publishing ---- */

static void
add_counters(struct counters *d, const struct counters *s)
{
	d->sent += s->sent;
	d->received += s->received;
	d->reordered += s->reordered;
	d->duplicates += s->duplicates;
	d->srtp_failures += s->srtp_failures;
	d->bad += s->bad;
	d->allocations += s->allocations;
	d->failures += s->failures;
	d->retransmits += s->retransmits;
}

static void
publish(struct worker *w, uint64_t now, int phase)
{
	bool lost_due = now - w->lost_at_ns >= LOST_EVERY_NS;
	uint64_t lost = 0, active = 0;

	if (lost_due) {
		for (unsigned int i = 0; i < w->n_st; i++)
			lost += perf_seq_lost(&w->st[i]->seq);
		w->lost_at_ns = now;
	}
	if (churning(w->run))
		for (unsigned int i = 0; i < w->n_st; i++)
			active += w->st[i]->state != CH_IDLE;
	pthread_mutex_lock(&w->mu);
	add_counters(&w->pub, &w->local);
	w->pub.active = active;
	w->pub.phase = phase;
	if (lost_due)
		w->pub.lost_est = lost;
	for (unsigned int i = 0; i < w->n_samples; i++)
		perf_hist_add(&w->ivl, w->samples[i]);
	pthread_mutex_unlock(&w->mu);
	memset(&w->local, 0, sizeof(w->local));
	w->n_samples = 0;
}

static void
sample(struct worker *w, uint64_t lat_ns)
{
	perf_hist_add(&w->total, lat_ns);
	if (w->n_samples == SAMPLES)
		publish(w, perf_now_ns(), w->pub_phase);
	w->samples[w->n_samples++] = lat_ns;
}

static void
count_seq(struct worker *w, struct stream *s, uint64_t seq)
{
	switch (perf_seq_push(&s->seq, seq)) {
	case PERF_SEQ_IN_ORDER:
		w->local.received++;
		break;
	case PERF_SEQ_REORDERED:
	case PERF_SEQ_TOO_OLD:
		w->local.received++;
		w->local.reordered++;
		break;
	case PERF_SEQ_DUPLICATE:
		w->local.duplicates++;
		break;
	}
}

/* ---- sending ---- */

/* Send @n prepared datagrams of w->tx for stream @s; returns how many went. */
static unsigned int
send_batch(struct worker *w, struct stream *s, const int *len, unsigned int n)
{
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	int rc;

#ifdef PERF_HAVE_DPDK
	if (w->run->dpdk != NULL) {
		uint8_t *bufs[BATCH];

		for (unsigned int i = 0; i < n; i++)
			bufs[i] = w->tx + (size_t)i * BUF_SIZE;
		return perf_dpdk_send(w->run->dpdk, &s->sess.local, &w->run->cfg->server, bufs,
				      len, n);
	}
#endif
	memset(m, 0, sizeof(m[0]) * n);
	for (unsigned int i = 0; i < n; i++) {
		iov[i].iov_base = w->tx + (size_t)i * BUF_SIZE;
		iov[i].iov_len = (size_t)len[i];
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
	}
	rc = sendmmsg(s->sess.fd, m, n, MSG_DONTWAIT);
	return rc < 0 ? 0 : (unsigned int)rc;
}

/* @done packets of @s went out: the next sequence numbers are used. */
static void
count_sent(struct worker *w, struct stream *s, unsigned int done, bool measured)
{
	if (measured) {
		s->next_seq += done;
		s->sent += done;
		w->local.sent += done;
	} else {
		s->warm_seq += done;
	}
}

static void
send_media(struct worker *w, struct stream *s, uint64_t now, bool measured)
{
	const struct perf_cfg *cfg = w->run->cfg;
	unsigned int want = perf_rate_take(&s->rate, now, BATCH), done;
	uint64_t base = measured ? s->next_seq : s->warm_seq;
	int len[BATCH];

	for (unsigned int i = 0; i < want; i++) {
		uint8_t *b = w->tx + (size_t)i * BUF_SIZE;
		unsigned int peer = (s->next_peer + i) % cfg->peers;
		int n = perf_media_build(&s->media, b + 4, BUF_SIZE - 4, w->run->payload, base + i,
					 now, measured);

		if (n < 0 || turn_client_channeldata(b, BUF_SIZE, (uint16_t)(CHANNEL0 + peer), b + 4,
						     (size_t)n, false) < 0) {
			want = i;
			break;
		}
		len[i] = n + 4;
	}
	if (want == 0)
		return;
	done = send_batch(w, s, len, want);
	s->next_peer += done;
	count_sent(w, s, done, measured);
}

/* A Binding request whose transaction id holds the send time and the
 * sequence number (top bit: measured), so answers need no lookup. */
static void
send_binding(struct worker *w, struct stream *s, uint64_t now, bool measured)
{
	unsigned int want = BATCH, done;
	uint64_t base = measured ? s->next_seq : s->warm_seq;
	int len[BATCH];

	if (w->run->rate != 0) {
		want = perf_rate_take(&s->rate, now, BATCH);
	} else {
		if (s->inflight > 0 && now - s->last_rx_ns > STALL_NS)
			s->inflight = 0; /* the rest are lost: reopen the window */
		want = BINDING_WINDOW - s->inflight;
	}
	for (unsigned int i = 0; i < want; i++) {
		uint8_t *b = w->tx + (size_t)i * BUF_SIZE;
		uint32_t q = (uint32_t)((base + i) & 0x7FFFFFFF) | (measured ? 0x80000000u : 0);

		stun_wr16(b, BINDING_REQUEST);
		stun_wr16(b + 2, 0);
		stun_wr32(b + 4, STUN_MAGIC_COOKIE);
		stun_wr32(b + 8, (uint32_t)(now >> 32));
		stun_wr32(b + 12, (uint32_t)now);
		stun_wr32(b + 16, q);
		len[i] = STUN_HEADER_LEN;
	}
	if (want == 0)
		return;
	done = send_batch(w, s, len, want);
	if (done > 0 && s->inflight == 0)
		s->last_rx_ns = now;
	s->inflight += done;
	count_sent(w, s, done, measured);
}

/* The operation of @s is over; in concurrency-ramp one that did not
 * leave an allocation behind gives its place in the target back. */
static void
churn_end(struct worker *w, struct stream *s, bool held)
{
	s->state = CH_IDLE;
	if (w->run->mode == MODE_RAMP && !held)
		atomic_fetch_sub(&w->run->ramp_started, 1);
}

static void
churn_send(struct worker *w, struct stream *s, uint64_t now)
{
	if (s->req_len <= 0 ||
	    perf_session_send(w->run->cfg, &s->sess, s->req, (size_t)s->req_len) != 0) {
		/* Cannot even send: count it and start over later. */
		if (s->op_measured)
			w->local.failures++;
		churn_end(w, s, false);
		return;
	}
	s->sent_at_ns = now;
	if (s->op_measured)
		w->local.sent++;
}

/*
 * A new 5-tuple for the next allocation: a server may keep a deleted
 * allocation on the old one for a while (coturn answers 437 to the next
 * Allocate), and real churn is new clients anyway. The socket is bound
 * to an ephemeral port on the same local address and connected to the
 * server; the turn_client keeps its realm and nonce (a 401 or 438 asks
 * for new ones) but forgets the old transaction. One socket per stream.
 */
static void
forget_transaction(struct stream *s)
{
	memset(s->sess.c.tid, 0, sizeof(s->sess.c.tid));
	s->sess.c.method = 0;
	s->sess.c.authed = false;
	s->used = false;
}

static int
churn_new_tuple(struct worker *w, struct stream *s)
{
	const struct perf_cfg *cfg = w->run->cfg;
	struct sockaddr_storage ss;
	socklen_t sl = udp_sockaddr(&cfg->server, &ss);
	struct stun_addr local = s->sess.local;
	int fd, rc;

	if (w->run->dpdk != NULL) {
		/* The next port of the stream's own address; 64512 tuples
		 * before one comes round again. */
		s->sess.local.port = s->sess.local.port >= 65535 ? 1024 : s->sess.local.port + 1;
		s->sess.allocated = false;
		forget_transaction(s);
		return 0;
	}
	if (s->sess.fd >= 0)
		close(s->sess.fd);
	s->sess.fd = -1;
	w->pfd[s->slot].fd = -1; /* ignored by poll until replaced */
	s->sess.allocated = false; /* a leftover ages out on the server */
	local.port = 0;
	fd = udp_bind(&local, true);
	if (fd < 0)
		return fd;
	rc = connect(fd, (struct sockaddr *)&ss, sl) != 0 ? -errno :
						 udp_local_addr(fd, &s->sess.local);
	if (rc != 0) {
		close(fd);
		return rc;
	}
	s->sess.fd = fd;
	w->pfd[s->slot].fd = fd;
	forget_transaction(s);
	return 0;
}

static void
churn_start(struct worker *w, struct stream *s, uint64_t now, bool measured)
{
	if (s->state != CH_IDLE)
		return;
	if (w->run->mode == MODE_RAMP &&
	    (!measured || atomic_load(&w->run->ramp_started) >= w->run->cfg->allocations ||
	     atomic_load(&w->run->ramp_full) != 0))
		return; /* not yet counting (an allocation held then would not be
			 * counted, yet take its place in the target), the target is
			 * built or in flight, or the server is full */
	if (perf_rate_take(&s->rate, now, 1) == 0)
		return;
	s->op_measured = measured;
	if (s->used && churn_new_tuple(w, s) != 0) {
		if (measured)
			w->local.failures++;
		return; /* tried again on the next token */
	}
	if (w->run->mode == MODE_RAMP &&
	    atomic_fetch_add(&w->run->ramp_started, 1) >= w->run->cfg->allocations) {
		atomic_fetch_sub(&w->run->ramp_started, 1); /* another stream was quicker */
		return;
	}
	s->used = true;
	s->attempts = 0;
	s->op_start_ns = now;
	s->req_len = turn_client_allocate(&s->sess.c, NULL, s->req, sizeof(s->req));
	s->state = CH_ALLOC;
	churn_send(w, s, now);
}

static void
churn_next(struct worker *w, struct stream *s, uint64_t now, enum churn next)
{
	s->attempts = 0;
	s->state = next;
	if (next == CH_ALLOC)
		s->req_len = turn_client_allocate(&s->sess.c, NULL, s->req, sizeof(s->req));
	else if (next == CH_KEEP) /* no LIFETIME: the server's default */
		s->req_len = turn_client_refresh(&s->sess.c, false, 0, s->req, sizeof(s->req));
	else
		s->req_len = turn_client_refresh(&s->sess.c, true, 0, s->req, sizeof(s->req));
	churn_send(w, s, now);
}

static void
churn_timeouts(struct worker *w, uint64_t now)
{
	const struct perf_cfg *cfg = w->run->cfg;
	uint64_t limit = (uint64_t)cfg->timeout_ms * 1000000ull;

	for (unsigned int i = 0; i < w->n_st; i++) {
		struct stream *s = w->st[i];

		if (s->state == CH_IDLE || now - s->sent_at_ns < limit)
			continue;
		if (s->attempts < cfg->retries) {
			s->attempts++;
			if (s->op_measured)
				w->local.retransmits++;
			churn_send(w, s, now);
		} else {
			if (s->op_measured)
				w->local.failures++;
			churn_end(w, s, false);
		}
	}
}

static void
churn_answer(struct worker *w, struct stream *s, const uint8_t *buf, size_t len, uint64_t now)
{
	struct turn_client_result r;
	int rc;

	if (s->state == CH_IDLE)
		return;
	rc = turn_client_parse_response(&s->sess.c, buf, len, &r);
	if (rc == -ESRCH)
		return; /* an answer to an earlier transmission */
	if (rc != 0) {
		if (s->op_measured)
			w->local.bad++;
		return;
	}
	if (s->op_measured)
		w->local.received++;
	if (r.error == 0 && r.integrity != 0) {
		if (s->op_measured)
			w->local.failures++;
		churn_end(w, s, false);
		return;
	}
	if (s->state == CH_ALLOC) {
		if (r.error == 0 && w->run->mode == MODE_RAMP) {
			/* Held: the server keeps it for its lifetime, the
			 * stream moves on to a new 5-tuple. */
			if (s->op_measured) {
				sample(w, now - s->op_start_ns);
				w->local.allocations++;
			}
			churn_end(w, s, true);
		} else if (r.error == 0) {
			s->sess.allocated = true;
			if (s->op_measured)
				sample(w, now - s->op_start_ns);
			churn_next(w, s, now, CH_KEEP);
		} else if (r.retry) {
			churn_next(w, s, now, CH_ALLOC);
		} else if (w->run->mode == MODE_RAMP && (r.error == 508 || r.error == 486)) {
			/* Insufficient Capacity, Allocation Quota Reached: the
			 * server holds all it can, which is what a ramp finds
			 * out. Not a failure; no stream starts another. */
			atomic_store(&w->run->ramp_full, r.error);
			churn_end(w, s, false);
		} else if (r.error == 437) {
			/* Something still holds this 5-tuple: neither a success
			 * nor a failure; the next round starts on a fresh one. */
			churn_end(w, s, false);
		} else {
			if (s->op_measured)
				w->local.failures++;
			churn_end(w, s, false);
		}
		return;
	}
	if (s->state == CH_KEEP) {
		if (r.error == 0) {
			churn_next(w, s, now, CH_REFRESH);
		} else if (r.retry) {
			churn_next(w, s, now, CH_KEEP);
		} else {
			if (s->op_measured)
				w->local.failures++;
			churn_end(w, s, false); /* left to expire on the server */
		}
		return;
	}
	if (r.error == 0 || r.error == 437) {
		s->sess.allocated = false;
		if (s->op_measured && r.error == 0)
			w->local.allocations++;
		churn_end(w, s, false);
	} else if (r.retry) {
		churn_next(w, s, now, CH_REFRESH);
	} else {
		if (s->op_measured)
			w->local.failures++;
		churn_end(w, s, false);
	}
}

/* ---- receiving ---- */

/* One of @s's media packets, back at the client (echo) or at a sink peer. */
static void
check_media(struct worker *w, struct stream *s, uint8_t *pkt, size_t len, uint64_t now)
{
	struct perf_media_info info;
	int rc = perf_media_check(&s->media, pkt, len, &info);

	if (rc == -EACCES) {
		w->local.srtp_failures++;
		return;
	}
	if (rc == -EALREADY) {
		w->local.duplicates++;
		return;
	}
	if (rc != 0) {
		w->local.bad++;
		return;
	}
	if (!info.measured)
		return;
	count_seq(w, s, info.seq);
	if (now >= info.send_ns)
		sample(w, now - info.send_ns);
}

static void
rx_media(struct worker *w, struct stream *s, uint8_t *buf, size_t len, uint64_t now)
{
	struct turn_client_data d;
	int rc = turn_client_parse_data(buf, len, &d);

	if (rc == -ENOMSG)
		return; /* a late STUN response */
	if (rc != 0 || d.kind != TURN_CLIENT_CHANNELDATA) {
		w->local.bad++;
		return;
	}
	/* The payload lies inside our own receive buffer: unprotect it there. */
	check_media(w, s, buf + (d.payload - buf), d.len, now);
}

/*
 * A datagram at a sink peer: the relayed RTP/SRTP packet itself. Its
 * SSRC names the stream, which must be one of this worker's (a worker's
 * streams bind channels to its own peers only), so no other thread
 * touches that stream's state.
 */
static void
rx_sink(struct worker *w, uint8_t *pkt, size_t len, uint64_t now)
{
	struct perf_run *run = w->run;
	uint32_t i;

	if (len < PERF_RTP_HDR) {
		w->local.bad++;
		return;
	}
	i = stun_rd32(pkt + 8) - run->ssrc_base;
	if (i >= run->n_streams || &run->w[i % run->n_w] != w) {
		w->local.bad++;
		return;
	}
	check_media(w, &run->streams[i], pkt, len, now);
}

static void
rx_binding(struct worker *w, struct stream *s, const uint8_t *buf, size_t len, uint64_t now)
{
	uint64_t t;
	uint32_t q;

	if (len < STUN_HEADER_LEN || stun_rd16(buf) != BINDING_SUCCESS ||
	    stun_rd32(buf + 4) != STUN_MAGIC_COOKIE) {
		w->local.bad++;
		return;
	}
	if (s->inflight > 0)
		s->inflight--;
	s->last_rx_ns = now;
	t = (uint64_t)stun_rd32(buf + 8) << 32 | stun_rd32(buf + 12);
	q = stun_rd32(buf + 16);
	if (!(q & 0x80000000u))
		return;
	count_seq(w, s, q & 0x7FFFFFFF);
	if (now >= t)
		sample(w, now - t);
}

static void
rx_datagram(struct worker *w, struct stream *s, uint8_t *b, size_t len, uint64_t now)
{
	if (w->run->mode == MODE_MEDIA)
		rx_media(w, s, b, len, now);
	else if (w->run->mode == MODE_BINDING)
		rx_binding(w, s, b, len, now);
	else
		churn_answer(w, s, b, len, now);
}

#ifdef PERF_HAVE_DPDK
/* A datagram from the DPDK port: the destination names the stream. */
static void
rx_dpdk(void *ctx, const struct stun_addr *dst, uint8_t *payload, size_t len, uint64_t now)
{
	struct worker *w = ctx;
	struct perf_run *run = w->run;
	uint32_t ip;
	struct stream *s;

	memcpy(&ip, dst->ip, 4);
	if (run->cfg->sink && ntohl(ip) - run->peer_base < run->cfg->peers &&
	    dst->port == PERF_DPDK_PEER_PORT) {
		rx_sink(w, payload, len, now);
		return;
	}
	ip = ntohl(ip) - run->client_base;
	if (ip >= run->n_streams)
		return; /* not one of ours (perf_dpdk counts what it cannot parse) */
	s = &run->streams[ip];
	if (dst->port != s->sess.local.port)
		return; /* an answer to an earlier 5-tuple of this stream */
	rx_datagram(w, s, payload, len, now);
}
#endif

static void
rx_stream(struct worker *w, struct stream *s)
{
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];

	for (unsigned int round = 0; round < RX_ROUNDS; round++) {
		uint64_t now;
		int n;

		memset(m, 0, sizeof(m));
		for (unsigned int i = 0; i < BATCH; i++) {
			iov[i].iov_base = w->rx + (size_t)i * BUF_SIZE;
			iov[i].iov_len = BUF_SIZE;
			m[i].msg_hdr.msg_iov = &iov[i];
			m[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(s->sess.fd, m, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		now = perf_now_ns();
		for (int i = 0; i < n; i++) {
			uint8_t *b = w->rx + (size_t)i * BUF_SIZE;
			size_t len = m[i].msg_len;

			if (m[i].msg_hdr.msg_flags & MSG_TRUNC) {
				w->local.bad++;
				continue;
			}
			rx_datagram(w, s, b, len, now);
		}
		if (n < BATCH)
			return;
	}
}

/* The echo peer: every datagram goes back to its sender unchanged. */
static void
rx_peer(struct worker *w, int fd)
{
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];

	for (unsigned int round = 0; round < RX_ROUNDS; round++) {
		int n;

		memset(m, 0, sizeof(m));
		for (unsigned int i = 0; i < BATCH; i++) {
			iov[i].iov_base = w->rx + (size_t)i * BUF_SIZE;
			iov[i].iov_len = BUF_SIZE;
			m[i].msg_hdr.msg_iov = &iov[i];
			m[i].msg_hdr.msg_iovlen = 1;
			m[i].msg_hdr.msg_name = &w->names[i];
			m[i].msg_hdr.msg_namelen = sizeof(w->names[i]);
		}
		n = recvmmsg(fd, m, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		if (w->run->cfg->sink) {
			uint64_t now = perf_now_ns();

			for (int i = 0; i < n; i++)
				rx_sink(w, w->rx + (size_t)i * BUF_SIZE, m[i].msg_len, now);
			if (n < BATCH)
				return;
			continue;
		}
		for (int i = 0; i < n; i++)
			iov[i].iov_len = m[i].msg_len;
		(void)sendmmsg(fd, m, (unsigned int)n, MSG_DONTWAIT);
		if (n < BATCH)
			return;
	}
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct perf_run *run = w->run;
	unsigned int nfd = w->n_st + run->cfg->peers;
	int ph;

#ifdef PERF_HAVE_DPDK
	/* An lcore id gives the thread its mempool cache; without one
	 * DPDK still works, only slower. */
	if (run->dpdk != NULL && perf_dpdk_thread_enter() != 0)
		fprintf(stderr, "turnpike-perf: no free EAL lcore for the DPDK thread; "
			"going on without a mempool cache\n");
#endif
	while ((ph = atomic_load(&run->phase)) != PH_STOP) {
		uint64_t now = perf_now_ns();
		bool sending = ph == PH_WARMUP || ph == PH_MEASURE;
		bool measured = ph == PH_MEASURE;
		int n;

		w->pub_phase = ph;
		for (unsigned int i = 0; i < w->n_st && sending; i++) {
			struct stream *s = w->st[i];

			/* A fresh clock per stream: the SRTP work for the
			 * streams before it is the generator's time, not the
			 * relay's, and must not count as latency. */
			if (run->mode == MODE_MEDIA)
				send_media(w, s, perf_now_ns(), measured);
			else if (run->mode == MODE_BINDING)
				send_binding(w, s, now, measured);
			else
				churn_start(w, s, now, measured);
		}
		if (churning(run))
			churn_timeouts(w, now);
#ifdef PERF_HAVE_DPDK
		if (run->dpdk != NULL) {
			/* Echo peers are answered inside the poll. */
			for (unsigned int r = 0; r < RX_ROUNDS; r++)
				if (perf_dpdk_poll(run->dpdk, rx_dpdk, w) == 0)
					break;
			publish(w, perf_now_ns(), ph);
			continue;
		}
#endif
		n = poll(w->pfd, nfd, run->busy ? 0 : 1);
		for (unsigned int i = 0; n > 0 && i < nfd; i++) {
			if (!(w->pfd[i].revents & POLLIN))
				continue;
			if (i < w->n_st)
				rx_stream(w, w->st[i]);
			else
				rx_peer(w, w->pfd[i].fd);
		}
		publish(w, perf_now_ns(), ph);
	}
	publish(w, perf_now_ns() + LOST_EVERY_NS, PH_STOP);
#ifdef PERF_HAVE_DPDK
	if (run->dpdk != NULL)
		perf_dpdk_thread_leave();
#endif
	return NULL;
}

/* ---- set-up ---- */

static enum mode
mode_of(enum perf_preset p)
{
	switch (p) {
	case PERF_BINDING_FLOOD:
		return MODE_BINDING;
	case PERF_ALLOC_RATE:
		return MODE_CHURN;
	case PERF_CONCURRENCY_RAMP:
		return MODE_RAMP;
	default:
		return MODE_MEDIA;
	}
}

static int
peer_sockets(const struct perf_cfg *cfg, struct worker *w, const struct stun_addr *local,
	     char *err, size_t errlen)
{
	for (unsigned int j = 0; j < cfg->peers; j++) {
		struct stun_addr a = cfg->peer_addr.family != 0 ? cfg->peer_addr : *local;
		int fd, rc;

		a.port = 0;
		fd = udp_bind(&a, true);
		if (fd < 0) {
			snprintf(err, errlen, "echo peer socket: %s", strerror(-fd));
			return fd;
		}
		w->peer_fd[j] = fd;
		rc = udp_local_addr(fd, &w->peer[j]);
		if (rc != 0) {
			snprintf(err, errlen, "echo peer address: %s", strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* DPDK: client @i sends from client_net + i, starting at port 1024. */
static int
open_dpdk_session(struct perf_run *run, unsigned int i, struct perf_session *sess)
{
#ifdef PERF_HAVE_DPDK
	struct stun_addr local = run->cfg->client_net;
	uint32_t ip = htonl(run->client_base + i);

	memcpy(local.ip, &ip, 4);
	local.port = 1024;
	return perf_session_open_dpdk(run->cfg, sess, run->dpdk, &local);
#else
	(void)run, (void)i, (void)sess;
	return -ENOTSUP;
#endif
}

/* DPDK: echo peer j is --peer-addr + j on PERF_DPDK_PEER_PORT, answered by perf_dpdk. */
static int
dpdk_peers(struct perf_run *run, struct worker *w)
{
	const struct perf_cfg *cfg = run->cfg;
	uint32_t base;

	memcpy(&base, cfg->peer_addr.ip, 4);
	for (unsigned int j = 0; j < cfg->peers; j++) {
		uint32_t ip = htonl(ntohl(base) + j);

		w->peer[j] = cfg->peer_addr;
		memcpy(w->peer[j].ip, &ip, 4);
		w->peer[j].port = PERF_DPDK_PEER_PORT;
	}
	run->peer_base = ntohl(base);
#ifdef PERF_HAVE_DPDK
	perf_dpdk_set_peers(run->dpdk, &w->peer[0], cfg->peers, !cfg->sink);
#endif
	return 0;
}

int
perf_udp_setup(const struct perf_cfg *cfg, struct perf_run **out, char *err, size_t errlen)
{
	struct perf_run *run = calloc(1, sizeof(*run));
	uint32_t ssrc_base = 0;
	int rc = -ENOMEM;

	*out = run;
	if (run == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	run->cfg = cfg;
	run->mode = mode_of(cfg->preset);
	run->n_w = cfg->threads < cfg->clients ? cfg->threads : cfg->clients;
	if (cfg->io == PERF_IO_DPDK) {
		uint32_t base;

		run->dpdk = cfg->dpdk;
		run->n_w = 1; /* one rx/tx queue: one thread */
		memcpy(&base, cfg->client_net.ip, 4);
		run->client_base = ntohl(base);
	}
	run->streams = calloc(cfg->clients, sizeof(*run->streams));
	run->w = calloc(run->n_w, sizeof(*run->w));
	if (run->streams == NULL || run->w == NULL) {
		snprintf(err, errlen, "out of memory for %u clients", cfg->clients);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < cfg->clients; i++)
		run->streams[i].sess.fd = -1;
	run->n_streams = cfg->clients;
	if (getrandom(&ssrc_base, sizeof(ssrc_base), 0) != (ssize_t)sizeof(ssrc_base))
		ssrc_base = (uint32_t)perf_now_ns();
	run->ssrc_base = ssrc_base;

	for (unsigned int t = 0; t < run->n_w; t++) {
		struct worker *w = &run->w[t];

		w->run = run;
		for (unsigned int j = 0; j < PERF_MAX_PEERS; j++)
			w->peer_fd[j] = -1;
		pthread_mutex_init(&w->mu, NULL);
		w->st = calloc(cfg->clients / run->n_w + 1, sizeof(*w->st));
		w->pfd = calloc(cfg->clients / run->n_w + 1 + cfg->peers, sizeof(*w->pfd));
		w->rx = malloc((size_t)BATCH * BUF_SIZE);
		w->tx = malloc((size_t)BATCH * BUF_SIZE);
		if (w->st == NULL || w->pfd == NULL || w->rx == NULL || w->tx == NULL) {
			snprintf(err, errlen, "out of memory for thread %u", t);
			return -ENOMEM;
		}
	}

	for (unsigned int i = 0; i < cfg->clients; i++) {
		struct stream *s = &run->streams[i];
		struct worker *w = &run->w[i % run->n_w];

		s->slot = w->n_st;
		w->st[w->n_st++] = s;
		if (run->dpdk != NULL)
			rc = open_dpdk_session(run, i, &s->sess);
		else
			rc = perf_session_open(cfg, &s->sess);
		if (rc != 0)
			goto fail;
		if (w->n_st == 1 && run->mode == MODE_MEDIA) {
			rc = run->dpdk != NULL ? dpdk_peers(run, w) :
						 peer_sockets(cfg, w, &s->sess.local, err, errlen);
			if (rc != 0)
				return rc;
		}
		if (churning(run)) {
			/* One round now: wrong credentials or realm fail here, clearly. */
			rc = perf_session_allocate(cfg, &s->sess);
			if (rc == 0)
				rc = perf_session_release(cfg, &s->sess);
			if (rc != 0)
				goto fail;
			s->used = true; /* the measured rounds start on a fresh 5-tuple */
		}
		if (run->mode == MODE_MEDIA) {
			rc = perf_session_allocate(cfg, &s->sess);
			for (unsigned int j = 0; rc == 0 && j < cfg->peers; j++)
				rc = perf_session_bind(cfg, &s->sess, (uint16_t)(CHANNEL0 + j),
						       &w->peer[j]);
			if (rc != 0)
				goto fail;
			rc = perf_media_init(&s->media, ssrc_base + i,
					     cfg->preset != PERF_MAX_PPS, 111);
			if (rc != 0) {
				snprintf(err, errlen, "client %u: libsrtp session failed", i);
				return rc;
			}
			s->media_ok = true;
		}
		rc = run->dpdk != NULL ? 0 : set_nonblock(s->sess.fd);
		if (rc != 0) {
			snprintf(err, errlen, "client %u: %s", i, strerror(-rc));
			return rc;
		}
	}
	for (unsigned int t = 0; t < run->n_w; t++) {
		struct worker *w = &run->w[t];
		unsigned int k = 0;

		for (unsigned int i = 0; i < w->n_st; i++)
			w->pfd[k++] = (struct pollfd){ .fd = w->st[i]->sess.fd, .events = POLLIN };
		for (unsigned int j = 0; j < cfg->peers && run->mode == MODE_MEDIA; j++)
			w->pfd[k++] = (struct pollfd){ .fd = w->peer_fd[j], .events = POLLIN };
		for (unsigned int j = cfg->peers; run->mode != MODE_MEDIA && j > 0; j--)
			w->pfd[k++] = (struct pollfd){ .fd = -1 }; /* no peers: ignored by poll */
	}
	return 0;

fail:
	for (unsigned int i = 0; i < cfg->clients; i++)
		if (run->streams[i].sess.last[0] != '\0') {
			snprintf(err, errlen, "client %u: %s", i, run->streams[i].sess.last);
			break;
		}
	return rc;
}

/* ---- measuring ---- */

static void
reset_for_run(struct perf_run *run, uint64_t rate, uint64_t now)
{
	for (unsigned int i = 0; i < run->n_streams; i++) {
		struct stream *s = &run->streams[i];
		/* 5 ms worth, at least 2 so that a late wake-up does not lose credit. */
		uint64_t burst = rate / 200 > 2 ? rate / 200 : 2;

		perf_seq_reset(&s->seq);
		s->next_seq = 0;
		s->sent = 0;
		s->inflight = 0;
		s->last_rx_ns = now;
		perf_rate_init(&s->rate, rate, burst, now);
		/* Spread the streams' first packets over one period: in
		 * step, N calls would send N packets in the same instant
		 * every period, and the generator's own SRTP work on that
		 * burst would show up as relay latency. Real calls are
		 * not in phase either. */
		s->rate.credit = 1000000000ull * (i + 1) / run->n_streams;
	}
	for (unsigned int t = 0; t < run->n_w; t++) {
		struct worker *w = &run->w[t];

		memset(&w->local, 0, sizeof(w->local));
		memset(&w->pub, 0, sizeof(w->pub));
		w->n_samples = 0;
		w->lost_at_ns = 0;
		perf_hist_reset(&w->total);
		perf_hist_reset(&w->ivl);
	}
}

/* Sum every worker's published counters; move their interval histograms into @ivl. */
static void
collect(struct perf_run *run, struct counters *sum, struct perf_hist *ivl)
{
	memset(sum, 0, sizeof(*sum));
	sum->phase = PH_STOP;
	if (ivl != NULL)
		perf_hist_reset(ivl);
	for (unsigned int t = 0; t < run->n_w; t++) {
		struct worker *w = &run->w[t];

		pthread_mutex_lock(&w->mu);
		add_counters(sum, &w->pub);
		sum->lost_est += w->pub.lost_est;
		sum->active += w->pub.active;
		if (w->pub.phase < sum->phase)
			sum->phase = w->pub.phase; /* the slowest worker's */
		if (ivl != NULL)
			perf_hist_merge(ivl, &w->ivl);
		perf_hist_reset(&w->ivl);
		pthread_mutex_unlock(&w->mu);
	}
}

static void
progress_line(double t, const struct counters *d, uint64_t lost_delta, uint64_t p99)
{
	fprintf(stderr, "\r[%6.1f s] sent %8llu/s  received %8llu/s  lost %6llu  p99 %9.1f us ",
		t, (unsigned long long)d->sent, (unsigned long long)d->received,
		(unsigned long long)lost_delta, (double)p99 / 1000.0);
	fflush(stderr);
}

int
perf_udp_measure(struct perf_run *run, uint64_t rate, unsigned int payload, double warmup_s,
		 double duration_s, struct perf_result *res, bool progress)
{
	const struct perf_cfg *cfg = run->cfg;
	struct counters prev, cur;
	struct perf_hist *ivl = malloc(sizeof(*ivl));
	uint64_t t0, tm, tick, end, drain_end;
	unsigned int started = 0;
	int rc = 0;

	if (ivl == NULL)
		return -ENOMEM;
	run->rate = rate;
	run->payload = payload;
	/* Sleeping in poll caps a stream near 1000 pps: spin above that. */
	run->busy = rate != 0 && rate * run->n_streams / run->n_w > 1000;
	/* The server's memory before the first measured allocation. */
	if (run->mode == MODE_RAMP && cfg->server_pid > 0)
		res->has_memory = perf_proc_rss_kb(cfg->server_pid, &res->rss_start_kb) == 0;
	t0 = perf_now_ns();
	reset_for_run(run, rate, t0);
	/* Always start unmeasured: only what is sent after the switch below
	 * counts, so no counter has to be zeroed under the threads' feet. */
	atomic_store(&run->phase, PH_WARMUP);
	for (; started < run->n_w; started++) {
		rc = -pthread_create(&run->w[started].th, NULL, worker_main, &run->w[started]);
		if (rc != 0)
			break;
	}
	if (rc != 0) {
		atomic_store(&run->phase, PH_STOP);
		goto join;
	}
	if (warmup_s > 0)
		sleep_ns((uint64_t)(warmup_s * 1e9));
	collect(run, &prev, NULL); /* what warm-up published (errors only) */
	tm = perf_now_ns();
	atomic_store(&run->phase, PH_MEASURE);
	end = tm + (uint64_t)(duration_s * 1e9);
	tick = tm;
	while (tick < end) {
		struct perf_row row;
		struct counters d;
		uint64_t now;

		tick = tick + 1000000000ull < end ? tick + 1000000000ull : end;
		now = perf_now_ns();
		if (tick > now)
			sleep_ns(tick - now);
		collect(run, &cur, ivl);
		d.sent = cur.sent - prev.sent;
		d.received = cur.received - prev.received;
		row.t = (double)(tick - tm) / 1e9;
		row.sent = d.sent;
		row.received = d.received;
		row.lost = cur.lost_est > prev.lost_est ? cur.lost_est - prev.lost_est : 0;
		row.p99_ns = perf_hist_percentile(ivl, 99.0);
		row.held = cur.allocations;
		row.server_rss_kb = 0;
		if (run->mode == MODE_RAMP && cfg->server_pid > 0)
			(void)perf_proc_rss_kb(cfg->server_pid, &row.server_rss_kb);
		(void)perf_result_row(res, &row);
		if (progress)
			progress_line(row.t, &d, row.lost, row.p99_ns);
		prev = cur;
		if (run->mode == MODE_RAMP &&
		    (cur.allocations >= cfg->allocations || atomic_load(&run->ramp_full) != 0))
			break; /* built, or the server is full: no need to wait out --duration */
	}
	if (progress)
		fputc('\n', stderr);
	res->duration_s = (double)(perf_now_ns() - tm) / 1e9;
	atomic_store(&run->phase, PH_DRAIN);
	/* Let what is in flight come back: up to 500 ms, or a full
	 * transaction timeout cycle for alloc-rate. */
	drain_end = perf_now_ns() + (churning(run) ?
			(uint64_t)cfg->timeout_ms * 1000000ull * (uint64_t)(cfg->retries + 1) :
			500000000ull);
	while (perf_now_ns() < drain_end) {
		collect(run, &cur, NULL);
		/* Judge only once every worker has finished a loop in the drain
		 * phase: before that its last sends may not be published. */
		if (cur.phase >= PH_DRAIN &&
		    (churning(run) ? cur.active == 0 :
					       cur.received + cur.duplicates >= cur.sent))
			break;
		sleep_ns(10000000ull);
	}
	atomic_store(&run->phase, PH_STOP);
join:
	for (unsigned int t = 0; t < started; t++)
		pthread_join(run->w[t].th, NULL);
	free(ivl);
	if (rc != 0)
		return rc;

	/* Totals, from the stream state and the workers (threads are gone). */
	memset(&cur, 0, sizeof(cur));
	for (unsigned int t = 0; t < run->n_w; t++) {
		add_counters(&cur, &run->w[t].pub);
		perf_hist_merge(&res->hist, &run->w[t].total);
	}
	res->sent = cur.sent;
	res->received = cur.received;
	res->reordered = cur.reordered;
	res->duplicates = cur.duplicates;
	res->srtp_failures = cur.srtp_failures;
	res->bad = cur.bad;
	res->allocations = cur.allocations;
	res->failures = cur.failures;
	res->ramp_stop_error = atomic_load(&run->ramp_full);
	if (res->has_memory)
		res->has_memory = perf_proc_rss_kb(cfg->server_pid, &res->rss_end_kb) == 0;
	res->has_latency = true;
	if (churning(run)) {
		res->lost = cur.retransmits;
	} else {
		res->lost = 0;
		for (unsigned int i = 0; i < run->n_streams; i++) {
			const struct stream *s = &run->streams[i];

			if (s->sent > s->seq.received)
				res->lost += s->sent - s->seq.received;
		}
	}
	return 0;
}

void
perf_udp_teardown(struct perf_run *run)
{
	if (run == NULL)
		return;
	for (unsigned int i = 0; run->streams != NULL && i < run->n_streams; i++) {
		struct stream *s = &run->streams[i];

		if (s->sess.fd >= 0) {
			/* Back to blocking for the last Refresh 0; drop stale answers. */
			int fl = fcntl(s->sess.fd, F_GETFL);

			if (fl >= 0)
				(void)fcntl(s->sess.fd, F_SETFL, fl & ~O_NONBLOCK);
		}
		perf_session_close(run->cfg, &s->sess);
		if (s->media_ok)
			perf_media_fini(&s->media);
	}
	for (unsigned int t = 0; run->w != NULL && t < run->n_w; t++) {
		struct worker *w = &run->w[t];

		for (unsigned int j = 0; j < PERF_MAX_PEERS; j++)
			if (w->peer_fd[j] >= 0)
				close(w->peer_fd[j]);
		pthread_mutex_destroy(&w->mu);
		free(w->st);
		free(w->pfd);
		free(w->rx);
		free(w->tx);
	}
	free(run->w);
	free(run->streams);
	free(run);
}

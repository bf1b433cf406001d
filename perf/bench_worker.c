/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker-path benchmarks (issue #4): a real dataplane worker in this
 * process (tests/scale/dp_harness.h: EAL, dp_setup with one worker, a
 * port made of rings we own), driven from the bench thread through
 * worker_input_burst. One operation is one received frame through every
 * stage: Ethernet, IPv4 (header checksum), UDP (checksum), the TURN state
 * machine, the verdict applied in the same mbuf, new headers and
 * checksums, the neighbour lookup and the tx burst into the port.
 *
 *   worker_binding                  Binding request -> Binding success
 *   worker_channeldata_to_peer      client ChannelData -> UDP to the peer
 *   worker_peer_to_channeldata      peer UDP -> ChannelData to the client
 *   worker_send_indication          client Send indication -> UDP to the peer
 *   worker_peer_to_data_indication  peer UDP -> Data indication to the client
 *
 * The worker's configuration: one listen address (198.18.0.2:3478), 8
 * relay addresses (198.18.1.1-8) with the default port range
 * 49152-65535, everything else at its default (dph_config). Before the
 * first case: 100,000 allocations, each made through the worker by its
 * own client 5-tuple (198.19.0.0/16): the 401 round trip,
 * an authenticated Allocate (static user: the first key lookup goes
 * through the main lcore's authq), CreatePermission and ChannelBind for
 * its own peer (198.18.128.0/17, port 40000). Data indications come from
 * the same peer IP on port 40001, which has the permission but no
 * channel. Payloads are 128 bytes (an RTP packet of audio, roughly).
 *
 * A case first sends one of its frames and checks the frame that comes
 * out (addresses, ports, length, channel, payload) and that no drop
 * counter moved; if not, it reports failure (run returns 0). A round
 * then:
 *   outside the timed region: writes `ops` frames from the case's
 *     templates into mbufs, for allocations taken in the order of a
 *     random permutation of all 100,000 (consecutive rounds continue
 *     along it), so table lookups are spread over all of them;
 *   timed (TSC): for each burst of 32, worker_clock(rte_rdtsc()) and
 *     worker_input_burst, which ends with the worker's tx burst into the
 *     port's ring; a final worker_flush if anything is left buffered;
 *   outside again: takes every frame from the tx ring, checks there is
 *     one per input with the expected length, and that no drop counter
 *     moved (else the run fails).
 * The mbufs are reused round after round (the worker transmits them in
 * place), so nothing is allocated or freed in the timed region.
 *
 * The ring port offers no checksum offloads, so the worker computes and
 * verifies IPv4 and UDP checksums in software, as it does on any port
 * without them. TURNPIKE_BENCH_CSUM_OFFLOAD=1 in the environment instead
 * marks received frames' checksums good and tells the worker the port
 * computes tx checksums, as a NIC with those offloads would (the frames
 * then leave with pseudo-header checksums): an estimate of the same path
 * on such a NIC, not a measurement of one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "bench_cases.h"
#include "dp_harness.h"
#include "net.h"

#define BW_ALLOCS 100000u
#define BW_RELAYS 8              /* x 16384 ports (49152-65535): room for 131072 */
#define BW_PAYLOAD 128
#define BW_STRIDE 256            /* bytes per frame template */
#define BW_OPS 32768u            /* frames per round */
#define BW_CHANNEL(i) ((uint16_t)(0x4000 + (i) % 0x1000))

enum bw_kind {
	BW_BINDING,
	BW_CD_TO_PEER,
	BW_PEER_TO_CD,
	BW_SEND,
	BW_PEER_TO_DATA,
};

static const char *const bw_names[] = {
	"worker_binding",
	"worker_channeldata_to_peer",
	"worker_peer_to_channeldata",
	"worker_send_indication",
	"worker_peer_to_data_indication",
};

/* The dataplane and its allocations, shared by the cases: made by the
 * first case's setup, torn down by bench_worker_fini. */
static struct dph H;
static struct {
	bool tried, ok;
	bool offload;
	unsigned int n;             /* allocations */
	struct stun_addr *relay;    /* each allocation's relayed address */
	uint32_t *perm;             /* a random permutation of 0 .. n-1 */
	unsigned int cursor;        /* where the next round starts in perm */
	struct rte_mempool *pool;   /* the benchmark's frames */
	struct rte_mbuf **m;        /* BW_OPS of them, reused every round */
	struct rte_mbuf **out;      /* what the tx ring gives back */
	uint8_t data[BW_PAYLOAD];
} G;

struct bw_state {
	enum bw_kind kind;
	uint8_t *tmpl;              /* n frames, BW_STRIDE bytes apart */
	uint16_t *len;
	uint16_t out_len;           /* every output frame's length */
	bool ok;                    /* the check before timing passed */
};

static uint64_t
xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int
make_allocations(void)
{
	struct turn_client c;

	for (unsigned int i = 0; i < G.n; i++) {
		struct stun_addr client, peer;
		int rc;

		dph_client_addr(i, &client);
		dph_peer_addr(i, DPH_PEER_PORT, &peer);
		if (turn_client_init(&c, DPH_USER, DPH_PASS) != 0)
			return -1;
		turn_client_seed(&c, 0x5eed0000ull + i);
		c.fingerprint = true;
		rc = dph_allocate(&H, &c, &client, &G.relay[i]);
		if (rc == 0)
			rc = dph_create_permission(&H, &c, &client, &peer);
		if (rc == 0)
			rc = dph_channel_bind(&H, &c, &client, BW_CHANNEL(i), &peer);
		turn_client_fini(&c);
		if (rc != 0) {
			fprintf(stderr, "turnpike-bench: allocation %u of %u: %s\n", i, G.n, H.err);
			return -1;
		}
	}
	return 0;
}

/* EAL, the worker, BW_ALLOCS allocations, the frame pool: once. */
static bool
dataplane_ready(void)
{
	const char *env = getenv("TURNPIKE_BENCH_CSUM_OFFLOAD");
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	uint64_t t0;

	if (G.tried)
		return G.ok;
	G.tried = true;
	G.offload = env != NULL && strcmp(env, "1") == 0;
	G.n = BW_ALLOCS;
	if (dph_eal_init("tpbench", 2048) != 0)
		return false;
	dph_config(&H.dp.cfg, BW_RELAYS, 49152, 65535, BW_ALLOCS + 1024);
	if (dph_start(&H) != 0) {
		fprintf(stderr, "turnpike-bench: worker set-up: %s\n", H.err);
		return false;
	}
	G.relay = calloc(G.n, sizeof(*G.relay));
	G.perm = calloc(G.n, sizeof(*G.perm));
	G.m = calloc(BW_OPS, sizeof(*G.m));
	G.out = calloc(BW_OPS, sizeof(*G.out));
	G.pool = rte_pktmbuf_pool_create("bw_frames", BW_OPS + 63, 0, 0,
					 RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (G.relay == NULL || G.perm == NULL || G.m == NULL || G.out == NULL || G.pool == NULL ||
	    rte_pktmbuf_alloc_bulk(G.pool, G.m, BW_OPS) != 0) {
		fprintf(stderr, "turnpike-bench: out of memory for the worker cases\n");
		return false;
	}
	t0 = rte_rdtsc();
	if (make_allocations() != 0)
		return false;
	fprintf(stderr, "turnpike-bench: %u allocations made through the worker in %.2f s\n",
		G.n, (double)(rte_rdtsc() - t0) / (double)rte_get_tsc_hz());
	for (unsigned int i = 0; i < G.n; i++)
		G.perm[i] = i;
	for (unsigned int i = G.n - 1; i > 0; i--) {
		unsigned int j = (unsigned int)(xorshift(&seed) % (i + 1));
		uint32_t t = G.perm[i];

		G.perm[i] = G.perm[j];
		G.perm[j] = t;
	}
	for (unsigned int i = 0; i < BW_PAYLOAD; i++)
		G.data[i] = (uint8_t)(i == 0 ? 0x80 : i * 7);
	if (G.offload) {
		/* What a port with checksum offloads tells the worker. */
		H.dp.ports[0].tx_ip_cksum = true;
		H.dp.ports[0].tx_udp_cksum = true;
	}
	G.ok = true;
	return true;
}

/* Template @i of @kind into @buf; returns the frame length or 0. */
static uint16_t
build_frame(enum bw_kind kind, unsigned int i, struct turn_client *c, uint8_t *buf)
{
	uint8_t msg[BW_STRIDE];
	struct stun_addr client, peer;
	int len;

	dph_client_addr(i, &client);
	switch (kind) {
	case BW_BINDING:
		len = turn_client_binding(c, msg, sizeof(msg));
		break;
	case BW_CD_TO_PEER:
		len = turn_client_channeldata(msg, sizeof(msg), BW_CHANNEL(i), G.data, BW_PAYLOAD,
					      true);
		break;
	case BW_SEND:
		dph_peer_addr(i, DPH_PEER_PORT, &peer);
		len = turn_client_send(c, &peer, G.data, BW_PAYLOAD, false, msg, sizeof(msg));
		break;
	case BW_PEER_TO_CD:
		dph_peer_addr(i, DPH_PEER_PORT, &peer);
		return dph_frame(&H, buf, BW_STRIDE, &peer, &G.relay[i], G.data, BW_PAYLOAD);
	case BW_PEER_TO_DATA:
	default:
		dph_peer_addr(i, DPH_PEER_PORT_DATA, &peer);
		return dph_frame(&H, buf, BW_STRIDE, &peer, &G.relay[i], G.data, BW_PAYLOAD);
	}
	if (len <= 0)
		return 0;
	return dph_frame(&H, buf, BW_STRIDE, &client, &H.server, msg, (uint16_t)len);
}

/* Send template @i of @st through the worker and check the frame that
 * comes out. Records its length as the one every output must have. */
static bool
check_case(struct bw_state *st, unsigned int i)
{
	const uint8_t *tm = st->tmpl + (size_t)i * BW_STRIDE;
	const char *name = bw_names[st->kind];
	struct dp_counters before = H.w->cnt;
	struct stun_addr client, peer, src, dst;
	struct turn_client_data d;
	struct rte_mbuf *out[4];
	const uint8_t *p;
	uint16_t plen;
	unsigned int n;
	bool ok = false;
	char why[sizeof(H.err) + 64];

	dph_client_addr(i, &client);
	dph_peer_addr(i, st->kind == BW_PEER_TO_DATA ? DPH_PEER_PORT_DATA : DPH_PEER_PORT, &peer);
	if (dph_input_frame(&H, tm, st->len[i]) != 0) {
		fprintf(stderr, "turnpike-bench: %s: %s\n", name, H.err);
		return false;
	}
	n = dph_output(&H, out, 4);
	if (n != 1) {
		snprintf(why, sizeof(why), "%u frames out, expected 1", n);
		goto out;
	}
	if (dph_parse(&H, out[0], &src, &dst, &p, &plen) != 0) {
		snprintf(why, sizeof(why), "%s", H.err);
		goto out;
	}
	switch (st->kind) {
	case BW_BINDING: {
		struct turn_client c;
		struct turn_client_result r;

		/* The response must answer this template's transaction. */
		turn_client_init(&c, DPH_USER, DPH_PASS);
		memcpy(c.tid, tm + 42 + 8, STUN_TID_LEN); /* Ethernet, IPv4, UDP, then the header */
		c.method = STUN_METHOD_BINDING;
		c.authed = false;
		if (!stun_addr_equal(&src, &H.server) || !stun_addr_equal(&dst, &client))
			snprintf(why, sizeof(why), "Binding response not from the server to the client");
		else if (turn_client_parse_response(&c, p, plen, &r) != 0 ||
			 r.cls != STUN_CLASS_SUCCESS || r.method != STUN_METHOD_BINDING ||
			 !r.has_mapped || !stun_addr_equal(&r.mapped, &client))
			snprintf(why, sizeof(why), "not a Binding success mapping the client");
		else
			ok = true;
		turn_client_fini(&c);
		break;
	}
	case BW_CD_TO_PEER:
	case BW_SEND:
		if (!stun_addr_equal(&src, &G.relay[i]) || !stun_addr_equal(&dst, &peer))
			snprintf(why, sizeof(why), "not from the relayed address to the peer");
		else if (plen != BW_PAYLOAD || memcmp(p, G.data, BW_PAYLOAD) != 0)
			snprintf(why, sizeof(why), "payload of %u bytes, not the one sent", plen);
		else
			ok = true;
		break;
	case BW_PEER_TO_CD:
	case BW_PEER_TO_DATA:
		if (!stun_addr_equal(&src, &H.server) || !stun_addr_equal(&dst, &client))
			snprintf(why, sizeof(why), "not from the server to the client");
		else if (turn_client_parse_data(p, plen, &d) != 0 || d.len != BW_PAYLOAD ||
			 memcmp(d.payload, G.data, BW_PAYLOAD) != 0)
			snprintf(why, sizeof(why), "not peer data carrying the payload sent");
		else if (st->kind == BW_PEER_TO_CD &&
			 (d.kind != TURN_CLIENT_CHANNELDATA || d.channel != BW_CHANNEL(i) ||
			  plen != 4 + BW_PAYLOAD))
			snprintf(why, sizeof(why), "not ChannelData on channel 0x%04x",
				 BW_CHANNEL(i));
		else if (st->kind == BW_PEER_TO_DATA &&
			 (d.kind != TURN_CLIENT_DATA_INDICATION || !stun_addr_equal(&d.peer, &peer)))
			snprintf(why, sizeof(why), "not a Data indication from the peer");
		else
			ok = true;
		break;
	}
out:
	if (ok && dph_drops(&H) != 0) {
		uint64_t moved = 0;

		for (unsigned int r = 0; r < TP_DROP_MAX; r++)
			moved += H.w->cnt.drops[r] - before.drops[r];
		if (moved != 0) {
			dph_drops_diff(&H, &before, why, sizeof(why));
			ok = false;
		}
	}
	if (ok)
		st->out_len = (uint16_t)out[0]->pkt_len;
	else
		fprintf(stderr, "turnpike-bench: %s: check of allocation %u failed: %s\n", name, i,
			why);
	rte_pktmbuf_free_bulk(out, n);
	return ok;
}

static void
bw_teardown(void *arg)
{
	struct bw_state *st = arg;

	free(st->tmpl);
	free(st->len);
	free(st);
}

static void *
bw_setup(enum bw_kind kind)
{
	struct bw_state *st;
	struct turn_client c;

	if (!dataplane_ready()) {
		errno = EIO;
		return NULL;
	}
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return NULL;
	st->kind = kind;
	st->tmpl = malloc((size_t)G.n * BW_STRIDE);
	st->len = calloc(G.n, sizeof(*st->len));
	if (st->tmpl == NULL || st->len == NULL) {
		bw_teardown(st);
		errno = ENOMEM;
		return NULL;
	}
	turn_client_init(&c, DPH_USER, DPH_PASS);
	turn_client_seed(&c, 0xb1d0 + kind);
	c.fingerprint = true;
	for (unsigned int i = 0; i < G.n; i++) {
		st->len[i] = build_frame(kind, i, &c, st->tmpl + (size_t)i * BW_STRIDE);
		if (st->len[i] == 0) {
			turn_client_fini(&c);
			bw_teardown(st);
			errno = EPROTO;
			return NULL;
		}
	}
	turn_client_fini(&c);
	st->ok = check_case(st, G.perm[G.cursor]);
	return st;
}

/* The timed region, a function of its own so that a profile can be
 * limited to it: valgrind --tool=callgrind --toggle-collect=bw_timed. */
static __attribute__((noinline)) void
bw_timed(struct worker *w, unsigned int ops)
{
	for (unsigned int k = 0; k < ops; k += DP_BURST) {
		uint16_t nb = (uint16_t)(ops - k < DP_BURST ? ops - k : DP_BURST);

		worker_clock(w, rte_rdtsc());
		worker_input_burst(w, &G.m[k], nb);
	}
	if (w->tx_n != 0)
		worker_flush(w);
}

static uint64_t
bw_run(void *arg, unsigned int ops)
{
	struct bw_state *st = arg;
	uint64_t drops, t0, t1;
	unsigned int got = 0, n;

	if (!st->ok)
		return 0;
	if (ops > BW_OPS)
		ops = BW_OPS;
	for (unsigned int k = 0; k < ops; k++) {
		unsigned int i = G.perm[(G.cursor + k) % G.n];
		struct rte_mbuf *m = G.m[k];

		rte_pktmbuf_reset(m);
		memcpy(rte_pktmbuf_append(m, st->len[i]), st->tmpl + (size_t)i * BW_STRIDE,
		       st->len[i]);
		if (G.offload)
			m->ol_flags = RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	}
	G.cursor = (G.cursor + ops) % G.n;
	drops = dph_drops(&H);

	t0 = bench_cycles();
	bw_timed(H.w, ops);
	t1 = bench_cycles();

	while (got < ops && (n = dph_output(&H, &G.out[got], ops - got)) != 0)
		got += n;
	if (got != ops || dph_drops(&H) != drops) {
		fprintf(stderr, "turnpike-bench: %s: %u of %u frames out, %llu drops\n",
			bw_names[st->kind], got, ops, (unsigned long long)(dph_drops(&H) - drops));
		/* They are G.m's mbufs: discard the pointers, free nothing. */
		while (dph_output(&H, G.out, BW_OPS) != 0)
			;
		return 0;
	}
	for (unsigned int k = 0; k < got; k++)
		if (G.out[k]->pkt_len != st->out_len) {
			fprintf(stderr, "turnpike-bench: %s: an output frame of %u bytes, not %u\n",
				bw_names[st->kind], G.out[k]->pkt_len, st->out_len);
			return 0;
		}
	return t1 - t0;
}

void
bench_worker_fini(void)
{
	if (!G.tried)
		return;
	/* The tx ring is empty after every run; the pool goes whole, with
	 * the mbufs the cases reused. */
	dph_stop(&H);
	rte_mempool_free(G.pool);
	free(G.relay);
	free(G.perm);
	free(G.m);
	free(G.out);
	memset(&G, 0, sizeof(G));
	G.tried = true;
	rte_eal_cleanup();
}

#define BW_CASE(sym, kind)                                                                       \
	static void *sym##_setup(unsigned int ops)                                               \
	{                                                                                        \
		(void)ops;                                                                       \
		return bw_setup(kind);                                                           \
	}                                                                                        \
	const struct bench_case bench_##sym = {                                                  \
		.name = #sym,                                                                    \
		.ops = BW_OPS,                                                                   \
		.setup = sym##_setup,                                                            \
		.run = bw_run,                                                                   \
		.teardown = bw_teardown,                                                         \
	};

BW_CASE(worker_binding, BW_BINDING)
BW_CASE(worker_channeldata_to_peer, BW_CD_TO_PEER)
BW_CASE(worker_peer_to_channeldata, BW_PEER_TO_CD)
BW_CASE(worker_send_indication, BW_SEND)
BW_CASE(worker_peer_to_data_indication, BW_PEER_TO_DATA)

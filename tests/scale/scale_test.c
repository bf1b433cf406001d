/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The 1,000,000-allocation scale test (issue #4), in process, through the
 * real worker path (dp_harness.h: EAL, dp_setup with one worker, a ring
 * port; frames in through worker_input_burst, out of the port's tx ring):
 *
 *   1. start: 20 relay addresses (198.18.1.1-20) x ports 1024-65535,
 *      limits.max_allocations = N; record the memory in use (rte_malloc
 *      heaps, the port's mbufs, RSS for information);
 *   2. create N allocations, each from its own client 5-tuple with TURN
 *      REST credentials (verified in the worker, no main-lcore round
 *      trip): the 401, the authenticated Allocate, CreatePermission and
 *      ChannelBind for its peer; the server's allocation gauge and the
 *      relay pool must then both say N;
 *   3. relay through every one: a ChannelData from each client must leave
 *      as UDP from its relayed address to its peer, and a datagram from
 *      each peer must come back to its client as ChannelData on its
 *      channel (addresses, ports, channel and payload checked), with no
 *      drop anywhere;
 *   4. expire: move the worker's clock past the longest lifetime and run
 *      the worker's housekeeping until no allocation is left (bounded);
 *      then the gauge must be 0, every relay port free, and the heap and
 *      the mbufs in use back to where they were after start-up.
 * Prints the time each phase took and the memory per allocation.
 *
 *   scale_test [N]      N allocations (default 1000000)
 *
 * Exit 0 when every check passed, 1 otherwise.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include "authq.h"
#include "dp_harness.h"
#include "net.h"

#define N_DEFAULT 1000000u
#define N_RELAYS 20
#define PORT_MIN 1024
#define PORT_MAX 65535
#define EAL_MEM_MB 4096
#define CHANNEL(i) ((uint16_t)(0x4000 + (i) % 0x1000))
#define REST_USER "scale"
#define PAYLOAD_LEN 32

static struct dph H;
static unsigned int failures;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void __attribute__((format(printf, 1, 2)))
check_failed(const char *fmt, ...)
{
	va_list ap;

	failures++;
	printf("FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* One round of the worker loop's own upkeep (worker.c): relay pool and
 * table clocks, a bounded sweep of the timing wheel, gauges. */
static void
housekeeping(struct worker *w)
{
	worker_housekeeping(w);
}

static uint64_t
active(void)
{
	return turn_server_stats(H.w->ts)->allocations_active;
}

static unsigned int
relay_ports_used(void)
{
	return turn_relay_pool_used(H.w->hooks.pool, STUN_FAMILY_IPV4);
}

static void
payload_for(unsigned int i, uint8_t *p)
{
	for (unsigned int k = 0; k < PAYLOAD_LEN; k++)
		p[k] = (uint8_t)(i >> (8 * (k % 4))) ^ (uint8_t)(k * 31);
}

/* Step 2. */
static int
create(unsigned int n, struct stun_addr *relay)
{
	uint64_t expiry = (uint64_t)time(NULL) + 30 * 86400;
	double t0 = now_s(), t = t0;

	for (unsigned int i = 0; i < n; i++) {
		struct turn_client c;
		struct stun_addr client, peer;
		int rc;

		dph_client_addr(i, &client);
		dph_peer_addr(i, DPH_PEER_PORT, &peer);
		rc = turn_client_init_rest(&c, (const uint8_t *)DPH_REST_SECRET,
					   strlen(DPH_REST_SECRET), REST_USER, expiry, 0);
		if (rc != 0) {
			check_failed("turn_client_init_rest: %s", strerror(-rc));
			return -1;
		}
		turn_client_seed(&c, 0x5ca1e000000ull + i);
		c.fingerprint = true;
		rc = dph_allocate(&H, &c, &client, &relay[i]);
		if (rc == 0)
			rc = dph_create_permission(&H, &c, &client, &peer);
		if (rc == 0)
			rc = dph_channel_bind(&H, &c, &client, CHANNEL(i), &peer);
		turn_client_fini(&c);
		if (rc != 0) {
			check_failed("allocation %u: %s", i, H.err);
			return -1;
		}
		if ((i + 1) % 100000 == 0) {
			double t1 = now_s();

			printf("  %7u allocations, %.1f s (%.0f/s over the last 100000)\n", i + 1,
			       t1 - t0, 100000 / (t1 - t));
			fflush(stdout);
			t = t1;
		}
	}
	return 0;
}

/* One frame in, exactly one UDP frame out: its addresses and payload
 * (copied). */
static int
relay_one(const uint8_t *frame, uint16_t flen, struct stun_addr *src, struct stun_addr *dst,
	  uint8_t *out, uint16_t *out_len)
{
	struct rte_mbuf *m[4];
	const uint8_t *p;
	unsigned int got;
	int rc;

	if (dph_input_frame(&H, frame, flen) != 0)
		return -1;
	got = dph_output(&H, m, 4);
	if (got != 1) {
		rte_pktmbuf_free_bulk(m, got);
		snprintf(H.err, sizeof(H.err), "%u frames out, expected 1", got);
		return -1;
	}
	rc = dph_parse(&H, m[0], src, dst, &p, out_len);
	if (rc == 0 && *out_len <= 2 * PAYLOAD_LEN)
		memcpy(out, p, *out_len);
	else if (rc == 0)
		rc = -1;
	rte_pktmbuf_free(m[0]);
	return rc;
}

/* Step 3. */
static void
relay_all(unsigned int n, const struct stun_addr *relay)
{
	uint8_t data[PAYLOAD_LEN], cd[4 + PAYLOAD_LEN], frame[128], out[2 * PAYLOAD_LEN];
	struct dp_counters before = H.w->cnt;
	unsigned int bad = 0;
	char drops[512];

	for (unsigned int i = 0; i < n && bad < 10; i++) {
		struct stun_addr client, peer, src, dst;
		struct turn_client_data d;
		uint16_t flen, olen;

		dph_client_addr(i, &client);
		dph_peer_addr(i, DPH_PEER_PORT, &peer);
		payload_for(i, data);

		/* Client -> peer. */
		turn_client_channeldata(cd, sizeof(cd), CHANNEL(i), data, PAYLOAD_LEN, true);
		flen = dph_frame(&H, frame, sizeof(frame), &client, &H.server, cd, sizeof(cd));
		if (relay_one(frame, flen, &src, &dst, out, &olen) != 0) {
			check_failed("allocation %u, ChannelData to the peer: %s", i, H.err);
			bad++;
			continue;
		}
		if (!stun_addr_equal(&src, &relay[i]) || !stun_addr_equal(&dst, &peer) ||
		    olen != PAYLOAD_LEN || memcmp(out, data, PAYLOAD_LEN) != 0) {
			char a[STUN_ADDR_STRLEN], b[STUN_ADDR_STRLEN];

			stun_addr_format(&src, a, sizeof(a));
			stun_addr_format(&dst, b, sizeof(b));
			check_failed("allocation %u: ChannelData came out from %s to %s, %u bytes", i,
				     a, b, olen);
			bad++;
			continue;
		}

		/* Peer -> client. */
		flen = dph_frame(&H, frame, sizeof(frame), &peer, &relay[i], data, PAYLOAD_LEN);
		if (relay_one(frame, flen, &src, &dst, out, &olen) != 0) {
			check_failed("allocation %u, peer data to the client: %s", i, H.err);
			bad++;
			continue;
		}
		if (!stun_addr_equal(&src, &H.server) || !stun_addr_equal(&dst, &client) ||
		    turn_client_parse_data(out, olen, &d) != 0 ||
		    d.kind != TURN_CLIENT_CHANNELDATA || d.channel != CHANNEL(i) ||
		    d.len != PAYLOAD_LEN || memcmp(d.payload, data, PAYLOAD_LEN) != 0) {
			check_failed("allocation %u: peer data did not come back as ChannelData "
				     "on channel 0x%04x to the client",
				     i, CHANNEL(i));
			bad++;
		}
	}
	dph_drops_diff(&H, &before, drops, sizeof(drops));
	if (strcmp(drops, "none") != 0)
		check_failed("drops while relaying: %s", drops);
}

/* Step 4: returns the housekeeping rounds it took. */
static unsigned long
expire(unsigned int n)
{
	/* Past every lifetime: allocations (max_lifetime), permissions and
	 * channels, and the REST credentials do not matter any more. */
	uint64_t jump = (uint64_t)H.dp.cfg.max_lifetime + 3600;
	unsigned long rounds = 0, bound = 4ul * n + 100000;

	H.tsc_offset += jump * rte_get_tsc_hz();
	dph_clock(&H);
	while (active() != 0 && rounds < bound) {
		housekeeping(H.w);
		rounds++;
	}
	return rounds;
}

int
main(int argc, char **argv)
{
	unsigned int n = N_DEFAULT;
	uint64_t rss0, rss1, rss2, heap0, heap1, heap2, heap3;
	unsigned int mbufs1, mbufs3;
	double t0, t_setup, t_create, t_relay, t_expire;
	struct stun_addr *relay;
	unsigned long rounds;
	size_t table_bytes;

	if (argc > 1) {
		char *end;
		unsigned long v = strtoul(argv[1], &end, 10);

		if (*end != '\0' || v == 0 ||
		    v > (unsigned long)N_RELAYS * (PORT_MAX - PORT_MIN + 1) || v > DPH_MAX_CLIENTS) {
			fprintf(stderr, "usage: %s [N]   (1 .. %u allocations)\n", argv[0],
				N_RELAYS * (PORT_MAX - PORT_MIN + 1));
			return 2;
		}
		n = (unsigned int)v;
	}
	relay = calloc(n, sizeof(*relay));
	if (relay == NULL) {
		perror("calloc");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("scale test: %u allocations, %u relay addresses x ports %u-%u, one worker\n", n,
	       N_RELAYS, PORT_MIN, PORT_MAX);
	if (dph_eal_init("tpscale", EAL_MEM_MB) != 0)
		return 1;

	/* 1. Start. */
	rss0 = dph_rss_bytes();
	heap0 = dph_heap_bytes();
	dph_config(&H.dp.cfg, N_RELAYS, PORT_MIN, PORT_MAX, n);
	t0 = now_s();
	if (dph_start(&H) != 0) {
		printf("FAIL: start: %s\n", H.err);
		dph_stop(&H);
		rte_eal_cleanup();
		return 1;
	}
	t_setup = now_s() - t0;
	rss1 = dph_rss_bytes();
	heap1 = dph_heap_bytes();
	mbufs1 = rte_mempool_in_use_count(H.mp);
	table_bytes = alloc_table_footprint(H.w->tbl);
	printf("start: %.2f s; heap %.1f MB (+%.1f MB for the port and the worker, its table "
	       "%.1f MB), mbufs in use %u, RSS %.1f MB (+%.1f MB)\n",
	       t_setup, heap1 / 1e6, (heap1 - heap0) / 1e6, table_bytes / 1e6, mbufs1,
	       rss1 / 1e6, ((double)rss1 - (double)rss0) / 1e6);
	if (active() != 0 || relay_ports_used() != 0)
		check_failed("at start: %llu allocations, %u relay ports in use",
			     (unsigned long long)active(), relay_ports_used());

	/* 2. Create. */
	t0 = now_s();
	if (create(n, relay) != 0)
		goto out;
	t_create = now_s() - t0;
	rss2 = dph_rss_bytes();
	heap2 = dph_heap_bytes();
	printf("created %u allocations in %.1f s (%.0f per second, 4 requests each); "
	       "heap +%.1f MB, RSS +%.1f MB\n",
	       n, t_create, n / t_create, ((double)heap2 - (double)heap1) / 1e6,
	       ((double)rss2 - (double)rss1) / 1e6);
	if (active() != n)
		check_failed("allocation gauge %llu, expected %u", (unsigned long long)active(), n);
	if (relay_ports_used() != n)
		check_failed("relay ports in use %u, expected %u", relay_ports_used(), n);
	if (H.w->cnt.drops[TP_DROP_NO_NEIGHBOUR] != 0)
		check_failed("no_neighbour drops while creating");

	/* 3. Relay: both directions, every allocation. */
	t0 = now_s();
	relay_all(n, relay);
	t_relay = now_s() - t0;
	printf("relayed both ways through all %u allocations in %.1f s\n", n, t_relay);

	/* 4. Expire. */
	t0 = now_s();
	rounds = expire(n);
	t_expire = now_s() - t0;
	heap3 = dph_heap_bytes();
	mbufs3 = rte_mempool_in_use_count(H.mp);
	printf("expired: %llu allocations left after %lu housekeeping rounds, %.1f s; "
	       "relay ports in use %u; heap %.1f MB; mbufs in use %u; RSS %.1f MB\n",
	       (unsigned long long)active(), rounds, t_expire, relay_ports_used(), heap3 / 1e6,
	       mbufs3, dph_rss_bytes() / 1e6);
	if (active() != 0)
		check_failed("%llu allocations left after expiry", (unsigned long long)active());
	if (relay_ports_used() != 0)
		check_failed("%u relay ports still in use after expiry", relay_ports_used());
	if (heap3 != heap1)
		check_failed("heap in use %llu bytes after expiry, %llu at start",
			     (unsigned long long)heap3, (unsigned long long)heap1);
	if (mbufs3 != mbufs1)
		check_failed("%u mbufs in use after expiry, %u at start", mbufs3, mbufs1);

	printf("memory per allocation: table %.0f B reserved per slot (%zu B for %u), "
	       "heap growth while creating %.1f B, RSS growth while creating %.0f B\n",
	       (double)table_bytes / n, table_bytes, n, ((double)heap2 - (double)heap1) / n,
	       ((double)rss2 - (double)rss1) / n);
	printf("time: start %.1f s, create %.1f s, relay %.1f s, expire %.1f s\n", t_setup,
	       t_create, t_relay, t_expire);

out:
	free(relay);
	dph_stop(&H);
	rte_eal_cleanup();
	printf("%s (%u failed checks)\n", failures == 0 ? "PASS" : "FAIL", failures);
	return failures == 0 ? 0 : 1;
}

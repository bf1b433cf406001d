/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kernel UDP back-end of turnpike-perf: client sessions, each on
 * its own socket connected to the server, spread over worker threads;
 * each thread also owns cfg->peers echo peer sockets that send every
 * datagram back where it came from (the relayed address). Threads move
 * packets with sendmmsg/recvmmsg in batches and poll(2) between them.
 *
 *   struct perf_run *run;
 *   perf_udp_setup(cfg, &run, err, sizeof(err));   // sessions, allocations, channels
 *   perf_udp_measure(run, rate, payload, warmup_s, duration_s, &res, progress);
 *   perf_udp_teardown(run);                        // Refresh 0, close, free
 *
 * What is sent depends on cfg->preset: Binding requests
 * (binding-flood), Allocate + Refresh 0 transactions (alloc-rate),
 * ChannelData carrying SRTP (relay-audio, relay-video) or plain
 * (max-pps) RTP to the peers. perf_udp_measure can be called again
 * (max-pps steps); each call starts counting from zero.
 */
#ifndef PERF_IO_UDP_H
#define PERF_IO_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "perf_cfg.h"
#include "perf_report.h"

struct perf_run;

/* Returns 0, or -errno with a message naming the failing client in @err. */
int perf_udp_setup(const struct perf_cfg *cfg, struct perf_run **out, char *err, size_t errlen);

/*
 * Run warm-up then measurement: @rate packets (or transactions) per
 * second per stream, 0 = as fast as the window allows; @payload bytes
 * of RTP payload. Fills @res (totals, latency, rows once a second) and
 * prints a progress line on stderr once a second if @progress.
 * Returns 0 or -errno (threads could not start).
 */
int perf_udp_measure(struct perf_run *run, uint64_t rate, unsigned int payload, double warmup_s,
		     double duration_s, struct perf_result *res, bool progress);

void perf_udp_teardown(struct perf_run *run);

#endif

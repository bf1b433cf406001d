/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * turnpike-perf run configuration, filled from the command line by
 * perf_main.c and read by every other module.
 */
#ifndef PERF_CFG_H
#define PERF_CFG_H

#include <stdbool.h>
#include <stdint.h>

#include "stun_addr.h"

enum perf_preset {
	PERF_BINDING_FLOOD,
	PERF_ALLOC_RATE,
	PERF_RELAY_AUDIO,
	PERF_RELAY_VIDEO,
	PERF_MAX_PPS,
};

#define PERF_MAX_CLIENTS 4096
#define PERF_MAX_PEERS 16
#define PERF_MAX_THREADS 64
#define PERF_MAX_SECONDS 240 /* permissions last 300 s and are not refreshed */

struct perf_cfg {
	enum perf_preset preset;
	const char *preset_name;
	const char *server_str;
	struct stun_addr server;
	const char *user, *password;
	const char *rest_secret, *rest_user;
	const char *realm;        /* NULL: learned */
	unsigned int clients;
	unsigned int peers;       /* per client */
	double duration_s, warmup_s;
	uint64_t rate;            /* packets per second per stream; 0 = preset default */
	uint64_t bitrate;         /* bits per second per stream; 0 = unset */
	unsigned int size;        /* RTP payload (media) or ChannelData payload (max-pps) */
	unsigned int threads;
	struct stun_addr peer_addr; /* family 0: the client side's address */
	const char *json_path, *csv_path;
	bool quiet;
	int timeout_ms;           /* per transaction attempt */
	int retries;
};

#endif

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

struct perf_dpdk;

enum perf_preset {
	PERF_BINDING_FLOOD,
	PERF_ALLOC_RATE,
	PERF_RELAY_AUDIO,
	PERF_RELAY_VIDEO,
	PERF_MAX_PPS,
	PERF_CONCURRENCY_RAMP,
};

enum perf_io {
	PERF_IO_UDP,   /* kernel sockets */
	PERF_IO_DPDK,  /* perf_dpdk.h */
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
	const char *json_path, *csv_path, *cdf_path;
	bool quiet;
	bool sink;                /* peers count what arrives and send nothing back */
	int timeout_ms;           /* per transaction attempt */
	int retries;
	/* concurrency-ramp */
	uint64_t allocations;     /* allocations to build up and hold */
	int server_pid;           /* 0: no memory figures */
	/* DPDK back-end */
	enum perf_io io;
	const char *eal;          /* EAL arguments */
	struct stun_addr dpdk_ip; /* ours on the link: the server's gateway */
	struct stun_addr client_net; /* client i sends from client_net + i */
	struct perf_dpdk *dpdk;   /* the open port, set by main */
};

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One TURN client session of turnpike-perf over a kernel UDP socket
 * connected to the server (or an address on the DPDK port of
 * perf_dpdk.h), on turn_client.h, with blocking transactions for set-up and tear-down (Allocate, ChannelBind,
 * Refresh 0), each attempt bounded by cfg->timeout_ms and
 * cfg->retries. The measured traffic does not go through here.
 *
 *   struct perf_session s;
 *   perf_session_open(cfg, &s);        // socket + credentials
 *   perf_session_allocate(cfg, &s);    // s.relay
 *   perf_session_bind(cfg, &s, 0x4000, &peer);
 *   perf_session_close(cfg, &s);       // Refresh 0 if allocated, close
 *
 * Errors are negative errno values; perf_session_error() says what the
 * server answered last, for the message the caller prints.
 */
#ifndef PERF_CLIENT_H
#define PERF_CLIENT_H

#include <stdbool.h>

#include "perf_cfg.h"
#include "turn_client.h"

struct perf_dpdk;

struct perf_session {
	int fd;                  /* kernel back-end; -1 with DPDK */
	struct perf_dpdk *dpdk;  /* DPDK back-end: the port, @local is ours on it */
	struct turn_client c;
	struct stun_addr local, relay;
	bool allocated;
	bool have_client;
	uint16_t last_error; /* the last ERROR-CODE answered, 0 if none */
	char last[160]; /* what went wrong last, for messages */
};

/* Credentials from @cfg (REST with an expiry an hour ahead). */
int perf_session_creds(const struct perf_cfg *cfg, struct turn_client *c);
int perf_session_open(const struct perf_cfg *cfg, struct perf_session *s);
/* The DPDK back-end's session: no socket, @local is the client's address. */
int perf_session_open_dpdk(const struct perf_cfg *cfg, struct perf_session *s,
			   struct perf_dpdk *d, const struct stun_addr *local);
/* Send one datagram to the server through the session's back-end. */
int perf_session_send(const struct perf_cfg *cfg, struct perf_session *s, const uint8_t *buf,
		      size_t len);
int perf_session_allocate(const struct perf_cfg *cfg, struct perf_session *s);
int perf_session_bind(const struct perf_cfg *cfg, struct perf_session *s, uint16_t channel,
		      const struct stun_addr *peer);
/* Refresh 0, with retries. */
int perf_session_release(const struct perf_cfg *cfg, struct perf_session *s);
/* Refresh 0 (best effort, one attempt) when allocated; closes the socket. */
void perf_session_close(const struct perf_cfg *cfg, struct perf_session *s);

/* Check the learned realm against --realm; -EPROTO with s->last set. */
int perf_session_check_realm(const struct perf_cfg *cfg, struct perf_session *s);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kernel UDP sockets in terms of struct stun_addr, for the test tools
 * (turn-probe, kernel-turn-server). Blocking waits always have a
 * timeout.
 *
 *   int fd = udp_bind(&local, false);          // port 0: any
 *   udp_send(fd, buf, len, &to);               // NULL to: connected socket
 *   n = udp_recv_wait(fd, buf, sizeof(buf), 1000, &from);
 */
#ifndef UDP_UTIL_H
#define UDP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "stun_addr.h"

/* @a as a sockaddr_in or sockaddr_in6 (an address without family as
 * IPv4); returns its length. */
socklen_t udp_sockaddr(const struct stun_addr *a, struct sockaddr_storage *ss);
/* The reverse; a family other than AF_INET/AF_INET6 gives family 0. */
void udp_from_sockaddr(const struct sockaddr_storage *ss, struct stun_addr *a);

/* A UDP socket bound to @a (IPv6 sockets IPv6-only), non-blocking if
 * asked. Returns the fd or -errno. */
int udp_bind(const struct stun_addr *a, bool nonblock);
/* A UDP socket of @family connected to @to. Returns the fd or -errno. */
int udp_connect(const struct stun_addr *to);
/* The address a socket is bound to. Returns 0 or -errno. */
int udp_local_addr(int fd, struct stun_addr *a);

/* Send one datagram, to @to or (NULL) to the connected peer. Returns 0,
 * -EMSGSIZE if it went out short, or -errno. */
int udp_send(int fd, const uint8_t *buf, size_t len, const struct stun_addr *to);
/*
 * Wait up to @ms for one datagram. Returns its length (the sender in
 * @from if not NULL), -ETIMEDOUT (also for @ms <= 0), or -errno: on a
 * connected socket ECONNREFUSED reports an ICMP port unreachable drawn
 * by an earlier send.
 */
int udp_recv_wait(int fd, uint8_t *buf, size_t cap, int ms, struct stun_addr *from);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/* Kernel UDP sockets for the test tools: see udp_util.h. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "udp_util.h"

socklen_t
udp_sockaddr(const struct stun_addr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == STUN_FAMILY_IPV6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(a->port);
		memcpy(&s6->sin6_addr, a->ip, 16);
		return sizeof(*s6);
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	s4->sin_family = AF_INET;
	s4->sin_port = htons(a->port);
	memcpy(&s4->sin_addr, a->ip, 4);
	return sizeof(*s4);
}

void
udp_from_sockaddr(const struct sockaddr_storage *ss, struct stun_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		stun_addr_set_v6(a, s6->sin6_addr.s6_addr, ntohs(s6->sin6_port));
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
		stun_addr_set_v4(a, (const uint8_t *)&s4->sin_addr, ntohs(s4->sin_port));
	}
}

static int
udp_socket(const struct stun_addr *a, bool nonblock)
{
	int fam = a->family == STUN_FAMILY_IPV6 ? AF_INET6 : AF_INET;
	int fd = socket(fam, SOCK_DGRAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
	int one = 1;

	if (fd < 0)
		return -errno;
	/* An IPv6 socket on "::" must not also take IPv4 datagrams meant
	 * for another socket. */
	if (fam == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	return fd;
}

int
udp_bind(const struct stun_addr *a, bool nonblock)
{
	struct sockaddr_storage ss;
	socklen_t sl = udp_sockaddr(a, &ss);
	int fd = udp_socket(a, nonblock), rc;

	if (fd < 0)
		return fd;
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

int
udp_connect(const struct stun_addr *to)
{
	struct sockaddr_storage ss;
	socklen_t sl = udp_sockaddr(to, &ss);
	int fd = udp_socket(to, false), rc;

	if (fd < 0)
		return fd;
	if (connect(fd, (struct sockaddr *)&ss, sl) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

int
udp_local_addr(int fd, struct stun_addr *a)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
		return -errno;
	udp_from_sockaddr(&ss, a);
	return 0;
}

int
udp_send(int fd, const uint8_t *buf, size_t len, const struct stun_addr *to)
{
	struct sockaddr_storage ss;
	ssize_t n;

	if (to == NULL) {
		n = send(fd, buf, len, 0);
	} else {
		socklen_t sl = udp_sockaddr(to, &ss);
		n = sendto(fd, buf, len, 0, (struct sockaddr *)&ss, sl);
	}
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

int
udp_recv_wait(int fd, uint8_t *buf, size_t cap, int ms, struct stun_addr *from)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	ssize_t n;
	int rc;

	if (ms <= 0)
		return -ETIMEDOUT;
	rc = poll(&pfd, 1, ms);
	if (rc < 0)
		return -errno;
	if (rc == 0)
		return -ETIMEDOUT;
	n = recvfrom(fd, buf, cap, 0, (struct sockaddr *)&ss, &sl);
	if (n < 0)
		return -errno;
	if (from != NULL)
		udp_from_sockaddr(&ss, from);
	return (int)n;
}

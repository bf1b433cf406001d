/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * kernel-turn-server: the TURN state machine (turn_server.h) over kernel
 * UDP sockets, on loopback only. A reference server for testing the
 * testing tools (turn-probe, the perf harness) without DPDK, a NIC or
 * root; not a product: it refuses any address outside 127.0.0.0/8 and
 * ::1, holds one socket per relay port, and runs single-threaded.
 *
 *   kernel-turn-server --listen 127.0.0.1:23478 --listen [::1]:23478 \
 *       --relay 127.0.0.1 --relay ::1 --relay-ports 23500-23563 \
 *       --user demo:demo-pass --rest-secret demo-secret --quota 3 \
 *       --deny 10.0.0.1 --duration 120
 *
 * Prints "ready" on stdout once every socket is bound; stops on SIGINT,
 * SIGTERM or after --duration seconds, and then prints its counters on
 * stderr. Peers are all allowed except the --deny IPs; quotas count
 * allocations per user name (REST: the user id part).
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "stun_cred.h"
#include "turn_relay_pool.h"
#include "turn_server.h"
#include "turn_table.h"
#include "udp_util.h"

#define MAX_LISTEN 4
#define MAX_USERS 16
#define MAX_DENY 16
#define MAX_RELAY_PORTS 256
#define MAX_FDS (MAX_LISTEN + 2 * MAX_RELAY_PORTS)
#define QUOTA_USERS 64
/* Datagrams read from one socket per poll wake-up, so one busy socket
 * cannot starve the others. */
#define DRAIN_MAX 64
#define SWEEP_BUDGET 256

struct user {
	const char *name;
	const char *pass;
};

struct quota_entry {
	char name[TURN_QUOTA_USER_MAX];
	size_t len;
	unsigned int count;
};

struct srv {
	struct turn_server *s;
	struct turn_table *tbl;
	struct turn_relay_pool *pool;
	/* pfd[0 .. n_listen) listen, then relay sockets; addr[] is each one's address. */
	struct pollfd pfd[MAX_FDS];
	struct stun_addr addr[MAX_FDS];
	unsigned int n_fd, n_listen;
	int relay_fd[3][MAX_RELAY_PORTS]; /* by family, port - port_min */
	struct stun_addr relay[3];        /* by family; family 0 = none */
	uint16_t port_min, port_max;
	struct user users[MAX_USERS];
	unsigned int n_users;
	struct stun_addr deny[MAX_DENY];
	unsigned int n_deny;
	unsigned int quota;               /* 0 = unlimited */
	struct quota_entry q[QUOTA_USERS];
	struct stun_rest_secrets rest;
	uint8_t nonce_secret[32];
	uint64_t rx, tx, drops, send_errors;
};

static volatile sig_atomic_t stopping;

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/* ---- hooks ---- */

static int
hook_cred(void *ctx, const struct turn_cred_req *req, struct turn_cred *out)
{
	struct srv *v = ctx;

	for (unsigned int i = 0; i < v->n_users; i++) {
		const struct user *u = &v->users[i];
		size_t n = strlen(u->name);
		uint8_t uh[STUN_USERHASH_LEN];

		if (req->username != NULL) {
			if (req->username_len != n || memcmp(req->username, u->name, n) != 0)
				continue;
		} else {
			stun_userhash(u->name, n, req->realm, req->realm_len, uh);
			if (req->userhash == NULL || memcmp(uh, req->userhash, sizeof(uh)) != 0)
				continue;
		}
		size_t plen = strlen(u->pass);
		if (req->alg == STUN_PWALG_SHA256) {
			stun_key_sha256(u->name, n, req->realm, req->realm_len, u->pass, plen,
					out->key);
			out->key_len = STUN_KEY_SHA256_LEN;
		} else {
			stun_key_md5(u->name, n, req->realm, req->realm_len, u->pass, plen,
				     out->key);
			out->key_len = STUN_KEY_MD5_LEN;
		}
		if (n < sizeof(out->user)) {
			memcpy(out->user, u->name, n);
			out->user_len = (uint8_t)n;
		}
		return 0;
	}
	return -ENOENT;
}

static bool
hook_peer(void *ctx, const struct stun_addr *peer)
{
	struct srv *v = ctx;

	for (unsigned int i = 0; i < v->n_deny; i++)
		if (stun_addr_ip_equal(&v->deny[i], peer))
			return false;
	return true;
}

static int
hook_quota_acquire(void *ctx, const char *user, size_t len, uint32_t *handle)
{
	struct srv *v = ctx;
	struct quota_entry *free_slot = NULL;

	if (len >= TURN_QUOTA_USER_MAX)
		len = TURN_QUOTA_USER_MAX - 1;
	for (unsigned int i = 0; i < QUOTA_USERS; i++) {
		struct quota_entry *q = &v->q[i];

		if (q->count > 0 && q->len == len && memcmp(q->name, user, len) == 0) {
			if (q->count >= v->quota)
				return -EDQUOT;
			q->count++;
			*handle = i + 1;
			return 0;
		}
		if (q->count == 0 && free_slot == NULL)
			free_slot = q;
	}
	if (free_slot == NULL)
		return -ENOSPC;
	memcpy(free_slot->name, user, len);
	free_slot->len = len;
	free_slot->count = 1;
	*handle = (uint32_t)(free_slot - v->q) + 1;
	return 0;
}

static void
hook_quota_release(void *ctx, uint32_t handle)
{
	struct srv *v = ctx;

	if (handle >= 1 && handle <= QUOTA_USERS && v->q[handle - 1].count > 0)
		v->q[handle - 1].count--;
}

static int
hook_relay_alloc(void *ctx, uint8_t family, unsigned int flags, uint64_t token,
		 struct stun_addr *out, uint64_t *token_out)
{
	struct srv *v = ctx;

	return turn_relay_pool_alloc(v->pool, family, flags, token, out, token_out);
}

static void
hook_relay_free(void *ctx, const struct stun_addr *relay)
{
	struct srv *v = ctx;

	turn_relay_pool_free(v->pool, relay);
}

/* ---- sockets ---- */

static bool
is_loopback(const struct stun_addr *a)
{
	static const uint8_t v6[16] = { [15] = 1 };

	if (a->family == STUN_FAMILY_IPV4)
		return a->ip[0] == 127;
	return a->family == STUN_FAMILY_IPV6 && memcmp(a->ip, v6, 16) == 0;
}

/* Bind a non-blocking UDP socket on @a and add it to the poll set.
 * Returns its index, or -1 after printing why. */
static int
add_socket(struct srv *v, const struct stun_addr *a)
{
	char s[STUN_ADDR_STRLEN];
	int fd;

	if (v->n_fd >= MAX_FDS)
		return -1;
	fd = udp_bind(a, true);
	if (fd < 0) {
		stun_addr_format(a, s, sizeof(s));
		fprintf(stderr, "kernel-turn-server: %s: %s\n", s, strerror(-fd));
		return -1;
	}
	v->pfd[v->n_fd] = (struct pollfd){ .fd = fd, .events = POLLIN };
	v->addr[v->n_fd] = *a;
	return (int)v->n_fd++;
}

static void
close_sockets(struct srv *v)
{
	for (unsigned int i = 0; i < v->n_fd; i++)
		close(v->pfd[i].fd);
	v->n_fd = 0;
}

/* The socket that owns our address @src: a listen socket for replies, a
 * relay socket for data to peers. -1 if none. */
static int
fd_for(const struct srv *v, const struct stun_addr *src, bool relay)
{
	if (relay) {
		if (src->family == 0 || src->family > 2 || src->port < v->port_min ||
		    src->port > v->port_max || !stun_addr_ip_equal(src, &v->relay[src->family]))
			return -1;
		return v->relay_fd[src->family][src->port - v->port_min];
	}
	for (unsigned int i = 0; i < v->n_listen; i++)
		if (stun_addr_equal(&v->addr[i], src))
			return v->pfd[i].fd;
	return -1;
}

/* Carry out a verdict: header, payload and padding in one datagram.
 * DONT-FRAGMENT is not applied: nothing fragments on loopback. */
static void
act(struct srv *v, const struct turn_out *o)
{
	static const uint8_t zeros[4];
	struct sockaddr_storage ss;
	struct iovec iov[3];
	struct msghdr mh = { .msg_name = &ss, .msg_iov = iov };
	int fd;

	switch (o->verdict) {
	case TURN_REPLY:
	case TURN_TO_CLIENT:
	case TURN_TO_PEER:
		break;
	default:
		v->drops++;
		return;
	}
	fd = fd_for(v, &o->src, o->verdict == TURN_TO_PEER);
	if (fd < 0) {
		v->send_errors++;
		return;
	}
	mh.msg_namelen = udp_sockaddr(&o->dst, &ss);
	iov[0] = (struct iovec){ .iov_base = o->hdr, .iov_len = o->hdr_len };
	iov[1] = (struct iovec){ .iov_base = (void *)o->payload, .iov_len = o->payload_len };
	iov[2] = (struct iovec){ .iov_base = (void *)zeros, .iov_len = o->pad & 3 };
	mh.msg_iovlen = 3;
	if (sendmsg(fd, &mh, 0) < 0)
		v->send_errors++;
	else
		v->tx++;
}

static void
drain(struct srv *v, unsigned int i, uint64_t now)
{
	static uint8_t buf[65536];
	uint8_t obuf[TURN_OUT_BUF];
	struct sockaddr_storage ss;
	struct stun_5tuple ft;
	struct turn_out o;

	for (unsigned int k = 0; k < DRAIN_MAX; k++) {
		socklen_t sl = sizeof(ss);
		ssize_t n = recvfrom(v->pfd[i].fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss,
				     &sl);

		if (n < 0)
			return;
		v->rx++;
		if (i < v->n_listen) {
			memset(&ft, 0, sizeof(ft));
			udp_from_sockaddr(&ss, &ft.client);
			ft.server = v->addr[i];
			ft.proto = TURN_TRANSPORT_UDP;
			turn_server_handle_client(v->s, &ft, buf, (size_t)n, now, obuf,
						  sizeof(obuf), &o);
		} else {
			struct stun_addr peer;
			udp_from_sockaddr(&ss, &peer);
			turn_server_handle_peer(v->s, &peer, &v->addr[i], buf, (size_t)n, now, obuf,
						sizeof(obuf), &o);
		}
		act(v, &o);
	}
}

/* ---- set-up ---- */

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: kernel-turn-server --listen ADDR:PORT... --relay ADDR... "
		"--relay-ports MIN-MAX\n"
		"           [--user NAME:PASSWORD]... [--rest-secret S]... [--realm R]\n"
		"           [--quota N] [--deny IP]... [--default-lifetime S] "
		"[--nonce-lifetime S]\n"
		"           [--no-pwalgs] [--fingerprint] [--duration S]\n"
		"Loopback addresses only (127.0.0.0/8, ::1).\n");
}

static int
parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *s == 0 || *end != 0 || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int
parse_loopback(const char *s, uint16_t port, struct stun_addr *a)
{
	if (stun_addr_from_string(a, s, port) != 0 || !is_loopback(a)) {
		fprintf(stderr, "kernel-turn-server: '%s' is not a loopback address\n", s);
		return -EINVAL;
	}
	return 0;
}

static int
parse_args(struct srv *v, struct turn_config *cfg, int argc, char **argv, uint32_t *duration)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "relay", required_argument, NULL, 'r' },
		{ "relay-ports", required_argument, NULL, 'P' },
		{ "user", required_argument, NULL, 'u' },
		{ "rest-secret", required_argument, NULL, 'S' },
		{ "realm", required_argument, NULL, 'R' },
		{ "quota", required_argument, NULL, 'q' },
		{ "deny", required_argument, NULL, 'd' },
		{ "default-lifetime", required_argument, NULL, 'L' },
		{ "nonce-lifetime", required_argument, NULL, 'N' },
		{ "no-pwalgs", no_argument, NULL, 'A' },
		{ "fingerprint", no_argument, NULL, 'f' },
		{ "duration", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct stun_addr a;
	uint32_t n, lo, hi;
	char *sep;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (v->n_listen >= MAX_LISTEN || parse_loopback(optarg, 3478, &a) != 0)
				return -EINVAL;
			v->addr[v->n_listen++] = a;
			break;
		case 'r':
			if (parse_loopback(optarg, 0, &a) != 0 || v->relay[a.family].family != 0)
				return -EINVAL;
			a.port = 0;
			v->relay[a.family] = a;
			break;
		case 'P':
			sep = strchr(optarg, '-');
			if (sep == NULL)
				return -EINVAL;
			*sep = 0;
			if (parse_u32(optarg, 65535, &lo) != 0 ||
			    parse_u32(sep + 1, 65535, &hi) != 0 || lo == 0 || hi < lo ||
			    hi - lo >= MAX_RELAY_PORTS)
				return -EINVAL;
			v->port_min = (uint16_t)lo;
			v->port_max = (uint16_t)hi;
			break;
		case 'u':
			sep = strchr(optarg, ':');
			if (sep == NULL || v->n_users >= MAX_USERS)
				return -EINVAL;
			*sep = 0;
			v->users[v->n_users++] = (struct user){ .name = optarg, .pass = sep + 1 };
			break;
		case 'S':
			if (stun_rest_secrets_add(&v->rest, optarg, strlen(optarg)) != 0)
				return -EINVAL;
			break;
		case 'R':
			cfg->realm = optarg;
			break;
		case 'q':
			if (parse_u32(optarg, 1u << 20, &v->quota) != 0)
				return -EINVAL;
			break;
		case 'd':
			if (v->n_deny >= MAX_DENY ||
			    stun_addr_from_string(&v->deny[v->n_deny], optarg, 0) != 0)
				return -EINVAL;
			v->n_deny++;
			break;
		case 'L':
			if (parse_u32(optarg, TURN_MAX_LIFETIME, &n) != 0 || n == 0)
				return -EINVAL;
			cfg->default_lifetime = n;
			break;
		case 'N':
			if (parse_u32(optarg, 86400, &n) != 0 || n == 0)
				return -EINVAL;
			cfg->nonce_lifetime = n;
			break;
		case 'A':
			cfg->n_pw_algs = 0;
			break;
		case 'f':
			cfg->fingerprint = true;
			break;
		case 'D':
			if (parse_u32(optarg, 86400, duration) != 0)
				return -EINVAL;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	if (optind != argc || v->n_listen == 0 || v->port_min == 0 ||
	    (v->relay[STUN_FAMILY_IPV4].family == 0 && v->relay[STUN_FAMILY_IPV6].family == 0))
		return -EINVAL;
	return 0;
}

/* Every listen socket, then one socket per relay address and port. */
static int
bind_all(struct srv *v)
{
	unsigned int n_listen = v->n_listen;

	v->n_fd = 0;
	for (unsigned int i = 0; i < n_listen; i++) {
		struct stun_addr a = v->addr[i];
		if (add_socket(v, &a) < 0)
			return -1;
	}
	for (uint8_t f = STUN_FAMILY_IPV4; f <= STUN_FAMILY_IPV6; f++) {
		if (v->relay[f].family == 0)
			continue;
		for (unsigned int port = v->port_min; port <= v->port_max; port++) {
			struct stun_addr a = v->relay[f];
			int i;

			a.port = (uint16_t)port;
			i = add_socket(v, &a);
			if (i < 0)
				return -1;
			v->relay_fd[f][port - v->port_min] = v->pfd[i].fd;
		}
	}
	return 0;
}

static uint64_t
now_s(void)
{
	return (uint64_t)time(NULL);
}

int
main(int argc, char **argv)
{
	static struct srv v;
	struct turn_config cfg = {
		.realm = "turnpike.test",
		.software = "turnpike kernel-turn-server",
		.pw_algs = { STUN_PWALG_SHA256, STUN_PWALG_MD5 },
		.n_pw_algs = 2,
	};
	struct turn_hooks hooks = {
		.cred_lookup = hook_cred,
		.peer_allowed = hook_peer,
		.relay_alloc = hook_relay_alloc,
		.relay_free = hook_relay_free,
	};
	struct sigaction sa = { .sa_handler = on_signal };
	uint32_t duration = 0;
	uint64_t start, last_sweep;
	int rc = 1;

	if (parse_args(&v, &cfg, argc, argv, &duration) != 0) {
		usage(stderr);
		return 2;
	}
	if (getrandom(v.nonce_secret, sizeof(v.nonce_secret), 0) !=
	    (ssize_t)sizeof(v.nonce_secret)) {
		perror("kernel-turn-server: getrandom");
		return 1;
	}
	cfg.nonce_secret = v.nonce_secret;
	cfg.nonce_secret_len = sizeof(v.nonce_secret);
	cfg.rest = v.rest.n > 0 ? &v.rest : NULL;
	if (cfg.default_lifetime > TURN_MAX_LIFETIME)
		cfg.default_lifetime = TURN_MAX_LIFETIME;
	if (v.quota > 0) {
		hooks.quota_acquire = hook_quota_acquire;
		hooks.quota_release = hook_quota_release;
	}

	v.pool = turn_relay_pool_create(v.relay[STUN_FAMILY_IPV4].family ? &v.relay[1] : NULL,
					v.relay[STUN_FAMILY_IPV6].family ? &v.relay[2] : NULL,
					v.port_min, v.port_max);
	if (v.pool == NULL) {
		perror("kernel-turn-server: relay pool");
		return 1;
	}
	v.tbl = turn_table_create(2u * MAX_RELAY_PORTS);
	if (v.tbl == NULL) {
		perror("kernel-turn-server: table");
		goto err_pool;
	}
	v.s = turn_server_create(&cfg, &hooks, &v, &turn_table_ops, v.tbl);
	if (v.s == NULL) {
		perror("kernel-turn-server: server");
		goto err_tbl;
	}
	if (bind_all(&v) != 0)
		goto err_sockets;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	printf("ready\n");
	fflush(stdout);

	start = last_sweep = now_s();
	while (!stopping && (duration == 0 || now_s() < start + duration)) {
		int n = poll(v.pfd, v.n_fd, 200);
		uint64_t now = now_s();

		if (n < 0 && errno != EINTR) {
			perror("kernel-turn-server: poll");
			goto err_sockets;
		}
		turn_relay_pool_set_time(v.pool, now);
		for (unsigned int i = 0; n > 0 && i < v.n_fd; i++)
			if (v.pfd[i].revents & POLLIN)
				drain(&v, i, now);
		if (now != last_sweep) {
			turn_server_sweep(v.s, now, SWEEP_BUDGET);
			last_sweep = now;
		}
	}
	rc = 0;
	fprintf(stderr,
		"kernel-turn-server: rx %llu tx %llu dropped %llu send errors %llu "
		"allocations %llu\n",
		(unsigned long long)v.rx, (unsigned long long)v.tx, (unsigned long long)v.drops,
		(unsigned long long)v.send_errors,
		(unsigned long long)turn_server_stats(v.s)->allocations);

err_sockets:
	close_sockets(&v);
	turn_server_destroy(v.s);
err_tbl:
	turn_table_destroy(v.tbl);
err_pool:
	turn_relay_pool_destroy(v.pool);
	return rc;
}

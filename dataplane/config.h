/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * turnpike-dataplane configuration: a libconfig file, loaded once at
 * start-up into a flat struct that the main lcore and the workers read.
 *
 *   struct tp_config cfg;
 *   char err[512];
 *   if (tp_config_load("configs/local.conf", &cfg, err, sizeof(err)) != 0) {
 *       fprintf(stderr, "%s\n", err);   // "configs/local.conf:12: relay.port_min: ..."
 *       exit(1);
 *   }
 *
 * Every error names the file, the line and the key (the dotted path of
 * the setting). Unknown keys are errors too, so a typo never silently
 * falls back to a default.
 *
 * The `control` group is shared with turnpike-control (control/cp_config.h),
 * which validates all of it. The dataplane reads only three members:
 * control.socket (the control channel; no group: no channel; a group
 * without the key: TP_CONTROL_SOCKET_DEFAULT),
 * and control.http.listen and control.redis.host, whose IP literals
 * become deny-always peer rules (ARCHITECTURE decision 8: the control
 * plane's own endpoints are never relayable). Every other member of
 * `control` is ignored here, whatever its name or type.
 */
#ifndef TP_CONFIG_H
#define TP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stun_addr.h"
#include "stun_cred.h"

#define TP_CFG_MAX_EAL_ARGS 32
#define TP_CFG_MAX_PORTS 4
#define TP_CFG_MAX_WORKERS 32
#define TP_CFG_MAX_ADDRS 8
/* Relay addresses: 64 IPv4 addresses with the whole port range give about
 * four million relay ports, room for a million allocations and more. */
#define TP_CFG_MAX_RELAY 64
#define TP_CFG_MAX_USERS 64
#define TP_CFG_MAX_PEER_RULES 64
#define TP_CFG_STR 256
/* control.socket must fit sockaddr_un.sun_path with its NUL. */
#define TP_CFG_SOCKET_MAX 107
/* control.http.listen and control.redis.host */
#define TP_CFG_MAX_CONTROL_DENY 2

struct tp_port_config {
	/* A PCI address ("0000:03:00.0") or a vdev spec ("net_tap0,iface=tp0"). */
	char device[TP_CFG_STR];
	uint16_t rx_queues; /* 0 (the default) = one per worker */
	uint16_t rx_desc;   /* default 1024 */
	uint16_t tx_desc;   /* default 1024 */
	uint16_t mtu;       /* default 1500 */
	/* Use the port's IPv4/UDP checksum offloads where it has them
	 * (default true); false computes them in software (incrementally on
	 * the relay path), for ports whose offload misbehaves and for tests. */
	bool checksum_offload;
};

struct tp_user_config {
	char name[STUN_USERNAME_MAX + 1];
	char password[TP_CFG_STR];
};

/* A peer rule: a CIDR ("10.0.0.0/8", "2001:db8::/32"), a single address,
 * or an inclusive range "a-b" as in coturn's allowed-peer-ip. Kept as
 * text here; the peer policy module parses it (and config loading checks
 * it parses, so errors still name the line). */
struct tp_peer_rule {
	char text[96];
	int line;
};

#define TP_CONTROL_SOCKET_DEFAULT "/run/turnpike/control.sock" /* = CP_DEFAULT_SOCKET */

struct tp_config {
	char path[TP_CFG_STR];

	/* eal.args: extra EAL arguments, e.g. ["--no-huge", "-m", "1024"]. */
	char eal_args[TP_CFG_MAX_EAL_ARGS][TP_CFG_STR];
	unsigned int n_eal_args;

	struct tp_port_config ports[TP_CFG_MAX_PORTS];
	unsigned int n_ports;

	/* workers.lcores: lcore ids for poll-mode workers; the main lcore is
	 * EAL's. Empty = every lcore EAL gave us except the main one. */
	unsigned int worker_lcores[TP_CFG_MAX_WORKERS];
	unsigned int n_workers;

	/* network: our addresses (STUN/TURN listen on each), prefix lengths
	 * for on-link decisions, and optional gateways. */
	struct stun_addr local[TP_CFG_MAX_ADDRS]; /* port = listen port */
	uint8_t local_prefix[TP_CFG_MAX_ADDRS];
	unsigned int n_local;
	uint16_t listen_port;     /* default 3478 */
	struct stun_addr gateway4; /* family 0 = none */
	struct stun_addr gateway6;
	/* Kernel exception interface for traffic we do not serve (a TAP or
	 * virtio-user vdev spec); empty = count and drop. */
	char exception_device[TP_CFG_STR];

	/* relay: addresses and port range (default 49152-65535). */
	struct stun_addr relay[TP_CFG_MAX_RELAY];
	unsigned int n_relay;
	uint16_t relay_port_min;
	uint16_t relay_port_max;

	/* turn: realm, software, lifetimes, credentials. */
	char realm[TP_CFG_STR];
	char software[TP_CFG_STR];   /* "" = send none */
	bool fingerprint;            /* default true */
	uint32_t default_lifetime;   /* default 600 */
	uint32_t max_lifetime;       /* default 3600 */
	uint32_t nonce_lifetime;     /* default 600 */
	/* RFC 8656's fixed 300 s and 600 s are the defaults; shorter values
	 * are for tests (expiry without waiting minutes) and non-standard. */
	uint32_t permission_lifetime; /* default 300 */
	uint32_t channel_lifetime;    /* default 600 */
	/* Highest channel number accepted: 0x4FFF (RFC 8656, the default) or
	 * up to 0x7FFF for clients that still pick from RFC 5766's range. */
	uint16_t channel_max;
	struct tp_user_config users[TP_CFG_MAX_USERS];
	unsigned int n_users;
	struct stun_rest_secrets rest; /* turn.rest_secrets */

	/* limits */
	uint32_t max_allocations;    /* total, default 100000 */
	uint32_t user_quota;         /* per user, 0 = unlimited (default) */
	uint32_t unauth_rate;        /* unauthenticated requests per second per source, default 20 */
	uint32_t unauth_burst;       /* default 40 */

	/* peers: the built-in deny list applies unless peers.default_deny is
	 * false; allow rules override deny rules. */
	bool default_deny;           /* default true */
	struct tp_peer_rule allow[TP_CFG_MAX_PEER_RULES];
	unsigned int n_allow;
	struct tp_peer_rule deny[TP_CFG_MAX_PEER_RULES];
	unsigned int n_deny;

	/* control: see the top of this file. control_socket "" = no control
	 * channel (no control group); a group without socket means
	 * TP_CONTROL_SOCKET_DEFAULT, turnpike-control's default too. control_deny: the control plane's endpoints that are IP
	 * literals (control.http.listen's address unless unspecified;
	 * control.redis.host, "127.0.0.1" when the redis group is present
	 * without it), as single-address rules for tp_peer_policy_deny_always. */
	char control_socket[TP_CFG_SOCKET_MAX + 1];
	struct tp_peer_rule control_deny[TP_CFG_MAX_CONTROL_DENY];
	unsigned int n_control_deny;
};

/* Fill @cfg with every default (no ports, no addresses, no users). */
void tp_config_defaults(struct tp_config *cfg);

/*
 * Load @path into @cfg: defaults first, then the file. Returns 0, or
 * -EINVAL with one message in @err (cut to @errlen; @err may be NULL when
 * @errlen is 0):
 *   "<file>:<line>: <key>: <problem>"      a bad, unknown or missing setting
 *   "<file>: <key>: <problem>"             a missing top-level setting (no line to blame)
 *   "<file>:<line>: syntax error: <text>"  libconfig could not parse the file
 *   "<file>: <strerror>"                   the file could not be read
 * <key> is the dotted path with list indexes, e.g. "ports[0].mtu". A
 * missing member is reported at the line of the group that should hold
 * it. Checks: types, ranges, addresses parse, at least one port, local and
 * relay address, a realm, relay_port_min <= relay_port_max, peer rules
 * parse, string lengths fit, no duplicates, no unknown keys (see
 * docs/configuration.md). On error @cfg is partly filled; do not use it.
 */
int tp_config_load(const char *path, struct tp_config *cfg, char *err, size_t errlen);

/*
 * For a reload: the settings that differ between @old and @new and that
 * only take effect after a restart (everything except turn.users,
 * turn.rest_secrets, peers.* and limits.user_quota, which a running
 * dataplane applies). Writes their dotted names, comma-separated, into
 * @out (cut to @len) and returns how many groups/keys differ; 0 writes "".
 */
unsigned int tp_config_restart_diff(const struct tp_config *old, const struct tp_config *new,
				    char *out, size_t len);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * turnpike-control: the process state every module of the control plane
 * shares, and the calls between modules. One thread, one libevent loop
 * (event_base); nothing here takes a lock or blocks.
 *
 *   cp_main.c        start-up, signals (SIGHUP reload, SIGTERM/SIGINT stop)
 *   cp_state.c       the calls below that several modules make
 *   cp_config.c      the `control` group of the config file (cp_config.h)
 *   ctl_server.c     the control channel: accepts the dataplane, pushes
 *                    secrets/peer rules/quotas, answers credential lookups,
 *                    takes allocation events and counter snapshots
 *   redis_conn.c     an asynchronous Redis connection: hiredis's protocol
 *                    reader and command formatter over a libevent
 *                    bufferevent (TCP or TLS), AUTH, SELECT, back-off
 *   redis_store.c    coturn's schema on top: user keys with a cache,
 *                    secrets, peer sets, quotas, API keys, statsdb events
 *   http_api.c       the ICE-server API, /healthz, /readyz, /metrics
 *   admin.c          the admin socket turnpikectl talks to
 *   metrics.c        Prometheus text
 *   alloc_registry.c allocations as the dataplane reported them
 *
 * Module ownership: each .c file keeps its own state behind its opaque
 * struct; struct cp only holds the pointers and what several modules read.
 */
#ifndef TP_CP_H
#define TP_CP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"     /* struct tp_config: the dataplane's view of the file */
#include "cp_config.h"
#include "ctl_codec.h"
#include "stun_cred.h"

struct event_base;
struct evbuffer;
struct cp_redis;
struct cp_http;
struct cp_chan;
struct cp_admin;
struct cp_registry;

/* Counters the control plane keeps about itself (metrics.c renders them). */
struct cp_stats {
	/* Credential lookups answered, by how. */
	uint64_t lookup_config;      /* found among the config file's users */
	uint64_t lookup_cache;       /* found in the cache of Redis answers */
	uint64_t lookup_redis;       /* found by a Redis GET */
	uint64_t lookup_not_found;
	uint64_t lookup_error;       /* Redis unreachable and nothing cached */
	/* HTTP */
	uint64_t http_requests;
	uint64_t http_ice_ok;        /* credentials handed out */
	uint64_t http_status[6];     /* by class: [2] 2xx ... [5] 5xx */
	uint64_t http_unauthorized;  /* 401 wrong API key */
	uint64_t http_rate_limited;  /* 429 */
	/* Control channel */
	uint64_t dp_connects;
	uint64_t dp_protocol_errors;
	uint64_t alloc_events;
	/* Redis */
	uint64_t redis_connects;
	uint64_t redis_errors;
	uint64_t statsdb_writes;
	uint64_t statsdb_dropped;    /* events not written: Redis down or queue full */
};

struct cp {
	struct event_base *base;
	struct tp_config tp;   /* tp_config_load(path): realm, users, secrets, addresses */
	struct cp_config cc;   /* cp_config_load(path) */
	uint64_t instance_id;  /* random at start; goes into HELLO */

	struct cp_redis *redis;  /* NULL when cc.redis.enabled is false */
	struct cp_chan *chan;
	struct cp_http *http;    /* NULL when cc.http_listen is "" */
	struct cp_admin *admin;
	struct cp_registry *registry;

	/* Set by ctl_server.c. */
	bool dp_connected;       /* a dataplane said HELLO and is connected */
	bool dp_draining;        /* we asked it to drain, or it said so */
	uint64_t dp_instance_id; /* from its HELLO; 0 before the first */
	/* The dataplane's last COUNTERS_SNAPSHOT (ctl_server.c polls it every
	 * second while connected); n = 0 before the first. */
	struct ctl_counters dp_counters;
	uint64_t dp_counters_at; /* Unix seconds of that snapshot */

	struct cp_stats stats;
	bool verbose; /* -v: log every control-channel message received */
};

/* ---- cp_state.c (cp_main.c holds only main()) ---- */

/* The REST secrets in force, newest first: the config file's
 * turn.rest_secrets, then the ones Redis holds (coturn's set
 * turn/realm/<realm>/secret), without duplicates, at most
 * STUN_REST_MAX_SECRETS. The ICE API mints with the first. */
void cp_rest_secrets(const struct cp *cp, struct stun_rest_secrets *out);

/* Whether @key (@len bytes, as the caller sent it) is an API key: its
 * SHA-256 is among cc.api_keys or among the hashes Redis holds. */
bool cp_api_key_valid(const struct cp *cp, const char *key, size_t len);

/* Something the dataplane should hear changed (Redis's secrets, peer
 * sets or quotas; a reload): push it again if connected. */
void cp_policy_changed(struct cp *cp);

/* SIGHUP and `turnpikectl reload`: re-read the file (both groups);
 * on success, push secrets/peer rules/quotas to the dataplane, reload the
 * HTTP TLS certificate, re-read Redis's policy and tell the dataplane to
 * RELOAD. A bad file changes nothing. 0 or -EINVAL with @err filled. */
int cp_reload(struct cp *cp, char *err, size_t errlen);

/* Bind and listen on a unix stream socket at @path with file mode @mode
 * (the control and admin sockets): creates the parent directory (0755)
 * if missing, removes a stale socket file nobody answers on, refuses a
 * live one or a path that is not a socket. Returns the non-blocking
 * listening fd, or -errno with @err filled ("<path>: <problem>"). */
int cp_unix_listen(const char *path, unsigned int mode, char *err, size_t errlen);

/* ---- ctl_server.c ---- */

/* Listen on cc.socket (removing a stale socket file first). NULL with a
 * message on stderr. */
struct cp_chan *cp_chan_create(struct cp *cp);
void cp_chan_destroy(struct cp_chan *ch);
/* Push REST_SECRETS, PEER_RULES and QUOTAS now (no-op if no dataplane). */
void cp_chan_push_policy(struct cp_chan *ch);
/* Send DRAIN / RELOAD. 0, or -ENOTCONN without a dataplane. */
int cp_chan_drain(struct cp_chan *ch);
int cp_chan_reload(struct cp_chan *ch);

/* ---- redis_store.c (see redis_store.h for the details) ---- */

/* What Redis said about the realm at its last successful refresh. */
struct cp_redis_policy {
	bool valid;                    /* at least one refresh succeeded */
	struct stun_rest_secrets secrets;
	unsigned int n_allow, n_deny;  /* turn/realm/<r>/allowed-peer-ip, denied-peer-ip */
	char allow[CTL_MAX_RULES][CTL_MAX_RULE + 1];
	char deny[CTL_MAX_RULES][CTL_MAX_RULE + 1];
	bool has_user_quota, has_total_quota, has_max_bps;
	uint32_t user_quota, total_quota;
	uint64_t max_bps;
};

/* ---- metrics.c ---- */

/* Append the Prometheus text exposition of everything (dataplane
 * counters from cp->dp_counters, cp->stats, connection states). No
 * per-username labels. */
void cp_metrics_render(const struct cp *cp, struct evbuffer *out);

#endif

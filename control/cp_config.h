/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * turnpike-control's configuration: the `control` group of the same
 * libconfig file the dataplane reads (the dataplane reads only
 * control.socket from it, and the addresses it must never relay to).
 * The rest of the file (realm, users, REST secrets, network addresses,
 * listen port, peers, limits) is loaded with the dataplane's own
 * tp_config_load, so both processes agree on it.
 *
 *   struct cp_config cc;
 *   char err[512];
 *   if (cp_config_load("configs/local.conf", &cc, err, sizeof(err)) != 0)
 *       fprintf(stderr, "%s\n", err);   // "<file>:<line>: control.http.listen: ..."
 *
 * Same rules as the dataplane's loader: every error names file, line
 * and dotted key; unknown keys inside `control` are errors.
 *
 * The group (every key optional unless said; docs/configuration.md):
 *
 *   control = {
 *     socket = "/run/turnpike/control.sock";    // control channel (default)
 *     admin_socket = "/run/turnpike/admin.sock"; // turnpikectl (default)
 *     http = {
 *       listen = "127.0.0.1:8080";   // "ADDR:PORT" or "[V6]:PORT"; "" = no HTTP
 *       tls_cert = ""; tls_key = "";  // PEM files; both set = HTTPS
 *       cors_origins = [ "*" ];       // default none: no CORS headers
 *       rate = 10; burst = 20;        // requests/s per API key (token bucket)
 *       ui = true;                    // serve the ICE test page at /ui/ice-test
 *     };
 *     api_keys = [ "demo-key", "sha256:<64 hex>" ];  // plain or hashed
 *     ice = {
 *       urls = [ "stun:turn.example.com:3478",
 *                "turn:turn.example.com:3478?transport=udp" ];
 *       // default: stun:ADDR:PORT and turn:ADDR:PORT?transport=udp for
 *       // each network.addresses entry (IPv6 in brackets), PORT =
 *       // network.listen_port: exactly what the dataplane serves.
 *       ttl = 86400;       // default credential lifetime, seconds
 *       max_ttl = 172800;  // a larger ?ttl= is clamped to this
 *     };
 *     redis = {            // absent: no Redis (config-file credentials)
 *       host = "127.0.0.1"; port = 6379; db = 0;
 *       user = ""; password = "";          // AUTH [user] password
 *       tls = false; tls_ca = ""; tls_cert = ""; tls_key = "";
 *       tls_sni = ""; tls_verify = true;
 *       connect_timeout_ms = 2000;
 *       key_ttl = 60;      // seconds the dataplane may cache a key
 *       cache_ttl = 300;   // seconds a key read from Redis keeps working
 *                          // while Redis is unreachable
 *       refresh = 5;       // seconds between re-reads of secrets, peer
 *                          // sets and quotas (keyspace events or not)
 *       stats = true;      // publish statsdb allocation events
 *       status_grace = 60; // status key TTL = lifetime + this
 *     };
 *   };
 */
#ifndef TP_CP_CONFIG_H
#define TP_CP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CP_CFG_STR 256
#define CP_CFG_MAX_API_KEYS 32
#define CP_CFG_MAX_ORIGINS 16
#define CP_CFG_MAX_URLS 16

/* The same path as TP_CONTROL_SOCKET_DEFAULT (dataplane/config.h), which
 * the dataplane uses for a control group without `socket`. */
#define CP_DEFAULT_SOCKET "/run/turnpike/control.sock"
#define CP_DEFAULT_ADMIN_SOCKET "/run/turnpike/admin.sock"

struct cp_redis_config {
	bool enabled;               /* the redis group is present */
	char host[CP_CFG_STR];      /* default "127.0.0.1" */
	uint16_t port;              /* default 6379 */
	unsigned int db;            /* default 0 */
	char user[CP_CFG_STR];      /* "" = AUTH password only */
	char password[CP_CFG_STR];  /* "" = no AUTH */
	bool tls;
	char tls_ca[CP_CFG_STR];
	char tls_cert[CP_CFG_STR];
	char tls_key[CP_CFG_STR];
	char tls_sni[CP_CFG_STR];
	bool tls_verify;            /* default true */
	uint32_t connect_timeout_ms; /* default 2000 */
	uint32_t key_ttl;           /* default 60 */
	uint32_t cache_ttl;         /* default 300 */
	uint32_t refresh;           /* default 5, at least 1 */
	bool stats;                 /* default true */
	uint32_t status_grace;      /* default 60 */
};

struct cp_api_key {
	/* SHA-256 of the key: config keys are hashed at load, so the plain
	 * text is not kept in memory longer than the load. */
	uint8_t sha256[32];
};

struct cp_config {
	char path[CP_CFG_STR];
	char socket[CP_CFG_STR];
	char admin_socket[CP_CFG_STR];

	char http_listen[CP_CFG_STR]; /* "" = no HTTP server */
	char tls_cert[CP_CFG_STR];
	char tls_key[CP_CFG_STR];
	char cors_origins[CP_CFG_MAX_ORIGINS][CP_CFG_STR];
	unsigned int n_cors_origins;
	uint32_t rate;  /* default 10 */
	uint32_t burst; /* default 20 */
	bool http_ui;   /* serve /ui/ice-test; default true */

	struct cp_api_key api_keys[CP_CFG_MAX_API_KEYS];
	unsigned int n_api_keys;

	char ice_urls[CP_CFG_MAX_URLS][CP_CFG_STR]; /* n = 0: derived */
	unsigned int n_ice_urls;
	uint32_t ice_ttl;     /* default 86400 */
	uint32_t ice_max_ttl; /* default 172800 */

	struct cp_redis_config redis;
};

void cp_config_defaults(struct cp_config *cc);

/* Load the `control` group of @path (defaults for anything absent, and
 * for the whole group if there is none). 0, or -EINVAL with one message
 * in @err as tp_config_load writes them. */
int cp_config_load(const char *path, struct cp_config *cc, char *err, size_t errlen);

#endif

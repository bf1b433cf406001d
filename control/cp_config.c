/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `control` group of the configuration file (cp_config.h).
 *
 * Same rules as the dataplane's loader (dataplane/config.c): a fixed
 * schema walked group by group, unknown keys are errors, the first
 * problem ends the load with "<file>:<line>: <dotted key>: <problem>".
 * The rest of the file is not looked at here: tp_config_load checks it.
 *
 * API keys written in plain text are hashed with SHA-256 as they are
 * read, and the plain text is wiped from our buffers and from libconfig's
 * copy before the file is closed, so only hashes live on in memory.
 *
 * Runs at start-up and on reload only, so clarity beats speed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <libconfig.h>
#include <openssl/sha.h>

#include "config_util.h"
#include "cp_config.h"
#include "stun_cred.h"

/* Policy bounds; all below 2^31 (see dataplane/config.c on libconfig's
 * silent truncation of large literals). */
#define RATE_MAX 1000000
#define TTL_MAX (30u * 86400u) /* a month: longer-lived credentials are not ephemeral */
#define REDIS_DB_MAX 65535
#define TIMEOUT_MS_MAX 60000
#define KEY_TTL_MAX 86400
#define CACHE_TTL_MAX (7u * 86400u)
#define REFRESH_MAX 3600
#define GRACE_MAX 86400
#define SHA256_PREFIX "sha256:"

struct loader {
	const char *path;
	char *err;
	size_t errlen;
	struct cp_config *cc;
};

void
cp_config_defaults(struct cp_config *cc)
{
	struct cp_redis_config *r = &cc->redis;

	memset(cc, 0, sizeof(*cc));
	snprintf(cc->socket, sizeof(cc->socket), "%s", CP_DEFAULT_SOCKET);
	snprintf(cc->admin_socket, sizeof(cc->admin_socket), "%s", CP_DEFAULT_ADMIN_SOCKET);
	/* Loopback only: exposing the API is a decision the operator makes. */
	snprintf(cc->http_listen, sizeof(cc->http_listen), "%s", "127.0.0.1:8080");
	cc->rate = 10;
	cc->burst = 20;
	cc->http_ui = true;
	cc->ice_ttl = 86400;
	cc->ice_max_ttl = 172800;

	r->enabled = false;
	snprintf(r->host, sizeof(r->host), "%s", "127.0.0.1");
	r->port = 6379;
	r->tls_verify = true;
	r->connect_timeout_ms = 2000;
	r->key_ttl = 60;
	r->cache_ttl = 300;
	r->refresh = 5;
	r->stats = true;
	r->status_grace = 60;
}

/* ---- error reporting (the same format as dataplane/config.c) ---- */

/* "<file>:<line>: <key>: <problem>"; returns -EINVAL for `return report()`. */
static int __attribute__((format(printf, 3, 4)))
report(struct loader *ld, const config_setting_t *s, const char *fmt, ...)
{
	char key[192], msg[256];
	const char *file = config_setting_source_file(s);
	unsigned int line = config_setting_source_line(s);
	va_list ap;

	tp_cfg_key_path(s, key, sizeof(key));
	if (file == NULL)
		file = ld->path;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return tp_cfg_error(ld->err, ld->errlen, file, line, key, msg);
}

static int
wrong_type(struct loader *ld, const config_setting_t *s, const char *want)
{
	return report(ld, s, "expected %s, got %s", want, tp_cfg_type_name(config_setting_type(s)));
}

static int
check_group(struct loader *ld, const config_setting_t *g, const char *const known[])
{
	if (!config_setting_is_group(g))
		return wrong_type(ld, g, "a group");
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned int)i);
		size_t k;

		for (k = 0; known[k] != NULL; k++)
			if (strcmp(known[k], config_setting_name(m)) == 0)
				break;
		if (known[k] == NULL)
			return report(ld, m, "unknown setting");
	}
	return 0;
}

static int
check_seq(struct loader *ld, const config_setting_t *s, unsigned int max)
{
	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return wrong_type(ld, s, "a list");
	if ((unsigned int)config_setting_length(s) > max)
		return report(ld, s, "%d entries, at most %u allowed", config_setting_length(s), max);
	return 0;
}

static int
opt_u32(struct loader *ld, const config_setting_t *g, const char *name, uint32_t min, uint32_t max,
	uint32_t *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	long long v;

	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64)
		return wrong_type(ld, s, "an integer");
	v = config_setting_get_int64(s);
	if (v < min || v > max)
		return report(ld, s, "%lld is out of range (%u..%u)", v, min, max);
	*out = (uint32_t)v;
	return 0;
}

static int
opt_bool(struct loader *ld, const config_setting_t *g, const char *name, bool *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);

	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return wrong_type(ld, s, "a boolean (true or false)");
	*out = config_setting_get_bool(s) != 0;
	return 0;
}

/* Printable ASCII without spaces: URLs, origins, host names, API keys. */
static bool
is_token(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s <= 0x20 || *s >= 0x7f)
			return false;
	return true;
}

static int
get_str(struct loader *ld, const config_setting_t *s, char *buf, size_t size, bool allow_empty)
{
	const char *v;
	size_t len;

	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return wrong_type(ld, s, "a string");
	v = config_setting_get_string(s);
	len = strlen(v);
	if (len == 0 && !allow_empty)
		return report(ld, s, "must not be empty");
	if (len >= size)
		return report(ld, s, "too long (%zu bytes, at most %zu)", len, size - 1);
	memcpy(buf, v, len + 1);
	return 0;
}

static int
opt_str(struct loader *ld, const config_setting_t *g, const char *name, char *buf, size_t size,
	bool allow_empty)
{
	const config_setting_t *s = config_setting_get_member(g, name);

	return s != NULL ? get_str(ld, s, buf, size, allow_empty) : 0;
}

/* ---- checks ---- */

/* "ADDR:PORT" with a dotted IPv4 address, or "[V6]:PORT"; the port is
 * 1..65535. No host names: the HTTP server binds without resolving. */
static bool
listen_valid(const char *s)
{
	const char *colon, *host_end;
	char host[INET6_ADDRSTRLEN + 1];
	unsigned char tmp[16];
	unsigned long port;
	size_t hlen;
	char *end;
	int af;

	if (s[0] == '[') {
		host_end = strchr(s, ']');
		if (host_end == NULL || host_end[1] != ':')
			return false;
		colon = host_end + 1;
		s++;
		af = AF_INET6;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return false;
		host_end = colon;
		af = AF_INET;
	}
	hlen = (size_t)(host_end - s);
	if (hlen == 0 || hlen >= sizeof(host))
		return false;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (inet_pton(af, host, tmp) != 1)
		return false;
	if (colon[1] < '0' || colon[1] > '9')
		return false;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	return errno == 0 && *end == '\0' && port >= 1 && port <= 65535;
}

static int
check_socket_path(struct loader *ld, const config_setting_t *s, const char *path)
{
	struct sockaddr_un sun;

	if (path[0] != '/')
		return report(ld, s, "\"%s\" is not an absolute path", path);
	if (strlen(path) >= sizeof(sun.sun_path))
		return report(ld, s, "too long for a unix socket (%zu bytes, at most %zu)",
			      strlen(path), sizeof(sun.sun_path) - 1);
	return 0;
}

/* One api_keys entry into @out: "sha256:<64 hex>" as is, anything else
 * hashed. The plain text is wiped in libconfig's copy too. */
static int
load_api_key(struct loader *ld, const config_setting_t *s, struct cp_api_key *out)
{
	const char *v;
	size_t len, plen = strlen(SHA256_PREFIX);

	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return wrong_type(ld, s, "a string");
	v = config_setting_get_string(s);
	len = strlen(v);
	if (len == 0)
		return report(ld, s, "must not be empty");
	if (!is_token(v))
		return report(ld, s, "spaces or control characters are not allowed in a key");
	if (len >= plen && strncmp(v, SHA256_PREFIX, plen) == 0) {
		if (len != plen + 64)
			return report(ld, s, "\"sha256:\" must be followed by 64 hex digits");
		if (stun_key_from_hex(v + plen, 64, out->sha256, sizeof(out->sha256)) != 0)
			return report(ld, s, "\"sha256:\" must be followed by 64 hex digits");
		return 0;
	}
	SHA256((const unsigned char *)v, len, out->sha256);
	/* libconfig owns the string; it is ours to wipe before it is freed. */
	explicit_bzero((char *)(uintptr_t)v, len);
	return 0;
}

/* ---- groups ---- */

static int
load_http(struct loader *ld, const config_setting_t *g)
{
	static const char *const known[] = { "listen", "tls_cert", "tls_key", "cors_origins",
					     "rate", "burst", "ui", NULL };
	struct cp_config *cc = ld->cc;
	const config_setting_t *s, *cert, *key;
	int rc;

	if ((rc = check_group(ld, g, known)) != 0)
		return rc;
	if ((s = config_setting_get_member(g, "listen")) != NULL) {
		if ((rc = get_str(ld, s, cc->http_listen, sizeof(cc->http_listen), true)) != 0)
			return rc;
		if (cc->http_listen[0] != '\0' && !listen_valid(cc->http_listen))
			return report(ld, s,
				      "\"%s\" is not ADDR:PORT or [IPV6]:PORT (port 1..65535)",
				      cc->http_listen);
	}
	if ((rc = opt_str(ld, g, "tls_cert", cc->tls_cert, sizeof(cc->tls_cert), true)) != 0 ||
	    (rc = opt_str(ld, g, "tls_key", cc->tls_key, sizeof(cc->tls_key), true)) != 0)
		return rc;
	cert = config_setting_get_member(g, "tls_cert");
	key = config_setting_get_member(g, "tls_key");
	if ((cc->tls_cert[0] == '\0') != (cc->tls_key[0] == '\0'))
		return report(ld, cc->tls_cert[0] != '\0' ? cert : key,
			      "tls_cert and tls_key must be set together");

	if ((s = config_setting_get_member(g, "cors_origins")) != NULL) {
		if ((rc = check_seq(ld, s, CP_CFG_MAX_ORIGINS)) != 0)
			return rc;
		for (unsigned int i = 0; i < (unsigned int)config_setting_length(s); i++) {
			const config_setting_t *e = config_setting_get_elem(s, i);
			char *o = cc->cors_origins[i];

			if ((rc = get_str(ld, e, o, CP_CFG_STR, false)) != 0)
				return rc;
			if (strcmp(o, "*") != 0 && ((strncmp(o, "http://", 7) != 0 &&
						     strncmp(o, "https://", 8) != 0) ||
						    !is_token(o)))
				return report(ld, e,
					      "\"%s\" is not \"*\" or an http:// or https:// origin",
					      o);
			cc->n_cors_origins = i + 1;
		}
	}
	if ((rc = opt_u32(ld, g, "rate", 1, RATE_MAX, &cc->rate)) != 0 ||
	    (rc = opt_u32(ld, g, "burst", 1, RATE_MAX, &cc->burst)) != 0 ||
	    (rc = opt_bool(ld, g, "ui", &cc->http_ui)) != 0)
		return rc;
	return 0;
}

static int
load_api_keys(struct loader *ld, const config_setting_t *s)
{
	struct cp_config *cc = ld->cc;
	int rc;

	if ((rc = check_seq(ld, s, CP_CFG_MAX_API_KEYS)) != 0)
		return rc;
	for (unsigned int i = 0; i < (unsigned int)config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);

		if ((rc = load_api_key(ld, e, &cc->api_keys[i])) != 0)
			return rc;
		for (unsigned int j = 0; j < i; j++)
			if (memcmp(cc->api_keys[j].sha256, cc->api_keys[i].sha256, 32) == 0)
				return report(ld, e, "same key as api_keys[%u]", j);
		cc->n_api_keys = i + 1;
	}
	return 0;
}

static int
load_ice(struct loader *ld, const config_setting_t *g)
{
	static const char *const known[] = { "urls", "ttl", "max_ttl", NULL };
	static const char *const schemes[] = { "stun:", "stuns:", "turn:", "turns:", NULL };
	struct cp_config *cc = ld->cc;
	const config_setting_t *s;
	int rc;

	if ((rc = check_group(ld, g, known)) != 0)
		return rc;
	if ((s = config_setting_get_member(g, "urls")) != NULL) {
		if ((rc = check_seq(ld, s, CP_CFG_MAX_URLS)) != 0)
			return rc;
		for (unsigned int i = 0; i < (unsigned int)config_setting_length(s); i++) {
			const config_setting_t *e = config_setting_get_elem(s, i);
			char *u = cc->ice_urls[i];
			size_t k;

			if ((rc = get_str(ld, e, u, CP_CFG_STR, false)) != 0)
				return rc;
			for (k = 0; schemes[k] != NULL; k++)
				if (strncmp(u, schemes[k], strlen(schemes[k])) == 0 &&
				    u[strlen(schemes[k])] != '\0')
					break;
			if (schemes[k] == NULL || !is_token(u))
				return report(ld, e,
					      "\"%s\" is not a stun:, stuns:, turn: or turns: URL",
					      u);
			cc->n_ice_urls = i + 1;
		}
	}
	if ((rc = opt_u32(ld, g, "max_ttl", 1, TTL_MAX, &cc->ice_max_ttl)) != 0 ||
	    (rc = opt_u32(ld, g, "ttl", 1, TTL_MAX, &cc->ice_ttl)) != 0)
		return rc;
	if (cc->ice_ttl > cc->ice_max_ttl) {
		s = config_setting_get_member(g, "ttl");
		return report(ld, s != NULL ? s : config_setting_get_member(g, "max_ttl"),
			      "ttl %u is above max_ttl %u", cc->ice_ttl, cc->ice_max_ttl);
	}
	return 0;
}

static int
load_redis(struct loader *ld, const config_setting_t *g)
{
	static const char *const known[] = { "host", "port", "db", "user", "password", "tls",
					     "tls_ca", "tls_cert", "tls_key", "tls_sni",
					     "tls_verify", "connect_timeout_ms", "key_ttl",
					     "cache_ttl", "refresh", "stats", "status_grace", NULL };
	struct cp_redis_config *r = &ld->cc->redis;
	const config_setting_t *s;
	uint32_t port = r->port;
	int rc;

	if ((rc = check_group(ld, g, known)) != 0)
		return rc;
	r->enabled = true;
	if ((s = config_setting_get_member(g, "host")) != NULL) {
		if ((rc = get_str(ld, s, r->host, sizeof(r->host), false)) != 0)
			return rc;
		if (!is_token(r->host))
			return report(ld, s, "spaces or control characters in a host name");
	}
	if ((rc = opt_u32(ld, g, "port", 1, 65535, &port)) != 0 ||
	    (rc = opt_u32(ld, g, "db", 0, REDIS_DB_MAX, &r->db)) != 0 ||
	    (rc = opt_str(ld, g, "user", r->user, sizeof(r->user), true)) != 0 ||
	    (rc = opt_str(ld, g, "password", r->password, sizeof(r->password), true)) != 0 ||
	    (rc = opt_bool(ld, g, "tls", &r->tls)) != 0 ||
	    (rc = opt_str(ld, g, "tls_ca", r->tls_ca, sizeof(r->tls_ca), true)) != 0 ||
	    (rc = opt_str(ld, g, "tls_cert", r->tls_cert, sizeof(r->tls_cert), true)) != 0 ||
	    (rc = opt_str(ld, g, "tls_key", r->tls_key, sizeof(r->tls_key), true)) != 0 ||
	    (rc = opt_str(ld, g, "tls_sni", r->tls_sni, sizeof(r->tls_sni), true)) != 0 ||
	    (rc = opt_bool(ld, g, "tls_verify", &r->tls_verify)) != 0 ||
	    (rc = opt_u32(ld, g, "connect_timeout_ms", 1, TIMEOUT_MS_MAX,
			  &r->connect_timeout_ms)) != 0 ||
	    (rc = opt_u32(ld, g, "key_ttl", 1, KEY_TTL_MAX, &r->key_ttl)) != 0 ||
	    (rc = opt_u32(ld, g, "cache_ttl", 0, CACHE_TTL_MAX, &r->cache_ttl)) != 0 ||
	    (rc = opt_u32(ld, g, "refresh", 1, REFRESH_MAX, &r->refresh)) != 0 ||
	    (rc = opt_bool(ld, g, "stats", &r->stats)) != 0 ||
	    (rc = opt_u32(ld, g, "status_grace", 0, GRACE_MAX, &r->status_grace)) != 0)
		return rc;
	r->port = (uint16_t)port;
	if ((r->tls_cert[0] == '\0') != (r->tls_key[0] == '\0'))
		return report(ld,
			      config_setting_get_member(g, r->tls_cert[0] != '\0' ? "tls_cert"
										 : "tls_key"),
			      "tls_cert and tls_key must be set together");
	if (r->user[0] != '\0' && r->password[0] == '\0')
		return report(ld, config_setting_get_member(g, "user"),
			      "a user needs a password (AUTH user password)");
	return 0;
}

static int
load_control(struct loader *ld, const config_setting_t *g)
{
	static const char *const known[] = { "socket", "admin_socket", "http", "api_keys",
					     "ice", "redis", NULL };
	struct cp_config *cc = ld->cc;
	const config_setting_t *s;
	int rc;

	if ((rc = check_group(ld, g, known)) != 0)
		return rc;
	if ((s = config_setting_get_member(g, "socket")) != NULL &&
	    ((rc = get_str(ld, s, cc->socket, sizeof(cc->socket), false)) != 0 ||
	     (rc = check_socket_path(ld, s, cc->socket)) != 0))
		return rc;
	if ((s = config_setting_get_member(g, "admin_socket")) != NULL &&
	    ((rc = get_str(ld, s, cc->admin_socket, sizeof(cc->admin_socket), false)) != 0 ||
	     (rc = check_socket_path(ld, s, cc->admin_socket)) != 0))
		return rc;
	if (strcmp(cc->socket, cc->admin_socket) == 0)
		return report(ld, s != NULL ? s : config_setting_get_member(g, "socket"),
			      "socket and admin_socket are the same path");
	if ((s = config_setting_get_member(g, "http")) != NULL && (rc = load_http(ld, s)) != 0)
		return rc;
	if ((s = config_setting_get_member(g, "api_keys")) != NULL &&
	    (rc = load_api_keys(ld, s)) != 0)
		return rc;
	if ((s = config_setting_get_member(g, "ice")) != NULL && (rc = load_ice(ld, s)) != 0)
		return rc;
	if ((s = config_setting_get_member(g, "redis")) != NULL && (rc = load_redis(ld, s)) != 0)
		return rc;
	return 0;
}

/* Wipe every api_keys string still in libconfig's tree: on an error part
 * way through the list, later entries were never hashed (nor wiped). */
static void
wipe_api_keys(config_t *lc)
{
	const config_setting_t *keys = config_lookup(lc, "control.api_keys");

	if (keys == NULL || (!config_setting_is_array(keys) && !config_setting_is_list(keys)))
		return;
	for (int i = 0; i < config_setting_length(keys) && i < 4096; i++) {
		const config_setting_t *e = config_setting_get_elem(keys, (unsigned int)i);
		const char *v = config_setting_type(e) == CONFIG_TYPE_STRING
					? config_setting_get_string(e)
					: NULL;

		if (v != NULL)
			explicit_bzero((char *)(uintptr_t)v, strlen(v));
	}
}

/*
 * Read @path and load its `control` group into @cc (defaults first). The
 * whole file is parsed (libconfig has no partial read), so a syntax
 * error anywhere is reported here as tp_config_load reports it.
 */
int
cp_config_load(const char *path, struct cp_config *cc, char *err, size_t errlen)
{
	struct loader ld = { .path = path, .err = err, .errlen = errlen, .cc = cc };
	const config_setting_t *g;
	config_t lc;
	int rc;

	if (errlen > 0)
		err[0] = '\0';
	if (path == NULL || cc == NULL)
		return -EINVAL;
	cp_config_defaults(cc);
	if (strlen(path) >= sizeof(cc->path)) {
		snprintf(err, errlen, "%s: path too long (at most %zu bytes)", path,
			 sizeof(cc->path) - 1);
		return -EINVAL;
	}
	snprintf(cc->path, sizeof(cc->path), "%s", path);

	if ((rc = tp_cfg_read(path, &lc, err, errlen)) != 0)
		return rc;
	g = config_setting_get_member(config_root_setting(&lc), "control");
	rc = g != NULL ? load_control(&ld, g) : 0;
	wipe_api_keys(&lc);
	config_destroy(&lc);
	return rc;
}

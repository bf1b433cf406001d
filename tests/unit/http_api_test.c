/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control plane's HTTP server in process: a struct cp filled by hand
 * (configs/local.conf for the addresses and the REST secret, a few
 * control settings), cp_http_create on 127.0.0.1:<free port>, and a
 * client on a second thread speaking raw HTTP/1.1 (or TLS through
 * OpenSSL) while the test's thread runs the libevent loop until the
 * client is done (at most 10 s per request).
 *
 * Checked: a 200 whose JSON parses and whose credential verifies with an
 * independent HMAC-SHA1; the TURN REST draft endpoint; 400/401/429 and
 * their bodies and headers; CORS; 404/405/414; oversized headers and
 * garbage leave the server serving; /healthz, /readyz, /metrics; no
 * REST secret -> 503; HTTPS with a throwaway certificate made with the
 * OpenSSL API, and swapping it with cp_http_reload_tls. The ICE test page
 * under /ui/: its files, types, security headers, 405/404, control.http.ui.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "cp.h"
#include "http_api.h"

#define RESP_MAX 65536
#define KEY_A "test-key-A"
#define KEY_B "test-key-B"

struct resp {
	int status;        /* 0: no status line received */
	bool reset;        /* the connection failed before EOF */
	size_t len;
	char raw[RESP_MAX + 1];
	const char *body;  /* into raw */
	size_t body_len;
	char hdrs[8192];   /* the header block, NUL-terminated */
};

struct fixture {
	struct cp *cp;
	struct cp_http *http;
	uint16_t port;
	char dir[64]; /* temp dir for TLS files, "" if none */
	/* The request in flight. */
	const char *req;
	size_t req_len;
	bool tls;
	X509 *peer;        /* TLS: the certificate the server showed */
	struct resp *r;
	atomic_int done;
};

/* ---- a free port ---- */

static uint16_t
free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	uint16_t port;

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* ---- the client thread ---- */

static int
connect_server(uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct timeval tv = {5, 0};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
parse_resp(struct resp *r)
{
	const char *end;
	size_t hl;

	r->raw[r->len] = '\0';
	if (sscanf(r->raw, "HTTP/1.%*1[01] %d", &r->status) != 1)
		r->status = 0;
	end = strstr(r->raw, "\r\n\r\n");
	if (end == NULL) {
		r->body = r->raw + r->len;
		r->body_len = 0;
		return;
	}
	hl = (size_t)(end - r->raw) + 2;
	if (hl >= sizeof(r->hdrs))
		hl = sizeof(r->hdrs) - 1;
	memcpy(r->hdrs, r->raw, hl);
	r->hdrs[hl] = '\0';
	r->body = end + 4;
	r->body_len = r->len - (size_t)(r->body - r->raw);
}

static void
plain_exchange(struct fixture *f)
{
	struct resp *r = f->r;
	size_t off = 0;
	int fd = connect_server(f->port);

	if (fd < 0) {
		r->reset = true;
		return;
	}
	while (off < f->req_len) {
		ssize_t n = send(fd, f->req + off, f->req_len - off, MSG_NOSIGNAL);
		if (n <= 0)
			break; /* the server may refuse early; read what it said */
		off += (size_t)n;
	}
	for (int i = 0; i < 1000 && r->len < RESP_MAX; i++) {
		ssize_t n = recv(fd, r->raw + r->len, RESP_MAX - r->len, 0);
		if (n == 0)
			break;
		if (n < 0) {
			r->reset = true;
			break;
		}
		r->len += (size_t)n;
	}
	close(fd);
}

static void
tls_exchange(struct fixture *f)
{
	struct resp *r = f->r;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl = NULL;
	char ca[128];
	int fd = -1;

	snprintf(ca, sizeof(ca), "%s/ca.pem", f->dir);
	if (ctx == NULL || SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1)
		goto out;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	fd = connect_server(f->port);
	if (fd < 0)
		goto out;
	ssl = SSL_new(ctx);
	if (ssl == NULL || SSL_set_fd(ssl, fd) != 1 || SSL_connect(ssl) != 1)
		goto out;
	f->peer = SSL_get1_peer_certificate(ssl);
	if (SSL_write(ssl, f->req, (int)f->req_len) != (int)f->req_len)
		goto out;
	for (int i = 0; i < 1000 && r->len < RESP_MAX; i++) {
		int n = SSL_read(ssl, r->raw + r->len, (int)(RESP_MAX - r->len));
		if (n <= 0) {
			int e = SSL_get_error(ssl, n);
			if (e != SSL_ERROR_ZERO_RETURN && e != SSL_ERROR_SYSCALL)
				r->reset = true;
			break;
		}
		r->len += (size_t)n;
	}
out:
	if (r->len == 0)
		r->reset = true;
	ERR_clear_error();
	if (ssl)
		SSL_free(ssl);
	if (fd >= 0)
		close(fd);
	SSL_CTX_free(ctx);
}

static void *
client_main(void *arg)
{
	struct fixture *f = arg;

	if (f->tls)
		tls_exchange(f);
	else
		plain_exchange(f);
	parse_resp(f->r);
	atomic_store(&f->done, 1);
	return NULL;
}

struct tick_arg {
	struct fixture *f;
	struct timespec deadline;
};

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	struct tick_arg *t = arg;
	struct timespec now;

	(void)fd;
	(void)what;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (atomic_load(&t->f->done) || now.tv_sec > t->deadline.tv_sec)
		event_base_loopbreak(t->f->cp->base);
}

/* Send @req (@len bytes) and run the loop until the response is in. */
static void
exchange(struct fixture *f, const char *req, size_t len, struct resp *r)
{
	struct timeval iv = {0, 2000};
	struct tick_arg t = {f, {0, 0}};
	struct event *ev;
	pthread_t th;

	memset(r, 0, sizeof(*r));
	f->req = req;
	f->req_len = len;
	f->r = r;
	atomic_store(&f->done, 0);
	clock_gettime(CLOCK_MONOTONIC, &t.deadline);
	t.deadline.tv_sec += 10;
	ev = event_new(f->cp->base, -1, EV_PERSIST, tick, &t);
	assert_non_null(ev);
	event_add(ev, &iv);
	assert_int_equal(pthread_create(&th, NULL, client_main, f), 0);
	event_base_dispatch(f->cp->base);
	assert_int_equal(pthread_join(th, NULL), 0);
	event_free(ev);
	assert_true(atomic_load(&f->done));
}

static void
get(struct fixture *f, const char *target, const char *extra, struct resp *r)
{
	char req[16384];
	int n = snprintf(req, sizeof(req),
			 "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s\r\n", target,
			 extra ? extra : "");

	assert_true(n > 0 && (size_t)n < sizeof(req));
	exchange(f, req, (size_t)n, r);
}

/* The value of response header @name (case-insensitive), copied into
 * @out; NULL if absent. */
static const char *
header(const struct resp *r, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);
	const char *p = strstr(r->hdrs, "\r\n");

	while (p != NULL && p[2] != '\0') {
		const char *line = p + 2, *eol = strstr(line, "\r\n");
		if (eol == NULL)
			break;
		if ((size_t)(eol - line) > nl && strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
			const char *v = line + nl + 1;
			while (*v == ' ')
				v++;
			snprintf(out, cap, "%.*s", (int)(eol - v), v);
			return out;
		}
		p = eol;
	}
	return NULL;
}

static bool
has_header(const struct resp *r, const char *name)
{
	char tmp[512];
	return header(r, name, tmp, sizeof(tmp)) != NULL;
}

static void
assert_header(const struct resp *r, const char *name, const char *want)
{
	char tmp[512];
	const char *v = header(r, name, tmp, sizeof(tmp));

	if (v == NULL)
		fail_msg("missing header %s in:\n%s", name, r->hdrs);
	assert_string_equal(v, want);
}

/* ---- a small strict JSON checker (RFC 8259 grammar) ---- */

struct jp {
	const char *p, *end;
	int depth;
};

static bool jp_value(struct jp *j);

static void
jp_ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static bool
jp_string(struct jp *j)
{
	if (j->p >= j->end || *j->p != '"')
		return false;
	j->p++;
	while (j->p < j->end && *j->p != '"') {
		unsigned char c = (unsigned char)*j->p;
		if (c < 0x20)
			return false;
		if (c == '\\') {
			j->p++;
			if (j->p >= j->end)
				return false;
			if (*j->p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (j->p + i >= j->end || !strchr("0123456789abcdefABCDEF", j->p[i]))
						return false;
				j->p += 4;
			} else if (!strchr("\"\\/bfnrt", *j->p)) {
				return false;
			}
		}
		j->p++;
	}
	if (j->p >= j->end)
		return false;
	j->p++;
	return true;
}

static bool
jp_number(struct jp *j)
{
	const char *s = j->p;

	if (j->p < j->end && *j->p == '-')
		j->p++;
	while (j->p < j->end && ((*j->p >= '0' && *j->p <= '9') || strchr(".eE+-", *j->p)))
		j->p++;
	return j->p > s;
}

static bool
jp_lit(struct jp *j, const char *lit)
{
	size_t n = strlen(lit);
	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
		return false;
	j->p += n;
	return true;
}

static bool
jp_value(struct jp *j)
{
	bool ok = true;

	if (++j->depth > 32)
		return false;
	jp_ws(j);
	if (j->p >= j->end)
		return false;
	if (*j->p == '{' || *j->p == '[') {
		char close = *j->p == '{' ? '}' : ']';
		bool obj = *j->p == '{';
		j->p++;
		jp_ws(j);
		if (j->p < j->end && *j->p == close) {
			j->p++;
		} else {
			for (;;) {
				jp_ws(j);
				if (obj) {
					if (!jp_string(j))
						return false;
					jp_ws(j);
					if (j->p >= j->end || *j->p++ != ':')
						return false;
				}
				if (!jp_value(j))
					return false;
				jp_ws(j);
				if (j->p >= j->end)
					return false;
				if (*j->p == ',') {
					j->p++;
					continue;
				}
				if (*j->p++ != close)
					return false;
				break;
			}
		}
	} else if (*j->p == '"') {
		ok = jp_string(j);
	} else if (*j->p == 't') {
		ok = jp_lit(j, "true");
	} else if (*j->p == 'f') {
		ok = jp_lit(j, "false");
	} else if (*j->p == 'n') {
		ok = jp_lit(j, "null");
	} else {
		ok = jp_number(j);
	}
	j->depth--;
	return ok;
}

static void
assert_json(const struct resp *r)
{
	struct jp j = {r->body, r->body + r->body_len, 0};
	char ct[128];

	assert_non_null(header(r, "Content-Type", ct, sizeof(ct)));
	assert_string_equal(ct, "application/json");
	assert_header(r, "Cache-Control", "no-store");
	if (!jp_value(&j))
		fail_msg("not JSON: %.*s", (int)r->body_len, r->body);
	jp_ws(&j);
	assert_true(j.p == j.end);
}

/* The string value of "key":"..." in a JSON body (our bodies never
 * escape inside these values), copied into @out. */
static const char *
json_str(const struct resp *r, const char *key, char *out, size_t cap)
{
	char pat[64];
	const char *p, *q;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	p = strstr(r->body, pat);
	if (p == NULL)
		return NULL;
	p += strlen(pat);
	q = strchr(p, '"');
	if (q == NULL)
		return NULL;
	snprintf(out, cap, "%.*s", (int)(q - p), p);
	return out;
}

static long long
json_int(const struct resp *r, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(r->body, pat);
	assert_non_null(p);
	return strtoll(p + strlen(pat), NULL, 10);
}

static void
assert_error(const struct resp *r, int status, const char *code)
{
	char v[128];

	if (r->status != status)
		fail_msg("status %d, want %d: %s", r->status, status, r->raw);
	assert_json(r);
	assert_non_null(json_str(r, "error", v, sizeof(v)));
	assert_string_equal(v, code);
	assert_non_null(json_str(r, "message", v, sizeof(v)));
	assert_true(strlen(v) > 0);
}

/* base64(HMAC-SHA1(secret, username)), computed here with OpenSSL's
 * own calls rather than the code under test. */
static void
expect_password(const char *secret, const char *username, char out[64])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;

	assert_non_null(HMAC(EVP_sha1(), secret, (int)strlen(secret),
			     (const unsigned char *)username, strlen(username), mac, &maclen));
	assert_int_equal(maclen, 20);
	assert_int_equal(EVP_EncodeBlock((unsigned char *)out, mac, (int)maclen), 28);
}

/* ---- fixture ---- */

static void
add_key(struct cp_config *cc, const char *key)
{
	SHA256((const unsigned char *)key, strlen(key), cc->api_keys[cc->n_api_keys++].sha256);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *root = getenv("TP_SOURCE_ROOT");
	char path[512], err[512];

	assert_non_null(f);
	f->cp = calloc(1, sizeof(*f->cp));
	assert_non_null(f->cp);
	f->cp->base = event_base_new();
	assert_non_null(f->cp->base);
	snprintf(path, sizeof(path), "%s/configs/local.conf", root ? root : ".");
	if (tp_config_load(path, &f->cp->tp, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	cp_config_defaults(&f->cp->cc);
	f->port = free_port();
	snprintf(f->cp->cc.http_listen, sizeof(f->cp->cc.http_listen), "127.0.0.1:%u", f->port);
	f->cp->cc.rate = 1;
	f->cp->cc.burst = 20;
	f->cp->cc.ice_ttl = 3600;
	f->cp->cc.ice_max_ttl = 7200;
	add_key(&f->cp->cc, KEY_A);
	add_key(&f->cp->cc, KEY_B);
	*state = f;
	return 0;
}

static void
start(struct fixture *f)
{
	f->http = cp_http_create(f->cp);
	assert_non_null(f->http);
	f->cp->http = f->http;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char p[128];

	cp_http_destroy(f->http);
	event_base_free(f->cp->base);
	if (f->peer)
		X509_free(f->peer);
	if (f->dir[0]) {
		static const char *const names[] = {"ca.pem", "cert.pem", "key.pem", "cert2.pem",
						    "key2.pem"};
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			snprintf(p, sizeof(p), "%s/%s", f->dir, names[i]);
			unlink(p);
		}
		rmdir(f->dir);
	}
	free(f->cp);
	free(f);
	return 0;
}

/* ---- tests ---- */

static void
check_minted(const struct resp *r, const char *user, long long ttl)
{
	char username[256], cred[64], want[64], when[64], exp_str[32];
	time_t now = time(NULL);
	long long expiry;
	struct tm tm;
	const char *colon;

	if (r->status != 200)
		fail_msg("status %d: %s", r->status, r->raw);
	assert_json(r);
	assert_non_null(json_str(r, "username", username, sizeof(username)));
	assert_non_null(json_str(r, "credential", cred, sizeof(cred)));
	/* "<expiry>:<user>" or a bare "<expiry>" */
	expiry = strtoll(username, NULL, 10);
	colon = strchr(username, ':');
	if (user) {
		assert_non_null(colon);
		assert_string_equal(colon + 1, user);
	} else {
		assert_null(colon);
	}
	assert_true(expiry >= (long long)now + ttl - 5 && expiry <= (long long)now + ttl + 5);
	assert_int_equal(json_int(r, "ttl"), ttl);
	/* configs/local.conf: rest_secrets = [ "demo-secret" ] */
	expect_password("demo-secret", username, want);
	assert_string_equal(cred, want);
	/* expiresAt is the same instant as the username's */
	{
		time_t e = (time_t)expiry;
		gmtime_r(&e, &tm);
		strftime(exp_str, sizeof(exp_str), "%Y-%m-%dT%H:%M:%SZ", &tm);
		assert_non_null(json_str(r, "expiresAt", when, sizeof(when)));
		assert_string_equal(when, exp_str);
	}
	/* the dataplane's parser takes it */
	{
		uint64_t e;
		const char *u;
		size_t ul;
		assert_int_equal(stun_rest_parse_username(username, strlen(username), ':', &e, &u,
							  &ul),
				 0);
		assert_true(e == (uint64_t)expiry);
	}
}

static void
test_ice_ok(void **state)
{
	struct fixture *f = *state;
	struct resp *r = malloc(sizeof(*r));

	start(f);
	get(f, "/v1/ice?ttl=600&username=alice", "Authorization: Bearer " KEY_A "\r\n", r);
	check_minted(r, "alice", 600);
	/* URLs derived from network.addresses and listen_port (local.conf),
	 * IPv6 in brackets, UDP only; STUN without credentials. */
	assert_non_null(strstr(r->body, "{\"iceServers\":[{\"urls\":[\"stun:198.18.0.2:3478\","
					 "\"stun:[2001:db8:1::2]:3478\"]},{\"urls\":["
					 "\"turn:198.18.0.2:3478?transport=udp\","
					 "\"turn:[2001:db8:1::2]:3478?transport=udp\"],"
					 "\"username\":"));
	assert_non_null(strstr(r->body, "\"iceTransportPolicy\":\"all\""));
	assert_header(r, "X-Content-Type-Options", "nosniff");
	assert_false(has_header(r, "Access-Control-Allow-Origin")); /* no origins configured */
	assert_int_equal(f->cp->stats.http_ice_ok, 1);
	assert_int_equal(f->cp->stats.http_status[2], 1);

	/* no username: a bare expiry; no ttl: control.ice.ttl; percent-encoded
	 * user id; a key with the scheme in lower case */
	get(f, "/v1/ice", "Authorization: Bearer " KEY_B "\r\n", r);
	check_minted(r, NULL, 3600);
	get(f, "/v1/ice?username=bob%40example.com&ttl=0",
	    "authorization: bearer " KEY_A "\r\n", r);
	check_minted(r, "bob@example.com", 1);
	/* a ttl above max_ttl is clamped, even one overflowing 64 bits */
	get(f, "/v1/ice?ttl=99999999999999999999", "Authorization: Bearer " KEY_A "\r\n", r);
	check_minted(r, NULL, 7200);
	/* HEAD: the headers, no body */
	{
		static const char head[] = "HEAD /v1/ice HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
					   "Authorization: Bearer " KEY_A "\r\n\r\n";
		exchange(f, head, sizeof(head) - 1, r);
		assert_int_equal(r->status, 200);
		assert_int_equal(r->body_len, 0);
	}
	assert_int_equal(f->cp->stats.http_ice_ok, 5);
	assert_int_equal(f->cp->stats.http_requests, 5);
	free(r);
}

static void
test_ice_urls_configured(void **state)
{
	struct fixture *f = *state;
	struct resp *r = malloc(sizeof(*r));
	struct cp_config *cc = &f->cp->cc;

	snprintf(cc->ice_urls[0], CP_CFG_STR, "stun:turn.example.com:3478");
	snprintf(cc->ice_urls[1], CP_CFG_STR, "turn:turn.example.com:3478?transport=udp");
	snprintf(cc->ice_urls[2], CP_CFG_STR, "turns:turn.example.com:443?transport=tcp");
	cc->n_ice_urls = 3;
	start(f);
	get(f, "/v1/ice", "Authorization: Bearer " KEY_A "\r\n", r);
	check_minted(r, NULL, 3600);
	assert_non_null(strstr(r->body, "{\"iceServers\":[{\"urls\":[\"stun:turn.example.com:3478\"]},"
					 "{\"urls\":[\"turn:turn.example.com:3478?transport=udp\","
					 "\"turns:turn.example.com:443?transport=tcp\"],"));
	assert_null(strstr(r->body, "198.18.0.2"));
	free(r);
}

static void
test_rest_draft(void **state)
{
	struct fixture *f = *state;
	struct resp *r = malloc(sizeof(*r));
	char pw[64], user[128], want[64];

	start(f);
	get(f, "/?service=turn&username=mbzrxpgjys&key=" KEY_A "&ttl=100", NULL, r);
	assert_int_equal(r->status, 200);
	assert_json(r);
	assert_non_null(json_str(r, "username", user, sizeof(user)));
	assert_non_null(json_str(r, "password", pw, sizeof(pw)));
	expect_password("demo-secret", user, want);
	assert_string_equal(pw, want);
	assert_non_null(strstr(user, ":mbzrxpgjys"));
	assert_int_equal(json_int(r, "ttl"), 100);
	/* uris: TURN URLs only */
	assert_non_null(strstr(r->body, "\"uris\":[\"turn:198.18.0.2:3478?transport=udp\","
					 "\"turn:[2001:db8:1::2]:3478?transport=udp\"]}"));
	assert_null(strstr(r->body, "stun:"));

	get(f, "/?service=stun&key=" KEY_A, NULL, r);
	assert_error(r, 400, "invalid_service");
	get(f, "/", NULL, r);
	assert_error(r, 400, "invalid_service");
	get(f, "/?service=turn", NULL, r);
	assert_error(r, 400, "missing_api_key");
	get(f, "/?service=turn&key=nope", NULL, r);
	assert_error(r, 401, "invalid_api_key");
	assert_true(has_header(r, "WWW-Authenticate"));
	get(f, "/?service=turn&key=" KEY_A "&key=" KEY_B, NULL, r);
	assert_error(r, 400, "invalid_query");
	free(r);
}

static void
test_auth_errors(void **state)
{
	struct fixture *f = *state;
	struct resp *r = malloc(sizeof(*r));
	char v[256];

	start(f);
	get(f, "/v1/ice", NULL, r);
	assert_error(r, 400, "missing_api_key");
	get(f, "/v1/ice", "Authorization: Bearer wrong-key\r\n", r);
	assert_error(r, 401, "invalid_api_key");
	assert_non_null(header(r, "WWW-Authenticate", v, sizeof(v)));
	assert_true(strncmp(v, "Bearer", 6) == 0);
	assert_int_equal(f->cp->stats.http_unauthorized, 1);
	get(f, "/v1/ice", "Authorization: Basic dXNlcjpwYXNz\r\n", r);
	assert_error(r, 400, "invalid_authorization");
	get(f, "/v1/ice", "Authorization: Bearer two words\r\n", r);
	assert_error(r, 400, "invalid_authorization");
	get(f, "/v1/ice", "Authorization: Bearer\r\n", r);
	assert_error(r, 400, "invalid_authorization");
	/* the key in the query does not count on /v1/ice */
	get(f, "/v1/ice?key=" KEY_A, NULL, r);
	assert_error(r, 400, "missing_api_key");

	/* parameters */
	get(f, "/v1/ice?ttl=abc", "Authorization: Bearer " KEY_A "\r\n", r);
	assert_error(r, 400, "invalid_ttl");
	get(f, "/v1/ice?ttl=-5", "Authorization: Bearer " KEY_A "\r\n", r);
	assert_error(r, 400, "invalid_ttl");
	get(f, "/v1/ice?username=a:b", "Authorization: Bearer " KEY_A "\r\n", r);
	assert_error(r, 400, "invalid_username");
	get(f, "/v1/ice?username=a%3Ab", "Authorization: Bearer " KEY_A "\r\n", r);
	assert_error(r, 400, "invalid_username");
	get(f, "/v1/ice?username=a+b", "Authorization: Bearer " KEY_A "\r\n", r);
	assert_error(r, 400, "invalid_username");
	get(f, "/v1/ice?username=%22%0a", "Authorization: Bearer " KEY_A "\r\n", r);
	assert_error(r, 400, "invalid_username");
	get(f, "/v1/ice?ttl=1&ttl=2", "Authorization: Bearer " KEY_A "\r\n", r);
	assert_error(r, 400, "invalid_query");
	get(f, "/v1/ice?username=%zz", "Authorization: Bearer " KEY_A "\r\n", r);
	assert_error(r, 400, "invalid_query");
	get(f, "/v1/ice?username=a%00", "Authorization: Bearer " KEY_A "\r\n", r);
	assert_error(r, 400, "invalid_query");
	assert_int_equal(f->cp->stats.http_ice_ok, 0);
	assert_int_equal(f->cp->stats.http_status[4], 15);
	free(r);
}

static void
test_rate_limit(void **state)
{
	struct fixture *f = *state;
	struct resp *r = malloc(sizeof(*r));
	char v[64];
	int ok = 0;

	f->cp->cc.burst = 3;
	f->cp->cc.rate = 1;
	start(f);
	/* burst 3 at 1/s: three pass, then 429 (a fourth may pass if a second
	 * went by meanwhile; allow that, but no more) */
	for (int i = 0; i < 6; i++) {
		get(f, "/v1/ice", "Authorization: Bearer " KEY_A "\r\n", r);
		if (r->status == 200)
			ok++;
		else
			break;
	}
	assert_true(ok >= 3 && ok <= 4);
	assert_error(r, 429, "rate_limited");
	assert_non_null(header(r, "Retry-After", v, sizeof(v)));
	assert_int_equal(atoi(v), 1); /* ceil(<= 1000 ms) */
	assert_int_equal(f->cp->stats.http_rate_limited, 1);
	/* another key has its own bucket */
	get(f, "/v1/ice", "Authorization: Bearer " KEY_B "\r\n", r);
	assert_int_equal(r->status, 200);
	/* a wrong key is refused as such, not as rate-limited */
	get(f, "/v1/ice", "Authorization: Bearer wrong\r\n", r);
	assert_int_equal(r->status, 401);
	/* after a second, one more */
	sleep(1);
	get(f, "/v1/ice", "Authorization: Bearer " KEY_A "\r\n", r);
	assert_int_equal(r->status, 200);
	free(r);
}

static void
test_cors(void **state)
{
	struct fixture *f = *state;
	struct resp *r = malloc(sizeof(*r));
	struct cp_config *cc = &f->cp->cc;
	static const char preflight[] =
		"OPTIONS /v1/ice HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
		"Origin: https://app.example.com\r\nAccess-Control-Request-Method: GET\r\n"
		"Access-Control-Request-Headers: authorization\r\n\r\n";

	snprintf(cc->cors_origins[0], CP_CFG_STR, "https://app.example.com");
	snprintf(cc->cors_origins[1], CP_CFG_STR, "http://localhost:3000");
	cc->n_cors_origins = 2;
	start(f);

	get(f, "/v1/ice", "Origin: https://app.example.com\r\nAuthorization: Bearer " KEY_A "\r\n",
	    r);
	assert_int_equal(r->status, 200);
	assert_header(r, "Access-Control-Allow-Origin", "https://app.example.com");
	assert_header(r, "Vary", "Origin");
	/* errors carry CORS too, so the page can read them */
	get(f, "/v1/ice", "Origin: http://localhost:3000\r\n", r);
	assert_error(r, 400, "missing_api_key");
	assert_header(r, "Access-Control-Allow-Origin", "http://localhost:3000");

	/* not allowed: no CORS headers at all */
	get(f, "/v1/ice", "Origin: https://evil.example\r\nAuthorization: Bearer " KEY_A "\r\n", r);
	assert_int_equal(r->status, 200);
	assert_false(has_header(r, "Access-Control-Allow-Origin"));
	assert_false(has_header(r, "Access-Control-Allow-Methods"));
	get(f, "/v1/ice", "Origin: https://app.example.com.evil.example\r\n", r);
	assert_false(has_header(r, "Access-Control-Allow-Origin"));

	/* preflight */
	exchange(f, preflight, sizeof(preflight) - 1, r);
	assert_int_equal(r->status, 204);
	assert_int_equal(r->body_len, 0);
	assert_header(r, "Access-Control-Allow-Origin", "https://app.example.com");
	assert_header(r, "Access-Control-Allow-Methods", "GET, OPTIONS");
	assert_header(r, "Access-Control-Allow-Headers", "Authorization, Content-Type");
	assert_header(r, "Access-Control-Max-Age", "600");
	assert_header(r, "Vary", "Origin");

	/* wildcard */
	cc->n_cors_origins = 1;
	snprintf(cc->cors_origins[0], CP_CFG_STR, "*");
	get(f, "/healthz", "Origin: https://anything.example\r\n", r);
	assert_int_equal(r->status, 200);
	assert_header(r, "Access-Control-Allow-Origin", "*");
	/* no Origin: nothing */
	get(f, "/healthz", NULL, r);
	assert_false(has_header(r, "Access-Control-Allow-Origin"));
	free(r);
}

static void
test_http_errors(void **state)
{
	struct fixture *f = *state;
	struct resp *r = malloc(sizeof(*r));
	char *big = malloc(32768);
	char v[128];
	int n;

	assert_non_null(big);
	start(f);
	get(f, "/nope", NULL, r);
	assert_error(r, 404, "not_found");
	get(f, "/v1/ice/", NULL, r);
	assert_error(r, 404, "not_found");

	{
		static const char post[] = "POST /v1/ice HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
					   "Content-Length: 2\r\n\r\n{}";
		exchange(f, post, sizeof(post) - 1, r);
		assert_error(r, 405, "method_not_allowed");
		assert_non_null(header(r, "Allow", v, sizeof(v)));
		assert_string_equal(v, "GET, HEAD, OPTIONS");
	}
	{
		static const char del[] = "DELETE /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
		exchange(f, del, sizeof(del) - 1, r);
		assert_error(r, 405, "method_not_allowed");
	}

	/* a 3000-byte URI: 414 */
	n = snprintf(big, 32768, "GET /v1/ice?username=");
	memset(big + n, 'u', 3000);
	n += 3000;
	n += snprintf(big + n, 32768 - (size_t)n, " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	exchange(f, big, (size_t)n, r);
	assert_error(r, 414, "uri_too_long");

	/* a 20 KiB header: refused by libevent (413) or the connection is cut;
	 * never a success, and the server keeps serving */
	n = snprintf(big, 32768, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ");
	memset(big + n, 'h', 20480);
	n += 20480;
	n += snprintf(big + n, 32768 - (size_t)n, "\r\nConnection: close\r\n\r\n");
	exchange(f, big, (size_t)n, r);
	assert_true(r->status == 0 || (r->status >= 400 && r->status < 500));
	get(f, "/healthz", NULL, r);
	assert_int_equal(r->status, 200);

	/* a body over the limit */
	n = snprintf(big, 32768, "POST /v1/ice HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
				 "Content-Length: 10000\r\n\r\n");
	memset(big + n, 'b', 10000);
	exchange(f, big, (size_t)n + 10000, r);
	assert_true(r->status == 0 || (r->status >= 400 && r->status < 500));

	/* garbage */
	{
		static const char junk[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n";
		exchange(f, junk, sizeof(junk) - 1, r);
		if (!(r->status == 0 || r->status == 400))
			fail_msg("garbage answered %d: %s", r->status, r->raw);
		exchange(f, "NOTAMETHOD / HTTP/1.1\r\n\r\n", 25, r);
		if (!(r->status == 0 || r->status == 400 || r->status == 501))
			fail_msg("unknown method answered %d: %s", r->status, r->raw);
		exchange(f, "GET /healthz HTTP/9.9\r\n\r\n", 25, r);
		assert_true(r->status == 0 || (r->status >= 400 && r->status < 600));
		exchange(f, "", 0, r); /* connect and say nothing: closed on the timeout,
					* after the test's own 5 s receive timeout */
		assert_int_equal(r->status, 0);
	}
	get(f, "/healthz", NULL, r);
	assert_int_equal(r->status, 200);
	free(big);
	free(r);
}

static void
test_health(void **state)
{
	struct fixture *f = *state;
	struct resp *r = malloc(sizeof(*r));
	char v[128];

	start(f);
	get(f, "/healthz", NULL, r);
	assert_int_equal(r->status, 200);
	assert_json(r);
	assert_int_equal(r->body_len, strlen("{\"status\":\"ok\"}"));
	assert_memory_equal(r->body, "{\"status\":\"ok\"}", r->body_len);

	f->cp->dp_connected = false;
	get(f, "/readyz", NULL, r);
	assert_error(r, 503, "not_ready");
	assert_non_null(strstr(r->body, "no dataplane"));
	f->cp->dp_connected = true;
	get(f, "/readyz", NULL, r);
	assert_int_equal(r->status, 200);
	assert_json(r);
	f->cp->dp_draining = true;
	get(f, "/readyz", NULL, r);
	assert_error(r, 503, "not_ready");
	assert_non_null(strstr(r->body, "draining"));

	f->cp->stats.http_ice_ok = 12345;
	get(f, "/metrics", NULL, r);
	assert_int_equal(r->status, 200);
	assert_non_null(header(r, "Content-Type", v, sizeof(v)));
	assert_string_equal(v, "text/plain; version=0.0.4; charset=utf-8");
	assert_true(r->body_len > 0);
	free(r);
}

static void
test_no_secret(void **state)
{
	struct fixture *f = *state;
	struct resp *r = malloc(sizeof(*r));

	f->cp->tp.rest.n = 0;
	start(f);
	get(f, "/v1/ice", "Authorization: Bearer " KEY_A "\r\n", r);
	assert_error(r, 503, "no_rest_secret");
	assert_non_null(strstr(r->body, "secret"));
	assert_int_equal(f->cp->stats.http_status[5], 1);
	free(r);
}

static void
test_bad_listen(void **state)
{
	struct fixture *f = *state;
	struct cp_http *h2;

	snprintf(f->cp->cc.http_listen, CP_CFG_STR, "nonsense");
	assert_null(cp_http_create(f->cp));
	snprintf(f->cp->cc.http_listen, CP_CFG_STR, "::1:80");
	assert_null(cp_http_create(f->cp));
	snprintf(f->cp->cc.http_listen, CP_CFG_STR, "127.0.0.1:99999");
	assert_null(cp_http_create(f->cp));
	/* in use */
	snprintf(f->cp->cc.http_listen, CP_CFG_STR, "127.0.0.1:%u", f->port);
	start(f);
	h2 = cp_http_create(f->cp);
	assert_null(h2);
	/* a missing key file */
	snprintf(f->cp->cc.http_listen, CP_CFG_STR, "127.0.0.1:%u", free_port());
	snprintf(f->cp->cc.tls_cert, CP_CFG_STR, "/nonexistent/cert.pem");
	assert_null(cp_http_create(f->cp));
	f->cp->cc.tls_cert[0] = '\0';
	/* plain HTTP: a TLS reload is a no-op */
	{
		char err[256];
		assert_int_equal(cp_http_reload_tls(f->http, err, sizeof(err)), 0);
	}
}

/* ---- the ICE test page (/ui/, docs/ice-test.md) ---- */

/* Whether the body holds @needle. */
static bool
body_has(const struct resp *r, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; i + n <= r->body_len; i++)
		if (memcmp(r->body + i, needle, n) == 0)
			return true;
	return false;
}

/* The headers every /ui/ file carries. */
static void
assert_ui_headers(const struct resp *r, const char *ctype)
{
	char v[512];

	assert_header(r, "Content-Type", ctype);
	assert_header(r, "Cache-Control", "no-store");
	assert_header(r, "X-Content-Type-Options", "nosniff");
	assert_header(r, "Referrer-Policy", "no-referrer");
	assert_non_null(header(r, "Content-Security-Policy", v, sizeof(v)));
	/* same origin only, and no inline script or style */
	assert_non_null(strstr(v, "default-src 'none'"));
	assert_non_null(strstr(v, "script-src 'self'"));
	assert_non_null(strstr(v, "connect-src 'self'"));
	assert_non_null(strstr(v, "form-action 'none'"));
	assert_null(strstr(v, "unsafe"));
	assert_null(strstr(v, "http"));
}

static void
test_ui(void **state)
{
	struct fixture *f = *state;
	struct resp *r = malloc(sizeof(*r));
	static const char *const ids[] = {
		"api-key", "run", "status", "turn-username", "turn-password", "video",
		"messages", "gather", "call", "errors", "result-json",
	};
	char v[128], id[64];
	size_t html_len;

	start(f);
	get(f, "/ui/ice-test", NULL, r);
	assert_int_equal(r->status, 200);
	assert_ui_headers(r, "text/html; charset=utf-8");
	assert_true(r->body_len > 1000);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		snprintf(id, sizeof(id), "id=\"%s\"", ids[i]);
		if (!body_has(r, id))
			fail_msg("the page has no element %s", id);
	}
	assert_true(body_has(r, "<pre id=\"result-json\">"));
	assert_true(body_has(r, "<script src=\"/ui/ice-test.js\""));
	/* nothing from elsewhere, nothing inline the CSP would block */
	assert_false(body_has(r, "http://") || body_has(r, "https://") || body_has(r, "//cdn"));
	assert_false(body_has(r, "<script>") || body_has(r, "<style") || body_has(r, " style="));
	assert_false(body_has(r, "onclick") || body_has(r, "onload"));
	html_len = r->body_len;

	/* the query (?key= for automation) does not change the route */
	get(f, "/ui/ice-test?key=x&auto=1&messages=5", NULL, r);
	assert_int_equal(r->status, 200);
	assert_int_equal(r->body_len, html_len);

	get(f, "/ui/ice-test.js", NULL, r);
	assert_int_equal(r->status, 200);
	assert_ui_headers(r, "text/javascript; charset=utf-8");
	assert_true(body_has(r, "window.iceTest"));
	assert_true(body_has(r, "'/v1/ice'"));
	assert_true(body_has(r, "iceTransportPolicy: 'relay'"));
	assert_false(body_has(r, "http://") || body_has(r, "https://"));
	assert_false(body_has(r, "console.log"));

	get(f, "/ui/ice-test.css", NULL, r);
	assert_int_equal(r->status, 200);
	assert_ui_headers(r, "text/css; charset=utf-8");
	assert_false(body_has(r, "url(") || body_has(r, "@import"));

	/* HEAD: the headers and length of GET, no body */
	{
		static const char head[] = "HEAD /ui/ice-test HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
		exchange(f, head, sizeof(head) - 1, r);
		assert_int_equal(r->status, 200);
		assert_ui_headers(r, "text/html; charset=utf-8");
		assert_non_null(header(r, "Content-Length", v, sizeof(v)));
		assert_int_equal(strtoul(v, NULL, 10), html_len);
		assert_int_equal(r->body_len, 0);
	}
	/* other methods: 405 like every endpoint */
	{
		static const char post[] = "POST /ui/ice-test HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
					   "Content-Length: 2\r\n\r\n{}";
		static const char put[] = "PUT /ui/ice-test.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
					  "Content-Length: 0\r\n\r\n";
		exchange(f, post, sizeof(post) - 1, r);
		assert_error(r, 405, "method_not_allowed");
		assert_header(r, "Allow", "GET, HEAD, OPTIONS");
		exchange(f, put, sizeof(put) - 1, r);
		assert_error(r, 405, "method_not_allowed");
	}
	/* only the embedded files exist */
	static const char *const missing[] = {
		"/ui/", "/ui", "/ui/nope", "/ui/ice-test.html", "/ui/ice-test/", "/ui/ice-test.jsx",
		"/ui/../v1/ice", "/ui/embed.py", "/UI/ice-test",
	};
	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		get(f, missing[i], NULL, r);
		if (r->status != 404)
			fail_msg("%s answered %d, want 404", missing[i], r->status);
		assert_error(r, 404, "not_found");
		assert_false(has_header(r, "Content-Security-Policy"));
	}

	/* control.http.ui = false: the page is gone, the API stays */
	f->cp->cc.http_ui = false;
	get(f, "/ui/ice-test", NULL, r);
	assert_error(r, 404, "not_found");
	get(f, "/ui/ice-test.js", NULL, r);
	assert_error(r, 404, "not_found");
	get(f, "/healthz", NULL, r);
	assert_int_equal(r->status, 200);
	free(r);
}

/* ---- TLS ---- */

/* A self-signed P-256 certificate with serial @serial into @dir/@cert
 * and its key into @dir/@key. */
static void
make_cert(const char *dir, const char *cert, const char *key, long serial)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name;
	char p[128], cn[64];
	FILE *fp;

	assert_non_null(k);
	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, k);
	/* Distinct subjects: the client trusts both, and OpenSSL finds an
	 * issuer by its name. */
	name = X509_get_subject_name(x);
	snprintf(cn, sizeof(cn), "turnpike test %ld", serial);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, name);
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	snprintf(p, sizeof(p), "%s/%s", dir, cert);
	fp = fopen(p, "w");
	assert_non_null(fp);
	assert_int_equal(PEM_write_X509(fp, x), 1);
	fclose(fp);
	snprintf(p, sizeof(p), "%s/%s", dir, key);
	fp = fopen(p, "w");
	assert_non_null(fp);
	assert_int_equal(PEM_write_PrivateKey(fp, k, NULL, NULL, 0, NULL, NULL), 1);
	fclose(fp);
	X509_free(x);
	EVP_PKEY_free(k);
}

/* Make @dir/ca.pem hold both certificates, so the client trusts either. */
static void
make_ca(const char *dir)
{
	char cmdbuf[4096];
	size_t n = 0;
	FILE *out;
	char p[128];

	snprintf(p, sizeof(p), "%s/ca.pem", dir);
	out = fopen(p, "w");
	assert_non_null(out);
	for (int i = 0; i < 2; i++) {
		FILE *in;
		snprintf(p, sizeof(p), "%s/%s", dir, i ? "cert2.pem" : "cert.pem");
		in = fopen(p, "r");
		assert_non_null(in);
		n = fread(cmdbuf, 1, sizeof(cmdbuf), in);
		fwrite(cmdbuf, 1, n, out);
		fclose(in);
	}
	fclose(out);
}

static long
peer_serial(struct fixture *f)
{
	long s;

	assert_non_null(f->peer);
	s = ASN1_INTEGER_get(X509_get0_serialNumber(f->peer));
	X509_free(f->peer);
	f->peer = NULL;
	return s;
}

static void
test_tls(void **state)
{
	struct fixture *f = *state;
	struct resp *r = malloc(sizeof(*r));
	struct cp_config *cc = &f->cp->cc;
	char err[512];

	snprintf(f->dir, sizeof(f->dir), "/tmp/tp-http-test-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	make_cert(f->dir, "cert.pem", "key.pem", 1);
	make_cert(f->dir, "cert2.pem", "key2.pem", 2);
	make_ca(f->dir);
	snprintf(cc->tls_cert, CP_CFG_STR, "%s/cert.pem", f->dir);
	snprintf(cc->tls_key, CP_CFG_STR, "%s/key.pem", f->dir);
	start(f);

	f->tls = true;
	get(f, "/v1/ice?username=tls-user", "Authorization: Bearer " KEY_A "\r\n", r);
	check_minted(r, "tls-user", 3600);
	assert_int_equal(peer_serial(f), 1);

	/* plain HTTP on the HTTPS port gets no answer */
	f->tls = false;
	get(f, "/healthz", NULL, r);
	assert_true(r->status != 200);
	f->tls = true;

	/* a key that does not match the certificate: refused, old one kept */
	snprintf(cc->tls_key, CP_CFG_STR, "%s/key2.pem", f->dir);
	assert_int_equal(cp_http_reload_tls(f->http, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "tls_key"));
	snprintf(cc->tls_cert, CP_CFG_STR, "%s/missing.pem", f->dir);
	assert_int_equal(cp_http_reload_tls(f->http, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "tls_cert"));
	get(f, "/healthz", NULL, r);
	assert_int_equal(r->status, 200);
	assert_int_equal(peer_serial(f), 1);

	/* the new pair: new connections see it */
	snprintf(cc->tls_cert, CP_CFG_STR, "%s/cert2.pem", f->dir);
	assert_int_equal(cp_http_reload_tls(f->http, err, sizeof(err)), 0);
	get(f, "/healthz", NULL, r);
	assert_int_equal(r->status, 200);
	assert_int_equal(peer_serial(f), 2);

	/* switching to plain HTTP needs a restart */
	cc->tls_cert[0] = cc->tls_key[0] = '\0';
	assert_int_equal(cp_http_reload_tls(f->http, err, sizeof(err)), -EINVAL);
	get(f, "/healthz", NULL, r);
	assert_int_equal(r->status, 200);
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ice_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ice_urls_configured, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rest_draft, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auth_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_health, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_secret, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_listen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ui, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tls, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

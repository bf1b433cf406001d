/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * turnpikectl's Redis connection: one synchronous connection, plain TCP
 * or TLS, with every wait bounded (see ctl_cli.h).
 *
 * Debian 12's hiredis (0.14.1) has no TLS, so the socket is ours: a
 * non-blocking connect, optionally an OpenSSL SSL* on top, and hiredis
 * only formats commands (redisFormatCommandArgv) and parses replies
 * (redisReader). Both transports take the same path, so the plain one
 * exercises everything but the handshake.
 */
#include "ctl_cli.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

/* A reply larger than this is refused rather than buffered: SCAN pages
 * are small and a realm's sets are not this big. */
#define CTL_REDIS_MAX_REPLY (256u << 20)
/* Each command (send and whole reply) must finish within this, or the
 * connect timeout if that is longer. */
#define CTL_REDIS_IO_TIMEOUT_MS 10000

static int64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until @fd is ready for @events or @deadline (monotonic ms) passes.
 * 0, -ETIMEDOUT or -errno of poll. */
static int
wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - now_ms();
		struct pollfd p = {.fd = fd, .events = events};
		int n;

		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (n > 0)
			return 0;
		if (n == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

static void
set_err(const struct ctl_redis *r, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
set_err(const struct ctl_redis *r, char *err, size_t errlen, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s: %s", r->where, msg);
}

/* The last OpenSSL error as text, and the certificate verdict if that is
 * what failed (the error queue alone says only "certificate verify
 * failed"). */
static void
ssl_reason(const struct ctl_redis *r, char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();
	long v = r->ssl != NULL ? SSL_get_verify_result(r->ssl) : X509_V_OK;

	if (e != 0)
		ERR_error_string_n(e, buf, len);
	else
		snprintf(buf, len, "TLS error");
	if (v != X509_V_OK) {
		size_t n = strlen(buf);
		snprintf(buf + n, len - n, " (%s)", X509_verify_cert_error_string(v));
	}
	ERR_clear_error();
}

/* Connect to one address; returns the fd or -errno. */
static int
connect_one(const struct addrinfo *ai, int64_t deadline)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			ai->ai_protocol);
	int rc, soerr = 0;
	socklen_t sl = sizeof(soerr);

	if (fd < 0)
		return -errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS) {
		rc = -errno;
		goto fail;
	}
	if ((rc = wait_fd(fd, POLLOUT, deadline)) != 0)
		goto fail;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0) {
		rc = -errno;
		goto fail;
	}
	if (soerr != 0) {
		rc = -soerr;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return rc;
}

static int
tcp_connect(struct ctl_redis *r, const struct cp_redis_config *rc, int64_t deadline, char *err,
	    size_t errlen)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL, *ai;
	char port[8];
	int g, fd = -ETIMEDOUT;

	snprintf(port, sizeof(port), "%u", (unsigned int)rc->port);
	g = getaddrinfo(rc->host, port, &hints, &res);
	if (g != 0) {
		set_err(r, err, errlen, "%s", gai_strerror(g));
		return -EHOSTUNREACH;
	}
	/* Every address in turn (localhost: ::1, then 127.0.0.1), all within
	 * the one deadline. */
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = connect_one(ai, deadline);
		if (fd >= 0 || fd == -ETIMEDOUT)
			break;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		set_err(r, err, errlen, "%s",
			fd == -ETIMEDOUT ? "connection timed out" : strerror(-fd));
		return fd;
	}
	r->fd = fd;
	return 0;
}

static bool
is_ip_literal(const char *s)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static int
tls_setup(struct ctl_redis *r, const struct cp_redis_config *rc, char *err, size_t errlen)
{
	const char *name = rc->tls_sni[0] != '\0' ? rc->tls_sni : rc->host;
	char why[256];

	r->ssl_ctx = SSL_CTX_new(TLS_client_method());
	if (r->ssl_ctx == NULL)
		goto ssl_fail;
	SSL_CTX_set_min_proto_version(r->ssl_ctx, TLS1_2_VERSION);
	if (rc->tls_ca[0] != '\0') {
		if (SSL_CTX_load_verify_locations(r->ssl_ctx, rc->tls_ca, NULL) != 1) {
			ssl_reason(r, why, sizeof(why));
			set_err(r, err, errlen, "tls_ca %s: %s", rc->tls_ca, why);
			return -EINVAL;
		}
	} else if (SSL_CTX_set_default_verify_paths(r->ssl_ctx) != 1) {
		goto ssl_fail;
	}
	if (rc->tls_cert[0] != '\0' &&
	    SSL_CTX_use_certificate_chain_file(r->ssl_ctx, rc->tls_cert) != 1) {
		ssl_reason(r, why, sizeof(why));
		set_err(r, err, errlen, "tls_cert %s: %s", rc->tls_cert, why);
		return -EINVAL;
	}
	if (rc->tls_key[0] != '\0' &&
	    SSL_CTX_use_PrivateKey_file(r->ssl_ctx, rc->tls_key, SSL_FILETYPE_PEM) != 1) {
		ssl_reason(r, why, sizeof(why));
		set_err(r, err, errlen, "tls_key %s: %s", rc->tls_key, why);
		return -EINVAL;
	}
	SSL_CTX_set_verify(r->ssl_ctx, rc->tls_verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);

	r->ssl = SSL_new(r->ssl_ctx);
	if (r->ssl == NULL || SSL_set_fd(r->ssl, r->fd) != 1)
		goto ssl_fail;
	/* SNI only for names (RFC 6066 forbids literal addresses); the
	 * certificate is checked against the name or the address. */
	if (!is_ip_literal(name) && SSL_set_tlsext_host_name(r->ssl, name) != 1)
		goto ssl_fail;
	if (rc->tls_verify) {
		X509_VERIFY_PARAM *vp = SSL_get0_param(r->ssl);
		int ok = is_ip_literal(name) ? X509_VERIFY_PARAM_set1_ip_asc(vp, name)
					     : X509_VERIFY_PARAM_set1_host(vp, name, 0);
		if (ok != 1)
			goto ssl_fail;
	}
	return 0;
ssl_fail:
	ssl_reason(r, why, sizeof(why));
	set_err(r, err, errlen, "TLS set-up: %s", why);
	return -EINVAL;
}

static int
tls_handshake(struct ctl_redis *r, int64_t deadline, char *err, size_t errlen)
{
	char why[256];

	/* Bounded: every turn either finishes, fails, or waits on poll with
	 * the deadline. */
	for (;;) {
		int n = SSL_connect(r->ssl), e, rc;

		if (n == 1)
			return 0;
		e = SSL_get_error(r->ssl, n);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			rc = wait_fd(r->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline);
			if (rc != 0) {
				set_err(r, err, errlen, "TLS handshake: %s",
					rc == -ETIMEDOUT ? "timed out" : strerror(-rc));
				return rc;
			}
			continue;
		}
		if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
			set_err(r, err, errlen, "TLS handshake: %s",
				errno != 0 ? strerror(errno) : "connection closed by server");
			return -ECONNRESET;
		}
		ssl_reason(r, why, sizeof(why));
		set_err(r, err, errlen, "TLS handshake: %s", why);
		return -EPROTO;
	}
}

/* Send all of @buf. 0 or -errno (@err set). */
static int
send_all(struct ctl_redis *r, const char *buf, size_t len, int64_t deadline, char *err,
	 size_t errlen)
{
	size_t off = 0;

	while (off < len) {
		short want = POLLOUT;
		int rc;

		if (r->ssl != NULL) {
			size_t chunk = len - off > INT32_MAX ? INT32_MAX : len - off;
			int n = SSL_write(r->ssl, buf + off, (int)chunk);
			if (n > 0) {
				off += (size_t)n;
				continue;
			}
			int e = SSL_get_error(r->ssl, n);
			if (e == SSL_ERROR_WANT_READ)
				want = POLLIN;
			else if (e != SSL_ERROR_WANT_WRITE) {
				char why[256];
				ssl_reason(r, why, sizeof(why));
				set_err(r, err, errlen, "send: %s", why);
				return -EIO;
			}
		} else {
			ssize_t n = send(r->fd, buf + off, len - off, MSG_NOSIGNAL);
			if (n > 0) {
				off += (size_t)n;
				continue;
			}
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
				set_err(r, err, errlen, "send: %s", strerror(errno));
				return -errno;
			}
		}
		if ((rc = wait_fd(r->fd, want, deadline)) != 0) {
			set_err(r, err, errlen, "send: %s",
				rc == -ETIMEDOUT ? "timed out" : strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* Read what is there into the reader. >0 bytes, or -errno (@err set). */
static ssize_t
recv_some(struct ctl_redis *r, int64_t deadline, char *err, size_t errlen)
{
	char buf[16384];
	ssize_t n;

	for (;;) {
		short want = POLLIN;
		int rc;

		if (r->ssl != NULL) {
			int k = SSL_read(r->ssl, buf, (int)sizeof(buf));
			if (k > 0) {
				n = k;
				goto got;
			}
			int e = SSL_get_error(r->ssl, k);
			if (e == SSL_ERROR_ZERO_RETURN ||
			    (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 && k == 0)) {
				set_err(r, err, errlen, "connection closed by server");
				return -ECONNRESET;
			}
			if (e == SSL_ERROR_WANT_WRITE)
				want = POLLOUT;
			else if (e != SSL_ERROR_WANT_READ) {
				char why[256];
				ssl_reason(r, why, sizeof(why));
				set_err(r, err, errlen, "receive: %s", why);
				return -EIO;
			}
		} else {
			n = recv(r->fd, buf, sizeof(buf), 0);
			if (n > 0)
				goto got;
			if (n == 0) {
				set_err(r, err, errlen, "connection closed by server");
				return -ECONNRESET;
			}
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				set_err(r, err, errlen, "receive: %s", strerror(errno));
				return -errno;
			}
		}
		if ((rc = wait_fd(r->fd, want, deadline)) != 0) {
			set_err(r, err, errlen, "no reply: %s",
				rc == -ETIMEDOUT ? "timed out" : strerror(-rc));
			return rc;
		}
	}
got:
	if (redisReaderFeed(r->reader, buf, (size_t)n) != REDIS_OK) {
		set_err(r, err, errlen, "protocol error: %s", r->reader->errstr);
		return -EPROTO;
	}
	return n;
}

redisReply *
ctl_redis_cmd(struct ctl_redis *r, int argc, const char **argv, const size_t *lens, char *err,
	      size_t errlen)
{
	int64_t deadline = now_ms() + r->io_timeout_ms;
	char *cmd = NULL;
	void *reply = NULL;
	size_t total = 0;
	int len;

	if (r->fd < 0) {
		set_err(r, err, errlen, "not connected");
		return NULL;
	}
	len = redisFormatCommandArgv(&cmd, argc, argv, lens);
	if (len < 0) {
		set_err(r, err, errlen, "out of memory");
		return NULL;
	}
	if (send_all(r, cmd, (size_t)len, deadline, err, errlen) != 0)
		goto fail;
	/* Bounded by the deadline and the reply cap. */
	for (;;) {
		ssize_t n;

		if (redisReaderGetReply(r->reader, &reply) != REDIS_OK) {
			set_err(r, err, errlen, "protocol error: %s", r->reader->errstr);
			goto fail;
		}
		if (reply != NULL)
			break;
		if ((n = recv_some(r, deadline, err, errlen)) < 0)
			goto fail;
		total += (size_t)n;
		if (total > CTL_REDIS_MAX_REPLY) {
			set_err(r, err, errlen, "reply larger than %u bytes", CTL_REDIS_MAX_REPLY);
			goto fail;
		}
	}
	redisFreeCommand(cmd);
	if (((redisReply *)reply)->type == REDIS_REPLY_ERROR) {
		set_err(r, err, errlen, "%s: %s", argv[0], ((redisReply *)reply)->str);
		freeReplyObject(reply);
		return NULL;
	}
	return reply;
fail:
	redisFreeCommand(cmd);
	/* The stream is out of step after a failure: no further commands. */
	ctl_redis_close(r);
	return NULL;
}

/* AUTH and SELECT, as the config asks. */
static int
redis_login(struct ctl_redis *r, const struct cp_redis_config *rc, char *err, size_t errlen)
{
	redisReply *rep;

	if (rc->password[0] != '\0') {
		const char *auth_user[] = {"AUTH", rc->user, rc->password};
		const char *auth_pw[] = {"AUTH", rc->password};

		if (rc->user[0] != '\0')
			rep = ctl_redis_cmd(r, 3, auth_user, NULL, err, errlen);
		else
			rep = ctl_redis_cmd(r, 2, auth_pw, NULL, err, errlen);
		if (rep == NULL)
			return -EACCES;
		freeReplyObject(rep);
	}
	if (rc->db != 0) {
		char db[16];
		const char *sel[] = {"SELECT", db};

		snprintf(db, sizeof(db), "%u", rc->db);
		if ((rep = ctl_redis_cmd(r, 2, sel, NULL, err, errlen)) == NULL)
			return -EINVAL;
		freeReplyObject(rep);
	}
	return 0;
}

int
ctl_redis_open(struct ctl_redis *r, const struct cp_redis_config *rc, char *err, size_t errlen)
{
	uint32_t cto = rc->connect_timeout_ms > 0 ? rc->connect_timeout_ms : 2000;
	int64_t deadline = now_ms() + cto;
	int rc_;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->io_timeout_ms = cto > CTL_REDIS_IO_TIMEOUT_MS ? (int)cto : CTL_REDIS_IO_TIMEOUT_MS;
	if (strchr(rc->host, ':') != NULL)
		snprintf(r->where, sizeof(r->where), "redis [%s]:%u", rc->host,
			 (unsigned int)rc->port);
	else
		snprintf(r->where, sizeof(r->where), "redis %s:%u", rc->host,
			 (unsigned int)rc->port);

	if ((rc_ = tcp_connect(r, rc, deadline, err, errlen)) != 0)
		return rc_;
	if (rc->tls) {
		if ((rc_ = tls_setup(r, rc, err, errlen)) != 0 ||
		    (rc_ = tls_handshake(r, deadline, err, errlen)) != 0)
			goto fail;
	}
	r->reader = redisReaderCreate();
	if (r->reader == NULL) {
		set_err(r, err, errlen, "out of memory");
		rc_ = -ENOMEM;
		goto fail;
	}
	if ((rc_ = redis_login(r, rc, err, errlen)) != 0)
		goto fail;
	return 0;
fail:
	ctl_redis_close(r);
	return rc_;
}

void
ctl_redis_close(struct ctl_redis *r)
{
	if (r->ssl != NULL) {
		/* A best-effort close_notify; the socket is non-blocking, so
		 * this never waits. */
		SSL_shutdown(r->ssl);
		SSL_free(r->ssl);
		r->ssl = NULL;
	}
	if (r->ssl_ctx != NULL) {
		SSL_CTX_free(r->ssl_ctx);
		r->ssl_ctx = NULL;
	}
	if (r->reader != NULL) {
		redisReaderFree(r->reader);
		r->reader = NULL;
	}
	if (r->fd >= 0) {
		close(r->fd);
		r->fd = -1;
	}
}

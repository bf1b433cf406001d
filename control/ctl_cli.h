/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * turnpikectl's internals, shared by its three files (the operator's
 * guide is docs/turnpikectl.md):
 *
 *   turnpikectl.c    options, config, the admin-socket commands, main
 *   ctl_cli_redis.c  one synchronous Redis connection (TCP or TLS)
 *   ctl_cli_store.c  the Redis commands: user, secret, apikey, peer, quota
 *
 *   struct ctl_redis r;
 *   char err[512];
 *   if (ctl_redis_open(&r, &cc.redis, err, sizeof(err)) != 0)
 *       die("%s", err);                 // "redis 127.0.0.1:6379: Connection refused"
 *   const char *argv[] = { "GET", "k" };
 *   redisReply *rep = ctl_redis_cmd(&r, 2, argv, NULL, err, sizeof(err));
 *   ...
 *   freeReplyObject(rep);
 *   ctl_redis_close(&r);
 *
 * Exit codes of every command: 0 done, 1 failed (message on stderr),
 * 2 usage error.
 */
#ifndef TP_CTL_CLI_H
#define TP_CTL_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <hiredis/hiredis.h>
#include <openssl/ssl.h>

#include "cp_config.h"

#define CTL_EXIT_OK 0
#define CTL_EXIT_FAIL 1
#define CTL_EXIT_USAGE 2

struct ctl_redis {
	int fd;
	SSL_CTX *ssl_ctx;
	SSL *ssl;
	redisReader *reader;
	int io_timeout_ms;  /* per command, send to last reply byte */
	char where[CP_CFG_STR + 16]; /* "redis host:port", for messages */
};

/* Connect, TLS handshake if @rc->tls, AUTH and SELECT. 0, or -errno with
 * @err naming host:port and the cause. Bounded by rc->connect_timeout_ms
 * (connect and handshake) and the command timeout (AUTH, SELECT). */
int ctl_redis_open(struct ctl_redis *r, const struct cp_redis_config *rc, char *err,
		   size_t errlen);

/* Send one command and wait for its reply. @lens NULL means every
 * argument is a NUL-terminated string. Returns the reply (free with
 * freeReplyObject), or NULL with @err set on I/O failure, timeout,
 * protocol error or an error reply ("redis host:port: WRONGTYPE ..."). */
redisReply *ctl_redis_cmd(struct ctl_redis *r, int argc, const char **argv, const size_t *lens,
			  char *err, size_t errlen);

/* Safe on a struct that ctl_redis_open failed on or never saw (fd -1). */
void ctl_redis_close(struct ctl_redis *r);

/* What a Redis command needs: the realm, the connection settings. */
struct ctl_store_ctx {
	const char *realm;
	const struct cp_redis_config *redis;
};

/* Run one of "user", "secret", "apikey", "peer", "quota" with its
 * arguments (@argv[0] is the group name). Returns an exit code; prints
 * the usage line of the group and returns CTL_EXIT_USAGE on bad
 * arguments. */
int ctl_store_run(const struct ctl_store_ctx *c, int argc, char **argv);

/* Whether @group is one ctl_store_run handles. */
bool ctl_store_handles(const char *group);

/* Whether the group needs the realm (apikey does not). */
bool ctl_store_needs_realm(const char *group);

/* "turnpikectl: " + message + newline on stderr. */
void ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The usage text of every command, on @out. */
void ctl_usage(FILE *out);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One asynchronous Redis connection on a libevent loop. hiredis is used
 * for the protocol only (redisFormatCommandArgv to write commands,
 * redisReader to parse replies); the transport is a libevent bufferevent,
 * plain TCP or TLS through OpenSSL (Debian's hiredis 0.14 has no TLS).
 *
 *   struct redis_conn_hooks h = { .name = "redis", .on_state = up_down, .arg = me };
 *   struct redis_conn *c = redis_conn_create(base, &cp->cc.redis, &h);
 *   ...
 *   if (redis_conn_cmd(c, got, arg, "GET", "turn/realm/r/user/u/key", NULL) != 0)
 *       ... not connected or too many pending: got() will not run ...
 *   static void got(void *arg, const redisReply *reply) {  // NULL: connection lost
 *   }
 *
 * On connect: TCP (or TLS) within connect_timeout_ms, then AUTH
 * [user] password and SELECT db when configured; only then is the
 * connection "up" (on_state(arg, true)). Commands are pipelined: a FIFO
 * pairs each reply with its callback. Every callback runs exactly once,
 * never from inside redis_conn_cmd: with the reply, or with NULL when the
 * connection is lost or destroyed. A command that gets no reply within
 * max(connect_timeout_ms, 2 s) drops the connection (a hung server must
 * not park lookups for ever). Lost connections are retried with back-off
 * from 100 ms doubling to 5 s; each change of state logs one line on
 * stderr ("redis: connected to H:P", "redis: lost H:P: why; retrying in
 * N ms"); repeated identical failures are not logged again.
 *
 * A subscriber connection (hooks.subscriber) delivers pushed messages
 * ("message"/"pmessage" arrays) to on_push; the replies to its
 * (P)SUBSCRIBE commands still go through the FIFO, so send one pattern
 * per command.
 *
 * Must not be destroyed from inside one of its own callbacks.
 */
#ifndef TP_REDIS_CONN_H
#define TP_REDIS_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

struct event_base;
struct cp_redis_config;
struct redis_conn;

/* Commands waiting for a reply, at most; more is -ENOBUFS. */
#define REDIS_CONN_MAX_PENDING 10000

typedef void (*redis_reply_cb)(void *arg, const redisReply *reply);

struct redis_conn_hooks {
	const char *name;  /* log prefix, e.g. "redis" or "redis-sub" */
	bool subscriber;   /* replies may be pushed messages */
	/* Up after AUTH/SELECT; down when lost (not called for failed attempts
	 * that were never up). @why is NULL when up. */
	void (*on_state)(void *arg, bool up, const char *why);
	/* Subscriber only: a pushed message, an array whose first element
	 * is "message" or "pmessage". */
	void (*on_push)(void *arg, const redisReply *msg);
	void *arg;
};

/* Starts connecting at once (in the loop). Copies what it needs from
 * @cfg and @hooks. NULL on allocation failure or a TLS set-up error (a
 * CA, certificate or key file that cannot be loaded), with a message on
 * stderr. */
struct redis_conn *redis_conn_create(struct event_base *base, const struct cp_redis_config *cfg,
				     const struct redis_conn_hooks *hooks);
/* Pending callbacks run with NULL before it returns. */
void redis_conn_destroy(struct redis_conn *c);

bool redis_conn_up(const struct redis_conn *c);
size_t redis_conn_pending(const struct redis_conn *c);

/* Send one command (binary-safe arguments). 0: @cb will run exactly once,
 * later. -ENOTCONN (not up), -ENOBUFS (REDIS_CONN_MAX_PENDING reached),
 * -ENOMEM, -EINVAL (no argument): @cb will not run. */
int redis_conn_cmdv(struct redis_conn *c, redis_reply_cb cb, void *arg, int argc,
		    const char **argv, const size_t *argvlen);
/* The same with C-string arguments, NULL-terminated (at most 16). */
int redis_conn_cmd(struct redis_conn *c, redis_reply_cb cb, void *arg, ...)
	__attribute__((sentinel));

/* Whether @reply is a status "OK" / an error / a bulk string. */
bool redis_reply_ok(const redisReply *reply);
bool redis_reply_is_error(const redisReply *reply);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cp_redis against a real redis-server on 127.0.0.1 (a free port, a temp
 * dir, no persistence), started and stopped by PID by this test:
 *
 *   - a user added with coturn's own turnadmin is found with the right key;
 *     unknown, malformed and invalid names are NOT_FOUND
 *   - the policy refresh reads secrets, peer sets, quotas and API keys
 *   - a keyspace notification triggers a refresh long before redis.refresh
 *   - statsdb: status key with a TTL, the PUBLISHed messages
 *   - Redis stopped: cached users FOUND, others ERROR, a deleted user no
 *     longer cached; events queued; Redis restarted: reconnects, flushes
 *   - requirepass, an ACL user that may not run KEYS, and TLS with a client
 *     certificate and peer verification (plus a failing verification)
 *   - no KEYS command ever reached the server
 *
 * Fails when redis-server, turnadmin or openssl is missing
 * (scripts/install-deps.sh installs them).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <hiredis/hiredis.h>
#include <openssl/sha.h>

#include "cp.h"
#include "redis_store.h"
#include "stun_cred.h"

/* coturn's turnadmin always writes a log file named after its pid
 * (/var/log/turn_<pid>_<date>.log, or /var/tmp, /tmp): run it in the
 * background to learn the pid, then remove what it wrote. */
#define TURNADMIN_BEGIN "sh -c '"
#define TURNADMIN_END                                                                         \
	" >/dev/null 2>&1 & p=$!; wait $p; rc=$?; rm -f /var/log/turn_${p}_*.log "                \
	"/var/tmp/turn_${p}_*.log /tmp/turn_${p}_*.log; exit $rc'"

#define REALM "example.org"

static struct cp cp;
static char tmpdir[64];
static pid_t redis_pid = -1;
static uint16_t redis_port;
static bool have_tools;

/* ---- processes ---- */

static uint16_t
free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &l), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static bool
port_open(uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				.sin_port = htons(port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;

	close(fd);
	return ok;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Start redis-server with the common arguments plus @extra (NULL-ended). */
static void
start_redis(const char *const *extra)
{
	const char *argv[48];
	char port[8], dir[96], log[128];
	int n = 0, i;

	snprintf(port, sizeof(port), "%u", redis_port);
	snprintf(dir, sizeof(dir), "%s", tmpdir);
	snprintf(log, sizeof(log), "%s/redis.log", tmpdir);
	argv[n++] = "redis-server";
	argv[n++] = "--bind";
	argv[n++] = "127.0.0.1";
	argv[n++] = "--save";
	argv[n++] = "";
	argv[n++] = "--appendonly";
	argv[n++] = "no";
	argv[n++] = "--dir";
	argv[n++] = dir;
	argv[n++] = "--logfile";
	argv[n++] = log;
	argv[n++] = "--port";
	argv[n++] = port;
	for (i = 0; extra && extra[i] && n < 46; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	/* turnadmin runs SAVE after each change: start from an empty server. */
	snprintf(log, sizeof(log), "%s/dump.rdb", tmpdir);
	unlink(log);
	snprintf(log, sizeof(log), "%s/redis.log", tmpdir);
	redis_pid = fork();
	assert_true(redis_pid >= 0);
	if (redis_pid == 0) {
		execvp("redis-server", (char *const *)argv);
		_exit(127);
	}
	for (i = 0; i < 200 && !port_open(redis_port); i++)
		sleep_ms(25);
	assert_true(port_open(redis_port));
}

static void
stop_redis(void)
{
	int st, i;

	if (redis_pid <= 0)
		return;
	kill(redis_pid, SIGTERM);
	for (i = 0; i < 200 && waitpid(redis_pid, &st, WNOHANG) == 0; i++)
		sleep_ms(25);
	if (i == 200) {
		kill(redis_pid, SIGKILL);
		waitpid(redis_pid, &st, 0);
	}
	redis_pid = -1;
}

/* A plain (blocking) client for the test's own reads and writes. */
static redisReply *
rsync_cmd(const char *auth_user, const char *auth_pw, const char *fmt, ...)
{
	struct timeval tv = {2, 0};
	redisContext *c = redisConnectWithTimeout("127.0.0.1", redis_port, tv);
	redisReply *r;
	va_list ap;

	assert_non_null(c);
	assert_int_equal(c->err, 0);
	if (auth_pw) {
		r = auth_user ? redisCommand(c, "AUTH %s %s", auth_user, auth_pw)
			      : redisCommand(c, "AUTH %s", auth_pw);
		assert_non_null(r);
		assert_int_not_equal(r->type, REDIS_REPLY_ERROR);
		freeReplyObject(r);
	}
	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	redisFree(c);
	assert_non_null(r);
	return r;
}

static void
rdo(const char *fmt, const char *a, const char *b)
{
	redisReply *r = rsync_cmd(NULL, NULL, fmt, a, b);

	assert_int_not_equal(r->type, REDIS_REPLY_ERROR);
	freeReplyObject(r);
}

static int
run(const char *cmd)
{
	int rc = system(cmd);

	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* ---- the loop ---- */

static void
loop_for(long ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	event_base_loopexit(cp.base, &tv);
	event_base_dispatch(cp.base);
}

/* Run the loop until @cond or @ms elapse (20 ms steps). */
#define LOOP_UNTIL(cond, ms)                                                      \
	do {                                                                      \
		int n_ = (ms) / 20;                                               \
		while (!(cond) && n_-- > 0)                                       \
			loop_for(20);                                             \
	} while (0)

struct answer {
	int calls;
	uint8_t status;
	uint8_t key[32];
	size_t key_len;
	uint32_t ttl;
};

static void
on_key(void *arg, uint8_t status, const uint8_t *key, size_t key_len, uint32_t ttl)
{
	struct answer *a = arg;

	a->calls++;
	a->status = status;
	a->key_len = key_len;
	a->ttl = ttl;
	if (key && key_len <= sizeof(a->key))
		memcpy(a->key, key, key_len);
}

static struct answer
lookup(struct cp_redis *r, const char *user)
{
	struct answer a = {0};

	assert_int_equal(cp_redis_lookup_key(r, user, strlen(user), on_key, &a), 0);
	LOOP_UNTIL(a.calls > 0, 3000);
	loop_for(20); /* a second callback would show here */
	assert_int_equal(a.calls, 1);
	return a;
}

static struct cp_redis *
make_store(void)
{
	struct cp_redis *r = cp_redis_create(&cp);

	assert_non_null(r);
	LOOP_UNTIL(cp_redis_up(r) && cp_redis_policy(r)->valid, 5000);
	assert_true(cp_redis_up(r));
	assert_true(cp_redis_policy(r)->valid);
	return r;
}

static void
base_config(void)
{
	struct cp_redis_config *rc = &cp.cc.redis;

	memset(rc, 0, sizeof(*rc));
	rc->enabled = true;
	snprintf(rc->host, sizeof(rc->host), "127.0.0.1");
	rc->port = redis_port;
	rc->tls_verify = true;
	rc->connect_timeout_ms = 1000;
	rc->key_ttl = 60;
	rc->cache_ttl = 300;
	rc->refresh = 30; /* long: quick pick-ups must come from notifications */
	rc->stats = true;
	rc->status_grace = 60;
}

/* ---- tests ---- */

static struct cp_redis *store;

static void
test_lookup(void **state)
{
	char cmd[256];
	uint8_t want[16];
	struct answer a;

	(void)state;
	if (!have_tools)
		fail_msg("a tool this test needs (redis-server, turnadmin, openssl) is missing or failed; scripts/install-deps.sh installs them");
	snprintf(cmd, sizeof(cmd),
		 TURNADMIN_BEGIN "turnadmin -a -N \"ip=127.0.0.1 port=%u dbname=0\" -u alice -r " REALM
		 " -p secret" TURNADMIN_END,
		 redis_port);
	assert_int_equal(run(cmd), 0);
	store = make_store();

	a = lookup(store, "alice");
	stun_key_md5("alice", 5, REALM, strlen(REALM), "secret", 6, want);
	assert_int_equal(a.status, CTL_CRED_FOUND);
	assert_int_equal(a.key_len, 16);
	assert_memory_equal(a.key, want, 16);
	assert_int_equal(a.ttl, 60);

	a = lookup(store, "nobody");
	assert_int_equal(a.status, CTL_CRED_NOT_FOUND);
	assert_int_equal(a.ttl, 2);

	/* coturn's rule: at least 32 hex characters, the first 32 count. */
	rdo("SET turn/realm/" REALM "/user/%s/key %s", "long",
	    "0123456789abcdefABCDEF0123456789trailing");
	a = lookup(store, "long");
	assert_int_equal(a.status, CTL_CRED_FOUND);
	assert_int_equal(a.key[0], 0x01);
	assert_int_equal(a.key[15], 0x89);
	rdo("SET turn/realm/" REALM "/user/%s/key %s", "short", "0123456789abcdef");
	assert_int_equal(lookup(store, "short").status, CTL_CRED_NOT_FOUND);
	rdo("SADD turn/realm/" REALM "/user/%s/key %s", "aset", "x");
	assert_int_equal(lookup(store, "aset").status, CTL_CRED_NOT_FOUND);

	/* Names that cannot be a key: answered at once, Redis not asked. */
	memset(&a, 0, sizeof(a));
	assert_int_equal(cp_redis_lookup_key(store, "a/b", 3, on_key, &a), -EINVAL);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.status, CTL_CRED_NOT_FOUND);
	assert_int_equal(cp_redis_lookup_key(store, "", 0, on_key, &a), -EINVAL);
	assert_int_equal(cp_redis_lookup_key(store, "a\x01", 2, on_key, &a), -EINVAL);
	assert_int_equal(a.calls, 3);
	assert_true(cp.stats.lookup_redis >= 2);
}

static void
test_policy(void **state)
{
	const struct cp_redis_policy *p;
	uint8_t h1[32], h2[32];
	char hex[65];
	int i;

	(void)state;
	if (!have_tools)
		fail_msg("a tool this test needs (redis-server, turnadmin, openssl) is missing or failed; scripts/install-deps.sh installs them");
	rdo("SADD turn/realm/" REALM "/secret %s %s", "zeta", "alpha");
	rdo("SADD turn/realm/" REALM "/allowed-peer-ip %s %s", "198.18.0.5", "bad entry");
	rdo("SADD turn/realm/" REALM "/denied-peer-ip %s %s", "10.0.0.0-10.255.255.255",
	    "2001:db8::1");
	rdo("SET turn/realm/" REALM "/user-quota %s%s", "5", "");
	rdo("SET turn/realm/" REALM "/total-quota %s%s", "100", "");
	rdo("SET turn/realm/" REALM "/max-bps %s%s", "64000", "");
	SHA256((const unsigned char *)"key-one", 7, h1);
	SHA256((const unsigned char *)"key-two", 7, h2);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02X", h1[i]); /* upper case is accepted */
	rdo("SADD turnpike/api-keys %s %s", hex, "not-hex");

	cp_redis_refresh(store);
	p = cp_redis_policy(store);
	LOOP_UNTIL(p->has_max_bps, 3000);
	assert_int_equal(p->secrets.n, 2);
	assert_int_equal(p->secrets.s[0].len, 5); /* sorted: alpha, zeta */
	assert_memory_equal(p->secrets.s[0].val, "alpha", 5);
	assert_memory_equal(p->secrets.s[1].val, "zeta", 4);
	assert_int_equal(p->n_allow, 1); /* "bad entry" has a space */
	assert_string_equal(p->allow[0], "198.18.0.5");
	assert_int_equal(p->n_deny, 2);
	assert_string_equal(p->deny[0], "10.0.0.0-10.255.255.255");
	assert_string_equal(p->deny[1], "2001:db8::1");
	assert_true(p->has_user_quota && p->has_total_quota);
	assert_int_equal(p->user_quota, 5);
	assert_int_equal(p->total_quota, 100);
	assert_int_equal(p->max_bps, 64000);
	assert_true(cp_redis_api_key_known(store, h1));
	assert_false(cp_redis_api_key_known(store, h2));
}

static void
test_notification(void **state)
{
	const struct cp_redis_policy *p;
	redisReply *r;

	(void)state;
	if (!have_tools)
		fail_msg("a tool this test needs (redis-server, turnadmin, openssl) is missing or failed; scripts/install-deps.sh installs them");
	/* We asked the server to send keyspace events. */
	r = rsync_cmd(NULL, NULL, "CONFIG GET notify-keyspace-events");
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	assert_non_null(strchr(r->element[1]->str, 'K'));
	freeReplyObject(r);

	p = cp_redis_policy(store);
	rdo("SADD turn/realm/" REALM "/secret %s%s", "beta", "");
	LOOP_UNTIL(p->secrets.n == 3, 2000); /* redis.refresh is 30 s */
	assert_int_equal(p->secrets.n, 3);
	/* Newest first (the ICE API mints with it), then the known ones in
	 * their order: beta, alpha, zeta, although beta sorts between them. */
	assert_memory_equal(p->secrets.s[0].val, "beta", 4);
	assert_memory_equal(p->secrets.s[1].val, "alpha", 5);
	assert_memory_equal(p->secrets.s[2].val, "zeta", 4);
	rdo("DEL turn/realm/" REALM "/max-bps%s%s", "", "");
	LOOP_UNTIL(!p->has_max_bps, 2000);
	assert_false(p->has_max_bps);
}

static void
test_statsdb(void **state)
{
	struct ctl_alloc_event ev;
	struct timeval tv = {2, 0};
	redisContext *sub;
	redisReply *r;
	const char *base = "turn/realm/" REALM "/user/alice/allocation/00000000000000ab-000000000000000007";
	char key[256];
	uint64_t writes = cp.stats.statsdb_writes;
	void *m;
	int i;

	(void)state;
	if (!have_tools)
		fail_msg("a tool this test needs (redis-server, turnadmin, openssl) is missing or failed; scripts/install-deps.sh installs them");
	sub = redisConnectWithTimeout("127.0.0.1", redis_port, tv);
	assert_non_null(sub);
	r = redisCommand(sub, "PSUBSCRIBE turn/realm/*/user/*/allocation/*");
	freeReplyObject(r);
	redisSetTimeout(sub, tv);

	memset(&ev, 0, sizeof(ev));
	ev.kind = CTL_ALLOC_CREATED;
	ev.lifetime = 600;
	ev.alloc_id = 7;
	stun_addr_from_string(&ev.ft.client, "198.18.0.2", 50000);
	stun_addr_from_string(&ev.ft.server, "198.18.0.1", 3478);
	ev.user_len = 5;
	memcpy(ev.user, "alice", 5);
	cp_redis_alloc_event(store, &ev, 0xab);
	LOOP_UNTIL(cp.stats.statsdb_writes == writes + 1, 2000);
	assert_int_equal(cp.stats.statsdb_writes, writes + 1);

	snprintf(key, sizeof(key), "%s/status", base);
	r = rsync_cmd(NULL, NULL, "TTL %s", key);
	assert_int_equal(r->type, REDIS_REPLY_INTEGER);
	assert_true(r->integer > 600 && r->integer <= 660);
	freeReplyObject(r);
	r = rsync_cmd(NULL, NULL, "GET %s", key);
	assert_string_equal(r->str, "new lifetime=600, type=UDP, local=198.18.0.1:3478, "
				    "remote=198.18.0.2:50000, ssl=NONE, cipher=NONE");
	freeReplyObject(r);

	ev.kind = CTL_ALLOC_EXPIRED;
	ev.lifetime = 0;
	ev.c2p_packets = 3;
	ev.c2p_bytes = 300;
	ev.p2c_packets = 4;
	ev.p2c_bytes = 400;
	cp_redis_alloc_event(store, &ev, 0xab);
	LOOP_UNTIL(cp.stats.statsdb_writes == writes + 2, 2000);
	r = rsync_cmd(NULL, NULL, "EXISTS %s", key);
	assert_int_equal(r->integer, 0);
	freeReplyObject(r);

	/* What a coturn statsdb subscriber sees: new, deleted, the totals. */
	{
		static const char *const want[][2] = {
			{"/status", "new lifetime=600, type=UDP, local=198.18.0.1:3478, remote=198.18.0.2:50000, ssl=NONE, cipher=NONE"},
			{"/status", "deleted"},
			{"/total_traffic", "rcvp=3, rcvb=300, sentp=4, sentb=400"},
			{"/total_traffic/peer", "rcvp=4, rcvb=400, sentp=3, sentb=300"},
		};
		for (i = 0; i < 4; i++) {
			assert_int_equal(redisGetReply(sub, &m), REDIS_OK);
			r = m;
			assert_int_equal(r->elements, 4);
			snprintf(key, sizeof(key), "%s%s", base, want[i][0]);
			assert_string_equal(r->element[2]->str, key);
			assert_string_equal(r->element[3]->str, want[i][1]);
			freeReplyObject(r);
		}
	}
	redisFree(sub);
}

static void
test_down_and_back(void **state)
{
	struct answer a;
	struct ctl_alloc_event ev;
	char cmd[256];
	uint64_t writes;
	int i;

	(void)state;
	if (!have_tools)
		fail_msg("a tool this test needs (redis-server, turnadmin, openssl) is missing or failed; scripts/install-deps.sh installs them");
	snprintf(cmd, sizeof(cmd),
		 TURNADMIN_BEGIN "turnadmin -a -N \"ip=127.0.0.1 port=%u dbname=0\" -u bob -r " REALM
		 " -p pw" TURNADMIN_END,
		 redis_port);
	assert_int_equal(run(cmd), 0);
	assert_int_equal(lookup(store, "bob").status, CTL_CRED_FOUND);
	assert_int_equal(lookup(store, "alice").status, CTL_CRED_FOUND);
	/* Deleting bob's key reaches the cache through a notification. */
	rdo("DEL turn/realm/" REALM "/user/%s/key%s", "bob", "");
	loop_for(300);
	{
		redisReply *r = rsync_cmd(NULL, NULL, "INFO commandstats");

		assert_null(strstr(r->str, "cmdstat_keys"));
		assert_non_null(strstr(r->str, "cmdstat_get"));
		freeReplyObject(r);
	}

	stop_redis();
	LOOP_UNTIL(!cp_redis_up(store), 3000);
	assert_false(cp_redis_up(store));

	memset(&a, 0, sizeof(a));
	assert_int_equal(cp_redis_lookup_key(store, "alice", 5, on_key, &a), 0);
	assert_int_equal(a.calls, 1); /* synchronous while down */
	assert_int_equal(a.status, CTL_CRED_FOUND);
	assert_int_equal(lookup(store, "carol").status, CTL_CRED_ERROR);
	assert_int_equal(lookup(store, "bob").status, CTL_CRED_ERROR);
	/* The policy read last stays in force. */
	assert_int_equal(cp_redis_policy(store)->secrets.n, 3);

	/* Events wait for the connection. */
	memset(&ev, 0, sizeof(ev));
	ev.kind = CTL_ALLOC_CREATED;
	ev.lifetime = 60;
	ev.alloc_id = 9;
	stun_addr_from_string(&ev.ft.client, "198.18.0.2", 50000);
	stun_addr_from_string(&ev.ft.server, "198.18.0.1", 3478);
	ev.user_len = 5;
	memcpy(ev.user, "alice", 5);
	writes = cp.stats.statsdb_writes;
	for (i = 0; i < 3; i++) {
		ev.alloc_id = 9 + (uint64_t)i;
		cp_redis_alloc_event(store, &ev, 0xab);
	}
	assert_int_equal(cp.stats.statsdb_writes, writes);

	start_redis(NULL);
	LOOP_UNTIL(cp_redis_up(store) && cp.stats.statsdb_writes == writes + 3, 8000);
	assert_true(cp_redis_up(store));
	assert_int_equal(cp.stats.statsdb_writes, writes + 3);
	{
		redisReply *r = rsync_cmd(NULL, NULL, "TTL turn/realm/" REALM
					     "/user/alice/allocation/00000000000000ab-000000000000000011/status");
		assert_true(r->integer > 0 && r->integer <= 120);
		freeReplyObject(r);
	}
	/* The new server is empty, and Redis is asked again while up. */
	assert_int_equal(lookup(store, "alice").status, CTL_CRED_NOT_FOUND);
}

static void
test_no_keys(void **state)
{
	redisReply *r;

	(void)state;
	if (!have_tools)
		fail_msg("a tool this test needs (redis-server, turnadmin, openssl) is missing or failed; scripts/install-deps.sh installs them");
	/* Everything since the restart; the ACL test below forbids KEYS too. */
	cp_redis_refresh(store);
	loop_for(200);
	r = rsync_cmd(NULL, NULL, "INFO commandstats");
	assert_int_equal(r->type, REDIS_REPLY_STRING);
	assert_null(strstr(r->str, "cmdstat_keys"));
	assert_non_null(strstr(r->str, "cmdstat_smembers"));
	freeReplyObject(r);
	cp_redis_destroy(store);
	store = NULL;
	stop_redis();
}

static void
test_requirepass(void **state)
{
	static const char *const extra[] = {"--requirepass", "s3cret", NULL};
	struct cp_redis *r;
	redisReply *rr;

	(void)state;
	if (!have_tools)
		fail_msg("a tool this test needs (redis-server, turnadmin, openssl) is missing or failed; scripts/install-deps.sh installs them");
	start_redis(extra);
	rr = rsync_cmd(NULL, "s3cret", "SET turn/realm/" REALM "/user/pat/key %s",
		  "00112233445566778899aabbccddeeff");
	freeReplyObject(rr);

	/* Wrong password: never up (the log names the AUTH failure). */
	snprintf(cp.cc.redis.password, sizeof(cp.cc.redis.password), "wrong");
	r = cp_redis_create(&cp);
	assert_non_null(r);
	loop_for(500);
	assert_false(cp_redis_up(r));
	assert_int_equal(lookup(r, "pat").status, CTL_CRED_ERROR);
	cp_redis_destroy(r);

	snprintf(cp.cc.redis.password, sizeof(cp.cc.redis.password), "s3cret");
	r = make_store();
	assert_int_equal(lookup(r, "pat").status, CTL_CRED_FOUND);
	cp_redis_destroy(r);
	stop_redis();
	cp.cc.redis.password[0] = '\0';
}

static void
test_acl_user(void **state)
{
	struct cp_redis *r;
	redisReply *rr;
	struct answer a;

	(void)state;
	if (!have_tools)
		fail_msg("a tool this test needs (redis-server, turnadmin, openssl) is missing or failed; scripts/install-deps.sh installs them");
	start_redis(NULL);
	rr = rsync_cmd(NULL, NULL, "ACL SETUSER tp on >tp-pw ~turn/* ~turnpike/* &* +@all -keys");
	assert_int_not_equal(rr->type, REDIS_REPLY_ERROR);
	freeReplyObject(rr);
	rdo("SET turn/realm/" REALM "/user/%s/key %s", "quinn", "ffeeddccbbaa99887766554433221100");

	snprintf(cp.cc.redis.user, sizeof(cp.cc.redis.user), "tp");
	snprintf(cp.cc.redis.password, sizeof(cp.cc.redis.password), "tp-pw");
	cp.cc.redis.db = 0;
	r = make_store();
	a = lookup(r, "quinn");
	assert_int_equal(a.status, CTL_CRED_FOUND);
	assert_int_equal(a.key[0], 0xff);
	cp_redis_destroy(r);
	stop_redis();
	cp.cc.redis.user[0] = cp.cc.redis.password[0] = '\0';
}

static int
make_certs(void)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd),
		 "cd %s && "
		 "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > san.ext && "
		 "for n in ca other; do openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
		 "-nodes -keyout $n.key -out $n.crt -days 1 -subj /CN=tp-test-$n || exit 1; done && "
		 "for n in server client; do openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
		 "-nodes -keyout $n.key -out $n.csr -subj /CN=$n && "
		 "openssl x509 -req -in $n.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
		 "-out $n.crt -days 1 -extfile san.ext || exit 1; done",
		 tmpdir);
	return run(cmd);
}

static void
test_tls(void **state)
{
	char cert[128], key[128], ca[128], port[8];
	const char *extra[16];
	struct cp_redis *r;
	char cmd[512];
	uint16_t tls_port;

	(void)state;
	if (!have_tools)
		fail_msg("a tool this test needs (redis-server, turnadmin, openssl) is missing or failed; scripts/install-deps.sh installs them");
	if (make_certs() != 0)
		fail_msg("a tool this test needs (redis-server, turnadmin, openssl) is missing or failed; scripts/install-deps.sh installs them");
	snprintf(cert, sizeof(cert), "%s/server.crt", tmpdir);
	snprintf(key, sizeof(key), "%s/server.key", tmpdir);
	snprintf(ca, sizeof(ca), "%s/ca.crt", tmpdir);
	/* TLS only: the plain port is the one start_redis gives, then 0. */
	tls_port = free_port();
	snprintf(port, sizeof(port), "%u", tls_port);
	extra[0] = "--tls-port", extra[1] = port, extra[2] = "--tls-cert-file", extra[3] = cert;
	extra[4] = "--tls-key-file", extra[5] = key, extra[6] = "--tls-ca-cert-file", extra[7] = ca;
	extra[8] = "--tls-auth-clients", extra[9] = "yes", extra[10] = NULL;
	start_redis(extra);
	rdo("SET turn/realm/" REALM "/user/%s/key %s", "tess", "0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f");

	cp.cc.redis.port = tls_port;
	cp.cc.redis.tls = true;
	cp.cc.redis.tls_verify = true;
	snprintf(cp.cc.redis.tls_ca, sizeof(cp.cc.redis.tls_ca), "%s/ca.crt", tmpdir);
	snprintf(cp.cc.redis.tls_cert, sizeof(cp.cc.redis.tls_cert), "%s/client.crt", tmpdir);
	snprintf(cp.cc.redis.tls_key, sizeof(cp.cc.redis.tls_key), "%s/client.key", tmpdir);
	r = make_store();
	assert_int_equal(lookup(r, "tess").status, CTL_CRED_FOUND);
	cp_redis_destroy(r);

	/* The name checked is the SNI when set: a wrong one fails. */
	snprintf(cp.cc.redis.tls_sni, sizeof(cp.cc.redis.tls_sni), "wrong.example");
	r = cp_redis_create(&cp);
	loop_for(400);
	assert_false(cp_redis_up(r));
	cp_redis_destroy(r);
	snprintf(cp.cc.redis.tls_sni, sizeof(cp.cc.redis.tls_sni), "localhost");
	r = make_store();
	cp_redis_destroy(r);
	cp.cc.redis.tls_sni[0] = '\0';

	/* A server certificate from another CA fails verification... */
	snprintf(cp.cc.redis.tls_ca, sizeof(cp.cc.redis.tls_ca), "%s/other.crt", tmpdir);
	r = cp_redis_create(&cp);
	loop_for(400);
	assert_false(cp_redis_up(r));
	cp_redis_destroy(r);
	/* ...unless verification is off. */
	cp.cc.redis.tls_verify = false;
	r = make_store();
	cp_redis_destroy(r);

	/* A missing CA file is a set-up error. */
	snprintf(cp.cc.redis.tls_ca, sizeof(cp.cc.redis.tls_ca), "%s/missing.crt", tmpdir);
	cp.cc.redis.tls_verify = true;
	assert_null(cp_redis_create(&cp));

	stop_redis();
	cp.cc.redis.tls = false;
	cp.cc.redis.port = redis_port;
	snprintf(cmd, sizeof(cmd), "rm -f %s/*.crt %s/*.key %s/*.csr %s/*.srl %s/san.ext", tmpdir,
		 tmpdir, tmpdir, tmpdir, tmpdir);
	run(cmd);
}

static int
setup(void **state)
{
	(void)state;
	have_tools = run("command -v redis-server >/dev/null && command -v turnadmin >/dev/null") == 0;
	signal(SIGPIPE, SIG_IGN);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/tp-redis-test-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	memset(&cp, 0, sizeof(cp));
	cp.base = event_base_new();
	if (!cp.base)
		return -1;
	snprintf(cp.tp.realm, sizeof(cp.tp.realm), REALM);
	cp.instance_id = 0x1234;
	redis_port = free_port();
	base_config();
	if (have_tools)
		start_redis(NULL);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[160];

	(void)state;
	if (store)
		cp_redis_destroy(store);
	stop_redis();
	event_base_free(cp.base);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	run(cmd);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_notification),
		cmocka_unit_test(test_statsdb),
		cmocka_unit_test(test_down_and_back),
		cmocka_unit_test(test_no_keys),
		cmocka_unit_test(test_requirepass),
		cmocka_unit_test(test_acl_user),
		cmocka_unit_test(test_tls),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctl_server (and the admin socket) in process: the control plane's
 * event loop runs in this thread, pumped by the test, and the test plays
 * the dataplane over a real unix socket with the codec: HELLO and the
 * policy push, credential lookups from the config file's users, an
 * allocation event, a counter snapshot, DRAIN/RELOAD, a second dataplane
 * refused as BUSY, garbage closing the connection and a reconnect, and
 * the admin socket's answers. cp->redis is NULL throughout.
 *
 * Sockets live in a fresh directory under /tmp that the test removes.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <openssl/md5.h>
#include <openssl/sha.h>

#include "admin.h"
#include "alloc_registry.h"
#include "cp.h"

#define REALM "test.realm"
#define DP_ID 0xd00dull

static struct cp cp;
static char dir[64], sub[96];
static struct ctl_msg msg;

struct client {
	int fd;
	uint8_t buf[65536];
	size_t len;
	bool eof;
};

static struct client dp, dp2;

static uint64_t
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
pump(void)
{
	event_base_loop(cp.base, EVLOOP_NONBLOCK);
}

static void
cl_connect(struct client *c, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	memset(c, 0, sizeof(*c));
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(c->fd >= 0);
	assert_int_equal(connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
}

static void
cl_close(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static void
cl_fill(struct client *c)
{
	ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, MSG_DONTWAIT);

	if (n == 0)
		c->eof = true;
	else if (n > 0)
		c->len += (size_t)n;
}

/* The next frame from the control plane, skipping COUNTERS_REQUESTs
 * unless @skip_polls is false. Returns its type, 0 on EOF, -1 after 3 s. */
static int
cl_recv(struct client *c, struct ctl_msg *m, bool skip_polls)
{
	uint64_t deadline = ms_now() + 3000;

	while (ms_now() < deadline) {
		int r = ctl_decode(c->buf, c->len, m);

		if (r > 0) {
			memmove(c->buf, c->buf + r, c->len - (size_t)r);
			c->len -= (size_t)r;
			if (skip_polls && m->type == CTL_T_COUNTERS_REQUEST)
				continue;
			return m->type;
		}
		assert_int_equal(r, 0);
		if (c->eof)
			return 0;
		pump();
		cl_fill(c);
		if (c->len == 0 && !c->eof)
			usleep(1000);
	}
	return -1;
}

static void
cl_send(struct client *c, const struct ctl_msg *m)
{
	uint8_t buf[CTL_MAX_FRAME];
	int n = ctl_encode(m, buf, sizeof(buf));

	assert_true(n > 0);
	assert_int_equal(send(c->fd, buf, (size_t)n, MSG_NOSIGNAL), n);
}

/* Pump until @cond holds or 3 s pass. */
#define PUMP_UNTIL(cond)                                                                         \
	do {                                                                                     \
		uint64_t dl_ = ms_now() + 3000;                                                  \
		while (!(cond) && ms_now() < dl_) {                                              \
			pump();                                                                  \
			usleep(1000);                                                            \
		}                                                                                \
		assert_true(cond);                                                               \
	} while (0)

static void
hello(struct client *c)
{
	assert_int_equal(cl_recv(c, &msg, true), CTL_T_HELLO);
	assert_int_equal(msg.u.hello.role, CTL_ROLE_CONTROL);
	assert_int_equal(msg.u.hello.version, CTL_VERSION);
	assert_true(msg.u.hello.instance_id == 0xc0ffeeull);
	ctl_msg_init(&msg, CTL_T_HELLO, 0);
	msg.u.hello.version = CTL_VERSION;
	msg.u.hello.role = CTL_ROLE_DATAPLANE;
	msg.u.hello.instance_id = DP_ID;
	cl_send(c, &msg);
	/* REST secrets first, then (no Redis) nothing but the first poll. */
	assert_int_equal(cl_recv(c, &msg, false), CTL_T_REST_SECRETS);
	assert_int_equal(msg.u.secrets.count, 1);
	assert_int_equal(msg.u.secrets.secret[0].len, 6);
	assert_memory_equal(msg.u.secrets.secret[0].data, "rest-1", 6);
	assert_int_equal(cl_recv(c, &msg, false), CTL_T_COUNTERS_REQUEST);
	assert_true(cp.dp_connected);
	assert_true(cp.dp_instance_id == DP_ID);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ctl_server_test.XXXXXX");
	assert_non_null(mkdtemp(dir));
	/* A directory that does not exist yet: the server creates it. */
	snprintf(sub, sizeof(sub), "%s/run", dir);

	tp_config_defaults(&cp.tp);
	snprintf(cp.tp.realm, sizeof(cp.tp.realm), "%s", REALM);
	snprintf(cp.tp.users[0].name, sizeof(cp.tp.users[0].name), "alice");
	snprintf(cp.tp.users[0].password, sizeof(cp.tp.users[0].password), "secret-pw");
	cp.tp.n_users = 1;
	assert_int_equal(stun_rest_secrets_add(&cp.tp.rest, "rest-1", 6), 0);
	cp_config_defaults(&cp.cc);
	snprintf(cp.cc.socket, sizeof(cp.cc.socket), "%s/control.sock", sub);
	snprintf(cp.cc.admin_socket, sizeof(cp.cc.admin_socket), "%s/admin.sock", sub);
	cp.instance_id = 0xc0ffeeull;
	cp.base = event_base_new();
	assert_non_null(cp.base);
	cp.registry = cp_registry_create(100);
	assert_non_null(cp.registry);
	cp.chan = cp_chan_create(&cp);
	assert_non_null(cp.chan);
	cp.admin = cp_admin_create(&cp);
	assert_non_null(cp.admin);
	dp.fd = dp2.fd = -1;
	return 0;
}

static int
teardown(void **state)
{
	struct stat st;

	(void)state;
	cl_close(&dp);
	cl_close(&dp2);
	cp_admin_destroy(cp.admin);
	cp_chan_destroy(cp.chan);
	assert_null(cp.chan); /* destroy clears the pointer */
	/* Both socket files were ours: removed. */
	assert_int_equal(stat(cp.cc.socket, &st), -1);
	assert_int_equal(stat(cp.cc.admin_socket, &st), -1);
	cp_registry_destroy(cp.registry);
	event_base_free(cp.base);
	rmdir(sub);
	rmdir(dir);
	return 0;
}

static void
test_sockets(void **state)
{
	struct stat st;

	(void)state;
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(stat(cp.cc.socket, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0660);
	assert_int_equal(stat(cp.cc.admin_socket, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

static void
test_hello_push_snapshot(void **state)
{
	uint32_t poll_id;

	(void)state;
	assert_false(cp.dp_connected);
	cl_connect(&dp, cp.cc.socket);
	hello(&dp);
	poll_id = msg.request_id;
	assert_int_equal(cp.stats.dp_connects, 1);

	ctl_msg_init(&msg, CTL_T_COUNTERS_SNAPSHOT, poll_id);
	msg.u.counters.count = 2;
	msg.u.counters.c[0].name_len =
		(uint8_t)ctl_set_str(msg.u.counters.c[0].name, CTL_MAX_COUNTER_NAME, "rx_pkts");
	msg.u.counters.c[0].value = 5;
	msg.u.counters.c[1].name_len =
		(uint8_t)ctl_set_str(msg.u.counters.c[1].name, CTL_MAX_COUNTER_NAME, "draining");
	msg.u.counters.c[1].value = 0;
	cl_send(&dp, &msg);
	PUMP_UNTIL(cp.dp_counters.count == 2);
	assert_string_equal(cp.dp_counters.c[0].name, "rx_pkts");
	assert_int_equal(cp.dp_counters.c[0].value, 5);
	assert_true(cp.dp_counters_at > 0);
	assert_false(cp.dp_draining);
}

static void
lookup_name(uint32_t id, const char *realm, const char *user, uint8_t alg)
{
	ctl_msg_init(&msg, CTL_T_CRED_LOOKUP, id);
	msg.u.lookup.by = CTL_LOOKUP_BY_NAME;
	msg.u.lookup.algorithm = alg;
	msg.u.lookup.realm_len = (uint16_t)ctl_set_str(msg.u.lookup.realm, CTL_MAX_REALM, realm);
	msg.u.lookup.user_len = (uint16_t)ctl_set_str(msg.u.lookup.user, CTL_MAX_USER, user);
	cl_send(&dp, &msg);
	assert_int_equal(cl_recv(&dp, &msg, true), CTL_T_CRED_ANSWER);
	assert_int_equal(msg.request_id, id);
	assert_int_equal(msg.u.answer.algorithm, alg);
}

static void
test_lookups(void **state)
{
	const char *s = "alice:" REALM ":secret-pw";
	uint8_t md5[16], sha[32], uh[32];

	(void)state;
	MD5((const unsigned char *)s, strlen(s), md5);
	SHA256((const unsigned char *)s, strlen(s), sha);
	SHA256((const unsigned char *)"alice:" REALM, strlen("alice:" REALM), uh);

	lookup_name(101, REALM, "alice", CTL_PWALG_MD5);
	assert_int_equal(msg.u.answer.status, CTL_CRED_FOUND);
	assert_int_equal(msg.u.answer.key_len, 16);
	assert_memory_equal(msg.u.answer.key, md5, 16);
	assert_string_equal(msg.u.answer.user, "alice");
	assert_int_equal(msg.u.answer.ttl, cp.cc.redis.key_ttl);

	lookup_name(102, REALM, "alice", CTL_PWALG_SHA256);
	assert_int_equal(msg.u.answer.status, CTL_CRED_FOUND);
	assert_int_equal(msg.u.answer.key_len, 32);
	assert_memory_equal(msg.u.answer.key, sha, 32);

	lookup_name(103, "", "alice", CTL_PWALG_MD5); /* empty realm: ours */
	assert_int_equal(msg.u.answer.status, CTL_CRED_FOUND);

	lookup_name(104, REALM, "bob", CTL_PWALG_MD5);
	assert_int_equal(msg.u.answer.status, CTL_CRED_NOT_FOUND);
	assert_int_equal(msg.u.answer.key_len, 0);
	assert_int_equal(msg.u.answer.user_len, 0);
	assert_int_equal(msg.u.answer.ttl, 2);

	lookup_name(105, "other.realm", "alice", CTL_PWALG_MD5);
	assert_int_equal(msg.u.answer.status, CTL_CRED_NOT_FOUND);

	/* By USERHASH: the config user's hash resolves to the name. */
	ctl_msg_init(&msg, CTL_T_CRED_LOOKUP, 106);
	msg.u.lookup.by = CTL_LOOKUP_BY_USERHASH;
	msg.u.lookup.algorithm = CTL_PWALG_SHA256;
	msg.u.lookup.realm_len = (uint16_t)ctl_set_str(msg.u.lookup.realm, CTL_MAX_REALM, REALM);
	memcpy(msg.u.lookup.userhash, uh, 32);
	cl_send(&dp, &msg);
	assert_int_equal(cl_recv(&dp, &msg, true), CTL_T_CRED_ANSWER);
	assert_int_equal(msg.request_id, 106);
	assert_int_equal(msg.u.answer.status, CTL_CRED_FOUND);
	assert_memory_equal(msg.u.answer.key, sha, 32);
	assert_string_equal(msg.u.answer.user, "alice");

	uh[0] ^= 1;
	ctl_msg_init(&msg, CTL_T_CRED_LOOKUP, 107);
	msg.u.lookup.by = CTL_LOOKUP_BY_USERHASH;
	msg.u.lookup.algorithm = CTL_PWALG_MD5;
	memcpy(msg.u.lookup.userhash, uh, 32);
	cl_send(&dp, &msg);
	assert_int_equal(cl_recv(&dp, &msg, true), CTL_T_CRED_ANSWER);
	assert_int_equal(msg.u.answer.status, CTL_CRED_NOT_FOUND);

	assert_int_equal(cp.stats.lookup_config, 4);
	assert_int_equal(cp.stats.lookup_not_found, 3);
	assert_int_equal(cp.stats.lookup_redis + cp.stats.lookup_cache + cp.stats.lookup_error, 0);
}

static void
send_alloc(uint8_t kind, uint64_t id)
{
	ctl_msg_init(&msg, CTL_T_ALLOC_EVENT, 0);
	msg.u.alloc.kind = kind;
	msg.u.alloc.lifetime = kind == CTL_ALLOC_CREATED || kind == CTL_ALLOC_REFRESHED ? 600 : 0;
	msg.u.alloc.alloc_id = id;
	stun_addr_from_string(&msg.u.alloc.ft.client, "198.18.0.1:40000", 0);
	stun_addr_from_string(&msg.u.alloc.ft.server, "198.18.0.2:3478", 0);
	msg.u.alloc.ft.proto = 17;
	stun_addr_from_string(&msg.u.alloc.relay, "198.18.0.2:50000", 0);
	msg.u.alloc.c2p_packets = 3;
	msg.u.alloc.user_len = (uint16_t)ctl_set_str(msg.u.alloc.user, CTL_MAX_USER, "alice");
	cl_send(&dp, &msg);
}

static void
test_alloc_event(void **state)
{
	const struct cp_registry_entry *e;

	(void)state;
	send_alloc(CTL_ALLOC_CREATED, 42);
	PUMP_UNTIL(cp_registry_count(cp.registry) == 1);
	e = cp_registry_get(cp.registry, DP_ID, 42);
	assert_non_null(e);
	assert_string_equal(e->user, "alice");
	assert_int_equal(e->relay.port, 50000);
	assert_int_equal(e->c2p_packets, 3);
	assert_int_equal(cp.stats.alloc_events, 1);
}

static void
test_busy(void **state)
{
	(void)state;
	cl_connect(&dp2, cp.cc.socket);
	assert_int_equal(cl_recv(&dp2, &msg, true), CTL_T_ERROR);
	assert_int_equal(msg.u.error.code, CTL_ERR_BUSY);
	assert_int_equal(cl_recv(&dp2, &msg, true), 0); /* and closed */
	cl_close(&dp2);
	/* The first dataplane is unaffected. */
	lookup_name(200, REALM, "alice", CTL_PWALG_MD5);
	assert_int_equal(msg.u.answer.status, CTL_CRED_FOUND);
	assert_true(cp.dp_connected);
}

static void
test_drain_reload(void **state)
{
	uint32_t id;

	(void)state;
	assert_int_equal(cp_chan_drain(cp.chan), 0);
	assert_int_equal(cl_recv(&dp, &msg, true), CTL_T_DRAIN);
	id = msg.request_id;
	assert_false(cp.dp_draining);
	ctl_msg_init(&msg, CTL_T_ACK, id);
	cl_send(&dp, &msg);
	PUMP_UNTIL(cp.dp_draining);

	assert_int_equal(cp_chan_reload(cp.chan), 0);
	assert_int_equal(cl_recv(&dp, &msg, true), CTL_T_RELOAD);
	id = msg.request_id;
	ctl_msg_init(&msg, CTL_T_ERROR, id);
	msg.u.error.req_type = CTL_T_RELOAD;
	msg.u.error.code = CTL_ERR_FAILED;
	msg.u.error.text_len =
		(uint8_t)ctl_set_str(msg.u.error.text, CTL_MAX_ERROR_TEXT, "test: bad file");
	cl_send(&dp, &msg);
	/* Logged only; the connection stays. */
	lookup_name(201, REALM, "alice", CTL_PWALG_MD5);
	assert_true(cp.dp_connected);

	/* An unknown type is answered, not fatal. */
	{
		uint8_t frame[CTL_HEADER_LEN] = { 0x54, 0x50, 0x43, 0x43, 1, 200, 0, 0,
						  0,    0,    0,    0,    0, 0,   0, 9 };

		assert_int_equal(send(dp.fd, frame, sizeof(frame), MSG_NOSIGNAL), sizeof(frame));
		assert_int_equal(cl_recv(&dp, &msg, true), CTL_T_ERROR);
		assert_int_equal(msg.request_id, 9);
		assert_int_equal(msg.u.error.code, CTL_ERR_UNKNOWN_TYPE);
		assert_int_equal(msg.u.error.req_type, 200);
	}
}

/* Read one admin answer (up to its empty line) into @out. */
static void
admin_answer(struct client *c, char *out, size_t cap)
{
	uint64_t deadline = ms_now() + 3000;

	while (ms_now() < deadline) {
		char *end;

		c->buf[c->len] = '\0';
		if ((end = strstr((char *)c->buf, "\n\n")) != NULL) {
			size_t n = (size_t)(end - (char *)c->buf) + 2;

			assert_true(n < cap);
			memcpy(out, c->buf, n);
			out[n] = '\0';
			memmove(c->buf, c->buf + n, c->len - n);
			c->len -= n;
			return;
		}
		pump();
		cl_fill(c);
		usleep(1000);
	}
	fail_msg("no admin answer");
}

static void
test_admin(void **state)
{
	struct client *a = &dp2;
	static const char req[] = "status\nbogus x\nallocations\n"
				  "allocation 000000000000d00d-000000000000000042\n"
				  "allocation 000000000000d00d-7\nallocation nonsense\n"
				  "counters\nstatus extra\n";
	char ans[8192];

	(void)state;
	cl_connect(a, cp.cc.admin_socket);
	assert_int_equal(send(a->fd, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
	admin_answer(a, ans, sizeof(ans));
	assert_string_equal(ans, "ok\ndataplane connected\ndraining yes\nredis off\n"
				 "dataplane_instance 000000000000d00d\nallocations 1\n\n");
	admin_answer(a, ans, sizeof(ans));
	assert_string_equal(ans, "error unknown command bogus\n\n");
	admin_answer(a, ans, sizeof(ans));
	assert_string_equal(ans, "ok\n000000000000d00d-000000000000000042 user=alice "
				 "client=198.18.0.1:40000 relay=198.18.0.2:50000 lifetime=600 "
				 "c2p_packets=3 c2p_bytes=0 p2c_packets=0 p2c_bytes=0\n\n");
	admin_answer(a, ans, sizeof(ans));
	assert_non_null(strstr(ans, "ok\nid 000000000000d00d-000000000000000042\nuser alice\n"));
	assert_non_null(strstr(ans, "\nserver 198.18.0.2:3478\n"));
	assert_non_null(strstr(ans, "\nstate created\nstale no\n"));
	admin_answer(a, ans, sizeof(ans));
	assert_string_equal(ans, "error no allocation 000000000000d00d-7\n\n");
	admin_answer(a, ans, sizeof(ans));
	assert_memory_equal(ans, "error expected an allocation id", 31);
	admin_answer(a, ans, sizeof(ans));
	assert_memory_equal(ans, "ok\ndataplane.rx_pkts 5\ndataplane.draining 0\n", 42);
	assert_non_null(strstr(ans, "\ncontrol.lookup_config 6\n"));
	admin_answer(a, ans, sizeof(ans));
	assert_string_equal(ans, "error status takes no argument\n\n");

	/* A line over the limit: an error, then the connection closes. */
	{
		char big[CP_ADMIN_LINE_MAX + 100];

		memset(big, 'x', sizeof(big));
		assert_int_equal(send(a->fd, big, sizeof(big), MSG_NOSIGNAL), (ssize_t)sizeof(big));
		admin_answer(a, ans, sizeof(ans));
		assert_string_equal(ans, "error line longer than 1024 bytes\n\n");
		PUMP_UNTIL((cl_fill(a), a->eof));
	}
	cl_close(a);
}

static void
test_garbage_then_reconnect(void **state)
{
	uint64_t errors = cp.stats.dp_protocol_errors;

	(void)state;
	assert_int_equal(send(dp.fd, "GARBAGE!GARBAGE!", 16, MSG_NOSIGNAL), 16);
	assert_int_equal(cl_recv(&dp, &msg, true), 0);
	assert_int_equal(cp.stats.dp_protocol_errors, errors + 1);
	assert_false(cp.dp_connected);
	/* The registry keeps the allocation, marked stale. */
	assert_true(cp_registry_get(cp.registry, DP_ID, 42)->stale);
	cl_close(&dp);

	cl_connect(&dp, cp.cc.socket);
	hello(&dp);
	assert_int_equal(cp.stats.dp_connects, 2);
	/* Re-announced by the same instance: no longer stale. */
	send_alloc(CTL_ALLOC_REFRESHED, 42);
	PUMP_UNTIL(!cp_registry_get(cp.registry, DP_ID, 42)->stale);
	send_alloc(CTL_ALLOC_DELETED, 42);
	PUMP_UNTIL(cp_registry_count(cp.registry) == 0);

	/* A first message that is not HELLO is a protocol error too. */
	cl_close(&dp);
	PUMP_UNTIL(!cp.dp_connected);
	cl_connect(&dp, cp.cc.socket);
	assert_int_equal(cl_recv(&dp, &msg, true), CTL_T_HELLO);
	ctl_msg_init(&msg, CTL_T_ACK, 1);
	cl_send(&dp, &msg);
	assert_int_equal(cl_recv(&dp, &msg, true), 0);
	cl_close(&dp);
}

/* cp_unix_listen: a live socket is refused, a stale one replaced, a
 * regular file left alone. */
static void
test_unix_listen(void **state)
{
	char path[128], err[256];
	int fd1, fd2;

	(void)state;
	snprintf(path, sizeof(path), "%s/x.sock", dir);
	fd1 = cp_unix_listen(path, 0600, err, sizeof(err));
	assert_true(fd1 >= 0);
	assert_int_equal(cp_unix_listen(path, 0600, err, sizeof(err)), -EADDRINUSE);
	assert_non_null(strstr(err, "in use by another process"));
	close(fd1); /* the file stays behind: stale */
	fd2 = cp_unix_listen(path, 0600, err, sizeof(err));
	assert_true(fd2 >= 0);
	close(fd2);
	unlink(path);

	close(open(path, O_CREAT | O_WRONLY, 0600));
	assert_int_equal(cp_unix_listen(path, 0600, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "exists and is not a socket"));
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sockets),
		cmocka_unit_test(test_hello_push_snapshot),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_alloc_event),
		cmocka_unit_test(test_busy),
		cmocka_unit_test(test_drain_reload),
		cmocka_unit_test(test_admin),
		cmocka_unit_test(test_garbage_then_reconnect),
		cmocka_unit_test(test_unix_listen),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

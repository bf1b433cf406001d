/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * coturn statsdb formatting: the exact keys, values, commands and TTLs
 * for each allocation event kind, IPv4 and IPv6, and the inputs that
 * must be refused because they would change a key's shape.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "statsdb.h"
#include "stun_addr.h"

static void
make_event(struct ctl_alloc_event *ev, uint8_t kind, const char *user)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->lifetime = kind == CTL_ALLOC_CREATED || kind == CTL_ALLOC_REFRESHED ? 600 : 0;
	ev->alloc_id = 42;
	assert_int_equal(stun_addr_from_string(&ev->ft.client, "198.18.0.2", 50000), 0);
	assert_int_equal(stun_addr_from_string(&ev->ft.server, "198.18.0.1", 3478), 0);
	assert_int_equal(stun_addr_from_string(&ev->relay, "198.18.0.1", 49152), 0);
	ev->c2p_packets = 10;
	ev->c2p_bytes = 1000;
	ev->p2c_packets = 20;
	ev->p2c_bytes = 3000;
	ev->user_len = (uint16_t)strlen(user);
	memcpy(ev->user, user, ev->user_len);
}

#define BASE "turn/realm/example.org/user/alice/allocation/00000000deadbeef-000000000000000042"

static void
test_alloc_id(void **state)
{
	char id[STATSDB_ID_LEN + 1];

	(void)state;
	statsdb_alloc_id(id, sizeof(id), 0xdeadbeefull, 42);
	assert_string_equal(id, "00000000deadbeef-000000000000000042");
	statsdb_alloc_id(id, sizeof(id), UINT64_MAX, 999999999999999999ull);
	assert_string_equal(id, "ffffffffffffffff-999999999999999999");
	assert_int_equal(strlen(id), STATSDB_ID_LEN);
}

static void
test_created(void **state)
{
	struct ctl_alloc_event ev;
	struct statsdb_op ops[STATSDB_MAX_OPS];
	const char *val = "new lifetime=600, type=UDP, local=198.18.0.1:3478, "
			  "remote=198.18.0.2:50000, ssl=NONE, cipher=NONE";

	(void)state;
	make_event(&ev, CTL_ALLOC_CREATED, "alice");
	assert_int_equal(statsdb_plan(&ev, "example.org", 0xdeadbeefull, 60, ops), 2);
	assert_int_equal(ops[0].cmd, STATSDB_SET);
	assert_string_equal(ops[0].key, BASE "/status");
	assert_string_equal(ops[0].val, val);
	assert_int_equal(ops[0].ex, 660);
	assert_int_equal(ops[1].cmd, STATSDB_PUBLISH);
	assert_string_equal(ops[1].key, BASE "/status");
	assert_string_equal(ops[1].val, val);
}

static void
test_refreshed(void **state)
{
	struct ctl_alloc_event ev;
	struct statsdb_op ops[STATSDB_MAX_OPS];

	(void)state;
	make_event(&ev, CTL_ALLOC_REFRESHED, "alice");
	ev.lifetime = 300;
	assert_int_equal(statsdb_plan(&ev, "example.org", 0xdeadbeefull, 30, ops), 4);
	assert_int_equal(ops[0].cmd, STATSDB_SET);
	assert_int_equal(ops[0].ex, 330);
	assert_string_equal(ops[0].val, "refreshed lifetime=300, type=UDP, local=198.18.0.1:3478, "
					"remote=198.18.0.2:50000, ssl=NONE, cipher=NONE");
	assert_int_equal(ops[1].cmd, STATSDB_PUBLISH);
	assert_string_equal(ops[1].val, ops[0].val);
	/* rcv = from the client (c2p), sent = to the client (p2c) */
	assert_int_equal(ops[2].cmd, STATSDB_PUBLISH);
	assert_string_equal(ops[2].key, BASE "/traffic");
	assert_string_equal(ops[2].val, "rcvp=10, rcvb=1000, sentp=20, sentb=3000");
	/* peer: rcv = from peers (p2c), sent = to peers (c2p) */
	assert_int_equal(ops[3].cmd, STATSDB_PUBLISH);
	assert_string_equal(ops[3].key, BASE "/traffic/peer");
	assert_string_equal(ops[3].val, "rcvp=20, rcvb=3000, sentp=10, sentb=1000");
}

static void
test_deleted_and_expired(void **state)
{
	struct ctl_alloc_event ev;
	struct statsdb_op ops[STATSDB_MAX_OPS];
	uint8_t kinds[] = {CTL_ALLOC_DELETED, CTL_ALLOC_EXPIRED};
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(kinds); k++) {
		make_event(&ev, kinds[k], "alice");
		assert_int_equal(statsdb_plan(&ev, "example.org", 0xdeadbeefull, 60, ops), 4);
		assert_int_equal(ops[0].cmd, STATSDB_DEL);
		assert_string_equal(ops[0].key, BASE "/status");
		assert_int_equal(ops[1].cmd, STATSDB_PUBLISH);
		assert_string_equal(ops[1].key, BASE "/status");
		assert_string_equal(ops[1].val, "deleted");
		assert_int_equal(ops[2].cmd, STATSDB_PUBLISH);
		assert_string_equal(ops[2].key, BASE "/total_traffic");
		assert_string_equal(ops[2].val, "rcvp=10, rcvb=1000, sentp=20, sentb=3000");
		assert_int_equal(ops[3].cmd, STATSDB_PUBLISH);
		assert_string_equal(ops[3].key, BASE "/total_traffic/peer");
		assert_string_equal(ops[3].val, "rcvp=20, rcvb=3000, sentp=10, sentb=1000");
	}
}

static void
test_ipv6_and_no_realm(void **state)
{
	struct ctl_alloc_event ev;
	struct statsdb_op ops[STATSDB_MAX_OPS];

	(void)state;
	make_event(&ev, CTL_ALLOC_CREATED, "1700000000:bob");
	assert_int_equal(stun_addr_from_string(&ev.ft.client, "[2001:db8::2]:40000", 0), 0);
	assert_int_equal(stun_addr_from_string(&ev.ft.server, "[2001:db8::1]:3478", 0), 0);
	assert_int_equal(statsdb_plan(&ev, "", 1, 0, ops), 2);
	assert_string_equal(ops[0].key,
			    "turn/user/1700000000:bob/allocation/0000000000000001-000000000000000042/status");
	assert_string_equal(ops[0].val, "new lifetime=600, type=UDP, local=[2001:db8::1]:3478, "
					"remote=[2001:db8::2]:40000, ssl=NONE, cipher=NONE");
	assert_int_equal(ops[0].ex, 600);
}

static void
test_big_numbers_and_limits(void **state)
{
	struct ctl_alloc_event ev;
	struct statsdb_op ops[STATSDB_MAX_OPS];
	char realm[CTL_MAX_REALM + 1], user[CTL_MAX_USER + 1];
	char buf[STATSDB_VAL_MAX];

	(void)state;
	statsdb_traffic(buf, sizeof(buf), UINT64_MAX, 0, 1, UINT64_MAX);
	assert_string_equal(buf, "rcvp=18446744073709551615, rcvb=0, sentp=1, "
				 "sentb=18446744073709551615");
	/* The longest realm and user still fit. */
	memset(realm, 'r', CTL_MAX_REALM);
	realm[CTL_MAX_REALM] = '\0';
	memset(user, 'u', CTL_MAX_USER);
	user[CTL_MAX_USER] = '\0';
	make_event(&ev, CTL_ALLOC_REFRESHED, user);
	ev.lifetime = UINT32_MAX;
	assert_int_equal(statsdb_plan(&ev, realm, 1, 60, ops), 4);
	assert_int_equal(ops[0].ex, UINT32_MAX);
	assert_true(strlen(ops[3].key) > CTL_MAX_REALM + CTL_MAX_USER);
	/* A zero lifetime and grace still gives a positive TTL. */
	make_event(&ev, CTL_ALLOC_CREATED, "alice");
	ev.lifetime = 0;
	assert_int_equal(statsdb_plan(&ev, "example.org", 1, 0, ops), 2);
	assert_int_equal(ops[0].ex, 1);
}

static void
test_refused(void **state)
{
	struct ctl_alloc_event ev;
	struct statsdb_op ops[STATSDB_MAX_OPS];

	(void)state;
	make_event(&ev, CTL_ALLOC_CREATED, "a/b");
	assert_int_equal(statsdb_plan(&ev, "example.org", 1, 60, ops), -EINVAL);
	make_event(&ev, CTL_ALLOC_CREATED, "a\nb");
	assert_int_equal(statsdb_plan(&ev, "example.org", 1, 60, ops), -EINVAL);
	make_event(&ev, CTL_ALLOC_CREATED, "");
	assert_int_equal(statsdb_plan(&ev, "example.org", 1, 60, ops), -EINVAL);
	make_event(&ev, CTL_ALLOC_CREATED, "alice");
	assert_int_equal(statsdb_plan(&ev, "ex/ample", 1, 60, ops), -EINVAL);
	ev.kind = 0;
	assert_int_equal(statsdb_plan(&ev, "example.org", 1, 60, ops), -EINVAL);
	ev.kind = CTL_ALLOC_EXPIRED + 1;
	assert_int_equal(statsdb_plan(&ev, "example.org", 1, 60, ops), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_id),
		cmocka_unit_test(test_created),
		cmocka_unit_test(test_refreshed),
		cmocka_unit_test(test_deleted_and_expired),
		cmocka_unit_test(test_ipv6_and_no_realm),
		cmocka_unit_test(test_big_numbers_and_limits),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

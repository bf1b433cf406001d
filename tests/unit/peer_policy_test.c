/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * peer_policy: every built-in deny range at its edges and just outside,
 * canonicalisation of mapped and compatible IPv6 forms, allow over deny,
 * deny-always over allow, ranges, default_deny = false, and the rule
 * syntax (good and bad).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "peer_policy.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct verdict_case {
	const char *peer;
	bool allowed;
};

static struct stun_addr
addr(const char *s)
{
	struct stun_addr a;

	if (stun_addr_from_string(&a, s, 3478) != 0)
		fail_msg("test address does not parse: %s", s);
	return a;
}

static void
check_cases(const struct tp_peer_policy *p, const struct verdict_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct stun_addr a = addr(c[i].peer);

		if (tp_peer_policy_allowed(p, &a) != c[i].allowed)
			fail_msg("%s: expected %s", c[i].peer, c[i].allowed ? "allowed" : "denied");
	}
}

/* With default_deny and no rules: the first and last address of every
 * built-in range is denied, and the neighbours outside it are allowed
 * unless they belong to the next range (noted where so). */
static const struct verdict_case builtin_cases[] = {
	/* 0.0.0.0/8 */
	{ "0.0.0.0", false },
	{ "0.255.255.255", false },
	{ "1.0.0.0", true },
	/* 10.0.0.0/8 */
	{ "9.255.255.255", true },
	{ "10.0.0.0", false },
	{ "10.255.255.255", false },
	{ "11.0.0.0", true },
	/* 100.64.0.0/10 */
	{ "100.63.255.255", true },
	{ "100.64.0.0", false },
	{ "100.127.255.255", false },
	{ "100.128.0.0", true },
	/* 127.0.0.0/8 */
	{ "126.255.255.255", true },
	{ "127.0.0.0", false },
	{ "127.0.0.1", false },
	{ "127.255.255.255", false },
	{ "128.0.0.0", true },
	/* 169.254.0.0/16 */
	{ "169.253.255.255", true },
	{ "169.254.0.0", false },
	{ "169.254.255.255", false },
	{ "169.255.0.0", true },
	/* 172.16.0.0/12 */
	{ "172.15.255.255", true },
	{ "172.16.0.0", false },
	{ "172.31.255.255", false },
	{ "172.32.0.0", true },
	/* 192.0.0.0/24 */
	{ "191.255.255.255", true },
	{ "192.0.0.0", false },
	{ "192.0.0.255", false },
	{ "192.0.1.0", true },
	/* 192.0.2.0/24 */
	{ "192.0.1.255", true },
	{ "192.0.2.0", false },
	{ "192.0.2.255", false },
	{ "192.0.3.0", true },
	/* 192.88.99.0/24 */
	{ "192.88.98.255", true },
	{ "192.88.99.0", false },
	{ "192.88.99.255", false },
	{ "192.88.100.0", true },
	/* 192.168.0.0/16 */
	{ "192.167.255.255", true },
	{ "192.168.0.0", false },
	{ "192.168.255.255", false },
	{ "192.169.0.0", true },
	/* 198.18.0.0/15 */
	{ "198.17.255.255", true },
	{ "198.18.0.0", false },
	{ "198.19.255.255", false },
	{ "198.20.0.0", true },
	/* 198.51.100.0/24 */
	{ "198.51.99.255", true },
	{ "198.51.100.0", false },
	{ "198.51.100.255", false },
	{ "198.51.101.0", true },
	/* 203.0.113.0/24 */
	{ "203.0.112.255", true },
	{ "203.0.113.0", false },
	{ "203.0.113.255", false },
	{ "203.0.114.0", true },
	/* 224.0.0.0/4, then 240.0.0.0/4 right after it up to the top */
	{ "223.255.255.255", true },
	{ "224.0.0.0", false },
	{ "239.255.255.255", false },
	{ "240.0.0.0", false },
	{ "255.255.255.255", false },
	/* some public addresses */
	{ "8.8.8.8", true },
	{ "1.1.1.1", true },
	{ "193.0.0.1", true },
	/* ::/128 and ::1/128; ::2 is IPv4-compatible 0.0.0.2, hence 0/8 */
	{ "::", false },
	{ "::1", false },
	{ "::2", false },
	/* 64:ff9b::/96, not canonicalised: whole block denied */
	{ "64:ff9a:ffff:ffff:ffff:ffff:ffff:ffff", true },
	{ "64:ff9b::", false },
	{ "64:ff9b::808:808", false },
	{ "64:ff9b::ffff:ffff", false },
	{ "64:ff9b::1:0:0", true },
	{ "64:ff9b:1::1", true },
	/* 100::/64 */
	{ "ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true },
	{ "100::", false },
	{ "100::ffff:ffff:ffff:ffff", false },
	{ "100:0:0:1::", true },
	/* 2001::/32 (Teredo) */
	{ "2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true },
	{ "2001::", false },
	{ "2001:0:ffff:ffff:ffff:ffff:ffff:ffff", false },
	{ "2001:1::", true },
	/* 2001:db8::/32 */
	{ "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", true },
	{ "2001:db8::", false },
	{ "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", false },
	{ "2001:db9::", true },
	/* 2002::/16 (6to4) */
	{ "2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true },
	{ "2002::", false },
	{ "2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false },
	{ "2003::", true },
	/* fc00::/7 */
	{ "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true },
	{ "fc00::", false },
	{ "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false },
	{ "fe00::", true },
	/* fe80::/10 */
	{ "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true },
	{ "fe80::", false },
	{ "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false },
	{ "fec0::", true },
	/* ff00::/8 */
	{ "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true },
	{ "ff00::", false },
	{ "ff02::1", false },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false },
	/* public IPv6 */
	{ "2606:4700:4700::1111", true },
	{ "2a00:1450:4001::1", true },
	/* mapped and compatible forms are checked as IPv4 */
	{ "::ffff:127.0.0.1", false },
	{ "::ffff:10.1.2.3", false },
	{ "::ffff:192.168.1.1", false },
	{ "::ffff:255.255.255.255", false },
	{ "::ffff:8.8.8.8", true },
	{ "::127.0.0.1", false },
	{ "::10.0.0.1", false },
	{ "::8.8.8.8", true },
	{ "::255.255.255.255", false },
	/* just outside the mapped block: plain IPv6, not in any range */
	{ "::1:ffff:7f00:1", true },
	{ "::fffe:7f00:1", true },
};

static void
test_builtin_ranges(void **state)
{
	(void)state;
	struct tp_peer_policy *p = tp_peer_policy_create(true);

	assert_non_null(p);
	check_cases(p, builtin_cases, ARRAY_SIZE(builtin_cases));
	tp_peer_policy_destroy(p);
}

/* The exported list is exactly the one in the brief, in order, and each
 * entry is a valid rule. */
static void
test_builtin_list(void **state)
{
	(void)state;
	static const char *const expect[] = {
		"0.0.0.0/8",      "10.0.0.0/8",      "100.64.0.0/10",  "127.0.0.0/8",
		"169.254.0.0/16", "172.16.0.0/12",   "192.0.0.0/24",   "192.0.2.0/24",
		"192.88.99.0/24", "192.168.0.0/16",  "198.18.0.0/15",  "198.51.100.0/24",
		"203.0.113.0/24", "224.0.0.0/4",     "240.0.0.0/4",    "::/128",
		"::1/128",        "64:ff9b::/96",    "100::/64",       "2001::/32",
		"2001:db8::/32",  "2002::/16",       "fc00::/7",       "fe80::/10",
		"ff00::/8",
	};
	size_t n = 0;
	const char *const *list = tp_peer_policy_builtin(&n);

	assert_int_equal(n, ARRAY_SIZE(expect));
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(list[i], expect[i]);
		assert_int_equal(tp_peer_rule_check(list[i], NULL), 0);
	}
}

/* default_deny = false: only operator rules apply. */
static void
test_no_default_deny(void **state)
{
	(void)state;
	static const struct verdict_case cases[] = {
		{ "127.0.0.1", true },
		{ "10.0.0.1", true },
		{ "::1", true },
		{ "::ffff:127.0.0.1", true },
		{ "fe80::1", true },
		{ "64:ff9b::a00:1", true },
		{ "8.8.8.8", false },
		{ "::ffff:8.8.8.8", false },
		{ "::8.8.8.8", false },
		{ "8.8.4.4", true },
		{ "2001:db8::5", false },
		{ "2001:db8::6", true },
	};
	struct tp_peer_policy *p = tp_peer_policy_create(false);

	assert_non_null(p);
	assert_int_equal(tp_peer_policy_add(p, false, "8.8.8.8"), 0);
	assert_int_equal(tp_peer_policy_add(p, false, "2001:db8::5"), 0);
	check_cases(p, cases, ARRAY_SIZE(cases));
	tp_peer_policy_destroy(p);
}

/* Allow rules win over the built-in list and over deny rules; ranges
 * and single addresses; rules in mapped form act on IPv4. */
static void
test_allow_over_deny(void **state)
{
	(void)state;
	static const struct verdict_case cases[] = {
		/* 198.18.0.0/24 allowed out of the denied 198.18.0.0/15 */
		{ "198.18.0.0", true },
		{ "198.18.0.255", true },
		{ "::ffff:198.18.0.7", true },
		{ "198.18.1.0", false },
		{ "198.19.0.1", false },
		/* a range, first and last and outside */
		{ "10.1.0.9", false },
		{ "10.1.0.10", true },
		{ "10.1.0.15", true },
		{ "10.1.0.20", true },
		{ "10.1.0.21", false },
		/* a single address */
		{ "127.0.0.2", true },
		{ "127.0.0.1", false },
		{ "::127.0.0.2", true },
		/* allow beats an operator deny covering it */
		{ "5.5.5.5", true },
		{ "5.5.5.4", false },
		{ "5.5.255.255", false },
		{ "5.6.0.0", true },
		/* IPv6 range and prefix */
		{ "fd00::1", true },
		{ "fd00::ffff", true },
		{ "fd00::1:0", false },
		{ "2001:db8:1::", true },
		{ "2001:db8:1:ffff:ffff:ffff:ffff:ffff", true },
		{ "2001:db8:2::", false },
		/* rule written as ::ffff:192.168.1.0/120 covers 192.168.1.0/24 */
		{ "192.168.1.200", true },
		{ "::ffff:192.168.1.1", true },
		{ "192.168.2.1", false },
		/* a public address denied by an operator rule, in all forms */
		{ "203.1.1.1", false },
		{ "::ffff:203.1.1.1", false },
		{ "::203.1.1.1", false },
		{ "203.1.1.2", true },
	};
	struct tp_peer_policy *p = tp_peer_policy_create(true);

	assert_non_null(p);
	assert_int_equal(tp_peer_policy_add(p, true, "198.18.0.0/24"), 0);
	assert_int_equal(tp_peer_policy_add(p, true, "10.1.0.10-10.1.0.20"), 0);
	assert_int_equal(tp_peer_policy_add(p, true, "127.0.0.2"), 0);
	assert_int_equal(tp_peer_policy_add(p, false, "5.5.0.0/16"), 0);
	assert_int_equal(tp_peer_policy_add(p, true, "5.5.5.5"), 0);
	assert_int_equal(tp_peer_policy_add(p, true, "fd00::1-fd00::ffff"), 0);
	assert_int_equal(tp_peer_policy_add(p, true, "2001:db8:1::/48"), 0);
	assert_int_equal(tp_peer_policy_add(p, true, "::ffff:192.168.1.0/120"), 0);
	assert_int_equal(tp_peer_policy_add(p, false, "203.1.1.1"), 0);
	check_cases(p, cases, ARRAY_SIZE(cases));
	tp_peer_policy_destroy(p);
}

/* A deny-always rule beats an allow rule covering it. */
static void
test_deny_always(void **state)
{
	(void)state;
	static const struct verdict_case cases[] = {
		{ "10.0.0.4", true },
		{ "10.0.0.5", false },
		{ "::ffff:10.0.0.5", false },
		{ "10.0.0.6", true },
		{ "8.8.8.8", false },
		{ "8.8.4.4", true },
	};
	struct tp_peer_policy *p = tp_peer_policy_create(true);

	assert_non_null(p);
	assert_int_equal(tp_peer_policy_add(p, true, "10.0.0.0/24"), 0);
	assert_int_equal(tp_peer_policy_deny_always(p, "10.0.0.5"), 0);
	assert_int_equal(tp_peer_policy_deny_always(p, "8.8.8.8"), 0);
	assert_int_equal(tp_peer_policy_deny_always(p, "bad"), -EINVAL);
	assert_int_equal(tp_peer_policy_deny_always(NULL, "1.2.3.4"), -EINVAL);
	check_cases(p, cases, ARRAY_SIZE(cases));
	tp_peer_policy_destroy(p);
}

/* A rule straddling the embedding blocks stays IPv6 and, as documented,
 * does not match addresses that canonicalise to IPv4; one inside a
 * block is converted. Also "/0" and the whole-space range. */
static void
test_rule_canonicalisation(void **state)
{
	(void)state;
	struct tp_peer_policy *p = tp_peer_policy_create(false);
	struct stun_addr a;

	assert_non_null(p);
	assert_int_equal(tp_peer_policy_add(p, false, "::/64"), 0);
	a = addr("::1:2:3:4");
	assert_false(tp_peer_policy_allowed(p, &a));
	a = addr("::ffff:8.8.8.8"); /* is 8.8.8.8: no IPv4 rule */
	assert_true(tp_peer_policy_allowed(p, &a));
	assert_int_equal(tp_peer_policy_add(p, false, "::0.0.0.2-::0.0.0.9"), 0);
	a = addr("0.0.0.5");
	assert_false(tp_peer_policy_allowed(p, &a));
	a = addr("0.0.0.10");
	assert_true(tp_peer_policy_allowed(p, &a));
	assert_int_equal(tp_peer_policy_add(p, false, "0.0.0.0/0"), 0);
	a = addr("8.8.8.8");
	assert_false(tp_peer_policy_allowed(p, &a));
	a = addr("::ffff:8.8.8.8");
	assert_false(tp_peer_policy_allowed(p, &a));
	a = addr("2a00::1");
	assert_true(tp_peer_policy_allowed(p, &a));
	assert_int_equal(tp_peer_policy_add(p, false, "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
			 0);
	assert_false(tp_peer_policy_allowed(p, &a));
	tp_peer_policy_destroy(p);

	/* tp_peer_addr_canonical keeps the port and leaves others alone. */
	{
		struct stun_addr in = addr("[::ffff:1.2.3.4]:99"), out, want = addr("1.2.3.4:99");

		tp_peer_addr_canonical(&out, &in);
		assert_memory_equal(&out, &want, sizeof(out));
		in = addr("[::1]:7");
		tp_peer_addr_canonical(&out, &in);
		assert_memory_equal(&out, &in, sizeof(out));
		in = addr("[64:ff9b::102:304]:7");
		tp_peer_addr_canonical(&out, &in);
		assert_memory_equal(&out, &in, sizeof(out));
		in = addr("[::5.6.7.8]:1");
		want = addr("5.6.7.8:1");
		tp_peer_addr_canonical(&in, &in); /* in place */
		assert_memory_equal(&in, &want, sizeof(in));
	}
}

struct rule_case {
	const char *rule;
	int rc;
};

static const struct rule_case rule_cases[] = {
	/* good */
	{ "1.2.3.4", 0 },
	{ "1.2.3.0/24", 0 },
	{ "0.0.0.0/0", 0 },
	{ "1.2.3.4/32", 0 },
	{ "1.2.3.4-1.2.3.4", 0 },
	{ "1.2.3.4-1.2.3.5", 0 },
	{ "::/0", 0 },
	{ "2001:db8::/32", 0 },
	{ "2001:db8::1/128", 0 },
	{ "2001:db8::1-2001:db8::ff", 0 },
	{ "::ffff:1.2.3.4", 0 },
	{ "::ffff:1.2.3.0-::ffff:1.2.3.9", 0 },
	/* bad */
	{ "1.2.3.4/33", -EINVAL },
	{ "1.2.3.4-::1", -EINVAL },
	{ "::1-1.2.3.4", -EINVAL },
	{ "2001:db8::/129", -EINVAL },
	{ "garbage", -EINVAL },
	{ "", -EINVAL },
	{ "5.6.7.8-1.2.3.4", -EINVAL },
	{ "2001:db8::2-2001:db8::1", -EINVAL },
	{ "1.2.3.0/", -EINVAL },
	{ "/8", -EINVAL },
	{ "1.2.3.4-", -EINVAL },
	{ "-1.2.3.4", -EINVAL },
	{ "1.2.3.4--1.2.3.5", -EINVAL },
	{ "1.2.3.4-1.2.3.5-1.2.3.6", -EINVAL },
	{ "1.2.3.0/24/24", -EINVAL },
	{ "1.2.3.0/-1", -EINVAL },
	{ "1.2.3.0/+8", -EINVAL },
	{ "1.2.3.0/ 24", -EINVAL },
	{ "1.2.3.0/1000", -EINVAL },
	{ "1.2.3.0/24-1.2.4.0", -EINVAL },
	{ " 1.2.3.4", -EINVAL },
	{ "1.2.3.4 ", -EINVAL },
	{ "1.2.3.4:3478", -EINVAL },
	{ "[::1]", -EINVAL },
	{ "fe80::1%eth0", -EINVAL },
	{ "1.2.3", -EINVAL },
	{ "1.2.3.256", -EINVAL },
	{ "10.1.0.0/8", -EINVAL },     /* host bits set */
	{ "2001:db8::1/32", -EINVAL }, /* host bits set */
	{ "198.18.0.1/31", -EINVAL },
	{ "localhost", -EINVAL },
	{ "1.2.3.4/32\n", -EINVAL },
};

static void
test_rule_syntax(void **state)
{
	(void)state;
	struct tp_peer_policy *p = tp_peer_policy_create(true);
	char longrule[200];

	assert_non_null(p);
	for (size_t i = 0; i < ARRAY_SIZE(rule_cases); i++) {
		int rc = tp_peer_rule_check(rule_cases[i].rule, NULL);

		if (rc != rule_cases[i].rc)
			fail_msg("\"%s\": got %d, expected %d", rule_cases[i].rule, rc,
				 rule_cases[i].rc);
		/* add agrees with check, for both lists */
		assert_int_equal(tp_peer_policy_add(p, true, rule_cases[i].rule), rule_cases[i].rc);
		assert_int_equal(tp_peer_policy_add(p, false, rule_cases[i].rule),
				 rule_cases[i].rc);
	}
	assert_int_equal(tp_peer_rule_check(NULL, NULL), -EINVAL);
	assert_int_equal(tp_peer_policy_add(p, true, NULL), -EINVAL);
	assert_int_equal(tp_peer_policy_add(NULL, true, "1.2.3.4"), -EINVAL);
	memset(longrule, '1', sizeof(longrule) - 1);
	longrule[sizeof(longrule) - 1] = '\0';
	assert_int_equal(tp_peer_rule_check(longrule, NULL), -EINVAL);
	tp_peer_policy_destroy(p);
}

/* Each list holds TP_PEER_POLICY_MAX_RULES per family, then -ENOSPC;
 * the other family and the other list are unaffected; every rule stays
 * effective. */
static void
test_capacity(void **state)
{
	(void)state;
	struct tp_peer_policy *p = tp_peer_policy_create(false);
	char rule[64];
	struct stun_addr a;

	assert_non_null(p);
	for (unsigned int i = 0; i < TP_PEER_POLICY_MAX_RULES; i++) {
		snprintf(rule, sizeof(rule), "9.%u.%u.1", i / 256, i % 256);
		assert_int_equal(tp_peer_policy_add(p, false, rule), 0);
	}
	assert_int_equal(tp_peer_policy_add(p, false, "9.255.255.255"), -ENOSPC);
	assert_int_equal(tp_peer_policy_add(p, false, "garbage"), -EINVAL);
	assert_int_equal(tp_peer_policy_add(p, false, "2001:db8::1"), 0);
	assert_int_equal(tp_peer_policy_add(p, true, "9.0.0.1"), 0);
	assert_int_equal(tp_peer_policy_deny_always(p, "9.9.9.9"), 0);

	a = addr("9.0.0.1"); /* first, but allowed */
	assert_true(tp_peer_policy_allowed(p, &a));
	snprintf(rule, sizeof(rule), "9.%u.%u.1", (TP_PEER_POLICY_MAX_RULES - 1) / 256,
		 (TP_PEER_POLICY_MAX_RULES - 1) % 256);
	a = addr(rule); /* last one added */
	assert_false(tp_peer_policy_allowed(p, &a));
	a = addr("9.255.255.255"); /* refused, so not denied */
	assert_true(tp_peer_policy_allowed(p, &a));
	a = addr("2001:db8::1");
	assert_false(tp_peer_policy_allowed(p, &a));
	a = addr("9.9.9.9");
	assert_false(tp_peer_policy_allowed(p, &a));
	tp_peer_policy_destroy(p);
}

static void
test_bad_peer(void **state)
{
	(void)state;
	struct tp_peer_policy *p = tp_peer_policy_create(false);
	struct stun_addr a;

	assert_non_null(p);
	memset(&a, 0, sizeof(a));
	assert_false(tp_peer_policy_allowed(p, &a)); /* family 0 */
	a.family = 7;
	assert_false(tp_peer_policy_allowed(p, &a));
	a = addr("8.8.8.8");
	assert_false(tp_peer_policy_allowed(NULL, &a));
	assert_false(tp_peer_policy_allowed(p, NULL));
	assert_true(tp_peer_policy_allowed(p, &a));
	tp_peer_policy_destroy(p);
	tp_peer_policy_destroy(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_ranges),
		cmocka_unit_test(test_builtin_list),
		cmocka_unit_test(test_no_default_deny),
		cmocka_unit_test(test_allow_over_deny),
		cmocka_unit_test(test_deny_always),
		cmocka_unit_test(test_rule_canonicalisation),
		cmocka_unit_test(test_rule_syntax),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_bad_peer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

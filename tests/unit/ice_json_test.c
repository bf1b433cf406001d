/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ice_json: both bodies pinned to exact strings built from the TURN REST
 * draft's test vector, string escaping, UTF-8 refusal, RFC 3339 dates,
 * and -ENOSPC at every buffer size short of the full body.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ice_json.h"
#include "stun_cred.h"

static const char *const urls[] = {
	"stun:198.18.0.2:3478",
	"turn:198.18.0.2:3478?transport=udp",
	"STUNS:[2001:db8:1::2]:5349",
	"turns:[2001:db8:1::2]:5349?transport=tcp",
};

/* The draft's vector: the password is computed, not copied. */
static void
vector_cred(struct ice_cred *c, char pw[STUN_REST_PASSWORD_LEN + 1])
{
	stun_rest_password((const uint8_t *)"north", 5, "1266890800:mbzrxpgjys", 21, pw);
	c->username = "1266890800:mbzrxpgjys";
	c->credential = pw;
	c->ttl = 86400;
	c->expires_at = 1266890800;
	c->urls = urls;
	c->n_urls = 4;
}

static void
test_config(void **state)
{
	static const char want[] =
		"{\"iceServers\":[{\"urls\":[\"stun:198.18.0.2:3478\",\"STUNS:[2001:db8:1::2]:5349\"]},"
		"{\"urls\":[\"turn:198.18.0.2:3478?transport=udp\","
		"\"turns:[2001:db8:1::2]:5349?transport=tcp\"],"
		"\"username\":\"1266890800:mbzrxpgjys\",\"credential\":\"nbRcrnq5h6xXhyNhlwk+lDLvVVo=\"}],"
		"\"iceTransportPolicy\":\"all\",\"ttl\":86400,\"expiresAt\":\"2010-02-23T02:06:40Z\"}";
	struct ice_cred c;
	char pw[STUN_REST_PASSWORD_LEN + 1];
	char buf[1024];

	(void)state;
	vector_cred(&c, pw);
	assert_string_equal(pw, "nbRcrnq5h6xXhyNhlwk+lDLvVVo=");
	assert_int_equal(ice_json_config(&c, buf, sizeof(buf)), (int)strlen(want));
	assert_string_equal(buf, want);

	/* Exactly enough room (the NUL included) works; one byte less does not,
	 * nor any smaller size, and the buffer stays terminated. */
	assert_int_equal(ice_json_config(&c, buf, strlen(want) + 1), (int)strlen(want));
	for (size_t cap = 0; cap <= strlen(want); cap++) {
		memset(buf, 'Z', sizeof(buf));
		assert_int_equal(ice_json_config(&c, buf, cap), -ENOSPC);
		if (cap > 0)
			assert_non_null(memchr(buf, '\0', cap));
		assert_int_equal(buf[cap], 'Z'); /* nothing written past cap */
	}
}

static void
test_config_groups(void **state)
{
	struct ice_cred c;
	char pw[STUN_REST_PASSWORD_LEN + 1];
	char buf[1024];

	(void)state;
	vector_cred(&c, pw);
	/* only TURN URLs: no credential-less entry */
	c.urls = urls + 1;
	c.n_urls = 1;
	assert_true(ice_json_config(&c, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "{\"iceServers\":[{\"urls\":[\"turn:198.18.0.2:3478?transport=udp\"],"
				 "\"username\":\"1266890800:mbzrxpgjys\","
				 "\"credential\":\"nbRcrnq5h6xXhyNhlwk+lDLvVVo=\"}],"
				 "\"iceTransportPolicy\":\"all\",\"ttl\":86400,"
				 "\"expiresAt\":\"2010-02-23T02:06:40Z\"}");
	/* only STUN: no credentials at all */
	c.urls = urls;
	c.n_urls = 1;
	assert_true(ice_json_config(&c, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "{\"iceServers\":[{\"urls\":[\"stun:198.18.0.2:3478\"]}],"
				 "\"iceTransportPolicy\":\"all\",\"ttl\":86400,"
				 "\"expiresAt\":\"2010-02-23T02:06:40Z\"}");
	/* none */
	c.n_urls = 0;
	assert_true(ice_json_config(&c, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "{\"iceServers\":[],\"iceTransportPolicy\":\"all\",\"ttl\":86400,"
				 "\"expiresAt\":\"2010-02-23T02:06:40Z\"}");
	/* an expiry past 9999 cannot be written */
	c.expires_at = 253402300800ULL;
	assert_int_equal(ice_json_config(&c, buf, sizeof(buf)), -EINVAL);
}

static void
test_rest(void **state)
{
	static const char want[] =
		"{\"username\":\"1266890800:mbzrxpgjys\",\"password\":\"nbRcrnq5h6xXhyNhlwk+lDLvVVo=\","
		"\"ttl\":86400,\"uris\":[\"turn:198.18.0.2:3478?transport=udp\","
		"\"turns:[2001:db8:1::2]:5349?transport=tcp\"]}";
	struct ice_cred c;
	char pw[STUN_REST_PASSWORD_LEN + 1];
	char buf[512];

	(void)state;
	vector_cred(&c, pw);
	assert_int_equal(ice_json_rest(&c, buf, sizeof(buf)), (int)strlen(want));
	assert_string_equal(buf, want);
	assert_int_equal(ice_json_rest(&c, buf, strlen(want)), -ENOSPC);
}

static void
test_error(void **state)
{
	char buf[256];
	int n;

	(void)state;
	n = ice_json_error("missing_api_key", "an \"API\" key\\", buf, sizeof(buf));
	assert_int_equal(n, (int)strlen(buf));
	assert_string_equal(buf,
			    "{\"error\":\"missing_api_key\",\"message\":\"an \\\"API\\\" key\\\\\"}");
}

static int
str(const char *s, size_t len, char *buf, size_t cap)
{
	return ice_json_string(s, len, buf, cap);
}

static void
test_escape(void **state)
{
	char buf[128];

	(void)state;
	assert_int_equal(str("a\"b\\c/", 6, buf, sizeof(buf)), 10);
	assert_string_equal(buf, "\"a\\\"b\\\\c/\"");
	assert_true(str("\n\r\t\b\f", 5, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "\"\\n\\r\\t\\b\\f\"");
	assert_true(str("\x01\x1f\x7f", 3, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "\"\\u0001\\u001f\\u007f\"");
	assert_true(str("\0x", 2, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "\"\\u0000x\"");
	/* valid UTF-8 passes through: é, €, U+10348 */
	assert_true(str("\xc3\xa9\xe2\x82\xac\xf0\x90\x8d\x88", 9, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "\"\xc3\xa9\xe2\x82\xac\xf0\x90\x8d\x88\"");
	/* invalid UTF-8 is refused: lone continuation, overlong, surrogate,
	 * above U+10FFFF, truncated */
	assert_int_equal(str("\x80", 1, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(str("\xc0\xaf", 2, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(str("\xe0\x80\xaf", 3, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(str("\xed\xa0\x80", 3, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(str("\xf4\x90\x80\x80", 4, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(str("\xe2\x82", 2, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(str("", 0, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "\"\"");
	assert_int_equal(str("", 0, buf, 2), -ENOSPC);
}

static void
test_rfc3339(void **state)
{
	char buf[32];

	(void)state;
	assert_int_equal(ice_json_rfc3339(0, buf, sizeof(buf)), 20);
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	assert_int_equal(ice_json_rfc3339(951782400, buf, sizeof(buf)), 20); /* leap day */
	assert_string_equal(buf, "2000-02-29T00:00:00Z");
	assert_int_equal(ice_json_rfc3339(253402300799ULL, buf, sizeof(buf)), 20);
	assert_string_equal(buf, "9999-12-31T23:59:59Z");
	assert_int_equal(ice_json_rfc3339(253402300800ULL, buf, sizeof(buf)), -ERANGE);
	assert_int_equal(ice_json_rfc3339(0, buf, 20), -ENOSPC);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config), cmocka_unit_test(test_config_groups),
		cmocka_unit_test(test_rest),   cmocka_unit_test(test_error),
		cmocka_unit_test(test_escape), cmocka_unit_test(test_rfc3339),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

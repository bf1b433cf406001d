/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cp_config: the `control` group loads with its defaults and with every
 * key set, API keys are hashed (or taken as hashes), and a table of
 * broken groups each fails with the exact "<file>:<line>: <key>: <problem>"
 * message. Files are written to a temporary directory and removed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/sha.h>

#include "cp_config.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static struct cp_config cc;
static char err[512];
static char path[64];

/* The rest of a real file, so the line numbers below are stable: the
 * control group always starts on line 3. */
#define PRELUDE "turn = { realm = \"r\"; };\n# control group:\n"

static void
write_file(const char *text)
{
	int fd;
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/cp_config_test.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int
load(const char *text)
{
	int rc;

	write_file(text);
	rc = cp_config_load(path, &cc, err, sizeof(err));
	unlink(path);
	return rc;
}

static void
test_defaults(void **state)
{
	(void)state;
	assert_int_equal(load(PRELUDE), 0);
	assert_string_equal(cc.socket, CP_DEFAULT_SOCKET);
	assert_string_equal(cc.admin_socket, CP_DEFAULT_ADMIN_SOCKET);
	assert_string_equal(cc.http_listen, "127.0.0.1:8080");
	assert_string_equal(cc.tls_cert, "");
	assert_int_equal(cc.rate, 10);
	assert_int_equal(cc.burst, 20);
	assert_true(cc.http_ui);
	assert_int_equal(cc.n_api_keys, 0);
	assert_int_equal(cc.n_ice_urls, 0);
	assert_int_equal(cc.ice_ttl, 86400);
	assert_int_equal(cc.ice_max_ttl, 172800);
	assert_false(cc.redis.enabled);
	assert_string_equal(cc.redis.host, "127.0.0.1");
	assert_int_equal(cc.redis.port, 6379);
	assert_true(cc.redis.tls_verify);
	assert_int_equal(cc.redis.key_ttl, 60);
	assert_int_equal(cc.redis.cache_ttl, 300);
	assert_int_equal(cc.redis.refresh, 5);
	assert_true(cc.redis.stats);
	assert_int_equal(cc.redis.status_grace, 60);
	assert_int_equal(cc.redis.connect_timeout_ms, 2000);

	/* An empty group, and an empty redis group: Redis on, defaults. */
	assert_int_equal(load(PRELUDE "control = { redis = {}; };\n"), 0);
	assert_true(cc.redis.enabled);
	assert_int_equal(cc.redis.port, 6379);
}

static void
test_full(void **state)
{
	static const char text[] =
		PRELUDE
		"control = {\n"
		"  socket = \"/tmp/x/control.sock\";\n"
		"  admin_socket = \"/tmp/x/admin.sock\";\n"
		"  http = { listen = \"[::1]:8443\"; tls_cert = \"c.pem\"; tls_key = \"k.pem\";\n"
		"           cors_origins = [ \"*\", \"https://app.example\" ]; rate = 5; burst = 7;\n"
		"           ui = false; };\n"
		"  api_keys = [ \"demo-key\",\n"
		"    \"sha256:00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF\" ];\n"
		"  ice = { urls = [ \"stun:a.example:3478\", \"turn:a.example:3478?transport=udp\" ];\n"
		"          ttl = 600; max_ttl = 3600; };\n"
		"  redis = { host = \"redis.example\"; port = 6380; db = 2; user = \"u\";\n"
		"            password = \"p\"; tls = true; tls_ca = \"ca.pem\"; tls_sni = \"r\";\n"
		"            tls_verify = false; connect_timeout_ms = 500; key_ttl = 30;\n"
		"            cache_ttl = 0; refresh = 2; stats = false; status_grace = 5; };\n"
		"};\n";
	uint8_t want[32];

	(void)state;
	assert_int_equal(load(text), 0);
	assert_string_equal(cc.path, path);
	assert_string_equal(cc.socket, "/tmp/x/control.sock");
	assert_string_equal(cc.admin_socket, "/tmp/x/admin.sock");
	assert_string_equal(cc.http_listen, "[::1]:8443");
	assert_string_equal(cc.tls_cert, "c.pem");
	assert_string_equal(cc.tls_key, "k.pem");
	assert_int_equal(cc.n_cors_origins, 2);
	assert_string_equal(cc.cors_origins[1], "https://app.example");
	assert_int_equal(cc.rate, 5);
	assert_int_equal(cc.burst, 7);
	assert_false(cc.http_ui);
	assert_int_equal(cc.n_api_keys, 2);
	SHA256((const unsigned char *)"demo-key", 8, want);
	assert_memory_equal(cc.api_keys[0].sha256, want, 32);
	for (int i = 0; i < 32; i++)
		want[i] = (uint8_t)((i % 16) * 0x11);
	assert_memory_equal(cc.api_keys[1].sha256, want, 32);
	assert_int_equal(cc.n_ice_urls, 2);
	assert_string_equal(cc.ice_urls[1], "turn:a.example:3478?transport=udp");
	assert_int_equal(cc.ice_ttl, 600);
	assert_int_equal(cc.ice_max_ttl, 3600);
	assert_true(cc.redis.enabled);
	assert_string_equal(cc.redis.host, "redis.example");
	assert_int_equal(cc.redis.port, 6380);
	assert_int_equal(cc.redis.db, 2);
	assert_string_equal(cc.redis.user, "u");
	assert_string_equal(cc.redis.password, "p");
	assert_true(cc.redis.tls);
	assert_string_equal(cc.redis.tls_ca, "ca.pem");
	assert_string_equal(cc.redis.tls_sni, "r");
	assert_false(cc.redis.tls_verify);
	assert_int_equal(cc.redis.connect_timeout_ms, 500);
	assert_int_equal(cc.redis.key_ttl, 30);
	assert_int_equal(cc.redis.cache_ttl, 0);
	assert_int_equal(cc.redis.refresh, 2);
	assert_false(cc.redis.stats);
	assert_int_equal(cc.redis.status_grace, 5);

	/* HTTP off. */
	assert_int_equal(load(PRELUDE "control = { http = { listen = \"\"; }; };\n"), 0);
	assert_string_equal(cc.http_listen, "");
}

struct bad {
	const char *group; /* starts on line 3 */
	const char *msg;   /* after "<path>:" */
};

static const struct bad bad[] = {
	{ "control = { sockett = \"/x\"; };", "3: control.sockett: unknown setting" },
	{ "control = 5;", "3: control: expected a group, got an integer" },
	{ "control = { socket = \"rel.sock\"; };",
	  "3: control.socket: \"rel.sock\" is not an absolute path" },
	{ "control = { socket = \"/run/turnpike/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock\"; };",
	  "3: control.socket: too long for a unix socket (118 bytes, at most 107)" },
	{ "control = { socket = \"/run/a.sock\"; admin_socket = \"/run/a.sock\"; };",
	  "3: control.admin_socket: socket and admin_socket are the same path" },
	{ "control = { socket = \"\"; };", "3: control.socket: must not be empty" },
	{ "control = {\n http = { listen = \"localhost:80\"; };\n};",
	  "4: control.http.listen: \"localhost:80\" is not ADDR:PORT or [IPV6]:PORT "
	  "(port 1..65535)" },
	{ "control = { http = { listen = \"127.0.0.1\"; }; };",
	  "3: control.http.listen: \"127.0.0.1\" is not ADDR:PORT or [IPV6]:PORT (port 1..65535)" },
	{ "control = { http = { listen = \"127.0.0.1:0\"; }; };",
	  "3: control.http.listen: \"127.0.0.1:0\" is not ADDR:PORT or [IPV6]:PORT "
	  "(port 1..65535)" },
	{ "control = { http = { listen = \"127.0.0.1:65536\"; }; };",
	  "3: control.http.listen: \"127.0.0.1:65536\" is not ADDR:PORT or [IPV6]:PORT "
	  "(port 1..65535)" },
	{ "control = { http = { listen = \"::1:80\"; }; };",
	  "3: control.http.listen: \"::1:80\" is not ADDR:PORT or [IPV6]:PORT (port 1..65535)" },
	{ "control = { http = { listen = \"[::1]80\"; }; };",
	  "3: control.http.listen: \"[::1]80\" is not ADDR:PORT or [IPV6]:PORT (port 1..65535)" },
	{ "control = { http = { tls_cert = \"c.pem\"; }; };",
	  "3: control.http.tls_cert: tls_cert and tls_key must be set together" },
	{ "control = { http = {\n tls_key = \"k.pem\"; }; };",
	  "4: control.http.tls_key: tls_cert and tls_key must be set together" },
	{ "control = { http = { rate = \"10\"; }; };",
	  "3: control.http.rate: expected an integer, got a string" },
	{ "control = { http = { burst = 0; }; };",
	  "3: control.http.burst: 0 is out of range (1..1000000)" },
	{ "control = { http = { cors_origins = [ \"app.example\" ]; }; };",
	  "3: control.http.cors_origins[0]: \"app.example\" is not \"*\" or an http:// or "
	  "https:// origin" },
	{ "control = { http = { ui = \"no\"; }; };",
	  "3: control.http.ui: expected a boolean (true or false), got a string" },
	{ "control = { http = { x = 1; }; };", "3: control.http.x: unknown setting" },
	{ "control = { api_keys = [ \"a\", \"b\", \"a\" ]; };",
	  "3: control.api_keys[2]: same key as api_keys[0]" },
	{ "control = { api_keys = [ \"\" ]; };", "3: control.api_keys[0]: must not be empty" },
	{ "control = { api_keys = [ \"two words\" ]; };",
	  "3: control.api_keys[0]: spaces or control characters are not allowed in a key" },
	{ "control = { api_keys = [ \"sha256:0011\" ]; };",
	  "3: control.api_keys[0]: \"sha256:\" must be followed by 64 hex digits" },
	{ "control = { api_keys = [ \"sha256:zz112233445566778899aabbccddeeff00112233445566778899"
	  "aabbccddeeff\" ]; };",
	  "3: control.api_keys[0]: \"sha256:\" must be followed by 64 hex digits" },
	{ "control = { api_keys = \"k\"; };", "3: control.api_keys: expected a list, got a string" },
	{ "control = { ice = { urls = [ \"http://x\" ]; }; };",
	  "3: control.ice.urls[0]: \"http://x\" is not a stun:, stuns:, turn: or turns: URL" },
	{ "control = { ice = { urls = [ \"turn:\" ]; }; };",
	  "3: control.ice.urls[0]: \"turn:\" is not a stun:, stuns:, turn: or turns: URL" },
	{ "control = { ice = { ttl = 100; max_ttl = 50; }; };",
	  "3: control.ice.ttl: ttl 100 is above max_ttl 50" },
	{ "control = { ice = { ttl = 0; }; };", "3: control.ice.ttl: 0 is out of range (1..2592000)" },
	{ "control = { redis = { port = 0; }; };",
	  "3: control.redis.port: 0 is out of range (1..65535)" },
	{ "control = { redis = { refresh = 0; }; };",
	  "3: control.redis.refresh: 0 is out of range (1..3600)" },
	{ "control = { redis = { tls = 1; }; };",
	  "3: control.redis.tls: expected a boolean (true or false), got an integer" },
	{ "control = { redis = { tls_key = \"k\"; }; };",
	  "3: control.redis.tls_key: tls_cert and tls_key must be set together" },
	{ "control = { redis = { user = \"u\"; }; };",
	  "3: control.redis.user: a user needs a password (AUTH user password)" },
	{ "control = { redis = { hots = \"h\"; }; };", "3: control.redis.hots: unknown setting" },
	{ "control = { redis = { host = \"\"; }; };", "3: control.redis.host: must not be empty" },
};

static void
test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char text[1024], want[700];
		int rc;

		snprintf(text, sizeof(text), PRELUDE "%s\n", bad[i].group);
		rc = load(text);
		snprintf(want, sizeof(want), "%s:%s", path, bad[i].msg);
		if (rc != -EINVAL || strcmp(err, want) != 0)
			fail_msg("case %zu: rc %d\n  got:  %s\n  want: %s", i, rc, err, want);
	}
}

static void
test_file_errors(void **state)
{
	char want[128];

	(void)state;
	assert_int_equal(load(PRELUDE "control = { socket = ; };\n"), -EINVAL);
	snprintf(want, sizeof(want), "%s:3: syntax error: ", path);
	assert_memory_equal(err, want, strlen(want));

	assert_int_equal(cp_config_load("/nonexistent/turnpike.conf", &cc, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "/nonexistent/turnpike.conf: No such file or directory");
	assert_int_equal(cp_config_load("/tmp", &cc, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "/tmp: Is a directory");
}

/* The shipped configs load (whatever their control groups hold). */
static void
test_shipped(void **state)
{
	const char *root = getenv("TP_SOURCE_ROOT");
	static const char *const names[] = { "local.conf", "example.conf" };

	(void)state;
	if (root == NULL)
		skip();
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char p[512];

		snprintf(p, sizeof(p), "%s/configs/%s", root, names[i]);
		if (cp_config_load(p, &cc, err, sizeof(err)) != 0)
			fail_msg("%s: %s", p, err);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),   cmocka_unit_test(test_full),
		cmocka_unit_test(test_bad),        cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_shipped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

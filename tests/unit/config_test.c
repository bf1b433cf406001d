/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config: the shipped configs load with the values they document, and a
 * table of broken configs each fails with the exact
 * "<file>:<line>: <key>: <problem>" message an operator would see.
 *
 * TP_SOURCE_ROOT (set by meson) points at the source tree, so the tests
 * read configs/ in place and a config edit that breaks it fails here.
 */
#include <arpa/inet.h>
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

#include "config.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* struct tp_config is tens of kilobytes: keep it off the stack. */
static struct tp_config cfg;
static char err[512];

static void
load_shipped(const char *name)
{
	const char *root = getenv("TP_SOURCE_ROOT");
	char path[512];
	int rc;

	if (root == NULL)
		fail_msg("TP_SOURCE_ROOT is not set (meson test sets it)");
	snprintf(path, sizeof(path), "%s/configs/%s", root, name);
	rc = tp_config_load(path, &cfg, err, sizeof(err));
	if (rc != 0)
		fail_msg("%s: rc %d: %s", name, rc, err);
	assert_string_equal(cfg.path, path);
}

/* Write @text to a fresh temporary file; @path receives its name. */
static void
write_temp(const char *text, char *path, size_t len)
{
	const char *dir = getenv("TMPDIR");
	size_t n = strlen(text);
	int fd;

	snprintf(path, len, "%s/tp_config_XXXXXX", dir != NULL ? dir : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	assert_int_equal(close(fd), 0);
}

/* Load @text from a temporary file; returns tp_config_load's result and
 * leaves the message in err with the file name replaced by "F". */
static int
load_text(const char *text)
{
	char path[256], copy[sizeof(err)];
	size_t plen;
	int rc;

	write_temp(text, path, sizeof(path));
	memset(err, 0, sizeof(err));
	rc = tp_config_load(path, &cfg, err, sizeof(err));
	unlink(path);
	plen = strlen(path);
	if (strncmp(err, path, plen) == 0) {
		snprintf(copy, sizeof(copy), "F%s", err + plen);
		memcpy(err, copy, sizeof(err));
	}
	return rc;
}

static void
assert_ip(const struct stun_addr *a, const char *text)
{
	struct stun_addr want;

	assert_int_equal(stun_addr_from_string(&want, text, 0), 0);
	assert_int_equal(a->family, want.family);
	assert_memory_equal(a->ip, want.ip, 16);
}

static void
test_defaults(void **state)
{
	(void)state;
	memset(&cfg, 0xA5, sizeof(cfg));
	tp_config_defaults(&cfg);
	assert_int_equal(cfg.n_ports, 0);
	assert_int_equal(cfg.n_local, 0);
	assert_int_equal(cfg.n_relay, 0);
	assert_int_equal(cfg.n_users, 0);
	assert_int_equal(cfg.rest.n, 0);
	assert_int_equal(cfg.listen_port, 3478);
	assert_int_equal(cfg.relay_port_min, 49152);
	assert_int_equal(cfg.relay_port_max, 65535);
	assert_string_equal(cfg.realm, "");
	assert_string_equal(cfg.software, "");
	assert_true(cfg.fingerprint);
	assert_int_equal(cfg.default_lifetime, 600);
	assert_int_equal(cfg.max_lifetime, 3600);
	assert_int_equal(cfg.nonce_lifetime, 600);
	assert_int_equal(cfg.permission_lifetime, 300);
	assert_int_equal(cfg.channel_lifetime, 600);
	assert_int_equal(cfg.channel_max, 0x4FFF);
	assert_int_equal(cfg.max_allocations, 100000);
	assert_int_equal(cfg.user_quota, 0);
	assert_int_equal(cfg.unauth_rate, 20);
	assert_int_equal(cfg.unauth_burst, 40);
	assert_true(cfg.default_deny);
	assert_int_equal(cfg.gateway4.family, 0);
	assert_int_equal(cfg.gateway6.family, 0);
}

static void
test_local_conf(void **state)
{
	static const char *const eal[] = { "--no-huge", "-m",	"1024", "--no-pci",
					   "--file-prefix=turnpike", "-l", "0-1" };

	(void)state;
	load_shipped("local.conf");

	assert_int_equal(cfg.n_eal_args, ARRAY_SIZE(eal));
	for (size_t i = 0; i < ARRAY_SIZE(eal); i++)
		assert_string_equal(cfg.eal_args[i], eal[i]);

	assert_int_equal(cfg.n_ports, 1);
	assert_string_equal(cfg.ports[0].device, "net_tap0,iface=tp0");
	assert_int_equal(cfg.ports[0].rx_queues, 0);
	assert_int_equal(cfg.ports[0].rx_desc, 1024);
	assert_int_equal(cfg.ports[0].tx_desc, 1024);
	assert_int_equal(cfg.ports[0].mtu, 1500);
	assert_true(cfg.ports[0].checksum_offload);
	assert_int_equal(cfg.n_workers, 0);

	assert_int_equal(cfg.n_local, 2);
	assert_ip(&cfg.local[0], "198.18.0.2");
	assert_int_equal(cfg.local_prefix[0], 24);
	assert_int_equal(cfg.local[0].port, 3478);
	assert_ip(&cfg.local[1], "2001:db8:1::2");
	assert_int_equal(cfg.local_prefix[1], 64);
	assert_int_equal(cfg.local[1].port, 3478);
	assert_int_equal(cfg.listen_port, 3478);
	assert_int_equal(cfg.gateway4.family, 0);
	assert_int_equal(cfg.gateway6.family, 0);
	assert_string_equal(cfg.exception_device, "");

	assert_int_equal(cfg.n_relay, 2);
	assert_ip(&cfg.relay[0], "198.18.0.2");
	assert_ip(&cfg.relay[1], "2001:db8:1::2");
	assert_int_equal(cfg.relay_port_min, 49152);
	assert_int_equal(cfg.relay_port_max, 65535);

	assert_string_equal(cfg.realm, "turnpike.test");
	assert_int_equal(cfg.channel_max, 0x7FFF);
	assert_string_equal(cfg.software, "");
	assert_true(cfg.fingerprint);
	assert_int_equal(cfg.default_lifetime, 600);
	assert_int_equal(cfg.max_lifetime, 3600);
	assert_int_equal(cfg.permission_lifetime, 300);
	assert_int_equal(cfg.channel_lifetime, 600);
	assert_int_equal(cfg.n_users, 1);
	assert_string_equal(cfg.users[0].name, "demo");
	assert_string_equal(cfg.users[0].password, "demo-pass");
	assert_int_equal(cfg.rest.n, 1);
	assert_int_equal(cfg.rest.s[0].len, strlen("demo-secret"));
	assert_memory_equal(cfg.rest.s[0].val, "demo-secret", strlen("demo-secret"));

	assert_int_equal(cfg.max_allocations, 100000);
	assert_true(cfg.default_deny);
	assert_int_equal(cfg.n_allow, 2);
	assert_string_equal(cfg.allow[0].text, "198.18.0.0/24");
	assert_string_equal(cfg.allow[1].text, "2001:db8:1::/64");
	assert_true(cfg.allow[0].line > 0);
	assert_int_equal(cfg.n_deny, 0);
}

static void
test_example_conf(void **state)
{
	static const unsigned int lcores[] = { 2, 3, 4, 5 };

	(void)state;
	load_shipped("example.conf");

	assert_true(cfg.n_eal_args > 0);
	assert_int_equal(cfg.n_ports, 1);
	assert_string_equal(cfg.ports[0].device, "0000:03:00.0");
	assert_int_equal(cfg.ports[0].rx_queues, 4);
	assert_int_equal(cfg.ports[0].rx_desc, 2048);
	assert_int_equal(cfg.ports[0].tx_desc, 2048);
	assert_int_equal(cfg.ports[0].mtu, 1500);
	assert_int_equal(cfg.n_workers, ARRAY_SIZE(lcores));
	assert_memory_equal(cfg.worker_lcores, lcores, sizeof(lcores));

	assert_int_equal(cfg.n_local, 2);
	assert_ip(&cfg.local[0], "198.18.10.2");
	assert_int_equal(cfg.local_prefix[0], 24);
	assert_ip(&cfg.local[1], "2001:db8:10::2");
	assert_int_equal(cfg.local_prefix[1], 64);
	assert_ip(&cfg.gateway4, "198.18.10.1");
	assert_ip(&cfg.gateway6, "2001:db8:10::1");
	assert_string_equal(cfg.exception_device, "net_tap1,iface=tp-exc");

	assert_int_equal(cfg.n_relay, 3);
	assert_ip(&cfg.relay[1], "198.18.10.3");
	assert_int_equal(cfg.relay[1].port, 0);
	assert_int_equal(cfg.relay_port_min, 49152);
	assert_int_equal(cfg.relay_port_max, 65535);

	assert_string_equal(cfg.realm, "turnpike.example");
	assert_true(cfg.fingerprint);
	assert_int_equal(cfg.nonce_lifetime, 600);
	assert_int_equal(cfg.permission_lifetime, 300);
	assert_int_equal(cfg.channel_lifetime, 600);
	assert_int_equal(cfg.n_users, 2);
	assert_string_equal(cfg.users[1].name, "probe");
	assert_int_equal(cfg.rest.n, 2);

	assert_int_equal(cfg.max_allocations, 100000);
	assert_int_equal(cfg.user_quota, 10);
	assert_int_equal(cfg.unauth_rate, 20);
	assert_int_equal(cfg.unauth_burst, 40);

	assert_true(cfg.default_deny);
	assert_int_equal(cfg.n_allow, 2);
	assert_int_equal(cfg.n_deny, 2);
	assert_string_equal(cfg.deny[1].text, "198.19.1.10-198.19.1.20");
}

/* The smallest valid config: one line per required group, so that the
 * line numbers in the fixtures below can be read off directly. */
#define L_PORTS "ports = ( { device = \"net_tap0\"; } );\n"
#define L_NET "network = { addresses = [ \"198.18.0.2/24\" ]; };\n"
#define L_RELAY "relay = { addresses = [ \"198.18.0.2\" ]; };\n"
#define L_TURN "turn = { realm = \"r\"; };\n"
#define MINIMAL L_PORTS L_NET L_RELAY L_TURN

static void
test_minimal(void **state)
{
	(void)state;
	assert_int_equal(load_text(MINIMAL), 0);
	assert_string_equal(err, "");
	assert_int_equal(cfg.n_ports, 1);
	assert_int_equal(cfg.n_local, 1);
	assert_int_equal(cfg.n_relay, 1);
	assert_string_equal(cfg.realm, "r");
	assert_int_equal(cfg.n_users, 0);
	assert_int_equal(cfg.n_eal_args, 0);
	assert_int_equal(cfg.max_allocations, 100000);
}

/* Forms that must be accepted: lists in either bracket style, every peer
 * rule form, range edges, an empty software string, L-suffixed ints. */
static void
test_accepted(void **state)
{
	static const char text[] =
		"ports = ( { device = \"net_tap0\"; checksum_offload = false; } );\n"
		"network = { addresses = ( \"198.18.0.2/0\", \"2001:db8::2/128\" );\n"
		"  listen_port = 65535; gateway4 = \"198.19.255.1\"; };\n"
		"relay = { addresses = ( \"198.18.0.3\" ); port_min = 1; port_max = 1; };\n"
		"turn = { realm = \"r\"; software = \"\"; default_lifetime = 1;\n"
		"  max_lifetime = 1; nonce_lifetime = 86400; users = ();\n"
		"  permission_lifetime = 1; channel_lifetime = 3600;\n"
		"  rest_secrets = []; };\n"
		"limits = { max_allocations = 16777216L; user_quota = 0; };\n"
		"peers = { default_deny = false; allow = [ \"0.0.0.0/0\", \"::/0\",\n"
		"  \"198.18.0.1\", \"2001:db8::1-2001:db8::ff\", \"10.0.0.1-10.0.0.1\" ];\n"
		"  deny = (); };\n";

	(void)state;
	assert_int_equal(load_text(text), 0);
	assert_false(cfg.ports[0].checksum_offload);
	assert_int_equal(cfg.local_prefix[0], 0);
	assert_int_equal(cfg.local_prefix[1], 128);
	assert_int_equal(cfg.local[1].port, 65535);
	assert_ip(&cfg.gateway4, "198.19.255.1");
	assert_int_equal(cfg.relay_port_min, 1);
	assert_int_equal(cfg.relay_port_max, 1);
	assert_int_equal(cfg.permission_lifetime, 1);
	assert_int_equal(cfg.channel_lifetime, 3600);
	assert_int_equal(cfg.max_allocations, 16777216);
	assert_false(cfg.default_deny);
	assert_int_equal(cfg.n_allow, 5);
	assert_int_equal(cfg.allow[3].line, 11);
	assert_int_equal(cfg.n_deny, 0);
}

struct bad_case {
	const char *name;
	const char *text;
	/* The whole message with the file name as "F", or its beginning
	 * when it ends in libconfig's own words. */
	const char *want;
};

static const struct bad_case bad_cases[] = {
	/* libconfig's own errors */
	{ "syntax error", L_PORTS L_NET "relay = {\n  addresses = ;\n};\n" L_TURN,
	  "F:4: syntax error: " },
	{ "duplicate key", L_PORTS L_NET L_RELAY L_TURN L_PORTS, "F:5: syntax error: " },

	/* unknown keys, at every depth */
	{ "unknown top-level key", MINIMAL "bogus = 1;\n", "F:5: bogus: unknown setting" },
	{ "unknown key in group",
	  L_PORTS L_NET L_RELAY "turn = { realm = \"r\";\n  relm = \"x\"; };\n",
	  "F:5: turn.relm: unknown setting" },
	{ "unknown key in list element",
	  "ports = ( { device = \"a\"; },\n"
	  "  { device = \"b\";\n"
	  "    rxqueues = 2; } );\n" L_NET L_RELAY L_TURN,
	  "F:3: ports[1].rxqueues: unknown setting" },
	{ "unknown key in users entry",
	  L_PORTS L_NET L_RELAY
	  "turn = { realm = \"r\";\n"
	  "  users = ( { name = \"a\"; password = \"b\"; pass = \"c\"; } ); };\n",
	  "F:5: turn.users[0].pass: unknown setting" },

	/* types */
	{ "string for integer",
	  L_PORTS "network = { addresses = [ \"198.18.0.2/24\" ];\n"
	  "  listen_port = \"3478\"; };\n" L_RELAY L_TURN,
	  "F:3: network.listen_port: expected an integer, got a string" },
	{ "integer for group",
	  MINIMAL "limits = 5;\n", "F:5: limits: expected a group, got an integer" },
	{ "integer for boolean", MINIMAL "peers = { default_deny = 1; };\n",
	  "F:5: peers.default_deny: expected a boolean (true or false), got an integer" },
	{ "float for integer",
	  "ports = ( { device = \"a\"; mtu = 1500.0; } );\n" L_NET L_RELAY L_TURN,
	  "F:1: ports[0].mtu: expected an integer, got a number with a fraction" },
	{ "string for list", MINIMAL "eal = { args = \"--no-huge\"; };\n",
	  "F:5: eal.args: expected a list, got a string" },
	{ "integer in string list", MINIMAL "eal = { args = [ 1 ]; };\n",
	  "F:5: eal.args[0]: expected a string, got an integer" },
	{ "string for group in list", "ports = ( \"net_tap0\" );\n" L_NET L_RELAY L_TURN,
	  "F:1: ports[0]: expected a group, got a string" },

	/* ranges */
	{ "port 0",
	  L_PORTS "network = { addresses = [ \"198.18.0.2/24\" ]; listen_port = 0; };\n"
	  L_RELAY L_TURN,
	  "F:2: network.listen_port: 0 is out of range (1..65535)" },
	{ "port 65536",
	  L_PORTS L_NET "relay = { addresses = [ \"198.18.0.2\" ]; port_max = 65536; };\n" L_TURN,
	  "F:3: relay.port_max: 65536 is out of range (1..65535)" },
	{ "negative port",
	  L_PORTS L_NET "relay = { addresses = [ \"198.18.0.2\" ]; port_min = -1; };\n" L_TURN,
	  "F:3: relay.port_min: -1 is out of range (1..65535)" },
	{ "port_min above port_max",
	  L_PORTS L_NET "relay = { addresses = [ \"198.18.0.2\" ];\n"
	  "  port_min = 50000;\n"
	  "  port_max = 49999; };\n" L_TURN,
	  "F:4: relay.port_min: port_min 50000 is above port_max 49999" },
	{ "port_max below default port_min",
	  L_PORTS L_NET "relay = { addresses = [ \"198.18.0.2\" ]; port_max = 40000; };\n" L_TURN,
	  "F:3: relay.port_max: port_min 49152 is above port_max 40000" },
	{ "64-bit integer", MINIMAL "limits = { max_allocations = 5000000000L; };\n",
	  "F:5: limits.max_allocations: 5000000000 is out of range (1..16777216)" },
	{ "checksum_offload not a boolean",
	  "ports = ( { device = \"a\"; checksum_offload = 1; } );\n" L_NET L_RELAY L_TURN,
	  "F:1: ports[0].checksum_offload: expected a boolean (true or false), got an integer" },
	{ "mtu too small", "ports = ( { device = \"a\"; mtu = 1000; } );\n" L_NET L_RELAY L_TURN,
	  "F:1: ports[0].mtu: 1000 is out of range (1280..9216)" },
	{ "rx_queues 0", "ports = ( { device = \"a\"; rx_queues = 0; } );\n" L_NET L_RELAY L_TURN,
	  "F:1: ports[0].rx_queues: 0 is out of range (1..32)" },
	{ "lifetime 0", L_PORTS L_NET L_RELAY "turn = { realm = \"r\"; nonce_lifetime = 0; };\n",
	  "F:4: turn.nonce_lifetime: 0 is out of range (1..86400)" },
	{ "permission_lifetime 0",
	  L_PORTS L_NET L_RELAY "turn = { realm = \"r\"; permission_lifetime = 0; };\n",
	  "F:4: turn.permission_lifetime: 0 is out of range (1..3600)" },
	{ "permission_lifetime above an hour",
	  L_PORTS L_NET L_RELAY "turn = { realm = \"r\";\n  permission_lifetime = 3601; };\n",
	  "F:5: turn.permission_lifetime: 3601 is out of range (1..3600)" },
	{ "channel_lifetime 0",
	  L_PORTS L_NET L_RELAY "turn = { realm = \"r\"; channel_lifetime = 0; };\n",
	  "F:4: turn.channel_lifetime: 0 is out of range (1..3600)" },
	{ "channel_lifetime above an hour",
	  L_PORTS L_NET L_RELAY "turn = { realm = \"r\"; channel_lifetime = 7200; };\n",
	  "F:4: turn.channel_lifetime: 7200 is out of range (1..3600)" },
	{ "channel_max below RFC 8656", L_PORTS L_NET L_RELAY "turn = { realm = \"r\"; channel_max = 0x4000; };\n",
	  "F:4: turn.channel_max: 16384 is out of range (20479..32767)" },
	{ "channel_max above RFC 5766", L_PORTS L_NET L_RELAY "turn = { realm = \"r\"; channel_max = 0x8000; };\n",
	  "F:4: turn.channel_max: 32768 is out of range (20479..32767)" },
	{ "default above max lifetime",
	  L_PORTS L_NET L_RELAY "turn = { realm = \"r\";\n"
	  "  default_lifetime = 700; max_lifetime = 650; };\n",
	  "F:5: turn.default_lifetime: default_lifetime 700 is above max_lifetime 650" },
	{ "max below default lifetime",
	  L_PORTS L_NET L_RELAY "turn = { realm = \"r\"; max_lifetime = 300; };\n",
	  "F:4: turn.max_lifetime: default_lifetime 600 is above max_lifetime 300" },
	{ "unauth_rate 0", MINIMAL "limits = { unauth_rate = 0; };\n",
	  "F:5: limits.unauth_rate: 0 is out of range (1..1000000)" },
	{ "lcore out of range", MINIMAL "workers = { lcores = [ 1, 1024 ]; };\n",
	  "F:5: workers.lcores[1]: 1024 is out of range (0..1023)" },
	{ "lcore twice", MINIMAL "workers = { lcores = [ 1,\n 2,\n 1 ]; };\n",
	  "F:7: workers.lcores[2]: lcore 1 listed twice" },

	/* addresses */
	{ "bad IPv4 address",
	  L_PORTS "network = { addresses = [ \"198.18.0.256/24\" ]; };\n" L_RELAY L_TURN,
	  "F:2: network.addresses[0]: \"198.18.0.256\" is not an IPv4 or IPv6 address" },
	{ "address on its own line",
	  L_PORTS "network = { addresses = [\n"
	  "  \"198.18.0.2/24\",\n"
	  "  \"2001:db8::g/64\" ]; };\n" L_RELAY L_TURN,
	  "F:4: network.addresses[1]: \"2001:db8::g\" is not an IPv4 or IPv6 address" },
	{ "address with a port",
	  L_PORTS "network = { addresses = [ \"198.18.0.2:3478/24\" ]; };\n" L_RELAY L_TURN,
	  "F:2: network.addresses[0]: \"198.18.0.2:3478\" is not an IPv4 or IPv6 address" },
	{ "address in brackets",
	  L_PORTS "network = { addresses = [ \"[2001:db8::2]/64\" ]; };\n" L_RELAY L_TURN,
	  "F:2: network.addresses[0]: \"[2001:db8::2]\" is not an IPv4 or IPv6 address" },
	{ "address without prefix",
	  L_PORTS "network = { addresses = [ \"198.18.0.2\" ]; };\n" L_RELAY L_TURN,
	  "F:2: network.addresses[0]: \"198.18.0.2\" needs a prefix length (\"addr/len\")" },
	{ "IPv4 prefix 33",
	  L_PORTS "network = { addresses = [ \"198.18.0.2/33\" ]; };\n" L_RELAY L_TURN,
	  "F:2: network.addresses[0]: prefix length \"33\" is not in 0..32" },
	{ "IPv6 prefix 129",
	  L_PORTS "network = { addresses = [ \"2001:db8::2/129\" ]; };\n" L_RELAY L_TURN,
	  "F:2: network.addresses[0]: prefix length \"129\" is not in 0..128" },
	{ "empty prefix",
	  L_PORTS "network = { addresses = [ \"198.18.0.2/\" ]; };\n" L_RELAY L_TURN,
	  "F:2: network.addresses[0]: prefix length \"\" is not in 0..32" },
	{ "signed prefix",
	  L_PORTS "network = { addresses = [ \"198.18.0.2/+8\" ]; };\n" L_RELAY L_TURN,
	  "F:2: network.addresses[0]: prefix length \"+8\" is not in 0..32" },
	{ "multicast address",
	  L_PORTS "network = { addresses = [ \"224.0.0.1/4\" ]; };\n" L_RELAY L_TURN,
	  "F:2: network.addresses[0]: 224.0.0.1 is not a unicast address" },
	{ "duplicate address",
	  L_PORTS "network = { addresses = [ \"198.18.0.2/24\", \"198.18.0.2/25\" ]; };\n"
	  L_RELAY L_TURN,
	  "F:2: network.addresses[1]: same address as addresses[0]" },
	{ "bad relay address",
	  L_PORTS L_NET "relay = { addresses = [ \"198.18.0.2/24\" ]; };\n" L_TURN,
	  "F:3: relay.addresses[0]: \"198.18.0.2/24\" is not an IPv4 or IPv6 address" },
	{ "unspecified relay address",
	  L_PORTS L_NET "relay = { addresses = [ \"::\" ]; };\n" L_TURN,
	  "F:3: relay.addresses[0]: :: is not a unicast address" },
	{ "relay range covers listen port",
	  L_PORTS L_NET "relay = { addresses = [ \"198.18.0.3\", \"198.18.0.2\" ];\n"
	  " port_min = 3000; port_max = 4000; };\n" L_TURN,
	  "F:3: relay.addresses[1]: also a network address, and the relay ports 3000..4000 "
	  "include network.listen_port 3478" },
	{ "gateway off-link",
	  L_PORTS "network = { addresses = [ \"198.18.0.2/24\" ]; gateway4 = \"198.18.1.1\"; };\n"
	  L_RELAY L_TURN,
	  "F:2: network.gateway4: not inside the prefix of any network.addresses entry" },
	{ "gateway of the wrong family",
	  L_PORTS "network = { addresses = [ \"198.18.0.2/24\" ];\n"
	  "  gateway6 = \"198.18.0.1\"; };\n" L_RELAY L_TURN,
	  "F:3: network.gateway6: expected an IPv6 address" },

	/* required settings */
	{ "missing ports", L_NET L_RELAY L_TURN, "F: ports: required setting missing" },
	{ "empty ports",
	  "ports = ();\n" L_NET L_RELAY L_TURN, "F:1: ports: at least one port is required" },
	{ "port without device", "ports = ( { mtu = 1500; } );\n" L_NET L_RELAY L_TURN,
	  "F:1: ports[0].device: required setting missing" },
	{ "missing network", L_PORTS L_RELAY L_TURN, "F: network: required setting missing" },
	{ "missing network addresses",
	  L_PORTS "network = {\n  listen_port = 3478; };\n" L_RELAY L_TURN,
	  "F:2: network.addresses: required setting missing" },
	{ "empty network addresses", L_PORTS "network = { addresses = []; };\n" L_RELAY L_TURN,
	  "F:2: network.addresses: at least one address is required" },
	{ "missing relay addresses", L_PORTS L_NET "relay = { port_min = 50000; };\n" L_TURN,
	  "F:3: relay.addresses: required setting missing" },
	{ "missing turn", L_PORTS L_NET L_RELAY, "F: turn: required setting missing" },
	{ "missing realm", L_PORTS L_NET L_RELAY "turn = {\n  software = \"x\"; };\n",
	  "F:4: turn.realm: required setting missing" },
	{ "empty realm", L_PORTS L_NET L_RELAY "turn = { realm = \"\"; };\n",
	  "F:4: turn.realm: must not be empty" },
	{ "realm with a control character",
	  L_PORTS L_NET L_RELAY "turn = { realm = \"a\\tb\"; };\n",
	  "F:4: turn.realm: control characters or bad UTF-8" },

	/* counts */
	{ "too many ports",
	  "ports = ( { device = \"a\"; }, { device = \"b\"; }, { device = \"c\"; },\n"
	  "  { device = \"d\"; }, { device = \"e\"; } );\n" L_NET L_RELAY L_TURN,
	  "F:1: ports: 5 entries, at most 4 allowed" },
	{ "same device twice",
	  "ports = ( { device = \"a\"; },\n  { device = \"a\"; } );\n" L_NET L_RELAY L_TURN,
	  "F:2: ports[1].device: device also used by ports[0]" },

	/* credentials */
	{ "bad username", L_PORTS L_NET L_RELAY
	  "turn = { realm = \"r\";\n  users = ( { name = \"a\\nb\"; password = \"p\"; } ); };\n",
	  "F:5: turn.users[0].name: not a valid STUN username (control characters or bad UTF-8)" },
	{ "username not UTF-8", L_PORTS L_NET L_RELAY
	  "turn = { realm = \"r\";\n  users = ( { name = \"\\xff\"; password = \"p\"; } ); };\n",
	  "F:5: turn.users[0].name: not a valid STUN username (control characters or bad UTF-8)" },
	{ "duplicate user", L_PORTS L_NET L_RELAY
	  "turn = { realm = \"r\"; users = (\n  { name = \"u\"; password = \"p\"; },\n"
	  "  { name = \"v\"; password = \"p\"; },\n  { name = \"u\"; password = \"q\"; } ); };\n",
	  "F:7: turn.users[2].name: user \"u\" already defined in users[0]" },
	{ "user without password", L_PORTS L_NET L_RELAY
	  "turn = { realm = \"r\";\n  users = ( { name = \"u\"; } ); };\n",
	  "F:5: turn.users[0].password: required setting missing" },
	{ "empty password", L_PORTS L_NET L_RELAY
	  "turn = { realm = \"r\";\n  users = ( { name = \"u\"; password = \"\"; } ); };\n",
	  "F:5: turn.users[0].password: must not be empty" },
	{ "duplicate REST secret", L_PORTS L_NET L_RELAY
	  "turn = { realm = \"r\";\n  rest_secrets = [ \"a\", \"b\",\n \"a\" ]; };\n",
	  "F:6: turn.rest_secrets[2]: same secret listed twice" },
	{ "too many REST secrets", L_PORTS L_NET L_RELAY
	  "turn = { realm = \"r\";\n"
	  "  rest_secrets = [ \"1\", \"2\", \"3\", \"4\", \"5\", \"6\", \"7\", \"8\",\n"
	  "    \"9\" ]; };\n",
	  "F:5: turn.rest_secrets: 9 entries, at most 8 allowed" },

	/* peer rules */
	{ "peer prefix too long", MINIMAL "peers = { allow = [ \"198.18.0.0/33\" ]; };\n",
	  "F:5: peers.allow[0]: \"198.18.0.0/33\": prefix length must be 0..32" },
	{ "peer prefix host bits",
	  MINIMAL "peers = { deny = [\n  \"2001:db8::/64\",\n  \"198.18.0.1/24\" ]; };\n",
	  "F:7: peers.deny[1]: \"198.18.0.1/24\": address has bits set beyond the prefix length" },
	{ "peer range of mixed families",
	  MINIMAL "peers = { allow = [ \"198.18.0.1-2001:db8::1\" ]; };\n",
	  "F:5: peers.allow[0]: \"198.18.0.1-2001:db8::1\": range ends are of different families" },
	{ "peer range backwards", MINIMAL "peers = { allow = [ \"198.18.0.9-198.18.0.1\" ]; };\n",
	  "F:5: peers.allow[0]: \"198.18.0.9-198.18.0.1\": range start is above its end" },
	{ "peer range open end", MINIMAL "peers = { allow = [ \"198.18.0.9-\" ]; };\n",
	  "F:5: peers.allow[0]: \"198.18.0.9-\": range ends must be addresses (\"a-b\")" },
	{ "peer rule not an address", MINIMAL "peers = { allow = [ \"example.org\" ]; };\n",
	  "F:5: peers.allow[0]: \"example.org\": expected an address, \"addr/len\" or \"a-b\"" },
	{ "peer rule with a port", MINIMAL "peers = { allow = [ \"198.18.0.1:80\" ]; };\n",
	  "F:5: peers.allow[0]: \"198.18.0.1:80\": expected an address, \"addr/len\" or \"a-b\"" },
	{ "peer rule with spaces",
	  MINIMAL "peers = { allow = [ \"198.18.0.1 - 198.18.0.2\" ]; };\n",
	  "F:5: peers.allow[0]: \"198.18.0.1 - 198.18.0.2\": "
	  "range ends must be addresses (\"a-b\")" },

	/* control: only what the dataplane reads is checked here */
	{ "control not a group", MINIMAL "control = 5;\n",
	  "F:5: control: expected a group, got an integer" },
	{ "control.socket not a string", MINIMAL "control = { socket = 5; };\n",
	  "F:5: control.socket: expected a string, got an integer" },
	{ "control.socket empty", MINIMAL "control = { socket = \"\"; };\n",
	  "F:5: control.socket: must not be empty" },
	{ "control.http not a group", MINIMAL "control = {\n http = \"x\"; };\n",
	  "F:6: control.http: expected a group, got a string" },
	{ "control.http.listen not a string", MINIMAL "control = { http = { listen = 8080; }; };\n",
	  "F:5: control.http.listen: expected a string, got an integer" },
	{ "control.redis.host not a string",
	  MINIMAL "control = { redis = {\n host = [ \"a\" ]; }; };\n",
	  "F:6: control.redis.host: expected a string, got an array" },
};

static void
test_bad_configs(void **state)
{
	unsigned int failed = 0;

	(void)state;
	/* Run every case and report all mismatches, not just the first. */
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		int rc = load_text(c->text);
		size_t wl = strlen(c->want);
		bool prefix = c->want[wl - 1] == ' ';

		if (rc == -EINVAL && (prefix ? strncmp(err, c->want, wl) == 0
					     : strcmp(err, c->want) == 0))
			continue;
		print_error("%s: rc %d\n  got:  %s\n  want: %s%s\n", c->name, rc, err, c->want,
			    prefix ? "..." : "");
		failed++;
	}
	assert_int_equal(failed, 0);
}

#define FMT_DEVICE "ports = ( { device = \"%s\"; } );\n" L_NET L_RELAY L_TURN
#define FMT_SECRET L_PORTS L_NET L_RELAY "turn = { realm = \"r\"; rest_secrets = [ \"%s\" ]; };\n"
#define FMT_USER                                      \
	L_PORTS L_NET L_RELAY "turn = { realm = \"r\";\n" \
	" users = ( { name = \"%s\"; password = \"p\"; } ); };\n"

/* Strings must fit their buffers exactly; one byte more is an error
 * naming the key, never a silent truncation. */
static void
test_string_lengths(void **state)
{
	static char text[4096], dev[512], want[128];

	(void)state;
	memset(dev, 'd', sizeof(dev) - 1);
	dev[TP_CFG_STR - 1] = '\0'; /* 255 bytes: fits */
	snprintf(text, sizeof(text), FMT_DEVICE, dev);
	assert_int_equal(load_text(text), 0);
	assert_int_equal(strlen(cfg.ports[0].device), TP_CFG_STR - 1);

	memset(dev, 'd', sizeof(dev) - 1); /* 256 bytes: one too many */
	dev[TP_CFG_STR] = '\0';
	snprintf(text, sizeof(text), FMT_DEVICE, dev);
	assert_int_equal(load_text(text), -EINVAL);
	snprintf(want, sizeof(want), "F:1: ports[0].device: too long (%d bytes, at most %d)",
		 TP_CFG_STR, TP_CFG_STR - 1);
	assert_string_equal(err, want);

	/* A peer rule buffer is 96 bytes. */
	memset(dev, '1', 96);
	dev[96] = '\0';
	snprintf(text, sizeof(text), MINIMAL "peers = { deny = [ \"%s\" ]; };\n", dev);
	assert_int_equal(load_text(text), -EINVAL);
	assert_string_equal(err, "F:5: peers.deny[0]: too long (96 bytes, at most 95)");

	/* A REST secret may be STUN_REST_SECRET_MAX bytes, not more. */
	memset(dev, 's', STUN_REST_SECRET_MAX + 1);
	dev[STUN_REST_SECRET_MAX + 1] = '\0';
	snprintf(text, sizeof(text), FMT_SECRET, dev);
	assert_int_equal(load_text(text), -EINVAL);
	assert_string_equal(err, "F:4: turn.rest_secrets[0]: too long (257 bytes, at most 256)");
	dev[STUN_REST_SECRET_MAX] = '\0';
	snprintf(text, sizeof(text), FMT_SECRET, dev);
	assert_int_equal(load_text(text), 0);
	assert_int_equal(cfg.rest.s[0].len, STUN_REST_SECRET_MAX);

	/* A username may have STUN_USERNAME_MAX bytes (RFC 8489: < 509). */
	memset(dev, 'u', STUN_USERNAME_MAX + 1);
	dev[STUN_USERNAME_MAX + 1] = '\0';
	snprintf(text, sizeof(text), FMT_USER, dev);
	assert_int_equal(load_text(text), -EINVAL);
	assert_string_equal(err, "F:5: turn.users[0].name: too long (509 bytes, at most 508)");
	dev[STUN_USERNAME_MAX] = '\0';
	snprintf(text, sizeof(text), FMT_USER, dev);
	assert_int_equal(load_text(text), 0);
	assert_int_equal(strlen(cfg.users[0].name), STUN_USERNAME_MAX);
}

/* 33 EAL arguments is one too many. */
static void
test_too_many_eal_args(void **state)
{
	static char text[2048];
	size_t n;

	(void)state;
	n = (size_t)snprintf(text, sizeof(text), MINIMAL "eal = { args = [ ");
	for (int i = 0; i <= TP_CFG_MAX_EAL_ARGS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s\"a%d\"", i ? ", " : "", i);
	snprintf(text + n, sizeof(text) - n, " ]; };\n");
	assert_int_equal(load_text(text), -EINVAL);
	assert_string_equal(err, "F:5: eal.args: 33 entries, at most 32 allowed");
}

static void
test_io_errors(void **state)
{
	char small[16];

	(void)state;
	assert_int_equal(tp_config_load("/nonexistent/tp.conf", &cfg, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "/nonexistent/tp.conf: No such file or directory");
	assert_int_equal(tp_config_load("/tmp", &cfg, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "/tmp: Is a directory");

	/* A short buffer truncates the message but never overruns. */
	memset(small, 'x', sizeof(small));
	assert_int_equal(tp_config_load("/nonexistent/tp.conf", &cfg, small, 8), -EINVAL);
	assert_string_equal(small, "/nonexi");
	assert_int_equal(small[8], 'x');
	/* And no buffer at all is allowed. */
	assert_int_equal(tp_config_load("/nonexistent/tp.conf", &cfg, NULL, 0), -EINVAL);
}

/* An empty file is valid libconfig; what it lacks is reported without a
 * line, since no line is at fault. */
static void
test_empty_file(void **state)
{
	(void)state;
	assert_int_equal(load_text(""), -EINVAL);
	assert_string_equal(err, "F: ports: required setting missing");
}


/* The dataplane's part of the control group: the socket, and the control
 * plane's endpoints as deny-always rules when they are IP literals;
 * turnpike-control's own members are ignored whatever they are. */
static void
test_control(void **state)
{
	static const char full[] = MINIMAL
		"control = {\n"
		"  socket = \"/run/tp/c.sock\";\n"
		"  admin_socket = \"/run/tp/a.sock\";\n"
		"  api_keys = [ \"k\" ];\n"
		"  ice = { ttl = 60; urls = [ \"stun:x\" ]; };\n"
		"  http = { listen = \"198.51.100.7:8080\"; rate = 5; };\n"
		"  redis = { host = \"2001:db8::5\"; port = 6380; key_ttl = 9; };\n"
		"};\n";

	(void)state;
	assert_int_equal(load_text(MINIMAL), 0);
	assert_string_equal(cfg.control_socket, "");
	assert_int_equal(cfg.n_control_deny, 0);

	assert_int_equal(load_text(full), 0);
	assert_string_equal(cfg.control_socket, "/run/tp/c.sock");
	assert_int_equal(cfg.n_control_deny, 2);
	assert_string_equal(cfg.control_deny[0].text, "198.51.100.7");
	assert_int_equal(cfg.control_deny[0].line, 10);
	assert_string_equal(cfg.control_deny[1].text, "2001:db8::5");

	/* Bracketed IPv6 listen; the redis group's default host. */
	assert_int_equal(load_text(MINIMAL "control = { http = { listen = \"[2001:db8::7]:443\"; };\n"
					   "  redis = { port = 1; }; };\n"),
			 0);
	/* A group without socket: turnpike-control's default path. */
	assert_string_equal(cfg.control_socket, "/run/turnpike/control.sock");
	assert_int_equal(cfg.n_control_deny, 2);
	assert_string_equal(cfg.control_deny[0].text, "2001:db8::7");
	assert_string_equal(cfg.control_deny[1].text, "127.0.0.1");

	/* Names, an unspecified address and "no HTTP" deny nothing. */
	assert_int_equal(load_text(MINIMAL "control = { http = { listen = \"0.0.0.0:80\"; };\n"
					   "  redis = { host = \"redis.example\"; }; };\n"),
			 0);
	assert_int_equal(cfg.n_control_deny, 0);
	assert_int_equal(load_text(MINIMAL "control = { http = { listen = \"\"; }; };\n"), 0);
	assert_int_equal(cfg.n_control_deny, 0);
	assert_int_equal(load_text(MINIMAL "control = { http = { listen = \"[::]:80\"; }; };\n"), 0);
	assert_int_equal(cfg.n_control_deny, 0);

	/* HTTP and Redis on one address (configs/local-redis.conf): one rule. */
	assert_int_equal(load_text(MINIMAL "control = { http = { listen = \"127.0.0.1:8080\"; };\n"
					   "  redis = { host = \"127.0.0.1\"; }; };\n"),
			 0);
	assert_int_equal(cfg.n_control_deny, 1);
	assert_string_equal(cfg.control_deny[0].text, "127.0.0.1");
}

/* control.socket must fit sockaddr_un.sun_path. */
static void
test_control_socket_length(void **state)
{
	char path[TP_CFG_SOCKET_MAX + 2], text[512];

	(void)state;
	memset(path, 'a', sizeof(path));
	path[0] = '/';
	path[TP_CFG_SOCKET_MAX] = '\0';
	snprintf(text, sizeof(text), MINIMAL "control = { socket = \"%s\"; };\n", path);
	assert_int_equal(load_text(text), 0);
	assert_int_equal(strlen(cfg.control_socket), TP_CFG_SOCKET_MAX);
	path[TP_CFG_SOCKET_MAX] = 'a';
	path[TP_CFG_SOCKET_MAX + 1] = '\0';
	snprintf(text, sizeof(text), MINIMAL "control = { socket = \"%s\"; };\n", path);
	assert_int_equal(load_text(text), -EINVAL);
	assert_string_equal(err, "F:5: control.socket: too long (108 bytes, at most 107)");
}

/* A reload names exactly the settings it cannot apply. */
static void
test_restart_diff(void **state)
{
	static struct tp_config a;
	char out[256];

	(void)state;
	assert_int_equal(load_text(MINIMAL), 0);
	a = cfg;
	/* Reloadable settings only: no difference. */
	assert_int_equal(load_text(L_PORTS L_NET L_RELAY
				   "turn = { realm = \"r\"; rest_secrets = [ \"s\" ];\n"
				   "  users = ( { name = \"u\"; password = \"p\"; } ); };\n"
				   "limits = { user_quota = 3; };\n"
				   "peers = { default_deny = false; allow = [ \"10.0.0.0/8\" ]; };\n"),
			 0);
	assert_int_equal(tp_config_restart_diff(&a, &cfg, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	/* Restart-only settings, each named once, in file order. */
	assert_int_equal(load_text("ports = ( { device = \"net_tap1\"; } );\n" L_NET L_RELAY
				   "turn = { realm = \"other\"; };\n"
				   "limits = { max_allocations = 10; };\n"
				   "control = { socket = \"/x\"; };\n"),
			 0);
	assert_int_equal(tp_config_restart_diff(&a, &cfg, out, sizeof(out)), 4);
	assert_string_equal(out, "ports, turn.realm, limits.max_allocations, control.socket");
	/* A short buffer is cut, the count is not. */
	assert_int_equal(tp_config_restart_diff(&a, &cfg, out, 8), 4);
	assert_string_equal(out, "ports, ");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_local_conf),
		cmocka_unit_test(test_example_conf),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_string_lengths),
		cmocka_unit_test(test_too_many_eal_args),
		cmocka_unit_test(test_io_errors),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_control),
		cmocka_unit_test(test_control_socket_length),
		cmocka_unit_test(test_restart_diff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

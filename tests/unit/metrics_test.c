/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * metrics: a hand-made dataplane snapshot and control-plane counters
 * render to the exact Prometheus lines expected, and the whole output
 * follows the text exposition format: every line a comment or a sample
 * matching the grammar, one HELP and TYPE per family before its samples,
 * no family twice, counters ending in _total, no user label.
 */
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "alloc_registry.h"
#include "cp.h"

static struct cp cp;

static void
add(const char *name, uint64_t v)
{
	struct ctl_counter *c = &cp.dp_counters.c[cp.dp_counters.count++];

	c->name_len = (uint8_t)ctl_set_str(c->name, CTL_MAX_COUNTER_NAME, name);
	c->value = v;
}

static char *
render(void)
{
	struct evbuffer *b = evbuffer_new();
	size_t n;
	char *s;

	cp_metrics_render(&cp, b);
	n = evbuffer_get_length(b);
	s = malloc(n + 1);
	evbuffer_remove(b, s, n);
	s[n] = '\0';
	evbuffer_free(b);
	return s;
}

static void
has_line(const char *text, const char *line)
{
	size_t len = strlen(line);

	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[len] == '\n')
			return;
	fail_msg("missing line: %s", line);
}

static void
lacks(const char *text, const char *needle)
{
	if (strstr(text, needle) != NULL)
		fail_msg("unexpected: %s", needle);
}

/* The text format (0.0.4): comments, and samples
 * name{label="value",...} value. */
static void
check_grammar(const char *text)
{
	regex_t help, type, smp;
	char fams[256][128];
	unsigned int nfam = 0;
	char cur[128] = "";
	char *copy = strdup(text), *save = NULL;

	assert_int_equal(regcomp(&help, "^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .+$", REG_EXTENDED), 0);
	assert_int_equal(regcomp(&type,
				 "^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|untyped)$",
				 REG_EXTENDED),
			 0);
	assert_int_equal(regcomp(&smp,
				 "^[a-zA-Z_:][a-zA-Z0-9_:]*"
				 "(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"[^\"\\\\\n]*\""
				 "(,[a-zA-Z_][a-zA-Z0-9_]*=\"[^\"\\\\\n]*\")*\\})? [0-9]+$",
				 REG_EXTENDED),
			 0);
	assert_int_equal(text[strlen(text) - 1], '\n');
	for (char *l = strtok_r(copy, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
		char name[128];

		if (strncmp(l, "# HELP ", 7) == 0) {
			if (regexec(&help, l, 0, NULL, 0) != 0)
				fail_msg("bad HELP: %s", l);
			sscanf(l + 7, "%127s", name);
			for (unsigned int i = 0; i < nfam; i++)
				if (strcmp(fams[i], name) == 0)
					fail_msg("family twice: %s", name);
			assert_true(nfam < 256);
			snprintf(fams[nfam++], sizeof(fams[0]), "%s", name);
			snprintf(cur, sizeof(cur), "%s", name);
		} else if (strncmp(l, "# TYPE ", 7) == 0) {
			char kind[16];

			if (regexec(&type, l, 0, NULL, 0) != 0)
				fail_msg("bad TYPE: %s", l);
			sscanf(l + 7, "%127s %15s", name, kind);
			assert_string_equal(name, cur);
			if (strcmp(kind, "counter") == 0 &&
			    strcmp(name + strlen(name) - 6, "_total") != 0)
				fail_msg("counter without _total: %s", name);
		} else {
			size_t n = strcspn(l, "{ ");

			if (regexec(&smp, l, 0, NULL, 0) != 0)
				fail_msg("bad sample: %s", l);
			if (strlen(cur) != n || strncmp(l, cur, n) != 0)
				fail_msg("sample outside its family: %s (family %s)", l, cur);
		}
	}
	regfree(&help);
	regfree(&type);
	regfree(&smp);
	free(copy);
}

static void
test_without_dataplane(void **state)
{
	char *t;

	(void)state;
	memset(&cp, 0, sizeof(cp));
	cp.stats.lookup_config = 3;
	cp.stats.http_status[4] = 2;
	t = render();
	check_grammar(t);
	has_line(t, "turnpike_dataplane_connected 0");
	has_line(t, "turnpike_dataplane_draining 0");
	has_line(t, "turnpike_credential_lookups_total{source=\"config\",result=\"found\"} 3");
	has_line(t, "turnpike_http_responses_total{class=\"4xx\"} 2");
	/* Redis off: no turnpike_redis_up at all; no snapshot: no relay metrics. */
	lacks(t, "turnpike_redis_up");
	lacks(t, "turnpike_packets_total");
	lacks(t, "turnpike_dataplane_snapshot_timestamp_seconds");
	free(t);
}

static void
test_snapshot(void **state)
{
	char *t;

	(void)state;
	memset(&cp, 0, sizeof(cp));
	cp.dp_connected = true;
	cp.dp_draining = true;
	cp.dp_counters_at = 1700000000;
	cp.registry = cp_registry_create(10);
	add("rx_client_pkts", 10);
	add("rx_client_bytes", 1000);
	add("rx_peer_pkts", 11);
	add("tx_peer_pkts", 12);
	add("tx_client_bytes", 1300);
	add("tx_reply_pkts", 14);
	add("drop.not_stun", 5);
	add("drop.bad_fingerprint", 6);
	add("allocations_active.udp4", 7);
	add("allocations_active.udp6", 8);
	add("allocations_active", 15);
	add("allocations_total", 99);
	add("auth_ok", 20);
	add("auth_fail", 21);
	add("draining", 1);
	add("permissions", 30);
	add("channels", 31);
	add("neigh_entries", 4);
	add("overflow_blocks_used", 2);
	add("keycache_hit", 40);
	add("ctl.events_dropped", 3);
	add("quota.max_bps", 1000000);
	add("rx_pkts", 50);
	cp.stats.lookup_redis = 4;
	cp.stats.dp_connects = 2;
	t = render();
	check_grammar(t);

	has_line(t, "turnpike_dataplane_connected 1");
	has_line(t, "turnpike_dataplane_draining 1");
	has_line(t, "turnpike_dataplane_snapshot_timestamp_seconds 1700000000");
	has_line(t, "# TYPE turnpike_allocations gauge");
	has_line(t, "turnpike_allocations{transport=\"udp\",family=\"ipv4\"} 7");
	has_line(t, "turnpike_allocations{transport=\"udp\",family=\"ipv6\"} 8");
	has_line(t, "# TYPE turnpike_packets_total counter");
	has_line(t, "turnpike_packets_total{direction=\"client_in\"} 10");
	has_line(t, "turnpike_packets_total{direction=\"peer_in\"} 11");
	has_line(t, "turnpike_packets_total{direction=\"to_peer\"} 12");
	has_line(t, "turnpike_packets_total{direction=\"reply\"} 14");
	has_line(t, "turnpike_bytes_total{direction=\"client_in\"} 1000");
	has_line(t, "turnpike_bytes_total{direction=\"to_client\"} 1300");
	has_line(t, "# TYPE turnpike_drops_total counter");
	has_line(t, "turnpike_drops_total{reason=\"not_stun\"} 5");
	has_line(t, "turnpike_drops_total{reason=\"bad_fingerprint\"} 6");
	has_line(t, "turnpike_auth_total{outcome=\"ok\"} 20");
	has_line(t, "turnpike_auth_total{outcome=\"fail\"} 21");
	has_line(t, "turnpike_credential_lookups_total{source=\"redis\",result=\"found\"} 4");
	has_line(t, "turnpike_control_channel_connects_total 2");
	has_line(t, "turnpike_registry_allocations 0");
	/* Generic names: gauges and counters. */
	has_line(t, "# TYPE turnpike_dataplane_allocations_active gauge");
	has_line(t, "turnpike_dataplane_allocations_active 15");
	has_line(t, "# TYPE turnpike_dataplane_allocations_total counter");
	has_line(t, "turnpike_dataplane_allocations_total 99");
	has_line(t, "# TYPE turnpike_dataplane_permissions gauge");
	has_line(t, "turnpike_dataplane_channels 31");
	has_line(t, "# TYPE turnpike_dataplane_neigh_entries gauge");
	has_line(t, "# TYPE turnpike_dataplane_overflow_blocks_used gauge");
	has_line(t, "# TYPE turnpike_dataplane_keycache_hit_total counter");
	has_line(t, "turnpike_dataplane_keycache_hit_total 40");
	has_line(t, "turnpike_dataplane_ctl_events_dropped_total 3");
	has_line(t, "# TYPE turnpike_dataplane_quota_max_bps gauge");
	has_line(t, "turnpike_dataplane_rx_pkts_total 50");
	/* Rendered once, by their dedicated metrics only. */
	lacks(t, "turnpike_dataplane_rx_client_pkts");
	lacks(t, "turnpike_dataplane_drop_");
	lacks(t, "turnpike_dataplane_auth_ok");
	lacks(t, "turnpike_dataplane_draining_total");
	lacks(t, "user=");
	free(t);
	cp_registry_destroy(cp.registry);
	cp.registry = NULL;
}

/* Two snapshot names that map to one metric name: the second is skipped. */
static void
test_collision(void **state)
{
	char *t;

	(void)state;
	memset(&cp, 0, sizeof(cp));
	add("a.b", 1);
	add("a_b", 2);
	add("connected", 3);
	t = render();
	check_grammar(t);
	has_line(t, "turnpike_dataplane_a_b_total 1");
	lacks(t, "turnpike_dataplane_a_b_total 2");
	lacks(t, "turnpike_dataplane_connected 3");
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_without_dataplane),
		cmocka_unit_test(test_snapshot),
		cmocka_unit_test(test_collision),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus text exposition (format 0.0.4) of the control plane's state
 * and the dataplane's last counter snapshot. docs/control-plane.md lists
 * every metric.
 *
 * The snapshot's names map as follows: the relay counters, drops, auth
 * results, per-family allocation gauges and "draining" get their own
 * labelled metrics; every other name becomes turnpike_dataplane_<name>
 * with '.' turned into '_', a gauge if it is a level (see is_gauge) and
 * otherwise a counter ending in _total. No label ever carries a user name.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>

#include "alloc_registry.h"
#include "cp.h"
#include "redis_store.h"

#define NAME_MAX_ 128

static void
family(struct evbuffer *out, const char *name, const char *type, const char *help)
{
	evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
sample(struct evbuffer *out, const char *name, const char *labels, uint64_t v)
{
	evbuffer_add_printf(out, "%s%s %" PRIu64 "\n", name, labels != NULL ? labels : "", v);
}

static void
one(struct evbuffer *out, const char *name, const char *type, const char *help, uint64_t v)
{
	family(out, name, type, help);
	sample(out, name, NULL, v);
}

static const struct ctl_counter *
find(const struct ctl_counters *c, const char *name)
{
	for (unsigned int i = 0; i < c->count && i < CTL_MAX_COUNTERS; i++)
		if (strcmp(c->c[i].name, name) == 0)
			return &c->c[i];
	return NULL;
}

/* The relay directions: snapshot prefix -> label. */
static const struct {
	const char *prefix, *label;
} directions[] = {
	{ "rx_client", "client_in" }, { "rx_peer", "peer_in" }, { "tx_peer", "to_peer" },
	{ "tx_client", "to_client" }, { "tx_reply", "reply" },
};

/* Names rendered by a dedicated metric, not generically. */
static bool
consumed(const char *n)
{
	static const char *const exact[] = { "allocations_active.udp4", "allocations_active.udp6",
					     "auth_ok", "auth_fail", "draining", NULL };

	if (strncmp(n, "drop.", 5) == 0)
		return true;
	for (size_t i = 0; exact[i] != NULL; i++)
		if (strcmp(n, exact[i]) == 0)
			return true;
	for (size_t i = 0; i < sizeof(directions) / sizeof(directions[0]); i++) {
		size_t pl = strlen(directions[i].prefix);

		if (strncmp(n, directions[i].prefix, pl) == 0 &&
		    (strcmp(n + pl, "_pkts") == 0 || strcmp(n + pl, "_bytes") == 0))
			return true;
	}
	return false;
}

/* Levels rather than running totals. "quota." values are settings. */
static bool
is_gauge(const char *n)
{
	return strstr(n, "active") != NULL || strstr(n, "entries") != NULL ||
	       strstr(n, "used") != NULL || strcmp(n, "draining") == 0 ||
	       strcmp(n, "permissions") == 0 || strcmp(n, "channels") == 0 ||
	       strncmp(n, "quota.", 6) == 0;
}

static void
generic_name(const char *n, bool gauge, char *buf, size_t len)
{
	size_t w = (size_t)snprintf(buf, len, "turnpike_dataplane_");

	for (; *n != '\0' && w + 1 < len; n++)
		buf[w++] = *n == '.' ? '_' : *n;
	buf[w] = '\0';
	if (!gauge && (w < 6 || strcmp(buf + w - 6, "_total") != 0))
		snprintf(buf + w, len - w, "_total");
}

static void
render_relay(struct evbuffer *out, const struct ctl_counters *dc)
{
	static const char *const kinds[] = { "pkts", "bytes" };
	static const char *const metric[] = { "turnpike_packets_total", "turnpike_bytes_total" };
	static const char *const help[] = { "UDP payloads relayed or answered, by direction.",
					     "UDP payload bytes relayed or answered, by direction." };

	for (size_t k = 0; k < 2; k++) {
		bool header = false;

		for (size_t i = 0; i < sizeof(directions) / sizeof(directions[0]); i++) {
			char name[64], labels[64];
			const struct ctl_counter *c;

			snprintf(name, sizeof(name), "%s_%s", directions[i].prefix, kinds[k]);
			if ((c = find(dc, name)) == NULL)
				continue;
			if (!header)
				family(out, metric[k], "counter", help[k]);
			header = true;
			snprintf(labels, sizeof(labels), "{direction=\"%s\"}", directions[i].label);
			sample(out, metric[k], labels, c->value);
		}
	}
}

static void
render_dataplane(struct evbuffer *out, const struct ctl_counters *dc)
{
	const struct ctl_counter *c4 = find(dc, "allocations_active.udp4");
	const struct ctl_counter *c6 = find(dc, "allocations_active.udp6");
	const struct ctl_counter *ok = find(dc, "auth_ok"), *fail = find(dc, "auth_fail");
	bool header = false;

	if (c4 != NULL || c6 != NULL) {
		family(out, "turnpike_allocations", "gauge",
		       "Allocations the dataplane holds, by transport and family.");
		if (c4 != NULL)
			sample(out, "turnpike_allocations", "{transport=\"udp\",family=\"ipv4\"}",
			       c4->value);
		if (c6 != NULL)
			sample(out, "turnpike_allocations", "{transport=\"udp\",family=\"ipv6\"}",
			       c6->value);
	}
	render_relay(out, dc);

	for (unsigned int i = 0; i < dc->count && i < CTL_MAX_COUNTERS; i++) {
		char labels[CTL_MAX_COUNTER_NAME + 16];

		if (strncmp(dc->c[i].name, "drop.", 5) != 0 || dc->c[i].name[5] == '\0')
			continue;
		if (!header)
			family(out, "turnpike_drops_total", "counter",
			       "Packets the dataplane dropped, by reason.");
		header = true;
		/* Names are [a-z0-9_.]: nothing to escape in a label value. */
		snprintf(labels, sizeof(labels), "{reason=\"%s\"}", dc->c[i].name + 5);
		sample(out, "turnpike_drops_total", labels, dc->c[i].value);
	}

	if (ok != NULL || fail != NULL) {
		family(out, "turnpike_auth_total", "counter",
		       "Authenticated requests checked by the dataplane, by outcome.");
		if (ok != NULL)
			sample(out, "turnpike_auth_total", "{outcome=\"ok\"}", ok->value);
		if (fail != NULL)
			sample(out, "turnpike_auth_total", "{outcome=\"fail\"}", fail->value);
	}

	/* Everything else, one family per name; a name that would repeat an
	 * earlier one (or one of ours) is skipped. 128 names at most. */
	for (unsigned int i = 0; i < dc->count && i < CTL_MAX_COUNTERS; i++) {
		const char *n = dc->c[i].name;
		bool gauge = is_gauge(n), dup = false;
		char name[NAME_MAX_], other[NAME_MAX_];

		if (consumed(n))
			continue;
		generic_name(n, gauge, name, sizeof(name));
		if (strcmp(name, "turnpike_dataplane_connected") == 0 ||
		    strcmp(name, "turnpike_dataplane_snapshot_timestamp_seconds") == 0)
			continue;
		for (unsigned int j = 0; j < i && !dup; j++) {
			if (consumed(dc->c[j].name))
				continue;
			generic_name(dc->c[j].name, is_gauge(dc->c[j].name), other, sizeof(other));
			dup = strcmp(name, other) == 0;
		}
		if (dup)
			continue;
		family(out, name, gauge ? "gauge" : "counter",
		       "Dataplane counter (see dataplane/counters.h).");
		sample(out, name, NULL, dc->c[i].value);
	}
}

static void
render_control(struct evbuffer *out, const struct cp *cp)
{
	const struct cp_stats *s = &cp->stats;
	static const char *const lk = "turnpike_credential_lookups_total";

	family(out, lk, "counter", "Credential lookups the control plane answered, by source.");
	sample(out, lk, "{source=\"config\",result=\"found\"}", s->lookup_config);
	sample(out, lk, "{source=\"cache\",result=\"found\"}", s->lookup_cache);
	sample(out, lk, "{source=\"redis\",result=\"found\"}", s->lookup_redis);
	sample(out, lk, "{source=\"none\",result=\"not_found\"}", s->lookup_not_found);
	sample(out, lk, "{source=\"redis\",result=\"error\"}", s->lookup_error);

	one(out, "turnpike_http_requests_total", "counter", "HTTP requests received.",
	    s->http_requests);
	family(out, "turnpike_http_responses_total", "counter", "HTTP responses, by status class.");
	for (unsigned int k = 2; k <= 5; k++) {
		char labels[32];

		snprintf(labels, sizeof(labels), "{class=\"%uxx\"}", k);
		sample(out, "turnpike_http_responses_total", labels, s->http_status[k]);
	}
	one(out, "turnpike_http_ice_credentials_total", "counter",
	    "ICE server configurations with credentials handed out.", s->http_ice_ok);
	one(out, "turnpike_http_unauthorized_total", "counter",
	    "HTTP requests refused for a missing or wrong API key.", s->http_unauthorized);
	one(out, "turnpike_http_rate_limited_total", "counter",
	    "HTTP requests refused by the per-key rate limit.", s->http_rate_limited);

	one(out, "turnpike_control_channel_connects_total", "counter",
	    "Dataplane connections that completed HELLO.", s->dp_connects);
	one(out, "turnpike_control_channel_protocol_errors_total", "counter",
	    "Malformed frames received from the dataplane.", s->dp_protocol_errors);
	one(out, "turnpike_allocation_events_total", "counter",
	    "Allocation events received from the dataplane.", s->alloc_events);
	if (cp->registry != NULL)
		one(out, "turnpike_registry_allocations", "gauge",
		    "Allocations in the control plane's registry.",
		    cp_registry_count(cp->registry));

	one(out, "turnpike_redis_connects_total", "counter", "Connections made to Redis.",
	    s->redis_connects);
	one(out, "turnpike_redis_errors_total", "counter", "Redis command or connection errors.",
	    s->redis_errors);
	one(out, "turnpike_statsdb_writes_total", "counter",
	    "Allocation events written to Redis (statsdb).", s->statsdb_writes);
	one(out, "turnpike_statsdb_dropped_total", "counter",
	    "Allocation events not written: Redis down or queue full.", s->statsdb_dropped);
}

void
cp_metrics_render(const struct cp *cp, struct evbuffer *out)
{
	one(out, "turnpike_dataplane_connected", "gauge",
	    "1 while a dataplane is connected to the control channel.", cp->dp_connected ? 1 : 0);
	one(out, "turnpike_dataplane_draining", "gauge",
	    "1 while the dataplane drains (refuses new allocations).", cp->dp_draining ? 1 : 0);
	/* Absent when Redis is not configured: "off" is not "down". */
	if (cp->redis != NULL)
		one(out, "turnpike_redis_up", "gauge", "1 while the Redis connection is up.",
		    cp_redis_up(cp->redis) ? 1 : 0);
	if (cp->dp_counters.count > 0) {
		one(out, "turnpike_dataplane_snapshot_timestamp_seconds", "gauge",
		    "Unix time of the dataplane counter snapshot below.", cp->dp_counters_at);
		render_dataplane(out, &cp->dp_counters);
	}
	render_control(out, cp);
}

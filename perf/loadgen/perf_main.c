/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * turnpike-perf: a TURN load generator on the protocol core's client
 * (turn_client.h) over kernel UDP sockets. See docs/turnpike-perf.md.
 *
 *   turnpike-perf --server 127.0.0.1:3478 --user demo --password demo-pass \
 *       --preset relay-audio --clients 100 --duration 30 --json out.json
 *
 * Exit status: 0 when the run completed (the numbers are for the caller
 * to judge), 1 when set-up or the run failed, 2 for a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "perf_cfg.h"
#include "perf_io_udp.h"
#include "perf_media.h"
#include "perf_report.h"

#define DEFAULT_PORT 3478
#define MAX_PPS_START 1000       /* per stream, first max-pps step */
#define MAX_PPS_LOSS 0.001       /* 0.1 % */
#define MAX_PPS_STEPS 8

static const struct {
	const char *name;
	enum perf_preset p;
} presets[] = {
	{ "binding-flood", PERF_BINDING_FLOOD },
	{ "alloc-rate", PERF_ALLOC_RATE },
	{ "relay-audio", PERF_RELAY_AUDIO },
	{ "relay-video", PERF_RELAY_VIDEO },
	{ "max-pps", PERF_MAX_PPS },
};

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: turnpike-perf --server ADDR[:PORT] (--user U --password P | --rest-secret S\n"
		"           [--rest-user U]) [--realm R] --preset NAME [--clients N] [--peers M]\n"
		"           [--duration S] [--warmup S] [--rate PPS_PER_STREAM | --bitrate BPS_PER_STREAM]\n"
		"           [--size BYTES] [--threads T] [--peer-addr ADDR] [--json FILE] [--csv FILE]\n"
		"           [--quiet]\n"
		"presets: binding-flood alloc-rate relay-audio relay-video max-pps\n"
		"defaults: port %d, 10 clients, 1 peer each, 10 s after 1 s warm-up, 1 thread;\n"
		"relay-audio 50 pps x 100 B, relay-video 1000000 bps x 1200 B, max-pps 100 B from\n"
		"%d pps per stream up; binding-flood and alloc-rate as fast as answers come.\n",
		DEFAULT_PORT, MAX_PPS_START);
}

static int
parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < min || v > max) {
		fprintf(stderr, "turnpike-perf: %s wants a whole number in %llu..%llu, got \"%s\"\n",
			opt, (unsigned long long)min, (unsigned long long)max, s);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int
parse_secs(const char *opt, const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < min || v > max) {
		fprintf(stderr, "turnpike-perf: %s wants seconds in %g..%g, got \"%s\"\n", opt, min,
			max, s);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

enum {
	O_SERVER = 256, O_USER, O_PASSWORD, O_REST_SECRET, O_REST_USER, O_REALM, O_PRESET,
	O_CLIENTS, O_PEERS, O_DURATION, O_WARMUP, O_RATE, O_BITRATE, O_SIZE, O_THREADS,
	O_PEER_ADDR, O_JSON, O_CSV, O_QUIET,
};

static int
parse_args(int argc, char **argv, struct perf_cfg *cfg)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, O_SERVER },
		{ "user", required_argument, NULL, O_USER },
		{ "password", required_argument, NULL, O_PASSWORD },
		{ "rest-secret", required_argument, NULL, O_REST_SECRET },
		{ "rest-user", required_argument, NULL, O_REST_USER },
		{ "realm", required_argument, NULL, O_REALM },
		{ "preset", required_argument, NULL, O_PRESET },
		{ "clients", required_argument, NULL, O_CLIENTS },
		{ "peers", required_argument, NULL, O_PEERS },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "warmup", required_argument, NULL, O_WARMUP },
		{ "rate", required_argument, NULL, O_RATE },
		{ "bitrate", required_argument, NULL, O_BITRATE },
		{ "size", required_argument, NULL, O_SIZE },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "peer-addr", required_argument, NULL, O_PEER_ADDR },
		{ "json", required_argument, NULL, O_JSON },
		{ "csv", required_argument, NULL, O_CSV },
		{ "quiet", no_argument, NULL, O_QUIET },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case O_SERVER:
			cfg->server_str = optarg;
			if (stun_addr_from_string(&cfg->server, optarg, DEFAULT_PORT) != 0) {
				fprintf(stderr, "turnpike-perf: --server \"%s\" is not ADDR[:PORT]\n",
					optarg);
				return -EINVAL;
			}
			break;
		case O_USER: cfg->user = optarg; break;
		case O_PASSWORD: cfg->password = optarg; break;
		case O_REST_SECRET: cfg->rest_secret = optarg; break;
		case O_REST_USER: cfg->rest_user = optarg; break;
		case O_REALM: cfg->realm = optarg; break;
		case O_PRESET:
			cfg->preset_name = NULL;
			for (size_t i = 0; i < sizeof(presets) / sizeof(presets[0]); i++)
				if (strcmp(optarg, presets[i].name) == 0) {
					cfg->preset = presets[i].p;
					cfg->preset_name = presets[i].name;
				}
			if (cfg->preset_name == NULL) {
				fprintf(stderr, "turnpike-perf: unknown --preset \"%s\"%s\n", optarg,
					strcmp(optarg, "concurrency-ramp") == 0 ?
						" (not implemented yet)" : "");
				return -EINVAL;
			}
			break;
		case O_CLIENTS:
			if (parse_u64("--clients", optarg, 1, PERF_MAX_CLIENTS, &v) != 0)
				return -EINVAL;
			cfg->clients = (unsigned int)v;
			break;
		case O_PEERS:
			if (parse_u64("--peers", optarg, 1, PERF_MAX_PEERS, &v) != 0)
				return -EINVAL;
			cfg->peers = (unsigned int)v;
			break;
		case O_DURATION:
			if (parse_secs("--duration", optarg, 0.5, PERF_MAX_SECONDS, &cfg->duration_s))
				return -EINVAL;
			break;
		case O_WARMUP:
			if (parse_secs("--warmup", optarg, 0, 60, &cfg->warmup_s))
				return -EINVAL;
			break;
		case O_RATE:
			if (parse_u64("--rate", optarg, 1, 10000000, &cfg->rate) != 0)
				return -EINVAL;
			break;
		case O_BITRATE:
			if (parse_u64("--bitrate", optarg, 1000, 10000000000ull, &cfg->bitrate) != 0)
				return -EINVAL;
			break;
		case O_SIZE:
			if (parse_u64("--size", optarg, PERF_MEDIA_HDR + PERF_RTP_HDR, 1400, &v) != 0)
				return -EINVAL;
			cfg->size = (unsigned int)v;
			break;
		case O_THREADS:
			if (parse_u64("--threads", optarg, 1, PERF_MAX_THREADS, &v) != 0)
				return -EINVAL;
			cfg->threads = (unsigned int)v;
			break;
		case O_PEER_ADDR:
			if (stun_addr_from_string(&cfg->peer_addr, optarg, 0) != 0) {
				fprintf(stderr, "turnpike-perf: --peer-addr \"%s\" is not an address\n",
					optarg);
				return -EINVAL;
			}
			break;
		case O_JSON: cfg->json_path = optarg; break;
		case O_CSV: cfg->csv_path = optarg; break;
		case O_QUIET: cfg->quiet = true; break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "turnpike-perf: unexpected argument \"%s\"\n", argv[optind]);
		return -EINVAL;
	}
	if (cfg->server_str == NULL || cfg->preset_name == NULL) {
		fprintf(stderr, "turnpike-perf: --server and --preset are required\n");
		return -EINVAL;
	}
	if (cfg->rest_secret == NULL && (cfg->user == NULL || cfg->password == NULL)) {
		fprintf(stderr, "turnpike-perf: give --user and --password, or --rest-secret\n");
		return -EINVAL;
	}
	if (cfg->rest_secret != NULL && (cfg->user != NULL || cfg->password != NULL)) {
		fprintf(stderr, "turnpike-perf: --rest-secret excludes --user/--password\n");
		return -EINVAL;
	}
	if (cfg->rate != 0 && cfg->bitrate != 0) {
		fprintf(stderr, "turnpike-perf: give --rate or --bitrate, not both\n");
		return -EINVAL;
	}
	if (cfg->duration_s + cfg->warmup_s > PERF_MAX_SECONDS) {
		fprintf(stderr, "turnpike-perf: --warmup plus --duration over %d s: permissions"
				" are not refreshed yet\n", PERF_MAX_SECONDS);
		return -EINVAL;
	}
	if (cfg->peer_addr.family != 0 && cfg->peer_addr.family != cfg->server.family) {
		fprintf(stderr, "turnpike-perf: --peer-addr must be of the server's family\n");
		return -EINVAL;
	}
	return 0;
}

/* The per-stream rate and the RTP payload size of this preset. */
static void
traffic(const struct perf_cfg *cfg, uint64_t *rate, unsigned int *payload)
{
	unsigned int size = cfg->size;

	switch (cfg->preset) {
	case PERF_RELAY_AUDIO:
		*payload = size ? size : 100;
		*rate = cfg->rate ? cfg->rate : 50;
		break;
	case PERF_RELAY_VIDEO:
		*payload = size ? size : 1200;
		*rate = cfg->rate ? cfg->rate :
				    (cfg->bitrate ? cfg->bitrate : 1000000) / (8ull * *payload);
		break;
	case PERF_MAX_PPS:
		/* --size is the whole relayed datagram: RTP header + payload. */
		*payload = (size ? size : 100) - PERF_RTP_HDR;
		*rate = cfg->rate ? cfg->rate : MAX_PPS_START;
		break;
	default:
		*payload = 0;
		*rate = cfg->rate;
		break;
	}
	if (cfg->bitrate != 0 && cfg->preset != PERF_RELAY_VIDEO && *payload > 0)
		*rate = cfg->bitrate / (8ull * *payload);
	if (*rate == 0 && *payload > 0)
		*rate = 1;
}

/* max-pps: steps of rising offered rate. The totals reported are those
 * of the best step at <= 0.1 % loss (or of the first step if none
 * passes); rows and steps cover the whole ramp. */
static int
run_max_pps(struct perf_run *run, const struct perf_cfg *cfg, uint64_t rate, unsigned int payload,
	    struct perf_result *res, bool progress)
{
	double step_s = cfg->duration_s / MAX_PPS_STEPS < 1.0 ? 1.0 :
								 cfg->duration_s / MAX_PPS_STEPS;
	unsigned int steps = (unsigned int)(cfg->duration_s / step_s + 0.5);
	static struct perf_result one, best;
	bool have = false, best_pass = false;
	double t_off = 0;
	int rc;

	if (steps < 2)
		steps = 2;
	if (steps > PERF_MAX_STEPS)
		steps = PERF_MAX_STEPS;
	for (unsigned int i = 0; i < steps; i++) {
		struct perf_step *st = &res->steps[res->n_steps];
		bool pass;

		perf_result_init(&one);
		rc = perf_udp_measure(run, rate, payload, i == 0 ? cfg->warmup_s : 0, step_s, &one,
				      progress);
		if (rc != 0) {
			perf_result_free(&one);
			return rc;
		}
		st->offered_pps = rate * cfg->clients;
		st->sent = one.sent;
		st->received = one.received;
		st->lost = one.lost;
		st->pps = one.duration_s > 0 ? (double)one.received / one.duration_s : 0;
		st->loss_ratio = one.sent ? (double)one.lost / (double)one.sent : 1.0;
		res->n_steps++;
		for (unsigned int k = 0; k < one.n_rows; k++) {
			struct perf_row row = one.rows[k];

			row.t += t_off;
			(void)perf_result_row(res, &row);
		}
		t_off += one.duration_s;
		perf_result_free(&one);
		pass = one.sent > 0 && st->loss_ratio <= MAX_PPS_LOSS;
		if (!have || (pass && (!best_pass || (uint64_t)st->pps >= res->max_pps))) {
			best = one;
			have = true;
			best_pass = pass;
			res->max_pps = pass ? (uint64_t)st->pps : 0;
		}
		if (!pass)
			break;
		rate = rate * 3 / 2;
	}
	res->duration_s = best.duration_s;
	res->sent = best.sent;
	res->received = best.received;
	res->lost = best.lost;
	res->reordered = best.reordered;
	res->duplicates = best.duplicates;
	res->srtp_failures = best.srtp_failures;
	res->bad = best.bad;
	res->hist = best.hist;
	res->has_latency = best.has_latency;
	res->has_max_pps = true;
	return 0;
}

int
main(int argc, char **argv)
{
	struct perf_cfg cfg = {
		.clients = 10,
		.peers = 1,
		.duration_s = 10,
		.warmup_s = 1,
		.threads = 1,
		.timeout_ms = 500,
		.retries = 3,
	};
	struct perf_result res;
	struct perf_run *run = NULL;
	char err[256] = "";
	uint64_t rate;
	unsigned int payload;
	bool progress;
	int rc, status = 0;

	if (parse_args(argc, argv, &cfg) != 0) {
		usage(stderr);
		return 2;
	}
	progress = !cfg.quiet && isatty(STDERR_FILENO);
	if (perf_media_global_init() != 0) {
		fprintf(stderr, "turnpike-perf: libsrtp2 failed to initialise\n");
		return 1;
	}
	traffic(&cfg, &rate, &payload);
	if (!cfg.quiet)
		fprintf(stderr, "turnpike-perf: %s, setting up %u client(s) against %s\n",
			cfg.preset_name, cfg.clients, cfg.server_str);
	rc = perf_udp_setup(&cfg, &run, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "turnpike-perf: set-up failed: %s\n", err[0] ? err : strerror(-rc));
		perf_udp_teardown(run);
		return 1;
	}
	perf_result_init(&res);
	if (cfg.preset == PERF_MAX_PPS)
		rc = run_max_pps(run, &cfg, rate, payload, &res, progress);
	else
		rc = perf_udp_measure(run, rate, payload, cfg.warmup_s, cfg.duration_s, &res,
				      progress);
	perf_udp_teardown(run);
	if (rc != 0) {
		fprintf(stderr, "turnpike-perf: run failed: %s\n", strerror(-rc));
		perf_result_free(&res);
		return 1;
	}
	perf_report_text(stdout, &cfg, &res);
	if (cfg.json_path != NULL && (rc = perf_report_json(&cfg, &res, cfg.json_path)) != 0) {
		fprintf(stderr, "turnpike-perf: cannot write %s: %s\n", cfg.json_path, strerror(-rc));
		status = 1;
	}
	if (cfg.csv_path != NULL && (rc = perf_report_csv(&res, cfg.csv_path)) != 0) {
		fprintf(stderr, "turnpike-perf: cannot write %s: %s\n", cfg.csv_path, strerror(-rc));
		status = 1;
	}
	perf_result_free(&res);
	return status;
}

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
#include "perf_dpdk.h"
#include "perf_io_udp.h"
#include "perf_media.h"
#include "perf_report.h"

#define DEFAULT_PORT 3478
#define MAX_PPS_START 1000       /* per stream, first max-pps step */
#define MAX_PPS_LOSS 0.001       /* 0.1 % */
#define MAX_PPS_STEPS 8
#define DEFAULT_RAMP 100000
#define MAX_RAMP 16777216        /* the dataplane's max_allocations ceiling */
#define DEFAULT_DPDK_IP "198.18.0.1"
#define DEFAULT_CLIENT_NET "198.19.0.0"
#define DEFAULT_DPDK_PEER "198.18.100.1"

static const struct {
	const char *name;
	enum perf_preset p;
} presets[] = {
	{ "binding-flood", PERF_BINDING_FLOOD },
	{ "alloc-rate", PERF_ALLOC_RATE },
	{ "relay-audio", PERF_RELAY_AUDIO },
	{ "relay-video", PERF_RELAY_VIDEO },
	{ "max-pps", PERF_MAX_PPS },
	{ "concurrency-ramp", PERF_CONCURRENCY_RAMP },
};

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: turnpike-perf --server ADDR[:PORT] (--user U --password P | --rest-secret S\n"
		"           [--rest-user U]) [--realm R] --preset NAME [--clients N] [--peers M]\n"
		"           [--duration S] [--warmup S] [--rate PPS_PER_STREAM | --bitrate BPS_PER_STREAM]\n"
		"           [--size BYTES] [--threads T] [--peer-addr ADDR] [--json FILE] [--csv FILE]\n"
		"           [--cdf FILE] [--allocations N] [--server-pid PID] [--peer-mode echo|sink]\n"
		"           [--quiet]\n"
		"           [--io udp | --io dpdk --eal \"EAL ARGS\" [--dpdk-ip ADDR] [--client-net ADDR]]\n"
		"presets: binding-flood alloc-rate relay-audio relay-video max-pps concurrency-ramp\n"
		"defaults: port %d, 10 clients, 1 peer each, 10 s after 1 s warm-up, 1 thread;\n"
		"relay-audio 50 pps x 100 B, relay-video 1000000 bps x 1200 B, max-pps 100 B from\n"
		"%d pps per stream up; binding-flood and alloc-rate as fast as answers come;\n"
		"concurrency-ramp builds and holds --allocations (default %d) as fast as it can,\n"
		"--clients of them at a time, within --duration.\n"
		"--io dpdk: EAL port 0 (e.g. --vdev net_memif0,role=client,socket=PATH), IPv4;\n"
		"we are --dpdk-ip (default %s, the server's gateway), client i sends from\n"
		"--client-net + i (default %s), echo peer j is --peer-addr + j (default %s)\n"
		"port %d.\n",
		DEFAULT_PORT, MAX_PPS_START, DEFAULT_RAMP, DEFAULT_DPDK_IP, DEFAULT_CLIENT_NET,
		DEFAULT_DPDK_PEER, PERF_DPDK_PEER_PORT);
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
	O_PEER_ADDR, O_JSON, O_CSV, O_QUIET, O_IO, O_EAL, O_DPDK_IP, O_CLIENT_NET, O_ALLOCATIONS,
	O_SERVER_PID, O_CDF, O_PEER_MODE,
};

static int
parse_ip4(const char *opt, const char *s, struct stun_addr *out)
{
	if (stun_addr_from_string(out, s, 0) != 0 || out->family != STUN_FAMILY_IPV4) {
		fprintf(stderr, "turnpike-perf: %s wants an IPv4 address, got \"%s\"\n", opt, s);
		return -EINVAL;
	}
	return 0;
}

/* --io dpdk: its own options present, defaults for the rest, IPv4 only. */
static int
check_dpdk_args(struct perf_cfg *cfg)
{
	if (cfg->io != PERF_IO_DPDK) {
		if (cfg->eal != NULL || cfg->dpdk_ip.family != 0 || cfg->client_net.family != 0) {
			fprintf(stderr, "turnpike-perf: --eal, --dpdk-ip and --client-net need "
					"--io dpdk\n");
			return -EINVAL;
		}
		return 0;
	}
	if (cfg->eal == NULL) {
		fprintf(stderr, "turnpike-perf: --io dpdk needs --eal \"EAL ARGS\" naming the port\n");
		return -EINVAL;
	}
	if (cfg->server.family != STUN_FAMILY_IPV4) {
		fprintf(stderr, "turnpike-perf: --io dpdk speaks IPv4 only: --server %s\n",
			cfg->server_str);
		return -EINVAL;
	}
	if (cfg->dpdk_ip.family == 0)
		(void)stun_addr_from_string(&cfg->dpdk_ip, DEFAULT_DPDK_IP, 0);
	if (cfg->client_net.family == 0)
		(void)stun_addr_from_string(&cfg->client_net, DEFAULT_CLIENT_NET, 0);
	if (cfg->peer_addr.family == 0)
		(void)stun_addr_from_string(&cfg->peer_addr, DEFAULT_DPDK_PEER, 0);
	if ((unsigned int)cfg->client_net.ip[2] * 256u + cfg->client_net.ip[3] + cfg->clients >
	    65536u) {
		fprintf(stderr, "turnpike-perf: --client-net + --clients runs past a /16\n");
		return -EINVAL;
	}
	return 0;
}

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
		{ "io", required_argument, NULL, O_IO },
		{ "eal", required_argument, NULL, O_EAL },
		{ "dpdk-ip", required_argument, NULL, O_DPDK_IP },
		{ "client-net", required_argument, NULL, O_CLIENT_NET },
		{ "allocations", required_argument, NULL, O_ALLOCATIONS },
		{ "server-pid", required_argument, NULL, O_SERVER_PID },
		{ "cdf", required_argument, NULL, O_CDF },
		{ "peer-mode", required_argument, NULL, O_PEER_MODE },
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
		case O_CDF: cfg->cdf_path = optarg; break;
		case O_PEER_MODE:
			if (strcmp(optarg, "echo") != 0 && strcmp(optarg, "sink") != 0) {
				fprintf(stderr, "turnpike-perf: --peer-mode wants echo or sink, got "
						"\"%s\"\n", optarg);
				return -EINVAL;
			}
			cfg->sink = strcmp(optarg, "sink") == 0;
			break;
		case O_QUIET: cfg->quiet = true; break;
		case O_IO:
			if (strcmp(optarg, "udp") == 0) {
				cfg->io = PERF_IO_UDP;
			} else if (strcmp(optarg, "dpdk") == 0) {
#ifdef PERF_HAVE_DPDK
				cfg->io = PERF_IO_DPDK;
#else
				fprintf(stderr, "turnpike-perf: built without DPDK: --io dpdk is "
						"not available\n");
				return -EINVAL;
#endif
			} else {
				fprintf(stderr, "turnpike-perf: --io wants udp or dpdk, got \"%s\"\n",
					optarg);
				return -EINVAL;
			}
			break;
		case O_EAL: cfg->eal = optarg; break;
		case O_DPDK_IP:
			if (parse_ip4("--dpdk-ip", optarg, &cfg->dpdk_ip) != 0)
				return -EINVAL;
			break;
		case O_CLIENT_NET:
			if (parse_ip4("--client-net", optarg, &cfg->client_net) != 0)
				return -EINVAL;
			break;
		case O_ALLOCATIONS:
			if (parse_u64("--allocations", optarg, 1, MAX_RAMP, &cfg->allocations) != 0)
				return -EINVAL;
			break;
		case O_SERVER_PID:
			if (parse_u64("--server-pid", optarg, 1, 4194304, &v) != 0)
				return -EINVAL;
			cfg->server_pid = (int)v;
			break;
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
	if (cfg->sink && cfg->preset != PERF_RELAY_AUDIO && cfg->preset != PERF_RELAY_VIDEO &&
	    cfg->preset != PERF_MAX_PPS) {
		fprintf(stderr, "turnpike-perf: --peer-mode sink is for the relay presets and max-pps\n");
		return -EINVAL;
	}
	if (cfg->preset == PERF_CONCURRENCY_RAMP) {
		if (cfg->allocations == 0)
			cfg->allocations = DEFAULT_RAMP;
		cfg->warmup_s = 0; /* every allocation counts */
	} else if (cfg->allocations != 0) {
		fprintf(stderr, "turnpike-perf: --allocations is for --preset concurrency-ramp\n");
		return -EINVAL;
	}
	return check_dpdk_args(cfg);
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

static void
close_io(struct perf_cfg *cfg)
{
#ifdef PERF_HAVE_DPDK
	if (cfg->dpdk != NULL) {
		struct perf_dpdk_stats st;

		perf_dpdk_get_stats(cfg->dpdk, &st);
		if (!cfg->quiet)
			fprintf(stderr, "turnpike-perf: DPDK port: %llu frames in, %llu out, %llu "
				"echoed, %llu dropped on send, %llu ignored, %llu ARP\n",
				(unsigned long long)st.rx_frames, (unsigned long long)st.tx_frames,
				(unsigned long long)st.echoed, (unsigned long long)st.tx_dropped,
				(unsigned long long)st.ignored, (unsigned long long)st.arp);
		perf_dpdk_close(cfg->dpdk);
		cfg->dpdk = NULL;
	}
#else
	(void)cfg;
#endif
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
#ifdef PERF_HAVE_DPDK
	if (cfg.io == PERF_IO_DPDK) {
		rc = perf_dpdk_open(cfg.eal, &cfg.dpdk_ip, &cfg.server, &cfg.dpdk, err, sizeof(err));
		if (rc != 0) {
			fprintf(stderr, "turnpike-perf: DPDK: %s\n", err[0] ? err : strerror(-rc));
			perf_dpdk_close(cfg.dpdk);
			return 1;
		}
	}
#endif
	rc = perf_udp_setup(&cfg, &run, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "turnpike-perf: set-up failed: %s\n", err[0] ? err : strerror(-rc));
		perf_udp_teardown(run);
		close_io(&cfg);
		return 1;
	}
	perf_result_init(&res);
	if (cfg.preset == PERF_MAX_PPS)
		rc = run_max_pps(run, &cfg, rate, payload, &res, progress);
	else
		rc = perf_udp_measure(run, rate, payload, cfg.warmup_s, cfg.duration_s, &res,
				      progress);
	perf_udp_teardown(run);
	close_io(&cfg);
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
	if (cfg.csv_path != NULL && (rc = perf_report_csv(&cfg, &res, cfg.csv_path)) != 0) {
		fprintf(stderr, "turnpike-perf: cannot write %s: %s\n", cfg.csv_path, strerror(-rc));
		status = 1;
	}
	if (cfg.cdf_path != NULL && (rc = perf_report_cdf(&res, cfg.cdf_path)) != 0) {
		fprintf(stderr, "turnpike-perf: cannot write %s: %s\n", cfg.cdf_path, strerror(-rc));
		status = 1;
	}
	perf_result_free(&res);
	return status;
}

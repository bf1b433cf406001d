/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * turnpike-perf results: the totals of a run, the per-second rows, and
 * their renderings (a human summary, one JSON object, CSV rows, and the
 * latency CDF as CSV).
 *
 *   struct perf_result r;
 *   perf_result_init(&r);           // then fill; rows with perf_result_row()
 *   perf_report_text(stdout, cfg, &r);
 *   perf_report_json(cfg, &r, "out.json");
 *   perf_report_csv(cfg, &r, "out.csv");
 *   perf_report_cdf(&r, "out.cdf.csv");
 *   perf_result_free(&r);
 */
#ifndef PERF_REPORT_H
#define PERF_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "perf_cfg.h"
#include "perf_hist.h"

struct perf_row {
	double t;          /* seconds since the measurement started */
	uint64_t sent, received, lost;
	uint64_t p99_ns;
	/* concurrency-ramp */
	uint64_t held;          /* allocations built so far */
	uint64_t server_rss_kb; /* 0: not read (no --server-pid) */
};

/* One offered-rate step of max-pps. */
struct perf_step {
	uint64_t offered_pps; /* all streams together */
	uint64_t sent, received, lost;
	double pps;           /* received per second */
	double loss_ratio;
};

#define PERF_MAX_STEPS 32

struct perf_result {
	double duration_s;          /* measured time */
	uint64_t sent, received, lost;
	uint64_t reordered, duplicates, srtp_failures, bad;
	struct perf_hist hist;      /* latency, ns */
	bool has_latency;
	/* alloc-rate; concurrency-ramp: allocations built and held */
	uint64_t allocations, failures;
	/* concurrency-ramp with --server-pid: the server's VmRSS before and after */
	bool has_memory;
	uint64_t rss_start_kb, rss_end_kb;
	unsigned int ramp_stop_error; /* 508 or 486 when the server was full, else 0 */
	/* max-pps */
	struct perf_step steps[PERF_MAX_STEPS];
	unsigned int n_steps;
	bool has_max_pps;
	uint64_t max_pps;
	struct perf_row *rows;
	unsigned int n_rows, cap_rows;
};

void perf_result_init(struct perf_result *r);
void perf_result_free(struct perf_result *r);
/* Append a row; -ENOMEM (the row is dropped) if memory runs out. */
int perf_result_row(struct perf_result *r, const struct perf_row *row);

void perf_report_text(FILE *f, const struct perf_cfg *cfg, const struct perf_result *r);
/* Returns 0 or -errno (the file could not be written). */
int perf_report_json(const struct perf_cfg *cfg, const struct perf_result *r, const char *path);
/* concurrency-ramp rows add allocations_held and server_rss_kb columns. */
int perf_report_csv(const struct perf_cfg *cfg, const struct perf_result *r, const char *path);
/*
 * The latency CDF: a header "latency_us,fraction", then one row per
 * non-empty histogram bucket in rising order: the bucket's upper bound
 * (clamped to the largest sample, as the percentiles are) and the share
 * of samples at or below it; the last row's fraction is exactly 1. So
 * the first row whose fraction reaches p/100 holds the p-th percentile.
 * Only the header without latency samples. Returns 0 or -errno.
 */
int perf_report_cdf(const struct perf_result *r, const char *path);
/* At most this many [latency_us, fraction] points in the JSON's latency_cdf. */
#define PERF_CDF_JSON_POINTS 200

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * turnpike-perf result rendering: see perf_report.h. JSON is written by
 * hand: every string is either a preset name or the --server argument,
 * escaped below.
 */
#include "perf_report.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void
perf_result_init(struct perf_result *r)
{
	memset(r, 0, sizeof(*r));
	perf_hist_reset(&r->hist);
}

void
perf_result_free(struct perf_result *r)
{
	free(r->rows);
	r->rows = NULL;
	r->n_rows = r->cap_rows = 0;
}

int
perf_result_row(struct perf_result *r, const struct perf_row *row)
{
	if (r->n_rows == r->cap_rows) {
		unsigned int cap = r->cap_rows ? r->cap_rows * 2 : 64;
		struct perf_row *p = realloc(r->rows, cap * sizeof(*p));

		if (p == NULL)
			return -ENOMEM;
		r->rows = p;
		r->cap_rows = cap;
	}
	r->rows[r->n_rows++] = *row;
	return 0;
}

static double
ratio(uint64_t a, uint64_t b)
{
	return b == 0 ? 0.0 : (double)a / (double)b;
}

static double
us(uint64_t ns)
{
	return (double)ns / 1000.0;
}

/* Growth of the server's resident memory over the ramp, per allocation held. */
static double
bytes_per_allocation(const struct perf_result *r)
{
	if (r->allocations == 0 || r->rss_end_kb < r->rss_start_kb)
		return 0.0;
	return (double)(r->rss_end_kb - r->rss_start_kb) * 1024.0 / (double)r->allocations;
}

void
perf_report_text(FILE *f, const struct perf_cfg *cfg, const struct perf_result *r)
{
	const struct perf_hist *h = &r->hist;

	fprintf(f, "turnpike-perf %s against %s: %u client(s), %.1f s measured\n",
		cfg->preset_name, cfg->server_str, cfg->clients, r->duration_s);
	fprintf(f, "  sent %llu  received %llu  lost %llu (%.4f %%)  reordered %llu"
		   "  duplicates %llu\n",
		(unsigned long long)r->sent, (unsigned long long)r->received,
		(unsigned long long)r->lost, 100.0 * ratio(r->lost, r->sent),
		(unsigned long long)r->reordered, (unsigned long long)r->duplicates);
	fprintf(f, "  srtp failures %llu  bad packets %llu  received rate %.0f pps\n",
		(unsigned long long)r->srtp_failures, (unsigned long long)r->bad,
		r->duration_s > 0 ? (double)r->received / r->duration_s : 0.0);
	if (r->has_latency && h->count > 0)
		fprintf(f, "  %slatency us: p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f"
			   "  (%llu samples)\n", cfg->sink ? "one-way " : "",
			us(perf_hist_percentile(h, 50)), us(perf_hist_percentile(h, 90)),
			us(perf_hist_percentile(h, 99)), us(perf_hist_percentile(h, 99.9)),
			us(h->max), (unsigned long long)h->count);
	if (cfg->preset == PERF_ALLOC_RATE || cfg->preset == PERF_CONCURRENCY_RAMP)
		fprintf(f, "  allocations %s%llu (%.1f per s)  failures %llu\n",
			cfg->preset == PERF_CONCURRENCY_RAMP ? "held " : "",
			(unsigned long long)r->allocations,
			r->duration_s > 0 ? (double)r->allocations / r->duration_s : 0.0,
			(unsigned long long)r->failures);
	if (r->ramp_stop_error != 0)
		fprintf(f, "  stopped before the target: the server answered %u (full)\n",
			r->ramp_stop_error);
	if (r->has_memory)
		fprintf(f, "  server RSS %llu -> %llu kB: %.0f bytes per allocation\n",
			(unsigned long long)r->rss_start_kb, (unsigned long long)r->rss_end_kb,
			bytes_per_allocation(r));
	for (unsigned int i = 0; i < r->n_steps; i++)
		fprintf(f, "  step %u: offered %llu pps  received %.0f pps  loss %.4f %%\n", i,
			(unsigned long long)r->steps[i].offered_pps, r->steps[i].pps,
			100.0 * r->steps[i].loss_ratio);
	if (r->has_max_pps)
		fprintf(f, "  max pps at <= 0.1 %% loss: %llu\n", (unsigned long long)r->max_pps);
}

/*
 * Walks the non-empty buckets of a histogram in rising order: the CSV and
 * the JSON draw the same CDF. The total is the sum of the buckets (not
 * h->count) so the last fraction is exactly 1 whatever happened.
 */
struct cdf_iter {
	const struct perf_hist *h;
	unsigned int idx;
	uint64_t seen, total;
};

static void
cdf_start(struct cdf_iter *it, const struct perf_hist *h)
{
	it->h = h;
	it->idx = 0;
	it->seen = 0;
	it->total = 0;
	for (unsigned int i = 0; i < PERF_HIST_BUCKETS; i++)
		it->total += h->b[i];
}

/* The next point: @ns the bucket's bound clamped to the maximum, @seen the samples <= it. */
static bool
cdf_next(struct cdf_iter *it, uint64_t *ns, uint64_t *seen)
{
	while (it->idx < PERF_HIST_BUCKETS && it->h->b[it->idx] == 0)
		it->idx++;
	if (it->idx >= PERF_HIST_BUCKETS)
		return false;
	it->seen += it->h->b[it->idx];
	*ns = perf_hist_bucket_high(it->idx);
	if (*ns > it->h->max)
		*ns = it->h->max;
	*seen = it->seen;
	it->idx++;
	return true;
}

static double
cdf_fraction(const struct cdf_iter *it, uint64_t seen)
{
	return seen >= it->total ? 1.0 : (double)seen / (double)it->total;
}

/*
 * The JSON's latency_cdf, at most PERF_CDF_JSON_POINTS points: every
 * non-empty bucket when they are few enough, else an even spread over
 * them plus, always, the first and last point and both points around
 * each reported percentile (the bucket holding it and the one before),
 * so the median and the tail read the same as in latency_us.
 */
static const double cdf_marks[] = { 50.0, 90.0, 99.0, 99.9, 99.99 };
#define CDF_MARKS (sizeof(cdf_marks) / sizeof(cdf_marks[0]))
#define CDF_KEPT (2 + 2 * CDF_MARKS) /* first, last, around each mark */

static void
json_cdf(FILE *f, const struct perf_hist *h)
{
	struct cdf_iter it;
	uint64_t ns, seen, prev = 0, rank[CDF_MARKS];
	unsigned int n = 0, at[CDF_MARKS], even, j = 0;
	bool first = true;

	cdf_start(&it, h);
	for (unsigned int m = 0; m < CDF_MARKS; m++) {
		/* The rank rule of perf_hist_percentile(). */
		rank[m] = (uint64_t)ceil(cdf_marks[m] / 100.0 * (double)it.total);
		if (rank[m] < 1)
			rank[m] = 1;
		at[m] = 0;
	}
	while (cdf_next(&it, &ns, &seen)) {
		for (unsigned int m = 0; m < CDF_MARKS; m++)
			if (prev < rank[m] && rank[m] <= seen)
				at[m] = n;
		prev = seen;
		n++;
	}
	/* Points kept by the even spread: all of them, or the budget left. */
	even = n <= PERF_CDF_JSON_POINTS ? n : PERF_CDF_JSON_POINTS - CDF_KEPT;

	fprintf(f, ", \"latency_cdf\": [");
	cdf_start(&it, h);
	for (; cdf_next(&it, &ns, &seen); j++) {
		/* j is kept when it crosses a step of n / even buckets. */
		bool keep = j == 0 || j == n - 1 ||
			(uint64_t)(j + 1) * even / n != (uint64_t)j * even / n;

		for (unsigned int m = 0; m < CDF_MARKS && !keep; m++)
			keep = j == at[m] || j + 1 == at[m];
		if (!keep)
			continue;
		fprintf(f, "%s[%.3f, %.9f]", first ? "" : ", ", us(ns), cdf_fraction(&it, seen));
		first = false;
	}
	fprintf(f, "]");
}

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

int
perf_report_json(const struct perf_cfg *cfg, const struct perf_result *r, const char *path)
{
	const struct perf_hist *h = &r->hist;
	FILE *f = fopen(path, "w");
	int rc = 0;

	if (f == NULL)
		return -errno;
	fprintf(f, "{\"preset\": ");
	json_str(f, cfg->preset_name);
	fprintf(f, ", \"server\": ");
	json_str(f, cfg->server_str);
	fprintf(f, ", \"clients\": %u, \"peers\": %u, \"threads\": %u, \"duration_s\": %.3f",
		cfg->clients, cfg->peers, cfg->threads, r->duration_s);
	fprintf(f, ", \"io\": \"%s\"", cfg->io == PERF_IO_DPDK ? "dpdk" : "udp");
	if (cfg->preset == PERF_RELAY_AUDIO || cfg->preset == PERF_RELAY_VIDEO ||
	    cfg->preset == PERF_MAX_PPS)
		fprintf(f, ", \"peer_mode\": \"%s\"", cfg->sink ? "sink" : "echo");
	fprintf(f, ", \"sent\": %llu, \"received\": %llu, \"lost\": %llu, \"loss_ratio\": %.6f",
		(unsigned long long)r->sent, (unsigned long long)r->received,
		(unsigned long long)r->lost, ratio(r->lost, r->sent));
	fprintf(f, ", \"reordered\": %llu, \"duplicates\": %llu, \"srtp_failures\": %llu"
		   ", \"bad_packets\": %llu, \"pps\": %.1f",
		(unsigned long long)r->reordered, (unsigned long long)r->duplicates,
		(unsigned long long)r->srtp_failures, (unsigned long long)r->bad,
		r->duration_s > 0 ? (double)r->received / r->duration_s : 0.0);
	if (r->has_latency && h->count > 0)
		fprintf(f, ", \"latency_us\": {\"p50\": %.1f, \"p90\": %.1f, \"p99\": %.1f"
			   ", \"p999\": %.1f, \"max\": %.1f, \"samples\": %llu}",
			us(perf_hist_percentile(h, 50)), us(perf_hist_percentile(h, 90)),
			us(perf_hist_percentile(h, 99)), us(perf_hist_percentile(h, 99.9)),
			us(h->max), (unsigned long long)h->count);
	if (r->has_latency && h->count > 0)
		json_cdf(f, h);
	if (cfg->preset == PERF_ALLOC_RATE || cfg->preset == PERF_CONCURRENCY_RAMP)
		fprintf(f, ", \"allocations\": %llu, \"allocations_per_s\": %.1f, \"failures\": %llu",
			(unsigned long long)r->allocations,
			r->duration_s > 0 ? (double)r->allocations / r->duration_s : 0.0,
			(unsigned long long)r->failures);
	if (cfg->preset == PERF_CONCURRENCY_RAMP)
		fprintf(f, ", \"allocations_target\": %llu, \"allocations_held\": %llu"
			   ", \"stop_error\": %u",
			(unsigned long long)cfg->allocations, (unsigned long long)r->allocations,
			r->ramp_stop_error);
	if (r->has_memory)
		fprintf(f, ", \"server_rss_kb\": {\"start\": %llu, \"end\": %llu}"
			   ", \"bytes_per_allocation\": %.1f",
			(unsigned long long)r->rss_start_kb, (unsigned long long)r->rss_end_kb,
			bytes_per_allocation(r));
	if (r->n_steps > 0) {
		fprintf(f, ", \"steps\": [");
		for (unsigned int i = 0; i < r->n_steps; i++)
			fprintf(f, "%s{\"offered_pps\": %llu, \"sent\": %llu, \"received\": %llu"
				   ", \"lost\": %llu, \"pps\": %.1f, \"loss_ratio\": %.6f}",
				i ? ", " : "", (unsigned long long)r->steps[i].offered_pps,
				(unsigned long long)r->steps[i].sent,
				(unsigned long long)r->steps[i].received,
				(unsigned long long)r->steps[i].lost, r->steps[i].pps,
				r->steps[i].loss_ratio);
		fprintf(f, "]");
	}
	if (r->has_max_pps)
		fprintf(f, ", \"max_pps_at_0_1pct_loss\": %llu", (unsigned long long)r->max_pps);
	fprintf(f, "}\n");
	if (ferror(f))
		rc = -EIO;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	return rc;
}

int
perf_report_csv(const struct perf_cfg *cfg, const struct perf_result *r, const char *path)
{
	FILE *f = fopen(path, "w");
	bool ramp = cfg->preset == PERF_CONCURRENCY_RAMP;
	int rc = 0;

	if (f == NULL)
		return -errno;
	fprintf(f, "t,sent,received,lost,p99_us%s\n", ramp ? ",allocations_held,server_rss_kb" : "");
	for (unsigned int i = 0; i < r->n_rows; i++) {
		const struct perf_row *w = &r->rows[i];

		fprintf(f, "%.3f,%llu,%llu,%llu,%.1f", w->t, (unsigned long long)w->sent,
			(unsigned long long)w->received, (unsigned long long)w->lost, us(w->p99_ns));
		if (ramp)
			fprintf(f, ",%llu,%llu", (unsigned long long)w->held,
				(unsigned long long)w->server_rss_kb);
		fputc('\n', f);
	}
	if (ferror(f))
		rc = -EIO;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	return rc;
}

int
perf_report_cdf(const struct perf_result *r, const char *path)
{
	FILE *f = fopen(path, "w");
	struct cdf_iter it;
	uint64_t ns, seen;
	int rc = 0;

	if (f == NULL)
		return -errno;
	fprintf(f, "latency_us,fraction\n");
	if (r->has_latency) {
		cdf_start(&it, &r->hist);
		while (cdf_next(&it, &ns, &seen))
			fprintf(f, "%.3f,%.9f\n", us(ns), cdf_fraction(&it, seen));
	}
	if (ferror(f))
		rc = -EIO;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	return rc;
}

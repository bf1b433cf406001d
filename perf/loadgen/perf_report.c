/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * turnpike-perf result rendering: see perf_report.h. JSON is written by
 * hand: every string is either a preset name or the --server argument,
 * escaped below.
 */
#include "perf_report.h"

#include <errno.h>
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
		fprintf(f, "  latency us: p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f"
			   "  (%llu samples)\n",
			us(perf_hist_percentile(h, 50)), us(perf_hist_percentile(h, 90)),
			us(perf_hist_percentile(h, 99)), us(perf_hist_percentile(h, 99.9)),
			us(h->max), (unsigned long long)h->count);
	if (cfg->preset == PERF_ALLOC_RATE)
		fprintf(f, "  allocations %llu (%.1f per s)  failures %llu\n",
			(unsigned long long)r->allocations,
			r->duration_s > 0 ? (double)r->allocations / r->duration_s : 0.0,
			(unsigned long long)r->failures);
	for (unsigned int i = 0; i < r->n_steps; i++)
		fprintf(f, "  step %u: offered %llu pps  received %.0f pps  loss %.4f %%\n", i,
			(unsigned long long)r->steps[i].offered_pps, r->steps[i].pps,
			100.0 * r->steps[i].loss_ratio);
	if (r->has_max_pps)
		fprintf(f, "  max pps at <= 0.1 %% loss: %llu\n", (unsigned long long)r->max_pps);
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
	if (cfg->preset == PERF_ALLOC_RATE)
		fprintf(f, ", \"allocations\": %llu, \"allocations_per_s\": %.1f, \"failures\": %llu",
			(unsigned long long)r->allocations,
			r->duration_s > 0 ? (double)r->allocations / r->duration_s : 0.0,
			(unsigned long long)r->failures);
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
perf_report_csv(const struct perf_result *r, const char *path)
{
	FILE *f = fopen(path, "w");
	int rc = 0;

	if (f == NULL)
		return -errno;
	fprintf(f, "t,sent,received,lost,p99_us\n");
	for (unsigned int i = 0; i < r->n_rows; i++) {
		const struct perf_row *w = &r->rows[i];

		fprintf(f, "%.3f,%llu,%llu,%llu,%.1f\n", w->t, (unsigned long long)w->sent,
			(unsigned long long)w->received, (unsigned long long)w->lost, us(w->p99_ns));
	}
	if (ferror(f))
		rc = -EIO;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	return rc;
}

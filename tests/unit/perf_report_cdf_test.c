/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * perf_report_cdf and the JSON's latency_cdf: the header, rising rows
 * ending at exactly 1, the percentile rows matching perf_hist_percentile
 * on a histogram whose median is known, header only without samples, an
 * unwritable path, and the JSON cap of PERF_CDF_JSON_POINTS points that
 * still keeps the p99 and the maximum.
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

#include "perf_report.h"

#define MAX_POINTS 4096

static struct perf_result r;
static double lat[MAX_POINTS], frac[MAX_POINTS];

static void
tmp_path(char *buf, size_t len)
{
	int fd;

	snprintf(buf, len, "/tmp/perf_report_cdf_test.XXXXXX");
	fd = mkstemp(buf);
	assert_true(fd >= 0);
	close(fd);
}

/* Reads a CDF CSV into lat[]/frac[]; returns the row count. */
static unsigned int
read_cdf_csv(const char *path)
{
	char line[128];
	unsigned int n = 0;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "latency_us,fraction\n");
	while (fgets(line, sizeof(line), f) != NULL) {
		assert_true(n < MAX_POINTS);
		assert_int_equal(sscanf(line, "%lf,%lf", &lat[n], &frac[n]), 2);
		n++;
	}
	fclose(f);
	return n;
}

/* Rising latencies, non-decreasing fractions in (0, 1], the last exactly 1. */
static void
assert_cdf_shape(unsigned int n)
{
	assert_true(n >= 1);
	for (unsigned int i = 0; i < n; i++) {
		assert_true(frac[i] > 0.0 && frac[i] <= 1.0);
		if (i > 0) {
			assert_true(lat[i] > lat[i - 1]);
			assert_true(frac[i] >= frac[i - 1]);
		}
	}
	assert_true(frac[n - 1] == 1.0);
}

/* The latency of the first point whose fraction reaches @p percent. */
static double
cdf_at(unsigned int n, double p)
{
	for (unsigned int i = 0; i < n; i++)
		if (frac[i] >= p / 100.0 - 1e-9)
			return lat[i];
	fail_msg("no CDF point reaches %.2f %%", p);
	return 0;
}

static unsigned int
nonempty_buckets(const struct perf_hist *h)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < PERF_HIST_BUCKETS; i++)
		n += h->b[i] != 0;
	return n;
}

static void
test_csv_known_median(void **state)
{
	char path[64];
	unsigned int n;

	(void)state;
	/* 1 us .. 1000 us, 1000 samples: median 500 us, p99 990 us. */
	perf_result_init(&r);
	r.has_latency = true;
	for (uint64_t v = 1; v <= 1000; v++)
		perf_hist_add(&r.hist, v * 1000);
	tmp_path(path, sizeof(path));
	assert_int_equal(perf_report_cdf(&r, path), 0);
	n = read_cdf_csv(path);
	unlink(path);

	assert_int_equal(n, nonempty_buckets(&r.hist));
	assert_cdf_shape(n);
	/* Buckets are at most 1/32 wide: within about 3 % above the truth. */
	assert_true(cdf_at(n, 50) >= 500.0 && cdf_at(n, 50) <= 500.0 * 33 / 32);
	assert_true(cdf_at(n, 99) >= 990.0 && cdf_at(n, 99) <= 990.0 * 33 / 32);
	/* The same numbers as the percentiles the report prints. */
	assert_true(cdf_at(n, 50) == (double)perf_hist_percentile(&r.hist, 50) / 1000.0);
	assert_true(cdf_at(n, 99) == (double)perf_hist_percentile(&r.hist, 99) / 1000.0);
	assert_true(lat[n - 1] == 1000.0); /* clamped to the maximum */
	perf_result_free(&r);
}

static void
test_csv_two_values(void **state)
{
	char path[64];
	unsigned int n;

	(void)state;
	/* 30 samples at 2 us, 10 at 7 us: two rows, 0.75 then 1. */
	perf_result_init(&r);
	r.has_latency = true;
	for (int i = 0; i < 30; i++)
		perf_hist_add(&r.hist, 2000);
	for (int i = 0; i < 10; i++)
		perf_hist_add(&r.hist, 7000);
	tmp_path(path, sizeof(path));
	assert_int_equal(perf_report_cdf(&r, path), 0);
	n = read_cdf_csv(path);
	unlink(path);
	assert_int_equal(n, 2);
	assert_cdf_shape(n);
	assert_true(lat[0] >= 2.0 && lat[0] <= 2.0 * 33 / 32);
	assert_true(frac[0] == 0.75);
	assert_true(lat[1] == 7.0);
	perf_result_free(&r);
}

static void
test_csv_header_only(void **state)
{
	char path[64];

	(void)state;
	perf_result_init(&r);
	tmp_path(path, sizeof(path));
	/* Latency measured but no sample. */
	r.has_latency = true;
	assert_int_equal(perf_report_cdf(&r, path), 0);
	assert_int_equal(read_cdf_csv(path), 0);
	/* Samples but no latency in this preset: not drawn. */
	r.has_latency = false;
	perf_hist_add(&r.hist, 5000);
	assert_int_equal(perf_report_cdf(&r, path), 0);
	assert_int_equal(read_cdf_csv(path), 0);
	unlink(path);
	perf_result_free(&r);
}

static void
test_csv_bad_path(void **state)
{
	(void)state;
	perf_result_init(&r);
	assert_int_equal(perf_report_cdf(&r, "/nonexistent-perf-dir/x.csv"), -ENOENT);
}

/* Parses the JSON's latency_cdf into lat[]/frac[]; returns the point count. */
static unsigned int
read_json_cdf(const char *path)
{
	static char buf[1 << 16];
	const char *p;
	size_t len;
	unsigned int n = 0;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	assert_true(len < sizeof(buf) - 1);
	buf[len] = '\0';
	p = strstr(buf, "\"latency_cdf\": [");
	assert_non_null(p);
	p += strlen("\"latency_cdf\": [");
	while (*p != ']') {
		int used = 0;

		assert_true(n < MAX_POINTS);
		assert_int_equal(sscanf(p, "[%lf, %lf]%n", &lat[n], &frac[n], &used), 2);
		assert_true(used > 0);
		p += used;
		n++;
		if (*p == ',')
			p += 2;
	}
	return n;
}

static bool
has_point(unsigned int n, double us)
{
	for (unsigned int i = 0; i < n; i++)
		if (lat[i] == us)
			return true;
	return false;
}

static void
test_json_cdf(void **state)
{
	struct perf_cfg cfg;
	char path[64];
	unsigned int n;
	uint64_t v;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.preset = PERF_RELAY_AUDIO;
	cfg.preset_name = "relay-audio";
	cfg.server_str = "127.0.0.1:3478";
	tmp_path(path, sizeof(path));

	/* Few buckets: every one of them, as in the CSV. */
	perf_result_init(&r);
	r.has_latency = true;
	for (v = 1; v <= 1000; v++)
		perf_hist_add(&r.hist, v * 1000);
	assert_int_equal(perf_report_json(&cfg, &r, path), 0);
	n = read_json_cdf(path);
	assert_int_equal(n, nonempty_buckets(&r.hist));
	assert_cdf_shape(n);
	assert_true(cdf_at(n, 50) == (double)perf_hist_percentile(&r.hist, 50) / 1000.0);

	/* 1 us .. about 1 s in 0.2 % steps: hundreds of buckets, capped. */
	perf_result_init(&r);
	r.has_latency = true;
	for (v = 1000; v < 1000000000; v += v / 500 + 1)
		perf_hist_add(&r.hist, v);
	assert_true(nonempty_buckets(&r.hist) > 2 * PERF_CDF_JSON_POINTS);
	assert_int_equal(perf_report_json(&cfg, &r, path), 0);
	n = read_json_cdf(path);
	assert_true(n <= PERF_CDF_JSON_POINTS);
	assert_true(n >= PERF_CDF_JSON_POINTS - 20);
	assert_cdf_shape(n);
	assert_true(lat[n - 1] == (double)r.hist.max / 1000.0);
	assert_true(cdf_at(n, 50) == (double)perf_hist_percentile(&r.hist, 50) / 1000.0);
	assert_true(cdf_at(n, 99) == (double)perf_hist_percentile(&r.hist, 99) / 1000.0);
	assert_true(cdf_at(n, 99.9) == (double)perf_hist_percentile(&r.hist, 99.9) / 1000.0);
	assert_true(has_point(n, (double)perf_hist_percentile(&r.hist, 90) / 1000.0));

	/* No latency: no latency_cdf key. */
	r.has_latency = false;
	assert_int_equal(perf_report_json(&cfg, &r, path), 0);
	{
		char buf[4096];
		size_t len;
		FILE *f = fopen(path, "r");

		assert_non_null(f);
		len = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[len] = '\0';
		assert_null(strstr(buf, "latency_cdf"));
	}
	unlink(path);
	perf_result_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_known_median),
		cmocka_unit_test(test_csv_two_values),
		cmocka_unit_test(test_csv_header_only),
		cmocka_unit_test(test_csv_bad_path),
		cmocka_unit_test(test_json_cdf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

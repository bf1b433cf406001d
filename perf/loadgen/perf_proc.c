/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /proc readings of the server process: see perf_proc.h.
 */
#include "perf_proc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int
perf_proc_rss_kb(int pid, uint64_t *kb)
{
	char path[64], line[256];
	FILE *f;
	int rc = -ENOENT;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -errno;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %" SCNu64 " kB", kb) == 1) {
			rc = 0;
			break;
		}
	fclose(f);
	return rc;
}

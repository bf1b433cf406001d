/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What turnpike-perf reads of the server process from /proc, for the
 * memory figures of concurrency-ramp (--server-pid).
 *
 *   uint64_t kb;
 *   if (perf_proc_rss_kb(pid, &kb) == 0) ...   // VmRSS of pid
 */
#ifndef PERF_PROC_H
#define PERF_PROC_H

#include <stdint.h>

/* VmRSS of @pid in kB: resident memory, DPDK's --no-huge memory included
 * once touched (hugepages are not counted there). 0 or -errno. */
int perf_proc_rss_kb(int pid, uint64_t *kb);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Signals, handled on the main lcore by polling flags the handlers set:
 *
 *   SIGTERM, SIGINT   stop now: workers leave their loops, ports close
 *   SIGUSR1           drain: new Allocates get 403, everything else runs
 *                     on; stop once no allocation remains, or at the next
 *                     SIGUSR1/SIGTERM/SIGINT
 *
 * The same loop answers the workers' credential lookups (authq_serve)
 * every tick, 1 ms, so a request parked on a key cache miss waits about
 * that long; signals and the drain are looked at every SIG_TICKS ticks.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "authq.h"
#include "dp.h"

#define SIG_TICKS 100 /* 100 ms between signal and drain checks */

static volatile sig_atomic_t sig_stop;
static volatile sig_atomic_t sig_drain;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		sig_drain = sig_drain + 1;
	else
		sig_stop = 1;
}

int
signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0 ||
	    sigaction(SIGUSR1, &sa, NULL) != 0)
		return -1;
	return 0;
}

static uint64_t
allocations_active(const struct dp *dp)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < dp->n_workers; i++)
		n += __atomic_load_n(&dp->workers[i]->cnt.allocations_active, __ATOMIC_RELAXED);
	return n;
}

void
signals_wait(struct dp *dp)
{
	const struct timespec tick = {.tv_nsec = 1000 * 1000};
	unsigned int ticks = 0;
	bool draining = false;

	while (!sig_stop && sig_drain < 2) {
		nanosleep(&tick, NULL);
		for (unsigned int i = 0; i < dp->n_workers; i++)
			authq_serve(dp->workers[i]->hooks.aq, dp->users);
		if (++ticks < SIG_TICKS)
			continue;
		ticks = 0;
		if (sig_drain == 1 && !draining) {
			draining = true;
			for (unsigned int i = 0; i < dp->n_workers; i++)
				__atomic_store_n(&dp->workers[i]->drain_req, 1, __ATOMIC_RELAXED);
			printf("draining: %lu allocation(s) left; SIGUSR1 again to stop now\n",
			       (unsigned long)allocations_active(dp));
			fflush(stdout);
			/* Let every worker publish its gauges after draining. */
			continue;
		}
		if (draining && allocations_active(dp) == 0) {
			printf("drained: no allocations left\n");
			break;
		}
	}
	printf("stopping\n");
	fflush(stdout);
	for (unsigned int i = 0; i < dp->n_workers; i++)
		__atomic_store_n(&dp->workers[i]->stop_req, 1, __ATOMIC_RELAXED);
}

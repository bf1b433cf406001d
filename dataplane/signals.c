/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The main lcore's service loop, and the signals it polls (flags set by
 * the handlers):
 *
 *   SIGTERM, SIGINT   stop now: workers leave their loops, ports close
 *   SIGUSR1           drain: new Allocates get 403, everything else runs
 *                     on; stop once no allocation remains, or at the next
 *                     SIGUSR1/SIGTERM/SIGINT. The control plane's DRAIN
 *                     does the same as the first SIGUSR1.
 *   SIGHUP            reload the configuration file (dp_update_reload):
 *                     users, REST secrets, peers, user_quota
 *
 * Every tick, 1 ms: the control channel (ctl_client_tick: its socket,
 * the workers' credential lookups and allocation events), or without
 * one the lookups answered from the config's users (authq_serve), and
 * the hand-over of run-time changes to the workers (dp_update_tick).
 * So a request parked on a key cache miss waits about a tick for a
 * config-file user. Signals and the drain are looked at every SIG_TICKS
 * ticks.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "authq.h"
#include "ctl_client.h"
#include "dp.h"
#include "dp_update.h"

#define SIG_TICKS 100 /* 100 ms between signal and drain checks */

static volatile sig_atomic_t sig_stop;
static volatile sig_atomic_t sig_drain;
static volatile sig_atomic_t sig_reload;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		sig_drain = sig_drain + 1;
	else if (sig == SIGHUP)
		sig_reload = 1;
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
	    sigaction(SIGUSR1, &sa, NULL) != 0 || sigaction(SIGHUP, &sa, NULL) != 0)
		return -1;
	/* The control socket reports a closed peer by errno (MSG_NOSIGNAL
	 * too), never by killing the process. */
	signal(SIGPIPE, SIG_IGN);
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

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
reload(struct dp *dp)
{
	char why[512];

	printf("reload: SIGHUP, re-reading %s\n", dp->cfg.path);
	if (dp->upd == NULL || dp_update_reload(dp->upd, why, sizeof(why)) != 0)
		printf("reload: refused, nothing changed: %s\n", dp->upd ? why : "not ready");
	fflush(stdout);
}

void
signals_wait(struct dp *dp)
{
	const struct timespec tick = {.tv_nsec = 1000 * 1000};
	unsigned int ticks = 0;

	while (!sig_stop && sig_drain < 2) {
		nanosleep(&tick, NULL);
		if (dp->ctl != NULL)
			ctl_client_tick(dp->ctl, mono_ms());
		else
			for (unsigned int i = 0; i < dp->n_workers; i++)
				authq_serve(dp->workers[i]->hooks.aq, dp->users);
		if (dp->upd != NULL)
			dp_update_tick(dp->upd);
		if (++ticks < SIG_TICKS)
			continue;
		ticks = 0;
		if (sig_reload) {
			sig_reload = 0;
			reload(dp);
		}
		if ((sig_drain == 1 || dp->drain_requested) && !dp->draining) {
			dp->draining = true;
			for (unsigned int i = 0; i < dp->n_workers; i++)
				__atomic_store_n(&dp->workers[i]->drain_req, 1, __ATOMIC_RELAXED);
			printf("draining: %lu allocation(s) left; SIGUSR1 again to stop now\n",
			       (unsigned long)allocations_active(dp));
			fflush(stdout);
			/* Let every worker publish its gauges after draining. */
			continue;
		}
		if (dp->draining && allocations_active(dp) == 0) {
			printf("drained: no allocations left\n");
			break;
		}
	}
	printf("stopping\n");
	fflush(stdout);
	for (unsigned int i = 0; i < dp->n_workers; i++)
		__atomic_store_n(&dp->workers[i]->stop_req, 1, __ATOMIC_RELAXED);
}

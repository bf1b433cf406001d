/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * From a loaded config and an initialised EAL to workers ready to run:
 * our addresses, the credential store, the worker lcores, the port with
 * one queue pair per worker (RSS with our key where the port has it),
 * the exception port, the workers and the hand-off mesh between them.
 * turnpike-dataplane (main.c), the worker benchmarks and the in-process
 * scale test all start the dataplane this way.
 *
 *   tp_config_load(path, &dp->cfg, ...); rte_eal_init(...);
 *   if (dp_setup(dp) != 0) fail;
 *   dp_launch(dp);          // each worker on its lcore
 *   ...                     // main lcore: signals_wait(dp)
 *   dp_wait(dp); dp_teardown(dp);
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "net.h"

/* The ethdev name EAL gives a device: the vdev name before its first
 * comma, or the PCI address. */
void
device_name(const char *spec, char *out, size_t len)
{
	size_t n = strcspn(spec, ",");

	if (n >= len)
		n = len - 1;
	memcpy(out, spec, n);
	out[n] = '\0';
}

static void
net_from_config(const struct tp_config *cfg, struct dp_net *n)
{
	memset(n, 0, sizeof(*n));
	for (unsigned int i = 0; i < cfg->n_local; i++) {
		n->local[i] = cfg->local[i];
		n->local[i].port = cfg->listen_port;
		n->local_prefix[i] = cfg->local_prefix[i];
	}
	n->n_local = cfg->n_local;
	n->listen_port = cfg->listen_port;
	for (unsigned int i = 0; i < cfg->n_relay; i++) {
		n->relay[i] = cfg->relay[i];
		n->relay[i].port = 0;
	}
	n->n_relay = cfg->n_relay;
	n->relay_port_min = cfg->relay_port_min;
	n->relay_port_max = cfg->relay_port_max;
	n->gateway4 = cfg->gateway4;
	n->gateway6 = cfg->gateway6;
	net_prepare(n);
}

/* workers.lcores, or every EAL lcore but the main one. */
static int
pick_worker_lcores(struct dp *dp, unsigned int *lcores)
{
	const struct tp_config *cfg = &dp->cfg;
	unsigned int n = 0, l;

	if (cfg->n_workers > 0) {
		for (unsigned int i = 0; i < cfg->n_workers; i++) {
			l = cfg->worker_lcores[i];
			if (l >= RTE_MAX_LCORE || l == rte_get_main_lcore() ||
			    !rte_lcore_is_enabled(l)) {
				fprintf(stderr,
					"%s: workers.lcores: lcore %u is not an EAL worker lcore "
					"(give EAL -l or --lcores with it, besides the main lcore %u)\n",
					cfg->path, l, rte_get_main_lcore());
				return -EINVAL;
			}
			lcores[n++] = l;
		}
		return (int)n;
	}
	RTE_LCORE_FOREACH_WORKER(l) {
		if (n == TP_CFG_MAX_WORKERS)
			break;
		lcores[n++] = l;
	}
	if (n == 0) {
		fprintf(stderr, "no worker lcore: give EAL at least two (e.g. -l 0-1)\n");
		return -EINVAL;
	}
	return (int)n;
}

/* Whether @lcore shares a CPU with the main lcore or another of @lcores:
 * then a worker that spins while idle takes time from one that has work. */
static bool
lcore_shares_cpu(unsigned int lcore, const unsigned int *lcores, unsigned int n)
{
	rte_cpuset_t mine = rte_lcore_cpuset(lcore), other, both;

	for (unsigned int i = 0; i <= n; i++) {
		unsigned int l = i < n ? lcores[i] : rte_get_main_lcore();

		if (l == lcore)
			continue;
		other = rte_lcore_cpuset(l);
		CPU_AND(&both, &mine, &other);
		if (CPU_COUNT(&both) != 0)
			return true;
	}
	return false;
}

int
dp_setup(struct dp *dp)
{
	const struct tp_config *cfg = &dp->cfg;
	unsigned int lcores[TP_CFG_MAX_WORKERS];
	char devname[TP_CFG_STR];
	uint16_t queues;
	int n, rc;

	if (cfg->n_ports != 1) {
		fprintf(stderr,
			"%s: ports: %u configured, but this build drives exactly one "
			"(routing between ports is not written yet)\n",
			cfg->path, cfg->n_ports);
		return -EINVAL;
	}
	n = pick_worker_lcores(dp, lcores);
	if (n < 0)
		return n;
	queues = cfg->ports[0].rx_queues ? cfg->ports[0].rx_queues : (uint16_t)n;
	if (queues != (unsigned int)n) {
		fprintf(stderr,
			"%s: ports[0].rx_queues: %u, but %d workers: each worker polls one queue "
			"(leave rx_queues out)\n",
			cfg->path, queues, n);
		return -EINVAL;
	}
	if ((unsigned int)(cfg->relay_port_max - cfg->relay_port_min) + 1 < (unsigned int)n) {
		fprintf(stderr, "%s: relay.port_min/port_max: fewer relay ports than workers (%d)\n",
			cfg->path, n);
		return -EINVAL;
	}
	if (getrandom(dp->nonce_secret, sizeof(dp->nonce_secret), 0) !=
	    (ssize_t)sizeof(dp->nonce_secret)) {
		perror("getrandom");
		return -EIO;
	}
	net_from_config(cfg, &dp->net);
	dp->users = dp_users_create(cfg);
	if (dp->users == NULL) {
		perror("users");
		return -ENOMEM;
	}

	device_name(cfg->ports[0].device, devname, sizeof(devname));
	rc = port_init(&dp->ports[0], devname, &cfg->ports[0], (uint16_t)n, &dp->steer.rss,
		       &dp->steer.hw_rss);
	if (rc != 0)
		goto fail;
	dp->n_ports = 1;
	if (cfg->exception_device[0] != '\0') {
		/* One queue pair, for worker 0; the main port's MTU, so
		 * whatever the kernel sends fits the main port. */
		struct tp_port_config xc = {.mtu = cfg->ports[0].mtu,
					    .checksum_offload = cfg->ports[0].checksum_offload};

		device_name(cfg->exception_device, devname, sizeof(devname));
		rc = port_init(&dp->exc, devname, &xc, 1, NULL, NULL);
		if (rc != 0) {
			fprintf(stderr, "%s: network.exception_device: cannot set up %s\n",
				cfg->path, devname);
			goto fail;
		}
	}

	dp->n_workers = 0;
	for (int i = 0; i < n; i++) {
		struct worker *w = worker_create(dp, (unsigned int)i, (unsigned int)n, lcores[i],
						 &dp->ports[0], (uint16_t)i);

		if (w == NULL) {
			rc = -errno;
			fprintf(stderr, "worker %d (lcore %u): %s\n", i, lcores[i], strerror(errno));
			goto fail;
		}
		w->yield_idle = lcore_shares_cpu(lcores[i], lcores, (unsigned int)n);
		dp->workers[dp->n_workers++] = w;
	}
	rc = handoff_init(dp);
	if (rc != 0)
		goto fail;
	flow_steer_install(dp);
	return 0;

fail:
	dp_teardown(dp);
	return rc;
}

int
dp_launch(struct dp *dp)
{
	for (unsigned int i = 0; i < dp->n_workers; i++) {
		struct worker *w = dp->workers[i];
		int rc = rte_eal_remote_launch(worker_main, w, w->lcore);

		if (rc != 0) {
			fprintf(stderr, "cannot launch worker %u on lcore %u: %s\n", i, w->lcore,
				strerror(-rc));
			for (unsigned int j = 0; j < i; j++)
				__atomic_store_n(&dp->workers[j]->stop_req, 1, __ATOMIC_RELAXED);
			dp_wait(dp);
			return rc;
		}
	}
	return 0;
}

void
dp_wait(struct dp *dp)
{
	for (unsigned int i = 0; i < dp->n_workers; i++)
		rte_eal_wait_lcore(dp->workers[i]->lcore);
}

/* Everything dp_setup made, in reverse; safe on a partial set-up. */
void
dp_teardown(struct dp *dp)
{
	flow_steer_remove(dp);
	handoff_fini(dp);
	for (unsigned int i = 0; i < dp->n_workers; i++)
		worker_destroy(dp->workers[i]);
	dp->n_workers = 0;
	port_fini(&dp->exc);
	for (unsigned int i = 0; i < dp->n_ports; i++)
		port_fini(&dp->ports[i]);
	dp->n_ports = 0;
	dp_users_destroy(dp->users);
	dp->users = NULL;
}

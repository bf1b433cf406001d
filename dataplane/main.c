/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * turnpike-dataplane -f FILE [-- extra EAL args]
 *
 * Loads the config, starts EAL with the config's arguments plus one
 * --vdev or -a per port (and one for network.exception_device), sets up
 * the port, the exception port if any, and one worker, then runs the
 * main lcore's service loop (signals_wait: signals, drain, and the
 * workers' credential lookups, answered from the config's users);
 * telemetry runs on EAL's own thread.
 * Start-up failures are fatal with a message; see docs/architecture.md.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "dp.h"

/* The ports and the exception device each add one or two arguments. */
#define MAX_EAL_DEVS (TP_CFG_MAX_PORTS + 1)
#define MAX_EAL_ARGV (1 + TP_CFG_MAX_EAL_ARGS + 2 * MAX_EAL_DEVS + 64)

static struct dp the_dp;

static void
usage(const char *prog)
{
	fprintf(stderr, "usage: %s -f CONFIG [-- extra EAL arguments]\n", prog);
}

/* "0000:03:00.0" or "03:00.0"; anything else is a vdev spec. */
static bool
is_pci_address(const char *s)
{
	unsigned int a, b, c, d;
	int n = -1;

	if (sscanf(s, "%x:%x:%x.%x%n", &a, &b, &c, &d, &n) == 4 && s[n] == '\0')
		return true;
	n = -1;
	return sscanf(s, "%x:%x.%x%n", &a, &b, &c, &n) == 3 && s[n] == '\0';
}

/* The ethdev name EAL gives a device: the vdev name before its first
 * comma, or the PCI address. */
static void
device_name(const char *spec, char *out, size_t len)
{
	size_t n = strcspn(spec, ",");

	if (n >= len)
		n = len - 1;
	memcpy(out, spec, n);
	out[n] = '\0';
}

/* "-a PCI" or "--vdev=SPEC" for @dev at argv[argc]; returns the new argc. */
static int
add_device_arg(const char *dev, char **argv, int argc, char *store)
{
	if (is_pci_address(dev)) {
		argv[argc++] = (char *)"-a";
		argv[argc++] = (char *)dev;
	} else {
		snprintf(store, TP_CFG_STR + 8, "--vdev=%s", dev);
		argv[argc++] = store;
	}
	return argc;
}

static int
build_eal_argv(const struct tp_config *cfg, int extra_argc, char **extra_argv, char **argv,
	       char arg_store[][TP_CFG_STR + 8])
{
	int argc = 0;

	argv[argc++] = (char *)"turnpike-dataplane";
	for (unsigned int i = 0; i < cfg->n_eal_args; i++)
		argv[argc++] = (char *)cfg->eal_args[i];
	for (unsigned int i = 0; i < cfg->n_ports; i++)
		argc = add_device_arg(cfg->ports[i].device, argv, argc, arg_store[i]);
	if (cfg->exception_device[0] != '\0')
		argc = add_device_arg(cfg->exception_device, argv, argc, arg_store[cfg->n_ports]);
	for (int i = 0; i < extra_argc && argc < MAX_EAL_ARGV - 1; i++)
		argv[argc++] = extra_argv[i];
	argv[argc] = NULL;
	return argc;
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
		if (cfg->relay[i].family == STUN_FAMILY_IPV4 && n->relay4.family == 0)
			n->relay4 = cfg->relay[i];
		if (cfg->relay[i].family == STUN_FAMILY_IPV6 && n->relay6.family == 0)
			n->relay6 = cfg->relay[i];
	}
	n->relay4.port = n->relay6.port = 0;
	n->relay_port_min = cfg->relay_port_min;
	n->relay_port_max = cfg->relay_port_max;
	n->gateway4 = cfg->gateway4;
	n->gateway6 = cfg->gateway6;
}

/* The relay pool serves one address per family; a second one would be
 * silently unused, so refuse it rather than lose it. (#4: several relay
 * addresses.) */
static int
check_relay_addresses(const struct tp_config *cfg)
{
	unsigned int n4 = 0, n6 = 0;

	for (unsigned int i = 0; i < cfg->n_relay; i++) {
		if (cfg->relay[i].family == STUN_FAMILY_IPV4)
			n4++;
		else
			n6++;
	}
	if (n4 <= 1 && n6 <= 1)
		return 0;
	fprintf(stderr,
		"%s: relay.addresses: %u IPv4 and %u IPv6 addresses configured, but this build "
		"relays from one address per family (several are issue #4)\n",
		cfg->path, n4, n6);
	return -EINVAL;
}

/* What a client should be configured with. */
static void
print_client_info(const struct dp *dp)
{
	const struct tp_config *c = &dp->cfg;
	char a[STUN_ADDR_STRLEN], ip[STUN_ADDR_STRLEN];

	printf("turnpike-dataplane: serving\n");
	for (unsigned int i = 0; i < dp->net.n_local; i++) {
		stun_addr_format(&dp->net.local[i], a, sizeof(a));
		printf("  stun:%s\n  turn:%s?transport=udp\n", a, a);
	}
	printf("  realm: %s\n", c->realm);
	for (unsigned int i = 0; i < c->n_users; i++)
		printf("  user: %s (password in %s)\n", c->users[i].name, c->path);
	if (c->rest.n > 0)
		printf("  REST credentials: %u secret(s)\n", c->rest.n);
	for (unsigned int f = 0; f < 2; f++) {
		const struct stun_addr *r = f == 0 ? &dp->net.relay4 : &dp->net.relay6;

		if (r->family == 0)
			continue;
		stun_addr_format(r, ip, sizeof(ip));
		*strrchr(ip, ':') = '\0';
		printf("  relay: %s ports %u-%u\n", ip, c->relay_port_min, c->relay_port_max);
	}
	fflush(stdout);
}

/* The lcore for the single worker: the configured one, else the first
 * worker lcore EAL gave us. */
static int
pick_worker_lcore(const struct tp_config *cfg, unsigned int *lcore)
{
	if (cfg->n_workers > 1) {
		fprintf(stderr,
			"%s: workers.lcores: %u workers configured, but this build runs one: "
			"steering client and peer traffic to several workers is issue #4\n",
			cfg->path, cfg->n_workers);
		return -EINVAL;
	}
	if (cfg->n_workers == 1) {
		*lcore = cfg->worker_lcores[0];
		if (*lcore == rte_get_main_lcore() || !rte_lcore_is_enabled(*lcore)) {
			fprintf(stderr, "%s: workers.lcores: lcore %u is not an EAL worker lcore\n",
				cfg->path, *lcore);
			return -EINVAL;
		}
		return 0;
	}
	*lcore = rte_get_next_lcore(-1, 1, 0);
	if (*lcore >= RTE_MAX_LCORE) {
		fprintf(stderr, "no worker lcore: give EAL at least two (e.g. -l 0-1)\n");
		return -EINVAL;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static char arg_store[MAX_EAL_DEVS][TP_CFG_STR + 8];
	char *eal_argv[MAX_EAL_ARGV];
	struct dp *dp = &the_dp;
	const char *cfg_path = NULL;
	char err[512], devname[TP_CFG_STR];
	unsigned int lcore;
	int opt, eal_argc, rc = 1;

	while ((opt = getopt(argc, argv, "f:h")) != -1) {
		switch (opt) {
		case 'f':
			cfg_path = optarg;
			break;
		default:
			usage(argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (cfg_path == NULL) {
		usage(argv[0]);
		return 2;
	}
	if (tp_config_load(cfg_path, &dp->cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (dp->cfg.n_ports != 1) {
		fprintf(stderr,
			"%s: ports: %u configured, but this build drives exactly one "
			"(routing between ports is not written yet)\n",
			cfg_path, dp->cfg.n_ports);
		return 1;
	}
	if (check_relay_addresses(&dp->cfg) != 0)
		return 1;
	if (getrandom(dp->nonce_secret, sizeof(dp->nonce_secret), 0) !=
	    (ssize_t)sizeof(dp->nonce_secret)) {
		perror("getrandom");
		return 1;
	}

	eal_argc = build_eal_argv(&dp->cfg, argc - optind, argv + optind, eal_argv, arg_store);
	/* EAL parses with getopt too and starts from optind. */
	optind = 1;
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "EAL initialisation failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (pick_worker_lcore(&dp->cfg, &lcore) != 0)
		goto out_eal;

	net_from_config(&dp->cfg, &dp->net);
	dp->users = dp_users_create(&dp->cfg);
	if (dp->users == NULL) {
		perror("users");
		goto out_eal;
	}
	device_name(dp->cfg.ports[0].device, devname, sizeof(devname));
	if (port_init(&dp->ports[0], devname, &dp->cfg.ports[0], 1) != 0)
		goto out_users;
	dp->n_ports = 1;
	if (dp->cfg.exception_device[0] != '\0') {
		/* One queue pair, for the one worker; the main port's MTU, so
		 * whatever the kernel sends fits the main port. */
		struct tp_port_config xc = {.mtu = dp->cfg.ports[0].mtu};

		device_name(dp->cfg.exception_device, devname, sizeof(devname));
		if (port_init(&dp->exc, devname, &xc, 1) != 0) {
			fprintf(stderr, "%s: network.exception_device: cannot set up %s\n", cfg_path,
				devname);
			goto out_ports;
		}
	}

	dp->workers[0] = worker_create(dp, 0, lcore, &dp->ports[0], 0);
	if (dp->workers[0] == NULL) {
		perror("worker");
		goto out_ports;
	}
	dp->n_workers = 1;
	if (telemetry_init(dp) != 0)
		fprintf(stderr, "telemetry commands not registered (running without)\n");
	if (signals_install() != 0) {
		perror("sigaction");
		goto out_workers;
	}
	print_client_info(dp);

	rc = rte_eal_remote_launch(worker_main, dp->workers[0], lcore);
	if (rc != 0) {
		fprintf(stderr, "cannot launch worker on lcore %u: %s\n", lcore, strerror(-rc));
		rc = 1;
		goto out_workers;
	}
	signals_wait(dp);
	rte_eal_wait_lcore(lcore);
	rc = 0;

out_workers:
	for (unsigned int i = 0; i < dp->n_workers; i++)
		worker_destroy(dp->workers[i]);
	dp->n_workers = 0;
out_ports:
	port_fini(&dp->exc);
	for (unsigned int i = 0; i < dp->n_ports; i++)
		port_fini(&dp->ports[i]);
out_users:
	dp_users_destroy(dp->users);
out_eal:
	rte_eal_cleanup();
	printf("turnpike-dataplane: stopped\n");
	return rc;
}

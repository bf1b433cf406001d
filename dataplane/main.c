/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * turnpike-dataplane -f FILE [-- extra EAL args]
 *
 * Loads the config, starts EAL with the config's arguments plus one
 * --vdev or -a per port (and one for network.exception_device), sets up
 * the port, the exception port and the workers (dp_setup.c), then runs
 * the main lcore's service loop (signals_wait: signals, drain, reload,
 * the control channel if control.socket is set (ctl_client.c), and the
 * workers' credential lookups, answered from the config's users and
 * then the control plane); telemetry runs on EAL's own thread.
 * Start-up failures are fatal with a message; see docs/architecture.md.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "ctl_client.h"
#include "dp.h"
#include "dp_update.h"

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
	if (c->control_socket[0] != '\0')
		printf("  control channel: %s\n", c->control_socket);
	for (unsigned int i = 0; i < c->n_control_deny; i++)
		printf("  never relayed to (control plane): %s\n", c->control_deny[i].text);
	for (unsigned int i = 0; i < dp->net.n_relay; i++) {
		stun_addr_format(&dp->net.relay[i], ip, sizeof(ip));
		*strrchr(ip, ':') = '\0';
		printf("  relay: %s ports %u-%u\n", ip, c->relay_port_min, c->relay_port_max);
	}
	printf("  workers: %u\n", dp->n_workers);
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	static char arg_store[MAX_EAL_DEVS][TP_CFG_STR + 8];
	char *eal_argv[MAX_EAL_ARGV];
	struct dp *dp = &the_dp;
	const char *cfg_path = NULL;
	char err[512];
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
	eal_argc = build_eal_argv(&dp->cfg, argc - optind, argv + optind, eal_argv, arg_store);
	/* EAL parses with getopt too and starts from optind. */
	optind = 1;
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "EAL initialisation failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (dp_setup(dp) != 0)
		goto out_eal;
	dp->upd = dp_update_create(dp);
	if (dp->upd == NULL) {
		perror("run-time policy");
		goto out_dp;
	}
	if (dp->cfg.control_socket[0] != '\0') {
		dp->ctl = ctl_client_create(dp);
		if (dp->ctl == NULL) {
			perror("control channel");
			goto out_dp;
		}
	}
	if (telemetry_init(dp) != 0)
		fprintf(stderr, "telemetry commands not registered (running without)\n");
	if (signals_install() != 0) {
		perror("sigaction");
		goto out_dp;
	}
	print_client_info(dp);
	if (dp_launch(dp) != 0)
		goto out_dp;
	signals_wait(dp);
	dp_wait(dp);
	rc = 0;

out_dp:
	/* The workers have stopped: nothing reads what this frees. */
	dp_update_destroy(dp->upd);
	dp->upd = NULL;
	dp_teardown(dp);
out_eal:
	rte_eal_cleanup();
	/* After EAL's telemetry thread, which reads its numbers, is gone. */
	ctl_client_destroy(dp->ctl);
	dp->ctl = NULL;
	printf("turnpike-dataplane: stopped\n");
	return rc;
}

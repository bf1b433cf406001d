/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands (usertools/dpdk-telemetry.py, or the control
 * plane later):
 *
 *   /turnpike/stats          counters summed over workers, drops by name
 *   /turnpike/workers        the worker ids
 *   /turnpike/worker,<id>    one worker's counters, lcore and port
 *   /turnpike/control        the control channel: connected, events sent and
 *                            dropped, credential lookups (ctl_client.h)
 *
 * Callbacks run on EAL's telemetry thread and read the workers' counters
 * without synchronisation; see the ordering contract in counters.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "ctl_client.h"
#include "dp.h"

static const struct dp *tel_dp;

static void
counters_to_dict(struct rte_tel_data *d, const struct dp_counters *c)
{
	char name[64];

#define DP_TEL_ADD_(field) rte_tel_data_add_dict_u64(d, #field, c->field);
	DP_COUNTERS(DP_TEL_ADD_)
	DP_COUNTERS_EXTRA(DP_TEL_ADD_)
#undef DP_TEL_ADD_
	for (unsigned int i = 0; i < TP_DROP_MAX; i++) {
		snprintf(name, sizeof(name), "drop_%s", tp_drop_name(i));
		rte_tel_data_add_dict_u64(d, name, c->drops[i]);
	}
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dp_counters sum;
	uint64_t drops = 0;

	(void)cmd;
	(void)params;
	memset(&sum, 0, sizeof(sum));
	for (unsigned int i = 0; i < tel_dp->n_workers; i++)
		dp_counters_add(&sum, &tel_dp->workers[i]->cnt);
	for (unsigned int i = 0; i < TP_DROP_MAX; i++)
		drops += sum.drops[i];
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "workers", tel_dp->n_workers);
	rte_tel_data_add_dict_u64(d, "drops_total", drops);
	counters_to_dict(d, &sum);
	return 0;
}

static int
tel_workers(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
	for (unsigned int i = 0; i < tel_dp->n_workers; i++)
		rte_tel_data_add_array_int(d, (int)i);
	return 0;
}

static int
tel_worker(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct worker *w;
	char *end;
	unsigned long id;

	(void)cmd;
	if (params == NULL || *params == '\0')
		return -EINVAL;
	id = strtoul(params, &end, 10);
	if (*end != '\0' || id >= tel_dp->n_workers)
		return -EINVAL;
	w = tel_dp->workers[id];
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "lcore", w->lcore);
	rte_tel_data_add_dict_u64(d, "port", w->port->port_id);
	rte_tel_data_add_dict_u64(d, "queue", w->queue);
	counters_to_dict(d, &w->cnt);
	return 0;
}

/* dp->ctl is set before the workers start and freed after
 * rte_eal_cleanup has stopped the telemetry thread (main.c), so reading
 * the pointer is safe;
 * the numbers are relaxed loads (ctl_client_stats). */
static int
tel_control(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct ctl_client_stats st;
	char id[24];

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "configured", tel_dp->ctl != NULL);
	if (tel_dp->ctl == NULL)
		return 0;
	ctl_client_stats(tel_dp->ctl, &st);
	rte_tel_data_add_dict_string(d, "socket", tel_dp->cfg.control_socket);
	snprintf(id, sizeof(id), "%016llx", (unsigned long long)st.instance_id);
	rte_tel_data_add_dict_string(d, "instance_id", id);
#define TEL_CTL_(f) rte_tel_data_add_dict_u64(d, #f, st.f);
	TEL_CTL_(connected) TEL_CTL_(connects) TEL_CTL_(events_sent) TEL_CTL_(events_dropped)
	TEL_CTL_(events_backlog) TEL_CTL_(lookups_sent) TEL_CTL_(lookups_found)
	TEL_CTL_(lookups_not_found) TEL_CTL_(lookup_errors) TEL_CTL_(lookup_timeouts)
	TEL_CTL_(lookups_failed) TEL_CTL_(lookups_pending) TEL_CTL_(frames_in)
	TEL_CTL_(frames_out) TEL_CTL_(protocol_errors)
#undef TEL_CTL_
	return 0;
}

int
telemetry_init(struct dp *dp)
{
	int rc;

	tel_dp = dp;
	rc = rte_telemetry_register_cmd("/turnpike/stats", tel_stats,
					"Counters summed over workers. No parameters");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/turnpike/workers", tel_workers,
						"Worker ids. No parameters");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/turnpike/worker", tel_worker,
						"One worker's counters. Parameter: worker id");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/turnpike/control", tel_control,
						"The control channel. No parameters");
	return rc;
}

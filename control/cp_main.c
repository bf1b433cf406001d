/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * turnpike-control: the control plane process (docs/control-plane.md).
 *
 *   turnpike-control -f /etc/turnpike/turnpike.conf [-v]
 *
 * Loads the file twice (the dataplane's loader for realm, users, secrets,
 * addresses and limits; cp_config_load for the `control` group), opens
 * the control channel, the admin socket, the HTTP server and Redis, then
 * runs one libevent loop until SIGTERM or SIGINT. SIGHUP reloads.
 * Start-up problems are fatal with one message; runtime ones are logged.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "admin.h"
#include "alloc_registry.h"
#include "cp.h"
#include "http_api.h"
#include "redis_store.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: turnpike-control -f FILE [-v]\n"
		   "  -f FILE  configuration file (the same one the dataplane reads)\n"
		   "  -v       log every control-channel message\n");
}

static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct cp *cp = arg;
	char err[512];

	(void)sig;
	(void)what;
	if (cp_reload(cp, err, sizeof(err)) == 0)
		fprintf(stderr, "turnpike-control: reload: ok\n");
	else
		fprintf(stderr, "turnpike-control: reload: %s\n", err);
}

static void
on_stop(evutil_socket_t sig, short what, void *arg)
{
	struct cp *cp = arg;

	(void)what;
	fprintf(stderr, "turnpike-control: %s: stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	event_base_loopbreak(cp->base);
}

static uint64_t
random_id(void)
{
	uint64_t id = 0;

	/* Non-zero: 0 means "no instance" on the wire and in status. */
	while (id == 0)
		if (getrandom(&id, sizeof(id), 0) != (ssize_t)sizeof(id))
			id = (uint64_t)getpid() << 32 ^ (uint64_t)time(NULL);
	return id;
}

static void
print_startup(const struct cp *cp)
{
	char url[CP_CFG_STR + 32];

	if (cp->cc.http_listen[0] != '\0')
		snprintf(url, sizeof(url), "%s://%s/v1/ice",
			 cp->cc.tls_cert[0] != '\0' ? "https" : "http", cp->cc.http_listen);
	else
		snprintf(url, sizeof(url), "off");
	fprintf(stderr,
		"turnpike-control: instance %016" PRIx64 " config %s, control socket %s, "
		"admin socket %s, HTTP %s, Redis %s\n",
		cp->instance_id, cp->cc.path, cp->cc.socket, cp->cc.admin_socket, url,
		cp->redis != NULL ? "on" : "off");
}

int
main(int argc, char **argv)
{
	static struct cp cp; /* large (configs, snapshot): not on the stack */
	struct event *ev_hup = NULL, *ev_term = NULL, *ev_int = NULL;
	const char *path = NULL;
	char err[512];
	size_t reg_max;
	int opt, rc = 1;

	while ((opt = getopt(argc, argv, "f:vh")) != -1) {
		switch (opt) {
		case 'f':
			path = optarg;
			break;
		case 'v':
			cp.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (path == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);

	if (tp_config_load(path, &cp.tp, err, sizeof(err)) != 0 ||
	    cp_config_load(path, &cp.cc, err, sizeof(err)) != 0) {
		fprintf(stderr, "turnpike-control: %s\n", err);
		return 1;
	}
	cp.instance_id = random_id();
	cp.base = event_base_new();
	if (cp.base == NULL) {
		fprintf(stderr, "turnpike-control: cannot create the event loop\n");
		return 1;
	}
	reg_max = cp.tp.max_allocations < 1024 ? 1024 : cp.tp.max_allocations;
	if (reg_max > CP_REGISTRY_MAX)
		reg_max = CP_REGISTRY_MAX;
	if ((cp.registry = cp_registry_create(reg_max)) == NULL) {
		fprintf(stderr, "turnpike-control: out of memory\n");
		goto out;
	}
	/* Each constructor prints its own reason. */
	if ((cp.chan = cp_chan_create(&cp)) == NULL)
		goto out;
	if ((cp.admin = cp_admin_create(&cp)) == NULL)
		goto out;
	if (cp.cc.redis.enabled && (cp.redis = cp_redis_create(&cp)) == NULL)
		goto out;
	if (cp.cc.http_listen[0] != '\0' && (cp.http = cp_http_create(&cp)) == NULL)
		goto out;

	ev_hup = evsignal_new(cp.base, SIGHUP, on_hup, &cp);
	ev_term = evsignal_new(cp.base, SIGTERM, on_stop, &cp);
	ev_int = evsignal_new(cp.base, SIGINT, on_stop, &cp);
	if (ev_hup == NULL || ev_term == NULL || ev_int == NULL || evsignal_add(ev_hup, NULL) != 0 ||
	    evsignal_add(ev_term, NULL) != 0 || evsignal_add(ev_int, NULL) != 0) {
		fprintf(stderr, "turnpike-control: cannot install signal handlers\n");
		goto out;
	}
	print_startup(&cp);
	if (event_base_dispatch(cp.base) < 0)
		fprintf(stderr, "turnpike-control: event loop failed\n");
	else
		rc = 0;
out:
	if (ev_hup != NULL)
		event_free(ev_hup);
	if (ev_term != NULL)
		event_free(ev_term);
	if (ev_int != NULL)
		event_free(ev_int);
	/* HTTP first (it reads everything), Redis before the channel (its
	 * cancelled lookups call back into it), the sockets last. */
	if (cp.http != NULL)
		cp_http_destroy(cp.http);
	cp.http = NULL;
	if (cp.redis != NULL)
		cp_redis_destroy(cp.redis);
	cp.redis = NULL;
	cp_admin_destroy(cp.admin);
	cp.admin = NULL;
	cp_chan_destroy(cp.chan);
	cp.chan = NULL;
	cp_registry_destroy(cp.registry);
	event_base_free(cp.base);
	explicit_bzero(&cp.tp, sizeof(cp.tp));
	explicit_bzero(&cp.cc, sizeof(cp.cc));
	return rc;
}

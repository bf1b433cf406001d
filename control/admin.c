/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The admin socket (admin.h): a line protocol for turnpikectl and
 * operators. Each connection is a bufferevent; each request line is
 * answered in full before the next is read, so answers never interleave.
 *
 * Bounds: at most ADMIN_MAX_CONNS connections (more are closed at once),
 * CP_ADMIN_LINE_MAX bytes per line (a longer one is answered with an
 * error and the connection closed), ADMIN_MAX_LIST allocation lines per
 * "allocations" answer (then a "truncated <n>" line), and a client that
 * lets ADMIN_OUT_MAX bytes pile up unread is dropped.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "admin.h"
#include "alloc_registry.h"
#include "redis_store.h"

#define ADMIN_MAX_CONNS 16
#define ADMIN_MAX_LIST 10000
#define ADMIN_OUT_MAX (8u << 20)

struct admin_conn {
	struct cp_admin *a;
	struct bufferevent *bev;
	struct admin_conn *next;
	bool closing; /* answer the error, then close */
};

struct cp_admin {
	struct cp *cp;
	struct evconnlistener *lev;
	char path[CP_CFG_STR];
	dev_t dev;
	ino_t ino;
	struct admin_conn *conns;
	unsigned int n_conns;
};

static void
conn_free(struct admin_conn *c)
{
	struct cp_admin *a = c->a;

	for (struct admin_conn **pp = &a->conns; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	a->n_conns--;
	bufferevent_free(c->bev);
	free(c);
}

/* User names are UTF-8 that may hold spaces or '=': percent-encode the
 * bytes that would break "key=value" parsing. */
static void
put_user(struct evbuffer *out, const char *u)
{
	for (; *u != '\0'; u++) {
		unsigned char b = (unsigned char)*u;

		if (b <= 0x20 || b == 0x7f || b == '%' || b == '=')
			evbuffer_add_printf(out, "%%%02X", b);
		else
			evbuffer_add(out, u, 1);
	}
}

static void
put_addr(struct evbuffer *out, const struct stun_addr *a)
{
	char buf[STUN_ADDR_STRLEN];

	if (a->family == 0) {
		evbuffer_add_printf(out, "-");
		return;
	}
	stun_addr_format(a, buf, sizeof(buf));
	evbuffer_add_printf(out, "%s", buf);
}

struct list_ctx {
	struct evbuffer *out;
};

static int
list_one(void *arg, const struct cp_registry_entry *e)
{
	struct list_ctx *lc = arg;
	char id[CP_ALLOC_ID_STRLEN];

	cp_alloc_id_format(e->dp_instance, e->alloc_id, id, sizeof(id));
	evbuffer_add_printf(lc->out, "%s user=", id);
	put_user(lc->out, e->user);
	evbuffer_add_printf(lc->out, " client=");
	put_addr(lc->out, &e->client);
	evbuffer_add_printf(lc->out, " relay=");
	put_addr(lc->out, &e->relay);
	evbuffer_add_printf(lc->out,
			    " lifetime=%" PRIu32 " c2p_packets=%" PRIu64 " c2p_bytes=%" PRIu64
			    " p2c_packets=%" PRIu64 " p2c_bytes=%" PRIu64 "\n",
			    e->lifetime, e->c2p_packets, e->c2p_bytes, e->p2c_packets,
			    e->p2c_bytes);
	return 0;
}

static void
cmd_status(struct cp_admin *a, struct evbuffer *out)
{
	const struct cp *cp = a->cp;
	const char *redis = cp->redis == NULL ? "off" : cp_redis_up(cp->redis) ? "up" : "down";

	evbuffer_add_printf(out,
			    "ok\ndataplane %s\ndraining %s\nredis %s\n"
			    "dataplane_instance %016" PRIx64 "\nallocations %zu\n",
			    cp->dp_connected ? "connected" : "disconnected",
			    cp->dp_draining ? "yes" : "no", redis, cp->dp_instance_id,
			    cp->registry != NULL ? cp_registry_count(cp->registry) : (size_t)0);
}

static void
cmd_allocations(struct cp_admin *a, struct evbuffer *out)
{
	struct list_ctx lc = { .out = out };
	size_t n = a->cp->registry != NULL ? cp_registry_count(a->cp->registry) : 0;
	size_t listed = 0;

	evbuffer_add_printf(out, "ok\n");
	if (a->cp->registry != NULL)
		listed = cp_registry_foreach(a->cp->registry, list_one, &lc, ADMIN_MAX_LIST);
	if (listed < n)
		evbuffer_add_printf(out, "truncated %zu\n", n - listed);
}

static void
cmd_allocation(struct cp_admin *a, struct evbuffer *out, const char *arg)
{
	const struct cp_registry_entry *e = NULL;
	uint64_t inst, id;
	char ids[CP_ALLOC_ID_STRLEN];

	if (arg == NULL || cp_alloc_id_parse(arg, &inst, &id) != 0) {
		evbuffer_add_printf(out, "error expected an allocation id "
					 "(<16 hex>-<decimal>, as \"allocations\" lists them)\n");
		return;
	}
	if (a->cp->registry != NULL)
		e = cp_registry_get(a->cp->registry, inst, id);
	if (e == NULL) {
		evbuffer_add_printf(out, "error no allocation %s\n", arg);
		return;
	}
	cp_alloc_id_format(e->dp_instance, e->alloc_id, ids, sizeof(ids));
	evbuffer_add_printf(out, "ok\nid %s\nuser ", ids);
	put_user(out, e->user);
	evbuffer_add_printf(out, "\nclient ");
	put_addr(out, &e->client);
	evbuffer_add_printf(out, "\nserver ");
	put_addr(out, &e->server);
	evbuffer_add_printf(out, "\nrelay ");
	put_addr(out, &e->relay);
	evbuffer_add_printf(out,
			    "\nlifetime %" PRIu32 "\nc2p_packets %" PRIu64 "\nc2p_bytes %" PRIu64
			    "\np2c_packets %" PRIu64 "\np2c_bytes %" PRIu64
			    "\nstate %s\nstale %s\ncreated %" PRIu64 "\nupdated %" PRIu64 "\n",
			    e->lifetime, e->c2p_packets, e->c2p_bytes, e->p2c_packets,
			    e->p2c_bytes, e->state == CTL_ALLOC_CREATED ? "created" : "refreshed",
			    e->stale ? "yes" : "no", e->created, e->updated);
}

static void
cmd_counters(struct cp_admin *a, struct evbuffer *out)
{
	const struct cp *cp = a->cp;
	const struct cp_stats *s = &cp->stats;
	const struct ctl_counters *dc = &cp->dp_counters;

	evbuffer_add_printf(out, "ok\n");
	for (unsigned int i = 0; i < dc->count && i < CTL_MAX_COUNTERS; i++)
		evbuffer_add_printf(out, "dataplane.%s %" PRIu64 "\n", dc->c[i].name,
				    dc->c[i].value);
	if (dc->count > 0)
		evbuffer_add_printf(out, "dataplane.snapshot_at %" PRIu64 "\n", cp->dp_counters_at);
#define ADMIN_STAT_(f) evbuffer_add_printf(out, "control." #f " %" PRIu64 "\n", s->f);
	ADMIN_STAT_(lookup_config)
	ADMIN_STAT_(lookup_cache)
	ADMIN_STAT_(lookup_redis)
	ADMIN_STAT_(lookup_not_found)
	ADMIN_STAT_(lookup_error)
	ADMIN_STAT_(http_requests)
	ADMIN_STAT_(http_ice_ok)
	ADMIN_STAT_(http_unauthorized)
	ADMIN_STAT_(http_rate_limited)
	ADMIN_STAT_(dp_connects)
	ADMIN_STAT_(dp_protocol_errors)
	ADMIN_STAT_(alloc_events)
	ADMIN_STAT_(redis_connects)
	ADMIN_STAT_(redis_errors)
	ADMIN_STAT_(statsdb_writes)
	ADMIN_STAT_(statsdb_dropped)
#undef ADMIN_STAT_
	for (unsigned int k = 2; k <= 5; k++)
		evbuffer_add_printf(out, "control.http_status_%uxx %" PRIu64 "\n", k,
				    s->http_status[k]);
}

/* One request line (without its EOL) into @out. */
static void
dispatch(struct cp_admin *a, char *line, struct evbuffer *out)
{
	char *cmd, *arg, *extra, *save = NULL;

	cmd = strtok_r(line, " \t", &save);
	arg = cmd != NULL ? strtok_r(NULL, " \t", &save) : NULL;
	extra = arg != NULL ? strtok_r(NULL, " \t", &save) : NULL;

	if (cmd == NULL) {
		evbuffer_add_printf(out, "error empty request\n");
	} else if (strcmp(cmd, "allocation") == 0) {
		if (extra != NULL)
			evbuffer_add_printf(out, "error allocation takes one argument\n");
		else
			cmd_allocation(a, out, arg);
	} else if (arg != NULL && (strcmp(cmd, "status") == 0 || strcmp(cmd, "allocations") == 0 ||
				   strcmp(cmd, "counters") == 0 || strcmp(cmd, "drain") == 0 ||
				   strcmp(cmd, "reload") == 0)) {
		evbuffer_add_printf(out, "error %s takes no argument\n", cmd);
	} else if (strcmp(cmd, "status") == 0) {
		cmd_status(a, out);
	} else if (strcmp(cmd, "allocations") == 0) {
		cmd_allocations(a, out);
	} else if (strcmp(cmd, "counters") == 0) {
		cmd_counters(a, out);
	} else if (strcmp(cmd, "drain") == 0) {
		if (cp_chan_drain(a->cp->chan) == 0) {
			fprintf(stderr, "turnpike-control: admin: drain requested\n");
			evbuffer_add_printf(out, "ok\n");
		} else {
			evbuffer_add_printf(out, "error no dataplane connected\n");
		}
	} else if (strcmp(cmd, "reload") == 0) {
		char err[512];

		if (cp_reload(a->cp, err, sizeof(err)) == 0) {
			fprintf(stderr, "turnpike-control: reload: ok\n");
			evbuffer_add_printf(out, "ok\n");
		} else {
			fprintf(stderr, "turnpike-control: reload: %s\n", err);
			evbuffer_add_printf(out, "error %s\n", err);
		}
	} else {
		/* Echo at most a screenful of the name, printable only. */
		evbuffer_add_printf(out, "error unknown command ");
		for (size_t i = 0; cmd[i] != '\0' && i < 64; i++)
			evbuffer_add_printf(out, "%c",
					    cmd[i] > 0x20 && cmd[i] < 0x7f ? cmd[i] : '?');
		evbuffer_add_printf(out, "\n");
	}
	evbuffer_add_printf(out, "\n");
}

/* After a fatal error the answer is flushed, then the connection goes. */
static void
conn_write(struct bufferevent *bev, void *arg)
{
	struct admin_conn *c = arg;

	if (c->closing && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		conn_free(c);
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct admin_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer *out = bufferevent_get_output(bev);

	/* The input watermark keeps at most 2 * CP_ADMIN_LINE_MAX bytes
	 * buffered and each iteration consumes a line, so this is bounded. */
	for (unsigned int i = 0; i <= 2 * CP_ADMIN_LINE_MAX && !c->closing; i++) {
		size_t n = 0;
		char *line;

		if (evbuffer_get_length(out) > ADMIN_OUT_MAX) {
			conn_free(c); /* not reading its answers */
			return;
		}
		line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF);
		if (line == NULL) {
			if (evbuffer_get_length(in) > CP_ADMIN_LINE_MAX) {
				evbuffer_add_printf(out, "error line longer than %d bytes\n\n",
						    CP_ADMIN_LINE_MAX);
				c->closing = true;
				bufferevent_disable(bev, EV_READ);
			}
			return;
		}
		if (n > CP_ADMIN_LINE_MAX) {
			evbuffer_add_printf(out, "error line longer than %d bytes\n\n",
					    CP_ADMIN_LINE_MAX);
			c->closing = true;
			bufferevent_disable(bev, EV_READ);
		} else {
			dispatch(c->a, line, out);
		}
		free(line);
	}
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		conn_free(arg);
}

static void
on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int salen,
	  void *arg)
{
	struct cp_admin *a = arg;
	struct admin_conn *c;

	(void)lev;
	(void)sa;
	(void)salen;
	if (a->n_conns >= ADMIN_MAX_CONNS || (c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	c->bev = bufferevent_socket_new(a->cp->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		close(fd);
		free(c);
		return;
	}
	c->a = a;
	c->next = a->conns;
	a->conns = c;
	a->n_conns++;
	bufferevent_setcb(c->bev, conn_read, conn_write, conn_event, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, 2 * CP_ADMIN_LINE_MAX);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

struct cp_admin *
cp_admin_create(struct cp *cp)
{
	struct cp_admin *a = calloc(1, sizeof(*a));
	char err[512];
	struct stat st;
	int fd;

	if (a == NULL) {
		fprintf(stderr, "turnpike-control: admin socket: out of memory\n");
		return NULL;
	}
	a->cp = cp;
	snprintf(a->path, sizeof(a->path), "%s", cp->cc.admin_socket);
	/* 0600: whoever can open it is an operator. */
	fd = cp_unix_listen(a->path, 0600, err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, "turnpike-control: admin socket: %s\n", err);
		free(a);
		return NULL;
	}
	if (stat(a->path, &st) == 0) {
		a->dev = st.st_dev;
		a->ino = st.st_ino;
	}
	a->lev = evconnlistener_new(cp->base, on_accept, a,
				    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (a->lev == NULL) {
		fprintf(stderr, "turnpike-control: admin socket: cannot set up the listener\n");
		close(fd);
		unlink(a->path);
		free(a);
		return NULL;
	}
	return a;
}

void
cp_admin_destroy(struct cp_admin *a)
{
	struct stat st;

	if (a == NULL)
		return;
	while (a->conns != NULL)
		conn_free(a->conns);
	evconnlistener_free(a->lev);
	/* Remove the file only if it is still the one we made. */
	if (stat(a->path, &st) == 0 && st.st_dev == a->dev && st.st_ino == a->ino)
		unlink(a->path);
	free(a);
}

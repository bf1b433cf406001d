/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control channel, dataplane side: connection, framing and dispatch.
 * See ctl_client.h for what each tick does; the wire format is
 * include/turnpike/ctl_proto.h, the codec control/ctl_codec.[ch].
 *
 * Single-threaded: everything runs on the main lcore, except
 * ctl_client_stats, which another thread (telemetry) may call: the
 * numbers in @st are written with relaxed atomic stores by the main
 * lcore and read with relaxed loads (monitoring values, no ordering).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>

#include "alloc_events.h"
#include "authq.h"
#include "ctl_client.h"
#include "ctl_codec.h"
#include "dp.h"
#include "dp_update.h"
#include "stun_cred.h"

#define PEND_MASK (CTL_PENDING_MAX - 1)
#define PEND_GEN_MAX (UINT32_MAX / CTL_PENDING_MAX)
#define EV_TAKE_BURST 64
#define EV_TAKE_ROUNDS 16   /* bursts taken per worker per tick */

_Static_assert((CTL_PENDING_MAX & PEND_MASK) == 0, "CTL_PENDING_MAX must be a power of two");

enum ctl_state {
	ST_DOWN,   /* no socket; next attempt at next_try_ms */
	ST_HELLO,  /* connected, our HELLO sent, waiting for theirs */
	ST_UP,
};

/* A CRED_LOOKUP in flight: whose request it answers. */
struct pending {
	uint32_t req_id;      /* 0 = free */
	uint32_t cookie;      /* the worker's (authq_ticket) */
	uint16_t worker;
	uint8_t alg;
	uint8_t name_len;     /* BY_NAME: the name, for an answer without one */
	uint64_t deadline_ms;
	char name[KEYCACHE_USER_MAX];
};

struct ctl_client {
	struct dp *dp;
	const char *path;
	int fd;
	enum ctl_state state;
	uint64_t now_ms;
	uint64_t next_try_ms;
	uint64_t backoff_ms;
	uint64_t hello_deadline_ms;
	bool reported_down;   /* "cannot connect" logged since the last state change */
	bool was_up;          /* the connection being torn down had come up */

	size_t rlen;
	uint8_t rbuf[CTL_MAX_FRAME];
	uint8_t *wbuf;        /* CTL_WBUF_SIZE; bytes [woff, wlen) unsent */
	size_t woff, wlen;

	struct ctl_msg in, out; /* about 10 KiB each: here, not on the stack */

	uint32_t pend_gen;
	unsigned int n_pend;
	struct pending pend[CTL_PENDING_MAX];

	struct dp_event_rec *backlog; /* ring of CTL_BACKLOG_MAX */
	unsigned int bl_head, bl_n;
	uint32_t ev_seq;
	struct dp_event_rec evbuf[EV_TAKE_BURST];

	struct ctl_client_stats st;
};

/* ---- monitoring ---- */

#define STAT_SET(c, f, v) __atomic_store_n(&(c)->st.f, (uint64_t)(v), __ATOMIC_RELAXED)
#define STAT_ADD(c, f, v) STAT_SET(c, f, (c)->st.f + (uint64_t)(v))

void
ctl_client_stats(const struct ctl_client *c, struct ctl_client_stats *out)
{
#define STAT_COPY(f) out->f = __atomic_load_n(&c->st.f, __ATOMIC_RELAXED);
	STAT_COPY(connected) STAT_COPY(connects) STAT_COPY(events_sent)
	STAT_COPY(events_dropped) STAT_COPY(events_backlog) STAT_COPY(lookups_sent)
	STAT_COPY(lookups_found) STAT_COPY(lookups_not_found) STAT_COPY(lookup_errors)
	STAT_COPY(lookup_timeouts) STAT_COPY(lookups_failed) STAT_COPY(lookups_pending)
	STAT_COPY(frames_in) STAT_COPY(frames_out) STAT_COPY(protocol_errors)
	STAT_COPY(instance_id)
#undef STAT_COPY
}

/* ---- life cycle ---- */

struct ctl_client *
ctl_client_create(struct dp *dp)
{
	struct ctl_client *c = calloc(1, sizeof(*c));
	uint64_t id = 0;

	if (c == NULL)
		return NULL;
	c->wbuf = malloc(CTL_WBUF_SIZE);
	c->backlog = calloc(CTL_BACKLOG_MAX, sizeof(*c->backlog));
	if (c->wbuf == NULL || c->backlog == NULL) {
		free(c->wbuf);
		free(c->backlog);
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	c->dp = dp;
	c->path = dp->cfg.control_socket;
	c->fd = -1;
	c->state = ST_DOWN;
	c->backoff_ms = CTL_BACKOFF_MIN_MS;
	c->pend_gen = 1;
	/* Random per process start, so the control plane tells a restarted
	 * dataplane from a reconnecting one. Never blocks once the kernel's
	 * pool is initialised, long before a dataplane starts. */
	if (getrandom(&id, sizeof(id), 0) != (ssize_t)sizeof(id))
		id = (uint64_t)getpid() << 32 ^ (uint64_t)time(NULL);
	c->st.instance_id = id;
	return c;
}

void
ctl_client_destroy(struct ctl_client *c)
{
	if (c == NULL)
		return;
	if (c->fd >= 0)
		close(c->fd);
	explicit_bzero(&c->in, sizeof(c->in));
	explicit_bzero(c->rbuf, sizeof(c->rbuf));
	explicit_bzero(c->pend, sizeof(c->pend));
	free(c->wbuf);
	free(c->backlog);
	free(c);
}

/* ---- output ---- */

static size_t
wfree(const struct ctl_client *c)
{
	return CTL_WBUF_SIZE - (c->wlen - c->woff);
}

/*
 * Encode @m at the end of the write buffer, leaving at least @reserve
 * bytes free. Returns 0, -ENOSPC (no room: nothing written), or -EINVAL
 * (@m breaks a codec rule).
 */
static int
send_msg(struct ctl_client *c, const struct ctl_msg *m, size_t reserve)
{
	int n;

	if (c->woff > 0 && CTL_WBUF_SIZE - c->wlen < CTL_MAX_FRAME + reserve) {
		memmove(c->wbuf, c->wbuf + c->woff, c->wlen - c->woff);
		c->wlen -= c->woff;
		c->woff = 0;
	}
	if (CTL_WBUF_SIZE - c->wlen <= reserve)
		return -ENOSPC;
	n = ctl_encode(m, c->wbuf + c->wlen, CTL_WBUF_SIZE - c->wlen - reserve);
	if (n < 0)
		return n;
	c->wlen += (size_t)n;
	STAT_ADD(c, frames_out, 1);
	return 0;
}

static void
send_ack(struct ctl_client *c, uint32_t req_id)
{
	ctl_msg_init(&c->out, CTL_T_ACK, req_id);
	send_msg(c, &c->out, 0);
}

static void
send_error(struct ctl_client *c, uint8_t req_type, uint32_t req_id, uint16_t code,
	   const char *text)
{
	struct ctl_error *e = &c->out.u.error;
	size_t len = strlen(text);

	ctl_msg_init(&c->out, CTL_T_ERROR, req_id);
	e->req_type = req_type;
	e->code = code;
	if (len > CTL_MAX_ERROR_TEXT)
		len = CTL_MAX_ERROR_TEXT;
	memcpy(e->text, text, len);
	e->text[len] = '\0';
	e->text_len = (uint8_t)len;
	send_msg(c, &c->out, 0);
}

/* ---- lookups ---- */

static void
pending_answer(struct ctl_client *c, struct pending *p, enum authq_status st,
	       const struct keycache_val *val, uint32_t ttl)
{
	struct worker *w = c->dp->workers[p->worker];

	/* -ENOSPC: the worker times the request out, failing closed. */
	authq_answer(w->hooks.aq, p->cookie, st, val, ttl);
	explicit_bzero(p, sizeof(*p));
	c->n_pend--;
	STAT_SET(c, lookups_pending, c->n_pend);
}

static struct pending *
pending_find(struct ctl_client *c, uint32_t req_id)
{
	struct pending *p = &c->pend[req_id & PEND_MASK];

	return req_id != 0 && p->req_id == req_id ? p : NULL;
}

/* Every lookup in flight fails now (the channel went away): the parked
 * packets are dropped at once rather than after the timeout. */
static void
pending_fail_all(struct ctl_client *c)
{
	for (unsigned int i = 0; i < CTL_PENDING_MAX && c->n_pend > 0; i++)
		if (c->pend[i].req_id != 0) {
			STAT_ADD(c, lookup_errors, 1);
			pending_answer(c, &c->pend[i], AUTHQ_ERROR, NULL, 1);
		}
}

static void
pending_expire(struct ctl_client *c)
{
	for (unsigned int i = 0; i < CTL_PENDING_MAX && c->n_pend > 0; i++)
		if (c->pend[i].req_id != 0 && c->pend[i].deadline_ms <= c->now_ms) {
			STAT_ADD(c, lookup_timeouts, 1);
			pending_answer(c, &c->pend[i], AUTHQ_ERROR, NULL, 1);
		}
}

/* The longest prefix of @s (at most @max bytes) that ends on a UTF-8
 * character boundary. */
static size_t
utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	len = max;
	while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
		len--;
	return len;
}

/*
 * A credential request the config file could not answer: a CRED_LOOKUP
 * if the channel is up and has room, else an error answer (fail closed).
 * A name the wire cannot carry (a NUL inside) cannot be a stored user:
 * NOT_FOUND, cached like any.
 */
static void
lookup_send(struct ctl_client *c, unsigned int wi, const struct authq_ticket *t)
{
	struct ctl_cred_lookup *l = &c->out.u.lookup;
	struct authq *aq = c->dp->workers[wi]->hooks.aq;
	const char *realm = c->dp->cfg.realm;
	struct pending *p = NULL;
	uint32_t req_id = 0;
	int rc;

	if (c->state != ST_UP) {
		STAT_ADD(c, lookups_failed, 1);
		authq_answer(aq, t->cookie, AUTHQ_ERROR, NULL, 1);
		return;
	}
	/* A free slot: request ids carry the slot in their low bits. */
	for (unsigned int k = 0; k < CTL_PENDING_MAX; k++) {
		uint32_t slot = (c->pend_gen + k) & PEND_MASK;

		if (c->pend[slot].req_id == 0) {
			p = &c->pend[slot];
			req_id = (c->pend_gen % PEND_GEN_MAX + 1) * CTL_PENDING_MAX + slot;
			break;
		}
	}
	if (p == NULL) {
		STAT_ADD(c, lookups_failed, 1);
		authq_answer(aq, t->cookie, AUTHQ_ERROR, NULL, 1);
		return;
	}
	c->pend_gen++;
	ctl_msg_init(&c->out, CTL_T_CRED_LOOKUP, req_id);
	l->algorithm = (uint8_t)t->id.alg;
	l->realm_len = (uint16_t)RTE_MIN(strlen(realm), (size_t)CTL_MAX_REALM);
	memcpy(l->realm, realm, l->realm_len);
	if (t->id.kind == KEYCACHE_USERHASH) {
		l->by = CTL_LOOKUP_BY_USERHASH;
		memcpy(l->userhash, t->id.bytes, CTL_USERHASH_LEN);
	} else {
		l->by = CTL_LOOKUP_BY_NAME;
		l->user_len = (uint16_t)RTE_MIN(t->id.len, (uint16_t)CTL_MAX_USER);
		memcpy(l->user, t->id.bytes, l->user_len);
	}
	/* Replies keep a maximum frame of room. */
	rc = send_msg(c, &c->out, CTL_MAX_FRAME);
	if (rc == -EINVAL) {
		authq_answer(aq, t->cookie, AUTHQ_NOT_FOUND, NULL, AUTHQ_NEGATIVE_TTL_S);
		return;
	}
	if (rc != 0) {
		STAT_ADD(c, lookups_failed, 1);
		authq_answer(aq, t->cookie, AUTHQ_ERROR, NULL, 1);
		return;
	}
	p->req_id = req_id;
	p->cookie = t->cookie;
	p->worker = (uint16_t)wi;
	p->alg = (uint8_t)t->id.alg;
	p->deadline_ms = c->now_ms + CTL_LOOKUP_TIMEOUT_MS;
	p->name_len = 0;
	if (t->id.kind == KEYCACHE_NAME) {
		p->name_len = (uint8_t)utf8_cut((const char *)t->id.bytes, t->id.len,
						KEYCACHE_USER_MAX);
		memcpy(p->name, t->id.bytes, p->name_len);
	}
	c->n_pend++;
	STAT_ADD(c, lookups_sent, 1);
	STAT_SET(c, lookups_pending, c->n_pend);
}

/* Every worker's credential requests: the config file first. */
static void
serve_auth(struct ctl_client *c)
{
	struct keycache_val val;
	struct authq_ticket t;

	for (unsigned int i = 0; i < c->dp->n_workers; i++) {
		struct authq *aq = c->dp->workers[i]->hooks.aq;
		unsigned int room = authq_reply_room(aq);

		for (unsigned int k = 0; k < AUTHQ_SERVE_BUDGET && k < room; k++) {
			int rc;

			if (authq_take(aq, &t) != 0)
				break;
			memset(&val, 0, sizeof(val));
			rc = dp_users_resolve(c->dp->users, &t.id, &val);
			if (rc == 0)
				authq_answer(aq, t.cookie, AUTHQ_FOUND, &val, AUTHQ_TTL_S);
			else if (rc == -ENOENT)
				lookup_send(c, i, &t);
			else
				authq_answer(aq, t.cookie, AUTHQ_ERROR, NULL, 1);
			explicit_bzero(&val, sizeof(val));
		}
	}
}

static void
on_cred_answer(struct ctl_client *c, const struct ctl_msg *m)
{
	const struct ctl_cred_answer *a = &m->u.answer;
	struct pending *p = pending_find(c, m->request_id);
	struct keycache_val val;

	if (p == NULL)
		return; /* timed out already, or not ours */
	switch (a->status) {
	case CTL_CRED_FOUND:
		if (a->algorithm != p->alg || a->key_len > KEYCACHE_KEY_MAX) {
			STAT_ADD(c, lookup_errors, 1);
			pending_answer(c, p, AUTHQ_ERROR, NULL, 1);
			return;
		}
		memset(&val, 0, sizeof(val));
		memcpy(val.key, a->key, a->key_len);
		val.key_len = a->key_len;
		if (a->user_len > 0) {
			val.user_len = (uint8_t)utf8_cut(a->user, a->user_len, KEYCACHE_USER_MAX);
			memcpy(val.user, a->user, val.user_len);
		} else {
			val.user_len = p->name_len;
			memcpy(val.user, p->name, p->name_len);
		}
		STAT_ADD(c, lookups_found, 1);
		pending_answer(c, p, AUTHQ_FOUND, &val, a->ttl);
		explicit_bzero(&val, sizeof(val));
		return;
	case CTL_CRED_NOT_FOUND:
		STAT_ADD(c, lookups_not_found, 1);
		pending_answer(c, p, AUTHQ_NOT_FOUND, NULL, a->ttl);
		return;
	default:
		STAT_ADD(c, lookup_errors, 1);
		pending_answer(c, p, AUTHQ_ERROR, NULL, 1);
		return;
	}
}

/* ---- allocation events ---- */

static void
backlog_push(struct ctl_client *c, const struct dp_event_rec *r)
{
	if (c->bl_n == CTL_BACKLOG_MAX) {
		/* Oldest out: a recent view beats an old one. */
		c->bl_head = (c->bl_head + 1) % CTL_BACKLOG_MAX;
		c->bl_n--;
		STAT_ADD(c, events_dropped, 1);
	}
	c->backlog[(c->bl_head + c->bl_n) % CTL_BACKLOG_MAX] = *r;
	c->bl_n++;
}

static void
events_pump(struct ctl_client *c)
{
	for (unsigned int i = 0; i < c->dp->n_workers; i++) {
		struct dp_events *ev = c->dp->workers[i]->hooks.ev;

		if (ev == NULL)
			continue;
		for (unsigned int r = 0; r < EV_TAKE_ROUNDS; r++) {
			unsigned int n = dp_events_take(ev, c->evbuf, EV_TAKE_BURST);

			for (unsigned int k = 0; k < n; k++)
				backlog_push(c, &c->evbuf[k]);
			if (n < EV_TAKE_BURST)
				break;
		}
	}
	while (c->state == ST_UP && c->bl_n > 0) {
		const struct dp_event_rec *r = &c->backlog[c->bl_head];
		struct ctl_alloc_event *e = &c->out.u.alloc;
		int rc;

		c->ev_seq = c->ev_seq == UINT32_MAX ? 1 : c->ev_seq + 1;
		ctl_msg_init(&c->out, CTL_T_ALLOC_EVENT, c->ev_seq);
		e->kind = r->kind;
		e->lifetime = r->lifetime;
		e->alloc_id = r->alloc_id;
		e->ft = r->ft;
		e->relay = r->relay;
		e->c2p_packets = r->c2p_packets;
		e->c2p_bytes = r->c2p_bytes;
		e->p2c_packets = r->p2c_packets;
		e->p2c_bytes = r->p2c_bytes;
		e->user_len = r->user_len;
		memcpy(e->user, r->user, r->user_len);
		e->user[r->user_len] = '\0';
		/* Events leave room for a lookup and a reply. */
		rc = send_msg(c, &c->out, 2 * CTL_MAX_FRAME);
		if (rc == -ENOSPC)
			break;
		if (rc == 0)
			STAT_ADD(c, events_sent, 1);
		else
			STAT_ADD(c, events_dropped, 1);
		c->bl_head = (c->bl_head + 1) % CTL_BACKLOG_MAX;
		c->bl_n--;
	}
	STAT_SET(c, events_backlog, c->bl_n);
}

/* ---- counters ---- */

static void
counter_add(struct ctl_counters *cs, const char *name, uint64_t v)
{
	struct ctl_counter *k;
	size_t len = strlen(name);

	if (cs->count >= CTL_MAX_COUNTERS || len == 0 || len > CTL_MAX_COUNTER_NAME)
		return;
	k = &cs->c[cs->count++];
	memcpy(k->name, name, len + 1);
	k->name_len = (uint8_t)len;
	k->value = v;
}

/* Names and meanings: docs/control-channel.md, "Dataplane behaviour". */
static void
on_counters_request(struct ctl_client *c, uint32_t req_id)
{
	struct ctl_counters *cs = &c->out.u.counters;
	struct dp_counters sum;
	uint64_t ring_dropped = 0;
	char name[CTL_MAX_COUNTER_NAME + 1];

	memset(&sum, 0, sizeof(sum));
	for (unsigned int i = 0; i < c->dp->n_workers; i++)
		dp_counters_add(&sum, &c->dp->workers[i]->cnt);
	for (unsigned int i = 0; i < c->dp->n_workers; i++) {
		const struct dp_events *ev = c->dp->workers[i]->hooks.ev;

		if (ev != NULL)
			ring_dropped += __atomic_load_n(&ev->dropped, __ATOMIC_RELAXED);
	}
	ctl_msg_init(&c->out, CTL_T_COUNTERS_SNAPSHOT, req_id);
#define CTL_COUNTER_(field) counter_add(cs, #field, sum.field);
	DP_COUNTERS(CTL_COUNTER_)
#undef CTL_COUNTER_
	for (unsigned int i = 0; i < TP_DROP_MAX; i++) {
		snprintf(name, sizeof(name), "drop.%s", tp_drop_name(i));
		counter_add(cs, name, sum.drops[i]);
	}
	counter_add(cs, "allocations_active.udp4", sum.allocations_active_udp4);
	counter_add(cs, "allocations_active.udp6", sum.allocations_active_udp6);
	counter_add(cs, "workers", c->dp->n_workers);
	counter_add(cs, "draining", c->dp->draining ? 1 : 0);
	counter_add(cs, "ctl.events_sent", c->st.events_sent);
	counter_add(cs, "ctl.events_dropped", c->st.events_dropped + ring_dropped);
	counter_add(cs, "ctl.lookups_sent", c->st.lookups_sent);
	counter_add(cs, "ctl.lookup_timeouts", c->st.lookup_timeouts);
	counter_add(cs, "ctl.lookups_failed", c->st.lookups_failed);
	counter_add(cs, "quota.max_bps", dp_update_max_bps(c->dp->upd));
	send_msg(c, &c->out, 0);
}

/* ---- connection ---- */

static void
conn_close(struct ctl_client *c, const char *why)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	if (c->was_up)
		printf("control: lost %s: %s; retrying\n", c->path, why);
	else if (!c->reported_down)
		printf("control: cannot connect to %s: %s; retrying\n", c->path, why);
	fflush(stdout);
	/* One line per state change: quiet until it comes up again. */
	c->reported_down = true;
	c->was_up = false;
	c->state = ST_DOWN;
	c->rlen = 0;
	c->woff = c->wlen = 0;
	pending_fail_all(c);
	STAT_SET(c, connected, 0);
	c->next_try_ms = c->now_ms + c->backoff_ms;
	c->backoff_ms = RTE_MIN(c->backoff_ms * 2, (uint64_t)CTL_BACKOFF_MAX_MS);
}

static void
conn_try(struct ctl_client *c)
{
	struct sockaddr_un sa;
	char why[160];

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	/* config.c holds the path to sun_path's size. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", c->path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		snprintf(why, sizeof(why), "socket: %s", strerror(errno));
		conn_close(c, why);
		return;
	}
	/* A unix stream connect completes or fails at once; EAGAIN means the
	 * listener's backlog is full, which is a failure to retry like any. */
	if (connect(c->fd, (const struct sockaddr *)&sa, sizeof(sa)) != 0) {
		snprintf(why, sizeof(why), "%s", strerror(errno));
		conn_close(c, why);
		return;
	}
	c->state = ST_HELLO;
	c->hello_deadline_ms = c->now_ms + CTL_HELLO_TIMEOUT_MS;
	ctl_msg_init(&c->out, CTL_T_HELLO, 0);
	c->out.u.hello.version = CTL_VERSION;
	c->out.u.hello.role = CTL_ROLE_DATAPLANE;
	c->out.u.hello.instance_id = c->st.instance_id;
	send_msg(c, &c->out, 0);
}

static void
on_hello(struct ctl_client *c, const struct ctl_msg *m)
{
	char why[96];

	if (m->u.hello.role != CTL_ROLE_CONTROL || m->u.hello.version != CTL_VERSION) {
		snprintf(why, sizeof(why), "peer says role %u version %u, not control version %u",
			 m->u.hello.role, m->u.hello.version, CTL_VERSION);
		STAT_ADD(c, protocol_errors, 1);
		conn_close(c, why);
		return;
	}
	c->state = ST_UP;
	c->was_up = true;
	c->reported_down = false;
	c->backoff_ms = CTL_BACKOFF_MIN_MS;
	STAT_SET(c, connected, 1);
	STAT_ADD(c, connects, 1);
	printf("control: connected to %s (control instance %016llx)\n", c->path,
	       (unsigned long long)m->u.hello.instance_id);
	fflush(stdout);
	/* A restarted control plane rebuilds its view of the allocations. */
	dp_update_announce(c->dp->upd);
}

static void
on_push(struct ctl_client *c, const struct ctl_msg *m)
{
	char why[CTL_MAX_ERROR_TEXT + 1] = "";
	int rc;

	switch (m->type) {
	case CTL_T_REST_SECRETS:
		rc = dp_update_rest(c->dp->upd, &m->u.secrets, why, sizeof(why));
		break;
	case CTL_T_PEER_RULES:
		rc = dp_update_rules(c->dp->upd, &m->u.rules, why, sizeof(why));
		break;
	case CTL_T_QUOTAS:
		rc = dp_update_quotas(c->dp->upd, &m->u.quotas, why, sizeof(why));
		break;
	default: /* CTL_T_RELOAD */
		rc = dp_update_reload(c->dp->upd, why, sizeof(why));
		break;
	}
	if (rc == 0) {
		send_ack(c, m->request_id);
		return;
	}
	printf("control: %s refused: %s\n", ctl_type_name(m->type), why);
	fflush(stdout);
	send_error(c, m->type, m->request_id, CTL_ERR_FAILED, why);
}

static void
on_frame(struct ctl_client *c, const struct ctl_msg *m)
{
	char text[96];

	STAT_ADD(c, frames_in, 1);
	if (c->state == ST_HELLO) {
		if (m->type == CTL_T_HELLO) {
			on_hello(c, m);
		} else {
			snprintf(text, sizeof(text), "expected HELLO first, got %s",
				 ctl_type_name(m->type));
			STAT_ADD(c, protocol_errors, 1);
			conn_close(c, text);
		}
		return;
	}
	switch (m->type) {
	case CTL_T_CRED_ANSWER:
		on_cred_answer(c, m);
		break;
	case CTL_T_REST_SECRETS:
	case CTL_T_PEER_RULES:
	case CTL_T_QUOTAS:
	case CTL_T_RELOAD:
		on_push(c, m);
		break;
	case CTL_T_COUNTERS_REQUEST:
		on_counters_request(c, m->request_id);
		break;
	case CTL_T_DRAIN:
		if (!c->dp->drain_requested) {
			printf("control: DRAIN requested\n");
			fflush(stdout);
		}
		c->dp->drain_requested = true;
		send_ack(c, m->request_id);
		break;
	case CTL_T_ACK:
		break;
	case CTL_T_ERROR: {
		struct pending *p = pending_find(c, m->request_id);

		if (p != NULL && m->u.error.req_type == CTL_T_CRED_LOOKUP) {
			STAT_ADD(c, lookup_errors, 1);
			pending_answer(c, p, AUTHQ_ERROR, NULL, 1);
		} else {
			printf("control: ERROR from the control plane for %s: code %u: %s\n",
			       ctl_type_name(m->u.error.req_type), m->u.error.code, m->u.error.text);
			fflush(stdout);
		}
		break;
	}
	case CTL_T_HELLO:
		send_error(c, m->type, m->request_id, CTL_ERR_BAD_MESSAGE, "HELLO again");
		break;
	default:
		/* Known, but only the dataplane sends it. */
		snprintf(text, sizeof(text), "%s is not accepted by a dataplane",
			 ctl_type_name(m->type));
		send_error(c, m->type, m->request_id, CTL_ERR_BAD_MESSAGE, text);
		break;
	}
}

/*
 * Decode and handle what the read buffer holds, while a reply has room.
 * Returns false if the connection was closed.
 */
static bool
frames_handle(struct ctl_client *c)
{
	size_t off = 0;

	while (off < c->rlen && c->fd >= 0) {
		int r;

		if (wfree(c) < 2 * CTL_MAX_FRAME)
			break; /* back-pressure: the peer waits for our replies to drain */
		r = ctl_decode(c->rbuf + off, c->rlen - off, &c->in);
		if (r == 0)
			break;
		if (r > 0) {
			off += (size_t)r;
			on_frame(c, &c->in);
			continue;
		}
		if ((r == -ENOTSUP || r == -EBADMSG) && c->state == ST_UP) {
			STAT_ADD(c, frames_in, 1);
			off += c->in.frame_len;
			if (r == -ENOTSUP) {
				send_error(c, c->in.type, c->in.request_id, CTL_ERR_UNKNOWN_TYPE,
					   "unknown message type");
				continue;
			}
			/* A broken answer still fails its lookup now. */
			if (c->in.type == CTL_T_CRED_ANSWER) {
				struct pending *p = pending_find(c, c->in.request_id);

				if (p != NULL) {
					STAT_ADD(c, lookup_errors, 1);
					pending_answer(c, p, AUTHQ_ERROR, NULL, 1);
				}
			}
			send_error(c, c->in.type, c->in.request_id, CTL_ERR_BAD_MESSAGE,
				   "malformed body");
			continue;
		}
		STAT_ADD(c, protocol_errors, 1);
		if (r == -EPROTO)
			conn_close(c, "protocol error: bad magic or version");
		else if (r == -EMSGSIZE)
			conn_close(c, "protocol error: frame over 16384 bytes");
		else
			conn_close(c, "protocol error: expected a well-formed HELLO first");
		return false;
	}
	if (c->fd < 0)
		return false;
	if (off > 0) {
		memmove(c->rbuf, c->rbuf + off, c->rlen - off);
		c->rlen -= off;
	}
	return true;
}

static void
conn_read(struct ctl_client *c)
{
	char why[160];

	for (unsigned int i = 0; i < CTL_READ_BUDGET && c->fd >= 0; i++) {
		ssize_t n;

		if (c->rlen == sizeof(c->rbuf))
			break; /* a full frame is waiting for write room */
		n = recv(c->fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen, MSG_DONTWAIT);
		if (n == 0) {
			conn_close(c, "closed by the control plane");
			return;
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				break;
			snprintf(why, sizeof(why), "recv: %s", strerror(errno));
			conn_close(c, why);
			return;
		}
		c->rlen += (size_t)n;
		if (!frames_handle(c))
			return;
	}
	/* Frames left over after a back-pressure stop. */
	if (c->fd >= 0 && c->rlen > 0)
		frames_handle(c);
}

static void
conn_write(struct ctl_client *c)
{
	char why[160];

	while (c->fd >= 0 && c->woff < c->wlen) {
		ssize_t n = send(c->fd, c->wbuf + c->woff, c->wlen - c->woff,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				break;
			snprintf(why, sizeof(why), "send: %s", strerror(errno));
			conn_close(c, why);
			return;
		}
		c->woff += (size_t)n;
	}
	if (c->woff == c->wlen)
		c->woff = c->wlen = 0;
}

void
ctl_client_tick(struct ctl_client *c, uint64_t now_ms)
{
	c->now_ms = now_ms;
	if (c->state == ST_DOWN && now_ms >= c->next_try_ms)
		conn_try(c);
	if (c->state == ST_HELLO && now_ms >= c->hello_deadline_ms) {
		STAT_ADD(c, protocol_errors, 1);
		conn_close(c, "no HELLO from the control plane within 5 s");
	}
	if (c->fd >= 0)
		conn_read(c);
	serve_auth(c);
	pending_expire(c);
	events_pump(c);
	if (c->fd >= 0)
		conn_write(c);
}

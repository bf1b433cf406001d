/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control channel, control-plane side (docs/control-channel.md):
 * listen on control.socket, accept one dataplane at a time, exchange
 * HELLO, push REST secrets / peer rules / quotas, answer credential
 * lookups, record allocation events and poll counters every second.
 *
 *   cp->chan = cp_chan_create(cp);   // NULL: message on stderr
 *   ...event_base_dispatch...
 *   cp_chan_destroy(cp->chan);
 *
 * Input is bounded: the read high-water mark keeps at most two maximum
 * frames buffered, and ctl_decode never needs more than one. A broken
 * frame (bad magic, version or length) closes the connection; a
 * malformed body or unknown type is skipped with an ERROR reply. Output
 * is bounded too: a dataplane that stops reading is disconnected once
 * CHAN_OUT_MAX bytes are queued for it.
 *
 * Redis lookups answer later, possibly after the connection they came
 * from closed: each carries the connection's generation number and is
 * dropped if that connection is gone.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "alloc_registry.h"
#include "cp.h"
#include "redis_store.h"

#define CHAN_OUT_MAX (4u << 20)   /* bytes queued to a dataplane that does not read */
#define CHAN_IN_HIGH (2u * CTL_MAX_FRAME)
#define CHAN_HELLO_TIMEOUT 10     /* seconds an accepted connection has to say HELLO */
#define CHAN_MAX_PENDING 4096     /* Redis lookups outstanding per connection */
#define CHAN_NEG_TTL 2            /* seconds a NOT_FOUND may be cached */
#define CHAN_SWEEP_BUDGET 4096    /* registry entries looked at per second */

struct conn {
	struct cp_chan *ch;
	struct bufferevent *bev;
	uint64_t gen;
	bool hello;        /* the dataplane's HELLO arrived */
	bool broken;       /* close at the next safe point */
	bool quotas_sent;  /* QUOTAS went out once: keep sending them */
	uint64_t accepted_at;
	unsigned int pending;
};

struct cp_chan {
	struct cp *cp;
	struct evconnlistener *lev;
	struct event *tick;
	char path[CP_CFG_STR];
	dev_t dev;
	ino_t ino;
	struct conn *conn;
	uint32_t next_id;
	uint32_t drain_id, reload_id;
	uint32_t push_id[CTL_T_MAX + 1]; /* the last push of each type */
	bool err_logged[CTL_T_MAX + 1];  /* an ERROR for this type was logged */
	bool rules_cut_logged;
	const void *calling;             /* the lookup inside cp_redis_lookup_key */
	struct ctl_msg rx, tx;
	uint8_t wbuf[CTL_MAX_FRAME];
};

/* Generations are unique in the process, across channels too. */
static uint64_t gen_counter;

struct lookup {
	struct cp *cp;
	uint64_t gen;
	uint32_t req_id;
	uint8_t alg;
	uint16_t user_len;
	char user[CTL_MAX_USER + 1];
};

static uint64_t
now_s(void)
{
	return (uint64_t)time(NULL);
}

static void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
log_line(const char *fmt, ...)
{
	va_list ap;

	fputs("turnpike-control: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint32_t
next_id(struct cp_chan *ch)
{
	if (++ch->next_id == 0)
		ch->next_id = 1;
	return ch->next_id;
}

/* Encode ch->tx and queue it. A full output queue marks the connection
 * broken; the caller closes it at a safe point. */
static int
send_tx(struct conn *c)
{
	struct cp_chan *ch = c->ch;
	int n;

	if (c->broken)
		return -EPIPE;
	n = ctl_encode(&ch->tx, ch->wbuf, sizeof(ch->wbuf));
	if (n < 0) {
		log_line("control channel: cannot encode %s: %s", ctl_type_name(ch->tx.type),
			 strerror(-n));
		return n;
	}
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) + (size_t)n > CHAN_OUT_MAX ||
	    bufferevent_write(c->bev, ch->wbuf, (size_t)n) != 0) {
		c->broken = true;
		return -ENOBUFS;
	}
	return 0;
}

static void
send_error(struct conn *c, uint32_t req_id, uint8_t req_type, uint16_t code, const char *text)
{
	struct ctl_msg *m = &c->ch->tx;

	ctl_msg_init(m, CTL_T_ERROR, req_id);
	m->u.error.req_type = req_type;
	m->u.error.code = code;
	m->u.error.text_len = (uint8_t)ctl_set_str(m->u.error.text, CTL_MAX_ERROR_TEXT, text);
	(void)send_tx(c);
}

static void
conn_close(struct conn *c, const char *why)
{
	struct cp_chan *ch = c->ch;
	struct cp *cp = ch->cp;

	if (c->hello) {
		cp->dp_connected = false;
		if (cp->registry != NULL)
			cp_registry_mark_stale(cp->registry);
		log_line("control channel: dataplane %016" PRIx64 " disconnected (%s)",
			 cp->dp_instance_id, why);
	} else if (cp->verbose) {
		log_line("control channel: connection closed before HELLO (%s)", why);
	}
	bufferevent_free(c->bev);
	ch->conn = NULL;
	free(c);
}

static void
protocol_error(struct conn *c, const char *why)
{
	c->ch->cp->stats.dp_protocol_errors++;
	conn_close(c, why);
}

/* ---- pushes ---- */

static void
push_secrets(struct conn *c)
{
	struct cp_chan *ch = c->ch;
	struct stun_rest_secrets s;
	struct ctl_msg *m = &ch->tx;

	cp_rest_secrets(ch->cp, &s);
	ctl_msg_init(m, CTL_T_REST_SECRETS, next_id(ch));
	for (unsigned int i = 0; i < s.n && i < CTL_MAX_SECRETS; i++) {
		m->u.secrets.secret[i].len = s.s[i].len;
		memcpy(m->u.secrets.secret[i].data, s.s[i].val, s.s[i].len);
		m->u.secrets.count = (uint8_t)(i + 1);
	}
	explicit_bzero(&s, sizeof(s));
	ch->push_id[CTL_T_REST_SECRETS] = m->request_id;
	(void)send_tx(c);
	explicit_bzero(&m->u.secrets, sizeof(m->u.secrets));
}

/* Append @text at r->rule[*n] if representable (1..95 printable bytes;
 * the loaders already check) and *n < @cap. Returns false only when
 * there is no room. */
static bool
add_rule(struct ctl_peer_rules *r, unsigned int *n, unsigned int cap, const char *text)
{
	int len;

	if (*n >= cap)
		return false;
	len = ctl_set_str(r->rule[*n].text, CTL_MAX_RULE, text);
	if (len > 0) {
		r->rule[*n].len = (uint8_t)len;
		(*n)++;
	}
	return true;
}

/*
 * PEER_RULES replaces the dataplane's whole policy, so it carries the
 * file's rules together with Redis's. allow + deny <= 64: deny rules are
 * taken first, because dropping an allow rule is the safe side; past the
 * cap, rules are cut and one line logged. Without Redis nothing is
 * pushed and the dataplane keeps what it read from the file.
 */
static void
push_rules(struct conn *c)
{
	static struct ctl_rule deny[CTL_MAX_RULES];
	struct cp_chan *ch = c->ch;
	const struct cp *cp = ch->cp;
	const struct cp_redis_policy *pol;
	struct ctl_peer_rules *r = &ch->tx.u.rules;
	unsigned int n = 0, n_deny;
	bool fit = true;

	if (cp->redis == NULL || (pol = cp_redis_policy(cp->redis)) == NULL || !pol->valid)
		return;
	ctl_msg_init(&ch->tx, CTL_T_PEER_RULES, next_id(ch));
	r->flags = cp->tp.default_deny ? CTL_PEER_DEFAULT_DENY : 0;
	/* Deny rules into the table first to count them against the cap... */
	for (unsigned int i = 0; i < cp->tp.n_deny && i < TP_CFG_MAX_PEER_RULES && fit; i++)
		fit = add_rule(r, &n, CTL_MAX_RULES, cp->tp.deny[i].text);
	for (unsigned int i = 0; i < pol->n_deny && i < CTL_MAX_RULES && fit; i++)
		fit = add_rule(r, &n, CTL_MAX_RULES, pol->deny[i]);
	n_deny = n;
	/* ...then moved behind the allow rules, as the wire wants them. */
	memcpy(deny, r->rule, n_deny * sizeof(deny[0]));
	n = 0;
	for (unsigned int i = 0; i < cp->tp.n_allow && i < TP_CFG_MAX_PEER_RULES && fit; i++)
		fit = add_rule(r, &n, CTL_MAX_RULES - n_deny, cp->tp.allow[i].text);
	for (unsigned int i = 0; i < pol->n_allow && i < CTL_MAX_RULES && fit; i++)
		fit = add_rule(r, &n, CTL_MAX_RULES - n_deny, pol->allow[i]);
	r->n_allow = (uint8_t)n;
	r->n_deny = (uint8_t)n_deny;
	memcpy(&r->rule[n], deny, n_deny * sizeof(deny[0]));
	if (!fit && !ch->rules_cut_logged) {
		log_line("control channel: more than %d peer rules (file + Redis); those past "
			 "the limit (allow rules first) are not sent", CTL_MAX_RULES);
		ch->rules_cut_logged = true;
	}
	ch->push_id[CTL_T_PEER_RULES] = ch->tx.request_id;
	(void)send_tx(c);
}

/* QUOTAS only once Redis set one of them, so a Redis-less run keeps the
 * dataplane's own limits; after that always, so that deleting a Redis
 * key restores the file's value. */
static void
push_quotas(struct conn *c)
{
	struct cp_chan *ch = c->ch;
	const struct cp *cp = ch->cp;
	const struct cp_redis_policy *pol = NULL;
	struct ctl_quotas *q = &ch->tx.u.quotas;
	bool any;

	if (cp->redis != NULL)
		pol = cp_redis_policy(cp->redis);
	if (pol != NULL && !pol->valid)
		pol = NULL;
	any = pol != NULL && (pol->has_user_quota || pol->has_total_quota || pol->has_max_bps);
	if (!any && !c->quotas_sent)
		return;
	ctl_msg_init(&ch->tx, CTL_T_QUOTAS, next_id(ch));
	q->user_quota = pol != NULL && pol->has_user_quota ? pol->user_quota : cp->tp.user_quota;
	q->total_quota =
		pol != NULL && pol->has_total_quota ? pol->total_quota : cp->tp.max_allocations;
	q->max_bps = pol != NULL && pol->has_max_bps ? pol->max_bps : 0;
	ch->push_id[CTL_T_QUOTAS] = ch->tx.request_id;
	c->quotas_sent = true;
	(void)send_tx(c);
}

static void
push_all(struct conn *c)
{
	push_secrets(c);
	push_rules(c);
	push_quotas(c);
}

void
cp_chan_push_policy(struct cp_chan *ch)
{
	struct conn *c = ch != NULL ? ch->conn : NULL;

	if (c == NULL || !c->hello)
		return;
	push_all(c);
	if (c->broken)
		conn_close(c, "output queue full");
}

static int
send_simple(struct cp_chan *ch, uint8_t type, uint32_t *id_out)
{
	struct conn *c = ch != NULL ? ch->conn : NULL;
	int rc;

	if (c == NULL || !c->hello)
		return -ENOTCONN;
	ctl_msg_init(&ch->tx, type, next_id(ch));
	if (id_out != NULL)
		*id_out = ch->tx.request_id;
	rc = send_tx(c);
	if (c->broken) {
		conn_close(c, "output queue full");
		return -ENOTCONN;
	}
	return rc;
}

int
cp_chan_drain(struct cp_chan *ch)
{
	return send_simple(ch, CTL_T_DRAIN, ch != NULL ? &ch->drain_id : NULL);
}

int
cp_chan_reload(struct cp_chan *ch)
{
	return send_simple(ch, CTL_T_RELOAD, ch != NULL ? &ch->reload_id : NULL);
}

/* ---- credential lookups ---- */

static void
answer(struct conn *c, uint32_t req_id, uint8_t status, uint8_t alg, const uint8_t *key,
       size_t key_len, uint32_t ttl, const char *user, size_t user_len)
{
	struct ctl_msg *m = &c->ch->tx;
	struct ctl_cred_answer *a = &m->u.answer;

	ctl_msg_init(m, CTL_T_CRED_ANSWER, req_id);
	a->status = status;
	a->algorithm = alg;
	a->ttl = ttl;
	if (status == CTL_CRED_FOUND) {
		a->key_len = (uint8_t)key_len;
		memcpy(a->key, key, key_len);
		a->user_len = (uint16_t)user_len;
		memcpy(a->user, user, user_len);
		a->user[user_len] = '\0';
	}
	(void)send_tx(c);
	explicit_bzero(a->key, sizeof(a->key));
}

/* The config file's user matching the lookup, with its key. At most 64
 * users; one MD5/SHA-256 per candidate. Returns the user or NULL. */
static const struct tp_user_config *
config_user(const struct cp *cp, const struct ctl_cred_lookup *l, uint8_t *key, size_t *key_len)
{
	size_t rlen = strlen(cp->tp.realm);

	for (unsigned int i = 0; i < cp->tp.n_users && i < TP_CFG_MAX_USERS; i++) {
		const struct tp_user_config *u = &cp->tp.users[i];
		size_t ulen = strlen(u->name), plen = strlen(u->password);

		if (l->by == CTL_LOOKUP_BY_NAME) {
			if (ulen != l->user_len || memcmp(u->name, l->user, ulen) != 0)
				continue;
		} else {
			uint8_t h[STUN_USERHASH_LEN];

			stun_userhash(u->name, ulen, cp->tp.realm, rlen, h);
			if (memcmp(h, l->userhash, sizeof(h)) != 0)
				continue;
		}
		if (l->algorithm == CTL_PWALG_SHA256) {
			stun_key_sha256(u->name, ulen, cp->tp.realm, rlen, u->password, plen, key);
			*key_len = STUN_KEY_SHA256_LEN;
		} else {
			stun_key_md5(u->name, ulen, cp->tp.realm, rlen, u->password, plen, key);
			*key_len = STUN_KEY_MD5_LEN;
		}
		return u;
	}
	return NULL;
}

/* Redis's answer (redis_store.c counts it in cp->stats.lookup_*). It
 * may come synchronously (cache hit, Redis down) or later, when the
 * connection that asked may be gone: the generation tells. */
static void
redis_answered(void *arg, uint8_t status, const uint8_t *key, size_t key_len, uint32_t ttl)
{
	struct lookup *l = arg;
	struct cp_chan *ch = l->cp->chan;
	struct conn *c = ch != NULL ? ch->conn : NULL;
	bool sync = ch != NULL && ch->calling == l;

	if (status == CTL_CRED_FOUND && key_len != STUN_KEY_MD5_LEN)
		status = CTL_CRED_ERROR; /* the store broke its promise: fail closed */
	if (c != NULL && c->gen == l->gen) {
		if (c->pending > 0)
			c->pending--;
		answer(c, l->req_id, status, l->alg, key, key_len,
		       status == CTL_CRED_ERROR ? 0 : ttl, l->user, l->user_len);
		/* Synchronously, the read loop closes a broken connection. */
		if (c->broken && !sync)
			conn_close(c, "output queue full");
	}
	free(l);
}

static void
on_lookup(struct conn *c, const struct ctl_msg *m)
{
	struct cp_chan *ch = c->ch;
	struct cp *cp = ch->cp;
	const struct ctl_cred_lookup *q = &m->u.lookup;
	uint8_t key[STUN_KEY_MAX_LEN];
	size_t key_len = 0;
	const struct tp_user_config *u;
	struct lookup *l;

	/* An empty realm means ours; another realm has no users here. */
	if (q->realm_len != 0 &&
	    (q->realm_len != strlen(cp->tp.realm) || memcmp(q->realm, cp->tp.realm, q->realm_len) != 0))
		goto not_found;
	if ((u = config_user(cp, q, key, &key_len)) != NULL) {
		cp->stats.lookup_config++;
		answer(c, m->request_id, CTL_CRED_FOUND, q->algorithm, key, key_len,
		       cp->cc.redis.key_ttl, u->name, strlen(u->name));
		explicit_bzero(key, sizeof(key));
		return;
	}
	/* Redis holds coturn's MD5 keys by name only. */
	if (cp->redis == NULL || q->by != CTL_LOOKUP_BY_NAME || q->algorithm != CTL_PWALG_MD5)
		goto not_found;
	if (c->pending >= CHAN_MAX_PENDING) {
		cp->stats.lookup_error++;
		answer(c, m->request_id, CTL_CRED_ERROR, q->algorithm, NULL, 0, 0, NULL, 0);
		return;
	}
	l = calloc(1, sizeof(*l));
	if (l == NULL) {
		cp->stats.lookup_error++;
		answer(c, m->request_id, CTL_CRED_ERROR, q->algorithm, NULL, 0, 0, NULL, 0);
		return;
	}
	l->cp = cp;
	l->gen = c->gen;
	l->req_id = m->request_id;
	l->alg = q->algorithm;
	l->user_len = q->user_len;
	memcpy(l->user, q->user, q->user_len);
	c->pending++;
	ch->calling = l;
	/* The callback runs exactly once, maybe before this returns; @l is
	 * not touched after the call. */
	(void)cp_redis_lookup_key(cp->redis, l->user, l->user_len, redis_answered, l);
	ch->calling = NULL;
	return;

not_found:
	cp->stats.lookup_not_found++;
	answer(c, m->request_id, CTL_CRED_NOT_FOUND, q->algorithm, NULL, 0, CHAN_NEG_TTL, NULL, 0);
}

/* ---- other messages ---- */

static void
on_hello(struct conn *c, const struct ctl_msg *m)
{
	struct cp *cp = c->ch->cp;
	size_t dropped = 0;

	if (m->u.hello.role != CTL_ROLE_DATAPLANE) {
		protocol_error(c, "HELLO from a peer that is not a dataplane");
		return;
	}
	c->hello = true;
	cp->dp_connected = true;
	cp->dp_draining = false;
	cp->dp_instance_id = m->u.hello.instance_id;
	cp->stats.dp_connects++;
	if (cp->registry != NULL)
		dropped = cp_registry_forget_others(cp->registry, cp->dp_instance_id);
	log_line("control channel: dataplane %016" PRIx64 " connected (protocol %u)%s",
		 cp->dp_instance_id, m->u.hello.version,
		 dropped > 0 ? "; allocations of its previous instance forgotten" : "");
	push_all(c);
	if (!c->broken) {
		ctl_msg_init(&c->ch->tx, CTL_T_COUNTERS_REQUEST, next_id(c->ch));
		(void)send_tx(c);
	}
}

static void
on_snapshot(struct cp *cp, const struct ctl_msg *m)
{
	cp->dp_counters = m->u.counters;
	cp->dp_counters_at = now_s();
	/* The dataplane is the authority on whether it drains. */
	for (unsigned int i = 0; i < m->u.counters.count && i < CTL_MAX_COUNTERS; i++)
		if (strcmp(m->u.counters.c[i].name, "draining") == 0)
			cp->dp_draining = m->u.counters.c[i].value != 0;
}

static void
on_ack(struct cp_chan *ch, const struct ctl_msg *m)
{
	if (m->request_id == 0)
		return;
	if (m->request_id == ch->drain_id) {
		ch->cp->dp_draining = true;
		log_line("control channel: dataplane is draining");
		ch->drain_id = 0;
		return;
	}
	if (m->request_id == ch->reload_id) {
		log_line("control channel: dataplane reload: ok");
		ch->reload_id = 0;
		return;
	}
	for (unsigned int t = 0; t <= CTL_T_MAX; t++)
		if (ch->push_id[t] == m->request_id)
			ch->err_logged[t] = false;
}

static void
on_error(struct cp_chan *ch, const struct ctl_msg *m)
{
	const struct ctl_error *e = &m->u.error;

	if (m->request_id != 0 && m->request_id == ch->reload_id) {
		log_line("control channel: dataplane reload: %s", e->text);
		ch->reload_id = 0;
		return;
	}
	if (m->request_id != 0 && m->request_id == ch->drain_id) {
		log_line("control channel: dataplane refused to drain: %s", e->text);
		ch->drain_id = 0;
		return;
	}
	/* Pushes are repeated on every policy change: log an error once
	 * until an ACK shows it cleared. */
	if (e->req_type <= CTL_T_MAX && ch->err_logged[e->req_type])
		return;
	if (e->req_type <= CTL_T_MAX)
		ch->err_logged[e->req_type] = true;
	log_line("control channel: dataplane refused %s (code %u): %s",
		 ctl_type_name(e->req_type), e->code, e->text);
}

static void
handle(struct conn *c, const struct ctl_msg *m)
{
	struct cp_chan *ch = c->ch;
	struct cp *cp = ch->cp;

	if (!c->hello && m->type != CTL_T_HELLO) {
		protocol_error(c, "first message is not HELLO");
		return;
	}
	if (cp->verbose && m->type != CTL_T_COUNTERS_SNAPSHOT)
		log_line("control channel: <- %s id %" PRIu32, ctl_type_name(m->type),
			 m->request_id);
	switch (m->type) {
	case CTL_T_HELLO:
		if (c->hello) {
			cp->stats.dp_protocol_errors++;
			send_error(c, m->request_id, m->type, CTL_ERR_BAD_MESSAGE, "HELLO twice");
			return;
		}
		on_hello(c, m);
		return;
	case CTL_T_CRED_LOOKUP:
		on_lookup(c, m);
		return;
	case CTL_T_ALLOC_EVENT:
		cp->stats.alloc_events++;
		if (cp->registry != NULL)
			(void)cp_registry_event(cp->registry, cp->dp_instance_id, &m->u.alloc,
						now_s());
		if (cp->redis != NULL)
			cp_redis_alloc_event(cp->redis, &m->u.alloc, cp->dp_instance_id);
		return;
	case CTL_T_COUNTERS_SNAPSHOT:
		on_snapshot(cp, m);
		return;
	case CTL_T_ACK:
		on_ack(ch, m);
		return;
	case CTL_T_ERROR:
		on_error(ch, m);
		return;
	default:
		/* Known to the codec, but not something a dataplane sends us. */
		send_error(c, m->request_id, m->type, CTL_ERR_UNKNOWN_TYPE,
			   "not accepted by the control plane");
		return;
	}
}

/* Decode every complete frame buffered. The input holds at most
 * CHAN_IN_HIGH bytes and each frame is at least a header, so the loop
 * is bounded by CHAN_IN_HIGH / CTL_HEADER_LEN iterations. */
static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct cp_chan *ch = c->ch;
	struct evbuffer *in = bufferevent_get_input(bev);

	for (unsigned int i = 0; i <= CHAN_IN_HIGH / CTL_HEADER_LEN; i++) {
		size_t len = evbuffer_get_length(in);
		size_t want = len < CTL_MAX_FRAME ? len : CTL_MAX_FRAME;
		const uint8_t *p;
		int r;

		if (len == 0)
			break;
		p = evbuffer_pullup(in, (ev_ssize_t)want);
		if (p == NULL) {
			conn_close(c, "out of memory");
			return;
		}
		r = ctl_decode(p, want, &ch->rx);
		if (r == 0)
			break;
		if (r == -EPROTO || r == -EMSGSIZE) {
			protocol_error(c, r == -EPROTO ? "bad magic or version"
						       : "frame longer than the maximum");
			return;
		}
		if (r == -ENOTSUP || r == -EBADMSG) {
			uint8_t type = ch->rx.type;
			uint32_t id = ch->rx.request_id;

			evbuffer_drain(in, ch->rx.frame_len);
			if (r == -EBADMSG)
				ch->cp->stats.dp_protocol_errors++;
			if (!c->hello) {
				protocol_error(c, "bad first message");
				return;
			}
			send_error(c, id, type,
				   r == -ENOTSUP ? CTL_ERR_UNKNOWN_TYPE : CTL_ERR_BAD_MESSAGE,
				   r == -ENOTSUP ? "unknown type" : "malformed body");
		} else if (r < 0) {
			protocol_error(c, "decoder failure");
			return;
		} else {
			evbuffer_drain(in, (size_t)r);
			handle(c, &ch->rx);
			if (ch->conn != c)
				return; /* closed while handling */
		}
		if (c->broken) {
			conn_close(c, "output queue full");
			return;
		}
	}
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (what & BEV_EVENT_EOF)
		conn_close(c, "closed by the dataplane");
	else if (what & BEV_EVENT_ERROR)
		conn_close(c, strerror(EVUTIL_SOCKET_ERROR()));
}

/* A second dataplane while one is connected: tell it, then hang up. The
 * ERROR is small and the socket fresh, so one non-blocking send fits. */
static void
refuse_busy(struct cp_chan *ch, int fd)
{
	struct ctl_msg *m = &ch->tx;
	int n;

	ctl_msg_init(m, CTL_T_ERROR, 0);
	m->u.error.req_type = CTL_T_HELLO;
	m->u.error.code = CTL_ERR_BUSY;
	m->u.error.text_len =
		(uint8_t)ctl_set_str(m->u.error.text, CTL_MAX_ERROR_TEXT,
				     "another dataplane is connected");
	n = ctl_encode(m, ch->wbuf, sizeof(ch->wbuf));
	if (n > 0)
		(void)send(fd, ch->wbuf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
	log_line("control channel: refused a second dataplane connection");
}

static void
on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int salen,
	  void *arg)
{
	struct cp_chan *ch = arg;
	struct cp *cp = ch->cp;
	struct conn *c;

	(void)lev;
	(void)sa;
	(void)salen;
	if (ch->conn != NULL) {
		refuse_busy(ch, fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		close(fd);
		return;
	}
	c->bev = bufferevent_socket_new(cp->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		close(fd);
		free(c);
		return;
	}
	c->ch = ch;
	c->gen = ++gen_counter;
	c->accepted_at = now_s();
	ch->conn = c;
	bufferevent_setcb(c->bev, conn_read, NULL, conn_event, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, CHAN_IN_HIGH);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);

	/* Our HELLO goes first: neither side has to wait for the other. */
	ctl_msg_init(&ch->tx, CTL_T_HELLO, 0);
	ch->tx.u.hello.version = CTL_VERSION;
	ch->tx.u.hello.role = CTL_ROLE_CONTROL;
	ch->tx.u.hello.instance_id = cp->instance_id;
	(void)send_tx(c);
}

/* Every second: poll counters, enforce the HELLO deadline, sweep the
 * registry. */
static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct cp_chan *ch = arg;
	struct conn *c = ch->conn;

	(void)fd;
	(void)what;
	if (c != NULL && !c->hello && now_s() >= c->accepted_at + CHAN_HELLO_TIMEOUT) {
		protocol_error(c, "no HELLO in time");
	} else if (c != NULL && c->hello) {
		ctl_msg_init(&ch->tx, CTL_T_COUNTERS_REQUEST, next_id(ch));
		(void)send_tx(c);
		if (c->broken)
			conn_close(c, "output queue full");
	}
	if (ch->cp->registry != NULL)
		(void)cp_registry_sweep(ch->cp->registry, now_s(), CHAN_SWEEP_BUDGET);
}

struct cp_chan *
cp_chan_create(struct cp *cp)
{
	static const struct timeval one_second = { 1, 0 };
	struct cp_chan *ch;
	char err[512];
	struct stat st;
	int fd;

	ch = calloc(1, sizeof(*ch));
	if (ch == NULL) {
		fprintf(stderr, "turnpike-control: control channel: out of memory\n");
		return NULL;
	}
	ch->cp = cp;
	snprintf(ch->path, sizeof(ch->path), "%s", cp->cc.socket);
	fd = cp_unix_listen(ch->path, 0660, err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, "turnpike-control: control channel: %s\n", err);
		free(ch);
		return NULL;
	}
	if (stat(ch->path, &st) == 0) {
		ch->dev = st.st_dev;
		ch->ino = st.st_ino;
	}
	ch->lev = evconnlistener_new(cp->base, on_accept, ch,
				     LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	ch->tick = event_new(cp->base, -1, EV_PERSIST, on_tick, ch);
	if (ch->lev == NULL || ch->tick == NULL || event_add(ch->tick, &one_second) != 0) {
		fprintf(stderr, "turnpike-control: control channel: cannot set up the listener\n");
		if (ch->lev == NULL)
			close(fd);
		cp_chan_destroy(ch);
		return NULL;
	}
	return ch;
}

/* Closes the dataplane connection and removes the socket file if it is
 * still the one we created. */
void
cp_chan_destroy(struct cp_chan *ch)
{
	struct stat st;

	if (ch == NULL)
		return;
	if (ch->conn != NULL)
		conn_close(ch->conn, "control plane stopping");
	if (ch->tick != NULL)
		event_free(ch->tick);
	if (ch->lev != NULL) {
		evconnlistener_free(ch->lev);
		if (stat(ch->path, &st) == 0 && st.st_dev == ch->dev && st.st_ino == ch->ino)
			unlink(ch->path);
	}
	if (ch->cp->chan == ch)
		ch->cp->chan = NULL;
	explicit_bzero(&ch->tx, sizeof(ch->tx));
	explicit_bzero(ch->wbuf, sizeof(ch->wbuf));
	free(ch);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TURN server object: configuration, demultiplexing of client
 * datagrams, dispatch by method and class, allocation lifetime and
 * expiry, statistics. The protocol work itself lives in the turn_*.c
 * files listed in turn_server_priv.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "channeldata.h"
#include "stun_integrity.h"
#include "turn_server_priv.h"

static bool
pw_alg_known(uint16_t alg)
{
	return alg == STUN_PWALG_MD5 || alg == STUN_PWALG_SHA256;
}

/*
 * Copy @in into s->cfg, filling defaults, and reject what the state
 * machine cannot honour. Returns 0 or -EINVAL.
 */
static int
config_load(struct turn_server *s, const struct turn_config *in)
{
	struct turn_config *c = &s->cfg;

	*c = *in;
	if (c->realm == NULL || c->nonce_secret == NULL || c->nonce_secret_len < 16)
		return -EINVAL;
	s->realm_len = strlen(c->realm);
	if (!stun_text_valid((const uint8_t *)c->realm, s->realm_len, STUN_MAX_REALM_LEN))
		return -EINVAL;
	if (c->software != NULL) {
		s->software_len = strlen(c->software);
		if (s->software_len == 0 || s->software_len > STUN_MAX_SOFTWARE_LEN)
			return -EINVAL;
	}
	if (c->default_lifetime == 0)
		c->default_lifetime = TURN_DEFAULT_LIFETIME;
	if (c->max_lifetime == 0)
		c->max_lifetime = TURN_MAX_LIFETIME;
	if (c->permission_lifetime == 0)
		c->permission_lifetime = TURN_PERMISSION_LIFETIME;
	if (c->channel_lifetime == 0)
		c->channel_lifetime = TURN_CHANNEL_LIFETIME;
	if (c->channel_min == 0)
		c->channel_min = TURN_CHANNEL_MIN;
	if (c->channel_max == 0)
		c->channel_max = TURN_CHANNEL_MAX;
	if (c->nonce_lifetime == 0)
		c->nonce_lifetime = 600;
	if (c->rest_separator == 0)
		c->rest_separator = ':';
	if (c->overflow_blocks == 0)
		c->overflow_blocks = TURN_OVERFLOW_BLOCKS_DEFAULT;
	if (c->overflow_blocks > TURN_OVERFLOW_BLOCKS_MAX)
		return -EINVAL;
	if (c->default_lifetime > c->max_lifetime)
		return -EINVAL;
	/* ChannelData must keep its first byte in 0x40..0x7F to be told
	 * apart from STUN (RFC 7983; RFC 5766 allowed up to 0x7FFF). */
	if (c->channel_min < TURN_CHANNEL_MIN || c->channel_max > TURN_CHANNEL_MAX_RFC5766 ||
	    c->channel_min > c->channel_max)
		return -EINVAL;
	if (c->n_pw_algs > 2)
		return -EINVAL;
	for (unsigned int i = 0; i < c->n_pw_algs; i++) {
		if (!pw_alg_known(c->pw_algs[i]))
			return -EINVAL;
		if (i > 0 && c->pw_algs[i] == c->pw_algs[0])
			return -EINVAL;
		/* The value we send and compare byte for byte (RFC 8489
		 * 14.11): algorithm, zero-length parameters. */
		s->pw_algs[4 * i] = (uint8_t)(c->pw_algs[i] >> 8);
		s->pw_algs[4 * i + 1] = (uint8_t)c->pw_algs[i];
		s->pw_algs[4 * i + 2] = 0;
		s->pw_algs[4 * i + 3] = 0;
	}
	s->pw_algs_len = (uint8_t)(4 * c->n_pw_algs);
	/* Clients may only hide their name behind USERHASH when the nonce
	 * says we understand it (RFC 8489 9.2.3); we do whenever we offer
	 * algorithms, i.e. speak RFC 8489 rather than RFC 5389. */
	s->nonce_features = c->n_pw_algs > 0 ?
		STUN_FEATURE_PASSWORD_ALGORITHMS | STUN_FEATURE_USERNAME_ANONYMITY : 0;
	if (c->other_address.family != 0 && c->other_address.family != STUN_FAMILY_IPV4 &&
	    c->other_address.family != STUN_FAMILY_IPV6)
		return -EINVAL;
	if (c->alternate.family != 0 && c->alternate.family != STUN_FAMILY_IPV4 &&
	    c->alternate.family != STUN_FAMILY_IPV6)
		return -EINVAL;
	return 0;
}

static bool
hooks_valid(const struct turn_hooks *h, const struct turn_table_ops *t)
{
	if (h == NULL || h->cred_lookup == NULL || h->relay_alloc == NULL)
		return false;
	if (h->quota_acquire != NULL && h->quota_release == NULL)
		return false;
	if (t == NULL || t->lookup == NULL || t->lookup_relay == NULL || t->insert == NULL ||
	    t->index_relay == NULL || t->remove == NULL || t->scan == NULL)
		return false;
	return true;
}

struct turn_server *
turn_server_create(const struct turn_config *cfg, const struct turn_hooks *hooks, void *hook_ctx,
		   const struct turn_table_ops *tops, void *table)
{
	struct turn_server *s;

	if (cfg == NULL || !hooks_valid(hooks, tops)) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	if (config_load(s, cfg) != 0)
		goto err_inval;
	if (stun_nonce_init(&s->nonce, cfg->nonce_secret, cfg->nonce_secret_len,
			    s->cfg.nonce_lifetime) != 0)
		goto err_inval;
	/* Every overflow block the server will ever use, taken now. */
	if (turn_ovf_init(s, s->cfg.overflow_blocks) != 0) {
		explicit_bzero(&s->nonce, sizeof(s->nonce));
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	s->hooks = *hooks;
	s->ctx = hook_ctx;
	s->tops = tops;
	s->table = table;
	/* Data indication ids need only be unpredictable enough not to
	 * collide with a client's; fall back to the clock if getrandom
	 * is unavailable. */
	if (getrandom(&s->tid_seed, sizeof(s->tid_seed), GRND_NONBLOCK) != sizeof(s->tid_seed))
		s->tid_seed = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)s;
	return s;

err_inval:
	free(s);
	errno = EINVAL;
	return NULL;
}

void
turn_server_destroy(struct turn_server *s)
{
	if (s == NULL)
		return;
	turn_server_flush(s);
	turn_ovf_fini(s);
	/* The server held the nonce keys. */
	explicit_bzero(&s->nonce, sizeof(s->nonce));
	free(s);
}

void
turn_server_set_draining(struct turn_server *s, bool draining)
{
	s->draining = draining;
}

int
turn_server_rotate_nonce_secret(struct turn_server *s, const uint8_t *secret, size_t len)
{
	if (secret == NULL || len < 16)
		return -EINVAL;
	return stun_nonce_rotate(&s->nonce, secret, len);
}

const struct turn_stats *
turn_server_stats(const struct turn_server *s)
{
	return &s->stats;
}

size_t
turn_server_footprint(const struct turn_server *s)
{
	return sizeof(*s) + (size_t)s->ovf.n * sizeof(struct turn_ovf_block);
}

/* ---- helpers shared by the handlers ---- */

void
turn_drop(struct turn_server *s, struct turn_out *out, enum tp_drop_reason why)
{
	out->verdict = TURN_DROP;
	out->drop = why;
	s->stats.drops[why]++;
}

const struct stun_addr *
turn_alloc_relay(const struct turn_allocation *a, uint8_t family)
{
	for (unsigned int i = 0; i < a->n_relay && i < 2; i++)
		if (a->relay[i].family == family)
			return &a->relay[i];
	return NULL;
}

void
turn_alloc_remove(struct turn_server *s, struct turn_allocation *a, enum turn_event ev)
{
	if (s->hooks.event != NULL)
		s->hooks.event(s->ctx, ev, a);
	for (unsigned int i = 0; i < a->n_relay && i < 2; i++)
		if (s->hooks.relay_free != NULL)
			s->hooks.relay_free(s->ctx, &a->relay[i]);
	if (s->hooks.quota_release != NULL)
		s->hooks.quota_release(s->ctx, a->quota_handle);
	/* After the event, which may still look at the permissions. */
	turn_ovf_trim(s, a, 0, true);
	if (s->stats.allocations_active > 0)
		s->stats.allocations_active--;
	s->tops->remove(s->table, a);
}

struct turn_allocation *
turn_alloc_find(struct turn_server *s, const struct stun_5tuple *ft, uint64_t now)
{
	struct turn_allocation *a = s->tops->lookup(s->table, ft);

	if (a != NULL && a->expires <= now) {
		turn_alloc_remove(s, a, TURN_EVENT_EXPIRED);
		return NULL;
	}
	return a;
}

/* splitmix64: a bijection, so consecutive counters never repeat an id. */
static uint64_t
mix64(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

void
turn_next_tid(struct turn_server *s, uint8_t tid[STUN_TID_LEN])
{
	uint64_t a = mix64(s->tid_seed ^ s->tid_seq++);
	uint64_t b = mix64(s->tid_seed + 0x632BE59BD9B4E019ull);

	memcpy(tid, &a, 8);
	memcpy(tid + 8, &b, 4);
}

/* ---- client datagrams ---- */

static bool
is_turn_request(uint16_t method)
{
	switch (method) {
	case TURN_METHOD_ALLOCATE:
	case TURN_METHOD_REFRESH:
	case TURN_METHOD_CREATE_PERMISSION:
	case TURN_METHOD_CHANNEL_BIND:
	case TURN_METHOD_CONNECT:
	case TURN_METHOD_CONNECTION_BIND:
		return true;
	default:
		return false;
	}
}

/*
 * A request that needs long-term credentials. Authentication comes
 * first (RFC 8489 9.2.4), then unknown comprehension-required attributes
 * (RFC 8489 6.3.1: checked once authentication is done, so the 420 is
 * signed), then the method.
 */
static void
turn_request(struct turn_req *r)
{
	const struct stun_msg *m = r->m;

	if (turn_auth(r) != 0)
		return;
	if (m->n_unknown > 0) {
		turn_reply_unknown(r, m->unknown, m->n_unknown);
		return;
	}
	switch (m->method) {
	case TURN_METHOD_ALLOCATE:
		turn_allocate(r);
		break;
	case TURN_METHOD_REFRESH:
		turn_refresh(r);
		break;
	case TURN_METHOD_CREATE_PERMISSION:
		turn_create_permission(r);
		break;
	case TURN_METHOD_CHANNEL_BIND:
		turn_channel_bind(r);
		break;
	default:
		/* RFC 6062 Connect / ConnectionBind: only meaningful on a
		 * TCP allocation, which we never grant (442 at Allocate). */
		turn_reply_error(r, STUN_ERR_BAD_REQUEST,
				 "TCP allocations (RFC 6062) are not supported");
		break;
	}
}

static void
stun_datagram(struct turn_req *r, struct stun_msg *m, const uint8_t *pkt, size_t len)
{
	struct turn_server *s = r->s;
	int rc = stun_parse(m, pkt, len);

	if (rc == -EBADMSG) {
		if (m->cls != STUN_CLASS_REQUEST) {
			turn_drop(s, r->out, TP_DROP_MALFORMED);
			return;
		}
		s->stats.requests[m->method & 0xf]++;
		turn_reply_error(r, STUN_ERR_BAD_REQUEST, NULL);
		return;
	}
	if (rc == -EINVAL) {
		/* The first byte looked like STUN but the header does not
		 * hold (cookie, top bits, length field against the datagram,
		 * over STUN_MAX_MSG_LEN): this is not a STUN message at all,
		 * so it is counted as such, not as a broken STUN message. */
		turn_drop(s, r->out, TP_DROP_NOT_STUN);
		return;
	}
	if (rc != 0) {
		turn_drop(s, r->out, TP_DROP_MALFORMED);
		return;
	}
	if (m->fp_hdr_off != 0) {
		if (stun_check_fingerprint(m) != 0) {
			turn_drop(s, r->out, TP_DROP_BAD_FINGERPRINT);
			return;
		}
		r->fingerprint = true;
	}

	switch (m->cls) {
	case STUN_CLASS_REQUEST:
		s->stats.requests[m->method & 0xf]++;
		if (m->method == STUN_METHOD_BINDING)
			turn_binding(r);
		else if (is_turn_request(m->method))
			turn_request(r);
		else
			/* RFC 8489 6.3.1: unknown method in a request. */
			turn_reply_error(r, STUN_ERR_BAD_REQUEST, NULL);
		break;
	case STUN_CLASS_INDICATION:
		if (m->n_unknown > 0)
			turn_drop(s, r->out, TP_DROP_INDICATION_UNKNOWN_ATTR);
		else if (m->method == TURN_METHOD_SEND)
			turn_send_indication(r);
		else if (m->method == STUN_METHOD_BINDING)
			turn_drop(s, r->out, TP_DROP_BINDING_INDICATION);
		else
			turn_drop(s, r->out, TP_DROP_UNKNOWN_METHOD_INDICATION);
		break;
	default:
		/* We never send requests, so no response is expected. */
		turn_drop(s, r->out, TP_DROP_UNEXPECTED_CLASS);
		break;
	}
}

static void
out_reset(struct turn_out *out)
{
	memset(out, 0, sizeof(*out));
	out->verdict = TURN_DROP;
}

/*
 * Demultiplex by first byte (RFC 7983): STUN 0..3, ChannelData 64..127
 * (64..79 with the RFC 8656 channel range; up to 127 if the range is
 * configured as in RFC 5766), anything else is not ours. The request
 * context lives on this frame: about 1 KB of stack, nothing allocated.
 */
enum turn_verdict
turn_server_handle_client(struct turn_server *s, const struct stun_5tuple *ft,
			  const uint8_t *pkt, size_t len, uint64_t now, uint8_t *obuf,
			  size_t ocap, struct turn_out *out)
{
	out_reset(out);
	if (len == 0 || pkt == NULL) {
		turn_drop(s, out, TP_DROP_NOT_STUN);
		return out->verdict;
	}
	if (pkt[0] <= 3) {
		struct stun_msg m;
		struct turn_req r = {
			.s = s,
			.ft = ft,
			.m = &m,
			.now = now,
			.obuf = obuf,
			.ocap = ocap,
			.out = out,
			.fingerprint = s->cfg.fingerprint,
		};
		stun_datagram(&r, &m, pkt, len);
		/* The key schedule must not outlive the request; only
		 * requests that reached a credential have one. */
		if (r.keyed)
			explicit_bzero(&r.key, sizeof(r.key));
	} else if ((pkt[0] & 0xC0) == 0x40) {
		turn_channeldata(s, ft, pkt, len, now, out);
	} else {
		turn_drop(s, out, TP_DROP_NOT_STUN);
	}
	return out->verdict;
}

/* ---- expiry ---- */

struct sweep_arg {
	struct turn_server *s;
	uint64_t now;
	unsigned int removed;
	bool all;
};

static bool
sweep_cb(void *arg, struct turn_allocation *a)
{
	struct sweep_arg *sa = arg;

	if (!sa->all && a->expires > sa->now) {
		/* Live: give back overflow blocks it no longer uses. */
		if (a->perm_ovf != 0 || a->chan_ovf != 0)
			turn_ovf_trim(sa->s, a, sa->now, false);
		return false;
	}
	turn_alloc_remove(sa->s, a, sa->all ? TURN_EVENT_DELETED : TURN_EVENT_EXPIRED);
	sa->removed++;
	return true;
}

/*
 * Visit at most @budget allocations from where the last sweep stopped and
 * remove the expired ones, so a large table is covered over several calls
 * at a bounded cost per call; live ones give back overflow blocks whose
 * permissions and channels have all lapsed. Returns the number removed.
 */
unsigned int
turn_server_sweep(struct turn_server *s, uint64_t now, unsigned int budget)
{
	struct sweep_arg sa = { .s = s, .now = now };

	if (budget == 0)
		return 0;
	s->tops->scan(s->table, &s->sweep_cursor, budget, sweep_cb, &sa);
	return sa.removed;
}

/*
 * Remove everything (shutdown, tests). Full passes until one finds
 * nothing, because a table may move entries behind the cursor when one
 * is removed.
 */
void
turn_server_flush(struct turn_server *s)
{
	struct sweep_arg sa = { .s = s, .all = true };
	unsigned int before;

	do {
		uint64_t cursor = 0;

		before = sa.removed;
		do {
			if (s->tops->scan(s->table, &cursor, 1024, sweep_cb, &sa) == 0)
				break;
		} while (cursor != 0);
	} while (sa.removed != before);
}

int
turn_out_flatten(const struct turn_out *o, uint8_t *buf, size_t cap)
{
	size_t n = (size_t)o->hdr_len + o->payload_len + o->pad;

	if (n > cap)
		return -ENOSPC;
	if (o->hdr_len > 0)
		memcpy(buf, o->hdr, o->hdr_len);
	if (o->payload_len > 0)
		memcpy(buf + o->hdr_len, o->payload, o->payload_len);
	memset(buf + o->hdr_len + o->payload_len, 0, o->pad);
	return (int)n;
}

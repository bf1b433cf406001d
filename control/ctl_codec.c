/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control-channel codec: see ctl_codec.h and include/turnpike/ctl_proto.h.
 *
 * Decoding is two steps: a bounds-checked reader copies the body into
 * struct ctl_msg (refusing any length over its array's capacity before
 * copying), then ctl_validate applies the semantic rules (enums, exact
 * key lengths, character sets). The encoder runs the same ctl_validate
 * first, so whatever encodes decodes, and decode(encode(m)) == m.
 */
#include "ctl_codec.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* ---- writer ---- */

struct wr {
	uint8_t *p;
	size_t cap;
	size_t off;
	bool full;
};

static void
put_bytes(struct wr *w, const void *src, size_t n)
{
	if (w->full || n > w->cap - w->off) {
		w->full = true;
		return;
	}
	if (n > 0)
		memcpy(w->p + w->off, src, n);
	w->off += n;
}

static void
put_u8(struct wr *w, uint8_t v)
{
	put_bytes(w, &v, 1);
}

static void
put_u16(struct wr *w, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	put_bytes(w, b, 2);
}

static void
put_u32(struct wr *w, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	put_bytes(w, b, 4);
}

static void
put_u64(struct wr *w, uint64_t v)
{
	put_u32(w, (uint32_t)(v >> 32));
	put_u32(w, (uint32_t)v);
}

static void
put_addr(struct wr *w, const struct stun_addr *a)
{
	put_u8(w, a->family);
	put_u8(w, 0);
	put_u16(w, a->port);
	put_bytes(w, a->ip, 16);
}

/* ---- reader ---- */

struct rd {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool bad;
};

static const uint8_t *
get_bytes(struct rd *r, size_t n)
{
	if (r->bad || n > r->len - r->off) {
		r->bad = true;
		return NULL;
	}
	const uint8_t *q = r->p + r->off;
	r->off += n;
	return q;
}

static void
get_copy(struct rd *r, void *dst, size_t n)
{
	const uint8_t *q = get_bytes(r, n);
	if (q != NULL && n > 0)
		memcpy(dst, q, n);
}

static uint8_t
get_u8(struct rd *r)
{
	const uint8_t *q = get_bytes(r, 1);
	return q != NULL ? q[0] : 0;
}

static uint16_t
get_u16(struct rd *r)
{
	const uint8_t *q = get_bytes(r, 2);
	return q != NULL ? (uint16_t)(q[0] << 8 | q[1]) : 0;
}

static uint32_t
get_u32(struct rd *r)
{
	const uint8_t *q = get_bytes(r, 4);
	return q != NULL ? (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3]
			 : 0;
}

static uint64_t
get_u64(struct rd *r)
{
	uint64_t hi = get_u32(r);
	return hi << 32 | get_u32(r);
}

/* A reserved field: must be zero. */
static void
get_zero(struct rd *r, size_t n)
{
	const uint8_t *q = get_bytes(r, n);
	for (size_t i = 0; q != NULL && i < n; i++)
		if (q[i] != 0)
			r->bad = true;
}

/* Length-prefixed bytes into @dst (capacity @max, plus a NUL if @nul). */
static size_t
get_str(struct rd *r, int prefix, void *dst, size_t max)
{
	size_t n = prefix == 1 ? get_u8(r) : get_u16(r);
	if (n > max) {
		r->bad = true;
		return 0;
	}
	get_copy(r, dst, n);
	return r->bad ? 0 : n;
}

static void
get_addr(struct rd *r, struct stun_addr *a)
{
	a->family = get_u8(r);
	a->pad = get_u8(r);
	a->port = get_u16(r);
	get_copy(r, a->ip, 16);
}

/* ---- validation ---- */

static bool
text_ok(const char *s, size_t len, size_t max)
{
	if (len > max)
		return false;
	return memchr(s, '\0', len) == NULL;
}

static bool
rule_ok(const struct ctl_rule *ru)
{
	if (ru->len == 0 || ru->len > CTL_MAX_RULE)
		return false;
	for (size_t i = 0; i < ru->len; i++)
		if (ru->text[i] < 0x21 || ru->text[i] > 0x7e)
			return false;
	return true;
}

static bool
counter_name_ok(const struct ctl_counter *c)
{
	if (c->name_len == 0 || c->name_len > CTL_MAX_COUNTER_NAME)
		return false;
	for (size_t i = 0; i < c->name_len; i++) {
		char ch = c->name[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '.'))
			return false;
	}
	return true;
}

static bool
addr_ok(const struct stun_addr *a)
{
	if (a->pad != 0)
		return false;
	if (a->family == STUN_FAMILY_IPV6)
		return true;
	if (a->family != STUN_FAMILY_IPV4)
		return false;
	for (int i = 4; i < 16; i++)
		if (a->ip[i] != 0)
			return false;
	return true;
}

static bool
pwalg_ok(uint8_t alg)
{
	return alg == CTL_PWALG_MD5 || alg == CTL_PWALG_SHA256;
}

int
ctl_validate(const struct ctl_msg *m)
{
	switch (m->type) {
	case CTL_T_HELLO: {
		const struct ctl_hello *h = &m->u.hello;
		/* version: what the sender speaks, any non-zero value (the header
		 * version is the one that must match). */
		if (h->version == 0 || (h->role != CTL_ROLE_DATAPLANE && h->role != CTL_ROLE_CONTROL))
			return -EINVAL;
		return 0;
	}
	case CTL_T_CRED_LOOKUP: {
		const struct ctl_cred_lookup *l = &m->u.lookup;
		if (!pwalg_ok(l->algorithm) || !text_ok(l->realm, l->realm_len, CTL_MAX_REALM))
			return -EINVAL;
		if (l->by == CTL_LOOKUP_BY_NAME)
			return l->user_len > 0 && text_ok(l->user, l->user_len, CTL_MAX_USER) ? 0
											  : -EINVAL;
		if (l->by == CTL_LOOKUP_BY_USERHASH)
			return l->user_len == 0 ? 0 : -EINVAL;
		return -EINVAL;
	}
	case CTL_T_CRED_ANSWER: {
		const struct ctl_cred_answer *a = &m->u.answer;
		if (!pwalg_ok(a->algorithm) || !text_ok(a->user, a->user_len, CTL_MAX_USER))
			return -EINVAL;
		if (a->status == CTL_CRED_FOUND) {
			size_t want = a->algorithm == CTL_PWALG_MD5 ? 16 : 32;
			return a->key_len == want ? 0 : -EINVAL;
		}
		if (a->status == CTL_CRED_NOT_FOUND || a->status == CTL_CRED_ERROR)
			return a->key_len == 0 && a->user_len == 0 ? 0 : -EINVAL;
		return -EINVAL;
	}
	case CTL_T_REST_SECRETS: {
		const struct ctl_rest_secrets *s = &m->u.secrets;
		if (s->count > CTL_MAX_SECRETS)
			return -EINVAL;
		for (unsigned int i = 0; i < s->count; i++)
			if (s->secret[i].len == 0 || s->secret[i].len > CTL_MAX_SECRET)
				return -EINVAL;
		return 0;
	}
	case CTL_T_PEER_RULES: {
		const struct ctl_peer_rules *p = &m->u.rules;
		if ((p->flags & ~CTL_PEER_DEFAULT_DENY) != 0 ||
		    (unsigned int)p->n_allow + p->n_deny > CTL_MAX_RULES)
			return -EINVAL;
		for (unsigned int i = 0; i < (unsigned int)p->n_allow + p->n_deny; i++)
			if (!rule_ok(&p->rule[i]))
				return -EINVAL;
		return 0;
	}
	case CTL_T_QUOTAS:
		return 0;
	case CTL_T_ALLOC_EVENT: {
		const struct ctl_alloc_event *e = &m->u.alloc;
		if (e->kind < CTL_ALLOC_CREATED || e->kind > CTL_ALLOC_EXPIRED ||
		    e->ft.proto != TURN_TRANSPORT_UDP || !addr_ok(&e->ft.client) ||
		    !addr_ok(&e->ft.server) || !addr_ok(&e->relay) ||
		    !text_ok(e->user, e->user_len, CTL_MAX_USER))
			return -EINVAL;
		return 0;
	}
	case CTL_T_COUNTERS_SNAPSHOT: {
		const struct ctl_counters *c = &m->u.counters;
		if (c->count > CTL_MAX_COUNTERS)
			return -EINVAL;
		for (unsigned int i = 0; i < c->count; i++)
			if (!counter_name_ok(&c->c[i]))
				return -EINVAL;
		return 0;
	}
	case CTL_T_COUNTERS_REQUEST:
	case CTL_T_DRAIN:
	case CTL_T_RELOAD:
	case CTL_T_ACK:
		return 0;
	case CTL_T_ERROR: {
		const struct ctl_error *e = &m->u.error;
		if (e->code == 0 || !text_ok(e->text, e->text_len, CTL_MAX_ERROR_TEXT))
			return -EINVAL;
		return 0;
	}
	default:
		return -EINVAL;
	}
}

/* ---- encode ---- */

static void
encode_body(const struct ctl_msg *m, struct wr *w)
{
	switch (m->type) {
	case CTL_T_HELLO:
		put_u16(w, m->u.hello.version);
		put_u8(w, m->u.hello.role);
		put_u8(w, 0);
		put_u64(w, m->u.hello.instance_id);
		break;
	case CTL_T_CRED_LOOKUP: {
		const struct ctl_cred_lookup *l = &m->u.lookup;
		put_u8(w, l->by);
		put_u8(w, l->algorithm);
		put_u16(w, l->realm_len);
		put_bytes(w, l->realm, l->realm_len);
		if (l->by == CTL_LOOKUP_BY_NAME) {
			put_u16(w, l->user_len);
			put_bytes(w, l->user, l->user_len);
		} else {
			put_bytes(w, l->userhash, CTL_USERHASH_LEN);
		}
		break;
	}
	case CTL_T_CRED_ANSWER: {
		const struct ctl_cred_answer *a = &m->u.answer;
		put_u8(w, a->status);
		put_u8(w, a->algorithm);
		put_u8(w, a->key_len);
		put_u8(w, 0);
		put_u32(w, a->ttl);
		put_bytes(w, a->key, a->key_len);
		put_u16(w, a->user_len);
		put_bytes(w, a->user, a->user_len);
		break;
	}
	case CTL_T_REST_SECRETS: {
		const struct ctl_rest_secrets *s = &m->u.secrets;
		put_u8(w, s->count);
		put_u8(w, 0);
		for (unsigned int i = 0; i < s->count; i++) {
			put_u16(w, s->secret[i].len);
			put_bytes(w, s->secret[i].data, s->secret[i].len);
		}
		break;
	}
	case CTL_T_PEER_RULES: {
		const struct ctl_peer_rules *p = &m->u.rules;
		put_u8(w, p->flags);
		put_u8(w, p->n_allow);
		put_u8(w, p->n_deny);
		put_u8(w, 0);
		for (unsigned int i = 0; i < (unsigned int)p->n_allow + p->n_deny; i++) {
			put_u8(w, p->rule[i].len);
			put_bytes(w, p->rule[i].text, p->rule[i].len);
		}
		break;
	}
	case CTL_T_QUOTAS:
		put_u32(w, m->u.quotas.user_quota);
		put_u32(w, m->u.quotas.total_quota);
		put_u64(w, m->u.quotas.max_bps);
		break;
	case CTL_T_ALLOC_EVENT: {
		const struct ctl_alloc_event *e = &m->u.alloc;
		put_u8(w, e->kind);
		put_u8(w, e->ft.proto);
		put_u16(w, 0);
		put_u32(w, e->lifetime);
		put_u64(w, e->alloc_id);
		put_addr(w, &e->ft.client);
		put_addr(w, &e->ft.server);
		put_addr(w, &e->relay);
		put_u64(w, e->c2p_packets);
		put_u64(w, e->c2p_bytes);
		put_u64(w, e->p2c_packets);
		put_u64(w, e->p2c_bytes);
		put_u16(w, e->user_len);
		put_bytes(w, e->user, e->user_len);
		break;
	}
	case CTL_T_COUNTERS_SNAPSHOT: {
		const struct ctl_counters *c = &m->u.counters;
		put_u16(w, c->count);
		put_u16(w, 0);
		for (unsigned int i = 0; i < c->count; i++) {
			put_u8(w, c->c[i].name_len);
			put_bytes(w, c->c[i].name, c->c[i].name_len);
			put_u64(w, c->c[i].value);
		}
		break;
	}
	case CTL_T_ERROR:
		put_u8(w, m->u.error.req_type);
		put_u8(w, 0);
		put_u16(w, m->u.error.code);
		put_u8(w, m->u.error.text_len);
		put_bytes(w, m->u.error.text, m->u.error.text_len);
		break;
	default: /* COUNTERS_REQUEST, DRAIN, RELOAD, ACK: empty */
		break;
	}
}

int
ctl_encode(const struct ctl_msg *m, uint8_t *buf, size_t cap)
{
	if (ctl_validate(m) != 0)
		return -EINVAL;
	struct wr w = {.p = buf, .cap = cap};
	put_u32(&w, CTL_MAGIC);
	put_u8(&w, CTL_VERSION);
	put_u8(&w, m->type);
	put_u16(&w, m->flags);
	put_u32(&w, 0); /* length, patched below */
	put_u32(&w, m->request_id);
	encode_body(m, &w);
	if (w.full)
		return -ENOSPC;
	size_t body = w.off - CTL_HEADER_LEN;
	if (body > CTL_MAX_BODY) /* cannot happen with the limits; keep the frame readable */
		return -EINVAL;
	buf[8] = (uint8_t)(body >> 24);
	buf[9] = (uint8_t)(body >> 16);
	buf[10] = (uint8_t)(body >> 8);
	buf[11] = (uint8_t)body;
	return (int)w.off;
}

/* ---- decode ---- */

static void
decode_body(struct ctl_msg *m, struct rd *r)
{
	switch (m->type) {
	case CTL_T_HELLO:
		m->u.hello.version = get_u16(r);
		m->u.hello.role = get_u8(r);
		get_zero(r, 1);
		m->u.hello.instance_id = get_u64(r);
		break;
	case CTL_T_CRED_LOOKUP: {
		struct ctl_cred_lookup *l = &m->u.lookup;
		l->by = get_u8(r);
		l->algorithm = get_u8(r);
		l->realm_len = (uint16_t)get_str(r, 2, l->realm, CTL_MAX_REALM);
		if (l->by == CTL_LOOKUP_BY_NAME)
			l->user_len = (uint16_t)get_str(r, 2, l->user, CTL_MAX_USER);
		else if (l->by == CTL_LOOKUP_BY_USERHASH)
			get_copy(r, l->userhash, CTL_USERHASH_LEN);
		else
			r->bad = true;
		break;
	}
	case CTL_T_CRED_ANSWER: {
		struct ctl_cred_answer *a = &m->u.answer;
		a->status = get_u8(r);
		a->algorithm = get_u8(r);
		a->key_len = get_u8(r);
		get_zero(r, 1);
		a->ttl = get_u32(r);
		if (a->key_len > CTL_MAX_KEY) {
			r->bad = true;
			break;
		}
		get_copy(r, a->key, a->key_len);
		a->user_len = (uint16_t)get_str(r, 2, a->user, CTL_MAX_USER);
		break;
	}
	case CTL_T_REST_SECRETS: {
		struct ctl_rest_secrets *s = &m->u.secrets;
		s->count = get_u8(r);
		get_zero(r, 1);
		if (s->count > CTL_MAX_SECRETS) {
			r->bad = true;
			break;
		}
		for (unsigned int i = 0; i < s->count && !r->bad; i++)
			s->secret[i].len = (uint16_t)get_str(r, 2, s->secret[i].data, CTL_MAX_SECRET);
		break;
	}
	case CTL_T_PEER_RULES: {
		struct ctl_peer_rules *p = &m->u.rules;
		p->flags = get_u8(r);
		p->n_allow = get_u8(r);
		p->n_deny = get_u8(r);
		get_zero(r, 1);
		unsigned int n = (unsigned int)p->n_allow + p->n_deny;
		if (n > CTL_MAX_RULES) {
			r->bad = true;
			break;
		}
		for (unsigned int i = 0; i < n && !r->bad; i++)
			p->rule[i].len = (uint8_t)get_str(r, 1, p->rule[i].text, CTL_MAX_RULE);
		break;
	}
	case CTL_T_QUOTAS:
		m->u.quotas.user_quota = get_u32(r);
		m->u.quotas.total_quota = get_u32(r);
		m->u.quotas.max_bps = get_u64(r);
		break;
	case CTL_T_ALLOC_EVENT: {
		struct ctl_alloc_event *e = &m->u.alloc;
		e->kind = get_u8(r);
		e->ft.proto = get_u8(r);
		get_zero(r, 2);
		e->lifetime = get_u32(r);
		e->alloc_id = get_u64(r);
		get_addr(r, &e->ft.client);
		get_addr(r, &e->ft.server);
		get_addr(r, &e->relay);
		e->c2p_packets = get_u64(r);
		e->c2p_bytes = get_u64(r);
		e->p2c_packets = get_u64(r);
		e->p2c_bytes = get_u64(r);
		e->user_len = (uint16_t)get_str(r, 2, e->user, CTL_MAX_USER);
		break;
	}
	case CTL_T_COUNTERS_SNAPSHOT: {
		struct ctl_counters *c = &m->u.counters;
		c->count = get_u16(r);
		get_zero(r, 2);
		if (c->count > CTL_MAX_COUNTERS) {
			r->bad = true;
			break;
		}
		for (unsigned int i = 0; i < c->count && !r->bad; i++) {
			c->c[i].name_len =
				(uint8_t)get_str(r, 1, c->c[i].name, CTL_MAX_COUNTER_NAME);
			c->c[i].value = get_u64(r);
		}
		break;
	}
	case CTL_T_ERROR:
		m->u.error.req_type = get_u8(r);
		get_zero(r, 1);
		m->u.error.code = get_u16(r);
		m->u.error.text_len = (uint8_t)get_str(r, 1, m->u.error.text, CTL_MAX_ERROR_TEXT);
		break;
	default: /* COUNTERS_REQUEST, DRAIN, RELOAD, ACK: empty */
		break;
	}
}

static const uint8_t magic_bytes[4] = {
	(uint8_t)(CTL_MAGIC >> 24), (uint8_t)(CTL_MAGIC >> 16), (uint8_t)(CTL_MAGIC >> 8),
	(uint8_t)CTL_MAGIC};

int
ctl_decode(const uint8_t *buf, size_t len, struct ctl_msg *out)
{
	memset(out, 0, sizeof(*out));
	if (len == 0)
		return 0;
	/* Fail fast on what is there, even before the header is complete. */
	if (memcmp(buf, magic_bytes, len < 4 ? len : 4) != 0)
		return -EPROTO;
	if (len > 4 && buf[4] != CTL_VERSION)
		return -EPROTO;
	if (len < CTL_HEADER_LEN)
		return 0;

	uint32_t body = (uint32_t)buf[8] << 24 | (uint32_t)buf[9] << 16 | (uint32_t)buf[10] << 8 |
			buf[11];
	if (body > CTL_MAX_BODY)
		return -EMSGSIZE;
	out->type = buf[5];
	out->flags = (uint16_t)(buf[6] << 8 | buf[7]);
	out->request_id = (uint32_t)buf[12] << 24 | (uint32_t)buf[13] << 16 |
			  (uint32_t)buf[14] << 8 | buf[15];
	out->frame_len = CTL_HEADER_LEN + body;
	if (len < out->frame_len)
		return 0;
	if (out->type == 0 || out->type > CTL_T_MAX)
		return -ENOTSUP;

	struct rd r = {.p = buf + CTL_HEADER_LEN, .len = body};
	decode_body(out, &r);
	if (r.bad || r.off != r.len || ctl_validate(out) != 0)
		return -EBADMSG;
	return (int)out->frame_len;
}

/* ---- helpers ---- */

void
ctl_msg_init(struct ctl_msg *m, uint8_t type, uint32_t request_id)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->request_id = request_id;
	if (type == CTL_T_HELLO)
		m->u.hello.version = CTL_VERSION;
	if (type == CTL_T_ALLOC_EVENT)
		m->u.alloc.ft.proto = TURN_TRANSPORT_UDP;
}

int
ctl_set_str(char *dst, size_t max, const char *src)
{
	size_t n = strlen(src);
	if (n > max)
		return -EINVAL;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return (int)n;
}

const char *
ctl_type_name(unsigned int type)
{
	static const char *const names[] = {
		[CTL_T_HELLO] = "HELLO",
		[CTL_T_CRED_LOOKUP] = "CRED_LOOKUP",
		[CTL_T_CRED_ANSWER] = "CRED_ANSWER",
		[CTL_T_REST_SECRETS] = "REST_SECRETS",
		[CTL_T_PEER_RULES] = "PEER_RULES",
		[CTL_T_QUOTAS] = "QUOTAS",
		[CTL_T_ALLOC_EVENT] = "ALLOC_EVENT",
		[CTL_T_COUNTERS_REQUEST] = "COUNTERS_REQUEST",
		[CTL_T_COUNTERS_SNAPSHOT] = "COUNTERS_SNAPSHOT",
		[CTL_T_DRAIN] = "DRAIN",
		[CTL_T_RELOAD] = "RELOAD",
		[CTL_T_ACK] = "ACK",
		[CTL_T_ERROR] = "ERROR",
	};
	if (type < sizeof(names) / sizeof(names[0]) && names[type] != NULL)
		return names[type];
	return "UNKNOWN";
}

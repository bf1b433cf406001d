/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control-channel codec: every type round-trips, HELLO and
 * CRED_ANSWER are pinned to hand-written bytes, every prefix of a frame
 * asks for more, and each kind of malformed frame gets its own error.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl_codec.h"

static const uint8_t all_types[] = {
	CTL_T_HELLO,	     CTL_T_CRED_LOOKUP,	      CTL_T_CRED_ANSWER, CTL_T_REST_SECRETS,
	CTL_T_PEER_RULES,    CTL_T_QUOTAS,	      CTL_T_ALLOC_EVENT, CTL_T_COUNTERS_REQUEST,
	CTL_T_COUNTERS_SNAPSHOT, CTL_T_DRAIN,	      CTL_T_RELOAD,	 CTL_T_ACK,
	CTL_T_ERROR,
};
#define N_TYPES (sizeof(all_types) / sizeof(all_types[0]))

/* A populated, valid message of @type (@variant picks among shapes). */
static void
make_msg(struct ctl_msg *m, uint8_t type, int variant)
{
	ctl_msg_init(m, type, 0x10000000u + type);
	switch (type) {
	case CTL_T_HELLO:
		m->u.hello.role = variant ? CTL_ROLE_CONTROL : CTL_ROLE_DATAPLANE;
		m->u.hello.instance_id = 0xfedcba9876543210ull;
		break;
	case CTL_T_CRED_LOOKUP: {
		struct ctl_cred_lookup *l = &m->u.lookup;
		l->algorithm = CTL_PWALG_SHA256;
		l->realm_len = (uint16_t)ctl_set_str(l->realm, CTL_MAX_REALM, "example.org");
		if (variant) {
			l->by = CTL_LOOKUP_BY_USERHASH;
			for (int i = 0; i < CTL_USERHASH_LEN; i++)
				l->userhash[i] = (uint8_t)(0xa0 + i);
		} else {
			l->by = CTL_LOOKUP_BY_NAME;
			memset(l->user, 'u', CTL_MAX_USER); /* the maximum */
			l->user_len = CTL_MAX_USER;
		}
		break;
	}
	case CTL_T_CRED_ANSWER: {
		struct ctl_cred_answer *a = &m->u.answer;
		a->algorithm = CTL_PWALG_SHA256;
		a->ttl = 60;
		if (variant) {
			a->status = CTL_CRED_NOT_FOUND;
		} else {
			a->status = CTL_CRED_FOUND;
			a->key_len = 32;
			for (int i = 0; i < 32; i++)
				a->key[i] = (uint8_t)(i * 7);
			a->user_len = (uint16_t)ctl_set_str(a->user, CTL_MAX_USER, "alice");
		}
		break;
	}
	case CTL_T_REST_SECRETS: {
		struct ctl_rest_secrets *s = &m->u.secrets;
		s->count = variant ? 0 : CTL_MAX_SECRETS;
		for (unsigned int i = 0; i < s->count; i++) {
			s->secret[i].len = (uint16_t)(i == 0 ? CTL_MAX_SECRET : 1 + i);
			for (unsigned int j = 0; j < s->secret[i].len; j++)
				s->secret[i].data[j] = (uint8_t)(i + j); /* binary, NULs included */
		}
		break;
	}
	case CTL_T_PEER_RULES: {
		struct ctl_peer_rules *p = &m->u.rules;
		p->flags = CTL_PEER_DEFAULT_DENY;
		p->n_allow = variant ? 0 : 2;
		p->n_deny = variant ? CTL_MAX_RULES : 1;
		for (unsigned int i = 0; i < (unsigned int)p->n_allow + p->n_deny; i++) {
			char t[32];
			snprintf(t, sizeof(t), "10.%u.0.0/16", i);
			p->rule[i].len = (uint8_t)ctl_set_str(p->rule[i].text, CTL_MAX_RULE, t);
		}
		if (!variant) {
			memset(p->rule[2].text, 'x', CTL_MAX_RULE);
			p->rule[2].len = CTL_MAX_RULE;
		}
		break;
	}
	case CTL_T_QUOTAS:
		m->u.quotas.user_quota = 10;
		m->u.quotas.total_quota = 1000000;
		m->u.quotas.max_bps = variant ? 0 : 50000000ull;
		break;
	case CTL_T_ALLOC_EVENT: {
		struct ctl_alloc_event *e = &m->u.alloc;
		e->kind = variant ? CTL_ALLOC_EXPIRED : CTL_ALLOC_CREATED;
		e->lifetime = variant ? 0 : 600;
		e->alloc_id = 0x0123456789abcdefull;
		assert_int_equal(stun_addr_from_string(&e->ft.client, "192.0.2.10:50000", 0), 0);
		assert_int_equal(stun_addr_from_string(&e->ft.server, "198.18.0.1:3478", 0), 0);
		assert_int_equal(stun_addr_from_string(&e->relay, "[2001:db8::1]:49152", 0), 0);
		e->c2p_packets = 1;
		e->c2p_bytes = 1200;
		e->p2c_packets = UINT64_MAX;
		e->p2c_bytes = 0x8000000000000000ull;
		e->user_len = (uint16_t)ctl_set_str(e->user, CTL_MAX_USER, "1700000000:alice");
		break;
	}
	case CTL_T_COUNTERS_SNAPSHOT: {
		struct ctl_counters *c = &m->u.counters;
		c->count = variant ? CTL_MAX_COUNTERS : 3;
		for (unsigned int i = 0; i < c->count; i++) {
			char t[32];
			snprintf(t, sizeof(t), "drop.reason_%u", i);
			c->c[i].name_len = (uint8_t)ctl_set_str(c->c[i].name, CTL_MAX_COUNTER_NAME, t);
			c->c[i].value = (uint64_t)i * 0x0101010101ull;
		}
		break;
	}
	case CTL_T_ERROR:
		m->u.error.req_type = 200;
		m->u.error.code = CTL_ERR_UNKNOWN_TYPE;
		m->u.error.text_len =
			(uint8_t)ctl_set_str(m->u.error.text, CTL_MAX_ERROR_TEXT, "unknown type 200");
		break;
	default:
		break;
	}
	m->flags = variant ? 0x8000 : 0; /* unknown flags are carried */
}

/* Decode from an exact-size heap copy so ASan catches any overread. */
static int
decode_exact(const uint8_t *buf, size_t len, struct ctl_msg *out)
{
	uint8_t *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, buf, len);
	int r = ctl_decode(len ? copy : NULL, len, out);
	free(copy);
	return r;
}

static uint8_t frame[CTL_MAX_FRAME];
static struct ctl_msg m1, m2;

static void
test_roundtrip_all_types(void **state)
{
	(void)state;
	for (int variant = 0; variant < 2; variant++)
		for (size_t i = 0; i < N_TYPES; i++) {
			make_msg(&m1, all_types[i], variant);
			int n = ctl_encode(&m1, frame, sizeof(frame));
			assert_true(n >= CTL_HEADER_LEN);
			assert_int_equal(decode_exact(frame, (size_t)n, &m2), n);
			assert_int_equal(m2.frame_len, n);
			m1.frame_len = (uint32_t)n; /* the only field encode does not set */
			assert_int_equal(m2.type, all_types[i]);
			assert_int_equal(m2.request_id, 0x10000000u + all_types[i]);
			assert_memory_equal(&m1, &m2, sizeof(m1));
		}
}

static void
test_roundtrip_fields(void **state)
{
	(void)state;
	make_msg(&m1, CTL_T_ALLOC_EVENT, 0);
	int n = ctl_encode(&m1, frame, sizeof(frame));
	assert_int_equal(n, CTL_HEADER_LEN + 110 + 16);
	assert_int_equal(ctl_decode(frame, (size_t)n, &m2), n);
	assert_int_equal(m2.u.alloc.kind, CTL_ALLOC_CREATED);
	assert_int_equal(m2.u.alloc.lifetime, 600);
	assert_true(m2.u.alloc.alloc_id == 0x0123456789abcdefull);
	assert_true(stun_5tuple_equal(&m1.u.alloc.ft, &m2.u.alloc.ft));
	assert_true(stun_addr_equal(&m1.u.alloc.relay, &m2.u.alloc.relay));
	assert_int_equal(m2.u.alloc.relay.port, 49152);
	assert_true(m2.u.alloc.p2c_packets == UINT64_MAX);
	assert_string_equal(m2.u.alloc.user, "1700000000:alice");

	make_msg(&m1, CTL_T_CRED_LOOKUP, 1);
	n = ctl_encode(&m1, frame, sizeof(frame));
	assert_int_equal(ctl_decode(frame, (size_t)n, &m2), n);
	assert_int_equal(m2.u.lookup.by, CTL_LOOKUP_BY_USERHASH);
	assert_string_equal(m2.u.lookup.realm, "example.org");
	assert_memory_equal(m2.u.lookup.userhash, m1.u.lookup.userhash, CTL_USERHASH_LEN);
	assert_int_equal(m2.flags, 0x8000);
}

static const uint8_t hello_vec[] = {
	0x54, 0x50, 0x43, 0x43, /* magic "TPCC" */
	0x01,			/* version */
	0x01,			/* type HELLO */
	0x00, 0x00,		/* flags */
	0x00, 0x00, 0x00, 0x0c, /* length 12 */
	0x01, 0x02, 0x03, 0x04, /* request id */
	0x00, 0x01,		/* version 1 */
	0x01,			/* role dataplane */
	0x00,			/* reserved */
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, /* instance id */
};

static const uint8_t answer_vec[] = {
	0x54, 0x50, 0x43, 0x43, 0x01, 0x03, 0x00, 0x00, /* magic, v1, CRED_ANSWER, flags */
	0x00, 0x00, 0x00, 0x1d,				/* length 29 */
	0x00, 0x00, 0x00, 0x07,				/* request id 7 */
	0x00,						/* found */
	0x01,						/* MD5 */
	0x10,						/* key length 16 */
	0x00,						/* reserved */
	0x00, 0x00, 0x00, 0x3c,				/* ttl 60 */
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, /* key */
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, /* */
	0x00, 0x03, 'b',  'o',	'b',			/* user "bob" */
};

static void
test_pinned_bytes(void **state)
{
	(void)state;
	ctl_msg_init(&m1, CTL_T_HELLO, 0x01020304);
	m1.u.hello.role = CTL_ROLE_DATAPLANE;
	m1.u.hello.instance_id = 0x1122334455667788ull;
	int n = ctl_encode(&m1, frame, sizeof(frame));
	assert_int_equal(n, sizeof(hello_vec));
	assert_memory_equal(frame, hello_vec, sizeof(hello_vec));
	assert_int_equal(decode_exact(hello_vec, sizeof(hello_vec), &m2), sizeof(hello_vec));
	assert_int_equal(m2.u.hello.version, 1);
	assert_int_equal(m2.u.hello.role, CTL_ROLE_DATAPLANE);
	assert_true(m2.u.hello.instance_id == 0x1122334455667788ull);

	ctl_msg_init(&m1, CTL_T_CRED_ANSWER, 7);
	m1.u.answer.status = CTL_CRED_FOUND;
	m1.u.answer.algorithm = CTL_PWALG_MD5;
	m1.u.answer.ttl = 60;
	m1.u.answer.key_len = 16;
	for (int i = 0; i < 16; i++)
		m1.u.answer.key[i] = (uint8_t)i;
	m1.u.answer.user_len = (uint16_t)ctl_set_str(m1.u.answer.user, CTL_MAX_USER, "bob");
	n = ctl_encode(&m1, frame, sizeof(frame));
	assert_int_equal(n, sizeof(answer_vec));
	assert_memory_equal(frame, answer_vec, sizeof(answer_vec));
	assert_int_equal(decode_exact(answer_vec, sizeof(answer_vec), &m2), sizeof(answer_vec));
	assert_int_equal(m2.request_id, 7);
	assert_int_equal(m2.u.answer.ttl, 60);
	assert_string_equal(m2.u.answer.user, "bob");
}

static void
test_every_prefix_incomplete(void **state)
{
	(void)state;
	for (int variant = 0; variant < 2; variant++)
		for (size_t i = 0; i < N_TYPES; i++) {
			make_msg(&m1, all_types[i], variant);
			int n = ctl_encode(&m1, frame, sizeof(frame));
			assert_true(n > 0);
			for (int k = 0; k < n; k++)
				assert_int_equal(decode_exact(frame, (size_t)k, &m2), 0);
		}
}

static void
test_encode_errors(void **state)
{
	(void)state;
	make_msg(&m1, CTL_T_PEER_RULES, 0);
	int n = ctl_encode(&m1, frame, sizeof(frame));
	assert_true(n > 0);
	for (int cap = 0; cap < n; cap++)
		assert_int_equal(ctl_encode(&m1, frame, (size_t)cap), -ENOSPC);

	make_msg(&m1, CTL_T_HELLO, 0);
	m1.u.hello.role = 9;
	assert_int_equal(ctl_encode(&m1, frame, sizeof(frame)), -EINVAL);
	make_msg(&m1, CTL_T_CRED_ANSWER, 0);
	m1.u.answer.key_len = 16; /* SHA-256 needs 32 */
	assert_int_equal(ctl_encode(&m1, frame, sizeof(frame)), -EINVAL);
	make_msg(&m1, CTL_T_CRED_LOOKUP, 0);
	m1.u.lookup.user_len = CTL_MAX_USER + 1;
	assert_int_equal(ctl_encode(&m1, frame, sizeof(frame)), -EINVAL);
	ctl_msg_init(&m1, 99, 0);
	assert_int_equal(ctl_encode(&m1, frame, sizeof(frame)), -EINVAL);
	char s[8];
	assert_int_equal(ctl_set_str(s, 7, "12345678"), -EINVAL);
	assert_int_equal(ctl_set_str(s, 7, "1234567"), 7);
}

/* A frame from a hand-written body. */
static size_t
mkframe(uint8_t *out, uint8_t type, const uint8_t *body, size_t blen)
{
	const uint8_t h[CTL_HEADER_LEN] = {
		0x54, 0x50, 0x43, 0x43, 1, type, 0, 0, (uint8_t)(blen >> 24), (uint8_t)(blen >> 16),
		(uint8_t)(blen >> 8), (uint8_t)blen, 0, 0, 0, 9};
	memcpy(out, h, sizeof(h));
	memcpy(out + CTL_HEADER_LEN, body, blen);
	return CTL_HEADER_LEN + blen;
}

static void
test_bad_header(void **state)
{
	(void)state;
	uint8_t b[sizeof(hello_vec)];

	memcpy(b, hello_vec, sizeof(b));
	b[3] = 'D';
	assert_int_equal(decode_exact(b, sizeof(b), &m2), -EPROTO);
	assert_int_equal(decode_exact(b, 4, &m2), -EPROTO);
	b[3] = 'C';
	b[0] = 0;
	assert_int_equal(decode_exact(b, 1, &m2), -EPROTO); /* as soon as visible */

	memcpy(b, hello_vec, sizeof(b));
	b[4] = 2;
	assert_int_equal(decode_exact(b, sizeof(b), &m2), -EPROTO);
	assert_int_equal(decode_exact(b, 5, &m2), -EPROTO);
	b[4] = 0;
	assert_int_equal(decode_exact(b, sizeof(b), &m2), -EPROTO);

	/* Oversize length: reported with just the header. */
	memcpy(b, hello_vec, sizeof(b));
	uint32_t big = CTL_MAX_BODY + 1;
	b[8] = (uint8_t)(big >> 24);
	b[9] = (uint8_t)(big >> 16);
	b[10] = (uint8_t)(big >> 8);
	b[11] = (uint8_t)big;
	assert_int_equal(decode_exact(b, CTL_HEADER_LEN, &m2), -EMSGSIZE);
	b[8] = 0xff;
	assert_int_equal(decode_exact(b, sizeof(b), &m2), -EMSGSIZE);

	/* The maximum is accepted as a length (and waits for the body). */
	big = CTL_MAX_BODY;
	b[8] = 0;
	b[9] = (uint8_t)(big >> 16);
	b[10] = (uint8_t)(big >> 8);
	b[11] = (uint8_t)big;
	assert_int_equal(decode_exact(b, sizeof(b), &m2), 0);
}

static void
expect_badmsg(uint8_t type, const uint8_t *body, size_t blen)
{
	size_t n = mkframe(frame, type, body, blen);
	assert_int_equal(decode_exact(frame, n, &m2), -EBADMSG);
	assert_int_equal(m2.frame_len, n); /* skippable */
}

static void
test_bad_bodies(void **state)
{
	(void)state;
	static uint8_t body[2048];
	const uint8_t *hb = hello_vec + CTL_HEADER_LEN; /* valid HELLO body, 12 bytes */

	/* Truncated and trailing bytes inside the body. */
	expect_badmsg(CTL_T_HELLO, hb, 11);
	expect_badmsg(CTL_T_HELLO, hb, 0);
	memcpy(body, hb, 12);
	body[12] = 0;
	expect_badmsg(CTL_T_HELLO, body, 13);
	const uint8_t *ab = answer_vec + CTL_HEADER_LEN; /* 29 bytes */
	for (size_t k = 0; k < 29; k++)
		expect_badmsg(CTL_T_CRED_ANSWER, ab, k);
	memcpy(body, ab, 29);
	body[29] = 'x';
	expect_badmsg(CTL_T_CRED_ANSWER, body, 30);
	expect_badmsg(CTL_T_DRAIN, body, 1);
	expect_badmsg(CTL_T_ACK, body, 4);

	/* Bad enums and reserved fields. */
	memcpy(body, hb, 12);
	body[2] = 3; /* role */
	expect_badmsg(CTL_T_HELLO, body, 12);
	body[2] = 0;
	expect_badmsg(CTL_T_HELLO, body, 12);
	body[2] = 1;
	body[3] = 1; /* reserved */
	expect_badmsg(CTL_T_HELLO, body, 12);
	body[3] = 0;
	body[0] = body[1] = 0; /* version 0 */
	expect_badmsg(CTL_T_HELLO, body, 12);

	memcpy(body, ab, 29);
	body[0] = 3; /* status */
	expect_badmsg(CTL_T_CRED_ANSWER, body, 29);
	body[0] = 0;
	body[1] = 3; /* algorithm */
	expect_badmsg(CTL_T_CRED_ANSWER, body, 29);
	body[1] = 2; /* SHA-256 with a 16-byte key */
	expect_badmsg(CTL_T_CRED_ANSWER, body, 29);
	body[1] = 1;
	body[0] = 1; /* not found with a key */
	expect_badmsg(CTL_T_CRED_ANSWER, body, 29);
	body[0] = 0;
	body[2] = 33; /* key over the maximum */
	expect_badmsg(CTL_T_CRED_ANSWER, body, 29);

	/* Peer rules: flags bit 1, a rule with a space, a 96-byte rule, 65 rules. */
	const uint8_t pr[] = {0x02, 1, 0, 0, 3, 'a', 'b', 'c'};
	expect_badmsg(CTL_T_PEER_RULES, pr, sizeof(pr));
	const uint8_t pr2[] = {0x01, 1, 0, 0, 3, 'a', ' ', 'c'};
	expect_badmsg(CTL_T_PEER_RULES, pr2, sizeof(pr2));
	const uint8_t pr_ok[] = {0x01, 1, 0, 0, 3, 'a', 'b', 'c'};
	size_t n = mkframe(frame, CTL_T_PEER_RULES, pr_ok, sizeof(pr_ok));
	assert_int_equal(decode_exact(frame, n, &m2), (int)n);
	memset(body, 0, sizeof(body));
	body[1] = 1;
	body[4] = CTL_MAX_RULE + 1;
	memset(body + 5, 'r', CTL_MAX_RULE + 1);
	expect_badmsg(CTL_T_PEER_RULES, body, 5 + CTL_MAX_RULE + 1);
	body[1] = 33;
	body[2] = 32; /* 65 rules */
	expect_badmsg(CTL_T_PEER_RULES, body, 4);

	/* Over-long strings: a 509-byte user, a 256-byte realm. */
	memset(body, 0, sizeof(body));
	body[0] = CTL_LOOKUP_BY_NAME;
	body[1] = CTL_PWALG_MD5;
	body[4] = (CTL_MAX_USER + 1) >> 8;
	body[5] = (CTL_MAX_USER + 1) & 0xff;
	memset(body + 6, 'u', CTL_MAX_USER + 1);
	expect_badmsg(CTL_T_CRED_LOOKUP, body, 6 + CTL_MAX_USER + 1);
	body[5] = CTL_MAX_USER & 0xff; /* 508: fine */
	n = mkframe(frame, CTL_T_CRED_LOOKUP, body, 6 + CTL_MAX_USER);
	assert_int_equal(decode_exact(frame, n, &m2), (int)n);
	assert_int_equal(m2.u.lookup.user_len, CTL_MAX_USER);
	body[6 + 10] = 0; /* a NUL inside the name */
	expect_badmsg(CTL_T_CRED_LOOKUP, body, 6 + CTL_MAX_USER);
	memset(body, 0, sizeof(body));
	body[1] = CTL_PWALG_MD5;
	body[2] = 0x01; /* realm 256 */
	memset(body + 4, 'r', 256);
	body[4 + 256 + 1] = 1;
	body[4 + 256 + 2] = 'u';
	expect_badmsg(CTL_T_CRED_LOOKUP, body, 4 + 256 + 3);
	memset(body, 0, sizeof(body));
	body[0] = 2; /* lookup by: bad */
	body[1] = CTL_PWALG_MD5;
	expect_badmsg(CTL_T_CRED_LOOKUP, body, 4 + 32);

	/* REST secrets: 9 of them; an empty one. */
	memset(body, 0, sizeof(body));
	body[0] = CTL_MAX_SECRETS + 1;
	for (int i = 0; i < CTL_MAX_SECRETS + 1; i++) {
		body[2 + 3 * i + 1] = 1;
		body[2 + 3 * i + 2] = 's';
	}
	expect_badmsg(CTL_T_REST_SECRETS, body, 2 + 3 * (CTL_MAX_SECRETS + 1));
	const uint8_t rs[] = {1, 0, 0, 0};
	expect_badmsg(CTL_T_REST_SECRETS, rs, sizeof(rs));

	/* Alloc event: a valid one, then a bad kind, transport, family and v4 tail. */
	make_msg(&m1, CTL_T_ALLOC_EVENT, 0);
	int fn = ctl_encode(&m1, frame, sizeof(frame));
	assert_true(fn > 0);
	size_t blen = (size_t)fn - CTL_HEADER_LEN;
	uint8_t ev[256];
	memcpy(ev, frame + CTL_HEADER_LEN, blen);
	const struct {
		size_t off;
		uint8_t val;
	} bad_ev[] = {
		{0, 0}, {0, 5}, {1, 6}, {2, 1}, {16, 3}, {17, 1}, {16 + 4 + 5, 1},
	};
	for (size_t i = 0; i < sizeof(bad_ev) / sizeof(bad_ev[0]); i++) {
		uint8_t save = ev[bad_ev[i].off];
		ev[bad_ev[i].off] = bad_ev[i].val;
		expect_badmsg(CTL_T_ALLOC_EVENT, ev, blen);
		ev[bad_ev[i].off] = save;
	}
	n = mkframe(frame, CTL_T_ALLOC_EVENT, ev, blen);
	assert_int_equal(decode_exact(frame, n, &m2), (int)n);

	/* Counters: 129 entries; a name with an upper-case letter; empty name. */
	const uint8_t cs[] = {0, 129, 0, 0};
	expect_badmsg(CTL_T_COUNTERS_SNAPSHOT, cs, sizeof(cs));
	const uint8_t cs2[] = {0, 1, 0, 0, 2, 'a', 'B', 0, 0, 0, 0, 0, 0, 0, 1};
	expect_badmsg(CTL_T_COUNTERS_SNAPSHOT, cs2, sizeof(cs2));
	const uint8_t cs3[] = {0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	expect_badmsg(CTL_T_COUNTERS_SNAPSHOT, cs3, sizeof(cs3));

	/* Error: code 0. */
	const uint8_t er[] = {5, 0, 0, 0, 0};
	expect_badmsg(CTL_T_ERROR, er, sizeof(er));
}

static void
test_back_to_back(void **state)
{
	(void)state;
	static uint8_t two[2 * CTL_MAX_FRAME];
	make_msg(&m1, CTL_T_COUNTERS_SNAPSHOT, 0);
	int n1 = ctl_encode(&m1, two, sizeof(two));
	assert_true(n1 > 0);
	make_msg(&m1, CTL_T_DRAIN, 0);
	int n2 = ctl_encode(&m1, two + n1, sizeof(two) - (size_t)n1);
	assert_int_equal(n2, CTL_HEADER_LEN);

	assert_int_equal(decode_exact(two, (size_t)(n1 + n2), &m2), n1);
	assert_int_equal(m2.type, CTL_T_COUNTERS_SNAPSHOT);
	assert_int_equal(m2.u.counters.count, 3);
	assert_string_equal(m2.u.counters.c[2].name, "drop.reason_2");
	assert_int_equal(decode_exact(two + n1, (size_t)n2, &m2), n2);
	assert_int_equal(m2.type, CTL_T_DRAIN);
	/* With the second frame only partly there. */
	assert_int_equal(decode_exact(two, (size_t)(n1 + n2 - 1), &m2), n1);
	assert_int_equal(decode_exact(two + n1, (size_t)n2 - 1, &m2), 0);
}

static void
test_unknown_type(void **state)
{
	(void)state;
	static uint8_t buf[64];
	const uint8_t body[] = {1, 2, 3, 4, 5};
	size_t n = mkframe(buf, 200, body, sizeof(body));
	memcpy(buf + n, hello_vec, sizeof(hello_vec));

	assert_int_equal(decode_exact(buf, n - 1, &m2), 0); /* incomplete first */
	assert_int_equal(decode_exact(buf, n + sizeof(hello_vec), &m2), -ENOTSUP);
	assert_int_equal(m2.type, 200);
	assert_int_equal(m2.request_id, 9);
	assert_int_equal(m2.frame_len, n);
	assert_string_equal(ctl_type_name(m2.type), "UNKNOWN");
	/* Skip it; the next frame decodes. */
	assert_int_equal(decode_exact(buf + m2.frame_len, sizeof(hello_vec), &m2),
			 (int)sizeof(hello_vec));
	assert_int_equal(m2.type, CTL_T_HELLO);
	assert_string_equal(ctl_type_name(m2.type), "HELLO");

	n = mkframe(buf, 0, body, 0);
	assert_int_equal(decode_exact(buf, n, &m2), -ENOTSUP);
	n = mkframe(buf, CTL_T_MAX + 1, body, 0);
	assert_int_equal(decode_exact(buf, n, &m2), -ENOTSUP);
	assert_int_equal(m2.frame_len, CTL_HEADER_LEN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_all_types),
		cmocka_unit_test(test_roundtrip_fields),
		cmocka_unit_test(test_pinned_bytes),
		cmocka_unit_test(test_every_prefix_incomplete),
		cmocka_unit_test(test_encode_errors),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_bad_bodies),
		cmocka_unit_test(test_back_to_back),
		cmocka_unit_test(test_unknown_type),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

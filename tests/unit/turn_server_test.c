/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TURN state machine, part 1: demultiplexing and drops, STUN Binding and
 * RFC 5780, long-term authentication (RFC 8489 9.2) with bid-down
 * protection, USERHASH, REST credentials, nonces, pending lookups,
 * configuration checks and statistics. Allocations: turn_allocate_test.c;
 * permissions, channels and data: turn_relay_test.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stun_integrity.h"
#include "stun_nonce.h"
#include "turn_harness.h"

/* ---- demultiplexing: a fixture table of raw datagrams ---- */

struct raw_fixture {
	const char *name;
	uint8_t bytes[64];
	size_t len;
	enum turn_verdict verdict;
	enum tp_drop_reason drop;
	uint16_t error;
};

/* A 20-byte header: type, length, cookie, transaction id 1..12. */
#define TID 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
#define HDR(t0, t1, l0, l1) t0, t1, l0, l1, 0x21, 0x12, 0xA4, 0x42, TID

static const struct raw_fixture raw_fixtures[] = {
	{ "empty", { 0 }, 0, TURN_DROP, TP_DROP_NOT_STUN, 0 },
	{ "rtp", { 0x80, 0x60, 0, 1 }, 4, TURN_DROP, TP_DROP_NOT_STUN, 0 },
	{ "dtls", { 0x16, 0xfe, 0xfd, 0 }, 4, TURN_DROP, TP_DROP_NOT_STUN, 0 },
	{ "zrtp", { 0x10, 0, 0, 0 }, 4, TURN_DROP, TP_DROP_NOT_STUN, 0 },
	{ "short stun", { 0x00, 0x01, 0, 0, 0x21, 0x12 }, 6, TURN_DROP, TP_DROP_NOT_STUN, 0 },
	/* A header that does not hold is -EINVAL from stun_parse: not STUN. */
	{ "bad cookie", { 0x00, 0x01, 0, 0, 0x21, 0x12, 0xA4, 0x43, TID }, 20, TURN_DROP,
	  TP_DROP_NOT_STUN, 0 },
	{ "length mismatch", { HDR(0x00, 0x01, 0, 8) }, 20, TURN_DROP, TP_DROP_NOT_STUN, 0 },
	{ "binding success", { HDR(0x01, 0x01, 0, 0) }, 20, TURN_DROP, TP_DROP_UNEXPECTED_CLASS,
	  0 },
	{ "binding error", { HDR(0x01, 0x11, 0, 0) }, 20, TURN_DROP, TP_DROP_UNEXPECTED_CLASS, 0 },
	{ "binding indication", { HDR(0x00, 0x11, 0, 0) }, 20, TURN_DROP,
	  TP_DROP_BINDING_INDICATION, 0 },
	{ "data indication from client", { HDR(0x00, 0x17, 0, 0) }, 20, TURN_DROP,
	  TP_DROP_UNKNOWN_METHOD_INDICATION, 0 },
	{ "send indication unknown attr", { HDR(0x00, 0x16, 0, 8), 0x00, 0x7F, 0, 4, 0, 0, 0, 0 },
	  28, TURN_DROP, TP_DROP_INDICATION_UNKNOWN_ATTR, 0 },
	/* LIFETIME must be 4 bytes: header fine, attribute broken. */
	{ "malformed request", { HDR(0x00, 0x01, 0, 8), 0x00, 0x0D, 0, 2, 0, 0, 0, 0 }, 28,
	  TURN_REPLY, 0, 400 },
	{ "malformed indication", { HDR(0x00, 0x16, 0, 8), 0x00, 0x0D, 0, 2, 0, 0, 0, 0 }, 28,
	  TURN_DROP, TP_DROP_MALFORMED, 0 },
	{ "unknown method request", { HDR(0x00, 0x0F, 0, 0) }, 20, TURN_REPLY, 0, 400 },
	{ "send as request", { HDR(0x00, 0x06, 0, 0) }, 20, TURN_REPLY, 0, 400 },
	{ "binding request", { HDR(0x00, 0x01, 0, 0) }, 20, TURN_REPLY, 0, 0 },
	{ "channeldata no allocation", { 0x40, 0x00, 0, 1, 0xAA, 0, 0, 0 }, 8, TURN_DROP,
	  TP_DROP_NO_ALLOCATION, 0 },
	{ "channeldata short", { 0x40, 0x00, 0, 9, 0xAA }, 5, TURN_DROP, TP_DROP_BAD_CHANNEL, 0 },
	{ "channeldata out of range", { 0x50, 0x00, 0, 1, 0xAA, 0, 0, 0 }, 8, TURN_DROP,
	  TP_DROP_BAD_CHANNEL, 0 },
};

static void
test_raw_fixtures(void **state)
{
	struct th *h = *state;
	struct th_client *c = th_client(h, 0);

	for (size_t i = 0; i < sizeof(raw_fixtures) / sizeof(raw_fixtures[0]); i++) {
		const struct raw_fixture *f = &raw_fixtures[i];
		uint64_t before = turn_server_stats(h->s)->drops[f->drop];

		print_message("raw: %s\n", f->name);
		assert_int_equal(th_input(h, c, f->bytes, f->len), f->verdict);
		if (f->verdict == TURN_DROP) {
			assert_int_equal(h->out.drop, f->drop);
			assert_int_equal(turn_server_stats(h->s)->drops[f->drop], before + 1);
		} else {
			assert_true(h->resp.stun);
			assert_int_equal(h->resp.error, f->error);
			assert_memory_equal(h->resp.tid, f->bytes + 8, STUN_TID_LEN);
			assert_false(h->resp.has_mi);
		}
	}
}

static void
test_bad_fingerprint(void **state)
{
	struct th *h = *state;
	struct th_client *c = th_client(h, 0);

	assert_int_equal(th_request(h, c, &(struct th_req){ .method = STUN_METHOD_BINDING,
							    .flags = TH_BAD_FP }),
			 TURN_DROP);
	assert_int_equal(h->out.drop, TP_DROP_BAD_FINGERPRINT);
	/* A good FINGERPRINT is echoed. */
	assert_int_equal(th_request(h, c, &(struct th_req){ .method = STUN_METHOD_BINDING,
							    .flags = TH_FP }),
			 TURN_REPLY);
	assert_true(h->resp.has_fp);
}

/* ---- Binding and RFC 5780 ---- */

static void
test_binding(void **state)
{
	struct th *h = *state;
	struct th_client *c = th_client(h, 0);

	assert_int_equal(th_request(h, c, &(struct th_req){ .method = STUN_METHOD_BINDING }),
			 TURN_REPLY);
	assert_int_equal(h->resp.cls, STUN_CLASS_SUCCESS);
	assert_int_equal(h->resp.method, STUN_METHOD_BINDING);
	assert_true(h->resp.has_mapped);
	assert_true(stun_addr_equal(&h->resp.mapped, &c->ft.client));
	assert_true(stun_addr_equal(&h->out.src, &c->ft.server));
	assert_true(stun_addr_equal(&h->out.dst, &c->ft.client));
	assert_false(h->resp.has_mi);
	assert_false(h->resp.has_fp);
	assert_false(h->resp.has_software);
	assert_false(h->resp.has_origin);
	/* Exactly: header + XOR-MAPPED-ADDRESS. */
	assert_int_equal(h->resp.len, 20 + 12);
	assert_int_equal(turn_server_stats(h->s)->requests[STUN_METHOD_BINDING], 1);

	h->cfg.software = "turnpike test";
	h->cfg.fingerprint = true;
	assert_int_equal(th_restart(h), 0);
	th_request(h, c, &(struct th_req){ .method = STUN_METHOD_BINDING });
	assert_true(h->resp.has_software);
	assert_true(h->resp.has_fp);
	assert_int_equal(h->resp.len, 20 + 12 + 4 + 16 + 8);
}

static void
test_binding_ipv6_client(void **state)
{
	struct th *h = *state;
	struct th_client *c = th_client(h, 3);

	c->ft.client = th_addr("[2001:db8:1::7]:6000");
	c->ft.server = th_addr(TH_SERVER6);
	th_request(h, c, &(struct th_req){ .method = STUN_METHOD_BINDING });
	assert_int_equal(h->resp.error, 0);
	assert_true(stun_addr_equal(&h->resp.mapped, &c->ft.client));
}

static void
test_binding_unknown_attr(void **state)
{
	struct th *h = *state;
	struct th_client *c = th_client(h, 0);

	th_request(h, c, &(struct th_req){ .method = STUN_METHOD_BINDING, .unknown_attr = 0x0077 });
	assert_int_equal(h->resp.error, 420);
	assert_int_equal(h->resp.n_unknown, 1);
	assert_int_equal(h->resp.unknown[0], 0x0077);
	/* Comprehension-optional unknown attributes are ignored. */
	th_request(h, c, &(struct th_req){ .method = STUN_METHOD_BINDING, .unknown_attr = 0x8077 });
	assert_int_equal(h->resp.error, 0);
	/* Without RFC 5780, CHANGE-REQUEST and RESPONSE-PORT are not ours. */
	th_request(h, c, &(struct th_req){ .method = STUN_METHOD_BINDING, .flags = TH_CHANGE,
					   .response_port = 7000 });
	assert_int_equal(h->resp.error, 420);
	assert_int_equal(h->resp.n_unknown, 2);
	assert_int_equal(h->resp.unknown[0], STUN_ATTR_CHANGE_REQUEST);
	assert_int_equal(h->resp.unknown[1], STUN_ATTR_RESPONSE_PORT);
}

static void
test_binding_rfc5780(void **state)
{
	struct th *h = *state;
	struct th_client *c = th_client(h, 0);
	struct stun_addr other = th_addr(TH_OTHER);

	h->cfg.rfc5780 = true;
	assert_int_equal(th_restart(h), 0);
	th_request(h, c, &(struct th_req){ .method = STUN_METHOD_BINDING });
	assert_int_equal(h->resp.error, 0);
	assert_true(h->resp.has_origin);
	assert_true(stun_addr_equal(&h->resp.origin, &c->ft.server));
	assert_false(h->resp.has_other);
	/* A change flag without an other address cannot be honoured. */
	th_request(h, c, &(struct th_req){ .method = STUN_METHOD_BINDING, .flags = TH_CHANGE,
					   .change = STUN_CHANGE_PORT });
	assert_int_equal(h->resp.error, 420);
	assert_int_equal(h->resp.n_unknown, 1);
	assert_int_equal(h->resp.unknown[0], STUN_ATTR_CHANGE_REQUEST);
	/* No flags: fine. */
	th_request(h, c, &(struct th_req){ .method = STUN_METHOD_BINDING, .flags = TH_CHANGE });
	assert_int_equal(h->resp.error, 0);
	/* RESPONSE-PORT redirects the answer. */
	th_request(h, c, &(struct th_req){ .method = STUN_METHOD_BINDING, .response_port = 7000 });
	assert_int_equal(h->resp.error, 0);
	assert_int_equal(h->out.dst.port, 7000);
	assert_true(stun_addr_ip_equal(&h->out.dst, &c->ft.client));

	h->cfg.other_address = other;
	assert_int_equal(th_restart(h), 0);
	th_request(h, c, &(struct th_req){ .method = STUN_METHOD_BINDING });
	assert_true(h->resp.has_other);
	assert_true(stun_addr_equal(&h->resp.other, &other));
	/* Change IP and port: answered from the other address. */
	th_request(h, c, &(struct th_req){ .method = STUN_METHOD_BINDING, .flags = TH_CHANGE,
					   .change = STUN_CHANGE_IP | STUN_CHANGE_PORT });
	assert_int_equal(h->resp.error, 0);
	assert_true(stun_addr_equal(&h->out.src, &other));
	assert_true(stun_addr_equal(&h->resp.origin, &other));
	/* Change port only. */
	th_request(h, c, &(struct th_req){ .method = STUN_METHOD_BINDING, .flags = TH_CHANGE,
					   .change = STUN_CHANGE_PORT });
	assert_true(stun_addr_ip_equal(&h->out.src, &c->ft.server));
	assert_int_equal(h->out.src.port, other.port);
}

/* ---- authentication: a fixture table ---- */

enum auth_expect {
	AX_CHALLENGE = 1, /* REALM + NONCE, unsigned */
	AX_SIGNED,        /* integrity present and valid under the client's key */
	AX_UNSIGNED,      /* no integrity, no challenge */
};

struct auth_fixture {
	const char *name;
	void (*prep)(struct th *h, struct th_client *c);
	unsigned int flags;        /* TH_* on the Allocate */
	int error;                 /* 0 success, else the code */
	enum auth_expect expect;
};

static void
prep_unknown_user(struct th *h, struct th_client *c)
{
	(void)h;
	c->user = "mallory";
}

static void
prep_bad_username(struct th *h, struct th_client *c)
{
	(void)h;
	c->user = "ali\x01" "ce";
}

static void
prep_bad_nonce(struct th *h, struct th_client *c)
{
	(void)h;
	memset(c->nonce, 'x', c->nonce_len);
}

static void
prep_wrong_realm(struct th *h, struct th_client *c)
{
	(void)h;
	strcpy(c->realm, "other.realm");
}

static void
prep_alg_not_offered(struct th *h, struct th_client *c)
{
	(void)h;
	c->alg = 0x0003;
}

static void
prep_no_sha256(struct th *h, struct th_client *c)
{
	h->users[0].no_sha256 = true;
	c->alg = STUN_PWALG_SHA256;
}

static void
prep_cred_enoent(struct th *h, struct th_client *c)
{
	(void)c;
	h->cred_rc = -ENOENT;
}

static void
prep_sha256(struct th *h, struct th_client *c)
{
	(void)h;
	c->alg = STUN_PWALG_SHA256;
	c->mi_sha256 = true;
}

static void
prep_md5_mi256(struct th *h, struct th_client *c)
{
	(void)h;
	c->alg = STUN_PWALG_MD5;
	c->mi_sha256 = true;
}

static void
prep_userhash(struct th *h, struct th_client *c)
{
	(void)h;
	c->userhash = true;
	c->user = "bob";
	c->pass = "bob-pw";
}

static void
prep_userhash_unknown(struct th *h, struct th_client *c)
{
	(void)h;
	c->userhash = true;
	c->user = "mallory";
}

static const struct auth_fixture auth_fixtures[] = {
	{ "no integrity", NULL, TH_NOAUTH, 401, AX_CHALLENGE },
	{ "no username", NULL, TH_NO_USER, 400, AX_UNSIGNED },
	{ "no realm", NULL, TH_NO_REALM, 400, AX_UNSIGNED },
	{ "no nonce", NULL, TH_NO_NONCE, 400, AX_UNSIGNED },
	{ "nonce not ours", prep_bad_nonce, 0, 438, AX_CHALLENGE },
	{ "wrong password", NULL, TH_BAD_MI, 401, AX_CHALLENGE },
	{ "unknown user", prep_unknown_user, 0, 401, AX_CHALLENGE },
	{ "lookup says unknown", prep_cred_enoent, 0, 401, AX_CHALLENGE },
	{ "username not valid", prep_bad_username, 0, 400, AX_UNSIGNED },
	{ "other realm", prep_wrong_realm, 0, 401, AX_CHALLENGE },
	{ "bid-down: list tampered", NULL, TH_TAMPER_PWALGS, 400, AX_UNSIGNED },
	{ "bid-down: algorithm alone", NULL, TH_ONLY_PWALG, 400, AX_UNSIGNED },
	{ "bid-down: algorithm not offered", prep_alg_not_offered, 0, 400, AX_UNSIGNED },
	{ "no key for SHA-256", prep_no_sha256, 0, 401, AX_CHALLENGE },
	{ "neither attribute: MD5", NULL, TH_NO_PWALGS, 0, AX_SIGNED },
	{ "MD5 chosen", NULL, 0, 0, AX_SIGNED },
	{ "SHA-256 with MESSAGE-INTEGRITY-SHA256", prep_sha256, 0, 0, AX_SIGNED },
	{ "MD5 key with MESSAGE-INTEGRITY-SHA256", prep_md5_mi256, 0, 0, AX_SIGNED },
	{ "both integrity attributes", NULL, TH_BOTH_MI, 0, AX_SIGNED },
	{ "USERHASH", prep_userhash, 0, 0, AX_SIGNED },
	{ "USERHASH unknown", prep_userhash_unknown, 0, 401, AX_CHALLENGE },
};

static void
test_auth_fixtures(void **state)
{
	struct th *h = *state;

	for (size_t i = 0; i < sizeof(auth_fixtures) / sizeof(auth_fixtures[0]); i++) {
		const struct auth_fixture *f = &auth_fixtures[i];
		struct th_client *c;

		print_message("auth: %s\n", f->name);
		th_fini(h);
		th_init(h);
		assert_int_equal(th_start(h), 0);
		c = th_client(h, 0);
		c->alg = STUN_PWALG_MD5;
		/* Learn REALM, NONCE and the algorithms first. */
		th_request(h, c, &(struct th_req){ .method = TURN_METHOD_ALLOCATE });
		assert_int_equal(h->resp.error, 401);
		if (f->prep != NULL)
			f->prep(h, c);
		assert_int_equal(th_request(h, c,
					    &(struct th_req){ .method = TURN_METHOD_ALLOCATE,
							      .flags = f->flags }),
				 TURN_REPLY);
		assert_int_equal(h->resp.error, f->error);
		assert_int_equal(h->resp.cls, f->error ? STUN_CLASS_ERROR : STUN_CLASS_SUCCESS);
		switch (f->expect) {
		case AX_CHALLENGE:
			assert_true(h->resp.has_realm);
			assert_true(h->resp.has_nonce);
			assert_true(h->resp.has_pw_algs);
			assert_false(h->resp.has_mi);
			assert_false(h->resp.has_mi256);
			break;
		case AX_SIGNED:
			assert_true(h->resp.has_mi || h->resp.has_mi256);
			/* The response uses the integrity type of the request. */
			assert_int_equal(h->resp.has_mi256,
					 c->mi_sha256 || (f->flags & TH_BOTH_MI) != 0);
			assert_int_equal(h->resp.mi_check, 0);
			assert_false(h->resp.has_nonce);
			break;
		case AX_UNSIGNED:
			assert_false(h->resp.has_mi);
			assert_false(h->resp.has_mi256);
			assert_false(h->resp.has_nonce);
			break;
		}
		/* Nothing but a success creates state. */
		assert_int_equal(turn_table_count(h->tbl), f->error ? 0 : 1);
		assert_int_equal(h->quota_active, f->error ? 0 : 1);
	}
}

/* The MESSAGE-INTEGRITY-SHA256 key is the SHA-256 long-term key. */
static void
test_sha256_response_key(void **state)
{
	struct th *h = *state;
	struct th_client *c = th_client(h, 0);
	uint8_t key[32];
	struct stun_hmac_key k;
	struct stun_msg m;

	c->alg = STUN_PWALG_SHA256;
	c->mi_sha256 = true;
	assert_int_equal(th_allocate(h, c, NULL), 0);
	stun_key_sha256("alice", 5, TH_REALM, strlen(TH_REALM), "alice-pw", 8, key);
	stun_hmac_key_init(&k, key, sizeof(key));
	assert_int_equal(stun_parse(&m, h->resp.bytes, h->resp.len), 0);
	assert_int_equal(stun_check_integrity_sha256(&m, &k), 0);
	assert_int_equal(m.mi_hdr_off, 0);
}

static void
test_challenge_contents(void **state)
{
	struct th *h = *state;
	struct th_client *c = th_client(h, 0);

	th_request(h, c, &(struct th_req){ .method = TURN_METHOD_ALLOCATE });
	assert_int_equal(h->resp.error, 401);
	assert_string_equal(c->realm, TH_REALM);
	assert_int_equal(c->nonce_len, STUN_NONCE_LEN);
	assert_memory_equal(c->nonce, STUN_NONCE_COOKIE, STUN_NONCE_COOKIE_LEN);
	/* PASSWORD-ALGORITHMS as configured: SHA-256 then MD5, no params. */
	assert_int_equal(c->pw_algs_len, 8);
	assert_memory_equal(c->pw_algs, "\x00\x02\x00\x00\x00\x01\x00\x00", 8);
	assert_int_equal(turn_server_stats(h->s)->errors[4][1], 1);

	/* Without algorithms: plain RFC 5389 challenge. */
	h->cfg.n_pw_algs = 0;
	assert_int_equal(th_restart(h), 0);
	c = th_client(h, 1);
	th_request(h, c, &(struct th_req){ .method = TURN_METHOD_ALLOCATE });
	assert_int_equal(h->resp.error, 401);
	assert_true(h->resp.has_nonce);
	assert_false(h->resp.has_pw_algs);
	assert_int_equal(c->pw_algs_len, 0);
}

/* Without the password-algorithms feature in the nonce, PASSWORD-ALGORITHM
 * is ignored and the key is MD5; USERHASH is not accepted. */
static void
test_rfc5389_mode(void **state)
{
	struct th *h = *state;
	struct th_client *c;

	h->cfg.n_pw_algs = 0;
	assert_int_equal(th_restart(h), 0);
	c = th_client(h, 0);
	th_request(h, c, &(struct th_req){ .method = TURN_METHOD_ALLOCATE });
	memcpy(c->pw_algs, "\x00\x02\x00\x00", 4);
	c->pw_algs_len = 4;
	c->alg = STUN_PWALG_SHA256;
	th_request(h, c, &(struct th_req){ .method = TURN_METHOD_ALLOCATE });
	assert_int_equal(h->resp.error, 401);
	c->alg = STUN_PWALG_MD5;
	th_request(h, c, &(struct th_req){ .method = TURN_METHOD_ALLOCATE });
	assert_int_equal(h->resp.error, 0);
	assert_int_equal(h->resp.mi_check, 0);

	c = th_client(h, 1);
	c->userhash = true;
	th_request(h, c, &(struct th_req){ .method = TURN_METHOD_ALLOCATE });
	th_request(h, c, &(struct th_req){ .method = TURN_METHOD_ALLOCATE });
	assert_int_equal(h->resp.error, 400);
}

static void
test_stale_nonce(void **state)
{
	struct th *h = *state;
	struct th_client *c = th_client(h, 0);
	char old[sizeof(c->nonce)];

	c->alg = STUN_PWALG_MD5;
	th_request(h, c, &(struct th_req){ .method = TURN_METHOD_ALLOCATE });
	memcpy(old, c->nonce, sizeof(old));
	h->now += 601;
	th_request(h, c, &(struct th_req){ .method = TURN_METHOD_ALLOCATE });
	assert_int_equal(h->resp.error, 438);
	assert_true(h->resp.has_realm);
	assert_true(h->resp.has_nonce);
	assert_true(h->resp.has_pw_algs);
	assert_false(h->resp.has_mi);
	assert_memory_not_equal(old, c->nonce, c->nonce_len);
	assert_int_equal(turn_table_count(h->tbl), 0);
	/* The fresh nonce works. */
	th_request(h, c, &(struct th_req){ .method = TURN_METHOD_ALLOCATE });
	assert_int_equal(h->resp.error, 0);
}

static void
test_nonce_other_address(void **state)
{
	struct th *h = *state;
	struct th_client *a = th_client(h, 0), *b = th_client(h, 1);

	th_request(h, a, &(struct th_req){ .method = TURN_METHOD_ALLOCATE });
	memcpy(b->nonce, a->nonce, sizeof(a->nonce));
	b->nonce_len = a->nonce_len;
	memcpy(b->pw_algs, a->pw_algs, sizeof(a->pw_algs));
	b->pw_algs_len = a->pw_algs_len;
	strcpy(b->realm, a->realm);
	th_request(h, b, &(struct th_req){ .method = TURN_METHOD_ALLOCATE });
	assert_int_equal(h->resp.error, 438);
	assert_int_equal(turn_table_count(h->tbl), 0);
}

static void
test_nonce_rotation(void **state)
{
	struct th *h = *state;
	struct th_client *c = th_client(h, 0);
	uint8_t secret[32];

	th_request(h, c, &(struct th_req){ .method = TURN_METHOD_ALLOCATE });
	memset(secret, 0x5A, sizeof(secret));
	assert_int_equal(turn_server_rotate_nonce_secret(h->s, secret, sizeof(secret)), 0);
	assert_int_equal(turn_server_rotate_nonce_secret(h->s, secret, 4), -EINVAL);
	/* A nonce made under the previous secret still verifies. */
	th_request(h, c, &(struct th_req){ .method = TURN_METHOD_ALLOCATE });
	assert_int_equal(h->resp.error, 0);
}

static void
test_pending(void **state)
{
	struct th *h = *state;
	struct th_client *c = th_client(h, 0);
	uint8_t pkt[512];
	size_t len;

	th_request(h, c, &(struct th_req){ .method = TURN_METHOD_ALLOCATE });
	h->cred_rc = -EAGAIN;
	assert_int_equal(th_request(h, c, &(struct th_req){ .method = TURN_METHOD_ALLOCATE }),
			 TURN_PENDING);
	assert_int_equal(h->out.hdr_len, 0);
	assert_int_equal(turn_table_count(h->tbl), 0);
	assert_int_equal(h->quota_active, 0);
	assert_int_equal(h->relays_active, 0);
	assert_int_equal(turn_server_stats(h->s)->auth_pending, 1);
	assert_int_equal(turn_server_stats(h->s)->auth_ok, 0);
	/* The parked packet is resubmitted once the lookup finished. */
	len = h->req_len;
	memcpy(pkt, h->req, len);
	h->cred_rc = 0;
	assert_int_equal(th_input(h, c, pkt, len), TURN_REPLY);
	assert_int_equal(h->resp.error, 0);
	assert_int_equal(turn_table_count(h->tbl), 1);
	assert_int_equal(turn_server_stats(h->s)->auth_ok, 1);
}

/*
 * The challenge_admit hook sits on every 401/438: once it refuses, the
 * unauthenticated request is dropped as rate_limited, nothing is sent and
 * nothing is stored, while authenticated requests still go through.
 */
static void
test_challenge_rate_limited(void **state)
{
	struct th *h = *state;
	struct th_client *c = th_client(h, 0);
	struct th_client *d = th_client(h, 1);

	h->challenge_budget = 1;
	assert_int_equal(th_allocate(h, c, NULL), 0);
	assert_int_equal(h->challenge_asks, 1);
	/* Budget spent: a second client's first request gets no 401. */
	assert_int_equal(th_request(h, d, &(struct th_req){ .method = TURN_METHOD_ALLOCATE }),
			 TURN_DROP);
	assert_int_equal(h->out.drop, TP_DROP_RATE_LIMITED);
	assert_int_equal(h->out.hdr_len, 0);
	assert_int_equal(turn_server_stats(h->s)->drops[TP_DROP_RATE_LIMITED], 1);
	assert_int_equal(turn_table_count(h->tbl), 1);
	/* The first client, already holding a nonce, refreshes unhindered. */
	assert_int_equal(th_refresh(h, c, true, 600), 0);
	assert_int_equal(h->challenge_asks, 2);
}

/* ---- REST credentials ---- */

#define REST_USER "1266890800:mbzrxpgjys"
#define REST_PASS "nbRcrnq5h6xXhyNhlwk+lDLvVVo="

static void
test_rest_vector(void **state)
{
	struct th *h = *state;
	struct th_client *c = th_client(h, 0);
	char pw[STUN_REST_PASSWORD_LEN + 1];

	stun_rest_password((const uint8_t *)"north", 5, REST_USER, strlen(REST_USER), pw);
	assert_string_equal(pw, REST_PASS);
	c->user = REST_USER;
	c->pass = REST_PASS;
	c->alg = STUN_PWALG_MD5;
	h->now = 1266890000;
	assert_int_equal(th_allocate(h, c, NULL), 0);
	assert_int_equal(h->resp.mi_check, 0);
	assert_non_null(h->out.alloc);
	assert_int_equal(h->out.alloc->rest_expiry, 1266890800);
	/* REST names never reach the lookup hook. */
	assert_int_equal(h->cred_calls, 0);
	/* SHA-256 REST key too. */
	c = th_client(h, 1);
	c->user = REST_USER;
	c->pass = REST_PASS;
	c->alg = STUN_PWALG_SHA256;
	c->mi_sha256 = true;
	assert_int_equal(th_allocate(h, c, NULL), 0);
	assert_int_equal(h->resp.mi_check, 0);
}

static void
test_rest_expired(void **state)
{
	struct th *h = *state;
	struct th_client *c = th_client(h, 0);

	c->user = REST_USER;
	c->pass = REST_PASS;
	h->now = 1266890801;
	assert_int_equal(th_allocate(h, c, NULL), 401);
	assert_true(h->resp.has_nonce);
	assert_false(h->resp.has_mi);
	assert_int_equal(turn_table_count(h->tbl), 0);
	/* The expiry second itself is still good. */
	h->now = 1266890800;
	assert_int_equal(th_allocate(h, c, NULL), 0);
}

static void
test_rest_rotation(void **state)
{
	struct th *h = *state;
	struct th_client *c = th_client(h, 0);
	char pw[STUN_REST_PASSWORD_LEN + 1];
	const char *user = "1800000000:carol";

	stun_rest_password((const uint8_t *)"south", 5, user, strlen(user), pw);
	c->user = user;
	c->pass = pw;
	assert_int_equal(th_allocate(h, c, NULL), 401);
	/* The new secret is added while the old one stays valid. */
	assert_int_equal(stun_rest_secrets_add(&h->rest, "south", 5), 0);
	assert_int_equal(th_allocate(h, c, NULL), 0);
	/* And a name made with the old secret still works. */
	c = th_client(h, 1);
	stun_rest_password((const uint8_t *)"north", 5, user, strlen(user), pw);
	c->user = user;
	c->pass = pw;
	assert_int_equal(th_allocate(h, c, NULL), 0);
	/* user:expiry order is accepted as well. */
	c = th_client(h, 2);
	stun_rest_password((const uint8_t *)"south", 5, "carol:1800000000", 16, pw);
	c->user = "carol:1800000000";
	c->pass = pw;
	assert_int_equal(th_allocate(h, c, NULL), 0);
}

/* Without REST secrets a numeric name is an ordinary user. */
static void
test_rest_disabled(void **state)
{
	struct th *h = *state;
	struct th_client *c;

	h->cfg.rest = NULL;
	th_add_user(h, REST_USER, "static");
	assert_int_equal(th_restart(h), 0);
	c = th_client(h, 0);
	c->user = REST_USER;
	c->pass = "static";
	h->now = 1900000000;
	assert_int_equal(th_allocate(h, c, NULL), 0);
	assert_int_equal(h->cred_calls, 1);
}

/* ---- methods without allocations ---- */

static void
test_rfc6062_methods(void **state)
{
	struct th *h = *state;
	struct th_client *c = th_client(h, 0);

	th_request(h, c, &(struct th_req){ .method = TURN_METHOD_CONNECT });
	assert_int_equal(h->resp.error, 401);
	th_request(h, c, &(struct th_req){ .method = TURN_METHOD_CONNECT });
	assert_int_equal(h->resp.error, 400);
	assert_string_equal(h->resp.reason, "TCP allocations (RFC 6062) are not supported");
	assert_int_equal(h->resp.mi_check, 0);
	th_request(h, c, &(struct th_req){ .method = TURN_METHOD_CONNECTION_BIND });
	assert_int_equal(h->resp.error, 400);
	assert_int_equal(h->resp.mi_check, 0);
	assert_int_equal(turn_server_stats(h->s)->requests[TURN_METHOD_CONNECT], 2);
	assert_int_equal(turn_server_stats(h->s)->requests[TURN_METHOD_CONNECTION_BIND], 1);
}

static void
test_unknown_attr_after_auth(void **state)
{
	struct th *h = *state;
	struct th_client *c = th_client(h, 0);
	struct th_req q = { .method = TURN_METHOD_ALLOCATE, .unknown_attr = 0x0031 };

	/* Unauthenticated: the challenge comes first. */
	th_request(h, c, &q);
	assert_int_equal(h->resp.error, 401);
	th_request(h, c, &q);
	assert_int_equal(h->resp.error, 420);
	assert_int_equal(h->resp.n_unknown, 1);
	assert_int_equal(h->resp.unknown[0], 0x0031);
	assert_int_equal(h->resp.mi_check, 0);
	assert_int_equal(turn_table_count(h->tbl), 0);
}

/* ---- configuration and plumbing ---- */

static void
test_config_validation(void **state)
{
	struct th *h = *state;
	struct turn_config good = h->cfg, c;
	struct turn_hooks hooks = h->hooks;

	c = good;
	c.realm = NULL;
	errno = 0;
	assert_null(turn_server_create(&c, &hooks, h, &turn_table_ops, h->tbl));
	assert_int_equal(errno, EINVAL);
	c = good;
	c.nonce_secret_len = 8;
	assert_null(turn_server_create(&c, &hooks, h, &turn_table_ops, h->tbl));
	c = good;
	c.n_pw_algs = 3;
	assert_null(turn_server_create(&c, &hooks, h, &turn_table_ops, h->tbl));
	c = good;
	c.pw_algs[0] = 7;
	assert_null(turn_server_create(&c, &hooks, h, &turn_table_ops, h->tbl));
	c = good;
	c.pw_algs[1] = c.pw_algs[0];
	assert_null(turn_server_create(&c, &hooks, h, &turn_table_ops, h->tbl));
	c = good;
	c.channel_min = 0x3000;
	assert_null(turn_server_create(&c, &hooks, h, &turn_table_ops, h->tbl));
	c = good;
	c.channel_max = 0x8000;
	assert_null(turn_server_create(&c, &hooks, h, &turn_table_ops, h->tbl));
	c = good;
	c.default_lifetime = 4000;
	assert_null(turn_server_create(&c, &hooks, h, &turn_table_ops, h->tbl));
	c = good;
	c.realm = "bad\x01realm";
	assert_null(turn_server_create(&c, &hooks, h, &turn_table_ops, h->tbl));
	c = good;
	c.overflow_blocks = TURN_OVERFLOW_BLOCKS_MAX + 1;
	errno = 0;
	assert_null(turn_server_create(&c, &hooks, h, &turn_table_ops, h->tbl));
	assert_int_equal(errno, EINVAL);
	hooks.cred_lookup = NULL;
	assert_null(turn_server_create(&good, &hooks, h, &turn_table_ops, h->tbl));
	hooks = h->hooks;
	hooks.relay_alloc = NULL;
	assert_null(turn_server_create(&good, &hooks, h, &turn_table_ops, h->tbl));
	hooks = h->hooks;
	hooks.quota_release = NULL;
	assert_null(turn_server_create(&good, &hooks, h, &turn_table_ops, h->tbl));
	assert_null(turn_server_create(&good, &h->hooks, h, NULL, h->tbl));
	/* Minimal hooks are enough. */
	hooks = (struct turn_hooks){ .cred_lookup = h->hooks.cred_lookup,
				     .relay_alloc = h->hooks.relay_alloc };
	struct turn_server *s = turn_server_create(&good, &hooks, h, &turn_table_ops, h->tbl);
	assert_non_null(s);
	/* overflow_blocks 0: the default pool, taken at create. */
	assert_int_equal(turn_server_stats(s)->overflow_blocks_total, TURN_OVERFLOW_BLOCKS_DEFAULT);
	assert_int_equal(turn_server_stats(s)->overflow_blocks_used, 0);
	size_t fp_default = turn_server_footprint(s);
	assert_true(fp_default >= TURN_OVERFLOW_BLOCKS_DEFAULT * TURN_OVERFLOW_RECS *
					  sizeof(struct turn_perm));
	turn_server_destroy(s);
	c = good;
	c.overflow_blocks = 7;
	s = turn_server_create(&c, &hooks, h, &turn_table_ops, h->tbl);
	assert_non_null(s);
	assert_int_equal(turn_server_stats(s)->overflow_blocks_total, 7);
	/* The footprint counts the pool: the same bytes per block. */
	size_t fp7 = turn_server_footprint(s), per = (fp_default - fp7) /
						      (TURN_OVERFLOW_BLOCKS_DEFAULT - 7);
	assert_int_equal((fp_default - fp7) % (TURN_OVERFLOW_BLOCKS_DEFAULT - 7), 0);
	assert_true(per >= TURN_OVERFLOW_RECS * sizeof(struct turn_channel));
	print_message("overflow block: %zu bytes, server with 1024 blocks: %zu bytes\n", per,
		      fp_default);
	turn_server_destroy(s);
	turn_server_destroy(NULL);
}

static void
test_small_output_buffer(void **state)
{
	struct th *h = *state;
	struct th_client *c = th_client(h, 0);
	uint8_t pkt[64], small[24];
	struct turn_out out;
	int n = th_build(h, c, &(struct th_req){ .method = STUN_METHOD_BINDING }, pkt, sizeof(pkt));

	assert_true(n > 0);
	turn_server_handle_client(h->s, &c->ft, pkt, (size_t)n, h->now, small, sizeof(small), &out);
	assert_int_equal(out.verdict, TURN_DROP);
	assert_int_equal(out.drop, TP_DROP_TOO_BIG);
	/* turn_out_flatten refuses a short buffer. */
	th_input(h, c, pkt, (size_t)n);
	assert_int_equal(turn_out_flatten(&h->out, small, 8), -ENOSPC);
	assert_int_equal(h->out.hdr_len, 32);
	assert_int_equal(turn_out_flatten(&h->out, small, sizeof(small)), -ENOSPC);
	assert_int_equal(turn_out_flatten(&h->out, pkt, sizeof(pkt)), 32);
}

static void
test_stats(void **state)
{
	struct th *h = *state;
	struct th_client *c = th_client(h, 0);
	const struct turn_stats *st = turn_server_stats(h->s);

	assert_int_equal(th_allocate(h, c, NULL), 0);
	assert_int_equal(st->requests[TURN_METHOD_ALLOCATE], 2);
	assert_int_equal(st->errors[4][1], 1);
	assert_int_equal(st->auth_ok, 1);
	assert_int_equal(st->auth_fail, 0);
	assert_int_equal(st->allocations, 1);
	assert_int_equal(st->allocations_active, 1);
	th_request(h, c, &(struct th_req){ .method = TURN_METHOD_ALLOCATE, .flags = TH_BAD_MI });
	assert_int_equal(st->auth_fail, 1);
	assert_int_equal(st->errors[4][1], 2);
	th_request(h, c, &(struct th_req){ .method = TURN_METHOD_ALLOCATE });
	assert_int_equal(st->errors[4][37], 1);
	assert_int_equal(th_refresh(h, c, true, 0), 0);
	assert_int_equal(st->requests[TURN_METHOD_REFRESH], 1);
	assert_int_equal(st->allocations_active, 0);
	assert_int_equal(st->allocations, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_raw_fixtures, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_bad_fingerprint, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_binding, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_binding_ipv6_client, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_binding_unknown_attr, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_binding_rfc5780, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_auth_fixtures, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_sha256_response_key, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_challenge_contents, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_rfc5389_mode, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_stale_nonce, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_nonce_other_address, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_nonce_rotation, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_pending, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_challenge_rate_limited, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_rest_vector, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_rest_expired, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_rest_rotation, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_rest_disabled, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_rfc6062_methods, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_unknown_attr_after_auth, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_config_validation, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_small_output_buffer, th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_stats, th_setup, th_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

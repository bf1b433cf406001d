/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test harness for the TURN state machine: a server over the default
 * table and relay pool, hooks with switches (static users, quotas, peer
 * policy, forced failures, event counters), and a small TURN client that
 * builds requests with the codec and parses what comes back.
 * Input: (5-tuple, bytes, time); output: (5-tuple, bytes, verdict).
 * No cmocka here: the fuzzer links this file too.
 *
 *   struct th h;
 *   th_init(&h);                        // defaults in h.cfg, h.port_min ...
 *   h.cfg.n_pw_algs = 0;                // tweak before starting
 *   th_start(&h);
 *   struct th_client *c = th_client(&h, 0);
 *   th_allocate(&h, c, NULL);           // 401, learn nonce, Allocate: returns 0 or the error
 *   th_request(&h, c, &(struct th_req){ .method = TURN_METHOD_CREATE_PERMISSION,
 *                                       .peer = { peer }, .n_peer = 1 });
 *   h.resp.error, h.resp.lifetime, h.resp.mi_check, h.out.verdict ...
 *   h.now += 301;                       // time is explicit
 *   th_fini(&h);
 */
#ifndef TURN_HARNESS_H
#define TURN_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stun_cred.h"
#include "stun_msg.h"
#include "turn_relay_pool.h"
#include "turn_server.h"
#include "turn_table.h"

#define TH_REALM "turnpike.test"
#define TH_SERVER "198.18.0.1:3478"
#define TH_SERVER6 "[2001:db8::1]:3478"
#define TH_RELAY4 "198.18.0.2"
#define TH_RELAY6 "2001:db8::2"
#define TH_OTHER "198.18.0.3:3479"
#define TH_START_TIME 1700000000u
#define TH_MAX_CLIENTS 8
#define TH_MAX_USERS 8

/* Request flags. */
#define TH_NOAUTH 0x0001u         /* no credentials even if a nonce is known */
#define TH_NO_TRANSPORT 0x0002u   /* Allocate without REQUESTED-TRANSPORT */
#define TH_DF 0x0004u             /* DONT-FRAGMENT */
#define TH_LIFETIME 0x0008u       /* LIFETIME = q->lifetime */
#define TH_EVEN_PORT 0x0010u      /* EVEN-PORT = q->even_port */
#define TH_NO_REALM 0x0020u
#define TH_NO_NONCE 0x0040u
#define TH_NO_USER 0x0080u
#define TH_BAD_MI 0x0100u         /* sign with a wrong key */
#define TH_FP 0x0200u             /* FINGERPRINT */
#define TH_BAD_FP 0x0400u         /* FINGERPRINT, then corrupt it */
#define TH_CHANGE 0x0800u         /* CHANGE-REQUEST = q->change */
#define TH_TAMPER_PWALGS 0x1000u  /* echo PASSWORD-ALGORITHMS with the order changed */
#define TH_ONLY_PWALG 0x2000u     /* PASSWORD-ALGORITHM without PASSWORD-ALGORITHMS */
#define TH_NO_PWALGS 0x4000u      /* neither, even when offered (MD5) */
#define TH_BOTH_MI 0x8000u        /* MESSAGE-INTEGRITY and -SHA256 */

struct th_user {
	const char *name;
	const char *pass;
	bool no_sha256;  /* cred_lookup answers -EOPNOTSUPP for SHA-256 */
};

/* One request, described; th_build turns it into bytes. */
struct th_req {
	uint16_t method;
	uint8_t cls;               /* STUN_CLASS_REQUEST unless set */
	unsigned int flags;        /* TH_* */
	uint8_t transport;         /* REQUESTED-TRANSPORT, 0 = UDP (Allocate only) */
	uint32_t lifetime;         /* with TH_LIFETIME */
	uint8_t even_port;         /* with TH_EVEN_PORT */
	uint64_t token;            /* RESERVATION-TOKEN if != 0 */
	uint8_t raf;               /* REQUESTED-ADDRESS-FAMILY if != 0 */
	uint8_t aaf;               /* ADDITIONAL-ADDRESS-FAMILY if != 0 */
	uint16_t channel;          /* CHANNEL-NUMBER if != 0 */
	struct stun_addr peer[4];  /* XOR-PEER-ADDRESS */
	unsigned int n_peer;
	const uint8_t *data;       /* DATA if != NULL */
	uint16_t data_len;
	uint16_t unknown_attr;     /* an extra attribute of this type if != 0 */
	uint8_t change;            /* with TH_CHANGE */
	uint16_t response_port;    /* RESPONSE-PORT if != 0 */
	const uint8_t *tid;        /* reuse this transaction id */
	const char *realm;         /* REALM to send instead of the learned one */
};

struct th_client {
	struct stun_5tuple ft;
	const char *user;
	const char *pass;
	uint16_t alg;              /* PASSWORD-ALGORITHM to pick when offered */
	bool mi_sha256;            /* sign with MESSAGE-INTEGRITY-SHA256 */
	bool userhash;             /* USERHASH instead of USERNAME */
	bool fingerprint;
	/* Learned from 401/438. */
	char realm[128];
	char nonce[STUN_MAX_NONCE_LEN + 1];
	size_t nonce_len;
	uint8_t pw_algs[32];
	size_t pw_algs_len;
	/* The last request built. */
	uint8_t tid[STUN_TID_LEN];
	uint8_t key[STUN_KEY_MAX_LEN];
	size_t key_len;
	uint32_t seq;
	uint8_t idx;
	bool used;
};

/* What came back, flattened and parsed. */
struct th_resp {
	enum turn_verdict verdict;
	enum tp_drop_reason drop;
	struct stun_addr src, dst;
	uint8_t bytes[2048];
	size_t len;
	/* REPLY and Data indications */
	bool stun;
	uint8_t cls;
	uint16_t method;
	uint8_t tid[STUN_TID_LEN];
	uint16_t error;            /* 0 when no ERROR-CODE */
	char reason[128];
	bool has_realm, has_nonce, has_pw_algs, has_software, has_mi, has_mi256, has_fp;
	int mi_check;              /* stun_check_integrity with the client's key */
	unsigned int n_relayed;
	struct stun_addr relayed[2];
	bool has_mapped;
	struct stun_addr mapped;
	bool has_lifetime;
	uint32_t lifetime;
	bool has_token;
	uint64_t token;
	uint8_t addr_err_family;
	uint16_t addr_err_code;
	unsigned int n_unknown;
	uint16_t unknown[8];
	bool has_alternate, has_origin, has_other;
	struct stun_addr alternate, origin, other;
	/* TO_CLIENT: ChannelData or Data indication; TO_PEER: the datagram */
	uint16_t channel;
	struct stun_addr peer;
	const uint8_t *data;
	size_t data_len;
	uint16_t msg_len;          /* STUN length field of a Data indication */
};

struct th {
	struct turn_config cfg;
	struct turn_hooks hooks;
	struct stun_rest_secrets rest;
	uint8_t nonce_secret[32];
	/* Relay pool and table, set before th_start. */
	bool no_v4, no_v6;
	uint16_t port_min, port_max;
	unsigned int table_cap;

	struct turn_server *s;
	struct turn_table *tbl;
	struct turn_relay_pool *pool;
	uint64_t now;

	struct th_user users[TH_MAX_USERS];
	unsigned int n_users;
	struct th_client clients[TH_MAX_CLIENTS];

	/* Switches. */
	int cred_rc;               /* != 0: cred_lookup returns this */
	int quota_rc;              /* != 0: quota_acquire returns this */
	unsigned int quota_limit;  /* 0 = unlimited, else -EDQUOT beyond */
	int relay_rc[3];           /* by family: != 0 forces relay_alloc to fail */
	bool deny_all;
	int challenge_budget;      /* >= 0: challenges admitted before challenge_admit refuses */
	unsigned int challenge_asks;
	struct stun_addr deny;     /* peer IP the policy refuses, family 0 = none */

	/* Counters. */
	unsigned int cred_calls;
	unsigned int quota_active, quota_acquired, quota_released;
	unsigned int relays_active;
	unsigned int events[TURN_EVENT_CHANNEL + 1];
	unsigned int peer_checks;

	/* The last exchange. */
	uint8_t req[2048];
	size_t req_len;
	uint8_t obuf[TURN_OUT_BUF];
	struct turn_out out;
	struct th_resp resp;
};

struct stun_addr th_addr(const char *s);
void th_init(struct th *h);
int th_start(struct th *h);
void th_fini(struct th *h);
/* th_fini then th_start: apply a changed h->cfg. Returns th_start's result. */
int th_restart(struct th *h);
/* cmocka-style setup/teardown: a started harness in *state, and its end. */
int th_setup(void **state);
int th_teardown(void **state);
int th_add_user(struct th *h, const char *name, const char *pass);

/* Client @i: 198.18.1.(i+1):(40000+i) to TH_SERVER, user alice. */
struct th_client *th_client(struct th *h, unsigned int i);

/* Bytes of @q from @c into @buf; remembers tid and key in @c. Returns the
 * length, or -errno. */
/* The credentials part of a request (USERNAME or USERHASH, REALM, NONCE,
 * PASSWORD-ALGORITHM(S), integrity) appended to @b; used by th_build and by
 * the fuzzer's "signed raw" requests. */
void th_put_auth(struct th *h, struct th_client *c, const struct th_req *q,
		 struct stun_builder *b);
int th_build(struct th *h, struct th_client *c, const struct th_req *q, uint8_t *buf,
	     size_t cap);
/* One client datagram at h->now; the answer lands in h->out / h->resp and
 * @c learns REALM, NONCE and PASSWORD-ALGORITHMS from it. */
enum turn_verdict th_input(struct th *h, struct th_client *c, const uint8_t *pkt, size_t len);
/* th_build into h->req, then th_input. */
enum turn_verdict th_request(struct th *h, struct th_client *c, const struct th_req *q);
/* Send h->req again as it is (a retransmission). */
enum turn_verdict th_retransmit(struct th *h, struct th_client *c);
/* A datagram from @peer to @relay. */
enum turn_verdict th_peer(struct th *h, const struct stun_addr *peer,
			  const struct stun_addr *relay, const uint8_t *data, size_t len);

/*
 * Allocate as a client would: without a nonce first (401), then with
 * credentials. @q adds attributes (method forced to Allocate). Returns 0
 * on success, the error code of the last response, or -1 if the last
 * verdict was not a reply.
 */
int th_allocate(struct th *h, struct th_client *c, const struct th_req *q);
/* Convenience wrappers; each returns the error code, 0, or -1. */
int th_refresh(struct th *h, struct th_client *c, bool has_lifetime, uint32_t lifetime);
int th_permit(struct th *h, struct th_client *c, const struct stun_addr *peer);
int th_bind(struct th *h, struct th_client *c, uint16_t channel, const struct stun_addr *peer);
/* Data toward a peer: verdicts. */
enum turn_verdict th_send(struct th *h, struct th_client *c, const struct stun_addr *peer,
			  const uint8_t *data, uint16_t len);
enum turn_verdict th_channeldata(struct th *h, struct th_client *c, uint16_t channel,
				 const uint8_t *data, uint16_t len, bool pad);

#endif

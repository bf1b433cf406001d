/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A TURN client message layer (RFC 8656 over UDP, RFC 8489 long-term
 * credentials) on the protocol core, shared by the test tools, the perf
 * harness and the benchmarks. It builds requests and indications into
 * caller buffers and parses what the server sends back; it has no
 * sockets and no timers, so the caller moves the bytes, retransmits the
 * same bytes on a timeout and bounds its own loops.
 *
 *   struct turn_client c;
 *   turn_client_init(&c, "alice", "secret");     // or turn_client_init_rest()
 *   struct turn_client_result r;
 *   for (int round = 0; round < 3; round++) {
 *       int n = turn_client_allocate(&c, NULL, req, sizeof(req));
 *       send(req, n);
 *       do len = recv(resp);                       // with a timeout; resend req on it
 *       while (turn_client_parse_response(&c, resp, len, &r) == -ESRCH);
 *       if (!r.retry)                              // retry: 401 then credentials, 438
 *           break;
 *   }
 *   if (r.error == 0 && r.integrity == 0) use(r.relayed[0]);
 *   n = turn_client_channel_bind(&c, 0x4000, &peer, req, sizeof(req));  // same loop
 *   n = turn_client_channeldata(req, sizeof(req), 0x4000, payload, plen, false);
 *   turn_client_parse_data(pkt, len, &d);          // ChannelData or Data indication
 *   turn_client_fini(&c);
 *
 * Authentication follows RFC 8489 9.2.3: the first request goes without
 * credentials; a 401 or 438 teaches the client REALM, NONCE and, when
 * the nonce carries the password-algorithms feature bit, the server's
 * PASSWORD-ALGORITHMS, of which it picks prefer_alg (SHA-256 unless
 * changed) or the other known one. Later requests carry USERNAME, REALM,
 * NONCE, the offered list echoed byte for byte, PASSWORD-ALGORITHM, and
 * MESSAGE-INTEGRITY-SHA256 when the key is SHA-256, else
 * MESSAGE-INTEGRITY. The key and its pre-keyed HMAC states are derived
 * once per learned realm and algorithm, not per request.
 *
 * Only the last request built is outstanding: a response is accepted
 * only with its transaction id, so late answers to earlier
 * transmissions are told apart (-ESRCH). Use one struct per 5-tuple.
 * Not thread-safe.
 */
#ifndef TURN_CLIENT_H
#define TURN_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stun_addr.h"
#include "stun_cred.h"
#include "stun_integrity.h"
#include "stun_proto.h"

#define TURN_CLIENT_PASSWORD_MAX 256
/* The PASSWORD-ALGORITHMS value must be echoed verbatim; a longer list
 * than this cannot be echoed and makes learning fail. */
#define TURN_CLIENT_PWALGS_MAX 64
#define TURN_CLIENT_REASON_MAX 128

struct turn_client {
	/* Credentials, set by init. */
	char user[STUN_USERNAME_MAX + 1];
	uint16_t user_len;
	char pass[TURN_CLIENT_PASSWORD_MAX + 1];
	uint16_t pass_len;
	/* Options; change them after init. */
	uint16_t prefer_alg;   /* STUN_PWALG_SHA256 (default) or STUN_PWALG_MD5 */
	bool fingerprint;      /* FINGERPRINT on requests and Send indications */
	/* Learned from 401 / 438. */
	char realm[STUN_MAX_REALM_LEN + 1];
	uint16_t realm_len;
	char nonce[STUN_MAX_NONCE_LEN + 1];
	uint16_t nonce_len;    /* 0: nothing learned, requests go unauthenticated */
	uint8_t pw_algs[TURN_CLIENT_PWALGS_MAX];
	uint16_t pw_algs_len;  /* 0: none offered: MD5, neither attribute sent */
	uint16_t alg;          /* STUN_PWALG_* of the key */
	uint8_t key[STUN_KEY_MAX_LEN];
	uint8_t key_len;       /* 0: no key yet */
	struct stun_hmac_key hkey;
	/* The last request built; responses are matched against it. */
	uint8_t tid[STUN_TID_LEN];
	uint16_t method;
	bool authed;           /* it carried credentials */
	uint64_t rng;          /* transaction id generator */
};

/*
 * Allocate options; a zeroed struct (or NULL) asks for a plain UDP
 * allocation of the server's default family and lifetime.
 */
struct turn_client_alloc_opts {
	uint8_t transport;          /* REQUESTED-TRANSPORT value, 0 = UDP (17) */
	uint8_t family;             /* REQUESTED-ADDRESS-FAMILY, 0 = omit */
	uint8_t additional_family;  /* ADDITIONAL-ADDRESS-FAMILY, 0 = omit */
	bool even_port;             /* EVEN-PORT ... */
	bool reserve;               /* ... with the R bit */
	bool dont_fragment;         /* DONT-FRAGMENT */
	bool has_lifetime;          /* LIFETIME = lifetime */
	uint32_t lifetime;
	uint64_t reservation_token; /* RESERVATION-TOKEN, 0 = omit */
};

/* A response, parsed. Addresses are valid when their has_ flag or count
 * says so; reason is NUL-terminated with non-printable bytes as '?'. */
struct turn_client_result {
	uint16_t method;
	uint8_t cls;                 /* STUN_CLASS_SUCCESS or STUN_CLASS_ERROR */
	uint8_t tid[STUN_TID_LEN];
	uint16_t error;              /* ERROR-CODE, 0 for a success */
	char reason[TURN_CLIENT_REASON_MAX];
	/*
	 * MESSAGE-INTEGRITY(-SHA256) with the client's key: 0 verified,
	 * -ENOENT absent, -ENOKEY present but no key yet, -EACCES wrong.
	 * RFC 8489 9.2.5 says to discard a response to an authenticated
	 * request unless this is 0 (401 and 438 excepted); the caller
	 * decides, so that a test tool can report it.
	 */
	int integrity;
	/* 401/438: realm and nonce were learned and a new request (a new
	 * transaction, built again) should be sent. False for a 401 to a
	 * request that already carried credentials (they are wrong), and
	 * when the challenge cannot be answered (no known algorithm, a
	 * bid-down, an over-long attribute). */
	bool retry;
	unsigned int n_relayed;
	struct stun_addr relayed[2]; /* XOR-RELAYED-ADDRESS, in order */
	bool has_mapped;
	struct stun_addr mapped;     /* XOR-MAPPED-ADDRESS */
	bool has_lifetime;
	uint32_t lifetime;
	bool has_token;
	uint64_t token;              /* RESERVATION-TOKEN */
	uint8_t addr_error_family;   /* ADDRESS-ERROR-CODE, 0 if absent */
	uint16_t addr_error;
	bool has_alternate;
	struct stun_addr alternate;  /* ALTERNATE-SERVER (300) */
	unsigned int n_unknown;
	uint16_t unknown[8];         /* UNKNOWN-ATTRIBUTES (420) */
};

enum turn_client_data_kind {
	TURN_CLIENT_DATA_INDICATION,
	TURN_CLIENT_CHANNELDATA,
};

/* Peer data from the server; payload points into the received buffer. */
struct turn_client_data {
	enum turn_client_data_kind kind;
	uint16_t channel;           /* ChannelData */
	struct stun_addr peer;      /* Data indication: XOR-PEER-ADDRESS */
	const uint8_t *payload;
	uint16_t len;
};

/*
 * Set up a session with long-term credentials @user / @password (already
 * OpaqueString-prepared, compared byte for byte). The transaction id
 * generator is seeded from getrandom(2), or from the clock and the
 * struct's address if that fails.
 * Returns 0; -EINVAL if @user is not a valid USERNAME (stun_username_valid)
 * or either is NULL; -ENAMETOOLONG if @password exceeds
 * TURN_CLIENT_PASSWORD_MAX bytes.
 */
int turn_client_init(struct turn_client *c, const char *user, const char *password);

/*
 * Set up a session with TURN REST credentials: username
 * "@expiry@sep@user_id" (or the bare expiry when @user_id is NULL or
 * empty), password base64(HMAC-SHA1(@secret, username)). @sep 0 means
 * ':'. Returns 0 or the errors of turn_client_init; -EINVAL also for an
 * empty secret or one longer than STUN_REST_SECRET_MAX.
 */
int turn_client_init_rest(struct turn_client *c, const uint8_t *secret, size_t secret_len,
			  const char *user_id, uint64_t expiry, char sep);

/* Make transaction ids deterministic (tests). */
void turn_client_seed(struct turn_client *c, uint64_t seed);

/* Wipe the password and keys. */
void turn_client_fini(struct turn_client *c);

/*
 * Requests. Each writes a new transaction into @buf (at most
 * STUN_MAX_MSG_LEN bytes are used), remembers its id and method in @c,
 * and returns its length; -ENOSPC if @cap is too small, -EINVAL for bad
 * arguments (below). Allocate, Refresh, CreatePermission and ChannelBind
 * carry credentials once a nonce has been learned; Binding never does.
 * FINGERPRINT is added when c->fingerprint is set.
 *
 * refresh: LIFETIME only when @has_lifetime (0 deletes the allocation).
 * create_permission: -EINVAL when @n is 0 or a peer has no family; more
 * than 8 peers are sent as given (the server answers 508).
 * channel_bind: @number is sent as given, in or out of range, so that
 * servers can be tested; -EINVAL for a peer without family.
 */
int turn_client_binding(struct turn_client *c, uint8_t *buf, size_t cap);
int turn_client_allocate(struct turn_client *c, const struct turn_client_alloc_opts *o,
			 uint8_t *buf, size_t cap);
int turn_client_refresh(struct turn_client *c, bool has_lifetime, uint32_t lifetime,
			uint8_t *buf, size_t cap);
int turn_client_create_permission(struct turn_client *c, const struct stun_addr *peers,
				  unsigned int n, uint8_t *buf, size_t cap);
int turn_client_channel_bind(struct turn_client *c, uint16_t number,
			     const struct stun_addr *peer, uint8_t *buf, size_t cap);

/*
 * A Send indication of @len bytes to @peer (RFC 8656 10.1), with
 * DONT-FRAGMENT if asked. Not a transaction: the last request stays the
 * one responses are matched against. Returns the length, -ENOSPC, or
 * -EINVAL for a peer without family.
 */
int turn_client_send(struct turn_client *c, const struct stun_addr *peer, const uint8_t *data,
		     size_t len, bool dont_fragment, uint8_t *buf, size_t cap);

/* ChannelData (RFC 8656 12.4), zero-padded to 4 bytes if @pad. @data may
 * already sit at buf + 4. Returns the length, -ENOSPC or -EINVAL (@len
 * over 65535). */
int turn_client_channeldata(uint8_t *buf, size_t cap, uint16_t channel, const uint8_t *data,
			    size_t len, bool pad);

/*
 * Parse a response to the last request. On a 401 or 438 it learns REALM,
 * NONCE and PASSWORD-ALGORITHMS (see the top of this file) and derives
 * the key, so the next request built is authenticated; r->retry says
 * whether to send one.
 * Returns 0 with @r filled; -EINVAL if @buf is not STUN; -ENOMSG if it is
 * STUN but not a response (an indication: see turn_client_parse_data);
 * -EBADMSG if it is malformed, has a wrong FINGERPRINT, is an error
 * response without ERROR-CODE, or a success holding an unknown
 * comprehension-required attribute (RFC 8489 6.3.3); -ESRCH if it
 * answers another transaction
 * (r->tid, r->method and r->cls are set; nothing is learned).
 * Cost: one parse and, for a signed response, one HMAC; a challenge adds
 * one MD5 or SHA-256 and the HMAC key set-up.
 */
int turn_client_parse_response(struct turn_client *c, const uint8_t *buf, size_t len,
			       struct turn_client_result *r);

/*
 * Peer data from the server: ChannelData (any channel in 0x4000-0x7FFF,
 * padded or not) or a Data indication (also one longer than
 * STUN_MAX_MSG_LEN, which a server relaying a large peer datagram
 * sends). Returns 0 with @d filled; -EINVAL if @buf is neither STUN nor
 * ChannelData; -ENOMSG if it is STUN but not a Data indication (a
 * response: see turn_client_parse_response); -EBADMSG if it is
 * malformed, lacks XOR-PEER-ADDRESS or DATA, holds an unknown
 * comprehension-required attribute (RFC 8489 6.3.3: discard), or has a
 * wrong FINGERPRINT.
 */
int turn_client_parse_data(const uint8_t *buf, size_t len, struct turn_client_data *d);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to the TURN state machine (turn_*.c): the server object, the
 * per-request context every handler receives, and the helpers the
 * handlers share. Nothing outside dataplane/stun/turn_*.c includes this.
 *
 * Split of the state machine:
 *   turn_server.c      create/destroy, demultiplexing, dispatch, expiry, stats
 *   turn_response.c    building responses (SOFTWARE, integrity, FINGERPRINT)
 *   turn_auth.c        RFC 8489 long-term authentication, REST credentials
 *   turn_binding.c     STUN Binding and RFC 5780
 *   turn_allocate.c    Allocate and Refresh
 *   turn_permission.c  CreatePermission and ChannelBind, permission/channel slots,
 *                      the overflow block pool
 *   turn_relay.c       Send indications, ChannelData and peer data
 */
#ifndef TURN_SERVER_PRIV_H
#define TURN_SERVER_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stun_msg.h"
#include "stun_nonce.h"
#include "turn_server.h"

/* 2 algorithms x (type, length) with no parameters. */
#define TURN_PWALGS_MAX_LEN 8

/*
 * An overflow block: TURN_OVERFLOW_RECS permissions or channels of one
 * allocation, chained from turn_allocation.perm_ovf / chan_ovf by 1-based
 * pool index (0 ends the chain). Free blocks are chained the same way.
 */
struct turn_ovf_block {
	union {
		struct turn_perm perm[TURN_OVERFLOW_RECS];
		struct turn_channel chan[TURN_OVERFLOW_RECS];
	};
	uint32_t next;
};

/* Overflow blocks one allocation can hold, per kind. */
#define TURN_OVF_PERM_BLOCKS \
	((TURN_MAX_PERMISSIONS - TURN_INLINE_PERMS + TURN_OVERFLOW_RECS - 1) / TURN_OVERFLOW_RECS)
#define TURN_OVF_CHAN_BLOCKS \
	((TURN_MAX_CHANNELS - TURN_INLINE_CHANNELS + TURN_OVERFLOW_RECS - 1) / TURN_OVERFLOW_RECS)

struct turn_ovf_pool {
	struct turn_ovf_block *blocks; /* blocks[i - 1] is block i */
	uint32_t n;
	uint32_t free_head;            /* 0 = empty */
	uint32_t n_free;
};

struct turn_server {
	struct turn_config cfg;   /* copy, defaults filled in */
	size_t realm_len;
	size_t software_len;
	struct turn_hooks hooks;
	void *ctx;
	const struct turn_table_ops *tops;
	void *table;
	struct stun_nonce_ctx nonce;
	uint32_t nonce_features;  /* advertised in every nonce we make */
	uint8_t pw_algs[TURN_PWALGS_MAX_LEN]; /* PASSWORD-ALGORITHMS value */
	uint8_t pw_algs_len;
	bool draining;
	uint64_t sweep_cursor;
	/* Transaction ids of Data indications: a counter whitened with a
	 * per-server seed, so no syscall is needed per packet. */
	uint64_t tid_seed;
	uint64_t tid_seq;
	struct turn_ovf_pool ovf;
	struct turn_stats stats;
};

/*
 * One client request in flight. Handlers fill the response through the
 * reply_* helpers, which read the authentication outcome from here so
 * that every response to an authenticated request is signed the same way.
 */
struct turn_req {
	struct turn_server *s;
	const struct stun_5tuple *ft;
	const struct stun_msg *m;
	uint64_t now;
	uint8_t *obuf;
	size_t ocap;
	struct turn_out *out;
	bool fingerprint;          /* add FINGERPRINT to the response */
	/* Set by turn_auth() on success. */
	bool authed;
	bool keyed;                /* key holds a derived key, wipe it after */
	bool sha256;               /* answer with MESSAGE-INTEGRITY-SHA256 */
	uint16_t alg;              /* STUN_PWALG_* the key was derived with */
	struct stun_hmac_key key;
	uint8_t userhash[STUN_USERHASH_LEN];
	const char *user;          /* for quotas; points into the request or cred */
	size_t user_len;
	uint64_t rest_expiry;
	struct turn_cred cred;
};

/* ---- turn_server.c ---- */

void turn_drop(struct turn_server *s, struct turn_out *out, enum tp_drop_reason why);
/* The allocation of a 5-tuple, or NULL; an expired one is removed
 * (event EXPIRED) and reported absent. */
struct turn_allocation *turn_alloc_find(struct turn_server *s, const struct stun_5tuple *ft,
					uint64_t now);
/* Free relays and quota, emit @ev, remove from the table. */
void turn_alloc_remove(struct turn_server *s, struct turn_allocation *a, enum turn_event ev);
/* The relay address of @family, or NULL. */
const struct stun_addr *turn_alloc_relay(const struct turn_allocation *a, uint8_t family);
void turn_next_tid(struct turn_server *s, uint8_t tid[STUN_TID_LEN]);

/* ---- turn_response.c ---- */

/* Start a response of class @cls to r->m; the caller appends attributes. */
void turn_reply_begin(struct turn_req *r, struct stun_builder *b, uint8_t cls);
/* Append SOFTWARE, integrity (when authenticated) and FINGERPRINT, and
 * fill r->out as a REPLY. @error is the code sent (0 for success). */
void turn_reply_finish(struct turn_req *r, struct stun_builder *b, uint16_t error);
/* A complete error response; @reason NULL for the standard phrase. */
void turn_reply_error(struct turn_req *r, uint16_t code, const char *reason);
/* 420 with UNKNOWN-ATTRIBUTES. */
void turn_reply_unknown(struct turn_req *r, const uint16_t *types, size_t n);
/* 401 or 438 with REALM, a fresh NONCE and PASSWORD-ALGORITHMS. */
void turn_reply_challenge(struct turn_req *r, uint16_t code);
/* A success response with no attributes but the trailing ones. */
void turn_reply_ok(struct turn_req *r);

/* ---- turn_auth.c ---- */

/*
 * RFC 8489 9.2 long-term authentication of r->m. Returns 0 when the
 * request is authenticated (r->authed, r->key, r->userhash, r->user set);
 * -EACCES when an error response (400, 401, 438) has been written to
 * r->out; -EAGAIN when the credential lookup is pending (r->out verdict
 * TURN_PENDING). Allocates nothing.
 */
int turn_auth(struct turn_req *r);

/* ---- turn_binding.c ---- */

void turn_binding(struct turn_req *r);

/* ---- turn_allocate.c ---- */

void turn_allocate(struct turn_req *r);
void turn_refresh(struct turn_req *r);
/* min(max(requested, default), max); absent LIFETIME = default. */
uint32_t turn_lifetime_grant(const struct turn_server *s, const struct stun_msg *m);

/* ---- turn_permission.c ---- */

void turn_create_permission(struct turn_req *r);
void turn_channel_bind(struct turn_req *r);
/* The live permission for @peer's IP, or NULL. */
const struct turn_perm *turn_perm_find(const struct turn_server *s,
				       const struct turn_allocation *a,
				       const struct stun_addr *peer, uint64_t now);
/* The live channel bound to @number, or to exactly @peer; NULL if none. */
const struct turn_channel *turn_chan_by_number(const struct turn_server *s,
					       const struct turn_allocation *a, uint16_t number,
					       uint64_t now);
const struct turn_channel *turn_chan_by_peer(const struct turn_server *s,
					     const struct turn_allocation *a,
					     const struct stun_addr *peer, uint64_t now);
/* The peer a channel is bound to. */
void turn_chan_peer(const struct turn_channel *c, struct stun_addr *out);
/* Give back overflow blocks none of whose records is in use at @now
 * (sweep), or all of them (@all: the allocation is going away). */
void turn_ovf_trim(struct turn_server *s, struct turn_allocation *a, uint64_t now, bool all);
/* The overflow pool, at turn_server_create / turn_server_destroy. */
int turn_ovf_init(struct turn_server *s, uint32_t n);
void turn_ovf_fini(struct turn_server *s);

/* ---- shared by Refresh, CreatePermission and ChannelBind ---- */

/*
 * The allocation a non-Allocate request acts on, after the RFC 8656
 * checks every such request shares: none for the 5-tuple -> 437; other
 * credentials -> 441; a retransmission of the last request -> the stored
 * answer replayed. Returns the allocation to act on, or NULL when a
 * response has been written.
 */
struct turn_allocation *turn_alloc_for_request(struct turn_req *r);
/* Remember the answer to r->m so a retransmission is replayed. */
void turn_txn_store(struct turn_req *r, struct turn_allocation *a, uint16_t error,
		    uint32_t lifetime);
/* Answer with an error and remember it. */
void turn_txn_error(struct turn_req *r, struct turn_allocation *a, uint16_t code);

/* ---- turn_relay.c ---- */

void turn_send_indication(struct turn_req *r);
void turn_channeldata(struct turn_server *s, const struct stun_5tuple *ft, const uint8_t *pkt,
		      size_t len, uint64_t now, struct turn_out *out);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TURN server state machine (RFC 8656 over UDP, RFC 8489 long-term
 * authentication), transport-independent and storage-agnostic.
 *
 * Input: a 5-tuple, the bytes of one datagram, the time. Output: a verdict,
 * the addresses to send from and to, and the bytes to send. No sockets,
 * no DPDK, no allocation on the packet path: the caller supplies the output
 * buffer and the tables.
 *
 *   struct turn_server *s = turn_server_create(&cfg, &hooks, ctx, &turn_table_ops, tbl);
 *   uint8_t obuf[TURN_OUT_BUF];
 *   struct turn_out o;
 *   switch (turn_server_handle_client(s, &ft, pkt, len, now, obuf, sizeof(obuf), &o)) {
 *   case TURN_REPLY:     send(o.src -> o.dst, o.hdr, o.hdr_len);
 *   case TURN_TO_PEER:   send(o.src -> o.dst, o.payload, o.payload_len);   // zero copy
 *   case TURN_TO_CLIENT: send(o.src -> o.dst, o.hdr ++ o.payload ++ o.pad zeros);
 *   case TURN_PENDING:   park pkt, call again when the credential lookup finished;
 *   case TURN_DROP:      count o.drop;
 *   }
 *   turn_server_handle_peer(s, &peer, &relay, pkt, len, now, obuf, sizeof(obuf), &o);
 *   turn_server_sweep(s, now, 64);   // expiry, bounded work
 *
 * Time is Unix seconds (REST credentials carry Unix expiry times).
 */
#ifndef TURN_SERVER_H
#define TURN_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stun_addr.h"
#include "stun_cred.h"
#include "stun_integrity.h"
#include "stun_proto.h"
#include "turnpike/drop.h"

/*
 * Per-allocation permission and channel limits; see docs/protocol.md.
 * Beyond these, CreatePermission / ChannelBind get 508. The first
 * TURN_INLINE_PERMS permissions and TURN_INLINE_CHANNELS channels live in
 * the allocation itself; the rest, up to the limits, in overflow blocks of
 * TURN_OVERFLOW_RECS records taken from a per-server pool sized by
 * turn_config.overflow_blocks (508 as well when the pool is empty).
 */
#define TURN_MAX_PERMISSIONS 8
#define TURN_MAX_CHANNELS 8
#define TURN_INLINE_PERMS 2
#define TURN_INLINE_CHANNELS 2
#define TURN_OVERFLOW_RECS 2
#define TURN_OVERFLOW_BLOCKS_DEFAULT 1024u
#define TURN_OVERFLOW_BLOCKS_MAX (1u << 26)
#define TURN_QUOTA_USER_MAX 64
/* An output buffer of this size holds every response and every header. */
#define TURN_OUT_BUF 1024

/*
 * Permission and channel records, 24 bytes each. Times in the API are
 * uint64_t Unix seconds; records keep them as uint32_t, which holds Unix
 * seconds until 2106 (later times saturate to UINT32_MAX). Only
 * turn_permission.c reads or writes records; everything else goes
 * through turn_alloc_permissions / turn_alloc_channels.
 */
struct turn_perm {
	uint8_t ip[16];           /* network order; ip[4..15] zero for IPv4 */
	uint32_t expires;         /* Unix seconds */
	uint8_t family;           /* 0 = free slot */
};

struct turn_channel {
	uint8_t ip[16];           /* the bound peer: network order */
	uint32_t expires;         /* bound until then; unusable until expires + quarantine */
	uint16_t port;            /* host order */
	uint16_t number : 15;     /* 0 = free slot; numbers are <= 0x7FFF */
	uint16_t ipv6 : 1;        /* the peer's family: 1 IPv6, 0 IPv4 */
};

/* The response to the last request, kept so a retransmission gets the
 * same answer without being applied twice (RFC 8489 6.3.1). 20 bytes. */
struct turn_last_txn {
	uint8_t tid[STUN_TID_LEN];
	uint16_t method : 12;     /* STUN methods are 12 bits */
	uint16_t valid : 1;
	uint16_t sha256 : 1;      /* request used MESSAGE-INTEGRITY-SHA256 */
	uint16_t alg : 2;         /* integrity used: STUN_PWALG_* (MD5 1, SHA-256 2) */
	uint16_t error;           /* 0 = success */
	uint32_t lifetime;        /* LIFETIME sent, for Allocate and Refresh */
};

/*
 * One allocation, 320 bytes (a unit test holds it to that). Ordered by
 * use: what the relay path touches in both directions (5-tuple, relay
 * addresses, expiry, counters, the inline permissions and channels)
 * comes first, request-only state last.
 */
struct turn_allocation {
	/* -- relay path, both directions: the first four cache lines -- */
	struct stun_5tuple ft;
	uint8_t n_relay;
	uint8_t dont_fragment;
	uint16_t addr_error;              /* ADDRESS-ERROR-CODE sent with the Allocate success */
	/* The low 16 bits of the server's allocation count when this one was
	 * made: with @created, the dataplane's allocation id for events
	 * (in what was padding, so the struct stays 320 bytes). */
	uint16_t seq;
	uint64_t expires;                 /* Unix seconds */
	struct stun_addr relay[2];        /* dual allocation: one per family */
	uint64_t pkts_to_peer, bytes_to_peer, pkts_from_peer, bytes_from_peer;
	/* -- permissions and channels (turn_permission.c only); relay path too -- */
	struct turn_perm perm[TURN_INLINE_PERMS];
	struct turn_channel chan[TURN_INLINE_CHANNELS];
	uint32_t perm_ovf;                /* first overflow block, 1-based pool index; 0 = none */
	uint32_t chan_ovf;
	/* -- requests only -- */
	uint32_t lifetime;                /* granted at Allocate, for retransmissions */
	uint32_t quota_handle;
	uint32_t created;                 /* Unix seconds (u32: until 2106) */
	uint32_t rest_expiry;             /* 0 unless REST credentials; saturates at UINT32_MAX */
	uint64_t reservation_token;       /* issued with EVEN-PORT R=1, 0 if none */
	struct turn_last_txn last;
	uint8_t alloc_tid[STUN_TID_LEN];
	uint8_t userhash[STUN_USERHASH_LEN]; /* identity: SHA-256(username ":" realm) */
};

/* ---- storage: how allocations are found ---- */

/*
 * Table operations the state machine uses. The dataplane provides its own
 * (per-worker hashes and relay-port arrays); turn_table.h provides a
 * simple default for tests, fuzzers and the perf harness.
 */
struct turn_table_ops {
	struct turn_allocation *(*lookup)(void *t, const struct stun_5tuple *ft);
	struct turn_allocation *(*lookup_relay)(void *t, const struct stun_addr *relay);
	/* Zeroed storage for a new allocation keyed by @ft, or NULL when full. */
	struct turn_allocation *(*insert)(void *t, const struct stun_5tuple *ft);
	/* Called once the relay addresses are set, to index them. Returns 0 or -errno. */
	int (*index_relay)(void *t, struct turn_allocation *a);
	void (*remove)(void *t, struct turn_allocation *a);
	/* Visit up to @budget allocations starting at *cursor, calling @cb on
	 * each; @cb returns true if it removed the allocation. Returns the
	 * number visited; *cursor wraps to 0 at the end. */
	unsigned int (*scan)(void *t, uint64_t *cursor, unsigned int budget,
			     bool (*cb)(void *arg, struct turn_allocation *a), void *arg);
};

/* ---- hooks: credentials, quotas, peer policy, relay addresses ---- */

struct turn_cred_req {
	const char *username;     /* NULL when the client sent USERHASH */
	size_t username_len;
	const uint8_t *userhash;  /* 32 bytes or NULL */
	const char *realm;
	size_t realm_len;
	uint16_t alg;             /* STUN_PWALG_MD5 or STUN_PWALG_SHA256 */
};

struct turn_cred {
	uint8_t key[STUN_KEY_MAX_LEN];
	uint8_t key_len;
	/* Resolved user name (for USERHASH lookups), used for quotas. */
	char user[TURN_QUOTA_USER_MAX];
	uint8_t user_len;
};

enum turn_event {
	TURN_EVENT_ALLOCATED,
	TURN_EVENT_REFRESHED,
	TURN_EVENT_DELETED,  /* by Refresh 0 */
	TURN_EVENT_EXPIRED,
	TURN_EVENT_PERMISSION,
	TURN_EVENT_CHANNEL,
};

#define TURN_RELAY_EVEN 0x1u        /* EVEN-PORT */
#define TURN_RELAY_RESERVE_NEXT 0x2u /* EVEN-PORT with R: hold port + 1 */

struct turn_hooks {
	/*
	 * Long-term key for a user. Returns 0 and fills @out; -ENOENT for an
	 * unknown user (401); -EAGAIN if the lookup is in flight (verdict
	 * TURN_PENDING: park and resubmit); -EOPNOTSUPP if the user has no
	 * key for req->alg (401). Required.
	 */
	int (*cred_lookup)(void *ctx, const struct turn_cred_req *req, struct turn_cred *out);
	/* true if relaying to this peer IP is allowed (else 403). NULL = allow all. */
	bool (*peer_allowed)(void *ctx, const struct stun_addr *peer);
	/* Returns 0 and a handle, -EDQUOT (486) or -ENOSPC (508). NULL = no quotas. */
	int (*quota_acquire)(void *ctx, const char *user, size_t len, uint32_t *handle);
	void (*quota_release)(void *ctx, uint32_t handle);
	/*
	 * A relay address of @family. @flags TURN_RELAY_*; @token non-zero
	 * asks for the port reserved under that RESERVATION-TOKEN. Returns 0;
	 * -EAFNOSUPPORT (440); -ENOSPC (508); -ENOENT for an unknown token
	 * (508). With TURN_RELAY_RESERVE_NEXT sets *token_out.
	 */
	int (*relay_alloc)(void *ctx, uint8_t family, unsigned int flags, uint64_t token,
			   struct stun_addr *out, uint64_t *token_out);
	void (*relay_free)(void *ctx, const struct stun_addr *relay);
	/*
	 * Optional: may this client be sent a 401/438 challenge now? The
	 * challenge answers an unauthenticated request, so it is the
	 * reflection vector a per-source rate limit belongs on. false = drop
	 * the request, counted as TP_DROP_RATE_LIMITED. The hook keeps its
	 * own clock. NULL = always.
	 */
	bool (*challenge_admit)(void *ctx, const struct stun_addr *client);
	/* Optional: allocation events (control plane, #5). */
	void (*event)(void *ctx, enum turn_event ev, const struct turn_allocation *a);
};

struct turn_config {
	const char *realm;             /* required */
	const char *software;          /* SOFTWARE in responses, NULL for none */
	uint32_t default_lifetime;     /* 0 = TURN_DEFAULT_LIFETIME */
	uint32_t max_lifetime;         /* 0 = TURN_MAX_LIFETIME */
	uint32_t permission_lifetime;  /* 0 = TURN_PERMISSION_LIFETIME */
	uint32_t channel_lifetime;     /* 0 = TURN_CHANNEL_LIFETIME */
	uint16_t channel_min;          /* 0 = 0x4000 */
	uint16_t channel_max;          /* 0 = 0x4FFF */
	const uint8_t *nonce_secret;   /* required, >= 16 bytes */
	size_t nonce_secret_len;
	uint32_t nonce_lifetime;       /* 0 = 600 */
	/* PASSWORD-ALGORITHMS offered in 401/438, in preference order; n = 0
	 * offers nothing (plain RFC 5389 long-term auth, MD5 only). */
	uint16_t pw_algs[2];
	unsigned int n_pw_algs;
	const struct stun_rest_secrets *rest; /* NULL = no REST credentials */
	char rest_separator;                  /* 0 = ':' */
	bool fingerprint;              /* FINGERPRINT on every response */
	bool rfc5780;                  /* RESPONSE-ORIGIN on Binding, honour RESPONSE-PORT */
	struct stun_addr other_address; /* RFC 5780 OTHER-ADDRESS, family 0 = none */
	struct stun_addr alternate;    /* family != 0: answer Allocate with 300 */
	/*
	 * Overflow blocks for permissions and channels beyond the inline
	 * ones, shared by all allocations of this server and allocated once
	 * by turn_server_create: 0 = TURN_OVERFLOW_BLOCKS_DEFAULT, at most
	 * TURN_OVERFLOW_BLOCKS_MAX. A block holds TURN_OVERFLOW_RECS
	 * permissions or channels, so an allocation at 8 and 8 holds 6.
	 */
	uint32_t overflow_blocks;
};

enum turn_verdict {
	TURN_DROP,
	TURN_REPLY,
	TURN_TO_PEER,
	TURN_TO_CLIENT,
	TURN_PENDING,
};

struct turn_out {
	enum turn_verdict verdict;
	enum tp_drop_reason drop;     /* TURN_DROP */
	struct stun_addr src;         /* our address: server (REPLY, TO_CLIENT) or relay (TO_PEER) */
	struct stun_addr dst;
	uint8_t *hdr;                 /* in the caller's buffer */
	uint16_t hdr_len;
	const uint8_t *payload;       /* inside the input packet */
	uint16_t payload_len;
	uint8_t pad;                  /* zero bytes after the payload */
	uint8_t dont_fragment;        /* TO_PEER: set DF */
	uint16_t error;               /* REPLY: error code sent, 0 for success */
	struct turn_allocation *alloc;
};

struct turn_stats {
	uint64_t requests[16];        /* by method (index = method & 0xf) */
	uint64_t errors[6][100];      /* by class 1..5 and number; error/100, error%100 */
	uint64_t drops[TP_DROP_MAX];
	uint64_t allocations, allocations_active, permissions, channels;
	uint64_t auth_ok, auth_fail, auth_pending;
	/* The overflow pool: blocks in use and configured, and the requests
	 * answered 508 because it was empty. */
	uint64_t overflow_blocks_used, overflow_blocks_total, overflow_exhausted;
};

struct turn_server;

/*
 * Create a server. @cfg is copied (its strings must outlive the server;
 * @cfg->rest is referenced, so secrets may be updated in place). Returns
 * NULL with errno EINVAL for a bad config or ENOMEM.
 */
struct turn_server *turn_server_create(const struct turn_config *cfg,
				       const struct turn_hooks *hooks, void *hook_ctx,
				       const struct turn_table_ops *tops, void *table);
/* Deletes every allocation first (turn_server_flush), so the hooks, their
 * context and the table must still be valid. */
void turn_server_destroy(struct turn_server *s);

/* While draining, Allocate gets 403 "Server is draining"; all else runs on. */
void turn_server_set_draining(struct turn_server *s, bool draining);
int turn_server_rotate_nonce_secret(struct turn_server *s, const uint8_t *secret, size_t len);
const struct turn_stats *turn_server_stats(const struct turn_server *s);
/* Bytes the server holds: the object and its overflow pool (allocations
 * live in the table, which accounts for itself). */
size_t turn_server_footprint(const struct turn_server *s);

/*
 * What an allocation holds, for tests, telemetry and the control plane:
 * permissions live at @now (peer port 0), channels bound or quarantined at
 * @now (bound while expires > now). Writes up to @cap entries to @out and
 * returns how many there are, like snprintf.
 */
struct turn_perm_info {
	struct stun_addr peer;
	uint64_t expires;
};

struct turn_chan_info {
	struct stun_addr peer;
	uint16_t number;
	uint64_t expires;
};

unsigned int turn_alloc_permissions(const struct turn_server *s, const struct turn_allocation *a,
				    uint64_t now, struct turn_perm_info *out, unsigned int cap);
unsigned int turn_alloc_channels(const struct turn_server *s, const struct turn_allocation *a,
				 uint64_t now, struct turn_chan_info *out, unsigned int cap);

/*
 * A datagram from a client: STUN Binding, TURN requests, Send indications
 * and ChannelData. @obuf (>= TURN_OUT_BUF bytes) receives responses and
 * headers. Never reads outside pkt[0..len). Returns out->verdict.
 */
enum turn_verdict turn_server_handle_client(struct turn_server *s, const struct stun_5tuple *ft,
					    const uint8_t *pkt, size_t len, uint64_t now,
					    uint8_t *obuf, size_t ocap, struct turn_out *out);

/*
 * A datagram from @peer to our relay address @relay. Becomes ChannelData
 * if a channel is bound to the peer, else a Data indication, if a
 * permission exists. Returns out->verdict.
 */
enum turn_verdict turn_server_handle_peer(struct turn_server *s, const struct stun_addr *peer,
					  const struct stun_addr *relay, const uint8_t *pkt,
					  size_t len, uint64_t now, uint8_t *obuf, size_t ocap,
					  struct turn_out *out);

/* Expire allocations, bounded to @budget visited entries. Returns the
 * number removed. Permissions and channels expire lazily on use; the
 * overflow blocks of lapsed ones go back to the pool when the sweep
 * visits their allocation (or at its next CreatePermission/ChannelBind). */
unsigned int turn_server_sweep(struct turn_server *s, uint64_t now, unsigned int budget);

/* Delete every allocation (shutdown). */
void turn_server_flush(struct turn_server *s);

/* Copy a verdict's bytes (hdr + payload + pad) into @buf; for tests and
 * the kernel-socket perf harness. Returns the length or -ENOSPC. */
int turn_out_flatten(const struct turn_out *o, uint8_t *buf, size_t cap);

#endif

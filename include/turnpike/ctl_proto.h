/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control channel between turnpike-control and turnpike-dataplane
 * (issue #5): versioned binary frames over a unix stream socket. This
 * header is the one definition of the wire format; the codec is
 * control/ctl_codec.[ch] and the prose is docs/control-channel.md.
 *
 * All integers are big-endian. No field is aligned; readers use byte
 * loads. A frame is a 16-byte header followed by exactly `length` body
 * bytes:
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +---------------------------------------------------------------+
 *   |                     magic 0x54504343 "TPCC"                   |
 *   +---------------+---------------+-------------------------------+
 *   |  version (1)  |     type      |             flags             |
 *   +---------------+---------------+-------------------------------+
 *   |                 length (body bytes, header excluded)          |
 *   +---------------------------------------------------------------+
 *   |                          request id                           |
 *   +---------------------------------------------------------------+
 *   |                     body (length bytes) ...
 *
 * - magic: rejects a peer that is not speaking this protocol at all.
 * - version: CTL_VERSION. A frame with another version is a protocol
 *   error (the connection is closed); HELLO carries the version too so
 *   both ends log what the other speaks.
 * - type: enum ctl_type. A well-framed frame of a type the reader does
 *   not know is skipped (its length is known) and may be answered with
 *   ERROR/CTL_ERR_UNKNOWN_TYPE; it is never fatal.
 * - flags: none defined in version 1. Senders write 0; readers ignore
 *   bits they do not know (and the codec preserves them).
 * - length: body bytes, at most CTL_MAX_BODY (so a frame is at most
 *   CTL_MAX_FRAME bytes). A larger length is a protocol error.
 * - request id: pairs a request with its reply (CRED_LOOKUP with
 *   CRED_ANSWER, COUNTERS_REQUEST with COUNTERS_SNAPSHOT, DRAIN, RELOAD
 *   and the pushes with ACK or ERROR). The requester picks it; the reply
 *   echoes it. Unsolicited messages (ALLOC_EVENT, HELLO) may use 0.
 *
 * Bodies are exact: every byte is accounted for by the layout below, and
 * a body that is shorter or longer than its fields, or has a reserved
 * field that is not zero, is malformed. New fields arrive as new types
 * (or a new version), never by growing an existing body.
 *
 * Field notation below: u8/u16/u32/u64 big-endian integers;
 * str8<N>  = u8 length then that many bytes, length <= N;
 * str16<N> = u16 length then that many bytes, length <= N;
 * addr     = 20 bytes: u8 family (1 IPv4, 2 IPv6), u8 reserved (0),
 *            u16 port, 16 bytes of address (IPv4 in the first 4, the
 *            other 12 zero).
 * Strings are UTF-8 or ASCII text without NUL bytes; they are not
 * NUL-terminated on the wire.
 */
#ifndef TP_CTL_PROTO_H
#define TP_CTL_PROTO_H

#include <stdint.h>

#define CTL_MAGIC 0x54504343u /* "TPCC" */
#define CTL_VERSION 1
#define CTL_HEADER_LEN 16
#define CTL_MAX_FRAME 16384
#define CTL_MAX_BODY (CTL_MAX_FRAME - CTL_HEADER_LEN)

/* Field limits. */
#define CTL_MAX_USER 508   /* like STUN USERNAME (RFC 8489 §14.3) */
#define CTL_MAX_REALM 255  /* like STUN REALM, in bytes (RFC 8489 allows 763; we do not) */
#define CTL_USERHASH_LEN 32
#define CTL_MAX_KEY 32     /* MD5 16 bytes, SHA-256 32 bytes */
#define CTL_MAX_SECRET 256
#define CTL_MAX_SECRETS 8
#define CTL_MAX_RULE 95
#define CTL_MAX_RULES 64   /* allow + deny together */
#define CTL_MAX_COUNTER_NAME 63
#define CTL_MAX_COUNTERS 128
#define CTL_MAX_ERROR_TEXT 255
#define CTL_ADDR_LEN 20

enum ctl_type {
	/* 0 is never sent. */

	/* HELLO, both directions, first frame on a connection.
	 *   u16 version       CTL_VERSION the sender speaks
	 *   u8  role          enum ctl_role
	 *   u8  reserved      0
	 *   u64 instance id   the sender's (e.g. boot-time random) id
	 * 12 bytes. */
	CTL_T_HELLO = 1,

	/* CRED_LOOKUP, dataplane -> control. The long-term key for a user.
	 *   u8  by            enum ctl_lookup_by
	 *   u8  algorithm     enum ctl_pwalg (the key wanted)
	 *   str16<255> realm  may be empty
	 *   by NAME:     str16<508> user, 1..508 bytes
	 *   by USERHASH: 32 bytes USERHASH (RFC 8489 §14.4) */
	CTL_T_CRED_LOOKUP = 2,

	/* CRED_ANSWER, control -> dataplane; request id of the lookup.
	 *   u8  status        enum ctl_cred_status
	 *   u8  algorithm     enum ctl_pwalg
	 *   u8  key length    16 (MD5) or 32 (SHA-256) if FOUND, else 0
	 *   u8  reserved      0
	 *   u32 ttl           seconds the answer (positive or negative) may be cached
	 *   key length bytes  the long-term key
	 *   str16<508> user   the resolved user name (for USERHASH lookups);
	 *                     empty unless FOUND */
	CTL_T_CRED_ANSWER = 3,

	/* REST_SECRETS, control -> dataplane: the full set of shared secrets
	 * for REST-API (time-limited) credentials, newest first; replaces the
	 * previous set.
	 *   u8  count         0..8
	 *   u8  reserved      0
	 *   count x str16<256> secret, 1..256 bytes each (binary allowed) */
	CTL_T_REST_SECRETS = 4,

	/* PEER_RULES, control -> dataplane: the full peer policy; replaces
	 * the previous one.
	 *   u8  flags         bit 0: default deny; other bits 0
	 *   u8  allow count
	 *   u8  deny count    allow + deny <= 64
	 *   u8  reserved      0
	 *   allow count x str8<95> rule, then deny count x str8<95> rule;
	 *   each 1..95 printable ASCII bytes (0x21..0x7e), in the dataplane's
	 *   peer rule syntax (e.g. "10.0.0.0/8", "2001:db8::/32"). */
	CTL_T_PEER_RULES = 5,

	/* QUOTAS, control -> dataplane. 0 means unlimited.
	 *   u32 allocations per user
	 *   u32 allocations in total
	 *   u64 max relayed bits per second per allocation
	 * 16 bytes. */
	CTL_T_QUOTAS = 6,

	/* ALLOC_EVENT, dataplane -> control; request id 0 or a sequence.
	 *   u8  kind          enum ctl_alloc_kind
	 *   u8  transport     17 (UDP)
	 *   u16 reserved      0
	 *   u32 lifetime      seconds left (senders write 0 for DELETED, EXPIRED)
	 *   u64 allocation id
	 *   addr client       the 5-tuple: client address and port,
	 *   addr server       the server address and port it talks to,
	 *   addr relay        and the relayed transport address
	 *   u64 packets client->peers
	 *   u64 bytes   client->peers
	 *   u64 packets peers->client
	 *   u64 bytes   peers->client
	 *   str16<508> user
	 * 110 bytes + user. */
	CTL_T_ALLOC_EVENT = 7,

	/* COUNTERS_REQUEST, control -> dataplane. Empty body. */
	CTL_T_COUNTERS_REQUEST = 8,

	/* COUNTERS_SNAPSHOT, dataplane -> control; request id of the request.
	 *   u16 count         0..128
	 *   u16 reserved      0
	 *   count x { str8<63> name (1..63 bytes of [a-z0-9_.]), u64 value } */
	CTL_T_COUNTERS_SNAPSHOT = 9,

	/* DRAIN, control -> dataplane: refuse new allocations, keep the
	 * existing ones until they expire. Empty body. Answered with ACK. */
	CTL_T_DRAIN = 10,

	/* RELOAD, control -> dataplane: re-read the configuration file.
	 * Empty body. Answered with ACK or ERROR. */
	CTL_T_RELOAD = 11,

	/* ACK, either direction; request id of the request. Empty body. */
	CTL_T_ACK = 12,

	/* ERROR, either direction; request id of the request.
	 *   u8  request type  the type that failed (may be one the replier
	 *                     does not know)
	 *   u8  reserved      0
	 *   u16 code          enum ctl_error_code; an open set, not 0
	 *   str8<255> text    human-readable, may be empty */
	CTL_T_ERROR = 13,
};

#define CTL_T_MAX CTL_T_ERROR

enum ctl_role {
	CTL_ROLE_DATAPLANE = 1,
	CTL_ROLE_CONTROL = 2,
};

enum ctl_lookup_by {
	CTL_LOOKUP_BY_NAME = 0,
	CTL_LOOKUP_BY_USERHASH = 1,
};

/* The same values as STUN PASSWORD-ALGORITHM (RFC 8489 §18.5). */
enum ctl_pwalg {
	CTL_PWALG_MD5 = 1,
	CTL_PWALG_SHA256 = 2,
};

enum ctl_cred_status {
	CTL_CRED_FOUND = 0,
	CTL_CRED_NOT_FOUND = 1,
	CTL_CRED_ERROR = 2, /* store unreachable etc.; the dataplane answers 500 */
};

#define CTL_PEER_DEFAULT_DENY 0x01

enum ctl_alloc_kind {
	CTL_ALLOC_CREATED = 1,
	CTL_ALLOC_REFRESHED = 2,
	CTL_ALLOC_DELETED = 3, /* by the client (Refresh lifetime 0) */
	CTL_ALLOC_EXPIRED = 4,
};

/* An open set: readers accept any non-zero code. */
enum ctl_error_code {
	CTL_ERR_UNKNOWN_TYPE = 1, /* the request type is not known */
	CTL_ERR_BAD_MESSAGE = 2,  /* well framed, body malformed */
	CTL_ERR_FAILED = 3,       /* understood, could not be done (see text) */
	CTL_ERR_BUSY = 4,         /* try again later */
};

#endif

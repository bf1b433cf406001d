/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Codec for the control channel (include/turnpike/ctl_proto.h). Pure C:
 * no allocation, no I/O, no DPDK, no libevent.
 *
 *   struct ctl_msg m;
 *   ctl_msg_init(&m, CTL_T_CRED_LOOKUP, 42);
 *   ...fill m.u.lookup...
 *   int n = ctl_encode(&m, buf, sizeof(buf));   // bytes, -ENOSPC, -EINVAL
 *
 *   // Reading a stream socket: append to a buffer, then
 *   int r = ctl_decode(in, in_len, &m);
 *   //  r > 0      one frame decoded into m, r bytes consumed
 *   //  r == 0     need more bytes
 *   //  -ENOTSUP   unknown type, well framed: skip m.frame_len bytes
 *   //  -EBADMSG   known type, bad body: m.frame_len bytes may be skipped
 *   //  -EPROTO    bad magic or version: close the connection
 *   //  -EMSGSIZE  length over CTL_MAX_BODY: close the connection
 *
 * Strings are COPIED into fixed arrays in struct ctl_msg, with a length
 * and a NUL terminator (the wire forbids NUL inside text, so the arrays
 * are C strings; REST secrets are binary and only have a length). The
 * decoded message therefore does not point into the input buffer.
 * struct ctl_msg is about 10 KiB: keep one per connection, not per call
 * chain on a small stack.
 */
#ifndef TP_CTL_CODEC_H
#define TP_CTL_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "stun_addr.h"
#include "turnpike/ctl_proto.h"

struct ctl_hello {
	uint16_t version;
	uint8_t role; /* enum ctl_role */
	uint64_t instance_id;
};

struct ctl_cred_lookup {
	uint8_t by;        /* enum ctl_lookup_by */
	uint8_t algorithm; /* enum ctl_pwalg */
	uint16_t realm_len;
	uint16_t user_len; /* BY_NAME */
	char realm[CTL_MAX_REALM + 1];
	char user[CTL_MAX_USER + 1];
	uint8_t userhash[CTL_USERHASH_LEN]; /* BY_USERHASH */
};

struct ctl_cred_answer {
	uint8_t status;    /* enum ctl_cred_status */
	uint8_t algorithm; /* enum ctl_pwalg */
	uint8_t key_len;   /* 16/32 if FOUND, else 0 */
	uint32_t ttl;
	uint8_t key[CTL_MAX_KEY];
	uint16_t user_len;
	char user[CTL_MAX_USER + 1];
};

struct ctl_secret {
	uint16_t len;
	uint8_t data[CTL_MAX_SECRET];
};

struct ctl_rest_secrets {
	uint8_t count;
	struct ctl_secret secret[CTL_MAX_SECRETS];
};

struct ctl_rule {
	uint8_t len;
	char text[CTL_MAX_RULE + 1];
};

/* rule[0 .. n_allow-1] are the allow rules, rule[n_allow .. n_allow+n_deny-1]
 * the deny rules. */
struct ctl_peer_rules {
	uint8_t flags; /* CTL_PEER_DEFAULT_DENY */
	uint8_t n_allow;
	uint8_t n_deny;
	struct ctl_rule rule[CTL_MAX_RULES];
};

struct ctl_quotas {
	uint32_t user_quota;
	uint32_t total_quota;
	uint64_t max_bps;
};

struct ctl_alloc_event {
	uint8_t kind; /* enum ctl_alloc_kind */
	uint32_t lifetime;
	uint64_t alloc_id;
	struct stun_5tuple ft; /* client, server, proto (TURN_TRANSPORT_UDP) */
	struct stun_addr relay;
	uint64_t c2p_packets, c2p_bytes; /* client -> peers */
	uint64_t p2c_packets, p2c_bytes; /* peers -> client */
	uint16_t user_len;
	char user[CTL_MAX_USER + 1];
};

struct ctl_counter {
	uint8_t name_len;
	char name[CTL_MAX_COUNTER_NAME + 1];
	uint64_t value;
};

struct ctl_counters {
	uint16_t count;
	struct ctl_counter c[CTL_MAX_COUNTERS];
};

struct ctl_error {
	uint8_t req_type;
	uint16_t code; /* enum ctl_error_code, any non-zero value */
	uint8_t text_len;
	char text[CTL_MAX_ERROR_TEXT + 1];
};

struct ctl_msg {
	/* Header. */
	uint8_t type; /* enum ctl_type, or the unknown type for -ENOTSUP */
	uint16_t flags;
	uint32_t request_id;
	/* Set by ctl_decode whenever the header is complete and sane (returns
	 * > 0, -ENOTSUP, -EBADMSG): header + body bytes. */
	uint32_t frame_len;
	union {
		struct ctl_hello hello;
		struct ctl_cred_lookup lookup;
		struct ctl_cred_answer answer;
		struct ctl_rest_secrets secrets;
		struct ctl_peer_rules rules;
		struct ctl_quotas quotas;
		struct ctl_alloc_event alloc;
		struct ctl_counters counters;
		struct ctl_error error;
		/* COUNTERS_REQUEST, DRAIN, RELOAD, ACK: no body. */
	} u;
};

/* Zero @m and set the header fields. */
void ctl_msg_init(struct ctl_msg *m, uint8_t type, uint32_t request_id);

/* Copy a C string into a text field of capacity @max + 1 (for callers
 * filling a message). Returns the length to store in the field's length
 * member, or -EINVAL if @src is longer than @max. */
int ctl_set_str(char *dst, size_t max, const char *src);

/*
 * Check @m against every rule the decoder enforces (enums, lengths,
 * character sets, reserved bits of the struct fields). 0 or -EINVAL.
 * Unknown types are -EINVAL: the codec only writes what it can read.
 */
int ctl_validate(const struct ctl_msg *m);

/* Encode @m into @buf. Returns the frame length, -EINVAL if @m is not
 * valid (ctl_validate), or -ENOSPC if @cap is too small. */
int ctl_encode(const struct ctl_msg *m, uint8_t *buf, size_t cap);

/* Decode one frame from the start of @buf (see the top of this file).
 * Reads nothing outside [buf, buf+len). Bad magic is reported as soon as
 * the bytes present disagree with it, a bad version as soon as byte 4 is
 * there, so a stream reader does not wait for a frame that never comes. */
int ctl_decode(const uint8_t *buf, size_t len, struct ctl_msg *out);

/* "HELLO", "CRED_LOOKUP", ... or "UNKNOWN". */
const char *ctl_type_name(unsigned int type);

#endif

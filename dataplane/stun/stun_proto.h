/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * STUN (RFC 8489), TURN (RFC 8656) and RFC 5780 wire constants.
 *
 * Pure constants, shared by the codec, the TURN state machine, the perf
 * harness (a TURN client), the tests and the fuzzers.
 */
#ifndef STUN_PROTO_H
#define STUN_PROTO_H

#include <stdint.h>

#define STUN_MAGIC_COOKIE 0x2112A442u
#define STUN_HEADER_LEN 20
#define STUN_TID_LEN 12
#define STUN_ATTR_HDR_LEN 4
#define STUN_FINGERPRINT_XOR 0x5354554Eu

/* Length limits from RFC 8489 section 14 (bytes, before padding). */
#define STUN_MAX_USERNAME_LEN 513   /* the attribute; the name itself is < 509 */
#define STUN_MAX_REALM_LEN 763
#define STUN_MAX_NONCE_LEN 763
#define STUN_MAX_SOFTWARE_LEN 763
#define STUN_MAX_REASON_LEN 763
#define STUN_MI_SHA1_LEN 20
#define STUN_MI_SHA256_MIN_LEN 16
#define STUN_MI_SHA256_MAX_LEN 32
#define STUN_USERHASH_LEN 32

/* Largest message the codec builds or accepts: fits a 1500-byte MTU path
 * with IPv6 + UDP headers removed, and every TURN request we answer. */
#define STUN_MAX_MSG_LEN 1500

/* Methods (12 bits). */
enum stun_method {
	STUN_METHOD_BINDING = 0x001,
	TURN_METHOD_ALLOCATE = 0x003,
	TURN_METHOD_REFRESH = 0x004,
	TURN_METHOD_SEND = 0x006,
	TURN_METHOD_DATA = 0x007,
	TURN_METHOD_CREATE_PERMISSION = 0x008,
	TURN_METHOD_CHANNEL_BIND = 0x009,
	/* RFC 6062 (TCP allocations): recognised so they get a precise error. */
	TURN_METHOD_CONNECT = 0x00a,
	TURN_METHOD_CONNECTION_BIND = 0x00b,
	TURN_METHOD_CONNECTION_ATTEMPT = 0x00c,
};

/* Classes (2 bits, C1 C0). */
enum stun_class {
	STUN_CLASS_REQUEST = 0,
	STUN_CLASS_INDICATION = 1,
	STUN_CLASS_SUCCESS = 2,
	STUN_CLASS_ERROR = 3,
};

/* Attribute types. Below 0x8000: comprehension-required. */
enum stun_attr_type {
	STUN_ATTR_MAPPED_ADDRESS = 0x0001,
	STUN_ATTR_CHANGE_REQUEST = 0x0003,          /* RFC 5780 */
	STUN_ATTR_USERNAME = 0x0006,
	STUN_ATTR_MESSAGE_INTEGRITY = 0x0008,
	STUN_ATTR_ERROR_CODE = 0x0009,
	STUN_ATTR_UNKNOWN_ATTRIBUTES = 0x000A,
	STUN_ATTR_CHANNEL_NUMBER = 0x000C,          /* RFC 8656 */
	STUN_ATTR_LIFETIME = 0x000D,
	STUN_ATTR_XOR_PEER_ADDRESS = 0x0012,
	STUN_ATTR_DATA = 0x0013,
	STUN_ATTR_REALM = 0x0014,
	STUN_ATTR_NONCE = 0x0015,
	STUN_ATTR_XOR_RELAYED_ADDRESS = 0x0016,
	STUN_ATTR_REQUESTED_ADDRESS_FAMILY = 0x0017,
	STUN_ATTR_EVEN_PORT = 0x0018,
	STUN_ATTR_REQUESTED_TRANSPORT = 0x0019,
	STUN_ATTR_DONT_FRAGMENT = 0x001A,
	STUN_ATTR_MESSAGE_INTEGRITY_SHA256 = 0x001C,
	STUN_ATTR_PASSWORD_ALGORITHM = 0x001D,
	STUN_ATTR_USERHASH = 0x001E,
	STUN_ATTR_XOR_MAPPED_ADDRESS = 0x0020,
	STUN_ATTR_RESERVATION_TOKEN = 0x0022,
	STUN_ATTR_PRIORITY = 0x0024,                /* RFC 8445 */
	STUN_ATTR_USE_CANDIDATE = 0x0025,           /* RFC 8445 */
	STUN_ATTR_PADDING = 0x0026,                 /* RFC 5780 */
	STUN_ATTR_RESPONSE_PORT = 0x0027,           /* RFC 5780 */
	/* comprehension-optional */
	STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY = 0x8000,
	STUN_ATTR_ADDRESS_ERROR_CODE = 0x8001,
	STUN_ATTR_PASSWORD_ALGORITHMS = 0x8002,
	STUN_ATTR_ALTERNATE_DOMAIN = 0x8003,
	STUN_ATTR_ICMP = 0x8004,
	STUN_ATTR_SOFTWARE = 0x8022,
	STUN_ATTR_ALTERNATE_SERVER = 0x8023,
	STUN_ATTR_FINGERPRINT = 0x8028,
	STUN_ATTR_ICE_CONTROLLED = 0x8029,          /* RFC 8445 */
	STUN_ATTR_ICE_CONTROLLING = 0x802A,         /* RFC 8445 */
	STUN_ATTR_RESPONSE_ORIGIN = 0x802B,         /* RFC 5780 */
	STUN_ATTR_OTHER_ADDRESS = 0x802C,           /* RFC 5780 */
};

/* Error codes (RFC 8489 section 14.8, RFC 8656 section 18, RFC 6062). */
enum stun_error_code {
	STUN_ERR_TRY_ALTERNATE = 300,
	STUN_ERR_BAD_REQUEST = 400,
	STUN_ERR_UNAUTHENTICATED = 401,
	STUN_ERR_FORBIDDEN = 403,
	STUN_ERR_UNKNOWN_ATTRIBUTE = 420,
	STUN_ERR_ALLOCATION_MISMATCH = 437,
	STUN_ERR_STALE_NONCE = 438,
	STUN_ERR_ADDRESS_FAMILY_NOT_SUPPORTED = 440,
	STUN_ERR_WRONG_CREDENTIALS = 441,
	STUN_ERR_UNSUPPORTED_TRANSPORT = 442,
	STUN_ERR_PEER_ADDRESS_FAMILY_MISMATCH = 443,
	STUN_ERR_CONNECTION_ALREADY_EXISTS = 446,
	STUN_ERR_CONNECTION_TIMEOUT = 447,
	STUN_ERR_ALLOCATION_QUOTA_REACHED = 486,
	STUN_ERR_ROLE_CONFLICT = 487,
	STUN_ERR_SERVER_ERROR = 500,
	STUN_ERR_INSUFFICIENT_CAPACITY = 508,
};

/* Address families as carried in address attributes and in
 * REQUESTED-ADDRESS-FAMILY / ADDITIONAL-ADDRESS-FAMILY. */
enum stun_family {
	STUN_FAMILY_IPV4 = 0x01,
	STUN_FAMILY_IPV6 = 0x02,
};

/* PASSWORD-ALGORITHM values (RFC 8489 section 18.5). */
enum stun_password_algorithm {
	STUN_PWALG_MD5 = 0x0001,
	STUN_PWALG_SHA256 = 0x0002,
};

/* REQUESTED-TRANSPORT protocol numbers. */
#define TURN_TRANSPORT_UDP 17
#define TURN_TRANSPORT_TCP 6

/* RFC 8489 section 9.2: nonce cookie and security feature bits. The
 * 24-bit feature set is sent base64-encoded right after the cookie. Bit 0
 * of the registry is the least significant bit (RFC 8489 erratum 6290,
 * as libjuice and the Appendix B.1 nonce "obMatJos2AAAC..." read it). */
#define STUN_NONCE_COOKIE "obMatJos2"
#define STUN_NONCE_COOKIE_LEN 9
#define STUN_FEATURE_PASSWORD_ALGORITHMS 0x000001u
#define STUN_FEATURE_USERNAME_ANONYMITY 0x000002u

/* RFC 5780 CHANGE-REQUEST flags. */
#define STUN_CHANGE_IP 0x04u
#define STUN_CHANGE_PORT 0x02u

/* EVEN-PORT R bit. */
#define TURN_EVEN_PORT_RESERVE 0x80u

/* Channel numbers: RFC 8656 narrows the range to 0x4000-0x4FFF so that
 * ChannelData keeps first bytes 64..79 (RFC 7983). */
#define TURN_CHANNEL_MIN 0x4000u
#define TURN_CHANNEL_MAX 0x4FFFu
#define TURN_CHANNEL_MAX_RFC5766 0x7FFFu
#define TURN_CHANNELDATA_HDR_LEN 4

/* Timers (seconds), RFC 8656. */
#define TURN_DEFAULT_LIFETIME 600
#define TURN_MAX_LIFETIME 3600
#define TURN_PERMISSION_LIFETIME 300
#define TURN_CHANNEL_LIFETIME 600
/* After a channel binding expires the number and the peer stay unusable
 * for another 5 minutes (RFC 8656 section 12). */
#define TURN_CHANNEL_QUARANTINE 300
#define TURN_RESERVATION_LIFETIME 30

static inline uint16_t
stun_msg_type(uint16_t method, uint8_t cls)
{
	/* Type bits: M11..M7 C1 M6..M4 C0 M3..M0 */
	return (uint16_t)(((method & 0xF80) << 2) | ((method & 0x070) << 1) | (method & 0x00F) |
			  ((cls & 0x2) << 7) | ((cls & 0x1) << 4));
}

static inline uint16_t
stun_type_method(uint16_t type)
{
	return (uint16_t)(((type & 0x3E00) >> 2) | ((type & 0x00E0) >> 1) | (type & 0x000F));
}

static inline uint8_t
stun_type_class(uint16_t type)
{
	return (uint8_t)(((type & 0x0100) >> 7) | ((type & 0x0010) >> 4));
}

static inline int
stun_attr_comprehension_required(uint16_t type)
{
	return type < 0x8000;
}

#endif

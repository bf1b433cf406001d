/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Standard ERROR-CODE reason phrases: RFC 8489 section 14.8, RFC 8656
 * section 18, RFC 6062 section 6.3 and RFC 8445 section 7.3.1.1 (487).
 * Clients only act on the number; the phrase is for people reading
 * captures, so the RFC wording is kept exactly.
 */
#include "stun_msg.h"

const char *
stun_error_reason(uint16_t code)
{
	switch (code) {
	case STUN_ERR_TRY_ALTERNATE:
		return "Try Alternate";
	case STUN_ERR_BAD_REQUEST:
		return "Bad Request";
	case STUN_ERR_UNAUTHENTICATED:
		return "Unauthenticated";
	case STUN_ERR_FORBIDDEN:
		return "Forbidden";
	case STUN_ERR_UNKNOWN_ATTRIBUTE:
		return "Unknown Attribute";
	case STUN_ERR_ALLOCATION_MISMATCH:
		return "Allocation Mismatch";
	case STUN_ERR_STALE_NONCE:
		return "Stale Nonce";
	case STUN_ERR_ADDRESS_FAMILY_NOT_SUPPORTED:
		return "Address Family not Supported";
	case STUN_ERR_WRONG_CREDENTIALS:
		return "Wrong Credentials";
	case STUN_ERR_UNSUPPORTED_TRANSPORT:
		return "Unsupported Transport Protocol";
	case STUN_ERR_PEER_ADDRESS_FAMILY_MISMATCH:
		return "Peer Address Family Mismatch";
	case STUN_ERR_CONNECTION_ALREADY_EXISTS:
		return "Connection Already Exists";
	case STUN_ERR_CONNECTION_TIMEOUT:
		return "Connection Timeout or Failure";
	case STUN_ERR_ALLOCATION_QUOTA_REACHED:
		return "Allocation Quota Reached";
	case STUN_ERR_ROLE_CONFLICT:
		return "Role Conflict";
	case STUN_ERR_SERVER_ERROR:
		return "Server Error";
	case STUN_ERR_INSUFFICIENT_CAPACITY:
		return "Insufficient Capacity";
	default:
		return "";
	}
}

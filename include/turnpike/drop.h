/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Drop reasons, shared by the protocol core, the dataplane (per-worker
 * counters), telemetry and the control plane (Prometheus labels).
 * One X-macro list so the enum and the names cannot drift apart.
 */
#ifndef TP_DROP_H
#define TP_DROP_H

#define TP_DROP_REASONS(X)                                                                       \
	X(NOT_STUN, "not_stun")                     /* neither STUN nor ChannelData */          \
	X(MALFORMED, "malformed")                   /* STUN header fine, attributes broken */   \
	X(BAD_FINGERPRINT, "bad_fingerprint")                                                    \
	X(UNEXPECTED_CLASS, "unexpected_class")     /* a response or unknown indication */      \
	X(UNKNOWN_METHOD_INDICATION, "unknown_method_indication")                                \
	X(INDICATION_UNKNOWN_ATTR, "indication_unknown_attr")                                    \
	X(NO_ALLOCATION, "no_allocation")           /* data for a 5-tuple/relay we do not hold */\
	X(NO_PERMISSION, "no_permission")                                                        \
	X(BAD_CHANNEL, "bad_channel")               /* ChannelData framing or range */          \
	X(CHANNEL_UNBOUND, "channel_unbound")                                                    \
	X(SEND_INVALID, "send_invalid")             /* Send indication without peer or data */  \
	X(PEER_FAMILY, "peer_family")               /* peer family has no relay address */      \
	X(TOO_BIG, "too_big")                       /* would not fit the output buffer */       \
	X(BINDING_INDICATION, "binding_indication") /* keepalive: counted, nothing to send */   \
	X(AUTH_PENDING_FULL, "auth_pending_full")   /* no room to park a credential lookup */   \
	X(RATE_LIMITED, "rate_limited")                                                          \
	/* L2/L3/L4 drops in the dataplane's packet path (dataplane/net_*.c) */                 \
	X(ETH_UNSUPPORTED, "eth_unsupported")       /* ethertype we do not handle */            \
	X(ARP_INVALID, "arp_invalid")               /* malformed or not for our addresses */    \
	X(IP_MALFORMED, "ip_malformed")             /* bad version, lengths or truncated */     \
	X(IP_BAD_CHECKSUM, "ip_bad_checksum")                                                    \
	X(IP_OPTIONS, "ip_options")                 /* IPv4 options: not handled */             \
	X(IP_FRAGMENT, "ip_fragment")               /* IPv4 fragments: not reassembled */       \
	X(IPV6_EXT_HEADER, "ipv6_ext_header")       /* IPv6 extension headers: not handled */   \
	X(NOT_FOR_US, "not_for_us")                 /* destination is not one of our addresses */\
	X(L4_UNSUPPORTED, "l4_unsupported")         /* IP protocol or ICMP type not handled */  \
	X(L4_BAD_CHECKSUM, "l4_bad_checksum")       /* UDP, ICMP or ICMPv6 checksum */          \
	X(UDP_NO_SERVICE, "udp_no_service")         /* not the listen port nor a relay port */  \
	X(ND_INVALID, "nd_invalid")                 /* malformed NS/NA, not for us, unasked NA */\
	X(NO_ROUTE, "no_route")                     /* off-link and no gateway of that family */\
	X(NO_NEIGHBOUR, "no_neighbour")             /* next hop unresolved: ARP/NS sent */      \
	X(MBUF_LAYOUT, "mbuf_layout")               /* multi-segment or no head/tailroom */     \
	X(TX_FULL, "tx_full")                       /* refused by the tx queue */               \
	X(AUTH_PENDING, "auth_pending")             /* parked request: lookup timed out or failed */\
	/* Appended, not grouped with their stage, so earlier values keep their numbers. */     \
	X(ETH_MALFORMED, "eth_malformed")           /* shorter than an Ethernet header */       \
	X(BAD_SOURCE, "bad_source")                 /* source multicast, broadcast, 0, loopback or ours */ \
	X(EXCEPTION_FULL, "exception_full")         /* refused by the exception port's tx queue */ \
	X(EXCEPTION_DISCARD, "exception_discard")   /* from the kernel, nothing we send on */ \
	X(HANDOFF_FULL, "handoff_full")             /* owner worker's hand-off ring full */     \
	X(HANDOFF_LOOP, "handoff_loop")             /* handed over, and not ours either (a bug) */

enum tp_drop_reason {
#define TP_DROP_ENUM_(name, str) TP_DROP_##name,
	TP_DROP_REASONS(TP_DROP_ENUM_)
#undef TP_DROP_ENUM_
	TP_DROP_MAX,
};

static inline const char *
tp_drop_name(unsigned int r)
{
	static const char *const names[] = {
#define TP_DROP_NAME_(name, str) str,
		TP_DROP_REASONS(TP_DROP_NAME_)
#undef TP_DROP_NAME_
	};
	return r < TP_DROP_MAX ? names[r] : "unknown";
}

#endif

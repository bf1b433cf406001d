/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Peer policy: which peer addresses a client may install permissions and
 * channels for (ARCHITECTURE decision 8, "safe by default").
 *
 *   struct tp_peer_policy *p = tp_peer_policy_create(true);
 *   if (p == NULL)
 *       return -errno;
 *   tp_peer_policy_add(p, false, "203.0.113.7");            // deny one host
 *   tp_peer_policy_add(p, true, "198.18.0.0/24");           // allow a lab net
 *   tp_peer_policy_add(p, true, "10.1.0.10-10.1.0.20");     // coturn range form
 *   tp_peer_policy_deny_always(p, "192.0.2.53");            // our Redis
 *   ...
 *   // turn_hooks.peer_allowed: false makes the request fail with 403
 *   return tp_peer_policy_allowed(p, peer);
 *   ...
 *   tp_peer_policy_destroy(p);
 *
 * Decision order for a peer, after canonicalisation (below):
 *   1. it matches a deny-always rule            -> denied
 *   2. it matches an allow rule                 -> allowed
 *   3. it matches the built-in list (if default_deny) or a deny rule
 *                                               -> denied
 *   4. otherwise                                -> allowed
 *
 * Canonicalisation: an IPv4-mapped (::ffff:a.b.c.d) or IPv4-compatible
 * (::a.b.c.d, except :: and ::1) IPv6 address is checked as the IPv4
 * address a.b.c.d, so ::ffff:127.0.0.1 is loopback and denied. A rule
 * written wholly inside one of those two blocks is converted to IPv4 the
 * same way; any other IPv6 rule never matches an address that became
 * IPv4. NAT64 (64:ff9b::/96), 6to4 (2002::/16) and Teredo (2001::/32)
 * addresses are NOT canonicalised: what they reach depends on a
 * translator on the path, so they are denied as whole blocks and an
 * operator who allows one allows all of it.
 *
 * Rules ("rule" arguments): a single address ("192.0.2.1", "2001:db8::1"),
 * a CIDR prefix ("10.0.0.0/8", "2001:db8::/32", host bits must be zero),
 * or an inclusive range of one family ("10.0.0.1-10.0.0.9", as coturn's
 * allowed-peer-ip/denied-peer-ip take it). No spaces, ports, brackets or
 * zone ids.
 *
 * Threading and cost: one instance per worker, never shared; nothing
 * allocates or blocks after create. A lookup is a linear scan of the
 * rules of the peer's family, which is cheaper than a trie below about a
 * hundred rules and is done once per CreatePermission/ChannelBind peer,
 * not per relayed packet.
 */
#ifndef TP_PEER_POLICY_H
#define TP_PEER_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "stun_addr.h"

/* Capacity of each list (allow, deny, deny-always), per address family. */
#define TP_PEER_POLICY_MAX_RULES 128

struct tp_peer_policy;

/* An empty policy; with @default_deny the built-in list below applies.
 * Returns NULL with errno ENOMEM. */
struct tp_peer_policy *tp_peer_policy_create(bool default_deny);

/* NULL is accepted. */
void tp_peer_policy_destroy(struct tp_peer_policy *p);

/* Add an allow (@allow true) or deny rule. Returns 0, -EINVAL if @rule
 * does not parse (see above) or @p is NULL, -ENOSPC if that list already
 * holds TP_PEER_POLICY_MAX_RULES rules of the rule's family. */
int tp_peer_policy_add(struct tp_peer_policy *p, bool allow, const char *rule);

/* Add a rule that wins over every allow rule: for the control plane's own
 * endpoints (Redis, HTTP API), which no allow rule may open. Same errors
 * as tp_peer_policy_add. */
int tp_peer_policy_deny_always(struct tp_peer_policy *p, const char *rule);

/* A prefix length: decimal 0..@max, digits only, no sign, at most three
 * digits (shared with the config loader's "addr/len" settings). Returns
 * 0 or -EINVAL. */
int tp_prefix_len_parse(const char *s, unsigned int max, unsigned int *out);

/* Syntax check only, for the config loader: 0, or -EINVAL with *why (if
 * @why is not NULL) set to a static phrase saying what is wrong. */
int tp_peer_rule_check(const char *rule, const char **why);

/* The verdict for @peer (port ignored). An address without a known
 * family is denied. */
bool tp_peer_policy_allowed(const struct tp_peer_policy *p, const struct stun_addr *peer);

/* @out = @in with mapped/compatible IPv6 forms turned into IPv4 (see
 * above); anything else is copied unchanged. Port is kept. */
void tp_peer_addr_canonical(struct stun_addr *out, const struct stun_addr *in);

/* The built-in deny list as rule strings, in the order it is checked;
 * *@n receives the count. Static storage, for docs and telemetry. */
const char *const *tp_peer_policy_builtin(size_t *n);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * coturn statsdb formatting: see statsdb.h. Every string is bounded by
 * the struct's arrays (a realm is at most 255 bytes, a user at most 508,
 * so a key always fits in STATSDB_KEY_MAX; snprintf truncation is
 * checked anyway and reported as -EINVAL).
 */
#include "statsdb.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "stun_addr.h"

void
statsdb_alloc_id(char *buf, size_t cap, uint64_t instance_id, uint64_t alloc_id)
{
	snprintf(buf, cap, "%016llx-%018llu", (unsigned long long)instance_id,
		 (unsigned long long)alloc_id);
}

int
statsdb_traffic(char *buf, size_t cap, uint64_t rcvp, uint64_t rcvb, uint64_t sentp,
		uint64_t sentb)
{
	return snprintf(buf, cap, "rcvp=%llu, rcvb=%llu, sentp=%llu, sentb=%llu",
			(unsigned long long)rcvp, (unsigned long long)rcvb,
			(unsigned long long)sentp, (unsigned long long)sentb);
}

/* A key component: no '/', no control characters (C0 and DEL). */
static bool
part_ok(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '/' || ch < 0x20 || ch == 0x7f)
			return false;
	}
	return true;
}

static int
set_key(struct statsdb_op *op, const char *base, const char *suffix)
{
	int n = snprintf(op->key, sizeof(op->key), "%s/%s", base, suffix);

	return n < 0 || (size_t)n >= sizeof(op->key) ? -EINVAL : 0;
}

static int
status_value(char *buf, size_t cap, const char *word, const struct ctl_alloc_event *ev)
{
	char local[STUN_ADDR_STRLEN], remote[STUN_ADDR_STRLEN];
	int n;

	stun_addr_format(&ev->ft.server, local, sizeof(local));
	stun_addr_format(&ev->ft.client, remote, sizeof(remote));
	n = snprintf(buf, cap, "%s lifetime=%u, type=UDP, local=%s, remote=%s, ssl=NONE, cipher=NONE",
		     word, (unsigned int)ev->lifetime, local, remote);
	return n < 0 || (size_t)n >= cap ? -EINVAL : 0;
}

int
statsdb_plan(const struct ctl_alloc_event *ev, const char *realm, uint64_t instance_id,
	     uint32_t status_grace, struct statsdb_op ops[STATSDB_MAX_OPS])
{
	char id[STATSDB_ID_LEN + 1];
	char base[STATSDB_KEY_MAX - 32];
	size_t rlen = strlen(realm);
	int n;

	if (ev->user_len == 0 || ev->user_len > CTL_MAX_USER || !part_ok(ev->user, ev->user_len) ||
	    rlen > CTL_MAX_REALM || !part_ok(realm, rlen))
		return -EINVAL;
	if (ev->kind < CTL_ALLOC_CREATED || ev->kind > CTL_ALLOC_EXPIRED)
		return -EINVAL;
	statsdb_alloc_id(id, sizeof(id), instance_id, ev->alloc_id);
	if (rlen)
		n = snprintf(base, sizeof(base), "turn/realm/%s/user/%.*s/allocation/%s", realm,
			     (int)ev->user_len, ev->user, id);
	else
		n = snprintf(base, sizeof(base), "turn/user/%.*s/allocation/%s", (int)ev->user_len,
			     ev->user, id);
	if (n < 0 || (size_t)n >= sizeof(base))
		return -EINVAL;
	memset(ops, 0, sizeof(*ops) * STATSDB_MAX_OPS);

	if (ev->kind == CTL_ALLOC_CREATED || ev->kind == CTL_ALLOC_REFRESHED) {
		const char *word = ev->kind == CTL_ALLOC_CREATED ? "new" : "refreshed";
		uint64_t ex = (uint64_t)ev->lifetime + status_grace;

		ops[0].cmd = STATSDB_SET;
		ops[0].ex = ex > UINT32_MAX ? UINT32_MAX : (uint32_t)(ex ? ex : 1);
		if (set_key(&ops[0], base, "status") != 0 ||
		    status_value(ops[0].val, sizeof(ops[0].val), word, ev) != 0)
			return -EINVAL;
		ops[1] = ops[0];
		ops[1].cmd = STATSDB_PUBLISH;
		ops[1].ex = 0;
		if (ev->kind == CTL_ALLOC_CREATED)
			return 2;
		ops[2].cmd = STATSDB_PUBLISH;
		if (set_key(&ops[2], base, "traffic") != 0)
			return -EINVAL;
		statsdb_traffic(ops[2].val, sizeof(ops[2].val), ev->c2p_packets, ev->c2p_bytes,
				ev->p2c_packets, ev->p2c_bytes);
		ops[3].cmd = STATSDB_PUBLISH;
		if (set_key(&ops[3], base, "traffic/peer") != 0)
			return -EINVAL;
		statsdb_traffic(ops[3].val, sizeof(ops[3].val), ev->p2c_packets, ev->p2c_bytes,
				ev->c2p_packets, ev->c2p_bytes);
		return 4;
	}

	/* DELETED, EXPIRED */
	ops[0].cmd = STATSDB_DEL;
	if (set_key(&ops[0], base, "status") != 0)
		return -EINVAL;
	ops[1].cmd = STATSDB_PUBLISH;
	memcpy(ops[1].key, ops[0].key, sizeof(ops[1].key));
	snprintf(ops[1].val, sizeof(ops[1].val), "deleted");
	ops[2].cmd = STATSDB_PUBLISH;
	if (set_key(&ops[2], base, "total_traffic") != 0)
		return -EINVAL;
	statsdb_traffic(ops[2].val, sizeof(ops[2].val), ev->c2p_packets, ev->c2p_bytes,
			ev->p2c_packets, ev->p2c_bytes);
	ops[3].cmd = STATSDB_PUBLISH;
	if (set_key(&ops[3], base, "total_traffic/peer") != 0)
		return -EINVAL;
	statsdb_traffic(ops[3].val, sizeof(ops[3].val), ev->p2c_packets, ev->p2c_bytes,
			ev->c2p_packets, ev->c2p_bytes);
	return 4;
}

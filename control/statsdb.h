/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * coturn's statsdb keys and values for one allocation event: pure
 * formatting, no I/O (redis_store.c sends the commands). See
 * docs/redis.md for the meaning of every field.
 *
 *   struct statsdb_op ops[STATSDB_MAX_OPS];
 *   int n = statsdb_plan(&ev, "example.org", instance_id, 60, ops);
 *   // n > 0: send ops[0..n-1] in order; -EINVAL: nothing to send
 *
 * CREATED:   SET  <base>/status "new lifetime=L, type=UDP, local=S, remote=C, ssl=NONE, cipher=NONE" EX L+grace
 *            PUBLISH <base>/status (same)
 * REFRESHED: the same with "refreshed", then
 *            PUBLISH <base>/traffic      "rcvp=.., rcvb=.., sentp=.., sentb=.."
 *            PUBLISH <base>/traffic/peer (same format)
 * DELETED, EXPIRED:
 *            DEL <base>/status, PUBLISH <base>/status "deleted",
 *            PUBLISH <base>/total_traffic, PUBLISH <base>/total_traffic/peer
 *
 * <base> = turn/realm/<realm>/user/<user>/allocation/<id> (turn/user/...
 * for an empty realm, as coturn does), <id> = "%016llx-%018llu" of the
 * dataplane's instance id and the allocation id. rcv = received from
 * the client, sent = sent to the client (c2p and p2c); the /peer values
 * are received from and sent to peers (p2c and c2p). Addresses are
 * "a.b.c.d:port" or "[v6]:port", like coturn's addr_to_string.
 */
#ifndef TP_STATSDB_H
#define TP_STATSDB_H

#include <stddef.h>
#include <stdint.h>

#include "ctl_codec.h"

#define STATSDB_MAX_OPS 4
#define STATSDB_ID_LEN 35     /* 16 hex + '-' + 18 digits */
#define STATSDB_KEY_MAX 1024  /* realm 255 + user 508 + the rest */
#define STATSDB_VAL_MAX 256

enum statsdb_cmd {
	STATSDB_SET = 1,     /* SET key val EX ex */
	STATSDB_PUBLISH = 2, /* PUBLISH key val */
	STATSDB_DEL = 3,     /* DEL key */
};

struct statsdb_op {
	uint8_t cmd;   /* enum statsdb_cmd */
	uint32_t ex;   /* SET only: seconds */
	char key[STATSDB_KEY_MAX];
	char val[STATSDB_VAL_MAX];
};

/* "%016llx-%018llu"; @buf of at least STATSDB_ID_LEN + 1 bytes. */
void statsdb_alloc_id(char *buf, size_t cap, uint64_t instance_id, uint64_t alloc_id);

/* "rcvp=%llu, rcvb=%llu, sentp=%llu, sentb=%llu". Returns the length. */
int statsdb_traffic(char *buf, size_t cap, uint64_t rcvp, uint64_t rcvb, uint64_t sentp,
		    uint64_t sentb);

/* The commands for @ev (kind, user, addresses, counters) in @realm. Fills
 * @ops and returns how many (2 or 4); -EINVAL for an unknown kind, an
 * empty user, or a user or realm containing '/' or a control character
 * (they would change the key's shape). */
int statsdb_plan(const struct ctl_alloc_event *ev, const char *realm, uint64_t instance_id,
		 uint32_t status_grace, struct statsdb_op ops[STATSDB_MAX_OPS]);

#endif

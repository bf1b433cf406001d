/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Allocation quotas of one worker: a total and a per-user limit, the
 * numbers behind TURN's 508 (Insufficient Capacity) and 486 (Allocation
 * Quota Reached). These are the turn_hooks quota_acquire/quota_release.
 *
 *   struct tp_quota *q = tp_quota_create(25000, 10, 25000);
 *   uint32_t h;
 *   int rc = tp_quota_acquire(q, "alice", 5, &h);   // Allocate
 *   if (rc == -EDQUOT) reply 486; else if (rc == -ENOSPC) reply 508;
 *   ...
 *   tp_quota_release(q, h);                          // allocation gone
 *   tp_quota_destroy(q);
 *
 * Limits are per instance: with N workers each holding one, a machine
 * total T means creating each with T / N (and a user spread over workers
 * can hold up to N times its per-user limit unless the caller divides
 * that too).
 *
 * Users are identified by a 64-bit SipHash of the name under a key drawn
 * at create, not by the name itself, so an entry is 16 bytes whatever the
 * name length (up to 508 bytes in STUN). Two names that hash alike share
 * one count; with a secret key the chance among 10^5 users is about
 * 3 * 10^-10, and nobody outside can aim for it.
 *
 * A handle is the index of the user's entry, which never moves while the
 * user holds an allocation, so handles stay valid however many other
 * users come and go. Releasing a handle twice is a caller bug that this
 * module cannot always see (the entry may belong to someone else by then).
 *
 * One instance per worker, never shared; nothing allocates, locks or
 * blocks after create; acquire and release are O(1) expected.
 */
#ifndef TP_QUOTA_H
#define TP_QUOTA_H

#include <stddef.h>
#include <stdint.h>

/* Upper bound for max_users, so every table index fits in 32 bits. */
#define TP_QUOTA_MAX_USERS (1u << 28)
/* Bytes of a user's name kept per entry by tp_quota_create_named. */
#define TP_QUOTA_NAME_MAX 64

struct tp_quota;

struct tp_quota_stats {
	uint64_t acquired;       /* successful tp_quota_acquire */
	uint64_t denied_user;    /* -EDQUOT: the user's limit (486) */
	uint64_t denied_total;   /* -ENOSPC: the total (508) */
	uint64_t denied_table;   /* -ENOSPC: max_users users already hold allocations */
	uint64_t bad_release;    /* release of a handle whose entry held nothing */
};

/*
 * At most @total allocations (0 = unlimited) and @per_user per user
 * (0 = unlimited), for at most @max_users distinct users holding
 * allocations at once. Each live user holds at least one allocation, so
 * @max_users >= @total means the user table is never what refuses.
 * Memory: about 32 bytes per @max_users.
 * Returns NULL with errno EINVAL (@max_users 0 or above
 * TP_QUOTA_MAX_USERS), ENOMEM, or getrandom's error for the hash key.
 */
struct tp_quota *tp_quota_create(uint32_t total, uint32_t per_user, uint32_t max_users);

/*
 * The same, and the entry of each user also keeps the first
 * TP_QUOTA_NAME_MAX bytes of the name it was acquired under (cut at a
 * UTF-8 character boundary), so an allocation that keeps only its handle
 * can still name its user (allocation events, control channel). Memory:
 * TP_QUOTA_NAME_MAX + 1 more bytes per @max_users.
 */
struct tp_quota *tp_quota_create_named(uint32_t total, uint32_t per_user, uint32_t max_users);

/* NULL is accepted. */
void tp_quota_destroy(struct tp_quota *q);

/*
 * Count one allocation for @user (@len bytes, need not be terminated; an
 * empty name is one user like any other). Checks, in order: the user's
 * limit (-EDQUOT), the total (-ENOSPC), room for a new user in the table
 * (-ENOSPC). On success returns 0 and the user's handle in *@handle; all
 * live allocations of one user have the same handle. -EINVAL if @q or
 * @handle is NULL, or @user is NULL with a non-zero @len.
 */
int tp_quota_acquire(struct tp_quota *q, const char *user, size_t len, uint32_t *handle);

/* Give back one allocation counted under @handle. The user's entry is
 * freed when its count reaches zero. A handle out of range or whose entry
 * holds nothing is ignored and counted in bad_release. */
void tp_quota_release(struct tp_quota *q, uint32_t handle);

/* Change the limits at run time (Redis total-quota / user-quota, pushed
 * by the control plane; in the dataplane the worker that owns @q calls
 * it). Lower limits take effect for the next acquire; nothing held is
 * revoked, so used may stay above a new total until allocations end. */
void tp_quota_set_limits(struct tp_quota *q, uint32_t total, uint32_t per_user);

/* The name kept for the live entry @handle (tp_quota_create_named):
 * *@len bytes, not NUL-terminated. NULL with *@len 0 if @q keeps no
 * names or @handle holds nothing. Two names with the same hash share an
 * entry (see above): the first one is kept. */
const char *tp_quota_user_name(const struct tp_quota *q, uint32_t handle, size_t *len);

/* Allocations counted now, in total and for @user; and users holding any. */
uint32_t tp_quota_total_used(const struct tp_quota *q);
uint32_t tp_quota_user_used(const struct tp_quota *q, const char *user, size_t len);
uint32_t tp_quota_users(const struct tp_quota *q);

void tp_quota_stats(const struct tp_quota *q, struct tp_quota_stats *st);

#endif

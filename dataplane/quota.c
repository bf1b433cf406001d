/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Allocation quotas: a fixed array of user entries (the handles) and an
 * open-addressing index over them.
 *
 * The two are separate so that deletion can be done properly without
 * moving anything a handle points at: the index uses linear probing with
 * backward-shift deletion (no tombstones, so probe lengths never degrade
 * under churn), and what it shifts are 32-bit entry numbers, while the
 * entries themselves stay put from the first acquire of a user to its
 * last release. Free entries form a singly linked list.
 *
 * The index has a power-of-two size of at least 2 * max_users, so its
 * load factor never exceeds 1/2 and every probe ends at an empty slot.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "quota.h"
#include "siphash.h"

#define QUOTA_EMPTY UINT32_MAX

struct quota_entry {
	uint64_t key;   /* SipHash of the user name */
	uint32_t count; /* allocations held; 0 = entry free */
	uint32_t next;  /* free list link while free */
};

/* Kept apart from the entries so that quotas without names stay 16 bytes
 * an entry and the index walk touches no name bytes. */
struct quota_name {
	uint8_t len;
	char text[TP_QUOTA_NAME_MAX];
};

struct tp_quota {
	uint32_t total;    /* 0 = unlimited */
	uint32_t per_user; /* 0 = unlimited */
	uint32_t max_users;
	uint32_t used;     /* allocations held */
	uint32_t users;    /* entries with count > 0 */
	uint32_t free_head;
	uint32_t mask;     /* index size - 1 */
	uint64_t hkey[2];
	struct tp_quota_stats st;
	struct quota_entry *entries; /* max_users */
	uint32_t *index;             /* mask + 1, entry numbers or QUOTA_EMPTY */
	struct quota_name *names;    /* max_users, or NULL (tp_quota_create) */
};

static struct tp_quota *quota_create(uint32_t total, uint32_t per_user, uint32_t max_users,
				     bool named);

struct tp_quota *
tp_quota_create(uint32_t total, uint32_t per_user, uint32_t max_users)
{
	return quota_create(total, per_user, max_users, false);
}

struct tp_quota *
tp_quota_create_named(uint32_t total, uint32_t per_user, uint32_t max_users)
{
	return quota_create(total, per_user, max_users, true);
}

static struct tp_quota *
quota_create(uint32_t total, uint32_t per_user, uint32_t max_users, bool named)
{
	struct tp_quota *q;
	uint32_t size = 2;
	int err = ENOMEM;
	ssize_t got;

	if (max_users == 0 || max_users > TP_QUOTA_MAX_USERS) {
		errno = EINVAL;
		return NULL;
	}
	while (size < 2 * max_users)
		size <<= 1;

	q = calloc(1, sizeof(*q));
	if (q == NULL)
		goto err;
	q->entries = calloc(max_users, sizeof(*q->entries));
	if (q->entries == NULL)
		goto err_q;
	q->index = malloc((size_t)size * sizeof(*q->index));
	if (q->index == NULL)
		goto err_entries;
	if (named) {
		q->names = calloc(max_users, sizeof(*q->names));
		if (q->names == NULL)
			goto err_index;
	}
	/* Blocks only before the kernel's pool is first initialised, which
	 * is over long before a dataplane starts. */
	got = getrandom(q->hkey, sizeof(q->hkey), 0);
	if (got != (ssize_t)sizeof(q->hkey)) {
		/* A short read cannot happen for 16 bytes; EIO just in case. */
		err = got < 0 ? errno : EIO;
		goto err_index;
	}

	q->total = total;
	q->per_user = per_user;
	q->max_users = max_users;
	q->mask = size - 1;
	memset(q->index, 0xff, (size_t)size * sizeof(*q->index));
	for (uint32_t i = 0; i < max_users; i++)
		q->entries[i].next = i + 1 < max_users ? i + 1 : QUOTA_EMPTY;
	q->free_head = 0;
	return q;

err_index:
	free(q->names);
	free(q->index);
err_entries:
	free(q->entries);
err_q:
	free(q);
err:
	errno = err;
	return NULL;
}

void
tp_quota_destroy(struct tp_quota *q)
{
	if (q == NULL)
		return;
	free(q->names);
	free(q->index);
	free(q->entries);
	free(q);
}

/* The index slot holding @key's entry number, or the empty slot where it
 * would go. Terminates because at least half the slots are empty. */
static uint32_t
index_find(const struct tp_quota *q, uint64_t key)
{
	uint32_t i = (uint32_t)key & q->mask;

	while (q->index[i] != QUOTA_EMPTY && q->entries[q->index[i]].key != key)
		i = (i + 1) & q->mask;
	return i;
}

/*
 * Remove the entry number at index slot @i and close the gap: walk the
 * cluster after it and move back every entry whose home slot is not in
 * the cyclic range (i, j], i.e. one that probing would no longer reach
 * across the hole. Only index slots move; entries (handles) do not.
 */
static void
index_remove(struct tp_quota *q, uint32_t i)
{
	uint32_t j = i;

	for (;;) {
		uint32_t home;

		j = (j + 1) & q->mask;
		if (q->index[j] == QUOTA_EMPTY)
			break;
		home = (uint32_t)q->entries[q->index[j]].key & q->mask;
		/* Distance from home to j versus from i to j, both cyclic: the
		 * entry may fill the hole if its home is at or before i. */
		if (((j - home) & q->mask) >= ((j - i) & q->mask)) {
			q->index[i] = q->index[j];
			i = j;
		}
	}
	q->index[i] = QUOTA_EMPTY;
}

static uint64_t
user_key(const struct tp_quota *q, const char *user, size_t len)
{
	return siphash24(q->hkey, user != NULL ? user : "", user != NULL ? len : 0);
}

/* The first TP_QUOTA_NAME_MAX bytes of @user, backed off to the start of
 * a UTF-8 character so the kept name is never a broken sequence. */
static void
name_keep(struct quota_name *n, const char *user, size_t len)
{
	if (user == NULL)
		len = 0;
	if (len > TP_QUOTA_NAME_MAX) {
		len = TP_QUOTA_NAME_MAX;
		while (len > 0 && ((unsigned char)user[len] & 0xC0) == 0x80)
			len--;
	}
	if (len > 0)
		memcpy(n->text, user, len);
	n->len = (uint8_t)len;
}

int
tp_quota_acquire(struct tp_quota *q, const char *user, size_t len, uint32_t *handle)
{
	uint64_t key;
	uint32_t slot, e;

	if (q == NULL || handle == NULL || (user == NULL && len != 0))
		return -EINVAL;
	key = user_key(q, user, len);
	slot = index_find(q, key);
	e = q->index[slot];

	if (e != QUOTA_EMPTY && q->per_user != 0 && q->entries[e].count >= q->per_user) {
		q->st.denied_user++;
		return -EDQUOT;
	}
	if (q->total != 0 && q->used >= q->total) {
		q->st.denied_total++;
		return -ENOSPC;
	}
	if (e == QUOTA_EMPTY) {
		if (q->free_head == QUOTA_EMPTY) {
			q->st.denied_table++;
			return -ENOSPC;
		}
		e = q->free_head;
		q->free_head = q->entries[e].next;
		q->entries[e].key = key;
		q->entries[e].count = 0;
		q->index[slot] = e;
		q->users++;
		if (q->names != NULL)
			name_keep(&q->names[e], user, len);
	}
	q->entries[e].count++;
	q->used++;
	q->st.acquired++;
	*handle = e;
	return 0;
}

void
tp_quota_release(struct tp_quota *q, uint32_t handle)
{
	struct quota_entry *ent;

	if (q == NULL)
		return;
	if (handle >= q->max_users || q->entries[handle].count == 0) {
		q->st.bad_release++;
		return;
	}
	ent = &q->entries[handle];
	ent->count--;
	q->used--;
	if (ent->count > 0)
		return;
	index_remove(q, index_find(q, ent->key));
	ent->next = q->free_head;
	q->free_head = handle;
	q->users--;
}

void
tp_quota_set_limits(struct tp_quota *q, uint32_t total, uint32_t per_user)
{
	q->total = total;
	q->per_user = per_user;
}

const char *
tp_quota_user_name(const struct tp_quota *q, uint32_t handle, size_t *len)
{
	*len = 0;
	if (q == NULL || q->names == NULL || handle >= q->max_users ||
	    q->entries[handle].count == 0)
		return NULL;
	*len = q->names[handle].len;
	return q->names[handle].text;
}

uint32_t
tp_quota_total_used(const struct tp_quota *q)
{
	return q->used;
}

uint32_t
tp_quota_user_used(const struct tp_quota *q, const char *user, size_t len)
{
	uint32_t e;

	if (user == NULL && len != 0)
		return 0;
	e = q->index[index_find(q, user_key(q, user, len))];
	return e == QUOTA_EMPTY ? 0 : q->entries[e].count;
}

uint32_t
tp_quota_users(const struct tp_quota *q)
{
	return q->users;
}

void
tp_quota_stats(const struct tp_quota *q, struct tp_quota_stats *st)
{
	*st = q->st;
}

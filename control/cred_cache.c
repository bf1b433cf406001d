/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * User-key cache: see cred_cache.h.
 *
 * A chained hash table (a power of two of buckets, at least the capacity,
 * so chains stay short) plus a doubly linked LRU list. Each entry is one
 * allocation holding the name inline. The hash is FNV-1a over the name
 * with a per-cache seed mixed into the start and a final avalanche step:
 * not cryptographic, but the names that reach the cache are those Redis
 * confirmed, and the seed keeps bucket choice unpredictable anyway.
 */
#include "cred_cache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	struct entry *hnext;        /* bucket chain */
	struct entry *prev, *next;  /* LRU: head = most recent */
	uint64_t read_at;
	uint64_t hash;
	uint8_t key[CRED_CACHE_KEY_LEN];
	uint16_t len;
	char user[];
};

struct cred_cache {
	struct entry **buckets;
	uint64_t mask;
	uint64_t seed;
	unsigned int capacity, count;
	struct entry *head, *tail;
};

static uint64_t
hash_name(const struct cred_cache *c, const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull ^ c->seed;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (uint8_t)s[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

struct cred_cache *
cred_cache_create(unsigned int capacity, uint64_t seed)
{
	struct cred_cache *c;
	uint64_t nb = 16;

	if (capacity == 0) {
		errno = EINVAL;
		return NULL;
	}
	while (nb < capacity)
		nb <<= 1;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->buckets = calloc(nb, sizeof(*c->buckets));
	if (!c->buckets) {
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	c->mask = nb - 1;
	c->seed = seed;
	c->capacity = capacity;
	return c;
}

static void
lru_unlink(struct cred_cache *c, struct entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = NULL;
}

static void
lru_push_front(struct cred_cache *c, struct entry *e)
{
	e->prev = NULL;
	e->next = c->head;
	if (c->head)
		c->head->prev = e;
	c->head = e;
	if (!c->tail)
		c->tail = e;
}

/* The bucket slot pointing at @user's entry, or at the chain's NULL end. */
static struct entry **
find_slot(struct cred_cache *c, const char *user, size_t len, uint64_t h)
{
	struct entry **pp = &c->buckets[h & c->mask];

	while (*pp) {
		struct entry *e = *pp;

		if (e->hash == h && e->len == len && memcmp(e->user, user, len) == 0)
			return pp;
		pp = &e->hnext;
	}
	return pp;
}

static void
entry_drop(struct cred_cache *c, struct entry **slot)
{
	struct entry *e = *slot;

	*slot = e->hnext;
	lru_unlink(c, e);
	explicit_bzero(e->key, sizeof(e->key));
	free(e);
	c->count--;
}

int
cred_cache_put(struct cred_cache *c, const char *user, size_t len,
	       const uint8_t key[CRED_CACHE_KEY_LEN], uint64_t now)
{
	uint64_t h;
	struct entry **slot, *e;

	if (len == 0 || len > CRED_CACHE_USER_MAX)
		return -EINVAL;
	h = hash_name(c, user, len);
	slot = find_slot(c, user, len, h);
	if (*slot) {
		e = *slot;
		memcpy(e->key, key, CRED_CACHE_KEY_LEN);
		e->read_at = now;
		lru_unlink(c, e);
		lru_push_front(c, e);
		return 0;
	}
	e = malloc(sizeof(*e) + len);
	if (!e)
		return -ENOMEM;
	if (c->count >= c->capacity) {
		struct entry *old = c->tail;

		entry_drop(c, find_slot(c, old->user, old->len, old->hash));
		slot = find_slot(c, user, len, h); /* the chain may have changed */
	}
	memset(e, 0, sizeof(*e));
	e->hash = h;
	e->len = (uint16_t)len;
	e->read_at = now;
	memcpy(e->key, key, CRED_CACHE_KEY_LEN);
	memcpy(e->user, user, len);
	*slot = e;
	lru_push_front(c, e);
	c->count++;
	return 0;
}

bool
cred_cache_get(struct cred_cache *c, const char *user, size_t len, uint64_t now, uint64_t max_age,
	       uint8_t key[CRED_CACHE_KEY_LEN])
{
	struct entry *e;

	if (len == 0 || len > CRED_CACHE_USER_MAX)
		return false;
	e = *find_slot(c, user, len, hash_name(c, user, len));
	if (!e || now < e->read_at || now - e->read_at > max_age)
		return false;
	memcpy(key, e->key, CRED_CACHE_KEY_LEN);
	lru_unlink(c, e);
	lru_push_front(c, e);
	return true;
}

bool
cred_cache_remove(struct cred_cache *c, const char *user, size_t len)
{
	struct entry **slot;

	if (len == 0 || len > CRED_CACHE_USER_MAX)
		return false;
	slot = find_slot(c, user, len, hash_name(c, user, len));
	if (!*slot)
		return false;
	entry_drop(c, slot);
	return true;
}

void
cred_cache_clear(struct cred_cache *c)
{
	while (c->head) {
		struct entry *e = c->head;

		entry_drop(c, find_slot(c, e->user, e->len, e->hash));
	}
}

unsigned int
cred_cache_count(const struct cred_cache *c)
{
	return c->count;
}

void
cred_cache_destroy(struct cred_cache *c)
{
	if (!c)
		return;
	cred_cache_clear(c);
	free(c->buckets);
	free(c);
}

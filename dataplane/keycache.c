/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "keycache.h"
#include "siphash.h"

/* Hot part of a set: what a lookup reads first, one 64-byte line. hash
 * 0 marks a free way (keycache_hash never returns 0). */
struct kc_set {
	uint64_t hash[KEYCACHE_WAYS];
	uint64_t expires[KEYCACHE_WAYS];
};

struct kc_entry {
	struct keycache_val val;
	struct keycache_id id;
};

struct keycache {
	unsigned int mask;
	unsigned int cursor;
	uint64_t seed[2];
	struct keycache_stats st;
	struct kc_set *sets;      /* n_sets */
	struct kc_entry *entries; /* n_sets * KEYCACHE_WAYS */
};

struct keycache *
keycache_create(unsigned int n_sets, const uint64_t seed[2])
{
	struct keycache *kc;

	if (n_sets == 0 || n_sets > 65536 || (n_sets & (n_sets - 1)) != 0) {
		errno = EINVAL;
		return NULL;
	}
	kc = calloc(1, sizeof(*kc));
	if (kc == NULL)
		return NULL;
	if (seed != NULL) {
		kc->seed[0] = seed[0];
		kc->seed[1] = seed[1];
	} else if (getrandom(kc->seed, sizeof(kc->seed), 0) != (ssize_t)sizeof(kc->seed)) {
		goto fail_kc;
	}
	kc->mask = n_sets - 1;
	kc->sets = aligned_alloc(64, sizeof(*kc->sets) * n_sets);
	if (kc->sets == NULL)
		goto fail_kc;
	memset(kc->sets, 0, sizeof(*kc->sets) * n_sets);
	kc->entries = calloc((size_t)n_sets * KEYCACHE_WAYS, sizeof(*kc->entries));
	if (kc->entries == NULL)
		goto fail_sets;
	return kc;

fail_sets:
	free(kc->sets);
fail_kc:
	free(kc);
	return NULL;
}

void
keycache_destroy(struct keycache *kc)
{
	if (kc == NULL)
		return;
	keycache_flush(kc);
	free(kc->entries);
	free(kc->sets);
	free(kc);
}

/* The kind and algorithm go into the SipHash key rather than the
 * message, so the identity bytes are hashed straight from the caller's
 * buffer without assembling a padded struct. */
uint64_t
keycache_hash(const struct keycache *kc, const struct keycache_id *id)
{
	uint64_t key[2] = {kc->seed[0] ^ ((uint64_t)id->kind << 16 | id->alg), kc->seed[1]};
	uint64_t h = siphash24(key, id->bytes, id->len < KEYCACHE_ID_MAX ? id->len
									 : KEYCACHE_ID_MAX);

	return h != 0 ? h : 1;
}

bool
keycache_id_equal(const struct keycache_id *a, const struct keycache_id *b)
{
	return a->kind == b->kind && a->alg == b->alg && a->len == b->len &&
	       memcmp(a->bytes, b->bytes, a->len) == 0;
}

/* The way holding @id in @set, or -1. */
static int
set_find(const struct keycache *kc, unsigned int si, uint64_t h, const struct keycache_id *id)
{
	const struct kc_set *set = &kc->sets[si];

	for (int w = 0; w < KEYCACHE_WAYS; w++) {
		if (set->hash[w] == h &&
		    keycache_id_equal(&kc->entries[si * KEYCACHE_WAYS + w].id, id))
			return w;
	}
	return -1;
}

static void
way_clear(struct keycache *kc, unsigned int si, int w)
{
	struct kc_entry *e = &kc->entries[si * KEYCACHE_WAYS + w];

	kc->sets[si].hash[w] = 0;
	kc->sets[si].expires[w] = 0;
	/* Keys are secrets: do not leave them in freed ways. */
	explicit_bzero(&e->val, sizeof(e->val));
	kc->st.entries--;
}

int
keycache_lookup(struct keycache *kc, const struct keycache_id *id, uint64_t now,
		struct keycache_val *out)
{
	uint64_t h;
	unsigned int si;
	int w;

	if (id->len > KEYCACHE_ID_MAX)
		return -EINVAL;
	h = keycache_hash(kc, id);
	si = (unsigned int)h & kc->mask;
	w = set_find(kc, si, h, id);
	if (w < 0 || kc->sets[si].expires[w] <= now) {
		kc->st.miss++;
		return -EAGAIN;
	}
	if (kc->entries[si * KEYCACHE_WAYS + w].val.negative) {
		kc->st.negative_hit++;
		return -ENOENT;
	}
	kc->st.hit++;
	*out = kc->entries[si * KEYCACHE_WAYS + w].val;
	return 0;
}

int
keycache_insert(struct keycache *kc, const struct keycache_id *id,
		const struct keycache_val *val, uint64_t now, uint64_t ttl)
{
	struct kc_set *set;
	struct kc_entry *e;
	uint64_t h;
	unsigned int si;
	int w;

	if (id->len > KEYCACHE_ID_MAX || val->key_len > KEYCACHE_KEY_MAX ||
	    val->user_len > KEYCACHE_USER_MAX || ttl == 0)
		return -EINVAL;
	h = keycache_hash(kc, id);
	si = (unsigned int)h & kc->mask;
	set = &kc->sets[si];
	w = set_find(kc, si, h, id);
	if (w < 0) {
		/* A free way, else an expired one, else the soonest to expire. */
		w = 0;
		for (int i = 0; i < KEYCACHE_WAYS; i++) {
			if (set->hash[i] == 0) {
				w = i;
				break;
			}
			if (set->expires[i] < set->expires[w])
				w = i;
		}
		if (set->hash[w] != 0) {
			if (set->expires[w] > now)
				kc->st.evictions++;
			way_clear(kc, si, w);
		}
		kc->st.entries++;
	}
	e = &kc->entries[si * KEYCACHE_WAYS + w];
	e->id.kind = id->kind;
	e->id.alg = id->alg;
	e->id.len = id->len;
	memcpy(e->id.bytes, id->bytes, id->len);
	e->val = *val;
	set->hash[w] = h;
	set->expires[w] = now + ttl;
	return 0;
}

int
keycache_remove(struct keycache *kc, const struct keycache_id *id)
{
	uint64_t h;
	unsigned int si;
	int w;

	if (id->len > KEYCACHE_ID_MAX)
		return -ENOENT;
	h = keycache_hash(kc, id);
	si = (unsigned int)h & kc->mask;
	w = set_find(kc, si, h, id);
	if (w < 0)
		return -ENOENT;
	way_clear(kc, si, w);
	return 0;
}

unsigned int
keycache_expire(struct keycache *kc, uint64_t now, unsigned int budget)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < budget && i <= kc->mask; i++) {
		unsigned int si = kc->cursor;

		kc->cursor = (kc->cursor + 1) & kc->mask;
		for (int w = 0; w < KEYCACHE_WAYS; w++) {
			if (kc->sets[si].hash[w] != 0 && kc->sets[si].expires[w] <= now) {
				way_clear(kc, si, w);
				n++;
			}
		}
	}
	return n;
}

void
keycache_flush(struct keycache *kc)
{
	for (unsigned int si = 0; si <= kc->mask; si++)
		for (int w = 0; w < KEYCACHE_WAYS; w++)
			if (kc->sets[si].hash[w] != 0)
				way_clear(kc, si, w);
}

const struct keycache_stats *
keycache_stats(const struct keycache *kc)
{
	return &kc->st;
}

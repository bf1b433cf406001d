/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The allocation registry (alloc_registry.h): a chained hash table keyed
 * by (dataplane instance, allocation id), plus one doubly linked list in
 * order of last update, which gives eviction (its head), the admin
 * listing order and a cursor for the bounded sweep.
 *
 * The bucket array doubles when the table holds more entries than
 * buckets, so lookups stay O(1) without sizing for the maximum up front.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_registry.h"

#define BUCKETS_MIN 1024u

struct reg_entry {
	struct cp_registry_entry pub;
	struct reg_entry *hnext;             /* bucket chain */
	struct reg_entry *prev, *next;       /* update order, oldest first */
	char user[];                         /* pub.user points here */
};

struct cp_registry {
	size_t max, n;
	size_t nbuckets; /* a power of two */
	struct reg_entry **buckets;
	struct reg_entry *head, *tail;
	struct reg_entry *cursor; /* the sweep's next entry; NULL = start at head */
	struct cp_registry_stats st;
};

static uint64_t
mix(uint64_t x)
{
	/* splitmix64's finaliser: every input bit affects every output bit. */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static size_t
bucket_of(const struct cp_registry *r, uint64_t inst, uint64_t id)
{
	return (size_t)(mix(inst ^ mix(id)) & (r->nbuckets - 1));
}

struct cp_registry *
cp_registry_create(size_t max)
{
	struct cp_registry *r;

	if (max == 0) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->max = max;
	r->nbuckets = BUCKETS_MIN;
	r->buckets = calloc(r->nbuckets, sizeof(*r->buckets));
	if (r->buckets == NULL) {
		free(r);
		errno = ENOMEM;
		return NULL;
	}
	return r;
}

void
cp_registry_destroy(struct cp_registry *r)
{
	struct reg_entry *e, *next;

	if (r == NULL)
		return;
	for (e = r->head; e != NULL; e = next) {
		next = e->next;
		free(e);
	}
	free(r->buckets);
	free(r);
}

static struct reg_entry *
find(const struct cp_registry *r, uint64_t inst, uint64_t id, struct reg_entry ***link)
{
	struct reg_entry **pp = &r->buckets[bucket_of(r, inst, id)];

	for (; *pp != NULL; pp = &(*pp)->hnext) {
		if ((*pp)->pub.dp_instance == inst && (*pp)->pub.alloc_id == id) {
			if (link != NULL)
				*link = pp;
			return *pp;
		}
	}
	return NULL;
}

static void
list_unlink(struct cp_registry *r, struct reg_entry *e)
{
	if (r->cursor == e)
		r->cursor = e->next;
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		r->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		r->tail = e->prev;
	e->prev = e->next = NULL;
}

static void
list_append(struct cp_registry *r, struct reg_entry *e)
{
	e->prev = r->tail;
	e->next = NULL;
	if (r->tail != NULL)
		r->tail->next = e;
	else
		r->head = e;
	r->tail = e;
}

static void
remove_entry(struct cp_registry *r, struct reg_entry *e)
{
	struct reg_entry **pp = NULL;

	if (find(r, e->pub.dp_instance, e->pub.alloc_id, &pp) == e)
		*pp = e->hnext;
	list_unlink(r, e);
	free(e);
	r->n--;
}

/* Double the buckets; on allocation failure keep the old ones (longer
 * chains, still correct). */
static void
grow(struct cp_registry *r)
{
	size_t nb = r->nbuckets * 2;
	struct reg_entry **b = calloc(nb, sizeof(*b));

	if (b == NULL)
		return;
	free(r->buckets);
	r->buckets = b;
	r->nbuckets = nb;
	for (struct reg_entry *e = r->head; e != NULL; e = e->next) {
		size_t i = bucket_of(r, e->pub.dp_instance, e->pub.alloc_id);

		e->hnext = b[i];
		b[i] = e;
	}
}

static void
fill(struct reg_entry *e, const struct ctl_alloc_event *ev, uint64_t now)
{
	e->pub.client = ev->ft.client;
	e->pub.server = ev->ft.server;
	e->pub.relay = ev->relay;
	e->pub.lifetime = ev->lifetime;
	e->pub.state = ev->kind;
	e->pub.stale = false;
	e->pub.c2p_packets = ev->c2p_packets;
	e->pub.c2p_bytes = ev->c2p_bytes;
	e->pub.p2c_packets = ev->p2c_packets;
	e->pub.p2c_bytes = ev->p2c_bytes;
	e->pub.updated = now;
}

static int
insert(struct cp_registry *r, uint64_t inst, const struct ctl_alloc_event *ev, uint64_t now)
{
	size_t ulen = strnlen(ev->user, CTL_MAX_USER);
	struct reg_entry *e;
	size_t i;

	if (r->n >= r->max && r->head != NULL) {
		remove_entry(r, r->head);
		r->st.evicted++;
	}
	e = calloc(1, sizeof(*e) + ulen + 1);
	if (e == NULL)
		return -ENOMEM;
	memcpy(e->user, ev->user, ulen);
	e->user[ulen] = '\0';
	e->pub.user = e->user;
	e->pub.dp_instance = inst;
	e->pub.alloc_id = ev->alloc_id;
	e->pub.created = now;
	fill(e, ev, now);
	if (r->n >= r->nbuckets)
		grow(r);
	i = bucket_of(r, inst, ev->alloc_id);
	e->hnext = r->buckets[i];
	r->buckets[i] = e;
	list_append(r, e);
	r->n++;
	return 0;
}

int
cp_registry_event(struct cp_registry *r, uint64_t inst, const struct ctl_alloc_event *ev,
		  uint64_t now)
{
	struct reg_entry *e = find(r, inst, ev->alloc_id, NULL);

	switch (ev->kind) {
	case CTL_ALLOC_CREATED:
	case CTL_ALLOC_REFRESHED:
		if (e == NULL) {
			if (ev->kind == CTL_ALLOC_REFRESHED)
				r->st.unknown++;
			return insert(r, inst, ev, now);
		}
		fill(e, ev, now);
		list_unlink(r, e);
		list_append(r, e);
		return 0;
	case CTL_ALLOC_DELETED:
	case CTL_ALLOC_EXPIRED:
		if (e == NULL) {
			r->st.unknown++;
			return -ENOENT;
		}
		remove_entry(r, e);
		return 0;
	default:
		return -EINVAL;
	}
}

const struct cp_registry_entry *
cp_registry_get(const struct cp_registry *r, uint64_t inst, uint64_t id)
{
	const struct reg_entry *e = find(r, inst, id, NULL);

	return e != NULL ? &e->pub : NULL;
}

size_t
cp_registry_count(const struct cp_registry *r)
{
	return r->n;
}

void
cp_registry_get_stats(const struct cp_registry *r, struct cp_registry_stats *out)
{
	*out = r->st;
	out->entries = r->n;
}

size_t
cp_registry_foreach(const struct cp_registry *r, cp_registry_fn fn, void *arg, size_t max)
{
	size_t calls = 0;

	for (const struct reg_entry *e = r->head; e != NULL && calls < max; e = e->next) {
		calls++;
		if (fn(arg, &e->pub) != 0)
			break;
	}
	return calls;
}

void
cp_registry_mark_stale(struct cp_registry *r)
{
	for (struct reg_entry *e = r->head; e != NULL; e = e->next)
		e->pub.stale = true;
}

size_t
cp_registry_forget_others(struct cp_registry *r, uint64_t inst)
{
	struct reg_entry *e, *next;
	size_t dropped = 0;

	for (e = r->head; e != NULL; e = next) {
		next = e->next;
		if (e->pub.dp_instance != inst) {
			remove_entry(r, e);
			dropped++;
		}
	}
	return dropped;
}

/* A cursor walks the update-order list, @budget entries per call,
 * wrapping at the end, so every entry is looked at within
 * n / budget calls whatever its lifetime. */
size_t
cp_registry_sweep(struct cp_registry *r, uint64_t now, size_t budget)
{
	size_t removed = 0;

	for (size_t i = 0; i < budget && r->n > 0; i++) {
		struct reg_entry *e = r->cursor != NULL ? r->cursor : r->head;

		r->cursor = e->next;
		if (e->pub.updated + e->pub.lifetime + CP_REGISTRY_GRACE < now) {
			remove_entry(r, e);
			removed++;
			r->st.swept++;
		}
		if (r->cursor == NULL)
			break; /* a full pass; the next call starts again at the head */
	}
	return removed;
}

void
cp_alloc_id_format(uint64_t inst, uint64_t id, char *buf, size_t len)
{
	snprintf(buf, len, "%016" PRIx64 "-%018" PRIu64, inst, id);
}

int
cp_alloc_id_parse(const char *s, uint64_t *inst, uint64_t *id)
{
	uint64_t a = 0, b = 0;
	size_t i;

	for (i = 0; i < 16; i++) {
		char c = s[i];
		unsigned int d;

		if (c >= '0' && c <= '9')
			d = (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned int)(c - 'A' + 10);
		else
			return -EINVAL;
		a = a << 4 | d;
	}
	if (s[16] != '-' || s[17] == '\0')
		return -EINVAL;
	for (i = 17; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || i > 17 + 19)
			return -EINVAL;
		if (b > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -EINVAL;
		b = b * 10 + (uint64_t)(s[i] - '0');
	}
	*inst = a;
	*id = b;
	return 0;
}

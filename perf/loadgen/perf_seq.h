/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sequence tracking for one stream of numbered packets (64-bit sequence
 * numbers counted from 0 by the sender): unique packets received,
 * duplicates, packets that arrived after a higher number (reordered),
 * and the gaps below the highest number seen (lost so far). Duplicates
 * are recognised within the last PERF_SEQ_WINDOW numbers; an older
 * packet counts as received, reordered and too_old.
 *
 *   struct perf_seq s;
 *   perf_seq_reset(&s);
 *   switch (perf_seq_push(&s, seq)) { ... }
 *   uint64_t lost = perf_seq_lost(&s);
 */
#ifndef PERF_SEQ_H
#define PERF_SEQ_H

#include <stdbool.h>
#include <stdint.h>

#define PERF_SEQ_WINDOW 1024

enum perf_seq_kind {
	PERF_SEQ_IN_ORDER,  /* above every number seen so far */
	PERF_SEQ_REORDERED, /* below the highest, first time */
	PERF_SEQ_DUPLICATE, /* seen before (dropped from the counts) */
	PERF_SEQ_TOO_OLD,   /* below the window: counted as reordered */
};

struct perf_seq {
	bool any;
	uint64_t highest;
	uint64_t received;   /* unique, including too_old */
	uint64_t reordered;  /* including too_old */
	uint64_t duplicates;
	uint64_t too_old;
	uint64_t seen[PERF_SEQ_WINDOW / 64]; /* bit (seq % WINDOW) */
};

void perf_seq_reset(struct perf_seq *s);
enum perf_seq_kind perf_seq_push(struct perf_seq *s, uint64_t seq);
/* Numbers 0..highest not received (yet); 0 before the first packet. */
uint64_t perf_seq_lost(const struct perf_seq *s);

#endif

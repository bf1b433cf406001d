/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sequence tracking: see perf_seq.h. The window is a ring of bits
 * indexed by seq % PERF_SEQ_WINDOW; moving the highest number up
 * clears the bits of the numbers skipped over, so a bit is set only for
 * a number within the window that was received.
 */
#include "perf_seq.h"

#include <string.h>

static bool
bit_get(const struct perf_seq *s, uint64_t seq)
{
	uint64_t i = seq % PERF_SEQ_WINDOW;

	return (s->seen[i / 64] >> (i % 64)) & 1u;
}

static void
bit_set(struct perf_seq *s, uint64_t seq, bool on)
{
	uint64_t i = seq % PERF_SEQ_WINDOW;
	uint64_t m = (uint64_t)1 << (i % 64);

	if (on)
		s->seen[i / 64] |= m;
	else
		s->seen[i / 64] &= ~m;
}

void
perf_seq_reset(struct perf_seq *s)
{
	memset(s, 0, sizeof(*s));
}

enum perf_seq_kind
perf_seq_push(struct perf_seq *s, uint64_t seq)
{
	if (!s->any || seq > s->highest) {
		uint64_t from = s->any ? s->highest + 1 : 0;

		if (seq - from >= PERF_SEQ_WINDOW)
			memset(s->seen, 0, sizeof(s->seen));
		else
			for (uint64_t k = from; k < seq; k++)
				bit_set(s, k, false);
		bit_set(s, seq, true);
		s->any = true;
		s->highest = seq;
		s->received++;
		return PERF_SEQ_IN_ORDER;
	}
	if (s->highest - seq >= PERF_SEQ_WINDOW) {
		s->received++;
		s->reordered++;
		s->too_old++;
		return PERF_SEQ_TOO_OLD;
	}
	if (bit_get(s, seq)) {
		s->duplicates++;
		return PERF_SEQ_DUPLICATE;
	}
	bit_set(s, seq, true);
	s->received++;
	s->reordered++;
	return PERF_SEQ_REORDERED;
}

uint64_t
perf_seq_lost(const struct perf_seq *s)
{
	if (!s->any || s->received >= s->highest + 1)
		return 0;
	return s->highest + 1 - s->received;
}

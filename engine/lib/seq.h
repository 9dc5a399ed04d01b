/*
 * seq.h — TCP sequence-number arithmetic (internal, header only).
 *
 * TCP sequence numbers are 32-bit and wrap. The engine converts each one, at
 * the edge, into a 64-bit "absolute" number chosen nearest to a reference it
 * already knows, and from then on works with 64-bit stream offsets that never
 * wrap. Absolute numbers start at 2^48 so that moving backwards never goes
 * below zero. The 32-bit comparisons (ts_seq_diff, ts_seq_before,
 * ts_seq_after) are public, in tcpsession.h.
 */
#ifndef TS_SEQ_H
#define TS_SEQ_H

#include "tcpsession.h" /* ts_seq_diff, ts_seq_before, ts_seq_after */

#include <stdbool.h>
#include <stdint.h>

/* Where the first absolute sequence number of a direction is placed. */
#define TS_SEQ_ABS_BASE ((uint64_t)1 << 48)

/* True when a is b or at most `window` after it (0 <= a - b <= window). */
static inline bool
ts_seq_within(uint32_t a, uint32_t b, uint32_t window)
{
    int32_t d = ts_seq_diff(a, b);
    return d >= 0 && (uint32_t)d <= window;
}

/* True when a and b are less than `radius` (> 0) apart, either way. */
static inline bool
ts_seq_near(uint32_t a, uint32_t b, int32_t radius)
{
    int32_t d = ts_seq_diff(a, b);
    return d > -radius && d < radius;
}

/* Turns the 32-bit `seq` into the 64-bit absolute number nearest to `ref`
 * (an absolute number); the result differs from ref by at most 2^31. */
static inline uint64_t
ts_seq_unwrap(uint32_t seq, uint64_t ref)
{
    return ref + (uint64_t)(int64_t)ts_seq_diff(seq, (uint32_t)ref);
}

/* The absolute number chosen for a direction's first known sequence number. */
static inline uint64_t
ts_seq_abs_start(uint32_t seq)
{
    return TS_SEQ_ABS_BASE + seq;
}

#endif /* TS_SEQ_H */

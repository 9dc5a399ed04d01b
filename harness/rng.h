/*
 * rng.h — the harness's seeded pseudo-random numbers (xoshiro256** seeded
 * through splitmix64), shared by the bridge and the traffic programs so a
 * scenario's seed means the same everywhere. Header only; not for security.
 */
#ifndef TS_HARNESS_RNG_H
#define TS_HARNESS_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s[4];
} rng;

/* Advances *x and returns the next splitmix64 output (also a good mixer). */
static inline uint64_t
splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline uint64_t
rng_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* Next 64 random bits (xoshiro256**). */
static inline uint64_t
rng_next(rng *r)
{
    uint64_t result = rng_rotl(r->s[1] * 5, 7) * 9, t = r->s[1] << 17;
    r->s[2] ^= r->s[0];
    r->s[3] ^= r->s[1];
    r->s[1] ^= r->s[2];
    r->s[0] ^= r->s[3];
    r->s[2] ^= t;
    r->s[3] = rng_rotl(r->s[3], 45);
    return result;
}

/* Uniform double in [0, 1). */
static inline double
rng_unit(rng *r)
{
    return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

#endif /* TS_HARNESS_RNG_H */

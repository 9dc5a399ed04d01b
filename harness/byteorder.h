/*
 * byteorder.h — the harness's byte readers and writers.
 *
 * The one home of the big-endian (network order) reads and writes and the
 * little-endian writes used by harness/ (pktbuild, tcpsession-craft,
 * tsbridge, tstraffic, bench-gen): header-only, no library needed. Each
 * function touches exactly 2 or 4 bytes at `p`; the caller checks that they
 * are there. Byte by byte, so `p` needs no alignment and the result does not
 * depend on the machine's byte order.
 */
#ifndef TS_HARNESS_BYTEORDER_H
#define TS_HARNESS_BYTEORDER_H

#include <stdint.h>

/* Reads the big-endian 16-bit value at `p`. */
static inline uint16_t
pb_get16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

/* Reads the big-endian 32-bit value at `p`. */
static inline uint32_t
pb_get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Writes `v` big-endian into p[0..1]. */
static inline void
pb_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* Writes `v` big-endian into p[0..3]. */
static inline void
pb_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Writes `v` little-endian into p[0..1]. */
static inline void
pb_put16le(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* Writes `v` little-endian into p[0..3]. */
static inline void
pb_put32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

#endif /* TS_HARNESS_BYTEORDER_H */

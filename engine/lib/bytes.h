/*
 * bytes.h — the library's one home for reading multi-byte fields out of
 * packets and capture files (internal, header only). Modelled on tcpdump's
 * extract.h: a read names the buffer, its length and the offset, and happens
 * only after checking that the bytes are there; otherwise it returns false
 * and writes nothing, so a length check forgotten elsewhere can never turn
 * into a read out of bounds.
 *
 * Byte shifts, not casts: safe for any alignment; compilers turn them into a
 * single load (+ bswap), and drop the check when an earlier one implies it.
 */
#ifndef TS_BYTES_H
#define TS_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when `n` bytes at `off` lie inside a buffer of `len` bytes. */
static inline bool
ts_bytes_have(size_t len, size_t off, size_t n)
{
    return off <= len && len - off >= n;
}

/* Big-endian (network order) reads of p[off..]. */
static inline bool
ts_get_be16(const uint8_t *p, size_t len, size_t off, uint16_t *v)
{
    if (!ts_bytes_have(len, off, 2))
        return false;
    *v = (uint16_t)(((unsigned)p[off] << 8) | p[off + 1]);
    return true;
}

static inline bool
ts_get_be32(const uint8_t *p, size_t len, size_t off, uint32_t *v)
{
    if (!ts_bytes_have(len, off, 4))
        return false;
    p += off;
    *v = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
    return true;
}

static inline bool
ts_get_be64(const uint8_t *p, size_t len, size_t off, uint64_t *v)
{
    uint32_t hi, lo;
    if (!ts_get_be32(p, len, off, &hi) || !ts_get_be32(p, len, off + 4, &lo))
        return false;
    *v = ((uint64_t)hi << 32) | lo;
    return true;
}

/* Little-endian reads of p[off..]. */
static inline bool
ts_get_le16(const uint8_t *p, size_t len, size_t off, uint16_t *v)
{
    if (!ts_bytes_have(len, off, 2))
        return false;
    *v = (uint16_t)(((unsigned)p[off + 1] << 8) | p[off]);
    return true;
}

static inline bool
ts_get_le32(const uint8_t *p, size_t len, size_t off, uint32_t *v)
{
    if (!ts_bytes_have(len, off, 4))
        return false;
    p += off;
    *v = ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[1] << 8) | p[0];
    return true;
}

static inline bool
ts_get_le64(const uint8_t *p, size_t len, size_t off, uint64_t *v)
{
    uint32_t hi, lo;
    if (!ts_get_le32(p, len, off, &lo) || !ts_get_le32(p, len, off + 4, &hi))
        return false;
    *v = ((uint64_t)hi << 32) | lo;
    return true;
}

/* Reads in a byte order chosen at run time (a capture file's): big-endian
 * when `big`, else little-endian. */
static inline bool
ts_get_u16(const uint8_t *p, size_t len, size_t off, bool big, uint16_t *v)
{
    return big ? ts_get_be16(p, len, off, v) : ts_get_le16(p, len, off, v);
}

static inline bool
ts_get_u32(const uint8_t *p, size_t len, size_t off, bool big, uint32_t *v)
{
    return big ? ts_get_be32(p, len, off, v) : ts_get_le32(p, len, off, v);
}

static inline bool
ts_get_u64(const uint8_t *p, size_t len, size_t off, bool big, uint64_t *v)
{
    return big ? ts_get_be64(p, len, off, v) : ts_get_le64(p, len, off, v);
}

#endif /* TS_BYTES_H */

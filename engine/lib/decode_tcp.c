/*
 * decode_tcp.c — the TCP header and the TCP checksum.
 *
 * The IP layer hands over the bytes after the IP header(s), clipped to the IP
 * length, with the two lengths `cap` (present) and `wire` (per the IP
 * header; TS_WIRE_UNKNOWN when the IP header gave no length, e.g. IPv4 TSO
 * with total length 0: then the wire length is taken to be what is
 * present). Check order matters: a header that cannot fit in what the IP
 * header announces is MALFORMED even if the capture also stopped early.
 *
 * Gotchas:
 *   - the checksum can only be verified on complete segments; a snapped
 *     segment is reported as "ok" (unknown);
 *   - the checksum sum is done on native-endian 16-bit words: the one's-
 *     complement sum is byte-order independent up to a final swap, and the
 *     "all ones" result we test for is the same in both orders;
 *   - IPv6 with a routing header: the pseudo-header should use the final
 *     destination (last address of the routing header). We use the IPv6
 *     header's destination, so such segments may be reported as bad.
 */
#include "decode_internal.h"

#include <string.h>

/* Decodes and validates a TCP header; fills `out` only on success. */
ts_decode_status
ts_decode_tcp(const uint8_t *p, uint32_t cap, uint32_t wire, int family, const uint8_t *src,
              const uint8_t *dst, ts_decoded *out)
{
    uint32_t hl;

    if (wire < 20)
        return TS_DECODE_MALFORMED; /* the IP length leaves no room for TCP */
    if (cap < 20)
        return TS_DECODE_TRUNCATED;
    hl = (uint32_t)(p[12] >> 4) * 4;
    if (hl < 20 || hl > wire)
        return TS_DECODE_MALFORMED;
    if (hl > cap)
        return TS_DECODE_TRUNCATED; /* options cut by the snap length */

    out->family = (uint8_t)family;
    out->ip4_header = NULL; /* set by the IPv4 layer on the way back */
    out->ip4_header_len = 0;
    if (family == 4) {
        memset(out->src_addr, 0, sizeof out->src_addr);
        memset(out->dst_addr, 0, sizeof out->dst_addr);
        memcpy(out->src_addr, src, 4);
        memcpy(out->dst_addr, dst, 4);
    } else {
        memcpy(out->src_addr, src, 16);
        memcpy(out->dst_addr, dst, 16);
    }
    /* cap >= hl >= 20: these reads cannot fail */
    if (!ts_get_be16(p, cap, 0, &out->src_port) || !ts_get_be16(p, cap, 2, &out->dst_port) ||
        !ts_get_be32(p, cap, 4, &out->seq) || !ts_get_be32(p, cap, 8, &out->ack) ||
        !ts_get_be16(p, cap, 14, &out->window) || !ts_get_be16(p, cap, 18, &out->urgent))
        return TS_DECODE_TRUNCATED;
    out->flags = p[13];
    out->tcp_header = p;
    out->tcp_header_len = hl;
    out->payload = p + hl;
    out->payload_len = cap - hl;
    out->payload_wire_len = (wire == TS_WIRE_UNKNOWN ? cap : wire) - hl;
    return TS_DECODE_TCP;
}

/* Adds `len` bytes at `p` as native-endian 16-bit words to `sum` (not
 * folded). An odd last byte is padded with a zero byte after it, in memory
 * order, as the checksum definition requires. */
static uint64_t
ts_csum_add(uint64_t sum, const uint8_t *p, size_t len)
{
    uint64_t a = 0, b = 0;
    while (len >= 16) {
        uint64_t x, y;
        memcpy(&x, p, 8);
        memcpy(&y, p + 8, 8);
        a += (x & 0xffffffffu) + (x >> 32);
        b += (y & 0xffffffffu) + (y >> 32);
        p += 16;
        len -= 16;
    }
    if (len >= 8) {
        uint64_t x;
        memcpy(&x, p, 8);
        a += (x & 0xffffffffu) + (x >> 32);
        p += 8;
        len -= 8;
    }
    if (len >= 4) {
        uint32_t x;
        memcpy(&x, p, 4);
        b += x;
        p += 4;
        len -= 4;
    }
    if (len >= 2) {
        uint16_t x;
        memcpy(&x, p, 2);
        a += x;
        p += 2;
        len -= 2;
    }
    if (len) {
        uint8_t tail[2] = {p[0], 0};
        uint16_t x;
        memcpy(&x, tail, 2);
        b += x;
    }
    /* Fold each accumulator to 32 bits before adding so nothing overflows. */
    a = (a & 0xffffffffu) + (a >> 32);
    b = (b & 0xffffffffu) + (b >> 32);
    return sum + a + b;
}

/* Folds a 64-bit one's-complement accumulator to 16 bits. */
static uint16_t
ts_csum_fold(uint64_t s)
{
    s = (s & 0xffffffffu) + (s >> 32);
    s = (s & 0xffffffffu) + (s >> 32);
    s = (s & 0xffffu) + (s >> 16);
    s = (s & 0xffffu) + (s >> 16);
    s = (s & 0xffffu) + (s >> 16);
    return (uint16_t)s;
}

/* Verifies the TCP checksum over pseudo-header, header and payload. */
bool
ts_ip_checksum_ok(const ts_decoded *seg)
{
    if (seg->ip4_header == NULL)
        return true;
    return ts_csum_fold(ts_csum_add(0, seg->ip4_header, seg->ip4_header_len)) == 0xffff;
}

bool
ts_tcp_checksum_ok(const ts_decoded *seg)
{
    uint8_t tail[8];
    uint32_t tcp_len;
    uint64_t s;

    if (seg->payload_len != seg->payload_wire_len)
        return true; /* incomplete: cannot be checked */
    tcp_len = seg->tcp_header_len + seg->payload_wire_len;
    if (seg->family == 4) {
        s = ts_csum_add(0, seg->src_addr, 4);
        s = ts_csum_add(s, seg->dst_addr, 4);
        tail[0] = 0;
        tail[1] = 6;
        tail[2] = (uint8_t)(tcp_len >> 8);
        tail[3] = (uint8_t)tcp_len;
        s = ts_csum_add(s, tail, 4);
    } else {
        s = ts_csum_add(0, seg->src_addr, 16);
        s = ts_csum_add(s, seg->dst_addr, 16);
        tail[0] = (uint8_t)(tcp_len >> 24);
        tail[1] = (uint8_t)(tcp_len >> 16);
        tail[2] = (uint8_t)(tcp_len >> 8);
        tail[3] = (uint8_t)tcp_len;
        tail[4] = tail[5] = tail[6] = 0;
        tail[7] = 6;
        s = ts_csum_add(s, tail, 8);
    }
    /* The payload follows the header in the frame: one contiguous run. */
    s = ts_csum_add(s, seg->tcp_header, tcp_len);
    return ts_csum_fold(s) == 0xffff;
}

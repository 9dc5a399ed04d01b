/*
 * decode_internal.h — helpers shared by decode_link.c, decode_ip.c and
 * decode_tcp.c (internal to the decoder).
 *
 * Layering: decode_link.c owns ts_decode_frame() and strips the link header;
 * decode_ip.c walks IPv4/IPv6 (options, extension headers, IP-in-IP) and
 * clips the packet to the length the IP header states; decode_tcp.c checks
 * the TCP header, fills ts_decoded and verifies checksums.
 *
 * Length conventions passed between layers, for the bytes that start at `p`:
 *   `cap`  = bytes present in the frame (after clipping to the IP length);
 *   `wire` = bytes the enclosing header says exist (>= cap), or
 *            TS_WIRE_UNKNOWN at the outermost IP header (and after an IPv4
 *            header with total length 0, TSO).
 * A header that does not fit in `wire` is MALFORMED (the header lies); one
 * that fits in `wire` but not in `cap` is TRUNCATED (snap length). Only
 * lengths are compared; no pointer is formed before its bytes are known to
 * be present.
 *
 * Multi-byte fields are read with bytes.h's checked readers (a failed read,
 * which the length checks before it make impossible, is TRUNCATED).
 */
#ifndef TS_DECODE_INTERNAL_H
#define TS_DECODE_INTERNAL_H

#include "bytes.h"
#include "decode.h"

#include <stddef.h>
#include <stdint.h>

/* `wire` value when no enclosing header bounds the packet. */
#define TS_WIRE_UNKNOWN UINT32_MAX

/* Maximum nesting of IP-in-IP tunnels followed (outer header counts as 1). */
#define TS_MAX_IP_DEPTH 4

/* Maximum IPv6 extension headers walked per IPv6 header. */
#define TS_MAX_IPV6_EXT 16

/* Maximum VLAN / MPLS labels skipped in front of an IP packet. */
#define TS_MAX_VLAN_TAGS 8
#define TS_MAX_MPLS_LABELS 8

/* Decodes an IP packet whose version is taken from its first nibble
 * (`version` 0) or required to be 4 or 6; `cap`/`wire` as above; `depth`
 * counts enclosing IP headers (0 at the outermost). */
ts_decode_status ts_decode_ip(const uint8_t *p, uint32_t cap, uint32_t wire, int version, int depth,
                              ts_decoded *out);

/* Decodes a PPP frame at `p`: optional HDLC address/control 0xff 0x03,
 * protocol of 1 byte (odd first byte, PFC) or 2; 0x0021 IPv4 and 0x0057
 * IPv6 go on to ts_decode_ip(..., depth), anything else is NOT_IP.
 * `cap`/`wire` as above (for PPPoE, PPP links and GRE/PPTP). */
ts_decode_status ts_decode_ppp(const uint8_t *p, uint32_t cap, uint32_t wire, int depth,
                               ts_decoded *out);

/* Decodes a TCP header at `p` with `cap` bytes present and `wire` bytes of
 * IP payload (cap <= wire); on success fills all of `out`, taking the
 * addresses (4 or 16 bytes by `family`) from `src`/`dst`. Writes nothing to
 * `out` on failure. */
ts_decode_status ts_decode_tcp(const uint8_t *p, uint32_t cap, uint32_t wire, int family,
                               const uint8_t *src, const uint8_t *dst, ts_decoded *out);

#endif /* TS_DECODE_INTERNAL_H */

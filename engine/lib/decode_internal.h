/*
 * decode_internal.h — helpers shared by decode_link.c, decode_ip.c and
 * decode_tcp.c (internal to the decoder).
 *
 * Layering: decode_link.c owns ts_decode_frame() and strips the link header
 * (and the Ethernet-type dispatch: VLAN, PPPoE, MPLS); decode_ip.c walks
 * IPv4/IPv6 (options, extension headers, IP-in-IP) and clips the packet to
 * the length the IP header states; decode_tunnel.c follows GRE (ERSPAN) and
 * the UDP tunnels (VXLAN, Geneve, GTP-U, Teredo); decode_tcp.c checks the
 * TCP header, fills ts_decoded and verifies checksums.
 *
 * Depth: every function that may meet an encapsulation takes `depth`, the
 * number of layers already recorded in out->carried (0 at the outermost
 * header). A layer is written at carried[depth] (ts_push_layer) before the
 * next header is decoded at depth + 1; ts_decode_next sets out->ncarried =
 * depth when it reaches TCP. So plain traffic costs one store.
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

/* Maximum IPv6 extension headers walked per IPv6 header. */
#define TS_MAX_IPV6_EXT 16

/* Maximum VLAN / MPLS labels skipped in front of an IP packet. */
#define TS_MAX_VLAN_TAGS 8
#define TS_MAX_MPLS_LABELS 8

/* Records layer `kind` at out->carried[depth] (depth < TS_MAX_ENCAP,
 * checked by the caller) and returns it, other fields cleared. */
static inline ts_layer *
ts_push_layer(ts_decoded *out, int depth, uint8_t kind)
{
    ts_layer *l = &out->carried[depth];
    l->kind = kind;
    l->family = 0;
    l->has_id = false;
    l->detail = 0;
    l->id = 0;
    l->port[0] = l->port[1] = 0;
    l->tpid = l->tci = 0;
    l->src = l->dst = NULL;
    return l;
}

/* ts_push_layer() for an IP-level tunnel, with the enclosing IP header's
 * addresses (`family` 4 or 6). */
static inline ts_layer *
ts_push_ip_layer(ts_decoded *out, int depth, uint8_t kind, int family, const uint8_t *src,
                 const uint8_t *dst)
{
    ts_layer *l = ts_push_layer(out, depth, kind);
    l->family = (uint8_t)family;
    l->src = src;
    l->dst = dst;
    return l;
}

/* Continues after an Ethernet type field `type`: `off` is the offset of the
 * first byte after it in `p` (off <= caplen); `depth` as above
 * (decode_link.c). */
ts_decode_status ts_decode_ethertype(uint16_t type, const uint8_t *p, uint32_t off, uint32_t caplen,
                                     int depth, ts_decoded *out);

/* An Ethernet frame (no FCS) carried inside a tunnel: `cap` bytes present of
 * `wire` (decode_tunnel.c). */
ts_decode_status ts_decode_inner_ethernet(const uint8_t *p, uint32_t cap, uint32_t wire, int depth,
                                          ts_decoded *out);

/* GRE (IP protocol 47) at `p`, after an IP header of `family` with
 * addresses `src`/`dst` (decode_tunnel.c). */
ts_decode_status ts_decode_gre(const uint8_t *p, uint32_t cap, uint32_t wire, int family,
                               const uint8_t *src, const uint8_t *dst, int depth, ts_decoded *out);

/* UDP (IP protocol 17): a tunnel when a port selects one, else NOT_TCP
 * (decode_tunnel.c). */
ts_decode_status ts_decode_udp(const uint8_t *p, uint32_t cap, uint32_t wire, int family,
                               const uint8_t *src, const uint8_t *dst, int depth, ts_decoded *out);

/* Decodes an IP packet whose version is taken from its first nibble
 * (`version` 0) or required to be 4 or 6; `cap`/`wire` and `depth` as
 * above. */
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

/* Goes on with protocol `proto` (IPv4 protocol / IPv6 next header) found
 * after an IP header of `family` whose addresses are `src`/`dst`; `p` is
 * the first byte after that header (or a reassembled datagram's payload),
 * `cap`/`wire` as above, `depth` as for ts_decode_ip. The engine calls it on
 * reassembled IP datagrams; for IPv6, an extension header there (the
 * fragmentable part's destination options) is walked like the chain after
 * a fixed header. */
ts_decode_status ts_decode_next(uint8_t proto, const uint8_t *p, uint32_t cap, uint32_t wire,
                                int family, const uint8_t *src, const uint8_t *dst, int depth,
                                ts_decoded *out);

#endif /* TS_DECODE_INTERNAL_H */

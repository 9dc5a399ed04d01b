/*
 * decode_ip.c — IPv4 and IPv6 down to the TCP header, with IP-in-IP.
 *
 * Each IP header clips what follows it to the length it states: bytes past
 * the IPv4 total length / IPv6 payload length (Ethernet padding, trailers,
 * FCS) are never looked at. If the frame holds fewer bytes than the header
 * states, the rest was cut by the snap length: `cap` shrinks, `wire` keeps
 * the stated size, and the TCP layer reports payload_len < payload_wire_len.
 *
 * Gotchas:
 *   - any IPv4 fragment (MF set or offset != 0) is TS_DECODE_FRAGMENT, even
 *     of non-TCP protocols: the fragment bits are checked before the protocol;
 *     ts_decoded.fragment then describes it for the engine's reassembly
 *     (defrag.h), which decodes the whole datagram with ts_decode_next();
 *   - an IPv6 fragment header with offset 0 and M = 0 (an "atomic fragment",
 *     RFC 6946) is not a fragment: we continue past it;
 *   - the fragmentable part of an IPv6 datagram may start with extension
 *     headers of its own (destination options, RFC 8200 4.5): given a
 *     reassembled payload with such a next header, ts_decode_next() walks
 *     the chain there too (ipv6_ext_chain);
 *   - IPv4 total length 0 is what TSO / BIG TCP captures on the sending host
 *     show: the packet then extends to the end of the frame (as Wireshark's
 *     default "support packet-capture from IP TSO-enabled hardware"), its
 *     wire length is unknown (the TCP layer then reports payload_wire_len =
 *     payload_len), and a trailer cannot be told from payload;
 *   - IPv6 payload length 0 with a hop-by-hop header is a jumbogram (RFC
 *     2675, Linux BIG TCP): the length comes from the Jumbo Payload option;
 *     without a valid one (value > 65535) the packet is MALFORMED;
 *   - an inner (tunnelled) packet longer than its outer header allows is
 *     MALFORMED; IP-in-IP (4in4, 6in4, 4in6, 6in6) is recorded as a layer
 *     and counts towards TS_MAX_ENCAP (deeper: TS_DECODE_TOO_DEEP); GRE (47)
 *     and UDP (17) go to decode_tunnel.c;
 *   - ESP (50) and no-next-header (59) end the walk: NOT_TCP.
 */
#include "decode_internal.h"

#include <stdbool.h>
#include <string.h>

static ts_decode_status ts_decode_ipv4(const uint8_t *p, uint32_t cap, uint32_t wire, int depth,
                                       ts_decoded *out);
static ts_decode_status ts_decode_ipv6(const uint8_t *p, uint32_t cap, uint32_t wire, int depth,
                                       ts_decoded *out);
static bool ipv6_is_ext(uint8_t nh);
static ts_decode_status ipv6_ext_chain(uint8_t nh, const uint8_t *p, uint32_t cap, uint32_t total,
                                       const uint8_t *src, const uint8_t *dst, int depth,
                                       ts_decoded *out);

/* Dispatches on the IP version (from the first nibble when `version` is 0). */
ts_decode_status
ts_decode_ip(const uint8_t *p, uint32_t cap, uint32_t wire, int version, int depth, ts_decoded *out)
{
    if (cap < 1)
        return wire < 1 ? TS_DECODE_MALFORMED : TS_DECODE_TRUNCATED;
    if (version == 0)
        version = p[0] >> 4;
    if (version == 4)
        return ts_decode_ipv4(p, cap, wire, depth, out);
    if (version == 6)
        return ts_decode_ipv6(p, cap, wire, depth, out);
    return TS_DECODE_MALFORMED;
}

/* An ICMP (`family` 4) or ICMPv6 error message at `p` that quotes the start
 * of a TCP segment: fills the quoted segment's addresses, ports, sequence
 * number and flags (0 when not quoted). Wireshark gives such quotes a TCP
 * stream number, so the engine needs them to number streams the same way. */
static ts_decode_status
ts_decode_icmp_quote(const uint8_t *p, uint32_t cap, int family, ts_decoded *out)
{
    if (cap < 8)
        return TS_DECODE_NOT_TCP;
    uint8_t type = p[0];
    bool error = family == 4 ? (type == 3 || type == 4 || type == 5 || type == 11 || type == 12)
                             : (type >= 1 && type <= 4);
    if (!error)
        return TS_DECODE_NOT_TCP;
    const uint8_t *ip = p + 8;
    uint32_t left = cap - 8, hlen;
    uint8_t proto;
    size_t alen;
    const uint8_t *src, *dst;
    if (family == 4) {
        if (left < 20 || (ip[0] >> 4) != 4 || (ip[0] & 0x0f) < 5)
            return TS_DECODE_NOT_TCP;
        hlen = (uint32_t)(ip[0] & 0x0f) * 4;
        proto = ip[9];
        alen = 4;
        src = ip + 12;
        dst = ip + 16;
        uint16_t frag;
        if (!ts_get_be16(ip, left, 6, &frag) || (frag & 0x1fff) != 0)
            return TS_DECODE_NOT_TCP; /* a later fragment: no TCP header */
    } else {
        if (left < 40 || (ip[0] >> 4) != 6)
            return TS_DECODE_NOT_TCP;
        hlen = 40;
        proto = ip[6];
        alen = 16;
        src = ip + 8;
        dst = ip + 24;
    }
    if (proto != 6 || left < hlen + 8)
        return TS_DECODE_NOT_TCP;
    const uint8_t *tcp = ip + hlen;
    uint32_t tcp_cap = left - hlen;
    memset(out, 0, sizeof *out);
    out->family = (uint8_t)family;
    memcpy(out->src_addr, src, alen);
    memcpy(out->dst_addr, dst, alen);
    /* tcp_cap >= 8: ports and seq are there; ack and flags when quoted */
    if (!ts_get_be16(tcp, tcp_cap, 0, &out->src_port) ||
        !ts_get_be16(tcp, tcp_cap, 2, &out->dst_port) || !ts_get_be32(tcp, tcp_cap, 4, &out->seq))
        return TS_DECODE_NOT_TCP;
    if (tcp_cap >= 14)
        out->flags = tcp[13];
    if (tcp_cap >= 12)
        ts_get_be32(tcp, tcp_cap, 8, &out->ack);
    return TS_DECODE_ICMP_TCP;
}

/* Follows protocol `proto` found after an IP header of `family` with
 * addresses `src`/`dst`; `p` is the first byte after it (decode_internal.h). */
ts_decode_status
ts_decode_next(uint8_t proto, const uint8_t *p, uint32_t cap, uint32_t wire, int family,
               const uint8_t *src, const uint8_t *dst, int depth, ts_decoded *out)
{
    if (family == 6 && ipv6_is_ext(proto)) /* a reassembled datagram's own headers */
        return ipv6_ext_chain(proto, p, cap, wire, src, dst, depth, out);
    if (proto == 6) {
        out->ncarried = (uint8_t)depth;
        return ts_decode_tcp(p, cap, wire, family, src, dst, out);
    }
    if (proto == 4 || proto == 41) {
        if (depth >= TS_MAX_ENCAP)
            return TS_DECODE_TOO_DEEP;
        ts_layer *l = ts_push_ip_layer(out, depth, TS_CARRIER_IPIP, family, src, dst);
        l->detail = proto == 4 ? 4 : 6;
        return ts_decode_ip(p, cap, wire, l->detail, depth + 1, out);
    }
    if (proto == 47)
        return ts_decode_gre(p, cap, wire, family, src, dst, depth, out);
    if (proto == 17)
        return ts_decode_udp(p, cap, wire, family, src, dst, depth, out);
    if ((proto == 1 && family == 4) || (proto == 58 && family == 6)) {
        ts_decode_status st = ts_decode_icmp_quote(p, cap, family, out);
        out->ncarried = (uint8_t)depth; /* the ICMP message's carriage */
        return st;
    }
    return TS_DECODE_NOT_TCP;
}

/* Records the IPv4 header `p` (`hl` bytes) on a decoded segment that has
 * none yet (the innermost IPv4 header wins), for checksum verification. */
static inline ts_decode_status
with_ip4_header(ts_decode_status st, const uint8_t *p, uint32_t hl, ts_decoded *out)
{
    if (st == TS_DECODE_TCP && out->ip4_header == NULL) {
        out->ip4_header = p;
        out->ip4_header_len = hl;
    }
    return st;
}

/* Describes the fragment after the IPv4 header `p` (`hl` bytes; `cap` and
 * `wire` bytes of payload; `frag` the flags and offset field). */
static ts_decode_status
ipv4_fragment(const uint8_t *p, uint32_t hl, uint32_t cap, uint32_t wire, uint16_t frag, int depth,
              ts_decoded *out)
{
    ts_fragment *f = &out->fragment;
    uint16_t id;
    if (!ts_get_be16(p, hl, 4, &id))
        return TS_DECODE_TRUNCATED; /* cannot happen: hl >= 20 */
    memset(f, 0, sizeof *f);
    f->family = 4;
    f->proto = p[9];
    f->more = (frag & 0x2000) != 0;
    memcpy(f->src_addr, p + 12, 4);
    memcpy(f->dst_addr, p + 16, 4);
    f->id = id;
    f->offset = (uint32_t)(frag & 0x1fff) * 8;
    f->data = p + hl;
    f->data_len = cap;
    f->data_wire_len = wire;
    f->depth = depth;
    return TS_DECODE_FRAGMENT;
}

/* Describes the fragment whose IPv6 fragment header is at `p + off`
 * (checked present: 8 bytes) in the extension-header chain `p` (`cap`
 * bytes present of `total`) of an IPv6 packet from `src` to `dst`. */
static ts_decode_status
ipv6_fragment(const uint8_t *p, uint32_t off, uint32_t cap, uint32_t total, uint16_t fragment,
              const uint8_t *src, const uint8_t *dst, int depth, ts_decoded *out)
{
    ts_fragment *f = &out->fragment;
    uint32_t id;
    if (!ts_get_be32(p, cap, off + 4, &id))
        return TS_DECODE_TRUNCATED; /* cannot happen: checked by the caller */
    memset(f, 0, sizeof *f);
    f->family = 6;
    f->proto = p[off];
    f->more = (fragment & 1) != 0;
    memcpy(f->src_addr, src, 16);
    memcpy(f->dst_addr, dst, 16);
    f->id = id;
    f->offset = fragment & 0xfff8u;
    f->data = p + off + 8;
    f->data_len = cap - off - 8;
    f->data_wire_len = total - off - 8;
    f->depth = depth;
    return TS_DECODE_FRAGMENT;
}

/* IPv4: version, IHL, total length, fragments, options skipped. */
static ts_decode_status
ts_decode_ipv4(const uint8_t *p, uint32_t cap, uint32_t wire, int depth, ts_decoded *out)
{
    uint32_t hl, total;
    uint16_t total16, frag;

    if ((p[0] >> 4) != 4 || wire < 20) /* cap >= 1 (ts_decode_ip) */
        return TS_DECODE_MALFORMED;
    if (cap < 20 || !ts_get_be16(p, cap, 2, &total16) || !ts_get_be16(p, cap, 6, &frag))
        return TS_DECODE_TRUNCATED;
    hl = (uint32_t)(p[0] & 0x0f) * 4;
    total = total16;
    if (hl < 20)
        return TS_DECODE_MALFORMED;
    if (total == 0) { /* TSO / BIG TCP: the packet is the rest of the frame */
        if (hl > cap)
            return TS_DECODE_TRUNCATED;
        if (frag & 0x3fff)
            return ipv4_fragment(p, hl, cap - hl, cap - hl, frag, depth, out);
        return with_ip4_header(ts_decode_next(p[9], p + hl, cap - hl,
                                              wire == TS_WIRE_UNKNOWN ? wire : wire - hl, 4, p + 12,
                                              p + 16, depth, out),
                               p, hl, out);
    }
    if (total < hl || total > wire)
        return TS_DECODE_MALFORMED;
    if (hl > cap)
        return TS_DECODE_TRUNCATED; /* options cut by the snap length */
    if (cap > total)
        cap = total;   /* drop link padding / trailer */
    if (frag & 0x3fff) /* MF or fragment offset */
        return ipv4_fragment(p, hl, cap - hl, total - hl, frag, depth, out);
    return with_ip4_header(
        ts_decode_next(p[9], p + hl, cap - hl, total - hl, 4, p + 12, p + 16, depth, out), p, hl,
        out);
}

/* IPv6 payload length 0 with a hop-by-hop header: finds the Jumbo Payload
 * option (RFC 2675) and sets `*total` to 40 + its value. Returns
 * TS_DECODE_TCP when found ("go on"), TRUNCATED or MALFORMED otherwise. */
static ts_decode_status
ts_ipv6_jumbo(const uint8_t *p, uint32_t cap, uint32_t wire, uint32_t *total)
{
    uint32_t end, i, jumbo;

    if (wire < 48)
        return TS_DECODE_MALFORMED;
    if (cap < 42)
        return TS_DECODE_TRUNCATED;
    end = 40 + ((uint32_t)p[41] + 1) * 8;
    if (cap < end)
        return TS_DECODE_TRUNCATED;
    for (i = 42; i < end;) {
        if (p[i] == 0) { /* Pad1 */
            i++;
            continue;
        }
        if (end - i < 2 || end - i - 2 < p[i + 1])
            return TS_DECODE_MALFORMED;
        if (p[i] == 0xc2) {
            if (p[i + 1] != 4)
                return TS_DECODE_MALFORMED;
            if (!ts_get_be32(p, end, i + 2, &jumbo))
                return TS_DECODE_MALFORMED; /* cannot happen: p[i + 1] == 4 fits */
            if (jumbo <= 65535 || jumbo > wire - 40)
                return TS_DECODE_MALFORMED;
            *total = 40 + jumbo;
            return TS_DECODE_TCP;
        }
        i += 2u + p[i + 1];
    }
    return TS_DECODE_MALFORMED; /* length 0 and no jumbo option */
}

/* True for the IPv6 extension headers the chain walk steps over (or, for
 * the fragment header, stops at). */
static bool
ipv6_is_ext(uint8_t nh)
{
    return nh == 0 || nh == 43 || nh == 44 || nh == 51 || nh == 60;
}

/* Walks the IPv6 extension-header chain at `p` (`cap` bytes present of
 * `total`) starting with next header `nh`, in a packet from `src` to `dst`:
 * hop-by-hop, routing, destination options and AH are skipped, a fragment
 * header makes the packet a fragment (unless atomic), anything else goes to
 * ts_decode_next(). Used for the packet after its fixed header and for the
 * fragmentable part of a reassembled datagram, which may begin with
 * destination options (RFC 8200 4.5). */
static ts_decode_status
ipv6_ext_chain(uint8_t nh, const uint8_t *p, uint32_t cap, uint32_t total, const uint8_t *src,
               const uint8_t *dst, int depth, ts_decoded *out)
{
    uint32_t off = 0, hlen;
    for (int n = 0; n < TS_MAX_IPV6_EXT; n++) {
        switch (nh) {
        case 0:  /* hop-by-hop options */
        case 43: /* routing */
        case 60: /* destination options */
        case 51: /* authentication header */
            if (total - off < 2)
                return TS_DECODE_MALFORMED;
            if (cap - off < 2)
                return TS_DECODE_TRUNCATED;
            hlen = nh == 51 ? ((uint32_t)p[off + 1] + 2) * 4 : ((uint32_t)p[off + 1] + 1) * 8;
            if (total - off < hlen)
                return TS_DECODE_MALFORMED;
            if (cap - off < hlen)
                return TS_DECODE_TRUNCATED;
            nh = p[off];
            off += hlen;
            break;
        case 44: /* fragment */
            if (total - off < 8)
                return TS_DECODE_MALFORMED;
            uint16_t fragment;
            if (cap - off < 8 || !ts_get_be16(p, cap, off + 2, &fragment))
                return TS_DECODE_TRUNCATED;
            if (fragment & 0xfff9) /* offset (13 bits) or M */
                return ipv6_fragment(p, off, cap, total, fragment, src, dst, depth, out);
            nh = p[off]; /* atomic fragment: the whole packet is here */
            off += 8;
            break;
        default:
            return ts_decode_next(nh, p + off, cap - off, total - off, 6, src, dst, depth, out);
        }
    }
    return TS_DECODE_NOT_TCP; /* too many extension headers: give up */
}

/* IPv6: fixed header, then the extension-header chain. */
static ts_decode_status
ts_decode_ipv6(const uint8_t *p, uint32_t cap, uint32_t wire, int depth, ts_decoded *out)
{
    uint32_t total;
    uint8_t nh;

    if ((p[0] >> 4) != 6 || wire < 40) /* cap >= 1 (ts_decode_ip) */
        return TS_DECODE_MALFORMED;
    if (cap < 40)
        return TS_DECODE_TRUNCATED;
    uint16_t payload_len;
    if (!ts_get_be16(p, cap, 4, &payload_len))
        return TS_DECODE_TRUNCATED;
    total = 40u + payload_len;
    nh = p[6];
    if (total == 40 && nh == 0) {
        ts_decode_status st = ts_ipv6_jumbo(p, cap, wire, &total);
        if (st != TS_DECODE_TCP)
            return st;
    }
    if (total > wire)
        return TS_DECODE_MALFORMED;
    if (cap > total)
        cap = total;
    return ipv6_ext_chain(nh, p + 40, cap - 40, total - 40, p + 8, p + 24, depth, out);
}

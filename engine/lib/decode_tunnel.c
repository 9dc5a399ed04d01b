/*
 * decode_tunnel.c — tunnels inside IP: GRE (with ERSPAN) and the UDP
 * tunnels VXLAN, Geneve, GTP-U and Teredo, down to the packet they carry.
 *
 * Each tunnel header is one layer of out->carried (decode_internal.h,
 * "Depth"); what it carries goes back through ts_decode_ip() or, for
 * Ethernet, ts_decode_ethertype(), so tunnels nest in any order (VXLAN in
 * GRE in IP-in-IP ...) up to TS_MAX_ENCAP layers, VLAN tags included.
 *
 * Lengths: `cap`/`wire` as in decode_internal.h. A tunnel header that does
 * not fit in `wire` is MALFORMED, one that fits in `wire` but not `cap`
 * TRUNCATED. The UDP length clips what follows it (like an IP length).
 *
 * Gotchas (as Wireshark decides):
 *   - GRE (RFC 2784/2890, RFC 1701's routing): version 0: C or R adds
 *     checksum + offset, K a key, S a sequence number, R a list of SREs
 *     ended by a NULL SRE. Version 1 is PPTP's enhanced GRE (RFC 2637):
 *     protocol 0x880b, K set (payload length, call id), S a sequence
 *     number, A (0x0080) an acknowledgment number, C and R clear; its
 *     payload length clips the PPP frame, and 0 (an acknowledgment alone)
 *     is NOT_TCP. Anything else of version 1, and other versions: NOT_TCP;
 *   - ERSPAN: protocol 0x88be without the S flag is type I (no ERSPAN
 *     header, Ethernet at once), with S type II (8-byte header, version 1);
 *     0x22eb is type III (12 bytes, version 2, 8 more with the O flag; frame
 *     type 0 Ethernet, 2 IP);
 *   - a UDP datagram is a tunnel when one of its ports is a tunnel's port,
 *     the lower port tried first (Wireshark's rule); any other UDP, even
 *     with a broken length, stays NOT_TCP without a look at its length;
 *   - Geneve: version 0 only, options skipped; protocol 0x6558 is Ethernet,
 *     other values go through the Ethernet-type dispatch;
 *   - GTP-U: version 1, protocol type 1, message 0xff (T-PDU) only (echo,
 *     end marker, error indication: NOT_TCP); E, S or PN adds 4 bytes
 *     (sequence, N-PDU, next extension type); with E, extension headers
 *     (length in 4-byte units, 0 is MALFORMED) follow until a next type 0;
 *     the T-PDU is IP when its first nibble is 4 or 6, else NOT_TCP;
 *   - Teredo (RFC 4380): an authentication header (0x0001) then an origin
 *     indication (0x0000) may precede the IPv6 packet.
 */
#include "decode_internal.h"

#define TS_MAX_GRE_SRE 16 /* SREs walked in a GRE routing list */
#define TS_MAX_GTP_EXT 16 /* GTP-U extension headers walked */
#define GRE_C 0x8000      /* checksum present */
#define GRE_R 0x4000      /* routing present (RFC 1701) */
#define GRE_K 0x2000      /* key present */
#define GRE_S 0x1000      /* sequence number present */
#define GRE_A 0x0080      /* acknowledgment number present (version 1) */
#define GRE_VERSION 0x0007
#define GRE_PPP 0x880b /* PPTP's protocol type */

static const ts_decode_config default_config = TS_DECODE_CONFIG_DEFAULT;

/* TS_DECODE_TCP ("go on") when `n` bytes are there, else MALFORMED (the
 * enclosing length has no room) or TRUNCATED (the capture stops). */
static inline ts_decode_status
need(uint32_t cap, uint32_t wire, uint32_t n)
{
    if (wire < n)
        return TS_DECODE_MALFORMED;
    if (cap < n)
        return TS_DECODE_TRUNCATED;
    return TS_DECODE_TCP;
}

/* `wire` less `n` bytes (n <= wire), staying unknown when unknown. */
static inline uint32_t
wire_less(uint32_t wire, uint32_t n)
{
    return wire == TS_WIRE_UNKNOWN ? wire : wire - n;
}

/* An Ethernet frame carried by a tunnel (see decode_internal.h). */
ts_decode_status
ts_decode_inner_ethernet(const uint8_t *p, uint32_t cap, uint32_t wire, int depth, ts_decoded *out)
{
    uint16_t type;
    ts_decode_status st = need(cap, wire, 14);
    if (st != TS_DECODE_TCP)
        return st;
    if (!ts_get_be16(p, cap, 12, &type))
        return TS_DECODE_TRUNCATED;
    if (type < 0x0600)
        return TS_DECODE_NOT_IP; /* 802.3 length: no IP in the tunnels we follow */
    return ts_decode_ethertype(type, p, 14, cap, depth, out);
}

/* Length of the GRE header at `p` with flags `flags` (routing SREs walked)
 * in `*hl`; TS_DECODE_TCP when it is all there. */
static ts_decode_status
gre_header_length(const uint8_t *p, uint32_t cap, uint32_t wire, uint16_t flags, uint32_t *hl)
{
    uint32_t n = 4;
    if (flags & (GRE_C | GRE_R))
        n += 4;
    if (flags & GRE_K)
        n += 4;
    if (flags & GRE_S)
        n += 4;
    ts_decode_status st = need(cap, wire, n);
    for (int i = 0; st == TS_DECODE_TCP && (flags & GRE_R); i++) {
        uint16_t family;
        if (i == TS_MAX_GRE_SRE)
            return TS_DECODE_MALFORMED;
        if ((st = need(cap, wire, n + 4)) != TS_DECODE_TCP)
            return st;
        if (!ts_get_be16(p, cap, n, &family))
            return TS_DECODE_TRUNCATED;
        uint32_t len = p[n + 3];
        n += 4;
        if (family == 0 && len == 0)
            break; /* the NULL SRE ends the list */
        st = need(cap, wire, n + len);
        n += len;
    }
    *hl = n;
    return st;
}

/* ERSPAN after a GRE header with flags `gre_flags` and protocol `proto`. */
static ts_decode_status
ts_decode_erspan(const uint8_t *p, uint32_t cap, uint32_t wire, uint16_t proto, uint16_t gre_flags,
                 int depth, ts_decoded *out)
{
    uint16_t w0, w10;
    ts_decode_status st;
    if (depth >= TS_MAX_ENCAP)
        return TS_DECODE_TOO_DEEP;
    ts_layer *l = ts_push_layer(out, depth, TS_CARRIER_ERSPAN);
    if (proto == 0x88be && !(gre_flags & GRE_S)) {
        l->detail = 1; /* type I: the mirrored frame at once */
        return ts_decode_inner_ethernet(p, cap, wire, depth + 1, out);
    }
    uint32_t hl = proto == 0x88be ? 8 : 12;
    if ((st = need(cap, wire, hl)) != TS_DECODE_TCP)
        return st;
    if (!ts_get_be16(p, cap, 2, &w0))
        return TS_DECODE_TRUNCATED;
    if ((p[0] >> 4) != (proto == 0x88be ? 1 : 2))
        return TS_DECODE_NOT_TCP; /* unknown version */
    l->detail = proto == 0x88be ? 2 : 3;
    l->has_id = true;
    l->id = w0 & 0x03ff;
    if (proto == 0x88be)
        return ts_decode_inner_ethernet(p + 8, cap - 8, wire_less(wire, 8), depth + 1, out);
    if (!ts_get_be16(p, cap, 10, &w10))
        return TS_DECODE_TRUNCATED;
    if (w10 & 1) /* O: platform-specific subheader */
        hl += 8;
    if ((st = need(cap, wire, hl)) != TS_DECODE_TCP)
        return st;
    switch ((w10 >> 10) & 0x1f) {
    case 0: return ts_decode_inner_ethernet(p + hl, cap - hl, wire_less(wire, hl), depth + 1, out);
    case 2: return ts_decode_ip(p + hl, cap - hl, wire_less(wire, hl), 0, depth + 1, out);
    default: return TS_DECODE_NOT_TCP;
    }
}

/* PPTP's enhanced GRE (version 1) with flags `flags` and protocol
 * `proto`: the PPP frame it carries, the call id recorded as the GRE
 * layer's id. */
static ts_decode_status
ts_decode_pptp(const uint8_t *p, uint32_t cap, uint32_t wire, uint16_t flags, uint16_t proto,
               int family, const uint8_t *src, const uint8_t *dst, int depth, ts_decoded *out)
{
    uint16_t plen, call;
    if (proto != GRE_PPP || (flags & (GRE_C | GRE_R | GRE_K)) != GRE_K)
        return TS_DECODE_NOT_TCP; /* not PPTP's GRE */
    uint32_t hl = 8 + ((flags & GRE_S) ? 4 : 0) + ((flags & GRE_A) ? 4 : 0);
    ts_decode_status st = need(cap, wire, hl);
    if (st != TS_DECODE_TCP)
        return st;
    if (!ts_get_be16(p, cap, 4, &plen) || !ts_get_be16(p, cap, 6, &call))
        return TS_DECODE_TRUNCATED;
    if (plen == 0)
        return TS_DECODE_NOT_TCP; /* an acknowledgment alone */
    if (wire != TS_WIRE_UNKNOWN && wire - hl < plen)
        return TS_DECODE_MALFORMED; /* the payload length runs past the packet */
    uint32_t pcap = cap - hl < plen ? cap - hl : plen;
    if (depth >= TS_MAX_ENCAP)
        return TS_DECODE_TOO_DEEP;
    ts_layer *l = ts_push_ip_layer(out, depth, TS_CARRIER_GRE, family, src, dst);
    l->has_id = true;
    l->id = call;
    l->detail = proto;
    return ts_decode_ppp(p + hl, pcap, plen, depth + 1, out);
}

/* GRE (see decode_internal.h). */
ts_decode_status
ts_decode_gre(const uint8_t *p, uint32_t cap, uint32_t wire, int family, const uint8_t *src,
              const uint8_t *dst, int depth, ts_decoded *out)
{
    uint16_t flags, proto;
    uint32_t hl, key = 0;
    ts_decode_status st = need(cap, wire, 4);
    if (st != TS_DECODE_TCP)
        return st;
    if (!ts_get_be16(p, cap, 0, &flags) || !ts_get_be16(p, cap, 2, &proto))
        return TS_DECODE_TRUNCATED;
    if ((flags & GRE_VERSION) == 1)
        return ts_decode_pptp(p, cap, wire, flags, proto, family, src, dst, depth, out);
    if (flags & GRE_VERSION)
        return TS_DECODE_NOT_TCP; /* unknown version */
    if ((st = gre_header_length(p, cap, wire, flags, &hl)) != TS_DECODE_TCP)
        return st;
    if ((flags & GRE_K) && !ts_get_be32(p, cap, (flags & (GRE_C | GRE_R)) ? 8 : 4, &key))
        return TS_DECODE_TRUNCATED;
    if (depth >= TS_MAX_ENCAP)
        return TS_DECODE_TOO_DEEP;
    ts_layer *l = ts_push_ip_layer(out, depth, TS_CARRIER_GRE, family, src, dst);
    l->has_id = (flags & GRE_K) != 0;
    l->id = key;
    l->detail = proto;
    p += hl;
    cap -= hl;
    wire = wire_less(wire, hl);
    switch (proto) {
    case 0x0800: return ts_decode_ip(p, cap, wire, 4, depth + 1, out);
    case 0x86dd: return ts_decode_ip(p, cap, wire, 6, depth + 1, out);
    case 0x6558: return ts_decode_inner_ethernet(p, cap, wire, depth + 1, out);
    case 0x8847:
    case 0x8848: return ts_decode_ethertype(proto, p, 0, cap, depth + 1, out);
    case 0x88be:
    case 0x22eb: return ts_decode_erspan(p, cap, wire, proto, flags, depth + 1, out);
    default: return TS_DECODE_NOT_TCP; /* keepalives, WCCP, PPP (PPTP), ... */
    }
}

/* VXLAN (RFC 7348): flags (I = VNI valid), VNI, then an Ethernet frame. */
static ts_decode_status
ts_decode_vxlan(const uint8_t *p, uint32_t cap, uint32_t wire, ts_layer *l, int depth,
                ts_decoded *out)
{
    uint32_t w;
    ts_decode_status st = need(cap, wire, 8);
    if (st != TS_DECODE_TCP)
        return st;
    if (!ts_get_be32(p, cap, 4, &w))
        return TS_DECODE_TRUNCATED;
    l->has_id = (p[0] & 0x08) != 0;
    l->id = w >> 8;
    return ts_decode_inner_ethernet(p + 8, cap - 8, wire_less(wire, 8), depth + 1, out);
}

/* Geneve (RFC 8926): version, options length, protocol type, VNI. */
static ts_decode_status
ts_decode_geneve(const uint8_t *p, uint32_t cap, uint32_t wire, ts_layer *l, int depth,
                 ts_decoded *out)
{
    uint16_t proto;
    uint32_t w;
    ts_decode_status st = need(cap, wire, 8);
    if (st != TS_DECODE_TCP)
        return st;
    if (!ts_get_be16(p, cap, 2, &proto) || !ts_get_be32(p, cap, 4, &w))
        return TS_DECODE_TRUNCATED;
    if ((p[0] >> 6) != 0)
        return TS_DECODE_NOT_TCP; /* unknown version */
    uint32_t hl = 8 + (uint32_t)(p[0] & 0x3f) * 4;
    if ((st = need(cap, wire, hl)) != TS_DECODE_TCP)
        return st;
    l->has_id = true;
    l->id = w >> 8;
    l->detail = proto;
    p += hl;
    cap -= hl;
    wire = wire_less(wire, hl);
    switch (proto) {
    case 0x6558: return ts_decode_inner_ethernet(p, cap, wire, depth + 1, out);
    case 0x0800: return ts_decode_ip(p, cap, wire, 4, depth + 1, out);
    case 0x86dd: return ts_decode_ip(p, cap, wire, 6, depth + 1, out);
    default: return ts_decode_ethertype(proto, p, 0, cap, depth + 1, out);
    }
}

/* GTP-U's optional fields and extension headers after the 8 mandatory
 * bytes (flags `flags`): the T-PDU's offset in `*hl`. */
static ts_decode_status
gtp_header_length(const uint8_t *p, uint32_t cap, uint32_t wire, uint8_t flags, uint32_t *hl)
{
    uint32_t n = 8;
    ts_decode_status st;
    if ((flags & 0x07) == 0) {
        *hl = n;
        return TS_DECODE_TCP;
    }
    if ((st = need(cap, wire, 12)) != TS_DECODE_TCP)
        return st;
    uint8_t next = p[11];
    n = 12;
    for (int i = 0; (flags & 0x04) && next != 0; i++) {
        if (i == TS_MAX_GTP_EXT)
            return TS_DECODE_MALFORMED;
        if ((st = need(cap, wire, n + 1)) != TS_DECODE_TCP)
            return st;
        uint32_t len = (uint32_t)p[n] * 4;
        if (len == 0)
            return TS_DECODE_MALFORMED;
        if ((st = need(cap, wire, n + len)) != TS_DECODE_TCP)
            return st;
        next = p[n + len - 1];
        n += len;
    }
    *hl = n;
    return TS_DECODE_TCP;
}

/* GTP-U (3GPP TS 29.281): a T-PDU carrying IP. */
static ts_decode_status
ts_decode_gtpu(const uint8_t *p, uint32_t cap, uint32_t wire, ts_layer *l, int depth,
               ts_decoded *out)
{
    uint16_t len;
    uint32_t teid, hl;
    ts_decode_status st = need(cap, wire, 8);
    if (st != TS_DECODE_TCP)
        return st;
    if (!ts_get_be16(p, cap, 2, &len) || !ts_get_be32(p, cap, 4, &teid))
        return TS_DECODE_TRUNCATED;
    if ((p[0] >> 5) != 1 || !(p[0] & 0x10) || p[1] != 0xff)
        return TS_DECODE_NOT_TCP; /* not GTPv1-U, or not a T-PDU */
    if (wire - 8 < len)           /* (wire >= 8) */
        return TS_DECODE_MALFORMED;
    wire = 8u + len; /* the GTP length clips the packet */
    if (cap > wire)
        cap = wire;
    l->has_id = true;
    l->id = teid;
    if ((st = gtp_header_length(p, cap, wire, p[0], &hl)) != TS_DECODE_TCP)
        return st;
    if (wire == hl)
        return TS_DECODE_NOT_TCP; /* an empty T-PDU */
    if (cap == hl)
        return TS_DECODE_TRUNCATED;
    if ((p[hl] >> 4) != 4 && (p[hl] >> 4) != 6)
        return TS_DECODE_NOT_TCP; /* PPP, Ethernet, ... */
    return ts_decode_ip(p + hl, cap - hl, wire - hl, 0, depth + 1, out);
}

/* Teredo (RFC 4380): optional authentication and origin indication
 * headers, then IPv6. */
static ts_decode_status
ts_decode_teredo(const uint8_t *p, uint32_t cap, uint32_t wire, int depth, ts_decoded *out)
{
    uint32_t hl = 0;
    uint16_t type;
    ts_decode_status st;
    if (cap >= 2 && ts_get_be16(p, cap, 0, &type) && type == 1) {
        if ((st = need(cap, wire, 4)) != TS_DECODE_TCP)
            return st;
        hl = 4u + p[2] + p[3] + 8 + 1; /* ids, auth value, nonce, confirmation */
        if ((st = need(cap, wire, hl)) != TS_DECODE_TCP)
            return st;
    }
    if (cap - hl >= 2 && ts_get_be16(p, cap, hl, &type) && type == 0) {
        if ((st = need(cap, wire, hl + 8)) != TS_DECODE_TCP)
            return st;
        hl += 8;
    }
    if (wire_less(wire, hl) == 0)
        return TS_DECODE_NOT_TCP;
    if (cap == hl)
        return TS_DECODE_TRUNCATED;
    if ((p[hl] >> 4) != 6)
        return TS_DECODE_NOT_TCP;
    return ts_decode_ip(p + hl, cap - hl, wire_less(wire, hl), 6, depth + 1, out);
}

/* The tunnel kind UDP port `port` selects, or 0. */
static inline uint8_t
port_kind(const ts_decode_config *cfg, uint16_t port)
{
    if (port == 0)
        return 0;
    if (port == cfg->vxlan)
        return TS_CARRIER_VXLAN;
    if (port == cfg->geneve)
        return TS_CARRIER_GENEVE;
    if (port == cfg->gtpu)
        return TS_CARRIER_GTPU;
    if (port == cfg->teredo)
        return TS_CARRIER_TEREDO;
    return 0;
}

/* UDP (see decode_internal.h). */
ts_decode_status
ts_decode_udp(const uint8_t *p, uint32_t cap, uint32_t wire, int family, const uint8_t *src,
              const uint8_t *dst, int depth, ts_decoded *out)
{
    const ts_decode_config *cfg = out->cfg != NULL ? out->cfg : &default_config;
    uint16_t sport, dport, ulen;
    if (cap < 4 || !ts_get_be16(p, cap, 0, &sport) || !ts_get_be16(p, cap, 2, &dport))
        return TS_DECODE_NOT_TCP;
    uint16_t lo = sport < dport ? sport : dport, hi = sport < dport ? dport : sport;
    uint8_t kind = port_kind(cfg, lo);
    if (kind == 0 && (kind = port_kind(cfg, hi)) == 0)
        return TS_DECODE_NOT_TCP;
    ts_decode_status st = need(cap, wire, 8);
    if (st != TS_DECODE_TCP)
        return st;
    if (!ts_get_be16(p, cap, 4, &ulen))
        return TS_DECODE_TRUNCATED;
    if (ulen < 8 || ulen > wire)
        return TS_DECODE_MALFORMED;
    if (cap > ulen)
        cap = ulen;
    if (depth >= TS_MAX_ENCAP)
        return TS_DECODE_TOO_DEEP;
    ts_layer *l = ts_push_ip_layer(out, depth, kind, family, src, dst);
    l->port[0] = sport;
    l->port[1] = dport;
    p += 8;
    cap -= 8;
    wire = ulen - 8u;
    switch (kind) {
    case TS_CARRIER_VXLAN: return ts_decode_vxlan(p, cap, wire, l, depth, out);
    case TS_CARRIER_GENEVE: return ts_decode_geneve(p, cap, wire, l, depth, out);
    case TS_CARRIER_GTPU: return ts_decode_gtpu(p, cap, wire, l, depth, out);
    default: return ts_decode_teredo(p, cap, wire, depth, out);
    }
}

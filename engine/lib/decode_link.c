/*
 * decode_link.c — ts_decode_frame(): link-layer headers down to IP.
 *
 * Link types: Ethernet (with any mix of 802.1Q 0x8100 / 802.1ad 0x88a8 /
 * 0x9100 tags up to TS_MAX_VLAN_TAGS deep, plus PPPoE session and MPLS
 * label stacks as cheap extras), Linux cooked SLL and SLL2, raw IP (12, 14,
 * 101: version from the first nibble; 228 IPv4; 229 IPv6), BSD NULL and
 * OpenBSD LOOP.
 *
 * Gotchas:
 *   - NULL stores the address family in the byte order of the machine that
 *     captured, LOOP in network order; both are accepted in either order,
 *     normalised as Wireshark does (a 16-bit value in either half of the
 *     word; a value > 1500 is taken as an Ethernet type). AF_INET is 2
 *     everywhere; AF_INET6 is 10 (Linux), 24 (NetBSD/OpenBSD), 28 (FreeBSD),
 *     30 (macOS);
 *   - Ethernet type values < 0x0600 are 802.3 lengths: such frames are IP
 *     only with an LLC/SNAP header of OUI 0 (RFC 1042), else NOT_IP (a short
 *     LLC frame is NOT_IP, not TRUNCATED: it need not carry SNAP);
 *   - PPPoE: the PPP protocol may be compressed to one byte (odd value);
 *   - SLL/SLL2 with a protocol other than IPv4/IPv6 (including the special
 *     values < 0x0600 and VLAN-tagged payloads) follow the same Ethernet-type
 *     dispatch as Ethernet, so a tag left in place by the kernel is skipped;
 *   - MPLS: after the bottom-of-stack label, the first nibble decides: 4 or
 *     6 is IP, 0 a pseudowire control word followed by an Ethernet frame
 *     (as Wireshark by default), anything else NOT_IP;
 *   - every VLAN tag, MPLS label and PPPoE session is recorded as a layer of
 *     out->carried (see decode_internal.h, "Depth").
 */
#include "decode_internal.h"

/* MPLS label stack from `off`, then what the first nibble after the bottom
 * label says: IPv4, IPv6, or (0) a pseudowire control word and an Ethernet
 * frame (Wireshark's default, packet-mpls.c); other values are NOT_IP. */
static ts_decode_status
ts_decode_mpls(const uint8_t *p, uint32_t off, uint32_t caplen, int depth, ts_decoded *out)
{
    ts_layer *l = NULL;
    for (int n = 0;; n++) {
        int bottom;
        if (n == TS_MAX_MPLS_LABELS)
            return TS_DECODE_NOT_IP;
        if (caplen - off < 4)
            return TS_DECODE_TRUNCATED;
        if (depth >= TS_MAX_ENCAP)
            return TS_DECODE_TOO_DEEP;
        l = ts_push_layer(out, depth++, TS_CARRIER_MPLS);
        l->has_id = true;
        l->id = ((uint32_t)p[off] << 12) | ((uint32_t)p[off + 1] << 4) | (p[off + 2] >> 4);
        bottom = p[off + 2] & 1;
        off += 4;
        if (bottom)
            break;
    }
    if (caplen - off < 1)
        return TS_DECODE_TRUNCATED;
    if ((p[off] >> 4) == 4 || (p[off] >> 4) == 6)
        return ts_decode_ip(p + off, caplen - off, TS_WIRE_UNKNOWN, 0, depth, out);
    if ((p[off] >> 4) != 0)
        return TS_DECODE_NOT_IP;
    if (caplen - off < 4)
        return TS_DECODE_TRUNCATED;
    l->detail = 1; /* pseudowire: control word, then Ethernet */
    return ts_decode_inner_ethernet(p + off + 4, caplen - off - 4, TS_WIRE_UNKNOWN, depth, out);
}

/* Continues after an Ethernet type field (see decode_internal.h). */
ts_decode_status
ts_decode_ethertype(uint16_t type, const uint8_t *p, uint32_t off, uint32_t caplen, int depth,
                    ts_decoded *out)
{
    int n;

    /* VLAN tags: TPID (already read as `type`), TCI, next type. */
    for (n = 0; type == 0x8100 || type == 0x88a8 || type == 0x9100; n++) {
        uint16_t tci;
        if (n == TS_MAX_VLAN_TAGS)
            return TS_DECODE_NOT_IP;
        if (caplen - off < 4 || !ts_get_be16(p, caplen, off, &tci) ||
            !ts_get_be16(p, caplen, off + 2, &type))
            return TS_DECODE_TRUNCATED;
        if (depth >= TS_MAX_ENCAP)
            return TS_DECODE_TOO_DEEP;
        ts_layer *l = ts_push_layer(out, depth++, TS_CARRIER_VLAN);
        l->has_id = true;
        l->id = tci & 0x0fff;
        off += 4;
    }

    switch (type) {
    case 0x0800: return ts_decode_ip(p + off, caplen - off, TS_WIRE_UNKNOWN, 4, depth, out);
    case 0x86dd: return ts_decode_ip(p + off, caplen - off, TS_WIRE_UNKNOWN, 6, depth, out);
    case 0x8864: { /* PPPoE session: ver/type, code, session, length, PPP protocol */
        uint16_t session;
        if (caplen - off < 7 || !ts_get_be16(p, caplen, off + 2, &session))
            return TS_DECODE_TRUNCATED;
        if (p[off + 6] & 1) { /* protocol field compressed to one byte */
            type = p[off + 6];
            off += 7;
        } else {
            if (caplen - off < 8 || !ts_get_be16(p, caplen, off + 6, &type))
                return TS_DECODE_TRUNCATED;
            off += 8;
        }
        if (type != 0x0021 && type != 0x0057)
            return TS_DECODE_NOT_IP;
        if (depth >= TS_MAX_ENCAP)
            return TS_DECODE_TOO_DEEP;
        ts_layer *l = ts_push_layer(out, depth, TS_CARRIER_PPPOE);
        l->has_id = true;
        l->id = session;
        return ts_decode_ip(p + off, caplen - off, TS_WIRE_UNKNOWN, type == 0x0021 ? 4 : 6,
                            depth + 1, out);
    }
    case 0x8847: /* MPLS unicast */
    case 0x8848: /* MPLS multicast */ return ts_decode_mpls(p, off, caplen, depth, out);
    default: return TS_DECODE_NOT_IP; /* ARP, LLDP, 802.3 lengths, ... */
    }
}

/* NULL / LOOP: a 4-byte address family in either byte order, normalised
 * like Wireshark's packet-null.c: a 16-bit value may sit in either half,
 * and a value > 1500 is an Ethernet type (some systems write one). */
static inline ts_decode_status
ts_decode_null(const uint8_t *p, uint32_t caplen, ts_decoded *out)
{
    uint32_t v;

    if (!ts_get_le32(p, caplen, 0, &v))
        return TS_DECODE_TRUNCATED;
    if (v & 0xffff0000u) {
        if ((v & 0xff000000u) == 0 && (v & 0x00ff0000u) < 0x00060000u)
            v >>= 16;
        else if (!ts_get_be32(p, caplen, 0, &v))
            return TS_DECODE_TRUNCATED;
    } else if ((v & 0xffu) == 0 && (v & 0xff00u) < 0x0600u) {
        v = v >> 8; /* 16-bit big-endian value in the low half */
    }
    if (v > 1500)
        return ts_decode_ethertype((uint16_t)v, p, 4, caplen, 0, out);
    switch (v) {
    case 2: return ts_decode_ip(p + 4, caplen - 4, TS_WIRE_UNKNOWN, 4, 0, out);
    case 10:
    case 24:
    case 28:
    case 30: return ts_decode_ip(p + 4, caplen - 4, TS_WIRE_UNKNOWN, 6, 0, out);
    default: return TS_DECODE_NOT_IP;
    }
}

/* Decodes one frame down to TCP with the default settings (decode.h). */
ts_decode_status
ts_decode_frame(int linktype, const uint8_t *frame, uint32_t caplen, ts_decoded *out)
{
    return ts_decode_frame_cfg(linktype, frame, caplen, NULL, out);
}

/* Decodes one frame down to TCP (see decode.h). */
ts_decode_status
ts_decode_frame_cfg(int linktype, const uint8_t *frame, uint32_t caplen,
                    const ts_decode_config *cfg, ts_decoded *out)
{
    uint16_t type;

    out->cfg = cfg;

    switch (linktype) {
    case TS_LINKTYPE_ETHERNET:
        if (!ts_get_be16(frame, caplen, 12, &type))
            return TS_DECODE_TRUNCATED;
        if (type >= 0x0600)
            return ts_decode_ethertype(type, frame, 14, caplen, 0, out);
        /* 802.3 length: IP only behind LLC/SNAP with OUI 0 (RFC 1042). */
        if (caplen < 22)
            return TS_DECODE_NOT_IP;
        if (frame[14] != 0xaa || frame[15] != 0xaa || frame[16] != 0x03 || frame[17] != 0 ||
            frame[18] != 0 || frame[19] != 0 || !ts_get_be16(frame, caplen, 20, &type))
            return TS_DECODE_NOT_IP;
        return ts_decode_ethertype(type, frame, 22, caplen, 0, out);
    case TS_LINKTYPE_RAW_12:
    case TS_LINKTYPE_RAW_14:
    case TS_LINKTYPE_RAW: return ts_decode_ip(frame, caplen, TS_WIRE_UNKNOWN, 0, 0, out);
    case TS_LINKTYPE_IPV4: return ts_decode_ip(frame, caplen, TS_WIRE_UNKNOWN, 4, 0, out);
    case TS_LINKTYPE_IPV6: return ts_decode_ip(frame, caplen, TS_WIRE_UNKNOWN, 6, 0, out);
    case TS_LINKTYPE_LINUX_SLL:
        if (caplen < 16 || !ts_get_be16(frame, caplen, 14, &type))
            return TS_DECODE_TRUNCATED;
        return ts_decode_ethertype(type, frame, 16, caplen, 0, out);
    case TS_LINKTYPE_LINUX_SLL2:
        if (caplen < 20 || !ts_get_be16(frame, caplen, 0, &type))
            return TS_DECODE_TRUNCATED;
        return ts_decode_ethertype(type, frame, 20, caplen, 0, out);
    case TS_LINKTYPE_NULL:
    case TS_LINKTYPE_LOOP: return ts_decode_null(frame, caplen, out);
    default: return TS_DECODE_UNSUPPORTED_LINK;
    }
}

/*
 * decode_link.c — ts_decode_frame(): link-layer headers down to IP.
 *
 * Link types: Ethernet (with any mix of 802.1Q 0x8100 / 802.1ad 0x88a8 /
 * 0x9100 tags up to TS_MAX_VLAN_TAGS deep, plus PPPoE session and MPLS
 * label stacks as cheap extras), Linux cooked SLL and SLL2, raw IP (12, 14,
 * 101: version from the first nibble; 228 IPv4; 229 IPv6), BSD NULL and
 * OpenBSD LOOP, PPP (9), PPP in HDLC framing (50) and Cisco HDLC (104),
 * IEEE 802.11 data frames (105) bare or behind radiotap (127) or PPI (192),
 * NFLOG (239) and IP over InfiniBand (242).
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
 *     (RFC 4385/4448; tshark's heuristic takes a zero control word for a
 *     MAC address, see data/README.md), anything else NOT_IP;
 *   - every VLAN tag, MPLS label and PPPoE session is recorded as a layer of
 *     out->carried (see decode_internal.h, "Depth").
 */
#include "decode_internal.h"

/* MPLS label stack from `off`, then what the first nibble after the bottom
 * label says: IPv4, IPv6, or (0) a pseudowire control word and an Ethernet
 * frame; other values are NOT_IP. */
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
        uint16_t tci, tpid = type;
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
        l->tpid = tpid;
        l->tci = tci;
        off += 4;
    }

    switch (type) {
    case 0x0800: return ts_decode_ip(p + off, caplen - off, TS_WIRE_UNKNOWN, 4, depth, out);
    case 0x86dd: return ts_decode_ip(p + off, caplen - off, TS_WIRE_UNKNOWN, 6, depth, out);
    case 0x8864: { /* PPPoE session: ver/type, code, session, length, then PPP */
        uint16_t session;
        if (caplen - off < 6 || !ts_get_be16(p, caplen, off + 2, &session))
            return TS_DECODE_TRUNCATED;
        if (depth >= TS_MAX_ENCAP)
            return TS_DECODE_TOO_DEEP;
        ts_layer *l = ts_push_layer(out, depth, TS_CARRIER_PPPOE);
        l->has_id = true;
        l->id = session;
        return ts_decode_ppp(p + off + 6, caplen - off - 6, TS_WIRE_UNKNOWN, depth + 1, out);
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

/* Decodes a PPP frame (see decode_internal.h). */
ts_decode_status
ts_decode_ppp(const uint8_t *p, uint32_t cap, uint32_t wire, int depth, ts_decoded *out)
{
    uint32_t off = 0;
    uint16_t proto;

    if (cap >= 1 && p[0] == 0xff) { /* HDLC address (absent with ACFC) */
        if (cap < 2)
            return TS_DECODE_TRUNCATED;
        if (p[1] != 0x03)
            return TS_DECODE_NOT_IP; /* not UI control: no PPP data */
        off = 2;
    }
    if (cap - off < 1)
        return TS_DECODE_TRUNCATED;
    if (p[off] & 1) { /* protocol field compressed to one byte (PFC) */
        proto = p[off];
        off += 1;
    } else {
        if (!ts_get_be16(p, cap, off, &proto))
            return TS_DECODE_TRUNCATED;
        off += 2;
    }
    if (wire != TS_WIRE_UNKNOWN)
        wire -= off; /* off <= cap <= wire */
    if (proto == 0x0021)
        return ts_decode_ip(p + off, cap - off, wire, 4, depth, out);
    if (proto == 0x0057)
        return ts_decode_ip(p + off, cap - off, wire, 6, depth, out);
    return TS_DECODE_NOT_IP; /* LCP, IPCP, VJ-compressed TCP, ... */
}

/* Cisco HDLC: address (0x0f unicast, 0x8f broadcast), control, then an
 * Ethernet type. */
static ts_decode_status
ts_decode_chdlc(const uint8_t *p, uint32_t caplen, ts_decoded *out)
{
    uint16_t type;

    if (!ts_get_be16(p, caplen, 2, &type))
        return TS_DECODE_TRUNCATED;
    return ts_decode_ethertype(type, p, 4, caplen, 0, out);
}

/* NFLOG: family, version, resource id, then TLVs whose 16-bit length and
 * type are in the capturing host's byte order (libpcap's nflog.h). The
 * order is guessed per frame from the first TLV, as Wireshark does: a type
 * is a small number (< 0x100 with the two NFNL flag bits cleared), so read
 * in the wrong order it is >= 0x100. Lengths include the 4-byte TLV header
 * and TLVs are padded to 4 bytes; the payload TLV (type 9) is the packet. */
static ts_decode_status
ts_decode_nflog(const uint8_t *p, uint32_t caplen, ts_decoded *out)
{
    uint32_t off = 4;
    uint16_t len, type;
    bool big;

    if (caplen < 4)
        return TS_DECODE_TRUNCATED;
    if (p[1] != 0)
        return TS_DECODE_MALFORMED; /* only version 0 exists */
    if (!ts_get_le16(p, caplen, 6, &type))
        return caplen == 4 ? TS_DECODE_NOT_IP : TS_DECODE_TRUNCATED;
    big = (type & 0x3fff) >= 0x100;
    for (;;) {
        if (caplen - off < 4)
            return caplen == off ? TS_DECODE_NOT_IP : TS_DECODE_TRUNCATED;
        if (!ts_get_u16(p, caplen, off, big, &len) || !ts_get_u16(p, caplen, off + 2, big, &type))
            return TS_DECODE_TRUNCATED;
        if (len < 4)
            return TS_DECODE_MALFORMED;
        if ((type & 0x3fff) == 9) { /* NFULA_PAYLOAD */
            uint32_t cap = caplen - off - 4;
            if (cap > (uint32_t)len - 4)
                cap = (uint32_t)len - 4;
            /* the family (byte 0) is AF_INET 2 or AF_INET6 10; the IP
               version nibble decides, as for raw IP */
            return ts_decode_ip(p + off + 4, cap, (uint32_t)len - 4, 0, 0, out);
        }
        if (caplen - off < len)
            return TS_DECODE_TRUNCATED;
        if (caplen - off <= ((uint32_t)len + 3u) / 4u * 4u)
            return TS_DECODE_NOT_IP; /* the last TLV, and no payload */
        off += ((uint32_t)len + 3u) / 4u * 4u;
    }
}

/* IEEE 802.11 data frame down to the LLC/SNAP Ethernet type: frame control
 * (version 0, type 2 data), duration, 3 addresses, sequence control, a 4th
 * address when ToDS and FromDS, QoS control (subtypes 8-15), HT control when
 * a QoS frame has the order bit. Null-data subtypes (bit 2 of the subtype),
 * protected (encrypted) frames, A-MSDUs and fragments other than the first
 * are NOT_IP. */
static ts_decode_status
ts_decode_80211(const uint8_t *p, uint32_t caplen, ts_decoded *out)
{
    uint32_t off = 24;
    uint16_t type, seqctl;
    uint8_t fc0, fc1;

    if (caplen < 2)
        return TS_DECODE_TRUNCATED;
    fc0 = p[0];
    fc1 = p[1];
    if ((fc0 & 0x03) != 0 || ((fc0 >> 2) & 0x03) != 2 || (fc0 & 0x40) || (fc1 & 0x40))
        return TS_DECODE_NOT_IP; /* not a data frame with data, or encrypted */
    if ((fc1 & 0x03) == 0x03)
        off += 6; /* 4th address (WDS / mesh) */
    if (fc0 & 0x80) {
        if (caplen < off + 2)
            return TS_DECODE_TRUNCATED;
        if (p[off] & 0x80)
            return TS_DECODE_NOT_IP; /* A-MSDU present */
        off += 2;
        if (fc1 & 0x80)
            off += 4; /* HT control */
    }
    if (!ts_get_le16(p, caplen, 22, &seqctl) || caplen < off)
        return TS_DECODE_TRUNCATED;
    if (seqctl & 0x000f)
        return TS_DECODE_NOT_IP; /* a later fragment of an MSDU */
    if (caplen - off < 8)
        return TS_DECODE_TRUNCATED;
    /* LLC/SNAP: RFC 1042 (OUI 0) or 802.1H bridge tunnel (OUI 00 00 f8) */
    if (p[off] != 0xaa || p[off + 1] != 0xaa || p[off + 2] != 0x03 || p[off + 3] != 0 ||
        p[off + 4] != 0 || (p[off + 5] != 0 && p[off + 5] != 0xf8) ||
        !ts_get_be16(p, caplen, off + 6, &type))
        return TS_DECODE_NOT_IP;
    return ts_decode_ethertype(type, p, off + 8, caplen, 0, out);
}

/* Radiotap: version 0, pad, it_len (LE), present words (LE; bit 31 chains
 * another word), then fields aligned to their size from the header start.
 * Only the Flags field (bit 1) matters: 0x10 says the frame ends with a
 * 4-byte FCS. Only TSFT (bit 0, 8 bytes aligned to 8) can precede it, so
 * its offset is found without a full field table. */
static ts_decode_status
ts_decode_radiotap(const uint8_t *p, uint32_t caplen, ts_decoded *out)
{
    uint16_t len;
    uint32_t present, word, off = 4;

    if (!ts_get_le16(p, caplen, 2, &len) || !ts_get_le32(p, caplen, 4, &present))
        return TS_DECODE_TRUNCATED;
    if (p[0] != 0 || len < 8)
        return TS_DECODE_MALFORMED;
    if (caplen < len)
        return TS_DECODE_TRUNCATED;
    for (word = present; word & 0x80000000u; off += 4)
        if (!ts_get_le32(p, len, off + 4, &word))
            return TS_DECODE_MALFORMED; /* bitmap runs past it_len */
    off += 4;                           /* first field */
    if (present & 0x1)
        off = (off + 7u) / 8u * 8u + 8u;
    if (present & 0x2) {
        if (off >= len)
            return TS_DECODE_MALFORMED;
        if ((p[off] & 0x10) && caplen - len >= 4)
            caplen -= 4; /* FCS at the end */
    }
    return ts_decode_80211(p + len, caplen - len, out);
}

/* PPI: version 0, flags, pph_len (LE), pph_dlt (LE, must be 802.11) and
 * fields, then the frame. (An FCS flagged in the 802.11-common field is
 * left in place: the IP length clips it.) */
static ts_decode_status
ts_decode_ppi(const uint8_t *p, uint32_t caplen, ts_decoded *out)
{
    uint16_t len;
    uint32_t dlt;

    if (!ts_get_le16(p, caplen, 2, &len) || !ts_get_le32(p, caplen, 4, &dlt))
        return TS_DECODE_TRUNCATED;
    if (p[0] != 0 || len < 8)
        return TS_DECODE_MALFORMED;
    if (caplen < len)
        return TS_DECODE_TRUNCATED;
    if (dlt != TS_LINKTYPE_IEEE802_11)
        return TS_DECODE_NOT_IP;
    return ts_decode_80211(p + len, caplen - len, out);
}

/* Decodes one frame down to TCP (see decode.h). */
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
    case TS_LINKTYPE_PPP: return ts_decode_ppp(frame, caplen, TS_WIRE_UNKNOWN, 0, out);
    case TS_LINKTYPE_PPP_HDLC:
        if (caplen >= 1 && (frame[0] == 0x0f || frame[0] == 0x8f))
            return ts_decode_chdlc(frame, caplen, out); /* RFC 1547 4.3.1 */
        return ts_decode_ppp(frame, caplen, TS_WIRE_UNKNOWN, 0, out);
    case TS_LINKTYPE_C_HDLC: return ts_decode_chdlc(frame, caplen, out);
    case TS_LINKTYPE_IEEE802_11: return ts_decode_80211(frame, caplen, out);
    case TS_LINKTYPE_RADIOTAP: return ts_decode_radiotap(frame, caplen, out);
    case TS_LINKTYPE_PPI: return ts_decode_ppi(frame, caplen, out);
    case TS_LINKTYPE_NFLOG: return ts_decode_nflog(frame, caplen, out);
    case TS_LINKTYPE_IPOIB: /* 20-byte destination and source addresses,
                               type, 2 reserved bytes (tcpdump's 44) */
        if (!ts_get_be16(frame, caplen, 40, &type) || caplen < 44)
            return TS_DECODE_TRUNCATED;
        return ts_decode_ethertype(type, frame, 44, caplen, 0, out);
    default: return TS_DECODE_UNSUPPORTED_LINK;
    }
}

/*
 * capture_pcapng.c — pcapng blocks: sections, interfaces and packets.
 *
 * Reads Section Header Blocks (each section has its own byte order and its
 * own interface list, numbered from 0 again), Interface Description Blocks
 * (link type, snap length, if_tsresol, if_tsoffset), Enhanced Packet Blocks,
 * Simple Packet Blocks (first interface, no timestamp: ts 0) and the obsolete
 * Packet Blocks. Custom Blocks (0x00000BAD, 0x40000BAD) and Systemd Journal
 * Export Blocks come back as frames without a packet (`no_packet`), because
 * tshark 4.0 numbers them as frames; every other block type is skipped.
 *
 * Gotchas:
 * - The SHB's length can only be read after its byte-order magic, 8 bytes in.
 * - A whole block is buffered before it is used (also skipped ones), so the
 *   trailing length can be checked; blocks are capped at TS_CAP_MAX_RECORD.
 * - if_tsresol is 10^-n, or 2^-n when the high bit is set; timestamps are
 *   converted with 128-bit arithmetic and clamped to the int64 range.
 * - Malformed options are not damage: option parsing just stops there.
 * - tshark 4.0.17 (measured): a Custom Block with the Private Enterprise
 *   Number 10949 is not numbered (its reader hands that PEN to a plugin; in
 *   our test it also lost the packet after it), nor is one too short to hold
 *   a PEN (tshark calls the file damaged there): both are skipped here.
 *   Decryption Secrets, Interface Statistics, Name Resolution and unknown
 *   blocks are not numbered.
 */
#include "capture_internal.h"

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_PB 0x00000002u
#define BT_SPB 0x00000003u
#define BT_EPB 0x00000006u
#define BT_SJE 0x00000009u
#define BT_CB_COPY 0x00000BADu
#define BT_CB_NOCOPY 0x40000BADu
#define BOM 0x1A2B3C4Du

/* The Private Enterprise Number tshark does not number custom blocks of. */
#define PEN_UNNUMBERED 10949u

#define OPT_ENDOFOPT 0
#define OPT_IF_TSRESOL 9
#define OPT_IF_TSOFFSET 14

/* Too many interfaces in one section is damage (memory would otherwise
 * grow with every 20-byte IDB). */
#define MAX_IFACES 65536

/* Converts a timestamp in units of `tsresol` plus `offset_s` seconds to
 * nanoseconds since the epoch, clamped to the int64 range. */
static int64_t
ts_to_ns(uint64_t ts, uint8_t tsresol, int64_t offset_s)
{
    unsigned exp = tsresol & 0x7f;
    unsigned __int128 ns;
    if (tsresol & 0x80) {
        ns = ((unsigned __int128)ts * 1000000000u) >> exp; /* exp <= 127 */
    } else {
        uint64_t scale = 1;
        unsigned steps = exp <= 9 ? 9 - exp : exp - 9;
        for (unsigned i = 0; i < steps && i < 19; i++)
            scale *= 10; /* 10^19 still fits in 64 bits */
        if (exp <= 9)
            ns = (unsigned __int128)ts * scale;
        else
            ns = steps > 19 ? 0 : ts / scale;
    }
    __int128 total = (__int128)ns + (__int128)offset_s * 1000000000;
    if (total > INT64_MAX)
        return INT64_MAX;
    if (total < INT64_MIN)
        return INT64_MIN;
    return (int64_t)total;
}

/* Reads the IDB options we use from `opt` (`len` bytes). */
static void
parse_idb_options(const ts_capture *cap, const uint8_t *opt, size_t len, ts_cap_iface *ifc)
{
    bool big = ts_cap_big(cap);
    uint16_t code, olen;
    while (ts_get_u16(opt, len, 0, big, &code) && ts_get_u16(opt, len, 2, big, &olen)) {
        size_t padded = ((size_t)olen + 3) & ~(size_t)3;
        if (code == OPT_ENDOFOPT || padded > len - 4)
            return;
        if (code == OPT_IF_TSRESOL && olen >= 1)
            ifc->tsresol = opt[4];
        else if (code == OPT_IF_TSOFFSET && olen >= 8) {
            uint64_t tsoffset;
            if (ts_get_u64(opt, len, 4, big, &tsoffset))
                ifc->tsoffset = (int64_t)tsoffset;
        }
        opt += 4 + padded;
        len -= 4 + padded;
    }
}

/* Adds the interface described by the IDB `body` (`len` bytes). */
static int
add_interface(ts_capture *cap, uint64_t offset, const uint8_t *body, size_t len, GError **error)
{
    if (len < 8)
        return ts_cap_corrupt(cap, offset, error, "interface description block too short");
    if (cap->n_ifaces >= MAX_IFACES)
        return ts_cap_corrupt(cap, offset, error, "more than %u interfaces in a section",
                              MAX_IFACES);
    if (cap->n_ifaces == cap->ifaces_alloc) {
        cap->ifaces_alloc = cap->ifaces_alloc ? cap->ifaces_alloc * 2 : 8;
        cap->ifaces = g_renew(ts_cap_iface, cap->ifaces, cap->ifaces_alloc);
    }
    uint16_t linktype;
    uint32_t snaplen;
    if (!ts_get_u16(body, len, 0, ts_cap_big(cap), &linktype) ||
        !ts_get_u32(body, len, 4, ts_cap_big(cap), &snaplen))
        return ts_cap_corrupt(cap, offset, error, "interface description block too short");
    ts_cap_iface *ifc = &cap->ifaces[cap->n_ifaces++];
    ifc->linktype = linktype;
    ifc->snaplen = snaplen;
    ifc->tsresol = 6;
    ifc->tsoffset = 0;
    parse_idb_options(cap, body + 8, len - 8, ifc);
    return 0;
}

/* Fills `frame` from a packet block's fields; `room` is the space the block
 * has for packet data. Returns 1, or -1 on damage. */
static int
packet(ts_capture *cap, uint64_t offset, uint32_t ifid, uint64_t ts, uint32_t caplen,
       uint32_t origlen, const uint8_t *data, size_t room, ts_capture_frame *frame, GError **error)
{
    if (ifid >= cap->n_ifaces)
        return ts_cap_corrupt(cap, offset, error, "packet for unknown interface %u (%zu defined)",
                              ifid, cap->n_ifaces);
    if (caplen > room)
        return ts_cap_corrupt(cap, offset, error, "caplen %u bigger than the block (%zu bytes)",
                              caplen, room);
    const ts_cap_iface *ifc = &cap->ifaces[ifid];
    frame->file_offset = offset;
    frame->linktype = ifc->linktype;
    frame->ts_ns = ts_to_ns(ts, ifc->tsresol, ifc->tsoffset);
    frame->caplen = caplen;
    frame->origlen = origlen;
    frame->data = data;
    return 1;
}

/* Fills `frame` as a numbered block without a packet. Returns 1. */
static int
no_packet(uint64_t offset, ts_capture_frame *frame)
{
    frame->file_offset = offset;
    frame->linktype = -1;
    frame->ts_ns = 0;
    frame->caplen = 0;
    frame->origlen = 0;
    frame->data = NULL;
    frame->no_packet = true;
    return 1;
}

/* Whether tshark 4.0 numbers the custom block `body` (`len` bytes) as a
 * frame: it needs a PEN, and not the one tshark handles apart. */
static bool
custom_block_numbered(const ts_capture *cap, const uint8_t *body, size_t len)
{
    uint32_t pen;
    return ts_get_u32(body, len, 0, ts_cap_big(cap), &pen) && pen != PEN_UNNUMBERED;
}

/* Handles one complete block of type `type` (body of `len` bytes). Returns
 * 1 when it is a frame (a packet, or numbered without one: `no_packet`),
 * 0 when it is no frame, -1 on damage. */
static int
block(ts_capture *cap, uint64_t offset, uint32_t type, const uint8_t *body, size_t len,
      ts_capture_frame *frame, GError **error)
{
    bool big = ts_cap_big(cap);
    uint32_t ifid, ts_hi, ts_lo, caplen, origlen;
    uint16_t ifid16;
    switch (type) {
    case BT_SHB: cap->n_ifaces = 0; return 0;
    case BT_IDB: return add_interface(cap, offset, body, len, error);
    case BT_EPB:
        if (len < 20 || !ts_get_u32(body, len, 0, big, &ifid) ||
            !ts_get_u32(body, len, 4, big, &ts_hi) || !ts_get_u32(body, len, 8, big, &ts_lo) ||
            !ts_get_u32(body, len, 12, big, &caplen) || !ts_get_u32(body, len, 16, big, &origlen))
            return ts_cap_corrupt(cap, offset, error, "enhanced packet block too short");
        return packet(cap, offset, ifid, (uint64_t)ts_hi << 32 | ts_lo, caplen, origlen, body + 20,
                      len - 20, frame, error);
    case BT_PB:
        if (len < 20 || !ts_get_u16(body, len, 0, big, &ifid16) ||
            !ts_get_u32(body, len, 4, big, &ts_hi) || !ts_get_u32(body, len, 8, big, &ts_lo) ||
            !ts_get_u32(body, len, 12, big, &caplen) || !ts_get_u32(body, len, 16, big, &origlen))
            return ts_cap_corrupt(cap, offset, error, "packet block too short");
        return packet(cap, offset, ifid16, (uint64_t)ts_hi << 32 | ts_lo, caplen, origlen,
                      body + 20, len - 20, frame, error);
    case BT_SPB: {
        if (len < 4)
            return ts_cap_corrupt(cap, offset, error, "simple packet block too short");
        if (cap->n_ifaces == 0)
            return ts_cap_corrupt(cap, offset, error,
                                  "simple packet block before any interface description");
        if (!ts_get_u32(body, len, 0, big, &origlen))
            return ts_cap_corrupt(cap, offset, error, "simple packet block too short");
        caplen = (uint32_t)MIN((size_t)origlen, len - 4);
        if (cap->ifaces[0].snaplen != 0)
            caplen = MIN(caplen, cap->ifaces[0].snaplen);
        int rc = packet(cap, offset, 0, 0, caplen, origlen, body + 4, len - 4, frame, error);
        if (rc == 1)
            frame->ts_ns = 0; /* no timestamp at all, not even if_tsoffset */
        return rc;
    }
    case BT_SJE: return no_packet(offset, frame);
    case BT_CB_COPY:
    case BT_CB_NOCOPY: return custom_block_numbered(cap, body, len) ? no_packet(offset, frame) : 0;
    default: return 0;
    }
}

/* Reads blocks until a packet (1), the end (0) or damage (-1). */
int
ts_pcapng_next(ts_capture *cap, ts_capture_frame *frame, GError **error)
{
    for (;;) {
        uint64_t offset = ts_cap_here(cap);
        gssize have = ts_cap_ensure(cap, 12, error);
        if (have < 0)
            return -1;
        if (have == 0)
            return 0;
        if (have < 8)
            return ts_cap_truncated(cap, offset, (size_t)have, 8);
        const uint8_t *p = cap->buf + cap->pos;
        uint32_t type, total;
        /* the SHB type reads the same in both orders */
        if (ts_get_le32(p, (size_t)have, 0, &type) && type == BT_SHB) {
            uint32_t bom;
            if (!ts_get_le32(p, (size_t)have, 8, &bom))
                return ts_cap_truncated(cap, offset, (size_t)have, 12);
            if (bom != BOM && bom != __builtin_bswap32(BOM)) {
                /* the magic as the old host-order read showed it */
                uint32_t shown = G_BYTE_ORDER == G_LITTLE_ENDIAN ? bom : __builtin_bswap32(bom);
                return ts_cap_corrupt(cap, offset, error,
                                      "section header with bad byte-order magic %08x", shown);
            }
            cap->swap = ts_cap_swap_for(bom == BOM);
        }
        if (!ts_get_u32(p, (size_t)have, 0, ts_cap_big(cap), &type) ||
            !ts_get_u32(p, (size_t)have, 4, ts_cap_big(cap), &total))
            return ts_cap_truncated(cap, offset, (size_t)have, 8); /* cannot happen */
        if (total < 12 || total % 4 != 0 || (type == BT_SHB && total < 28))
            return ts_cap_corrupt(cap, offset, error, "bad block length %u", total);
        if (total > TS_CAP_MAX_RECORD)
            return ts_cap_corrupt(cap, offset, error,
                                  "block length %u exceeds the limit of %u bytes", total,
                                  TS_CAP_MAX_RECORD);
        have = ts_cap_ensure(cap, total, error);
        if (have < 0)
            return -1;
        if ((size_t)have < total)
            return ts_cap_truncated(cap, offset, (size_t)have, total);
        p = cap->buf + cap->pos;
        uint32_t trailer;
        if (!ts_get_u32(p, (size_t)have, total - 4, ts_cap_big(cap), &trailer))
            return ts_cap_truncated(cap, offset, (size_t)have, total); /* cannot happen */
        if (trailer != total)
            return ts_cap_corrupt(cap, offset, error, "trailing block length %u does not match %u",
                                  trailer, total);
        int rc = block(cap, offset, type, p + 8, total - 12, frame, error);
        if (rc < 0)
            return -1;
        cap->pos += total;
        if (rc == 1)
            return 1;
    }
}

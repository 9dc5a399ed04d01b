/*
 * capture_pcap.c — classic pcap: the 24-byte file header and the records.
 *
 * Handles both byte orders, microsecond (a1b2c3d4) and nanosecond (a1b23c4d)
 * timestamps, and Kuznetzov's "modified pcap" (a1b2cd34), whose record
 * headers carry 8 more bytes (ifindex, protocol, packet type, padding).
 *
 * Gotchas:
 * - The link type field's upper 4 bits describe the FCS; they are masked off.
 * - caplen > origlen and caplen > snaplen are accepted (crafted files and
 *   some writers do it, tshark reads them); only caplen > TS_CAP_MAX_RECORD
 *   is damage.
 * - Timestamps are unsigned 32-bit seconds; thiszone is ignored (always 0 in
 *   practice, and libpcap ignores it too).
 */
#include "capture_internal.h"

#include <stddef.h>

#define PCAP_FILE_HEADER 24
#define PCAP_RECORD_HEADER 16
#define PCAP_MODIFIED_RECORD_HEADER 24

G_STATIC_ASSERT(offsetof(ts_capture_frame, origlen) == offsetof(ts_capture_frame, caplen) + 4);

/* Reads the file header: link type and nothing else matters. */
int
ts_pcap_start(ts_capture *cap, GError **error)
{
    gssize have = ts_cap_ensure(cap, PCAP_FILE_HEADER, error);
    if (have < 0)
        return -1;
    if (have < PCAP_FILE_HEADER)
        return ts_cap_truncated(cap, 0, (size_t)have, PCAP_FILE_HEADER);
    const uint8_t *p = cap->buf + cap->pos;
    uint32_t linktype;
    if (!ts_get_u32(p, (size_t)have, 20, ts_cap_big(cap), &linktype))
        return ts_cap_truncated(cap, 0, (size_t)have, PCAP_FILE_HEADER); /* cannot happen */
    cap->pcap_linktype = (int)(linktype & 0x0FFFFFFF);
    cap->pos += PCAP_FILE_HEADER;
    return 1;
}

/* Reads one record; the frame points into the read buffer. */
int
ts_pcap_next(ts_capture *cap, ts_capture_frame *frame, GError **error)
{
    size_t hdr = cap->modified ? PCAP_MODIFIED_RECORD_HEADER : PCAP_RECORD_HEADER;
    uint64_t offset = ts_cap_here(cap);
    gssize have = ts_cap_ensure(cap, hdr, error);
    if (have < 0)
        return -1;
    if (have == 0)
        return 0;
    if ((size_t)have < hdr)
        return ts_cap_truncated(cap, offset, (size_t)have, hdr);

    const uint8_t *p = cap->buf + cap->pos;
    bool big = ts_cap_big(cap);
    uint32_t sec, frac, caplen, origlen;
    if (!ts_get_u32(p, hdr, 0, big, &sec) || !ts_get_u32(p, hdr, 4, big, &frac) ||
        !ts_get_u32(p, hdr, 8, big, &caplen) || !ts_get_u32(p, hdr, 12, big, &origlen))
        return ts_cap_truncated(cap, offset, (size_t)have, hdr); /* cannot happen */
    if (caplen > TS_CAP_MAX_RECORD)
        return ts_cap_corrupt(cap, offset, error, "record length %u exceeds the limit of %u bytes",
                              caplen, TS_CAP_MAX_RECORD);

    size_t need = hdr + caplen;
    have = ts_cap_ensure(cap, need, error);
    if (have < 0)
        return -1;
    if ((size_t)have < need)
        return ts_cap_truncated(cap, offset, (size_t)have, need);
    ts_cap_prefetch(cap, need);

    /* Both fit in int64: 2^32 * 10^9 + 2^32 * 10^3 < 2^63. */
    frame->ts_ns = (int64_t)sec * 1000000000 + (int64_t)frac * (cap->nanosec ? 1 : 1000);
    frame->file_offset = offset;
    frame->linktype = cap->pcap_linktype;
    /* caplen and origlen in one 8-byte store: callers copy the pair as one
       word, and a load spanning two smaller stores cannot be forwarded
       (it would wait for the store buffer to drain) */
    uint32_t lens[2] = {caplen, origlen};
    memcpy(&frame->caplen, lens, sizeof lens);
    frame->data = cap->buf + cap->pos + hdr;
    cap->pos += need;
    return 1;
}

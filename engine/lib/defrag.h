/*
 * defrag.h — IPv4 / IPv6 fragment reassembly (internal).
 *
 * The engine hands every fragment the decoder describes (ts_fragment) to a
 * ts_defrag; when a fragment completes its datagram, the whole IP payload
 * comes back as a ts_datagram, which the engine decodes from its protocol
 * (ts_decode_next) like any unfragmented packet. Nothing is allocated until
 * the first fragment: plain traffic never reaches this code.
 *
 * Datagrams are keyed by (family, source, destination, IP id, protocol), as
 * RFC 791 / RFC 8200 and Linux do. Rules (see defrag.c for the details):
 *   - fragments in any order, duplicates and overlaps with equal bytes are
 *     merged; overlaps whose bytes differ follow ts_options.overlap (first:
 *     the bytes received first win; last: the bytes received last win;
 *     linux: what net/ipv4/inet_fragment.c inet_frag_queue_insert() does —
 *     a fragment wholly inside one run of received fragments is a duplicate
 *     and ignored, any other overlap drops the whole datagram, as RFC 5722
 *     asks for IPv6) and are reported as conflicts with their frames;
 *   - several last fragments (more-fragments clear) with different ends:
 *     first: the first one fixes the end (Wireshark keeps the first too);
 *     last: the latest one does; linux: the datagram is dropped (Linux
 *     ip_frag_queue: "different end" / "bits beyond end" is corruption);
 *     first and last report the second end as a conflict;
 *   - a datagram still incomplete `timeout_ns` of capture time after its
 *     first fragment is dropped (Linux ipfrag_time: 30 s, not re-armed by
 *     later fragments); when the fragments held pass `max_memory` bytes
 *     (Linux ipfrag_high_thresh: 4 MiB) the oldest datagrams are dropped
 *     until they fit (as Linux before 4.17 and libnids did: new traffic
 *     keeps being reassembled while a flood of incomplete datagrams is
 *     evicted);
 *   - a fragment the snap length cut (data_len < data_wire_len) cannot be
 *     used: it is counted and ignored (its datagram then stays incomplete);
 *   - a datagram whose payload would exceed 65535 bytes ("ping of death")
 *     takes no fragment past that end.
 */
#ifndef TS_DEFRAG_H
#define TS_DEFRAG_H

#include "decode.h"
#include "tcpsession.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest reassembled IP payload. */
#define TS_DEFRAG_MAX_PAYLOAD 65535u

typedef struct ts_defrag ts_defrag;

/* Bytes of a datagram that two fragments carried with different values (or,
 * with length 0 at `offset`, a second last fragment ending at `offset`):
 * `frame` is the fragment that found the difference, `first_frame` the
 * fragment holding the other copy. Offsets are in the datagram's payload. */
typedef struct {
    uint64_t frame;
    uint64_t first_frame;
    uint32_t offset;
    uint32_t length;
} ts_defrag_conflict;

/* A reassembled datagram: valid until the next call on the ts_defrag. */
typedef struct {
    uint8_t family;
    uint8_t proto;
    const uint8_t *src_addr; /* 16 bytes, IPv4 in the first 4 */
    const uint8_t *dst_addr;
    int depth;           /* the completing fragment's (ts_fragment.depth) */
    const uint8_t *data; /* the IP payload */
    uint32_t len;
    const ts_defrag_conflict *conflicts;
    size_t n_conflicts;
} ts_datagram;

/* Creates a reassembler with `policy`, `timeout_ns` (<= 0: no timeout) and
 * `max_memory` bytes (0: no limit); its counters go to the ip_* fields of
 * `stats` (which must outlive it). */
ts_defrag *ts_defrag_new(ts_overlap_policy policy, int64_t timeout_ns, size_t max_memory,
                         ts_stats *stats);

/* Adds fragment `f` of frame `frame` at capture time `ts_ns`. Returns true
 * and fills `*out` when it completes a datagram. */
bool ts_defrag_add(ts_defrag *d, const ts_fragment *f, uint64_t frame, int64_t ts_ns,
                   ts_datagram *out);

/* Drops the datagrams whose first fragment is `timeout_ns` or more older
 * than `now_ns` (counted as timed out). */
void ts_defrag_expire(ts_defrag *d, int64_t now_ns);

/* End of capture: counts and drops every datagram still incomplete. */
void ts_defrag_finish(ts_defrag *d);

/* Datagrams pending and the memory they hold (for tests). */
size_t ts_defrag_pending(const ts_defrag *d);
size_t ts_defrag_memory(const ts_defrag *d);

/* Frees `d` and all it holds; NULL is allowed. */
void ts_defrag_free(ts_defrag *d);

#endif /* TS_DEFRAG_H */

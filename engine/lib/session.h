/*
 * session.h — one TCP connection's state (internal).
 *
 * A session owns the reassembly state of both directions, what was learned
 * about the handshake (initial sequence numbers, roles), and what it records
 * for the caller: delivered bytes and the exchange order (with
 * keep_payload), gaps and anomalies. session.c turns the reassembler's
 * decisions into those records and into the caller's callbacks; engine.c
 * decides which session a packet belongs to and when a session ends.
 */
#ifndef TS_SESSION_H
#define TS_SESSION_H

#include "decode.h"
#include "flow_table.h"
#include "reasm.h"
#include "spool.h"
#include "tcpsession.h"

/* What the engine shares with its sessions. */
typedef struct {
    const ts_options *opts;
    const ts_callbacks *cb;
    void *user;
    ts_spool *spool; /* keep_payload with a memory budget; NULL otherwise */
    size_t *memory;  /* the engine's count of session memory (memcost.h): every
                        session adds what it holds, its reassembly stores too */
} ts_session_env;

/* Delivered bytes [start, start+len) of a direction, at `offset` in the spool. */
typedef struct {
    uint64_t start;
    uint64_t offset;
    uint64_t len;
} ts_extent;

/* One direction of a session (data sent by one side). Fields are grouped
 * by size (pointers and 64-bit counters, then 32-bit, then flags) so that
 * the struct has no padding: every session holds two. */
typedef struct {
    ts_reasm reasm;
    uint64_t base_abs;  /* absolute sequence number of stream offset 0 */
    uint64_t ref_abs;   /* reference for unwrapping sequence numbers */
    uint64_t delivered; /* bytes delivered (gaps not counted) */
    uint64_t missing;   /* bytes declared missing */
    uint64_t packets;
    /* keep_payload: delivered bytes [0, spilled) are in the spool (extents, in
       order), bytes [spilled, delivered) in memory (kept) */
    uint8_t *kept;
    size_t kept_len, kept_cap;
    GArray *extents; /* ts_extent; NULL while nothing was spilled */
    uint64_t spilled;
    GArray *gap_index;    /* ts_gap_entry, ascending offsets */
    uint8_t *ring;        /* !keep_payload: the last ring_size delivered bytes, which
                             hold the comparison window (session.c) */
    uint64_t ring_size;   /* grows as the direction delivers more, up to the
                             window (a power of two up to 2 KiB, then a
                             multiple of 2 KiB) */
    uint64_t window_from; /* first delivered index of the comparison window */
    uint32_t ws_base;     /* Wireshark's base sequence number (reuse rule) */
    uint32_t peer_ack;    /* first acknowledgement seen for this side */
    uint32_t isn;
    uint32_t alt_isn; /* see alt_isn_set */
    guint dirty_pos;  /* 1 + index in the spool's dirty list; 0: not in it */
    guint open_gap;   /* index in s->gaps of the gap gap_open is about */
    uint16_t tag_tpid, tag_tci;
    bool base_set; /* stream offsets are known */
    bool syn_seen; /* this side's SYN (or SYN-ACK) was seen */
    bool fin_seen;
    bool tentative;     /* offset 0 is a guess (no SYN yet): data is held until
                           the SYN, an acknowledgement or enough data confirms
                           it, and the start may still move down */
    bool peer_ack_seen; /* the other side acknowledged something before
                           this side's first packet */
    bool ws_base_set;   /* ws_base is known */
    bool alt_isn_set;   /* another SYN(-ACK) of this side came with a
                           different ISN before any of its data: the one
                           the peer acknowledges wins */
    bool chunk_break;   /* next delivery starts a new chunk */
    bool pinned;        /* ts_session_payload() handed out `kept`: it stays in
                           memory until the direction delivers more */
    bool gap_open;      /* the direction's last gap (s->gaps[open_gap]) was not
                           yet reported to the gap callback: nothing was
                           delivered after it, so it may still grow */
    /* the outermost VLAN tag of the direction's first packet with a SYN or
       payload (until there is one: of its first packet); see
       ts_session_vlan_tag() */
    bool tag_seen, tag_final, tagged;
} ts_dir;

/* A gap with the number of missing bytes before it, for offset mapping. */
typedef struct {
    uint64_t offset;
    uint64_t length;
    uint64_t missing_before;
} ts_gap_entry;

struct ts_session {
    ts_flow_key key;
    ts_endpoint ep[2]; /* [TS_FROM_CLIENT] client, [TS_FROM_SERVER] server */
    bool client_is_a;  /* the client is endpoint a of the key */
    bool midstream;
    bool closed; /* both FINs or a RST seen */
    bool done;   /* finished, waiting to be freed */
    ts_close_reason close_reason;
    uint64_t stream;
    uint64_t first_frame;
    uint64_t packets;
    int64_t start_ns, end_ns;
    int64_t closed_ns;
    ts_dir dir[2];
    GArray *chunks;    /* ts_chunk (keep_payload) */
    GArray *gaps;      /* ts_gap */
    GArray *anomalies; /* ts_anomaly */
    uint64_t anomalies_dropped;
    ts_carrier *carriage; /* of the first packet (carriage.c); NULL when plain */
    size_t ncarriage;
    ts_direction carriage_from; /* the first packet's sender */
    uint64_t carried_differently;
    void *user;
    GList link;     /* in the engine's open or closing queue */
    int queue;      /* which queue link is in (engine's business) */
    size_t charged; /* memory of the session's own allocations last added to
                       env->memory (ts_session_recharge) */
    const ts_session_env *env;
    /* the packet being processed */
    ts_direction cur_dir;
    uint64_t cur_frame;
    int64_t cur_ts;
};

/** Creates a session for a packet from src to dst; `sender_is_client` says
 *  which side the sender plays. The caller owns the result (ts_session_free). */
ts_session *ts_session_new(const ts_session_env *env, const ts_flow_key *key, const ts_decoded *seg,
                           bool sender_is_client, uint64_t stream);

/** Processes one TCP segment of this session coming from side `from`. */
void ts_session_segment(ts_session *s, ts_direction from, const ts_decoded *seg, uint64_t frame,
                        int64_t ts_ns);

/** Stream offset of the first payload byte of `seg` from side `from` (after
 *  the SYN's sequence number when it is a SYN). */
int64_t ts_session_offset_of(const ts_session *s, ts_direction from, const ts_decoded *seg);

/** Records an anomaly (respecting max_anomalies). */
void ts_session_anomaly(ts_session *s, ts_anomaly_type type, ts_direction from, uint64_t frame,
                        uint64_t offset, uint64_t length);

/** Flushes both directions (declaring remaining holes gaps), sets the close
 *  reason (a FIN or RST close is kept) and calls session_done. */
void ts_session_finish(ts_session *s, ts_close_reason reason);

/** Records `seg`'s carriage as the session's (its first packet, sent by
 *  side `from`). */
void ts_session_set_carriage(ts_session *s, const ts_decoded *seg, ts_direction from);

/** Counts `seg` (a later packet, from side `from`) in carried_differently
 *  when its carriage is not the session's (compared loosely for the other
 *  direction, see carriage.c). */
void ts_session_note_carriage(ts_session *s, const ts_decoded *seg, ts_direction from);

/** Records the outermost VLAN tag of `seg` as direction `from`'s when it is
 *  the direction's first packet, or its first with a SYN or payload. */
void ts_session_note_vlan(ts_session *s, ts_direction from, const ts_decoded *seg);

/** Brings the session's share of env->memory up to date with what it holds
 *  now (the struct, carriage, rings, gaps, chunks, anomalies; its
 *  reassembly stores count themselves). Constant time: a few sizes. */
void ts_session_recharge(ts_session *s);

/** The session memory budget is passed and this is the last session left:
 *  gives up out-of-order data of its directions (the lowest holes declared
 *  gaps, buffer_limit anomalies, as at max_buffered_bytes) until `excess`
 *  bytes are freed or nothing is buffered. */
void ts_session_shrink(ts_session *s, size_t excess);

/** Memory a session with nothing recorded takes (for tests and docs). */
size_t ts_session_base_cost(void);

/** Frees the session and everything it owns (and takes it out of
 *  env->memory). */
void ts_session_free(ts_session *s);

#endif /* TS_SESSION_H */

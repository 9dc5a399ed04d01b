/*
 * engine.c — the glue: frames in, sessions out.
 *
 * For each frame: decode down to TCP, find the connection by 4-tuple, decide
 * whether the segment starts a new session (Wireshark's rule: a SYN without
 * ACK whose sequence number differs from the base already seen in that
 * direction), hand it to the session, and retire sessions that are over.
 *
 * Lifetimes: an open session lives in the flow table. Once closed (both FINs
 * or a RST) it lingers until it has seen no packet for `close_linger`
 * seconds of capture time (late retransmissions, or traffic that goes on
 * after a spurious RST, still belong to it), then is finished and replaced by a small tombstone
 * that keeps counting late packets (without creating a new stream, as Wireshark would not) for
 * TS_TOMBSTONE_SECONDS. With idle_timeout > 0, open sessions idle that long are finished too. "Now"
 * is the largest timestamp seen so far.
 *
 * Session memory (ts_options.max_session_memory): sessions, their
 * reassembly stores and tombstones add what they allocate to e->memory as
 * they go (memcost.h), the flow tables count their slots. Every live session
 * is in one of the two queues ordered by its last packet, so the session
 * idle longest is the older of the two heads. After each frame, while the
 * total passes the budget: the oldest tombstone goes first, then the session
 * idle longest is finished (retire); when the frame's own session is the
 * last one left, its out-of-order data is given up first.
 *
 * With keep_payload and a max_payload_memory budget, the engine owns a payload
 * spool (spool.h): its sessions move kept bytes there when the budget is
 * passed, and the file goes away with the engine.
 *
 * IP fragments go to a reassembler (defrag.h) created on the first one; a
 * completed datagram is decoded from its protocol (ts_decode_next) and
 * handled like a frame of its own, numbered and stamped as the fragment
 * that completed it (Wireshark's "reassembled in"). Conflicting fragment
 * copies become ip_overlap_conflict anomalies of the session it reaches.
 */
#include "capture.h"
#include "decode_internal.h"
#include "defrag.h"
#include "flow_table.h"
#include "memcost.h"
#include "session.h"

#include <string.h>

#define TS_TOMBSTONE_SECONDS 600.0
#define NS_PER_S 1000000000.0

enum { QUEUE_NONE = 0, QUEUE_OPEN, QUEUE_CLOSING };

/* What remains of a finished session on its 4-tuple. */
typedef struct {
    ts_flow_key key;
    uint64_t stream;     /* the session's, for ts_callbacks.stream_frame */
    bool selected;       /* the session was selected (select_session) */
    bool ws_base_set[2]; /* indexed by "sender is endpoint a" */
    uint32_t ws_base[2];
    int64_t finished_ns;
    GList link;
} tombstone;

struct ts_engine {
    ts_options opts;
    ts_decode_config decode_cfg; /* tunnel ports of opts */
    ts_callbacks cb;
    ts_session_env env;
    ts_flow_table *flows;
    ts_flow_table *tombs;
    GQueue open;    /* open sessions by last activity */
    GQueue closing; /* closed sessions, oldest close first */
    GQueue tomb_fifo;
    uint64_t next_stream;
    int64_t now_ns;
    int64_t linger_ns, idle_ns, tomb_ns; /* the time limits, in nanoseconds */
    bool finished;
    gint interrupted; /* ts_engine_interrupt(): atomic, read by run_file */
    ts_stats stats;
    size_t memory;           /* session memory held (sessions, stores, tombstones) */
    ts_session *cur_session; /* the session the current frame reached, else NULL */
    GPtrArray *warnings;     /* char*, NULL-terminated view built on demand */
    char *spool_dir;         /* copy of opts.spool_dir */
    ts_spool *spool;         /* keep_payload with max_payload_memory; else NULL */
    ts_defrag *defrag;       /* created by the first IP fragment; else NULL */
    const ts_frame *cur;     /* the frame being processed (feed), else NULL */
    /* selection (ts_callbacks.select_frame / select_session) */
    ts_options quiet_opts;    /* opts without keep_payload, for unselected sessions */
    ts_callbacks quiet_cb;    /* no callbacks */
    ts_session_env quiet_env; /* the env of unselected sessions */
    ts_engine *numbering;     /* select_frame: sees every frame, numbers the streams */
    uint64_t frame_stream;    /* the stream `numbering` gave the current frame */
};

#define NO_STREAM UINT64_MAX

/* The defaults of every field. */
static void
options_defaults(ts_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->overlap = TS_OVERLAP_FIRST;
    opts->max_buffered_bytes = (size_t)64 << 20;
    opts->max_anomalies = 1000;
    opts->idle_timeout = 0;
    opts->close_linger = 60;
    opts->max_payload_memory = (size_t)32 << 20;
    opts->spool_dir = NULL;
    opts->map_files = true;
    opts->ip_fragment_timeout = 30;
    opts->ip_fragment_memory = (size_t)4 << 20;
    opts->vxlan_port = 4789;
    opts->geneve_port = 6081;
    opts->gtpu_port = 2152;
    opts->teredo_port = 3544;
    opts->retransmission_window = (size_t)1 << 20;
    opts->retransmission_acked = (size_t)16 << 10;
    opts->max_session_memory = (size_t)64 << 20;
}

void
ts_options_init_sized(ts_options *opts, size_t size)
{
    g_return_if_fail(opts != NULL);
    g_return_if_fail(size >= TS_OPTIONS_MIN_SIZE && size <= sizeof(ts_options));
    ts_options all;
    options_defaults(&all);
    memcpy(opts, &all, size);
}

static void spool_warning(void *ctx, const char *msg);

/* The numbering engine's stream_frame: the stream of the frame being fed. */
static void
number_frame(void *user, uint64_t stream, const ts_frame *f, uint64_t number)
{
    (void)number;
    if (f != NULL)
        ((ts_engine *)user)->frame_stream = stream;
}

/* The engine that numbers streams as in the whole capture, for an engine
 * `e` that selects frames: e's options without payload, one callback. */
static ts_engine *
numbering_engine_new(ts_engine *e)
{
    ts_options opts = e->opts;
    opts.keep_payload = false;
    opts.spool_dir = NULL;
    ts_callbacks cb = {.stream_frame = number_frame};
    return ts_engine_new_sized(&opts, sizeof opts, &cb, sizeof cb, e);
}

ts_engine *
ts_engine_new_sized(const ts_options *opts, size_t opts_size, const ts_callbacks *cb,
                    size_t cb_size, void *user)
{
    g_return_val_if_fail(opts == NULL ||
                             (opts_size >= TS_OPTIONS_MIN_SIZE && opts_size <= sizeof(ts_options)),
                         NULL);
    g_return_val_if_fail(
        cb == NULL || (cb_size >= TS_CALLBACKS_MIN_SIZE && cb_size <= sizeof(ts_callbacks)), NULL);
    ts_engine *e = g_new0(ts_engine, 1);
    /* the caller's prefix over the defaults (see the ABI rule, tcpsession.h) */
    options_defaults(&e->opts);
    if (opts != NULL)
        memcpy(&e->opts, opts, opts_size);
    if (e->opts.max_buffered_bytes == 0)
        e->opts.max_buffered_bytes = (size_t)64 << 20;
    if (cb != NULL)
        memcpy(&e->cb, cb, cb_size);
    e->decode_cfg = (ts_decode_config){e->opts.vxlan_port, e->opts.geneve_port, e->opts.gtpu_port,
                                       e->opts.teredo_port};
    e->linger_ns = (int64_t)(e->opts.close_linger * NS_PER_S);
    if (e->opts.idle_timeout > 0)
        e->idle_ns = (int64_t)(e->opts.idle_timeout * NS_PER_S);
    e->tomb_ns = (int64_t)(TS_TOMBSTONE_SECONDS * NS_PER_S);
    e->env.opts = &e->opts;
    e->env.cb = &e->cb;
    e->env.user = user;
    e->env.memory = &e->memory;
    uint64_t seed = ((uint64_t)g_random_int() << 32) | g_random_int();
    e->flows = ts_flow_table_new(seed);
    e->tombs = ts_flow_table_new(seed ^ 0x5bd1e995u);
    g_queue_init(&e->open);
    g_queue_init(&e->closing);
    g_queue_init(&e->tomb_fifo);
    e->warnings = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(e->warnings, NULL);
    e->spool_dir = g_strdup(e->opts.spool_dir);
    e->opts.spool_dir = e->spool_dir;
    if (e->opts.keep_payload && e->opts.max_payload_memory > 0) {
        e->spool = ts_spool_new(e->spool_dir, e->opts.max_payload_memory, spool_warning, e);
        e->env.spool = e->spool;
    }
    e->quiet_opts = e->opts;
    e->quiet_opts.keep_payload = false;
    e->quiet_env = (ts_session_env){&e->quiet_opts, &e->quiet_cb, NULL, NULL, &e->memory};
    if (e->cb.select_frame != NULL)
        e->numbering = numbering_engine_new(e);
    return e;
}

static void
add_warning(ts_engine *e, const char *msg)
{
    /* keep the array NULL-terminated */
    e->warnings->pdata[e->warnings->len - 1] = g_strdup(msg);
    g_ptr_array_add(e->warnings, NULL);
}

static void
spool_warning(void *ctx, const char *msg)
{
    add_warning(ctx, msg);
}

const char *const *
ts_engine_warnings(const ts_engine *e, size_t *n)
{
    if (n != NULL)
        *n = e->warnings->len - 1;
    return (const char *const *)e->warnings->pdata;
}

const ts_stats *
ts_engine_stats(const ts_engine *e)
{
    return &e->stats;
}

/* ---- session lifetimes ------------------------------------------------ */

/* Whether `s` was selected (select_session): it has the engine's env. */
static inline bool
selected(const ts_engine *e, const ts_session *s)
{
    return s->env == &e->env;
}

/* ts_callbacks.stream_frame: the frame being processed belongs to `stream`
 * (a selected one). */
static inline void
stream_frame(ts_engine *e, uint64_t stream, bool chosen, uint64_t frame)
{
    if (e->cb.stream_frame != NULL && chosen)
        e->cb.stream_frame(e->env.user, stream, e->cur, frame);
}

/* ts_callbacks.stream_frame with NULL: no frame can reach `stream` now. */
static inline void
stream_over(ts_engine *e, uint64_t stream, bool chosen)
{
    if (e->cb.stream_frame != NULL && chosen)
        e->cb.stream_frame(e->env.user, stream, NULL, 0);
}

static void
queue_leave(ts_engine *e, ts_session *s)
{
    if (s->queue == QUEUE_OPEN)
        g_queue_unlink(&e->open, &s->link);
    else if (s->queue == QUEUE_CLOSING)
        g_queue_unlink(&e->closing, &s->link);
    s->queue = QUEUE_NONE;
}

/* Memory a tombstone takes. */
#define TOMBSTONE_COST ts_mem_block(sizeof(tombstone))

/* Forgets a finished session: its stream gets no frame any more. */
static void
tombstone_drop(ts_engine *e, tombstone *t)
{
    ts_flow_table_remove(e->tombs, &t->key);
    g_queue_unlink(&e->tomb_fifo, &t->link);
    stream_over(e, t->stream, t->selected);
    g_free(t);
    e->memory -= TOMBSTONE_COST;
}

/* Finishes `s`, removes it from the table, and leaves a tombstone if asked. */
static void
retire(ts_engine *e, ts_session *s, ts_close_reason reason, bool leave_tombstone)
{
    queue_leave(e, s);
    ts_flow_table_remove(e->flows, &s->key);
    if (leave_tombstone) {
        tombstone *old = ts_flow_table_lookup(e->tombs, &s->key);
        if (old != NULL)
            tombstone_drop(e, old);
        tombstone *t = g_new0(tombstone, 1);
        e->memory += TOMBSTONE_COST;
        t->key = s->key;
        t->stream = s->stream;
        t->selected = selected(e, s);
        for (int d = 0; d < 2; d++) {
            int a_index = (d == TS_FROM_CLIENT) == s->client_is_a ? 1 : 0;
            t->ws_base_set[a_index] = s->dir[d].ws_base_set;
            t->ws_base[a_index] = s->dir[d].ws_base;
        }
        t->finished_ns = e->now_ns;
        t->link.data = t;
        ts_flow_table_insert(e->tombs, &t->key, t);
        g_queue_push_tail_link(&e->tomb_fifo, &t->link);
    }
    uint64_t stream = s->stream;
    bool chosen = selected(e, s);
    if (e->cur_session == s)
        e->cur_session = NULL;
    ts_session_finish(s, reason);
    ts_session_free(s);
    if (!leave_tombstone)
        stream_over(e, stream, chosen);
}

/* Finishes sessions whose time is up (capture time). Called per packet:
 * each check is a look at a queue head. */
static inline void
expire(ts_engine *e)
{
    GList *l;
    while ((l = e->closing.head) != NULL) {
        ts_session *s = l->data;
        if (e->now_ns - s->closed_ns < e->linger_ns)
            break;
        retire(e, s, s->close_reason, true);
    }
    if (e->opts.idle_timeout > 0) {
        while ((l = e->open.head) != NULL) {
            ts_session *s = l->data;
            if (e->now_ns - s->end_ns < e->idle_ns)
                break;
            retire(e, s, TS_CLOSE_IDLE, true);
        }
    }
    while ((l = e->tomb_fifo.head) != NULL) {
        tombstone *t = l->data;
        if (e->now_ns - t->finished_ns < e->tomb_ns)
            break;
        tombstone_drop(e, t);
    }
    if (e->defrag != NULL)
        ts_defrag_expire(e->defrag, e->now_ns);
}

/* ---- segments ------------------------------------------------------- */

/* Picks the sender's role for a packet that opens a session. */
static bool
sender_is_client(const ts_decoded *seg, bool *inferred)
{
    uint8_t synack = seg->flags & (TS_TCP_SYN | TS_TCP_ACK);
    *inferred = false;
    if (synack == TS_TCP_SYN)
        return true;
    if (synack == (TS_TCP_SYN | TS_TCP_ACK))
        return false;
    /* no handshake: the lower port is the server's; on a tie, the first
       packet goes from client to server */
    *inferred = true;
    return seg->src_port != seg->dst_port ? seg->src_port > seg->dst_port : true;
}

static ts_session *
open_session(ts_engine *e, const ts_flow_key *key, const ts_decoded *seg, uint64_t frame,
             int64_t ts_ns)
{
    bool inferred;
    bool client = sender_is_client(seg, &inferred);
    uint64_t stream = e->next_stream++;
    if (e->numbering != NULL) /* as in the whole capture */
        stream = e->frame_stream != NO_STREAM ? e->frame_stream : e->numbering->next_stream;
    ts_session *s = ts_session_new(&e->env, key, seg, client, stream);
    ts_session_set_carriage(s, seg, client ? TS_FROM_CLIENT : TS_FROM_SERVER);
    s->first_frame = frame;
    s->start_ns = s->end_ns = ts_ns;
    s->midstream = (seg->flags & (TS_TCP_SYN | TS_TCP_ACK)) != TS_TCP_SYN;
    if (inferred)
        ts_session_anomaly(s, TS_ANOMALY_ROLES_INFERRED, client ? TS_FROM_CLIENT : TS_FROM_SERVER,
                           frame, 0, 0);
    ts_flow_table_insert(e->flows, key, s);
    g_queue_push_tail_link(&e->open, &s->link);
    s->queue = QUEUE_OPEN;
    e->stats.sessions++;
    if (e->cb.select_session != NULL && !e->cb.select_session(e->env.user, s))
        s->env = &e->quiet_env; /* followed, kept quiet */
    else if (e->cb.session_open != NULL)
        e->cb.session_open(e->env.user, s);
    return s;
}

/* Under select_frame: the whole capture's numbering puts the current frame
 * in another stream than session `s` of its 4-tuple. */
static inline bool
another_stream(const ts_engine *e, const ts_session *s)
{
    return e->numbering != NULL && e->frame_stream != NO_STREAM && e->frame_stream != s->stream;
}

/* A SYN (no ACK) from a direction whose base is known, with another ISN. */
static bool
starts_new_connection(const ts_decoded *seg, bool base_set, uint32_t base)
{
    return (seg->flags & (TS_TCP_SYN | TS_TCP_ACK)) == TS_TCP_SYN && base_set && seg->seq != base;
}

/* Hands `seg` to its session (opening one when needed); returns that
 * session and sets *dir to the sender's direction, or NULL when no session
 * took it (a late packet). */
static ts_session *
handle_segment(ts_engine *e, const ts_decoded *seg, uint64_t frame, int64_t ts_ns,
               ts_direction *dir)
{
    ts_flow_key key;
    bool src_is_a;
    ts_flow_key_make(&key, seg->family, seg->src_addr, seg->src_port, seg->dst_addr, seg->dst_port,
                     &src_is_a);
    ts_session *s = ts_flow_table_lookup(e->flows, &key);
    if (s == NULL) {
        tombstone *t = ts_flow_table_lookup(e->tombs, &key);
        if (t != NULL) {
            int i = src_is_a ? 1 : 0;
            if (!starts_new_connection(seg, t->ws_base_set[i], t->ws_base[i])) {
                e->stats.late_packets++;
                stream_frame(e, t->stream, t->selected, frame);
                return NULL;
            }
            tombstone_drop(e, t);
        }
    } else {
        ts_direction from = src_is_a == s->client_is_a ? TS_FROM_CLIENT : TS_FROM_SERVER;
        if (starts_new_connection(seg, s->dir[from].ws_base_set, s->dir[from].ws_base) ||
            another_stream(e, s)) {
            retire(e, s, TS_CLOSE_REUSED, false);
            s = NULL;
        }
    }
    /* as a receiving host would: a bad IPv4 header or TCP checksum drops it */
    bool checksum_ok =
        !e->opts.verify_checksums || (ts_ip_checksum_ok(seg) && ts_tcp_checksum_ok(seg));
    if (!checksum_ok)
        e->stats.bad_checksums++;
    bool opened = false;
    if (s == NULL) {
        if (!checksum_ok)
            return NULL;
        s = open_session(e, &key, seg, frame, ts_ns);
        opened = true;
    }
    stream_frame(e, s->stream, selected(e, s), frame);
    ts_direction from = src_is_a == s->client_is_a ? TS_FROM_CLIENT : TS_FROM_SERVER;
    if (checksum_ok && !opened)
        ts_session_note_carriage(s, seg, from);
    *dir = from;
    ts_session_note_vlan(s, from, seg);
    if (!checksum_ok) {
        ts_session_anomaly(s, TS_ANOMALY_BAD_CHECKSUM, from, frame, 0, 0);
        e->cur_session = s;
        return s;
    }
    e->stats.tcp_segments++;
    bool was_closed = s->closed;
    ts_session_segment(s, from, seg, frame, ts_ns);
    if (e->cb.packet != NULL && selected(e, s)) {
        ts_packet p = {
            .from = from,
            .frame = frame,
            .ts_ns = ts_ns,
            .flags = seg->flags,
            .seq = seg->seq,
            .ack = seg->ack,
            .offset = ts_session_offset_of(s, from, seg),
            .payload = seg->payload,
            .length = seg->payload_len,
            .wire_length = seg->payload_wire_len,
            .tcp_header = seg->tcp_header,
            .tcp_header_length = seg->tcp_header_len,
            .window = seg->window,
            .urgent = seg->urgent,
        };
        e->cb.packet(e->env.user, s, &p);
    }
    if (s->queue != QUEUE_NONE) {
        /* keep each queue ordered by last activity: a closed session that
           still carries traffic keeps lingering */
        GQueue *q = s->queue == QUEUE_OPEN ? &e->open : &e->closing;
        g_queue_unlink(q, &s->link);
        g_queue_push_tail_link(q, &s->link);
        if (s->queue == QUEUE_CLOSING)
            s->closed_ns = e->now_ns;
    }
    if (s->closed && !was_closed) {
        queue_leave(e, s);
        s->closed_ns = e->now_ns;
        g_queue_push_tail_link(&e->closing, &s->link);
        s->queue = QUEUE_CLOSING;
    }
    e->cur_session = s;
    return s;
}

/* An ICMP error quoting a segment: an anomaly on its session; a session of
 * its own when there is none (Wireshark numbers it as a stream). */
static void
handle_icmp_quote(ts_engine *e, const ts_decoded *seg, uint64_t frame, int64_t ts_ns)
{
    ts_flow_key key;
    bool src_is_a;
    e->stats.icmp_errors++;
    ts_flow_key_make(&key, seg->family, seg->src_addr, seg->src_port, seg->dst_addr, seg->dst_port,
                     &src_is_a);
    ts_session *s = ts_flow_table_lookup(e->flows, &key);
    if (s == NULL) {
        tombstone *t = ts_flow_table_lookup(e->tombs, &key);
        if (t != NULL) {
            e->stats.late_packets++;
            stream_frame(e, t->stream, t->selected, frame);
            return;
        }
        s = open_session(e, &key, seg, frame, ts_ns);
    }
    stream_frame(e, s->stream, selected(e, s), frame);
    ts_direction from = src_is_a == s->client_is_a ? TS_FROM_CLIENT : TS_FROM_SERVER;
    ts_session_anomaly(s, TS_ANOMALY_ICMP_ERROR, from, frame, 0, 0);
    e->cur_session = s;
}

/* The segment callback: `seg` as the public ts_segment. */
static void
report_segment(ts_engine *e, const ts_decoded *seg, uint64_t frame, int64_t ts_ns)
{
    ts_segment out = {
        .frame = frame,
        .ts_ns = ts_ns,
        .flags = seg->flags,
        .seq = seg->seq,
        .ack = seg->ack,
        .window = seg->window,
        .urgent = seg->urgent,
        .tcp_header = seg->tcp_header,
        .tcp_header_length = seg->tcp_header_len,
        .payload = seg->payload,
        .length = seg->payload_len,
        .wire_length = seg->payload_wire_len,
    };
    size_t alen = seg->family == 6 ? 16 : 4;
    out.src.family = out.dst.family = seg->family;
    memcpy(out.src.addr, seg->src_addr, alen);
    memcpy(out.dst.addr, seg->dst_addr, alen);
    out.src.port = seg->src_port;
    out.dst.port = seg->dst_port;
    e->cb.segment(e->env.user, &out);
}

static void dispatch(ts_engine *e, ts_decode_status st, ts_decoded *seg, bool cut, uint64_t frame,
                     int64_t ts_ns, const ts_datagram *dg);

/* Records the conflicts of datagram `dg`, which carried `seg`, on session
 * `s` (sender `from`): one anomaly per frame involved, at the differing
 * bytes' stream offsets when they are TCP payload (a second end, length 0,
 * at the stream offset of the shorter end when that lies in the payload),
 * else at the segment's offset with length 0. */
static void
datagram_anomalies(ts_session *s, ts_direction from, const ts_decoded *seg, const ts_datagram *dg)
{
    /* where the TCP payload starts in the datagram (both point into it) */
    uint64_t pstart = (uint64_t)(seg->payload - dg->data);
    int64_t soff = ts_session_offset_of(s, from, seg);
    for (size_t i = 0; i < dg->n_conflicts; i++) {
        const ts_defrag_conflict *c = &dg->conflicts[i];
        uint64_t lo = c->offset > pstart ? c->offset : pstart;
        uint64_t hi = (uint64_t)c->offset + c->length;
        if (hi > pstart + seg->payload_len)
            hi = pstart + seg->payload_len;
        uint64_t off = soff > 0 ? (uint64_t)soff : 0, len = 0;
        bool at_end = c->length == 0 && c->offset >= pstart; /* a second end in the payload */
        if ((hi > lo || (at_end && hi == lo)) && soff + (int64_t)(lo - pstart) >= 0) {
            off = (uint64_t)(soff + (int64_t)(lo - pstart));
            len = hi - lo;
        }
        ts_session_anomaly(s, TS_ANOMALY_IP_OVERLAP_CONFLICT, from, c->first_frame, off, len);
        ts_session_anomaly(s, TS_ANOMALY_IP_OVERLAP_CONFLICT, from, c->frame, off, len);
    }
}

/* An IP fragment: reassembly, and the datagram it completes decoded and
 * dispatched as if it were the frame's packet. */
static void
handle_fragment(ts_engine *e, ts_decoded *seg, uint64_t frame, int64_t ts_ns)
{
    const ts_fragment *f = &seg->fragment;
    if (e->defrag == NULL)
        e->defrag =
            ts_defrag_new(e->opts.overlap, (int64_t)(e->opts.ip_fragment_timeout * NS_PER_S),
                          e->opts.ip_fragment_memory, &e->stats);
    ts_datagram dg;
    if (!ts_defrag_add(e->defrag, f, frame, ts_ns, &dg))
        return;
    /* decoded into the completing frame's `seg`: its carriage layers (the
       encapsulations around the fragment, borrowing this frame) stay; the
       datagram is carried as its completing fragment was */
    ts_decode_status st = ts_decode_next(dg.proto, dg.data, dg.len, dg.len, dg.family, dg.src_addr,
                                         dg.dst_addr, dg.depth, seg);
    dispatch(e, st, seg, false, frame, ts_ns, &dg);
}

/* Acts on a decoded packet (`dg`: the datagram it was reassembled from, or
 * NULL; `cut`: the capture cut its frame). */
static void
dispatch(ts_engine *e, ts_decode_status st, ts_decoded *seg, bool cut, uint64_t frame,
         int64_t ts_ns, const ts_datagram *dg)
{
    ts_session *s;
    ts_direction from;
    switch (st) {
    case TS_DECODE_TCP:
        seg->frame_cut = cut;
        if (e->cb.segment != NULL)
            report_segment(e, seg, frame, ts_ns);
        s = handle_segment(e, seg, frame, ts_ns, &from);
        if (dg != NULL && dg->n_conflicts > 0 && s != NULL)
            datagram_anomalies(s, from, seg, dg);
        break;
    case TS_DECODE_NOT_IP: e->stats.not_ip++; break;
    case TS_DECODE_NOT_TCP: e->stats.not_tcp++; break;
    case TS_DECODE_FRAGMENT:
        if (dg == NULL) /* a frame's fragment; one inside a datagram was counted */
            e->stats.ip_fragments++;
        handle_fragment(e, seg, frame, ts_ns);
        break;
    case TS_DECODE_TRUNCATED: e->stats.truncated++; break;
    case TS_DECODE_MALFORMED: e->stats.malformed++; break;
    case TS_DECODE_ICMP_TCP: handle_icmp_quote(e, seg, frame, ts_ns); break;
    case TS_DECODE_UNSUPPORTED_LINK: e->stats.unsupported_link++; break;
    case TS_DECODE_TOO_DEEP: e->stats.too_deep++; break;
    }
}

/* ---- the session memory budget ---------------------------------------- */

/* Session memory held now: sessions, stores, tombstones and both tables. */
static inline size_t
session_memory(const ts_engine *e)
{
    return e->memory + ts_flow_table_memory(e->flows) + ts_flow_table_memory(e->tombs);
}

/* The frame of a session's last packet (its queue position). */
static inline uint64_t
last_activity(const ts_session *s)
{
    return MAX(s->cur_frame, s->first_frame);
}

/* The live session whose last packet is the oldest, or NULL. */
static ts_session *
idlest_session(const ts_engine *e)
{
    ts_session *o = e->open.head != NULL ? e->open.head->data : NULL;
    ts_session *c = e->closing.head != NULL ? e->closing.head->data : NULL;
    if (o == NULL || c == NULL)
        return o != NULL ? o : c;
    return last_activity(c) < last_activity(o) ? c : o;
}

/* Finishes live session `s` for the budget: an open one as "evicted", with
 * no tombstone (a later packet starts a new session); a closed one as its
 * linger would have ended. */
static void
evict(ts_engine *e, ts_session *s)
{
    e->stats.sessions_evicted++;
    if (s->closed)
        retire(e, s, s->close_reason, true);
    else
        retire(e, s, TS_CLOSE_EVICTED, false);
}

/* Brings session memory back under the budget after a frame (see the top). */
static void
enforce_budget(ts_engine *e)
{
    size_t budget = e->opts.max_session_memory;
    bool shrunk = false;
    size_t used;
    while ((used = session_memory(e)) > budget) {
        GList *l = e->tomb_fifo.head;
        if (l != NULL) {
            e->stats.sessions_forgotten++;
            tombstone_drop(e, l->data);
            continue;
        }
        ts_session *s = idlest_session(e);
        if (s == NULL)
            break; /* the tables alone: nothing more to give */
        if (s == e->cur_session && !shrunk) {
            shrunk = true;
            ts_session_shrink(s, used - budget);
            continue;
        }
        evict(e, s);
    }
}

/* After a frame: the session it reached counts what it holds now, and the
 * budget is applied. */
static inline void
account_frame(ts_engine *e)
{
    if (e->cur_session != NULL)
        ts_session_recharge(e->cur_session);
    size_t used = session_memory(e);
    if (used > e->stats.session_memory_peak)
        e->stats.session_memory_peak = used;
    if (e->opts.max_session_memory != 0 && used > e->opts.max_session_memory)
        enforce_budget(e);
    e->cur_session = NULL;
}

/* The budget's warning, once, when the engine finishes. */
static void
budget_warning(ts_engine *e)
{
    uint64_t evicted = e->stats.sessions_evicted, forgotten = e->stats.sessions_forgotten;
    if (evicted == 0 && forgotten == 0)
        return;
    size_t b = e->opts.max_session_memory;
    g_autofree char *size = b % ((size_t)1 << 20) == 0   ? g_strdup_printf("%zu MiB", b >> 20)
                            : b % ((size_t)1 << 10) == 0 ? g_strdup_printf("%zu KiB", b >> 10)
                                                         : g_strdup_printf("%zu bytes", b);
    g_autofree char *what =
        evicted > 0 && forgotten > 0
            ? g_strdup_printf("%" G_GUINT64_FORMAT " sessions finished early and %" G_GUINT64_FORMAT
                              " finished sessions forgotten early",
                              evicted, forgotten)
        : evicted > 0
            ? g_strdup_printf("%" G_GUINT64_FORMAT " sessions finished early", evicted)
            : g_strdup_printf("%" G_GUINT64_FORMAT " finished sessions forgotten early", forgotten);
    g_autofree char *msg =
        g_strdup_printf("%s: session memory budget %s reached (--max-session-memory)", what, size);
    add_warning(e, msg);
}

/* One frame through the engine (the body of ts_engine_feed). */
static void
feed(ts_engine *e, const ts_frame *f)
{
    uint64_t frame = ++e->stats.frames;
    if (e->numbering != NULL) {
        e->frame_stream = NO_STREAM;
        feed(e->numbering, f); /* sets frame_stream */
        if (!e->cb.select_frame(e->env.user, f, frame)) {
            e->stats.frames_not_selected++;
            return;
        }
    }
    e->cur = f;
    if (e->cb.frame != NULL)
        e->cb.frame(e->env.user, f, frame);
    int64_t ts_ns = f->ts_ns;
    if (ts_ns > e->now_ns) {
        e->now_ns = ts_ns;
        /* before this packet is handled: it may be late for a session whose
           time ran out (each check is a look at a queue head) */
        expire(e);
    }
    ts_decoded seg;
    ts_decode_status st =
        ts_decode_frame_cfg(f->linktype, f->data, f->caplen, &e->decode_cfg, &seg);
    dispatch(e, st, &seg, f->caplen < f->origlen, frame, ts_ns, NULL);
    account_frame(e);
    e->cur = NULL;
}

void
ts_engine_feed(ts_engine *e, const ts_frame *frame)
{
    feed(e, frame);
}

static void
collect(void *value, void *user)
{
    g_ptr_array_add(user, value);
}

static gint
by_stream(gconstpointer a, gconstpointer b)
{
    const ts_session *x = *(ts_session *const *)a, *y = *(ts_session *const *)b;
    return x->stream < y->stream ? -1 : x->stream > y->stream;
}

void
ts_engine_finish(ts_engine *e)
{
    if (e->finished)
        return;
    e->finished = true;
    if (e->cb.frame != NULL)
        e->cb.frame(e->env.user, NULL, 0);
    if (e->defrag != NULL)
        ts_defrag_finish(e->defrag);
    if (e->numbering != NULL)
        ts_engine_finish(e->numbering);
    GPtrArray *all = g_ptr_array_new();
    ts_flow_table_foreach(e->flows, collect, all);
    g_ptr_array_sort(all, by_stream);
    for (guint i = 0; i < all->len; i++)
        retire(e, all->pdata[i], TS_CLOSE_END_OF_CAPTURE, false);
    g_ptr_array_free(all, TRUE);
    /* no frame follows: the finished sessions are forgotten */
    GList *l;
    while ((l = e->tomb_fifo.head) != NULL)
        tombstone_drop(e, l->data);
    budget_warning(e);
}

/* The warning of a capture of a series that starts before the previous ended. */
static void
out_of_order_warning(ts_engine *e, const char *path, int64_t first_ns)
{
    char *first = g_strdup_printf("%" G_GINT64_FORMAT ".%09" G_GINT64_FORMAT, first_ns / 1000000000,
                                  first_ns % 1000000000);
    char *newest = g_strdup_printf("%" G_GINT64_FORMAT ".%09" G_GINT64_FORMAT,
                                   e->now_ns / 1000000000, e->now_ns % 1000000000);
    char *msg = g_strdup_printf("%s: starts at %s, before the end of the previous capture (%s); "
                                "read after it, as mergecap -a would",
                                path, first, newest);
    add_warning(e, msg);
    g_free(msg);
    g_free(first);
    g_free(newest);
}

/* Clock reads between progress calls (frames) and least time between two
 * (microseconds). */
#define PROGRESS_FRAMES 1024
#define PROGRESS_US 200000

/* The wall-time bound of a sequential input (pipe, FIFO, socket): the
 * engine's clock when the last frame was read and the wall time then. */
typedef struct {
    ts_engine *e;
    int64_t now_ns; /* e->now_ns after the last frame */
    gint64 wall_us; /* g_get_monotonic_time() when it was read; 0: no frame yet */
} quiet_clock;

/* ts_capture_quiet_fn: the input has been quiet for a while, so capture time
 * moves on with the wall time since the last frame, finishing the sessions
 * whose close_linger or idle_timeout ran out. False when interrupted. */
static bool
on_quiet_input(void *user)
{
    quiet_clock *q = user;
    if (g_atomic_int_get(&q->e->interrupted))
        return false;
    if (q->wall_us != 0)
        ts_engine_advance(q->e, q->now_ns + (g_get_monotonic_time() - q->wall_us) * 1000);
    return true;
}

/* Reads `path` into the engine without finishing it; *opened: the capture
 * could be opened (so that run_file finishes the engine). */
static bool
read_capture(ts_engine *e, const char *path, bool *opened, GError **error)
{
    ts_capture *cap = ts_capture_open_with(path, e->opts.map_files, error);
    *opened = cap != NULL;
    if (cap == NULL)
        return false;
    quiet_clock quiet = {.e = e};
    bool sequential = ts_capture_is_sequential(cap);
    if (sequential)
        ts_capture_on_quiet(cap, on_quiet_input, &quiet);
    ts_capture_frame f;
    int rc = 0;
    uint64_t frames = 0;
    gint64 last = g_get_monotonic_time();
    size_t first_warning = e->warnings->len - 1; /* where this file's warnings begin */
    bool check_order = e->stats.frames > 0;
    while (!g_atomic_int_get(&e->interrupted) && (rc = ts_capture_next(cap, &f, error)) == 1) {
        if (f.no_packet) {
            /* numbered like Wireshark numbers it, never decoded nor shown to
               the frame hook */
            e->stats.frames++;
            e->stats.non_packet_frames++;
            continue;
        }
        if (G_UNLIKELY(check_order)) {
            check_order = false;
            if (f.ts_ns < e->now_ns)
                out_of_order_warning(e, ts_capture_name(cap), f.ts_ns);
        }
        ts_frame frame = {f.linktype, f.ts_ns, f.caplen, f.origlen, f.data};
        feed(e, &frame);
        if (G_UNLIKELY(sequential)) {
            quiet.now_ns = e->now_ns;
            quiet.wall_us = g_get_monotonic_time();
        }
        if (e->cb.progress != NULL && (++frames % PROGRESS_FRAMES) == 0) {
            gint64 now = g_get_monotonic_time();
            if (now - last >= PROGRESS_US) {
                last = now;
                e->cb.progress(e->env.user, e->stats.bytes_read + ts_capture_offset(cap), frames);
            }
        }
    }
    e->stats.bytes_read += ts_capture_offset(cap);
    if (ts_capture_warning(cap) != NULL) {
        /* first among this file's: before the warnings that arose while reading it */
        g_ptr_array_insert(e->warnings, (gint)first_warning, g_strdup(ts_capture_warning(cap)));
    }
    ts_capture_close(cap);
    return rc != -1; /* 1: interrupted after a frame, 0: the end */
}

/* Reads `path` into the engine without finishing it; see tcpsession.h. */
bool
ts_engine_read_file(ts_engine *e, const char *path, GError **error)
{
    bool opened;
    return read_capture(e, path, &opened, error);
}

/* Reads `path` into the engine and finishes it; see tcpsession.h. */
bool
ts_engine_run_file(ts_engine *e, const char *path, GError **error)
{
    bool opened;
    bool ok = read_capture(e, path, &opened, error);
    if (opened)
        ts_engine_finish(e);
    return ok;
}

/* Moves the clock on without a frame; see tcpsession.h. */
void
ts_engine_advance(ts_engine *e, int64_t now_ns)
{
    if (e->finished || now_ns <= e->now_ns)
        return;
    e->now_ns = now_ns;
    expire(e);
    if (e->numbering != NULL)
        ts_engine_advance(e->numbering, now_ns);
}

void
ts_engine_interrupt(ts_engine *e)
{
    g_atomic_int_set(&e->interrupted, 1);
}

static void
free_session(void *value, void *user)
{
    (void)user;
    ts_session_free(value);
}

void
ts_engine_free(ts_engine *e)
{
    if (e == NULL)
        return;
    ts_flow_table_foreach(e->flows, free_session, NULL);
    ts_flow_table_free(e->flows);
    GList *l;
    while ((l = g_queue_pop_head_link(&e->tomb_fifo)) != NULL)
        g_free(l->data);
    ts_flow_table_free(e->tombs);
    ts_defrag_free(e->defrag);
    ts_spool_free(e->spool); /* after the sessions, which release their extents */
    ts_engine_free(e->numbering);
    g_free(e->spool_dir);
    g_ptr_array_free(e->warnings, TRUE);
    g_free(e);
}

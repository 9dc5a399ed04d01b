/*
 * tcpflow_model.c — what tcpflow 1.6.1 must have written, rebuilt from OUR
 * bytes, and the comparison of tcpflow's files with it.
 *
 * tcpflow is replayed over tshark's frames in capture order (tcpdemux.cpp and
 * tcpip.cpp of tcpflow 1.6): per direction of a 4-tuple it opens a flow on a
 * SYN or on a segment carrying bytes, at offset 0 = the byte after the SYN
 * (or the first byte seen), writes each segment at its offset (the last
 * write wins; holes stay zero; a keep-alive of one byte is skipped), counts
 * everything after the TCP header up to the end of an IPv4 frame as payload
 * (Ethernet padding, trailer, FCS), shifts the file when bytes before its
 * start arrive without a SYN, ignores a new SYN on a flow that has data,
 * starts a new flow ("c1", "c2"...) when a segment is more than 16 MiB away,
 * and closes the flow on a RST or once the FIN and every byte before it were
 * seen, so that a later packet (the last ACK's padding) opens a new one.
 * libpcap hands it at most the file's snapshot length of each frame; frames
 * it does not decode are skipped (tunnels, PPPoE, MPLS, 802.3 LLC, IPv6
 * extension headers, IP length 0, IPv6 over BSD NULL) and of IP fragments it
 * keeps only the first one's bytes (wildcards here).
 *
 * The bytes written are OURS: the delivered bytes (those of "--overlap last"
 * where copies differed), the bytes we deliberately do not deliver (fetched),
 * and the frames' bytes after their IP packets. A file equal to its model is
 * explained by the behaviours the model used; anything else is unexplained.
 */
#include "verify_internal.h"

#include <string.h>

#define MAX_SEEK (16 * 1024 * 1024)

/* What wrote each byte of a modelled file. */
enum {
    K_NONE = 0, /* never written: zero */
    K_DATA,     /* bytes we deliver */
    K_EXTRA,    /* padding, trailer or FCS after the IP packet */
    K_WILD,     /* bytes of IP fragments: any value */
    K_CUT,      /* never reached tcpflow (libpcap snap length): zero */
    K_FETCHED,  /* a keep-alive's byte, fetched from the capture */
    K_ANOMALY,  /* + category: bytes we deliberately do not deliver */
};

typedef struct {
    ts_endpoint src, dst;
    unsigned k;
    GByteArray *data;
    GByteArray *kind;
    uint32_t cats;
    GArray *owners;     /* guint indexes of our sessions whose frames it got */
    int64_t tstream;    /* a tshark stream of its frames */
    const char *opened; /* why tcpflow opened it */
    GString *unknown;   /* why the model is unknown, or empty */
    /* tcpflow's state */
    uint32_t isn, nsn;
    int64_t pos;
    unsigned syn_count, fin_count;
    int64_t fin_size;
    GArray *seen; /* vf_range of file positions written, NULL after a shift */
    GArray *cut;  /* vf_range of file positions libpcap kept from tcpflow */
    bool open;
} tflow;

/* Per direction of a 4-tuple. */
typedef struct {
    tflow *open;    /* the flow being written */
    tflow *closed;  /* the last one closed (tcpflow's saved flow) */
    unsigned files; /* files opened: the next one is named "c<files>" */
} tdir;

/* Our bytes of one direction of one session, as placed by vf_segments. */
typedef struct {
    bool ready, ok;
    uint32_t base;
    GArray *segs;
    bool last;   /* from --overlap last, which differs */
    int64_t ref; /* stream offset of the last bytes looked up (to unwrap) */
    GString *why;
} ours_bytes;

typedef struct {
    const vf_capture *cap;
    GHashTable *dirs;  /* "src>dst" -> tdir* */
    GPtrArray *flows;  /* tflow*, in creation order */
    ours_bytes *bytes; /* [session index * 2 + dir] */
    /* per session direction: flows that got its frames, and frames skipped */
    GPtrArray **flows_of; /* [index * 2 + dir] -> GPtrArray of tflow* (may be NULL) */
    tflow **primary;      /* [index * 2 + dir]: flow of its first data frame */
    uint8_t *skipped;     /* [index * 2 + dir]: a VF_SKIP_* of a data frame, or 0 */
} model;

static void
tflow_free(gpointer p)
{
    tflow *f = p;
    g_byte_array_unref(f->data);
    g_byte_array_unref(f->kind);
    g_array_unref(f->owners);
    g_string_free(f->unknown, TRUE);
    if (f->seen != NULL)
        g_array_unref(f->seen);
    g_array_unref(f->cut);
    g_free(f);
}

static char *
dir_key(const ts_endpoint *src, const ts_endpoint *dst)
{
    g_autoptr(GString) key = g_string_new(NULL);
    vf_endpoint_append(key, src);
    g_string_append_c(key, '>');
    vf_endpoint_append(key, dst);
    return g_strdup(key->str);
}

/* Direction (client/server) of node `node` of `ts` in session `s`. */
static int
dir_of_node(const vf_session *s, const vf_tstream *ts, int node)
{
    return vf_endpoint_equal(&ts->node[node], &s->ep[TS_FROM_CLIENT]) ? TS_FROM_CLIENT
                                                                      : TS_FROM_SERVER;
}

static ours_bytes *
get_bytes(model *m, guint index, int dir, const vf_tstream *ts, int node)
{
    ours_bytes *b = &m->bytes[index * 2 + (guint)dir];
    if (b->ready)
        return b;
    b->ready = true;
    b->why = g_string_new(NULL);
    b->segs = g_array_new(FALSE, FALSE, sizeof(vf_seg));
    const vf_session *s = g_ptr_array_index(m->cap->ours->sessions, index);
    vf_case c = {.cap = m->cap, .s = s, .dir = dir, .ts = ts, .node = node};
    if (!vf_direction_base(m->cap, s, dir, ts, node, &b->base)) {
        g_string_append(b->why, "no frame places our bytes");
        return b;
    }
    const vf_session *src = s;
    const vf_session *last =
        m->cap->ours_last != NULL ? vf_ours_find(m->cap->ours_last, s->stream) : NULL;
    if (last != NULL) {
        const GByteArray *a = s->dir[dir].payload, *l = last->dir[dir].payload;
        if (!vf_bytes_equal(a->data, a->len, l->data, l->len)) {
            src = last;
            b->last = true;
        }
    }
    b->ok = vf_segments(&c, src, true, b->base, b->segs, b->why);
    return b;
}

/* The payload of a keep-alive frame as fetched from the capture (its byte is
 * not data, so not among ours), or NULL. */
static const uint8_t *
fetched_bytes(const model *m, const vf_frame *fr, uint64_t pl)
{
    if (m->cap->payloads == NULL || fr->len != 1)
        return NULL;
    GBytes *b = g_hash_table_lookup(m->cap->payloads, GUINT_TO_POINTER(fr->frame));
    gsize len = 0;
    const uint8_t *data = b != NULL ? g_bytes_get_data(b, &len) : NULL;
    return data != NULL && len >= pl ? data : NULL;
}

/* Stream offset of raw sequence number `seq`: the one nearest to the last
 * looked up (streams can pass 2^31 bytes, sequence numbers wrap). */
static int64_t
stream_offset(ours_bytes *b, uint32_t seq)
{
    int64_t off = b->ref + ts_seq_diff(seq, b->base + (uint32_t)b->ref);
    b->ref = off;
    return off;
}

/* Index of the first segment that ends after stream offset `off`. */
static guint
first_seg(const GArray *segs, int64_t off)
{
    guint lo = 0, hi = segs->len;
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        const vf_seg *g = &g_array_index(segs, vf_seg, mid);
        if (g->off + (int64_t)g->len <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Grows the flow's file to hold [at, at + n). */
static void
grow(tflow *f, int64_t end)
{
    if ((uint64_t)end <= f->data->len)
        return;
    guint old = f->data->len;
    g_byte_array_set_size(f->data, (guint)end);
    g_byte_array_set_size(f->kind, (guint)end);
    memset(f->data->data + old, 0, f->data->len - old);
    memset(f->kind->data + old, K_NONE, f->data->len - old);
}

/* Copies our bytes of raw sequence numbers [seq, seq + n) to file position
 * `at`; false (reason in f->unknown) when some are unknown. */
static bool
write_ours(tflow *f, int64_t at, ours_bytes *b, uint32_t seq, uint64_t n, uint32_t frame)
{
    int64_t off = stream_offset(b, seq);
    int64_t end = off + (int64_t)n;
    int64_t cur = off;
    for (guint i = first_seg(b->segs, off); i < b->segs->len && cur < end; i++) {
        const vf_seg *g = &g_array_index(b->segs, vf_seg, i);
        int64_t g_end = g->off + (int64_t)g->len;
        if (g_end <= cur)
            continue;
        if (g->off > cur)
            break;
        int64_t stop = MIN(g_end, end);
        int64_t p = at + (cur - off);
        uint64_t len = (uint64_t)(stop - cur);
        if (g->data != NULL)
            memcpy(f->data->data + p, g->data + (cur - g->off), len);
        else
            memset(f->data->data + p, 0, len);
        uint8_t kind = g->data == NULL           ? K_WILD
                       : g->cat == VF_CAT_COUNT_ ? K_DATA
                                                 : (uint8_t)(K_ANOMALY + g->cat);
        memset(f->kind->data + p, kind, len);
        cur = stop;
    }
    if (cur < end && f->unknown->len == 0)
        g_string_append_printf(f->unknown,
                               "frame %u carries bytes at offsets [%" G_GINT64_FORMAT
                               ",%" G_GINT64_FORMAT ") that we do not have",
                               frame, cur, end);
    return cur >= end;
}

static void
seen_add(tflow *f, int64_t start, int64_t end)
{
    if (f->seen == NULL || end <= start)
        return;
    vf_range r = {start, (uint64_t)(end - start)};
    g_array_append_val(f->seen, r);
}

static int
compare_range(gconstpointer a, gconstpointer b)
{
    const vf_range *x = a, *y = b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Bytes in the union of the seen ranges (tcpflow's recon set). */
static int64_t
seen_bytes(const tflow *f)
{
    if (f->seen == NULL)
        return 0;
    g_autoptr(GArray) sorted = g_array_copy(f->seen);
    g_array_sort(sorted, compare_range);
    int64_t total = 0, cur = G_MININT64;
    for (guint i = 0; i < sorted->len; i++) {
        const vf_range *r = &g_array_index(sorted, vf_range, i);
        int64_t s = MAX(r->offset, cur), e = r->offset + (int64_t)r->length;
        if (e > s)
            total += e - s;
        cur = MAX(cur, e);
    }
    return total;
}

static void
add_owner(tflow *f, guint index)
{
    for (guint i = 0; i < f->owners->len; i++) {
        if (g_array_index(f->owners, guint, i) == index)
            return;
    }
    g_array_append_val(f->owners, index);
}

static void
note_flow(model *m, guint index, int dir, tflow *f, bool data)
{
    GPtrArray **list = &m->flows_of[index * 2 + (guint)dir];
    if (*list == NULL)
        *list = g_ptr_array_new();
    bool found = false;
    for (guint i = 0; i < (*list)->len; i++)
        found |= g_ptr_array_index(*list, i) == f;
    if (!found)
        g_ptr_array_add(*list, f);
    if (data && m->primary[index * 2 + (guint)dir] == NULL)
        m->primary[index * 2 + (guint)dir] = f;
}

/* tcpflow's store_packet(): writes a frame's `pl` payload bytes and `ex`
 * bytes after its IP packet at the flow's position plus `delta`; `lost`
 * bytes after them never reached tcpflow (libpcap's snap length). */
static void
store(model *m, tdir *d, tflow *f, const vf_frame *fr, int32_t delta, uint64_t pl, uint64_t ex,
      uint64_t lost, int64_t owner, int dir, const vf_tstream *ts, int node)
{
    uint64_t length = pl + ex;
    int64_t offset = f->pos + delta;
    if (offset < 0 && f->syn_count > 0)
        return; /* before the start of a flow with a SYN: ignored */
    if (f->k == G_MAXUINT)
        f->k = d->files++; /* tcpflow opens (names) the file on its first write */
    if (offset < 0) {
        /* open up room at the front of the file */
        int64_t insert = -offset;
        guint old = f->data->len;
        grow(f, old + insert);
        memmove(f->data->data + insert, f->data->data, old);
        memmove(f->kind->data + insert, f->kind->data, old);
        memset(f->data->data, 0, (size_t)insert);
        memset(f->kind->data, K_NONE, (size_t)insert);
        f->isn -= (uint32_t)insert;
        f->pos = 0;
        f->nsn = f->isn + 1;
        offset = 0;
        f->cats |= 1u << VF_CAT_TCPFLOW_SHIFTED;
        if (f->seen != NULL) {
            g_array_unref(f->seen);
            f->seen = NULL;
        }
    }
    if (offset != f->pos) {
        if (delta == -1 && length == 1)
            return; /* keep-alive */
        f->pos += delta;
        f->nsn += (uint32_t)delta;
    }
    grow(f, f->pos + (int64_t)length);
    if (pl > 0) {
        if (fr->tcpflow_skip == VF_SKIP_FRAGMENT) {
            memset(f->data->data + f->pos, 0, pl);
            memset(f->kind->data + f->pos, K_WILD, pl);
        } else if (fetched_bytes(m, fr, pl) != NULL) {
            memcpy(f->data->data + f->pos, fetched_bytes(m, fr, pl), pl);
            memset(f->kind->data + f->pos, K_FETCHED, pl);
        } else if (owner < 0) {
            if (f->unknown->len == 0)
                g_string_append_printf(f->unknown, "frame %u belongs to no session of ours",
                                       fr->frame);
        } else {
            ours_bytes *b = get_bytes(m, (guint)owner, dir, ts, node);
            if (!b->ok) {
                if (f->unknown->len == 0)
                    g_string_append_printf(f->unknown, "frame %u: %s", fr->frame, b->why->str);
            } else {
                uint32_t seq = fr->seq + ((fr->flags & TS_TCP_SYN) ? 1u : 0u);
                write_ours(f, f->pos, b, seq, pl, fr->frame);
                if (b->last)
                    f->cats |= 1u << VF_CAT_TCPFLOW_LAST_WRITE;
            }
        }
    }
    if (ex > 0) {
        const GByteArray *pool = m->cap->frames->extra;
        memcpy(f->data->data + f->pos + pl, pool->data + fr->extra_off, ex);
        memset(f->kind->data + f->pos + pl, K_EXTRA, ex);
    }
    if (lost > 0) { /* zero in the file unless written later */
        vf_range r = {f->pos + (int64_t)length, lost};
        g_array_append_val(f->cut, r);
    }
    seen_add(f, f->pos, f->pos + (int64_t)length);
    f->pos += (int64_t)length;
    f->nsn += (uint32_t)length;
}

static void
close_flow(tdir *d)
{
    if (d->open != NULL) {
        d->open->open = false;
        d->closed = d->open;
        d->open = NULL;
    }
}

static tflow *
new_flow(model *m, tdir *d, const vf_tstream *ts, const vf_frame *fr, uint32_t isn,
         const char *opened)
{
    tflow *f = g_new0(tflow, 1);
    f->src = ts->node[fr->from_node1];
    f->dst = ts->node[!fr->from_node1];
    f->k = G_MAXUINT; /* named when its file is opened */
    f->data = g_byte_array_new();
    f->kind = g_byte_array_new();
    f->owners = g_array_new(FALSE, FALSE, sizeof(guint));
    f->tstream = fr->stream;
    f->unknown = g_string_new(NULL);
    f->opened = opened;
    f->isn = isn;
    f->nsn = isn + 1;
    f->seen = g_array_new(FALSE, FALSE, sizeof(vf_range));
    f->cut = g_array_new(FALSE, FALSE, sizeof(vf_range));
    f->open = true;
    d->open = f;
    g_ptr_array_add(m->flows, f);
    return f;
}

/* Our bytes of raw sequence numbers [seq, seq + n) into `out`; false when
 * some are unknown. */
static bool
copy_ours(ours_bytes *b, uint32_t seq, uint64_t n, uint8_t *out)
{
    int64_t off = stream_offset(b, seq), end = off + (int64_t)n, cur = off;
    for (guint i = first_seg(b->segs, off); i < b->segs->len && cur < end; i++) {
        const vf_seg *g = &g_array_index(b->segs, vf_seg, i);
        int64_t g_end = g->off + (int64_t)g->len;
        if (g_end <= cur)
            continue;
        if (g->off > cur || g->data == NULL)
            return false;
        int64_t stop = MIN(g_end, end);
        memcpy(out + (cur - off), g->data + (cur - g->off), (size_t)(stop - cur));
        cur = stop;
    }
    return cur >= end;
}

/* For a segment of a flow it closed, tcpflow reads the old file where the
 * segment would go: the same bytes there mean a retransmission, ignored. */
static bool
matches_closed(model *m, const tflow *old, const vf_frame *fr, uint64_t pl, uint64_t ex,
               int64_t owner, int dir, const vf_tstream *ts, int node)
{
    if (old == NULL || pl + ex == 0)
        return false;
    uint64_t at = (uint32_t)(fr->seq - old->isn - 1);
    if (at + pl + ex > old->data->len)
        return false;
    g_autofree uint8_t *bytes = g_malloc(pl + ex + 1);
    if (pl > 0 && fetched_bytes(m, fr, pl) != NULL) {
        memcpy(bytes, fetched_bytes(m, fr, pl), pl);
    } else if (pl > 0) {
        if (owner < 0 || fr->tcpflow_skip == VF_SKIP_FRAGMENT)
            return false;
        ours_bytes *b = get_bytes(m, (guint)owner, dir, ts, node);
        uint32_t seq = fr->seq + ((fr->flags & TS_TCP_SYN) ? 1u : 0u);
        if (!b->ok || !copy_ours(b, seq, pl, bytes))
            return false;
    }
    if (ex > 0)
        memcpy(bytes + pl, m->cap->frames->extra->data + fr->extra_off, ex);
    return memcmp(old->data->data + at, bytes, pl + ex) == 0;
}

/* What libpcap and tcpflow's IP code make of a frame: the payload captured
 * (a snap length may have cut it when the capture was made), the bytes after
 * the IP packet, less what libpcap cuts at the file's snap length (lost). */
typedef struct {
    uint64_t pl, ex, lost;
} frame_bytes;

static frame_bytes
captured_bytes(const vf_capture *cap, const vf_frame *fr)
{
    frame_bytes b = {.pl = fr->len, .ex = fr->v6 ? 0 : fr->extra_len};
    if (fr->wire_len > fr->cap_len)
        b.pl -= MIN(b.pl, (uint64_t)(fr->wire_len - fr->cap_len));
    if (cap->snaplen > 0 && fr->cap_len > cap->snaplen) {
        uint64_t cut = MIN((uint64_t)(fr->cap_len - cap->snaplen), b.pl + b.ex);
        uint64_t from_ex = MIN(cut, b.ex);
        b.ex -= from_ex;
        b.pl -= cut - from_ex;
        b.lost = cut;
    }
    return b;
}

/* tcpflow's state of the direction from `node` of tshark stream `ts`. */
static tdir *
dir_state(model *m, const vf_tstream *ts, int node)
{
    g_autofree char *key = dir_key(&ts->node[node], &ts->node[!node]);
    tdir *d = g_hash_table_lookup(m->dirs, key);
    if (d == NULL) {
        d = g_new0(tdir, 1);
        g_hash_table_insert(m->dirs, g_steal_pointer(&key), d);
    }
    return d;
}

/* The flow tcpflow writes frame `fr` into (opened as tcpflow would), with
 * the frame's distance from the flow's next sequence number in *delta; NULL
 * when tcpflow ignores the frame. */
static tflow *
flow_for_frame(model *m, tdir *d, const vf_frame *fr, const frame_bytes *b, int64_t owner, int dir,
               const vf_tstream *ts, int node, int32_t *delta)
{
    uint64_t datalen = b->pl + b->ex;
    bool syn = fr->flags & TS_TCP_SYN, ack = fr->flags & TS_TCP_ACK;
    bool fin = fr->flags & TS_TCP_FIN, rst = fr->flags & TS_TCP_RST;
    tflow *f = d->open;
    if (f == NULL) {
        if (datalen == 0 && (fin || rst || (!syn && !ack)))
            return NULL;
        if (datalen > 0 && matches_closed(m, d->closed, fr, b->pl, b->ex, owner, dir, ts, node))
            return NULL;
    }
    if (f != NULL && syn && f->syn_count > 0 && f->pos > 0)
        return NULL; /* "SYN TO IGNORE" */
    *delta = 0;
    const char *opened = d->closed == NULL ? "first flow of the direction"
                         : d->closed->fin_count > 0
                             ? "after tcpflow closed the previous flow on its FIN"
                             : "after tcpflow closed the previous flow on a RST";
    if (f != NULL) {
        *delta = ts_seq_diff(fr->seq, f->nsn);
        if (*delta > MAX_SEEK || *delta < -MAX_SEEK) {
            close_flow(d);
            f = NULL;
            *delta = 0;
            opened = "for a segment more than 16 MiB from the previous flow's position";
        }
    }
    if (f == NULL) {
        if (!syn && datalen == 0)
            return NULL;
        f = new_flow(m, d, ts, fr, syn ? fr->seq : fr->seq - 1, opened);
    }
    return f;
}

/* tcpflow closes a flow on a RST, or once its FIN and every byte before it
 * were seen. */
static void
track_close(tdir *d, tflow *f, const vf_frame *fr, uint64_t datalen)
{
    if (fr->flags & TS_TCP_RST) {
        close_flow(d);
        return;
    }
    if (fr->flags & TS_TCP_FIN) {
        f->fin_count++;
        if (f->fin_count == 1)
            f->fin_size = (int64_t)(uint32_t)(fr->seq + (uint32_t)datalen - f->isn) - 1;
    }
    if (f->fin_count > 0 && seen_bytes(f) == f->fin_size)
        close_flow(d);
}

/* One frame through tcpflow. */
static void
replay_frame(model *m, const vf_frame *fr)
{
    const vf_capture *cap = m->cap;
    const vf_tstream *ts = vf_frames_stream(cap->frames, fr->stream);
    int64_t owner = fr->stream < cap->n_ts ? cap->ours_of[fr->stream] : -1;
    int node = fr->from_node1;
    int dir = 0;
    if (owner >= 0)
        dir = dir_of_node(g_ptr_array_index(cap->ours->sessions, owner), ts, node);
    if (fr->tcpflow_skip != VF_SKIP_NONE && owner >= 0 && fr->len > 0)
        m->skipped[owner * 2 + dir] = fr->tcpflow_skip;
    if (fr->tcpflow_skip != VF_SKIP_NONE && fr->tcpflow_skip != VF_SKIP_FRAGMENT)
        return;
    tdir *d = dir_state(m, ts, node);
    frame_bytes b = captured_bytes(cap, fr);
    int32_t delta = 0;
    tflow *f = flow_for_frame(m, d, fr, &b, owner, dir, ts, node, &delta);
    if (f == NULL)
        return;
    if (owner >= 0) {
        add_owner(f, (guint)owner);
        note_flow(m, (guint)owner, dir, f, fr->len > 0);
    }
    if (fr->flags & TS_TCP_SYN)
        f->syn_count++;
    if (b.pl + b.ex > 0)
        store(m, d, f, fr, delta, b.pl, b.ex, b.lost, owner, dir, ts, node);
    track_close(d, f, fr, b.pl + b.ex);
}

/* Replays tcpflow over every frame. */
static void
replay(model *m)
{
    const GArray *frames = m->cap->frames->frames;
    for (guint i = 0; i < frames->len; i++) {
        const vf_frame *fr = &g_array_index(frames, vf_frame, i);
        if (!fr->in_icmp)
            replay_frame(m, fr);
    }
}

/* ---- comparing files with the model --------------------------------- */

/* Categories of what made a modelled file differ from plain bytes. */
static uint32_t
flow_categories(const tflow *f)
{
    uint32_t cats = f->cats;
    for (guint i = 0; i < f->cut->len; i++) {
        const vf_range *r = &g_array_index(f->cut, vf_range, i);
        for (uint64_t p = (uint64_t)r->offset; p < r->offset + r->length && p < f->kind->len; p++) {
            if (f->kind->data[p] == K_NONE)
                f->kind->data[p] = K_CUT;
        }
    }
    for (guint p = 0; p < f->kind->len; p++) {
        uint8_t k = f->kind->data[p];
        if (k == K_NONE)
            cats |= 1u << VF_CAT_TCPFLOW_ZERO_FILL;
        else if (k == K_EXTRA)
            cats |= 1u << VF_CAT_TCPFLOW_TRAILER;
        else if (k == K_WILD)
            cats |= 1u << VF_CAT_IP_FRAGMENTS;
        else if (k == K_CUT)
            cats |= 1u << VF_CAT_TCPFLOW_SNAPLEN;
        else if (k >= K_ANOMALY)
            cats |= 1u << (k - K_ANOMALY);
    }
    if (f->owners->len > 1)
        cats |= 1u << VF_CAT_TCPFLOW_MERGED_REUSE;
    return cats;
}

/* True when `file` is what the model says (wildcards match anything; the
 * file may end inside a trailing run of wildcards). */
static bool
model_matches(const tflow *f, const uint8_t *file, size_t len, GString *why)
{
    if (f->unknown->len > 0) {
        g_string_append_printf(why, "%s; ", f->unknown->str);
        return false;
    }
    size_t min_len = f->data->len;
    while (min_len > 0 && f->kind->data[min_len - 1] == K_WILD)
        min_len--;
    if (len < min_len || len > f->data->len) {
        g_string_append_printf(why, "tcpflow's file has %zu bytes, the model %u; ", len,
                               f->data->len);
        return false;
    }
    for (size_t p = 0; p < len; p++) {
        if (f->kind->data[p] != K_WILD && f->data->data[p] != file[p]) {
            g_string_append_printf(why, "tcpflow's file differs from the model at %zu; ", p);
            return false;
        }
    }
    return true;
}

static const char *const dir_names[2] = {"client", "server"};

static const char *
skip_reason(uint8_t why)
{
    switch (why) {
    case VF_SKIP_TUNNEL: return "tunnelled";
    case VF_SKIP_LINK: return "behind PPPoE, MPLS, 802.3 LLC or IPv6 over BSD NULL";
    case VF_SKIP_IPV6_EXT: return "behind IPv6 extension headers";
    case VF_SKIP_FRAGMENT: return "in IP fragments";
    case VF_SKIP_IP_LENGTH: return "with IP length 0 (TSO, BIG TCP or jumbogram)";
    default: return "?";
    }
}

static void
finish_detail(GString *why, char **detail)
{
    if (why->len >= 2 && why->str[why->len - 2] == ';')
        g_string_truncate(why, why->len - 2);
    *detail = g_strdup(why->str);
}

/* A file of a direction none of tshark's streams has: tcpflow keeps the
 * first IP fragment of a datagram and writes its TCP bytes even when no tool
 * could reassemble the datagram. True when those first fragments (fetched
 * without reassembly), written as tcpflow would, account for the file. */
static bool
orphan_fragments(const vf_capture *cap, const vf_flowfile *ff, size_t len, GString *why)
{
    if (cap->ours->stats.ip_fragments == 0) {
        g_string_append(why, "the model has no such flow; ");
        return false;
    }
    g_autoptr(GArray) frags = g_array_new(FALSE, FALSE, sizeof(vf_frame));
    g_autoptr(GError) error = NULL;
    if (!vf_first_fragments(cap->path, &ff->src, &ff->dst, frags, &error) || frags->len == 0) {
        g_string_append_printf(why, "the model has no such flow%s%s; ", error ? ": " : "",
                               error ? error->message : "");
        return false;
    }
    const vf_frame *first = &g_array_index(frags, vf_frame, 0);
    uint32_t isn = (first->flags & TS_TCP_SYN) ? first->seq : first->seq - 1;
    int64_t end = 0;
    g_autoptr(GArray) numbers = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    for (guint i = 0; i < frags->len; i++) {
        const vf_frame *f = &g_array_index(frags, vf_frame, i);
        int64_t at = ts_seq_diff(f->seq, isn + 1) + ((f->flags & TS_TCP_SYN) ? 1 : 0);
        end = MAX(end, at + (int64_t)f->len);
        g_array_append_val(numbers, f->frame);
    }
    if (len == 0 || (int64_t)len > end) {
        g_string_append_printf(
            why, "tcpflow's file has %zu bytes, the first fragments %" G_GINT64_FORMAT "; ", len,
            end);
        return false;
    }
    g_string_append_printf(why, "the first IP fragment%s (frame", frags->len > 1 ? "s" : "");
    for (guint i = 0; i < numbers->len && i < 6; i++)
        g_string_append_printf(why, "%s%u", i ? "," : " ", g_array_index(numbers, uint32_t, i));
    g_string_append(why, ") of datagrams no tool reassembled, written by tcpflow; ");
    return true;
}

static void
model_init(model *m, const vf_capture *cap)
{
    gsize n = 2 * (gsize)MAX(cap->ours->sessions->len, 1);
    *m = (model){.cap = cap};
    m->dirs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    m->flows = g_ptr_array_new_with_free_func(tflow_free);
    m->bytes = g_new0(ours_bytes, n);
    m->flows_of = g_new0(GPtrArray *, n);
    m->primary = g_new0(tflow *, n);
    m->skipped = g_new0(uint8_t, n);
}

static void
model_clear(model *m)
{
    for (guint i = 0; i < 2 * m->cap->ours->sessions->len; i++) {
        if (m->bytes[i].ready) {
            g_array_unref(m->bytes[i].segs);
            g_string_free(m->bytes[i].why, TRUE);
        }
        if (m->flows_of[i] != NULL)
            g_ptr_array_unref(m->flows_of[i]);
    }
    g_free(m->bytes);
    g_free(m->flows_of);
    g_free(m->primary);
    g_free(m->skipped);
    g_ptr_array_unref(m->flows);
    g_hash_table_unref(m->dirs);
}

/* "src>dst#k": the name key of a flow or file. */
static char *
file_key(const ts_endpoint *src, const ts_endpoint *dst, unsigned k)
{
    g_autofree char *dk = dir_key(src, dst);
    return g_strdup_printf("%s#%u", dk, k);
}

/* tcpflow's files by name key (the first of equal keys). */
static GHashTable *
index_files(const GPtrArray *flowfiles)
{
    GHashTable *files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (guint i = 0; i < flowfiles->len; i++) {
        vf_flowfile *ff = g_ptr_array_index(flowfiles, i);
        char *key = file_key(&ff->src, &ff->dst, ff->k);
        if (!g_hash_table_contains(files, key))
            g_hash_table_insert(files, key, ff);
        else
            g_free(key);
    }
    return files;
}

/* The session's rank among those on its endpoints so far (its "cN" when
 * files are paired by name, without tshark's frames). */
static unsigned
session_rank(GHashTable *rank, const vf_session *s)
{
    g_autofree char *ab = dir_key(&s->ep[0], &s->ep[1]);
    g_autofree char *ba = dir_key(&s->ep[1], &s->ep[0]);
    const char *pk = strcmp(ab, ba) <= 0 ? ab : ba;
    unsigned k = GPOINTER_TO_UINT(g_hash_table_lookup(rank, pk));
    g_hash_table_replace(rank, g_strdup(pk), GUINT_TO_POINTER(k + 1));
    return k;
}

/* The model's flow of direction `dir` of session `i` (that of its first data
 * frame, else its first flow) and tcpflow's file of it (or NULL). */
static const vf_flowfile *
direction_file(const model *m, GHashTable *files, guint i, int dir, unsigned k, tflow **flow)
{
    const vf_session *s = g_ptr_array_index(m->cap->ours->sessions, i);
    GPtrArray *list = m->flows_of[i * 2 + (guint)dir];
    tflow *f = m->primary[i * 2 + (guint)dir];
    if (f == NULL && list != NULL && list->len > 0)
        f = g_ptr_array_index(list, 0); /* no payload: the first flow */
    *flow = f;
    g_autofree char *key = NULL;
    if (f != NULL)
        key = file_key(&f->src, &f->dst, f->k);
    else if (m->cap->frames == NULL)
        key = file_key(&s->ep[dir], &s->ep[1 - dir], k);
    return key != NULL ? g_hash_table_lookup(files, key) : NULL;
}

/* Explains why tcpflow's file `data` of a direction differs from our bytes;
 * sets r's verdict. */
static void
explain_direction(const model *m, guint i, int dir, const tflow *f, const vf_flowfile *ff,
                  const uint8_t *data, size_t len, vf_result *r)
{
    g_autoptr(GString) why = g_string_new(NULL);
    uint32_t cats = 0;
    bool ok = false;
    uint8_t skip = m->skipped[i * 2 + (guint)dir];
    GPtrArray *list = m->flows_of[i * 2 + (guint)dir];
    if (skip != VF_SKIP_NONE) {
        cats |= 1u << (skip == VF_SKIP_FRAGMENT ? VF_CAT_IP_FRAGMENTS : VF_CAT_TCPFLOW_UNDECODED);
        g_string_append_printf(why, "tcpflow does not decode segments %s; ", skip_reason(skip));
    }
    if (m->cap->frames == NULL) {
        g_string_append(why, "without tshark's frames tcpflow cannot be modelled; ");
    } else if (f == NULL) {
        ok = skip != VF_SKIP_NONE && len == 0;
        if (!ok)
            g_string_append(why, "the model has no tcpflow flow for it; ");
    } else if (ff == NULL) {
        g_string_append(why, "tcpflow wrote no file where the model has one; ");
    } else if (model_matches(f, data, len, why)) {
        ok = true;
        cats |= flow_categories(f);
        if (list != NULL && list->len > 1)
            cats |= 1u << VF_CAT_TCPFLOW_SPLIT;
    }
    char *detail = NULL;
    finish_detail(why, &detail);
    vf_result_set_verdict(r, ok && cats != 0, cats, detail);
}

/* Direction `dir` of session `i` against tcpflow's file of it: NULL when
 * the bytes are the same, else a result. The file is marked used. */
static vf_result *
compare_direction(const model *m, GHashTable *files, GHashTable *used, guint i, int dir, unsigned k)
{
    static const uint8_t empty[1] = {0};
    const vf_session *s = g_ptr_array_index(m->cap->ours->sessions, i);
    const GByteArray *mine = s->dir[dir].payload;
    tflow *f = NULL;
    const vf_flowfile *ff = direction_file(m, files, i, dir, k, &f);
    gsize len = 0;
    const uint8_t *data = ff != NULL ? g_bytes_get_data(ff->data, &len) : NULL;
    if (data == NULL)
        data = empty;
    if (ff != NULL)
        g_hash_table_add(used, (gpointer)ff);
    if (vf_bytes_equal(data, len, mine->data, mine->len))
        return NULL;
    vf_result *r = vf_result_new(VF_TOOL_TCPFLOW, (int64_t)s->stream, -1, s->ep);
    r->direction = dir_names[dir];
    r->other_name = g_strdup(ff != NULL ? ff->name : "-");
    vf_result_set_sides(r, mine->data, mine->len, data, (int64_t)len);
    explain_direction(m, i, dir, f, ff, data, len, r);
    return r;
}

/* Each of our sessions: a same result, or one per differing direction. */
static void
compare_sessions(const model *m, GHashTable *files, GHashTable *used, GPtrArray *out)
{
    g_autoptr(GHashTable) rank = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (guint i = 0; i < m->cap->ours->sessions->len; i++) {
        const vf_session *s = g_ptr_array_index(m->cap->ours->sessions, i);
        unsigned k = session_rank(rank, s);
        vf_result *results[2] = {NULL, NULL};
        for (int dir = 0; dir < 2; dir++)
            results[dir] = compare_direction(m, files, used, i, dir, k);
        if (results[0] == NULL && results[1] == NULL) {
            g_ptr_array_add(out, vf_result_new(VF_TOOL_TCPFLOW, (int64_t)s->stream, -1, s->ep));
            continue;
        }
        for (int dir = 0; dir < 2; dir++) {
            if (results[dir] != NULL)
                g_ptr_array_add(out, results[dir]);
        }
    }
}

/* The model's flow with the name of file `ff`, or NULL. */
static tflow *
find_flow(const model *m, const vf_flowfile *ff)
{
    for (guint k = 0; k < m->flows->len; k++) {
        tflow *c = g_ptr_array_index(m->flows, k);
        if (c->k == ff->k && vf_endpoint_equal(&c->src, &ff->src) &&
            vf_endpoint_equal(&c->dst, &ff->dst))
            return c;
    }
    return NULL;
}

/* Explains a file that is no session direction's main file; sets r's
 * verdict (and its stream when the file is a later piece of a session). */
static void
explain_leftover(const model *m, const vf_flowfile *ff, const uint8_t *data, size_t len,
                 vf_result *r)
{
    const vf_capture *cap = m->cap;
    tflow *f = find_flow(m, ff);
    g_autoptr(GString) why = g_string_new(NULL);
    uint32_t cats = 0;
    bool ok = false;
    if (cap->frames == NULL) {
        g_string_append(why, "without tshark's frames tcpflow cannot be modelled; ");
    } else if (f == NULL) {
        ok = orphan_fragments(cap, ff, len, why);
        if (ok)
            cats = 1u << VF_CAT_IP_FRAGMENTS;
    } else if (f->owners->len > 0) {
        /* a later piece of sessions whose main file is another */
        const vf_session *s =
            g_ptr_array_index(cap->ours->sessions, g_array_index(f->owners, guint, 0));
        r->stream = (int64_t)s->stream;
        if (model_matches(f, data, len, why)) {
            ok = true;
            cats = flow_categories(f) | 1u << VF_CAT_TCPFLOW_SPLIT;
            g_string_append_printf(why, "tcpflow opened this file %s; ", f->opened);
        }
    } else {
        const vf_tstream *ts = vf_frames_stream(cap->frames, (uint64_t)f->tstream);
        char *pd = NULL;
        ok = vf_classify_presence(cap, VF_TOOL_TCPFLOW, NULL, ts, &cats, &pd);
        g_string_append_printf(why, "%s; ", pd);
        g_free(pd);
    }
    char *detail = NULL;
    finish_detail(why, &detail);
    vf_result_set_verdict(r, ok && cats != 0, cats, detail);
}

/* Files that are no session direction's main file: a result each. */
static void
compare_leftovers(const model *m, GHashTable *used, GPtrArray *out)
{
    for (guint i = 0; i < m->cap->flowfiles->len; i++) {
        const vf_flowfile *ff = g_ptr_array_index(m->cap->flowfiles, i);
        if (g_hash_table_contains(used, ff))
            continue;
        ts_endpoint ep[2] = {ff->src, ff->dst};
        vf_result *r = vf_result_new(VF_TOOL_TCPFLOW, -1, -1, ep);
        r->direction = "session";
        r->other_name = g_strdup(ff->name);
        gsize len = 0;
        const uint8_t *data = g_bytes_get_data(ff->data, &len);
        vf_result_set_sides(r, NULL, -1, data, (int64_t)len);
        explain_leftover(m, ff, data, len, r);
        g_ptr_array_add(out, r);
    }
}

void
vf_compare_tcpflow(const vf_capture *cap, GPtrArray *out)
{
    model m;
    model_init(&m, cap);
    if (cap->frames != NULL)
        replay(&m);
    g_autoptr(GHashTable) files = index_files(cap->flowfiles);
    g_autoptr(GHashTable) used = g_hash_table_new(g_direct_hash, g_direct_equal);
    compare_sessions(&m, files, used, out);
    compare_leftovers(&m, used, out);
    model_clear(&m);
}

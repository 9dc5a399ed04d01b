/*
 * tcpflow_model.c — what tcpflow 1.6.1 must have written, rebuilt from OUR
 * bytes: the replay of tcpflow that decides which file each segment goes to
 * and where. The bytes come from tcpflow_ours.c; the comparison of
 * tcpflow's files with the model is tcpflow_compare.c.
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
 * The bytes written are OURS (see tcpflow_ours.c) and the frames' bytes
 * after their IP packets.
 */
#include "tcpflow_model.h"

#include <string.h>

#define MAX_SEEK (16 * 1024 * 1024)

/* tcpflow's state of one direction of a 4-tuple. */
typedef struct {
    vf_tflow *open;   /* the flow being written */
    vf_tflow *closed; /* the last one closed (tcpflow's saved flow) */
} tdir;

/* Whose bytes a frame carries: our session (its index in cap->ours->sessions,
 * -1 when none of ours has the frame's tshark stream) and its direction
 * there, and the frame's tshark stream and node. */
typedef struct {
    int64_t owner;
    int dir;
    const vf_tstream *ts;
    int node;
} frame_owner;

/* What libpcap and tcpflow's IP code make of a frame: the payload captured
 * (a snap length may have cut it when the capture was made), the bytes after
 * the IP packet, less what libpcap cuts at the file's snap length (lost). */
typedef struct {
    uint64_t pl, ex, lost;
} frame_bytes;

static void
tflow_free(gpointer p)
{
    vf_tflow *f = p;
    g_byte_array_unref(f->data);
    g_byte_array_unref(f->kind);
    g_array_unref(f->owners);
    g_string_free(f->unknown, TRUE);
    if (f->seen != NULL)
        g_array_unref(f->seen);
    g_array_unref(f->cut);
    g_free(f);
}

char *
vf_direction_key(const ts_endpoint *src, const ts_endpoint *dst)
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

/* ---- the flow's file -------------------------------------------------- */

/* Grows the flow's file to hold [0, end), the new bytes zero. */
static void
grow(vf_tflow *f, int64_t end)
{
    if ((uint64_t)end <= f->data->len)
        return;
    guint old = f->data->len;
    g_byte_array_set_size(f->data, (guint)end);
    g_byte_array_set_size(f->kind, (guint)end);
    memset(f->data->data + old, 0, f->data->len - old);
    memset(f->kind->data + old, VF_KIND_NONE, f->data->len - old);
}

/* Opens up `insert` zero bytes at the front of the flow's file, for bytes
 * before its start: tcpflow moves its sequence numbers back and forgets
 * which positions it saw. */
static void
shift_front(vf_tflow *f, int64_t insert)
{
    guint old = f->data->len;
    grow(f, old + insert);
    memmove(f->data->data + insert, f->data->data, old);
    memmove(f->kind->data + insert, f->kind->data, old);
    memset(f->data->data, 0, (size_t)insert);
    memset(f->kind->data, VF_KIND_NONE, (size_t)insert);
    f->isn -= (uint32_t)insert;
    f->pos = 0;
    f->nsn = f->isn + 1;
    f->cats |= 1u << VF_CAT_TCPFLOW_SHIFTED;
    if (f->seen != NULL) {
        g_array_unref(f->seen);
        f->seen = NULL;
    }
}

static void
seen_add(vf_tflow *f, int64_t start, int64_t end)
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
seen_bytes(const vf_tflow *f)
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

/* ---- who got which frames ---------------------------------------------- */

static void
add_owner(vf_tflow *f, guint index)
{
    for (guint i = 0; i < f->owners->len; i++) {
        if (g_array_index(f->owners, guint, i) == index)
            return;
    }
    g_array_append_val(f->owners, index);
}

static void
note_flow(vf_tcpflow_model *m, guint index, int dir, vf_tflow *f, bool data)
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

/* ---- tcpflow's store_packet() ------------------------------------------ */

/* Writes the frame's `pl` payload bytes at the flow's position: any value
 * for IP fragments, a keep-alive's fetched byte, else ours (the reason in
 * f->unknown when they are unknown). */
static void
store_payload(vf_tcpflow_model *m, vf_tflow *f, const vf_frame *fr, uint64_t pl,
              const frame_owner *who)
{
    if (fr->tcpflow_skip == VF_SKIP_FRAGMENT) {
        memset(f->data->data + f->pos, 0, pl);
        memset(f->kind->data + f->pos, VF_KIND_WILD, pl);
    } else if (vf_fetched_bytes(m, fr, pl) != NULL) {
        memcpy(f->data->data + f->pos, vf_fetched_bytes(m, fr, pl), pl);
        memset(f->kind->data + f->pos, VF_KIND_FETCHED, pl);
    } else if (who->owner < 0) {
        if (f->unknown->len == 0)
            g_string_append_printf(f->unknown, "frame %u belongs to no session of ours", fr->frame);
    } else {
        vf_dir_bytes *b = vf_dir_bytes_get(m, (guint)who->owner, who->dir, who->ts, who->node);
        if (!b->ok) {
            if (f->unknown->len == 0)
                g_string_append_printf(f->unknown, "frame %u: %s", fr->frame, b->why->str);
        } else {
            uint32_t seq = fr->seq + ((fr->flags & TS_TCP_SYN) ? 1u : 0u);
            vf_dir_bytes_write(f, f->pos, b, seq, pl, fr->frame);
            if (b->last)
                f->cats |= 1u << VF_CAT_TCPFLOW_LAST_WRITE;
        }
    }
}

/* The "cN" of flow f's file: tcpflow opens the first name that does not
 * exist yet, so N counts earlier files of the same name (VLAN included). */
static unsigned
next_name(vf_tcpflow_model *m, const vf_tflow *f)
{
    g_autofree char *dk = vf_direction_key(&f->src, &f->dst);
    char *key = g_strdup_printf("%s--%d", dk, f->vlan);
    unsigned k = GPOINTER_TO_UINT(g_hash_table_lookup(m->names, key));
    g_hash_table_replace(m->names, key, GUINT_TO_POINTER(k + 1));
    return k;
}

/* tcpflow's store_packet(): writes a frame's `b->pl` payload bytes and
 * `b->ex` bytes after its IP packet at the flow's position plus `delta`;
 * `b->lost` bytes after them never reached tcpflow (libpcap's snap length). */
static void
store(vf_tcpflow_model *m, vf_tflow *f, const vf_frame *fr, int32_t delta, const frame_bytes *b,
      const frame_owner *who)
{
    uint64_t length = b->pl + b->ex;
    int64_t offset = f->pos + delta;
    if (offset < 0 && f->syn_count > 0)
        return; /* before the start of a flow with a SYN: ignored */
    if (f->k == G_MAXUINT)
        f->k = next_name(m, f); /* tcpflow opens (names) the file on its first write */
    if (offset < 0) {
        shift_front(f, -offset);
        offset = 0;
    }
    if (offset != f->pos) {
        if (delta == -1 && length == 1)
            return; /* keep-alive */
        f->pos += delta;
        f->nsn += (uint32_t)delta;
    }
    grow(f, f->pos + (int64_t)length);
    if (b->pl > 0)
        store_payload(m, f, fr, b->pl, who);
    if (b->ex > 0) {
        const GByteArray *pool = m->cap->frames->extra;
        memcpy(f->data->data + f->pos + b->pl, pool->data + fr->extra_off, b->ex);
        memset(f->kind->data + f->pos + b->pl, VF_KIND_EXTRA, b->ex);
    }
    if (b->lost > 0) { /* zero in the file unless written later */
        vf_range r = {f->pos + (int64_t)length, b->lost};
        g_array_append_val(f->cut, r);
    }
    seen_add(f, f->pos, f->pos + (int64_t)length);
    f->pos += (int64_t)length;
    f->nsn += (uint32_t)length;
}

/* ---- opening and closing flows ------------------------------------------ */

static void
close_flow(tdir *d)
{
    if (d->open != NULL) {
        d->open->open = false;
        d->closed = d->open;
        d->open = NULL;
    }
}

static vf_tflow *
new_flow(vf_tcpflow_model *m, tdir *d, const vf_tstream *ts, const vf_frame *fr, uint32_t isn,
         const char *opened)
{
    vf_tflow *f = g_new0(vf_tflow, 1);
    f->src = ts->node[fr->from_node1];
    f->dst = ts->node[!fr->from_node1];
    f->k = G_MAXUINT; /* named when its file is opened */
    f->vlan = vf_ours_frame_vlan(m->cap->ours, fr->frame);
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

/* For a segment of a flow it closed, tcpflow reads the old file where the
 * segment would go: the same bytes there mean a retransmission, ignored. */
static bool
matches_closed(vf_tcpflow_model *m, const vf_tflow *old, const vf_frame *fr, uint64_t pl,
               uint64_t ex, const frame_owner *who)
{
    if (old == NULL || pl + ex == 0)
        return false;
    uint64_t at = (uint32_t)(fr->seq - old->isn - 1);
    if (at + pl + ex > old->data->len)
        return false;
    g_autofree uint8_t *bytes = g_malloc(pl + ex + 1);
    if (pl > 0 && vf_fetched_bytes(m, fr, pl) != NULL) {
        memcpy(bytes, vf_fetched_bytes(m, fr, pl), pl);
    } else if (pl > 0) {
        if (who->owner < 0 || fr->tcpflow_skip == VF_SKIP_FRAGMENT)
            return false;
        vf_dir_bytes *b = vf_dir_bytes_get(m, (guint)who->owner, who->dir, who->ts, who->node);
        uint32_t seq = fr->seq + ((fr->flags & TS_TCP_SYN) ? 1u : 0u);
        if (!b->ok || !vf_dir_bytes_copy(b, seq, pl, bytes))
            return false;
    }
    if (ex > 0)
        memcpy(bytes + pl, m->cap->frames->extra->data + fr->extra_off, ex);
    return memcmp(old->data->data + at, bytes, pl + ex) == 0;
}

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
dir_state(vf_tcpflow_model *m, const vf_tstream *ts, int node)
{
    g_autofree char *key = vf_direction_key(&ts->node[node], &ts->node[!node]);
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
static vf_tflow *
flow_for_frame(vf_tcpflow_model *m, tdir *d, const vf_frame *fr, const frame_bytes *b,
               const frame_owner *who, int32_t *delta)
{
    uint64_t datalen = b->pl + b->ex;
    bool syn = fr->flags & TS_TCP_SYN, ack = fr->flags & TS_TCP_ACK;
    bool fin = fr->flags & TS_TCP_FIN, rst = fr->flags & TS_TCP_RST;
    vf_tflow *f = d->open;
    if (f == NULL) {
        if (datalen == 0 && (fin || rst || (!syn && !ack)))
            return NULL;
        if (datalen > 0 && matches_closed(m, d->closed, fr, b->pl, b->ex, who))
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
        f = new_flow(m, d, who->ts, fr, syn ? fr->seq : fr->seq - 1, opened);
    }
    return f;
}

/* tcpflow closes a flow on a RST, or once its FIN and every byte before it
 * were seen. */
static void
track_close(tdir *d, vf_tflow *f, const vf_frame *fr, uint64_t datalen)
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

/* ---- the replay --------------------------------------------------------- */

/* One frame through tcpflow. */
static void
replay_frame(vf_tcpflow_model *m, const vf_frame *fr)
{
    const vf_capture *cap = m->cap;
    frame_owner who = {
        .owner = fr->stream < cap->n_ts ? cap->ours_of[fr->stream] : -1,
        .ts = vf_frames_stream(cap->frames, fr->stream),
        .node = fr->from_node1,
    };
    if (who.owner >= 0)
        who.dir = dir_of_node(g_ptr_array_index(cap->ours->sessions, who.owner), who.ts, who.node);
    if (fr->tcpflow_skip != VF_SKIP_NONE && who.owner >= 0 && fr->len > 0)
        m->skipped[who.owner * 2 + who.dir] = fr->tcpflow_skip;
    if (fr->tcpflow_skip != VF_SKIP_NONE && fr->tcpflow_skip != VF_SKIP_FRAGMENT)
        return;
    tdir *d = dir_state(m, who.ts, who.node);
    frame_bytes b = captured_bytes(cap, fr);
    int32_t delta = 0;
    vf_tflow *f = flow_for_frame(m, d, fr, &b, &who, &delta);
    if (f == NULL)
        return;
    if (who.owner >= 0) {
        add_owner(f, (guint)who.owner);
        note_flow(m, (guint)who.owner, who.dir, f, fr->len > 0);
    }
    if (fr->flags & TS_TCP_SYN)
        f->syn_count++;
    if (b.pl + b.ex > 0)
        store(m, f, fr, delta, &b, &who);
    track_close(d, f, fr, b.pl + b.ex);
}

void
vf_tcpflow_model_build(vf_tcpflow_model *m, const vf_capture *cap)
{
    gsize n = 2 * (gsize)MAX(cap->ours->sessions->len, 1);
    *m = (vf_tcpflow_model){.cap = cap};
    m->dirs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    m->names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    m->flows = g_ptr_array_new_with_free_func(tflow_free);
    m->bytes = g_new0(vf_dir_bytes, n);
    m->flows_of = g_new0(GPtrArray *, n);
    m->primary = g_new0(vf_tflow *, n);
    m->skipped = g_new0(uint8_t, n);
    if (cap->frames == NULL)
        return;
    const GArray *frames = cap->frames->frames;
    for (guint i = 0; i < frames->len; i++) {
        const vf_frame *fr = &g_array_index(frames, vf_frame, i);
        if (!fr->in_icmp)
            replay_frame(m, fr);
    }
}

void
vf_tcpflow_model_clear(vf_tcpflow_model *m)
{
    for (guint i = 0; i < 2 * m->cap->ours->sessions->len; i++) {
        vf_dir_bytes_clear(&m->bytes[i]);
        if (m->flows_of[i] != NULL)
            g_ptr_array_unref(m->flows_of[i]);
    }
    g_free(m->bytes);
    g_free(m->flows_of);
    g_free(m->primary);
    g_free(m->skipped);
    g_ptr_array_unref(m->flows);
    g_hash_table_unref(m->dirs);
    g_hash_table_unref(m->names);
}

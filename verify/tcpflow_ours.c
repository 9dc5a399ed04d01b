/*
 * tcpflow_ours.c — the bytes the model of tcpflow (tcpflow_model.c) writes
 * into its files: OURS, looked up by the raw sequence numbers of the frames
 * tcpflow stores. Those are the delivered bytes (those of "--overlap last"
 * where copies differed: tcpflow's last write wins), the bytes we
 * deliberately do not deliver (fetched from the capture and placed by
 * vf_segments), wildcards for IP fragments, and the fetched byte of a
 * keep-alive. Each byte written gets a VF_KIND_* saying where it came from.
 */
#include "tcpflow_model.h"

#include <string.h>

vf_dir_bytes *
vf_dir_bytes_get(vf_tcpflow_model *m, guint index, int dir, const vf_tstream *ts, int node)
{
    vf_dir_bytes *b = &m->bytes[index * 2 + (guint)dir];
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

void
vf_dir_bytes_clear(vf_dir_bytes *b)
{
    if (b->ready) {
        g_array_unref(b->segs);
        g_string_free(b->why, TRUE);
    }
}

const uint8_t *
vf_fetched_bytes(const vf_tcpflow_model *m, const vf_frame *fr, uint64_t pl)
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
stream_offset(vf_dir_bytes *b, uint32_t seq)
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

bool
vf_dir_bytes_write(vf_tflow *f, int64_t at, vf_dir_bytes *b, uint32_t seq, uint64_t n,
                   uint32_t frame)
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
        uint8_t kind = g->data == NULL           ? VF_KIND_WILD
                       : g->cat == VF_CAT_COUNT_ ? VF_KIND_DATA
                                                 : (uint8_t)(VF_KIND_ANOMALY + g->cat);
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

bool
vf_dir_bytes_copy(vf_dir_bytes *b, uint32_t seq, uint64_t n, uint8_t *out)
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

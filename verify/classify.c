/*
 * classify.c — why tshark's bytes differ from ours, proved from the data,
 * and the sessions only one side has. For one direction of one session,
 * tshark's known behaviour is applied to OUR bytes to build what tshark must
 * have produced if that behaviour were the only reason; the difference is
 * explained exactly when the result equals tshark's bytes, and the behaviours
 * that changed something name the categories. (tcpflow: tcpflow_compare.c.)
 *
 * Our stream is a list of segments at stream offsets (vf_segments, shared
 * with the tcpflow model): the delivered bytes split at their holes, plus the
 * bytes we deliberately do not deliver (RST payload, bytes beyond the FIN,
 * late bytes for a declared gap, bytes before the start of a mid-stream
 * direction, stale segments), placed where the frame that carried them puts
 * them, fetched from the capture by tshark; and wildcards for bytes of IP
 * fragments.
 *
 * tshark (Follow TCP Stream, packet-tcp.c of 4.0):
 *   - starts each direction at the sequence number of its first packet and
 *     ignores bytes below it (tshark-starts-later);
 *   - at a hole followed by data, writes "[N bytes missing in capture
 *     file]" and a NUL, N the hole's length (tshark-missing-text), but only
 *     once the receiver acknowledges past the first byte buffered after the
 *     hole; when no such acknowledgement comes, everything from the hole on
 *     is dropped (tshark-drops-unacked, proved by replaying the receiver's
 *     acknowledgements against the buffered segments);
 *   - advances silently past bytes the snap length cut (tshark-skips-cut-bytes);
 *   - keeps in-sequence bytes over buffered ones where copies differ
 *     (tshark-in-sequence-wins, proved by our own "--overlap linux");
 *   - re-bases its relative sequence numbers when a SYN comes late
 *     (tshark-rebased-sequence);
 *   - includes RST payload and bytes beyond the FIN.
 */
#include "verify_internal.h"

#include <string.h>

#define OURS VF_CAT_COUNT_

static int
compare_seg(gconstpointer a, gconstpointer b)
{
    const vf_seg *x = a, *y = b;
    return x->off < y->off ? -1 : x->off > y->off;
}

/* Data sequence number of a frame (the SYN takes one). */
static uint32_t
data_seq(const vf_frame *f)
{
    return f->seq + ((f->flags & TS_TCP_SYN) ? 1u : 0u);
}

static const vf_frame *
stream_frame(const vf_capture *cap, const vf_tstream *ts, guint i)
{
    return &g_array_index(cap->frames->frames, vf_frame, g_array_index(ts->frames, uint32_t, i));
}

bool
vf_direction_base(const vf_capture *cap, const vf_session *s, int dir, const vf_tstream *ts,
                  int node, uint32_t *base)
{
    if (cap->frames == NULL || ts == NULL)
        return false;
    const vf_ours_dir *d = &s->dir[dir];
    /* Each chunk's first byte came from a known frame: vote. */
    GHashTable *votes = g_hash_table_new(g_direct_hash, g_direct_equal);
    guint best_count = 0;
    uint32_t best = 0;
    for (guint i = 0; i < d->chunks->len && i < 64; i++) {
        const ts_chunk *c = &g_array_index(d->chunks, ts_chunk, i);
        const vf_frame *f = vf_frames_get(cap->frames, (uint32_t)c->frame);
        if (f == NULL || f->in_icmp || f->len == 0 || (int)f->from_node1 != node)
            continue;
        int64_t off = vf_ours_stream_offset(d, c->offset);
        uint32_t b = data_seq(f) - (uint32_t)off;
        guint n = GPOINTER_TO_UINT(g_hash_table_lookup(votes, GUINT_TO_POINTER(b))) + 1;
        g_hash_table_insert(votes, GUINT_TO_POINTER(b), GUINT_TO_POINTER(n));
        if (n > best_count) {
            best_count = n;
            best = b;
        }
    }
    g_hash_table_unref(votes);
    if (best_count > 0) {
        *base = best;
        return true;
    }
    /* No data: a RST or SYN carrying bytes sits at its anomaly's offset. */
    for (guint i = 0; i < s->anomalies->len; i++) {
        const ts_anomaly *a = &g_array_index(s->anomalies, ts_anomaly, i);
        if ((int)a->from != dir ||
            (a->type != TS_ANOMALY_RST_WITH_DATA && a->type != TS_ANOMALY_SYN_WITH_DATA))
            continue;
        const vf_frame *f = vf_frames_get(cap->frames, (uint32_t)a->frame);
        if (f != NULL && !f->in_icmp && (int)f->from_node1 == node) {
            *base = data_seq(f) - (uint32_t)a->offset;
            return true;
        }
    }
    /* Else the byte after the direction's SYN is offset 0; else (we have
       nothing of this direction) its first byte tshark saw. */
    for (int pass = 0; pass < 2; pass++) {
        for (guint i = 0; i < ts->frames->len; i++) {
            const vf_frame *f = stream_frame(cap, ts, i);
            if (f->in_icmp || (int)f->from_node1 != node)
                continue;
            if (pass == 0 ? (f->flags & TS_TCP_SYN) != 0 : f->len > 0) {
                *base = data_seq(f);
                return true;
            }
        }
    }
    return false;
}

/* Appends the parts of `g` that no run of `segs` covers (earlier runs win). */
static void
add_uncovered(GArray *segs, vf_seg g)
{
    g_autoptr(GArray) cover = g_array_new(FALSE, FALSE, sizeof(vf_seg));
    int64_t g_end = g.off + (int64_t)g.len;
    for (guint i = 0; i < segs->len; i++) {
        const vf_seg *o = &g_array_index(segs, vf_seg, i);
        if (o->off < g_end && o->off + (int64_t)o->len > g.off)
            g_array_append_val(cover, *o);
    }
    g_array_sort(cover, compare_seg);
    int64_t cur = g.off;
    for (guint i = 0; i <= cover->len && cur < g_end; i++) {
        int64_t o = i < cover->len ? g_array_index(cover, vf_seg, i).off : g_end;
        if (o > cur) {
            vf_seg piece = {cur, (uint64_t)(MIN(o, g_end) - cur),
                            g.data != NULL ? g.data + (cur - g.off) : NULL, g.cat};
            g_array_append_val(segs, piece);
        }
        if (i < cover->len) {
            const vf_seg *c = &g_array_index(cover, vf_seg, i);
            cur = MAX(cur, c->off + (int64_t)c->len);
        }
    }
}

static int
anomaly_category(ts_anomaly_type type)
{
    switch (type) {
    case TS_ANOMALY_RST_WITH_DATA: return VF_CAT_RST_WITH_DATA;
    case TS_ANOMALY_DATA_AFTER_FIN: return VF_CAT_DATA_AFTER_FIN;
    case TS_ANOMALY_LATE_DATA: return VF_CAT_LATE_DATA;
    case TS_ANOMALY_DATA_BEFORE_START: return VF_CAT_DATA_BEFORE_START;
    case TS_ANOMALY_STALE_SEGMENT: return VF_CAT_STALE_SEGMENT;
    default: return -1;
    }
}

bool
vf_segments(const vf_case *c, const vf_session *s, bool late, uint32_t base, GArray *segs,
            GString *why)
{
    const vf_ours_dir *d = &s->dir[c->dir];
    uint64_t pos = 0;
    int64_t off = 0;
    for (guint i = 0; i <= d->holes->len; i++) {
        int64_t end = i < d->holes->len ? g_array_index(d->holes, vf_range, i).offset
                                        : off + (int64_t)(d->payload->len - pos);
        if (end > off) {
            uint64_t n = MIN((uint64_t)(end - off), d->payload->len - pos);
            vf_seg g = {off, n, d->payload->data + pos, OURS};
            if (n > 0)
                g_array_append_val(segs, g);
            pos += n;
        }
        if (i < d->holes->len) {
            const vf_range *h = &g_array_index(d->holes, vf_range, i);
            off = h->offset + (int64_t)h->length;
        }
    }
    /* Bytes of data frames tshark reassembled from IP fragments: we do not
       reassemble them (yet), so they are wildcards of known place and size. */
    if (c->ts != NULL && c->cap->ours->stats.ip_fragments > 0) {
        for (guint i = 0; i < c->ts->frames->len; i++) {
            const vf_frame *f = stream_frame(c->cap, c->ts, i);
            if (f->fragmented && !f->in_icmp && f->len > 0 && (int)f->from_node1 == c->node)
                add_uncovered(segs, (vf_seg){ts_seq_diff(data_seq(f), base), f->len, NULL,
                                             VF_CAT_IP_FRAGMENTS});
        }
        g_array_sort(segs, compare_seg);
    }
    for (guint i = 0; i < s->anomalies->len; i++) {
        const ts_anomaly *a = &g_array_index(s->anomalies, ts_anomaly, i);
        int cat = anomaly_category(a->type);
        if ((int)a->from != c->dir || cat < 0 || a->length == 0 ||
            (cat == VF_CAT_LATE_DATA && !late))
            continue;
        GBytes *bytes = c->cap->payloads != NULL
                            ? g_hash_table_lookup(c->cap->payloads, GUINT_TO_POINTER(a->frame))
                            : NULL;
        const vf_frame *f =
            c->cap->frames != NULL ? vf_frames_get(c->cap->frames, (uint32_t)a->frame) : NULL;
        if (bytes == NULL || f == NULL) {
            g_string_append_printf(why, "bytes of frame %" G_GUINT64_FORMAT " (%s) unknown; ",
                                   a->frame, ts_anomaly_type_name(a->type));
            return false;
        }
        gsize flen = 0;
        const uint8_t *fdata = g_bytes_get_data(bytes, &flen);
        int64_t fo = ts_seq_diff(data_seq(f), base);
        bool whole = cat == VF_CAT_RST_WITH_DATA || cat == VF_CAT_STALE_SEGMENT;
        int64_t start = whole || cat == VF_CAT_DATA_BEFORE_START ? fo : (int64_t)a->offset;
        uint64_t len = whole ? flen : a->length;
        if (start < fo || (uint64_t)(start - fo) + len > flen) {
            g_string_append_printf(why, "%s of frame %" G_GUINT64_FORMAT " outside its payload; ",
                                   ts_anomaly_type_name(a->type), a->frame);
            return false;
        }
        add_uncovered(segs, (vf_seg){start, len, fdata + (start - fo), cat});
    }
    g_array_sort(segs, compare_seg);
    return true;
}

static void
append_frames(GString *out, const char *what, const GArray *frames)
{
    if (frames->len == 0)
        return;
    g_string_append_printf(out, "%s frame%s", what, frames->len > 1 ? "s" : "");
    for (guint i = 0; i < frames->len && i < 6; i++)
        g_string_append_printf(out, "%s%u", i ? "," : " ", g_array_index(frames, uint32_t, i));
    if (frames->len > 6)
        g_string_append(out, ",...");
}

/* tshark inserts the missing-bytes text for a hole once the receiver sends
 * an acknowledgement above the lowest segment buffered beyond the hole
 * (check_follow_fragments). True when, replaying the stream, no such
 * acknowledgement exists for the hole starting at sequence `hole_seq`. */
static bool
never_acked(const vf_case *c, uint32_t hole_seq, GString *why)
{
    bool buffered = false;
    uint32_t lowest = 0;
    g_autoptr(GArray) held = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    for (guint i = 0; i < c->ts->frames->len; i++) {
        const vf_frame *f = stream_frame(c->cap, c->ts, i);
        if (f->in_icmp)
            continue;
        if ((int)f->from_node1 == c->node) {
            if ((f->len > 0 || (f->flags & TS_TCP_RST)) && ts_seq_diff(data_seq(f), hole_seq) > 0) {
                if (!buffered || ts_seq_diff(lowest, data_seq(f)) > 0)
                    lowest = data_seq(f);
                buffered = true;
                g_array_append_val(held, f->frame);
            }
        } else if (buffered && (f->flags & TS_TCP_ACK) && ts_seq_diff(f->ack, lowest) > 0) {
            g_string_append_printf(why, "frame %u acknowledges past the hole; ", f->frame);
            return false;
        }
    }
    append_frames(why, "data after the hole never acknowledged:", held);
    g_string_append(why, "; ");
    return true;
}

/* Sequence number where tshark starts the direction: its first packet's. */
static bool
tshark_start(const vf_case *c, uint32_t *seq)
{
    for (guint i = 0; i < c->ts->frames->len; i++) {
        const vf_frame *f = stream_frame(c->cap, c->ts, i);
        if (!f->in_icmp && (int)f->from_node1 == c->node) {
            *seq = data_seq(f);
            return true;
        }
    }
    return false;
}

/* How many bytes from stream offset `off` on (up to `end`) the capture's
 * snap length cut from their frames (snaplen_cut anomalies whose frame is
 * shorter in the capture than on the wire; when the IP length merely exceeds
 * the frame, tshark counts the bytes missing like any hole). */
static int64_t
snaplen_prefix(const vf_case *c, int64_t off, int64_t end)
{
    const vf_session *s = c->s;
    int64_t cur = off;
    for (bool grew = true; grew && cur < end;) {
        grew = false;
        for (guint i = 0; i < s->anomalies->len; i++) {
            const ts_anomaly *a = &g_array_index(s->anomalies, ts_anomaly, i);
            int64_t a_end = (int64_t)(a->offset + a->length);
            if (a->type != TS_ANOMALY_SNAPLEN_CUT || (int)a->from != c->dir)
                continue;
            const vf_frame *f = vf_frames_get(c->cap->frames, (uint32_t)a->frame);
            if (f == NULL || f->cap_len >= f->wire_len)
                continue;
            if ((int64_t)a->offset <= cur && a_end > cur) {
                cur = MIN(a_end, end);
                grew = true;
            }
        }
    }
    return cur - off;
}

/* True when the direction's SYN comes after other packets of it: tshark
 * then re-bases its relative sequence numbers mid-stream (a capture in random
 * order) and its missing-bytes counts and start point no longer follow the
 * sequence numbers. */
static bool
syn_not_first(const vf_case *c)
{
    bool seen_other = false;
    for (guint i = 0; i < c->ts->frames->len; i++) {
        const vf_frame *f = stream_frame(c->cap, c->ts, i);
        if (f->in_icmp || (int)f->from_node1 != c->node)
            continue;
        if (f->flags & TS_TCP_SYN)
            return seen_other;
        seen_other = true;
    }
    return false;
}

/* Length of a "[N bytes missing in capture file]" text and its NUL at `t`,
 * whatever N, or 0. */
static size_t
any_missing_text(const uint8_t *t, size_t len)
{
    static const char tail[] = " bytes missing in capture file]";
    size_t i = 1;
    if (len < 2 || t[0] != '[')
        return 0;
    if (i < len && t[i] == '-')
        i++;
    size_t digits = i;
    while (i < len && g_ascii_isdigit(t[i]))
        i++;
    if (i == digits || len - i < sizeof tail || memcmp(t + i, tail, sizeof tail - 1) != 0 ||
        t[i + sizeof tail - 1] != '\0')
        return 0;
    return i + sizeof tail;
}

/* How tshark's output goes on at one of our holes. */
typedef enum {
    HOLE_TEXT,  /* with its missing-bytes text (or nothing, cut by a snap length) */
    HOLE_STOPS, /* it stops there: the bytes after were never acknowledged */
    HOLE_FAILS, /* neither: unexplained */
} hole_match;

/* Matches tshark's output at position *pos against our hole [cur, start)
 * (after what a snap length cut, which tshark skips silently). */
static hole_match
match_hole(const vf_case *c, uint32_t base, int64_t *cur, int64_t start, bool rebased, size_t *pos,
           uint32_t *cats, GString *why)
{
    const uint8_t *t = c->other;
    size_t tlen = c->other_len;
    /* bytes a snap length cut: tshark advances past them silently */
    int64_t cut = snaplen_prefix(c, *cur, start);
    if (cut > 0)
        *cats |= 1u << VF_CAT_TSHARK_SNAPLEN;
    *cur += cut;
    if (start <= *cur)
        return HOLE_TEXT;
    char text[64];
    size_t n = vf_missing_text((uint64_t)(start - *cur), text, sizeof text);
    size_t any = 0;
    if (n > 0 && tlen - *pos >= n && memcmp(t + *pos, text, n) == 0) {
        *pos += n;
        *cats |= 1u << VF_CAT_TSHARK_MISSING_TEXT;
        return HOLE_TEXT;
    }
    if (rebased && (any = any_missing_text(t + *pos, tlen - *pos)) > 0) {
        *pos += any;
        *cats |= 1u << VF_CAT_TSHARK_MISSING_TEXT | 1u << VF_CAT_TSHARK_REBASED;
        return HOLE_TEXT;
    }
    if (*pos == tlen) {
        if (!never_acked(c, base + (uint32_t)*cur, why))
            return HOLE_FAILS;
        *cats |= 1u << VF_CAT_TSHARK_DROPS_UNACKED;
        g_string_append_printf(why, "tshark stops at the hole at offset %" G_GINT64_FORMAT "; ",
                               *cur);
        return HOLE_STOPS;
    }
    g_string_append_printf(why,
                           "at our hole [%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT
                           ") tshark has neither the missing-bytes text nor its end; ",
                           *cur, start);
    return HOLE_FAILS;
}

/* True when tshark's output at `pos` has segment g's bytes from stream
 * offset `start` to its end (any bytes for fragment wildcards). */
static bool
match_run(const vf_case *c, const vf_seg *g, int64_t start, size_t pos, GString *why)
{
    const uint8_t *t = c->other;
    size_t tlen = c->other_len;
    uint64_t n = (uint64_t)(g->off + (int64_t)g->len - start);
    if (g->data == NULL) {
        /* bytes of IP fragments we do not reassemble: any value */
        if (tlen - pos < n) {
            g_string_append(why, "tshark ends inside fragment bytes; ");
            return false;
        }
        return true;
    }
    const uint8_t *bytes = g->data + (start - g->off);
    if (tlen - pos < n || memcmp(t + pos, bytes, n) != 0) {
        int64_t d = vf_first_difference(t + pos, MIN(tlen - pos, n), bytes, n);
        g_string_append_printf(why,
                               "bytes differ at stream offset %" G_GINT64_FORMAT
                               " (tshark position %" G_GINT64_FORMAT "); ",
                               start + MAX(d, 0), (int64_t)pos + MAX(d, 0));
        return false;
    }
    return true;
}

/* Walks our segments the way tshark's follow would, starting at stream
 * offset `cur`, and matches `other`. `rebased`: any missing-bytes count. */
static bool
match_tshark(const vf_case *c, const GArray *segs, uint32_t base, int64_t cur, bool rebased,
             uint32_t *cats, GString *why)
{
    size_t tlen = c->other_len, pos = 0;
    for (guint i = 0; i < segs->len; i++) {
        const vf_seg *g = &g_array_index(segs, vf_seg, i);
        int64_t g_end = g->off + (int64_t)g->len;
        if (g_end <= cur) {
            *cats |= 1u << VF_CAT_TSHARK_STARTS_LATER;
            continue;
        }
        int64_t start = MAX(g->off, cur);
        if (g->off < cur)
            *cats |= 1u << VF_CAT_TSHARK_STARTS_LATER;
        if (start > cur) {
            hole_match h = match_hole(c, base, &cur, start, rebased, &pos, cats, why);
            if (h != HOLE_TEXT)
                return h == HOLE_STOPS;
        }
        if (!match_run(c, g, start, pos, why))
            return false;
        pos += (uint64_t)(g_end - start);
        cur = g_end;
        if (g->cat != OURS)
            *cats |= 1u << g->cat;
    }
    if (pos != tlen) {
        g_string_append_printf(why, "tshark has %zu more bytes after ours end; ", tlen - pos);
        return false;
    }
    return true;
}

bool
vf_classify_tshark(const vf_case *c, uint32_t *categories, char **detail)
{
    g_autoptr(GString) why = g_string_new(NULL);
    uint32_t base = 0, start_seq = 0;
    bool ok = false;
    *categories = 0;
    if (c->ts == NULL || !vf_direction_base(c->cap, c->s, c->dir, c->ts, c->node, &base)) {
        g_string_append(why, "no tshark frames to place our bytes; ");
    } else if (!tshark_start(c, &start_seq)) {
        g_string_append(why, "tshark has no packet of this direction; ");
    } else {
        /* Variants, first match wins: our bytes, or those of --overlap linux
           (tshark keeps in-sequence bytes over buffered ones), or, when IP
           fragments of the session overlapped with different bytes, those of
           --overlap last (tshark lays fragments out in offset order, so the
           later fragment's copy wins); without and
           with late bytes (tshark has them only when they came before it
           wrote its missing-bytes text); tshark starting at its first
           packet, or (capture in random order, its relative sequence numbers
           re-based) at our offset 0. */
        const vf_session *sources[3] = {c->s, c->s_linux, c->s_last};
        int64_t starts[2] = {ts_seq_diff(start_seq, base), 0};
        bool rebased = syn_not_first(c);
        g_autoptr(GString) first_why = g_string_new(NULL);
        for (int v = 0; v < 12 && !ok; v++) {
            const vf_session *src = sources[v % 3];
            int late = (v / 3) & 1, st = v / 6;
            if (src == NULL || (st == 1 && (!rebased || starts[1] == starts[0])) ||
                (src != c->s &&
                 vf_bytes_equal(src->dir[c->dir].payload->data, src->dir[c->dir].payload->len,
                                c->s->dir[c->dir].payload->data, c->s->dir[c->dir].payload->len)))
                continue;
            g_autoptr(GArray) segs = g_array_new(FALSE, FALSE, sizeof(vf_seg));
            g_string_truncate(why, 0);
            uint32_t cats = 0;
            if (vf_segments(c, src, late, base, segs, why) &&
                match_tshark(c, segs, base, starts[st], rebased, &cats, why)) {
                ok = true;
                if (src == c->s_linux)
                    cats |= 1u << VF_CAT_TSHARK_IN_SEQUENCE_WINS;
                if (src == c->s_last) {
                    cats |= 1u << VF_CAT_TSHARK_IP_OVERLAP;
                    g_string_append(why, "IP fragments overlapped with different bytes "
                                         "(ip_overlap_conflict): tshark's bytes are ours under "
                                         "--overlap last; ");
                }
                if (st == 1)
                    cats |= 1u << VF_CAT_TSHARK_REBASED;
                if (st == 1)
                    g_string_append(why, "tshark's re-based sequence numbers start at our "
                                         "offset 0; ");
                *categories = cats;
            } else if (first_why->len == 0) {
                g_string_assign(first_why, why->str);
            }
        }
        if (!ok)
            g_string_assign(why, first_why->str);
    }
    if (why->len >= 2)
        g_string_truncate(why, why->len - 2);
    *detail = g_strdup(why->str);
    return ok && *categories != 0;
}

/* ---- sessions only one side has ------------------------------------- */

bool
vf_classify_presence(const vf_capture *cap, vf_tool tool, const vf_session *s, const vf_tstream *ts,
                     uint32_t *categories, char **detail)
{
    (void)tool;
    *categories = 0;
    if (s != NULL) {
        *detail = g_strdup("the other tool has no such session");
        return false;
    }
    if (ts == NULL || cap->frames == NULL) {
        *detail = g_strdup("no tshark frames for this session");
        return false;
    }
    guint n = 0, fragmented = 0, encapsulated = 0, sampled = 0;
    uint8_t encap = 0;
    for (guint i = 0; i < ts->frames->len; i++) {
        const vf_frame *f = stream_frame(cap, ts, i);
        if (f->in_icmp)
            continue;
        n++;
        fragmented += f->fragmented;
        sampled += (f->encap & VF_ENCAP_SAMPLED) != 0;
        if (f->encap != 0) {
            encapsulated++;
            encap |= f->encap;
        }
    }
    const ts_stats *st = &cap->ours->stats;
    if (n > 0 && fragmented == n && st->ip_fragments > 0) {
        *categories = 1u << VF_CAT_IP_FRAGMENTS;
        *detail = g_strdup_printf("all %u frames of tshark's stream are reassembled IP fragments "
                                  "(%" G_GUINT64_FORMAT " fragments counted, not reassembled)",
                                  n, st->ip_fragments);
        return true;
    }
    if (n > 0 && sampled == n && st->not_tcp >= n) {
        /* sFlow quotes the first bytes of packets sampled at random: tshark
           dissects the TCP header in the quote, but no connection's bytes
           are there to follow (a quote is cut, and most packets are not
           sampled); the datagram is UDP to us */
        *categories = 1u << VF_CAT_SAMPLED_HEADER;
        *detail = g_strdup_printf("all %u frames are packet headers quoted in sFlow samples "
                                  "(the first bytes of packets sampled at random, inside a UDP "
                                  "datagram), not a connection: we follow none and count the "
                                  "datagrams as UDP (%" G_GUINT64_FORMAT " not TCP)",
                                  n, st->not_tcp);
        return true;
    }
    uint64_t unsupported = st->unsupported_link + st->not_ip + st->not_tcp;
    if (n > 0 && encapsulated == n && unsupported >= n) {
        *categories = 1u << VF_CAT_UNSUPPORTED_ENCAP;
        *detail = g_strdup_printf(
            "all %u frames are %s; we counted %" G_GUINT64_FORMAT " frames of an unsupported link "
            "type, %" G_GUINT64_FORMAT " not IP, %" G_GUINT64_FORMAT " not TCP",
            n,
            (encap & VF_ENCAP_UDP_TUNNEL) ? "TCP tunnelled in UDP"
            : (encap & VF_ENCAP_LINK)     ? "of a link type we do not decode"
                                          : "in a tunnel we do not decode",
            st->unsupported_link, st->not_ip, st->not_tcp);
        return true;
    }
    *detail = g_strdup_printf("tshark's stream has %u frames (%u from IP fragments, %u "
                              "encapsulated); we have no session",
                              n, fragmented, encapsulated);
    return false;
}

/*
 * compare.c — pairing our sessions with the other tools' and comparing
 * bytes. tshark's streams pair with ours by stream number when the
 * endpoints agree, else by endpoints and first frame, else by endpoints in
 * order (a renumbering is itself a difference, explained when the streams
 * one side lacks before it account for the shift). Each pair of directions is
 * compared by length and md5, and byte for byte for the first difference;
 * differences go to classify.c. (tcpflow's files: tcpflow_compare.c.)
 */
#include "verify_internal.h"

#include <string.h>

/* "a|b" for the unordered pair of endpoints. */
static char *
pair_key(const ts_endpoint *x, const ts_endpoint *y)
{
    g_autoptr(GString) a = g_string_new(NULL), b = g_string_new(NULL);
    vf_endpoint_append(a, x);
    vf_endpoint_append(b, y);
    return strcmp(a->str, b->str) <= 0 ? g_strconcat(a->str, "|", b->str, NULL)
                                       : g_strconcat(b->str, "|", a->str, NULL);
}

static bool
same_pair(const ts_endpoint e[2], const ts_endpoint n[2])
{
    return (vf_endpoint_equal(&e[0], &n[0]) && vf_endpoint_equal(&e[1], &n[1])) ||
           (vf_endpoint_equal(&e[0], &n[1]) && vf_endpoint_equal(&e[1], &n[0]));
}

void
vf_pair_streams(vf_capture *cap)
{
    guint n_ours = cap->ours->sessions->len;
    guint n_ts = cap->frames != NULL ? cap->frames->stream->len : 0;
    cap->n_ts = n_ts;
    cap->ts_of = g_new(int64_t, MAX(n_ours, 1));
    cap->ours_of = g_new(int64_t, MAX(n_ts, 1));
    for (guint i = 0; i < n_ours; i++)
        cap->ts_of[i] = -1;
    for (guint t = 0; t < n_ts; t++)
        cap->ours_of[t] = -1;
    /* 1. same number, same endpoints */
    for (guint i = 0; i < n_ours; i++) {
        const vf_session *s = g_ptr_array_index(cap->ours->sessions, i);
        const vf_tstream *ts = vf_frames_stream(cap->frames, s->stream);
        if (ts != NULL && same_pair(s->ep, ts->node)) {
            cap->ts_of[i] = (int64_t)s->stream;
            cap->ours_of[s->stream] = i;
        }
    }
    /* 2. same endpoints and first frame; 3. same endpoints, in order */
    for (int pass = 2; pass <= 3; pass++) {
        g_autoptr(GHashTable) waiting =
            g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_queue_free);
        for (guint t = 0; t < n_ts; t++) {
            const vf_tstream *ts = vf_frames_stream(cap->frames, t);
            if (ts == NULL || cap->ours_of[t] >= 0)
                continue;
            char *key = pair_key(&ts->node[0], &ts->node[1]);
            if (pass == 2) {
                char *k2 = g_strdup_printf("%s#%u", key, ts->first_frame);
                g_free(key);
                key = k2;
            }
            GQueue *q = g_hash_table_lookup(waiting, key);
            if (q == NULL) {
                q = g_queue_new();
                g_hash_table_insert(waiting, g_strdup(key), q);
            }
            g_queue_push_tail(q, GUINT_TO_POINTER(t));
            g_free(key);
        }
        for (guint i = 0; i < n_ours; i++) {
            if (cap->ts_of[i] >= 0)
                continue;
            const vf_session *s = g_ptr_array_index(cap->ours->sessions, i);
            g_autofree char *key = pair_key(&s->ep[0], &s->ep[1]);
            if (pass == 2) {
                char *k2 = g_strdup_printf("%s#%" G_GUINT64_FORMAT, key, s->first_frame);
                g_free(key);
                key = k2;
            }
            GQueue *q = g_hash_table_lookup(waiting, key);
            if (q == NULL || g_queue_is_empty(q))
                continue;
            guint t = GPOINTER_TO_UINT(g_queue_pop_head(q));
            cap->ts_of[i] = t;
            cap->ours_of[t] = i;
        }
    }
}

void
vf_unpair_streams(vf_capture *cap)
{
    g_clear_pointer(&cap->ts_of, g_free);
    g_clear_pointer(&cap->ours_of, g_free);
    cap->n_ts = 0;
}

/* ---- results -------------------------------------------------------- */

void
vf_result_free(gpointer p)
{
    vf_result *r = p;
    if (r == NULL)
        return;
    g_free(r->detail);
    g_free(r->other_name);
    g_free(r);
}

vf_result *
vf_result_new(vf_tool tool, int64_t stream, int64_t other_stream, const ts_endpoint ep[2])
{
    vf_result *r = g_new0(vf_result, 1);
    r->tool = tool;
    r->verdict = VF_SAME;
    r->stream = stream;
    r->other_stream = other_stream;
    r->ep[0] = ep[0];
    r->ep[1] = ep[1];
    r->first_diff = -1;
    return r;
}

void
vf_result_set_sides(vf_result *r, const uint8_t *ours, int64_t ours_len, const uint8_t *other,
                    int64_t other_len)
{
    r->ours_len = ours_len;
    r->other_len = other_len;
    if (ours_len >= 0)
        vf_md5(ours, (size_t)ours_len, r->ours_md5);
    else
        g_strlcpy(r->ours_md5, "-", sizeof r->ours_md5);
    if (other_len >= 0)
        vf_md5(other, (size_t)other_len, r->other_md5);
    else
        g_strlcpy(r->other_md5, "-", sizeof r->other_md5);
    if (ours_len >= 0 && other_len >= 0)
        r->first_diff = vf_first_difference(ours, (size_t)ours_len, other, (size_t)other_len);
    else
        r->first_diff = 0;
}

void
vf_result_set_verdict(vf_result *r, bool explained, uint32_t cats, char *detail)
{
    r->verdict = explained ? VF_EXPLAINED : VF_UNEXPLAINED;
    r->categories = explained ? cats : 0;
    g_free(r->detail);
    r->detail = detail;
}

static const char *const dir_names[2] = {"client", "server"};

/* Compares both directions of a paired session; appends the results. */
static void
compare_pair(vf_tool tool, const vf_case *tmpl, const uint8_t *other[2], const size_t other_len[2],
             const int node_of[2], int64_t other_stream, const char *const names[2],
             uint32_t pair_cats, const char *pair_detail, GPtrArray *out)
{
    const vf_session *s = tmpl->s;
    bool any = false;
    for (int dir = 0; dir < 2; dir++) {
        const GByteArray *p = s->dir[dir].payload;
        if (vf_bytes_equal(p->data, p->len, other[dir], other_len[dir]))
            continue;
        any = true;
        vf_result *r = vf_result_new(tool, (int64_t)s->stream, other_stream, s->ep);
        r->direction = dir_names[dir];
        r->other_name = names != NULL ? g_strdup(names[dir]) : NULL;
        vf_result_set_sides(r, p->data, p->len, other[dir], (int64_t)other_len[dir]);
        vf_case c = *tmpl;
        c.dir = dir;
        c.node = node_of[dir];
        c.other = other[dir];
        c.other_len = other_len[dir];
        uint32_t cats = 0;
        char *detail = NULL;
        bool ok = vf_classify_tshark(&c, &cats, &detail);
        if (ok && pair_cats != 0) {
            cats |= pair_cats;
            char *both = g_strdup_printf("%s; %s", pair_detail, detail);
            g_free(detail);
            detail = both;
        }
        vf_result_set_verdict(r, ok, cats, detail);
        g_ptr_array_add(out, r);
    }
    if (!any) {
        vf_result *r = vf_result_new(tool, (int64_t)s->stream, other_stream, s->ep);
        if (pair_cats != 0) {
            r->direction = "session";
            vf_result_set_sides(r, NULL, 0, NULL, 0);
            vf_result_set_verdict(r, true, pair_cats, g_strdup(pair_detail));
        }
        g_ptr_array_add(out, r);
    }
}

/* Streams one side lacks, below a given number on each side. */
static int64_t
unpaired_below(const int64_t *of, guint n, uint64_t limit, const vf_ours *ours)
{
    int64_t count = 0;
    for (guint i = 0; i < n; i++) {
        uint64_t number =
            ours != NULL ? ((const vf_session *)g_ptr_array_index(ours->sessions, i))->stream : i;
        if (number < limit && of[i] < 0)
            count++;
    }
    return count;
}

/* A session of ours tshark does not have: one "session" result. */
static void
compare_ours_only(const vf_capture *cap, const vf_session *s, GPtrArray *out)
{
    vf_result *r = vf_result_new(VF_TOOL_TSHARK, (int64_t)s->stream, -1, s->ep);
    r->direction = "session";
    g_autoptr(GByteArray) both = g_byte_array_new(); /* client's bytes first */
    g_byte_array_append(both, s->dir[0].payload->data, s->dir[0].payload->len);
    g_byte_array_append(both, s->dir[1].payload->data, s->dir[1].payload->len);
    vf_result_set_sides(r, both->data, both->len, NULL, -1);
    uint32_t cats = 0;
    char *detail = NULL;
    bool ok = vf_classify_presence(cap, VF_TOOL_TSHARK, s, NULL, &cats, &detail);
    vf_result_set_verdict(r, ok, cats, detail);
    g_ptr_array_add(out, r);
}

/* Session `s` is tshark's stream `t` under another number: returns the
 * detail saying why (caller frees) and sets *cats to
 * VF_CAT_TSHARK_STREAM_NUMBERING when the unpaired streams on both sides
 * account for the shift, else 0. */
static char *
renumbering(const vf_capture *cap, const vf_session *s, int64_t t, const vf_tstream *ts,
            uint32_t *cats)
{
    int64_t a = unpaired_below(cap->ours_of, cap->n_ts, (uint64_t)t, NULL);
    int64_t b = unpaired_below(cap->ts_of, cap->ours->sessions->len, s->stream, cap->ours);
    *cats = t - (int64_t)s->stream == a - b ? 1u << VF_CAT_TSHARK_STREAM_NUMBERING : 0;
    /* tshark numbers no packet carries (a dissector such as SOCKS allocated
       them) are part of the shift */
    g_autoptr(GString) no_packet = g_string_new(NULL);
    for (int64_t u = 0; u < t; u++) {
        if (vf_frames_stream(cap->frames, (uint64_t)u) == NULL)
            g_string_append_printf(no_packet, "%s%" G_GINT64_FORMAT, no_packet->len ? "," : "", u);
    }
    return g_strdup_printf(
        "tshark numbers it %" G_GINT64_FORMAT " (same endpoints%s): %" G_GINT64_FORMAT
        " tshark stream numbers%s%s%s and %" G_GINT64_FORMAT
        " of our sessions before it have no counterpart",
        t, ts->first_frame == s->first_frame ? " and first frame" : "", a,
        no_packet->len ? " (no packet carries " : "", no_packet->str, no_packet->len ? ")" : "", b);
}

/* An unexplained renumbering spoils every result of the session, from
 * out[before] on. */
static void
spoil_results(GPtrArray *out, guint before, const char *detail)
{
    for (guint k = before; k < out->len; k++) {
        vf_result *r = g_ptr_array_index(out, k);
        if (r->verdict == VF_SAME) {
            r->direction = "session";
            vf_result_set_sides(r, NULL, 0, NULL, 0);
        }
        vf_result_set_verdict(r, false, 0, g_strdup(detail));
    }
}

/* Our session `s` against tshark's stream `t` (its pair). */
static void
compare_paired(const vf_capture *cap, const vf_session *s, int64_t t, GPtrArray *out)
{
    static const uint8_t empty[1] = {0};
    const vf_tstream *ts = vf_frames_stream(cap->frames, (uint64_t)t);
    const vf_follow *f = g_hash_table_lookup(cap->follow, &t);
    int node_client = vf_endpoint_equal(&ts->node[0], &s->ep[TS_FROM_CLIENT]) ? 0 : 1;
    int node_of[2] = {node_client, 1 - node_client};
    const uint8_t *other[2];
    size_t other_len[2];
    for (int dir = 0; dir < 2; dir++) {
        const GByteArray *b = f != NULL ? f->data[node_of[dir]] : NULL;
        other[dir] = b != NULL && b->len > 0 ? b->data : empty;
        other_len[dir] = b != NULL ? b->len : 0;
    }
    uint32_t pair_cats = 0;
    g_autofree char *pair_detail = NULL;
    if ((uint64_t)t != s->stream)
        pair_detail = renumbering(cap, s, t, ts, &pair_cats);
    const vf_session *s_linux =
        cap->ours_linux != NULL ? vf_ours_find(cap->ours_linux, s->stream) : NULL;
    const vf_session *s_last = cap->ours_last != NULL && vf_has_ip_overlap_conflict(s)
                                   ? vf_ours_find(cap->ours_last, s->stream)
                                   : NULL;
    vf_case c = {.cap = cap, .s = s, .ts = ts, .s_linux = s_linux, .s_last = s_last};
    guint before = out->len;
    compare_pair(VF_TOOL_TSHARK, &c, other, other_len, node_of, t, NULL, pair_cats, pair_detail,
                 out);
    if ((uint64_t)t != s->stream && pair_cats == 0)
        spoil_results(out, before, pair_detail);
}

/* tshark's stream `t`, which none of our sessions pairs with: one "session"
 * result. */
static void
compare_tshark_only(const vf_capture *cap, guint t, const vf_tstream *ts, GPtrArray *out)
{
    int64_t key = t;
    const vf_follow *f = g_hash_table_lookup(cap->follow, &key);
    vf_result *r = vf_result_new(VF_TOOL_TSHARK, -1, t, ts->node);
    r->direction = "session";
    /* a session line: both directions, node 0's bytes first */
    g_autoptr(GByteArray) both = g_byte_array_new();
    if (f != NULL) {
        g_byte_array_append(both, f->data[0]->data, f->data[0]->len);
        g_byte_array_append(both, f->data[1]->data, f->data[1]->len);
    }
    vf_result_set_sides(r, NULL, -1, both->data, both->len);
    uint32_t cats = 0;
    char *detail = NULL;
    bool ok = vf_classify_presence(cap, VF_TOOL_TSHARK, NULL, ts, &cats, &detail);
    vf_result_set_verdict(r, ok, cats, detail);
    g_ptr_array_add(out, r);
}

void
vf_compare_tshark(const vf_capture *cap, GPtrArray *out)
{
    for (guint i = 0; i < cap->ours->sessions->len; i++) {
        const vf_session *s = g_ptr_array_index(cap->ours->sessions, i);
        if (cap->ts_of[i] < 0)
            compare_ours_only(cap, s, out);
        else
            compare_paired(cap, s, cap->ts_of[i], out);
    }
    for (guint t = 0; t < cap->n_ts; t++) {
        const vf_tstream *ts = vf_frames_stream(cap->frames, t);
        if (ts != NULL && cap->ours_of[t] < 0)
            compare_tshark_only(cap, t, ts, out);
    }
}

/* ---- payloads the classification needs ------------------------------ */

static bool
is_extra(ts_anomaly_type type)
{
    return type == TS_ANOMALY_RST_WITH_DATA || type == TS_ANOMALY_DATA_AFTER_FIN ||
           type == TS_ANOMALY_LATE_DATA || type == TS_ANOMALY_DATA_BEFORE_START ||
           type == TS_ANOMALY_STALE_SEGMENT;
}

static int
compare_u32(gconstpointer a, gconstpointer b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

GArray *
vf_needed_payload_frames(const vf_capture *cap)
{
    GArray *frames = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    for (guint i = 0; i < cap->ours->sessions->len; i++) {
        const vf_session *s = g_ptr_array_index(cap->ours->sessions, i);
        for (guint k = 0; k < s->anomalies->len; k++) {
            const ts_anomaly *a = &g_array_index(s->anomalies, ts_anomaly, k);
            if (!is_extra(a->type) || a->length == 0)
                continue;
            uint32_t f = (uint32_t)a->frame;
            g_array_append_val(frames, f);
        }
    }
    /* Frames whose bytes after the IP packet a protocol dissected (F5). */
    if (cap->frames != NULL) {
        for (guint i = 0; i < cap->frames->frames->len; i++) {
            const vf_frame *f = &g_array_index(cap->frames->frames, vf_frame, i);
            if (f->odd_trailer)
                g_array_append_val(frames, f->frame);
        }
    }
    /* Keep-alives (one byte below the highest byte sent so far): their byte
       is not data (often garbage) but tcpflow may write it. */
    if (cap->frames != NULL) {
        for (guint t = 0; t < cap->frames->stream->len; t++) {
            const vf_tstream *ts = g_ptr_array_index(cap->frames->stream, t);
            if (ts == NULL)
                continue;
            bool seen[2] = {false, false};
            uint32_t high[2] = {0, 0};
            for (guint k = 0; k < ts->frames->len; k++) {
                const vf_frame *f = &g_array_index(cap->frames->frames, vf_frame,
                                                   g_array_index(ts->frames, uint32_t, k));
                int n = f->from_node1;
                if (f->in_icmp || f->len == 0)
                    continue;
                uint32_t seq = f->seq + ((f->flags & TS_TCP_SYN) ? 1u : 0u);
                if (f->len == 1 && seen[n] && !ts_seq_after(seq + 1, high[n]) &&
                    !(f->flags & (TS_TCP_SYN | TS_TCP_FIN | TS_TCP_RST)))
                    g_array_append_val(frames, f->frame);
                if (!seen[n] || ts_seq_after(seq + f->len, high[n]))
                    high[n] = seq + f->len;
                seen[n] = true;
            }
        }
    }
    g_array_sort(frames, compare_u32);
    guint w = 0;
    for (guint r = 0; r < frames->len; r++) {
        if (w == 0 || g_array_index(frames, uint32_t, r) != g_array_index(frames, uint32_t, w - 1))
            g_array_index(frames, uint32_t, w++) = g_array_index(frames, uint32_t, r);
    }
    g_array_set_size(frames, w);
    return frames;
}

/* True when session `s` recorded an anomaly of type `type`. */
static bool
has_anomaly(const vf_session *s, ts_anomaly_type type)
{
    for (guint k = 0; k < s->anomalies->len; k++) {
        if (g_array_index(s->anomalies, ts_anomaly, k).type == type)
            return true;
    }
    return false;
}

bool
vf_has_ip_overlap_conflict(const vf_session *s)
{
    return has_anomaly(s, TS_ANOMALY_IP_OVERLAP_CONFLICT);
}

bool
vf_has_overlap_conflicts(const vf_ours *ours, bool ip)
{
    for (guint i = 0; i < ours->sessions->len; i++) {
        const vf_session *s = g_ptr_array_index(ours->sessions, i);
        if (has_anomaly(s, ip ? TS_ANOMALY_IP_OVERLAP_CONFLICT : TS_ANOMALY_OVERLAP_CONFLICT))
            return true;
    }
    return false;
}

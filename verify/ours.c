/*
 * ours.c — our side of a verification: runs the engine over a capture through
 * the public API (keep_payload) and copies every session out of it, with each
 * direction's bytes, chunks and gaps (merged into holes), so the comparison can
 * happen after the engine is gone. Also small helpers on endpoints, md5s and
 * offsets shared by the other verifier files.
 */
#include "verify_internal.h"

#include <arpa/inet.h>
#include <string.h>

bool
vf_endpoint_equal(const ts_endpoint *a, const ts_endpoint *b)
{
    size_t n = a->family == 6 ? 16 : 4;
    return a->family == b->family && a->port == b->port && memcmp(a->addr, b->addr, n) == 0;
}

bool
vf_endpoint_parse(const char *text, ts_endpoint *ep)
{
    memset(ep, 0, sizeof *ep);
    const char *colon = strrchr(text, ':');
    if (colon == NULL || colon[1] == '\0')
        return false;
    char addr[64];
    const char *start = text;
    size_t len = (size_t)(colon - text);
    if (text[0] == '[') {
        if (len < 2 || text[len - 1] != ']')
            return false;
        start++;
        len -= 2;
    }
    if (len == 0 || len >= sizeof addr)
        return false;
    memcpy(addr, start, len);
    addr[len] = '\0';
    char *end = NULL;
    guint64 port = g_ascii_strtoull(colon + 1, &end, 10);
    if (end == NULL || *end != '\0' || port > 65535)
        return false;
    if (inet_pton(AF_INET, addr, ep->addr) == 1)
        ep->family = 4;
    else if (inet_pton(AF_INET6, addr, ep->addr) == 1)
        ep->family = 6;
    else
        return false;
    ep->port = (uint16_t)port;
    return true;
}

void
vf_endpoint_append(GString *out, const ts_endpoint *ep)
{
    char buf[TS_ADDRSTRLEN];
    ts_endpoint_address(ep, buf);
    if (ep->family == 6)
        g_string_append_printf(out, "[%s]:%u", buf, (unsigned)ep->port);
    else
        g_string_append_printf(out, "%s:%u", buf, (unsigned)ep->port);
}

bool
vf_bytes_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

void
vf_md5(const uint8_t *data, size_t len, char out[33])
{
    g_autofree char *hex = g_compute_checksum_for_data(
        G_CHECKSUM_MD5, data != NULL ? data : (const uint8_t *)"", data != NULL ? len : 0);
    g_strlcpy(out, hex, 33);
}

int64_t
vf_first_difference(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    size_t n = MIN(alen, blen);
    for (size_t i = 0; i < n; i++) {
        if (a[i] != b[i])
            return (int64_t)i;
    }
    return alen == blen ? -1 : (int64_t)n;
}

/* ---- offsets -------------------------------------------------------- */

int64_t
vf_ours_stream_offset(const vf_ours_dir *d, uint64_t pos)
{
    int64_t off = (int64_t)pos;
    for (guint i = 0; i < d->holes->len; i++) {
        const vf_range *h = &g_array_index(d->holes, vf_range, i);
        if (h->offset > off)
            break;
        off += (int64_t)h->length;
    }
    return off;
}

uint64_t
vf_ours_payload_pos(const vf_ours_dir *d, int64_t off)
{
    int64_t pos = off;
    for (guint i = 0; i < d->holes->len; i++) {
        const vf_range *h = &g_array_index(d->holes, vf_range, i);
        if (h->offset >= off)
            break;
        int64_t end = h->offset + (int64_t)h->length;
        pos -= (MIN(end, off) - h->offset);
    }
    return pos < 0 ? 0 : (uint64_t)pos;
}

/* ---- running the engine --------------------------------------------- */

static int
compare_range(gconstpointer a, gconstpointer b)
{
    const vf_range *x = a, *y = b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Sorts the gaps of one direction and merges touching ones into holes. */
static GArray *
merge_holes(const ts_gap *gaps, size_t n, ts_direction from)
{
    GArray *raw = g_array_new(FALSE, FALSE, sizeof(vf_range));
    for (size_t i = 0; i < n; i++) {
        if (gaps[i].from != from || gaps[i].length == 0)
            continue;
        vf_range r = {(int64_t)gaps[i].offset, gaps[i].length};
        g_array_append_val(raw, r);
    }
    g_array_sort(raw, compare_range);
    GArray *holes = g_array_new(FALSE, FALSE, sizeof(vf_range));
    for (guint i = 0; i < raw->len; i++) {
        vf_range r = g_array_index(raw, vf_range, i);
        if (holes->len > 0) {
            vf_range *last = &g_array_index(holes, vf_range, holes->len - 1);
            int64_t last_end = last->offset + (int64_t)last->length;
            if (r.offset <= last_end) {
                int64_t end = MAX(last_end, r.offset + (int64_t)r.length);
                last->length = (uint64_t)(end - last->offset);
                continue;
            }
        }
        g_array_append_val(holes, r);
    }
    g_array_unref(raw);
    return holes;
}

/* Records tcpflow's VLAN number of Ethernet frames tagged 0x8100. */
static void
on_frame(void *user, const ts_frame *f, uint64_t number)
{
    vf_ours *ours = user;
    if (f == NULL || f->linktype != TS_LINKTYPE_ETHERNET || f->caplen < 16 || f->data[12] != 0x81 ||
        f->data[13] != 0x00)
        return;
    if (ours->frame_vlan == NULL)
        ours->frame_vlan = g_hash_table_new(g_direct_hash, g_direct_equal);
    guint tci = (guint)f->data[14] << 8 | f->data[15];
    g_hash_table_insert(ours->frame_vlan, GSIZE_TO_POINTER((gsize)number),
                        GUINT_TO_POINTER(tci + 1));
}

int
vf_ours_frame_vlan(const vf_ours *ours, uint64_t frame)
{
    if (ours == NULL || ours->frame_vlan == NULL)
        return -1;
    return (int)GPOINTER_TO_UINT(
               g_hash_table_lookup(ours->frame_vlan, GSIZE_TO_POINTER((gsize)frame))) -
           1;
}

static void
on_session_done(void *user, ts_session *s)
{
    vf_ours *ours = user;
    vf_session *vs = g_new0(vf_session, 1);
    vs->stream = ts_session_stream(s);
    vs->ep[TS_FROM_CLIENT] = *ts_session_client(s);
    vs->ep[TS_FROM_SERVER] = *ts_session_server(s);
    vs->first_frame = ts_session_first_frame(s);
    vs->midstream = ts_session_midstream(s);
    vs->close = ts_session_close_reason(s);

    size_t n_gaps = 0, n_chunks = 0, n_anomalies = 0;
    const ts_gap *gaps = ts_session_gaps(s, &n_gaps);
    const ts_chunk *chunks = ts_session_chunks(s, &n_chunks);
    const ts_anomaly *anomalies = ts_session_anomalies(s, &n_anomalies);
    for (int dir = 0; dir < 2; dir++) {
        uint16_t tpid, tci;
        bool tagged = ts_session_vlan_tag(s, (ts_direction)dir, &tpid, &tci);
        vs->tcpflow_vlan[dir] = tagged && tpid == 0x8100 ? tci : -1;
        vf_ours_dir *d = &vs->dir[dir];
        size_t len = 0;
        const uint8_t *data = ts_session_payload(s, (ts_direction)dir, &len);
        d->payload = g_byte_array_sized_new((guint)len);
        if (data != NULL && len > 0)
            g_byte_array_append(d->payload, data, (guint)len);
        d->holes = merge_holes(gaps, n_gaps, (ts_direction)dir);
        d->chunks = g_array_new(FALSE, FALSE, sizeof(ts_chunk));
        for (size_t i = 0; i < n_chunks; i++) {
            if ((int)chunks[i].from == dir)
                g_array_append_val(d->chunks, chunks[i]);
        }
    }
    vs->anomalies = g_array_sized_new(FALSE, FALSE, sizeof(ts_anomaly), (guint)n_anomalies);
    g_array_append_vals(vs->anomalies, anomalies, (guint)n_anomalies);
    g_ptr_array_add(ours->sessions, vs);
}

static void
session_free(gpointer p)
{
    vf_session *s = p;
    for (int dir = 0; dir < 2; dir++) {
        g_byte_array_unref(s->dir[dir].payload);
        g_array_unref(s->dir[dir].holes);
        g_array_unref(s->dir[dir].chunks);
    }
    g_array_unref(s->anomalies);
    g_free(s);
}

static int
compare_session(gconstpointer a, gconstpointer b)
{
    const vf_session *x = *(vf_session *const *)a, *y = *(vf_session *const *)b;
    return x->stream < y->stream ? -1 : x->stream > y->stream;
}

vf_ours *
vf_ours_run(const char *path, ts_overlap_policy policy)
{
    vf_ours *ours = g_new0(vf_ours, 1);
    ours->sessions = g_ptr_array_new_with_free_func(session_free);
    ts_options opts;
    ts_options_init(&opts);
    opts.keep_payload = true;
    opts.overlap = policy;
    ts_callbacks cb = {.session_done = on_session_done, .frame = on_frame};
    ts_engine *engine = ts_engine_new(&opts, &cb, ours);
    g_autoptr(GError) error = NULL;
    if (!ts_engine_run_file(engine, path, &error))
        ours->error = g_strdup(error->message);
    ours->stats = *ts_engine_stats(engine);
    ts_engine_free(engine);
    g_ptr_array_sort(ours->sessions, compare_session);
    return ours;
}

void
vf_ours_free(vf_ours *ours)
{
    if (ours == NULL)
        return;
    g_ptr_array_unref(ours->sessions);
    if (ours->frame_vlan != NULL)
        g_hash_table_unref(ours->frame_vlan);
    g_free(ours->error);
    g_free(ours);
}

const vf_session *
vf_ours_find(const vf_ours *ours, uint64_t stream)
{
    guint lo = 0, hi = ours->sessions->len;
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        const vf_session *s = g_ptr_array_index(ours->sessions, mid);
        if (s->stream == stream)
            return s;
        if (s->stream < stream)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

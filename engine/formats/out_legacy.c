/*
 * out_legacy.c — the original tcpsession's JSON session files: which packets
 * a session lists, with which number and which bytes.
 *
 * The original listed, per session, every packet it "accepted", in the order
 * it accepted them, each with the bytes it added to the stream and its number
 * N among the packets of the 4-tuple (counted over the whole capture). We
 * list the same packets from our own reassembly:
 *
 *  - a packet whose bytes we deliver is listed when they are delivered, with
 *    exactly the bytes it contributed (an out-of-order segment therefore
 *    appears after the segment that filled the hole before it, with its own
 *    N, as in the original); bytes that waited for another reason (the start
 *    of a direction picked up mid-stream was not sure yet, a hole was
 *    declared missing, the capture ended) are listed where their packet
 *    arrived, after the side's earlier bytes;
 *  - a RST is always listed, without its payload (which is not delivered);
 *  - the first SYN is listed, a retransmitted SYN is not; a SYN-ACK is listed
 *    until the client has answered it;
 *  - any other packet that brings no new byte (pure ACK, FIN, retransmission)
 *    is listed with "" when it ends exactly at the next byte its receiver
 *    expects (the original's rcv_nxt: bytes delivered so far, or further when
 *    the receiver acknowledged more in a listed packet) and its TCP header,
 *    sequence number and checksum aside, differs from the previous listed
 *    packet of the same side (the original's duplicate test).
 *
 * The original's bugs are not reproduced: sessions need no handshake, no
 * segment is dropped for its size or the receive window, queued segments are
 * never lost, RST payload is not data, directions are told apart by address
 * AND port, IPv6 works. See README.md for the list.
 *
 * N needs every packet of the 4-tuple, including those the engine hands to no
 * session (late packets, bad checksums), and the duplicate test needs the TCP
 * header already when the packet's bytes are delivered (before the packet
 * callback): the engine's segment callback gives both, for every TCP
 * segment, before a session processes it. The frame callback marks which
 * frame is being processed (0 after the last one).
 */
#include "format.h"
#include "formats.h"

#include "util/atomic_file.h"
#include "util/out_dir.h"
#include "legacy_json.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#define HDR_MAX 60

/* A 4-tuple, endpoints in a canonical order, and its counters. */
typedef struct {
    uint8_t family;
    uint8_t addr[2][16];
    uint16_t port[2];
} tuple_key;

typedef struct {
    tuple_key key;
    uint64_t packets;  /* packets of the tuple so far (N of the latest) */
    unsigned sessions; /* sessions seen on the tuple (k of the next) */
} tuple_count;

/* A TCP header with sequence number and checksum zeroed. */
typedef struct {
    uint8_t len;
    uint8_t bytes[HDR_MAX];
} norm_header;

/* A packet whose bytes are not delivered yet. */
typedef struct {
    uint64_t frame;
    uint64_t n;
    norm_header hdr;
} pending_packet;

/* Per-session state, in ts_legacy_writer.states. */
typedef struct {
    GList link; /* in ts_legacy_writer.live */
    unsigned k;
    bool named;
    GArray *entries;            /* ts_legacy_entry */
    GArray *pending;            /* pending_packet, ascending frame */
    uint64_t delivered[2];      /* bytes delivered (payload positions) */
    uint64_t delivered_end[2];  /* stream offset after the last delivery or gap */
    bool confirmed[2];          /* something was delivered or declared missing */
    uint64_t delivery_frame[2]; /* frame of the latest delivery */
    norm_header prev[2];        /* header of the last listed packet */
    bool prev_set[2];
    uint32_t nxt[2]; /* next sequence number the receiver expects */
    bool nxt_set[2];
    bool syn_listed;
    bool client_answered; /* the client sent a non-SYN packet */
} legacy_session;

struct ts_legacy_writer {
    char *dir;
    char *js_dir;
    bool dir_ready;
    bool js_dir_ready;
    GHashTable *tuples; /* tuple_count* set */
    GQueue live;        /* legacy_session of sessions not done */
    /* ts_session * -> its legacy_session (not ts_session_set_user(): the
       tcpflow writer uses it with --format tcpflow --js) */
    GHashTable *states;
    /* the frame being processed (0 after the last one) */
    uint64_t cur_frame;
    bool cur_delivered[2]; /* the current frame's own bytes were delivered */
    tuple_count *cur_tuple;
    norm_header cur_hdr;
    uint64_t js_files;
    GError *error;
};

static guint
tuple_hash(gconstpointer p)
{
    const tuple_key *k = p;
    const uint8_t *b = (const uint8_t *)k;
    guint h = 2166136261u;
    for (size_t i = 0; i < sizeof *k; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

static gboolean
tuple_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, sizeof(tuple_key)) == 0;
}

ts_legacy_writer *
ts_legacy_writer_new(const char *dir, const char *js_dir)
{
    ts_legacy_writer *w = g_new0(ts_legacy_writer, 1);
    w->dir = g_strdup(dir);
    w->js_dir = g_strdup(js_dir);
    w->tuples = g_hash_table_new_full(tuple_hash, tuple_equal, g_free, NULL);
    g_queue_init(&w->live);
    w->states = g_hash_table_new(g_direct_hash, g_direct_equal);
    return w;
}

void
ts_legacy_writer_frame(ts_legacy_writer *w, const ts_frame *f, uint64_t number)
{
    w->cur_tuple = NULL;
    w->cur_delivered[0] = w->cur_delivered[1] = false;
    w->cur_frame = f != NULL ? number : 0;
}

void
ts_legacy_writer_segment(ts_legacy_writer *w, const ts_segment *seg)
{
    tuple_key key;
    memset(&key, 0, sizeof key);
    const ts_endpoint *src = &seg->src, *dst = &seg->dst;
    size_t alen = src->family == 6 ? 16 : 4;
    int c = memcmp(src->addr, dst->addr, alen);
    bool src_first = c < 0 || (c == 0 && src->port <= dst->port);
    key.family = src->family;
    memcpy(key.addr[src_first ? 0 : 1], src->addr, alen);
    memcpy(key.addr[src_first ? 1 : 0], dst->addr, alen);
    key.port[src_first ? 0 : 1] = src->port;
    key.port[src_first ? 1 : 0] = dst->port;
    tuple_count *t = g_hash_table_lookup(w->tuples, &key);
    if (t == NULL) {
        t = g_new0(tuple_count, 1);
        t->key = key;
        g_hash_table_add(w->tuples, t);
    }
    t->packets++;
    w->cur_tuple = t;
    w->cur_hdr.len = (uint8_t)MIN(seg->tcp_header_length, (uint32_t)HDR_MAX);
    memcpy(w->cur_hdr.bytes, seg->tcp_header, w->cur_hdr.len);
    memset(w->cur_hdr.bytes + 4, 0, 4);  /* sequence number */
    memset(w->cur_hdr.bytes + 16, 0, 2); /* checksum */
}

static legacy_session *
state_of(ts_legacy_writer *w, ts_session *s)
{
    legacy_session *st = g_hash_table_lookup(w->states, s);
    if (st != NULL)
        return st;
    st = g_new0(legacy_session, 1);
    st->entries = g_array_new(FALSE, FALSE, sizeof(ts_legacy_entry));
    st->pending = g_array_new(FALSE, FALSE, sizeof(pending_packet));
    st->link.data = st;
    g_queue_push_tail_link(&w->live, &st->link);
    g_hash_table_insert(w->states, s, st);
    return st;
}

static void
state_free(ts_legacy_writer *w, legacy_session *st)
{
    g_queue_unlink(&w->live, &st->link);
    g_array_unref(st->entries);
    g_array_unref(st->pending);
    g_free(st);
}

/* The tuple number and header of `frame`: the current frame's, else those
 * recorded when its bytes had to wait. */
static bool
frame_info(ts_legacy_writer *w, legacy_session *st, uint64_t frame, uint64_t *n,
           const norm_header **hdr)
{
    if (frame == w->cur_frame && w->cur_tuple != NULL) {
        *n = w->cur_tuple->packets;
        *hdr = &w->cur_hdr;
        return true;
    }
    guint lo = 0, hi = st->pending->len;
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        const pending_packet *p = &g_array_index(st->pending, pending_packet, mid);
        if (p->frame == frame) {
            *n = p->n;
            *hdr = &p->hdr;
            return true;
        }
        if (p->frame < frame)
            lo = mid + 1;
        else
            hi = mid;
    }
    *n = 0;
    *hdr = NULL;
    return false;
}

/* Appends an entry, or extends the last one when it is the same packet's. */
static void
add_entry(legacy_session *st, ts_direction from, uint64_t frame, uint64_t n, uint64_t len)
{
    if (st->entries->len > 0) {
        ts_legacy_entry *last = &g_array_index(st->entries, ts_legacy_entry, st->entries->len - 1);
        if (len > 0 && last->from == from && last->frame == frame && last->len > 0 &&
            last->pos + last->len == st->delivered[from]) {
            last->len += len;
            return;
        }
    }
    ts_legacy_entry e = {frame, n, st->delivered[from], len, from};
    g_array_append_val(st->entries, e);
}

/* Inserts the entry of bytes that waited for something other than the bytes
 * before them: where their packet arrived, but after the side's earlier
 * bytes (so each side's entries stay in stream order). */
static void
insert_entry(legacy_session *st, ts_direction from, uint64_t frame, uint64_t n, uint64_t len)
{
    guint at = st->entries->len;
    while (at > 0) {
        const ts_legacy_entry *e = &g_array_index(st->entries, ts_legacy_entry, at - 1);
        if (e->frame <= frame || (e->from == from && e->len > 0))
            break;
        at--;
    }
    if (at == st->entries->len) {
        add_entry(st, from, frame, n, len);
        return;
    }
    if (at > 0) {
        ts_legacy_entry *prev = &g_array_index(st->entries, ts_legacy_entry, at - 1);
        if (prev->from == from && prev->frame == frame && prev->len > 0 &&
            prev->pos + prev->len == st->delivered[from]) {
            prev->len += len;
            return;
        }
    }
    ts_legacy_entry e = {frame, n, st->delivered[from], len, from};
    g_array_insert_val(st->entries, at, e);
}

void
ts_legacy_writer_data(ts_legacy_writer *w, ts_session *s, const ts_delivery *d)
{
    legacy_session *st = state_of(w, s);
    uint64_t n;
    const norm_header *hdr;
    if (frame_info(w, st, d->frame, &n, &hdr)) {
        st->prev[d->from] = *hdr;
        st->prev_set[d->from] = true;
    }
    bool own = d->frame == w->cur_frame && w->cur_frame != 0;
    if (own)
        w->cur_delivered[d->from] = true;
    /* bytes released by the packet's own bytes filling a hole come in
       acceptance order; any other release, where their packet arrived */
    if (own || w->cur_delivered[d->from])
        add_entry(st, d->from, d->frame, n, d->length);
    else
        insert_entry(st, d->from, d->frame, n, d->length);
    st->delivered[d->from] += d->length;
    st->delivered_end[d->from] = d->offset + d->length;
    st->confirmed[d->from] = true;
    st->delivery_frame[d->from] = d->frame;
}

void
ts_legacy_writer_gap(ts_legacy_writer *w, ts_session *s, const ts_gap *gap)
{
    legacy_session *st = state_of(w, s);
    uint64_t end = gap->offset + gap->length;
    if (end > st->delivered_end[gap->from])
        st->delivered_end[gap->from] = end;
    st->confirmed[gap->from] = true;
}

static bool
same_header(const norm_header *a, const norm_header *b)
{
    return a->len == b->len && memcmp(a->bytes, b->bytes, a->len) == 0;
}

/* Decides whether a packet that delivered nothing is listed (with ""). */
static bool
list_empty_packet(legacy_session *st, const ts_packet *p, uint32_t data_seq, bool waits,
                  const norm_header *hdr)
{
    ts_direction d = p->from;
    uint8_t f = p->flags;
    if (f & TS_TCP_RST)
        return true;
    if ((f & (TS_TCP_SYN | TS_TCP_ACK)) == TS_TCP_SYN) {
        bool first = !st->syn_listed;
        st->syn_listed = true;
        return first;
    }
    if (f & TS_TCP_SYN)
        return !st->client_answered;
    if (waits)
        return false;
    uint32_t end = data_seq + p->length;
    if (end != st->nxt[d] || (st->prev_set[d] && same_header(&st->prev[d], hdr)))
        return false;
    /* the original moved the peer's rcv_nxt to what a listed packet acked */
    if ((f & TS_TCP_ACK) && st->nxt_set[!d] && ts_seq_after(p->ack, st->nxt[!d]))
        st->nxt[!d] = p->ack;
    return true;
}

void
ts_legacy_writer_packet(ts_legacy_writer *w, ts_session *s, const ts_packet *p)
{
    legacy_session *st = state_of(w, s);
    ts_direction d = p->from;
    if (!st->named && w->cur_tuple != NULL) {
        st->named = true;
        st->k = w->cur_tuple->sessions++;
    }
    uint64_t n = w->cur_tuple != NULL ? w->cur_tuple->packets : 0;
    uint32_t data_seq = p->seq + ((p->flags & TS_TCP_SYN) ? 1u : 0u);
    if (d == TS_FROM_CLIENT && !(p->flags & TS_TCP_SYN))
        st->client_answered = true;

    /* next expected sequence number of this side: what was delivered */
    if (st->confirmed[d]) {
        uint32_t next = data_seq + (uint32_t)((int64_t)st->delivered_end[d] - p->offset);
        if (!st->nxt_set[d] || ts_seq_after(next, st->nxt[d]))
            st->nxt[d] = next;
        st->nxt_set[d] = true;
    }
    if (!st->nxt_set[d]) {
        st->nxt[d] = data_seq;
        st->nxt_set[d] = true;
    }

    bool rst = p->flags & TS_TCP_RST;
    bool delivered_now = st->delivery_frame[d] == p->frame && p->frame != 0;
    bool waits =
        !rst && p->length > 0 && p->offset + (int64_t)p->length > (int64_t)st->delivered_end[d];
    if (waits &&
        (st->pending->len == 0 ||
         g_array_index(st->pending, pending_packet, st->pending->len - 1).frame != p->frame)) {
        pending_packet pp = {p->frame, n, w->cur_hdr};
        g_array_append_val(st->pending, pp);
    }
    if (delivered_now) {
        if ((p->flags & (TS_TCP_SYN | TS_TCP_ACK)) == TS_TCP_SYN)
            st->syn_listed = true;
        return;
    }
    if (list_empty_packet(st, p, data_seq, waits, &w->cur_hdr)) {
        add_entry(st, d, p->frame, n, 0);
        st->prev[d] = w->cur_hdr;
        st->prev_set[d] = true;
    }
}

char *
ts_legacy_file_name(const ts_endpoint *client, const ts_endpoint *server, unsigned k)
{
    char a[TS_ADDRSTRLEN], b[TS_ADDRSTRLEN];
    g_autofree char *name = g_strdup_printf("%s_%u-%s_%u-6-%u.json", ts_endpoint_address(client, a),
                                            (unsigned)client->port, ts_endpoint_address(server, b),
                                            (unsigned)server->port, k);
    return ts_path_component(name);
}

static bool
ensure_dir(ts_legacy_writer *w, const char *dir, bool *ready)
{
    if (*ready)
        return true;
    if (!ts_out_mkdir(dir, w->error == NULL ? &w->error : NULL))
        return false;
    *ready = true;
    return true;
}

static void
write_js(ts_legacy_writer *w, const char *json_name, GString *text[2])
{
    g_autoptr(GString) js = g_string_new(NULL);
    if (!ts_js_extract(text[0], text[1], js) || !ensure_dir(w, w->js_dir, &w->js_dir_ready))
        return;
    g_autofree char *stem = g_strndup(json_name, strlen(json_name) - strlen(".json"));
    g_autofree char *name = g_strconcat(stem, ".js", NULL);
    g_autofree char *path = g_build_filename(w->js_dir, name, NULL);
    g_autoptr(GError) error = NULL;
    if (!ts_atomic_write(path, js->str, js->len, &error)) {
        if (w->error == NULL)
            w->error = g_steal_pointer(&error);
        return;
    }
    w->js_files++;
}

void
ts_legacy_writer_done(ts_legacy_writer *w, ts_session *s)
{
    legacy_session *st = g_hash_table_lookup(w->states, s);
    if (st == NULL)
        return;
    g_hash_table_remove(w->states, s);
    if (!st->named || w->error != NULL) {
        state_free(w, st);
        return;
    }
    const ts_legacy_entry *entries = (const ts_legacy_entry *)(void *)st->entries->data;
    g_autofree char *name = ts_legacy_file_name(ts_session_client(s), ts_session_server(s), st->k);
    GString *text[2] = {NULL, NULL};
    if (w->js_dir != NULL) {
        text[0] = g_string_new(NULL);
        text[1] = g_string_new(NULL);
    }
    bool ok = true;
    if (w->dir != NULL) {
        /* the JSON file (its writer decodes the texts on the way) */
        g_autoptr(GError) error = NULL;
        g_autofree char *path = g_build_filename(w->dir, name, NULL);
        ok = ensure_dir(w, w->dir, &w->dir_ready) &&
             ts_legacy_write_file(path, s, entries, st->entries->len,
                                  w->js_dir != NULL ? text : NULL, &error);
        if (error != NULL && w->error == NULL)
            w->error = g_steal_pointer(&error);
    } else if (w->js_dir != NULL) {
        ts_legacy_decode_texts(s, entries, st->entries->len, text);
    }
    if (ok && w->js_dir != NULL)
        write_js(w, name, text);
    if (text[0] != NULL) {
        g_string_free(text[0], TRUE);
        g_string_free(text[1], TRUE);
    }
    state_free(w, st);
}

bool
ts_legacy_writer_finish(ts_legacy_writer *w, bool create_dirs, GError **error)
{
    if (create_dirs) {
        if (w->dir != NULL)
            ensure_dir(w, w->dir, &w->dir_ready);
        if (w->js_dir != NULL)
            ensure_dir(w, w->js_dir, &w->js_dir_ready);
    }
    if (w->error != NULL) {
        g_propagate_error(error, g_steal_pointer(&w->error));
        return false;
    }
    return true;
}

uint64_t
ts_legacy_writer_js_files(const ts_legacy_writer *w)
{
    return w->js_files;
}

void
ts_legacy_writer_free(ts_legacy_writer *w)
{
    if (w == NULL)
        return;
    while (w->live.head != NULL)
        state_free(w, w->live.head->data);
    g_hash_table_destroy(w->states);
    g_hash_table_unref(w->tuples);
    g_clear_error(&w->error);
    g_free(w->dir);
    g_free(w->js_dir);
    g_free(w);
}

/* ---- the format table entries ------------------------------------------ */

static void *
json_open(const ts_format_args *args, GError **error)
{
    (void)error;
    return ts_legacy_writer_new(args->dir, args->js_dir);
}

/* --js beside another format: no JSON files, only the .js ones. */
static void *
js_open(const ts_format_args *args, GError **error)
{
    (void)error;
    return ts_legacy_writer_new(NULL, args->js_dir);
}

static void
legacy_data(void *w, ts_session *s, const ts_delivery *d)
{
    ts_legacy_writer_data(w, s, d);
}

static void
legacy_gap(void *w, ts_session *s, const ts_gap *gap)
{
    ts_legacy_writer_gap(w, s, gap);
}

static void
legacy_packet(void *w, ts_session *s, const ts_packet *p)
{
    ts_legacy_writer_packet(w, s, p);
}

static void
legacy_session_done(void *w, ts_session *s)
{
    ts_legacy_writer_done(w, s);
}

static void
legacy_frame(void *w, const ts_frame *f, uint64_t number)
{
    ts_legacy_writer_frame(w, f, number);
}

static void
legacy_segment(void *w, const ts_segment *seg)
{
    ts_legacy_writer_segment(w, seg);
}

static bool
legacy_finish(void *w, bool create_empty, GError **error)
{
    return ts_legacy_writer_finish(w, create_empty, error);
}

static void
legacy_free(void *w)
{
    ts_legacy_writer_free(w);
}

#define LEGACY_NEEDS                                                                               \
    (TS_FORMAT_NEEDS_PAYLOAD | TS_FORMAT_NEEDS_DATA | TS_FORMAT_NEEDS_GAPS |                       \
     TS_FORMAT_NEEDS_PACKETS | TS_FORMAT_NEEDS_FRAMES)

const ts_format ts_format_json = {
    .name = "json",
    .summary = "the original tcpsession's files, one per session:\n"
               "{sip}_{sport}-{dip}_{dport}-6-{k}.json (same keys, lists and md5s;\n"
               "our \"stream\", \"gaps\" and \"anomalies\" follow)",
    .mention = "json (the original tcpsession's files)",
    .needs = LEGACY_NEEDS,
    .writes_js = true,
    .open = json_open,
    .data = legacy_data,
    .gap = legacy_gap,
    .packet = legacy_packet,
    .session_done = legacy_session_done,
    .frame = legacy_frame,
    .segment = legacy_segment,
    .finish = legacy_finish,
    .free = legacy_free,
};

const ts_format ts_format_js = {
    .name = "js",
    .summary = "the original tcpsession's JavaScript extraction only (--js)",
    .needs = LEGACY_NEEDS,
    .writes_js = true,
    .open = js_open,
    .data = legacy_data,
    .gap = legacy_gap,
    .packet = legacy_packet,
    .session_done = legacy_session_done,
    .frame = legacy_frame,
    .segment = legacy_segment,
    .finish = legacy_finish,
    .free = legacy_free,
};

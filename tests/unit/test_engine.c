/*
 * test_engine.c — the whole engine through its public API (tcpsession.h).
 *
 * Each test builds a capture with harness/pktbuild (a pcap in a fresh g_mkdtemp
 * directory, or frames handed to ts_engine_feed), runs the engine with
 * keep_payload, and copies every finished session into a `rec` that the test
 * compares EXACTLY with the contract: bytes, stream numbers, roles, close
 * reasons, and chunks / gaps / anomalies rendered as compact text:
 *
 *   chunks    "C0+5@4 S0+3@6"            from, offset+length @frame
 *   gaps      "C5+5 S0+2"                from, offset+length
 *   anomalies "overlap_conflict C2+2@7"  type from offset+length @frame
 *
 * Frame numbers count from 1 in file order (comments "fN" name them).
 * pb_conn stamps a conversation's packets 1 ms apart from 1700000000 s.
 * "Standard" conversations are 10.0.0.1:40000 -> 10.0.0.2:80 with ISNs
 * CISN/SISN; offsets in comments are relative (0 = byte after the SYN).
 *
 * Every session also passes invariant checks when it is recorded: chunk
 * lengths add up to the delivered bytes, chunk offsets of a direction follow
 * each other, gap lengths add up to ts_session_missing_bytes().
 */
#include "pktbuild.h"
#include "tcpsession.h"

#include <check.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum { CL = 0, SV = 1 };
#define CISN 1000u
#define SISN 5000u
#define MS 1000000LL
#define T0 (1700000000LL * 1000000000LL)

/* ---- recording sessions ---------------------------------------------- */

typedef struct {
    uint64_t stream, first_frame, packets, dropped;
    char client[64], server[64];
    bool midstream;
    ts_close_reason reason;
    int64_t start_ns, end_ns;
    GByteArray *data[2];
    bool no_payload; /* ts_session_payload returned NULL */
    uint64_t bytes[2], missing[2];
    GArray *chunks, *anoms; /* ts_chunk, ts_anomaly */
    GString *chunk_txt, *gap_txt, *anom_txt;
    char tag_txt[32]; /* ts_session_vlan_tag of both: "C8100:100 S-" */
} rec;

typedef struct {
    GPtrArray *recs; /* rec*, sorted by stream after the run */
    ts_stats stats;
    int opened;
    GString *events; /* callback log (feed tests), NULL otherwise */
    gint64 elapsed_us;
} run;

static char
dirc(ts_direction d)
{
    return d == TS_FROM_CLIENT ? 'C' : 'S';
}

static void
ep_text(const ts_endpoint *ep, char *out, size_t n)
{
    char a[TS_ADDRSTRLEN];
    ts_endpoint_address(ep, a);
    if (ep->family == 6)
        g_snprintf(out, n, "[%s]:%u", a, ep->port);
    else
        g_snprintf(out, n, "%s:%u", a, ep->port);
}

static void
rec_free(gpointer p)
{
    rec *x = p;
    for (int d = 0; d < 2; d++)
        g_byte_array_free(x->data[d], TRUE);
    g_array_free(x->chunks, TRUE);
    g_array_free(x->anoms, TRUE);
    g_string_free(x->chunk_txt, TRUE);
    g_string_free(x->gap_txt, TRUE);
    g_string_free(x->anom_txt, TRUE);
    g_free(x);
}

/* Checks the invariants every session must satisfy. */
static void
rec_check(const rec *x, const ts_gap *gaps, size_t ngaps)
{
    uint64_t next[2] = {0, 0}, missing[2] = {0, 0};
    for (guint i = 0; i < x->chunks->len; i++) {
        const ts_chunk *c = &g_array_index(x->chunks, ts_chunk, i);
        ck_assert_msg(c->offset == next[c->from] && c->length > 0,
                      "stream %" PRIu64 ": chunk %u is %c%" PRIu64 "+%" PRIu64, x->stream, i,
                      dirc(c->from), c->offset, c->length);
        next[c->from] += c->length;
    }
    for (size_t i = 0; i < ngaps; i++)
        missing[gaps[i].from] += gaps[i].length;
    for (int d = 0; d < 2; d++) {
        if (!x->no_payload) {
            ck_assert_uint_eq(next[d], x->data[d]->len);
            ck_assert_uint_eq(x->bytes[d], x->data[d]->len);
        }
        ck_assert_uint_eq(missing[d], x->missing[d]);
    }
}

static void
on_done(void *user, ts_session *s)
{
    run *r = user;
    rec *x = g_new0(rec, 1);
    x->stream = ts_session_stream(s);
    x->first_frame = ts_session_first_frame(s);
    x->packets = ts_session_packets(s);
    x->midstream = ts_session_midstream(s);
    x->reason = ts_session_close_reason(s);
    x->start_ns = ts_session_start_ns(s);
    x->end_ns = ts_session_end_ns(s);
    x->dropped = ts_session_anomalies_dropped(s);
    ep_text(ts_session_client(s), x->client, sizeof x->client);
    ep_text(ts_session_server(s), x->server, sizeof x->server);
    for (int d = 0; d < 2; d++) {
        size_t len = 0;
        const uint8_t *p = ts_session_payload(s, (ts_direction)d, &len);
        x->no_payload |= p == NULL;
        x->data[d] = g_byte_array_new();
        if (p != NULL)
            g_byte_array_append(x->data[d], p, (guint)len);
        x->bytes[d] = ts_session_bytes(s, (ts_direction)d);
        x->missing[d] = ts_session_missing_bytes(s, (ts_direction)d);
    }
    size_t n;
    const ts_chunk *ch = ts_session_chunks(s, &n);
    x->chunks = g_array_new(FALSE, FALSE, sizeof(ts_chunk));
    x->chunk_txt = g_string_new(NULL);
    for (size_t i = 0; i < n; i++) {
        g_array_append_val(x->chunks, ch[i]);
        g_string_append_printf(x->chunk_txt, "%s%c%" PRIu64 "+%" PRIu64 "@%" PRIu64, i ? " " : "",
                               dirc(ch[i].from), ch[i].offset, ch[i].length, ch[i].frame);
    }
    char *tp = x->tag_txt;
    for (int d = 0; d < 2; d++) {
        uint16_t tpid, tci;
        size_t room = sizeof x->tag_txt - (size_t)(tp - x->tag_txt);
        if (ts_session_vlan_tag(s, (ts_direction)d, &tpid, &tci))
            tp += g_snprintf(tp, room, "%s%c%04x:%u", d ? " " : "", dirc(d), tpid, tci);
        else
            tp += g_snprintf(tp, room, "%s%c-", d ? " " : "", dirc(d));
    }
    const ts_gap *g = ts_session_gaps(s, &n);
    x->gap_txt = g_string_new(NULL);
    for (size_t i = 0; i < n; i++)
        g_string_append_printf(x->gap_txt, "%s%c%" PRIu64 "+%" PRIu64, i ? " " : "",
                               dirc(g[i].from), g[i].offset, g[i].length);
    rec_check(x, g, n);
    const ts_anomaly *a = ts_session_anomalies(s, &n);
    x->anoms = g_array_new(FALSE, FALSE, sizeof(ts_anomaly));
    x->anom_txt = g_string_new(NULL);
    for (size_t i = 0; i < n; i++) {
        g_array_append_val(x->anoms, a[i]);
        g_string_append_printf(x->anom_txt, "%s%s %c%" PRIu64 "+%" PRIu64 "@%" PRIu64,
                               i ? ", " : "", ts_anomaly_type_name(a[i].type), dirc(a[i].from),
                               a[i].offset, a[i].length, a[i].frame);
    }
    if (r->events != NULL)
        g_string_append_printf(r->events, "E%" PRIu64 " ", x->stream);
    g_ptr_array_add(r->recs, x);
}

static void
on_open(void *user, ts_session *s)
{
    run *r = user;
    r->opened++;
    if (r->events != NULL)
        g_string_append_printf(r->events, "O%" PRIu64 " ", ts_session_stream(s));
}

static void
on_data(void *user, ts_session *s, const ts_delivery *d)
{
    (void)s;
    run *r = user;
    g_string_append_printf(r->events, "D%c%" PRIu64 "+%zu@%" PRIu64 " ", dirc(d->from), d->offset,
                           d->length, d->frame);
}

static void
on_gap(void *user, ts_session *s, const ts_gap *g)
{
    (void)s;
    run *r = user;
    g_string_append_printf(r->events, "G%c%" PRIu64 "+%" PRIu64 " ", dirc(g->from), g->offset,
                           g->length);
}

static int
rec_cmp(gconstpointer a, gconstpointer b)
{
    const rec *x = *(rec *const *)a, *y = *(rec *const *)b;
    return x->stream < y->stream ? -1 : x->stream > y->stream;
}

static void
opts_keep(ts_options *o)
{
    ts_options_init(o);
    o->keep_payload = true;
}

static run *
run_new(bool events)
{
    run *r = g_new0(run, 1);
    r->recs = g_ptr_array_new_with_free_func(rec_free);
    r->events = events ? g_string_new(NULL) : NULL;
    return r;
}

static ts_engine *
engine_for(run *r, const ts_options *o)
{
    ts_options def;
    if (o == NULL) {
        opts_keep(&def);
        o = &def;
    }
    ts_callbacks cb = {.session_open = on_open, .session_done = on_done};
    if (r->events != NULL) {
        cb.data = on_data;
        cb.gap = on_gap;
    }
    return ts_engine_new(o, &cb, r);
}

static void
run_end(run *r, ts_engine *e)
{
    r->stats = *ts_engine_stats(e);
    ts_engine_free(e);
    g_ptr_array_sort(r->recs, rec_cmp);
}

static void
run_free(run *r)
{
    g_ptr_array_free(r->recs, TRUE);
    if (r->events != NULL)
        g_string_free(r->events, TRUE);
    g_free(r);
}

/* Session of stream `i` (streams are 0..n-1, so index i holds stream i). */
static const rec *
R(const run *r, guint i)
{
    ck_assert_uint_lt(i, r->recs->len);
    const rec *x = g_ptr_array_index(r->recs, i);
    ck_assert_uint_eq(x->stream, i);
    return x;
}

static void
check_bytes(const rec *x, int d, const void *want, size_t n, int line)
{
    const GByteArray *b = x->data[d];
    ck_assert_msg(b->len == n && memcmp(b->data, want, n) == 0,
                  "line %d, stream %" PRIu64 " %c: got %u bytes \"%.*s\", want %zu \"%.*s\"", line,
                  x->stream, dirc((ts_direction)d), b->len, (int)MIN(b->len, 200), b->data, n,
                  (int)MIN(n, 200), (const char *)want);
}
#define CK_DATA(x, d, lit) check_bytes((x), (d), (lit), sizeof(lit) - 1, __LINE__)

/* ---- building captures ------------------------------------------------ */

typedef struct {
    char *dir, *path;
    pb_writer *w;
    int linktype;
    GPtrArray *conns; /* pb_conn*, freed with the capture */
} cap;

static cap *
cap_new_snap(int linktype, uint32_t snaplen)
{
    cap *c = g_new0(cap, 1);
    c->dir = g_build_filename(g_get_tmp_dir(), "test_engine.XXXXXX", NULL);
    ck_assert_ptr_nonnull(g_mkdtemp(c->dir));
    c->path = g_build_filename(c->dir, "t.pcap", NULL);
    c->w = pb_pcap_open(c->path, linktype, false, snaplen);
    c->linktype = linktype;
    c->conns = g_ptr_array_new_with_free_func((GDestroyNotify)pb_conn_free);
    return c;
}

static cap *
cap_new(int linktype)
{
    return cap_new_snap(linktype, 0);
}

/* A conversation a:ap -> b:bp; its clock starts where the latest one is. */
static pb_conn *
cap_conn(cap *c, int family, const char *a, uint16_t ap, const char *b, uint16_t bp, uint32_t isn_a,
         uint32_t isn_b)
{
    pb_conn *k = pb_conn_new(c->w, c->linktype, family, a, ap, b, bp, isn_a, isn_b);
    for (guint i = 0; i < c->conns->len; i++)
        if (pb_conn_time(c->conns->pdata[i]) > pb_conn_time(k))
            pb_conn_set_time(k, pb_conn_time(c->conns->pdata[i]));
    g_ptr_array_add(c->conns, k);
    return k;
}

static pb_conn *
cap_std(cap *c)
{
    return cap_conn(c, 4, "10.0.0.1", 40000, "10.0.0.2", 80, CISN, SISN);
}

/* Closes the capture, runs the engine on it, deletes it. */
/* Removes the (closed) capture file, unless TS_KEEP_CAPTURE is set, and
 * frees `c`. */
static void
cap_free(cap *c)
{
    if (g_getenv("TS_KEEP_CAPTURE") == NULL) {
        g_unlink(c->path);
        g_rmdir(c->dir);
    } else {
        fprintf(stderr, "kept %s\n", c->path);
    }
    g_ptr_array_free(c->conns, TRUE);
    g_free(c->path);
    g_free(c->dir);
    g_free(c);
}

static run *
cap_run(cap *c, const ts_options *o)
{
    pb_pcap_close(c->w);
    run *r = run_new(false);
    ts_engine *e = engine_for(r, o);
    GError *err = NULL;
    gint64 t = g_get_monotonic_time();
    bool ok = ts_engine_run_file(e, c->path, &err);
    r->elapsed_us = g_get_monotonic_time() - t;
    ck_assert_msg(ok, "ts_engine_run_file: %s", err ? err->message : "?");
    run_end(r, e);
    cap_free(c);
    return r;
}

/* Frames kept in memory, for ts_engine_feed. */
typedef struct {
    GPtrArray *frames; /* GByteArray*, the first 8 bytes hold the timestamp */
} mem;

static void
mem_sink(void *user, int64_t ts_ns, const uint8_t *frame, uint32_t len)
{
    mem *m = user;
    GByteArray *b = g_byte_array_sized_new(len + 8);
    g_byte_array_append(b, (const uint8_t *)&ts_ns, 8);
    g_byte_array_append(b, frame, len);
    g_ptr_array_add(m->frames, b);
}

static void
mem_free_frame(gpointer p)
{
    g_byte_array_free(p, TRUE);
}

static void
feed_frame(ts_engine *e, int linktype, const GByteArray *b)
{
    int64_t ts;
    memcpy(&ts, b->data, 8);
    ts_frame f = {linktype, ts, b->len - 8, b->len - 8, b->data + 8};
    ts_engine_feed(e, &f);
}

/* ---- sending ------------------------------------------------------------ */

static void
send_s(pb_conn *k, int from, const char *s)
{
    pb_conn_send(k, from, s, strlen(s));
}

static void
at_s(pb_conn *k, int from, uint32_t rel, const char *s)
{
    pb_conn_send_at(k, from, rel, s, strlen(s), 0);
}

/* Moves side `from` of a standard conversation to relative offset `rel`. */
static void
next_at(pb_conn *k, int from, uint32_t rel)
{
    pb_conn_set_next_seq(k, from, (from == CL ? CISN : SISN) + 1 + rel);
}

/* A segment from `from` at absolute `seq` with `flags` (0: PSH|ACK; a SYN
 * without ACK acks 0) carrying text `s` (or nothing), acknowledging the
 * peer's next seq. Tweak it, then pb_conn_write() it. */
static pb_tcp
seg_at(pb_conn *k, int from, uint32_t seq, uint8_t flags, const char *s)
{
    pb_tcp seg;
    pb_conn_template(k, from, &seg);
    seg.seq = seq;
    seg.flags = flags ? flags : TS_TCP_PSH | TS_TCP_ACK;
    if ((flags & (TS_TCP_SYN | TS_TCP_ACK)) == TS_TCP_SYN)
        seg.ack = 0;
    seg.payload = s;
    seg.len = s != NULL ? strlen(s) : 0;
    return seg;
}

/* Emits seg_at(); the conversation's sequence numbers do not change. */
static void
put(pb_conn *k, int from, uint32_t seq, uint8_t flags, const char *s)
{
    pb_tcp seg = seg_at(k, from, seq, flags, s);
    pb_conn_write(k, &seg);
}

/* One handshake packet: 0 SYN, 1 SYN-ACK, 2 ACK (before any data). */
static void
hs(pb_conn *k, int step)
{
    static const uint8_t flags[3] = {TS_TCP_SYN, TS_TCP_SYN | TS_TCP_ACK, TS_TCP_ACK};
    int from = step == 1 ? SV : CL;
    put(k, from, pb_conn_next_seq(k, from) - (step < 2), flags[step], NULL);
}

/* Emits `flags` (0 stays 0) and `s` from side `from` at its next seq (SYN:
 * at the ISN), with VLAN tags, and advances its seq past data and FIN. */
static void
vsend(pb_conn *k, int from, uint8_t flags, const char *s, int vlan, bool qinq)
{
    pb_tcp seg = seg_at(k, from, pb_conn_next_seq(k, from) - ((flags & TS_TCP_SYN) != 0), flags, s);
    seg.flags = flags;
    seg.vlan_tags = vlan;
    seg.vlan_qinq = qinq;
    pb_conn_write(k, &seg);
    uint32_t adv = (uint32_t)seg.len + ((flags & TS_TCP_FIN) ? 1 : 0);
    pb_conn_set_next_seq(k, from, pb_conn_next_seq(k, from) + adv);
}

static void
close_both(pb_conn *k)
{
    pb_conn_fin(k, CL);
    pb_conn_fin(k, SV);
    pb_conn_ack(k, CL);
}

/* ======================================================================== */
/* basic: one clean session, frame numbers, endpoints, close reasons        */
/* ======================================================================== */

START_TEST(clean_session)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k = cap_std(c);
    pb_conn_handshake(k);                    /* f1-3 */
    send_s(k, CL, "GET / HTTP/1.1\r\n\r\n"); /* f4 */
    send_s(k, SV, "HTTP/1.1 200 OK\r\n");    /* f5 */
    send_s(k, SV, "\r\nhi");                 /* f6 */
    close_both(k);                           /* f7-9 */
    run *r = cap_run(c, NULL);
    ck_assert_uint_eq(r->recs->len, 1);
    const rec *x = R(r, 0);
    ck_assert_str_eq(x->client, "10.0.0.1:40000");
    ck_assert_str_eq(x->server, "10.0.0.2:80");
    ck_assert(!x->midstream);
    ck_assert_int_eq(x->reason, TS_CLOSE_FIN);
    ck_assert_uint_eq(x->first_frame, 1);
    ck_assert_uint_eq(x->packets, 9);
    ck_assert_int_eq(x->start_ns, T0);
    ck_assert_int_eq(x->end_ns, T0 + 8 * MS);
    CK_DATA(x, CL, "GET / HTTP/1.1\r\n\r\n");
    CK_DATA(x, SV, "HTTP/1.1 200 OK\r\n\r\nhi");
    ck_assert_str_eq(x->chunk_txt->str, "C0+18@4 S0+21@5");
    ck_assert_int_eq(g_array_index(x->chunks, ts_chunk, 0).ts_ns, T0 + 3 * MS);
    ck_assert_int_eq(g_array_index(x->chunks, ts_chunk, 1).ts_ns, T0 + 4 * MS);
    ck_assert_str_eq(x->gap_txt->str, "");
    ck_assert_str_eq(x->anom_txt->str, "");
    ck_assert_uint_eq(r->stats.frames, 9);
    ck_assert_uint_eq(r->stats.tcp_segments, 9);
    ck_assert_uint_eq(r->stats.sessions, 1);
    ck_assert_int_eq(r->opened, 1);
    run_free(r);
}
END_TEST

START_TEST(close_reasons_and_unclosed_data)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *a = cap_std(c);
    pb_conn_handshake(a);
    send_s(a, CL, "never");
    send_s(a, SV, "closed");
    pb_conn *b = cap_conn(c, 4, "10.0.0.1", 40001, "10.0.0.2", 80, 7, 9);
    pb_conn_handshake(b);
    send_s(b, CL, "reset");
    pb_conn_rst(b, SV);
    pb_conn *f = cap_conn(c, 4, "10.0.0.1", 40002, "10.0.0.2", 80, 70, 90);
    pb_conn_handshake(f);
    vsend(f, CL, TS_TCP_FIN | TS_TCP_PSH | TS_TCP_ACK, "bye", 0, false); /* FIN carrying data */
    pb_conn_fin(f, SV);
    pb_conn_ack(f, CL);
    run *r = cap_run(c, NULL);
    ck_assert_uint_eq(r->recs->len, 3);
    ck_assert_int_eq(R(r, 0)->reason, TS_CLOSE_END_OF_CAPTURE);
    CK_DATA(R(r, 0), CL, "never");
    CK_DATA(R(r, 0), SV, "closed");
    ck_assert_int_eq(R(r, 1)->reason, TS_CLOSE_RST);
    CK_DATA(R(r, 1), CL, "reset");
    ck_assert_int_eq(R(r, 2)->reason, TS_CLOSE_FIN);
    CK_DATA(R(r, 2), CL, "bye");
    for (int i = 0; i < 3; i++) {
        ck_assert_str_eq(R(r, i)->anom_txt->str, "");
        ck_assert_str_eq(R(r, i)->gap_txt->str, "");
    }
    ck_assert_str_eq(ts_close_reason_name(R(r, 2)->reason), "fin");
    run_free(r);
}
END_TEST

START_TEST(frame_numbers_across_file)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *a = cap_std(c);
    pb_conn *b = cap_conn(c, 4, "10.0.0.3", 40001, "10.0.0.2", 80, 77, 99);
    uint8_t buf[256];
    hs(b, 0); /* f1: b first, so b is stream 0 */
    hs(a, 0); /* f2 */
    size_t n = pb_build_udp(TS_LINKTYPE_ETHERNET, 4, "10.0.0.1", "10.0.0.2", 53, 53, "q", 1, buf,
                            sizeof buf);
    pb_pcap_write(c->w, T0 + 2 * MS, buf, (uint32_t)n); /* f3 */
    hs(b, 1);                                           /* f4 */
    hs(a, 1);                                           /* f5 */
    n = pb_build_link(TS_LINKTYPE_ETHERNET, 0x0806, 0, buf, sizeof buf);
    memset(buf + n, 0, 28);
    pb_pcap_write(c->w, T0 + 5 * MS, buf, (uint32_t)n + 28); /* f6: ARP */
    hs(b, 2);                                                /* f7 */
    hs(a, 2);                                                /* f8 */
    send_s(a, CL, "aaa");                                    /* f9 */
    send_s(b, CL, "bbbb");                                   /* f10 */
    send_s(b, SV, "B");                                      /* f11 */
    run *r = cap_run(c, NULL);
    ck_assert_uint_eq(r->recs->len, 2);
    ck_assert_str_eq(R(r, 0)->client, "10.0.0.3:40001");
    ck_assert_uint_eq(R(r, 0)->first_frame, 1);
    ck_assert_str_eq(R(r, 0)->chunk_txt->str, "C0+4@10 S0+1@11");
    ck_assert_str_eq(R(r, 1)->client, "10.0.0.1:40000");
    ck_assert_uint_eq(R(r, 1)->first_frame, 2);
    ck_assert_str_eq(R(r, 1)->chunk_txt->str, "C0+3@9");
    ck_assert_uint_eq(r->stats.frames, 11);
    ck_assert_uint_eq(r->stats.not_tcp, 1);
    ck_assert_uint_eq(r->stats.not_ip, 1);
    ck_assert_uint_eq(r->stats.tcp_segments, 9);
    ck_assert_uint_eq(r->stats.sessions, 2);
    run_free(r);
}
END_TEST

START_TEST(ethernet_trailer_is_not_payload)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k = cap_std(c);
    pb_conn_handshake(k);
    pb_tcp seg = seg_at(k, CL, CISN + 1, 0, "ab");
    seg.eth_trailer = 12;
    pb_conn_write(k, &seg);
    seg = seg_at(k, SV, SISN + 1, 0, "xyz");
    seg.eth_trailer = 12;
    pb_conn_write(k, &seg);
    at_s(k, CL, 2, "cd");
    run *r = cap_run(c, NULL);
    CK_DATA(R(r, 0), CL, "abcd");
    CK_DATA(R(r, 0), SV, "xyz");
    ck_assert_str_eq(R(r, 0)->anom_txt->str, "");
    run_free(r);
}
END_TEST

START_TEST(same_host_connection)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k = cap_conn(c, 4, "127.0.0.1", 40000, "127.0.0.1", 80, CISN, SISN);
    pb_conn_handshake(k);
    send_s(k, CL, "ping");
    send_s(k, SV, "pong");
    send_s(k, CL, "!");
    close_both(k);
    run *r = cap_run(c, NULL);
    ck_assert_uint_eq(r->recs->len, 1);
    const rec *x = R(r, 0);
    ck_assert_str_eq(x->client, "127.0.0.1:40000");
    ck_assert_str_eq(x->server, "127.0.0.1:80");
    CK_DATA(x, CL, "ping!");
    CK_DATA(x, SV, "pong");
    ck_assert_str_eq(x->chunk_txt->str, "C0+4@4 S0+4@5 C4+1@6");
    ck_assert_int_eq(x->reason, TS_CLOSE_FIN);
    run_free(r);
}
END_TEST

/* Segments larger than the MSS, beyond the advertised window, with a stale
 * acknowledgement: nothing is dropped for window/MSS/ACK reasons. */
START_TEST(no_window_mss_or_ack_checks)
{
    static const uint8_t mss536[4] = {2, 4, 0x02, 0x18};
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k = cap_std(c);
    pb_tcp seg = seg_at(k, CL, CISN, TS_TCP_SYN, NULL);
    seg.tcp_options = mss536;
    seg.tcp_options_len = 4;
    pb_conn_write(k, &seg);
    seg = seg_at(k, SV, SISN, TS_TCP_SYN | TS_TCP_ACK, NULL);
    seg.window = 8; /* tiny window */
    seg.tcp_options = mss536;
    seg.tcp_options_len = 4;
    pb_conn_write(k, &seg);
    hs(k, 2);
    uint8_t big[4000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 31 + 7);
    pb_conn_send(k, CL, big, sizeof big);            /* f4: 4000 > MSS 536 and > window 8 */
    send_s(k, SV, "ok");                             /* f5 */
    seg = seg_at(k, CL, CISN + 1 + 4000, 0, "tail"); /* f6: stale ACK (the server's ISN+1) */
    seg.ack = SISN + 1;
    pb_conn_write(k, &seg);
    run *r = cap_run(c, NULL);
    const rec *x = R(r, 0);
    ck_assert_uint_eq(x->data[CL]->len, 4004);
    ck_assert_mem_eq(x->data[CL]->data, big, sizeof big);
    ck_assert_mem_eq(x->data[CL]->data + 4000, "tail", 4);
    CK_DATA(x, SV, "ok");
    ck_assert_str_eq(x->chunk_txt->str, "C0+4000@4 S0+2@5 C4000+4@6");
    ck_assert_str_eq(x->gap_txt->str, "");
    ck_assert_str_eq(x->anom_txt->str, "");
    run_free(r);
}
END_TEST

/* ======================================================================== */
/* roles: client/server, midstream, stream offsets without a handshake      */
/* ======================================================================== */

START_TEST(roles_synack_first)
{
    /* The SYN was missed; the SYN-ACK sender is the server even though it
     * has the higher port. */
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k = cap_conn(c, 4, "10.0.0.1", 80, "10.0.0.2", 50000, CISN, SISN);
    hs(k, 1);              /* f1 */
    hs(k, 2);              /* f2 */
    send_s(k, CL, "ping"); /* f3 */
    send_s(k, SV, "pong"); /* f4 */
    run *r = cap_run(c, NULL);
    const rec *x = R(r, 0);
    ck_assert_str_eq(x->client, "10.0.0.1:80");
    ck_assert_str_eq(x->server, "10.0.0.2:50000");
    ck_assert(x->midstream);
    CK_DATA(x, CL, "ping");
    CK_DATA(x, SV, "pong");
    ck_assert_str_eq(x->chunk_txt->str, "C0+4@3 S0+4@4");
    ck_assert_str_eq(x->anom_txt->str, "");
    run_free(r);
}
END_TEST

START_TEST(roles_by_port)
{
    /* No handshake, the server speaks first: the lower port is the server. */
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k = cap_std(c);
    send_s(k, SV, "220 ready"); /* f1 */
    send_s(k, CL, "HELO");      /* f2 */
    send_s(k, SV, "250 ok");    /* f3 */
    run *r = cap_run(c, NULL);
    const rec *x = R(r, 0);
    ck_assert_str_eq(x->client, "10.0.0.1:40000");
    ck_assert_str_eq(x->server, "10.0.0.2:80");
    ck_assert(x->midstream);
    CK_DATA(x, CL, "HELO");
    CK_DATA(x, SV, "220 ready250 ok");
    ck_assert_str_eq(x->chunk_txt->str, "S0+9@1 C0+4@2 S9+6@3");
    ck_assert_str_eq(x->anom_txt->str, "roles_inferred S0+0@1");
    ck_assert_int_eq(x->reason, TS_CLOSE_END_OF_CAPTURE);
    run_free(r);
}
END_TEST

START_TEST(roles_port_tie)
{
    /* Same port both ends: the first packet's sender is the client, whether
     * its address is the higher (stream 0) or the lower one (stream 1). */
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *a = cap_conn(c, 4, "10.0.0.9", 5000, "10.0.0.1", 5000, 100, 200);
    send_s(a, CL, "hi");
    send_s(a, SV, "yo");
    pb_conn *b = cap_conn(c, 4, "10.0.0.1", 6000, "10.0.0.9", 6000, 300, 400);
    send_s(b, CL, "hey");
    send_s(b, SV, "there");
    run *r = cap_run(c, NULL);
    ck_assert_uint_eq(r->recs->len, 2);
    ck_assert_str_eq(R(r, 0)->client, "10.0.0.9:5000");
    ck_assert_str_eq(R(r, 0)->anom_txt->str, "roles_inferred C0+0@1");
    CK_DATA(R(r, 0), CL, "hi");
    CK_DATA(R(r, 0), SV, "yo");
    ck_assert_str_eq(R(r, 1)->client, "10.0.0.1:6000");
    ck_assert_str_eq(R(r, 1)->anom_txt->str, "roles_inferred C0+0@3");
    CK_DATA(R(r, 1), CL, "hey");
    CK_DATA(R(r, 1), SV, "there");
    ck_assert(R(r, 0)->midstream && R(r, 1)->midstream);
    run_free(r);
}
END_TEST

START_TEST(midstream_offsets)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    /* stream 0: the server ACKs client offset 0, the client's first captured
     * bytes are at offset 10: the first 10 bytes are a gap. */
    pb_conn *a = cap_std(c);
    send_s(a, SV, "hello"); /* f1: acks CISN+1 */
    at_s(a, CL, 10, "xyz"); /* f2 */
    /* stream 1: while nothing confirmed offset 0, an earlier segment moves
     * it back (the server did receive those bytes). */
    pb_conn *b = cap_conn(c, 4, "10.0.0.1", 40001, "10.0.0.2", 80, CISN, SISN);
    send_s(b, SV, "hello");                 /* f3: acks CISN+1 */
    send_s(b, CL, "abc");                   /* f4 */
    put(b, CL, CISN + 1 - 5, 0, "vwxyzab"); /* f5 */
    /* stream 2: once the peer acknowledged bytes after offset 0, bytes
     * before it are not delivered. */
    pb_conn *d = cap_conn(c, 4, "10.0.0.1", 40002, "10.0.0.2", 80, CISN, SISN);
    send_s(d, SV, "hello");                 /* f6: acks CISN+1 */
    send_s(d, CL, "abc");                   /* f7 */
    pb_conn_ack(d, SV);                     /* f8: acks offset 3 */
    put(d, CL, CISN + 1 - 5, 0, "vwxyzab"); /* f9 */
    run *r = cap_run(c, NULL);
    const rec *x = R(r, 0);
    CK_DATA(x, CL, "xyz");
    CK_DATA(x, SV, "hello");
    ck_assert_str_eq(x->gap_txt->str, "C0+10");
    ck_assert_str_eq(x->chunk_txt->str, "S0+5@1 C0+3@2");
    ck_assert_str_eq(x->anom_txt->str, "roles_inferred S0+0@1");
    x = R(r, 1);
    CK_DATA(x, CL, "vwxyzabc");
    ck_assert_str_eq(x->gap_txt->str, "");
    ck_assert_str_eq(x->anom_txt->str, "roles_inferred S0+0@3");
    x = R(r, 2);
    CK_DATA(x, CL, "abc");
    ck_assert_str_eq(x->gap_txt->str, "");
    ck_assert_str_eq(x->anom_txt->str, "roles_inferred S0+0@6, data_before_start C0+5@9");
    run_free(r);
}
END_TEST

/* libnids TCP j: a handshake SYN with extra (valid) flags is an ordinary
 * handshake. */
START_TEST(syn_with_extra_flags)
{
    static const uint8_t extra[] = {TS_TCP_ECE | TS_TCP_CWR, TS_TCP_PSH, TS_TCP_URG, TS_TCP_ECE};
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    for (int i = 0; i < 4; i++) {
        pb_conn *k = cap_conn(c, 4, "10.0.0.1", (uint16_t)(40000 + i), "10.0.0.2", 80, CISN, SISN);
        vsend(k, CL, TS_TCP_SYN | extra[i], NULL, 0, false);
        vsend(k, SV, TS_TCP_SYN | TS_TCP_ACK | (extra[i] & TS_TCP_ECE), NULL, 0, false);
        vsend(k, CL, TS_TCP_ACK, NULL, 0, false);
        vsend(k, CL, TS_TCP_PSH | TS_TCP_ACK, "req", 0, false);
        vsend(k, SV, TS_TCP_PSH | TS_TCP_ACK, "resp", 0, false);
    }
    run *r = cap_run(c, NULL);
    ck_assert_uint_eq(r->recs->len, 4);
    for (int i = 0; i < 4; i++) {
        const rec *x = R(r, i);
        ck_assert(!x->midstream);
        char want[32];
        g_snprintf(want, sizeof want, "10.0.0.1:%d", 40000 + i);
        ck_assert_str_eq(x->client, want);
        CK_DATA(x, CL, "req");
        CK_DATA(x, SV, "resp");
        ck_assert_str_eq(x->anom_txt->str, "");
        ck_assert_str_eq(x->gap_txt->str, "");
    }
    run_free(r);
}
END_TEST

/* ======================================================================== */
/* flags: invalid combinations, SYN/RST data, urgent data, FIN limits       */
/* ======================================================================== */

START_TEST(invalid_flags)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    /* stream 0: SYN+FIN opens the handshake (libnids j); still processed:
     * the FIN counts, so the server's FIN closes the session. */
    pb_conn *a = cap_std(c);
    vsend(a, CL, TS_TCP_SYN | TS_TCP_FIN, NULL, 0, false); /* f1 */
    pb_conn_set_next_seq(a, CL, CISN + 1);
    vsend(a, SV, TS_TCP_SYN | TS_TCP_ACK, NULL, 0, false); /* f2 */
    vsend(a, CL, TS_TCP_ACK, NULL, 0, false);              /* f3 */
    send_s(a, SV, "banner");                               /* f4 */
    pb_conn_fin(a, SV);                                    /* f5 */
    /* stream 1: SYN+RST. */
    pb_conn *b = cap_conn(c, 4, "10.0.0.1", 40001, "10.0.0.2", 80, CISN, SISN);
    vsend(b, CL, TS_TCP_SYN | TS_TCP_RST, NULL, 0, false); /* f6 */
    /* stream 2: a data segment without any flag (still delivered). */
    pb_conn *d = cap_conn(c, 4, "10.0.0.1", 40002, "10.0.0.2", 80, CISN, SISN);
    pb_conn_handshake(d);             /* f7-9 */
    send_s(d, CL, "abc");             /* f10 */
    vsend(d, CL, 0, "def", 0, false); /* f11 */
    send_s(d, CL, "ghi");             /* f12 */
    run *r = cap_run(c, NULL);
    ck_assert_uint_eq(r->recs->len, 3);
    const rec *x = R(r, 0);
    ck_assert_str_eq(x->client, "10.0.0.1:40000");
    ck_assert(!x->midstream);
    CK_DATA(x, SV, "banner");
    ck_assert_str_eq(x->anom_txt->str, "invalid_flags C0+0@1");
    ck_assert_int_eq(x->reason, TS_CLOSE_FIN);
    x = R(r, 1);
    ck_assert_str_eq(x->client, "10.0.0.1:40001");
    ck_assert_str_eq(x->anom_txt->str, "invalid_flags C0+0@6");
    ck_assert_int_eq(x->reason, TS_CLOSE_RST);
    x = R(r, 2);
    CK_DATA(x, CL, "abcdefghi");
    ck_assert_str_eq(x->anom_txt->str, "invalid_flags C0+0@11");
    run_free(r);
}
END_TEST

START_TEST(syn_and_rst_with_data)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k = cap_std(c);
    vsend(k, CL, TS_TCP_SYN, "hello", 0, false);               /* f1 */
    vsend(k, SV, TS_TCP_SYN | TS_TCP_ACK, "hi", 0, false);     /* f2 */
    pb_conn_ack(k, CL);                                        /* f3 */
    send_s(k, CL, " world");                                   /* f4 */
    send_s(k, SV, "!");                                        /* f5 */
    put(k, SV, SISN + 1 + 3, TS_TCP_RST | TS_TCP_ACK, "junk"); /* f6 */
    run *r = cap_run(c, NULL);
    const rec *x = R(r, 0);
    ck_assert(!x->midstream);
    CK_DATA(x, CL, "hello world");
    CK_DATA(x, SV, "hi!");
    ck_assert_str_eq(x->chunk_txt->str, "C0+5@1 S0+2@2 C5+6@4 S2+1@5");
    ck_assert_str_eq(x->anom_txt->str,
                     "syn_with_data C0+5@1, syn_with_data S0+2@2, rst_with_data S3+4@6");
    ck_assert_int_eq(x->reason, TS_CLOSE_RST);
    run_free(r);
}
END_TEST

/* libnids TCP f: urgent data stays inline; the anomaly points at the last
 * urgent byte (seq + urgent pointer - 1). */
START_TEST(urgent_data)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k = cap_std(c);
    pb_conn_handshake(k);
    send_s(k, CL, "hello");                                                                 /* f4 */
    pb_tcp seg = seg_at(k, CL, CISN + 1 + 5, TS_TCP_URG | TS_TCP_PSH | TS_TCP_ACK, "abc!"); /* f5 */
    seg.urgent = 4;
    pb_conn_write(k, &seg);
    next_at(k, CL, 9);
    send_s(k, CL, "more"); /* f6 */
    run *r = cap_run(c, NULL);
    CK_DATA(R(r, 0), CL, "helloabc!more");
    ck_assert_str_eq(R(r, 0)->anom_txt->str, "urgent_data C8+1@5");
    run_free(r);
}
END_TEST

START_TEST(data_after_fin)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k = cap_std(c);
    pb_conn_handshake(k);
    send_s(k, CL, "abc");   /* f4 */
    pb_conn_fin(k, CL);     /* f5: FIN at 3 */
    at_s(k, CL, 3, "xyz");  /* f6: beyond the FIN */
    at_s(k, CL, 1, "bcde"); /* f7: "bc" old, "de" beyond */
    at_s(k, CL, 0, "abc");  /* f8: ordinary retransmission */
    pb_conn_fin(k, SV);     /* f9 */
    pb_conn_ack(k, CL);     /* f10 */
    /* stream 1: bytes buffered beyond a FIN that arrives later are dropped */
    pb_conn *b = cap_conn(c, 4, "10.0.0.1", 40001, "10.0.0.2", 80, CISN, SISN);
    pb_conn_handshake(b);     /* f11-13 */
    at_s(b, CL, 10, "later"); /* f14 */
    send_s(b, CL, "abc");     /* f15 */
    pb_conn_fin(b, CL);       /* f16: FIN at 3 */
    run *r = cap_run(c, NULL);
    const rec *x = R(r, 0);
    CK_DATA(x, CL, "abc");
    ck_assert_str_eq(x->anom_txt->str, "data_after_fin C3+3@6, data_after_fin C3+2@7");
    ck_assert_str_eq(x->gap_txt->str, "");
    ck_assert_int_eq(x->reason, TS_CLOSE_FIN);
    x = R(r, 1);
    CK_DATA(x, CL, "abc");
    ck_assert_str_eq(x->anom_txt->str, "data_after_fin C10+5@16");
    ck_assert_str_eq(x->gap_txt->str, "");
    run_free(r);
}
END_TEST

/* ======================================================================== */
/* reuse: stream numbering on one 4-tuple                                  */
/* ======================================================================== */

START_TEST(reuse_three_sessions)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k0 = cap_std(c);
    pb_conn_handshake(k0); /* f1-3 */
    send_s(k0, CL, "one"); /* f4, never closed */
    pb_conn *k1 = cap_conn(c, 4, "10.0.0.1", 40000, "10.0.0.2", 80, 2000, 6000);
    pb_conn_handshake(k1); /* f5-7 */
    send_s(k1, CL, "two"); /* f8 */
    pb_conn_rst(k1, SV);   /* f9 */
    pb_conn *k2 = cap_conn(c, 4, "10.0.0.1", 40000, "10.0.0.2", 80, 3000, 7000);
    pb_conn_handshake(k2);   /* f10-12 */
    send_s(k2, CL, "three"); /* f13 */
    send_s(k2, SV, "3");     /* f14 */
    close_both(k2);          /* f15-17 */
    run *r = cap_run(c, NULL);
    ck_assert_uint_eq(r->recs->len, 3);
    static const ts_close_reason why[3] = {TS_CLOSE_REUSED, TS_CLOSE_RST, TS_CLOSE_FIN};
    static const uint64_t first[3] = {1, 5, 10}, packets[3] = {4, 5, 8};
    static const char *const data[3] = {"one", "two", "three"};
    for (int i = 0; i < 3; i++) {
        const rec *x = R(r, i);
        ck_assert_int_eq(x->reason, why[i]);
        ck_assert_uint_eq(x->first_frame, first[i]);
        ck_assert_uint_eq(x->packets, packets[i]);
        ck_assert(!x->midstream);
        check_bytes(x, CL, data[i], strlen(data[i]), __LINE__);
        ck_assert_str_eq(x->anom_txt->str, "");
    }
    CK_DATA(R(r, 2), SV, "3");
    ck_assert_str_eq(ts_close_reason_name(R(r, 0)->reason), "reused");
    ck_assert_uint_eq(r->stats.sessions, 3);
    run_free(r);
}
END_TEST

START_TEST(syn_retransmission_same_isn)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k = cap_std(c);
    hs(k, 0);
    hs(k, 0); /* same ISN: a retransmission */
    hs(k, 1);
    hs(k, 2);
    send_s(k, CL, "data");
    put(k, CL, CISN, TS_TCP_SYN, NULL); /* a very late copy of the SYN */
    send_s(k, CL, "more");
    run *r = cap_run(c, NULL);
    ck_assert_uint_eq(r->recs->len, 1);
    CK_DATA(R(r, 0), CL, "datamore");
    ck_assert_uint_eq(R(r, 0)->packets, 7);
    ck_assert_str_eq(R(r, 0)->anom_txt->str, "");
    run_free(r);
}
END_TEST

/* libnids TCP e: a SYN with a new ISN on an established connection starts a
 * new session. */
START_TEST(syn_after_established)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k0 = cap_std(c);
    pb_conn_handshake(k0);
    send_s(k0, CL, "abc");
    send_s(k0, SV, "def");
    pb_conn *k1 = cap_conn(c, 4, "10.0.0.1", 40000, "10.0.0.2", 80, 9000, 9900);
    pb_conn_handshake(k1); /* f6-8 */
    send_s(k1, CL, "new");
    send_s(k1, SV, "data");
    run *r = cap_run(c, NULL);
    ck_assert_uint_eq(r->recs->len, 2);
    ck_assert_int_eq(R(r, 0)->reason, TS_CLOSE_REUSED);
    CK_DATA(R(r, 0), CL, "abc");
    CK_DATA(R(r, 0), SV, "def");
    ck_assert_uint_eq(R(r, 1)->first_frame, 6);
    ck_assert(!R(r, 1)->midstream);
    CK_DATA(R(r, 1), CL, "new");
    CK_DATA(R(r, 1), SV, "data");
    ck_assert_str_eq(R(r, 1)->chunk_txt->str, "C0+3@9 S0+4@10");
    run_free(r);
}
END_TEST

/* libnids TCP g: RST, then the 4-tuple reused with new sequence numbers,
 * while the reset session lingers (stream 0 -> 1) and after it was retired
 * (stream 1 -> 2); in between, two late copies for the retired stream 1. */
START_TEST(rst_then_reuse)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k0 = cap_std(c);
    pb_conn_handshake(k0);
    send_s(k0, CL, "abc");
    pb_conn_rst(k0, SV);
    pb_conn *k1 = cap_conn(c, 4, "10.0.0.1", 40000, "10.0.0.2", 80, 1111, 2222);
    pb_conn_set_time(k1, T0 + 1000 * MS); /* 1 s later */
    pb_conn_handshake(k1);
    send_s(k1, CL, "xyz");
    pb_conn_rst(k1, CL);
    /* 70 s without packets after the RST (close_linger 60 s): late copies */
    pb_conn_set_time(k1, T0 + 71000 * MS);
    at_s(k1, CL, 0, "xyz");
    at_s(k1, CL, 0, "xyz");
    pb_conn *k2 = cap_conn(c, 4, "10.0.0.1", 40000, "10.0.0.2", 80, 3333, 4444);
    pb_conn_set_time(k2, T0 + 100000 * MS);
    pb_conn_handshake(k2);
    send_s(k2, CL, "again");
    close_both(k2);
    run *r = cap_run(c, NULL);
    ck_assert_uint_eq(r->recs->len, 3);
    ck_assert_int_eq(R(r, 0)->reason, TS_CLOSE_RST);
    CK_DATA(R(r, 0), CL, "abc");
    ck_assert_int_eq(R(r, 1)->reason, TS_CLOSE_RST);
    CK_DATA(R(r, 1), CL, "xyz");
    /* the linger ran out before the late copies: they are counted, not
     * added to session 1 (which would restart its linger) */
    ck_assert_uint_eq(R(r, 1)->packets, 5);
    ck_assert(!R(r, 2)->midstream);
    ck_assert_int_eq(R(r, 2)->reason, TS_CLOSE_FIN);
    CK_DATA(R(r, 2), CL, "again");
    ck_assert_uint_eq(r->stats.late_packets, 2);
    run_free(r);
}
END_TEST

START_TEST(idle_timeout)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *a = cap_std(c);
    pb_conn_handshake(a);
    send_s(a, CL, "abc"); /* f4 at T0+3ms */
    pb_conn *b = cap_conn(c, 4, "10.0.0.3", 40000, "10.0.0.2", 80, 1, 2);
    pb_conn_set_time(b, T0 + 20000 * MS);
    pb_conn_handshake(b); /* 20 s later: a has been idle > 10 s */
    pb_conn_set_time(a, T0 + 20010 * MS);
    send_s(a, CL, "def"); /* for a finished session: a late packet */
    ts_options o;
    opts_keep(&o);
    o.idle_timeout = 10;
    run *r = cap_run(c, &o);
    ck_assert_uint_eq(r->recs->len, 2);
    /* a was finished as idle before "def" arrived */
    ck_assert_int_eq(R(r, 0)->reason, TS_CLOSE_IDLE);
    CK_DATA(R(r, 0), CL, "abc");
    ck_assert_int_eq(R(r, 1)->reason, TS_CLOSE_END_OF_CAPTURE);
    ck_assert_uint_eq(r->stats.late_packets, 1);
    run_free(r);
}
END_TEST

/* ======================================================================== */
/* reorder: out of order, retransmissions, wrap, keep-alives, 1-byte floods */
/* ======================================================================== */

START_TEST(out_of_order_and_retransmissions)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k = cap_std(c);
    pb_conn_handshake(k);
    at_s(k, CL, 6, "ghi");     /* f4 */
    at_s(k, CL, 0, "abc");     /* f5 */
    at_s(k, CL, 0, "abc");     /* f6: duplicate */
    at_s(k, CL, 6, "ghi");     /* f7: duplicate of a buffered segment */
    at_s(k, CL, 3, "def");     /* f8: fills the hole */
    at_s(k, CL, 1, "bcdefgh"); /* f9: retransmission spanning three */
    at_s(k, CL, 2, "Xdeg");    /* f10: differs at 2 and 5 only */
    next_at(k, CL, 9);
    send_s(k, SV, "ok"); /* f11 */
    close_both(k);
    run *r = cap_run(c, NULL);
    const rec *x = R(r, 0);
    CK_DATA(x, CL, "abcdefghi");
    ck_assert_str_eq(x->chunk_txt->str, "C0+9@5 S0+2@11");
    ck_assert_str_eq(x->anom_txt->str, "overlap_conflict C2+4@10");
    ck_assert_str_eq(x->gap_txt->str, "");
    run_free(r);
}
END_TEST

/* libnids TCP b and c: segments far ahead of the expected sequence number,
 * segments starting before it (partly old), and segments larger than the
 * window the receiver advertised. */
START_TEST(ahead_and_partly_outside_window)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k = cap_std(c);
    pb_conn_handshake(k);
    char far[41];
    memset(far, 'z', 40);
    far[40] = 0;
    at_s(k, CL, 1000, far); /* f4: 1000 bytes ahead */
    uint8_t fill[1000];
    for (int i = 0; i < 1000; i++)
        fill[i] = (uint8_t)('a' + i % 26);
    pb_conn_send_at(k, CL, 0, fill, 500, 0);         /* f5 */
    pb_conn_send_at(k, CL, 400, fill + 400, 600, 0); /* f6: 100 old, 500 new */
    pb_conn_send_at(k, CL, 990, fill + 990, 10, 0);  /* f7: old only */
    run *r = cap_run(c, NULL);
    const rec *x = R(r, 0);
    ck_assert_uint_eq(x->data[CL]->len, 1040);
    ck_assert_mem_eq(x->data[CL]->data, fill, 1000);
    ck_assert_mem_eq(x->data[CL]->data + 1000, far, 40);
    ck_assert_str_eq(x->chunk_txt->str, "C0+1040@5"); /* consecutive: one chunk */
    ck_assert_str_eq(x->gap_txt->str, "");
    ck_assert_str_eq(x->anom_txt->str, "");
    run_free(r);
}
END_TEST

/* Keep-alives (1 byte at next-1, or none) are ignored, even with a garbage
 * byte; zero-window probes carry real data. */
START_TEST(keepalive_and_window_probe)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k = cap_std(c);
    pb_conn_handshake(k);
    send_s(k, CL, "hello");                                 /* f4 */
    pb_tcp seg = seg_at(k, SV, SISN + 1, TS_TCP_ACK, NULL); /* f5: zero window */
    seg.window = 0;
    pb_conn_write(k, &seg);
    at_s(k, CL, 5, "x"); /* f6: window probe, new data */
    next_at(k, CL, 6);
    pb_conn_write(k, &seg);                         /* f7: still zero window */
    put(k, CL, CISN + 1 + 5, TS_TCP_ACK, NULL);     /* f8: keep-alive without data at next-1 */
    at_s(k, CL, 5, "x");                            /* f9: keep-alive, same byte */
    pb_conn_send_at(k, CL, 5, "\0", 1, TS_TCP_ACK); /* f10: keep-alive, garbage byte */
    at_s(k, CL, 5, "xyz");                          /* f11 */
    run *r = cap_run(c, NULL);
    const rec *x = R(r, 0);
    CK_DATA(x, CL, "helloxyz");
    ck_assert_str_eq(x->chunk_txt->str, "C0+8@4");
    ck_assert_str_eq(x->anom_txt->str, "");
    ck_assert_str_eq(x->gap_txt->str, "");
    run_free(r);
}
END_TEST

/* The server's data arrives before its SYN-ACK and its first segment was
 * lost before the capture point (TCP Fast Open, reordered): the late SYN-ACK
 * re-anchors the direction, and nothing acknowledged is invented, so the
 * retransmission of the start still fills the hole (ground truth:
 * data/ground-truth/tfo-late-synack.pcap). */
START_TEST(late_synack_reanchors_without_inventing_acks)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k = cap_std(c);
    hs(k, 0);                                                  /* f1 SYN */
    put(k, SV, SISN + 1 + 4, TS_TCP_ACK | TS_TCP_PSH, "efgh"); /* f2: server data at 4 */
    hs(k, 1);                                                  /* f3 SYN-ACK, late */
    hs(k, 2);                                                  /* f4 ACK of offset 0 */
    put(k, SV, SISN + 1, TS_TCP_ACK | TS_TCP_PSH, "abcd");     /* f5: the lost start, again */
    run *r = cap_run(c, NULL);
    const rec *x = R(r, 0);
    CK_DATA(x, SV, "abcdefgh");
    ck_assert_str_eq(x->gap_txt->str, "");
    ck_assert_str_eq(x->anom_txt->str, "");
    run_free(r);
}
END_TEST

/* Segments of an earlier connection on the same 4-tuple, reordered past the
 * new SYN, acknowledge sequence numbers the new peer never sent: they are
 * stale, not data of the new connection (ground truth:
 * data/ground-truth/reuse-stale-v6.pcap). */
START_TEST(stale_segments_after_port_reuse)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k = cap_std(c);
    pb_conn_handshake(k);      /* f1-3 */
    send_s(k, CL, "old1");     /* f4 */
    send_s(k, SV, "OLDREPLY"); /* f5 */
    pb_conn *k2 = cap_conn(c, 4, "10.0.0.1", 40000, "10.0.0.2", 80, 900000, 700000);
    pb_conn_handshake(k2);   /* f6-8: new ISNs: stream 1 */
    send_s(k, SV, "STALE");  /* f9: the old server, late */
    send_s(k, CL, "stale");  /* f10: the old client, late */
    send_s(k2, CL, "new");   /* f11 */
    send_s(k2, SV, "fresh"); /* f12 */
    close_both(k2);          /* f13-15 */
    run *r = cap_run(c, NULL);
    ck_assert_uint_eq(r->recs->len, 2);
    const rec *x = R(r, 1);
    CK_DATA(x, CL, "new");
    CK_DATA(x, SV, "fresh");
    ck_assert_str_eq(x->gap_txt->str, "");
    ck_assert_str_eq(x->anom_txt->str, "stale_segment S0+5@9, stale_segment C0+5@10");
    run_free(r);
}
END_TEST

/* The server answers the SYN twice with different ISNs; the client
 * acknowledges the second one, so the server's stream starts there
 * (suricata-verify tcp-fastopen-10-syn-data-ignore). */
START_TEST(second_synack_acknowledged_wins)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k = cap_std(c);
    hs(k, 0);                                          /* f1 SYN */
    put(k, SV, 777000, TS_TCP_SYN | TS_TCP_ACK, NULL); /* f2 SYN-ACK, ISN 777000 */
    put(k, SV, SISN, TS_TCP_SYN | TS_TCP_ACK, NULL);   /* f3 SYN-ACK, ISN SISN */
    hs(k, 2);                                          /* f4 ACK of SISN+1 */
    send_s(k, SV, "hello");                            /* f5 */
    send_s(k, CL, "hi");                               /* f6 */
    run *r = cap_run(c, NULL);
    const rec *x = R(r, 0);
    CK_DATA(x, SV, "hello");
    CK_DATA(x, CL, "hi");
    ck_assert_str_eq(x->gap_txt->str, "");
    ck_assert_str_eq(x->anom_txt->str, "syn_conflict S0+0@3");
    run_free(r);
}
END_TEST

/* libnids TCP i: sequence numbers wrap inside both streams. */
START_TEST(sequence_wrap)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k = cap_conn(c, 4, "10.0.0.1", 40000, "10.0.0.2", 80, 0xFFFFFFF0u, 0xFFFFFFFFu);
    pb_conn_handshake(k);
    pb_conn_send_at(k, CL, 0, "0123456789", 10, 0);  /* f4: 0xFFFFFFF1.. */
    pb_conn_send_at(k, CL, 20, "klmnopqrst", 10, 0); /* f5: after the wrap */
    pb_conn_send_at(k, CL, 10, "abcdefghij", 10, 0); /* f6: across the wrap */
    pb_conn_set_next_seq(k, CL, 0xFFFFFFF1u + 30);
    send_s(k, SV, "hello"); /* f7: seq 0 */
    send_s(k, SV, "world");
    close_both(k);
    run *r = cap_run(c, NULL);
    const rec *x = R(r, 0);
    CK_DATA(x, CL, "0123456789abcdefghijklmnopqrst");
    CK_DATA(x, SV, "helloworld");
    ck_assert_str_eq(x->chunk_txt->str, "C0+30@4 S0+10@7");
    ck_assert_str_eq(x->gap_txt->str, "");
    ck_assert_str_eq(x->anom_txt->str, "");
    ck_assert_int_eq(x->reason, TS_CLOSE_FIN);
    run_free(r);
}
END_TEST

/* libnids TCP k: 50,000 reversed 1-byte segments finish quickly and deliver
 * every byte. */
START_TEST(reversed_one_byte_segments)
{
    enum { N = 50000 };
    cap *c = cap_new(TS_LINKTYPE_RAW);
    pb_conn *k = cap_std(c);
    pb_conn_handshake(k);
    uint8_t *want = g_malloc(N);
    for (uint32_t i = 0; i < N; i++)
        want[i] = (uint8_t)(i * 7 + i / 251);
    for (uint32_t i = N; i-- > 0;)
        pb_conn_send_at(k, CL, i, want + i, 1, 0);
    run *r = cap_run(c, NULL);
    const rec *x = R(r, 0);
    ck_assert_uint_eq(x->data[CL]->len, N);
    ck_assert(memcmp(x->data[CL]->data, want, N) == 0);
    ck_assert_str_eq(x->chunk_txt->str, "C0+50000@50003");
    ck_assert_str_eq(x->gap_txt->str, "");
    ck_assert_str_eq(x->anom_txt->str, "");
    const char *pre = g_getenv("LD_PRELOAD");
    bool valgrind = pre != NULL && strstr(pre, "vgpreload") != NULL;
    ck_assert_msg(r->elapsed_us < (valgrind ? 120 : 5) * G_USEC_PER_SEC, "took %" PRId64 " us",
                  (int64_t)r->elapsed_us);
    g_free(want);
    run_free(r);
}
END_TEST

/* Memory of the out-of-order store (see reasm.c, memcost.h): 96 bytes for
 * the store, 112 for a piece of up to 8 bytes (header and tree node). */
#define STORE_COST 96u
#define PIECE_COST 112u

/* The same flood with a buffer cap of 100 one-byte pieces: the hole is
 * declared a gap early, later copies of it are late data (anomalies
 * capped). */
START_TEST(reversed_segments_buffer_limit)
{
    cap *c = cap_new(TS_LINKTYPE_RAW);
    pb_conn *k = cap_std(c);
    pb_conn_handshake(k);
    uint8_t want[300];
    for (uint32_t i = 0; i < 300; i++)
        want[i] = (uint8_t)('A' + i % 50);
    for (uint32_t i = 300; i-- > 0;)
        pb_conn_send_at(k, CL, i, want + i, 1, 0); /* offset i is frame 303 - i */
    ts_options o;
    opts_keep(&o);
    o.max_buffered_bytes = STORE_COST + 100 * PIECE_COST;
    o.max_anomalies = 3;
    run *r = cap_run(c, &o);
    const rec *x = R(r, 0);
    /* the 101st buffered byte (offset 199, frame 104) exceeds the cap */
    ck_assert_uint_eq(x->data[CL]->len, 101);
    ck_assert_mem_eq(x->data[CL]->data, want + 199, 101);
    ck_assert_str_eq(x->gap_txt->str, "C0+199");
    ck_assert_str_eq(x->chunk_txt->str, "C0+101@104");
    ck_assert_str_eq(x->anom_txt->str,
                     "buffer_limit C0+199@104, late_data C198+1@105, late_data C197+1@106");
    ck_assert_uint_eq(x->dropped, 197);
    run_free(r);
}
END_TEST

/* ======================================================================== */
/* overlaps: policies, exact spans, every order of overlapping segments     */
/* ======================================================================== */

START_TEST(overlap_policies)
{
    static const char *const want[3] = {
        "zzbbAAAAyyCCDDxxEEwwggggggHH", /* FIRST */
        "QQQQbbbbyyDDDDxxFFwwggHHHHHH", /* LAST (rewrites delivered bytes too) */
        "zzbbbbbbyyDDDDxxEEwwggggggHH", /* LINUX */
    };
    ts_overlap_policy pol = (ts_overlap_policy)_i;
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k = cap_std(c);
    pb_conn_handshake(k);
    at_s(k, CL, 4, "AAAA");    /* f4 */
    at_s(k, CL, 2, "bbbbbb");  /* f5: lower start (Linux: wins 4..8) */
    at_s(k, CL, 10, "CC");     /* f6 */
    at_s(k, CL, 10, "DDDD");   /* f7: same start, longer (Linux: wins) */
    at_s(k, CL, 16, "EE");     /* f8 */
    at_s(k, CL, 16, "FF");     /* f9: same start and length (Linux: first) */
    at_s(k, CL, 20, "gggggg"); /* f10 */
    at_s(k, CL, 22, "HHHHHH"); /* f11: higher start (Linux: loses 22..26) */
    at_s(k, CL, 0, "zz");      /* f12 */
    at_s(k, CL, 8, "yy");      /* f13 */
    at_s(k, CL, 14, "xx");     /* f14 */
    at_s(k, CL, 18, "ww");     /* f15 */
    at_s(k, CL, 0, "QQQQ");    /* f16: below next: already delivered */
    ts_options o;
    opts_keep(&o);
    o.overlap = pol;
    run *r = cap_run(c, &o);
    const rec *x = R(r, 0);
    check_bytes(x, CL, want[pol], 28, __LINE__);
    ck_assert_str_eq(x->anom_txt->str,
                     "overlap_conflict C4+4@5, overlap_conflict C10+2@7, overlap_conflict "
                     "C16+2@9, overlap_conflict C22+4@11, overlap_conflict C0+4@16");
    ck_assert_str_eq(x->chunk_txt->str, "C0+28@12");
    ck_assert_str_eq(x->gap_txt->str, "");
    run_free(r);
}
END_TEST

START_TEST(overlap_conflict_spans)
{
    /* Under each policy: spans run from the first to the last differing
     * byte, compared with the bytes that currently win. */
    static const char *const want[3] = {
        "0123456789abcdefghijkl",
        "01234Y6789abcdefgHIjkl",
        "0123456789abcdefghijkl",
    };
    static const char *const anoms[3] = {
        "overlap_conflict C2+2@5, overlap_conflict C2+4@6, overlap_conflict C17+2@8",
        "overlap_conflict C2+2@5, overlap_conflict C3+3@6, overlap_conflict C17+2@8, "
        "overlap_conflict C2+1@10",
        "overlap_conflict C2+2@5, overlap_conflict C2+4@6, overlap_conflict C17+2@8",
    };
    ts_overlap_policy pol = (ts_overlap_policy)_i;
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k = cap_std(c);
    pb_conn_handshake(k);
    at_s(k, CL, 0, "0123456789"); /* f4 */
    at_s(k, CL, 2, "XY45");       /* f5: differs at 2,3 */
    at_s(k, CL, 2, "X34Y");       /* f6: differs at 2 and 5 (FIRST) */
    at_s(k, CL, 15, "fghij");     /* f7: buffered */
    at_s(k, CL, 17, "HIjkl");     /* f8: differs at 17,18 */
    at_s(k, CL, 10, "abcde");     /* f9 */
    at_s(k, CL, 1, "1234");       /* f10: identical to the first copy */
    ts_options o;
    opts_keep(&o);
    o.overlap = pol;
    run *r = cap_run(c, &o);
    const rec *x = R(r, 0);
    check_bytes(x, CL, want[pol], 22, __LINE__);
    ck_assert_str_eq(x->anom_txt->str, anoms[pol]);
    ck_assert_str_eq(x->chunk_txt->str, "C0+22@4");
    run_free(r);
}
END_TEST

/* A segment of a permutation test: offset and bytes. */
typedef struct {
    uint32_t off;
    const char *data;
} mseg;

/* Sets of 3-4 overlapping segments (libnids TCP a) covering [0, n). */
static const mseg perm_sets[4][4] = {
    {{0, "abcdeXgh"}, {4, "efYhijYl"}, {10, "klmnoZqrst"}, {2, "cdefghijklmnop"}},
    {{0, "abcdef"}, {3, "deQghij"}, {8, "ijklmn"}, {3, "deQghij"}}, /* with a duplicate */
    {{0, "abcd"}, {4, "AAAA"}, {4, "BBBBBB"}, {4, "CCCC"}},         /* same starts */
    {{0, "abcde"}, {2, "cdXfgYi"}, {1, "bcdeZg"}, {0, NULL}},       /* three segments */
};

/* Runs one order of one set under one policy and compares the engine with
 * a byte-map model of the policy: final bytes, and for each arrival, the
 * conflicts reported cover exactly the bytes that differ from the bytes
 * winning at that moment (each span starting and ending on such a byte). */
static void
run_permutation(const mseg *set, int n, const int *order, ts_overlap_policy pol)
{
    enum { MAXB = 32 };
    uint8_t cur[MAXB] = {0};
    bool have[MAXB] = {false};
    uint32_t own_start[MAXB] = {0}, own_len[MAXB] = {0};
    bool diff[4][MAXB] = {{false}}, before[4][MAXB];
    size_t total = 0;
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k = cap_std(c);
    pb_conn_handshake(k);
    for (int a = 0; a < n; a++) {
        const mseg *s = &set[order[a]];
        uint32_t len = (uint32_t)strlen(s->data);
        at_s(k, CL, s->off, s->data); /* frame 4 + a */
        uint32_t next = 0;
        while (next < MAXB && have[next])
            next++;
        memcpy(before[a], have, sizeof have);
        for (uint32_t i = 0; i < len; i++) {
            uint32_t p = s->off + i;
            uint8_t b = (uint8_t)s->data[i];
            bool win = !have[p];
            if (have[p]) {
                diff[a][p] = cur[p] != b;
                win = pol == TS_OVERLAP_LAST ||
                      (pol == TS_OVERLAP_LINUX && p >= next &&
                       (s->off < own_start[p] || (s->off == own_start[p] && len > own_len[p])));
            }
            if (win) {
                cur[p] = b;
                own_start[p] = s->off;
                own_len[p] = len;
            }
            have[p] = true;
            total = MAX(total, p + 1);
        }
    }
    ts_options o;
    opts_keep(&o);
    o.overlap = pol;
    run *r = cap_run(c, &o);
    const rec *x = R(r, 0);
    char what[64];
    g_snprintf(what, sizeof what, "policy %d order %d%d%d%d", pol, order[0], order[1], order[2],
               n > 3 ? order[3] : 9);
    ck_assert_msg(x->data[CL]->len == total && memcmp(x->data[CL]->data, cur, total) == 0,
                  "%s: got \"%.*s\" want \"%.*s\"", what, (int)x->data[CL]->len, x->data[CL]->data,
                  (int)total, cur);
    ck_assert_msg(strcmp(x->gap_txt->str, "") == 0, "%s: gaps %s", what, x->gap_txt->str);
    bool covered[4][MAXB] = {{false}};
    for (guint i = 0; i < x->anoms->len; i++) {
        const ts_anomaly *an = &g_array_index(x->anoms, ts_anomaly, i);
        int a = (int)an->frame - 4;
        ck_assert_msg(an->type == TS_ANOMALY_OVERLAP_CONFLICT && an->from == TS_FROM_CLIENT &&
                          a >= 0 && a < n && an->length > 0 && an->offset + an->length <= MAXB,
                      "%s: unexpected %s", what, x->anom_txt->str);
        uint64_t lo = an->offset, hi = an->offset + an->length - 1;
        ck_assert_msg(diff[a][lo] && diff[a][hi], "%s: span not on differing bytes: %s", what,
                      x->anom_txt->str);
        for (uint64_t p = lo; p <= hi; p++) {
            ck_assert_msg(before[a][p], "%s: span beyond the overlap: %s", what, x->anom_txt->str);
            covered[a][p] = true;
        }
    }
    for (int a = 0; a < n; a++)
        for (int p = 0; p < MAXB; p++)
            ck_assert_msg(!diff[a][p] || covered[a][p],
                          "%s: byte %d of frame %d differs, not reported: %s", what, p, 4 + a,
                          x->anom_txt->str);
    run_free(r);
}

/* Session 0's deliveries as a streaming consumer sees them: the data
 * callback's bytes appended, the rewrite callback's applied at their index. */
typedef struct {
    GByteArray *bytes[2];
    GString *rewrites; /* "C<offset>/<index>+<length>@<frame>:<bytes> " */
} replay;

static void
replay_data(void *user, ts_session *s, const ts_delivery *d)
{
    replay *p = user;
    if (ts_session_stream(s) == 0)
        g_byte_array_append(p->bytes[d->from], d->data, (guint)d->length);
}

static void
replay_rewrite(void *user, ts_session *s, const ts_rewrite *w)
{
    replay *p = user;
    ck_assert_uint_eq(ts_session_stream(s), 0);
    GByteArray *b = p->bytes[w->from];
    ck_assert_uint_le(w->index + w->length, b->len); /* only delivered bytes */
    memcpy(b->data + w->index, w->data, w->length);
    g_string_append_printf(p->rewrites, "%c%" PRIu64 "/%" PRIu64 "+%zu@%" PRIu64 ":%.*s ",
                           dirc(w->from), w->offset, w->index, w->length, w->frame, (int)w->length,
                           (const char *)w->data);
}

/* Runs the engine over `path` with and without kept payload, under `pol`;
 * the streamed bytes (rewrites applied) must equal the kept payload, and the
 * rewrites must be the same in both modes. Returns the rewrites' text. */
static char *
replay_both_modes(const char *path, ts_overlap_policy pol, const char *want_client)
{
    char *text[2];
    for (int keep = 0; keep < 2; keep++) {
        replay p = {{g_byte_array_new(), g_byte_array_new()}, g_string_new(NULL)};
        ts_options o;
        ts_options_init(&o);
        o.overlap = pol;
        o.keep_payload = keep;
        ts_callbacks cb = {.data = replay_data, .rewrite = replay_rewrite};
        ts_engine *e = ts_engine_new(&o, &cb, &p);
        GError *err = NULL;
        ck_assert_msg(ts_engine_run_file(e, path, &err), "%s", err ? err->message : "?");
        ts_engine_free(e);
        GByteArray *c = p.bytes[TS_FROM_CLIENT];
        ck_assert_msg(c->len == strlen(want_client) && memcmp(c->data, want_client, c->len) == 0,
                      "policy %d keep %d: streamed \"%.*s\", want \"%s\"", pol, keep, (int)c->len,
                      c->data, want_client);
        g_byte_array_unref(p.bytes[0]);
        g_byte_array_unref(p.bytes[1]);
        text[keep] = g_string_free(p.rewrites, FALSE);
    }
    ck_assert_str_eq(text[0], text[1]);
    g_free(text[1]);
    return text[0];
}

/* Under "last" a later copy rewrites delivered bytes: the rewrite callback
 * tells a streaming consumer where (index: gaps left out), so its copy ends
 * as the kept payload; under the other policies it is never called. */
START_TEST(rewrite_callback_replays_last)
{
    static const char *const want[3] = {"abcdef", "QQcXeY", "abcdef"};
    ts_overlap_policy pol = (ts_overlap_policy)_i;
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k = cap_std(c);
    pb_conn_handshake(k);
    at_s(k, CL, 0, "ab"); /* f4 */
    next_at(k, CL, 4);
    pb_conn_ack(k, SV);     /* f5: acks past the hole 2..4 */
    at_s(k, CL, 4, "cdef"); /* f6 */
    at_s(k, CL, 4, "cXeY"); /* f7: differs at 5 and 7 */
    at_s(k, CL, 0, "QQ");   /* f8: differs at 0..2 */
    at_s(k, CL, 4, "cXeY"); /* f9: as delivered now (last) */
    close_both(k);
    pb_pcap_close(c->w);
    g_autofree char *rewrites = replay_both_modes(c->path, pol, want[pol]);
    ck_assert_str_eq(rewrites, pol == TS_OVERLAP_LAST ? "C5/3+3@7:XeY C0/0+2@8:QQ " : "");
    cap_free(c);
}
END_TEST

/* The capture of overlap_policies, streamed: the same bytes as kept. */
START_TEST(rewrite_callback_overlap_policies)
{
    static const char *const want[3] = {
        "zzbbAAAAyyCCDDxxEEwwggggggHH",
        "QQQQbbbbyyDDDDxxFFwwggHHHHHH",
        "zzbbbbbbyyDDDDxxEEwwggggggHH",
    };
    ts_overlap_policy pol = (ts_overlap_policy)_i;
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k = cap_std(c);
    pb_conn_handshake(k);
    at_s(k, CL, 4, "AAAA");
    at_s(k, CL, 2, "bbbbbb");
    at_s(k, CL, 10, "CC");
    at_s(k, CL, 10, "DDDD");
    at_s(k, CL, 16, "EE");
    at_s(k, CL, 16, "FF");
    at_s(k, CL, 20, "gggggg");
    at_s(k, CL, 22, "HHHHHH");
    at_s(k, CL, 0, "zz");
    at_s(k, CL, 8, "yy");
    at_s(k, CL, 14, "xx");
    at_s(k, CL, 18, "ww");
    at_s(k, CL, 0, "QQQQ"); /* f16: rewrites delivered bytes under last */
    pb_pcap_close(c->w);
    g_autofree char *rewrites = replay_both_modes(c->path, pol, want[pol]);
    ck_assert_str_eq(rewrites, pol == TS_OVERLAP_LAST ? "C0/0+4@16:QQQQ " : "");
    cap_free(c);
}
END_TEST

START_TEST(overlap_permutations)
{
    const mseg *set = perm_sets[_i / 3];
    ts_overlap_policy pol = (ts_overlap_policy)(_i % 3);
    int n = set[3].data != NULL ? 4 : 3;
    int perms = n == 4 ? 24 : 6;
    for (int p = 0; p < perms; p++) {
        int pool[4] = {0, 1, 2, 3}, order[4], rest = p;
        for (int i = 0; i < n; i++) { /* p in the factorial number system */
            int f = 1;
            for (int j = 2; j < n - i; j++)
                f *= j;
            int pick = rest / f;
            rest %= f;
            order[i] = pool[pick];
            memmove(pool + pick, pool + pick + 1, sizeof(int) * (size_t)(3 - pick));
        }
        run_permutation(set, n, order, pol);
    }
}
END_TEST

/* ======================================================================== */
/* gaps and chunks                                                          */
/* ======================================================================== */

START_TEST(gap_acked_with_later_data)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k = cap_std(c);
    pb_conn_handshake(k);
    at_s(k, CL, 0, "abcde");  /* f4 */
    at_s(k, CL, 10, "klmno"); /* f5 */
    next_at(k, CL, 15);
    pb_conn_ack(k, SV);      /* f6: acks past the hole */
    at_s(k, CL, 5, "fghij"); /* f7: too late */
    close_both(k);
    run *r = cap_run(c, NULL);
    const rec *x = R(r, 0);
    CK_DATA(x, CL, "abcdeklmno");
    ck_assert_str_eq(x->gap_txt->str, "C5+5");
    ck_assert_str_eq(x->chunk_txt->str, "C0+5@4 C5+5@5");
    ck_assert_str_eq(x->anom_txt->str, "late_data C5+5@7");
    ck_assert_uint_eq(x->missing[CL], 5);
    ck_assert_int_eq(x->reason, TS_CLOSE_FIN);
    run_free(r);
}
END_TEST

START_TEST(gap_ack_before_later_data)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k = cap_std(c);
    pb_conn_handshake(k);
    at_s(k, CL, 0, "abcde"); /* f4 */
    next_at(k, CL, 10);
    pb_conn_ack(k, SV);       /* f5: acks 10, nothing buffered yet */
    at_s(k, CL, 10, "klmno"); /* f6 */
    run *r = cap_run(c, NULL);
    const rec *x = R(r, 0);
    CK_DATA(x, CL, "abcdeklmno");
    ck_assert_str_eq(x->gap_txt->str, "C5+5");
    ck_assert_str_eq(x->chunk_txt->str, "C0+5@4 C5+5@6");
    ck_assert_str_eq(x->anom_txt->str, "");
    run_free(r);
}
END_TEST

START_TEST(gap_trailing_ack_and_fin)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    /* stream 0: the server acknowledged 5 bytes never captured */
    pb_conn *a = cap_std(c);
    pb_conn_handshake(a);
    send_s(a, CL, "abcde");
    next_at(a, CL, 10);
    pb_conn_ack(a, SV);
    /* stream 1: the FIN comes 5 bytes after the last captured byte */
    pb_conn *b = cap_conn(c, 4, "10.0.0.1", 40001, "10.0.0.2", 80, CISN, SISN);
    pb_conn_handshake(b);
    send_s(b, CL, "abcde");
    next_at(b, CL, 10);
    close_both(b);
    /* stream 2: a hole nobody acknowledged, data after it */
    pb_conn *d = cap_conn(c, 4, "10.0.0.1", 40002, "10.0.0.2", 80, CISN, SISN);
    pb_conn_handshake(d);     /* f13-15 */
    at_s(d, CL, 0, "abcde");  /* f16 */
    at_s(d, CL, 10, "klmno"); /* f17 */
    run *r = cap_run(c, NULL);
    ck_assert_str_eq(R(r, 0)->gap_txt->str, "C5+5");
    CK_DATA(R(r, 0), CL, "abcde");
    ck_assert_int_eq(R(r, 0)->reason, TS_CLOSE_END_OF_CAPTURE);
    ck_assert_str_eq(R(r, 1)->gap_txt->str, "C5+5");
    CK_DATA(R(r, 1), CL, "abcde");
    ck_assert_int_eq(R(r, 1)->reason, TS_CLOSE_FIN);
    ck_assert_str_eq(R(r, 2)->gap_txt->str, "C5+5");
    CK_DATA(R(r, 2), CL, "abcdeklmno");
    ck_assert_str_eq(R(r, 2)->chunk_txt->str, "C0+5@16 C5+5@17");
    for (int i = 0; i < 3; i++) {
        ck_assert_str_eq(R(r, i)->anom_txt->str, "");
        ck_assert_uint_eq(R(r, i)->missing[CL], 5);
    }
    run_free(r);
}
END_TEST

START_TEST(gap_buffer_limit)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k = cap_std(c);
    pb_conn_handshake(k);
    at_s(k, CL, 0, "abcde");   /* f4 */
    at_s(k, CL, 10, "klmnop"); /* f5: 6 bytes buffered, 208 bytes of memory */
    at_s(k, CL, 20, "uvwxyz"); /* f6: 320 > 300 */
    ts_options o;
    opts_keep(&o);
    o.max_buffered_bytes = 300;
    run *r = cap_run(c, &o);
    const rec *x = R(r, 0);
    CK_DATA(x, CL, "abcdeklmnopuvwxyz");
    ck_assert_str_eq(x->gap_txt->str, "C5+5 C16+4");
    ck_assert_str_eq(x->chunk_txt->str, "C0+5@4 C5+6@5 C11+6@6");
    ck_assert_str_eq(x->anom_txt->str, "buffer_limit C5+5@6");
    ck_assert_uint_eq(x->missing[CL], 9);
    run_free(r);
}
END_TEST

START_TEST(gaps_both_directions)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k = cap_std(c);
    pb_conn_handshake(k);
    at_s(k, SV, 0, "12345"); /* f4 */
    at_s(k, SV, 8, "90");    /* f5 */
    next_at(k, SV, 10);
    at_s(k, CL, 0, "q");  /* f6: acks server 10 */
    at_s(k, CL, 3, "t");  /* f7 */
    send_s(k, SV, "end"); /* f8: server 10..13 */
    run *r = cap_run(c, NULL);
    const rec *x = R(r, 0);
    CK_DATA(x, SV, "1234590end");
    CK_DATA(x, CL, "qt");
    ck_assert_str_eq(x->gap_txt->str, "S5+3 C1+2");
    ck_assert_str_eq(x->chunk_txt->str, "S0+5@4 S5+2@5 C0+1@6 S7+3@8 C1+1@7");
    ck_assert_uint_eq(x->missing[SV], 3);
    ck_assert_uint_eq(x->missing[CL], 2);
    run_free(r);
}
END_TEST

START_TEST(snaplen_cut_segment)
{
    /* 54 header bytes + 20 payload bytes captured per frame */
    cap *c = cap_new_snap(TS_LINKTYPE_ETHERNET, 74);
    pb_conn *k = cap_std(c);
    pb_conn_handshake(k);
    send_s(k, CL, "0123456789ABCDEFGHIJabcdefghijklmnopqrst"); /* f4: 40 bytes, 20 kept */
    send_s(k, CL, "KLMNOPQRST");                               /* f5 */
    pb_conn_ack(k, SV);                                        /* f6: acks 50 */
    run *r = cap_run(c, NULL);
    const rec *x = R(r, 0);
    CK_DATA(x, CL, "0123456789ABCDEFGHIJKLMNOPQRST");
    ck_assert_str_eq(x->anom_txt->str, "snaplen_cut C20+20@4");
    ck_assert_str_eq(x->gap_txt->str, "C20+20");
    ck_assert_str_eq(x->chunk_txt->str, "C0+20@4 C20+10@5");
    run_free(r);
}
END_TEST

/* A frame that ends before its IP length although the capture kept all of
 * it (caplen == origlen): the header lies, the snap length did not cut it. */
START_TEST(short_frame_is_not_a_snaplen_cut)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k = cap_std(c);
    pb_conn_handshake(k); /* f1-3 */
    pb_tcp seg = seg_at(k, CL, CISN + 1, 0, "0123456789");
    static uint8_t frame[PB_MAX_FRAME];
    size_t n = pb_build_tcp(TS_LINKTYPE_ETHERNET, &seg, frame, sizeof frame);
    /* f4: the last 4 payload bytes are missing from the frame itself */
    pb_pcap_write_raw(c->w, pb_conn_time(k), frame, (uint32_t)n - 4, (uint32_t)n - 4);
    next_at(k, CL, 10);
    pb_conn_ack(k, SV); /* f5: acks all 10 */
    run *r = cap_run(c, NULL);
    const rec *x = R(r, 0);
    CK_DATA(x, CL, "012345");
    ck_assert_str_eq(x->anom_txt->str, "short_frame C6+4@4");
    ck_assert_str_eq(x->gap_txt->str, "C6+4");
    run_free(r);
}
END_TEST

/* ======================================================================== */
/* checksums (libnids TCP h)                                                */
/* ======================================================================== */

static void
bad_checksum_capture(cap *c)
{
    pb_conn *k = cap_std(c);
    pb_conn_handshake(k);
    pb_tcp seg = seg_at(k, CL, CISN + 1, 0, "EVIL"); /* f4: bad checksum */
    seg.bad_checksum = true;
    pb_conn_write(k, &seg);
    at_s(k, CL, 0, "GOOD"); /* f5 */
    next_at(k, CL, 4);
    seg = seg_at(k, SV, SISN + 1, 0, "ok"); /* f6: bad checksum, same bytes */
    seg.bad_checksum = true;
    pb_conn_write(k, &seg);
    send_s(k, SV, "ok"); /* f7 */
}

START_TEST(checksums_verified)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    bad_checksum_capture(c);
    ts_options o;
    opts_keep(&o);
    o.verify_checksums = true;
    run *r = cap_run(c, &o);
    const rec *x = R(r, 0);
    CK_DATA(x, CL, "GOOD");
    CK_DATA(x, SV, "ok");
    ck_assert_str_eq(x->anom_txt->str, "bad_checksum C0+0@4, bad_checksum S0+0@6");
    ck_assert_str_eq(x->chunk_txt->str, "C0+4@5 S0+2@7");
    ck_assert_uint_eq(r->stats.bad_checksums, 2);
    ck_assert_uint_eq(r->stats.tcp_segments, 5);
    run_free(r);
}
END_TEST

START_TEST(checksums_not_verified)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    bad_checksum_capture(c);
    run *r = cap_run(c, NULL);
    const rec *x = R(r, 0);
    CK_DATA(x, CL, "EVIL");
    CK_DATA(x, SV, "ok");
    ck_assert_str_eq(x->anom_txt->str, "overlap_conflict C0+4@5");
    ck_assert_uint_eq(r->stats.bad_checksums, 0);
    ck_assert_uint_eq(r->stats.tcp_segments, 7);
    run_free(r);
}
END_TEST

START_TEST(checksum_bad_syn_opens_nothing)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k = cap_conn(c, 6, "2001:db8::1", 40000, "2001:db8::2", 80, CISN, SISN);
    pb_tcp seg = seg_at(k, CL, CISN, TS_TCP_SYN, NULL);
    seg.bad_checksum = true;
    pb_conn_write(k, &seg); /* f1 */
    pb_conn_handshake(k);   /* f2-4 */
    send_s(k, CL, "v6");    /* f5 */
    ts_options o;
    opts_keep(&o);
    o.verify_checksums = true;
    run *r = cap_run(c, &o);
    ck_assert_uint_eq(r->recs->len, 1);
    ck_assert_uint_eq(R(r, 0)->first_frame, 2);
    ck_assert(!R(r, 0)->midstream);
    CK_DATA(R(r, 0), CL, "v6");
    ck_assert_str_eq(R(r, 0)->anom_txt->str, "");
    ck_assert_uint_eq(r->stats.bad_checksums, 1);
    ck_assert_uint_eq(r->stats.sessions, 1);
    run_free(r);
}
END_TEST

/* ======================================================================== */
/* link types, IPv6, IP fragments                                           */
/* ======================================================================== */

static const struct {
    int linktype, family, vlan;
    bool qinq;
} links[] = {
    {TS_LINKTYPE_ETHERNET, 4, 0, false},   {TS_LINKTYPE_ETHERNET, 4, 1, false},
    {TS_LINKTYPE_ETHERNET, 6, 2, true},    {TS_LINKTYPE_ETHERNET, 6, 0, false},
    {TS_LINKTYPE_RAW, 4, 0, false},        {TS_LINKTYPE_RAW, 6, 0, false},
    {TS_LINKTYPE_LINUX_SLL, 4, 0, false},  {TS_LINKTYPE_LINUX_SLL, 6, 0, false},
    {TS_LINKTYPE_LINUX_SLL2, 4, 0, false}, {TS_LINKTYPE_LINUX_SLL2, 6, 0, false},
    {TS_LINKTYPE_NULL, 4, 0, false},       {TS_LINKTYPE_NULL, 6, 0, false},
    {TS_LINKTYPE_LOOP, 4, 0, false},       {TS_LINKTYPE_IPV4, 4, 0, false},
    {TS_LINKTYPE_IPV6, 6, 0, false},
};

START_TEST(link_types)
{
    cap *c = cap_new(links[_i].linktype);
    bool v6 = links[_i].family == 6;
    pb_conn *k = cap_conn(c, links[_i].family, v6 ? "2001:db8::1" : "10.0.0.1", 40000,
                          v6 ? "2001:db8::2" : "10.0.0.2", 80, CISN, SISN);
    int vl = links[_i].vlan;
    bool qq = links[_i].qinq;
    vsend(k, CL, TS_TCP_SYN, NULL, vl, qq);
    vsend(k, SV, TS_TCP_SYN | TS_TCP_ACK, NULL, vl, qq);
    vsend(k, CL, TS_TCP_ACK, NULL, vl, qq);
    vsend(k, CL, TS_TCP_PSH | TS_TCP_ACK, "GET /", vl, qq);
    vsend(k, SV, TS_TCP_PSH | TS_TCP_ACK, "HTTP 200", vl, qq);
    vsend(k, CL, TS_TCP_FIN | TS_TCP_ACK, NULL, vl, qq);
    vsend(k, SV, TS_TCP_FIN | TS_TCP_ACK, NULL, vl, qq);
    vsend(k, CL, TS_TCP_ACK, NULL, vl, qq);
    run *r = cap_run(c, NULL);
    ck_assert_uint_eq(r->recs->len, 1);
    const rec *x = R(r, 0);
    ck_assert_str_eq(x->client, v6 ? "[2001:db8::1]:40000" : "10.0.0.1:40000");
    ck_assert_str_eq(x->server, v6 ? "[2001:db8::2]:80" : "10.0.0.2:80");
    CK_DATA(x, CL, "GET /");
    CK_DATA(x, SV, "HTTP 200");
    ck_assert_str_eq(x->chunk_txt->str, "C0+5@4 S0+8@5");
    ck_assert_int_eq(x->reason, TS_CLOSE_FIN);
    ck_assert_uint_eq(r->stats.tcp_segments, 8);
    run_free(r);
}
END_TEST

/* ts_session_vlan_tag: each direction's outermost tag (TPID, whole TCI)
 * of its first packet with a SYN or payload; before one, its first packet. */
START_TEST(vlan_tag_per_direction)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    /* stream 0: the client's SYN has one 802.1Q tag, its data QinQ; the
       server's packets are untagged */
    pb_conn *a = cap_std(c);
    vsend(a, CL, TS_TCP_SYN, NULL, 1, false);
    vsend(a, SV, TS_TCP_SYN | TS_TCP_ACK, NULL, 0, false);
    vsend(a, CL, TS_TCP_ACK, NULL, 2, true);
    vsend(a, CL, TS_TCP_PSH | TS_TCP_ACK, "abc", 2, true);
    vsend(a, SV, TS_TCP_PSH | TS_TCP_ACK, "def", 0, false);
    /* stream 1 (mid-stream): the client's first packet, a pure ACK, is
       untagged; its first data QinQ-tagged names the direction */
    pb_conn *b = cap_conn(c, 4, "10.0.0.1", 40001, "10.0.0.2", 80, CISN, SISN);
    vsend(b, CL, TS_TCP_ACK, NULL, 0, false);
    vsend(b, CL, TS_TCP_PSH | TS_TCP_ACK, "abc", 2, true);
    vsend(b, CL, TS_TCP_PSH | TS_TCP_ACK, "def", 1, false);
    run *r = cap_run(c, NULL);
    ck_assert_str_eq(R(r, 0)->tag_txt, "C8100:100 S-");
    ck_assert_str_eq(R(r, 1)->tag_txt, "C88a8:100 S-");
    run_free(r);
}
END_TEST

/* IP fragments are counted and not processed (for now): the fragmented
 * segment's bytes end up in a gap. */
START_TEST(ip_fragments_reassembled)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k = cap_std(c);
    pb_conn_handshake(k);
    send_s(k, CL, "head"); /* f4 */
    uint8_t big[1400], frame[1600], f0[1600], f1[1600];
    memset(big, 'm', sizeof big);
    pb_tcp seg = seg_at(k, CL, CISN + 1 + 4, 0, NULL);
    seg.payload = big;
    seg.len = sizeof big;
    seg.ip_id = 77;
    size_t n = pb_build_tcp(TS_LINKTYPE_ETHERNET, &seg, frame, sizeof frame);
    uint8_t *outs[2] = {f0, f1};
    size_t lens[2];
    ck_assert_uint_eq(pb_fragment_ipv4(TS_LINKTYPE_ETHERNET, frame, n, 800, outs, lens, 2, 1600),
                      2);
    pb_pcap_write(c->w, T0 + 4 * MS, f0, (uint32_t)lens[0]); /* f5 */
    pb_pcap_write(c->w, T0 + 4 * MS, f1, (uint32_t)lens[1]); /* f6 */
    next_at(k, CL, 1404);
    send_s(k, CL, "tail"); /* f7 */
    close_both(k);
    run *r = cap_run(c, NULL);
    const rec *x = R(r, 0);
    /* the two fragments are reassembled: the 1400 bytes are delivered */
    GString *want = g_string_new("head");
    for (int i = 0; i < 1400; i++)
        g_string_append_c(want, 'm');
    g_string_append(want, "tail");
    check_bytes(x, CL, want->str, want->len, __LINE__);
    g_string_free(want, TRUE);
    ck_assert_str_eq(x->gap_txt->str, "");
    ck_assert_uint_eq(r->stats.ip_fragments, 2);
    ck_assert_uint_eq(r->stats.ip_datagrams_reassembled, 1);
    ck_assert_uint_eq(r->stats.frames, 10);
    run_free(r);
}
END_TEST

/* Cuts the IPv6 packet at `ip6` (Ethernet frame `whole`, `ip6` its IP
 * offset) after its fixed header: payload bytes [off, off + len) behind a
 * fragment header (next header `nh`, id 99) into `out`; returns its length. */
static size_t
ip6_piece(const uint8_t *whole, size_t ip6, uint8_t nh, size_t off, size_t len, bool more,
          uint8_t *out)
{
    memcpy(out, whole, ip6 + 40);
    out[ip6 + 4] = (uint8_t)((8 + len) >> 8);
    out[ip6 + 5] = (uint8_t)(8 + len);
    out[ip6 + 6] = 44;
    uint8_t *fh = out + ip6 + 40;
    const uint8_t hdr[8] = {nh, 0, (uint8_t)(off >> 8), (uint8_t)((off & 0xf8) | more), 0, 0,
                            0,  99};
    memcpy(fh, hdr, 8);
    memcpy(fh + 8, whole + ip6 + 40 + off, len);
    return ip6 + 48 + len;
}

/* A destination options header inside the fragmentable part (after the
 * fragment header, RFC 8200 4.5): the reassembled datagram starts with it
 * and is walked like the chain of any IPv6 packet. (It was not: the
 * reassembled payload went straight to the next-header dispatch, which
 * knew no extension header, and the segment was counted as not TCP.) */
START_TEST(ip6_fragment_ext_inside)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k = cap_conn(c, 6, "2001:db8::1", 40000, "2001:db8::2", 80, CISN, SISN);
    pb_conn_handshake(k);
    static const uint8_t dopt[8] = {6, 0, 1, 4, 0, 0, 0, 0}; /* next: TCP; PadN */
    pb_tcp seg = seg_at(k, CL, CISN + 1, 0, "options inside the fragments");
    seg.ip6_ext = dopt;
    seg.ip6_ext_len = sizeof dopt;
    seg.ip6_ext_first = 60;
    uint8_t whole[256], f0[256], f1[256];
    size_t n = pb_build_tcp(TS_LINKTYPE_ETHERNET, &seg, whole, sizeof whole);
    size_t ip6 = pb_ip_offset(TS_LINKTYPE_ETHERNET, whole, n);
    size_t plen = n - ip6 - 40; /* 8 + 20 + 28 */
    size_t l0 = ip6_piece(whole, ip6, 60, 0, 24, true, f0);
    size_t l1 = ip6_piece(whole, ip6, 60, 24, plen - 24, false, f1);
    pb_pcap_write(c->w, T0 + 3 * MS, f1, (uint32_t)l1); /* f4: the last piece first */
    pb_pcap_write(c->w, T0 + 4 * MS, f0, (uint32_t)l0); /* f5 completes it */
    next_at(k, CL, 28);
    pb_conn_set_time(k, T0 + 5 * MS);
    close_both(k);
    run *r = cap_run(c, NULL);
    ck_assert_uint_eq(r->recs->len, 1);
    const rec *x = R(r, 0);
    CK_DATA(x, CL, "options inside the fragments");
    ck_assert_str_eq(x->gap_txt->str, "");
    ck_assert_uint_eq(r->stats.ip_fragments, 2);
    ck_assert_uint_eq(r->stats.ip_datagrams_reassembled, 1);
    ck_assert_uint_eq(r->stats.not_tcp, 0);
    run_free(r);
}
END_TEST

/* Cuts the IPv4 packet at `ip4` (a 20-byte header) of Ethernet frame
 * `whole`: payload bytes [off, off + len) with MF `more` into `out`;
 * returns its length. */
static size_t
ip4_piece(const uint8_t *whole, size_t ip4, size_t off, size_t len, bool more, uint8_t *out)
{
    memcpy(out, whole, ip4 + 20);
    uint8_t *h = out + ip4;
    h[2] = (uint8_t)((20 + len) >> 8);
    h[3] = (uint8_t)(20 + len);
    h[6] = (uint8_t)((more ? 0x20 : 0) | (off / 8) >> 8);
    h[7] = (uint8_t)(off / 8);
    h[10] = h[11] = 0;
    uint16_t sum = pb_checksum(h, 20, 0);
    h[10] = (uint8_t)(sum >> 8);
    h[11] = (uint8_t)sum;
    memcpy(out + ip4 + 20, whole + ip4 + 20 + off, len);
    return ip4 + 20 + len;
}

/* Two last fragments with different ends (IP payload 60, and 40: stream
 * offset 20): the conflict is reported at the stream offset of the shorter
 * end, from both fragments (it was reported at the segment's offset, 0). */
START_TEST(ip_fragment_two_ends)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k = cap_std(c);
    pb_conn_handshake(k);
    pb_tcp seg = seg_at(k, CL, CISN + 1, 0, "0123456789abcdefghijklmnopqrstuvwxyzABCD");
    seg.ip_id = 5;
    uint8_t whole[256], f[3][256];
    size_t n = pb_build_tcp(TS_LINKTYPE_ETHERNET, &seg, whole, sizeof whole);
    size_t ip4 = pb_ip_offset(TS_LINKTYPE_ETHERNET, whole, n);
    size_t l0 = ip4_piece(whole, ip4, 24, 36, false, f[0]); /* f4: the true end, 60 */
    size_t l1 = ip4_piece(whole, ip4, 24, 16, false, f[1]); /* f5: another end, 40 */
    size_t l2 = ip4_piece(whole, ip4, 0, 24, true, f[2]);   /* f6: completes it */
    pb_pcap_write(c->w, T0 + 3 * MS, f[0], (uint32_t)l0);
    pb_pcap_write(c->w, T0 + 4 * MS, f[1], (uint32_t)l1);
    pb_pcap_write(c->w, T0 + 5 * MS, f[2], (uint32_t)l2);
    next_at(k, CL, 40);
    pb_conn_set_time(k, T0 + 6 * MS);
    close_both(k);
    run *r = cap_run(c, NULL);
    const rec *x = R(r, 0);
    CK_DATA(x, CL, "0123456789abcdefghijklmnopqrstuvwxyzABCD"); /* the first end wins */
    ck_assert_str_eq(x->anom_txt->str, "ip_overlap_conflict C20+0@4, ip_overlap_conflict C20+0@5");
    run_free(r);
}
END_TEST

/* ======================================================================== */
/* ts_engine_feed: in-memory frames, callbacks, options                     */
/* ======================================================================== */

static mem *
mem_conversation(void)
{
    mem *m = g_new0(mem, 1);
    m->frames = g_ptr_array_new_with_free_func(mem_free_frame);
    pb_conn *k =
        pb_conn_new(NULL, TS_LINKTYPE_RAW, 4, "10.0.0.1", 40000, "10.0.0.2", 80, CISN, SISN);
    pb_conn_set_sink(k, mem_sink, m);
    pb_conn_handshake(k);  /* f1-3 */
    send_s(k, CL, "abc");  /* f4 */
    at_s(k, CL, 6, "ghi"); /* f5 */
    next_at(k, CL, 9);
    pb_conn_ack(k, SV);    /* f6: gap 3..6 */
    send_s(k, SV, "xyz");  /* f7 */
    at_s(k, CL, 0, "aXc"); /* f8: conflict at 1 */
    close_both(k);         /* f9-11 */
    pb_conn_free(k);
    return m;
}

static void
mem_free(mem *m)
{
    g_ptr_array_free(m->frames, TRUE);
    g_free(m);
}

/* A hole acknowledged in two steps is one gap, handed to the gap callback
 * once, complete, just before the bytes after it; a trailing hole the peer
 * acknowledged one past the last byte seen is the uncaptured FIN, no gap. */
static mem *
mem_gap_pieces(void)
{
    mem *m = g_new0(mem, 1);
    m->frames = g_ptr_array_new_with_free_func(mem_free_frame);
    pb_conn *k =
        pb_conn_new(NULL, TS_LINKTYPE_RAW, 4, "10.0.0.1", 40000, "10.0.0.2", 80, CISN, SISN);
    pb_conn_set_sink(k, mem_sink, m);
    pb_conn_handshake(k);  /* f1-3 */
    send_s(k, CL, "abc");  /* f4 */
    at_s(k, CL, 9, "jkl"); /* f5: 3..9 missing */
    next_at(k, CL, 6);
    pb_conn_ack(k, SV); /* f6: acks 6: [3, 6) declared */
    next_at(k, CL, 12);
    pb_conn_ack(k, SV); /* f7: acks 12: [6, 9) declared, jkl delivered */
    next_at(k, CL, 13); /* the client's FIN (seq 12) is not captured */
    pb_conn_fin(k, SV); /* f8: acks 13 */
    pb_conn_ack(k, CL); /* f9 */
    pb_conn_free(k);
    return m;
}

START_TEST(feed_gap_in_pieces)
{
    mem *m = mem_gap_pieces();
    run *r = run_new(true);
    ts_engine *e = engine_for(r, NULL);
    for (guint i = 0; i < m->frames->len; i++)
        feed_frame(e, TS_LINKTYPE_RAW, m->frames->pdata[i]);
    ts_engine_finish(e);
    ck_assert_str_eq(r->events->str, "O0 DC0+3@4 GC3+6 DC9+3@5 E0 ");
    const rec *x = R(r, 0);
    CK_DATA(x, CL, "abcjkl");
    ck_assert_str_eq(x->gap_txt->str, "C3+6");
    ck_assert_uint_eq(x->missing[CL], 6);
    run_end(r, e);
    run_free(r);
    mem_free(m);
}
END_TEST

START_TEST(feed_callbacks)
{
    mem *m = mem_conversation();
    run *r = run_new(true);
    ts_engine *e = engine_for(r, NULL);
    for (guint i = 0; i < m->frames->len; i++)
        feed_frame(e, TS_LINKTYPE_RAW, m->frames->pdata[i]);
    static const uint8_t junk[8] = {0};
    ts_frame odd = {9999, T0 + 50 * MS, 8, 8, junk}; /* f12: unsupported link */
    ts_engine_feed(e, &odd);
    ts_engine_finish(e);
    ts_engine_finish(e); /* idempotent */
    /* ts_delivery.frame is the frame that carried the delivery's first byte
     * (like chunks); C6+3 was carried by f5 and released by f6. */
    ck_assert_str_eq(r->events->str, "O0 DC0+3@4 GC3+3 DC6+3@5 DS0+3@7 E0 ");
    ck_assert_uint_eq(r->recs->len, 1);
    const rec *x = R(r, 0);
    CK_DATA(x, CL, "abcghi");
    CK_DATA(x, SV, "xyz");
    ck_assert_str_eq(x->chunk_txt->str, "C0+3@4 C3+3@5 S0+3@7");
    ck_assert_str_eq(x->gap_txt->str, "C3+3");
    ck_assert_str_eq(x->anom_txt->str, "overlap_conflict C1+1@8");
    ck_assert_int_eq(x->reason, TS_CLOSE_FIN);
    ck_assert_int_eq(x->start_ns, T0);
    run_end(r, e);
    ck_assert_uint_eq(r->stats.frames, 12);
    ck_assert_uint_eq(r->stats.tcp_segments, 11);
    ck_assert_uint_eq(r->stats.unsupported_link, 1);
    run_free(r);
    mem_free(m);
}
END_TEST

START_TEST(feed_without_keep_payload)
{
    mem *m = mem_conversation();
    run *r = run_new(false);
    ts_options o;
    ts_options_init(&o);
    ck_assert(!o.keep_payload);
    ts_engine *e = engine_for(r, &o);
    for (guint i = 0; i < m->frames->len; i++)
        feed_frame(e, TS_LINKTYPE_RAW, m->frames->pdata[i]);
    ts_engine_finish(e);
    run_end(r, e);
    const rec *x = R(r, 0);
    ck_assert(x->no_payload);
    ck_assert_str_eq(x->chunk_txt->str, "");
    ck_assert_uint_eq(x->bytes[CL], 6);
    ck_assert_uint_eq(x->bytes[SV], 3);
    ck_assert_str_eq(x->gap_txt->str, "C3+3");
    ck_assert_str_eq(x->anom_txt->str, "overlap_conflict C1+1@8");
    run_free(r);
    mem_free(m);
}
END_TEST

/* Runs `make` once per mode (keep_payload or not) and policy with `o` and
 * asserts the same gaps and anomalies each time: want[0] under "first" and
 * "linux" (the first copy of old bytes wins), want[1] under "last". */
static void
same_anomalies_every_mode(cap *(*make)(void), const ts_options *o, const char *want[2])
{
    static const ts_overlap_policy policies[] = {TS_OVERLAP_FIRST, TS_OVERLAP_LINUX,
                                                 TS_OVERLAP_LAST};
    for (int p = 0; p < 3; p++) {
        for (int keep = 0; keep < 2; keep++) {
            ts_options each = *o;
            each.keep_payload = keep;
            each.overlap = policies[p];
            run *r = cap_run(make(), &each);
            const rec *x = R(r, 0);
            ck_assert(x->no_payload == !keep);
            ck_assert_uint_eq(x->bytes[CL], 6000);
            ck_assert_str_eq(x->gap_txt->str, "");
            const char *w = want[policies[p] == TS_OVERLAP_LAST];
            ck_assert_msg(strcmp(x->anom_txt->str, w) == 0, "policy %d keep %d: %s", policies[p],
                          keep, x->anom_txt->str);
            run_free(r);
        }
    }
}

/* 6000 bytes of 'a' from the client, the server never acknowledging them,
 * and copies of old bytes, some different. */
static cap *
unacked_retransmissions(void)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k = cap_std(c);
    pb_conn_handshake(k);
    char block[1001];
    memset(block, 'a', 1000);
    block[1000] = '\0';
    for (int i = 0; i < 3; i++)
        send_s(k, CL, block); /* f4-f6: bytes 0..2999 */
    at_s(k, CL, 2990, "XY");  /* f7: recent, differs */
    at_s(k, CL, 100, "XY");   /* f8: 2900 bytes back, differs */
    at_s(k, CL, 100, "aXa");  /* f9: differs from the first copy only */
    for (int i = 0; i < 3; i++)
        send_s(k, CL, block);  /* f10-f12: bytes 3000..5999 */
    at_s(k, CL, 1000, "aXa");  /* f13: 5000 bytes back */
    at_s(k, CL, 4000, "aaaa"); /* f14: same bytes: nothing */
    return c;
}

/* By default every old byte a retransmission carries here is compared (the
 * window spans the last 1 MiB delivered; nothing was acknowledged), with
 * and without keep_payload alike. (Before, without keep_payload, a 2 KiB
 * ring missed f8 and f9.) */
START_TEST(retransmissions_compared_in_both_modes)
{
    ts_options o;
    ts_options_init(&o);
    ck_assert_uint_eq(o.retransmission_window, 1u << 20);
    ck_assert_uint_eq(o.retransmission_acked, 16u << 10);
    const char *want[2] = {
        "overlap_conflict C2990+2@7, overlap_conflict C100+2@8, overlap_conflict C101+1@9, "
        "overlap_conflict C1001+1@13",
        /* "last": f8's "XY" became the copy f9 is compared with */
        "overlap_conflict C2990+2@7, overlap_conflict C100+2@8, overlap_conflict C100+2@9, "
        "overlap_conflict C1001+1@13",
    };
    same_anomalies_every_mode(unacked_retransmissions, &o, want);
}
END_TEST

/* 3000 bytes acknowledged, 3000 more, then all acknowledged, with copies of
 * old bytes in and out of a small comparison window. */
static cap *
windowed_retransmissions(void)
{
    cap *c = cap_new(TS_LINKTYPE_ETHERNET);
    pb_conn *k = cap_std(c);
    pb_conn_handshake(k);
    char block[1001];
    memset(block, 'a', 1000);
    block[1000] = '\0';
    for (int i = 0; i < 3; i++)
        send_s(k, CL, block); /* f4-f6: bytes 0..2999 */
    pb_conn_ack(k, SV);       /* f7: all acknowledged: the window is [2000, 3000) */
    at_s(k, CL, 2990, "XY");  /* f8: inside, differs */
    at_s(k, CL, 1500, "XY");  /* f9: before the window: unchecked */
    at_s(k, CL, 1999, "XaX"); /* f10: 1999 unchecked, 2000.. compared: 2001 differs */
    for (int i = 0; i < 3; i++)
        send_s(k, CL, block);  /* f11-f13: bytes 3000..5999, unacknowledged */
    at_s(k, CL, 2500, "Z");    /* f14: inside [2000, 6000) (at most 4000 back) */
    pb_conn_ack(k, SV);        /* f15: window [5000, 6000) */
    at_s(k, CL, 4000, "aaaa"); /* f16: the same bytes, but unchecked */
    at_s(k, CL, 5500, "bb");   /* f17: differs */
    at_s(k, CL, 5500, "bb");   /* f18: as f17: a conflict unless "last" took f17's */
    return c;
}

/* The comparison window: the last retransmission_window bytes delivered, at
 * most retransmission_acked below the receiver's acknowledgement. Copies
 * from before it are unchecked_retransmission anomalies, the same with and
 * without keep_payload, under every policy. */
START_TEST(comparison_window_limits)
{
    ts_options o;
    ts_options_init(&o);
    o.retransmission_window = 4000;
    o.retransmission_acked = 1000;
    const char *head = "overlap_conflict C2990+2@8, unchecked_retransmission C1500+2@9, "
                       "unchecked_retransmission C1999+1@10, overlap_conflict C2001+1@10, "
                       "overlap_conflict C2500+1@14, unchecked_retransmission C4000+4@16, "
                       "overlap_conflict C5500+2@17";
    g_autofree char *first = g_strconcat(head, ", overlap_conflict C5500+2@18", NULL);
    const char *want[2] = {first, head};
    same_anomalies_every_mode(windowed_retransmissions, &o, want);
    /* no limits: everything compared */
    o.retransmission_window = 0;
    o.retransmission_acked = 0;
    const char *all = "overlap_conflict C2990+2@8, overlap_conflict C1500+2@9, "
                      "overlap_conflict C1999+3@10, overlap_conflict C2500+1@14, "
                      "overlap_conflict C5500+2@17";
    g_autofree char *all_first = g_strconcat(all, ", overlap_conflict C5500+2@18", NULL);
    const char *want_all[2] = {all_first, all};
    same_anomalies_every_mode(windowed_retransmissions, &o, want_all);
}
END_TEST

static void
on_packet_text(void *user, ts_session *s, const ts_packet *p)
{
    (void)s;
    g_string_append_printf(user, "%c%" G_GUINT64_FORMAT ":%02x@%" G_GINT64_FORMAT "+%u ",
                           p->from == TS_FROM_CLIENT ? 'C' : 'S', p->frame, p->flags, p->offset,
                           p->length);
}

/* The packet callback sees every packet of a session, in capture order, with
 * its stream offset. */
START_TEST(packet_callback)
{
    mem *m = mem_conversation();
    GString *log = g_string_new(NULL);
    ts_callbacks cb = {.packet = on_packet_text};
    ts_engine *e = ts_engine_new(NULL, &cb, log);
    for (guint i = 0; i < m->frames->len; i++)
        feed_frame(e, TS_LINKTYPE_RAW, m->frames->pdata[i]);
    ts_engine_finish(e);
    ts_engine_free(e);
    ck_assert_str_eq(log->str, "C1:02@0+0 S2:12@0+0 C3:10@0+0 C4:18@0+3 C5:18@6+3 S6:10@0+0 "
                               "S7:18@0+3 C8:18@0+3 C9:11@9+0 S10:11@3+0 C11:10@10+0 ");
    g_string_free(log, TRUE);
    mem_free(m);
}
END_TEST

START_TEST(feed_free_without_finish)
{
    mem *m = mem_conversation();
    run *r = run_new(false);
    ts_engine *e = engine_for(r, NULL);
    for (guint i = 0; i < 5; i++)
        feed_frame(e, TS_LINKTYPE_RAW, m->frames->pdata[i]);
    ck_assert_uint_eq(ts_engine_stats(e)->sessions, 1);
    ts_engine_free(e); /* the open session is dropped without callbacks */
    ck_assert_int_eq(r->opened, 1);
    ck_assert_uint_eq(r->recs->len, 0);
    run_free(r);
    mem_free(m);
}
END_TEST

/* ======================================================================== */
/* randomized exchanges                                                     */
/* ======================================================================== */

typedef struct {
    int from;
    uint32_t off, len;
    bool fin;
} rseg;

typedef struct {
    ts_engine *e;
} feeder;

static void
feed_sink(void *user, int64_t ts_ns, const uint8_t *frame, uint32_t len)
{
    feeder *f = user;
    ts_frame fr = {TS_LINKTYPE_RAW, ts_ns, len, len, frame};
    ts_engine_feed(f->e, &fr);
}

/* A random exchange, segmented, duplicated and reordered at random (every
 * byte sent at least once, every copy identical), with acknowledgements
 * that only cover what the receiver already got: the delivered bytes must
 * equal the original exactly, without gaps or anomalies. */
static void
random_exchange(GRand *g, int iter)
{
    uint32_t isn[2];
    GByteArray *st[2] = {g_byte_array_new(), g_byte_array_new()};
    for (int d = 0; d < 2; d++)
        isn[d] = g_rand_int_range(g, 0, 4) == 0
                     ? 0xFFFFFFFFu - (uint32_t)g_rand_int_range(g, 0, 3000)
                     : g_rand_int(g);
    int nmsg = g_rand_int_range(g, 2, 8);
    for (int m = 0; m < nmsg; m++) {
        int d = m < 2 ? m : g_rand_int_range(g, 0, 2), len = g_rand_int_range(g, 1, 1500);
        for (int i = 0; i < len; i++) {
            uint8_t b = (uint8_t)g_rand_int(g);
            g_byte_array_append(st[d], &b, 1);
        }
    }
    GArray *segs = g_array_new(FALSE, FALSE, sizeof(rseg));
    for (int d = 0; d < 2; d++) {
        uint32_t n = st[d]->len, pieces = 0;
        for (uint32_t off = 0; off < n; pieces++) {
            uint32_t want = (uint32_t)g_rand_int_range(g, 1, 600), len = MIN(n - off, want);
            rseg s = {d, off, len, false};
            g_array_append_val(segs, s);
            off += len;
        }
        int extra = g_rand_int_range(g, 0, (gint32)pieces + 2);
        for (int i = 0; i < extra; i++) { /* retransmissions across boundaries */
            uint32_t a = (uint32_t)g_rand_int_range(g, 0, (gint32)n);
            uint32_t want = (uint32_t)g_rand_int_range(g, 1, 800), len = MIN(n - a, want);
            rseg s = {d, a, len, false};
            g_array_append_val(segs, s);
        }
        rseg fin = {d, n, 0, true};
        g_array_append_val(segs, fin);
    }
    int dups = g_rand_int_range(g, 0, 4);
    for (int i = 0; i < dups; i++) {
        rseg s = g_array_index(segs, rseg, g_rand_int_range(g, 0, (gint32)segs->len));
        g_array_append_val(segs, s);
    }
    for (guint i = segs->len - 1; i > 0; i--) { /* Fisher-Yates */
        guint j = (guint)g_rand_int_range(g, 0, (gint32)i + 1);
        rseg t = g_array_index(segs, rseg, i);
        g_array_index(segs, rseg, i) = g_array_index(segs, rseg, j);
        g_array_index(segs, rseg, j) = t;
    }

    run *r = run_new(false);
    ts_options o;
    opts_keep(&o);
    o.overlap = (ts_overlap_policy)(iter % 3);
    feeder f = {engine_for(r, &o)};
    pb_conn *k =
        pb_conn_new(NULL, TS_LINKTYPE_RAW, 4, "10.1.0.1", 33000, "10.1.0.2", 443, isn[0], isn[1]);
    pb_conn_set_sink(k, feed_sink, &f);
    pb_conn_handshake(k);
    bool *got[2] = {g_new0(bool, st[0]->len + 1), g_new0(bool, st[1]->len + 1)};
    uint32_t prefix[2] = {0, 0};
    bool fin_got[2] = {false, false};
    for (guint i = 0; i < segs->len; i++) {
        const rseg *s = &g_array_index(segs, rseg, i);
        int p = !s->from;
        pb_tcp seg;
        pb_conn_template(k, s->from, &seg);
        seg.seq = isn[s->from] + 1 + s->off;
        seg.ack = isn[p] + 1 + prefix[p] + (fin_got[p] && prefix[p] == st[p]->len ? 1 : 0);
        seg.flags = s->fin ? TS_TCP_FIN | TS_TCP_ACK : TS_TCP_PSH | TS_TCP_ACK;
        seg.payload = st[s->from]->data + s->off;
        seg.len = s->len;
        pb_conn_write(k, &seg);
        for (uint32_t j = 0; j < s->len; j++)
            got[s->from][s->off + j] = true;
        fin_got[s->from] |= s->fin;
        while (prefix[s->from] < st[s->from]->len && got[s->from][prefix[s->from]])
            prefix[s->from]++;
    }
    ts_engine_finish(f.e);
    run_end(r, f.e);
    ck_assert_msg(r->recs->len == 1, "iteration %d: %u sessions", iter, r->recs->len);
    const rec *x = R(r, 0);
    for (int d = 0; d < 2; d++)
        ck_assert_msg(x->data[d]->len == st[d]->len &&
                          memcmp(x->data[d]->data, st[d]->data, st[d]->len) == 0,
                      "iteration %d dir %d: %u bytes delivered, %u sent", iter, d, x->data[d]->len,
                      st[d]->len);
    ck_assert_msg(strcmp(x->gap_txt->str, "") == 0 && strcmp(x->anom_txt->str, "") == 0,
                  "iteration %d: gaps \"%s\" anomalies \"%s\"", iter, x->gap_txt->str,
                  x->anom_txt->str);
    ck_assert_int_eq(x->reason, TS_CLOSE_FIN);
    pb_conn_free(k);
    run_free(r);
    for (int d = 0; d < 2; d++) {
        g_free(got[d]);
        g_byte_array_free(st[d], TRUE);
    }
    g_array_free(segs, TRUE);
}

START_TEST(random_exchanges)
{
    GRand *g = g_rand_new_with_seed(20240101);
    for (int iter = 0; iter < 300; iter++)
        random_exchange(g, iter);
    g_rand_free(g);
}
END_TEST

/* ======================================================================== */

static Suite *
ts_engine_suite(void)
{
    Suite *s = suite_create("engine");
    TCase *tc = tcase_create("basic");
    tcase_add_test(tc, clean_session);
    tcase_add_test(tc, close_reasons_and_unclosed_data);
    tcase_add_test(tc, frame_numbers_across_file);
    tcase_add_test(tc, ethernet_trailer_is_not_payload);
    tcase_add_test(tc, same_host_connection);
    tcase_add_test(tc, no_window_mss_or_ack_checks);
    suite_add_tcase(s, tc);

    tc = tcase_create("roles");
    tcase_add_test(tc, roles_synack_first);
    tcase_add_test(tc, roles_by_port);
    tcase_add_test(tc, roles_port_tie);
    tcase_add_test(tc, midstream_offsets);
    tcase_add_test(tc, syn_with_extra_flags);
    suite_add_tcase(s, tc);

    tc = tcase_create("flags");
    tcase_add_test(tc, invalid_flags);
    tcase_add_test(tc, syn_and_rst_with_data);
    tcase_add_test(tc, urgent_data);
    tcase_add_test(tc, data_after_fin);
    suite_add_tcase(s, tc);

    tc = tcase_create("reuse");
    tcase_add_test(tc, reuse_three_sessions);
    tcase_add_test(tc, syn_retransmission_same_isn);
    tcase_add_test(tc, syn_after_established);
    tcase_add_test(tc, rst_then_reuse);
    tcase_add_test(tc, idle_timeout);
    suite_add_tcase(s, tc);

    tc = tcase_create("reorder");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, out_of_order_and_retransmissions);
    tcase_add_test(tc, ahead_and_partly_outside_window);
    tcase_add_test(tc, keepalive_and_window_probe);
    tcase_add_test(tc, sequence_wrap);
    tcase_add_test(tc, late_synack_reanchors_without_inventing_acks);
    tcase_add_test(tc, stale_segments_after_port_reuse);
    tcase_add_test(tc, second_synack_acknowledged_wins);
    tcase_add_test(tc, reversed_one_byte_segments);
    tcase_add_test(tc, reversed_segments_buffer_limit);
    suite_add_tcase(s, tc);

    tc = tcase_create("overlap");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, overlap_policies, 0, 3);
    tcase_add_loop_test(tc, overlap_conflict_spans, 0, 3);
    tcase_add_loop_test(tc, rewrite_callback_replays_last, 0, 3);
    tcase_add_loop_test(tc, rewrite_callback_overlap_policies, 0, 3);
    tcase_add_loop_test(tc, overlap_permutations, 0, 12);
    suite_add_tcase(s, tc);

    tc = tcase_create("gaps");
    tcase_add_test(tc, gap_acked_with_later_data);
    tcase_add_test(tc, gap_ack_before_later_data);
    tcase_add_test(tc, gap_trailing_ack_and_fin);
    tcase_add_test(tc, gap_buffer_limit);
    tcase_add_test(tc, gaps_both_directions);
    tcase_add_test(tc, snaplen_cut_segment);
    tcase_add_test(tc, short_frame_is_not_a_snaplen_cut);
    suite_add_tcase(s, tc);

    tc = tcase_create("checksums");
    tcase_add_test(tc, checksums_verified);
    tcase_add_test(tc, checksums_not_verified);
    tcase_add_test(tc, checksum_bad_syn_opens_nothing);
    suite_add_tcase(s, tc);

    tc = tcase_create("links");
    tcase_add_loop_test(tc, link_types, 0, G_N_ELEMENTS(links));
    tcase_add_test(tc, ip_fragments_reassembled);
    tcase_add_test(tc, ip6_fragment_ext_inside);
    tcase_add_test(tc, ip_fragment_two_ends);
    suite_add_tcase(s, tc);

    tc = tcase_create("feed");
    tcase_add_test(tc, feed_callbacks);
    tcase_add_test(tc, feed_gap_in_pieces);
    tcase_add_test(tc, vlan_tag_per_direction);
    tcase_add_test(tc, feed_without_keep_payload);
    tcase_add_test(tc, retransmissions_compared_in_both_modes);
    tcase_add_test(tc, comparison_window_limits);
    tcase_add_test(tc, packet_callback);
    tcase_add_test(tc, feed_free_without_finish);
    suite_add_tcase(s, tc);

    tc = tcase_create("random");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, random_exchanges);
    suite_add_tcase(s, tc);
    return s;
}

/* Runs the engine suite; exit status 0 when every test passed. */
int
main(void)
{
    SRunner *sr = srunner_create(ts_engine_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

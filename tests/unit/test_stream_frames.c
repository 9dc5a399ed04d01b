/*
 * test_stream_frames.c — ts_callbacks.stream_frame through the public API:
 * which frames the engine gives each stream (what Wireshark gives that
 * tcp.stream: segments processed or not, late packets, ICMP errors quoting
 * a segment, the fragment completing a datagram) and when it says a stream
 * is over.
 *
 * Frames are built with harness/pktbuild (raw IPv4, 1 ms apart) and handed
 * to ts_engine_feed(); the callbacks are logged as text:
 *
 *   "3:0"  frame 3 belongs to stream 0 (the ts_frame is the one fed)
 *   "D0"   session_done of stream 0
 *   "E0"   stream 0 is over (stream_frame with NULL)
 */
#include "pktbuild.h"
#include "tcpsession.h"

#include <check.h>
#include <string.h>

#define MS 1000000LL

/* The frames of a test, and the log of the callbacks. */
typedef struct {
    GPtrArray *frames; /* GByteArray; the timestamp in ts[i] */
    GArray *ts;        /* int64_t */
    GString *log;
    const ts_frame *fed; /* the frame being fed */
    uint64_t number;     /* its number */
} fixture;

/* pb_sink_fn: keeps a built frame. */
static void
keep_frame(void *user, int64_t ts_ns, const uint8_t *frame, uint32_t len)
{
    fixture *x = user;
    GByteArray *b = g_byte_array_new();
    g_byte_array_append(b, frame, len);
    g_ptr_array_add(x->frames, b);
    g_array_append_val(x->ts, ts_ns);
}

/* An empty fixture. */
static fixture *
fixture_new(void)
{
    fixture *x = g_new0(fixture, 1);
    x->frames = g_ptr_array_new_with_free_func((GDestroyNotify)(void (*)(void))g_byte_array_unref);
    x->ts = g_array_new(FALSE, FALSE, sizeof(int64_t));
    x->log = g_string_new(NULL);
    return x;
}

/* Frees the fixture and its frames. */
static void
fixture_free(fixture *x)
{
    g_ptr_array_unref(x->frames);
    g_array_free(x->ts, TRUE);
    g_string_free(x->log, TRUE);
    g_free(x);
}

/* A conversation 10.0.0.1:40000 -> 10.0.0.2:80 whose frames go to `x`. */
static pb_conn *
conn_new(fixture *x, uint16_t cport, uint32_t isn)
{
    pb_conn *c =
        pb_conn_new(NULL, TS_LINKTYPE_RAW, 4, "10.0.0.1", cport, "10.0.0.2", 80, isn, 5000);
    pb_conn_set_sink(c, keep_frame, x);
    return c;
}

/* Adds a frame built elsewhere, 1 ms after the last one. */
static void
add_frame(fixture *x, const uint8_t *frame, size_t len)
{
    int64_t ts = x->ts->len > 0 ? g_array_index(x->ts, int64_t, x->ts->len - 1) + MS : 0;
    keep_frame(x, ts, frame, (uint32_t)len);
}

/* ts_callbacks.frame: notes the number of the frame being fed. */
static void
on_frame(void *user, const ts_frame *f, uint64_t number)
{
    fixture *x = user;
    ck_assert_ptr_eq(f, x->fed);
    x->number = number;
}

/* ts_callbacks.session_done: logs "D<stream>". */
static void
on_done(void *user, ts_session *s)
{
    fixture *x = user;
    g_string_append_printf(x->log, "D%" G_GUINT64_FORMAT " ", ts_session_stream(s));
}

/* ts_callbacks.stream_frame: checks the frame and logs it. */
static void
on_stream_frame(void *user, uint64_t stream, const ts_frame *f, uint64_t number)
{
    fixture *x = user;
    if (f == NULL) {
        ck_assert_uint_eq(number, 0);
        g_string_append_printf(x->log, "E%" G_GUINT64_FORMAT " ", stream);
        return;
    }
    /* the frame being fed, with its bytes, numbered as `frame` numbered it */
    ck_assert_ptr_eq(f, x->fed);
    ck_assert_uint_eq(number, x->number);
    GByteArray *b = x->frames->pdata[number - 1];
    ck_assert_uint_eq(f->caplen, b->len);
    ck_assert(memcmp(f->data, b->data, b->len) == 0);
    g_string_append_printf(x->log, "%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT " ", number, stream);
}

/* Feeds every frame of `x` to an engine with `opts` (NULL: defaults),
 * finishes it and returns the log. */
static const char *
run(fixture *x, const ts_options *opts)
{
    ts_callbacks cb = {.frame = on_frame, .session_done = on_done, .stream_frame = on_stream_frame};
    ts_engine *e = ts_engine_new(opts, &cb, x);
    for (guint i = 0; i < x->frames->len; i++) {
        GByteArray *b = x->frames->pdata[i];
        ts_frame f = {TS_LINKTYPE_RAW, g_array_index(x->ts, int64_t, i), b->len, b->len, b->data};
        x->fed = &f;
        ts_engine_feed(e, &f);
    }
    x->fed = NULL;
    ts_engine_finish(e);
    ts_engine_free(e);
    return x->log->str;
}

/* Every segment of a session, then its end with the capture. */
START_TEST(session_frames_then_end)
{
    fixture *x = fixture_new();
    pb_conn *c = conn_new(x, 40000, 1000);
    pb_conn_handshake(c);         /* f1-3 */
    pb_conn_send(c, 0, "abc", 3); /* f4 */
    uint8_t udp[128];             /* f5: not TCP, no stream */
    add_frame(
        x, udp,
        pb_build_udp(TS_LINKTYPE_RAW, 4, "10.0.0.1", "10.0.0.9", 5, 53, "q", 1, udp, sizeof udp));
    pb_conn_set_time(c, pb_conn_time(c) + 10 * MS);
    pb_conn_send(c, 1, "xyz", 3); /* f6 */
    ck_assert_str_eq(run(x, NULL), "1:0 2:0 3:0 4:0 6:0 D0 E0 ");
    pb_conn_free(c);
    fixture_free(x);
}
END_TEST

/* A finished session keeps its late packets until the engine forgets it;
 * a reused 4-tuple ends the old stream at once. */
START_TEST(late_packets_and_reuse)
{
    fixture *x = fixture_new();
    pb_conn *c = conn_new(x, 40000, 1000);
    pb_conn_handshake(c);         /* f1-3 */
    pb_conn_send(c, 0, "abc", 3); /* f4 */
    pb_conn_fin(c, 0);            /* f5 */
    pb_conn_fin(c, 1);            /* f6 */
    int64_t t = pb_conn_time(c);
    pb_conn_set_time(c, t + 2000 * MS);
    pb_conn_send_at(c, 0, 0, "abc", 3, 0); /* f7: after the linger: late */
    pb_conn *d = conn_new(x, 40000, 9000); /* the same 4-tuple, another ISN */
    pb_conn_set_time(d, t + 3000 * MS);
    pb_conn_handshake(d);         /* f8-10: stream 1 */
    pb_conn_send(d, 0, "new", 3); /* f11 */
    pb_conn *r = conn_new(x, 40000, 20000);
    pb_conn_set_time(r, t + 4000 * MS);
    pb_conn_handshake(r); /* f12-14: reuses stream 1's 4-tuple while open */
    ts_options o;
    ts_options_init(&o);
    o.close_linger = 1;
    ck_assert_str_eq(run(x, &o), "1:0 2:0 3:0 4:0 5:0 6:0 D0 7:0 E0 8:1 9:1 10:1 11:1 D1 E1 "
                                 "12:2 13:2 14:2 D2 E2 ");
    pb_conn_free(c);
    pb_conn_free(d);
    pb_conn_free(r);
    fixture_free(x);
}
END_TEST

/* A segment dropped for its checksum still belongs to its stream; a bad
 * SYN that opens nothing belongs to none. */
START_TEST(bad_checksums)
{
    fixture *x = fixture_new();
    pb_conn *c = conn_new(x, 40000, 1000);
    pb_tcp seg;
    pb_conn_template(c, 0, &seg);
    seg.seq = 1000;
    seg.ack = 0;
    seg.flags = TS_TCP_SYN;
    seg.bad_checksum = true;
    pb_conn_write(c, &seg);       /* f1: no session */
    pb_conn_handshake(c);         /* f2-4 */
    pb_conn_template(c, 0, &seg); /* f5: dropped, stream 0's */
    seg.payload = "bad";
    seg.len = 3;
    seg.bad_checksum = true;
    pb_conn_write(c, &seg);
    ts_options o;
    ts_options_init(&o);
    o.verify_checksums = true;
    ck_assert_str_eq(run(x, &o), "2:0 3:0 4:0 5:0 D0 E0 ");
    pb_conn_free(c);
    fixture_free(x);
}
END_TEST

/* An ICMP error quoting a segment belongs to the segment's stream. */
START_TEST(icmp_error_quote)
{
    fixture *x = fixture_new();
    pb_conn *c = conn_new(x, 40000, 1000);
    pb_conn_handshake(c); /* f1-3 */
    pb_tcp seg;
    pb_conn_template(c, 0, &seg);
    uint8_t quoted[128], icmp[160], frame[256];
    size_t qlen = pb_build_tcp(TS_LINKTYPE_RAW, &seg, quoted, sizeof quoted);
    memset(icmp, 0, 8);
    icmp[0] = 3; /* destination unreachable, port */
    icmp[1] = 3;
    memcpy(icmp + 8, quoted, qlen < 28 ? qlen : 28); /* IP header + 8 bytes */
    size_t ilen = 8 + (qlen < 28 ? qlen : 28);
    uint16_t sum = pb_checksum(icmp, ilen, 0);
    icmp[2] = (uint8_t)(sum >> 8);
    icmp[3] = (uint8_t)sum;
    add_frame(x, frame,
              pb_build_ip(TS_LINKTYPE_RAW, 4, "10.0.0.9", "10.0.0.1", 1, icmp, ilen, frame,
                          sizeof frame)); /* f4 */
    ck_assert_str_eq(run(x, NULL), "1:0 2:0 3:0 4:0 D0 E0 ");
    pb_conn_free(c);
    fixture_free(x);
}
END_TEST

/* Of a segment's IP fragments, the one completing the datagram only. */
START_TEST(fragment_completing_datagram)
{
    fixture *x = fixture_new();
    pb_conn *c = conn_new(x, 40000, 1000);
    pb_conn_handshake(c); /* f1-3 */
    pb_tcp seg;
    pb_conn_template(c, 0, &seg);
    char payload[64];
    memset(payload, 'p', sizeof payload);
    seg.payload = payload;
    seg.len = sizeof payload;
    seg.ip_id = 7;
    uint8_t whole[256], a[256], b[256], d[256];
    uint8_t *outs[3] = {a, b, d};
    size_t lens[3];
    size_t len = pb_build_tcp(TS_LINKTYPE_RAW, &seg, whole, sizeof whole);
    size_t n = pb_fragment_ipv4(TS_LINKTYPE_RAW, whole, len, 32, outs, lens, 3, sizeof a);
    ck_assert_uint_eq(n, 3);
    add_frame(x, d, lens[2]); /* f4: the last fragment first */
    add_frame(x, a, lens[0]); /* f5 */
    add_frame(x, b, lens[1]); /* f6: completes it */
    ck_assert_str_eq(run(x, NULL), "1:0 2:0 3:0 6:0 D0 E0 ");
    pb_conn_free(c);
    fixture_free(x);
}
END_TEST

/* Without the callback (an older caller's size), nothing changes. */
START_TEST(older_callbacks_size)
{
    fixture *x = fixture_new();
    pb_conn *c = conn_new(x, 40000, 1000);
    pb_conn_handshake(c);
    ts_callbacks cb = {.session_done = on_done, .stream_frame = on_stream_frame};
    ts_engine *e = ts_engine_new_sized(NULL, 0, &cb, offsetof(ts_callbacks, stream_frame), x);
    for (guint i = 0; i < x->frames->len; i++) {
        GByteArray *b = x->frames->pdata[i];
        ts_frame f = {TS_LINKTYPE_RAW, g_array_index(x->ts, int64_t, i), b->len, b->len, b->data};
        ts_engine_feed(e, &f);
    }
    ts_engine_finish(e);
    ts_engine_free(e);
    ck_assert_str_eq(x->log->str, "D0 ");
    pb_conn_free(c);
    fixture_free(x);
}
END_TEST

/* The suite of this file. */
static Suite *
stream_frames_suite(void)
{
    Suite *s = suite_create("stream_frames");
    TCase *tc = tcase_create("stream_frame");
    tcase_add_test(tc, session_frames_then_end);
    tcase_add_test(tc, late_packets_and_reuse);
    tcase_add_test(tc, bad_checksums);
    tcase_add_test(tc, icmp_error_quote);
    tcase_add_test(tc, fragment_completing_datagram);
    tcase_add_test(tc, older_callbacks_size);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(stream_frames_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

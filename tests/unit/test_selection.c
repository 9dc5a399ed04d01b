/*
 * test_selection.c — unit tests of the selection: engine/util/selection.c
 * (stream lists and times parsed exactly, errors word for word),
 * engine/util/bpf.c (frames matched as libpcap matches them, per link type;
 * the warning for a link type an expression does not apply to), and the
 * library's select_frame and select_session (stream numbers of the whole
 * capture, no callback for a session not selected, a session split where
 * the whole capture numbers two streams).
 */
#include "pktbuild.h"
#include "tcpsession.h"
#include "util/bpf.h"
#include "util/selection.h"

#include <check.h>
#include <string.h>

/* ---- parsing ------------------------------------------------------------ */

START_TEST(stream_lists)
{
    g_autoptr(GError) error = NULL;
    ts_selection_spec spec = {.streams = "3,7-9,12-"};
    ts_selection *sel = ts_selection_new(&spec, &error);
    ck_assert_ptr_nonnull(sel);
    ck_assert(ts_selection_has_sessions(sel) && !ts_selection_has_filter(sel));
    const uint64_t in[] = {3, 7, 8, 9, 12, 13, UINT64_MAX - 1};
    const uint64_t out[] = {0, 2, 4, 6, 10, 11};
    for (size_t i = 0; i < G_N_ELEMENTS(in); i++)
        ck_assert_msg(ts_selection_has_stream(sel, in[i]), "%" G_GUINT64_FORMAT, in[i]);
    for (size_t i = 0; i < G_N_ELEMENTS(out); i++)
        ck_assert_msg(!ts_selection_has_stream(sel, out[i]), "%" G_GUINT64_FORMAT, out[i]);
    ts_selection_free(sel);
    const char *bad[] = {"",    "x",  "3,", ",3",    "9-3",
                         "3-x", "-3", "3 ", "1-2-3", "99999999999999999999"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        GArray *ranges = NULL;
        g_autoptr(GError) e = NULL;
        ck_assert_msg(!ts_selection_parse_streams(bad[i], &ranges, &e), "%s", bad[i]);
        g_autofree char *want = g_strdup_printf(
            "--stream '%s': expected stream numbers and ranges such as 3,7-9,12-", bad[i]);
        ck_assert_str_eq(e->message, want);
    }
}
END_TEST

START_TEST(times)
{
    static const struct {
        const char *text;
        int64_t ns;
    } good[] = {
        {"0", 0},
        {"1704067203", INT64_C(1704067203000000000)},
        {"1704067203.5", INT64_C(1704067203500000000)},
        {"1704067203.123456789", INT64_C(1704067203123456789)},
        {"1704067203.1234567891", INT64_C(1704067203123456789)}, /* past ns: cut */
        {"2024-01-01T00:00:03Z", INT64_C(1704067203000000000)},
        {"2024-01-01T01:00:03+01:00", INT64_C(1704067203000000000)},
        {"2024-01-01T00:00:03", INT64_C(1704067203000000000)}, /* no zone: UTC */
        {"2024-01-01T00:00:03.25Z", INT64_C(1704067203250000000)},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
        int64_t ns = -1;
        g_autoptr(GError) e = NULL;
        ck_assert_msg(ts_selection_parse_time("--since", good[i].text, &ns, &e), "%s",
                      good[i].text);
        ck_assert_msg(ns == good[i].ns, "%s: %" G_GINT64_FORMAT, good[i].text, ns);
    }
    const char *bad[] = {"", "yesterday", "12:00", "1704067203x", "-5", "2024-13-01T00:00:00Z"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        int64_t ns;
        g_autoptr(GError) e = NULL;
        ck_assert_msg(!ts_selection_parse_time("--until", bad[i], &ns, &e), "%s", bad[i]);
        g_autofree char *want =
            g_strdup_printf("--until '%s': expected seconds since the epoch or an ISO 8601 time "
                            "such as 2026-12-04T10:00:00Z",
                            bad[i]);
        ck_assert_str_eq(e->message, want);
    }
}
END_TEST

/* ---- BPF ---------------------------------------------------------------- */

/* A TCP frame of `linktype` from 10.0.0.1:sport to 10.0.0.2:80 with `len`
 * payload bytes, into `f` (data in `buf`). */
static void
tcp_frame(int linktype, uint16_t sport, size_t len, uint8_t *buf, size_t cap, ts_frame *f)
{
    static const uint8_t payload[64];
    pb_tcp seg = {.family = 4,
                  .src = "10.0.0.1",
                  .dst = "10.0.0.2",
                  .sport = sport,
                  .dport = 80,
                  .flags = TS_TCP_ACK,
                  .payload = payload,
                  .len = len};
    size_t n = pb_build_tcp(linktype, &seg, buf, cap);
    *f = (ts_frame){linktype, 0, (uint32_t)n, (uint32_t)n, buf};
}

START_TEST(filters_match_per_link_type)
{
    g_autoptr(GError) error = NULL;
    ts_bpf *f = ts_bpf_new("src port 1234 and greater 70", &error);
    ck_assert_ptr_nonnull(f);
    ck_assert_str_eq(ts_bpf_expression(f), "src port 1234 and greater 70");
    uint8_t buf[256];
    ts_frame fr;
    const int links[] = {TS_LINKTYPE_ETHERNET, TS_LINKTYPE_RAW, TS_LINKTYPE_LINUX_SLL,
                         TS_LINKTYPE_NULL, TS_LINKTYPE_LINUX_SLL2};
    for (size_t i = 0; i < G_N_ELEMENTS(links); i++) {
        /* 'greater 70' counts the whole frame, link header included */
        tcp_frame(links[i], 1234, 40, buf, sizeof buf, &fr);
        ck_assert_msg(ts_bpf_match(f, &fr), "link %d", links[i]);
        tcp_frame(links[i], 1235, 40, buf, sizeof buf, &fr);
        ck_assert_msg(!ts_bpf_match(f, &fr), "link %d", links[i]);
    }
    tcp_frame(TS_LINKTYPE_RAW, 1234, 20, buf, sizeof buf, &fr); /* 60 bytes */
    ck_assert(!ts_bpf_match(f, &fr));
    ck_assert_ptr_null(ts_bpf_warning(f));
    ts_bpf_free(f);

    /* compiles for Ethernet, not for NFLOG: nothing of NFLOG matches */
    f = ts_bpf_new("ether host 00:00:00:00:00:01", &error);
    ck_assert_ptr_nonnull(f);
    uint8_t junk[64] = {2};
    ts_frame nflog = {TS_LINKTYPE_NFLOG, 0, sizeof junk, sizeof junk, junk};
    ck_assert(!ts_bpf_match(f, &nflog));
    ck_assert_ptr_nonnull(ts_bpf_warning(f));
    ck_assert(g_str_has_prefix(ts_bpf_warning(f), "filter 'ether host 00:00:00:00:00:01' does "
                                                  "not apply to link type 239 ("));
    ck_assert(g_str_has_suffix(ts_bpf_warning(f), "); no frame of it was selected"));
    ts_bpf_free(f);

    ck_assert_ptr_null(ts_bpf_new("port eighty", &error));
    ck_assert_str_eq(error->message, "filter 'port eighty': unknown port 'eighty'");
}
END_TEST

/* ---- the engine's selection ------------------------------------------------ */

typedef struct {
    GString *log;
    uint64_t wanted; /* select_session: this stream only (UINT64_MAX: all) */
    bool no_syn;     /* select_frame: leave SYNs out */
} run_log;

static void
sink(void *user, int64_t ts_ns, const uint8_t *frame, uint32_t len)
{
    ts_frame f = {TS_LINKTYPE_ETHERNET, ts_ns, len, len, frame};
    ts_engine_feed(user, &f);
}

static bool
select_frame(void *user, const ts_frame *f, uint64_t number)
{
    (void)number;
    const run_log *r = user;
    /* Ethernet + IPv4 (20) + flags at TCP offset 13 */
    return !r->no_syn || (f->data[14 + 20 + 13] & TS_TCP_SYN) == 0;
}

static bool
select_session(void *user, const ts_session *s)
{
    const run_log *r = user;
    return r->wanted == UINT64_MAX || ts_session_stream(s) == r->wanted;
}

static void
on_open(void *user, ts_session *s)
{
    g_string_append_printf(((run_log *)user)->log, "open %" G_GUINT64_FORMAT ";",
                           ts_session_stream(s));
}

static void
on_data(void *user, ts_session *s, const ts_delivery *d)
{
    g_string_append_printf(((run_log *)user)->log, "data %" G_GUINT64_FORMAT " %zu;",
                           ts_session_stream(s), d->length);
}

static void
on_stream_frame(void *user, uint64_t stream, const ts_frame *f, uint64_t number)
{
    if (f != NULL)
        g_string_append_printf(((run_log *)user)->log,
                               "f%" G_GUINT64_FORMAT "@%" G_GUINT64_FORMAT ";", number, stream);
}

static void
on_done(void *user, ts_session *s)
{
    size_t n = 0;
    ts_session_payload(s, TS_FROM_CLIENT, &n);
    g_string_append_printf(((run_log *)user)->log, "done %" G_GUINT64_FORMAT " %s %zu;",
                           ts_session_stream(s), ts_close_reason_name(ts_session_close_reason(s)),
                           n);
}

/* Two connections on one 4-tuple (a port reused), then another; the log. */
static char *
run(uint64_t wanted, bool no_syn, ts_stats *stats)
{
    run_log r = {g_string_new(NULL), wanted, no_syn};
    ts_options opts;
    ts_options_init(&opts);
    opts.keep_payload = true;
    ts_callbacks cb = {.session_open = on_open,
                       .data = on_data,
                       .session_done = on_done,
                       .stream_frame = on_stream_frame,
                       .select_session = select_session,
                       .select_frame = no_syn ? select_frame : NULL};
    ts_engine *e = ts_engine_new(&opts, &cb, &r);
    const uint32_t isn[3] = {1000, 50000, 7};
    const uint16_t port[3] = {4000, 4000, 4001};
    for (int k = 0; k < 3; k++) {
        pb_conn *c = pb_conn_new(NULL, TS_LINKTYPE_ETHERNET, 4, "10.0.0.1", port[k], "10.0.0.2", 80,
                                 isn[k], 9000);
        pb_conn_set_sink(c, sink, e);
        pb_conn_handshake(c);
        pb_conn_send(c, 0, "hello, world", 5 + (size_t)k);
        pb_conn_free(c);
    }
    ts_engine_finish(e);
    *stats = *ts_engine_stats(e);
    ts_engine_free(e);
    return g_string_free(r.log, FALSE);
}

START_TEST(sessions_not_selected_are_quiet)
{
    ts_stats st;
    g_autofree char *all = run(UINT64_MAX, false, &st);
    ck_assert_str_eq(all, "open 0;f1@0;f2@0;f3@0;f4@0;data 0 5;"
                          "done 0 reused 5;open 1;f5@1;f6@1;f7@1;f8@1;data 1 6;"
                          "open 2;f9@2;f10@2;f11@2;f12@2;data 2 7;"
                          "done 1 end_of_capture 6;done 2 end_of_capture 7;");
    g_autofree char *one = run(1, false, &st);
    ck_assert_str_eq(one, "open 1;f5@1;f6@1;f7@1;f8@1;data 1 6;done 1 end_of_capture 6;");
    ck_assert_uint_eq(st.sessions, 3);
    ck_assert_uint_eq(st.frames, 12);
}
END_TEST

START_TEST(frames_left_out_keep_the_numbers)
{
    ts_stats st;
    /* without SYNs (and SYN-ACKs) the reused port looks like one connection
       (mid-stream); the whole capture's numbering splits it into streams 0
       and 1 all the same, and frames keep their numbers */
    g_autofree char *log = run(UINT64_MAX, true, &st);
    ck_assert_str_eq(log, "open 0;f3@0;f4@0;data 0 5;done 0 reused 5;"
                          "open 1;f7@1;f8@1;open 2;f11@2;f12@2;"
                          "data 1 6;done 1 end_of_capture 6;data 2 7;done 2 end_of_capture 7;");
    ck_assert_uint_eq(st.frames, 12);
    ck_assert_uint_eq(st.frames_not_selected, 6);
    ck_assert_uint_eq(st.sessions, 3);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("selection");
    TCase *tc = tcase_create("all");
    tcase_add_test(tc, stream_lists);
    tcase_add_test(tc, times);
    tcase_add_test(tc, filters_match_per_link_type);
    tcase_add_test(tc, sessions_not_selected_are_quiet);
    tcase_add_test(tc, frames_left_out_keep_the_numbers);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

/*
 * test_abi.c — the growth rules of the public API (tcpsession.h): a caller
 * built against 0.1.0's ts_options / ts_callbacks (shorter structs) gets the
 * defaults of every later field, sizes outside the known range are refused,
 * 0.1.0's ts_options_init / ts_engine_new symbols still work; and the hooks
 * added since (frame, segment, progress, ts_packet's TCP header).
 *
 * The "old caller" structs are allocated with their exact size on the heap,
 * so that the library reading past them shows under ASan and valgrind.
 */
#include "pktbuild.h"
#include "tcpsession.h"

#include <check.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

/* ts_options and ts_callbacks as tcpsession.h 0.1.0 declared them. */
typedef struct {
    ts_overlap_policy overlap;
    bool keep_payload;
    bool verify_checksums;
    size_t max_buffered_bytes;
    size_t max_anomalies;
    double idle_timeout;
    double close_linger;
    size_t max_payload_memory;
    const char *spool_dir;
} options_0_1;

typedef struct {
    void (*session_open)(void *user, ts_session *s);
    void (*data)(void *user, ts_session *s, const ts_delivery *d);
    void (*gap)(void *user, ts_session *s, const ts_gap *gap);
    void (*session_done)(void *user, ts_session *s);
    void (*packet)(void *user, ts_session *s, const ts_packet *p);
} callbacks_0_1;

/* 0.1.0's exported functions, reached by their symbol names (the header now
 * has inline wrappers of the same names, not used in this file). */
void compat_options_init(ts_options *opts) __asm__("ts_options_init");
ts_engine *compat_engine_new(const ts_options *opts, const ts_callbacks *cb,
                             void *user) __asm__("ts_engine_new");

/* ---- criticals: counted instead of printed --------------------------- */

static int criticals;

static void
count_criticals(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer user)
{
    (void)domain;
    (void)message;
    (void)user;
    if (level & G_LOG_LEVEL_CRITICAL)
        criticals++;
}

static void
setup(void)
{
    criticals = 0;
    g_log_set_default_handler(count_criticals, NULL);
}

/* ---- a small conversation --------------------------------------------- */

typedef struct {
    GArray *frames; /* ts_frame, data owned (g_free) */
} frames;

static void
sink(void *user, int64_t ts_ns, const uint8_t *frame, uint32_t len)
{
    frames *f = user;
    ts_frame fr = {TS_LINKTYPE_RAW, ts_ns, len, len, g_memdup2(frame, len)};
    g_array_append_val(f->frames, fr);
}

/* Handshake, "hello" both ways, RST from the client, then a late copy of the
 * client's data (a segment no session gets once the closed session is
 * retired, with close_linger 0). 7 frames, all TCP. */
static frames
conversation(void)
{
    frames f = {g_array_new(FALSE, FALSE, sizeof(ts_frame))};
    pb_conn *k =
        pb_conn_new(NULL, TS_LINKTYPE_RAW, 4, "10.0.0.1", 40000, "10.0.0.2", 80, 1000, 5000);
    pb_conn_set_sink(k, sink, &f);
    pb_conn_handshake(k);
    pb_conn_send(k, 0, "hello", 5);
    pb_conn_send(k, 1, "HELLO", 5);
    pb_conn_rst(k, 0);
    pb_conn_send_at(k, 0, 0, "hello", 5, 0);
    pb_conn_free(k);
    return f;
}

static void
frames_free(frames *f)
{
    for (guint i = 0; i < f->frames->len; i++)
        g_free((void *)g_array_index(f->frames, ts_frame, i).data);
    g_array_unref(f->frames);
}

/* Writes the conversation as a pcap in a fresh folder; returns its path. */
static char *
conversation_file(char **dir)
{
    *dir = g_build_filename(g_get_tmp_dir(), "test_abi-XXXXXX", NULL);
    ck_assert_ptr_nonnull(g_mkdtemp(*dir));
    char *path = g_build_filename(*dir, "c.pcap", NULL);
    pb_writer *w = pb_pcap_open(path, TS_LINKTYPE_RAW, false, 0);
    frames f = conversation();
    for (guint i = 0; i < f.frames->len; i++) {
        const ts_frame *fr = &g_array_index(f.frames, ts_frame, i);
        pb_pcap_write(w, fr->ts_ns, fr->data, fr->caplen);
    }
    pb_pcap_close(w);
    frames_free(&f);
    return path;
}

static void
remove_file(char *dir, char *path)
{
    g_unlink(path);
    g_rmdir(dir);
    g_free(path);
    g_free(dir);
}

/* ---- what the callbacks saw -------------------------------------------- */

typedef struct {
    GString *log;
    int done, packets, segments, progress;
    uint64_t last_number;
} seen;

static void
on_done(void *user, ts_session *s)
{
    seen *v = user;
    v->done++;
    g_string_append_printf(
        v->log, "done%" G_GUINT64_FORMAT "(%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT ") ",
        ts_session_stream(s), ts_session_bytes(s, TS_FROM_CLIENT),
        ts_session_bytes(s, TS_FROM_SERVER));
}

static void
on_packet(void *user, ts_session *s, const ts_packet *p)
{
    (void)s;
    seen *v = user;
    v->packets++;
    /* the header the packet came with: ports, data offset, window */
    ck_assert_uint_eq(p->tcp_header_length, 20);
    ck_assert_uint_eq(p->tcp_header[12] >> 4, 5);
    ck_assert_uint_eq(p->tcp_header[13], p->flags);
    ck_assert_uint_eq(p->window, (unsigned)(p->tcp_header[14] << 8 | p->tcp_header[15]));
    if (p->length > 0)
        ck_assert_ptr_eq(p->tcp_header + p->tcp_header_length, p->payload);
    g_string_append_printf(v->log, "p%" G_GUINT64_FORMAT " ", p->frame);
}

static void
on_frame(void *user, const ts_frame *f, uint64_t number)
{
    seen *v = user;
    if (f == NULL) {
        ck_assert_uint_eq(number, 0);
        g_string_append(v->log, "end ");
        return;
    }
    ck_assert_uint_eq(number, v->last_number + 1);
    v->last_number = number;
    g_string_append_printf(v->log, "f%" G_GUINT64_FORMAT " ", number);
}

static void
on_segment(void *user, const ts_segment *seg)
{
    seen *v = user;
    v->segments++;
    char a[TS_ADDRSTRLEN], b[TS_ADDRSTRLEN];
    ck_assert_uint_eq(seg->frame, v->last_number);
    ck_assert_uint_eq(seg->tcp_header_length, 20);
    if (seg->length > 0)
        ck_assert_ptr_eq(seg->tcp_header + 20, seg->payload);
    g_string_append_printf(v->log, "s%s:%u>%s:%u ", ts_endpoint_address(&seg->src, a),
                           (unsigned)seg->src.port, ts_endpoint_address(&seg->dst, b),
                           (unsigned)seg->dst.port);
}

static void
on_progress(void *user, uint64_t bytes, uint64_t frames_read)
{
    (void)bytes;
    (void)frames_read;
    seen *v = user;
    v->progress++;
}

/* ---- tests ---------------------------------------------------------- */

START_TEST(old_options_get_defaults)
{
    options_0_1 *o = g_malloc(sizeof *o);
    memset(o, 0xa5, sizeof *o);
    ck_assert_uint_eq(sizeof *o, TS_OPTIONS_MIN_SIZE);
    ts_options_init_sized((ts_options *)o, sizeof *o);
    ck_assert_int_eq(o->overlap, TS_OVERLAP_FIRST);
    ck_assert(!o->keep_payload && !o->verify_checksums);
    ck_assert_uint_eq(o->max_buffered_bytes, 64u << 20);
    ck_assert_uint_eq(o->max_anomalies, 1000);
    ck_assert(o->idle_timeout == 0 && o->close_linger == 60);
    ck_assert_uint_eq(o->max_payload_memory, 32u << 20);
    ck_assert_ptr_null(o->spool_dir);
    g_free(o);

    /* the whole struct: the fields added since get their defaults too */
    ts_options all;
    memset(&all, 0xa5, sizeof all);
    ts_options_init(&all);
    ck_assert(all.map_files);
    ck_assert_int_eq(criticals, 0);
}
END_TEST

START_TEST(old_caller_engine)
{
    options_0_1 *o = g_malloc(sizeof *o);
    ts_options_init_sized((ts_options *)o, sizeof *o);
    o->keep_payload = true;
    o->close_linger = 0;
    callbacks_0_1 *cb = g_malloc0(sizeof *cb);
    cb->session_done = on_done;
    cb->packet = on_packet;
    seen v = {.log = g_string_new(NULL)};
    ts_engine *e =
        ts_engine_new_sized((ts_options *)o, sizeof *o, (ts_callbacks *)cb, sizeof *cb, &v);
    ck_assert_ptr_nonnull(e);
    frames f = conversation();
    for (guint i = 0; i < f.frames->len; i++)
        ts_engine_feed(e, &g_array_index(f.frames, ts_frame, i));
    ts_engine_finish(e);
    /* no frame or segment callback (not in the old struct): packets only */
    ck_assert_str_eq(v.log->str, "p1 p2 p3 p4 p5 p6 done0(5/5) ");
    ck_assert_uint_eq(ts_engine_stats(e)->late_packets, 1);
    ts_engine_free(e);
    frames_free(&f);
    g_string_free(v.log, TRUE);
    g_free(o);
    g_free(cb);
    ck_assert_int_eq(criticals, 0);
}
END_TEST

START_TEST(sizes_out_of_range_refused)
{
    ts_options o;
    memset(&o, 0xa5, sizeof o);
    ts_options_init_sized(&o, TS_OPTIONS_MIN_SIZE - 1);
    ck_assert_int_eq(criticals, 1);
    ck_assert_uint_eq(((uint8_t *)&o)[0], 0xa5); /* untouched */
    ts_options_init_sized(&o, sizeof o + 1);
    ck_assert_int_eq(criticals, 2);
    ck_assert_uint_eq(((uint8_t *)&o)[0], 0xa5);

    ts_options_init(&o);
    ts_callbacks cb = {0};
    ck_assert_ptr_null(ts_engine_new_sized(&o, TS_OPTIONS_MIN_SIZE - 1, &cb, sizeof cb, NULL));
    ck_assert_ptr_null(ts_engine_new_sized(&o, sizeof o + 8, &cb, sizeof cb, NULL));
    ck_assert_ptr_null(ts_engine_new_sized(&o, sizeof o, &cb, TS_CALLBACKS_MIN_SIZE - 1, NULL));
    ck_assert_ptr_null(ts_engine_new_sized(&o, sizeof o, &cb, sizeof cb + 8, NULL));
    ck_assert_int_eq(criticals, 6);
    /* NULL structs: sizes ignored */
    ts_engine *e = ts_engine_new_sized(NULL, 0, NULL, 0, NULL);
    ck_assert_ptr_nonnull(e);
    ts_engine_free(e);
    ck_assert_int_eq(criticals, 6);
}
END_TEST

START_TEST(compat_symbols)
{
    options_0_1 *o = g_malloc(sizeof *o);
    compat_options_init((ts_options *)o);
    ck_assert_uint_eq(o->max_anomalies, 1000);
    o->close_linger = 0;
    callbacks_0_1 *cb = g_malloc0(sizeof *cb);
    cb->session_done = on_done;
    seen v = {.log = g_string_new(NULL)};
    ts_engine *e = compat_engine_new((ts_options *)o, (ts_callbacks *)cb, &v);
    frames f = conversation();
    for (guint i = 0; i < f.frames->len; i++)
        ts_engine_feed(e, &g_array_index(f.frames, ts_frame, i));
    ts_engine_finish(e);
    ck_assert_str_eq(v.log->str, "done0(5/5) ");
    ts_engine_free(e);
    frames_free(&f);
    g_string_free(v.log, TRUE);
    g_free(o);
    g_free(cb);
}
END_TEST

START_TEST(frame_and_segment_hooks)
{
    ts_options o;
    ts_options_init(&o);
    o.close_linger = 0;
    ts_callbacks cb = {.session_done = on_done,
                       .packet = on_packet,
                       .frame = on_frame,
                       .segment = on_segment,
                       .progress = on_progress};
    seen v = {.log = g_string_new(NULL)};
    char *dir;
    char *path = conversation_file(&dir);
    ts_engine *e = ts_engine_new(&o, &cb, &v);
    GError *error = NULL;
    ck_assert(ts_engine_run_file(e, path, &error));
    /* every frame, then its segment (also the late 7th), then its packet */
    const char *c = "s10.0.0.1:40000>10.0.0.2:80 ", *s = "s10.0.0.2:80>10.0.0.1:40000 ";
    g_autofree char *want =
        g_strdup_printf("f1 %sp1 f2 %sp2 f3 %sp3 f4 %sp4 f5 %sp5 f6 %sp6 f7 done0(5/5) %send ", c,
                        s, c, c, s, c, c);
    ck_assert_str_eq(v.log->str, want);
    ck_assert_int_eq(v.segments, 7);
    ck_assert_int_eq(v.progress, 0); /* fewer than 1024 frames */
    ck_assert_uint_eq(ts_engine_stats(e)->late_packets, 1);
    ck_assert_uint_eq(ts_engine_stats(e)->bytes_read, 24 + 7 * 16 + 3 * 40 + 3 * 45 + 40);
    ts_engine_free(e);
    g_string_free(v.log, TRUE);
    remove_file(dir, path);
}
END_TEST

START_TEST(run_file_open_failure_does_not_finish)
{
    ts_callbacks cb = {.session_done = on_done, .frame = on_frame};
    seen v = {.log = g_string_new(NULL)};
    ts_engine *e = ts_engine_new(NULL, &cb, &v);
    frames f = conversation();
    ts_engine_feed(e, &g_array_index(f.frames, ts_frame, 0));
    GError *error = NULL;
    ck_assert(!ts_engine_run_file(e, "/nonexistent/capture.pcap", &error));
    ck_assert(g_error_matches(error, TS_ERROR, TS_ERROR_IO));
    g_clear_error(&error);
    ck_assert_str_eq(v.log->str, "f1 "); /* still open */
    ts_engine_finish(e);
    ck_assert_str_eq(v.log->str, "f1 end done0(0/0) ");
    ts_engine_free(e);
    frames_free(&f);
    g_string_free(v.log, TRUE);
}
END_TEST

/* The current SIGBUS handler (as a pointer, whichever kind it is). */
static void *
sigbus_handler(void)
{
    struct sigaction sa;
    ck_assert_int_eq(sigaction(SIGBUS, NULL, &sa), 0);
    return (sa.sa_flags & SA_SIGINFO) ? (void *)sa.sa_sigaction : (void *)sa.sa_handler;
}

/* map_files false reads the same and installs no handler; true installs one
 * (runs first in its own process: nothing else here maps a file before; the
 * handler found first may be a sanitizer's). */
START_TEST(map_files_and_sigbus)
{
    char *dir;
    char *path = conversation_file(&dir);
    void *before = sigbus_handler();
    for (int map = 0; map < 2; map++) {
        ts_options o;
        ts_options_init(&o);
        o.map_files = map;
        ts_callbacks cb = {.session_done = on_done};
        seen v = {.log = g_string_new(NULL)};
        ts_engine *e = ts_engine_new(&o, &cb, &v);
        GError *error = NULL;
        ck_assert(ts_engine_run_file(e, path, &error));
        ck_assert_str_eq(v.log->str, "done0(5/5) ");
        ck_assert((sigbus_handler() != before) == (map == 1));
        ts_engine_free(e);
        g_string_free(v.log, TRUE);
    }
    remove_file(dir, path);
}
END_TEST

START_TEST(version)
{
    g_autofree char *want =
        g_strdup_printf("%d.%d.%d", TS_VERSION_MAJOR, TS_VERSION_MINOR, TS_VERSION_MICRO);
    ck_assert_str_eq(TS_VERSION, want);
    ck_assert_str_eq(ts_version(), TS_VERSION);
    ck_assert(TS_VERSION_CHECK(0, 1, 0));
    ck_assert(!TS_VERSION_CHECK(TS_VERSION_MAJOR, TS_VERSION_MINOR, TS_VERSION_MICRO + 1));
}
END_TEST

static Suite *
abi_suite(void)
{
    Suite *s = suite_create("abi");
    TCase *tc = tcase_create("abi");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, map_files_and_sigbus);
    tcase_add_test(tc, old_options_get_defaults);
    tcase_add_test(tc, old_caller_engine);
    tcase_add_test(tc, sizes_out_of_range_refused);
    tcase_add_test(tc, compat_symbols);
    tcase_add_test(tc, version);
    tcase_add_test(tc, frame_and_segment_hooks);
    tcase_add_test(tc, run_file_open_failure_does_not_finish);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(abi_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

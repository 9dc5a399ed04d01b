/*
 * test_budget.c — the session memory budget (ts_options.max_session_memory):
 * which sessions it finishes and when, what they deliver, how it is
 * reported (close reason, ts_stats, the warning), that a budget large enough
 * changes nothing, and what the memory of a session is made of.
 *
 * The captures are fed frame by frame (ts_engine_feed) so that one list of
 * frames runs under several budgets; a run without a limit measures the
 * memory (ts_stats.session_memory_peak after each frame: nothing is freed
 * before the end in these captures, so the peak is the memory held).
 */
#include "lib/memcost.h"
#include "lib/session.h"
#include "pktbuild.h"
#include "tcpsession.h"

#include <check.h>
#include <inttypes.h>
#include <string.h>

/* ---- frames ------------------------------------------------------------ */

typedef struct {
    GArray *frames; /* ts_frame, data owned */
} frames;

static void
sink(void *user, int64_t ts_ns, const uint8_t *frame, uint32_t len)
{
    frames *f = user;
    ts_frame fr = {TS_LINKTYPE_RAW, ts_ns, len, len, g_memdup2(frame, len)};
    g_array_append_val(f->frames, fr);
}

static void
frames_free(frames *f)
{
    for (guint i = 0; i < f->frames->len; i++)
        g_free((void *)g_array_index(f->frames, ts_frame, i).data);
    g_array_unref(f->frames);
}

/* Client i of the flows below: 10.0.0.(i+1):40000 -> 10.0.1.1:80. */
static pb_conn *
flow(frames *f, int i, int64_t t)
{
    char client[32];
    g_snprintf(client, sizeof client, "10.0.0.%d", i + 1);
    pb_conn *k = pb_conn_new(NULL, TS_LINKTYPE_RAW, 4, client, 40000, "10.0.1.1", 80,
                             1000u * (unsigned)(i + 1), 5000);
    pb_conn_set_sink(k, sink, f);
    pb_conn_set_time(k, t);
    return k;
}

#define T0 (1700000000LL * 1000000000LL)
#define SEC 1000000000LL

/* Ten flows one after the other, each a handshake, "hello" and "HELLO"
 * (5 frames); flow 0 left a hole: "hel", then "world" at offset 5 (6 frames).
 * Then flow 0's client sends "again" (frame 52), after its last byte. */
static frames
ten_flows(void)
{
    frames f = {g_array_new(FALSE, FALSE, sizeof(ts_frame))};
    pb_conn *first = NULL;
    for (int i = 0; i < 10; i++) {
        pb_conn *k = flow(&f, i, T0 + i * SEC);
        pb_conn_handshake(k);
        if (i == 0) {
            pb_conn_send_at(k, 0, 0, "hel", 3, 0);
            pb_conn_send_at(k, 0, 5, "world", 5, 0);
            pb_conn_set_next_seq(k, 0, pb_conn_next_seq(k, 0) + 10);
        } else {
            pb_conn_send(k, 0, "hello", 5);
        }
        pb_conn_send(k, 1, "HELLO", 5);
        if (i == 0)
            first = k;
        else
            pb_conn_free(k);
    }
    pb_conn_set_time(first, T0 + 20 * SEC);
    pb_conn_send(first, 0, "again", 5);
    pb_conn_free(first);
    return f;
}

/* ---- runs ---------------------------------------------------------------- */

typedef struct {
    GString *log; /* one line per session_done, in order */
    ts_stats stats;
    GString *warnings;
    GArray *memory; /* size_t: session_memory_peak after each frame */
} run;

/* "stream REASON midstream C:bytes/missing S:bytes/missing gaps anomalies" */
static void
on_done(void *user, ts_session *s)
{
    run *r = user;
    g_string_append_printf(r->log, "%" PRIu64 " %s%s", ts_session_stream(s),
                           ts_close_reason_name(ts_session_close_reason(s)),
                           ts_session_midstream(s) ? " midstream" : "");
    for (int d = 0; d < 2; d++) {
        size_t len;
        const uint8_t *p = ts_session_payload(s, (ts_direction)d, &len);
        g_string_append_printf(r->log, " %c:%.*s/%" PRIu64, d == 0 ? 'C' : 'S', (int)len, p,
                               ts_session_missing_bytes(s, (ts_direction)d));
    }
    size_t n;
    const ts_gap *g = ts_session_gaps(s, &n);
    for (size_t i = 0; i < n; i++)
        g_string_append_printf(r->log, " gap%c%" PRIu64 "+%" PRIu64, g[i].from == 0 ? 'C' : 'S',
                               g[i].offset, g[i].length);
    const ts_anomaly *a = ts_session_anomalies(s, &n);
    for (size_t i = 0; i < n; i++)
        g_string_append_printf(r->log, " %s@%" PRIu64, ts_anomaly_type_name(a[i].type), a[i].frame);
    g_string_append_c(r->log, '\n');
}

/* Runs `f` with keep_payload and session memory budget `budget`. */
static run *
run_frames(const frames *f, size_t budget)
{
    run *r = g_new0(run, 1);
    r->log = g_string_new(NULL);
    r->warnings = g_string_new(NULL);
    r->memory = g_array_new(FALSE, FALSE, sizeof(size_t));
    ts_options o;
    ts_options_init(&o);
    o.keep_payload = true;
    o.max_session_memory = budget;
    ts_callbacks cb = {.session_done = on_done};
    ts_engine *e = ts_engine_new(&o, &cb, r);
    for (guint i = 0; i < f->frames->len; i++) {
        ts_engine_feed(e, &g_array_index(f->frames, ts_frame, i));
        size_t m = (size_t)ts_engine_stats(e)->session_memory_peak;
        g_array_append_val(r->memory, m);
    }
    ts_engine_finish(e);
    r->stats = *ts_engine_stats(e);
    size_t nw;
    const char *const *w = ts_engine_warnings(e, &nw);
    for (size_t i = 0; i < nw; i++)
        g_string_append_printf(r->warnings, "%s\n", w[i]);
    ts_engine_free(e);
    return r;
}

static void
run_free(run *r)
{
    g_string_free(r->log, TRUE);
    g_string_free(r->warnings, TRUE);
    g_array_unref(r->memory);
    g_free(r);
}

#define MEM_AFTER(r, frame) g_array_index((r)->memory, size_t, (frame)-1)

/* ---- tests ----------------------------------------------------------------- */

/* Without a limit every session ends with the capture; with the memory of
 * five complete flows as the budget, each new flow finishes the one idle
 * longest: flows 0-4 for flows 5-9, then flow 5 for flow 0's late "again",
 * which starts a new session (stream 10, mid-stream). Flow 0's "world"
 * after its hole is delivered after the gap, as at the end of a capture. */
START_TEST(oldest_idle_sessions_are_evicted)
{
    frames f = ten_flows();
    run *all = run_frames(&f, 0);
    ck_assert_str_eq(all->log->str, "0 end_of_capture C:helworldagain/2 S:HELLO/0 gapC3+2\n"
                                    "1 end_of_capture C:hello/0 S:HELLO/0\n"
                                    "2 end_of_capture C:hello/0 S:HELLO/0\n"
                                    "3 end_of_capture C:hello/0 S:HELLO/0\n"
                                    "4 end_of_capture C:hello/0 S:HELLO/0\n"
                                    "5 end_of_capture C:hello/0 S:HELLO/0\n"
                                    "6 end_of_capture C:hello/0 S:HELLO/0\n"
                                    "7 end_of_capture C:hello/0 S:HELLO/0\n"
                                    "8 end_of_capture C:hello/0 S:HELLO/0\n"
                                    "9 end_of_capture C:hello/0 S:HELLO/0\n");
    ck_assert_uint_eq(all->stats.sessions_evicted, 0);
    ck_assert_str_eq(all->warnings->str, "");

    size_t five = MEM_AFTER(all, 26); /* flows 0-4: 6 + 4 * 5 frames */
    run *r = run_frames(&f, five);
    ck_assert_str_eq(r->log->str, "0 evicted C:helworld/2 S:HELLO/0 gapC3+2\n"
                                  "1 evicted C:hello/0 S:HELLO/0\n"
                                  "2 evicted C:hello/0 S:HELLO/0\n"
                                  "3 evicted C:hello/0 S:HELLO/0\n"
                                  "4 evicted C:hello/0 S:HELLO/0\n"
                                  "5 evicted C:hello/0 S:HELLO/0\n"
                                  "6 end_of_capture C:hello/0 S:HELLO/0\n"
                                  "7 end_of_capture C:hello/0 S:HELLO/0\n"
                                  "8 end_of_capture C:hello/0 S:HELLO/0\n"
                                  "9 end_of_capture C:hello/0 S:HELLO/0\n"
                                  "10 end_of_capture midstream C:again/0 S:/0 roles_inferred@52\n");
    ck_assert_uint_eq(r->stats.sessions_evicted, 6);
    ck_assert_uint_eq(r->stats.sessions_forgotten, 0);
    ck_assert_uint_eq(r->stats.sessions, 11);
    g_autofree char *want =
        g_strdup_printf("6 sessions finished early: session memory budget %zu bytes reached "
                        "(--max-session-memory)\n",
                        five);
    ck_assert_uint_ne(five % 1024, 0); /* else the budget is printed in KiB */
    ck_assert_str_eq(r->warnings->str, want);
    /* the memory held passes the budget by at most what one frame adds
       before the evictions it triggers: here the session "again" opens
       (its struct, a chunk list of 128 bytes, an anomaly list of 96) */
    ck_assert_uint_gt(r->stats.session_memory_peak, five);
    ck_assert_uint_le(r->stats.session_memory_peak, five + ts_session_base_cost() + 128 + 96);
    run_free(r);
    run_free(all);
    frames_free(&f);
}
END_TEST

/* A budget as large as what the run without a limit held changes nothing. */
START_TEST(budget_large_enough_changes_nothing)
{
    frames f = ten_flows();
    run *all = run_frames(&f, 0);
    run *r = run_frames(&f, (size_t)all->stats.session_memory_peak);
    ck_assert_str_eq(r->log->str, all->log->str);
    ck_assert_uint_eq(r->stats.sessions_evicted, 0);
    ck_assert_str_eq(r->warnings->str, "");
    run_free(r);
    run_free(all);
    frames_free(&f);
}
END_TEST

/* The memory of a session is its allocations with the allocator's
 * overhead: a SYN-only flow costs its struct; a direction that delivered
 * 5 bytes adds a 16-byte history ring (32 with its header), not 2 KiB. */
START_TEST(memory_of_small_flows)
{
    frames f = {g_array_new(FALSE, FALSE, sizeof(ts_frame))};
    pb_conn *k = flow(&f, 0, T0);
    pb_tcp syn;
    pb_conn_template(k, 0, &syn);
    syn.flags = 0x02;
    syn.seq = 1000;
    syn.ack = 0;
    pb_conn_write(k, &syn);
    pb_conn_set_next_seq(k, 0, 1001);
    pb_conn_send(k, 0, "hello", 5);
    pb_conn_free(k);
    ts_options o;
    ts_options_init(&o); /* no kept payload: the history ring holds the bytes */
    size_t peak[2];
    ts_engine *e = ts_engine_new(&o, NULL, NULL);
    size_t tables = ts_engine_stats(e)->session_memory_peak;
    for (guint i = 0; i < 2; i++) {
        ts_engine_feed(e, &g_array_index(f.frames, ts_frame, i));
        peak[i] = (size_t)ts_engine_stats(e)->session_memory_peak;
    }
    ts_engine_free(e);
    ck_assert_uint_eq(tables, 0); /* nothing measured before the first frame */
    size_t base = peak[0];
    ck_assert_uint_eq(peak[1] - base, ts_mem_block(16));
    ck_assert_uint_le(ts_session_base_cost(), 800);
    frames_free(&f);
}
END_TEST

/* The last session left gives up its out-of-order data as at the buffer
 * cap (a buffer_limit anomaly, the hole a gap) instead of being finished. */
START_TEST(last_session_gives_up_out_of_order_data)
{
    frames f = {g_array_new(FALSE, FALSE, sizeof(ts_frame))};
    pb_conn *k = flow(&f, 0, T0);
    pb_conn_handshake(k);
    for (uint32_t i = 0; i < 200; i++)
        pb_conn_send_at(k, 0, 1 + i, "x", 1, 0); /* offset 0 never comes */
    pb_conn_free(k);
    run *all = run_frames(&f, 0);
    ck_assert_uint_eq(all->stats.sessions_evicted, 0);
    size_t budget = MEM_AFTER(all, 3) + 20 * ts_reasm_piece_cost(1) + ts_reasm_store_cost();
    run *r = run_frames(&f, budget);
    ck_assert_uint_eq(r->stats.sessions_evicted, 0);
    ck_assert_str_eq(r->warnings->str, "");
    /* the same bytes and gap; the hole goes at the first frame past the
       budget (frame 24: the 21st piece) instead of at the end */
    g_autofree char *xs = g_strnfill(200, 'x');
    g_autofree char *want = g_strdup_printf("0 end_of_capture C:%s/1 S:/0 gapC0+1", xs);
    g_autofree char *want_all = g_strdup_printf("%s\n", want);
    g_autofree char *want_r = g_strdup_printf("%s buffer_limit@24\n", want);
    ck_assert_str_eq(all->log->str, want_all);
    ck_assert_str_eq(r->log->str, want_r);
    ck_assert_uint_le(r->stats.session_memory_peak, budget + ts_reasm_piece_cost(1));
    run_free(r);
    run_free(all);
    frames_free(&f);
}
END_TEST

static Suite *
budget_suite(void)
{
    Suite *s = suite_create("budget");
    TCase *tc = tcase_create("budget");
    tcase_add_test(tc, oldest_idle_sessions_are_evicted);
    tcase_add_test(tc, budget_large_enough_changes_nothing);
    tcase_add_test(tc, memory_of_small_flows);
    tcase_add_test(tc, last_session_gives_up_out_of_order_data);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(budget_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

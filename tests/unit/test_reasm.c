/*
 * test_reasm.c — unit tests of one-direction reassembly (engine/lib/reasm.c):
 * exact deliveries, gaps and conflicts for hand-written cases, and a
 * randomized comparison against a byte-map model for each overlap policy.
 */
#include "reasm.h"

#include <check.h>
#include <string.h>

/* A recording sink: the stream as delivered (by offset), gaps, conflicts. */
typedef struct {
    ts_overlap_policy policy;
    uint8_t out[4096];
    bool have[4096];
    uint64_t next; /* where the next delivery or gap must start */
    GString *log;  /* "D0+5 G5+3 C2+1 O0+2 L.. E.." */
    const uint8_t *last_data;
    uint64_t last_frame;
    uint64_t frames_added;
    int deliveries, gaps, conflicts, limits, beyond;
} rec;

static void
rec_deliver(void *ctx, uint64_t off, const uint8_t *data, size_t len, uint64_t frame, int64_t ts_ns)
{
    (void)ts_ns;
    rec *rr = ctx;
    rr->last_frame = frame;
    rec *r = ctx;
    ck_assert_uint_eq(off, r->next);
    for (size_t i = 0; i < len; i++) {
        ck_assert(!r->have[off + i]);
        r->have[off + i] = true;
        r->out[off + i] = data[i];
    }
    r->next = off + len;
    r->last_data = data;
    r->deliveries++;
    g_string_append_printf(r->log, "D%" G_GUINT64_FORMAT "+%zu ", off, len);
}

static void
rec_gap(void *ctx, uint64_t off, uint64_t len)
{
    rec *r = ctx;
    ck_assert_uint_eq(off, r->next);
    ck_assert_uint_gt(len, 0);
    r->next = off + len;
    r->gaps++;
    g_string_append_printf(r->log, "G%" G_GUINT64_FORMAT "+%" G_GUINT64_FORMAT " ", off, len);
}

static void
rec_conflict(void *ctx, uint64_t off, uint64_t len)
{
    rec *r = ctx;
    r->conflicts++;
    g_string_append_printf(r->log, "C%" G_GUINT64_FORMAT "+%" G_GUINT64_FORMAT " ", off, len);
}

static void
rec_old(void *ctx, uint64_t off, const uint8_t *data, size_t len)
{
    rec *r = ctx;
    g_string_append_printf(r->log, "O%" G_GUINT64_FORMAT "+%zu ", off, len);
    /* like the session does: compare with what was delivered, LAST rewrites */
    bool differ = false;
    for (size_t i = 0; i < len; i++) {
        if (r->have[off + i] && r->out[off + i] != data[i]) {
            differ = true;
            if (r->policy == TS_OVERLAP_LAST)
                r->out[off + i] = data[i];
        }
    }
    r->conflicts += differ;
}

static void
rec_limit(void *ctx, uint64_t off, uint64_t len)
{
    rec *r = ctx;
    r->limits++;
    g_string_append_printf(r->log, "L%" G_GUINT64_FORMAT "+%" G_GUINT64_FORMAT " ", off, len);
}

static void
rec_beyond(void *ctx, uint64_t off, uint64_t len)
{
    rec *r = ctx;
    r->beyond++;
    g_string_append_printf(r->log, "E%" G_GUINT64_FORMAT "+%" G_GUINT64_FORMAT " ", off, len);
}

static const ts_reasm_sink sink = {rec_deliver, rec_gap,   rec_conflict,
                                   rec_old,     rec_limit, rec_beyond};

static rec *
rec_new(ts_overlap_policy p)
{
    rec *r = g_new0(rec, 1);
    r->policy = p;
    r->log = g_string_new(NULL);
    return r;
}

static void
rec_free(rec *r)
{
    g_string_free(r->log, TRUE);
    g_free(r);
}

static void
add(ts_reasm *ra, rec *r, uint64_t off, const char *s)
{
    ts_reasm_add(ra, off, (const uint8_t *)s, strlen(s), ++r->frames_added, 0, &sink, r);
}

START_TEST(in_order_is_delivered_without_copy)
{
    ts_reasm ra;
    rec *r = rec_new(TS_OVERLAP_FIRST);
    ts_reasm_init(&ra, TS_OVERLAP_FIRST, 1 << 20, NULL);
    static const uint8_t seg[] = "hello";
    ts_reasm_add(&ra, 0, seg, 5, 1, 0, &sink, r);
    ck_assert_ptr_eq(r->last_data, seg);
    ck_assert_ptr_null(ra.store);
    add(&ra, r, 5, " world");
    ts_reasm_flush(&ra, &sink, r);
    ck_assert_str_eq(r->log->str, "D0+5 D5+6 ");
    ck_assert_mem_eq(r->out, "hello world", 11);
    ts_reasm_clear(&ra);
    rec_free(r);
}
END_TEST

START_TEST(out_of_order_is_put_back_in_order)
{
    ts_reasm ra;
    rec *r = rec_new(TS_OVERLAP_FIRST);
    ts_reasm_init(&ra, TS_OVERLAP_FIRST, 1 << 20, NULL);
    add(&ra, r, 6, "world");
    add(&ra, r, 3, "lo ");
    ck_assert_uint_eq(ra.buffered, 8);
    add(&ra, r, 0, "hel");
    ck_assert_str_eq(r->log->str, "D0+3 D3+3 D6+5 ");
    ck_assert_uint_eq(r->last_frame, 1); /* "world" came in the first packet */
    ck_assert_uint_eq(ra.buffered, 0);
    ck_assert_ptr_null(ra.store);
    ts_reasm_clear(&ra);
    rec_free(r);
}
END_TEST

START_TEST(retransmission_goes_to_old)
{
    ts_reasm ra;
    rec *r = rec_new(TS_OVERLAP_FIRST);
    ts_reasm_init(&ra, TS_OVERLAP_FIRST, 1 << 20, NULL);
    add(&ra, r, 0, "abcdef");
    add(&ra, r, 2, "cdXYgh");
    ck_assert_str_eq(r->log->str, "D0+6 O2+4 D6+2 ");
    ck_assert_int_eq(r->conflicts, 1);
    ck_assert_mem_eq(r->out, "abcdefgh", 8);
    ts_reasm_clear(&ra);
    rec_free(r);
}
END_TEST

START_TEST(first_policy_keeps_buffered_bytes)
{
    ts_reasm ra;
    rec *r = rec_new(TS_OVERLAP_FIRST);
    ts_reasm_init(&ra, TS_OVERLAP_FIRST, 1 << 20, NULL);
    add(&ra, r, 4, "GOOD");
    add(&ra, r, 4, "EVIL");
    add(&ra, r, 0, "1234");
    ck_assert_str_eq(r->log->str, "C4+4 D0+4 D4+4 ");
    ck_assert_mem_eq(r->out, "1234GOOD", 8);
    ts_reasm_clear(&ra);
    rec_free(r);
}
END_TEST

START_TEST(last_policy_takes_newer_bytes)
{
    ts_reasm ra;
    rec *r = rec_new(TS_OVERLAP_LAST);
    ts_reasm_init(&ra, TS_OVERLAP_LAST, 1 << 20, NULL);
    add(&ra, r, 4, "GOOD");
    add(&ra, r, 5, "XX");
    add(&ra, r, 0, "1234");
    ck_assert_str_eq(r->log->str, "C5+2 D0+4 D4+4 ");
    ck_assert_mem_eq(r->out, "1234GXXD", 8);
    ts_reasm_clear(&ra);
    rec_free(r);
}
END_TEST

START_TEST(linux_policy_prefers_lowest_start)
{
    ts_reasm ra;
    rec *r = rec_new(TS_OVERLAP_LINUX);
    ts_reasm_init(&ra, TS_OVERLAP_LINUX, 1 << 20, NULL);
    add(&ra, r, 6, "ffff");    /* [6,10) */
    add(&ra, r, 4, "AAAAAA");  /* [4,10): starts lower, wins 6..9 */
    add(&ra, r, 4, "BBBBBBB"); /* same start, longer: wins [4,11) */
    add(&ra, r, 4, "CCCCCCC"); /* same start, same length: first (B) stays */
    add(&ra, r, 0, "0123");
    ck_assert_mem_eq(r->out, "0123BBBBBBB", 11);
    ts_reasm_clear(&ra);
    rec_free(r);
}
END_TEST

START_TEST(flush_declares_holes_as_gaps)
{
    ts_reasm ra;
    rec *r = rec_new(TS_OVERLAP_FIRST);
    ts_reasm_init(&ra, TS_OVERLAP_FIRST, 1 << 20, NULL);
    add(&ra, r, 0, "ab");
    add(&ra, r, 5, "fg");
    add(&ra, r, 10, "k");
    ck_assert(ts_reasm_set_end(&ra, 13, &sink, r));
    ts_reasm_flush(&ra, &sink, r);
    ck_assert_str_eq(r->log->str, "D0+2 G2+3 D5+2 G7+3 D10+1 G11+2 ");
    ts_reasm_clear(&ra);
    rec_free(r);
}
END_TEST

START_TEST(ack_past_a_hole_declares_it_missing)
{
    ts_reasm ra;
    rec *r = rec_new(TS_OVERLAP_FIRST);
    ts_reasm_init(&ra, TS_OVERLAP_FIRST, 1 << 20, NULL);
    add(&ra, r, 0, "ab");
    ts_reasm_ack(&ra, 4, &sink, r); /* nothing buffered: no evidence needed yet */
    ck_assert_str_eq(r->log->str, "D0+2 ");
    add(&ra, r, 6, "gh"); /* buffered behind a hole that was acked up to 4 */
    ck_assert_str_eq(r->log->str, "D0+2 G2+2 ");
    add(&ra, r, 4, "ef");
    ck_assert_str_eq(r->log->str, "D0+2 G2+2 D4+2 D6+2 ");
    add(&ra, r, 10, "kl");
    ts_reasm_ack(&ra, 12, &sink, r);
    ck_assert_str_eq(r->log->str, "D0+2 G2+2 D4+2 D6+2 G8+2 D10+2 ");
    add(&ra, r, 2, "cd"); /* too late: below next */
    ck_assert_str_eq(r->log->str, "D0+2 G2+2 D4+2 D6+2 G8+2 D10+2 O2+2 ");
    ts_reasm_clear(&ra);
    rec_free(r);
}
END_TEST

START_TEST(cap_forces_a_gap_and_reports_it)
{
    ts_reasm ra;
    rec *r = rec_new(TS_OVERLAP_FIRST);
    /* the cap counts memory: the store and two 4-byte pieces fit exactly */
    size_t cap = ts_reasm_store_cost() + 2 * ts_reasm_piece_cost(4);
    ts_reasm_init(&ra, TS_OVERLAP_FIRST, cap, NULL);
    add(&ra, r, 10, "abcd");
    add(&ra, r, 20, "efgh");
    ck_assert_uint_eq(ra.buffered, 8);
    ck_assert_uint_eq(ra.cost, cap);
    ck_assert_str_eq(r->log->str, "");
    add(&ra, r, 30, "i"); /* one piece more: give up on the first hole */
    ck_assert_str_eq(r->log->str, "L0+10 G0+10 D10+4 ");
    ck_assert_uint_eq(ra.buffered, 5);
    ck_assert_uint_eq(ra.cost,
                      ts_reasm_store_cost() + ts_reasm_piece_cost(4) + ts_reasm_piece_cost(1));
    ck_assert_int_eq(r->limits, 1);
    ts_reasm_clear(&ra);
    rec_free(r);
}
END_TEST

/* The store's memory with its overhead: a one-byte piece costs its header
 * and tree node (112 bytes with glibc's rounding); pieces cut by a policy
 * or a FIN keep their allocation; the account follows every change and is
 * back to 0 when the store is empty. */
START_TEST(cost_counts_overhead_exactly)
{
    ts_reasm ra;
    size_t account = 1000; /* other memory already counted stays */
    rec *r = rec_new(TS_OVERLAP_FIRST);
    ck_assert_uint_eq(ts_reasm_piece_cost(1), 112);
    ts_reasm_init(&ra, TS_OVERLAP_FIRST, 1 << 20, &account);
    for (int i = 0; i < 100; i++)
        add(&ra, r, 10 + 2 * i, "x");
    ck_assert_uint_eq(ra.buffered, 100);
    ck_assert_uint_eq(ra.cost, ts_reasm_store_cost() + 100 * 112);
    ck_assert_uint_eq(account, 1000 + ra.cost);
    add(&ra, r, 300, "abcdefgh");
    ck_assert(ts_reasm_set_end(&ra, 302, &sink, r)); /* cuts "abcdefgh" to "ab" */
    ck_assert_uint_eq(ra.buffered, 102);
    ck_assert_uint_eq(ra.cost, ts_reasm_store_cost() + 100 * 112 + ts_reasm_piece_cost(8));
    ck_assert_uint_eq(account, 1000 + ra.cost);
    ts_reasm_flush(&ra, &sink, r);
    ck_assert_uint_eq(ra.cost, 0);
    ck_assert_uint_eq(account, 1000);
    ts_reasm_clear(&ra);
    rec_free(r);
}
END_TEST

START_TEST(bytes_beyond_fin_are_dropped)
{
    ts_reasm ra;
    rec *r = rec_new(TS_OVERLAP_FIRST);
    ts_reasm_init(&ra, TS_OVERLAP_FIRST, 1 << 20, NULL);
    add(&ra, r, 4, "efgh");
    ck_assert(ts_reasm_set_end(&ra, 6, &sink, r));
    ck_assert(!ts_reasm_set_end(&ra, 7, &sink, r));
    ck_assert(ts_reasm_set_end(&ra, 6, &sink, r));
    add(&ra, r, 0, "abcdXYZ"); /* X at 4 is old-buffered: conflict with e; Z beyond */
    ts_reasm_flush(&ra, &sink, r);
    ck_assert_str_eq(r->log->str, "E6+2 E6+1 C4+2 D0+4 D4+2 ");
    ck_assert_mem_eq(r->out, "abcdef", 6);
    ts_reasm_clear(&ra);
    rec_free(r);
}
END_TEST

static uint64_t counted_bytes, counted_next;

static void
count_deliver(void *ctx, uint64_t off, const uint8_t *data, size_t len, uint64_t frame,
              int64_t ts_ns)
{
    (void)ctx;
    (void)frame;
    (void)ts_ns;
    (void)data;
    ck_assert_uint_eq(off, counted_next);
    counted_next = off + len;
    counted_bytes += len;
}

START_TEST(reversed_one_byte_segments_stay_fast)
{
    /* libnids TCP test k: memory/CPU exhaustion with reversed 1-byte segments */
    enum { N = 200000 };
    ts_reasm ra;
    ts_reasm_sink counting = sink;
    counting.deliver = count_deliver;
    counted_bytes = counted_next = 0;
    ts_reasm_init(&ra, TS_OVERLAP_FIRST, (size_t)1 << 30, NULL);
    for (uint64_t i = N; i-- > 1;)
        ts_reasm_add(&ra, i, (const uint8_t *)"x", 1, 0, 0, &counting, NULL);
    ck_assert_uint_eq(ra.buffered, N - 1);
    ck_assert_uint_eq(counted_bytes, 0);
    ts_reasm_add(&ra, 0, (const uint8_t *)"x", 1, 0, 0, &counting, NULL);
    ck_assert_uint_eq(counted_bytes, N);
    ck_assert_uint_eq(ra.buffered, 0);
    ck_assert_ptr_null(ra.store);
    ts_reasm_clear(&ra);
}
END_TEST

/* ---- randomized comparison with a byte-map model ---------------------- */

typedef struct {
    uint8_t val[512];
    bool set[512];
    uint64_t owner_start[512];
    uint64_t owner_len[512];
    uint64_t next;
} model;

static bool
model_new_wins(ts_overlap_policy p, const model *m, uint64_t o, uint64_t start, uint64_t len)
{
    switch (p) {
    case TS_OVERLAP_FIRST: return false;
    case TS_OVERLAP_LAST: return true;
    case TS_OVERLAP_LINUX:
        return start < m->owner_start[o] || (start == m->owner_start[o] && len > m->owner_len[o]);
    }
    return false;
}

static void
model_add(model *m, ts_overlap_policy p, uint64_t start, const uint8_t *d, uint64_t len)
{
    for (uint64_t i = 0; i < len; i++) {
        uint64_t o = start + i;
        bool below = o < m->next;
        if (!m->set[o] || (below ? p == TS_OVERLAP_LAST : model_new_wins(p, m, o, start, len))) {
            m->set[o] = true;
            m->val[o] = d[i];
            m->owner_start[o] = start;
            m->owner_len[o] = len;
        }
    }
    while (m->set[m->next])
        m->next++;
}

START_TEST(random_segments_match_the_model)
{
    const ts_overlap_policy policies[] = {TS_OVERLAP_FIRST, TS_OVERLAP_LAST, TS_OVERLAP_LINUX};
    GRand *rnd = g_rand_new_with_seed(20261126);
    for (int iter = 0; iter < 3000; iter++) {
        ts_overlap_policy p = policies[iter % 3];
        ts_reasm ra;
        rec *r = rec_new(p);
        model *m = g_new0(model, 1);
        ts_reasm_init(&ra, p, 1 << 20, NULL);
        int nseg = g_rand_int_range(rnd, 1, 25);
        for (int k = 0; k < nseg; k++) {
            uint64_t start = g_rand_int_range(rnd, 0, 200);
            uint64_t len = g_rand_int_range(rnd, 1, 40);
            uint8_t data[40];
            for (uint64_t i = 0; i < len; i++)
                data[i] = (uint8_t)('a' + g_rand_int_range(rnd, 0, 3));
            model_add(m, p, start, data, len);
            ts_reasm_add(&ra, start, data, len, k + 1, 0, &sink, r);
        }
        ts_reasm_flush(&ra, &sink, r);
        for (int o = 0; o < 260; o++) {
            ck_assert_msg(r->have[o] == m->set[o], "iter %d policy %d offset %d: have %d model %d",
                          iter, p, o, r->have[o], m->set[o]);
            if (m->set[o])
                ck_assert_msg(r->out[o] == m->val[o], "iter %d policy %d offset %d: %c vs %c", iter,
                              p, o, r->out[o], m->val[o]);
        }
        ck_assert_uint_eq(ra.buffered, 0);
        ts_reasm_clear(&ra);
        g_free(m);
        rec_free(r);
    }
    g_rand_free(rnd);
}
END_TEST

static Suite *
ts_reasm_suite(void)
{
    Suite *s = suite_create("reasm");
    TCase *tc = tcase_create("cases");
    tcase_add_test(tc, in_order_is_delivered_without_copy);
    tcase_add_test(tc, out_of_order_is_put_back_in_order);
    tcase_add_test(tc, retransmission_goes_to_old);
    tcase_add_test(tc, first_policy_keeps_buffered_bytes);
    tcase_add_test(tc, last_policy_takes_newer_bytes);
    tcase_add_test(tc, linux_policy_prefers_lowest_start);
    tcase_add_test(tc, flush_declares_holes_as_gaps);
    tcase_add_test(tc, ack_past_a_hole_declares_it_missing);
    tcase_add_test(tc, cap_forces_a_gap_and_reports_it);
    tcase_add_test(tc, cost_counts_overhead_exactly);
    tcase_add_test(tc, bytes_beyond_fin_are_dropped);
    tcase_add_test(tc, reversed_one_byte_segments_stay_fast);
    suite_add_tcase(s, tc);
    TCase *rnd = tcase_create("randomized");
    tcase_set_timeout(rnd, 120);
    tcase_add_test(rnd, random_segments_match_the_model);
    suite_add_tcase(s, rnd);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(ts_reasm_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

/*
 * test_seq.c — unit tests of TCP sequence arithmetic (engine/lib/seq.h).
 */
#include "seq.h"

#include <check.h>
#include <glib.h>

START_TEST(diff_and_before_wrap_around)
{
    ck_assert_int_eq(ts_seq_diff(5, 3), 2);
    ck_assert_int_eq(ts_seq_diff(3, 5), -2);
    ck_assert_int_eq(ts_seq_diff(2, 0xFFFFFFFEu), 4);
    ck_assert_int_eq(ts_seq_diff(0xFFFFFFFEu, 2), -4);
    ck_assert(ts_seq_before(0xFFFFFFF0u, 0x10));
    ck_assert(!ts_seq_before(0x10, 0xFFFFFFF0u));
    ck_assert(!ts_seq_before(7, 7));
}
END_TEST

START_TEST(unwrap_picks_the_nearest_value)
{
    uint64_t base = ts_seq_abs_start(0xFFFFFF00u);
    ck_assert_uint_eq(base, TS_SEQ_ABS_BASE + 0xFFFFFF00u);
    /* 0x10 after the wrap is 0x110 bytes ahead */
    ck_assert_uint_eq(ts_seq_unwrap(0x10, base) - base, 0x110);
    /* a little behind */
    ck_assert_uint_eq(base - ts_seq_unwrap(0xFFFFFE00u, base), 0x100);
    /* exactly the reference */
    ck_assert_uint_eq(ts_seq_unwrap(0xFFFFFF00u, base), base);
    /* 2^31 - 1 ahead stays ahead */
    ck_assert_uint_eq(ts_seq_unwrap(0xFFFFFF00u + 0x7FFFFFFFu, base) - base, 0x7FFFFFFFu);
}
END_TEST

START_TEST(unwrap_follows_a_moving_reference_across_many_wraps)
{
    GRand *rnd = g_rand_new_with_seed(7);
    uint32_t isn = g_rand_int(rnd);
    uint64_t base = ts_seq_abs_start(isn), ref = base, truth = 0;
    for (int i = 0; i < 100000; i++) {
        truth += g_rand_int_range(rnd, 0, 1 << 20); /* ~50 GB in total: >10 wraps */
        uint32_t seq = isn + (uint32_t)truth;
        uint64_t abs = ts_seq_unwrap(seq, ref);
        ck_assert_uint_eq(abs - base, truth);
        ref = abs;
    }
    ck_assert_uint_gt(truth, (uint64_t)10 << 32);
    g_rand_free(rnd);
}
END_TEST

static Suite *
ts_seq_suite(void)
{
    Suite *s = suite_create("seq");
    TCase *tc = tcase_create("arithmetic");
    tcase_add_test(tc, diff_and_before_wrap_around);
    tcase_add_test(tc, unwrap_picks_the_nearest_value);
    tcase_add_test(tc, unwrap_follows_a_moving_reference_across_many_wraps);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(ts_seq_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

/*
 * test_tshark_text.c — unit tests of tshark's missing-bytes text
 * (engine/util/tshark_text.c): the exact text and length with its NUL,
 * tshark's 32-bit signed printing of large counts, and buffers too small.
 */
#include "util/tshark_text.h"

#include <check.h>
#include <glib.h>
#include <string.h>

START_TEST(missing_text_exact)
{
    char buf[TS_MISSING_TEXT_MAX];
    size_t n = ts_missing_bytes_text(1460, buf, sizeof buf);
    ck_assert_str_eq(buf, "[1460 bytes missing in capture file]");
    ck_assert_uint_eq(n, strlen("[1460 bytes missing in capture file]") + 1);
    ck_assert_uint_eq(ts_missing_bytes_text(0, buf, sizeof buf), 34);
    ck_assert_str_eq(buf, "[0 bytes missing in capture file]");
    ck_assert_uint_eq(ts_missing_bytes_text(1, buf, sizeof buf), 34);
    ck_assert_str_eq(buf, "[1 bytes missing in capture file]");
}
END_TEST

START_TEST(missing_text_wraps_as_tshark)
{
    char buf[TS_MISSING_TEXT_MAX];
    ts_missing_bytes_text(0x7fffffffu, buf, sizeof buf);
    ck_assert_str_eq(buf, "[2147483647 bytes missing in capture file]");
    ts_missing_bytes_text(0x80000000u, buf, sizeof buf);
    ck_assert_str_eq(buf, "[-2147483648 bytes missing in capture file]");
    ts_missing_bytes_text(0xffffffffu, buf, sizeof buf);
    ck_assert_str_eq(buf, "[-1 bytes missing in capture file]");
    ts_missing_bytes_text(((uint64_t)1 << 32) + 5, buf, sizeof buf);
    ck_assert_str_eq(buf, "[5 bytes missing in capture file]");
    /* the longest text fits */
    ck_assert_uint_eq(ts_missing_bytes_text(0x80000000u, buf, sizeof buf),
                      strlen("[-2147483648 bytes missing in capture file]") + 1);
}
END_TEST

START_TEST(missing_text_small_buffer)
{
    char buf[TS_MISSING_TEXT_MAX];
    size_t need = strlen("[12 bytes missing in capture file]") + 1;
    ck_assert_uint_eq(ts_missing_bytes_text(12, buf, need), need);
    ck_assert_uint_eq(ts_missing_bytes_text(12, buf, need - 1), 0);
    ck_assert_uint_eq(ts_missing_bytes_text(12, buf, 1), 0);
}
END_TEST

static Suite *
tshark_text_suite(void)
{
    Suite *s = suite_create("tshark_text");
    TCase *tc = tcase_create("missing");
    tcase_add_test(tc, missing_text_exact);
    tcase_add_test(tc, missing_text_wraps_as_tshark);
    tcase_add_test(tc, missing_text_small_buffer);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(tshark_text_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

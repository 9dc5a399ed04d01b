/*
 * test_paths.c — unit tests of the path checks of engine/util/atomic_file.c
 * that keep every output inside its folder: ts_path_component (a capture
 * stem or address made one safe component: separators and control
 * characters replaced, "", "." and ".." refused) and ts_path_join_inside
 * (absolute paths and empty, "." or ".." components refused with the exact
 * message). Exact strings every time.
 */
#include "util/atomic_file.h"

#include <check.h>
#include <glib.h>

START_TEST(components)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"sample", "sample"},
        {"", "_"},
        {".", "_"},
        {"..", "_"},
        {"...", "..."},
        {"..x", "..x"},
        {"a/b", "a_b"},
        {"../x", ".._x"},
        {"/abs", "_abs"},
        {"a\\b", "a_b"},
        {"x\ty\n", "x_y_"},
        {"\001\037\177", "___"},
        {"with space", "with space"},
        {"caf\303\251", "caf\303\251"},
        {"10.0.0.1_80-10.0.0.2_1234", "10.0.0.1_80-10.0.0.2_1234"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *got = ts_path_component(cases[i].in);
        ck_assert_str_eq(got, cases[i].out);
    }
    g_autofree char *null = ts_path_component(NULL);
    ck_assert_str_eq(null, "_");
}
END_TEST

START_TEST(joins_inside)
{
    static const struct {
        const char *dir, *rel, *out;
    } cases[] = {
        {"out", "a", "out/a"},
        {"out", "tcpsession/sub/stem/x.json", "out/tcpsession/sub/stem/x.json"},
        {"/tmp/o/", "a", "/tmp/o/a"},
        {"out", "..a/b..", "out/..a/b.."},
        {"out", "...", "out/..."},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        GError *error = NULL;
        g_autofree char *got = ts_path_join_inside(cases[i].dir, cases[i].rel, &error);
        ck_assert_msg(got != NULL, "%s: %s", cases[i].rel, error ? error->message : "");
        ck_assert_str_eq(got, cases[i].out);
    }
}
END_TEST

START_TEST(refuses_leaving)
{
    static const struct {
        const char *rel, *message;
    } cases[] = {
        {"", "refusing output name '': not a relative path"},
        {"/etc/passwd", "refusing output name '/etc/passwd': not a relative path"},
        {"..", "refusing output name '..': it would leave the output folder"},
        {"../x", "refusing output name '../x': it would leave the output folder"},
        {"a/../b", "refusing output name 'a/../b': it would leave the output folder"},
        {"a/..", "refusing output name 'a/..': it would leave the output folder"},
        {"./a", "refusing output name './a': it would leave the output folder"},
        {"a//b", "refusing output name 'a//b': it would leave the output folder"},
        {"a/", "refusing output name 'a/': it would leave the output folder"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        GError *error = NULL;
        char *got = ts_path_join_inside("out", cases[i].rel, &error);
        ck_assert_msg(got == NULL, "'%s' accepted as %s", cases[i].rel, got);
        ck_assert(g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_INVAL));
        ck_assert_str_eq(error->message, cases[i].message);
        g_error_free(error);
    }
    GError *error = NULL;
    ck_assert_ptr_null(ts_path_join_inside("out", NULL, &error));
    ck_assert_str_eq(error->message, "refusing output name '': not a relative path");
    g_error_free(error);
}
END_TEST

static Suite *
paths_suite(void)
{
    Suite *s = suite_create("paths");
    TCase *tc = tcase_create("inside");
    tcase_add_test(tc, components);
    tcase_add_test(tc, joins_inside);
    tcase_add_test(tc, refuses_leaving);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(paths_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

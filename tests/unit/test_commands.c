/*
 * test_commands.c — unit tests of the table of commands (engine/cli/
 * commands.c): finding a command by exact name or unambiguous prefix, the
 * candidates of an ambiguous prefix, unknown names, and the usage text made
 * from the table, byte for byte as tcpsession has always printed it.
 */
#include "cli.h"

#include <check.h>
#include <glib.h>
#include <string.h>

static int
run_nothing(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

/* A table with prefixes shared between names. */
static const ts_cmd_entry sample[] = {
    {"list", "list", "list things", run_nothing},
    {"ls", "ls", "list things briefly", run_nothing},
    {"load", "load FILE", "load a file", run_nothing},
    {"in", "in", "go in", run_nothing},
    {"info", "info", "tell", run_nothing},
};

/* The names ts_cmd_find() gives as candidates, joined by ",". */
static char *
find_candidates(const ts_cmd_entry *table, size_t n, const char *name, const ts_cmd_entry **found)
{
    g_autoptr(GPtrArray) c = g_ptr_array_new();
    *found = ts_cmd_find(table, n, name, c);
    g_ptr_array_add(c, NULL);
    return g_strjoinv(",", (char **)c->pdata);
}

START_TEST(real_table_exact_and_prefix)
{
    size_t n = 0;
    const ts_cmd_entry *t = ts_cmd_table(&n);
    ck_assert_uint_eq(n, 7);
    const char *names[] = {"extract", "ls", "verify", "follow", "cat", "original", "help"};
    for (size_t i = 0; i < n; i++) {
        ck_assert_str_eq(t[i].name, names[i]);
        ck_assert_ptr_eq(ts_cmd_find(t, n, names[i], NULL), &t[i]);
        ck_assert_ptr_nonnull(t[i].run);
    }
    ck_assert_ptr_eq(t[0].run, ts_cmd_extract);
    ck_assert_ptr_eq(t[2].run, ts_cmd_verify);
    ck_assert_ptr_eq(t[4].run, ts_cmd_cat);
    ck_assert_ptr_eq(t[5].run, ts_cmd_original);
    ck_assert_ptr_eq(t[6].run, ts_cmd_help);
    ck_assert_ptr_eq(ts_cmd_find(t, n, "ext", NULL), &t[0]);
    ck_assert_ptr_eq(ts_cmd_find(t, n, "e", NULL), &t[0]);
    ck_assert_ptr_eq(ts_cmd_find(t, n, "l", NULL), &t[1]);
    ck_assert_ptr_eq(ts_cmd_find(t, n, "verif", NULL), &t[2]);
    ck_assert_ptr_eq(ts_cmd_find(t, n, "fol", NULL), &t[3]);
    ck_assert_ptr_eq(ts_cmd_find(t, n, "c", NULL), &t[4]);
    ck_assert_ptr_eq(ts_cmd_find(t, n, "orig", NULL), &t[5]);
    ck_assert_ptr_eq(ts_cmd_find(t, n, "h", NULL), &t[6]);
}
END_TEST

START_TEST(unknown_names)
{
    size_t n = 0;
    const ts_cmd_entry *t = ts_cmd_table(&n);
    const ts_cmd_entry *found = NULL;
    const char *unknown[] = {"", "x", "extracts", "Extract", "lsx", "-p", "--help"};
    for (size_t i = 0; i < G_N_ELEMENTS(unknown); i++) {
        g_autofree char *c = find_candidates(t, n, unknown[i], &found);
        ck_assert_msg(found == NULL, "'%s'", unknown[i]);
        ck_assert_str_eq(c, "");
    }
}
END_TEST

START_TEST(ambiguous_prefixes)
{
    const size_t n = G_N_ELEMENTS(sample);
    const ts_cmd_entry *found = NULL;
    g_autofree char *l = find_candidates(sample, n, "l", &found);
    ck_assert_ptr_null(found);
    ck_assert_str_eq(l, "list,ls,load");
    g_autofree char *i = find_candidates(sample, n, "i", &found);
    ck_assert_ptr_null(found);
    ck_assert_str_eq(i, "in,info");
    /* an exact name wins over the longer names it starts */
    g_autofree char *ls = find_candidates(sample, n, "ls", &found);
    ck_assert_ptr_eq(found, &sample[1]);
    ck_assert_str_eq(ls, "");
    ck_assert_ptr_eq(ts_cmd_find(sample, n, "in", NULL), &sample[3]);
    /* a unique prefix, candidates left empty */
    g_autofree char *lo = find_candidates(sample, n, "lo", &found);
    ck_assert_ptr_eq(found, &sample[2]);
    ck_assert_str_eq(lo, "");
    ck_assert_ptr_eq(ts_cmd_find(sample, n, "li", NULL), &sample[0]);
    ck_assert_ptr_eq(ts_cmd_find(sample, n, "inf", NULL), &sample[4]);
    g_autofree char *none = find_candidates(sample, n, "lz", &found);
    ck_assert_ptr_null(found);
    ck_assert_str_eq(none, "");
}
END_TEST

START_TEST(usage_text)
{
    size_t n = 0;
    const ts_cmd_entry *t = ts_cmd_table(&n);
    g_autoptr(GString) out = g_string_new(NULL);
    ts_cmd_format_usage(out, t, n);
    ck_assert_str_eq(out->str,
                     "Usage:\n"
                     "  tcpsession extract [OPTION...] CAPTURE...   write every TCP session's "
                     "bytes\n"
                     "  tcpsession ls [--json] CAPTURE              list the TCP sessions of a "
                     "capture\n"
                     "  tcpsession verify [OPTION...] CAPTURE...    check sessions against "
                     "tshark, tcpflow\n"
                     "  tcpsession follow CAPTURE STREAM [--mode M] print a session as tshark's "
                     "follow\n"
                     "  tcpsession cat CAPTURE STREAM [--from SIDE] write a session's bytes to "
                     "standard output\n"
                     "  tcpsession [original] -p PCAP|-i DIR [-o OUT] ...\n"
                     "                                              the original "
                     "tcpsessions_from_pcap.py\n"
                     "  tcpsession --help | --version\n"
                     "\n"
                     "Captures are pcap or pcapng files, optionally gzip-compressed.\n"
                     "Run 'tcpsession COMMAND --help' for the options of a command.\n");
}
END_TEST

START_TEST(usage_text_of_other_tables)
{
    g_autoptr(GString) out = g_string_new(NULL);
    ts_cmd_format_usage(out, sample, 3);
    ck_assert(g_str_has_prefix(out->str, "Usage:\n"
                                         "  tcpsession list                             list "
                                         "things\n"
                                         "  tcpsession ls                               list "
                                         "things briefly\n"
                                         "  tcpsession load FILE                        load a "
                                         "file\n\n"));
}
END_TEST

static gint
natural_of_pointers(gconstpointer a, gconstpointer b)
{
    return ts_cli_natural_compare(*(const char *const *)a, *(const char *const *)b);
}

/* --series sorts a folder's parts by time, ties by natural name order: the
 * names of tcpdump -C (f, f1, ..., f10) and dumpcap -b come out in order. */
START_TEST(natural_name_order)
{
    const char *names[] = {"f10",
                           "f2",
                           "f",
                           "f1",
                           "f01",
                           "g",
                           "f9",
                           "d_00010_2024.pcap",
                           "d_00002_2024.pcap",
                           "d_2.pcap",
                           "d_10.pcap"};
    const char *want[] = {"d_2.pcap",  "d_00002_2024.pcap",
                          "d_10.pcap", "d_00010_2024.pcap",
                          "f",         "f01",
                          "f1",        "f2",
                          "f9",        "f10",
                          "g"};
    GPtrArray *a = g_ptr_array_new();
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
        g_ptr_array_add(a, (gpointer)names[i]);
    g_ptr_array_sort(a, natural_of_pointers);
    for (size_t i = 0; i < G_N_ELEMENTS(want); i++)
        ck_assert_str_eq(g_ptr_array_index(a, i), want[i]);
    g_ptr_array_free(a, TRUE);
    ck_assert_int_eq(ts_cli_natural_compare("f1", "f1"), 0);
    ck_assert_int_lt(ts_cli_natural_compare("a9b", "a10a"), 0);
    ck_assert_int_gt(ts_cli_natural_compare("f1", "f"), 0);
}
END_TEST

static Suite *
commands_suite(void)
{
    Suite *s = suite_create("commands");
    TCase *tc = tcase_create("table");
    tcase_add_test(tc, real_table_exact_and_prefix);
    tcase_add_test(tc, unknown_names);
    tcase_add_test(tc, ambiguous_prefixes);
    tcase_add_test(tc, usage_text);
    tcase_add_test(tc, usage_text_of_other_tables);
    tcase_add_test(tc, natural_name_order);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(commands_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

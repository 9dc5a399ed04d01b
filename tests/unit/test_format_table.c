/*
 * test_format_table.c — unit tests of the table of output formats
 * (engine/formats/format.h, formats.c): lookup by exact name, the default,
 * every format having exactly the ops its `needs` flags say, the --help
 * lines made from the table, and what each writer leaves on disk for a
 * capture without sessions.
 */
#include "formats/format.h"

#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

/* Every format: the --format ones and --js's companion. */
static GPtrArray *
all_formats(void)
{
    size_t n = 0;
    const ts_format *const *list = ts_format_list(&n);
    GPtrArray *all = g_ptr_array_new();
    for (size_t i = 0; i < n; i++)
        g_ptr_array_add(all, (gpointer)list[i]);
    g_ptr_array_add(all, (gpointer)&ts_format_js);
    return all;
}

START_TEST(lookup_exact_names)
{
    size_t n = 0;
    const ts_format *const *list = ts_format_list(&n);
    ck_assert_uint_eq(n, 6);
    const char *names[] = {"jsonl", "json", "raw", "tcpflow", "pcap", "none"};
    for (size_t i = 0; i < n; i++) {
        ck_assert_str_eq(list[i]->name, names[i]);
        ck_assert_ptr_eq(ts_format_lookup(names[i]), list[i]);
    }
    ck_assert_ptr_eq(ts_format_lookup("jsonl"), &ts_format_jsonl);
    ck_assert_ptr_eq(ts_format_lookup("json"), &ts_format_json);
    ck_assert_ptr_eq(ts_format_lookup("raw"), &ts_format_raw);
    ck_assert_ptr_eq(ts_format_lookup("tcpflow"), &ts_format_tcpflow);
    ck_assert_ptr_eq(ts_format_lookup("pcap"), &ts_format_pcap);
    ck_assert_ptr_eq(ts_format_lookup("none"), &ts_format_none);
    ck_assert_ptr_eq(ts_format_default(), &ts_format_jsonl);
    /* no prefixes, no case folding, and --js's companion is not selectable */
    ck_assert_ptr_null(ts_format_lookup("js"));
    ck_assert_ptr_null(ts_format_lookup("jso"));
    ck_assert_ptr_null(ts_format_lookup("JSONL"));
    ck_assert_ptr_null(ts_format_lookup(""));
    ck_assert_ptr_null(ts_format_lookup("jsonl "));
}
END_TEST

START_TEST(ops_match_needs)
{
    g_autoptr(GPtrArray) all = all_formats();
    for (guint i = 0; i < all->len; i++) {
        const ts_format *f = all->pdata[i];
        ck_assert_ptr_nonnull(f->name);
        ck_assert_ptr_nonnull(f->summary);
        ck_assert_msg(f->open != NULL && f->finish != NULL && f->free != NULL, "%s", f->name);
        ck_assert_msg((f->data != NULL) == ((f->needs & TS_FORMAT_NEEDS_DATA) != 0), "%s", f->name);
        ck_assert_msg((f->gap != NULL) == ((f->needs & TS_FORMAT_NEEDS_GAPS) != 0), "%s", f->name);
        ck_assert_msg((f->packet != NULL) == ((f->needs & TS_FORMAT_NEEDS_PACKETS) != 0), "%s",
                      f->name);
        ck_assert_msg((f->frame != NULL) == ((f->needs & TS_FORMAT_NEEDS_FRAMES) != 0), "%s",
                      f->name);
        ck_assert_msg((f->stream_frame != NULL) ==
                          ((f->needs & TS_FORMAT_NEEDS_STREAM_FRAMES) != 0),
                      "%s", f->name);
        ck_assert_msg(
            (f->needs & ~(unsigned)(TS_FORMAT_NEEDS_PAYLOAD | TS_FORMAT_NEEDS_DATA |
                                    TS_FORMAT_NEEDS_GAPS | TS_FORMAT_NEEDS_PACKETS |
                                    TS_FORMAT_NEEDS_FRAMES | TS_FORMAT_NEEDS_STREAM_FRAMES)) == 0,
            "%s", f->name);
    }
}
END_TEST

/* What each format needs: the engine runs exactly as before the table. */
START_TEST(needs_of_each_format)
{
    const unsigned legacy = TS_FORMAT_NEEDS_PAYLOAD | TS_FORMAT_NEEDS_DATA | TS_FORMAT_NEEDS_GAPS |
                            TS_FORMAT_NEEDS_PACKETS | TS_FORMAT_NEEDS_FRAMES;
    ck_assert_uint_eq(ts_format_jsonl.needs, TS_FORMAT_NEEDS_PAYLOAD);
    ck_assert_uint_eq(ts_format_raw.needs, TS_FORMAT_NEEDS_PAYLOAD);
    ck_assert_uint_eq(ts_format_tcpflow.needs, TS_FORMAT_NEEDS_DATA);
    ck_assert_uint_eq(ts_format_pcap.needs, TS_FORMAT_NEEDS_STREAM_FRAMES);
    ck_assert_uint_eq(ts_format_none.needs, 0);
    ck_assert_uint_eq(ts_format_json.needs, legacy);
    ck_assert_uint_eq(ts_format_js.needs, legacy);
    ck_assert(ts_format_json.writes_js);
    ck_assert(ts_format_js.writes_js);
    ck_assert(!ts_format_jsonl.writes_js && !ts_format_raw.writes_js &&
              !ts_format_tcpflow.writes_js && !ts_format_none.writes_js);
    ck_assert_ptr_nonnull(ts_format_tcpflow.session_open);
    ck_assert_ptr_null(ts_format_jsonl.session_open);
}
END_TEST

START_TEST(help_lines)
{
    g_autofree char *option = ts_format_option_help();
    ck_assert_str_eq(
        option,
        "jsonl (default), json (the original tcpsession's files), raw, tcpflow, pcap or none");
    g_autoptr(GString) out = g_string_new(NULL);
    ts_format_append_help(out);
    ck_assert_str_eq(
        out->str,
        "Formats:\n"
        "  jsonl    sessions.jsonl: one JSON object per session, sorted by stream, with\n"
        "           endpoints, times, byte counts, md5s, messages (hex), gaps, anomalies\n"
        "  json     the original tcpsession's files, one per session:\n"
        "           {sip}_{sport}-{dip}_{dport}-6-{k}.json (same keys, lists and md5s;\n"
        "           our \"stream\", \"gaps\" and \"anomalies\" follow)\n"
        "  raw      one folder per session: client.bin, server.bin, session.json\n"
        "  tcpflow  one file per direction with data, named like tcpflow 1.6.1's\n"
        "           (SRCIP.SPORT-DSTIP.DPORT[--VLAN][cN]); unlike tcpflow, holes are not\n"
        "           zero-filled: a file holds exactly the bytes delivered\n"
        "  pcap     one capture file per session with exactly its frames, unchanged (what\n"
        "           tshark -Y \"tcp.stream == N\" -w writes): stream-NNNNNN_CLIENT.PORT-\n"
        "           SERVER.PORT.pcap, nanosecond pcap\n"
        "  none     nothing written, summary only\n");
}
END_TEST

/* Sorted names of the entries under `dir`, "/" after folders, recursively
 * ("" when it does not exist, "-" when empty). */
static void
list_tree(GString *out, const char *dir, const char *prefix)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    if (d == NULL)
        return;
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    while ((name = g_dir_read_name(d)) != NULL)
        g_ptr_array_add(names, g_strdup(name));
    g_dir_close(d);
    g_ptr_array_sort(names, (GCompareFunc)(void *)g_strcmp0);
    for (guint i = 0; i < names->len; i++) {
        const char *n = *(const char **)&names->pdata[i];
        g_autofree char *path = g_build_filename(dir, n, NULL);
        g_autofree char *rel = g_strconcat(prefix, n, NULL);
        bool is_dir = g_file_test(path, G_FILE_TEST_IS_DIR);
        g_string_append_printf(out, "%s%s ", rel, is_dir ? "/" : "");
        if (is_dir) {
            g_autofree char *sub = g_strconcat(rel, "/", NULL);
            list_tree(out, path, sub);
        }
    }
}

static void
remove_tree(const char *dir)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* Opens `f` for an empty capture, finishes it (creating the folders when
 * `create`) and returns the tree it left under DIR/out. */
static char *
empty_run(const ts_format *f, bool js, bool create)
{
    g_autofree char *top = g_dir_make_tmp("test_format_table.XXXXXX", NULL);
    ck_assert_ptr_nonnull(top);
    g_autofree char *dir = g_build_filename(top, "out", NULL);
    g_autofree char *js_dir = g_build_filename(dir, "js", NULL);
    ts_format_args args = {.dir = dir, .js_dir = js ? js_dir : NULL};
    GError *error = NULL;
    void *w = f->open(&args, &error);
    ck_assert_ptr_nonnull(w);
    if (f->frame != NULL)
        f->frame(w, NULL, 0);
    ck_assert(f->finish(w, create, &error));
    ck_assert_ptr_null(error);
    f->free(w);
    GString *out = g_string_new(g_file_test(dir, G_FILE_TEST_IS_DIR) ? "out/ " : "");
    list_tree(out, dir, "out/");
    remove_tree(top);
    return g_string_free(out, FALSE);
}

START_TEST(empty_capture_outputs)
{
    const struct {
        const ts_format *format;
        bool js, create;
        const char *tree;
    } cases[] = {
        {&ts_format_jsonl, false, true, "out/ out/sessions.jsonl "},
        {&ts_format_jsonl, false, false, ""},
        {&ts_format_json, false, true, "out/ "},
        {&ts_format_json, true, true, "out/ out/js/ "},
        {&ts_format_json, true, false, ""},
        {&ts_format_js, true, true, "out/ out/js/ "},
        {&ts_format_raw, false, true, "out/ "},
        {&ts_format_raw, false, false, ""},
        {&ts_format_tcpflow, false, true, "out/ "},
        {&ts_format_tcpflow, false, false, ""},
        {&ts_format_pcap, false, true, "out/ "},
        {&ts_format_pcap, false, false, ""},
        {&ts_format_none, false, true, ""},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *tree = empty_run(cases[i].format, cases[i].js, cases[i].create);
        ck_assert_msg(strcmp(tree, cases[i].tree) == 0, "%s js=%d create=%d: '%s'",
                      cases[i].format->name, cases[i].js, cases[i].create, tree);
    }
}
END_TEST

static Suite *
format_table_suite(void)
{
    Suite *s = suite_create("format_table");
    TCase *tc = tcase_create("table");
    tcase_add_test(tc, lookup_exact_names);
    tcase_add_test(tc, ops_match_needs);
    tcase_add_test(tc, needs_of_each_format);
    tcase_add_test(tc, help_lines);
    tcase_add_test(tc, empty_capture_outputs);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(format_table_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

/*
 * test_verify_api.c — unit tests of the verifier's typed API (verify/verify.h):
 * a run over data/sample.pcap against tshark and tcpflow gives exact results
 * per session, direction and tool, exact totals and the summary table, in
 * the order the captures were added; a run without any tool says why and
 * compares nothing; the log line, summary table and JSON document are
 * written exactly from hand-made results and totals. The runs need tshark
 * and tcpflow: without them the whole test is skipped (exit status 77).
 */
#include "verify/verify.h"
#include "verify/verify_internal.h"

#include <check.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- collecting what a run hands back ------------------------------- */

typedef struct {
    GPtrArray *paths; /* char*, one per capture, in callback order */
    GString *lines;   /* every result's log line */
    GString *notes;
    uint64_t verdicts[3];
} collected;

static void
collect_capture(void *user, const vf_capture_result *res)
{
    collected *c = user;
    g_ptr_array_add(c->paths, g_strdup(res->path));
    g_string_append(c->notes, res->notes);
    for (size_t k = 0; k < res->n_results; k++) {
        vf_format_result(c->lines, res->path, res->results[k]);
        g_string_append_c(c->lines, '\n');
        c->verdicts[res->results[k]->verdict]++;
    }
}

static char *
sample_path(void)
{
    const char *dir = g_getenv("TS_TESTDATA");
    return g_build_filename(dir != NULL ? dir : "data", "sample.pcap", NULL);
}

/* ---- a run over the sample capture ---------------------------------- */

static const char sample_lines[] =
    "same tshark P stream 0 192.168.1.10:50000-192.168.1.20:80\n"
    "same tshark P stream 1 192.168.1.10:50001-192.168.1.20:80\n"
    "same tshark P stream 2 192.168.1.10:50002-192.168.1.20:80\n"
    "same tshark P stream 3 [2001:db8::10]:50003-[2001:db8::20]:80\n"
    "same tshark P stream 4 192.168.1.10:50004-192.168.1.20:80\n"
    "wrong tshark P stream 5 192.168.1.10:50005-192.168.1.20:80 server ours 47 "
    "0bbfeb792bbef18239ffb5497b703b99 tshark 82 ad3a94ca65af26d964b205b4f8e8462c "
    "first-difference 39 explained: tshark-missing-text\n"
    "same tshark P stream 6 192.168.1.10:50006-192.168.1.20:80\n"
    "same tshark P stream 7 192.168.1.10:50006-192.168.1.20:80\n"
    "same tcpflow P stream 0 192.168.1.10:50000-192.168.1.20:80\n"
    "same tcpflow P stream 1 192.168.1.10:50001-192.168.1.20:80\n"
    "wrong tcpflow P stream 2 192.168.1.10:50002-192.168.1.20:80 file "
    "192.168.001.020.00080-192.168.001.010.50002 server ours 45 "
    "e1d7f6733733f41bf5f877846dc79c14 tcpflow 45 cd44ca5ddbdccd9c6496dcde32f7b608 "
    "first-difference 9 explained: tcpflow-last-write-wins\n"
    "same tcpflow P stream 3 [2001:db8::10]:50003-[2001:db8::20]:80\n"
    "same tcpflow P stream 4 192.168.1.10:50004-192.168.1.20:80\n"
    "wrong tcpflow P stream 5 192.168.1.10:50005-192.168.1.20:80 file "
    "192.168.001.020.00080-192.168.001.010.50005 server ours 47 "
    "0bbfeb792bbef18239ffb5497b703b99 tcpflow 62 fbcbe12884ce59a16163002c18d3596e "
    "first-difference 39 explained: tcpflow-zero-filled-holes\n"
    "same tcpflow P stream 6 192.168.1.10:50006-192.168.1.20:80\n"
    "same tcpflow P stream 7 192.168.1.10:50006-192.168.1.20:80\n";

static const char sample_summary[] =
    "\n== tshark\n"
    "source captures sessions     same explained unexplained skipped\n"
    "data          1        8        7         1           0       0\n"
    "explained by category (sessions):\n"
    "  tshark-missing-text                 1\n"
    "\n== tcpflow\n"
    "source captures sessions     same explained unexplained skipped\n"
    "data          1        8        6         2           0       0\n"
    "explained by category (sessions):\n"
    "  tcpflow-zero-filled-holes           1\n"
    "  tcpflow-last-write-wins             1\n";

START_TEST(sample_against_both_tools)
{
    g_autofree char *path = sample_path();
    vf_config cfg;
    vf_config_init(&cfg);
    ck_assert(cfg.want[VF_TOOL_TSHARK] && cfg.want[VF_TOOL_TCPFLOW]);
    cfg.jobs = 2;
    g_autoptr(vf_run) run = vf_run_new(&cfg);
    ck_assert_str_eq(vf_run_notes(run), "");
    ck_assert(vf_run_has_tools(run));
    ck_assert(vf_run_uses(run, VF_TOOL_TSHARK) && vf_run_uses(run, VF_TOOL_TCPFLOW));
    vf_run_add_capture(run, path);
    ck_assert_uint_eq(vf_run_n_captures(run), 1);

    collected c = {
        g_ptr_array_new_with_free_func(g_free), g_string_new(NULL), g_string_new(NULL), {0}};
    ck_assert(vf_run_verify(run, collect_capture, &c));
    ck_assert_uint_eq(c.paths->len, 1);
    g_autofree char *with_path = g_strdup_printf(" %s ", path);
    g_autoptr(GString) expected = g_string_new(NULL);
    for (const char *p = sample_lines; *p != '\0'; p++) {
        if (p[0] == ' ' && p[1] == 'P' && p[2] == ' ') {
            g_string_append(expected, with_path);
            p += 2;
        } else {
            g_string_append_c(expected, *p);
        }
    }
    ck_assert_str_eq(c.lines->str, expected->str);
    ck_assert_str_eq(c.notes->str, "");
    ck_assert_uint_eq(c.verdicts[VF_SAME], 13);
    ck_assert_uint_eq(c.verdicts[VF_EXPLAINED], 3);
    ck_assert_uint_eq(c.verdicts[VF_UNEXPLAINED], 0);

    const vf_totals *t = vf_run_total(run);
    ck_assert_uint_eq(t->captures, 1);
    ck_assert_uint_eq(t->errors, 0);
    ck_assert_uint_eq(t->sessions[VF_TOOL_TSHARK], 8);
    ck_assert_uint_eq(t->same[VF_TOOL_TSHARK], 7);
    ck_assert_uint_eq(t->explained[VF_TOOL_TSHARK], 1);
    ck_assert_uint_eq(t->by_category[VF_TOOL_TSHARK][VF_CAT_TSHARK_MISSING_TEXT], 1);
    ck_assert_uint_eq(t->sessions[VF_TOOL_TCPFLOW], 8);
    ck_assert_uint_eq(t->same[VF_TOOL_TCPFLOW], 6);
    ck_assert_uint_eq(t->explained[VF_TOOL_TCPFLOW], 2);
    ck_assert_uint_eq(t->by_category[VF_TOOL_TCPFLOW][VF_CAT_TCPFLOW_ZERO_FILL], 1);
    ck_assert_uint_eq(t->by_category[VF_TOOL_TCPFLOW][VF_CAT_TCPFLOW_LAST_WRITE], 1);
    ck_assert_uint_eq(vf_run_n_groups(run), 1);
    g_autofree char *group =
        g_path_get_basename(g_getenv("TS_TESTDATA") ? g_getenv("TS_TESTDATA") : "data");
    ck_assert_str_eq(vf_run_group(run, 0)->name, group);

    g_autoptr(GString) summary = g_string_new(NULL);
    vf_run_format_summary(summary, run);
    if (strcmp(group, "data") == 0)
        ck_assert_str_eq(summary->str, sample_summary);
    g_ptr_array_unref(c.paths);
    g_string_free(c.lines, TRUE);
    g_string_free(c.notes, TRUE);
}
END_TEST

/* Captures come back in the order added, whatever finishes first; one tool
 * only: no results and no summary block of the other. */
START_TEST(order_and_one_tool)
{
    g_autofree char *path = sample_path();
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *cut = g_build_filename(dir, "cases", "snaplen-cut.pcap", NULL);
    vf_config cfg;
    vf_config_init(&cfg);
    cfg.want[VF_TOOL_TCPFLOW] = false;
    cfg.jobs = 3;
    g_autoptr(vf_run) run = vf_run_new(&cfg);
    ck_assert(vf_run_uses(run, VF_TOOL_TSHARK) && !vf_run_uses(run, VF_TOOL_TCPFLOW));
    const char *order[] = {path, cut, path, cut};
    for (size_t i = 0; i < G_N_ELEMENTS(order); i++)
        vf_run_add_capture(run, order[i]);
    collected c = {
        g_ptr_array_new_with_free_func(g_free), g_string_new(NULL), g_string_new(NULL), {0}};
    ck_assert(vf_run_verify(run, collect_capture, &c));
    ck_assert_uint_eq(c.paths->len, 4);
    for (size_t i = 0; i < G_N_ELEMENTS(order); i++)
        ck_assert_str_eq(g_ptr_array_index(c.paths, i), order[i]);
    ck_assert(strstr(c.lines->str, " tcpflow ") == NULL);
    const vf_totals *t = vf_run_total(run);
    ck_assert_uint_eq(t->captures, 4);
    ck_assert_uint_eq(t->sessions[VF_TOOL_TCPFLOW], 0);
    ck_assert_uint_eq(t->sessions[VF_TOOL_TSHARK], c.verdicts[0] + c.verdicts[1] + c.verdicts[2]);
    ck_assert_uint_eq(vf_run_n_groups(run), 2); /* data, cases */
    g_autoptr(GString) summary = g_string_new(NULL);
    vf_run_format_summary(summary, run);
    ck_assert(strstr(summary->str, "== tcpflow") == NULL);
    ck_assert(strstr(summary->str, "\ntotal ") != NULL);
    g_ptr_array_unref(c.paths);
    g_string_free(c.lines, TRUE);
    g_string_free(c.notes, TRUE);
}
END_TEST

/* No tool: the probe says why, nothing to verify with. */
START_TEST(no_tool_installed)
{
    g_setenv("TS_TSHARK", "/nonexistent/tshark", TRUE);
    g_setenv("TS_TCPFLOW", "/nonexistent/tcpflow", TRUE);
    vf_config cfg;
    vf_config_init(&cfg);
    g_autoptr(vf_run) run = vf_run_new(&cfg);
    g_unsetenv("TS_TSHARK");
    g_unsetenv("TS_TCPFLOW");
    ck_assert(!vf_run_has_tools(run));
    ck_assert(!vf_run_uses(run, VF_TOOL_TSHARK));
    ck_assert_str_eq(
        vf_run_notes(run),
        "tcpsession verify: skipped tshark: not installed ('/nonexistent/tshark' not "
        "found; Debian package: tshark)\n"
        "tcpsession verify: skipped tcpflow: not installed ('/nonexistent/tcpflow' not "
        "found; Debian package: tcpflow)\n");
}
END_TEST

/* A capture we cannot read: an error note, counted, the run fails. */
START_TEST(unreadable_capture)
{
    vf_config cfg;
    vf_config_init(&cfg);
    cfg.want[VF_TOOL_TSHARK] = false;
    g_autoptr(vf_run) run = vf_run_new(&cfg);
    vf_run_add_capture(run, "/nonexistent/x.pcap");
    collected c = {
        g_ptr_array_new_with_free_func(g_free), g_string_new(NULL), g_string_new(NULL), {0}};
    ck_assert(!vf_run_verify(run, collect_capture, &c));
    ck_assert(g_str_has_prefix(c.notes->str, "tcpsession verify: /nonexistent/x.pcap: "));
    ck_assert_uint_eq(vf_run_total(run)->errors, 1);
    ck_assert_str_eq(vf_run_group(run, 0)->name, "nonexistent");
    g_autoptr(GString) summary = g_string_new(NULL);
    vf_run_format_summary(summary, run);
    ck_assert(g_str_has_suffix(summary->str, "\n1 capture could not be read to the end\n"));
    g_ptr_array_unref(c.paths);
    g_string_free(c.lines, TRUE);
    g_string_free(c.notes, TRUE);
}
END_TEST

/* ---- formatting hand-made results ----------------------------------- */

static GPtrArray *
hand_made_results(void)
{
    ts_endpoint ep[2];
    ck_assert(vf_endpoint_parse("10.0.0.1:1234", &ep[0]));
    ck_assert(vf_endpoint_parse("10.0.0.2:80", &ep[1]));
    GPtrArray *results = g_ptr_array_new_with_free_func(vf_result_free);
    g_ptr_array_add(results, vf_result_new(VF_TOOL_TSHARK, 0, 0, ep));
    vf_result *r = vf_result_new(VF_TOOL_TSHARK, 1, 1, ep);
    r->direction = "server";
    vf_result_set_sides(r, (const uint8_t *)"abc", 3, (const uint8_t *)"abd", 3);
    vf_result_set_verdict(r, true, 1u << VF_CAT_TSHARK_MISSING_TEXT, g_strdup("proof"));
    g_ptr_array_add(results, r);
    r = vf_result_new(VF_TOOL_TCPFLOW, 1, -1, ep);
    r->direction = "client";
    r->other_name = g_strdup("f");
    vf_result_set_sides(r, (const uint8_t *)"x", 1, NULL, -1);
    vf_result_set_verdict(r, false, 0, NULL);
    g_ptr_array_add(results, r);
    return results;
}

START_TEST(format_summary_table)
{
    g_autoptr(GPtrArray) results = hand_made_results();
    vf_totals a = {.name = (char *)"alpha"}, b = {.name = (char *)"b"}, total = {0};
    a.captures = b.captures = 1;
    total.captures = 2;
    vf_totals_add(&a, results);
    vf_totals_add(&total, results);
    vf_totals_add(&total, results);
    vf_totals_add(&b, results);
    b.skipped[VF_TOOL_TCPFLOW] = total.skipped[VF_TOOL_TCPFLOW] = 1;
    total.errors = 2;
    vf_totals *groups[] = {&a, &b};
    const bool tools[VF_TOOL_COUNT_] = {true, true};
    g_autoptr(GString) out = g_string_new(NULL);
    vf_format_summary(out, groups, 2, &total, tools);
    ck_assert_str_eq(out->str, "\n== tshark\n"
                               "source captures sessions     same explained unexplained skipped\n"
                               "alpha         1        2        1         1           0       0\n"
                               "b             1        2        1         1           0       0\n"
                               "total         2        4        2         2           0       0\n"
                               "explained by category (sessions):\n"
                               "  tshark-missing-text                 2  (alpha 1, b 1)\n"
                               "\n== tcpflow\n"
                               "source captures sessions     same explained unexplained skipped\n"
                               "alpha         1        1        0         0           1       0\n"
                               "b             1        1        0         0           1       1\n"
                               "total         2        2        0         0           2       1\n"
                               "\n2 captures could not be read to the end\n");
}
END_TEST

START_TEST(format_json_document)
{
    g_autoptr(GPtrArray) results = hand_made_results();
    vf_capture_result res = {.path = "x.pcap",
                             .group = "g",
                             .notes = "",
                             .results = (const vf_result *const *)results->pdata,
                             .n_results = 2};
    g_autoptr(GString) out = g_string_new(NULL);
    bool first = true;
    vf_json_begin(out);
    vf_json_capture(out, &res, &first);
    ck_assert(!first);
    ck_assert_str_eq(
        out->str, "{\"results\":[\n"
                  "{\"tool\":\"tshark\",\"capture\":\"x.pcap\",\"verdict\":\"same\",\"stream\":0,"
                  "\"tshark_stream\":0,\"client\":{\"ip\":\"10.0.0.1\",\"port\":1234},\"server\":{"
                  "\"ip\":\"10.0.0.2\",\"port\":80}},\n"
                  "{\"tool\":\"tshark\",\"capture\":\"x.pcap\",\"verdict\":\"explained\","
                  "\"stream\":1,\"tshark_stream\":1,\"client\":{\"ip\":\"10.0.0.1\",\"port\":1234},"
                  "\"server\":{\"ip\":\"10.0.0.2\",\"port\":80},\"direction\":\"server\",\"ours_"
                  "length\":3,\"ours_md5\":"
                  "\"900150983cd24fb0d6963f7d28e17f72\",\"other_length\":3,\"other_md5\":"
                  "\"4911e516e5aa21d327512e0c8b197616\",\"first_difference\":2,\"categories\":"
                  "[\"tshark-missing-text\"],\"detail\":\"proof\"}");
    g_autoptr(GString) line = g_string_new(NULL);
    vf_format_result(line, "x.pcap", g_ptr_array_index(results, 2));
    ck_assert_str_eq(line->str, "wrong tcpflow x.pcap stream 1 10.0.0.1:1234-10.0.0.2:80 file f "
                                "client ours 1 9dd4e461268c8034f5c8564e155c67a6 tcpflow - - "
                                "first-difference 0 unexplained");
}
END_TEST

static Suite *
verify_api_suite(void)
{
    Suite *s = suite_create("verify_api");
    TCase *run = tcase_create("run");
    tcase_set_timeout(run, 120);
    tcase_add_test(run, sample_against_both_tools);
    tcase_add_test(run, order_and_one_tool);
    tcase_add_test(run, no_tool_installed);
    tcase_add_test(run, unreadable_capture);
    suite_add_tcase(s, run);
    TCase *fmt = tcase_create("format");
    tcase_add_test(fmt, format_summary_table);
    tcase_add_test(fmt, format_json_document);
    suite_add_tcase(s, fmt);
    return s;
}

int
main(void)
{
    /* (found in PATH only: spawning here would start GLib's worker thread,
       which the forked tests would then lack) */
    for (int tool = 0; tool < VF_TOOL_COUNT_; tool++) {
        g_autofree char *found = g_find_program_in_path(vf_tool_program((vf_tool)tool));
        if (found == NULL) {
            printf("skip: %s not installed\n", vf_tool_name((vf_tool)tool));
            return 77;
        }
    }
    SRunner *sr = srunner_create(verify_api_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * test_js_extract.c — unit tests of ts_js_extract (engine/formats/js_extract.c),
 * the original tcpsession's JavaScript extraction: in each text that contains
 * "Content-Type: text/html", every match of
 * `(?<=<script>).*?(?=</script>|$)` (dot-all) as Python's re.findall()
 * finds them, each followed by a newline. The expected texts are what
 * CPython 3 gives: lazy matches, "$" before a final newline, an unterminated
 * script, and findall's empty-match rule (after an empty match the next one
 * may not be empty at the same position, so it runs to the end).
 */
#include "formats/formats.h"

#include <check.h>
#include <glib.h>
#include <string.h>

#define HTML "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"

/* One text and what re.findall() makes of it (NULL: no match at all). */
static const struct {
    const char *name, *text, *out;
} cases[] = {
    {"one script", HTML "<html><script>alert(1)</script></html>", "alert(1)\n"},
    {"two scripts, newline inside", HTML "<script>a</script><p><script>b\nc</script>", "a\nb\nc\n"},
    {"unterminated, final newline", HTML "<script>var x = 1;\n", "var x = 1;\n"},
    {"unterminated, two newlines", HTML "<script>abc\n\n", "abc\n\n"},
    {"empty script", HTML "<script></script>", "\n</script>\n"},
    {"script in script", HTML "<script><script>x</script>", "<script>x\n"},
    {"empty at the end", HTML "<script></script><script>", "\n</script><script>\n\n"},
    {"upper case tag", HTML "<SCRIPT>x</SCRIPT>", NULL},
    {"no script", HTML "<p>hi</p>", NULL},
    {"not html", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n<script>x</script>", NULL},
    {"lower case mark", "content-type: text/html\r\n\r\n<script>x</script>", NULL},
    {"mark after the script", "<script>early</script> Content-Type: text/html", "early\n"},
};

START_TEST(one_text_like_findall)
{
    g_autoptr(GString) text = g_string_new(cases[_i].text);
    g_autoptr(GString) out = g_string_new("prefix|");
    bool found = ts_js_extract(text, NULL, out);
    g_autofree char *want = g_strconcat("prefix|", cases[_i].out ? cases[_i].out : "", NULL);
    ck_assert_msg(found == (cases[_i].out != NULL), "%s: found %d", cases[_i].name, found);
    ck_assert_msg(strcmp(out->str, want) == 0, "%s: got \"%s\"", cases[_i].name, out->str);
    /* the same text as the other direction */
    g_autoptr(GString) out2 = g_string_new("prefix|");
    ck_assert(ts_js_extract(NULL, text, out2) == found);
    ck_assert_str_eq(out2->str, want);
}
END_TEST

START_TEST(both_directions_in_order)
{
    g_autoptr(GString) src = g_string_new(HTML "<script>from client</script>");
    g_autoptr(GString) dst = g_string_new(HTML "<script>from server</script><script>2");
    g_autoptr(GString) plain = g_string_new("<script>not html</script>");
    g_autoptr(GString) out = g_string_new(NULL);
    ck_assert(ts_js_extract(src, dst, out));
    ck_assert_str_eq(out->str, "from client\nfrom server\n2\n");
    g_string_truncate(out, 0);
    ck_assert(ts_js_extract(plain, dst, out));
    ck_assert_str_eq(out->str, "from server\n2\n");
    g_string_truncate(out, 0);
    ck_assert(!ts_js_extract(plain, plain, out));
    ck_assert(!ts_js_extract(NULL, NULL, out));
    ck_assert_uint_eq(out->len, 0);
}
END_TEST

/* Texts are GStrings: a NUL byte is part of the text. */
START_TEST(nul_bytes_are_text)
{
    static const char bytes[] = HTML "<script>a\0b</script>\0<script>c";
    g_autoptr(GString) text = g_string_new_len(bytes, sizeof bytes - 1);
    g_autoptr(GString) out = g_string_new(NULL);
    ck_assert(ts_js_extract(text, NULL, out));
    ck_assert_uint_eq(out->len, 6);
    ck_assert_mem_eq(out->str, "a\0b\nc\n", 6);
}
END_TEST

static Suite *
js_extract_suite(void)
{
    Suite *s = suite_create("js_extract");
    TCase *tc = tcase_create("regex");
    tcase_add_loop_test(tc, one_text_like_findall, 0, G_N_ELEMENTS(cases));
    tcase_add_test(tc, both_directions_in_order);
    tcase_add_test(tc, nul_bytes_are_text);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(js_extract_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

/*
 * test_py_json.c — unit tests of engine/util/py_json.c: payload bytes decoded
 * exactly as Python's bytes.decode("utf-8", "backslashreplace") and the text
 * escaped exactly as json.dumps() (ensure_ascii=True) escapes it. Every
 * expected string below is what CPython 3 gives for the same bytes: ASCII,
 * quotes and backslashes, control characters, 2-, 3- and 4-byte sequences
 * (astral code points as surrogate pairs), and each kind of invalid UTF-8
 * (lone continuation bytes, bytes never valid, overlong forms, encoded
 * surrogates, code points above U+10FFFF, truncated sequences).
 */
#include "util/py_json.h"

#include <check.h>
#include <glib.h>
#include <string.h>

/* One input and what Python makes of it. */
typedef struct {
    const char *name;
    const char *bytes;
    size_t len;
    const char *decoded; /* bytes.decode("utf-8", "backslashreplace"), UTF-8 */
    size_t decoded_len;
    const char *json; /* json.dumps(decoded) without its quotes */
} py_case;

static const py_case cases[] = {
    {"ascii", "hello, world", 12, "hello, world", 12, "hello, world"},
    {"empty", "", 0, "", 0, ""},
    {"quote_backslash", "say \"hi\" \\ ok", 13, "say \"hi\" \\ ok", 13, "say \\\"hi\\\" \\\\ ok"},
    {"short_escapes", "\010\014\012\015\011", 5, "\010\014\012\015\011", 5, "\\b\\f\\n\\r\\t"},
    {"other_controls", "\000\001\037\177", 4, "\000\001\037\177", 4,
     "\\u0000\\u0001\\u001f\\u007f"},
    {"two_byte", "caf\303\251", 5, "caf\303\251", 5, "caf\\u00e9"},
    {"three_byte", "\342\202\254 \340\240\200 \342\200\250 \357\277\277", 15,
     "\342\202\254 \340\240\200 \342\200\250 \357\277\277", 15, "\\u20ac \\u0800 \\u2028 \\uffff"},
    {"four_byte", "\360\237\230\200 \360\220\200\200 \364\217\277\277", 14,
     "\360\237\230\200 \360\220\200\200 \364\217\277\277", 14,
     "\\ud83d\\ude00 \\ud800\\udc00 \\udbff\\udfff"},
    {"lone_continuation", "a\200b", 3, "a\\x80b", 6, "a\\\\x80b"},
    {"bytes_never_valid", "\300\301\365\377", 4, "\\xc0\\xc1\\xf5\\xff", 16,
     "\\\\xc0\\\\xc1\\\\xf5\\\\xff"},
    {"overlong", "\300\257\340\237\277\360\217\277\277", 9,
     "\\xc0\\xaf\\xe0\\x9f\\xbf\\xf0\\x8f\\xbf\\xbf", 36,
     "\\\\xc0\\\\xaf\\\\xe0\\\\x9f\\\\xbf\\\\xf0\\\\x8f\\\\xbf\\\\xbf"},
    {"surrogates", "\355\240\200\355\277\277", 6, "\\xed\\xa0\\x80\\xed\\xbf\\xbf", 24,
     "\\\\xed\\\\xa0\\\\x80\\\\xed\\\\xbf\\\\xbf"},
    {"above_max", "\364\220\200\200", 4, "\\xf4\\x90\\x80\\x80", 16,
     "\\\\xf4\\\\x90\\\\x80\\\\x80"},
    {"truncated_at_end", "ok\342\202", 4, "ok\\xe2\\x82", 10, "ok\\\\xe2\\\\x82"},
    {"truncated_then_ascii", "\342A\360\237\230B", 6, "\\xe2A\\xf0\\x9f\\x98B", 18,
     "\\\\xe2A\\\\xf0\\\\x9f\\\\x98B"},
    {"mixed", "GET /\303\251\377 \"x\"\015\012\000", 15, "GET /\303\251\\xff \"x\"\015\012\000", 18,
     "GET /\\u00e9\\\\xff \\\"x\\\"\\r\\n\\u0000"},
    {"literal_backslash_x", "\\x41", 4, "\\x41", 4, "\\\\x41"},
};

/* Asserts that `got` holds exactly `len` bytes equal to `want`. */
static void
assert_bytes(const char *what, const char *name, const GString *got, const char *want, size_t len)
{
    g_autofree char *shown = g_strescape(got->str, NULL);
    ck_assert_msg(got->len == len && memcmp(got->str, want, len) == 0,
                  "%s of %s: got \"%s\" (%zu bytes), want %zu bytes", what, name, shown, got->len,
                  len);
}

START_TEST(decode_like_python)
{
    const py_case *c = &cases[_i];
    g_autoptr(GString) out = g_string_new(NULL);
    ts_py_decode_append(out, (const uint8_t *)c->bytes, c->len);
    assert_bytes("decode", c->name, out, c->decoded, c->decoded_len);
}
END_TEST

START_TEST(json_body_like_python)
{
    const py_case *c = &cases[_i];
    g_autoptr(GString) out = g_string_new(NULL);
    ts_py_json_append_decoded(out, (const uint8_t *)c->bytes, c->len);
    assert_bytes("json body", c->name, out, c->json, strlen(c->json));
}
END_TEST

/* The functions append: what was in the buffer stays in front. */
START_TEST(appends_to_the_buffer)
{
    g_autoptr(GString) out = g_string_new("[");
    ts_py_decode_append(out, (const uint8_t *)"\xff", 1);
    ts_py_json_append_decoded(out, (const uint8_t *)"\xff\n", 2);
    g_string_append_c(out, ']');
    ck_assert_str_eq(out->str, "[\\xff\\\\xff\\n]");
}
END_TEST

START_TEST(quoted_strings)
{
    static const struct {
        const char *text, *json;
    } strings[] = {
        {"caf\303\251 \"x\"", "\"caf\\u00e9 \\\"x\\\"\""},
        {"a\\b\012", "\"a\\\\b\\n\""},
        {"", "\"\""},
        {"\360\237\230\200", "\"\\ud83d\\ude00\""},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(strings); i++) {
        g_autoptr(GString) out = g_string_new(NULL);
        ts_py_json_append_string(out, strings[i].text);
        ck_assert_str_eq(out->str, strings[i].json);
    }
}
END_TEST

/* What json.dumps() writes (without quotes) for the one-character string
 * chr(b), b < 0x80. */
static char *
python_json_of_ascii(unsigned b)
{
    switch (b) {
    case '"': return g_strdup("\\\"");
    case '\\': return g_strdup("\\\\");
    case '\b': return g_strdup("\\b");
    case '\f': return g_strdup("\\f");
    case '\n': return g_strdup("\\n");
    case '\r': return g_strdup("\\r");
    case '\t': return g_strdup("\\t");
    default:
        if (b >= 0x20 && b < 0x7f)
            return g_strdup_printf("%c", b);
        return g_strdup_printf("\\u%04x", b);
    }
}

/* Every one of the 256 single bytes: ASCII decodes to itself (and is kept
 * or escaped by json.dumps), 0x80-0xff is invalid on its own: \xNN. */
START_TEST(every_single_byte)
{
    for (unsigned b = 0; b < 256; b++) {
        uint8_t byte = (uint8_t)b;
        g_autoptr(GString) dec = g_string_new(NULL);
        g_autoptr(GString) json = g_string_new(NULL);
        ts_py_decode_append(dec, &byte, 1);
        ts_py_json_append_decoded(json, &byte, 1);
        if (b < 0x80) {
            ck_assert_msg(dec->len == 1 && (uint8_t)dec->str[0] == byte, "decode of %02x", b);
            g_autofree char *want = python_json_of_ascii(b);
            ck_assert_msg(strcmp(json->str, want) == 0, "json of %02x: %s, want %s", b, json->str,
                          want);
        } else {
            g_autofree char *want_dec = g_strdup_printf("\\x%02x", b);
            g_autofree char *want_json = g_strdup_printf("\\\\x%02x", b);
            ck_assert_str_eq(dec->str, want_dec);
            ck_assert_str_eq(json->str, want_json);
        }
    }
}
END_TEST

static Suite *
py_json_suite(void)
{
    Suite *s = suite_create("py_json");
    TCase *tc = tcase_create("python");
    tcase_add_loop_test(tc, decode_like_python, 0, G_N_ELEMENTS(cases));
    tcase_add_loop_test(tc, json_body_like_python, 0, G_N_ELEMENTS(cases));
    tcase_add_test(tc, appends_to_the_buffer);
    tcase_add_test(tc, quoted_strings);
    tcase_add_test(tc, every_single_byte);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(py_json_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

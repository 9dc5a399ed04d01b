/*
 * test_json_text.c — unit tests of engine/util/json_text.c, the JSON text
 * pieces of every output of the command: string escaping (short escapes,
 * \u00XX for other control characters and DEL, other bytes copied), lowercase
 * hex, unsigned integers up to 2^64-1, nanoseconds as seconds (trailing zeros
 * trimmed, one fractional digit at least, negative values, both int64
 * extremes), endpoints (IPv4, IPv6) and directions. Exact text every time.
 */
#include "util/json_text.h"

#include <check.h>
#include <glib.h>
#include <stdint.h>
#include <string.h>

START_TEST(strings_are_escaped)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"", "\"\""},
        {"plain text", "\"plain text\""},
        {"say \"hi\" \\ ok", "\"say \\\"hi\\\" \\\\ ok\""},
        {"\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\""},
        {"\001\037\177 ~", "\"\\u0001\\u001f\\u007f ~\""},
        /* bytes of 0x80 and above, valid UTF-8 or not, are copied */
        {"caf\303\251 \377", "\"caf\303\251 \377\""},
        {"/path/to/x.pcap", "\"/path/to/x.pcap\""},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GString) out = g_string_new(NULL);
        ts_json_append_string(out, cases[i].in);
        ck_assert_str_eq(out->str, cases[i].out);
    }
}
END_TEST

START_TEST(hex_is_lowercase_and_appended)
{
    static const uint8_t data[] = {0x00, 0x0f, 0xa5, 0xff, 0x10};
    g_autoptr(GString) out = g_string_new("x=");
    ts_json_append_hex(out, data, sizeof data);
    ck_assert_str_eq(out->str, "x=000fa5ff10");
    ts_json_append_hex(out, data, 0);
    ck_assert_str_eq(out->str, "x=000fa5ff10");
    ck_assert_uint_eq(out->len, 12);
    /* every byte value */
    uint8_t all[256];
    for (unsigned i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    g_autoptr(GString) hex = g_string_new(NULL);
    ts_json_append_hex(hex, all, sizeof all);
    ck_assert_uint_eq(hex->len, 512);
    for (unsigned i = 0; i < 256; i++) {
        char want[3];
        g_snprintf(want, sizeof want, "%02x", i);
        ck_assert_msg(memcmp(hex->str + 2 * i, want, 2) == 0, "byte %02x", i);
    }
}
END_TEST

START_TEST(unsigned_integers)
{
    static const struct {
        uint64_t value;
        const char *text;
    } cases[] = {
        {0, "0"},
        {7, "7"},
        {10, "10"},
        {65535, "65535"},
        {1000000000000ull, "1000000000000"},
        {UINT64_MAX, "18446744073709551615"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GString) out = g_string_new("n:");
        ts_json_append_uint(out, cases[i].value);
        g_autofree char *want = g_strconcat("n:", cases[i].text, NULL);
        ck_assert_str_eq(out->str, want);
    }
}
END_TEST

START_TEST(seconds)
{
    static const struct {
        int64_t ns;
        const char *text;
    } cases[] = {
        {1700000000000000000ll, "1700000000.0"},
        {1286462353960000000ll, "1286462353.96"},
        {-500000000ll, "-0.5"},
        {0, "0.0"},
        {1, "0.000000001"},
        {-1, "-0.000000001"},
        {123456789, "0.123456789"},
        {1500000000, "1.5"},
        {1000000000, "1.0"},
        {1286462353000001000ll, "1286462353.000001"},
        {-1286462353250000000ll, "-1286462353.25"},
        {INT64_MAX, "9223372036.854775807"},
        {INT64_MIN, "-9223372036.854775808"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GString) out = g_string_new(NULL);
        ts_json_append_seconds(out, cases[i].ns);
        ck_assert_msg(strcmp(out->str, cases[i].text) == 0, "%" G_GINT64_FORMAT " ns: %s, want %s",
                      cases[i].ns, out->str, cases[i].text);
    }
}
END_TEST

START_TEST(endpoints_and_directions)
{
    ts_endpoint v4 = {.family = 4, .addr = {10, 0, 0, 1}, .port = 1234};
    ts_endpoint v6 = {.family = 6, .addr = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x01}, .port = 80};
    ts_endpoint v6any = {.family = 6, .port = 0};
    g_autoptr(GString) out = g_string_new(NULL);
    ts_json_append_endpoint(out, &v4);
    ck_assert_str_eq(out->str, "{\"ip\":\"10.0.0.1\",\"port\":1234}");
    g_string_truncate(out, 0);
    ts_json_append_endpoint(out, &v6);
    ck_assert_str_eq(out->str, "{\"ip\":\"2001:db8::1\",\"port\":80}");
    g_string_truncate(out, 0);
    ts_json_append_endpoint(out, &v6any);
    ck_assert_str_eq(out->str, "{\"ip\":\"::\",\"port\":0}");
    g_string_truncate(out, 0);
    ts_json_append_direction(out, TS_FROM_CLIENT);
    g_string_append_c(out, ',');
    ts_json_append_direction(out, TS_FROM_SERVER);
    ck_assert_str_eq(out->str, "\"client\",\"server\"");
}
END_TEST

static Suite *
json_text_suite(void)
{
    Suite *s = suite_create("json_text");
    TCase *tc = tcase_create("text");
    tcase_add_test(tc, strings_are_escaped);
    tcase_add_test(tc, hex_is_lowercase_and_appended);
    tcase_add_test(tc, unsigned_integers);
    tcase_add_test(tc, seconds);
    tcase_add_test(tc, endpoints_and_directions);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(json_text_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

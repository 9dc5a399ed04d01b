/*
 * test_follow_text.c — unit tests of engine/formats/follow_text.c: the text
 * of `tshark -q -z follow,tcp,MODE,N` for a hand-made session (a client
 * request of 43 bytes, a 67-byte binary response, 5 more client bytes), in
 * each mode, compared with what tshark 4.0.17 printed for a capture of that
 * session (frames 4-6; the expected texts below are tshark's output pasted
 * verbatim): node lines for IPv4 and IPv6, per-node hex offsets, base64
 * lines of 57 bytes, timestamps as tshark's double; a stream with no packet;
 * the hex offset wrapping at 2^32; the missing-bytes text; mode names.
 */
#include "formats/follow_text.h"
#include "util/tshark_text.h"

#include <check.h>
#include <glib.h>
#include <string.h>

/* ---- what tshark printed ---------------------------------------------- */

static const char tshark_ascii[] =
    "\n"
    "===================================================================\n"
    "Follow: tcp,ascii\n"
    "Filter: tcp.stream eq 0\n"
    "Node 0: 10.0.0.1:40000\n"
    "Node 1: 10.0.0.2:80\n"
    "43\n"
    "GET /index.html HTTP/1.1\r\n"
    "Host: example\r\n"
    "\r\n"
    "\n"
    "\t67\n"
    "HTTP/1.1 200 OK\r\n"
    "\r\n"
    "..........\n"
    "..\r.................. !\"#$%&'.. tail.\n"
    "5\n"
    "bye..\n"
    "===================================================================\n";

static const char tshark_hex[] =
    "\n"
    "===================================================================\n"
    "Follow: tcp,hex\n"
    "Filter: tcp.stream eq 0\n"
    "Node 0: 10.0.0.1:40000\n"
    "Node 1: 10.0.0.2:80\n"
    "00000000  47 45 54 20 2f 69 6e 64  65 78 2e 68 74 6d 6c 20  GET /ind ex.html\n"
    "00000010  48 54 54 50 2f 31 2e 31  0d 0a 48 6f 73 74 3a 20  HTTP/1.1 ..Host:\n"
    "00000020  65 78 61 6d 70 6c 65 0d  0a 0d 0a                 example. ...\n"
    "\t00000000  48 54 54 50 2f 31 2e 31  20 32 30 30 20 4f 4b 0d  HTTP/1.1  200 OK.\n"
    "\t00000010  0a 0d 0a 00 01 02 03 04  05 06 07 08 09 0a 0b 0c  ........ ........\n"
    "\t00000020  0d 0e 0f 10 11 12 13 14  15 16 17 18 19 1a 1b 1c  ........ ........\n"
    "\t00000030  1d 1e 1f 20 21 22 23 24  25 26 27 ff fe 20 74 61  ... !\"#$ %&'.. ta\n"
    "\t00000040  69 6c 7f                                          il.\n"
    "0000002B  62 79 65 00 01                                    bye..\n"
    "===================================================================\n";

static const char tshark_raw[] =
    "\n"
    "===================================================================\n"
    "Follow: tcp,raw\n"
    "Filter: tcp.stream eq 0\n"
    "Node 0: 10.0.0.1:40000\n"
    "Node 1: 10.0.0.2:80\n"
    "474554202f696e6465782e68746d6c20485454502f312e310d0a486f73743a206578616d706c650d0a0d0a\n"
    "\t485454502f312e3120323030204f4b0d0a0d0a000102030405060708090a0b0c0d0e0f101112131415161718191a"
    "1b1c1d1e1f2021222324252627fffe207461696c7f\n"
    "6279650001\n"
    "===================================================================\n";

static const char tshark_yaml[] =
    "peers:\n"
    "  - peer: 0\n"
    "    host: 10.0.0.1\n"
    "    port: 40000\n"
    "  - peer: 1\n"
    "    host: 10.0.0.2\n"
    "    port: 80\n"
    "packets:\n"
    "  - packet: 4\n"
    "    peer: 0\n"
    "    timestamp: 1700000000.599999905\n"
    "    data: !!binary |\n"
    "      R0VUIC9pbmRleC5odG1sIEhUVFAvMS4xDQpIb3N0OiBleGFtcGxlDQoNCg==\n"
    "  - packet: 5\n"
    "    peer: 1\n"
    "    timestamp: 1700000000.750000000\n"
    "    data: !!binary |\n"
    "      SFRUUC8xLjEgMjAwIE9LDQoNCgABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fICEiIyQl\n"
    "      Jif//iB0YWlsfw==\n"
    "  - packet: 6\n"
    "    peer: 0\n"
    "    timestamp: 1700000001.500000238\n"
    "    data: !!binary |\n"
    "      YnllAAE=\n";

static const char tshark_raw_ipv6[] =
    "\n"
    "===================================================================\n"
    "Follow: tcp,raw\n"
    "Filter: tcp.stream eq 0\n"
    "Node 0: [2001:db8::1]:40000\n"
    "Node 1: [2001:db8::2]:80\n"
    "474554202f696e6465782e68746d6c20485454502f312e310d0a486f73743a206578616d706c650d0a0d0a\n"
    "\t485454502f312e3120323030204f4b0d0a0d0a000102030405060708090a0b0c0d0e0f101112131415161718191a"
    "1b1c1d1e1f2021222324252627fffe207461696c7f\n"
    "6279650001\n"
    "===================================================================\n";

static const char tshark_yaml_ipv6[] =
    "peers:\n"
    "  - peer: 0\n"
    "    host: 2001:db8::1\n"
    "    port: 40000\n"
    "  - peer: 1\n"
    "    host: 2001:db8::2\n"
    "    port: 80\n"
    "packets:\n"
    "  - packet: 4\n"
    "    peer: 0\n"
    "    timestamp: 1700000000.599999905\n"
    "    data: !!binary |\n"
    "      R0VUIC9pbmRleC5odG1sIEhUVFAvMS4xDQpIb3N0OiBleGFtcGxlDQoNCg==\n"
    "  - packet: 5\n"
    "    peer: 1\n"
    "    timestamp: 1700000000.750000000\n"
    "    data: !!binary |\n"
    "      SFRUUC8xLjEgMjAwIE9LDQoNCgABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fICEiIyQl\n"
    "      Jif//iB0YWlsfw==\n"
    "  - packet: 6\n"
    "    peer: 0\n"
    "    timestamp: 1700000001.500000238\n"
    "    data: !!binary |\n"
    "      YnllAAE=\n";

static const char tshark_none_ascii[] =
    "\n"
    "===================================================================\n"
    "Follow: tcp,ascii\n"
    "Filter: tcp.stream eq 7\n"
    "Node 0: :0\n"
    "Node 1: :0\n"
    "===================================================================\n";

static const char tshark_none_yaml[] = "peers:\n"
                                       "  - peer: 0\n"
                                       "    host: \n"
                                       "    port: 0\n"
                                       "  - peer: 1\n"
                                       "    host: \n"
                                       "    port: 0\n"
                                       "packets:\n";

/* ---- the session -------------------------------------------------------- */

static const char request[] = "GET /index.html HTTP/1.1\r\nHost: example\r\n\r\n";
static const char bye[] = "bye\000\001";

/* The response: a status line, the bytes 0..39, then ff fe " tail" 7f. */
static GByteArray *
response(void)
{
    GByteArray *r = g_byte_array_new();
    g_byte_array_append(r, (const guint8 *)"HTTP/1.1 200 OK\r\n\r\n", 19);
    for (guint8 b = 0; b < 40; b++)
        g_byte_array_append(r, &b, 1);
    g_byte_array_append(r, (const guint8 *)"\377\376 tail\177", 8);
    return r;
}

/* The whole text of the session in `mode`, its nodes IPv4 or IPv6. */
static char *
session_text(ts_follow_mode mode, bool ipv6)
{
    ts_endpoint client = {.family = 4, .addr = {10, 0, 0, 1}, .port = 40000};
    ts_endpoint server = {.family = 4, .addr = {10, 0, 0, 2}, .port = 80};
    if (ipv6) {
        client = (ts_endpoint){.family = 6, .addr = {0x20, 1, 0x0d, 0xb8, [15] = 1}, .port = 40000};
        server = (ts_endpoint){.family = 6, .addr = {0x20, 1, 0x0d, 0xb8, [15] = 2}, .port = 80};
    }
    const ts_endpoint *const node[2] = {&client, &server};
    g_autoptr(GByteArray) resp = response();
    const int64_t t0 = 1700000000LL * 1000000000LL + 500000000LL;
    uint32_t pos[2] = {0, 0};
    GString *out = g_string_new(NULL);
    ts_follow_append_header(out, mode, 0, node);
    ts_follow_append_record(out, mode, 0, 4, t0 + 100000000, (const uint8_t *)request,
                            strlen(request), &pos[0]);
    ts_follow_append_record(out, mode, 1, 5, t0 + 250000000, resp->data, resp->len, &pos[1]);
    ts_follow_append_record(out, mode, 0, 6, t0 + 1000000125, (const uint8_t *)bye, 5, &pos[0]);
    ts_follow_append_footer(out, mode);
    ck_assert_uint_eq(pos[0], 48);
    ck_assert_uint_eq(pos[1], 67);
    return g_string_free(out, FALSE);
}

START_TEST(every_mode_as_tshark)
{
    static const struct {
        ts_follow_mode mode;
        bool ipv6;
        const char *want;
    } cases[] = {
        {TS_FOLLOW_ASCII, false, tshark_ascii}, {TS_FOLLOW_HEX, false, tshark_hex},
        {TS_FOLLOW_RAW, false, tshark_raw},     {TS_FOLLOW_YAML, false, tshark_yaml},
        {TS_FOLLOW_RAW, true, tshark_raw_ipv6}, {TS_FOLLOW_YAML, true, tshark_yaml_ipv6},
    };
    g_autofree char *got = session_text(cases[_i].mode, cases[_i].ipv6);
    ck_assert_str_eq(got, cases[_i].want);
}
END_TEST

START_TEST(stream_without_packets)
{
    g_autoptr(GString) out = g_string_new(NULL);
    ts_follow_append_header(out, TS_FOLLOW_ASCII, 7, NULL);
    ts_follow_append_footer(out, TS_FOLLOW_ASCII);
    ck_assert_str_eq(out->str, tshark_none_ascii);
    g_string_truncate(out, 0);
    ts_follow_append_header(out, TS_FOLLOW_YAML, 7, NULL);
    ts_follow_append_footer(out, TS_FOLLOW_YAML);
    ck_assert_str_eq(out->str, tshark_none_yaml);
}
END_TEST

/* The hex offset column is the node's 32-bit position. */
START_TEST(hex_offset_wraps)
{
    uint8_t data[20];
    for (int i = 0; i < 20; i++)
        data[i] = (uint8_t)('a' + i);
    uint32_t pos = 0xfffffff8u;
    g_autoptr(GString) out = g_string_new(NULL);
    ts_follow_append_record(out, TS_FOLLOW_HEX, 1, 9, 0, data, sizeof data, &pos);
    ck_assert_str_eq(
        out->str,
        "\tFFFFFFF8  61 62 63 64 65 66 67 68  69 6a 6b 6c 6d 6e 6f 70  abcdefgh ijklmnop\n"
        "\t00000008  71 72 73 74                                       qrst\n");
    ck_assert_uint_eq(pos, 12);
}
END_TEST

/* Exactly 8 and 16 bytes: no trailing space on the line. */
START_TEST(hex_line_ends)
{
    static const uint8_t data[16] = "0123456789abcdef";
    uint32_t pos = 0;
    g_autoptr(GString) out = g_string_new(NULL);
    ts_follow_append_record(out, TS_FOLLOW_HEX, 0, 1, 0, data, 8, &pos);
    ts_follow_append_record(out, TS_FOLLOW_HEX, 0, 2, 0, data, 16, &pos);
    ck_assert_str_eq(
        out->str,
        "00000000  30 31 32 33 34 35 36 37                           01234567\n"
        "00000008  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  01234567 89abcdef\n");
}
END_TEST

START_TEST(missing_text)
{
    char buf[64];
    size_t n = ts_missing_bytes_text(5, buf, sizeof buf);
    ck_assert_uint_eq(n, 34);
    ck_assert_mem_eq(buf, "[5 bytes missing in capture file]\0", 34);
    n = ts_missing_bytes_text(1234567, buf, sizeof buf);
    ck_assert_str_eq(buf, "[1234567 bytes missing in capture file]");
    ck_assert_uint_eq(n, strlen(buf) + 1);
}
END_TEST

START_TEST(mode_names)
{
    static const char *const names[] = {"ascii", "hex", "raw", "yaml"};
    for (int i = 0; i < 4; i++) {
        ts_follow_mode mode = TS_FOLLOW_YAML;
        ck_assert(ts_follow_mode_parse(names[i], &mode));
        ck_assert_int_eq(mode, (ts_follow_mode)i);
    }
    ts_follow_mode mode = TS_FOLLOW_HEX;
    ck_assert(!ts_follow_mode_parse("utf8", &mode));
    ck_assert(!ts_follow_mode_parse("ASCII", &mode));
    ck_assert(!ts_follow_mode_parse("", &mode));
    ck_assert_int_eq(mode, TS_FOLLOW_HEX);
}
END_TEST

static Suite *
follow_text_suite(void)
{
    Suite *s = suite_create("follow_text");
    TCase *tc = tcase_create("tshark");
    tcase_add_loop_test(tc, every_mode_as_tshark, 0, 6);
    tcase_add_test(tc, stream_without_packets);
    tcase_add_test(tc, hex_offset_wraps);
    tcase_add_test(tc, hex_line_ends);
    tcase_add_test(tc, missing_text);
    tcase_add_test(tc, mode_names);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(follow_text_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

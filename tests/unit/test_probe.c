/*
 * test_probe.c — unit tests of capture recognition (engine/util/probe.c):
 * every pcap magic in both byte orders, pcapng of either order, the
 * snapshot length of each, files too short to tell, gzip-compressed
 * captures and damaged gzip data, unreadable files, and the file-name test
 * of the original tool's -i.
 */
#include "util/probe.h"

#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <zlib.h>

static char *tmpdir;

static void
setup(void)
{
    tmpdir = g_dir_make_tmp("test_probe.XXXXXX", NULL);
    ck_assert_ptr_nonnull(tmpdir);
}

static void
teardown(void)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
    g_clear_pointer(&tmpdir, g_free);
}

static void
put32(uint8_t *p, uint32_t v, bool big)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (big ? 24 - 8 * i : 8 * i));
}

static void
put16(uint8_t *p, uint16_t v, bool big)
{
    p[big ? 0 : 1] = (uint8_t)(v >> 8);
    p[big ? 1 : 0] = (uint8_t)v;
}

/* A pcap file header whose magic reads `magic` in the byte order `big`. */
static size_t
pcap_header(uint8_t h[24], uint32_t magic, bool big, uint32_t snaplen)
{
    memset(h, 0, 24);
    put32(h, magic, big);
    put16(h + 4, 2, big);
    put16(h + 6, 4, big);
    put32(h + 16, snaplen, big);
    put32(h + 20, 1, big);
    return 24;
}

/* A pcapng section header and one interface of `snaplen`. */
static size_t
pcapng_header(uint8_t h[48], bool big, uint32_t snaplen)
{
    memset(h, 0, 48);
    put32(h, 0x0a0d0d0au, big);
    put32(h + 4, 28, big);
    put32(h + 8, 0x1a2b3c4du, big);
    put16(h + 12, 1, big);
    memset(h + 16, 0xff, 8); /* section length unknown */
    put32(h + 24, 28, big);
    put32(h + 28, 1, big); /* interface description */
    put32(h + 32, 20, big);
    put16(h + 36, 1, big);
    put32(h + 40, snaplen, big);
    put32(h + 44, 20, big);
    return 48;
}

static char *
write_file(const char *name, const void *data, size_t len)
{
    char *path = g_build_filename(tmpdir, name, NULL);
    ck_assert(g_file_set_contents(path, data, (gssize)len, NULL));
    return path;
}

static char *
write_gzip(const char *name, const void *data, size_t len)
{
    char *path = g_build_filename(tmpdir, name, NULL);
    gzFile z = gzopen(path, "wb");
    ck_assert_ptr_nonnull(z);
    if (len > 0)
        ck_assert_int_eq(gzwrite(z, data, (unsigned)len), (int)len);
    ck_assert_int_eq(gzclose(z), Z_OK);
    return path;
}

static const struct {
    uint32_t magic;
    bool nanosecond, modified;
} pcap_magics[] = {
    {0xa1b2c3d4u, false, false},
    {0xa1b23c4du, true, false},
    {0xa1b2cd34u, false, true},
};

START_TEST(every_pcap_magic)
{
    for (size_t i = 0; i < G_N_ELEMENTS(pcap_magics); i++) {
        for (int big = 0; big < 2; big++) {
            uint8_t h[24];
            size_t n = pcap_header(h, pcap_magics[i].magic, big, 65535 + (uint32_t)i);
            ts_probe_info info;
            ck_assert(ts_probe_header(h, n, &info));
            ck_assert_int_eq(info.format, TS_PROBE_PCAP);
            ck_assert_int_eq(info.big_endian, big);
            ck_assert_int_eq(info.nanosecond, pcap_magics[i].nanosecond);
            ck_assert_int_eq(info.modified, pcap_magics[i].modified);
            ck_assert_uint_eq(ts_probe_snaplen(h, n), 65535 + (uint32_t)i);
            /* 4 bytes tell the format, the snapshot length needs the header */
            ck_assert(ts_probe_header(h, 4, NULL));
            ck_assert(!ts_probe_header(h, 3, &info));
            ck_assert_int_eq(info.format, TS_PROBE_UNKNOWN);
            ck_assert_uint_eq(ts_probe_snaplen(h, 23), 0);

            g_autofree char *plain = write_file("a.pcap", h, n);
            g_autofree char *gz = write_gzip("a.pcap.gz", h, n);
            ck_assert(ts_probe_is_capture(plain));
            ck_assert(ts_probe_is_capture(gz));
            ck_assert(!ts_probe_file_is_gzip(plain));
            ck_assert(ts_probe_file_is_gzip(gz));
            ck_assert_uint_eq(ts_probe_capture_snaplen(plain), 65535 + (uint32_t)i);
            ck_assert_uint_eq(ts_probe_capture_snaplen(gz), 65535 + (uint32_t)i);
        }
    }
}
END_TEST

START_TEST(pcapng_both_orders)
{
    for (int big = 0; big < 2; big++) {
        uint8_t h[48];
        size_t n = pcapng_header(h, big, 262144);
        ts_probe_info info;
        ck_assert(ts_probe_header(h, n, &info));
        ck_assert_int_eq(info.format, TS_PROBE_PCAPNG);
        ck_assert_int_eq(info.big_endian, big);
        ck_assert(!info.nanosecond && !info.modified);
        ck_assert_uint_eq(ts_probe_snaplen(h, n), 262144);
        /* the interface beyond what was read: unknown */
        ck_assert_uint_eq(ts_probe_snaplen(h, 40), 0);
        ck_assert(ts_probe_header(h, 4, NULL));

        g_autofree char *plain = write_file("a.pcapng", h, n);
        g_autofree char *gz = write_gzip("a.pcapng.gz", h, n);
        ck_assert(ts_probe_is_capture(plain));
        ck_assert(ts_probe_is_capture(gz));
        ck_assert_uint_eq(ts_probe_capture_snaplen(plain), 262144);
        ck_assert_uint_eq(ts_probe_capture_snaplen(gz), 262144);
    }
    /* a block length that is not a multiple of 4 ends the search */
    uint8_t h[48];
    size_t n = pcapng_header(h, false, 1000);
    put32(h + 4, 30, false);
    ck_assert_uint_eq(ts_probe_snaplen(h, n), 0);
}
END_TEST

START_TEST(short_and_foreign_files)
{
    const uint8_t pcap_magic[4] = {0xd4, 0xc3, 0xb2, 0xa1};
    for (size_t len = 0; len < 4; len++) {
        g_autofree char *path = write_file("short.pcap", pcap_magic, len);
        ck_assert_msg(!ts_probe_is_capture(path), "%zu bytes", len);
        ck_assert_uint_eq(ts_probe_capture_snaplen(path), 0);
        uint8_t buf[8];
        ck_assert_int_eq(ts_probe_read_file_head(path, buf, sizeof buf), (gssize)len);
        ck_assert_uint_eq(ts_probe_read_capture_head(path, buf, sizeof buf), len);
    }
    g_autofree char *four = write_file("four.pcap", pcap_magic, 4);
    ck_assert(ts_probe_is_capture(four));
    ck_assert_uint_eq(ts_probe_capture_snaplen(four), 0);

    const char text[] = "GET / HTTP/1.1\r\n";
    g_autofree char *http = write_file("http.pcap", text, sizeof text - 1);
    ck_assert(!ts_probe_is_capture(http));
    ck_assert(!ts_probe_file_is_gzip(http));
    ts_probe_info info = {.format = TS_PROBE_PCAP};
    ck_assert(!ts_probe_header((const uint8_t *)text, sizeof text - 1, &info));
    ck_assert_int_eq(info.format, TS_PROBE_UNKNOWN);

    g_autofree char *missing = g_build_filename(tmpdir, "missing.pcap", NULL);
    uint8_t buf[4];
    ck_assert_int_eq(ts_probe_read_file_head(missing, buf, sizeof buf), -1);
    ck_assert_uint_eq(ts_probe_read_capture_head(missing, buf, sizeof buf), 0);
    ck_assert(!ts_probe_is_capture(missing));
    ck_assert(!ts_probe_file_is_gzip(missing));
    ck_assert_uint_eq(ts_probe_capture_snaplen(missing), 0);
}
END_TEST

START_TEST(gzip_cases)
{
    const uint8_t gz_magic[2] = {0x1f, 0x8b};
    ck_assert(ts_probe_is_gzip(gz_magic, 2));
    ck_assert(!ts_probe_is_gzip(gz_magic, 1));
    ck_assert(!ts_probe_is_gzip((const uint8_t *)"\x1f\x8c", 2));

    /* gzip of something else, of nothing, of a too short capture */
    g_autofree char *text = write_gzip("text.gz", "hello, world", 12);
    ck_assert(ts_probe_file_is_gzip(text));
    ck_assert(!ts_probe_is_capture(text));
    uint8_t buf[16];
    ck_assert_uint_eq(ts_probe_read_capture_head(text, buf, sizeof buf), 12);
    ck_assert_int_eq(memcmp(buf, "hello, world", 12), 0);
    g_autofree char *empty = write_gzip("empty.gz", "", 0);
    ck_assert(!ts_probe_is_capture(empty));
    g_autofree char *tiny = write_gzip("tiny.pcap.gz", "\xd4\xc3\xb2", 3);
    ck_assert(!ts_probe_is_capture(tiny));

    /* the gzip magic followed by damage: nothing can be read */
    const uint8_t damaged[] = {0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x01};
    g_autofree char *bad = write_file("bad.pcap.gz", damaged, sizeof damaged);
    ck_assert(ts_probe_file_is_gzip(bad));
    ck_assert_uint_eq(ts_probe_read_capture_head(bad, buf, sizeof buf), 0);
    ck_assert(!ts_probe_is_capture(bad));
    /* the raw head is what is stored */
    ck_assert_int_eq(ts_probe_read_file_head(bad, buf, 4), 4);
    ck_assert_int_eq(memcmp(buf, damaged, 4), 0);
}
END_TEST

START_TEST(capture_names)
{
    const char *yes[] = {"a.pcap",   "a.pcapng", "a.cap",       "A.PCAP", "a.pcap.gz",
                         "x.Cap.GZ", "b.c.pcap", "a.pcapng.gz", "..pcap"};
    const char *no[] = {"pcap", ".pcap", "a.pcap.gz.bak", "a.gz", "a.txt", "a.pcapx", "a.pcap.tgz",
                        "",     ".gz"};
    for (size_t i = 0; i < G_N_ELEMENTS(yes); i++)
        ck_assert_msg(ts_probe_capture_name(yes[i]), "%s", yes[i]);
    for (size_t i = 0; i < G_N_ELEMENTS(no); i++)
        ck_assert_msg(!ts_probe_capture_name(no[i]), "%s", no[i]);
}
END_TEST

static Suite *
probe_suite(void)
{
    Suite *s = suite_create("probe");
    TCase *tc = tcase_create("probe");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, every_pcap_magic);
    tcase_add_test(tc, pcapng_both_orders);
    tcase_add_test(tc, short_and_foreign_files);
    tcase_add_test(tc, gzip_cases);
    tcase_add_test(tc, capture_names);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(probe_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

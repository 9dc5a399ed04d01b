/*
 * probe.c — capture recognition by content (see probe.h): a table of the
 * magic numbers, gzip detection, and the decompressed head of a file read
 * with GIO's zlib stream.
 */
#include "probe.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

/* The header checkers: each magic as read big-endian from the file. */
static const struct {
    uint32_t magic;
    ts_probe_info info;
} magics[] = {
    {0xa1b2c3d4u, {TS_PROBE_PCAP, true, false, false}},
    {0xd4c3b2a1u, {TS_PROBE_PCAP, false, false, false}},
    {0xa1b23c4du, {TS_PROBE_PCAP, true, true, false}},
    {0x4d3cb2a1u, {TS_PROBE_PCAP, false, true, false}},
    {0xa1b2cd34u, {TS_PROBE_PCAP, true, false, true}},
    {0x34cdb2a1u, {TS_PROBE_PCAP, false, false, true}},
    {0x0a0d0d0au, {TS_PROBE_PCAPNG, false, false, false}}, /* order: see below */
};

#define PCAPNG_BYTE_ORDER_MAGIC 0x1a2b3c4du

/* The 32-bit number at p (4 bytes the caller has checked) in the given byte
 * order. */
static uint32_t
get32(const uint8_t *p, bool big)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return big ? GUINT32_FROM_BE(v) : GUINT32_FROM_LE(v);
}

/* See probe.h. */
bool
ts_probe_header(const uint8_t *head, size_t n, ts_probe_info *info)
{
    ts_probe_info found = {TS_PROBE_UNKNOWN, false, false, false};
    if (n >= 4) {
        uint32_t be = get32(head, true);
        for (size_t i = 0; i < G_N_ELEMENTS(magics); i++) {
            if (magics[i].magic == be) {
                found = magics[i].info;
                break;
            }
        }
        if (found.format == TS_PROBE_PCAPNG && n >= 12)
            found.big_endian = get32(head + 8, true) == PCAPNG_BYTE_ORDER_MAGIC;
    }
    if (info != NULL)
        *info = found;
    return found.format != TS_PROBE_UNKNOWN;
}

/* See probe.h. */
bool
ts_probe_is_gzip(const uint8_t *head, size_t n)
{
    return n >= 2 && head[0] == 0x1f && head[1] == 0x8b;
}

/* See probe.h. */
gssize
ts_probe_read_file_head(const char *path, uint8_t *buf, size_t size)
{
    FILE *f = g_fopen(path, "rb");
    if (f == NULL)
        return -1;
    size_t n = fread(buf, 1, size, f);
    fclose(f);
    return (gssize)n;
}

/* See probe.h. */
bool
ts_probe_file_is_gzip(const char *path)
{
    uint8_t magic[2] = {0, 0};
    gssize n = ts_probe_read_file_head(path, magic, sizeof magic);
    return n > 0 && ts_probe_is_gzip(magic, (size_t)n);
}

/* See probe.h. */
size_t
ts_probe_read_capture_head(const char *path, uint8_t *buf, size_t size)
{
    g_autoptr(GFile) file = g_file_new_for_path(path);
    g_autoptr(GFileInputStream) in = g_file_read(file, NULL, NULL);
    if (in == NULL)
        return 0;
    gsize n = 0;
    if (!g_input_stream_read_all(G_INPUT_STREAM(in), buf, size, &n, NULL, NULL) || n < 2)
        return n;
    if (!ts_probe_is_gzip(buf, n))
        return n;
    if (!g_seekable_seek(G_SEEKABLE(in), 0, G_SEEK_SET, NULL, NULL))
        return 0;
    g_autoptr(GZlibDecompressor) z = g_zlib_decompressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP);
    g_autoptr(GInputStream) plain =
        g_converter_input_stream_new(G_INPUT_STREAM(in), G_CONVERTER(z));
    n = 0;
    if (!g_input_stream_read_all(plain, buf, size, &n, NULL, NULL))
        return 0;
    return n;
}

/* See probe.h. */
bool
ts_probe_is_capture(const char *path)
{
    uint8_t m[4] = {0, 0, 0, 0};
    if (ts_probe_read_capture_head(path, m, sizeof m) < 4)
        return false;
    return ts_probe_header(m, sizeof m, NULL);
}

static int
compare_str(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends the captures in `dir` to `out`: entries in name order, each
 * folder's captures in its place when `recursive` (symbolic links to
 * folders are not followed). */
static void
list_below(const char *dir, bool recursive, GPtrArray *out)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    GDir *d = g_dir_open(dir, 0, NULL);
    if (d == NULL)
        return;
    const char *name;
    while ((name = g_dir_read_name(d)) != NULL)
        g_ptr_array_add(names, g_build_filename(dir, name, NULL));
    g_dir_close(d);
    g_ptr_array_sort(names, compare_str);
    for (guint i = 0; i < names->len; i++) {
        const char *path = g_ptr_array_index(names, i);
        if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
            if (recursive && !g_file_test(path, G_FILE_TEST_IS_SYMLINK))
                list_below(path, recursive, out);
            continue;
        }
        if (ts_probe_is_capture(path))
            g_ptr_array_add(out, g_strdup(path));
    }
}

/* See probe.h. */
GPtrArray *
ts_probe_list_captures(const char *dir, bool recursive)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    list_below(dir, recursive, out);
    return out;
}

/* See probe.h. */
uint32_t
ts_probe_snaplen(const uint8_t *head, size_t n)
{
    ts_probe_info info;
    if (n < 24 || !ts_probe_header(head, n, &info))
        return 0;
    if (info.format == TS_PROBE_PCAP)
        return get32(head + 16, info.big_endian);
    /* pcapng: the section header, then blocks until the first interface */
    bool big = info.big_endian;
    size_t off = 0;
    while (off + 12 <= n) {
        uint32_t type = get32(head + off, big), len = get32(head + off + 4, big);
        if (type == 1 && off + 16 <= n)
            return get32(head + off + 12, big);
        if (len < 12 || len % 4 != 0)
            return 0;
        off += len;
    }
    return 0;
}

/* See probe.h. */
uint32_t
ts_probe_capture_snaplen(const char *path)
{
    uint8_t h[512];
    size_t n = ts_probe_read_capture_head(path, h, sizeof h);
    return ts_probe_snaplen(h, n);
}

/* See probe.h. */
bool
ts_probe_capture_name(const char *name)
{
    static const char *const exts[] = {".pcap", ".pcapng", ".cap"};
    g_autofree char *lower = g_ascii_strdown(name, -1);
    size_t len = strlen(lower);
    if (len > 3 && strcmp(lower + len - 3, ".gz") == 0)
        lower[len -= 3] = '\0';
    for (size_t i = 0; i < G_N_ELEMENTS(exts); i++) {
        size_t n = strlen(exts[i]);
        if (len > n && strcmp(lower + len - n, exts[i]) == 0)
            return true;
    }
    return false;
}

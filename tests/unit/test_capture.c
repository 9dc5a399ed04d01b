/*
 * test_capture.c — unit tests of the capture reader (engine/capture*.c).
 *
 * Every capture is built byte by byte here (pcap headers and records, pcapng
 * blocks in either byte order), written to a temporary directory and read
 * back; results are compared exactly: numbers, offsets, link types,
 * timestamps, lengths, data, warning and error texts. A randomized test
 * damages valid captures (fixed seed) and checks the reader always stops.
 *
 * Gotchas: the temporary directory is made in main() before the forked
 * tests run and removed at the end; the fuzz test has a longer timeout.
 */
#include "capture.h"

#include <check.h>
#include <unistd.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <zlib.h>

static char *tmpdir;

/* ---- byte builders ---------------------------------------------------- */

typedef struct {
    GByteArray *a;
    bool be; /* write big-endian */
} Buf;

static Buf
buf_new(bool be)
{
    return (Buf){g_byte_array_new(), be};
}

static void
put(Buf *b, const void *p, size_t n)
{
    g_byte_array_append(b->a, p, (guint)n);
}

static void
put_uint(Buf *b, uint64_t v, int bytes)
{
    uint8_t t[8];
    for (int i = 0; i < bytes; i++)
        t[b->be ? bytes - 1 - i : i] = (uint8_t)(v >> (8 * i));
    put(b, t, (size_t)bytes);
}

static void
put16(Buf *b, uint64_t v)
{
    put_uint(b, v, 2);
}

static void
put32(Buf *b, uint64_t v)
{
    put_uint(b, v, 4);
}

static void
patch32(Buf *b, size_t at, uint32_t v)
{
    Buf t = buf_new(b->be);
    put32(&t, v);
    memcpy(b->a->data + at, t.a->data, 4);
    g_byte_array_free(t.a, TRUE);
}

/* Deterministic packet bytes: byte i of packet `tag` is tag + i. */
static uint8_t *
payload(uint8_t tag, size_t n)
{
    uint8_t *p = g_malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(tag + i);
    return p;
}

static void
pcap_header(Buf *b, uint32_t magic, uint32_t snaplen, uint32_t linktype)
{
    put32(b, magic);
    put16(b, 2);
    put16(b, 4);
    put32(b, 0);
    put32(b, 0);
    put32(b, snaplen);
    put32(b, linktype);
}

/* Appends a record of `caplen` bytes (payload `tag`); returns its offset. */
static size_t
pcap_record(Buf *b, uint32_t sec, uint32_t frac, uint32_t caplen, uint32_t origlen, uint8_t tag)
{
    size_t at = b->a->len;
    put32(b, sec);
    put32(b, frac);
    put32(b, caplen);
    put32(b, origlen);
    uint8_t *p = payload(tag, caplen);
    put(b, p, caplen);
    g_free(p);
    return at;
}

/* pcapng blocks: block_start() writes type and a placeholder length,
 * block_end() pads, writes the trailing length and patches the first. */
static size_t
block_start(Buf *b, uint32_t type)
{
    size_t at = b->a->len;
    put32(b, type);
    put32(b, 0);
    return at;
}

static void
block_end(Buf *b, size_t at)
{
    static const uint8_t zero[4] = {0};
    put(b, zero, (4 - b->a->len % 4) % 4);
    uint32_t total = (uint32_t)(b->a->len - at + 4);
    put32(b, total);
    patch32(b, at + 4, total);
}

static void
shb(Buf *b)
{
    size_t at = block_start(b, 0x0A0D0D0A);
    put32(b, 0x1A2B3C4D);
    put16(b, 1);
    put16(b, 0);
    put_uint(b, UINT64_MAX, 8);
    block_end(b, at);
}

/* IDB; tsresol < 0: no option; tsoffset != 0: if_tsoffset option. */
static void
idb(Buf *b, uint16_t linktype, uint32_t snaplen, int tsresol, int64_t tsoffset)
{
    size_t at = block_start(b, 1);
    put16(b, linktype);
    put16(b, 0);
    put32(b, snaplen);
    put16(b, 2); /* if_name, to be skipped */
    put16(b, 3);
    put(b, "eth\0", 4);
    if (tsresol >= 0) {
        put16(b, 9);
        put16(b, 1);
        uint8_t v[4] = {(uint8_t)tsresol, 0, 0, 0};
        put(b, v, 4);
    }
    if (tsoffset != 0) {
        put16(b, 14);
        put16(b, 8);
        put_uint(b, (uint64_t)tsoffset, 8);
    }
    put32(b, 0); /* opt_endofopt */
    block_end(b, at);
}

static size_t
epb(Buf *b, uint32_t ifid, uint64_t ts, uint32_t caplen, uint32_t origlen, uint8_t tag)
{
    size_t at = block_start(b, 6);
    put32(b, ifid);
    put32(b, ts >> 32);
    put32(b, ts & 0xffffffffu);
    put32(b, caplen);
    put32(b, origlen);
    uint8_t *p = payload(tag, caplen);
    put(b, p, caplen);
    g_free(p);
    block_end(b, at);
    return at;
}

static void
spb(Buf *b, uint32_t origlen, uint32_t datalen, uint8_t tag)
{
    size_t at = block_start(b, 3);
    put32(b, origlen);
    uint8_t *p = payload(tag, datalen);
    put(b, p, datalen);
    g_free(p);
    block_end(b, at);
}

static void
pb(Buf *b, uint16_t ifid, uint64_t ts, uint32_t caplen, uint32_t origlen, uint8_t tag)
{
    size_t at = block_start(b, 2);
    put16(b, ifid);
    put16(b, 0);
    put32(b, ts >> 32);
    put32(b, ts & 0xffffffffu);
    put32(b, caplen);
    put32(b, origlen);
    uint8_t *p = payload(tag, caplen);
    put(b, p, caplen);
    g_free(p);
    block_end(b, at);
}

/* A block of another type (NRB 4, ISB 5, custom 0xBAD...) with `n` bytes. */
static void
other_block(Buf *b, uint32_t type, size_t n)
{
    size_t at = block_start(b, type);
    uint8_t *p = payload(0x55, n);
    put(b, p, n);
    g_free(p);
    block_end(b, at);
}

/* A Custom Block (type 0xBAD or 0x40000BAD) of enterprise `pen` with `n`
 * bytes of data; returns its offset. */
static size_t
custom_block(Buf *b, uint32_t type, uint32_t pen, size_t n)
{
    size_t at = block_start(b, type);
    put32(b, pen);
    uint8_t *p = payload(0x66, n);
    put(b, p, n);
    g_free(p);
    block_end(b, at);
    return at;
}

/* ---- files and reading ------------------------------------------------ */

/* Writes `n` bytes to tmpdir/name; returns the path (g_free it). */
static char *
write_file(const char *name, const void *data, size_t n)
{
    char *path = g_build_filename(tmpdir, name, NULL);
    GError *error = NULL;
    ck_assert_msg(g_file_set_contents(path, data, (gssize)n, &error), "write %s", path);
    return path;
}

static char *
write_buf(const char *name, Buf *b)
{
    char *path = write_file(name, b->a->data, b->a->len);
    g_byte_array_free(b->a, TRUE);
    b->a = NULL;
    return path;
}

static ts_capture *
open_ok(const char *path)
{
    GError *error = NULL;
    ts_capture *cap = ts_capture_open(path, &error);
    ck_assert_msg(cap != NULL, "open %s: %s", path, error ? error->message : "?");
    return cap;
}

static void
next_ok(ts_capture *cap, ts_capture_frame *f)
{
    GError *error = NULL;
    int rc = ts_capture_next(cap, f, &error);
    ck_assert_msg(rc == 1, "next: rc %d %s", rc, error ? error->message : "");
}

static void
next_end(ts_capture *cap)
{
    GError *error = NULL;
    ts_capture_frame f;
    ck_assert_int_eq(ts_capture_next(cap, &f, &error), 0);
    ck_assert_ptr_null(error);
}

/* Expects damage with exactly `message` (a printf format with %s = path). */
static void
next_corrupt(ts_capture *cap, const char *path, const char *fmt, uint64_t offset,
             const char *reason)
{
    GError *error = NULL;
    ts_capture_frame f;
    ck_assert_int_eq(ts_capture_next(cap, &f, &error), -1);
    ck_assert_ptr_nonnull(error);
    ck_assert(g_error_matches(error, TS_ERROR, TS_ERROR_CORRUPT));
    char *want = g_strdup_printf(fmt, path, offset, reason);
    ck_assert_str_eq(error->message, want);
    g_free(want);
    g_error_free(error);
}

static void
check_frame(const ts_capture_frame *f, uint64_t number, uint64_t offset, int linktype,
            int64_t ts_ns, uint32_t caplen, uint32_t origlen, uint8_t tag)
{
    ck_assert_uint_eq(f->number, number);
    ck_assert_uint_eq(f->file_offset, offset);
    ck_assert(!f->no_packet);
    ck_assert_int_eq(f->linktype, linktype);
    ck_assert_int_eq(f->ts_ns, ts_ns);
    ck_assert_uint_eq(f->caplen, caplen);
    ck_assert_uint_eq(f->origlen, origlen);
    uint8_t *want = payload(tag, caplen);
    ck_assert_mem_eq(f->data, want, caplen);
    g_free(want);
}

/* A block numbered as a frame though it has no packet (Custom, SJE). */
static void
check_no_packet(const ts_capture_frame *f, uint64_t number, uint64_t offset)
{
    ck_assert_uint_eq(f->number, number);
    ck_assert_uint_eq(f->file_offset, offset);
    ck_assert(f->no_packet);
    ck_assert_uint_eq(f->caplen, 0);
    ck_assert_ptr_null(f->data);
}

#define DAMAGE "%s: offset %" G_GUINT64_FORMAT ": %s"

/* ---- pcap ------------------------------------------------------------- */

START_TEST(test_pcap_us)
{
    Buf b = buf_new(false);
    pcap_header(&b, 0xa1b2c3d4, 65535, 1);
    size_t r1 = pcap_record(&b, 1700000000, 123456, 60, 60, 1);
    size_t r2 = pcap_record(&b, 1700000001, 999999, 0, 1514, 2);
    size_t r3 = pcap_record(&b, 4294967295u, 1, 1514, 1514, 3);
    size_t total = b.a->len;
    char *path = write_buf("us.pcap", &b);
    ts_capture *cap = open_ok(path);
    ck_assert_str_eq(ts_capture_format(cap), "pcap");
    ts_capture_frame f;
    next_ok(cap, &f);
    check_frame(&f, 1, r1, 1, 1700000000123456000, 60, 60, 1);
    next_ok(cap, &f);
    check_frame(&f, 2, r2, 1, 1700000001999999000, 0, 1514, 2);
    next_ok(cap, &f);
    check_frame(&f, 3, r3, 1, 4294967295000001000, 1514, 1514, 3);
    next_end(cap);
    next_end(cap);
    ck_assert_ptr_null(ts_capture_warning(cap));
    ck_assert_uint_eq(ts_capture_offset(cap), total);
    ts_capture_close(cap);
    g_free(path);
}
END_TEST

START_TEST(test_pcap_ns_big_endian)
{
    Buf b = buf_new(true);
    pcap_header(&b, 0xa1b23c4d, 262144, 0x10000065); /* FCS bits + LINKTYPE_RAW */
    size_t r1 = pcap_record(&b, 1, 999999999, 40, 40, 7);
    size_t r2 = pcap_record(&b, 2, 5, 100, 90, 8); /* caplen > origlen: accepted */
    char *path = write_buf("ns-be.pcap", &b);
    ts_capture *cap = open_ok(path);
    ts_capture_frame f;
    next_ok(cap, &f);
    check_frame(&f, 1, r1, 101, 1999999999, 40, 40, 7);
    next_ok(cap, &f);
    check_frame(&f, 2, r2, 101, 2000000005, 100, 90, 8);
    next_end(cap);
    ts_capture_close(cap);
    g_free(path);
}
END_TEST

START_TEST(test_pcap_modified)
{
    Buf b = buf_new(false);
    pcap_header(&b, 0xa1b2cd34, 100, 1); /* snaplen 100 < caplen: accepted */
    size_t at = b.a->len;
    put32(&b, 10);
    put32(&b, 20);
    put32(&b, 200);
    put32(&b, 300);
    put32(&b, 2); /* ifindex */
    put16(&b, 8); /* protocol */
    put16(&b, 0); /* pkt_type, pad */
    uint8_t *p = payload(9, 200);
    put(&b, p, 200);
    g_free(p);
    char *path = write_buf("modified.pcap", &b);
    ts_capture *cap = open_ok(path);
    ts_capture_frame f;
    next_ok(cap, &f);
    check_frame(&f, 1, at, 1, 10000020000, 200, 300, 9);
    next_end(cap);
    ts_capture_close(cap);
    g_free(path);
}
END_TEST

START_TEST(test_pcap_header_only)
{
    Buf b = buf_new(false);
    pcap_header(&b, 0xa1b2c3d4, 65535, 1);
    char *path = write_buf("header-only.pcap", &b);
    ts_capture *cap = open_ok(path);
    next_end(cap);
    ck_assert_ptr_null(ts_capture_warning(cap));
    ck_assert_uint_eq(ts_capture_offset(cap), 24);
    ts_capture_close(cap);
    g_free(path);

    Buf n = buf_new(false);
    shb(&n);
    idb(&n, 1, 0, -1, 0);
    path = write_buf("header-only.pcapng", &n);
    cap = open_ok(path);
    next_end(cap);
    ck_assert_ptr_null(ts_capture_warning(cap));
    ts_capture_close(cap);
    g_free(path);
}
END_TEST

/* Records crossing the 1 MiB buffer boundary, and one bigger than it. */
START_TEST(test_pcap_big_records)
{
    Buf b = buf_new(false);
    pcap_header(&b, 0xa1b2c3d4, 0, 1);
    GArray *offs = g_array_new(FALSE, FALSE, sizeof(size_t));
    for (uint32_t i = 0; i < 3000; i++) {
        size_t at = pcap_record(&b, i, 0, (i * 7919) % 1600, 1600, (uint8_t)i);
        g_array_append_val(offs, at);
        if (i == 1000) {
            at = pcap_record(&b, i, 1, 3 << 20, 3 << 20, 0xAB);
            g_array_append_val(offs, at);
        }
    }
    char *path = write_buf("big.pcap", &b);
    ts_capture *cap = open_ok(path);
    ts_capture_frame f;
    for (guint k = 0; k < offs->len; k++) {
        uint32_t i = k <= 1001 ? k : k - 1;
        next_ok(cap, &f);
        if (k == 1001)
            check_frame(&f, k + 1, g_array_index(offs, size_t, k), 1, 1000000001000, 3 << 20,
                        3 << 20, 0xAB);
        else
            check_frame(&f, k + 1, g_array_index(offs, size_t, k), 1, (int64_t)i * 1000000000,
                        (i * 7919) % 1600, 1600, (uint8_t)i);
    }
    next_end(cap);
    ck_assert_ptr_null(ts_capture_warning(cap));
    ts_capture_close(cap);
    g_array_free(offs, TRUE);
    g_free(path);
}
END_TEST

/* ---- pcapng ----------------------------------------------------------- */

START_TEST(test_pcapng_tsresol)
{
    Buf b = buf_new(false);
    shb(&b);
    idb(&b, 1, 0, -1, 0);   /* default 10^-6 */
    idb(&b, 1, 0, 9, 0);    /* 10^-9 */
    idb(&b, 1, 0, 0x8a, 0); /* 2^-10 */
    idb(&b, 1, 0, 0x9e, 0); /* 2^-30 */
    idb(&b, 1, 0, 3, 100);  /* 10^-3, if_tsoffset 100 s */
    idb(&b, 1, 0, 12, -1);  /* 10^-12, if_tsoffset -1 s */
    size_t e0 = epb(&b, 0, 1700000000123456ull, 10, 10, 0);
    size_t e1 = epb(&b, 1, 1700000000123456789ull, 10, 10, 1);
    size_t e2 = epb(&b, 2, 1024ull * 5 + 512 + 1, 10, 10, 2); /* 5.5 s + 1/1024 s */
    size_t e3 = epb(&b, 3, (3ull << 30) + 1, 10, 10, 3);      /* 3 s + 2^-30 s */
    size_t e4 = epb(&b, 4, 1500, 10, 10, 4);
    size_t e5 = epb(&b, 5, 2000000000001999ull, 10, 10, 5);
    char *path = write_buf("tsresol.pcapng", &b);
    ts_capture *cap = open_ok(path);
    ck_assert_str_eq(ts_capture_format(cap), "pcapng");
    ts_capture_frame f;
    next_ok(cap, &f);
    check_frame(&f, 1, e0, 1, 1700000000123456000, 10, 10, 0);
    next_ok(cap, &f);
    check_frame(&f, 2, e1, 1, 1700000000123456789, 10, 10, 1);
    next_ok(cap, &f);
    check_frame(&f, 3, e2, 1, 5500976562, 10, 10, 2); /* 976562.5 ns, floored */
    next_ok(cap, &f);
    check_frame(&f, 4, e3, 1, 3000000000, 10, 10, 3); /* 0.93 ns, floored */
    next_ok(cap, &f);
    check_frame(&f, 5, e4, 1, 101500000000, 10, 10, 4);
    next_ok(cap, &f);
    check_frame(&f, 6, e5, 1, 1999000000001, 10, 10, 5);
    next_end(cap);
    ts_capture_close(cap);
    g_free(path);
}
END_TEST

/* Two sections of different byte order, three interfaces of different link
 * types, interface ids restarting, blocks of other types skipped. */
START_TEST(test_pcapng_sections)
{
    Buf b = buf_new(false);
    shb(&b);
    idb(&b, 1, 65535, -1, 0);
    idb(&b, 101, 65535, 9, 0);
    other_block(&b, 4, 13); /* NRB */
    size_t e1 = epb(&b, 1, 7, 20, 20, 1);
    size_t e2 = epb(&b, 0, 8, 30, 60, 2);
    other_block(&b, 5, 24); /* ISB */
    size_t c1 = b.a->len;
    other_block(&b, 0x40000BAD, 3); /* custom: numbered as a frame */
    b.be = true;
    size_t s2 = b.a->len;
    shb(&b);
    idb(&b, 113, 0, -1, 0);
    size_t e3 = epb(&b, 0, 9, 3, 3, 3);
    other_block(&b, 0x0000000A, 8); /* DSB */
    size_t e4 = epb(&b, 0, 10, 41, 41, 4);
    char *path = write_buf("sections.pcapng", &b);
    ts_capture *cap = open_ok(path);
    ts_capture_frame f;
    next_ok(cap, &f);
    check_frame(&f, 1, e1, 101, 7, 20, 20, 1);
    next_ok(cap, &f);
    check_frame(&f, 2, e2, 1, 8000, 30, 60, 2);
    next_ok(cap, &f);
    check_no_packet(&f, 3, c1);
    next_ok(cap, &f);
    check_frame(&f, 4, e3, 113, 9000, 3, 3, 3);
    ck_assert_uint_gt(f.file_offset, s2);
    next_ok(cap, &f);
    check_frame(&f, 5, e4, 113, 10000, 41, 41, 4);
    next_end(cap);
    ck_assert_ptr_null(ts_capture_warning(cap));
    ts_capture_close(cap);
    g_free(path);

    /* The second section forgets the first's interfaces. */
    Buf c = buf_new(true);
    shb(&c);
    idb(&c, 1, 0, -1, 0);
    idb(&c, 1, 0, -1, 0);
    c.be = false;
    shb(&c);
    idb(&c, 1, 0, -1, 0);
    size_t bad = epb(&c, 1, 0, 4, 4, 0);
    path = write_buf("sections-ids.pcapng", &c);
    cap = open_ok(path);
    next_corrupt(cap, path, DAMAGE, bad, "packet for unknown interface 1 (1 defined)");
    ts_capture_close(cap);
    g_free(path);
}
END_TEST

START_TEST(test_pcapng_spb_pb)
{
    Buf b = buf_new(true);
    shb(&b);
    idb(&b, 101, 64, 9, 0);
    idb(&b, 1, 0, -1, 0);
    size_t s1 = b.a->len;
    spb(&b, 30, 30, 1); /* whole packet, padded to 32 */
    size_t s2 = b.a->len;
    spb(&b, 1000, 64, 2); /* cut to snaplen 64 */
    size_t s3 = b.a->len;
    spb(&b, 50, 20, 3); /* block has room for 20 only */
    size_t p1 = b.a->len;
    pb(&b, 1, 42, 16, 70, 4);
    char *path = write_buf("spb.pcapng", &b);
    ts_capture *cap = open_ok(path);
    ts_capture_frame f;
    next_ok(cap, &f);
    check_frame(&f, 1, s1, 101, 0, 30, 30, 1);
    next_ok(cap, &f);
    check_frame(&f, 2, s2, 101, 0, 64, 1000, 2);
    next_ok(cap, &f);
    check_frame(&f, 3, s3, 101, 0, 20, 50, 3);
    next_ok(cap, &f);
    check_frame(&f, 4, p1, 1, 42000, 16, 70, 4);
    next_end(cap);
    ts_capture_close(cap);
    g_free(path);
}
END_TEST

/* The blocks tshark 4.0.17 numbers as frames without a packet (Custom
 * Blocks but PEN 10949 or one without a PEN, Systemd Journal Export) and the
 * ones it does not number (DSB, ISB, NRB, unknown), in both byte orders. */
START_TEST(test_pcapng_numbered_blocks)
{
    for (int big = 0; big < 2; big++) {
        Buf b = buf_new(big);
        shb(&b);
        idb(&b, 1, 0, -1, 0);
        size_t e1 = epb(&b, 0, 1, 20, 20, 1);
        size_t c1 = custom_block(&b, 0x00000BAD, 32473, 4);
        other_block(&b, 0x0000000A, 12); /* DSB */
        size_t j1 = b.a->len;
        other_block(&b, 0x00000009, 33);        /* SJE */
        custom_block(&b, 0x00000BAD, 10949, 4); /* PEN tshark does not number */
        other_block(&b, 5, 12);                 /* ISB */
        other_block(&b, 4, 4);                  /* NRB */
        other_block(&b, 0x1234, 4);             /* unknown */
        other_block(&b, 0x00000BAD, 0);         /* custom without a PEN */
        size_t c2 = custom_block(&b, 0x40000BAD, 1, 0);
        size_t s1 = b.a->len;
        spb(&b, 24, 24, 2);
        size_t p1 = b.a->len;
        pb(&b, 0, 3, 25, 25, 3);
        size_t e2 = epb(&b, 0, 4, 26, 26, 4);
        char *path = write_buf("numbered.pcapng", &b);
        ts_capture *cap = open_ok(path);
        ts_capture_frame f;
        next_ok(cap, &f);
        check_frame(&f, 1, e1, 1, 1000, 20, 20, 1);
        next_ok(cap, &f);
        check_no_packet(&f, 2, c1);
        next_ok(cap, &f);
        check_no_packet(&f, 3, j1);
        next_ok(cap, &f);
        check_no_packet(&f, 4, c2);
        next_ok(cap, &f);
        check_frame(&f, 5, s1, 1, 0, 24, 24, 2);
        next_ok(cap, &f);
        check_frame(&f, 6, p1, 1, 3000, 25, 25, 3);
        next_ok(cap, &f);
        check_frame(&f, 7, e2, 1, 4000, 26, 26, 4);
        next_end(cap);
        ck_assert_ptr_null(ts_capture_warning(cap));
        ts_capture_close(cap);
        g_free(path);
    }
}
END_TEST

/* ---- gzip ------------------------------------------------------------- */

static char *
write_gzip(const char *name, Buf *b)
{
    char *path = g_build_filename(tmpdir, name, NULL);
    gzFile gz = gzopen(path, "wb");
    ck_assert_ptr_nonnull(gz);
    ck_assert_int_eq(gzwrite(gz, b->a->data, b->a->len), (int)b->a->len);
    ck_assert_int_eq(gzclose(gz), Z_OK);
    g_byte_array_free(b->a, TRUE);
    b->a = NULL;
    return path;
}

START_TEST(test_gzip)
{
    Buf b = buf_new(false);
    pcap_header(&b, 0xa1b2c3d4, 65535, 1);
    size_t r1 = pcap_record(&b, 5, 6, 100, 100, 1);
    size_t r2 = pcap_record(&b, 7, 8, 2 << 20, 2 << 20, 2);
    size_t total = b.a->len;
    char *path = write_gzip("c.pcap.gz", &b);
    ts_capture *cap = open_ok(path);
    ck_assert_str_eq(ts_capture_format(cap), "pcap (gzip)");
    ts_capture_frame f;
    next_ok(cap, &f);
    check_frame(&f, 1, r1, 1, 5000006000, 100, 100, 1);
    next_ok(cap, &f);
    check_frame(&f, 2, r2, 1, 7000008000, 2 << 20, 2 << 20, 2);
    next_end(cap);
    ck_assert_uint_eq(ts_capture_offset(cap), total);
    ts_capture_close(cap);
    g_free(path);

    Buf n = buf_new(true);
    shb(&n);
    idb(&n, 113, 0, -1, 0);
    size_t e1 = epb(&n, 0, 1, 33, 33, 5);
    path = write_gzip("capture-named.pcap", &n); /* the name does not matter */
    cap = open_ok(path);
    ck_assert_str_eq(ts_capture_format(cap), "pcapng (gzip)");
    next_ok(cap, &f);
    check_frame(&f, 1, e1, 113, 1000, 33, 33, 5);
    next_end(cap);
    ts_capture_close(cap);
    g_free(path);
}
END_TEST

/* ---- pipes: gzip as a stream, the quiet hook ---------------------------- */

/* `n` bytes compressed as one gzip member (no file name in the header, so
 * the deflate data starts at byte 10). */
static GByteArray *
gzip_member(const uint8_t *data, size_t n)
{
    z_stream zs = {0};
    ck_assert_int_eq(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    uLong bound = deflateBound(&zs, (uLong)n);
    GByteArray *out = g_byte_array_sized_new((guint)bound);
    g_byte_array_set_size(out, (guint)bound);
    zs.next_in = (Bytef *)data;
    zs.avail_in = (uInt)n;
    zs.next_out = out->data;
    zs.avail_out = (uInt)bound;
    ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
    g_byte_array_set_size(out, (guint)zs.total_out);
    deflateEnd(&zs);
    return out;
}

/* What a writer thread sends through a pipe: `data` in `chunk`-byte writes,
 * pausing `pause_ms` after the first `pause_at` bytes, then closes. */
typedef struct {
    int fd;
    const GByteArray *data;
    size_t chunk;
    size_t pause_at;
    unsigned pause_ms;
} pipe_writer;

static gpointer
write_pipe(gpointer user)
{
    pipe_writer *w = user;
    for (size_t done = 0; done < w->data->len;) {
        size_t n = MIN(w->chunk, w->data->len - done);
        if (done < w->pause_at && done + n > w->pause_at)
            n = w->pause_at - done;
        ssize_t k = write(w->fd, w->data->data + done, n);
        if (k < 0)
            break; /* the reader went away */
        done += (size_t)k;
        if (done == w->pause_at && w->pause_ms > 0)
            g_usleep(w->pause_ms * 1000);
    }
    close(w->fd);
    return NULL;
}

/* A pipe whose writer thread sends `w->data` (w->fd is set here); *path
 * gets its name for the reader ("/dev/fd/N"). Join the thread after. */
static GThread *
start_pipe(pipe_writer *w, char **path, int *read_fd)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    w->fd = fds[1];
    *read_fd = fds[0];
    *path = g_strdup_printf("/dev/fd/%d", fds[0]);
    return g_thread_new("writer", write_pipe, w);
}

/* A pcap of `n` records of `size` bytes, record i at offsets[i]. */
static GByteArray *
pipe_pcap(unsigned n, uint32_t size, size_t *offsets)
{
    Buf b = buf_new(false);
    pcap_header(&b, 0xa1b2c3d4, 65535, 1);
    for (unsigned i = 0; i < n; i++)
        offsets[i] = pcap_record(&b, 100 + i, i, size, size, (uint8_t)i);
    return b.a;
}

/* gzip through a pipe in small writes: every frame, the format, the
 * offset; two members and trailing garbage read as gzread reads them. */
START_TEST(test_gzip_pipe)
{
    size_t at[40];
    GByteArray *plain = pipe_pcap(40, 3000, at);
    /* members: the first 1000 bytes, the rest; then 5 bytes of garbage */
    GByteArray *z = gzip_member(plain->data, 1000);
    GByteArray *z2 = gzip_member(plain->data + 1000, plain->len - 1000);
    g_byte_array_append(z, z2->data, z2->len);
    g_byte_array_append(z, (const guint8 *)"junk!", 5);
    for (int variant = 0; variant < 2; variant++) {
        /* variant 1: the writer pauses inside the second member's header */
        pipe_writer w = {.data = z,
                         .chunk = variant ? 4096 : 7,
                         .pause_at = variant ? (z->len - z2->len - 5) + 1 : 0,
                         .pause_ms = variant ? 300 : 0};
        char *path;
        int fd;
        GThread *t = start_pipe(&w, &path, &fd);
        ts_capture *cap = open_ok(path);
        ck_assert(ts_capture_is_sequential(cap));
        ck_assert_str_eq(ts_capture_format(cap), "pcap (gzip)");
        ts_capture_frame f;
        for (unsigned i = 0; i < 40; i++) {
            next_ok(cap, &f);
            check_frame(&f, i + 1, at[i], 1, (int64_t)(100 + i) * 1000000000 + i * 1000, 3000, 3000,
                        (uint8_t)i);
        }
        next_end(cap);
        ck_assert_ptr_null(ts_capture_warning(cap));
        ck_assert_uint_eq(ts_capture_offset(cap), plain->len);
        ts_capture_close(cap);
        g_thread_join(t);
        close(fd);
        g_free(path);
    }
    g_byte_array_free(z, TRUE);
    g_byte_array_free(z2, TRUE);
    g_byte_array_free(plain, TRUE);
}
END_TEST

/* Reads every frame of `path` until the end or damage: the count and the
 * error (NULL at a clean end). */
static unsigned
read_until_end(ts_capture *cap, GError **error)
{
    ts_capture_frame f;
    unsigned n = 0;
    while (ts_capture_next(cap, &f, error) == 1)
        n++;
    return n;
}

/* A gzip stream damaged or cut short, through a pipe (and through "-"). */
START_TEST(test_gzip_pipe_damage)
{
    size_t at[10];
    GByteArray *plain = pipe_pcap(10, 500, at);
    GByteArray *z = gzip_member(plain->data, plain->len);

    /* a wrong CRC in the trailer: every frame first, then the error at the
       end of the uncompressed data */
    GByteArray *crc = g_byte_array_new();
    g_byte_array_append(crc, z->data, z->len);
    crc->data[crc->len - 8] ^= 0x01;
    pipe_writer w = {.data = crc, .chunk = 100};
    char *path;
    int fd;
    GThread *t = start_pipe(&w, &path, &fd);
    ts_capture *cap = open_ok(path);
    GError *error = NULL;
    ck_assert_uint_eq(read_until_end(cap, &error), 10);
    ck_assert_ptr_nonnull(error);
    ck_assert(g_error_matches(error, TS_ERROR, TS_ERROR_CORRUPT));
    char *want = g_strdup_printf(DAMAGE, path, (guint64)plain->len, "gzip: incorrect data check");
    ck_assert_str_eq(error->message, want);
    g_free(want);
    g_clear_error(&error);
    ts_capture_close(cap);
    g_thread_join(t);
    close(fd);
    g_free(path);

    /* cut short inside the 6th record: five frames and the usual warning */
    GByteArray *cut = gzip_member(plain->data, at[5] + 100);
    g_byte_array_set_size(cut, cut->len - 8); /* no trailer either */
    w = (pipe_writer){.data = cut, .chunk = 64};
    t = start_pipe(&w, &path, &fd);
    cap = open_ok(path);
    ck_assert_uint_eq(read_until_end(cap, &error), 5);
    ck_assert_ptr_null(error);
    want = g_strdup_printf("%s: offset %zu: last record truncated (100 of 516 bytes)", path, at[5]);
    ck_assert_str_eq(ts_capture_warning(cap), want);
    g_free(want);
    ts_capture_close(cap);
    g_thread_join(t);
    close(fd);
    g_free(path);

    /* an invalid first block, read as "-" from standard input */
    GByteArray *bad = g_byte_array_new();
    g_byte_array_append(bad, z->data, z->len);
    bad->data[10] |= 0x06; /* BTYPE 11: reserved */
    w = (pipe_writer){.data = bad, .chunk = 4096};
    t = start_pipe(&w, &path, &fd);
    ck_assert_int_eq(dup2(fd, STDIN_FILENO), STDIN_FILENO);
    cap = ts_capture_open("-", &error);
    ck_assert_ptr_null(cap);
    ck_assert(g_error_matches(error, TS_ERROR, TS_ERROR_CORRUPT));
    ck_assert_str_eq(error->message, "stdin: offset 0: gzip: invalid block type");
    g_clear_error(&error);
    close(STDIN_FILENO);
    g_thread_join(t);
    close(fd);
    g_free(path);

    g_byte_array_free(bad, TRUE);
    g_byte_array_free(cut, TRUE);
    g_byte_array_free(crc, TRUE);
    g_byte_array_free(z, TRUE);
    g_byte_array_free(plain, TRUE);
}
END_TEST

/* The quiet hook's record of its calls; it stops the reading at call
 * `stop_at` (0: never). */
typedef struct {
    unsigned calls;
    unsigned stop_at;
    unsigned frames_before_first; /* frames read before its first call */
    unsigned *frames;
} quiet_log;

static bool
on_quiet(void *user)
{
    quiet_log *q = user;
    if (q->calls++ == 0)
        q->frames_before_first = *q->frames;
    return q->stop_at == 0 || q->calls < q->stop_at;
}

/* A plain pcap through a pipe whose writer pauses 700 ms after 3 records:
 * the hook is called during the pause (only then: 3 frames read before),
 * every frame is read; a hook returning false ends the input quietly. */
START_TEST(test_pipe_quiet_hook)
{
    size_t at[6];
    GByteArray *plain = pipe_pcap(6, 200, at);
    for (int stop = 0; stop < 2; stop++) {
        pipe_writer w = {.data = plain, .chunk = 4096, .pause_at = at[3] + 10, .pause_ms = 700};
        char *path;
        int fd;
        GThread *t = start_pipe(&w, &path, &fd);
        ts_capture *cap = open_ok(path);
        unsigned frames = 0;
        quiet_log q = {.stop_at = stop ? 1 : 0, .frames = &frames};
        ts_capture_on_quiet(cap, on_quiet, &q);
        ts_capture_frame f;
        GError *error = NULL;
        while (ts_capture_next(cap, &f, &error) == 1)
            frames++;
        ck_assert_ptr_null(error);
        ck_assert_uint_eq(q.frames_before_first, 3);
        if (stop) {
            ck_assert_uint_eq(q.calls, 1);
            ck_assert_uint_eq(frames, 3);
            ck_assert_ptr_null(ts_capture_warning(cap)); /* the cut record is not "truncated" */
        } else {
            ck_assert_uint_ge(q.calls, 2); /* 700 ms: three 200 ms periods */
            ck_assert_uint_le(q.calls, 4);
            ck_assert_uint_eq(frames, 6);
        }
        ts_capture_close(cap); /* closes the read end: the writer stops */
        g_thread_join(t);
        close(fd);
        g_free(path);
    }
    /* a regular file is not sequential: the hook is never called */
    Buf b = {g_byte_array_new(), false};
    g_byte_array_append(b.a, plain->data, plain->len);
    char *path = write_buf("quiet.pcap", &b);
    ts_capture *cap = open_ok(path);
    ck_assert(!ts_capture_is_sequential(cap));
    ts_capture_close(cap);
    g_free(path);
    g_byte_array_free(plain, TRUE);
}
END_TEST

/* ---- endings and damage ----------------------------------------------- */

START_TEST(test_truncated)
{
    Buf b = buf_new(false);
    pcap_header(&b, 0xa1b2c3d4, 65535, 1);
    pcap_record(&b, 1, 2, 10, 10, 1);
    size_t r2 = pcap_record(&b, 1, 2, 100, 100, 2);
    g_byte_array_set_size(b.a, b.a->len - 30); /* 86 of 116 bytes */
    char *path = write_buf("cut-body.pcap", &b);
    ts_capture *cap = open_ok(path);
    ts_capture_frame f;
    next_ok(cap, &f);
    next_end(cap);
    char *want =
        g_strdup_printf("%s: offset %zu: last record truncated (86 of 116 bytes)", path, r2);
    ck_assert_str_eq(ts_capture_warning(cap), want);
    g_free(want);
    next_end(cap);
    ts_capture_close(cap);
    g_free(path);

    Buf h = buf_new(false);
    pcap_header(&h, 0xa1b2c3d4, 65535, 1);
    put32(&h, 1); /* 4 of 16 header bytes */
    path = write_buf("cut-header.pcap", &h);
    cap = open_ok(path);
    next_end(cap);
    want = g_strdup_printf("%s: offset 24: last record truncated (4 of 16 bytes)", path);
    ck_assert_str_eq(ts_capture_warning(cap), want);
    g_free(want);
    ts_capture_close(cap);
    g_free(path);

    Buf n = buf_new(false);
    shb(&n);
    idb(&n, 1, 0, -1, 0);
    epb(&n, 0, 1, 10, 10, 1);
    size_t e2 = epb(&n, 0, 1, 10, 10, 2); /* 44 bytes */
    g_byte_array_set_size(n.a, n.a->len - 1);
    path = write_buf("cut.pcapng", &n);
    cap = open_ok(path);
    next_ok(cap, &f);
    next_end(cap);
    want = g_strdup_printf("%s: offset %zu: last record truncated (43 of 44 bytes)", path, e2);
    ck_assert_str_eq(ts_capture_warning(cap), want);
    g_free(want);
    ts_capture_close(cap);
    g_free(path);

    /* Three stray bytes after the last block. */
    Buf t = buf_new(false);
    shb(&t);
    idb(&t, 1, 0, -1, 0);
    size_t stray = t.a->len;
    put(&t, "\x06\x00\x00", 3);
    path = write_buf("stray.pcapng", &t);
    cap = open_ok(path);
    next_end(cap);
    want = g_strdup_printf("%s: offset %zu: last record truncated (3 of 8 bytes)", path, stray);
    ck_assert_str_eq(ts_capture_warning(cap), want);
    g_free(want);
    ts_capture_close(cap);
    g_free(path);

    /* A pcap file header cut short: opens, no frames, a warning. */
    path = write_file("cut-file-header.pcap", "\xd4\xc3\xb2\xa1\x02\x00", 6);
    cap = open_ok(path);
    next_end(cap);
    want = g_strdup_printf("%s: offset 0: last record truncated (6 of 24 bytes)", path);
    ck_assert_str_eq(ts_capture_warning(cap), want);
    g_free(want);
    ts_capture_close(cap);
    g_free(path);
}
END_TEST

/* Builds SHB + IDB + one EPB, lets `damage` modify it, expects `reason`
 * at the EPB's offset. */
static void
expect_pcapng_damage(const char *name, void (*damage)(Buf *b, size_t epb_at), const char *reason)
{
    Buf b = buf_new(false);
    shb(&b);
    idb(&b, 1, 0, -1, 0);
    size_t at = epb(&b, 0, 1, 10, 10, 1);
    damage(&b, at);
    char *path = write_buf(name, &b);
    ts_capture *cap = open_ok(path);
    next_corrupt(cap, path, DAMAGE, at, reason);
    next_corrupt(cap, path, DAMAGE, at, reason); /* repeated, not forgotten */
    ts_capture_close(cap);
    g_free(path);
}

static void
len_not_4(Buf *b, size_t at)
{
    patch32(b, at + 4, 42);
}

static void
len_small(Buf *b, size_t at)
{
    patch32(b, at + 4, 8);
}

static void
len_huge(Buf *b, size_t at)
{
    patch32(b, at + 4, 0x7ffffffc);
}

static void
trailer_bad(Buf *b, size_t at)
{
    patch32(b, at + 44 - 4, 48);
}

static void
unknown_iface(Buf *b, size_t at)
{
    patch32(b, at + 8, 3);
}

static void
caplen_big(Buf *b, size_t at)
{
    patch32(b, at + 20, 13);
}

START_TEST(test_damaged)
{
    expect_pcapng_damage("len4.pcapng", len_not_4, "bad block length 42");
    expect_pcapng_damage("len8.pcapng", len_small, "bad block length 8");
    expect_pcapng_damage("lenhuge.pcapng", len_huge,
                         "block length 2147483644 exceeds the limit of 268435456 bytes");
    expect_pcapng_damage("trailer.pcapng", trailer_bad,
                         "trailing block length 48 does not match 44");
    expect_pcapng_damage("iface.pcapng", unknown_iface,
                         "packet for unknown interface 3 (1 defined)");
    expect_pcapng_damage("caplen.pcapng", caplen_big, "caplen 13 bigger than the block (12 bytes)");

    Buf b = buf_new(false);
    pcap_header(&b, 0xa1b2c3d4, 65535, 1);
    pcap_record(&b, 1, 2, 10, 10, 1);
    size_t at = b.a->len;
    put32(&b, 1);
    put32(&b, 2);
    put32(&b, 268435457);
    put32(&b, 10);
    char *path = write_buf("caplen.pcap", &b);
    ts_capture *cap = open_ok(path);
    ts_capture_frame f;
    next_ok(cap, &f);
    next_corrupt(cap, path, DAMAGE, at,
                 "record length 268435457 exceeds the limit of 268435456 bytes");
    ts_capture_close(cap);
    g_free(path);

    /* Blocks too short for their fixed fields; an SPB without interface. */
    static const struct {
        uint32_t type;
        size_t body;
        const char *reason;
    } shorts[] = {
        {1, 4, "interface description block too short"},
        {6, 16, "enhanced packet block too short"},
        {2, 16, "packet block too short"},
        {3, 0, "simple packet block too short"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(shorts); i++) {
        Buf s = buf_new(true);
        shb(&s);
        idb(&s, 1, 0, -1, 0);
        size_t short_at = s.a->len;
        other_block(&s, shorts[i].type, shorts[i].body);
        path = write_buf("short.pcapng", &s);
        cap = open_ok(path);
        next_corrupt(cap, path, DAMAGE, short_at, shorts[i].reason);
        ts_capture_close(cap);
        g_free(path);
    }
    Buf n = buf_new(false);
    shb(&n);
    spb(&n, 4, 4, 0);
    path = write_buf("spb-first.pcapng", &n);
    cap = open_ok(path);
    next_corrupt(cap, path, DAMAGE, 28, "simple packet block before any interface description");
    ts_capture_close(cap);
    g_free(path);

    /* A section header whose byte-order magic is wrong. */
    Buf s = buf_new(false);
    shb(&s);
    patch32(&s, 8, 0x11223344);
    path = write_buf("bom.pcapng", &s);
    cap = open_ok(path);
    next_corrupt(cap, path, DAMAGE, 0, "section header with bad byte-order magic 11223344");
    ts_capture_close(cap);
    g_free(path);
}
END_TEST

static void
expect_open_error(const char *path, int code, const char *message)
{
    GError *error = NULL;
    ck_assert_ptr_null(ts_capture_open(path, &error));
    ck_assert_ptr_nonnull(error);
    ck_assert(g_error_matches(error, TS_ERROR, code));
    ck_assert_str_eq(error->message, message);
    g_error_free(error);
}

START_TEST(test_not_capture)
{
    char *path = write_file("text.pcap", "Hello, world\n", 13);
    char *want =
        g_strdup_printf("%s: not a pcap or pcapng capture (first bytes 48 65 6c 6c)", path);
    expect_open_error(path, TS_ERROR_FORMAT, want);
    g_free(want);
    g_free(path);

    path = write_file("short.pcap", "\xa1\xb2", 2);
    want = g_strdup_printf("%s: not a pcap or pcapng capture (first bytes a1 b2)", path);
    expect_open_error(path, TS_ERROR_FORMAT, want);
    g_free(want);
    g_free(path);

    want = g_strdup_printf("%s: %s", tmpdir, g_strerror(EISDIR));
    expect_open_error(tmpdir, TS_ERROR_IO, want);
    g_free(want);

    path = g_build_filename(tmpdir, "does-not-exist.pcap", NULL);
    want = g_strdup_printf("%s: %s", path, g_strerror(ENOENT));
    expect_open_error(path, TS_ERROR_IO, want);
    g_free(want);
    g_free(path);
}
END_TEST

START_TEST(test_empty)
{
    char *path = write_file("empty.pcap", "", 0);
    char *want = g_strdup_printf("%s: not a pcap or pcapng capture (empty file)", path);
    expect_open_error(path, TS_ERROR_FORMAT, want);
    g_free(want);
    g_free(path);
}
END_TEST

/* ---- robustness ------------------------------------------------------- */

/* Reads `path` to the end; fails the test if it does not stop. */
static void
read_all_bounded(const char *path, size_t file_size)
{
    GError *error = NULL;
    ts_capture *cap = ts_capture_open(path, &error);
    if (cap == NULL) {
        ck_assert_ptr_nonnull(error);
        g_error_free(error);
        return;
    }
    ts_capture_frame f;
    int rc;
    uint64_t frames = 0, sum = 0;
    while ((rc = ts_capture_next(cap, &f, &error)) == 1) {
        frames++;
        ck_assert_uint_le(frames, file_size / 12 + 1);
        ck_assert_uint_le(f.caplen, file_size);
        for (uint32_t i = 0; i < f.caplen; i++)
            sum += f.data[i]; /* out-of-bounds reads show under ASan/valgrind */
    }
    ck_assert(rc == 0 || rc == -1);
    if (rc < 0) {
        ck_assert(g_error_matches(error, TS_ERROR, TS_ERROR_CORRUPT) ||
                  g_error_matches(error, TS_ERROR, TS_ERROR_IO));
        g_error_free(error);
    } else {
        ck_assert_ptr_null(error);
    }
    ck_assert_int_eq(ts_capture_next(cap, &f, NULL), rc);
    ts_capture_close(cap);
    (void)sum;
}

static GByteArray *
fuzz_base_pcapng(void)
{
    Buf b = buf_new(false);
    shb(&b);
    idb(&b, 1, 0, -1, 0);
    idb(&b, 101, 128, 0x8a, 5);
    epb(&b, 0, 1, 60, 60, 1);
    spb(&b, 40, 40, 2);
    other_block(&b, 5, 16);
    epb(&b, 1, 1, 33, 90, 3);
    b.be = true;
    shb(&b);
    idb(&b, 113, 0, 9, 0);
    epb(&b, 0, 77, 17, 17, 4);
    pb(&b, 0, 78, 20, 20, 5);
    return b.a;
}

static GByteArray *
fuzz_base_pcap(void)
{
    Buf b = buf_new(false);
    pcap_header(&b, 0xa1b23c4d, 65535, 1);
    for (int i = 0; i < 8; i++)
        pcap_record(&b, (uint32_t)i, 0, (uint32_t)(i * 13), 100, (uint8_t)i);
    return b.a;
}

/* Copies `base`, flips a few random bytes and maybe truncates. */
static GByteArray *
mutate(GRand *rng, const GByteArray *base)
{
    GByteArray *m = g_byte_array_sized_new(base->len);
    g_byte_array_append(m, base->data, base->len);
    int flips = g_rand_int_range(rng, 0, 6);
    for (int i = 0; i < flips; i++) {
        guint at = (guint)g_rand_int_range(rng, 0, (gint32)m->len);
        if (g_rand_boolean(rng))
            m->data[at] ^= (uint8_t)(1u << g_rand_int_range(rng, 0, 8));
        else
            m->data[at] = (uint8_t)g_rand_int_range(rng, 0, 256);
    }
    if (flips == 0 || g_rand_int_range(rng, 0, 3) == 0)
        g_byte_array_set_size(m, (guint)g_rand_int_range(rng, 0, (gint32)m->len + 1));
    return m;
}

START_TEST(test_fuzz)
{
    GRand *rng = g_rand_new_with_seed(20240611);
    GByteArray *bases[2] = {fuzz_base_pcapng(), fuzz_base_pcap()};
    char *path = g_build_filename(tmpdir, "fuzz.bin", NULL);
    for (int iter = 0; iter < 4000; iter++) {
        GByteArray *m = mutate(rng, bases[iter % 2]);
        if (iter % 10 == 0) {
            /* A gzip copy, sometimes with its compressed bytes damaged too. */
            Buf b = {m, false};
            char *gz = write_gzip("fuzz.gz", &b);
            gchar *data;
            gsize n;
            ck_assert(g_file_get_contents(gz, &data, &n, NULL));
            GByteArray *z = g_byte_array_new_take((guint8 *)data, n);
            m = mutate(rng, z);
            g_byte_array_free(z, TRUE);
            g_free(gz);
        }
        ck_assert(g_file_set_contents(path, (const char *)m->data, m->len, NULL));
        read_all_bounded(path, m->len * (iter % 10 == 0 ? 1100 : 1) + 64);
        g_byte_array_free(m, TRUE);
    }
    g_byte_array_free(bases[0], TRUE);
    g_byte_array_free(bases[1], TRUE);
    g_rand_free(rng);
    g_free(path);
}
END_TEST

/* A file truncated by someone else while we read its mapped window: the
 * frame whose bytes are gone is not returned; the error names the record and
 * the file's new size; nothing crashes (SIGBUS is handled). */
START_TEST(test_shrinks_while_read)
{
    Buf b = buf_new(false);
    pcap_header(&b, 0xa1b2c3d4, 65535, 1);
    size_t starts[4000];
    for (unsigned i = 0; i < 4000; i++) /* 6 MB: more than one window */
        starts[i] = pcap_record(&b, 1700000000 + i, 0, 1500, 1500, (uint8_t)i);
    char *path = write_buf("shrinks.pcap", &b);
    ts_capture *cap = open_ok(path);
    ts_capture_frame f;
    for (unsigned i = 0; i < 10; i++)
        next_ok(cap, &f);
    ck_assert_int_eq(truncate(path, 204800), 0); /* 50 pages of 4 KiB */
    /* records 10..134 are whole below 204800; record 135 crosses it */
    unsigned i = 10;
    GError *error = NULL;
    int rc;
    while ((rc = ts_capture_next(cap, &f, &error)) == 1) {
        ck_assert_uint_eq(f.file_offset, starts[i]);
        uint8_t *want = payload((uint8_t)i, 1500);
        ck_assert_mem_eq(f.data, want, 1500);
        g_free(want);
        i++;
    }
    ck_assert_int_eq(rc, -1);
    ck_assert_uint_eq(i, 135);
    char *msg = g_strdup_printf(DAMAGE, path, (guint64)starts[135],
                                "the file shrank while being read (it now has 204800 bytes)");
    ck_assert_str_eq(error->message, msg);
    g_free(msg);
    g_error_free(error);
    ts_capture_close(cap);
    g_free(path);
}
END_TEST

/* ---- suite ------------------------------------------------------------ */

static void
add(Suite *s, const char *name, const TTest *test, int timeout)
{
    TCase *tc = tcase_create(name);
    tcase_add_test(tc, test);
    if (timeout > 0)
        tcase_set_timeout(tc, timeout);
    suite_add_tcase(s, tc);
}

static Suite *
ts_capture_suite(void)
{
    Suite *s = suite_create("capture");
    add(s, "pcap_us", test_pcap_us, 0);
    add(s, "pcap_ns_big_endian", test_pcap_ns_big_endian, 0);
    add(s, "pcap_modified", test_pcap_modified, 0);
    add(s, "header_only", test_pcap_header_only, 0);
    add(s, "big_records", test_pcap_big_records, 60);
    add(s, "pcapng_tsresol", test_pcapng_tsresol, 0);
    add(s, "pcapng_sections", test_pcapng_sections, 0);
    add(s, "pcapng_spb_pb", test_pcapng_spb_pb, 0);
    add(s, "pcapng_numbered_blocks", test_pcapng_numbered_blocks, 0);
    add(s, "gzip", test_gzip, 30);
    add(s, "gzip_pipe", test_gzip_pipe, 30);
    add(s, "gzip_pipe_damage", test_gzip_pipe_damage, 30);
    add(s, "pipe_quiet_hook", test_pipe_quiet_hook, 30);
    add(s, "truncated", test_truncated, 0);
    add(s, "damaged", test_damaged, 0);
    add(s, "shrinks_while_read", test_shrinks_while_read, 30);
    add(s, "not_capture", test_not_capture, 0);
    add(s, "empty", test_empty, 0);
    add(s, "fuzz", test_fuzz, 600);
    return s;
}

/* Removes the temporary directory and what the tests left in it. */
static void
remove_tmpdir(void)
{
    GDir *dir = g_dir_open(tmpdir, 0, NULL);
    if (dir != NULL) {
        const char *name;
        while ((name = g_dir_read_name(dir)) != NULL) {
            char *p = g_build_filename(tmpdir, name, NULL);
            g_remove(p);
            g_free(p);
        }
        g_dir_close(dir);
    }
    g_rmdir(tmpdir);
}

int
main(void)
{
    tmpdir = g_build_filename(g_get_tmp_dir(), "test_capture-XXXXXX", NULL);
    if (g_mkdtemp(tmpdir) == NULL) {
        perror("g_mkdtemp");
        return 1;
    }
    SRunner *sr = srunner_create(ts_capture_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    remove_tmpdir();
    g_free(tmpdir);
    return failed == 0 ? 0 : 1;
}

/*
 * capture_gzip.c — a gzip-compressed capture decompressed with zlib's
 * inflate(), fed from the bytes the reader has already read: the probe's
 * first bytes are the start of the compressed stream, so nothing is read
 * twice and nothing seeks (a pipe works as a file does).
 *
 * Behaves as gzread() did before:
 * - concatenated gzip members are one stream (a member's end is followed by
 *   another gzip header); anything else after a member, even one byte, is
 *   trailing garbage and ignored;
 * - a stream cut short is an early end of file (the format readers then warn
 *   "last record truncated" when a record was cut);
 * - damage (a bad block, a wrong CRC or length in a member's trailer) is
 *   TS_ERROR_CORRUPT "PATH: offset N: gzip: REASON" with N the uncompressed
 *   offset reached; the bytes decompressed before it are delivered first.
 *
 * Gotchas: the compressed bytes wait in `in` (zs.next_in points into it);
 * ts_cap_gzip_refill() slides them to the front before reading more, so a
 * member's next header can be looked at across two reads.
 */
#include "capture_internal.h"

#include <limits.h>

/* Compressed bytes read at a time (gzbuffer's size before). */
#define GZIP_INPUT_SIZE (256u * 1024u)

struct ts_cap_gzip {
    z_stream zs;
    uint8_t *in;     /* compressed bytes; zs.next_in points into it */
    size_t in_size;  /* allocated bytes of in */
    bool in_eof;     /* the compressed input ended */
    bool member_end; /* a member ended; whether another follows is not known yet */
    bool finished;   /* no more uncompressed bytes: the end, or trailing garbage */
    GError *pending; /* damage found after bytes were delivered, reported next */
};

/* Starts decompressing: the `have` bytes at `head` (already read from the
 * input) are the start of the stream. */
bool
ts_cap_gzip_start(ts_capture *cap, const uint8_t *head, size_t have, GError **error)
{
    ts_cap_gzip *g = g_new0(ts_cap_gzip, 1);
    g->in_size = MAX(GZIP_INPUT_SIZE, have);
    g->in = g_malloc(g->in_size);
    memcpy(g->in, head, have);
    g->zs.next_in = g->in;
    g->zs.avail_in = (uInt)have;
    if (inflateInit2(&g->zs, 15 + 16) != Z_OK) { /* gzip header only */
        g_set_error(error, TS_ERROR, TS_ERROR_IO, "%s: gzip: out of memory", cap->path);
        g_free(g->in);
        g_free(g);
        return false;
    }
    cap->gz = g;
    return true;
}

/* Slides the unused compressed bytes to the front of `in` and reads more
 * after them. Returns false with `error` set when reading fails. */
static bool
refill(ts_capture *cap, ts_cap_gzip *g, GError **error)
{
    if (g->zs.avail_in > 0 && g->zs.next_in != g->in)
        memmove(g->in, g->zs.next_in, g->zs.avail_in);
    g->zs.next_in = g->in;
    gssize n = ts_cap_raw_read(cap, g->in + g->zs.avail_in, g->in_size - g->zs.avail_in, error);
    if (n < 0)
        return false;
    if (n == 0)
        g->in_eof = true;
    g->zs.avail_in += (uInt)n;
    return true;
}

/* After a member's end: another member follows (true, inflate reset), or the
 * stream is over (false, `finished`). Returns -1 when reading fails. */
static int
next_member(ts_capture *cap, ts_cap_gzip *g, GError **error)
{
    while (g->zs.avail_in < 2 && !g->in_eof) {
        if (!refill(cap, g, error))
            return -1;
    }
    if (g->zs.avail_in >= 2 && g->zs.next_in[0] == 0x1f && g->zs.next_in[1] == 0x8b) {
        inflateReset(&g->zs);
        g->member_end = false;
        return 1;
    }
    g->finished = true; /* the end, or trailing garbage (ignored, as gzread does) */
    return 0;
}

/* The damage error at uncompressed offset `offset`. */
static GError *
damage(ts_capture *cap, ts_cap_gzip *g, int ret, uint64_t offset)
{
    GError *error = NULL;
    if (ret == Z_MEM_ERROR)
        g_set_error(&error, TS_ERROR, TS_ERROR_IO, "%s: gzip: out of memory", cap->path);
    else
        ts_cap_corrupt(cap, offset, &error, "gzip: %s",
                       g->zs.msg != NULL ? g->zs.msg : "compressed data error");
    return error;
}

/* Decompresses into `dst` (`room` bytes, > 0): the count (> 0), 0 at the end
 * of the stream, -1 with `error` set on damage or a read failure. */
gssize
ts_cap_gzip_read(ts_capture *cap, uint8_t *dst, size_t room, GError **error)
{
    ts_cap_gzip *g = cap->gz;
    if (g->pending != NULL) {
        g_propagate_error(error, g_steal_pointer(&g->pending));
        return -1;
    }
    if (room > UINT_MAX)
        room = UINT_MAX;
    g->zs.next_out = dst;
    g->zs.avail_out = (uInt)room;
    while (g->zs.avail_out == room && !g->finished) {
        if (g->member_end) {
            if (next_member(cap, g, error) < 0)
                return -1;
            continue;
        }
        if (g->zs.avail_in == 0) {
            if (g->in_eof) {
                g->finished = true; /* cut short: an early end of file */
                break;
            }
            if (!refill(cap, g, error))
                return -1;
            continue;
        }
        int ret = inflate(&g->zs, Z_NO_FLUSH);
        if (ret == Z_STREAM_END) {
            g->member_end = true;
        } else if (ret != Z_OK && ret != Z_BUF_ERROR) {
            size_t produced = room - g->zs.avail_out;
            GError *err = damage(cap, g, ret, cap->buf_offset + cap->len + produced);
            g->finished = true;
            if (produced == 0) {
                g_propagate_error(error, err);
                return -1;
            }
            g->pending = err; /* after the bytes before the damage */
            break;
        }
    }
    return (gssize)(room - g->zs.avail_out);
}

/* Hands out the damage found after the bytes already delivered, if any. */
GError *
ts_cap_gzip_take_damage(ts_cap_gzip *g)
{
    return g_steal_pointer(&g->pending);
}

/* Ends decompression and frees its state (NULL allowed). */
void
ts_cap_gzip_free(ts_cap_gzip *g)
{
    if (g == NULL)
        return;
    inflateEnd(&g->zs);
    g_clear_error(&g->pending);
    g_free(g->in);
    g_free(g);
}

/*
 * capture_internal.h — the reader's state shared by capture.c (opening, the
 * buffer, errors), capture_pcap.c and capture_pcapng.c (the two formats).
 *
 * Gotchas: `buf + pos` is the start of the unread bytes; ts_cap_ensure() may
 * move or reallocate the buffer, so pointers into it must be taken again
 * after each call. A frame handed out points into the buffer and stays valid
 * only because nothing is moved before the next ts_capture_next().
 */
#ifndef TS_CAPTURE_INTERNAL_H
#define TS_CAPTURE_INTERNAL_H

#include "bytes.h"
#include "capture.h"

#include <stdint.h>
#include <string.h>
#include <zlib.h>

/* A record claiming more than this many bytes is damage, not data. */
#define TS_CAP_MAX_RECORD (256u * 1024u * 1024u)
/* Initial buffer size; grown (only while data keeps coming) for big records. */
#define TS_CAP_BUFSIZE (1u << 20)
/* Plain files are mapped in windows of this size (more for bigger records). */
#define TS_CAP_MAP_WINDOW (2u << 20)

typedef enum {
    TS_CAP_PCAP,
    TS_CAP_PCAPNG,
} ts_cap_kind;

/* One pcapng interface (Interface Description Block) of the current section. */
typedef struct {
    int linktype;
    uint32_t snaplen; /* 0: no limit */
    uint8_t tsresol;  /* if_tsresol as in the file (default 6) */
    int64_t tsoffset; /* if_tsoffset, seconds */
} ts_cap_iface;

/* Decompression state of a gzip-compressed capture (capture_gzip.c). */
typedef struct ts_cap_gzip ts_cap_gzip;

struct ts_capture {
    char *path; /* as named in messages: "stdin" for "-" */
    int fd;
    ts_cap_gzip *gz; /* NULL unless gzip-compressed */
    char *format;
    bool sequential;           /* not a regular file (pipe, FIFO, device, socket): never
                                  seeks nor maps; waits for input with poll() */
    ts_capture_quiet_fn quiet; /* see ts_capture_on_quiet() */
    void *quiet_user;
    bool stopped; /* the quiet hook asked to stop: an end without a warning */

    uint8_t *buf;        /* read buffer, or the mapped window when `mapped` */
    size_t size;         /* allocated (or mapped) bytes of buf */
    size_t pos;          /* first unread byte */
    size_t len;          /* bytes of buf holding data */
    uint64_t buf_offset; /* stream offset of buf[0] */
    bool eof;            /* the source returned end of file */
    bool mapped;         /* buf is a window of the plain file mapped at buf_offset */
    size_t prefetched;   /* bytes of buf below this were prefetched (mapped) */

    bool done;       /* the end was reached (or a failure reported) */
    GError *failure; /* the failure already reported, repeated on next calls */
    char *warning;
    uint64_t frames;

    ts_cap_kind kind;
    bool swap; /* file byte order differs from ours (current section) */
    /* pcap */
    bool nanosec;
    bool modified; /* Kuznetzov's 24-byte record headers */
    int pcap_linktype;
    /* pcapng */
    ts_cap_iface *ifaces;
    size_t n_ifaces, ifaces_alloc;
};

/* Reads up to `room` bytes of the input as stored (compressed or not) into
 * `dst`; on a sequential input it first waits with poll(), calling the quiet
 * hook every TS_CAPTURE_QUIET_MS without input. Returns the count, 0 at the
 * end of the input (or when the hook asked to stop), -1 with `error` set. */
gssize ts_cap_raw_read(ts_capture *cap, uint8_t *dst, size_t room, GError **error);

/* Starts gzip decompression with the `have` compressed bytes at `head`
 * already read from the input (copied); false with `error` set. */
bool ts_cap_gzip_start(ts_capture *cap, const uint8_t *head, size_t have, GError **error);

/* Decompresses up to `room` (> 0) bytes into `dst`: the count, 0 at the end
 * of the stream, -1 with `error` set (TS_ERROR_CORRUPT "PATH: offset N: gzip:
 * REASON", N the uncompressed offset reached; or TS_ERROR_IO). */
gssize ts_cap_gzip_read(ts_capture *cap, uint8_t *dst, size_t room, GError **error);

/* The damage ts_cap_gzip_read() found after the bytes it delivered (not yet
 * reported), or NULL; the caller owns it. */
GError *ts_cap_gzip_take_damage(ts_cap_gzip *g);

/* Frees the decompression state (NULL allowed). */
void ts_cap_gzip_free(ts_cap_gzip *g);

/* ts_cap_ensure()'s slow path: reads (or maps) more of the file. */
gssize ts_cap_fill(ts_capture *cap, size_t need, GError **error);

/* Makes at least `need` unread bytes available at buf + pos if the file has
 * them. Returns the number of unread bytes available (less than `need` only
 * at the end of the file), or -1 with `error` set when reading fails. */
static inline gssize
ts_cap_ensure(ts_capture *cap, size_t need, GError **error)
{
    if (G_LIKELY(cap->len - cap->pos >= need))
        return (gssize)(cap->len - cap->pos);
    return ts_cap_fill(cap, need, error);
}

/* Stream offset of the next unread byte. */
static inline uint64_t
ts_cap_here(const ts_capture *cap)
{
    return cap->buf_offset + cap->pos;
}

/* Reports damage at stream offset `offset`: sets `error` (TS_ERROR_CORRUPT,
 * "PATH: offset N: REASON"). Returns -1. */
int ts_cap_corrupt(ts_capture *cap, uint64_t offset, GError **error, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

/* Ends the file at a record starting at `offset` that has only `have` of its
 * `need` bytes: records the warning. Returns 0. */
int ts_cap_truncated(ts_capture *cap, uint64_t offset, size_t have, size_t need);

/* Bytes of a mapped window prefetched ahead of the record being read: the
 * hardware prefetchers stop at each page of the mapping. */
#define TS_CAP_PREFETCH (8u << 10)

/* Prefetches the mapped bytes up to TS_CAP_PREFETCH bytes past buf + pos +
 * need, 256 bytes a step (addresses as integers: a prefetch never faults,
 * the last step may reach a little past the window). */
static inline void
ts_cap_prefetch(ts_capture *cap, size_t need)
{
    if (!cap->mapped)
        return;
    size_t until = MIN(cap->len, cap->pos + need + TS_CAP_PREFETCH);
    uintptr_t base = (uintptr_t)cap->buf;
    for (; cap->prefetched < until; cap->prefetched += 256) {
        __builtin_prefetch((const void *)(base + cap->prefetched));
        __builtin_prefetch((const void *)(base + cap->prefetched + 64));
        __builtin_prefetch((const void *)(base + cap->prefetched + 128));
        __builtin_prefetch((const void *)(base + cap->prefetched + 192));
    }
}

/* Reads the 24-byte pcap file header (magic already recognised). Returns 1,
 * 0 when the file ends inside it (warning set), -1 on failure. */
int ts_pcap_start(ts_capture *cap, GError **error);

/* Reads the next pcap record, as ts_capture_next(). */
int ts_pcap_next(ts_capture *cap, ts_capture_frame *frame, GError **error);

/* Reads pcapng blocks up to the next packet, as ts_capture_next(). */
int ts_pcapng_next(ts_capture *cap, ts_capture_frame *frame, GError **error);

/* True when the current section is big-endian (fields are read with
 * bytes.h's ts_get_u16/u32/u64 in this order). */
static inline bool
ts_cap_big(const ts_capture *cap)
{
    return (G_BYTE_ORDER == G_BIG_ENDIAN) != cap->swap;
}

/* `swap` for a file whose order is little-endian or not. */
static inline bool
ts_cap_swap_for(bool little)
{
    return little != (G_BYTE_ORDER == G_LITTLE_ENDIAN);
}

#endif /* TS_CAPTURE_INTERNAL_H */

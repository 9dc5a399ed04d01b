/*
 * spool.h — where kept payload goes when it outgrows its memory budget
 * (internal).
 *
 * With keep_payload, every session keeps the bytes it delivered until it
 * ends. An engine whose kept payload in memory passes
 * ts_options.max_payload_memory writes directions' in-memory bytes out to ONE
 * spool file and keeps, per direction, the list of file extents holding them
 * (session.c). The file is created on the first spill, in spool_dir, and
 * unlinked at once (O_TMPFILE, or create + unlink): nothing is left behind,
 * even after a crash. Released extents become holes (FALLOC_FL_PUNCH_HOLE),
 * so the file's disk (or tmpfs) use follows the payload of live sessions.
 *
 * Extents are written back to back (no padding). A filesystem block that two
 * extents share is counted and punched when the last of them is released;
 * blocks wholly inside one extent are punched with it.
 *
 * Failures never lose bytes: if the file cannot be created or written, the
 * spool warns once (through the engine's warnings) and turns itself off, and
 * payload simply stays in memory. A failed read (of bytes we wrote) is
 * reported too; the caller decides what the missing bytes become.
 *
 * Accounting: `held` is the memory of kept payload buffers (their capacity)
 * and `dirty` the directions holding such buffers, both maintained by
 * session.c, which sweeps them to the file when `held` passes `trigger`.
 */
#ifndef TS_SPOOL_H
#define TS_SPOOL_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ts_spool ts_spool;

/* Receives a warning message (borrowed for the call). */
typedef void (*ts_spool_warn_fn)(void *ctx, const char *message);

/* A queued write has reached the file at `offset` (ts_spool_flush). */
typedef void (*ts_spool_done_fn)(ts_spool *sp, void *owner, uint64_t offset, size_t len);

struct ts_spool {
    size_t budget;    /* ts_options.max_payload_memory (> 0) */
    size_t held;      /* kept payload bytes allocated in memory */
    size_t trigger;   /* held above this: sweep (session.c) */
    GPtrArray *dirty; /* session.c's ts_dir* holding kept bytes in memory */
    /* the rest is spool.c's */
    char *dir;
    int fd;              /* -1 until the first write */
    bool disabled;       /* creation or a write failed: no more spilling */
    bool read_warned;    /* a failed read or rewrite was reported */
    uint64_t end;        /* next write offset */
    GHashTable *shared;  /* block index -> extents partly in it (boundary blocks) */
    GArray *queue;       /* queued writes (spool.c's entries) */
    size_t queued_bytes; /* bytes in `queue` */
    ts_spool_warn_fn warn;
    void *warn_ctx;
};

/** A spool in `dir` (NULL: g_get_tmp_dir()) for an engine whose budget is
 *  `budget` bytes (> 0). The file is created on the first write. `warn`
 *  receives the spool's warnings. Free with ts_spool_free(). */
ts_spool *ts_spool_new(const char *dir, size_t budget, ts_spool_warn_fn warn, void *warn_ctx);

/** Closes (and so deletes) the spool file and frees the spool. */
void ts_spool_free(ts_spool *sp);

/** True while bytes may still be queued (the spool has not failed). */
static inline bool
ts_spool_usable(const ts_spool *sp)
{
    return !sp->disabled;
}

/** Kept payload buffers of `bytes` bytes were freed: lowers `held`, and the
 *  sweep trigger with it when a sweep had to raise it. */
static inline void
ts_spool_forget(ts_spool *sp, size_t bytes)
{
    sp->held -= bytes;
    if (!sp->disabled && sp->trigger > sp->budget && sp->held + sp->budget / 2 < sp->trigger)
        sp->trigger = MAX(sp->budget, sp->held + sp->budget / 2);
}

/** Queues `len` bytes (> 0) at `data` for the file; `data` must stay valid
 *  and unchanged until the next ts_spool_flush(). `owner` is handed back to
 *  the flush's `done` callback. Flushes by itself when the queue is full (so
 *  `done` must be the same for every write). Returns false when the spool is
 *  off (nothing queued). */
bool ts_spool_queue(ts_spool *sp, const void *data, size_t len, void *owner, ts_spool_done_fn done);

/** Writes the queued bytes back to back at the end of the file and calls
 *  done(owner, offset) for each. On failure (reported once) nothing is
 *  reported done and the spool turns off: the caller keeps its bytes. */
void ts_spool_flush(ts_spool *sp, ts_spool_done_fn done);

/** Reads back `len` bytes written at `offset`. Returns false (after a warning,
 *  the first time) when the file cannot be read. */
bool ts_spool_read(ts_spool *sp, uint64_t offset, void *out, size_t len);

/** Overwrites `len` bytes at `offset` (inside an extent still held). Returns
 *  false (after a warning, the first time) on failure. */
bool ts_spool_rewrite(ts_spool *sp, uint64_t offset, const void *data, size_t len);

/** The extent [offset, offset+len) is no longer needed: its blocks are
 *  punched out of the file once no other extent uses them. Failures are
 *  ignored (the space is then only released when the spool is freed). */
void ts_spool_release(ts_spool *sp, uint64_t offset, uint64_t len);

#endif /* TS_SPOOL_H */

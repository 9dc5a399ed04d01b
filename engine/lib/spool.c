/*
 * spool.c — the payload spool file: lazy creation as an unlinked file,
 * batched appends (pwritev), reads, rewrites and hole punching. See spool.h.
 */
#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <limits.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

/* Granularity assumed for hole punching (a page; filesystem blocks are no
 * larger on the systems we run on, and a wrong guess only frees less). */
#define SPOOL_BLOCK ((uint64_t)4096)

/* Most writes gathered in one pwritev() call. */
#define SPOOL_IOV 512

typedef struct {
    const void *data;
    size_t len;
    void *owner;
} queued;

ts_spool *
ts_spool_new(const char *dir, size_t budget, ts_spool_warn_fn warn, void *warn_ctx)
{
    ts_spool *sp = g_new0(ts_spool, 1);
    sp->budget = budget;
    sp->trigger = budget;
    sp->dir = g_strdup(dir != NULL ? dir : g_get_tmp_dir());
    sp->fd = -1;
    sp->shared = g_hash_table_new(g_direct_hash, g_direct_equal);
    sp->queue = g_array_new(FALSE, FALSE, sizeof(queued));
    sp->dirty = g_ptr_array_new();
    sp->warn = warn;
    sp->warn_ctx = warn_ctx;
    return sp;
}

void
ts_spool_free(ts_spool *sp)
{
    if (sp == NULL)
        return;
    if (sp->fd >= 0)
        close(sp->fd);
    g_hash_table_destroy(sp->shared);
    g_array_free(sp->queue, TRUE);
    g_ptr_array_free(sp->dirty, TRUE);
    g_free(sp->dir);
    g_free(sp);
}

/* Warns "payload spool in DIR: WHAT: ERROR" followed by `then`. */
static void
warn(ts_spool *sp, const char *what, int err, const char *then)
{
    g_autofree char *msg =
        g_strdup_printf("payload spool in %s: %s: %s%s", sp->dir, what, g_strerror(err), then);
    if (sp->warn != NULL)
        sp->warn(sp->warn_ctx, msg);
}

/* Warns about a failed read or rewrite, the first time only. */
static void
warn_io_once(ts_spool *sp, const char *what, int err)
{
    if (sp->read_warned)
        return;
    sp->read_warned = true;
    warn(sp, what, err, "");
}

/* Turns the spool off after a failure (warned about once). */
static void
disable(ts_spool *sp, const char *what, int err)
{
    if (sp->disabled)
        return;
    sp->disabled = true;
    sp->trigger = SIZE_MAX;
    warn(sp, what, err, "; kept payload stays in memory");
}

/* Creates the file, unlinked: O_TMPFILE where the filesystem has it, else
 * a named file removed at once. */
static bool
open_file(ts_spool *sp)
{
    if (sp->fd >= 0)
        return true;
#ifdef O_TMPFILE
    sp->fd = open(sp->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (sp->fd >= 0)
        return true;
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
        disable(sp, "cannot create the spool file", errno);
        return false;
    }
#endif
    g_autofree char *path = g_build_filename(sp->dir, "tcpsession-spool.XXXXXX", NULL);
    sp->fd = g_mkstemp_full(path, O_RDWR | O_CLOEXEC, 0600);
    if (sp->fd < 0) {
        disable(sp, "cannot create the spool file", errno);
        return false;
    }
    if (g_unlink(path) != 0) {
        int err = errno;
        close(sp->fd);
        sp->fd = -1;
        disable(sp, "cannot unlink the spool file", err);
        return false;
    }
    return true;
}

/* Writes every byte of iov[0..n) at `offset`; false with errno on failure. */
static bool
pwritev_all(int fd, struct iovec *iov, int n, uint64_t offset)
{
    while (n > 0) {
        ssize_t w = pwritev(fd, iov, n, (off_t)offset);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        if (w == 0) {
            errno = ENOSPC;
            return false;
        }
        offset += (uint64_t)w;
        size_t left = (size_t)w;
        while (n > 0 && left >= iov->iov_len) {
            left -= iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (uint8_t *)iov->iov_base + left;
            iov->iov_len -= left;
        }
    }
    return true;
}

/* Blocks that the extent [offset, offset+len) covers only partly (and so
 * may share with other extents): at most two. */
static int
partial_blocks(uint64_t offset, uint64_t len, uint64_t out[2])
{
    uint64_t end = offset + len, first = offset / SPOOL_BLOCK, last = (end - 1) / SPOOL_BLOCK;
    int n = 0;
    if (!(offset == first * SPOOL_BLOCK && end >= (first + 1) * SPOOL_BLOCK))
        out[n++] = first;
    if (last != first && end != (last + 1) * SPOOL_BLOCK)
        out[n++] = last;
    return n;
}

static void
punch(ts_spool *sp, uint64_t offset, uint64_t len)
{
    if (fallocate(sp->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)offset, (off_t)len) !=
        0) {
        /* ignored: the space comes back when the spool is freed */
    }
}

void
ts_spool_flush(ts_spool *sp, ts_spool_done_fn done)
{
    guint n = sp->queue->len;
    if (n == 0)
        return;
    queued *q = (queued *)sp->queue->data;
    bool ok = !sp->disabled && open_file(sp);
    if (ok) {
        struct iovec iov[SPOOL_IOV];
        for (guint i = 0; i < n; i++) {
            iov[i].iov_base = (void *)q[i].data;
            iov[i].iov_len = q[i].len;
        }
        if (!pwritev_all(sp->fd, iov, (int)n, sp->end)) {
            disable(sp, "cannot write the spool file", errno);
            ok = false;
        }
    }
    g_array_set_size(sp->queue, 0);
    sp->queued_bytes = 0;
    if (!ok)
        return;
    for (guint i = 0; i < n; i++) {
        uint64_t offset = sp->end;
        sp->end += q[i].len;
        uint64_t blocks[2];
        for (int j = partial_blocks(offset, q[i].len, blocks) - 1; j >= 0; j--) {
            gpointer key = GSIZE_TO_POINTER((gsize)blocks[j]);
            gsize count = GPOINTER_TO_SIZE(g_hash_table_lookup(sp->shared, key));
            g_hash_table_insert(sp->shared, key, GSIZE_TO_POINTER(count + 1));
        }
        done(sp, q[i].owner, offset, q[i].len);
    }
}

bool
ts_spool_queue(ts_spool *sp, const void *data, size_t len, void *owner, ts_spool_done_fn done)
{
    if (sp->disabled)
        return false;
    queued q = {data, len, owner};
    g_array_append_val(sp->queue, q);
    sp->queued_bytes += len;
    if (sp->queue->len >= SPOOL_IOV || sp->queued_bytes >= ((size_t)8 << 20))
        ts_spool_flush(sp, done);
    return true;
}

bool
ts_spool_read(ts_spool *sp, uint64_t offset, void *out, size_t len)
{
    uint8_t *p = out;
    while (len > 0) {
        ssize_t r = pread(sp->fd, p, len, (off_t)offset);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            warn_io_once(sp, "cannot read the spool file", r < 0 ? errno : EIO);
            return false;
        }
        p += r;
        len -= (size_t)r;
        offset += (uint64_t)r;
    }
    return true;
}

bool
ts_spool_rewrite(ts_spool *sp, uint64_t offset, const void *data, size_t len)
{
    struct iovec iov = {(void *)data, len};
    if (pwritev_all(sp->fd, &iov, 1, offset))
        return true;
    warn_io_once(sp, "cannot rewrite bytes in the spool file", errno);
    return false;
}

void
ts_spool_release(ts_spool *sp, uint64_t offset, uint64_t len)
{
    if (len == 0 || sp->fd < 0)
        return;
    /* blocks wholly inside the extent */
    uint64_t lo = (offset + SPOOL_BLOCK - 1) / SPOOL_BLOCK * SPOOL_BLOCK;
    uint64_t hi = (offset + len) / SPOOL_BLOCK * SPOOL_BLOCK;
    if (hi > lo)
        punch(sp, lo, hi - lo);
    /* boundary blocks no other extent uses any more */
    uint64_t blocks[2];
    for (int j = partial_blocks(offset, len, blocks) - 1; j >= 0; j--) {
        gpointer key = GSIZE_TO_POINTER((gsize)blocks[j]);
        gsize count = GPOINTER_TO_SIZE(g_hash_table_lookup(sp->shared, key));
        if (count > 1) {
            g_hash_table_insert(sp->shared, key, GSIZE_TO_POINTER(count - 1));
        } else {
            g_hash_table_remove(sp->shared, key);
            punch(sp, blocks[j] * SPOOL_BLOCK, SPOOL_BLOCK);
        }
    }
}

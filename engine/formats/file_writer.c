/*
 * file_writer.c — buffered output files written by writer threads (see
 * file_writer.h for the contract).
 *
 * Gotchas:
 * - A file's buffered bytes are a list of chunks, so appending never moves
 *   bytes already buffered and a flush is one writev().
 * - Each file belongs to one writer thread, chosen when it is added, so its
 *   jobs (write, commit) are done in order without locks. The file's fd,
 *   temp and lru fields are only touched by that thread, or by the caller's
 *   thread once every writer has stopped.
 * - Jobs go to a writer in batches (one wake-up per batch); a commit ends its
 *   batch at once, so a file appears as soon as it is committed.
 * - A writer keeps its files open between jobs, closing the least recently
 *   used one past its share of the process's descriptor limit (raised to its
 *   maximum first).
 * - The caller waits for `drained` only after sending every pending batch,
 *   otherwise it could wait for bytes no writer has been given.
 */
#include "file_writer.h"

#include "util/atomic_file.h"
#include "util/out_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <unistd.h>

#define FLUSH_THRESHOLD ((size_t)64 * 1024)
#define BUFFER_BUDGET ((size_t)6 * 1024 * 1024)
#define IN_FLIGHT_LIMIT ((size_t)4 * 1024 * 1024)
#define MAX_WRITERS 2u
#define MAX_OPEN_PER_WRITER 4096u
#define BATCH_JOBS 64u
#define BATCH_BYTES ((size_t)512 * 1024)
/* Chunk capacities (with their header: 4 KiB for a file's first chunk, most
 * files being small, then 16 KiB). */
#define FIRST_CHUNK_SIZE (4u * 1024u - 32u)
#define CHUNK_SIZE (16u * 1024u - 32u)
#define MAX_IOV 64

typedef struct chunk {
    struct chunk *next;
    uint32_t len, cap;
    uint8_t data[];
} chunk;

typedef struct {
    chunk *head, *tail;
    size_t len; /* bytes in all chunks */
} chain;

typedef struct writer_thread writer_thread;

struct ts_out_file {
    char *path;            /* final name */
    writer_thread *writer; /* the thread doing its jobs */
    /* the caller's thread */
    chain buf;         /* bytes not yet handed over */
    uint64_t appended; /* bytes appended so far (buffered ones included) */
    GList live;        /* in ts_file_writer.live until committed */
    /* the writer thread */
    ts_temp *temp; /* NULL before the first byte */
    int fd;        /* -1 while closed */
    GList lru;     /* in writer->open while fd >= 0 */
    bool failed;   /* a write failed: later jobs are skipped */
};

typedef enum {
    JOB_WRITE,  /* append `data` */
    JOB_PATCH,  /* overwrite bytes at `pos` with `data` */
    JOB_COMMIT, /* close, rename into place, free the file */
    JOB_STOP,   /* end the thread */
} job_kind;

typedef struct {
    job_kind kind;
    ts_out_file *file;
    chain data;   /* JOB_WRITE, JOB_PATCH: the bytes (owned by the job) */
    uint64_t pos; /* JOB_PATCH: where they go */
} job;

struct writer_thread {
    ts_file_writer *fw;
    GThread *thread;
    GAsyncQueue *batches; /* GPtrArray of job, in order */
    GPtrArray *pending;   /* the batch being filled by the caller's thread */
    size_t pending_bytes;
    GQueue open; /* ts_out_file with an open fd, least recently used first */
    unsigned max_open;
};

struct ts_file_writer {
    char *dir;
    bool dir_ready;
    GQueue live;     /* ts_out_file not committed */
    size_t buffered; /* bytes in all buffers */
    unsigned files_added;

    writer_thread writers[MAX_WRITERS];
    unsigned n_writers;
    bool stopped; /* the writers have been joined */

    GMutex lock;      /* guards in_flight, waiting, error */
    GCond drained;    /* in_flight went down while `waiting` */
    bool waiting;     /* the caller's thread waits for `drained` */
    size_t in_flight; /* bytes in write jobs not done yet */
    GError *error;    /* first failure */
    gint failed;      /* error != NULL, readable without the lock */
};

/* ---- failures (any thread) ----------------------------------------------------- */

static void
take_error(ts_file_writer *fw, GError *error)
{
    g_mutex_lock(&fw->lock);
    if (fw->error == NULL)
        fw->error = error;
    else
        g_error_free(error);
    g_atomic_int_set(&fw->failed, 1);
    g_mutex_unlock(&fw->lock);
}

static void
set_errno_error(ts_file_writer *fw, const char *path, int err)
{
    take_error(fw, g_error_new(G_FILE_ERROR, g_file_error_from_errno(err), "%s: %s", path,
                               g_strerror(err)));
}

static bool
has_failed(ts_file_writer *fw)
{
    return g_atomic_int_get(&fw->failed) != 0;
}

static void
chain_free(chain *c)
{
    for (chunk *k = c->head, *next; k != NULL; k = next) {
        next = k->next;
        g_free(k);
    }
    *c = (chain){NULL, NULL, 0};
}

static void
file_free(ts_out_file *f)
{
    chain_free(&f->buf);
    g_free(f->path);
    g_free(f);
}

/* ---- writer threads ------------------------------------------------------------- */

static void
close_file(writer_thread *t, ts_out_file *f)
{
    if (f->fd < 0)
        return;
    if (close(f->fd) != 0 && !f->failed) {
        f->failed = true;
        set_errno_error(t->fw, f->path, errno);
    }
    f->fd = -1;
    g_queue_unlink(&t->open, &f->lru);
}

/* Makes sure `f` is open for appending, creating its temporary file on first
 * use; returns false after recording a failure. */
static bool
open_file(writer_thread *t, ts_out_file *f)
{
    if (f->fd >= 0) {
        g_queue_unlink(&t->open, &f->lru); /* most recently used: to the back */
        g_queue_push_tail_link(&t->open, &f->lru);
        return true;
    }
    if (t->open.length >= t->max_open)
        close_file(t, t->open.head->data);
    if (f->temp == NULL) {
        GError *error = NULL;
        f->temp = ts_temp_create_open(f->path, &f->fd, &error);
        if (f->temp == NULL) {
            take_error(t->fw, error);
            return false;
        }
    } else {
        /* not O_APPEND: pwrite() of a patch would append (Linux) */
        f->fd = ts_temp_open(f->temp, O_WRONLY);
        if (f->fd >= 0 && lseek(f->fd, 0, SEEK_END) < 0) {
            int err = errno;
            close(f->fd);
            f->fd = -1;
            errno = err;
        }
        if (f->fd < 0) {
            set_errno_error(t->fw, f->path, errno);
            return false;
        }
    }
    g_queue_push_tail_link(&t->open, &f->lru);
    return true;
}

/* Appends the chain's bytes to the file, one writev() per up to MAX_IOV chunks. */
static void
write_job(writer_thread *t, ts_out_file *f, const chain *data)
{
    if (f->failed || has_failed(t->fw) || !open_file(t, f)) {
        f->failed = true;
        return;
    }
    const chunk *k = data->head;
    size_t skip = 0; /* bytes of k already written */
    while (k != NULL) {
        struct iovec iov[MAX_IOV];
        int n_iov = 0;
        for (const chunk *c = k; c != NULL && n_iov < MAX_IOV; c = c->next, n_iov++) {
            size_t from = c == k ? skip : 0;
            iov[n_iov].iov_base = (void *)(c->data + from);
            iov[n_iov].iov_len = c->len - from;
        }
        ssize_t n = writev(f->fd, iov, n_iov);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            f->failed = true;
            set_errno_error(t->fw, f->path, n < 0 ? errno : ENOSPC);
            return;
        }
        size_t done = (size_t)n;
        while (k != NULL && done >= k->len - skip) {
            done -= k->len - skip;
            skip = 0;
            k = k->next;
        }
        skip += done;
    }
}

/* Overwrites the file's bytes at `pos` with the chain's (one chunk: patches
 * are small), leaving the append position at the end. */
static void
patch_job(writer_thread *t, ts_out_file *f, const chain *data, uint64_t pos)
{
    if (f->failed || has_failed(t->fw) || !open_file(t, f)) {
        f->failed = true;
        return;
    }
    for (const chunk *c = data->head; c != NULL; pos += c->len, c = c->next) {
        size_t done = 0;
        while (done < c->len) {
            ssize_t n = pwrite(f->fd, c->data + done, c->len - done, (off_t)(pos + done));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                f->failed = true;
                set_errno_error(t->fw, f->path, n < 0 ? errno : ENOSPC);
                return;
            }
            done += (size_t)n;
        }
    }
}

static void
commit_job(writer_thread *t, ts_out_file *f)
{
    close_file(t, f);
    if (f->temp != NULL) {
        GError *error = NULL;
        if (f->failed || has_failed(t->fw))
            ts_temp_discard(f->temp);
        else if (!ts_temp_commit(f->temp, f->path, &error))
            take_error(t->fw, error);
    }
    file_free(f);
}

static gpointer
writer_main(gpointer data)
{
    writer_thread *t = data;
    ts_file_writer *fw = t->fw;
    bool stop = false;
    while (!stop) {
        GPtrArray *batch = g_async_queue_pop(t->batches);
        size_t written = 0;
        for (guint i = 0; i < batch->len; i++) {
            job *j = g_ptr_array_index(batch, i);
            if (j->kind == JOB_WRITE) {
                written += j->data.len;
                write_job(t, j->file, &j->data);
                chain_free(&j->data);
            } else if (j->kind == JOB_PATCH) {
                patch_job(t, j->file, &j->data, j->pos);
                chain_free(&j->data);
            } else if (j->kind == JOB_COMMIT) {
                commit_job(t, j->file);
            } else {
                stop = true;
            }
            g_free(j);
        }
        g_ptr_array_unref(batch);
        if (written > 0) {
            g_mutex_lock(&fw->lock);
            fw->in_flight -= written;
            if (fw->waiting)
                g_cond_signal(&fw->drained);
            g_mutex_unlock(&fw->lock);
        }
    }
    while (t->open.head != NULL) /* files never committed */
        close_file(t, t->open.head->data);
    return NULL;
}

/* ---- the caller's thread ------------------------------------------------------------ */

static void
send_batch(writer_thread *t)
{
    if (t->pending->len == 0)
        return;
    g_async_queue_push(t->batches, t->pending);
    t->pending = g_ptr_array_sized_new(BATCH_JOBS);
    t->pending_bytes = 0;
}

/* Queues a job; `data` (may be NULL) is taken and left empty. */
static void
push_job(writer_thread *t, ts_out_file *f, job_kind kind, chain *data)
{
    job *j = g_new0(job, 1);
    j->kind = kind;
    j->file = f;
    if (data != NULL) {
        j->data = *data;
        *data = (chain){NULL, NULL, 0};
    }
    g_ptr_array_add(t->pending, j);
    t->pending_bytes += j->data.len;
    if (t->pending->len >= BATCH_JOBS || t->pending_bytes >= BATCH_BYTES || kind != JOB_WRITE)
        send_batch(t);
}

/* Descriptors each writer may keep open: a share of the process's limit,
 * leaving room for other captures extracted at the same time. */
static unsigned
open_files_share(unsigned n_writers)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 64;
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t want = rl.rlim_max == RLIM_INFINITY ? 65536 : rl.rlim_max;
        struct rlimit raised = {want, rl.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
            rl.rlim_cur = want;
    }
    rlim_t share =
        rl.rlim_cur == RLIM_INFINITY ? MAX_OPEN_PER_WRITER : (rl.rlim_cur / 4) / n_writers;
    return (unsigned)CLAMP(share, 8, MAX_OPEN_PER_WRITER);
}

ts_file_writer *
ts_file_writer_new(const char *dir, unsigned max_open)
{
    ts_file_writer *fw = g_new0(ts_file_writer, 1);
    fw->dir = g_strdup(dir);
    g_queue_init(&fw->live);
    g_mutex_init(&fw->lock);
    g_cond_init(&fw->drained);
    fw->n_writers = CLAMP(g_get_num_processors(), 1u, MAX_WRITERS);
    if (max_open == 0)
        max_open = open_files_share(fw->n_writers);
    sigset_t old;
    ts_atomic_block_cleanup_signals(&old); /* inherited by the threads */
    for (unsigned i = 0; i < fw->n_writers; i++) {
        writer_thread *t = &fw->writers[i];
        t->fw = fw;
        t->batches = g_async_queue_new();
        t->pending = g_ptr_array_sized_new(BATCH_JOBS);
        g_queue_init(&t->open);
        t->max_open = max_open;
        t->thread = g_thread_new("file-writer", writer_main, t);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return fw;
}

bool
ts_file_writer_ensure_dir(ts_file_writer *fw)
{
    if (fw->dir_ready)
        return true;
    GError *error = NULL;
    if (!ts_out_mkdir(fw->dir, &error)) {
        take_error(fw, error);
        return false;
    }
    fw->dir_ready = true;
    return true;
}

ts_out_file *
ts_file_writer_add(ts_file_writer *fw, const char *path)
{
    ts_out_file *f = g_new0(ts_out_file, 1);
    f->path = g_strdup(path);
    f->fd = -1;
    f->lru.data = f;
    f->live.data = f;
    f->writer = &fw->writers[fw->files_added++ % fw->n_writers];
    g_queue_push_tail_link(&fw->live, &f->live);
    return f;
}

/* Hands the file's buffered bytes to its writer; waits while too much is
 * queued. */
static void
flush_file(ts_file_writer *fw, ts_out_file *f)
{
    if (f->buf.len == 0)
        return;
    fw->buffered -= f->buf.len;
    if (fw->stopped || has_failed(fw) || !ts_file_writer_ensure_dir(fw)) {
        chain_free(&f->buf);
        return;
    }
    g_mutex_lock(&fw->lock);
    if (fw->in_flight >= IN_FLIGHT_LIMIT) {
        g_mutex_unlock(&fw->lock);
        for (unsigned i = 0; i < fw->n_writers; i++)
            send_batch(&fw->writers[i]);
        g_mutex_lock(&fw->lock);
        fw->waiting = true;
        while (fw->in_flight >= IN_FLIGHT_LIMIT)
            g_cond_wait(&fw->drained, &fw->lock);
        fw->waiting = false;
    }
    fw->in_flight += f->buf.len;
    g_mutex_unlock(&fw->lock);
    push_job(f->writer, f, JOB_WRITE, &f->buf);
}

static void
flush_all(ts_file_writer *fw)
{
    for (GList *l = fw->live.head; l != NULL; l = l->next)
        flush_file(fw, l->data);
}

void
ts_out_file_append(ts_file_writer *fw, ts_out_file *f, const uint8_t *data, size_t len)
{
    if (len == 0 || has_failed(fw))
        return;
    chain *buf = &f->buf;
    size_t left = len;
    while (left > 0) {
        chunk *k = buf->tail;
        if (k == NULL || k->len == k->cap) {
            uint32_t cap = k == NULL ? FIRST_CHUNK_SIZE : CHUNK_SIZE;
            k = g_malloc(sizeof *k + cap);
            k->next = NULL;
            k->len = 0;
            k->cap = cap;
            if (buf->tail != NULL)
                buf->tail->next = k;
            else
                buf->head = k;
            buf->tail = k;
        }
        size_t n = MIN(left, (size_t)(k->cap - k->len));
        memcpy(k->data + k->len, data, n);
        k->len += (uint32_t)n;
        data += n;
        left -= n;
    }
    buf->len += len;
    f->appended += len;
    fw->buffered += len;
    if (buf->len >= FLUSH_THRESHOLD)
        flush_file(fw, f);
    if (fw->buffered >= BUFFER_BUDGET)
        flush_all(fw);
}

/* Overwrites buffered bytes: `pos` counts from the chain's first byte. */
static void
chain_patch(chain *c, uint64_t pos, const uint8_t *data, size_t len)
{
    for (chunk *k = c->head; k != NULL && len > 0; k = k->next) {
        if (pos >= k->len) {
            pos -= k->len;
            continue;
        }
        size_t n = MIN(len, (size_t)(k->len - pos));
        memcpy(k->data + pos, data, n);
        data += n;
        len -= n;
        pos = 0;
    }
}

void
ts_out_file_patch(ts_file_writer *fw, ts_out_file *f, uint64_t pos, const uint8_t *data, size_t len)
{
    if (len == 0 || has_failed(fw) || pos > f->appended || len > f->appended - pos)
        return;
    uint64_t buffered_from = f->appended - f->buf.len;
    if (pos >= buffered_from) {
        chain_patch(&f->buf, pos - buffered_from, data, len);
        return;
    }
    flush_file(fw, f); /* the writes before go first */
    if (fw->stopped || has_failed(fw))
        return;
    chunk *k = g_malloc(sizeof *k + len);
    k->next = NULL;
    k->len = k->cap = (uint32_t)len;
    memcpy(k->data, data, len);
    chain c = {k, k, len};
    job *j = g_new0(job, 1);
    j->kind = JOB_PATCH;
    j->file = f;
    j->data = c;
    j->pos = pos;
    g_ptr_array_add(f->writer->pending, j);
    send_batch(f->writer);
}

void
ts_out_file_commit(ts_file_writer *fw, ts_out_file *f)
{
    flush_file(fw, f);
    g_queue_unlink(&fw->live, &f->live);
    if (fw->stopped) { /* too late: the writers are gone */
        ts_temp_discard(f->temp);
        file_free(f);
    } else
        push_job(f->writer, f, JOB_COMMIT, NULL);
}

static void
stop_writers(ts_file_writer *fw)
{
    if (fw->stopped)
        return;
    for (unsigned i = 0; i < fw->n_writers; i++)
        push_job(&fw->writers[i], NULL, JOB_STOP, NULL);
    for (unsigned i = 0; i < fw->n_writers; i++) {
        g_thread_join(fw->writers[i].thread);
        g_async_queue_unref(fw->writers[i].batches);
        g_ptr_array_unref(fw->writers[i].pending);
    }
    fw->stopped = true;
}

bool
ts_file_writer_finish(ts_file_writer *fw, GError **error)
{
    flush_all(fw);
    stop_writers(fw);
    g_mutex_lock(&fw->lock);
    GError *failure = g_steal_pointer(&fw->error);
    g_mutex_unlock(&fw->lock);
    if (failure != NULL) {
        g_propagate_error(error, failure);
        return false;
    }
    return true;
}

void
ts_file_writer_free(ts_file_writer *fw)
{
    if (fw == NULL)
        return;
    stop_writers(fw);
    while (fw->live.head != NULL) { /* never committed: removed */
        ts_out_file *f = fw->live.head->data;
        g_queue_unlink(&fw->live, &f->live);
        if (f->fd >= 0)
            close(f->fd);
        ts_temp_discard(f->temp);
        file_free(f);
    }
    g_clear_error(&fw->error);
    g_mutex_clear(&fw->lock);
    g_cond_clear(&fw->drained);
    g_free(fw->dir);
    g_free(fw);
}

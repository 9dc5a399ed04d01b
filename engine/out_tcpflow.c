/*
 * out_tcpflow.c — the tcpflow-compatible output of `tcpsession extract`: one
 * file per session direction that delivered at least one byte, named exactly
 * as tcpflow 1.6.1 names them (SRCIP.SPORT-DSTIP.DPORT, IPv4 octets padded to
 * three digits, ports to five, "c1", "c2"... for later sessions on the same
 * pair of endpoints).
 *
 * Unlike tcpflow, holes are NOT zero-filled: each file holds exactly the bytes
 * the engine delivered for that direction, in order, so its md5 equals the md5
 * of ts_session_payload() (and of `client_md5`/`server_md5` in the JSON lines).
 *
 * The engine runs without keep_payload; bytes arrive through the data callback
 * (in order, without overlap, per direction) and are buffered per session
 * direction on the engine's thread. A full buffer (FLUSH_THRESHOLD), every
 * buffer when together they pass BUFFER_BUDGET, and a session's buffers when
 * it is done are handed to writer threads as jobs; the engine's thread only
 * waits when the jobs not yet written pass IN_FLIGHT_LIMIT. Creating, writing
 * and renaming files is mostly system time, so it runs beside the engine.
 *
 * Each file belongs to one writer thread (chosen when the file is made), so
 * its jobs are done in order without locks. A writer keeps its files open
 * between jobs, closing the least recently used one past its share of the
 * process's descriptor limit. Files are written under a temporary name
 * ("NAME.tmp.XXXXXX", removed on a fatal signal) and renamed when their
 * session is done: a file is never seen half written.
 */
#include "atomic_file.h"
#include "cli.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <unistd.h>

#define FLUSH_THRESHOLD (64u * 1024u)
/* Chunk capacities (with their header: 4 KiB for a direction's first chunk,
 * most directions being small, then 16 KiB). */
#define FIRST_CHUNK_SIZE (4u * 1024u - 32u)
#define CHUNK_SIZE (16u * 1024u - 32u)
#define BUFFER_BUDGET (6u * 1024u * 1024u)
#define IN_FLIGHT_LIMIT (4u * 1024u * 1024u)
#define MAX_WRITERS 2u
#define MAX_OPEN_PER_WRITER 4096u
/* Jobs go to a writer in batches, so an idle writer is woken once per batch
 * rather than once per job. */
#define BATCH_JOBS 64u
#define BATCH_BYTES (512u * 1024u)

typedef struct writer_thread writer_thread;

/* Buffered bytes of one direction: a list of fixed-size chunks, so appending
 * never moves bytes already buffered and a flush is one writev(). */
typedef struct chunk {
    struct chunk *next;
    uint32_t len, cap;
    uint8_t data[];
} chunk;

typedef struct {
    chunk *head, *tail;
    size_t len; /* bytes in all chunks */
} chain;

/* One output file. Created by the engine's thread; from then on touched only
 * by its writer thread (which frees it after the commit or discard job), or
 * by the engine's thread after every writer has stopped. */
typedef struct {
    char *path;            /* final name */
    writer_thread *writer; /* the thread doing its jobs */
    ts_temp *temp;         /* NULL before the first byte */
    int fd;                /* -1 while closed */
    GList lru;             /* in writer->open while fd >= 0 */
    bool failed;           /* a write failed: later jobs are skipped */
} out_file;

typedef enum {
    JOB_WRITE,   /* append data[0..len) */
    JOB_COMMIT,  /* close, rename into place, free the file */
    JOB_DISCARD, /* close, remove, free the file */
    JOB_STOP,    /* end the thread */
} job_kind;

typedef struct {
    job_kind kind;
    out_file *file;
    chain data; /* JOB_WRITE: the bytes (owned by the job) */
} job;

struct writer_thread {
    ts_tcpflow_writer *w;
    GThread *thread;
    GAsyncQueue *batches; /* GPtrArray of job, in order */
    GPtrArray *pending;   /* the engine thread's batch being filled */
    size_t pending_bytes;
    GQueue open; /* out_file with an open fd, least recently used first */
    unsigned max_open;
};

typedef struct {
    out_file *file[2]; /* file of each direction (index = ts_direction) */
    chain buf[2];      /* bytes not yet handed over */
    GList link;        /* in ts_tcpflow_writer.live */
} flow_state;

struct ts_tcpflow_writer {
    char *dir;
    bool dir_ready;
    GHashTable *pair_counts; /* "endpointA|endpointB" (sorted) -> sessions seen */
    GQueue live;             /* flow_state of sessions not done yet */
    size_t buffered;         /* bytes in all buffers */
    unsigned files_made;     /* for spreading files over the writers */

    writer_thread writers[MAX_WRITERS];
    unsigned n_writers;
    bool stopped; /* the writers have been joined */

    GMutex lock;      /* guards in_flight, waiting, error */
    GCond drained;    /* in_flight went down while `waiting` */
    bool waiting;     /* the engine's thread waits for `drained` */
    size_t in_flight; /* bytes in write jobs not done yet */
    GError *error;    /* first failure; later output is skipped */
    gint failed;      /* error != NULL, readable without the lock */
};

/* Writes the tcpflow text of one endpoint ("010.000.000.001.01234"). */
static void
endpoint_name(const ts_endpoint *ep, char *buf, size_t size)
{
    if (ep->family == 6) {
        char addr[INET6_ADDRSTRLEN];
        if (inet_ntop(AF_INET6, ep->addr, addr, sizeof addr) == NULL)
            g_strlcpy(addr, "?", sizeof addr);
        g_snprintf(buf, size, "%s.%05u", addr, (unsigned)ep->port);
    } else {
        g_snprintf(buf, size, "%03u.%03u.%03u.%03u.%05u", ep->addr[0], ep->addr[1], ep->addr[2],
                   ep->addr[3], (unsigned)ep->port);
    }
}

char *
ts_tcpflow_file_name(const ts_endpoint *src, const ts_endpoint *dst, unsigned k,
                     char buf[TS_TCPFLOW_NAME_MAX])
{
    char a[TS_TCPFLOW_NAME_MAX / 2 - 8], b[TS_TCPFLOW_NAME_MAX / 2 - 8];
    endpoint_name(src, a, sizeof a);
    endpoint_name(dst, b, sizeof b);
    if (k == 0)
        g_snprintf(buf, TS_TCPFLOW_NAME_MAX, "%s-%s", a, b);
    else
        g_snprintf(buf, TS_TCPFLOW_NAME_MAX, "%s-%sc%u", a, b, k);
    return buf;
}

/* Records the first failure (any thread). */
static void
set_error(ts_tcpflow_writer *w, const char *path, int err)
{
    g_mutex_lock(&w->lock);
    if (w->error == NULL)
        g_set_error(&w->error, G_FILE_ERROR, g_file_error_from_errno(err), "%s: %s", path,
                    g_strerror(err));
    g_atomic_int_set(&w->failed, 1);
    g_mutex_unlock(&w->lock);
}

static void
take_error(ts_tcpflow_writer *w, GError *error)
{
    g_mutex_lock(&w->lock);
    if (w->error == NULL)
        w->error = error;
    else
        g_error_free(error);
    g_atomic_int_set(&w->failed, 1);
    g_mutex_unlock(&w->lock);
}

static bool
has_failed(ts_tcpflow_writer *w)
{
    return g_atomic_int_get(&w->failed) != 0;
}

/* ---- writer threads --------------------------------------------------------- */

static void
close_file(writer_thread *t, out_file *f)
{
    if (f->fd < 0)
        return;
    if (close(f->fd) != 0 && !f->failed) {
        f->failed = true;
        set_error(t->w, f->path, errno);
    }
    f->fd = -1;
    g_queue_unlink(&t->open, &f->lru);
}

/* Makes sure `f` is open for appending, creating its temporary file on first
 * use; returns false after recording a failure. */
static bool
open_file(writer_thread *t, out_file *f)
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
            take_error(t->w, error);
            return false;
        }
    } else {
        f->fd = open(ts_temp_path(f->temp), O_WRONLY | O_APPEND | O_CLOEXEC);
        if (f->fd < 0) {
            set_error(t->w, f->path, errno);
            return false;
        }
    }
    g_queue_push_tail_link(&t->open, &f->lru);
    return true;
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

/* Appends the chain's bytes to the file, one writev() per up to 64 chunks. */
static void
write_job(writer_thread *t, out_file *f, const chain *data)
{
    if (f->failed || has_failed(t->w) || !open_file(t, f)) {
        f->failed = true;
        return;
    }
    const chunk *k = data->head;
    size_t skip = 0; /* bytes of k already written */
    while (k != NULL) {
        struct iovec iov[64];
        int n_iov = 0;
        for (const chunk *c = k; c != NULL && n_iov < 64; c = c->next, n_iov++) {
            size_t from = c == k ? skip : 0;
            iov[n_iov].iov_base = (void *)(c->data + from);
            iov[n_iov].iov_len = c->len - from;
        }
        ssize_t n = writev(f->fd, iov, n_iov);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            f->failed = true;
            set_error(t->w, f->path, n < 0 ? errno : ENOSPC);
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

static void
file_free(out_file *f)
{
    g_free(f->path);
    g_free(f);
}

static void
finish_job(writer_thread *t, out_file *f, bool commit)
{
    close_file(t, f);
    if (f->temp != NULL) {
        if (commit && !f->failed && !has_failed(t->w)) {
            GError *error = NULL;
            if (!ts_temp_commit(f->temp, f->path, &error))
                take_error(t->w, error);
        } else {
            ts_temp_discard(f->temp);
        }
    }
    file_free(f);
}

static gpointer
writer_main(gpointer data)
{
    writer_thread *t = data;
    ts_tcpflow_writer *w = t->w;
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
            } else if (j->kind == JOB_COMMIT || j->kind == JOB_DISCARD) {
                finish_job(t, j->file, j->kind == JOB_COMMIT);
            } else {
                stop = true;
            }
            g_free(j);
        }
        g_ptr_array_unref(batch);
        if (written > 0) {
            g_mutex_lock(&w->lock);
            w->in_flight -= written;
            if (w->waiting)
                g_cond_signal(&w->drained);
            g_mutex_unlock(&w->lock);
        }
    }
    while (t->open.head != NULL) /* only files of sessions never done */
        close_file(t, t->open.head->data);
    return NULL;
}

/* Sends the writer its pending batch, if any. */
static void
send_batch(writer_thread *t)
{
    if (t->pending->len == 0)
        return;
    g_async_queue_push(t->batches, t->pending);
    t->pending = g_ptr_array_sized_new(BATCH_JOBS);
    t->pending_bytes = 0;
}

static void
send_all_batches(ts_tcpflow_writer *w)
{
    for (unsigned i = 0; i < w->n_writers; i++)
        send_batch(&w->writers[i]);
}

static void
push_job(writer_thread *t, out_file *f, job_kind kind, chain *data)
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
    /* A session's end goes out at once: its files appear when it is done. */
    if (t->pending->len >= BATCH_JOBS || t->pending_bytes >= BATCH_BYTES || kind != JOB_WRITE)
        send_batch(t);
}

/* Descriptors each writer may keep open: a share of the process's limit,
 * raised to its maximum first. */
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
    /* Leave room for other captures extracted at the same time and for
       everything else the process opens. */
    rlim_t share =
        rl.rlim_cur == RLIM_INFINITY ? MAX_OPEN_PER_WRITER : (rl.rlim_cur / 4) / n_writers;
    return (unsigned)CLAMP(share, 8, MAX_OPEN_PER_WRITER);
}

static void
start_writers(ts_tcpflow_writer *w)
{
    unsigned cpus = g_get_num_processors();
    w->n_writers = CLAMP(cpus, 1u, MAX_WRITERS);
    unsigned max_open = open_files_share(w->n_writers);
    sigset_t old;
    ts_atomic_block_cleanup_signals(&old); /* inherited by the threads */
    for (unsigned i = 0; i < w->n_writers; i++) {
        writer_thread *t = &w->writers[i];
        t->w = w;
        t->batches = g_async_queue_new();
        t->pending = g_ptr_array_sized_new(BATCH_JOBS);
        g_queue_init(&t->open);
        t->max_open = max_open;
        t->thread = g_thread_new("tcpflow-writer", writer_main, t);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Lets every writer finish its jobs and end. */
static void
stop_writers(ts_tcpflow_writer *w)
{
    if (w->stopped)
        return;
    for (unsigned i = 0; i < w->n_writers; i++)
        push_job(&w->writers[i], NULL, JOB_STOP, NULL);
    for (unsigned i = 0; i < w->n_writers; i++) {
        g_thread_join(w->writers[i].thread);
        g_async_queue_unref(w->writers[i].batches);
        g_ptr_array_unref(w->writers[i].pending);
    }
    w->stopped = true;
}

/* ---- the engine's side ----------------------------------------------------------- */

ts_tcpflow_writer *
ts_tcpflow_writer_new(const char *dir)
{
    ts_tcpflow_writer *w = g_new0(ts_tcpflow_writer, 1);
    w->dir = g_strdup(dir);
    w->pair_counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_queue_init(&w->live);
    g_mutex_init(&w->lock);
    g_cond_init(&w->drained);
    start_writers(w);
    return w;
}

static bool
ensure_dir(ts_tcpflow_writer *w)
{
    if (w->dir_ready)
        return true;
    if (g_mkdir_with_parents(w->dir, 0777) != 0) {
        set_error(w, w->dir, errno);
        return false;
    }
    w->dir_ready = true;
    return true;
}

/* Hands the bytes of `data` (taken; left empty) to the file's writer; waits
 * while too much is queued. */
static void
hand_over(ts_tcpflow_writer *w, out_file *f, chain *data)
{
    if (data->len == 0 || has_failed(w) || !ensure_dir(w)) {
        chain_free(data);
        return;
    }
    g_mutex_lock(&w->lock);
    if (w->in_flight >= IN_FLIGHT_LIMIT) {
        /* Wait for the writers, after giving them everything pending. */
        g_mutex_unlock(&w->lock);
        send_all_batches(w);
        g_mutex_lock(&w->lock);
        w->waiting = true;
        while (w->in_flight >= IN_FLIGHT_LIMIT)
            g_cond_wait(&w->drained, &w->lock);
        w->waiting = false;
    }
    w->in_flight += data->len;
    g_mutex_unlock(&w->lock);
    push_job(f->writer, f, JOB_WRITE, data);
}

static void
flush_direction(ts_tcpflow_writer *w, flow_state *st, int dir)
{
    w->buffered -= st->buf[dir].len;
    hand_over(w, st->file[dir], &st->buf[dir]);
}

static void
flush_all(ts_tcpflow_writer *w)
{
    for (GList *l = w->live.head; l != NULL; l = l->next) {
        flow_state *st = l->data;
        flush_direction(w, st, 0);
        flush_direction(w, st, 1);
    }
}

static out_file *
file_new(ts_tcpflow_writer *w, char *path)
{
    out_file *f = g_new0(out_file, 1);
    f->path = path;
    f->fd = -1;
    f->lru.data = f;
    f->writer = &w->writers[w->files_made++ % w->n_writers];
    return f;
}

static flow_state *
state_new(ts_tcpflow_writer *w, ts_session *s)
{
    const ts_endpoint *client = ts_session_client(s);
    const ts_endpoint *server = ts_session_server(s);

    /* k = sessions already seen on this unordered pair of endpoints. */
    char a[TS_TCPFLOW_NAME_MAX], b[TS_TCPFLOW_NAME_MAX];
    endpoint_name(client, a, sizeof a);
    endpoint_name(server, b, sizeof b);
    g_autofree char *key =
        strcmp(a, b) <= 0 ? g_strconcat(a, "|", b, NULL) : g_strconcat(b, "|", a, NULL);
    gpointer count = NULL;
    unsigned k = 0;
    if (g_hash_table_lookup_extended(w->pair_counts, key, NULL, &count))
        k = GPOINTER_TO_UINT(count);
    g_hash_table_insert(w->pair_counts, g_steal_pointer(&key), GUINT_TO_POINTER(k + 1));

    flow_state *st = g_new0(flow_state, 1);
    char name[TS_TCPFLOW_NAME_MAX];
    st->file[TS_FROM_CLIENT] =
        file_new(w, g_build_filename(w->dir, ts_tcpflow_file_name(client, server, k, name), NULL));
    st->file[TS_FROM_SERVER] =
        file_new(w, g_build_filename(w->dir, ts_tcpflow_file_name(server, client, k, name), NULL));
    st->link.data = st;
    g_queue_push_tail_link(&w->live, &st->link);
    ts_session_set_user(s, st);
    return st;
}

/* Ends a session's files: committed (`commit`) or discarded. */
static void
state_end(ts_tcpflow_writer *w, flow_state *st, bool commit)
{
    g_queue_unlink(&w->live, &st->link);
    for (int dir = 0; dir < 2; dir++) {
        w->buffered -= st->buf[dir].len;
        chain_free(&st->buf[dir]);
        if (w->stopped) { /* the writers are gone: clean up here */
            out_file *f = st->file[dir];
            if (f->fd >= 0)
                close(f->fd);
            ts_temp_discard(f->temp);
            file_free(f);
        } else {
            out_file *f = st->file[dir];
            push_job(f->writer, f, commit ? JOB_COMMIT : JOB_DISCARD, NULL);
        }
    }
    g_free(st);
}

void
ts_tcpflow_writer_open(ts_tcpflow_writer *w, ts_session *s)
{
    if (ts_session_get_user(s) == NULL)
        state_new(w, s);
}

void
ts_tcpflow_writer_data(ts_tcpflow_writer *w, ts_session *s, const ts_delivery *d)
{
    flow_state *st = ts_session_get_user(s);
    if (st == NULL)
        st = state_new(w, s);
    int dir = d->from == TS_FROM_CLIENT ? 0 : 1;
    if (d->length == 0 || has_failed(w))
        return;
    chain *buf = &st->buf[dir];
    const uint8_t *data = d->data;
    size_t left = d->length;
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
    buf->len += d->length;
    w->buffered += d->length;
    if (buf->len >= FLUSH_THRESHOLD)
        flush_direction(w, st, dir);
    if (w->buffered >= BUFFER_BUDGET)
        flush_all(w);
}

void
ts_tcpflow_writer_done(ts_tcpflow_writer *w, ts_session *s)
{
    flow_state *st = ts_session_get_user(s);
    if (st == NULL)
        return;
    flush_direction(w, st, 0);
    flush_direction(w, st, 1);
    ts_session_set_user(s, NULL);
    state_end(w, st, true);
}

bool
ts_tcpflow_writer_finish(ts_tcpflow_writer *w, bool create_dir, GError **error)
{
    flush_all(w);
    if (create_dir)
        ensure_dir(w);
    stop_writers(w);
    g_mutex_lock(&w->lock);
    GError *failure = g_steal_pointer(&w->error);
    g_mutex_unlock(&w->lock);
    if (failure != NULL) {
        g_propagate_error(error, failure);
        return false;
    }
    return true;
}

void
ts_tcpflow_writer_free(ts_tcpflow_writer *w)
{
    if (w == NULL)
        return;
    stop_writers(w);
    while (w->live.head != NULL)
        state_end(w, w->live.head->data, false);
    g_hash_table_unref(w->pair_counts);
    g_clear_error(&w->error);
    g_mutex_clear(&w->lock);
    g_cond_clear(&w->drained);
    g_free(w->dir);
    g_free(w);
}

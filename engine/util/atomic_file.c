/*
 * atomic_file.c — temporary-then-rename output files, the registry of
 * temporary files removed on a fatal signal, and path helpers that keep
 * every output inside its folder.
 *
 * The registry is a doubly linked list of nodes holding a folder handle and
 * a name in it. The signal handler only walks it and calls unlinkat() (and
 * ts_out_remove_entry() for folders: system calls only); the list is
 * changed with the cleanup signals blocked so the handler never sees it half
 * updated by its own thread, and under a mutex because writer threads (the
 * tcpflow format, captures extracted in parallel) add and remove files too.
 * Threads that write files are started with the cleanup signals blocked, so
 * the handler runs on the main thread.
 *
 * Creating a temporary file and registering it, and renaming or removing it
 * and forgetting it, are "sections": the calling thread blocks the cleanup
 * signals and counts itself in `busy`. The handler sets `dying`, waits for
 * the other threads' sections to end (a thread entering one after that
 * waits for the end of the process), then removes the files. So a file
 * created by another thread at the time of the signal is not left behind,
 * and the handler never walks a node being freed.
 */
#include "atomic_file.h"

#include "out_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STDIO_BUFFER (64u * 1024u)

/* ---- folders holding temporary files ------------------------------------ */

/* An open folder of the output, shared by the temporary files in it: they
 * are created, renamed and removed relative to its descriptor. */
typedef struct {
    int fd;
    char *path;
    int refs;      /* under dir_lock */
    bool in_table; /* dir_table maps `path` to it */
} dir_handle;

static GMutex dir_lock;
static GHashTable *dir_table; /* path -> dir_handle */

static void
dir_forget(dir_handle *h)
{
    if (h->in_table)
        g_hash_table_remove(dir_table, h->path);
    h->in_table = false;
}

/* The open folder `dir` (a new reference), opened without following links
 * beneath its output folder and swept of dead runs' leftovers the first
 * time; NULL with `error`. */
static dir_handle *
dir_acquire(const char *dir, GError **error)
{
    g_mutex_lock(&dir_lock);
    if (dir_table == NULL)
        dir_table = g_hash_table_new(g_str_hash, g_str_equal);
    dir_handle *h = g_hash_table_lookup(dir_table, dir);
    struct stat st;
    if (h != NULL && (fstat(h->fd, &st) != 0 || st.st_nlink == 0))
        dir_forget(h); /* removed since: open it anew */
    if (h == NULL || !h->in_table) {
        int fd = ts_out_dir_open(dir, false, error);
        if (fd < 0) {
            g_mutex_unlock(&dir_lock);
            return NULL;
        }
        h = g_new0(dir_handle, 1);
        h->fd = fd;
        h->path = g_strdup(dir);
        h->in_table = true;
        g_hash_table_insert(dir_table, h->path, h);
        ts_out_sweep(fd, dir, false);
    }
    h->refs++;
    g_mutex_unlock(&dir_lock);
    return h;
}

static void
dir_release(dir_handle *h)
{
    g_mutex_lock(&dir_lock);
    if (--h->refs == 0) {
        dir_forget(h);
        close(h->fd);
        g_free(h->path);
        g_free(h);
    }
    g_mutex_unlock(&dir_lock);
}

/* ---- the registry of temporary files ----------------------------------- */

struct ts_temp {
    struct ts_temp *prev, *next;
    dir_handle *dir; /* its folder (a reference) */
    char *name;      /* its name in that folder */
    char *path;      /* dir/name, for messages and ts_temp_path() */
};
typedef struct ts_temp temp_node;

static temp_node *volatile registry_head;
static GMutex registry_lock;
static gint dying; /* set by the handler */
static gint busy;  /* threads inside a section */
static const int cleanup_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};

static void
block_signals(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < G_N_ELEMENTS(cleanup_signals); i++)
        sigaddset(&set, cleanup_signals[i]);
    pthread_sigmask(SIG_BLOCK, &set, old);
}

static void
restore_signals(const sigset_t *old)
{
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* Registers entry `name` of `dir` (takes the reference `dir`). */
static temp_node *
registry_add(dir_handle *dir, char *name)
{
    temp_node *node = g_new0(temp_node, 1);
    node->dir = dir;
    node->name = name;
    node->path = g_build_filename(dir->path, name, NULL);
    g_mutex_lock(&registry_lock);
    node->next = registry_head;
    if (registry_head != NULL)
        registry_head->prev = node;
    registry_head = node;
    g_mutex_unlock(&registry_lock);
    return node;
}

static void
registry_remove(temp_node *node)
{
    g_mutex_lock(&registry_lock);
    if (node->prev != NULL)
        node->prev->next = node->next;
    else
        registry_head = node->next;
    if (node->next != NULL)
        node->next->prev = node->prev;
    g_mutex_unlock(&registry_lock);
}

static void
node_free(temp_node *node)
{
    dir_release(node->dir);
    g_free(node->name);
    g_free(node->path);
    g_free(node);
}

/* Starts a section (see the top of the file): blocks the cleanup signals in
 * this thread (previous mask to *old). When the handler is already running
 * on another thread, never returns: that thread ends the process. */
static void
section_enter(sigset_t *old)
{
    block_signals(old);
    g_atomic_int_inc(&busy);
    if (g_atomic_int_get(&dying)) {
        g_atomic_int_add(&busy, -1);
        for (;;)
            pause();
    }
}

/* Ends a section started by section_enter(). */
static void
section_leave(const sigset_t *old)
{
    g_atomic_int_add(&busy, -1);
    restore_signals(old);
}

/* The graceful stop (ts_atomic_set_graceful_stop()): set with the cleanup
 * signals blocked, read by the handler. */
static void (*volatile graceful_stop)(void *ctx);
static void *volatile graceful_ctx;
static volatile sig_atomic_t graceful_requested;

/* Removes every registered temporary file and dies of `sig`; the first
 * SIGINT or SIGTERM calls the graceful stop instead when one is set. */
static void
on_fatal_signal(int sig)
{
    void (*stop)(void *) = graceful_stop;
    if ((sig == SIGINT || sig == SIGTERM) && stop != NULL && !graceful_requested) {
        int saved = errno;
        graceful_requested = 1;
        stop(graceful_ctx);
        errno = saved;
        return;
    }
    g_atomic_int_set(&dying, 1);
    /* other threads' sections end quickly; give up after about a second */
    for (int i = 0; i < 1000 && g_atomic_int_get(&busy) > 0; i++) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    for (temp_node *n = registry_head; n != NULL; n = n->next)
        ts_out_remove_entry(n->dir->fd, n->name);
    signal(sig, SIG_DFL);
    raise(sig);
}

void
ts_atomic_install_signal_cleanup(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(cleanup_signals); i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_fatal_signal;
        sigemptyset(&sa.sa_mask);
        for (size_t j = 0; j < G_N_ELEMENTS(cleanup_signals); j++)
            sigaddset(&sa.sa_mask, cleanup_signals[j]);
        sigaction(cleanup_signals[i], &sa, NULL);
    }
}

void
ts_atomic_set_graceful_stop(void (*stop)(void *ctx), void *ctx)
{
    sigset_t old;
    block_signals(&old);
    graceful_stop = NULL;
    graceful_ctx = ctx;
    graceful_stop = stop;
    graceful_requested = 0;
    restore_signals(&old);
}

bool
ts_atomic_graceful_stop_requested(void)
{
    return graceful_requested != 0;
}

/* ---- paths ------------------------------------------------------------ */

char *
ts_path_component(const char *text)
{
    if (text == NULL || text[0] == '\0' || strcmp(text, ".") == 0 || strcmp(text, "..") == 0)
        return g_strdup("_");
    char *out = g_strdup(text);
    for (char *p = out; *p != '\0'; p++)
        if (*p == '/' || *p == '\\' || (unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '_';
    return out;
}

char *
ts_path_join_inside(const char *dir, const char *relative, GError **error)
{
    if (relative == NULL || relative[0] == '\0' || g_path_is_absolute(relative)) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "refusing output name '%s': not a relative path", relative ? relative : "");
        return NULL;
    }
    g_auto(GStrv) parts = g_strsplit(relative, "/", -1);
    for (char **p = parts; *p != NULL; p++) {
        if ((*p)[0] == '\0' || strcmp(*p, ".") == 0 || strcmp(*p, "..") == 0) {
            g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                        "refusing output name '%s': it would leave the output folder", relative);
            return NULL;
        }
    }
    return g_build_filename(dir, relative, NULL);
}

/* ---- atomic files ------------------------------------------------------- */

struct ts_atomic_file {
    char *path;
    temp_node *node; /* NULL once the file is committed or removed */
    FILE *stream;
    char *buffer;
};

static void
set_errno_error(GError **error, const char *path, int err)
{
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "%s: %s", path, g_strerror(err));
}

/* Sets `error` for a failed rename (or creation) of `path`. */
static void
set_path_error(GError **error, const char *path, int err)
{
    if (err == ELOOP)
        ts_out_set_symlink_error(error, path);
    else
        set_errno_error(error, path, err);
}

/* Creates and registers, in one section, a temporary entry for `path` in its
 * folder: a file opened for reading and writing (its fd returned, the
 * caller's) or, when `folder`, a folder (0 returned). The node goes to *node
 * (the registry's). -1 with `error` on failure. */
static int
make_temp_entry(const char *path, bool folder, temp_node **node, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *base = g_path_get_basename(path);
    *node = NULL;
    dir_handle *h = dir_acquire(dir, error);
    if (h == NULL)
        return -1;
    for (int attempt = 0; attempt < 100; attempt++) {
        char *name = ts_out_temp_name(base);
        sigset_t old;
        section_enter(&old);
        int fd =
            folder ? mkdirat(h->fd, name, 0777)
                   : openat(h->fd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        int err = errno;
        if (fd >= 0)
            *node = registry_add(h, name);
        section_leave(&old);
        if (fd >= 0)
            return fd;
        g_free(name);
        if (err != EEXIST) {
            set_errno_error(error, path, err);
            break;
        }
    }
    if (*node == NULL && error != NULL && *error == NULL)
        set_errno_error(error, path, EEXIST);
    dir_release(h);
    return -1;
}

/* Creates and registers the temporary file of `path` in one section;
 * returns its fd (the caller's) and its node in *node (the registry's), or -1
 * with `error`. */
static int
make_temp(const char *path, temp_node **node, GError **error)
{
    return make_temp_entry(path, false, node, error);
}

/* Renames folder entry `from` of `dirfd` to `to`, which is a folder already
 * (an earlier run's): the two are exchanged, then the old one removed. */
static int
replace_folder(int dirfd, const char *from, const char *to)
{
    if (renameat2(dirfd, from, dirfd, to, RENAME_EXCHANGE) != 0)
        return errno;
    ts_out_remove_entry(dirfd, from);
    return 0;
}

/* Renames the temporary entry of `node` to `path`, which must be in the
 * same folder; ELOOP when a symbolic link is there (never replaced). */
static int
rename_temp(temp_node *node, const char *path)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *base = g_path_get_basename(path);
    if (strcmp(dir, node->dir->path) != 0)
        return EXDEV;
    struct stat st, from;
    bool exists = fstatat(node->dir->fd, base, &st, AT_SYMLINK_NOFOLLOW) == 0;
    if (exists && S_ISLNK(st.st_mode))
        return ELOOP;
    if (renameat(node->dir->fd, node->name, node->dir->fd, base) == 0)
        return 0;
    int err = errno;
    if (exists && S_ISDIR(st.st_mode) && (err == EEXIST || err == ENOTEMPTY) &&
        fstatat(node->dir->fd, node->name, &from, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISDIR(from.st_mode))
        return replace_folder(node->dir->fd, node->name, base);
    return err;
}

/* Renames the registered entry of `node` to `path` (removes it when `path`
 * is NULL or the rename fails), then forgets and frees `node`, in one
 * section. Returns 0 or the rename's errno (ELOOP: a symbolic link is at
 * `path`). */
static int
end_temp(temp_node *node, const char *path)
{
    sigset_t old;
    section_enter(&old);
    int err = path != NULL ? rename_temp(node, path) : 0;
    if (path == NULL || err != 0)
        ts_out_remove_entry(node->dir->fd, node->name);
    registry_remove(node);
    section_leave(&old);
    node_free(node);
    return err;
}

ts_atomic_file *
ts_atomic_file_new(const char *path, GError **error)
{
    temp_node *node = NULL;
    int fd = make_temp(path, &node, error);
    if (fd < 0)
        return NULL;
    ts_atomic_file *f = g_new0(ts_atomic_file, 1);
    f->path = g_strdup(path);
    f->node = node;
    f->stream = fdopen(fd, "wb");
    if (f->stream == NULL) {
        set_errno_error(error, path, errno);
        close(fd);
        ts_atomic_file_abort(f);
        return NULL;
    }
    f->buffer = g_malloc(STDIO_BUFFER);
    setvbuf(f->stream, f->buffer, _IOFBF, STDIO_BUFFER);
    return f;
}

FILE *
ts_atomic_file_stream(ts_atomic_file *f)
{
    return f->stream;
}

/* Removes the temporary file if still there; frees `f`. */
static void
atomic_free(ts_atomic_file *f)
{
    if (f->node != NULL)
        end_temp(f->node, NULL);
    g_free(f->buffer);
    g_free(f->path);
    g_free(f);
}

bool
ts_atomic_file_commit(ts_atomic_file *f, GError **error)
{
    bool ok = !ferror(f->stream);
    int err = ok ? 0 : EIO;
    if (fclose(f->stream) != 0 && ok) {
        ok = false;
        err = errno;
    }
    f->stream = NULL;
    if (ok) {
        err = end_temp(f->node, f->path);
        f->node = NULL;
        ok = err == 0;
    }
    if (!ok)
        set_path_error(error, f->path, err);
    atomic_free(f);
    return ok;
}

void
ts_atomic_file_abort(ts_atomic_file *f)
{
    if (f == NULL)
        return;
    if (f->stream != NULL)
        fclose(f->stream);
    atomic_free(f);
}

bool
ts_atomic_write(const char *path, const void *data, size_t len, GError **error)
{
    ts_atomic_file *f = ts_atomic_file_new(path, error);
    if (f == NULL)
        return false;
    if (len > 0 && fwrite(data, 1, len, f->stream) != len) {
        set_errno_error(error, path, errno);
        ts_atomic_file_abort(f);
        return false;
    }
    return ts_atomic_file_commit(f, error);
}

/* ---- temporary files reopened by their writer ---------------------------- */

ts_temp *
ts_temp_create(const char *path, GError **error)
{
    int fd = -1;
    ts_temp *t = ts_temp_create_open(path, &fd, error);
    if (t != NULL)
        close(fd);
    return t;
}

ts_temp *
ts_temp_create_open(const char *path, int *fd, GError **error)
{
    ts_temp *t = NULL;
    *fd = make_temp(path, &t, error);
    return t;
}

ts_temp *
ts_temp_dir_create(const char *path, GError **error)
{
    ts_temp *t = NULL;
    if (make_temp_entry(path, true, &t, error) < 0)
        return NULL;
    int fd = openat(t->dir->fd, t->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) { /* nothing of a dead run in it */
        ts_out_sweep(fd, t->path, true);
        close(fd);
    }
    return t;
}

int
ts_temp_open(const ts_temp *t, int flags)
{
    return openat(t->dir->fd, t->name, flags | O_NOFOLLOW | O_CLOEXEC);
}

void
ts_atomic_block_cleanup_signals(sigset_t *old)
{
    block_signals(old);
}

const char *
ts_temp_path(const ts_temp *t)
{
    return t->path;
}

bool
ts_temp_commit(ts_temp *t, const char *path, GError **error)
{
    int err = end_temp(t, path);
    if (err != 0)
        set_path_error(error, path, err);
    return err == 0;
}

void
ts_temp_discard(ts_temp *t)
{
    if (t == NULL)
        return;
    end_temp(t, NULL);
}

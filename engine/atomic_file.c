/*
 * atomic_file.c — temporary-then-rename output files, the registry of
 * temporary files removed on a fatal signal, and path helpers that keep
 * every output inside its folder.
 *
 * The registry is a doubly linked list of nodes holding a path. The signal
 * handler only walks it and calls unlink() (async-signal-safe); the list is
 * changed with the cleanup signals blocked so the handler never sees it half
 * updated by its own thread, and under a mutex because writer threads (the
 * tcpflow format, captures extracted in parallel) add and remove files too.
 * Threads that write files are started with the cleanup signals blocked, so
 * the handler runs on the main thread.
 */
#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#define STDIO_BUFFER (64u * 1024u)

/* ---- the registry of temporary files ----------------------------------- */

struct ts_temp {
    struct ts_temp *prev, *next;
    char *path;
};
typedef struct ts_temp temp_node;

static temp_node *volatile registry_head;
static GMutex registry_lock;
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

static temp_node *
registry_add(const char *path)
{
    temp_node *node = g_new0(temp_node, 1);
    node->path = g_strdup(path);
    sigset_t old;
    block_signals(&old);
    g_mutex_lock(&registry_lock);
    node->next = registry_head;
    if (registry_head != NULL)
        registry_head->prev = node;
    registry_head = node;
    g_mutex_unlock(&registry_lock);
    restore_signals(&old);
    return node;
}

static void
registry_remove(temp_node *node)
{
    sigset_t old;
    block_signals(&old);
    g_mutex_lock(&registry_lock);
    if (node->prev != NULL)
        node->prev->next = node->next;
    else
        registry_head = node->next;
    if (node->next != NULL)
        node->next->prev = node->prev;
    g_mutex_unlock(&registry_lock);
    restore_signals(&old);
    g_free(node->path);
    g_free(node);
}

static void
on_fatal_signal(int sig)
{
    for (temp_node *n = registry_head; n != NULL; n = n->next)
        unlink(n->path);
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
    char *temp;
    temp_node *node;
    FILE *stream;
    char *buffer;
};

static void
set_errno_error(GError **error, const char *path, int err)
{
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "%s: %s", path, g_strerror(err));
}

/* Creates the temporary file of `path`; returns its fd (name in *temp). */
static int
make_temp(const char *path, char **temp, GError **error)
{
    *temp = g_strconcat(path, ".tmp.XXXXXX", NULL);
    int fd = g_mkstemp_full(*temp, O_RDWR | O_CLOEXEC, 0666);
    if (fd < 0) {
        set_errno_error(error, path, errno);
        g_clear_pointer(temp, g_free);
    }
    return fd;
}

ts_atomic_file *
ts_atomic_file_new(const char *path, GError **error)
{
    char *temp = NULL;
    int fd = make_temp(path, &temp, error);
    if (fd < 0)
        return NULL;
    ts_atomic_file *f = g_new0(ts_atomic_file, 1);
    f->path = g_strdup(path);
    f->temp = temp;
    f->node = registry_add(temp);
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

static void
atomic_free(ts_atomic_file *f)
{
    if (f->node != NULL)
        registry_remove(f->node);
    g_free(f->buffer);
    g_free(f->path);
    g_free(f->temp);
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
    if (ok && g_rename(f->temp, f->path) != 0) {
        ok = false;
        err = errno;
    }
    if (!ok) {
        set_errno_error(error, f->path, err);
        g_unlink(f->temp);
    }
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
    g_unlink(f->temp);
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
    char *temp = NULL;
    *fd = make_temp(path, &temp, error);
    if (*fd < 0)
        return NULL;
    ts_temp *t = registry_add(temp);
    g_free(temp);
    return t;
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
    bool ok = true;
    if (g_rename(t->path, path) != 0) {
        set_errno_error(error, path, errno);
        g_unlink(t->path);
        ok = false;
    }
    registry_remove(t);
    return ok;
}

void
ts_temp_discard(ts_temp *t)
{
    if (t == NULL)
        return;
    g_unlink(t->path);
    registry_remove(t);
}

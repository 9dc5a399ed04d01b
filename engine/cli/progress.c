/*
 * progress.c — the progress line of long runs: shown on stderr only when it
 * is a terminal (and the run is not --quiet), rewritten in place at most five
 * times a second, erased before anything else is printed. Thread-safe:
 * captures extracted in parallel share one line.
 */
#include "cli.h"
#include "util/probe.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <unistd.h>

/* A capture being read (owned by the ts_progress). */
typedef struct {
    char *name;
    unsigned index, total; /* capture index (1-based) and count */
    uint64_t size;         /* bytes of the file; 0 when compressed or unknown */
    gint64 started;
} progress_capture;

/* Captures extracted in parallel each have an entry; the line shows the one
 * that reported last. The lock also keeps lines written through
 * ts_progress_print() whole. */
struct ts_progress {
    GMutex lock;
    GPtrArray *running; /* progress_capture *, in start order */
    bool shown;
};

static void
capture_free(gpointer data)
{
    progress_capture *c = data;
    g_free(c->name);
    g_free(c);
}

/* A progress line, or NULL; freed with ts_progress_free(). */
ts_progress *
ts_progress_new(bool quiet)
{
    if (quiet || !isatty(STDERR_FILENO))
        return NULL;
    ts_progress *p = g_new0(ts_progress, 1);
    g_mutex_init(&p->lock);
    p->running = g_ptr_array_new_with_free_func(capture_free);
    return p;
}

/* File size when the file is not gzip-compressed (its uncompressed size is
 * what the reader counts), else 0. */
static uint64_t
plain_size(const char *path)
{
    GStatBuf st;
    if (g_stat(path, &st) != 0)
        return 0;
    uint8_t magic[2] = {0, 0};
    gssize n = ts_probe_read_file_head(path, magic, sizeof magic);
    if (n < 0 || ts_probe_is_gzip(magic, (size_t)n))
        return 0;
    return (uint64_t)st.st_size;
}

/* Erases the line; the lock is held. */
static void
erase_locked(ts_progress *p)
{
    if (!p->shown)
        return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    p->shown = false;
}

/* Entry of capture `index`, or NULL; the lock is held. */
static progress_capture *
find_locked(ts_progress *p, unsigned index, guint *position)
{
    for (guint i = 0; i < p->running->len; i++) {
        progress_capture *c = g_ptr_array_index(p->running, i);
        if (c->index == index) {
            if (position != NULL)
                *position = i;
            return c;
        }
    }
    return NULL;
}

/* Draws the line of capture `c`; the lock is held. */
static void
draw_locked(ts_progress *p, const progress_capture *c, uint64_t bytes, uint64_t frames,
            uint64_t sessions)
{
    double secs = (double)(g_get_monotonic_time() - c->started) / 1e6;
    g_autoptr(GString) line = g_string_new("\r\033[K");
    if (p->running->len > 1)
        g_string_append_printf(line, "[%u/%u, %u running] ", c->index, c->total, p->running->len);
    else if (c->total > 1)
        g_string_append_printf(line, "[%u/%u] ", c->index, c->total);
    g_string_append_printf(line, "%s: ", c->name);
    if (c->size > 0)
        g_string_append_printf(line, "%3.0f%% ", 100.0 * (double)bytes / (double)c->size);
    g_string_append_printf(
        line, "%.1f MB, %" G_GUINT64_FORMAT " frames, %" G_GUINT64_FORMAT " sessions, %.1f MB/s",
        (double)bytes / 1e6, frames, sessions, secs > 0 ? (double)bytes / 1e6 / secs : 0.0);
    fputs(line->str, stderr);
    fflush(stderr);
    p->shown = true;
}

/* Registers capture `index` and shows it; thread-safe. */
void
ts_progress_start(ts_progress *p, const char *capture, unsigned index, unsigned total)
{
    if (p == NULL)
        return;
    progress_capture *c = g_new0(progress_capture, 1);
    c->name = g_path_get_basename(capture);
    c->index = index;
    c->total = total;
    c->size = plain_size(capture);
    c->started = g_get_monotonic_time();
    g_mutex_lock(&p->lock);
    guint position;
    if (find_locked(p, index, &position) != NULL)
        g_ptr_array_remove_index(p->running, position);
    g_ptr_array_add(p->running, c);
    draw_locked(p, c, 0, 0, 0);
    g_mutex_unlock(&p->lock);
}

/* Shows how far the capture started last is (sequential runs). */
void
ts_progress_update(ts_progress *p, uint64_t bytes, uint64_t frames, uint64_t sessions)
{
    if (p == NULL)
        return;
    g_mutex_lock(&p->lock);
    if (p->running->len > 0)
        draw_locked(p, g_ptr_array_index(p->running, p->running->len - 1), bytes, frames, sessions);
    g_mutex_unlock(&p->lock);
}

/* Shows how far capture `index` is; thread-safe. */
void
ts_progress_update_capture(ts_progress *p, unsigned index, uint64_t bytes, uint64_t frames,
                           uint64_t sessions)
{
    if (p == NULL)
        return;
    g_mutex_lock(&p->lock);
    const progress_capture *c = find_locked(p, index, NULL);
    if (c != NULL)
        draw_locked(p, c, bytes, frames, sessions);
    g_mutex_unlock(&p->lock);
}

/* Forgets capture `index` and erases the line; thread-safe. */
void
ts_progress_end(ts_progress *p, unsigned index)
{
    if (p == NULL)
        return;
    g_mutex_lock(&p->lock);
    guint position;
    if (find_locked(p, index, &position) != NULL)
        g_ptr_array_remove_index(p->running, position);
    erase_locked(p);
    g_mutex_unlock(&p->lock);
}

/* Shows `message` (borrowed) as the line. */
void
ts_progress_message(ts_progress *p, const char *message)
{
    if (p == NULL)
        return;
    g_mutex_lock(&p->lock);
    fprintf(stderr, "\r\033[K%s", message);
    fflush(stderr);
    p->shown = true;
    g_mutex_unlock(&p->lock);
}

/* Erases the line; thread-safe. */
void
ts_progress_clear(ts_progress *p)
{
    if (p == NULL)
        return;
    g_mutex_lock(&p->lock);
    erase_locked(p);
    g_mutex_unlock(&p->lock);
}

/* Writes `text` (borrowed) to stderr, erasing the line first; p may be NULL. */
void
ts_progress_print(ts_progress *p, const char *text)
{
    if (p == NULL) {
        fputs(text, stderr);
        fflush(stderr);
        return;
    }
    g_mutex_lock(&p->lock);
    erase_locked(p);
    fputs(text, stderr);
    fflush(stderr);
    g_mutex_unlock(&p->lock);
}

/* Erases the line and frees `p`. */
void
ts_progress_free(ts_progress *p)
{
    if (p == NULL)
        return;
    ts_progress_clear(p);
    g_ptr_array_unref(p->running);
    g_mutex_clear(&p->lock);
    g_free(p);
}

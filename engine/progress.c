/*
 * progress.c — the progress line of long runs: shown on stderr only when it
 * is a terminal (and the run is not --quiet), rewritten in place at most five
 * times a second, erased before anything else is printed.
 */
#include "cli.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <unistd.h>

struct ts_progress {
    char *name;
    unsigned index, total; /* capture index (1-based) and count */
    uint64_t size;         /* bytes of the file; 0 when compressed or unknown */
    gint64 started;
    bool shown;
};

ts_progress *
ts_progress_new(bool quiet)
{
    if (quiet || !isatty(STDERR_FILENO))
        return NULL;
    return g_new0(ts_progress, 1);
}

/* File size when the file is not gzip-compressed (its uncompressed size is
 * what the reader counts), else 0. */
static uint64_t
plain_size(const char *path)
{
    GStatBuf st;
    if (g_stat(path, &st) != 0)
        return 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return 0;
    unsigned char magic[2] = {0, 0};
    size_t n = fread(magic, 1, 2, f);
    fclose(f);
    if (n == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
        return 0;
    return (uint64_t)st.st_size;
}

void
ts_progress_start(ts_progress *p, const char *capture, unsigned index, unsigned total)
{
    if (p == NULL)
        return;
    g_free(p->name);
    p->name = g_path_get_basename(capture);
    p->index = index;
    p->total = total;
    p->size = plain_size(capture);
    p->started = g_get_monotonic_time();
    ts_progress_update(p, 0, 0, 0);
}

void
ts_progress_update(ts_progress *p, uint64_t bytes, uint64_t frames, uint64_t sessions)
{
    if (p == NULL)
        return;
    double secs = (double)(g_get_monotonic_time() - p->started) / 1e6;
    g_autoptr(GString) line = g_string_new("\r\033[K");
    if (p->total > 1)
        g_string_append_printf(line, "[%u/%u] ", p->index, p->total);
    g_string_append_printf(line, "%s: ", p->name);
    if (p->size > 0)
        g_string_append_printf(line, "%3.0f%% ", 100.0 * (double)bytes / (double)p->size);
    g_string_append_printf(
        line, "%.1f MB, %" G_GUINT64_FORMAT " frames, %" G_GUINT64_FORMAT " sessions, %.1f MB/s",
        (double)bytes / 1e6, frames, sessions, secs > 0 ? (double)bytes / 1e6 / secs : 0.0);
    fputs(line->str, stderr);
    fflush(stderr);
    p->shown = true;
}

void
ts_progress_message(ts_progress *p, const char *message)
{
    if (p == NULL)
        return;
    fprintf(stderr, "\r\033[K%s", message);
    fflush(stderr);
    p->shown = true;
}

void
ts_progress_clear(ts_progress *p)
{
    if (p == NULL || !p->shown)
        return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    p->shown = false;
}

void
ts_progress_free(ts_progress *p)
{
    if (p == NULL)
        return;
    ts_progress_clear(p);
    g_free(p->name);
    g_free(p);
}

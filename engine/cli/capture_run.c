/*
 * capture_run.c — the frame loop behind ts_cli_run_capture(): the library's
 * own capture reader, a hook per frame, ts_engine_feed(), and a progress call
 * every PROGRESS_US microseconds (the clock is read every 1024 frames).
 */
#include "capture_run.h"

#include <stdio.h>

#define PROGRESS_US 200000

/* Feeds the capture at `path` to `engine` (both owned by the caller) and
 * finishes it; see capture_run.h. */
bool
ts_cli_run_capture(ts_engine *engine, const char *path, const ts_run_hooks *hooks,
                   uint64_t *bytes_read, GError **error)
{
    static const ts_run_hooks no_hooks = {0};
    if (hooks == NULL)
        hooks = &no_hooks;
    if (bytes_read != NULL)
        *bytes_read = 0;
    ts_capture *cap = ts_capture_open(path, error);
    if (cap == NULL) {
        ts_engine_finish(engine);
        return false;
    }
    ts_capture_frame f;
    int rc;
    uint64_t frames = 0;
    gint64 last = g_get_monotonic_time();
    while ((rc = ts_capture_next(cap, &f, error)) == 1) {
        if (hooks->frame != NULL)
            hooks->frame(hooks->user, &f);
        ts_frame frame = {f.linktype, f.ts_ns, f.caplen, f.origlen, f.data};
        ts_engine_feed(engine, &frame);
        if (hooks->progress != NULL && (++frames & 1023) == 0) {
            gint64 now = g_get_monotonic_time();
            if (now - last >= PROGRESS_US) {
                last = now;
                hooks->progress(hooks->user, ts_capture_offset(cap), frames);
            }
        }
    }
    if (hooks->frame != NULL)
        hooks->frame(hooks->user, NULL);
    if (bytes_read != NULL)
        *bytes_read = ts_capture_offset(cap);
    if (ts_capture_warning(cap) != NULL) {
        if (hooks->messages != NULL)
            g_string_append_printf(hooks->messages, "warning: %s\n", ts_capture_warning(cap));
        else
            fprintf(stderr, "warning: %s\n", ts_capture_warning(cap));
    }
    ts_capture_close(cap);
    ts_engine_finish(engine);
    return rc == 0;
}

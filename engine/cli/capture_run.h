/*
 * capture_run.h — runs an engine over a capture frame by frame, for outputs
 * that need to see each frame before the engine does (the legacy JSON's
 * per-tuple packet numbers and TCP headers) or to show progress.
 */
#ifndef TS_CAPTURE_RUN_H
#define TS_CAPTURE_RUN_H

#include "capture.h"
#include "tcpsession.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

G_BEGIN_DECLS

/** Optional hooks of ts_cli_run_capture(); any may be NULL. */
typedef struct {
    /* Called with every frame just before the engine processes it, and with
       NULL after the last one (before the sessions still open are finished). */
    void (*frame)(void *user, const ts_capture_frame *f);
    /* Called about five times a second with the (uncompressed) bytes read so
       far and the frames read. */
    void (*progress)(void *user, uint64_t bytes, uint64_t frames);
    void *user;
    /* When not NULL, the warning about how the file ended is appended here
       (caller-owned) instead of being printed to stderr. */
    GString *messages;
} ts_run_hooks;

/** Reads the capture at `path` into `engine` frame by frame (the same
 *  processing as ts_engine_run_file()), then finishes every session. A
 *  warning about how the file ended is printed to stderr (or appended to
 *  hooks->messages). Returns false with
 *  `error` when the capture cannot be opened or is damaged (sessions read up
 *  to the damage are still delivered). *bytes_read (may be NULL) gets the
 *  bytes of uncompressed capture consumed. */
bool ts_cli_run_capture(ts_engine *engine, const char *path, const ts_run_hooks *hooks,
                        uint64_t *bytes_read, GError **error);

G_END_DECLS

#endif /* TS_CAPTURE_RUN_H */

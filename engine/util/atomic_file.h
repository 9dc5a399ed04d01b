/*
 * atomic_file.h — output files that are either complete or absent, and paths
 * that never leave the output folder.
 *
 * Every file the tcpsession command writes is first written to
 * ".NAME.tcpsession.tmp.PID.XXXXXX" in the same folder and renamed to NAME
 * only once it is complete, so a crash or Ctrl-C never leaves a half-written
 * NAME. Temporary files still open are registered;
 * ts_atomic_install_signal_cleanup() makes SIGINT, SIGTERM, SIGHUP and
 * SIGPIPE remove them before the process dies; the leftovers of a SIGKILL are
 * removed by the next run into the same folder (out_dir.h).
 *
 * Folders are opened with out_dir.h's ts_out_dir_open() (never through a
 * symbolic link beneath a registered output folder) and kept open while
 * temporary files live in them: files are created with O_EXCL | O_NOFOLLOW
 * and renamed with renameat() relative to that handle. A symbolic link at
 * the final name is refused ("PATH: is a symbolic link; refusing to write
 * through it"), never replaced nor followed.
 *
 * Names built from capture file names or addresses go through
 * ts_path_component() and ts_path_join_inside(), which refuse absolute paths
 * and ".." components.
 */
#ifndef TS_ATOMIC_FILE_H
#define TS_ATOMIC_FILE_H

#include <glib.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

G_BEGIN_DECLS

/** A safe single path component made of `text`: '/', '\\' and control
 *  characters become '_'; "", "." and ".." become "_". Caller frees. */
char *ts_path_component(const char *text);

/** `dir`/`relative`, or NULL with `error` (G_FILE_ERROR_INVAL) when
 *  `relative` is absolute, empty, or has an empty, "." or ".." component:
 *  the result is always inside `dir`. Caller frees. */
char *ts_path_join_inside(const char *dir, const char *relative, GError **error);

/** A file being written under a temporary name. */
typedef struct ts_atomic_file ts_atomic_file;

/** Creates PATH's temporary file (the folder must exist) and registers it for
 *  removal on a fatal signal. NULL with `error` on failure. */
ts_atomic_file *ts_atomic_file_new(const char *path, GError **error);

/** The buffered stream to write to (owned by the file). */
FILE *ts_atomic_file_stream(ts_atomic_file *f);

/** Flushes, closes and renames the file to its final name; on any failure
 *  removes the temporary file and sets `error`. Frees `f` in both cases. */
bool ts_atomic_file_commit(ts_atomic_file *f, GError **error);

/** Closes and removes the temporary file; frees `f`. NULL is allowed. */
void ts_atomic_file_abort(ts_atomic_file *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ts_atomic_file, ts_atomic_file_abort)

/** Writes `len` bytes to `path` atomically. */
bool ts_atomic_write(const char *path, const void *data, size_t len, GError **error);

/** A registered temporary file that its writer reopens many times. */
typedef struct ts_temp ts_temp;

/** Creates an empty registered temporary file for `path` (in its folder),
 *  or returns NULL with `error`. */
ts_temp *ts_temp_create(const char *path, GError **error);

/** Like ts_temp_create(), but leaves the new file open for writing: its
 *  descriptor is stored in *fd and belongs to the caller (close it before
 *  ts_temp_commit()). Thread-safe, as are commit and discard. */
ts_temp *ts_temp_create_open(const char *path, int *fd, GError **error);

/** Creates a registered temporary folder for `path` (its folder must exist):
 *  fill it (ts_temp_path() is its path), then ts_temp_commit() renames it to
 *  `path` (an earlier folder there is replaced, a symbolic link refused) or
 *  ts_temp_discard() removes it with the files in it. NULL with `error`. */
ts_temp *ts_temp_dir_create(const char *path, GError **error);

/** Opens the temporary file again with open() `flags` (O_NOFOLLOW and
 *  O_CLOEXEC added), relative to its folder: the descriptor (the caller's),
 *  or -1 with errno. */
int ts_temp_open(const ts_temp *t, int flags);

/** Name of the temporary file (owned by `t`). */
const char *ts_temp_path(const ts_temp *t);

/** Renames the temporary file to `path` and forgets it; frees `t`. */
bool ts_temp_commit(ts_temp *t, const char *path, GError **error);

/** Removes the temporary file and forgets it; frees `t`. NULL is allowed. */
void ts_temp_discard(ts_temp *t);

/** Blocks the cleanup signals in the calling thread (the previous mask goes
 *  to *old). A thread started meanwhile inherits the mask, so the handler
 *  never interrupts a thread that is changing the registry. */
void ts_atomic_block_cleanup_signals(sigset_t *old);

/** Makes SIGINT, SIGTERM, SIGHUP and SIGPIPE remove every registered
 *  temporary file, then end the process as the signal would have. */
void ts_atomic_install_signal_cleanup(void);

/** Makes the first SIGINT or SIGTERM call `stop(ctx)` instead of ending the
 *  process (a live capture: "finish and write"); the next one ends it as
 *  ts_atomic_install_signal_cleanup() does. `stop` runs in the signal
 *  handler: it must be async-signal-safe (set a flag). NULL turns it off.
 *  Call after ts_atomic_install_signal_cleanup(). */
void ts_atomic_set_graceful_stop(void (*stop)(void *ctx), void *ctx);

/** True when a SIGINT or SIGTERM was turned into a graceful stop. */
bool ts_atomic_graceful_stop_requested(void);

G_END_DECLS

#endif /* TS_ATOMIC_FILE_H */

/*
 * out_dir.h — the output folder as a boundary: folders and files beneath a
 * user-chosen output folder are opened relative to directory handles, never
 * through a symbolic link, and temporary names that a killed run left there
 * are recognised and removed by the next run.
 *
 * A command registers the output folder the user gave (ts_out_root_add());
 * that folder itself may be a symbolic link (the user chose it), but every
 * component beneath it is opened with O_NOFOLLOW, and a symbolic link found
 * there is refused with "PATH: is a symbolic link; refusing to write through
 * it". Paths under no registered root are the caller's own: only their last
 * component is protected.
 *
 * Temporary names are ".NAME.tcpsession.tmp.PID.XXXXXX" (hidden, this tool's,
 * with the writer's process id). The first time a run opens a folder to
 * create a temporary name in it, entries of that form whose process no longer
 * exists are removed, and a notice says so (ts_out_take_notices()).
 */
#ifndef TS_OUT_DIR_H
#define TS_OUT_DIR_H

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

G_BEGIN_DECLS

/** Registers `root` (copied; trailing '/' ignored) as an output folder chosen
 *  by the user: nothing beneath it is opened through a symbolic link.
 *  Registering the same folder again is harmless. Thread-safe. */
void ts_out_root_add(const char *root);

/** Opens folder `dir` (O_DIRECTORY, close-on-exec) without following a
 *  symbolic link beneath its registered root, creating missing folders
 *  (mode 0777 less the umask) when `create`. Returns the descriptor (the
 *  caller's) or -1 with `error` naming the path and the reason. */
int ts_out_dir_open(const char *dir, bool create, GError **error);

/** ts_out_dir_open(dir, true) without keeping the descriptor. */
bool ts_out_mkdir(const char *dir, GError **error);

/** open() of file `path` with `flags` | O_NOFOLLOW | O_CLOEXEC and `mode`,
 *  relative to its folder opened with ts_out_dir_open() (not created).
 *  Returns the descriptor (the caller's) or -1 with `error`. */
int ts_out_file_open(const char *path, int flags, mode_t mode, GError **error);

/** Removes file `path` (never what a symbolic link points to); false with
 *  errno set when it could not. */
bool ts_out_unlink(const char *path);

/** Sets `error` to "PATH: is a symbolic link; refusing to write through it". */
void ts_out_set_symlink_error(GError **error, const char *path);

/** The temporary name of final name `name` for this process:
 *  ".NAME.tcpsession.tmp.PID.XXXXXX" with a random XXXXXX (NAME cut to 200
 *  bytes). Caller frees. */
char *ts_out_temp_name(const char *name);

/** The process id in temporary name `name`, or 0 when `name` is not one. */
long ts_out_temp_name_pid(const char *name);

/** Removes the entry `name` of the folder `dirfd`: a file or symbolic link
 *  itself, or a folder after the files and links directly inside it.
 *  Async-signal-safe (system calls only). 0, or -1 with errno. */
int ts_out_remove_entry(int dirfd, const char *name);

/** Removes the leftovers of dead runs from folder `dirfd` (named `dir` in the
 *  notice), once per folder and process; `ours` marks a folder this process
 *  has just created (nothing to remove). Thread-safe. */
void ts_out_sweep(int dirfd, const char *dir, bool ours);

/** The notices gathered so far ("DIR: removed N temporary files left by an
 *  interrupted run (pid P)", one per line), or NULL when there are none.
 *  Caller frees. Thread-safe. */
char *ts_out_take_notices(void);

G_END_DECLS

#endif /* TS_OUT_DIR_H */

/*
 * file_writer.h — many output files written at once, beside the engine.
 *
 * The tcpflow format writes one file per session direction, thousands of them
 * at a time, and creating and writing files is mostly system time. A
 * ts_file_writer buffers each file's bytes on the caller's thread and hands
 * full buffers to a few writer threads, which create, append to and rename the
 * files while the engine goes on. Memory stays bounded: buffers are flushed
 * when one passes 64 KiB or all together pass a budget, and the caller waits
 * only when the bytes handed over but not yet written pass a limit.
 *
 * Every file is written under a temporary name ("PATH.tmp.XXXXXX", removed on
 * a fatal signal, see atomic_file.h) and renamed to PATH when committed, so it
 * is never seen half written. A file that never got a byte is never created.
 *
 * All functions are called from one thread (the engine's). The first failure
 * (a file that cannot be created or written) is kept; later output is skipped
 * and ts_file_writer_finish() reports it.
 */
#ifndef TS_FILE_WRITER_H
#define TS_FILE_WRITER_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef struct ts_file_writer ts_file_writer;
/** One file being written; owned by its ts_file_writer. */
typedef struct ts_out_file ts_out_file;

/** Starts a writer (and its threads: one per CPU, at most two). `dir` is
 *  created (with its parents) before the first file is. Each thread keeps at
 *  most `max_open` files open (0: a share of the process's descriptor limit,
 *  whose soft value is raised to the hard one). Free with
 *  ts_file_writer_free(). */
ts_file_writer *ts_file_writer_new(const char *dir, unsigned max_open);

/** A new file that will be named `path` (copied) once committed. Nothing is
 *  created on disk before its first byte. */
ts_out_file *ts_file_writer_add(ts_file_writer *fw, const char *path);

/** Appends `len` bytes (copied) to the file. */
void ts_out_file_append(ts_file_writer *fw, ts_out_file *f, const uint8_t *data, size_t len);

/** Overwrites `len` bytes (copied) of the file at byte position `pos`,
 *  bytes appended earlier (pos + len at most the bytes appended so far; a
 *  range beyond that is a programming error and ignored). Bytes still
 *  buffered are changed in place; the others by the file's writer thread,
 *  after the writes before. */
void ts_out_file_patch(ts_file_writer *fw, ts_out_file *f, uint64_t pos, const uint8_t *data,
                       size_t len);

/** The file is complete: its last bytes are written and it is renamed into
 *  place (if it has any byte). `f` must not be used afterwards. */
void ts_out_file_commit(ts_file_writer *fw, ts_out_file *f);

/** Creates `dir` now, even if no file is ever written; false after a failure. */
bool ts_file_writer_ensure_dir(ts_file_writer *fw);

/** Writes every buffered byte, waits for the threads to finish and stops
 *  them. Files not committed are removed. Returns false with `error` set to
 *  the first failure. Only ts_file_writer_free() may follow. */
bool ts_file_writer_finish(ts_file_writer *fw, GError **error);

/** Stops the threads if still running, removes every file not committed and
 *  frees the writer. NULL is allowed. */
void ts_file_writer_free(ts_file_writer *fw);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ts_file_writer, ts_file_writer_free)

G_END_DECLS

#endif

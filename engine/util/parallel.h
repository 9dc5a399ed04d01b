/*
 * parallel.h — runs N numbered jobs on worker threads and hands each job's
 * result back in job order, as soon as it and every job before it are done:
 * what `extract -j` and `verify -j` need so that their messages come out as
 * if the jobs had run one after another.
 */
#ifndef TS_PARALLEL_H
#define TS_PARALLEL_H

#include <glib.h>
#include <stdbool.h>

G_BEGIN_DECLS

/** Runs job `index` (0-based), appending everything it wants printed to
 *  `msgs` (owned by the runner). Called from a worker thread; returns false
 *  when the job failed. */
typedef bool (*ts_job_run_fn)(void *ctx, unsigned index, GString *msgs);

/** Receives job `index`'s messages and result, in job order, in the thread
 *  that called ts_run_ordered(). `msgs` is borrowed for the call. */
typedef void (*ts_job_done_fn)(void *ctx, unsigned index, const char *msgs, bool ok);

/** Runs jobs 0..n-1 on `workers` threads (in the calling thread when
 *  `workers` <= 1 or no thread can be started), calling `done` for each job in
 *  order as soon as it and all earlier jobs are finished. Worker threads start
 *  with the atomic-file cleanup signals blocked, so those signals are handled
 *  by the calling thread. Returns true when every job returned true. */
bool ts_run_ordered(unsigned n, unsigned workers, ts_job_run_fn run, ts_job_done_fn done,
                    void *ctx);

/** Worker threads for `items` jobs: `jobs` when > 0, else the usable CPUs;
 *  never more than `items`, at least 1. */
unsigned ts_worker_count(int jobs, unsigned items);

G_END_DECLS

#endif /* TS_PARALLEL_H */

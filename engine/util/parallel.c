/*
 * parallel.c — ts_run_ordered(): worker threads take jobs in index order; the
 * calling thread waits for each job in turn and hands its messages on.
 */
#include "parallel.h"

#include "atomic_file.h"

#include <pthread.h>
#include <signal.h>

/* One job's outcome, written by its worker under pool.lock. */
typedef struct {
    GString *msgs;
    bool ok;
    bool done;
} job_slot;

/* What the workers share with the calling thread. */
typedef struct {
    ts_job_run_fn run;
    void *ctx;
    job_slot *slots;
    unsigned total;
    GMutex lock;
    unsigned next;  /* first job no worker has taken, under lock */
    GCond finished; /* signalled when a job is done */
} job_pool;

/* Runs job `i` of `pool` and marks it done. */
static void
run_job(job_pool *pool, unsigned i)
{
    job_slot *slot = &pool->slots[i];
    bool ok = pool->run(pool->ctx, i, slot->msgs);
    g_mutex_lock(&pool->lock);
    slot->ok = ok;
    slot->done = true;
    g_cond_broadcast(&pool->finished);
    g_mutex_unlock(&pool->lock);
}

/* A worker thread: takes the next job until none is left. `data` is the
 * pool, owned by ts_run_ordered(). */
static gpointer
worker_main(gpointer data)
{
    job_pool *pool = data;
    for (;;) {
        g_mutex_lock(&pool->lock);
        unsigned i = pool->next++;
        g_mutex_unlock(&pool->lock);
        if (i >= pool->total)
            return NULL;
        run_job(pool, i);
    }
}

/* Starts up to `workers` threads on `pool` into `threads`; returns how many
 * started (0: the caller runs the jobs itself). */
static unsigned
start_workers(job_pool *pool, GThread **threads, unsigned workers)
{
    if (workers <= 1)
        return 0;
    sigset_t old;
    ts_atomic_block_cleanup_signals(&old);
    unsigned started = 0;
    for (; started < workers; started++) {
        threads[started] = g_thread_try_new("worker", worker_main, pool, NULL);
        if (threads[started] == NULL)
            break; /* the ones started do all the jobs */
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return started;
}

bool
ts_run_ordered(unsigned n, unsigned workers, ts_job_run_fn run, ts_job_done_fn done, void *ctx)
{
    job_pool pool = {.run = run, .ctx = ctx, .total = n};
    pool.slots = g_new0(job_slot, n > 0 ? n : 1);
    for (unsigned i = 0; i < n; i++)
        pool.slots[i].msgs = g_string_new(NULL);
    g_mutex_init(&pool.lock);
    g_cond_init(&pool.finished);
    g_autofree GThread **threads = g_new0(GThread *, workers > 0 ? workers : 1);
    unsigned started = start_workers(&pool, threads, workers);
    bool ok = true;
    for (unsigned i = 0; i < n; i++) {
        job_slot *slot = &pool.slots[i];
        if (started == 0) {
            run_job(&pool, i);
        } else {
            g_mutex_lock(&pool.lock);
            while (!slot->done)
                g_cond_wait(&pool.finished, &pool.lock);
            g_mutex_unlock(&pool.lock);
        }
        if (done != NULL)
            done(ctx, i, slot->msgs->str, slot->ok);
        ok = ok && slot->ok;
    }
    for (unsigned i = 0; i < started; i++)
        g_thread_join(threads[i]);
    for (unsigned i = 0; i < n; i++)
        g_string_free(pool.slots[i].msgs, TRUE);
    g_free(pool.slots);
    g_mutex_clear(&pool.lock);
    g_cond_clear(&pool.finished);
    return ok;
}

unsigned
ts_worker_count(int jobs, unsigned items)
{
    unsigned n = jobs > 0 ? (unsigned)jobs : g_get_num_processors();
    if (n > items)
        n = items;
    return n > 0 ? n : 1;
}

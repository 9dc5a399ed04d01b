/*
 * original_verify.c — verification and timing for the original command
 * line, through the verifier (verify/).
 *
 * PENDING: the verifier's C API (issue 4) has not landed yet; until it does,
 * every capture is logged as not verified.
 */
#include "original_verify.h"

#include <stdarg.h>

void
ts_original_log(FILE *log, const char *fmt, ...)
{
    if (log == NULL)
        return;
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autofree char *stamp = g_date_time_format(now, "%Y-%m-%d %H:%M:%S");
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    fprintf(log, "%s INFO     %s\n", stamp, msg);
    fflush(log);
}

void
ts_original_verify(const char *capture, ts_verify_tool tool, const char *flow_dir, FILE *log,
                   ts_original_verdicts *v)
{
    (void)flow_dir;
    ts_original_log(log, "%s: not verified against %s (verifier not available)", capture,
                    tool == TS_VERIFY_TSHARK ? "tshark" : "tcpflow");
    v->unverified++;
}

bool
ts_original_performance(const char *const *captures, size_t n, int runs, ts_original_run_fn ours,
                        void *user, FILE *log, bool quiet)
{
    (void)quiet;
    gint64 t0 = g_get_monotonic_time();
    bool ok = true;
    for (int r = 0; r < runs; r++)
        for (size_t i = 0; i < n; i++)
            ok = ours(captures[i], user) && ok;
    double secs = (double)(g_get_monotonic_time() - t0) / 1e6;
    ts_original_log(
        log, "Total time taken by tcpsession for %d iterations is %.6f, per iteration time is %.6f",
        runs, secs, secs / runs);
    return ok;
}

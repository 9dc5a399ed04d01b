/*
 * original_verify.c — verification and timing for the original command
 * line, through the verifier library (verify/verify.h): every session of the
 * captures is verified against one tool, its log lines and summary table
 * copied into the original's log and the verdicts counted from the typed
 * results; tcpflow's own files for the OUTDIR/tcpflow layout; -k timings.
 */
#include "original_verify.h"

#include "verify/verify.h"

#include <stdarg.h>
#include <string.h>

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

static vf_tool
verifier_tool(ts_verify_tool tool)
{
    return tool == TS_VERIFY_TSHARK ? VF_TOOL_TSHARK : VF_TOOL_TCPFLOW;
}

bool
ts_original_tool_available(ts_verify_tool tool)
{
    g_autofree char *why = NULL;
    return vf_tool_probe(verifier_tool(tool), &why);
}

bool
ts_original_tcpflow_files(const char *capture, const char *dir, FILE *log)
{
    g_autoptr(GError) error = NULL;
    if (vf_tcpflow_write_files(capture, dir, &error))
        return true;
    ts_original_log(log, "tcpflow could not process %s: %s", capture, error->message);
    return false;
}

/* A verifier run against `tool` alone over the captures; its probe notes go
 * to stderr. NULL when the tool cannot run. */
static vf_run *
start_run(const char *const *captures, size_t n, vf_tool tool)
{
    vf_config cfg;
    vf_config_init(&cfg);
    cfg.want[VF_TOOL_TSHARK] = tool == VF_TOOL_TSHARK;
    cfg.want[VF_TOOL_TCPFLOW] = tool == VF_TOOL_TCPFLOW;
    vf_run *run = vf_run_new(&cfg);
    fputs(vf_run_notes(run), stderr);
    if (!vf_run_has_tools(run)) {
        vf_run_free(run);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        vf_run_add_capture(run, captures[i]);
    return run;
}

/* Copies each capture's lines into the log as the verifier's --log file
 * has them, counts the verdicts and keeps the unexplained lines (which the
 * verifier also prints before its summary table). */
typedef struct {
    FILE *log;
    ts_original_verdicts *v;
    GString *unexplained;
} log_copy;

static void
copy_capture(void *user, const vf_capture_result *res)
{
    log_copy *lc = user;
    fputs(res->notes, stderr);
    g_autoptr(GString) line = g_string_new(NULL);
    for (size_t k = 0; k < res->n_results; k++) {
        const vf_result *r = res->results[k];
        lc->v->same += r->verdict == VF_SAME;
        lc->v->explained += r->verdict == VF_EXPLAINED;
        lc->v->unexplained += r->verdict == VF_UNEXPLAINED;
        g_string_truncate(line, 0);
        vf_format_result(line, res->path, r);
        g_string_append_c(line, '\n');
        if (lc->log != NULL)
            fputs(line->str, lc->log);
        if (r->verdict == VF_UNEXPLAINED)
            g_string_append(lc->unexplained, line->str);
    }
}

void
ts_original_verify(const char *const *captures, size_t n, ts_verify_tool tool, FILE *log,
                   ts_original_verdicts *v)
{
    vf_tool vt = verifier_tool(tool);
    const char *name = vf_tool_name(vt);
    ts_original_log(log, "Going to verify the results against %s", name);
    g_autoptr(vf_run) run = start_run(captures, n, vt);
    if (run == NULL) {
        ts_original_log(log, "Couldn't verify against %s: it is not installed or failed", name);
        v->unverified += n;
        return;
    }
    g_autoptr(GString) unexplained = g_string_new(NULL);
    log_copy lc = {log, v, unexplained};
    vf_run_verify(run, copy_capture, &lc);
    if (log != NULL) {
        fputs(unexplained->str, log);
        g_autoptr(GString) summary = g_string_new(NULL);
        vf_run_format_summary(summary, run);
        fputs(summary->str, log);
        fflush(log);
    }
}

/* Prints a capture's messages only (the timed runs log nothing). */
static void
notes_only(void *user, const vf_capture_result *res)
{
    (void)user;
    fputs(res->notes, stderr);
}

/* Time of `runs` verifications against `tool` over the captures; *ok false
 * when the tool cannot run. */
static double
time_verify(const char *const *captures, size_t n, int runs, vf_tool tool, bool *ok)
{
    gint64 t0 = g_get_monotonic_time();
    for (int r = 0; r < runs; r++) {
        g_autoptr(vf_run) run = start_run(captures, n, tool);
        if (run == NULL)
            *ok = false;
        else
            vf_run_verify(run, notes_only, NULL);
    }
    return (double)(g_get_monotonic_time() - t0) / 1e6;
}

bool
ts_original_performance(const char *const *captures, size_t n, int runs, ts_original_run_fn ours,
                        void *user, FILE *log, bool quiet)
{
    bool ok = true;
    gint64 t0 = g_get_monotonic_time();
    for (int r = 0; r < runs; r++)
        for (size_t i = 0; i < n; i++)
            ok = ours(captures[i], user) && ok;
    double t_ours = (double)(g_get_monotonic_time() - t0) / 1e6;
    bool tshark_ok = true, tcpflow_ok = true;
    double t_tshark = time_verify(captures, n, runs, VF_TOOL_TSHARK, &tshark_ok);
    double t_tcpflow = time_verify(captures, n, runs, VF_TOOL_TCPFLOW, &tcpflow_ok);
    const struct {
        const char *what;
        double secs;
        bool ok;
    } rows[] = {
        {"tcpsession", t_ours, true},
        {"verification against tshark", t_tshark, tshark_ok},
        {"verification against tcpflow", t_tcpflow, tcpflow_ok},
    };
    g_autoptr(GString) text = g_string_new(NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        if (!rows[i].ok) {
            ts_original_log(log, "Could not time %s (tool not installed)", rows[i].what);
            continue;
        }
        ts_original_log(log,
                        "Total time taken by %s for %d iterations is %.6f, per iteration time "
                        "is %.6f",
                        rows[i].what, runs, rows[i].secs, rows[i].secs / runs);
        g_string_append_printf(text, "%s%s %.3fs", text->len ? ", " : "", rows[i].what,
                               rows[i].secs / runs);
    }
    if (tshark_ok && tcpflow_ok && t_tcpflow > 0)
        ts_original_log(log,
                        "Time taken by verification against tshark is %.6f times of "
                        "verification against tcpflow.",
                        t_tshark / t_tcpflow);
    if (tshark_ok && t_ours > 0)
        ts_original_log(log,
                        "Time taken by verification against tshark is %.6f times of tcpsession.",
                        t_tshark / t_ours);
    if (tcpflow_ok && t_ours > 0)
        ts_original_log(log,
                        "Time taken by verification against tcpflow is %.6f times of tcpsession.",
                        t_tcpflow / t_ours);
    if (!quiet)
        fprintf(stderr, "tcpsession: per run: %s (log: tcpsessions_from_pcap.log)\n", text->str);
    return ok;
}

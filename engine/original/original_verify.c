/*
 * original_verify.c — verification and timing for the original command
 * line, through the verifier (verify/): `tcpsession verify` is run in-process
 * with its log written to a temporary file and its standard output (the
 * summary table) captured, and both are copied into the original's log;
 * tcpflow's own files for the OUTDIR/tcpflow layout are made with the
 * verifier's tool runner.
 */
#include "original_verify.h"

#include "verify/verify.h"
#include "cli/cli.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

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

bool
ts_original_tool_available(ts_verify_tool tool)
{
    g_autofree char *why = NULL;
    return vf_tool_probe(tool == TS_VERIFY_TSHARK ? VF_TOOL_TSHARK : VF_TOOL_TCPFLOW, &why);
}

static void
ignore_line(void *user, const char *line, size_t len)
{
    (void)user;
    (void)line;
    (void)len;
}

bool
ts_original_tcpflow_files(const char *capture, const char *dir, FILE *log)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *tmp = vf_make_temp_dir(&error);
    g_autofree char *input = tmp != NULL ? vf_uncompressed_copy(capture, tmp, &error) : NULL;
    bool ok = input != NULL && g_mkdir_with_parents(dir, 0777) == 0;
    if (ok) {
        g_autofree char *report = g_build_filename(tmp, "report.xml", NULL);
        const char *argv[] = {
            vf_tool_program(VF_TOOL_TCPFLOW), "-r", input, "-o", dir, "-X", report, NULL};
        ok = vf_run_lines(argv, ignore_line, NULL, &error);
    }
    if (!ok)
        ts_original_log(log, "tcpflow could not process %s: %s", capture,
                        error != NULL ? error->message : g_strerror(errno));
    if (tmp != NULL)
        vf_rmtree(tmp);
    return ok;
}

/* Runs `tcpsession verify ARGS` in this process; its standard output goes to
 * `captured` (when not NULL). Returns its exit status. */
static int
run_verify(GPtrArray *args, GString *captured)
{
    int argc = (int)args->len;
    g_ptr_array_add(args, NULL);
    fflush(stdout);
    g_autofree char *tmp_name = NULL;
    int fd = g_file_open_tmp("tcpsession-verify-XXXXXX", &tmp_name, NULL);
    int saved = fd >= 0 ? dup(STDOUT_FILENO) : -1;
    if (saved >= 0)
        dup2(fd, STDOUT_FILENO);
    int status = ts_cmd_verify(argc, (char **)args->pdata);
    fflush(stdout);
    if (saved >= 0) {
        dup2(saved, STDOUT_FILENO);
        close(saved);
    }
    if (fd >= 0) {
        close(fd);
        g_autofree char *text = NULL;
        if (captured != NULL && g_file_get_contents(tmp_name, &text, NULL, NULL))
            g_string_append(captured, text);
        g_unlink(tmp_name);
    }
    g_ptr_array_set_size(args, (guint)argc);
    return status;
}

void
ts_original_verify(const char *const *captures, size_t n, ts_verify_tool tool, FILE *log,
                   ts_original_verdicts *v)
{
    const char *name = tool == TS_VERIFY_TSHARK ? "tshark" : "tcpflow";
    g_autoptr(GError) error = NULL;
    g_autofree char *tmp = vf_make_temp_dir(&error);
    if (tmp == NULL) {
        ts_original_log(log, "Could not verify against %s: %s", name, error->message);
        v->unverified += n;
        return;
    }
    g_autofree char *lines_path = g_build_filename(tmp, "verify.log", NULL);
    g_autoptr(GPtrArray) args = g_ptr_array_new();
    g_ptr_array_add(args, (char *)"verify");
    g_ptr_array_add(args, (char *)"--against");
    g_ptr_array_add(args, (char *)name);
    g_ptr_array_add(args, (char *)"--log");
    g_ptr_array_add(args, lines_path);
    for (size_t i = 0; i < n; i++)
        g_ptr_array_add(args, (char *)captures[i]);
    ts_original_log(log, "Going to verify the results against %s", name);
    g_autoptr(GString) summary = g_string_new(NULL);
    int status = run_verify(args, summary);

    g_autofree char *lines = NULL;
    if (status == 3 || !g_file_get_contents(lines_path, &lines, NULL, NULL)) {
        ts_original_log(log, "Couldn't verify against %s: it is not installed or failed", name);
        v->unverified += n;
    } else {
        /* one line per session and direction: "same ..." or "wrong ..." */
        for (char *line = lines, *next; line != NULL && *line != '\0'; line = next) {
            next = strchr(line, '\n');
            if (next != NULL)
                *next++ = '\0';
            if (g_str_has_prefix(line, "same "))
                v->same++;
            else if (g_str_has_prefix(line, "wrong ") && strstr(line, " unexplained") != NULL)
                v->unexplained++;
            else if (g_str_has_prefix(line, "wrong "))
                v->explained++;
            if (log != NULL)
                fprintf(log, "%s\n", line);
        }
        if (log != NULL && summary->len > 0)
            fputs(summary->str, log);
        if (log != NULL)
            fflush(log);
    }
    vf_rmtree(tmp);
}

/* Time of `runs` runs of `tcpsession verify --against TOOL` over the captures. */
static double
time_verify(const char *const *captures, size_t n, int runs, const char *tool, bool *ok)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *tmp = vf_make_temp_dir(&error);
    if (tmp == NULL) {
        *ok = false;
        return 0;
    }
    g_autofree char *lines_path = g_build_filename(tmp, "verify.log", NULL);
    g_autoptr(GPtrArray) args = g_ptr_array_new();
    const char *fixed[] = {"verify", "--against", tool, "--log", lines_path, "--quiet"};
    for (size_t i = 0; i < G_N_ELEMENTS(fixed); i++)
        g_ptr_array_add(args, (char *)fixed[i]);
    for (size_t i = 0; i < n; i++)
        g_ptr_array_add(args, (char *)captures[i]);
    gint64 t0 = g_get_monotonic_time();
    for (int r = 0; r < runs; r++)
        if (run_verify(args, NULL) == 3)
            *ok = false;
    double secs = (double)(g_get_monotonic_time() - t0) / 1e6;
    vf_rmtree(tmp);
    return secs;
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
    double t_tshark = time_verify(captures, n, runs, "tshark", &tshark_ok);
    double t_tcpflow = time_verify(captures, n, runs, "tcpflow", &tcpflow_ok);
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

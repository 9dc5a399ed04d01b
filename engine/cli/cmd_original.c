/*
 * cmd_original.c — the original tcpsession's command line
 * (tcpsessions_from_pcap.py), option for option, minus its bugs:
 *
 *   tcpsession [original] (-p PCAP | -i DIR [-r]) [-o OUTDIR] [-c [-t PREFIX]]
 *                         [-n] [-w | -k N] [-q]
 *
 * Per capture (OUTDIR defaults to the current folder; RELDIR is the
 * capture's folder relative to DIR, empty for -p and for DIR itself):
 *
 *   OUTDIR/tcpsession/RELDIR/STEM/NAME.json    the session files (the
 *                                              original's format, out_legacy.c)
 *   OUTDIR/js_extraction/RELDIR/STEM/NAME.js   JavaScript (unless -n)
 *   OUTDIR/tcpflow/RELDIR/STEM/...             tcpflow's files (verification)
 *
 * After the last capture, every session is verified against tcpflow's files
 * (or, with -w, against tshark's Follow TCP Stream) by one run of the
 * verifier (`tcpsession verify`): its lines ("same ..." per session, "wrong
 * ... explained: ..." per differing direction) and summary table go to
 * ./tcpsessions_from_pcap.log after the per-capture lines. -k N times N runs
 * of ours and of both verifications and logs the ratios. -c archives the JSON (and JS)
 * folders as the original did: one tar per capture next to its folder, then
 * OUTDIR/PREFIX-session-JSON.tar.gz (and PREFIX-JS.tar.gz) holding them.
 *
 * Differences from the original, on purpose: -t takes its PREFIX (the
 * original's -t was a flag), -r works without -o, a missing -o folder is
 * created instead of silently writing to the current folder, tcpflow writes
 * each capture into its own folder (the original mixed the captures of a
 * folder), inputs may be .pcap, .pcapng, .cap and their .gz forms, bad input
 * gives a non-zero exit status, and a capture is never skipped because an
 * older archive exists.
 */
#include "cli.h"
#include "original/original_verify.h"
#include "formats/formats.h"

#include "util/atomic_file.h"
#include "util/out_dir.h"
#include "util/probe.h"
#include "util/tally.h"
#include "util/tar_gz.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LOG_NAME "tcpsessions_from_pcap.log"

typedef struct {
    char *path;   /* as given or found */
    char *reldir; /* "" or "a/b" (sanitised components) */
    char *stem;
} capture_item;

typedef struct {
    char *outdir;
    bool js, tar, recursive, quiet;
    char *prefix;
    bool wireshark;
    int perf_runs;
    bool tcpflow_available;
    FILE *log;
    ts_progress *progress;
    /* totals */
    uint64_t captures, failed, sessions, bytes, anomalies, js_files;
    ts_original_verdicts verdicts;
    GPtrArray *json_tars, *js_tars; /* paths of the per-capture archives */
} original_run;

static const char *const original_options[] = {
    "-p",
    "-i",
    "-o",
    "-r",
    "-c",
    "-t",
    "-n",
    "-w",
    "-k",
    "--pcap",
    "--input-dir",
    "--output-dir",
    "--recursive",
    "--create-tar",
    "--tar-output-prefix",
    "--no-js-extraction",
    "--wireshark-verification",
    "--performance-comparison",
};

bool
ts_is_original_option(const char *arg)
{
    for (size_t i = 0; i < G_N_ELEMENTS(original_options); i++) {
        size_t n = strlen(original_options[i]);
        if (strncmp(arg, original_options[i], n) == 0 &&
            (arg[n] == '\0' || arg[n] == '=' || (n == 2 && arg[1] != '-')))
            return true;
    }
    return false;
}

static void
capture_item_free(gpointer p)
{
    capture_item *c = p;
    g_free(c->path);
    g_free(c->reldir);
    g_free(c->stem);
    g_free(c);
}

static capture_item *
item_new(const char *path, const char *reldir)
{
    capture_item *c = g_new0(capture_item, 1);
    c->path = g_strdup(path);
    c->reldir = g_strdup(reldir);
    g_autofree char *stem = ts_cli_capture_stem(path);
    c->stem = ts_path_component(stem);
    return c;
}

static gint
compare_items(gconstpointer a, gconstpointer b)
{
    const capture_item *x = *(capture_item *const *)a, *y = *(capture_item *const *)b;
    int c = strcmp(x->reldir, y->reldir);
    return c != 0 ? c : strcmp(x->path, y->path);
}

/* Adds the captures of `dir` (RELDIR `reldir`), recursing when asked. */
static void
collect(const char *dir, const char *reldir, bool recursive, GPtrArray *items, int depth)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;
    while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
            if (!recursive || depth > 64 || g_file_test(path, G_FILE_TEST_IS_SYMLINK))
                continue;
            g_autofree char *part = ts_path_component(name);
            g_autofree char *sub =
                reldir[0] != '\0' ? g_strconcat(reldir, "/", part, NULL) : g_strdup(part);
            collect(path, sub, recursive, items, depth + 1);
        } else if (g_file_test(path, G_FILE_TEST_IS_REGULAR) && ts_probe_capture_name(name)) {
            g_ptr_array_add(items, item_new(path, reldir));
        }
    }
}

/* OUTDIR/KIND/RELDIR[/STEM], always inside OUTDIR. */
static char *
out_path(const original_run *run, const char *kind, const capture_item *c, bool with_stem)
{
    g_autoptr(GString) rel = g_string_new(kind);
    if (c->reldir[0] != '\0')
        g_string_append_printf(rel, "/%s", c->reldir);
    if (with_stem)
        g_string_append_printf(rel, "/%s", c->stem);
    g_autoptr(GError) error = NULL;
    char *path = ts_path_join_inside(run->outdir, rel->str, &error);
    g_assert(path != NULL); /* components are sanitised */
    return path;
}

/* Removes the .json files an earlier run left in a capture's folder (the
 * original emptied the folder). */
static void
clear_old_files(const char *dir, const char *suffix)
{
    g_auto(GStrv) files = ts_dir_files(dir);
    for (char **f = files; *f != NULL; f++) {
        if (g_str_has_suffix(*f, suffix)) {
            g_autofree char *path = g_build_filename(dir, *f, NULL);
            g_unlink(path);
        }
    }
}

typedef struct {
    ts_legacy_writer *legacy;
    original_run *run;
    ts_tally tally; /* the capture's finished sessions */
} capture_run_state;

static void
cb_frame(void *user, const ts_frame *f, uint64_t number)
{
    capture_run_state *st = user;
    ts_legacy_writer_frame(st->legacy, f, number);
}

static void
cb_segment(void *user, const ts_segment *seg)
{
    capture_run_state *st = user;
    ts_legacy_writer_segment(st->legacy, seg);
}

static void
cb_progress(void *user, uint64_t bytes, uint64_t frames)
{
    capture_run_state *st = user;
    ts_progress_update(st->run->progress, bytes, frames, st->tally.sessions);
}

static void
cb_data(void *user, ts_session *s, const ts_delivery *d)
{
    capture_run_state *st = user;
    ts_legacy_writer_data(st->legacy, s, d);
}

static void
cb_gap(void *user, ts_session *s, const ts_gap *gap)
{
    capture_run_state *st = user;
    ts_legacy_writer_gap(st->legacy, s, gap);
}

static void
cb_packet(void *user, ts_session *s, const ts_packet *p)
{
    capture_run_state *st = user;
    ts_legacy_writer_packet(st->legacy, s, p);
}

static void
cb_done(void *user, ts_session *s)
{
    capture_run_state *st = user;
    ts_tally_add(&st->tally, s);
    ts_legacy_writer_done(st->legacy, s);
}

/* Writes one capture's JSON (and JS) files; false after printing an error. */
static bool
original_extract(original_run *run, const capture_item *c, const char *json_dir, const char *js_dir,
                 unsigned index, unsigned total)
{
    capture_run_state st = {.run = run};
    st.legacy = ts_legacy_writer_new(json_dir, js_dir);
    ts_options opts;
    ts_options_init(&opts);
    opts.keep_payload = true;
    ts_callbacks cb = {.data = cb_data,
                       .gap = cb_gap,
                       .packet = cb_packet,
                       .session_done = cb_done,
                       .frame = cb_frame,
                       .segment = cb_segment,
                       .progress = run->progress != NULL ? cb_progress : NULL};
    ts_progress_start(run->progress, c->path, index, total);
    ts_engine *engine = ts_engine_new(&opts, &cb, &st);
    g_autoptr(GError) error = NULL;
    bool ok = ts_engine_run_file(engine, c->path, &error);
    ts_progress_end(run->progress, index);
    ts_cli_print_warnings(engine, NULL, NULL); /* the reader's warning first */
    ts_engine_free(engine);
    g_autoptr(GError) write_error = NULL;
    bool written = ts_legacy_writer_finish(st.legacy, true, &write_error);
    run->js_files += ts_legacy_writer_js_files(st.legacy);
    ts_legacy_writer_free(st.legacy);
    run->sessions += st.tally.sessions;
    run->bytes += st.tally.bytes;
    run->anomalies += st.tally.anomalies;
    if (!ok) {
        fprintf(stderr, "tcpsession: %s\n", error->message);
        ts_original_log(run->log, "Could not read %s completely: %s", c->path, error->message);
    }
    if (!written)
        fprintf(stderr, "tcpsession: %s\n", write_error->message);
    ts_original_log(run->log, "%s: %" PRIu64 " sessions written to %s", c->path, st.tally.sessions,
                    json_dir);
    return ok && written;
}

/* -k: one run of ours over a capture, writing into a private folder. */
static bool
time_ours(const char *capture, void *user)
{
    original_run *run = user;
    g_autoptr(GError) error = NULL;
    g_autofree char *tmp = g_dir_make_tmp("tcpsession-k-XXXXXX", &error);
    if (tmp == NULL)
        return false;
    capture_item c = {(char *)capture, (char *)"", (char *)"capture"};
    ts_progress *progress = run->progress;
    FILE *log = run->log;
    run->progress = NULL;
    run->log = NULL;
    bool ok = original_extract(run, &c, tmp, NULL, 1, 1);
    run->progress = progress;
    run->log = log;
    g_auto(GStrv) files = ts_dir_files(tmp);
    for (char **f = files; *f != NULL; f++) {
        g_autofree char *path = g_build_filename(tmp, *f, NULL);
        g_unlink(path);
    }
    g_rmdir(tmp);
    return ok;
}

/* Archives the files of `dir` into `archive` (the original's per-capture tar). */
static bool
tar_folder(const char *dir, const char *archive)
{
    g_auto(GStrv) names = ts_dir_files(dir);
    guint n = g_strv_length(names);
    g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < n; i++)
        g_ptr_array_add(paths, g_build_filename(dir, names[i], NULL));
    g_autoptr(GError) error = NULL;
    if (!ts_tar_gz_write(archive, (const char *const *)paths->pdata, (const char *const *)names, n,
                         &error)) {
        fprintf(stderr, "tcpsession: %s\n", error->message);
        return false;
    }
    return true;
}

/* The per-capture archive name: the original's, with a separator between
 * RELDIR and STEM in the JS one (the original glued them together). */
static char *
tar_name(const capture_item *c, const char *suffix, bool json)
{
    g_autofree char *flat = g_strdelimit(g_strdup(c->reldir), "/", '_');
    if (json || flat[0] != '\0')
        return g_strdup_printf("%s_%s%s", flat, c->stem, suffix);
    return g_strdup_printf("%s%s", c->stem, suffix);
}

/* False with `error` when folder `dir` (NULL: none) would be reached through
 * a symbolic link beneath the output folder; a missing folder is fine. */
static bool
no_link_on_way(const char *dir, GError **error)
{
    GError *failure = NULL;
    int fd = dir != NULL ? ts_out_dir_open(dir, false, &failure) : -1;
    if (fd >= 0)
        close(fd);
    if (failure != NULL && g_error_matches(failure, G_FILE_ERROR, G_FILE_ERROR_LOOP)) {
        g_propagate_error(error, failure);
        return false;
    }
    g_clear_error(&failure);
    return true;
}

static bool
process_capture(original_run *run, const capture_item *c, unsigned index, unsigned total)
{
    g_autofree char *json_dir = out_path(run, "tcpsession", c, true);
    g_autofree char *js_dir =
        run->js && !run->wireshark ? out_path(run, "js_extraction", c, true) : NULL;
    g_autoptr(GError) dir_error = NULL;
    if (!ts_out_mkdir(json_dir, &dir_error) || !no_link_on_way(js_dir, &dir_error)) {
        fprintf(stderr, "tcpsession: %s\n", dir_error->message);
        return false;
    }
    clear_old_files(json_dir, ".json");
    if (js_dir != NULL)
        clear_old_files(js_dir, ".js");
    ts_original_log(run->log, "Going to work on pcap: %s", c->path);
    bool ok = original_extract(run, c, json_dir, js_dir, index, total);

    if (!run->wireshark && run->tcpflow_available) {
        g_autofree char *flow_dir = out_path(run, "tcpflow", c, true);
        ts_original_tcpflow_files(c->path, flow_dir, run->log);
    }
    ts_original_log(run->log, "Done with pcap: %s", c->path);
    g_autoptr(GString) notices = g_string_new(NULL);
    ts_cli_format_out_notices(notices);
    fputs(notices->str, stderr);

    if (run->tar && !run->wireshark) {
        g_autofree char *parent = out_path(run, "tcpsession", c, false);
        g_autofree char *name = tar_name(c, "-session-JSON.tar", true);
        g_autofree char *archive = g_build_filename(parent, name, NULL);
        ok = tar_folder(json_dir, archive) && ok;
        g_ptr_array_add(run->json_tars, g_steal_pointer(&archive));
        if (js_dir != NULL) {
            g_autofree char *js_parent = out_path(run, "js_extraction", c, false);
            g_autofree char *js_name = tar_name(c, "-JS.tar", false);
            g_autofree char *js_archive = g_build_filename(js_parent, js_name, NULL);
            ok = (ts_out_mkdir(js_dir, NULL) && tar_folder(js_dir, js_archive)) && ok;
            g_ptr_array_add(run->js_tars, g_steal_pointer(&js_archive));
        }
    }
    return ok;
}

/* OUTDIR/PREFIX-session-JSON.tar.gz (and -JS.tar.gz) of the per-capture tars. */
static bool
final_tars(original_run *run)
{
    bool ok = true;
    for (int js = 0; js < 2; js++) {
        GPtrArray *tars = js ? run->js_tars : run->json_tars;
        if (js && !run->js)
            continue;
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        for (guint i = 0; i < tars->len; i++)
            g_ptr_array_add(names, g_path_get_basename(tars->pdata[i]));
        g_autofree char *file =
            g_strdup_printf("%s%s", run->prefix, js ? "-JS.tar.gz" : "-session-JSON.tar.gz");
        g_autofree char *archive = g_build_filename(run->outdir, file, NULL);
        g_autoptr(GError) error = NULL;
        if (!ts_tar_gz_write(archive, (const char *const *)tars->pdata,
                             (const char *const *)names->pdata, tars->len, &error)) {
            fprintf(stderr, "tcpsession: %s\n", error->message);
            ok = false;
        } else {
            ts_original_log(run->log, "Final tar created at %s!", archive);
        }
    }
    return ok;
}

static const char original_description[] =
    "The command line of the original tcpsession's tcpsessions_from_pcap.py:\n"
    "  -p PCAP              one capture\n"
    "  -i DIR               the captures in DIR (.pcap, .pcapng, .cap, and .gz)\n"
    "  -r                   with -i: also in its subfolders\n"
    "  -o OUTDIR            output folder (default: the current folder)\n"
    "  -c                   archive the results (tar.gz)\n"
    "  -t PREFIX            archive name prefix\n"
    "  -n                   no JavaScript extraction\n"
    "  -w                   verify every session against tshark (instead of tcpflow)\n"
    "  -k N                 time N runs of ours, tshark and tcpflow; log the ratios\n"
    "Writes OUTDIR/tcpsession/RELDIR/STEM/*.json, OUTDIR/js_extraction/RELDIR/STEM/*.js\n"
    "and OUTDIR/tcpflow/RELDIR/STEM/; logs the verification of every session to\n"
    "./" LOG_NAME ".\n"
    "\n"
    "Exit status: 0 success, 1 a capture could not be read or written, 2 usage error.";

/* The command line as given. */
typedef struct {
    char *pcap, *input_dir, *outdir, *prefix;
    gboolean recursive, create_tar, no_js, wireshark, quiet;
    int perf_runs;
} original_args;

static void
options_clear(original_args *o)
{
    g_free(o->pcap);
    g_free(o->input_dir);
    g_free(o->outdir);
    g_free(o->prefix);
}

/* Parses the options; false with the exit status in *status (--help, or a
 * usage error printed). */
static bool
parse_options(int argc, char **argv, original_args *o, int *status)
{
    *o = (original_args){0};
    const GOptionEntry entries[] = {
        {"pcap", 'p', 0, G_OPTION_ARG_FILENAME, &o->pcap, "Input capture", "PCAP"},
        {"input-dir", 'i', 0, G_OPTION_ARG_FILENAME, &o->input_dir, "Folder of captures", "DIR"},
        {"output-dir", 'o', 0, G_OPTION_ARG_FILENAME, &o->outdir, "Output folder", "OUTDIR"},
        {"recursive", 'r', 0, G_OPTION_ARG_NONE, &o->recursive, "Search DIR recursively", NULL},
        {"create-tar", 'c', 0, G_OPTION_ARG_NONE, &o->create_tar, "Archive the results", NULL},
        {"tar-output-prefix", 't', 0, G_OPTION_ARG_STRING, &o->prefix, "Archive name prefix",
         "PREFIX"},
        {"no-js-extraction", 'n', 0, G_OPTION_ARG_NONE, &o->no_js, "No JavaScript extraction",
         NULL},
        {"wireshark-verification", 'w', 0, G_OPTION_ARG_NONE, &o->wireshark,
         "Verify against tshark", NULL},
        {"performance-comparison", 'k', 0, G_OPTION_ARG_INT, &o->perf_runs,
         "Time N runs against tshark and tcpflow", "N"},
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet, "No progress line or summary", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_auto(GStrv) rest = NULL;
    *status = TS_EXIT_OK;
    if (!ts_cli_parse("original", "", "Runs the original tcpsession's command line.",
                      original_description, entries, argc, argv, &rest, status))
        return false;
    const char *usage = NULL;
    if (rest[0] != NULL)
        usage = "unexpected argument";
    else if (o->pcap == NULL && o->input_dir == NULL)
        usage = "give a capture (-p PCAP) or a folder of captures (-i DIR)";
    else if (o->wireshark && o->perf_runs != 0)
        usage = "-w and -k cannot be used together";
    else if (o->perf_runs < 0)
        usage = "-k needs a positive number of runs";
    else if (o->prefix != NULL && (strchr(o->prefix, '/') != NULL || o->prefix[0] == '\0'))
        usage = "-t PREFIX must be a plain file name prefix";
    if (usage != NULL) {
        fprintf(stderr, "tcpsession: %s\nTry 'tcpsession original --help' for more information.\n",
                usage);
        *status = TS_EXIT_USAGE;
        return false;
    }
    return true;
}

/* The captures of -i DIR (sorted) or -p PCAP; false after an error. */
static bool
find_captures(const original_args *o, GPtrArray *items)
{
    if (o->input_dir != NULL) {
        if (!g_file_test(o->input_dir, G_FILE_TEST_IS_DIR)) {
            fprintf(stderr, "tcpsession: %s: not a folder\n", o->input_dir);
            return false;
        }
        collect(o->input_dir, "", o->recursive, items, 0);
        g_ptr_array_sort(items, compare_items);
        if (items->len == 0) {
            fprintf(stderr, "tcpsession: %s: no capture found (.pcap, .pcapng, .cap, .gz)\n",
                    o->input_dir);
            return false;
        }
        return true;
    }
    if (!g_file_test(o->pcap, G_FILE_TEST_IS_REGULAR)) {
        fprintf(stderr, "tcpsession: %s: no such file\n", o->pcap);
        return false;
    }
    g_ptr_array_add(items, item_new(o->pcap, ""));
    return true;
}

/* The run's settings from the options (run->outdir owned by the run). */
static void
run_init(original_run *run, const original_args *o)
{
    *run = (original_run){
        .outdir = o->outdir != NULL ? g_strdup(o->outdir) : g_get_current_dir(),
        .js = !o->no_js,
        .tar = o->create_tar,
        .recursive = o->recursive,
        .quiet = o->quiet,
        .prefix = o->prefix != NULL      ? o->prefix
                  : o->input_dir != NULL ? (char *)"extracted-session-data-"
                                         : (char *)"extracted-",
        .wireshark = o->wireshark,
        .perf_runs = o->perf_runs,
        .json_tars = g_ptr_array_new_with_free_func(g_free),
        .js_tars = g_ptr_array_new_with_free_func(g_free),
    };
}

static void
run_clear(original_run *run)
{
    ts_progress_free(run->progress);
    if (run->log != NULL)
        fclose(run->log);
    g_ptr_array_unref(run->json_tars);
    g_ptr_array_unref(run->js_tars);
    g_free(run->outdir);
}

/* -k N: the timings of ours and of both verifications. */
static int
run_performance(original_run *run, GPtrArray *items)
{
    g_autoptr(GPtrArray) paths = g_ptr_array_new();
    for (guint i = 0; i < items->len; i++)
        g_ptr_array_add(paths, ((capture_item *)items->pdata[i])->path);
    return ts_original_performance((const char *const *)paths->pdata, paths->len, run->perf_runs,
                                   time_ours, run, run->log, run->quiet)
               ? TS_EXIT_OK
               : TS_EXIT_FAILURE;
}

/* Every session of the captures verified by one run of the verifier. */
static void
verify_all(original_run *run, GPtrArray *done)
{
    g_autofree char *what = g_strdup_printf("verifying %u captures against %s...", done->len,
                                            run->wireshark ? "tshark" : "tcpflow");
    ts_progress_message(run->progress, what);
    ts_original_verify((const char *const *)done->pdata, done->len,
                       run->wireshark ? TS_VERIFY_TSHARK : TS_VERIFY_TCPFLOW, run->log,
                       &run->verdicts);
    ts_progress_clear(run->progress);
}

/* The summary line: logged, and on stderr unless -q. */
static void
print_summary(const original_run *run, gint64 started)
{
    double secs = (double)(g_get_monotonic_time() - started) / 1e6;
    g_autofree char *summary = g_strdup_printf(
        "%" PRIu64 " captures (%" PRIu64 " failed), %" PRIu64 " sessions, %" PRIu64
        " bytes delivered, %" PRIu64 " anomalies, %" PRIu64 " JavaScript files; "
        "against %s: %" PRIu64 " sessions same, %" PRIu64 " differences explained, %" PRIu64
        " unexplained, %" PRIu64 " captures not verified; %.3fs",
        run->captures, run->failed, run->sessions, run->bytes, run->anomalies, run->js_files,
        run->wireshark ? "tshark" : "tcpflow", run->verdicts.same, run->verdicts.explained,
        run->verdicts.unexplained, run->verdicts.unverified, secs);
    ts_original_log(run->log, "Summary: %s", summary);
    if (!run->quiet)
        fprintf(stderr, "tcpsession: %s (log: %s)\n", summary, LOG_NAME);
}

/* Every capture written, verified, archived; the exit status. */
static int
run_captures(original_run *run, GPtrArray *items, gint64 started)
{
    int status = TS_EXIT_OK;
    run->tcpflow_available = !run->wireshark && ts_original_tool_available(TS_VERIFY_TCPFLOW);
    g_autoptr(GPtrArray) done = g_ptr_array_new();
    for (guint i = 0; i < items->len; i++) {
        capture_item *c = items->pdata[i];
        run->captures++;
        if (!process_capture(run, c, i + 1, items->len)) {
            run->failed++;
            status = TS_EXIT_FAILURE;
        }
        g_ptr_array_add(done, c->path);
    }
    verify_all(run, done);
    if (run->tar && !run->wireshark && !final_tars(run))
        status = TS_EXIT_FAILURE;
    print_summary(run, started);
    return status;
}

int
ts_cmd_original(int argc, char **argv)
{
    original_args o;
    int status;
    if (!parse_options(argc, argv, &o, &status)) {
        options_clear(&o);
        return status;
    }
    g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func(capture_item_free);
    if (!find_captures(&o, items)) {
        options_clear(&o);
        return TS_EXIT_FAILURE;
    }
    original_run run;
    run_init(&run, &o);
    ts_out_root_add(run.outdir); /* the user's folder: no link is followed beneath it */
    if (g_mkdir_with_parents(run.outdir, 0777) != 0) {
        fprintf(stderr, "tcpsession: %s: %s\n", run.outdir, g_strerror(errno));
        run_clear(&run);
        options_clear(&o);
        return TS_EXIT_FAILURE;
    }
    ts_atomic_install_signal_cleanup();
    run.log = fopen(LOG_NAME, "w");
    if (run.log == NULL)
        fprintf(stderr, "tcpsession: %s: %s (continuing without log)\n", LOG_NAME,
                g_strerror(errno));
    run.progress = ts_progress_new(o.quiet);
    gint64 started = g_get_monotonic_time();
    status = o.perf_runs > 0 ? run_performance(&run, items) : run_captures(&run, items, started);
    run_clear(&run);
    options_clear(&o);
    return status;
}

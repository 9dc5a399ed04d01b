/*
 * cmd_extract.c — `tcpsession extract`: runs one engine per capture and writes
 * its sessions under OUTDIR/<capture-stem>/ as JSON lines, the original
 * tcpsession's JSON files, raw per-session folders, tcpflow-style files or
 * one capture file per session (optionally with the original's JavaScript
 * extraction), then prints a one-line summary per capture. On a terminal a
 * progress line shows how far the current capture is.
 *
 * "-" is standard input (output folder "stdin"); -r extracts the captures
 * under the folders given; --series reads the captures given (or a folder's,
 * sorted by time) as the consecutive parts of one capture into one engine,
 * one output folder and one summary.
 *
 * Several captures are extracted in parallel by a pool of worker threads
 * (-j). Each capture has its own engine, writer and output folder; its
 * messages (warnings, summary, errors) are collected in a buffer and printed
 * in capture order once every earlier capture is done, so the output is the
 * same as a sequential run's.
 *
 * `-o -` writes the JSON lines to standard output: a capture run in the
 * calling thread writes there directly; captures run by worker threads
 * write to an anonymous temporary file each, copied to standard output in
 * capture order. `-i IFACE` captures live instead (live_capture.c), the
 * output under DIR/IFACE/.
 */
#include "cli.h"
#include "formats/format.h"

#include "util/atomic_file.h"
#include "util/out_dir.h"
#include "util/parallel.h"
#include "util/tally.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* " (N IP fragments in N datagrams, N IP datagrams timed out, N truncated,
 * ...)" for the frames that did not reach a session as they were (IP
 * fragments, reassembled or not), or "" when there are none. Caller frees. */
static char *
skipped_frames(const ts_stats *st)
{
    const struct {
        uint64_t count;
        const char *what;
    } kinds[] = {
        {st->ip_fragments, "IP fragments"},
        {st->ip_datagrams_reassembled, "IP datagrams reassembled"},
        {st->ip_datagrams_timed_out, "IP datagrams timed out"},
        {st->ip_datagrams_memory_dropped, "IP datagrams dropped for fragment memory"},
        {st->ip_datagrams_policy_dropped, "IP datagrams dropped by the overlap policy"},
        {st->ip_datagrams_incomplete, "IP datagrams incomplete"},
        {st->ip_fragments_cut, "IP fragments cut by the snap length"},
        {st->truncated, "cut inside a header"},
        {st->malformed, "malformed"},
        {st->unsupported_link, "of an unsupported link type"},
        {st->too_deep, "nested in too many encapsulations"},
        {st->non_packet_frames, "pcapng blocks without a packet"},
        {st->bad_checksums, "with a bad TCP checksum"},
        {st->late_packets, "late for a finished session"},
        {st->frames_not_selected, "not selected by the filter"},
    };
    GString *out = g_string_new(NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++) {
        if (kinds[i].count == 0)
            continue;
        g_string_append_printf(out, "%s%" PRIu64 " %s", out->len ? ", " : " (", kinds[i].count,
                               kinds[i].what);
    }
    if (out->len)
        g_string_append_c(out, ')');
    return g_string_free(out, FALSE);
}
/* --order: the order of the jsonl lines. */
typedef enum {
    ORDER_AUTO,   /* end for live capture and inputs that are not regular files */
    ORDER_STREAM, /* by stream number, written at the end */
    ORDER_END,    /* each session's line as it ends */
} extract_order;

typedef struct {
    const char *outdir;
    const ts_format *format;
    ts_options opts;
    const ts_cli_selection_args *selection; /* texts, checked; one selection per capture */
    bool quiet;
    bool js;
    bool to_stdout;        /* -o -: the lines go to standard output */
    extract_order order;   /* --order */
    int jobs;              /* -j; 0: as many as CPUs usable */
    bool recursive;        /* -r: the captures under the folders given */
    bool series;           /* --series: all the captures are parts of one */
    ts_live_config live;   /* -i: live.iface set */
    ts_progress *progress; /* NULL when not shown */
    uint16_t community_id_seed;
} extract_config;

/* The format and --js's companion: at most two writers per capture. */
enum { MAX_OUTPUTS = 2 };

/* One writer of a capture's run. */
typedef struct {
    const ts_format *format;
    void *writer;
} extract_output;

/* State of one capture's run, handed to the engine callbacks. */
typedef struct {
    extract_output out[MAX_OUTPUTS];
    unsigned n_out;
    unsigned needs; /* TS_FORMAT_NEEDS_* of all outputs */
    ts_tally tally;
    ts_progress *progress;
    unsigned index;    /* of the capture, for the progress line */
    ts_selection *sel; /* --filter, --stream, --since, --until; NULL: all */
} extract_run;

/* Calls op OP of every output of `run` that has it, with the arguments after
 * the writer. */
#define FOR_EACH_OUTPUT(run, op, ...)                                                              \
    do {                                                                                           \
        for (unsigned i_ = 0; i_ < (run)->n_out; i_++) {                                           \
            const extract_output *o_ = &(run)->out[i_];                                            \
            if (o_->format->op != NULL)                                                            \
                o_->format->op(o_->writer, __VA_ARGS__);                                           \
        }                                                                                          \
    } while (0)

static void
on_frame(void *user, const ts_frame *f, uint64_t number)
{
    extract_run *run = user;
    FOR_EACH_OUTPUT(run, frame, f, number);
}

static void
on_segment(void *user, const ts_segment *seg)
{
    extract_run *run = user;
    FOR_EACH_OUTPUT(run, segment, seg);
}

/* ts_callbacks.stream_frame: to the outputs that write each stream's frames. */
static void
on_stream_frame(void *user, uint64_t stream, const ts_frame *f, uint64_t number)
{
    FOR_EACH_OUTPUT((extract_run *)user, stream_frame, stream, f, number);
}

static void
on_progress(void *user, uint64_t bytes, uint64_t frames)
{
    extract_run *run = user;
    ts_progress_update_capture(run->progress, run->index, bytes, frames, run->tally.sessions);
}

static void
on_session_open(void *user, ts_session *s)
{
    FOR_EACH_OUTPUT((extract_run *)user, session_open, s);
}

static void
on_data(void *user, ts_session *s, const ts_delivery *d)
{
    FOR_EACH_OUTPUT((extract_run *)user, data, s, d);
}

static void
on_rewrite(void *user, ts_session *s, const ts_rewrite *r)
{
    FOR_EACH_OUTPUT((extract_run *)user, rewrite, s, r);
}

static void
on_gap(void *user, ts_session *s, const ts_gap *gap)
{
    FOR_EACH_OUTPUT((extract_run *)user, gap, s, gap);
}

static void
on_packet(void *user, ts_session *s, const ts_packet *p)
{
    FOR_EACH_OUTPUT((extract_run *)user, packet, s, p);
}

static bool
on_select_frame(void *user, const ts_frame *f, uint64_t number)
{
    (void)number;
    return ts_selection_frame(((extract_run *)user)->sel, f);
}

static bool
on_select_session(void *user, const ts_session *s)
{
    return ts_selection_session(((extract_run *)user)->sel, s);
}

static void
on_session_done(void *user, ts_session *s)
{
    extract_run *run = user;
    ts_tally_add(&run->tally, s);
    FOR_EACH_OUTPUT(run, session_done, s);
}

/* Opens `format`'s writer as the next output of `run`. */
static bool
add_output(extract_run *run, const ts_format *format, const ts_format_args *args, GError **error)
{
    g_assert(run->n_out < MAX_OUTPUTS);
    void *writer = format->open(args, error);
    if (writer == NULL)
        return false;
    run->out[run->n_out++] = (extract_output){format, writer};
    run->needs |= format->needs;
    return true;
}

/* Opens the writers of one capture's output in `dir` (or to `stream`, -o -):
 * the format's, and with --js the JavaScript extraction unless the format
 * does it itself. */
static bool
open_outputs(const extract_config *cfg, const char *capture, const char *dir, bool end_order,
             FILE *stream, extract_run *run, GError **error)
{
    g_autofree char *js_dir = cfg->js ? g_build_filename(dir, "js", NULL) : NULL;
    const ts_format_args args = {.dir = dir,
                                 .js_dir = js_dir,
                                 .end_order = end_order,
                                 .stream = stream,
                                 .capture = capture,
                                 .community_id_seed = cfg->community_id_seed};
    if (!add_output(run, cfg->format, &args, error))
        return false;
    if (cfg->js && !cfg->format->writes_js)
        return add_output(run, &ts_format_js, &args, error);
    return true;
}

/* Finishes the outputs in order, stopping at the first failure. Sessions
 * delivered before a failure of the capture are written all the same. */
static bool
finish_outputs(extract_run *run, bool create, GError **error)
{
    for (unsigned i = 0; i < run->n_out; i++) {
        if (!run->out[i].format->finish(run->out[i].writer, create, error))
            return false;
    }
    return true;
}

static void
free_outputs(extract_run *run)
{
    for (unsigned i = 0; i < run->n_out; i++)
        run->out[i].format->free(run->out[i].writer);
    run->n_out = 0;
}

/* An engine wired to the outputs of `run` (caller frees). */
static ts_engine *
new_engine(const extract_config *cfg, extract_run *run)
{
    ts_options opts = cfg->opts;
    opts.keep_payload = (run->needs & TS_FORMAT_NEEDS_PAYLOAD) != 0;
    ts_callbacks cb = {
        .session_open = on_session_open,
        .data = (run->needs & TS_FORMAT_NEEDS_DATA) ? on_data : NULL,
        .gap = (run->needs & TS_FORMAT_NEEDS_GAPS) ? on_gap : NULL,
        .packet = (run->needs & TS_FORMAT_NEEDS_PACKETS) ? on_packet : NULL,
        .session_done = on_session_done,
        .frame = (run->needs & TS_FORMAT_NEEDS_FRAMES) ? on_frame : NULL,
        .segment = (run->needs & TS_FORMAT_NEEDS_FRAMES) ? on_segment : NULL,
        .progress = run->progress != NULL ? on_progress : NULL,
        .rewrite = (run->needs & TS_FORMAT_NEEDS_DATA) ? on_rewrite : NULL,
        .stream_frame = (run->needs & TS_FORMAT_NEEDS_STREAM_FRAMES) ? on_stream_frame : NULL,
    };
    ts_cli_selection_wire(run->sel, &cb, on_select_frame, on_select_session);
    return ts_engine_new(&opts, &cb, run);
}

/* Appends the capture's summary line to `msgs`. */
static void
append_summary(GString *msgs, const char *capture, const ts_tally *t, const ts_stats *stats,
               double seconds)
{
    g_autofree char *skipped = skipped_frames(stats);
    g_autofree char *evicted =
        stats->sessions_evicted > 0
            ? g_strdup_printf(" (%" PRIu64 " evicted by --max-session-memory)",
                              stats->sessions_evicted)
            : g_strdup("");
    g_string_append_printf(msgs,
                           "%s: %" PRIu64 " sessions%s, %" PRIu64 " frames%s, %" PRIu64
                           " bytes delivered, "
                           "%" PRIu64 " gaps, %" PRIu64 " anomalies, %.3fs\n",
                           capture, t->sessions, evicted, stats->frames, skipped, t->bytes, t->gaps,
                           t->anomalies, seconds);
}

/* The name of a job's captures in messages: the capture's, or for a series
 * "FIRST (series of N captures)". Caller frees. */
static char *
job_label(char *const *files)
{
    const char *first = ts_cli_capture_name(files[0]);
    guint n = g_strv_length((char **)files);
    if (n == 1)
        return g_strdup(first);
    return g_strdup_printf("%s (series of %u captures)", first, n);
}

/* True when the jsonl lines of `capture` are written as sessions end:
 * --order end, or by default when the capture is not a regular file (a
 * pipe, standard output's "-", a device). */
static bool
capture_end_order(const extract_config *cfg, const char *capture)
{
    if (cfg->order != ORDER_AUTO)
        return cfg->order == ORDER_END;
    struct stat st;
    int rc = strcmp(capture, "-") == 0 ? fstat(STDIN_FILENO, &st) : stat(capture, &st);
    return rc == 0 && !S_ISREG(st.st_mode);
}

/* Processes one capture (or one series of them) into `dir` (or `stream`,
 * -o -); its warnings, summary and errors are appended to `msgs` (owned by
 * the caller). Returns false after a failure. Safe to run for several
 * captures at once in different threads. */
static bool
extract_capture(const extract_config *cfg, char *const *files, const char *dir, FILE *stream,
                unsigned index, unsigned total, GString *msgs)
{
    g_autofree char *capture = job_label(files);
    extract_run run = {
        .progress = cfg->progress, .index = index, .sel = ts_cli_selection_new(cfg->selection)};
    g_autoptr(GError) error = NULL;
    if (!open_outputs(cfg, files[0], dir, capture_end_order(cfg, files[0]), stream, &run, &error)) {
        g_string_append_printf(msgs, "tcpsession: %s\n", error->message);
        free_outputs(&run);
        ts_selection_free(run.sel);
        return false;
    }
    gint64 started = g_get_monotonic_time();
    ts_progress_start(run.progress, capture, index, total);
    ts_engine *engine = new_engine(cfg, &run);
    bool ok = ts_cli_run_captures(engine, files, &error);
    ts_cli_format_warnings(msgs, engine, run.sel, capture); /* the reader's warning first */
    ts_stats stats = *ts_engine_stats(engine);
    ts_progress_end(run.progress, index);

    g_autoptr(GError) write_error = NULL;
    bool written = finish_outputs(&run, ok || run.tally.sessions > 0, &write_error);
    ts_cli_format_out_notices(msgs);
    ts_engine_free(engine);
    double seconds = (double)(g_get_monotonic_time() - started) / 1e6;
    if (!cfg->quiet && (ok || run.tally.sessions > 0))
        append_summary(msgs, capture, &run.tally, &stats, seconds);
    if (!ok)
        g_string_append_printf(msgs, "tcpsession: %s\n", error->message);
    if (!written)
        g_string_append_printf(msgs, "tcpsession: %s\n", write_error->message);
    free_outputs(&run);
    ts_selection_free(run.sel);
    return ok && written;
}

static void
usage_error(const char *fmt, const char *value)
{
    fputs("tcpsession: ", stderr);
    fprintf(stderr, fmt, value);
    fputs("\nTry 'tcpsession extract --help' for more information.\n", stderr);
}

/* Output folder of a capture (caller frees); a stem already used gets "-2",
 * "-3"... with a warning appended to `msgs`. `used` holds the names taken. */
static char *
capture_dir(const char *outdir, const char *capture, GHashTable *used, GString *msgs)
{
    g_autofree char *raw_stem = ts_cli_capture_stem(capture);
    g_autofree char *stem = ts_path_component(raw_stem); /* never ".." */
    g_autofree char *name = g_strdup(stem);
    for (unsigned i = 2; g_hash_table_contains(used, name); i++) {
        g_free(name);
        name = g_strdup_printf("%s-%u", stem, i);
    }
    if (strcmp(name, stem) != 0)
        g_string_append_printf(msgs,
                               "warning: %s: output folder name '%s' already used, writing to "
                               "'%s'\n",
                               ts_cli_capture_name(capture), stem, name);
    g_hash_table_add(used, g_strdup(name));
    return g_build_filename(outdir, name, NULL);
}

/* One capture of the run, named by the main thread before any runs. */
typedef struct {
    char **files; /* owned: one capture, or the parts of a series */
    char *dir;    /* owned */
    GString *pre; /* owned: messages from naming its folder */
    FILE *spool;  /* -o - on a worker thread: its lines until its turn */
} extract_job;

/* The run: what every job needs (borrowed by the worker threads). */
typedef struct {
    const extract_config *cfg;
    extract_job *jobs;
    unsigned total;
    unsigned workers;
    bool output_failed; /* copying a spool to standard output failed */
} extract_batch;

/* ts_job_run_fn: extracts capture `i` of the run `ctx`. */
static bool
run_job(void *ctx, unsigned i, GString *msgs)
{
    const extract_batch *run = ctx;
    extract_job *job = &run->jobs[i];
    g_string_append(msgs, job->pre->str);
    FILE *stream = NULL;
    if (run->cfg->to_stdout && run->workers <= 1) {
        stream = stdout;
    } else if (run->cfg->to_stdout) {
        if ((job->spool = tmpfile()) == NULL) {
            g_string_append_printf(msgs, "tcpsession: temporary file for standard output: %s\n",
                                   g_strerror(errno));
            return false;
        }
        stream = job->spool;
    }
    return extract_capture(run->cfg, job->files, job->dir, stream, i + 1, run->total, msgs);
}

/* Copies a worker's spooled lines to standard output and closes `spool`;
 * false with a message in `msgs` on failure. */
static bool
copy_spool(FILE *spool, GString *msgs)
{
    char buf[64 * 1024];
    bool ok = fflush(spool) == 0 && fseek(spool, 0, SEEK_SET) == 0;
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, spool)) > 0)
        ok = fwrite(buf, 1, n, stdout) == n;
    ok = ok && !ferror(spool) && fflush(stdout) == 0;
    if (!ok)
        g_string_append_printf(msgs, "tcpsession: standard output: %s\n", g_strerror(errno));
    fclose(spool);
    return ok;
}

/* ts_job_done_fn: prints a capture's messages under the progress line (and
 * its spooled lines on standard output). */
static void
job_done(void *ctx, unsigned i, const char *msgs, bool ok)
{
    (void)ok;
    extract_batch *run = ctx;
    extract_job *job = &run->jobs[i];
    ts_progress_print(run->cfg->progress, msgs);
    if (job->spool != NULL) {
        g_autoptr(GString) copy_msgs = g_string_new(NULL);
        if (!copy_spool(job->spool, copy_msgs)) {
            ts_progress_print(run->cfg->progress, copy_msgs->str);
            run->output_failed = true;
        }
        job->spool = NULL;
    }
}

/* The --help text after the options; the formats' lines come from their
 * table (caller frees). */
static char *
extract_description(void)
{
    GString *out =
        g_string_new("Each capture's output goes to DIR/STEM/, STEM being its file name without\n"
                     "\".gz\" and without its extension (a/b/x.pcap.gz -> DIR/x/); a STEM used\n"
                     "by an earlier capture of the same run becomes STEM-2, STEM-3...\n"
                     "\n");
    ts_format_append_help(out);
    g_string_append(out,
                    "\n"
                    "With several captures, -j N extracts N of them at a time (default: as many\n"
                    "as CPUs usable; 1: one after another). Each capture is read by one thread;\n"
                    "outputs and messages are the same as one after another, printed in the\n"
                    "order of the captures.\n"
                    "\n"
                    "CAPTURE '-' is standard input (output folder DIR/stdin/); pipes are read\n"
                    "as they come, and on a quiet pipe a session is written once --close-linger\n"
                    "(or --idle-timeout) seconds of wall time have passed without a packet.\n"
                    "A folder needs -r (every capture under it) or --series.\n"
                    "\n"
                    "--series: the captures given are consecutive parts of one capture (rotated\n"
                    "files of tcpdump -C/-G, dumpcap -b), read in that order as one, a folder's\n"
                    "captures sorted by the time of their first frame (ties: by name, f2 before\n"
                    "f10). One output folder (the first capture's STEM) and one summary; frame\n"
                    "and stream numbers as Wireshark's on the files joined by mergecap -a; a\n"
                    "part starting before the previous one ended gets a warning. -j does not\n"
                    "apply within a series (its parts are read one after another).\n"

                    "-o - writes the JSON lines (--format jsonl) to standard output instead of a\n"
                    "folder, the captures' lines in capture order; summaries and warnings go to\n"
                    "standard error. The formats that write several files cannot.\n"
                    "\n"
                    "--order stream|end: the order of the jsonl lines. stream: by stream number,\n"
                    "sessions.jsonl written when the capture ends (the default for regular\n"
                    "files). end: each session's line written and flushed as the session ends,\n"
                    "into sessions.jsonl created at the start (the default for -i and for\n"
                    "inputs that are not regular files: pipes, -). The other formats write each\n"
                    "session's files as it ends in any case (pcap: when the engine forgets it).\n"
                    "\n"
                    "-i IFACE captures live (output under DIR/IFACE/) until Ctrl-C or SIGTERM:\n"
                    "the first finishes and writes every open session, prints the summary and\n"
                    "the packet counts (received, dropped by the kernel, by the interface) and\n"
                    "exits 0; a second one aborts. A session closed by FIN or RST is written\n"
                    "when its close linger has run out.\n"
                    "\n"
                    "Exit status: 0 success, 1 a capture could not be read or written, 2 usage "
                    "error.");
    return g_string_free(out, FALSE);
}

/* The command line of extract as given (texts owned, freed by
 * extract_args_clear()). */
typedef struct {
    char *outdir, *format, *order;
    ts_cli_engine_args engine;
    ts_cli_selection_args selection;
    ts_cli_live_args live;
    gboolean quiet, js, recursive, series;
    gint jobs;
    char *community_id_seed;
    char **captures;
} extract_args;

static void
extract_args_clear(extract_args *a)
{
    g_free(a->outdir);
    g_free(a->format);
    g_free(a->order);
    g_free(a->community_id_seed);
    ts_cli_engine_args_clear(&a->engine);
    ts_cli_selection_args_clear(&a->selection);
    ts_cli_live_args_clear(&a->live);
    g_strfreev(a->captures);
}

/* Parses extract's options into `a`; false with the exit status in *status
 * after --help or a usage error. */
static bool
parse_args(int argc, char **argv, extract_args *a, int *status)
{
    g_autofree char *format_help = ts_format_option_help();
    const GOptionEntry entries[] = {
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &a->outdir,
         "Write under DIR/<capture-stem>/ (default: tcpsession-out); -: the JSON lines to "
         "standard output",
         "DIR"},
        {"order", 0, 0, G_OPTION_ARG_STRING, &a->order,
         "Order of the jsonl lines: stream (by stream number; default for regular files) or "
         "end (as sessions end; default for -i and pipes)",
         "ORDER"},
        {"format", 'f', 0, G_OPTION_ARG_STRING, &a->format, format_help, "FORMAT"},
        {"js", 0, 0, G_OPTION_ARG_NONE, &a->js,
         "Also extract JavaScript as the original tcpsession did (into DIR/<stem>/js/)", NULL},
        {"jobs", 'j', 0, G_OPTION_ARG_INT, &a->jobs,
         "Extract N captures in parallel (default: CPUs usable; 1: one at a time)", "N"},
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &a->quiet, "Do not print the per-capture summary",
         NULL},
        {"recursive", 'r', 0, G_OPTION_ARG_NONE, &a->recursive,
         "Extract every capture under the folders given", NULL},
        {"series", 0, 0, G_OPTION_ARG_NONE, &a->series,
         "The captures (or a folder's, sorted by time) are consecutive parts of one capture: "
         "read them as one",
         NULL},
        {"community-id-seed", 0, 0, G_OPTION_ARG_STRING, &a->community_id_seed,
         TS_CLI_COMMUNITY_ID_SEED_HELP, "N"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autofree char *description = extract_description();
    GOptionEntry live_rows[TS_CLI_LIVE_ENTRIES];
    GOptionEntry engine_rows[TS_CLI_ENGINE_ENTRIES], selection_rows[TS_CLI_SELECTION_ENTRIES];
    g_autofree GOptionEntry *more =
        ts_cli_join_entries(ts_cli_selection_entries(&a->selection, true, selection_rows),
                            ts_cli_engine_entries(&a->engine, true, engine_rows));
    /* the live options follow extract's own in --help */
    GOptionEntry all[G_N_ELEMENTS(entries) + TS_CLI_LIVE_ENTRIES - 1];
    memcpy(all, entries, sizeof entries - sizeof entries[0]);
    memcpy(all + G_N_ELEMENTS(entries) - 1, ts_cli_live_entries(&a->live, live_rows),
           sizeof live_rows);
    return ts_cli_parse_more("extract", "CAPTURE... | -i IFACE",
                             "Extracts the bytes each side of every TCP connection delivered.",
                             description, all, more, argc, argv, &a->captures, status);
}

/* --order and -o -; false after printing a usage error. */
static bool
check_order_and_output(const extract_args *a, extract_config *cfg)
{
    if (a->order != NULL && strcmp(a->order, "stream") == 0)
        cfg->order = ORDER_STREAM;
    else if (a->order != NULL && strcmp(a->order, "end") == 0)
        cfg->order = ORDER_END;
    else if (a->order != NULL) {
        usage_error("unknown order '%s' for --order (expected stream or end)", a->order);
        return false;
    }
    cfg->to_stdout = strcmp(cfg->outdir, "-") == 0;
    if (cfg->to_stdout && !cfg->format->writes_stream) {
        fprintf(stderr,
                "tcpsession: --format %s writes several files and cannot write to standard "
                "output (-o -); only jsonl can\n"
                "Try 'tcpsession extract --help' for more information.\n",
                cfg->format->name);
        return false;
    }
    if (cfg->to_stdout && cfg->js) {
        usage_error("%s", "--js writes files and cannot be used with -o -");
        return false;
    }
    return true;
}

/* Captures or -i, not both; false after printing a usage error. */
static bool
check_inputs(const extract_args *a, extract_config *cfg)
{
    if (!ts_cli_live_apply(&a->live, "extract", &cfg->live))
        return false;
    cfg->live.filter = a->selection.filter; /* live: applied in the kernel */
    if (cfg->live.iface != NULL && a->captures[0] != NULL) {
        usage_error("%s", "-i IFACE and captures cannot be given together");
        return false;
    }
    if (cfg->live.iface == NULL && a->captures[0] == NULL) {
        usage_error("%s", "no capture given");
        return false;
    }
    return true;
}

/* Checks the parsed options and fills `cfg` (which borrows from `a`);
 * false after printing a usage error. */
static bool
make_config(const extract_args *a, extract_config *cfg)
{
    *cfg = (extract_config){.outdir = a->outdir != NULL ? a->outdir : "tcpsession-out",
                            .format = ts_format_default(),
                            .quiet = a->quiet,
                            .js = a->js,
                            .recursive = a->recursive,
                            .series = a->series};
    ts_options_init(&cfg->opts);
    /* the message names three formats only: kept as it always was */
    if (a->format != NULL && (cfg->format = ts_format_lookup(a->format)) == NULL) {
        usage_error("unknown format '%s' (expected jsonl, tcpflow or none)", a->format);
        return false;
    }
    if (!ts_cli_engine_apply(&a->engine, "extract", &cfg->opts) ||
        !ts_cli_selection_check(&a->selection, "extract"))
        return false;
    cfg->selection = &a->selection;
    if (a->jobs < 0) {
        g_autofree char *text = g_strdup_printf("%d", a->jobs);
        usage_error("invalid number of jobs '%s' for --jobs", text);
        return false;
    }
    cfg->jobs = a->jobs;
    if (!ts_cli_community_id_seed(a->community_id_seed, "extract", &cfg->community_id_seed))
        return false;
    if (!check_order_and_output(a, cfg) || !check_inputs(a, cfg))
        return false;
    for (char **c = a->captures; !a->recursive && !a->series && *c != NULL; c++) {
        if (strcmp(*c, "-") != 0 && g_file_test(*c, G_FILE_TEST_IS_DIR)) {
            fprintf(stderr, "tcpsession: %s is a folder (use -r to extract its captures)\n", *c);
            return false;
        }
    }
    return true;
}

/* The jobs of the run: one per capture, or one for the whole series;
 * folders give their captures. NULL after printing why there are none. */
static extract_job *
make_jobs(const extract_config *cfg, char **args, unsigned *total)
{
    g_autoptr(GError) error = NULL;
    char **files = ts_cli_collect_captures(args, cfg->recursive, cfg->series, &error);
    if (files == NULL) {
        fprintf(stderr, "tcpsession: %s\n", error->message);
        return NULL;
    }
    *total = cfg->series ? 1 : g_strv_length(files);
    extract_job *jobs = g_new0(extract_job, *total);
    if (cfg->series) {
        jobs[0].files = files;
        return jobs;
    }
    for (unsigned i = 0; i < *total; i++) {
        jobs[i].files = g_new0(char *, 2);
        jobs[i].files[0] = files[i]; /* moved */
    }
    g_free(files);
    return jobs;
}

/* Extracts every capture, -j at a time, printing their messages in order;
 * returns the exit status. */
static int
extract_all(extract_config *cfg, char **captures)
{
    unsigned total = 0;
    extract_job *jobs = make_jobs(cfg, captures, &total);
    if (jobs == NULL)
        return TS_EXIT_FAILURE;
    ts_atomic_install_signal_cleanup();
    g_autoptr(ts_progress) progress = ts_progress_new(cfg->quiet);
    cfg->progress = progress;
    /* folders are named up front, in order, so names do not depend on timing */
    g_autoptr(GHashTable) used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    extract_batch run = {.cfg = cfg, .jobs = jobs, .total = total};
    for (unsigned i = 0; i < total; i++) {
        run.jobs[i].pre = g_string_new(NULL);
        run.jobs[i].dir = capture_dir(cfg->outdir, run.jobs[i].files[0], used, run.jobs[i].pre);
        if (cfg->to_stdout) /* no folder: a name used twice is no matter */
            g_string_truncate(run.jobs[i].pre, 0);
    }
    int status = TS_EXIT_OK;
    run.workers = ts_worker_count(cfg->jobs, total);
    if (!ts_run_ordered(total, run.workers, run_job, job_done, &run) || run.output_failed)
        status = TS_EXIT_FAILURE;
    for (unsigned i = 0; i < total; i++) {
        g_strfreev(run.jobs[i].files);
        g_free(run.jobs[i].dir);
        g_string_free(run.jobs[i].pre, TRUE);
    }
    g_free(run.jobs);
    cfg->progress = NULL;
    return status;
}

/* Captures live from cfg->live.iface into DIR/IFACE/ (or standard output)
 * until SIGINT/SIGTERM; returns the exit status. */
static int
extract_live(const extract_config *cfg)
{
    const char *iface = cfg->live.iface;
    ts_live *live = ts_cli_live_open(&cfg->live);
    if (live == NULL)
        return TS_EXIT_FAILURE;
    g_autofree char *name = ts_path_component(iface);
    g_autofree char *dir = cfg->to_stdout ? NULL : g_build_filename(cfg->outdir, name, NULL);
    /* the filter runs in the kernel (live.filter); streams and times here */
    ts_cli_selection_args sessions = *cfg->selection;
    sessions.filter = NULL;
    extract_run run = {.sel = ts_cli_selection_new(&sessions)};
    g_autoptr(GError) error = NULL;
    g_autoptr(GString) msgs = g_string_new(NULL);
    bool end_order = cfg->order != ORDER_STREAM;
    if (!open_outputs(cfg, iface, dir != NULL ? dir : "-", end_order,
                      cfg->to_stdout ? stdout : NULL, &run, &error)) {
        fprintf(stderr, "tcpsession: %s\n", error->message);
        free_outputs(&run);
        ts_selection_free(run.sel);
        ts_live_close(live);
        return TS_EXIT_FAILURE;
    }
    gint64 started = g_get_monotonic_time();
    ts_engine *engine = new_engine(cfg, &run);
    bool ok = ts_cli_live_run(live, engine, msgs);
    ts_cli_format_warnings(msgs, engine, NULL, NULL);
    bool written = finish_outputs(&run, true, &error);
    ts_cli_format_out_notices(msgs);
    double seconds = (double)(g_get_monotonic_time() - started) / 1e6;
    if (!cfg->quiet)
        append_summary(msgs, iface, &run.tally, ts_engine_stats(engine), seconds);
    ts_cli_live_format_counts(msgs, live, iface, cfg->quiet);
    if (!written)
        g_string_append_printf(msgs, "tcpsession: %s\n", error->message);
    fputs(msgs->str, stderr);
    ts_engine_free(engine);
    free_outputs(&run);
    ts_selection_free(run.sel);
    ts_live_close(live);
    return ok && written ? TS_EXIT_OK : TS_EXIT_FAILURE;
}

int
ts_cmd_extract(int argc, char **argv)
{
    extract_args args = {0};
    extract_config cfg;
    int status = TS_EXIT_USAGE;
    if (parse_args(argc, argv, &args, &status)) {
        if (!make_config(&args, &cfg)) {
            status = TS_EXIT_USAGE;
        } else {
            if (!cfg.to_stdout) /* the user's folder: no link is followed beneath it */
                ts_out_root_add(cfg.outdir);
            status = cfg.live.iface != NULL ? extract_live(&cfg) : extract_all(&cfg, args.captures);
        }
    }
    extract_args_clear(&args);
    return status;
}

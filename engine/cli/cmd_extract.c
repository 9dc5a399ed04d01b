/*
 * cmd_extract.c — `tcpsession extract`: runs one engine per capture and writes
 * its sessions under OUTDIR/<capture-stem>/ as JSON lines, the original
 * tcpsession's JSON files, raw per-session folders or tcpflow-style files
 * (optionally with the original's JavaScript extraction), then prints a
 * one-line summary per capture. On a terminal a progress line shows how far
 * the current capture is.
 *
 * Several captures are extracted in parallel by a pool of worker threads
 * (-j). Each capture has its own engine, writer and output folder; its
 * messages (warnings, summary, errors) are collected in a buffer and printed
 * in capture order once every earlier capture is done, so the output is the
 * same as a sequential run's.
 */
#include "cli.h"
#include "formats/formats.h"

#include "util/atomic_file.h"
#include "util/parallel.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* " (N IP fragments not reassembled, N truncated, ...)" for the frames that
 * did not reach a session, or "" when there are none. Caller frees. */
static char *
skipped_frames(const ts_stats *st)
{
    const struct {
        uint64_t count;
        const char *what;
    } kinds[] = {
        {st->ip_fragments, "IP fragments not reassembled"},
        {st->truncated, "cut inside a header"},
        {st->malformed, "malformed"},
        {st->unsupported_link, "of an unsupported link type"},
        {st->bad_checksums, "with a bad TCP checksum"},
        {st->late_packets, "late for a finished session"},
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
typedef enum {
    FORMAT_JSONL,
    FORMAT_JSON,
    FORMAT_RAW,
    FORMAT_TCPFLOW,
    FORMAT_NONE,
} output_format;

typedef struct {
    const char *outdir;
    output_format format;
    ts_options opts;
    bool quiet;
    bool js;
    ts_progress *progress; /* NULL when not shown */
} extract_config;

/* State of one capture's run, handed to the engine callbacks. */
typedef struct {
    ts_jsonl_writer *jsonl;
    ts_tcpflow_writer *tcpflow;
    ts_legacy_writer *legacy;
    const char *raw_dir; /* --format raw: the capture's folder */
    GError *raw_error;
    uint64_t sessions;
    uint64_t bytes;
    uint64_t gaps;
    uint64_t anomalies;
    ts_progress *progress;
    unsigned index; /* of the capture, for the progress line */
} extract_run;

static void
on_frame(void *user, const ts_frame *f, uint64_t number)
{
    extract_run *run = user;
    ts_legacy_writer_frame(run->legacy, f, number);
}

static void
on_segment(void *user, const ts_segment *seg)
{
    extract_run *run = user;
    ts_legacy_writer_segment(run->legacy, seg);
}

static void
on_progress(void *user, uint64_t bytes, uint64_t frames)
{
    extract_run *run = user;
    ts_progress_update_capture(run->progress, run->index, bytes, frames, run->sessions);
}

static void
on_gap(void *user, ts_session *s, const ts_gap *gap)
{
    extract_run *run = user;
    if (run->legacy != NULL)
        ts_legacy_writer_gap(run->legacy, s, gap);
}

static void
on_packet(void *user, ts_session *s, const ts_packet *p)
{
    extract_run *run = user;
    if (run->legacy != NULL)
        ts_legacy_writer_packet(run->legacy, s, p);
}

static void
on_session_open(void *user, ts_session *s)
{
    extract_run *run = user;
    if (run->tcpflow != NULL)
        ts_tcpflow_writer_open(run->tcpflow, s);
}

static void
on_data(void *user, ts_session *s, const ts_delivery *d)
{
    extract_run *run = user;
    if (run->tcpflow != NULL)
        ts_tcpflow_writer_data(run->tcpflow, s, d);
    if (run->legacy != NULL)
        ts_legacy_writer_data(run->legacy, s, d);
}

static void
on_session_done(void *user, ts_session *s)
{
    extract_run *run = user;
    size_t n_gaps = 0, n_anomalies = 0;
    ts_session_gaps(s, &n_gaps);
    ts_session_anomalies(s, &n_anomalies);
    run->sessions++;
    run->bytes += ts_session_bytes(s, TS_FROM_CLIENT) + ts_session_bytes(s, TS_FROM_SERVER);
    run->gaps += n_gaps;
    run->anomalies += n_anomalies + ts_session_anomalies_dropped(s);
    if (run->jsonl != NULL)
        ts_jsonl_writer_add(run->jsonl, s);
    if (run->tcpflow != NULL)
        ts_tcpflow_writer_done(run->tcpflow, s);
    if (run->legacy != NULL)
        ts_legacy_writer_done(run->legacy, s);
    if (run->raw_dir != NULL && run->raw_error == NULL)
        ts_raw_write_session(run->raw_dir, s, &run->raw_error);
}

/* Processes one capture into `dir`; its warnings, summary and errors are
 * appended to `msgs` (owned by the caller). Returns false after a failure.
 * Safe to run for several captures at once in different threads. */
static bool
extract_capture(const extract_config *cfg, const char *capture, const char *dir, unsigned index,
                unsigned total, GString *msgs)
{
    extract_run run = {.progress = cfg->progress, .index = index};
    g_autoptr(ts_jsonl_writer) jsonl = NULL;
    g_autoptr(ts_tcpflow_writer) tcpflow = NULL;
    g_autoptr(ts_legacy_writer) legacy = NULL;
    g_autofree char *js_dir = cfg->js ? g_build_filename(dir, "js", NULL) : NULL;
    if (cfg->format == FORMAT_JSONL)
        run.jsonl = jsonl = ts_jsonl_writer_new(dir);
    else if (cfg->format == FORMAT_TCPFLOW)
        run.tcpflow = tcpflow = ts_tcpflow_writer_new(dir);
    else if (cfg->format == FORMAT_RAW)
        run.raw_dir = dir;
    /* --js needs the legacy writer's decoded texts; it writes JSON files only
       with --format json */
    if (cfg->format == FORMAT_JSON || cfg->js)
        run.legacy = legacy = ts_legacy_writer_new(cfg->format == FORMAT_JSON ? dir : NULL, js_dir);

    ts_options opts = cfg->opts;
    opts.keep_payload = cfg->format == FORMAT_JSONL || cfg->format == FORMAT_RAW || legacy != NULL;
    ts_callbacks cb = {
        .session_open = on_session_open,
        .data = cfg->format == FORMAT_TCPFLOW || legacy != NULL ? on_data : NULL,
        .gap = legacy != NULL ? on_gap : NULL,
        .packet = legacy != NULL ? on_packet : NULL,
        .session_done = on_session_done,
        .frame = legacy != NULL ? on_frame : NULL,
        .segment = legacy != NULL ? on_segment : NULL,
        .progress = run.progress != NULL ? on_progress : NULL,
    };

    gint64 started = g_get_monotonic_time();
    ts_progress_start(run.progress, capture, index, total);
    ts_engine *engine = ts_engine_new(&opts, &cb, &run);
    g_autoptr(GError) error = NULL;
    bool ok = ts_engine_run_file(engine, capture, &error);
    ts_cli_format_warnings(msgs, engine); /* the reader's warning first */
    ts_stats stats = *ts_engine_stats(engine);
    ts_progress_end(run.progress, index);

    /* Sessions delivered before a failure are written all the same. */
    g_autoptr(GError) write_error = NULL;
    bool written = true;
    bool create = ok || run.sessions > 0;
    if (jsonl != NULL)
        written = ts_jsonl_writer_finish(jsonl, create, &write_error);
    else if (tcpflow != NULL)
        written = ts_tcpflow_writer_finish(tcpflow, create, &write_error);
    else if (run.raw_dir != NULL)
        written = ts_raw_finish(dir, create, &run.raw_error, &write_error);
    if (legacy != NULL && written)
        written = ts_legacy_writer_finish(legacy, create, &write_error);
    ts_engine_free(engine);
    double seconds = (double)(g_get_monotonic_time() - started) / 1e6;

    if (!cfg->quiet && (ok || run.sessions > 0)) {
        g_autofree char *skipped = skipped_frames(&stats);
        g_string_append_printf(msgs,
                               "%s: %" PRIu64 " sessions, %" PRIu64 " frames%s, %" PRIu64
                               " bytes delivered, "
                               "%" PRIu64 " gaps, %" PRIu64 " anomalies, %.3fs\n",
                               capture, run.sessions, stats.frames, skipped, run.bytes, run.gaps,
                               run.anomalies, seconds);
    }
    if (!ok)
        g_string_append_printf(msgs, "tcpsession: %s\n", error->message);
    if (!written)
        g_string_append_printf(msgs, "tcpsession: %s\n", write_error->message);
    g_clear_error(&run.raw_error);
    return ok && written;
}

static bool
parse_format(const char *text, output_format *format)
{
    static const struct {
        const char *name;
        output_format format;
    } names[] = {{"jsonl", FORMAT_JSONL},
                 {"json", FORMAT_JSON},
                 {"raw", FORMAT_RAW},
                 {"tcpflow", FORMAT_TCPFLOW},
                 {"none", FORMAT_NONE}};
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        if (strcmp(text, names[i].name) == 0) {
            *format = names[i].format;
            return true;
        }
    }
    return false;
}

static bool
parse_overlap(const char *text, ts_overlap_policy *policy)
{
    if (strcmp(text, "first") == 0)
        *policy = TS_OVERLAP_FIRST;
    else if (strcmp(text, "last") == 0)
        *policy = TS_OVERLAP_LAST;
    else if (strcmp(text, "linux") == 0)
        *policy = TS_OVERLAP_LINUX;
    else
        return false;
    return true;
}

/* Parses a byte count with an optional binary suffix (K, M, G; "KiB" too). */
static bool
parse_size(const char *text, size_t *size)
{
    char *end = NULL;
    if (!g_ascii_isdigit(text[0]))
        return false;
    errno = 0;
    guint64 value = g_ascii_strtoull(text, &end, 10);
    if (errno != 0)
        return false;
    unsigned shift = 0;
    switch (g_ascii_toupper(*end)) {
    case 'K': shift = 10; break;
    case 'M': shift = 20; break;
    case 'G': shift = 30; break;
    default: break;
    }
    if (shift != 0) {
        end++;
        if (*end == 'i')
            end++;
        if (*end == 'B')
            end++;
    } else if (*end == 'B') {
        end++;
    }
    if (*end != '\0' || value > (G_MAXSIZE >> shift))
        return false;
    *size = (size_t)(value << shift);
    return true;
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
                               capture, stem, name);
    g_hash_table_add(used, g_strdup(name));
    return g_build_filename(outdir, name, NULL);
}

/* One capture of the run, named by the main thread before any runs. */
typedef struct {
    const char *capture; /* borrowed from argv */
    char *dir;           /* owned */
    GString *pre;        /* owned: messages from naming its folder */
} extract_job;

/* The run: what every job needs (borrowed by the worker threads). */
typedef struct {
    const extract_config *cfg;
    extract_job *jobs;
    unsigned total;
} extract_batch;

/* ts_job_run_fn: extracts capture `i` of the run `ctx`. */
static bool
run_job(void *ctx, unsigned i, GString *msgs)
{
    const extract_batch *run = ctx;
    const extract_job *job = &run->jobs[i];
    g_string_append(msgs, job->pre->str);
    return extract_capture(run->cfg, job->capture, job->dir, i + 1, run->total, msgs);
}

/* ts_job_done_fn: prints a capture's messages under the progress line. */
static void
job_done(void *ctx, unsigned i, const char *msgs, bool ok)
{
    (void)i;
    (void)ok;
    const extract_batch *run = ctx;
    ts_progress_print(run->cfg->progress, msgs);
}

static const char extract_description[] =
    "Each capture's output goes to DIR/STEM/, STEM being its file name without\n"
    "\".gz\" and without its extension (a/b/x.pcap.gz -> DIR/x/); a STEM used\n"
    "by an earlier capture of the same run becomes STEM-2, STEM-3...\n"
    "\n"
    "Formats:\n"
    "  jsonl    sessions.jsonl: one JSON object per session, sorted by stream, with\n"
    "           endpoints, times, byte counts, md5s, messages (hex), gaps, anomalies\n"
    "  json     the original tcpsession's files, one per session:\n"
    "           {sip}_{sport}-{dip}_{dport}-6-{k}.json (same keys, lists and md5s;\n"
    "           our \"stream\", \"gaps\" and \"anomalies\" follow)\n"
    "  raw      one folder per session: client.bin, server.bin, session.json\n"
    "  tcpflow  one file per direction with data, named like tcpflow 1.6.1's\n"
    "           (SRCIP.SPORT-DSTIP.DPORT[cN]); unlike tcpflow, holes are not\n"
    "           zero-filled: a file holds exactly the bytes delivered\n"
    "  none     nothing written, summary only\n"
    "\n"
    "With several captures, -j N extracts N of them at a time (default: as many\n"
    "as CPUs usable; 1: one after another). Each capture is read by one thread;\n"
    "outputs and messages are the same as one after another, printed in the\n"
    "order of the captures.\n"
    "\n"
    "Exit status: 0 success, 1 a capture could not be read or written, 2 usage error.";

int
ts_cmd_extract(int argc, char **argv)
{
    g_autofree char *outdir = NULL;
    g_autofree char *format_text = NULL;
    g_autofree char *overlap_text = NULL;
    g_autofree char *max_buffer_text = NULL;
    g_autofree char *max_memory_text = NULL;
    gboolean verify = FALSE, quiet = FALSE, js = FALSE;
    gint jobs = 0;
    const GOptionEntry entries[] = {
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &outdir,
         "Write under DIR/<capture-stem>/ (default: tcpsession-out)", "DIR"},
        {"format", 'f', 0, G_OPTION_ARG_STRING, &format_text,
         "jsonl (default), json (the original tcpsession's files), raw, tcpflow or none", "FORMAT"},
        {"js", 0, 0, G_OPTION_ARG_NONE, &js,
         "Also extract JavaScript as the original tcpsession did (into DIR/<stem>/js/)", NULL},
        {"overlap", 0, 0, G_OPTION_ARG_STRING, &overlap_text,
         "Which copy of overlapping bytes wins: first (default), last or linux", "POLICY"},
        {"verify-checksums", 0, 0, G_OPTION_ARG_NONE, &verify,
         "Drop segments whose TCP checksum is wrong", NULL},
        {"max-buffer", 0, 0, G_OPTION_ARG_STRING, &max_buffer_text,
         "Out-of-order bytes buffered per direction (suffix K, M, G; default 64M)", "BYTES"},
        {"max-memory", 0, 0, G_OPTION_ARG_STRING, &max_memory_text,
         "Memory for the bytes of sessions still open; beyond it they go to a temporary file "
         "in $TMPDIR (suffix K, M, G; 0 = no limit; default 32M)",
         "BYTES"},
        {"jobs", 'j', 0, G_OPTION_ARG_INT, &jobs,
         "Extract N captures in parallel (default: CPUs usable; 1: one at a time)", "N"},
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Do not print the per-capture summary", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_auto(GStrv) captures = NULL;
    int status = TS_EXIT_OK;
    if (!ts_cli_parse("extract", "CAPTURE...",
                      "Extracts the bytes each side of every TCP connection delivered.",
                      extract_description, entries, argc, argv, &captures, &status))
        return status;

    extract_config cfg = {.outdir = outdir != NULL ? outdir : "tcpsession-out",
                          .format = FORMAT_JSONL,
                          .quiet = quiet,
                          .js = js};
    ts_options_init(&cfg.opts);
    cfg.opts.verify_checksums = verify;
    if (format_text != NULL && !parse_format(format_text, &cfg.format)) {
        usage_error("unknown format '%s' (expected jsonl, tcpflow or none)", format_text);
        return TS_EXIT_USAGE;
    }
    if (overlap_text != NULL && !parse_overlap(overlap_text, &cfg.opts.overlap)) {
        usage_error("unknown overlap policy '%s' (expected first, last or linux)", overlap_text);
        return TS_EXIT_USAGE;
    }
    if (max_buffer_text != NULL && !parse_size(max_buffer_text, &cfg.opts.max_buffered_bytes)) {
        usage_error("invalid byte count '%s' for --max-buffer", max_buffer_text);
        return TS_EXIT_USAGE;
    }
    if (max_memory_text != NULL && !parse_size(max_memory_text, &cfg.opts.max_payload_memory)) {
        usage_error("invalid byte count '%s' for --max-memory", max_memory_text);
        return TS_EXIT_USAGE;
    }
    if (jobs < 0) {
        g_autofree char *text = g_strdup_printf("%d", jobs);
        usage_error("invalid number of jobs '%s' for --jobs", text);
        return TS_EXIT_USAGE;
    }
    if (captures[0] == NULL) {
        usage_error("%s", "no capture given");
        return TS_EXIT_USAGE;
    }

    ts_atomic_install_signal_cleanup();
    g_autoptr(ts_progress) progress = ts_progress_new(quiet);
    cfg.progress = progress;
    unsigned total = g_strv_length(captures);
    /* folders are named up front, in order, so names do not depend on timing */
    g_autoptr(GHashTable) used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    extract_batch run = {.cfg = &cfg, .jobs = g_new0(extract_job, total), .total = total};
    for (unsigned i = 0; i < total; i++) {
        run.jobs[i].capture = captures[i];
        run.jobs[i].pre = g_string_new(NULL);
        run.jobs[i].dir = capture_dir(cfg.outdir, captures[i], used, run.jobs[i].pre);
    }
    if (!ts_run_ordered(total, ts_worker_count(jobs, total), run_job, job_done, &run))
        status = TS_EXIT_FAILURE;
    for (unsigned i = 0; i < total; i++) {
        g_free(run.jobs[i].dir);
        g_string_free(run.jobs[i].pre, TRUE);
    }
    g_free(run.jobs);
    return status;
}

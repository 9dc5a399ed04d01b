/*
 * cmd_verify.c — `tcpsession verify CAPTURE... [--against tshark,tcpflow]
 * [--log FILE] [--json] [-r]`: checks our sessions against tshark's Follow
 * TCP Stream and tcpflow's files, capture by capture, and explains every
 * difference or reports it as unexplained.
 *
 * Captures are verified in parallel by a pool of --jobs workers (default:
 * one per processor). For each capture a worker starts tshark's fields pass
 * and tcpflow, runs our engine meanwhile, pairs the sessions, runs tshark's
 * follow passes (many streams per run; a lone capture's streams are split
 * across the workers) while it fetches the bytes the classification needs,
 * then compares. Log lines come out in the order the captures were given.
 */
#include "cli.h"
#include "verify/verify.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    bool want[VF_TOOL_COUNT_];  /* requested */
    bool avail[VF_TOOL_COUNT_]; /* requested and installed */
    guint batch;                /* streams per follow run */
    guint jobs;
    guint follow_parallel; /* follow runs at once for one capture */
} verify_config;

/* One capture to verify and, once done, what came of it. */
typedef struct {
    char *path;
    char *group;
    GPtrArray *results; /* vf_result* */
    GString *notes;     /* messages for stderr */
    bool error;         /* our engine could not read it to the end */
    bool skipped[VF_TOOL_COUNT_];
    bool done;
} verify_item;

typedef struct {
    const verify_config *cfg;
    GMutex lock;
    GCond cond;
} verify_shared;

static void
item_free(gpointer data)
{
    verify_item *it = data;
    g_free(it->path);
    g_free(it->group);
    if (it->results != NULL)
        g_ptr_array_unref(it->results);
    g_string_free(it->notes, TRUE);
    g_free(it);
}

static void
free_items(GPtrArray *items)
{
    for (guint i = 0; i < items->len; i++)
        item_free(g_ptr_array_index(items, i));
}

static void note(verify_item *it, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
note(verify_item *it, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_string_append_printf(it->notes, "tcpsession verify: %s: ", it->path);
    g_string_append_vprintf(it->notes, fmt, ap);
    g_string_append_c(it->notes, '\n');
    va_end(ap);
}

/* ---- tcpflow in a thread ------------------------------------------- */

typedef struct {
    const char *capture;
    const char *tmpdir;
    GPtrArray *files;
    GError *error;
} tcpflow_run;

static gpointer
tcpflow_thread(gpointer data)
{
    tcpflow_run *run = data;
    run->files = vf_tcpflow_run(run->capture, run->tmpdir, &run->error);
    return NULL;
}

/* ---- tshark's follow passes ---------------------------------------- */

#define MAX_FOLLOW_RUNS 16

/* Follow runs under way for one capture. */
typedef struct {
    guint n;
    vf_job *jobs[MAX_FOLLOW_RUNS];
    vf_follow_parser *parsers[MAX_FOLLOW_RUNS];
} follow_runs;

/* Starts follow runs over `streams[0..n)`: batches of at most cfg->batch
 * streams (more when there would be over MAX_FOLLOW_RUNS), at least
 * cfg->follow_parallel runs when there are many streams, all at once. */
static void
follow_start(follow_runs *fr, const verify_item *it, const verify_config *cfg,
             const uint64_t *streams, guint n)
{
    fr->n = 0;
    if (n == 0)
        return;
    guint runs = (n + cfg->batch - 1) / cfg->batch;
    if (n >= 64 && runs < cfg->follow_parallel)
        runs = cfg->follow_parallel;
    runs = CLAMP(runs, 1u, (guint)MAX_FOLLOW_RUNS);
    guint per = (n + runs - 1) / runs;
    for (guint start = 0; start < n; start += per) {
        guint count = MIN(per, n - start);
        g_auto(GStrv) argv = vf_follow_argv(it->path, streams + start, count);
        fr->parsers[fr->n] = vf_follow_parser_new();
        fr->jobs[fr->n] =
            vf_job_start((const char *const *)argv, vf_follow_parser_line, fr->parsers[fr->n]);
        fr->n++;
    }
}

/* Waits for the runs and moves what they parsed into `into` (stream ->
 * vf_follow*, owning). False after a note when a run failed outright. */
static bool
follow_finish(follow_runs *fr, verify_item *it, GHashTable *into)
{
    bool ok = true;
    for (guint j = 0; j < fr->n; j++) {
        g_autoptr(GError) error = NULL;
        bool done = vf_job_finish(fr->jobs[j], &error);
        uint64_t bad = 0;
        GHashTable *table = vf_follow_parser_finish(fr->parsers[j], &bad);
        if (!done && g_hash_table_size(table) == 0) {
            note(it, "tshark follow failed: %s", error->message);
            ok = false;
        } else if (!done) {
            note(it, "warning: tshark: %s", error->message);
        }
        if (bad > 0)
            note(it,
                 "warning: %" G_GUINT64_FORMAT " lines of tshark's follow output not understood",
                 bad);
        GHashTableIter iter;
        gpointer key, value;
        g_hash_table_iter_init(&iter, table);
        while (g_hash_table_iter_next(&iter, &key, &value)) {
            g_hash_table_iter_steal(&iter);
            g_hash_table_replace(into, key, value);
        }
        g_hash_table_unref(table);
    }
    fr->n = 0;
    return ok;
}

/* ---- one tshark pass for small captures ---------------------------- */

/* Below this size a capture gets ONE tshark run after our engine: the
 * fields pass and the follow of the streams we expect, together (tshark's
 * start-up dominates small captures). Larger ones get the fields pass while
 * our engine runs, then the follow runs. */
#define ONE_PASS_LIMIT (64 * 1024 * 1024)

typedef struct {
    vf_frames *frames;
    vf_follow_parser *follow;
    bool in_follow;
} one_pass;

/* Per-frame lines first, then (from the first "=====" on) the follow blocks. */
static void
one_pass_line(void *user, const char *line, size_t len)
{
    one_pass *op = user;
    if (!op->in_follow && g_str_has_prefix(line, "====="))
        op->in_follow = true;
    if (op->in_follow)
        vf_follow_parser_line(op->follow, line, len);
    else if (len > 0)
        vf_frames_add_line(op->frames, line, len);
}

static char **
one_pass_argv(const char *capture, guint streams)
{
    g_auto(GStrv) fields = vf_fields_argv(capture);
    GPtrArray *argv = g_ptr_array_new();
    for (char **a = fields; *a != NULL; a++)
        g_ptr_array_add(argv, g_strdup(*a));
    for (guint t = 0; t < streams; t++) {
        g_ptr_array_add(argv, g_strdup("-z"));
        g_ptr_array_add(argv, g_strdup_printf("follow,tcp,raw,%u", t));
    }
    g_ptr_array_add(argv, NULL);
    return (char **)g_ptr_array_free(argv, FALSE);
}

static bool
small_capture(const char *path)
{
    GStatBuf st;
    return g_stat(path, &st) == 0 && st.st_size < ONE_PASS_LIMIT;
}

/* ---- one capture --------------------------------------------------- */

static void
verify_capture(verify_item *it, const verify_config *cfg)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *tmpdir = vf_make_temp_dir(&error);
    if (tmpdir == NULL) {
        note(it, "%s", error->message);
        it->error = true;
        return;
    }
    vf_capture cap = {.path = it->path, .snaplen = vf_capture_snaplen(it->path)};
    bool tshark = cfg->avail[VF_TOOL_TSHARK];
    bool tcpflow = cfg->want[VF_TOOL_TCPFLOW] && cfg->avail[VF_TOOL_TCPFLOW];

    /* tshark's fields pass (large captures) and tcpflow run while our
       engine does. */
    bool follow = tshark && cfg->want[VF_TOOL_TSHARK];
    bool single = follow && small_capture(it->path);
    vf_job *fields_job = NULL;
    if (tshark) {
        cap.frames = vf_frames_new();
        if (!single) {
            g_auto(GStrv) argv = vf_fields_argv(it->path);
            fields_job = vf_job_start((const char *const *)argv, vf_frames_add_line, cap.frames);
        }
    }
    tcpflow_run flow = {.capture = it->path, .tmpdir = tmpdir};
    GThread *flow_thread = tcpflow ? g_thread_new("vf-tcpflow", tcpflow_thread, &flow) : NULL;

    cap.ours = vf_ours_run(it->path, TS_OVERLAP_FIRST);
    if (cap.ours->error != NULL) {
        note(it, "%s", cap.ours->error);
        it->error = true;
    }
    if (vf_has_overlap_conflicts(cap.ours)) {
        if (tcpflow)
            cap.ours_last = vf_ours_run(it->path, TS_OVERLAP_LAST);
        if (tshark && cfg->want[VF_TOOL_TSHARK])
            cap.ours_linux = vf_ours_run(it->path, TS_OVERLAP_LINUX);
    }

    /* Follow the streams we expect tshark to have (ours: numbered alike),
       with the fields pass or while it still runs; the fields pass then names
       any other. */
    follow_runs runs = {0};
    guint guessed = cap.ours->sessions->len;
    one_pass op = {.frames = cap.frames};
    if (single) {
        op.follow = vf_follow_parser_new();
        g_auto(GStrv) argv = one_pass_argv(it->path, guessed);
        fields_job = vf_job_start((const char *const *)argv, one_pass_line, &op);
    } else if (follow) {
        g_autofree uint64_t *guess = g_new(uint64_t, MAX(guessed, 1));
        for (guint i = 0; i < guessed; i++)
            guess[i] = i;
        follow_start(&runs, it, cfg, guess, guessed);
    }
    if (fields_job != NULL && !vf_job_finish(fields_job, &error)) {
        if (cap.frames->frames->len == 0) {
            note(it, "tshark failed: %s", error->message);
            g_clear_pointer(&cap.frames, vf_frames_free);
            tshark = false;
        } else {
            note(it, "warning: tshark: %s", error->message);
        }
        g_clear_error(&error);
    }
    vf_pair_streams(&cap);

    if (tshark && tcpflow && !vf_check_ip_lengths(it->path, cap.frames, &error)) {
        note(it, "warning: tshark: %s", error->message);
        g_clear_error(&error);
    }
    if (tshark) {
        g_autoptr(GArray) needed = vf_needed_payload_frames(&cap);
        if (needed->len > 0) {
            g_autoptr(GHashTable) trailers = g_hash_table_new_full(
                g_direct_hash, g_direct_equal, NULL, (GDestroyNotify)g_bytes_unref);
            cap.payloads = vf_fetch_payloads(it->path, (const uint32_t *)(void *)needed->data,
                                             needed->len, trailers, &error);
            GHashTableIter iter;
            gpointer key, value;
            g_hash_table_iter_init(&iter, trailers);
            while (g_hash_table_iter_next(&iter, &key, &value)) {
                const vf_frame *f = vf_frames_get(cap.frames, GPOINTER_TO_UINT(key));
                if (f != NULL && f->odd_trailer)
                    vf_frames_set_extra(cap.frames, GPOINTER_TO_UINT(key), value);
            }
            if (cap.payloads == NULL) {
                note(it, "warning: tshark could not give the bytes of %u frames: %s", needed->len,
                     error->message);
                g_clear_error(&error);
            }
        }
    }
    if (flow_thread != NULL) {
        g_thread_join(flow_thread);
        cap.flowfiles = flow.files;
        if (cap.flowfiles == NULL) {
            note(it, "skipped by tcpflow: %s", flow.error->message);
            g_clear_error(&flow.error);
            it->skipped[VF_TOOL_TCPFLOW] = true;
        }
    }

    it->results = g_ptr_array_new_with_free_func(vf_result_free);
    if (cap.flowfiles != NULL)
        vf_compare_tcpflow(&cap, it->results);
    if (follow) {
        GHashTable *table = NULL;
        bool ok = true;
        if (single) {
            uint64_t bad = 0;
            table = vf_follow_parser_finish(op.follow, &bad);
            op.follow = NULL;
            if (bad > 0)
                note(it, "warning: %" G_GUINT64_FORMAT " lines of tshark's output not understood",
                     bad);
        } else {
            table = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, vf_follow_free);
            ok = follow_finish(&runs, it, table);
        }
        g_autoptr(GArray) missing = g_array_new(FALSE, FALSE, sizeof(uint64_t));
        for (guint t = guessed; tshark && t < cap.frames->stream->len; t++) {
            uint64_t v = t;
            if (g_ptr_array_index(cap.frames->stream, t) != NULL)
                g_array_append_val(missing, v);
        }
        if (ok && tshark && missing->len > 0) {
            follow_start(&runs, it, cfg, (const uint64_t *)(void *)missing->data, missing->len);
            ok = follow_finish(&runs, it, table);
        }
        if (ok && tshark) {
            cap.follow = table;
            vf_compare_tshark(&cap, it->results);
        } else {
            g_hash_table_unref(table);
            it->skipped[VF_TOOL_TSHARK] = true;
        }
    } else if (cfg->want[VF_TOOL_TSHARK]) {
        it->skipped[VF_TOOL_TSHARK] = true;
    }
    /* tshark's lines first, then tcpflow's */
    g_autoptr(GPtrArray) ordered = g_ptr_array_new_with_free_func(vf_result_free);
    for (int tool = 0; tool < VF_TOOL_COUNT_; tool++) {
        for (guint i = 0; i < it->results->len; i++) {
            vf_result *r = g_ptr_array_index(it->results, i);
            if ((int)r->tool == tool)
                g_ptr_array_add(ordered, r);
        }
    }
    g_ptr_array_set_free_func(it->results, NULL);
    g_ptr_array_unref(it->results);
    it->results = g_steal_pointer(&ordered);

    if (cap.follow != NULL)
        g_hash_table_unref(cap.follow);
    if (cap.payloads != NULL)
        g_hash_table_unref(cap.payloads);
    if (cap.flowfiles != NULL)
        g_ptr_array_unref(cap.flowfiles);
    vf_unpair_streams(&cap);
    vf_frames_free(cap.frames);
    vf_ours_free(cap.ours_last);
    vf_ours_free(cap.ours_linux);
    vf_ours_free(cap.ours);
    vf_rmtree(tmpdir);
}

static void
worker(gpointer data, gpointer user)
{
    verify_item *it = data;
    verify_shared *shared = user;
    verify_capture(it, shared->cfg);
    g_mutex_lock(&shared->lock);
    it->done = true;
    g_cond_broadcast(&shared->cond);
    g_mutex_unlock(&shared->lock);
}

/* ---- the command line ---------------------------------------------- */

static int
compare_str(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds the captures under `dir` (recursively, sorted) to `items`. */
static void
collect_dir(const char *root, const char *dir, GPtrArray *items)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    if (d == NULL)
        return;
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    while ((name = g_dir_read_name(d)) != NULL)
        g_ptr_array_add(names, g_build_filename(dir, name, NULL));
    g_dir_close(d);
    g_ptr_array_sort(names, compare_str);
    g_autofree char *root_base = g_path_get_basename(root);
    size_t root_len = strlen(root);
    for (guint i = 0; i < names->len; i++) {
        const char *path = g_ptr_array_index(names, i);
        if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
            if (!g_file_test(path, G_FILE_TEST_IS_SYMLINK))
                collect_dir(root, path, items);
            continue;
        }
        if (!vf_looks_like_capture(path))
            continue;
        verify_item *it = g_new0(verify_item, 1);
        it->path = g_strdup(path);
        it->notes = g_string_new(NULL);
        /* group: ROOT, or ROOT/first-folder-below-it */
        const char *rel = path + root_len;
        while (*rel == '/')
            rel++;
        const char *slash = strchr(rel, '/');
        it->group = slash != NULL ? g_strdup_printf("%s/%.*s", root_base, (int)(slash - rel), rel)
                                  : g_strdup(root_base);
        g_ptr_array_add(items, it);
    }
}

static bool
parse_against(const char *text, bool want[VF_TOOL_COUNT_])
{
    want[VF_TOOL_TSHARK] = want[VF_TOOL_TCPFLOW] = false;
    g_auto(GStrv) names = g_strsplit(text, ",", -1);
    for (char **n = names; *n != NULL; n++) {
        g_strstrip(*n);
        if (strcmp(*n, "tshark") == 0)
            want[VF_TOOL_TSHARK] = true;
        else if (strcmp(*n, "tcpflow") == 0)
            want[VF_TOOL_TCPFLOW] = true;
        else if (**n != '\0')
            return false;
    }
    return want[VF_TOOL_TSHARK] || want[VF_TOOL_TCPFLOW];
}

static const char verify_description[] =
    "Runs tshark (Follow TCP Stream, raw) and tcpflow on each capture, pairs their\n"
    "streams with our sessions and compares both directions by length, md5 and\n"
    "byte for byte. Every session gets one log line per tool: 'same', or 'wrong'\n"
    "with the direction, both lengths and md5s, the first differing offset and\n"
    "either 'explained: CATEGORY,...' (a known behaviour of the other tool or a\n"
    "deliberate difference of ours, proved from the data) or 'unexplained'.\n"
    "A summary table per source folder and tool ends the output.\n"
    "\n"
    "Environment: TS_TSHARK, TS_TCPFLOW name the programs to run.\n"
    "\n"
    "Exit status: 0 everything same or explained, 1 something unexplained (or a\n"
    "capture could not be read), 2 usage error, 3 none of the tools is installed.";

int
ts_cmd_verify(int argc, char **argv)
{
    g_autofree char *against = NULL;
    g_autofree char *log_path = NULL;
    gboolean json = FALSE, recursive = FALSE, quiet = FALSE;
    gint jobs = 0, batch = 1000;
    const GOptionEntry entries[] = {
        {"against", 'a', 0, G_OPTION_ARG_STRING, &against,
         "Tools to compare with: tshark,tcpflow (default: both)", "TOOLS"},
        {"log", 'l', 0, G_OPTION_ARG_FILENAME, &log_path,
         "Write the log lines to FILE instead of standard output", "FILE"},
        {"json", 0, 0, G_OPTION_ARG_NONE, &json,
         "Print the results and the summary as one JSON object", NULL},
        {"recursive", 'r', 0, G_OPTION_ARG_NONE, &recursive,
         "Verify every capture under the folders given", NULL},
        {"jobs", 'j', 0, G_OPTION_ARG_INT, &jobs,
         "Captures verified at once (default: number of processors)", "N"},
        {"batch", 0, 0, G_OPTION_ARG_INT, &batch, "Streams per tshark follow run (default 1000)",
         "N"},
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Log only the differences", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_auto(GStrv) args = NULL;
    int status = TS_EXIT_OK;
    if (!ts_cli_parse("verify", "CAPTURE...",
                      "Checks every session against tshark and tcpflow and explains each "
                      "difference.",
                      verify_description, entries, argc, argv, &args, &status))
        return status;

    verify_config cfg = {.batch = batch > 0 ? (guint)batch : 1000};
    if (!parse_against(against != NULL ? against : "tshark,tcpflow", cfg.want)) {
        fprintf(stderr, "tcpsession: --against takes tshark, tcpflow or both (comma-separated)\n");
        return TS_EXIT_USAGE;
    }
    if (args[0] == NULL) {
        fprintf(stderr, "tcpsession: no capture given\n"
                        "Try 'tcpsession verify --help' for more information.\n");
        return TS_EXIT_USAGE;
    }
    g_autoptr(GPtrArray) items = g_ptr_array_new();
    for (char **a = args; *a != NULL; a++) {
        if (g_file_test(*a, G_FILE_TEST_IS_DIR)) {
            if (!recursive) {
                fprintf(stderr, "tcpsession: %s is a folder (use -r to verify its captures)\n", *a);
                return TS_EXIT_USAGE;
            }
            collect_dir(*a, *a, items);
            continue;
        }
        verify_item *it = g_new0(verify_item, 1);
        it->path = g_strdup(*a);
        it->notes = g_string_new(NULL);
        g_autofree char *dir = g_path_get_dirname(*a);
        it->group = g_path_get_basename(dir);
        g_ptr_array_add(items, it);
    }

    /* Which tools can run: the spawn error tells a missing one. */
    bool any = false;
    for (int tool = 0; tool < VF_TOOL_COUNT_; tool++) {
        g_autofree char *why = NULL;
        bool needed = cfg.want[tool] || (tool == VF_TOOL_TSHARK && cfg.want[VF_TOOL_TCPFLOW]);
        if (!needed)
            continue;
        cfg.avail[tool] = vf_tool_probe((vf_tool)tool, &why);
        if (!cfg.avail[tool] && cfg.want[tool])
            fprintf(stderr, "tcpsession verify: skipped %s: %s\n", vf_tool_name((vf_tool)tool),
                    why);
        else if (!cfg.avail[tool])
            fprintf(stderr,
                    "tcpsession verify: tshark %s: tcpflow differences cannot be "
                    "classified\n",
                    why);
        any |= cfg.avail[tool] && cfg.want[tool];
    }
    if (!any) {
        free_items(items);
        return 3;
    }
    bool ran[VF_TOOL_COUNT_];
    for (int tool = 0; tool < VF_TOOL_COUNT_; tool++)
        ran[tool] = cfg.want[tool] && cfg.avail[tool];

    cfg.jobs = jobs > 0 ? (guint)jobs : MAX(g_get_num_processors(), 1u);
    cfg.follow_parallel = items->len == 1 ? MIN(cfg.jobs, 16u) : 1;

    FILE *log = stdout;
    if (log_path != NULL) {
        log = fopen(log_path, "w");
        if (log == NULL) {
            fprintf(stderr, "tcpsession: %s: %s\n", log_path, g_strerror(errno));
            free_items(items);
            return TS_EXIT_FAILURE;
        }
    }
    bool lines_to_stdout = log_path == NULL && !json;

    verify_shared shared = {.cfg = &cfg};
    g_mutex_init(&shared.lock);
    g_cond_init(&shared.cond);
    GThreadPool *pool = g_thread_pool_new(worker, &shared, (gint)cfg.jobs, TRUE, NULL);
    for (guint i = 0; i < items->len; i++)
        g_thread_pool_push(pool, g_ptr_array_index(items, i), NULL);

    /* Results in input order, as soon as each capture is done. */
    g_autoptr(GHashTable) group_index = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GPtrArray) groups = g_ptr_array_new();
    vf_totals total = {.name = NULL};
    GString *line = g_string_new(NULL);
    GString *json_out = g_string_new("{\"results\":[");
    bool first_json = true;
    for (guint i = 0; i < items->len; i++) {
        verify_item *it = g_ptr_array_index(items, i);
        g_mutex_lock(&shared.lock);
        while (!it->done)
            g_cond_wait(&shared.cond, &shared.lock);
        g_mutex_unlock(&shared.lock);

        fputs(it->notes->str, stderr);
        vf_totals *t = g_hash_table_lookup(group_index, it->group);
        if (t == NULL) {
            t = g_new0(vf_totals, 1);
            t->name = g_strdup(it->group);
            g_hash_table_insert(group_index, t->name, t);
            g_ptr_array_add(groups, t);
        }
        for (vf_totals *tt = t;; tt = &total) {
            tt->captures++;
            tt->errors += it->error;
            for (int tool = 0; tool < VF_TOOL_COUNT_; tool++)
                tt->skipped[tool] += it->skipped[tool] && ran[tool];
            if (it->results != NULL)
                vf_totals_add(tt, it->results);
            if (tt == &total)
                break;
        }
        for (guint k = 0; it->results != NULL && k < it->results->len; k++) {
            const vf_result *r = g_ptr_array_index(it->results, k);
            if (!ran[r->tool])
                continue;
            if (json) {
                g_string_append(json_out, first_json ? "\n" : ",\n");
                vf_json_result(json_out, it->path, r);
                first_json = false;
            }
            if (quiet && r->verdict == VF_SAME)
                continue;
            g_string_truncate(line, 0);
            vf_format_result(line, it->path, r);
            g_string_append_c(line, '\n');
            if (log_path != NULL || lines_to_stdout)
                fputs(line->str, log);
            if (log_path != NULL && !json && r->verdict == VF_UNEXPLAINED)
                fputs(line->str, stdout);
        }
        if (it->error || total.unexplained[0] + total.unexplained[1] > 0)
            status = TS_EXIT_FAILURE;
    }
    g_thread_pool_free(pool, FALSE, TRUE);
    g_mutex_clear(&shared.lock);
    g_cond_clear(&shared.cond);

    if (json) {
        g_string_append(json_out, "\n],\"groups\":[");
        for (guint g = 0; g < groups->len; g++) {
            if (g > 0)
                g_string_append_c(json_out, ',');
            vf_json_totals(json_out, g_ptr_array_index(groups, g), ran);
        }
        g_string_append(json_out, "],\"total\":");
        vf_json_totals(json_out, &total, ran);
        g_string_append(json_out, "}\n");
        fputs(json_out->str, stdout);
    } else {
        g_autoptr(GString) summary = g_string_new(NULL);
        vf_format_summary(summary, (vf_totals *const *)groups->pdata, groups->len, &total, ran);
        fputs(summary->str, stdout);
    }
    g_string_free(json_out, TRUE);
    g_string_free(line, TRUE);
    if (log != stdout && fclose(log) != 0) {
        fprintf(stderr, "tcpsession: %s: %s\n", log_path, g_strerror(errno));
        status = TS_EXIT_FAILURE;
    }
    for (guint g = 0; g < groups->len; g++) {
        vf_totals *t = g_ptr_array_index(groups, g);
        g_free(t->name);
        g_free(t);
    }
    free_items(items);
    return status;
}

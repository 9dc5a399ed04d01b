/*
 * capture.c — the verification of one capture, step by step: tshark's
 * fields pass and tcpflow start while our engine runs; our sessions are
 * followed by tshark (many streams per run; a lone capture's streams are
 * split across runs at once) while the fields pass still runs, or in the
 * same tshark run for small captures; the sessions are paired, the bytes the
 * classification needs are fetched, and both tools' outputs are compared.
 */
#include "verify_internal.h"

#include "util/bpf.h"

#include <glib/gstdio.h>
#include <string.h>

vf_item *
vf_item_new(const char *path, const char *group)
{
    vf_item *it = g_new0(vf_item, 1);
    it->path = g_strdup(path);
    it->group = g_strdup(group);
    it->notes = g_string_new(NULL);
    return it;
}

void
vf_item_free(gpointer data)
{
    vf_item *it = data;
    if (it == NULL)
        return;
    g_free(it->path);
    g_free(it->group);
    if (it->results != NULL)
        g_ptr_array_unref(it->results);
    g_string_free(it->notes, TRUE);
    g_free(it);
}

static void note(vf_item *it, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
note(vf_item *it, const char *fmt, ...)
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

/* Starts follow runs over `streams[0..n)`: batches of at most plan->batch
 * streams (more when there would be over MAX_FOLLOW_RUNS), at least
 * plan->follow_parallel runs when there are many streams, all at once. */
static void
follow_start(follow_runs *fr, const vf_item *it, const vf_plan *plan, const uint64_t *streams,
             guint n)
{
    fr->n = 0;
    if (n == 0)
        return;
    guint runs = (n + plan->batch - 1) / plan->batch;
    if (n >= 64 && runs < plan->follow_parallel)
        runs = plan->follow_parallel;
    runs = CLAMP(runs, 1u, (guint)MAX_FOLLOW_RUNS);
    guint per = (n + runs - 1) / runs;
    for (guint start = 0; start < n; start += per) {
        guint count = MIN(per, n - start);
        g_auto(GStrv) argv = vf_follow_argv(it->source, streams + start, count);
        fr->parsers[fr->n] = vf_follow_parser_new();
        fr->jobs[fr->n] =
            vf_job_start((const char *const *)argv, vf_follow_parser_line, fr->parsers[fr->n]);
        fr->n++;
    }
}

/* Moves every entry of `from` into `into` and frees `from`. */
static void
move_follows(GHashTable *from, GHashTable *into)
{
    GHashTableIter iter;
    gpointer key, value;
    g_hash_table_iter_init(&iter, from);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        g_hash_table_iter_steal(&iter);
        g_hash_table_replace(into, key, value);
    }
    g_hash_table_unref(from);
}

/* Waits for the runs and moves what they parsed into `into` (stream ->
 * vf_follow*, owning). False after a note when a run failed outright. */
static bool
follow_finish(follow_runs *fr, vf_item *it, GHashTable *into)
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
        move_follows(table, into);
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

/* ---- the steps of one capture -------------------------------------- */

/* One capture's verification under way. */
typedef struct {
    vf_item *it;
    const vf_plan *plan;
    char *tmpdir;
    char *selected; /* --filter: the capture of the selected frames, in tmpdir */
    vf_capture cap;
    bool tshark;  /* tshark's frames are (still) there */
    bool tcpflow; /* tcpflow runs */
    bool follow;  /* compared with tshark */
    bool single;  /* one tshark run for the fields and the follow */
    vf_job *fields_job;
    tcpflow_run flow;
    GThread *flow_thread;
    follow_runs runs;
    guint guessed; /* streams followed before the fields pass named them */
    one_pass op;
} work;

/* tshark's fields pass (large captures) and tcpflow, while our engine runs. */
static void
start_tools(work *w)
{
    const vf_plan *plan = w->plan;
    w->tshark = plan->avail[VF_TOOL_TSHARK];
    w->tcpflow = plan->want[VF_TOOL_TCPFLOW] && plan->avail[VF_TOOL_TCPFLOW];
    w->follow = w->tshark && plan->want[VF_TOOL_TSHARK];
    w->single = w->follow && small_capture(w->it->source);
    if (w->tshark) {
        w->cap.frames = vf_frames_new();
        if (!w->single) {
            g_auto(GStrv) argv = vf_fields_argv(w->it->source);
            w->fields_job =
                vf_job_start((const char *const *)argv, vf_frames_add_line, w->cap.frames);
        }
    }
    w->flow = (tcpflow_run){.capture = w->it->source, .tmpdir = w->tmpdir};
    if (w->tcpflow)
        w->flow_thread = g_thread_new("vf-tcpflow", tcpflow_thread, &w->flow);
}

/* Our sessions, and with overlap "last" (tcpflow) and "linux" (tshark) when
 * copies of bytes disagree. */
static void
run_ours(work *w)
{
    w->cap.ours = vf_ours_run(w->it->source, TS_OVERLAP_FIRST);
    if (w->cap.ours->error != NULL) {
        note(w->it, "%s", w->cap.ours->error);
        w->it->error = true;
    }
    bool tcp = vf_has_overlap_conflicts(w->cap.ours, false);
    bool ip = vf_has_overlap_conflicts(w->cap.ours, true);
    /* tcpflow writes the last copy; tshark keeps in-sequence TCP bytes
       ("linux") and lays IP fragments out in offset order (here: "last") */
    if ((tcp && w->tcpflow) || (ip && (w->tcpflow || w->follow)))
        w->cap.ours_last = vf_ours_run(w->it->source, TS_OVERLAP_LAST);
    if (tcp && w->follow)
        w->cap.ours_linux = vf_ours_run(w->it->source, TS_OVERLAP_LINUX);
}

/* Follows the streams we expect tshark to have (ours: numbered alike), with
 * the fields pass or while it still runs; the fields pass then names any
 * other. */
static void
start_follow(work *w)
{
    w->guessed = w->cap.ours->sessions->len;
    w->op = (one_pass){.frames = w->cap.frames};
    if (w->single) {
        w->op.follow = vf_follow_parser_new();
        g_auto(GStrv) argv = one_pass_argv(w->it->source, w->guessed);
        w->fields_job = vf_job_start((const char *const *)argv, one_pass_line, &w->op);
    } else if (w->follow) {
        g_autofree uint64_t *guess = g_new(uint64_t, MAX(w->guessed, 1));
        for (guint i = 0; i < w->guessed; i++)
            guess[i] = i;
        follow_start(&w->runs, w->it, w->plan, guess, w->guessed);
    }
}

/* Waits for the fields pass (tshark is given up when it gave nothing) and
 * pairs our sessions with tshark's streams. */
static void
finish_fields(work *w)
{
    g_autoptr(GError) error = NULL;
    if (w->fields_job != NULL && !vf_job_finish(w->fields_job, &error)) {
        if (w->cap.frames->frames->len == 0) {
            note(w->it, "tshark failed: %s", error->message);
            g_clear_pointer(&w->cap.frames, vf_frames_free);
            w->tshark = false;
        } else {
            note(w->it, "warning: tshark: %s", error->message);
        }
    }
    vf_pair_streams(&w->cap);
}

/* The bytes after IP packets that tshark dissected as a protocol of their
 * own replace the frames' extra bytes. */
static void
use_odd_trailers(vf_frames *frames, GHashTable *trailers)
{
    GHashTableIter iter;
    gpointer key, value;
    g_hash_table_iter_init(&iter, trailers);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        const vf_frame *f = vf_frames_get(frames, GPOINTER_TO_UINT(key));
        if (f != NULL && f->odd_trailer)
            vf_frames_set_extra(frames, GPOINTER_TO_UINT(key), value);
    }
}

/* What the classification needs from tshark beyond its fields: the frames
 * whose IP length is really 0 (for tcpflow) and the bytes of the anomalies. */
static void
fetch_extras(work *w)
{
    g_autoptr(GError) error = NULL;
    if (!w->tshark)
        return;
    if (w->tcpflow && !vf_check_ip_lengths(w->it->source, w->cap.frames, &error)) {
        note(w->it, "warning: tshark: %s", error->message);
        g_clear_error(&error);
    }
    g_autoptr(GArray) needed = vf_needed_payload_frames(&w->cap);
    if (needed->len == 0)
        return;
    g_autoptr(GHashTable) trailers =
        g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, (GDestroyNotify)g_bytes_unref);
    w->cap.payloads = vf_fetch_payloads(w->it->source, (const uint32_t *)(void *)needed->data,
                                        needed->len, trailers, &error);
    use_odd_trailers(w->cap.frames, trailers);
    if (w->cap.payloads == NULL)
        note(w->it, "warning: tshark could not give the bytes of %u frames: %s", needed->len,
             error->message);
}

/* Waits for tcpflow; the capture is skipped by tcpflow when it failed. */
static void
finish_tcpflow(work *w)
{
    if (w->flow_thread == NULL)
        return;
    g_thread_join(w->flow_thread);
    w->cap.flowfiles = w->flow.files;
    if (w->cap.flowfiles == NULL) {
        note(w->it, "skipped by tcpflow: %s", w->flow.error->message);
        g_clear_error(&w->flow.error);
        w->it->skipped[VF_TOOL_TCPFLOW] = true;
    }
}

/* tshark's streams the fields pass found beyond those followed already. */
static GArray *
unfollowed_streams(const work *w)
{
    GArray *missing = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    for (guint t = w->guessed; w->tshark && t < w->cap.frames->stream->len; t++) {
        uint64_t v = t;
        if (g_ptr_array_index(w->cap.frames->stream, t) != NULL)
            g_array_append_val(missing, v);
    }
    return missing;
}

/* Collects every followed stream into a table (stream -> vf_follow*); false
 * when a follow run failed outright. */
static bool
collect_follows(work *w, GHashTable **table)
{
    bool ok = true;
    if (w->single) {
        uint64_t bad = 0;
        *table = vf_follow_parser_finish(w->op.follow, &bad);
        w->op.follow = NULL;
        if (bad > 0)
            note(w->it, "warning: %" G_GUINT64_FORMAT " lines of tshark's output not understood",
                 bad);
    } else {
        *table = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, vf_follow_free);
        ok = follow_finish(&w->runs, w->it, *table);
    }
    g_autoptr(GArray) missing = unfollowed_streams(w);
    if (ok && w->tshark && missing->len > 0) {
        follow_start(&w->runs, w->it, w->plan, (const uint64_t *)(void *)missing->data,
                     missing->len);
        ok = follow_finish(&w->runs, w->it, *table);
    }
    return ok;
}

/* Compares with tshark's follow output, or skips tshark. */
static void
compare_tshark(work *w)
{
    if (!w->follow) {
        if (w->plan->want[VF_TOOL_TSHARK])
            w->it->skipped[VF_TOOL_TSHARK] = true;
        return;
    }
    GHashTable *table = NULL;
    bool ok = collect_follows(w, &table);
    if (ok && w->tshark) {
        w->cap.follow = table;
        vf_compare_tshark(&w->cap, w->it->results);
    } else {
        g_hash_table_unref(table);
        w->it->skipped[VF_TOOL_TSHARK] = true;
    }
}

/* tshark's results first, then tcpflow's, each in the order made. */
static void
order_results(vf_item *it)
{
    GPtrArray *ordered = g_ptr_array_new_with_free_func(vf_result_free);
    for (int tool = 0; tool < VF_TOOL_COUNT_; tool++) {
        for (guint i = 0; i < it->results->len; i++) {
            vf_result *r = g_ptr_array_index(it->results, i);
            if ((int)r->tool == tool)
                g_ptr_array_add(ordered, r);
        }
    }
    g_ptr_array_set_free_func(it->results, NULL);
    g_ptr_array_unref(it->results);
    it->results = ordered;
}

static void
work_clear(work *w)
{
    vf_capture *cap = &w->cap;
    if (cap->follow != NULL)
        g_hash_table_unref(cap->follow);
    if (cap->payloads != NULL)
        g_hash_table_unref(cap->payloads);
    if (cap->flowfiles != NULL)
        g_ptr_array_unref(cap->flowfiles);
    vf_unpair_streams(cap);
    vf_frames_free(cap->frames);
    vf_ours_free(cap->ours_last);
    vf_ours_free(cap->ours_linux);
    vf_ours_free(cap->ours);
    vf_rmtree(w->tmpdir);
    g_free(w->tmpdir);
    g_free(w->selected);
    w->it->source = w->it->path; /* the temporary capture is gone */
}

/* --filter: the tools read the selected frames, written to the temporary
 * folder; false (noted, an error) when they cannot be. */
static bool
select_frames(work *w, const char *filter)
{
    g_autoptr(GError) error = NULL;
    w->selected = g_build_filename(w->tmpdir, "selected.pcap", NULL);
    uint64_t frames = 0;
    if (!ts_bpf_write_selected(filter, w->it->path, w->selected, &frames, &error)) {
        note(w->it, "%s", error->message);
        w->it->error = true;
        return false;
    }
    w->it->source = w->selected;
    return true;
}

void
vf_item_verify(vf_item *it, const vf_plan *plan)
{
    g_autoptr(GError) error = NULL;
    work w = {.it = it, .plan = plan};
    w.tmpdir = vf_make_temp_dir(&error);
    if (w.tmpdir == NULL) {
        note(it, "%s", error->message);
        it->error = true;
        return;
    }
    it->source = it->path;
    if (plan->filter != NULL && !select_frames(&w, plan->filter)) {
        it->results = g_ptr_array_new_with_free_func(vf_result_free);
        work_clear(&w);
        return;
    }
    w.cap = (vf_capture){.path = it->source, .snaplen = vf_capture_snaplen(it->source)};
    start_tools(&w);
    run_ours(&w);
    start_follow(&w);
    finish_fields(&w);
    fetch_extras(&w);
    finish_tcpflow(&w);
    it->results = g_ptr_array_new_with_free_func(vf_result_free);
    if (w.cap.flowfiles != NULL)
        vf_compare_tcpflow(&w.cap, it->results);
    compare_tshark(&w);
    order_results(it);
    work_clear(&w);
}

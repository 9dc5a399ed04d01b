/*
 * run.c — a verification run (vf_run, verify.h): which tools can run, the
 * list of captures (given one by one or found under folders) and their
 * groups, the parallel verification of the captures with results handed
 * back in the order given (util/parallel.h), and the totals per group.
 */
#include "util/parallel.h"
#include "verify_internal.h"

#include <string.h>

struct vf_run {
    vf_config cfg;
    bool avail[VF_TOOL_COUNT_]; /* wanted (or needed) and installed */
    bool uses[VF_TOOL_COUNT_];  /* wanted and installed */
    GString *notes;             /* what the probe found */
    GPtrArray *items;           /* vf_item*, in the order added */
    GHashTable *group_index;    /* name -> vf_totals* (in groups) */
    GPtrArray *groups;          /* vf_totals*, in order of first capture */
    vf_totals total;
    bool failed; /* a capture not read to the end, or something unexplained */
    vf_capture_fn fn;
    void *user;
};

void
vf_config_init(vf_config *cfg)
{
    *cfg = (vf_config){.want = {true, true}, .jobs = 0, .batch = 1000};
}

/* Which tools can run: the spawn error tells a missing one. tshark is
 * needed for tcpflow too (its frames classify tcpflow's differences). */
static void
probe_tools(vf_run *run)
{
    const bool *want = run->cfg.want;
    for (int tool = 0; tool < VF_TOOL_COUNT_; tool++) {
        g_autofree char *why = NULL;
        bool needed = want[tool] || (tool == VF_TOOL_TSHARK && want[VF_TOOL_TCPFLOW]);
        if (!needed)
            continue;
        run->avail[tool] = vf_tool_probe((vf_tool)tool, &why);
        if (!run->avail[tool] && want[tool])
            g_string_append_printf(run->notes, "tcpsession verify: skipped %s: %s\n",
                                   vf_tool_name((vf_tool)tool), why);
        else if (!run->avail[tool])
            g_string_append_printf(run->notes,
                                   "tcpsession verify: tshark %s: tcpflow differences cannot be "
                                   "classified\n",
                                   why);
        run->uses[tool] = run->avail[tool] && want[tool];
    }
}

static void
free_totals(gpointer data)
{
    vf_totals *t = data;
    g_free(t->name);
    g_free(t);
}

vf_run *
vf_run_new(const vf_config *cfg)
{
    vf_run *run = g_new0(vf_run, 1);
    run->cfg = *cfg;
    run->notes = g_string_new(NULL);
    run->items = g_ptr_array_new_with_free_func(vf_item_free);
    run->group_index = g_hash_table_new(g_str_hash, g_str_equal);
    run->groups = g_ptr_array_new_with_free_func(free_totals);
    probe_tools(run);
    return run;
}

void
vf_run_free(vf_run *run)
{
    if (run == NULL)
        return;
    g_string_free(run->notes, TRUE);
    g_ptr_array_unref(run->items);
    g_hash_table_unref(run->group_index);
    g_ptr_array_unref(run->groups);
    g_free(run);
}

const char *
vf_run_notes(const vf_run *run)
{
    return run->notes->str;
}

bool
vf_run_uses(const vf_run *run, vf_tool tool)
{
    return tool < VF_TOOL_COUNT_ && run->uses[tool];
}

bool
vf_run_has_tools(const vf_run *run)
{
    return run->uses[VF_TOOL_TSHARK] || run->uses[VF_TOOL_TCPFLOW];
}

/* ---- the captures --------------------------------------------------- */

void
vf_run_add_capture(vf_run *run, const char *path)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *group = g_path_get_basename(dir);
    g_ptr_array_add(run->items, vf_item_new(path, group));
}

static int
compare_str(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The paths in `dir`, sorted. */
static GPtrArray *
sorted_entries(const char *dir)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    GDir *d = g_dir_open(dir, 0, NULL);
    if (d == NULL)
        return names;
    const char *name;
    while ((name = g_dir_read_name(d)) != NULL)
        g_ptr_array_add(names, g_build_filename(dir, name, NULL));
    g_dir_close(d);
    g_ptr_array_sort(names, compare_str);
    return names;
}

/* Group of `path` under `root`: ROOT, or ROOT/first-folder-below-it. */
static char *
group_below(const char *root, const char *path)
{
    g_autofree char *root_base = g_path_get_basename(root);
    const char *rel = path + strlen(root);
    while (*rel == '/')
        rel++;
    const char *slash = strchr(rel, '/');
    return slash != NULL ? g_strdup_printf("%s/%.*s", root_base, (int)(slash - rel), rel)
                         : g_strdup(root_base);
}

/* Adds the captures under `dir` (recursively, sorted). */
static void
add_below(vf_run *run, const char *root, const char *dir)
{
    g_autoptr(GPtrArray) names = sorted_entries(dir);
    for (guint i = 0; i < names->len; i++) {
        const char *path = g_ptr_array_index(names, i);
        if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
            if (!g_file_test(path, G_FILE_TEST_IS_SYMLINK))
                add_below(run, root, path);
            continue;
        }
        if (!vf_looks_like_capture(path))
            continue;
        g_autofree char *group = group_below(root, path);
        g_ptr_array_add(run->items, vf_item_new(path, group));
    }
}

void
vf_run_add_folder(vf_run *run, const char *root)
{
    add_below(run, root, root);
}

size_t
vf_run_n_captures(const vf_run *run)
{
    return run->items->len;
}

/* ---- verifying ------------------------------------------------------ */

/* The totals of group `name`, made on first use. */
static vf_totals *
group_totals(vf_run *run, const char *name)
{
    vf_totals *t = g_hash_table_lookup(run->group_index, name);
    if (t == NULL) {
        t = g_new0(vf_totals, 1);
        t->name = g_strdup(name);
        g_hash_table_insert(run->group_index, t->name, t);
        g_ptr_array_add(run->groups, t);
    }
    return t;
}

static void
count_item(vf_totals *t, const vf_item *it)
{
    t->captures++;
    t->errors += it->error;
    for (int tool = 0; tool < VF_TOOL_COUNT_; tool++)
        t->skipped[tool] += it->skipped[tool];
    if (it->results != NULL)
        vf_totals_add(t, it->results);
}

static bool
run_one(void *ctx, unsigned index, GString *msgs)
{
    (void)msgs;
    vf_run *run = ctx;
    vf_plan plan = {.batch = run->cfg.batch > 0 ? (guint)run->cfg.batch : 1000};
    memcpy(plan.want, run->cfg.want, sizeof plan.want);
    memcpy(plan.avail, run->avail, sizeof plan.avail);
    guint jobs = run->cfg.jobs > 0 ? (guint)run->cfg.jobs : MAX(g_get_num_processors(), 1u);
    plan.follow_parallel = run->items->len == 1 ? MIN(jobs, 16u) : 1;
    plan.filter = run->cfg.filter;
    vf_item_verify(g_ptr_array_index(run->items, index), &plan);
    return true;
}

/* In capture order: counts the capture, hands it to the caller, frees its
 * results. */
static void
done_one(void *ctx, unsigned index, const char *msgs, bool ok)
{
    (void)msgs;
    (void)ok;
    vf_run *run = ctx;
    vf_item *it = g_ptr_array_index(run->items, index);
    for (int tool = 0; tool < VF_TOOL_COUNT_; tool++)
        it->skipped[tool] = it->skipped[tool] && run->uses[tool];
    count_item(group_totals(run, it->group), it);
    count_item(&run->total, it);
    if (it->error || run->total.unexplained[0] + run->total.unexplained[1] > 0)
        run->failed = true;
    vf_capture_result res = {
        .path = it->path,
        .group = it->group,
        .notes = it->notes->str,
        .error = it->error,
        .results = it->results != NULL ? (const vf_result *const *)it->results->pdata : NULL,
        .n_results = it->results != NULL ? it->results->len : 0,
    };
    memcpy(res.skipped, it->skipped, sizeof res.skipped);
    if (run->fn != NULL)
        run->fn(run->user, &res);
    g_clear_pointer(&it->results, g_ptr_array_unref);
}

bool
vf_run_verify(vf_run *run, vf_capture_fn fn, void *user)
{
    run->fn = fn;
    run->user = user;
    unsigned n = run->items->len;
    ts_run_ordered(n, ts_worker_count(run->cfg.jobs, n), run_one, done_one, run);
    return !run->failed;
}

const vf_totals *
vf_run_total(const vf_run *run)
{
    return &run->total;
}

size_t
vf_run_n_groups(const vf_run *run)
{
    return run->groups->len;
}

const vf_totals *
vf_run_group(const vf_run *run, size_t i)
{
    return i < run->groups->len ? g_ptr_array_index(run->groups, i) : NULL;
}

void
vf_run_format_summary(GString *out, const vf_run *run)
{
    vf_format_summary(out, (vf_totals *const *)run->groups->pdata, run->groups->len, &run->total,
                      run->uses);
}

void
vf_json_end(GString *out, const vf_run *run)
{
    g_string_append(out, "\n],\"groups\":[");
    for (guint g = 0; g < run->groups->len; g++) {
        if (g > 0)
            g_string_append_c(out, ',');
        vf_json_totals(out, g_ptr_array_index(run->groups, g), run->uses);
    }
    g_string_append(out, "],\"total\":");
    vf_json_totals(out, &run->total, run->uses);
    g_string_append(out, "}\n");
}

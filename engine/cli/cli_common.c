/*
 * cli_common.c — the plumbing every command shares: option parsing with
 * --help written as UTF-8, the engine's warnings, capture stems and names
 * ("-" is standard input), the captures of folders (-r) and of a series of
 * rotated captures (--series) read into one engine.
 */
#include "cli.h"
#include "util/out_dir.h"
#include "util/probe.h"

#include <stdio.h>
#include <string.h>

/* Parses one command's options; see cli.h. */
bool
ts_cli_parse(const char *command, const char *parameter, const char *summary,
             const char *description, const GOptionEntry *entries, int argc, char **argv,
             char ***rest, int *status)
{
    return ts_cli_parse_more(command, parameter, summary, description, entries, NULL, argc, argv,
                             rest, status);
}

/* Parses one command's options and the reassembly options; see cli.h. */
bool
ts_cli_parse_more(const char *command, const char *parameter, const char *summary,
                  const char *description, const GOptionEntry *entries, const GOptionEntry *more,
                  int argc, char **argv, char ***rest, int *status)
{
    g_autofree char *prgname = g_strdup_printf("tcpsession %s", command);
    g_set_prgname(prgname);

    /* --help is handled here rather than by GLib so the text is written as
     * UTF-8 whatever the locale (GLib would turn "OPTION…" into "OPTION?"). */
    gboolean want_help = FALSE;
    const GOptionEntry help_entries[] = {
        {"help", 'h', 0, G_OPTION_ARG_NONE, &want_help, "Show this help", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GOptionContext) context = g_option_context_new(parameter);
    g_option_context_set_summary(context, summary);
    g_option_context_set_description(context, description);
    g_option_context_set_help_enabled(context, FALSE);
    g_option_context_add_main_entries(context, entries, NULL);
    if (more != NULL)
        g_option_context_add_main_entries(context, more, NULL);
    g_option_context_add_main_entries(context, help_entries, NULL);

    /* parse_strv wants an array it may rearrange and free: give it a copy. */
    char **args = g_new0(char *, (gsize)argc + 1);
    for (int i = 0; i < argc; i++)
        args[i] = g_strdup(argv[i]);
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse_strv(context, &args, &error)) {
        fprintf(stderr, "tcpsession: %s\n", error->message);
        fprintf(stderr, "Try 'tcpsession %s --help' for more information.\n", command);
        g_strfreev(args);
        *status = TS_EXIT_USAGE;
        return false;
    }
    if (want_help) {
        g_autofree char *help = g_option_context_get_help(context, TRUE, NULL);
        fputs(help, stdout);
        g_strfreev(args);
        *status = TS_EXIT_OK;
        return false;
    }

    /* Drop argv[0] and a "--" separator GOption may leave behind. */
    GPtrArray *positional = g_ptr_array_new();
    bool separator_seen = false;
    for (char **p = args + 1; *p != NULL; p++) {
        if (!separator_seen && strcmp(*p, "--") == 0) {
            separator_seen = true;
            continue;
        }
        g_ptr_array_add(positional, g_strdup(*p));
    }
    g_ptr_array_add(positional, NULL);
    g_strfreev(args);
    *rest = (char **)g_ptr_array_free(positional, FALSE);
    return true;
}

/* Appends the engine's warnings, then the selection's, to `out` (owned by
 * the caller), one "warning: ..." line each. */
void
ts_cli_format_warnings(GString *out, const ts_engine *engine, const ts_selection *sel,
                       const char *capture)
{
    size_t n = 0;
    const char *const *warnings = ts_engine_warnings(engine, &n);
    for (size_t i = 0; warnings != NULL && i < n; i++)
        g_string_append_printf(out, "warning: %s\n", warnings[i]);
    if (sel != NULL && ts_selection_warning(sel) != NULL)
        g_string_append_printf(out, "warning: %s: %s\n", capture, ts_selection_warning(sel));
}

/* Appends the output folders' notices (removed leftovers) to `out`, one
 * "tcpsession: ..." line each. */
void
ts_cli_format_out_notices(GString *out)
{
    g_autofree char *text = ts_out_take_notices();
    g_auto(GStrv) lines = text != NULL ? g_strsplit(text, "\n", -1) : NULL;
    for (char **l = lines; l != NULL && *l != NULL; l++)
        if ((*l)[0] != '\0')
            g_string_append_printf(out, "tcpsession: %s\n", *l);
}

/* Prints the same lines as ts_cli_format_warnings() to stderr. */
void
ts_cli_print_warnings(const ts_engine *engine, const ts_selection *sel, const char *capture)
{
    g_autoptr(GString) out = g_string_new(NULL);
    ts_cli_format_warnings(out, engine, sel, capture);
    fputs(out->str, stderr);
}

/* "a/b/x.pcap.gz" -> "x" (caller frees); see cli.h. */
char *
ts_cli_capture_stem(const char *path)
{
    if (strcmp(path, "-") == 0)
        return g_strdup("stdin");
    g_autofree char *base = g_path_get_basename(path);
    size_t len = strlen(base);
    if (len > 3 && g_ascii_strcasecmp(base + len - 3, ".gz") == 0)
        base[len - 3] = '\0';
    char *dot = strrchr(base, '.');
    if (dot != NULL && dot != base)
        *dot = '\0';
    if (base[0] == '\0' || strcmp(base, ".") == 0 || strcmp(base, "/") == 0)
        return g_strdup("capture");
    return g_steal_pointer(&base);
}

/* ---- captures: standard input, folders, series ------------------------ */

/* "stdin" for "-", else `path`; see cli.h. */
const char *
ts_cli_capture_name(const char *path)
{
    return strcmp(path, "-") == 0 ? "stdin" : path;
}

/* Compares names with their digit runs as numbers ("f2" < "f10"); names
 * equal that way compare byte by byte. See cli.h. */
int
ts_cli_natural_compare(const char *a, const char *b)
{
    const char *x = a, *y = b;
    while (*x != '\0' && *y != '\0') {
        if (g_ascii_isdigit(*x) && g_ascii_isdigit(*y)) {
            while (*x == '0' && g_ascii_isdigit(x[1]))
                x++;
            while (*y == '0' && g_ascii_isdigit(y[1]))
                y++;
            size_t nx = 0, ny = 0;
            while (g_ascii_isdigit(x[nx]))
                nx++;
            while (g_ascii_isdigit(y[ny]))
                ny++;
            if (nx != ny)
                return nx < ny ? -1 : 1;
            int c = memcmp(x, y, nx);
            if (c != 0)
                return c;
            x += nx;
            y += ny;
            continue;
        }
        if (*x != *y)
            return (unsigned char)*x < (unsigned char)*y ? -1 : 1;
        x++;
        y++;
    }
    if (*x != *y)
        return *x == '\0' ? -1 : 1;
    return strcmp(a, b);
}

/* The first frame's timestamp, found by a frame hook that stops the run. */
typedef struct {
    ts_engine *engine;
    int64_t ts_ns;
} first_frame;

static void
on_first_frame(void *user, const ts_frame *f, uint64_t number)
{
    (void)number;
    first_frame *ff = user;
    if (f != NULL && ff->ts_ns == INT64_MAX) {
        ff->ts_ns = f->ts_ns;
        ts_engine_interrupt(ff->engine);
    }
}

/* Timestamp of the first frame of the capture at `path`; INT64_MAX when it
 * has none or cannot be read (it sorts last; reading it reports why). */
static int64_t
first_frame_ns(const char *path)
{
    ts_options opts;
    ts_options_init(&opts);
    opts.keep_payload = false;
    ts_callbacks cb = {.frame = on_first_frame};
    first_frame ff = {.ts_ns = INT64_MAX};
    ff.engine = ts_engine_new(&opts, &cb, &ff);
    ts_engine_run_file(ff.engine, path, NULL);
    ts_engine_free(ff.engine);
    return ff.ts_ns;
}

/* A capture of a folder of a series and the time it starts. */
typedef struct {
    char *path;
    int64_t first_ns;
} timed_capture;

static int
by_time_then_name(gconstpointer a, gconstpointer b)
{
    const timed_capture *x = a, *y = b;
    if (x->first_ns != y->first_ns)
        return x->first_ns < y->first_ns ? -1 : 1;
    return ts_cli_natural_compare(x->path, y->path);
}

/* Appends the captures `found` (freed) to `out`, sorted by their first
 * frame's timestamp, ties in natural name order. */
static void
append_by_time(GPtrArray *out, GPtrArray *found)
{
    g_autoptr(GArray) timed = g_array_sized_new(FALSE, FALSE, sizeof(timed_capture), found->len);
    for (guint i = 0; i < found->len; i++) {
        char *path = g_ptr_array_index(found, i);
        timed_capture t = {g_strdup(path), first_frame_ns(path)};
        g_array_append_val(timed, t);
    }
    g_array_sort(timed, by_time_then_name);
    for (guint i = 0; i < timed->len; i++)
        g_ptr_array_add(out, g_array_index(timed, timed_capture, i).path);
    g_ptr_array_unref(found);
}

/* The captures named by `args`; see cli.h. */
char **
ts_cli_collect_captures(char *const *args, bool recursive, bool by_time, GError **error)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    for (char *const *a = args; *a != NULL; a++) {
        if (strcmp(*a, "-") == 0 || !g_file_test(*a, G_FILE_TEST_IS_DIR)) {
            g_ptr_array_add(out, g_strdup(*a));
            continue;
        }
        GPtrArray *found = ts_probe_list_captures(*a, recursive);
        if (found->len == 0) {
            g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "%s: no capture in this folder",
                        *a);
            g_ptr_array_unref(found);
            g_ptr_array_unref(out);
            return NULL;
        }
        if (by_time) {
            append_by_time(out, found);
            continue;
        }
        for (guint i = 0; i < found->len; i++)
            g_ptr_array_add(out, g_strdup(g_ptr_array_index(found, i)));
        g_ptr_array_unref(found);
    }
    g_ptr_array_set_free_func(out, NULL);
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(out, FALSE);
}

/* Reads one capture, or a series into one engine; see cli.h. */
bool
ts_cli_run_captures(ts_engine *engine, char *const *files, GError **error)
{
    if (files[0] == NULL || files[1] == NULL)
        return files[0] == NULL || ts_engine_run_file(engine, files[0], error);
    bool ok = true;
    for (char *const *f = files; ok && *f != NULL; f++)
        ok = ts_engine_read_file(engine, *f, error);
    ts_engine_finish(engine);
    return ok;
}

/* See cli.h. */
bool
ts_cli_community_id_seed(const char *text, const char *command, uint16_t *seed)
{
    *seed = 0;
    if (text == NULL)
        return true;
    guint64 value = 0;
    if (!g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT16, &value, NULL)) {
        fprintf(stderr,
                "tcpsession: invalid Community ID seed '%s' for --community-id-seed "
                "(expected 0 to 65535)\nTry 'tcpsession %s --help' for more information.\n",
                text, command);
        return false;
    }
    *seed = (uint16_t)value;
    return true;
}

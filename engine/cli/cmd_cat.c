/*
 * cmd_cat.c — `tcpsession cat CAPTURE STREAM [--from client|server|both]`:
 * the bytes one session delivered, raw, to standard output, as the engine
 * delivers them (nothing is collected: memory does not grow with the
 * session), `both` directions interleaved in exchange order.
 *
 * A gap is never filled. By default the output stops before it, with a
 * message naming the capture, stream, side, offset and length of the hole
 * (exit status 1); --on-gap skip goes on past it, --on-gap mark (or
 * --marker TEXT) writes a marker in its place. The reading stops once the
 * stream's session is done. --overlap last is refused: it may rewrite bytes
 * already written. A reader that closes the pipe (`| head -c 10`) ends the
 * run quietly.
 */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

/** What to do at a gap of a direction being written. */
typedef enum {
    GAP_STOP = 0, /* write nothing more, report the hole, exit 1 */
    GAP_SKIP,     /* go on with the bytes after it */
    GAP_MARK,     /* write the marker, then go on */
} gap_action;

#define DEFAULT_MARKER "[{length} bytes missing]"

typedef struct {
    const char *capture; /* for messages: as given, "stdin" for "-" */
    const char *path;    /* as given */
    uint64_t stream;
    bool want[2]; /* directions written, by ts_direction */
    gap_action on_gap;
    const char *marker; /* template (escapes already decoded) */
    ts_engine *engine;
    bool found;        /* the stream's session was seen */
    bool done;         /* its session_done came */
    bool stopped;      /* nothing more is written (gap, write failure) */
    bool gap_hit;      /* stopped at `gap` (GAP_STOP) */
    ts_gap gap;        /* the hole output stopped at */
    int write_errno;   /* the failed write's errno, 0 when none */
    ts_selection *sel; /* --filter; NULL: every frame */
} cat_state;

static const char *
side_name(ts_direction d)
{
    return d == TS_FROM_CLIENT ? "client" : "server";
}

/* True when `s` is the session being written (and still is). */
static bool
is_target(const cat_state *st, const ts_session *s)
{
    return !st->done && ts_session_stream(s) == st->stream;
}

/* ts_callbacks.select_frame: --filter. */
static bool
select_frame(void *user, const ts_frame *f, uint64_t number)
{
    (void)number;
    return ts_selection_frame(((cat_state *)user)->sel, f);
}

/* Stops the output and the reading (nothing after this is written). */
static void
stop(cat_state *st)
{
    st->stopped = true;
    ts_engine_interrupt(st->engine);
}

/* Writes `len` bytes to stdout; on failure stops the run and keeps errno. */
static void
write_out(cat_state *st, const void *data, size_t len)
{
    if (len > 0 && fwrite(data, 1, len, stdout) != len) {
        st->write_errno = errno != 0 ? errno : EIO;
        stop(st);
    }
}

/* The marker for `gap`: the template with {length}, {offset} and {from}
 * replaced (caller frees). */
static GString *
expand_marker(const char *template, const ts_gap *gap)
{
    GString *out = g_string_new(NULL);
    for (const char *p = template; *p != '\0';) {
        if (g_str_has_prefix(p, "{length}")) {
            g_string_append_printf(out, "%" PRIu64, gap->length);
            p += strlen("{length}");
        } else if (g_str_has_prefix(p, "{offset}")) {
            g_string_append_printf(out, "%" PRIu64, gap->offset);
            p += strlen("{offset}");
        } else if (g_str_has_prefix(p, "{from}")) {
            g_string_append(out, side_name(gap->from));
            p += strlen("{from}");
        } else {
            g_string_append_c(out, *p++);
        }
    }
    return out;
}

static bool
select_session(void *user, const ts_session *s)
{
    return ts_session_stream(s) == ((const cat_state *)user)->stream;
}

static void
on_session_open(void *user, ts_session *s)
{
    cat_state *st = user;
    if (is_target(st, s))
        st->found = true;
}

static void
on_data(void *user, ts_session *s, const ts_delivery *d)
{
    cat_state *st = user;
    if (is_target(st, s) && !st->stopped && st->want[d->from])
        write_out(st, d->data, d->length);
}

static void
on_gap(void *user, ts_session *s, const ts_gap *gap)
{
    cat_state *st = user;
    if (!is_target(st, s) || st->stopped || !st->want[gap->from])
        return;
    if (st->on_gap == GAP_MARK) {
        g_autoptr(GString) marker = expand_marker(st->marker, gap);
        write_out(st, marker->str, marker->len);
    } else if (st->on_gap == GAP_STOP) {
        st->gap = *gap;
        st->gap_hit = true;
        stop(st);
    }
}

static void
on_session_done(void *user, ts_session *s)
{
    cat_state *st = user;
    if (!is_target(st, s))
        return;
    st->done = true;
    ts_engine_interrupt(st->engine); /* the rest of the capture is not needed */
}

/* Decodes the escapes \n, \t, \r, \0 (a NUL byte ends the C string, so it
 * is not offered) and \\ of a --marker TEXT; other backslashes stay. */
static char *
unescape_marker(const char *text)
{
    GString *out = g_string_new(NULL);
    for (const char *p = text; *p != '\0'; p++) {
        if (*p != '\\' || p[1] == '\0') {
            g_string_append_c(out, *p);
            continue;
        }
        switch (p[1]) {
        case 'n': g_string_append_c(out, '\n'); break;
        case 't': g_string_append_c(out, '\t'); break;
        case 'r': g_string_append_c(out, '\r'); break;
        case '\\': g_string_append_c(out, '\\'); break;
        default: g_string_append_c(out, '\\'); continue; /* the next char as it is */
        }
        p++;
    }
    return g_string_free(out, FALSE);
}

static const char cat_description[] =
    "Writes the bytes that stream STREAM (Wireshark's tcp.stream, as `ls` lists\n"
    "them) delivered, raw, to standard output, as they are delivered: --from\n"
    "client or server for one side (what the raw format's client.bin or\n"
    "server.bin holds), both (default) for the whole exchange in the order the\n"
    "bytes became available (the jsonl messages one after the other). Nothing\n"
    "is held in memory; the capture is read until the session ends.\n"
    "\n"
    "Bytes missing from the capture are never made up. At a hole in a side\n"
    "being written, --on-gap says what to do: stop (default: the output ends\n"
    "before the hole and a message names the side, offset and length; exit\n"
    "status 1), skip (go on with the bytes after it) or mark (write --marker\n"
    "TEXT in its place; --marker alone implies mark). In TEXT, {length},\n"
    "{offset} (in the side's stream, holes counted) and {from} (client or\n"
    "server) are replaced, \\n, \\t, \\r and \\\\ decoded; default: \"" DEFAULT_MARKER "\".\n"
    "\n"
    "--overlap last is refused: later copies would rewrite bytes already\n"
    "written (extract --format raw --overlap last applies them).\n"
    "\n"
    "Exit status: 0 success (also when the reader closed the pipe), 1 the\n"
    "capture could not be read, has no such stream, or the output stopped at\n"
    "a hole, 2 usage error.";

/* The command line of cat as given. */
typedef struct {
    char *from, *on_gap, *marker;
    ts_cli_engine_args engine;
    ts_cli_selection_args selection;
    char **args;
} cat_args;

static void
cat_args_clear(cat_args *a)
{
    g_free(a->from);
    g_free(a->on_gap);
    g_free(a->marker);
    ts_cli_engine_args_clear(&a->engine);
    ts_cli_selection_args_clear(&a->selection);
    g_strfreev(a->args);
}

static bool
usage_error(const char *message)
{
    fprintf(stderr, "tcpsession: %s\nTry 'tcpsession cat --help' for more information.\n", message);
    return false;
}

/* Fills st->want from --from (NULL: both). */
static bool
parse_from(const char *text, cat_state *st)
{
    bool both = text == NULL || strcmp(text, "both") == 0;
    st->want[TS_FROM_CLIENT] = both || strcmp(text, "client") == 0;
    st->want[TS_FROM_SERVER] = both || strcmp(text, "server") == 0;
    if (st->want[0] || st->want[1])
        return true;
    g_autofree char *m = g_strdup_printf("unknown side '%s' for --from (expected client, "
                                         "server or both)",
                                         text);
    return usage_error(m);
}

/* Fills st->on_gap and st->marker (owned by *marker) from --on-gap and
 * --marker. */
static bool
parse_gap_options(const cat_args *a, cat_state *st, char **marker)
{
    st->on_gap = a->marker != NULL ? GAP_MARK : GAP_STOP;
    if (a->on_gap != NULL) {
        static const char *const names[] = {"stop", "skip", "mark"};
        guint i = 0;
        while (i < G_N_ELEMENTS(names) && strcmp(a->on_gap, names[i]) != 0)
            i++;
        if (i == G_N_ELEMENTS(names)) {
            g_autofree char *m = g_strdup_printf(
                "unknown action '%s' for --on-gap (expected stop, skip or mark)", a->on_gap);
            return usage_error(m);
        }
        st->on_gap = (gap_action)i;
        if (a->marker != NULL && st->on_gap != GAP_MARK)
            return usage_error("--marker goes with --on-gap mark only");
    }
    *marker = unescape_marker(a->marker != NULL ? a->marker : DEFAULT_MARKER);
    st->marker = *marker;
    return true;
}

/* Parses CAPTURE and STREAM. */
static bool
parse_positional(char **args, cat_state *st)
{
    char *end = NULL;
    if (g_strv_length(args) != 2 || !g_ascii_isdigit(args[1][0]) ||
        (errno = 0, st->stream = g_ascii_strtoull(args[1], &end, 10), errno != 0) || *end != '\0')
        return usage_error("expected CAPTURE and a STREAM number");
    st->capture = ts_cli_capture_name(args[0]);
    st->path = args[0];
    return true;
}

/* Parses cat's command line into `st` and `opts`; false with the exit status
 * in *status after --help or a usage error. */
static bool
parse_args(int argc, char **argv, cat_args *a, cat_state *st, ts_options *opts, char **marker,
           int *status)
{
    const GOptionEntry entries[] = {
        {"from", 0, 0, G_OPTION_ARG_STRING, &a->from,
         "The side whose bytes are written: client, server or both (default)", "SIDE"},
        {"on-gap", 0, 0, G_OPTION_ARG_STRING, &a->on_gap,
         "At bytes missing from the capture: stop (default), skip or mark", "ACTION"},
        {"marker", 0, 0, G_OPTION_ARG_STRING, &a->marker,
         "What --on-gap mark writes (default \"" DEFAULT_MARKER "\")", "TEXT"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    GOptionEntry engine_rows[TS_CLI_ENGINE_ENTRIES], selection_rows[TS_CLI_SELECTION_ENTRIES];
    g_autofree GOptionEntry *more =
        ts_cli_join_entries(ts_cli_selection_entries(&a->selection, false, selection_rows),
                            ts_cli_engine_entries(&a->engine, false, engine_rows));
    bool parsed = ts_cli_parse_more(
        "cat", "CAPTURE STREAM", "Writes the bytes one TCP session delivered to standard output.",
        cat_description, entries, more, argc, argv, &a->args, status);
    ts_options_init(opts);
    opts->keep_payload = false;
    bool applied = parsed && ts_cli_engine_apply(&a->engine, "cat", opts) &&
                   ts_cli_selection_check(&a->selection, "cat");
    if (applied)
        st->sel = ts_cli_selection_new(&a->selection);
    if (!parsed)
        return false;
    *status = TS_EXIT_USAGE;
    if (!applied)
        return false;
    if (opts->overlap == TS_OVERLAP_LAST)
        return usage_error("cat writes bytes as they are delivered and cannot take them back: "
                           "--overlap last, which may rewrite delivered bytes, is not supported "
                           "(extract --format raw --overlap last applies the rewrites)");
    return parse_from(a->from, st) && parse_gap_options(a, st, marker) &&
           parse_positional(a->args, st);
}

/* "(the capture has streams 0-5)" and the like, for a stream not found. */
static char *
streams_text(uint64_t sessions)
{
    if (sessions == 0)
        return g_strdup("the capture has no TCP stream");
    if (sessions == 1)
        return g_strdup("the capture has stream 0 only");
    return g_strdup_printf("the capture has streams 0-%" PRIu64, sessions - 1);
}

/* Prints why the output stopped at a hole. */
static void
report_gap(const cat_state *st)
{
    fprintf(stderr,
            "tcpsession: %s: stream %" PRIu64 ": %" PRIu64 " bytes from the %s missing at "
            "offset %" PRIu64 " (not in the capture); the output stops before them "
            "(--on-gap skip goes on past missing bytes, --on-gap mark writes a marker in "
            "their place)\n",
            st->capture, st->stream, st->gap.length, side_name(st->gap.from), st->gap.offset);
}

/* Reads the capture, writing the stream; returns the exit status. */
static int
cat_capture(cat_state *st, const ts_options *opts)
{
    ts_callbacks cb = {
        .session_open = on_session_open,
        .data = on_data,
        .gap = on_gap,
        .session_done = on_session_done,
        .select_session = select_session,
    };
    ts_cli_selection_wire(st->sel, &cb, select_frame, NULL);
    signal(SIGPIPE, SIG_IGN); /* a closed pipe is EPIPE, handled below */
    st->engine = ts_engine_new(opts, &cb, st);
    g_autoptr(GError) error = NULL;
    bool ok = ts_engine_run_file(st->engine, st->path, &error);
    ts_cli_print_warnings(st->engine, st->sel, st->capture);
    uint64_t sessions = ts_engine_stats(st->engine)->sessions;
    ts_engine_free(st->engine);
    st->engine = NULL;
    if (st->write_errno == 0 && fflush(stdout) != 0)
        st->write_errno = errno != 0 ? errno : EIO;
    if (st->write_errno == EPIPE)
        return TS_EXIT_OK; /* the reader wanted no more */
    if (st->write_errno != 0) {
        fprintf(stderr, "tcpsession: standard output: %s\n", g_strerror(st->write_errno));
        return TS_EXIT_FAILURE;
    }
    if (!ok) {
        fprintf(stderr, "tcpsession: %s\n", error->message);
        return TS_EXIT_FAILURE;
    }
    if (!st->found) {
        g_autofree char *what = streams_text(sessions);
        fprintf(stderr, "tcpsession: %s: no stream %" PRIu64 " (%s)\n", st->capture, st->stream,
                what);
        return TS_EXIT_FAILURE;
    }
    if (st->gap_hit) {
        report_gap(st);
        return TS_EXIT_FAILURE;
    }
    return TS_EXIT_OK;
}

int
ts_cmd_cat(int argc, char **argv)
{
    cat_args args = {0};
    cat_state st = {0};
    ts_options opts;
    g_autofree char *marker = NULL;
    int status = TS_EXIT_OK;
    if (parse_args(argc, argv, &args, &st, &opts, &marker, &status))
        status = cat_capture(&st, &opts);
    ts_selection_free(st.sel);
    cat_args_clear(&args);
    return status;
}

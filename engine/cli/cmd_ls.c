/*
 * cmd_ls.c — `tcpsession ls`: lists the TCP sessions of one capture, one line
 * per session in stream order, as an aligned table or as JSON lines. Runs the
 * engine without keeping payload: only counters are needed. What an analyst
 * looks for first is on the line: bytes missing from each side, the close
 * reason, mid-stream pickups and the kinds of anomaly. With -i IFACE it
 * captures live and prints each session's line as the session ends.
 */
#include "cli.h"
#include "util/json_text.h"
#include "util/tally.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* What the listing needs of a session, copied in session_done. */
typedef struct {
    uint64_t stream;
    ts_endpoint client;
    ts_endpoint server;
    int64_t start_ns;
    int64_t end_ns;
    uint64_t packets;
    uint64_t bytes[2];   /* delivered, per direction */
    uint64_t missing[2]; /* bytes of the gaps, per direction */
    uint64_t gaps[2];    /* gaps, per direction */
    uint64_t anomalies;  /* kept + dropped */
    uint64_t anomalies_dropped;
    uint64_t by_type[TS_ANOMALY_COUNT_]; /* kept anomalies per type */
    bool midstream;
    ts_close_reason close;
    char community_id[TS_COMMUNITY_ID_LEN];
} ls_row;

/* What every row shares: the rows, the capture's name, the seed; the
 * selection; with -i, how the rows are printed as sessions end. */
typedef struct {
    GArray *rows; /* ls_row */
    const char *capture;
    uint16_t seed;
    ts_selection *sel; /* --filter, --stream, --since, --until; NULL: all */
    bool json;         /* -i: print JSON lines */
    bool header_printed;
} ls_state;

enum { COL_COUNT = 14 };

static const char *const column_names[COL_COUNT] = {
    "stream",  "client",       "server",       "start",          "duration",
    "packets", "client_bytes", "server_bytes", "client_missing", "server_missing",
    "gaps",    "close",        "anomalies",    "notes",
};
/* Numbers are right-aligned, text left-aligned. */
static const bool column_right[COL_COUNT] = {true, false, false, false, true,  true, true,
                                             true, true,  true,  true,  false, true, false};

/* The anomalies of `s` counted by type. */
static void
count_anomaly_types(const ts_session *s, uint64_t by_type[TS_ANOMALY_COUNT_])
{
    size_t n = 0;
    const ts_anomaly *a = ts_session_anomalies(s, &n);
    for (size_t i = 0; i < n; i++) {
        if ((unsigned)a[i].type < TS_ANOMALY_COUNT_)
            by_type[a[i].type]++;
    }
}

static bool
on_select_frame(void *user, const ts_frame *f, uint64_t number)
{
    (void)number;
    return ts_selection_frame(((ls_state *)user)->sel, f);
}

static bool
on_select_session(void *user, const ts_session *s)
{
    return ts_selection_session(((ls_state *)user)->sel, s);
}

static void
on_session_done(void *user, ts_session *s)
{
    ls_state *st = user;
    size_t n_gaps = 0;
    const ts_gap *gaps = ts_session_gaps(s, &n_gaps);
    ls_row row = {
        .stream = ts_session_stream(s),
        .client = *ts_session_client(s),
        .server = *ts_session_server(s),
        .start_ns = ts_session_start_ns(s),
        .end_ns = ts_session_end_ns(s),
        .packets = ts_session_packets(s),
        .bytes = {ts_session_bytes(s, TS_FROM_CLIENT), ts_session_bytes(s, TS_FROM_SERVER)},
        .missing = {ts_session_missing_bytes(s, TS_FROM_CLIENT),
                    ts_session_missing_bytes(s, TS_FROM_SERVER)},
        .anomalies = ts_tally_anomalies(s),
        .anomalies_dropped = ts_session_anomalies_dropped(s),
        .midstream = ts_session_midstream(s),
        .close = ts_session_close_reason(s),
    };
    for (size_t i = 0; i < n_gaps; i++)
        row.gaps[gaps[i].from == TS_FROM_SERVER]++;
    count_anomaly_types(s, row.by_type);
    ts_session_community_id(s, st->seed, row.community_id);
    g_array_append_val(st->rows, row);
}

static int
compare_rows(const void *a, const void *b)
{
    const ls_row *x = a, *y = b;
    return x->stream < y->stream ? -1 : x->stream > y->stream;
}

static char *
endpoint_text(const ts_endpoint *ep)
{
    char addr[TS_ADDRSTRLEN];
    ts_endpoint_address(ep, addr);
    if (ep->family == 6)
        return g_strdup_printf("[%s]:%u", addr, (unsigned)ep->port);
    return g_strdup_printf("%s:%u", addr, (unsigned)ep->port);
}

/* "2023-11-14T22:13:20.000000Z" (UTC, microseconds truncated). */
static char *
time_text(int64_t ns)
{
    int64_t sec = ns / 1000000000;
    int64_t rem = ns % 1000000000;
    if (rem < 0) {
        sec--;
        rem += 1000000000;
    }
    time_t t = (time_t)sec;
    struct tm tm;
    char date[64];
    if (gmtime_r(&t, &tm) == NULL || strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
        return g_strdup_printf("%" PRId64 ".%06" PRId64, sec, rem / 1000);
    return g_strdup_printf("%s.%06" PRId64 "Z", date, rem / 1000);
}

/* Duration in seconds with milliseconds, rounded: "0.120s". */
static char *
duration_text(int64_t ns)
{
    const char *sign = ns < 0 ? "-" : "";
    uint64_t mag = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
    uint64_t ms = (mag + 500000) / 1000000;
    return g_strdup_printf("%s%" PRIu64 ".%03" PRIu64 "s", sign, ms / 1000, ms % 1000);
}

/* The notes column: "midstream", then each kind of anomaly kept with its
 * count ("late_data=2"), then "dropped=N" for those not kept; "-" when
 * there is nothing to say. Caller frees. */
static char *
notes_text(const ls_row *r)
{
    GString *out = g_string_new(r->midstream ? "midstream" : "");
    for (int t = 0; t < TS_ANOMALY_COUNT_; t++) {
        if (r->by_type[t] > 0)
            g_string_append_printf(out, "%s%s=%" PRIu64, out->len ? " " : "",
                                   ts_anomaly_type_name((ts_anomaly_type)t), r->by_type[t]);
    }
    if (r->anomalies_dropped > 0)
        g_string_append_printf(out, "%sdropped=%" PRIu64, out->len ? " " : "",
                               r->anomalies_dropped);
    if (out->len == 0)
        g_string_append_c(out, '-');
    return g_string_free(out, FALSE);
}

/* Prints `rows` as a table, the header line first when `header`; the first
 * `model_rows` rows are not printed but count for the column widths (live
 * capture: rows printed one at a time keep the widths of a model row). */
static void
print_table(const GArray *rows, bool header, guint model_rows)
{
    size_t width[COL_COUNT];
    for (int c = 0; c < COL_COUNT; c++)
        width[c] = strlen(column_names[c]);
    char **cells = g_new0(char *, (gsize)rows->len *COL_COUNT);
    for (guint i = 0; i < rows->len; i++) {
        const ls_row *r = &g_array_index(rows, ls_row, i);
        char **cell = cells + (gsize)i * COL_COUNT;
        cell[0] = g_strdup_printf("%" PRIu64, r->stream);
        cell[1] = endpoint_text(&r->client);
        cell[2] = endpoint_text(&r->server);
        cell[3] = time_text(r->start_ns);
        cell[4] = duration_text(r->end_ns - r->start_ns);
        cell[5] = g_strdup_printf("%" PRIu64, r->packets);
        cell[6] = g_strdup_printf("%" PRIu64, r->bytes[0]);
        cell[7] = g_strdup_printf("%" PRIu64, r->bytes[1]);
        cell[8] = g_strdup_printf("%" PRIu64, r->missing[0]);
        cell[9] = g_strdup_printf("%" PRIu64, r->missing[1]);
        cell[10] = g_strdup_printf("%" PRIu64, r->gaps[0] + r->gaps[1]);
        cell[11] = g_strdup(ts_close_reason_name(r->close));
        cell[12] = g_strdup_printf("%" PRIu64, r->anomalies);
        cell[13] = notes_text(r);
        for (int c = 0; c < COL_COUNT; c++)
            width[c] = MAX(width[c], strlen(cell[c]));
    }
    for (guint i = 0; i <= rows->len; i++) {
        if ((i == 0 && !header) || (i >= 1 && i <= model_rows))
            continue;
        for (int c = 0; c < COL_COUNT; c++) {
            const char *text = i == 0 ? column_names[c] : cells[(gsize)(i - 1) * COL_COUNT + c];
            int w = (int)width[c];
            bool last = c == COL_COUNT - 1;
            if (column_right[c])
                printf("%*s", w, text);
            else if (last)
                fputs(text, stdout);
            else
                printf("%-*s", w, text);
            fputs(last ? "\n" : "  ", stdout);
        }
    }
    for (gsize i = 0; i < (gsize)rows->len * COL_COUNT; i++)
        g_free(cells[i]);
    g_free(cells);
}

/* ",\"anomaly_types\":{\"TYPE\":N,...}": the kept anomalies by type. */
static void
append_anomaly_types(GString *line, const ls_row *r)
{
    g_string_append(line, ",\"anomaly_types\":{");
    bool first = true;
    for (int t = 0; t < TS_ANOMALY_COUNT_; t++) {
        if (r->by_type[t] == 0)
            continue;
        if (!first)
            g_string_append_c(line, ',');
        first = false;
        ts_json_append_string(line, ts_anomaly_type_name((ts_anomaly_type)t));
        g_string_append_c(line, ':');
        ts_json_append_uint(line, r->by_type[t]);
    }
    g_string_append_c(line, '}');
}

/* ",\"NAME\":N" */
static void
append_count(GString *line, const char *name, uint64_t n)
{
    g_string_append_printf(line, ",\"%s\":", name);
    ts_json_append_uint(line, n);
}

static void
print_json(const GArray *rows, const char *capture)
{
    g_autoptr(GString) line = g_string_sized_new(512);
    for (guint i = 0; i < rows->len; i++) {
        const ls_row *r = &g_array_index(rows, ls_row, i);
        g_string_truncate(line, 0);
        g_string_append(line, "{\"stream\":");
        ts_json_append_uint(line, r->stream);
        g_string_append(line, ",\"capture\":");
        ts_json_append_string(line, capture);
        g_string_append(line, ",\"community_id\":");
        ts_json_append_string(line, r->community_id);
        g_string_append(line, ",\"client\":");
        ts_json_append_endpoint(line, &r->client);
        g_string_append(line, ",\"server\":");
        ts_json_append_endpoint(line, &r->server);
        g_string_append(line, ",\"start\":");
        ts_json_append_seconds(line, r->start_ns);
        g_string_append(line, ",\"end\":");
        ts_json_append_seconds(line, r->end_ns);
        append_count(line, "packets", r->packets);
        append_count(line, "client_bytes", r->bytes[0]);
        append_count(line, "server_bytes", r->bytes[1]);
        g_string_append(line, r->midstream ? ",\"midstream\":true" : ",\"midstream\":false");
        append_count(line, "anomalies", r->anomalies);
        append_count(line, "gaps", r->gaps[0] + r->gaps[1]);
        g_string_append(line, ",\"close\":");
        ts_json_append_string(line, ts_close_reason_name(r->close));
        append_count(line, "client_missing_bytes", r->missing[0]);
        append_count(line, "server_missing_bytes", r->missing[1]);
        append_count(line, "client_gaps", r->gaps[0]);
        append_count(line, "server_gaps", r->gaps[1]);
        append_count(line, "anomalies_dropped", r->anomalies_dropped);
        append_anomaly_types(line, r);
        g_string_append(line, "}\n");
        fwrite(line->str, 1, line->len, stdout);
    }
}

/* ---- ls -i ------------------------------------------------------------ */

/* A row as wide as an IPv4 session's row usually is, for the widths. */
static ls_row
model_row(void)
{
    ls_row r = {.stream = 99999, .start_ns = 0, .end_ns = INT64_C(999999000000)};
    r.client.family = r.server.family = 4;
    memset(r.client.addr, 255, 4);
    memset(r.server.addr, 255, 4);
    r.client.port = r.server.port = 65535;
    r.packets = 9999999;
    r.bytes[0] = r.bytes[1] = UINT64_C(9999999999);
    r.missing[0] = r.missing[1] = UINT64_C(9999999);
    r.anomalies = 99999;
    r.close = TS_CLOSE_END_OF_CAPTURE;
    return r;
}

/* session_done of ls -i: prints the session's line at once. */
static void
on_live_session_done(void *user, ts_session *s)
{
    ls_state *st = user;
    on_session_done(st, s);
    if (st->json) {
        g_autoptr(GArray) one = g_array_new(FALSE, FALSE, sizeof(ls_row));
        g_array_append_val(one, g_array_index(st->rows, ls_row, 1));
        print_json(one, st->capture);
    } else {
        print_table(st->rows, !st->header_printed, 1);
        st->header_printed = true;
    }
    fflush(stdout);
    g_array_set_size(st->rows, 1);
}

/* ls -i IFACE: lists sessions as they end until SIGINT/SIGTERM. */
static int
ls_live_capture(const ts_live_config *cfg, const ts_options *opts, ls_state *st)
{
    ts_live *live = ts_cli_live_open(cfg);
    if (live == NULL)
        return TS_EXIT_FAILURE;
    ls_row model = model_row();
    g_array_append_val(st->rows, model);
    st->capture = cfg->iface;
    ts_callbacks cb = {.session_done = on_live_session_done};
    ts_cli_selection_wire(st->sel, &cb, NULL, on_select_session); /* the filter: in the kernel */
    ts_engine *engine = ts_engine_new(opts, &cb, st);
    g_autoptr(GString) msgs = g_string_new(NULL);
    bool ok = ts_cli_live_run(live, engine, msgs);
    ts_cli_format_warnings(msgs, engine, NULL, NULL);
    ts_cli_live_format_counts(msgs, live, cfg->iface, false);
    ts_engine_free(engine);
    ts_live_close(live);
    bool flushed = fflush(stdout) == 0;
    fputs(msgs->str, stderr);
    if (!flushed)
        perror("tcpsession: stdout");
    return ok && flushed ? TS_EXIT_OK : TS_EXIT_FAILURE;
}

/* ---- ls CAPTURE --------------------------------------------------------- */

/* Lists the capture (or the series) `files`; the exit status. */
static int
ls_captures(char *const *files, const ts_options *opts, ls_state *st)
{
    ts_callbacks cb = {.session_done = on_session_done};
    ts_cli_selection_wire(st->sel, &cb, on_select_frame, on_select_session);
    ts_engine *engine = ts_engine_new(opts, &cb, st);
    g_autoptr(GError) error = NULL;
    bool ok = ts_cli_run_captures(engine, files, &error);
    ts_cli_print_warnings(engine, st->sel, ts_cli_capture_name(files[0]));
    ts_engine_free(engine);

    /* Sessions delivered before a failure are listed all the same. */
    g_array_sort(st->rows, compare_rows);
    if (st->json)
        print_json(st->rows, st->capture);
    else if (ok || st->rows->len > 0)
        print_table(st->rows, true, 0);
    if (fflush(stdout) != 0) {
        perror("tcpsession: stdout");
        return TS_EXIT_FAILURE;
    }
    if (!ok) {
        fprintf(stderr, "tcpsession: %s\n", error->message);
        return TS_EXIT_FAILURE;
    }
    return TS_EXIT_OK;
}

static const char ls_description[] =
    "Columns: stream number, client and server (the client sent the SYN),\n"
    "start time (UTC), duration, packets, bytes delivered by each side\n"
    "(client_bytes, server_bytes), bytes each side sent that the capture\n"
    "lacks (client_missing, server_missing: the sum of its gaps), gaps (holes,\n"
    "both sides), close (fin, rst, reused, end_of_capture, idle, evicted), anomalies\n"
    "(kept and dropped) and notes: \"midstream\" when the capture did not\n"
    "show the connection's start, and each kind of anomaly with its count\n"
    "(\"overlap_conflict=2\"; \"dropped=N\" beyond the 1000 kept), \"-\" when\n"
    "none. --json prints one object per session with those values and the\n"
    "capture as given, the Community ID, client_gaps, server_gaps and\n"
    "anomaly_types.\n"
    "\n"
    "CAPTURE '-' is standard input. With --series, CAPTURE... are the parts of\n"
    "one rotated capture, as extract --series reads them.\n"
    "\n"
    "With -i IFACE, ls captures live and prints each session's line as the\n"
    "session ends (in end order), until Ctrl-C or SIGTERM, which lists the\n"
    "sessions still open and prints the packet counts on standard error.";

/* ls's command line, parsed (texts owned; freed by ls_args_clear()). */
typedef struct {
    gboolean json, series;
    char *seed_text;
    ts_cli_engine_args engine;
    ts_cli_selection_args selection;
    ts_cli_live_args live;
    char **captures;
} ls_args;

static void
ls_args_clear(ls_args *a)
{
    g_free(a->seed_text);
    ts_cli_engine_args_clear(&a->engine);
    ts_cli_selection_args_clear(&a->selection);
    ts_cli_live_args_clear(&a->live);
    g_strfreev(a->captures);
}

/* Parses ls's options into `a`; false with the exit status in *status. */
static bool
parse_args(int argc, char **argv, ls_args *a, int *status)
{
    const GOptionEntry entries[] = {
        {"json", 'j', 0, G_OPTION_ARG_NONE, &a->json, "One JSON object per session and line", NULL},
        {"series", 0, 0, G_OPTION_ARG_NONE, &a->series,
         "The captures (or a folder's, sorted by time) are consecutive parts of one capture: "
         "list them as one",
         NULL},
        {"community-id-seed", 0, 0, G_OPTION_ARG_STRING, &a->seed_text,
         TS_CLI_COMMUNITY_ID_SEED_HELP, "N"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    GOptionEntry live_rows[TS_CLI_LIVE_ENTRIES];
    GOptionEntry all[G_N_ELEMENTS(entries) + TS_CLI_LIVE_ENTRIES - 1];
    memcpy(all, entries, sizeof entries - sizeof entries[0]);
    memcpy(all + G_N_ELEMENTS(entries) - 1, ts_cli_live_entries(&a->live, live_rows),
           sizeof live_rows);
    GOptionEntry engine_rows[TS_CLI_ENGINE_ENTRIES], selection_rows[TS_CLI_SELECTION_ENTRIES];
    g_autofree GOptionEntry *more =
        ts_cli_join_entries(ts_cli_selection_entries(&a->selection, true, selection_rows),
                            ts_cli_engine_entries(&a->engine, false, engine_rows));
    *status = TS_EXIT_OK;
    return ts_cli_parse_more("ls", "CAPTURE | -i IFACE",
                             "Lists the TCP sessions of a capture, in stream order.",
                             ls_description, all, more, argc, argv, &a->captures, status);
}

static int
usage(const char *message)
{
    fprintf(stderr, "tcpsession: %s\nTry 'tcpsession ls --help' for more information.\n", message);
    return TS_EXIT_USAGE;
}

/* Runs ls on parsed arguments; the exit status. */
static int
run_ls(ls_args *a)
{
    ts_options opts;
    ts_options_init(&opts);
    opts.keep_payload = false;
    ts_live_config live_cfg;
    uint16_t seed = 0;
    if (!ts_cli_engine_apply(&a->engine, "ls", &opts) ||
        !ts_cli_live_apply(&a->live, "ls", &live_cfg) ||
        !ts_cli_community_id_seed(a->seed_text, "ls", &seed) ||
        !ts_cli_selection_check(&a->selection, "ls"))
        return TS_EXIT_USAGE;
    if (live_cfg.iface != NULL && a->captures[0] != NULL)
        return usage("-i IFACE and a capture cannot be given together");
    g_autoptr(GArray) rows = g_array_new(FALSE, FALSE, sizeof(ls_row));
    ls_state st = {.rows = rows, .capture = a->captures[0], .seed = seed, .json = a->json};
    int status;
    if (live_cfg.iface != NULL) {
        live_cfg.filter = a->selection.filter; /* in the kernel */
        ts_cli_selection_args sessions = a->selection;
        sessions.filter = NULL;
        st.sel = ts_cli_selection_new(&sessions);
        status = ls_live_capture(&live_cfg, &opts, &st);
    } else {
        if (a->captures[0] == NULL || (a->captures[1] != NULL && !a->series))
            return usage(a->captures[0] == NULL ? "no capture given"
                                                : "ls takes exactly one capture");
        g_autoptr(GError) error = NULL;
        g_auto(GStrv) files = a->series ? ts_cli_collect_captures(a->captures, false, true, &error)
                                        : g_strdupv(a->captures);
        if (files == NULL) {
            fprintf(stderr, "tcpsession: %s\n", error->message);
            return TS_EXIT_FAILURE;
        }
        st.sel = ts_cli_selection_new(&a->selection);
        status = ls_captures(files, &opts, &st);
    }
    ts_selection_free(st.sel);
    return status;
}

int
ts_cmd_ls(int argc, char **argv)
{
    ls_args a = {0};
    int status;
    if (parse_args(argc, argv, &a, &status))
        status = run_ls(&a);
    ls_args_clear(&a);
    return status;
}

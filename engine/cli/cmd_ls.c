/*
 * cmd_ls.c — `tcpsession ls`: lists the TCP sessions of one capture, one line
 * per session in stream order, as an aligned table or as JSON lines. Runs the
 * engine without keeping payload: only counters are needed. With -i IFACE it
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
    uint64_t client_bytes;
    uint64_t server_bytes;
    uint64_t anomalies; /* kept + dropped */
    uint64_t gaps;
    bool midstream;
    ts_close_reason close;
} ls_row;

enum { COL_COUNT = 9 };

static const char *const column_names[COL_COUNT] = {
    "stream",  "client",       "server",       "start",     "duration",
    "packets", "client_bytes", "server_bytes", "anomalies",
};
/* Numbers are right-aligned, text left-aligned. */
static const bool column_right[COL_COUNT] = {true, false, false, false, true,
                                             true, true,  true,  true};

static void
on_session_done(void *user, ts_session *s)
{
    GArray *rows = user;
    ls_row row = {
        .stream = ts_session_stream(s),
        .client = *ts_session_client(s),
        .server = *ts_session_server(s),
        .start_ns = ts_session_start_ns(s),
        .end_ns = ts_session_end_ns(s),
        .packets = ts_session_packets(s),
        .client_bytes = ts_session_bytes(s, TS_FROM_CLIENT),
        .server_bytes = ts_session_bytes(s, TS_FROM_SERVER),
        .anomalies = ts_tally_anomalies(s),
        .gaps = ts_tally_gaps(s),
        .midstream = ts_session_midstream(s),
        .close = ts_session_close_reason(s),
    };
    g_array_append_val(rows, row);
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
        cell[6] = g_strdup_printf("%" PRIu64, r->client_bytes);
        cell[7] = g_strdup_printf("%" PRIu64, r->server_bytes);
        cell[8] = g_strdup_printf("%" PRIu64, r->anomalies);
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

static void
print_json(const GArray *rows)
{
    g_autoptr(GString) line = g_string_sized_new(512);
    for (guint i = 0; i < rows->len; i++) {
        const ls_row *r = &g_array_index(rows, ls_row, i);
        g_string_truncate(line, 0);
        g_string_append(line, "{\"stream\":");
        ts_json_append_uint(line, r->stream);
        g_string_append(line, ",\"client\":");
        ts_json_append_endpoint(line, &r->client);
        g_string_append(line, ",\"server\":");
        ts_json_append_endpoint(line, &r->server);
        g_string_append(line, ",\"start\":");
        ts_json_append_seconds(line, r->start_ns);
        g_string_append(line, ",\"end\":");
        ts_json_append_seconds(line, r->end_ns);
        g_string_append(line, ",\"packets\":");
        ts_json_append_uint(line, r->packets);
        g_string_append(line, ",\"client_bytes\":");
        ts_json_append_uint(line, r->client_bytes);
        g_string_append(line, ",\"server_bytes\":");
        ts_json_append_uint(line, r->server_bytes);
        g_string_append(line, r->midstream ? ",\"midstream\":true" : ",\"midstream\":false");
        g_string_append(line, ",\"anomalies\":");
        ts_json_append_uint(line, r->anomalies);
        g_string_append(line, ",\"gaps\":");
        ts_json_append_uint(line, r->gaps);
        g_string_append(line, ",\"close\":");
        ts_json_append_string(line, ts_close_reason_name(r->close));
        g_string_append(line, "}\n");
        fwrite(line->str, 1, line->len, stdout);
    }
}

/* ls -i: the listing so far; rows holds the model row and, while it is
 * printed, the session that ended. */
typedef struct {
    GArray *rows;
    bool json;
    bool header_printed;
} ls_live;

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
    r.client_bytes = r.server_bytes = UINT64_C(9999999999);
    r.anomalies = 99999;
    return r;
}

/* session_done of ls -i: prints the session's line at once. */
static void
on_live_session_done(void *user, ts_session *s)
{
    ls_live *live = user;
    on_session_done(live->rows, s);
    if (live->json) {
        g_autoptr(GArray) one = g_array_new(FALSE, FALSE, sizeof(ls_row));
        g_array_append_val(one, g_array_index(live->rows, ls_row, 1));
        print_json(one);
    } else {
        print_table(live->rows, !live->header_printed, 1);
        live->header_printed = true;
    }
    fflush(stdout);
    g_array_set_size(live->rows, 1);
}

/* ls -i IFACE: lists sessions as they end until SIGINT/SIGTERM. */
static int
ls_live_capture(const ts_live_config *cfg, const ts_options *opts, bool json)
{
    ts_live *live = ts_cli_live_open(cfg);
    if (live == NULL)
        return TS_EXIT_FAILURE;
    g_autoptr(GArray) rows = g_array_new(FALSE, FALSE, sizeof(ls_row));
    ls_row model = model_row();
    g_array_append_val(rows, model);
    ls_live state = {.rows = rows, .json = json};
    ts_callbacks cb = {.session_done = on_live_session_done};
    ts_engine *engine = ts_engine_new(opts, &cb, &state);
    g_autoptr(GString) msgs = g_string_new(NULL);
    bool ok = ts_cli_live_run(live, engine, msgs);
    ts_cli_format_warnings(msgs, engine);
    ts_cli_live_format_counts(msgs, live, cfg->iface, false);
    ts_engine_free(engine);
    ts_live_close(live);
    bool flushed = fflush(stdout) == 0;
    fputs(msgs->str, stderr);
    if (!flushed)
        perror("tcpsession: stdout");
    return ok && flushed ? TS_EXIT_OK : TS_EXIT_FAILURE;
}

int
ts_cmd_ls(int argc, char **argv)
{
    gboolean json = FALSE, series = FALSE;
    const GOptionEntry entries[] = {
        {"json", 'j', 0, G_OPTION_ARG_NONE, &json, "One JSON object per session and line", NULL},
        {"series", 0, 0, G_OPTION_ARG_NONE, &series,
         "The captures (or a folder's, sorted by time) are consecutive parts of one capture: "
         "list them as one",
         NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_auto(GStrv) captures = NULL;
    int status = TS_EXIT_OK;
    ts_cli_engine_args engine_args = {0};
    GOptionEntry engine_rows[TS_CLI_ENGINE_ENTRIES];
    ts_cli_live_args live_args = {0};
    GOptionEntry live_rows[TS_CLI_LIVE_ENTRIES];
    GOptionEntry all[G_N_ELEMENTS(entries) + TS_CLI_LIVE_ENTRIES - 1];
    memcpy(all, entries, sizeof entries - sizeof entries[0]);
    memcpy(all + G_N_ELEMENTS(entries) - 1, ts_cli_live_entries(&live_args, live_rows),
           sizeof live_rows);
    bool parsed = ts_cli_parse_more(
        "ls", "CAPTURE | -i IFACE", "Lists the TCP sessions of a capture, in stream order.",
        "Columns: stream number, client and server (the client sent the SYN),\n"
        "start time (UTC), duration, packets, bytes delivered by each side and\n"
        "anomalies. --json adds midstream, gaps and close reason.\n"
        "CAPTURE '-' is standard input. With --series, CAPTURE... are the parts of\n"
        "one rotated capture, as extract --series reads them.\n"
        "\n"
        "With -i IFACE, ls captures live and prints each session's line as the\n"
        "session ends (in end order), until Ctrl-C or SIGTERM, which lists the\n"
        "sessions still open and prints the packet counts on standard error.",
        all, ts_cli_engine_entries(&engine_args, false, engine_rows), argc, argv, &captures,
        &status);
    ts_options opts;
    ts_options_init(&opts);
    opts.keep_payload = false;
    ts_live_config live_cfg;
    bool applied = parsed && ts_cli_engine_apply(&engine_args, "ls", &opts) &&
                   ts_cli_live_apply(&live_args, "ls", &live_cfg);
    ts_cli_engine_args_clear(&engine_args);
    if (!parsed || !applied) {
        ts_cli_live_args_clear(&live_args);
        return parsed ? TS_EXIT_USAGE : status;
    }
    if (live_cfg.iface != NULL && captures[0] != NULL) {
        fputs("tcpsession: -i IFACE and a capture cannot be given together\n"
              "Try 'tcpsession ls --help' for more information.\n",
              stderr);
        ts_cli_live_args_clear(&live_args);
        return TS_EXIT_USAGE;
    }
    if (live_cfg.iface != NULL) {
        status = ls_live_capture(&live_cfg, &opts, json);
        ts_cli_live_args_clear(&live_args);
        return status;
    }
    ts_cli_live_args_clear(&live_args);
    if (captures[0] == NULL || (captures[1] != NULL && !series)) {
        fprintf(stderr, "tcpsession: %s\nTry 'tcpsession ls --help' for more information.\n",
                captures[0] == NULL ? "no capture given" : "ls takes exactly one capture");
        return TS_EXIT_USAGE;
    }

    g_autoptr(GError) error = NULL;
    g_auto(GStrv) files =
        series ? ts_cli_collect_captures(captures, false, true, &error) : g_strdupv(captures);
    if (files == NULL) {
        fprintf(stderr, "tcpsession: %s\n", error->message);
        return TS_EXIT_FAILURE;
    }
    g_autoptr(GArray) rows = g_array_new(FALSE, FALSE, sizeof(ls_row));
    ts_callbacks cb = {.session_done = on_session_done};
    ts_engine *engine = ts_engine_new(&opts, &cb, rows);
    bool ok = ts_cli_run_captures(engine, files, &error);
    ts_cli_print_warnings(engine);
    ts_engine_free(engine);

    /* Sessions delivered before a failure are listed all the same. */
    g_array_sort(rows, compare_rows);
    if (json)
        print_json(rows);
    else if (ok || rows->len > 0)
        print_table(rows, true, 0);
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

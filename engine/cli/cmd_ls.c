/*
 * cmd_ls.c — `tcpsession ls`: lists the TCP sessions of one capture, one line
 * per session in stream order, as an aligned table or as JSON lines. Runs the
 * engine without keeping payload: only counters are needed. What an analyst
 * looks for first is on the line: bytes missing from each side, the close
 * reason, mid-stream pickups and the kinds of anomaly.
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

/* What every row shares: the rows, the capture's name, the seed. */
typedef struct {
    GArray *rows; /* ls_row */
    const char *capture;
    uint16_t seed;
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

static void
print_table(const GArray *rows)
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

int
ts_cmd_ls(int argc, char **argv)
{
    gboolean json = FALSE;
    g_autofree char *seed_text = NULL;
    const GOptionEntry entries[] = {
        {"json", 'j', 0, G_OPTION_ARG_NONE, &json, "One JSON object per session and line", NULL},
        {"community-id-seed", 0, 0, G_OPTION_ARG_STRING, &seed_text, TS_CLI_COMMUNITY_ID_SEED_HELP,
         "N"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_auto(GStrv) captures = NULL;
    int status = TS_EXIT_OK;
    ts_cli_engine_args engine_args = {0};
    GOptionEntry engine_rows[TS_CLI_ENGINE_ENTRIES];
    bool parsed = ts_cli_parse_more(
        "ls", "CAPTURE", "Lists the TCP sessions of a capture, in stream order.",
        "Columns: stream number, client and server (the client sent the SYN),\n"
        "start time (UTC), duration, packets, bytes delivered by each side\n"
        "(client_bytes, server_bytes), bytes each side sent that the capture\n"
        "lacks (client_missing, server_missing: the sum of its gaps), gaps (holes,\n"
        "both sides), close (fin, rst, reused, end_of_capture, idle), anomalies\n"
        "(kept and dropped) and notes: \"midstream\" when the capture did not\n"
        "show the connection's start, and each kind of anomaly with its count\n"
        "(\"overlap_conflict=2\"; \"dropped=N\" beyond the 1000 kept), \"-\" when\n"
        "none. --json prints one object per session with those values and the\n"
        "capture as given, the Community ID, client_gaps, server_gaps and\n"
        "anomaly_types.",
        entries, ts_cli_engine_entries(&engine_args, false, engine_rows), argc, argv, &captures,
        &status);
    ts_options opts;
    ts_options_init(&opts);
    opts.keep_payload = false;
    bool applied = parsed && ts_cli_engine_apply(&engine_args, "ls", &opts);
    ts_cli_engine_args_clear(&engine_args);
    if (!parsed)
        return status;
    uint16_t seed = 0;
    if (!applied || !ts_cli_community_id_seed(seed_text, "ls", &seed))
        return TS_EXIT_USAGE;
    if (captures[0] == NULL || captures[1] != NULL) {
        fprintf(stderr, "tcpsession: %s\nTry 'tcpsession ls --help' for more information.\n",
                captures[0] == NULL ? "no capture given" : "ls takes exactly one capture");
        return TS_EXIT_USAGE;
    }

    g_autoptr(GArray) rows = g_array_new(FALSE, FALSE, sizeof(ls_row));
    ls_state st = {.rows = rows, .capture = captures[0], .seed = seed};
    ts_callbacks cb = {.session_done = on_session_done};
    ts_engine *engine = ts_engine_new(&opts, &cb, &st);
    g_autoptr(GError) error = NULL;
    bool ok = ts_engine_run_file(engine, captures[0], &error);
    ts_cli_print_warnings(engine);
    ts_engine_free(engine);

    /* Sessions delivered before a failure are listed all the same. */
    g_array_sort(rows, compare_rows);
    if (json)
        print_json(rows, captures[0]);
    else if (ok || rows->len > 0)
        print_table(rows);
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
